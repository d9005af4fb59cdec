//! Trust at the edges of the embedded log, on the real binary (`synergy up`):
//!
//! - an acknowledged command is on the device: traced with `strace`, the process calls
//!   `fdatasync` on the log's data file at least once per command it acknowledged (sled's
//!   own flush is a `sync_file_range`, which survives no power loss);
//! - a full disk answers: on a small tmpfs filled up, a write answers 503 with
//!   `Retry-After` within the request timeout (the server's log, not the answer, says the
//!   disk is full), reports answer too, writes resume by
//!   themselves once space is freed, every acknowledged command is still there, and
//!   SIGTERM stops the process promptly (also while the disk is still full).
//!
//! Both need things a plain user may lack (`strace`; root for `mount`): each says loudly
//! on stderr when it cannot run. `scripts/test` installs strace, and CI runs as root.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use synergy_e2e::Up;
use synergy_e2e::up::sign_body;

/// The gateway's request timeout (`Limits::request_timeout`, 30 s) and a margin for a
/// machine busy with a build.
const ANSWER_WITHIN: Duration = Duration::from_secs(45);
/// How long SIGTERM may take to stop the process.
const STOP_WITHIN: Duration = Duration::from_secs(30);

fn sign(up: &Up, id: &str) -> anyhow::Result<synergy_e2e::up::Response> {
    up.request(
        "POST",
        "/v1/partnerships",
        "m1",
        Some(&sign_body(id)),
        ANSWER_WITHIN,
    )
}

