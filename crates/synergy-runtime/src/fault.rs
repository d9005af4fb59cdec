//! The faults an operator looks into rather than a caller: stored data that cannot be read
//! and read models that lag behind the log. They are values, not sentences, so that the
//! NATS wire carries them whole to the caller's process and each front end says of them
//! what it says (the gateway only the code's meaning, `docs/errors.md`); their text here
//! is for the server log.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use synergy_eventlog::Position;
use synergy_proto::{StreamId, Uuid};

/// Stored data a read met and could not pass over; an operator must look
/// (`synergy quarantine list`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum Corrupt {
    /// A record of the log that does not decode, quarantined at `position`.
    #[error("record at {position}{} is quarantined: {reason}", subject.as_deref().map(|s| format!(" on {s}")).unwrap_or_default())]
    Record {
        #[serde(with = "position")]
        position: Position,
        subject: Option<String>,
        reason: String,
    },
    /// The log recognised a retry of `commit`, which then did not read back from `stream`.
    #[error("commit {commit} of {stream} is known but no longer reads back")]
    Commit { stream: StreamId, commit: Uuid },
    /// Evaluation's read models could not be read (not a storage failure, which is
    /// `unavailable`).
    #[error("evaluation's read models: {reason}")]
    ReadModels { reason: String },
}

impl Corrupt {
    pub fn read_models(e: impl std::fmt::Display) -> Corrupt {
        Corrupt::ReadModels {
            reason: e.to_string(),
        }
    }
}

/// Where evaluation's read models stood when a reader gave up waiting for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("read models at {at}, waiting for {waiting_for}")]
pub struct Lag {
    #[serde(with = "position")]
    pub at: Position,
    #[serde(with = "position")]
    pub waiting_for: Position,
}

/// Why a read cannot be answered yet; a retry can help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum NotReady {
    /// The read models did not reach the requested position in time.
    #[error(transparent)]
    Behind(Lag),
    /// What the read models answered does not read back as what was asked for (a model
    /// of another version, being rebuilt).
    #[error("{answer} does not read back: {reason}")]
    Unreadable {
        answer: Cow<'static, str>,
        reason: String,
    },
}

impl NotReady {
    pub fn unreadable(answer: &'static str, e: impl std::fmt::Display) -> NotReady {
        NotReady::Unreadable {
            answer: Cow::Borrowed(answer),
            reason: e.to_string(),
        }
    }
}

/// A [`Position`] as the number it is: the event log's crate carries no serde.
mod position {
    use serde::{Deserialize, Deserializer, Serializer};
    use synergy_eventlog::Position;

    pub fn serialize<S: Serializer>(p: &Position, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(p.get())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Position, D::Error> {
        u64::deserialize(d).map(Position)
    }
}
