//! Queries and the accessors the evaluation service uses: the active plan, its targets per
//! period and brand, and targets derived from sub-periods.

mod common;

use common::*;
use synergy_domain::BoundedContext;
use synergy_proto::{AggregateId, Cases, Context, Event, events::strategy::Target};
use synergy_strategy::{Answer, Command, PlanStatus, Query, Strategy, StrategyState, answer};

/// The all-brands volume target of `plan_id()` for `p` after `history`, whether or not
/// the plan is in force.
fn plan_volume_target(history: &[Event], p: &str) -> Option<Cases> {
    StrategyState::fold(history)
        .plan(&plan_id())
        .unwrap()
        .volume_target(None, period(p))
}

#[test]
fn every_command_routes_to_the_partnership_singleton() {
    let cmd = Command::SubmitPlan {
        partnership: partnership(),
        plan: plan_id(),
    };
    let stream = Strategy::stream_of(&cmd);
    assert_eq!(stream.context, Context::Strategy);
    assert_eq!(stream.partnership, partnership());
    assert_eq!(stream.aggregate, AggregateId::singleton("partnership"));
    let q = Query::Plans {
        partnership: partnership(),
    };
    assert_eq!(q.stream(), stream);
    assert_eq!(cmd.verb(), "submit-plan");
}

#[test]
fn execute_folds_history_and_wraps_events() {
    let events = Strategy::execute(
        &signed(),
        Command::AdoptRulebook {
            partnership: partnership(),
            title: "定期例會高層互訪機制".to_owned(),
            adopted_on: date("2008-01-02"),
        },
        &as_manufacturer(),
    )
    .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].name(), "RulebookAdopted");
}

/// An active 2008–2010 plan with a year target, monthly targets for 2009-Q1 and a
/// brand-level share target.
fn active_with_targets() -> Vec<Event> {
    let mut h = draft_with_target();
    for (m, v) in [
        ("2009-01", "1000"),
        ("2009-02", "1100"),
        ("2009-03", "1200.5"),
    ] {
        h.push(target_set(plan_id(), volume_target(None, m, v)));
    }
    h.push(target_set(
        plan_id(),
        Target {
            brand: Some(brand("hongyun")),
            period: period("2008-H1"),
            volume: Some(cases("15300")),
            revenue: Some(yuan("217000000.00")),
            volume_share: Some(pct("22.63")),
        },
    ));
    with(h, approval(plan_id()))
}

#[test]
fn the_active_plan_answers_targets_per_period_and_brand() {
    let state = StrategyState::fold(&active_with_targets());
    let hongyun = brand("hongyun");
    assert_eq!(
        state.active_plan_for_year(2009).map(|p| p.id.clone()),
        Some(plan_id())
    );
    assert_eq!(state.active_plan_for_year(2011), None);
    assert_eq!(
        state.active_volume_target(None, period("2008")),
        Some(cases("30000"))
    );
    assert_eq!(
        state.active_volume_target(Some(&hongyun), period("2008-H1")),
        Some(cases("15300"))
    );
    assert_eq!(
        state.active_revenue_target(Some(&hongyun), period("2008-H1")),
        Some(yuan("217000000.00"))
    );
    assert_eq!(
        state.active_volume_share_target(Some(&hongyun), period("2008-H1")),
        Some(pct("22.63"))
    );
    // No all-brands target for 2008-H1: the year target is not split by guesswork.
    assert_eq!(state.active_volume_target(None, period("2008-H1")), None);
    assert_eq!(state.active_target(None, period("2008-H1")), None);
    assert_eq!(
        state
            .active_target(Some(&hongyun), period("2008-H1"))
            .map(|t| t.volume),
        Some(Some(cases("15300")))
    );
}

