//! Support requests: opened by one side with a severity and the response target of that
//! severity, acknowledged and resolved by the other side, in that order.

mod common;

use common::*;
use synergy_domain::ErrorKind;
use synergy_domain::testing::given;
use synergy_proto::events::support::{Severity, SupportEvent};
use synergy_proto::{Event, Side, Timestamp};
use synergy_support::{
    Command, RESPONSE_TARGETS, RequestStatus, ResponseStatus, SupportContext,
    SupportRequestCommand, SupportRequestState, response_target_hours,
};

// `ctx(..)` is 2008-07-10T09:00Z.

fn open(severity: Severity) -> Command {
    SupportRequestCommand::Open {
        partnership: pid(),
        request: rid("r-stockout"),
        title: " Stock-out of Hongyun (soft) in three counties ".into(),
        severity,
    }
    .into()
}

fn opened(by: Side, severity: Severity, at_: Timestamp) -> Event {
    ev(SupportEvent::SupportRequestOpened {
        request: rid("r-stockout"),
        title: "Stock-out of Hongyun (soft) in three counties".into(),
        severity,
        requested_by: by,
        opened_at: at_,
        response_target_hours: response_target_hours(severity),
    })
}

fn acknowledged(at_: Timestamp) -> Event {
    ev(SupportEvent::SupportRequestAcknowledged {
        request: rid("r-stockout"),
        acknowledged_at: at_,
    })
}

fn resolved(at_: Timestamp) -> Event {
    ev(SupportEvent::SupportRequestResolved {
        request: rid("r-stockout"),
        resolved_at: at_,
        resolution: "Emergency shipment of 300 cases".into(),
    })
}

fn acknowledge() -> Command {
    SupportRequestCommand::Acknowledge {
        partnership: pid(),
        request: rid("r-stockout"),
    }
    .into()
}

fn resolve(resolution: &str) -> Command {
    SupportRequestCommand::Resolve {
        partnership: pid(),
        request: rid("r-stockout"),
        resolution: resolution.into(),
    }
    .into()
}

fn now() -> Timestamp {
    at("2008-07-10", 9)
}

/// The distributor's request of `severity`, opened two hours before [`now`].
fn open_request(severity: Severity) -> Vec<Event> {
    vec![opened(Side::Distributor, severity, at("2008-07-10", 7))]
}

/// A high-severity request of the distributor, acknowledged an hour after it was opened.
fn acknowledged_request() -> Vec<Event> {
    let mut history = open_request(Severity::High);
    history.push(acknowledged(at("2008-07-10", 8)));
    history
}

/// [`acknowledged_request`], resolved at once.
fn resolved_request() -> Vec<Event> {
    let mut history = acknowledged_request();
    history.push(resolved(at("2008-07-10", 8)));
    history
}

// ---- the target table ----

#[test]
fn the_default_targets_are_4_24_72_and_168_hours() {
    assert_eq!(response_target_hours(Severity::Critical), 4);
    assert_eq!(response_target_hours(Severity::High), 24);
    assert_eq!(response_target_hours(Severity::Normal), 72);
    assert_eq!(response_target_hours(Severity::Low), 168);
    for (severity, hours) in RESPONSE_TARGETS {
        assert_eq!(response_target_hours(severity), hours, "{severity:?}");
    }
}

// ---- open ----

#[test]
fn the_distributor_opens_a_request_with_its_sides_name_and_the_target() {
    given([], ctx(distributor()))
        .when::<SupportContext>(open(Severity::Critical))
        .then([opened(Side::Distributor, Severity::Critical, now())]);
}

#[test]
fn every_severity_records_its_own_target() {
    for (severity, hours) in RESPONSE_TARGETS {
        let events = given([], ctx(manufacturer()))
            .when::<SupportContext>(open(severity))
            .accepted()
            .to_vec();
        let [
            Event::Support(SupportEvent::SupportRequestOpened {
                response_target_hours,
                requested_by,
                ..
            }),
        ] = events.as_slice()
        else {
            panic!("expected one SupportRequestOpened, got {events:?}");
        };
        assert_eq!(*response_target_hours, hours, "{severity:?}");
        assert_eq!(*requested_by, Side::Manufacturer);
    }
}

#[test]
fn opening_twice_is_refused() {
    given(
        [opened(Side::Distributor, Severity::High, now())],
        ctx(distributor()),
    )
    .when::<SupportContext>(open(Severity::High))
    .refused("request.open_once");
}

#[test]
fn a_request_without_a_title_is_refused() {
    given([], ctx(distributor()))
        .when::<SupportContext>(
            SupportRequestCommand::Open {
                partnership: pid(),
                request: rid("r1"),
                title: " ".into(),
                severity: Severity::Low,
            }
            .into(),
        )
        .refused_at("request.title_required", ErrorKind::Invalid, "title");
}

#[test]
fn outsiders_and_terminated_partnerships_open_nothing() {
    given([], ctx(outsider()))
        .when::<SupportContext>(open(Severity::Low))
        .refused("partnership.parties_only");
    given([], terminated(distributor()))
        .when::<SupportContext>(open(Severity::Low))
        .refused("partnership.terminated_accepts_nothing");
}

// ---- acknowledge ----

#[test]
fn the_other_side_acknowledges_at_the_current_time() {
    given(open_request(Severity::Critical), ctx(manufacturer()))
        .when::<SupportContext>(acknowledge())
        .then([acknowledged(now())]);
}

#[test]
fn the_requester_may_not_acknowledge_its_own_request() {
    let e = given(open_request(Severity::High), ctx(distributor()))
        .when::<SupportContext>(acknowledge())
        .refused_as("request.other_side_responds", ErrorKind::Forbidden);
    assert!(
        e.message.contains("the manufacturer must acknowledge"),
        "{e}"
    );
}

