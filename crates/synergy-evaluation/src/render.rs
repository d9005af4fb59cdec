//! Renderers: JSON (the contract of `docs/kpis.md`), CSV, Markdown and a self-contained HTML page
//! with inline SVG charts. All four print the same rounded integer units.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use synergy_proto::events::evaluation::ReportKind;

use crate::chart;
use crate::figure::{Figure, Kpis, group_thousands};
use crate::json::Json;
use crate::report::{Report, Row, SeriesPoint};
use crate::svg::escape;

/// Output formats of `report --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Markdown,
    Html,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            "md" | "markdown" => Ok(Format::Markdown),
            "html" => Ok(Format::Html),
            _ => Err(format!(
                "{s:?} is not a report format; use json, csv, md or html"
            )),
        }
    }
}

pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Json => to_json(report),
        Format::Csv => to_csv(report),
        Format::Markdown => to_markdown(report),
        Format::Html => to_html(report),
    }
}

/// Compact JSON, byte-identical for identical reports.
pub fn to_json(report: &Report) -> String {
    report.to_json().to_text()
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn csv_kpis(out: &mut String, scope: &str, id: &str, kpis: &Kpis) {
    for (key, v) in kpis {
        match v {
            Figure::Mix(m) => {
                for (k, f) in m {
                    let _ = writeln!(
                        out,
                        "{},{},{}.{},{}",
                        csv_field(scope),
                        csv_field(id),
                        key,
                        csv_field(k),
                        csv_field(&f.plain().unwrap_or_default())
                    );
                }
            }
            _ => {
                let _ = writeln!(
                    out,
                    "{},{},{},{}",
                    csv_field(scope),
                    csv_field(id),
                    key,
                    csv_field(&v.plain().unwrap_or_default())
                );
            }
        }
    }
}

/// `name: value` flattened the way restatement keys are (`key → display value`).
fn flatten_member(name: &str, value: &Json) -> BTreeMap<String, Option<String>> {
    crate::restate::flatten(&Json::Object(vec![(name.to_owned(), value.clone())]))
}

/// One row per figure: `scope,id,key,value` (an empty value is null). Sections other than
/// kpis, brands, skus and series are flattened the same way as restatement keys.
pub fn to_csv(report: &Report) -> String {
    let mut out = String::from("scope,id,key,value\n");
    let _ = writeln!(
        out,
        "report,{},kind,{}",
        report.partnership,
        report.kind.as_str()
    );
    let _ = writeln!(
        out,
        "report,{},period,{}",
        report.partnership, report.period
    );
    let _ = writeln!(
        out,
        "report,{},version,{}",
        report.partnership,
        report.version.map_or(String::new(), |v| v.to_string())
    );
    let _ = writeln!(out, "report,{},as_of,{}", report.partnership, report.as_of);
    csv_kpis(
        &mut out,
        "partnership",
        report.partnership.as_str(),
        &report.kpis,
    );
    for row in report.brands.iter().chain(&report.skus) {
        csv_kpis(&mut out, row.id_key, &row.id, &row.kpis);
        for (k, v) in &row.extra {
            for (key, value) in flatten_member(k, v) {
                let _ = writeln!(
                    out,
                    "{},{},{},{}",
                    row.id_key,
                    csv_field(&row.id),
                    csv_field(&key),
                    csv_field(&value.unwrap_or_default())
                );
            }
        }
    }
    for p in &report.series {
        csv_kpis(&mut out, "month", &p.month.to_string(), &p.values);
    }
    for (name, section) in &report.sections {
        for (key, value) in flatten_member(name, section) {
            let _ = writeln!(
                out,
                "{name},,{},{}",
                csv_field(&key),
                csv_field(&value.unwrap_or_default())
            );
        }
    }
    out
}

/// The order a person reads the headline KPIs in (`docs/kpis.md`'s table): sales, market and
/// share, growth, targets, stock, distribution, price, supply chain, collaboration.
const READING_ORDER: [&str; 34] = [
    "volume_cases",
    "revenue_yuan",
    "market_volume_cases",
    "market_revenue_yuan",
    "volume_share_pct",
    "revenue_share_pct",
    "volume_yoy_pct",
    "revenue_yoy_pct",
    "volume_pop_pct",
    "revenue_pop_pct",
    "revenue_per_case_yuan",
    "target_volume_cases",
    "volume_attainment_pct",
    "target_revenue_yuan",
    "revenue_attainment_pct",
    "closing_stock_cases",
    "stock_to_sales",
    "coverage_pct",
    "active_selling_pct",
    "price_index",
    "price_compliance_pct",
    "class_mix",
    "forecast_accuracy_pct",
    "order_fill_pct",
    "data_on_time_pct",
    "corrections",
    "meetings_scheduled",
    "meetings_held",
    "actions_open",
    "actions_overdue",
    "campaign_tasks_done_pct",
    "support_on_time_pct",
    "plan_attainment_pct",
    "forecast_bias_pct",
];

/// The KPIs in reading order; keys not in [`READING_ORDER`] follow alphabetically.
fn in_reading_order(kpis: &Kpis) -> Vec<(&'static str, &Figure)> {
    let rank = |k: &str| {
        READING_ORDER
            .iter()
            .position(|o| *o == k)
            .unwrap_or(usize::MAX)
    };
    let mut out: Vec<(&'static str, &Figure)> = kpis.iter().map(|(k, v)| (*k, v)).collect();
    out.sort_by(|a, b| rank(a.0).cmp(&rank(b.0)).then(a.0.cmp(b.0)));
    out
}

/// Human labels (中文 · English) for the KPI keys of `docs/kpis.md`.
pub fn label(key: &str) -> &str {
    match key {
        "volume_cases" => "銷量 volume (cases)",
        "revenue_yuan" => "銷售額 revenue",
        "market_volume_cases" => "全市場銷量 market volume (cases)",
        "market_revenue_yuan" => "全市場銷售額 market revenue",
        "volume_share_pct" => "銷量佔有率 volume share",
        "revenue_share_pct" => "銷售額佔有率 revenue share",
        "volume_yoy_pct" => "銷量同比 volume YoY",
        "revenue_yoy_pct" => "銷售額同比 revenue YoY",
        "volume_pop_pct" => "銷量環比 volume PoP",
        "revenue_pop_pct" => "銷售額環比 revenue PoP",
        "revenue_per_case_yuan" => "單箱銷售額 revenue per case",
        "target_volume_cases" => "目標銷量 volume target (cases)",
        "volume_attainment_pct" => "目標完成率 volume attainment",
        "target_revenue_yuan" => "目標銷售額 revenue target",
        "revenue_attainment_pct" => "銷售額完成率 revenue attainment",
        "closing_stock_cases" => "期末庫存 closing stock (cases)",
        "stock_to_sales" => "存銷比 stock-to-sales",
        "coverage_pct" => "鋪貨率 coverage",
        "active_selling_pct" => "動銷率 active selling",
        "price_index" => "價格指數 price index",
        "price_compliance_pct" => "價格合規率 price compliance",
        "class_mix" => "類別結構 class mix",
        "forecast_accuracy_pct" => "預測準確率 forecast accuracy",
        "order_fill_pct" => "訂單滿足率 order fill",
        "data_on_time_pct" => "報送及時率 data on time",
        "actions_open" => "未結事項 open action items",
        "actions_overdue" => "逾期事項 overdue action items",
        "meetings_held" => "例會 meetings held",
        "meetings_scheduled" => "計劃例會 meetings scheduled",
        "campaign_tasks_done_pct" => "活動任務完成率 campaign tasks done",
        "support_on_time_pct" => "服務響應及時率 support on time",
        "corrections" => "數據更正 corrections",
        "promises_due" => "到期承諾 promises due",
        "promises_kept" => "兌現承諾 promises kept",
        other => other,
    }
}

fn is_change(key: &str) -> bool {
    key.ends_with("_yoy_pct") || key.ends_with("_pop_pct")
}

fn human(key: &str, f: &Figure) -> String {
    if is_change(key) {
        f.human_signed()
    } else {
        f.human()
    }
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn title(report: &Report) -> String {
    let kind = match report.kind {
        ReportKind::Market => "Market report 市場分析",
        ReportKind::Brand => "Brand report 品牌分析",
        ReportKind::Scorecard => "Collaboration scorecard 協同評分",
        ReportKind::Review => "Review pack 例會材料",
    };
    let version = report
        .version
        .map_or("live".to_owned(), |v| format!("version {v}"));
    format!(
        "{kind} — {} — {} ({version}, as of {})",
        report.partnership, report.period, report.as_of
    )
}

/// A table of figures: a heading over the first column, one column per key, and per row
/// its first cell and its figures in human form.
struct Grid {
    corner: &'static str,
    keys: Vec<&'static str>,
    rows: Vec<(String, Vec<String>)>,
}

/// Rows (brands or SKUs) with one column per KPI key they share (the first row's, mixes
/// left out); `None` when there are no rows.
fn row_grid(rows: &[Row]) -> Option<Grid> {
    let first = rows.first()?;
    let keys: Vec<&'static str> = first
        .kpis
        .iter()
        .filter(|(_, v)| !matches!(v, Figure::Mix(_)))
        .map(|(k, _)| *k)
        .collect();
    let rows = rows
        .iter()
        .map(|r| {
            let cells = keys
                .iter()
                .map(|k| r.kpis.get(k).map_or("—".to_owned(), |f| human(k, f)))
                .collect();
            (r.id.clone(), cells)
        })
        .collect();
    Some(Grid {
        corner: first.id_key,
        keys,
        rows,
    })
}

/// The monthly series with one column per key of its first month; `None` when empty.
fn series_grid(series: &[SeriesPoint]) -> Option<Grid> {
    let first = series.first()?;
    let rows = series
        .iter()
        .map(|p| {
            let cells = p.values.iter().map(|(k, v)| human(k, v)).collect();
            (p.month.to_string(), cells)
        })
        .collect();
    Some(Grid {
        corner: "month",
        keys: first.values.keys().copied().collect(),
        rows,
    })
}

/// The grid as a Markdown table, a blank line after it.
fn md_grid(out: &mut String, grid: &Grid) {
    let _ = write!(out, "| {} |", grid.corner);
    for k in &grid.keys {
        let _ = write!(out, " {k} |");
    }
    out.push('\n');
    out.push_str(&"|---".repeat(grid.keys.len() + 1));
    out.push_str("|\n");
    for (first, cells) in &grid.rows {
        let _ = write!(out, "| {} |", md_cell(first));
        for cell in cells {
            let _ = write!(out, " {} |", md_cell(cell));
        }
        out.push('\n');
    }
    out.push('\n');
}

fn md_json(out: &mut String, v: &Json, indent: usize) {
    let pad = "  ".repeat(indent);
    match v {
        Json::Object(members) => {
            for (k, v) in members {
                match v {
                    Json::Object(_) | Json::Array(_) => {
                        let _ = writeln!(out, "{pad}- {}:", md_cell(label(k)));
                        md_json(out, v, indent + 1);
                    }
                    _ => {
                        let _ = writeln!(out, "{pad}- {}: {}", md_cell(label(k)), scalar(v));
                    }
                }
            }
        }
        Json::Array(items) => {
            if items.is_empty() {
                let _ = writeln!(out, "{pad}- (none)");
            }
            for item in items {
                match item {
                    Json::Object(members) => {
                        let line: Vec<String> = members
                            .iter()
                            .filter(|(_, v)| !matches!(v, Json::Object(_) | Json::Array(_)))
                            .map(|(k, v)| format!("{k}: {}", scalar(v)))
                            .collect();
                        let _ = writeln!(out, "{pad}- {}", md_cell(&line.join(" · ")));
                        for (k, v) in members {
                            if matches!(v, Json::Object(_) | Json::Array(_)) {
                                let _ = writeln!(out, "{pad}  - {k}:");
                                md_json(out, v, indent + 2);
                            }
                        }
                    }
                    other => {
                        let _ = writeln!(out, "{pad}- {}", scalar(other));
                    }
                }
            }
        }
        other => {
            let _ = writeln!(out, "{pad}- {}", scalar(other));
        }
    }
}

fn scalar(v: &Json) -> String {
    match v {
        Json::Null => "—".to_owned(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => n.clone(),
        Json::String(s) => s.clone(),
        other => other.to_text(),
    }
}

/// The heading of a report section.
fn section_heading(name: &str) -> &str {
    match name {
        "exceptions" => "Exceptions 異常",
        "recommendations" => "Recommendations 改進建議",
        "recommendations_followed_up" => {
            "Last period's recommendations: what became of them 上期建議落實"
        }
        "action_items" => "Open action items 未結事項",
        "agenda" => "Agenda 議程",
        "value_realised" => "Value realised 創值",
        ANALYSIS => "Distributor's analysis 經銷商分析報告",
        other => other,
    }
}

/// The review pack's `value_realised` as a table, one promise a row (`docs/kpis.md`, "Value
/// realised"); `None` when it is not a list of promises.
fn value_grid(section: &Json) -> Option<Grid> {
    let Json::Array(items) = section else {
        return None;
    };
    if items.is_empty() {
        return None;
    }
    let rows = items
        .iter()
        .map(|item| {
            let text = |key: &str| match item.get(key) {
                Some(Json::String(s) | Json::Number(s)) => Some(s.clone()),
                _ => None,
            };
            let dash = || "—".to_owned();
            let cases = |key: &str| text(key).map_or_else(dash, |n| group_thousands(&n));
            let skus = match item.get("skus") {
                Some(Json::Array(skus)) => skus.iter().map(scalar).collect::<Vec<_>>().join(", "),
                _ => dash(),
            };
            let months = format!(
                "{} … {}",
                text("first_month").unwrap_or_else(dash),
                text("last_month").unwrap_or_else(dash)
            );
            let due = item.get("due") == Some(&Json::Bool(true));
            let verdict = match item.get("kept") {
                _ if !due => "not yet due 未到期",
                Some(Json::Bool(true)) => "kept 兌現",
                Some(Json::Bool(false)) => "not kept 未兌現",
                _ => "unknown: data missing 數據不全",
            };
            let mut campaign = text("campaign").unwrap_or_else(dash);
            if let Some(revision) = text("revision").filter(|r| r != "1") {
                campaign.push_str(&format!(" (revision {revision})"));
            }
            let cells = vec![
                skus,
                months,
                cases("uplift_cases"),
                cases("actual_cases"),
                cases("baseline_cases"),
                cases("realised_cases"),
                text("realisation_pct").map_or_else(dash, |p| format!("{} %", group_thousands(&p))),
                verdict.to_owned(),
            ];
            (campaign, cells)
        })
        .collect();
    Some(Grid {
        corner: "campaign",
        // Headed for people in both renderings: the JSON keys are in docs/kpis.md.
        keys: vec![
            "SKUs 規格",
            "months 月份",
            "uplift 承諾增量",
            "actual 實際",
            "baseline 基線",
            "realised 實現",
            "realisation 兌現率",
            "kept 兌現",
        ],
        rows,
    })
}

/// A Markdown document: headline table, brands, SKUs, monthly series, sections.
pub fn to_markdown(report: &Report) -> String {
    let mut out = format!("# {}\n\n", title(report));
    out.push_str("| KPI | value |\n|---|---|\n");
    for (k, v) in in_reading_order(&report.kpis) {
        let _ = writeln!(out, "| {} | {} |", md_cell(label(k)), md_cell(&human(k, v)));
    }
    out.push('\n');
    if let Some(grid) = row_grid(&report.brands) {
        out.push_str("## Brands 品牌\n\n");
        md_grid(&mut out, &grid);
        for row in report.brands.iter().filter(|r| !r.extra.is_empty()) {
            let _ = writeln!(out, "### {}\n", md_cell(&row.id));
            md_json(&mut out, &row.extra_json(), 0);
            out.push('\n');
        }
    }
    if let Some(grid) = row_grid(&report.skus) {
        out.push_str("## SKUs 規格\n\n");
        md_grid(&mut out, &grid);
    }
    if let Some(grid) = series_grid(&report.series) {
        out.push_str("## Monthly series 月度\n\n");
        md_grid(&mut out, &grid);
    }
    for (name, section) in &report.sections {
        let _ = writeln!(out, "## {}\n", section_heading(name));
        if *name == ANALYSIS {
            md_analyses(&mut out, section);
            out.push('\n');
            continue;
        }
        match value_grid(section).filter(|_| *name == "value_realised") {
            Some(grid) => md_grid(&mut out, &grid),
            None => {
                md_json(&mut out, section, 0);
                out.push('\n');
            }
        }
    }
    out
}

/// The review pack's section of the distributor's written analyses.
const ANALYSIS: &str = "distributor_analysis";

/// One analysis of the section as the pack shows it: its period, what the heading says of
/// it, the revision's reason (if revised) and the Markdown text.
struct Shown<'a> {
    period: String,
    heading: String,
    reason: Option<&'a str>,
    text: &'a str,
}

fn shown_analyses(section: &Json) -> Vec<Shown<'_>> {
    let Json::Array(items) = section else {
        return Vec::new();
    };
    fn text<'a>(item: &'a Json, key: &str) -> Option<&'a str> {
        match item.get(key) {
            Some(Json::String(s)) => Some(s),
            _ => None,
        }
    }
    items
        .iter()
        .map(|item| {
            let period = text(item, "period").unwrap_or_default().to_owned();
            let revision = item.get("revision").map(scalar).unwrap_or_default();
            let on = text(item, "submitted_on").unwrap_or_default();
            Shown {
                heading: format!("{period} · revision {revision} · submitted {on}"),
                period,
                reason: text(item, "reason"),
                text: text(item, "text").unwrap_or_default(),
            }
        })
        .collect()
}

