//! Reading a CSV file or an XLSX workbook's first sheet into rows of cells, and matching
//! the header row against the columns an import expects.
//!
//! Both formats end up as the same [`Sheet`], so every rule downstream is written once.
//! A cell keeps what kind of value the spreadsheet stored (a date, a number, text),
//! because a date where a month is expected needs a different fix than a typo.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crate::error::{ImportErrors, RowError};
use crate::format::{Format, ZIP_MAGIC};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
/// Compound-file header of the pre-2007 `.xls` workbooks.
const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// One cell as the file stored it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Empty,
    /// Text, trimmed; never empty.
    Text(String),
    /// A numeric cell, as the shortest decimal that reads back to the stored value, so
    /// `1200.5` stays `1200.5` and a formula's `0.30000000000000004` is not rounded away.
    Number(String),
    /// A date-formatted cell, as `YYYY-MM-DD`.
    Date(String),
    Bool(bool),
    /// A cell that cannot be read as any value; the text says why.
    Unreadable(String),
}

impl Cell {
    pub(crate) fn is_blank(&self) -> bool {
        matches!(self, Cell::Empty)
    }

    /// The cell's text for a field written as text or as a plain number; `None` if empty.
    /// `expected` names what the column takes, for the refusal of dates and booleans.
    pub(crate) fn text(&self, expected: &str) -> Result<Option<&str>, String> {
        match self {
            Cell::Empty => Ok(None),
            Cell::Text(s) | Cell::Number(s) => Ok(Some(s)),
            Cell::Date(d) => Err(format!(
                "the cell holds a date ({d}), not {expected}; format the column as Text or Number"
            )),
            Cell::Bool(b) => Err(format!(
                "the cell holds {}, not {expected}",
                if *b { "TRUE" } else { "FALSE" }
            )),
            Cell::Unreadable(why) => Err(why.clone()),
        }
    }
}

/// One non-blank row and where it is in the file.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// 1-based line (CSV) or sheet row number (XLSX).
    pub(crate) line: usize,
    pub(crate) cells: Vec<Cell>,
}

impl Row {
    pub(crate) fn cell(&self, index: usize) -> &Cell {
        self.cells.get(index).unwrap_or(&Cell::Empty)
    }
}

/// The non-blank rows of a file, header first.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sheet {
    pub(crate) rows: Vec<Row>,
}

pub(crate) fn read(bytes: &[u8], format: Format) -> Result<Sheet, ImportErrors> {
    match format {
        Format::Csv => read_csv(bytes),
        Format::Xlsx => read_xlsx(bytes),
    }
}

fn file_error(rule: &'static str, reason: impl Into<String>) -> ImportErrors {
    ImportErrors::single(RowError::row(1, rule, reason))
}

fn read_csv(bytes: &[u8]) -> Result<Sheet, ImportErrors> {
    if bytes.starts_with(ZIP_MAGIC) {
        return Err(file_error(
            "import.format_mismatch",
            "the file is an XLSX workbook, not CSV text; upload it as XLSX",
        ));
    }
    if bytes.starts_with(OLE_MAGIC) {
        return Err(file_error(
            "import.unsupported_format",
            "the file is an old Excel 97-2003 (.xls) workbook; save it as .xlsx or as CSV UTF-8",
        ));
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(file_error(
            "import.not_utf8",
            "the file is UTF-16 text (Excel's \"Unicode Text\"); save it as CSV UTF-8 \
             (comma-separated) instead",
        ));
    }
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let mut rows = Vec::new();
    let mut lines = LineCounter::default();
    loop {
        // The csv crate's own record positions skip blank lines when counting, so lines are
        // counted here from where the previous record ended.
        let previous_end = usize::try_from(reader.position().byte()).unwrap_or(usize::MAX);
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let start = bytes
                    .get(previous_end..)
                    .and_then(|rest| rest.iter().position(|b| *b != b'\r' && *b != b'\n'))
                    .map_or(previous_end, |skip| previous_end + skip);
                let line = lines.line_at(bytes, start);
                let cells: Vec<Cell> = record.iter().map(csv_cell).collect();
                if cells.iter().all(Cell::is_blank) {
                    continue;
                }
                rows.push(Row { line, cells });
            }
            Err(e) => {
                // Reading from memory with flexible records only fails on malformed input.
                let line = lines.line_at(bytes, previous_end);
                return Err(ImportErrors::single(RowError::row(
                    line,
                    "import.unreadable_csv",
                    format!("the CSV text cannot be read here: {e}"),
                )));
            }
        }
    }
    Ok(Sheet { rows })
}

/// Turns byte offsets into 1-based line numbers, counting each newline once.
#[derive(Debug, Default)]
struct LineCounter {
    counted_to: usize,
    newlines: usize,
}

impl LineCounter {
    fn line_at(&mut self, bytes: &[u8], offset: usize) -> usize {
        let offset = offset.min(bytes.len());
        if offset > self.counted_to {
            self.newlines += bytes[self.counted_to..offset]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.counted_to = offset;
        }
        self.newlines + 1
    }
}

