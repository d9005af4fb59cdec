//! Phases that work the same on every backend, written once against [`EventLog`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use futures::StreamExt;
use synergy_eventlog::{EventLog, ExpectedVersion, Filter, Position};
use synergy_proto::Commit;
use tokio::task::JoinSet;

use super::data;
use crate::measure::{Latencies, RssTrace, rate};

/// Timed operations: how many, how long in all, and each one's latency.
#[derive(Debug, Clone, Default)]
pub struct Run {
    pub ops: u64,
    pub elapsed: Duration,
    pub latencies: Latencies,
}

impl Run {
    pub fn rate(&self) -> f64 {
        rate(self.ops, self.elapsed)
    }

    /// Adds another round: rates over several rounds are total ops over total time, so
    /// a noisy round weighs by its length, the same for a backend and its baseline.
    pub fn absorb(&mut self, other: Run) {
        self.ops += other.ops;
        self.elapsed += other.elapsed;
        self.latencies.merge(other.latencies);
    }
}

/// A timed pass over stored commits.
#[derive(Debug, Clone, Copy, Default)]
pub struct Read {
    pub commits: u64,
    pub events: u64,
    pub bytes: u64,
    pub elapsed: Duration,
}

impl Read {
    pub fn events_per_s(&self) -> f64 {
        rate(self.events, self.elapsed)
    }

    pub fn absorb(&mut self, other: Read) {
        self.commits += other.commits;
        self.events += other.events;
        self.bytes += other.bytes;
        self.elapsed += other.elapsed;
    }
}

/// Which side of a comparison runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Raw,
    Log,
}

/// The order of a round: the baseline first in even rounds, the backend first in odd
/// ones, so neither always gets the warmer (or the colder) machine.
pub fn sides(round: usize) -> [Side; 2] {
    if round.is_multiple_of(2) {
        [Side::Raw, Side::Log]
    } else {
        [Side::Log, Side::Raw]
    }
}

/// One writer appending `commits` (all of one fresh aggregate) one after another, each
/// with the exact expected version, until done or `cap` has passed.
pub async fn one_writer<L: EventLog>(
    log: &L,
    commits: &[Commit],
    cap: Duration,
) -> anyhow::Result<Run> {
    let mut latencies = Latencies::with_capacity(commits.len());
    let mut version = 0;
    let start = Instant::now();
    for commit in commits {
        if start.elapsed() >= cap {
            break;
        }
        let commit = commit.clone();
        let t = Instant::now();
        let appended = log
            .append(ExpectedVersion::Exact(version), commit)
            .await
            .context("append by the single writer")?;
        latencies.record(t.elapsed());
        version = appended.last_version;
    }
    Ok(Run {
        ops: latencies.len() as u64,
        elapsed: start.elapsed(),
        latencies,
    })
}

/// `batches.len()` writers at once, each appending its own aggregate's commits in order
/// (one in flight per writer, so the number of writers is the pipelining depth), until
/// every batch is done or `cap` has passed.
pub async fn concurrent_writers<L: EventLog + Clone>(
    log: &L,
    batches: Vec<Vec<Commit>>,
    cap: Duration,
) -> anyhow::Result<Run> {
    let mut tasks = JoinSet::new();
    let start = Instant::now();
    let deadline = start + cap;
    for batch in batches {
        let log = log.clone();
        tasks.spawn(async move {
            let mut latencies = Latencies::with_capacity(batch.len());
            let mut version = 0;
            for commit in batch {
                if Instant::now() >= deadline {
                    break;
                }
                let t = Instant::now();
                let appended = log
                    .append(ExpectedVersion::Exact(version), commit)
                    .await
                    .context("append by one of the concurrent writers")?;
                latencies.record(t.elapsed());
                version = appended.last_version;
            }
            anyhow::Ok(latencies)
        });
    }
    let mut run = Run::default();
    while let Some(done) = tasks.join_next().await {
        run.latencies.merge(done.context("a writer task failed")??);
    }
    run.elapsed = start.elapsed();
    run.ops = run.latencies.len() as u64;
    Ok(run)
}

/// Fills `log` up to `commits` for the read phase if it holds fewer (`what` names the log
/// in the progress line); the head the reads go up to.
pub async fn fill_for_reads<L: EventLog + Clone>(
    log: &L,
    what: &str,
    commits: u64,
    writers: usize,
    cap: Duration,
) -> anyhow::Result<u64> {
    let head = log.head().await?.get();
    if head < commits {
        eprintln!("{what} to {commits} commits for the read phase");
        fill(log, "fill", writers, commits - head, cap).await?;
    }
    Ok(log.head().await?.get())
}

/// Appends fresh commits with `writers` concurrent writers until `count` more are stored
/// or `cap` has passed; returns how many were stored. Not timed: it only prepares data.
pub async fn fill<L: EventLog + Clone>(
    log: &L,
    phase: &str,
    writers: usize,
    count: u64,
    cap: Duration,
) -> anyhow::Result<u64> {
    let issued = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + cap;
    let mut tasks = JoinSet::new();
    for w in 0..writers {
        let (log, issued) = (log.clone(), issued.clone());
        let stream = data::stream(phase, w)?;
        tasks.spawn(async move {
            let mut version = 0;
            let mut written = 0u64;
            while Instant::now() < deadline && issued.fetch_add(1, Ordering::Relaxed) < count {
                let commit = data::commit(&stream, version)?;
                version = log
                    .append(ExpectedVersion::Exact(version), commit)
                    .await
                    .context("append while filling the log")?
                    .last_version;
                written += 1;
            }
            anyhow::Ok(written)
        });
    }
    let mut written = 0;
    while let Some(done) = tasks.join_next().await {
        written += done.context("a fill task failed")??;
    }
    Ok(written)
}

/// Subscribes from the start and reads every commit up to position `upto`, sampling RSS
/// about every tenth of the way into `trace`.
pub async fn subscribe_through<L: EventLog>(
    log: &L,
    upto: u64,
    trace: &mut RssTrace,
) -> anyhow::Result<Read> {
    let step = (upto / 10).max(1);
    let mut read = Read::default();
    let start = Instant::now();
    let mut subscription = log.subscribe(Position::START, Filter::ALL);
    let mut last = 0;
    while last < upto {
        let Some(item) = subscription.next().await else {
            bail!("the subscription ended at position {last}, before {upto}");
        };
        let stored = item.context("reading through the subscription")?;
        last = stored.position.get();
        read.commits += 1;
        read.events += stored.commit.events.len() as u64;
        if read.commits.is_multiple_of(step) {
            trace.sample(read.commits);
        }
    }
    read.elapsed = start.elapsed();
    drop(subscription);
    trace.finish(read.commits);
    Ok(read)
}

/// One batch of pre-built commits per writer, each writer on its own fresh aggregate.
pub fn batches(phase: &str, writers: usize, per_writer: usize) -> anyhow::Result<Vec<Vec<Commit>>> {
    (0..writers)
        .map(|w| data::commits(&data::stream(phase, w)?, per_writer))
        .collect()
}