/// Each analysis under its own heading, its text quoted: whatever headings or lists the
/// distributor wrote stay inside the quote, below the pack's own outline.
fn md_analyses(out: &mut String, section: &Json) {
    let shown = shown_analyses(section);
    if shown.is_empty() {
        out.push_str("(none)\n");
    }
    for a in shown {
        let _ = writeln!(out, "### {}\n", md_cell(&a.heading));
        if let Some(reason) = a.reason {
            let _ = writeln!(out, "Revised: {}\n", md_cell(reason));
        }
        for line in a.text.lines() {
            if line.is_empty() {
                out.push_str(">\n");
            } else {
                let _ = writeln!(out, "> {line}");
            }
        }
        out.push('\n');
    }
}

fn html_kpi_table(out: &mut String, kpis: &Kpis) {
    out.push_str("<table><tr><th>KPI</th><th>value</th></tr>");
    for (k, v) in in_reading_order(kpis) {
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td></tr>",
            escape(label(k)),
            escape(&human(k, v))
        );
    }
    out.push_str("</table>");
}

/// The grid as an HTML table under the heading `title`.
fn html_grid(out: &mut String, title: &str, grid: &Grid) {
    let _ = write!(
        out,
        "<h2>{}</h2><table><tr><th>{}</th>",
        escape(title),
        grid.corner
    );
    for k in &grid.keys {
        let _ = write!(out, "<th>{}</th>", escape(label(k)));
    }
    out.push_str("</tr>");
    for (first, cells) in &grid.rows {
        let _ = write!(out, "<tr><td>{}</td>", escape(first));
        for cell in cells {
            let _ = write!(out, "<td class=\"n\">{}</td>", escape(cell));
        }
        out.push_str("</tr>");
    }
    out.push_str("</table>");
}

