//! Development plan rules: whole years, targets, draft-only edits, signatures, activation,
//! revision, one active plan per year, withdrawal.

mod common;

use common::*;
use synergy_domain::testing::Outcome;
use synergy_domain::{DomainError, ErrorKind};
use synergy_proto::events::strategy::{StrategyEvent, Target};
use synergy_proto::{Event, PlanId, Side};
use synergy_strategy::{Command, PlanStatus, Strategy, StrategyState};

fn draft(plan: PlanId, first_year: i32, last_year: i32) -> Command {
    Command::DraftPlan {
        partnership: partnership(),
        plan,
        title: " 三年發展規劃 ".to_owned(),
        first_year,
        last_year,
    }
}

fn set(target: Target) -> Command {
    Command::SetPlanTarget {
        partnership: partnership(),
        plan: plan_id(),
        target,
    }
}

fn remove(b: Option<&str>, p: &str) -> Command {
    Command::RemovePlanTarget {
        partnership: partnership(),
        plan: plan_id(),
        brand: b.map(brand),
        period: period(p),
    }
}

fn submit() -> Command {
    Command::SubmitPlan {
        partnership: partnership(),
        plan: plan_id(),
    }
}

fn sign_on(plan: PlanId, revision: u32, on: &str) -> Command {
    Command::SignPlan {
        partnership: partnership(),
        plan,
        revision,
        signed_on: date(on),
    }
}

fn sign(revision: u32) -> Command {
    sign_on(plan_id(), revision, "2008-01-05")
}

fn revise_because(reason: &str) -> Command {
    Command::RevisePlan {
        partnership: partnership(),
        plan: plan_id(),
        reason: reason.to_owned(),
    }
}

fn withdraw_because(reason: &str) -> Command {
    Command::WithdrawPlan {
        partnership: partnership(),
        plan: plan_id(),
        reason: reason.to_owned(),
    }
}

fn revise() -> Command {
    revise_because("market grew faster")
}

fn withdraw() -> Command {
    withdraw_because("superseded")
}

/// Drafting `plan_id()` over `first..=last` on the signed partnership.
fn drafting(first_year: i32, last_year: i32) -> Outcome {
    given(signed(), as_manufacturer()).when::<Strategy>(draft(plan_id(), first_year, last_year))
}

/// Setting `target` on the drafted plan refuses it by `rule` as invalid, naming `field`.
fn target_refused(target: Target, rule: &str, field: &str) -> DomainError {
    given(draft_with_target(), as_manufacturer())
        .when::<Strategy>(set(target))
        .refused_at(rule, ErrorKind::Invalid, field)
        .clone()
}

// --- drafting -------------------------------------------------------------------------

#[test]
fn either_party_drafts_a_plan_over_whole_years() {
    for ctx in [as_manufacturer(), as_distributor()] {
        given(signed(), ctx)
            .when::<Strategy>(draft(plan_id(), 2008, 2010))
            .then([drafted_event(plan_id(), 2008, 2010)]);
    }
    drafting(2008, 2008).then([drafted_event(plan_id(), 2008, 2008)]);
}

#[test]
fn plan_years_must_be_in_order_and_in_range() {
    for (first, last, rule, field) in [
        (2010, 2008, "plan.years_in_order", "last_year"),
        (1899, 1901, "plan.years_in_range", "first_year"),
        (2008, 10_000, "plan.years_in_range", "last_year"),
    ] {
        drafting(first, last).refused_at(rule, ErrorKind::Invalid, field);
    }
}

#[test]
fn a_plan_spans_at_most_ten_years() {
    drafting(2008, 2017).accepted();
    drafting(2008, 2018).refused_at(
        "plan.span_at_most_ten_years",
        ErrorKind::Invalid,
        "last_year",
    );
}

#[test]
fn a_plan_needs_a_title_and_a_fresh_id() {
    let mut cmd = draft(plan_id(), 2008, 2010);
    if let Command::DraftPlan { title, .. } = &mut cmd {
        title.clear();
    }
    given(signed(), as_manufacturer())
        .when::<Strategy>(cmd)
        .refused_at("plan.title_required", ErrorKind::Invalid, "title");
    given(draft_with_target(), as_manufacturer())
        .when::<Strategy>(draft(plan_id(), 2011, 2013))
        .refused_at("plan.id_unique", ErrorKind::State, "plan");
}

