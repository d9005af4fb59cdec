//! Issuing a report, the evaluation context's command: the live report of a kind and
//! period is frozen as its next version (`ReportIssued`) in the stream
//! `evaluation/<partnership>/report:<kind>-<period>`, stating every figure that changed
//! since the version before it (`restate`).
//!
//! The decision is pure like every context's, but it reads more than the
//! [`DecisionContext`]: the partnership's read model, which the runtime folds at least up to
//! the event log's head before it decides (the declaration names
//! [`View::Evaluation`](synergy_domain::contract::View::Evaluation)). The version before is
//! taken from the stream's own history, so two issuers racing decide on the same version
//! and the event log's expected version lets only one of them record it.
//!
//! The rules:
//! - either party of a partnership in force issues (an admin acts for one);
//! - `as_of` defaults to today on the partnership's calendar;
//! - a report none of whose months ended by `as_of` has market data recorded has no
//!   figures to freeze: refused (`report.no_data`), whatever else it would list;
//! - a live report that states the same figures as the latest version records nothing;
//! - months of the report without market data by `as_of` are named in its body
//!   (`months_missing`, [`crate::schedule::issuable`]).

use serde::{Deserialize, Serialize};
use synergy_domain::{DecisionContext, DomainError};
use synergy_proto::events::EvaluationEvent;
use synergy_proto::events::evaluation::{IssuingSetting, ReportKind};
use synergy_proto::{AggregateId, Context, Date, Event, PartnershipId, Period, StreamId};

use crate::model::PartnershipModel;
use crate::restate::{self, IssueError, Issued};

/// The aggregate kind of a report's issued versions, as it appears in stream ids.
pub const REPORT: &str = "report";

/// The stream of one report's issued versions: `report:<kind>-<period>`.
pub fn issued_stream(partnership: &PartnershipId, kind: ReportKind, period: Period) -> StreamId {
    StreamId::new(
        Context::Evaluation,
        partnership.clone(),
        AggregateId::compose(REPORT, &format!("{}-{period}", kind.as_str())),
    )
}

/// Everything the evaluation context can be asked to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    /// Freeze the live report as its next version.
    IssueReport {
        partnership: PartnershipId,
        kind: ReportKind,
        period: Period,
        /// The day the report is judged on; today on the partnership's calendar if `None`.
        as_of: Option<Date>,
    },
    /// Choose which reports evaluation issues by itself (`crate::setting`).
    SetIssuing {
        partnership: PartnershipId,
        setting: IssuingSetting,
    },
    /// Choose the thresholds of exceptions and recommendations (`crate::rules`).
    SetExceptionRules {
        partnership: PartnershipId,
        rules: crate::rules::RulesChoice,
    },
    /// Record the alerts the partnership's model makes today (`crate::alerts`).
    RecordAlerts { partnership: PartnershipId },
}

impl Command {
    synergy_domain::every_variant_has! {
        pub fn partnership -> PartnershipId:
            IssueReport, SetIssuing, SetExceptionRules, RecordAlerts
    }
}

/// The evaluation context as the runtime drives it. Not a
/// [`BoundedContext`](synergy_domain::BoundedContext): its decision takes the partnership's
/// read model beside the decision context.
#[derive(Debug, Clone, Copy, Default)]
pub struct EvaluationContext;

impl EvaluationContext {
    pub const CONTEXT: Context = Context::Evaluation;

    /// The stream the command acts on.
    pub fn stream_of(command: &Command) -> StreamId {
        match command {
            Command::IssueReport {
                partnership,
                kind,
                period,
                ..
            } => issued_stream(partnership, *kind, *period),
            Command::SetIssuing { partnership, .. } => crate::setting::setting_stream(partnership),
            Command::SetExceptionRules { partnership, .. } => {
                crate::rules::rules_stream(partnership)
            }
            Command::RecordAlerts { partnership } => crate::alerts::alerts_stream(partnership),
        }
    }

    /// Decides `command` on the stream's `history` (oldest first) and the partnership's
    /// read `model`, folded at least up to the history's last commit (`set-issuing` and
    /// `set-exception-rules` consult no model: their declarations name none, and they are
    /// passed an empty one).
    pub fn execute<'a>(
        history: impl IntoIterator<Item = &'a Event>,
        command: Command,
        ctx: &DecisionContext,
        model: &PartnershipModel,
    ) -> Result<Vec<Event>, DomainError> {
        let events = match command {
            Command::IssueReport {
                partnership,
                kind,
                period,
                as_of,
            } => {
                ctx.partnership(&partnership)?
                    .active_side_of(&ctx.principal)?;
                let as_of = as_of.unwrap_or_else(|| ctx.today());
                issue_report(history, model, kind, period, as_of)?
            }
            Command::SetIssuing {
                partnership,
                setting,
            } => crate::setting::set_issuing(history, &partnership, setting, ctx)?,
            Command::SetExceptionRules { partnership, rules } => {
                crate::rules::set_exception_rules(history, &partnership, &rules, ctx)?
            }
            Command::RecordAlerts { partnership } => {
                crate::alerts::record_alerts(history, &partnership, model, ctx)?
            }
        };
        Ok(events.into_iter().map(Event::Evaluation).collect())
    }
}

/// The latest version of the report the stream holds.
fn latest<'a>(history: impl IntoIterator<Item = &'a Event>) -> Option<Issued<'a>> {
    history
        .into_iter()
        .filter_map(|e| match e {
            Event::Evaluation(EvaluationEvent::ReportIssued { version, body, .. }) => {
                Some(Issued {
                    version: *version,
                    body,
                })
            }
            _ => None,
        })
        .last()
}

fn issue_report<'a>(
    history: impl IntoIterator<Item = &'a Event>,
    model: &PartnershipModel,
    kind: ReportKind,
    period: Period,
    as_of: Date,
) -> Result<Vec<EvaluationEvent>, DomainError> {
    let live = crate::schedule::issuable(model, kind, period, as_of);
    if !live
        .months_included
        .iter()
        .any(|m| model.months.contains_key(m))
    {
        let why = match (live.months_included.first(), live.months_included.last()) {
            (Some(first), Some(last)) if first == last => {
                format!("no market data is recorded for {first}")
            }
            (Some(first), Some(last)) => {
                format!("no market data is recorded for any month of {first} … {last}")
            }
            _ => format!("no month of {period} has ended by {as_of}"),
        };
        return Err(DomainError::state(
            "report.no_data",
            format!(
                "the {} report of {period} as of {as_of} has no figures to issue: {why}; \
                 submit the market data first",
                kind.as_str()
            ),
        ));
    }
    let previous = latest(history);
    let had_previous = previous.is_some();
    let event = restate::issue_after(previous, &live).map_err(|e| match e {
        // Written by this crate: only a damaged log or model makes it unreadable.
        IssueError::PreviousBodyUnreadable { version, source } => DomainError::state(
            "evaluation.issued_body_unreadable",
            format!("the issued body of version {version} cannot be read: {source}"),
        ),
        IssueError::AlreadyVersioned(version) => DomainError::state(
            "evaluation.report_already_versioned",
            format!("the live report already carries version {version}"),
        ),
    })?;
    match &event {
        EvaluationEvent::ReportIssued { restatements, .. }
            if had_previous && restatements.is_empty() =>
        {
            Ok(Vec::new())
        }
        _ => Ok(vec![event]),
    }
}
