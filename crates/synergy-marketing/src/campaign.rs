//! The campaign aggregate: one per campaign, planned → launched → closed, holding who was
//! given which task and what each side has done for the campaign.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use synergy_domain::{DecisionContext, DomainError};
use synergy_proto::events::marketing::{CampaignOutcome, MarketingEvent};
use synergy_proto::{
    BrandId, CampaignId, Cases, Date, OutletId, Percent, Side, SkuId, TaskId, Yuan,
};

use crate::command::Command;

/// A retail price within this many percent of the guide price counts as compliant
/// (`docs/kpis.md`, `price_compliance_pct`: "within ±5 % of guide").
pub const PRICE_TOLERANCE_PCT: i128 = 5;

/// Where a campaign is in its life.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lifecycle {
    /// Nothing recorded yet: the campaign does not exist.
    #[default]
    Unplanned,
    Planned,
    Launched,
    Closed,
}

impl Lifecycle {
    pub fn as_str(self) -> &'static str {
        match self {
            Lifecycle::Unplanned => "unplanned",
            Lifecycle::Planned => "planned",
            Lifecycle::Launched => "launched",
            Lifecycle::Closed => "closed",
        }
    }
}

/// What the manufacturer planned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignPlan {
    pub title: String,
    pub brand: BrandId,
    pub skus: Vec<SkuId>,
    pub starts_on: Date,
    pub ends_on: Date,
    pub activity_plan: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskCompletion {
    pub completed_on: Date,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignTask {
    pub title: String,
    pub side: Side,
    pub due_on: Date,
    pub completion: Option<TaskCompletion>,
}

impl CampaignTask {
    pub fn is_done(&self) -> bool {
        self.completion.is_some()
    }
}

/// Running totals of one material: what the manufacturer shipped and the distributor
/// confirmed. `received ≤ dispatched` always holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialFlow {
    pub dispatched: u64,
    pub received: u64,
}

impl MaterialFlow {
    /// Shipped but not (yet) confirmed as received.
    pub fn outstanding(&self) -> u64 {
        self.dispatched.saturating_sub(self.received)
    }
}

/// One retail price observation against the SKU's guide price at the time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceCheck {
    pub sku: SkuId,
    pub outlet: OutletId,
    pub observed_price: Yuan,
    pub guide_price: Yuan,
    pub checked_on: Date,
}

impl PriceCheck {
    /// Observed minus guide (negative: sold below guide).
    pub fn deviation(&self) -> Yuan {
        Yuan::from_units(
            self.observed_price
                .units()
                .saturating_sub(self.guide_price.units()),
        )
    }

    /// Whether the observed price lies within ±[`PRICE_TOLERANCE_PCT`] % of the guide,
    /// bounds included. Exact: |observed − guide| × 100 ≤ 5 × guide, in i128.
    pub fn within_tolerance(&self) -> bool {
        let observed = i128::from(self.observed_price.units());
        let guide = i128::from(self.guide_price.units());
        (observed - guide).abs() * 100 <= PRICE_TOLERANCE_PCT * guide
    }
}

/// How the campaign ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    pub closed_on: Date,
    pub outcome: CampaignOutcome,
    pub summary: String,
}

/// `part ÷ whole × 100`, rounded half away from zero to a hundredth of a point; `None`
/// when `whole` is zero (`docs/kpis.md`: a KPI without a denominator is null, never 0).
pub fn ratio_pct(part: u64, whole: u64) -> Option<Percent> {
    if whole == 0 {
        return None;
    }
    // Percent counts hundredths of a point, so the ratio is scaled by 100 × 100.
    let scaled = u128::from(part) * 10_000;
    let whole = u128::from(whole);
    let rounded = (scaled * 2 + whole) / (whole * 2);
    i64::try_from(rounded).ok().map(Percent::from_units)
}

/// The folded state of one campaign.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Campaign {
    id: Option<CampaignId>,
    lifecycle: Lifecycle,
    plan: Option<CampaignPlan>,
    launched_on: Option<Date>,
    closure: Option<Closure>,
    tasks: BTreeMap<TaskId, CampaignTask>,
    materials: BTreeMap<String, MaterialFlow>,
    outlets: BTreeSet<OutletId>,
    price_checks: Vec<PriceCheck>,
    supply: BTreeMap<SkuId, Cases>,
}

