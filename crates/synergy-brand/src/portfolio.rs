//! The portfolio aggregate: one per partnership, holding the catalogue (SKUs), each brand's
//! life-cycle stage, the brand evaluations and the culture activities.
//!
//! It is a singleton so that a catalogue import of many SKUs is one atomic commit, and so
//! that "a brand needs a registered SKU before it is introduced" is checked against the
//! same state it is recorded in (no cross-stream race).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use synergy_domain::{CatalogueView, SkuView};
use synergy_proto::events::BrandEvent;
use synergy_proto::events::brand::{BrandStage, CultureActivityKind, PriceClass, Score};
use synergy_proto::{BrandId, Date, Period, SkuId, Yuan};

mod decide;
mod evolve;
mod guards;

/// One line of a catalogue registration, as the manufacturer's catalogue file has it
/// (`brand,sku,name,price_class,guide_price_yuan`, `docs/import-formats.md`).
///
/// `price_class` is the raw number so that a wrong class is refused naming its line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkuEntry {
    pub brand: BrandId,
    pub sku: SkuId,
    pub name: String,
    /// 1 (一類) … 5 (五類).
    pub price_class: u8,
    /// Guide retail price per carton (條); above zero.
    pub guide_price: Yuan,
}

/// A registered SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Sku {
    pub sku: SkuId,
    pub brand: BrandId,
    pub name: String,
    pub price_class: PriceClass,
    pub guide_price: Yuan,
}

/// One recorded move of a brand's stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageChange {
    pub from: BrandStage,
    pub to: BrandStage,
    pub changed_on: Date,
    pub reason: String,
}

/// A brand introduced into the region, with its current stage and how it got there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BrandRecord {
    pub brand: BrandId,
    pub introduced_on: Date,
    pub stage: BrandStage,
    /// The day the current stage began (the introduction date until the first change).
    pub stage_since: Date,
    /// Every stage change, oldest first.
    pub changes: Vec<StageChange>,
}

impl BrandRecord {
    pub fn is_withdrawn(&self) -> bool {
        self.stage == BrandStage::Withdrawn
    }

    /// The day the brand was withdrawn, if it was.
    pub fn withdrawn_on(&self) -> Option<Date> {
        self.is_withdrawn().then_some(self.stage_since)
    }

    /// The stage the brand was in on `day` (`None` before its introduction).
    pub fn stage_on(&self, day: Date) -> Option<BrandStage> {
        if day < self.introduced_on {
            return None;
        }
        let mut stage = BrandStage::Introduction;
        for change in &self.changes {
            if change.changed_on <= day {
                stage = change.to;
            }
        }
        Some(stage)
    }
}

/// The current evaluation of one brand for one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Evaluation {
    pub brand: BrandId,
    pub period: Period,
    pub overall: u8,
    pub scores: Vec<Score>,
    pub comment: String,
    /// 1 for the first evaluation of this brand and period; each superseding one adds 1.
    pub revision: u32,
}

/// A recorded culture activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CultureActivity {
    pub brand: Option<BrandId>,
    pub kind: CultureActivityKind,
    pub title: String,
    pub held_on: Date,
    pub participants: u32,
}

/// The folded state of a partnership's brand portfolio.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Portfolio {
    skus: BTreeMap<SkuId, Sku>,
    brands: BTreeMap<BrandId, BrandRecord>,
    evaluations: BTreeMap<(BrandId, Period), Evaluation>,
    activities: Vec<CultureActivity>,
}

impl Portfolio {
    /// Folds a stream's brand events, oldest first.
    pub fn fold<'a>(events: impl IntoIterator<Item = &'a BrandEvent>) -> Self {
        events.into_iter().fold(Self::default(), Self::evolve)
    }

    // ---- reads -------------------------------------------------------------------------

    /// Every registered SKU, by id.
    pub fn skus(&self) -> impl Iterator<Item = &Sku> {
        self.skus.values()
    }

    pub fn sku(&self, sku: &SkuId) -> Option<&Sku> {
        self.skus.get(sku)
    }

    /// The SKUs of one brand, by id.
    pub fn skus_of<'a>(&'a self, brand: &'a BrandId) -> impl Iterator<Item = &'a Sku> + 'a {
        self.skus.values().filter(move |s| &s.brand == brand)
    }

    /// Whether the brand has at least one registered SKU.
    pub fn is_registered(&self, brand: &BrandId) -> bool {
        self.skus.values().any(|s| &s.brand == brand)
    }

    /// The catalogue as other contexts see it. Withdrawn brands' SKUs stay in it: stock
    /// may still sell through and be reported after a withdrawal.
    pub fn catalogue(&self) -> CatalogueView {
        CatalogueView {
            skus: self
                .skus
                .values()
                .map(|s| {
                    (
                        s.sku.clone(),
                        SkuView {
                            brand: s.brand.clone(),
                            name: s.name.clone(),
                            price_class: s.price_class,
                            guide_price: s.guide_price,
                        },
                    )
                })
                .collect(),
        }
    }

    /// Every brand introduced into the region, by id.
    pub fn brands(&self) -> impl Iterator<Item = &BrandRecord> {
        self.brands.values()
    }

    pub fn brand(&self, brand: &BrandId) -> Option<&BrandRecord> {
        self.brands.get(brand)
    }

    /// The brand's current stage, if it was introduced.
    pub fn stage_of(&self, brand: &BrandId) -> Option<BrandStage> {
        self.brands.get(brand).map(|b| b.stage)
    }

    /// Current evaluations (superseded ones are replaced), by brand then period.
    pub fn evaluations(&self) -> impl Iterator<Item = &Evaluation> {
        self.evaluations.values()
    }

    pub fn evaluation(&self, brand: &BrandId, period: Period) -> Option<&Evaluation> {
        self.evaluations.get(&(brand.clone(), period))
    }

    /// The brand's evaluations of periods lying wholly inside `within` (e.g. its monthly
    /// and quarterly evaluations inside a half-year report), in period order.
    pub fn evaluations_within<'a>(
        &'a self,
        brand: &'a BrandId,
        within: Period,
    ) -> impl Iterator<Item = &'a Evaluation> + 'a {
        self.evaluations
            .values()
            .filter(move |e| &e.brand == brand && within.covers(e.period))
    }

    /// Culture activities in the order they were recorded.
    pub fn activities(&self) -> &[CultureActivity] {
        &self.activities
    }

    /// Culture activities held in `period`, optionally only those about `brand`.
    pub fn activities_in<'a>(
        &'a self,
        period: Period,
        brand: Option<&'a BrandId>,
    ) -> impl Iterator<Item = &'a CultureActivity> + 'a {
        self.activities.iter().filter(move |a| {
            period.contains(a.held_on.year_month())
                && brand.is_none_or(|b| a.brand.as_ref() == Some(b))
        })
    }
}

/// Every stage in life-cycle order.
pub const STAGES: [BrandStage; 6] = [
    BrandStage::Introduction,
    BrandStage::Cultivation,
    BrandStage::Growth,
    BrandStage::Mature,
    BrandStage::Decline,
    BrandStage::Withdrawn,
];
