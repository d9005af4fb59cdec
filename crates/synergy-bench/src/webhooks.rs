//! `synergy-bench webhooks`: how long an alert takes from its commit to a webhook
//! receiver on loopback (`docs/webhooks.md`), beside a bare signed POST to the same
//! receiver in the same run.
//!
//! The parts are the product's: a sled event log, the outbox following it (each batch
//! fsynced with its position) and the deliverer, in this process; the receiver is an
//! HTTP/1.1 server on loopback that answers 200 and notes when each event id arrived.
//! Alerts are appended one at a time, each once the one before has arrived, so each
//! figure is one alert's whole way.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use serde_json::json;
use synergy_eventlog::{EventLog, ExpectedVersion, SledLog};
use synergy_proto::events::evaluation::EvaluationEvent;
use synergy_proto::events::strategy::StrategyEvent;
use synergy_proto::{
    Actor, AggregateId, Commit, Event, OrgId, PartnershipId, RecordedEvent, Role, StreamId,
    Timestamp, Uuid,
};
use synergy_runtime::webhook::{self, DeliveryStats, Outbox, RetrySchedule, SigningKey};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::sync::{Notify, watch};

use crate::measure::Latencies;
use crate::report::{Comparison, LatencyRow, Report};

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub quick: bool,
}

/// The ceiling: delivered within a second of the commit.
const P99_CEILING_MS: f64 = 1_000.0;

/// When each event id arrived.
#[derive(Default)]
struct Arrivals {
    at: Mutex<HashMap<String, Instant>>,
    notify: Notify,
}

/// An HTTP/1.1 receiver answering 200 to every request, connections kept alive.
async fn receiver(arrivals: Arc<Arrivals>) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?.to_string();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let arrivals = Arc::clone(&arrivals);
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut read = BufReader::new(read);
                loop {
                    let (mut length, mut event) = (0usize, None);
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if read.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let l = line.trim_end();
                        if l.is_empty() {
                            break;
                        }
                        let lower = l.to_ascii_lowercase();
                        if let Some(v) = lower.strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                        if let Some(v) = lower.strip_prefix("synergy-event-id:") {
                            event = Some(v.trim().to_owned());
                        }
                    }
                    let mut body = vec![0; length];
                    if read.read_exact(&mut body).await.is_err() {
                        return;
                    }
                    if let Some(id) = event {
                        arrivals.at.lock().unwrap().insert(id, Instant::now());
                        arrivals.notify.notify_waiters();
                    }
                    if write
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    Ok(addr)
}

fn commit(partnership: &PartnershipId, aggregate: AggregateId, event: Event) -> (Uuid, Commit) {
    let event_id = Uuid::now_v7();
    let commit = Commit {
        commit_id: Uuid::now_v7(),
        stream: StreamId::new(event.context(), partnership.clone(), aggregate),
        first_version: 0,
        recorded_at: Timestamp::from_millis(0),
        actor: Actor {
            org: OrgId::new("operator").expect("an id"),
            role: Role::Admin,
            user: "bench".into(),
        },
        correlation_id: Uuid::now_v7(),
        causation_id: None,
        events: vec![RecordedEvent {
            event_id,
            occurred_at: Timestamp::from_millis(1_214_784_000_000),
            event,
        }],
    };
    (event_id, commit)
}

async fn arrived(arrivals: &Arrivals, id: &str) -> anyhow::Result<Instant> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let notified = arrivals.notify.notified();
        if let Some(at) = arrivals.at.lock().unwrap().get(id) {
            return Ok(*at);
        }
        tokio::time::timeout_at(deadline, notified)
            .await
            .with_context(|| format!("alert {id} never arrived"))?;
    }
}

