//! The reads the brand context answers from its portfolio stream.

use serde::{Deserialize, Serialize};
use synergy_proto::{BrandId, PartnershipId, Period, SkuId, StreamId};

use crate::portfolio::{BrandRecord, CultureActivity, Evaluation, Portfolio, Sku};

/// A read of one partnership's portfolio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Query {
    /// Every registered SKU, optionally of one brand.
    Catalogue {
        partnership: PartnershipId,
        brand: Option<BrandId>,
    },
    /// One SKU.
    Sku {
        partnership: PartnershipId,
        sku: SkuId,
    },
    /// Every introduced brand with its stage and stage history.
    Brands { partnership: PartnershipId },
    /// One brand's stage and stage history.
    Brand {
        partnership: PartnershipId,
        brand: BrandId,
    },
    /// Current evaluations, optionally of one brand and/or of periods inside `within`.
    Evaluations {
        partnership: PartnershipId,
        brand: Option<BrandId>,
        within: Option<Period>,
    },
    /// Culture activities, optionally about one brand and/or held in `period`.
    Activities {
        partnership: PartnershipId,
        brand: Option<BrandId>,
        period: Option<Period>,
    },
}

impl Query {
    synergy_domain::every_variant_has! {
        pub fn partnership -> PartnershipId: Catalogue, Sku, Brands, Brand, Evaluations, Activities
    }

    /// The stream to fold before answering.
    pub fn stream(&self) -> StreamId {
        crate::portfolio_stream(self.partnership())
    }
}

/// The answer to a [`Query`], in the same order as its variants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Answer {
    Catalogue(Vec<Sku>),
    Sku(Option<Sku>),
    Brands(Vec<BrandRecord>),
    Brand(Option<BrandRecord>),
    Evaluations(Vec<Evaluation>),
    Activities(Vec<CultureActivity>),
}

/// Answers `query` from the folded portfolio of its partnership.
pub fn answer(portfolio: &Portfolio, query: &Query) -> Answer {
    match query {
        Query::Catalogue { brand, .. } => Answer::Catalogue(
            portfolio
                .skus()
                .filter(|s| brand.as_ref().is_none_or(|b| &s.brand == b))
                .cloned()
                .collect(),
        ),
        Query::Sku { sku, .. } => Answer::Sku(portfolio.sku(sku).cloned()),
        Query::Brands { .. } => Answer::Brands(portfolio.brands().cloned().collect()),
        Query::Brand { brand, .. } => Answer::Brand(portfolio.brand(brand).cloned()),
        Query::Evaluations { brand, within, .. } => Answer::Evaluations(
            portfolio
                .evaluations()
                .filter(|e| brand.as_ref().is_none_or(|b| &e.brand == b))
                .filter(|e| within.is_none_or(|w| w.covers(e.period)))
                .cloned()
                .collect(),
        ),
        Query::Activities { brand, period, .. } => Answer::Activities(
            portfolio
                .activities()
                .iter()
                .filter(|a| brand.as_ref().is_none_or(|b| a.brand.as_ref() == Some(b)))
                .filter(|a| period.is_none_or(|p| p.contains(a.held_on.year_month())))
                .cloned()
                .collect(),
        ),
    }
}
