//! The partnership's time zone: who chooses it, when a choice binds, and that the
//! partnership's own dates are judged on its calendar.

mod common;

use common::*;
use synergy_domain::{DecisionContext, ErrorKind, testing::given};
use synergy_proto::{Event, Role, Side, TimeZone, Timestamp, events::strategy::StrategyEvent};
use synergy_strategy::{Answer, Command, Query, Strategy, StrategyState, TimeZoneProposal, answer};

const NEW_YORK: &str = "America/New_York";
const LONDON: &str = "Europe/London";
const SHANGHAI: &str = "Asia/Shanghai";

fn choose(zone: &str) -> Command {
    Command::SetTimeZone {
        partnership: partnership(),
        zone: zone.to_owned(),
    }
}

fn proposed(zone: &str, by: Side) -> Event {
    ev(StrategyEvent::TimeZoneProposed {
        zone: zone.to_owned(),
        proposed_by: by,
    })
}

fn set(zone: &str) -> Event {
    ev(StrategyEvent::TimeZoneSet {
        zone: zone.to_owned(),
    })
}

fn operator() -> DecisionContext {
    as_admin_for(manufacturer())
}

#[test]
fn the_operator_sets_a_zone_at_once() {
    given(signed(), operator())
        .when::<Strategy>(choose(NEW_YORK))
        .then([set(NEW_YORK)]);
}

#[test]
fn a_partys_choice_proposes_the_zone_and_the_other_partys_same_choice_sets_it() {
    given(signed(), as_manufacturer())
        .when::<Strategy>(choose(NEW_YORK))
        .then([proposed(NEW_YORK, Side::Manufacturer)]);
    given(signed(), as_distributor())
        .when::<Strategy>(choose(NEW_YORK))
        .then([proposed(NEW_YORK, Side::Distributor)]);
    let pending = with(signed(), [proposed(NEW_YORK, Side::Manufacturer)]);
    given(pending.clone(), as_distributor())
        .when::<Strategy>(choose(NEW_YORK))
        .then([set(NEW_YORK)]);
    // The proposer's retry is still a proposal: nothing new is recorded.
    given(pending, as_manufacturer())
        .when::<Strategy>(choose(NEW_YORK))
        .then_nothing();
}

#[test]
fn another_zone_is_a_counter_proposal() {
    let pending = with(signed(), [proposed(NEW_YORK, Side::Manufacturer)]);
    given(pending.clone(), as_distributor())
        .when::<Strategy>(choose(LONDON))
        .then([proposed(LONDON, Side::Distributor)]);
    // The proposer changes its mind before the other side answers.
    given(pending, as_manufacturer())
        .when::<Strategy>(choose(LONDON))
        .then([proposed(LONDON, Side::Manufacturer)]);
}

#[test]
fn choosing_the_zone_in_force_changes_nothing() {
    for ctx in [as_manufacturer(), as_distributor(), operator()] {
        given(signed(), ctx.clone())
            .when::<Strategy>(choose(SHANGHAI))
            .then_nothing();
        // Spelled in other letters, it is the same zone.
        given(signed(), ctx.clone())
            .when::<Strategy>(choose("asia/SHANGHAI"))
            .then_nothing();
        given(with(signed(), [set(NEW_YORK)]), ctx)
            .when::<Strategy>(choose(NEW_YORK))
            .then_nothing();
    }
}

/// Wanting the zone in force while the other zone is proposed keeps it: the proposer
/// withdraws its proposal, the other side declines it. Either way the proposal is settled.
#[test]
fn choosing_the_zone_in_force_settles_a_pending_proposal() {
    let pending = with(signed(), [proposed(NEW_YORK, Side::Manufacturer)]);
    for ctx in [as_distributor(), as_manufacturer()] {
        given(pending.clone(), ctx)
            .when::<Strategy>(choose(SHANGHAI))
            .then([set(SHANGHAI)]);
    }
    let settled = StrategyState::fold(&with(pending, [set(SHANGHAI)]));
    let p = settled.partnership().unwrap();
    assert_eq!(
        (p.time_zone.as_str(), &p.time_zone_proposal),
        (SHANGHAI, &None)
    );
}

