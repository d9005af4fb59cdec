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

/// 100 cases of the hard and 200 of the soft pack for August, placed on `on`.
fn placed_on(on: &str) -> Event {
    ev(InformationEvent::OrderPlaced {
        order: oid(),
        month: ym("2008-08"),
        lines: vec![vl(HARD, 100), vl(SOFT, 200)],
        placed_on: date(on),
    })
}

fn confirmed_with(lines: Vec<VolumeLine>, on: &str) -> Event {
    ev(InformationEvent::OrderConfirmed {
        order: oid(),
        lines,
        confirmed_on: date(on),
    })
}

/// 80 of the hard pack confirmed, the soft pack in full.
fn confirmed_on(on: &str) -> Event {
    confirmed_with(vec![vl(HARD, 80), vl(SOFT, 200)], on)
}

/// All the confirmed hard pack shipped, 150 of the soft.
fn shipped_on(on: &str) -> Event {
    ev(InformationEvent::OrderShipped {
        order: oid(),
        lines: vec![vl(HARD, 80), vl(SOFT, 150)],
        shipped_on: date(on),
    })
}

/// One case of the hard pack short.
fn received_on(on: &str) -> Event {
    ev(InformationEvent::OrderReceived {
        order: oid(),
        lines: vec![vl(HARD, 79), vl(SOFT, 150)],
        received_on: date(on),
    })
}

/// The order's first `n` steps: placed on 1 July, confirmed on the 2nd, shipped on the
/// 3rd, received on the 5th.
fn steps(n: usize) -> Vec<Event> {
    let mut all = vec![
        placed_on("2008-07-01"),
        confirmed_on("2008-07-02"),
        shipped_on("2008-07-03"),
        received_on("2008-07-05"),
    ];
    all.truncate(n);
    all
}

// --- placing ---------------------------------------------------------------------------

#[test]
fn the_distributor_places_an_order() {
    given([], dist())
        .when::<Information>(place(vec![vl(SOFT, 200), vl(HARD, 100)]))
        .then([placed_on("2008-07-05")]);
}

#[test]
fn the_manufacturer_and_outsiders_may_not_place_orders() {
    given([], manu())
        .when::<Information>(place(vec![vl(SOFT, 200)]))
        .refused_as("order.placed_by_distributor", ErrorKind::Forbidden);
    given([], ctx(outsider(), "2008-07-05"))
        .when::<Information>(place(vec![vl(SOFT, 200)]))
        .refused("partnership.parties_only");
}

#[test]
fn order_lines_are_checked() {
    let cases = [
        (vec![], "order.lines_required", "lines"),
        (
            vec![vl(SOFT, 0)],
            "order.quantity_positive",
            "lines[hongyun-soft].volume",
        ),
        (
            vec![vl("yunyan-gold", 5)],
            "order.sku_registered",
            "lines[yunyan-gold].sku",
        ),
        (
            vec![vl(SOFT, 5), vl(SOFT, 6)],
            "order.one_line_per_sku",
            "lines[hongyun-soft]",
        ),
    ];
    for (lines, rule, field) in cases {
        given([], dist())
            .when::<Information>(place(lines))
            .refused_at(rule, ErrorKind::Invalid, field);
    }
}

#[test]
fn placing_the_same_order_again_is_a_no_op_but_other_data_is_refused() {
    given(steps(1), dist())
        .when::<Information>(place(vec![vl(SOFT, 200), vl(HARD, 100)]))
        .then_nothing();
    given(steps(1), dist())
        .when::<Information>(place(vec![vl(SOFT, 201), vl(HARD, 100)]))
        .refused_at("order.step_already_recorded", ErrorKind::State, "order");
}

// --- confirming ------------------------------------------------------------------------

#[test]
fn the_manufacturer_confirms_up_to_the_ordered_quantities() {
    given(steps(1), manu())
        .when::<Information>(confirm(vec![vl(SOFT, 200), vl(HARD, 80)]))
        .then([confirmed_on("2008-07-05")]);
}

#[test]
fn confirming_more_than_ordered_is_refused() {
    let e = given(steps(1), manu())
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
    given(steps(1), dist())
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
    given(steps(1), manu())
        .when::<Information>(confirm(vec![vl(ROSE, 1)]))
        .refused_at(
            "order.sku_in_order",
            ErrorKind::Invalid,
            "lines[honghe-rose].sku",
        );
    given(steps(3), dist())
        .when::<Information>(receive(vec![vl(ROSE, 1)]))
        .refused("order.sku_in_order");
}

