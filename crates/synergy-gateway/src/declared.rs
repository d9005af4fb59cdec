//! The HTTP front end of the declared commands ([`synergy_runtime::commands`]): one route
//! per declaration, served by one handler, and documented in the OpenAPI document from the
//! same declaration — path, parameters, request schema, who may call it, what each status
//! means.
//!
//! A request is answered in the order a client can act on: the body's names and JSON types
//! (400 `malformed_json`), the path parameters (400 `invalid_path`), each value's shape
//! (422 `invalid`, naming the field), then who may act (404 for a partnership the caller is
//! no party of, 403 for the other side's task), then the context's decision.

use axum::extract::State;
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use axum::routing::{MethodRouter, post};
use synergy_domain::ErrorCode;
use synergy_domain::PartnershipView;
use synergy_domain::contract::{
    Args, BindError, CommandSpec, Field, Kind, Member, Reply, Values, Who, check,
};
use synergy_proto::{OrgId, PartnershipId};
use synergy_runtime::{AnyCommand, commands};
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{
    AdditionalProperties, AllOfBuilder, ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type,
};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Required};

use crate::GatewayState;
use crate::auth::{self, Caller};
use crate::error::Problem;
use crate::extract::{JsonBody, Params};

/// The routes of every declared command: (method, path, handler).
pub fn routes() -> Vec<(Method, &'static str, MethodRouter<GatewayState>)> {
    commands::all()
        .map(|spec| {
            let handler = if spec.path.contains('{') {
                post(
                    move |State(s): State<GatewayState>,
                          caller: Caller,
                          params: Params,
                          headers: HeaderMap,
                          JsonBody(body): JsonBody<Values>| async move {
                        handle(spec, &s, &caller, &params, &headers, body).await
                    },
                )
            } else {
                post(
                    move |State(s): State<GatewayState>,
                          caller: Caller,
                          headers: HeaderMap,
                          JsonBody(body): JsonBody<Values>| async move {
                        let params = Params(Default::default());
                        handle(spec, &s, &caller, &params, &headers, body).await
                    },
                )
            };
            (Method::POST, spec.path, handler)
        })
        .collect()
}

fn malformed(message: impl std::fmt::Display) -> Problem {
    Problem::new(
        ErrorCode::MalformedJson,
        format!("the body is not the JSON this route takes: {message}"),
    )
}

async fn handle(
    spec: &'static CommandSpec,
    s: &GatewayState,
    caller: &Caller,
    params: &Params,
    headers: &HeaderMap,
    values: Values,
) -> Result<Response, Problem> {
    let command = command_of(spec, s, caller, params, values).await?;
    crate::routes::execute(s, caller, headers, command).await
}

/// The command a request makes of `spec` — the body's fields (`values`) and the path's
/// (`params`) — once the caller may issue it: what the route executes, and what the web
/// app's forms execute (`web::form`), so both refuse alike.
pub(crate) async fn command_of(
    spec: &'static CommandSpec,
    s: &GatewayState,
    caller: &Caller,
    params: &Params,
    mut values: Values,
) -> Result<AnyCommand, Problem> {
    // The body names only the fields the path does not carry.
    for field in spec.fields.iter().filter(|f| spec.in_path(f)) {
        if values.contains_key(field.name) {
            return Err(malformed(format_args!("unknown field `{}`", field.name)));
        }
    }
    check_body(spec, &values)?;
    for field in spec.fields.iter().filter(|f| spec.in_path(f)) {
        let name = field.path_name();
        let raw = params
            .0
            .get(name)
            .ok_or_else(|| Problem::internal(format!("route has no path parameter {name}")))?;
        if let Kind::Text(shape) = field.kind
            && !shape.accepts(raw)
        {
            return Err(Problem::new(
                ErrorCode::InvalidPath,
                format!("path parameter {name} is not {}", shape.expected()),
            )
            .with_field(name));
        }
        if let Kind::Choice(choices) = field.kind
            && !choices.iter().any(|c| c.value == raw.as_str())
        {
            let values: Vec<&str> = choices.iter().map(|c| c.value).collect();
            return Err(Problem::new(
                ErrorCode::InvalidPath,
                format!("path parameter {name} is not one of {}", values.join(", ")),
            )
            .with_field(name));
        }
        values.insert(field.name.to_owned(), raw.clone().into());
    }
    let command = commands::bind(spec, &values).map_err(|e| match e {
        BindError::Malformed(message) => malformed(message),
        BindError::Field(e) => Problem::invalid_field(&e.field, e.message),
    })?;
    let args = Args::new(spec.fields, &values);
    let field =
        |e: synergy_domain::contract::FieldError| Problem::invalid_field(&e.field, e.message);
    match spec.who {
        Who::Only(side) => {
            let partnership: PartnershipId = args.get("partnership").map_err(field)?;
            let view = auth::partnership(s, &partnership).await?;
            caller.may(&view, auth::Who::Only(side), spec.action)?;
        }
        Who::Either(_) => {
            let partnership: PartnershipId = args.get("partnership").map_err(field)?;
            let view = auth::partnership(s, &partnership).await?;
            caller.may(&view, auth::Who::Either, spec.action)?;
        }
        Who::Signatory => {
            // The agreement names the parties the caller must be one of; whether the id is
            // free (or someone else's, which is refused naming nobody) is the context's.
            // Not `Caller::may`: the caller named these parties itself, so a refusal here
            // tells it nothing it did not say (403), where `may` answers outsiders with a 404.
            let view = PartnershipView {
                id: args.get("partnership").map_err(field)?,
                manufacturer: args.get::<OrgId>("manufacturer").map_err(field)?,
                distributor: args.get::<OrgId>("distributor").map_err(field)?,
                terminated: false,
                time_zone: synergy_proto::TimeZone::default(),
            };
            view.side_of(&caller.principal).map_err(Problem::from)?;
        }
        // Only the organisations a proposal names act on it, which the context decides:
        // a proposal binds nobody yet and has no partnership view.
        Who::Proposal => {}
    }
    Ok(command)
}

