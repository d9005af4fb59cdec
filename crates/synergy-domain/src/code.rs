//! The stable error codes: the kinds of failure a client branches on, each listed once with
//! its HTTP status, the CLI's exit code, whether a retry can help and what it means.
//!
//! Every front end derives from this table: the gateway's JSON `code` and status, the NATS
//! wire's `code` (`synergy_runtime::nats::wire`), the CLI's exit code; `docs/errors.md`
//! documents it and a test holds the two equal. The per-rule codes of refusals
//! (`plan.targets_only_in_draft`) are not here: they travel beside a code (`rule`).

use std::fmt;

use crate::ErrorKind;

/// One stable error code. Variants are only appended: a client may match on any of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorCode {
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    Invalid,
    IdempotencyKeyReused,
    InvalidFile,
    MalformedJson,
    InvalidPath,
    InvalidQuery,
    InvalidHeader,
    UnsupportedMediaType,
    PayloadTooLarge,
    MethodNotAllowed,
    Timeout,
    Contended,
    Unavailable,
    NotReady,
    Internal,
}

/// The CLI's exit code for a command that was refused or failed, whatever the code: the
/// CLI's three outcomes (0 done, 1 refused or failed, 2 a usage error before anything ran)
/// predate the table and scripts rely on them.
pub const CLI_FAILED: u8 = 1;

impl ErrorCode {
    /// Every code, in the order `docs/errors.md` lists them.
    pub const ALL: [ErrorCode; 19] = [
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::Conflict,
        ErrorCode::Invalid,
        ErrorCode::IdempotencyKeyReused,
        ErrorCode::InvalidFile,
        ErrorCode::MalformedJson,
        ErrorCode::InvalidPath,
        ErrorCode::InvalidQuery,
        ErrorCode::InvalidHeader,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::PayloadTooLarge,
        ErrorCode::MethodNotAllowed,
        ErrorCode::Timeout,
        ErrorCode::Contended,
        ErrorCode::Unavailable,
        ErrorCode::NotReady,
        ErrorCode::Internal,
    ];

