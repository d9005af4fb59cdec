//! Partitioned evaluation on JetStream (`docs/partitions.md`): per partition, rebuilding
//! its read models from 0 through a durable consumer of the partition stream
//! (`projection::run_partition`, into a fresh store) against a raw read-back of the same
//! partition (an ordered consumer on `syn.par.<k>.>`, decoding every commit), in
//! alternating rounds; printed as the ratio of their rates.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use async_nats::jetstream::consumer::pull::OrderedConfig;
use futures::StreamExt;
use serde_json::{Value, json};
use synergy_eventlog::{EventLog, ExpectedVersion, JetStreamConfig, JetStreamLog};
use synergy_proto::codec::decode_commit;
use synergy_proto::subject;
use synergy_runtime::projection::{self, ProjectionStore};
use synergy_testkit::NatsServer;
use tokio::sync::watch;

use crate::evaluation::data::{self, Density, History};

#[derive(Debug)]
pub struct Options {
    pub quick: bool,
}

const PARTITIONS: u32 = 4;

/// What was measured, per partition.
#[derive(Debug, Default, Clone)]
pub struct PartitionRun {
    pub partition: u32,
    pub commits: u64,
    pub events: u64,
    pub raw: Duration,
    pub rebuild: Duration,
}

impl PartitionRun {
    /// Rebuild rate over raw read-back rate: 1.0 is as fast as reading.
    pub fn ratio(&self) -> f64 {
        self.raw.as_secs_f64() / self.rebuild.as_secs_f64().max(1e-9)
    }
}

#[derive(Debug)]
pub struct Report {
    pub events: u64,
    pub runs: Vec<PartitionRun>,
}

impl Report {
    pub fn table(&self) -> String {
        let mut out = format!(
            "partitioned evaluation: {} events in {PARTITIONS} partitions; best of the rounds\n\
             partition  commits   events   raw read (ms)  rebuild (ms)  rebuild / raw rate\n",
            self.events
        );
        for r in &self.runs {
            out.push_str(&format!(
                "{:>9}  {:>7}  {:>7}  {:>13.1}  {:>12.1}  {:>18.2}x\n",
                r.partition,
                r.commits,
                r.events,
                r.raw.as_secs_f64() * 1e3,
                r.rebuild.as_secs_f64() * 1e3,
                r.ratio()
            ));
        }
        out
    }

    pub fn json(&self) -> Value {
        json!({
            "events": self.events,
            "partitions": self.runs.iter().map(|r| json!({
                "partition": r.partition,
                "commits": r.commits,
                "events": r.events,
                "raw_ms": r.raw.as_secs_f64() * 1e3,
                "rebuild_ms": r.rebuild.as_secs_f64() * 1e3,
                "ratio": r.ratio(),
            })).collect::<Vec<_>>(),
        })
    }
}

