//! The context as the runtime drives it: command routing, history folding, the ledger and
//! the queries the scorecard and the review pack read.

mod common;

use common::*;
use synergy_domain::BoundedContext;
use synergy_proto::events::StrategyEvent;
use synergy_proto::events::support::{MeetingKind, Severity, SupportEvent};
use synergy_proto::{AggregateId, Context, Event, Period, Side, StreamId, TimeZone};
use synergy_support::{
    ActionItemCommand, Answer, Command, MeetingCommand, Query, SupportContext, SupportLedger,
    SupportRequestCommand,
};

#[test]
fn commands_route_to_their_aggregate_streams() {
    let cases: [(Command, &str); 3] = [
        (
            MeetingCommand::Cancel {
                partnership: pid(),
                meeting: mid("review-2008-q2"),
                reason: "x".into(),
            }
            .into(),
            "meeting:review-2008-q2",
        ),
        (
            ActionItemCommand::Progress {
                partnership: pid(),
                item: aid("a-40-outlets"),
                note: "x".into(),
            }
            .into(),
            "action:a-40-outlets",
        ),
        (
            SupportRequestCommand::Acknowledge {
                partnership: pid(),
                request: rid("r-stockout"),
            }
            .into(),
            "request:r-stockout",
        ),
    ];
    for (command, aggregate) in cases {
        assert_eq!(
            SupportContext::stream_of(&command),
            StreamId::new(
                Context::Support,
                pid(),
                AggregateId::new(aggregate).unwrap()
            ),
            "{command:?}"
        );
        assert_eq!(command.partnership(), &pid());
    }
    assert_eq!(SupportContext::CONTEXT, Context::Support);
}

#[test]
fn events_of_other_contexts_in_the_history_are_ignored() {
    let foreign = Event::Strategy(StrategyEvent::PartnershipTerminated {
        reason: "not ours".into(),
        terminated_on: date("2008-07-01"),
    });
    let events = SupportContext::execute(
        [foreign].iter(),
        schedule_training("t1", "Training", "2008-07-20"),
        &ctx(manufacturer()),
    )
    .expect("accepted");
    assert_eq!(events.len(), 1);
}

#[test]
fn commands_and_queries_round_trip_through_json() {
    let command: Command = SupportRequestCommand::Open {
        partnership: pid(),
        request: rid("r1"),
        title: "Price war in Lucheng".into(),
        severity: Severity::High,
    }
    .into();
    let json = serde_json::to_string(&command).unwrap();
    assert_eq!(serde_json::from_str::<Command>(&json).unwrap(), command);

    let query = Query::Overview {
        partnership: pid(),
        period: "2008-Q2".parse().unwrap(),
        as_of: at("2008-07-10", 0),
    };
    let json = serde_json::to_string(&query).unwrap();
    assert_eq!(serde_json::from_str::<Query>(&json).unwrap(), query);

    // Ids are validated on the way in: a subject metacharacter never reaches a stream id.
    let bad = json.replace("hongyun-changzhi", "hongyun.changzhi");
    assert!(serde_json::from_str::<Query>(&bad).is_err());
}

