//! Spreadsheets as people write them (`docs/import-formats.md`): a workbook whose period
//! cells Excel turned into dates, whose figures are binary floats, text with thousands
//! separators or full-width digits, whose header is in Chinese with spaces and units, and
//! which carries a 備註 column, imports to exactly what the plain CSV imports to.

mod common;

use common::{assert_problems, at, catalogue, market_csv, patch_part};
use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, Workbook, Worksheet};
use synergy_import::{Format, Limits, Source, read_catalogue, read_market_data};

const SKUS: [&str; 2] = ["hy-soft", "hy-hard"];

/// The plain file: what every variant below must import to.
fn plain_csv() -> String {
    market_csv(&[
        "2008-05,hy-soft,1100,15000000.00,300,2800,2500,191.50",
        "2008-05,ALL,11000,119000000,,5100,,",
        "2008-06,hy-soft,1200.5,16500000,310,2900,2600,192",
        "2008-06,hy-hard,800.125,9000000.55,120.25,2500,2000,150.1",
        "2008-06,ALL,11300,121000000,,5200,,",
    ])
}

/// A cell as people leave it.
#[derive(Debug, Clone)]
enum V {
    /// Text.
    T(&'static str),
    /// A number cell.
    N(f64),
    /// A date cell: a serial day number with a date format.
    D(u16, u8, u8),
    Blank,
}

use V::{Blank, D, N, T};

fn write(sheet: &mut Worksheet, rows: &[Vec<V>]) {
    let date = CellFormat::new().set_num_format("yyyy-mm");
    for (r, cells) in rows.iter().enumerate() {
        for (c, v) in cells.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            match v {
                T(s) => sheet.write_string(r, c, *s).map(drop),
                N(n) => sheet.write_number(r, c, *n).map(drop),
                D(y, m, d) => {
                    let day = ExcelDateTime::from_ymd(*y, *m, *d).expect("a day");
                    sheet
                        .write_datetime_with_format(r, c, &day, &date)
                        .map(drop)
                }
                Blank => Ok(()),
            }
            .expect("cell");
        }
    }
}

fn book(rows: &[Vec<V>]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    write(
        workbook.add_worksheet().set_name("六月").expect("name"),
        rows,
    );
    workbook.save_to_buffer().expect("xlsx")
}

/// The same months as people keep them: Traditional and Simplified headers with spaces
/// and units, a 備註 column in the middle, dates for months (the first and the last day,
/// and a month typed as text in Chinese), float noise, thousands separators, full-width
/// digits, and rows in another order.
fn as_written() -> Vec<Vec<V>> {
    vec![
        vec![
            T(" 期間 "),
            T("規格"),
            T("銷量（箱）"),
            T("销售额 (元)"),
            T("備註"),
            T("期末 庫存"),
            T("鋪貨戶數"),
            T("动销户数"),
            T("Avg Retail Price Yuan"),
        ],
        vec![
            D(2008, 6, 30),
            T("hy-hard"),
            N(800.1250000000001),
            T("9,000,000.55"),
            T("到貨晚了"),
            N(120.25),
            N(2500.0),
            N(2000.0),
            N(150.1),
        ],
        vec![
            D(2008, 6, 1),
            T("hy-soft"),
            N(1200.4999999999998),
            N(16_500_000.0),
            Blank,
            T("３１０"),
            T("2,900"),
            N(2600.0000000000005),
            T("192.00"),
        ],
        vec![
            T("2008年6月"),
            T("ALL"),
            T("11 300"),
            N(121_000_000.0),
            T("全市場"),
            Blank,
            N(5200.0),
            Blank,
            Blank,
        ],
        vec![
            D(2008, 5, 15),
            T("hy-soft"),
            N(1100.0),
            T("15,000,000.00"),
            Blank,
            N(300.0),
            N(2800.0),
            N(2500.0),
            N(191.5),
        ],
        vec![
            T("2008/5/1"),
            T("all"),
            N(11000.0),
            N(119_000_000.0),
            Blank,
            Blank,
            T("5,100"),
            Blank,
            Blank,
        ],
    ]
}

#[test]
fn a_workbook_as_people_write_it_imports_as_the_plain_csv() {
    let cat = catalogue(&SKUS);
    let csv = plain_csv();
    let from_csv = read_market_data(
        Source::file(csv.as_bytes(), Format::Csv),
        Some(&cat),
        &Limits::DEFAULT,
    )
    .expect("the plain CSV");
    let bytes = book(&as_written());
    let from_xlsx = read_market_data(
        Source::file(&bytes, Format::Xlsx),
        Some(&cat),
        &Limits::DEFAULT,
    )
    .expect("the workbook as written");
    assert_eq!(from_xlsx.value, from_csv.value);
    assert_eq!(from_xlsx.sheet.as_deref(), Some("六月"));
    assert_eq!(from_csv.sheet, None);
    assert!(from_csv.warnings.is_empty());
    let warnings: Vec<(usize, Option<&str>, &str)> = from_xlsx
        .warnings
        .iter()
        .map(|w| (w.line, w.column.as_deref(), w.rule))
        .collect();
    assert_eq!(warnings, [(1, Some("備註"), "import.column_ignored")]);
    assert_eq!(
        from_xlsx.warnings[0].to_string(),
        "line 1, column 備註: \"備註\" is not a column of this import; its cells are ignored"
    );
}

