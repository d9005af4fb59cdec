//! The head cache: per aggregate, the stream sequence and version of its last commit, as
//! learnt from our own appends and reads or asked of the server.
//!
//! Asking the server is a leader-answered get (`$JS.API.STREAM.MSG.GET`, never a direct get
//! a follower may answer), so what it says is at least as new as anything acknowledged
//! before the question. Concurrent questions about one aggregate share answers: a caller
//! takes the answer of a get sent after it asked, which is as new as one of its own, and
//! while one get is in flight the callers that arrive meanwhile wait for the next one, so
//! an aggregate that many commands consult (a partnership, its catalogue) costs the server
//! one get per round trip instead of one per command.

use std::collections::HashMap;
use std::sync::Arc;

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

#[derive(Debug, Clone)]
pub(super) enum HeadError {
    Unavailable(String),
}

/// The gets of one aggregate's head: one in flight at a time, numbered, with the answer
/// of the last one.
#[derive(Default)]
pub(super) struct HeadReads {
    /// Held while a get is in flight; the number and answer of the last get answered.
    turn: tokio::sync::Mutex<Option<(u64, Result<Head, HeadError>)>>,
    /// How many gets were sent; a caller that saw `n` takes the answer of get `n + 1` or
    /// later.
    sent: std::sync::atomic::AtomicU64,
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

    /// The aggregate's head as the server knows it now: the answer of a get sent after this
    /// call (its own, or one another caller sent meanwhile), cached.
    pub(super) async fn server_head(&self, stream: &StreamId) -> Result<Head, HeadError> {
        use std::sync::atomic::Ordering;
        let reads = self.head_reads(stream);
        let seen = reads.sent.load(Ordering::SeqCst);
        let mut last = reads.turn.lock().await;
        // Numbered answers, as a get whose caller gave up is counted sent but never answers.
        if let Some((number, answer)) = last.as_ref()
            && *number > seen
        {
            return answer.clone();
        }
        let number = reads.sent.fetch_add(1, Ordering::SeqCst) + 1;
        let answer = self.get_head(stream).await;
        *last = Some((number, answer.clone()));
        answer
    }

    fn head_reads(&self, stream: &StreamId) -> Arc<HeadReads> {
        let mut reads = self
            .inner
            .head_reads
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(found) = reads.get(stream) {
            return Arc::clone(found);
        }
        // Dropping entries only loses sharing: a caller holding one finishes with it.
        if reads.len() >= HEAD_CACHE_LIMIT {
            reads.clear();
        }
        Arc::clone(reads.entry(stream.clone()).or_default())
    }

    /// Asks the server for the aggregate's last commit and caches the answer.
    async fn get_head(&self, stream: &StreamId) -> Result<Head, HeadError> {
        self.inner
            .head_gets
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
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
