//! `Campaign::decide`: a dispatch to one function per command. The checks the commands
//! share are in [`super::guards`].

use synergy_domain::{CatalogueView, DecisionContext, DomainError};
use synergy_proto::events::marketing::{CampaignOutcome, MarketingEvent};
use synergy_proto::{
    BrandId, CampaignId, Cases, Date, OutletId, Side, SkuId, TaskId, YearMonth, Yuan,
};

use super::guards::{Acting, required_text};
use super::{Campaign, CampaignPlan, Lifecycle, MAX_PROMISE_MONTHS, MAX_REASON_CHARS};
use crate::command::Command;

/// What a decision returns: the events to record, or the refusal.
type Decision = Result<Vec<MarketingEvent>, DomainError>;

impl Campaign {
    /// Decides `command` against this state. Pure: the clock, the principal and the
    /// partnership and catalogue read models come from `ctx`.
    pub fn decide(&self, command: Command, ctx: &DecisionContext) -> Decision {
        let acting = Acting::of(&command, ctx)?;
        match command {
            Command::PlanCampaign {
                campaign,
                title,
                brand,
                skus,
                starts_on,
                ends_on,
                activity_plan,
                ..
            } => {
                let plan = CampaignPlan {
                    title,
                    brand,
                    skus,
                    starts_on,
                    ends_on,
                    activity_plan,
                };
                self.plan_campaign(campaign, plan, &acting)
            }
            Command::AssignTask {
                campaign,
                task,
                title,
                side,
                due_on,
                ..
            } => self.assign_task(campaign, task, &title, side, due_on, &acting),
            Command::CompleteTask {
                campaign,
                task,
                completed_on,
                note,
                ..
            } => self.complete_task(campaign, task, completed_on, note, &acting),
            Command::DispatchMaterials {
                campaign,
                material,
                quantity,
                dispatched_on,
                ..
            } => self.dispatch_materials(campaign, &material, quantity, dispatched_on, &acting),
            Command::ReceiveMaterials {
                campaign,
                material,
                quantity,
                received_on,
                ..
            } => self.receive_materials(campaign, &material, quantity, received_on, &acting),
            Command::SelectOutlets {
                campaign, outlets, ..
            } => self.select_outlets(campaign, outlets, &acting),
            Command::CheckRetailPrice {
                campaign,
                sku,
                outlet,
                observed_price,
                checked_on,
                ..
            } => {
                self.check_retail_price(campaign, sku, outlet, observed_price, checked_on, &acting)
            }
            Command::AllocateSupply {
                campaign,
                sku,
                volume,
                allocated_on,
                ..
            } => self.allocate_supply(campaign, sku, volume, allocated_on, &acting),
            Command::LaunchCampaign {
                campaign,
                launched_on,
                ..
            } => self.launch_campaign(campaign, launched_on, &acting),
            Command::CloseCampaign {
                campaign,
                closed_on,
                outcome,
                summary,
                ..
            } => self.close_campaign(campaign, closed_on, outcome, summary, &acting),
            Command::PromiseUplift {
                campaign,
                skus,
                first_month,
                last_month,
                uplift,
                reason,
                ..
            } => {
                let promise = Promise {
                    skus,
                    first_month,
                    last_month,
                    uplift,
                };
                self.promise_uplift(campaign, promise, &reason, &acting)
            }
        }
    }

    /// Manufacturer: plan the campaign with its activity plan (活動方案).
    fn plan_campaign(&self, campaign: CampaignId, plan: CampaignPlan, acting: &Acting) -> Decision {
        acting.require(
            Side::Manufacturer,
            "campaign.plan_by_manufacturer",
            "planning a campaign (活動方案)",
        )?;
        if self.lifecycle != Lifecycle::Unplanned {
            return Err(DomainError::state(
                "campaign.planned_once",
                format!(
                    "campaign {campaign} is already planned ({}); use a new campaign id",
                    self.lifecycle.as_str()
                ),
            ));
        }
        let title = required_text("campaign.title_given", "title", &plan.title, "the title")?;
        required_text(
            "campaign.activity_plan_given",
            "activity_plan",
            &plan.activity_plan,
            "the activity plan (活動方案)",
        )?;
        let catalogue = &acting.ctx.catalogue;
        if !catalogue.has_brand(&plan.brand) {
            return Err(DomainError::not_found(
                "campaign.brand_in_catalogue",
                format!(
                    "brand {} has no SKU registered in this partnership's catalogue; register it first",
                    plan.brand
                ),
            )
            .at("brand"));
        }
        require_skus_of_brand(&plan.brand, &plan.skus, catalogue)?;
        let (starts_on, ends_on) = (plan.starts_on, plan.ends_on);
        if starts_on > ends_on {
            return Err(DomainError::invalid(
                "campaign.starts_before_it_ends",
                "ends_on",
                format!("the campaign ends on {ends_on}, before it starts on {starts_on}"),
            ));
        }
        Ok(vec![MarketingEvent::CampaignPlanned {
            campaign,
            title: title.to_owned(),
            brand: plan.brand,
            skus: plan.skus,
            starts_on,
            ends_on,
            activity_plan: plan.activity_plan,
        }])
    }

