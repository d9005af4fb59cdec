//! Line numbers are the ones an editor shows, whatever the line ends, blank lines and
//! quoted multi-line cells.

mod common;

use common::{MARKET_HEADER, assert_problems, at};
use synergy_import::{Format, parse_catalogue, parse_market_data};

#[test]
fn blank_lines_crlf_and_multiline_cells_keep_editor_line_numbers() {
    let text = "brand,sku,name,price_class,guide_price_yuan\r\n\
                \r\n\
                hongyun,hy-soft,\"two\nline name\",2,190\r\n\
                \n\
                hongyun,hy-hard,ok,7,190\n\
                \x20  \n\
                hongyun,hy-slim,\"a\r\nb\r\nc\",2,-1\n\
                \n\n\n";
    let errors = parse_catalogue(text.as_bytes(), Format::Csv).expect_err("two bad rows");
    assert_problems(
        &errors,
        &[
            at(6, "price_class", "portfolio.price_class_1_to_5"),
            at(8, "guide_price_yuan", "import.negative"),
        ],
    );
}

#[test]
fn leading_blank_lines_shift_the_header() {
    let text = format!("\n\n{MARKET_HEADER}\n2008-06,ALL,-1,1,,1,,\n");
    let errors = parse_market_data(text.as_bytes(), Format::Csv, None).expect_err("negative");
    assert_problems(&errors, &[at(4, "volume_cases", "import.negative")]);
}

#[test]
fn empty_sku_is_reported_without_guessing_the_row_kind() {
    let text = format!("{MARKET_HEADER}\n2008-06,,1,1,,1,,\n2008-06,ALL,1,1,,1,,\n");
    let errors = parse_market_data(text.as_bytes(), Format::Csv, None).expect_err("no sku");
    assert_problems(&errors, &[at(2, "sku", "import.required")]);
}
