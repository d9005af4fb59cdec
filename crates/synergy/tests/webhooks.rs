//! Webhooks end to end: registered over HTTP and the CLI, alerts put into the real event
//! log of a `synergy up` data directory, delivered to a real HTTP receiver on loopback
//! that verifies each signature by itself and counts deliveries by event id; the receiver
//! failing and dropping connections, `synergy up` killed with SIGKILL mid-delivery, a
//! removed webhook, an outsider and a bad URL.

mod common;
mod receiver;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use receiver::{Mode, Receiver};
use serde_json::{Value, json};
use synergy_eventlog::{EventLog, ExpectedVersion, SledLog};
use synergy_proto::events::evaluation::EvaluationEvent;
use synergy_proto::{
    Actor, AggregateId, Commit, Context, Event, OrgId, PartnershipId, RecordedEvent, Role,
    StreamId, Timestamp, Uuid,
};

/// Short retries, so a test waits seconds for what takes hours in production.
const QUICK: &str = "100ms,400ms,60s";

/// Two days after p1 was signed: evaluation has no month to judge and none to remind of,
/// so the only alerts are those a test appends.
const EARLY: &str = "2007-12-20T00:00:00Z";

/// A clock file beside `data`, reading [`EARLY`].
fn early_clock(data: &Path) -> std::path::PathBuf {
    let clock = data.with_extension("clock");
    std::fs::write(&clock, EARLY).unwrap();
    clock
}

fn up(data: &Path, retry: &str) -> Up {
    let clock = early_clock(data);
    Up::start(
        data,
        &[
            "up",
            "--addr",
            "127.0.0.1:0",
            "--webhook-retry",
            retry,
            "--clock-file",
            clock.to_str().unwrap(),
        ],
        &[],
        None,
    )
}

fn post_json(addr: &str, path: &str, token: &str, body: Value) -> (u16, Value) {
    let (status, text) = http(addr, "POST", path, token, &body.to_string());
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn get_json(addr: &str, path: &str, token: &str) -> (u16, Value) {
    let (status, text) = http(addr, "GET", path, token, "");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Registers a webhook of `token`'s organisation on p1 to the receiver's `path`, and tells
/// the receiver its secret. Answers the webhook's id.
fn register(up: &Up, receiver: &Receiver, token: &str, path: &str) -> String {
    let (status, v) = post_json(
        &up.addr,
        "/v1/webhooks",
        token,
        json!({"partnership": "p1", "url": receiver.url(path)}),
    );
    assert_eq!(status, 201, "{v}");
    let secret = v["secret"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 64, "{v}");
    receiver
        .secrets
        .lock()
        .unwrap()
        .insert(path.to_owned(), secret);
    v["id"].as_str().unwrap().to_owned()
}

/// `n` alerts of p1, each a commit of its own as evaluation records them, with their
/// event ids.
fn alerts(n: usize, from: usize) -> Vec<(String, Commit)> {
    (from..from + n)
        .map(|i| {
            let event_id = Uuid::now_v7();
            let commit = Commit {
                commit_id: Uuid::now_v7(),
                stream: StreamId::new(
                    Context::Evaluation,
                    PartnershipId::new("p1").unwrap(),
                    AggregateId::compose("alerts", "2008-06"),
                ),
                first_version: 0,
                recorded_at: Timestamp::from_millis(0),
                actor: Actor {
                    org: OrgId::new("operator").unwrap(),
                    role: Role::Admin,
                    user: "evaluation".into(),
                },
                correlation_id: Uuid::now_v7(),
                causation_id: None,
                events: vec![RecordedEvent {
                    event_id,
                    occurred_at: Timestamp::from_millis(1_214_784_000_000),
                    event: Event::Evaluation(EvaluationEvent::ExceptionRaised {
                        period: "2008-06".parse().unwrap(),
                        rule: "share_down".into(),
                        subject: format!("sku:s{i}"),
                        value: Some("-3.25".into()),
                        threshold: Some("2.00".into()),
                        message: format!("share of s{i} down 3.25 points"),
                    }),
                }],
            };
            (event_id.to_string(), commit)
        })
        .collect()
}

async fn append_to<L: EventLog>(log: &L, n: usize, from: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for (id, commit) in alerts(n, from) {
        log.append(ExpectedVersion::Any, commit).await.unwrap();
        ids.push(id);
    }
    ids
}

/// Appends `n` alerts of p1 to the stopped installation's sled event log.
fn append_alerts(data: &Path, n: usize, from: usize) -> Vec<String> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let log = SledLog::open(data.join("log")).unwrap();
        append_to(&log, n, from).await
    })
}

