//! What a party asks of a campaign. Every command names its partnership and campaign, so
//! the runtime can route it ([`Command::stream`]) before anything is loaded.

use serde::{Deserialize, Serialize};
use synergy_proto::events::marketing::CampaignOutcome;
use synergy_proto::{
    AggregateId, BrandId, CampaignId, Cases, Context, Date, OutletId, PartnershipId, Side, SkuId,
    StreamId, TaskId, YearMonth, Yuan,
};

/// The aggregate kind of a campaign stream: `campaign:<campaign id>`.
pub const CAMPAIGN_AGGREGATE: &str = "campaign";

/// The aggregate id of `campaign`'s stream.
pub fn campaign_aggregate_id(campaign: &CampaignId) -> AggregateId {
    AggregateId::compose(CAMPAIGN_AGGREGATE, campaign.as_str())
}

/// The stream holding every event of `campaign` in `partnership`.
pub fn campaign_stream(partnership: &PartnershipId, campaign: &CampaignId) -> StreamId {
    StreamId::new(
        Context::Marketing,
        partnership.clone(),
        campaign_aggregate_id(campaign),
    )
}

/// The commands of the marketing context (市場營銷協同).
///
/// Who may send which is fixed by the seed's division of labour for a new-product
/// launch: the manufacturer plans, dispatches materials and checks retail prices; the
/// distributor executes (launches), selects outlets, receives materials and allocates
/// supply. Dates are business dates the caller reports; none may lie in the future.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    /// Manufacturer: plan the campaign with its activity plan (活動方案).
    PlanCampaign {
        partnership: PartnershipId,
        campaign: CampaignId,
        title: String,
        brand: BrandId,
        skus: Vec<SkuId>,
        starts_on: Date,
        ends_on: Date,
        activity_plan: String,
    },
    /// Give a task to one side; its due date is the caller's (preparation tasks fall
    /// before the campaign starts, reviews after it ends). The manufacturer may assign to either side (the task
    /// breakdown is part of its activity plan); the distributor only to itself (分工執行).
    AssignTask {
        partnership: PartnershipId,
        campaign: CampaignId,
        task: TaskId,
        title: String,
        side: Side,
        due_on: Date,
    },
    /// The side the task was assigned to marks it done, once.
    CompleteTask {
        partnership: PartnershipId,
        campaign: CampaignId,
        task: TaskId,
        completed_on: Date,
        note: String,
    },
    /// Manufacturer: ship promotional materials (宣傳物料).
    DispatchMaterials {
        partnership: PartnershipId,
        campaign: CampaignId,
        material: String,
        quantity: u64,
        dispatched_on: Date,
    },
    /// Distributor: confirm receipt of materials, never more than was dispatched.
    ReceiveMaterials {
        partnership: PartnershipId,
        campaign: CampaignId,
        material: String,
        quantity: u64,
        received_on: Date,
    },
    /// Distributor: add retail outlets to the campaign (零售終端布點). Outlets already
    /// selected are skipped, so a retry changes nothing.
    SelectOutlets {
        partnership: PartnershipId,
        campaign: CampaignId,
        outlets: Vec<OutletId>,
    },
    /// Manufacturer: record a retail price observed at an outlet (監控零售價格); the
    /// guide price is taken from the catalogue, not from the caller. The outlet may be any
    /// in the market, not only a selected one: price monitoring covers the whole region.
    CheckRetailPrice {
        partnership: PartnershipId,
        campaign: CampaignId,
        sku: SkuId,
        outlet: OutletId,
        observed_price: Yuan,
        checked_on: Date,
    },
    /// Distributor: secure supply of a campaign SKU for the retailers (貨源供應).
    AllocateSupply {
        partnership: PartnershipId,
        campaign: CampaignId,
        sku: SkuId,
        volume: Cases,
        allocated_on: Date,
    },
    /// Distributor: start executing the campaign in the market.
    LaunchCampaign {
        partnership: PartnershipId,
        campaign: CampaignId,
        launched_on: Date,
    },
    /// Either party: close the campaign with its outcome and a summary.
    CloseCampaign {
        partnership: PartnershipId,
        campaign: CampaignId,
        closed_on: Date,
        outcome: CampaignOutcome,
        summary: String,
    },
    /// Manufacturer: promise the value the campaign creates (創值銷售): `uplift` cases of
    /// `skus` over `first_month ..= last_month` above the year-earlier baseline grown with
    /// the market. A promise replaces an earlier one only with a `reason`, and only while
    /// neither has begun.
    PromiseUplift {
        partnership: PartnershipId,
        campaign: CampaignId,
        skus: Vec<SkuId>,
        first_month: YearMonth,
        last_month: YearMonth,
        uplift: Cases,
        /// Why an earlier promise is replaced; blank for none.
        reason: String,
    },
}

impl Command {
    synergy_domain::every_variant_has! {
        pub fn partnership -> PartnershipId:
            PlanCampaign, AssignTask, CompleteTask, DispatchMaterials, ReceiveMaterials,
            SelectOutlets, CheckRetailPrice, AllocateSupply, LaunchCampaign, CloseCampaign,
            PromiseUplift
    }

    synergy_domain::every_variant_has! {
        pub fn campaign -> CampaignId:
            PlanCampaign, AssignTask, CompleteTask, DispatchMaterials, ReceiveMaterials,
            SelectOutlets, CheckRetailPrice, AllocateSupply, LaunchCampaign, CloseCampaign,
            PromiseUplift
    }

    /// The stream of the campaign this command acts on.
    pub fn stream(&self) -> StreamId {
        campaign_stream(self.partnership(), self.campaign())
    }
}
