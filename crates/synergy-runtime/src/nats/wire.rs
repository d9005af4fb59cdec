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
use synergy_domain::{CatalogueView, DomainError, ErrorKind, PartnershipView, Principal, SkuView};
use synergy_evaluation::render::Format;
use synergy_eventlog::Position;
use synergy_proto::codec::{DecodeError, decode_message, encode_message};
use synergy_proto::events::brand::PriceClass;
use synergy_proto::events::evaluation::ReportKind;
use synergy_proto::{
    Actor, BrandId, CampaignId, Context, Date, OrgId, PartnershipId, Percent, Period, SkuId,
    StreamId, TimeZone, TimeZoneError, Uuid, Yuan, subject,
};

use crate::api::{ApiError, PlanGapRequest, ReportRequest, ValueRealisedRequest};
use crate::executor::{AnyCommand, ExecuteError, Outcome, Request};
use crate::projection::ProjectionError;
use crate::query::AnyQuery;

/// The version every message of this module is framed with.
pub const MESSAGE_VERSION: u16 = 1;

/// Stable error codes, shared with the gateway's JSON errors.
pub mod code {
    /// The domain refused the command (see `kind`, `rule`, `field`).
    pub const REFUSED: &str = "refused";
    /// Other writers kept changing the aggregate; retry.
    pub const CONTENDED: &str = "contended";
    /// The event log or the service could not be reached; retry with the same key.
    pub const UNAVAILABLE: &str = "unavailable";
    pub const NOT_FOUND: &str = "not_found";
    /// The read models have not reached the caller's last write yet; retry.
    pub const NOT_READY: &str = "not_ready";
    /// Stored data cannot be read; an operator must look.
    pub const CORRUPT: &str = "corrupt";
    /// The caller's idempotency key was used before for another command on the stream.
    pub const IDEMPOTENCY_KEY_REUSED: &str = "idempotency_key_reused";
    pub const INTERNAL: &str = "internal";
    /// The service could not read the request (garbage, another version, wrong subject).
    pub const BAD_REQUEST: &str = "bad_request";
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
    /// For refusals: `forbidden`, `not_found`, `state` or `invalid`.
    pub kind: Option<String>,
    /// For refusals: the stable rule code, e.g. `plan.targets_only_in_draft`.
    pub rule: Option<String>,
    /// For refusals: the offending field, where there is one.
    pub field: Option<String>,
    /// A sentence a person can act on.
    pub message: String,
    /// For `contended`: the aggregate and how often it was tried.
    pub stream: Option<StreamId>,
    pub attempts: Option<u32>,
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
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ErrorWire::new(code::BAD_REQUEST, message)
    }

    /// The wire form of an error a service met answering a request.
    pub fn from_api(e: &ApiError) -> Self {
        match e {
            ApiError::Execute(e) => ErrorWire::from_execute(e),
            ApiError::NotFound(m) => ErrorWire::new(code::NOT_FOUND, m.clone()),
            ApiError::NotReady(m) => ErrorWire::new(code::NOT_READY, m.clone()),
            ApiError::Projection(p) => {
                let code = match p {
                    ProjectionError::Unavailable(_) => code::UNAVAILABLE,
                    ProjectionError::Log {
                        source: synergy_eventlog::ReadError::Unavailable { .. },
                        ..
                    } => code::UNAVAILABLE,
                    ProjectionError::Model { .. } | ProjectionError::Log { .. } => code::CORRUPT,
                    ProjectionError::Store(_) => code::INTERNAL,
                };
                ErrorWire::new(code, format!("evaluation's read models: {p}"))
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
            ExecuteError::Unavailable(m) => ErrorWire::new(code::UNAVAILABLE, m.clone()),
            ExecuteError::Corrupt(m) => ErrorWire::new(code::CORRUPT, m.clone()),
            ExecuteError::IdempotencyKeyReused { stream } => ErrorWire {
                stream: Some(stream.clone()),
                ..ErrorWire::new(code::IDEMPOTENCY_KEY_REUSED, e.to_string())
            },
            ExecuteError::Internal(m) => ErrorWire::new(code::INTERNAL, m.clone()),
        }
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
                ApiError::Execute(ExecuteError::Refused(DomainError {
                    kind,
                    rule: Cow::Owned(rule.to_owned()),
                    field: self.field,
                    message: self.message,
                }))
            }
            code::CONTENDED => match (self.stream, self.attempts) {
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
            code::UNAVAILABLE => ApiError::Execute(ExecuteError::Unavailable(self.message)),
            code::NOT_FOUND => ApiError::NotFound(self.message),
            code::NOT_READY => ApiError::NotReady(self.message),
            code::CORRUPT => ApiError::Execute(ExecuteError::Corrupt(self.message)),
            code::IDEMPOTENCY_KEY_REUSED => match self.stream {
                Some(stream) => ApiError::Execute(ExecuteError::IdempotencyKeyReused { stream }),
                None => malformed("stream", &self),
            },
            code::INTERNAL => ApiError::Execute(ExecuteError::Internal(self.message)),
            // The client encoded the request itself, so a service that cannot read it
            // runs another wire version (or the request went to the wrong subject): a
            // deployment fault, not the user's.
            code::BAD_REQUEST => ApiError::Execute(ExecuteError::Internal(format!(
                "the service could not read the request ({}); are the client and the \
                 services the same version?",
                self.message
            ))),
            other => ApiError::Execute(ExecuteError::Internal(format!(
                "the service answered with the unknown error code {other:?}: {}",
                self.message
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
            other => unreachable!("{:?} has no declaration", other.context()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use synergy_proto::Role;

    #[test]
    fn query_subjects_are_the_documented_ones() {
        assert_eq!(partnership_subject(), "syn.qry.strategy.partnership");
        assert_eq!(catalogue_subject(), "syn.qry.brand.catalogue");
        assert_eq!(report_subject(), "syn.qry.evaluation.report");
        assert_eq!(plan_gap_subject(), "syn.qry.evaluation.plan-gap");
        assert_eq!(
            value_realised_subject(),
            "syn.qry.evaluation.value-realised"
        );
        assert_eq!(status_subject(), "syn.qry.evaluation.status");
    }

    #[test]
    fn a_refusal_survives_the_wire_with_kind_rule_field_and_message() {
        let refusal = DomainError::invalid(
            "market_data.volume_not_negative",
            "months[0].lines[2].volume",
            "a volume cannot be negative",
        );
        let wire = ErrorWire::from_execute(&ExecuteError::Refused(refusal.clone()));
        let bytes = encode(&CommandReply::Err(wire)).unwrap();
        let back: CommandReply = decode(&bytes).unwrap();
        let ApiError::Execute(ExecuteError::Refused(got)) = back.unwrap_err().into_api() else {
            panic!("not a refusal")
        };
        assert_eq!(got, refusal);
    }

    #[test]
    fn every_code_maps_back_to_the_error_it_came_from() {
        let p = PartnershipId::new("p1").unwrap();
        let stream = synergy_strategy::stream_for(&p);
        let cases: Vec<ApiError> = vec![
            ApiError::Execute(ExecuteError::Contended {
                stream: stream.clone(),
                attempts: 8,
            }),
            ApiError::Execute(ExecuteError::Unavailable("gone".into())),
            ApiError::Execute(ExecuteError::Corrupt("bad record at 7".into())),
            ApiError::Execute(ExecuteError::Internal("bug".into())),
            ApiError::NotFound("nothing for p1".into()),
            ApiError::NotReady("at 3, waiting for 5".into()),
        ];
        for e in cases {
            let before = e.to_string();
            let after = ErrorWire::from_api(&e).into_api().to_string();
            assert_eq!(before, after);
        }
    }

    #[test]
    fn unknown_codes_and_bad_requests_become_internal_errors_that_say_so() {
        let e = ErrorWire::new("teapot", "short and stout").into_api();
        assert!(e.to_string().contains("teapot"), "{e}");
        let e = ErrorWire::bad_request("malformed body").into_api();
        assert!(matches!(e, ApiError::Execute(ExecuteError::Internal(_))));
        assert!(e.to_string().contains("malformed body"), "{e}");
        let mut refused = ErrorWire::new(code::REFUSED, "no");
        refused.kind = Some("sideways".into());
        assert!(matches!(
            refused.into_api(),
            ApiError::Execute(ExecuteError::Internal(_))
        ));
    }

    #[test]
    fn issuing_travels_on_its_verb_and_its_answer_survives_the_reply() {
        let p = PartnershipId::new("p1").unwrap();
        let command = AnyCommand::Evaluation(synergy_evaluation::Command::IssueReport {
            partnership: p.clone(),
            kind: ReportKind::Review,
            period: "2008-Q2".parse().unwrap(),
            as_of: None,
        });
        assert_eq!(command_subject(&command), "syn.cmd.evaluation.issue-report");
        let mut answer = synergy_domain::contract::Values::new();
        answer.insert("issued".into(), true.into());
        answer.insert(
            "restatements".into(),
            serde_json::json!([{"key": "kpis.volume_cases", "previous": "1", "current": null}]),
        );
        let outcome = Outcome {
            stream: synergy_evaluation::issued_stream(
                &p,
                ReportKind::Review,
                "2008-Q2".parse().unwrap(),
            ),
            position: Some(Position(7)),
            events: vec![Cow::Borrowed("ReportIssued")],
            version: 2,
            duplicate: false,
            answer: Some(answer),
        };
        let bytes = encode(&CommandReply::Ok(OutcomeWire::from(&outcome))).unwrap();
        let back: CommandReply = decode(&bytes).unwrap();
        assert_eq!(Outcome::try_from(back.unwrap()).unwrap(), outcome);
        // A reply whose answer is no JSON is an error that says so, not a silent nothing.
        let mut garbled = OutcomeWire::from(&outcome);
        garbled.answer = Some("{".into());
        let e = Outcome::try_from(garbled).unwrap_err();
        assert!(e.to_string().contains("does not parse"), "{e}");
    }

    #[test]
    fn commands_round_trip_and_garbage_is_a_typed_error() {
        let p = PartnershipId::new("p1").unwrap();
        let command = AnyCommand::Strategy(synergy_strategy::Command::AdoptRulebook {
            partnership: p,
            title: "例會".into(),
            adopted_on: "2008-01-10".parse().unwrap(),
        });
        assert_eq!(command_subject(&command), "syn.cmd.strategy.adopt-rulebook");
        let request = CommandRequest {
            actor: Actor {
                org: OrgId::new("hongyun").unwrap(),
                role: Role::Manufacturer,
                user: "brand-team".into(),
            },
            idempotency_key: Uuid::now_v7(),
            correlation_id: Uuid::now_v7(),
            command,
            dry_run: true,
        };
        let bytes = encode(&request).unwrap();
        assert_eq!(decode::<CommandRequest>(&bytes).unwrap(), request);
        assert!(request.clone().into_request().dry_run);
        assert!(decode::<CommandRequest>(b"SM\x01\x00\xff\xff").is_err());
        assert!(decode::<CommandRequest>(b"{\"json\":1}").is_err());
        let mut other_version = bytes.clone();
        other_version[2] = 9;
        assert!(matches!(
            decode::<CommandRequest>(&other_version),
            Err(DecodeError::UnknownVersion { found: 9 })
        ));
    }
}
