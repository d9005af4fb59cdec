//! The folded state of one partnership's strategy stream, `evolve`, and the reads other
//! contexts and the evaluation service use (the partnership view, the active plan's targets).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use synergy_domain::PartnershipView;
use synergy_proto::{
    BrandId, Cases, Date, Event, OrgId, PartnershipId, Percent, Period, PeriodKind, PlanId, Side,
    TimeZone, Yuan,
    events::strategy::{StrategyEvent, Target},
};

/// A rulebook (制度) the partnership adopted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rulebook {
    pub title: String,
    pub adopted_on: Date,
}

/// Why and when a partnership ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Termination {
    pub reason: String,
    pub terminated_on: Date,
}

/// The signed partnership.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Partnership {
    pub manufacturer: OrgId,
    pub distributor: OrgId,
    pub region: String,
    pub signed_on: Date,
    /// In adoption order.
    pub rulebooks: Vec<Rulebook>,
    pub terminated: Option<Termination>,
    /// The IANA name of the zone the partnership keeps its calendar in.
    pub time_zone: String,
    /// A zone one party proposed and the other has not agreed to yet.
    pub time_zone_proposal: Option<TimeZoneProposal>,
}

/// A time zone one party proposed for the partnership's calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimeZoneProposal {
    pub zone: String,
    pub proposed_by: Side,
}

impl Partnership {
    pub fn is_terminated(&self) -> bool {
        self.terminated.is_some()
    }

    pub fn has_rulebook(&self, title: &str) -> bool {
        self.rulebooks.iter().any(|r| r.title == title)
    }

    /// The organisation on `side`.
    pub fn party(&self, side: Side) -> &OrgId {
        match side {
            Side::Manufacturer => &self.manufacturer,
            Side::Distributor => &self.distributor,
        }
    }

    /// The zone the partnership keeps its calendar in. A name `decide` accepted is in the
    /// bundled database; should a later database drop it, the default stands in rather
    /// than no calendar at all.
    pub fn zone(&self) -> TimeZone {
        TimeZone::new(&self.time_zone).unwrap_or_default()
    }

    /// What other contexts may know about this partnership.
    pub fn view(&self, id: &PartnershipId) -> PartnershipView {
        PartnershipView {
            id: id.clone(),
            manufacturer: self.manufacturer.clone(),
            distributor: self.distributor.clone(),
            terminated: self.is_terminated(),
            time_zone: self.zone(),
        }
    }
}

/// Where a development plan is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PlanStatus {
    /// Targets may change.
    Draft,
    /// Frozen, waiting for both sides' signatures on the current revision.
    Submitted,
    /// Both sides signed the current revision: binding.
    Active,
    /// Abandoned or retired; accepts nothing.
    Withdrawn,
}

impl PlanStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Draft => "draft",
            PlanStatus::Submitted => "submitted",
            PlanStatus::Active => "active",
            PlanStatus::Withdrawn => "withdrawn",
        }
    }
}

impl std::fmt::Display for PlanStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One side's signature on a revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Signature {
    pub side: Side,
    pub signed_by: OrgId,
    pub signed_on: Date,
}

/// A development plan (e.g. 三年發展規劃) over whole calendar years.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Plan {
    pub id: PlanId,
    pub title: String,
    pub first_year: i32,
    pub last_year: i32,
    /// Starts at 1; each [`StrategyEvent::PlanRevised`] opens the next one.
    pub revision: u32,
    pub status: PlanStatus,
    /// Ordered by period, then brand (all brands first); one per (brand, period).
    pub targets: Vec<Target>,
    /// Signatures on the current revision; cleared by a revision.
    pub signatures: Vec<Signature>,
    pub withdrawal_reason: Option<String>,
}

impl Plan {
    /// Whether the plan's years include `year`.
    pub fn covers_year(&self, year: i32) -> bool {
        (self.first_year..=self.last_year).contains(&year)
    }

    /// Whether the plan's years include the whole of `period`.
    pub fn covers(&self, period: Period) -> bool {
        self.covers_year(period.calendar_year())
    }

    /// Whether this plan and `other` share at least one year.
    pub fn overlaps(&self, other: &Plan) -> bool {
        self.first_year <= other.last_year && other.first_year <= self.last_year
    }

