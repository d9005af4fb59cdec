//! JSON request and response bodies. The wire types of `synergy-proto` are exact and
//! validated; here they travel as text (`"2008-06-30"`, `"2008-H1"`, `"1200.5"` cases,
//! `"190.00"` yuan) so that no amount passes through a float, and are parsed with the
//! proto parsers, naming the field that did not parse.

use std::fmt::Display;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use synergy_proto::events::brand::{BrandStage, CultureActivityKind, Score};
use synergy_proto::events::information::VolumeLine;
use synergy_proto::events::marketing::CampaignOutcome;
use synergy_proto::events::support::{Attendee, MeetingKind, Severity};
use synergy_proto::{Side, SkuId};
use synergy_runtime::Outcome;
use utoipa::ToSchema;

use crate::error::Problem;
pub use crate::text::{
    CasesText, CountText, DateText, Id, MonthText, NonEmptyText, PercentText, PeriodText,
    PriceClassText, Shape, Shaped, UuidText, YuanText,
};

/// Parses a text field: its documented shape first, then the proto parser, naming the
/// field on failure. Nothing is trimmed: the OpenAPI patterns allow no surrounding space.
pub fn parse<T>(field: &str, value: &impl Shaped) -> Result<T, Problem>
where
    T: FromStr,
    T::Err: Display,
{
    shape_of(value)
        .parse(field, value)
        .map_err(|e| Problem::invalid_field(&e.field, e.message))
}

fn shape_of<S: Shaped>(_: &S) -> Shape {
    S::SHAPE
}

pub fn parse_opt<T>(field: &str, value: Option<&impl Shaped>) -> Result<Option<T>, Problem>
where
    T: FromStr,
    T::Err: Display,
{
    value.map(|v| parse(field, v)).transpose()
}

pub fn parse_all<T>(field: &str, values: &[impl Shaped]) -> Result<Vec<T>, Problem>
where
    T: FromStr,
    T::Err: Display,
{
    values
        .iter()
        .enumerate()
        .map(|(i, v)| parse(&format!("{field}[{i}]"), v))
        .collect()
}

/// What an accepted command did.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutcomeBody {
    /// The aggregate stream, `context/partnership/aggregate`.
    #[schema(example = "strategy/hy-cz/partnership")]
    pub stream: String,
    /// Position of the commit in the log; null when the command changed nothing. Pass it
    /// as `after` to a report to read your own write.
    pub position: Option<u64>,
    /// The recorded events, in order; empty for a no-op or a duplicate.
    pub events: Vec<String>,
    /// The aggregate's version after the command.
    pub version: u64,
    /// The same `Idempotency-Key` was seen before; nothing new was stored.
    pub duplicate: bool,
}

impl From<Outcome> for OutcomeBody {
    fn from(o: Outcome) -> Self {
        Self {
            stream: o.stream.to_string(),
            position: o.position.map(|p| p.0),
            events: o.events.into_iter().map(str::to_owned).collect(),
            version: o.version,
            duplicate: o.duplicate,
        }
    }
}

/// A partnership's parties.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnershipBody {
    pub id: String,
    pub manufacturer: String,
    pub distributor: String,
    pub terminated: bool,
}

/// One registered SKU.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueSku {
    pub brand: String,
    pub sku: String,
    pub name: String,
    /// 1 (一類) … 5 (五類).
    pub price_class: u8,
    /// Guide retail price per carton, exact to the fen.
    #[schema(example = "190.00")]
    pub guide_price_yuan: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueBody {
    pub skus: Vec<CatalogueSku>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
}

// ---- shared ----

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmptyBody {}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    pub reason: String,
}

// ---- marketing ----

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SideDto {
    Manufacturer,
    Distributor,
}

