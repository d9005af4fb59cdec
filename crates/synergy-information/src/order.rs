//! 網上配貨: an order's life, placed → confirmed → shipped → received, one aggregate per
//! order (`order:<id>`). Each step may only reduce the quantities of the one before it, which
//! is what makes the fill rate (received ÷ ordered) meaningful.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use synergy_domain::{DecisionContext, DomainError};
use synergy_proto::{
    Cases, Date, OrderId, PartnershipId, Side, SkuId, YearMonth,
    events::information::{InformationEvent, VolumeLine},
};

use crate::Decision;
use crate::authority::require_side;
use crate::lines::{LineRules, check_volume_lines, registered_in, to_lines, to_map};

/// The aggregate kind of orders (`order:<id>`).
pub const AGGREGATE: &str = "order";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderCommand {
    /// The distributor orders volumes of registered SKUs for a supply month.
    Place {
        partnership: PartnershipId,
        order: OrderId,
        month: YearMonth,
        lines: Vec<VolumeLine>,
    },
    /// The manufacturer confirms what it will ship; a SKU left out is confirmed at zero.
    Confirm {
        partnership: PartnershipId,
        order: OrderId,
        lines: Vec<VolumeLine>,
    },
    /// The manufacturer ships; a SKU left out is not shipped.
    Ship {
        partnership: PartnershipId,
        order: OrderId,
        lines: Vec<VolumeLine>,
    },
    /// The distributor records what arrived; a SKU left out did not arrive.
    Receive {
        partnership: PartnershipId,
        order: OrderId,
        lines: Vec<VolumeLine>,
    },
}

impl OrderCommand {
    synergy_domain::every_variant_has! {
        pub fn partnership -> PartnershipId: Place, Confirm, Ship, Receive
    }

    synergy_domain::every_variant_has! {
        pub fn order -> OrderId: Place, Confirm, Ship, Receive
    }
}

/// Where an order stands. Ordered so that a later step compares greater.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum OrderStatus {
    Placed,
    Confirmed,
    Shipped,
    Received,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Placed => "placed",
            OrderStatus::Confirmed => "confirmed",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Received => "received",
        }
    }
}

impl std::fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One step's quantities and the day it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderStep {
    pub quantities: BTreeMap<SkuId, Cases>,
    pub on: Date,
}

/// One SKU of an order across its steps (`None`: that step has not happened yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub sku: SkuId,
    pub ordered: Cases,
    pub confirmed: Option<Cases>,
    pub shipped: Option<Cases>,
    pub received: Option<Cases>,
}

/// A placed order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Order {
    pub id: OrderId,
    pub month: YearMonth,
    pub placed: OrderStep,
    pub confirmed: Option<OrderStep>,
    pub shipped: Option<OrderStep>,
    pub received: Option<OrderStep>,
}

impl Order {
    pub fn status(&self) -> OrderStatus {
        if self.received.is_some() {
            OrderStatus::Received
        } else if self.shipped.is_some() {
            OrderStatus::Shipped
        } else if self.confirmed.is_some() {
            OrderStatus::Confirmed
        } else {
            OrderStatus::Placed
        }
    }

    /// Every ordered SKU with its quantity at each step; a step that happened but left the
    /// SKU out counts it as zero.
    pub fn lines(&self) -> Vec<OrderLine> {
        let at = |step: &Option<OrderStep>, sku: &SkuId| {
            step.as_ref()
                .map(|s| s.quantities.get(sku).copied().unwrap_or(Cases::ZERO))
        };
        self.placed
            .quantities
            .iter()
            .map(|(sku, ordered)| OrderLine {
                sku: sku.clone(),
                ordered: *ordered,
                confirmed: at(&self.confirmed, sku),
                shipped: at(&self.shipped, sku),
                received: at(&self.received, sku),
            })
            .collect()
    }

    /// The record of `step`, once taken (placing always is).
    fn record(&self, step: OrderStatus) -> Option<&OrderStep> {
        match step {
            OrderStatus::Placed => Some(&self.placed),
            OrderStatus::Confirmed => self.confirmed.as_ref(),
            OrderStatus::Shipped => self.shipped.as_ref(),
            OrderStatus::Received => self.received.as_ref(),
        }
    }

