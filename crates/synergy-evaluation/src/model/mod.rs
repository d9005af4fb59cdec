//! The read model of one partnership, folded from its commits.
//!
//! Everything a report needs is kept aggregated per month × SKU (or per entity: plan,
//! campaign, meeting, action item, support request, issued report), never per event, so
//! the model's size — and the cost of every report — is independent of the log's length.
//! The model is plain serde data. Its maps are [`Tracked`]: a fold records which entries
//! it changed, and the runtime stores only those ([`entries`]: one per month, SKU, plan,
//! action item …), in the same sled transaction as its consumer position.

pub mod entries;
mod fold;
mod tracked;

pub use tracked::Tracked;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use synergy_proto::events::brand::{BrandStage, CultureActivityKind, PriceClass, Score};
use synergy_proto::events::evaluation::{
    ExceptionRules, IssuingSetting, RecommendationRule, ReportKind,
};
use synergy_proto::events::information::{MarketTotals, SkuLine};
use synergy_proto::events::marketing::CampaignOutcome;
use synergy_proto::events::strategy::Target;
use synergy_proto::events::support::{MeetingKind, Severity};
use synergy_proto::{
    ActionItemId, BrandId, CampaignId, Cases, Date, MeetingId, OrderId, OrgId, PartnershipId,
    Period, PlanId, Side, SkuId, SupportRequestId, TaskId, TimeZone, Timestamp, YearMonth, Yuan,
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
    /// The uplift promised (創值), as the latest promise states it.
    pub promise: Option<PromiseState>,
}

/// A campaign's promised uplift: `uplift` cases of `skus` over `first_month ..= last_month`
/// above the year-earlier baseline ([`crate::value`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromiseState {
    pub skus: Vec<SkuId>,
    pub first_month: YearMonth,
    pub last_month: YearMonth,
    pub uplift: Cases,
    /// 1 for the first promise, one more for each replacement.
    pub revision: u32,
    /// Why it replaced the promise before, if that was said.
    pub reason: Option<String>,
}

impl PromiseState {
    /// The promised months touch a month of `period`.
    pub fn overlaps(&self, period: Period) -> bool {
        self.first_month <= period.last_month() && self.last_month >= period.first_month()
    }
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

/// Which recommendation: the period whose figures made it, its rule, and the SKU of a SKU
/// rule.
pub type RecommendationKey = (Period, RecommendationRule, Option<SkuId>);

/// What a party decided on one recommendation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecommendationDecision {
    /// Taken up as the action item `item` (in [`PartnershipModel::action_items`]).
    Accepted {
        item: ActionItemId,
        by: Side,
        on: Date,
    },
    Dismissed {
        reason: String,
        by: Side,
        on: Date,
    },
}

