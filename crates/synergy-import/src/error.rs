//! The outcome of a rejected file: every bad row, each with its line, column and reason;
//! and what an accepted file held that was not imported.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

/// One problem in an import file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// 1-based line of a CSV file or row of the sheet; the header is line 1 when it is the
    /// file's first line. Problems of a whole month are reported on that month's first row.
    pub line: usize,
    /// The column, by the import's name for it (`volume_cases`, whether the header says
    /// so or `銷量`), where the problem lies in one cell.
    pub column: Option<String>,
    /// Stable code of the broken rule, e.g. `import.too_many_decimals`.
    pub rule: &'static str,
    /// What is wrong and what to do, for a person.
    pub reason: String,
}

impl RowError {
    pub(crate) fn new(
        line: usize,
        column: Option<&str>,
        rule: &'static str,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            line,
            column: column.map(str::to_owned),
            rule,
            reason: reason.into(),
        }
    }

    pub(crate) fn at(
        line: usize,
        column: &str,
        rule: &'static str,
        reason: impl Into<String>,
    ) -> Self {
        Self::new(line, Some(column), rule, reason)
    }

    pub(crate) fn row(line: usize, rule: &'static str, reason: impl Into<String>) -> Self {
        Self::new(line, None, rule, reason)
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(column) => write!(f, "line {}, column {column}: {}", self.line, self.reason),
            None => write!(f, "line {}: {}", self.line, self.reason),
        }
    }
}

/// An accepted file: what it holds, which sheet of a workbook was read, and what of it was
/// not read.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<T> {
    pub value: T,
    /// The workbook's sheet that was read; `None` for CSV and rows.
    pub sheet: Option<String>,
    /// What the file held that the import did not read (ignored columns).
    pub warnings: Vec<Warning>,
}

/// Something an accepted file held that the import did not read: a column no import
/// column is named by. The file is imported without it; front ends show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// 1-based line of a CSV file or row of the sheet.
    pub line: usize,
    /// The column as named in the header, where the warning is about one column.
    pub column: Option<String>,
    /// Stable code, e.g. `import.column_ignored`.
    pub rule: &'static str,
    /// What was not read, for a person.
    pub reason: String,
}

impl Warning {
    pub(crate) fn at(
        line: usize,
        column: &str,
        rule: &'static str,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            line,
            column: Some(column.to_owned()),
            rule,
            reason: reason.into(),
        }
    }

    pub(crate) fn row(line: usize, rule: &'static str, reason: impl Into<String>) -> Self {
        Self {
            line,
            column: None,
            rule,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(column) => write!(f, "line {}, column {column}: {}", self.line, self.reason),
            None => write!(f, "line {}: {}", self.line, self.reason),
        }
    }
}

/// How many rows with problems a rejection lists; everything past them is only counted.
pub const LISTED_ROWS: usize = 1_000;

/// A rejected file: nothing of it may be recorded. Never empty; ordered by line.
///
/// `errors` lists the problems of the first [`LISTED_ROWS`] lines that have any; `total`
/// and `by_rule` count every problem found, listed or not, so a client knows how many it
/// did not see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportErrors {
    pub errors: Vec<RowError>,
    /// Every problem found, listed or not.
    pub total: usize,
    /// How many distinct lines have a problem, listed or not.
    pub rows_with_errors: usize,
    /// Every problem found, counted per rule code.
    pub by_rule: BTreeMap<&'static str, usize>,
    /// The workbook's sheet the lines are rows of; `None` for CSV, rows, and a workbook
    /// refused before a sheet was chosen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
}

/// Collects the problems of a file as they are found, in any order of lines, keeping the
/// first [`LISTED_ROWS`] lines' problems and a count of everything. Its memory is bounded
/// by the listed rows however many problems a hostile file holds.
#[derive(Debug, Default)]
pub(crate) struct Problems {
    listed: BTreeMap<usize, Vec<RowError>>,
    lines: BTreeSet<usize>,
    by_rule: BTreeMap<&'static str, usize>,
    total: usize,
}

impl Problems {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn push(&mut self, error: RowError) {
        self.total += 1;
        *self.by_rule.entry(error.rule).or_default() += 1;
        self.lines.insert(error.line);
        if let Some(row) = self.listed.get_mut(&error.line) {
            row.push(error);
            return;
        }
        if self.listed.len() < LISTED_ROWS {
            self.listed.insert(error.line, vec![error]);
            return;
        }
        // Full: an earlier line displaces the last listed one.
        if let Some((&last, _)) = self.listed.last_key_value()
            && error.line < last
        {
            self.listed.remove(&last);
            self.listed.insert(error.line, vec![error]);
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The rejection, or `None` if nothing was wrong.
    pub(crate) fn finish(self) -> Option<ImportErrors> {
        if self.is_empty() {
            return None;
        }
        Some(ImportErrors {
            errors: self.listed.into_values().flatten().collect(),
            total: self.total,
            rows_with_errors: self.lines.len(),
            by_rule: self.by_rule,
            sheet: None,
        })
    }
}

impl ImportErrors {
    /// Orders the problems by line (keeping each line's problems in the order found).
    pub(crate) fn from_unsorted(errors: Vec<RowError>) -> Self {
        let mut problems = Problems::new();
        for e in errors {
            problems.push(e);
        }
        problems
            .finish()
            .expect("a rejection lists at least one problem")
    }

    pub(crate) fn single(error: RowError) -> Self {
        Self::from_unsorted(vec![error])
    }

    /// The same rejection, its lines named as rows of sheet `name`.
    pub(crate) fn in_sheet(mut self, name: Option<&str>) -> Self {
        if self.sheet.is_none() {
            self.sheet = name.map(str::to_owned);
        }
        self
    }

    /// How many problems are listed in `errors` (see [`ImportErrors::total`] for all).
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Whether problems were found beyond the listed ones.
    pub fn is_truncated(&self) -> bool {
        self.total > self.errors.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, RowError> {
        self.errors.iter()
    }
}

impl fmt::Display for ImportErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.total;
        write!(
            f,
            "the file was rejected and nothing of it was recorded: {n} problem{}",
            if n == 1 { "" } else { "s" }
        )?;
        if let Some(sheet) = &self.sheet {
            write!(f, " in sheet {:?}", crate::xlsx::shown_name(sheet))?;
        }
        if self.is_truncated() {
            write!(
                f,
                " on {} lines; the first {} lines with problems are listed",
                self.rows_with_errors, LISTED_ROWS
            )?;
        }
        for error in &self.errors {
            write!(f, "\n  {error}")?;
        }
        if self.is_truncated() {
            write!(f, "\n  every problem, by rule:")?;
            for (rule, count) in &self.by_rule {
                write!(f, "\n    {rule}: {count}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ImportErrors {}

impl<'a> IntoIterator for &'a ImportErrors {
    type Item = &'a RowError;
    type IntoIter = std::slice::Iter<'a, RowError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}
