//! The one error shape every response uses: `{code, message, rule?, field?, errors?}` with a
//! stable `code` per failure class (listed in the crate documentation and the OpenAPI).

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use synergy_domain::{DomainError, ErrorKind};
use synergy_runtime::{ApiError, ExecuteError};
use utoipa::ToSchema;

/// Seconds a client is told to wait before retrying a 503.
pub const RETRY_AFTER_SECS: u32 = 2;

/// One bad row of a rejected upload.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RowProblem {
    /// 1-based line of the CSV file or row of the sheet (header = line 1); for a JSON
    /// upload, the 1-based position in `rows` (or `skus`).
    pub line: u64,
    /// The column the problem lies in, if it is one cell, by the import's name for it
    /// (`volume_cases`, also when the header calls it `銷量`).
    pub column: Option<String>,
    /// Stable code of the broken import rule, e.g. `import.too_many_decimals`.
    pub rule: String,
    /// What is wrong and what to do.
    pub reason: String,
}

/// The body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable error code; see the crate documentation for the list.
    pub code: String,
    /// What went wrong and what to do, for a person.
    pub message: String,
    /// The domain rule that refused the command, e.g. `plan.targets_only_in_draft`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The offending field, e.g. `lines[3].volume` or `months[2008-06]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The bad rows of a rejected upload (`invalid_file` only): every problem of the first
    /// 1,000 rows that have any; `errors_total` and `errors_by_rule` count the rest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<RowProblem>>,
    /// Every problem of a rejected upload, listed in `errors` or not (`invalid_file` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors_total: Option<u64>,
    /// How many rows of a rejected upload have a problem, listed or not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows_with_errors: Option<u64>,
    /// Every problem of a rejected upload, counted per rule code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors_by_rule: Option<BTreeMap<String, u64>>,
    /// The sheet of a rejected XLSX upload that the lines are rows of.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
}

/// The problems of a rejected upload as they are found, row by row: the first
/// [`synergy_import::LISTED_ROWS`] rows' problems are kept, the rest only counted, so a
/// body of bad rows costs bounded memory and answers with a bounded list.
#[derive(Debug, Default)]
pub struct RowProblems {
    listed: BTreeMap<u64, Vec<RowProblem>>,
    rows: std::collections::BTreeSet<u64>,
    by_rule: BTreeMap<String, u64>,
    total: u64,
}

impl RowProblems {
    pub fn push(&mut self, problem: RowProblem) {
        self.total += 1;
        *self.by_rule.entry(problem.rule.clone()).or_default() += 1;
        self.rows.insert(problem.line);
        if let Some(row) = self.listed.get_mut(&problem.line) {
            row.push(problem);
            return;
        }
        if self.listed.len() < synergy_import::LISTED_ROWS {
            self.listed.insert(problem.line, vec![problem]);
            return;
        }
        if let Some((&last, _)) = self.listed.last_key_value()
            && problem.line < last
        {
            self.listed.remove(&last);
            self.listed.insert(problem.line, vec![problem]);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The 422 `invalid_file` answer.
    pub fn into_problem(self) -> Problem {
        let listed_rows = self.listed.len();
        let rows = self.rows.len() as u64;
        let message = if rows > listed_rows as u64 {
            format!(
                "the file was rejected and nothing of it was recorded: {} problem(s) on {rows} \
                 rows; the first {listed_rows} rows are listed in `errors`, every problem is \
                 counted in `errors_by_rule`",
                self.total
            )
        } else {
            format!(
                "the file was rejected and nothing of it was recorded: {} problem(s), listed in \
                 `errors`",
                self.total
            )
        };
        let mut p = Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::INVALID_FILE,
            message,
        );
        p.body.errors = Some(self.listed.into_values().flatten().collect());
        p.body.errors_total = Some(self.total);
        p.body.rows_with_errors = Some(rows);
        p.body.errors_by_rule = Some(self.by_rule);
        p
    }
}

/// An error on its way to becoming a response.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    /// Boxed so that `Result<_, Problem>` stays small on the happy path.
    pub body: Box<ErrorBody>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: Box::new(ErrorBody {
                code: code.to_owned(),
                message: message.into(),
                rule: None,
                field: None,
                errors: None,
                errors_total: None,
                rows_with_errors: None,
                errors_by_rule: None,
                sheet: None,
            }),
        }
    }

    pub fn with_rule(mut self, rule: &str) -> Self {
        self.body.rule = Some(rule.to_owned());
        self
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.body.field = Some(field.into());
        self
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, codes::UNAUTHORIZED, message)
    }

    pub fn forbidden(rule: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, codes::FORBIDDEN, message).with_rule(rule)
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// A body field that does not parse (a date, an amount, an id).
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, codes::INVALID, message).with_field(field)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, codes::INTERNAL, message)
    }

    pub fn unavailable(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, code, message)
    }
}

