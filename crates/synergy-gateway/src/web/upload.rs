//! The upload page: the market data of a month as a CSV or XLSX file, read and recorded by
//! the import use case the API's upload and the CLI call (`synergy_runtime::import`), within
//! the same limits. A rejected file shows every listed bad row (line, column, the rule in
//! the page's language) and records nothing; a month that has data is corrected with a
//! reason. Who may upload is who may submit market data
//! (`synergy_information::MARKET_DATA_SIDE`); anyone else gets the 403 page.

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use synergy_evaluation::Figure;
use synergy_import::{Format, ImportErrors, ImportKind, Source, Warning};
use synergy_information::{Command as InformationCommand, MARKET_DATA_SIDE, SubmitMarketData};
use synergy_proto::{PartnershipId, Period, YearMonth};
use synergy_runtime::{AnyCommand, AnyQuery, import};

use super::pages::*;
use super::session::same_secret;
use super::{Viewer, Words, lang_of};
use crate::GatewayState;
use crate::extract::RawBody;

/// The most bytes of the form's text fields. A correction's reason is a sentence or two.
const TOKEN_BYTES: u64 = 128;
const MONTH_BYTES: u64 = 32;
const REASON_BYTES: u64 = 2_000;
/// The recorded months listed under the form, newest first.
const LISTED_MONTHS: usize = 12;

/// What the form sent.
#[derive(Debug, Default)]
struct UploadForm {
    csrf: String,
    month: String,
    reason: String,
    /// The file's name as the browser gave it, and its bytes.
    file: Option<(String, Bytes)>,
}

