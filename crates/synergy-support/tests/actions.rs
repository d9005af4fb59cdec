//! Action items: raised with an owner side and a due date, progressed while open, closed
//! by the owner, reopened with a new due date once closed.

mod common;

use common::*;
use synergy_domain::ErrorKind;
use synergy_domain::testing::given;
use synergy_proto::events::support::SupportEvent;
use synergy_proto::{Event, Side};
use synergy_support::{
    ActionItemCommand, ActionItemState, ActionNoteKind, Command, SupportContext,
};

// `ctx(..)` is 2008-07-10.

fn raise(owner: Side, due: &str) -> Command {
    ActionItemCommand::Raise {
        partnership: pid(),
        item: aid("a-40-outlets"),
        title: " Add 40 outlets for the new SKU ".into(),
        owner,
        due_on: date(due),
        meeting: Some(mid("review-2008-q2")),
    }
    .into()
}

fn raised(owner: Side, raised_on: &str, due: &str) -> Event {
    ev(SupportEvent::ActionItemRaised {
        item: aid("a-40-outlets"),
        title: "Add 40 outlets for the new SKU".into(),
        owner,
        due_on: date(due),
        meeting: Some(mid("review-2008-q2")),
        raised_on: date(raised_on),
    })
}

fn closed(on: &str) -> Event {
    ev(SupportEvent::ActionItemClosed {
        item: aid("a-40-outlets"),
        note: "42 outlets stocked".into(),
        closed_on: date(on),
    })
}

/// The item raised on 2008-07-05 for the distributor, due 2008-07-31.
fn open_item() -> Vec<Event> {
    vec![raised(Side::Distributor, "2008-07-05", "2008-07-31")]
}

/// [`open_item`], closed on 2008-07-08.
fn closed_item() -> Vec<Event> {
    let mut history = open_item();
    history.push(closed("2008-07-08"));
    history
}

/// [`closed_item`], reopened on 2008-07-09 and due 2008-08-15.
fn reopened_item() -> Vec<Event> {
    let mut history = closed_item();
    history.push(ev(SupportEvent::ActionItemReopened {
        item: aid("a-40-outlets"),
        reason: "not all stocked".into(),
        due_on: date("2008-08-15"),
        reopened_on: date("2008-07-09"),
    }));
    history
}

fn progress(note: &str) -> Command {
    ActionItemCommand::Progress {
        partnership: pid(),
        item: aid("a-40-outlets"),
        note: note.into(),
    }
    .into()
}

fn close(note: &str) -> Command {
    ActionItemCommand::Close {
        partnership: pid(),
        item: aid("a-40-outlets"),
        note: note.into(),
    }
    .into()
}

fn reopen(reason: &str, due: &str) -> Command {
    ActionItemCommand::Reopen {
        partnership: pid(),
        item: aid("a-40-outlets"),
        reason: reason.into(),
        due_on: date(due),
    }
    .into()
}

// ---- raise ----

#[test]
fn an_item_is_raised_today_with_owner_due_date_and_meeting() {
    given([], ctx(manufacturer()))
        .when::<SupportContext>(raise(Side::Distributor, "2008-07-31"))
        .then([raised(Side::Distributor, "2008-07-10", "2008-07-31")]);
}

#[test]
fn an_item_may_be_due_the_day_it_is_raised_and_owned_by_either_side() {
    given([], ctx(distributor()))
        .when::<SupportContext>(raise(Side::Manufacturer, "2008-07-10"))
        .then([raised(Side::Manufacturer, "2008-07-10", "2008-07-10")]);
}

#[test]
fn an_item_due_before_it_is_raised_is_refused() {
    let e = given([], ctx(manufacturer()))
        .when::<SupportContext>(raise(Side::Distributor, "2008-07-09"))
        .refused_at("action.due_not_before_raised", ErrorKind::Invalid, "due_on")
        .clone();
    assert!(e.message.contains("on or after 2008-07-10"), "{e}");
}

