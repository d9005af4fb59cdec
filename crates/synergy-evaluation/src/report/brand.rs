//! The brand report: per brand its stage, evaluation, monthly share trend, campaign
//! effects and culture activities.

use synergy_proto::events::evaluation::ReportKind;
use synergy_proto::{BrandId, Date, Period};

use super::{
    BRAND_KEYS, Report, brand_rows, empty, figure_json, monthly_series, pick, prior_year_series,
};
use crate::exact::Ratio;
use crate::figure::Figure;
use crate::json::Json;
use crate::kpi::{self, Scope};
use crate::model::{CampaignState, PartnershipModel, culture_kind_name};

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
    r.series_prior_year = prior_year_series(model, period, as_of);
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
            ("outcome".into(), outcome_json(c)),
        ]));
    }
    out
}

/// How a campaign closed, in lower case; null while it is open.
pub(super) fn outcome_json(c: &CampaignState) -> Json {
    c.closed.map_or(Json::Null, |(_, o)| {
        Json::str(format!("{o:?}").to_lowercase())
    })
}

/// Culture activities held in the period, counted per kind (by name): those for `brand`,
/// or all of them when `brand` is `None`.
pub(super) fn culture_json(
    model: &PartnershipModel,
    brand: Option<&BrandId>,
    period: Period,
) -> Json {
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