// Read accessors: the evaluation service and the CLI read campaigns through these.
impl Campaign {
    /// Folds a campaign's events, oldest first.
    pub fn from_history<'a>(history: impl IntoIterator<Item = &'a MarketingEvent>) -> Self {
        history.into_iter().fold(Self::default(), Self::evolve)
    }

    pub fn id(&self) -> Option<&CampaignId> {
        self.id.as_ref()
    }
    pub fn lifecycle(&self) -> Lifecycle {
        self.lifecycle
    }
    pub fn plan(&self) -> Option<&CampaignPlan> {
        self.plan.as_ref()
    }
    pub fn launched_on(&self) -> Option<Date> {
        self.launched_on
    }
    pub fn closure(&self) -> Option<&Closure> {
        self.closure.as_ref()
    }
    pub fn tasks(&self) -> &BTreeMap<TaskId, CampaignTask> {
        &self.tasks
    }
    pub fn materials(&self) -> &BTreeMap<String, MaterialFlow> {
        &self.materials
    }
    pub fn outlets(&self) -> &BTreeSet<OutletId> {
        &self.outlets
    }
    pub fn price_checks(&self) -> &[PriceCheck] {
        &self.price_checks
    }
    /// Total volume allocated per campaign SKU.
    pub fn supply(&self) -> &BTreeMap<SkuId, Cases> {
        &self.supply
    }

    /// (tasks done, tasks assigned), optionally only those of one side. Exposed as counts
    /// so evaluation can sum them across campaigns before taking the ratio.
    pub fn task_counts(&self, side: Option<Side>) -> (u64, u64) {
        let tasks = self
            .tasks
            .values()
            .filter(|t| side.is_none_or(|s| t.side == s));
        let (done, total) = tasks.fold((0u64, 0u64), |(d, n), t| {
            (d + u64::from(t.is_done()), n + 1)
        });
        (done, total)
    }

    /// `campaign_tasks_done_pct` for this campaign; `None` when no task was assigned.
    pub fn campaign_tasks_done_pct(&self) -> Option<Percent> {
        let (done, total) = self.task_counts(None);
        ratio_pct(done, total)
    }

    /// (checks within tolerance, all checks).
    pub fn price_check_counts(&self) -> (u64, u64) {
        self.price_checks.iter().fold((0, 0), |(w, n), c| {
            (w + u64::from(c.within_tolerance()), n + 1)
        })
    }

    /// `price_compliance_pct` for this campaign; `None` when no price was checked.
    pub fn price_compliance_pct(&self) -> Option<Percent> {
        let (within, total) = self.price_check_counts();
        ratio_pct(within, total)
    }
}

/// A validated, trimmed material name (the key materials are counted by).
fn material_name(raw: &str) -> Result<String, DomainError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(DomainError::invalid(
            "campaign.material_named",
            "material",
            "name the material (e.g. posters, shelf talkers); it is empty",
        ));
    }
    Ok(name.to_owned())
}

fn non_empty(rule: &'static str, field: &str, value: &str, what: &str) -> Result<(), DomainError> {
    if value.trim().is_empty() {
        Err(DomainError::invalid(
            rule,
            field,
            format!("{what} is empty; write it out"),
        ))
    } else {
        Ok(())
    }
}

/// Business dates are reported after the fact; one in the future is a typo.
fn not_in_future(field: &str, date: Date, ctx: &DecisionContext) -> Result<(), DomainError> {
    let today = ctx.today();
    if date > today {
        Err(DomainError::invalid(
            "campaign.date_not_in_future",
            field,
            format!("{field} {date} is after today ({today}); record things once they happened"),
        ))
    } else {
        Ok(())
    }
}

impl Campaign {
    /// The campaign must exist and still be open.
    fn require_open(&self, campaign: &CampaignId) -> Result<(), DomainError> {
        match self.lifecycle {
            Lifecycle::Unplanned => Err(DomainError::not_found(
                "campaign.must_exist",
                format!(
                    "campaign {campaign} has not been planned; the manufacturer plans it first"
                ),
            )),
            Lifecycle::Closed => Err(DomainError::state(
                "campaign.closed_accepts_nothing",
                format!("campaign {campaign} is closed; nothing about it can change any more"),
            )),
            Lifecycle::Planned | Lifecycle::Launched => Ok(()),
        }
    }