    pub fn is_active(&self) -> bool {
        self.status == PlanStatus::Active
    }

    pub fn signature_of(&self, side: Side) -> Option<&Signature> {
        self.signatures.iter().find(|s| s.side == side)
    }

    /// The target set for exactly `brand` (None = all brands) and `period`.
    pub fn target(&self, brand: Option<&BrandId>, period: Period) -> Option<&Target> {
        self.targets
            .iter()
            .find(|t| t.brand.as_ref() == brand && t.period == period)
    }

    /// The targets set for exactly `period`, every brand and all brands.
    pub fn targets_for(&self, period: Period) -> impl Iterator<Item = &Target> {
        self.targets.iter().filter(move |t| t.period == period)
    }

    /// The volume target for `brand` and `period`: the target set for exactly that period,
    /// or else the sum over its sub-periods (halves, quarters, months) when every one of
    /// them has a volume target. `None` when the plan does not determine it.
    pub fn volume_target(&self, brand: Option<&BrandId>, period: Period) -> Option<Cases> {
        self.additive_target(brand, period, &|t| t.volume, &|a, b| a.checked_add(b))
    }

    /// Like [`volume_target`](Self::volume_target), for revenue.
    pub fn revenue_target(&self, brand: Option<&BrandId>, period: Period) -> Option<Yuan> {
        self.additive_target(brand, period, &|t| t.revenue, &|a, b| a.checked_add(b))
    }

    /// The share target for exactly `period`. Shares do not add up over sub-periods, so
    /// none is derived.
    pub fn volume_share_target(&self, brand: Option<&BrandId>, period: Period) -> Option<Percent> {
        self.target(brand, period).and_then(|t| t.volume_share)
    }

    fn additive_target<T: Copy>(
        &self,
        brand: Option<&BrandId>,
        period: Period,
        figure: &dyn Fn(&Target) -> Option<T>,
        add: &dyn Fn(T, T) -> Option<T>,
    ) -> Option<T> {
        if let Some(exact) = self.target(brand, period).and_then(figure) {
            return Some(exact);
        }
        let parts = sub_periods(period)?;
        let mut parts = parts.into_iter();
        let first = self.additive_target(brand, parts.next()?, figure, add)?;
        parts.try_fold(first, |acc, p| {
            add(acc, self.additive_target(brand, p, figure, add)?)
        })
    }
}

/// The periods one level finer that tile `period`: a year's halves, a half's quarters, a
/// quarter's months. A month has none.
fn sub_periods(period: Period) -> Option<Vec<Period>> {
    let finer = match period.kind() {
        PeriodKind::Year => PeriodKind::Half,
        PeriodKind::Half => PeriodKind::Quarter,
        PeriodKind::Quarter => PeriodKind::Month,
        PeriodKind::Month => return None,
    };
    let step = usize::from(finer.months());
    Some(
        period
            .months()
            .step_by(step)
            .map(|m| Period::containing(finer, m))
            .collect(),
    )
}

/// A cooperation agreement one party proposed and the other has not answered yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    pub manufacturer: OrgId,
    pub distributor: OrgId,
    pub region: String,
    pub signed_on: Date,
    pub proposed_by: Side,
}

impl Proposal {
    /// The organisation on `side`.
    pub fn party(&self, side: Side) -> &OrgId {
        match side {
            Side::Manufacturer => &self.manufacturer,
            Side::Distributor => &self.distributor,
        }
    }

    /// The side that must answer it.
    pub fn addressed_to(&self) -> Side {
        self.proposed_by.other()
    }

    /// The view of the proposed partnership, for checking who acts on the proposal.
    pub fn view(&self, id: &PartnershipId) -> PartnershipView {
        PartnershipView {
            id: id.clone(),
            manufacturer: self.manufacturer.clone(),
            distributor: self.distributor.clone(),
            terminated: false,
            time_zone: TimeZone::default(),
        }
    }
}

/// Everything the strategy stream of one partnership says, folded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StrategyState {
    pub(crate) partnership: Option<Partnership>,
    /// A proposal waiting for the other party, before the partnership is signed.
    pub(crate) proposal: Option<Proposal>,
    pub(crate) plans: BTreeMap<PlanId, Plan>,
    pub(crate) webhooks: crate::webhook::Webhooks,
}

