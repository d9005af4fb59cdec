//! The OpenAPI schemas of evaluation's JSON answers: the reports (market, brand, scorecard,
//! review pack), the share-gap planner and a campaign's value realised, as `docs/kpis.md`
//! describes them.
//!
//! Those answers are written by [`crate::json`] (exact decimals as JSON numbers, members in
//! the contract's order), not by serde, so these types only describe them. They are held to
//! the answers by reading every answer back into them: each object refuses a member it does
//! not declare (`tests/schema.rs` reads every report of the Changzhi case this way), and
//! the HTTP API's schemathesis run checks every response against the document.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;
use synergy_proto::{
    ActionItemId, BrandId, CampaignId, Date, MeetingId, PartnershipId, Period, SkuId, YearMonth,
};
use utoipa::ToSchema;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, SchemaType, Type};
use utoipa::openapi::{RefOr, Schema};

/// A figure: an exact decimal written as a JSON number (`1250.5`, `22.63`, `-3.07`),
/// rounded only where `docs/kpis.md` says so.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Decimal(#[allow(dead_code)] serde_json::Number);

impl utoipa::PartialSchema for Decimal {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Number)
            .description(Some(
                "An exact decimal written as a JSON number (docs/kpis.md gives each figure's \
                 unit and rounding)",
            ))
            .into()
    }
}

impl ToSchema for Decimal {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Decimal")
    }
}

/// A figure of a map (a price class's part, a recommendation's evidence): a [`Decimal`], or
/// `null` where its inputs are missing.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct MaybeDecimal(#[allow(dead_code)] Option<serde_json::Number>);

impl utoipa::PartialSchema for MaybeDecimal {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([Type::Number, Type::Null]))
            .description(Some("An exact decimal as a JSON number, or null"))
            .into()
    }
}

impl ToSchema for MaybeDecimal {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("MaybeDecimal")
    }
}

/// A figure or a word: an exception's value and threshold are numbers, except where the
/// rule compares days or months (`2008-06`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum DecimalOrText {
    Decimal(Decimal),
    Text(#[allow(dead_code)] String),
}

impl utoipa::PartialSchema for DecimalOrText {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(<Decimal as utoipa::PartialSchema>::schema())
            .item(ObjectBuilder::new().schema_type(Type::String))
            .description(Some(
                "A figure, or a month or day where the rule compares those",
            ))
            .into()
    }
}

impl ToSchema for DecimalOrText {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("DecimalOrText")
    }
}

/// Which report.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportKindName {
    Market,
    Brand,
    Scorecard,
    Review,
}

/// Who acts on a recommendation or owns an action item.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OwnerName {
    Manufacturer,
    Distributor,
    Both,
}

/// The KPIs of a scope (the partnership, a brand, a SKU) or of a month, under the names of
/// `docs/kpis.md`; each is present where the report computes it and `null` where its
/// inputs are missing.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct KpiSet {
    pub volume_cases: Option<Decimal>,
    pub revenue_yuan: Option<Decimal>,
    pub market_volume_cases: Option<Decimal>,
    pub market_revenue_yuan: Option<Decimal>,
    pub volume_share_pct: Option<Decimal>,
    pub revenue_share_pct: Option<Decimal>,
    pub volume_yoy_pct: Option<Decimal>,
    pub revenue_yoy_pct: Option<Decimal>,
    pub volume_pop_pct: Option<Decimal>,
    pub revenue_pop_pct: Option<Decimal>,
    pub revenue_per_case_yuan: Option<Decimal>,
    pub price_index: Option<Decimal>,
    /// Per price class (`1`, `2`, `3`): its part of the volume, in percent.
    pub class_mix: Option<BTreeMap<String, MaybeDecimal>>,
    pub closing_stock_cases: Option<Decimal>,
    pub stock_to_sales: Option<Decimal>,
    pub coverage_pct: Option<Decimal>,
    pub active_selling_pct: Option<Decimal>,
    pub target_volume_cases: Option<Decimal>,
    pub target_revenue_yuan: Option<Decimal>,
    pub target_volume_share_pct: Option<Decimal>,
    pub volume_attainment_pct: Option<Decimal>,
    pub revenue_attainment_pct: Option<Decimal>,
    pub volume_share_attainment_pct: Option<Decimal>,
    pub plan_attainment_pct: Option<Decimal>,
    pub forecast_accuracy_pct: Option<Decimal>,
    pub forecast_bias_pct: Option<Decimal>,
    pub order_fill_pct: Option<Decimal>,
    pub price_compliance_pct: Option<Decimal>,
    pub data_on_time_pct: Option<Decimal>,
    pub campaign_tasks_done_pct: Option<Decimal>,
    pub support_on_time_pct: Option<Decimal>,
    pub meetings_held: Option<Decimal>,
    pub meetings_scheduled: Option<Decimal>,
    pub actions_open: Option<Decimal>,
    pub actions_overdue: Option<Decimal>,
    pub promises_due: Option<Decimal>,
    pub promises_kept: Option<Decimal>,
    /// Scorecard: corrections of the period's market data.
    pub corrections: Option<Decimal>,
}

