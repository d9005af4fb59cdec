//! 提升: what the evaluation of a period says to do next. Each rule has a stable id, fires on
//! exact figures (never on rounded ones), names its evidence, the action and the side that
//! owns it by the seed's division of labour — the manufacturer plans, supplies materials
//! and goods and watches retail prices; the distributor executes, picks outlets, orders
//! and reports. A rule whose inputs are missing (no plan, no forecasts, no prior period)
//! does not fire. `docs/kpis.md` lists the rules and their thresholds.

use std::cmp::Ordering;

use synergy_proto::events::evaluation::RecommendationRule;
use synergy_proto::{Date, Period, Side, SkuId};

use crate::exact::Ratio;
use crate::figure::Figure;
use crate::json::Json;
use crate::kpi::{self, Months, Scope, Window};
use crate::model::{PartnershipModel, RecommendationDecision, RecommendationKey};
use crate::report::{figure_json, stock_to_sales_exact};

/// The fixed thresholds of the SKU and forecast rules, in percent.
pub const SHELF_MIN_COVERAGE: i128 = 60;
pub const SHELF_MAX_ACTIVE_SELLING: i128 = 60;
pub const UNDERDISTRIBUTED_MIN_ACTIVE_SELLING: i128 = 90;
pub const UNDERDISTRIBUTED_MAX_COVERAGE: i128 = 30;
pub const FORECAST_MIN_ACCURACY: i128 = 85;

/// Who acts on a recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Side(Side),
    Both,
}

impl Owner {
    /// The side the rule names, by the seed's division of labour.
    pub fn of(rule: RecommendationRule) -> Self {
        rule.owner().map_or(Owner::Both, Owner::Side)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Owner::Side(s) => s.as_str(),
            Owner::Both => "both",
        }
    }
}

/// One recommendation of a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recommendation {
    /// The rule, whose id (`share.drop`) is stable.
    pub rule: RecommendationRule,
    pub sku: Option<SkuId>,
    /// The figures that made it fire, in reading order.
    pub evidence: Vec<(&'static str, Figure)>,
    pub action: &'static str,
}

impl Recommendation {
    /// The recommendation's id within its period: the rule, and `:sku` for a SKU rule.
    /// A party accepts or dismisses a recommendation by this id.
    pub fn id(&self) -> String {
        match &self.sku {
            Some(sku) => format!("{}:{sku}", self.rule),
            None => self.rule.as_str().to_owned(),
        }
    }

    pub fn owner(&self) -> Owner {
        Owner::of(self.rule)
    }

    pub fn to_json(&self) -> Json {
        Json::Object(vec![
            ("id".into(), Json::str(self.id())),
            ("rule".into(), Json::str(self.rule.as_str())),
            (
                "sku".into(),
                self.sku
                    .as_ref()
                    .map_or(Json::Null, |s| Json::str(s.as_str())),
            ),
            (
                "evidence".into(),
                Json::Object(
                    self.evidence
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), figure_json(v)))
                        .collect(),
                ),
            ),
            ("action".into(), Json::str(self.action)),
            ("owner".into(), Json::str(self.owner().as_str())),
        ])
    }
}

fn pct(r: Ratio) -> Figure {
    Figure::percent(Some(r))
}

/// `value` (a fraction) compared with `percent` %.
fn cmp_pct(value: Ratio, percent: Ratio) -> Option<Ordering> {
    value.times(100)?.cmp_exact(percent)
}

fn hundredths(units: i64) -> Option<Ratio> {
    Ratio::new(i128::from(units), 100)
}

fn whole(n: i128) -> Option<Ratio> {
    Ratio::new(n, 1)
}