/// A gauge of `/metrics`.
fn gauge(up: &Up, name: &str) -> u64 {
    let answer = exchange(&up.addr, "GET", "/metrics", &[], "");
    answer
        .text()
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no {name} in /metrics"))
        .trim()
        .parse()
        .unwrap()
}

fn wait_for_gauge(up: &Up, name: &str, want: u64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while gauge(up, name) != want {
        assert!(Instant::now() < deadline, "{name} never reached {want}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn alerts_reach_each_webhook_once_signed_and_a_removed_webhook_gets_nothing_more() {
    let (_dir, data) = signed_p1();
    let d = token(&data, "changzhi", "distributor");
    let m = token(&data, "hongyun", "manufacturer");
    let receiver = Receiver::start(Mode::Accept);
    let server = up(&data, QUICK);
    let d_hook = register(&server, &receiver, &d, "/hook/d");
    let m_hook = register(&server, &receiver, &m, "/hook/m");
    // Each party lists its own only.
    let (status, v) = get_json(&server.addr, "/v1/webhooks", &d);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["webhooks"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["webhooks"][0]["id"], d_hook.as_str(), "{v}");
    assert!(v["webhooks"][0].get("secret").is_none(), "{v}");
    server.stop();

    let first = append_alerts(&data, 5, 0);
    let server = up(&data, QUICK);
    receiver.wait_for("5 alerts on both webhooks", |r| {
        r.counts("/hook/d").0 == 5 && r.counts("/hook/m").0 == 5
    });
    assert_eq!(receiver.counts("/hook/d"), (5, 5), "once each");
    assert_eq!(receiver.counts("/hook/m"), (5, 5), "once each");
    assert_eq!(receiver.seen.lock().unwrap().bad_signatures, 0);
    {
        let seen = receiver.seen.lock().unwrap();
        let body = seen
            .bodies
            .iter()
            .find(|b| b["id"] == first[0].as_str())
            .unwrap();
        assert_eq!(body["type"], "ExceptionRaised");
        assert_eq!(body["partnership"], "p1");
        assert_eq!(body["data"]["rule"], "share_down");
        assert_eq!(body["data"]["period"], "2008-06");
        assert_eq!(body["data"]["value"], "-3.25");
        assert_eq!(body["occurred_at"], "2008-06-30T00:00:00.000Z");
    }

    // The manufacturer removes its webhook: the next alerts reach the distributor's only.
    let (status, text) = http(
        &server.addr,
        "DELETE",
        &format!("/v1/webhooks/{m_hook}"),
        &m,
        "",
    );
    assert_eq!(status, 200, "{text}");
    server.stop();
    append_alerts(&data, 3, 5);
    let server = up(&data, QUICK);
    receiver.wait_for("8 alerts on the distributor's webhook", |r| {
        r.counts("/hook/d").0 == 8
    });
    wait_for_gauge(&server, "synergy_webhook_deliveries_pending", 0);
    assert_eq!(receiver.counts("/hook/m"), (5, 5), "nothing after removal");
    assert_eq!(receiver.counts("/hook/d"), (8, 8));
    server.stop();
}

#[test]
fn an_outsider_neither_sees_nor_removes_another_organisations_webhooks_and_a_bad_url_is_refused() {
    let (_dir, data) = signed_p1();
    let d = token(&data, "changzhi", "distributor");
    let m = token(&data, "hongyun", "manufacturer");
    let outsider = token(&data, "hongta", "manufacturer");
    let receiver = Receiver::start(Mode::Accept);
    let server = up(&data, QUICK);
    let hook = register(&server, &receiver, &d, "/hook/d");

    for caller in [&outsider, &m] {
        let (status, v) = get_json(&server.addr, "/v1/webhooks", caller);
        assert_eq!((status, v["webhooks"].clone()), (200, json!([])), "{v}");
        for method in ["GET", "DELETE"] {
            let (status, text) = http(
                &server.addr,
                method,
                &format!("/v1/webhooks/{hook}"),
                caller,
                "",
            );
            assert_eq!(status, 404, "{method}: {text}");
            assert!(
                !text.contains("changzhi") && !text.contains("/hook"),
                "{text}"
            );
        }
    }
    let (status, v) = post_json(
        &server.addr,
        "/v1/webhooks",
        &outsider,
        json!({"partnership": "p1", "url": receiver.url("/x")}),
    );
    assert_eq!(status, 404, "{v}");

    for (url, rule) in [
        ("ftp://example.com/hook", "webhook.url_scheme"),
        (
            "https://user:pw@example.com/hook",
            "webhook.url_credentials",
        ),
        ("example.com/hook", "webhook.url_invalid"),
    ] {
        let (status, v) = post_json(
            &server.addr,
            "/v1/webhooks",
            &d,
            json!({"partnership": "p1", "url": url}),
        );
        assert_eq!(status, 422, "{v}");
        assert_eq!(
            (v["field"].as_str(), v["rule"].as_str()),
            (Some("url"), Some(rule))
        );
    }
    // Nothing of the refused ones was recorded; the owner still reads its secret.
    let (_, v) = get_json(&server.addr, "/v1/webhooks", &d);
    assert_eq!(v["webhooks"].as_array().unwrap().len(), 1, "{v}");
    let (status, v) = get_json(&server.addr, &format!("/v1/webhooks/{hook}"), &d);
    assert_eq!(status, 200);
    assert_eq!(
        v["secret"].as_str(),
        receiver
            .secrets
            .lock()
            .unwrap()
            .get("/hook/d")
            .map(String::as_str)
    );
    server.stop();
}

#[test]
fn a_receiver_that_fails_and_drops_connections_gets_every_alert_once_it_is_back() {
    let (_dir, data) = signed_p1();
    let d = token(&data, "changzhi", "distributor");
    let receiver = Receiver::start(Mode::Fail);
    let server = up(&data, QUICK);
    register(&server, &receiver, &d, "/hook/d");
    server.stop();
    let ids = append_alerts(&data, 10, 0);
    let server = up(&data, QUICK);
    receiver.wait_for("failed attempts", |r| r.seen.lock().unwrap().refused >= 20);
    receiver.set(Mode::Drop);
    let refused = receiver.seen.lock().unwrap().refused;
    receiver.wait_for("dropped attempts", |r| {
        r.seen.lock().unwrap().refused >= refused + 10
    });
    assert_eq!(gauge(&server, "synergy_webhook_deliveries_pending"), 10);
    receiver.set(Mode::Accept);
    receiver.wait_for("all 10", |r| r.counts("/hook/d").0 == 10);
    wait_for_gauge(&server, "synergy_webhook_deliveries_pending", 0);
    let (distinct, all) = receiver.counts("/hook/d");
    assert_eq!(distinct, ids.len());
    println!("after failures: {all} deliveries of {distinct} alerts");
    server.stop();
}

#[test]
fn synergy_up_killed_mid_delivery_delivers_every_alert_after_restart() {
    let (_dir, data) = signed_p1();
    let d = token(&data, "changzhi", "distributor");
    let receiver = Receiver::start(Mode::Fail);
    let server = up(&data, QUICK);
    register(&server, &receiver, &d, "/hook/d");
    server.stop();

    // Killed with deliveries pending and none answered yet.
    let ids = append_alerts(&data, 50, 0);
    let server = up(&data, QUICK);
    wait_for_gauge(&server, "synergy_webhook_deliveries_pending", 50);
    drop(server); // SIGKILL
    // Killed again while a receiver that answers takes deliveries in.
    receiver.set(Mode::Accept);
    let more = append_alerts(&data, 150, 50);
    let server = up(&data, QUICK);
    receiver.wait_for("some deliveries", |r| r.counts("/hook/d").0 >= 20);
    drop(server); // SIGKILL
    let server = up(&data, QUICK);
    receiver.wait_for("all 200", |r| r.counts("/hook/d").0 == 200);
    wait_for_gauge(&server, "synergy_webhook_deliveries_pending", 0);
    let (distinct, all) = receiver.counts("/hook/d");
    assert_eq!(distinct, ids.len() + more.len());
    println!(
        "after two SIGKILLs: {all} deliveries of {distinct} alerts, {} duplicates",
        all - distinct
    );
    server.stop();
}

#[test]
fn a_delivery_failing_past_its_schedule_is_given_up_and_counted() {
    let (_dir, data) = signed_p1();
    let d = token(&data, "changzhi", "distributor");
    let receiver = Receiver::start(Mode::Fail);
    let server = up(&data, "50ms,100ms,500ms");
    register(&server, &receiver, &d, "/hook/d");
    server.stop();
    append_alerts(&data, 1, 0);
    let server = up(&data, "50ms,100ms,500ms");
    wait_for_gauge(&server, "synergy_webhook_deliveries_dead", 1);
    assert_eq!(gauge(&server, "synergy_webhook_deliveries_pending"), 0);
    assert!(receiver.seen.lock().unwrap().refused >= 3);
    server.stop();
}

#[test]
fn the_cli_adds_lists_and_removes_an_organisations_webhooks() {
    let (_dir, data) = signed_p1();
    let url = "https://hooks.example.com/changzhi";
    let added = ok(
        &data,
        &[
            "webhook",
            "add",
            "--org",
            "changzhi",
            "--partnership",
            "p1",
            "--url",
            url,
        ],
    );
    let (id, secret) = added.trim().split_once("  ").unwrap();
    assert_eq!(secret.len(), 64, "{added}");
    let listed = ok(&data, &["webhook", "list", "--org", "changzhi"]);
    assert_eq!(listed.trim(), format!("{id}  p1  {url}"));
    assert_eq!(
        ok(&data, &["webhook", "list", "--org", "hongyun"]).trim(),
        ""
    );
    // Another organisation's webhook is not found.
    refused(&data, &["webhook", "remove", "--org", "hongyun", id]);
    let err = refused(
        &data,
        &[
            "webhook",
            "add",
            "--org",
            "changzhi",
            "--partnership",
            "p1",
            "--url",
            "ftp://x/y",
        ],
    );
    assert!(err.contains("url"), "{err}");
    ok(&data, &["webhook", "remove", "--org", "changzhi", id]);
    assert_eq!(
        ok(&data, &["webhook", "list", "--org", "changzhi"]).trim(),
        ""
    );
}

/// `synergy serve <service>` over NATS with `env`, once it printed `ready`; its HTTP
/// address if it serves one. Killed when dropped.
struct Service(std::process::Child, Option<String>);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(service: &str, nats: &str, data: &Path, env: &[(&str, &str)]) -> Service {
    std::fs::create_dir_all(data).unwrap();
    let clock = early_clock(data);
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_synergy"));
    command
        .args(["--nats", nats, "--data"])
        .arg(data)
        .args(["serve", service, "--addr", "127.0.0.1:0", "--clock-file"])
        .arg(&clock)
        .env_remove("RUST_LOG")
        .env_remove("SYNERGY_LOG")
        .env_remove(SIGNING_KEY_ENV)
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped());
    // Owned at once, so a panic below still kills it.
    let mut running = Service(command.spawn().unwrap(), None);
    let lines = BufReader::new(running.0.stdout.take().unwrap()).lines();
    for line in lines {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("synergy: HTTP API on http://") {
            running.1 = rest.split_whitespace().next().map(str::to_owned);
        }
        if line == "ready" {
            return running;
        }
    }
    panic!("serve {service} ended before ready");
}

const SIGNING_KEY_ENV: &str = "SYNERGY_WEBHOOK_SIGNING_KEY";

#[test]
fn over_nats_the_gateway_registers_and_the_evaluation_service_delivers_with_one_shared_key() {
    let nats = synergy_testkit::NatsServer::start().unwrap();
    let url = nats.url();
    let dir = tempfile::tempdir().unwrap();
    let key = "7f".repeat(32);
    let shared = [(SIGNING_KEY_ENV, key.as_str())];
    let _strategy = serve("strategy", &url, &dir.path().join("strategy"), &[]);
    let _evaluation = serve("evaluation", &url, &dir.path().join("evaluation"), &shared);
    let gateway_data = dir.path().join("gateway");
    let gateway = serve("gateway", &url, &gateway_data, &shared);
    let addr = gateway.1.clone().unwrap();
    let cli = dir.path().join("cli");
    ok(
        &cli,
        &[&["--nats", url.as_str()][..], &SIGN_P1[..]].concat(),
    );
    let d = token(&gateway_data, "changzhi", "distributor");

    let receiver = Receiver::start(Mode::Accept);
    let (status, v) = post_json(
        &addr,
        "/v1/webhooks",
        &d,
        json!({"partnership": "p1", "url": receiver.url("/hook/d")}),
    );
    assert_eq!(status, 201, "{v}");
    receiver
        .secrets
        .lock()
        .unwrap()
        .insert("/hook/d".into(), v["secret"].as_str().unwrap().to_owned());

    let rt = tokio::runtime::Runtime::new().unwrap();
    let ids = rt.block_on(async {
        let log = synergy_eventlog::JetStreamLog::connect(
            &url.parse().unwrap(),
            synergy_eventlog::JetStreamConfig::default(),
        )
        .await
        .unwrap();
        append_to(&log, 5, 0).await
    });
    receiver.wait_for("5 alerts over NATS", |r| r.counts("/hook/d").0 == 5);
    assert_eq!(receiver.counts("/hook/d"), (5, 5));
    assert_eq!(receiver.seen.lock().unwrap().bad_signatures, 0);
    assert_eq!(ids.len(), 5);

    // A gateway without the key says so rather than answering a secret nobody signs with.
    let lone_data = dir.path().join("lone");
    let lone = serve("gateway", &url, &lone_data, &[]);
    let lone_token = token(&lone_data, "changzhi", "distributor");
    let (status, v) = post_json(
        lone.1.as_deref().unwrap(),
        "/v1/webhooks",
        &lone_token,
        json!({"partnership": "p1", "url": receiver.url("/hook/x")}),
    );
    assert_eq!(status, 503, "{v}");
}
