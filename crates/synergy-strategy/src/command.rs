//! What the strategy context is asked to do ([`Command`]) and what it is asked to tell
//! ([`Query`], answered by [`crate::answer`]).

use serde::{Deserialize, Serialize};
use synergy_proto::{
    AggregateId, BrandId, Context, Date, OrgId, PartnershipId, Period, PlanId, StreamId, Uuid,
    events::strategy::Target,
};

use crate::state::{Partnership, Plan};
use crate::webhook::Webhook;

/// The one aggregate of the context: the partnership with its rulebooks and plans, so that
/// "one active plan per partnership per period" is decided inside a single consistency
/// boundary.
pub const AGGREGATE: &str = "partnership";

/// The stream every strategy command and query of `partnership` lives in.
pub fn stream_for(partnership: &PartnershipId) -> StreamId {
    StreamId::new(
        Context::Strategy,
        partnership.clone(),
        AggregateId::singleton(AGGREGATE),
    )
}

/// A request to the strategy context. The acting principal and the clock travel in the
/// [`synergy_domain::DecisionContext`], not in the command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    /// Signs the cooperation agreement. A party's signature proposes it
    /// (`PartnershipProposed`); it binds the other organisation only once that one
    /// accepts, or signs the identical terms itself. The operator (admin) records both
    /// signatures at once. Re-sending the identical agreement is a no-op, so a retried
    /// setup is safe.
    SignPartnership {
        partnership: PartnershipId,
        manufacturer: OrgId,
        distributor: OrgId,
        region: String,
        signed_on: Date,
    },
    /// Adopts a rulebook (制度). Adopting a title already adopted is a no-op.
    AdoptRulebook {
        partnership: PartnershipId,
        title: String,
        adopted_on: Date,
    },
    /// Ends the partnership; it accepts nothing new afterwards.
    TerminatePartnership {
        partnership: PartnershipId,
        reason: String,
        terminated_on: Date,
    },
    /// Drafts a development plan over the whole calendar years `first_year ..= last_year`.
    DraftPlan {
        partnership: PartnershipId,
        plan: PlanId,
        title: String,
        first_year: i32,
        last_year: i32,
    },
    /// Sets (or replaces) the target for the target's brand and period, in draft only.
    SetPlanTarget {
        partnership: PartnershipId,
        plan: PlanId,
        target: Target,
    },
    /// Removes the target for `brand` (None = all brands) and `period`, in draft only.
    RemovePlanTarget {
        partnership: PartnershipId,
        plan: PlanId,
        brand: Option<BrandId>,
        period: Period,
    },
    /// Submits the current draft revision for both sides' signatures.
    SubmitPlan {
        partnership: PartnershipId,
        plan: PlanId,
    },
    /// The principal's side signs `revision`, which must be the submitted one.
    SignPlan {
        partnership: PartnershipId,
        plan: PlanId,
        revision: u32,
        signed_on: Date,
    },
    /// Opens a new revision of a submitted or active plan: back to draft, signatures cleared.
    RevisePlan {
        partnership: PartnershipId,
        plan: PlanId,
        reason: String,
    },
    /// Abandons a draft or retires a plan early.
    WithdrawPlan {
        partnership: PartnershipId,
        plan: PlanId,
        reason: String,
    },
    /// The party a proposal names as the other side accepts it: the partnership is
    /// signed on the proposed terms. Accepting a signed partnership again is a no-op.
    AcceptPartnership { partnership: PartnershipId },
    /// The party a proposal names as the other side turns it down; the id is free again.
    DeclinePartnership {
        partnership: PartnershipId,
        reason: String,
    },
    /// The proposing party takes its proposal back before it is accepted; the id is
    /// free again.
    WithdrawPartnership {
        partnership: PartnershipId,
        reason: String,
    },
    /// The acting side wants the partnership's calendar kept in `zone` (an IANA name).
    /// It proposes it; it is set once the other side wants the same zone. The operator
    /// (admin) sets it at once. Wanting the zone in force settles a pending proposal.
    SetTimeZone {
        partnership: PartnershipId,
        zone: String,
    },
    /// The acting party registers a webhook for the partnership's alerts (`webhook`, an id
    /// the caller chooses, makes a retry a no-op). Not a declared command: its answer
    /// carries the signing secret, which only the front end that holds the signing key
    /// can give (`synergy_runtime::webhook`).
    RegisterWebhook {
        partnership: PartnershipId,
        webhook: Uuid,
        url: String,
    },
    /// The party that registered the webhook removes it.
    RemoveWebhook {
        partnership: PartnershipId,
        webhook: Uuid,
    },
}

impl Command {
    synergy_domain::every_variant_has! {
        /// The partnership the command acts on.
        pub fn partnership -> PartnershipId:
            SignPartnership, AdoptRulebook, TerminatePartnership, DraftPlan, SetPlanTarget,
            RemovePlanTarget, SubmitPlan, SignPlan, RevisePlan, WithdrawPlan, AcceptPartnership,
            DeclinePartnership, WithdrawPartnership, SetTimeZone, RegisterWebhook, RemoveWebhook
    }

    /// The stream (aggregate) the command acts on.
    pub fn stream(&self) -> StreamId {
        stream_for(self.partnership())
    }

    /// The verb, as used in the command subject `syn.cmd.strategy.<verb>`: the
    /// command's declaration says it ([`crate::COMMANDS`]).
    pub fn verb(&self) -> &'static str {
        crate::COMMANDS.of(self).verb
    }
}

/// A read the strategy context answers from its own stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Query {
    /// The partnership: parties, region, rulebooks, termination, time zone.
    Partnership { partnership: PartnershipId },
    /// Every plan of the partnership, in any status, ordered by plan id.
    Plans { partnership: PartnershipId },
    /// One plan.
    Plan {
        partnership: PartnershipId,
        plan: PlanId,
    },
    /// The active plan covering `year`, if any.
    ActivePlan {
        partnership: PartnershipId,
        year: i32,
    },
    /// The targets the active plan sets for exactly `period` (every brand, and all brands).
    ActiveTargets {
        partnership: PartnershipId,
        period: Period,
    },
    /// The partnership's webhooks that `org` registered (every party's, for `None`).
    Webhooks {
        partnership: PartnershipId,
        org: Option<OrgId>,
    },
}

impl Query {
    synergy_domain::every_variant_has! {
        pub fn partnership -> PartnershipId:
            Partnership, Plans, Plan, ActivePlan, ActiveTargets, Webhooks
    }

    /// The stream to fold before answering.
    pub fn stream(&self) -> StreamId {
        stream_for(self.partnership())
    }
}

/// The answer to a [`Query`], variant for variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Answer {
    Partnership(Option<Partnership>),
    Plans(Vec<Plan>),
    Plan(Option<Plan>),
    ActivePlan(Option<Plan>),
    ActiveTargets(Vec<Target>),
    Webhooks(Vec<Webhook>),
}
