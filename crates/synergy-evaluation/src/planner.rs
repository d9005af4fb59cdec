//! The share-gap planner (P&G's "2 % more share next quarter"): for a period ahead and a
//! target volume share, what volume that share takes in the market as it is growing, how
//! far the partnership's own trend falls short, and what closing the gap means per SKU in
//! cases and in outlets won. `docs/kpis.md` has the formulas.
//!
//! Everything is exact (rationals over i128); cases are rounded half away from zero to
//! three decimals once, at the end, and outlets are rounded up.

use synergy_proto::{Period, SkuId, YearMonth};

use crate::exact::Ratio;
use crate::figure::Figure;
use crate::json::Json;
use crate::kpi::{Months, Scope, market, sales};
use crate::model::PartnershipModel;
use crate::report::figure_json;

/// Why no plan can be made. Each carries a stable code (`planner.…`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlannerError {
    #[error(
        "planner.insufficient_history: the planner needs 24 recorded months up to the last one ({last}); {missing} of {first} … {last} are missing"
    )]
    InsufficientHistory {
        first: YearMonth,
        last: YearMonth,
        missing: usize,
    },
    #[error("planner.no_data: no market data is recorded yet")]
    NoData,
    #[error(
        "planner.period_not_ahead: {period} does not lie after the last recorded month {last}; plan a period that has not begun"
    )]
    PeriodNotAhead { period: Period, last: YearMonth },
    #[error(
        "planner.base_period_missing: {base}, the same period a year before {period}, is not fully recorded"
    )]
    BasePeriodMissing { period: Period, base: Period },
    #[error(
        "planner.zero_base: the 12 months before the last 12 have no {what} volume, so its growth is unknown"
    )]
    ZeroBase { what: &'static str },
    #[error("planner.target_share_invalid: a target share is a percentage above 0 and at most 100")]
    TargetShareInvalid,
    #[error("planner.out_of_range: the figures are too large to plan with exactly")]
    OutOfRange,
}

impl PlannerError {
    /// The stable code, e.g. `planner.insufficient_history`.
    pub fn code(&self) -> &'static str {
        match self {
            PlannerError::InsufficientHistory { .. } => "planner.insufficient_history",
            PlannerError::NoData => "planner.no_data",
            PlannerError::PeriodNotAhead { .. } => "planner.period_not_ahead",
            PlannerError::BasePeriodMissing { .. } => "planner.base_period_missing",
            PlannerError::ZeroBase { .. } => "planner.zero_base",
            PlannerError::TargetShareInvalid => "planner.target_share_invalid",
            PlannerError::OutOfRange => "planner.out_of_range",
        }
    }
}

/// One SKU's part of the gap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkuGap {
    pub sku: SkuId,
    /// Exact, in thousandths of a case.
    pub gap: Ratio,
    /// Outlets to win at the SKU's volume per stocking outlet in the last recorded month;
    /// 0 when its gap is not positive, `None` when it sold nothing that month.
    pub outlets_needed: Option<i128>,
}

/// The plan for one period and target share. Volumes are exact, in thousandths of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareGap {
    pub period: Period,
    /// The same period a year earlier (L).
    pub base_period: Period,
    /// The last recorded month (m0).
    pub last_month: YearMonth,
    /// In hundredths of a point.
    pub target_share: i64,
    /// 1 + g_m and 1 + g_o: the last 12 months' volume over the 12 before.
    pub market_growth: Ratio,
    pub our_growth: Ratio,
    pub projected_market: Ratio,
    pub baseline: Ratio,
    pub required: Ratio,
    pub gap: Ratio,
    pub skus: Vec<SkuGap>,
}

