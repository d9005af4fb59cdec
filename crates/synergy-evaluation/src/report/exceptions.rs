//! The review pack's exceptions: the figures past the partnership's exception rules,
//! late market data and overdue action items.

use std::cmp::Ordering;
use std::fmt::Display;

use synergy_proto::{BrandId, Date, Percent, Period};

use super::figure_json;
use crate::exact::Ratio;
use crate::figure::{Figure, Unit};
use crate::json::Json;
use crate::kpi::{self, Scope};
use crate::model::PartnershipModel;

/// One exception: `rule` fired on `subject` (a scope, a month or an action item), which
/// together make its id. The review pack lists them ([`exceptions`]) and evaluation
/// records them as alerts (`crate::alerts`), from this one judgement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    /// `share_down`, `attainment_low`, `price_index`, `stock_high`, `data_late` or
    /// `action_overdue`.
    pub rule: &'static str,
    /// What it fired on: `partnership`, `brand:<id>`, a month or an action item.
    pub subject: String,
    /// The scope whose figures it judged: `partnership` or `brand:<id>`.
    pub scope: String,
    pub value: Figure,
    pub threshold: Figure,
    /// The sentence the pack shows.
    pub message: String,
}

impl Exception {
    fn new(
        rule: &'static str,
        subject: impl Display,
        scope: &str,
        value: Figure,
        threshold: Figure,
        message: String,
    ) -> Self {
        Self {
            rule,
            subject: subject.to_string(),
            scope: scope.to_owned(),
            value,
            threshold,
            message,
        }
    }

    /// `<rule>:<subject>`.
    pub fn id(&self) -> String {
        format!("{}:{}", self.rule, self.subject)
    }

    /// The exception as the review pack writes it.
    pub fn json(&self) -> Json {
        Json::Object(vec![
            ("id".into(), Json::str(self.id())),
            ("rule".into(), Json::str(self.rule)),
            ("scope".into(), Json::str(&self.scope)),
            ("value".into(), figure_json(&self.value)),
            ("threshold".into(), figure_json(&self.threshold)),
            ("message".into(), Json::str(&self.message)),
        ])
    }
}

/// A figure as exact text in its unit (`"2.40"`, `"2008-07-10"`); `None` for no value.
pub fn figure_text(f: &Figure) -> Option<String> {
    match f {
        Figure::Null => None,
        Figure::Text(t) => Some(t.clone()),
        // No rule judges a mix of figures.
        Figure::Mix(_) => None,
        Figure::Amount { .. } | Figure::Count(_) => f.plain(),
    }
}

/// A rule's threshold (hundredths) as a figure of `unit`.
fn threshold(hundredths: Percent, unit: Unit) -> Figure {
    Figure::Amount {
        units: i128::from(hundredths.units()),
        unit,
    }
}

fn above(value: Ratio, threshold_hundredths: i64) -> bool {
    Ratio::new(i128::from(threshold_hundredths), 100).and_then(|t| value.cmp_exact(t))
        == Some(Ordering::Greater)
}

fn below(value: Ratio, threshold_hundredths: i64) -> bool {
    Ratio::new(i128::from(threshold_hundredths), 100).and_then(|t| value.cmp_exact(t))
        == Some(Ordering::Less)
}

/// The review pack's exceptions as it writes them.
pub fn exceptions(model: &PartnershipModel, period: Period, as_of: Date) -> Vec<Json> {
    judge(model, period, as_of)
        .iter()
        .map(Exception::json)
        .collect()
}