/// Every recommendation for `period` as of `as_of`, partnership rules first, then SKUs
/// in id order.
pub fn recommendations(
    model: &PartnershipModel,
    period: Period,
    as_of: Date,
) -> Vec<Recommendation> {
    let rules = &model.exception_rules;
    let window = Window::new(period, as_of);
    let mut out = Vec::new();
    let Some(months) = window.current else {
        return out;
    };
    let share_of = |m: Months| kpi::volume_share(model, Scope::Partnership, m);

    // share.drop: share fell more than `share_drop_points` against as many months of the
    // previous period.
    if let Some(now) = share_of(months)
        && let Some(before) = window.previous().and_then(share_of)
        && let Some(change) = now.minus(before)
        && let Some(limit) = hundredths(rules.share_drop_points.units())
        && change.times(-100).and_then(|d| d.cmp_exact(limit)) == Some(Ordering::Greater)
    {
        out.push(Recommendation {
            rule: RecommendationRule::ShareDrop,
            sku: None,
            evidence: vec![
                ("volume_share_pct", pct(now)),
                ("previous_volume_share_pct", pct(before)),
                ("change_points", Figure::points(Some(change))),
            ],
            action: "查明份額流失的品牌與規格，在例會上議定挽回措施 — find the brands and SKUs \
                     that lost share and agree recovery measures at the review",
        });
    }

    // attainment.low: volume ÷ target below `min_volume_attainment`; in a period still in
    // progress the bar is prorated to the months that have ended (時間過半，任務過半).
    let volume = kpi::sales(model, Scope::Partnership, months).map(|s| s.volume);
    let target = kpi::scope_target(model, Scope::Partnership, period, kpi::volume_target);
    if let Some((v, t)) = volume.zip(target)
        && let Some(attainment) = Ratio::new(v, t)
        && let Some(bar) = Ratio::new(
            i128::from(rules.min_volume_attainment.units()) * i128::from(months.count()),
            100 * i128::from(period.month_count()),
        )
        && cmp_pct(attainment, bar) == Some(Ordering::Less)
    {
        out.push(Recommendation {
            rule: RecommendationRule::AttainmentLow,
            sku: None,
            evidence: vec![
                ("volume_cases", Figure::cases(Some(v))),
                ("target_volume_cases", Figure::cases(Some(t))),
                ("volume_attainment_pct", pct(attainment)),
                ("threshold_pct", Figure::ratio(Some(bar))),
            ],
            action: "議定剩餘月份的追趕計劃：活動、貨源與網點 — agree a catch-up plan for the \
                     remaining months: campaigns, supply and outlets",
        });
    }

    // price.high / price.low: the price index outside its band says supply is short
    // (retail above guide) or in excess (below).
    if let Some(index) =
        kpi::price_index(model, Scope::Partnership, months).and_then(|r| r.times(100))
        && let (Some(low), Some(high)) = (
            hundredths(rules.price_index_low.units()),
            hundredths(rules.price_index_high.units()),
        )
    {
        let evidence = |bound: Ratio, key: &'static str| {
            vec![
                ("price_index", Figure::ratio(Some(index))),
                (key, Figure::ratio(Some(bound))),
            ]
        };
        if index.cmp_exact(high) == Some(Ordering::Greater) {
            out.push(Recommendation {
                rule: RecommendationRule::PriceHigh,
                sku: None,
                evidence: evidence(high, "price_index_high"),
                action: "零售價高於指導價，貨源偏緊：增加投放並核實需求 — retail prices run above \
                         guide, supply is short: raise the allocation and check demand",
            });
        } else if index.cmp_exact(low) == Some(Ordering::Less) {
            out.push(Recommendation {
                rule: RecommendationRule::PriceLow,
                sku: None,
                evidence: evidence(low, "price_index_low"),
                action: "零售價低於指導價，貨源偏鬆：控制訂貨、消化庫存、維護價格 — retail prices \
                         run below guide, supply is in excess: slow orders, work stock down, \
                         hold prices",
            });
        }
    }

    // stock.high: stock-to-sales above `max_stock_to_sales`.
    if let Some(ratio) = stock_to_sales_exact(model, Scope::Partnership, months)
        && let Some(max) = hundredths(rules.max_stock_to_sales.units())
        && ratio.cmp_exact(max) == Some(Ordering::Greater)
    {
        out.push(Recommendation {
            rule: RecommendationRule::StockHigh,
            sku: None,
            evidence: vec![
                ("stock_to_sales", Figure::ratio(Some(ratio))),
                ("max_stock_to_sales", Figure::ratio(Some(max))),
            ],
            action: "庫存偏高：減少下期訂貨並推動動銷 — stock is high: order less next period \
                     and push sell-through",
        });
    }

    // forecast.miss: forecast accuracy below 85 %.
    if let Some(accuracy) = kpi::forecast_accuracy(model, Scope::Partnership, months)
        && let Some(bar) = whole(FORECAST_MIN_ACCURACY)
        && cmp_pct(accuracy, bar) == Some(Ordering::Less)
    {
        out.push(Recommendation {
            rule: RecommendationRule::ForecastMiss,
            sku: None,
            evidence: vec![
                ("forecast_accuracy_pct", pct(accuracy)),
                ("threshold_pct", Figure::ratio(Some(bar))),
            ],
            action: "預測偏差大：按月對照實銷修正預測方法 — forecasts missed: compare them with \
                     actual sales each month and correct the method",
        });
    }

    // data.late: data on time below 100 %.
    let (on_time, due) = kpi::data_on_time(model, period, as_of);
    if let Some(share) = Ratio::new(on_time, due)
        && on_time < due
    {
        out.push(Recommendation {
            rule: RecommendationRule::DataLate,
            sku: None,
            evidence: vec![
                ("data_on_time_pct", pct(share)),
                ("months_due", Figure::count(due)),
                ("months_on_time", Figure::count(on_time)),
            ],
            action: "按時報送：每月10日前提交上月市場數據 — send each month's market data by \
                     the 10th of the next month",
        });
    }

    for sku in model.all_skus() {
        let (Some(coverage), Some(selling)) = (
            kpi::coverage(model, &sku, months),
            kpi::active_selling(model, &sku, months),
        ) else {
            continue;
        };
        let evidence = vec![
            ("coverage_pct", pct(coverage)),
            ("active_selling_pct", pct(selling)),
        ];
        let at_least = |v: Ratio, p: i128| {
            whole(p)
                .and_then(|p| cmp_pct(v, p))
                .is_some_and(|o| o != Ordering::Less)
        };
        let below =
            |v: Ratio, p: i128| whole(p).and_then(|p| cmp_pct(v, p)) == Some(Ordering::Less);
        if at_least(coverage, SHELF_MIN_COVERAGE) && below(selling, SHELF_MAX_ACTIVE_SELLING) {
            out.push(Recommendation {
                rule: RecommendationRule::SkuShelfNoSales,
                sku: Some(sku.clone()),
                evidence: evidence.clone(),
                action: "鋪貨廣而動銷低：替換該規格或開展推廣活動 — much shelf, few sales: \
                         replace the SKU or run a push campaign",
            });
        } else if at_least(selling, UNDERDISTRIBUTED_MIN_ACTIVE_SELLING)
            && below(coverage, UNDERDISTRIBUTED_MAX_COVERAGE)
        {
            out.push(Recommendation {
                rule: RecommendationRule::SkuUnderdistributed,
                sku: Some(sku.clone()),
                evidence,
                action: "動銷好而鋪貨少：擴大鋪貨網點 — it sells wherever it stands: put it in \
                         more outlets",
            });
        }
    }
    out
}