impl RecommendationDecision {
    /// The day it was decided.
    pub fn on(&self) -> Date {
        match self {
            RecommendationDecision::Accepted { on, .. }
            | RecommendationDecision::Dismissed { on, .. } => *on,
        }
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

/// The distributor's analysis of a month or quarter as it stands after its latest revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalysisState {
    /// Revision of the text in force (1 = first submission).
    pub revision: u32,
    /// Markdown, as the distributor wrote it: hostile input to whatever renders it.
    pub text: String,
    /// When the first revision was submitted: a report as of an earlier day does not
    /// know the analysis yet.
    pub first_submitted_on: Date,
    /// When the revision in force was submitted.
    pub submitted_on: Date,
    /// Why the revision in force was made; `None` for revision 1.
    pub reason: Option<String>,
    /// How many revisions were recorded (1 until the first is revised).
    pub revisions: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnershipInfo {
    pub manufacturer: OrgId,
    pub distributor: OrgId,
    pub region: String,
    pub signed_on: Date,
    pub terminated_on: Option<Date>,
    pub rulebooks: Vec<String>,
    /// The zone the partnership keeps its calendar in now: a commit is dated in the zone
    /// in force when it is folded, and "as of" a day ends at that day's end there.
    #[serde(with = "zone_name")]
    pub time_zone: TimeZone,
}

/// A [`TimeZone`] stored as its IANA name.
mod zone_name {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use synergy_proto::TimeZone;

    pub fn serialize<S: Serializer>(zone: &TimeZone, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(zone.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<TimeZone, D::Error> {
        let name = String::deserialize(d)?;
        TimeZone::new(&name).map_err(D::Error::custom)
    }
}

/// Everything evaluation knows about one partnership.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnershipModel {
    pub partnership: PartnershipId,
    pub info: Option<PartnershipInfo>,
    pub months: Tracked<YearMonth, MonthData>,
    pub catalogue: Tracked<SkuId, SkuEntry>,
    pub brands: Tracked<BrandId, BrandState>,
    pub plans: Tracked<PlanId, PlanState>,
    /// Retail price checks tallied per month and SKU.
    pub price_checks: Tracked<YearMonth, BTreeMap<SkuId, PriceChecks>>,
    /// The latest forecast per month replaces the month's earlier one as a whole.
    pub forecasts: Tracked<YearMonth, BTreeMap<SkuId, Cases>>,
    /// Orders aggregated by the month they were placed for.
    pub orders: Tracked<YearMonth, BTreeMap<SkuId, OrderTotals>>,
    /// Which month each order counts in, so receipts land in the placing month.
    pub order_months: Tracked<OrderId, YearMonth>,
    pub campaigns: Tracked<CampaignId, CampaignState>,
    pub meetings: Tracked<MeetingId, MeetingState>,
    pub action_items: Tracked<ActionItemId, ActionItemState>,
    pub support_requests: Tracked<SupportRequestId, SupportRequestState>,
    /// Culture activities per month, brand (None = the whole portfolio) and kind.
    pub culture: Tracked<(YearMonth, Option<BrandId>, u8), CultureTally>,
    pub issued: Tracked<(ReportKind, Period), Vec<IssuedVersion>>,
    pub exception_rules: ExceptionRules,
    /// Each recommendation a party accepted or dismissed; one decision each.
    pub recommendation_decisions: Tracked<RecommendationKey, RecommendationDecision>,
    /// The distributor's analyses, by month or quarter; only the text in force is kept.
    pub analyses: Tracked<Period, AnalysisState>,
    /// Which reports evaluation issues by itself, as both parties agreed.
    pub issuing: IssuingSetting,
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

impl PartnershipModel {
    /// An empty model for `partnership`.
    pub fn new(partnership: PartnershipId) -> Self {
        Self {
            partnership,
            info: None,
            months: Tracked::new(),
            catalogue: Tracked::new(),
            brands: Tracked::new(),
            plans: Tracked::new(),
            price_checks: Tracked::new(),
            forecasts: Tracked::new(),
            orders: Tracked::new(),
            order_months: Tracked::new(),
            campaigns: Tracked::new(),
            meetings: Tracked::new(),
            action_items: Tracked::new(),
            support_requests: Tracked::new(),
            culture: Tracked::new(),
            issued: Tracked::new(),
            exception_rules: ExceptionRules::default(),
            recommendation_decisions: Tracked::new(),
            analyses: Tracked::new(),
            issuing: IssuingSetting::default(),
        }
    }

    /// Postcard bytes of the model, for storage.
    pub fn to_bytes(&self) -> Result<Vec<u8>, postcard::Error> {
        postcard::to_allocvec(self)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, postcard::Error> {
        postcard::from_bytes(bytes)
    }

    /// The zone the partnership keeps its calendar in (the default before it is signed).
    pub fn time_zone(&self) -> &TimeZone {
        match &self.info {
            Some(info) => &info.time_zone,
            None => TimeZone::partnership_default(),
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

    /// The month's market data if it was first submitted on or before `as_of` (what was
    /// known of the month that day; the revision in force may be later).
    pub(crate) fn month_submitted_by(&self, month: YearMonth, as_of: Date) -> Option<&MonthData> {
        self.months
            .get(&month)
            .filter(|d| d.first_submitted_on <= as_of)
    }
}

/// |observed − guide| ≤ 5 % of guide, exactly.
pub fn within_five_percent(observed: Yuan, guide: Yuan) -> bool {
    let diff = (i128::from(observed.units()) - i128::from(guide.units())).abs();
    diff * 100 <= 5 * i128::from(guide.units()).abs()
}
