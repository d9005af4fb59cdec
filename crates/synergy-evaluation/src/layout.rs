//! A report laid out for people: headings, tables with labelled columns and the
//! distributor's written analyses, in the order a reader goes through them. Markdown, HTML
//! and XLSX all print this one layout, so they never disagree on what a column holds.
//!
//! Sections are JSON in the report (the contract of `docs/kpis.md`); here every member is
//! put under a label and every number is read back into a [`Figure`] by its key's unit, so
//! no raw key or `true`/`false` reaches a reader.

use synergy_proto::events::evaluation::ReportKind;

use crate::figure::{Figure, Kpis, Unit};
use crate::json::Json;
use crate::locale::Texts;
use crate::report::{Report, Row, SeriesPoint};

/// One cell: a figure (printed by its unit; a number in a spreadsheet) or a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Figure {
        figure: Figure,
        /// A change (yoy, pop): printed with its sign.
        signed: bool,
    },
    Text(String),
}

impl Cell {
    pub(crate) fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    fn figure(key: &str, figure: Figure) -> Cell {
        Cell::Figure {
            figure,
            signed: key.ends_with("_yoy_pct") || key.ends_with("_pop_pct"),
        }
    }

    /// What a reader of `t`'s language sees.
    pub fn show(&self, t: &Texts) -> String {
        match self {
            Cell::Figure { figure, signed } => t.figure(figure, *signed),
            Cell::Text(text) => text.clone(),
        }
    }

    pub fn is_number(&self) -> bool {
        matches!(
            self,
            Cell::Figure {
                figure: Figure::Amount { .. } | Figure::Count(_),
                ..
            }
        )
    }
}

/// A table with a title (a spreadsheet's sheet name) and labelled columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub title: String,
    pub head: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A heading of level 1 (the title) to 4.
    Heading(u8, String),
    Table(Table),
    /// A line of text.
    Text(String),
    /// A distributor's analysis: its heading, the revision's reason and its Markdown,
    /// shown as written.
    Analysis {
        id: String,
        heading: String,
        reason: Option<String>,
        text: String,
    },
    /// Where the HTML page puts its charts.
    Charts,
}

/// How wide tables are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    /// Split by theme (sales, change, targets…) so each fits a printed page.
    Page,
    /// One table with every column (a spreadsheet scrolls).
    Sheet,
}

/// The order a person reads KPIs in (`docs/kpis.md`'s table), in themes: a wide brand or
/// SKU table is split at these, each part repeating the row's name.
const THEMES: [(&str, &[&str]); 5] = [
    (
        "theme-sales",
        &[
            "volume_cases",
            "revenue_yuan",
            "market_volume_cases",
            "market_revenue_yuan",
            "volume_share_pct",
            "revenue_share_pct",
            "revenue_per_case_yuan",
        ],
    ),
    (
        "theme-change",
        &[
            "volume_yoy_pct",
            "revenue_yoy_pct",
            "volume_pop_pct",
            "revenue_pop_pct",
        ],
    ),
    (
        "theme-targets",
        &[
            "target_volume_cases",
            "volume_attainment_pct",
            "target_revenue_yuan",
            "revenue_attainment_pct",
            "target_volume_share_pct",
            "volume_share_attainment_pct",
            "plan_attainment_pct",
        ],
    ),
    (
        "theme-stock",
        &[
            "closing_stock_cases",
            "stock_to_sales",
            "coverage_pct",
            "active_selling_pct",
            "price_index",
            "price_compliance_pct",
        ],
    ),
    (
        "theme-collaboration",
        &[
            "forecast_accuracy_pct",
            "forecast_bias_pct",
            "order_fill_pct",
            "data_on_time_pct",
            "corrections",
            "meetings_scheduled",
            "meetings_held",
            "actions_open",
            "actions_overdue",
            "campaign_tasks_done_pct",
            "support_on_time_pct",
            "promises_due",
            "promises_kept",
            "submitted_on",
            "on_time",
            "revision",
        ],
    ),
];

