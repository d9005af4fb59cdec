//! The import use cases, written once for every front end: a catalogue file or months of
//! market data — from a spreadsheet's bytes or from rows already split into cells (a JSON
//! upload) — read by `synergy_import`'s one set of row rules into the command that records
//! them. The CLI, the HTTP gateway and the benches call these, and execute the command
//! like any other (embedded, or over NATS through [`crate::Api`]).

use synergy_domain::CatalogueView;
use synergy_import::{ImportErrors, Limits, Source};
use synergy_proto::PartnershipId;

use crate::{AnyCommand, Api, ApiError};

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
) -> Result<AnyCommand, ImportErrors> {
    let skus = synergy_import::read_catalogue(source, limits)?;
    Ok(AnyCommand::Brand(
        synergy_brand::Command::RegisterCatalogue { partnership, skus },
    ))
}

/// The command submitting the months of market data in `source`, every SKU checked
/// against the partnership's registered catalogue; `reason` explains a correction.
pub async fn market_data(
    api: &dyn Api,
    partnership: PartnershipId,
    source: Source<'_>,
    reason: Option<String>,
    limits: &Limits,
) -> Result<AnyCommand, ImportError> {
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
) -> Result<AnyCommand, ImportErrors> {
    let months = synergy_import::read_market_data(source, Some(catalogue), limits)?;
    Ok(AnyCommand::Information(
        synergy_information::Command::SubmitMarketData(synergy_information::SubmitMarketData {
            partnership,
            months,
            reason: reason.filter(|r| !r.trim().is_empty()),
        }),
    ))
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