    /// The SKU must be one the campaign was planned for.
    fn require_campaign_sku(&self, campaign: &CampaignId, sku: &SkuId) -> Result<(), DomainError> {
        let skus = self.plan.as_ref().map_or(&[][..], |p| &p.skus[..]);
        if skus.contains(sku) {
            Ok(())
        } else {
            let listed: Vec<&str> = skus.iter().map(SkuId::as_str).collect();
            Err(DomainError::invalid(
                "campaign.sku_of_campaign",
                "sku",
                format!(
                    "SKU {sku} is not part of campaign {campaign}; its SKUs are {}",
                    listed.join(", ")
                ),
            ))
        }
    }

    /// Decides `command` against this state. Pure: the clock, the principal and the
    /// partnership and catalogue read models come from `ctx`.
    pub fn decide(
        &self,
        command: Command,
        ctx: &DecisionContext,
    ) -> Result<Vec<MarketingEvent>, DomainError> {
        let partnership = ctx.partnership(command.partnership())?;
        if &partnership.id != command.partnership() {
            return Err(DomainError::not_found(
                "partnership.must_exist",
                format!(
                    "the command is for partnership {} but partnership {} was loaded",
                    command.partnership(),
                    partnership.id
                ),
            ));
        }
        let principal = &ctx.principal;
        // Every command needs a party of a partnership still in force, whoever's task it is.
        let acting = partnership.active_side_of(principal)?;

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
                partnership.require_side(
                    principal,
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
                non_empty("campaign.title_given", "title", &title, "the title")?;
                non_empty(
                    "campaign.activity_plan_given",
                    "activity_plan",
                    &activity_plan,
                    "the activity plan (活動方案)",
                )?;
                if !ctx.catalogue.has_brand(&brand) {
                    return Err(DomainError::not_found(
                        "campaign.brand_in_catalogue",
                        format!("brand {brand} has no SKU registered in this partnership's catalogue; register it first"),
                    )
                    .at("brand"));
                }
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
                    match ctx.catalogue.skus.get(sku) {
                        None => {
                            return Err(DomainError::not_found(
                                "campaign.sku_of_brand",
                                format!("SKU {sku} is not registered; register it under brand {brand} first"),
                            )
                            .at(field));
                        }
                        Some(view) if view.brand != brand => {
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
                if starts_on > ends_on {
                    return Err(DomainError::invalid(
                        "campaign.starts_before_it_ends",
                        "ends_on",
                        format!("the campaign ends on {ends_on}, before it starts on {starts_on}"),
                    ));
                }
                Ok(vec![MarketingEvent::CampaignPlanned {
                    campaign,
                    title: title.trim().to_owned(),
                    brand,
                    skus,
                    starts_on,
                    ends_on,
                    activity_plan,
                }])
            }

            Command::AssignTask {
                campaign,
                task,
                title,
                side,
                due_on,
                ..
            } => {
                self.require_open(&campaign)?;
                if acting == Side::Distributor && side == Side::Manufacturer {
                    return Err(DomainError::forbidden(
                        "campaign.distributor_assigns_own_tasks",
                        format!(
                            "the distributor divides up its own execution (分工執行) but cannot give the manufacturer work; {} may assign tasks only to the distributor",
                            principal.org
                        ),
                    )
                    .at("side"));
                }
                non_empty(
                    "campaign.task_title_given",
                    "title",
                    &title,
                    "the task title",
                )?;
                let title = title.trim().to_owned();
                if let Some(existing) = self.tasks.get(&task) {
                    if existing.title == title && existing.side == side && existing.due_on == due_on
                    {
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

            Command::CompleteTask {
                campaign,
                task,
                completed_on,
                note,
                ..
            } => {
                self.require_open(&campaign)?;
                let Some(existing) = self.tasks.get(&task) else {
                    return Err(DomainError::not_found(
                        "campaign.task_must_exist",
                        format!("campaign {campaign} has no task {task}; assign it first"),
                    )
                    .at("task"));
                };
                partnership.require_side(
                    principal,
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
                not_in_future("completed_on", completed_on, ctx)?;
                Ok(vec![MarketingEvent::CampaignTaskCompleted {
                    campaign,
                    task,
                    completed_on,
                    note,
                }])
            }

            Command::DispatchMaterials {
                campaign,
                material,
                quantity,
                dispatched_on,
                ..
            } => {
                self.require_open(&campaign)?;
                partnership.require_side(
                    principal,
                    Side::Manufacturer,
                    "campaign.dispatch_by_manufacturer",
                    "dispatching promotional materials (宣傳物料)",
                )?;
                let material = material_name(&material)?;
                if quantity == 0 {
                    return Err(DomainError::invalid(
                        "campaign.material_quantity_positive",
                        "quantity",
                        "dispatch at least one piece",
                    ));
                }
                let flow = self.materials.get(&material).copied().unwrap_or_default();
                if flow.dispatched.checked_add(quantity).is_none() {
                    return Err(DomainError::invalid(
                        "campaign.material_quantity_overflow",
                        "quantity",
                        format!("{quantity} more {material} would overflow the dispatched total"),
                    ));
                }
                not_in_future("dispatched_on", dispatched_on, ctx)?;
                Ok(vec![MarketingEvent::MaterialsDispatched {
                    campaign,
                    material,
                    quantity,
                    dispatched_on,
                }])
            }

            Command::ReceiveMaterials {
                campaign,
                material,
                quantity,
                received_on,
                ..
            } => {
                self.require_open(&campaign)?;
                partnership.require_side(
                    principal,
                    Side::Distributor,
                    "campaign.receipt_by_distributor",
                    "confirming receipt of materials",
                )?;
                let material = material_name(&material)?;
                if quantity == 0 {
                    return Err(DomainError::invalid(
                        "campaign.material_quantity_positive",
                        "quantity",
                        "receive at least one piece",
                    ));
                }
                let flow = self.materials.get(&material).copied().unwrap_or_default();
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
                not_in_future("received_on", received_on, ctx)?;
                Ok(vec![MarketingEvent::MaterialsReceived {
                    campaign,
                    material,
                    quantity,
                    received_on,
                }])
            }

            Command::SelectOutlets {
                campaign, outlets, ..
            } => {
                self.require_open(&campaign)?;
                partnership.require_side(
                    principal,
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

            Command::CheckRetailPrice {
                campaign,
                sku,
                outlet,
                observed_price,
                checked_on,
                ..
            } => {
                self.require_open(&campaign)?;
                partnership.require_side(
                    principal,
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
                let Some(view) = ctx.catalogue.skus.get(&sku) else {
                    return Err(DomainError::not_found(
                        "campaign.sku_in_catalogue",
                        format!("SKU {sku} is no longer in the catalogue, so it has no guide price to compare with"),
                    )
                    .at("sku"));
                };
                if observed_price.units() <= 0 {
                    return Err(DomainError::invalid(
                        "campaign.observed_price_positive",
                        "observed_price",
                        format!(
                            "an observed retail price must be above zero, not {observed_price}"
                        ),
                    ));
                }
                not_in_future("checked_on", checked_on, ctx)?;
                Ok(vec![MarketingEvent::RetailPriceChecked {
                    campaign,
                    sku,
                    outlet,
                    observed_price,
                    guide_price: view.guide_price,
                    checked_on,
                }])
            }

            Command::AllocateSupply {
                campaign,
                sku,
                volume,
                allocated_on,
                ..
            } => {
                self.require_open(&campaign)?;
                partnership.require_side(
                    principal,
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
                not_in_future("allocated_on", allocated_on, ctx)?;
                Ok(vec![MarketingEvent::SupplyAllocated {
                    campaign,
                    sku,
                    volume,
                    allocated_on,
                }])
            }

            Command::LaunchCampaign {
                campaign,
                launched_on,
                ..
            } => {
                self.require_open(&campaign)?;
                // The seed: 紅云提供活動方案, 煙草公司分工執行 — execution is the distributor's.
                partnership.require_side(
                    principal,
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
                not_in_future("launched_on", launched_on, ctx)?;
                Ok(vec![MarketingEvent::CampaignLaunched {
                    campaign,
                    launched_on,
                }])
            }

            Command::CloseCampaign {
                campaign,
                closed_on,
                outcome,
                summary,
                ..
            } => {
                // Either party may close: the outcome is the joint review's verdict, and
                // `active_side_of` above already admitted only parties.
                self.require_open(&campaign)?;
                non_empty(
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
                not_in_future("closed_on", closed_on, ctx)?;
                Ok(vec![MarketingEvent::CampaignClosed {
                    campaign,
                    closed_on,
                    outcome,
                    summary,
                }])
            }
        }
    }

    /// Applies one recorded event. Total and pure: events are facts already decided, so
    /// sums saturate rather than fail (decide refuses anything that would overflow).
    pub fn evolve(mut self, event: &MarketingEvent) -> Self {
        match event {
            MarketingEvent::CampaignPlanned {
                campaign,
                title,
                brand,
                skus,
                starts_on,
                ends_on,
                activity_plan,
            } => {
                self.id = Some(campaign.clone());
                self.lifecycle = Lifecycle::Planned;
                self.plan = Some(CampaignPlan {
                    title: title.clone(),
                    brand: brand.clone(),
                    skus: skus.clone(),
                    starts_on: *starts_on,
                    ends_on: *ends_on,
                    activity_plan: activity_plan.clone(),
                });
            }
            MarketingEvent::CampaignTaskAssigned {
                task,
                title,
                side,
                due_on,
                ..
            } => {
                self.tasks.insert(
                    task.clone(),
                    CampaignTask {
                        title: title.clone(),
                        side: *side,
                        due_on: *due_on,
                        completion: None,
                    },
                );
            }
            MarketingEvent::CampaignTaskCompleted {
                task,
                completed_on,
                note,
                ..
            } => {
                if let Some(t) = self.tasks.get_mut(task) {
                    t.completion = Some(TaskCompletion {
                        completed_on: *completed_on,
                        note: note.clone(),
                    });
                }
            }
            MarketingEvent::MaterialsDispatched {
                material, quantity, ..
            } => {
                let flow = self.materials.entry(material.clone()).or_default();
                flow.dispatched = flow.dispatched.saturating_add(*quantity);
            }
            MarketingEvent::MaterialsReceived {
                material, quantity, ..
            } => {
                let flow = self.materials.entry(material.clone()).or_default();
                flow.received = flow.received.saturating_add(*quantity);
            }
            MarketingEvent::OutletsSelected { outlets, .. } => {
                self.outlets.extend(outlets.iter().cloned());
            }
            MarketingEvent::RetailPriceChecked {
                sku,
                outlet,
                observed_price,
                guide_price,
                checked_on,
                ..
            } => self.price_checks.push(PriceCheck {
                sku: sku.clone(),
                outlet: outlet.clone(),
                observed_price: *observed_price,
                guide_price: *guide_price,
                checked_on: *checked_on,
            }),
            MarketingEvent::SupplyAllocated { sku, volume, .. } => {
                let total = self.supply.entry(sku.clone()).or_default();
                *total = Cases::from_units(total.units().saturating_add(volume.units()));
            }
            MarketingEvent::CampaignLaunched { launched_on, .. } => {
                self.lifecycle = Lifecycle::Launched;
                self.launched_on = Some(*launched_on);
            }
            MarketingEvent::CampaignClosed {
                closed_on,
                outcome,
                summary,
                ..
            } => {
                self.lifecycle = Lifecycle::Closed;
                self.closure = Some(Closure {
                    closed_on: *closed_on,
                    outcome: *outcome,
                    summary: summary.clone(),
                });
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_rounds_half_away_from_zero_and_is_null_without_denominator() {
        assert_eq!(ratio_pct(1, 3), Some(Percent::from_units(3_333)));
        assert_eq!(ratio_pct(2, 3), Some(Percent::from_units(6_667)));
        assert_eq!(ratio_pct(1, 8), Some(Percent::from_units(1_250)));
        // 1/40000 = 0.0025 %, below half a hundredth: rounds down.
        assert_eq!(ratio_pct(1, 40_000), Some(Percent::from_units(0)));
        // 1/20000 = 0.005 %, exactly half a hundredth: rounds away from zero.
        assert_eq!(ratio_pct(1, 20_000), Some(Percent::from_units(1)));
        assert_eq!(ratio_pct(3, 3), Some(Percent::from_units(10_000)));
        assert_eq!(ratio_pct(0, 0), None);
        assert_eq!(
            ratio_pct(u64::MAX, u64::MAX),
            Some(Percent::from_units(10_000))
        );
    }

    fn check(observed: i64, guide: i64) -> PriceCheck {
        PriceCheck {
            sku: SkuId::new("hy-soft").unwrap(),
            outlet: OutletId::new("o1").unwrap(),
            observed_price: Yuan::from_units(observed),
            guide_price: Yuan::from_units(guide),
            checked_on: Date::new(2008, 6, 1).unwrap(),
        }
    }

    #[test]
    fn tolerance_is_five_percent_inclusive_both_ways() {
        assert!(check(10_500, 10_000).within_tolerance());
        assert!(check(9_500, 10_000).within_tolerance());
        assert!(!check(10_501, 10_000).within_tolerance());
        assert!(!check(9_499, 10_000).within_tolerance());
        assert_eq!(check(9_499, 10_000).deviation(), Yuan::from_units(-501));
    }
}
