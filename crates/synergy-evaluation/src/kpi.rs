//! The KPIs of DESIGN §4, computed from a [`PartnershipModel`] for one scope and period.
//!
//! Decisions the table leaves open, stated once here:
//! - A period's figures sum the months of the period that have market data. A scope with
//!   no line in any of them has null volume and revenue (so yoy against a year without
//!   the SKU is null, not −100 %).
//! - `closing_stock_cases` is the closing stock of the latest month of the period that has
//!   data (the period's last month once it is reported); `stock_to_sales` divides it by
//!   the average monthly volume over those months.
//! - `data_on_time_pct`: a month is due once it has ended by `as_of`, unless its deadline
//!   (the 10th of the following month) is still ahead and it is not yet submitted — it
//!   cannot be late yet. It is on time when its first submission is on or before the
//!   deadline; a correction never makes a punctual month late.
//! - Action items count as of `as_of` (open, and overdue when due before it); meetings and
//!   campaign tasks by the dates that fall in the period; support requests opened in the
//!   period are on time when acknowledged within their target hours, late when not, and
//!   left out while their deadline is still ahead of `as_of`.
//! - Targets come only from active plans: the target set for exactly the period, else the
//!   sum over its sub-periods when every one has a target. The partnership's target is
//!   the all-brands target, else the sum of every catalogued brand's target.

use std::collections::BTreeMap;

use synergy_proto::events::strategy::Target;
use synergy_proto::{BrandId, Date, Period, PeriodKind, SkuId, YearMonth};

use crate::exact::{Ratio, mean};
use crate::figure::{Figure, Kpis};
use crate::model::{PartnershipModel, PlanState};

/// Which part of the portfolio a set of KPIs describes.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    Partnership,
    Brand(&'a BrandId),
    Sku(&'a SkuId),
}

impl Scope<'_> {
    fn includes(&self, model: &PartnershipModel, sku: &SkuId) -> bool {
        match self {
            Scope::Partnership => true,
            Scope::Brand(b) => model.brand_of(sku) == Some(*b),
            Scope::Sku(s) => *s == sku,
        }
    }
}

/// Our sales in a scope over a period: `None` when the scope has no line in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sales {
    /// Thousandths of a case.
    pub volume: i128,
    /// Fen.
    pub revenue: i128,
    /// Months of the period with at least one line in scope.
    pub months: i128,
}

pub fn sales(model: &PartnershipModel, scope: Scope<'_>, period: Period) -> Option<Sales> {
    let mut out = Sales {
        volume: 0,
        revenue: 0,
        months: 0,
    };
    for (_, data) in model
        .months
        .range(period.first_month()..=period.last_month())
    {
        let mut any = false;
        for (sku, line) in &data.lines {
            if scope.includes(model, sku) {
                any = true;
                out.volume += i128::from(line.volume.units());
                out.revenue += i128::from(line.revenue.units());
            }
        }
        out.months += i128::from(any);
    }
    (out.months > 0).then_some(out)
}

/// The market totals (all brands) over the period's submitted months, as (volume, revenue).
pub fn market(model: &PartnershipModel, period: Period) -> Option<(i128, i128)> {
    let mut months = model
        .months
        .range(period.first_month()..=period.last_month())
        .peekable();
    months.peek()?;
    Some(months.fold((0, 0), |(v, r), (_, d)| {
        (
            v + i128::from(d.market.volume.units()),
            r + i128::from(d.market.revenue.units()),
        )
    }))
}

fn change(current: Option<i128>, base: Option<i128>) -> Option<Ratio> {
    let (c, b) = (current?, base?);
    Ratio::new(c - b, b)
}

fn share(ours: Option<i128>, total: Option<i128>) -> Option<Ratio> {
    Ratio::new(ours?, total?)
}

/// A target figure for `brand` (None = all brands) from the active plans.
pub fn target(
    model: &PartnershipModel,
    brand: Option<&BrandId>,
    period: Period,
    pick: fn(&Target) -> Option<i64>,
) -> Option<i128> {
    model
        .active_plans_for(period.calendar_year())
        .find_map(|plan| plan_target(plan, brand, period, pick))
}

fn plan_target(
    plan: &PlanState,
    brand: Option<&BrandId>,
    period: Period,
    pick: fn(&Target) -> Option<i64>,
) -> Option<i128> {
    if let Some(v) = plan.targets.get(&(brand.cloned(), period)).and_then(pick) {
        return Some(i128::from(v));
    }
    let finer = match period.kind() {
        PeriodKind::Year => PeriodKind::Half,
        PeriodKind::Half => PeriodKind::Quarter,
        PeriodKind::Quarter => PeriodKind::Month,
        PeriodKind::Month => return None,
    };
    let mut total = 0_i128;
    let mut month = period.first_month();
    while period.contains(month) {
        let part = Period::containing(finer, month);
        total += plan_target(plan, brand, part, pick)?;
        month = part.last_month().next()?;
    }
    Some(total)
}

