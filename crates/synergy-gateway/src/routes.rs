//! The handlers: the commands, the reads and the reports (the uploads are in `uploads`). Every command
//! handler authenticates, checks the caller is a party of the partnership and on the side
//! the command belongs to, then executes through [`synergy_runtime::Api`].

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use synergy_domain::ErrorCode;
use synergy_domain::contract::Values;
use synergy_evaluation::locale::Lang;
use synergy_evaluation::render::Format as ReportFormat;
use synergy_evaluation::schema::{PlanGapJson, ReportJson, ValueRealisedJson};
use synergy_proto::events::evaluation::ReportKind;
use synergy_proto::{CampaignId, Date, PartnershipId, Period, Side};
use synergy_runtime::{AnyCommand, PlanGapRequest, ReportRequest, Request, ValueRealisedRequest};
use utoipa::{IntoParams, ToSchema};

use crate::GatewayState;
use crate::auth::{Caller, Who};
use crate::dto::*;
use crate::error::{ErrorBody, Problem, codes};
use crate::extract::{Params, QueryArgs};

pub(crate) const M: Who = Who::Only(Side::Manufacturer);

pub(crate) fn idempotency_key(headers: &HeaderMap) -> Result<Option<synergy_proto::Uuid>, Problem> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let text = v.to_str().map_err(|_| {
        Problem::new(
            ErrorCode::InvalidHeader,
            "Idempotency-Key is not readable text",
        )
    })?;
    if !Shape::Uuid.accepts(text) {
        return Err(Problem::new(ErrorCode::InvalidHeader,
            format!("Idempotency-Key must be a hyphenated UUID, e.g. 0190a5f2-3c4d-7e8f-9a0b-1c2d3e4f5a6b; got {text:?}"),
        )
        .with_field("Idempotency-Key"));
    }
    synergy_proto::Uuid::parse_str(text).map(Some).map_err(|e| {
        Problem::new(
            ErrorCode::InvalidHeader,
            format!("Idempotency-Key must be a UUID: {e}"),
        )
        .with_field("Idempotency-Key")
    })
}

/// Executes `command` as the caller and answers with its outcome.
pub(crate) async fn execute(
    s: &GatewayState,
    caller: &Caller,
    headers: &HeaderMap,
    command: AnyCommand,
) -> Result<Response, Problem> {
    let mut request = Request::new(caller.principal.clone(), command);
    request.idempotency_key = idempotency_key(headers)?;
    let (status, outcome, answer) = outcome_of(s, request).await?;
    let mut body = serde_json::to_value(outcome)
        .map_err(|e| Problem::internal(format!("an outcome is not JSON: {e}")))?;
    // What the command's declaration says it answers joins the outcome's members.
    if let (Some(answer), serde_json::Value::Object(members)) = (answer, &mut body) {
        members.extend(answer);
    }
    Ok((status, axum::Json(body)).into_response())
}

/// Executes `request` (or decides it only, for a dry run), counting it in the metrics:
/// the status to answer with, the outcome and the command's declared answer, if any.
pub(crate) async fn outcome_of(
    s: &GatewayState,
    request: Request,
) -> Result<(StatusCode, OutcomeBody, Option<Values>), Problem> {
    let context = request.command.context().as_str();
    let dry_run = request.dry_run;
    match s.api.execute(request).await {
        Ok(mut outcome) => {
            let (status, label) = if dry_run {
                (StatusCode::OK, "checked")
            } else if outcome.duplicate {
                (StatusCode::OK, "duplicate")
            } else if outcome.events.is_empty() {
                (StatusCode::OK, "unchanged")
            } else {
                (StatusCode::CREATED, "recorded")
            };
            s.metrics.command(context, label);
            let answer = outcome.answer.take();
            Ok((status, OutcomeBody::from(outcome), answer))
        }
        Err(e) => {
            let problem = Problem::from(e);
            let label = match (problem.status.as_u16(), problem.body.code.as_str()) {
                (_, codes::CONTENDED) => "contended",
                (503, _) => "unavailable",
                (500, _) => "failed",
                _ => "refused",
            };
            s.metrics.command(context, label);
            Err(problem)
        }
    }
}

