//! The evaluation context's commands as every front end sees them (verb, doc, who, HTTP
//! route, CLI words, fields, the views its decision consults and what it answers) and the
//! bind from field values to the typed [`Command`].

use serde_json::{Value, json};
use synergy_domain::contract::{
    Answer, Choosable, CommandSpec, Declarations, Declared, Field, Kind, Member, Reply, Shape,
    Values, View, Who,
};
use synergy_proto::events::EvaluationEvent;
use synergy_proto::events::evaluation::{IssuingSetting, ReportKind};
use synergy_proto::{Context, Event, PeriodKind, Side};

use crate::issue::Command;
use crate::rules::RulesChoice;

/// What issuing answers beside the outcome, whose `version` is the report's version: the
/// issued stream holds one commit of one `ReportIssued` per version.
static ISSUED: Answer = Answer {
    members: &[
        Member {
            name: "issued",
            doc: "False when the live report states the figures of the latest version; \
                  nothing new was stored and `version` is that latest version",
            reply: Reply::Flag,
        },
        Member {
            name: "restatements",
            doc: "What changed since the previous version; empty for version 1",
            reply: Reply::List(&[
                Member {
                    name: "key",
                    doc: "Where the figure sits, e.g. `kpis.volume_cases` or \
                          `skus[hy-soft].kpis.revenue_yuan`",
                    reply: Reply::Text,
                },
                Member {
                    name: "previous",
                    doc: "The previous version's value (exact decimal), null where it was null",
                    reply: Reply::OptionalText,
                },
                Member {
                    name: "current",
                    doc: "This version's value, null where it became null",
                    reply: Reply::OptionalText,
                },
            ]),
        },
    ],
    build: issued,
};

fn issued(events: &[Event]) -> Values {
    let restatements = events.iter().find_map(|e| match e {
        Event::Evaluation(EvaluationEvent::ReportIssued { restatements, .. }) => Some(restatements),
        _ => None,
    });
    let listed: Vec<Value> = restatements
        .into_iter()
        .flatten()
        .map(|r| json!({"key": r.key, "previous": r.previous, "current": r.current}))
        .collect();
    let mut answer = Values::new();
    answer.insert("issued".into(), restatements.is_some().into());
    answer.insert("restatements".into(), listed.into());
    answer
}

