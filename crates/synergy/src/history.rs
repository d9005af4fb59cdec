//! `synergy history`: a partnership's audit trail on the command line (`docs/history.md`),
//! the same page `GET /v1/partnerships/{id}/history` answers.

use clap::{Args, ValueEnum};
use synergy_proto::{Context, Date, PartnershipId};
use synergy_runtime::Api;
use synergy_runtime::history::{self, HistoryQuery};

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The partnership.
    #[arg(long)]
    pub partnership: PartnershipId,
    /// Only this context's commits: strategy, marketing, brand, information, support or
    /// evaluation.
    #[arg(long)]
    pub context: Option<Context>,
    /// Only this aggregate's (stream's), e.g. market-data or plan:p2008.
    #[arg(long)]
    pub aggregate: Option<String>,
    /// Only what was recorded on or after this day (on the partnership's calendar).
    #[arg(long)]
    pub from: Option<Date>,
    /// Only what was recorded on or before this day (on the partnership's calendar).
    #[arg(long)]
    pub to: Option<Date>,
    /// Only commits after this log position (what the page before says to pass).
    #[arg(long)]
    pub after: Option<u64>,
    /// At most this many commits.
    #[arg(long, default_value_t = history::DEFAULT_LIMIT as u64,
          value_parser = clap::value_parser!(u64).range(1..=history::MAX_LIMIT as u64))]
    pub limit: u64,
    /// md (a table), text (a line per event, as `synergy tail`) or json (as the HTTP
    /// route answers).
    #[arg(long, value_enum, default_value = "md")]
    pub format: HistoryFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    Md,
    Text,
    Json,
}

/// The page, printed as asked.
pub async fn render(api: &dyn Api, args: HistoryArgs) -> anyhow::Result<String> {
    let zone = match api.partnership(&args.partnership).await? {
        Some(view) => view.time_zone,
        None => anyhow::bail!(
            "partnership {} does not exist; sign it first (synergy partnership sign)",
            args.partnership
        ),
    };
    let page = api
        .history(HistoryQuery {
            partnership: args.partnership,
            context: args.context,
            aggregate: args.aggregate,
            from: args.from.map(|d| d.start_in(&zone)),
            to: args.to.map(|d| d.last_instant_in(&zone)),
            after: args.after,
            limit: usize::try_from(args.limit).unwrap_or(history::MAX_LIMIT),
        })
        .await?;
    Ok(match args.format {
        HistoryFormat::Json => serde_json::to_string(&page)?,
        HistoryFormat::Md => history::table(&page),
        HistoryFormat::Text => {
            let mut out: Vec<String> = page
                .entries
                .iter()
                .map(|e| history::line(e, None))
                .collect();
            if let Some(after) = page.next_after {
                out.push(format!("more after @{after} (--after {after})"));
            }
            out.join("\n")
        }
    })
}
