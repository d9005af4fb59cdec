//! The handlers: one per command, the uploads, the reads and the reports. Every command
//! handler authenticates, checks the caller is a party of the partnership and on the side
//! the command belongs to, then executes through [`synergy_runtime::Api`].

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use synergy_domain::contract::Values;
use synergy_evaluation::render::Format as ReportFormat;
use synergy_import::Source;
use synergy_import::{Format as FileFormat, ImportErrors, XLSX_MEDIA_TYPE};
use synergy_proto::events::evaluation::ReportKind;
use synergy_proto::{CampaignId, Date, PartnershipId, Period, Side};
use synergy_runtime::{
    AnyCommand, PlanGapRequest, ReportRequest, Request, ValueRealisedRequest, import,
};
use utoipa::{IntoParams, ToSchema};

use crate::GatewayState;
use crate::auth::{self, Caller, Who};
use crate::dto::*;
use crate::error::{ErrorBody, Problem, RowProblem, RowProblems, codes};
use crate::extract::{Params, QueryArgs, RawBody};

const M: Who = Who::Only(Side::Manufacturer);
const D: Who = Who::Only(Side::Distributor);

fn idempotency_key(headers: &HeaderMap) -> Result<Option<synergy_proto::Uuid>, Problem> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let text = v.to_str().map_err(|_| {
        Problem::bad_request(
            codes::INVALID_HEADER,
            "Idempotency-Key is not readable text",
        )
    })?;
    if !Shape::Uuid.accepts(text) {
        return Err(Problem::bad_request(
            codes::INVALID_HEADER,
            format!("Idempotency-Key must be a hyphenated UUID, e.g. 0190a5f2-3c4d-7e8f-9a0b-1c2d3e4f5a6b; got {text:?}"),
        )
        .with_field("Idempotency-Key"));
    }
    synergy_proto::Uuid::parse_str(text).map(Some).map_err(|e| {
        Problem::bad_request(
            codes::INVALID_HEADER,
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
async fn outcome_of(
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

// ---------------------------------------------------------------- uploads

/// How an upload body is to be read.
enum Upload {
    Json,
    File(FileFormat),
}

fn upload_kind(headers: &HeaderMap, bytes: &[u8]) -> Result<Upload, Problem> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json" {
        return Ok(Upload::Json);
    }
    if let Some(f) = FileFormat::from_media_type(content_type) {
        return Ok(Upload::File(f));
    }
    if essence.is_empty() || essence == "application/octet-stream" {
        return Ok(Upload::File(FileFormat::sniff(bytes, None)));
    }
    Err(Problem::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        codes::UNSUPPORTED_MEDIA_TYPE,
        format!(
            "{content_type:?} is not an upload format; send text/csv, {XLSX_MEDIA_TYPE} or application/json"
        ),
    ))
}

fn import_failed(e: import::ImportError, json: bool) -> Problem {
    match e {
        import::ImportError::Rejected(errors) => invalid_file(errors, json),
        import::ImportError::Api(e) => Problem::from(e),
    }
}

/// A rejected file, its bad rows listed (the first 1,000) and every problem counted.
/// `json` shifts CSV lines (header = 1) to 1-based positions in the JSON array.
fn invalid_file(errors: ImportErrors, json: bool) -> Problem {
    let mut p = rejected_rows(
        errors
            .iter()
            .map(|e| RowProblem {
                line: (if json {
                    e.line.saturating_sub(1)
                } else {
                    e.line
                }) as u64,
                column: e.column.clone(),
                rule: e.rule.to_owned(),
                reason: e.reason.clone(),
            })
            .fold(RowProblems::default(), |mut all, e| {
                all.push(e);
                all
            }),
    );
    // The import counted everything, also what it did not list.
    p.body.sheet = errors.sheet.clone();
    p.body.errors_total = Some(errors.total as u64);
    p.body.rows_with_errors = Some(errors.rows_with_errors as u64);
    p.body.errors_by_rule = Some(
        errors
            .by_rule
            .iter()
            .map(|(rule, n)| ((*rule).to_owned(), *n as u64))
            .collect(),
    );
    if errors.is_truncated() {
        p.body.message = format!(
            "the file was rejected and nothing of it was recorded: {} problem(s) on {} rows; \
             the first {} rows are listed in `errors`, every problem is counted in \
             `errors_by_rule`",
            errors.total,
            errors.rows_with_errors,
            synergy_import::LISTED_ROWS
        );
    }
    p
}

/// Checks the cells of one JSON upload row against their documented shapes, so a JSON
/// upload is held to its OpenAPI schema; the spreadsheet parser, which is more forgiving
/// (it trims, and reads `2900.00` as a count), checks the rest.
fn check_cells(line: u64, cells: &[(&str, Shape, Option<&str>)], out: &mut RowProblems) {
    for (column, shape, value) in cells {
        let Some(text) = value else { continue };
        if shape.accepts(text) {
            continue;
        }
        let rule = match shape {
            Shape::Id => "import.invalid_id",
            Shape::Month => "import.period_is_month",
            Shape::PriceClass => "portfolio.price_class_1_to_5",
            Shape::NonEmpty => "import.required",
            _ => "import.not_a_number",
        };
        out.push(RowProblem {
            line,
            column: Some((*column).to_owned()),
            rule: rule.to_owned(),
            reason: format!("{text:?} is not {}", shape.expected()),
        });
    }
}

fn rejected_rows(rows: RowProblems) -> Problem {
    rows.into_problem()
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadArgs {
    /// Why recorded months change (a correction). Required when the file changes a month
    /// that already has data.
    pub reason: Option<String>,
    /// The workbook's sheet to import; without it the one sheet whose first row is the
    /// header is read (XLSX only).
    pub sheet: Option<String>,
    /// `true`: a dry run. Everything is checked, also against what is recorded, and
    /// nothing is recorded; the answer says what would be (`checked`).
    pub check: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogueUploadArgs {
    /// The workbook's sheet to import; without it the one sheet whose first row is the
    /// header is read (XLSX only).
    pub sheet: Option<String>,
    /// `true`: a dry run. Everything is checked, also against what is recorded, and
    /// nothing is recorded; the answer says what would be (`checked`).
    pub check: Option<bool>,
}

/// A JSON upload has its columns named by its schema and no sheets.
fn no_sheet_for_json(sheet: Option<&String>) -> Result<(), Problem> {
    match sheet {
        Some(_) => Err(Problem::bad_request(
            codes::INVALID_QUERY,
            "sheet chooses a sheet of an XLSX upload; a JSON upload has none",
        )
        .with_field("sheet")),
        None => Ok(()),
    }
}

/// Executes an import, or with `check` only decides it, and answers with the outcome,
/// the sheet read and the columns ignored.
async fn execute_import(
    s: &GatewayState,
    caller: &Caller,
    headers: &HeaderMap,
    prepared: import::Prepared,
    check: bool,
) -> Result<Response, Problem> {
    let mut request = prepared.request(caller.principal.clone(), check);
    request.idempotency_key = idempotency_key(headers)?;
    // Imports are no declared commands: they answer nothing beyond the outcome.
    let (status, outcome, _) = outcome_of(s, request).await?;
    let body = ImportBody {
        outcome,
        checked: check,
        sheet: prepared.sheet,
        warnings: prepared.warnings.iter().map(WarningBody::from).collect(),
    };
    Ok((status, axum::Json(body)).into_response())
}

/// Manufacturer: import the catalogue (CSV, XLSX or JSON); all or nothing.
#[utoipa::path(
    post,
    path = "/v1/partnerships/{id}/catalogue",
    tag = "brand",
    params(
        ("id" = inline(Id), Path, description = "Partnership id"),
        CatalogueUploadArgs,
        ("Idempotency-Key" = inline(Option<UuidText>), Header, description = "A UUID; a retry with the same key is recorded once"),
        ("X-Act-As" = inline(Option<Id>), Header, description = "Admin tokens only: the organisation the admin acts for"),
    ),
    request_body(
        description = "Columns brand,sku,name,price_class,guide_price_yuan",
        content(
            (CatalogueJson = "application/json"),
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )
    ),
    responses(
        (status = 201, description = "Recorded", body = ImportBody),
        (status = 200, description = "Identical to the recorded catalogue; nothing changed; or a dry run (`check=true`, `checked`: what would be recorded)", body = ImportBody),
        (status = 400, description = "Malformed body, path or header", body = ErrorBody),
        (status = 401, description = "No, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "Not the partnership's manufacturer", body = ErrorBody),
        (status = 404, description = "No such partnership", body = ErrorBody),
        (status = 408, description = "The request took too long", body = ErrorBody),
        (status = 409, description = "Not allowed in the current state", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not CSV, XLSX or JSON", body = ErrorBody),
        (status = 422, description = "The file was rejected (`invalid_file`: the first 1,000 bad rows listed, every problem counted in `errors_by_rule`; a file past the import limits has the limit's rule) or the catalogue breaks a rule", body = ErrorBody),
        (status = 503, description = "Temporarily unavailable", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn import_catalogue(
    State(s): State<GatewayState>,
    caller: Caller,
    args: Params,
    QueryArgs(query): QueryArgs<CatalogueUploadArgs>,
    headers: HeaderMap,
    RawBody(bytes): RawBody,
) -> Result<Response, Problem> {
    let p: PartnershipId = args.get("id")?;
    let view = auth::partnership(&s, &p).await?;
    caller.may(&view, M, "registering the catalogue")?;
    let limits = &s.limits.import;
    let prepared = match upload_kind(&headers, &bytes)? {
        Upload::Json => {
            no_sheet_for_json(query.sheet.as_ref())?;
            let body: CatalogueJson = serde_json::from_slice(&bytes).map_err(|e| {
                Problem::bad_request(
                    codes::MALFORMED_JSON,
                    format!("the body is not a catalogue: {e}"),
                )
            })?;
            let mut problems = RowProblems::default();
            for (i, r) in body.skus.iter().enumerate() {
                check_cells(
                    i as u64 + 1,
                    &[
                        ("brand", Shape::Id, Some(&r.brand)),
                        ("sku", Shape::Id, Some(&r.sku)),
                        ("name", Shape::NonEmpty, Some(&r.name)),
                        ("price_class", Shape::PriceClass, Some(&r.price_class)),
                        ("guide_price_yuan", Shape::Yuan, Some(&r.guide_price_yuan)),
                    ],
                    &mut problems,
                );
            }
            if !problems.is_empty() {
                return Err(rejected_rows(problems));
            }
            let rows: Vec<Vec<Option<String>>> = body
                .skus
                .into_iter()
                .map(|r| {
                    vec![
                        Some(r.brand.0),
                        Some(r.sku.0),
                        Some(r.name.0),
                        Some(r.price_class.0),
                        Some(r.guide_price_yuan.0),
                    ]
                })
                .collect();
            import::catalogue(p, Source::Rows(&rows), limits).map_err(|e| invalid_file(e, true))?
        }
        Upload::File(format) => import::catalogue(
            p,
            Source::File {
                bytes: &bytes,
                format,
                sheet: query.sheet.as_deref(),
            },
            limits,
        )
        .map_err(|e| invalid_file(e, false))?,
    };
    execute_import(&s, &caller, &headers, prepared, query.check == Some(true)).await
}

/// Distributor: import monthly market data (CSV, XLSX or JSON); all or nothing.
#[utoipa::path(
    post,
    path = "/v1/partnerships/{id}/market-data",
    tag = "information",
    params(
        ("id" = inline(Id), Path, description = "Partnership id"),
        UploadArgs,
        ("Idempotency-Key" = inline(Option<UuidText>), Header, description = "A UUID; a retry with the same key is recorded once"),
        ("X-Act-As" = inline(Option<Id>), Header, description = "Admin tokens only: the organisation the admin acts for"),
    ),
    request_body(
        description = "Columns period,sku,volume_cases,revenue_yuan,closing_stock_cases,outlets_stocking,outlets_selling,avg_retail_price_yuan; each month needs its ALL row",
        content(
            (MarketDataJson = "application/json"),
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )
    ),
    responses(
        (status = 201, description = "Recorded", body = ImportBody),
        (status = 200, description = "Identical to what is recorded; nothing changed (a safe retry); or a dry run (`check=true`, `checked`: what would be recorded)", body = ImportBody),
        (status = 400, description = "Malformed body, path, query or header", body = ErrorBody),
        (status = 401, description = "No, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "Not the partnership's distributor", body = ErrorBody),
        (status = 404, description = "No such partnership", body = ErrorBody),
        (status = 408, description = "The request took too long", body = ErrorBody),
        (status = 409, description = "A correction without a reason (rule market_data.correction_needs_reason, field names the month), or a month not ended", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not CSV, XLSX or JSON", body = ErrorBody),
        (status = 422, description = "The file was rejected (`invalid_file`: the first 1,000 bad rows listed, every problem counted in `errors_by_rule`; a file past the import limits has the limit's rule) or breaks a rule", body = ErrorBody),
        (status = 503, description = "Temporarily unavailable", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn import_market_data(
    State(s): State<GatewayState>,
    caller: Caller,
    args: Params,
    QueryArgs(query): QueryArgs<UploadArgs>,
    headers: HeaderMap,
    RawBody(bytes): RawBody,
) -> Result<Response, Problem> {
    let p: PartnershipId = args.get("id")?;
    let view = auth::partnership(&s, &p).await?;
    caller.may(&view, D, "submitting market data")?;
    let limits = &s.limits.import;
    let imported = match upload_kind(&headers, &bytes)? {
        Upload::Json => {
            no_sheet_for_json(query.sheet.as_ref())?;
            let body: MarketDataJson = serde_json::from_slice(&bytes).map_err(|e| {
                Problem::bad_request(
                    codes::MALFORMED_JSON,
                    format!("the body is not market data: {e}"),
                )
            })?;
            let mut problems = RowProblems::default();
            for (i, r) in body.rows.iter().enumerate() {
                check_cells(
                    i as u64 + 1,
                    &[
                        ("period", Shape::Month, Some(&r.period)),
                        ("sku", Shape::Id, Some(&r.sku)),
                        ("volume_cases", Shape::Cases, Some(&r.volume_cases)),
                        ("revenue_yuan", Shape::Yuan, Some(&r.revenue_yuan)),
                        (
                            "closing_stock_cases",
                            Shape::Cases,
                            r.closing_stock_cases.as_deref(),
                        ),
                        (
                            "outlets_stocking",
                            Shape::Count,
                            r.outlets_stocking.as_deref(),
                        ),
                        (
                            "outlets_selling",
                            Shape::Count,
                            r.outlets_selling.as_deref(),
                        ),
                        (
                            "avg_retail_price_yuan",
                            Shape::Yuan,
                            r.avg_retail_price_yuan.as_deref(),
                        ),
                    ],
                    &mut problems,
                );
            }
            if !problems.is_empty() {
                return Err(rejected_rows(problems));
            }
            let rows: Vec<Vec<Option<String>>> = body
                .rows
                .into_iter()
                .map(|r| {
                    vec![
                        Some(r.period.0),
                        Some(r.sku.0),
                        Some(r.volume_cases.0),
                        Some(r.revenue_yuan.0),
                        r.closing_stock_cases.map(|c| c.0),
                        r.outlets_stocking.map(|c| c.0),
                        r.outlets_selling.map(|c| c.0),
                        r.avg_retail_price_yuan.map(|c| c.0),
                    ]
                })
                .collect();
            let reason = query.reason.clone().or(body.reason);
            import::market_data(&*s.api, p, Source::Rows(&rows), reason, limits)
                .await
                .map_err(|e| import_failed(e, true))?
        }
        Upload::File(format) => {
            let source = Source::File {
                bytes: &bytes,
                format,
                sheet: query.sheet.as_deref(),
            };
            import::market_data(&*s.api, p, source, query.reason, limits)
                .await
                .map_err(|e| import_failed(e, false))?
        }
    };
    execute_import(&s, &caller, &headers, imported, query.check == Some(true)).await
}

// ---------------------------------------------------------------- reads

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
    let view = auth::partnership(&s, &p).await?;
    caller.side_in(&view)?;
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
        CatalogueUploadArgs,
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
    let view = auth::partnership(&s, &p).await?;
    caller.side_in(&view)?;
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
}

impl ReportFormatDto {
    /// The rendering and the media type it is served as.
    fn rendering(self) -> (ReportFormat, &'static str) {
        match self {
            ReportFormatDto::Json => (ReportFormat::Json, "application/json"),
            ReportFormatDto::Csv => (ReportFormat::Csv, "text/csv; charset=utf-8"),
            ReportFormatDto::Md => (ReportFormat::Markdown, "text/markdown; charset=utf-8"),
            ReportFormatDto::Html => (ReportFormat::Html, "text/html; charset=utf-8"),
        }
    }
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
    /// Rendering; json (default) is the report contract of `docs/kpis.md`.
    #[param(inline)]
    pub format: Option<ReportFormatDto>,
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
                ("application/json"),
                ("text/csv"),
                ("text/markdown"),
                ("text/html"),
            )
        ),
        (status = 400, description = "Malformed path, query or header", body = ErrorBody),
        (status = 401, description = "No, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "Not a party", body = ErrorBody),
        (status = 404, description = "No such partnership, or nothing recorded yet", body = ErrorBody),
        (status = 408, description = "The request took too long", body = ErrorBody),
        (status = 503, description = "Read models not caught up yet; retry", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_report(
    State(s): State<GatewayState>,
    caller: Caller,
    args: Params,
    QueryArgs(q): QueryArgs<ReportArgs>,
) -> Result<Response, Problem> {
    let p: PartnershipId = args.get("id")?;
    let kind: ReportKind = args.get("kind")?;
    let period: Period = args.get("period")?;
    let as_of = crate::reads::query_arg::<Date>("as_of", q.as_of.as_ref())?;
    let view = auth::partnership(&s, &p).await?;
    caller.side_in(&view)?;
    let as_of = as_of.unwrap_or_else(|| s.clock.now().date_in(&view.time_zone));
    let (format, media) = q.format.unwrap_or(ReportFormatDto::Json).rendering();
    let rendered = s
        .api
        .report(ReportRequest {
            partnership: p,
            period,
            kind,
            format,
            as_of,
            after: q.after.map(synergy_eventlog::Position),
        })
        .await?;
    Ok(text(media, rendered))
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
                ("application/json"),
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
    let view = auth::partnership(&s, &p).await?;
    caller.side_in(&view)?;
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
        (status = 200, description = "The campaign's value realised; every figure null when it promised nothing", body = serde_json::Value),
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
    let view = auth::partnership(&s, &p).await?;
    caller.side_in(&view)?;
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

/// An issued version of a report, exactly as it was frozen (JSON; parties only).
#[utoipa::path(
    get,
    path = "/v1/partnerships/{id}/reports/{kind}/{period}/versions/{version}",
    tag = "evaluation",
    params(
        ("id" = inline(Id), Path, description = "Partnership id"),
        ("kind" = inline(ReportKindDto), Path, description = "market, brand, scorecard or review"),
        ("period" = inline(PeriodText), Path, description = "2008-06, 2008-Q2, 2008-H1 or 2008"),
        ("version" = u32, Path, minimum = 1, description = "The issued version, from 1"),
        ("X-Act-As" = inline(Option<Id>), Header, description = "Admin tokens only: the organisation the admin acts for"),
    ),
    responses(
        (status = 200, description = "The frozen report (the JSON contract of `docs/kpis.md`)", content_type = "application/json"),
        (status = 400, description = "Malformed path or header", body = ErrorBody),
        (status = 401, description = "No, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "Not a party", body = ErrorBody),
        (status = 404, description = "No such partnership, or no such issued version", body = ErrorBody),
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
            Problem::bad_request(
                codes::INVALID_PATH,
                format!("path parameter version: {version:?} is not a version number (1, 2, …)"),
            )
            .with_field("version")
        })?;
    let view = auth::partnership(&s, &p).await?;
    caller.side_in(&view)?;
    let body = s.api.issued_report(&p, kind, period, version).await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response())
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
        s.metrics.render_with_lag(
            s.api.consumer_lag().await,
            s.api.quarantined_records().await,
        ),
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
