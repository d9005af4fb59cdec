//! Monthly market data: who submits, which months, what the figures must satisfy, and how
//! resubmissions and corrections behave.

mod common;

use common::*;
use synergy_domain::testing::{Outcome, given};
use synergy_domain::{DecisionContext, DomainError, ErrorKind};
use synergy_information::{
    Information, MarketData, MonthSubmission, SubmitMarketData, fold_market_data,
};
use synergy_proto::{
    Cases, Event, Timestamp, Yuan,
    events::{InformationEvent, information::SkuLine},
};

fn one(month: &str) -> synergy_information::Command {
    submit(vec![month_of(month)], None)
}

/// `month_of(month)` with `edit` applied.
fn month_with(month: &str, edit: impl FnOnce(&mut MonthSubmission)) -> MonthSubmission {
    let mut sub = month_of(month);
    edit(&mut sub);
    sub
}

/// March 2008 with these `lines`, in a market of 11,000 cases, ¥1,000 and 100 outlets.
fn march_of(lines: Vec<SkuLine>) -> MonthSubmission {
    MonthSubmission {
        lines,
        market: market(11_000, 1_000, 100),
        ..month_of("2008-03")
    }
}

/// The distributor submitting `sub` alone, without a reason.
fn submitting(sub: MonthSubmission) -> Outcome {
    given([], dist()).when::<Information>(submit(vec![sub], None))
}

/// Submitting `sub` is refused by `rule` as invalid input, naming `field`.
fn refused_invalid(sub: MonthSubmission, rule: &str, field: &str) -> DomainError {
    submitting(sub)
        .refused_at(rule, ErrorKind::Invalid, field)
        .clone()
}

// --- who may submit -------------------------------------------------------------------

#[test]
fn the_distributor_submits_an_ended_month_as_revision_one_with_lines_sorted() {
    let sub = month_of("2008-06");
    assert_eq!(sub.lines[0].sku, sku(SOFT), "given out of SKU order");
    let outcome = given([], dist()).when::<Information>(submit(vec![sub.clone()], None));
    outcome.then([submitted(&sub, "2008-07-05")]);
    let Event::Information(synergy_proto::events::InformationEvent::MarketDataSubmitted {
        lines,
        ..
    }) = &outcome.accepted()[0]
    else {
        panic!("not a submission");
    };
    assert_eq!(lines[0].sku, sku(HARD));
    assert_eq!(lines[1].sku, sku(SOFT));
}

#[test]
fn the_manufacturer_may_not_submit_market_data() {
    given([], manu())
        .when::<Information>(one("2008-06"))
        .refused_as("market_data.distributor_only", ErrorKind::Forbidden);
}

#[test]
fn an_outsider_may_not_submit_market_data() {
    given([], ctx(outsider(), "2008-07-05"))
        .when::<Information>(one("2008-06"))
        .refused_as("partnership.parties_only", ErrorKind::Forbidden);
}

#[test]
fn the_distributor_acting_in_the_manufacturer_role_is_refused() {
    let who =
        synergy_domain::Principal::new(org("changzhi"), synergy_proto::Role::Manufacturer, "li");
    given([], ctx(who, "2008-07-05"))
        .when::<Information>(one("2008-06"))
        .refused("principal.role_matches_side");
}

#[test]
fn an_admin_submits_on_behalf_of_the_distributor_but_not_of_the_manufacturer() {
    given([], ctx(admin_for("changzhi"), "2008-07-05"))
        .when::<Information>(one("2008-06"))
        .then([submitted(&month_of("2008-06"), "2008-07-05")]);
    given([], ctx(admin_for("hongyun"), "2008-07-05"))
        .when::<Information>(one("2008-06"))
        .refused("market_data.distributor_only");
}

#[test]
fn a_terminated_partnership_accepts_no_market_data() {
    let mut c = dist();
    c.partnership = Some(partnership(true));
    given([], c)
        .when::<Information>(one("2008-06"))
        .refused("partnership.terminated_accepts_nothing");
}

#[test]
fn market_data_needs_an_existing_partnership() {
    let mut c = dist();
    c.partnership = None;
    given([], c)
        .when::<Information>(one("2008-06"))
        .refused("partnership.must_exist");
    let mut c = dist();
    let mut other = partnership(false);
    other.id = synergy_proto::PartnershipId::new("hongyun-yuxi").unwrap();
    c.partnership = Some(other);
    given([], c)
        .when::<Information>(one("2008-06"))
        .refused("partnership.must_exist");
}

// --- which months ----------------------------------------------------------------------

