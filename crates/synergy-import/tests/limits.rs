//! Hostile files within bounds: a workbook whose cells sit at opposite corners of the
//! sheet, a workbook whose parts inflate far past what they take zipped, and files with
//! more rows, cells, columns or text than the limits allow. Each is refused with the
//! limit's rule code, naming where it was crossed, and the import's memory stays bounded.

mod common;

use std::io::Read as _;

use common::market_csv;
use rust_xlsxwriter::Workbook;
use synergy_import::{
    Format, LISTED_ROWS, Limits, parse_catalogue, parse_catalogue_within, parse_market_data,
    parse_market_data_within,
};

fn corners() -> Vec<u8> {
    synergy_testkit::hostile::corners_xlsx().unwrap()
}

fn shared_string_bomb(megabytes: u64) -> Vec<u8> {
    synergy_testkit::hostile::shared_string_bomb_xlsx(megabytes).unwrap()
}

fn small_book() -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "brand").unwrap();
    sheet.write_string(1, 0, "hongyun").unwrap();
    workbook.save_to_buffer().unwrap()
}

fn rule_of(errors: &synergy_import::ImportErrors) -> &'static str {
    errors.errors[0].rule
}

#[test]
fn cells_at_opposite_corners_are_refused_by_their_column_without_a_dense_range() {
    let book = corners();
    assert!(book.len() < 8 * 1024, "{} bytes", book.len());
    let errors = parse_catalogue(&book, Format::Xlsx).expect_err("XFD is past the columns");
    assert_eq!(rule_of(&errors), "import.limit_columns", "{errors}");
    assert_eq!(errors.errors[0].line, 1_048_576);
    assert!(
        errors.errors[0].reason.contains("cell XFD1048576"),
        "{errors}"
    );
    // With room for every column, the two cells are two sparse rows, not 2^34 cells, and
    // the file is read as far as its header.
    let errors = parse_catalogue_within(
        &book,
        Format::Xlsx,
        &Limits {
            columns: 16_384,
            ..Limits::DEFAULT
        },
    )
    .expect_err("not a catalogue");
    assert_eq!(rule_of(&errors), "import.missing_column", "{errors}");
}

#[test]
fn a_part_inflating_past_the_cap_is_refused_before_it_is_read() {
    // 2 GiB of one letter deflate to about 2 MiB.
    let book = shared_string_bomb(2048);
    assert!(book.len() < 4 << 20, "{} bytes", book.len());
    let errors = parse_catalogue(&book, Format::Xlsx).expect_err("a bomb");
    assert_eq!(rule_of(&errors), "import.limit_inflated_bytes", "{errors}");
    assert!(
        errors.errors[0].reason.contains("xl/sharedStrings.xml"),
        "{errors}"
    );
}

#[test]
fn the_inflated_cap_adds_up_every_part_and_a_long_cell_is_refused_by_its_length() {
    // 3 MiB of shared string: under the default cap, so the cell's length refuses it.
    let book = shared_string_bomb(3);
    let errors = parse_catalogue(&book, Format::Xlsx).expect_err("too long");
    assert_eq!(rule_of(&errors), "import.limit_cell_chars", "{errors}");
    assert!(errors.errors[0].reason.contains("cell B2"), "{errors}");
    let tight = Limits {
        inflated_bytes: 2 << 20,
        ..Limits::DEFAULT
    };
    let errors = parse_catalogue_within(&book, Format::Xlsx, &tight).expect_err("past the cap");
    assert_eq!(rule_of(&errors), "import.limit_inflated_bytes", "{errors}");
    // The cap is on the sum: each part alone fits, together they do not.
    let sizes: u64 = {
        let book = small_book();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&book[..])).unwrap();
        (0..archive.len())
            .map(|i| {
                let mut part = archive.by_index(i).unwrap();
                let mut sink = Vec::new();
                part.read_to_end(&mut sink).unwrap() as u64
            })
            .sum()
    };
    let just_under = Limits {
        inflated_bytes: sizes - 1,
        ..Limits::DEFAULT
    };
    let errors = parse_catalogue_within(&small_book(), Format::Xlsx, &just_under).expect_err("sum");
    assert_eq!(rule_of(&errors), "import.limit_inflated_bytes", "{errors}");
    let exact = Limits {
        inflated_bytes: sizes,
        ..Limits::DEFAULT
    };
    let errors = parse_catalogue_within(&small_book(), Format::Xlsx, &exact).expect_err("header");
    assert_ne!(rule_of(&errors), "import.limit_inflated_bytes", "{errors}");
}

