//! `synergy up` (the sled log) and `synergy serve all` (JetStream, snapshots in its
//! key-value bucket) killed with SIGKILL while they record commands and save a snapshot
//! after each (`--snapshot-every 1`): wherever the kill lands (in an append, between an
//! append and its snapshot, between a snapshot and the next append, in a snapshot's
//! write), the next command decides as the full fold does. After each kill the log is
//! copied without its snapshots (the data directory; the nats-server store without the
//! bucket's stream); the same commands (retries of those in flight, a new one) run on
//! both through the CLI, one restoring its streams from the snapshots and one folding the
//! whole log, and must answer alike.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

mod common;

use common::{SIGN_P1, Up, ok, synergy, token};
use synergy_testkit::NatsServer;

const ROUNDS: usize = 8;
/// Fewer over JetStream: each round starts three processes and copies a server's store.
const NATS_ROUNDS: usize = 4;

fn key(n: usize) -> String {
    format!("0190a5f2-3c4d-7e8f-9a0b-{n:012x}")
}

/// The command line of July's analysis for `p1`, before its text.
const SUBMIT_JULY: [&str; 6] = [
    "analysis",
    "submit",
    "--partnership",
    "p1",
    "--period",
    "2008-07",
];

/// The analysis the `n`th command submits: a revision of July's, with its reason.
fn text(n: usize) -> (String, String) {
    (format!("July, take {n}"), format!("revised for take {n}"))
}

/// The `n`th command through the CLI (after `global`, e.g. `--nats <url>`): what it
/// printed and how it ended.
fn cli(data: &Path, global: &[&str], n: usize) -> String {
    let (text, reason) = text(n);
    let own = [
        "--text",
        &text,
        "--reason",
        &reason,
        "--idempotency-key",
        &key(n),
    ];
    let out = synergy(data, &[global, &SUBMIT_JULY, &own].concat());
    format!(
        "{:?} {} {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).trim(),
        String::from_utf8_lossy(&out.stderr).trim()
    )
}

/// POSTs the analysis with `key`; false once the server is gone (the kill cuts a request
/// anywhere, so nothing of the answer is asked for but that it came).
fn post(addr: &str, auth: &str, key: &str, body: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(addr) else {
        return false;
    };
    let request = format!(
        "POST /v1/partnerships/p1/analyses/2008-07 HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Authorization: {auth}\r\nIdempotency-Key: {key}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut answer = Vec::new();
    stream.write_all(request.as_bytes()).is_ok()
        && stream.read_to_end(&mut answer).is_ok()
        && !answer.is_empty()
}

/// The commands' tally across rounds, and the random delays before each kill.
struct Rounds {
    seed: u64,
    rng: u64,
    /// The last command number handed to the load.
    sent: Arc<AtomicUsize>,
    duplicates: usize,
    recorded: usize,
    last_seen: String,
}

impl Rounds {
    fn new() -> Rounds {
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
        println!("seed {seed}");
        Rounds {
            seed,
            rng: seed | 1,
            sent: Arc::new(AtomicUsize::new(0)),
            duplicates: 0,
            recorded: 0,
            last_seen: String::new(),
        }
    }

    /// POSTs numbered commands to `up` until a random moment, then kills it with SIGKILL
    /// wherever it is. The number of the last command sent.
    fn load_and_kill(&mut self, up: Up, token: &str) -> usize {
        let (addr, token, counter) = (up.addr.clone(), token.to_owned(), Arc::clone(&self.sent));
        let loader = std::thread::spawn(move || {
            let auth = format!("Bearer {token}");
            loop {
                let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
                let (text, reason) = text(n);
                let body = serde_json::json!({ "text": text, "reason": reason }).to_string();
                if !post(&addr, &auth, &key(n), &body) {
                    return;
                }
            }
        });
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        std::thread::sleep(Duration::from_millis(100 + self.rng % 400));
        up.kill9();
        loader.join().unwrap();
        self.sent.load(Ordering::SeqCst)
    }

    /// The first command and one a few before the kill, retried (the state has moved on
    /// since, so only their ids tell they are recorded), the commands in flight at the
    /// kill, retried, and one never sent, through the CLI
    /// on the log with snapshots and on its copy without: they must answer alike.
    fn compare(&mut self, round: usize, last: usize, restored: [&[&str]; 2], folded: [&[&str]; 2]) {
        let data = |args: &[&str]| Path::new(args[0]).to_owned();
        for n in [
            1,
            last.saturating_sub(3),
            last.saturating_sub(1),
            last,
            last + 1,
        ] {
            let a = cli(&data(restored[0]), restored[1], n);
            let b = cli(&data(folded[0]), folded[1], n);
            assert_eq!(a, b, "round {round}, command {n} (seed {})", self.seed);
            self.duplicates += usize::from(a.contains("already recorded"));
            self.recorded += usize::from(a.starts_with("Some(0) recorded Analysis"));
            self.last_seen = a;
        }
        self.sent.store(last + 1, Ordering::SeqCst);
    }

    fn saw_both(&self) {
        println!(
            "{} retries answered as recorded, {} new",
            self.duplicates, self.recorded
        );
        assert!(
            self.duplicates > 0 && self.recorded > 0,
            "{} retries, {} new; the last: {}",
            self.duplicates,
            self.recorded,
            self.last_seen
        );
    }
}

/// The first submission, which has no reason; every later one revises it.
fn first_analysis(data: &Path, global: &[&str]) {
    ok(data, &[global, &SUBMIT_JULY, &["--text", "July"]].concat());
}

/// `dir/<name>`, a copy of `data`, without `snapshots` if it has them.
fn copy_data(data: &Path, dir: &Path, name: &str) -> std::path::PathBuf {
    let copy = dir.join(name);
    let copied = Command::new("cp")
        .arg("-a")
        .arg(data)
        .arg(&copy)
        .status()
        .unwrap();
    assert!(copied.success());
    let snapshots = copy.join("snapshots");
    if snapshots.exists() {
        std::fs::remove_dir_all(snapshots).unwrap();
    }
    copy
}

#[test]
fn after_kill_9_the_next_command_decides_as_the_full_fold() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &SIGN_P1);
    first_analysis(&data, &[]);
    let distributor = token(&data, "changzhi", "distributor");
    let mut rounds = Rounds::new();
    for round in 0..ROUNDS {
        // Every other round keeps no state in memory: each command restores from snapshots.
        let kept = if round % 2 == 0 { "0" } else { "4096" };
        let up = Up::start(
            &data,
            &["up", "--addr", "127.0.0.1:0", "--snapshot-every", "1"],
            &[("SYNERGY_KEPT_STREAMS", kept)],
            Some(&dir.path().join(format!("up-{round}.log"))),
        );
        let last = rounds.load_and_kill(up, &distributor);
        let full = copy_data(&data, dir.path(), &format!("full-{round}"));
        let (restored, folded) = (data.to_str().unwrap(), full.to_str().unwrap());
        rounds.compare(round, last, [&[restored], &[]], [&[folded], &[]]);
        std::fs::remove_dir_all(&full).unwrap();
    }
    rounds.saw_both();
    let snapshots = std::fs::read_dir(data.join("snapshots")).unwrap().count();
    assert!(snapshots > 0, "snapshots were saved");
}

