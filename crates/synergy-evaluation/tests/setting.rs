//! Which reports evaluation issues by itself, given / when / then: one party proposes, the
//! other's same choice sets it, an operator sets it at once, and the schedule follows the
//! setting in force.

mod common;

use common::{World, ctx, d, distributor, manufacturer, view};
use synergy_domain::DecisionContext;
use synergy_domain::testing::{Outcome, given};
use synergy_evaluation::schedule;
use synergy_evaluation::{Command, EvaluationContext, PartnershipModel};
use synergy_proto::events::EvaluationEvent;
use synergy_proto::events::evaluation::{IssuingSetting, ReportKind};
use synergy_proto::{Context, Event, PeriodKind, Role, Side, Timestamp};

/// Quarterly market reports only (written out of order, with a repeat).
fn quarterly_market() -> IssuingSetting {
    IssuingSetting {
        kinds: vec![ReportKind::Market, ReportKind::Market],
        lengths: vec![PeriodKind::Quarter],
    }
}

fn set(setting: IssuingSetting) -> Command {
    Command::SetIssuing {
        partnership: common::P.parse().unwrap(),
        setting,
    }
}

fn when(history: &[Event], ctx: DecisionContext, command: Command) -> Outcome {
    let model = PartnershipModel::new(common::P.parse().unwrap());
    given(history.to_vec(), ctx).when_deciding(command, |history, c, ctx| {
        EvaluationContext::execute(history, c, ctx, &model)
    })
}

fn normal() -> IssuingSetting {
    IssuingSetting {
        kinds: vec![ReportKind::Market],
        lengths: vec![PeriodKind::Quarter],
    }
}

fn proposed(by: Side) -> Event {
    EvaluationEvent::IssuingProposed {
        setting: normal(),
        proposed_by: by,
    }
    .into()
}

#[test]
fn a_partys_choice_proposes_the_setting() {
    when(&[], manufacturer(), set(quarterly_market())).then([proposed(Side::Manufacturer)]);
}

#[test]
fn the_other_partys_same_choice_sets_it() {
    when(
        &[proposed(Side::Manufacturer)],
        distributor(),
        set(quarterly_market()),
    )
    .then([EvaluationEvent::IssuingSet { setting: normal() }.into()]);
}

#[test]
fn the_proposers_own_choice_again_still_waits() {
    when(
        &[proposed(Side::Manufacturer)],
        manufacturer(),
        set(quarterly_market()),
    )
    .then_nothing();
}

#[test]
fn another_choice_of_the_other_party_is_a_proposal_of_its_own() {
    let yearly = IssuingSetting {
        kinds: vec![ReportKind::Brand],
        lengths: vec![PeriodKind::Year],
    };
    when(
        &[proposed(Side::Manufacturer)],
        distributor(),
        set(yearly.clone()),
    )
    .then([EvaluationEvent::IssuingProposed {
        setting: yearly,
        proposed_by: Side::Distributor,
    }
    .into()]);
}

#[test]
fn an_operator_sets_it_at_once() {
    when(&[], ctx("d", Role::Admin), set(quarterly_market()))
        .then([EvaluationEvent::IssuingSet { setting: normal() }.into()]);
}

#[test]
fn choosing_the_setting_in_force_records_nothing_or_answers_a_proposal() {
    when(&[], distributor(), set(IssuingSetting::default())).then_nothing();
    // A pending proposal is answered by keeping what is in force.
    when(
        &[proposed(Side::Manufacturer)],
        distributor(),
        set(IssuingSetting::default()),
    )
    .then([EvaluationEvent::IssuingSet {
        setting: IssuingSetting::default(),
    }
    .into()]);
}

#[test]
fn an_outsider_and_a_terminated_partnership_are_refused() {
    when(&[], ctx("x", Role::Manufacturer), set(normal())).refused("partnership.parties_only");
    let mut ended = manufacturer();
    ended.partnership = Some(view(true));
    when(&[], ended, set(normal())).refused("partnership.terminated_accepts_nothing");
}

#[test]
fn the_schedule_follows_the_setting_in_force() {
    let mut w = World::signed("2007-12-01");
    w.year(2008, |_| 100);
    let now = Timestamp::from_millis(d("2008-07-06").start().millis() + 4 * 3_600_000);
    let due = |w: &World| -> Vec<String> {
        schedule::due(&w.model, &w.model.issuing, now)
            .into_iter()
            .map(|d| format!("{} {}", d.kind.as_str(), d.period))
            .collect()
    };
    assert_eq!(due(&w).len(), 2 * (6 + 2 + 1), "{:?}", due(&w));
    w.ev(
        Context::Evaluation,
        "2008-05-01",
        proposed(Side::Manufacturer),
    );
    assert_eq!(due(&w).len(), 18, "a proposal changes nothing");
    w.ev(
        Context::Evaluation,
        "2008-05-02",
        EvaluationEvent::IssuingSet { setting: normal() }.into(),
    );
    assert_eq!(due(&w), ["market 2008-Q1", "market 2008-Q2"]);
    w.ev(
        Context::Evaluation,
        "2008-05-03",
        EvaluationEvent::IssuingSet {
            setting: IssuingSetting {
                kinds: Vec::new(),
                lengths: Vec::new(),
            },
        }
        .into(),
    );
    assert!(due(&w).is_empty());
}