/// A quarter of support activity across many streams, interleaved.
fn quarter() -> Vec<Event> {
    let q2: Period = "2008-Q2".parse().unwrap();
    let scheduled = |id: &str, kind, on: &str| {
        ev(SupportEvent::MeetingScheduled {
            meeting: mid(id),
            kind,
            title: id.into(),
            scheduled_on: date(on),
            period: (kind == MeetingKind::RegularReview).then_some(q2),
            agenda: vec![],
        })
    };
    let raised = |id: &str, owner, due: &str| {
        ev(SupportEvent::ActionItemRaised {
            item: aid(id),
            title: id.into(),
            owner,
            due_on: date(due),
            meeting: Some(mid("apr")),
            raised_on: date("2008-04-10"),
        })
    };
    let opened = |id: &str, severity, at_| {
        ev(SupportEvent::SupportRequestOpened {
            request: rid(id),
            title: id.into(),
            severity,
            requested_by: Side::Distributor,
            opened_at: at_,
            response_target_hours: synergy_support::response_target_hours(severity),
        })
    };
    let acked = |id: &str, at_| {
        ev(SupportEvent::SupportRequestAcknowledged {
            request: rid(id),
            acknowledged_at: at_,
        })
    };
    vec![
        scheduled("apr", MeetingKind::RegularReview, "2008-04-10"),
        scheduled("may", MeetingKind::RegularReview, "2008-05-10"),
        scheduled("jun", MeetingKind::RegularReview, "2008-06-10"),
        scheduled("visit", MeetingKind::ExecutiveVisit, "2008-05-20"),
        scheduled("jul", MeetingKind::RegularReview, "2008-07-10"),
        ev(SupportEvent::MeetingHeld {
            meeting: mid("apr"),
            held_on: date("2008-04-10"),
            attendees: both_sides(),
            minutes: "m".into(),
            decisions: vec!["d".into()],
        }),
        raised("a1", Side::Distributor, "2008-05-01"),
        raised("a2", Side::Manufacturer, "2008-08-01"),
        raised("a3", Side::Manufacturer, "2008-04-30"),
        ev(SupportEvent::MeetingCancelled {
            meeting: mid("may"),
            reason: "clash".into(),
        }),
        ev(SupportEvent::MeetingHeld {
            meeting: mid("visit"),
            held_on: date("2008-05-21"),
            attendees: vec![attendee(hongyun(), "GM")],
            minutes: "m".into(),
            decisions: vec![],
        }),
        ev(SupportEvent::ActionItemClosed {
            item: aid("a3"),
            note: String::new(),
            closed_on: date("2008-04-29"),
        }),
        // critical, acknowledged after 3 h: on time
        opened("r1", Severity::Critical, at("2008-05-02", 8)),
        acked("r1", at("2008-05-02", 11)),
        // high, acknowledged after 30 h: late
        opened("r2", Severity::High, at("2008-06-02", 0)),
        acked("r2", at("2008-06-03", 6)),
        // low, never acknowledged, 168 h passed by 07-10: overdue
        opened("r3", Severity::Low, at("2008-06-20", 0)),
        // normal, opened 06-30 15:00 UTC (23:00 in Beijing, still June there), 72 h not
        // passed by 07-01... but by 07-10 yes
        opened("r4", Severity::Normal, at("2008-06-30", 15)),
        // opened in July: outside Q2
        opened("r5", Severity::Normal, at("2008-07-09", 0)),
        // opened 06-30 16:00 UTC: 00:00 on 1 July in Beijing, the partnership's calendar
        opened("r6", Severity::Normal, at("2008-06-30", 16)),
    ]
}

#[test]
fn the_ledger_counts_meetings_held_against_scheduled() {
    let ledger = SupportLedger::from_events(&quarter());
    let c = ledger.meeting_counts("2008-Q2".parse().unwrap());
    assert_eq!(
        (c.scheduled, c.held, c.cancelled, c.pending),
        (4, 2, 1, 1),
        "{c:?}"
    );
    assert_eq!((c.reviews_scheduled, c.reviews_held), (3, 1));
    let july = ledger.meeting_counts("2008-07".parse().unwrap());
    assert_eq!((july.scheduled, july.pending), (1, 1));
    assert_eq!(ledger.meetings().count(), 5);
    assert!(ledger.meeting(&mid("may")).unwrap().is_cancelled());
}

#[test]
fn the_ledger_counts_open_and_overdue_actions() {
    let ledger = SupportLedger::from_events(&quarter());
    let c = ledger.action_counts(date("2008-07-10"));
    assert_eq!(
        (c.raised, c.open, c.overdue, c.closed),
        (3, 2, 1, 1),
        "{c:?}"
    );
    let early = ledger.action_counts(date("2008-05-01"));
    assert_eq!(early.overdue, 0, "due today is not overdue");
    let open: Vec<_> = ledger
        .open_action_items()
        .iter()
        .map(|a| a.id.to_string())
        .collect();
    assert_eq!(open, ["a1", "a2"], "earliest due first");
}