/// Up to this many figure columns a table is printed whole.
const PAGE_COLUMNS: usize = 8;

fn rank(key: &str) -> (usize, usize) {
    THEMES
        .iter()
        .enumerate()
        .find_map(|(t, (_, keys))| keys.iter().position(|k| *k == key).map(|i| (t, i)))
        .unwrap_or((THEMES.len(), 0))
}

/// `keys` in reading order, unknown ones last by name.
fn in_reading_order<'a>(keys: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut keys: Vec<&str> = keys.collect();
    keys.sort_by(|a, b| rank(a).cmp(&rank(b)).then(a.cmp(b)));
    keys
}

/// The unit a number under `key` is printed in, as the reports name their keys
/// (`docs/kpis.md`): `None` for a count.
pub fn unit_of(key: &str) -> Option<Unit> {
    if key.ends_with("_points") {
        Some(Unit::Points)
    } else if key.ends_with("_pct") {
        Some(Unit::Percent)
    } else if key.ends_with("_cases") {
        Some(Unit::Cases)
    } else if key.ends_with("_yuan") {
        Some(Unit::Yuan)
    } else if key.ends_with("stock_to_sales") || key == "price_index" || key == "overall" {
        Some(Unit::Ratio)
    } else {
        None
    }
}

/// `"1200.5"` as units of `10^-scale` (`1200500` at 3); `None` when it has more decimals
/// or is no decimal number.
pub fn parse_units(text: &str, scale: u32) -> Option<i128> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !all_digits(int) || !all_digits(frac) || frac.len() > scale as usize {
        return None;
    }
    if int.len() > 30 {
        return None;
    }
    let mut units: i128 = int.parse().ok()?;
    for i in 0..scale as usize {
        let d = frac.as_bytes().get(i).map_or(0, |b| i128::from(b - b'0'));
        units = units.checked_mul(10)?.checked_add(d)?;
    }
    Some(if negative { -units } else { units })
}

/// The JSON value of a report's figure under `key` read back into that figure.
pub fn figure_of(key: &str, value: &Json) -> Option<Figure> {
    match value {
        Json::Null => Some(Figure::Null),
        Json::String(s) => Some(Figure::Text(s.clone())),
        Json::Number(n) => match unit_of(key) {
            Some(unit) => parse_units(n, unit.scale()).map(|units| Figure::Amount { units, unit }),
            None => n.parse().ok().map(Figure::Count),
        },
        // A mix (class_mix) is a percentage per class.
        Json::Object(members) => members
            .iter()
            .map(|(k, v)| Some((k.clone(), figure_of("mix_pct", v)?)))
            .collect::<Option<_>>()
            .map(Figure::Mix),
        _ => None,
    }
}

/// A word the reports carry as a value (a side, an outcome, a stage…) in the reader's
/// language; any other text as it is.
fn word(t: &Texts, key: &str, value: &str) -> String {
    let kind = match key {
        "owner" | "by" => "side",
        "outcome" => "outcome",
        "stage" => "stage",
        "status" => "status",
        "item_status" => "standing",
        "scope" => "scope",
        // An exception's (`data_late`) or a recommendation's (`data.late`) rule.
        "rule" => "rule",
        _ => return value.to_owned(),
    };
    t.get(&format!("{kind}-{}", value.replace('.', "-")), &[])
        .unwrap_or_else(|| value.to_owned())
}

