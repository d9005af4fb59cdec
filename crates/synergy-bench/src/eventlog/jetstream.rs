//! The JetStream half: [`JetStreamLog`] beside raw async-nats doing the same work on a
//! nats-server (file storage) this bench starts itself.

use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use async_nats::HeaderMap;
use async_nats::jetstream;
use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, pull};
use bytes::Bytes;
use futures::StreamExt;
use synergy_eventlog::{JetStreamConfig, JetStreamLog};
use synergy_proto::{Commit, Uuid, decode_commit};
use synergy_testkit::NatsServer;

use super::common::{self, Read, Run, Side};
use super::data;
use crate::measure::{Latencies, RssTrace};

/// The stream the raw publishes go to: its own, configured like the log's, so the raw
/// baseline never adds to the log it is compared with.
const RAW_STREAM: &str = "BENCH_RAW";
const RAW_SUBJECTS: &str = "bench.raw.>";
const MSG_ID: &str = "Nats-Msg-Id";
const EXPECTED_LAST_SUBJECT_SEQ: &str = "Nats-Expected-Last-Subject-Sequence";

#[derive(Debug, Clone)]
pub struct JsPlan {
    pub rounds: usize,
    pub single_ops: usize,
    pub single_cap: Duration,
    /// Appends in flight at once, for the log and the raw baseline alike.
    pub depth: usize,
    pub per_writer: usize,
    pub pipelined_cap: Duration,
    pub read_commits: u64,
    pub fill_writers: usize,
    pub fill_cap: Duration,
    pub read_rounds: usize,
}

#[derive(Debug)]
pub struct JsResults {
    pub raw_single: Run,
    pub log_single: Run,
    pub raw_pipelined: Run,
    pub log_pipelined: Run,
    pub raw_read: Read,
    pub log_read: Read,
    pub memory: RssTrace,
    pub read_commits: u64,
    pub stored_bytes: u64,
}

/// One aggregate's commits as the raw publisher sends them: commit id and stored bytes.
struct RawBatch {
    subject: String,
    records: Vec<(Uuid, Bytes)>,
}

fn raw_batch(commits: &[Commit]) -> RawBatch {
    let stream = &commits[0].stream;
    RawBatch {
        subject: format!(
            "bench.raw.{}.{}.{}",
            stream.context.as_str(),
            stream.partnership,
            stream.aggregate
        ),
        records: commits
            .iter()
            .map(|c| c.commit_id)
            .zip(data::stored_run(commits).into_iter().map(Bytes::from))
            .collect(),
    }
}

/// Raw baseline of appending: `batches.len()` writers, each publishing its aggregate's
/// records one after another with the headers the log sends (`Nats-Msg-Id` and the
/// expected last subject sequence, taken from the previous ack) — one in flight per
/// writer, so the pipelining depth equals the log's.
async fn raw_publish(
    js: &jetstream::Context,
    batches: Vec<RawBatch>,
    cap: Duration,
) -> anyhow::Result<Run> {
    common::timed_writers(
        batches,
        cap,
        "a raw publisher task failed",
        |batch, deadline| {
            let js = js.clone();
            async move {
                let mut latencies = Latencies::with_capacity(batch.records.len());
                let mut last_seq = 0u64;
                for (commit_id, payload) in batch.records {
                    if Instant::now() >= deadline {
                        break;
                    }
                    let t = Instant::now();
                    let mut headers = HeaderMap::new();
                    headers.insert(MSG_ID, commit_id.to_string().as_str());
                    headers.insert(EXPECTED_LAST_SUBJECT_SEQ, last_seq.to_string().as_str());
                    let ack = js
                        .publish_with_headers(batch.subject.clone(), headers, payload)
                        .await
                        .context("raw publish")?
                        .await
                        .context("raw publish ack")?;
                    latencies.record(t.elapsed());
                    if ack.duplicate {
                        bail!("the raw publish of {commit_id} was taken for a duplicate");
                    }
                    last_seq = ack.sequence;
                }
                anyhow::Ok(latencies)
            }
        },
    )
    .await
}

