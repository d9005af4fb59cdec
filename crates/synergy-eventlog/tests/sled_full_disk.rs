//! The sled log on a full disk, in process: a small tmpfs is filled under an open log,
//! appends are refused at once (`Unavailable`, saying the disk is full), and once space is
//! freed the same log — not reopened by the test — takes appends again; retries of
//! commits refused meanwhile are answered once, every acknowledged commit reads back, and
//! positions stay gap-free.
//!
//! Mounting needs root (CI runs as root); elsewhere the test says SKIPPED on stderr.

mod conformance;

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use conformance::{assert_gap_free, commit, stream, take_commits};
use synergy_eventlog::{AppendError, Appended, EventLog, ExpectedVersion, Position, SledLog};
use synergy_proto::{Commit, Context};

/// A tmpfs mounted for the test, unmounted when dropped.
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(at: &Path) -> Option<Tmpfs> {
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        if !root {
            eprintln!("SKIPPED sled_full_disk: mounting a tmpfs needs root (CI runs as root)");
            return None;
        }
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=24m", "tmpfs"])
            .arg(at)
            .output();
        match out {
            Ok(o) if o.status.success() => Some(Tmpfs(at.to_path_buf())),
            Ok(o) => {
                eprintln!(
                    "SKIPPED sled_full_disk: mount -t tmpfs failed: {}",
                    String::from_utf8_lossy(&o.stderr).trim()
                );
                None
            }
            Err(e) => {
                eprintln!("SKIPPED sled_full_disk: cannot run mount: {e}");
                None
            }
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

fn fill(path: &Path) {
    let mut file = std::fs::File::create(path).expect("create the filler");
    let chunk = vec![0u8; 64 * 1024];
    loop {
        match file.write(&chunk) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::StorageFull => break,
            Err(e) => panic!("filling the tmpfs: {e}"),
        }
    }
}

const WITHIN: Duration = Duration::from_secs(20);

async fn append(log: &SledLog, c: &Commit) -> Result<Appended, AppendError> {
    let started = Instant::now();
    let answer = tokio::time::timeout(WITHIN, log.append(ExpectedVersion::NoStream, c.clone()))
        .await
        .unwrap_or_else(|_| panic!("an append on {} did not answer within {WITHIN:?}", c.stream));
    assert!(started.elapsed() < WITHIN);
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_appends_and_the_log_takes_them_again_once_space_is_freed() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let Some(tmpfs) = Tmpfs::mount(dir.path()) else {
        return;
    };
    let log = SledLog::open(tmpfs.0.join("log")).expect("open the log");
    let mut acked: Vec<(Commit, Appended)> = Vec::new();
    for i in 0..10 {
        let c = commit(&stream(Context::Strategy, "p", &format!("before{i}")), 1);
        let a = append(&log, &c)
            .await
            .expect("append before the disk is full");
        acked.push((c, a));
    }

    fill(&tmpfs.0.join("filler"));
    let mut refused = Vec::new();
    for i in 0..500 {
        let c = commit(&stream(Context::Strategy, "p", &format!("full{i}")), 3);
        match append(&log, &c).await {
            Ok(a) => acked.push((c, a)),
            Err(AppendError::Unavailable { reason }) => {
                assert!(
                    reason.contains("full"),
                    "the refusal does not say why: {reason}"
                );
                refused.push(c);
                if refused.len() == 5 {
                    break;
                }
            }
            Err(e) => panic!("an append on a full disk: {e}"),
        }
    }
    assert_eq!(refused.len(), 5, "appends kept succeeding on a full disk");

    std::fs::remove_file(tmpfs.0.join("filler")).expect("free the space");
    // The refused commits, retried with their commit ids: each is stored once (or was
    // already, if its record made it before the failure) once the log has reopened.
    let deadline = Instant::now() + Duration::from_secs(30);
    for c in refused {
        loop {
            match append(&log, &c).await {
                Ok(a) => {
                    acked.push((c, a));
                    break;
                }
                Err(AppendError::Unavailable { .. }) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("a retry after space was freed: {e}"),
            }
        }
    }
    let c = commit(&stream(Context::Strategy, "p", "after"), 1);
    let a = append(&log, &c)
        .await
        .expect("a new append after space was freed");
    acked.push((c, a));

    // Every acknowledged commit reads back, from its aggregate and from the global log,
    // with the position it was acknowledged at; no position is missing or doubled.
    for (c, a) in &acked {
        let stored = log.read_aggregate(&c.stream, 1).await.expect("read back");
        assert_eq!(
            stored.len(),
            1,
            "{} holds {} commits",
            c.stream,
            stored.len()
        );
        assert_eq!(stored[0].position, a.position);
        assert_eq!(stored[0].commit.commit_id, c.commit_id);
    }
    let head = log.head().await.expect("head");
    let mut sub = log.subscribe(Position::START, synergy_eventlog::Filter::ALL);
    let all = take_commits(&mut sub, head.get() as usize).await;
    assert_gap_free(&all);
    assert_eq!(
        all.len(),
        acked.len(),
        "commits stored that nobody was told of"
    );
    drop(sub);
    tokio::task::spawn_blocking(move || drop(log))
        .await
        .expect("close the log");
}
