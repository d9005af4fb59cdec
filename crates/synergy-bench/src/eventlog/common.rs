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
    timed_writers(batches, cap, "a writer task failed", |batch, deadline| {
        let log = log.clone();
        async move {
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
        }
    })
    .await
}

/// One task a batch, all at once, each writing its batch until the deadline `cap` from
/// now and timing every write; their latencies merged into one run. `failed` says which
/// task a panic or an error came from.
pub async fn timed_writers<B, W, F>(
    batches: Vec<B>,
    cap: Duration,
    failed: &'static str,
    write: W,
) -> anyhow::Result<Run>
where
    W: Fn(B, Instant) -> F,
    F: Future<Output = anyhow::Result<Latencies>> + Send + 'static,
{
    let mut tasks = JoinSet::new();
    let start = Instant::now();
    let deadline = start + cap;
    for batch in batches {
        tasks.spawn(write(batch, deadline));
    }
    let mut run = Run::default();
    while let Some(done) = tasks.join_next().await {
        run.latencies.merge(done.context(failed)??);
    }
    run.elapsed = start.elapsed();
    run.ops = run.latencies.len() as u64;
    Ok(run)
}

/// How much the read phase reads, and how the log is filled for it.
#[derive(Debug, Clone, Copy)]
pub struct ReadSizes {
    pub commits: u64,
    pub fill_writers: usize,
    pub fill_cap: Duration,
    pub rounds: usize,
}

/// What the read phase measured.
#[derive(Debug)]
pub struct ReadResults {
    /// The head every round read up to.
    pub upto: u64,
    pub raw: Read,
    pub log: Read,
    /// The log's round whose resident memory grew the most.
    pub memory: RssTrace,
}

/// The read phase, the same on every backend: fills `log` (`filling` says so) up to the
/// commits it reads if it holds fewer, then reads it whole in every round on both sides,
/// in the order [`sides`] alternates; `raw` reads the backend's own baseline up to a head.
pub async fn read_phase<L, R, F>(
    log: &L,
    name: &str,
    filling: &str,
    sizes: ReadSizes,
    mut raw: R,
) -> anyhow::Result<ReadResults>
where
    L: EventLog + Clone,
    R: FnMut(u64) -> F,
    F: Future<Output = anyhow::Result<Read>>,
{
    let upto = fill_for_reads(
        log,
        filling,
        sizes.commits,
        sizes.fill_writers,
        sizes.fill_cap,
    )
    .await?;
    let mut raw_read = Read::default();
    let mut log_read = Read::default();
    let mut memory: Option<RssTrace> = None;
    for round in 0..sizes.rounds {
        eprintln!(
            "{name}: read round {}/{} over {upto} commits",
            round + 1,
            sizes.rounds
        );
        for side in sides(round) {
            match side {
                Side::Raw => raw_read.absorb(raw(upto).await?),
                Side::Log => {
                    let mut trace = RssTrace::start();
                    log_read.absorb(subscribe_through(log, upto, &mut trace).await?);
                    if memory
                        .as_ref()
                        .is_none_or(|m| trace.growth_kib() > m.growth_kib())
                    {
                        memory = Some(trace);
                    }
                }
            }
        }
    }
    Ok(ReadResults {
        upto,
        raw: raw_read,
        log: log_read,
        memory: memory.unwrap_or_default(),
    })
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
