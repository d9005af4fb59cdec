//! Partnership rules: who signs, who acts, rulebooks, termination.

mod common;

use common::*;
use synergy_domain::ErrorKind;
use synergy_proto::{Event, Role, Side, events::strategy::StrategyEvent};
use synergy_strategy::{Command, Strategy, StrategyState, partnership_view};

fn sign_terms(manufacturer_org: &str, distributor_org: &str, region: &str, on: &str) -> Command {
    Command::SignPartnership {
        partnership: partnership(),
        manufacturer: synergy_proto::OrgId::new(manufacturer_org).unwrap(),
        distributor: synergy_proto::OrgId::new(distributor_org).unwrap(),
        region: region.to_owned(),
        signed_on: date(on),
    }
}

fn sign(manufacturer_org: &str, distributor_org: &str) -> Command {
    sign_terms(manufacturer_org, distributor_org, " 長治 ", SIGNED_ON)
}

fn adopt_on(title: &str, on: &str) -> Command {
    Command::AdoptRulebook {
        partnership: partnership(),
        title: title.to_owned(),
        adopted_on: date(on),
    }
}

fn adopt(title: &str) -> Command {
    adopt_on(title, "2008-01-02")
}

fn rulebook_adopted(title: &str) -> Event {
    ev(StrategyEvent::RulebookAdopted {
        title: title.to_owned(),
        adopted_on: date("2008-01-02"),
    })
}

/// The manufacturer's proposal, awaiting the distributor.
fn proposal() -> Vec<Event> {
    vec![proposed(Side::Manufacturer)]
}

fn terminate(reason: &str) -> Command {
    Command::TerminatePartnership {
        partnership: partnership(),
        reason: reason.to_owned(),
        terminated_on: date("2008-06-30"),
    }
}

fn proposed(by: Side) -> Event {
    ev(StrategyEvent::PartnershipProposed {
        manufacturer: manufacturer(),
        distributor: distributor(),
        region: "長治".to_owned(),
        signed_on: date(SIGNED_ON),
        proposed_by: by,
    })
}

fn accept() -> Command {
    Command::AcceptPartnership {
        partnership: partnership(),
    }
}

fn decline(reason: &str) -> Command {
    Command::DeclinePartnership {
        partnership: partnership(),
        reason: reason.to_owned(),
    }
}

fn withdraw(reason: &str) -> Command {
    Command::WithdrawPartnership {
        partnership: partnership(),
        reason: reason.to_owned(),
    }
}

#[test]
fn a_partys_signature_only_proposes_the_partnership() {
    given(vec![], as_manufacturer())
        .when::<Strategy>(sign("hongyun", "changzhi"))
        .then([proposed(Side::Manufacturer)]);
    given(vec![], as_distributor())
        .when::<Strategy>(sign("hongyun", "changzhi"))
        .then([proposed(Side::Distributor)]);
    // A proposal binds nobody: other contexts see no partnership.
    let state = StrategyState::fold(&[proposed(Side::Manufacturer)]);
    assert_eq!(state.partnership_view(&partnership()), None);
    assert!(state.proposal().is_some());
}

#[test]
fn the_operator_records_both_signatures_at_once() {
    given(vec![], as_admin_for(manufacturer()))
        .when::<Strategy>(sign("hongyun", "changzhi"))
        .then(signed());
    given(
        vec![proposed(Side::Distributor)],
        as_admin_for(manufacturer()),
    )
    .when::<Strategy>(sign("hongyun", "changzhi"))
    .then(signed());
}

#[test]
fn the_other_party_accepts_or_signs_the_same_terms() {
    given(proposal(), as_distributor())
        .when::<Strategy>(accept())
        .then(signed());
    given(proposal(), as_distributor())
        .when::<Strategy>(sign("hongyun", "changzhi"))
        .then(signed());
    // The proposer's own retry changes nothing; it cannot accept for the other side.
    given(proposal(), as_manufacturer())
        .when::<Strategy>(sign("hongyun", "changzhi"))
        .then([]);
    given(proposal(), as_manufacturer())
        .when::<Strategy>(accept())
        .refused_as("partnership.addressee_answers", ErrorKind::Forbidden);
    // Accepting again once signed is a no-op for its parties.
    given(with(proposal(), signed()), as_distributor())
        .when::<Strategy>(accept())
        .then([]);
}

#[test]
fn until_accepted_a_proposal_takes_only_accept_decline_or_withdraw() {
    for ctx in [as_manufacturer(), as_distributor()] {
        given(proposal(), ctx)
            .when::<Strategy>(adopt("定期例會"))
            .refused("partnership.must_exist");
    }
    given(proposal(), as_distributor())
        .when::<Strategy>(sign("hongyun", "changzhi-other"))
        .refused("partnership.parties_only");
    given(proposal(), as_distributor())
        .when::<Strategy>(sign_terms("hongyun", "changzhi", "太原", SIGNED_ON))
        .refused("partnership.proposal_pending");
}

