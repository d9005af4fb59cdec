//! Orders: placed (distributor) → confirmed → shipped (manufacturer) → received (distributor).

mod common;

use common::*;
use synergy_domain::{ErrorKind, testing::given};
use synergy_information::{Command, Information, OrderCommand, OrderStatus, fold_order};
use synergy_proto::{Event, OrderId, events::InformationEvent, events::information::VolumeLine};

fn oid() -> OrderId {
    OrderId::new("po-2008-0815").unwrap()
}

fn place(lines: Vec<VolumeLine>) -> Command {
    Command::Order(OrderCommand::Place {
        partnership: pid(),
        order: oid(),
        month: ym("2008-08"),
        lines,
    })
}

fn confirm(lines: Vec<VolumeLine>) -> Command {
    Command::Order(OrderCommand::Confirm {
        partnership: pid(),
        order: oid(),
        lines,
    })
}

fn ship(lines: Vec<VolumeLine>) -> Command {
    Command::Order(OrderCommand::Ship {
        partnership: pid(),
        order: oid(),
        lines,
    })
}

fn receive(lines: Vec<VolumeLine>) -> Command {
    Command::Order(OrderCommand::Receive {
        partnership: pid(),
        order: oid(),
        lines,
    })
}

fn placed() -> Event {
    ev(InformationEvent::OrderPlaced {
        order: oid(),
        month: ym("2008-08"),
        lines: vec![vl(HARD, 100), vl(SOFT, 200)],
        placed_on: date("2008-07-01"),
    })
}

fn confirmed() -> Event {
    ev(InformationEvent::OrderConfirmed {
        order: oid(),
        lines: vec![vl(HARD, 80), vl(SOFT, 200)],
        confirmed_on: date("2008-07-02"),
    })
}

fn shipped() -> Event {
    ev(InformationEvent::OrderShipped {
        order: oid(),
        lines: vec![vl(HARD, 80), vl(SOFT, 150)],
        shipped_on: date("2008-07-03"),
    })
}

fn received() -> Event {
    ev(InformationEvent::OrderReceived {
        order: oid(),
        lines: vec![vl(HARD, 79), vl(SOFT, 150)],
        received_on: date("2008-07-05"),
    })
}

// --- placing ---------------------------------------------------------------------------

#[test]
fn the_distributor_places_an_order() {
    given([], dist())
        .when::<Information>(place(vec![vl(SOFT, 200), vl(HARD, 100)]))
        .then([ev(InformationEvent::OrderPlaced {
            order: oid(),
            month: ym("2008-08"),
            lines: vec![vl(HARD, 100), vl(SOFT, 200)],
            placed_on: date("2008-07-05"),
        })]);
}

#[test]
fn the_manufacturer_and_outsiders_may_not_place_orders() {
    let e = given([], manu())
        .when::<Information>(place(vec![vl(SOFT, 200)]))
        .refused("order.placed_by_distributor")
        .clone();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    given([], ctx(outsider(), "2008-07-05"))
        .when::<Information>(place(vec![vl(SOFT, 200)]))
        .refused("partnership.parties_only");
}

#[test]
fn order_lines_are_checked() {
    given([], dist())
        .when::<Information>(place(vec![]))
        .refused_at("order.lines_required", ErrorKind::Invalid, "lines");
    given([], dist())
        .when::<Information>(place(vec![vl(SOFT, 0)]))
        .refused_at(
            "order.quantity_positive",
            ErrorKind::Invalid,
            "lines[hongyun-soft].volume",
        );
    given([], dist())
        .when::<Information>(place(vec![vl("yunyan-gold", 5)]))
        .refused_at(
            "order.sku_registered",
            ErrorKind::Invalid,
            "lines[yunyan-gold].sku",
        );
    given([], dist())
        .when::<Information>(place(vec![vl(SOFT, 5), vl(SOFT, 6)]))
        .refused_at(
            "order.one_line_per_sku",
            ErrorKind::Invalid,
            "lines[hongyun-soft]",
        );
}

#[test]
fn placing_the_same_order_again_is_a_no_op_but_other_data_is_refused() {
    given([placed()], dist())
        .when::<Information>(place(vec![vl(SOFT, 200), vl(HARD, 100)]))
        .then_nothing();
    given([placed()], dist())
        .when::<Information>(place(vec![vl(SOFT, 201), vl(HARD, 100)]))
        .refused_at("order.step_already_recorded", ErrorKind::State, "order");
}

// --- confirming ------------------------------------------------------------------------

#[test]
fn the_manufacturer_confirms_up_to_the_ordered_quantities() {
    given([placed()], manu())
        .when::<Information>(confirm(vec![vl(SOFT, 200), vl(HARD, 80)]))
        .then([ev(InformationEvent::OrderConfirmed {
            order: oid(),
            lines: vec![vl(HARD, 80), vl(SOFT, 200)],
            confirmed_on: date("2008-07-05"),
        })]);
}

#[test]
fn confirming_more_than_ordered_is_refused() {
    let e = given([placed()], manu())
        .when::<Information>(confirm(vec![vl(SOFT, 201)]))
        .refused_at(
            "order.confirmed_within_ordered",
            ErrorKind::Invalid,
            "lines[hongyun-soft].volume",
        )
        .clone();
    assert!(e.message.contains("200.000"), "{e}");
}

#[test]
fn only_the_manufacturer_confirms() {
    given([placed()], dist())
        .when::<Information>(confirm(vec![vl(SOFT, 200)]))
        .refused("order.confirmed_by_manufacturer");
}

