//! The sled half: [`SledLog`] beside raw sled doing the same durable work.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use synergy_eventlog::SledLog;
use synergy_eventlog::sled_log::{GROUP_BYTES, SledStats};
use synergy_eventlog::sled_sync::{self, SledFiles};
use synergy_proto::{
    Commit, CommitGroup, CommitGroupBuilder, StreamId, decode_commit, is_commit_group,
};

use super::common::{self, Read, Run, Side};
use super::data;
use crate::measure::{Latencies, RssTrace};

/// The log tree of [`SledLog`]'s layout (documented in `synergy_eventlog::sled_log`): the
/// raw scan reads the very records the log wrote. The scan checks it found them all, so a
/// layout change fails loudly instead of timing an empty tree.
const LOG_TREE: &str = "synergy.log";

#[derive(Debug, Clone)]
pub struct SledPlan {
    /// Rounds of (raw, log) single-writer runs, alternated so noise hits both alike.
    pub rounds: usize,
    pub single_ops: usize,
    pub single_cap: Duration,
    pub writers: usize,
    /// Commits per writer in the group-commit phase, and per aggregate in each round of
    /// the writer floor.
    pub group_per_writer: usize,
    pub group_cap: Duration,
    /// How many commits the read phase reads through (filled up to this).
    pub read_commits: u64,
    pub fill_writers: usize,
    pub fill_cap: Duration,
    pub read_rounds: usize,
    /// sled page cache of every database the bench opens, backend and raw alike.
    pub cache_bytes: u64,
}

#[derive(Debug)]
pub struct SledResults {
    pub raw_single: Run,
    pub log_single: Run,
    /// The log's three inserts per commit on one thread with no flush at all.
    pub writer_floor: Run,
    pub group: Run,
    pub group_stats: SledStats,
    pub raw_read: Read,
    pub log_read: Read,
    /// The subscription round with the highest peak.
    pub memory: RssTrace,
    /// Commits in the log the reads went through, and their stored size.
    pub read_commits: u64,
    pub stored_bytes: u64,
}

fn config(dir: &Path, cache_bytes: u64) -> sled::Config {
    sled::Config::new().path(dir).cache_capacity(cache_bytes)
}

/// Raw baseline of one durable write: insert the stored bytes of one commit under the
/// next position and flush, one after another — sled's flush, then the same
/// `fdatasync`/`fsync` on its files as the log's ([`sled_sync::flush`]: sled's flush
/// alone is a `sync_file_range`, which survives no power loss).
fn raw_insert_flush(
    dir: &Path,
    cache_bytes: u64,
    records: &[Vec<u8>],
    cap: Duration,
) -> anyhow::Result<Run> {
    let db = config(dir, cache_bytes).open()?;
    let files = std::sync::Mutex::new(SledFiles::open(dir)?);
    let tree = db.open_tree("raw.log")?;
    let mut latencies = Latencies::with_capacity(records.len());
    let start = Instant::now();
    for (i, bytes) in records.iter().enumerate() {
        if start.elapsed() >= cap {
            break;
        }
        let t = Instant::now();
        tree.insert((i as u64 + 1).to_be_bytes(), bytes.as_slice())?;
        sled_sync::flush(&db, Some(&files))?;
        latencies.record(t.elapsed());
    }
    Ok(Run {
        ops: latencies.len() as u64,
        elapsed: start.elapsed(),
        latencies,
    })
}