/// The scope's target: per brand directly; for the partnership the all-brands target, or
/// else the sum of every catalogued brand's target.
pub fn scope_target(
    model: &PartnershipModel,
    scope: Scope<'_>,
    period: Period,
    pick: fn(&Target) -> Option<i64>,
) -> Option<i128> {
    match scope {
        Scope::Sku(_) => None,
        Scope::Brand(b) => target(model, Some(b), period, pick),
        Scope::Partnership => target(model, None, period, pick).or_else(|| {
            let mut brands = model.brands.keys().peekable();
            brands.peek()?;
            brands.map(|b| target(model, Some(b), period, pick)).sum()
        }),
    }
}

pub fn volume_target(t: &Target) -> Option<i64> {
    t.volume.map(|v| v.units())
}

pub fn revenue_target(t: &Target) -> Option<i64> {
    t.revenue.map(|v| v.units())
}

/// The latest month of the period with a line in scope, and the scope's closing stock then.
fn closing_stock(model: &PartnershipModel, scope: Scope<'_>, period: Period) -> Option<i128> {
    model
        .months
        .range(period.first_month()..=period.last_month())
        .rev()
        .find_map(|(_, d)| {
            let mut lines = d
                .lines
                .iter()
                .filter(|(sku, _)| scope.includes(model, sku))
                .peekable();
            lines.peek()?;
            Some(
                lines
                    .map(|(_, l)| i128::from(l.closing_stock.units()))
                    .sum(),
            )
        })
}

/// Σ(v·avg retail) ÷ Σ(v·guide) over SKUs with a known guide price.
pub fn price_index(model: &PartnershipModel, scope: Scope<'_>, period: Period) -> Option<Ratio> {
    let (mut num, mut den) = (0_i128, 0_i128);
    for (month, d) in model
        .months
        .range(period.first_month()..=period.last_month())
    {
        for (sku, line) in &d.lines {
            if !scope.includes(model, sku) {
                continue;
            }
            let Some(guide) = model
                .catalogue
                .get(sku)
                .and_then(|e| e.guide_price_for(*month))
            else {
                continue;
            };
            let v = i128::from(line.volume.units());
            num += v * i128::from(line.avg_retail_price.units());
            den += v * i128::from(guide.units());
        }
    }
    Ratio::new(num, den)
}

fn price_compliance(model: &PartnershipModel, scope: Scope<'_>, period: Period) -> Option<Ratio> {
    let (mut within, mut all) = (0_i128, 0_i128);
    let months = model
        .price_checks
        .range(period.first_month()..=period.last_month());
    for (sku, t) in months.flat_map(|(_, skus)| skus) {
        if scope.includes(model, sku) {
            within += i128::from(t.within);
            all += i128::from(t.count);
        }
    }
    Ratio::new(within, all)
}

/// Volume share per price class, over SKUs whose class is known.
fn class_mix(model: &PartnershipModel, scope: Scope<'_>, period: Period) -> Figure {
    let mut by_class: BTreeMap<u8, i128> = BTreeMap::new();
    for (_, d) in model
        .months
        .range(period.first_month()..=period.last_month())
    {
        for (sku, line) in &d.lines {
            if let Some(entry) = model.catalogue.get(sku)
                && scope.includes(model, sku)
            {
                *by_class.entry(entry.price_class.get()).or_default() +=
                    i128::from(line.volume.units());
            }
        }
    }
    let total: i128 = by_class.values().sum();
    if total == 0 {
        return Figure::Null;
    }
    Figure::Mix(
        by_class
            .into_iter()
            .map(|(class, v)| (class.to_string(), Figure::percent(Ratio::new(v, total))))
            .collect(),
    )
}

/// 1 − Σ|actual − forecast| ÷ Σ actual, over forecast lines of months with market data.
fn forecast_accuracy(model: &PartnershipModel, scope: Scope<'_>, period: Period) -> Option<Ratio> {
    let (mut error, mut actual) = (0_i128, 0_i128);
    for (month, lines) in model
        .forecasts
        .range(period.first_month()..=period.last_month())
    {
        let Some(data) = model.months.get(month) else {
            continue;
        };
        for (sku, forecast) in lines {
            if !scope.includes(model, sku) {
                continue;
            }
            let a = data
                .lines
                .get(sku)
                .map_or(0, |l| i128::from(l.volume.units()));
            error += (a - i128::from(forecast.units())).abs();
            actual += a;
        }
    }
    Ratio::new(actual - error, actual)
}

