//! The templates: what they write imports as it is, and once filled in as a person
//! would (months typed into the Text-formatted period column, figures as numbers).

mod common;

use std::io::Read as _;

use common::{catalogue, patch_part};
use synergy_import::{
    CATALOGUE_COLUMNS, Format, ImportKind, Limits, MARKET_DATA_COLUMNS, Source, read_catalogue,
    read_market_data, template,
};

fn part(book: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(book)).expect("a zip");
    let mut text = String::new();
    archive
        .by_name(name)
        .expect("the part")
        .read_to_string(&mut text)
        .expect("UTF-8");
    text
}

fn months(
    bytes: &[u8],
    format: Format,
) -> synergy_import::Parsed<Vec<synergy_information::MonthSubmission>> {
    read_market_data(
        Source::file(bytes, format),
        Some(&catalogue(&["hongyun-soft", "hongyun-hard"])),
        &Limits::DEFAULT,
    )
    .unwrap_or_else(|e| panic!("the {format} template is refused:\n{e}"))
}

#[test]
fn each_template_imports_as_it_is_written() {
    for format in [Format::Csv, Format::Xlsx] {
        let read = months(&template(ImportKind::MarketData, format), format);
        assert_eq!(read.value.len(), 1);
        assert_eq!(read.value[0].month.to_string(), "2008-06");
        assert!(read.warnings.is_empty(), "{:?}", read.warnings);
        let catalogue = read_catalogue(
            Source::file(&template(ImportKind::Catalogue, format), format),
            &Limits::DEFAULT,
        )
        .expect("the catalogue template");
        assert_eq!(catalogue.value[0].sku.as_str(), "hongyun-soft");
        if format == Format::Xlsx {
            // The notes sheet beside the data is not taken for it.
            assert_eq!(read.sheet.as_deref(), Some("market-data"));
            assert_eq!(catalogue.sheet.as_deref(), Some("catalogue"));
        }
    }
    let csv = String::from_utf8(template(ImportKind::MarketData, Format::Csv)).expect("UTF-8");
    assert_eq!(
        csv.lines().next(),
        Some(MARKET_DATA_COLUMNS.join(",").as_str())
    );
    let csv = String::from_utf8(template(ImportKind::Catalogue, Format::Csv)).expect("UTF-8");
    assert_eq!(
        csv.lines().next(),
        Some(CATALOGUE_COLUMNS.join(",").as_str())
    );
}

#[test]
fn the_xlsx_templates_period_column_is_text_and_its_bytes_are_stable() {
    let book = template(ImportKind::MarketData, Format::Xlsx);
    assert_eq!(book, template(ImportKind::MarketData, Format::Xlsx));
    let sheet = part(&book, "xl/worksheets/sheet1.xml");
    let col = sheet.split("<col ").nth(1).expect("column formats");
    assert!(col.starts_with("min=\"1\" max=\"1\""), "{col}");
    let style: usize = col
        .split("style=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|s| s.parse().ok())
        .expect("the period column has a style");
    let styles = part(&book, "xl/styles.xml");
    let xfs = styles
        .split("<cellXfs")
        .nth(1)
        .and_then(|s| s.split("</cellXfs>").next())
        .expect("cell formats");
    let xf = xfs.split("<xf ").nth(style + 1).expect("the style");
    // 49 is the built-in number format "@", Text.
    assert!(xf.contains("numFmtId=\"49\""), "{xf}");
}

/// A row as a person types it into the sheet: text cells inline, figures as numbers.
fn typed_row(row: u32, cells: &[&str]) -> String {
    let mut xml = format!("<row r=\"{row}\">");
    for (col, value) in cells.iter().enumerate() {
        if value.is_empty() {
            continue;
        }
        let reference = format!("{}{row}", char::from(b'A' + col as u8));
        if col > 1 && value.parse::<f64>().is_ok() {
            xml.push_str(&format!("<c r=\"{reference}\"><v>{value}</v></c>"));
        } else {
            xml.push_str(&format!(
                "<c r=\"{reference}\" t=\"inlineStr\"><is><t>{value}</t></is></c>"
            ));
        }
    }
    xml + "</row>"
}

#[test]
fn a_filled_in_template_imports_as_the_same_rows_in_csv() {
    let july = [
        [
            "2008-07",
            "hongyun-hard",
            "640",
            "8200000.50",
            "150",
            "2400",
            "2100",
            "95.50",
        ],
        ["2008-07", "ALL", "11500", "122000000", "", "5210", "", ""],
    ];
    let book = template(ImportKind::MarketData, Format::Xlsx);
    let filled = patch_part(&book, "xl/worksheets/sheet1.xml", |xml| {
        let rows: String = july
            .iter()
            .enumerate()
            .map(|(i, cells)| typed_row(4 + i as u32, cells))
            .collect();
        xml.replacen("</sheetData>", &format!("{rows}</sheetData>"), 1)
    });
    let mut csv = String::from_utf8(template(ImportKind::MarketData, Format::Csv)).expect("UTF-8");
    for cells in &july {
        csv.push_str(&cells.join(","));
        csv.push('\n');
    }
    let from_xlsx = months(&filled, Format::Xlsx);
    assert_eq!(from_xlsx.value, months(csv.as_bytes(), Format::Csv).value);
    let filled_months: Vec<String> = from_xlsx
        .value
        .iter()
        .map(|m| m.month.to_string())
        .collect();
    assert_eq!(filled_months, ["2008-06", "2008-07"]);
}

#[test]
fn the_column_names_in_the_docs_are_the_ones_in_code() {
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/import-formats.md"),
    )
    .expect("docs/import-formats.md");
    let table = docs
        .split("| column | other names |")
        .nth(1)
        .expect("the column names table");
    let listed: Vec<(String, Vec<String>)> = table
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            (
                cells[0].trim_matches('`').to_owned(),
                cells[1].split(", ").map(str::to_owned).collect(),
            )
        })
        .collect();
    let in_code: Vec<(String, Vec<String>)> = synergy_import::COLUMN_NAMES
        .iter()
        .map(|(name, others)| {
            (
                (*name).to_owned(),
                others.iter().map(|o| (*o).to_owned()).collect(),
            )
        })
        .collect();
    assert_eq!(listed, in_code);
}