#[test]
fn a_quarter_target_is_the_sum_of_its_monthly_targets_when_all_are_set() {
    let state = StrategyState::fold(&active_with_targets());
    assert_eq!(
        state.active_volume_target(None, period("2009-Q1")),
        Some(cases("3300.5"))
    );
    // 2009-Q2 has no months set, so neither it nor 2009-H1 is determined.
    assert_eq!(state.active_volume_target(None, period("2009-Q2")), None);
    assert_eq!(state.active_volume_target(None, period("2009-H1")), None);
    // No revenue figures at all.
    assert_eq!(state.active_revenue_target(None, period("2009-Q1")), None);
    // Share targets are never derived.
    assert_eq!(
        state.active_volume_share_target(None, period("2009-Q1")),
        None
    );
}

#[test]
fn targets_of_a_plan_that_is_not_active_are_not_binding() {
    let state = StrategyState::fold(&submitted());
    assert_eq!(state.active_volume_target(None, period("2008")), None);
    assert_eq!(
        plan_volume_target(&submitted(), "2008"),
        Some(cases("30000"))
    );
}

#[test]
fn queries_answer_from_the_folded_stream() {
    let state = StrategyState::fold(&active_with_targets());
    let Answer::Partnership(Some(p)) = answer(
        &state,
        &Query::Partnership {
            partnership: partnership(),
        },
    ) else {
        panic!("the partnership is signed");
    };
    assert_eq!(p.manufacturer, manufacturer());

    let Answer::Plans(plans) = answer(
        &state,
        &Query::Plans {
            partnership: partnership(),
        },
    ) else {
        panic!("plans answer");
    };
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0].status, PlanStatus::Active);
    assert_eq!(plans[0].signatures.len(), 2);

    let Answer::ActiveTargets(targets) = answer(
        &state,
        &Query::ActiveTargets {
            partnership: partnership(),
            period: period("2008-H1"),
        },
    ) else {
        panic!("targets answer");
    };
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0].brand, Some(brand("hongyun")));

    assert_eq!(
        answer(
            &state,
            &Query::ActivePlan {
                partnership: partnership(),
                year: 2012
            }
        ),
        Answer::ActivePlan(None)
    );
    assert_eq!(
        answer(
            &StrategyState::default(),
            &Query::Plan {
                partnership: partnership(),
                plan: plan_id()
            }
        ),
        Answer::Plan(None)
    );
}

#[test]
fn targets_are_kept_in_period_then_brand_order_one_per_key() {
    let h = with(
        draft_with_target(),
        [
            target_set(plan_id(), volume_target(Some("hongyun"), "2009", "5")),
            target_set(plan_id(), volume_target(None, "2009", "9")),
            target_set(plan_id(), volume_target(None, "2008-06", "1")),
            target_set(plan_id(), volume_target(None, "2009", "10")),
        ],
    );
    let state = StrategyState::fold(&h);
    let keys: Vec<(String, Option<String>)> = state
        .plan(&plan_id())
        .unwrap()
        .targets
        .iter()
        .map(|t| {
            (
                t.period.to_string(),
                t.brand.as_ref().map(|b| b.to_string()),
            )
        })
        .collect();
    assert_eq!(
        keys,
        [
            ("2008".to_owned(), None),
            ("2008-06".to_owned(), None),
            ("2009".to_owned(), None),
            ("2009".to_owned(), Some("hongyun".to_owned())),
        ]
    );
    assert_eq!(plan_volume_target(&h, "2009"), Some(cases("10")));
}

#[test]
fn a_year_target_is_derived_through_halves_from_quarter_targets() {
    let mut h = signed();
    h.push(drafted_event(plan_id(), 2008, 2010));
    for (q, v) in [("2010-Q1", "10"), ("2010-Q2", "20"), ("2010-Q3", "30")] {
        h.push(target_set(plan_id(), volume_target(None, q, v)));
    }
    assert_eq!(plan_volume_target(&h, "2010-H1"), Some(cases("30")));
    assert_eq!(plan_volume_target(&h, "2010"), None);
    h.push(target_set(plan_id(), volume_target(None, "2010-Q4", "40")));
    assert_eq!(plan_volume_target(&h, "2010"), Some(cases("100")));
    // A target set for the year itself wins over the sum of its parts.
    h.push(target_set(plan_id(), volume_target(None, "2010", "120")));
    assert_eq!(plan_volume_target(&h, "2010"), Some(cases("120")));
}
