//! How much of a file an import reads before it refuses it: every count that a hostile
//! file could make large (bytes, bytes inflated from a workbook, rows, cells, columns,
//! text) has a bound, so the memory and time an import takes are bounded by these
//! numbers, never by what the file declares about itself.

use serde::{Deserialize, Serialize};

/// The bounds of one import. Each breach refuses the file with its own rule code
/// (`import.limit_*`), naming the limit and where in the file it was crossed.
///
/// The defaults fit a catalogue or several years of monthly market data many times over
/// and keep one import well under 1 GiB of memory whatever the file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Largest file read, in bytes (`import.limit_file_bytes`).
    pub file_bytes: usize,
    /// Most bytes all parts of an XLSX workbook (a zip archive) may inflate to, added up
    /// (`import.limit_inflated_bytes`). Checked by inflating each part through this cap
    /// before the workbook is read; the sizes the archive declares are not trusted.
    pub inflated_bytes: u64,
    /// Most parts (zip entries) an XLSX workbook may hold (`import.limit_parts`).
    pub parts: usize,
    /// Most non-blank rows, header included (`import.limit_rows`).
    pub rows: usize,
    /// Most columns a row may reach: a non-blank cell further right is refused
    /// (`import.limit_columns`). Sheet dimensions are computed from the cells present,
    /// never from the range a workbook declares.
    pub columns: usize,
    /// Most cells kept over all rows, each row counted from its first column to its last
    /// non-blank cell (`import.limit_cells`).
    pub cells: usize,
    /// Longest text of one cell, in characters (`import.limit_cell_chars`).
    pub cell_chars: usize,
    /// Most text kept over all cells, in bytes of UTF-8 (`import.limit_text_bytes`); bounds
    /// a workbook that repeats one long shared string in many cells.
    pub text_bytes: usize,
}

impl Limits {
    /// The defaults, as a constant.
    pub const DEFAULT: Limits = Limits {
        file_bytes: 16 * 1024 * 1024,
        inflated_bytes: 64 * 1024 * 1024,
        parts: 1_000,
        rows: 100_000,
        columns: 256,
        cells: 1_000_000,
        cell_chars: 1_000,
        text_bytes: 32 * 1024 * 1024,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}