/// The body's names and JSON types, as [`check`] says, leaving out the path's fields.
fn check_body(spec: &CommandSpec, body: &Values) -> Result<(), Problem> {
    let mut with_path = body.clone();
    for field in spec.fields.iter().filter(|f| spec.in_path(f)) {
        // A stand-in of the right type: the path's own check comes next.
        with_path.insert(field.name.to_owned(), serde_json::Value::from(""));
    }
    check(spec, &with_path).map_err(malformed)
}

/// Adds every declared command's operation to the document.
pub fn document(doc: &mut OpenApi) {
    for spec in commands::all() {
        let mut op = OperationBuilder::new()
            .tag(spec.context.as_str())
            .summary(Some(spec.summary()))
            .description(Some(description(spec)))
            .operation_id(Some(spec.verb.replace('-', "_")));
        for field in spec.fields.iter().filter(|f| spec.in_path(f)) {
            let mut p = ParameterBuilder::new()
                .name(field.path_name())
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(schema(field)));
            if field.name == "partnership" {
                p = p.description(Some("Partnership id"));
            }
            op = op.parameter(p);
        }
        for (name, shape, text) in [
            (
                "Idempotency-Key",
                synergy_domain::contract::Shape::Uuid,
                "A UUID; a retry with the same key is recorded once",
            ),
            (
                "X-Act-As",
                synergy_domain::contract::Shape::Id,
                "Admin tokens only: the organisation the admin acts for",
            ),
        ] {
            op = op.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Header)
                    .required(Required::False)
                    .description(Some(text))
                    .schema(Some(shape.schema())),
            );
        }
        let mut body = ObjectBuilder::new()
            .schema_type(Type::Object)
            .additional_properties(Some(AdditionalProperties::FreeForm(false)));
        for field in spec.fields.iter().filter(|f| !spec.in_path(f)) {
            body = body.property(field.name, schema(field));
            if field.required {
                body = body.required(field.name);
            }
        }
        op = op.request_body(Some(
            RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(body)).build(),
                )
                .build(),
        ));
        for (status, text) in responses(spec) {
            let schema: RefOr<Schema> = match (status.starts_with('2'), spec.answer) {
                (false, _) => Ref::from_schema_name("ErrorBody").into(),
                (true, None) => Ref::from_schema_name("OutcomeBody").into(),
                // The outcome's members and the ones the declaration adds.
                (true, Some(answer)) => AllOfBuilder::new()
                    .item(Ref::from_schema_name("OutcomeBody"))
                    .item(members_schema(answer.members))
                    .into(),
            };
            op = op.response(
                status,
                ResponseBuilder::new().description(text).content(
                    "application/json",
                    ContentBuilder::new().schema(Some(schema)).build(),
                ),
            );
        }
        op = op.security(SecurityRequirement::new("bearer", Vec::<String>::new()));
        doc.paths
            .add_path_operation(spec.path, vec![HttpMethod::Post], op.build());
    }
}