/// The floor under every durable append rate of the log: the writes it makes for its
/// commits (see the layout in `synergy_eventlog::sled_log`) — each commit's `s` entry
/// and one record per group of commits filled to [`GROUP_BYTES`] (the log's groups also
/// end with its batches, so it writes at least as many) — with the same keys and bytes,
/// one commit after another on one thread, for `writers` aggregates in turn as in the
/// group-commit phase, and no flush at all. The log's writes are serial (one batch at a
/// time), so no number of concurrent writers can take it past this rate.
fn writer_floor(
    dir: &Path,
    cache_bytes: u64,
    batches: &[Vec<Commit>],
    cap: Duration,
) -> anyhow::Result<Run> {
    let db = config(dir, cache_bytes).open()?;
    let tree = db.open_tree(LOG_TREE)?;
    let streams: Vec<(Vec<u8>, Vec<Commit>)> = batches
        .iter()
        .filter_map(|b| Some((stream_key(&b.first()?.stream), data::stamped_run(b))))
        .collect();
    let rounds = streams.iter().map(|(_, r)| r.len()).max().unwrap_or(0);
    let mut latencies = Latencies::with_capacity(rounds * streams.len());
    let mut position = 0u64;
    let mut group = CommitGroupBuilder::new();
    let mut index: Vec<(Vec<u8>, [u8; 24])> = Vec::new();
    let start = Instant::now();
    'rounds: for round in 0..rounds {
        for (stream, commits) in &streams {
            let Some(commit) = commits.get(round) else {
                continue;
            };
            if start.elapsed() >= cap {
                break 'rounds;
            }
            position += 1;
            let last = commit.last_version();
            let t = Instant::now();
            group.push(commit);
            let mut s = Vec::with_capacity(stream.len() + 9);
            s.push(b's');
            s.extend_from_slice(stream);
            s.extend_from_slice(&last.to_be_bytes());
            let mut value = [0; 24];
            value[..8].copy_from_slice(&position.to_be_bytes());
            value[8..].copy_from_slice(commit.commit_id.as_bytes());
            index.push((s, value));
            if group.encoded_len() >= GROUP_BYTES {
                write_group(&tree, &mut group, &mut index)?;
            }
            latencies.record(t.elapsed());
        }
    }
    write_group(&tree, &mut group, &mut index)?;
    Ok(Run {
        ops: latencies.len() as u64,
        elapsed: start.elapsed(),
        latencies,
    })
}

/// The stream key of the log's layout: `context \0 partnership \0 aggregate \0`.
fn stream_key(stream: &StreamId) -> Vec<u8> {
    let mut key = Vec::new();
    for part in [
        stream.context.as_str(),
        stream.partnership.as_str(),
        stream.aggregate.as_str(),
    ] {
        key.extend_from_slice(part.as_bytes());
        key.push(0);
    }
    key
}

/// Writes a group as the log does: its record under its first position, then its members'
/// `s` entries.
fn write_group(
    tree: &sled::Tree,
    group: &mut CommitGroupBuilder,
    index: &mut Vec<(Vec<u8>, [u8; 24])>,
) -> anyhow::Result<()> {
    let Some((_, value)) = index.first() else {
        return Ok(());
    };
    let first = &value[..8];
    match group.single() {
        Some(frame) => tree.insert(first, frame)?,
        None => tree.insert(first, group.finish())?,
    };
    group.clear();
    for (key, value) in index.drain(..) {
        tree.insert(key, &value[..])?;
    }
    Ok(())
}

/// Raw baseline of reading: scan the log tree up to `upto` and decode every record.
fn raw_scan_decode(db: &sled::Db, upto: u64) -> anyhow::Result<Read> {
    let tree = db.open_tree(LOG_TREE)?;
    let mut read = Read::default();
    let start = Instant::now();
    for entry in tree.range(..=upto.to_be_bytes()) {
        let (_, value) = entry?;
        read.bytes += value.len() as u64;
        // A group record holds one commit frame per member.
        let group = if is_commit_group(&value) {
            Some(CommitGroup::parse(&value).context("a group record in the raw scan")?)
        } else {
            None
        };
        let frames = group.map_or(1, |g| g.len());
        for i in 0..frames {
            let frame = match &group {
                Some(g) => g.member(i).context("a group member in the raw scan")?,
                None => &value[..],
            };
            let decoded =
                decode_commit(frame).context("decoding a stored commit in the raw scan")?;
            read.commits += 1;
            read.events += decoded.commit.events.len() as u64;
        }
    }
    read.elapsed = start.elapsed();
    if read.commits != upto {
        bail!(
            "the raw scan of sled tree {LOG_TREE:?} found {} records where the log holds {upto}; \
             has SledLog's layout changed?",
            read.commits
        );
    }
    Ok(read)
}

/// Drops a log off the async workers: dropping joins its writer thread.
async fn close(log: SledLog) {
    let _ = tokio::task::spawn_blocking(move || drop(log)).await;
}

