//! Alerts: the review pack's exceptions recorded as they begin and stop firing, and a
//! reminder when a month's market data is still missing in the days before it is due.
//!
//! The judgement is pure, from the partnership's model, today on its calendar and the
//! state of its alert stream (`evaluation/<partnership>/alerts`): which (period, rule,
//! subject) are open and which months were reminded. It records
//! - `ExceptionRaised` for each exception that fires and is not open;
//! - `ExceptionCleared` for each open one that no longer fires;
//! - `DataReminder` for the month before today's when its data is missing from the
//!   [`REMINDER_FROM`]th to its due day (the 10th), once per month.
//!
//! The periods judged ([`firing`]) are the months, from the first with market data (or the
//! month of signing, if earlier) to the last that has ended; each month is judged as of
//! the day after its data deadline, or as of today while that day is still to come. A
//! month past its deadline is therefore judged on a fixed day, and the exceptions that
//! fire are a function of the model alone: a rebuild of years of history, a restart or a
//! second replica judges the same set. The rules, names, subjects, figures and sentences
//! are the review pack's (`crate::report::judge_exceptions`). `docs/alerts.md` is the
//! contract.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use synergy_domain::{DecisionContext, DomainError};
use synergy_proto::events::EvaluationEvent;
use synergy_proto::{
    AggregateId, Commit, Context, Date, Event, PartnershipId, Period, StreamId, Timestamp,
    YearMonth,
};

use crate::kpi;
use crate::model::PartnershipModel;
use crate::report::{figure_text, judge_exceptions};

/// The first day of the month after a month on which its missing data is reminded.
pub const REMINDER_FROM: u8 = 5;

/// The stream of a partnership's alerts.
pub fn alerts_stream(partnership: &PartnershipId) -> StreamId {
    StreamId::new(
        Context::Evaluation,
        partnership.clone(),
        AggregateId::singleton("alerts"),
    )
}

/// What an exception alert is about: it is raised once per key while it fires.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AlertKey {
    pub period: Period,
    pub rule: String,
    pub subject: String,
}

/// An exception that fires, as `ExceptionRaised` records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fired {
    pub value: Option<String>,
    pub threshold: Option<String>,
    pub message: String,
}

/// The alert stream folded: the exceptions raised and not cleared, the months reminded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertState {
    pub open: BTreeSet<AlertKey>,
    pub reminded: BTreeSet<YearMonth>,
}

impl AlertState {
    pub fn fold<'a>(events: impl IntoIterator<Item = &'a Event>) -> Self {
        let mut state = Self::default();
        for event in events {
            match event {
                Event::Evaluation(EvaluationEvent::ExceptionRaised {
                    period,
                    rule,
                    subject,
                    ..
                }) => {
                    state.open.insert(key(*period, rule, subject));
                }
                Event::Evaluation(EvaluationEvent::ExceptionCleared {
                    period,
                    rule,
                    subject,
                }) => {
                    state.open.remove(&key(*period, rule, subject));
                }
                Event::Evaluation(EvaluationEvent::DataReminder { month, .. }) => {
                    state.reminded.insert(*month);
                }
                _ => {}
            }
        }
        state
    }
}

fn key(period: Period, rule: &str, subject: &str) -> AlertKey {
    AlertKey {
        period,
        rule: rule.to_owned(),
        subject: subject.to_owned(),
    }
}

/// The day a month is judged on: the day after its data deadline, or `today` before then.
pub fn judged_on(month: YearMonth, today: Date) -> Date {
    kpi::deadline(month)
        .and_then(|d| d.add_days(1).ok())
        .map_or(today, |after| after.min(today))
}

/// The months judged on `today`: from the first with market data (or the month of
/// signing, if earlier) to the last that has ended. None before the partnership is signed
/// or once it is terminated (it accepts nothing new; what is open stays open).
pub fn judged_months(model: &PartnershipModel, today: Date) -> Vec<YearMonth> {
    let Some(info) = model.info.as_ref().filter(|i| i.terminated_on.is_none()) else {
        return Vec::new();
    };
    let signed = info.signed_on.year_month();
    let first = model
        .months
        .keys()
        .next()
        .map_or(signed, |m| (*m).min(signed));
    let Some(last) = today.year_month().prev() else {
        return Vec::new();
    };
    let mut months = Vec::new();
    let mut month = first;
    while month <= last {
        months.push(month);
        match month.next() {
            Some(next) => month = next,
            None => break,
        }
    }
    months
}

/// Every exception that fires on `today`, by key.
pub fn firing(model: &PartnershipModel, today: Date) -> BTreeMap<AlertKey, Fired> {
    let mut fired = BTreeMap::new();
    for month in judged_months(model, today) {
        let period = Period::Month(month);
        for e in judge_exceptions(model, period, judged_on(month, today)) {
            fired.insert(
                key(period, e.rule, &e.subject),
                Fired {
                    value: figure_text(&e.value),
                    threshold: figure_text(&e.threshold),
                    message: e.message,
                },
            );
        }
    }
    fired
}

/// The month whose missing data is reminded on `today`, and its due day: the month before
/// today's, from the [`REMINDER_FROM`]th to its deadline, while its data is missing and
/// its deadline counts (it falls after the signing).
pub fn reminder(model: &PartnershipModel, today: Date) -> Option<(YearMonth, Date)> {
    model.info.as_ref().filter(|i| i.terminated_on.is_none())?;
    let month = today.year_month().prev()?;
    let due = kpi::counted_deadline(model, month)?;
    (today.day() >= REMINDER_FROM
        && today <= due
        && model.month_submitted_by(month, today).is_none())
    .then_some((month, due))
}

