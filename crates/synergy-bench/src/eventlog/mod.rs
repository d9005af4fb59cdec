//! `synergy-bench eventlog`: each event log backend beside a raw baseline doing the same
//! work with the same bytes, measured in the same run on the same machine.

pub mod common;
pub mod data;
pub mod jetstream;
pub mod sled;

use std::time::Duration;

use serde_json::json;

use crate::measure::Latencies;
use crate::report::{Comparison, LatencyRow, MemoryRow, Report};
use jetstream::{JsPlan, JsResults};
use sled::{SledPlan, SledResults};

/// Which backends a run measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backends {
    All,
    Sled,
    JetStream,
}

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub quick: bool,
    pub backends: Backends,
}

/// Writers in the concurrent phases: the 64 for sled's group commit, and the same
/// number of appends in flight for JetStream and its raw baseline.
pub const WRITERS: usize = 64;
/// The read phase of a full run goes through this many commits (one event each).
pub const FULL_READ: u64 = 1_000_000;
/// A quick run reads through fewer, to stay within its time budget.
pub const QUICK_READ: u64 = 100_000;
/// sled page cache of every database the bench opens, so the memory phase shows what a
/// reader costs and not how much of the data sled caches.
pub const SLED_CACHE: u64 = 64 << 20;

pub fn sled_plan(quick: bool) -> SledPlan {
    if quick {
        SledPlan {
            rounds: 4,
            single_ops: 1_500,
            single_cap: Duration::from_secs(4),
            writers: WRITERS,
            group_per_writer: 300,
            group_cap: Duration::from_secs(10),
            read_commits: QUICK_READ,
            fill_writers: 256,
            fill_cap: Duration::from_secs(30),
            read_rounds: 4,
            cache_bytes: SLED_CACHE,
        }
    } else {
        SledPlan {
            rounds: 4,
            single_ops: 5_000,
            single_cap: Duration::from_secs(20),
            writers: WRITERS,
            group_per_writer: 2_000,
            group_cap: Duration::from_secs(60),
            read_commits: FULL_READ,
            fill_writers: 256,
            fill_cap: Duration::from_secs(300),
            read_rounds: 3,
            cache_bytes: SLED_CACHE,
        }
    }
}

pub fn js_plan(quick: bool) -> JsPlan {
    if quick {
        JsPlan {
            rounds: 4,
            single_ops: 500,
            single_cap: Duration::from_secs(3),
            depth: WRITERS,
            per_writer: 250,
            pipelined_cap: Duration::from_secs(10),
            read_commits: QUICK_READ,
            fill_writers: 256,
            fill_cap: Duration::from_secs(25),
            read_rounds: 4,
        }
    } else {
        JsPlan {
            rounds: 4,
            single_ops: 2_000,
            single_cap: Duration::from_secs(10),
            depth: WRITERS,
            per_writer: 1_500,
            pipelined_cap: Duration::from_secs(60),
            read_commits: FULL_READ,
            fill_writers: 256,
            fill_cap: Duration::from_secs(300),
            read_rounds: 3,
        }
    }
}

pub async fn run(options: Options) -> anyhow::Result<Report> {
    let mut report = Report {
        bench: "eventlog",
        quick: options.quick,
        ..Report::default()
    };
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    report.facts.insert("cores".into(), json!(cores));
    report.facts.insert("commits_carry_events".into(), json!(1));
    report.notes.push(format!(
        "figures are noisy: the machine ({cores} cores) is shared with other builds; \
         each backend and its baseline alternate in rounds so noise hits both alike"
    ));
    if matches!(options.backends, Backends::All | Backends::Sled) {
        let plan = sled_plan(options.quick);
        let results = sled::run(&plan).await?;
        add_sled(&mut report, &plan, &results);
    }
    if matches!(options.backends, Backends::All | Backends::JetStream) {
        let plan = js_plan(options.quick);
        let results = jetstream::run(&plan).await?;
        add_js(&mut report, &plan, &results);
    }
    if options.quick {
        report.notes.push(format!(
            "--quick reads and measures memory through {QUICK_READ} events, not 1,000,000; \
             run without --quick for the full count"
        ));
    }
    Ok(report)
}

fn latency_row(
    key: &'static str,
    label: &str,
    figure: &Latencies,
    baseline: Option<&Latencies>,
    p99_ceiling_ms: Option<f64>,
) -> Option<LatencyRow> {
    Some(LatencyRow {
        key,
        label: label.to_owned(),
        figure: figure.summary()?,
        baseline: baseline.and_then(Latencies::summary),
        p99_ceiling_ms,
    })
}