#[test]
fn an_order_must_be_placed_before_anything_else() {
    for (cmd, who) in [
        (confirm(vec![vl(SOFT, 1)]), manu()),
        (ship(vec![vl(SOFT, 1)]), manu()),
        (receive(vec![vl(SOFT, 1)]), dist()),
    ] {
        given([], who).when::<Information>(cmd).refused_at(
            "order.must_be_placed",
            ErrorKind::NotFound,
            "order",
        );
    }
}

#[test]
fn steps_name_only_skus_of_the_order() {
    given([placed()], manu())
        .when::<Information>(confirm(vec![vl(ROSE, 1)]))
        .refused_at(
            "order.sku_in_order",
            ErrorKind::Invalid,
            "lines[honghe-rose].sku",
        );
    given([placed(), confirmed(), shipped()], dist())
        .when::<Information>(receive(vec![vl(ROSE, 1)]))
        .refused("order.sku_in_order");
}

#[test]
fn repeating_a_step_is_a_no_op_and_changing_it_is_refused() {
    given([placed(), confirmed()], manu())
        .when::<Information>(confirm(vec![vl(HARD, 80), vl(SOFT, 200)]))
        .then_nothing();
    given([placed(), confirmed()], manu())
        .when::<Information>(confirm(vec![vl(HARD, 90), vl(SOFT, 200)]))
        .refused_at_state("order.step_already_recorded");
    given([placed(), confirmed(), shipped()], manu())
        .when::<Information>(confirm(vec![vl(HARD, 1)]))
        .refused_at_state("order.step_already_recorded");
}

// --- shipping and receiving ------------------------------------------------------------

#[test]
fn shipping_needs_a_confirmation_and_stays_within_it() {
    given([placed()], manu())
        .when::<Information>(ship(vec![vl(SOFT, 100)]))
        .refused_at_state("order.lifecycle_order");
    given([placed(), confirmed()], manu())
        .when::<Information>(ship(vec![vl(HARD, 81)]))
        .refused_at(
            "order.shipped_within_confirmed",
            ErrorKind::Invalid,
            "lines[hongyun-hard].volume",
        );
    given([placed(), confirmed()], dist())
        .when::<Information>(ship(vec![vl(HARD, 80)]))
        .refused("order.shipped_by_manufacturer");
    given([placed(), confirmed()], manu())
        .when::<Information>(ship(vec![vl(HARD, 80), vl(SOFT, 150)]))
        .then([ev(InformationEvent::OrderShipped {
            order: oid(),
            lines: vec![vl(HARD, 80), vl(SOFT, 150)],
            shipped_on: date("2008-07-05"),
        })]);
}

#[test]
fn a_sku_left_out_of_the_confirmation_cannot_be_shipped() {
    let confirmed_soft_only = ev(InformationEvent::OrderConfirmed {
        order: oid(),
        lines: vec![vl(SOFT, 200)],
        confirmed_on: date("2008-07-02"),
    });
    given([placed(), confirmed_soft_only], manu())
        .when::<Information>(ship(vec![vl(HARD, 1)]))
        .refused("order.shipped_within_confirmed");
}

#[test]
fn receiving_needs_a_shipment_and_never_exceeds_it() {
    given([placed()], dist())
        .when::<Information>(receive(vec![vl(SOFT, 1)]))
        .refused_at_state("order.lifecycle_order");
    given([placed(), confirmed()], dist())
        .when::<Information>(receive(vec![vl(SOFT, 1)]))
        .refused_at_state("order.lifecycle_order");
    given([placed(), confirmed(), shipped()], dist())
        .when::<Information>(receive(vec![vl(SOFT, 151)]))
        .refused_at(
            "order.received_within_shipped",
            ErrorKind::Invalid,
            "lines[hongyun-soft].volume",
        );
    given([placed(), confirmed(), shipped()], manu())
        .when::<Information>(receive(vec![vl(SOFT, 150)]))
        .refused("order.received_by_distributor");
    given([placed(), confirmed(), shipped()], dist())
        .when::<Information>(receive(vec![vl(SOFT, 150), vl(HARD, 79)]))
        .then([ev(InformationEvent::OrderReceived {
            order: oid(),
            lines: vec![vl(HARD, 79), vl(SOFT, 150)],
            received_on: date("2008-07-05"),
        })]);
}

#[test]
fn a_terminated_partnership_accepts_no_order_steps() {
    let mut c = manu();
    c.partnership = Some(partnership(true));
    given([placed()], c)
        .when::<Information>(confirm(vec![vl(SOFT, 1)]))
        .refused("partnership.terminated_accepts_nothing");
}

#[test]
fn the_folded_order_answers_quantities_at_every_step() {
    let state = fold_order(&[placed(), confirmed()]);
    let order = state.order().unwrap();
    assert_eq!(order.status(), OrderStatus::Confirmed);
    assert_eq!(order.total_received(), Some(cases(0)));
    let hard = &order.lines()[0];
    assert_eq!(hard.sku, sku(HARD));
    assert_eq!(
        (hard.ordered, hard.confirmed, hard.shipped),
        (cases(100), Some(cases(80)), None)
    );

    let state = fold_order(&[placed(), confirmed(), shipped(), received()]);
    let order = state.order().unwrap();
    assert_eq!(order.status(), OrderStatus::Received);
    assert_eq!(order.total_ordered(), Some(cases(300)));
    assert_eq!(order.total_received(), Some(cases(229)));
    let soft = &order.lines()[1];
    assert_eq!(soft.received, Some(cases(150)));
    assert_eq!(order.received.as_ref().unwrap().on, date("2008-07-05"));
    assert!(fold_order(&[]).order().is_none());
}

trait RefusedState {
    fn refused_at_state(&self, rule: &str);
}

impl RefusedState for synergy_domain::testing::Outcome {
    #[track_caller]
    fn refused_at_state(&self, rule: &str) {
        assert_eq!(self.refused(rule).kind, ErrorKind::State);
    }
}
