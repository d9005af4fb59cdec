//! The CLI exits with the exit code the one table of error codes gives each failure
//! (`synergy_domain::ErrorCode`, `docs/errors.md`): a refusal, a conflict, a not-found and
//! services that cannot be reached, driving the built binary.

use std::process::Output;

use synergy_domain::ErrorCode;
use synergy_testkit::NatsServer;

mod common;

use common::{signed_p1, synergy};

/// Asserts that `out` failed as `code` says; returns its standard error.
fn failed_as(out: &Output, code: ErrorCode) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        code.exit_code().map(i32::from),
        "{code}: {stderr}"
    );
    assert!(out.stdout.is_empty(), "{code}: nothing on standard output");
    stderr
}

#[test]
fn refusals_conflicts_not_founds_and_missing_services_exit_by_the_table() {
    let (_dir, data) = signed_p1();

    let p1 = ["--partnership", "p1"];
    let zone = [
        &["partnership", "time-zone"][..],
        &p1,
        &["--zone", "Mars/Olympus"],
    ]
    .concat();
    let err = failed_as(&synergy(&data, &zone), ErrorCode::Invalid);
    assert!(err.contains("partnership.time_zone_unknown"), "{err}");

    let withdraw = [
        &["--as", "hongyun", "partnership", "withdraw"][..],
        &p1,
        &["--reason", "too late"],
    ]
    .concat();
    failed_as(&synergy(&data, &withdraw), ErrorCode::Conflict);

    let campaign = [&["value-realised"][..], &p1, &["--campaign", "nope"]].concat();
    let err = failed_as(&synergy(&data, &campaign), ErrorCode::NotFound);
    assert!(err.contains("no campaign nope in partnership p1"), "{err}");

    // Over NATS with no service running: unavailable, saying which service to start.
    let server = NatsServer::start().expect("nats-server starts (set NATS_SERVER_BIN)");
    let url = server.url();
    let over_nats = [&["--nats", &url, "show", "agreement"][..], &p1].concat();
    let err = failed_as(&synergy(&data, &over_nats), ErrorCode::Unavailable);
    assert!(err.contains("no strategy service is running"), "{err}");
}