#[test]
fn the_addressee_declines_and_the_proposer_withdraws() {
    given(proposal(), as_distributor())
        .when::<Strategy>(decline("條件不合"))
        .then([ev(StrategyEvent::PartnershipProposalDeclined {
            reason: "條件不合".into(),
        })]);
    given(proposal(), as_manufacturer())
        .when::<Strategy>(withdraw("改期"))
        .then([ev(StrategyEvent::PartnershipProposalWithdrawn {
            reason: "改期".into(),
        })]);
    for (ctx, cmd, rule) in [
        (
            as_manufacturer(),
            decline("x"),
            "partnership.addressee_answers",
        ),
        (
            as_distributor(),
            withdraw("x"),
            "partnership.proposer_withdraws",
        ),
        (
            as_distributor(),
            decline("  "),
            "partnership.reason_required",
        ),
    ] {
        given(proposal(), ctx).when::<Strategy>(cmd).refused(rule);
    }
    // Declined or withdrawn, the id is free for a new proposal.
    for ended in [
        StrategyEvent::PartnershipProposalDeclined { reason: "x".into() },
        StrategyEvent::PartnershipProposalWithdrawn { reason: "x".into() },
    ] {
        given(
            vec![proposed(Side::Manufacturer), ev(ended)],
            as_distributor(),
        )
        .when::<Strategy>(sign("hongyun", "changzhi"))
        .then([proposed(Side::Distributor)]);
    }
}

#[test]
fn outsiders_get_the_answer_of_a_missing_partnership_naming_nobody() {
    let missing = given(vec![], as_outsider())
        .when::<Strategy>(accept())
        .refused("partnership.must_exist")
        .clone();
    for history in [proposal(), signed()] {
        for command in [accept(), decline("x"), withdraw("x")] {
            let e = given(history.clone(), as_outsider())
                .when::<Strategy>(command)
                .refused("partnership.must_exist")
                .clone();
            assert_eq!(e, missing);
        }
    }
    // Signing an id someone else holds: taken, and nobody is named.
    let outsider_terms = sign_terms("yuxi", "changzhi", "玉溪", SIGNED_ON);
    for history in [proposal(), signed()] {
        let e = given(history, ctx_as(outsider(), Role::Manufacturer))
            .when::<Strategy>(outsider_terms.clone())
            .refused("partnership.id_taken")
            .clone();
        assert_eq!(
            e.message,
            format!(
                "the partnership id {} is taken; choose another id",
                partnership()
            )
        );
    }
}

#[test]
fn signing_needs_two_different_parties() {
    given(vec![], as_manufacturer())
        .when::<Strategy>(sign("hongyun", "hongyun"))
        .refused_at(
            "partnership.two_different_parties",
            ErrorKind::Invalid,
            "distributor",
        );
}

#[test]
fn an_outsider_cannot_sign_for_others() {
    given(vec![], as_outsider())
        .when::<Strategy>(sign("hongyun", "changzhi"))
        .refused_as("partnership.parties_only", ErrorKind::Forbidden);
    given(vec![], as_admin_for(outsider()))
        .when::<Strategy>(sign("hongyun", "changzhi"))
        .refused("partnership.parties_only");
}

#[test]
fn a_party_cannot_sign_in_the_other_sides_role() {
    // The distributor organisation acting in the manufacturer role.
    given(vec![], ctx_as(distributor(), Role::Manufacturer))
        .when::<Strategy>(sign("hongyun", "changzhi"))
        .refused("principal.role_matches_side");
}

#[test]
fn signing_needs_a_region_and_a_date_that_has_come() {
    for (region, on, rule, field) in [
        ("  ", SIGNED_ON, "partnership.region_required", "region"),
        (
            " 長治 ",
            "2008-07-11",
            "partnership.date_not_in_future",
            "signed_on",
        ),
    ] {
        given(vec![], as_manufacturer())
            .when::<Strategy>(sign_terms("hongyun", "changzhi", region, on))
            .refused_at(rule, ErrorKind::Invalid, field);
    }
}

#[test]
fn an_identical_re_sign_is_a_no_op() {
    given(signed(), as_distributor())
        .when::<Strategy>(sign("hongyun", "changzhi"))
        .then_nothing();
}