#[test]
fn the_same_as_csv_text_imports_alike() {
    // What Excel writes when such a sheet is saved as CSV: the dates as it shows them.
    let csv = "期間,規格,銷量（箱）,销售额 (元),備註,期末 庫存,鋪貨戶數,动销户数,Avg Retail Price Yuan\n\
               2008-06-30,hy-hard,800.125,\"9,000,000.55\",到貨晚了,120.25,2500,2000,150.1\n\
               2008/6/1,hy-soft,1200.5,16500000,,３１０,\"2,900\",2600,192.00\n\
               2008年6月,ALL,11 300,121000000,全市場,,5200,,\n\
               2008-05-15 00:00:00,hy-soft,1100,\"15,000,000.00\",,300,2800,2500,191.5\n\
               2008/5/1,all,11000,119000000,,,\"5,100\",,\n";
    let cat = catalogue(&SKUS);
    let read = |text: &str| {
        read_market_data(
            Source::file(text.as_bytes(), Format::Csv),
            Some(&cat),
            &Limits::DEFAULT,
        )
        .expect("valid")
    };
    let as_written = read(csv);
    assert_eq!(as_written.value, read(&plain_csv()).value);
    assert_eq!(as_written.warnings.len(), 1);
}

#[test]
fn each_refusal_names_its_line_column_and_reason() {
    let mut rows = as_written();
    rows[1][2] = N(800.1254999999999); // 4 decimals, noise aside
    rows[2][3] = T("16,50,000"); // not thousands
    rows[3][6] = N(1e20 + 0.5); // no count
    rows[4][2] = D(2008, 6, 1); // a date where a volume belongs
    rows[5][3] = N(12_345_678_901_234.56); // more digits than a float keeps
    let bytes = book(&rows);
    let errors = read_market_data(Source::file(&bytes, Format::Xlsx), None, &Limits::DEFAULT)
        .expect_err("bad cells");
    assert_problems(
        &errors,
        &[
            at(2, "volume_cases", "import.too_many_decimals"),
            at(3, "revenue_yuan", "import.not_a_number"),
            at(4, "outlets_stocking", "import.too_large"),
            at(5, "volume_cases", "import.cell_type"),
            at(6, "revenue_yuan", "import.imprecise_number"),
        ],
    );
    assert_eq!(errors.sheet.as_deref(), Some("六月"));
    let reasons: Vec<&str> = errors.iter().map(|e| e.reason.as_str()).collect();
    assert!(
        reasons[0].starts_with("800.1255 has more than 3 decimals"),
        "{}",
        reasons[0]
    );
    assert!(
        reasons[0].contains("the cell stores exactly 800.1254999999999"),
        "{}",
        reasons[0]
    );
    assert!(
        reasons[1].starts_with("\"16,50,000\" is not a number"),
        "{}",
        reasons[1]
    );
    assert!(
        reasons[3].contains("holds a date (2008-06-01)"),
        "{}",
        reasons[3]
    );
    assert!(
        reasons[4].contains("stores the number 12345678901234.56") && reasons[4].contains("Text"),
        "{}",
        reasons[4]
    );
    let shown = errors.to_string();
    assert!(
        shown.starts_with(
            "the file was rejected and nothing of it was recorded: 5 problems in sheet \"六月\""
        ),
        "{shown}"
    );
}

#[test]
fn a_period_that_is_no_month_is_refused_naming_what_it_holds() {
    let mut rows = as_written();
    rows[1][0] = T("Jun-08");
    rows[2][0] = N(39600.0);
    rows[3][0] = T("2008-Q2");
    let errors = read_market_data(
        Source::file(&book(&rows), Format::Xlsx),
        None,
        &Limits::DEFAULT,
    )
    .expect_err("no months");
    assert_problems(
        &errors,
        &[
            at(2, "period", "import.period_is_month"),
            at(3, "period", "import.period_as_text"),
            at(4, "period", "import.period_is_month"),
        ],
    );
    assert!(
        errors.errors[0]
            .reason
            .contains("\"Jun-08\" is not a month; write it as YYYY-MM")
    );
    assert!(errors.errors[2].reason.contains("2008-Q2 is a quarter"));
}