#[test]
fn a_month_that_has_not_ended_is_refused() {
    for month in ["2008-07", "2009-01"] {
        refused_invalid(
            month_of(month),
            "market_data.month_ended",
            &format!("months[{month}]"),
        );
    }
    // On the last day of June, June has still not ended.
    given([], ctx(distributor(), "2008-06-30"))
        .when::<Information>(one("2008-06"))
        .refused("market_data.month_ended");
    given([], ctx(distributor(), "2008-07-01"))
        .when::<Information>(one("2008-06"))
        .accepted();
}

/// 07:30 on 1 December in Beijing is 23:30 on 30 November in UTC: the partnership's
/// calendar (Asia/Shanghai) says November has ended, so its data is taken; at 23:59 on
/// 30 November Beijing time it has not.
#[test]
fn a_month_ends_on_the_partnerships_calendar_not_in_utc() {
    let at = |utc: &str| DecisionContext {
        now: utc.parse::<Timestamp>().unwrap(),
        ..ctx(distributor(), "2026-12-01")
    };
    given([], at("2026-11-30T23:30:00Z"))
        .when::<Information>(one("2026-11"))
        .accepted();
    given([], at("2026-11-30T15:59:00Z"))
        .when::<Information>(one("2026-11"))
        .refused("market_data.month_ended");
    given([], at("2026-11-30T16:01:00Z"))
        .when::<Information>(one("2026-11"))
        .accepted();
}

/// The same instants for a partnership that keeps its calendar in New York (UTC−5 in
/// winter): 23:59 on 30 November there (04:59 UTC on 1 December) is already 12:59 on
/// 1 December in Shanghai, so November's data is refused in New York and taken in
/// Shanghai; at 00:01 on 1 December in New York both take it.
#[test]
fn a_month_ends_in_the_partnerships_own_time_zone() {
    let in_zone = |zone: &str, utc: &str| {
        let mut ctx = DecisionContext {
            now: utc.parse::<Timestamp>().unwrap(),
            ..ctx(distributor(), "2026-12-01")
        };
        if let Some(p) = &mut ctx.partnership {
            p.time_zone = synergy_proto::TimeZone::new(zone).unwrap();
        }
        ctx
    };
    let (new_york, shanghai) = ("America/New_York", "Asia/Shanghai");
    let e = given([], in_zone(new_york, "2026-12-01T04:59:00Z"))
        .when::<Information>(one("2026-11"))
        .refused("market_data.month_ended")
        .clone();
    assert!(e.message.contains("2026-11-30"), "today in New York: {e}");
    given([], in_zone(shanghai, "2026-12-01T04:59:00Z"))
        .when::<Information>(one("2026-11"))
        .accepted();
    given([], in_zone(new_york, "2026-12-01T05:01:00Z"))
        .when::<Information>(one("2026-11"))
        .accepted();

    // The day a month is sent is the partnership's day, which the 10th is judged by:
    // 03:00 UTC on 11 December is still the 10th in New York, already the 11th in
    // Shanghai.
    let sent_on = |zone: &str| {
        let outcome =
            given([], in_zone(zone, "2026-12-11T03:00:00Z")).when::<Information>(one("2026-11"));
        match outcome.accepted() {
            [Event::Information(InformationEvent::MarketDataSubmitted { submitted_on, .. })] => {
                *submitted_on
            }
            other => panic!("one submission, got {other:?}"),
        }
    };
    assert_eq!(sent_on(new_york), date("2026-12-10"));
    assert_eq!(sent_on(shanghai), date("2026-12-11"));
}

#[test]
fn a_submission_needs_at_least_one_month() {
    given([], dist())
        .when::<Information>(submit(vec![], None))
        .refused_at("market_data.months_required", ErrorKind::Invalid, "months");
}

#[test]
fn a_month_given_twice_in_one_submission_is_refused() {
    given([], dist())
        .when::<Information>(submit(vec![month_of("2008-05"), month_of("2008-05")], None))
        .refused_at(
            "market_data.one_entry_per_month",
            ErrorKind::Invalid,
            "months[2008-05]",
        );
}

// --- the lines -------------------------------------------------------------------------

#[test]
fn at_most_one_line_per_sku() {
    refused_invalid(
        month_with("2008-06", |m| m.lines.push(line(SOFT, 1, 1, 1, 1))),
        "market_data.one_line_per_sku",
        "months[2008-06].lines[hongyun-soft]",
    );
}