/// The recommendations as the report section `recommendations`, each with what a party
/// decided on it by `as_of` (`decision`, null while undecided).
pub fn section(model: &PartnershipModel, period: Period, as_of: Date) -> Json {
    Json::Array(
        recommendations(model, period, as_of)
            .iter()
            .map(|r| {
                let key = (period, r.rule, r.sku.clone());
                with_field(r.to_json(), "decision", decision_json(model, &key, as_of))
            })
            .collect(),
    )
}

/// What became of the recommendations decided for the period before `period` (the same
/// length): the pack section `recommendations_followed_up`. Each names the recommendation,
/// its decision with the action item's standing as of `as_of`, and whether the rule still
/// fires in `period` (null while `period` has no months with data) — an accepted item that
/// is closed while its rule still fires did not fix what it was meant to.
pub fn followed_up(model: &PartnershipModel, period: Period, as_of: Date) -> Json {
    let Some(previous) = period.previous() else {
        return Json::Array(Vec::new());
    };
    let now = Window::new(period, as_of)
        .current
        .map(|_| recommendations(model, period, as_of));
    Json::Array(
        model
            .recommendation_decisions
            .iter()
            .filter(|((p, _, _), d)| *p == previous && d.on() <= as_of)
            .map(|(key, _)| {
                let (_, rule, sku) = key;
                let still_fires = now.as_ref().map_or(Json::Null, |rs| {
                    Json::Bool(rs.iter().any(|r| r.rule == *rule && r.sku == *sku))
                });
                Json::Object(vec![
                    ("id".into(), Json::str(id_of(*rule, sku.as_ref()))),
                    ("period".into(), Json::str(previous.to_string())),
                    ("rule".into(), Json::str(rule.as_str())),
                    (
                        "sku".into(),
                        sku.as_ref().map_or(Json::Null, |s| Json::str(s.as_str())),
                    ),
                    ("decision".into(), decision_json(model, key, as_of)),
                    ("still_fires".into(), still_fires),
                ])
            })
            .collect(),
    )
}

