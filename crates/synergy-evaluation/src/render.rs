//! Renderers: JSON (the contract of `docs/kpis.md`), CSV, Markdown and a self-contained HTML page
//! with inline SVG charts. All four print the same rounded integer units.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::chart;
use crate::figure::{Figure, Kpis};
use crate::json::Json;
use crate::layout::{self, Block, Cell, Table, Width};
use crate::locale::{Lang, Texts};
use crate::report::Report;
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

/// The report in `format`, its words in 简体中文 (the default language).
pub fn render(report: &Report, format: Format) -> String {
    render_in(report, format, Lang::default())
}

/// The report in `format`, its words in `lang`. JSON and CSV are the same in every
/// language: they are read by programs.
pub fn render_in(report: &Report, format: Format, lang: Lang) -> String {
    match format {
        Format::Json => to_json(report),
        Format::Csv => to_csv(report),
        Format::Markdown => to_markdown_in(report, lang),
        Format::Html => to_html_in(report, lang),
    }
}

/// The byte-order mark `--bom` puts before a CSV: without it Excel reads UTF-8 as the
/// system's code page and garbles the Chinese.
pub const BOM: char = '\u{feff}';

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

pub(crate) fn scalar(v: &Json) -> String {
    match v {
        Json::Null => "—".to_owned(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => n.clone(),
        Json::String(s) => s.clone(),
        other => other.to_text(),
    }
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn md_table(out: &mut String, table: &Table, t: &Texts) {
    out.push('|');
    for h in &table.head {
        let _ = write!(out, " {} |", md_cell(h));
    }
    out.push_str("\n|");
    for (i, _) in table.head.iter().enumerate() {
        // Figures right-aligned, as in the page.
        let numeric = table
            .rows
            .iter()
            .any(|r| r.get(i).is_some_and(Cell::is_number));
        out.push_str(if numeric { "---:|" } else { "---|" });
    }
    out.push('\n');
    for row in &table.rows {
        out.push('|');
        for c in row {
            let _ = write!(out, " {} |", md_cell(&c.show(t)));
        }
        out.push('\n');
    }
    out.push('\n');
}

/// A Markdown document of the report's [layout](crate::layout): tables split by theme so
/// none runs off a page.
pub fn to_markdown(report: &Report) -> String {
    to_markdown_in(report, Lang::default())
}

/// [`to_markdown`] in `lang`.
pub fn to_markdown_in(report: &Report, lang: Lang) -> String {
    let t = &Texts::new(lang);
    let mut out = String::new();
    for block in layout::document(report, Width::Page, t) {
        match block {
            Block::Heading(level, text) => {
                let _ = writeln!(
                    out,
                    "{} {}\n",
                    "#".repeat(usize::from(level)),
                    md_cell(&text)
                );
            }
            Block::Table(table) => md_table(&mut out, &table, t),
            Block::Text(t) => {
                let _ = writeln!(out, "{}\n", md_cell(&t));
            }
            // Whatever headings or lists the distributor wrote stay inside the quote,
            // below the pack's own outline.
            Block::Analysis {
                heading,
                reason,
                text,
                ..
            } => {
                let _ = writeln!(out, "### {}\n", md_cell(&heading));
                if let Some(reason) = reason {
                    let revised = t.get("analysis-revised", &[("reason", &reason)]);
                    let _ = writeln!(out, "{}\n", md_cell(&revised.unwrap_or_default()));
                }
                for line in text.lines() {
                    if line.is_empty() {
                        out.push_str(">\n");
                    } else {
                        let _ = writeln!(out, "> {line}");
                    }
                }
                out.push('\n');
            }
            Block::Charts => {}
        }
    }
    out
}

/// The report's charts (`chart::charts`) labelled in the default language.
pub fn charts(report: &Report) -> Vec<String> {
    chart::charts(report, &chart::Labels::of(&Texts::new(Lang::default())))
}

/// Print on A4: tables repeat their header on every page and never split a row; long
/// texts wrap; charts and headings stay with what follows.
const STYLE: &str = "body{font-family:'Noto Sans CJK SC','Noto Sans CJK TC','PingFang SC','Microsoft YaHei',sans-serif;margin:2em;color:#222;font-size:14px}\
h1{font-size:1.5em}h2{border-bottom:2px solid #c33;padding-bottom:2px;margin-top:1.6em}h3{margin-top:1.2em}\
.sub{color:#555}\
table{border-collapse:collapse;margin:.6em 0 1.2em}\
caption{text-align:left;font-weight:bold;padding:2px 0}\
td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}\
th{background:#f3f3f3;font-weight:600}\
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\
tr:nth-child(even) td{background:#fafafa}\
figure{margin:1em 0}svg{max-width:100%;height:auto}\
.md{white-space:pre-wrap;overflow-wrap:anywhere;border-left:3px solid #ccc;padding-left:1em}\
@page{size:A4;margin:12mm}\
@media print{body{margin:0;font-size:9pt}table{max-width:100%;font-size:8.5pt}\
td,th{padding:2px 4px;overflow-wrap:break-word}th{word-break:keep-all}\
thead{display:table-header-group}tr,figure{break-inside:avoid}\
h1,h2,h3,h4,caption{break-after:avoid}}";

fn html_table(out: &mut String, table: &Table, t: &Texts) {
    out.push_str("<table><thead><tr>");
    for h in &table.head {
        let _ = write!(out, "<th scope=\"col\">{}</th>", escape(h));
    }
    out.push_str("</tr></thead><tbody>");
    for row in &table.rows {
        out.push_str("<tr>");
        for c in row {
            let class = if c.is_number() { " class=\"n\"" } else { "" };
            let _ = write!(out, "<td{class}>{}</td>", escape(&c.show(t)));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

/// A self-contained page (inline CSS and SVG, no scripts, no external resources) of the
/// report's [layout](crate::layout), laid out for A4 when printed.
pub fn to_html(report: &Report) -> String {
    to_html_in(report, Lang::default())
}

/// [`to_html`] in `lang`.
pub fn to_html_in(report: &Report, lang: Lang) -> String {
    let t = &Texts::new(lang);
    let blocks = layout::document(report, Width::Page, t);
    let title = match blocks.first() {
        Some(Block::Heading(_, title)) => escape(title),
        _ => String::new(),
    };
    let mut out = format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{title}</title><style>{STYLE}</style></head><body>",
        lang.html()
    );
    let mut subtitle = true;
    for block in blocks {
        match block {
            Block::Heading(level, text) => {
                let _ = write!(out, "<h{level}>{}</h{level}>", escape(&text));
            }
            Block::Table(table) => html_table(&mut out, &table, t),
            Block::Text(text) => {
                let class = if std::mem::take(&mut subtitle) {
                    " class=\"sub\""
                } else {
                    ""
                };
                let _ = write!(out, "<p{class}>{}</p>", escape(&text));
            }
            // Shown as written: escaped, never interpreted (it is the distributor's free
            // text), its line breaks kept and long lines wrapped.
            Block::Analysis {
                id,
                heading,
                reason,
                text,
            } => {
                let _ = write!(
                    out,
                    "<section class=\"analysis\" id=\"analysis-{}\"><h3>{}</h3>",
                    escape(&id),
                    escape(&heading)
                );
                if let Some(reason) = reason {
                    let revised = t.get("analysis-revised", &[("reason", &reason)]);
                    let _ = write!(out, "<p>{}</p>", escape(&revised.unwrap_or_default()));
                }
                let _ = write!(out, "<div class=\"md\">{}</div></section>", escape(&text));
            }
            Block::Charts => {
                for chart in chart::charts(report, &chart::Labels::of(t)) {
                    let _ = write!(out, "<figure>{chart}</figure>");
                }
            }
        }
    }
    out.push_str("</body></html>\n");
    out
}
