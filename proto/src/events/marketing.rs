//! 市場營銷協同 — campaigns such as a new-product launch.
//!
//! The seed fixes who does what: the manufacturer provides the activity plan, the
//! materials and retail-price monitoring; the distributor executes, selects retail
//! outlets and secures supply.

use serde::{Deserialize, Serialize};

use crate::amount::{Cases, Yuan};
use crate::ids::{BrandId, CampaignId, OutletId, SkuId, TaskId};
use crate::period::YearMonth;
use crate::principal::Side;
use crate::time::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CampaignOutcome {
    Succeeded,
    PartlySucceeded,
    Failed,
    Cancelled,
}

/// Events of the marketing context. Variants are only ever appended at the end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MarketingEvent {
    /// The manufacturer plans a campaign with its activity plan (活動方案).
    CampaignPlanned {
        campaign: CampaignId,
        title: String,
        brand: BrandId,
        skus: Vec<SkuId>,
        starts_on: Date,
        ends_on: Date,
        activity_plan: String,
    },
    /// A task is given to one side.
    CampaignTaskAssigned {
        campaign: CampaignId,
        task: TaskId,
        title: String,
        side: Side,
        due_on: Date,
    },
    CampaignTaskCompleted {
        campaign: CampaignId,
        task: TaskId,
        completed_on: Date,
        note: String,
    },
    /// The manufacturer ships promotional materials (宣傳物料).
    MaterialsDispatched {
        campaign: CampaignId,
        material: String,
        quantity: u64,
        dispatched_on: Date,
    },
    /// The distributor confirms receipt; never more than was dispatched.
    MaterialsReceived {
        campaign: CampaignId,
        material: String,
        quantity: u64,
        received_on: Date,
    },
    /// The distributor selects the retail outlets (零售終端布點).
    OutletsSelected {
        campaign: CampaignId,
        outlets: Vec<OutletId>,
    },
    /// The manufacturer checks a retail price at an outlet (監控零售價格).
    RetailPriceChecked {
        campaign: CampaignId,
        sku: SkuId,
        outlet: OutletId,
        observed_price: Yuan,
        guide_price: Yuan,
        checked_on: Date,
    },
    /// The distributor secures supply for the retailers (貨源供應).
    SupplyAllocated {
        campaign: CampaignId,
        sku: SkuId,
        volume: Cases,
        allocated_on: Date,
    },
    CampaignLaunched {
        campaign: CampaignId,
        launched_on: Date,
    },
    CampaignClosed {
        campaign: CampaignId,
        closed_on: Date,
        outcome: CampaignOutcome,
        summary: String,
    },
    /// The manufacturer promises the value the campaign creates (創值): `uplift` cases of
    /// `skus` over `first_month ..= last_month` above what the same months a year earlier
    /// give at the market's growth. A later promise replaces the earlier one whole;
    /// `reason` says why (`None` for a first promise made without one).
    UpliftPromised {
        campaign: CampaignId,
        skus: Vec<SkuId>,
        first_month: YearMonth,
        last_month: YearMonth,
        uplift: Cases,
        reason: Option<String>,
    },
}
