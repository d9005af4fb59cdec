//! `synergy-bench alerts`: ten years of a partnership's monthly market data, its read
//! models rebuilt from 0 and its alerts recorded by the scheduler's pass; the alerts
//! raised are counted against the distinct (period, rule, subject) that fire — they must be
//! equal — and a second rebuild must record none. The judgement is timed beside the fold
//! of the same history (the raw baseline: what a rebuild costs before anything is judged).
//!
//! The history is generated, deterministic: two SKUs of two brands in a market of 100,000
//! cases, signed before its first month; a share that dips every few months, retail prices
//! and stocks now and then past the default rules, and months submitted late or never.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context as _, ensure};
use serde_json::json;
use synergy_changzhi::{CATALOGUE, CommitBuilder};
use synergy_evaluation::alerts;
use synergy_evaluation::model::PartnershipModel;
use synergy_eventlog::{EventLog, ExpectedVersion, Filter, SledLog};
use synergy_proto::events::EvaluationEvent;
use synergy_proto::events::InformationEvent;
use synergy_proto::events::information::{MarketTotals, SkuLine};
use synergy_proto::{
    AggregateId, Cases, Commit, Context, Date, Event, OrgId, PartnershipId, Side, Timestamp,
    YearMonth, Yuan,
};
use synergy_runtime::projection::ProjectionStore;
use synergy_runtime::{Local, ManualClock, schedule};

use crate::evaluation::sled_config;
use crate::measure::{Latencies, millis};
use crate::report::{LatencyRow, Report};

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub quick: bool,
}

/// Years of monthly history.
pub const YEARS: i32 = 10;
const FIRST_YEAR: i32 = 2007;

/// A small deterministic generator (SplitMix64), so every run judges the same history.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn whole_cases(n: i64) -> anyhow::Result<Cases> {
    Cases::from_whole(n).context("a generated volume")
}

/// The history as commits, in order.
pub fn history(partnership: &PartnershipId) -> anyhow::Result<Vec<Commit>> {
    let mut b = CommitBuilder::of(
        partnership.clone(),
        OrgId::new(synergy_changzhi::MANUFACTURER)?,
        OrgId::new(synergy_changzhi::DISTRIBUTOR)?,
        "bench-alerts",
        7,
    );
    let signed_on = Date::new(FIRST_YEAR - 1, 12, 1)?;
    let mut out = Vec::new();
    // The first SKU of each brand.
    let skus: Vec<_> = ["hongyun", "yunyan"]
        .iter()
        .filter_map(|brand| CATALOGUE.iter().find(|r| r.brand == *brand))
        .collect();
    for row in &skus {
        out.push(b.commit(
            Context::Brand,
            AggregateId::compose("sku", row.sku),
            Side::Manufacturer,
            signed_on,
            vec![row.registration().into()],
        ));
    }
    out.push(b.signing("bench".to_owned(), signed_on));
    let mut mix = Mix(0x5EED);
    let mut month = YearMonth::new(FIRST_YEAR, 1)?;
    let last = YearMonth::new(FIRST_YEAR + YEARS - 1, 12)?;
    while month <= last {
        let next = month.next().context("a month after")?;
        // One month in 24 never comes; one in 8 comes on the 15th, after its deadline.
        let roll = mix.below(24);
        if roll != 0 {
            let day = if roll < 3 { 15 } else { 5 };
            let submitted_on = Date::new(next.year(), next.month(), day)?;
            let mut lines = Vec::new();
            for row in &skus {
                // Usually 20,000–20,400 cases of 100,000; one month in 6 about 2.5 points less.
                let dip = if mix.below(6) == 0 { 2_500 } else { 0 };
                let volume = 20_000 + i64::try_from(mix.below(400))? - dip;
                // One month in 10 a stock of 2 months' sales; one in 12 a price 10 % up.
                let stock = if mix.below(10) == 0 {
                    2 * volume
                } else {
                    volume / 2
                };
                let index = if mix.below(12) == 0 { 110 } else { 100 };
                lines.push(SkuLine {
                    sku: row.sku.parse()?,
                    volume: whole_cases(volume)?,
                    revenue: Yuan::from_whole(volume * row.guide_price_fen / 100)
                        .context("a generated revenue")?,
                    closing_stock: whole_cases(stock)?,
                    outlets_stocking: 900,
                    outlets_selling: 800,
                    avg_retail_price: Yuan::from_units(row.guide_price_fen * index / 100),
                });
            }
            out.push(b.commit(
                Context::Information,
                AggregateId::compose("market", &month.to_string()),
                Side::Distributor,
                submitted_on,
                vec![
                    InformationEvent::MarketDataSubmitted {
                        month,
                        revision: 1,
                        lines,
                        market: MarketTotals {
                            volume: whole_cases(100_000 * skus.len() as i64)?,
                            revenue: Yuan::from_whole(30_000_000)
                                .context("a generated revenue")?,
                            active_outlets: 2_000,
                        },
                        submitted_on,
                    }
                    .into(),
                ],
            ));
        }
        month = next;
    }
    Ok(out)
}

