//! 品牌營銷協同 — the regional brand portfolio: SKUs, stages, evaluations, culture.

use serde::{Deserialize, Serialize};

use crate::amount::Yuan;
use crate::ids::{BrandId, SkuId};
use crate::period::Period;
use crate::time::Date;

/// Price class 一類 … 五類 (1 = highest). Always 1..=5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct PriceClass(u8);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("price class {0} is outside 1..=5")]
pub struct PriceClassError(pub u8);

impl PriceClass {
    pub fn new(class: u8) -> Result<Self, PriceClassError> {
        if (1..=5).contains(&class) {
            Ok(Self(class))
        } else {
            Err(PriceClassError(class))
        }
    }
    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for PriceClass {
    type Error = PriceClassError;
    fn try_from(v: u8) -> Result<Self, PriceClassError> {
        Self::new(v)
    }
}

impl From<PriceClass> for u8 {
    fn from(c: PriceClass) -> u8 {
        c.0
    }
}

/// Life-cycle stage of a brand in the region. Moves only forward; `Withdrawn` from any stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum BrandStage {
    Introduction,
    Cultivation,
    Growth,
    Mature,
    Decline,
    Withdrawn,
}

impl BrandStage {
    pub fn as_str(self) -> &'static str {
        match self {
            BrandStage::Introduction => "introduction",
            BrandStage::Cultivation => "cultivation",
            BrandStage::Growth => "growth",
            BrandStage::Mature => "mature",
            BrandStage::Decline => "decline",
            BrandStage::Withdrawn => "withdrawn",
        }
    }
}

/// One scored criterion of a brand evaluation (品牌評價), 0..=100.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Score {
    pub criterion: String,
    pub score: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CultureActivityKind {
    /// 參觀 — distributor staff or retailers visit the factory.
    FactoryVisit,
    /// 客戶經理培訓 — training of the distributor's customer managers.
    CustomerManagerTraining,
    /// 企業與品牌文化宣傳 — brand-culture promotion.
    BrandPromotion,
}

/// Events of the brand context. Variants are only ever appended at the end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BrandEvent {
    /// The manufacturer registers a SKU of a brand with its guide retail price per carton.
    SkuRegistered {
        brand: BrandId,
        sku: SkuId,
        name: String,
        price_class: PriceClass,
        guide_price: Yuan,
    },
    /// A registered SKU's name, class or guide price changes.
    SkuUpdated {
        brand: BrandId,
        sku: SkuId,
        name: String,
        price_class: PriceClass,
        guide_price: Yuan,
    },
    /// The brand is introduced into the region (品牌引入); its stage is `Introduction`.
    BrandIntroduced { brand: BrandId, introduced_on: Date },
    /// The brand moves to a later stage, or is withdrawn.
    BrandStageChanged {
        brand: BrandId,
        from: BrandStage,
        to: BrandStage,
        changed_on: Date,
        reason: String,
    },
    /// A periodic brand evaluation (品牌評估); `overall` and every score are 0..=100.
    BrandEvaluated {
        brand: BrandId,
        period: Period,
        overall: u8,
        scores: Vec<Score>,
        comment: String,
    },
    /// A culture activity (factory visit, customer-manager training, promotion).
    CultureActivityHeld {
        brand: Option<BrandId>,
        kind: CultureActivityKind,
        title: String,
        held_on: Date,
        participants: u32,
    },
}
