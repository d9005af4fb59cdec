//! The read model of one partnership, folded from its commits.
//!
//! Everything a report needs is kept aggregated per month × SKU (or per entity: plan,
//! campaign, meeting, action item, support request, issued report), never per event, so
//! the model's size — and the cost of every report — is independent of the log's length.
//! The model is plain serde data: the runtime stores it as one postcard blob per
//! partnership, in the same sled transaction as its consumer position.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use synergy_proto::events::brand::{BrandStage, CultureActivityKind, PriceClass, Score};
use synergy_proto::events::evaluation::{ExceptionRules, ReportKind};
use synergy_proto::events::information::{MarketTotals, SkuLine, VolumeLine};
use synergy_proto::events::marketing::CampaignOutcome;
use synergy_proto::events::strategy::Target;
use synergy_proto::events::support::{MeetingKind, Severity};
use synergy_proto::events::{
    BrandEvent, EvaluationEvent, InformationEvent, MarketingEvent, StrategyEvent, SupportEvent,
};
use synergy_proto::{
    ActionItemId, BrandId, CampaignId, Cases, Commit, Date, Event, MeetingId, OrderId, OrgId,
    PartnershipId, Period, PlanId, Side, SkuId, SupportRequestId, TaskId, TimeZone, Timestamp,
    YearMonth, Yuan,
};

/// One month's market data as it stands after its latest revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthData {
    /// Revision of the data now in force (1 = first submission).
    pub revision: u32,
    /// When the month was first submitted: what "on time" is judged by, so a later
    /// correction does not make a punctual month late.
    pub first_submitted_on: Date,
    /// When the revision in force was submitted.
    pub submitted_on: Date,
    /// How many corrections superseded earlier revisions.
    pub corrections: u32,
    pub market: MarketTotals,
    pub lines: BTreeMap<SkuId, SkuLine>,
}

/// A catalogue entry. The guide price is kept as a dated history so that a price change
/// in 2009 does not restate 2008's price index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkuEntry {
    pub brand: BrandId,
    pub name: String,
    pub price_class: PriceClass,
    /// Guide retail price per carton, keyed by the day it became known (occurred-at).
    pub guide_prices: BTreeMap<Date, Yuan>,
}

