//! Spreadsheets as people write them, through the `synergy` binary: a workbook as Excel
//! writes it imports to the same reports as the plain CSV; `--check` says what an import
//! would record and records nothing; `--sheet` chooses among sheets; `synergy template`
//! writes what the imports take.

use std::path::Path;
use std::process::Output;

use synergy_testkit::spreadsheets::market_data_as_excel_writes_it;

mod common;

use common::{CATALOGUE, catalogued, import_p1, ok, refused, signed_p1, succeeds, synergy};

/// Two months, with halves and fen, as the plain import file.
const MARKET: &str = "period,sku,volume_cases,revenue_yuan,closing_stock_cases,outlets_stocking,outlets_selling,avg_retail_price_yuan\n\
2008-05,hy-soft,900.5,11000000.5,300,2800,2500,51.00\n\
2008-05,hy-hard,500,9000000,200.25,2000,1800,86.10\n\
2008-05,ALL,9000,100000000,,5200,,\n\
2008-06,hy-soft,1000.125,12000000,310,2900,2600,50.50\n\
2008-06,hy-hard,520,9400000.75,190,2050,1850,85.00\n\
2008-06,ALL,9500,105000000,,5200,,\n";

/// How many events the log holds (`tail` prints one line each).
fn events(data: &Path) -> usize {
    ok(data, &["tail", "--from", "0", "--no-follow"])
        .lines()
        .count()
}

fn import(data: &Path, file: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["market-data", "import", "--partnership", "p1"];
    args.extend_from_slice(extra);
    args.push(file.to_str().unwrap());
    synergy(data, &args)
}

fn report(data: &Path, kind: &str) -> String {
    ok(
        data,
        &[
            "report",
            "--partnership",
            "p1",
            "--period",
            "2008-Q2",
            "--kind",
            kind,
            "--format",
            "json",
            "--as-of",
            "2008-07-15",
        ],
    )
}

#[test]
fn a_workbook_as_excel_writes_it_imports_to_the_same_reports_as_the_csv() {
    let dir = tempfile::tempdir().unwrap();
    let (from_csv, from_xlsx) = (
        catalogued(dir.path(), "csv"),
        catalogued(dir.path(), "xlsx"),
    );
    let csv = dir.path().join("market.csv");
    std::fs::write(&csv, MARKET).unwrap();
    let xlsx = dir.path().join("market.xlsx");
    std::fs::write(
        &xlsx,
        market_data_as_excel_writes_it(MARKET, "五六月").unwrap(),
    )
    .unwrap();

    let out = import(&from_csv, &csv, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = import(&from_xlsx, &xlsx, &[]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}\n{stderr}");
    // One line names the file, the sheet it found beside the notes and what was recorded;
    // a warning names the column it ignored.
    assert!(
        stdout.contains(
            "market.xlsx, sheet \"五六月\": 2 months recorded, 2008-05 … 2008-06, 2 SKUs \
             (MarketDataSubmitted × 2 at @"
        ),
        "{stdout}"
    );
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        stderr.contains("warning: line 1, column 備註: \"備註\" is not a column of this import"),
        "{stderr}"
    );

    for kind in ["market", "brand"] {
        let (a, b) = (report(&from_csv, kind), report(&from_xlsx, kind));
        assert_eq!(a, b, "the {kind} reports differ");
        assert!(a.contains("\"volume_cases\":2920.625"), "{a}");
    }
}