#[test]
fn every_sku_must_be_registered_and_the_refusal_names_it() {
    let e = refused_invalid(
        month_with("2008-06", |m| m.lines.push(line("yunyan-gold", 1, 1, 1, 1))),
        "market_data.sku_registered",
        "months[2008-06].lines[yunyan-gold].sku",
    );
    assert!(e.message.contains("yunyan-gold"), "{e}");
    // A registered SKU the catalogue knows is fine even if the other brand's.
    submitting(month_with("2008-06", |m| {
        m.lines.push(line(ROSE, 1, 1, 1, 1))
    }))
    .accepted();
}

#[test]
fn the_market_total_goes_in_the_market_line_not_as_a_sku() {
    refused_invalid(
        month_with("2008-06", |m| m.lines.push(line("ALL", 1, 1, 1, 1))),
        "market_data.market_total_is_not_a_sku",
        "months[2008-06].lines[ALL].sku",
    );
}

#[test]
fn a_month_without_sku_lines_is_a_month_without_sales() {
    let sub = month_with("2008-06", |m| m.lines.clear());
    submitting(sub.clone()).then([submitted(&sub, "2008-07-05")]);
}

#[test]
fn negative_figures_are_refused_naming_the_field() {
    type Spoil = fn(&mut MonthSubmission);
    let cases: [(&str, Spoil); 6] = [
        ("lines[hongyun-hard].volume", |m| {
            m.lines[1].volume = Cases::from_units(-1)
        }),
        ("lines[hongyun-hard].revenue", |m| {
            m.lines[1].revenue = Yuan::from_units(-1)
        }),
        ("lines[hongyun-hard].closing_stock", |m| {
            m.lines[1].closing_stock = Cases::from_units(-1)
        }),
        ("lines[hongyun-hard].avg_retail_price", |m| {
            m.lines[1].avg_retail_price = Yuan::from_units(-1)
        }),
        ("market.volume", |m| m.market.volume = Cases::from_units(-1)),
        ("market.revenue", |m| {
            m.market.revenue = Yuan::from_units(-1)
        }),
    ];
    for (field, spoil) in cases {
        refused_invalid(
            month_with("2008-06", spoil),
            "market_data.non_negative",
            &format!("months[2008-06].{field}"),
        );
    }
}

#[test]
fn zero_figures_are_accepted() {
    let sub = MonthSubmission {
        lines: vec![SkuLine {
            closing_stock: Cases::ZERO,
            avg_retail_price: Yuan::ZERO,
            ..line(SOFT, 0, 0, 0, 0)
        }],
        market: market(0, 0, 0),
        ..month_of("2008-06")
    };
    submitting(sub).accepted();
}

#[test]
fn outlets_selling_may_not_exceed_outlets_stocking() {
    refused_invalid(
        month_with("2008-03", |m| {
            m.lines[0].outlets_selling = m.lines[0].outlets_stocking + 1
        }),
        "market_data.selling_within_stocking",
        "months[2008-03].lines[hongyun-soft].outlets_selling",
    );
    submitting(month_with("2008-03", |m| {
        m.lines[0].outlets_selling = m.lines[0].outlets_stocking
    }))
    .accepted();
}

#[test]
fn outlets_stocking_may_not_exceed_the_markets_active_outlets() {
    refused_invalid(
        month_with("2008-03", |m| {
            m.lines[1].outlets_stocking = m.market.active_outlets + 1
        }),
        "market_data.stocking_within_active_outlets",
        "months[2008-03].lines[hongyun-hard].outlets_stocking",
    );
    submitting(month_with("2008-03", |m| {
        m.lines[1].outlets_stocking = m.market.active_outlets
    }))
    .accepted();
}

#[test]
fn one_skus_volume_or_revenue_may_not_exceed_the_market() {
    type Spoil = fn(&mut MonthSubmission);
    let cases: [(&str, Spoil); 2] = [
        ("volume", |m| {
            m.lines[0].volume = Cases::from_units(m.market.volume.units() + 1)
        }),
        ("revenue", |m| {
            m.lines[0].revenue = Yuan::from_units(m.market.revenue.units() + 1)
        }),
    ];
    for (figure, spoil) in cases {
        refused_invalid(
            month_with("2008-03", spoil),
            "market_data.sku_within_market",
            &format!("months[2008-03].lines[hongyun-soft].{figure}"),
        );
    }
    // A single SKU that is the whole market: 100 %, allowed.
    let sub = MonthSubmission {
        lines: vec![line(SOFT, 11_000, 120_000_000, 100, 100)],
        ..month_of("2008-03")
    };
    submitting(sub).accepted();
}

