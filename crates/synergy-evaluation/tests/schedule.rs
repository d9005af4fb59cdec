//! The schedule, given / when / then: a partnership's model and "now" are given, the
//! schedule says which reports must be issued or restated. Issuing what it names (as the
//! `issue-report` command would) is folded back into the model, as the runtime's read
//! models fold the recorded events.

mod common;

use common::{World, d, p, ym};
use proptest::prelude::*;
use serde_json::Value;
use synergy_evaluation::json::Json;
use synergy_evaluation::locale::Lang;
use synergy_evaluation::render::render_in;
use synergy_evaluation::schedule::{self, Due, Issuing};
use synergy_evaluation::{Format, Issued, Report, issue_after};
use synergy_proto::events::StrategyEvent;
use synergy_proto::events::evaluation::ReportKind;
use synergy_proto::{Context, Date, Period, Timestamp};

/// Noon of `day` in Shanghai (the default zone).
fn noon(day: &str) -> Timestamp {
    Timestamp::from_millis(d(day).start().millis() + 4 * 3_600_000)
}

/// What is due as (kind, period, version), in order.
fn due_at(w: &World, now: Timestamp) -> Vec<(ReportKind, String, u32)> {
    schedule::due(&w.model, &Issuing::default(), now)
        .into_iter()
        .map(|d| (d.kind, d.period.to_string(), d.version))
        .collect()
}

/// Issues everything due at `now` into the model; answers what was issued.
fn issue_due(w: &mut World, now: Timestamp) -> Vec<Due> {
    let today = now.date_in(w.model.time_zone());
    let due = schedule::due(&w.model, &Issuing::default(), now);
    for due in &due {
        let live = schedule::issuable(&w.model, due.kind, due.period, today);
        let previous = w.model.latest_issued(due.kind, due.period).map(|v| Issued {
            version: v.version,
            body: &v.body,
        });
        let event = issue_after(previous, &live).unwrap();
        w.ev(Context::Evaluation, &today.to_string(), event.into());
    }
    due
}

fn both(period: &str, version: u32) -> [(ReportKind, String, u32); 2] {
    [
        (ReportKind::Market, period.to_owned(), version),
        (ReportKind::Brand, period.to_owned(), version),
    ]
}

fn body(w: &World, kind: ReportKind, period: &str) -> Value {
    let issued = w.model.latest_issued(kind, p(period)).unwrap();
    serde_json::from_str(&issued.body).unwrap()
}

#[test]
fn a_month_with_its_data_in_is_due_once_it_has_ended_and_not_before() {
    let mut w = World::signed("2007-12-01");
    w.month("2008-01", "2008-01-31", "100", "1000");
    assert_eq!(due_at(&w, noon("2008-01-31")), []);
    // Midnight in Shanghai is 16:00 UTC the day before: the month has ended there.
    let just_after = Timestamp::from_millis(d("2008-02-01").start().millis() - 8 * 3_600_000 + 1);
    let just_before = Timestamp::from_millis(just_after.millis() - 2);
    assert_eq!(due_at(&w, just_before), []);
    assert_eq!(due_at(&w, just_after), both("2008-01", 1));
    issue_due(&mut w, just_after);
    assert_eq!(due_at(&w, just_after), []);
    assert_eq!(due_at(&w, noon("2008-03-01")), []);
}

#[test]
fn a_month_without_data_is_never_due() {
    let w = World::signed("2007-12-01");
    assert_eq!(due_at(&w, noon("2008-02-11")), []);
    assert_eq!(due_at(&w, noon("2009-06-01")), []);
}

#[test]
fn a_quarter_waits_for_its_three_months() {
    let mut w = World::signed("2007-12-01");
    w.month("2008-01", "2008-02-05", "100", "1000");
    w.month("2008-02", "2008-03-05", "110", "1000");
    issue_due(&mut w, noon("2008-03-05"));
    w.month("2008-03", "2008-04-03", "120", "1000");
    // March is in on the 3rd: the quarter no longer waits for the deadline.
    assert_eq!(
        due_at(&w, noon("2008-04-03")),
        [both("2008-03", 1), both("2008-Q1", 1)].concat()
    );
    issue_due(&mut w, noon("2008-04-03"));
    assert!(
        body(&w, ReportKind::Market, "2008-Q1")
            .get("months_missing")
            .is_none()
    );
}

