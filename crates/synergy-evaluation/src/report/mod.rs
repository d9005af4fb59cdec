//! The four reports — market, brand, collaboration scorecard, review pack — for any period.
//!
//! A [`Report`] is built from the model alone (plus the `as_of` date for the figures that
//! depend on "today"), so the same model always gives the same report. Its JSON form is
//! the contract of `docs/kpis.md`: `partnership`, `period`, `kind`, `version`, `as_of`, `partial`,
//! `months_included`, `kpis`,
//! `brands`, `skus`, `series`, `series_prior_year`, then the report's own sections (brand details, exceptions,
//! action items, agenda).

mod brand;
pub(crate) mod decode;
mod exceptions;
mod market;
mod review;
mod scorecard;

use synergy_proto::events::evaluation::ReportKind;
use synergy_proto::{Date, PartnershipId, Period, YearMonth};

use crate::figure::{Figure, Kpis};
use crate::json::Json;
use crate::kpi::{self, Scope};
use crate::model::PartnershipModel;

pub use brand::brand_report;
pub use decode::DecodeError;
pub(crate) use exceptions::stock_to_sales_exact;
pub use exceptions::{Exception, exceptions, figure_text, judge as judge_exceptions};
pub use market::market_report;
pub use review::review_pack;
pub use scorecard::scorecard;

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
    /// The same months a year earlier (`PRIOR_YEAR_KEYS`), so a chart can draw last
    /// year's line beside this year's; empty where `series` is no market series.
    pub series_prior_year: Vec<SeriesPoint>,
    /// Sections after `series_prior_year`, in order (`exceptions`, `action_items`, `agenda`).
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
        series_prior_year: Vec::new(),
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

/// The brand report's KPIs, also the review pack's per brand.
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

/// What the year before's series carries: what the charts compare with.
const PRIOR_YEAR_KEYS: [&str; 2] = ["volume_cases", "volume_share_pct"];

fn pick(kpis: &Kpis, keys: &[&'static str]) -> Kpis {
    keys.iter()
        .filter_map(|k| kpis.get(k).map(|v| (*k, v.clone())))
        .collect()
}

fn monthly_series(model: &PartnershipModel, period: Period, as_of: Date) -> Vec<SeriesPoint> {
    month_points(model, period.months(), &SERIES_KEYS, as_of)
}

/// The months of `period` a year earlier, each with `PRIOR_YEAR_KEYS`.
fn prior_year_series(model: &PartnershipModel, period: Period, as_of: Date) -> Vec<SeriesPoint> {
    let months = period.months().filter_map(|m| m.offset(-12));
    month_points(model, months, &PRIOR_YEAR_KEYS, as_of)
}

fn month_points(
    model: &PartnershipModel,
    months: impl Iterator<Item = YearMonth>,
    keys: &[&'static str],
    as_of: Date,
) -> Vec<SeriesPoint> {
    months
        .map(|month| SeriesPoint {
            month,
            values: pick(
                &kpi::market_kpis(model, Scope::Partnership, Period::Month(month), as_of),
                keys,
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

/// The figure under `key` as JSON; null when `kpis` has none.
fn kpi_json(kpis: &Kpis, key: &str) -> Json {
    kpis.get(key).map_or(Json::Null, figure_json)
}

/// A count as a JSON figure.
fn count_json(n: impl TryInto<i64>) -> Json {
    figure_json(&Figure::count(n))
}

fn kpis_json(k: &Kpis) -> Json {
    Json::Object(
        k.iter()
            .map(|(key, v)| ((*key).to_owned(), figure_json(v)))
            .collect(),
    )
}

impl Row {
    /// The catalogue's name of a SKU row (`name` after its `kpis`), when known.
    pub fn name(&self) -> Option<&str> {
        self.extra.iter().find_map(|(k, v)| match (*k, v) {
            ("name", Json::String(name)) => Some(name.as_str()),
            _ => None,
        })
    }

    /// The report-specific members after `kpis`, named as in the JSON.
    fn extra_members(&self) -> impl Iterator<Item = (String, Json)> + '_ {
        self.extra.iter().map(|(k, v)| ((*k).to_owned(), v.clone()))
    }

    /// The report-specific members after `kpis`, as one JSON object.
    pub(crate) fn extra_json(&self) -> Json {
        Json::Object(self.extra_members().collect())
    }
}

impl Report {
    /// The JSON value (`docs/kpis.md`) of this report.
    pub fn to_json(&self) -> Json {
        let row = |r: &Row| {
            let mut members = vec![
                (r.id_key.to_owned(), Json::str(&r.id)),
                ("kpis".to_owned(), kpis_json(&r.kpis)),
            ];
            members.extend(r.extra_members());
            Json::Object(members)
        };
        let series = |points: &[SeriesPoint]| {
            Json::Array(
                points
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
            )
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
            ("series".to_owned(), series(&self.series)),
            (
                "series_prior_year".to_owned(),
                series(&self.series_prior_year),
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
