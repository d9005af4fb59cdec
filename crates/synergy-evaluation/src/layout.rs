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
    fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    fn figure(key: &str, figure: Figure) -> Cell {
        Cell::Figure {
            figure,
            signed: key.ends_with("_yoy_pct") || key.ends_with("_pop_pct"),
        }
    }

    /// What a reader sees.
    pub fn human(&self) -> String {
        match self {
            Cell::Figure { figure, signed: true } => figure.human_signed(),
            Cell::Figure { figure, .. } => figure.human(),
            Cell::Text(t) => t.clone(),
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
        "銷量與佔有率 sales and share",
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
        "增長 change",
        &[
            "volume_yoy_pct",
            "revenue_yoy_pct",
            "volume_pop_pct",
            "revenue_pop_pct",
        ],
    ),
    (
        "目標 targets",
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
        "庫存、鋪貨與價格 stock, distribution and price",
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
        "供應與協同 supply and collaboration",
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

/// The label a reader sees for a key (中文 · English); an unknown key with its
/// underscores spaced.
pub fn label(key: &str) -> String {
    let known = match key {
        "volume_cases" => "銷量(箱) volume",
        "revenue_yuan" => "銷售額 revenue",
        "market_volume_cases" => "全市場銷量(箱) market volume",
        "market_revenue_yuan" => "全市場銷售額 market revenue",
        "volume_share_pct" => "銷量佔有率 volume share",
        "revenue_share_pct" => "銷售額佔有率 revenue share",
        "volume_yoy_pct" => "銷量同比 volume YoY",
        "revenue_yoy_pct" => "銷售額同比 revenue YoY",
        "volume_pop_pct" => "銷量環比 volume PoP",
        "revenue_pop_pct" => "銷售額環比 revenue PoP",
        "revenue_per_case_yuan" => "單箱銷售額 revenue per case",
        "target_volume_cases" => "目標銷量(箱) volume target",
        "volume_attainment_pct" => "目標完成率 volume attainment",
        "target_revenue_yuan" => "目標銷售額 revenue target",
        "revenue_attainment_pct" => "銷售額完成率 revenue attainment",
        "target_volume_share_pct" => "目標佔有率 share target",
        "volume_share_attainment_pct" => "佔有率完成率 share attainment",
        "closing_stock_cases" => "期末庫存(箱) closing stock",
        "stock_to_sales" => "存銷比 stock-to-sales",
        "max_stock_to_sales" => "存銷比上限 stock-to-sales limit",
        "coverage_pct" => "鋪貨率 coverage",
        "active_selling_pct" => "動銷率 active selling",
        "price_index" => "價格指數 price index",
        "price_compliance_pct" => "價格合規率 price compliance",
        "class_mix" => "類別結構 class mix",
        "forecast_accuracy_pct" => "預測準確率 forecast accuracy",
        "forecast_bias_pct" => "預測偏差 forecast bias",
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
        "plan_attainment_pct" => "計劃完成率 plan attainment",
        "brand" => "品牌 brand",
        "partnership" => "合作 partnership",
        "sku" => "規格 SKU",
        "name" => "名稱 name",
        "month" => "月份 month",
        "submitted_on" => "報送日 submitted on",
        "on_time" => "按時 on time",
        "revision" => "版本 revision",
        "message" => "說明 what",
        "rule" => "規則 rule",
        "scope" => "範圍 scope",
        "value" => "實際 value",
        "threshold" => "閾值 threshold",
        "threshold_pct" => "閾值 threshold",
        "action" => "建議 action",
        "owner" => "負責方 owner",
        "evidence" => "依據 evidence",
        "decision" => "決定 decision",
        "period" => "期間 period",
        "still_fires" => "仍然觸發 still fires",
        "title" => "事項 title",
        "item" => "編號 item",
        "raised_on" => "提出日 raised on",
        "due_on" => "到期日 due",
        "standing" => "狀態 standing",
        "meeting" => "例會 meeting",
        "status" => "狀態 status",
        "by" => "決定方 by",
        "on" => "日期 on",
        "item_status" => "事項狀態 item status",
        "closed_on" => "完成日 closed on",
        "volume_share_change_points" => "佔有率變化 share change",
        "change_points" => "變化 change",
        "previous_volume_share_pct" => "上期佔有率 previous share",
        "campaigns_closed" => "結束的活動 campaigns closed",
        "campaign" => "活動 campaign",
        "outcome" => "結果 outcome",
        "next_period" => "下一期間 next period",
        "next_target_volume_cases" => "下期目標銷量(箱) next volume target",
        "next_target_revenue_yuan" => "下期目標銷售額 next revenue target",
        "next_period_last_year_volume_cases" => "去年同期銷量(箱) same period last year",
        "next_target_volume_share_pct" => "下期目標佔有率 next share target",
        "share_gap" => "佔有率差距 share gap",
        "target_share_pct" => "目標佔有率 target share",
        "base_period" => "基期 base period",
        "last_recorded_month" => "最近數據月份 last recorded month",
        "market_growth_pct" => "市場增長 market growth",
        "our_growth_pct" => "我方增長 our growth",
        "projected_market_volume_cases" => "預計市場銷量(箱) projected market",
        "baseline_volume_cases" => "基線銷量(箱) baseline",
        "required_volume_cases" => "所需銷量(箱) required",
        "gap_cases" => "差距(箱) gap",
        "outlets_needed" => "所需網點 outlets needed",
        "skus" => "規格 SKUs",
        "brands" => "品牌 brands",
        "part_of_our_volume_pct" => "佔我方銷量 part of our volume",
        "campaigns" => "活動 campaigns",
        "culture_activities" => "文化活動 culture activities",
        "campaigns_in_period" => "期內活動 campaigns in period",
        "rulebooks_adopted" => "採用的規則 rulebooks adopted",
        "months_reported" => "已報月份 months reported",
        "months_included" => "計入月份 months included",
        "forecast_months" => "預測月份 forecast months",
        "price_checks" => "價格檢查 price checks",
        "meetings_on_this_period" => "本期例會 meetings on this period",
        "decisions_recorded" => "記錄的決定 decisions recorded",
        "action_items_from_meetings" => "例會事項 action items from meetings",
        "code" => "代碼 code",
        "stage" => "階段 stage",
        "evaluation" => "評估 evaluation",
        "share_trend" => "佔有率走勢 share trend",
        "culture" => "文化活動 culture",
        "starts_on" => "開始 starts",
        "ends_on" => "結束 ends",
        "year_before_volume_cases" => "去年同期(箱) year before",
        "effect_pct" => "效果 effect",
        "overall" => "總分 overall",
        "scores" => "評分 scores",
        "criterion" => "標準 criterion",
        "score" => "分數 score",
        "comment" => "評語 comment",
        "months_due" => "應報月份 months due",
        "months_on_time" => "按時月份 months on time",
        _ => return key.replace('_', " "),
    };
    known.to_owned()
}

/// A value of a member for people: booleans as yes/no, numbers by their key's unit, a list
/// of texts joined, a small object as `label value` pairs.
fn cell(key: &str, value: &Json) -> Cell {
    match value {
        Json::Bool(true) => Cell::text("是 yes"),
        Json::Bool(false) => Cell::text("否 no"),
        Json::Null => Cell::text("—"),
        Json::Number(_) => figure_of(key, value).map_or_else(
            || Cell::text(crate::render::scalar(value)),
            |f| Cell::figure(key, f),
        ),
        Json::String(s) => Cell::text(s.clone()),
        Json::Array(items) => Cell::text(if items.is_empty() {
            "—".to_owned()
        } else {
            items
                .iter()
                .map(|i| cell(key, i).human())
                .collect::<Vec<_>>()
                .join(", ")
        }),
        Json::Object(members) if members.is_empty() => Cell::text("—"),
        Json::Object(members) => Cell::text(
            members
                .iter()
                .map(|(k, v)| {
                    // A mix's members are classes, not keys.
                    let value = cell(if key == "class_mix" { "mix_pct" } else { k }, v);
                    format!("{} {}", label(k), value.human())
                })
                .collect::<Vec<_>>()
                .join(" · "),
        ),
    }
}

/// Rows of objects as a table; `first` names the columns to show first, in order, the
/// others following as they come. `derived` adds computed columns (`standing`).
fn object_table(title: &str, items: &[Json], first: &[&str]) -> Table {
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
                        Some(Json::Bool(true)) => "逾期 overdue",
                        _ => "未結 open",
                    }),
                    (_, Some(v)) => cell(k, v),
                    (_, None) => Cell::text("—"),
                })
                .collect()
        })
        .collect();
    Table {
        title: title.to_owned(),
        head: keys.iter().map(|k| label(k)).collect(),
        rows,
    }
}

