//! Meetings: scheduled by either party, then held (attendees, minutes, decisions) or
//! cancelled, never both and never twice.

mod common;

use common::*;
use synergy_domain::testing::given;
use synergy_domain::{DecisionContext, ErrorKind};
use synergy_proto::events::support::{Attendee, MeetingKind, SupportEvent};
use synergy_proto::{Date, Event, Period};
use synergy_support::{
    Command, MeetingCommand, MeetingState, MeetingStatus, REVIEW_AGENDA, SupportContext,
};

fn q2() -> Period {
    "2008-Q2".parse().unwrap()
}

fn schedule(kind: MeetingKind, on: &str, period: Option<Period>, agenda: &[&str]) -> Command {
    MeetingCommand::Schedule {
        partnership: pid(),
        meeting: mid("review-2008-q2"),
        kind,
        title: "  Q2 2008 joint review  ".into(),
        scheduled_on: date(on),
        period,
        agenda: agenda.iter().map(|s| (*s).to_owned()).collect(),
    }
    .into()
}

/// Scheduling the Q2 review on `on` with the default agenda.
fn review_on(on: &str) -> Command {
    schedule(MeetingKind::RegularReview, on, Some(q2()), &[])
}

fn review_scheduled(on: &str) -> Event {
    ev(SupportEvent::MeetingScheduled {
        meeting: mid("review-2008-q2"),
        kind: MeetingKind::RegularReview,
        title: "Q2 2008 joint review".into(),
        scheduled_on: date(on),
        period: Some(q2()),
        agenda: REVIEW_AGENDA.iter().map(|s| (*s).to_owned()).collect(),
    })
}

fn visit_scheduled(on: &str) -> Event {
    ev(SupportEvent::MeetingScheduled {
        meeting: mid("review-2008-q2"),
        kind: MeetingKind::ExecutiveVisit,
        title: "Hongyun executives visit Changzhi".into(),
        scheduled_on: date(on),
        period: None,
        agenda: vec![],
    })
}

fn hold(on: &str, attendees: Vec<Attendee>, minutes: &str, decisions: &[&str]) -> Command {
    MeetingCommand::Hold {
        partnership: pid(),
        meeting: mid("review-2008-q2"),
        held_on: date(on),
        attendees,
        minutes: minutes.into(),
        decisions: decisions.iter().map(|s| (*s).to_owned()).collect(),
    }
    .into()
}

fn cancel(reason: &str) -> Command {
    MeetingCommand::Cancel {
        partnership: pid(),
        meeting: mid("review-2008-q2"),
        reason: reason.into(),
    }
    .into()
}

fn held_event(on: &str) -> Event {
    ev(SupportEvent::MeetingHeld {
        meeting: mid("review-2008-q2"),
        held_on: date(on),
        attendees: both_sides(),
        minutes: "Reviewed Q2.".into(),
        decisions: vec![],
    })
}

// ---- schedule ----

#[test]
fn a_review_is_scheduled_with_its_agenda_trimmed() {
    given([], ctx(manufacturer()))
        .when::<SupportContext>(schedule(
            MeetingKind::RegularReview,
            "2008-07-05",
            Some(q2()),
            &[" share vs target ", "new SKU launch"],
        ))
        .then([ev(SupportEvent::MeetingScheduled {
            meeting: mid("review-2008-q2"),
            kind: MeetingKind::RegularReview,
            title: "Q2 2008 joint review".into(),
            scheduled_on: date("2008-07-05"),
            period: Some(q2()),
            agenda: vec!["share vs target".into(), "new SKU launch".into()],
        })]);
}

#[test]
fn a_review_without_agenda_gets_the_seeds_review_questions() {
    let events = given([], ctx(distributor()))
        .when::<SupportContext>(review_on("2008-07-05"))
        .accepted()
        .to_vec();
    let [Event::Support(SupportEvent::MeetingScheduled { agenda, .. })] = events.as_slice() else {
        panic!("expected one MeetingScheduled, got {events:?}");
    };
    assert_eq!(agenda.len(), 8);
    for topic in [
        "why did we win, or why did we lose",
        "meet all of the customer's needs",
        "next target",
        "is our plan unique",
        "pricing",
        "gathered customer information",
        "shared with the departments",
    ] {
        assert!(
            agenda.iter().any(|item| item.contains(topic)),
            "default agenda lacks {topic:?}: {agenda:?}"
        );
    }
}

