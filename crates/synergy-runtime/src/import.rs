//! The import use cases, written once for every front end: a catalogue file or months of
//! market data — from a spreadsheet's bytes or from rows already split into cells (a JSON
//! upload) — read by `synergy_import`'s one set of row rules into the command that records
//! them ([`Prepared`], with the sheet read and the columns ignored). The CLI, the HTTP
//! gateway and the benches call these, and execute the command like any other (embedded,
//! or over NATS through [`crate::Api`]) — or as a dry run ([`Prepared::request`]), which
//! checks it against the recorded history and records nothing.

use synergy_domain::{CatalogueView, Principal};
use synergy_import::{ImportErrors, Limits, Parsed, Source, Warning};
use synergy_proto::PartnershipId;

use crate::{AnyCommand, Api, ApiError, Request};

/// An import read: the command recording it, and what a front end shows beside the
/// outcome.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub command: AnyCommand,
    /// The workbook's sheet that was read; `None` for CSV and rows.
    pub sheet: Option<String>,
    /// What the file held that was not imported (columns no import column is named by).
    pub warnings: Vec<Warning>,
}

impl Prepared {
    fn new<T>(parsed: Parsed<T>, command: impl FnOnce(T) -> AnyCommand) -> Self {
        Prepared {
            command: command(parsed.value),
            sheet: parsed.sheet,
            warnings: parsed.warnings,
        }
    }

    /// The request executing the import as `principal`; with `check`, a dry run.
    pub fn request(&self, principal: Principal, check: bool) -> Request {
        let request = Request::new(principal, self.command.clone());
        if check { request.checked() } else { request }
    }

    /// What the import holds, for a summary line: `4 SKUs`, `2 months, 2008-05 … 2008-06`,
    /// with the sheet read where there is one (`sheet "六月": 1 month, 2008-06`).
    pub fn summary(&self) -> String {
        let held = match &self.command {
            AnyCommand::Information(synergy_information::Command::SubmitMarketData(s)) => {
                let n = s.months.len();
                let plural = if n == 1 { "" } else { "s" };
                match (s.months.first(), s.months.last()) {
                    (Some(first), Some(last)) if n > 1 => {
                        format!("{n} month{plural}, {} … {}", first.month, last.month)
                    }
                    (Some(only), _) => format!("{n} month{plural}, {}", only.month),
                    _ => format!("{n} months"),
                }
            }
            command => {
                let n = count(command);
                format!("{n} SKU{}", if n == 1 { "" } else { "s" })
            }
        };
        match &self.sheet {
            Some(sheet) => format!("sheet {sheet:?}: {held}"),
            None => held,
        }
    }
}

/// Why an import recorded nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file or rows were refused: every bad row listed (the first 1,000) and counted.
    #[error("{0}")]
    Rejected(ImportErrors),
    /// The catalogue the rows are checked against could not be read.
    #[error(transparent)]
    Api(#[from] ApiError),
}

/// The command registering `partnership`'s catalogue from `source`.
pub fn catalogue(
    partnership: PartnershipId,
    source: Source<'_>,
    limits: &Limits,
) -> Result<Prepared, ImportErrors> {
    let parsed = synergy_import::read_catalogue(source, limits)?;
    Ok(Prepared::new(parsed, |skus| {
        AnyCommand::Brand(synergy_brand::Command::RegisterCatalogue { partnership, skus })
    }))
}

/// The command submitting the months of market data in `source`, every SKU checked
/// against the partnership's registered catalogue; `reason` explains a correction.
pub async fn market_data(
    api: &dyn Api,
    partnership: PartnershipId,
    source: Source<'_>,
    reason: Option<String>,
    limits: &Limits,
) -> Result<Prepared, ImportError> {
    let catalogue = api.catalogue(&partnership).await?;
    market_data_against(partnership, source, reason, &catalogue, limits)
        .map_err(ImportError::Rejected)
}

/// [`market_data`] against a catalogue already looked up.
pub fn market_data_against(
    partnership: PartnershipId,
    source: Source<'_>,
    reason: Option<String>,
    catalogue: &CatalogueView,
    limits: &Limits,
) -> Result<Prepared, ImportErrors> {
    let parsed = synergy_import::read_market_data(source, Some(catalogue), limits)?;
    Ok(Prepared::new(parsed, |months| {
        AnyCommand::Information(synergy_information::Command::SubmitMarketData(
            synergy_information::SubmitMarketData {
                partnership,
                months,
                reason: reason.filter(|r| !r.trim().is_empty()),
            },
        ))
    }))
}

/// How many SKUs or months an import's command carries, for a front end's summary line.
pub fn count(command: &AnyCommand) -> usize {
    match command {
        AnyCommand::Brand(synergy_brand::Command::RegisterCatalogue { skus, .. }) => skus.len(),
        AnyCommand::Information(synergy_information::Command::SubmitMarketData(s)) => {
            s.months.len()
        }
        _ => 0,
    }
}
