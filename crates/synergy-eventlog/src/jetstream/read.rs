//! Bounded reads: an aggregate up to its head, the commits matching a filter, a commit-id
//! scan — each through a short-lived consumer that ends where the stream ended when it
//! was made.

use std::time::Duration;

use async_nats::jetstream::consumer::DeliverPolicy;
use async_nats::jetstream::{self, Message, stream};
use futures::StreamExt;
use synergy_proto::codec::decode_commit_on;
use synergy_proto::{StreamId, subject};

use super::JetStreamLog;
use crate::{Aggregate, AppendError, Filter, Position, ReadError, StoredCommit};

impl JetStreamLog {
    /// One attempt of `load_aggregate`.
    pub(super) async fn load_aggregate_once(
        &self,
        stream: &StreamId,
        from_version: u64,
    ) -> Result<Aggregate, ReadError> {
        // The head bounds the read: the consumer delivers up to it and no further, so a
        // read never waits for appends that happen while it runs.
        let last_seq = self.server_head(stream).await?.seq;
        self.read_through(stream, last_seq, from_version).await
    }

    /// One attempt of `load_aggregate_after`: the aggregate's head first, and a consumer
    /// from `after` only when something follows it.
    pub(super) async fn load_aggregate_after_once(
        &self,
        stream: &StreamId,
        version: u64,
        after: Position,
    ) -> Result<Aggregate, ReadError> {
        let head = self.server_head(stream).await?;
        if head.seq <= after.get() {
            return Ok(Aggregate {
                version,
                ..Aggregate::default()
            });
        }
        let mut tail = self
            .read_range(stream, after.get() + 1, head.seq, version + 1)
            .await?;
        tail.version = tail.version.max(version);
        Ok(tail)
    }

    /// The aggregate's messages up to stream sequence `last_seq`: the readable commits
    /// holding `from_version` or later, the version of the last readable one, and the
    /// quarantined records among them.
    pub(super) async fn read_through(
        &self,
        stream: &StreamId,
        last_seq: u64,
        from_version: u64,
    ) -> Result<Aggregate, ReadError> {
        self.read_range(stream, 1, last_seq, from_version).await
    }

    /// [`Self::read_through`] from stream sequence `first_seq` on.
    async fn read_range(
        &self,
        stream: &StreamId,
        first_seq: u64,
        last_seq: u64,
        from_version: u64,
    ) -> Result<Aggregate, ReadError> {
        let mut out = Aggregate::default();
        if last_seq == 0 || first_seq > last_seq {
            return Ok(out);
        }
        let subject = subject::commit(stream);
        let mut read = self
            .bounded_from(first_seq, &subject, false)
            .await
            .map_err(|reason| ReadError::Unavailable { reason })?;
        loop {
            let msg = self.next_of(&mut read, &subject).await?;
            let seq = message_sequence(&msg)?;
            match decode_message(&msg) {
                Ok(stored) => {
                    out.version = stored.commit.last_version();
                    if stored.commit.last_version() >= from_version {
                        out.commits.push(stored);
                    }
                }
                Err(e) => match e.quarantined() {
                    Some(q) => out.quarantined.push(q),
                    None => return Err(e),
                },
            }
            if seq >= last_seq {
                return Ok(out);
            }
        }
    }

    pub(super) async fn read_matching_once(
        &self,
        filter: &Filter,
    ) -> Result<Vec<StoredCommit>, ReadError> {
        let subject = subject::commit_filter(filter.context, filter.partnership.as_ref());
        // The server filters by subject, and counts what matched when the consumer was
        // made: the read ends there, whatever is appended meanwhile.
        let mut read = self
            .bounded_from(1, &subject, false)
            .await
            .map_err(|reason| ReadError::Unavailable { reason })?;
        let mut out = Vec::new();
        for _ in 0..read.pending {
            let msg = self.next_of(&mut read, &subject).await?;
            match decode_message(&msg) {
                Ok(stored) => out.push(stored),
                Err(e) => match e.quarantined() {
                    Some(q) => {
                        q.warn_passed_over();
                    }
                    None => return Err(e),
                },
            }
        }
        Ok(out)
    }