    /// Give a task to one side: the manufacturer to either, the distributor only to itself.
    fn assign_task(
        &self,
        campaign: CampaignId,
        task: TaskId,
        title: &str,
        side: Side,
        due_on: Date,
        acting: &Acting,
    ) -> Decision {
        self.require_open(&campaign)?;
        if acting.side == Side::Distributor && side == Side::Manufacturer {
            return Err(DomainError::forbidden(
                "campaign.distributor_assigns_own_tasks",
                format!(
                    "the distributor divides up its own execution (分工執行) but cannot give the manufacturer work; {} may assign tasks only to the distributor",
                    acting.ctx.principal.org
                ),
            )
            .at("side"));
        }
        let title = required_text(
            "campaign.task_title_given",
            "title",
            title,
            "the task title",
        )?
        .to_owned();
        if let Some(existing) = self.tasks.get(&task) {
            if existing.title == title && existing.side == side && existing.due_on == due_on {
                // The same assignment again is a retry, not a second task.
                return Ok(vec![]);
            }
            return Err(DomainError::state(
                "campaign.task_assigned_once",
                format!(
                    "task {task} is already assigned to the {} ({:?}, due {}); use a new task id",
                    existing.side, existing.title, existing.due_on
                ),
            )
            .at("task"));
        }
        Ok(vec![MarketingEvent::CampaignTaskAssigned {
            campaign,
            task,
            title,
            side,
            due_on,
        }])
    }

    /// The side the task was assigned to marks it done, once.
    fn complete_task(
        &self,
        campaign: CampaignId,
        task: TaskId,
        completed_on: Date,
        note: String,
        acting: &Acting,
    ) -> Decision {
        self.require_open(&campaign)?;
        let existing = self.require_task(&campaign, &task)?;
        acting.require(
            existing.side,
            "campaign.task_completed_by_assignee",
            &format!("completing task {task}"),
        )?;
        if let Some(done) = &existing.completion {
            return Err(DomainError::state(
                "campaign.task_completed_once",
                format!("task {task} was already completed on {}", done.completed_on),
            )
            .at("task"));
        }
        acting.not_in_future("completed_on", completed_on)?;
        Ok(vec![MarketingEvent::CampaignTaskCompleted {
            campaign,
            task,
            completed_on,
            note,
        }])
    }

    /// Manufacturer: ship promotional materials (宣傳物料).
    fn dispatch_materials(
        &self,
        campaign: CampaignId,
        material: &str,
        quantity: u64,
        dispatched_on: Date,
        acting: &Acting,
    ) -> Decision {
        self.require_open(&campaign)?;
        acting.require(
            Side::Manufacturer,
            "campaign.dispatch_by_manufacturer",
            "dispatching promotional materials (宣傳物料)",
        )?;
        let (material, flow) = self.material_flow(material, quantity, "dispatch")?;
        if flow.dispatched.checked_add(quantity).is_none() {
            return Err(DomainError::invalid(
                "campaign.material_quantity_overflow",
                "quantity",
                format!("{quantity} more {material} would overflow the dispatched total"),
            ));
        }
        acting.not_in_future("dispatched_on", dispatched_on)?;
        Ok(vec![MarketingEvent::MaterialsDispatched {
            campaign,
            material,
            quantity,
            dispatched_on,
        }])
    }

    /// Distributor: confirm receipt of materials, never more than was dispatched.
    fn receive_materials(
        &self,
        campaign: CampaignId,
        material: &str,
        quantity: u64,
        received_on: Date,
        acting: &Acting,
    ) -> Decision {
        self.require_open(&campaign)?;
        acting.require(
            Side::Distributor,
            "campaign.receipt_by_distributor",
            "confirming receipt of materials",
        )?;
        let (material, flow) = self.material_flow(material, quantity, "receive")?;
        let within = flow
            .received
            .checked_add(quantity)
            .is_some_and(|total| total <= flow.dispatched);
        if !within {
            return Err(DomainError::invalid(
                "campaign.received_within_dispatched",
                "quantity",
                format!(
                    "receiving {quantity} {material} would exceed what was dispatched: {} dispatched, {} already received, so at most {} more",
                    flow.dispatched,
                    flow.received,
                    flow.outstanding()
                ),
            ));
        }
        acting.not_in_future("received_on", received_on)?;
        Ok(vec![MarketingEvent::MaterialsReceived {
            campaign,
            material,
            quantity,
            received_on,
        }])
    }

