//! The reads across an organisation's partnerships on the command line: `synergy
//! partnership list --org ORG` and `synergy portfolio --org ORG --period P`
//! (`docs/portfolio.md`). The operator names the organisation, as `--as` does for commands.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use synergy_evaluation::locale::Lang;
use synergy_evaluation::portfolio::{self, Output, Portfolio};
use synergy_proto::{OrgId, Period};
use synergy_runtime::{Api, PortfolioRequest};
use synergy_strategy::ListedStatus;

use crate::cli::OutputFormat;

/// `synergy partnership list`.
#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    /// The organisation whose partnerships to list (those it is a party of).
    #[arg(long)]
    pub org: OrgId,
    /// md (a table for people) or json (as `GET /v1/partnerships` answers).
    #[arg(long, value_enum, default_value = "md")]
    pub format: ListFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Md,
    Json,
}

/// `synergy portfolio`.
#[derive(Debug, Args)]
pub struct PortfolioArgs {
    /// The organisation: a manufacturer sees every partnership in force it is a party of,
    /// a distributor every manufacturer it works with.
    #[arg(long)]
    pub org: OrgId,
    /// The period: a month (2008-06), quarter (2008-Q2), half (2008-H1) or year (2008).
    #[arg(long)]
    pub period: Period,
    /// The KPI ranked by, descending (ties by partnership id): any single figure of a
    /// partnership's KPIs in docs/kpis.md, e.g. volume_cases or volume_yoy_pct.
    #[arg(long, default_value = portfolio::DEFAULT_RANK_BY, value_parser = rank_by)]
    pub rank_by: String,
    /// How to print it: md, json, html, csv or xlsx (a workbook, a sheet per table).
    #[arg(long, value_enum, default_value = "md")]
    pub format: OutputFormat,
    /// The language of md, html and xlsx: zh-CN (简体中文, the default), zh-TW (繁體中文)
    /// or en. JSON and CSV are the same in every language.
    #[arg(long, default_value = "zh-CN")]
    pub lang: Lang,
    /// Write it to this file instead of standard output (an XLSX workbook goes to standard
    /// output only when it is not a terminal).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

fn rank_by(text: &str) -> Result<String, String> {
    portfolio::rank_key(text)
        .map(str::to_owned)
        .map_err(|e| e.message)
}

fn status(s: ListedStatus) -> &'static str {
    match s {
        ListedStatus::Proposed => "proposed",
        ListedStatus::Signed => "signed",
        ListedStatus::Terminated => "terminated",
    }
}

/// The organisation's partnerships, as JSON or a table.
pub async fn list(api: &dyn Api, args: &ListArgs) -> anyhow::Result<String> {
    let listed = api.partnerships(&args.org).await?;
    if args.format == ListFormat::Json {
        return Ok(serde_json::to_string(
            &serde_json::json!({ "partnerships": listed }),
        )?);
    }
    let mut out = String::from(
        "| partnership | status | counterparty | region | signed on | terminated on | time zone |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for l in &listed {
        let cell = |s: &str| s.replace('|', "\\|");
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            l.partnership,
            status(l.status),
            l.counterparty,
            cell(&l.region),
            l.signed_on,
            l.terminated_on.map_or("—".to_owned(), |d| d.to_string()),
            l.time_zone
        );
    }
    if listed.is_empty() {
        let _ = writeln!(out, "\n{} is a party of no partnership.", args.org);
    }
    Ok(out)
}

/// The portfolio's bytes in the format asked for.
pub async fn render(api: &dyn Api, args: &PortfolioArgs) -> anyhow::Result<Vec<u8>> {
    let json = api
        .portfolio(PortfolioRequest {
            org: args.org.clone(),
            side: None,
            period: args.period,
            rank_by: args.rank_by.clone(),
            after: None,
        })
        .await?;
    let output = match args.format {
        OutputFormat::Json => return Ok(json.into_bytes()),
        OutputFormat::Md => Output::Markdown,
        OutputFormat::Html => Output::Html,
        OutputFormat::Csv => Output::Csv,
        OutputFormat::Xlsx => Output::Xlsx,
    };
    Ok(Portfolio::from_json(&json, &args.rank_by)?.render(output, args.lang)?)
}