    /// Total ordered, `None` on overflow.
    pub fn total_ordered(&self) -> Option<Cases> {
        Cases::checked_sum(self.placed.quantities.values().copied()).ok()
    }

    /// Total received (zero until received), `None` on overflow.
    pub fn total_received(&self) -> Option<Cases> {
        match &self.received {
            Some(step) => Cases::checked_sum(step.quantities.values().copied()).ok(),
            None => Some(Cases::ZERO),
        }
    }
}

/// The state of one order stream: nothing until the order is placed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OrderState {
    order: Option<Order>,
}

/// How each step after placing is checked and recorded.
struct Step {
    name: OrderStatus,
    side: Side,
    side_rule: &'static str,
    action: &'static str,
    /// The step whose quantities bound this one's, as messages say it was done
    /// ("confirmed"), and the rule the bound is checked under.
    after: OrderStatus,
    after_done: &'static str,
    bound_rule: &'static str,
    lines: LineRules,
    /// The event that records the step.
    event: fn(OrderId, Vec<VolumeLine>, Date) -> InformationEvent,
}

const CONFIRM: Step = Step {
    name: OrderStatus::Confirmed,
    side: Side::Manufacturer,
    side_rule: "order.confirmed_by_manufacturer",
    action: "confirming an order",
    after: OrderStatus::Placed,
    after_done: "ordered",
    bound_rule: "order.confirmed_within_ordered",
    lines: LineRules {
        what: "an order confirmation",
        lines_required: "order.lines_required",
        one_line_per_sku: "order.one_line_per_sku",
        volume_rule: "order.non_negative",
        positive: false,
    },
    event: |order, lines, confirmed_on| InformationEvent::OrderConfirmed {
        order,
        lines,
        confirmed_on,
    },
};

const SHIP: Step = Step {
    name: OrderStatus::Shipped,
    side: Side::Manufacturer,
    side_rule: "order.shipped_by_manufacturer",
    action: "shipping an order",
    after: OrderStatus::Confirmed,
    after_done: "confirmed",
    bound_rule: "order.shipped_within_confirmed",
    lines: LineRules {
        what: "a shipment",
        ..CONFIRM.lines
    },
    event: |order, lines, shipped_on| InformationEvent::OrderShipped {
        order,
        lines,
        shipped_on,
    },
};

const RECEIVE: Step = Step {
    name: OrderStatus::Received,
    side: Side::Distributor,
    side_rule: "order.received_by_distributor",
    action: "receiving an order",
    after: OrderStatus::Shipped,
    after_done: "shipped",
    bound_rule: "order.received_within_shipped",
    lines: LineRules {
        what: "a receipt",
        ..CONFIRM.lines
    },
    event: |order, lines, received_on| InformationEvent::OrderReceived {
        order,
        lines,
        received_on,
    },
};

const PLACE_LINES: LineRules = LineRules {
    what: "an order",
    lines_required: "order.lines_required",
    one_line_per_sku: "order.one_line_per_sku",
    volume_rule: "order.quantity_positive",
    positive: true,
};

impl OrderState {
    /// The order, once placed.
    pub fn order(&self) -> Option<&Order> {
        self.order.as_ref()
    }

    pub fn evolve(mut self, event: &InformationEvent) -> Self {
        match event {
            InformationEvent::OrderPlaced {
                order,
                month,
                lines,
                placed_on,
            } => {
                self.order = Some(Order {
                    id: order.clone(),
                    month: *month,
                    placed: step_of(lines, *placed_on),
                    confirmed: None,
                    shipped: None,
                    received: None,
                });
            }
            InformationEvent::OrderConfirmed {
                lines,
                confirmed_on,
                ..
            } => {
                if let Some(o) = &mut self.order {
                    o.confirmed = Some(step_of(lines, *confirmed_on));
                }
            }
            InformationEvent::OrderShipped {
                lines, shipped_on, ..
            } => {
                if let Some(o) = &mut self.order {
                    o.shipped = Some(step_of(lines, *shipped_on));
                }
            }
            InformationEvent::OrderReceived {
                lines, received_on, ..
            } => {
                if let Some(o) = &mut self.order {
                    o.received = Some(step_of(lines, *received_on));
                }
            }
            _ => {}
        }
        self
    }

