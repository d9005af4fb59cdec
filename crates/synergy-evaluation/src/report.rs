//! The four reports — market, brand, collaboration scorecard, review pack — for any period.
//!
//! A [`Report`] is built from the model alone (plus the `as_of` date for the figures that
//! depend on "today"), so the same model always gives the same report. Its JSON form is
//! the contract of `docs/kpis.md`: `partnership`, `period`, `kind`, `version`, `as_of`, `partial`,
//! `months_included`, `kpis`,
//! `brands`, `skus`, `series`, then the report's own sections (brand details, exceptions,
//! action items, agenda).

use std::cmp::Ordering;

use synergy_proto::events::evaluation::ReportKind;
use synergy_proto::{BrandId, Date, PartnershipId, Period, YearMonth};

use crate::exact::Ratio;
use crate::figure::{Figure, Kpis, Unit};
use crate::json::Json;
use crate::kpi::{self, Scope};
use crate::model::{PartnershipModel, culture_kind_name};

/// One entry of `brands` or `skus`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// `brand` or `sku`.
    pub id_key: &'static str,
    pub id: String,
    pub kpis: Kpis,
    /// Report-specific members after `kpis` (the brand report's stage, trend, campaigns).
    pub extra: Vec<(&'static str, Json)>,
}

/// One month of `series`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesPoint {
    pub month: YearMonth,
    pub values: Kpis,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub partnership: PartnershipId,
    pub period: Period,
    pub kind: ReportKind,
    /// The issued version, or `None` for a live view.
    pub version: Option<u32>,
    pub as_of: Date,
    /// Some months of the period had not ended by `as_of`: the figures are those of
    /// `months_included`, compared with as many months before (see [`kpi::Window`]).
    pub partial: bool,
    pub months_included: Vec<YearMonth>,
    pub kpis: Kpis,
    pub brands: Vec<Row>,
    pub skus: Vec<Row>,
    pub series: Vec<SeriesPoint>,
    /// Sections after `series`, in order (`exceptions`, `action_items`, `agenda`).
    pub sections: Vec<(&'static str, Json)>,
}

/// Builds the report of `kind`.
pub fn build(kind: ReportKind, model: &PartnershipModel, period: Period, as_of: Date) -> Report {
    match kind {
        ReportKind::Market => market_report(model, period, as_of),
        ReportKind::Brand => brand_report(model, period, as_of),
        ReportKind::Scorecard => scorecard(model, period, as_of),
        ReportKind::Review => review_pack(model, period, as_of),
    }
}

fn empty(model: &PartnershipModel, kind: ReportKind, period: Period, as_of: Date) -> Report {
    let window = kpi::Window::new(period, as_of);
    Report {
        partnership: model.partnership.clone(),
        period,
        kind,
        version: None,
        as_of,
        partial: window.partial,
        months_included: window.months_included(),
        kpis: Kpis::new(),
        brands: Vec::new(),
        skus: Vec::new(),
        series: Vec::new(),
        sections: Vec::new(),
    }
}

const SERIES_KEYS: [&str; 10] = [
    "volume_cases",
    "revenue_yuan",
    "market_volume_cases",
    "market_revenue_yuan",
    "volume_share_pct",
    "revenue_share_pct",
    "volume_yoy_pct",
    "target_volume_cases",
    "closing_stock_cases",
    "price_index",
];