fn have(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn every_acknowledged_command_is_fdatasynced_on_the_log_file() -> anyhow::Result<()> {
    if !have("strace", "-V") {
        eprintln!(
            "SKIPPED every_acknowledged_command_is_fdatasynced_on_the_log_file: strace is not \
             installed (scripts/test installs it with apt-get when run as root)"
        );
        return Ok(());
    }
    let traces = Command::new("strace")
        .args(["-f", "-qq", "-o", "/dev/null", "true"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !traces {
        eprintln!(
            "SKIPPED every_acknowledged_command_is_fdatasynced_on_the_log_file: strace is \
             installed but cannot trace here (is ptrace forbidden in this container?)"
        );
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    // strace -y prints the path the kernel resolved: no symlinks in it.
    let root = dir.path().canonicalize()?;
    let data = root.join("data");
    let trace = root.join("strace.txt");
    let trace_arg = trace.to_str().context("temporary path is not UTF-8")?;
    let mut up = Up::start(
        &data,
        &[
            "strace",
            "-f",
            "-qq",
            "-y",
            "-e",
            "trace=fsync,fdatasync,sync_file_range",
            "-o",
            trace_arg,
        ],
        &root.join("up.stderr"),
    )?;
    const COMMANDS: usize = 20;
    for i in 0..COMMANDS {
        let r = sign(&up, &format!("traced{i}"))?;
        ensure!(r.status == 201, "command {i}: {} {}", r.status, r.body);
    }
    let status = up.terminate(STOP_WITHIN)?;
    ensure!(
        status.success(),
        "synergy up under strace exited with {status}"
    );
    let text = std::fs::read_to_string(&trace)?;
    let log_db = format!("{}>", data.join("log").join("db").display());
    let count = |call: &str, file: Option<&str>| {
        text.lines()
            .filter(|l| l.contains(&format!("{call}(")))
            .filter(|l| file.is_none_or(|f| l.contains(f)))
            .count()
    };
    let on_log = count("fdatasync", Some(&log_db));
    eprintln!(
        "{COMMANDS} acknowledged commands: fdatasync {} ({on_log} on {log_db}), fsync {}, \
         sync_file_range {}",
        count("fdatasync", None),
        count("fsync", None),
        count("sync_file_range", None),
    );
    ensure!(
        on_log >= COMMANDS,
        "{COMMANDS} commands were acknowledged one after another (each its own group), but \
         the log's data file {log_db} was fdatasynced only {on_log} times"
    );
    Ok(())
}

/// A tmpfs mounted for one test, unmounted when dropped.
struct Tmpfs {
    at: PathBuf,
}

impl Tmpfs {
    /// `None` (after saying why on stderr) when this process may not mount one.
    fn mount(at: &Path, size: &str, test: &str) -> Option<Tmpfs> {
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        if !root {
            eprintln!("SKIPPED {test}: mounting a tmpfs needs root (CI runs as root)");
            return None;
        }
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .output();
        match mounted {
            Ok(o) if o.status.success() => Some(Tmpfs {
                at: at.to_path_buf(),
            }),
            Ok(o) => {
                eprintln!(
                    "SKIPPED {test}: mount -t tmpfs failed: {}",
                    String::from_utf8_lossy(&o.stderr).trim()
                );
                None
            }
            Err(e) => {
                eprintln!("SKIPPED {test}: cannot run mount: {e}");
                None
            }
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazily: a process killed a moment ago may still hold files open.
        let _ = Command::new("umount").arg("-l").arg(&self.at).status();
    }
}

/// Writes zeros to `path` until the filesystem is full.
fn fill(path: &Path) -> anyhow::Result<u64> {
    let mut file = std::fs::File::create(path)?;
    let chunk = vec![0u8; 64 * 1024];
    let mut written = 0u64;
    loop {
        match file.write(&chunk) {
            Ok(0) => break,
            Ok(n) => written += n as u64,
            Err(e) if e.kind() == std::io::ErrorKind::StorageFull => break,
            Err(e) => return Err(e.into()),
        }
    }
    // Whatever is left is under a page: the log may still fit a little in its last one.
    Ok(written)
}

#[test]
fn a_full_disk_answers_503_and_writes_resume_once_space_is_freed() -> anyhow::Result<()> {
    const TEST: &str = "a_full_disk_answers_503_and_writes_resume_once_space_is_freed";
    let dir = tempfile::tempdir()?;
    let Some(tmpfs) = Tmpfs::mount(dir.path(), "48m", TEST) else {
        return Ok(());
    };
    let data = tmpfs.at.join("data");
    // Its stderr off the tmpfs, which is to be filled.
    let logs = tempfile::tempdir()?;
    let mut up = Up::start(&data, &[], &logs.path().join("up.stderr"))?;
    let result = full_disk(&mut up, &tmpfs.at);
    if let Err(e) = &result {
        eprintln!("synergy up's stderr:\n{}", up.stderr_tail());
        bail!("{e:#}");
    }
    let status = up.terminate(STOP_WITHIN)?;
    ensure!(
        status.success(),
        "synergy up exited with {status} on SIGTERM"
    );
    drop(tmpfs);
    Ok(())
}

fn full_disk(up: &mut Up, mount: &Path) -> anyhow::Result<()> {
    let mut acked = BTreeSet::new();
    for i in 0..20 {
        let id = format!("before{i}");
        let r = sign(up, &id)?;
        ensure!(r.status == 201, "{id}: {} {}", r.status, r.body);
        acked.insert(id);
    }

    let filler = mount.join("filler");
    let filled = fill(&filler)?;
    eprintln!("filled the tmpfs with {filled} bytes");
    // The log may still fit a few commits into pages it has; past them, writes fail.
    let mut refusal = None;
    for i in 0..2000 {
        let id = format!("full{i}");
        let r = sign(up, &id)?;
        ensure!(
            r.took < ANSWER_WITHIN,
            "{id} answered only after {:?}",
            r.took
        );
        match r.status {
            201 => {
                acked.insert(id);
            }
            503 => {
                refusal = Some(r);
                break;
            }
            other => bail!("{id} on a full disk: {other} {}", r.body),
        }
    }
    let refusal = refusal.context("writes kept succeeding on a full disk")?;
    ensure!(
        refusal.header("retry-after").is_some(),
        "a 503 without Retry-After: {:?}",
        refusal.headers
    );
    // The caller learns the class of failure and what to do; the operator's log says why.
    ensure!(
        refusal.body.contains("\"code\":\"unavailable\"")
            && refusal.body.contains("retry with the same idempotency key"),
        "the refusal does not say to retry: {}",
        refusal.body
    );
    let logged = up.stderr_tail();
    ensure!(
        logged.contains("No space left on device") || logged.contains("os error 28"),
        "the server log does not say the disk is full:\n{logged}"
    );
    ensure!(
        !refusal.body.contains("Os {") && !refusal.body.contains("os error"),
        "the refusal shows internals: {}",
        refusal.body
    );
    // Later writes and reads answer too, quickly, while the disk stays full.
    for i in 0..5 {
        let r = sign(up, &format!("still-full{i}"))?;
        ensure!(
            r.status == 503 && r.took < ANSWER_WITHIN,
            "a write on a full disk: {} after {:?}: {}",
            r.status,
            r.took,
            r.body
        );
    }
    // Concurrent writers (batched by the log's writer thread) answer too.
    let shared: &Up = up;
    let burst: Vec<(String, anyhow::Result<synergy_e2e::up::Response>)> =
        std::thread::scope(|scope| {
            let writers: Vec<_> = (0..8)
                .map(|t| {
                    scope.spawn(move || {
                        (0..5)
                            .map(|i| {
                                let id = format!("burst{t}x{i}");
                                let r = sign(shared, &id);
                                (id, r)
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            writers
                .into_iter()
                .flat_map(|w| w.join().unwrap_or_default())
                .collect()
        });
    ensure!(burst.len() == 40, "a concurrent writer panicked");
    for (id, r) in burst {
        let r = r?;
        ensure!(
            matches!(r.status, 201 | 503) && r.took < ANSWER_WITHIN,
            "{id}, one of 8 concurrent writers on a full disk: {} after {:?}: {}",
            r.status,
            r.took,
            r.body
        );
        if r.status == 201 {
            acked.insert(id);
        }
    }
    let report = up.request(
        "GET",
        "/v1/partnerships/before0/reports/market/2008-H1?format=json",
        "m1",
        None,
        ANSWER_WITHIN,
    )?;
    ensure!(
        matches!(report.status, 200 | 503) && report.took < ANSWER_WITHIN,
        "a report on a full disk: {} after {:?}: {}",
        report.status,
        report.took,
        report.body
    );

    std::fs::remove_file(&filler)?;
    // Writes resume by themselves: the log reopens its storage once there is room.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut resumed = Vec::new();
    let mut i = 0;
    while resumed.len() < 5 {
        let id = format!("after{i}");
        i += 1;
        let r = sign(up, &id)?;
        match r.status {
            201 => {
                acked.insert(id.clone());
                resumed.push(id);
            }
            503 if resumed.is_empty() && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(200));
            }
            other => bail!("{id} after space was freed: {other} {}", r.body),
        }
    }

    // Every acknowledged command is there.
    for id in &acked {
        let r = up.request(
            "GET",
            &format!("/v1/partnerships/{id}"),
            "m1",
            None,
            ANSWER_WITHIN,
        )?;
        ensure!(
            r.status == 200,
            "acknowledged {id}: {} {}",
            r.status,
            r.body
        );
    }
    // Reports follow again: one about a partnership signed after the disk was freed.
    let deadline = Instant::now() + Duration::from_secs(60);
    let report = format!(
        "/v1/partnerships/{}/reports/market/2008-H1?format=json",
        resumed[0]
    );
    loop {
        let r = up.request("GET", &report, "m1", None, ANSWER_WITHIN)?;
        if r.status == 200 {
            break;
        }
        // 404 until the read models have folded its signing, 503 while they catch up.
        ensure!(
            matches!(r.status, 404 | 503) && Instant::now() < deadline,
            "the report after space was freed: {} {}",
            r.status,
            r.body
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    eprintln!("{} commands acknowledged, all read back", acked.len());
    Ok(())
}

#[test]
fn sigterm_on_a_full_disk_stops_the_process_promptly() -> anyhow::Result<()> {
    const TEST: &str = "sigterm_on_a_full_disk_stops_the_process_promptly";
    let dir = tempfile::tempdir()?;
    let Some(tmpfs) = Tmpfs::mount(dir.path(), "48m", TEST) else {
        return Ok(());
    };
    let logs = tempfile::tempdir()?;
    let mut up = Up::start(&tmpfs.at.join("data"), &[], &logs.path().join("up.stderr"))?;
    for i in 0..5 {
        let r = sign(&up, &format!("before{i}"))?;
        ensure!(r.status == 201, "before{i}: {} {}", r.status, r.body);
    }
    fill(&tmpfs.at.join("filler"))?;
    let mut refused = false;
    for i in 0..2000 {
        let r = sign(&up, &format!("full{i}"))?;
        if r.status == 503 {
            refused = true;
            break;
        }
        ensure!(r.status == 201, "full{i}: {} {}", r.status, r.body);
    }
    ensure!(refused, "writes kept succeeding on a full disk");
    // Still full: the process stops anyway, and cleanly.
    let status = up.terminate(STOP_WITHIN)?;
    eprintln!("synergy up on a full disk exited with {status} on SIGTERM");
    ensure!(
        status.success(),
        "synergy up exited with {status} on SIGTERM on a full disk:\n{}",
        up.stderr_tail()
    );
    drop(tmpfs);
    Ok(())
}