/// Every command of the evaluation context.
pub static COMMANDS: Declarations<Command> = Declarations(&[
    Declared {
        spec: CommandSpec {
            recorded: "A new version was issued",
            unchanged: Some(
                "The live report equals the latest issued version; nothing was stored (or a \
             retry of a recorded issue)",
            ),
            views: &[View::Evaluation],
            answer: Some(&ISSUED),
            ..CommandSpec::new(
                Context::Evaluation,
                "issue-report",
                ["issue", "report"],
                "Issue the live report as its next version.\n\
             The figures are frozen as a `ReportIssued` event, with what changed since the \
             previous version (its restatements). Issuing again with nothing changed stores \
             nothing and answers the latest version. A report without market data in any of \
             its months ended by `as_of` has no figures and is refused (`report.no_data`).",
                "issuing a report",
                Who::Either(Side::Manufacturer),
                "/v1/partnerships/{id}/reports/{kind}/{period}/issues",
                &[
                    Field::partnership(),
                    Field::new(
                        "kind",
                        Kind::Choice(ReportKind::CHOICES),
                        "Which report: market, brand, scorecard or review",
                    ),
                    Field::new(
                        "period",
                        Kind::Text(Shape::Period),
                        "The period: 2008-06, 2008-Q2, 2008-H1 or 2008",
                    ),
                    Field::new(
                        "as_of",
                        Kind::Text(Shape::Date),
                        "\"As of\" date for overdue items and months due; default today on the \
                     partnership's calendar (its time zone)",
                    )
                    .optional(),
                ],
            )
        },
        is: |c| matches!(c, Command::IssueReport { .. }),
        bind: |a| {
            Ok(Command::IssueReport {
                partnership: a.get("partnership")?,
                kind: a.choice("kind")?,
                period: a.get("period")?,
                as_of: a.opt("as_of")?,
            })
        },
    },
    Declared {
        spec: CommandSpec {
            recorded: "Proposed (a party), or set (the operator, or the other party choosing the \
                   proposed setting)",
            unchanged: Some(
                "The setting is in force already, or this party's proposal of it is pending",
            ),
            views: &[],
            ..CommandSpec::new(
                Context::Evaluation,
                "set-issuing",
                ["issue", "setting"],
                "Choose which reports evaluation issues by itself.\n\
             Once a period is complete (its months ended and their data in, or the 10th \
             after its last month passed) evaluation issues its reports, and restates them \
             when a figure changes (docs/reports.md). Until both parties choose otherwise it \
             issues the market and brand reports of every month, quarter, half and year. \
             Name each kind and each period length to issue; none issues nothing by itself. \
             A party's choice proposes the setting and it is set once the other party \
             chooses the same; an operator sets it at once.",
                "choosing the reports issued by themselves",
                Who::Either(Side::Manufacturer),
                "/v1/partnerships/{id}/issuing",
                &[
                    Field::partnership(),
                    Field::new("market", Kind::Flag, "Issue the market report").optional(),
                    Field::new("brand", Kind::Flag, "Issue the brand report").optional(),
                    Field::new("scorecard", Kind::Flag, "Issue the collaboration scorecard")
                        .optional(),
                    Field::new("review", Kind::Flag, "Issue the review pack").optional(),
                    Field::new("months", Kind::Flag, "Of every month").optional(),
                    Field::new("quarters", Kind::Flag, "Of every quarter").optional(),
                    Field::new("halves", Kind::Flag, "Of every half year").optional(),
                    Field::new("years", Kind::Flag, "Of every year").optional(),
                ],
            )
        },
        is: |c| matches!(c, Command::SetIssuing { .. }),
        bind: |a| {
            let kinds = [
                ("market", ReportKind::Market),
                ("brand", ReportKind::Brand),
                ("scorecard", ReportKind::Scorecard),
                ("review", ReportKind::Review),
            ];
            let lengths = [
                ("months", PeriodKind::Month),
                ("quarters", PeriodKind::Quarter),
                ("halves", PeriodKind::Half),
                ("years", PeriodKind::Year),
            ];
            Ok(Command::SetIssuing {
                partnership: a.get("partnership")?,
                setting: IssuingSetting {
                    kinds: kinds
                        .into_iter()
                        .filter(|(f, _)| a.flag(f))
                        .map(|(_, k)| k)
                        .collect(),
                    lengths: lengths
                        .into_iter()
                        .filter(|(f, _)| a.flag(f))
                        .map(|(_, l)| l)
                        .collect(),
                },
            })
        },
    },
    Declared {
        spec: CommandSpec {
            recorded: "Proposed (a party), or set (the operator, or the other party choosing the \
                   proposed rules)",
            unchanged: Some(
                "The rules are in force already, or this party's proposal of them is pending",
            ),
            views: &[],
            ..CommandSpec::new(
                Context::Evaluation,
                "set-exception-rules",
                ["rules", "set"],
                "Choose the thresholds that make a figure an exception.\n\
             They decide the review pack's exceptions and the recommendations of every report \
             (docs/kpis.md). Until both parties choose otherwise the defaults hold: a share \
             drop of more than 1.00 point, attainment below 90.00 %, a price index outside \
             95.00–105.00, stock-to-sales above 1.50. A threshold left out keeps the one in \
             force. A party's choice proposes the rules and they are set once the other party \
             chooses the same; an operator sets them at once. Choosing the rules in force \
             (e.g. naming no threshold) answers a pending proposal: they stay, and the \
             proposal is gone.",
                "choosing the exception rules",
                Who::Either(Side::Manufacturer),
                "/v1/partnerships/{id}/exception-rules",
                &[
                    Field::partnership(),
                    Field::new(
                        "share_drop_points",
                        Kind::Text(Shape::Percent),
                        "Volume share falling by more than this many points against the \
                         period before is an exception (`share.drop`); 0 to 100.00, default \
                         1.00",
                    )
                    .optional(),
                    Field::new(
                        "min_volume_attainment",
                        Kind::Text(Shape::Percent),
                        "Volume attainment below this percentage of the target is an exception \
                         (`attainment.low`; prorated in a period in progress); 0 to 200.00, \
                         default 90.00",
                    )
                    .optional(),
                    Field::new(
                        "price_index_low",
                        Kind::Text(Shape::Percent),
                        "A price index (retail ÷ guide price × 100) below this is an exception \
                         (`price.low`); below price_index_high, default 95.00",
                    )
                    .optional(),
                    Field::new(
                        "price_index_high",
                        Kind::Text(Shape::Percent),
                        "A price index above this is an exception (`price.high`); above \
                         price_index_low, default 105.00",
                    )
                    .optional(),
                    Field::new(
                        "max_stock_to_sales",
                        Kind::Text(Shape::Percent),
                        "A ratio of closing stock to the month's sales above this is an \
                         exception (`stock.high`); above 0, default 1.50",
                    )
                    .optional(),
                ],
            )
        },
        is: |c| matches!(c, Command::SetExceptionRules { .. }),
        bind: |a| {
            Ok(Command::SetExceptionRules {
                partnership: a.get("partnership")?,
                rules: RulesChoice {
                    share_drop_points: a.opt("share_drop_points")?,
                    min_volume_attainment: a.opt("min_volume_attainment")?,
                    price_index_low: a.opt("price_index_low")?,
                    price_index_high: a.opt("price_index_high")?,
                    max_stock_to_sales: a.opt("max_stock_to_sales")?,
                },
            })
        },
    },
    Declared {
        spec: CommandSpec {
            recorded: "The alerts that began or stopped firing were recorded",
            unchanged: Some("Every alert is recorded already: nothing began or stopped firing"),
            views: &[View::Evaluation],
            ..CommandSpec::new(
                Context::Evaluation,
                "record-alerts",
                ["alerts", "record"],
                "Record the alerts the recorded data makes today.\n\
             Evaluation records them by itself whenever the data or the day changes: an \
             exception of the review pack that begins to fire is raised once per (period, \
             rule, subject), one that stops firing is cleared, and a month whose market data \
             is still missing from the 5th to the 10th after it is reminded once \
             (docs/alerts.md). Asking records what is not recorded yet, and nothing twice.",
                "recording alerts",
                Who::Either(Side::Manufacturer),
                "/v1/partnerships/{id}/alerts/judgements",
                &[Field::partnership()],
            )
        },
        is: |c| matches!(c, Command::RecordAlerts { .. }),
        bind: |a| {
            Ok(Command::RecordAlerts {
                partnership: a.get("partnership")?,
            })
        },
    },
]);

/// The CLI groups of this context's commands.
pub const CLI_GROUPS: &[(&str, &str)] = &[
    (
        "issue",
        "Issued reports: freeze a report as its next version, stating what changed; choose \
         which reports evaluation issues by itself.",
    ),
    (
        "alerts",
        "Alerts: the exceptions raised and cleared as the data changes, and reminders of \
         missing market data.",
    ),
    (
        "rules",
        "Exception rules: the thresholds both parties agree that make a figure an exception \
         and a recommendation.",
    ),
];