pub async fn run(options: Options) -> anyhow::Result<Report> {
    let (density, rounds) = match options.quick {
        true => (
            Density {
                partnerships: 8,
                corrections_per_month: 0,
                total_events: 100_000,
            },
            2,
        ),
        false => (
            Density {
                partnerships: 16,
                corrections_per_month: 1,
                total_events: 1_000_000,
            },
            3,
        ),
    };
    eprintln!("partitions: starting nats-server (file storage)");
    let server = tokio::task::spawn_blocking(NatsServer::start)
        .await?
        .context("starting nats-server for the partitions bench (set NATS_SERVER_BIN)")?;
    let log = JetStreamLog::connect(&server.url().parse()?, JetStreamConfig::default())
        .await
        .context("opening the JetStream event log")?;
    eprintln!(
        "partitions: generating {} events of {} partnerships",
        density.total_events, density.partnerships
    );
    let mut events = 0u64;
    for mut history in data::histories(density)? {
        let mut batches = vec![history.setup()?];
        for month in History::months() {
            batches.push(history.month(month)?);
        }
        for c in batches.into_iter().flatten() {
            events += c.events.len() as u64;
            let expected = ExpectedVersion::Exact(c.first_version - 1);
            log.append(expected, c)
                .await
                .context("appending the history")?;
        }
    }
    let head = log.head().await?.get();
    let partitions = log.partitions(PARTITIONS).await.map_err(|e| anyhow!(e))?;
    let stream = log
        .context()
        .get_stream(partitions.name())
        .await
        .context("the partition stream")?;
    let deadline = Instant::now() + Duration::from_secs(300);
    while stream.clone().info().await?.state.messages < head {
        if Instant::now() > deadline {
            bail!("the partition stream did not source {head} commits in time");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let mut runs = Vec::new();
    for k in 0..PARTITIONS {
        let mut best = PartitionRun {
            partition: k,
            raw: Duration::MAX,
            rebuild: Duration::MAX,
            ..Default::default()
        };
        for round in 0..rounds {
            // Alternated, so noise hits both alike.
            let raw_first = round % 2 == 0;
            for raw in [raw_first, !raw_first] {
                if raw {
                    let (took, commits, events) = raw_read(&stream, k).await?;
                    best.raw = best.raw.min(took);
                    best.commits = commits;
                    best.events = events;
                } else {
                    let took = rebuild(&partitions, &log, k, round, density.partnerships).await?;
                    best.rebuild = best.rebuild.min(took);
                }
            }
        }
        eprintln!(
            "partitions: partition {k}: {} commits, rebuild/raw {:.2}x",
            best.commits,
            best.ratio()
        );
        runs.push(best);
    }
    Ok(Report { events, runs })
}

/// Reads partition `k` whole through an ordered consumer, decoding every commit.
async fn raw_read(
    stream: &async_nats::jetstream::stream::Stream,
    k: u32,
) -> anyhow::Result<(Duration, u64, u64)> {
    let start = Instant::now();
    let consumer = stream
        .create_consumer(OrderedConfig {
            filter_subject: subject::partition_filter(k),
            ..Default::default()
        })
        .await?;
    let mut messages = consumer.messages().await?;
    let (mut commits, mut events) = (0u64, 0u64);
    loop {
        let msg = messages
            .next()
            .await
            .context("the raw consumer ended")?
            .map_err(|e| anyhow!("raw read: {e}"))?;
        let decoded = decode_commit(&msg.payload).context("decoding a commit")?;
        commits += 1;
        events += decoded.commit.events.len() as u64;
        if msg.info().map_err(|e| anyhow!("{e}"))?.pending == 0 {
            break;
        }
    }
    Ok((start.elapsed(), commits, events))
}

/// Rebuilds partition `k` from 0 into a fresh store through a durable consumer of its own,
/// until the store has passed the partition's last commit.
async fn rebuild(
    partitions: &synergy_eventlog::PartitionStream,
    log: &JetStreamLog,
    k: u32,
    round: usize,
    partnerships: usize,
) -> anyhow::Result<Duration> {
    let mut last = 0;
    // The partition's last commit: the latest last commit of its partnerships.
    for p in 0..partnerships {
        let id = data::partnership_id(p)?;
        if subject::partition_of(&id, PARTITIONS) == k
            && let Some(at) = log.last_position_of(&id).await?
        {
            last = last.max(at.get());
        }
    }
    let store = Arc::new(ProjectionStore::temporary()?);
    let (stop, stopped) = watch::channel(false);
    let start = Instant::now();
    let task = tokio::spawn(projection::run_partition(
        partitions.clone(),
        format!("bench-{round}-p{k}"),
        k,
        Arc::clone(&store),
        stopped,
    ));
    let reached = store
        .wait_for(synergy_eventlog::Position(last), Duration::from_secs(600))
        .await;
    let took = start.elapsed();
    stop.send_replace(true);
    task.await??;
    if !reached {
        bail!("partition {k} was not rebuilt up to {last}");
    }
    Ok(took)
}
