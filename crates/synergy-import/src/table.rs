//! Reading a CSV file, a workbook's sheet ([`crate::xlsx`]) or rows already split into
//! cells into one [`Sheet`] of cells, within [`Limits`].
//!
//! Every format ends up as the same [`Sheet`], so every rule downstream is written once.
//! A cell keeps what kind of value the spreadsheet stored (a date, a number, text),
//! because a date where a figure is expected needs a different fix than a typo, and a
//! stored binary number reads differently from a typed decimal ([`crate::values`]).

use crate::error::{ImportErrors, RowError};
use crate::format::{Format, ZIP_MAGIC};
use crate::limits::Limits;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
/// Compound-file header of the pre-2007 `.xls` workbooks.
const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// One cell as the file stored it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Empty,
    /// Text, trimmed; never empty.
    Text(String),
    /// A numeric cell of a workbook.
    Number(Number),
    /// A date-formatted cell, as `YYYY-MM-DD`.
    Date(String),
    Bool(bool),
    /// A cell that cannot be read as any value; the text says why.
    Unreadable(String),
}

/// A workbook's number cell.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Number {
    /// The shortest decimal that reads back to the stored value, so `1200.5` stays
    /// `1200.5`, as text columns (a SKU code typed as a number) read it.
    pub(crate) text: String,
    /// The stored binary float, which figures read through
    /// [`crate::values::float_decimal`]; `None` when `text` is exact (an integer cell).
    pub(crate) float: Option<f64>,
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
            Cell::Text(s) => Ok(Some(s)),
            Cell::Number(n) => Ok(Some(&n.text)),
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

    /// The text the limits count for this cell.
    pub(crate) fn counted_text(&self) -> Option<&str> {
        match self {
            Cell::Text(s) => Some(s),
            Cell::Number(n) => Some(&n.text),
            _ => None,
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
    /// The workbook's sheet these rows are from; `None` for CSV and rows.
    pub(crate) name: Option<String>,
    pub(crate) rows: Vec<Row>,
}

/// What an import reads: a file's bytes in a format, or rows already split into cells (a
/// JSON upload), each row's cells in the import's column order.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// A CSV file or an XLSX workbook. `sheet` names the workbook's sheet to read;
    /// without it every sheet is considered and the one whose first row is the import's
    /// header is read (a workbook of one sheet is read whatever it holds).
    File {
        bytes: &'a [u8],
        format: Format,
        sheet: Option<&'a str>,
    },
    Rows(&'a [Vec<Option<String>>]),
}

impl<'a> Source<'a> {
    /// A file, every sheet of a workbook considered.
    pub fn file(bytes: &'a [u8], format: Format) -> Self {
        Source::File {
            bytes,
            format,
            sheet: None,
        }
    }
}

/// Reads a source within `limits` into the sheet the import's rules take. `columns` are
/// the import's, to recognise a workbook's sheet by its header. For rows: a header of
/// `columns` on line 1 and row *i* (0-based) on line *i* + 2, each cell trimmed as a CSV
/// cell is, every limit but the file's bytes counted as for a file.
pub(crate) fn read_source(
    source: Source<'_>,
    columns: &[&'static str],
    limits: &Limits,
) -> Result<Sheet, ImportErrors> {
    let rows = match source {
        Source::File {
            bytes,
            format,
            sheet,
        } => return read_file(bytes, format, sheet, columns, limits),
        Source::Rows(rows) => rows,
    };
    let mut budget = Budget::new(limits);
    let mut sheet = Sheet {
        name: None,
        rows: vec![Row {
            line: 1,
            cells: columns
                .iter()
                .map(|c| Cell::Text((*c).to_owned()))
                .collect(),
        }],
    };
    budget.row(1, columns.len())?;
    for (i, cells) in rows.iter().enumerate() {
        let line = i + 2;
        let mut row = Vec::with_capacity(cells.len().min(limits.columns));
        for (index, cell) in cells.iter().enumerate() {
            let at = || format!("cell {}", index + 1);
            budget.column(line, &at, index)?;
            let cell = match cell.as_deref().map(str::trim) {
                None | Some("") => Cell::Empty,
                Some(text) => {
                    budget.text(line, &at, text)?;
                    Cell::Text(text.to_owned())
                }
            };
            row.push(cell);
        }
        if row.iter().all(Cell::is_blank) {
            continue;
        }
        budget.row(line, row.len())?;
        sheet.rows.push(Row { line, cells: row });
    }
    Ok(sheet)
}

fn read_file(
    bytes: &[u8],
    format: Format,
    sheet: Option<&str>,
    columns: &[&'static str],
    limits: &Limits,
) -> Result<Sheet, ImportErrors> {
    if bytes.len() > limits.file_bytes {
        return Err(file_error(
            "import.limit_file_bytes",
            format!(
                "the file is larger than {} bytes (limit file_bytes); split the file",
                limits.file_bytes
            ),
        ));
    }
    match (format, sheet) {
        (Format::Csv, None) => read_csv(bytes, limits),
        (Format::Csv, Some(name)) if !bytes.starts_with(ZIP_MAGIC) => Err(file_error(
            "import.no_such_sheet",
            format!(
                "sheet {:?} was chosen, but the file is CSV text, which has no sheets; import \
                 it without choosing one",
                crate::xlsx::shown_name(name)
            ),
        )),
        (Format::Csv, Some(_)) => read_csv(bytes, limits),
        (Format::Xlsx, sheet) => crate::xlsx::read(bytes, sheet, columns, limits),
    }
}

pub(crate) fn file_error(rule: &'static str, reason: impl Into<String>) -> ImportErrors {
    ImportErrors::single(RowError::row(1, rule, reason))
}

pub(crate) fn limit_error(line: usize, rule: &'static str, reason: String) -> ImportErrors {
    ImportErrors::single(RowError::row(line, rule, reason))
}

/// What the rows kept so far have used of the limits.
#[derive(Debug)]
pub(crate) struct Budget<'l> {
    limits: &'l Limits,
    rows: usize,
    cells: usize,
    text_bytes: usize,
}

impl<'l> Budget<'l> {
    pub(crate) fn new(limits: &'l Limits) -> Self {
        Self {
            limits,
            rows: 0,
            cells: 0,
            text_bytes: 0,
        }
    }

    /// Counts one cell's text; `at` names the cell for the error.
    pub(crate) fn text(
        &mut self,
        line: usize,
        at: &dyn Fn() -> String,
        text: &str,
    ) -> Result<(), ImportErrors> {
        if text.len() > self.limits.cell_chars {
            let chars = text.chars().count();
            if chars > self.limits.cell_chars {
                return Err(limit_error(
                    line,
                    "import.limit_cell_chars",
                    format!(
                        "{} holds {chars} characters; a cell may hold at most {} (limit \
                         cell_chars)",
                        at(),
                        self.limits.cell_chars
                    ),
                ));
            }
        }
        self.text_bytes += text.len();
        if self.text_bytes > self.limits.text_bytes {
            return Err(limit_error(
                line,
                "import.limit_text_bytes",
                format!(
                    "the cells up to {} hold more than {} bytes of text (limit text_bytes); \
                     split the file",
                    at(),
                    self.limits.text_bytes
                ),
            ));
        }
        Ok(())
    }

    /// Checks a cell's column; `at` names the cell.
    pub(crate) fn column(
        &self,
        line: usize,
        at: &dyn Fn() -> String,
        index: usize,
    ) -> Result<(), ImportErrors> {
        if index >= self.limits.columns {
            return Err(limit_error(
                line,
                "import.limit_columns",
                format!(
                    "{} has a value, but at most {} columns are read (limit columns); remove \
                     what lies right of the data",
                    at(),
                    self.limits.columns
                ),
            ));
        }
        Ok(())
    }

    /// Counts one non-blank row of `width` cells.
    pub(crate) fn row(&mut self, line: usize, width: usize) -> Result<(), ImportErrors> {
        self.rows += 1;
        if self.rows > self.limits.rows {
            return Err(limit_error(
                line,
                "import.limit_rows",
                format!(
                    "the file has more than {} non-blank rows (limit rows); split the file",
                    self.limits.rows
                ),
            ));
        }
        self.cells += width;
        if self.cells > self.limits.cells {
            return Err(limit_error(
                line,
                "import.limit_cells",
                format!(
                    "the rows up to this one hold more than {} cells (limit cells); split the \
                     file",
                    self.limits.cells
                ),
            ));
        }
        Ok(())
    }
}

fn read_csv(bytes: &[u8], limits: &Limits) -> Result<Sheet, ImportErrors> {
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
    let mut budget = Budget::new(limits);
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
                // Trailing blank cells (a spreadsheet's padding commas) are not kept.
                let Some(width) = record
                    .iter()
                    .rposition(|field| !field.trim_ascii().is_empty())
                    .map(|last| last + 1)
                else {
                    continue;
                };
                let mut cells = Vec::with_capacity(width.min(limits.columns));
                for (index, field) in record.iter().take(width).enumerate() {
                    let at = || format!("cell {}", index + 1);
                    budget.column(line, &at, index)?;
                    let cell = csv_cell(field);
                    if let Cell::Text(text) = &cell {
                        budget.text(line, &at, text)?;
                    }
                    cells.push(cell);
                }
                if cells.iter().all(Cell::is_blank) {
                    continue;
                }
                budget.row(line, width)?;
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
    Ok(Sheet { name: None, rows })
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