#[test]
fn outsiders_cannot_touch_plans() {
    given(draft_with_target(), as_outsider())
        .when::<Strategy>(set(volume_target(None, "2009", "1")))
        .refused("partnership.parties_only");
    given(submitted(), as_outsider())
        .when::<Strategy>(sign(1))
        .refused("partnership.parties_only");
}

#[test]
fn commands_on_an_unknown_plan_are_not_found() {
    given(signed(), as_manufacturer())
        .when::<Strategy>(submit())
        .refused_at("plan.must_exist", ErrorKind::NotFound, "plan");
}

// --- targets --------------------------------------------------------------------------

#[test]
fn targets_are_set_per_brand_or_for_all_brands_inside_the_plan() {
    let t = Target {
        brand: Some(brand("hongyun")),
        period: period("2010-Q4"),
        volume: Some(cases("8000")),
        revenue: Some(yuan("112000000.00")),
        volume_share: Some(pct("100.00")),
    };
    given(draft_with_target(), as_distributor())
        .when::<Strategy>(set(t.clone()))
        .then([target_set(plan_id(), t)]);
    let all = volume_target(None, "2009-06", "2500.5");
    given(draft_with_target(), as_manufacturer())
        .when::<Strategy>(set(all.clone()))
        .then([target_set(plan_id(), all)]);
}

#[test]
fn replacing_a_target_with_the_same_figures_is_a_no_op() {
    given(draft_with_target(), as_manufacturer())
        .when::<Strategy>(set(volume_target(None, "2008", "30000")))
        .then_nothing();
    let changed = volume_target(None, "2008", "31000");
    given(draft_with_target(), as_manufacturer())
        .when::<Strategy>(set(changed.clone()))
        .then([target_set(plan_id(), changed)]);
}

#[test]
fn targets_only_for_periods_inside_the_plan() {
    for outside in ["2007-12", "2011", "2011-H1", "2007-Q4"] {
        target_refused(
            volume_target(None, outside, "1"),
            "plan.target_period_inside_plan",
            "target.period",
        );
    }
}

#[test]
fn targets_only_for_brands_in_the_portfolio() {
    let e = target_refused(
        volume_target(Some("yunyan"), "2009", "1"),
        "plan.target_brand_in_portfolio",
        "target.brand",
    );
    assert!(e.message.contains("honghe, hongyun"), "{e}");
}

#[test]
fn a_target_sets_at_least_one_figure() {
    let t = Target {
        volume: None,
        ..volume_target(None, "2009", "1")
    };
    target_refused(t, "plan.target_has_a_figure", "target");
}

#[test]
fn target_figures_are_non_negative() {
    let negative_revenue = Target {
        revenue: Some(synergy_proto::Yuan::from_units(-1)),
        ..volume_target(None, "2009", "1")
    };
    let negative_volume = Target {
        volume: Some(synergy_proto::Cases::from_units(-1)),
        ..volume_target(None, "2009", "1")
    };
    for (t, field) in [
        (negative_revenue, "target.revenue"),
        (negative_volume, "target.volume"),
    ] {
        target_refused(t, "plan.target_figures_non_negative", field);
    }
}

#[test]
fn a_share_target_is_at_most_100_percent() {
    let t = Target {
        volume_share: Some(synergy_proto::Percent::from_units(10_001)),
        ..volume_target(None, "2009", "1")
    };
    target_refused(t, "plan.target_share_at_most_100", "target.volume_share");
}

#[test]
fn targets_are_removed_in_draft() {
    let cmd = remove(None, "2008");
    given(draft_with_target(), as_manufacturer())
        .when::<Strategy>(cmd.clone())
        .then([ev(StrategyEvent::PlanTargetRemoved {
            plan: plan_id(),
            brand: None,
            period: period("2008"),
        })]);
    given(submitted(), as_manufacturer())
        .when::<Strategy>(cmd)
        .refused("plan.targets_only_in_draft");
}

#[test]
fn removing_a_target_that_is_not_there_is_refused() {
    given(draft_with_target(), as_manufacturer())
        .when::<Strategy>(remove(Some("hongyun"), "2008"))
        .refused_at("plan.target_must_exist", ErrorKind::NotFound, "period");
}

#[test]
fn targets_change_only_in_draft() {
    for history in [submitted(), active()] {
        given(history, as_manufacturer())
            .when::<Strategy>(set(volume_target(None, "2009", "1")))
            .refused_as("plan.targets_only_in_draft", ErrorKind::State);
    }
}

