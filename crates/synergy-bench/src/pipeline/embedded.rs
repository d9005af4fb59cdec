//! The embedded mode: `Local<SledLog>` with a background projection consumer, beside a
//! raw sled insert+flush of the same commit bytes, and the 10,000-row import.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context as _, anyhow, bail, ensure};
use synergy_eventlog::SledLog;
use synergy_eventlog::sled_sync::{self, SledFiles};
use synergy_information::MonthSubmission;
use synergy_proto::{Cases, Period};
use synergy_runtime::projection;
use synergy_runtime::{Api, ApiError, Local, Request, SystemClock};
use tokio::sync::watch;

use super::import::{
    cli, import, market_report, reported_volume, set_up, stored_bytes, submit, submit_market_data,
};
use super::workload::{
    Lcg, catalogue, distributor, first_month, month, monthly_files, months_from, partnership,
};
use super::{BIG_MONTHS, BIG_SKUS, BigImport, MONTHLY_SKUS, ModeResults, Plan};
use crate::measure::Latencies;

/// A raw sled database for the baselines, with its files to sync.
struct RawDb {
    db: sled::Db,
    files: std::sync::Mutex<SledFiles>,
}

impl RawDb {
    fn open(dir: &Path) -> anyhow::Result<RawDb> {
        let db = sled::open(dir).context("opening the raw sled baseline")?;
        let files = std::sync::Mutex::new(SledFiles::open(dir)?);
        Ok(RawDb { db, files })
    }
}

/// Raw baseline of a durable write: insert each record and flush, one after another —
/// sled's flush and the same `fdatasync`/`fsync` after it as the log's
/// ([`sled_sync::flush`]).
fn raw_insert_flush(raw: &RawDb, tree: &str, records: &[Vec<u8>]) -> anyhow::Result<Latencies> {
    let db = &raw.db;
    let tree = db.open_tree(tree)?;
    let mut latencies = Latencies::with_capacity(records.len());
    let base = tree.len() as u64;
    for (i, bytes) in records.iter().enumerate() {
        let t = Instant::now();
        tree.insert((base + i as u64 + 1).to_be_bytes(), bytes.as_slice())?;
        sled_sync::flush(db, Some(&raw.files))?;
        latencies.record(t.elapsed());
    }
    Ok(latencies)
}

pub(super) async fn embedded(
    dir: &Path,
    plan: &Plan,
    notes: &mut Vec<String>,
) -> anyhow::Result<(ModeResults, BigImport)> {
    let local = Local::open_embedded(&dir.join("data"), Arc::new(SystemClock))
        .context("opening the embedded data dir")?
        .followed();
    let (stop, stopped) = watch::channel(false);
    let consumer = tokio::spawn(projection::run(
        Arc::clone(local.log()),
        Arc::clone(local.views()),
        stopped,
    ));
    let raw_db = RawDb::open(&dir.join("raw"))?;
    let skus = catalogue(MONTHLY_SKUS)?;
    let mut results = ModeResults::default();
    for n in 0..plan.partnerships {
        let p = partnership("embedded", n)?;
        set_up(&local, &p, &skus).await?;
        let files = monthly_files(n as u64 + 1, &skus, plan.months)?;
        let mut stream = None;
        for f in &files {
            let imported = import(&local, &p, &f.csv, f.period, f.volume).await?;
            results.phases.record(imported.phases);
            stream = Some(imported.stream);
        }
        // The same bytes, right after, on the same disk.
        let stream = stream.ok_or_else(|| anyhow!("no month was imported"))?;
        let records = stored_bytes(&**local.log(), &stream).await?;
        results
            .commit_bytes
            .extend(records.iter().map(std::vec::Vec::len));
        let raw = tokio::task::block_in_place(|| {
            raw_insert_flush(&raw_db, &format!("raw-{n}"), &records)
        })?;
        results.raw_write.merge(raw);
    }

    let big = big_import(&local, &raw_db, plan, notes).await?;

    stop.send_replace(true);
    consumer
        .await
        .context("the projection consumer panicked")?
        .context("the projection consumer failed")?;
    let log = Arc::clone(local.log());
    drop(local);
    // Dropping the log joins its writer thread: off the async workers.
    tokio::task::spawn_blocking(move || drop(log)).await?;
    Ok((results, big))
}

