//! Kill the evaluation consumer with SIGKILL at random points while it folds the demo's
//! log, restart it each time, and check that the reports it ends with are byte-identical
//! to those of an uninterrupted run: the read models and the consumer position are stored
//! in one atomic batch, so nothing is lost and nothing is counted twice.
//!
//! The test re-executes its own binary as the consumer (harness = false).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use synergy_evaluation::render::Format;
use synergy_eventlog::{EventLog, SledLog};
use synergy_proto::events::evaluation::ReportKind;
use synergy_runtime::projection::{self, ProjectionStore};
use synergy_runtime::{Api, Local, ReportRequest, SystemClock};

const CHILD_ENV: &str = "SYNERGY_CONSUMER_CRASH_CHILD";
/// Kills that must land after some but not all commits were folded.
const MIDWAY_KILLS: usize = 10;
const MAX_ROUNDS: usize = 400;
const TEST_NAME: &str = "reports_survive_consumer_sigkill";

fn main() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    if let Some(dir) = std::env::var_os(CHILD_ENV) {
        rt.block_on(child(PathBuf::from(dir)));
        return;
    }
    if !synergy_testkit::harness_runs(TEST_NAME) {
        return;
    }
    rt.block_on(parent());
    println!("test {TEST_NAME} ... ok");
}

/// The consumer: fold the log one commit per store until the head, then exit 0.
async fn child(dir: PathBuf) {
    let log = Arc::new(SledLog::open(dir.join("log")).expect("open log"));
    // sled writes its log in the background every millisecond, so a kill can land after
    // any number of folded batches — not only at the default 500 ms flush points.
    let config = sled::Config::new()
        .path(dir.join("views"))
        .flush_every_ms(Some(1));
    let store = Arc::new(ProjectionStore::open_with(config).expect("open views"));
    let head = log.head().await.expect("head");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let consumer = tokio::spawn(projection::run_with(
        Arc::clone(&log),
        Arc::clone(&store),
        stopped,
        1,
    ));
    store.wait_for(head, Duration::from_secs(60)).await;
    stop.send(true).expect("consumer alive");
    consumer.await.expect("join").expect("consumer");
    store.flush().expect("flush");
    std::process::exit(0);
}

fn requests() -> Vec<ReportRequest> {
    let mut out = Vec::new();
    for kind in ReportKind::ALL {
        for period in ["2008-H1", "2008-Q1", "2007"] {
            out.push(ReportRequest {
                partnership: "hongyun-changzhi".parse().unwrap(),
                period: period.parse().unwrap(),
                kind,
                format: Format::Json,
                as_of: "2008-07-15".parse().unwrap(),
                after: None,
            });
        }
    }
    out
}

async fn render_all(api: &Local<SledLog>) -> Vec<String> {
    let mut out = Vec::new();
    for r in requests() {
        out.push(api.report(r).await.expect("report"));
    }
    out
}

fn views_position(dir: &Path) -> u64 {
    ProjectionStore::open(dir.join("views"))
        .expect("reopen views")
        .position()
        .get()
}

async fn parent() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().to_path_buf();
    let reference = {
        let (api, _clock) = synergy::demo::prepare(&dir).await.expect("demo");
        render_all(&api).await
    };
    let head = {
        let log = SledLog::open(dir.join("log")).expect("log");
        log.head().await.expect("head").get()
    };
    std::fs::remove_dir_all(dir.join("views")).expect("drop the read models");

    let exe = std::env::current_exe().expect("own binary");
    // How long one uninterrupted consumer run takes here, to spread the kills over it.
    let timed = Instant::now();
    let status = Command::new(&exe)
        .env(CHILD_ENV, &dir)
        .stdout(Stdio::null())
        .status()
        .expect("timing run");
    assert!(status.success());
    let span_ms = (timed.elapsed().as_millis() as u64).max(10);
    std::fs::remove_dir_all(dir.join("views")).expect("drop the read models again");
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15 ^ u64::from(std::process::id());
    let mut killed_midway = 0;
    let mut rounds = 0;
    // Kill delays are drawn from a window that narrows onto the fold: a kill that found
    // nothing folded yet moves the window later, one that came after the end moves it earlier.
    let (mut lo, mut hi) = (1u64, span_ms.max(2));
    let started = Instant::now();
    while killed_midway < MIDWAY_KILLS {
        assert!(
            rounds < MAX_ROUNDS,
            "only {killed_midway} mid-way kills in {rounds} rounds"
        );
        assert!(
            started.elapsed() < Duration::from_secs(240),
            "took too long"
        );
        rounds += 1;
        let mut child = Command::new(&exe)
            .env(CHILD_ENV, &dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn consumer");
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = lo + seed % (hi - lo).max(1);
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill(); // SIGKILL
        let status = child.wait().expect("wait");
        let at = views_position(&dir);
        if status.success() || at >= head {
            hi = delay.max(lo + 1);
            // Start over from nothing folded, so later kills land mid-way again.
            std::fs::remove_dir_all(dir.join("views")).expect("drop the read models");
        } else if at == 0 {
            lo = delay.min(hi - 1);
        } else {
            killed_midway += 1;
        }
    }
    // Finally let one consumer run to the end over whatever the last kill left behind.
    let status = Command::new(&exe)
        .env(CHILD_ENV, &dir)
        .stdout(Stdio::null())
        .status()
        .expect("final consumer");
    assert!(status.success(), "the last consumer run failed: {status}");
    eprintln!(
        "{killed_midway} kills landed between positions 1 and {head} in {rounds} rounds (a run takes ~{span_ms} ms)"
    );

    let api = Local::open_embedded(&dir, Arc::new(SystemClock)).expect("reopen");
    assert_eq!(
        api.views().position().get(),
        head,
        "the consumer reached the head"
    );
    let after = render_all(&api).await;
    for (i, (a, b)) in reference.iter().zip(&after).enumerate() {
        assert!(
            a == b,
            "report {i} differs after crash-restarts:\n{a}\n---\n{b}"
        );
    }
}