#[test]
fn a_workbook_in_the_1904_date_system_reads_its_dates_from_1904() {
    // Serial day numbers count from 1904-01-01 in such a workbook: 1,462 days fewer for
    // the same day. rust_xlsxwriter writes only the 1900 system, so the flag is set here.
    let date = CellFormat::new().set_num_format("yyyy-mm-dd");
    let serial_1900 = |y, m, d| ExcelDateTime::from_ymd(y, m, d).expect("a day").to_excel();
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let csv = plain_csv();
    for (r, line) in csv.lines().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            let (r, c) = (r as u32, c as u16);
            if r > 0 && c == 0 {
                let (y, m) = cell.split_once('-').expect("a month");
                let serial = serial_1900(y.parse().unwrap(), m.parse().unwrap(), 28) - 1462.0;
                sheet
                    .write_number_with_format(r, c, serial, &date)
                    .expect("date");
            } else if let Ok(n) = cell.parse::<f64>() {
                sheet.write_number(r, c, n).expect("number");
            } else if !cell.is_empty() {
                sheet.write_string(r, c, cell).expect("text");
            }
        }
    }
    let bytes = workbook.save_to_buffer().expect("xlsx");
    let in_1904 = patch_part(&bytes, "xl/workbook.xml", |xml| {
        xml.replacen("<workbookPr ", "<workbookPr date1904=\"1\" ", 1)
    });
    let cat = catalogue(&SKUS);
    let read = |bytes: &[u8], format| {
        read_market_data(Source::file(bytes, format), Some(&cat), &Limits::DEFAULT)
            .expect("valid")
            .value
    };
    assert_eq!(
        read(&in_1904, Format::Xlsx),
        read(csv.as_bytes(), Format::Csv)
    );
    // The same serials in the 1900 system are four years and a day earlier.
    let months: Vec<String> = read(&bytes, Format::Xlsx)
        .iter()
        .map(|m| m.month.to_string())
        .collect();
    assert_eq!(months, ["2004-05", "2004-06"]);
}

#[test]
fn iso_date_cells_are_their_month() {
    // A cell of type `d` holds an ISO 8601 date-time as text (LibreOffice and others
    // write them).
    let mut rows = as_written();
    rows[1][0] = N(111_111.0);
    rows[2][0] = N(222_222.0);
    let bytes = book(&rows);
    let bytes = patch_part(&bytes, "xl/worksheets/sheet1.xml", |xml| {
        let iso = |xml: String, marker: &str, value: &str| {
            // The marked number cell becomes a date cell in place.
            let at = xml.find(marker).expect("marker cell");
            let start = xml[..at].rfind("<c ").expect("cell start");
            let end = at + xml[at..].find("</c>").expect("cell end") + 4;
            let r = &xml[start..end];
            let reference = r.split('"').nth(1).expect("r attribute").to_owned();
            format!(
                "{}<c r=\"{reference}\" t=\"d\"><v>{value}</v></c>{}",
                &xml[..start],
                &xml[end..]
            )
        };
        let xml = iso(xml, "<v>111111</v>", "2008-06-30T00:00:00");
        iso(xml, "<v>222222</v>", "2008-06-01T23:59:59.999")
    });
    let cat = catalogue(&SKUS);
    let from_xlsx = read_market_data(
        Source::file(&bytes, Format::Xlsx),
        Some(&cat),
        &Limits::DEFAULT,
    )
    .expect("ISO dates");
    let csv = plain_csv();
    let from_csv = read_market_data(
        Source::file(csv.as_bytes(), Format::Csv),
        Some(&cat),
        &Limits::DEFAULT,
    )
    .expect("csv");
    assert_eq!(from_xlsx.value, from_csv.value);
}

#[test]
fn a_catalogue_with_chinese_headers_and_notes() {
    let bytes = book(&[
        vec![
            T("品牌"),
            T("规格"),
            T("名稱"),
            T("價類"),
            T("指導價（元/條）"),
            T("备注"),
        ],
        vec![
            T("hongyun"),
            T("hy-soft"),
            T("紅雲(軟)"),
            T("三類"),
            N(189.99999999999997),
            T("新品"),
        ],
        vec![
            T("hongyun"),
            N(1001.0),
            T("紅雲 1001"),
            N(1.0),
            T("1,230.5"),
        ],
    ]);
    let read = read_catalogue(Source::file(&bytes, Format::Xlsx), &Limits::DEFAULT)
        .expect("valid catalogue");
    let csv = "brand,sku,name,price_class,guide_price_yuan\n\
               hongyun,hy-soft,紅雲(軟),3,190\n\
               hongyun,1001,紅雲 1001,1,1230.50\n";
    let plain =
        read_catalogue(Source::file(csv.as_bytes(), Format::Csv), &Limits::DEFAULT).expect("plain");
    assert_eq!(read.value, plain.value);
    assert_eq!(read.warnings.len(), 1);
    assert_eq!(read.warnings[0].column.as_deref(), Some("备注"));
}
