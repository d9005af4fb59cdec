//! Market data files as CSV: good files, and every kind of bad row with its line and column.

mod common;

use common::{MARKET_HEADER, assert_problems, at, catalogue, market_csv, problems, row};
use synergy_import::{Format, ImportErrors, parse_market_data};
use synergy_proto::{Cases, SkuId, YearMonth, Yuan};

fn parse(text: &str) -> Result<Vec<synergy_information::MonthSubmission>, ImportErrors> {
    parse_market_data(
        text.as_bytes(),
        Format::Csv,
        Some(&catalogue(&["hy-soft", "hy-hard"])),
    )
}

fn rejected(text: &str) -> ImportErrors {
    match parse(text) {
        Ok(months) => panic!("expected a rejection, got {months:?}"),
        Err(e) => e,
    }
}

/// The rejection of a market data file of `rows`.
fn rejected_rows(rows: &[&str]) -> ImportErrors {
    rejected(&market_csv(rows))
}

fn ym(s: &str) -> YearMonth {
    s.parse().expect("test month")
}

#[test]
fn design_example_parses_into_exact_figures() {
    let months = parse(&market_csv(&[
        "2008-06,hy-soft,1200.5,16500000.00,310,2900,2600,192.00",
        "2008-06,ALL,11300,121000000,,5200,,",
    ]))
    .expect("the design's example is valid");
    assert_eq!(months.len(), 1);
    let m = &months[0];
    assert_eq!(m.month, ym("2008-06"));
    assert_eq!(m.market.volume, Cases::from_units(11_300_000));
    assert_eq!(m.market.revenue, Yuan::from_units(12_100_000_000));
    assert_eq!(m.market.active_outlets, 5200);
    assert_eq!(m.lines.len(), 1);
    let l = &m.lines[0];
    assert_eq!(l.sku, SkuId::new("hy-soft").unwrap());
    assert_eq!(l.volume, Cases::from_units(1_200_500));
    assert_eq!(l.revenue, Yuan::from_units(1_650_000_000));
    assert_eq!(l.closing_stock, Cases::from_units(310_000));
    assert_eq!((l.outlets_stocking, l.outlets_selling), (2900, 2600));
    assert_eq!(l.avg_retail_price, Yuan::from_units(19_200));
}

#[test]
fn several_months_come_out_sorted_with_lines_sorted_by_sku() {
    let months = parse(&market_csv(&[
        "2008-06,hy-soft,1200.5,16500000.00,310,2900,2600,192.00",
        "2008-06,hy-hard,800,9000000,120.25,2500,2000,150",
        "2008-06,ALL,11300,121000000,,5200,,",
        "2008-05,ALL,11000,119000000,,5100,,",
        "2008-05,hy-soft,1100,15000000,300,2800,2500,191.5",
    ]))
    .expect("valid");
    let order: Vec<(String, Vec<String>)> = months
        .iter()
        .map(|m| {
            (
                m.month.to_string(),
                m.lines.iter().map(|l| l.sku.to_string()).collect(),
            )
        })
        .collect();
    assert_eq!(
        order,
        vec![
            ("2008-05".into(), vec!["hy-soft".into()]),
            ("2008-06".into(), vec!["hy-hard".into(), "hy-soft".into()]),
        ]
    );
    assert_eq!(months[0].market.active_outlets, 5100);
}

#[test]
fn a_month_with_only_its_all_row_is_accepted() {
    let months = parse(&market_csv(&["2008-06,ALL,11300,121000000,,5200,,"])).expect("valid");
    assert!(months[0].lines.is_empty());
}

#[test]
fn all_row_may_carry_the_optional_figures_and_omit_trailing_cells() {
    let months = parse(&market_csv(&[
        "2008-06,all,11300,121000000,900,5200,4800,180.5",
        "2008-07,ALL,11300,121000000,,5200",
    ]))
    .expect("valid");
    assert_eq!(months.len(), 2);
    assert_eq!(months[0].market.active_outlets, 5200);
}

