//! The strategy context's commands as every front end sees them: one declaration each
//! (verb, doc, who, HTTP route, CLI words, fields) and the bind from field values to the
//! typed [`Command`]. NATS, HTTP with its OpenAPI document and the CLI derive from here.

use synergy_domain::contract::{CommandSpec, Declarations, Declared, Field, Kind, Shape, Who};
use synergy_proto::events::strategy::Target;
use synergy_proto::{Context, Side};

use crate::Command;

const M: Side = Side::Manufacturer;
const YEAR: Kind = Kind::Whole {
    min: 1900,
    max: 9999,
};
const ID: Kind = Kind::Text(Shape::Id);
const DATE: Kind = Kind::Text(Shape::Date);

const PLAN: Field = Field::new("plan", ID, "The plan");
const REASON: Field = Field::new("reason", Kind::Free, "Why, for the other party");

const CONTEXT: Context = Context::Strategy;

/// Every command of the strategy context.
pub static COMMANDS: Declarations<Command> = Declarations(&[
    Declared {
        spec: CommandSpec {
            recorded: "Proposed (a party), or signed (the operator, or the other party signing the proposed terms)",
            ..CommandSpec::new(
                CONTEXT,
                "sign-partnership",
                ["partnership", "sign"],
                "Sign the cooperation agreement (協同營銷合作協議).\n\
                 A party's signature proposes it: it binds the other organisation once that \
                 one accepts it (or signs the identical terms). An operator (admin token, or \
                 the CLI on its own data directory) records both signatures at once.",
                "signing the partnership",
                Who::Signatory,
                "/v1/partnerships",
                &[
                    Field::new("partnership", ID, "The new partnership's id").flag("id"),
                    Field::new("manufacturer", ID, "The manufacturer (brand owner)"),
                    Field::new("distributor", ID, "The regional distributor"),
                    Field::new(
                        "region",
                        Kind::Free,
                        "The region the agreement covers, e.g. 長治",
                    ),
                    Field::new("signed_on", DATE, "The day it is signed"),
                ],
            )
        },
        is: |c| matches!(c, Command::SignPartnership { .. }),
        bind: |a| {
            Ok(Command::SignPartnership {
                partnership: a.get("partnership")?,
                manufacturer: a.get("manufacturer")?,
                distributor: a.get("distributor")?,
                region: a.get("region")?,
                signed_on: a.get("signed_on")?,
            })
        },
    },
    Declared {
        spec: CommandSpec {
            recorded: "Signed on the proposed terms",
            ..CommandSpec::new(
                CONTEXT,
                "accept-partnership",
                ["partnership", "accept"],
                "Accept a partnership the other party proposed: it is signed on the proposed terms.\n\
                 Only the organisation the proposal names as the other side may; the command \
                 line needs --as.",
                "accepting the partnership",
                Who::Proposal,
                "/v1/partnerships/{id}/acceptance",
                &[Field::partnership()],
            )
        },
        is: |c| matches!(c, Command::AcceptPartnership { .. }),
        bind: |a| {
            Ok(Command::AcceptPartnership {
                partnership: a.get("partnership")?,
            })
        },
    },
    Declared {
        spec: CommandSpec {
            recorded: "Declined",
            ..CommandSpec::new(
                CONTEXT,
                "decline-partnership",
                ["partnership", "decline"],
                "Decline a partnership the other party proposed; the id is free again.\n\
                 Only the organisation the proposal names as the other side may; the command \
                 line needs --as.",
                "declining the partnership",
                Who::Proposal,
                "/v1/partnerships/{id}/declination",
                &[Field::partnership(), REASON],
            )
        },
        is: |c| matches!(c, Command::DeclinePartnership { .. }),
        bind: |a| {
            Ok(Command::DeclinePartnership {
                partnership: a.get("partnership")?,
                reason: a.get("reason")?,
            })
        },
    },
    Declared {
        spec: CommandSpec {
            recorded: "Withdrawn",
            ..CommandSpec::new(
                CONTEXT,
                "withdraw-partnership",
                ["partnership", "withdraw"],
                "Withdraw one's own proposal before it is accepted; the id is free again.\n\
                 Only the proposing organisation may; the command line needs --as.",
                "withdrawing the proposal",
                Who::Proposal,
                "/v1/partnerships/{id}/proposal-withdrawal",
                &[Field::partnership(), REASON],
            )
        },
        is: |c| matches!(c, Command::WithdrawPartnership { .. }),
        bind: |a| {
            Ok(Command::WithdrawPartnership {
                partnership: a.get("partnership")?,
                reason: a.get("reason")?,
            })
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "adopt-rulebook",
            ["partnership", "adopt-rulebook"],
            "Adopt a rulebook (制度), e.g. 定期例會、高層互訪機制.\n\
             Adopting a title already adopted changes nothing.",
            "adopting a rulebook",
            Who::Either(M),
            "/v1/partnerships/{id}/rulebooks",
            &[
                Field::partnership(),
                Field::new("title", Kind::Free, "The rulebook's title"),
                Field::new("adopted_on", DATE, "The day it is adopted"),
            ],
        ),
        is: |c| matches!(c, Command::AdoptRulebook { .. }),
        bind: |a| {
            Ok(Command::AdoptRulebook {
                partnership: a.get("partnership")?,
                title: a.get("title")?,
                adopted_on: a.get("adopted_on")?,
            })
        },
    },
    Declared {
        spec: CommandSpec {
            recorded: "Proposed (a party), or set (the operator, or the other party wanting the proposed zone)",
            ..CommandSpec::new(
                CONTEXT,
                "set-time-zone",
                ["partnership", "time-zone"],
                "Choose the time zone the partnership keeps its calendar in (default Asia/Shanghai).\n\
                 \"Today\", the end of a month and the 10th (the market-data deadline) are judged \
                 in it. It moves deadlines both sides are measured by, so a party's choice \
                 proposes it and it is set once the other party chooses the same zone; an \
                 operator (admin token, or the command line on its own data directory) sets it \
                 at once. Choosing the zone in force answers a pending proposal: it stays.",
                "choosing the time zone",
                Who::Either(M),
                "/v1/partnerships/{id}/time-zone",
                &[
                    Field::partnership(),
                    Field::new(
                        "zone",
                        Kind::Text(Shape::TimeZone),
                        "The IANA time zone name, e.g. Asia/Shanghai or America/New_York",
                    ),
                ],
            )
        },
        is: |c| matches!(c, Command::SetTimeZone { .. }),
        bind: |a| {
            Ok(Command::SetTimeZone {
                partnership: a.get("partnership")?,
                zone: a.get("zone")?,
            })
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "terminate-partnership",
            ["partnership", "terminate"],
            "End the partnership; it accepts nothing new afterwards.",
            "terminating the partnership",
            Who::Either(M),
            "/v1/partnerships/{id}/termination",
            &[
                Field::partnership(),
                Field::new("reason", Kind::Free, "Why it ends"),
                Field::new("terminated_on", DATE, "The day it ends"),
            ],
        ),
        is: |c| matches!(c, Command::TerminatePartnership { .. }),
        bind: |a| {
            Ok(Command::TerminatePartnership {
                partnership: a.get("partnership")?,
                reason: a.get("reason")?,
                terminated_on: a.get("terminated_on")?,
            })
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "draft-plan",
            ["plan", "draft"],
            "Draft a development plan over whole calendar years.",
            "drafting a plan",
            Who::Either(M),
            "/v1/partnerships/{id}/plans",
            &[
                Field::partnership(),
                Field::new("plan", ID, "The new plan's id"),
                Field::new("title", Kind::Free, "The plan's title"),
                Field::new("first_year", YEAR, "The first calendar year it covers"),
                Field::new("last_year", YEAR, "The last calendar year it covers"),
            ],
        ),
        is: |c| matches!(c, Command::DraftPlan { .. }),
        bind: |a| {
            Ok(Command::DraftPlan {
                partnership: a.get("partnership")?,
                plan: a.get("plan")?,
                title: a.get("title")?,
                first_year: a.whole("first_year")?,
                last_year: a.whole("last_year")?,
            })
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "set-plan-target",
            ["plan", "target"],
            "Set (or replace) the target for a period and a brand, or all brands, in draft.",
            "setting a plan target",
            Who::Either(M),
            "/v1/partnerships/{id}/plans/{plan}/targets",
            &[
                Field::partnership(),
                PLAN,
                Field::new(
                    "period",
                    Kind::Text(Shape::Period),
                    "The period the target is for",
                ),
                Field::new("brand", ID, "The brand; absent for all brands").optional(),
                Field::new("volume_cases", Kind::Text(Shape::Cases), "Volume in cases").optional(),
                Field::new("revenue_yuan", Kind::Text(Shape::Yuan), "Revenue in yuan").optional(),
                Field::new(
                    "volume_share_pct",
                    Kind::Text(Shape::Percent),
                    "Our share of the market's volume, in percent",
                )
                .optional(),
            ],
        ),
        is: |c| matches!(c, Command::SetPlanTarget { .. }),
        bind: |a| {
            Ok(Command::SetPlanTarget {
                partnership: a.get("partnership")?,
                plan: a.get("plan")?,
                target: Target {
                    brand: a.opt("brand")?,
                    period: a.get("period")?,
                    volume: a.opt("volume_cases")?,
                    revenue: a.opt("revenue_yuan")?,
                    volume_share: a.opt("volume_share_pct")?,
                },
            })
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "remove-plan-target",
            ["plan", "remove-target"],
            "Remove the target for a period and a brand, or all brands, from a draft plan.",
            "removing a plan target",
            Who::Either(M),
            "/v1/partnerships/{id}/plans/{plan}/targets/removal",
            &[
                Field::partnership(),
                PLAN,
                Field::new("period", Kind::Text(Shape::Period), "The target's period"),
                Field::new("brand", ID, "The target's brand; absent for all brands").optional(),
            ],
        ),
        is: |c| matches!(c, Command::RemovePlanTarget { .. }),
        bind: |a| {
            Ok(Command::RemovePlanTarget {
                partnership: a.get("partnership")?,
                plan: a.get("plan")?,
                brand: a.opt("brand")?,
                period: a.get("period")?,
            })
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "submit-plan",
            ["plan", "submit"],
            "Submit the draft revision for both sides' signatures.",
            "submitting a plan",
            Who::Either(M),
            "/v1/partnerships/{id}/plans/{plan}/submit",
            &[Field::partnership(), PLAN],
        ),
        is: |c| matches!(c, Command::SubmitPlan { .. }),
        bind: |a| {
            Ok(Command::SubmitPlan {
                partnership: a.get("partnership")?,
                plan: a.get("plan")?,
            })
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "sign-plan",
            ["plan", "sign"],
            "Sign the submitted revision for the acting side (--as on the command line).",
            "signing a plan",
            Who::Either(M),
            "/v1/partnerships/{id}/plans/{plan}/signatures",
            &[
                Field::partnership(),
                PLAN,
                Field::new(
                    "revision",
                    Kind::Whole {
                        min: 0,
                        max: u32::MAX as i64,
                    },
                    "The submitted revision being signed",
                ),
                Field::new("signed_on", DATE, "The day it is signed"),
            ],
        ),
        is: |c| matches!(c, Command::SignPlan { .. }),
        bind: |a| {
            Ok(Command::SignPlan {
                partnership: a.get("partnership")?,
                plan: a.get("plan")?,
                revision: a.whole("revision")?,
                signed_on: a.get("signed_on")?,
            })
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "revise-plan",
            ["plan", "revise"],
            "Open a new revision of a submitted or active plan: back to draft, signatures cleared.",
            "revising a plan",
            Who::Either(M),
            "/v1/partnerships/{id}/plans/{plan}/revisions",
            &[
                Field::partnership(),
                PLAN,
                Field::new("reason", Kind::Free, "Why"),
            ],
        ),
        is: |c| matches!(c, Command::RevisePlan { .. }),
        bind: |a| {
            Ok(Command::RevisePlan {
                partnership: a.get("partnership")?,
                plan: a.get("plan")?,
                reason: a.get("reason")?,
            })
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "withdraw-plan",
            ["plan", "withdraw"],
            "Abandon a draft or retire a plan early.",
            "withdrawing a plan",
            Who::Either(M),
            "/v1/partnerships/{id}/plans/{plan}/withdrawal",
            &[
                Field::partnership(),
                PLAN,
                Field::new("reason", Kind::Free, "Why"),
            ],
        ),
        is: |c| matches!(c, Command::WithdrawPlan { .. }),
        bind: |a| {
            Ok(Command::WithdrawPlan {
                partnership: a.get("partnership")?,
                plan: a.get("plan")?,
                reason: a.get("reason")?,
            })
        },
    },
]);

/// The CLI groups of this context's commands, with what each holds.
pub const CLI_GROUPS: &[(&str, &str)] = &[
    (
        "partnership",
        "Partnerships: sign, accept, decline, withdraw, adopt rulebooks, time zone, terminate.",
    ),
    (
        "plan",
        "Development plans: draft, targets, submit, sign, revise, withdraw.",
    ),
];
