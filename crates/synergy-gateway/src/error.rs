//! The one error shape every response uses: `{code, message, rule?, field?, errors?}` with a
//! stable `code` per failure class and the status that code has in the one table of codes
//! ([`ErrorCode`], documented in `docs/errors.md` and the OpenAPI).

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use synergy_domain::{DomainError, ErrorCode};
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
        let mut p = Problem::new(ErrorCode::InvalidFile, message);
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
    /// An error of `code`, answered with the code's status from the table.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status: status_of(code),
            body: Box::new(ErrorBody {
                code: code.as_str().to_owned(),
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

    /// The same message under another code (and its status).
    pub fn recoded(mut self, code: ErrorCode) -> Self {
        self.status = status_of(code);
        self.body.code = code.as_str().to_owned();
        self
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
        Self::new(ErrorCode::Unauthorized, message)
    }

    pub fn forbidden(rule: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message).with_rule(rule)
    }

    /// A body field that does not parse (a date, an amount, an id).
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Invalid, message).with_field(field)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }
}

/// The code's status from the table (all of them valid statuses, as the gateway's tests
/// show by answering each).
pub fn status_of(code: ErrorCode) -> StatusCode {
    StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The table's codes as text, to compare with a response's `code`
/// ([`ErrorCode`] is the table; `docs/errors.md` documents it).
pub mod codes {
    use synergy_domain::ErrorCode;

    pub const UNAUTHORIZED: &str = ErrorCode::Unauthorized.as_str();
    pub const FORBIDDEN: &str = ErrorCode::Forbidden.as_str();
    pub const NOT_FOUND: &str = ErrorCode::NotFound.as_str();
    pub const CONFLICT: &str = ErrorCode::Conflict.as_str();
    pub const INVALID: &str = ErrorCode::Invalid.as_str();
    pub const INVALID_FILE: &str = ErrorCode::InvalidFile.as_str();
    pub const MALFORMED_JSON: &str = ErrorCode::MalformedJson.as_str();
    pub const INVALID_PATH: &str = ErrorCode::InvalidPath.as_str();
    pub const INVALID_QUERY: &str = ErrorCode::InvalidQuery.as_str();
    pub const INVALID_HEADER: &str = ErrorCode::InvalidHeader.as_str();
    pub const UNSUPPORTED_MEDIA_TYPE: &str = ErrorCode::UnsupportedMediaType.as_str();
    pub const PAYLOAD_TOO_LARGE: &str = ErrorCode::PayloadTooLarge.as_str();
    pub const METHOD_NOT_ALLOWED: &str = ErrorCode::MethodNotAllowed.as_str();
    pub const TIMEOUT: &str = ErrorCode::Timeout.as_str();
    pub const CONTENDED: &str = ErrorCode::Contended.as_str();
    pub const UNAVAILABLE: &str = ErrorCode::Unavailable.as_str();
    pub const NOT_READY: &str = ErrorCode::NotReady.as_str();
    pub const INTERNAL: &str = ErrorCode::Internal.as_str();
    pub const IDEMPOTENCY_KEY_REUSED: &str = ErrorCode::IdempotencyKeyReused.as_str();
}

impl From<DomainError> for Problem {
    fn from(e: DomainError) -> Self {
        let mut p = Problem::new(e.kind.code(), e.message).with_rule(&e.rule);
        p.body.field = e.field;
        p
    }
}

impl From<ExecuteError> for Problem {
    fn from(e: ExecuteError) -> Self {
        ApiError::Execute(e).into()
    }
}

/// Every failure of the [`synergy_runtime::Api`] is answered with its code from the table
/// ([`ApiError::code`]); only the message is chosen here, and what is not the caller's
/// business (unreadable data, a bug) goes to the server log instead.
impl From<ApiError> for Problem {
    fn from(e: ApiError) -> Self {
        let code = e.code();
        match e {
            ApiError::Execute(ExecuteError::Refused(d)) => d.into(),
            ApiError::Execute(ExecuteError::IdempotencyKeyReused { .. }) => {
                Problem::new(code, e.to_string())
                    .with_rule("idempotency.key_reused")
                    .with_field("Idempotency-Key")
            }
            ApiError::Projection(_) if code == ErrorCode::Internal => {
                tracing::error!(error = %e, "report failed");
                Problem::internal(
                    "the server could not compute the report; an operator has the details in the log",
                )
            }
            _ if code == ErrorCode::Internal => {
                tracing::error!(error = %e, "command failed");
                Problem::internal(
                    "the server could not complete the request; an operator has the details in the log",
                )
            }
            ApiError::Projection(p) => {
                tracing::error!(error = %p, "report failed");
                Problem::new(
                    code,
                    "the read models cannot be stored right now (a full disk?); retry shortly",
                )
            }
            // What could not be reached, and where the read models stand, are an
            // operator's business (an OS error, a subject, log positions): the caller
            // learns only the class of failure and what to do about it.
            ApiError::Execute(ExecuteError::Unavailable(cause)) => {
                tracing::warn!(error = %cause, "request unavailable");
                Problem::new(code, code.meaning())
            }
            ApiError::NotReady(detail) => {
                tracing::warn!(%detail, "read models behind");
                Problem::new(code, code.meaning())
            }
            other => Problem::new(code, other.to_string()),
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

#[cfg(test)]
mod tests {
    use synergy_eventlog::Position;
    use synergy_proto::{PartnershipId, Uuid};
    use synergy_runtime::{Corrupt, Lag, NotReady, Unavailable};

    use super::*;

    #[test]
    fn an_operators_fault_reaches_the_caller_as_its_class_and_nothing_of_it() {
        let lag = Lag {
            at: Position(3),
            waiting_for: Position(5),
        };
        let stream = synergy_strategy::stream_for(&PartnershipId::new("p1").unwrap());
        let faults = [
            ApiError::Execute(ExecuteError::Corrupt(Corrupt::Record {
                position: Position(7),
                subject: Some("syn.evt.strategy.p1.p1".into()),
                reason: "bad bytes".into(),
            })),
            ApiError::Execute(ExecuteError::Corrupt(Corrupt::Commit {
                stream,
                commit: Uuid::nil(),
            })),
            ApiError::Execute(ExecuteError::Corrupt(Corrupt::read_models("bad bytes"))),
            ApiError::Execute(ExecuteError::Unavailable(Unavailable::ReadModelsBehind(
                lag,
            ))),
            ApiError::NotReady(NotReady::Behind(lag)),
            ApiError::NotReady(NotReady::unreadable("the meeting", "bad bytes")),
        ];
        for fault in faults {
            let said = fault.to_string();
            let problem = Problem::from(fault);
            let message = &problem.body.message;
            let internals = ["@", "syn.", "p1", "bad bytes", "meeting", "read models at"];
            assert!(internals.iter().any(|i| said.contains(i)), "{said}");
            for internal in internals {
                assert!(!message.contains(internal), "{said} answered {message:?}");
            }
        }
    }
}