#[test]
fn bom_trimmed_and_case_insensitive_header_and_blank_lines() {
    let text = "\u{feff} Period , SKU,Volume_Cases,revenue_yuan,closing_stock_cases,outlets_stocking,outlets_selling,avg_retail_price_yuan\r\n\
                \r\n\
                2008-06, hy-soft ,1200.5,16500000.00,310,2900,2600,192.00\r\n\
                ,,,,,,,\r\n\
                \r\n\
                2008-06,ALL,11300,121000000,,5200,,\r\n";
    let months = parse(text).expect("BOM, spaces, case and blank lines are harmless");
    assert_eq!(months[0].lines[0].sku.as_str(), "hy-soft");

    // Blank lines still count for the line numbers a person sees in an editor.
    let bad = text.replace("2008-06,ALL,11300", "2008-06,ALL,-11300");
    assert_problems(&rejected(&bad), &[at(6, "volume_cases", "import.negative")]);
}

#[test]
fn columns_may_come_in_any_order() {
    let text = "sku,period,outlets_selling,outlets_stocking,volume_cases,revenue_yuan,closing_stock_cases,avg_retail_price_yuan\n\
                hy-soft,2008-06,2600,2900,1200.5,16500000,310,192\n\
                ALL,2008-06,,5200,11300,121000000,,\n";
    let months = parse(text).expect("valid");
    assert_eq!(months[0].lines[0].outlets_selling, 2600);
    assert_eq!(months[0].lines[0].outlets_stocking, 2900);
}

#[test]
fn field_syntax_errors_name_line_and_column() {
    let cases = [
        (
            "2008-06,hy-soft,1200.5005,16500000,310,2900,2600,192",
            "volume_cases",
            "import.too_many_decimals",
        ),
        (
            "2008-06,hy-soft,1200.5,16500000.001,310,2900,2600,192",
            "revenue_yuan",
            "import.too_many_decimals",
        ),
        (
            "2008-06,hy-soft,1200.5,-1,310,2900,2600,192",
            "revenue_yuan",
            "import.negative",
        ),
        (
            "2008-06,hy-soft,1200.5,99999999999999999999,310,2900,2600,192",
            "revenue_yuan",
            "import.too_large",
        ),
        (
            "2008-06,hy-soft,1200.5,16.500.000,310,2900,2600,192",
            "revenue_yuan",
            "import.not_a_number",
        ),
        (
            "2008-06,hy-soft,1200.5,\"16,50,000\",310,2900,2600,192",
            "revenue_yuan",
            "import.not_a_number",
        ),
        (
            "2008-06,hy-soft,1200.5,\"16500000,5\",310,2900,2600,192",
            "revenue_yuan",
            "import.not_a_number",
        ),
        (
            "2008-06,hy-soft,1200.5,¥16500000,310,2900,2600,192",
            "revenue_yuan",
            "import.not_a_number",
        ),
        (
            "2008-06,hy-soft,1200.5,16500000,,2900,2600,192",
            "closing_stock_cases",
            "import.required",
        ),
        (
            "2008-06,hy-soft,1200.5,16500000,310,2900.5,2600,192",
            "outlets_stocking",
            "import.whole_number",
        ),
        (
            "2008-06,hy-soft,1200.5,16500000,310,2900,-1,192",
            "outlets_selling",
            "import.negative",
        ),
        (
            "2008-06,hy-soft,1200.5,16500000,310,2900,2600,",
            "avg_retail_price_yuan",
            "import.required",
        ),
        (
            "2008-Q2,hy-soft,1200.5,16500000,310,2900,2600,192",
            "period",
            "import.period_is_month",
        ),
        (
            "June 2008,hy-soft,1200.5,16500000,310,2900,2600,192",
            "period",
            "import.period_is_month",
        ),
        (
            "2008-13,hy-soft,1200.5,16500000,310,2900,2600,192",
            "period",
            "import.period_is_month",
        ),
        (
            ",hy-soft,1200.5,16500000,310,2900,2600,192",
            "period",
            "import.required",
        ),
        (
            "2008-06,hy soft,1200.5,16500000,310,2900,2600,192",
            "sku",
            "import.invalid_id",
        ),
        (
            "2008-06,hy-mild,1200.5,16500000,310,2900,2600,192",
            "sku",
            "market_data.sku_registered",
        ),
        (
            "2008-06,hy-soft,1200.5,16500000,310,2900,2901,192",
            "outlets_selling",
            "market_data.selling_within_stocking",
        ),
        (
            "2008-06,hy-soft,1200.5,16500000,310,5201,2600,192",
            "outlets_stocking",
            "market_data.stocking_within_active_outlets",
        ),
        (
            "2008-06,hy-soft,11300.001,16500000,310,2900,2600,192",
            "volume_cases",
            "market_data.sku_within_market",
        ),
        (
            "2008-06,hy-soft,1200.5,121000000.01,310,2900,2600,192",
            "revenue_yuan",
            "market_data.sku_within_market",
        ),
    ];
    for (bad_row, column, rule) in cases {
        let text = market_csv(&[
            "2008-06,hy-hard,800,9000000,120.25,2500,2000,150",
            bad_row,
            "2008-06,ALL,11300,121000000,,5200,,",
        ]);
        let errors = rejected(&text);
        assert_eq!(
            problems(&errors),
            vec![at(3, column, rule)],
            "row {bad_row:?}: {errors}"
        );
    }
}

