//! The rules of the strategy context: `decide` turns a command into events or a refusal
//! that names the broken rule and the field.

use synergy_domain::{
    CatalogueView, DecisionContext, DomainError, PartnershipView, partnership_not_found,
};
use synergy_proto::{
    BrandId, Date, OrgId, PartnershipId, Period, PlanId, Role, Side, TimeZone,
    events::strategy::{StrategyEvent, Target},
    period::{MAX_YEAR, MIN_YEAR},
};

use crate::command::Command;
use crate::state::{Partnership, Plan, PlanStatus, StrategyState};

/// The longest plan we accept. The model's plans run three years; ten leaves room for a
/// long-range plan while catching a mistyped year (2008..=2080) before it is signed.
pub const MAX_PLAN_YEARS: i32 = 10;

/// 100.00 % in hundredths of a point.
const FULL_SHARE: i64 = 10_000;

/// Who answers a proposal: the party it is addressed to (accept, decline) or the one
/// that made it (withdraw).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answerer {
    Addressee,
    Proposer,
}

/// An outsider's refusal is that of a partnership that does not exist; a party's (in
/// the wrong role, say) stays as it is.
fn hide_from_outsiders(id: &PartnershipId, e: DomainError) -> DomainError {
    if e.rule == "partnership.parties_only" {
        partnership_not_found(id)
    } else {
        e
    }
}

/// Signing an id that another pair holds: taken, for an outsider; a party's own refusal
/// (the wrong role, say) stays as it is.
fn taken_from_outsiders(id: &PartnershipId, e: DomainError) -> DomainError {
    if e.rule == "partnership.parties_only" {
        id_taken(id)
    } else {
        e
    }
}

/// The id is another partnership's (signed or proposed by others); names nobody.
fn id_taken(id: &PartnershipId) -> DomainError {
    DomainError::state(
        "partnership.id_taken",
        format!("the partnership id {id} is taken; choose another id"),
    )
    .at("partnership")
}

