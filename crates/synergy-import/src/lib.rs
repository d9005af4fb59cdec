//! Spreadsheet imports: turns a catalogue file or a monthly market data file (CSV, or a
//! sheet of an XLSX workbook, `docs/import-formats.md`) into the payloads of the brand and
//! information commands, or rejects the whole file listing every bad row with its line,
//! column and reason; and writes the templates those files start from. Pure parsing and
//! validation over bytes in memory: it must never import tokio, NATS, sled or HTTP, and
//! never decides what the recorded history allows (corrections, months not yet ended) —
//! that stays with the bounded contexts.
//!
//! Files are read as people write them: a date cell in the `period` column is its month,
//! a stored binary number is the decimal it stands for, figures typed as text may group
//! thousands, headers may carry spaces and Chinese names ([`COLUMN_NAMES`]), and columns
//! an import does not take are ignored with a [`Warning`]. Of a workbook of several
//! sheets, the one whose first row is the import's header is read, or the one named.
//!
//! Every read is bounded by [`Limits`] (bytes, bytes inflated from a workbook, rows,
//! columns, cells, text), and a rejection lists the problems of the first [`LISTED_ROWS`]
//! lines that have any, counting the rest per rule ([`ImportErrors`]).
//!
//! Every [`RowError`] carries a stable rule code. Where the same rule is also enforced by
//! a context, the code is the context's (`market_data.*`, `portfolio.*`), so a client
//! handles one code whichever layer caught the fault:
//!
//! | code | meaning |
//! |---|---|
//! | `import.limit_file_bytes`, `import.limit_inflated_bytes`, `import.limit_parts` | the file is larger, or its workbook inflates to more, or holds more parts, than [`Limits`] allow |
//! | `import.limit_rows`, `import.limit_columns`, `import.limit_cells`, `import.limit_cell_chars`, `import.limit_text_bytes` | the rows, a cell's column, the cells, one cell's text or all text pass [`Limits`]; the error names the line and cell |
//! | `import.empty_file`, `import.no_rows`, `import.no_sheet` | nothing to import, or no sheet of a workbook to tell it by |
//! | `import.several_sheets`, `import.no_such_sheet` | several sheets of a workbook start with the import's header and none was chosen, or the chosen one does not exist |
//! | `import.format_mismatch`, `import.unsupported_format`, `import.not_utf8`, `import.unreadable_csv`, `import.unreadable_workbook` | the file itself cannot be read as declared |
//! | `import.not_comma_separated`, `import.missing_column`, `import.duplicate_column` | the header row |
//! | `import.value_without_column` | a value in a cell under no header |
//! | `import.required`, `import.cell_type` | an empty cell, or a date/boolean/formula error where text or a number belongs |
//! | `import.not_a_number`, `import.too_many_decimals`, `import.negative`, `import.too_large`, `import.whole_number`, `import.imprecise_number` | figures |
//! | `import.period_is_month`, `import.period_as_text` | the period column |
//! | `import.invalid_id` | a brand or SKU code that is not a valid id |
//! | `market_data.sku_registered`, `market_data.one_line_per_sku`, `market_data.one_all_row_per_month`, `market_data.month_needs_all_row` | rows of a market data file |
//! | `market_data.selling_within_stocking`, `market_data.stocking_within_active_outlets`, `market_data.sku_within_market`, `market_data.skus_within_market` | figures against each other and the month's `ALL` row |
//! | `portfolio.price_class_1_to_5`, `portfolio.guide_price_positive`, `portfolio.sku_all_reserved`, `portfolio.sku_once_per_catalogue` | rows of a catalogue file |
//!
//! A [`Warning`] of an accepted file has the code `import.column_ignored`: a header cell
//! naming no column of the import, whose cells were not read.

mod catalogue;
mod error;
mod fields;
mod format;
mod header;
mod limits;
mod market_data;
pub(crate) mod table;
mod template;
mod values;
mod write;
mod xlsx;

pub use catalogue::{CATALOGUE_COLUMNS, parse_catalogue, parse_catalogue_within, read_catalogue};
pub use error::{ImportErrors, LISTED_ROWS, Parsed, RowError, Warning};
pub use format::{Format, UnknownFormat, XLSX_MEDIA_TYPE};
pub use header::{COLUMN_NAMES, other_names};
pub use limits::Limits;
pub use market_data::{
    MARKET_DATA_COLUMNS, parse_market_data, parse_market_data_within, read_market_data,
};
pub use table::Source;
pub use template::{ImportKind, template};
pub use write::{catalogue_csv, market_data_csv};
