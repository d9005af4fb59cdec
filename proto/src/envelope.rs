//! The commit: one or more events of one aggregate, recorded together or not at all.
//!
//! A commit is the unit the event log stores and NATS carries (one message per commit).
//! Everything every event shares — stream, actor, correlation — sits on the commit once;
//! [`Commit::envelopes`] gives the per-event view with every envelope field.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::events::Event;
use crate::ids::{AggregateId, PartnershipId};
use crate::principal::{Actor, Context};
use crate::time::Timestamp;

/// Where an aggregate's events live: context, partnership, aggregate.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct StreamId {
    pub context: Context,
    pub partnership: PartnershipId,
    pub aggregate: AggregateId,
}

impl StreamId {
    pub fn new(context: Context, partnership: PartnershipId, aggregate: AggregateId) -> Self {
        Self {
            context,
            partnership,
            aggregate,
        }
    }
}

impl std::fmt::Display for StreamId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{}/{}",
            self.context, self.partnership, self.aggregate
        )
    }
}

/// One event inside a commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedEvent {
    /// UUIDv7: unique and roughly time-ordered.
    pub event_id: Uuid,
    /// When it happened in the business (may be earlier than `recorded_at`).
    pub occurred_at: Timestamp,
    pub event: Event,
}

/// One or more events of one aggregate, committed together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commit {
    /// Idempotency key: a commit id seen before is not stored again.
    pub commit_id: Uuid,
    pub stream: StreamId,
    /// Aggregate version of `events[0]` (versions start at 1 and count events).
    /// Stamped by the event log when it accepts the commit.
    pub first_version: u64,
    /// Stamped by the event log when it accepts the commit.
    pub recorded_at: Timestamp,
    pub actor: Actor,
    /// The request or workflow this commit belongs to.
    pub correlation_id: Uuid,
    /// The command or event that caused it, if any.
    pub causation_id: Option<Uuid>,
    pub events: Vec<RecordedEvent>,
}

/// Why a commit cannot be recorded as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommitError {
    #[error("a commit needs at least one event")]
    Empty,
    #[error(
        "event {index} ({name}) belongs to the {event_context} context, not to {stream_context}"
    )]
    WrongContext {
        index: usize,
        name: &'static str,
        event_context: Context,
        stream_context: Context,
    },
}

impl Commit {
    /// Version of the last event (`first_version + len − 1`).
    pub fn last_version(&self) -> u64 {
        self.first_version + self.events.len() as u64 - 1
    }

    /// Checks the rules every commit obeys: not empty, every event of the stream's context.
    pub fn validate(&self) -> Result<(), CommitError> {
        if self.events.is_empty() {
            return Err(CommitError::Empty);
        }
        for (index, e) in self.events.iter().enumerate() {
            if e.event.context() != self.stream.context {
                return Err(CommitError::WrongContext {
                    index,
                    name: e.event.name(),
                    event_context: e.event.context(),
                    stream_context: self.stream.context,
                });
            }
        }
        Ok(())
    }

    /// The per-event envelopes, each with every envelope field (event id, aggregate and version, times, actor, correlation and causation ids, schema version).
    pub fn envelopes(&self) -> impl ExactSizeIterator<Item = Envelope<'_>> {
        self.events.iter().enumerate().map(move |(i, e)| Envelope {
            event_id: e.event_id,
            context: self.stream.context,
            partnership: &self.stream.partnership,
            aggregate: &self.stream.aggregate,
            version: self.first_version + i as u64,
            occurred_at: e.occurred_at,
            recorded_at: self.recorded_at,
            actor: &self.actor,
            correlation_id: self.correlation_id,
            causation_id: self.causation_id,
            commit_id: self.commit_id,
            schema_version: crate::codec::SCHEMA_VERSION,
            event: &e.event,
        })
    }
}

/// A borrowed view of one event with its full envelope.
#[derive(Debug, Clone, Copy)]
pub struct Envelope<'a> {
    pub event_id: Uuid,
    pub context: Context,
    pub partnership: &'a PartnershipId,
    pub aggregate: &'a AggregateId,
    pub version: u64,
    pub occurred_at: Timestamp,
    pub recorded_at: Timestamp,
    pub actor: &'a Actor,
    pub correlation_id: Uuid,
    pub causation_id: Option<Uuid>,
    pub commit_id: Uuid,
    /// The schema the event is presented in (older encodings are upcast on read).
    pub schema_version: u16,
    pub event: &'a Event,
}
