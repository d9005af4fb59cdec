//! Workbooks of several sheets: the one whose first row is the import's header is read
//! and named; several such sheets are refused unless one is chosen; a chosen sheet must
//! exist; every sheet's first row is counted against the limits.

mod common;

use common::{assert_problems, catalogue, row};
use rust_xlsxwriter::Workbook;
use synergy_import::{Format, Limits, Source, read_catalogue, read_market_data};

const MARKET: &str = "period,sku,volume_cases,revenue_yuan,closing_stock_cases,outlets_stocking,outlets_selling,avg_retail_price_yuan
2008-06,hy-soft,1200.5,16500000,310,2900,2600,192
2008-06,ALL,11300,121000000,,5200,,";

const JULY: &str = "期間,規格,銷量,銷售額,期末庫存,鋪貨戶數,動銷戶數,平均零售價
2008-07,hy-soft,1300,17000000,300,2950,2650,193
2008-07,ALL,11500,122000000,,5210,,";

const NOTES: &str = "說明,how to fill in
one row per SKU and month,the ALL row carries the market";

const CATALOGUE: &str = "brand,sku,name,price_class,guide_price_yuan
hongyun,hy-soft,紅雲(軟),2,190.00";

/// A workbook of `(name, CSV-like text)` sheets; empty text leaves a sheet empty.
fn book(sheets: &[(&str, &str)]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    for (name, text) in sheets {
        let sheet = workbook.add_worksheet().set_name(*name).expect("name");
        for (r, line) in text.lines().enumerate() {
            for (c, cell) in line.split(',').enumerate() {
                let (r, c) = (r as u32, c as u16);
                if let Ok(n) = cell.parse::<f64>() {
                    sheet.write_number(r, c, n).expect("number");
                } else if !cell.is_empty() {
                    sheet.write_string(r, c, cell).expect("text");
                }
            }
        }
    }
    workbook.save_to_buffer().expect("xlsx")
}

fn market(
    bytes: &[u8],
    sheet: Option<&str>,
) -> Result<(Vec<String>, Option<String>), synergy_import::ImportErrors> {
    read_market_data(
        Source::File {
            bytes,
            format: Format::Xlsx,
            sheet,
        },
        Some(&catalogue(&["hy-soft"])),
        &Limits::DEFAULT,
    )
    .map(|p| {
        (
            p.value.iter().map(|m| m.month.to_string()).collect(),
            p.sheet,
        )
    })
}

#[test]
fn the_one_sheet_with_the_header_is_read_and_named() {
    let bytes = book(&[
        ("說明", NOTES),
        ("Sheet2", ""),
        ("六月數據", MARKET),
        ("catalogue", CATALOGUE),
    ]);
    let (months, sheet) = market(&bytes, None).expect("one data sheet");
    assert_eq!(months, ["2008-06"]);
    assert_eq!(sheet.as_deref(), Some("六月數據"));
    // The catalogue import finds its own sheet in the same workbook.
    let read =
        read_catalogue(Source::file(&bytes, Format::Xlsx), &Limits::DEFAULT).expect("catalogue");
    assert_eq!(read.sheet.as_deref(), Some("catalogue"));
    assert_eq!(read.value.len(), 1);
}

#[test]
fn several_sheets_with_the_header_are_refused_unless_one_is_chosen() {
    let bytes = book(&[("六月", MARKET), ("說明", NOTES), ("七月", JULY)]);
    let errors = market(&bytes, None).expect_err("two data sheets");
    assert_problems(&errors, &[row(1, "import.several_sheets")]);
    assert_eq!(
        errors.errors[0].reason,
        "the sheets \"六月\" and \"七月\" each start with a header of market data columns; \
         choose the sheet to import (--sheet NAME on the command line, ?sheet=NAME over HTTP)"
    );
    assert_eq!(errors.sheet, None);

    let (months, sheet) = market(&bytes, Some("七月")).expect("July chosen");
    assert_eq!(
        (months, sheet.as_deref()),
        (vec!["2008-07".to_owned()], Some("七月"))
    );
    // A name differing only in letter case or surrounding spaces is the sheet.
    let bytes = book(&[("June", MARKET), ("July", JULY)]);
    let (months, sheet) = market(&bytes, Some(" june ")).expect("June chosen");
    assert_eq!(
        (months, sheet.as_deref()),
        (vec!["2008-06".to_owned()], Some("June"))
    );
}

