//! Alerts over a real nats-server: two evaluation services, each with read models of its
//! own, judge the same commits on one JetStream log and race to record them; each alert is
//! recorded once (counted in the log).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use synergy_domain::testing::alert_tally;
use synergy_eventlog::{EventLog, Filter, JetStreamConfig, JetStreamLog};
use synergy_proto::*;
use synergy_runtime::nats::{NatsApi, ServiceRole};
use synergy_runtime::{Api, Request};
use synergy_testkit::NatsServer;

mod common;

use common::nats::start;
use common::{catalogue, distributor, manufacturer, month_data, operator, sign};

async fn log_of(url: &str, name: &str) -> JetStreamLog {
    let client = synergy_runtime::nats::connect(&url.parse().unwrap(), name)
        .await
        .unwrap();
    JetStreamLog::open(client, JetStreamConfig::default())
        .await
        .unwrap()
}

/// Every alert event in the log as words → times recorded.
async fn alerts(log: &JetStreamLog) -> BTreeMap<String, usize> {
    let stored = log.read_matching(Filter::ALL).await.unwrap();
    alert_tally(
        stored
            .iter()
            .flat_map(|s| s.commit.events.iter().map(|e| &e.event)),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_evaluation_services_racing_record_each_alert_once() {
    let server = NatsServer::start().expect("nats-server starts (set NATS_SERVER_BIN)");
    let url = server.url();
    let views = tempfile::tempdir().unwrap();
    let mut running = Vec::new();
    for context in Context::ALL {
        if context != Context::Evaluation {
            running.push(start(&url, ServiceRole::Context(context), None).await);
        }
    }
    for replica in ["a", "b"] {
        let dir = views.path().join(replica);
        running.push(start(&url, ServiceRole::Context(Context::Evaluation), Some(&dir)).await);
    }
    let api = NatsApi::connect(&url.parse().unwrap()).await.unwrap();
    let p = PartnershipId::new("hongyun-changzhi").unwrap();
    for (who, command) in [(operator(), sign(&p)), (manufacturer(), catalogue(&p))] {
        api.execute(Request::new(who, command)).await.unwrap();
    }
    // May 1,200 cases of 11,300, June 1,000: June's share 1.77 points down.
    for (month, volume) in [(5, "1200"), (6, "1000")] {
        let data = month_data(
            &p,
            YearMonth::new(2008, month).unwrap(),
            "hy-soft",
            volume,
            None,
        );
        api.execute(Request::new(distributor(), data))
            .await
            .unwrap();
    }

    let log = log_of(&url, "test-counter").await;
    let started = Instant::now();
    while !alerts(&log)
        .await
        .contains_key("raised 2008-06 share_down partnership")
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "never raised: {:?}",
            alerts(&log).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Time for either replica to (wrongly) record anything again.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let recorded = alerts(&log).await;
    assert!(
        recorded.values().all(|n| *n == 1),
        "recorded more than once: {:?}",
        recorded.iter().filter(|(_, n)| **n > 1).collect::<Vec<_>>()
    );
    assert!(recorded.contains_key("raised 2008-06 share_down brand:hongyun"));
    assert!(
        !recorded.keys().any(|k| k.starts_with("cleared")),
        "{recorded:?}"
    );
    // Signed 2007-12-18 on the machine's clock: every month since without data is late.
    assert!(recorded.contains_key("raised 2008-01 data_late 2008-01"));
    assert!(!recorded.contains_key("raised 2008-05 share_down partnership"));

    for service in running {
        service.shut_down().await.unwrap();
    }
}
