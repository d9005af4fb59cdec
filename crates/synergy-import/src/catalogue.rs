//! The manufacturer's catalogue file (`docs/import-formats.md`): one row per SKU.

use std::collections::BTreeMap;

use synergy_brand::SkuEntry;
use synergy_proto::{SkuId, Yuan};

use crate::error::{ImportErrors, Parsed, Problems, RowError};
use crate::fields::{Fields, keep};
use crate::format::Format;
use crate::header;
use crate::limits::Limits;
use crate::table::{self, Source};

/// The catalogue header, in the order templates write it.
pub const CATALOGUE_COLUMNS: [&str; 5] =
    ["brand", "sku", "name", "price_class", "guide_price_yuan"];

const BRAND: usize = 0;
const SKU: usize = 1;
const NAME: usize = 2;
const PRICE_CLASS: usize = 3;
const GUIDE_PRICE: usize = 4;

/// Reads a catalogue file into its SKU entries, in file order, or lists every bad row;
/// within the default [`Limits`].
pub fn parse_catalogue(bytes: &[u8], format: Format) -> Result<Vec<SkuEntry>, ImportErrors> {
    parse_catalogue_within(bytes, format, &Limits::DEFAULT)
}

/// [`parse_catalogue`] within the given limits: a file past any of them is refused with
/// the limit's rule code, naming where it was crossed.
pub fn parse_catalogue_within(
    bytes: &[u8],
    format: Format,
    limits: &Limits,
) -> Result<Vec<SkuEntry>, ImportErrors> {
    read_catalogue(Source::file(bytes, format), limits).map(|parsed| parsed.value)
}

/// Reads a catalogue from a file or from rows of cells in [`CATALOGUE_COLUMNS`] order,
/// with one set of rules and messages for both; says which sheet of a workbook it read and
/// which columns it ignored.
pub fn read_catalogue(
    source: Source<'_>,
    limits: &Limits,
) -> Result<Parsed<Vec<SkuEntry>>, ImportErrors> {
    let sheet = table::read_source(source, &CATALOGUE_COLUMNS, limits)?;
    let name = sheet.name.as_deref();
    let (value, warnings) = entries(&sheet).map_err(|e| e.in_sheet(name))?;
    Ok(Parsed {
        value,
        sheet: sheet.name,
        warnings,
    })
}

fn entries(
    sheet: &table::Sheet,
) -> Result<(Vec<SkuEntry>, Vec<crate::error::Warning>), ImportErrors> {
    let (header, rows) = header::split_header(sheet, &CATALOGUE_COLUMNS)?;
    if rows.is_empty() {
        return Err(ImportErrors::single(RowError::row(
            header.line,
            "import.no_rows",
            "the file has a header but no data rows; give one row per SKU",
        )));
    }

    let mut errors = Problems::new();
    let mut entries = Vec::with_capacity(rows.len());
    let mut first_line: BTreeMap<SkuId, usize> = BTreeMap::new();
    for row in rows {
        header.check_stray_cells(row, &mut errors);
        let f = Fields {
            row,
            positions: &header.positions,
            names: &CATALOGUE_COLUMNS,
        };
        let brand = keep(f.brand(BRAND), &mut errors);
        let sku = keep(sku(f), &mut errors);
        let name = keep(
            f.text(NAME, "the SKU's name as printed on the pack"),
            &mut errors,
        );
        let price_class = keep(price_class(f), &mut errors);
        let guide_price = keep(guide_price(f), &mut errors);
        if let Some(sku) = &sku {
            if let Some(first) = first_line.get(sku) {
                errors.push(RowError::at(
                    row.line,
                    "sku",
                    "portfolio.sku_once_per_catalogue",
                    format!("SKU {sku} is already on line {first}; give each SKU once"),
                ));
                continue;
            }
            first_line.insert(sku.clone(), row.line);
        }
        if let (Some(brand), Some(sku), Some(name), Some(price_class), Some(guide_price)) =
            (brand, sku, name, price_class, guide_price)
        {
            entries.push(SkuEntry {
                brand,
                sku,
                name: name.to_owned(),
                price_class,
                guide_price,
            });
        }
    }
    match errors.finish() {
        None => Ok((entries, header.warnings)),
        Some(rejected) => Err(rejected),
    }
}

fn sku(f: Fields<'_>) -> Result<SkuId, RowError> {
    let sku = f.sku(SKU)?;
    if sku.as_str().eq_ignore_ascii_case(SkuId::MARKET_TOTAL) {
        return Err(f.report(
            SKU,
            "portfolio.sku_all_reserved",
            format!(
                "{sku} is reserved for the market-total row of market data files; give the SKU \
                 another code"
            ),
        ));
    }
    Ok(sku)
}

/// Price classes 1–5, also written 一類 … 五類 (or 一类 … 五类) as the trade writes them.
fn price_class(f: Fields<'_>) -> Result<u8, RowError> {
    let text = f.text(PRICE_CLASS, "the price class, 1 to 5")?;
    let numeral = text.trim_end_matches(['類', '类']).trim();
    let class = match numeral {
        "一" => Some(1),
        "二" => Some(2),
        "三" => Some(3),
        "四" => Some(4),
        "五" => Some(5),
        digits => crate::fields::parse_count(digits)
            .ok()
            .and_then(|n| u8::try_from(n).ok()),
    };
    match class {
        Some(class @ 1..=5) => Ok(class),
        _ => Err(f.report(
            PRICE_CLASS,
            "portfolio.price_class_1_to_5",
            format!("{text:?} is not a price class; write 1 to 5 (一類 … 五類)"),
        )),
    }
}

fn guide_price(f: Fields<'_>) -> Result<Yuan, RowError> {
    let price = f.yuan(GUIDE_PRICE)?;
    if price == Yuan::ZERO {
        return Err(f.report(
            GUIDE_PRICE,
            "portfolio.guide_price_positive",
            "the guide price is 0; give the guide retail price per carton (條) in yuan".into(),
        ));
    }
    Ok(price)
}