    /// Distributor: add retail outlets (零售終端布點); those already selected are skipped.
    fn select_outlets(
        &self,
        campaign: CampaignId,
        outlets: Vec<OutletId>,
        acting: &Acting,
    ) -> Decision {
        self.require_open(&campaign)?;
        acting.require(
            Side::Distributor,
            "campaign.outlets_by_distributor",
            "selecting retail outlets (零售終端布點)",
        )?;
        if outlets.is_empty() {
            return Err(DomainError::invalid(
                "campaign.outlets_given",
                "outlets",
                "list at least one retail outlet",
            ));
        }
        let mut fresh: Vec<OutletId> = Vec::new();
        for (i, outlet) in outlets.into_iter().enumerate() {
            if fresh.contains(&outlet) {
                return Err(DomainError::invalid(
                    "campaign.outlets_distinct",
                    format!("outlets[{i}]"),
                    format!("outlet {outlet} is listed twice"),
                ));
            }
            if !self.outlets.contains(&outlet) {
                fresh.push(outlet);
            }
        }
        if fresh.is_empty() {
            return Ok(vec![]);
        }
        Ok(vec![MarketingEvent::OutletsSelected {
            campaign,
            outlets: fresh,
        }])
    }

    /// Manufacturer: record a retail price observed at an outlet (監控零售價格) against the
    /// catalogue's guide price.
    fn check_retail_price(
        &self,
        campaign: CampaignId,
        sku: SkuId,
        outlet: OutletId,
        observed_price: Yuan,
        checked_on: Date,
        acting: &Acting,
    ) -> Decision {
        self.require_open(&campaign)?;
        acting.require(
            Side::Manufacturer,
            "campaign.price_check_by_manufacturer",
            "monitoring retail prices (監控零售價格)",
        )?;
        // Prices are monitored on the shelves; before launch there is nothing to see.
        if self.lifecycle != Lifecycle::Launched {
            return Err(DomainError::state(
                "campaign.price_checks_after_launch",
                format!(
                    "campaign {campaign} has not launched yet; check retail prices once it is in the market"
                ),
            ));
        }
        self.require_campaign_sku(&campaign, &sku)?;
        let view = acting.catalogue_sku(&sku)?;
        if observed_price.units() <= 0 {
            return Err(DomainError::invalid(
                "campaign.observed_price_positive",
                "observed_price",
                format!("an observed retail price must be above zero, not {observed_price}"),
            ));
        }
        acting.not_in_future("checked_on", checked_on)?;
        Ok(vec![MarketingEvent::RetailPriceChecked {
            campaign,
            sku,
            outlet,
            observed_price,
            guide_price: view.guide_price,
            checked_on,
        }])
    }

    /// Distributor: secure supply of a campaign SKU for the retailers (貨源供應).
    fn allocate_supply(
        &self,
        campaign: CampaignId,
        sku: SkuId,
        volume: Cases,
        allocated_on: Date,
        acting: &Acting,
    ) -> Decision {
        self.require_open(&campaign)?;
        acting.require(
            Side::Distributor,
            "campaign.supply_by_distributor",
            "allocating supply to retailers (貨源供應)",
        )?;
        self.require_campaign_sku(&campaign, &sku)?;
        if volume.units() <= 0 {
            return Err(DomainError::invalid(
                "campaign.supply_volume_positive",
                "volume",
                format!("allocate a volume above zero cases, not {volume}"),
            ));
        }
        let so_far = self.supply.get(&sku).copied().unwrap_or_default();
        if so_far.checked_add(volume).is_none() {
            return Err(DomainError::invalid(
                "campaign.supply_volume_overflow",
                "volume",
                format!("{volume} more cases of {sku} would overflow the allocated total"),
            ));
        }
        acting.not_in_future("allocated_on", allocated_on)?;
        Ok(vec![MarketingEvent::SupplyAllocated {
            campaign,
            sku,
            volume,
            allocated_on,
        }])
    }

