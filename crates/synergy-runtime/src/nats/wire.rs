//! What travels between a client and a service over NATS: command requests and their
//! replies, the three queries and their answers, and the subjects each is sent on.
//!
//! Every message is framed by [`synergy_proto::codec::encode_message`] under
//! [`MESSAGE_VERSION`]. Postcard is not self-describing, so these types follow the wire
//! rules of `proto/`: fields and variants are only ever appended, and a change that
//! cannot be appended bumps the version. Errors carry a stable `code` string (the gateway
//! shows the same codes) and, for refusals, the rule and the field.

use std::borrow::Cow;

use serde::{Deserialize, Serialize, de::DeserializeOwned};
use synergy_domain::{
    CatalogueView, DomainError, ErrorCode, ErrorKind, PartnershipView, Principal, SkuView,
};
use synergy_evaluation::render::Format;
use synergy_eventlog::Position;
use synergy_proto::codec::{DecodeError, decode_message, encode_message};
use synergy_proto::events::brand::PriceClass;
use synergy_proto::events::evaluation::ReportKind;
use synergy_proto::{
    Actor, BrandId, CampaignId, Context, Date, OrgId, PartnershipId, Percent, Period, Side, SkuId,
    StreamId, TimeZone, TimeZoneError, Uuid, Yuan, subject,
};

use crate::api::{
    ApiError, NotFound, PlanGapRequest, PortfolioRequest, ReportRequest, ValueRealisedRequest,
};
use crate::executor::{AnyCommand, ExecuteError, Outcome, Request, Unavailable};
use crate::fault::{Corrupt, NotReady};
use crate::query::AnyQuery;

/// The version every message of this module is framed with.
pub const MESSAGE_VERSION: u16 = 1;

/// The `code` an [`ErrorWire`] carries: the failure's stable code from the one table
/// ([`ErrorCode`], `docs/errors.md`), except for three tags of the wire's own, which say
/// how to rebuild the caller's typed error and map to a table code as the consts say.
pub mod code {
    use synergy_domain::ErrorCode;

    /// The domain refused the command (see `kind`, `rule`, `field`): answered with the
    /// code of its kind (`forbidden`, `not_found`, `conflict`, `invalid`).
    pub const REFUSED: &str = "refused";
    /// Stored data cannot be read; an operator must look: answered `internal`.
    pub const CORRUPT: &str = "corrupt";
    /// The service could not read the request (garbage, another version, wrong subject):
    /// a deployment fault, answered `internal`.
    pub const BAD_REQUEST: &str = "bad_request";
    pub const CONTENDED: &str = ErrorCode::Contended.as_str();
    pub const UNAVAILABLE: &str = ErrorCode::Unavailable.as_str();
    pub const NOT_FOUND: &str = ErrorCode::NotFound.as_str();
    pub const NOT_READY: &str = ErrorCode::NotReady.as_str();
    pub const IDEMPOTENCY_KEY_REUSED: &str = ErrorCode::IdempotencyKeyReused.as_str();
    pub const INTERNAL: &str = ErrorCode::Internal.as_str();
}

/// A command, who sends it, and how to recognise a retry of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandRequest {
    pub actor: Actor,
    /// The same key on a retry means "the same command": it is recorded at most once.
    pub idempotency_key: Uuid,
    pub correlation_id: Uuid,
    pub command: AnyCommand,
    /// Decide only and record nothing (appended to the message: a service without it
    /// refuses such a request as trailing bytes rather than recording it).
    pub dry_run: bool,
}

impl CommandRequest {
    /// The wire form of `request`; a missing key or correlation id is made here, so the
    /// service never has to invent one.
    pub fn from_request(request: Request) -> Self {
        let key = request.idempotency_key.unwrap_or_else(Uuid::now_v7);
        CommandRequest {
            actor: request.principal.actor(),
            idempotency_key: key,
            correlation_id: request.correlation_id.unwrap_or(key),
            command: request.command,
            dry_run: request.dry_run,
        }
    }

