//! The exception rules, given / when / then: one party proposes, the other's same choice
//! sets them, an operator sets them at once, bad thresholds are refused naming their field,
//! and the rules in force decide what fires in exceptions and recommendations.

mod common;

use common::{Month, World, ctx, d, distributor, manufacturer, p, view};
use synergy_domain::DecisionContext;
use synergy_domain::ErrorKind;
use synergy_domain::testing::{Outcome, given};
use synergy_evaluation::recommend::recommendations;
use synergy_evaluation::report::exceptions;
use synergy_evaluation::rules::RulesChoice;
use synergy_evaluation::{Command, EvaluationContext, PartnershipModel};
use synergy_proto::events::EvaluationEvent;
use synergy_proto::events::evaluation::ExceptionRules;
use synergy_proto::{Context, Event, Percent, Role, Side};

fn pct(s: &str) -> Percent {
    Percent::parse(s).unwrap()
}

fn set(choice: RulesChoice) -> Command {
    Command::SetExceptionRules {
        partnership: common::P.parse().unwrap(),
        rules: choice,
    }
}

/// A share drop of 3 points, the rest left as in force.
fn looser() -> RulesChoice {
    RulesChoice {
        share_drop_points: Some(pct("3")),
        ..RulesChoice::default()
    }
}

fn looser_rules() -> ExceptionRules {
    ExceptionRules {
        share_drop_points: pct("3"),
        ..ExceptionRules::default()
    }
}

fn when(history: &[Event], ctx: DecisionContext, command: Command) -> Outcome {
    let model = PartnershipModel::new(common::P.parse().unwrap());
    given(history.to_vec(), ctx).when_deciding(command, |history, c, ctx| {
        EvaluationContext::execute(history, c, ctx, &model)
    })
}

fn proposed(rules: ExceptionRules, by: Side) -> Event {
    EvaluationEvent::ExceptionRulesProposed {
        rules,
        proposed_by: by,
    }
    .into()
}

fn set_event(rules: ExceptionRules) -> Event {
    EvaluationEvent::ExceptionRulesSet { rules }.into()
}

#[test]
fn a_partys_choice_proposes_the_rules_the_others_kept_as_in_force() {
    when(&[], manufacturer(), set(looser())).then([proposed(looser_rules(), Side::Manufacturer)]);
}

#[test]
fn the_other_partys_same_choice_sets_them() {
    when(
        &[proposed(looser_rules(), Side::Manufacturer)],
        distributor(),
        set(looser()),
    )
    .then([set_event(looser_rules())]);
}

#[test]
fn the_proposers_own_choice_again_still_waits() {
    when(
        &[proposed(looser_rules(), Side::Manufacturer)],
        manufacturer(),
        set(looser()),
    )
    .then_nothing();
}

#[test]
fn another_choice_of_the_other_party_is_a_proposal_of_its_own() {
    let stricter = RulesChoice {
        share_drop_points: Some(pct("0.5")),
        ..RulesChoice::default()
    };
    let stricter_rules = ExceptionRules {
        share_drop_points: pct("0.50"),
        ..ExceptionRules::default()
    };
    when(
        &[proposed(looser_rules(), Side::Manufacturer)],
        distributor(),
        set(stricter),
    )
    .then([proposed(stricter_rules, Side::Distributor)]);
}

#[test]
fn an_operator_sets_them_at_once() {
    when(&[], ctx("d", Role::Admin), set(looser())).then([set_event(looser_rules())]);
}

#[test]
fn choosing_the_rules_in_force_records_nothing_or_answers_a_proposal() {
    when(&[], distributor(), set(RulesChoice::default())).then_nothing();
    // Naming no threshold chooses the rules in force: the proposer withdraws its proposal,
    // or the other party declines it, and the defaults stay.
    for answering in [manufacturer(), distributor()] {
        when(
            &[proposed(looser_rules(), Side::Manufacturer)],
            answering,
            set(RulesChoice::default()),
        )
        .then([set_event(ExceptionRules::default())]);
    }
}

#[test]
fn a_threshold_left_out_keeps_the_one_agreed_before() {
    let attainment = RulesChoice {
        min_volume_attainment: Some(pct("80")),
        ..RulesChoice::default()
    };
    when(
        &[set_event(looser_rules())],
        manufacturer(),
        set(attainment),
    )
    .then([proposed(
        ExceptionRules {
            min_volume_attainment: pct("80"),
            ..looser_rules()
        },
        Side::Manufacturer,
    )]);
}

