//! The support context's commands as every front end sees them: one declaration each
//! (verb, doc, who, HTTP route, CLI words, fields) and the bind from field values to the
//! typed [`Command`].

use synergy_domain::contract::{
    Choosable, CommandSpec, Declarations, Declared, Field, Kind, Record, Shape, Who,
};
use synergy_proto::events::evaluation::RecommendationRule;
use synergy_proto::events::support::{Attendee, MeetingKind, Severity};
use synergy_proto::{Context, Side};

use crate::{ActionItemCommand as A, Command, MeetingCommand as Mt, SupportRequestCommand as R};

const M: Side = Side::Manufacturer;
const D: Side = Side::Distributor;
const ID: Kind = Kind::Text(Shape::Id);
const DATE: Kind = Kind::Text(Shape::Date);
const MEETING: Field = Field::new("meeting", ID, "The meeting");
const ITEM: Field = Field::new("item", ID, "The action item");
const REQUEST: Field = Field::new("request", ID, "The support request");
const PERIOD: Field = Field::new(
    "period",
    Kind::Text(Shape::Period),
    "The period whose review recommended it",
);
const RULE: Field = Field::new(
    "rule",
    Kind::Choice(RecommendationRule::CHOICES),
    "The recommendation's rule, as its id in the report",
);
const SKU: Field = Field::new("sku", ID, "The SKU, for a SKU rule (sku.…)").optional();

const ATTENDEE: Record = Record {
    fields: &[
        Field::new("org", ID, "The attendee's organisation"),
        Field::new("name", Kind::Free, "The attendee's name"),
    ],
    sep: ':',
    form: "ORG:NAME",
    example: "hongyun:Wang Li",
};

const CONTEXT: Context = Context::Support;