    pub fn into_request(self) -> Request {
        Request {
            principal: principal_of(self.actor),
            command: self.command,
            idempotency_key: Some(self.idempotency_key),
            correlation_id: Some(self.correlation_id),
            dry_run: self.dry_run,
        }
    }
}

pub fn principal_of(actor: Actor) -> Principal {
    Principal::new(actor.org, actor.role, actor.user)
}

/// The answer to a [`CommandRequest`].
pub type CommandReply = Result<OutcomeWire, ErrorWire>;

/// An accepted command, as [`Outcome`] says it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeWire {
    pub stream: StreamId,
    pub position: Option<u64>,
    pub events: Vec<String>,
    pub version: u64,
    pub duplicate: bool,
    /// The declared answer's members as a JSON object's text (postcard cannot carry JSON
    /// values), for a command whose declaration has one.
    pub answer: Option<String>,
}

impl From<&Outcome> for OutcomeWire {
    fn from(o: &Outcome) -> Self {
        OutcomeWire {
            stream: o.stream.clone(),
            position: o.position.map(Position::get),
            events: o.events.iter().map(|e| e.to_string()).collect(),
            version: o.version,
            duplicate: o.duplicate,
            answer: o
                .answer
                .as_ref()
                .map(|a| serde_json::Value::Object(a.clone()).to_string()),
        }
    }
}

impl TryFrom<OutcomeWire> for Outcome {
    type Error = ApiError;
    fn try_from(o: OutcomeWire) -> Result<Self, ApiError> {
        let answer = o
            .answer
            .map(|text| serde_json::from_str(&text))
            .transpose()
            .map_err(|e| {
                ApiError::Execute(ExecuteError::Internal(format!(
                    "a service answered a command with JSON that does not parse: {e}"
                )))
            })?;
        Ok(Outcome {
            stream: o.stream,
            position: o.position.map(Position),
            events: o.events.into_iter().map(Cow::Owned).collect(),
            version: o.version,
            duplicate: o.duplicate,
            answer,
        })
    }
}

/// A failure, with a stable code and enough detail to rebuild the caller's error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorWire {
    /// One of [`code`].
    pub code: String,
    /// For refusals: `forbidden`, `not_found`, `state` or `invalid`. For `not_found`:
    /// what was not found (`records`, `campaign`, `issued_version`).
    pub kind: Option<String>,
    /// For refusals: the stable rule code, e.g. `plan.targets_only_in_draft`. For an
    /// issued version not found: the report kind.
    pub rule: Option<String>,
    /// For refusals: the offending field, where there is one. For `not_found`: the
    /// campaign, or the issued version's period.
    pub field: Option<String>,
    /// A sentence a person can act on.
    pub message: String,
    /// For `contended` and `idempotency_key_reused`: the aggregate. For `not_found`: the
    /// partnership's own stream (naming the partnership).
    pub stream: Option<StreamId>,
    /// For `contended`: how often it was tried. For an issued version not found: the
    /// version.
    pub attempts: Option<u32>,
    /// For `corrupt` and `not_ready`: the fault itself, which the caller's error carries.
    pub fault: Option<Fault>,
}

/// An operator's fault as it crosses the wire: whole, so the caller's process logs what
/// the service met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fault {
    Corrupt(Corrupt),
    NotReady(NotReady),
}

impl ErrorWire {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        ErrorWire {
            code: code.to_owned(),
            kind: None,
            rule: None,
            field: None,
            message: message.into(),
            stream: None,
            attempts: None,
            fault: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ErrorWire::new(code::BAD_REQUEST, message)
    }

    /// The wire form of an error a service met answering a request.
    pub fn from_api(e: &ApiError) -> Self {
        match e {
            ApiError::Execute(e) => ErrorWire::from_execute(e),
            ApiError::NotFound(missing) => ErrorWire::not_found(missing),
            ApiError::NotReady(n) => ErrorWire {
                fault: Some(Fault::NotReady(n.clone())),
                ..ErrorWire::new(code::NOT_READY, e.to_string())
            },
            ApiError::Projection(p) => {
                ErrorWire::new(e.code().as_str(), format!("evaluation's read models: {p}"))
            }
        }
    }