    /// The next message of a bounded read of `what`; a read that stalls or ends early is
    /// `Unavailable` (the caller retries the whole read).
    async fn next_of(&self, read: &mut BoundedRead, what: &str) -> Result<Message, ReadError> {
        let next = tokio::time::timeout(self.timeout(), read.messages.next())
            .await
            .map_err(|_| ReadError::Unavailable {
                reason: self.timed_out(&format!("reading {what}")),
            })?;
        match next {
            Some(Ok(msg)) => Ok(msg),
            Some(Err(e)) => Err(ReadError::Unavailable {
                reason: format!("reading {what}: {e}"),
            }),
            None => Err(ReadError::Unavailable {
                reason: format!("reading {what}: the consumer ended early"),
            }),
        }
    }

    /// A consumer for a read that ends (an aggregate, a commit-id scan): delivers the
    /// stream from `start` on `filter_subject` without acks, lives in memory, and is
    /// deleted when the read is dropped. Ordered consumers linger 30 s after use, and the
    /// server allows 1,000 consumers per stream by default: one per read would refuse
    /// reads after a few hundred commands in a burst.
    pub(super) async fn bounded_from(
        &self,
        start: u64,
        filter_subject: &str,
        headers_only: bool,
    ) -> Result<BoundedRead, String> {
        let config = jetstream::consumer::pull::Config {
            filter_subject: filter_subject.to_owned(),
            headers_only,
            deliver_policy: DeliverPolicy::ByStartSequence {
                start_sequence: start,
            },
            ack_policy: jetstream::consumer::AckPolicy::None,
            // A reader that died without deleting it is cleaned up by the server.
            inactive_threshold: Duration::from_secs(5),
            memory_storage: true,
            num_replicas: 1,
            max_expires: self.timeout(),
            ..Default::default()
        };
        self.create_consumer(filter_subject, config, |consumer| async move {
            let name = consumer.cached_info().name.clone();
            let pending = consumer.cached_info().num_pending;
            let messages = consumer
                .messages()
                .await
                .map_err(|e| format!("pulling from {filter_subject}: {e}"))?;
            Ok(BoundedRead {
                messages,
                pending,
                name,
                stream: self.inner.stream.clone(),
            })
        })
        .await
    }
}

/// A bounded read's consumer; deleted on drop.
pub(super) struct BoundedRead {
    pub(super) messages: jetstream::consumer::pull::Stream,
    /// How many messages matched when the consumer was created: the read ends there.
    pending: u64,
    name: String,
    stream: stream::Stream,
}

impl Drop for BoundedRead {
    fn drop(&mut self) {
        let (stream, name) = (self.stream.clone(), std::mem::take(&mut self.name));
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                // If this fails, the inactivity threshold removes it within seconds.
                let _ = stream.delete_consumer(&name).await;
            });
        }
    }
}

/// Retries of a bounded read that failed on the way (a consumer of a clustered stream can
/// answer "no responders" right after it was created, before its leader is elected).
const TRANSIENT_RETRIES: u32 = 3;
const TRANSIENT_PAUSE: Duration = Duration::from_millis(100);

/// An error a bounded read may clear by being tried again.
pub(super) trait Transient {
    fn is_transient(&self) -> bool;
}

impl Transient for ReadError {
    fn is_transient(&self) -> bool {
        matches!(self, ReadError::Unavailable { .. })
    }
}

impl Transient for AppendError {
    fn is_transient(&self) -> bool {
        matches!(self, AppendError::Unavailable { .. })
    }
}

/// Runs the bounded read `read`, again after a growing pause while it fails transiently,
/// up to [`TRANSIENT_RETRIES`] times.
pub(super) async fn retry_transient<T, E, F, Fut>(mut read: F) -> Result<T, E>
where
    E: Transient,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let mut attempt = 0;
    loop {
        match read().await {
            Err(e) if e.is_transient() && attempt < TRANSIENT_RETRIES => {
                attempt += 1;
                tokio::time::sleep(TRANSIENT_PAUSE * attempt).await;
            }
            other => return other,
        }
    }
}

fn message_sequence(msg: &Message) -> Result<u64, ReadError> {
    msg.info()
        .map(|i| i.stream_sequence)
        .map_err(|e| ReadError::Unavailable {
            reason: format!("a delivered message has no stream sequence: {e}"),
        })
}

/// The commit a delivered message holds; `Corrupt` (quarantined) when it does not decode
/// or names another stream than its subject's.
pub(super) fn decode_message(msg: &Message) -> Result<StoredCommit, ReadError> {
    let position = Position(message_sequence(msg)?);
    decode_commit_on(&msg.subject, &msg.payload)
        .map(|d| StoredCommit {
            position,
            commit: d.commit,
        })
        .map_err(|source| ReadError::Corrupt {
            position,
            subject: Some(msg.subject.to_string()),
            source,
        })
}
