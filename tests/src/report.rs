//! Reading `report --format json` (docs/kpis.md) with exact figures.
//!
//! Report numbers are decimals with at most 3 places; they are read from their JSON text
//! into thousandths, so an expected integer sum is compared exactly, never as a float.

use anyhow::{Context as _, anyhow, bail};
use serde_json::Value;

/// A parsed JSON report.
#[derive(Debug, Clone)]
pub struct Report {
    pub json: Value,
}

impl Report {
    pub fn parse(text: &str) -> anyhow::Result<Report> {
        let json = serde_json::from_str(text)
            .with_context(|| format!("the report is not JSON:\n{text}"))?;
        Ok(Report { json })
    }

    /// A partnership KPI in thousandths; `None` when the report states `null`.
    pub fn kpi(&self, key: &str) -> anyhow::Result<Option<i128>> {
        figure(&self.json["kpis"], key)
    }

    /// A KPI that must be present, in thousandths.
    pub fn must(&self, key: &str) -> anyhow::Result<i128> {
        self.kpi(key)?
            .ok_or_else(|| anyhow!("kpis.{key} is null in {}", self.json["period"]))
    }

    /// A SKU's KPI in thousandths.
    pub fn sku_kpi(&self, sku: &str, key: &str) -> anyhow::Result<Option<i128>> {
        let entry = self.json["skus"]
            .as_array()
            .and_then(|a| a.iter().find(|e| e["sku"] == sku))
            .with_context(|| format!("no sku {sku} in the report"))?;
        figure(&entry["kpis"], key)
    }

    /// The `series` entry of `month` (`YYYY-MM`): one of its figures in thousandths.
    pub fn series(&self, month: &str, key: &str) -> anyhow::Result<Option<i128>> {
        let entry = self.json["series"]
            .as_array()
            .and_then(|a| a.iter().find(|e| e["month"] == month))
            .with_context(|| format!("no series entry for {month}"))?;
        figure(entry, key)
    }

    /// The months listed in `series`.
    pub fn series_months(&self) -> Vec<String> {
        self.json["series"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e["month"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Whole units as thousandths, for comparisons.
pub fn units(n: u64) -> i128 {
    i128::from(n) * 1000
}

fn figure(object: &Value, key: &str) -> anyhow::Result<Option<i128>> {
    match object.get(key) {
        None => bail!("no figure {key} in {object}"),
        Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => thousandths(&n.to_string())
            .map(Some)
            .with_context(|| format!("{key} = {n}")),
        Some(other) => bail!("{key} is not a number: {other}"),
    }
}

/// `"123.45"` → 123450. Accepts what serde_json prints for a number (no exponents at the
/// magnitudes reports hold; an exponent is an error, not a guess).
pub fn thousandths(text: &str) -> anyhow::Result<i128> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        bail!("{text:?} is not a plain decimal");
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        bail!("{text:?} is not a plain decimal");
    }
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > 3 {
        bail!("{text:?} has more than 3 decimals");
    }
    let whole: i128 = whole.parse()?;
    let frac: i128 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<3}").parse()?
    };
    let value = whole * 1000 + frac;
    Ok(if negative { -value } else { value })
}

/// `n` with thousands separated by commas, as the reports print whole cases.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Cases as the 简体中文 report prints them: from 10,000 in 万箱, 2 decimals rounded half
/// up.
pub fn in_wan(n: u64) -> String {
    if n < 10_000 {
        return grouped(n);
    }
    let hundredths = (n + 50) / 100;
    format!("{}.{:02} 万箱", grouped(hundredths / 100), hundredths % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_read_exactly() {
        assert_eq!(thousandths("123434331.0").unwrap(), 123_434_331_000);
        assert_eq!(thousandths("0.79").unwrap(), 790);
        assert_eq!(thousandths("-12.5").unwrap(), -12_500);
        assert_eq!(thousandths("8676").unwrap(), 8_676_000);
        assert!(thousandths("1e21").is_err());
        assert!(thousandths("0.0001").is_err());
    }

    #[test]
    fn figures_and_nulls() {
        let r = Report::parse(
            r#"{"period":"2008","kpis":{"volume_cases":8676,"revenue_yuan":1.50,"target_volume_cases":null},
                "skus":[{"sku":"a","kpis":{"volume_cases":12.345}}],
                "series":[{"month":"2008-01","volume_cases":3}]}"#,
        )
        .unwrap();
        assert_eq!(r.must("volume_cases").unwrap(), 8_676_000);
        assert_eq!(r.kpi("revenue_yuan").unwrap(), Some(1500));
        assert_eq!(r.kpi("target_volume_cases").unwrap(), None);
        assert!(r.must("target_volume_cases").is_err());
        assert!(r.kpi("missing").is_err());
        assert_eq!(r.sku_kpi("a", "volume_cases").unwrap(), Some(12_345));
        assert_eq!(r.series("2008-01", "volume_cases").unwrap(), Some(3000));
        assert_eq!(r.series_months(), vec!["2008-01"]);
    }
}