fn order_fill(model: &PartnershipModel, scope: Scope<'_>, period: Period) -> Option<Ratio> {
    let (mut received, mut ordered) = (0_i128, 0_i128);
    for (_, lines) in model
        .orders
        .range(period.first_month()..=period.last_month())
    {
        for (sku, t) in lines {
            if scope.includes(model, sku) {
                received += i128::from(t.received.units());
                ordered += i128::from(t.ordered.units());
            }
        }
    }
    Ratio::new(received, ordered)
}

/// Mean over months of a per-month ratio for one SKU (months where it is undefined skipped).
fn monthly_mean(
    model: &PartnershipModel,
    sku: &SkuId,
    period: Period,
    ratio: impl Fn(&crate::model::MonthData) -> Option<Ratio>,
) -> Option<Ratio> {
    let ratios: Vec<Ratio> = model
        .months
        .range(period.first_month()..=period.last_month())
        .filter(|(_, d)| d.lines.contains_key(sku))
        .filter_map(|(_, d)| ratio(d))
        .collect();
    mean(&ratios)
}

/// The submission deadline of a month: the 10th of the following month.
pub fn deadline(month: YearMonth) -> Option<Date> {
    let next = month.next()?;
    Date::new(next.year(), next.month(), 10).ok()
}

/// (on time, due) months of the period as of `as_of`.
pub fn data_on_time(model: &PartnershipModel, period: Period, as_of: Date) -> (i128, i128) {
    let (mut on_time, mut due) = (0, 0);
    for month in period.months() {
        if month.last_day() >= as_of {
            continue;
        }
        let Some(deadline) = deadline(month) else {
            continue;
        };
        let submitted = model
            .months
            .get(&month)
            .map(|d| d.first_submitted_on)
            .filter(|d| *d <= as_of);
        match submitted {
            None if deadline >= as_of => {}
            None => due += 1,
            Some(day) => {
                due += 1;
                on_time += i128::from(day <= deadline);
            }
        }
    }
    (on_time, due)
}

/// (open, overdue) action items as of `as_of`.
pub fn actions(model: &PartnershipModel, as_of: Date) -> (i64, i64) {
    let (mut open, mut overdue) = (0, 0);
    for item in model.action_items.values() {
        if let Some(s) = item.status_on(as_of)
            && s.open
        {
            open += 1;
            overdue += i64::from(s.due_on < as_of);
        }
    }
    (open, overdue)
}

/// (held, scheduled) meetings whose dates fall in the period.
pub fn meetings(model: &PartnershipModel, period: Period) -> (i64, i64) {
    let held = model
        .meetings
        .values()
        .filter(|m| m.held_on.is_some_and(|d| period.contains(d.year_month())))
        .count();
    let scheduled = model
        .meetings
        .values()
        .filter(|m| period.contains(m.scheduled_on.year_month()))
        .count();
    (held as i64, scheduled as i64)
}

/// Campaign tasks due in the period: done by `as_of` ÷ all.
pub fn campaign_tasks_done(model: &PartnershipModel, period: Period, as_of: Date) -> Option<Ratio> {
    let (mut done, mut all) = (0_i128, 0_i128);
    for c in model.campaigns.values() {
        for t in c.tasks.values() {
            if period.contains(t.due_on.year_month()) {
                all += 1;
                done += i128::from(t.completed_on.is_some_and(|d| d <= as_of));
            }
        }
    }
    Ratio::new(done, all)
}

/// Support requests opened in the period: acknowledged within target ÷ decided.
pub fn support_on_time(model: &PartnershipModel, period: Period, as_of: Date) -> Option<Ratio> {
    let end_of_as_of = as_of.add_days(1).map(|d| d.start()).ok();
    let (mut on_time, mut decided) = (0_i128, 0_i128);
    for r in model.support_requests.values() {
        if !period.contains(r.opened_at.date().year_month()) {
            continue;
        }
        let deadline = r
            .opened_at
            .millis()
            .saturating_add(i64::from(r.response_target_hours) * 3_600_000);
        let acknowledged = r
            .acknowledged_at
            .filter(|t| end_of_as_of.is_none_or(|end| *t < end));
        match acknowledged {
            Some(t) => {
                decided += 1;
                on_time += i128::from(t.millis() <= deadline);
            }
            None if end_of_as_of.is_some_and(|end| end.millis() > deadline) => decided += 1,
            None => {}
        }
    }
    Ratio::new(on_time, decided)
}

pub fn corrections(model: &PartnershipModel, period: Period) -> i64 {
    model
        .months
        .range(period.first_month()..=period.last_month())
        .map(|(_, d)| i64::from(d.corrections))
        .sum()
}

