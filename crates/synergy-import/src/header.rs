//! The header row: which column is which, under the names people give them.
//!
//! A header cell names a column when it reads as the column's name or one of its other
//! names ([`COLUMN_NAMES`]), compared without letter case, spaces (full-width ones too),
//! underscores, hyphens and a unit in brackets at its end: `Volume Cases`, `銷量（箱）` and
//! `volume_cases` all name `volume_cases`. A header cell that names no column is ignored
//! with a [`Warning`], its cells unread; a column the import needs and the header lacks is
//! an error naming it.

use crate::error::{ImportErrors, Problems, RowError, Warning};
use crate::table::{Cell, Row, Sheet};

/// Every column's other names: the Chinese names, in Traditional and in Simplified
/// characters. Listed once here and once in `docs/import-formats.md`, which a test holds
/// to this list.
pub const COLUMN_NAMES: [(&str, &[&str]); 12] = [
    ("period", &["期間", "期间", "月份"]),
    ("sku", &["規格", "规格"]),
    ("volume_cases", &["銷量", "销量"]),
    ("revenue_yuan", &["銷售額", "销售额"]),
    ("closing_stock_cases", &["期末庫存", "期末库存"]),
    ("outlets_stocking", &["鋪貨戶數", "铺货户数"]),
    ("outlets_selling", &["動銷戶數", "动销户数"]),
    (
        "avg_retail_price_yuan",
        &["平均零售價", "平均零售价", "零售均價", "零售均价"],
    ),
    ("brand", &["品牌"]),
    ("name", &["名稱", "名称"]),
    ("price_class", &["價類", "价类"]),
    (
        "guide_price_yuan",
        &["指導價", "指导价", "建議零售價", "建议零售价"],
    ),
];

/// The other names of `column` (none for a column not listed).
pub fn other_names(column: &str) -> &'static [&'static str] {
    COLUMN_NAMES
        .iter()
        .find(|(name, _)| *name == column)
        .map_or(&[], |(_, others)| others)
}

/// A header cell's name as compared: lower case, without spaces, underscores, hyphens,
/// a byte-order mark, or a bracketed unit at its end.
fn key(name: &str) -> String {
    let name = name.trim_start_matches('\u{feff}').trim();
    let name = without_unit(name);
    name.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// `銷量（箱）` → `銷量`, `price (yuan)` → `price`; a name that is only a bracket stays.
fn without_unit(name: &str) -> &str {
    let Some(open) = (if name.ends_with(')') {
        name.rfind('(')
    } else if name.ends_with('）') {
        name.rfind('（')
    } else {
        None
    }) else {
        return name;
    };
    match name[..open].trim_end() {
        "" => name,
        bare => bare,
    }
}

/// The column of `expected` that a header cell's `name` names.
fn column_named(name: &str, expected: &[&'static str]) -> Option<usize> {
    let key = key(name);
    if key.is_empty() {
        return None;
    }
    expected.iter().position(|column| {
        self::key(column) == key || other_names(column).iter().any(|o| self::key(o) == key)
    })
}

/// Whether a first row naming `named` distinct columns of `expected` is that import's
/// header: it names more than half of them.
pub(crate) fn recognisable(named: usize, expected: &[&'static str]) -> bool {
    named * 2 > expected.len()
}

/// Counts the distinct columns of `expected` that the header cells named so far name.
#[derive(Debug)]
pub(crate) struct HeaderScore<'e> {
    expected: &'e [&'static str],
    seen: Vec<bool>,
}

impl<'e> HeaderScore<'e> {
    pub(crate) fn new(expected: &'e [&'static str]) -> Self {
        Self {
            expected,
            seen: vec![false; expected.len()],
        }
    }

    pub(crate) fn cell(&mut self, name: &str) {
        if let Some(i) = column_named(name, self.expected) {
            self.seen[i] = true;
        }
    }

    pub(crate) fn named(&self) -> usize {
        self.seen.iter().filter(|s| **s).count()
    }
}

/// Where each expected column is in the file.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    pub(crate) line: usize,
    /// Position in the row of each expected column, in the order they were expected.
    pub(crate) positions: Vec<usize>,
    /// How many cells of a row lie under a header cell (anything past it must be blank).
    pub(crate) width: usize,
    /// Positions of header cells left blank (their data cells must be blank too).
    pub(crate) unnamed: Vec<usize>,
    /// The header cells that name no column: their cells are not read.
    pub(crate) warnings: Vec<Warning>,
}

/// ` (volume_cases may also be named 銷量 or 销量)`, for messages.
fn also_named(column: &str) -> String {
    match other_names(column) {
        [] => String::new(),
        others => format!(" ({column} may also be named {})", others.join(" or ")),
    }
}