#[test]
fn an_item_without_a_title_is_refused() {
    given([], ctx(manufacturer()))
        .when::<SupportContext>(
            ActionItemCommand::Raise {
                partnership: pid(),
                item: aid("a1"),
                title: "".into(),
                owner: Side::Distributor,
                due_on: date("2008-07-31"),
                meeting: None,
            }
            .into(),
        )
        .refused_at("action.title_required", ErrorKind::Invalid, "title");
}

#[test]
fn raising_twice_is_refused() {
    given(open_item(), ctx(manufacturer()))
        .when::<SupportContext>(raise(Side::Distributor, "2008-07-31"))
        .refused("action.raise_once");
}

#[test]
fn outsiders_and_terminated_partnerships_raise_nothing() {
    given([], ctx(outsider()))
        .when::<SupportContext>(raise(Side::Distributor, "2008-07-31"))
        .refused("partnership.parties_only");
    given([], terminated(distributor()))
        .when::<SupportContext>(raise(Side::Distributor, "2008-07-31"))
        .refused("partnership.terminated_accepts_nothing");
}

// ---- progress ----

#[test]
fn either_side_records_progress_on_an_open_item() {
    for who in [distributor(), manufacturer()] {
        given(open_item(), ctx(who))
            .when::<SupportContext>(progress(" 25 outlets so far "))
            .then([ev(SupportEvent::ActionItemProgressed {
                item: aid("a-40-outlets"),
                note: "25 outlets so far".into(),
                progressed_on: date("2008-07-10"),
            })]);
    }
}

#[test]
fn progress_on_an_item_never_raised_is_refused() {
    given([], ctx(distributor()))
        .when::<SupportContext>(progress("x"))
        .refused_as("action.must_be_raised", ErrorKind::NotFound);
}

#[test]
fn progress_on_a_closed_item_is_refused() {
    given(closed_item(), ctx(distributor()))
        .when::<SupportContext>(progress("more"))
        .refused("action.progress_only_open");
}

#[test]
fn a_blank_progress_note_is_refused() {
    given(open_item(), ctx(distributor()))
        .when::<SupportContext>(progress("  "))
        .refused_at("action.note_required", ErrorKind::Invalid, "note");
}

#[test]
fn acting_on_a_day_before_the_item_was_raised_is_refused() {
    // A clock set back: the item says it was raised on the 12th, "today" is the 10th.
    given(
        [raised(Side::Distributor, "2008-07-12", "2008-07-31")],
        ctx(distributor()),
    )
    .when::<SupportContext>(progress("x"))
    .refused("action.not_before_raised");
}

// ---- close ----

#[test]
fn the_owner_closes_an_open_item() {
    given(open_item(), ctx(distributor()))
        .when::<SupportContext>(close(" 42 outlets stocked "))
        .then([closed("2008-07-10")]);
}

#[test]
fn an_admin_closes_for_the_owner_side_with_a_blank_note() {
    given(open_item(), ctx(admin_for_distributor()))
        .when::<SupportContext>(close("   "))
        .then([ev(SupportEvent::ActionItemClosed {
            item: aid("a-40-outlets"),
            note: String::new(),
            closed_on: date("2008-07-10"),
        })]);
}

#[test]
fn the_other_side_may_not_close_an_item() {
    let e = given(open_item(), ctx(manufacturer()))
        .when::<SupportContext>(close("done?"))
        .refused_as("action.owner_closes", ErrorKind::Forbidden);
    assert!(e.message.contains("owned by the distributor"), "{e}");
}

#[test]
fn closing_twice_is_refused() {
    given(closed_item(), ctx(distributor()))
        .when::<SupportContext>(close("again"))
        .refused_as("action.close_once", ErrorKind::State);
}

#[test]
fn closing_an_item_never_raised_is_refused() {
    given([], ctx(distributor()))
        .when::<SupportContext>(close(""))
        .refused("action.must_be_raised");
}

// ---- reopen ----

