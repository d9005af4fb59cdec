//! `synergy-bench models`: what a read model's size costs the evaluation consumer.
//!
//! * **Accepted → read model reflects it**: a commit appended to the embedded log (the
//!   append returned: accepted) until the read-model store's position reaches it, with
//!   the consumer ([`projection::run`]) following the log — on a small model, on one with
//!   10 years × 200 SKUs of market data, and on one with 50,000 action items. Each live
//!   commit touches a little of its model: a correction of one month's data, one more
//!   action item.
//! * **Resident memory of many models**: the process's RSS after every one of
//!   [`PARTNERSHIPS`] partnerships' models was read through the store, beside the RSS
//!   before — what the store's model cache keeps resident.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use serde_json::json;
use synergy_changzhi::CommitBuilder;
use synergy_eventlog::{EventLog, ExpectedVersion, SledLog};
use synergy_proto::events::brand::PriceClass;
use synergy_proto::events::information::{MarketTotals, SkuLine};
use synergy_proto::events::{BrandEvent, InformationEvent, SupportEvent};
use synergy_proto::{
    ActionItemId, AggregateId, BrandId, Cases, Commit, Context, Date, Event, OrgId, PartnershipId,
    Side, SkuId, YearMonth, Yuan,
};
use synergy_runtime::projection::{self, ProjectionStore};
use tokio::sync::watch;

use crate::measure::{Latencies, LatencySummary, millis};
use crate::report::{LatencyRow, Report};

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub quick: bool,
    /// The store's model cache, in partnerships (`None`: the store's default).
    pub cache: Option<usize>,
}

/// Partnerships whose models are read for the memory figure.
pub const PARTNERSHIPS: usize = 300;
/// The ceiling for accepted → read model reflects it, p99.
const P99_CEILING_MS: f64 = 2.0;
/// The sled page cache of the benchmark's stores: small, so the memory figure is the
/// models' and not sled's.
const SLED_CACHE: u64 = 16 << 20;

/// The shape of one partnership's history.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape {
    pub(crate) skus: usize,
    pub(crate) months: usize,
    pub(crate) action_items: usize,
}

const SMALL: Shape = Shape {
    skus: 10,
    months: 12,
    action_items: 10,
};
const LONG: Shape = Shape {
    skus: 200,
    months: 120,
    action_items: 0,
};
const ITEMS: Shape = Shape {
    skus: 10,
    months: 12,
    action_items: 50_000,
};
/// Each of the [`PARTNERSHIPS`] of the memory figure: 5 years × 40 SKUs.
const MANY: Shape = Shape {
    skus: 40,
    months: 60,
    action_items: 40,
};

fn sled_config(dir: &std::path::Path) -> sled::Config {
    sled::Config::new().path(dir).cache_capacity(SLED_CACHE)
}

fn open_store(dir: &std::path::Path, cache: Option<usize>) -> anyhow::Result<ProjectionStore> {
    let store = ProjectionStore::open_with(sled_config(dir)).context("opening the store")?;
    if let Some(n) = cache {
        store.set_model_cache(n.try_into().context("a cache of 0 partnerships")?);
    }
    Ok(store)
}

pub(crate) fn first_month() -> YearMonth {
    YearMonth::new(2010, 1).expect("a month")
}

fn line(sku: usize, month: usize, revision: u32) -> anyhow::Result<SkuLine> {
    let volume = 100 + (sku as i64 * 7 + month as i64 * 3) % 400 + i64::from(revision);
    Ok(SkuLine {
        sku: sku_id(sku)?,
        volume: Cases::from_whole(volume).context("volume")?,
        revenue: Yuan::from_whole(volume * 1_200).context("revenue")?,
        closing_stock: Cases::from_whole(volume / 3).context("stock")?,
        outlets_stocking: 40,
        outlets_selling: 35,
        avg_retail_price: Yuan::from_whole(1_250).context("price")?,
    })
}

fn sku_id(sku: usize) -> anyhow::Result<SkuId> {
    Ok(SkuId::new(format!("sku-{sku:04}"))?)
}