#[test]
fn other_meetings_keep_an_empty_agenda_and_need_no_period() {
    given([], ctx(manufacturer()))
        .when::<SupportContext>(schedule_training(
            "training-1",
            "Customer-manager training at the factory",
            "2008-08-20",
        ))
        .then([ev(SupportEvent::MeetingScheduled {
            meeting: mid("training-1"),
            kind: MeetingKind::Training,
            title: "Customer-manager training at the factory".into(),
            scheduled_on: date("2008-08-20"),
            period: None,
            agenda: vec![],
        })]);
}

#[test]
fn past_meetings_can_be_back_filled() {
    // now is 2008-07-10; the partnership records its January review after the fact.
    let accepted = given([], ctx(distributor()))
        .when::<SupportContext>(schedule(
            MeetingKind::RegularReview,
            "2008-01-05",
            Some("2007-12".parse().unwrap()),
            &[],
        ))
        .accepted()
        .len();
    assert_eq!(accepted, 1);
}

#[test]
fn an_admin_schedules_on_behalf_of_a_party() {
    let outcome =
        given([], ctx(admin_for_distributor())).when::<SupportContext>(review_on("2008-07-05"));
    assert_eq!(outcome.accepted().len(), 1);
}

#[test]
fn scheduling_twice_is_refused() {
    let e = given([review_scheduled("2008-07-05")], ctx(manufacturer()))
        .when::<SupportContext>(review_on("2008-07-06"))
        .refused_as("meeting.schedule_once", ErrorKind::State);
    assert!(e.message.contains("new id"), "{e}");
}

#[test]
fn a_blank_title_is_refused() {
    given([], ctx(manufacturer()))
        .when::<SupportContext>(schedule_training("m1", "   ", "2008-07-05"))
        .refused_at("meeting.title_required", ErrorKind::Invalid, "title");
}

#[test]
fn an_overlong_title_is_refused() {
    let title = "會".repeat(201);
    let outcome = given([], ctx(manufacturer())).when::<SupportContext>(schedule_training(
        "m1",
        &title,
        "2008-07-05",
    ));
    outcome.refused_at("meeting.text_within_limit", ErrorKind::Invalid, "title");
}

#[test]
fn a_review_without_a_period_is_refused() {
    given([], ctx(manufacturer()))
        .when::<SupportContext>(schedule(
            MeetingKind::RegularReview,
            "2008-07-05",
            None,
            &[],
        ))
        .refused_at("meeting.review_needs_period", ErrorKind::Invalid, "period");
}

#[test]
fn a_review_of_a_period_not_yet_begun_is_refused_and_its_first_day_accepted() {
    let q3: Period = "2008-Q3".parse().unwrap();
    let q3_review_on = |on: &str| schedule(MeetingKind::RegularReview, on, Some(q3), &[]);
    let e = given([], ctx(manufacturer()))
        .when::<SupportContext>(q3_review_on("2008-06-30"))
        .refused_at(
            "meeting.period_begun_by_meeting",
            ErrorKind::Invalid,
            "period",
        )
        .clone();
    assert!(e.message.contains("2008-07-01"), "{e}");
    given([], ctx(manufacturer()))
        .when::<SupportContext>(q3_review_on("2008-07-01"))
        .accepted();
}

#[test]
fn a_blank_agenda_item_is_refused_naming_it() {
    given([], ctx(manufacturer()))
        .when::<SupportContext>(schedule(
            MeetingKind::RegularReview,
            "2008-07-05",
            Some(q2()),
            &["share", " "],
        ))
        .refused_at(
            "meeting.agenda_item_not_blank",
            ErrorKind::Invalid,
            "agenda[1]",
        );
}

#[test]
fn only_parties_of_a_partnership_in_force_schedule() {
    given([], ctx(outsider()))
        .when::<SupportContext>(review_on("2008-07-05"))
        .refused_as("partnership.parties_only", ErrorKind::Forbidden);
    let hongyun_as_distributor =
        synergy_domain::Principal::new(hongyun(), synergy_proto::Role::Distributor, "x");
    for (c, rule) in [
        (
            terminated(manufacturer()),
            "partnership.terminated_accepts_nothing",
        ),
        (no_partnership(manufacturer()), "partnership.must_exist"),
        (ctx(hongyun_as_distributor), "principal.role_matches_side"),
    ] {
        given([], c)
            .when::<SupportContext>(review_on("2008-07-05"))
            .refused(rule);
    }
}

#[test]
fn a_view_of_another_partnership_is_not_used() {
    let mut c: DecisionContext = ctx(manufacturer());
    if let Some(v) = c.partnership.as_mut() {
        v.id = synergy_proto::PartnershipId::new("hongyun-kunming").unwrap();
    }
    given([], c)
        .when::<SupportContext>(review_on("2008-07-05"))
        .refused("partnership.must_exist");
}

// ---- hold ----