/// A value of a member for people: booleans as yes/no, numbers by their key's unit, a list
/// of texts joined, a small object as `label value` pairs.
fn cell(t: &Texts, key: &str, value: &Json) -> Cell {
    match value {
        Json::Bool(true) => Cell::text(t.text("yes")),
        Json::Bool(false) => Cell::text(t.text("no")),
        Json::Null => Cell::text("—"),
        Json::Number(_) => figure_of(key, value).map_or_else(
            || Cell::text(crate::render::scalar(value)),
            |f| Cell::figure(key, f),
        ),
        Json::String(s) => Cell::text(word(t, key, s)),
        Json::Array(items) => Cell::text(if items.is_empty() {
            "—".to_owned()
        } else {
            items
                .iter()
                .map(|i| cell(t, key, i).show(t))
                .collect::<Vec<_>>()
                .join(", ")
        }),
        Json::Object(members) if members.is_empty() => Cell::text("—"),
        Json::Object(members) => Cell::text(
            members
                .iter()
                .map(|(k, v)| {
                    // A mix's members are price classes, not keys.
                    if key == "class_mix" {
                        let class = t.get("price-class", &[("class", k)]).unwrap_or_default();
                        return format!("{class} {}", cell(t, "mix_pct", v).show(t));
                    }
                    format!("{} {}", t.label(k), cell(t, k, v).show(t))
                })
                .collect::<Vec<_>>()
                .join(" · "),
        ),
    }
}

/// Rows of objects as a table; `first` names the columns to show first, in order, the
/// others following as they come; `standing` is said from `overdue`.
fn object_table(t: &Texts, title: &str, items: &[Json], first: &[&str]) -> Table {
    let mut keys: Vec<String> = first.iter().map(|k| (*k).to_owned()).collect();
    for item in items {
        if let Json::Object(members) = item {
            for (k, _) in members {
                if !keys.contains(k) {
                    keys.push(k.clone());
                }
            }
        }
    }
    keys.retain(|k| {
        items.iter().any(|i| i.get(k).is_some()) || (k == "standing" && first.contains(&"standing"))
    });
    let rows = items
        .iter()
        .map(|item| {
            keys.iter()
                .map(|k| match (k.as_str(), item.get(k)) {
                    ("standing", _) => Cell::text(match item.get("overdue") {
                        Some(Json::Bool(true)) => t.text("standing-overdue"),
                        _ => t.text("standing-open"),
                    }),
                    (_, Some(v)) => cell(t, k, v),
                    (_, None) => Cell::text("—"),
                })
                .collect()
        })
        .collect();
    Table {
        title: title.to_owned(),
        head: keys.iter().map(|k| t.label(k)).collect(),
        rows,
    }
}

/// An object's scalar members as a two-column table, and each member that is a list of
/// objects as a table of its own under a heading, one level down.
fn object_blocks(t: &Texts, out: &mut Vec<Block>, title: &str, value: &Json, level: u8) {
    let Json::Object(members) = value else {
        out.push(Block::Text(cell(t, "", value).show(t)));
        return;
    };
    let is_rows = |v: &Json| matches!(v, Json::Array(items) if items.iter().any(|i| matches!(i, Json::Object(_))));
    let is_nested = |v: &Json| matches!(v, Json::Object(m) if m.iter().any(|(_, v)| matches!(v, Json::Array(_) | Json::Object(_))));
    let rows: Vec<Vec<Cell>> = members
        .iter()
        .filter(|(_, v)| !is_rows(v) && !is_nested(v))
        .map(|(k, v)| vec![Cell::text(t.label(k)), cell(t, k, v)])
        .collect();
    if !rows.is_empty() {
        out.push(Block::Table(Table {
            title: title.to_owned(),
            head: vec![t.text("col-item"), t.text("col-value")],
            rows,
        }));
    }
    for (k, v) in members {
        if is_rows(v) {
            let Json::Array(items) = v else { continue };
            out.push(Block::Heading(level, t.label(k)));
            out.push(Block::Table(object_table(
                t,
                &format!("{title} {}", t.label(k)),
                items,
                &[],
            )));
        } else if is_nested(v) {
            out.push(Block::Heading(level, t.label(k)));
            object_blocks(
                t,
                out,
                &format!("{title} {}", t.label(k)),
                v,
                level.saturating_add(1).min(4),
            );
        }
    }
}

