//! Reading a CSV file or an XLSX workbook's first sheet into rows of cells, and matching
//! the header row against the columns an import expects.
//!
//! Both formats end up as the same [`Sheet`], so every rule downstream is written once.
//! A cell keeps what kind of value the spreadsheet stored (a date, a number, text),
//! because a date where a month is expected needs a different fix than a typo.

use std::collections::BTreeMap;
use std::io::{Cursor, Read as _};
use std::panic::AssertUnwindSafe;

use calamine::{DataRef, Reader, Xlsx};

use crate::error::{ImportErrors, Problems, RowError};
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

pub(crate) fn read(bytes: &[u8], format: Format, limits: &Limits) -> Result<Sheet, ImportErrors> {
    if bytes.len() > limits.file_bytes {
        return Err(file_error(
            "import.limit_file_bytes",
            format!(
                "the file is larger than {} bytes (limit file_bytes); split the file",
                limits.file_bytes
            ),
        ));
    }
    match format {
        Format::Csv => read_csv(bytes, limits),
        Format::Xlsx => read_xlsx(bytes, limits),
    }
}

/// What an import reads: a file's bytes in a format, or rows already split into cells (a
/// JSON upload), each row's cells in the import's column order.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    File { bytes: &'a [u8], format: Format },
    Rows(&'a [Vec<Option<String>>]),
}

