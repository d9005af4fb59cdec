//! Every error the gateway answers maps through the one table of codes
//! ([`synergy_domain::ErrorCode`], `docs/errors.md`): a refusal, a not-found, a conflict
//! and an event log that cannot be reached, over a real JetStream log on a real
//! nats-server.

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use synergy_domain::ErrorCode;
use synergy_eventlog::{JetStreamConfig, JetStreamLog};
use synergy_gateway::Limits;
use synergy_proto::Role;
use synergy_runtime::projection::ProjectionStore;
use synergy_runtime::{Local, SystemClock};
use synergy_testkit::NatsServer;

mod common;

use common::Server;

const P: &str = "hy-cz";

/// A gateway over a JetStream event log.
type Gateway = Server<Local<JetStreamLog>>;

/// A gateway over a JetStream event log on `server`.
async fn over_jetstream(server: &NatsServer) -> Gateway {
    let dir = tempfile::tempdir().unwrap();
    let log = JetStreamLog::connect(
        &server.url().parse().unwrap(),
        JetStreamConfig {
            request_timeout: Duration::from_secs(2),
            ..JetStreamConfig::default()
        },
    )
    .await
    .unwrap();
    let views = ProjectionStore::open(dir.path().join("views")).unwrap();
    let clock = Arc::new(SystemClock);
    let api = Local::new(Arc::new(log), Arc::new(views), clock.clone());
    Server::serve(dir, Arc::new(api), Limits::default(), clock).await
}

impl Gateway {
    async fn call(&self, path: &str, token: &str, body: Option<Value>) -> Answer {
        let url = format!("{}{path}", self.base);
        let request = match body {
            Some(body) => self.client.post(url).json(&body),
            None => self.client.get(url),
        };
        let response = request.bearer_auth(token).send().await.unwrap();
        let status = response.status();
        let retry_after = response.headers().contains_key("retry-after");
        let text = response.text().await.unwrap();
        Answer {
            status,
            retry_after,
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        }
    }
}

struct Answer {
    status: StatusCode,
    retry_after: bool,
    body: Value,
}

impl Answer {
    /// Asserts that the answer is `expected`, with the status and `Retry-After` the table
    /// gives that code.
    fn is(&self, expected: ErrorCode) -> &Value {
        let Answer {
            status,
            retry_after,
            body,
        } = self;
        let code = body["code"].as_str().and_then(ErrorCode::parse);
        assert_eq!(code, Some(expected), "{status} {body}");
        assert_eq!(status.as_u16(), expected.status(), "{body}");
        assert_eq!(*retry_after, status.as_u16() == 503, "{status} {body}");
        body
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_not_founds_conflicts_and_a_lost_log_answer_through_the_table() {
    let mut server = NatsServer::start().unwrap();
    let g = over_jetstream(&server).await;
    let m = g.token("hongyun", Role::Manufacturer);
    let d = g.token("changzhi", Role::Distributor);
    let outsider = g.token("yunyan", Role::Distributor);
    let sign = json!({"partnership": P, "manufacturer": "hongyun", "distributor": "changzhi",
                      "region": "長治", "signed_on": "2007-01-15"});
    let accepted = g.call("/v1/partnerships", &m, Some(sign)).await;
    assert_eq!(accepted.status, StatusCode::CREATED, "{}", accepted.body);
    let acceptance = format!("/v1/partnerships/{P}/acceptance");
    let signed = g.call(&acceptance, &d, Some(json!({}))).await;
    assert_eq!(signed.status, StatusCode::CREATED, "{}", signed.body);

    // A refusal of the command's own data: its kind's code, rule and field.
    let zone = format!("/v1/partnerships/{P}/time-zone");
    let refused = g
        .call(&zone, &m, Some(json!({"zone": "Mars/Olympus"})))
        .await;
    let body = refused.is(ErrorCode::Invalid);
    assert_eq!(body["rule"], "partnership.time_zone_unknown", "{body}");
    assert_eq!(body["field"], "zone", "{body}");

    // The state does not allow it: withdrawing a proposal that was accepted.
    let withdrawal = format!("/v1/partnerships/{P}/proposal-withdrawal");
    let late = g
        .call(&withdrawal, &m, Some(json!({"reason": "changed our mind"})))
        .await;
    assert!(late.is(ErrorCode::Conflict)["rule"].is_string());

    // Not found: a partnership the caller is no party of, and an issued version that
    // does not exist (what was not found is said, not who the parties are).
    let hidden = g
        .call(&format!("/v1/partnerships/{P}"), &outsider, None)
        .await;
    assert_eq!(
        hidden.is(ErrorCode::NotFound)["rule"],
        "partnership.must_exist"
    );
    let version = format!("/v1/partnerships/{P}/reports/market/2008-Q2/versions/9");
    let missing = g.call(&version, &m, None).await;
    let body = missing.is(ErrorCode::NotFound);
    assert_eq!(
        body["message"], "the market report of 2008-Q2 has no issued version 9",
        "{body}"
    );

    // The event log cannot be reached: 503 with Retry-After, within the log's timeout.
    tokio::task::block_in_place(|| server.kill()).unwrap();
    let rulebook = json!({"title": "定期例會", "adopted_on": "2008-01-10"});
    let lost = g
        .call(
            &format!("/v1/partnerships/{P}/rulebooks"),
            &m,
            Some(rulebook),
        )
        .await;
    let body = lost.is(ErrorCode::Unavailable);
    // What failed underneath (the connection, the server's address, an OS error) is the
    // operator's to read in the log, not the caller's.
    let message = body["message"].as_str().unwrap_or_default();
    assert_eq!(message, ErrorCode::Unavailable.meaning(), "{body}");
    for internal in ["nats", "jetstream", "127.0.0.1", "os error", "syn."] {
        assert!(!message.to_lowercase().contains(internal), "{body}");
    }
}
