//! The reads the marketing context answers from a campaign's own stream.

use serde::{Deserialize, Serialize};
use synergy_proto::{CampaignId, Event, PartnershipId, Percent, Side, StreamId};

use crate::campaign::Campaign;
use crate::command::campaign_stream;

/// A read of one campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Query {
    /// The whole folded campaign: plan, lifecycle, tasks, materials, outlets, price
    /// checks, supply, closure.
    Campaign {
        partnership: PartnershipId,
        campaign: CampaignId,
    },
    /// Tasks done against tasks assigned, optionally for one side only.
    TaskProgress {
        partnership: PartnershipId,
        campaign: CampaignId,
        side: Option<Side>,
    },
    /// Retail price checks within ±5 % of guide against all checks.
    PriceCompliance {
        partnership: PartnershipId,
        campaign: CampaignId,
    },
}

impl Query {
    synergy_domain::every_variant_has! {
        /// The partnership the query reads.
        pub fn partnership -> PartnershipId: Campaign, TaskProgress, PriceCompliance
    }

    /// The stream to load before calling [`answer`].
    pub fn stream(&self) -> StreamId {
        match self {
            Query::Campaign {
                partnership,
                campaign,
            }
            | Query::TaskProgress {
                partnership,
                campaign,
                ..
            }
            | Query::PriceCompliance {
                partnership,
                campaign,
            } => campaign_stream(partnership, campaign),
        }
    }
}

/// A count of `part` out of `whole` with its percentage (`None` when `whole` is 0).
/// Counts travel with the ratio so callers can sum over campaigns before dividing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ratio {
    pub part: u64,
    pub whole: u64,
    pub pct: Option<Percent>,
}

impl Ratio {
    pub fn new(part: u64, whole: u64) -> Self {
        Self {
            part,
            whole,
            pct: crate::campaign::ratio_pct(part, whole),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Answer {
    /// `None` when the campaign was never planned.
    Campaign(Option<Box<Campaign>>),
    TaskProgress(Ratio),
    PriceCompliance(Ratio),
}

/// Folds the campaign's stream (as loaded for [`Query::stream`]) and answers `query`.
pub fn answer<'a>(history: impl IntoIterator<Item = &'a Event>, query: &Query) -> Answer {
    let campaign = crate::fold(history);
    match query {
        Query::Campaign { .. } => {
            Answer::Campaign(campaign.id().is_some().then(|| Box::new(campaign)))
        }
        Query::TaskProgress { side, .. } => {
            let (done, total) = campaign.task_counts(*side);
            Answer::TaskProgress(Ratio::new(done, total))
        }
        Query::PriceCompliance { .. } => {
            let (within, total) = campaign.price_check_counts();
            Answer::PriceCompliance(Ratio::new(within, total))
        }
    }
}