/// Reads a source within `limits` into the sheet the import's rules take: for rows, a
/// header of `columns` on line 1 and row *i* (0-based) on line *i* + 2, each cell trimmed
/// as a CSV cell is, every limit but the file's bytes counted as for a file.
pub(crate) fn read_source(
    source: Source<'_>,
    columns: &[&'static str],
    limits: &Limits,
) -> Result<Sheet, ImportErrors> {
    let rows = match source {
        Source::File { bytes, format } => return read(bytes, format, limits),
        Source::Rows(rows) => rows,
    };
    let mut budget = Budget::new(limits);
    let mut sheet = Sheet {
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

fn file_error(rule: &'static str, reason: impl Into<String>) -> ImportErrors {
    ImportErrors::single(RowError::row(1, rule, reason))
}

fn limit_error(line: usize, rule: &'static str, reason: String) -> ImportErrors {
    ImportErrors::single(RowError::row(line, rule, reason))
}

/// What the rows kept so far have used of the limits.
#[derive(Debug)]
struct Budget<'l> {
    limits: &'l Limits,
    rows: usize,
    cells: usize,
    text_bytes: usize,
}

impl<'l> Budget<'l> {
    fn new(limits: &'l Limits) -> Self {
        Self {
            limits,
            rows: 0,
            cells: 0,
            text_bytes: 0,
        }
    }

    /// Counts one cell's text; `at` names the cell for the error.
    fn text(
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
    fn column(
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
    fn row(&mut self, line: usize, width: usize) -> Result<(), ImportErrors> {
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

fn unreadable_workbook(e: &dyn std::fmt::Display) -> ImportErrors {
    file_error(
        "import.unreadable_workbook",
        format!(
            "the file is not a readable XLSX workbook ({e}); save it again as .xlsx, or export \
             the sheet as CSV UTF-8"
        ),
    )
}

fn read_xlsx(bytes: &[u8], limits: &Limits) -> Result<Sheet, ImportErrors> {
    check_parts(bytes, limits)?;
    // The workbook reader is third-party code over hostile bytes: should it ever panic on
    // them, the file is refused as unreadable instead of taking the caller down.
    match std::panic::catch_unwind(AssertUnwindSafe(|| read_first_sheet(bytes, limits))) {
        Ok(sheet) => sheet,
        Err(_) => Err(unreadable_workbook(&"its reader gave up on it")),
    }
}

/// Inflates every part of the workbook through the [`Limits::inflated_bytes`] cap before
/// anything reads it, so no part can inflate past the cap whatever sizes the archive
/// declares. Costs one pass of inflating, at most the cap.
fn check_parts(bytes: &[u8], limits: &Limits) -> Result<(), ImportErrors> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable_workbook(&e))?;
    if archive.len() > limits.parts {
        return Err(file_error(
            "import.limit_parts",
            format!(
                "the workbook holds {} parts; at most {} are read (limit parts)",
                archive.len(),
                limits.parts
            ),
        ));
    }
    let mut left = limits.inflated_bytes;
    for index in 0..archive.len() {
        let mut part = archive
            .by_index(index)
            .map_err(|e| unreadable_workbook(&e))?;
        let name: String = part
            .name()
            .map(|n| n.chars().take(80).collect())
            .unwrap_or_default();
        let inflated = std::io::copy(
            &mut (&mut part).take(left.saturating_add(1)),
            &mut std::io::sink(),
        )
        .map_err(|e| unreadable_workbook(&e))?;
        if inflated > left {
            return Err(file_error(
                "import.limit_inflated_bytes",
                format!(
                    "the workbook inflates to more than {} bytes (limit inflated_bytes), \
                     passed in its part {name:?}; a real sheet of that size is better sent \
                     as CSV or split",
                    limits.inflated_bytes
                ),
            ));
        }
        left -= inflated;
    }
    Ok(())
}

fn read_first_sheet(bytes: &[u8], limits: &Limits) -> Result<Sheet, ImportErrors> {
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable_workbook(&e))?;
    let Some(first) = workbook.sheet_names().into_iter().next() else {
        return Err(file_error(
            "import.no_sheet",
            "the workbook has no sheet; put the data on its first sheet",
        ));
    };
    let mut reader = workbook
        .worksheet_cells_reader(&first)
        .map_err(|e| unreadable_workbook(&e))?;
    // Sparse: only the cells present, by row and column; the range the sheet declares
    // (or its corners) never sizes anything.
    let mut grid: BTreeMap<u32, BTreeMap<u32, Cell>> = BTreeMap::new();
    let mut budget = Budget::new(limits);
    let mut kept = 0usize;
    while let Some(cell) = reader.next_cell().map_err(|e| unreadable_workbook(&e))? {
        let (row, col) = cell.get_position();
        let value = xlsx_cell(cell.get_value());
        if value.is_blank() {
            continue;
        }
        let line = row as usize + 1;
        let at = || format!("cell {}{line}", column_name(col));
        budget.column(line, &at, col as usize)?;
        if let Cell::Text(text) | Cell::Number(text) = &value {
            budget.text(line, &at, text)?;
        }
        if !grid.contains_key(&row) && grid.len() >= limits.rows {
            return Err(limit_error(
                line,
                "import.limit_rows",
                format!(
                    "the sheet has more than {} non-blank rows (limit rows); split the file",
                    limits.rows
                ),
            ));
        }
        if grid.entry(row).or_default().insert(col, value).is_none() {
            kept += 1;
            if kept > limits.cells {
                return Err(limit_error(
                    line,
                    "import.limit_cells",
                    format!(
                        "the sheet holds more than {} cells (limit cells); split the file",
                        limits.cells
                    ),
                ));
            }
        }
    }
    let mut rows = Vec::with_capacity(grid.len());
    for (row, cells) in grid {
        let line = row as usize + 1;
        let width = cells
            .last_key_value()
            .map_or(0, |(col, _)| *col as usize + 1);
        budget.row(line, width)?;
        let mut dense = vec![Cell::Empty; width];
        for (col, cell) in cells {
            dense[col as usize] = cell;
        }
        rows.push(Row { line, cells: dense });
    }
    Ok(Sheet { rows })
}

/// A column's letters as the spreadsheet program shows them (0 is `A`).
fn column_name(index: u32) -> String {
    let mut n = u64::from(index) + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push(b'A' + rem);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

fn trimmed_text(s: &str) -> Cell {
    let s = s.trim();
    if s.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(s.to_owned())
    }
}

fn xlsx_cell(data: &DataRef<'_>) -> Cell {
    match data {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) => trimmed_text(s),
        DataRef::SharedString(s) => trimmed_text(s),
        DataRef::Int(i) => Cell::Number(i.to_string()),
        // Rust prints an f64 as the shortest decimal that parses back to the same value and
        // never in exponent form, so the exact-decimal parsers see what the sheet holds.
        DataRef::Float(f) if f.is_finite() => Cell::Number(format!("{f}")),
        DataRef::Float(_) => {
            Cell::Unreadable("the cell holds an infinite or undefined number".into())
        }
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(dt) if dt.is_duration() => {
            Cell::Unreadable("the cell holds a duration, not a value this column takes".into())
        }
        DataRef::DateTime(dt) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            Cell::Date(format!("{y:04}-{m:02}-{d:02}"))
        }
        DataRef::DateTimeIso(s) => Cell::Date(s.chars().take(10).collect()),
        DataRef::DurationIso(_) => {
            Cell::Unreadable("the cell holds a duration, not a value this column takes".into())
        }
        DataRef::Error(e) => Cell::Unreadable(format!(
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
