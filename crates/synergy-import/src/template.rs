//! The templates a party fills in: each import's header row and an example, as CSV or as
//! an XLSX workbook whose `period` column is formatted as Text, so that a month typed
//! into it stays the text `2008-07` instead of becoming a date.

use std::fmt;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format as CellFormat, Workbook, XlsxError};

use crate::catalogue::CATALOGUE_COLUMNS;
use crate::format::Format;
use crate::header::other_names;
use crate::market_data::MARKET_DATA_COLUMNS;
use crate::write::push_record;

/// Which import a file is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportKind {
    /// The manufacturer's catalogue of SKUs.
    Catalogue,
    /// The distributor's monthly market data.
    MarketData,
}

impl ImportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Catalogue => "catalogue",
            ImportKind::MarketData => "market-data",
        }
    }

    /// The import's columns, in the order templates write them.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            ImportKind::Catalogue => &CATALOGUE_COLUMNS,
            ImportKind::MarketData => &MARKET_DATA_COLUMNS,
        }
    }

    /// The example rows a template carries: valid against a catalogue holding
    /// `hongyun-soft`, so the template as written imports.
    fn example(self) -> &'static [[&'static str; 8]] {
        match self {
            ImportKind::Catalogue => &[[
                "hongyun",
                "hongyun-soft",
                "紅雲(軟)",
                "3",
                "60.00",
                "",
                "",
                "",
            ]],
            ImportKind::MarketData => &[
                [
                    "2008-06",
                    "hongyun-soft",
                    "1200.5",
                    "3241350.00",
                    "310",
                    "2900",
                    "2600",
                    "61.50",
                ],
                [
                    "2008-06",
                    "ALL",
                    "11300",
                    "121000000.00",
                    "",
                    "5200",
                    "",
                    "",
                ],
            ],
        }
    }

    /// What each column takes, for the template's notes.
    fn notes(self) -> &'static [&'static str] {
        match self {
            ImportKind::Catalogue => &[
                "the brand's code (letters, digits, - and _)",
                "the SKU's code; ALL is reserved",
                "the SKU's name as printed on the pack",
                "the price class, 1 to 5 (一類 … 五類)",
                "the guide retail price per carton (條), yuan, up to 2 decimals",
            ],
            ImportKind::MarketData => &[
                "the month, typed as text: 2008-06 (the column is formatted as Text)",
                "the SKU's code, or ALL for the market totals of every brand in the region",
                "cases sold, up to 3 decimals",
                "revenue in yuan, up to 2 decimals",
                "cases in stock at the month's end (empty on the ALL row)",
                "outlets stocking the SKU; on the ALL row the active outlets of the market",
                "outlets selling the SKU (empty on the ALL row)",
                "average retail price per carton, yuan (empty on the ALL row)",
            ],
        }
    }
}

impl fmt::Display for ImportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The template of `kind` as a file in `format`.
///
/// CSV: the header row and the example rows. XLSX: a sheet named after the import with
/// the header row (bold, frozen), the example rows with figures as numbers, and the
/// `period` column formatted as Text; and a second sheet, `說明 notes`, saying what each
/// column takes and its Chinese name. The bytes are the same on every call.
pub fn template(kind: ImportKind, format: Format) -> Vec<u8> {
    match format {
        Format::Csv => {
            let mut out = String::new();
            let width = kind.columns().len();
            push_record(&mut out, kind.columns().iter().copied());
            for row in kind.example() {
                push_record(&mut out, row[..width].iter().copied());
            }
            out.into_bytes()
        }
        // Every value written is a constant of this module, within Excel's limits.
        Format::Xlsx => xlsx(kind).expect("the template's constant cells always write"),
    }
}

fn xlsx(kind: ImportKind) -> Result<Vec<u8>, XlsxError> {
    let columns = kind.columns();
    let mut workbook = Workbook::new();
    // A fixed creation time keeps the bytes the same on every call.
    workbook.set_properties(
        &DocProperties::new()
            .set_title(format!("Synergy {kind} template"))
            .set_creation_datetime(&ExcelDateTime::from_ymd(2008, 7, 1)?),
    );
    let bold = CellFormat::new().set_bold();
    // Built-in number format 49 is Text ("@").
    let text = CellFormat::new().set_num_format_index(49);

    let sheet = workbook.add_worksheet();
    sheet.set_name(kind.as_str())?;
    for (col, name) in columns.iter().enumerate() {
        let col = u16::try_from(col).unwrap_or(u16::MAX);
        sheet.write_string_with_format(0, col, *name, &bold)?;
        sheet.set_column_width(col, 14.0 + name.len().min(10) as f64)?;
    }
    if let Some(period) = columns.iter().position(|c| *c == "period") {
        // Cells typed into later rows take the column's format.
        sheet.set_column_format(u16::try_from(period).unwrap_or(0), &text)?;
    }
    for (r, row) in kind.example().iter().enumerate() {
        let r = u32::try_from(r).unwrap_or(0) + 1;
        for (col, (name, value)) in columns.iter().zip(row).enumerate() {
            let col = u16::try_from(col).unwrap_or(u16::MAX);
            if value.is_empty() {
                continue;
            }
            match value.parse::<f64>() {
                Ok(number) if is_figure(name) => sheet.write_number(r, col, number)?,
                _ if *name == "period" => sheet.write_string_with_format(r, col, *value, &text)?,
                _ => sheet.write_string(r, col, *value)?,
            };
        }
    }
    sheet.set_freeze_panes(1, 0)?;

    let notes = workbook.add_worksheet();
    notes.set_name("說明 notes")?;
    for (col, title) in ["column", "中文", "takes"].into_iter().enumerate() {
        notes.write_string_with_format(0, u16::try_from(col).unwrap_or(0), title, &bold)?;
    }
    for (r, (name, note)) in columns.iter().zip(kind.notes()).enumerate() {
        let r = u32::try_from(r).unwrap_or(0) + 1;
        notes.write_string(r, 0, *name)?;
        notes.write_string(r, 1, other_names(name).join(" / "))?;
        notes.write_string(r, 2, *note)?;
    }
    notes.set_column_width(0, 24)?;
    notes.set_column_width(1, 28)?;
    notes.set_column_width(2, 80)?;
    workbook.save_to_buffer()
}

/// Whether a column holds a figure, which a workbook stores as a number.
fn is_figure(column: &str) -> bool {
    !matches!(column, "period" | "sku" | "brand" | "name")
}