/// An object's scalar members as a two-column table, and each member that is a list of
/// objects as a table of its own under a heading, one level down.
fn object_blocks(out: &mut Vec<Block>, title: &str, value: &Json, level: u8) {
    let Json::Object(members) = value else {
        out.push(Block::Text(cell("", value).human()));
        return;
    };
    let is_rows = |v: &Json| matches!(v, Json::Array(items) if items.iter().any(|i| matches!(i, Json::Object(_))));
    let is_nested = |v: &Json| {
        matches!(v, Json::Object(m) if m.iter().any(|(_, v)| matches!(v, Json::Array(_) | Json::Object(_))))
    };
    let rows: Vec<Vec<Cell>> = members
        .iter()
        .filter(|(_, v)| !is_rows(v) && !is_nested(v))
        .map(|(k, v)| vec![Cell::text(label(k)), cell(k, v)])
        .collect();
    if !rows.is_empty() {
        out.push(Block::Table(Table {
            title: title.to_owned(),
            head: vec!["項目 item".to_owned(), "數值 value".to_owned()],
            rows,
        }));
    }
    for (k, v) in members {
        if is_rows(v) {
            let Json::Array(items) = v else { continue };
            out.push(Block::Heading(level, label(k)));
            out.push(Block::Table(object_table(&format!("{title} {k}"), items, &[])));
        } else if is_nested(v) {
            out.push(Block::Heading(level, label(k)));
            object_blocks(out, &format!("{title} {k}"), v, level.saturating_add(1).min(4));
        }
    }
}

