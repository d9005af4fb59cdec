//! When evaluation issues a report by itself: the pure schedule.
//!
//! A period is *complete* on a day (in the partnership's time zone) once all its months
//! have ended and either every month's market data is in or the data deadline after its
//! last month (the 10th of the next month, [`kpi::deadline`]) has passed; it is then
//! issued with what is there, naming the months still missing (`months_missing`, see
//! [`issuable`]). An issued period is *restated* — its next version issued — as soon as
//! any figure of its latest version differs from what the model says now
//! ([`restate::issue_after`]).
//!
//! Only periods that lie wholly on or after the month the partnership was signed are
//! scheduled (what came before is history loaded at signing; a party may still issue it by
//! hand), a period without any market data has nothing to freeze, and a terminated
//! partnership accepts nothing new. What to issue is the partnership's [`Issuing`]
//! setting (the model's `issuing`, agreed by both parties with `set-issuing`). The function reads no clock: `now` is passed in.

use std::collections::BTreeSet;

use synergy_proto::events::EvaluationEvent;
use synergy_proto::events::evaluation::ReportKind;
use synergy_proto::{Date, Period, PeriodKind, Timestamp, YearMonth};

use crate::json::Json;
use crate::kpi;
use crate::model::PartnershipModel;
use crate::report::{self, Report};
use crate::restate::{self, Issued};

/// The user name the scheduler's issuances are recorded under (role admin, on behalf of
/// the manufacturer): how a version issued by itself is told from one a person issued.
pub const SCHEDULER: &str = "scheduler";

/// Which reports a partnership has issued by itself: the kinds and the period lengths
/// (`set-issuing`; market and brand of every length until both parties choose another).
pub use synergy_proto::events::evaluation::IssuingSetting as Issuing;

/// One report the schedule says must be issued now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub kind: ReportKind,
    pub period: Period,
    /// The version it would be issued as: 1, or one more than the latest when restated.
    pub version: u32,
    /// The period's months without market data, named in the issued body.
    pub missing: Vec<YearMonth>,
}

/// The live report of `kind` and `period` as of `as_of` as it would be issued: the months
/// it includes that have no market data by then are named in `months_missing` (present
/// only when some are missing, so a complete period's body is the live report's).
pub fn issuable(model: &PartnershipModel, kind: ReportKind, period: Period, as_of: Date) -> Report {
    let mut live = report::build(kind, model, period, as_of);
    let missing = missing_months(model, &live.months_included, as_of);
    if !missing.is_empty() {
        live.sections.push((
            "months_missing",
            Json::Array(missing.iter().map(|m| Json::str(m.to_string())).collect()),
        ));
    }
    live
}

fn missing_months(model: &PartnershipModel, months: &[YearMonth], as_of: Date) -> Vec<YearMonth> {
    months
        .iter()
        .copied()
        .filter(|m| model.month_submitted_by(*m, as_of).is_none())
        .collect()
}

/// The period of `length` that contains `month`.
fn containing(length: PeriodKind, month: YearMonth) -> Option<Period> {
    let year = month.year();
    match length {
        PeriodKind::Month => Some(Period::Month(month)),
        PeriodKind::Quarter => Period::quarter(year, month.quarter()).ok(),
        PeriodKind::Half => Period::half(year, month.half()).ok(),
        PeriodKind::Year => Period::year(year).ok(),
    }
}

/// Whether `period` is complete on `today`: every month ended, and every month's data in
/// or the deadline after the last month passed.
pub fn complete(model: &PartnershipModel, period: Period, today: Date) -> bool {
    let last = period.last_month();
    if last.last_day() >= today {
        return false;
    }
    let all_in = period
        .months()
        .all(|m| model.month_submitted_by(m, today).is_some());
    all_in || kpi::deadline(last).is_some_and(|d| d < today)
}

/// Every report of the partnership that must be issued or restated at `now`, oldest
/// period first.
pub fn due(model: &PartnershipModel, issuing: &Issuing, now: Timestamp) -> Vec<Due> {
    let Some(info) = &model.info else {
        return Vec::new();
    };
    if info.terminated_on.is_some() {
        return Vec::new();
    }
    let today = now.date_in(model.time_zone());
    let first = info.signed_on.year_month();
    let Some(last_ended) = today.year_month().prev() else {
        return Vec::new();
    };
    let mut periods = BTreeSet::new();
    let mut month = first;
    while month <= last_ended {
        for length in &issuing.lengths {
            if let Some(p) = containing(*length, month).filter(|p| p.first_month() >= first) {
                periods.insert((p.last_month(), p.month_count(), p));
            }
        }
        match month.next() {
            Some(next) => month = next,
            None => break,
        }
    }
    let mut due = Vec::new();
    for (_, _, period) in periods {
        if !complete(model, period, today)
            || !period
                .months()
                .any(|m| model.month_submitted_by(m, today).is_some())
        {
            continue;
        }
        for kind in &issuing.kinds {
            if let Some(d) = due_one(model, *kind, period, today) {
                due.push(d);
            }
        }
    }
    due
}

fn due_one(model: &PartnershipModel, kind: ReportKind, period: Period, today: Date) -> Option<Due> {
    let live = issuable(model, kind, period, today);
    let previous = model.latest_issued(kind, period).map(|p| Issued {
        version: p.version,
        body: &p.body,
    });
    let had_previous = previous.is_some();
    match restate::issue_after(previous, &live) {
        Ok(EvaluationEvent::ReportIssued {
            version,
            restatements,
            ..
        }) if !had_previous || !restatements.is_empty() => Some(Due {
            kind,
            period,
            version,
            missing: missing_months(model, &live.months_included, today),
        }),
        // Nothing changed, or a damaged stored body the command will refuse to restate.
        _ => None,
    }
}