/// Every alert event the log holds: (raised, cleared, reminders).
async fn counted(log: &SledLog) -> anyhow::Result<(usize, usize, usize)> {
    let mut n = (0, 0, 0);
    for stored in log.read_matching(Filter::ALL).await? {
        for e in &stored.commit.events {
            match &e.event {
                Event::Evaluation(EvaluationEvent::ExceptionRaised { .. }) => n.0 += 1,
                Event::Evaluation(EvaluationEvent::ExceptionCleared { .. }) => n.1 += 1,
                Event::Evaluation(EvaluationEvent::DataReminder { .. }) => n.2 += 1,
                _ => {}
            }
        }
    }
    Ok(n)
}

pub async fn run(options: Options) -> anyhow::Result<Report> {
    let samples = if options.quick { 20 } else { 100 };
    let dir = tempfile::tempdir()?;
    let partnership = PartnershipId::new("bench-alerts")?;
    let commits = history(&partnership)?;
    let log = Arc::new(SledLog::open_with(sled_config(&dir.path().join("log")))?);
    let events: usize = commits.iter().map(|c| c.events.len()).sum();
    let commit_count = commits.len();
    for c in commits.iter().cloned() {
        log.append(ExpectedVersion::Exact(c.first_version - 1), c)
            .await
            .context("appending the generated history")?;
    }
    // The 20th of the month after the last: every month past its deadline.
    let now = Timestamp::from_millis(
        Date::new(FIRST_YEAR + YEARS, 1, 20)?.start().millis() + 4 * 3_600_000,
    );
    let clock = Arc::new(ManualClock::new(now));
    let open_views = |name: &str| {
        ProjectionStore::open_with(sled_config(&dir.path().join(name)))
            .context("opening the read-model store")
    };

    // Rebuild 1: the models folded from 0, then the scheduler's pass records the alerts.
    let first = Local::new(
        Arc::clone(&log),
        Arc::new(open_views("views-1")?),
        Arc::clone(&clock) as _,
    );
    let started = Instant::now();
    let tick = schedule::Scheduler::default().tick(&first).await?;
    let pass = started.elapsed();
    ensure!(tick.alerts.len() == 1, "one record-alerts command");
    let model: Arc<PartnershipModel> = first
        .views()
        .model(&partnership)?
        .context("the partnership's model")?;
    let today = now.date_in(model.time_zone());
    let firing = alerts::firing(&model, today);
    let (raised, cleared, reminders) = counted(&log).await?;
    ensure!(
        raised == firing.len() && cleared == 0,
        "{raised} raised and {cleared} cleared for {} firing",
        firing.len()
    );

    // Rebuild 2: other read models, folded from 0 again: nothing more is recorded.
    let second = Local::new(
        Arc::clone(&log),
        Arc::new(open_views("views-2")?),
        Arc::clone(&clock) as _,
    );
    let tick = schedule::Scheduler::default().tick(&second).await?;
    ensure!(tick.alerts.is_empty(), "the second rebuild recorded alerts");
    ensure!(counted(&log).await? == (raised, cleared, reminders));

    // The judgement alone, beside the fold of the same history into a model.
    let (mut judge, mut fold) = (
        Latencies::with_capacity(samples),
        Latencies::with_capacity(samples),
    );
    let state = alerts::AlertState::default();
    for _ in 0..samples {
        let t = Instant::now();
        let judged = alerts::judge(&state, &model, today);
        judge.record(t.elapsed());
        ensure!(judged.len() >= raised);
        let t = Instant::now();
        let mut folded = PartnershipModel::new(partnership.clone());
        for c in &commits {
            folded.apply(c);
        }
        fold.record(t.elapsed());
        ensure!(folded.months.len() == model.months.len());
    }
    let (j, f) = (
        judge.summary().context("no samples")?,
        fold.summary().context("no samples")?,
    );
    let mut by_rule = serde_json::Map::new();
    for key in firing.keys() {
        let n = by_rule.entry(key.rule.clone()).or_insert(json!(0));
        *n = json!(n.as_u64().unwrap_or(0) + 1);
    }
    let mut report = Report {
        bench: "alerts",
        quick: options.quick,
        ..Report::default()
    };
    report.latencies.push(LatencyRow {
        key: "judgement",
        label: format!(
            "judging {} months of a {YEARS}-year partnership",
            alerts::judged_months(&model, today).len()
        ),
        figure: j,
        baseline: Some(f),
        p99_ceiling_ms: None,
    });
    let facts = [
        ("years", json!(YEARS)),
        ("commits", json!(commit_count)),
        ("events", json!(events)),
        ("firing", json!(firing.len())),
        ("raised", json!(raised)),
        ("cleared", json!(cleared)),
        ("reminders", json!(reminders)),
        ("raised_on_second_rebuild", json!(0)),
        ("firing_by_rule", serde_json::Value::Object(by_rule)),
        ("first_pass_ms", json!(millis(pass))),
    ];
    for (k, v) in facts {
        report.facts.insert(k.into(), v);
    }
    report.notes.push(format!(
        "the first pass folds the log from 0 into new read models, issues the reports due and records the alerts (one command); raised = distinct (period, rule, subject) firing, and a second rebuild into other read models records none; the judgement (alerts::judge on the model, no alert open) is timed beside folding the same {commit_count} commits into a model, {samples} samples each"
    ));
    Ok(report)
}