#[test]
fn a_review_is_held_with_both_sides_minutes_and_decisions() {
    given([review_scheduled("2008-07-05")], ctx(distributor()))
        .when::<SupportContext>(hold(
            "2008-07-05",
            vec![
                attendee(hongyun(), " Li Ming "),
                attendee(changzhi(), "Wang Fang"),
            ],
            "  Q2 volume 7,650 cases, share up.  ",
            &[
                "Distributor adds 40 outlets for the new SKU",
                " Hongyun ships POS material by 07-20 ",
            ],
        ))
        .then([ev(SupportEvent::MeetingHeld {
            meeting: mid("review-2008-q2"),
            held_on: date("2008-07-05"),
            attendees: both_sides(),
            minutes: "Q2 volume 7,650 cases, share up.".into(),
            decisions: vec![
                "Distributor adds 40 outlets for the new SKU".into(),
                "Hongyun ships POS material by 07-20".into(),
            ],
        })]);
}

#[test]
fn a_meeting_may_be_held_late_and_on_the_day_itself() {
    given([review_scheduled("2008-07-01")], ctx(manufacturer()))
        .when::<SupportContext>(hold("2008-07-08", both_sides(), "Held a week late.", &[]))
        .accepted();
    // today is 2008-07-10
    given([review_scheduled("2008-07-10")], ctx(manufacturer()))
        .when::<SupportContext>(hold("2008-07-10", both_sides(), "Held today.", &[]))
        .accepted();
}

#[test]
fn an_executive_visit_needs_only_one_attendee() {
    given([visit_scheduled("2008-07-03")], ctx(manufacturer()))
        .when::<SupportContext>(hold(
            "2008-07-03",
            vec![attendee(hongyun(), "General manager")],
            "Visited the Changzhi warehouse.",
            &[],
        ))
        .accepted();
}

#[test]
fn holding_an_unscheduled_meeting_is_refused() {
    given([], ctx(manufacturer()))
        .when::<SupportContext>(hold("2008-07-05", both_sides(), "x", &[]))
        .refused_as("meeting.must_be_scheduled", ErrorKind::NotFound);
}

#[test]
fn holding_before_the_scheduled_day_is_refused() {
    let e = given([review_scheduled("2008-07-05")], ctx(manufacturer()))
        .when::<SupportContext>(hold("2008-07-04", both_sides(), "Early.", &[]))
        .refused_at(
            "meeting.held_not_before_scheduled",
            ErrorKind::Invalid,
            "held_on",
        )
        .clone();
    assert!(e.message.contains("cancel it and schedule it again"), "{e}");
}

#[test]
fn holding_on_a_day_still_to_come_is_refused() {
    given([review_scheduled("2008-07-05")], ctx(manufacturer()))
        .when::<SupportContext>(hold("2008-07-11", both_sides(), "Not yet.", &[]))
        .refused_at("meeting.held_not_in_future", ErrorKind::Invalid, "held_on");
}

#[test]
fn holding_without_attendees_is_refused() {
    given([visit_scheduled("2008-07-03")], ctx(manufacturer()))
        .when::<SupportContext>(hold("2008-07-03", vec![], "Nobody came.", &[]))
        .refused_at(
            "meeting.attendees_required",
            ErrorKind::Invalid,
            "attendees",
        );
}

#[test]
fn a_review_without_the_distributor_is_refused() {
    let e = given([review_scheduled("2008-07-05")], ctx(manufacturer()))
        .when::<SupportContext>(hold(
            "2008-07-05",
            vec![
                attendee(hongyun(), "Li Ming"),
                attendee(hongyun(), "Chen Jie"),
            ],
            "Only us.",
            &[],
        ))
        .refused_at(
            "meeting.review_attended_by_both_sides",
            ErrorKind::Invalid,
            "attendees",
        )
        .clone();
    assert!(e.message.contains("distributor"), "{e}");
}

#[test]
fn a_review_without_the_manufacturer_is_refused() {
    let e = given([review_scheduled("2008-07-05")], ctx(distributor()))
        .when::<SupportContext>(hold(
            "2008-07-05",
            vec![attendee(changzhi(), "Wang Fang")],
            "Only us.",
            &[],
        ))
        .refused("meeting.review_attended_by_both_sides")
        .clone();
    assert!(e.message.contains("manufacturer"), "{e}");
}

#[test]
fn an_attendee_without_a_name_is_refused_naming_the_field() {
    given([review_scheduled("2008-07-05")], ctx(manufacturer()))
        .when::<SupportContext>(hold(
            "2008-07-05",
            vec![attendee(hongyun(), "Li Ming"), attendee(changzhi(), " ")],
            "x",
            &[],
        ))
        .refused_at(
            "meeting.attendee_named",
            ErrorKind::Invalid,
            "attendees[1].name",
        );
}