    /// The code as clients see it, in JSON and on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Invalid => "invalid",
            ErrorCode::IdempotencyKeyReused => "idempotency_key_reused",
            ErrorCode::InvalidFile => "invalid_file",
            ErrorCode::MalformedJson => "malformed_json",
            ErrorCode::InvalidPath => "invalid_path",
            ErrorCode::InvalidQuery => "invalid_query",
            ErrorCode::InvalidHeader => "invalid_header",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::Timeout => "timeout",
            ErrorCode::Contended => "contended",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::NotReady => "not_ready",
            ErrorCode::Internal => "internal",
        }
    }

    /// The code of `text`, if it is one.
    pub fn parse(text: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.as_str() == text)
    }

    /// The HTTP status the gateway answers with.
    pub const fn status(self) -> u16 {
        match self {
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict => 409,
            ErrorCode::Invalid | ErrorCode::IdempotencyKeyReused | ErrorCode::InvalidFile => 422,
            ErrorCode::MalformedJson
            | ErrorCode::InvalidPath
            | ErrorCode::InvalidQuery
            | ErrorCode::InvalidHeader => 400,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::Timeout => 408,
            ErrorCode::Contended | ErrorCode::Unavailable | ErrorCode::NotReady => 503,
            ErrorCode::Internal => 500,
        }
    }

    /// The CLI's exit code when a command meets this error; `None` for the codes only HTTP
    /// has (the CLI reads no token, body, path or header, so it never meets them).
    pub const fn exit_code(self) -> Option<u8> {
        match self {
            ErrorCode::Unauthorized
            | ErrorCode::MalformedJson
            | ErrorCode::InvalidPath
            | ErrorCode::InvalidQuery
            | ErrorCode::InvalidHeader
            | ErrorCode::UnsupportedMediaType
            | ErrorCode::PayloadTooLarge
            | ErrorCode::MethodNotAllowed
            | ErrorCode::Timeout => None,
            ErrorCode::Forbidden
            | ErrorCode::NotFound
            | ErrorCode::Conflict
            | ErrorCode::Invalid
            | ErrorCode::IdempotencyKeyReused
            | ErrorCode::InvalidFile
            | ErrorCode::Contended
            | ErrorCode::Unavailable
            | ErrorCode::NotReady
            | ErrorCode::Internal => Some(CLI_FAILED),
        }
    }

    /// Whether the same request sent again can succeed without anything else changing
    /// (a 503 answers with `Retry-After`). A `timeout` may or may not have recorded the
    /// command, so it is retried with the same idempotency key, which records it once.
    pub const fn retryable(self) -> bool {
        matches!(
            self,
            ErrorCode::Timeout
                | ErrorCode::Contended
                | ErrorCode::Unavailable
                | ErrorCode::NotReady
        )
    }

    /// What the code means, in one line.
    pub const fn meaning(self) -> &'static str {
        match self {
            ErrorCode::Unauthorized => "no, unknown, expired or revoked token",
            ErrorCode::Forbidden => {
                "not a party, the other side's task, or the role does not match the side (`rule` says which)"
            }
            ErrorCode::NotFound => {
                "the partnership or a referenced item does not exist (or the caller is no party of it), or no route"
            }
            ErrorCode::Conflict => {
                "the aggregate's state does not allow it (`rule`, e.g. `market_data.correction_needs_reason`; `field` where one is at fault)"
            }
            ErrorCode::Invalid => "a field breaks a rule or does not parse (`rule`, `field`)",
            ErrorCode::IdempotencyKeyReused => {
                "the caller used this idempotency key before on the same aggregate for a command with another body; nothing was recorded, use a new key"
            }
            ErrorCode::InvalidFile => {
                "an upload was rejected whole; `errors` lists `{line, column, rule, reason}` of the first 1,000 bad rows, `errors_by_rule` counts every problem"
            }
            ErrorCode::MalformedJson => "the body is not the JSON the route takes",
            ErrorCode::InvalidPath => "a path parameter is not a valid id, period or kind",
            ErrorCode::InvalidQuery => "a query parameter does not parse",
            ErrorCode::InvalidHeader => {
                "`Idempotency-Key` is not a UUID, or `X-Act-As` not an organisation id"
            }
            ErrorCode::UnsupportedMediaType => {
                "a body that is not JSON (or CSV, XLSX or JSON for uploads)"
            }
            ErrorCode::PayloadTooLarge => "the body exceeds the gateway's body limit",
            ErrorCode::MethodNotAllowed => "the path exists with another method",
            ErrorCode::Timeout => {
                "the request took longer than the gateway's request timeout; a command may or may not be recorded, retry with the same key"
            }
            ErrorCode::Contended => {
                "other writers kept changing the aggregate; nothing was recorded, retry"
            }
            ErrorCode::Unavailable => {
                "the event log, a service or the token store cannot be reached or written; retry with the same idempotency key"
            }
            ErrorCode::NotReady => "the read models have not caught up with the log yet; retry",
            ErrorCode::Internal => {
                "a bug or unreadable stored data; the details are in the server log only"
            }
        }
    }
}

/// The table as `docs/errors.md` and the OpenAPI description show it, one row per code.
pub fn markdown_table() -> String {
    let mut table =
        String::from("| code | HTTP | CLI exit | retry | meaning |\n|---|---|---|---|---|\n");
    for code in ErrorCode::ALL {
        let exit = code
            .exit_code()
            .map_or_else(|| "—".to_owned(), |e| e.to_string());
        let retry = if code.retryable() { "yes" } else { "no" };
        table.push_str(&format!(
            "| `{code}` | {} | {exit} | {retry} | {} |\n",
            code.status(),
            code.meaning()
        ));
    }
    table
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ErrorKind {
    /// The code a refusal of this kind is answered with.
    pub const fn code(self) -> ErrorCode {
        match self {
            ErrorKind::Forbidden => ErrorCode::Forbidden,
            ErrorKind::NotFound => ErrorCode::NotFound,
            ErrorKind::State => ErrorCode::Conflict,
            ErrorKind::Invalid => ErrorCode::Invalid,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_listed_once_and_reads_back() {
        for (i, code) in ErrorCode::ALL.into_iter().enumerate() {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
            assert!(
                !ErrorCode::ALL[..i]
                    .iter()
                    .any(|c| c.as_str() == code.as_str()),
                "{code} twice"
            );
        }
        assert_eq!(ErrorCode::parse("teapot"), None);
    }

    #[test]
    fn retryable_codes_are_the_ones_told_to_wait() {
        for code in ErrorCode::ALL {
            let waits = code.status() == 503;
            assert!(!waits || code.retryable(), "{code}");
            assert!(
                !code.retryable() || waits || code == ErrorCode::Timeout,
                "{code}"
            );
        }
    }
}