#[test]
fn a_quarter_missing_a_month_waits_for_the_deadline_then_names_the_month() {
    let mut w = World::signed("2007-12-01");
    w.month("2008-01", "2008-02-05", "100", "1000");
    w.month("2008-02", "2008-03-05", "110", "1000");
    issue_due(&mut w, noon("2008-03-05"));
    assert_eq!(due_at(&w, noon("2008-04-10")), []);
    assert_eq!(due_at(&w, noon("2008-04-11")), both("2008-Q1", 1));
    issue_due(&mut w, noon("2008-04-11"));
    for kind in [ReportKind::Market, ReportKind::Brand] {
        assert_eq!(
            body(&w, kind, "2008-Q1")["months_missing"],
            serde_json::json!(["2008-03"])
        );
        // The issued version reads back from its frozen body and shows the months.
        let frozen = &w.model.latest_issued(kind, p("2008-Q1")).unwrap().body;
        let back = Report::from_json(&Json::parse(frozen).unwrap()).unwrap();
        for format in [Format::Markdown, Format::Html, Format::Csv] {
            let shown = render_in(&back, format, Lang::En);
            assert!(shown.contains("2008-03"), "{format:?}: {shown}");
        }
        let md = render_in(&back, Format::Markdown, Lang::En);
        assert!(
            md.contains("## Months without market data\n\n2008-03\n"),
            "{md}"
        );
    }
}

#[test]
fn a_late_month_restates_the_periods_issued_without_it() {
    let mut w = World::signed("2007-12-01");
    w.month("2008-01", "2008-02-05", "100", "1000");
    w.month("2008-02", "2008-03-05", "110", "1000");
    issue_due(&mut w, noon("2008-03-05"));
    issue_due(&mut w, noon("2008-04-11"));
    w.month("2008-03", "2008-04-20", "120", "1000");
    assert_eq!(
        due_at(&w, noon("2008-04-20")),
        [both("2008-03", 1), both("2008-Q1", 2)].concat()
    );
    issue_due(&mut w, noon("2008-04-20"));
    let v2 = w
        .model
        .latest_issued(ReportKind::Market, p("2008-Q1"))
        .unwrap();
    assert!(v2.restatements > 0);
    assert!(
        body(&w, ReportKind::Market, "2008-Q1")
            .get("months_missing")
            .is_none()
    );
    assert_eq!(due_at(&w, noon("2008-05-20")), []);
}

#[test]
fn a_correction_restates_exactly_the_periods_that_contain_the_month() {
    let mut w = World::signed("2007-12-01");
    w.year(2008, |m| 100 + u32::from(m));
    issue_due(&mut w, noon("2009-01-20"));
    assert_eq!(w.model.issued.len(), 2 * (12 + 4 + 2 + 1));
    assert_eq!(due_at(&w, noon("2009-02-20")), []);
    w.correct("2008-05", "2009-02-20", "300", "recount");
    let mut restated: Vec<(ReportKind, String, u32)> = due_at(&w, noon("2009-02-21"));
    restated.sort();
    // The periods that hold May, and those that compare themselves with a period holding
    // it (June, Q3 and H2 state their change over the period before): every figure that
    // moved is restated, nothing else.
    let mut expected = [
        both("2008-05", 2),
        both("2008-Q2", 2),
        both("2008-H1", 2),
        both("2008", 2),
        both("2008-06", 2),
        both("2008-Q3", 2),
        both("2008-H2", 2),
    ]
    .concat();
    expected.sort();
    assert_eq!(restated, expected);
    issue_due(&mut w, noon("2009-02-21"));
    let may = w.model.issued[&(ReportKind::Market, p("2008-05"))]
        .last()
        .unwrap();
    assert_eq!((may.version, may.restatements > 0), (2, true));
    assert_eq!(due_at(&w, noon("2009-02-22")), []);
}

