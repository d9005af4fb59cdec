//! Reports laid out for people: labelled columns in reading order, SKU names, the review
//! pack's sections as tables, and an issued body read back into the report it froze.

use synergy_evaluation::json::Json;
use synergy_evaluation::locale::Lang;
use synergy_evaluation::report::{self, Report};
use synergy_evaluation::{render, xlsx};
use synergy_proto::events::evaluation::ReportKind;
use synergy_proto::{Date, Period};

mod common;

use common::changzhi_folded as folded;

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
    let report = report::build(
        ReportKind::Market,
        &folded(),
        "2008-H1".parse().unwrap(),
        as_of(),
    );
    let text = render::to_json(&report).replacen("\"kpis\":{", "\"kpis\":{\"volumen\":1,", 1);
    let err = Report::from_json(&Json::parse(&text).unwrap()).expect_err("unknown key");
    assert!(err.to_string().contains("\"volumen\""), "{err}");
}

#[test]
fn brand_and_sku_tables_read_name_volume_share_change_in_that_order() {
    let report = report::build(
        ReportKind::Market,
        &folded(),
        "2008-H1".parse().unwrap(),
        as_of(),
    );
    let md = render::to_markdown(&report);
    assert!(
        md.contains("| 规格 | 名称 | 销量(箱) | 销售额 | 销量占有率 | 销售额占有率 | 单箱销售额 |"),
        "{md}"
    );
    assert!(
        md.contains("| hongyun-hard | 紅雲(硬) | 3,333 | 6,327.83 万元 | 4.93 % |"),
        "{md}"
    );
    assert!(md.contains("| 品牌 | 销量(箱) | 销售额 |"), "{md}");
    // Wide tables are split for a page: none has more than 2 + 8 columns.
    for line in md.lines().filter(|l| l.starts_with('|')) {
        assert!(line.matches(" |").count() <= 10, "{line}");
    }
    let en = render::to_markdown_in(&report, Lang::En);
    assert!(
        en.contains("| SKU | name | volume (cases) | revenue | volume share | revenue share |"),
        "{en}"
    );
    assert!(
        en.contains("| hongyun-hard | 紅雲(硬) | 3,333 | ¥63,278,251.00 | 4.93 % |"),
        "{en}"
    );
}

#[test]
fn chinese_reads_large_amounts_in_wan_and_yi_english_in_thousands() {
    let report = report::build(
        ReportKind::Market,
        &folded(),
        "2008-H1".parse().unwrap(),
        as_of(),
    );
    let cn = render::to_markdown(&report);
    assert!(cn.contains("| 销量(箱) | 1.53 万箱 |"), "{cn}");
    assert!(cn.contains("| 销售额 | 2.17 亿元 |"), "{cn}");
    let tw = render::to_markdown_in(&report, Lang::ZhTw);
    assert!(tw.contains("| 銷售額 | 2.17 億元 |"), "{tw}");
    let en = render::to_markdown_in(&report, Lang::En);
    assert!(en.contains("| revenue | ¥217,000,000.00 |"), "{en}");
    // The JSON and the CSV do not change with the language.
    assert_eq!(
        render::render_in(&report, render::Format::Csv, Lang::En),
        render::to_csv(&report)
    );
}

#[test]
fn the_review_pack_shows_no_raw_keys() {
    let pack = report::build(
        ReportKind::Review,
        &folded(),
        "2008-H1".parse().unwrap(),
        as_of(),
    );
    for lang in Lang::ALL {
        let md = render::to_markdown_in(&pack, lang);
        let html = render::to_html_in(&pack, lang);
        for text in [&md, &html] {
            for raw in [
                "overdue false",
                "true",
                "false",
                "_pct",
                "_cases",
                "_yuan",
                "due_on",
                "share_gap",
                "data:",
            ] {
                assert!(!text.contains(raw), "{lang}: {raw} in {text}");
            }
        }
    }
    let md = render::to_markdown(&pack);
    assert!(md.contains("| 事项 | 负责方 | 到期日 | 状态 |"), "{md}");
    assert!(
        md.contains("| Monthly data by the 10th: name a data owner | 经销商 | 2008-07-31 | 未结 |"),
        "{md}"
    );
    assert!(
        md.contains("### 为什么会赢，或者为什么会输？\n\n| 项目 | 数值 |"),
        "{md}"
    );
    // Words the pack carries as values (sides, outcomes, price classes) in the language.
    assert!(
        md.contains("| 类别结构 | 1类 7.10 % · 2类 33.94 % · 3类 58.95 % |"),
        "{md}"
    );
    let en = render::to_markdown_in(&pack, Lang::En);
    assert!(
        en.contains("### Why did we win or lose?\n\n| item | value |"),
        "{en}"
    );
    assert!(en.contains("| share change | 2.11 pt |"), "{en}");
    assert!(
        en.contains("| action | owner | SKU | evidence | decision |"),
        "{en}"
    );
    assert!(
        en.contains("| data on time 83.33 % · months due 6 · months on time 5 |"),
        "{en}"
    );
    // The page prints on A4 with the header of a table on every page.
    let html = render::to_html(&pack);
    assert!(html.contains("<html lang=\"zh-Hans\">"), "{html}");
    assert!(html.contains("@page{size:A4"), "{html}");
    assert!(html.contains("thead{display:table-header-group}"), "{html}");
    assert!(
        html.contains("<thead><tr><th scope=\"col\">事项</th>"),
        "{html}"
    );
}

#[test]
fn the_workbook_has_a_sheet_per_table_with_numbers_as_numbers() {
    use calamine::{Data, Reader, Xlsx};
    let pack = report::build(
        ReportKind::Review,
        &folded(),
        "2008-H1".parse().unwrap(),
        as_of(),
    );
    let bytes = xlsx::to_xlsx(&pack, Lang::ZhCn).unwrap();
    let mut book = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let names = book.sheet_names();
    assert!(names.iter().any(|n| n == "关键指标"), "{names:?}");
    assert!(names.iter().any(|n| n == "品牌"), "{names:?}");
    assert!(names.iter().any(|n| n == "未结事项"), "{names:?}");
    assert!(names.iter().any(|n| n == "月度"), "{names:?}");
    let kpis = book.worksheet_range("关键指标").unwrap();
    assert_eq!(kpis.get_value((0, 0)), Some(&Data::String("指标".into())));
    let row = |label: &str| {
        (0..kpis.height())
            .find(|r| kpis.get_value((*r as u32, 0)) == Some(&Data::String(label.into())))
            .and_then(|r| kpis.get_value((r as u32, 1)).cloned())
    };
    assert_eq!(row("销量(箱)"), Some(Data::Float(15300.0)));
    assert_eq!(row("销售额"), Some(Data::Float(217_000_000.0)));
    // 22.63 % is the fraction, shown by the cell's percent format.
    assert_eq!(row("销量占有率"), Some(Data::Float(0.2263)));
    // One brand table with every column: a spreadsheet scrolls.
    let brands = book.worksheet_range("品牌").unwrap();
    assert_eq!(brands.width(), 11, "brand + 10 KPIs");
    assert_eq!(
        brands.get_value((1, 0)),
        Some(&Data::String("hongyun".into()))
    );
    assert_eq!(brands.get_value((1, 1)), Some(&Data::Float(9910.0)));
}