/// The stable error codes.
pub mod codes {
    pub const UNAUTHORIZED: &str = "unauthorized";
    pub const FORBIDDEN: &str = "forbidden";
    pub const NOT_FOUND: &str = "not_found";
    pub const CONFLICT: &str = "conflict";
    pub const INVALID: &str = "invalid";
    pub const INVALID_FILE: &str = "invalid_file";
    pub const MALFORMED_JSON: &str = "malformed_json";
    pub const INVALID_PATH: &str = "invalid_path";
    pub const INVALID_QUERY: &str = "invalid_query";
    pub const INVALID_HEADER: &str = "invalid_header";
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "unsupported_media_type";
    pub const PAYLOAD_TOO_LARGE: &str = "payload_too_large";
    pub const METHOD_NOT_ALLOWED: &str = "method_not_allowed";
    pub const TIMEOUT: &str = "timeout";
    pub const CONTENDED: &str = "contended";
    pub const UNAVAILABLE: &str = "unavailable";
    pub const NOT_READY: &str = "not_ready";
    pub const INTERNAL: &str = "internal";
    pub const IDEMPOTENCY_KEY_REUSED: &str = "idempotency_key_reused";

    /// Every code with its status, for the documentation test.
    pub const ALL: [(&str, u16); 19] = [
        (UNAUTHORIZED, 401),
        (FORBIDDEN, 403),
        (NOT_FOUND, 404),
        (CONFLICT, 409),
        (INVALID, 422),
        (IDEMPOTENCY_KEY_REUSED, 422),
        (INVALID_FILE, 422),
        (MALFORMED_JSON, 400),
        (INVALID_PATH, 400),
        (INVALID_QUERY, 400),
        (INVALID_HEADER, 400),
        (UNSUPPORTED_MEDIA_TYPE, 415),
        (PAYLOAD_TOO_LARGE, 413),
        (METHOD_NOT_ALLOWED, 405),
        (TIMEOUT, 408),
        (CONTENDED, 503),
        (UNAVAILABLE, 503),
        (NOT_READY, 503),
        (INTERNAL, 500),
    ];
}

impl From<DomainError> for Problem {
    fn from(e: DomainError) -> Self {
        let (status, code) = match e.kind {
            ErrorKind::Forbidden => (StatusCode::FORBIDDEN, codes::FORBIDDEN),
            ErrorKind::NotFound => (StatusCode::NOT_FOUND, codes::NOT_FOUND),
            ErrorKind::State => (StatusCode::CONFLICT, codes::CONFLICT),
            ErrorKind::Invalid => (StatusCode::UNPROCESSABLE_ENTITY, codes::INVALID),
        };
        let mut p = Problem::new(status, code, e.message).with_rule(&e.rule);
        p.body.field = e.field;
        p
    }
}

impl From<ExecuteError> for Problem {
    fn from(e: ExecuteError) -> Self {
        match e {
            ExecuteError::Refused(d) => d.into(),
            ExecuteError::Contended { .. } => Problem::unavailable(codes::CONTENDED, e.to_string()),
            ExecuteError::Unavailable(_) => Problem::unavailable(codes::UNAVAILABLE, e.to_string()),
            ExecuteError::IdempotencyKeyReused { .. } => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                codes::IDEMPOTENCY_KEY_REUSED,
                e.to_string(),
            )
            .with_rule("idempotency.key_reused")
            .with_field("Idempotency-Key"),
            // Details of unreadable data or bugs stay in the server log, not in the response.
            ExecuteError::Corrupt(_) | ExecuteError::Internal(_) => {
                tracing::error!(error = %e, "command failed");
                Problem::internal(
                    "the server could not complete the request; an operator has the details in the log",
                )
            }
        }
    }
}

impl From<ApiError> for Problem {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::Execute(e) => e.into(),
            ApiError::NotFound(m) => Problem::new(StatusCode::NOT_FOUND, codes::NOT_FOUND, m),
            ApiError::NotReady(_) => Problem::unavailable(codes::NOT_READY, e.to_string()),
            // A full disk under the read models clears by itself: they reopen their store.
            ApiError::Projection(p) if p.is_storage_failure() => {
                tracing::error!(error = %p, "report failed");
                Problem::unavailable(
                    codes::UNAVAILABLE,
                    "the read models cannot be stored right now (a full disk?); retry shortly",
                )
            }
            ApiError::Projection(_) => {
                tracing::error!(error = %e, "report failed");
                Problem::internal(
                    "the server could not compute the report; an operator has the details in the log",
                )
            }
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(*self.body)).into_response();
        let headers = response.headers_mut();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
