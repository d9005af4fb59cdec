//! The NATS mode: every service in-process behind `synergy_runtime::nats::serve`, driven
//! through `NatsApi`, beside a raw JetStream publish+ack and a raw NATS request/reply of the
//! same commit bytes, then a burst of back-to-back imports.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow};
use async_nats::HeaderMap;
use async_nats::jetstream::{self, stream};
use bytes::Bytes;
use futures::StreamExt;
use synergy_brand::SkuEntry;
use synergy_eventlog::{EventLog, JetStreamConfig, JetStreamLog};
use synergy_runtime::nats::{NatsApi, Service, ServiceConfig, ServiceRole};
use synergy_testkit::NatsServer;
use tokio::sync::watch;

use super::import::{import, set_up, stored_bytes};
use super::workload::{catalogue, monthly_files, partnership};
use super::{Burst, MONTHLY_SKUS, ModeResults, NATS_PACE, Plan};

const RAW_STREAM: &str = "BENCH_PIPELINE_RAW";
const RAW_SUBJECTS: &str = "bench.pipeline.raw.>";
const ECHO_SUBJECT: &str = "bench.pipeline.echo";
const MSG_ID: &str = "Nats-Msg-Id";

pub(super) async fn over_nats(plan: &Plan) -> anyhow::Result<ModeResults> {
    let mut server = tokio::task::block_in_place(NatsServer::start)
        .context("starting nats-server (set NATS_SERVER_BIN)")?;
    let url = server.url();
    let views = tempfile::tempdir()?;
    let address: synergy_runtime::nats::NatsAddress = url.parse()?;
    let service_client = synergy_runtime::nats::connect(&address, "bench-services").await?;
    let log = Arc::new(
        JetStreamLog::open(service_client.clone(), JetStreamConfig::default())
            .await
            .context("opening the JetStream log")?,
    );
    let service = Service::new(
        service_client,
        ServiceConfig::new(ServiceRole::All).views(views.path().join("evaluation")),
        Arc::clone(&log),
    );
    let mut ready = service.ready();
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(service.run(stopped));
    tokio::time::timeout(Duration::from_secs(30), ready.wait_for(|r| *r))
        .await
        .context("the services were not ready within 30 s")?
        .context("the services stopped before they were ready")?;

    let api = NatsApi::connect(&address).await?;
    // The raw baselines: their own connection, stream and responder.
    let raw_client = synergy_runtime::nats::connect(&address, "bench-raw").await?;
    let js = jetstream::new(raw_client.clone());
    let config = JetStreamConfig::default();
    js.create_stream(stream::Config {
        name: RAW_STREAM.to_owned(),
        subjects: vec![RAW_SUBJECTS.to_owned()],
        storage: stream::StorageType::File,
        num_replicas: config.replicas,
        duplicate_window: config.duplicate_window,
        ..Default::default()
    })
    .await
    .context("creating the raw baseline's stream")?;
    let responder_client = synergy_runtime::nats::connect(&address, "bench-echo").await?;
    let mut echo = responder_client.subscribe(ECHO_SUBJECT).await?;
    // The echo must be subscribed at the server before the first timed request.
    synergy_runtime::nats::sync(
        &responder_client,
        &responder_client.new_inbox(),
        Duration::from_secs(10),
    )
    .await?;
    let responder = tokio::spawn(async move {
        while let Some(msg) = echo.next().await {
            if let Some(reply) = msg.reply {
                // About the size of a command's answer: a position and event names.
                let _ = responder_client
                    .publish(reply, Bytes::from_static(&[0u8; 64]))
                    .await;
            }
        }
    });

    let skus = catalogue(MONTHLY_SKUS)?;
    let mut results = ModeResults::default();
    let mut next = tokio::time::Instant::now();
    for n in 0..plan.partnerships {
        let p = partnership("nats", n)?;
        set_up(&api, &p, &skus).await?;
        let files = monthly_files(n as u64 + 1, &skus, plan.months)?;
        let mut stream = None;
        for (i, f) in files.iter().enumerate() {
            tokio::time::sleep_until(next).await;
            next = tokio::time::Instant::now() + NATS_PACE;
            let imported = import(&api, &p, &f.csv, f.period, f.volume)
                .await
                .with_context(|| format!("paced import {} of {p} over NATS", i + 1))?;
            results.phases.record(imported.phases);
            stream = Some(imported.stream);
            if i % 10 == 9 {
                let c = consumers(&js, &config.stream).await?;
                results.peak_consumers = results.peak_consumers.max(c);
            }
        }
        let stream = stream.ok_or_else(|| anyhow!("no month was imported"))?;
        // What one aggregate load costs the services: each creates a consumer.
        for _ in 0..10 {
            let t = Instant::now();
            log.read_aggregate(&stream, 1).await?;
            results.read_aggregate.record(t.elapsed());
        }
        let records = stored_bytes(&*log, &stream).await?;
        results
            .commit_bytes
            .extend(records.iter().map(std::vec::Vec::len));
        for (i, bytes) in records.into_iter().enumerate() {
            let payload = Bytes::from(bytes);
            let mut headers = HeaderMap::new();
            headers.insert(MSG_ID, format!("raw-{n}-{i}").as_str());
            let t = Instant::now();
            js.publish_with_headers(format!("bench.pipeline.raw.{n}"), headers, payload.clone())
                .await
                .context("raw publish")?
                .await
                .context("raw publish ack")?;
            results.raw_write.record(t.elapsed());
            let t = Instant::now();
            raw_client
                .request(ECHO_SUBJECT, payload)
                .await
                .context("raw request/reply")?;
            results.raw_request.record(t.elapsed());
        }
    }

    results.burst = Some(burst(&api, &js, &config.stream, &skus, plan).await?);

    stop.send_replace(true);
    tokio::time::timeout(Duration::from_secs(30), task)
        .await
        .context("the services did not drain within 30 s")?
        .context("the service task panicked")?
        .context("the services failed")?;
    responder.abort();
    drop(api);
    tokio::task::block_in_place(|| server.stop())?;
    Ok(results)
}