    pub fn from_execute(e: &ExecuteError) -> Self {
        match e {
            ExecuteError::Refused(d) => ErrorWire {
                kind: Some(kind_name(d.kind).to_owned()),
                rule: Some(d.rule.to_string()),
                field: d.field.clone(),
                ..ErrorWire::new(code::REFUSED, d.message.clone())
            },
            ExecuteError::Contended { stream, attempts } => ErrorWire {
                stream: Some(stream.clone()),
                attempts: Some(*attempts),
                ..ErrorWire::new(code::CONTENDED, e.to_string())
            },
            ExecuteError::Unavailable(cause) => {
                ErrorWire::new(code::UNAVAILABLE, cause.to_string())
            }
            ExecuteError::Corrupt(c) => ErrorWire {
                fault: Some(Fault::Corrupt(c.clone())),
                ..ErrorWire::new(code::CORRUPT, e.to_string())
            },
            ExecuteError::IdempotencyKeyReused { stream } => ErrorWire {
                stream: Some(stream.clone()),
                ..ErrorWire::new(code::IDEMPOTENCY_KEY_REUSED, e.to_string())
            },
            ExecuteError::Internal(m) => ErrorWire::new(code::INTERNAL, m.clone()),
        }
    }

    /// A [`NotFound`] in the fields the reply already had, so that a client of an older
    /// version still reads it (as its message).
    fn not_found(missing: &NotFound) -> Self {
        let named = |kind: &str, partnership: &PartnershipId| ErrorWire {
            kind: Some(kind.to_owned()),
            stream: Some(synergy_strategy::stream_for(partnership)),
            ..ErrorWire::new(code::NOT_FOUND, missing.to_string())
        };
        match missing {
            NotFound::Records(p) => named("records", p),
            NotFound::Campaign {
                partnership,
                campaign,
            } => ErrorWire {
                field: Some(campaign.to_string()),
                ..named("campaign", partnership)
            },
            NotFound::IssuedVersion {
                partnership,
                kind,
                period,
                version,
            } => ErrorWire {
                rule: Some(kind.as_str().to_owned()),
                field: Some(period.to_string()),
                attempts: Some(*version),
                ..named("issued_version", partnership)
            },
            NotFound::Described(_) => ErrorWire::new(code::NOT_FOUND, missing.to_string()),
        }
    }

    /// What a `not_found` reply names; a reply that names nothing (an older service) keeps
    /// its sentence.
    fn into_not_found(self) -> NotFound {
        let partnership = self.stream.as_ref().map(|s| s.partnership.clone());
        let named = match (self.kind.as_deref(), partnership) {
            (Some("records"), Some(p)) => Some(NotFound::Records(p)),
            (Some("campaign"), Some(p)) => self
                .field
                .as_deref()
                .and_then(|c| CampaignId::new(c).ok())
                .map(|campaign| NotFound::Campaign {
                    partnership: p,
                    campaign,
                }),
            (Some("issued_version"), Some(p)) => {
                let kind = self.rule.as_deref().and_then(|k| k.parse().ok());
                let period = self.field.as_deref().and_then(|t| t.parse().ok());
                match (kind, period, self.attempts) {
                    (Some(kind), Some(period), Some(version)) => Some(NotFound::IssuedVersion {
                        partnership: p,
                        kind,
                        period,
                        version,
                    }),
                    _ => None,
                }
            }
            _ => None,
        };
        named.unwrap_or(NotFound::Described(self.message))
    }