impl StrategyState {
    /// Decides `command` against this state. Pure: the principal, the clock and the
    /// partnership's catalogue come from `ctx`; `ctx.partnership` is not consulted because
    /// this context owns the partnership and its own fold is the authority.
    pub fn decide(
        &self,
        command: Command,
        ctx: &DecisionContext,
    ) -> Result<Vec<StrategyEvent>, DomainError> {
        let id = command.partnership().clone();
        match command {
            Command::SignPartnership {
                manufacturer,
                distributor,
                region,
                signed_on,
                ..
            } => self.sign_partnership(&id, manufacturer, distributor, &region, signed_on, ctx),
            Command::AcceptPartnership { .. } => self.accept_partnership(&id, ctx),
            Command::DeclinePartnership { reason, .. } => {
                self.proposal_answered_by(&id, ctx, Answerer::Addressee)?;
                let reason = required_text(&reason, "reason", "partnership.reason_required")?;
                Ok(vec![StrategyEvent::PartnershipProposalDeclined { reason }])
            }
            Command::WithdrawPartnership { reason, .. } => {
                self.proposal_answered_by(&id, ctx, Answerer::Proposer)?;
                let reason = required_text(&reason, "reason", "partnership.reason_required")?;
                Ok(vec![StrategyEvent::PartnershipProposalWithdrawn { reason }])
            }
            Command::SetTimeZone { zone, .. } => self.set_time_zone(&id, &zone, ctx),
            Command::RegisterWebhook { webhook, url, .. } => {
                self.register_webhook(&id, webhook, &url, ctx)
            }
            Command::RemoveWebhook { webhook, .. } => self.remove_webhook(&id, webhook, ctx),
            Command::AdoptRulebook {
                title, adopted_on, ..
            } => {
                let (partnership, _) = self.acting_party(&id, ctx)?;
                let title = required_text(&title, "title", "partnership.rulebook_title_required")?;
                check_date(adopted_on, "adopted_on", partnership, ctx)?;
                if partnership.has_rulebook(&title) {
                    return Ok(vec![]);
                }
                Ok(vec![StrategyEvent::RulebookAdopted { title, adopted_on }])
            }
            Command::TerminatePartnership {
                reason,
                terminated_on,
                ..
            } => {
                let (partnership, _) = self.acting_party(&id, ctx)?;
                let reason = required_text(&reason, "reason", "partnership.reason_required")?;
                check_date(terminated_on, "terminated_on", partnership, ctx)?;
                Ok(vec![StrategyEvent::PartnershipTerminated {
                    reason,
                    terminated_on,
                }])
            }
            Command::DraftPlan {
                plan,
                title,
                first_year,
                last_year,
                ..
            } => {
                self.acting_party(&id, ctx)?;
                self.draft_plan(plan, &title, first_year, last_year)
            }
            Command::SetPlanTarget { plan, target, .. } => {
                self.acting_party(&id, ctx)?;
                let current = self.plan_in_draft(&plan, "set targets")?;
                validate_target(current, &target, &ctx.catalogue)?;
                if current.target(target.brand.as_ref(), target.period) == Some(&target) {
                    return Ok(vec![]);
                }
                Ok(vec![StrategyEvent::PlanTargetSet { plan, target }])
            }
            Command::RemovePlanTarget {
                plan,
                brand,
                period,
                ..
            } => {
                self.acting_party(&id, ctx)?;
                let current = self.plan_in_draft(&plan, "remove targets")?;
                if current.target(brand.as_ref(), period).is_none() {
                    return Err(DomainError::not_found(
                        "plan.target_must_exist",
                        format!(
                            "plan {plan} has no target for {} in {period}; nothing to remove",
                            brand_label(brand.as_ref())
                        ),
                    )
                    .at("period"));
                }
                Ok(vec![StrategyEvent::PlanTargetRemoved {
                    plan,
                    brand,
                    period,
                }])
            }
            Command::SubmitPlan { plan, .. } => {
                self.acting_party(&id, ctx)?;
                let current = self.live_plan(&plan)?;
                if current.status != PlanStatus::Draft {
                    return Err(DomainError::state(
                        "plan.submit_only_draft",
                        format!(
                            "plan {plan} is {} at revision {}; only a draft can be submitted (revise it first)",
                            current.status, current.revision
                        ),
                    ));
                }
                if current.targets.is_empty() {
                    return Err(DomainError::state(
                        "plan.submit_needs_targets",
                        format!(
                            "plan {plan} has no targets; set at least one target before submitting it"
                        ),
                    )
                    .at("targets"));
                }
                Ok(vec![StrategyEvent::PlanSubmitted {
                    plan,
                    revision: current.revision,
                }])
            }
            Command::SignPlan {
                plan,
                revision,
                signed_on,
                ..
            } => {
                let (partnership, side) = self.acting_party(&id, ctx)?;
                self.sign_plan(partnership, plan, revision, side, signed_on, ctx)
            }
            Command::RevisePlan { plan, reason, .. } => {
                self.acting_party(&id, ctx)?;
                let current = self.live_plan(&plan)?;
                let reason = required_text(&reason, "reason", "plan.reason_required")?;
                if current.status == PlanStatus::Draft {
                    return Err(DomainError::state(
                        "plan.revise_only_submitted_or_active",
                        format!(
                            "plan {plan} is already a draft (revision {}); change its targets and submit it",
                            current.revision
                        ),
                    ));
                }
                let revision = current.revision.checked_add(1).ok_or_else(|| {
                    DomainError::state(
                        "plan.revision_limit",
                        format!("plan {plan} has run out of revision numbers; draft a new plan"),
                    )
                })?;
                Ok(vec![StrategyEvent::PlanRevised {
                    plan,
                    revision,
                    reason,
                }])
            }
            Command::WithdrawPlan { plan, reason, .. } => {
                self.acting_party(&id, ctx)?;
                self.live_plan(&plan)?;
                let reason = required_text(&reason, "reason", "plan.reason_required")?;
                Ok(vec![StrategyEvent::PlanWithdrawn { plan, reason }])
            }
        }
    }

