//! Crash test of the sled event log (issue 3 §5): a child process appends in a loop and
//! prints every acknowledged commit; the parent kills it with SIGKILL at a random moment,
//! reopens the log on the same directory and checks that every acknowledged commit is
//! there exactly once and that the log is gap-free. Repeated for [`ROUNDS`] rounds on one
//! directory, so each round also recovers from the previous crashes.
//!
//! The child is this same test binary, re-executed with [`CHILD_ENV`] set; that is why
//! this test has its own `main` (`harness = false`).

mod conformance;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures::StreamExt;
use synergy_eventlog::{EventLog, ExpectedVersion, Filter, Position, SledLog, StoredCommit};
use synergy_proto::{Commit, Context, StreamId, Uuid};

const CHILD_ENV: &str = "SYNERGY_SLED_CRASH_CHILD_DIR";
const ROUNDS: usize = 24;
/// Concurrent appenders in the child, so kills also land in the middle of group commits.
const CHILD_WRITERS: usize = 8;
/// Longest the parent lets a child run after its first acknowledgement.
const MAX_RUN: Duration = Duration::from_millis(150);
const TEST_NAME: &str = "acknowledged_commits_survive_sigkill";

fn main() {
    if let Ok(dir) = std::env::var(CHILD_ENV) {
        child(Path::new(&dir));
        return;
    }
    if !synergy_testkit::harness_runs(TEST_NAME) {
        return;
    }
    let started = Instant::now();
    parent();
    println!("test {TEST_NAME} ... ok ({:.1?})", started.elapsed());
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn stream(writer: usize) -> StreamId {
    conformance::stream(Context::Support, "crash", &format!("meeting:{writer}"))
}

fn commit(stream: &StreamId, events: usize) -> Commit {
    conformance::commit(stream, events)
}

/// The child: appends forever from several tasks, one aggregate each, printing every
/// acknowledged commit as `<commit id> <position> <first version> <last version>`.
fn child(dir: &Path) {
    runtime().block_on(async {
        let log = SledLog::open(dir).expect("child opens the log");
        let mut tasks = Vec::new();
        for w in 0..CHILD_WRITERS {
            let log = log.clone();
            tasks.push(tokio::spawn(async move {
                let s = stream(w);
                let mut version = log
                    .read_aggregate(&s, 1)
                    .await
                    .expect("child reads its aggregate")
                    .last()
                    .map_or(0, |c| c.commit.last_version());
                for n in 0usize.. {
                    let c = commit(&s, 1 + n % 3);
                    let a = log
                        .append(ExpectedVersion::Exact(version), c.clone())
                        .await
                        .expect("child append");
                    version = a.last_version;
                    let mut out = std::io::stdout().lock();
                    writeln!(
                        out,
                        "{} {} {} {}",
                        c.commit_id,
                        a.position.get(),
                        a.first_version,
                        a.last_version
                    )
                    .and_then(|()| out.flush())
                    .expect("child writes to the parent");
                }
            }));
        }
        for t in tasks {
            t.await.expect("child task");
        }
    });
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ack {
    position: u64,
    first_version: u64,
    last_version: u64,
}

fn parse_ack(line: &str) -> (Uuid, Ack) {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let number = |i: usize| -> u64 {
        fields
            .get(i)
            .and_then(|f| f.parse().ok())
            .unwrap_or_else(|| panic!("malformed acknowledgement line {line:?}"))
    };
    let id = fields
        .first()
        .and_then(|f| Uuid::parse_str(f).ok())
        .unwrap_or_else(|| panic!("malformed acknowledgement line {line:?}"));
    (
        id,
        Ack {
            position: number(1),
            first_version: number(2),
            last_version: number(3),
        },
    )
}

/// Kills the child if the parent fails mid-round, so no appender outlives the test.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A tiny xorshift generator: the kill moments only need to be spread, not secure.
struct Rng(u64);

impl Rng {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

fn parent() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0x5eed, |d| d.as_nanos() as u64)
        | 1;
    println!(
        "sled crash test: seed {seed}, {ROUNDS} rounds in {}",
        dir.path().display()
    );
    let mut rng = Rng(seed);
    let mut acked: HashMap<Uuid, Ack> = HashMap::new();
    let exe = std::env::current_exe().expect("own executable");
    let rt = runtime();

    for round in 0..ROUNDS {
        let mut child = KillOnDrop(
            Command::new(&exe)
                .env(CHILD_ENV, dir.path())
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("start the child"),
        );
        let stdout = child.0.stdout.take().expect("child stdout");
        let (lines_tx, lines) = mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut line = String::new();
                match reader.read_line(&mut line) {
                    Ok(0) | Err(_) => break,
                    // A line cut off by the kill was never fully reported; it proves nothing.
                    Ok(_) if !line.ends_with('\n') => break,
                    Ok(_) => {
                        if lines_tx.send(line).is_err() {
                            break;
                        }
                    }
                }
            }
        });

        let first = lines
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("round {round}: the child acknowledged nothing in 60 s"));
        std::thread::sleep(Duration::from_micros(rng.below(MAX_RUN.as_micros() as u64)));
        child.0.kill().expect("SIGKILL the child");
        let status = child.0.wait().expect("reap the child");
        assert!(
            !status.success(),
            "round {round}: the child must die by the kill"
        );
        reader.join().expect("reader thread");

        let mut this_round = 0;
        for line in std::iter::once(first).chain(lines.try_iter()) {
            let (id, ack) = parse_ack(&line);
            assert!(
                acked.insert(id, ack).is_none(),
                "commit {id} acknowledged twice"
            );
            this_round += 1;
        }
        let stored = rt.block_on(verify(dir.path(), &acked));
        println!(
            "round {round:2}: {this_round:4} acknowledged, {stored:5} stored in all, {} acknowledged in all",
            acked.len()
        );
    }
}

