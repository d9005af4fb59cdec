//! `synergy up`'s kept states and snapshots as an operator configures them: the flag, the
//! environment and the config file each reach the process (seen in `/metrics`), a state
//! not kept in memory is restored from its snapshot across a restart, and an absurd
//! `--kept-streams` is refused with its rule code.

use std::path::Path;

mod common;

use common::{Up, exchange, http, synergy, token};

/// A counter of `/metrics`.
fn counter(addr: &str, admin: &str, name: &str) -> u64 {
    let auth = format!("Bearer {admin}");
    let answer = exchange(addr, "GET", "/metrics", &[("Authorization", &auth)], "");
    let text = answer.text();
    assert_eq!(answer.status, 200, "{text}");
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no {name} in {text}"))
        .parse()
        .unwrap()
}

/// The distributor's analysis of July, take `n` (a revision after the first).
fn analysis(data: &Path, addr: &str, n: u32) {
    let distributor = token(data, "changzhi-tobacco", "distributor");
    let path = "/v1/partnerships/hongyun-changzhi/analyses/2008-07";
    let mut body = serde_json::json!({ "text": format!("July, take {n}") });
    if n > 1 {
        body["reason"] = format!("take {n}").into();
    }
    let body = body.to_string();
    let (status, answer) = http(addr, "POST", path, &distributor, &body);
    assert_eq!(status, 201, "{answer}");
}

#[test]
fn snapshots_and_kept_states_follow_the_flag_the_environment_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // The flag saves a snapshot at every event; the environment keeps no state in memory,
    // so each command restores its streams from their snapshots.
    let up = Up::start(
        &data,
        &[
            "up",
            "--demo",
            "--addr",
            "127.0.0.1:0",
            "--snapshot-every",
            "1",
        ],
        &[("SYNERGY_KEPT_STREAMS", "0")],
        None,
    );
    let admin = up.admin();
    analysis(&data, &up.addr, 1);
    analysis(&data, &up.addr, 2);
    let saved = counter(&up.addr, &admin, "synergy_snapshots_saved_total");
    let restored = counter(&up.addr, &admin, "synergy_snapshots_restored_total");
    assert!(saved >= 2, "saved {saved}");
    assert!(restored >= 1, "restored {restored}");
    assert_eq!(
        counter(&up.addr, &admin, "synergy_snapshots_ignored_total"),
        0
    );
    up.stop();

    // The file turns saving off; the states come from the snapshots of the first run.
    let config = dir.path().join("synergy.toml");
    std::fs::write(&config, "snapshot_every = 0\nkept_streams = 16\n").unwrap();
    let up = Up::start(
        &data,
        &[
            "--config",
            config.to_str().unwrap(),
            "up",
            "--addr",
            "127.0.0.1:0",
        ],
        &[],
        None,
    );
    analysis(&data, &up.addr, 3);
    assert_eq!(
        counter(&up.addr, &admin, "synergy_snapshots_saved_total"),
        0
    );
    assert!(counter(&up.addr, &admin, "synergy_snapshots_restored_total") >= 1);
    up.stop();

    let out = synergy(
        &data,
        &["up", "--addr", "127.0.0.1:0", "--kept-streams", "2000000"],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("[kept-streams-too-many]"), "{err}");
}