#[test]
fn the_skus_together_may_not_exceed_the_market() {
    // Each SKU alone fits the market; together they sell 110 % of its volume, then of
    // its revenue.
    let too_much = [
        (
            vec![line(SOFT, 6_000, 1, 10, 10), line(HARD, 6_000, 1, 10, 10)],
            Some("12000.000"),
        ),
        (
            vec![line(SOFT, 1, 600, 10, 10), line(HARD, 1, 600, 10, 10)],
            None,
        ),
    ];
    for (lines, named) in too_much {
        let e = refused_invalid(
            march_of(lines),
            "market_data.skus_within_market",
            "months[2008-03].lines",
        );
        if let Some(sum) = named {
            assert!(e.message.contains(sum), "{e}");
        }
    }
    // Exactly the market: allowed.
    submitting(march_of(vec![
        line(SOFT, 5_000, 500, 10, 10),
        line(HARD, 6_000, 500, 10, 10),
    ]))
    .accepted();
}

#[test]
fn a_sum_that_overflows_is_refused_not_a_panic() {
    let huge = Cases::from_units(i64::MAX / 2 + 1);
    let sub = MonthSubmission {
        lines: vec![
            SkuLine {
                volume: huge,
                ..line(SOFT, 0, 0, 0, 0)
            },
            SkuLine {
                volume: huge,
                ..line(HARD, 0, 0, 0, 0)
            },
        ],
        market: synergy_proto::events::information::MarketTotals {
            volume: Cases::from_units(i64::MAX),
            revenue: Yuan::from_units(i64::MAX),
            active_outlets: u32::MAX,
        },
        ..month_of("2008-03")
    };
    refused_invalid(
        sub,
        "market_data.arithmetic_overflow",
        "months[2008-03].lines",
    );
}

// --- resubmissions and corrections -----------------------------------------------------

#[test]
fn an_identical_resubmission_is_a_no_op_whatever_the_line_order() {
    let sub = month_of("2008-06");
    let history = [submitted(&sub, "2008-07-02")];
    given(history.clone(), dist())
        .when::<Information>(submit(vec![sub.clone()], None))
        .then_nothing();
    let mut shuffled = sub.clone();
    shuffled.lines.reverse();
    given(history.clone(), dist())
        .when::<Information>(submit(vec![shuffled], None))
        .then_nothing();
    // A reason does not turn an identical month into a correction.
    given(history, dist())
        .when::<Information>(submit(vec![sub], Some("retry")))
        .then_nothing();
}

#[test]
fn different_data_for_a_recorded_month_without_a_reason_is_refused_naming_the_month() {
    let sub = month_of("2008-06");
    let mut changed = sub.clone();
    changed.lines[0].volume = cases(1_400);
    let e = given([submitted(&sub, "2008-07-02")], dist())
        .when::<Information>(submit(vec![changed], None))
        .refused_at(
            "market_data.correction_needs_reason",
            ErrorKind::State,
            "months[2008-06]",
        )
        .clone();
    assert!(e.message.contains("2008-06"), "{e}");
}

#[test]
fn a_correction_with_a_reason_supersedes_with_the_next_revision() {
    let sub = month_of("2008-06");
    let mut changed = sub.clone();
    changed.market.active_outlets = 3_100;
    given([submitted(&sub, "2008-07-02")], dist())
        .when::<Information>(submit(
            vec![changed.clone()],
            Some("  outlet census recounted "),
        ))
        .then([corrected(
            &changed,
            2,
            "2008-07-05",
            "outlet census recounted",
        )]);

    let mut again = changed.clone();
    again.lines.pop();
    let history = [
        submitted(&sub, "2008-07-02"),
        corrected(&changed, 2, "2008-07-03", "outlet census recounted"),
    ];
    given(history.clone(), dist())
        .when::<Information>(submit(
            vec![again.clone()],
            Some("hard pack was a duplicate"),
        ))
        .then([corrected(
            &again,
            3,
            "2008-07-05",
            "hard pack was a duplicate",
        )]);
    // Resubmitting the superseded revision 1 is a change again, not a no-op.
    given(history, dist())
        .when::<Information>(submit(vec![sub], None))
        .refused("market_data.correction_needs_reason");
}

#[test]
fn a_blank_reason_is_refused() {
    let sub = month_of("2008-06");
    let mut changed = sub.clone();
    changed.lines[0].volume = cases(1_400);
    given([submitted(&sub, "2008-07-02")], dist())
        .when::<Information>(submit(vec![changed], Some("   ")))
        .refused_at(
            "market_data.correction_reason_not_blank",
            ErrorKind::Invalid,
            "reason",
        );
}

