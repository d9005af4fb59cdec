//! The campaign aggregate: one per campaign, planned → launched → closed, holding who was
//! given which task and what each side has done for the campaign.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use synergy_proto::events::marketing::{CampaignOutcome, MarketingEvent};
use synergy_proto::{
    BrandId, CampaignId, Cases, Date, OutletId, Percent, Side, SkuId, TaskId, YearMonth, Yuan,
};

mod decide;
mod evolve;
mod guards;

/// A retail price within this many percent of the guide price counts as compliant
/// (`docs/kpis.md`, `price_compliance_pct`: "within ±5 % of guide").
pub const PRICE_TOLERANCE_PCT: i128 = 5;

/// The most months one promise spans: its baseline is the same months a year earlier,
/// which for a longer span would overlap the promise itself.
pub const MAX_PROMISE_MONTHS: i64 = 12;

/// The longest reason for replacing a promise we record.
pub const MAX_REASON_CHARS: usize = 2_000;

/// Where a campaign is in its life.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampaignPlan {
    pub title: String,
    pub brand: BrandId,
    pub skus: Vec<SkuId>,
    pub starts_on: Date,
    pub ends_on: Date,
    pub activity_plan: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskCompletion {
    pub completed_on: Date,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Closure {
    pub closed_on: Date,
    pub outcome: CampaignOutcome,
    pub summary: String,
}

/// The value the manufacturer promised the campaign creates (創值): `uplift` cases of
/// `skus` over the months `first_month ..= last_month` above the year-earlier baseline.
/// Evaluation judges it (`docs/kpis.md`, "Value realised").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpliftPromise {
    pub skus: Vec<SkuId>,
    pub first_month: YearMonth,
    pub last_month: YearMonth,
    pub uplift: Cases,
    /// 1 for the first promise, one more for each replacement.
    pub revision: u32,
    /// Why the promise replaced the one before, if it was given.
    pub reason: Option<String>,
}

impl UpliftPromise {
    /// Whether `other` promises the same: the same SKUs in any order, months and uplift.
    pub fn same_terms(
        &self,
        skus: &[SkuId],
        first: YearMonth,
        last: YearMonth,
        uplift: Cases,
    ) -> bool {
        let mut mine = self.skus.clone();
        let mut theirs = skus.to_vec();
        mine.sort();
        theirs.sort();
        mine == theirs
            && self.first_month == first
            && self.last_month == last
            && self.uplift == uplift
    }
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    promise: Option<UpliftPromise>,
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
    /// The uplift promised (創值), if any: the latest promise, which replaced the others.
    pub fn promise(&self) -> Option<&UpliftPromise> {
        self.promise.as_ref()
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