impl StrategyState {
    /// Folds a stream's events, oldest first. Events of other contexts are ignored: they
    /// never belong in a strategy stream, and skipping them keeps the fold total.
    pub fn fold<'a>(history: impl IntoIterator<Item = &'a Event>) -> Self {
        history
            .into_iter()
            .fold(Self::default(), |state, event| match event {
                Event::Strategy(e) => state.evolve(e),
                _ => state,
            })
    }

    /// Applies one event. Pure; events were validated by `decide`, so an event about an
    /// unknown plan (which `decide` never produces) changes nothing.
    pub fn evolve(mut self, event: &StrategyEvent) -> Self {
        match event {
            StrategyEvent::WebhookRegistered { webhook, org, url } => {
                self.webhooks.insert(*webhook, (org.clone(), url.clone()));
            }
            StrategyEvent::WebhookRemoved { webhook } => {
                self.webhooks.remove(webhook);
            }
            StrategyEvent::PartnershipSigned {
                manufacturer,
                distributor,
                region,
                signed_on,
            } => {
                self.partnership = Some(Partnership {
                    manufacturer: manufacturer.clone(),
                    distributor: distributor.clone(),
                    region: region.clone(),
                    signed_on: *signed_on,
                    rulebooks: Vec::new(),
                    terminated: None,
                    time_zone: TimeZone::DEFAULT.to_owned(),
                    time_zone_proposal: None,
                });
                self.proposal = None;
            }
            StrategyEvent::PartnershipProposed {
                manufacturer,
                distributor,
                region,
                signed_on,
                proposed_by,
            } => {
                self.proposal = Some(Proposal {
                    manufacturer: manufacturer.clone(),
                    distributor: distributor.clone(),
                    region: region.clone(),
                    signed_on: *signed_on,
                    proposed_by: *proposed_by,
                });
            }
            StrategyEvent::PartnershipProposalDeclined { .. }
            | StrategyEvent::PartnershipProposalWithdrawn { .. } => self.proposal = None,
            StrategyEvent::RulebookAdopted { title, adopted_on } => {
                if let Some(p) = &mut self.partnership {
                    p.rulebooks.push(Rulebook {
                        title: title.clone(),
                        adopted_on: *adopted_on,
                    });
                }
            }
            StrategyEvent::PartnershipTerminated {
                reason,
                terminated_on,
            } => {
                if let Some(p) = &mut self.partnership {
                    p.terminated = Some(Termination {
                        reason: reason.clone(),
                        terminated_on: *terminated_on,
                    });
                }
            }
            StrategyEvent::PlanDrafted {
                plan,
                title,
                first_year,
                last_year,
            } => {
                self.plans.insert(
                    plan.clone(),
                    Plan {
                        id: plan.clone(),
                        title: title.clone(),
                        first_year: *first_year,
                        last_year: *last_year,
                        revision: 1,
                        status: PlanStatus::Draft,
                        targets: Vec::new(),
                        signatures: Vec::new(),
                        withdrawal_reason: None,
                    },
                );
            }
            StrategyEvent::PlanTargetSet { plan, target } => {
                if let Some(p) = self.plans.get_mut(plan) {
                    p.targets
                        .retain(|t| !(t.brand == target.brand && t.period == target.period));
                    p.targets.push(target.clone());
                    p.targets
                        .sort_by(|a, b| (a.period, &a.brand).cmp(&(b.period, &b.brand)));
                }
            }
            StrategyEvent::PlanTargetRemoved {
                plan,
                brand,
                period,
            } => {
                if let Some(p) = self.plans.get_mut(plan) {
                    p.targets
                        .retain(|t| !(&t.brand == brand && t.period == *period));
                }
            }
            StrategyEvent::PlanSubmitted { plan, revision } => {
                if let Some(p) = self.plans.get_mut(plan) {
                    p.status = PlanStatus::Submitted;
                    p.revision = *revision;
                }
            }
            StrategyEvent::PlanSigned {
                plan,
                revision,
                side,
                signed_by,
                signed_on,
            } => {
                if let Some(p) = self.plans.get_mut(plan)
                    && p.revision == *revision
                {
                    p.signatures.retain(|s| s.side != *side);
                    p.signatures.push(Signature {
                        side: *side,
                        signed_by: signed_by.clone(),
                        signed_on: *signed_on,
                    });
                }
            }
            StrategyEvent::PlanActivated { plan, revision } => {
                if let Some(p) = self.plans.get_mut(plan) {
                    p.status = PlanStatus::Active;
                    p.revision = *revision;
                }
            }
            StrategyEvent::PlanRevised { plan, revision, .. } => {
                if let Some(p) = self.plans.get_mut(plan) {
                    p.status = PlanStatus::Draft;
                    p.revision = *revision;
                    p.signatures.clear();
                }
            }
            StrategyEvent::PlanWithdrawn { plan, reason } => {
                if let Some(p) = self.plans.get_mut(plan) {
                    p.status = PlanStatus::Withdrawn;
                    p.withdrawal_reason = Some(reason.clone());
                }
            }
            StrategyEvent::TimeZoneProposed { zone, proposed_by } => {
                if let Some(p) = &mut self.partnership {
                    p.time_zone_proposal = Some(TimeZoneProposal {
                        zone: zone.clone(),
                        proposed_by: *proposed_by,
                    });
                }
            }
            StrategyEvent::TimeZoneSet { zone } => {
                if let Some(p) = &mut self.partnership {
                    p.time_zone = zone.clone();
                    p.time_zone_proposal = None;
                }
            }
        }
        self
    }

    /// The partnership, once signed.
    pub fn partnership(&self) -> Option<&Partnership> {
        self.partnership.as_ref()
    }

    /// The proposal waiting for the other party, if any.
    pub fn proposal(&self) -> Option<&Proposal> {
        self.proposal.as_ref()
    }

    /// The view other contexts receive as `ctx.partnership`.
    pub fn partnership_view(&self, id: &PartnershipId) -> Option<PartnershipView> {
        self.partnership.as_ref().map(|p| p.view(id))
    }

    pub fn plan(&self, id: &PlanId) -> Option<&Plan> {
        self.plans.get(id)
    }

    /// Every plan, ordered by id.
    pub fn plans(&self) -> impl Iterator<Item = &Plan> {
        self.plans.values()
    }

    /// The active plans, ordered by id. Their years never overlap.
    pub fn active_plans(&self) -> impl Iterator<Item = &Plan> {
        self.plans.values().filter(|p| p.is_active())
    }

    /// The active plan covering `year` (there is at most one).
    pub fn active_plan_for_year(&self, year: i32) -> Option<&Plan> {
        self.active_plans().find(|p| p.covers_year(year))
    }

    /// The active plan covering `period` (a period never spans two calendar years).
    pub fn active_plan_for(&self, period: Period) -> Option<&Plan> {
        self.active_plan_for_year(period.calendar_year())
    }

    /// The active plan's target for exactly `brand` (None = all brands) and `period`.
    pub fn active_target(&self, brand: Option<&BrandId>, period: Period) -> Option<&Target> {
        self.active_plan_for(period)?.target(brand, period)
    }

    /// The active plan's volume target for `brand` and `period`, derived from sub-period
    /// targets where the period itself has none (see [`Plan::volume_target`]).
    pub fn active_volume_target(&self, brand: Option<&BrandId>, period: Period) -> Option<Cases> {
        self.active_plan_for(period)?.volume_target(brand, period)
    }

    /// Like [`active_volume_target`](Self::active_volume_target), for revenue.
    pub fn active_revenue_target(&self, brand: Option<&BrandId>, period: Period) -> Option<Yuan> {
        self.active_plan_for(period)?.revenue_target(brand, period)
    }

    /// The active plan's volume-share target for exactly `brand` and `period`.
    pub fn active_volume_share_target(
        &self,
        brand: Option<&BrandId>,
        period: Period,
    ) -> Option<Percent> {
        self.active_plan_for(period)?
            .volume_share_target(brand, period)
    }
}

/// The partnership view of the partnership whose strategy stream is `history`, for the
/// runtime to pass to other contexts as `ctx.partnership`. `None` until it is signed.
pub fn partnership_view<'a>(
    id: &PartnershipId,
    history: impl IntoIterator<Item = &'a Event>,
) -> Option<PartnershipView> {
    StrategyState::fold(history).partnership_view(id)
}
