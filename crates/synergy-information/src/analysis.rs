//! 月度、季度市場和品牌分析報告: the distributor's written analysis of a month or a quarter,
//! in Markdown, attached to the period and revisable with a reason.
//!
//! One aggregate per partnership and period (`analysis:<period>`): a revision is decided on
//! the period's own history alone, and analyses of different periods never conflict.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use synergy_domain::{DecisionContext, DomainError};
use synergy_proto::{
    Date, PartnershipId, Period, PeriodKind, Side, events::information::InformationEvent,
};

use crate::Decision;
use crate::authority::require_side;

/// The kind of the `analysis:<period>` aggregates.
pub const AGGREGATE: &str = "analysis";
/// The longest analysis, in characters: a dozen printed pages, more than a monthly or
/// quarterly report runs to.
pub const MAX_TEXT_CHARS: usize = 20_000;
/// The most bytes [`MAX_TEXT_CHARS`] characters take in UTF-8: what a front end reads of
/// a file before the text's own rules judge it.
pub const MAX_TEXT_BYTES: usize = MAX_TEXT_CHARS * 4;
/// The longest reason for a revision, in characters.
pub const MAX_REASON_CHARS: usize = 2_000;

/// Submit the analysis of a month or quarter, or revise the one in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitAnalysis {
    pub partnership: PartnershipId,
    /// A month (`2008-06`) or a quarter (`2008-Q2`) that has started.
    pub period: Period,
    /// Markdown. Line ends are recorded as `\n` and trailing white space is dropped, so
    /// the same text from another editor is the same text.
    pub text: String,
    /// Why the analysis in force changes; required for a revision, refused on the first
    /// submission, ignored when the text is the one in force.
    pub reason: Option<String>,
}

/// The analysis in force of one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Analysis {
    pub period: Period,
    /// 1 for the first submission, +1 for each revision.
    pub revision: u32,
    pub text: String,
    /// When the revision in force was submitted.
    pub submitted_on: Date,
    /// When the period's first revision was submitted.
    pub first_submitted_on: Date,
    /// Why the revision in force was made; `None` for revision 1.
    pub reason: Option<String>,
}

/// The analyses in force, by period: one period on a command's stream, several when a
/// read gathers the streams of the months and quarters of a longer period.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Analyses {
    periods: BTreeMap<Period, Analysis>,
}

impl Analyses {
    /// The analysis in force of `period`.
    pub fn of(&self, period: Period) -> Option<&Analysis> {
        self.periods.get(&period)
    }

    /// The analyses in force of `period` and of every month and quarter inside it, in the
    /// order they are written ([`Period::by_end`]: a month before the quarter it closes).
    pub fn within(&self, period: Period) -> Vec<&Analysis> {
        let mut out: Vec<&Analysis> = self
            .periods
            .values()
            .filter(|a| period.covers(a.period))
            .collect();
        out.sort_by_key(|a| a.period.by_end());
        out
    }

    pub fn evolve(mut self, event: &InformationEvent) -> Self {
        let InformationEvent::AnalysisSubmitted {
            period,
            revision,
            text,
            submitted_on,
            reason,
        } = event
        else {
            return self;
        };
        let first_submitted_on = self
            .periods
            .get(period)
            .map_or(*submitted_on, |a| a.first_submitted_on);
        self.periods.insert(
            *period,
            Analysis {
                period: *period,
                revision: *revision,
                text: text.clone(),
                submitted_on: *submitted_on,
                first_submitted_on,
                reason: reason.clone(),
            },
        );
        self
    }

