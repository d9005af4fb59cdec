//! Why a command failed, one stable code a variant.

use std::time::Duration;

use synergy_domain::{DomainError, ErrorCode};
use synergy_eventlog::ReadError;
use synergy_proto::StreamId;

use crate::fault::{Corrupt, Lag};

/// Why a command failed. Each variant has one stable [`ErrorCode`] ([`ExecuteError::code`]),
/// from which every front end answers (`docs/errors.md`).
#[derive(Debug, thiserror::Error)]
pub enum ExecuteError {
    /// The domain refused the command; nothing was recorded.
    #[error("refused: {0}")]
    Refused(#[from] DomainError),
    /// Other writers kept changing the aggregate; nothing was recorded. Retry later.
    #[error("{stream} kept changing under {attempts} attempts; nothing was recorded, retry")]
    Contended { stream: StreamId, attempts: u32 },
    /// The event log or a service could not be reached; the command may or may not be
    /// recorded. Retry with the same idempotency key.
    #[error("event log unavailable: {0}; retry with the same idempotency key")]
    Unavailable(Unavailable),
    /// A read met a stored record it could not decode where it cannot pass over it; an
    /// operator must look (`synergy quarantine list`). The text is for the server log.
    #[error("stored data is unreadable: {0}")]
    Corrupt(Corrupt),
    /// The caller used this idempotency key before on the same stream for a command with
    /// another body; nothing was recorded. Use a new key for a new command.
    #[error(
        "the Idempotency-Key was already used for a different command on {stream}; nothing was recorded, use a new key for a new command"
    )]
    IdempotencyKeyReused { stream: StreamId },
    /// A bug, reported rather than hidden. The text is for the server log: a front end
    /// answers an outsider only that the request failed.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ExecuteError {
    /// The stable code every front end answers this error with.
    pub fn code(&self) -> ErrorCode {
        match self {
            ExecuteError::Refused(d) => d.kind.code(),
            ExecuteError::Contended { .. } => ErrorCode::Contended,
            ExecuteError::Unavailable(_) => ErrorCode::Unavailable,
            ExecuteError::IdempotencyKeyReused { .. } => ErrorCode::IdempotencyKeyReused,
            ExecuteError::Corrupt(_) | ExecuteError::Internal(_) => ErrorCode::Internal,
        }
    }
}

/// What could not be reached. Whichever it is, the command may or may not be recorded, and
/// a retry with the same idempotency key records it at most once; the variants tell an
/// operator what to look at (a disk, a service to start, the network).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unavailable {
    /// The event log or the read models' store cannot be read or written now (a full disk,
    /// a lost JetStream connection). Also how a service's report of it arrives over NATS.
    #[error("{reason}")]
    Storage { reason: String },
    /// A command decided on evaluation's read models met them behind the log past the
    /// wait (`not_ready` for a read; a command, which may have to be retried anyway, says
    /// `unavailable`).
    #[error("evaluation's read models are not up to date yet ({0}); retry shortly")]
    ReadModelsBehind(Lag),
    /// Nobody answers the service's subject: no such service is running.
    #[error("no {service} service is running (nobody answers {subject}); start one")]
    NoService { service: String, subject: String },
    /// The service did not answer in time.
    #[error("the {service} service did not answer on {subject} within {after:?}")]
    NoAnswer {
        service: String,
        subject: String,
        after: Duration,
    },
    /// The request could not be sent (the NATS connection is down).
    #[error("cannot reach the {service} service on {subject}: {reason}")]
    Unreachable {
        service: String,
        subject: String,
        reason: String,
    },
}

impl Unavailable {
    pub fn storage(reason: impl Into<String>) -> Self {
        Unavailable::Storage {
            reason: reason.into(),
        }
    }
}

impl From<ReadError> for ExecuteError {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::Unavailable { reason } => {
                ExecuteError::Unavailable(Unavailable::storage(reason))
            }
            ReadError::Corrupt {
                position,
                subject,
                source,
            } => ExecuteError::Corrupt(Corrupt::Record {
                position,
                subject,
                reason: source.to_string(),
            }),
        }
    }
}
