//! Issued reports and restatements.
//!
//! Issuing freezes a report's JSON body as a version (an `EvaluationEvent::ReportIssued`).
//! When a later correction changes its inputs, the next version lists every figure that
//! changed — key, previous and current display value — so readers of version 1 see exactly
//! what moved. Earlier bodies stay in the model, readable for ever.

use std::collections::BTreeMap;

use synergy_proto::events::EvaluationEvent;
use synergy_proto::events::evaluation::Restatement;

use crate::json::{Json, JsonError};
use crate::model::PartnershipModel;
use crate::report::Report;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IssueError {
    /// The stored body of the previous version is not valid JSON (it was written by this
    /// crate, so this means the log or the model is damaged).
    #[error(
        "evaluation.issued_body_unreadable: the issued body of version {version} cannot be read: {source}"
    )]
    PreviousBodyUnreadable {
        version: u32,
        #[source]
        source: JsonError,
    },
    /// Issuing a live view needs a report without a version; one with a version is a copy.
    #[error(
        "evaluation.report_already_versioned: the report passed in already carries version {0}; pass the live report"
    )]
    AlreadyVersioned(u32),
}

/// Members that describe the issue itself rather than a figure.
const NOT_FIGURES: [&str; 2] = ["version", "as_of"];

/// Members that identify an array element, so rows are matched by identity, not position.
const IDENTITY: [&str; 9] = [
    "id",
    "brand",
    "sku",
    "month",
    "item",
    "topic",
    "campaign",
    "criterion",
    "period",
];

/// Flattens a report body into `key → display value` (None for null).
pub fn flatten(body: &Json) -> BTreeMap<String, Option<String>> {
    let mut out = BTreeMap::new();
    if let Json::Object(members) = body {
        for (k, v) in members {
            if !NOT_FIGURES.contains(&k.as_str()) {
                walk(k.clone(), v, &mut out);
            }
        }
    }
    out
}

fn walk(key: String, v: &Json, out: &mut BTreeMap<String, Option<String>>) {
    match v {
        Json::Null => {
            out.insert(key, None);
        }
        Json::Bool(b) => {
            out.insert(key, Some(b.to_string()));
        }
        Json::Number(n) | Json::String(n) => {
            out.insert(key, Some(n.clone()));
        }
        Json::Object(members) => {
            for (k, v) in members {
                walk(format!("{key}.{k}"), v, out);
            }
        }
        Json::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let id = IDENTITY.iter().find_map(|name| match item.get(name) {
                    Some(Json::String(s)) => Some(s.clone()),
                    _ => None,
                });
                let label = id.unwrap_or_else(|| i.to_string());
                match item {
                    // The identity member names the element; it is not itself a figure.
                    Json::Object(members) => {
                        for (k, v) in members {
                            if IDENTITY.contains(&k.as_str())
                                && matches!(v, Json::String(s) if *s == label)
                            {
                                continue;
                            }
                            walk(format!("{key}[{label}].{k}"), v, out);
                        }
                        if members.is_empty() {
                            out.insert(format!("{key}[{label}]"), Some("{}".into()));
                        }
                    }
                    other => walk(format!("{key}[{label}]"), other, out),
                }
            }
        }
    }
}

/// Every figure that differs between two report bodies, ordered by key. A figure that
/// appeared or disappeared has `None` on the side where it is missing.
pub fn restatements(previous: &Json, current: &Json) -> Vec<Restatement> {
    let (before, after) = (flatten(previous), flatten(current));
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|key| {
            let (p, c) = (
                before.get(key).cloned().flatten(),
                after.get(key).cloned().flatten(),
            );
            (p != c).then(|| Restatement {
                key: key.clone(),
                previous: p,
                current: c,
            })
        })
        .collect()
}

/// Parses two JSON bodies and diffs them.
pub fn restatements_between(previous: &str, current: &str) -> Result<Vec<Restatement>, JsonError> {
    Ok(restatements(
        &Json::parse(previous)?,
        &Json::parse(current)?,
    ))
}

/// A version a report was issued as: its number and its frozen body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Issued<'a> {
    pub version: u32,
    pub body: &'a str,
}

/// The `ReportIssued` event for the next version of `report` (a live report, version
/// `None`) after the latest version the model holds: version 1, or the previous version +
/// 1 with its restatements.
pub fn issue(model: &PartnershipModel, report: &Report) -> Result<EvaluationEvent, IssueError> {
    let previous = model
        .latest_issued(report.kind, report.period)
        .map(|p| Issued {
            version: p.version,
            body: &p.body,
        });
    issue_after(previous, report)
}

/// The `ReportIssued` event for the version of `report` (a live report) after `previous`,
/// the latest version issued: version 1 when there is none, else `previous` + 1 with the
/// figures that changed since it.
pub fn issue_after(
    previous: Option<Issued<'_>>,
    report: &Report,
) -> Result<EvaluationEvent, IssueError> {
    if let Some(v) = report.version {
        return Err(IssueError::AlreadyVersioned(v));
    }
    let version = previous.map_or(1, |p| p.version.saturating_add(1));
    let mut frozen = report.clone();
    frozen.version = Some(version);
    let body = frozen.to_json();
    let restatements = match previous {
        None => Vec::new(),
        Some(p) => {
            let before =
                Json::parse(p.body).map_err(|source| IssueError::PreviousBodyUnreadable {
                    version: p.version,
                    source,
                })?;
            restatements(&before, &body)
        }
    };
    Ok(EvaluationEvent::ReportIssued {
        kind: report.kind,
        period: report.period,
        version,
        body: body.to_text(),
        restatements,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_by_identity_not_position() {
        let a = Json::parse(
            r#"{"version":1,"as_of":"2008-07-15","kpis":{"v":15300,"s":22.63},"skus":[{"sku":"a","kpis":{"v":1}},{"sku":"b","kpis":{"v":2}}]}"#,
        )
        .unwrap();
        let b = Json::parse(
            r#"{"version":2,"as_of":"2008-08-01","kpis":{"v":15310,"s":null},"skus":[{"sku":"b","kpis":{"v":2}},{"sku":"c","kpis":{"v":3}}]}"#,
        )
        .unwrap();
        let r = restatements(&a, &b);
        let keys: Vec<(&str, Option<&str>, Option<&str>)> = r
            .iter()
            .map(|x| (x.key.as_str(), x.previous.as_deref(), x.current.as_deref()))
            .collect();
        assert_eq!(
            keys,
            [
                ("kpis.s", Some("22.63"), None),
                ("kpis.v", Some("15300"), Some("15310")),
                ("skus[a].kpis.v", Some("1"), None),
                ("skus[c].kpis.v", None, Some("3")),
            ]
        );
        assert!(restatements(&a, &a).is_empty());
    }
}