fn add_sled(report: &mut Report, plan: &SledPlan, r: &SledResults) {
    let raw_one = r.raw_single.rate();
    report.comparisons.extend([
        Comparison {
            key: "sled_append",
            label: "sled durable appends, 1 writer".into(),
            unit: "commits/s",
            figure: r.log_single.rate(),
            baseline_label: "raw insert+flush+fdatasync, 1 writer".into(),
            baseline: raw_one,
            target: Some(0.8),
        },
        Comparison {
            key: "sled_group_commit",
            label: format!("sled durable appends, {} writers", plan.writers),
            unit: "commits/s",
            figure: r.group.rate(),
            baseline_label: "raw insert+flush+fdatasync, 1 writer".into(),
            baseline: raw_one,
            target: Some(10.0),
        },
        Comparison {
            key: "sled_writer_floor",
            label: "floor: the log's writes, no fsync".into(),
            unit: "commits/s",
            figure: r.writer_floor.rate(),
            baseline_label: "raw insert+flush+fdatasync, 1 writer".into(),
            baseline: raw_one,
            target: None,
        },
        Comparison {
            key: "sled_read",
            label: "sled subscribe from 0".into(),
            unit: "events/s",
            figure: r.log_read.events_per_s(),
            baseline_label: "raw scan + decode_commit".into(),
            baseline: r.raw_read.events_per_s(),
            target: Some(0.8),
        },
    ]);
    report.latencies.extend(
        [
            latency_row(
                "sled_append",
                "sled append, 1 writer",
                &r.log_single.latencies,
                Some(&r.raw_single.latencies),
                Some(2.0),
            ),
            latency_row(
                "sled_group_commit",
                &format!("sled append, {} writers", plan.writers),
                &r.group.latencies,
                None,
                None,
            ),
        ]
        .into_iter()
        .flatten(),
    );
    report.memory.push(MemoryRow {
        key: "sled_subscribe",
        label: "sled subscribe from 0".into(),
        events: r.read_commits,
        stored_bytes: r.stored_bytes,
        trace: r.memory.clone(),
    });
    let per_flush = if r.group_stats.flushes > 0 {
        r.group_stats.commits_written as f64 / r.group_stats.flushes as f64
    } else {
        0.0
    };
    let per_record = if r.group_stats.records_written > 0 {
        r.group_stats.commits_written as f64 / r.group_stats.records_written as f64
    } else {
        0.0
    };
    report.facts.insert(
        "sled".into(),
        json!({
            "single_writer_appends": r.log_single.ops,
            "raw_single_writer_writes": r.raw_single.ops,
            "writer_floor_commits": r.writer_floor.ops,
            "rounds": plan.rounds,
            "concurrent_writers": plan.writers,
            "concurrent_appends": r.group.ops,
            "group_commit_flushes": r.group_stats.flushes,
            "commits_per_flush": (per_flush * 10.0).round() / 10.0,
            "commits_per_record": (per_record * 10.0).round() / 10.0,
            "read_commits": r.read_commits,
            "read_rounds": plan.read_rounds,
            "avg_commit_bytes": r.stored_bytes.checked_div(r.read_commits).unwrap_or(0),
            "cache_capacity_mib": plan.cache_bytes >> 20,
        }),
    );
    report.notes.push(format!(
        "sled group commit: {} appends by {} writers took {} flushes (each sled flush, then fdatasync) ({per_flush:.1} commits per flush) and {} log records ({per_record:.1} commits per record)",
        r.group_stats.commits_written, plan.writers, r.group_stats.flushes, r.group_stats.records_written
    ));
    report.notes.push(
        "sled writer floor: the writes the log makes for its commits (each commit's s-entry \
         insert, one record per group of commits filled to 4 KiB), \
         same keys and bytes, one thread, never flushed; the log writes one batch at a time, \
         so its group-commit rate cannot pass this on the same machine (its ratio is a \
         ceiling for sled_group_commit's)"
            .into(),
    );
    report.notes.push(format!(
        "every sled database (log and raw) runs with a {} MiB page cache",
        plan.cache_bytes >> 20
    ));
}

fn add_js(report: &mut Report, plan: &JsPlan, r: &JsResults) {
    report.comparisons.extend([
        Comparison {
            key: "js_append",
            label: format!("JetStream appends, {} in flight", plan.depth),
            unit: "commits/s",
            figure: r.log_pipelined.rate(),
            baseline_label: format!("raw publish+headers, {} in flight", plan.depth),
            baseline: r.raw_pipelined.rate(),
            target: Some(0.8),
        },
        Comparison {
            key: "js_append_one_writer",
            label: "JetStream appends, 1 writer".into(),
            unit: "commits/s",
            figure: r.log_single.rate(),
            baseline_label: "raw publish+headers, 1 in flight".into(),
            baseline: r.raw_single.rate(),
            target: None,
        },
        Comparison {
            key: "js_read",
            label: "JetStream subscribe from 0".into(),
            unit: "events/s",
            figure: r.log_read.events_per_s(),
            baseline_label: "raw pull consumer + decode_commit".into(),
            baseline: r.raw_read.events_per_s(),
            target: Some(0.8),
        },
    ]);
    report.latencies.extend(
        [
            latency_row(
                "js_append_one_writer",
                "JetStream append, 1 writer",
                &r.log_single.latencies,
                Some(&r.raw_single.latencies),
                None,
            ),
            latency_row(
                "js_append",
                &format!("JetStream append, {} in flight", plan.depth),
                &r.log_pipelined.latencies,
                Some(&r.raw_pipelined.latencies),
                None,
            ),
        ]
        .into_iter()
        .flatten(),
    );
    report.memory.push(MemoryRow {
        key: "js_subscribe",
        label: "JetStream subscribe from 0 (client side)".into(),
        events: r.read_commits,
        stored_bytes: r.stored_bytes,
        trace: r.memory.clone(),
    });
    report.facts.insert(
        "jetstream".into(),
        json!({
            "nats_server": synergy_testkit::PINNED_NATS_SERVER,
            "storage": "file",
            "depth": plan.depth,
            "rounds": plan.rounds,
            "pipelined_appends": r.log_pipelined.ops,
            "raw_pipelined_publishes": r.raw_pipelined.ops,
            "single_writer_appends": r.log_single.ops,
            "read_commits": r.read_commits,
            "read_rounds": plan.read_rounds,
            "avg_commit_bytes": r.stored_bytes.checked_div(r.read_commits).unwrap_or(0),
        }),
    );
}
