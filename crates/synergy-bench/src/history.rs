//! `synergy-bench history`: what one more command costs on a stream with a long history.
//!
//! A campaign holds N retail price checks (the manufacturer records one per outlet it
//! visits: a year of monthly checks at 5,000 outlets is 60,000). One more check is timed
//! through the executor that keeps stream states between commands (the product), through
//! one that keeps none and folds the campaign's whole history each time (what every
//! command did before states were kept), and beside the raw baseline: a bare
//! `SledLog::append` of the same commit, with no decision at all. And after a restart: a
//! fresh executor for each command (nothing kept in memory), which restores the campaign
//! from its latest snapshot (saved every `snapshot::DEFAULT_INTERVAL` events) and folds
//! only the events after it.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use serde_json::json;
use synergy_domain::Principal;
use synergy_eventlog::{EventLog, ExpectedVersion, SledLog, SledSnapshots};
use synergy_proto::{CampaignId, Commit, Date, PartnershipId};
use synergy_runtime::snapshot::{self, Snapshots};
use synergy_runtime::{AnyCommand, Executor, ManualClock, Request};

use crate::measure::{Latencies, LatencySummary, millis};
use crate::report::{Comparison, LatencyRow, Report};

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub quick: bool,
}

struct World {
    log: Arc<SledLog>,
    /// The snapshot store beside the log, as `synergy up` keeps one.
    snapshots: Arc<SledSnapshots>,
    clock: Arc<ManualClock>,
    p: PartnershipId,
    campaign: CampaignId,
    manufacturer: Principal,
    checks: usize,
}

fn check(w: &World, n: usize) -> anyhow::Result<AnyCommand> {
    crate::commands::check(&w.p, &w.campaign, n)
}

/// A signed partnership with a catalogue and a launched campaign, in a fresh log.
async fn world(dir: &std::path::Path) -> anyhow::Result<World> {
    let log = Arc::new(SledLog::open(dir.join("log"))?);
    let snapshots = Arc::new(SledSnapshots::open(dir.join("snapshots"))?);
    let clock = Arc::new(ManualClock::new("2008-06-12".parse::<Date>()?.start()));
    let exec = Executor::new(Arc::clone(&log), clock.clone());
    let (p, campaigns, manufacturer) =
        crate::commands::launched_campaigns(&exec, &["summer-2008".to_owned()]).await?;
    let campaign = campaigns.into_iter().next().context("one campaign")?;
    Ok(World {
        log,
        snapshots,
        clock,
        p,
        campaign,
        manufacturer,
        checks: 0,
    })
}

/// An executor as a process has it: states kept, snapshots saved at the default interval.
fn process(w: &World) -> Executor<SledLog> {
    let snapshots = Snapshots::new(w.snapshots.clone(), snapshot::DEFAULT_INTERVAL);
    Executor::new(Arc::clone(&w.log), w.clock.clone()).with_snapshots(Arc::new(snapshots))
}

/// Adds price checks through an executor that keeps states, up to `n` in all.
async fn grow(w: &mut World, n: usize) -> anyhow::Result<()> {
    let exec = process(w);
    while w.checks < n {
        let command = check(w, w.checks)?;
        exec.execute(Request::new(w.manufacturer.clone(), command))
            .await
            .context("adding a price check")?;
        w.checks += 1;
    }
    Ok(())
}

/// `samples` more checks through `exec`, timed one by one.
async fn time(
    w: &mut World,
    exec: &Executor<SledLog>,
    samples: usize,
) -> anyhow::Result<LatencySummary> {
    let mut lat = Latencies::with_capacity(samples);
    for _ in 0..samples {
        let command = check(w, w.checks)?;
        let started = Instant::now();
        exec.execute(Request::new(w.manufacturer.clone(), command))
            .await
            .context("a timed price check")?;
        lat.record(started.elapsed());
        w.checks += 1;
    }
    lat.summary().context("no samples")
}

/// `samples` more checks, each through a fresh process's executor (nothing kept): the
/// campaign restored from its snapshot, the events after it folded on.
async fn restarted(w: &mut World, samples: usize) -> anyhow::Result<LatencySummary> {
    let mut lat = Latencies::with_capacity(samples);
    for _ in 0..samples {
        let command = check(w, w.checks)?;
        let exec = process(w);
        let started = Instant::now();
        exec.execute(Request::new(w.manufacturer.clone(), command))
            .await
            .context("a check after a restart")?;
        lat.record(started.elapsed());
        w.checks += 1;
    }
    lat.summary().context("no samples")
}