#[test]
fn check_says_what_would_be_recorded_and_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = catalogued(dir.path(), "data");
    let xlsx = dir.path().join("market.xlsx");
    std::fs::write(
        &xlsx,
        market_data_as_excel_writes_it(MARKET, "data").unwrap(),
    )
    .unwrap();
    let before = events(&data);

    let out = import(&data, &xlsx, &["--check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert_eq!(
        stdout.trim(),
        format!(
            "check: {}, sheet \"data\": 2 months would be recorded, 2008-05 … 2008-06, \
             2 SKUs (MarketDataSubmitted × 2; information/p1/market-data, version 0 → 2); \
             nothing was recorded",
            xlsx.display()
        )
    );
    assert_eq!(events(&data), before, "--check recorded something");

    // Recorded for real, the check of the same file changes nothing; of changed data it
    // is refused as the import would be, naming the month, and with a reason it would be
    // a correction. None of it writes.
    let out = import(&data, &xlsx, &[]);
    assert!(out.status.success());
    let recorded = events(&data);
    assert_eq!(recorded, before + 2);
    let stdout = ok(
        &data,
        &[
            "market-data",
            "import",
            "--partnership",
            "p1",
            "--check",
            xlsx.to_str().unwrap(),
        ],
    );
    assert!(
        stdout.starts_with("check: ") && stdout.contains(": no change: "),
        "{stdout}"
    );
    let changed = dir.path().join("changed.csv");
    std::fs::write(&changed, MARKET.replace("1000.125", "1001")).unwrap();
    let out = import(&data, &changed, &["--check"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("2008-06 (revision 1) already recorded with different data"),
        "{stderr}"
    );
    let out = import(&data, &changed, &["--check", "--reason", "keyed wrong"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(
            "changed.csv: 1 of 2 months would be recorded (1 corrected), 2008-05 … 2008-06, \
             2 SKUs (MarketDataCorrected; information/p1/market-data, version 2 → 3)"
        ),
        "{stdout}"
    );
    // A SKU the catalogue lacks is found by the file's own check, before the log.
    let unknown = dir.path().join("unknown.csv");
    std::fs::write(&unknown, MARKET.replace("hy-hard", "hy-mild")).unwrap();
    let stderr = refused(
        &data,
        &[
            "market-data",
            "import",
            "--partnership",
            "p1",
            "--check",
            unknown.to_str().unwrap(),
        ],
    );
    assert!(
        stderr.contains("line 3, column sku: SKU hy-mild is not registered"),
        "{stderr}"
    );
    // The catalogue's check too.
    let catalogue = dir.path().join("more.csv");
    std::fs::write(
        &catalogue,
        format!("{CATALOGUE}hongyun,hy-new,紅雲(新),1,120\n"),
    )
    .unwrap();
    let stdout = ok(
        &data,
        &[
            "catalogue",
            "import",
            "--partnership",
            "p1",
            "--check",
            catalogue.to_str().unwrap(),
        ],
    );
    assert!(
        stdout.contains(": 1 of 3 SKUs would be recorded (SkuRegistered; brand/p1/portfolio"),
        "{stdout}"
    );
    assert_eq!(events(&data), recorded, "a check recorded something");
}

/// A workbook of named sheets, each from CSV text.
fn workbook(sheets: &[(&str, &str)]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, text) in sheets {
        let sheet = book.add_worksheet().set_name(*name).unwrap();
        for (r, line) in text.lines().enumerate() {
            for (c, cell) in line.split(',').enumerate() {
                match cell.parse::<f64>() {
                    Ok(n) => sheet.write_number(r as u32, c as u16, n).map(drop),
                    Err(_) if cell.is_empty() => Ok(()),
                    Err(_) => sheet.write_string(r as u32, c as u16, cell).map(drop),
                }
                .unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

#[test]
fn of_several_sheets_with_the_header_the_one_to_import_is_chosen() {
    let dir = tempfile::tempdir().unwrap();
    let data = catalogued(dir.path(), "data");
    let (may, june): (Vec<&str>, Vec<&str>) = MARKET
        .lines()
        .skip(1)
        .partition(|l| l.starts_with("2008-05"));
    let header = MARKET.lines().next().unwrap();
    let may = format!("{header}\n{}", may.join("\n"));
    let june = format!("{header}\n{}", june.join("\n"));
    let book = dir.path().join("two.xlsx");
    std::fs::write(&book, workbook(&[("五月", &may), ("六月", &june)])).unwrap();

    let stderr = refused(&data, &import_p1("market-data", &book));
    assert!(
        stderr.contains("line 1: the sheets \"五月\" and \"六月\" each start with a header of market data columns; choose the sheet to import (--sheet NAME"),
        "{stderr}"
    );
    let stdout = ok(
        &data,
        &[
            "market-data",
            "import",
            "--partnership",
            "p1",
            "--sheet",
            "六月",
            book.to_str().unwrap(),
        ],
    );
    assert!(
        stdout.contains(
            "two.xlsx, sheet \"六月\": 1 month recorded, 2008-06, 2 SKUs (MarketDataSubmitted at"
        ),
        "{stdout}"
    );
    let stderr = refused(
        &data,
        &[
            "market-data",
            "import",
            "--partnership",
            "p1",
            "--sheet",
            "七月",
            book.to_str().unwrap(),
        ],
    );
    assert!(
        stderr.contains("the workbook has no sheet \"七月\"; its sheets are \"五月\" and \"六月\""),
        "{stderr}"
    );
}

#[test]
fn templates_are_written_and_import_as_they_are() {
    let (dir, data) = signed_p1();
    // The catalogue template as CSV on standard output, imported as a file.
    let csv = ok(&data, &["template", "catalogue", "--format", "csv"]);
    assert!(
        csv.starts_with("brand,sku,name,price_class,guide_price_yuan\n"),
        "{csv}"
    );
    let catalogue = dir.path().join("catalogue.csv");
    std::fs::write(&catalogue, &csv).unwrap();
    let stdout = ok(&data, &import_p1("catalogue", &catalogue));
    assert!(
        stdout.contains("1 SKU recorded (SkuRegistered at"),
        "{stdout}"
    );

    // The market data template as a workbook, to a file and to a pipe alike.
    let xlsx = dir.path().join("market-data.xlsx");
    let out = succeeds(
        &data,
        &[
            "template",
            "market-data",
            "--format",
            "xlsx",
            "--out",
            xlsx.to_str().unwrap(),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("wrote the market-data template to"),
        "{stderr}"
    );
    let piped = synergy(&data, &["template", "market-data"]).stdout;
    assert_eq!(std::fs::read(&xlsx).unwrap(), piped);
    assert!(piped.starts_with(b"PK\x03\x04"));
    let stdout = ok(&data, &import_p1("market-data", &xlsx));
    assert!(
        stdout.contains("sheet \"market-data\": 1 month recorded, 2008-06"),
        "{stdout}"
    );
    let out = synergy(&data, &["template", "orders"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown template is a usage error"
    );
}
