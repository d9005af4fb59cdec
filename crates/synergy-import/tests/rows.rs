//! Rows already split into cells (a JSON upload) are read by the same rules as a file:
//! the same submissions or the same refusals on the same lines, and the same limits.

mod common;

use common::{catalogue, market_csv};
use synergy_import::{Format, Limits, Source, parse_market_data, read_catalogue, read_market_data};

fn cells(line: &str) -> Vec<Option<String>> {
    line.split(',')
        .map(|c| (!c.is_empty()).then(|| c.to_owned()))
        .collect()
}

fn rows(lines: &[&str]) -> Vec<Vec<Option<String>>> {
    lines.iter().map(|l| cells(l)).collect()
}

#[test]
fn rows_read_as_the_same_file_would() {
    let lines = [
        "2008-06,hy-soft,1200.5,16500000.00,310,2900,2600,192.00",
        "2008-06,ALL,11300,121000000,,5200,,",
        "2008-07,hy-soft,1250,17000000,300,2950,2700,191.50",
        "2008-07,all,11500,123000000,,5300,,",
    ];
    let cat = catalogue(&["hy-soft"]);
    let from_file =
        parse_market_data(market_csv(&lines).as_bytes(), Format::Csv, Some(&cat)).unwrap();
    let rows = rows(&lines);
    let from_rows = read_market_data(Source::Rows(&rows), Some(&cat), &Limits::DEFAULT)
        .unwrap()
        .value;
    assert_eq!(from_rows, from_file);
}

#[test]
fn a_bad_row_is_refused_on_the_line_a_file_would_name() {
    let lines = [
        "2008-06,hy-soft,1200.5,16500000.00,310,2900,2600,192.00",
        "2008-06,ALL,11300,121000000,,5200,,",
        "2008-06,hy-unknown,10,1000,,,,",
    ];
    let cat = catalogue(&["hy-soft"]);
    let file =
        parse_market_data(market_csv(&lines).as_bytes(), Format::Csv, Some(&cat)).unwrap_err();
    let rows = rows(&lines);
    let from_rows =
        read_market_data(Source::Rows(&rows), Some(&cat), &Limits::DEFAULT).unwrap_err();
    assert_eq!(from_rows.to_string(), file.to_string());
    assert!(from_rows.iter().any(|e| e.line == 4), "{from_rows}");
}

#[test]
fn rows_are_held_to_the_limits_of_a_file() {
    let rows = rows(&["hongyun,hy-soft,紅雲(軟),2,190.00"; 5]);
    let limits = Limits {
        rows: 3,
        ..Limits::DEFAULT
    };
    let e = read_catalogue(Source::Rows(&rows), &limits).unwrap_err();
    assert!(e.iter().any(|r| r.rule == "import.limit_rows"), "{e}");
    let long = vec![vec![
        Some("hongyun".to_owned()),
        Some("hy-soft".to_owned()),
        Some("名".repeat(Limits::DEFAULT.cell_chars + 1)),
        Some("2".to_owned()),
        Some("190".to_owned()),
    ]];
    let e = read_catalogue(Source::Rows(&long), &Limits::DEFAULT).unwrap_err();
    assert!(e.iter().any(|r| r.rule == "import.limit_cell_chars"), "{e}");
}

#[test]
fn an_empty_list_of_rows_has_no_rows() {
    let e = read_catalogue(Source::Rows(&[]), &Limits::DEFAULT).unwrap_err();
    assert!(e.iter().any(|r| r.rule == "import.no_rows"), "{e}");
}