#[test]
fn periods_before_the_signing_month_are_not_scheduled() {
    let mut w = World::signed("2008-02-15");
    w.month("2008-01", "2008-02-20", "100", "1000");
    w.month("2008-02", "2008-03-05", "110", "1000");
    w.month("2008-03", "2008-04-05", "120", "1000");
    assert_eq!(
        due_at(&w, noon("2008-04-05")),
        [both("2008-02", 1), both("2008-03", 1)].concat()
    );
}

#[test]
fn a_terminated_partnership_has_nothing_issued() {
    let mut w = World::signed("2007-12-01");
    w.month("2008-01", "2008-02-05", "100", "1000");
    w.ev(
        Context::Strategy,
        "2008-01-20",
        StrategyEvent::PartnershipTerminated {
            reason: "ended".into(),
            terminated_on: d("2008-01-20"),
        }
        .into(),
    );
    assert_eq!(due_at(&w, noon("2008-03-01")), []);
}

#[test]
fn the_setting_chooses_the_kinds_and_lengths() {
    let mut w = World::signed("2007-12-01");
    w.year(2008, |_| 100);
    let issuing = Issuing {
        kinds: [ReportKind::Scorecard].into(),
        lengths: vec![synergy_proto::PeriodKind::Quarter],
    };
    let due: Vec<String> = schedule::due(&w.model, &issuing, noon("2008-07-06"))
        .into_iter()
        .map(|d| format!("{}:{}", d.kind.as_str(), d.period))
        .collect();
    assert_eq!(due, ["scorecard:2008-Q1", "scorecard:2008-Q2"]);
}

fn day_of(n: u32) -> Date {
    d("2008-01-01").add_days(i64::from(n)).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Whatever months arrive when, and whenever the schedule is asked: nothing is due
    /// right after what was due is issued, versions go 1, 2, … without a gap, nothing is
    /// issued before its period is complete, and by the end every period with data has
    /// its version 1.
    #[test]
    fn issuing_what_is_due_leaves_nothing_due_and_skips_nothing(
        sent in proptest::collection::vec(proptest::option::of((0u32..60, 50u32..200)), 12),
        mut asks in proptest::collection::vec(0u32..500, 1..12),
    ) {
        let mut w = World::signed("2007-12-01");
        let mut arrivals: Vec<(Date, String, u32)> = sent
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.map(|(delay, volume)| {
                let month = ym("2008-01").offset(i as i64).unwrap();
                (month.next().unwrap().first_day().add_days(i64::from(delay)).unwrap(), month.to_string(), volume)
            }))
            .collect();
        arrivals.sort();
        asks.push(560);
        asks.sort_unstable();
        let mut next = 0;
        for ask in asks {
            let today = day_of(ask);
            while next < arrivals.len() && arrivals[next].0 <= today {
                let (on, month, volume) = &arrivals[next];
                w.month(month, &on.to_string(), &volume.to_string(), "1000");
                next += 1;
            }
            let now = noon(&today.to_string());
            for due in issue_due(&mut w, now) {
                prop_assert!(schedule::complete(&w.model, due.period, today));
                let versions: Vec<u32> = w.model.issued[&(due.kind, due.period)]
                    .iter()
                    .map(|v| v.version)
                    .collect();
                prop_assert_eq!(versions, (1..=due.version).collect::<Vec<_>>());
            }
            prop_assert!(schedule::due(&w.model, &Issuing::default(), now).is_empty());
        }
        for (_, month, _) in &arrivals {
            let month: Period = p(month);
            for period in [month, p(&format!("2008-Q{}", month.first_month().quarter())), p("2008")] {
                for kind in [ReportKind::Market, ReportKind::Brand] {
                    prop_assert!(w.model.latest_issued(kind, period).is_some(), "{} {}", kind.as_str(), period);
                }
            }
        }
    }
}