#[test]
fn acknowledging_twice_is_refused() {
    given(acknowledged_request(), ctx(manufacturer()))
        .when::<SupportContext>(acknowledge())
        .refused("request.acknowledge_once");
}

#[test]
fn acknowledging_a_resolved_request_is_refused() {
    given(resolved_request(), ctx(manufacturer()))
        .when::<SupportContext>(acknowledge())
        .refused("request.resolved_is_final");
}

#[test]
fn acknowledging_a_request_never_opened_is_refused() {
    given([], ctx(manufacturer()))
        .when::<SupportContext>(acknowledge())
        .refused_as("request.must_be_opened", ErrorKind::NotFound);
}

#[test]
fn answering_before_the_request_was_opened_is_refused() {
    // A clock set back: opened at 10:00, "now" is 09:00.
    given(
        [opened(
            Side::Distributor,
            Severity::High,
            at("2008-07-10", 10),
        )],
        ctx(manufacturer()),
    )
    .when::<SupportContext>(acknowledge())
    .refused("request.not_before_opened");
}

// ---- resolve ----

#[test]
fn an_acknowledged_request_is_resolved_by_the_other_side() {
    given(
        [
            opened(Side::Manufacturer, Severity::Normal, at("2008-07-08", 9)),
            acknowledged(at("2008-07-08", 12)),
        ],
        ctx(distributor()),
    )
    .when::<SupportContext>(resolve(" Emergency shipment of 300 cases "))
    .then([resolved(now())]);
}

#[test]
fn resolving_an_unacknowledged_request_acknowledges_it_too() {
    given(open_request(Severity::Critical), ctx(manufacturer()))
        .when::<SupportContext>(resolve("Emergency shipment of 300 cases"))
        .then([acknowledged(now()), resolved(now())]);
}

#[test]
fn the_requester_may_not_resolve_its_own_request() {
    given(open_request(Severity::Critical), ctx(distributor()))
        .when::<SupportContext>(resolve("fixed it ourselves"))
        .refused("request.other_side_responds");
}

#[test]
fn resolving_twice_is_refused() {
    given(resolved_request(), ctx(manufacturer()))
        .when::<SupportContext>(resolve("again"))
        .refused("request.resolved_is_final");
}

#[test]
fn resolving_without_a_resolution_is_refused() {
    given(open_request(Severity::High), ctx(manufacturer()))
        .when::<SupportContext>(resolve(""))
        .refused_at(
            "request.resolution_required",
            ErrorKind::Invalid,
            "resolution",
        );
}

#[test]
fn resolving_a_request_never_opened_is_refused() {
    given([], ctx(manufacturer()))
        .when::<SupportContext>(resolve("x"))
        .refused("request.must_be_opened");
}

// ---- state and on-time measurement ----

fn fold(events: &[Event]) -> SupportRequestState {
    fold_with(events, SupportRequestState::evolve)
}

#[test]
fn the_folded_request_measures_its_response_against_the_target() {
    let opened_at = at("2008-07-10", 0);
    // critical: 4 hours
    let open_only = fold(&[opened(Side::Distributor, Severity::Critical, opened_at)]);
    let r = open_only.request().expect("opened");
    assert_eq!(r.status(), RequestStatus::Open);
    assert_eq!(r.responder(), Side::Manufacturer);
    assert_eq!(r.respond_by(), at("2008-07-10", 4));
    assert_eq!(r.response(at("2008-07-10", 4)), ResponseStatus::Pending);
    assert_eq!(
        r.response(Timestamp::from_millis(at("2008-07-10", 4).millis() + 1)),
        ResponseStatus::Overdue
    );

    let exactly = fold(&[
        opened(Side::Distributor, Severity::Critical, opened_at),
        acknowledged(at("2008-07-10", 4)),
    ]);
    let r = exactly.request().expect("opened");
    assert_eq!(r.status(), RequestStatus::Acknowledged);
    assert_eq!(r.response(at("2008-07-20", 0)), ResponseStatus::OnTime);
    assert_eq!(r.response_millis(), Some(4 * 3_600_000));

    let late = fold(&[
        opened(Side::Distributor, Severity::Critical, opened_at),
        acknowledged(Timestamp::from_millis(at("2008-07-10", 4).millis() + 1)),
        resolved(at("2008-07-10", 6)),
    ]);
    let r = late.request().expect("opened");
    assert_eq!(r.status(), RequestStatus::Resolved);
    assert_eq!(r.response(at("2008-07-20", 0)), ResponseStatus::Late);
    assert_eq!(
        r.resolution.as_deref(),
        Some("Emergency shipment of 300 cases")
    );
}

#[test]
fn a_resolution_without_an_acknowledgement_counts_as_the_response() {
    let state = fold(&[
        opened(Side::Distributor, Severity::High, at("2008-07-10", 0)),
        resolved(at("2008-07-10", 20)),
    ]);
    let r = state.request().expect("opened");
    assert_eq!(r.acknowledged_at, Some(at("2008-07-10", 20)));
    assert_eq!(r.response(at("2008-07-20", 0)), ResponseStatus::OnTime);
}

#[test]
fn an_overlong_resolution_is_refused() {
    let history = open_request(Severity::High);
    given(history.clone(), ctx(manufacturer()))
        .when::<SupportContext>(resolve(&"解".repeat(synergy_support::MAX_TEXT_CHARS + 1)))
        .refused_at(
            "request.text_within_limit",
            ErrorKind::Invalid,
            "resolution",
        );
    given(history, ctx(manufacturer()))
        .when::<SupportContext>(resolve(&"解".repeat(synergy_support::MAX_TEXT_CHARS)))
        .accepted();
}