fn section_heading(t: &Texts, name: &str) -> String {
    t.get(&format!("section-{name}"), &[])
        .unwrap_or_else(|| t.label(name))
}

/// The columns a section's rows show first.
fn section_columns(name: &str) -> &'static [&'static str] {
    match name {
        "exceptions" => &["message", "rule", "scope", "value", "threshold"],
        "recommendations" => &["action", "owner", "sku", "evidence", "decision", "rule"],
        "recommendations_followed_up" => &["rule", "sku", "period", "decision", "still_fires"],
        "action_items" => &[
            "title",
            "owner",
            "due_on",
            "standing",
            "raised_on",
            "meeting",
        ],
        "value_realised" => &[
            "campaign",
            "title",
            "skus",
            "first_month",
            "last_month",
            "uplift_cases",
            "actual_cases",
            "baseline_cases",
            "realised_cases",
            "realisation_pct",
            "kept",
        ],
        _ => &[],
    }
}

/// Keys a section's table leaves out: said by another column, or bookkeeping.
fn hidden(name: &str, key: &str) -> bool {
    matches!(
        (name, key),
        ("exceptions", "id")
            | ("recommendations", "id")
            | ("recommendations_followed_up", "id")
            | ("action_items", "overdue")
            | ("value_realised", "months_included" | "due" | "reason")
    )
}

fn section_blocks(t: &Texts, out: &mut Vec<Block>, name: &str, section: &Json) {
    out.push(Block::Heading(2, section_heading(t, name)));
    match (name, section) {
        ("distributor_analysis", Json::Array(items)) => {
            if items.is_empty() {
                out.push(Block::Text(t.text("none")));
            }
            for item in items {
                let text = |k: &str| match item.get(k) {
                    Some(Json::String(s)) => s.clone(),
                    Some(v @ Json::Number(_)) => crate::render::scalar(v),
                    _ => String::new(),
                };
                out.push(Block::Analysis {
                    id: text("period"),
                    heading: t
                        .get(
                            "analysis-heading",
                            &[
                                ("period", &text("period")),
                                ("revision", &text("revision")),
                                ("on", &text("submitted_on")),
                            ],
                        )
                        .unwrap_or_default(),
                    reason: Some(text("reason")).filter(|r| !r.is_empty()),
                    text: text("text"),
                });
            }
        }
        // An issued version's months without market data (`crate::schedule::issuable`).
        ("months_missing", Json::Array(items)) => {
            let months: Vec<&str> = items
                .iter()
                .filter_map(|m| match m {
                    Json::String(month) => Some(month.as_str()),
                    _ => None,
                })
                .collect();
            out.push(Block::Text(months.join(", ")));
        }
        ("value_realised", Json::Array(items)) if !items.is_empty() => {
            out.push(Block::Table(value_table(t, items)));
        }
        ("agenda", Json::Array(items)) => {
            for (n, item) in items.iter().enumerate() {
                let topic = match item.get("topic") {
                    Some(Json::String(topic)) => topic.clone(),
                    _ => String::new(),
                };
                // The question in the reader's language; as the pack wrote it for a topic
                // this build has no words for.
                let question = t
                    .get(&format!("agenda-{topic}"), &[])
                    .unwrap_or_else(|| match item.get("question") {
                        Some(Json::String(q)) => q.clone(),
                        _ => topic.clone(),
                    });
                out.push(Block::Heading(3, question));
                object_blocks(
                    t,
                    out,
                    &format!("{} {}", t.text("section-agenda"), n + 1),
                    item.get("data").unwrap_or(&Json::Null),
                    4,
                );
            }
        }
        (_, Json::Array(items)) if items.is_empty() => {
            out.push(Block::Text(t.text("none")));
        }
        (_, Json::Array(items)) => {
            let items: Vec<Json> = items
                .iter()
                .map(|i| match i {
                    Json::Object(m) => Json::Object(
                        m.iter()
                            .filter(|(k, _)| !hidden(name, k))
                            .map(|(k, v)| match (name, k.as_str()) {
                                ("exceptions", "message") => {
                                    (k.clone(), exception_message(t, i).unwrap_or(v.clone()))
                                }
                                _ => (k.clone(), v.clone()),
                            })
                            .collect(),
                    ),
                    other => other.clone(),
                })
                .collect();
            out.push(Block::Table(object_table(
                t,
                &section_heading(t, name),
                &items,
                section_columns(name),
            )));
        }
        (_, other) => object_blocks(t, out, &section_heading(t, name), other, 3),
    }
}

