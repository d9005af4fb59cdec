//! The KPIs of `docs/kpis.md`, computed from a [`PartnershipModel`] for one scope and period.
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
//!   cannot be late yet — or fell before the partnership was signed (history loaded at
//!   signing is not late). It is on time when its first submission is on or before the
//!   deadline; a correction never makes a punctual month late.
//! - A period whose months have not all ended by `as_of` is *partial* ([`Window`]): its
//!   figures are those of the months that have ended. yoy and pop compare the months
//!   with data, each a year earlier (yoy) or one period's length earlier (pop), and are
//!   null unless every one of those months has data: never a part against a whole. A
//!   partial period's attainment is against the whole period's target (progress).
//! - The share target is the active plan's volume-share target for the period or the
//!   nearest period enclosing it ([`share_target`]).
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

/// An inclusive run of calendar months: a whole period, or the months of one that have
/// ended by a report's `as_of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Months {
    pub first: YearMonth,
    pub last: YearMonth,
}

impl Months {
    pub fn new(first: YearMonth, last: YearMonth) -> Option<Self> {
        (first <= last).then_some(Self { first, last })
    }

    pub fn range(self) -> std::ops::RangeInclusive<YearMonth> {
        self.first..=self.last
    }

    /// How many months the run holds.
    pub fn count(self) -> i64 {
        self.first.months_until(self.last) + 1
    }

    /// The same run `n` months later (earlier when negative).
    pub fn shift(self, n: i64) -> Option<Self> {
        Some(Self {
            first: self.first.offset(n)?,
            last: self.last.offset(n)?,
        })
    }

    /// The months in order.
    pub fn iter(self) -> impl Iterator<Item = YearMonth> {
        std::iter::successors(Some(self.first), move |m| {
            m.next().filter(|n| *n <= self.last)
        })
    }
}

impl From<Period> for Months {
    fn from(p: Period) -> Self {
        Self {
            first: p.first_month(),
            last: p.last_month(),
        }
    }
}

/// What a report of `period` as of a day compares: the months of the period that have
/// ended by then, and the same number of months a year earlier (`yoy`) and at the start of
/// the previous period of the same kind (`pop`) — never a part against a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub period: Period,
    /// The months of the period that have ended by `as_of`; `None` before the first ends.
    pub current: Option<Months>,
    /// Some months of the period have not ended by `as_of`.
    pub partial: bool,
}

impl Window {
    pub fn new(period: Period, as_of: Date) -> Self {
        let ended = period.months().take_while(|m| m.last_day() < as_of).last();
        Self {
            period,
            current: ended.and_then(|last| Months::new(period.first_month(), last)),
            partial: ended != Some(period.last_month()),
        }
    }

    /// The months of the period that count, in order (empty before the first ends).
    pub fn months_included(self) -> Vec<YearMonth> {
        self.current.map(|m| m.iter().collect()).unwrap_or_default()
    }

    /// The same months one year earlier.
    pub fn year_earlier(self) -> Option<Months> {
        self.current?.shift(-12)
    }