fn id_of(rule: RecommendationRule, sku: Option<&SkuId>) -> String {
    match sku {
        Some(sku) => format!("{rule}:{sku}"),
        None => rule.as_str().to_owned(),
    }
}

fn with_field(json: Json, key: &str, value: Json) -> Json {
    match json {
        Json::Object(mut fields) => {
            fields.push((key.to_owned(), value));
            Json::Object(fields)
        }
        other => other,
    }
}

/// A decision as JSON, as known on `as_of`: `{status: accepted, by, on, item, title,
/// owner, due_on, item_status: open|overdue|closed, closed_on}` or `{status: dismissed, by,
/// on, reason}`; null when nothing was decided by then.
fn decision_json(model: &PartnershipModel, key: &RecommendationKey, as_of: Date) -> Json {
    let Some(decision) = model
        .recommendation_decisions
        .get(key)
        .filter(|d| d.on() <= as_of)
    else {
        return Json::Null;
    };
    match decision {
        RecommendationDecision::Accepted { item, by, on } => {
            let mut fields = vec![
                ("status".into(), Json::str("accepted")),
                ("by".into(), Json::str(by.as_str())),
                ("on".into(), Json::str(on.to_string())),
                ("item".into(), Json::str(item.as_str())),
            ];
            if let Some(a) = model.action_items.get(item)
                && let Some(status) = a.status_on(as_of)
            {
                let standing = if !status.open {
                    "closed"
                } else if status.due_on < as_of {
                    "overdue"
                } else {
                    "open"
                };
                fields.extend([
                    ("title".into(), Json::str(&a.title)),
                    ("owner".into(), Json::str(a.owner.as_str())),
                    ("due_on".into(), Json::str(status.due_on.to_string())),
                    ("item_status".into(), Json::str(standing)),
                    (
                        "closed_on".into(),
                        if status.open {
                            Json::Null
                        } else {
                            Json::str(status.from.to_string())
                        },
                    ),
                ]);
            }
            Json::Object(fields)
        }
        RecommendationDecision::Dismissed { reason, by, on } => Json::Object(vec![
            ("status".into(), Json::str("dismissed")),
            ("by".into(), Json::str(by.as_str())),
            ("on".into(), Json::str(on.to_string())),
            ("reason".into(), Json::str(reason)),
        ]),
    }
}
