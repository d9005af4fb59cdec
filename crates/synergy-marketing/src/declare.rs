//! The marketing context's commands as every front end sees them: one declaration each
//! (verb, doc, who, HTTP route, CLI words, fields) and the bind from field values to the
//! typed [`Command`]. Who may send which is the seed's division of labour (see
//! [`Command`]).

use synergy_domain::contract::{
    Choosable, CommandSpec, Declarations, Declared, Field, Kind, MAX_EXACT_WHOLE, Shape, Who,
};
use synergy_proto::events::marketing::CampaignOutcome;
use synergy_proto::{Context, Side};

use crate::Command;

const M: Side = Side::Manufacturer;
const D: Side = Side::Distributor;
const ID: Kind = Kind::Text(Shape::Id);
const DATE: Kind = Kind::Text(Shape::Date);
const QUANTITY: Kind = Kind::Whole {
    min: 0,
    max: MAX_EXACT_WHOLE,
};

const CAMPAIGN: Field = Field::new("campaign", ID, "The campaign");
const MATERIAL: Field = Field::new("material", Kind::Free, "The material, e.g. 海報");

const CONTEXT: Context = Context::Marketing;

/// Every command of the marketing context.
pub static COMMANDS: Declarations<Command> = Declarations(&[
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "plan-campaign",
            ["campaign", "plan"],
            "Plan a campaign with its activity plan (活動方案).",
            "planning a campaign",
            Who::Only(M),
            "/v1/partnerships/{id}/campaigns",
            &[
                Field::partnership(),
                Field::new("campaign", ID, "The new campaign's id"),
                Field::new("title", Kind::Free, "The campaign's title"),
                Field::new("brand", ID, "The brand it promotes"),
                Field::new("skus", Kind::List(Some(Shape::Id)), "The SKUs it covers").flag("sku"),
                Field::new("starts_on", DATE, "The first day"),
                Field::new("ends_on", DATE, "The last day"),
                Field::new("activity_plan", Kind::Free, "The activity plan"),
            ],
        ),
        is: |c| matches!(c, Command::PlanCampaign { .. }),
        bind: |a| {
            Ok(Command::PlanCampaign {
                partnership: a.get("partnership")?,
                campaign: a.get("campaign")?,
                title: a.get("title")?,
                brand: a.get("brand")?,
                skus: a.list("skus")?,
                starts_on: a.get("starts_on")?,
                ends_on: a.get("ends_on")?,
                activity_plan: a.get("activity_plan")?,
            })
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "assign-task",
            ["campaign", "assign-task"],
            "Give a campaign task to a side.\n\
             The manufacturer may assign to either side (the task breakdown is part of its \
             activity plan); the distributor only to itself.",
            "assigning a campaign task",
            Who::Either(M),
            "/v1/partnerships/{id}/campaigns/{campaign}/tasks",
            &[
                Field::partnership(),
                CAMPAIGN,
                Field::new("task", ID, "The new task's id"),
                Field::new("title", Kind::Free, "What is to be done"),
                Field::new("side", Kind::Choice(Side::CHOICES), "The side that does it"),
                Field::new("due_on", DATE, "When it is due"),
            ],
        ),
        is: |c| matches!(c, Command::AssignTask { .. }),
        bind: |a| {
            Ok(Command::AssignTask {
                partnership: a.get("partnership")?,
                campaign: a.get("campaign")?,
                task: a.get("task")?,
                title: a.get("title")?,
                side: a.choice("side")?,
                due_on: a.get("due_on")?,
            })
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "complete-task",
            ["campaign", "complete-task"],
            "Complete a task, once, by the side it was given to (--as on the command line).",
            "completing a campaign task",
            Who::Either(D),
            "/v1/partnerships/{id}/campaigns/{campaign}/tasks/{task}/completion",
            &[
                Field::partnership(),
                CAMPAIGN,
                Field::new("task", ID, "The task"),
                Field::new("completed_on", DATE, "The day it was done"),
                Field::new("note", Kind::Free, "What was done").optional(),
            ],
        ),
        is: |c| matches!(c, Command::CompleteTask { .. }),
        bind: |a| {
            Ok(Command::CompleteTask {
                partnership: a.get("partnership")?,
                campaign: a.get("campaign")?,
                task: a.get("task")?,
                completed_on: a.get("completed_on")?,
                note: a.text_or_empty("note")?,
            })
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "dispatch-materials",
            ["campaign", "dispatch"],
            "Dispatch promotional materials (宣傳物料).",
            "dispatching materials",
            Who::Only(M),
            "/v1/partnerships/{id}/campaigns/{campaign}/materials/dispatches",
            &[
                Field::partnership(),
                CAMPAIGN,
                MATERIAL,
                Field::new("quantity", QUANTITY, "How many pieces"),
                Field::new("dispatched_on", DATE, "The day they left").flag("on"),
            ],
        ),
        is: |c| matches!(c, Command::DispatchMaterials { .. }),
        bind: |a| {
            Ok(Command::DispatchMaterials {
                partnership: a.get("partnership")?,
                campaign: a.get("campaign")?,
                material: a.get("material")?,
                quantity: a.whole("quantity")?,
                dispatched_on: a.get("dispatched_on")?,
            })
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "receive-materials",
            ["campaign", "receive"],
            "Confirm materials received, never more than were dispatched.",
            "receiving materials",
            Who::Only(D),
            "/v1/partnerships/{id}/campaigns/{campaign}/materials/receipts",
            &[
                Field::partnership(),
                CAMPAIGN,
                MATERIAL,
                Field::new("quantity", QUANTITY, "How many pieces arrived"),
                Field::new("received_on", DATE, "The day they arrived").flag("on"),
            ],
        ),
        is: |c| matches!(c, Command::ReceiveMaterials { .. }),
        bind: |a| {
            Ok(Command::ReceiveMaterials {
                partnership: a.get("partnership")?,
                campaign: a.get("campaign")?,
                material: a.get("material")?,
                quantity: a.whole("quantity")?,
                received_on: a.get("received_on")?,
            })
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "select-outlets",
            ["campaign", "select-outlets"],
            "Add retail outlets to the campaign (零售終端布點).\n\
             Outlets already selected are skipped, so a retry changes nothing.",
            "selecting outlets",
            Who::Only(D),
            "/v1/partnerships/{id}/campaigns/{campaign}/outlets",
            &[
                Field::partnership(),
                CAMPAIGN,
                Field::new("outlets", Kind::List(Some(Shape::Id)), "The outlets").flag("outlet"),
            ],
        ),
        is: |c| matches!(c, Command::SelectOutlets { .. }),
        bind: |a| {
            Ok(Command::SelectOutlets {
                partnership: a.get("partnership")?,
                campaign: a.get("campaign")?,
                outlets: a.list("outlets")?,
            })
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "check-retail-price",
            ["campaign", "check-price"],
            "Record a retail price observed at an outlet (監控零售價格).\n\
             The guide price is the catalogue's; the outlet may be any in the region.",
            "checking retail prices",
            Who::Only(M),
            "/v1/partnerships/{id}/campaigns/{campaign}/price-checks",
            &[
                Field::partnership(),
                CAMPAIGN,
                Field::new("sku", ID, "The SKU"),
                Field::new("outlet", ID, "Where the price was seen"),
                Field::new(
                    "observed_price_yuan",
                    Kind::Text(Shape::Yuan),
                    "The price per carton seen",
                ),
                Field::new("checked_on", DATE, "The day it was seen").flag("on"),
            ],
        ),
        is: |c| matches!(c, Command::CheckRetailPrice { .. }),
        bind: |a| {
            Ok(Command::CheckRetailPrice {
                partnership: a.get("partnership")?,
                campaign: a.get("campaign")?,
                sku: a.get("sku")?,
                outlet: a.get("outlet")?,
                observed_price: a.get("observed_price_yuan")?,
                checked_on: a.get("checked_on")?,
            })
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "allocate-supply",
            ["campaign", "allocate"],
            "Secure supply of a campaign SKU for the retailers (貨源供應).",
            "allocating supply",
            Who::Only(D),
            "/v1/partnerships/{id}/campaigns/{campaign}/supply",
            &[
                Field::partnership(),
                CAMPAIGN,
                Field::new("sku", ID, "The SKU"),
                Field::new("volume_cases", Kind::Text(Shape::Cases), "Cases allocated"),
                Field::new("allocated_on", DATE, "The day").flag("on"),
            ],
        ),
        is: |c| matches!(c, Command::AllocateSupply { .. }),
        bind: |a| {
            Ok(Command::AllocateSupply {
                partnership: a.get("partnership")?,
                campaign: a.get("campaign")?,
                sku: a.get("sku")?,
                volume: a.get("volume_cases")?,
                allocated_on: a.get("allocated_on")?,
            })
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "launch-campaign",
            ["campaign", "launch"],
            "Start executing the campaign in the market (outlets must be selected).",
            "launching a campaign",
            Who::Only(D),
            "/v1/partnerships/{id}/campaigns/{campaign}/launch",
            &[
                Field::partnership(),
                CAMPAIGN,
                Field::new("launched_on", DATE, "The day it starts").flag("on"),
            ],
        ),
        is: |c| matches!(c, Command::LaunchCampaign { .. }),
        bind: |a| {
            Ok(Command::LaunchCampaign {
                partnership: a.get("partnership")?,
                campaign: a.get("campaign")?,
                launched_on: a.get("launched_on")?,
            })
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "close-campaign",
            ["campaign", "close"],
            "Close the campaign with its outcome and a summary.",
            "closing a campaign",
            Who::Either(M),
            "/v1/partnerships/{id}/campaigns/{campaign}/closure",
            &[
                Field::partnership(),
                CAMPAIGN,
                Field::new("closed_on", DATE, "The day it closes").flag("on"),
                Field::new(
                    "outcome",
                    Kind::Choice(CampaignOutcome::CHOICES),
                    "How it went",
                ),
                Field::new("summary", Kind::Free, "What it achieved"),
            ],
        ),
        is: |c| matches!(c, Command::CloseCampaign { .. }),
        bind: |a| {
            Ok(Command::CloseCampaign {
                partnership: a.get("partnership")?,
                campaign: a.get("campaign")?,
                closed_on: a.get("closed_on")?,
                outcome: a.choice("outcome")?,
                summary: a.get("summary")?,
            })
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "promise-uplift",
            ["campaign", "promise"],
            "Promise the value the campaign creates (創值): cases of its SKUs above the baseline.\n\
             The baseline is the SKUs' volume over the same months a year earlier, grown with \
             the market; evaluation judges the promise kept when the volume above it reaches \
             the uplift (docs/kpis.md, \"Value realised\"). The months begin in one the \
             campaign runs in and span at most 12. A promise replaces an earlier one only with \
             a reason, and only while neither has begun.",
            "promising an uplift",
            Who::Only(M),
            "/v1/partnerships/{id}/campaigns/{campaign}/promise",
            &[
                Field::partnership(),
                CAMPAIGN,
                Field::new(
                    "skus",
                    Kind::List(Some(Shape::Id)),
                    "The campaign's SKUs whose volume it lifts",
                )
                .flag("sku"),
                Field::new(
                    "first_month",
                    Kind::Text(Shape::Month),
                    "The first month promised",
                ),
                Field::new(
                    "last_month",
                    Kind::Text(Shape::Month),
                    "The last month promised",
                ),
                Field::new(
                    "uplift_cases",
                    Kind::Text(Shape::Cases),
                    "Cases above the baseline over those months",
                ),
                Field::new(
                    "reason",
                    Kind::Free,
                    "Why an earlier promise is replaced (required then)",
                )
                .optional(),
            ],
        ),
        is: |c| matches!(c, Command::PromiseUplift { .. }),
        bind: |a| {
            Ok(Command::PromiseUplift {
                partnership: a.get("partnership")?,
                campaign: a.get("campaign")?,
                skus: a.list("skus")?,
                first_month: a.get("first_month")?,
                last_month: a.get("last_month")?,
                uplift: a.get("uplift_cases")?,
                reason: a.text_or_empty("reason")?,
            })
        },
    },
]);

/// The CLI groups of this context's commands, with what each holds.
pub const CLI_GROUPS: &[(&str, &str)] = &[(
    "campaign",
    "Campaigns and their tasks, materials, outlets, prices, supply and promised value.",
)];