    /// Distributor: start executing the planned campaign in the market.
    fn launch_campaign(
        &self,
        campaign: CampaignId,
        launched_on: Date,
        acting: &Acting,
    ) -> Decision {
        self.require_open(&campaign)?;
        // The seed: 紅云提供活動方案, 煙草公司分工執行 — execution is the distributor's.
        acting.require(
            Side::Distributor,
            "campaign.launch_by_distributor",
            "launching (executing) a campaign",
        )?;
        if self.lifecycle != Lifecycle::Planned {
            return Err(DomainError::state(
                "campaign.launch_only_when_planned",
                format!(
                    "campaign {campaign} is {} and can launch only once, from planned",
                    self.lifecycle.as_str()
                ),
            ));
        }
        if self.outlets.is_empty() {
            return Err(DomainError::state(
                "campaign.launch_needs_outlets",
                format!(
                    "campaign {campaign} has no retail outlets selected; select outlets (零售終端布點) before launching"
                ),
            ));
        }
        acting.not_in_future("launched_on", launched_on)?;
        Ok(vec![MarketingEvent::CampaignLaunched {
            campaign,
            launched_on,
        }])
    }

    /// Either party: close the campaign with its outcome and a summary.
    fn close_campaign(
        &self,
        campaign: CampaignId,
        closed_on: Date,
        outcome: CampaignOutcome,
        summary: String,
        acting: &Acting,
    ) -> Decision {
        // Either party may close: the outcome is the joint review's verdict, and
        // `Acting::of` already admitted only parties.
        self.require_open(&campaign)?;
        required_text(
            "campaign.summary_given",
            "summary",
            &summary,
            "the closing summary",
        )?;
        if self.lifecycle == Lifecycle::Planned && outcome != CampaignOutcome::Cancelled {
            return Err(DomainError::invalid(
                "campaign.unlaunched_closes_cancelled",
                "outcome",
                format!(
                    "campaign {campaign} never launched, so it can only close as Cancelled, not {outcome:?}"
                ),
            ));
        }
        if let Some(launched_on) = self.launched_on
            && closed_on < launched_on
        {
            return Err(DomainError::invalid(
                "campaign.closes_after_launch",
                "closed_on",
                format!(
                    "campaign {campaign} launched on {launched_on}; it cannot close earlier, on {closed_on}"
                ),
            ));
        }
        acting.not_in_future("closed_on", closed_on)?;
        Ok(vec![MarketingEvent::CampaignClosed {
            campaign,
            closed_on,
            outcome,
            summary,
        }])
    }
}

/// The terms of an uplift promise as the command states them.
struct Promise {
    skus: Vec<SkuId>,
    first_month: YearMonth,
    last_month: YearMonth,
    uplift: Cases,
}

impl Campaign {
    /// Manufacturer: promise the value the campaign creates (創值銷售: a sale is done only
    /// when the promised benefit is real). The seller promises its customer; the distributor,
    /// to whom the value is promised, judges it at the review rather than setting it.
    fn promise_uplift(
        &self,
        campaign: CampaignId,
        promise: Promise,
        reason: &str,
        acting: &Acting,
    ) -> Decision {
        self.require_open(&campaign)?;
        acting.require(
            Side::Manufacturer,
            "campaign.promise_by_manufacturer",
            "promising the value a campaign creates (創值)",
        )?;
        let Promise {
            skus,
            first_month,
            last_month,
            uplift,
        } = promise;
        self.require_promised_skus(&campaign, &skus)?;
        self.require_promised_months(&campaign, first_month, last_month)?;
        if uplift.units() <= 0 {
            return Err(DomainError::invalid(
                "campaign.promise_uplift_positive",
                "uplift_cases",
                format!("promise an uplift above zero cases, not {uplift}"),
            ));
        }
        let reason = reason.trim();
        let length = reason.chars().count();
        if length > MAX_REASON_CHARS {
            return Err(DomainError::invalid(
                "campaign.promise_reason_bounded",
                "reason",
                format!(
                    "the reason has {length} characters; keep it to {MAX_REASON_CHARS} at most"
                ),
            ));
        }
        if let Some(current) = &self.promise {
            if current.same_terms(&skus, first_month, last_month, uplift) {
                // The same promise again is a retry, not a replacement.
                return Ok(vec![]);
            }
            if reason.is_empty() {
                return Err(DomainError::invalid(
                    "campaign.promise_reason_given",
                    "reason",
                    format!(
                        "campaign {campaign} already promises {} cases over {} … {}; say why the promise changes",
                        current.uplift, current.first_month, current.last_month
                    ),
                ));
            }
            // A promise is changed only before it is put to the test: once its months (or
            // the new one's) have begun, results are coming in and the promise stands.
            let today = acting.ctx.today();
            let begun = current.first_month.min(first_month);
            if today >= begun.first_day() {
                return Err(DomainError::state(
                    "campaign.promise_fixed_once_under_way",
                    format!(
                        "campaign {campaign}'s promise runs from {} and a replacement from {first_month}; {begun} has begun (today is {today}), so the promise stands and is judged as made",
                        current.first_month
                    ),
                )
                .at("first_month"));
            }
        }
        Ok(vec![MarketingEvent::UpliftPromised {
            campaign,
            skus,
            first_month,
            last_month,
            uplift,
            reason: (!reason.is_empty()).then(|| reason.to_owned()),
        }])
    }