impl From<SideDto> for Side {
    fn from(s: SideDto) -> Self {
        match s {
            SideDto::Manufacturer => Side::Manufacturer,
            SideDto::Distributor => Side::Distributor,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanCampaignBody {
    pub campaign: Id,
    pub title: String,
    pub brand: Id,
    pub skus: Vec<Id>,
    pub starts_on: DateText,
    pub ends_on: DateText,
    pub activity_plan: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignTaskBody {
    pub task: Id,
    pub title: String,
    pub side: SideDto,
    pub due_on: DateText,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteTaskBody {
    pub completed_on: DateText,
    pub note: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DispatchBody {
    pub material: String,
    /// At most 2^53 − 1, the largest whole number JSON carries exactly.
    #[schema(maximum = 9_007_199_254_740_991_i64)]
    #[serde(deserialize_with = "crate::text::whole")]
    pub quantity: u64,
    pub dispatched_on: DateText,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveBody {
    pub material: String,
    /// At most 2^53 − 1, the largest whole number JSON carries exactly.
    #[schema(maximum = 9_007_199_254_740_991_i64)]
    #[serde(deserialize_with = "crate::text::whole")]
    pub quantity: u64,
    pub received_on: DateText,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutletsBody {
    pub outlets: Vec<Id>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceCheckBody {
    pub sku: Id,
    pub outlet: Id,
    pub observed_price_yuan: YuanText,
    pub checked_on: DateText,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocateSupplyBody {
    pub sku: Id,
    pub volume_cases: CasesText,
    pub allocated_on: DateText,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LaunchBody {
    pub launched_on: DateText,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeDto {
    Succeeded,
    PartlySucceeded,
    Failed,
    Cancelled,
}

impl From<OutcomeDto> for CampaignOutcome {
    fn from(o: OutcomeDto) -> Self {
        match o {
            OutcomeDto::Succeeded => CampaignOutcome::Succeeded,
            OutcomeDto::PartlySucceeded => CampaignOutcome::PartlySucceeded,
            OutcomeDto::Failed => CampaignOutcome::Failed,
            OutcomeDto::Cancelled => CampaignOutcome::Cancelled,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseCampaignBody {
    pub closed_on: DateText,
    pub outcome: OutcomeDto,
    pub summary: String,
}

// ---- brand ----

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntroduceBrandBody {
    pub introduced_on: DateText,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StageDto {
    Introduction,
    Cultivation,
    Growth,
    Mature,
    Decline,
    Withdrawn,
}

impl From<StageDto> for BrandStage {
    fn from(s: StageDto) -> Self {
        match s {
            StageDto::Introduction => BrandStage::Introduction,
            StageDto::Cultivation => BrandStage::Cultivation,
            StageDto::Growth => BrandStage::Growth,
            StageDto::Mature => BrandStage::Mature,
            StageDto::Decline => BrandStage::Decline,
            StageDto::Withdrawn => BrandStage::Withdrawn,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeStageBody {
    pub to: StageDto,
    pub changed_on: DateText,
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreDto {
    pub criterion: String,
    #[schema(maximum = 100)]
    #[serde(deserialize_with = "crate::text::whole")]
    pub score: u8,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluateBrandBody {
    pub period: PeriodText,
    #[schema(maximum = 100)]
    #[serde(deserialize_with = "crate::text::whole")]
    pub overall: u8,
    #[serde(default)]
    pub scores: Vec<ScoreDto>,
    #[serde(default)]
    pub comment: String,
    /// Replace an existing, different evaluation of this brand and period.
    #[serde(default)]
    pub supersede: bool,
}

impl EvaluateBrandBody {
    pub fn scores(&self) -> Vec<Score> {
        self.scores
            .iter()
            .map(|s| Score {
                criterion: s.criterion.clone(),
                score: s.score,
            })
            .collect()
    }
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CultureKindDto {
    FactoryVisit,
    CustomerManagerTraining,
    BrandPromotion,
}

impl From<CultureKindDto> for CultureActivityKind {
    fn from(k: CultureKindDto) -> Self {
        match k {
            CultureKindDto::FactoryVisit => CultureActivityKind::FactoryVisit,
            CultureKindDto::CustomerManagerTraining => CultureActivityKind::CustomerManagerTraining,
            CultureKindDto::BrandPromotion => CultureActivityKind::BrandPromotion,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CultureActivityBody {
    pub brand: Option<Id>,
    pub kind: CultureKindDto,
    pub title: String,
    pub held_on: DateText,
    #[serde(deserialize_with = "crate::text::whole")]
    pub participants: u32,
}

// ---- information ----

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VolumeLineDto {
    pub sku: Id,
    pub volume_cases: CasesText,
}

pub fn volume_lines(lines: &[VolumeLineDto]) -> Result<Vec<VolumeLine>, Problem> {
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            Ok(VolumeLine {
                sku: parse::<SkuId>(&format!("lines[{i}].sku"), &l.sku)?,
                volume: parse(&format!("lines[{i}].volume_cases"), &l.volume_cases)?,
            })
        })
        .collect()
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MonthLinesBody {
    pub month: MonthText,
    pub lines: Vec<VolumeLineDto>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceOrderBody {
    pub order: Id,
    pub month: MonthText,
    pub lines: Vec<VolumeLineDto>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinesBody {
    pub lines: Vec<VolumeLineDto>,
}

/// A market-data file as JSON: the CSV columns as fields, one object per row.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarketDataJson {
    /// Why recorded months change (a correction); may also be given as `?reason=`.
    pub reason: Option<String>,
    pub rows: Vec<MarketDataRow>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarketDataRow {
    pub period: MonthText,
    pub sku: Id,
    pub volume_cases: CasesText,
    pub revenue_yuan: YuanText,
    pub closing_stock_cases: Option<CasesText>,
    pub outlets_stocking: Option<CountText>,
    pub outlets_selling: Option<CountText>,
    pub avg_retail_price_yuan: Option<YuanText>,
}

/// A catalogue file as JSON: the CSV columns as fields, one object per SKU.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogueJson {
    pub skus: Vec<CatalogueRow>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogueRow {
    pub brand: Id,
    pub sku: Id,
    pub name: NonEmptyText,
    pub price_class: PriceClassText,
    pub guide_price_yuan: YuanText,
}

// ---- support ----

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeetingKindDto {
    RegularReview,
    ExecutiveVisit,
    Training,
}

impl From<MeetingKindDto> for MeetingKind {
    fn from(k: MeetingKindDto) -> Self {
        match k {
            MeetingKindDto::RegularReview => MeetingKind::RegularReview,
            MeetingKindDto::ExecutiveVisit => MeetingKind::ExecutiveVisit,
            MeetingKindDto::Training => MeetingKind::Training,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleMeetingBody {
    pub meeting: Id,
    pub kind: MeetingKindDto,
    pub title: String,
    pub scheduled_on: DateText,
    /// The reporting period a regular review reviews (required for one).
    pub period: Option<PeriodText>,
    #[serde(default)]
    pub agenda: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendeeDto {
    pub org: Id,
    pub name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldMeetingBody {
    pub held_on: DateText,
    pub attendees: Vec<AttendeeDto>,
    pub minutes: String,
    #[serde(default)]
    pub decisions: Vec<String>,
}

impl HoldMeetingBody {
    pub fn attendees(&self) -> Result<Vec<Attendee>, Problem> {
        self.attendees
            .iter()
            .enumerate()
            .map(|(i, a)| {
                Ok(Attendee {
                    org: parse(&format!("attendees[{i}].org"), &a.org)?,
                    name: a.name.clone(),
                })
            })
            .collect()
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RaiseActionBody {
    pub item: Id,
    pub title: String,
    pub owner: SideDto,
    pub due_on: DateText,
    /// The meeting whose decision this item carries out.
    pub meeting: Option<Id>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenBody {
    pub reason: String,
    pub due_on: DateText,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SeverityDto {
    Critical,
    High,
    Normal,
    Low,
}

impl From<SeverityDto> for Severity {
    fn from(s: SeverityDto) -> Self {
        match s {
            SeverityDto::Critical => Severity::Critical,
            SeverityDto::High => Severity::High,
            SeverityDto::Normal => Severity::Normal,
            SeverityDto::Low => Severity::Low,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenRequestBody {
    pub request: Id,
    pub title: String,
    pub severity: SeverityDto,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    pub resolution: String,
}

// ---- evaluation ----

/// Issue (freeze) the live report as its next version.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueBody {
    /// "As of" date for overdue items and months due; default today.
    pub as_of: Option<DateText>,
}

/// A figure that changed since the previous issued version.
#[derive(Debug, Serialize, ToSchema)]
pub struct RestatementBody {
    /// Where the figure sits, e.g. `kpis.volume_cases` or `skus[hy-soft].revenue_yuan`.
    pub key: String,
    /// The previous version's value (exact decimal), null where it was null.
    pub previous: Option<String>,
    /// This version's value, null where it became null.
    pub current: Option<String>,
}

/// What issuing did.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedBody {
    /// The version issued, or (when `issued` is false) the latest version, which the live
    /// report equals.
    pub version: u32,
    /// False when nothing changed since the latest version; nothing new was stored.
    pub issued: bool,
    /// What changed since the previous version; empty for version 1.
    pub restatements: Vec<RestatementBody>,
    /// Position of the `ReportIssued` event in the log; null when nothing was issued.
    pub position: Option<u64>,
}

impl From<synergy_runtime::IssuedReport> for IssuedBody {
    fn from(r: synergy_runtime::IssuedReport) -> Self {
        Self {
            version: r.version,
            issued: r.issued,
            restatements: r
                .restatements
                .into_iter()
                .map(|x| RestatementBody {
                    key: x.key,
                    previous: x.previous,
                    current: x.current,
                })
                .collect(),
            position: r.position.map(|p| p.0),
        }
    }
}