/// The report's charts (`chart::charts`) with the labels of this page.
pub fn charts(report: &Report) -> Vec<String> {
    chart::charts(report, &chart::Labels::default())
}

/// Each analysis under its own heading, its Markdown shown as written: escaped, never
/// interpreted (it is the distributor's free text), with its line breaks kept and long
/// lines wrapped.
fn html_analyses(out: &mut String, section: &Json) {
    let shown = shown_analyses(section);
    if shown.is_empty() {
        out.push_str("<p>(none)</p>");
    }
    for a in shown {
        let _ = write!(
            out,
            "<section class=\"analysis\" id=\"analysis-{}\"><h3>{}</h3>",
            escape(&a.period),
            escape(&a.heading)
        );
        if let Some(reason) = a.reason {
            let _ = write!(out, "<p>Revised: {}</p>", escape(reason));
        }
        let _ = write!(out, "<div class=\"md\">{}</div></section>", escape(a.text));
    }
}

fn html_json(out: &mut String, v: &Json) {
    match v {
        Json::Array(items) => {
            out.push_str("<ul>");
            if items.is_empty() {
                out.push_str("<li>(none)</li>");
            }
            for item in items {
                out.push_str("<li>");
                html_json(out, item);
                out.push_str("</li>");
            }
            out.push_str("</ul>");
        }
        Json::Object(members) => {
            out.push_str("<dl>");
            for (k, v) in members {
                let _ = write!(out, "<dt>{}</dt><dd>", escape(label(k)));
                html_json(out, v);
                out.push_str("</dd>");
            }
            out.push_str("</dl>");
        }
        other => out.push_str(&escape(&scalar(other))),
    }
}