    /// The caller's error for this reply: a refusal keeps its kind, rule, field and
    /// message; a reply the client cannot make sense of is an internal error naming it.
    pub fn into_api(self) -> ApiError {
        let malformed = |what: &str, e: &ErrorWire| {
            ApiError::Execute(ExecuteError::Internal(format!(
                "the service answered {:?} without a valid {what}: {}",
                e.code, e.message
            )))
        };
        match self.code.as_str() {
            code::REFUSED => {
                let Some(kind) = self.kind.as_deref().and_then(kind_of) else {
                    return malformed("refusal kind", &self);
                };
                let Some(rule) = self.rule.as_deref() else {
                    return malformed("rule", &self);
                };
                return ApiError::Execute(ExecuteError::Refused(DomainError {
                    kind,
                    rule: Cow::Owned(rule.to_owned()),
                    field: self.field,
                    message: self.message,
                }));
            }
            code::CORRUPT => {
                return match self.fault {
                    Some(Fault::Corrupt(c)) => ApiError::Execute(ExecuteError::Corrupt(c)),
                    _ => malformed("fault", &self),
                };
            }
            // The client encoded the request itself, so a service that cannot read it
            // runs another wire version (or the request went to the wrong subject): a
            // deployment fault, not the user's.
            code::BAD_REQUEST => {
                return ApiError::Execute(ExecuteError::Internal(format!(
                    "the service could not read the request ({}); are the client and the \
                     services the same version?",
                    self.message
                )));
            }
            _ => {}
        }
        match ErrorCode::parse(&self.code) {
            Some(ErrorCode::Contended) => match (self.stream, self.attempts) {
                (Some(stream), Some(attempts)) => {
                    ApiError::Execute(ExecuteError::Contended { stream, attempts })
                }
                (stream, attempts) => malformed(
                    "stream and attempt count",
                    &ErrorWire {
                        stream,
                        attempts,
                        ..self
                    },
                ),
            },
            Some(ErrorCode::Unavailable) => ApiError::Execute(ExecuteError::Unavailable(
                Unavailable::storage(self.message),
            )),
            Some(ErrorCode::NotFound) => ApiError::NotFound(self.into_not_found()),
            Some(ErrorCode::NotReady) => match self.fault {
                Some(Fault::NotReady(n)) => ApiError::NotReady(n),
                _ => malformed("fault", &self),
            },
            Some(ErrorCode::IdempotencyKeyReused) => match self.stream {
                Some(stream) => ApiError::Execute(ExecuteError::IdempotencyKeyReused { stream }),
                None => malformed("stream", &self),
            },
            Some(ErrorCode::Internal) => ApiError::Execute(ExecuteError::Internal(self.message)),
            // A code of the table that no service sends (an HTTP one), or none at all.
            _ => ApiError::Execute(ExecuteError::Internal(format!(
                "the service answered with the unknown error code {:?}: {}",
                self.code, self.message
            ))),
        }
    }
}

pub fn kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Forbidden => "forbidden",
        ErrorKind::NotFound => "not_found",
        ErrorKind::State => "state",
        ErrorKind::Invalid => "invalid",
    }
}

pub fn kind_of(name: &str) -> Option<ErrorKind> {
    match name {
        "forbidden" => Some(ErrorKind::Forbidden),
        "not_found" => Some(ErrorKind::NotFound),
        "state" => Some(ErrorKind::State),
        "invalid" => Some(ErrorKind::Invalid),
        _ => None,
    }
}

/// One of a context's own queries, asked of that context's service on
/// [`read_subject`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadQuery {
    pub query: AnyQuery,
}

/// The answer as JSON text (what the HTTP API serves as it is).
pub type ReadReply = Result<String, ErrorWire>;

/// Who signed a partnership with whom: asked of the strategy service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnershipQuery {
    pub partnership: PartnershipId,
}

pub type PartnershipReply = Result<Option<PartnershipWire>, ErrorWire>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnershipWire {
    pub id: PartnershipId,
    pub manufacturer: OrgId,
    pub distributor: OrgId,
    pub terminated: bool,
    /// The IANA name of the partnership's time zone.
    pub time_zone: String,
}

impl From<&PartnershipView> for PartnershipWire {
    fn from(v: &PartnershipView) -> Self {
        PartnershipWire {
            id: v.id.clone(),
            manufacturer: v.manufacturer.clone(),
            distributor: v.distributor.clone(),
            terminated: v.terminated,
            time_zone: v.time_zone.name().to_owned(),
        }
    }
}

