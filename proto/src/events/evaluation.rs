//! 評估提升機制 — issued (frozen) reports and the exception rules of review packs.

use serde::{Deserialize, Serialize};

use crate::amount::Percent;
use crate::period::Period;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ReportKind {
    Market,
    Brand,
    Scorecard,
    Review,
}

impl ReportKind {
    pub const ALL: [ReportKind; 4] = [
        ReportKind::Market,
        ReportKind::Brand,
        ReportKind::Scorecard,
        ReportKind::Review,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Market => "market",
            ReportKind::Brand => "brand",
            ReportKind::Scorecard => "scorecard",
            ReportKind::Review => "review",
        }
    }
}

impl std::str::FromStr for ReportKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ReportKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!("{s:?} is not a report kind; use market, brand, scorecard or review")
            })
    }
}

/// One figure that differs between an issued version and the one before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restatement {
    /// Where the figure sits, e.g. `kpis.volume_cases` or `skus[hongyun-soft].revenue_yuan`.
    pub key: String,
    /// Display values (exact decimals), `None` where the figure was or became null.
    pub previous: Option<String>,
    pub current: Option<String>,
}

/// Thresholds that turn a KPI into an exception on the review pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionRules {
    /// Volume share falling by more than this many points period-over-period.
    pub share_drop_points: Percent,
    /// Volume attainment below this percentage.
    pub min_volume_attainment: Percent,
    /// Price index outside `price_index_low ..= price_index_high`.
    pub price_index_low: Percent,
    pub price_index_high: Percent,
    /// Stock-to-sales ratio above this (in hundredths, 150 = 1.5).
    pub max_stock_to_sales: Percent,
}

impl Default for ExceptionRules {
    fn default() -> Self {
        Self {
            share_drop_points: Percent::from_units(100),
            min_volume_attainment: Percent::from_units(9_000),
            price_index_low: Percent::from_units(9_500),
            price_index_high: Percent::from_units(10_500),
            max_stock_to_sales: Percent::from_units(150),
        }
    }
}

/// Events of the evaluation context. Variants are only ever appended at the end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EvaluationEvent {
    /// A report is frozen as `version` (1, 2, …) with its rendered JSON body; from
    /// version 2 on, `restatements` lists every figure that changed since the previous one.
    ReportIssued {
        kind: ReportKind,
        period: Period,
        version: u32,
        /// The report as rendered JSON (the contract of `docs/kpis.md`), exactly as issued.
        body: String,
        restatements: Vec<Restatement>,
    },
    /// The partnership's thresholds for review-pack exceptions.
    ExceptionRulesSet { rules: ExceptionRules },
}