/// A self-contained page (inline CSS and SVG, no scripts, no external resources).
pub fn to_html(report: &Report) -> String {
    let t = escape(&title(report));
    let mut out = format!(
        "<!DOCTYPE html><html lang=\"zh-Hant\"><head><meta charset=\"utf-8\"><title>{t}</title><style>body{{font-family:sans-serif;margin:2em;color:#222}}table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}td.n{{text-align:right;font-variant-numeric:tabular-nums}}figure{{margin:1em 0}}.md{{white-space:pre-wrap;overflow-wrap:anywhere;border-left:3px solid #ccc;padding-left:1em}}@media print{{figure{{break-inside:avoid}}}}</style></head><body><h1>{t}</h1>"
    );
    html_kpi_table(&mut out, &report.kpis);
    for chart in charts(report) {
        let _ = write!(out, "<figure>{chart}</figure>");
    }
    if let Some(grid) = row_grid(&report.brands) {
        html_grid(&mut out, "Brands 品牌", &grid);
    }
    for row in report.brands.iter().filter(|r| !r.extra.is_empty()) {
        let _ = write!(out, "<h3>{}</h3>", escape(&row.id));
        html_json(&mut out, &row.extra_json());
    }
    if let Some(grid) = row_grid(&report.skus) {
        html_grid(&mut out, "SKUs 規格", &grid);
    }
    if let Some(grid) = series_grid(&report.series) {
        html_grid(&mut out, "Monthly series 月度", &grid);
    }
    for (name, section) in &report.sections {
        if *name == ANALYSIS {
            let _ = write!(out, "<h2>{}</h2>", escape(section_heading(name)));
            html_analyses(&mut out, section);
            continue;
        }
        match value_grid(section).filter(|_| *name == "value_realised") {
            Some(grid) => html_grid(&mut out, section_heading(name), &grid),
            None => {
                let _ = write!(out, "<h2>{}</h2>", escape(name));
                html_json(&mut out, section);
            }
        }
    }
    out.push_str("</body></html>\n");
    out
}