/// The same commits appended bare, at the stream's next versions.
async fn raw(w: &mut World, samples: usize) -> anyhow::Result<LatencySummary> {
    let stream = synergy_marketing::campaign_stream(&w.p, &w.campaign);
    let last = w.log.load_aggregate(&stream, 1).await?.version;
    let template = w.log.read_aggregate(&stream, last).await?;
    let template = template
        .last()
        .context("the campaign has commits")?
        .commit
        .clone();
    let mut lat = Latencies::with_capacity(samples);
    for i in 0..samples as u64 {
        let version = last + i;
        let commit = Commit {
            commit_id: synergy_proto::Uuid::now_v7(),
            first_version: version + 1,
            ..template.clone()
        };
        let started = Instant::now();
        w.log
            .append(ExpectedVersion::Exact(version), commit)
            .await?;
        lat.record(started.elapsed());
    }
    lat.summary().context("no samples")
}

fn ms(s: LatencySummary) -> f64 {
    millis(s.p50)
}

pub async fn run(options: Options) -> anyhow::Result<Report> {
    let sizes: &[usize] = if options.quick {
        &[100, 1_000, 10_000]
    } else {
        &[100, 1_000, 10_000, 100_000]
    };
    let samples = if options.quick { 50 } else { 200 };
    let dir = tempfile::tempdir()?;
    let mut w = world(dir.path()).await?;
    let mut report = Report {
        bench: "history",
        quick: options.quick,
        ..Report::default()
    };
    let mut smallest: Option<LatencySummary> = None;
    for &n in sizes {
        grow(&mut w, n).await?;
        // Warmed by one command, as a running process is.
        let kept = process(&w);
        time(&mut w, &kept, 1).await?;
        let with_states = time(&mut w, &kept, samples).await?;
        let full = Executor::new(Arc::clone(&w.log), w.clock.clone()).with_kept_states(0);
        // The full fold costs O(history): fewer samples of it at the largest sizes.
        let full_samples = if n >= 10_000 { samples / 4 } else { samples };
        let folding = time(&mut w, &full, full_samples.max(10)).await?;
        let after_restart = restarted(&mut w, samples).await?;
        let bare = raw(&mut w, samples).await?;
        let size = synergy_evaluation::figure::group_thousands(&n.to_string());
        report.latencies.push(LatencyRow {
            key: "kept",
            label: format!("one more check, {size} in the campaign, states kept"),
            figure: with_states,
            baseline: Some(bare),
            p99_ceiling_ms: None,
        });
        report.latencies.push(LatencyRow {
            key: "restarted",
            label: format!("one more check, {size} in the campaign, after a restart (snapshot)"),
            figure: after_restart,
            baseline: Some(bare),
            p99_ceiling_ms: None,
        });
        report.latencies.push(LatencyRow {
            key: "full_fold",
            label: format!("one more check, {size} in the campaign, full fold"),
            figure: folding,
            baseline: Some(bare),
            p99_ceiling_ms: None,
        });
        // The target: one more command on a long history costs at most 1.5× the
        // same command on a short one (p99), i.e. short / long ≥ 0.67.
        let first = *smallest.get_or_insert(with_states);
        if n != sizes[0] {
            report.comparisons.push(Comparison {
                key: "kept_p99_short_over_long",
                label: format!("kept p99 at {} / at {size} (1.5x: 0.67)", sizes[0]),
                unit: "µs",
                figure: millis(first.p99) * 1e3,
                baseline_label: format!("kept p99 at {size}"),
                baseline: millis(with_states.p99) * 1e3,
                target: Some(1.0 / 1.5),
            });
        }
        report.comparisons.push(Comparison {
            key: "restarted_over_fresh",
            label: format!(
                "after a restart p50 at {size} / kept p50 at {} (the fresh aggregate)",
                sizes[0]
            ),
            unit: "µs",
            figure: ms(after_restart) * 1e3,
            baseline_label: format!("kept p50 at {}", sizes[0]),
            baseline: ms(first) * 1e3,
            target: None,
        });
        report.comparisons.push(Comparison {
            key: "full_fold_over_restarted",
            label: format!("full fold p50 / after a restart p50 at {size}"),
            unit: "µs",
            figure: ms(folding) * 1e3,
            baseline_label: "after a restart p50".into(),
            baseline: ms(after_restart) * 1e3,
            target: None,
        });
        report.comparisons.push(Comparison {
            key: "full_fold_over_kept",
            label: format!("full fold p50 / kept p50 at {size}"),
            unit: "µs",
            figure: ms(folding) * 1e3,
            baseline_label: "states kept p50".into(),
            baseline: ms(with_states) * 1e3,
            target: None,
        });
    }
    report.facts.insert("samples".into(), json!(samples));
    report.facts.insert(
        "snapshot_interval".into(),
        json!(snapshot::DEFAULT_INTERVAL),
    );
    report.facts.insert(
        "kept_capacity".into(),
        json!(synergy_runtime::kept::DEFAULT_CAPACITY),
    );
    report.notes.push(
        "raw baseline: SledLog::append of the same commit at the stream's next version, \
         no decision; the ratio is the full fold's time over the kept state's"
            .into(),
    );
    Ok(report)
}