/// Consumers the server holds on `stream`.
async fn consumers(js: &jetstream::Context, stream: &str) -> anyhow::Result<usize> {
    let mut s = js
        .get_stream(stream)
        .await
        .with_context(|| format!("looking up stream {stream}"))?;
    Ok(s.info().await?.state.consumer_count)
}

/// Once the paced imports' consumers have expired, imports into a fresh partnership back
/// to back (as a script importing a directory of monthly files would) until one fails or
/// the plan's count is reached. Not timed for the table: it shows whether back-to-back
/// imports are sustainable at all.
async fn burst(
    api: &NatsApi,
    js: &jetstream::Context,
    stream: &str,
    skus: &[SkuEntry],
    plan: &Plan,
) -> anyhow::Result<Burst> {
    let deadline = Instant::now() + Duration::from_secs(45);
    while consumers(js, stream).await? > 20 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    // Only months that have ended are accepted: 2000-01 … 2019-12 per partnership, and as
    // many partnerships as the burst needs, all set up before the clock starts.
    const MONTHS_PER_PARTNERSHIP: usize = 240;
    let mut work = Vec::new();
    for i in 0..plan.burst.div_ceil(MONTHS_PER_PARTNERSHIP) {
        let p = partnership("nats-burst", i)?;
        set_up(api, &p, skus).await?;
        let count = MONTHS_PER_PARTNERSHIP.min(plan.burst - i * MONTHS_PER_PARTNERSHIP);
        work.push((p, monthly_files(99 + i as u64, skus, count)?));
    }
    let mut burst = Burst::default();
    let start = Instant::now();
    'imports: for (p, files) in &work {
        for f in files {
            burst.attempted += 1;
            match import(api, p, &f.csv, f.period, f.volume).await {
                Ok(_) => burst.succeeded += 1,
                Err(e) => {
                    burst.error = Some(format!("{e:#}"));
                    break 'imports;
                }
            }
        }
    }
    burst.elapsed = start.elapsed();
    burst.consumers_at_end = consumers(js, stream).await?;
    Ok(burst)
}