/// The 10,000-row file imported into fresh partnerships (catalogue of [`BIG_SKUS`]
/// registered first), parse and execute timed apart.
async fn big_import(
    local: &Local<SledLog>,
    raw_db: &RawDb,
    plan: &Plan,
    notes: &mut Vec<String>,
) -> anyhow::Result<BigImport> {
    let skus = catalogue(BIG_SKUS)?;
    let mut rng = Lcg(0x5eed);
    let subs: Vec<MonthSubmission> = months_from(first_month()?, BIG_MONTHS)?
        .into_iter()
        .map(|m| month(m, &skus, &mut rng))
        .collect::<anyhow::Result<_>>()?;
    let last = subs
        .last()
        .ok_or_else(|| anyhow!("the big file has no month"))?;
    let last_period = Period::month(last.month.year(), last.month.month())?;
    let last_volume = Cases::checked_sum(last.lines.iter().map(|l| l.volume))?;
    let csv = synergy_import::market_data_csv(&subs).into_bytes();
    let mut big = BigImport {
        rows: subs.iter().map(|s| s.lines.len()).sum(),
        bytes: csv.len(),
        ..BigImport::default()
    };
    for round in 0..plan.big_rounds {
        let p = partnership("big", round)?;
        set_up(local, &p, &skus).await?;
        let submitted = submit(local, &p, &csv, "10,000-row file").await?;
        let position = submitted
            .outcome
            .position
            .ok_or_else(|| anyhow!("the 10,000-row import recorded nothing"))?;
        let report = local
            .report(market_report(&p, last_period, position))
            .await?;
        let reported = Instant::now();
        let volume = reported_volume(&report)?;
        ensure!(
            volume == last_volume,
            "after the 10,000-row import the {last_period} report states {volume} cases, not \
             {last_volume}"
        );
        big.lookups.record(submitted.lookups);
        big.parse.record(submitted.parse);
        big.execute.record(submitted.execute);
        big.accepted.record(submitted.accepted - submitted.start);
        big.report.record(reported - submitted.accepted);
        big.events = submitted.outcome.events.len();
        let records = stored_bytes(&**local.log(), &submitted.outcome.stream).await?;
        ensure!(
            records.len() == 1,
            "the 10,000-row import was stored as {} commits, not one",
            records.len()
        );
        big.commit_bytes = records[0].len();
        let raw = tokio::task::block_in_place(|| {
            raw_insert_flush(raw_db, &format!("raw-big-{round}"), &records)
        })?;
        big.raw_write.merge(raw);
    }
    // A refused file records nothing: the same file again is a no-op (identical data),
    // and a changed figure without a reason is refused by the domain.
    let p = partnership("big", 0)?;
    let again = local
        .execute(Request::new(
            cli(distributor()?),
            submit_market_data(p.clone(), subs.clone()),
        ))
        .await?;
    ensure!(
        again.position.is_none(),
        "importing identical data again recorded something"
    );
    let mut changed = subs;
    if let Some(line) = changed.last_mut().and_then(|m| m.lines.first_mut()) {
        line.volume = Cases::from_units(line.volume.units() + 1);
    }
    match local
        .execute(Request::new(
            cli(distributor()?),
            submit_market_data(p, changed),
        ))
        .await
    {
        Err(ApiError::Execute(synergy_runtime::ExecuteError::Refused(e)))
            if e.rule == "market_data.correction_needs_reason" => {}
        other => bail!("a changed 10,000-row file without a reason was not refused: {other:?}"),
    }
    notes.push(format!(
        "the 10,000-row file ({BIG_SKUS} SKUs x {BIG_MONTHS} months + {BIG_MONTHS} ALL rows) \
         goes through every domain check (SKU registered, one line per SKU, selling <= \
         stocking <= active outlets, SKU and SKU totals within the market, month ended) and \
         is stored as one commit of {} events; importing it again is a no-op and a changed \
         figure without --reason is refused (market_data.correction_needs_reason)",
        big.events
    ));
    Ok(big)
}