/// A refusal of the form itself (not of the file's rows): the field, the rule and what to
/// say, put in words when the page is rendered (a Fluent bundle may not cross an
/// `.await`).
#[derive(Debug)]
struct Refusal {
    field: &'static str,
    rule: String,
    /// A message of the page and its arguments; `None`: the rule's own words, else
    /// `detail`.
    key: Option<&'static str>,
    args: Vec<(&'static str, String)>,
    detail: String,
}

impl Refusal {
    fn said(
        field: &'static str,
        rule: &str,
        key: &'static str,
        args: &[(&'static str, &str)],
    ) -> Self {
        Refusal {
            field,
            rule: rule.to_owned(),
            key: Some(key),
            args: args.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
            detail: String::new(),
        }
    }

    fn words(&self, w: &Words) -> String {
        match self.key {
            Some(key) => {
                let args: Vec<(&str, &str)> =
                    self.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
                w.with(key, &args)
            }
            None => rule_words(w, &self.rule).unwrap_or_else(|| self.detail.clone()),
        }
    }
}

/// Reads the `multipart/form-data` body, which the gateway has already bounded as a whole,
/// each field within its own limit and only the form's four fields.
async fn read_form(
    headers: &HeaderMap,
    body: Bytes,
    file_bytes: u64,
) -> Result<UploadForm, Refusal> {
    let unreadable = |detail: String| {
        Refusal::said(
            "file",
            "web.upload_form",
            "upload-form-unreadable",
            &[("detail", &detail)],
        )
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| unreadable("not multipart/form-data".to_owned()))?;
    let constraints = multer::Constraints::new()
        .allowed_fields(vec!["csrf", "month", "reason", "file"])
        .size_limit(
            multer::SizeLimit::new()
                .for_field("csrf", TOKEN_BYTES)
                .for_field("month", MONTH_BYTES)
                .for_field("reason", REASON_BYTES)
                .for_field("file", file_bytes),
        );
    let mut multipart = multer::Multipart::with_constraints(
        Body::from(body).into_data_stream(),
        boundary,
        constraints,
    );
    let failed = |e: multer::Error| match e {
        multer::Error::FieldSizeExceeded { limit, field_name } => {
            let limit = limit.to_string();
            match field_name.as_deref() {
                Some("file") => Refusal::said(
                    "file",
                    "import.limit_file_bytes",
                    "upload-file-too-large",
                    &[("bytes", &limit)],
                ),
                Some("reason") => Refusal::said(
                    "reason",
                    "web.upload_field_too_long",
                    "upload-reason-too-long",
                    &[("bytes", &limit)],
                ),
                other => unreadable(format!(
                    "the field {} is longer than {limit} bytes",
                    other.unwrap_or("?")
                )),
            }
        }
        e => unreadable(e.to_string()),
    };
    let mut form = UploadForm::default();
    let mut seen = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(failed)? {
        let name = field.name().unwrap_or_default().to_owned();
        if seen.contains(&name) {
            return Err(unreadable(format!("the field {name} is sent twice")));
        }
        seen.push(name.clone());
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(failed)?;
            if !file_name.is_empty() || !bytes.is_empty() {
                form.file = Some((file_name, bytes));
            }
            continue;
        }
        let text = field.text().await.map_err(failed)?;
        match name.as_str() {
            "csrf" => form.csrf = text,
            "month" => form.month = text.trim().to_owned(),
            _ => form.reason = text.trim().to_owned(),
        }
    }
    Ok(form)
}

/// The partnership of the page, when the viewer may upload to it; else the 403 page.
async fn allowed(
    s: &GatewayState,
    lang: synergy_evaluation::locale::Lang,
    viewer: &Viewer,
    id: String,
) -> Result<(PartnershipId, synergy_domain::PartnershipView), Response> {
    let (view, _) = super::plans::party_of(s, lang, viewer, &id).await?;
    if !may_upload(viewer, &view) {
        return Err(forbidden(lang, viewer));
    }
    Ok((view.id.clone(), view))
}

/// Whether the viewer may submit the partnership's market data: its party on the side the
/// information context names.
pub(super) fn may_upload(viewer: &Viewer, view: &synergy_domain::PartnershipView) -> bool {
    viewer
        .caller()
        .may(
            view,
            crate::auth::Who::Only(MARKET_DATA_SIDE),
            "submitting market data",
        )
        .is_ok()
}

/// The months recorded, newest first: (month, revision, submitted on, reason).
async fn recorded(
    s: &GatewayState,
    id: &PartnershipId,
) -> Result<Vec<(String, String, String, String)>, synergy_runtime::ApiError> {
    let answer = s
        .api
        .query(AnyQuery::Information(
            synergy_information::Query::MarketData {
                partnership: id.clone(),
                period: None,
            },
        ))
        .await?;
    let text = |m: &serde_json::Value, k: &str| match m.get(k) {
        Some(serde_json::Value::String(t)) => t.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let mut months: Vec<_> = answer
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            (
                text(m, "month"),
                text(m, "revision"),
                text(m, "submitted_on"),
                text(m, "reason"),
            )
        })
        .collect();
    months.sort_by(|a, b| b.0.cmp(&a.0));
    months.truncate(LISTED_MONTHS);
    Ok(months)
}

/// What a submission of the page came to.
enum Outcome {
    /// The form as it was, empty or with a refusal of one of its fields.
    Form(Option<Refusal>),
    /// The file's rows were refused: nothing recorded.
    Rejected(ImportErrors),
    /// Recorded, corrected or unchanged: what the file held.
    Done {
        held: Box<SubmitMarketData>,
        events: Vec<String>,
        sheet: Option<String>,
        warnings: Vec<Warning>,
    },
}

/// `GET /app/partnerships/{id}/upload`: the form, the templates and the months recorded.
pub async fn upload_page(
    State(s): State<GatewayState>,
    headers: HeaderMap,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Response {
    let lang = lang_of(&headers);
    let (id, view) = match allowed(&s, lang, &viewer, id).await {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    let this_month = s.clock.now().date_in(&view.time_zone).year_month();
    show(
        &s,
        lang,
        &viewer,
        &id,
        Err(this_month),
        "",
        Outcome::Form(None),
    )
    .await
}

/// `POST /app/partnerships/{id}/upload`: reads the file with the import's rules and
/// records it, or shows why not.
pub async fn upload(
    State(s): State<GatewayState>,
    headers: HeaderMap,
    viewer: Viewer,
    Path(id): Path<String>,
    RawBody(body): RawBody,
) -> Response {
    let lang = lang_of(&headers);
    let file_bytes = s.limits.import.file_bytes as u64;
    let read = read_form(&headers, body, file_bytes).await;
    // The token is checked first; a form that cannot be read has none to check.
    let form = match read {
        Ok(form) if same_secret(&form.csrf, &viewer.session.csrf) => form,
        Ok(_) => return csrf_refused(lang, Some(&viewer)),
        Err(refusal) => {
            let status = match refusal.field {
                "file" if refusal.rule == "web.upload_form" => StatusCode::BAD_REQUEST,
                "file" => StatusCode::PAYLOAD_TOO_LARGE,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let words = refusal.words(&Words::new(lang));
            return problem(
                status,
                lang,
                Some(&viewer),
                "error-title",
                &words,
                &refusal.rule,
            );
        }
    };
    let (id, _) = match allowed(&s, lang, &viewer, id).await {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    let outcome = submit(&s, &viewer, &id, &form).await;
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => return unavailable(lang, Some(&viewer), &e),
    };
    show(
        &s,
        lang,
        &viewer,
        &id,
        Ok(&form.month),
        &form.reason,
        outcome,
    )
    .await
}

/// Checks the form, reads the file through the import and executes what it holds.
async fn submit(
    s: &GatewayState,
    viewer: &Viewer,
    id: &PartnershipId,
    form: &UploadForm,
) -> Result<Outcome, String> {
    let refuse = |refusal: Refusal| Ok(Outcome::Form(Some(refusal)));
    let Ok(month) = form.month.parse::<YearMonth>() else {
        return refuse(Refusal::said(
            "month",
            "web.upload_month",
            "upload-month-invalid",
            &[("value", &form.month)],
        ));
    };
    let Some((file_name, bytes)) = &form.file else {
        return refuse(Refusal::said(
            "file",
            "web.upload_file_required",
            "upload-file-required",
            &[],
        ));
    };
    let source = Source::File {
        bytes,
        format: Format::sniff(bytes, Some(file_name)),
        sheet: None,
    };
    let reason = Some(form.reason.clone()).filter(|r| !r.is_empty());
    let prepared =
        match import::market_data(&*s.api, id.clone(), source, reason, &s.limits.import).await {
            Ok(p) => p,
            Err(import::ImportError::Rejected(errors)) => return Ok(Outcome::Rejected(errors)),
            Err(import::ImportError::Api(e)) => return Err(e.to_string()),
        };
    let AnyCommand::Information(InformationCommand::SubmitMarketData(held)) = &prepared.command
    else {
        return Err("the import prepared another command".to_owned());
    };
    let other: Vec<String> = held
        .months
        .iter()
        .filter(|m| m.month != month)
        .map(|m| m.month.to_string())
        .collect();
    if !other.is_empty() {
        return refuse(Refusal::said(
            "month",
            "web.upload_month_mismatch",
            "upload-month-mismatch",
            &[("found", &other.join(", ")), ("month", &form.month)],
        ));
    }
    let request = prepared.request(viewer.caller().principal, false);
    match crate::routes::outcome_of(s, request).await {
        Ok((_, outcome, _)) => Ok(Outcome::Done {
            held: Box::new(held.clone()),
            events: outcome.events,
            sheet: prepared.sheet.clone(),
            warnings: prepared.warnings.clone(),
        }),
        Err(p) if p.status.is_server_error() => Err(p.body.message),
        Err(p) => {
            let rule = p.body.rule.unwrap_or(p.body.code);
            // A correction names the month; the form's field for it is the reason.
            let field = if rule.starts_with("market_data.correction") {
                "reason"
            } else if rule == "market_data.month_ended" {
                "month"
            } else {
                "file"
            };
            refuse(Refusal {
                field,
                rule,
                key: None,
                args: Vec::new(),
                detail: p.body.message,
            })
        }
    }
}

/// The words of a rule in the page's language, where there are some.
fn rule_words(w: &Words, rule: &str) -> Option<String> {
    let key = rule_key(rule);
    let words = w.t(&key);
    (words != key).then_some(words)
}

/// The Fluent key of a rule's words: `import.not_a_number` is `upload-rule-import-not_a_number`.
fn rule_key(rule: &str) -> String {
    format!("upload-rule-{}", rule.replace('.', "-"))
}

/// Reads what it needs and renders the page in one synchronous step.
async fn show(
    s: &GatewayState,
    lang: synergy_evaluation::locale::Lang,
    viewer: &Viewer,
    id: &PartnershipId,
    month: Result<&str, YearMonth>,
    reason: &str,
    outcome: Outcome,
) -> Response {
    let months = match recorded(s, id).await {
        Ok(m) => m,
        Err(e) => return unavailable(lang, Some(viewer), &e),
    };
    // Unless the form said: the month after the latest recorded, if it has ended, else the
    // latest that has.
    let month = match month {
        Ok(m) => m.to_owned(),
        Err(this_month) => {
            let ended = this_month.prev().unwrap_or(this_month);
            months
                .first()
                .and_then(|(m, ..)| m.parse::<YearMonth>().ok()?.next())
                .filter(|next| *next <= ended)
                .unwrap_or(ended)
                .to_string()
        }
    };
    let w = Words::new(lang);
    let status = match &outcome {
        Outcome::Form(None) => StatusCode::OK,
        Outcome::Done { events, .. } if !events.is_empty() => StatusCode::CREATED,
        Outcome::Done { .. } => StatusCode::OK,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let title = w.with("upload-title", &[("id", id.as_str())]);
    let here = format!("/app/partnerships/{id}/upload");
    let refusal = match &outcome {
        Outcome::Form(Some(r)) => Some(r),
        _ => None,
    };
    let invalid = |field: &str| refusal.is_some_and(|r| r.field == field);
    let max_mb = (s.limits.body_bytes / (1024 * 1024)).to_string();
    let body = html! {
        h1 { (title) }
        p.sub { a href={ "/app/partnerships/" (id) } { (w.t("upload-back")) } }
        @match &outcome {
            Outcome::Form(Some(r)) => {
                div.error #problem role="alert" {
                    p { strong { (w.t(&format!("upload-field-{}", r.field))) } ": " (r.words(&w)) }
                    @if r.key.is_none() && !r.detail.is_empty() { p.detail lang="en" { (r.detail) } }
                    p.hint { (w.with("rule-code", &[("rule", &r.rule)])) }
                    @if r.field != "file" { p.hint { (w.t("upload-choose-again")) } }
                }
            }
            Outcome::Rejected(errors) => (rejected(&w, errors)),
            Outcome::Done { held, events, sheet, warnings } => (done(&w, id, held, events, sheet.as_deref(), warnings)),
            Outcome::Form(None) => {}
        }
        form.upload #upload method="post" action=(here) enctype="multipart/form-data" {
            input type="hidden" name="csrf" value=(viewer.session.csrf);
            label.drop for="file" {
                span.drop-title { (w.t("upload-drop")) }
                span.hint { (w.with("upload-formats", &[("mb", &max_mb)])) }
                input #file type="file" name="file" required
                    accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                    aria-invalid=[invalid("file").then_some("true")];
            }
            div.fields {
                label { (w.t("upload-field-month"))
                    input #month type="month" name="month" value=(month) required placeholder="2008-07"
                        aria-invalid=[invalid("month").then_some("true")];
                }
                label { (w.t("upload-field-reason"))
                    input #reason name="reason" value=(reason) maxlength=(REASON_BYTES) size="40"
                        aria-invalid=[invalid("reason").then_some("true")];
                    span.hint { (w.t("upload-reason-hint")) }
                }
            }
            button type="submit" #upload-button { (w.t("upload-button")) }
        }
        p #templates {
            (w.t("upload-templates")) " "
            a #template-csv href="/app/templates/market-data.csv" download { "CSV" } " · "
            a #template-xlsx href="/app/templates/market-data.xlsx" download { "XLSX" }
        }
        section #recorded {
            h2 { (w.t("upload-recorded-title")) }
            @if months.is_empty() { p { (w.t("upload-recorded-none")) } }
            @else {
                div.scroll { table {
                    thead { tr {
                        th scope="col" { (w.t("upload-col-month")) }
                        th scope="col" { (w.t("upload-col-revision")) }
                        th scope="col" { (w.t("upload-col-submitted-on")) }
                        th scope="col" { (w.t("upload-field-reason")) }
                    } }
                    tbody { @for (m, revision, on, why) in &months { tr {
                        td { a href={ "/app/partnerships/" (id) "?kind=market&period=" (m) } { (m) } }
                        td.n { (revision) } td { (on) } td { (why) }
                    } } }
                } }
            }
        }
    };
    html_response(status, page(&w, &title, &here, Some(viewer), body))
}

/// Every listed bad row: line, column, the rule's words and code, and the import's own
/// detail.
fn rejected(w: &Words, errors: &ImportErrors) -> Markup {
    let total = errors.total.to_string();
    let rows = errors.rows_with_errors.to_string();
    let listed = synergy_import::LISTED_ROWS.to_string();
    html! {
        div.error #problem role="alert" {
            p { (w.with("upload-rejected", &[("total", &total), ("rows", &rows)])) }
            @if errors.is_truncated() { p { (w.with("upload-rejected-more", &[("listed", &listed)])) } }
            @if let Some(sheet) = &errors.sheet { p.hint { (w.with("upload-sheet", &[("sheet", sheet)])) } }
        }
        div.scroll { table #bad-rows {
            thead { tr {
                th scope="col" { (w.t("upload-col-line")) }
                th scope="col" { (w.t("upload-col-column")) }
                th scope="col" { (w.t("upload-col-reason")) }
            } }
            tbody { @for e in &errors.errors { tr {
                td.n { (e.line) }
                td { (e.column.as_deref().unwrap_or("—")) }
                td {
                    @if let Some(words) = rule_words(w, e.rule) { (words) br; }
                    code { (e.rule) }
                    span.detail lang="en" { (e.reason) }
                }
            } } }
        } }
    }
}