pub async fn run(options: Options) -> anyhow::Result<Report> {
    let alerts = if options.quick { 200 } else { 1_000 };
    let dir = tempfile::tempdir()?;
    let log = Arc::new(SledLog::open(dir.path().join("log"))?);
    let outbox = Arc::new(Outbox::open(dir.path().join("outbox"))?);
    let arrivals = Arc::new(Arrivals::default());
    let addr = receiver(Arc::clone(&arrivals)).await?;
    let key = SigningKey::from_bytes([7; 32]);
    let (stop, stopped) = watch::channel(false);
    let follower = tokio::spawn(webhook::outbox::follow(
        Arc::clone(&log),
        Arc::clone(&outbox),
        stopped.clone(),
    ));
    let stats = Arc::new(DeliveryStats::default());
    let deliverer = tokio::spawn(webhook::deliver::run(
        Arc::clone(&outbox),
        key.clone(),
        RetrySchedule::default(),
        Arc::clone(&stats),
        stopped,
    ));

    let p = PartnershipId::new("bench-p1")?;
    let (_, registration) = commit(
        &p,
        synergy_strategy::stream_for(&p).aggregate,
        Event::Strategy(StrategyEvent::WebhookRegistered {
            webhook: Uuid::now_v7(),
            org: OrgId::new("changzhi")?,
            url: format!("http://{addr}/hook"),
        }),
    );
    log.append(ExpectedVersion::Any, registration).await?;

    let (mut delivered, mut raw) = (
        Latencies::with_capacity(alerts),
        Latencies::with_capacity(alerts),
    );
    let client = webhook::deliver::client();
    let warm_up = alerts / 10;
    for i in 0..alerts + warm_up {
        let (id, alert) = commit(
            &p,
            AggregateId::compose("alerts", "2008-06"),
            Event::Evaluation(EvaluationEvent::ExceptionRaised {
                period: "2008-06".parse()?,
                rule: "share_down".into(),
                subject: format!("sku:s{i}"),
                value: Some("-3.25".into()),
                threshold: Some("2.00".into()),
                message: "share down".into(),
            }),
        );
        let started = Instant::now();
        log.append(ExpectedVersion::Any, alert).await?;
        let at = arrived(&arrivals, &id.to_string()).await?;
        let took = at.saturating_duration_since(started);

        // The baseline: the same kind of body, signed and POSTed straight to the receiver.
        let raw_id = Uuid::now_v7().to_string();
        let body = json!({"id": raw_id, "type": "ExceptionRaised"}).to_string();
        let signed = webhook::signature(&key.secret(Uuid::nil()), 0, body.as_bytes());
        let t = Instant::now();
        let answer = client
            .post(format!("http://{addr}/raw"))
            .header(webhook::SIGNATURE_HEADER, signed)
            .header(webhook::EVENT_ID_HEADER, &raw_id)
            .body(body)
            .send()
            .await?;
        ensure!(answer.status().is_success());
        let r = arrived(&arrivals, &raw_id)
            .await?
            .saturating_duration_since(t);
        if i >= warm_up {
            delivered.record(took);
            raw.record(r);
        }
    }
    stop.send_replace(true);
    follower.await??;
    deliverer.await??;
    let (d, r) = (
        delivered.summary().context("no samples")?,
        raw.summary().context("no samples")?,
    );
    let mut report = Report {
        bench: "webhooks",
        quick: options.quick,
        ..Report::default()
    };
    report.latencies.push(LatencyRow {
        key: "webhook_delivery",
        label: format!("alert commit → webhook receiver on loopback ({alerts} alerts)"),
        figure: d,
        baseline: Some(r),
        p99_ceiling_ms: Some(P99_CEILING_MS),
    });
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    report.comparisons.push(Comparison {
        key: "webhook_p50_over_bare_post",
        label: "delivery p50".into(),
        unit: "µs",
        figure: us(d.p50),
        baseline_label: "a bare signed POST to the same receiver p50".into(),
        baseline: us(r.p50),
        target: None,
    });
    report.facts.insert("alerts".into(), json!(alerts));
    report.facts.insert(
        "delivered".into(),
        json!(stats.delivered.load(std::sync::atomic::Ordering::Relaxed)),
    );
    report.notes.push(format!(
        "each alert is appended to a sled log (fsynced), taken into the outbox by the follower (one transaction with its position, fsynced), then POSTed signed by the deliverer; timed from the append call to the receiver reading the request; the next alert is appended once it arrived. The baseline POSTs a body straight to the receiver with the deliverer's client. {warm_up} warm-up alerts not counted"
    ));
    Ok(report)
}