/// One month of `series` (or of `series_prior_year`): the market series' figures, or the
/// scorecard's record of that month's submission.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct SeriesPointJson {
    pub month: YearMonth,
    pub volume_cases: Option<Decimal>,
    pub revenue_yuan: Option<Decimal>,
    pub market_volume_cases: Option<Decimal>,
    pub market_revenue_yuan: Option<Decimal>,
    pub volume_share_pct: Option<Decimal>,
    pub revenue_share_pct: Option<Decimal>,
    pub volume_yoy_pct: Option<Decimal>,
    pub price_index: Option<Decimal>,
    pub closing_stock_cases: Option<Decimal>,
    pub target_volume_cases: Option<Decimal>,
    /// Scorecard: the day the month's data was first submitted.
    pub submitted_on: Option<Date>,
    /// Scorecard: whether the month's data came by the 10th of the month after, on the
    /// partnership's calendar: `yes`, `no`, or `history` for a month before the signing.
    pub on_time: Option<String>,
    /// Scorecard: the month's data revision in force, and how many corrections it had.
    pub revision: Option<Decimal>,
    pub corrections: Option<Decimal>,
}

/// A brand's evaluation for the period (brand report).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct BrandEvaluationJson {
    pub overall: Decimal,
    pub scores: Vec<CriterionScore>,
    pub comment: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct CriterionScore {
    pub criterion: String,
    pub score: Decimal,
}

/// A brand's volume share in one month (brand report).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct SharePoint {
    pub month: YearMonth,
    pub volume_share_pct: Option<Decimal>,
}

/// A campaign of the brand overlapping the period, against the same months a year earlier.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct CampaignEffect {
    pub campaign: CampaignId,
    pub title: String,
    pub skus: Vec<SkuId>,
    pub starts_on: Date,
    pub ends_on: Date,
    pub volume_cases: Option<Decimal>,
    pub year_before_volume_cases: Option<Decimal>,
    pub effect_pct: Option<Decimal>,
    /// `succeeded`, `failed`, `cancelled`, or `null` while open.
    pub outcome: Option<String>,
}

/// A brand's row: its KPIs, and in the brand report its stage, evaluation, share trend,
/// campaigns and culture activities (counted per kind).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct BrandRow {
    pub brand: BrandId,
    pub name: Option<String>,
    pub kpis: Option<KpiSet>,
    pub stage: Option<String>,
    pub evaluation: Option<BrandEvaluationJson>,
    pub share_trend: Option<Vec<SharePoint>>,
    pub campaigns: Option<Vec<CampaignEffect>>,
    pub culture: Option<BTreeMap<String, Decimal>>,
}

/// A SKU's row: its catalogue name and KPIs.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct SkuRow {
    pub sku: SkuId,
    pub name: Option<String>,
    pub kpis: Option<KpiSet>,
}

/// A figure past the partnership's exception rules, late data or an overdue action item
/// (review pack; `docs/kpis.md`, "Exceptions").
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ExceptionJson {
    /// `<rule>:<subject>`.
    pub id: String,
    pub rule: String,
    pub scope: String,
    pub value: Option<DecimalOrText>,
    pub threshold: Option<DecimalOrText>,
    pub message: String,
}

/// How a party decided a recommendation: accepted into an action item (with its standing),
/// or dismissed with a reason; `null` while undecided.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct DecisionJson {
    /// `accepted` or `dismissed`.
    pub status: String,
    pub by: String,
    pub on: Date,
    pub item: Option<ActionItemId>,
    pub title: Option<String>,
    pub owner: Option<String>,
    pub due_on: Option<Date>,
    /// `open`, `overdue` or `closed`.
    pub item_status: Option<String>,
    pub closed_on: Option<Date>,
    pub reason: Option<String>,
}

/// A recommendation: the rule that fired, its evidence, the action and who owns it
/// (`docs/kpis.md`, "Recommendations").
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct RecommendationJson {
    pub id: String,
    pub rule: String,
    pub sku: Option<SkuId>,
    /// The figures the rule judged, by name.
    pub evidence: BTreeMap<String, MaybeDecimal>,
    pub action: String,
    pub owner: OwnerName,
    pub decision: Option<DecisionJson>,
}

/// Last period's recommendation, how it was decided and whether its rule still fires.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct FollowUpJson {
    pub id: String,
    pub period: Period,
    pub rule: String,
    pub sku: Option<SkuId>,
    pub decision: Option<DecisionJson>,
    pub still_fires: bool,
}