fn section_heading(name: &str) -> String {
    match name {
        "exceptions" => "異常 Exceptions".to_owned(),
        "recommendations" => "改進建議 Recommendations".to_owned(),
        "recommendations_followed_up" => "上期建議落實 Last period's recommendations".to_owned(),
        "action_items" => "未結事項 Open action items".to_owned(),
        "agenda" => "議程 Agenda".to_owned(),
        "value_realised" => "創值 Value realised".to_owned(),
        "distributor_analysis" => "經銷商分析報告 Distributor's analysis".to_owned(),
        other => label(other),
    }
}

/// The columns a section's rows show first.
fn section_columns(name: &str) -> &'static [&'static str] {
    match name {
        "exceptions" => &["message", "rule", "scope", "value", "threshold"],
        "recommendations" => &["action", "owner", "sku", "evidence", "decision", "rule"],
        "recommendations_followed_up" => &["rule", "sku", "period", "decision", "still_fires"],
        "action_items" => &["title", "owner", "due_on", "standing", "raised_on", "meeting"],
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

fn section_blocks(out: &mut Vec<Block>, name: &str, section: &Json) {
    out.push(Block::Heading(2, section_heading(name)));
    match (name, section) {
        ("distributor_analysis", Json::Array(items)) => {
            if items.is_empty() {
                out.push(Block::Text("(無 none)".to_owned()));
            }
            for item in items {
                let text = |k: &str| match item.get(k) {
                    Some(Json::String(s)) => s.clone(),
                    Some(v @ Json::Number(_)) => crate::render::scalar(v),
                    _ => String::new(),
                };
                out.push(Block::Analysis {
                    id: text("period"),
                    heading: format!(
                        "{} · 版本 revision {} · 報送 submitted {}",
                        text("period"),
                        text("revision"),
                        text("submitted_on")
                    ),
                    reason: Some(text("reason")).filter(|r| !r.is_empty()),
                    text: text("text"),
                });
            }
        }
        ("value_realised", Json::Array(items)) if !items.is_empty() => {
            out.push(Block::Table(value_table(items)));
        }
        ("agenda", Json::Array(items)) => {
            for item in items {
                let question = match item.get("question") {
                    Some(Json::String(q)) => q.clone(),
                    _ => String::new(),
                };
                let topic = match item.get("topic") {
                    Some(Json::String(t)) => t.clone(),
                    _ => String::new(),
                };
                out.push(Block::Heading(3, question));
                object_blocks(
                    out,
                    &format!("agenda {topic}"),
                    item.get("data").unwrap_or(&Json::Null),
                    4,
                );
            }
        }
        (_, Json::Array(items)) if items.is_empty() => {
            out.push(Block::Text("(無 none)".to_owned()));
        }
        (_, Json::Array(items)) => {
            let items: Vec<Json> = items
                .iter()
                .map(|i| match i {
                    Json::Object(m) => Json::Object(
                        m.iter()
                            .filter(|(k, _)| !hidden(name, k))
                            .cloned()
                            .collect(),
                    ),
                    other => other.clone(),
                })
                .collect();
            out.push(Block::Table(object_table(
                name,
                &items,
                section_columns(name),
            )));
        }
        (_, other) => object_blocks(out, name, other, 3),
    }
}

/// The review pack's `value_realised`, one promise a row (`docs/kpis.md`, "Value
/// realised"), with its verdict in words.
fn value_table(items: &[Json]) -> Table {
    let rows = items
        .iter()
        .map(|item| {
            let text = |key: &str| match item.get(key) {
                Some(Json::String(s) | Json::Number(s)) => Some(s.clone()),
                _ => None,
            };
            let figure = |key: &str| {
                item.get(key).map_or(Cell::text("—"), |v| cell(key, v))
            };
            let dash = || "—".to_owned();
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
            vec![
                Cell::text(campaign),
                figure("skus"),
                Cell::text(months),
                figure("uplift_cases"),
                figure("actual_cases"),
                figure("baseline_cases"),
                figure("realised_cases"),
                figure("realisation_pct"),
                Cell::text(verdict),
            ]
        })
        .collect();
    Table {
        title: "value_realised".to_owned(),
        head: [
            "活動 campaign",
            "規格 SKUs",
            "月份 months",
            "承諾增量(箱) uplift",
            "實際(箱) actual",
            "基線(箱) baseline",
            "實現(箱) realised",
            "兌現率 realisation",
            "兌現 kept",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows,
    }
}

fn title(report: &Report) -> String {
    let kind = match report.kind {
        ReportKind::Market => "市場分析 Market report",
        ReportKind::Brand => "品牌分析 Brand report",
        ReportKind::Scorecard => "協同評分 Collaboration scorecard",
        ReportKind::Review => "例會材料 Review pack",
    };
    format!("{kind} — {} — {}", report.partnership, report.period)
}

fn subtitle(report: &Report) -> String {
    let version = report
        .version
        .map_or("實時 live".to_owned(), |v| format!("第 {v} 版 version {v}"));
    let mut s = format!("{version} · 截至 as of {}", report.as_of);
    if report.partial {
        let months: Vec<String> = report.months_included.iter().map(|m| m.to_string()).collect();
        s.push_str(&format!(
            " · 部分期間 partial: {}",
            if months.is_empty() {
                "—".to_owned()
            } else {
                months.join(", ")
            }
        ));
    }
    s
}

fn kpi_table(kpis: &Kpis) -> Table {
    Table {
        title: "KPI".to_owned(),
        head: vec!["指標 KPI".to_owned(), "數值 value".to_owned()],
        rows: in_reading_order(kpis.keys().copied())
            .into_iter()
            .map(|k| {
                vec![
                    Cell::text(label(k)),
                    match &kpis[k] {
                        Figure::Mix(_) => cell("class_mix", &crate::report::figure_json(&kpis[k])),
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
fn figure_tables(
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
                .chain(keys.iter().map(|k| label(k)))
                .collect(),
            rows: rows
                .iter()
                .map(|(lead, kpis)| {
                    let mut cells = lead.clone();
                    cells.extend(keys.iter().map(|k| match kpis.get(k) {
                        None => Cell::text("—"),
                        Some(Figure::Text(t)) if *k == "on_time" => Cell::text(match t.as_str() {
                            "yes" => "是 yes",
                            "no" => "否 no",
                            _ => "歷史 history",
                        }),
                        Some(f) => Cell::figure(k, f.clone()),
                    }));
                    cells
                })
                .collect(),
        })
        .collect()
}

/// Brands or SKUs: the id (and a SKU's catalogue name) first, then the figures.
fn row_tables(title: &str, rows: &[Row], width: Width) -> Vec<Table> {
    let Some(first) = rows.first() else {
        return Vec::new();
    };
    let named = rows.iter().any(|r| r.name().is_some());
    let mut head = vec![label(first.id_key)];
    if named {
        head.push(label("name"));
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
    figure_tables(title, &head, &rows, width)
}

fn series_tables(series: &[SeriesPoint], width: Width) -> Vec<Table> {
    let rows: Vec<(Vec<Cell>, &Kpis)> = series
        .iter()
        .map(|p| (vec![Cell::text(p.month.to_string())], &p.values))
        .collect();
    if rows.is_empty() {
        return Vec::new();
    }
    figure_tables("月度 Monthly series", &[label("month")], &rows, width)
}

/// The report laid out: title, headline KPIs, charts, brands (with each brand's details),
/// SKUs, the monthly series and the report's own sections.
pub fn document(report: &Report, width: Width) -> Vec<Block> {
    let mut out = vec![
        Block::Heading(1, title(report)),
        Block::Text(subtitle(report)),
    ];
    if !report.kpis.is_empty() {
        out.push(Block::Heading(2, "關鍵指標 Headline KPIs".to_owned()));
        out.push(Block::Table(kpi_table(&report.kpis)));
    }
    out.push(Block::Charts);
    let tables = row_tables("品牌 Brands", &report.brands, width);
    if !tables.is_empty() {
        out.push(Block::Heading(2, "品牌 Brands".to_owned()));
        out.extend(tables.into_iter().map(Block::Table));
    }
    for row in report.brands.iter().filter(|r| !r.extra.is_empty()) {
        out.push(Block::Heading(3, row.id.clone()));
        object_blocks(&mut out, &format!("brand {}", row.id), &row.extra_json(), 4);
    }
    let tables = row_tables("規格 SKUs", &report.skus, width);
    if !tables.is_empty() {
        out.push(Block::Heading(2, "規格 SKUs".to_owned()));
        out.extend(tables.into_iter().map(Block::Table));
    }
    let tables = series_tables(&report.series, width);
    if !tables.is_empty() {
        out.push(Block::Heading(2, "月度 Monthly series".to_owned()));
        out.extend(tables.into_iter().map(Block::Table));
    }
    for (name, section) in &report.sections {
        section_blocks(&mut out, name, section);
    }
    out
}