/// Every market KPI of DESIGN §4 for `scope` over `period`.
pub fn market_kpis(
    model: &PartnershipModel,
    scope: Scope<'_>,
    period: Period,
    as_of: Date,
) -> Kpis {
    let mut k = Kpis::new();
    let cur = sales(model, scope, period);
    let last_year = period
        .same_period_last_year()
        .and_then(|p| sales(model, scope, p));
    let previous = period.previous().and_then(|p| sales(model, scope, p));
    let mkt = market(model, period);
    let vol = cur.map(|s| s.volume);
    let rev = cur.map(|s| s.revenue);

    k.insert("volume_cases", Figure::cases(vol));
    k.insert("revenue_yuan", Figure::yuan(rev));
    if matches!(scope, Scope::Partnership) {
        k.insert("market_volume_cases", Figure::cases(mkt.map(|m| m.0)));
        k.insert("market_revenue_yuan", Figure::yuan(mkt.map(|m| m.1)));
    }
    k.insert(
        "volume_share_pct",
        Figure::percent(share(vol, mkt.map(|m| m.0))),
    );
    k.insert(
        "revenue_share_pct",
        Figure::percent(share(rev, mkt.map(|m| m.1))),
    );
    k.insert(
        "volume_yoy_pct",
        Figure::percent(change(vol, last_year.map(|s| s.volume))),
    );
    k.insert(
        "revenue_yoy_pct",
        Figure::percent(change(rev, last_year.map(|s| s.revenue))),
    );
    k.insert(
        "volume_pop_pct",
        Figure::percent(change(vol, previous.map(|s| s.volume))),
    );
    k.insert(
        "revenue_pop_pct",
        Figure::percent(change(rev, previous.map(|s| s.revenue))),
    );
    // fen ÷ thousandths of a case = yuan per case × 10.
    k.insert(
        "revenue_per_case_yuan",
        Figure::yuan(cur.and_then(|s| Ratio::new(s.revenue * 10, s.volume)?.round(2))),
    );
    if !matches!(scope, Scope::Sku(_)) {
        let tv = scope_target(model, scope, period, volume_target);
        let tr = scope_target(model, scope, period, revenue_target);
        k.insert("target_volume_cases", Figure::cases(tv));
        k.insert("volume_attainment_pct", Figure::percent(share(vol, tv)));
        k.insert("target_revenue_yuan", Figure::yuan(tr));
        k.insert("revenue_attainment_pct", Figure::percent(share(rev, tr)));
        k.insert("class_mix", class_mix(model, scope, period));
    }
    let stock = closing_stock(model, scope, period);
    k.insert("closing_stock_cases", Figure::cases(stock));
    k.insert(
        "stock_to_sales",
        Figure::ratio(
            stock
                .zip(cur)
                .and_then(|(st, s)| Ratio::new(st * s.months, s.volume)),
        ),
    );
    if let Scope::Sku(sku) = scope {
        k.insert(
            "coverage_pct",
            Figure::percent(monthly_mean(model, sku, period, |d| {
                let l = d.lines.get(sku)?;
                Ratio::new(
                    i128::from(l.outlets_stocking),
                    i128::from(d.market.active_outlets),
                )
            })),
        );
        k.insert(
            "active_selling_pct",
            Figure::percent(monthly_mean(model, sku, period, |d| {
                let l = d.lines.get(sku)?;
                Ratio::new(
                    i128::from(l.outlets_selling),
                    i128::from(l.outlets_stocking),
                )
            })),
        );
    }
    k.insert(
        "price_index",
        Figure::ratio(price_index(model, scope, period).and_then(|r| r.times(100))),
    );
    k.insert(
        "price_compliance_pct",
        Figure::percent(price_compliance(model, scope, period)),
    );
    k.insert(
        "forecast_accuracy_pct",
        Figure::percent(forecast_accuracy(model, scope, period)),
    );
    k.insert(
        "order_fill_pct",
        Figure::percent(order_fill(model, scope, period)),
    );
    if matches!(scope, Scope::Partnership) {
        collaboration_kpis(model, period, as_of, &mut k);
    }
    k
}

/// The collaboration KPIs (協同) of the partnership.
pub fn collaboration_kpis(model: &PartnershipModel, period: Period, as_of: Date, k: &mut Kpis) {
    let (on_time, due) = data_on_time(model, period, as_of);
    k.insert(
        "data_on_time_pct",
        Figure::percent(Ratio::new(on_time, due)),
    );
    let (open, overdue) = actions(model, as_of);
    k.insert("actions_open", Figure::count(open));
    k.insert("actions_overdue", Figure::count(overdue));
    let (held, _) = meetings(model, period);
    k.insert("meetings_held", Figure::count(held));
    k.insert(
        "campaign_tasks_done_pct",
        Figure::percent(campaign_tasks_done(model, period, as_of)),
    );
    k.insert(
        "support_on_time_pct",
        Figure::percent(support_on_time(model, period, as_of)),
    );
}