#[test]
fn a_chosen_sheet_must_exist_and_its_rows_are_read_whatever_its_first_row() {
    let bytes = book(&[("六月", MARKET), ("說明", NOTES)]);
    let errors = market(&bytes, Some("July")).expect_err("no such sheet");
    assert_problems(&errors, &[row(1, "import.no_such_sheet")]);
    assert_eq!(
        errors.errors[0].reason,
        "the workbook has no sheet \"July\"; its sheets are \"六月\" and \"說明\""
    );
    // Chosen, the notes are read as data and refused naming the sheet.
    let errors = market(&bytes, Some("說明")).expect_err("notes are no data");
    assert_eq!(errors.sheet.as_deref(), Some("說明"));
    assert!(
        errors.iter().all(|e| e.rule == "import.missing_column"),
        "{errors}"
    );

    // A CSV file has no sheets to choose from.
    let errors = read_market_data(
        Source::File {
            bytes: MARKET.as_bytes(),
            format: Format::Csv,
            sheet: Some("六月"),
        },
        None,
        &Limits::DEFAULT,
    )
    .expect_err("CSV with a sheet");
    assert_problems(&errors, &[row(1, "import.no_such_sheet")]);
}

#[test]
fn without_a_header_anywhere_the_only_sheet_with_cells_is_read_else_refused() {
    // Three of eight columns named: no header of market data.
    let bad_header = MARKET.replacen(
        "period,sku,volume_cases,revenue_yuan,closing_stock_cases",
        "month,code,volume,revenue,stock",
        1,
    );
    let bytes = book(&[("Sheet1", ""), ("data", &bad_header), ("Sheet3", "")]);
    let errors = market(&bytes, None).expect_err("read and refused");
    assert_eq!(errors.sheet.as_deref(), Some("data"));
    assert_eq!(errors.len(), 5, "{errors}");
    assert!(
        errors.iter().all(|e| e.rule == "import.missing_column"),
        "{errors}"
    );

    let bytes = book(&[("data", &bad_header), ("說明", NOTES)]);
    let errors = market(&bytes, None).expect_err("which one?");
    assert_problems(&errors, &[row(1, "import.no_sheet")]);
    assert!(
        errors.errors[0]
            .reason
            .contains("the sheets holding cells are \"data\" and \"說明\""),
        "{errors}"
    );
}

#[test]
fn every_sheets_first_row_counts_against_the_limits() {
    let wide = format!("{},far", ",".repeat(300));
    let bytes = book(&[("六月", MARKET), ("wide", &wide)]);
    let errors = market(&bytes, None).expect_err("a first row past the columns");
    assert_problems(&errors, &[row(1, "import.limit_columns")]);
    assert!(
        errors.errors[0]
            .reason
            .contains("cell KP1 of sheet \"wide\""),
        "{errors}"
    );
    // Chosen, the other sheet is not looked at.
    assert!(market(&bytes, Some("六月")).is_ok());

    let long = "x".repeat(600);
    let text = [long.as_str(), &long, &long].join(",");
    let bytes = book(&[("六月", MARKET), ("a", &text), ("b", &text)]);
    let limits = Limits {
        text_bytes: 3_000,
        ..Limits::DEFAULT
    };
    let errors = read_market_data(Source::file(&bytes, Format::Xlsx), None, &limits)
        .expect_err("the header rows' text");
    assert_problems(&errors, &[row(1, "import.limit_text_bytes")]);
}
