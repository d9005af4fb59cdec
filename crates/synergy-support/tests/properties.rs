//! Property tests for the numeric rules: date bounds and response-time targets, and the
//! ledger's counts, which must always add up.

mod common;

use common::*;
use proptest::prelude::*;
use synergy_domain::testing::given;
use synergy_proto::events::support::{MeetingKind, Severity, SupportEvent};
use synergy_proto::{Date, Event, Side, Timestamp};
use synergy_support::{
    ActionItemCommand, MeetingCommand, ResponseStatus, SupportContext, SupportLedger,
    SupportRequestCommand, response_target_hours,
};

const HOUR: i64 = 3_600_000;

fn severity() -> impl Strategy<Value = Severity> {
    prop_oneof![
        Just(Severity::Critical),
        Just(Severity::High),
        Just(Severity::Normal),
        Just(Severity::Low),
    ]
}

fn today() -> Date {
    date("2008-07-10")
}

fn day(offset: i64) -> Date {
    today().add_days(offset).unwrap()
}

proptest! {
    /// A response counts as on time exactly when it comes within the target of its severity.
    #[test]
    fn on_time_iff_within_the_target(sev in severity(), delay_ms in 0i64..(400 * HOUR)) {
        let opened_at = at("2008-07-01", 0);
        let acked_at = Timestamp::from_millis(opened_at.millis() + delay_ms);
        let history = [ev(SupportEvent::SupportRequestOpened {
            request: rid("r"),
            title: "t".into(),
            severity: sev,
            requested_by: Side::Distributor,
            opened_at,
            response_target_hours: response_target_hours(sev),
        })];
        let events = given(history.clone(), ctx_at(manufacturer(), acked_at))
            .when::<SupportContext>(SupportRequestCommand::Acknowledge {
                partnership: pid(),
                request: rid("r"),
            }.into())
            .accepted()
            .to_vec();
        let ledger = SupportLedger::from_events(history.iter().chain(&events));
        let r = ledger.support_request(&rid("r")).unwrap();
        let within = delay_ms <= i64::from(response_target_hours(sev)) * HOUR;
        let expected = if within { ResponseStatus::OnTime } else { ResponseStatus::Late };
        prop_assert_eq!(r.response(acked_at), expected);
        prop_assert_eq!(r.response_millis(), Some(delay_ms));
    }

    /// An item is accepted exactly when it is due on or after the day it is raised.
    #[test]
    fn due_dates_never_precede_raising(offset in -400i64..400) {
        let outcome = given([], ctx(manufacturer())).when::<SupportContext>(
            ActionItemCommand::Raise {
                partnership: pid(),
                item: aid("a"),
                title: "t".into(),
                owner: Side::Distributor,
                due_on: day(offset),
                meeting: None,
            }.into(),
        );
        if offset >= 0 {
            prop_assert!(outcome.result.is_ok(), "{:?}", outcome.result);
        } else {
            outcome.refused("action.due_not_before_raised");
        }
    }

    /// A meeting is held exactly when scheduled ≤ held ≤ today.
    #[test]
    fn held_between_the_scheduled_day_and_today(sched in -60i64..60, held in -60i64..60) {
        let scheduled = ev(SupportEvent::MeetingScheduled {
            meeting: mid("m"),
            kind: MeetingKind::Training,
            title: "t".into(),
            scheduled_on: day(sched),
            period: None,
            agenda: vec![],
        });
        let outcome = given([scheduled], ctx(manufacturer())).when::<SupportContext>(
            MeetingCommand::Hold {
                partnership: pid(),
                meeting: mid("m"),
                held_on: day(held),
                attendees: both_sides(),
                minutes: "m".into(),
                decisions: vec![],
            }.into(),
        );
        if held < sched {
            outcome.refused("meeting.held_not_before_scheduled");
        } else if held > 0 {
            outcome.refused("meeting.held_not_in_future");
        } else {
            prop_assert!(outcome.result.is_ok(), "{:?}", outcome.result);
        }
    }

    /// Whatever happened, the scorecard's counts partition their totals.
    #[test]
    fn ledger_counts_add_up(
        meetings in prop::collection::vec((0i64..90, 0u8..3), 0..20),
        actions in prop::collection::vec((0i64..90, any::<bool>()), 0..20),
        requests in prop::collection::vec((severity(), 0i64..(90 * 24), prop::option::of(0i64..(200 * HOUR))), 0..20),
        as_of_day in 0i64..120,
    ) {
        let start = date("2008-04-01");
        let mut events: Vec<Event> = Vec::new();
        for (i, (offset, fate)) in meetings.iter().enumerate() {
            let id = mid(&format!("m{i}"));
            let on = start.add_days(*offset).unwrap();
            events.push(ev(SupportEvent::MeetingScheduled {
                meeting: id.clone(), kind: MeetingKind::RegularReview, title: "t".into(),
                scheduled_on: on, period: None, agenda: vec![],
            }));
            match fate {
                1 => events.push(ev(SupportEvent::MeetingHeld {
                    meeting: id, held_on: on, attendees: both_sides(), minutes: "m".into(), decisions: vec![],
                })),
                2 => events.push(ev(SupportEvent::MeetingCancelled { meeting: id, reason: "r".into() })),
                _ => {}
            }
        }
        for (i, (due, closed)) in actions.iter().enumerate() {
            let id = aid(&format!("a{i}"));
            events.push(ev(SupportEvent::ActionItemRaised {
                item: id.clone(), title: "t".into(), owner: Side::Manufacturer,
                due_on: start.add_days(*due).unwrap(), meeting: None, raised_on: start,
            }));
            if *closed {
                events.push(ev(SupportEvent::ActionItemClosed { item: id, note: String::new(), closed_on: start }));
            }
        }
        for (i, (sev, opened_h, ack)) in requests.iter().enumerate() {
            let id = rid(&format!("r{i}"));
            let opened_at = Timestamp::from_millis(start.start().millis() + opened_h * HOUR);
            events.push(ev(SupportEvent::SupportRequestOpened {
                request: id.clone(), title: "t".into(), severity: *sev, requested_by: Side::Distributor,
                opened_at, response_target_hours: response_target_hours(*sev),
            }));
            if let Some(delay) = ack {
                events.push(ev(SupportEvent::SupportRequestAcknowledged {
                    request: id, acknowledged_at: Timestamp::from_millis(opened_at.millis() + delay),
                }));
            }
        }
        let ledger = SupportLedger::from_events(&events);
        let as_of = start.add_days(as_of_day).unwrap();
        let q2 = "2008-Q2".parse().unwrap();

        let m = ledger.meeting_counts(q2);
        prop_assert_eq!(m.held + m.cancelled + m.pending, m.scheduled);
        prop_assert!(m.reviews_held <= m.reviews_scheduled && m.reviews_scheduled <= m.scheduled);
        prop_assert!(m.scheduled as usize <= meetings.len());

        let a = ledger.action_counts(as_of);
        prop_assert_eq!(a.open + a.closed, a.raised);
        prop_assert_eq!(a.raised as usize, actions.len());
        prop_assert!(a.overdue <= a.open);

        let r = ledger.response_counts(q2, as_of.start(), synergy_proto::TimeZone::partnership_default());
        prop_assert_eq!(r.on_time + r.late + r.overdue + r.pending, r.opened);
        prop_assert!(r.due() <= r.opened);
    }
}
