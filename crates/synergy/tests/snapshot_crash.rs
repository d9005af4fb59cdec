//! `synergy up` killed with SIGKILL while it records commands and saves a snapshot after
//! each (`--snapshot-every 1`): wherever the kill lands (in an append, between an append
//! and its snapshot, between a snapshot and the next append, in a snapshot's write), the
//! next command decides as the full fold does. After each kill the data directory is
//! copied without its snapshots; the same commands (retries of those in flight, a new one)
//! run on both through the CLI, one restoring its streams from the snapshots and one
//! folding the whole log, and must answer alike.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

mod common;

use common::{SIGN_P1, Up, ok, synergy, token};

const ROUNDS: usize = 8;

fn key(n: usize) -> String {
    format!("0190a5f2-3c4d-7e8f-9a0b-{n:012x}")
}

/// The analysis the `n`th command submits: a revision of July's, with its reason.
fn text(n: usize) -> (String, String) {
    (format!("July, take {n}"), format!("revised for take {n}"))
}

/// The `n`th command through the CLI: what it printed and how it ended.
fn cli(data: &Path, n: usize) -> String {
    let (text, reason) = text(n);
    let out = synergy(
        data,
        &[
            "analysis",
            "submit",
            "--partnership",
            "p1",
            "--period",
            "2008-07",
            "--text",
            &text,
            "--reason",
            &reason,
            "--idempotency-key",
            &key(n),
        ],
    );
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

#[test]
fn after_kill_9_the_next_command_decides_as_the_full_fold() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &SIGN_P1);
    // The first submission has no reason; every later one revises it.
    ok(
        &data,
        &[
            "analysis",
            "submit",
            "--partnership",
            "p1",
            "--period",
            "2008-07",
            "--text",
            "July",
        ],
    );
    let distributor = token(&data, "changzhi", "distributor");
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    println!("seed {seed}");
    let mut rng = seed | 1;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let sent = Arc::new(AtomicUsize::new(0));
    let (mut duplicates, mut recorded) = (0, 0);
    let mut last_seen = String::new();
    for round in 0..ROUNDS {
        // Every other round keeps no state in memory: each command restores from snapshots.
        let kept = if round % 2 == 0 { "0" } else { "4096" };
        let up = Up::start(
            &data,
            &["up", "--addr", "127.0.0.1:0", "--snapshot-every", "1"],
            &[("SYNERGY_KEPT_STREAMS", kept)],
            Some(&dir.path().join(format!("up-{round}.log"))),
        );
        let (addr, token, counter) = (up.addr.clone(), distributor.clone(), Arc::clone(&sent));
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
        std::thread::sleep(Duration::from_millis(100 + next() % 400));
        up.kill9();
        loader.join().unwrap();
        let last = sent.load(Ordering::SeqCst);

        let full = dir.path().join(format!("full-{round}"));
        let copied = Command::new("cp")
            .args(["-a"])
            .arg(&data)
            .arg(&full)
            .status()
            .unwrap();
        assert!(copied.success());
        std::fs::remove_dir_all(full.join("snapshots")).unwrap();
        // The commands in flight at the kill, retried, and one never sent.
        for n in [last.saturating_sub(1), last, last + 1] {
            let restored = cli(&data, n);
            let folded = cli(&full, n);
            assert_eq!(restored, folded, "round {round}, command {n} (seed {seed})");
            duplicates += usize::from(restored.contains("already recorded"));
            recorded += usize::from(restored.starts_with("Some(0) recorded Analysis"));
            last_seen = restored;
        }
        sent.store(last + 1, Ordering::SeqCst);
        std::fs::remove_dir_all(&full).unwrap();
    }
    assert!(
        duplicates > 0 && recorded > 0,
        "{duplicates} retries, {recorded} new; the last: {last_seen}"
    );
    let snapshots = std::fs::read_dir(data.join("snapshots")).unwrap().count();
    assert!(snapshots > 0, "snapshots were saved");
}