/// What was recorded: the outcome, the rows and SKUs the file held, its totals in cases and
/// yuan, and the month's market report.
fn done(
    w: &Words,
    id: &PartnershipId,
    held: &SubmitMarketData,
    events: &[String],
    sheet: Option<&str>,
    warnings: &[Warning],
) -> Markup {
    let t = &w.report;
    let mut skus = std::collections::BTreeSet::new();
    let (mut rows, mut volume, mut revenue, mut market_volume, mut market_revenue) =
        (0usize, 0i128, 0i128, 0i128, 0i128);
    for m in &held.months {
        rows += m.lines.len() + 1;
        for l in &m.lines {
            skus.insert(l.sku.clone());
            volume += i128::from(l.volume.units());
            revenue += i128::from(l.revenue.units());
        }
        market_volume += i128::from(m.market.volume.units());
        market_revenue += i128::from(m.market.revenue.units());
    }
    let month = held
        .months
        .first()
        .map(|m| m.month.to_string())
        .unwrap_or_default();
    let said = match events.first().map(String::as_str) {
        None => w.with("upload-unchanged", &[("month", &month)]),
        Some("MarketDataCorrected") => w.with("upload-corrected", &[("month", &month)]),
        Some(_) => w.with("upload-recorded", &[("month", &month)]),
    };
    let figure = |f: Figure| t.figure(&f, false);
    let period = held.months.first().map(|m| Period::Month(m.month));
    html! {
        section.card #summary {
            p.ok { strong { (said) } }
            @if let Some(sheet) = sheet { p.hint { (w.with("upload-sheet", &[("sheet", sheet)])) } }
            table {
                tbody {
                    tr { th scope="row" { (w.t("upload-sum-rows")) } td.n #sum-rows { (rows) } }
                    tr { th scope="row" { (w.t("upload-sum-skus")) } td.n #sum-skus { (skus.len()) } }
                    tr { th scope="row" { (w.t("upload-sum-volume")) } td.n #sum-volume { (figure(Figure::cases(Some(volume)))) } }
                    tr { th scope="row" { (w.t("upload-sum-revenue")) } td.n #sum-revenue { (figure(Figure::yuan(Some(revenue)))) } }
                    tr { th scope="row" { (w.t("upload-sum-market-volume")) } td.n { (figure(Figure::cases(Some(market_volume)))) } }
                    tr { th scope="row" { (w.t("upload-sum-market-revenue")) } td.n { (figure(Figure::yuan(Some(market_revenue)))) } }
                }
            }
            @if !warnings.is_empty() {
                ul.hint { @for warning in warnings { li { code { (warning.rule) } " " (warning.reason) } } }
            }
            @if let Some(p) = period {
                p { a #report-link href={ "/app/partnerships/" (id) "?kind=market&period=" (p) } { (w.with("upload-report-link", &[("month", &month)])) } }
            }
        }
    }
}

/// `GET /app/templates/{file}`: the market-data template, `market-data.csv` or
/// `market-data.xlsx`, as `synergy template market-data` writes it.
pub async fn template(_viewer: Viewer, Path(file): Path<String>) -> Response {
    let (format, media_type) = match file.as_str() {
        "market-data.csv" => (Format::Csv, "text/csv; charset=utf-8"),
        "market-data.xlsx" => (Format::Xlsx, synergy_import::XLSX_MEDIA_TYPE),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let bytes = synergy_import::template(ImportKind::MarketData, format);
    let disposition = format!("attachment; filename=\"{file}\"");
    let mut res = (StatusCode::OK, bytes).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// The page a body past the gateway's limit gets on the web app's paths (the API's routes
/// answer their JSON 413): it says the limit and what to do.
pub fn too_large(headers: &HeaderMap, limit: usize) -> Response {
    let lang = lang_of(headers);
    let mb = (limit / (1024 * 1024)).max(1).to_string();
    let words = Words::new(lang).with("upload-too-large", &[("mb", &mb)]);
    problem(
        StatusCode::PAYLOAD_TOO_LARGE,
        lang,
        None,
        "error-title",
        &words,
        "web.body_too_large",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use synergy_evaluation::locale::Lang;

    /// Every rule the market-data import and its decision can refuse with, read from their
    /// sources, so a new rule without words fails here rather than reaching a page raw.
    fn rules() -> std::collections::BTreeSet<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files: Vec<_> = std::fs::read_dir(root.join("synergy-import/src"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.push(root.join("synergy-information/src/market_data.rs"));
        let mut rules = std::collections::BTreeSet::new();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for prefix in ["\"import.", "\"market_data."] {
                for (at, _) in text.match_indices(prefix) {
                    let rest = &text[at + 1..];
                    let end = rest.find('"').unwrap();
                    rules.insert(rest[..end].to_owned());
                }
            }
        }
        rules
    }

    #[test]
    fn every_rule_of_the_market_data_import_has_words_in_every_language() {
        let rules = rules();
        assert!(rules.len() > 40, "{rules:?}");
        assert!(rules.contains("market_data.sku_registered"));
        for lang in Lang::ALL {
            let w = Words::new(lang);
            for rule in &rules {
                assert!(
                    rule_words(&w, rule).is_some(),
                    "{lang}: no words for {rule}"
                );
            }
        }
        assert_eq!(
            rule_words(&Words::new(Lang::ZhCn), "import.not_a_number").as_deref(),
            Some("不是数字。")
        );
        assert_eq!(rule_words(&Words::new(Lang::En), "no.such_rule"), None);
    }
}