fn pick(kpis: &Kpis, keys: &[&'static str]) -> Kpis {
    keys.iter()
        .filter_map(|k| kpis.get(k).map(|v| (*k, v.clone())))
        .collect()
}

fn monthly_series(model: &PartnershipModel, period: Period, as_of: Date) -> Vec<SeriesPoint> {
    period
        .months()
        .map(|month| SeriesPoint {
            month,
            values: pick(
                &kpi::market_kpis(model, Scope::Partnership, Period::Month(month), as_of),
                &SERIES_KEYS,
            ),
        })
        .collect()
}

fn brand_rows(
    model: &PartnershipModel,
    period: Period,
    as_of: Date,
    keys: Option<&[&'static str]>,
) -> Vec<Row> {
    model
        .brands
        .keys()
        .map(|brand| {
            let all = kpi::market_kpis(model, Scope::Brand(brand), period, as_of);
            Row {
                id_key: "brand",
                id: brand.to_string(),
                kpis: keys.map_or(all.clone(), |k| pick(&all, k)),
                extra: Vec::new(),
            }
        })
        .collect()
}

/// Every KPI at partnership level, per brand and per SKU, with the monthly series.
pub fn market_report(model: &PartnershipModel, period: Period, as_of: Date) -> Report {
    let mut r = empty(model, ReportKind::Market, period, as_of);
    r.kpis = kpi::market_kpis(model, Scope::Partnership, period, as_of);
    r.brands = brand_rows(model, period, as_of, None);
    r.skus = model
        .all_skus()
        .iter()
        .map(|sku| Row {
            id_key: "sku",
            id: sku.to_string(),
            kpis: kpi::market_kpis(model, Scope::Sku(sku), period, as_of),
            extra: Vec::new(),
        })
        .collect();
    r.series = monthly_series(model, period, as_of);
    r.sections = vec![(
        "recommendations",
        crate::recommend::section(model, period, as_of),
    )];
    r
}

const BRAND_KEYS: [&str; 10] = [
    "volume_cases",
    "revenue_yuan",
    "volume_share_pct",
    "revenue_share_pct",
    "volume_yoy_pct",
    "revenue_yoy_pct",
    "volume_pop_pct",
    "target_volume_cases",
    "volume_attainment_pct",
    "price_index",
];

/// Per brand: stage, evaluation, monthly share trend and campaign effects.
pub fn brand_report(model: &PartnershipModel, period: Period, as_of: Date) -> Report {
    let mut r = empty(model, ReportKind::Brand, period, as_of);
    r.kpis = pick(
        &kpi::market_kpis(model, Scope::Partnership, period, as_of),
        &BRAND_KEYS,
    );
    r.brands = brand_rows(model, period, as_of, Some(&BRAND_KEYS));
    let stage_day = period.last_month().last_day().min(as_of);
    for row in &mut r.brands {
        let Ok(brand) = BrandId::new(row.id.clone()) else {
            continue;
        };
        let state = model.brands.get(&brand);
        let stage = state
            .and_then(|s| s.stage_on(stage_day))
            .map_or(Json::Null, |s| Json::str(s.as_str()));
        let evaluation = state
            .and_then(|s| s.evaluations.get(&period))
            .map_or(Json::Null, |e| {
                Json::Object(vec![
                    ("overall".into(), Json::Number(e.overall.to_string())),
                    (
                        "scores".into(),
                        Json::Array(
                            e.scores
                                .iter()
                                .map(|s| {
                                    Json::Object(vec![
                                        ("criterion".into(), Json::str(&s.criterion)),
                                        ("score".into(), Json::Number(s.score.to_string())),
                                    ])
                                })
                                .collect(),
                        ),
                    ),
                    ("comment".into(), Json::str(&e.comment)),
                ])
            });
        let trend = period
            .months()
            .map(|m| {
                let share = kpi::volume_share(model, Scope::Brand(&brand), Period::Month(m));
                Json::Object(vec![
                    ("month".into(), Json::str(m.to_string())),
                    (
                        "volume_share_pct".into(),
                        figure_json(&Figure::percent(share)),
                    ),
                ])
            })
            .collect();
        row.extra = vec![
            ("stage", stage),
            ("evaluation", evaluation),
            ("share_trend", Json::Array(trend)),
            (
                "campaigns",
                Json::Array(campaign_effects(model, &brand, period)),
            ),
            ("culture", culture_json(model, Some(&brand), period)),
        ];
    }
    r.series = monthly_series(model, period, as_of);
    r
}

/// Campaigns of `brand` whose window overlaps the period: volume of the campaign's SKUs
/// in the months of the window vs the same months a year earlier. Market data is monthly,
/// so a window counts every month it touches.
fn campaign_effects(model: &PartnershipModel, brand: &BrandId, period: Period) -> Vec<Json> {
    let mut out = Vec::new();
    for (id, c) in &model.campaigns {
        if &c.brand != brand || !c.overlaps(period) {
            continue;
        }
        let (first, last) = (c.starts_on.year_month(), c.ends_on.year_month());
        let window_volume = |shift: i64| -> Option<i128> {
            let (from, to) = (first.offset(shift)?, last.offset(shift)?);
            let mut total = None;
            for (_, d) in model.months.range(from..=to) {
                for sku in &c.skus {
                    if let Some(l) = d.lines.get(sku) {
                        *total.get_or_insert(0) += i128::from(l.volume.units());
                    }
                }
            }
            total
        };
        let (now, before) = (window_volume(0), window_volume(-12));
        let effect = now.zip(before).and_then(|(n, b)| Ratio::new(n - b, b));
        out.push(Json::Object(vec![
            ("campaign".into(), Json::str(id.as_str())),
            ("title".into(), Json::str(&c.title)),
            (
                "skus".into(),
                Json::Array(c.skus.iter().map(|s| Json::str(s.as_str())).collect()),
            ),
            ("starts_on".into(), Json::str(c.starts_on.to_string())),
            ("ends_on".into(), Json::str(c.ends_on.to_string())),
            ("volume_cases".into(), figure_json(&Figure::cases(now))),
            (
                "year_before_volume_cases".into(),
                figure_json(&Figure::cases(before)),
            ),
            ("effect_pct".into(), figure_json(&Figure::percent(effect))),
            (
                "outcome".into(),
                c.closed.map_or(Json::Null, |(_, o)| {
                    Json::str(format!("{o:?}").to_lowercase())
                }),
            ),
        ]));
    }
    out
}

fn culture_json(model: &PartnershipModel, brand: Option<&BrandId>, period: Period) -> Json {
    let mut members: Vec<(String, Json)> = Vec::new();
    for ((month, b, kind), tally) in &model.culture {
        if period.contains(*month) && (brand.is_none() || b.as_ref() == brand) {
            let name = culture_kind_name(*kind).to_owned();
            let count = i64::from(tally.activities);
            match members.iter_mut().find(|(k, _)| *k == name) {
                Some((_, Json::Number(n))) => {
                    let prev: i64 = n.parse().unwrap_or(0);
                    *n = (prev + count).to_string();
                }
                _ => members.push((name, Json::Number(count.to_string()))),
            }
        }
    }
    members.sort_by(|a, b| a.0.cmp(&b.0));
    Json::Object(members)
}

/// The collaboration scorecard: how well the two sides worked together.
pub fn scorecard(model: &PartnershipModel, period: Period, as_of: Date) -> Report {
    let mut r = empty(model, ReportKind::Scorecard, period, as_of);
    let mut k = Kpis::new();
    kpi::collaboration_kpis(model, period, as_of, &mut k);
    let (held, scheduled) = kpi::meetings(model, period);
    k.insert("meetings_scheduled", Figure::count(scheduled));
    k.insert("meetings_held", Figure::count(held));
    k.insert(
        "corrections",
        Figure::count(kpi::corrections(model, period)),
    );
    let market = kpi::market_kpis(model, Scope::Partnership, period, as_of);
    for key in ["volume_attainment_pct", "revenue_attainment_pct"] {
        if let Some(v) = market.get(key) {
            k.insert(key, v.clone());
        }
    }
    r.kpis = k;
    r.series = period
        .months()
        .map(|month| {
            let mut values = Kpis::new();
            let data = model
                .months
                .get(&month)
                .filter(|d| d.first_submitted_on <= as_of);
            values.insert(
                "submitted_on",
                data.map_or(Figure::Null, |d| {
                    Figure::Text(d.first_submitted_on.to_string())
                }),
            );
            values.insert(
                "on_time",
                match (data, kpi::counted_deadline(model, month)) {
                    (Some(_), None) => Figure::Text("history".into()),
                    (Some(d), Some(deadline)) => Figure::Text(
                        if d.first_submitted_on <= deadline {
                            "yes"
                        } else {
                            "no"
                        }
                        .into(),
                    ),
                    _ => Figure::Null,
                },
            );
            values.insert(
                "revision",
                data.map_or(Figure::Null, |d| Figure::count(d.revision)),
            );
            values.insert(
                "corrections",
                data.map_or(Figure::Null, |d| Figure::count(d.corrections)),
            );
            SeriesPoint { month, values }
        })
        .collect();
    r
}

const HEADLINE_KEYS: [&str; 17] = [
    "volume_cases",
    "revenue_yuan",
    "volume_share_pct",
    "revenue_share_pct",
    "volume_yoy_pct",
    "revenue_yoy_pct",
    "volume_pop_pct",
    "target_volume_cases",
    "volume_attainment_pct",
    "price_index",
    "price_compliance_pct",
    "stock_to_sales",
    "data_on_time_pct",
    "actions_open",
    "actions_overdue",
    "meetings_held",
    "order_fill_pct",
];

/// The pack for a joint review meeting: headline KPIs, exceptions, open action items and
/// the seed's review agenda with the figures that answer each question.
pub fn review_pack(model: &PartnershipModel, period: Period, as_of: Date) -> Report {
    let mut r = empty(model, ReportKind::Review, period, as_of);
    let all = kpi::market_kpis(model, Scope::Partnership, period, as_of);
    r.kpis = pick(&all, &HEADLINE_KEYS);
    r.brands = brand_rows(model, period, as_of, Some(&BRAND_KEYS));
    r.series = monthly_series(model, period, as_of);
    r.sections = vec![
        ("exceptions", Json::Array(exceptions(model, period, as_of))),
        (
            "recommendations",
            crate::recommend::section(model, period, as_of),
        ),
        ("action_items", Json::Array(open_action_items(model, as_of))),
        (
            "agenda",
            Json::Array(agenda(model, period, as_of, &all, &r.brands)),
        ),
    ];
    r
}

fn exception(
    id: String,
    rule: &str,
    scope: &str,
    value: Figure,
    threshold: Figure,
    message: String,
) -> Json {
    Json::Object(vec![
        ("id".into(), Json::str(id)),
        ("rule".into(), Json::str(rule)),
        ("scope".into(), Json::str(scope)),
        ("value".into(), figure_json(&value)),
        ("threshold".into(), figure_json(&threshold)),
        ("message".into(), Json::str(message)),
    ])
}

fn above(value: Ratio, threshold_hundredths: i64) -> bool {
    Ratio::new(i128::from(threshold_hundredths), 100).and_then(|t| value.cmp_exact(t))
        == Some(Ordering::Greater)
}

fn below(value: Ratio, threshold_hundredths: i64) -> bool {
    Ratio::new(i128::from(threshold_hundredths), 100).and_then(|t| value.cmp_exact(t))
        == Some(Ordering::Less)
}

/// The review pack's exceptions, judged on exact values (never on rounded ones).
pub fn exceptions(model: &PartnershipModel, period: Period, as_of: Date) -> Vec<Json> {
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
            out.push(exception(
                format!("share_down:{name}"),
                "share_down",
                &name,
                Figure::points(before.minus(now).and_then(|d| d.times(-1))),
                Figure::Amount {
                    units: i128::from(rules.share_drop_points.units()),
                    unit: Unit::Points,
                },
                format!(
                    "volume share fell from {} to {}, more than {} points",
                    Figure::percent(Some(before)).human(),
                    Figure::percent(Some(now)).human(),
                    Figure::Amount {
                        units: i128::from(rules.share_drop_points.units()),
                        unit: Unit::Ratio
                    }
                    .human()
                ),
            ));
        }
        let target = kpi::scope_target(model, scope, period, kpi::volume_target);
        if let Some(att) = cur.zip(target).and_then(|(s, t)| Ratio::new(s.volume, t))
            && att
                .times(100)
                .is_some_and(|a| below(a, rules.min_volume_attainment.units()))
        {
            out.push(exception(
                format!("attainment_low:{name}"),
                "attainment_low",
                &name,
                Figure::percent(Some(att)),
                Figure::Amount {
                    units: i128::from(rules.min_volume_attainment.units()),
                    unit: Unit::Percent,
                },
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
            out.push(exception(
                format!("price_index:{name}"),
                "price_index",
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
            out.push(exception(
                format!("stock_high:{name}"),
                "stock_high",
                &name,
                Figure::ratio(Some(exact)),
                Figure::Amount {
                    units: i128::from(rules.max_stock_to_sales.units()),
                    unit: Unit::Ratio,
                },
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
            .months
            .get(&month)
            .map(|d| d.first_submitted_on)
            .filter(|d| *d <= as_of);
        let message = match submitted {
            Some(day) if day > deadline => {
                format!("{month} market data submitted {day}, after the deadline {deadline}")
            }
            None if deadline < as_of => {
                format!("{month} market data not submitted; it was due by {deadline}")
            }
            _ => continue,
        };
        out.push(exception(
            format!("data_late:{month}"),
            "data_late",
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
            out.push(exception(
                format!("action_overdue:{id}"),
                "action_overdue",
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

fn open_action_items(model: &PartnershipModel, as_of: Date) -> Vec<Json> {
    model
        .action_items
        .iter()
        .filter_map(|(id, item)| {
            let s = item.status_on(as_of).filter(|s| s.open)?;
            Some(Json::Object(vec![
                ("item".into(), Json::str(id.as_str())),
                ("title".into(), Json::str(&item.title)),
                ("owner".into(), Json::str(item.owner.as_str())),
                ("raised_on".into(), Json::str(item.raised_on.to_string())),
                ("due_on".into(), Json::str(s.due_on.to_string())),
                ("overdue".into(), Json::Bool(s.due_on < as_of)),
                (
                    "meeting".into(),
                    item.meeting
                        .as_ref()
                        .map_or(Json::Null, |m| Json::str(m.as_str())),
                ),
            ]))
        })
        .collect()
}

fn agenda_item(topic: &str, question: &str, data: Vec<(String, Json)>) -> Json {
    Json::Object(vec![
        ("topic".into(), Json::str(topic)),
        ("question".into(), Json::str(question)),
        ("data".into(), Json::Object(data)),
    ])
}

fn from_kpis(all: &Kpis, keys: &[&str]) -> Vec<(String, Json)> {
    keys.iter()
        .map(|k| ((*k).to_owned(), all.get(k).map_or(Json::Null, figure_json)))
        .collect()
}

/// The review questions the seed lists (創值銷售 review meeting), each with its figures.
fn agenda(
    model: &PartnershipModel,
    period: Period,
    as_of: Date,
    all: &Kpis,
    brand_rows: &[Row],
) -> Vec<Json> {
    let share_change = {
        let share_of = |p: Period| kpi::volume_share(model, Scope::Partnership, p);
        share_of(period)
            .zip(period.previous().and_then(share_of))
            .and_then(|(now, before)| now.minus(before))
    };
    let mut won = from_kpis(
        all,
        &["volume_yoy_pct", "revenue_yoy_pct", "volume_attainment_pct"],
    );
    won.push((
        "volume_share_change_points".into(),
        figure_json(&Figure::points(share_change)),
    ));
    let outcomes: Vec<Json> = model
        .campaigns
        .iter()
        .filter(|(_, c)| {
            c.closed
                .is_some_and(|(d, _)| period.contains(d.year_month()))
        })
        .map(|(id, c)| {
            Json::Object(vec![
                ("campaign".into(), Json::str(id.as_str())),
                (
                    "outcome".into(),
                    c.closed.map_or(Json::Null, |(_, o)| {
                        Json::str(format!("{o:?}").to_lowercase())
                    }),
                ),
            ])
        })
        .collect();
    won.push(("campaigns_closed".into(), Json::Array(outcomes)));

    let needs = from_kpis(
        all,
        &[
            "order_fill_pct",
            "forecast_accuracy_pct",
            "support_on_time_pct",
            "campaign_tasks_done_pct",
        ],
    );

    let mut next = Vec::new();
    if let Some(np) = period.next() {
        next.push(("next_period".into(), Json::str(np.to_string())));
        for (key, pick) in [
            (
                "next_target_volume_cases",
                kpi::volume_target as fn(&_) -> _,
            ),
            ("next_target_revenue_yuan", kpi::revenue_target),
        ] {
            let t = kpi::scope_target(model, Scope::Partnership, np, pick);
            let f = if key.ends_with("cases") {
                Figure::cases(t)
            } else {
                Figure::yuan(t)
            };
            next.push((key.into(), figure_json(&f)));
        }
        let same_last_year = np
            .same_period_last_year()
            .and_then(|p| kpi::sales(model, Scope::Partnership, p));
        next.push((
            "next_period_last_year_volume_cases".into(),
            figure_json(&Figure::cases(same_last_year.map(|s| s.volume))),
        ));
        // What the plan's share target for the next period takes (the planner).
        let share = kpi::share_target(model, Scope::Partnership, np);
        next.push((
            "next_target_volume_share_pct".into(),
            figure_json(&Figure::percent(share.and_then(|t| Ratio::new(t, 10_000)))),
        ));
        let gap =
            share.and_then(|t| i64::try_from(t).ok()).map(|t| {
                match crate::planner::share_gap(model, np, t) {
                    Ok(plan) => plan.to_json(model.partnership.as_str()),
                    Err(e) => Json::Object(vec![
                        ("code".into(), Json::str(e.code())),
                        ("message".into(), Json::str(e.to_string())),
                    ]),
                }
            });
        next.push(("share_gap".into(), gap.unwrap_or(Json::Null)));
    }

    let campaigns_in_period = model
        .campaigns
        .values()
        .filter(|c| c.overlaps(period))
        .count();
    let unique = vec![
        (
            "campaigns_in_period".into(),
            figure_json(&Figure::count(campaigns_in_period)),
        ),
        (
            "culture_activities".into(),
            culture_json(model, None, period),
        ),
        (
            "rulebooks_adopted".into(),
            figure_json(&Figure::count(
                model.info.as_ref().map_or(0, |i| i.rulebooks.len()),
            )),
        ),
        (
            "class_mix".into(),
            all.get("class_mix").map_or(Json::Null, figure_json),
        ),
    ];

    let pricing = from_kpis(
        all,
        &[
            "price_index",
            "price_compliance_pct",
            "revenue_per_case_yuan",
        ],
    );

    let forecast_months = model
        .forecasts
        .range(period.first_month()..=period.last_month())
        .count();
    let (held, _) = kpi::meetings(model, period);
    // A review of this period is usually held after it ends, so it counts here too.
    let reviews: Vec<_> = model
        .meetings
        .values()
        .filter(|m| m.held_on.is_some_and(|d| d <= as_of))
        .filter(|m| {
            m.period == Some(period) || m.held_on.is_some_and(|d| period.contains(d.year_month()))
        })
        .collect();
    let decisions: usize = reviews.iter().map(|m| m.decisions.len()).sum();
    let window = kpi::Window::new(period, as_of);
    let months_reported = window
        .current
        .map_or(0, |m| model.months.range(m.range()).count());
    let price_checks: u32 = window.current.map_or(0, |m| {
        model
            .price_checks
            .range(m.range())
            .flat_map(|(_, skus)| skus.values())
            .map(|t| t.count)
            .sum()
    });
    let mut gathered = from_kpis(all, &["data_on_time_pct"]);
    gathered.extend([
        (
            "months_reported".into(),
            figure_json(&Figure::count(months_reported)),
        ),
        (
            "months_included".into(),
            figure_json(&Figure::count(window.months_included().len())),
        ),
        (
            "corrections".into(),
            figure_json(&Figure::count(kpi::corrections(model, period))),
        ),
        (
            "forecast_months".into(),
            figure_json(&Figure::count(forecast_months)),
        ),
        (
            "price_checks".into(),
            figure_json(&Figure::count(price_checks)),
        ),
    ]);
    let actions_from_meetings = model
        .action_items
        .values()
        .filter(|i| i.meeting.is_some() && period.contains(i.raised_on.year_month()))
        .count();
    let shared = vec![
        ("meetings_held".into(), figure_json(&Figure::count(held))),
        (
            "meetings_on_this_period".into(),
            figure_json(&Figure::count(reviews.len())),
        ),
        (
            "decisions_recorded".into(),
            figure_json(&Figure::count(decisions)),
        ),
        (
            "action_items_from_meetings".into(),
            figure_json(&Figure::count(actions_from_meetings)),
        ),
    ];

    vec![
        agenda_item(
            "why_won_or_lost",
            "為什麼會贏，或者為什麼會輸 — why did we win or lose?",
            won,
        ),
        agenda_item(
            "needs_met",
            "所做的努力是否滿足了客戶的所有需求 — were all needs met?",
            needs,
        ),
        agenda_item(
            "next_target",
            "下一個目標是誰：現在的客戶還是潛在的客戶 — who is the next target: current or potential customers?",
            next,
        ),
        agenda_item(
            "focus",
            "我們把心思都放在了哪些客戶身上 — which customers did we focus on?",
            focus(model, period, as_of, brand_rows),
        ),
        agenda_item(
            "plan_unique",
            "我們的方案是不是獨一無二的 — is our plan unique?",
            unique,
        ),
        agenda_item(
            "pricing",
            "定價方案是不是考慮到了客戶最重視的部分 — does pricing serve what matters most?",
            pricing,
        ),
        agenda_item(
            "information_gathered",
            "客戶信息收集得如何 — how well was information gathered?",
            gathered,
        ),
        agenda_item(
            "information_shared",
            "收集的信息是不是交給了需要的部門 — did it reach those who need it?",
            shared,
        ),
    ]
}

/// Where the period's effort went against where the volume is: each brand's part of our
/// volume and its growth beside the campaigns and culture activities spent on it, largest
/// brand first (ties by id). `brand_rows` are the pack's `brands`, one per brand in id order.
fn focus(
    model: &PartnershipModel,
    period: Period,
    as_of: Date,
    brand_rows: &[Row],
) -> Vec<(String, Json)> {
    let window = kpi::Window::new(period, as_of);
    let ours = window
        .current
        .and_then(|m| kpi::sales(model, Scope::Partnership, m))
        .map(|s| s.volume);
    let mut brands: Vec<(i128, Json)> = model
        .brands
        .keys()
        .zip(brand_rows)
        .map(|(brand, row)| {
            let kpis = &row.kpis;
            let volume = window
                .current
                .and_then(|m| kpi::sales(model, Scope::Brand(brand), m))
                .map(|s| s.volume);
            let campaigns = model
                .campaigns
                .values()
                .filter(|c| &c.brand == brand && c.overlaps(period))
                .count();
            let culture: u32 = model
                .culture
                .iter()
                .filter(|((month, b, _), _)| period.contains(*month) && b.as_ref() == Some(brand))
                .map(|(_, t)| t.activities)
                .sum();
            let part = volume.zip(ours).and_then(|(v, o)| Ratio::new(v, o));
            let entry = Json::Object(vec![
                ("brand".into(), Json::str(brand.as_str())),
                (
                    "part_of_our_volume_pct".into(),
                    figure_json(&Figure::percent(part)),
                ),
                (
                    "volume_yoy_pct".into(),
                    kpis.get("volume_yoy_pct").map_or(Json::Null, figure_json),
                ),
                (
                    "volume_share_pct".into(),
                    kpis.get("volume_share_pct").map_or(Json::Null, figure_json),
                ),
                ("campaigns".into(), figure_json(&Figure::count(campaigns))),
                (
                    "culture_activities".into(),
                    figure_json(&Figure::count(culture)),
                ),
            ]);
            (volume.unwrap_or(0), entry)
        })
        .collect();
    // Stable: brands come in id order, so equal volumes keep it.
    brands.sort_by_key(|b| std::cmp::Reverse(b.0));
    vec![(
        "brands".into(),
        Json::Array(brands.into_iter().map(|(_, row)| row).collect()),
    )]
}

/// A figure as JSON: amounts as exact numbers, null as null, texts as strings.
pub fn figure_json(f: &Figure) -> Json {
    match f {
        Figure::Null => Json::Null,
        Figure::Amount { .. } | Figure::Count(_) => f.plain().map_or(Json::Null, Json::Number),
        Figure::Text(t) => Json::str(t),
        Figure::Mix(m) => {
            Json::Object(m.iter().map(|(k, v)| (k.clone(), figure_json(v))).collect())
        }
    }
}

fn kpis_json(k: &Kpis) -> Json {
    Json::Object(
        k.iter()
            .map(|(key, v)| ((*key).to_owned(), figure_json(v)))
            .collect(),
    )
}

impl Report {
    /// The JSON value (`docs/kpis.md`) of this report.
    pub fn to_json(&self) -> Json {
        let row = |r: &Row| {
            let mut members = vec![
                (r.id_key.to_owned(), Json::str(&r.id)),
                ("kpis".to_owned(), kpis_json(&r.kpis)),
            ];
            members.extend(r.extra.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
            Json::Object(members)
        };
        let mut members = vec![
            (
                "partnership".to_owned(),
                Json::str(self.partnership.as_str()),
            ),
            ("period".to_owned(), Json::str(self.period.to_string())),
            ("kind".to_owned(), Json::str(self.kind.as_str())),
            (
                "version".to_owned(),
                self.version
                    .map_or(Json::Null, |v| Json::Number(v.to_string())),
            ),
            ("as_of".to_owned(), Json::str(self.as_of.to_string())),
            ("partial".to_owned(), Json::Bool(self.partial)),
            (
                "months_included".to_owned(),
                Json::Array(
                    self.months_included
                        .iter()
                        .map(|m| Json::str(m.to_string()))
                        .collect(),
                ),
            ),
            ("kpis".to_owned(), kpis_json(&self.kpis)),
            (
                "brands".to_owned(),
                Json::Array(self.brands.iter().map(row).collect()),
            ),
            (
                "skus".to_owned(),
                Json::Array(self.skus.iter().map(row).collect()),
            ),
            (
                "series".to_owned(),
                Json::Array(
                    self.series
                        .iter()
                        .map(|p| {
                            let mut m = vec![("month".to_owned(), Json::str(p.month.to_string()))];
                            m.extend(
                                p.values
                                    .iter()
                                    .map(|(k, v)| ((*k).to_owned(), figure_json(v))),
                            );
                            Json::Object(m)
                        })
                        .collect(),
                ),
            ),
        ];
        members.extend(
            self.sections
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone())),
        );
        Json::Object(members)
    }
}