/// Plans `period` for a target share of `target_share` hundredths of a point (2350 =
/// 23.50 %):
///
/// - m0 = the last recorded month; g_m = market volume of the 12 months ending m0 ÷ that
///   of the 12 months before − 1 (all 24 months recorded), g_o the same for our volume;
/// - L = the period a year earlier; projected market M̂ = market(L) × (1 + g_m); baseline
///   V̂ = ours(L) × (1 + g_o); required V* = S ÷ 100 × M̂; gap G = V* − V̂;
/// - per SKU gap_i = G × v_i(L) ÷ Σ v(L); outlets_needed_i = ⌈gap_i ÷ (v_i(m0) ÷
///   outlets_stocking_i(m0))⌉, 0 when gap_i ≤ 0.
pub fn share_gap(
    model: &PartnershipModel,
    period: Period,
    target_share: i64,
) -> Result<ShareGap, PlannerError> {
    if !(1..=10_000).contains(&target_share) {
        return Err(PlannerError::TargetShareInvalid);
    }
    let (&last, _) = model.months.last_key_value().ok_or(PlannerError::NoData)?;
    if period.first_month() <= last {
        return Err(PlannerError::PeriodNotAhead { period, last });
    }
    let recent = Months::new(last.offset(-11).ok_or(PlannerError::OutOfRange)?, last)
        .ok_or(PlannerError::OutOfRange)?;
    let before = recent.shift(-12).ok_or(PlannerError::OutOfRange)?;
    let missing = before
        .iter()
        .chain(recent.iter())
        .filter(|m| !model.months.contains_key(m))
        .count();
    if missing > 0 {
        return Err(PlannerError::InsufficientHistory {
            first: before.first,
            last,
            missing,
        });
    }
    let base = period
        .same_period_last_year()
        .ok_or(PlannerError::OutOfRange)?;
    if base.months().any(|m| !model.months.contains_key(&m)) {
        return Err(PlannerError::BasePeriodMissing { period, base });
    }

    let market_volume = |m: Months| market(model, m).map_or(0, |(v, _)| v);
    let our_volume = |m: Months| sales(model, Scope::Partnership, m).map_or(0, |s| s.volume);
    let growth = |new: i128, old: i128, what| {
        Ratio::new(new, old)
            .filter(|_| old != 0)
            .ok_or(PlannerError::ZeroBase { what })
    };
    let market_growth = growth(market_volume(recent), market_volume(before), "market")?;
    let our_growth = growth(our_volume(recent), our_volume(before), "our")?;

    let exact = |r: Option<Ratio>| r.ok_or(PlannerError::OutOfRange);
    let whole = |n: i128| exact(Ratio::new(n, 1));
    let base_market = whole(market_volume(Months::from(base)))?;
    let base_ours = our_volume(Months::from(base));
    let projected_market = exact(base_market.times_ratio(market_growth))?;
    let baseline = exact(whole(base_ours)?.times_ratio(our_growth))?;
    let share = exact(Ratio::new(i128::from(target_share), 10_000))?;
    let required = exact(share.times_ratio(projected_market))?;
    let gap = exact(required.minus(baseline))?;

    let mut skus = Vec::new();
    for sku in model.all_skus() {
        let v_base = sales(model, Scope::Sku(&sku), Months::from(base)).map_or(0, |s| s.volume);
        if v_base == 0 {
            continue;
        }
        let part = exact(Ratio::new(v_base, base_ours))?;
        let sku_gap = exact(gap.times_ratio(part))?;
        let outlets_needed = if sku_gap.num() <= 0 {
            Some(0)
        } else {
            let line = model.months.get(&last).and_then(|d| d.lines.get(&sku));
            match line {
                Some(l) if l.volume.units() > 0 => {
                    // gap ÷ (v ÷ stocking) = gap × stocking ÷ v
                    let per_outlet = exact(Ratio::new(
                        i128::from(l.outlets_stocking),
                        i128::from(l.volume.units()),
                    ))?;
                    Some(exact(sku_gap.times_ratio(per_outlet))?.ceil())
                }
                _ => None,
            }
        };
        skus.push(SkuGap {
            sku,
            gap: sku_gap,
            outlets_needed,
        });
    }
    Ok(ShareGap {
        period,
        base_period: base,
        last_month: last,
        target_share,
        market_growth,
        our_growth,
        projected_market,
        baseline,
        required,
        gap,
        skus,
    })
}