#[test]
fn rows_cells_columns_text_and_bytes_each_have_their_limit() {
    let line = "2008-06,hy-soft,1,1,1,1,1,1";
    let rows: Vec<&str> = std::iter::repeat_n(line, 20).collect();
    let text = market_csv(&rows);
    let within = |limits: Limits| {
        parse_market_data_within(text.as_bytes(), Format::Csv, None, &limits)
            .expect_err("past a limit")
    };
    let e = within(Limits {
        rows: 10,
        ..Limits::DEFAULT
    });
    assert_eq!((rule_of(&e), e.errors[0].line), ("import.limit_rows", 11));
    let e = within(Limits {
        cells: 8 * 5,
        ..Limits::DEFAULT
    });
    assert_eq!((rule_of(&e), e.errors[0].line), ("import.limit_cells", 6));
    let e = within(Limits {
        columns: 7,
        ..Limits::DEFAULT
    });
    assert_eq!((rule_of(&e), e.errors[0].line), ("import.limit_columns", 1));
    assert!(e.errors[0].reason.contains("cell 8"), "{e}");
    let e = within(Limits {
        text_bytes: 200,
        ..Limits::DEFAULT
    });
    assert_eq!(rule_of(&e), "import.limit_text_bytes");
    let e = within(Limits {
        cell_chars: 12,
        ..Limits::DEFAULT
    });
    assert_eq!(
        (rule_of(&e), e.errors[0].line),
        ("import.limit_cell_chars", 1)
    );
    assert!(e.errors[0].reason.contains("cell 5"), "{e}");
    let e = within(Limits {
        file_bytes: 100,
        ..Limits::DEFAULT
    });
    assert_eq!(rule_of(&e), "import.limit_file_bytes");
    // Padding commas are not cells: a row of 8 values and 10,000 commas is 8 wide.
    let padded = market_csv(&[&format!("{line}{}", ",".repeat(10_000))]);
    let e = parse_market_data(padded.as_bytes(), Format::Csv, None).expect_err("no ALL row");
    assert!(e.iter().all(|e| !e.rule.starts_with("import.limit")), "{e}");
}

#[test]
fn a_file_of_bad_rows_lists_the_first_rows_and_counts_every_problem() {
    // 700,000 bad rows in 3.4 MB: each row's volume is not a number.
    let rows = 700_000;
    let mut text = String::from(common::MARKET_HEADER);
    text.reserve(rows * 5);
    for _ in 0..rows {
        text.push_str("\nx,");
    }
    text.push('\n');
    let generous = Limits {
        rows: 1_000_000,
        cells: 10_000_000,
        ..Limits::DEFAULT
    };
    let errors =
        parse_market_data_within(text.as_bytes(), Format::Csv, None, &generous).expect_err("bad");
    let listed_lines: std::collections::BTreeSet<usize> = errors.iter().map(|e| e.line).collect();
    assert_eq!(listed_lines.len(), LISTED_ROWS);
    assert_eq!(listed_lines.first(), Some(&2));
    assert_eq!(listed_lines.last(), Some(&(LISTED_ROWS + 1)));
    assert_eq!(errors.rows_with_errors, rows);
    assert!(errors.is_truncated());
    // Every row: a period that is not a month, and each required figure missing.
    assert_eq!(errors.by_rule.get("import.period_is_month"), Some(&rows));
    assert_eq!(errors.total, errors.by_rule.values().sum::<usize>());
    assert!(errors.total >= rows * 2, "{}", errors.total);
    let body = serde_json::to_string(&errors).unwrap();
    assert!(body.len() < 1 << 20, "{} bytes of errors", body.len());
    // And with the default limits, the file is refused by its row count.
    let errors = parse_market_data(text.as_bytes(), Format::Csv, None).expect_err("rows");
    assert_eq!(rule_of(&errors), "import.limit_rows");
}