#[test]
fn either_side_reopens_a_closed_item_with_a_new_due_date() {
    for who in [manufacturer(), distributor()] {
        given(closed_item(), ctx(who))
            .when::<SupportContext>(reopen(" 12 of the outlets hold no stock ", "2008-08-15"))
            .then([ev(SupportEvent::ActionItemReopened {
                item: aid("a-40-outlets"),
                reason: "12 of the outlets hold no stock".into(),
                due_on: date("2008-08-15"),
                reopened_on: date("2008-07-10"),
            })]);
    }
}

#[test]
fn reopening_an_open_item_is_refused() {
    given(open_item(), ctx(manufacturer()))
        .when::<SupportContext>(reopen("not done", "2008-08-15"))
        .refused("action.reopen_only_closed");
}

#[test]
fn reopening_without_a_reason_is_refused() {
    given(closed_item(), ctx(manufacturer()))
        .when::<SupportContext>(reopen(" ", "2008-08-15"))
        .refused_at(
            "action.reopen_reason_required",
            ErrorKind::Invalid,
            "reason",
        );
}

#[test]
fn reopening_with_a_due_date_already_past_is_refused() {
    given(closed_item(), ctx(manufacturer()))
        .when::<SupportContext>(reopen("not done", "2008-07-09"))
        .refused_at(
            "action.due_not_before_reopened",
            ErrorKind::Invalid,
            "due_on",
        );
}

#[test]
fn a_reopened_item_takes_progress_and_closes_again() {
    let history = reopened_item();
    given(history.clone(), ctx(distributor()))
        .when::<SupportContext>(progress("restocked 12"))
        .accepted();
    given(history.clone(), ctx(distributor()))
        .when::<SupportContext>(close("all 42 stocked"))
        .accepted();
    given(history, ctx(distributor()))
        .when::<SupportContext>(reopen("again", "2008-08-20"))
        .refused("action.reopen_only_closed");
}

// ---- state ----

fn fold(events: &[Event]) -> ActionItemState {
    fold_with(events, ActionItemState::evolve)
}

#[test]
fn the_folded_item_knows_whether_it_is_open_or_overdue() {
    let open = fold(&open_item());
    let item = open.item().expect("raised");
    assert!(item.is_open());
    assert!(
        !item.is_overdue(date("2008-07-31")),
        "due today is not overdue"
    );
    assert!(item.is_overdue(date("2008-08-01")));
    assert_eq!(item.days_overdue(date("2008-08-03")), 3);
    assert_eq!(item.owner, Side::Distributor);
    assert_eq!(item.meeting, Some(mid("review-2008-q2")));

    let reopened = fold(&reopened_item());
    let item = reopened.item().expect("raised");
    assert!(item.is_open() && item.closed_on.is_none());
    assert_eq!(item.due_on, date("2008-08-15"));
    assert_eq!(item.reopened, 1);
    assert!(!item.is_overdue(date("2008-08-01")));
    let kinds: Vec<_> = item.notes.iter().map(|n| n.kind).collect();
    assert_eq!(kinds, [ActionNoteKind::Closed, ActionNoteKind::Reopened]);

    let closed_item = fold(&[
        raised(Side::Distributor, "2008-07-05", "2008-07-06"),
        closed("2008-07-08"),
    ]);
    let item = closed_item.item().expect("raised");
    assert!(item.is_closed() && !item.is_overdue(date("2008-09-01")));
    assert_eq!(item.days_overdue(date("2008-09-01")), 0);
}

#[test]
fn an_overlong_progress_note_is_refused() {
    given(open_item(), ctx(distributor()))
        .when::<SupportContext>(progress(&"x".repeat(synergy_support::MAX_TEXT_CHARS + 1)))
        .refused_at("action.text_within_limit", ErrorKind::Invalid, "note");
    given(open_item(), ctx(distributor()))
        .when::<SupportContext>(progress(&"x".repeat(synergy_support::MAX_TEXT_CHARS)))
        .accepted();
}