    /// A promise's SKUs: at least one, each once, each one the campaign promotes.
    fn require_promised_skus(
        &self,
        campaign: &CampaignId,
        skus: &[SkuId],
    ) -> Result<(), DomainError> {
        if skus.is_empty() {
            return Err(DomainError::invalid(
                "campaign.promise_skus_given",
                "skus",
                "name the SKUs whose volume the campaign lifts",
            ));
        }
        let planned = self.plan.as_ref().map_or(&[][..], |p| &p.skus[..]);
        for (i, sku) in skus.iter().enumerate() {
            let field = format!("skus[{i}]");
            if skus[..i].contains(sku) {
                return Err(DomainError::invalid(
                    "campaign.promise_skus_distinct",
                    field,
                    format!("SKU {sku} is listed twice"),
                ));
            }
            if !planned.contains(sku) {
                let listed: Vec<&str> = planned.iter().map(SkuId::as_str).collect();
                return Err(DomainError::invalid(
                    "campaign.promise_sku_of_campaign",
                    field,
                    format!(
                        "SKU {sku} is not part of campaign {campaign}; its SKUs are {}",
                        listed.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// A promise's months: in order, beginning in a month the campaign runs in (a promise
    /// may run on after the campaign ends: a launch's effect outlasts its displays), and at
    /// most [`MAX_PROMISE_MONTHS`] long.
    fn require_promised_months(
        &self,
        campaign: &CampaignId,
        first: YearMonth,
        last: YearMonth,
    ) -> Result<(), DomainError> {
        if last < first {
            return Err(DomainError::invalid(
                "campaign.promise_months_in_order",
                "last_month",
                format!("the promise ends in {last}, before it begins in {first}"),
            ));
        }
        if let Some(plan) = &self.plan {
            let (starts, ends) = (plan.starts_on.year_month(), plan.ends_on.year_month());
            if first < starts || first > ends {
                return Err(DomainError::invalid(
                    "campaign.promise_months_outside",
                    "first_month",
                    format!(
                        "campaign {campaign} runs {} … {}; a promise of its value begins in one of its months ({starts} … {ends}), not in {first}",
                        plan.starts_on, plan.ends_on
                    ),
                ));
            }
        }
        let months = first.months_until(last) + 1;
        if months > MAX_PROMISE_MONTHS {
            return Err(DomainError::invalid(
                "campaign.promise_months_at_most_twelve",
                "last_month",
                format!(
                    "{first} … {last} is {months} months; a promise spans at most {MAX_PROMISE_MONTHS}, so that its baseline (the same months a year earlier) lies before it"
                ),
            ));
        }
        Ok(())
    }
}

/// A plan's SKUs: at least one, each once, each registered under the campaign's brand.
fn require_skus_of_brand(
    brand: &BrandId,
    skus: &[SkuId],
    catalogue: &CatalogueView,
) -> Result<(), DomainError> {
    if skus.is_empty() {
        return Err(DomainError::invalid(
            "campaign.skus_given",
            "skus",
            "a campaign promotes at least one SKU; list them",
        ));
    }
    for (i, sku) in skus.iter().enumerate() {
        let field = format!("skus[{i}]");
        if skus[..i].contains(sku) {
            return Err(DomainError::invalid(
                "campaign.skus_distinct",
                field,
                format!("SKU {sku} is listed twice"),
            ));
        }
        match catalogue.skus.get(sku) {
            None => {
                return Err(DomainError::not_found(
                    "campaign.sku_of_brand",
                    format!("SKU {sku} is not registered; register it under brand {brand} first"),
                )
                .at(field));
            }
            Some(view) if view.brand != *brand => {
                return Err(DomainError::invalid(
                    "campaign.sku_of_brand",
                    field,
                    format!(
                        "SKU {sku} belongs to brand {}, not to the campaign's brand {brand}",
                        view.brand
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}