/// An exception's sentence in the reader's language, from its rule, what it fired on and
/// its figures (the pack's own `message` is English, for the API); `None` for a rule this
/// build has no words for.
fn exception_message(t: &Texts, exception: &Json) -> Option<Json> {
    let text = |k: &str| match exception.get(k) {
        Some(Json::String(s)) => Some(s.clone()),
        _ => None,
    };
    let rule = text("rule")?;
    let subject = text("id")?
        .split_once(':')
        .map(|(_, subject)| subject.to_owned())?;
    let scope = match text("scope")?.strip_prefix("brand:") {
        Some(brand) => brand.to_owned(),
        None => t.text("scope-partnership"),
    };
    let figure = |k: &str| exception.get(k).map(|v| cell(t, k, v).show(t));
    let value = figure("value").unwrap_or_default();
    let threshold = figure("threshold").unwrap_or_default();
    // A month never submitted has no day it was submitted.
    let key = match exception.get("value") {
        Some(Json::Null) if rule == "data_late" => "exception-data_missing".to_owned(),
        _ => format!("exception-{rule}"),
    };
    t.get(
        &key,
        &[
            ("scope", &scope),
            ("subject", &subject),
            ("value", &value),
            ("threshold", &threshold),
        ],
    )
    .map(Json::String)
}

/// The review pack's `value_realised`, one promise a row (`docs/kpis.md`, "Value
/// realised"), with its verdict in words.
fn value_table(t: &Texts, items: &[Json]) -> Table {
    let rows = items
        .iter()
        .map(|item| {
            let text = |key: &str| match item.get(key) {
                Some(Json::String(s) | Json::Number(s)) => Some(s.clone()),
                _ => None,
            };
            let figure = |key: &str| item.get(key).map_or(Cell::text("—"), |v| cell(t, key, v));
            let dash = || "—".to_owned();
            let months = format!(
                "{} … {}",
                text("first_month").unwrap_or_else(dash),
                text("last_month").unwrap_or_else(dash)
            );
            let due = item.get("due") == Some(&Json::Bool(true));
            let verdict = match item.get("kept") {
                _ if !due => "verdict-not-due",
                Some(Json::Bool(true)) => "verdict-kept",
                Some(Json::Bool(false)) => "verdict-not-kept",
                _ => "verdict-unknown",
            };
            let mut campaign = text("campaign").unwrap_or_else(dash);
            if let Some(revision) = text("revision").filter(|r| r != "1") {
                campaign.push(' ');
                campaign.push_str(
                    &t.get("value-revision", &[("revision", &revision)])
                        .unwrap_or_default(),
                );
            }
            vec![
                Cell::text(campaign),
                figure("skus"),
                Cell::text(months),
                figure("uplift_cases"),
                figure("actual_cases"),
                figure("baseline_cases"),
                figure("realised_cases"),
                figure("realisation_pct"),
                Cell::text(t.text(verdict)),
            ]
        })
        .collect();
    Table {
        title: t.text("section-value_realised"),
        head: [
            "value-campaign",
            "value-skus",
            "value-months",
            "value-uplift",
            "value-actual",
            "value-baseline",
            "value-realised",
            "value-realisation",
            "value-kept",
        ]
        .map(|id| t.text(id))
        .to_vec(),
        rows,
    }
}