#[test]
fn signing_an_existing_partnership_with_other_terms_is_refused() {
    let e = given(signed(), as_manufacturer())
        .when::<Strategy>(sign("hongyun", "taiyuan"))
        .refused_as("partnership.already_signed", ErrorKind::State);
    assert!(e.message.contains("changzhi"), "{e}");
}

#[test]
fn a_terminated_partnership_cannot_be_signed_again() {
    given(terminated(), as_manufacturer())
        .when::<Strategy>(sign("hongyun", "changzhi"))
        .refused("partnership.terminated_accepts_nothing");
}

#[test]
fn commands_before_signing_are_refused_as_not_found() {
    given(vec![], as_manufacturer())
        .when::<Strategy>(adopt("定期例會高層互訪機制"))
        .refused_as("partnership.must_exist", ErrorKind::NotFound);
}

#[test]
fn parties_adopt_rulebooks() {
    for title in [
        "三年發展規劃品牌培育方案",
        "定期例會高層互訪機制",
        "市場預測及訂單組織貨源流程",
    ] {
        given(signed(), as_distributor())
            .when::<Strategy>(adopt(&format!("  {title} ")))
            .then([rulebook_adopted(title)]);
    }
}

#[test]
fn adopting_the_same_rulebook_twice_is_a_no_op() {
    let h = with(signed(), [rulebook_adopted("定期例會高層互訪機制")]);
    given(h, as_manufacturer())
        .when::<Strategy>(adopt("定期例會高層互訪機制"))
        .then_nothing();
}

#[test]
fn a_rulebook_needs_a_title_and_a_sensible_date() {
    given(signed(), as_manufacturer())
        .when::<Strategy>(adopt(" "))
        .refused_at(
            "partnership.rulebook_title_required",
            ErrorKind::Invalid,
            "title",
        );
    for (on, rule) in [
        ("2007-12-17", "partnership.date_not_before_signing"),
        ("2009-01-01", "partnership.date_not_in_future"),
    ] {
        given(signed(), as_manufacturer())
            .when::<Strategy>(adopt_on("定期例會高層互訪機制", on))
            .refused_at(rule, ErrorKind::Invalid, "adopted_on");
    }
}

#[test]
fn only_parties_act_on_a_partnership() {
    given(signed(), as_outsider())
        .when::<Strategy>(adopt("定期例會高層互訪機制"))
        .refused_as("partnership.parties_only", ErrorKind::Forbidden);
    given(signed(), as_admin_for(outsider()))
        .when::<Strategy>(terminate("no reason"))
        .refused("partnership.parties_only");
}

#[test]
fn admin_acts_on_behalf_of_a_party() {
    given(signed(), as_admin_for(distributor()))
        .when::<Strategy>(adopt("定期例會高層互訪機制"))
        .accepted();
}

#[test]
fn a_party_terminates_with_a_reason() {
    given(signed(), as_distributor())
        .when::<Strategy>(terminate(" agreement expired "))
        .then(terminated().split_off(1));
}

#[test]
fn termination_needs_a_reason() {
    given(signed(), as_manufacturer())
        .when::<Strategy>(terminate(""))
        .refused_at("partnership.reason_required", ErrorKind::Invalid, "reason");
}

#[test]
fn a_terminated_partnership_accepts_nothing_new() {
    let commands = [
        adopt("新制度"),
        terminate("again"),
        Command::DraftPlan {
            partnership: partnership(),
            plan: plan_id(),
            title: "三年發展規劃".to_owned(),
            first_year: 2009,
            last_year: 2011,
        },
    ];
    for cmd in commands {
        given(terminated(), as_manufacturer())
            .when::<Strategy>(cmd)
            .refused_as("partnership.terminated_accepts_nothing", ErrorKind::State);
    }
}

#[test]
fn the_partnership_view_comes_from_the_strategy_stream() {
    assert_eq!(partnership_view(&partnership(), &[]), None);
    let view = partnership_view(&partnership(), &signed()).unwrap();
    assert_eq!(view.manufacturer, manufacturer());
    assert_eq!(view.distributor, distributor());
    assert!(!view.terminated);
    assert!(
        partnership_view(&partnership(), &terminated())
            .unwrap()
            .terminated
    );

    let state = StrategyState::fold(&terminated());
    let p = state.partnership().unwrap();
    assert_eq!(p.region, "長治");
    assert_eq!(
        p.terminated.as_ref().map(|t| t.reason.as_str()),
        Some("agreement expired")
    );
}

#[test]
fn a_party_in_the_wrong_role_hears_of_its_role_not_of_a_taken_id() {
    for history in [signed(), proposal()] {
        given(history, ctx_as(distributor(), Role::Manufacturer))
            .when::<Strategy>(sign("hongyun", "changzhi"))
            .refused("principal.role_matches_side");
    }
}