    pub fn decide(
        &self,
        cmd: &OrderCommand,
        ctx: &DecisionContext,
    ) -> Result<Vec<InformationEvent>, DomainError> {
        let (step, lines) = match cmd {
            OrderCommand::Place {
                partnership,
                order,
                month,
                lines,
            } => return self.place(partnership, order, *month, lines, ctx),
            OrderCommand::Confirm { lines, .. } => (&CONFIRM, lines),
            OrderCommand::Ship { lines, .. } => (&SHIP, lines),
            OrderCommand::Receive { lines, .. } => (&RECEIVE, lines),
        };
        self.advance(step, cmd.partnership(), cmd.order(), lines, ctx)
    }

    fn place(
        &self,
        partnership: &PartnershipId,
        id: &OrderId,
        month: YearMonth,
        lines: &[VolumeLine],
        ctx: &DecisionContext,
    ) -> Decision {
        require_side(
            ctx,
            partnership,
            Side::Distributor,
            "order.placed_by_distributor",
            "placing an order",
        )?;
        let registered = registered_in(&ctx.catalogue, "order.sku_registered");
        let map = check_volume_lines(lines, PLACE_LINES, registered)?;
        if let Some(existing) = &self.order {
            let same = existing.month == month && existing.placed.quantities == map;
            return retried(same, || {
                format!(
                    "order {id} was already placed on {} with other data; use a new order id",
                    existing.placed.on
                )
            })
            .map_err(|e| e.at("order"));
        }
        Ok(vec![InformationEvent::OrderPlaced {
            order: id.clone(),
            month,
            lines: to_lines(&map),
            placed_on: ctx.today(),
        }])
    }

    /// Confirms, ships or receives the order: `step`, within the quantities of the step
    /// before it.
    fn advance(
        &self,
        step: &Step,
        partnership: &PartnershipId,
        id: &OrderId,
        lines: &[VolumeLine],
        ctx: &DecisionContext,
    ) -> Decision {
        require_side(ctx, partnership, step.side, step.side_rule, step.action)?;
        let Some(order) = &self.order else {
            return Err(DomainError::not_found(
                "order.must_be_placed",
                format!("order {id} has not been placed"),
            )
            .at("order"));
        };
        let map = check_volume_lines(lines, step.lines, |sku, field| {
            if order.placed.quantities.contains_key(sku) {
                Ok(())
            } else {
                Err(DomainError::invalid(
                    "order.sku_in_order",
                    field,
                    format!("order {id} does not include {sku}"),
                ))
            }
        })?;
        if let Some(done) = order.record(step.name) {
            return retried(done.quantities == map, || {
                format!(
                    "order {id} was already {} on {} with other quantities; a step is recorded once",
                    step.name, done.on
                )
            });
        }
        let Some(previous) = order.record(step.after) else {
            return Err(DomainError::state(
                "order.lifecycle_order",
                format!(
                    "order {id} is {} and must be {} before it can be {}",
                    order.status(),
                    step.after_done,
                    step.name
                ),
            ));
        };
        for (sku, qty) in &map {
            let bound = previous.quantities.get(sku).copied().unwrap_or(Cases::ZERO);
            if *qty > bound {
                return Err(DomainError::invalid(
                    step.bound_rule,
                    format!("lines[{sku}].volume"),
                    format!(
                        "order {id}: {qty} cases of {sku} {}, but only {bound} were {}",
                        step.name, step.after_done
                    ),
                ));
            }
        }
        Ok(vec![(step.event)(id.clone(), to_lines(&map), ctx.today())])
    }
}

/// A step recorded already: a retry with the same figures changes nothing; other figures
/// are refused, since they would rewrite history the other side has already acted on.
fn retried(same: bool, message: impl FnOnce() -> String) -> Decision {
    if same {
        return Ok(vec![]);
    }
    Err(DomainError::state("order.step_already_recorded", message()))
}

fn step_of(lines: &[VolumeLine], on: Date) -> OrderStep {
    OrderStep {
        quantities: to_map(lines),
        on,
    }
}
