//! The review pack: headline KPIs, exceptions, open action items, the review agenda, the
//! value campaigns realised against their promises and the distributor's written analysis.

use synergy_proto::events::evaluation::ReportKind;
use synergy_proto::{Date, Period, PeriodKind};

use super::brand::{culture_json, outcome_json};
use super::{
    BRAND_KEYS, Report, Row, brand_rows, count_json, empty, exceptions, figure_json, kpi_json,
    monthly_series, pick, prior_year_series,
};
use crate::exact::Ratio;
use crate::figure::{Figure, Kpis};
use crate::json::Json;
use crate::kpi::{self, Scope};
use crate::model::PartnershipModel;

/// The headline KPIs after the brand ones ([`BRAND_KEYS`]): prices, stock and how the
/// two sides worked together.
const HEADLINE_KEYS_AFTER_BRAND: [&str; 7] = [
    "price_compliance_pct",
    "stock_to_sales",
    "data_on_time_pct",
    "actions_open",
    "actions_overdue",
    "meetings_held",
    "order_fill_pct",
];

/// The pack for a joint review meeting: headline KPIs, exceptions, open action items, the
/// seed's review agenda with the figures that answer each question, the value campaigns
/// realised against their promises, and the distributor's analysis of the period.
pub fn review_pack(model: &PartnershipModel, period: Period, as_of: Date) -> Report {
    let mut r = empty(model, ReportKind::Review, period, as_of);
    let all = kpi::market_kpis(model, Scope::Partnership, period, as_of);
    r.kpis = pick(
        &all,
        &[&BRAND_KEYS[..], &HEADLINE_KEYS_AFTER_BRAND].concat(),
    );
    r.brands = brand_rows(model, period, as_of, Some(&BRAND_KEYS));
    r.series = monthly_series(model, period, as_of);
    r.series_prior_year = prior_year_series(model, period, as_of);
    r.sections = vec![
        ("exceptions", Json::Array(exceptions(model, period, as_of))),
        (
            "recommendations",
            crate::recommend::section(model, period, as_of),
        ),
        (
            "recommendations_followed_up",
            crate::recommend::followed_up(model, period, as_of),
        ),
        ("action_items", Json::Array(open_action_items(model, as_of))),
        (
            "agenda",
            Json::Array(agenda(model, period, as_of, &all, &r.brands)),
        ),
        ("value_realised", value_realised(model, period, as_of)),
        (
            "distributor_analysis",
            Json::Array(distributor_analysis(model, period, as_of)),
        ),
    ];
    r
}

/// 創值: every campaign whose promised months touch the period, with what it realised.
fn value_realised(model: &PartnershipModel, period: Period, as_of: Date) -> Json {
    Json::Array(
        crate::value::promises_in(model, period, as_of)
            .iter()
            .map(crate::value::ValueRealised::to_json)
            .collect(),
    )
}

/// The distributor's analyses the pack shows: a month's or quarter's own, and for a half
/// or a year those of its quarters and months, each month before the quarter it closes.
/// An analysis first submitted after `as_of` is not known yet; one known shows the
/// revision in force.
fn distributor_analysis(model: &PartnershipModel, period: Period, as_of: Date) -> Vec<Json> {
    let mut shown: Vec<_> = model
        .analyses
        .iter()
        .filter(|(p, a)| {
            let inside = match period.kind() {
                PeriodKind::Month | PeriodKind::Quarter => **p == period,
                PeriodKind::Half | PeriodKind::Year => period.covers(**p),
            };
            inside && a.first_submitted_on <= as_of
        })
        .collect();
    shown.sort_by_key(|(p, _)| p.by_end());
    shown
        .into_iter()
        .map(|(p, a)| {
            Json::Object(vec![
                ("period".into(), Json::str(p.to_string())),
                ("revision".into(), count_json(a.revision)),
                ("submitted_on".into(), Json::str(a.submitted_on.to_string())),
                (
                    "reason".into(),
                    a.reason.as_ref().map_or(Json::Null, Json::str),
                ),
                ("text".into(), Json::str(&a.text)),
            ])
        })
        .collect()
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
        .map(|k| ((*k).to_owned(), kpi_json(all, k)))
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
                ("outcome".into(), outcome_json(c)),
            ])
        })
        .collect();
    won.push(("campaigns_closed".into(), Json::Array(outcomes)));
    // Did the campaigns create the value they promised (創值)? The pack's `value_realised`
    // has each one.
    let (due, kept) = crate::value::promises_kept(model, period, as_of);
    won.push(("promises_due".into(), count_json(due)));
    won.push(("promises_kept".into(), count_json(kept)));

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
            count_json(campaigns_in_period),
        ),
        (
            "culture_activities".into(),
            culture_json(model, None, period),
        ),
        (
            "rulebooks_adopted".into(),
            count_json(model.info.as_ref().map_or(0, |i| i.rulebooks.len())),
        ),
        ("class_mix".into(), kpi_json(all, "class_mix")),
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
        ("months_reported".into(), count_json(months_reported)),
        (
            "months_included".into(),
            count_json(window.months_included().len()),
        ),
        (
            "corrections".into(),
            count_json(kpi::corrections(model, period)),
        ),
        ("forecast_months".into(), count_json(forecast_months)),
        ("price_checks".into(), count_json(price_checks)),
    ]);
    let actions_from_meetings = model
        .action_items
        .values()
        .filter(|i| i.meeting.is_some() && period.contains(i.raised_on.year_month()))
        .count();
    let shared = vec![
        ("meetings_held".into(), count_json(held)),
        ("meetings_on_this_period".into(), count_json(reviews.len())),
        ("decisions_recorded".into(), count_json(decisions)),
        (
            "action_items_from_meetings".into(),
            count_json(actions_from_meetings),
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
                ("volume_yoy_pct".into(), kpi_json(kpis, "volume_yoy_pct")),
                (
                    "volume_share_pct".into(),
                    kpi_json(kpis, "volume_share_pct"),
                ),
                ("campaigns".into(), count_json(campaigns)),
                ("culture_activities".into(), count_json(culture)),
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
