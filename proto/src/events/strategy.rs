//! 戰略目標協同 — partnerships, the rulebooks they adopt, and development plans.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::amount::{Cases, Percent, Yuan};
use crate::ids::{BrandId, OrgId, PlanId};
use crate::period::Period;
use crate::principal::Side;
use crate::time::Date;

/// A target in a development plan: for one brand (or all brands when `brand` is `None`)
/// and one period inside the plan. At least one figure is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Target {
    pub brand: Option<BrandId>,
    pub period: Period,
    pub volume: Option<Cases>,
    pub revenue: Option<Yuan>,
    pub volume_share: Option<Percent>,
}

/// Events of the strategy context. Variants are only ever appended at the end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum StrategyEvent {
    /// The cooperation agreement (協同營銷合作協議) is signed by one manufacturer and one distributor.
    PartnershipSigned {
        manufacturer: OrgId,
        distributor: OrgId,
        region: String,
        signed_on: Date,
    },
    /// The partnership adopts a rulebook (制度), e.g. 《定期例會、高層互訪機制》.
    RulebookAdopted { title: String, adopted_on: Date },
    /// The partnership ends; it accepts nothing new afterwards.
    PartnershipTerminated { reason: String, terminated_on: Date },
    /// A development plan is drafted over whole calendar years `first_year ..= last_year`.
    PlanDrafted {
        plan: PlanId,
        title: String,
        first_year: i32,
        last_year: i32,
    },
    /// A target is set (or replaced) while the plan is in draft.
    PlanTargetSet { plan: PlanId, target: Target },
    /// A target is removed while the plan is in draft.
    PlanTargetRemoved {
        plan: PlanId,
        brand: Option<BrandId>,
        period: Period,
    },
    /// The draft revision is submitted for signature.
    PlanSubmitted { plan: PlanId, revision: u32 },
    /// One side signs a submitted revision.
    PlanSigned {
        plan: PlanId,
        revision: u32,
        side: Side,
        signed_by: OrgId,
        signed_on: Date,
    },
    /// Both sides signed the same revision: the plan is binding.
    PlanActivated { plan: PlanId, revision: u32 },
    /// A new revision is opened: the plan returns to draft and signatures are cleared.
    PlanRevised {
        plan: PlanId,
        revision: u32,
        reason: String,
    },
    /// The plan is withdrawn (a draft abandoned or an active plan retired early).
    PlanWithdrawn { plan: PlanId, reason: String },
    /// One party proposes the cooperation agreement; it binds the other only once that
    /// one accepts (then `PartnershipSigned` records the agreed terms).
    PartnershipProposed {
        manufacturer: OrgId,
        distributor: OrgId,
        region: String,
        signed_on: Date,
        proposed_by: Side,
    },
    /// The party a proposal was addressed to turns it down; nothing binds anyone.
    PartnershipProposalDeclined { reason: String },
    /// The proposing party takes its proposal back before it was accepted.
    PartnershipProposalWithdrawn { reason: String },
    /// One party proposes the time zone the partnership keeps its calendar in (an IANA
    /// name, e.g. `America/New_York`); it takes effect only once the other side agrees
    /// (then `TimeZoneSet`). A later proposal replaces it.
    TimeZoneProposed { zone: String, proposed_by: Side },
    /// Both sides agree (or the operator records) that the partnership keeps its calendar
    /// in `zone` (an IANA name) from this commit on: "today", the end of a month and the
    /// 10th are judged there. Settles any pending proposal. Before the first, the zone is
    /// `Asia/Shanghai`.
    TimeZoneSet { zone: String },
    /// `org`, a party, registers a webhook: the partnership's alerts are POSTed to `url`
    /// from now on. The secret its deliveries are signed with is derived from `webhook`
    /// by the delivering process and is never recorded (the log is published on NATS).
    WebhookRegistered {
        webhook: Uuid,
        org: OrgId,
        url: String,
    },
    /// The webhook receives nothing more, not even deliveries still pending.
    WebhookRemoved { webhook: Uuid },
}
