//! Reports laid out for people: labelled columns in reading order, SKU names, the review
//! pack's sections as tables, and an issued body read back into the report it froze.

use synergy_changzhi as changzhi;
use synergy_evaluation::PartnershipModel;
use synergy_evaluation::json::Json;
use synergy_evaluation::render;
use synergy_evaluation::report::{self, Report};
use synergy_proto::events::evaluation::ReportKind;
use synergy_proto::{Date, Period};

fn folded() -> PartnershipModel {
    let mut model = PartnershipModel::new(changzhi::PARTNERSHIP.parse().unwrap());
    for c in changzhi::commits() {
        model.apply(&c);
    }
    model
}

fn as_of() -> Date {
    "2008-07-20".parse().unwrap()
}

#[test]
fn every_report_reads_back_from_its_json() {
    let model = folded();
    for period in ["2008-H1", "2008-06", "2008-Q3"] {
        let period: Period = period.parse().unwrap();
        for kind in ReportKind::ALL {
            let report = report::build(kind, &model, period, as_of());
            let frozen = Json::parse(&render::to_json(&report)).unwrap();
            let back = Report::from_json(&frozen).expect("a report's own JSON reads back");
            assert_eq!(back, report, "{kind:?} {period}");
        }
    }
}

#[test]
fn a_body_with_an_unknown_member_is_refused() {
    let report = report::build(ReportKind::Market, &folded(), "2008-H1".parse().unwrap(), as_of());
    let text = render::to_json(&report).replacen("\"kpis\":{", "\"kpis\":{\"volumen\":1,", 1);
    let err = Report::from_json(&Json::parse(&text).unwrap()).expect_err("unknown key");
    assert!(err.to_string().contains("\"volumen\""), "{err}");
}

#[test]
fn brand_and_sku_tables_read_name_volume_share_change_in_that_order() {
    let report = report::build(ReportKind::Market, &folded(), "2008-H1".parse().unwrap(), as_of());
    let md = render::to_markdown(&report);
    assert!(
        md.contains(
            "| 規格 SKU | 名稱 name | 銷量(箱) volume | 銷售額 revenue | 全市場銷量(箱) market volume |"
        ) || md.contains("| 規格 SKU | 名稱 name | 銷量(箱) volume | 銷售額 revenue | 銷量佔有率 volume share |"),
        "{md}"
    );
    assert!(md.contains("| hongyun-hard | 紅雲(硬) | 3,333 |"), "{md}");
    assert!(md.contains("| 品牌 brand | 銷量(箱) volume |"), "{md}");
    // Wide tables are split for a page: no table has more than 2 + 8 columns.
    for line in md.lines().filter(|l| l.starts_with('|')) {
        assert!(line.matches(" |").count() <= 10, "{line}");
    }
}

#[test]
fn the_review_pack_shows_no_raw_keys() {
    let pack = report::build(ReportKind::Review, &folded(), "2008-H1".parse().unwrap(), as_of());
    let md = render::to_markdown(&pack);
    let html = render::to_html(&pack);
    for text in [&md, &html] {
        for raw in ["overdue false", "true", "false", "_pct", "_cases", "_yuan", "due_on", "share_gap"] {
            assert!(!text.contains(raw), "{raw} in {text}");
        }
    }
    assert!(
        md.contains("| 事項 title | 負責方 owner | 到期日 due | 狀態 standing |"),
        "{md}"
    );
    assert!(md.contains("| Monthly data by the 10th: name a data owner | distributor | 2008-07-31 | 未結 open |"), "{md}");
    assert!(md.contains("### 為什麼會贏，或者為什麼會輸 — why did we win or lose?\n\n| 項目 item | 數值 value |"), "{md}");
    assert!(md.contains("| 佔有率變化 share change | 2.11 pt |"), "{md}");
    assert!(md.contains("| 建議 action | 負責方 owner | 規格 SKU | 依據 evidence | 決定 decision |"), "{md}");
    // The page prints on A4 with the header of a table on every page.
    assert!(html.contains("@page{size:A4"), "{html}");
    assert!(html.contains("thead{display:table-header-group}"), "{html}");
    assert!(html.contains("<thead><tr><th scope=\"col\">事項 title</th>"), "{html}");
}