    fn sign_partnership(
        &self,
        id: &PartnershipId,
        manufacturer: OrgId,
        distributor: OrgId,
        region: &str,
        signed_on: Date,
        ctx: &DecisionContext,
    ) -> Result<Vec<StrategyEvent>, DomainError> {
        if manufacturer == distributor {
            return Err(DomainError::invalid(
                "partnership.two_different_parties",
                "distributor",
                format!(
                    "{manufacturer} cannot be both manufacturer and distributor; a partnership is signed by one manufacturer and one distributor"
                ),
            ));
        }
        // The partnership does not exist yet, so the parties the principal must belong to
        // are the ones the command names.
        let proposed = PartnershipView {
            id: id.clone(),
            manufacturer: manufacturer.clone(),
            distributor: distributor.clone(),
            terminated: false,
            time_zone: TimeZone::default(),
        };
        proposed.side_of(&ctx.principal)?;
        let region = required_text(region, "region", "partnership.region_required")?;
        // A partnership starts in the default zone; a signed one (a retried signing)
        // judges its days in its own.
        let today = match &self.partnership {
            Some(p) => ctx.now.date_in(&p.zone()),
            None => ctx.now.date_in(TimeZone::partnership_default()),
        };
        if signed_on > today {
            return Err(DomainError::invalid(
                "partnership.date_not_in_future",
                "signed_on",
                format!(
                    "signed_on {signed_on} is after today ({today}); record an agreement once it is signed"
                ),
            ));
        }

        if let Some(existing) = &self.partnership {
            // Someone else's partnership: the id is taken, and nothing about it is said.
            existing
                .view(id)
                .side_of(&ctx.principal)
                .map_err(|e| taken_from_outsiders(id, e))?;
            if existing.is_terminated() {
                return Err(terminated(id));
            }
            let identical = existing.manufacturer == manufacturer
                && existing.distributor == distributor
                && existing.region == region
                && existing.signed_on == signed_on;
            if identical {
                return Ok(vec![]);
            }
            return Err(DomainError::state(
                "partnership.already_signed",
                format!(
                    "partnership {id} was already signed on {} by {} and {} for {}; it cannot be signed again with different terms",
                    existing.signed_on,
                    existing.manufacturer,
                    existing.distributor,
                    existing.region
                ),
            ));
        }

        let signed = StrategyEvent::PartnershipSigned {
            manufacturer: manufacturer.clone(),
            distributor: distributor.clone(),
            region: region.clone(),
            signed_on,
        };
        let operator = ctx.principal.role == Role::Admin;
        if let Some(pending) = &self.proposal {
            pending
                .view(id)
                .side_of(&ctx.principal)
                .map_err(|e| taken_from_outsiders(id, e))?;
            let identical = pending.manufacturer == manufacturer
                && pending.distributor == distributor
                && pending.region == region
                && pending.signed_on == signed_on;
            if !identical {
                return Err(DomainError::state(
                    "partnership.proposal_pending",
                    format!(
                        "partnership {id} is proposed with other terms ({} and {} for {}, signed on {}); accept or decline that proposal, or withdraw it if it is yours",
                        pending.manufacturer,
                        pending.distributor,
                        pending.region,
                        pending.signed_on
                    ),
                ));
            }
            let side = proposed.side_of(&ctx.principal)?;
            // The other party signing the identical terms is its acceptance; the
            // operator records the second signature.
            return Ok(if operator || side == pending.addressed_to() {
                vec![signed]
            } else {
                vec![]
            });
        }
        if operator {
            return Ok(vec![signed]);
        }
        let proposed_by = proposed.side_of(&ctx.principal)?;
        Ok(vec![StrategyEvent::PartnershipProposed {
            manufacturer,
            distributor,
            region,
            signed_on,
            proposed_by,
        }])
    }

    /// The addressee of a pending proposal signs it on the proposed terms.
    fn accept_partnership(
        &self,
        id: &PartnershipId,
        ctx: &DecisionContext,
    ) -> Result<Vec<StrategyEvent>, DomainError> {
        if let Some(existing) = &self.partnership {
            // Accepted before (a retry): nothing to do, for its parties only.
            existing
                .view(id)
                .side_of(&ctx.principal)
                .map_err(|e| hide_from_outsiders(id, e))?;
            return Ok(vec![]);
        }
        let proposal = self.proposal_answered_by(id, ctx, Answerer::Addressee)?;
        Ok(vec![StrategyEvent::PartnershipSigned {
            manufacturer: proposal.manufacturer.clone(),
            distributor: proposal.distributor.clone(),
            region: proposal.region.clone(),
            signed_on: proposal.signed_on,
        }])
    }

