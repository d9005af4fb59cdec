//! Which kind of spreadsheet a file is.

use std::fmt;

/// The file formats an import accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Comma-separated text, UTF-8 with or without a byte-order mark.
    Csv,
    /// An Office Open XML workbook; the sheet with the import's header, or the one
    /// chosen, is read.
    Xlsx,
}

/// Every zip archive, and so every XLSX workbook, starts with a local file header.
pub(crate) const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// The media type of an XLSX workbook, as browsers and `curl` send it.
pub const XLSX_MEDIA_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

impl Format {
    /// Guesses the format from the content, then from the file name.
    ///
    /// The content wins: a workbook saved as `data.csv` is still a workbook. A name ending
    /// in `.xlsx` on content that is not a zip is taken as XLSX, so the reader's error says
    /// the workbook is damaged rather than listing garbage rows.
    pub fn sniff(bytes: &[u8], filename: Option<&str>) -> Format {
        if bytes.starts_with(ZIP_MAGIC) {
            return Format::Xlsx;
        }
        match filename {
            Some(name) if has_extension(name, "xlsx") => Format::Xlsx,
            _ => Format::Csv,
        }
    }

    /// The format of an HTTP body's `Content-Type` (parameters such as `charset` ignored).
    pub fn from_media_type(content_type: &str) -> Option<Format> {
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "text/csv" | "application/csv" | "text/comma-separated-values" => Some(Format::Csv),
            XLSX_MEDIA_TYPE => Some(Format::Xlsx),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }
}

fn has_extension(name: &str, ext: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(_, e)| e.eq_ignore_ascii_case(ext))
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A format name that is neither `csv` nor `xlsx`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFormat(pub String);

impl fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not an import format; use csv or xlsx", self.0)
    }
}

impl std::error::Error for UnknownFormat {}

impl std::str::FromStr for Format {
    type Err = UnknownFormat;
    fn from_str(s: &str) -> Result<Self, UnknownFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            _ => Err(UnknownFormat(s.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_wins_over_the_name() {
        assert_eq!(
            Format::sniff(b"PK\x03\x04rest", Some("data.csv")),
            Format::Xlsx
        );
        assert_eq!(Format::sniff(b"period,sku", Some("data.CSV")), Format::Csv);
        assert_eq!(Format::sniff(b"period,sku", None), Format::Csv);
        assert_eq!(Format::sniff(b"garbage", Some("Data.XLSX")), Format::Xlsx);
    }

    #[test]
    fn media_types() {
        assert_eq!(
            Format::from_media_type("text/csv; charset=utf-8"),
            Some(Format::Csv)
        );
        assert_eq!(Format::from_media_type(XLSX_MEDIA_TYPE), Some(Format::Xlsx));
        assert_eq!(Format::from_media_type("application/json"), None);
        assert_eq!("XLSX".parse::<Format>(), Ok(Format::Xlsx));
        assert!("xls".parse::<Format>().is_err());
    }
}