fn cases(r: Ratio) -> Json {
    figure_json(&Figure::cases(r.round(0)))
}

fn growth_pct(r: Ratio) -> Json {
    figure_json(&Figure::percent(
        Ratio::new(1, 1).and_then(|one| r.minus(one)),
    ))
}

impl ShareGap {
    /// The planner's JSON: the fields of `docs/kpis.md`, rounded once here.
    pub fn to_json(&self, partnership: &str) -> Json {
        Json::Object(vec![
            ("partnership".into(), Json::str(partnership)),
            ("period".into(), Json::str(self.period.to_string())),
            (
                "target_share_pct".into(),
                figure_json(&Figure::percent(Ratio::new(
                    i128::from(self.target_share),
                    10_000,
                ))),
            ),
            (
                "base_period".into(),
                Json::str(self.base_period.to_string()),
            ),
            (
                "last_recorded_month".into(),
                Json::str(self.last_month.to_string()),
            ),
            ("market_growth_pct".into(), growth_pct(self.market_growth)),
            ("our_growth_pct".into(), growth_pct(self.our_growth)),
            (
                "projected_market_volume_cases".into(),
                cases(self.projected_market),
            ),
            ("baseline_volume_cases".into(), cases(self.baseline)),
            ("required_volume_cases".into(), cases(self.required)),
            ("gap_cases".into(), cases(self.gap)),
            (
                "skus".into(),
                Json::Array(
                    self.skus
                        .iter()
                        .map(|s| {
                            Json::Object(vec![
                                ("sku".into(), Json::str(s.sku.as_str())),
                                ("gap_cases".into(), cases(s.gap)),
                                (
                                    "outlets_needed".into(),
                                    s.outlets_needed
                                        .map_or(Json::Null, |n| Json::Number(n.to_string())),
                                ),
                            ])
                        })
                        .collect(),
                ),
            ),
        ])
    }
}

impl ShareGap {
    /// The plan as Markdown for a person: the inputs, the volumes and each SKU's part,
    /// with the same figures as [`ShareGap::to_json`].
    pub fn to_markdown(&self, partnership: &str) -> String {
        let json = self.to_json(partnership);
        let text = |key: &str| match json.get(key) {
            Some(Json::String(s) | Json::Number(s)) => s.clone(),
            _ => "—".to_owned(),
        };
        let mut out = format!(
            "# 份額缺口 Share gap — {partnership} {}\n\n\
             | | |\n|---|---|\n\
             | 目標份額 target share | {} % |\n\
             | 基期 base period | {} |\n\
             | 最近月份 last recorded month | {} |\n\
             | 市場增長 market growth | {} % |\n\
             | 我方增長 our growth | {} % |\n\
             | 預計市場 projected market | {} cases |\n\
             | 基線 baseline | {} cases |\n\
             | 所需 required | {} cases |\n\
             | **缺口 gap** | **{} cases** |\n\n\
             | SKU | gap (cases) | outlets to win |\n|---|---:|---:|\n",
            text("period"),
            text("target_share_pct"),
            text("base_period"),
            text("last_recorded_month"),
            text("market_growth_pct"),
            text("our_growth_pct"),
            text("projected_market_volume_cases"),
            text("baseline_volume_cases"),
            text("required_volume_cases"),
            text("gap_cases"),
        );
        if let Some(Json::Array(skus)) = json.get("skus") {
            for sku in skus {
                let cell = |key: &str| match sku.get(key) {
                    Some(Json::String(s) | Json::Number(s)) => s.clone(),
                    _ => "—".to_owned(),
                };
                out.push_str(&format!(
                    "| {} | {} | {} |\n",
                    cell("sku"),
                    cell("gap_cases"),
                    cell("outlets_needed")
                ));
            }
        }
        out
    }
}
