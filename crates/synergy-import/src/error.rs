//! The outcome of a rejected file: every bad row, each with its line, column and reason.

use std::fmt;

use serde::Serialize;

/// One problem in an import file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// 1-based line of a CSV file or row of the sheet; the header is line 1 when it is the
    /// file's first line. Problems of a whole month are reported on that month's first row.
    pub line: usize,
    /// The column as named in the header, where the problem lies in one cell.
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

/// A rejected file: nothing of it may be recorded. Never empty; ordered by line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportErrors {
    pub errors: Vec<RowError>,
}

impl ImportErrors {
    /// Orders the problems by line (keeping each line's problems in the order found).
    pub(crate) fn from_unsorted(mut errors: Vec<RowError>) -> Self {
        debug_assert!(!errors.is_empty(), "a rejection lists at least one problem");
        errors.sort_by_key(|e| e.line);
        Self { errors }
    }

    pub(crate) fn single(error: RowError) -> Self {
        Self {
            errors: vec![error],
        }
    }

    pub fn len(&self) -> usize {
        self.errors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, RowError> {
        self.errors.iter()
    }
}

impl fmt::Display for ImportErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.errors.len();
        write!(
            f,
            "the file was rejected and nothing of it was recorded: {n} problem{}",
            if n == 1 { "" } else { "s" }
        )?;
        for error in &self.errors {
            write!(f, "\n  {error}")?;
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