#[test]
fn several_months_are_new_corrected_or_unchanged_in_one_decision() {
    let (apr, may, jun) = (
        month_of("2008-04"),
        month_of("2008-05"),
        month_of("2008-06"),
    );
    let mut may2 = may.clone();
    may2.lines[1].revenue = yuan(15_000_000);
    let history = [submitted(&apr, "2008-05-03"), submitted(&may, "2008-06-04")];
    // Given out of order; decided chronologically.
    given(history.clone(), dist())
        .when::<Information>(submit(
            vec![jun.clone(), may2.clone(), apr.clone()],
            Some("May invoices re-keyed"),
        ))
        .then([
            corrected(&may2, 2, "2008-07-05", "May invoices re-keyed"),
            submitted(&jun, "2008-07-05"),
        ]);
    // Without the reason nothing at all is recorded — not even the new month.
    given(history, dist())
        .when::<Information>(submit(vec![apr, may2, jun], None))
        .refused_at(
            "market_data.correction_needs_reason",
            ErrorKind::State,
            "months[2008-05]",
        );
}

#[test]
fn one_bad_month_refuses_the_whole_submission() {
    let bad = month_with("2008-03", |m| m.lines[0].outlets_selling = 5_000);
    given([], dist())
        .when::<Information>(submit(
            vec![month_of("2008-01"), month_of("2008-02"), bad],
            None,
        ))
        .refused_at(
            "market_data.selling_within_stocking",
            ErrorKind::Invalid,
            "months[2008-03].lines[hongyun-soft].outlets_selling",
        );
}

#[test]
fn review_lists_every_problem_of_a_submission() {
    let mut bad = month_of("2008-03");
    bad.lines[0].outlets_selling = 5_000;
    bad.lines[1].volume = cases(20_000);
    bad.lines.push(line("unknown-sku", 1, 1, 1, 1));
    let cmd = SubmitMarketData {
        partnership: pid(),
        months: vec![bad, month_of("2008-09")],
        reason: None,
    };
    let problems = MarketData::default().review(&cmd, &dist()).unwrap_err();
    let found: Vec<(&str, Option<&str>)> = problems
        .iter()
        .map(|e| (e.rule.as_ref(), e.field.as_deref()))
        .collect();
    for expected in [
        (
            "market_data.selling_within_stocking",
            Some("months[2008-03].lines[hongyun-soft].outlets_selling"),
        ),
        (
            "market_data.sku_within_market",
            Some("months[2008-03].lines[hongyun-hard].volume"),
        ),
        (
            "market_data.sku_registered",
            Some("months[2008-03].lines[unknown-sku].sku"),
        ),
        ("market_data.month_ended", Some("months[2008-09]")),
    ] {
        assert!(
            found.contains(&expected),
            "{expected:?} missing from {found:?}"
        );
    }
}

// --- the folded state ------------------------------------------------------------------

#[test]
fn the_state_answers_the_latest_revision_and_keeps_the_trail() {
    let sub = month_of("2008-06");
    let mut changed = sub.clone();
    changed.lines[0].volume = cases(1_400);
    let history: Vec<Event> = vec![
        submitted(&month_of("2008-05"), "2008-06-03"),
        submitted(&sub, "2008-07-02"),
        corrected(&changed, 2, "2008-07-05", "typo"),
    ];
    let state = fold_market_data(&history);
    let june = state.latest(ym("2008-06")).unwrap();
    assert_eq!(june.revision, 2);
    assert_eq!(june.reason.as_deref(), Some("typo"));
    assert_eq!(june.submitted_on, date("2008-07-05"));
    assert_eq!(june.line(&sku(SOFT)).unwrap().volume, cases(1_400));
    assert_eq!(june.total_volume(), Some(cases(2_400)));
    assert_eq!(june.total_revenue(), Some(yuan(36_000_000)));
    assert_eq!(state.revisions(ym("2008-06")).len(), 2);
    assert_eq!(state.revisions(ym("2008-06"))[0].revision, 1);
    assert!(state.latest(ym("2008-04")).is_none());
    let months: Vec<_> = state.months().map(|m| m.month.to_string()).collect();
    assert_eq!(months, ["2008-05", "2008-06"]);
    let q2: Vec<_> = state
        .in_period("2008-Q2".parse().unwrap())
        .map(|m| (m.month.to_string(), m.revision))
        .collect();
    assert_eq!(q2, [("2008-05".into(), 1), ("2008-06".to_string(), 2)]);
    assert_eq!(state.in_period("2008-Q1".parse().unwrap()).count(), 0);
}