/// Reopens the log after a crash and checks every promise; returns how many commits it holds.
async fn verify(dir: &Path, acked: &HashMap<Uuid, Ack>) -> usize {
    let log = SledLog::open(dir).expect("reopen after the crash");
    let head = log.head().await.expect("head").get();
    let mut sub = log.subscribe(Position::START, Filter::ALL);
    let mut all: Vec<StoredCommit> = Vec::with_capacity(head as usize);
    while (all.len() as u64) < head {
        let item = tokio::time::timeout(Duration::from_secs(30), sub.next())
            .await
            .expect("the recovered log reads back in time")
            .expect("the subscription lasts until the head");
        all.push(item.unwrap_or_else(|e| panic!("recovered log has a bad record: {e}")));
    }
    drop(sub);

    for (i, c) in all.iter().enumerate() {
        assert_eq!(
            c.position.get(),
            i as u64 + 1,
            "positions must run 1..=n without gaps"
        );
    }
    // No commit stored twice; each aggregate's versions run 1, 2, 3, ...
    conformance::assert_gap_free(&all);
    // The last version of each aggregate (later commits overwrite earlier ones).
    let versions: HashMap<StreamId, u64> = all
        .iter()
        .map(|c| (c.commit.stream.clone(), c.commit.last_version()))
        .collect();
    let by_id: HashMap<Uuid, &StoredCommit> = all.iter().map(|c| (c.commit.commit_id, c)).collect();
    for (id, ack) in acked {
        let stored = by_id
            .get(id)
            .unwrap_or_else(|| panic!("acknowledged commit {id} at {} was lost", ack.position));
        assert_eq!(
            (
                stored.position.get(),
                stored.commit.first_version,
                stored.commit.last_version()
            ),
            (ack.position, ack.first_version, ack.last_version),
            "commit {id} is not stored where it was acknowledged"
        );
    }
    // The per-aggregate index and head survived in step with the global log.
    for (s, last) in &versions {
        let history = log.read_aggregate(s, 1).await.expect("read aggregate");
        let from_log: Vec<&StoredCommit> = all.iter().filter(|c| &c.commit.stream == s).collect();
        assert_eq!(
            history.len(),
            from_log.len(),
            "index of {s} disagrees with the log"
        );
        assert!(history.iter().zip(&from_log).all(|(a, b)| a == *b));
        let probe = commit(s, 1);
        let refused = log.append(ExpectedVersion::Exact(last + 1), probe).await;
        assert!(
            matches!(refused, Err(synergy_eventlog::AppendError::Conflict { actual, .. }) if actual == *last),
            "the stream head of {s} must be {last} after recovery, got {refused:?}"
        );
    }
    // Retries of acknowledged commits get their original answer and store nothing: the
    // latest ones (the last records, where a crash cuts in) and a few older ones. They
    // come with `Any`, which only the log's remembered commit ids can answer, so this also
    // proves those are rebuilt after the crash.
    let retries = acked
        .iter()
        .filter(|(_, a)| a.position + 64 > head)
        .chain(acked.iter().take(16));
    for (id, ack) in retries {
        let stored = by_id[id];
        let answer = log
            .append(ExpectedVersion::Any, stored.commit.clone())
            .await
            .expect("retry after the crash");
        assert!(
            answer.duplicate && answer.position.get() == ack.position,
            "a retry of commit {id} (at {}) after the crash was answered {answer:?}",
            ack.position
        );
    }
    assert_eq!(
        log.head().await.expect("head").get(),
        head,
        "retries stored nothing"
    );
    all.len()
}