/// Commits building one partnership's history of `shape`, and a builder for more.
pub(crate) struct Partnership {
    pub(crate) b: CommitBuilder,
    shape: Shape,
    /// Corrections issued so far of the last month, and action items raised.
    revision: u32,
    items: usize,
}

impl Partnership {
    pub(crate) fn new(n: usize, shape: Shape) -> anyhow::Result<Self> {
        let b = CommitBuilder::of(
            PartnershipId::new(format!("bench-models-{n:04}"))?,
            OrgId::new("hongyun")?,
            OrgId::new(format!("distributor-{n:04}"))?,
            "synergy-bench",
            u32::try_from(n)?,
        );
        Ok(Partnership {
            b,
            shape,
            revision: 1,
            items: 0,
        })
    }

    fn day(month: YearMonth, day: u8) -> anyhow::Result<Date> {
        Ok(Date::new(month.year(), month.month(), day)?)
    }

    pub(crate) fn history(&mut self) -> anyhow::Result<Vec<Commit>> {
        let start = first_month();
        let signed = Partnership::day(start, 1)?;
        let mut out = vec![self.b.signing("bench".into(), signed)];
        for sku in 0..self.shape.skus {
            let e = BrandEvent::SkuRegistered {
                brand: BrandId::new("hongyun")?,
                sku: sku_id(sku)?,
                name: format!("SKU {sku}"),
                price_class: PriceClass::new(3).context("class")?,
                guide_price: Yuan::from_whole(1_250).context("price")?,
            };
            out.push(self.b.commit(
                Context::Brand,
                AggregateId::compose("sku", &format!("sku-{sku:04}")),
                Side::Manufacturer,
                signed,
                vec![e.into()],
            ));
        }
        let mut month = start;
        for m in 0..self.shape.months {
            out.push(self.market_data(month, m, 1)?);
            month = month.next().context("month")?;
        }
        for chunk in (0..self.shape.action_items)
            .collect::<Vec<_>>()
            .chunks(1_000)
        {
            let events = chunk
                .iter()
                .map(|_| self.raise())
                .collect::<anyhow::Result<Vec<Event>>>()?;
            out.push(self.b.commit(
                Context::Support,
                AggregateId::compose("action", "bulk"),
                Side::Manufacturer,
                signed,
                events,
            ));
        }
        Ok(out)
    }

    fn market_data(&mut self, month: YearMonth, m: usize, revision: u32) -> anyhow::Result<Commit> {
        let lines = (0..self.shape.skus)
            .map(|s| line(s, m, revision))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let market = MarketTotals {
            volume: Cases::from_whole(1_000_000).context("volume")?,
            revenue: Yuan::from_whole(900_000_000).context("revenue")?,
            active_outlets: 400,
        };
        let submitted_on = Partnership::day(month.next().context("month")?, 8)?;
        let e = if revision == 1 {
            InformationEvent::MarketDataSubmitted {
                month,
                revision,
                lines,
                market,
                submitted_on,
            }
        } else {
            InformationEvent::MarketDataCorrected {
                month,
                revision,
                lines,
                market,
                submitted_on,
                reason: "stock count".into(),
            }
        };
        Ok(self.b.commit(
            Context::Information,
            AggregateId::compose("market", &month.to_string()),
            Side::Distributor,
            submitted_on,
            vec![e.into()],
        ))
    }

    fn raise(&mut self) -> anyhow::Result<Event> {
        self.items += 1;
        let on = Partnership::day(first_month(), 2)?;
        Ok(SupportEvent::ActionItemRaised {
            item: ActionItemId::new(format!("item-{:06}", self.items))?,
            title: format!("follow-up {}", self.items),
            owner: Side::Distributor,
            due_on: on.add_days(30)?,
            meeting: None,
            raised_on: on,
        }
        .into())
    }