#[test]
fn a_zone_is_recorded_as_the_tz_database_names_it() {
    given(signed(), operator())
        .when::<Strategy>(choose(" america/new_york "))
        .then([set(NEW_YORK)]);
}

#[test]
fn an_unknown_zone_is_refused_naming_the_field() {
    for zone in ["Mars/Olympus", "Beijing", "Etc/Unknown", "", "+08:00"] {
        let e = given(signed(), as_manufacturer())
            .when::<Strategy>(choose(zone))
            .refused_at("partnership.time_zone_unknown", ErrorKind::Invalid, "zone")
            .clone();
        assert!(e.message.contains("IANA"), "{e}");
    }
    // Nor by the operator.
    given(signed(), operator())
        .when::<Strategy>(choose("Asia/Beijing"))
        .refused_at("partnership.time_zone_unknown", ErrorKind::Invalid, "zone");
}

#[test]
fn only_the_parties_of_a_partnership_in_force_choose_its_zone() {
    given(signed(), as_outsider())
        .when::<Strategy>(choose(NEW_YORK))
        .refused("partnership.parties_only");
    given(signed(), ctx_as(manufacturer(), Role::Distributor))
        .when::<Strategy>(choose(NEW_YORK))
        .refused("principal.role_matches_side");
    given([], as_manufacturer())
        .when::<Strategy>(choose(NEW_YORK))
        .refused("partnership.must_exist");
    // A proposed partnership binds nobody yet, so it has no calendar to choose.
    let proposal = vec![ev(StrategyEvent::PartnershipProposed {
        manufacturer: manufacturer(),
        distributor: distributor(),
        region: "長治".to_owned(),
        signed_on: date(SIGNED_ON),
        proposed_by: Side::Manufacturer,
    })];
    given(proposal, as_distributor())
        .when::<Strategy>(choose(NEW_YORK))
        .refused("partnership.must_exist");
    given(terminated(), as_manufacturer())
        .when::<Strategy>(choose(NEW_YORK))
        .refused("partnership.terminated_accepts_nothing");
}

#[test]
fn the_view_and_the_read_carry_the_zone_and_the_proposal() {
    let state = StrategyState::fold(&signed());
    let view = state.partnership_view(&partnership()).unwrap();
    assert_eq!(view.time_zone, TimeZone::new(SHANGHAI).unwrap());

    let history = with(
        signed(),
        [set(NEW_YORK), proposed(LONDON, Side::Distributor)],
    );
    let state = StrategyState::fold(&history);
    let view = state.partnership_view(&partnership()).unwrap();
    assert_eq!(view.time_zone.name(), NEW_YORK, "a proposal binds nobody");
    let Answer::Partnership(Some(read)) = answer(
        &state,
        &Query::Partnership {
            partnership: partnership(),
        },
    ) else {
        panic!("the partnership is signed");
    };
    assert_eq!(read.time_zone, NEW_YORK);
    assert_eq!(
        read.time_zone_proposal,
        Some(TimeZoneProposal {
            zone: LONDON.to_owned(),
            proposed_by: Side::Distributor,
        })
    );
}

/// 02:00 UTC on 10 July 2008 is 10:00 on the 10th in Shanghai but 22:00 on the 9th in New
/// York: a rulebook adopted "on the 10th" has happened in the one partnership and is
/// still in the future in the other.
#[test]
fn the_partnerships_own_dates_are_judged_on_its_calendar() {
    let at = DecisionContext {
        now: "2008-07-10T02:00:00Z".parse::<Timestamp>().unwrap(),
        ..as_manufacturer()
    };
    let adopt = |on: &str| Command::AdoptRulebook {
        partnership: partnership(),
        title: "定期例會".to_owned(),
        adopted_on: date(on),
    };
    given(signed(), at.clone())
        .when::<Strategy>(adopt("2008-07-10"))
        .accepted();
    let in_new_york = with(signed(), [set(NEW_YORK)]);
    given(in_new_york.clone(), at.clone())
        .when::<Strategy>(adopt("2008-07-10"))
        .refused_at(
            "partnership.date_not_in_future",
            ErrorKind::Invalid,
            "adopted_on",
        );
    given(in_new_york, at)
        .when::<Strategy>(adopt("2008-07-09"))
        .accepted();
}
