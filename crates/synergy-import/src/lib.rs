//! Spreadsheet imports: turns a catalogue file or a monthly market data file (CSV, or the
//! first sheet of an XLSX workbook, DESIGN §5) into the payloads of the brand and
//! information commands, or rejects the whole file listing every bad row with its line,
//! column and reason. Pure parsing and validation over bytes in memory: it must never
//! import tokio, NATS, sled or HTTP, and never decides what the recorded history allows
//! (corrections, months not yet ended) — that stays with the bounded contexts.

mod catalogue;
mod error;
mod fields;
mod format;
mod market_data;
mod table;
mod write;

pub use catalogue::{CATALOGUE_COLUMNS, parse_catalogue};
pub use error::{ImportErrors, RowError};
pub use format::{Format, UnknownFormat, XLSX_MEDIA_TYPE};
pub use market_data::{MARKET_DATA_COLUMNS, parse_market_data};
pub use write::{catalogue_csv, market_data_csv};