    /// One live commit: a correction of the last month's data, or one more action item
    /// when the history is mostly action items.
    fn live(&mut self) -> anyhow::Result<Commit> {
        if self.shape.action_items > self.shape.skus * self.shape.months {
            let event = self.raise()?;
            let on = Partnership::day(first_month(), 2)?;
            return Ok(self.b.commit(
                Context::Support,
                AggregateId::compose("action", "bulk"),
                Side::Manufacturer,
                on,
                vec![event],
            ));
        }
        self.revision += 1;
        let m = self.shape.months - 1;
        let mut month = first_month();
        for _ in 0..m {
            month = month.next().context("month")?;
        }
        self.market_data(month, m, self.revision)
    }
}

pub(crate) async fn append(log: &SledLog, commits: Vec<Commit>) -> anyhow::Result<u64> {
    let mut last = 0;
    for c in commits {
        let expected = ExpectedVersion::Exact(c.first_version - 1);
        last = log.append(expected, c).await?.position.get();
    }
    Ok(last)
}

/// Accepted → read model reflects it, for one partnership of `shape`.
async fn reflect(
    shape: Shape,
    samples: usize,
    cache: Option<usize>,
) -> anyhow::Result<(LatencySummary, u64)> {
    let dir = tempfile::tempdir()?;
    let log = Arc::new(SledLog::open_with(sled_config(&dir.path().join("log")))?);
    let store = Arc::new(open_store(&dir.path().join("views"), cache)?);
    let mut p = Partnership::new(0, shape)?;
    append(&log, p.history()?).await?;
    projection::catch_up(&*log, &store).await?;
    let model_bytes = store
        .model(p.b.partnership())?
        .context("no model")?
        .to_bytes()?
        .len() as u64;
    let (stop, stopped) = watch::channel(false);
    let consumer = tokio::spawn(projection::run(
        Arc::clone(&log),
        Arc::clone(&store),
        stopped,
    ));
    let mut latencies = Latencies::with_capacity(samples);
    for i in 0..samples + samples / 10 {
        let commit = p.live()?;
        let position = append(&log, vec![commit]).await?;
        let accepted = Instant::now();
        ensure!(
            store
                .wait_for(
                    synergy_eventlog::Position(position),
                    Duration::from_secs(30)
                )
                .await,
            "the read model did not reflect commit {position}"
        );
        // The first tenth warms up.
        if i >= samples / 10 {
            latencies.record(accepted.elapsed());
        }
    }
    stop.send_replace(true);
    consumer.await??;
    Ok((latencies.summary().context("no samples")?, model_bytes))
}

/// A phase of the memory figure, run in a process of its own so that no earlier phase's
/// memory (held by the allocator after it is freed) hides or inflates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Phase {
    /// Fold the log in `DIR/log` into the store in `DIR/views` from 0.
    Rebuild,
    /// Read every partnership's model from the store in `DIR/views`.
    Read,
}

/// Runs one memory phase in this process and prints its figures as one JSON line:
/// `start_kib`, `peak_kib` (the kernel's high-water mark when it can be reset, else the
/// RSS at the end), `end_kib`, `ms` and `models`.
pub async fn phase(
    phase: Phase,
    dir: &std::path::Path,
    cache: Option<usize>,
) -> anyhow::Result<()> {
    let trace = crate::measure::RssTrace::start();
    let started = Instant::now();
    let models = match phase {
        Phase::Rebuild => {
            let log = SledLog::open_with(sled_config(&dir.join("log")))?;
            let store = open_store(&dir.join("views"), cache)?;
            projection::catch_up(&log, &store).await?;
            store.flush()?;
            store.partnerships()?.len()
        }
        Phase::Read => {
            let store = open_store(&dir.join("views"), cache)?;
            let ids = store.partnerships()?;
            for id in &ids {
                ensure!(
                    store
                        .model(id)?
                        .is_some_and(|m| m.months.len() == MANY.months)
                );
            }
            ids.len()
        }
    };
    let ms = millis(started.elapsed());
    let (end, peak) = trace.end_and_peak_kib();
    println!(
        "{}",
        json!({"start_kib": trace.start_kib, "peak_kib": peak, "end_kib": end, "ms": ms, "models": models})
    );
    Ok(())
}

