//! XLSX workbooks, built here with rust_xlsxwriter: numbers stored as floats, text periods,
//! date-formatted periods, formula results and where the data starts on the sheet.
//! (Workbooks as people write them, and of several sheets: `as_written.rs`, `sheets.rs`.)

mod common;

use common::{assert_problems, at, catalogue, market_csv, row};
use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, Formula, Workbook, Worksheet};
use synergy_import::{Format, ImportErrors, parse_catalogue, parse_market_data};

/// A cell to write: text, a number, a date, a boolean, or a formula with its cached result.
#[derive(Debug, Clone)]
enum V {
    T(&'static str),
    N(f64),
    D(u16, u8, u8),
    B(bool),
    F(&'static str, &'static str),
    Blank,
}

use V::{B, Blank, D, F, N, T};

fn write_rows(sheet: &mut Worksheet, first_row: u32, first_col: u16, rows: &[Vec<V>]) {
    let date = CellFormat::new().set_num_format("yyyy-mm");
    for (r, cells) in rows.iter().enumerate() {
        let r = first_row + r as u32;
        for (c, v) in cells.iter().enumerate() {
            let c = first_col + c as u16;
            match v {
                T(s) => sheet.write_string(r, c, *s).map(|_| ()),
                N(n) => sheet.write_number(r, c, *n).map(|_| ()),
                D(y, m, d) => {
                    let dt = ExcelDateTime::from_ymd(*y, *m, *d).expect("test date");
                    sheet
                        .write_datetime_with_format(r, c, &dt, &date)
                        .map(|_| ())
                }
                B(b) => sheet.write_boolean(r, c, *b).map(|_| ()),
                F(formula, result) => sheet
                    .write_formula(r, c, Formula::new(*formula).set_result(*result))
                    .map(|_| ()),
                Blank => Ok(()),
            }
            .expect("write cell");
        }
    }
}

fn workbook_at(first_row: u32, first_col: u16, rows: &[Vec<V>]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    write_rows(workbook.add_worksheet(), first_row, first_col, rows);
    // A second sheet without the header is not read.
    write_rows(workbook.add_worksheet(), 0, 0, &[vec![T("not"), T("read")]]);
    workbook.save_to_buffer().expect("xlsx in memory")
}

fn workbook(rows: &[Vec<V>]) -> Vec<u8> {
    workbook_at(0, 0, rows)
}

fn market_header() -> Vec<V> {
    common::MARKET_HEADER.split(',').map(T).collect()
}

fn good_rows() -> Vec<Vec<V>> {
    vec![
        market_header(),
        vec![
            T("2008-06"),
            T("hy-soft"),
            N(1200.5),
            N(16_500_000.0),
            N(310.0),
            N(2900.0),
            N(2600.0),
            N(192.0),
        ],
        vec![
            T("2008-06"),
            T("hy-hard"),
            N(800.125),
            N(9_000_000.55),
            N(120.25),
            N(2500.0),
            N(2000.0),
            N(150.1),
        ],
        vec![
            T("2008-06"),
            T("ALL"),
            N(11300.0),
            N(121_000_000.0),
            Blank,
            N(5200.0),
            Blank,
            Blank,
        ],
        vec![
            T("2008-05"),
            T("hy-soft"),
            T("1100"),
            T("15000000.00"),
            T("300"),
            T("2800"),
            T("2500"),
            T("191.50"),
        ],
        vec![
            T("2008-05"),
            T("ALL"),
            N(11000.0),
            N(119_000_000.0),
            Blank,
            N(5100.0),
            Blank,
            Blank,
        ],
    ]
}

const SKUS: [&str; 2] = ["hy-soft", "hy-hard"];

/// The rejection of a workbook of [`good_rows`] with each `(row, column, cell)` of `edits`
/// written over, read without a catalogue.
fn rejected_with(edits: Vec<(usize, usize, V)>) -> ImportErrors {
    let mut rows = good_rows();
    for (r, c, cell) in edits {
        rows[r][c] = cell;
    }
    parse_market_data(&workbook(&rows), Format::Xlsx, None).expect_err("a rejected workbook")
}

/// A catalogue sheet: its header, a plain row, and a row whose SKU and price are numbers
/// and whose class is written out in Chinese.
fn catalogue_rows() -> Vec<Vec<V>> {
    vec![
        vec![
            T("brand"),
            T("sku"),
            T("name"),
            T("price_class"),
            T("guide_price_yuan"),
        ],
        vec![T("hongyun"), T("hy-soft"), T("紅雲(軟)"), N(2.0), N(190.0)],
        vec![
            T("hongyun"),
            N(1001.0),
            T("紅雲 1001"),
            T("一類"),
            N(230.55),
        ],
    ]
}

#[test]
fn good_workbook_equals_the_same_data_as_csv() {
    let bytes = workbook(&good_rows());
    assert_eq!(Format::sniff(&bytes, None), Format::Xlsx);
    let from_xlsx =
        parse_market_data(&bytes, Format::Xlsx, Some(&catalogue(&SKUS))).expect("valid workbook");
    let csv = market_csv(&[
        "2008-06,hy-soft,1200.5,16500000,310,2900,2600,192",
        "2008-06,hy-hard,800.125,9000000.55,120.25,2500,2000,150.1",
        "2008-06,ALL,11300,121000000,,5200,,",
        "2008-05,hy-soft,1100,15000000.00,300,2800,2500,191.50",
        "2008-05,ALL,11000,119000000,,5100,,",
    ]);
    let from_csv =
        parse_market_data(csv.as_bytes(), Format::Csv, Some(&catalogue(&SKUS))).expect("valid csv");
    assert_eq!(from_xlsx, from_csv);
    assert_eq!(from_xlsx.len(), 2);
    assert_eq!(from_xlsx[1].lines[0].volume.units(), 800_125);
    assert_eq!(from_xlsx[1].lines[0].revenue.units(), 900_000_055);
}

#[test]
fn row_numbers_are_the_sheets_even_when_data_starts_lower_and_righter() {
    let mut rows = good_rows();
    rows[2][2] = N(-1.0);
    let bytes = workbook_at(2, 1, &rows);
    let errors = parse_market_data(&bytes, Format::Xlsx, None).expect_err("negative volume");
    // Header on sheet row 3, so the second data row is row 5.
    assert_problems(&errors, &[at(5, "volume_cases", "import.negative")]);
}

#[test]
fn a_date_cell_period_is_its_month_and_a_number_is_refused() {
    let mut rows = good_rows();
    rows[1][0] = D(2008, 6, 1);
    rows[2][0] = D(2008, 6, 30);
    let from_dates = parse_market_data(&workbook(&rows), Format::Xlsx, None).expect("dates");
    let from_text = parse_market_data(&workbook(&good_rows()), Format::Xlsx, None).expect("text");
    assert_eq!(from_dates, from_text);

    let errors = rejected_with(vec![(3, 0, N(2008.06))]);
    assert_problems(&errors, &[at(4, "period", "import.period_as_text")]);
    assert!(
        errors.errors[0].reason.contains("holds the number 2008.06"),
        "{errors}"
    );
}

#[test]
fn floats_are_their_decimal_and_more_decimals_than_allowed_are_refused_not_rounded() {
    // A formula's typical 0.30000000000000004 is the 0.3 the sheet shows.
    let mut rows = good_rows();
    rows[1][3] = N(0.1 + 0.2);
    let months = parse_market_data(&workbook(&rows), Format::Xlsx, None).expect("noise");
    assert_eq!(months[1].lines[1].revenue.units(), 30);

    let errors = rejected_with(vec![(2, 2, N(800.1255)), (2, 5, N(2500.5))]);
    assert_problems(
        &errors,
        &[
            at(3, "volume_cases", "import.too_many_decimals"),
            at(3, "outlets_stocking", "import.whole_number"),
        ],
    );
    assert!(
        errors.errors[0]
            .reason
            .contains("the cell stores exactly 800.1255"),
        "{}",
        errors.errors[0].reason
    );
}

#[test]
fn booleans_and_formula_errors_are_named() {
    let errors = rejected_with(vec![
        (1, 4, B(true)),
        (2, 3, F("=1/0", "#DIV/0!")),
        (4, 3, F("=15000000+1", "15000001")),
    ]);
    assert_problems(
        &errors,
        &[
            at(2, "closing_stock_cases", "import.cell_type"),
            at(3, "revenue_yuan", "import.cell_type"),
        ],
    );
    assert!(errors.errors[0].reason.contains("TRUE"));
    assert!(errors.errors[1].reason.contains("#DIV/0!"));
}

#[test]
fn catalogue_workbook_with_numeric_cells() {
    let mut rows = catalogue_rows();
    rows.push(vec![Blank, Blank, Blank, Blank, Blank]);
    rows.push(vec![T("hongyun"), T("hy-x"), T("x"), N(2.0), N(190.555)]);
    let bytes = workbook(&rows);
    let errors = parse_catalogue(&bytes, Format::Xlsx).expect_err("three decimals");
    assert_problems(
        &errors,
        &[at(5, "guide_price_yuan", "import.too_many_decimals")],
    );

    let bytes = workbook(&catalogue_rows());
    let entries = parse_catalogue(&bytes, Format::Xlsx).expect("valid");
    assert_eq!(entries[1].sku.as_str(), "1001");
    assert_eq!(entries[1].price_class, 1);
    assert_eq!(entries[1].guide_price.units(), 23_055);
}

#[test]
fn damaged_or_mislabelled_files() {
    let errors =
        parse_market_data(b"PK\x03\x04 not really a zip", Format::Xlsx, None).expect_err("damaged");
    assert_problems(&errors, &[row(1, "import.unreadable_workbook")]);

    let csv_as_xlsx = market_csv(&["2008-06,ALL,1,1,,1,,"]);
    let errors =
        parse_market_data(csv_as_xlsx.as_bytes(), Format::Xlsx, None).expect_err("not a workbook");
    assert_problems(&errors, &[row(1, "import.unreadable_workbook")]);

    let bytes = workbook(&good_rows());
    let errors = parse_market_data(&bytes, Format::Csv, None).expect_err("workbook as CSV");
    assert_problems(&errors, &[row(1, "import.format_mismatch")]);

    let mut empty = Workbook::new();
    empty.add_worksheet();
    let empty = empty.save_to_buffer().expect("xlsx in memory");
    let errors = parse_market_data(&empty, Format::Xlsx, None).expect_err("empty sheet");
    assert_problems(&errors, &[row(1, "import.empty_file")]);
}
