//! JSON request and response bodies. The wire types of `synergy-proto` are exact and
//! validated; here they travel as text (`"2008-06-30"`, `"2008-H1"`, `"1200.5"` cases,
//! `"190.00"` yuan) so that no amount passes through a float, and are parsed with the
//! proto parsers, naming the field that did not parse.

use std::fmt::Display;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use synergy_proto::Side;
use synergy_runtime::Outcome;
use utoipa::ToSchema;

use crate::error::Problem;
use crate::text::ParseShaped;
pub use crate::text::{
    CasesText, CountText, DateText, Id, MonthText, NonEmptyText, PercentText, PeriodText,
    PriceClassText, Shape, Shaped, UuidText, YuanText,
};

/// Parses a text field: its documented shape first, then the proto parser, naming the
/// field on failure. Nothing is trimmed: the OpenAPI patterns allow no surrounding space.
pub fn parse<T>(field: &str, value: &impl Shaped) -> Result<T, Problem>
where
    T: FromStr,
    T::Err: Display,
{
    shape_of(value)
        .parse(field, value)
        .map_err(|e| Problem::invalid_field(&e.field, e.message))
}

fn shape_of<S: Shaped>(_: &S) -> Shape {
    S::SHAPE
}

/// What an accepted command did.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutcomeBody {
    /// The aggregate stream, `context/partnership/aggregate`.
    #[schema(example = "strategy/hy-cz/partnership")]
    pub stream: String,
    /// Position of the commit in the log; null when the command changed nothing. Pass it
    /// as `after` to a report to read your own write.
    pub position: Option<u64>,
    /// The recorded events, in order; empty for a no-op or a duplicate.
    pub events: Vec<String>,
    /// The aggregate's version after the command.
    pub version: u64,
    /// The same `Idempotency-Key` was seen before; nothing new was stored.
    pub duplicate: bool,
}

impl From<Outcome> for OutcomeBody {
    fn from(o: Outcome) -> Self {
        Self {
            stream: o.stream.to_string(),
            position: o.position.map(|p| p.0),
            events: o.events.into_iter().map(String::from).collect(),
            version: o.version,
            duplicate: o.duplicate,
        }
    }
}

/// What an import did, or for a dry run would do, and what of the file it did not read.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportBody {
    #[serde(flatten)]
    pub outcome: OutcomeBody,
    /// A dry run (`check=true`): nothing was recorded; `events` and `version` say what
    /// would be.
    pub checked: bool,
    /// The sheet of an XLSX upload that was read.
    pub sheet: Option<String>,
    /// What the file held that was not imported: columns no import column is named by
    /// (`import.column_ignored`).
    pub warnings: Vec<WarningBody>,
}

/// Something an accepted upload held that was not imported.
#[derive(Debug, Serialize, ToSchema)]
pub struct WarningBody {
    /// 1-based line of the CSV file or row of the sheet.
    pub line: u64,
    /// The column as its header names it.
    pub column: Option<String>,
    /// Stable code, e.g. `import.column_ignored`.
    pub rule: String,
    /// What was not read.
    pub reason: String,
}

impl From<&synergy_import::Warning> for WarningBody {
    fn from(w: &synergy_import::Warning) -> Self {
        Self {
            line: w.line as u64,
            column: w.column.clone(),
            rule: w.rule.to_owned(),
            reason: w.reason.clone(),
        }
    }
}

/// A partnership's parties.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnershipBody {
    pub id: String,
    pub manufacturer: String,
    pub distributor: String,
    pub terminated: bool,
    /// The IANA time zone the partnership keeps its calendar in: "today", the end of a
    /// month and the 10th are judged there.
    pub time_zone: String,
}

/// One registered SKU.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueSku {
    pub brand: String,
    pub sku: String,
    pub name: String,
    /// 1 (一類) … 5 (五類).
    pub price_class: u8,
    /// Guide retail price per carton, exact to the fen.
    #[schema(example = "190.00")]
    pub guide_price_yuan: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueBody {
    pub skus: Vec<CatalogueSku>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
}

// ---- sides ----

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SideDto {
    Manufacturer,
    Distributor,
}

impl From<SideDto> for Side {
    fn from(s: SideDto) -> Self {
        match s {
            SideDto::Manufacturer => Side::Manufacturer,
            SideDto::Distributor => Side::Distributor,
        }
    }
}

// ---- information ----

/// A market-data file as JSON: the CSV columns as fields, one object per row.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarketDataJson {
    /// Why recorded months change (a correction); may also be given as `?reason=`.
    pub reason: Option<String>,
    pub rows: Vec<MarketDataRow>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarketDataRow {
    pub period: MonthText,
    pub sku: Id,
    pub volume_cases: CasesText,
    pub revenue_yuan: YuanText,
    pub closing_stock_cases: Option<CasesText>,
    pub outlets_stocking: Option<CountText>,
    pub outlets_selling: Option<CountText>,
    pub avg_retail_price_yuan: Option<YuanText>,
}

/// A catalogue file as JSON: the CSV columns as fields, one object per SKU.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogueJson {
    pub skus: Vec<CatalogueRow>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogueRow {
    pub brand: Id,
    pub sku: Id,
    pub name: NonEmptyText,
    pub price_class: PriceClassText,
    pub guide_price_yuan: YuanText,
}