    /// The pending proposal, if `ctx.principal` is the party that may answer it as
    /// `who`. An outsider, or an id with no proposal, gets the refusal of a partnership
    /// that does not exist.
    fn proposal_answered_by(
        &self,
        id: &PartnershipId,
        ctx: &DecisionContext,
        who: Answerer,
    ) -> Result<&crate::state::Proposal, DomainError> {
        let Some(proposal) = &self.proposal else {
            return Err(match &self.partnership {
                Some(p) => match p.view(id).side_of(&ctx.principal) {
                    Ok(_) => DomainError::state(
                        "partnership.no_proposal_pending",
                        format!("partnership {id} is signed; there is no proposal to answer"),
                    ),
                    Err(e) => hide_from_outsiders(id, e),
                },
                None => partnership_not_found(id),
            });
        };
        let side = proposal
            .view(id)
            .side_of(&ctx.principal)
            .map_err(|e| hide_from_outsiders(id, e))?;
        // The operator answers for the party it acts as.
        let required = match who {
            Answerer::Addressee => proposal.addressed_to(),
            Answerer::Proposer => proposal.proposed_by,
        };
        if side != required && ctx.principal.role != Role::Admin {
            return Err(DomainError::forbidden(
                match who {
                    Answerer::Addressee => "partnership.addressee_answers",
                    Answerer::Proposer => "partnership.proposer_withdraws",
                },
                match who {
                    Answerer::Addressee => format!(
                        "partnership {id} was proposed by the {side}; only the {required} accepts or declines it (withdraw it to take it back)"
                    ),
                    Answerer::Proposer => format!(
                        "partnership {id} was proposed by the {required}; only it may withdraw the proposal (decline it instead)"
                    ),
                },
            ));
        }
        Ok(proposal)
    }

    /// The acting side wants the calendar kept in `zone`. The zone moves the deadlines
    /// both sides are measured by (the 10th of the distributor's market data, the days
    /// action items fall due), so like the agreement itself it binds once both want it:
    /// a party's choice proposes it, the other party's same choice sets it, and the
    /// operator records both at once. Wanting the zone in force answers a pending
    /// proposal (its proposer withdraws it, the other side declines it); a different zone
    /// is a counter-proposal that replaces it.
    fn set_time_zone(
        &self,
        id: &PartnershipId,
        zone: &str,
        ctx: &DecisionContext,
    ) -> Result<Vec<StrategyEvent>, DomainError> {
        let (partnership, side) = self.acting_party(id, ctx)?;
        let zone = TimeZone::new(zone.trim()).map_err(|e| {
            DomainError::invalid(
                "partnership.time_zone_unknown",
                "zone",
                format!("zone: {e}"),
            )
        })?;
        let zone = zone.name().to_owned();
        let in_force = zone == partnership.time_zone;
        let pending = partnership.time_zone_proposal.as_ref();
        let unchanged = in_force && pending.is_none();
        let agreed = ctx.principal.role == Role::Admin
            || in_force
            || pending.is_some_and(|p| p.zone == zone && p.proposed_by != side);
        Ok(if unchanged {
            vec![]
        } else if agreed {
            vec![StrategyEvent::TimeZoneSet { zone }]
        } else if pending.is_some_and(|p| p.zone == zone && p.proposed_by == side) {
            // Its own proposal again (a retry): still waiting for the other side.
            vec![]
        } else {
            vec![StrategyEvent::TimeZoneProposed {
                zone,
                proposed_by: side,
            }]
        })
    }