#[test]
fn the_ledger_judges_support_responses_against_their_targets() {
    let ledger = SupportLedger::from_events(&quarter());
    let q2: Period = "2008-Q2".parse().unwrap();
    let c = ledger.response_counts(q2, at("2008-07-10", 0), beijing());
    assert_eq!(c.opened, 4, "r5 and r6 were opened in July (Beijing time)");
    assert_eq!(
        (c.on_time, c.late, c.overdue, c.pending),
        (1, 1, 2, 0),
        "{c:?}"
    );
    assert_eq!(c.due(), 4);
    // Three days earlier r4 (normal, 72 h) is still within its target.
    let c = ledger.response_counts(q2, at("2008-07-01", 0), beijing());
    assert_eq!((c.overdue, c.pending), (1, 1), "{c:?}");
    assert_eq!(c.due(), 3);
}

/// The partnership's calendar decides a request's month: opened at 16:00 UTC on 30 June,
/// r6 is a July request in Beijing (00:00 on 1 July) but a June one in New York (noon on
/// 30 June), so a New York partnership's second quarter holds it.
#[test]
fn a_request_counts_in_the_month_of_the_partnerships_calendar() {
    let ledger = SupportLedger::from_events(&quarter());
    let q2: Period = "2008-Q2".parse().unwrap();
    let new_york = TimeZone::new("America/New_York").unwrap();
    let c = ledger.response_counts(q2, at("2008-07-10", 0), &new_york);
    assert_eq!(c.opened, 5, "{c:?}");
    assert_eq!(
        ledger
            .response_counts(q2, at("2008-07-10", 0), beijing())
            .opened,
        4
    );
    // At the end of 1 August in New York (04:00 UTC on the 2nd) a2, due on 1 August, is
    // due today there, not overdue; in Beijing that instant is noon on the 2nd.
    let as_of = date("2008-08-01").last_instant_in(&new_york);
    assert_eq!(ledger.overview(q2, as_of, &new_york).actions.overdue, 1);
    assert_eq!(ledger.overview(q2, as_of, beijing()).actions.overdue, 2);
}

fn beijing() -> &'static TimeZone {
    TimeZone::partnership_default()
}

#[test]
fn queries_read_one_stream_or_the_whole_partnership() {
    let events = quarter();
    let q = Query::Meeting {
        partnership: pid(),
        meeting: mid("visit"),
    };
    assert_eq!(
        q.stream().map(|s| s.aggregate.to_string()).as_deref(),
        Some("meeting:visit")
    );
    let Answer::Meeting(Some(m)) = synergy_support::answer(&q, &events, beijing()) else {
        panic!("the visit is scheduled");
    };
    assert_eq!(m.held_on(), Some(date("2008-05-21")));

    let q = Query::ActionItem {
        partnership: pid(),
        item: aid("missing"),
    };
    assert_eq!(
        synergy_support::answer(&q, &events, beijing()),
        Answer::ActionItem(None)
    );

    let q = Query::SupportRequest {
        partnership: pid(),
        request: rid("r2"),
    };
    let Answer::SupportRequest(Some(r)) = synergy_support::answer(&q, &events, beijing()) else {
        panic!("r2 is open");
    };
    assert_eq!(r.response_target_hours, 24);

    let q = Query::Overview {
        partnership: pid(),
        period: "2008-Q2".parse().unwrap(),
        as_of: at("2008-07-10", 0),
    };
    assert_eq!(q.stream(), None);
    assert_eq!(q.partnership(), &pid());
    let Answer::Overview(o) = synergy_support::answer(&q, &events, beijing()) else {
        panic!("an overview");
    };
    assert_eq!(o.meetings.held, 2);
    assert_eq!(o.actions.overdue, 1);
    assert_eq!(o.requests.on_time, 1);
    assert_eq!(o.open_actions.len(), 2);
}