impl SkuEntry {
    /// The guide price in force at the end of `month`: the latest one known by its last
    /// day, or (when the SKU was registered later) the first one ever known.
    pub fn guide_price_for(&self, month: YearMonth) -> Option<Yuan> {
        self.guide_prices
            .range(..=month.last_day())
            .next_back()
            .or_else(|| self.guide_prices.iter().next())
            .map(|(_, p)| *p)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    pub overall: u8,
    pub scores: Vec<Score>,
    pub comment: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrandState {
    pub introduced_on: Option<Date>,
    /// Stage changes in order; the stage on a date is the last change on or before it.
    pub stages: Vec<(Date, BrandStage)>,
    pub evaluations: BTreeMap<Period, Evaluation>,
}

impl BrandState {
    pub fn stage_on(&self, day: Date) -> Option<BrandStage> {
        self.stages
            .iter()
            .rev()
            .find(|(d, _)| *d <= day)
            .map(|(_, s)| *s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlanStatus {
    Draft,
    Active,
    Withdrawn,
}

/// A development plan. Targets only change in draft, so while the plan is active its
/// targets are exactly those of the active revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanState {
    pub title: String,
    pub first_year: i32,
    pub last_year: i32,
    pub revision: u32,
    pub status: PlanStatus,
    pub targets: BTreeMap<(Option<BrandId>, Period), Target>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceChecks {
    pub count: u32,
    /// Observed price within ±5 % of the guide price (inclusive).
    pub within: u32,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderTotals {
    pub ordered: Cases,
    pub received: Cases,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskState {
    pub title: String,
    pub side: Side,
    pub due_on: Date,
    pub completed_on: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignState {
    pub title: String,
    pub brand: BrandId,
    pub skus: Vec<SkuId>,
    pub starts_on: Date,
    pub ends_on: Date,
    pub launched_on: Option<Date>,
    pub closed: Option<(Date, CampaignOutcome)>,
    pub tasks: BTreeMap<TaskId, TaskState>,
}

impl CampaignState {
    /// The campaign's window touches a month of `period` (market data is monthly, so a
    /// window counts every month it touches).
    pub fn overlaps(&self, period: Period) -> bool {
        self.starts_on.year_month() <= period.last_month()
            && self.ends_on.year_month() >= period.first_month()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingState {
    pub kind: MeetingKind,
    pub title: String,
    pub scheduled_on: Date,
    pub period: Option<Period>,
    pub held_on: Option<Date>,
    pub cancelled: bool,
    pub decisions: Vec<String>,
}

/// One state of an action item, in force from `from` on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemStatus {
    pub from: Date,
    pub open: bool,
    pub due_on: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionItemState {
    pub title: String,
    pub owner: Side,
    pub raised_on: Date,
    pub meeting: Option<MeetingId>,
    /// Raised, closed, reopened … in order; a handful per item.
    pub timeline: Vec<ItemStatus>,
}

impl ActionItemState {
    /// The item's status as of `day`, or `None` before it was raised.
    pub fn status_on(&self, day: Date) -> Option<ItemStatus> {
        self.timeline.iter().rev().find(|s| s.from <= day).copied()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportRequestState {
    pub title: String,
    pub severity: Severity,
    pub requested_by: Side,
    pub opened_at: Timestamp,
    pub response_target_hours: u32,
    pub acknowledged_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CultureTally {
    pub activities: u32,
    pub participants: u64,
}

/// An issued (frozen) report version, readable for ever.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedVersion {
    pub version: u32,
    pub body: String,
    pub restatements: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnershipInfo {
    pub manufacturer: OrgId,
    pub distributor: OrgId,
    pub region: String,
    pub signed_on: Date,
    pub terminated_on: Option<Date>,
    pub rulebooks: Vec<String>,
}

/// Everything evaluation knows about one partnership.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnershipModel {
    pub partnership: PartnershipId,
    pub info: Option<PartnershipInfo>,
    pub months: BTreeMap<YearMonth, MonthData>,
    pub catalogue: BTreeMap<SkuId, SkuEntry>,
    pub brands: BTreeMap<BrandId, BrandState>,
    pub plans: BTreeMap<PlanId, PlanState>,
    /// Retail price checks tallied per month and SKU.
    pub price_checks: BTreeMap<YearMonth, BTreeMap<SkuId, PriceChecks>>,
    /// The latest forecast per month replaces the month's earlier one as a whole.
    pub forecasts: BTreeMap<YearMonth, BTreeMap<SkuId, Cases>>,
    /// Orders aggregated by the month they were placed for.
    pub orders: BTreeMap<YearMonth, BTreeMap<SkuId, OrderTotals>>,
    /// Which month each order counts in, so receipts land in the placing month.
    pub order_months: BTreeMap<OrderId, YearMonth>,
    pub campaigns: BTreeMap<CampaignId, CampaignState>,
    pub meetings: BTreeMap<MeetingId, MeetingState>,
    pub action_items: BTreeMap<ActionItemId, ActionItemState>,
    pub support_requests: BTreeMap<SupportRequestId, SupportRequestState>,
    /// Culture activities per month, brand (None = the whole portfolio) and kind.
    pub culture: BTreeMap<(YearMonth, Option<BrandId>, u8), CultureTally>,
    pub issued: BTreeMap<(ReportKind, Period), Vec<IssuedVersion>>,
    pub exception_rules: ExceptionRules,
}

fn culture_key(kind: CultureActivityKind) -> u8 {
    match kind {
        CultureActivityKind::FactoryVisit => 0,
        CultureActivityKind::CustomerManagerTraining => 1,
        CultureActivityKind::BrandPromotion => 2,
    }
}

/// The name of a culture-activity key as stored in [`PartnershipModel::culture`].
pub fn culture_kind_name(key: u8) -> &'static str {
    match key {
        0 => "factory_visit",
        1 => "customer_manager_training",
        _ => "brand_promotion",
    }
}

fn add_cases(a: Cases, b: Cases) -> Cases {
    // Saturating keeps a hostile volume from panicking the consumer; the domain refuses
    // amounts anywhere near i64::MAX long before they reach the log.
    Cases::from_units(a.units().saturating_add(b.units()))
}

impl PartnershipModel {
    /// An empty model for `partnership`.
    pub fn new(partnership: PartnershipId) -> Self {
        Self {
            partnership,
            info: None,
            months: BTreeMap::new(),
            catalogue: BTreeMap::new(),
            brands: BTreeMap::new(),
            plans: BTreeMap::new(),
            price_checks: BTreeMap::new(),
            forecasts: BTreeMap::new(),
            orders: BTreeMap::new(),
            order_months: BTreeMap::new(),
            campaigns: BTreeMap::new(),
            meetings: BTreeMap::new(),
            action_items: BTreeMap::new(),
            support_requests: BTreeMap::new(),
            culture: BTreeMap::new(),
            issued: BTreeMap::new(),
            exception_rules: ExceptionRules::default(),
        }
    }

    /// Folds one commit. Commits of other partnerships are ignored (the caller routes by
    /// partnership). Exactly-once is the caller's job: it stores its position with the model.
    pub fn apply(&mut self, commit: &Commit) {
        if commit.stream.partnership != self.partnership {
            return;
        }
        for recorded in &commit.events {
            match &recorded.event {
                Event::Strategy(e) => self.apply_strategy(e),
                Event::Marketing(e) => self.apply_marketing(e),
                Event::Brand(e) => self.apply_brand(
                    e,
                    recorded
                        .occurred_at
                        .date_in(TimeZone::partnership_default()),
                ),
                Event::Information(e) => self.apply_information(e),
                Event::Support(e) => self.apply_support(e),
                Event::Evaluation(e) => self.apply_evaluation(e),
            }
        }
    }

    /// Postcard bytes of the model, for storage.
    pub fn to_bytes(&self) -> Result<Vec<u8>, postcard::Error> {
        postcard::to_allocvec(self)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, postcard::Error> {
        postcard::from_bytes(bytes)
    }

    fn apply_strategy(&mut self, e: &StrategyEvent) {
        match e {
            StrategyEvent::PartnershipSigned {
                manufacturer,
                distributor,
                region,
                signed_on,
            } => {
                self.info = Some(PartnershipInfo {
                    manufacturer: manufacturer.clone(),
                    distributor: distributor.clone(),
                    region: region.clone(),
                    signed_on: *signed_on,
                    terminated_on: None,
                    rulebooks: Vec::new(),
                });
            }
            StrategyEvent::RulebookAdopted { title, .. } => {
                if let Some(info) = &mut self.info {
                    info.rulebooks.push(title.clone());
                }
            }
            StrategyEvent::PartnershipTerminated { terminated_on, .. } => {
                if let Some(info) = &mut self.info {
                    info.terminated_on = Some(*terminated_on);
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
                    PlanState {
                        title: title.clone(),
                        first_year: *first_year,
                        last_year: *last_year,
                        revision: 1,
                        status: PlanStatus::Draft,
                        targets: BTreeMap::new(),
                    },
                );
            }
            StrategyEvent::PlanTargetSet { plan, target } => {
                if let Some(p) = self.plans.get_mut(plan) {
                    p.targets
                        .insert((target.brand.clone(), target.period), target.clone());
                }
            }
            StrategyEvent::PlanTargetRemoved {
                plan,
                brand,
                period,
            } => {
                if let Some(p) = self.plans.get_mut(plan) {
                    p.targets.remove(&(brand.clone(), *period));
                }
            }
            StrategyEvent::PlanSubmitted { .. } | StrategyEvent::PlanSigned { .. } => {}
            StrategyEvent::PlanActivated { plan, revision } => {
                if let Some(p) = self.plans.get_mut(plan) {
                    p.status = PlanStatus::Active;
                    p.revision = *revision;
                }
            }
            StrategyEvent::PlanRevised { plan, revision, .. } => {
                // `docs/model.md`: a revision returns the plan to draft; its targets stop
                // counting until both sides sign the new revision.
                if let Some(p) = self.plans.get_mut(plan) {
                    p.status = PlanStatus::Draft;
                    p.revision = *revision;
                }
            }
            StrategyEvent::PlanWithdrawn { plan, .. } => {
                if let Some(p) = self.plans.get_mut(plan) {
                    p.status = PlanStatus::Withdrawn;
                }
            }
            // A proposal binds nobody: reports start at `PartnershipSigned`.
            StrategyEvent::PartnershipProposed { .. }
            | StrategyEvent::PartnershipProposalDeclined { .. }
            | StrategyEvent::PartnershipProposalWithdrawn { .. } => {}
        }
    }

    fn apply_marketing(&mut self, e: &MarketingEvent) {
        match e {
            MarketingEvent::CampaignPlanned {
                campaign,
                title,
                brand,
                skus,
                starts_on,
                ends_on,
                ..
            } => {
                self.campaigns.insert(
                    campaign.clone(),
                    CampaignState {
                        title: title.clone(),
                        brand: brand.clone(),
                        skus: skus.clone(),
                        starts_on: *starts_on,
                        ends_on: *ends_on,
                        launched_on: None,
                        closed: None,
                        tasks: BTreeMap::new(),
                    },
                );
            }
            MarketingEvent::CampaignTaskAssigned {
                campaign,
                task,
                title,
                side,
                due_on,
            } => {
                if let Some(c) = self.campaigns.get_mut(campaign) {
                    c.tasks.insert(
                        task.clone(),
                        TaskState {
                            title: title.clone(),
                            side: *side,
                            due_on: *due_on,
                            completed_on: None,
                        },
                    );
                }
            }
            MarketingEvent::CampaignTaskCompleted {
                campaign,
                task,
                completed_on,
                ..
            } => {
                if let Some(t) = self
                    .campaigns
                    .get_mut(campaign)
                    .and_then(|c| c.tasks.get_mut(task))
                {
                    t.completed_on = Some(*completed_on);
                }
            }
            MarketingEvent::RetailPriceChecked {
                sku,
                observed_price,
                guide_price,
                checked_on,
                ..
            } => {
                // Looked up by reference: most checks land in a tally that exists, and
                // cloning the SKU id for each would cost an allocation per event.
                let month = self
                    .price_checks
                    .entry(checked_on.year_month())
                    .or_default();
                let tally = match month.get_mut(sku) {
                    Some(tally) => tally,
                    None => month.entry(sku.clone()).or_default(),
                };
                tally.count = tally.count.saturating_add(1);
                if within_five_percent(*observed_price, *guide_price) {
                    tally.within = tally.within.saturating_add(1);
                }
            }
            MarketingEvent::CampaignLaunched {
                campaign,
                launched_on,
            } => {
                if let Some(c) = self.campaigns.get_mut(campaign) {
                    c.launched_on = Some(*launched_on);
                }
            }
            MarketingEvent::CampaignClosed {
                campaign,
                closed_on,
                outcome,
                ..
            } => {
                if let Some(c) = self.campaigns.get_mut(campaign) {
                    c.closed = Some((*closed_on, *outcome));
                }
            }
            MarketingEvent::MaterialsDispatched { .. }
            | MarketingEvent::MaterialsReceived { .. }
            | MarketingEvent::OutletsSelected { .. }
            | MarketingEvent::SupplyAllocated { .. } => {}
        }
    }

    fn apply_brand(&mut self, e: &BrandEvent, day: Date) {
        match e {
            BrandEvent::SkuRegistered {
                brand,
                sku,
                name,
                price_class,
                guide_price,
            }
            | BrandEvent::SkuUpdated {
                brand,
                sku,
                name,
                price_class,
                guide_price,
            } => {
                let entry = self
                    .catalogue
                    .entry(sku.clone())
                    .or_insert_with(|| SkuEntry {
                        brand: brand.clone(),
                        name: name.clone(),
                        price_class: *price_class,
                        guide_prices: BTreeMap::new(),
                    });
                entry.brand = brand.clone();
                entry.name = name.clone();
                entry.price_class = *price_class;
                entry.guide_prices.insert(day, *guide_price);
                self.brands.entry(brand.clone()).or_default();
            }
            BrandEvent::BrandIntroduced {
                brand,
                introduced_on,
            } => {
                let b = self.brands.entry(brand.clone()).or_default();
                b.introduced_on = Some(*introduced_on);
                b.stages.push((*introduced_on, BrandStage::Introduction));
            }
            BrandEvent::BrandStageChanged {
                brand,
                to,
                changed_on,
                ..
            } => {
                self.brands
                    .entry(brand.clone())
                    .or_default()
                    .stages
                    .push((*changed_on, *to));
            }
            BrandEvent::BrandEvaluated {
                brand,
                period,
                overall,
                scores,
                comment,
            } => {
                self.brands
                    .entry(brand.clone())
                    .or_default()
                    .evaluations
                    .insert(
                        *period,
                        Evaluation {
                            overall: *overall,
                            scores: scores.clone(),
                            comment: comment.clone(),
                        },
                    );
            }
            BrandEvent::CultureActivityHeld {
                brand,
                kind,
                held_on,
                participants,
                ..
            } => {
                let t = self
                    .culture
                    .entry((held_on.year_month(), brand.clone(), culture_key(*kind)))
                    .or_default();
                t.activities = t.activities.saturating_add(1);
                t.participants = t.participants.saturating_add(u64::from(*participants));
            }
        }
    }

    fn apply_information(&mut self, e: &InformationEvent) {
        match e {
            InformationEvent::MarketDataSubmitted {
                month,
                revision,
                lines,
                market,
                submitted_on,
            } => self.apply_market_data(*month, *revision, lines, market, *submitted_on),
            InformationEvent::MarketDataCorrected {
                month,
                revision,
                lines,
                market,
                submitted_on,
                ..
            } => self.apply_market_data(*month, *revision, lines, market, *submitted_on),
            InformationEvent::DemandForecastSubmitted { month, lines, .. } => {
                self.forecasts.insert(*month, sum_lines(lines));
            }
            InformationEvent::SupplyPlanConfirmed { .. }
            | InformationEvent::OrderConfirmed { .. }
            | InformationEvent::OrderShipped { .. } => {}
            InformationEvent::OrderPlaced {
                order,
                month,
                lines,
                ..
            } => {
                self.order_months.insert(order.clone(), *month);
                let totals = self.orders.entry(*month).or_default();
                for l in lines {
                    let t = totals.entry(l.sku.clone()).or_default();
                    t.ordered = add_cases(t.ordered, l.volume);
                }
            }
            InformationEvent::OrderReceived { order, lines, .. } => {
                let Some(month) = self.order_months.get(order) else {
                    return;
                };
                let totals = self.orders.entry(*month).or_default();
                for l in lines {
                    let t = totals.entry(l.sku.clone()).or_default();
                    t.received = add_cases(t.received, l.volume);
                }
            }
        }
    }

    fn apply_market_data(
        &mut self,
        month: YearMonth,
        revision: u32,
        lines: &[SkuLine],
        market: &MarketTotals,
        submitted_on: Date,
    ) {
        // A correction supersedes the month as a whole: lines missing from it are gone.
        let lines: BTreeMap<SkuId, SkuLine> =
            lines.iter().map(|l| (l.sku.clone(), l.clone())).collect();
        match self.months.get_mut(&month) {
            None => {
                self.months.insert(
                    month,
                    MonthData {
                        revision,
                        first_submitted_on: submitted_on,
                        submitted_on,
                        corrections: 0,
                        market: market.clone(),
                        lines,
                    },
                );
            }
            Some(existing) if revision > existing.revision => {
                existing.revision = revision;
                existing.submitted_on = submitted_on;
                existing.corrections = existing.corrections.saturating_add(1);
                existing.market = market.clone();
                existing.lines = lines;
            }
            // An older or equal revision never overrides the one in force.
            Some(_) => {}
        }
    }

    fn apply_support(&mut self, e: &SupportEvent) {
        match e {
            SupportEvent::MeetingScheduled {
                meeting,
                kind,
                title,
                scheduled_on,
                period,
                ..
            } => {
                self.meetings.insert(
                    meeting.clone(),
                    MeetingState {
                        kind: *kind,
                        title: title.clone(),
                        scheduled_on: *scheduled_on,
                        period: *period,
                        held_on: None,
                        cancelled: false,
                        decisions: Vec::new(),
                    },
                );
            }
            SupportEvent::MeetingHeld {
                meeting,
                held_on,
                decisions,
                ..
            } => {
                if let Some(m) = self.meetings.get_mut(meeting) {
                    m.held_on = Some(*held_on);
                    m.decisions = decisions.clone();
                }
            }
            SupportEvent::MeetingCancelled { meeting, .. } => {
                if let Some(m) = self.meetings.get_mut(meeting) {
                    m.cancelled = true;
                }
            }
            SupportEvent::ActionItemRaised {
                item,
                title,
                owner,
                due_on,
                meeting,
                raised_on,
            } => {
                self.action_items.insert(
                    item.clone(),
                    ActionItemState {
                        title: title.clone(),
                        owner: *owner,
                        raised_on: *raised_on,
                        meeting: meeting.clone(),
                        timeline: vec![ItemStatus {
                            from: *raised_on,
                            open: true,
                            due_on: *due_on,
                        }],
                    },
                );
            }
            SupportEvent::ActionItemProgressed { .. } => {}
            SupportEvent::ActionItemClosed {
                item, closed_on, ..
            } => {
                if let Some(a) = self.action_items.get_mut(item) {
                    let due_on = a.timeline.last().map_or(*closed_on, |s| s.due_on);
                    a.timeline.push(ItemStatus {
                        from: *closed_on,
                        open: false,
                        due_on,
                    });
                }
            }
            SupportEvent::ActionItemReopened {
                item,
                due_on,
                reopened_on,
                ..
            } => {
                if let Some(a) = self.action_items.get_mut(item) {
                    a.timeline.push(ItemStatus {
                        from: *reopened_on,
                        open: true,
                        due_on: *due_on,
                    });
                }
            }
            SupportEvent::SupportRequestOpened {
                request,
                title,
                severity,
                requested_by,
                opened_at,
                response_target_hours,
            } => {
                self.support_requests.insert(
                    request.clone(),
                    SupportRequestState {
                        title: title.clone(),
                        severity: *severity,
                        requested_by: *requested_by,
                        opened_at: *opened_at,
                        response_target_hours: *response_target_hours,
                        acknowledged_at: None,
                        resolved_at: None,
                    },
                );
            }
            SupportEvent::SupportRequestAcknowledged {
                request,
                acknowledged_at,
            } => {
                if let Some(r) = self.support_requests.get_mut(request) {
                    r.acknowledged_at.get_or_insert(*acknowledged_at);
                }
            }
            SupportEvent::SupportRequestResolved {
                request,
                resolved_at,
                ..
            } => {
                if let Some(r) = self.support_requests.get_mut(request) {
                    r.resolved_at = Some(*resolved_at);
                }
            }
        }
    }

    fn apply_evaluation(&mut self, e: &EvaluationEvent) {
        match e {
            EvaluationEvent::ReportIssued {
                kind,
                period,
                version,
                body,
                restatements,
            } => {
                let versions = self.issued.entry((*kind, *period)).or_default();
                if versions.iter().all(|v| v.version != *version) {
                    versions.push(IssuedVersion {
                        version: *version,
                        body: body.clone(),
                        restatements: restatements.len(),
                    });
                    versions.sort_by_key(|v| v.version);
                }
            }
            EvaluationEvent::ExceptionRulesSet { rules } => {
                self.exception_rules = rules.clone();
            }
        }
    }

    /// The SKU's brand, if the SKU is in the catalogue.
    pub fn brand_of(&self, sku: &SkuId) -> Option<&BrandId> {
        self.catalogue.get(sku).map(|e| &e.brand)
    }

    /// Every SKU that is in the catalogue or appears in market data, in order.
    pub fn all_skus(&self) -> Vec<SkuId> {
        let mut skus: Vec<SkuId> = self.catalogue.keys().cloned().collect();
        for m in self.months.values() {
            for sku in m.lines.keys() {
                if !self.catalogue.contains_key(sku) {
                    skus.push(sku.clone());
                }
            }
        }
        skus.sort();
        skus.dedup();
        skus
    }

    /// The latest issued version of a report, if any.
    pub fn latest_issued(&self, kind: ReportKind, period: Period) -> Option<&IssuedVersion> {
        self.issued.get(&(kind, period)).and_then(|v| v.last())
    }

    /// The active plans' targets that apply to `period`'s calendar year, the most recently
    /// numbered plan first when two active plans (wrongly) overlap.
    pub(crate) fn active_plans_for(&self, year: i32) -> impl Iterator<Item = &PlanState> {
        self.plans.values().rev().filter(move |p| {
            p.status == PlanStatus::Active && (p.first_year..=p.last_year).contains(&year)
        })
    }
}

fn sum_lines(lines: &[VolumeLine]) -> BTreeMap<SkuId, Cases> {
    let mut out: BTreeMap<SkuId, Cases> = BTreeMap::new();
    for l in lines {
        let v = out.entry(l.sku.clone()).or_default();
        *v = add_cases(*v, l.volume);
    }
    out
}

/// |observed − guide| ≤ 5 % of guide, exactly.
pub fn within_five_percent(observed: Yuan, guide: Yuan) -> bool {
    let diff = (i128::from(observed.units()) - i128::from(guide.units())).abs();
    diff * 100 <= 5 * i128::from(guide.units()).abs()
}