/// Messages in the server's stream `name`, from its monitoring endpoint.
fn messages(nats: &NatsServer, name: &str) -> u64 {
    let jsz = nats.monitor("/jsz?streams=true").unwrap();
    let jsz: serde_json::Value = serde_json::from_str(&jsz).unwrap();
    jsz["account_details"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|account| account["stream_detail"].as_array().into_iter().flatten())
        .find(|stream| stream["name"] == name)
        .and_then(|stream| stream["state"]["messages"].as_u64())
        .unwrap_or(0)
}

/// Every service and the gateway in one process over `url`, saving a snapshot after each
/// command.
fn serve_all(data: &Path, url: &str, kept: &str, log: &Path) -> Up {
    Up::start(
        data,
        &[
            "--nats",
            url,
            "serve",
            "all",
            "--addr",
            "127.0.0.1:0",
            "--snapshot-every",
            "1",
        ],
        &[("SYNERGY_KEPT_STREAMS", kept)],
        Some(log),
    )
}

#[test]
fn on_jetstream_after_kill_9_the_next_command_decides_as_the_full_fold() {
    let mut nats = NatsServer::start().expect("nats-server starts (set NATS_SERVER_BIN)");
    let url = nats.url();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let distributor = token(&data, "changzhi", "distributor");
    short_duplicate_window(&url);
    let log = |name: &str| dir.path().join(format!("{name}.log"));
    let mut rounds = Rounds::new();
    for round in 0..NATS_ROUNDS {
        let kept = if round % 2 == 0 { "0" } else { "4096" };
        let up = serve_all(&data, &url, kept, &log(&format!("serve-{round}")));
        if round == 0 {
            ok(&data, &[&["--nats", url.as_str()][..], &SIGN_P1].concat());
            first_analysis(&data, &["--nats", &url]);
        }
        let last = rounds.load_and_kill(up, &distributor);
        let saved = messages(&nats, BUCKET_STREAM);
        println!("round {round}: {last} commands sent, {saved} snapshots kept");
        assert!(saved > 0, "snapshots were saved");

        // The same log on a second server, without the bucket: its services fold it whole.
        let full = nats.fork(&[BUCKET_STREAM]).unwrap();
        let full_url = full.url();
        let full_data = copy_data(&data, dir.path(), &format!("full-{round}"));
        let restoring = serve_all(&data, &url, kept, &log(&format!("restoring-{round}")));
        let folding = serve_all(
            &full_data,
            &full_url,
            kept,
            &log(&format!("folding-{round}")),
        );
        let (restored, folded) = (data.to_str().unwrap(), full_data.to_str().unwrap());
        rounds.compare(
            round,
            last,
            [&[restored], &["--nats", &url]],
            [&[folded], &["--nats", &full_url]],
        );
        restoring.stop();
        folding.stop();
        drop(full);
        std::fs::remove_dir_all(&full_data).unwrap();
    }
    rounds.saw_both();
}

/// Creates the event stream (which the services then use as it is) with a duplicate
/// window of 100 ms, the least the server takes: the retries, which come seconds later,
/// are then answered by the restored state's ids and the log's own search for a commit
/// id, not by the server remembering a recent one.
fn short_duplicate_window(url: &str) {
    use synergy_eventlog::jetstream::{JetStreamConfig, JetStreamLog};
    let config = JetStreamConfig {
        duplicate_window: Duration::from_millis(100),
        ..JetStreamConfig::default()
    };
    let address = url.parse().unwrap();
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(JetStreamLog::connect(&address, config))
        .expect("the event stream is created");
}

/// The stream behind the snapshot bucket (a key-value bucket `b` is stream `KV_b`).
const BUCKET_STREAM: &str = "KV_synergy-snapshots";