#[test]
fn a_full_lifecycle_through_execute_matches_the_ledger() {
    // Drive every command through the context, appending what it returns, then read back.
    let mut log: Vec<Event> = Vec::new();
    let mut run = |command: Command, ctx: &synergy_domain::DecisionContext| {
        let stream = SupportContext::stream_of(&command);
        let history: Vec<Event> = log
            .iter()
            .filter(|e| {
                let Event::Support(e) = e else { return false };
                let id = match e {
                    SupportEvent::MeetingScheduled { meeting, .. }
                    | SupportEvent::MeetingHeld { meeting, .. }
                    | SupportEvent::MeetingCancelled { meeting, .. } => {
                        format!("meeting:{meeting}")
                    }
                    SupportEvent::ActionItemRaised { item, .. }
                    | SupportEvent::ActionItemProgressed { item, .. }
                    | SupportEvent::ActionItemClosed { item, .. }
                    | SupportEvent::ActionItemReopened { item, .. }
                    | SupportEvent::RecommendationAccepted { item, .. }
                    | SupportEvent::RecommendationDismissed { item, .. } => {
                        format!("action:{item}")
                    }
                    SupportEvent::SupportRequestOpened { request, .. }
                    | SupportEvent::SupportRequestAcknowledged { request, .. }
                    | SupportEvent::SupportRequestResolved { request, .. } => {
                        format!("request:{request}")
                    }
                };
                id == stream.aggregate.as_str()
            })
            .cloned()
            .collect();
        let new = SupportContext::execute(history.iter(), command, ctx).expect("accepted");
        log.extend(new);
    };
    let m = ctx(manufacturer());
    let d = ctx(distributor());
    run(
        MeetingCommand::Schedule {
            partnership: pid(),
            meeting: mid("jul"),
            kind: MeetingKind::RegularReview,
            title: "June review".into(),
            scheduled_on: date("2008-07-08"),
            period: Some("2008-06".parse().unwrap()),
            agenda: vec![],
        }
        .into(),
        &d,
    );
    run(
        MeetingCommand::Hold {
            partnership: pid(),
            meeting: mid("jul"),
            held_on: date("2008-07-08"),
            attendees: both_sides(),
            minutes: "June share 22.6 %".into(),
            decisions: vec!["Ship POS material".into()],
        }
        .into(),
        &m,
    );
    run(
        ActionItemCommand::Raise {
            partnership: pid(),
            item: aid("pos"),
            title: "Ship POS material".into(),
            owner: Side::Manufacturer,
            due_on: date("2008-07-20"),
            meeting: Some(mid("jul")),
        }
        .into(),
        &d,
    );
    run(
        ActionItemCommand::Close {
            partnership: pid(),
            item: aid("pos"),
            note: "shipped".into(),
        }
        .into(),
        &m,
    );
    run(
        SupportRequestCommand::Open {
            partnership: pid(),
            request: rid("stock"),
            title: "Stock-out".into(),
            severity: Severity::Critical,
        }
        .into(),
        &d,
    );
    run(
        SupportRequestCommand::Resolve {
            partnership: pid(),
            request: rid("stock"),
            resolution: "Shipped 300 cases".into(),
        }
        .into(),
        &m,
    );
    let ledger = SupportLedger::from_events(&log);
    let meeting = ledger.meeting(&mid("jul")).unwrap();
    assert_eq!(meeting.agenda.len(), synergy_support::REVIEW_AGENDA.len());
    assert_eq!(meeting.decisions(), ["Ship POS material"]);
    assert!(ledger.action_item(&aid("pos")).unwrap().is_closed());
    let r = ledger.support_request(&rid("stock")).unwrap();
    assert_eq!(r.requested_by, Side::Distributor);
    assert_eq!(
        r.response(at("2008-07-11", 0)),
        synergy_support::ResponseStatus::OnTime
    );
}
