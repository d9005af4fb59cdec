//! Property tests for the numeric rules: target figures, plan periods, and the invariant
//! that, whatever the sequence of commands, active plans never share a year and are
//! signed by both sides on their current revision.

mod common;

use common::*;
use proptest::prelude::*;
use synergy_domain::BoundedContext;
use synergy_proto::{Cases, Event, Percent, Period, PlanId, Side, Yuan, events::strategy::Target};
use synergy_strategy::{Command, PlanStatus, Strategy as StrategyContext, StrategyState};

fn figure() -> impl Strategy<Value = Option<i64>> {
    prop_oneof![
        1 => Just(None),
        4 => (-20_000i64..2_000_000).prop_map(Some),
    ]
}

proptest! {
    #[test]
    fn a_target_is_accepted_exactly_when_its_figures_are_valid(
        volume in figure(),
        revenue in figure(),
        share in figure(),
    ) {
        let target = Target {
            brand: None,
            period: period("2009-Q2"),
            volume: volume.map(Cases::from_units),
            revenue: revenue.map(Yuan::from_units),
            volume_share: share.map(Percent::from_units),
        };
        let valid = (volume.is_some() || revenue.is_some() || share.is_some())
            && [volume, revenue, share].iter().flatten().all(|v| *v >= 0)
            && share.is_none_or(|s| s <= 10_000);
        let result = StrategyContext::execute(
            &draft_with_target(),
            Command::SetPlanTarget { partnership: partnership(), plan: plan_id(), target },
            &as_manufacturer(),
        );
        prop_assert_eq!(result.is_ok(), valid, "{:?}", result);
    }

    #[test]
    fn a_target_period_is_accepted_exactly_when_it_lies_inside_the_plan(
        year in 2005i32..2014,
        kind in 0u8..4,
        index in 1u8..13,
    ) {
        let p = match kind {
            0 => Period::month(year, index).unwrap(),
            1 => Period::quarter(year, index % 4 + 1).unwrap(),
            2 => Period::half(year, index % 2 + 1).unwrap(),
            _ => Period::year(year).unwrap(),
        };
        let mut target = volume_target(None, "2009", "1");
        target.period = p;
        let result = StrategyContext::execute(
            &draft_with_target(),
            Command::SetPlanTarget { partnership: partnership(), plan: plan_id(), target },
            &as_manufacturer(),
        );
        prop_assert_eq!(result.is_ok(), (2008..=2010).contains(&year), "{} {:?}", p, result);
    }

    #[test]
    fn active_plans_never_overlap_and_are_signed_by_both_sides(
        steps in proptest::collection::vec(step(), 1..80),
    ) {
        let mut history = signed();
        for (plan, intent, by_manufacturer, first, span) in steps {
            let cmd = resolve(&StrategyState::fold(&history), plan, intent, first, span);
            let ctx = if by_manufacturer { as_manufacturer() } else { as_distributor() };
            if let Ok(events) = StrategyContext::execute(&history, cmd, &ctx) {
                history.extend(events);
            }
            check_invariants(&history)?;
        }
    }
}

fn plan_ids() -> [PlanId; 4] {
    ["a", "b", "c", "d"].map(|s| PlanId::new(s).unwrap())
}

/// What a step tries to do. Resolved against the current state so that most steps are
/// plausible (a plan that exists, the right revision, a year inside the plan) and
/// activations, and overlapping attempts, actually happen; offsets and skews make some of
/// them deliberately wrong.
#[derive(Debug, Clone)]
enum Intent {
    Draft,
    SetTarget { year_offset: i32 },
    Submit,
    Sign { revision_skew: u32 },
    Revise,
    Withdraw,
}

fn step() -> impl Strategy<Value = (usize, Intent, bool, i32, i32)> {
    let intent = prop_oneof![
        5 => Just(Intent::Draft),
        40 => (-1i32..4).prop_map(|year_offset| Intent::SetTarget { year_offset }),
        30 => Just(Intent::Submit),
        80 => prop_oneof![5 => Just(0u32), 1 => 1u32..3].prop_map(|revision_skew| Intent::Sign { revision_skew }),
        10 => Just(Intent::Revise),
        4 => Just(Intent::Withdraw),
    ];
    (0usize..4, intent, any::<bool>(), 2008i32..2014, 0i32..3)
}

fn resolve(
    state: &StrategyState,
    plan_index: usize,
    intent: Intent,
    first: i32,
    span: i32,
) -> Command {
    let plan = plan_ids()[plan_index].clone();
    let current = state.plan(&plan);
    let intent = if current.is_none() {
        Intent::Draft
    } else {
        intent
    };
    let p = partnership();
    match intent {
        Intent::Draft => Command::DraftPlan {
            partnership: p,
            plan,
            title: "plan".to_owned(),
            first_year: first,
            last_year: first + span,
        },
        Intent::SetTarget { year_offset } => {
            let year = current.map_or(2008, |c| c.first_year) + year_offset;
            Command::SetPlanTarget {
                partnership: p,
                plan,
                target: volume_target(None, &year.to_string(), "100"),
            }
        }
        Intent::Submit => Command::SubmitPlan {
            partnership: p,
            plan,
        },
        Intent::Sign { revision_skew } => Command::SignPlan {
            partnership: p,
            plan,
            revision: current.map_or(1, |c| c.revision) + revision_skew,
            signed_on: date("2008-03-01"),
        },
        Intent::Revise => Command::RevisePlan {
            partnership: p,
            plan,
            reason: "r".to_owned(),
        },
        Intent::Withdraw => Command::WithdrawPlan {
            partnership: p,
            plan,
            reason: "w".to_owned(),
        },
    }
}

fn check_invariants(history: &[Event]) -> Result<(), TestCaseError> {
    let state = StrategyState::fold(history);
    let active: Vec<_> = state.active_plans().collect();
    for (i, a) in active.iter().enumerate() {
        for b in &active[i + 1..] {
            prop_assert!(
                !a.overlaps(b),
                "{} ({}–{}) and {} ({}–{}) are both active",
                a.id,
                a.first_year,
                a.last_year,
                b.id,
                b.first_year,
                b.last_year
            );
        }
        for side in [Side::Manufacturer, Side::Distributor] {
            prop_assert!(a.signature_of(side).is_some(), "{} lacks the {side}", a.id);
        }
        prop_assert!(!a.targets.is_empty());
    }
    for plan in state.plans() {
        if plan.status == PlanStatus::Draft {
            prop_assert!(
                plan.signatures.is_empty(),
                "draft {} has signatures",
                plan.id
            );
        }
        for t in &plan.targets {
            prop_assert!(plan.covers(t.period), "{} holds {}", plan.id, t.period);
        }
    }
    Ok(())
}