fn csv_cell(field: &[u8]) -> Cell {
    match std::str::from_utf8(field) {
        Ok(s) => {
            let s = s.trim();
            if s.is_empty() {
                Cell::Empty
            } else {
                Cell::Text(s.to_owned())
            }
        }
        Err(_) => Cell::Unreadable(
            "the cell is not UTF-8 text; save the file as \"CSV UTF-8 (comma delimited)\"".into(),
        ),
    }
}

fn read_xlsx(bytes: &[u8]) -> Result<Sheet, ImportErrors> {
    let unreadable = |e: &dyn std::fmt::Display| {
        file_error(
            "import.unreadable_workbook",
            format!(
                "the file is not a readable XLSX workbook ({e}); save it again as .xlsx, or \
                 export the sheet as CSV UTF-8"
            ),
        )
    };
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let range = match workbook.worksheet_range_at(0) {
        Some(Ok(range)) => range,
        Some(Err(e)) => return Err(unreadable(&e)),
        None => {
            return Err(file_error(
                "import.no_sheet",
                "the workbook has no sheet; put the data on its first sheet",
            ));
        }
    };
    let Some((first_row, _)) = range.start() else {
        return Ok(Sheet::default());
    };
    let mut rows = Vec::new();
    for (offset, cells) in range.rows().enumerate() {
        let cells: Vec<Cell> = cells.iter().map(xlsx_cell).collect();
        if cells.iter().all(Cell::is_blank) {
            continue;
        }
        // Row numbers as the spreadsheet program shows them, even if the data starts lower.
        let line = first_row as usize + offset + 1;
        rows.push(Row { line, cells });
    }
    Ok(Sheet { rows })
}

fn xlsx_cell(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) => {
            let s = s.trim();
            if s.is_empty() {
                Cell::Empty
            } else {
                Cell::Text(s.to_owned())
            }
        }
        Data::Int(i) => Cell::Number(i.to_string()),
        // Rust prints an f64 as the shortest decimal that parses back to the same value and
        // never in exponent form, so the exact-decimal parsers see what the sheet holds.
        Data::Float(f) if f.is_finite() => Cell::Number(format!("{f}")),
        Data::Float(_) => Cell::Unreadable("the cell holds an infinite or undefined number".into()),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) if dt.is_duration() => {
            Cell::Unreadable("the cell holds a duration, not a value this column takes".into())
        }
        Data::DateTime(dt) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            Cell::Date(format!("{y:04}-{m:02}-{d:02}"))
        }
        Data::DateTimeIso(s) => Cell::Date(s.chars().take(10).collect()),
        Data::DurationIso(_) => {
            Cell::Unreadable("the cell holds a duration, not a value this column takes".into())
        }
        Data::Error(e) => Cell::Unreadable(format!(
            "the cell holds the spreadsheet error {e}; fix the formula or type the value"
        )),
    }
}

/// Where each expected column is in the file.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    pub(crate) line: usize,
    /// Position in the row of each expected column, in the order they were expected.
    pub(crate) positions: Vec<usize>,
    /// How many cells of a row belong to named columns (anything past it must be blank).
    pub(crate) width: usize,
    /// Positions of header cells left blank (their data cells must be blank too).
    pub(crate) unnamed: Vec<usize>,
}

/// Splits `sheet` into its header, matched against `expected`, and its data rows.
pub(crate) fn split_header<'s>(
    sheet: &'s Sheet,
    expected: &[&'static str],
) -> Result<(Header, &'s [Row]), ImportErrors> {
    let Some((header_row, data)) = sheet.rows.split_first() else {
        return Err(file_error(
            "import.empty_file",
            format!(
                "the file is empty; it needs a header row {} and one row per record",
                expected.join(",")
            ),
        ));
    };
    let line = header_row.line;
    let mut errors = Vec::new();
    let mut found: Vec<Option<usize>> = vec![None; expected.len()];
    let mut unnamed = Vec::new();
    for (pos, cell) in header_row.cells.iter().enumerate() {
        let name = match cell {
            Cell::Empty => {
                unnamed.push(pos);
                continue;
            }
            Cell::Text(s) | Cell::Number(s) | Cell::Date(s) => {
                s.trim_start_matches('\u{feff}').trim()
            }
            Cell::Bool(b) => {
                if *b {
                    "TRUE"
                } else {
                    "FALSE"
                }
            }
            Cell::Unreadable(why) => {
                errors.push(RowError::row(
                    line,
                    "import.unknown_column",
                    format!("header cell {} cannot be read: {why}", pos + 1),
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
        match expected.iter().position(|e| e.eq_ignore_ascii_case(name)) {
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
            None => errors.push(RowError::at(
                line,
                name,
                "import.unknown_column",
                format!(
                    "unknown column {name:?}; the header must be exactly {}",
                    expected.join(",")
                ),
            )),
        }
    }
    for (i, pos) in found.iter().enumerate() {
        if pos.is_none() {
            errors.push(RowError::at(
                line,
                expected[i],
                "import.missing_column",
                format!(
                    "column {} is missing; the header must be exactly {}",
                    expected[i],
                    expected.join(",")
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
        },
        data,
    ))
}

impl Header {
    /// Refuses values in cells that no header names (past the header's end, or under a
    /// blank header cell): they would otherwise be dropped without anyone noticing.
    pub(crate) fn check_stray_cells(&self, row: &Row, errors: &mut Vec<RowError>) {
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