/// An open action item.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ActionItemJson {
    pub item: ActionItemId,
    pub title: String,
    pub owner: String,
    pub meeting: Option<MeetingId>,
    pub raised_on: Date,
    pub due_on: Date,
    pub overdue: bool,
}

/// One question of the review agenda and its figures (`docs/kpis.md`, "The review pack":
/// each question names its own).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct AgendaItem {
    pub topic: String,
    pub question: String,
    #[schema(value_type = Object)]
    pub data: BTreeMap<String, serde_json::Value>,
}

/// The distributor's analysis of a month or quarter (Markdown as written).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct AnalysisJson {
    pub period: Period,
    pub revision: Decimal,
    pub submitted_on: Date,
    pub reason: Option<String>,
    pub text: String,
}

/// A report (`docs/kpis.md`): the same head for every kind, then the sections of its kind.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ReportJson {
    pub partnership: PartnershipId,
    pub period: Period,
    pub kind: ReportKindName,
    /// The issued version, `null` for a live view.
    #[schema(required = true)]
    pub version: Option<u32>,
    pub as_of: Date,
    /// Some months had not ended by `as_of`: the figures are those of `months_included`.
    pub partial: bool,
    pub months_included: Vec<YearMonth>,
    pub kpis: KpiSet,
    pub brands: Vec<BrandRow>,
    pub skus: Vec<SkuRow>,
    pub series: Vec<SeriesPointJson>,
    pub series_prior_year: Vec<SeriesPointJson>,
    /// An issued version's months without market data.
    pub months_missing: Option<Vec<YearMonth>>,
    /// Brand report: culture activities of the period, counted per kind.
    pub culture: Option<BTreeMap<String, Decimal>>,
    pub exceptions: Option<Vec<ExceptionJson>>,
    pub recommendations: Option<Vec<RecommendationJson>>,
    pub recommendations_followed_up: Option<Vec<FollowUpJson>>,
    pub action_items: Option<Vec<ActionItemJson>>,
    pub agenda: Option<Vec<AgendaItem>>,
    pub value_realised: Option<Vec<ValueRealisedJson>>,
    pub distributor_analysis: Option<Vec<AnalysisJson>>,
}

/// One SKU's part of the gap.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct SkuGapJson {
    pub sku: SkuId,
    #[schema(required = true)]
    pub gap_cases: Option<Decimal>,
    /// Outlets to win at the SKU's volume per stocking outlet; `null` where none stocked it.
    #[schema(required = true)]
    pub outlets_needed: Option<Decimal>,
}

/// The share-gap planner's answer (`docs/kpis.md`, "The share-gap planner").
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct PlanGapJson {
    pub partnership: PartnershipId,
    pub period: Period,
    pub target_share_pct: Decimal,
    /// The period a year before, and the last month with market data.
    pub base_period: Period,
    pub last_recorded_month: YearMonth,
    #[schema(required = true)]
    pub market_growth_pct: Option<Decimal>,
    #[schema(required = true)]
    pub our_growth_pct: Option<Decimal>,
    #[schema(required = true)]
    pub projected_market_volume_cases: Option<Decimal>,
    #[schema(required = true)]
    pub baseline_volume_cases: Option<Decimal>,
    #[schema(required = true)]
    pub required_volume_cases: Option<Decimal>,
    #[schema(required = true)]
    pub gap_cases: Option<Decimal>,
    pub skus: Vec<SkuGapJson>,
}

/// A campaign's promised uplift against the market data (`docs/kpis.md`, "Value
/// realised"); every figure `null` when it promised nothing.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ValueRealisedJson {
    /// The read's own head; absent inside a report.
    pub partnership: Option<PartnershipId>,
    pub as_of: Option<Date>,
    pub campaign: CampaignId,
    pub title: String,
    pub skus: Vec<SkuId>,
    #[schema(required = true)]
    pub first_month: Option<YearMonth>,
    #[schema(required = true)]
    pub last_month: Option<YearMonth>,
    #[schema(required = true)]
    pub uplift_cases: Option<Decimal>,
    #[schema(required = true)]
    pub revision: Option<Decimal>,
    #[schema(required = true)]
    pub reason: Option<String>,
    /// Every promised month has ended by `as_of`.
    pub due: bool,
    pub months_included: Vec<YearMonth>,
    #[schema(required = true)]
    pub actual_cases: Option<Decimal>,
    #[schema(required = true)]
    pub last_year_cases: Option<Decimal>,
    #[schema(required = true)]
    pub market_volume_cases: Option<Decimal>,
    #[schema(required = true)]
    pub market_volume_last_year_cases: Option<Decimal>,
    #[schema(required = true)]
    pub baseline_cases: Option<Decimal>,
    #[schema(required = true)]
    pub realised_cases: Option<Decimal>,
    #[schema(required = true)]
    pub realisation_pct: Option<Decimal>,
    #[schema(required = true)]
    pub kept: Option<bool>,
}