// --- submission and signatures ---------------------------------------------------------

#[test]
fn a_draft_with_targets_is_submitted() {
    given(draft_with_target(), as_distributor())
        .when::<Strategy>(submit())
        .then([plan_submitted(plan_id(), 1)]);
}

#[test]
fn submission_needs_at_least_one_target() {
    let h = with(signed(), [drafted_event(plan_id(), 2008, 2010)]);
    given(h, as_manufacturer())
        .when::<Strategy>(submit())
        .refused_at("plan.submit_needs_targets", ErrorKind::State, "targets");
}

#[test]
fn only_a_draft_is_submitted() {
    for history in [submitted(), active()] {
        given(history, as_manufacturer())
            .when::<Strategy>(submit())
            .refused("plan.submit_only_draft");
    }
}

#[test]
fn the_first_signature_does_not_activate() {
    given(submitted(), as_manufacturer())
        .when::<Strategy>(sign(1))
        .then([signed_by(plan_id(), 1, Side::Manufacturer)]);
}

#[test]
fn the_second_side_signing_the_same_revision_activates_the_plan() {
    let h = with(submitted(), [signed_by(plan_id(), 1, Side::Manufacturer)]);
    given(h, as_distributor()).when::<Strategy>(sign(1)).then([
        signed_by(plan_id(), 1, Side::Distributor),
        plan_activated(plan_id(), 1),
    ]);
}

#[test]
fn admin_signs_for_the_side_it_acts_for() {
    given(submitted(), as_admin_for(distributor()))
        .when::<Strategy>(sign(1))
        .then([signed_by(plan_id(), 1, Side::Distributor)]);
}

#[test]
fn a_side_signs_a_revision_once() {
    let h = with(submitted(), [signed_by(plan_id(), 1, Side::Manufacturer)]);
    given(h.clone(), as_manufacturer())
        .when::<Strategy>(sign(1))
        .refused("plan.sign_once_per_side");
    // An admin acting for the manufacturer is the same side.
    given(h, as_admin_for(manufacturer()))
        .when::<Strategy>(sign(1))
        .refused("plan.sign_once_per_side");
}

#[test]
fn only_a_submitted_revision_is_signed() {
    for history in [draft_with_target(), active()] {
        given(history, as_manufacturer())
            .when::<Strategy>(sign(1))
            .refused("plan.sign_only_submitted");
    }
}

#[test]
fn a_stale_or_unknown_revision_is_not_signed() {
    // Revision 1 was submitted and signed by the manufacturer, then revised and
    // resubmitted as revision 2.
    let h = with(
        submitted(),
        [
            signed_by(plan_id(), 1, Side::Manufacturer),
            plan_revised(2, "more"),
            plan_submitted(plan_id(), 2),
        ],
    );
    let e = given(h.clone(), as_distributor())
        .when::<Strategy>(sign(1))
        .refused_at("plan.sign_current_revision", ErrorKind::State, "revision")
        .clone();
    assert!(e.message.contains("superseded by revision 2"), "{e}");
    given(h.clone(), as_distributor())
        .when::<Strategy>(sign(3))
        .refused_at("plan.sign_current_revision", ErrorKind::State, "revision");
    // The manufacturer's signature on revision 1 does not carry over: the distributor's
    // signature on revision 2 does not activate.
    given(h, as_distributor())
        .when::<Strategy>(sign(2))
        .then([signed_by(plan_id(), 2, Side::Distributor)]);
}

#[test]
fn a_plan_signature_date_must_be_sensible() {
    given(submitted(), as_manufacturer())
        .when::<Strategy>(sign_on(plan_id(), 1, "2008-07-11"))
        .refused_at(
            "partnership.date_not_in_future",
            ErrorKind::Invalid,
            "signed_on",
        );
}

// --- revision and withdrawal -------------------------------------------------------------

#[test]
fn a_revision_returns_the_plan_to_draft_and_clears_signatures() {
    let h = with(submitted(), [signed_by(plan_id(), 1, Side::Manufacturer)]);
    let revised = plan_revised(2, "market grew faster");
    given(h.clone(), as_distributor())
        .when::<Strategy>(revise())
        .then([revised.clone()]);

    let state = StrategyState::fold(&with(h, [revised]));
    let plan = state.plan(&plan_id()).unwrap();
    assert_eq!(plan.status, PlanStatus::Draft);
    assert_eq!(plan.revision, 2);
    assert!(plan.signatures.is_empty());
    // Back in draft, targets change again.
    given(state_history_revised(), as_manufacturer())
        .when::<Strategy>(set(volume_target(None, "2009", "33000")))
        .accepted();
}

