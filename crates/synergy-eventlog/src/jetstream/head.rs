//! The head cache: per aggregate, the stream sequence and version of its last commit, as
//! learnt from our own appends and reads or asked of the server.

use std::collections::HashMap;

use async_nats::jetstream::stream::LastRawMessageErrorKind;
use synergy_proto::codec::decode_commit_on;
use synergy_proto::{StreamId, subject};

use super::JetStreamLog;
use crate::{AppendError, ReadError};

/// The head cache is a hint; dropping it only costs lookups. Capping it bounds memory
/// for a writer that touches unboundedly many aggregates.
const HEAD_CACHE_LIMIT: usize = 100_000;

/// The last commit of an aggregate: its stream sequence and its last event's version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Head {
    pub(super) seq: u64,
    pub(super) version: u64,
}

impl Head {
    pub(super) const EMPTY: Head = Head { seq: 0, version: 0 };
}

pub(super) enum HeadError {
    Unavailable(String),
}

impl From<HeadError> for AppendError {
    fn from(e: HeadError) -> AppendError {
        match e {
            HeadError::Unavailable(reason) => AppendError::Unavailable { reason },
        }
    }
}

impl From<HeadError> for ReadError {
    fn from(e: HeadError) -> ReadError {
        match e {
            HeadError::Unavailable(reason) => ReadError::Unavailable { reason },
        }
    }
}

impl JetStreamLog {
    pub(super) fn cached_head(&self, stream: &StreamId) -> Option<Head> {
        self.heads().get(stream).copied()
    }

    /// Records a fact about an aggregate's head; a newer sequence always wins, so racing
    /// tasks cannot move the cache backwards.
    pub(super) fn learn(&self, stream: &StreamId, head: Head) {
        let mut heads = self.heads();
        if let Some(known) = heads.get_mut(stream) {
            if head.seq > known.seq {
                *known = head;
            }
            return;
        }
        if heads.len() >= HEAD_CACHE_LIMIT {
            heads.clear();
        }
        heads.insert(stream.clone(), head);
    }

    fn heads(&self) -> std::sync::MutexGuard<'_, HashMap<StreamId, Head>> {
        // The map holds plain hints; a panic elsewhere cannot leave it inconsistent.
        self.inner
            .heads
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Asks the server for the aggregate's last commit and caches the answer.
    pub(super) async fn server_head(&self, stream: &StreamId) -> Result<Head, HeadError> {
        let subject = subject::commit(stream);
        let last = tokio::time::timeout(
            self.timeout(),
            self.inner.stream.get_last_raw_message_by_subject(&subject),
        )
        .await
        .map_err(|_| HeadError::Unavailable(self.timed_out("looking up the aggregate's head")))?;
        let head = match last {
            Ok(msg) => match decode_commit_on(&msg.subject, &msg.payload) {
                Ok(decoded) => Head {
                    seq: msg.sequence,
                    version: decoded.commit.last_version(),
                },
                // The aggregate ends with a quarantined record: the server checks appends
                // against its sequence, and versions follow the last readable commit.
                Err(_) => {
                    let read = self
                        .read_through(stream, msg.sequence, u64::MAX)
                        .await
                        .map_err(|e| HeadError::Unavailable(e.to_string()))?;
                    Head {
                        seq: msg.sequence,
                        version: read.version,
                    }
                }
            },
            Err(e) if e.kind() == LastRawMessageErrorKind::NoMessageFound => Head::EMPTY,
            Err(e) => {
                return Err(HeadError::Unavailable(format!(
                    "looking up the head of {stream}: {e}"
                )));
            }
        };
        if head != Head::EMPTY {
            self.learn(stream, head);
        }
        Ok(head)
    }
}