pub async fn run(plan: &SledPlan) -> anyhow::Result<SledResults> {
    let root = tempfile::Builder::new()
        .prefix("synergy-bench-sled-")
        .tempdir()
        .context("creating a temporary directory for the sled databases")?;

    // Concurrent writers append to one log, which the read phase then reads.
    let shared_dir = root.path().join("log-shared");
    let db = config(&shared_dir, plan.cache_bytes).open()?;
    let log = SledLog::open_db_in(db.clone(), &shared_dir)?;
    let mut group = Run::default();
    let mut group_stats = SledStats::default();

    // One writer: the same commits (and so the same bytes) for the log and the raw run;
    // every round on fresh databases. Each round then runs the concurrent writers, so the
    // group-commit figure and its one-writer baseline alternate in rounds too.
    let single = data::commits(&data::stream("single", 0)?, plan.single_ops)?;
    let records = std::sync::Arc::new(data::stored_run(&single));
    let mut raw_single = Run::default();
    let mut log_single = Run::default();
    for round in 0..plan.rounds {
        eprintln!("sled: single-writer round {}/{}", round + 1, plan.rounds);
        for side in common::sides(round) {
            match side {
                Side::Raw => {
                    let dir = root.path().join(format!("raw-single-{round}"));
                    let (d, recs, cache, cap) = (
                        dir.clone(),
                        records.clone(),
                        plan.cache_bytes,
                        plan.single_cap,
                    );
                    raw_single.absorb(
                        tokio::task::spawn_blocking(move || {
                            raw_insert_flush(&d, cache, &recs, cap)
                        })
                        .await??,
                    );
                    std::fs::remove_dir_all(&dir)?;
                }
                Side::Log => {
                    let dir = root.path().join(format!("log-single-{round}"));
                    let log = SledLog::open_with(config(&dir, plan.cache_bytes))?;
                    log_single.absorb(common::one_writer(&log, &single, plan.single_cap).await?);
                    close(log).await;
                    std::fs::remove_dir_all(&dir)?;
                }
            }
        }
        eprintln!(
            "sled: {} concurrent writers, round {}/{}",
            plan.writers,
            round + 1,
            plan.rounds
        );
        let batches = common::batches(
            &format!("group{round}"),
            plan.writers,
            plan.group_per_writer,
        )?;
        let before = log.stats();
        group.absorb(common::concurrent_writers(&log, batches, plan.group_cap).await?);
        let after = log.stats();
        group_stats.commits_written += after.commits_written - before.commits_written;
        group_stats.records_written += after.records_written - before.records_written;
        group_stats.flushes += after.flushes - before.flushes;
    }
    drop(single);

    // The writer floor, on fresh databases; informative, no target.
    let mut writer_floor_run = Run::default();
    for round in 0..plan.rounds {
        eprintln!("sled: writer floor round {}/{}", round + 1, plan.rounds);
        let dir = root.path().join(format!("floor-{round}"));
        let batches = common::batches(
            &format!("floor{round}"),
            plan.writers,
            plan.group_per_writer,
        )?;
        let (d, cache, cap) = (dir.clone(), plan.cache_bytes, plan.single_cap);
        writer_floor_run.absorb(
            tokio::task::spawn_blocking(move || writer_floor(&d, cache, &batches, cap)).await??,
        );
        std::fs::remove_dir_all(&dir)?;
    }

    let sizes = common::ReadSizes {
        commits: plan.read_commits,
        fill_writers: plan.fill_writers,
        fill_cap: plan.fill_cap,
        rounds: plan.read_rounds,
    };
    let read = common::read_phase(&log, "sled", "sled: filling the log", sizes, |upto| {
        let scan_db = db.clone();
        async move { tokio::task::spawn_blocking(move || raw_scan_decode(&scan_db, upto)).await? }
    })
    .await?;
    let (raw_read, log_read, upto) = (read.raw, read.log, read.upto);
    let stored_bytes = raw_read.bytes / plan.read_rounds.max(1) as u64;
    close(log).await;
    drop(db);
    drop(root);
    Ok(SledResults {
        raw_single,
        log_single,
        writer_floor: writer_floor_run,
        group,
        group_stats,
        raw_read,
        log_read,
        memory: read.memory,
        read_commits: upto,
        stored_bytes,
    })
}