#[test]
fn thresholds_out_of_range_are_refused_naming_their_field() {
    let refused = |choice: RulesChoice, rule: &str, field: &str| {
        when(&[], manufacturer(), set(choice.clone())).refused_at(rule, ErrorKind::Invalid, field);
        // The operator is held to the same bounds.
        when(&[], ctx("m", Role::Admin), set(choice)).refused_at(rule, ErrorKind::Invalid, field);
    };
    refused(
        RulesChoice {
            share_drop_points: Some(pct("100.01")),
            ..RulesChoice::default()
        },
        "exception_rules.share_drop_out_of_range",
        "share_drop_points",
    );
    refused(
        RulesChoice {
            min_volume_attainment: Some(pct("200.01")),
            ..RulesChoice::default()
        },
        "exception_rules.attainment_out_of_range",
        "min_volume_attainment",
    );
    // The band is judged after the thresholds left out are filled in: 105 is the default top.
    refused(
        RulesChoice {
            price_index_low: Some(pct("105")),
            ..RulesChoice::default()
        },
        "exception_rules.price_band_empty",
        "price_index_low",
    );
    refused(
        RulesChoice {
            max_stock_to_sales: Some(pct("0")),
            ..RulesChoice::default()
        },
        "exception_rules.stock_to_sales_not_positive",
        "max_stock_to_sales",
    );
    // The bounds themselves are allowed.
    let edges = RulesChoice {
        share_drop_points: Some(pct("100")),
        min_volume_attainment: Some(pct("200")),
        price_index_low: Some(pct("0")),
        price_index_high: Some(pct("0.01")),
        max_stock_to_sales: Some(pct("0.01")),
    };
    assert_eq!(
        when(&[], manufacturer(), set(edges)).accepted().len(),
        1,
        "the edges of every range are thresholds"
    );
}

#[test]
fn an_outsider_and_a_terminated_partnership_are_refused() {
    when(&[], ctx("x", Role::Manufacturer), set(looser())).refused("partnership.parties_only");
    let mut ended = manufacturer();
    ended.partnership = Some(view(true));
    when(&[], ended, set(looser())).refused("partnership.terminated_accepts_nothing");
}

/// Q1 at `q1` cases of 1,000 a month, Q2 at `q2`: the share moves from q1/10 % to q2/10 %.
fn two_quarters(q1: &'static str, q2: &'static str) -> World {
    let mut w = World::signed("2007-12-01");
    for (q, ours) in [("2008-Q1", q1), ("2008-Q2", q2)] {
        for month in p(q).months() {
            let on = month.next().unwrap().first_day().add_days(4).unwrap();
            w.report(
                &month.to_string(),
                &on.to_string(),
                Month {
                    ours,
                    ..Month::default()
                },
            );
        }
    }
    w
}

/// Whether `share.drop` is recommended and `share_down` is an exception of the partnership
/// in 2008-Q2; both must agree.
fn share_drop_fires(w: &World) -> bool {
    let recommended = recommendations(&w.model, p("2008-Q2"), d("2008-08-01"))
        .iter()
        .any(|r| r.rule.as_str() == "share.drop");
    let excepted = exceptions(&w.model, p("2008-Q2"), d("2008-08-01"))
        .iter()
        .any(|e| {
            let text = |k| e.get(k).map(|v| v.to_text());
            text("rule").as_deref() == Some("\"share_down\"")
                && text("scope").as_deref() == Some("\"partnership\"")
        });
    assert_eq!(
        recommended, excepted,
        "recommendation and exception disagree"
    );
    recommended
}

/// Applies what deciding `command` as `ctx` records to the partnership's model, as the
/// read models fold a commit.
fn agree(w: &mut World, history: &[Event], ctx: DecisionContext, command: Command) -> Vec<Event> {
    let recorded = when(history, ctx, command).accepted().to_vec();
    for e in &recorded {
        w.ev(Context::Evaluation, "2008-07-20", e.clone());
    }
    recorded
}

/// Given a 2-point share drop (30 % → 28 %), when the default rules hold then share.drop
/// fires; when the manufacturer only proposes a 3-point threshold it still fires; once
/// the distributor accepts it no longer does.
#[test]
fn an_agreed_looser_rule_stops_share_drop_firing() {
    let mut w = two_quarters("300", "280");
    assert!(share_drop_fires(&w), "2 points is more than the default 1");
    let proposal = agree(&mut w, &[], manufacturer(), set(looser()));
    assert!(share_drop_fires(&w), "a proposal changes nothing");
    agree(&mut w, &proposal, distributor(), set(looser()));
    assert!(
        !share_drop_fires(&w),
        "2 points is not more than the agreed 3"
    );
}

/// Given a half-point drop (30 % → 29.5 %), the default lets it pass; an agreed stricter
/// rule of 0.25 points makes share.drop fire.
#[test]
fn an_agreed_stricter_rule_makes_share_drop_fire() {
    let mut w = two_quarters("300", "295");
    assert!(!share_drop_fires(&w), "0.5 points is within the default 1");
    let stricter = RulesChoice {
        share_drop_points: Some(pct("0.25")),
        ..RulesChoice::default()
    };
    agree(&mut w, &[], ctx("m", Role::Admin), set(stricter));
    assert!(
        share_drop_fires(&w),
        "0.5 points is more than the agreed 0.25"
    );
}