#[test]
fn repeating_a_step_is_a_no_op_and_changing_it_is_refused() {
    given(steps(2), manu())
        .when::<Information>(confirm(vec![vl(HARD, 80), vl(SOFT, 200)]))
        .then_nothing();
    given(steps(2), manu())
        .when::<Information>(confirm(vec![vl(HARD, 90), vl(SOFT, 200)]))
        .refused_at_state("order.step_already_recorded");
    given(steps(3), manu())
        .when::<Information>(confirm(vec![vl(HARD, 1)]))
        .refused_at_state("order.step_already_recorded");
}

// --- shipping and receiving ------------------------------------------------------------

#[test]
fn shipping_needs_a_confirmation_and_stays_within_it() {
    given(steps(1), manu())
        .when::<Information>(ship(vec![vl(SOFT, 100)]))
        .refused_at_state("order.lifecycle_order");
    given(steps(2), manu())
        .when::<Information>(ship(vec![vl(HARD, 81)]))
        .refused_at(
            "order.shipped_within_confirmed",
            ErrorKind::Invalid,
            "lines[hongyun-hard].volume",
        );
    given(steps(2), dist())
        .when::<Information>(ship(vec![vl(HARD, 80)]))
        .refused("order.shipped_by_manufacturer");
    given(steps(2), manu())
        .when::<Information>(ship(vec![vl(HARD, 80), vl(SOFT, 150)]))
        .then([shipped_on("2008-07-05")]);
}

#[test]
fn a_sku_left_out_of_the_confirmation_cannot_be_shipped() {
    let confirmed_soft_only = confirmed_with(vec![vl(SOFT, 200)], "2008-07-02");
    given(with(steps(1), confirmed_soft_only), manu())
        .when::<Information>(ship(vec![vl(HARD, 1)]))
        .refused("order.shipped_within_confirmed");
}

#[test]
fn receiving_needs_a_shipment_and_never_exceeds_it() {
    for not_shipped in [steps(1), steps(2)] {
        given(not_shipped, dist())
            .when::<Information>(receive(vec![vl(SOFT, 1)]))
            .refused_at_state("order.lifecycle_order");
    }
    given(steps(3), dist())
        .when::<Information>(receive(vec![vl(SOFT, 151)]))
        .refused_at(
            "order.received_within_shipped",
            ErrorKind::Invalid,
            "lines[hongyun-soft].volume",
        );
    given(steps(3), manu())
        .when::<Information>(receive(vec![vl(SOFT, 150)]))
        .refused("order.received_by_distributor");
    given(steps(3), dist())
        .when::<Information>(receive(vec![vl(SOFT, 150), vl(HARD, 79)]))
        .then([received_on("2008-07-05")]);
}

#[test]
fn a_terminated_partnership_accepts_no_order_steps() {
    let mut c = manu();
    c.partnership = Some(partnership(true));
    given(steps(1), c)
        .when::<Information>(confirm(vec![vl(SOFT, 1)]))
        .refused("partnership.terminated_accepts_nothing");
}

#[test]
fn the_folded_order_answers_quantities_at_every_step() {
    let state = fold_order(&steps(2));
    let order = state.order().unwrap();
    assert_eq!(order.status(), OrderStatus::Confirmed);
    assert_eq!(order.total_received(), Some(cases(0)));
    let hard = &order.lines()[0];
    assert_eq!(hard.sku, sku(HARD));
    assert_eq!(
        (hard.ordered, hard.confirmed, hard.shipped),
        (cases(100), Some(cases(80)), None)
    );

    let state = fold_order(&steps(4));
    let order = state.order().unwrap();
    assert_eq!(order.status(), OrderStatus::Received);
    assert_eq!(order.total_ordered(), Some(cases(300)));
    assert_eq!(order.total_received(), Some(cases(229)));
    let soft = &order.lines()[1];
    assert_eq!(soft.received, Some(cases(150)));
    assert_eq!(order.received.as_ref().unwrap().on, date("2008-07-05"));
    assert!(fold_order(&[]).order().is_none());
}

fn with(mut history: Vec<Event>, more: Event) -> Vec<Event> {
    history.push(more);
    history
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