#[test]
fn reasons_read_well() {
    let errors = rejected_rows(&[
        "2008-06,hy-soft,1.2345,16500000,310,2900,2600,192",
        "2008-Q2,hy-soft,1,1,1,1,1,1",
        "2008-06,ALL,11300,121000000,,5200,,",
    ]);
    let reasons: Vec<&str> = errors.errors.iter().map(|e| e.reason.as_str()).collect();
    assert_eq!(
        reasons,
        vec![
            "1.2345 has more than 3 decimals; volumes are exact to a thousandth of a case",
            "2008-Q2 is a quarter, not a month; give one row per month, e.g. 2008-04",
        ]
    );
}

#[test]
fn without_a_catalogue_any_valid_sku_is_accepted() {
    let text = market_csv(&[
        "2008-06,whatever-brand,1,1,1,1,1,1",
        "2008-06,ALL,11300,121000000,,5200,,",
    ]);
    let months = parse_market_data(text.as_bytes(), Format::Csv, None).expect("no catalogue");
    assert_eq!(months[0].lines[0].sku.as_str(), "whatever-brand");
}

#[test]
fn unregistered_sku_that_differs_only_in_case_gets_a_hint() {
    let errors = rejected_rows(&[
        "2008-06,HY-SOFT,1,1,1,1,1,1",
        "2008-06,ALL,11300,121000000,,5200,,",
    ]);
    assert_problems(&errors, &[at(2, "sku", "market_data.sku_registered")]);
    assert!(
        errors.errors[0].reason.contains("did you mean hy-soft?"),
        "{errors}"
    );
}

#[test]
fn duplicate_sku_in_a_month_is_reported_on_the_second_row() {
    let errors = rejected_rows(&[
        "2008-06,hy-soft,1,1,1,1,1,1",
        "2008-07,hy-soft,1,1,1,1,1,1",
        "2008-06,hy-soft,2,2,2,2,2,2",
        "2008-06,ALL,11300,121000000,,5200,,",
        "2008-07,ALL,11300,121000000,,5200,,",
    ]);
    assert_problems(&errors, &[at(4, "sku", "market_data.one_line_per_sku")]);
    assert!(
        errors.errors[0]
            .reason
            .contains("2008-06 already has a row for hy-soft on line 2")
    );
}