fn title(t: &Texts, report: &Report) -> String {
    let kind = t.text(match report.kind {
        ReportKind::Market => "kind-market",
        ReportKind::Brand => "kind-brand",
        ReportKind::Scorecard => "kind-scorecard",
        ReportKind::Review => "kind-review",
    });
    format!("{kind} — {} — {}", report.partnership, report.period)
}

fn subtitle(t: &Texts, report: &Report) -> String {
    let version = report.version.map_or_else(
        || t.text("live"),
        |v| {
            t.get("version", &[("n", &v.to_string())])
                .unwrap_or_default()
        },
    );
    let as_of = t
        .get("as-of", &[("date", &report.as_of.to_string())])
        .unwrap_or_default();
    let mut s = format!("{version} · {as_of}");
    if report.partial {
        let months: Vec<String> = report
            .months_included
            .iter()
            .map(|m| m.to_string())
            .collect();
        let months = if months.is_empty() {
            "—".to_owned()
        } else {
            months.join(", ")
        };
        s.push_str(" · ");
        s.push_str(&t.get("partial", &[("months", &months)]).unwrap_or_default());
    }
    s
}

pub(crate) fn kpi_table(t: &Texts, kpis: &Kpis) -> Table {
    Table {
        title: t.text("heading-kpis"),
        head: vec![t.text("col-kpi"), t.text("col-value")],
        rows: in_reading_order(kpis.keys().copied())
            .into_iter()
            .map(|k| {
                vec![
                    Cell::text(t.label(k)),
                    match &kpis[k] {
                        Figure::Mix(_) => {
                            cell(t, "class_mix", &crate::report::figure_json(&kpis[k]))
                        }
                        f => Cell::figure(k, f.clone()),
                    },
                ]
            })
            .collect(),
    }
}

/// The figure columns of a table in parts that fit a page: whole themes packed while
/// they fit [`PAGE_COLUMNS`], a theme wider than that cut into pieces.
fn parts<'a>(title: &str, keys: Vec<&'a str>, width: Width) -> Vec<(String, Vec<&'a str>)> {
    if width == Width::Sheet || keys.len() <= PAGE_COLUMNS {
        return vec![(title.to_owned(), keys)];
    }
    let mut themes: Vec<Vec<&str>> = Vec::new();
    for key in keys {
        match themes.last_mut() {
            Some(t) if rank(t[0]).0 == rank(key).0 && t.len() < PAGE_COLUMNS => t.push(key),
            _ => themes.push(vec![key]),
        }
    }
    let mut packed: Vec<Vec<&str>> = Vec::new();
    for theme in themes {
        match packed.last_mut() {
            Some(p) if p.len() + theme.len() <= PAGE_COLUMNS => p.extend(theme),
            _ => packed.push(theme),
        }
    }
    let n = packed.len();
    packed
        .into_iter()
        .enumerate()
        .map(|(i, keys)| (format!("{title} ({}/{n})", i + 1), keys))
        .collect()
}

/// Tables of figures, one row per entry (its leading cells, then its figures in reading
/// order), split for a page by [`parts`].
pub(crate) fn figure_tables(
    t: &Texts,
    title: &str,
    lead_head: &[String],
    rows: &[(Vec<Cell>, &Kpis)],
    width: Width,
) -> Vec<Table> {
    let keys = in_reading_order(
        rows.iter()
            .flat_map(|(_, k)| k.iter())
            .filter(|(_, v)| !matches!(v, Figure::Mix(_)))
            .map(|(k, _)| *k)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter(),
    );
    parts(title, keys, width)
        .into_iter()
        .map(|(part, keys)| Table {
            title: part,
            head: lead_head
                .iter()
                .cloned()
                .chain(keys.iter().map(|k| t.label(k)))
                .collect(),
            rows: rows
                .iter()
                .map(|(lead, kpis)| {
                    let mut cells = lead.clone();
                    cells.extend(keys.iter().map(|k| match kpis.get(k) {
                        None => Cell::text("—"),
                        Some(Figure::Text(on_time)) if *k == "on_time" => {
                            Cell::text(t.text(match on_time.as_str() {
                                "yes" => "yes",
                                "no" => "no",
                                _ => "on-time-history",
                            }))
                        }
                        Some(f) => Cell::figure(k, f.clone()),
                    }));
                    cells
                })
                .collect(),
        })
        .collect()
}