    pub fn decide(&self, cmd: &SubmitAnalysis, ctx: &DecisionContext) -> Decision {
        require_side(
            ctx,
            &cmd.partnership,
            Side::Distributor,
            "analysis.distributor_only",
            "writing the analysis of a month or quarter",
        )?;
        let period = cmd.period;
        if !matches!(period.kind(), PeriodKind::Month | PeriodKind::Quarter) {
            return Err(DomainError::invalid(
                "analysis.month_or_quarter",
                "period",
                format!(
                    "{period} is not a month or a quarter; the distributor's analysis is \
                     written per month (2008-06) or quarter (2008-Q2), and a half or a year \
                     shows those of its months and quarters"
                ),
            ));
        }
        let today = ctx.today();
        let starts = period.first_month().first_day();
        if starts > today {
            return Err(DomainError::invalid(
                "analysis.period_started",
                "period",
                format!(
                    "{period} has not started yet (today is {today}); write its analysis from {starts}"
                ),
            ));
        }
        let text = checked_text(&cmd.text, TEXT)?;
        let reason = cmd
            .reason
            .as_deref()
            .map(|r| checked_text(r, REASON))
            .transpose()?;

        let Some(current) = self.of(period) else {
            if reason.is_some() {
                return Err(DomainError::invalid(
                    "analysis.reason_only_for_revision",
                    "reason",
                    format!(
                        "there is no analysis of {period} yet, so there is nothing to revise; \
                         submit the first one without a reason"
                    ),
                ));
            }
            return Ok(vec![InformationEvent::AnalysisSubmitted {
                period,
                revision: 1,
                text,
                submitted_on: today,
                reason: None,
            }]);
        };
        if current.text == text {
            return Ok(Vec::new());
        }
        let Some(reason) = reason else {
            return Err(DomainError::state(
                "analysis.revision_needs_reason",
                format!(
                    "the analysis of {period} is recorded (revision {}) with another text; a \
                     revision needs a reason (--reason) and then supersedes it",
                    current.revision
                ),
            )
            .at("reason"));
        };
        let Some(revision) = current.revision.checked_add(1) else {
            return Err(DomainError::state(
                "analysis.revision_overflow",
                format!("the analysis of {period} cannot be revised again"),
            )
            .at("period"));
        };
        Ok(vec![InformationEvent::AnalysisSubmitted {
            period,
            revision,
            text,
            submitted_on: today,
            reason: Some(reason),
        }])
    }
}

/// The rules one piece of text is held to.
struct TextRules {
    field: &'static str,
    what: &'static str,
    blank: &'static str,
    too_long: &'static str,
    max: usize,
    /// Leading white space is kept: it means something in Markdown (an indented block).
    keep_leading: bool,
}

const TEXT: TextRules = TextRules {
    field: "text",
    what: "the analysis",
    blank: "analysis.text_required",
    too_long: "analysis.text_too_long",
    max: MAX_TEXT_CHARS,
    keep_leading: true,
};

const REASON: TextRules = TextRules {
    field: "reason",
    what: "the reason",
    blank: "analysis.reason_not_blank",
    too_long: "analysis.reason_too_long",
    max: MAX_REASON_CHARS,
    keep_leading: false,
};

/// The text as recorded: line ends as `\n`, no trailing white space (nor leading, unless
/// the rules keep it). Refused when blank,
/// longer than the rules allow, or holding control characters other than line ends and
/// tabs (they show as nothing, or as something else, wherever the text is read).
fn checked_text(value: &str, rules: TextRules) -> Result<String, DomainError> {
    let text = value.replace("\r\n", "\n").replace('\r', "\n");
    let text = if rules.keep_leading {
        text.trim_end()
    } else {
        text.trim()
    };
    if text.trim_start().is_empty() {
        return Err(DomainError::invalid(
            rules.blank,
            rules.field,
            format!("{} is empty; write it", rules.what),
        ));
    }
    let len = text.chars().count();
    if len > rules.max {
        return Err(DomainError::invalid(
            rules.too_long,
            rules.field,
            format!(
                "{} has {len} characters; keep it to {} at most",
                rules.what, rules.max
            ),
        ));
    }
    if let Some((line, c)) = text.lines().enumerate().find_map(|(i, l)| {
        l.chars()
            .find(|c| c.is_control() && *c != '\t')
            .map(|c| (i, c))
    }) {
        return Err(DomainError::invalid(
            "analysis.no_control_characters",
            rules.field,
            format!(
                "{} holds the control character U+{:04X} on line {}; remove it",
                rules.what,
                u32::from(c),
                line + 1
            ),
        ));
    }
    Ok(text.to_owned())
}