#[test]
fn missing_and_duplicate_all_rows_name_the_month() {
    let errors = rejected_rows(&[
        "2008-05,hy-soft,1,1,1,1,1,1",
        "2008-06,hy-soft,1,1,1,1,1,1",
        "2008-06,ALL,11300,121000000,,5200,,",
        "2008-06,ALL,11300,121000000,,5200,,",
    ]);
    assert_problems(
        &errors,
        &[
            row(2, "market_data.month_needs_all_row"),
            at(5, "sku", "market_data.one_all_row_per_month"),
        ],
    );
    assert!(
        errors.errors[0]
            .reason
            .starts_with("2008-05 has no ALL row")
    );
    assert!(
        errors.errors[1]
            .reason
            .contains("2008-06 already has its ALL row on line 4")
    );
}

#[test]
fn sums_above_the_market_total_are_reported_on_the_all_row() {
    let errors = rejected_rows(&[
        "2008-06,hy-soft,6000,70000000,1,1,1,1",
        "2008-06,hy-hard,6000,60000000,1,1,1,1",
        "2008-06,ALL,11300,121000000,,5200,,",
    ]);
    assert_problems(
        &errors,
        &[
            at(4, "volume_cases", "market_data.skus_within_market"),
            at(4, "revenue_yuan", "market_data.skus_within_market"),
        ],
    );
    assert_eq!(
        errors.errors[0].reason,
        "2008-06: the SKU rows add up to 12000.000 cases, more than the market total of \
         11300.000 cases; the ALL row covers every brand, so it cannot be smaller"
    );
}

#[test]
fn a_single_line_above_the_total_is_not_reported_again_as_a_sum() {
    let errors = rejected_rows(&[
        "2008-06,hy-soft,12000,1,1,1,1,1",
        "2008-06,hy-hard,1,1,1,1,1,1",
        "2008-06,ALL,11300,121000000,,5200,,",
    ]);
    assert_problems(
        &errors,
        &[at(2, "volume_cases", "market_data.sku_within_market")],
    );
}

#[test]
fn all_row_figures_are_checked() {
    let errors = rejected_rows(&[
        "2008-06,ALL,,121000000.005,abc,,5300,x",
        "2008-07,ALL,1,1,,10,11,",
    ]);
    assert_problems(
        &errors,
        &[
            at(2, "volume_cases", "import.required"),
            at(2, "revenue_yuan", "import.too_many_decimals"),
            at(2, "closing_stock_cases", "import.not_a_number"),
            at(2, "outlets_stocking", "import.required"),
            at(2, "avg_retail_price_yuan", "import.not_a_number"),
            at(3, "outlets_selling", "market_data.selling_within_stocking"),
        ],
    );
}

#[test]
fn every_bad_row_is_reported_at_once() {
    let errors = rejected_rows(&[
        "2008-06,hy-soft,1200.5,16500000.00,310,2900,2600,192.00", // 2 ok
        "2008-06,hy-hard,1.0001,-3,310,2900,2600,192.00",          // 3 two faults
        "2008-6,hy-soft,1,1,1,1,1,1",                              // 4 bad period
        "2008-06,hy-mild,1,1,1,1,1,1",                             // 5 unregistered
        "2008-06,hy-soft,1,1,1,1,1,1",                             // 6 duplicate
        "2008-06,ALL,11300,121000000,,5200,,",                     // 7 ok
        "2008-07,hy-soft,1,1,1,10,11,1",                           // 8 selling>stocking, no ALL
    ]);
    assert_problems(
        &errors,
        &[
            at(3, "volume_cases", "import.too_many_decimals"),
            at(3, "revenue_yuan", "import.negative"),
            at(4, "period", "import.period_is_month"),
            at(5, "sku", "market_data.sku_registered"),
            at(6, "sku", "market_data.one_line_per_sku"),
            at(8, "outlets_selling", "market_data.selling_within_stocking"),
            row(8, "market_data.month_needs_all_row"),
        ],
    );
    let shown = errors.to_string();
    assert!(shown.starts_with("the file was rejected and nothing of it was recorded: 7 problems"));
    for line in [
        "line 3, column volume_cases:",
        "line 4, column period:",
        "line 8: 2008-07 has no ALL row",
    ] {
        assert!(shown.contains(line), "{line:?} missing from:\n{shown}");
    }
    assert_eq!(shown.lines().count(), 8);
}