/// Raw baseline of reading: a pull consumer (no acks) over the log's stream from the
/// first message, decoding every payload as the log does, up to sequence `upto`.
async fn raw_pull(js: &jetstream::Context, stream_name: &str, upto: u64) -> anyhow::Result<Read> {
    let stream = js.get_stream(stream_name).await?;
    let mut read = Read::default();
    let start = Instant::now();
    let consumer = stream
        .create_consumer(pull::Config {
            deliver_policy: DeliverPolicy::All,
            ack_policy: AckPolicy::None,
            inactive_threshold: Duration::from_secs(30),
            ..Default::default()
        })
        .await
        .context("creating the raw pull consumer")?;
    let mut messages = consumer.messages().await?;
    let mut last = 0;
    while last < upto {
        let Some(msg) = messages.next().await else {
            bail!("the raw pull consumer ended at sequence {last}, before {upto}");
        };
        let msg = msg.map_err(|e| anyhow!("raw pull: {e}"))?;
        last = msg
            .info()
            .map_err(|e| anyhow!("a pulled message has no stream sequence: {e}"))?
            .stream_sequence;
        let decoded = decode_commit(&msg.payload).context("decoding a pulled commit")?;
        read.commits += 1;
        read.events += decoded.commit.events.len() as u64;
        read.bytes += msg.payload.len() as u64;
    }
    read.elapsed = start.elapsed();
    drop(messages);
    let name = consumer.cached_info().name.clone();
    // Ephemeral consumers also expire by themselves; deleting now keeps the server lean
    // for the next round.
    let _ = stream.delete_consumer(&name).await;
    Ok(read)
}

pub async fn run(plan: &JsPlan) -> anyhow::Result<JsResults> {
    eprintln!("jetstream: starting nats-server (file storage)");
    let server = tokio::task::spawn_blocking(NatsServer::start)
        .await?
        .context("starting nats-server for the JetStream bench (set NATS_SERVER_BIN)")?;
    let config = JetStreamConfig::default();
    let log = JetStreamLog::connect(&server.url().parse()?, config.clone())
        .await
        .context("opening the JetStream event log")?;
    let client = async_nats::connect(server.url())
        .await
        .context("connecting the raw client")?;
    let js = jetstream::new(client);
    js.create_stream(config.stream(RAW_STREAM, RAW_SUBJECTS))
        .await
        .context("creating the raw baseline's stream")?;

    let mut raw_single = Run::default();
    let mut log_single = Run::default();
    let mut raw_pipelined = Run::default();
    let mut log_pipelined = Run::default();
    for round in 0..plan.rounds {
        eprintln!(
            "jetstream: single-writer round {}/{}",
            round + 1,
            plan.rounds
        );
        let single = data::commits(
            &data::stream(&format!("single-{round}"), 0)?,
            plan.single_ops,
        )?;
        for side in common::sides(round) {
            match side {
                Side::Raw => raw_single
                    .absorb(raw_publish(&js, vec![raw_batch(&single)], plan.single_cap).await?),
                Side::Log => {
                    log_single.absorb(common::one_writer(&log, &single, plan.single_cap).await?)
                }
            }
        }

        eprintln!(
            "jetstream: pipelined round {}/{} ({} in flight)",
            round + 1,
            plan.rounds,
            plan.depth
        );
        for side in common::sides(round) {
            match side {
                Side::Raw => {
                    let raw =
                        common::batches(&format!("raw-{round}"), plan.depth, plan.per_writer)?;
                    let raw: Vec<RawBatch> = raw.iter().map(|b| raw_batch(b)).collect();
                    raw_pipelined.absorb(raw_publish(&js, raw, plan.pipelined_cap).await?);
                }
                Side::Log => {
                    let batches =
                        common::batches(&format!("piped-{round}"), plan.depth, plan.per_writer)?;
                    log_pipelined.absorb(
                        common::concurrent_writers(&log, batches, plan.pipelined_cap).await?,
                    );
                }
            }
        }
    }

    let sizes = common::ReadSizes {
        commits: plan.read_commits,
        fill_writers: plan.fill_writers,
        fill_cap: plan.fill_cap,
        rounds: plan.read_rounds,
    };
    let read = common::read_phase(
        &log,
        "jetstream",
        "jetstream: filling the stream",
        sizes,
        |upto| raw_pull(&js, log.stream_name(), upto),
    )
    .await?;
    let (raw_read, log_read, upto) = (read.raw, read.log, read.upto);
    let stored_bytes = raw_read.bytes / plan.read_rounds.max(1) as u64;
    drop(log);
    drop(js);
    tokio::task::spawn_blocking(move || drop(server)).await?;
    Ok(JsResults {
        raw_single,
        log_single,
        raw_pipelined,
        log_pipelined,
        raw_read,
        log_read,
        memory: read.memory,
        read_commits: upto,
        stored_bytes,
    })
}