impl TryFrom<PartnershipWire> for PartnershipView {
    type Error = TimeZoneError;
    /// Fails on a zone this build's tz database does not hold (a service on a newer one):
    /// judging the partnership's days in another zone would be silently wrong.
    fn try_from(v: PartnershipWire) -> Result<Self, TimeZoneError> {
        Ok(PartnershipView {
            time_zone: TimeZone::new(&v.time_zone)?,
            id: v.id,
            manufacturer: v.manufacturer,
            distributor: v.distributor,
            terminated: v.terminated,
        })
    }
}

/// The partnerships an organisation is a party of: asked of the strategy service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnershipsQuery {
    pub org: OrgId,
}

pub type PartnershipsReply = Result<Vec<synergy_strategy::Listed>, ErrorWire>;

/// An organisation's portfolio: asked of the evaluation service, answered with its JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortfolioQuery {
    pub org: OrgId,
    pub side: Option<Side>,
    pub period: Period,
    pub rank_by: String,
    /// Read-your-writes: the log position the portfolio must reflect at least.
    pub after: Option<u64>,
}

impl From<&PortfolioRequest> for PortfolioQuery {
    fn from(r: &PortfolioRequest) -> Self {
        PortfolioQuery {
            org: r.org.clone(),
            side: r.side,
            period: r.period,
            rank_by: r.rank_by.clone(),
            after: r.after.map(|p| p.get()),
        }
    }
}

impl From<PortfolioQuery> for PortfolioRequest {
    fn from(q: PortfolioQuery) -> Self {
        PortfolioRequest {
            org: q.org,
            side: q.side,
            period: q.period,
            rank_by: q.rank_by,
            after: q.after.map(Position),
        }
    }
}

/// The partnership's registered SKUs: asked of the brand service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueQuery {
    pub partnership: PartnershipId,
}

pub type CatalogueReply = Result<CatalogueWire, ErrorWire>;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueWire {
    pub skus: Vec<SkuWire>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkuWire {
    pub sku: SkuId,
    pub brand: BrandId,
    pub name: String,
    pub price_class: PriceClass,
    pub guide_price: Yuan,
}

impl From<&CatalogueView> for CatalogueWire {
    fn from(v: &CatalogueView) -> Self {
        CatalogueWire {
            skus: v
                .skus
                .iter()
                .map(|(sku, s)| SkuWire {
                    sku: sku.clone(),
                    brand: s.brand.clone(),
                    name: s.name.clone(),
                    price_class: s.price_class,
                    guide_price: s.guide_price,
                })
                .collect(),
        }
    }
}

impl From<CatalogueWire> for CatalogueView {
    fn from(v: CatalogueWire) -> Self {
        CatalogueView {
            skus: v
                .skus
                .into_iter()
                .map(|s| {
                    (
                        s.sku,
                        SkuView {
                            brand: s.brand,
                            name: s.name,
                            price_class: s.price_class,
                            guide_price: s.guide_price,
                        },
                    )
                })
                .collect(),
        }
    }
}

/// A report to compute and render: asked of the evaluation service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportQuery {
    pub partnership: PartnershipId,
    pub period: Period,
    pub kind: ReportKind,
    pub format: FormatWire,
    pub as_of: Date,
    /// Read-your-writes: the log position the report must reflect at least.
    pub after: Option<u64>,
}

pub type ReportReply = Result<String, ErrorWire>;

/// [`Format`] on the wire (the evaluation crate keeps its type free of serde).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FormatWire {
    Json,
    Csv,
    Markdown,
    Html,
}

impl From<Format> for FormatWire {
    fn from(f: Format) -> Self {
        match f {
            Format::Json => FormatWire::Json,
            Format::Csv => FormatWire::Csv,
            Format::Markdown => FormatWire::Markdown,
            Format::Html => FormatWire::Html,
        }
    }
}