fn state_history_revised() -> Vec<Event> {
    with(active(), [plan_revised(2, "market grew faster")])
}

#[test]
fn revising_an_active_plan_ends_its_force_until_both_sign_again() {
    let state = StrategyState::fold(&state_history_revised());
    assert_eq!(state.active_plan_for_year(2008), None);
    let resubmitted = with(
        state_history_revised(),
        [
            plan_submitted(plan_id(), 2),
            signed_by(plan_id(), 2, Side::Distributor),
        ],
    );
    given(resubmitted, as_manufacturer())
        .when::<Strategy>(sign(2))
        .then([
            signed_by(plan_id(), 2, Side::Manufacturer),
            plan_activated(plan_id(), 2),
        ]);
}

#[test]
fn a_draft_is_not_revised_and_a_revision_needs_a_reason() {
    given(draft_with_target(), as_manufacturer())
        .when::<Strategy>(revise())
        .refused("plan.revise_only_submitted_or_active");
    given(active(), as_manufacturer())
        .when::<Strategy>(revise_because(" "))
        .refused_at("plan.reason_required", ErrorKind::Invalid, "reason");
}

#[test]
fn plans_are_withdrawn_with_a_reason_and_then_accept_nothing() {
    let withdrawn = ev(StrategyEvent::PlanWithdrawn {
        plan: plan_id(),
        reason: "superseded".to_owned(),
    });
    for history in [draft_with_target(), submitted(), active()] {
        given(history, as_distributor())
            .when::<Strategy>(withdraw())
            .then([withdrawn.clone()]);
    }
    given(active(), as_manufacturer())
        .when::<Strategy>(withdraw_because(""))
        .refused_at("plan.reason_required", ErrorKind::Invalid, "reason");

    let gone = with(active(), [withdrawn]);
    assert_eq!(StrategyState::fold(&gone).active_plan_for_year(2008), None);
    for cmd in [
        withdraw(),
        revise(),
        submit(),
        sign(1),
        set(volume_target(None, "2009", "1")),
    ] {
        given(gone.clone(), as_manufacturer())
            .when::<Strategy>(cmd)
            .refused("plan.withdrawn_accepts_nothing");
    }
}

// --- one active plan per period ----------------------------------------------------------

/// The active 2008–2010 plan plus a second plan over `first..=last`, submitted and signed
/// by the manufacturer.
fn second_plan_awaiting_distributor(first: i32, last: i32) -> Vec<Event> {
    with(
        active(),
        [
            drafted_event(other_plan_id(), first, last),
            target_set(
                other_plan_id(),
                volume_target(None, &first.to_string(), "40000"),
            ),
            plan_submitted(other_plan_id(), 1),
            signed_by(other_plan_id(), 1, Side::Manufacturer),
        ],
    )
}

fn sign_other() -> Command {
    sign_on(other_plan_id(), 1, "2008-02-01")
}

#[test]
fn activation_overlapping_another_active_plan_is_refused() {
    let e = given(
        second_plan_awaiting_distributor(2010, 2012),
        as_distributor(),
    )
    .when::<Strategy>(sign_other())
    .refused_as("plan.one_active_per_period", ErrorKind::State);
    assert!(e.message.contains("plan-2008-2010"), "{e}");
}

#[test]
fn a_plan_for_the_following_years_activates_beside_the_current_one() {
    given(
        second_plan_awaiting_distributor(2011, 2013),
        as_distributor(),
    )
    .when::<Strategy>(sign_other())
    .then([
        ev(StrategyEvent::PlanSigned {
            plan: other_plan_id(),
            revision: 1,
            side: Side::Distributor,
            signed_by: distributor(),
            signed_on: date("2008-02-01"),
        }),
        plan_activated(other_plan_id(), 1),
    ]);
}

#[test]
fn an_overlapping_plan_activates_once_the_old_one_is_withdrawn() {
    let h = with(
        second_plan_awaiting_distributor(2010, 2012),
        [ev(StrategyEvent::PlanWithdrawn {
            plan: plan_id(),
            reason: "replaced".to_owned(),
        })],
    );
    let events = given(h, as_distributor())
        .when::<Strategy>(sign_other())
        .accepted()
        .to_vec();
    assert_eq!(events.len(), 2);
}