/// Generates [`PARTNERSHIPS`] partnerships' log, then runs each memory [`Phase`] in a
/// process of its own; returns their figures and the log's events.
async fn memory(
    cache: Option<usize>,
) -> anyhow::Result<(serde_json::Value, serde_json::Value, u64)> {
    let dir = tempfile::tempdir()?;
    let mut events = 0u64;
    {
        let log = SledLog::open_with(sled_config(&dir.path().join("log")))?;
        for n in 0..PARTNERSHIPS {
            let commits = Partnership::new(n, MANY)?.history()?;
            events += commits.iter().map(|c| c.events.len() as u64).sum::<u64>();
            append(&log, commits).await?;
        }
        // Dropping the log waits for its threads, so the phases can open it.
        tokio::task::spawn_blocking(move || drop(log)).await?;
    }
    let run = |phase: &str| -> anyhow::Result<serde_json::Value> {
        let mut command = std::process::Command::new(std::env::current_exe()?);
        command
            .args(["models", "--phase", phase, "--dir"])
            .arg(dir.path());
        if let Some(n) = cache {
            command.args(["--cache", &n.to_string()]);
        }
        let out = command.output()?;
        ensure!(
            out.status.success(),
            "the {phase} phase failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout)?;
        let line = text.lines().last().context("the phase printed nothing")?;
        Ok(serde_json::from_str(line)?)
    };
    let rebuild = run("rebuild")?;
    let read = run("read")?;
    Ok((rebuild, read, events))
}

pub async fn run(options: Options) -> anyhow::Result<Report> {
    let samples = if options.quick { 100 } else { 500 };
    let mut report = Report {
        bench: "models",
        quick: options.quick,
        ..Report::default()
    };
    for (key, label, shape) in [
        ("reflect_small", "a small model (10 SKUs, 12 months)", SMALL),
        ("reflect_long", "10 years × 200 SKUs of market data", LONG),
        ("reflect_items", "50,000 action items", ITEMS),
    ] {
        eprintln!("models: {label}");
        let (figure, bytes) = reflect(shape, samples, options.cache).await?;
        report.latencies.push(LatencyRow {
            key,
            label: format!("accepted → read model reflects it: {label}"),
            figure,
            baseline: None,
            p99_ceiling_ms: Some(P99_CEILING_MS),
        });
        report
            .facts
            .insert(format!("{key}_model_bytes"), json!(bytes));
    }
    eprintln!("models: {PARTNERSHIPS} partnerships' models rebuilt and read");
    let (rebuild, read, events) = memory(options.cache).await?;
    let growth = |v: &serde_json::Value, to: &str| {
        let (from, to) = (v["start_kib"].as_u64(), v[to].as_u64());
        json!(to.unwrap_or(0).saturating_sub(from.unwrap_or(0)) as f64 / 1024.0)
    };
    report
        .facts
        .insert("memory_partnerships".into(), json!(PARTNERSHIPS));
    report
        .facts
        .insert("memory_cache".into(), json!(options.cache));
    report.facts.insert("memory_events".into(), json!(events));
    report
        .facts
        .insert("rebuild_ms".into(), rebuild["ms"].clone());
    report.facts.insert(
        "rebuild_peak_growth_mib".into(),
        growth(&rebuild, "peak_kib"),
    );
    report
        .facts
        .insert("read_all_rss_growth_mib".into(), growth(&read, "end_kib"));
    report
        .facts
        .insert("read_all_peak_growth_mib".into(), growth(&read, "peak_kib"));
    report.notes.push(format!(
        "latency: append to the embedded sled log returned → the store's position reached the commit, the consumer following the log; {samples} samples after {} warm-up; memory: growth of RSS in a process of its own rebuilding {PARTNERSHIPS} partnerships' models ({} months × {} SKUs, {} action items each) from 0 (peak), and in another reading each of them through a store opened afresh (at the end, and peak); sled cache {} MiB",
        samples / 10,
        MANY.months,
        MANY.skus,
        MANY.action_items,
        SLED_CACHE >> 20
    ));
    Ok(report)
}