    fn draft_plan(
        &self,
        plan: PlanId,
        title: &str,
        first_year: i32,
        last_year: i32,
    ) -> Result<Vec<StrategyEvent>, DomainError> {
        if let Some(existing) = self.plans.get(&plan) {
            return Err(DomainError::state(
                "plan.id_unique",
                format!(
                    "plan {plan} already exists ({}, {}–{}, {}); choose another plan id",
                    existing.title, existing.first_year, existing.last_year, existing.status
                ),
            )
            .at("plan"));
        }
        let title = required_text(title, "title", "plan.title_required")?;
        for (field, year) in [("first_year", first_year), ("last_year", last_year)] {
            if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
                return Err(DomainError::invalid(
                    "plan.years_in_range",
                    field,
                    format!("{field} {year} is outside {MIN_YEAR}..={MAX_YEAR}"),
                ));
            }
        }
        if first_year > last_year {
            return Err(DomainError::invalid(
                "plan.years_in_order",
                "last_year",
                format!(
                    "last_year {last_year} is before first_year {first_year}; a plan spans whole years first_year..=last_year"
                ),
            ));
        }
        if last_year - first_year + 1 > MAX_PLAN_YEARS {
            return Err(DomainError::invalid(
                "plan.span_at_most_ten_years",
                "last_year",
                format!(
                    "{first_year}–{last_year} spans {} years; a plan spans at most {MAX_PLAN_YEARS}",
                    last_year - first_year + 1
                ),
            ));
        }
        Ok(vec![StrategyEvent::PlanDrafted {
            plan,
            title,
            first_year,
            last_year,
        }])
    }

    fn sign_plan(
        &self,
        partnership: &Partnership,
        plan: PlanId,
        revision: u32,
        side: Side,
        signed_on: Date,
        ctx: &DecisionContext,
    ) -> Result<Vec<StrategyEvent>, DomainError> {
        let current = self.live_plan(&plan)?;
        if revision != current.revision {
            let why = if revision < current.revision {
                format!(
                    "revision {revision} of plan {plan} was superseded by revision {}",
                    current.revision
                )
            } else {
                format!(
                    "plan {plan} has no revision {revision} (its current revision is {})",
                    current.revision
                )
            };
            return Err(DomainError::state(
                "plan.sign_current_revision",
                format!("{why}; review and sign revision {}", current.revision),
            )
            .at("revision"));
        }
        if current.status != PlanStatus::Submitted {
            return Err(DomainError::state(
                "plan.sign_only_submitted",
                format!(
                    "plan {plan} is {} at revision {revision}; only a submitted revision can be signed",
                    current.status
                ),
            ));
        }
        if let Some(done) = current.signature_of(side) {
            return Err(DomainError::state(
                "plan.sign_once_per_side",
                format!(
                    "the {side} ({}) already signed revision {revision} of plan {plan} on {}",
                    done.signed_by, done.signed_on
                ),
            ));
        }
        check_date(signed_on, "signed_on", partnership, ctx)?;

        let mut events = vec![StrategyEvent::PlanSigned {
            plan: plan.clone(),
            revision,
            side,
            signed_by: partnership.party(side).clone(),
            signed_on,
        }];
        if current.signature_of(side.other()).is_some() {
            if let Some(other) = self
                .active_plans()
                .find(|p| p.id != current.id && p.overlaps(current))
            {
                return Err(DomainError::state(
                    "plan.one_active_per_period",
                    format!(
                        "plan {plan} ({}–{}) would overlap active plan {} ({}–{}); withdraw or revise {} first, or change the years",
                        current.first_year,
                        current.last_year,
                        other.id,
                        other.first_year,
                        other.last_year,
                        other.id
                    ),
                ));
            }
            events.push(StrategyEvent::PlanActivated { plan, revision });
        }
        Ok(events)
    }

    /// The partnership, which must exist and be in force, and the side the principal acts
    /// as in it. Refused for anyone who is not one of its two parties.
    fn acting_party(
        &self,
        id: &PartnershipId,
        ctx: &DecisionContext,
    ) -> Result<(&Partnership, Side), DomainError> {
        let partnership = self
            .partnership
            .as_ref()
            .ok_or_else(|| partnership_not_found(id))?;
        let side = partnership.view(id).active_side_of(&ctx.principal)?;
        Ok((partnership, side))
    }

    /// The plan, which must exist and not be withdrawn.
    fn live_plan(&self, plan: &PlanId) -> Result<&Plan, DomainError> {
        let current = self.plans.get(plan).ok_or_else(|| {
            DomainError::not_found(
                "plan.must_exist",
                format!("plan {plan} does not exist; draft it first"),
            )
            .at("plan")
        })?;
        if current.status == PlanStatus::Withdrawn {
            return Err(DomainError::state(
                "plan.withdrawn_accepts_nothing",
                format!("plan {plan} was withdrawn and accepts nothing; draft a new plan"),
            ));
        }
        Ok(current)
    }

    fn plan_in_draft(&self, plan: &PlanId, action: &str) -> Result<&Plan, DomainError> {
        let current = self.live_plan(plan)?;
        if current.status != PlanStatus::Draft {
            return Err(DomainError::state(
                "plan.targets_only_in_draft",
                format!(
                    "plan {plan} is {} at revision {}; {action} only in draft (revise the plan to reopen it)",
                    current.status, current.revision
                ),
            ));
        }
        Ok(current)
    }
}