impl From<FormatWire> for Format {
    fn from(f: FormatWire) -> Self {
        match f {
            FormatWire::Json => Format::Json,
            FormatWire::Csv => Format::Csv,
            FormatWire::Markdown => Format::Markdown,
            FormatWire::Html => Format::Html,
        }
    }
}

impl From<&ReportRequest> for ReportQuery {
    fn from(r: &ReportRequest) -> Self {
        ReportQuery {
            partnership: r.partnership.clone(),
            period: r.period,
            kind: r.kind,
            format: r.format.into(),
            as_of: r.as_of,
            after: r.after.map(Position::get),
        }
    }
}

impl From<ReportQuery> for ReportRequest {
    fn from(q: ReportQuery) -> Self {
        ReportRequest {
            partnership: q.partnership,
            period: q.period,
            kind: q.kind,
            format: q.format.into(),
            as_of: q.as_of,
            after: q.after.map(Position),
        }
    }
}

/// A share-gap plan to compute: asked of the evaluation service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanGapQuery {
    pub partnership: PartnershipId,
    pub period: Period,
    pub target_share: Percent,
    pub format: FormatWire,
    pub after: Option<u64>,
}

impl From<&PlanGapRequest> for PlanGapQuery {
    fn from(r: &PlanGapRequest) -> Self {
        PlanGapQuery {
            partnership: r.partnership.clone(),
            period: r.period,
            target_share: r.target_share,
            format: r.format.into(),
            after: r.after.map(Position::get),
        }
    }
}

impl From<PlanGapQuery> for PlanGapRequest {
    fn from(q: PlanGapQuery) -> Self {
        PlanGapRequest {
            partnership: q.partnership,
            period: q.period,
            target_share: q.target_share,
            format: q.format.into(),
            after: q.after.map(Position),
        }
    }
}

/// A campaign's value realised to judge: asked of the evaluation service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueRealisedQuery {
    pub partnership: PartnershipId,
    pub campaign: CampaignId,
    pub as_of: Date,
    pub after: Option<u64>,
}

impl From<&ValueRealisedRequest> for ValueRealisedQuery {
    fn from(r: &ValueRealisedRequest) -> Self {
        ValueRealisedQuery {
            partnership: r.partnership.clone(),
            campaign: r.campaign.clone(),
            as_of: r.as_of,
            after: r.after.map(Position::get),
        }
    }
}

impl From<ValueRealisedQuery> for ValueRealisedRequest {
    fn from(q: ValueRealisedQuery) -> Self {
        ValueRealisedRequest {
            partnership: q.partnership,
            campaign: q.campaign,
            as_of: q.as_of,
            after: q.after.map(Position),
        }
    }
}

/// One issued version of a report, as frozen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedVersionQuery {
    pub partnership: PartnershipId,
    pub kind: ReportKind,
    pub period: Period,
    pub version: u32,
}

pub type IssuedVersionReply = Result<String, ErrorWire>;

/// Asks the evaluation service how far its read models are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusQuery;

/// Where the evaluation read models stand: the position they reflect, the log's head as
/// the service sees it (when it could read it), and the quarantined records passed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusWire {
    pub position: u64,
    pub head: Option<u64>,
    pub quarantined: u64,
}

pub type StatusReply = Result<StatusWire, ErrorWire>;

/// Frames a message under [`MESSAGE_VERSION`].
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, synergy_proto::codec::EncodeError> {
    encode_message(MESSAGE_VERSION, value)
}

/// Reads a message framed under [`MESSAGE_VERSION`]; anything else is a typed error.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    decode_message(MESSAGE_VERSION, bytes)
}

/// Query names, one per query subject.
pub const PARTNERSHIP_QUERY: &str = "partnership";
pub const PARTNERSHIPS_QUERY: &str = "partnerships";
pub const PORTFOLIO_QUERY: &str = "portfolio";
pub const HISTORY_QUERY: &str = "history";
pub const CATALOGUE_QUERY: &str = "catalogue";
pub const REPORT_QUERY: &str = "report";
pub const ISSUED_QUERY: &str = "issued-report";
pub const STATUS_QUERY: &str = "status";
pub const PLAN_GAP_QUERY: &str = "plan-gap";
pub const VALUE_REALISED_QUERY: &str = "value-realised";
/// A context's own queries ([`ReadQuery`]), one subject per context.
pub const READ_QUERY: &str = "read";

