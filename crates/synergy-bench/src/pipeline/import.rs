//! One import as the CLI runs it — sign and register the catalogue once, then look up,
//! parse, execute and ask for the report — timed step by step.

use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, ensure};
use serde_json::Value;
use synergy_brand::SkuEntry;
use synergy_domain::Principal;
use synergy_evaluation::render::Format as ReportFormat;
use synergy_eventlog::{EventLog, Position};
use synergy_import::{Format as FileFormat, Limits, Source};
use synergy_information::{MonthSubmission, SubmitMarketData};
use synergy_proto::events::evaluation::ReportKind;
use synergy_proto::{Cases, OrgId, PartnershipId, Period, Role, StreamId, encode_commit};
use synergy_runtime::import as runtime_import;
use synergy_runtime::{AnyCommand, Api, Outcome, ReportRequest, Request};

use super::Phases;
use super::workload::{distributor, manufacturer};

/// `org`'s administrator at the command line.
pub(super) fn cli(org: OrgId) -> Principal {
    Principal::new(org, Role::Admin, "cli")
}

/// The command `synergy market-data import` executes for `months`.
pub(super) fn submit_market_data(p: PartnershipId, months: Vec<MonthSubmission>) -> AnyCommand {
    AnyCommand::Information(synergy_information::Command::SubmitMarketData(
        SubmitMarketData {
            partnership: p,
            months,
            reason: None,
        },
    ))
}

/// Signs `p` and registers its catalogue (parsed from CSV, as `catalogue import` does).
pub(super) async fn set_up<A: Api + ?Sized>(
    api: &A,
    p: &PartnershipId,
    skus: &[SkuEntry],
) -> anyhow::Result<()> {
    let sign = AnyCommand::Strategy(synergy_strategy::Command::SignPartnership {
        partnership: p.clone(),
        manufacturer: manufacturer()?,
        distributor: distributor()?,
        region: "Bench county".into(),
        signed_on: "1999-06-01".parse()?,
    });
    api.execute(Request::new(cli(distributor()?), sign))
        .await
        .with_context(|| format!("signing {p}"))?;
    let csv = synergy_import::catalogue_csv(skus);
    let source = Source::file(csv.as_bytes(), FileFormat::Csv);
    let register = runtime_import::catalogue(p.clone(), source, &Limits::DEFAULT)
        .map_err(|e| anyhow!("the generated catalogue was rejected:\n{e}"))?;
    api.execute(register.request(cli(manufacturer()?), false))
        .await
        .with_context(|| format!("registering the catalogue of {p}"))?;
    Ok(())
}

/// A file submitted as the CLI submits it, with what each step took.
pub(super) struct Submitted {
    pub(super) outcome: Outcome,
    pub(super) start: Instant,
    /// The catalogue and partnership look-ups.
    pub(super) lookups: Duration,
    pub(super) parse: Duration,
    /// `execute` until it returned `Ok`.
    pub(super) execute: Duration,
    /// When `execute` returned.
    pub(super) accepted: Instant,
}

/// Looks up the catalogue and the distributor, parses `csv` and executes the
/// `SubmitMarketData` command, exactly as `synergy market-data import` does; `what` names
/// the file when it is rejected.
pub(super) async fn submit<A: Api + ?Sized>(
    api: &A,
    p: &PartnershipId,
    csv: &[u8],
    what: &str,
) -> anyhow::Result<Submitted> {
    let start = Instant::now();
    let format = FileFormat::sniff(csv, Some("market-data.csv"));
    let catalogue = api.catalogue(p).await?;
    let view = api
        .partnership(p)
        .await?
        .ok_or_else(|| anyhow!("partnership {p} is not signed"))?;
    let who = cli(view.distributor);
    let looked_up = Instant::now();
    let source = Source::file(csv, format);
    let prepared =
        runtime_import::market_data_against(p.clone(), source, None, &catalogue, &Limits::DEFAULT)
            .map_err(|e| anyhow!("the generated {what} was rejected:\n{e}"))?;
    let parsed = Instant::now();
    let outcome = api.execute(prepared.request(who, false)).await?;
    let accepted = Instant::now();
    Ok(Submitted {
        outcome,
        start,
        lookups: looked_up - start,
        parse: parsed - looked_up,
        execute: accepted - parsed,
        accepted,
    })
}

/// What one import did, with its timings.
pub(super) struct Imported {
    pub(super) phases: Phases,
    pub(super) stream: StreamId,
}

pub(super) fn market_report(p: &PartnershipId, period: Period, after: Position) -> ReportRequest {
    ReportRequest {
        partnership: p.clone(),
        period,
        kind: ReportKind::Market,
        format: ReportFormat::Json,
        // The day after the period: its last month has ended, so the report counts it.
        as_of: period
            .last_month()
            .last_day()
            .add_days(1)
            .expect("a period's next day is a date"),
        after: Some(after),
    }
}

/// The partnership's volume over `period` as the market report states it.
pub(super) fn reported_volume(report: &str) -> anyhow::Result<Cases> {
    let json: Value = serde_json::from_str(report)
        .with_context(|| format!("the report is not JSON: {report}"))?;
    let volume = json
        .pointer("/kpis/volume_cases")
        .ok_or_else(|| anyhow!("the report states no volume: {json}"))?;
    Cases::parse(&volume.to_string())
        .map_err(|e| anyhow!("the report's volume {volume} is not a volume: {e}"))
}

/// Imports `csv` into `p` exactly as `synergy market-data import` does, then asks for the
/// market report of `period` after the command's position and checks it states
/// `expected` (the imported volume), timing each step.
pub(super) async fn import<A: Api + ?Sized>(
    api: &A,
    p: &PartnershipId,
    csv: &[u8],
    period: Period,
    expected: Cases,
) -> anyhow::Result<Imported> {
    let submitted = submit(api, p, csv, "market data").await?;
    let position = submitted
        .outcome
        .position
        .ok_or_else(|| anyhow!("the import into {p} recorded nothing"))?;
    let report = api.report(market_report(p, period, position)).await?;
    let reported = Instant::now();
    let volume = reported_volume(&report)?;
    ensure!(
        volume == expected,
        "the {period} report of {p} states {volume} cases where {expected} were imported"
    );
    let again_start = Instant::now();
    let again = api.report(market_report(p, period, position)).await?;
    let report_again = again_start.elapsed();
    ensure!(again == report, "the same report asked twice differs");
    Ok(Imported {
        phases: Phases {
            lookups: submitted.lookups,
            parse: submitted.parse,
            execute: submitted.execute,
            accepted_to_report: reported - submitted.accepted,
            report_again,
            total: reported - submitted.start,
        },
        stream: submitted.outcome.stream,
    })
}

/// The stored bytes of every commit of `stream` (what a raw baseline writes).
pub(super) async fn stored_bytes<L: EventLog>(
    log: &L,
    stream: &StreamId,
) -> anyhow::Result<Vec<Vec<u8>>> {
    Ok(log
        .read_aggregate(stream, 1)
        .await
        .with_context(|| format!("reading back {stream}"))?
        .iter()
        .map(|c| encode_commit(&c.commit))
        .collect())
}