#[test]
fn an_attendee_listed_twice_is_refused() {
    let mut attendees = both_sides();
    attendees.push(attendee(hongyun(), "Li Ming "));
    given([review_scheduled("2008-07-05")], ctx(manufacturer()))
        .when::<SupportContext>(hold("2008-07-05", attendees, "x", &[]))
        .refused_at(
            "meeting.attendees_unique",
            ErrorKind::Invalid,
            "attendees[2]",
        );
}

#[test]
fn holding_without_minutes_is_refused() {
    given([review_scheduled("2008-07-05")], ctx(manufacturer()))
        .when::<SupportContext>(hold("2008-07-05", both_sides(), "\n ", &[]))
        .refused_at("meeting.minutes_required", ErrorKind::Invalid, "minutes");
}

#[test]
fn a_blank_decision_is_refused_naming_it() {
    given([review_scheduled("2008-07-05")], ctx(manufacturer()))
        .when::<SupportContext>(hold("2008-07-05", both_sides(), "Minutes.", &[""]))
        .refused_at(
            "meeting.decision_not_blank",
            ErrorKind::Invalid,
            "decisions[0]",
        );
}

#[test]
fn a_held_meeting_cannot_be_held_again_or_cancelled() {
    let history = [review_scheduled("2008-07-05"), held_event("2008-07-05")];
    let e = given(history.clone(), ctx(manufacturer()))
        .when::<SupportContext>(hold("2008-07-06", both_sides(), "Again.", &[]))
        .refused_as("meeting.concluded_is_final", ErrorKind::State);
    assert!(e.message.contains("already held on 2008-07-05"), "{e}");
    given(history, ctx(manufacturer()))
        .when::<SupportContext>(cancel("Changed our minds."))
        .refused("meeting.concluded_is_final");
}

#[test]
fn holding_is_refused_once_the_partnership_is_terminated() {
    given([review_scheduled("2008-07-05")], terminated(manufacturer()))
        .when::<SupportContext>(hold("2008-07-05", both_sides(), "x", &[]))
        .refused("partnership.terminated_accepts_nothing");
}

// ---- cancel ----

#[test]
fn a_scheduled_meeting_is_cancelled_with_a_reason() {
    given([review_scheduled("2008-07-05")], ctx(distributor()))
        .when::<SupportContext>(cancel(" Provincial sales conference the same day "))
        .then([ev(SupportEvent::MeetingCancelled {
            meeting: mid("review-2008-q2"),
            reason: "Provincial sales conference the same day".into(),
        })]);
}

#[test]
fn cancelling_without_a_reason_is_refused() {
    given([review_scheduled("2008-07-05")], ctx(distributor()))
        .when::<SupportContext>(cancel(""))
        .refused_at(
            "meeting.cancel_reason_required",
            ErrorKind::Invalid,
            "reason",
        );
}

#[test]
fn cancelling_an_unscheduled_meeting_is_refused() {
    given([], ctx(distributor()))
        .when::<SupportContext>(cancel("No need."))
        .refused("meeting.must_be_scheduled");
}

#[test]
fn a_cancelled_meeting_cannot_be_cancelled_again_or_held() {
    let history = [
        review_scheduled("2008-07-05"),
        ev(SupportEvent::MeetingCancelled {
            meeting: mid("review-2008-q2"),
            reason: "Clash".into(),
        }),
    ];
    let e = given(history.clone(), ctx(distributor()))
        .when::<SupportContext>(cancel("Again."))
        .refused("meeting.concluded_is_final")
        .clone();
    assert!(e.message.contains("cancelled (Clash)"), "{e}");
    given(history, ctx(distributor()))
        .when::<SupportContext>(hold("2008-07-05", both_sides(), "x", &[]))
        .refused("meeting.concluded_is_final");
}

// ---- state ----

#[test]
fn the_folded_state_reads_the_meeting() {
    let events = [review_scheduled("2008-07-05"), held_event("2008-07-06")];
    let state = fold_with(&events, MeetingState::evolve);
    let m = state.meeting().expect("scheduled");
    assert!(m.is_held() && !m.is_pending() && !m.is_cancelled());
    assert_eq!(m.held_on(), Some(date("2008-07-06")));
    assert_eq!(m.agenda.len(), REVIEW_AGENDA.len());
    assert!(matches!(m.status, MeetingStatus::Held(_)));
    let pending = fold_with(&events[..1], MeetingState::evolve);
    let p = pending.meeting().expect("scheduled");
    assert!(p.is_overdue(date("2008-07-06")));
    assert!(!p.is_overdue(Date::new(2008, 7, 5).unwrap()));
}
