//! `synergy-bench portfolio`: how long a manufacturer with 300 partnerships waits for its
//! portfolio (`docs/portfolio.md`), beside the raw cost of reading the same 300 read
//! models from the same store in the same run.
//!
//! The partnerships are the evaluation bench's generated histories ([`data`]): six years
//! of monthly market data, forecasts, orders, plans and meetings each, all of one
//! manufacturer.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use serde_json::json;
use synergy_eventlog::SledLog;
use synergy_proto::{OrgId, Period};
use synergy_runtime::projection::ProjectionStore;
use synergy_runtime::{Api, Local, PortfolioRequest, SystemClock};

use crate::evaluation::data::{self, Density};
use crate::evaluation::{generate, sled_config};
use crate::measure::{Latencies, millis};
use crate::report::{Comparison, LatencyRow, Report};

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub quick: bool,
}

/// The partnerships of the one manufacturer.
pub const PARTNERSHIPS: usize = 300;
/// The ceiling for the portfolio's p99.
const P99_CEILING_MS: f64 = 50.0;

/// The raw baseline: every partnership's read model looked up in the store, as the
/// portfolio does before it computes anything.
fn read_models(store: &ProjectionStore) -> anyhow::Result<usize> {
    let mut n = 0;
    for id in store.partnerships()? {
        if store.model(&id)?.is_some() {
            n += 1;
        }
    }
    Ok(n)
}

pub async fn run(options: Options) -> anyhow::Result<Report> {
    let samples = if options.quick { 100 } else { 500 };
    let dir = tempfile::tempdir()?;
    let density = Density {
        partnerships: PARTNERSHIPS,
        corrections_per_month: 0,
        total_events: data::structural_events(Density {
            partnerships: 1,
            corrections_per_month: 0,
            total_events: 0,
        })? * PARTNERSHIPS as u64,
    };
    eprintln!(
        "portfolio: generating {PARTNERSHIPS} partnerships ({} events)",
        density.total_events
    );
    let log = Arc::new(SledLog::open_with(sled_config(&dir.path().join("log")))?);
    let started = Instant::now();
    let (commits, events) = generate(&log, density).await?;
    let generation = started.elapsed();
    let store = Arc::new(
        ProjectionStore::open_with(sled_config(&dir.path().join("views")))
            .context("opening the read-model store")?,
    );
    let api = Local::new(Arc::clone(&log), Arc::clone(&store), Arc::new(SystemClock));
    let request = PortfolioRequest {
        org: OrgId::new(synergy_changzhi::MANUFACTURER)?,
        side: None,
        period: "2008-H1".parse::<Period>()?,
        rank_by: "volume_share_pct".into(),
        after: None,
    };
    // The first call folds the whole log into the models; then they are in the store's
    // cache, as on a running service.
    let started = Instant::now();
    let first = api.portfolio(request.clone()).await?;
    let fold = started.elapsed();
    let answer: serde_json::Value = serde_json::from_str(&first)?;
    let rows = answer["partnerships"].as_array().map_or(0, Vec::len);
    ensure!(
        rows == PARTNERSHIPS,
        "the portfolio holds {rows} partnerships"
    );
    ensure!(read_models(&store)? == PARTNERSHIPS);

    let (mut portfolio, mut raw) = (
        Latencies::with_capacity(samples),
        Latencies::with_capacity(samples),
    );
    for i in 0..samples + samples / 10 {
        // Alternated call by call, so noise from other processes hits both alike.
        let t = Instant::now();
        let json = api.portfolio(request.clone()).await?;
        let p = t.elapsed();
        let t = Instant::now();
        let n = read_models(&store)?;
        let r = t.elapsed();
        ensure!(json.len() > 1_000 && n == PARTNERSHIPS);
        // The first tenth warms up.
        if i >= samples / 10 {
            portfolio.record(p);
            raw.record(r);
        }
    }
    let (p, r) = (
        portfolio.summary().context("no samples")?,
        raw.summary().context("no samples")?,
    );
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let mut report = Report {
        bench: "portfolio",
        quick: options.quick,
        ..Report::default()
    };
    report.latencies.push(LatencyRow {
        key: "portfolio",
        label: format!(
            "portfolio of a manufacturer with {PARTNERSHIPS} partnerships (2008-H1, JSON)"
        ),
        figure: p,
        baseline: Some(r),
        p99_ceiling_ms: Some(P99_CEILING_MS),
    });
    report.comparisons.push(Comparison {
        key: "portfolio_p99_over_raw_read",
        label: "portfolio p99".into(),
        unit: "µs",
        figure: us(p.p99),
        baseline_label: format!("reading the {PARTNERSHIPS} read models p99"),
        baseline: us(r.p99),
        target: None,
    });
    report
        .facts
        .insert("partnerships".into(), json!(PARTNERSHIPS));
    report.facts.insert("events".into(), json!(events));
    report.facts.insert("commits".into(), json!(commits));
    report
        .facts
        .insert("generation_ms".into(), json!(millis(generation)));
    report
        .facts
        .insert("first_call_with_fold_ms".into(), json!(millis(fold)));
    report
        .facts
        .insert("answer_bytes".into(), json!(first.len()));
    report.notes.push(format!(
        "portfolio latency is Local::portfolio end to end (catch-up check, {PARTNERSHIPS} models, KPIs of each, ranking, totals, JSON); the raw baseline looks the same {PARTNERSHIPS} models up in the read-model store (cached, as on a running service), alternating call by call; {samples} samples after {} warm-up calls",
        samples / 10
    ));
    Ok(report)
}
