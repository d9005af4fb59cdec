//! The market report: every KPI at partnership level, per brand and per SKU (with its
//! catalogue name).

use synergy_proto::events::evaluation::ReportKind;
use synergy_proto::{Date, Period};

use super::{Report, Row, brand_rows, empty, monthly_series, prior_year_series};
use crate::json::Json;
use crate::kpi::{self, Scope};
use crate::model::PartnershipModel;

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
            // The catalogue's name beside the id, for people; a SKU seen only in market
            // data has none.
            extra: model
                .catalogue
                .get(sku)
                .map(|entry| ("name", Json::str(&entry.name)))
                .into_iter()
                .collect(),
        })
        .collect();
    r.series = monthly_series(model, period, as_of);
    r.series_prior_year = prior_year_series(model, period, as_of);
    r.sections = vec![(
        "recommendations",
        crate::recommend::section(model, period, as_of),
    )];
    r
}
