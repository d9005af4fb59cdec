//! The brand context's commands as every front end sees them: one declaration each (verb,
//! doc, who, HTTP route, CLI words, fields) and the bind from field values to the typed
//! [`Command`]. The catalogue is registered by an import (a file of rows), not declared
//! here.

use synergy_domain::contract::{
    Choosable, CommandSpec, Declarations, Declared, Field, Kind, Record, Shape, Who,
};
use synergy_proto::events::brand::{BrandStage, CultureActivityKind, Score};
use synergy_proto::{Context, Side};

use crate::Command;

const M: Side = Side::Manufacturer;
const D: Side = Side::Distributor;
const DATE: Kind = Kind::Text(Shape::Date);
/// A score: the context holds it to 0..=100 (rule `portfolio.score_0_to_100`).
const SCORE: Kind = Kind::Whole { min: 0, max: 255 };
const BRAND: Field = Field::new("brand", Kind::Text(Shape::Id), "The brand");

const SCORES: Record = Record {
    fields: &[
        Field::new("criterion", Kind::Free, "What is scored, e.g. awareness"),
        Field::new("score", SCORE, "0 to 100"),
    ],
    sep: '=',
    form: "CRITERION=SCORE",
    example: "awareness=82",
};

const CONTEXT: Context = Context::Brand;

/// Every declared command of the brand context.
pub static COMMANDS: Declarations<Command> = Declarations(&[
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "introduce-brand",
            ["brand", "introduce"],
            "Introduce a brand into the region (品牌引入).",
            "introducing a brand",
            Who::Only(M),
            "/v1/partnerships/{id}/brands/{brand}/introduction",
            &[
                Field::partnership(),
                BRAND,
                Field::new("introduced_on", DATE, "The day it is introduced"),
            ],
        ),
        is: |c| matches!(c, Command::IntroduceBrand { .. }),
        bind: |a| {
            Ok(Command::IntroduceBrand {
                partnership: a.get("partnership")?,
                brand: a.get("brand")?,
                introduced_on: a.get("introduced_on")?,
            })
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "change-brand-stage",
            ["brand", "stage"],
            "Move a brand to a later stage, or withdraw it.",
            "changing a brand's stage",
            Who::Only(M),
            "/v1/partnerships/{id}/brands/{brand}/stage",
            &[
                Field::partnership(),
                BRAND,
                Field::new("to", Kind::Choice(BrandStage::CHOICES), "The new stage"),
                Field::new("changed_on", DATE, "The day it changes"),
                Field::new("reason", Kind::Free, "Why"),
            ],
        ),
        is: |c| matches!(c, Command::ChangeBrandStage { .. }),
        bind: |a| {
            Ok(Command::ChangeBrandStage {
                partnership: a.get("partnership")?,
                brand: a.get("brand")?,
                to: a.choice("to")?,
                changed_on: a.get("changed_on")?,
                reason: a.get("reason")?,
            })
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "evaluate-brand",
            ["brand", "evaluate"],
            "Record a brand evaluation (品牌評估) for an ended period.",
            "evaluating a brand",
            Who::Either(D),
            "/v1/partnerships/{id}/brands/{brand}/evaluations",
            &[
                Field::partnership(),
                BRAND,
                Field::new(
                    "period",
                    Kind::Text(Shape::Period),
                    "The ended period evaluated",
                ),
                Field::new("overall", SCORE, "The overall score, 0 to 100"),
                Field::new("scores", Kind::Records(&SCORES), "A score per criterion")
                    .optional()
                    .flag("score"),
                Field::new("comment", Kind::Free, "A comment").optional(),
                Field::new(
                    "supersede",
                    Kind::Flag,
                    "Replace a different evaluation of the same brand and period",
                )
                .optional(),
            ],
        ),
        is: |c| matches!(c, Command::EvaluateBrand { .. }),
        bind: |a| {
            Ok(Command::EvaluateBrand {
                partnership: a.get("partnership")?,
                brand: a.get("brand")?,
                period: a.get("period")?,
                overall: a.whole("overall")?,
                scores: a
                    .records("scores")
                    .iter()
                    .map(|s| {
                        Ok(Score {
                            criterion: s.get("criterion")?,
                            score: s.whole("score")?,
                        })
                    })
                    .collect::<Result<_, _>>()?,
                comment: a.text_or_empty("comment")?,
                supersede: a.flag("supersede"),
            })
        },
    },
    Declared {
        spec: CommandSpec::new(
            CONTEXT,
            "record-culture-activity",
            ["brand", "activity"],
            "Record a culture activity (factory visit, customer-manager training, promotion).",
            "recording a culture activity",
            Who::Either(M),
            "/v1/partnerships/{id}/culture-activities",
            &[
                Field::partnership(),
                Field::new(
                    "brand",
                    Kind::Text(Shape::Id),
                    "The brand it promoted, if one",
                )
                .optional(),
                Field::new(
                    "kind",
                    Kind::Choice(CultureActivityKind::CHOICES),
                    "What kind of activity",
                ),
                Field::new("title", Kind::Free, "Its title"),
                Field::new("held_on", DATE, "The day it was held"),
                Field::new(
                    "participants",
                    Kind::Whole {
                        min: 0,
                        max: u32::MAX as i64,
                    },
                    "How many took part",
                ),
            ],
        ),
        is: |c| matches!(c, Command::RecordCultureActivity { .. }),
        bind: |a| {
            Ok(Command::RecordCultureActivity {
                partnership: a.get("partnership")?,
                brand: a.opt("brand")?,
                kind: a.choice("kind")?,
                title: a.get("title")?,
                held_on: a.get("held_on")?,
                participants: a.whole("participants")?,
            })
        },
    },
]);

/// The CLI groups of this context's commands, with what each holds.
pub const CLI_GROUPS: &[(&str, &str)] = &[(
    "brand",
    "Brands: introduce, stage, evaluate, culture activities.",
)];
