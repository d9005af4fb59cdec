//! An issued report read back from its frozen JSON (`docs/kpis.md`), so a version kept as
//! issued renders in every format without being computed again.

use synergy_proto::events::evaluation::ReportKind;
use synergy_proto::{Date, PartnershipId, Period, YearMonth};

use super::{Report, Row, SeriesPoint};
use crate::figure::Kpis;
use crate::json::Json;
use crate::layout::figure_of;

/// Every key a report's figures, rows and sections are named by: a frozen report names
/// nothing else, so a key outside this list is a body this build cannot read.
const KEYS: [&str; 53] = [
    "actions_open",
    "actions_overdue",
    "active_selling_pct",
    "campaign_tasks_done_pct",
    "class_mix",
    "closing_stock_cases",
    "corrections",
    "coverage_pct",
    "data_on_time_pct",
    "forecast_accuracy_pct",
    "forecast_bias_pct",
    "market_revenue_yuan",
    "market_volume_cases",
    "meetings_held",
    "meetings_scheduled",
    "order_fill_pct",
    "plan_attainment_pct",
    "price_compliance_pct",
    "price_index",
    "promises_due",
    "promises_kept",
    "revenue_attainment_pct",
    "revenue_per_case_yuan",
    "revenue_pop_pct",
    "revenue_share_pct",
    "revenue_yoy_pct",
    "revenue_yuan",
    "stock_to_sales",
    "support_on_time_pct",
    "target_revenue_yuan",
    "target_volume_cases",
    "target_volume_share_pct",
    "volume_attainment_pct",
    "volume_cases",
    "volume_pop_pct",
    "volume_share_attainment_pct",
    "volume_share_pct",
    "volume_yoy_pct",
    "submitted_on",
    "on_time",
    "revision",
    "name",
    "stage",
    "evaluation",
    "share_trend",
    "campaigns",
    "culture",
    "exceptions",
    "recommendations",
    "recommendations_followed_up",
    "action_items",
    "agenda",
    "value_realised",
];

/// Sections a report may carry besides [`KEYS`]' own (`months_missing`: an issued
/// version's months without market data, `crate::schedule::issuable`).
const MORE_SECTIONS: [&str; 2] = ["distributor_analysis", "months_missing"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the issued report cannot be read back: {0}")]
pub struct DecodeError(String);

fn known(key: &str) -> Result<&'static str, DecodeError> {
    KEYS.iter()
        .chain(&MORE_SECTIONS)
        .find(|k| **k == key)
        .copied()
        .ok_or_else(|| DecodeError(format!("unknown member {key:?}")))
}

fn text<'a>(json: &'a Json, key: &str) -> Result<&'a str, DecodeError> {
    match json.get(key) {
        Some(Json::String(s)) => Ok(s),
        _ => Err(DecodeError(format!("{key} is not a text"))),
    }
}

fn parsed<T: std::str::FromStr>(json: &Json, key: &str) -> Result<T, DecodeError> {
    text(json, key)?
        .parse()
        .map_err(|_| DecodeError(format!("{key} is not valid")))
}

fn kpis(members: &[(String, Json)]) -> Result<Kpis, DecodeError> {
    members
        .iter()
        .map(|(k, v)| {
            let key = known(k)?;
            let figure =
                figure_of(key, v).ok_or_else(|| DecodeError(format!("{key} is not a figure")))?;
            Ok((key, figure))
        })
        .collect()
}

fn array<'a>(json: &'a Json, key: &str) -> Result<&'a [Json], DecodeError> {
    match json.get(key) {
        Some(Json::Array(items)) => Ok(items),
        _ => Err(DecodeError(format!("{key} is not a list"))),
    }
}

fn object<'a>(json: &'a Json, key: &str) -> Result<&'a [(String, Json)], DecodeError> {
    match json.get(key) {
        Some(Json::Object(members)) => Ok(members),
        _ => Err(DecodeError(format!("{key} is not an object"))),
    }
}

fn rows(json: &Json, id_key: &'static str) -> Result<Vec<Row>, DecodeError> {
    let key = if id_key == "brand" { "brands" } else { "skus" };
    array(json, key)?
        .iter()
        .map(|row| {
            let Json::Object(members) = row else {
                return Err(DecodeError(format!("an entry of {key} is not an object")));
            };
            Ok(Row {
                id_key,
                id: text(row, id_key)?.to_owned(),
                kpis: kpis(object(row, "kpis")?)?,
                extra: members
                    .iter()
                    .filter(|(k, _)| k != id_key && k != "kpis")
                    .map(|(k, v)| Ok((known(k)?, v.clone())))
                    .collect::<Result<_, DecodeError>>()?,
            })
        })
        .collect()
}

/// The months of `series` or `series_prior_year` (`key`).
fn points(items: &[Json], key: &str) -> Result<Vec<SeriesPoint>, DecodeError> {
    items
        .iter()
        .map(|p| {
            let Json::Object(members) = p else {
                return Err(DecodeError(format!("a month of {key} is not an object")));
            };
            let values: Vec<(String, Json)> = members
                .iter()
                .filter(|(k, _)| k != "month")
                .cloned()
                .collect();
            Ok(SeriesPoint {
                month: parsed::<YearMonth>(p, "month")?,
                values: kpis(&values)?,
            })
        })
        .collect()
}

impl Report {
    /// The report a frozen body (its [`to_json`](Report::to_json)) was made from.
    pub fn from_json(json: &Json) -> Result<Report, DecodeError> {
        let Json::Object(members) = json else {
            return Err(DecodeError("not an object".into()));
        };
        let version = match json.get("version") {
            Some(Json::Null) | None => None,
            Some(Json::Number(n)) => Some(
                n.parse()
                    .map_err(|_| DecodeError("version is not a number".into()))?,
            ),
            _ => return Err(DecodeError("version is not a number".into())),
        };
        let series = points(array(json, "series")?, "series")?;
        // Bodies issued before reports carried the year before have none.
        let series_prior_year = match json.get("series_prior_year") {
            None => Vec::new(),
            Some(_) => points(array(json, "series_prior_year")?, "series_prior_year")?,
        };
        let months_included = array(json, "months_included")?
            .iter()
            .map(|m| match m {
                Json::String(s) => s
                    .parse::<YearMonth>()
                    .map_err(|_| DecodeError("months_included holds no month".into())),
                _ => Err(DecodeError("months_included holds no month".into())),
            })
            .collect::<Result<_, _>>()?;
        const HEAD: [&str; 12] = [
            "partnership",
            "period",
            "kind",
            "version",
            "as_of",
            "partial",
            "months_included",
            "kpis",
            "brands",
            "skus",
            "series",
            "series_prior_year",
        ];
        Ok(Report {
            partnership: parsed::<PartnershipId>(json, "partnership")?,
            period: parsed::<Period>(json, "period")?,
            kind: parsed::<ReportKind>(json, "kind")?,
            version,
            as_of: parsed::<Date>(json, "as_of")?,
            partial: json.get("partial") == Some(&Json::Bool(true)),
            months_included,
            kpis: kpis(object(json, "kpis")?)?,
            brands: rows(json, "brand")?,
            skus: rows(json, "sku")?,
            series,
            series_prior_year,
            sections: members
                .iter()
                .filter(|(k, _)| !HEAD.contains(&k.as_str()))
                .map(|(k, v)| Ok((known(k)?, v.clone())))
                .collect::<Result<_, DecodeError>>()?,
        })
    }
}