#[test]
fn header_problems_name_the_columns() {
    let errors = rejected(
        "period,sku,volume,revenue_yuan,closing_stock_cases,outlets_stocking,outlets_stocking,avg_retail_price_yuan\n\
         2008-06,ALL,1,1,,1,,\n",
    );
    assert_problems(
        &errors,
        &[
            at(1, "outlets_stocking", "import.duplicate_column"),
            at(1, "volume_cases", "import.missing_column"),
            at(1, "outlets_selling", "import.missing_column"),
        ],
    );
    assert!(errors.errors[1].reason.contains(MARKET_HEADER));
    assert!(
        errors.errors[1]
            .reason
            .ends_with("(volume_cases may also be named 銷量 or 销量)"),
        "{errors}"
    );
    assert!(
        errors.errors[1].reason.starts_with(
            r#"column volume_cases is missing (the header's "volume" named no column)"#
        ),
        "{errors}"
    );
}

#[test]
fn semicolon_separated_files_get_a_pointed_message() {
    let errors = rejected("period;sku;volume_cases\n2008-06;ALL;1\n");
    assert_problems(&errors, &[row(1, "import.not_comma_separated")]);
}

#[test]
fn values_outside_the_header_are_refused() {
    let errors = rejected_rows(&["2008-06,ALL,11300,121000000,,5200,,,oops"]);
    assert_problems(&errors, &[row(2, "import.value_without_column")]);
}

#[test]
fn empty_and_header_only_files() {
    assert_problems(&rejected(""), &[row(1, "import.empty_file")]);
    assert_problems(&rejected("\u{feff}\n\n"), &[row(1, "import.empty_file")]);
    assert_problems(&rejected_rows(&[]), &[row(1, "import.no_rows")]);
}

#[test]
fn encodings_other_than_utf8_are_refused_with_advice() {
    let mut latin1 = market_csv(&["2008-06,ALL,1,1,,1,,"]).into_bytes();
    let at_sku = latin1.iter().position(|b| *b == b'A').expect("ALL");
    latin1[at_sku + 1] = 0xE9;
    let errors = parse_market_data(&latin1, Format::Csv, None).expect_err("not UTF-8");
    assert_problems(&errors, &[at(2, "sku", "import.cell_type")]);
    assert!(errors.errors[0].reason.contains("CSV UTF-8"));

    let utf16 = [0xFF, 0xFE, b'p', 0, b'e', 0];
    let errors = parse_market_data(&utf16, Format::Csv, None).expect_err("UTF-16");
    assert_problems(&errors, &[row(1, "import.not_utf8")]);

    let xls = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest";
    let errors = parse_market_data(xls, Format::Csv, None).expect_err(".xls");
    assert_problems(&errors, &[row(1, "import.unsupported_format")]);
}

#[test]
fn rejection_serializes_for_the_gateway() {
    let errors = rejected_rows(&[
        "2008-06,hy-soft,1.0001,1,1,1,1,1",
        "2008-06,ALL,11300,121000000,,5200,,",
    ]);
    let json = serde_json::to_value(&errors).expect("serializable");
    assert_eq!(
        json,
        serde_json::json!({
            "errors": [{
                "line": 2,
                "column": "volume_cases",
                "rule": "import.too_many_decimals",
                "reason": "1.0001 has more than 3 decimals; volumes are exact to a thousandth of a case",
            }],
            "total": 1,
            "rows_with_errors": 1,
            "by_rule": {"import.too_many_decimals": 1}
        })
    );
}

#[test]
fn a_trailing_blank_header_cell_is_fine_until_a_row_fills_it() {
    let header_with_trailing_comma = format!("{MARKET_HEADER},\n");
    let ok = format!("{header_with_trailing_comma}2008-06,ALL,11300,121000000,,5200,,,\n");
    assert!(parse(&ok).is_ok());
    let bad = format!("{header_with_trailing_comma}2008-06,ALL,11300,121000000,,5200,,,x\n");
    assert_problems(&rejected(&bad), &[row(2, "import.value_without_column")]);
}
