//! Catalogue files: good rows, and each catalogue rule refused on its line and column.

mod common;

use common::{assert_problems, at, csv_of, problems, row};
use synergy_import::{CATALOGUE_COLUMNS, Format, ImportErrors, parse_catalogue};
use synergy_proto::Yuan;

const HEADER: &str = "brand,sku,name,price_class,guide_price_yuan";

fn file(rows: &[&str]) -> String {
    csv_of(HEADER, rows)
}

fn rejected(text: &str) -> ImportErrors {
    match parse_catalogue(text.as_bytes(), Format::Csv) {
        Ok(entries) => panic!("expected a rejection, got {entries:?}"),
        Err(e) => e,
    }
}

#[test]
fn design_example_and_quoted_names() {
    let entries = parse_catalogue(
        file(&[
            "hongyun,hy-soft,紅雲(軟),2,190.00",
            "hongyun,hy-hard,\"紅雲, 硬盒 \"\"經典\"\"\",1,230.5",
            "hongyun,hy-slim,紅雲細支,三類,95",
        ])
        .as_bytes(),
        Format::Csv,
    )
    .expect("valid catalogue");
    let summary: Vec<(&str, &str, &str, u8, Yuan)> = entries
        .iter()
        .map(|e| {
            (
                e.brand.as_str(),
                e.sku.as_str(),
                e.name.as_str(),
                e.price_class,
                e.guide_price,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "hongyun",
                "hy-soft",
                "紅雲(軟)",
                2,
                Yuan::from_units(19_000)
            ),
            (
                "hongyun",
                "hy-hard",
                "紅雲, 硬盒 \"經典\"",
                1,
                Yuan::from_units(23_050)
            ),
            ("hongyun", "hy-slim", "紅雲細支", 3, Yuan::from_units(9_500)),
        ]
    );
    assert_eq!(CATALOGUE_COLUMNS.join(","), HEADER);
}

#[test]
fn each_rule_is_refused_on_its_line_and_column() {
    let cases = [
        (
            "hongyun,hy-soft,紅雲,0,190",
            "price_class",
            "portfolio.price_class_1_to_5",
        ),
        (
            "hongyun,hy-soft,紅雲,6,190",
            "price_class",
            "portfolio.price_class_1_to_5",
        ),
        (
            "hongyun,hy-soft,紅雲,2.5,190",
            "price_class",
            "portfolio.price_class_1_to_5",
        ),
        (
            "hongyun,hy-soft,紅雲,六類,190",
            "price_class",
            "portfolio.price_class_1_to_5",
        ),
        (
            "hongyun,hy-soft,紅雲,,190",
            "price_class",
            "import.required",
        ),
        (
            "hongyun,hy-soft,紅雲,2,0",
            "guide_price_yuan",
            "portfolio.guide_price_positive",
        ),
        (
            "hongyun,hy-soft,紅雲,2,0.00",
            "guide_price_yuan",
            "portfolio.guide_price_positive",
        ),
        (
            "hongyun,hy-soft,紅雲,2,-190",
            "guide_price_yuan",
            "import.negative",
        ),
        (
            "hongyun,hy-soft,紅雲,2,190.001",
            "guide_price_yuan",
            "import.too_many_decimals",
        ),
        (
            "hongyun,ALL,紅雲,2,190",
            "sku",
            "portfolio.sku_all_reserved",
        ),
        (
            "hongyun,all,紅雲,2,190",
            "sku",
            "portfolio.sku_all_reserved",
        ),
        ("hong yun,hy-soft,紅雲,2,190", "brand", "import.invalid_id"),
        ("hongyun,hy.soft,紅雲,2,190", "sku", "import.invalid_id"),
        ("hongyun,hy-soft,,2,190", "name", "import.required"),
    ];
    for (bad, column, rule) in cases {
        let errors = rejected(&file(&["hongyun,hy-hard,紅雲(硬),1,230", bad]));
        assert_eq!(
            problems(&errors),
            vec![at(3, column, rule)],
            "row {bad:?}: {errors}"
        );
    }
}

#[test]
fn duplicate_sku_names_the_first_line() {
    let errors = rejected(&file(&[
        "hongyun,hy-soft,紅雲(軟),2,190",
        "hongyun,hy-hard,紅雲(硬),1,230",
        "other,hy-soft,別的,2,190",
    ]));
    assert_problems(&errors, &[at(4, "sku", "portfolio.sku_once_per_catalogue")]);
    assert_eq!(
        errors.errors[0].reason,
        "SKU hy-soft is already on line 2; give each SKU once"
    );
}

#[test]
fn every_bad_row_at_once_in_line_order() {
    let errors = rejected(&file(&[
        "hongyun,hy-soft,紅雲(軟),9,0",
        "hongyun,hy-hard,紅雲(硬),1,230",
        ",ALL,,x,abc",
    ]));
    assert_problems(
        &errors,
        &[
            at(2, "price_class", "portfolio.price_class_1_to_5"),
            at(2, "guide_price_yuan", "portfolio.guide_price_positive"),
            at(4, "brand", "import.required"),
            at(4, "sku", "portfolio.sku_all_reserved"),
            at(4, "name", "import.required"),
            at(4, "price_class", "portfolio.price_class_1_to_5"),
            at(4, "guide_price_yuan", "import.not_a_number"),
        ],
    );
}

#[test]
fn header_must_name_the_catalogue_columns() {
    let errors =
        rejected("brand,sku,name,class,guide_price_yuan,colour\nhongyun,hy-soft,紅雲,2,190,red\n");
    assert_problems(&errors, &[at(1, "price_class", "import.missing_column")]);
    assert!(
        errors.errors[0]
            .reason
            .contains(r#"(the header's "class", "colour" named no column)"#),
        "{errors}"
    );
}

#[test]
fn bom_and_crlf_and_header_only() {
    let entries = parse_catalogue(
        "\u{feff}brand,sku,name,price_class,guide_price_yuan\r\nhongyun,hy-soft,紅雲(軟),2,190.00\r\n".as_bytes(),
        Format::Csv,
    )
    .expect("BOM and CRLF are fine");
    assert_eq!(entries.len(), 1);
    assert_problems(&rejected(HEADER), &[row(1, "import.no_rows")]);
}