/// Every command of the support context.
pub static COMMANDS: Declarations<Command> = Declarations(&[
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "schedule-meeting",
            ["meeting", "schedule"],
            "Schedule a meeting: a regular review (定期例會), an executive visit or a training.",
            "scheduling a meeting",
            Who::Either(D),
            "/v1/partnerships/{id}/meetings",
            &[
                Field::partnership(),
                Field::new("meeting", ID, "The new meeting's id"),
                Field::new(
                    "kind",
                    Kind::Choice(MeetingKind::CHOICES),
                    "What kind of meeting",
                ),
                Field::new("title", Kind::Free, "Its title"),
                Field::new("scheduled_on", DATE, "The day it is held").flag("on"),
                Field::new(
                    "period",
                    Kind::Text(Shape::Period),
                    "The reporting period a regular review reviews (required for one)",
                )
                .optional(),
                Field::new(
                    "agenda",
                    Kind::List(None),
                    "Agenda items; a regular review without any gets the standard review agenda",
                )
                .optional(),
            ],
        ),
        is: |c| matches!(c, Command::Meeting(Mt::Schedule { .. })),
        bind: |a| {
            Ok(Command::Meeting(Mt::Schedule {
                partnership: a.get("partnership")?,
                meeting: a.get("meeting")?,
                kind: a.choice("kind")?,
                title: a.get("title")?,
                scheduled_on: a.get("scheduled_on")?,
                period: a.opt("period")?,
                agenda: a.list("agenda")?,
            }))
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "hold-meeting",
            ["meeting", "hold"],
            "Record that a meeting was held: who came, the minutes and the decisions.",
            "recording a meeting",
            Who::Either(D),
            "/v1/partnerships/{id}/meetings/{meeting}/minutes",
            &[
                Field::partnership(),
                MEETING,
                Field::new("held_on", DATE, "The day it was held").flag("on"),
                Field::new("attendees", Kind::Records(&ATTENDEE), "Who came").flag("attendee"),
                Field::new("minutes", Kind::Free, "The minutes"),
                Field::new("decisions", Kind::List(None), "The decisions taken")
                    .optional()
                    .flag("decision"),
            ],
        ),
        is: |c| matches!(c, Command::Meeting(Mt::Hold { .. })),
        bind: |a| {
            Ok(Command::Meeting(Mt::Hold {
                partnership: a.get("partnership")?,
                meeting: a.get("meeting")?,
                held_on: a.get("held_on")?,
                attendees: a
                    .records("attendees")
                    .iter()
                    .map(|r| {
                        Ok(Attendee {
                            org: r.get("org")?,
                            name: r.get("name")?,
                        })
                    })
                    .collect::<Result<_, _>>()?,
                minutes: a.get("minutes")?,
                decisions: a.list("decisions")?,
            }))
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "cancel-meeting",
            ["meeting", "cancel"],
            "Cancel a scheduled meeting.",
            "cancelling a meeting",
            Who::Either(D),
            "/v1/partnerships/{id}/meetings/{meeting}/cancellation",
            &[
                Field::partnership(),
                MEETING,
                Field::new("reason", Kind::Free, "Why"),
            ],
        ),
        is: |c| matches!(c, Command::Meeting(Mt::Cancel { .. })),
        bind: |a| {
            Ok(Command::Meeting(Mt::Cancel {
                partnership: a.get("partnership")?,
                meeting: a.get("meeting")?,
                reason: a.get("reason")?,
            }))
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "raise-action-item",
            ["action", "raise"],
            "Raise an action item for one side, from a meeting's decision or on its own.",
            "raising an action item",
            Who::Either(D),
            "/v1/partnerships/{id}/action-items",
            &[
                Field::partnership(),
                Field::new("item", ID, "The new item's id"),
                Field::new("title", Kind::Free, "What is to be done"),
                Field::new(
                    "owner",
                    Kind::Choice(Side::CHOICES),
                    "The side that does it",
                ),
                Field::new("due_on", DATE, "When it is due"),
                Field::new(
                    "meeting",
                    ID,
                    "The meeting whose decision this item carries out",
                )
                .optional(),
            ],
        ),
        is: |c| matches!(c, Command::ActionItem(A::Raise { .. })),
        bind: |a| {
            Ok(Command::ActionItem(A::Raise {
                partnership: a.get("partnership")?,
                item: a.get("item")?,
                title: a.get("title")?,
                owner: a.choice("owner")?,
                due_on: a.get("due_on")?,
                meeting: a.opt("meeting")?,
            }))
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "progress-action-item",
            ["action", "progress"],
            "Note progress on an action item.",
            "noting progress",
            Who::Either(D),
            "/v1/partnerships/{id}/action-items/{item}/progress",
            &[
                Field::partnership(),
                ITEM,
                Field::new("note", Kind::Free, "What was done").optional(),
            ],
        ),
        is: |c| matches!(c, Command::ActionItem(A::Progress { .. })),
        bind: |a| {
            Ok(Command::ActionItem(A::Progress {
                partnership: a.get("partnership")?,
                item: a.get("item")?,
                note: a.text_or_empty("note")?,
            }))
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "close-action-item",
            ["action", "close"],
            "Close an action item as done.",
            "closing an action item",
            Who::Either(D),
            "/v1/partnerships/{id}/action-items/{item}/closure",
            &[
                Field::partnership(),
                ITEM,
                Field::new("note", Kind::Free, "How it was done").optional(),
            ],
        ),
        is: |c| matches!(c, Command::ActionItem(A::Close { .. })),
        bind: |a| {
            Ok(Command::ActionItem(A::Close {
                partnership: a.get("partnership")?,
                item: a.get("item")?,
                note: a.text_or_empty("note")?,
            }))
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "reopen-action-item",
            ["action", "reopen"],
            "Reopen a closed action item with a new due date.",
            "reopening an action item",
            Who::Either(D),
            "/v1/partnerships/{id}/action-items/{item}/reopening",
            &[
                Field::partnership(),
                ITEM,
                Field::new("reason", Kind::Free, "Why"),
                Field::new("due_on", DATE, "The new due date"),
            ],
        ),
        is: |c| matches!(c, Command::ActionItem(A::Reopen { .. })),
        bind: |a| {
            Ok(Command::ActionItem(A::Reopen {
                partnership: a.get("partnership")?,
                item: a.get("item")?,
                reason: a.get("reason")?,
                due_on: a.get("due_on")?,
            }))
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "accept-recommendation",
            ["recommendation", "accept"],
            "Take up a period's recommendation as an action item.\n\
             The item's id is derived from the recommendation \
             (`rec-<period>-<rule>[-<sku>]`); a recommendation is accepted or dismissed once. \
             The owner defaults to the side the rule names, or the accepting side when both \
             own it.",
            "accepting a recommendation",
            Who::Either(M),
            "/v1/partnerships/{id}/recommendations/{period}/acceptances",
            &[
                Field::partnership(),
                PERIOD,
                RULE,
                SKU,
                Field::new("title", Kind::Free, "What is to be done"),
                Field::new(
                    "owner",
                    Kind::Choice(Side::CHOICES),
                    "The side that does it (default: the rule's side)",
                )
                .optional(),
                Field::new("due_on", DATE, "When it is due"),
                Field::new("meeting", ID, "The review meeting that accepted it").optional(),
            ],
        ),
        is: |c| matches!(c, Command::ActionItem(A::AcceptRecommendation { .. })),
        bind: |a| {
            Ok(Command::ActionItem(A::AcceptRecommendation {
                partnership: a.get("partnership")?,
                period: a.get("period")?,
                rule: a.choice("rule")?,
                sku: a.opt("sku")?,
                title: a.get("title")?,
                owner: a.opt_choice("owner")?,
                due_on: a.get("due_on")?,
                meeting: a.opt("meeting")?,
            }))
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "dismiss-recommendation",
            ["recommendation", "dismiss"],
            "Decide not to act on a period's recommendation, saying why.",
            "dismissing a recommendation",
            Who::Either(M),
            "/v1/partnerships/{id}/recommendations/{period}/dismissals",
            &[
                Field::partnership(),
                PERIOD,
                RULE,
                SKU,
                Field::new("reason", Kind::Free, "Why it is not acted on"),
            ],
        ),
        is: |c| matches!(c, Command::ActionItem(A::DismissRecommendation { .. })),
        bind: |a| {
            Ok(Command::ActionItem(A::DismissRecommendation {
                partnership: a.get("partnership")?,
                period: a.get("period")?,
                rule: a.choice("rule")?,
                sku: a.opt("sku")?,
                reason: a.get("reason")?,
            }))
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "open-support-request",
            ["support", "open"],
            "Ask the other side for support; its severity sets the response target.",
            "opening a support request",
            Who::Either(D),
            "/v1/partnerships/{id}/support-requests",
            &[
                Field::partnership(),
                Field::new("request", ID, "The new request's id"),
                Field::new("title", Kind::Free, "What is needed"),
                Field::new("severity", Kind::Choice(Severity::CHOICES), "How urgent"),
            ],
        ),
        is: |c| matches!(c, Command::SupportRequest(R::Open { .. })),
        bind: |a| {
            Ok(Command::SupportRequest(R::Open {
                partnership: a.get("partnership")?,
                request: a.get("request")?,
                title: a.get("title")?,
                severity: a.choice("severity")?,
            }))
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "acknowledge-support-request",
            ["support", "acknowledge"],
            "Acknowledge a support request made to the acting side.",
            "acknowledging a support request",
            Who::Either(M),
            "/v1/partnerships/{id}/support-requests/{request}/acknowledgement",
            &[Field::partnership(), REQUEST],
        ),
        is: |c| matches!(c, Command::SupportRequest(R::Acknowledge { .. })),
        bind: |a| {
            Ok(Command::SupportRequest(R::Acknowledge {
                partnership: a.get("partnership")?,
                request: a.get("request")?,
            }))
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "resolve-support-request",
            ["support", "resolve"],
            "Resolve a support request made to the acting side (acknowledging it too).",
            "resolving a support request",
            Who::Either(M),
            "/v1/partnerships/{id}/support-requests/{request}/resolution",
            &[
                Field::partnership(),
                REQUEST,
                Field::new("resolution", Kind::Free, "How it was resolved"),
            ],
        ),
        is: |c| matches!(c, Command::SupportRequest(R::Resolve { .. })),
        bind: |a| {
            Ok(Command::SupportRequest(R::Resolve {
                partnership: a.get("partnership")?,
                request: a.get("request")?,
                resolution: a.get("resolution")?,
            }))
        },
    },
]);

/// The CLI groups of this context's commands, with what each holds.
pub const CLI_GROUPS: &[(&str, &str)] = &[
    ("meeting", "Meetings: schedule, hold, cancel."),
    ("action", "Action items: raise, progress, close, reopen."),
    ("support", "Support requests: open, acknowledge, resolve."),
    (
        "recommendation",
        "A period's recommendations (提升): accept one as an action item, or dismiss it.",
    ),
];