/// What to record on the alert stream in `state` for `model` on `today`: the exceptions
/// raised, then those cleared, then the reminder. Empty when nothing changed, and for a
/// terminated partnership.
pub fn judge(state: &AlertState, model: &PartnershipModel, today: Date) -> Vec<EvaluationEvent> {
    if model
        .info
        .as_ref()
        .is_none_or(|i| i.terminated_on.is_some())
    {
        return Vec::new();
    }
    let fired = firing(model, today);
    let cleared: Vec<EvaluationEvent> = state
        .open
        .iter()
        .filter(|k| !fired.contains_key(*k))
        .map(|k| EvaluationEvent::ExceptionCleared {
            period: k.period,
            rule: k.rule.clone(),
            subject: k.subject.clone(),
        })
        .collect();
    let mut events: Vec<EvaluationEvent> = fired
        .into_iter()
        .filter(|(k, _)| !state.open.contains(k))
        .map(|(k, f)| EvaluationEvent::ExceptionRaised {
            period: k.period,
            rule: k.rule,
            subject: k.subject,
            value: f.value,
            threshold: f.threshold,
            message: f.message,
        })
        .collect();
    events.extend(cleared);
    if let Some((month, due)) = reminder(model, today)
        && !state.reminded.contains(&month)
    {
        events.push(EvaluationEvent::DataReminder {
            month,
            as_of: today,
            due,
        });
    }
    events
}

/// The decision of `record-alerts`: either party of a partnership in force (an admin acts
/// for one) asks, and what [`judge`] says is recorded on the alert stream's `history`.
pub fn record_alerts<'a>(
    history: impl IntoIterator<Item = &'a Event>,
    partnership: &PartnershipId,
    model: &PartnershipModel,
    ctx: &DecisionContext,
) -> Result<Vec<EvaluationEvent>, DomainError> {
    ctx.partnership(partnership)?
        .active_side_of(&ctx.principal)?;
    Ok(judge(&AlertState::fold(history), model, ctx.today()))
}

/// An exception raised and not cleared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpenAlert {
    pub period: Period,
    /// The review pack's rule name (`share_down`, `data_late`, …).
    pub rule: String,
    /// What it fired on: `partnership`, `brand:<id>`, a month, an action item.
    pub subject: String,
    /// The figure and the threshold as exact text in the rule's unit, when raised.
    pub value: Option<String>,
    pub threshold: Option<String>,
    pub message: String,
    pub raised_at: Timestamp,
}

/// What an entry of the alert log records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum AlertEvent {
    Raised,
    Cleared,
}

/// One exception raised or cleared, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertLogged {
    pub at: Timestamp,
    pub event: AlertEvent,
    pub period: Period,
    pub rule: String,
    pub subject: String,
    /// The sentence of a raised exception; null for a cleared one.
    pub message: Option<String>,
}

/// A month's missing market data, reminded before it was due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reminded {
    pub at: Timestamp,
    pub month: YearMonth,
    /// The day (on the partnership's calendar) it was still missing.
    pub as_of: Date,
    /// The 10th of the month after.
    pub due: Date,
}

/// The partnership's alerts: the exceptions open now, and every one raised or cleared and
/// every reminder, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Alerts {
    pub open: Vec<OpenAlert>,
    pub log: Vec<AlertLogged>,
    pub reminders: Vec<Reminded>,
}

/// The alerts read from the alert stream's commits, oldest first.
pub fn read<'a>(commits: impl IntoIterator<Item = &'a Commit>) -> Alerts {
    let mut open: BTreeMap<AlertKey, OpenAlert> = BTreeMap::new();
    let mut log = Vec::new();
    let mut reminders = Vec::new();
    for e in commits.into_iter().flat_map(|c| &c.events) {
        let at = e.occurred_at;
        match &e.event {
            Event::Evaluation(EvaluationEvent::ExceptionRaised {
                period,
                rule,
                subject,
                value,
                threshold,
                message,
            }) => {
                open.insert(
                    key(*period, rule, subject),
                    OpenAlert {
                        period: *period,
                        rule: rule.clone(),
                        subject: subject.clone(),
                        value: value.clone(),
                        threshold: threshold.clone(),
                        message: message.clone(),
                        raised_at: at,
                    },
                );
                log.push(AlertLogged {
                    at,
                    event: AlertEvent::Raised,
                    period: *period,
                    rule: rule.clone(),
                    subject: subject.clone(),
                    message: Some(message.clone()),
                });
            }
            Event::Evaluation(EvaluationEvent::ExceptionCleared {
                period,
                rule,
                subject,
            }) => {
                open.remove(&key(*period, rule, subject));
                log.push(AlertLogged {
                    at,
                    event: AlertEvent::Cleared,
                    period: *period,
                    rule: rule.clone(),
                    subject: subject.clone(),
                    message: None,
                });
            }
            Event::Evaluation(EvaluationEvent::DataReminder { month, as_of, due }) => {
                reminders.push(Reminded {
                    at,
                    month: *month,
                    as_of: *as_of,
                    due: *due,
                });
            }
            _ => {}
        }
    }
    Alerts {
        open: open.into_values().collect(),
        log,
        reminders,
    }
}