fn description(spec: &CommandSpec) -> String {
    let rest: Vec<&str> = spec.doc.lines().skip(1).collect();
    let who = match spec.who {
        Who::Only(side) => format!("Only the {side} of the partnership may."),
        Who::Either(_) => "Either party of the partnership may.".to_owned(),
        Who::Signatory => "One of the two organisations it names may.".to_owned(),
        Who::Proposal => "Only the organisations the proposal names may.".to_owned(),
    };
    let mut text = rest.join(" ");
    if !text.is_empty() {
        text.push_str("\n\n");
    }
    text.push_str(&who);
    text
}

fn schema(field: &Field) -> Schema {
    let b = match field.kind {
        Kind::Text(shape) => shape.schema(),
        Kind::Free => ObjectBuilder::new().schema_type(Type::String),
        Kind::Whole { min, max } => ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(min as f64))
            .maximum(Some(max as f64)),
        Kind::Choice(choices) => ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(choices.iter().map(|c| c.value))),
        Kind::Flag => ObjectBuilder::new().schema_type(Type::Boolean),
        Kind::List(shape) => {
            let item = shape.map_or_else(
                || ObjectBuilder::new().schema_type(Type::String),
                synergy_proto::shape::Shape::schema,
            );
            return ArrayBuilder::new()
                .items(item)
                .description(Some(field.doc))
                .into();
        }
        Kind::Records(record) => {
            let mut item = ObjectBuilder::new()
                .schema_type(Type::Object)
                .additional_properties(Some(AdditionalProperties::FreeForm(false)));
            for f in record.fields {
                item = item.property(f.name, schema(f));
                if f.required {
                    item = item.required(f.name);
                }
            }
            return ArrayBuilder::new()
                .items(item)
                .description(Some(field.doc))
                .into();
        }
    };
    b.description(Some(field.doc)).into()
}

/// An object of `members`, every one of them always present.
fn members_schema(members: &[Member]) -> ObjectBuilder {
    let mut object = ObjectBuilder::new().schema_type(Type::Object);
    for member in members {
        let typed = |t: SchemaType| {
            Schema::from(
                ObjectBuilder::new()
                    .schema_type(t)
                    .description(Some(member.doc)),
            )
        };
        let schema = match member.reply {
            Reply::Flag => typed(Type::Boolean.into()),
            Reply::Whole => typed(Type::Integer.into()),
            Reply::Text => typed(Type::String.into()),
            Reply::OptionalText => typed(SchemaType::from_iter([Type::String, Type::Null])),
            Reply::List(inner) => ArrayBuilder::new()
                .items(members_schema(inner))
                .description(Some(member.doc))
                .into(),
        };
        object = object.property(member.name, schema).required(member.name);
    }
    object
}

fn responses(spec: &CommandSpec) -> Vec<(&'static str, &'static str)> {
    let (ok, forbidden, not_found, conflict) = match spec.who {
        Who::Signatory => (
            "The identical agreement was already proposed by the caller or signed",
            "The caller is neither party of the agreement",
            None,
            "Already signed or proposed differently, or the id is taken",
        ),
        Who::Proposal => (
            "Nothing changed, or a retry of a recorded answer",
            "The other party's answer (the proposer withdraws; the other side accepts or declines)",
            Some("No such proposal or partnership the caller is a party of"),
            "Already signed: there is no proposal to answer",
        ),
        Who::Only(_) | Who::Either(_) => (
            "Nothing changed (an identical command), or a retry of a recorded one",
            "Not a party, or the other side's task",
            Some("The partnership or a referenced item does not exist"),
            "Not allowed in the current state",
        ),
    };
    let mut all = vec![
        ("201", spec.recorded),
        ("200", spec.unchanged.unwrap_or(ok)),
        ("400", "Malformed JSON, path or header"),
        ("401", "No, unknown or revoked token"),
        ("403", forbidden),
    ];
    if let Some(text) = not_found {
        all.push(("404", text));
    }
    all.extend([
        ("408", "The request took too long"),
        ("409", conflict),
        ("413", "Body too large"),
        ("415", "Body is not JSON"),
        ("422", "A field breaks a rule"),
        (
            "503",
            "Temporarily unavailable; retry with the same Idempotency-Key",
        ),
    ]);
    all
}
