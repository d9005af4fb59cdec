//! Reading an XLSX workbook: every part inflated through the cap first, then the sheet to
//! import chosen (the one named, or the one whose first row is the import's header), then
//! that sheet read sparsely from calamine's cell stream.

use std::collections::BTreeMap;
use std::io::{Cursor, Read as _};
use std::panic::AssertUnwindSafe;

use calamine::{DataRef, Reader, SheetType, Xlsx};

use crate::error::ImportErrors;
use crate::header::{HeaderScore, recognisable};
use crate::limits::Limits;
use crate::table::{Budget, Cell, Number, Row, Sheet, file_error, limit_error};
use crate::values::month_text;

/// How many sheet names a message lists before it only counts the rest.
const NAMES_LISTED: usize = 12;

fn unreadable_workbook(e: &dyn std::fmt::Display) -> ImportErrors {
    file_error(
        "import.unreadable_workbook",
        format!(
            "the file is not a readable XLSX workbook ({e}); save it again as .xlsx, or export \
             the sheet as CSV UTF-8"
        ),
    )
}

/// Reads the sheet `chosen`, or the one [`choose`] finds, of the workbook in `bytes`.
pub(crate) fn read(
    bytes: &[u8],
    chosen: Option<&str>,
    columns: &[&'static str],
    limits: &Limits,
) -> Result<Sheet, ImportErrors> {
    check_parts(bytes, limits)?;
    // The workbook reader is third-party code over hostile bytes: should it ever panic on
    // them, the file is refused as unreadable instead of taking the caller down.
    match std::panic::catch_unwind(AssertUnwindSafe(|| {
        read_workbook(bytes, chosen, columns, limits)
    })) {
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

/// A sheet's name as messages show it: at most 40 characters.
pub(crate) fn shown_name(name: &str) -> String {
    let mut shown: String = name.chars().take(40).collect();
    if shown.len() < name.len() {
        shown.push('…');
    }
    shown
}

/// `"A", "B" and 3 more`.
fn listed(names: &[&str]) -> String {
    let mut out: Vec<String> = names
        .iter()
        .take(NAMES_LISTED)
        .map(|n| format!("{:?}", shown_name(n)))
        .collect();
    if names.len() > NAMES_LISTED {
        out.push(format!("{} more", names.len() - NAMES_LISTED));
    }
    match out.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => out.join(""),
    }
}

fn read_workbook(
    bytes: &[u8],
    chosen: Option<&str>,
    columns: &[&'static str],
    limits: &Limits,
) -> Result<Sheet, ImportErrors> {
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable_workbook(&e))?;
    // Chart and macro sheets hold no cells to import.
    let names: Vec<String> = workbook
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| s.name.clone())
        .collect();
    if names.is_empty() {
        return Err(file_error(
            "import.no_sheet",
            "the workbook has no sheet; put the data on a sheet of its own",
        ));
    }
    let name = match chosen {
        Some(chosen) => {
            let wanted = chosen.trim();
            names
                .iter()
                .find(|n| n.as_str() == wanted)
                .or_else(|| names.iter().find(|n| n.trim().eq_ignore_ascii_case(wanted)))
                .cloned()
                .ok_or_else(|| {
                    let all: Vec<&str> = names.iter().map(String::as_str).collect();
                    file_error(
                        "import.no_such_sheet",
                        format!(
                            "the workbook has no sheet {:?}; its sheets are {}",
                            shown_name(chosen),
                            listed(&all)
                        ),
                    )
                })?
        }
        None if names.len() == 1 => names[0].clone(),
        None => choose(&mut workbook, &names, columns, limits)?,
    };
    let mut sheet =
        read_sheet(&mut workbook, &name, limits).map_err(|e| e.in_sheet(Some(&name)))?;
    sheet.name = Some(name);
    Ok(sheet)
}

/// The sheet of a workbook of several to import: the one whose first non-blank row is the
/// import's header ([`recognisable`]); or, if no sheet's is, the only sheet that holds
/// anything. Several headers, or several sheets holding something and none a header, are
/// refused: the caller names the sheet.
///
/// Each sheet is read only up to the end of its first non-blank row, that row's cells
/// counted against the limits as a read counts them.
fn choose(
    workbook: &mut Xlsx<Cursor<&[u8]>>,
    names: &[String],
    columns: &[&'static str],
    limits: &Limits,
) -> Result<String, ImportErrors> {
    let mut budget = Budget::new(limits);
    let mut with_header = Vec::new();
    let mut with_cells = Vec::new();
    for name in names {
        let Some(named) = first_row_score(workbook, name, columns, &mut budget)? else {
            continue;
        };
        with_cells.push(name.as_str());
        if recognisable(named, columns) {
            with_header.push(name.as_str());
        }
    }
    let import = if columns.contains(&"period") {
        "market data"
    } else {
        "catalogue"
    };
    let choose_one = "choose the sheet to import (--sheet NAME on the command line, \
                      ?sheet=NAME over HTTP)";
    match (with_header.as_slice(), with_cells.as_slice()) {
        ([one], _) => Ok((*one).to_owned()),
        ([], [one]) => Ok((*one).to_owned()),
        ([], []) => Ok(names[0].clone()),
        ([], several) => Err(file_error(
            "import.no_sheet",
            format!(
                "no sheet of the workbook starts with a header of {import} columns ({}); the \
                 sheets holding cells are {}: put the header on the data's first row, or {choose_one}",
                columns.join(","),
                listed(several)
            ),
        )),
        (several, _) => Err(file_error(
            "import.several_sheets",
            format!(
                "the sheets {} each start with a header of {import} columns; {choose_one}",
                listed(several)
            ),
        )),
    }
}

/// How many of `columns` the first non-blank row of sheet `name` names; `None` for a
/// sheet without a value.
fn first_row_score(
    workbook: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
    columns: &[&'static str],
    budget: &mut Budget<'_>,
) -> Result<Option<usize>, ImportErrors> {
    let mut reader = workbook
        .worksheet_cells_reader(name)
        .map_err(|e| unreadable_workbook(&e))?;
    let mut score = HeaderScore::new(columns);
    let mut first_row = None;
    while let Some(cell) = reader.next_cell().map_err(|e| unreadable_workbook(&e))? {
        let (row, col) = cell.get_position();
        if first_row.is_some_and(|first| first != row) {
            break;
        }
        let value = xlsx_cell(cell.get_value());
        if value.is_blank() {
            continue;
        }
        first_row = Some(row);
        let line = row as usize + 1;
        let at = || {
            format!(
                "cell {}{line} of sheet {:?}",
                column_name(col),
                shown_name(name)
            )
        };
        budget.column(line, &at, col as usize)?;
        if let Some(text) = value.counted_text() {
            budget.text(line, &at, text)?;
        }
        match &value {
            Cell::Text(text) => score.cell(text),
            Cell::Number(n) => score.cell(&n.text),
            _ => {}
        }
    }
    Ok(first_row.map(|_| score.named()))
}

fn read_sheet(
    workbook: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
    limits: &Limits,
) -> Result<Sheet, ImportErrors> {
    let mut reader = workbook
        .worksheet_cells_reader(name)
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
        // The rejection names the sheet; the cell is named as the sheet shows it.
        let at = || format!("cell {}{line}", column_name(col));
        budget.column(line, &at, col as usize)?;
        if let Some(text) = value.counted_text() {
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
    Ok(Sheet { name: None, rows })
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
        DataRef::Int(i) => Cell::Number(Number {
            text: i.to_string(),
            float: None,
        }),
        // Rust prints an f64 as the shortest decimal that parses back to the same value and
        // never in exponent form.
        DataRef::Float(f) if f.is_finite() => Cell::Number(Number {
            text: format!("{f}"),
            float: Some(*f),
        }),
        DataRef::Float(_) => {
            Cell::Unreadable("the cell holds an infinite or undefined number".into())
        }
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(dt) if dt.is_duration() => {
            Cell::Unreadable("the cell holds a duration, not a value this column takes".into())
        }
        // A serial day number with a date format: calamine counts it from the workbook's
        // epoch (1900, or 1904 where the workbook says so).
        DataRef::DateTime(dt) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            Cell::Date(format!("{y:04}-{m:02}-{d:02}"))
        }
        // An ISO 8601 date cell (`t="d"`): its date part, if it has a real one.
        DataRef::DateTimeIso(s) => match s.get(..10) {
            Some(day) if month_text(s).is_some() => Cell::Date(day.to_owned()),
            _ => Cell::Unreadable(format!(
                "the cell holds the date-time {:?}, which names no day",
                s.chars().take(40).collect::<String>()
            )),
        },
        DataRef::DurationIso(_) => {
            Cell::Unreadable("the cell holds a duration, not a value this column takes".into())
        }
        DataRef::Error(e) => Cell::Unreadable(format!(
            "the cell holds the spreadsheet error {e}; fix the formula or type the value"
        )),
    }
}