/// `syn.qry.evaluation.issued-report`
pub fn issued_subject() -> String {
    fixed_query(Context::Evaluation, ISSUED_QUERY)
}

/// `syn.qry.evaluation.status`
pub fn status_subject() -> String {
    fixed_query(Context::Evaluation, STATUS_QUERY)
}

/// `syn.qry.strategy.partnership`
pub fn partnership_subject() -> String {
    fixed_query(Context::Strategy, PARTNERSHIP_QUERY)
}

/// `syn.qry.strategy.partnerships`
pub fn partnerships_subject() -> String {
    fixed_query(Context::Strategy, PARTNERSHIPS_QUERY)
}

/// `syn.qry.strategy.history`: a partnership's audit trail, read from the log by the
/// service that keeps the partnership.
pub fn history_subject() -> String {
    fixed_query(Context::Strategy, HISTORY_QUERY)
}

pub type HistoryReply = Result<crate::history::HistoryPage, ErrorWire>;

/// `syn.qry.evaluation.portfolio`
pub fn portfolio_subject() -> String {
    fixed_query(Context::Evaluation, PORTFOLIO_QUERY)
}

/// `syn.qry.brand.catalogue`
pub fn catalogue_subject() -> String {
    fixed_query(Context::Brand, CATALOGUE_QUERY)
}

/// `syn.qry.evaluation.report`
pub fn report_subject() -> String {
    fixed_query(Context::Evaluation, REPORT_QUERY)
}

/// `syn.qry.evaluation.plan-gap`
pub fn plan_gap_subject() -> String {
    fixed_query(Context::Evaluation, PLAN_GAP_QUERY)
}

/// `syn.qry.evaluation.value-realised`
pub fn value_realised_subject() -> String {
    fixed_query(Context::Evaluation, VALUE_REALISED_QUERY)
}

/// `syn.qry.<context>.read`: the context's own queries, answered by its service.
pub fn read_subject(context: Context) -> String {
    fixed_query(context, READ_QUERY)
}

fn fixed_query(context: Context, name: &'static str) -> String {
    // The names are constants above, valid tokens by construction (unit-tested).
    subject::query(context, name).unwrap_or_else(|e| unreachable!("query name {name}: {e}"))
}

/// The subject a command is sent on: `syn.cmd.<context>.<verb>`.
pub fn command_subject(command: &AnyCommand) -> String {
    let verb = command.verb();
    // Verbs are the lowercase kebab-case literals of `verb`, valid tokens by construction.
    subject::command(command.context(), verb)
        .unwrap_or_else(|e| unreachable!("command verb {verb}: {e}"))
}

impl AnyCommand {
    /// The kebab-case name of the command, the last token of its NATS subject
    /// (`place-order` → `syn.cmd.information.place-order`): its declaration's verb, or an
    /// import's own.
    pub fn verb(&self) -> &'static str {
        if let Some(spec) = crate::commands::spec_of(self) {
            return spec.verb;
        }
        match self {
            AnyCommand::Brand(synergy_brand::Command::RegisterCatalogue { .. }) => {
                "register-catalogue"
            }
            AnyCommand::Information(synergy_information::Command::SubmitMarketData(_)) => {
                "submit-market-data"
            }
            // Webhooks are registered through their own use case (`crate::webhook`).
            AnyCommand::Strategy(synergy_strategy::Command::RegisterWebhook { .. }) => {
                "register-webhook"
            }
            AnyCommand::Strategy(synergy_strategy::Command::RemoveWebhook { .. }) => {
                "remove-webhook"
            }
            other => unreachable!("{:?} has no declaration", other.context()),
        }
    }
}

#[cfg(test)]
mod tests;
