//! Helpers shared by the import tests.
#![allow(dead_code)]

use std::collections::BTreeMap;

use synergy_domain::{CatalogueView, SkuView};
use synergy_import::ImportErrors;
use synergy_proto::events::brand::PriceClass;
use synergy_proto::{BrandId, SkuId, Yuan};

pub const MARKET_HEADER: &str = "period,sku,volume_cases,revenue_yuan,closing_stock_cases,outlets_stocking,outlets_selling,avg_retail_price_yuan";

/// A catalogue holding the given SKUs of brand `hongyun`.
pub fn catalogue(skus: &[&str]) -> CatalogueView {
    let mut map = BTreeMap::new();
    for sku in skus {
        map.insert(
            SkuId::new(*sku).expect("test sku"),
            SkuView {
                brand: BrandId::new("hongyun").expect("test brand"),
                name: format!("{sku} name"),
                price_class: PriceClass::new(2).expect("class"),
                guide_price: Yuan::parse("190").expect("price"),
            },
        );
    }
    CatalogueView { skus: map }
}

/// `header`, then each of `rows` on a line of its own, with no newline at the end.
pub fn csv_of(header: &str, rows: &[&str]) -> String {
    let mut s = String::from(header);
    for row in rows {
        s.push('\n');
        s.push_str(row);
    }
    s
}

/// A market data file: the header, then `rows` joined by newlines, ending in a newline.
pub fn market_csv(rows: &[&str]) -> String {
    csv_of(MARKET_HEADER, rows) + "\n"
}

/// A problem as (line, column, rule).
pub type Problem = (usize, Option<String>, &'static str);

/// Each problem as (line, column, rule), in reported order.
pub fn problems(errors: &ImportErrors) -> Vec<Problem> {
    errors
        .errors
        .iter()
        .map(|e| (e.line, e.column.clone(), e.rule))
        .collect()
}

/// Asserts that `errors` holds exactly the `expected` problems, in this order.
#[track_caller]
pub fn assert_problems(errors: &ImportErrors, expected: &[Problem]) {
    assert_eq!(problems(errors), expected, "{errors}");
}

pub fn at(line: usize, column: &str, rule: &'static str) -> Problem {
    (line, Some(column.to_owned()), rule)
}

pub fn row(line: usize, rule: &'static str) -> Problem {
    (line, None, rule)
}

/// `book` with its zip part `name` rewritten by `edit` (a test's way to write what
/// rust_xlsxwriter does not: ISO date cells, the 1904 date system, rows a person typed).
pub fn patch_part(book: &[u8], name: &str, edit: impl Fn(String) -> String) -> Vec<u8> {
    use std::io::{Read as _, Write as _};
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(book)).expect("a zip");
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    let mut patched = false;
    for i in 0..archive.len() {
        let mut part = archive.by_index(i).expect("a part");
        let part_name = part.name().expect("a name").into_owned();
        let mut bytes = Vec::new();
        part.read_to_end(&mut bytes).expect("inflates");
        if part_name == name {
            bytes = edit(String::from_utf8(bytes).expect("XML is UTF-8")).into_bytes();
            patched = true;
        }
        out.start_file(part_name.as_str(), options).expect("start");
        out.write_all(&bytes).expect("write");
    }
    assert!(patched, "the workbook has no part {name}");
    out.finish().expect("zip").into_inner()
}
