//! 評估提升機制 — issued (frozen) reports and the exception rules of review packs.

use serde::{Deserialize, Serialize};

use crate::amount::Percent;
use crate::period::{Period, PeriodKind, YearMonth};
use crate::principal::Side;
use crate::time::Date;

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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Restatement {
    /// Where the figure sits, e.g. `kpis.volume_cases` or `skus[hongyun-soft].revenue_yuan`.
    pub key: String,
    /// Display values (exact decimals), `None` where the figure was or became null.
    pub previous: Option<String>,
    pub current: Option<String>,
}

/// Thresholds that turn a KPI into an exception on the review pack and into a
/// recommendation; agreed by both parties (`ExceptionRulesProposed`, `ExceptionRulesSet`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// The rules that turn a period's figures into a recommendation (提升). The id
/// (`share.drop`, `sku.shelf_no_sales`, …) is stable: reports, commands and events name a
/// recommendation by it and, for a SKU rule, the SKU. Variants are only ever appended at
/// the end.
/// In JSON a rule is its id; postcard keeps the variant index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RecommendationRule {
    ShareDrop,
    AttainmentLow,
    PriceHigh,
    PriceLow,
    StockHigh,
    ForecastMiss,
    DataLate,
    SkuShelfNoSales,
    SkuUnderdistributed,
}

impl RecommendationRule {
    pub const ALL: [RecommendationRule; 9] = [
        RecommendationRule::ShareDrop,
        RecommendationRule::AttainmentLow,
        RecommendationRule::PriceHigh,
        RecommendationRule::PriceLow,
        RecommendationRule::StockHigh,
        RecommendationRule::ForecastMiss,
        RecommendationRule::DataLate,
        RecommendationRule::SkuShelfNoSales,
        RecommendationRule::SkuUnderdistributed,
    ];

    /// The stable rule id.
    pub fn as_str(self) -> &'static str {
        match self {
            RecommendationRule::ShareDrop => "share.drop",
            RecommendationRule::AttainmentLow => "attainment.low",
            RecommendationRule::PriceHigh => "price.high",
            RecommendationRule::PriceLow => "price.low",
            RecommendationRule::StockHigh => "stock.high",
            RecommendationRule::ForecastMiss => "forecast.miss",
            RecommendationRule::DataLate => "data.late",
            RecommendationRule::SkuShelfNoSales => "sku.shelf_no_sales",
            RecommendationRule::SkuUnderdistributed => "sku.underdistributed",
        }
    }

    /// A SKU rule fires once per SKU, so a recommendation of it names its SKU.
    pub fn per_sku(self) -> bool {
        matches!(
            self,
            RecommendationRule::SkuShelfNoSales | RecommendationRule::SkuUnderdistributed
        )
    }

    /// The side that acts on it by the seed's division of labour — the manufacturer plans,
    /// supplies goods and watches retail prices; the distributor executes, stocks, orders
    /// and reports — or `None` when both do (share and attainment are joint results).
    pub fn owner(self) -> Option<Side> {
        match self {
            RecommendationRule::ShareDrop | RecommendationRule::AttainmentLow => None,
            RecommendationRule::PriceHigh | RecommendationRule::SkuShelfNoSales => {
                Some(Side::Manufacturer)
            }
            RecommendationRule::PriceLow
            | RecommendationRule::StockHigh
            | RecommendationRule::ForecastMiss
            | RecommendationRule::DataLate
            | RecommendationRule::SkuUnderdistributed => Some(Side::Distributor),
        }
    }
}

impl std::fmt::Display for RecommendationRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for RecommendationRule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        RecommendationRule::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not a recommendation rule"))
    }
}

/// The shape postcard writes for a [`RecommendationRule`]: its variant index.
#[derive(Serialize, Deserialize)]
struct RuleIndex(u8);

impl From<RecommendationRule> for RuleIndex {
    fn from(rule: RecommendationRule) -> Self {
        // ALL lists every variant in declaration order, which is what the index is.
        let i = RecommendationRule::ALL
            .iter()
            .position(|r| *r == rule)
            .unwrap_or_default();
        RuleIndex(u8::try_from(i).unwrap_or(u8::MAX))
    }
}

impl TryFrom<RuleIndex> for RecommendationRule {
    type Error = String;
    fn try_from(raw: RuleIndex) -> Result<Self, String> {
        RecommendationRule::ALL
            .get(usize::from(raw.0))
            .copied()
            .ok_or_else(|| format!("recommendation rule {} is unknown", raw.0))
    }
}

crate::text_serde::text_serde!(RecommendationRule, RuleIndex, str::parse);

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
    /// One party proposes which reports evaluation issues by itself; in force once the
    /// other party chooses the same (`IssuingSet`).
    IssuingProposed {
        setting: IssuingSetting,
        proposed_by: Side,
    },
    /// Which reports evaluation issues by itself, as both parties agreed (or an operator
    /// set); until the first, market and brand of every period length.
    IssuingSet { setting: IssuingSetting },
    /// One party proposes the partnership's exception rules; in force once the other
    /// party chooses the same (`ExceptionRulesSet`).
    ExceptionRulesProposed {
        rules: ExceptionRules,
        proposed_by: Side,
    },
    /// An exception rule fired for `period` on `subject`, recorded once per (partnership,
    /// period, rule, subject): a rebuild, a restart or a second evaluation replica never
    /// records it again. The alert a party's webhooks receive.
    ExceptionRaised {
        period: Period,
        /// The rule's name as the review pack shows it (`share_down`, `attainment_low`,
        /// `price_index`, `stock_high`, `data_late`, `action_overdue`).
        rule: String,
        /// What it fired on: `partnership`, `brand:<id>`, `sku:<id>`, a month, an action item.
        subject: String,
        /// The figure and the rule's threshold as exact decimal text in the rule's unit,
        /// `None` where the figure has no value.
        value: Option<String>,
        threshold: Option<String>,
        /// The sentence the review pack shows.
        message: String,
    },
    /// A raised exception no longer fires for `period` (a correction or late data cleared
    /// it). Raised again later, it is a new `ExceptionRaised`.
    ExceptionCleared {
        period: Period,
        rule: String,
        subject: String,
    },
    /// `month`'s market data was still missing on `as_of`, before it is due on `due`
    /// (the 10th of the month after): a reminder, recorded once per month.
    DataReminder {
        month: YearMonth,
        as_of: Date,
        due: Date,
    },
}

/// Which reports evaluation issues by itself: the kinds, and the period lengths, each in
/// their enum's order without repeats. Empty lists issue nothing by itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IssuingSetting {
    pub kinds: Vec<ReportKind>,
    pub lengths: Vec<PeriodKind>,
}

impl Default for IssuingSetting {
    /// Market and brand reports of every month, quarter, half and year.
    fn default() -> Self {
        Self {
            kinds: vec![ReportKind::Market, ReportKind::Brand],
            lengths: vec![
                PeriodKind::Month,
                PeriodKind::Quarter,
                PeriodKind::Half,
                PeriodKind::Year,
            ],
        }
    }
}
