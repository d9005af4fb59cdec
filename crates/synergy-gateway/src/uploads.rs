//! The uploads: a catalogue or a month's market data as a file (CSV or XLSX) or as JSON
//! rows, read by `synergy_import`'s one set of row rules and recorded through the import
//! use case (`synergy_runtime::import`).

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use synergy_domain::ErrorCode;
use synergy_import::Source;
use synergy_import::{Format as FileFormat, ImportErrors, XLSX_MEDIA_TYPE};
use synergy_proto::PartnershipId;
use synergy_runtime::import;
use utoipa::IntoParams;

use crate::GatewayState;
use crate::auth::{self, Caller};
use crate::dto::*;
use crate::error::{ErrorBody, Problem, RowProblem, RowProblems};
use crate::extract::{Params, QueryArgs, RawBody};
use crate::routes::{M, idempotency_key, outcome_of};

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
        ErrorCode::UnsupportedMediaType,
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
        Some(_) => Err(Problem::new(
            ErrorCode::Invalid,
            "sheet chooses a sheet of an XLSX upload; a JSON upload has none",
        )
        .with_rule("import.sheet_only_in_xlsx")
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
                Problem::new(
                    ErrorCode::MalformedJson,
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
    caller.may(
        &view,
        auth::Who::Only(synergy_information::MARKET_DATA_SIDE),
        "submitting market data",
    )?;
    let limits = &s.limits.import;
    let imported = match upload_kind(&headers, &bytes)? {
        Upload::Json => {
            no_sheet_for_json(query.sheet.as_ref())?;
            let body: MarketDataJson = serde_json::from_slice(&bytes).map_err(|e| {
                Problem::new(
                    ErrorCode::MalformedJson,
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
