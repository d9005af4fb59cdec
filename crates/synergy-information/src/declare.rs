//! The information context's commands as every front end sees them: one declaration each
//! (verb, doc, who, HTTP route, CLI words, fields) and the bind from field values to the
//! typed [`Command`]. Market data arrives as an import (a file of rows), not declared here.

use synergy_domain::contract::{
    Args, CommandSpec, Declarations, Declared, Field, FieldError, Kind, Record, Shape, Who,
};
use synergy_proto::events::information::VolumeLine;
use synergy_proto::{Context, Side};

use crate::analysis::MAX_TEXT_BYTES;
use crate::{Command, ForecastCommand as F, OrderCommand as O, SubmitAnalysis};

const M: Side = Side::Manufacturer;
const D: Side = Side::Distributor;
const MONTH: Field = Field::new("month", Kind::Text(Shape::Month), "The month");
const ORDER: Field = Field::new("order", Kind::Text(Shape::Id), "The order");

const LINE: Record = Record {
    fields: &[
        Field::new("sku", Kind::Text(Shape::Id), "The SKU"),
        Field::new("volume_cases", Kind::Text(Shape::Cases), "Cases"),
    ],
    sep: '=',
    form: "SKU=CASES",
    example: "hongyun-soft=1200.5",
};

const LINES: Field = Field::new("lines", Kind::Records(&LINE), "Cases per SKU").flag("line");

fn lines(a: &Args<'_>) -> Result<Vec<VolumeLine>, FieldError> {
    a.records("lines")
        .iter()
        .map(|l| {
            Ok(VolumeLine {
                sku: l.get("sku")?,
                volume: l.get("volume_cases")?,
            })
        })
        .collect()
}

const CONTEXT: Context = Context::Information;

/// The side that submits (and corrects) a month's market data. Market data arrives as an
/// import, a file of rows, so it has no declaration of its own: who may submit it stands
/// here beside the declarations, and its decision, the API's upload and the web app's
/// upload page all ask this one place.
pub const MARKET_DATA_SIDE: Side = D;

/// A command that names its month or order and the lines, and nothing more: such
/// commands differ only in their verb, side, route and variant.
macro_rules! lines_command {
    (
        $outer:ident($inner:ident::$variant:ident), $key:ident: $field:expr, $who:expr,
        $path:literal, $verb:literal, $cli:expr, $doc:literal, $action:literal $(,)?
    ) => {
        Declared {
            spec: CommandSpec::new(
                CONTEXT,
                $verb,
                $cli,
                $doc,
                $action,
                Who::Only($who),
                $path,
                &[Field::partnership(), $field, LINES],
            ),
            is: |c| matches!(c, Command::$outer($inner::$variant { .. })),
            bind: |a| {
                Ok(Command::$outer($inner::$variant {
                    partnership: a.get("partnership")?,
                    $key: a.get(stringify!($key))?,
                    lines: lines(a)?,
                }))
            },
        }
    };
}

/// Every declared command of the information context.
pub static COMMANDS: Declarations<Command> = Declarations(&[
    lines_command!(
        Forecast(F::SubmitDemandForecast), month: MONTH, D, "/v1/partnerships/{id}/forecasts",
        "submit-demand-forecast", ["forecast", "submit"],
        "Submit the demand forecast for a month.", "forecasting demand",
    ),
    lines_command!(
        Forecast(F::ConfirmSupplyPlan), month: MONTH, M, "/v1/partnerships/{id}/supply-plans",
        "confirm-supply-plan", ["forecast", "confirm-supply"],
        "Confirm the supply plan for a forecast month.", "confirming a supply plan",
    ),
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "place-order",
            ["order", "place"],
            "Place an order.",
            "placing an order",
            Who::Only(D),
            "/v1/partnerships/{id}/orders",
            &[
                Field::partnership(),
                Field::new("order", Kind::Text(Shape::Id), "The new order's id"),
                MONTH,
                LINES,
            ],
        ),
        is: |c| matches!(c, Command::Order(O::Place { .. })),
        bind: |a| {
            Ok(Command::Order(O::Place {
                partnership: a.get("partnership")?,
                order: a.get("order")?,
                month: a.get("month")?,
                lines: lines(a)?,
            }))
        },
    },
    lines_command!(
        Order(O::Confirm), order: ORDER, M, "/v1/partnerships/{id}/orders/{order}/confirmation",
        "confirm-order", ["order", "confirm"],
        "Confirm the quantities of an order.", "confirming an order",
    ),
    lines_command!(
        Order(O::Ship), order: ORDER, M, "/v1/partnerships/{id}/orders/{order}/shipment",
        "ship-order", ["order", "ship"],
        "Ship an order.", "shipping an order",
    ),
    lines_command!(
        Order(O::Receive), order: ORDER, D, "/v1/partnerships/{id}/orders/{order}/receipt",
        "receive-order", ["order", "receive"],
        "Record what of an order arrived.", "receiving an order",
    ),
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "submit-analysis",
            ["analysis", "submit"],
            "Submit the distributor's analysis of a month or quarter, or revise it.\n\
             The market and brand analysis (月度、季度分析報告) in Markdown, shown in the review \
             pack of its period and of the half and year it lies in. The first submission has no \
             reason; a different text later is a revision that needs one and supersedes the \
             text in force; the same text again changes nothing.",
            "writing the analysis of a month or quarter",
            Who::Only(D),
            "/v1/partnerships/{id}/analyses/{period}",
            &[
                Field::partnership(),
                Field::new(
                    "period",
                    Kind::Text(Shape::Period),
                    "The month (2008-06) or quarter (2008-Q2) analysed; it must have started",
                ),
                Field::new(
                    "text",
                    Kind::Free,
                    "The analysis in Markdown, at most 20,000 characters",
                )
                .from_file(MAX_TEXT_BYTES),
                Field::new(
                    "reason",
                    Kind::Free,
                    "Why the analysis in force is revised, at most 2,000 characters; \
                     required for a revision, refused on the first submission",
                )
                .optional(),
            ],
        ),
        is: |c| matches!(c, Command::SubmitAnalysis(_)),
        bind: |a| {
            Ok(Command::SubmitAnalysis(SubmitAnalysis {
                partnership: a.get("partnership")?,
                period: a.get("period")?,
                text: a.get("text")?,
                reason: a.opt("reason")?,
            }))
        },
    },
]);

/// The CLI groups of this context's commands, with what each holds.
pub const CLI_GROUPS: &[(&str, &str)] = &[
    ("forecast", "Demand forecasts and supply plans."),
    ("order", "Orders: place, confirm, ship, receive."),
    (
        "analysis",
        "The distributor's monthly and quarterly analysis.",
    ),
];