    /// As many months from the start of the previous period of the same kind.
    pub fn previous(self) -> Option<Months> {
        let cur = self.current?;
        let first = self.period.previous()?.first_month();
        Months::new(first, first.offset(cur.count() - 1)?)
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

pub fn sales(
    model: &PartnershipModel,
    scope: Scope<'_>,
    months: impl Into<Months>,
) -> Option<Sales> {
    let mut out = Sales {
        volume: 0,
        revenue: 0,
        months: 0,
    };
    for (_, data) in model.months.range(months.into().range()) {
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

/// Our sales over the months a comparison is made with: each month of the window that
/// has data, moved by `shift` months (−12 for yoy, minus the period's length for pop).
/// `None` unless every one of those months has data too: a base with a month missing
/// would compare a part with a whole.
pub fn comparable(
    model: &PartnershipModel,
    scope: Scope<'_>,
    window: Window,
    shift: i64,
) -> Option<Sales> {
    let reported = window
        .current?
        .iter()
        .filter(|m| model.months.contains_key(m));
    let mut total: Option<Sales> = None;
    for month in reported {
        let base = month.offset(shift)?;
        if !model.months.contains_key(&base) {
            return None;
        }
        if let Some(s) = sales(
            model,
            scope,
            Months {
                first: base,
                last: base,
            },
        ) {
            let t = total.get_or_insert(Sales {
                volume: 0,
                revenue: 0,
                months: 0,
            });
            t.volume += s.volume;
            t.revenue += s.revenue;
            t.months += s.months;
        }
    }
    total
}

/// The scope's volume share (ours ÷ market) over the months, exact: `None` without data.
pub fn volume_share(
    model: &PartnershipModel,
    scope: Scope<'_>,
    months: impl Into<Months>,
) -> Option<Ratio> {
    let months = months.into();
    let (ours, market) = sales(model, scope, months).zip(market(model, months))?;
    Ratio::new(ours.volume, market.0)
}

/// The market totals (all brands) over the submitted months, as (volume, revenue).
pub fn market(model: &PartnershipModel, months: impl Into<Months>) -> Option<(i128, i128)> {
    let mut months = model.months.range(months.into().range()).peekable();
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

/// The volume-share target of a scope, in hundredths of a point, from the active plans: the
/// one set for exactly the period, else the nearest enclosing period's (a share is no sum:
/// a year's 23 % is each of its halves' 23 % too). A partnership without an all-brands
/// share target has none; brand targets are not added up.
pub fn share_target(model: &PartnershipModel, scope: Scope<'_>, period: Period) -> Option<i128> {
    let brand = match scope {
        Scope::Sku(_) => return None,
        Scope::Brand(b) => Some(b),
        Scope::Partnership => None,
    };
    let enclosing = [
        Some(period),
        (period.kind().months() < PeriodKind::Quarter.months())
            .then(|| Period::containing(PeriodKind::Quarter, period.first_month())),
        (period.kind().months() < PeriodKind::Half.months())
            .then(|| Period::containing(PeriodKind::Half, period.first_month())),
        (period.kind().months() < PeriodKind::Year.months())
            .then(|| Period::containing(PeriodKind::Year, period.first_month())),
    ];
    enclosing.into_iter().flatten().find_map(|p| {
        model.active_plans_for(p.calendar_year()).find_map(|plan| {
            let t = plan.targets.get(&(brand.cloned(), p))?;
            t.volume_share.map(|s| i128::from(s.units()))
        })
    })
}

/// The latest month of the period with a line in scope, and the scope's closing stock then.
fn closing_stock(model: &PartnershipModel, scope: Scope<'_>, months: Months) -> Option<i128> {
    model.months.range(months.range()).rev().find_map(|(_, d)| {
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
pub fn price_index(model: &PartnershipModel, scope: Scope<'_>, months: Months) -> Option<Ratio> {
    let (mut num, mut den) = (0_i128, 0_i128);
    for (month, d) in model.months.range(months.range()) {
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

fn price_compliance(model: &PartnershipModel, scope: Scope<'_>, months: Months) -> Option<Ratio> {
    let (mut within, mut all) = (0_i128, 0_i128);
    let months = model.price_checks.range(months.range());
    for (sku, t) in months.flat_map(|(_, skus)| skus) {
        if scope.includes(model, sku) {
            within += i128::from(t.within);
            all += i128::from(t.count);
        }
    }
    Ratio::new(within, all)
}

/// Volume share per price class, over SKUs whose class is known.
fn class_mix(model: &PartnershipModel, scope: Scope<'_>, months: Months) -> Figure {
    let mut by_class: BTreeMap<u8, i128> = BTreeMap::new();
    for (_, d) in model.months.range(months.range()) {
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
pub fn forecast_accuracy(
    model: &PartnershipModel,
    scope: Scope<'_>,
    months: Months,
) -> Option<Ratio> {
    let (mut error, mut actual) = (0_i128, 0_i128);
    for (month, lines) in model.forecasts.range(months.range()) {
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

fn order_fill(model: &PartnershipModel, scope: Scope<'_>, months: Months) -> Option<Ratio> {
    let (mut received, mut ordered) = (0_i128, 0_i128);
    for (_, lines) in model.orders.range(months.range()) {
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
    months: Months,
    ratio: impl Fn(&crate::model::MonthData) -> Option<Ratio>,
) -> Option<Ratio> {
    let ratios: Vec<Ratio> = model
        .months
        .range(months.range())
        .filter(|(_, d)| d.lines.contains_key(sku))
        .filter_map(|(_, d)| ratio(d))
        .collect();
    mean(&ratios)
}

/// 鋪貨率: outlets stocking the SKU ÷ active outlets, the mean of the monthly ratios.
pub fn coverage(model: &PartnershipModel, sku: &SkuId, months: Months) -> Option<Ratio> {
    monthly_mean(model, sku, months, |d| {
        let l = d.lines.get(sku)?;
        Ratio::new(
            i128::from(l.outlets_stocking),
            i128::from(d.market.active_outlets),
        )
    })
}

/// 動銷率: outlets selling the SKU ÷ outlets stocking it, the mean of the monthly ratios.
pub fn active_selling(model: &PartnershipModel, sku: &SkuId, months: Months) -> Option<Ratio> {
    monthly_mean(model, sku, months, |d| {
        let l = d.lines.get(sku)?;
        Ratio::new(
            i128::from(l.outlets_selling),
            i128::from(l.outlets_stocking),
        )
    })
}

/// The submission deadline of a month: the 10th of the following month.
pub fn deadline(month: YearMonth) -> Option<Date> {
    let next = month.next()?;
    Date::new(next.year(), next.month(), 10).ok()
}

/// The deadline of a month whose punctuality counts: one that falls on or after the day
/// the partnership was signed. History loaded at signing was never due to it, so it is
/// never late (`None`).
pub fn counted_deadline(model: &PartnershipModel, month: YearMonth) -> Option<Date> {
    let deadline = deadline(month)?;
    let signed_on = model.info.as_ref().map(|i| i.signed_on);
    signed_on.is_none_or(|s| deadline >= s).then_some(deadline)
}

/// (on time, due) months of the period as of `as_of`, counted from the signing.
pub fn data_on_time(model: &PartnershipModel, period: Period, as_of: Date) -> (i128, i128) {
    let (mut on_time, mut due) = (0, 0);
    for month in period.months() {
        if month.last_day() >= as_of {
            continue;
        }
        let Some(deadline) = counted_deadline(model, month) else {
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
    let zone = model.time_zone();
    // The first instant after `as_of` on the partnership's calendar.
    let end_of_as_of = as_of.add_days(1).ok().map(|d| d.start_in(zone));
    let (mut on_time, mut decided) = (0_i128, 0_i128);
    for r in model.support_requests.values() {
        if !period.contains(r.opened_at.date_in(zone).year_month()) {
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
        .range(Months::from(period).range())
        .map(|(_, d)| i64::from(d.corrections))
        .sum()
}

/// Every market KPI of `docs/kpis.md` for `scope` over `period`, as of a day: the months of
/// the period that have ended by then (see [`Window`]).
pub fn market_kpis(
    model: &PartnershipModel,
    scope: Scope<'_>,
    period: Period,
    as_of: Date,
) -> Kpis {
    let window = Window::new(period, as_of);
    let mut k = Kpis::new();
    let cur = window.current.and_then(|m| sales(model, scope, m));
    let last_year = comparable(model, scope, window, -12);
    let previous = comparable(model, scope, window, -i64::from(period.month_count()));
    let mkt = window.current.and_then(|m| market(model, m));
    let vol = cur.map(|s| s.volume);
    let rev = cur.map(|s| s.revenue);

    k.insert("volume_cases", Figure::cases(vol));
    k.insert("revenue_yuan", Figure::yuan(rev));
    if matches!(scope, Scope::Partnership) {
        k.insert("market_volume_cases", Figure::cases(mkt.map(|m| m.0)));
        k.insert("market_revenue_yuan", Figure::yuan(mkt.map(|m| m.1)));
    }
    let volume_share = share(vol, mkt.map(|m| m.0));
    k.insert("volume_share_pct", Figure::percent(volume_share));
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
        let ts = share_target(model, scope, period);
        k.insert(
            "target_volume_share_pct",
            Figure::percent(ts.and_then(|t| Ratio::new(t, 10_000))),
        );
        k.insert(
            "volume_share_attainment_pct",
            Figure::percent(
                // (ours ÷ market) ÷ (t ÷ 10,000), t in hundredths of a point.
                volume_share.zip(ts).and_then(|(s, t)| {
                    Ratio::new(s.num().checked_mul(10_000)?, s.den().checked_mul(t)?)
                }),
            ),
        );
    }
    // Figures of the months that have ended; null while none has.
    let months = window.current;
    if !matches!(scope, Scope::Sku(_)) {
        k.insert(
            "class_mix",
            months.map_or(Figure::Null, |m| class_mix(model, scope, m)),
        );
    }
    let stock = months.and_then(|m| closing_stock(model, scope, m));
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
            Figure::percent(months.and_then(|m| coverage(model, sku, m))),
        );
        k.insert(
            "active_selling_pct",
            Figure::percent(months.and_then(|m| active_selling(model, sku, m))),
        );
    }
    k.insert(
        "price_index",
        Figure::ratio(months.and_then(|m| price_index(model, scope, m)?.times(100))),
    );
    k.insert(
        "price_compliance_pct",
        Figure::percent(months.and_then(|m| price_compliance(model, scope, m))),
    );
    k.insert(
        "forecast_accuracy_pct",
        Figure::percent(months.and_then(|m| forecast_accuracy(model, scope, m))),
    );
    k.insert(
        "order_fill_pct",
        Figure::percent(months.and_then(|m| order_fill(model, scope, m))),
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