fn terminated(id: &PartnershipId) -> DomainError {
    DomainError::state(
        "partnership.terminated_accepts_nothing",
        format!("partnership {id} is terminated and accepts nothing new"),
    )
}

/// Trims `value` and refuses it if nothing is left.
fn required_text(value: &str, field: &str, rule: &'static str) -> Result<String, DomainError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(DomainError::invalid(
            rule,
            field,
            format!("{field} is empty; write one"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// A business date must not lie in the future (on the partnership's calendar) or before
/// the partnership was signed.
fn check_date(
    date: Date,
    field: &str,
    partnership: &Partnership,
    ctx: &DecisionContext,
) -> Result<(), DomainError> {
    let today = ctx.now.date_in(&partnership.zone());
    let partnership_signed_on = partnership.signed_on;
    if date > today {
        return Err(DomainError::invalid(
            "partnership.date_not_in_future",
            field,
            format!("{field} {date} is after today ({today}); record it once it has happened"),
        ));
    }
    if date < partnership_signed_on {
        return Err(DomainError::invalid(
            "partnership.date_not_before_signing",
            field,
            format!(
                "{field} {date} is before the partnership was signed ({partnership_signed_on})"
            ),
        ));
    }
    Ok(())
}

fn brand_label(brand: Option<&BrandId>) -> String {
    match brand {
        Some(b) => format!("brand {b}"),
        None => "all brands".to_owned(),
    }
}

fn validate_target(
    plan: &Plan,
    target: &Target,
    catalogue: &CatalogueView,
) -> Result<(), DomainError> {
    let period: Period = target.period;
    if !plan.covers(period) {
        return Err(DomainError::invalid(
            "plan.target_period_inside_plan",
            "target.period",
            format!(
                "{period} is outside plan {} ({}–{}); set targets only for periods inside the plan",
                plan.id, plan.first_year, plan.last_year
            ),
        ));
    }
    if let Some(brand) = &target.brand
        && !catalogue.has_brand(brand)
    {
        let known: Vec<&str> = catalogue.brands().map(BrandId::as_str).collect();
        let known = if known.is_empty() {
            "none is registered yet".to_owned()
        } else {
            format!("registered: {}", known.join(", "))
        };
        return Err(DomainError::invalid(
            "plan.target_brand_in_portfolio",
            "target.brand",
            format!(
                "brand {brand} is not in the partnership's portfolio ({known}); register it first or target all brands"
            ),
        ));
    }
    if target.volume.is_none() && target.revenue.is_none() && target.volume_share.is_none() {
        return Err(DomainError::invalid(
            "plan.target_has_a_figure",
            "target",
            format!(
                "the target for {} in {period} sets no figure; set volume, revenue or volume_share",
                brand_label(target.brand.as_ref())
            ),
        ));
    }
    let negative = [
        (
            "target.volume",
            target.volume.is_some_and(|v| v.is_negative()),
        ),
        (
            "target.revenue",
            target.revenue.is_some_and(|v| v.is_negative()),
        ),
        (
            "target.volume_share",
            target.volume_share.is_some_and(|v| v.is_negative()),
        ),
    ];
    if let Some((field, _)) = negative.into_iter().find(|(_, neg)| *neg) {
        return Err(DomainError::invalid(
            "plan.target_figures_non_negative",
            field,
            format!("{field} is negative; targets are zero or more"),
        ));
    }
    if let Some(share) = target.volume_share
        && share.units() > FULL_SHARE
    {
        return Err(DomainError::invalid(
            "plan.target_share_at_most_100",
            "target.volume_share",
            format!("target.volume_share {share} % is above 100 %; a share is at most 100.00"),
        ));
    }
    Ok(())
}