/// Splits `sheet` into its header, matched against `expected`, and its data rows.
pub(crate) fn split_header<'s>(
    sheet: &'s Sheet,
    expected: &[&'static str],
) -> Result<(Header, &'s [Row]), ImportErrors> {
    let Some((header_row, data)) = sheet.rows.split_first() else {
        return Err(ImportErrors::single(RowError::row(
            1,
            "import.empty_file",
            format!(
                "the file is empty; it needs a header row {} and one row per record",
                expected.join(",")
            ),
        )));
    };
    let line = header_row.line;
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut found: Vec<Option<usize>> = vec![None; expected.len()];
    let mut unnamed = Vec::new();
    for (pos, cell) in header_row.cells.iter().enumerate() {
        let name = match cell {
            Cell::Empty => {
                unnamed.push(pos);
                continue;
            }
            Cell::Text(s) => s.trim_start_matches('\u{feff}').trim(),
            Cell::Number(n) => n.text.as_str(),
            Cell::Date(d) => d.as_str(),
            Cell::Bool(b) => {
                if *b {
                    "TRUE"
                } else {
                    "FALSE"
                }
            }
            Cell::Unreadable(why) => {
                warnings.push(Warning::row(
                    line,
                    "import.column_ignored",
                    format!(
                        "header cell {} cannot be read ({why}); its column is ignored",
                        pos + 1
                    ),
                ));
                continue;
            }
        };
        if header_row.cells.len() == 1 && (name.contains(';') || name.contains('\t')) {
            errors.push(RowError::row(
                line,
                "import.not_comma_separated",
                format!(
                    "the header {name:?} is separated by {}; save the file as comma-separated CSV",
                    if name.contains(';') {
                        "semicolons"
                    } else {
                        "tabs"
                    }
                ),
            ));
            return Err(ImportErrors::from_unsorted(errors));
        }
        match column_named(name, expected) {
            Some(i) => match found[i] {
                Some(first) => errors.push(RowError::at(
                    line,
                    expected[i],
                    "import.duplicate_column",
                    format!(
                        "column {} appears twice (header cells {} and {}); keep one",
                        expected[i],
                        first + 1,
                        pos + 1
                    ),
                )),
                None => found[i] = Some(pos),
            },
            None => warnings.push(Warning::at(
                line,
                name,
                "import.column_ignored",
                format!("{name:?} is not a column of this import; its cells are ignored"),
            )),
        }
    }
    for (i, pos) in found.iter().enumerate() {
        if pos.is_none() {
            let ignored: Vec<&str> = warnings
                .iter()
                .filter_map(|w| w.column.as_deref())
                .collect();
            let hint = if ignored.is_empty() {
                String::new()
            } else {
                format!(
                    " (the header's {} named no column)",
                    ignored
                        .iter()
                        .map(|n| format!("{n:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            errors.push(RowError::at(
                line,
                expected[i],
                "import.missing_column",
                format!(
                    "column {} is missing{hint}; the header needs the columns {}, in any \
                     order{}",
                    expected[i],
                    expected.join(","),
                    also_named(expected[i])
                ),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ImportErrors::from_unsorted(errors));
    }
    let positions: Vec<usize> = found.into_iter().flatten().collect();
    let width = header_row.cells.len();
    Ok((
        Header {
            line,
            positions,
            width,
            unnamed,
            warnings,
        },
        data,
    ))
}

impl Header {
    /// Refuses values in cells that no header cell names (past the header's end, or
    /// under a blank header cell): they would otherwise be dropped without anyone
    /// noticing. Cells under a header that names no column are ignored, as its warning
    /// says.
    pub(crate) fn check_stray_cells(&self, row: &Row, errors: &mut Problems) {
        for (pos, cell) in row.cells.iter().enumerate() {
            if cell.is_blank() {
                continue;
            }
            if pos >= self.width || self.unnamed.contains(&pos) {
                errors.push(RowError::row(
                    row.line,
                    "import.value_without_column",
                    format!(
                        "cell {} has a value but no column name in the header; remove it or \
                         check for a stray comma",
                        pos + 1
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MARKET: [&str; 8] = crate::market_data::MARKET_DATA_COLUMNS;

    #[test]
    fn names_as_people_write_them() {
        for (name, column) in [
            ("volume_cases", 2),
            ("Volume Cases", 2),
            ("  VOLUME-CASES\u{3000}", 2),
            ("\u{feff}period", 0),
            ("銷量", 2),
            ("销量（箱）", 2),
            ("銷售額 (元)", 3),
            ("規 格", 1),
            ("SKU", 1),
            ("零售均价", 7),
            ("期間", 0),
        ] {
            assert_eq!(column_named(name, &MARKET), Some(column), "{name}");
        }
        for name in ["備註", "volume", "(箱)", "", "sku2", "brand"] {
            assert_eq!(column_named(name, &MARKET), None, "{name}");
        }
    }

    #[test]
    fn a_header_is_recognised_by_most_of_its_columns() {
        let mut score = HeaderScore::new(&MARKET);
        for name in ["期間", "規格", "銷量", "sku"] {
            score.cell(name);
        }
        assert_eq!(score.named(), 3);
        assert!(!recognisable(score.named(), &MARKET));
        score.cell("revenue yuan");
        score.cell("備註");
        assert!(!recognisable(score.named(), &MARKET), "half is not most");
        score.cell("期末库存");
        assert!(recognisable(score.named(), &MARKET));
    }
}