/// The exceptions of `period` as of `as_of`, judged on exact values (never on rounded
/// ones): by scope (the partnership, then each brand) the figure rules, then each month's
/// late data, then each overdue action item.
pub fn judge(model: &PartnershipModel, period: Period, as_of: Date) -> Vec<Exception> {
    let rules = &model.exception_rules;
    let mut out = Vec::new();
    let brands: Vec<&BrandId> = model.brands.keys().collect();
    let scopes = std::iter::once(("partnership".to_owned(), Scope::Partnership)).chain(
        brands
            .iter()
            .map(|b| (format!("brand:{b}"), Scope::Brand(b))),
    );
    let window = kpi::Window::new(period, as_of);
    for (name, scope) in scopes {
        let cur = window.current.and_then(|m| kpi::sales(model, scope, m));
        let share_of = |m: Option<kpi::Months>| kpi::volume_share(model, scope, m?);
        if let (Some(now), Some(before)) = (share_of(window.current), share_of(window.previous()))
            && let Some(drop) = before.minus(now).and_then(|d| d.times(100))
            && above(drop, rules.share_drop_points.units())
        {
            out.push(Exception::new(
                "share_down",
                &name,
                &name,
                Figure::points(before.minus(now).and_then(|d| d.times(-1))),
                threshold(rules.share_drop_points, Unit::Points),
                format!(
                    "volume share fell from {} to {}, more than {} points",
                    Figure::percent(Some(before)).human(),
                    Figure::percent(Some(now)).human(),
                    threshold(rules.share_drop_points, Unit::Ratio).human()
                ),
            ));
        }
        let target = kpi::scope_target(model, scope, period, kpi::volume_target);
        if let Some(att) = cur.zip(target).and_then(|(s, t)| Ratio::new(s.volume, t))
            && att
                .times(100)
                .is_some_and(|a| below(a, rules.min_volume_attainment.units()))
        {
            out.push(Exception::new(
                "attainment_low",
                &name,
                &name,
                Figure::percent(Some(att)),
                threshold(rules.min_volume_attainment, Unit::Percent),
                format!(
                    "volume attainment {} is below {} %",
                    Figure::percent(Some(att)).human(),
                    rules.min_volume_attainment
                ),
            ));
        }
        if let Some(pi) = window
            .current
            .and_then(|m| kpi::price_index(model, scope, m)?.times(100))
            && (below(pi, rules.price_index_low.units())
                || above(pi, rules.price_index_high.units()))
        {
            out.push(Exception::new(
                "price_index",
                &name,
                &name,
                Figure::ratio(Some(pi)),
                Figure::Text(format!(
                    "{}–{}",
                    rules.price_index_low, rules.price_index_high
                )),
                format!(
                    "price index {} is outside {}–{}",
                    Figure::ratio(Some(pi)).human(),
                    rules.price_index_low,
                    rules.price_index_high
                ),
            ));
        }
        let sts = kpi::market_kpis(model, scope, period, as_of);
        if let Some(Figure::Amount { .. }) = sts.get("stock_to_sales")
            && let Some(exact) = window
                .current
                .and_then(|m| stock_to_sales_exact(model, scope, m))
            && above(exact, rules.max_stock_to_sales.units())
        {
            out.push(Exception::new(
                "stock_high",
                &name,
                &name,
                Figure::ratio(Some(exact)),
                threshold(rules.max_stock_to_sales, Unit::Ratio),
                format!(
                    "stock-to-sales {} is above {}",
                    Figure::ratio(Some(exact)).human(),
                    rules.max_stock_to_sales
                ),
            ));
        }
    }
    for month in period.months() {
        if month.last_day() >= as_of {
            continue;
        }
        let Some(deadline) = kpi::counted_deadline(model, month) else {
            continue;
        };
        let submitted = model
            .month_submitted_by(month, as_of)
            .map(|d| d.first_submitted_on);
        let message = match submitted {
            Some(day) if day > deadline => {
                format!("{month} market data submitted {day}, after the deadline {deadline}")
            }
            None if deadline < as_of => {
                format!("{month} market data not submitted; it was due by {deadline}")
            }
            _ => continue,
        };
        out.push(Exception::new(
            "data_late",
            month,
            "partnership",
            submitted.map_or(Figure::Null, |d| Figure::Text(d.to_string())),
            Figure::Text(deadline.to_string()),
            message,
        ));
    }
    for (id, item) in &model.action_items {
        if let Some(s) = item.status_on(as_of)
            && s.open
            && s.due_on < as_of
        {
            out.push(Exception::new(
                "action_overdue",
                id,
                "partnership",
                Figure::Text(item.title.clone()),
                Figure::Text(s.due_on.to_string()),
                format!(
                    "action item {id} ({}) owned by the {} was due {}",
                    item.title, item.owner, s.due_on
                ),
            ));
        }
    }
    out
}

/// Stock-to-sales of `scope` over `months`, exact: the closing stock of the latest month
/// with lines in scope, times the months, over the volume sold in them.
pub(crate) fn stock_to_sales_exact(
    model: &PartnershipModel,
    scope: Scope<'_>,
    months: kpi::Months,
) -> Option<Ratio> {
    let s = kpi::sales(model, scope, months)?;
    let stock = model
        .months
        .range(months.range())
        .rev()
        .find_map(|(_, d)| {
            let mut lines = d.lines.iter().filter(|(sku, _)| match scope {
                Scope::Partnership => true,
                Scope::Brand(b) => model.brand_of(sku) == Some(b),
                Scope::Sku(x) => *sku == x,
            });
            let first = lines.next()?;
            Some(
                lines.fold(i128::from(first.1.closing_stock.units()), |acc, (_, l)| {
                    acc + i128::from(l.closing_stock.units())
                }),
            )
        })?;
    Ratio::new(stock * s.months, s.volume)
}