/// Brands or SKUs: the id (and a SKU's catalogue name) first, then the figures.
fn row_tables(t: &Texts, title: &str, rows: &[Row], width: Width) -> Vec<Table> {
    let Some(first) = rows.first() else {
        return Vec::new();
    };
    let named = rows.iter().any(|r| r.name().is_some());
    let mut head = vec![t.label(first.id_key)];
    if named {
        head.push(t.label("name"));
    }
    let rows: Vec<(Vec<Cell>, &Kpis)> = rows
        .iter()
        .map(|r| {
            let mut cells = vec![Cell::text(r.id.clone())];
            if named {
                cells.push(Cell::text(r.name().unwrap_or("—").to_owned()));
            }
            (cells, &r.kpis)
        })
        .collect();
    figure_tables(t, title, &head, &rows, width)
}

fn series_tables(t: &Texts, series: &[SeriesPoint], width: Width) -> Vec<Table> {
    let rows: Vec<(Vec<Cell>, &Kpis)> = series
        .iter()
        .map(|p| (vec![Cell::text(p.month.to_string())], &p.values))
        .collect();
    if rows.is_empty() {
        return Vec::new();
    }
    figure_tables(
        t,
        &t.text("heading-series"),
        &[t.label("month")],
        &rows,
        width,
    )
}

/// One named section of `report` (`exceptions`, `recommendations`, …) laid out as
/// [`document`] lays it out, its heading first; nothing when the report has no such section.
/// A page that shows one part of a report (the web app's home: each partnership's open
/// exceptions) shows it in the same words and columns as the whole report.
pub fn section(report: &Report, name: &str, t: &Texts) -> Vec<Block> {
    let mut out = Vec::new();
    for (_, section) in report.sections.iter().filter(|(n, _)| *n == name) {
        section_blocks(t, &mut out, name, section);
    }
    out
}

/// The report laid out in `t`'s language: title, headline KPIs, charts, brands (with each brand's
/// details), SKUs, the monthly series and the report's own sections.
pub fn document(report: &Report, width: Width, t: &Texts) -> Vec<Block> {
    let mut out = vec![
        Block::Heading(1, title(t, report)),
        Block::Text(subtitle(t, report)),
    ];
    if !report.kpis.is_empty() {
        out.push(Block::Heading(2, t.text("heading-kpis")));
        out.push(Block::Table(kpi_table(t, &report.kpis)));
    }
    out.push(Block::Charts);
    let brands = t.text("heading-brands");
    let tables = row_tables(t, &brands, &report.brands, width);
    if !tables.is_empty() {
        out.push(Block::Heading(2, brands.clone()));
        out.extend(tables.into_iter().map(Block::Table));
    }
    for row in report.brands.iter().filter(|r| !r.extra.is_empty()) {
        out.push(Block::Heading(3, row.id.clone()));
        object_blocks(
            t,
            &mut out,
            &format!("{brands} {}", row.id),
            &row.extra_json(),
            4,
        );
    }
    let skus = t.text("heading-skus");
    let tables = row_tables(t, &skus, &report.skus, width);
    if !tables.is_empty() {
        out.push(Block::Heading(2, skus));
        out.extend(tables.into_iter().map(Block::Table));
    }
    let tables = series_tables(t, &report.series, width);
    if !tables.is_empty() {
        out.push(Block::Heading(2, t.text("heading-series")));
        out.extend(tables.into_iter().map(Block::Table));
    }
    for (name, section) in &report.sections {
        section_blocks(t, &mut out, name, section);
    }
    out
}

#[cfg(test)]
mod tests;