/// The partnership's parties (parties only).
#[utoipa::path(
    get,
    path = "/v1/partnerships/{id}",
    tag = "strategy",
    params(
        ("id" = inline(Id), Path, description = "Partnership id"),
        ("X-Act-As" = inline(Option<Id>), Header, description = "Admin tokens only: the organisation the admin acts for"),
    ),
    responses(
        (status = 200, description = "The partnership", body = PartnershipBody),
        (status = 400, description = "Malformed path or header", body = ErrorBody),
        (status = 401, description = "No, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "Not a party", body = ErrorBody),
        (status = 404, description = "No such partnership", body = ErrorBody),
        (status = 408, description = "The request took too long", body = ErrorBody),
        (status = 503, description = "Temporarily unavailable", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_partnership(
    State(s): State<GatewayState>,
    caller: Caller,
    args: Params,
) -> Result<Response, Problem> {
    let p: PartnershipId = args.get("id")?;
    let view = caller.party_view(&s, &p).await?;
    Ok(axum::Json(PartnershipBody {
        id: view.id.to_string(),
        manufacturer: view.manufacturer.to_string(),
        distributor: view.distributor.to_string(),
        terminated: view.terminated,
        time_zone: view.time_zone.name().to_owned(),
    })
    .into_response())
}

/// The partnership's registered SKUs (parties only).
#[utoipa::path(
    get,
    path = "/v1/partnerships/{id}/catalogue",
    tag = "brand",
    params(
        ("id" = inline(Id), Path, description = "Partnership id"),
        ("X-Act-As" = inline(Option<Id>), Header, description = "Admin tokens only: the organisation the admin acts for"),
    ),
    responses(
        (status = 200, description = "The catalogue", body = CatalogueBody),
        (status = 400, description = "Malformed path or header", body = ErrorBody),
        (status = 401, description = "No, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "Not a party", body = ErrorBody),
        (status = 404, description = "No such partnership", body = ErrorBody),
        (status = 408, description = "The request took too long", body = ErrorBody),
        (status = 503, description = "Temporarily unavailable", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_catalogue(
    State(s): State<GatewayState>,
    caller: Caller,
    args: Params,
) -> Result<Response, Problem> {
    let p: PartnershipId = args.get("id")?;
    caller.party_view(&s, &p).await?;
    let catalogue = s.api.catalogue(&p).await?;
    let skus = catalogue
        .skus
        .into_iter()
        .map(|(sku, v)| CatalogueSku {
            brand: v.brand.to_string(),
            sku: sku.to_string(),
            name: v.name,
            price_class: v.price_class.get(),
            guide_price_yuan: v.guide_price.to_string(),
        })
        .collect();
    Ok(axum::Json(CatalogueBody { skus }).into_response())
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormatDto {
    Json,
    Csv,
    Md,
    Html,
    Xlsx,
}

impl ReportFormatDto {
    /// The rendering and the media type it is served as.
    pub(crate) fn rendering(self) -> (ReportFormat, &'static str) {
        match self {
            ReportFormatDto::Json => (ReportFormat::Json, "application/json"),
            ReportFormatDto::Csv => (ReportFormat::Csv, "text/csv; charset=utf-8"),
            ReportFormatDto::Md => (ReportFormat::Markdown, "text/markdown; charset=utf-8"),
            ReportFormatDto::Html => (ReportFormat::Html, "text/html; charset=utf-8"),
            // Written by `report_response` from the report itself.
            ReportFormatDto::Xlsx => (ReportFormat::Json, XLSX),
        }
    }
}

pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The language of a report's md, html and xlsx.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub enum LangDto {
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "zh-TW")]
    ZhTw,
    #[serde(rename = "en")]
    En,
}

/// `?lang=`, else the first report language `Accept-Language` names, else 简体中文.
pub(crate) fn report_lang(lang: Option<LangDto>, headers: &HeaderMap) -> Lang {
    match lang {
        Some(LangDto::ZhCn) => Lang::ZhCn,
        Some(LangDto::ZhTw) => Lang::ZhTw,
        Some(LangDto::En) => Lang::En,
        None => headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(Lang::from_accept_language)
            .unwrap_or_default(),
    }
}

/// A report in the format asked for, from its JSON (a live report's or a frozen
/// version's): JSON as it is, every other format rendered from the report it reads back to.
fn report_response(
    json: String,
    format: ReportFormatDto,
    lang: Lang,
    bom: bool,
) -> Result<Response, Problem> {
    if bom && !matches!(format, ReportFormatDto::Csv) {
        return Err(
            // A well-formed query that asks for two things that do not go together: a rule
            // (422), as schemathesis holds every schema-valid request refused.
            Problem::new(
                ErrorCode::Invalid,
                "bom=true is for format=csv: a byte order mark only helps Excel read a CSV",
            )
            .with_rule("report.bom_only_for_csv")
            .with_field("bom"),
        );
    }
    let (rendering, media) = format.rendering();
    if matches!(format, ReportFormatDto::Json) {
        return Ok(text(media, json));
    }
    let report = synergy_evaluation::json::Json::parse(&json)
        .map_err(|e| Problem::internal(e.to_string()))
        .and_then(|j| {
            synergy_evaluation::Report::from_json(&j).map_err(|e| Problem::internal(e.to_string()))
        })?;
    let body: Vec<u8> = match format {
        ReportFormatDto::Xlsx => synergy_evaluation::xlsx::to_xlsx(&report, lang)
            .map_err(|e| Problem::internal(format!("the workbook: {e}")))?,
        ReportFormatDto::Csv if bom => format!(
            "{}{}",
            synergy_evaluation::render::BOM,
            synergy_evaluation::render::to_csv(&report)
        )
        .into_bytes(),
        _ => synergy_evaluation::render::render_in(&report, rendering, lang).into_bytes(),
    };
    Ok((
        [(header::CONTENT_TYPE, HeaderValue::from_static(media))],
        body,
    )
        .into_response())
}

/// A rendered report or plan, served as `media`.
fn text(media: &'static str, body: String) -> Response {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(media))],
        body,
    )
        .into_response()
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportKindDto {
    Market,
    Brand,
    Scorecard,
    Review,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportArgs {
    /// Rendering; json (default) is the report contract of `docs/kpis.md`; xlsx is a
    /// workbook with a sheet per table.
    #[param(inline)]
    pub format: Option<ReportFormatDto>,
    /// With format=csv: start with a byte-order mark, so Excel reads the Chinese as UTF-8.
    pub bom: Option<bool>,
    /// The language of md, html and xlsx: zh-CN (the default), zh-TW or en; without it,
    /// the first of them `Accept-Language` names. JSON and CSV are the same in every one.
    #[param(inline)]
    pub lang: Option<LangDto>,
    /// "As of" date (YYYY-MM-DD) for overdue items and months due; default today on the
    /// partnership's calendar (its time zone).
    #[param(inline)]
    pub as_of: Option<DateText>,
    /// Read-your-writes: wait until the report reflects the log up to this position (the
    /// `position` of an earlier command's outcome).
    pub after: Option<u64>,
}

/// A report: market, brand, scorecard or the joint review pack, for a month, quarter
/// (`2008-Q2`), half (`2008-H1`) or year (`2008`).
#[utoipa::path(
    get,
    path = "/v1/partnerships/{id}/reports/{kind}/{period}",
    tag = "evaluation",
    params(
        ("id" = inline(Id), Path, description = "Partnership id"),
        ("kind" = inline(ReportKindDto), Path, description = "market, brand, scorecard or review"),
        ("period" = inline(PeriodText), Path, description = "2008-06, 2008-Q2, 2008-H1 or 2008"),
        ReportArgs,
        ("X-Act-As" = inline(Option<Id>), Header, description = "Admin tokens only: the organisation the admin acts for"),
    ),
    responses(
        (status = 200, description = "The rendered report",
            content(
                (ReportJson = "application/json"),
                ("text/csv"),
                ("text/markdown"),
                ("text/html"),
                ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            )
        ),
        (status = 400, description = "Malformed path, query or header", body = ErrorBody),
        (status = 401, description = "No, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "Not a party", body = ErrorBody),
        (status = 404, description = "No such partnership, or nothing recorded yet", body = ErrorBody),
        (status = 422, description = "bom=true with a format other than csv (`report.bom_only_for_csv`)", body = ErrorBody),
        (status = 408, description = "The request took too long", body = ErrorBody),
        (status = 503, description = "Read models not caught up yet; retry", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_report(
    State(s): State<GatewayState>,
    caller: Caller,
    args: Params,
    headers: HeaderMap,
    QueryArgs(q): QueryArgs<ReportArgs>,
) -> Result<Response, Problem> {
    let p: PartnershipId = args.get("id")?;
    let kind: ReportKind = args.get("kind")?;
    let period: Period = args.get("period")?;
    let as_of = crate::reads::query_arg::<Date>("as_of", q.as_of.as_ref())?;
    let view = caller.party_view(&s, &p).await?;
    let as_of = as_of.unwrap_or_else(|| s.clock.now().date_in(&view.time_zone));
    let json = s
        .api
        .report(ReportRequest {
            partnership: p,
            period,
            kind,
            format: ReportFormat::Json,
            as_of,
            after: q.after.map(synergy_eventlog::Position),
        })
        .await?;
    report_response(
        json,
        q.format.unwrap_or(ReportFormatDto::Json),
        report_lang(q.lang, &headers),
        q.bom.unwrap_or(false),
    )
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlanGapArgs {
    /// The share of the market's volume to reach, in percent (e.g. `27.00`).
    #[param(inline)]
    pub target_share_pct: PercentText,
    /// Rendering: json (default) or md.
    #[param(inline)]
    pub format: Option<PlanGapFormatDto>,
    /// Read-your-writes: wait until the plan reflects the log up to this position.
    pub after: Option<u64>,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PlanGapFormatDto {
    Json,
    Md,
}

/// The share-gap planner: what a future period takes in volume, in all and per SKU, to
/// reach a target share of the market (`docs/kpis.md`, "The share-gap planner"). Parties
/// only.
#[utoipa::path(
    get,
    path = "/v1/partnerships/{id}/plan-gap/{period}",
    tag = "evaluation",
    params(
        ("id" = inline(Id), Path, description = "Partnership id"),
        ("period" = inline(PeriodText), Path, description = "The future period: 2008-07, 2008-Q3, 2008-H2 or 2009"),
        PlanGapArgs,
        ("X-Act-As" = inline(Option<Id>), Header, description = "Admin tokens only: the organisation the admin acts for"),
    ),
    responses(
        (status = 200, description = "The plan",
            content(
                (PlanGapJson = "application/json"),
                ("text/markdown"),
            )
        ),
        (status = 400, description = "Malformed path, query or header", body = ErrorBody),
        (status = 401, description = "No, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "Not a party", body = ErrorBody),
        (status = 404, description = "No such partnership, or nothing recorded yet", body = ErrorBody),
        (status = 408, description = "The request took too long", body = ErrorBody),
        (status = 409, description = "The history cannot plan this period (`planner.insufficient_history`, `planner.period_not_ahead`, `planner.base_period_missing`, `planner.zero_base`, `planner.no_data`)", body = ErrorBody),
        (status = 422, description = "The target share is not above 0 and at most 100 (`planner.target_share_invalid`)", body = ErrorBody),
        (status = 503, description = "Read models not caught up yet; retry", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_plan_gap(
    State(s): State<GatewayState>,
    caller: Caller,
    args: Params,
    QueryArgs(q): QueryArgs<PlanGapArgs>,
) -> Result<Response, Problem> {
    let p: PartnershipId = args.get("id")?;
    let period: Period = args.get("period")?;
    let target_share = parse("target_share_pct", &q.target_share_pct)?;
    caller.party_view(&s, &p).await?;
    let (format, media) = match q.format.unwrap_or(PlanGapFormatDto::Json) {
        PlanGapFormatDto::Json => ReportFormatDto::Json,
        PlanGapFormatDto::Md => ReportFormatDto::Md,
    }
    .rendering();
    let rendered = s
        .api
        .plan_gap(PlanGapRequest {
            partnership: p,
            period,
            target_share,
            format,
            after: q.after.map(synergy_eventlog::Position),
        })
        .await?;
    Ok(text(media, rendered))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ValueRealisedArgs {
    /// The day (YYYY-MM-DD) it is judged on: which promised months count and whether the
    /// promise is due; default today on the partnership's calendar (its time zone).
    #[param(inline)]
    pub as_of: Option<DateText>,
    /// Read-your-writes: wait until the answer reflects the log up to this position.
    pub after: Option<u64>,
}

/// A campaign's value realised (創值): its promised uplift against the market data —
/// actual, baseline, realised, realisation and whether the promise was kept
/// (`docs/kpis.md`, "Value realised"). Parties only.
#[utoipa::path(
    get,
    path = "/v1/partnerships/{id}/campaigns/{campaign}/value-realised",
    tag = "evaluation",
    params(
        ("id" = inline(Id), Path, description = "Partnership id"),
        ("campaign" = inline(Id), Path, description = "Campaign id"),
        ValueRealisedArgs,
        ("X-Act-As" = inline(Option<Id>), Header, description = "Admin tokens only: the organisation the admin acts for"),
    ),
    responses(
        (status = 200, description = "The campaign's value realised; every figure null when it promised nothing", body = ValueRealisedJson),
        (status = 400, description = "Malformed path, query or header", body = ErrorBody),
        (status = 401, description = "No, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "Not a party", body = ErrorBody),
        (status = 404, description = "No such partnership or campaign, or nothing recorded yet", body = ErrorBody),
        (status = 408, description = "The request took too long", body = ErrorBody),
        (status = 503, description = "Read models not caught up yet; retry", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_value_realised(
    State(s): State<GatewayState>,
    caller: Caller,
    args: Params,
    QueryArgs(q): QueryArgs<ValueRealisedArgs>,
) -> Result<Response, Problem> {
    let p: PartnershipId = args.get("id")?;
    let campaign: CampaignId = args.get("campaign")?;
    let as_of = crate::reads::query_arg::<Date>("as_of", q.as_of.as_ref())?;
    let view = caller.party_view(&s, &p).await?;
    let as_of = as_of.unwrap_or_else(|| s.clock.now().date_in(&view.time_zone));
    let answer = s
        .api
        .value_realised(ValueRealisedRequest {
            partnership: p,
            campaign,
            as_of,
            after: q.after.map(synergy_eventlog::Position),
        })
        .await?;
    Ok(text("application/json", answer))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct IssuedReportArgs {
    /// Rendering; json (default) is the frozen body unchanged; the others are rendered
    /// from it.
    #[param(inline)]
    pub format: Option<ReportFormatDto>,
    /// With format=csv: start with a byte-order mark, so Excel reads the Chinese as UTF-8.
    pub bom: Option<bool>,
    /// The language of md, html and xlsx: zh-CN (the default), zh-TW or en; without it,
    /// the first of them `Accept-Language` names. JSON and CSV are the same in every one.
    #[param(inline)]
    pub lang: Option<LangDto>,
}

/// An issued version of a report as it was frozen (parties only): its JSON unchanged, or
/// rendered from it.
#[utoipa::path(
    get,
    path = "/v1/partnerships/{id}/reports/{kind}/{period}/versions/{version}",
    tag = "evaluation",
    params(
        ("id" = inline(Id), Path, description = "Partnership id"),
        ("kind" = inline(ReportKindDto), Path, description = "market, brand, scorecard or review"),
        ("period" = inline(PeriodText), Path, description = "2008-06, 2008-Q2, 2008-H1 or 2008"),
        ("version" = u32, Path, minimum = 1, description = "The issued version, from 1"),
        IssuedReportArgs,
        ("X-Act-As" = inline(Option<Id>), Header, description = "Admin tokens only: the organisation the admin acts for"),
    ),
    responses(
        (status = 200, description = "The frozen report (the JSON contract of `docs/kpis.md`), or rendered from it",
            content(
                (ReportJson = "application/json"),
                ("text/csv"),
                ("text/markdown"),
                ("text/html"),
                ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            )
        ),
        (status = 400, description = "Malformed path or header", body = ErrorBody),
        (status = 401, description = "No, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "Not a party", body = ErrorBody),
        (status = 404, description = "No such partnership, or no such issued version", body = ErrorBody),
        (status = 422, description = "bom=true with a format other than csv (`report.bom_only_for_csv`)", body = ErrorBody),
        (status = 408, description = "The request took too long", body = ErrorBody),
        (status = 501, description = "The connected backend cannot read issued reports", body = ErrorBody),
        (status = 503, description = "Read models not caught up yet; retry", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_issued_report(
    State(s): State<GatewayState>,
    caller: Caller,
    args: Params,
    headers: HeaderMap,
    QueryArgs(q): QueryArgs<IssuedReportArgs>,
) -> Result<Response, Problem> {
    let p: PartnershipId = args.get("id")?;
    let kind: ReportKind = args.get("kind")?;
    let period: Period = args.get("period")?;
    let version: String = args.get("version")?;
    // `u32::from_str` also takes `+7`; the document says digits.
    let version: u32 = Some(version.as_str())
        .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            Problem::new(
                ErrorCode::InvalidPath,
                format!("path parameter version: {version:?} is not a version number (1, 2, …)"),
            )
            .with_field("version")
        })?;
    caller.party_view(&s, &p).await?;
    let body = s.api.issued_report(&p, kind, period, version).await?;
    report_response(
        body,
        q.format.unwrap_or(ReportFormatDto::Json),
        report_lang(q.lang, &headers),
        q.bom.unwrap_or(false),
    )
}

/// Liveness.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses((status = 200, description = "The gateway is up", body = Health))
)]
pub async fn healthz() -> axum::Json<Health> {
    axum::Json(Health {
        status: "ok".into(),
    })
}

/// Prometheus metrics.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses((status = 200, description = "Prometheus text exposition", content_type = "text/plain", body = String))
)]
pub async fn metrics(State(s): State<GatewayState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        {
            let mut text = s.metrics.render_with_lag(
                s.api.consumer_lag().await,
                s.api.quarantined_records().await,
            );
            if let Some(outbox) = &s.webhook_outbox {
                crate::webhooks::render_metrics(&mut text, outbox);
            }
            if let Some(counts) = s.api.snapshot_counts().await {
                crate::metrics::render_snapshots(&mut text, counts);
            }
            text
        },
    )
        .into_response()
}

/// This document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "operations",
    responses((status = 200, description = "The OpenAPI 3 document", content_type = "application/json"))
)]
pub async fn openapi() -> Response {
    let doc = crate::openapi::document();
    match doc.to_json() {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            text,
        )
            .into_response(),
        Err(e) => {
            Problem::internal(format!("could not render the OpenAPI document: {e}")).into_response()
        }
    }
}
