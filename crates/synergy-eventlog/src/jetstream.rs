//! The NATS JetStream backend: one stream (default `SYNERGY`) binding every commit subject,
//! one message per commit on `syn.evt.<context>.<partnership>.<aggregate>`.
//!
//! - Position = stream sequence.
//! - Optimistic concurrency is the server's: each publish carries
//!   `Nats-Expected-Last-Subject-Sequence`, the stream sequence of the aggregate's last
//!   commit as this writer believes it. The version the commit is stamped with comes from a
//!   per-aggregate cache of (last subject sequence, last version) learned from our own
//!   appends and reads, or from a last-by-subject lookup when not cached.
//! - Idempotency: `Nats-Msg-Id` = commit id, so the server de-duplicates a retry whose
//!   expectation still holds (within the stream's duplicate window). The server checks the
//!   expected sequence *before* the message id, so a retry after the aggregate moved on is
//!   refused as "wrong last sequence"; before reporting a conflict the backend looks for the
//!   commit id in the aggregate (headers only) and answers with the original if found.
//!   Residual gap: an `Any` retry arriving after the duplicate window, when nobody else
//!   appended in between, is stored again — keep retries within the window.
//! - Every request is bounded by `request_timeout`; while the server is gone appends and
//!   reads fail with `Unavailable`, and subscriptions wait and resume where they were. A
//!   publish answered "no stream found" (no responders: nothing stored it, as a node of a
//!   cluster answers for a moment before it knows a new stream) is sent again, with short
//!   pauses, within the same bound.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use async_nats::HeaderMap;
use async_nats::jetstream::consumer::DeliverPolicy;
use async_nats::jetstream::consumer::pull::{Ordered, OrderedConfig};
use async_nats::jetstream::context::PublishErrorKind;
use async_nats::jetstream::stream::{self, LastRawMessageErrorKind, StorageType};
use async_nats::jetstream::{self, Message};
use async_trait::async_trait;
use futures::StreamExt;
use synergy_proto::codec::{decode_commit, decode_commit_on, encode_commit};
use synergy_proto::{Commit, StreamId, Timestamp, Uuid, subject};

use crate::{
    Aggregate, AppendError, Appended, EventLog, ExpectedVersion, Filter, Position, ReadError,
    StoredCommit, Subscription,
};

const MSG_ID: &str = "Nats-Msg-Id";
const EXPECTED_LAST_SUBJECT_SEQ: &str = "Nats-Expected-Last-Subject-Sequence";
/// How often an `Any` append retries after losing a race before it gives up.
const ANY_RETRIES: usize = 16;
/// First pause before publishing again after "no stream found"; it doubles up to
/// [`STREAM_NOT_FOUND_MAX_PAUSE`].
const STREAM_NOT_FOUND_PAUSE: Duration = Duration::from_millis(20);
const STREAM_NOT_FOUND_MAX_PAUSE: Duration = Duration::from_millis(250);
/// The head cache is a hint; dropping it only costs lookups. Capping it bounds memory
/// for a writer that touches unboundedly many aggregates.
const HEAD_CACHE_LIMIT: usize = 100_000;
/// How often a waiting subscription checks whether the client reconnected.
const RECONNECT_CHECK: Duration = Duration::from_millis(250);

/// How the JetStream backend provisions its stream and bounds its requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JetStreamConfig {
    /// Name of the JetStream stream that holds every commit.
    pub stream: String,
    /// Stream replicas (1 on a single server, 3 on a cluster).
    pub replicas: usize,
    /// How long commits are kept; `Duration::ZERO` keeps them forever (the event log is
    /// the source of truth, so anything else is for throwaway deployments).
    pub max_age: Duration,
    /// How long a commit id is remembered for idempotent retries.
    pub duplicate_window: Duration,
    /// Upper bound of every request to the server (publish ack, lookups, consumer
    /// creation). Past it the operation fails with `Unavailable`.
    pub request_timeout: Duration,
}

impl Default for JetStreamConfig {
    fn default() -> Self {
        JetStreamConfig {
            stream: "SYNERGY".to_owned(),
            replicas: 1,
            max_age: Duration::ZERO,
            duplicate_window: Duration::from_secs(120),
            request_timeout: Duration::from_secs(5),
        }
    }
}

/// Why the JetStream log could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum JetStreamOpenError {
    #[error("{0} (the event log also needs JetStream: nats-server -js)")]
    Connect(#[from] crate::nats::ConnectError),
    #[error("cannot provision JetStream stream {stream:?}: {reason}")]
    Provision { stream: String, reason: String },
}

/// The last commit of an aggregate: its stream sequence and its last event's version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Head {
    seq: u64,
    version: u64,
}

impl Head {
    const EMPTY: Head = Head { seq: 0, version: 0 };
}

/// The event log on NATS JetStream. Cheap to clone: clones share the connection and the
/// head cache.
#[derive(Clone)]
pub struct JetStreamLog {
    inner: Arc<Inner>,
}

struct Inner {
    client: async_nats::Client,
    js: jetstream::Context,
    stream: stream::Stream,
    config: JetStreamConfig,
    heads: Mutex<HashMap<StreamId, Head>>,
}

impl fmt::Debug for JetStreamLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JetStreamLog")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl JetStreamLog {
    /// Connects to `address` (see [`crate::nats::connect`]) and opens (provisioning if
    /// needed) the stream.
    pub async fn connect(
        address: &crate::nats::NatsAddress,
        config: JetStreamConfig,
    ) -> Result<JetStreamLog, JetStreamOpenError> {
        let client = crate::nats::connect(address, "synergy-eventlog").await?;
        JetStreamLog::open(client, config).await
    }

    /// Opens the log on an existing client, creating the stream if it does not exist.
    /// An existing stream is used as it is.
    pub async fn open(
        client: async_nats::Client,
        config: JetStreamConfig,
    ) -> Result<JetStreamLog, JetStreamOpenError> {
        let js = jetstream::ContextBuilder::new()
            .timeout(config.request_timeout)
            .build(client.clone());
        let provision = |reason: String| JetStreamOpenError::Provision {
            stream: config.stream.clone(),
            reason,
        };
        let stream = tokio::time::timeout(
            config.request_timeout,
            js.get_or_create_stream(stream::Config {
                name: config.stream.clone(),
                subjects: vec![subject::ALL_COMMITS.to_owned()],
                storage: StorageType::File,
                num_replicas: config.replicas,
                max_age: config.max_age,
                duplicate_window: config.duplicate_window,
                ..Default::default()
            }),
        )
        .await
        .map_err(|_| provision(format!("no answer within {:?}", config.request_timeout)))?
        .map_err(|e| provision(e.to_string()))?;
        Ok(JetStreamLog {
            inner: Arc::new(Inner {
                client,
                js,
                stream,
                config,
                heads: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The stream's name, e.g. for a raw consumer in a benchmark.
    pub fn stream_name(&self) -> &str {
        &self.inner.config.stream
    }

    /// The JetStream context this log publishes through.
    pub fn context(&self) -> &jetstream::Context {
        &self.inner.js
    }

    fn timeout(&self) -> Duration {
        self.inner.config.request_timeout
    }

    fn cached_head(&self, stream: &StreamId) -> Option<Head> {
        self.heads().get(stream).copied()
    }

    /// Records a fact about an aggregate's head; a newer sequence always wins, so racing
    /// tasks cannot move the cache backwards.
    fn learn(&self, stream: &StreamId, head: Head) {
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
    async fn server_head(&self, stream: &StreamId) -> Result<Head, HeadError> {
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

    /// The commit stored at `seq`, for answering a duplicate with the original versions.
    async fn commit_at(&self, seq: u64) -> Result<Commit, AppendError> {
        let msg = tokio::time::timeout(self.timeout(), self.inner.stream.get_raw_message(seq))
            .await
            .map_err(|_| AppendError::Unavailable {
                reason: self.timed_out("reading the original of a duplicate commit"),
            })?
            .map_err(|e| AppendError::Unavailable {
                reason: format!("reading the original commit at @{seq}: {e}"),
            })?;
        decode_commit(&msg.payload)
            .map(|d| d.commit)
            .map_err(|e| AppendError::Unavailable {
                reason: format!("the original commit at @{seq} cannot be decoded: {e}"),
            })
    }

    fn timed_out(&self, what: &str) -> String {
        format!(
            "{what}: no answer from NATS within {:?}",
            self.inner.config.request_timeout
        )
    }

    /// The answer to an append whose expectation the aggregate (at `head`) does not meet:
    /// the original result if this commit was stored before, else a conflict.
    async fn duplicate_or_conflict(
        &self,
        commit: &Commit,
        subject: &str,
        expected: ExpectedVersion,
        head: Head,
    ) -> Result<Appended, AppendError> {
        match self.stored_before(commit, subject, head.seq).await? {
            Some(original) => Ok(original),
            None => Err(AppendError::Conflict {
                stream: commit.stream.clone(),
                expected,
                actual: head.version,
            }),
        }
    }

    /// The original result of `commit` if its id is stored in the aggregate at or before
    /// `last_seq`.
    async fn stored_before(
        &self,
        commit: &Commit,
        subject: &str,
        last_seq: u64,
    ) -> Result<Option<Appended>, AppendError> {
        let Some(seq) = self
            .find_commit(&commit.stream, subject, commit.commit_id, last_seq)
            .await?
        else {
            return Ok(None);
        };
        let original = self.commit_at(seq).await?;
        Ok(Some(Appended {
            position: Position(seq),
            first_version: original.first_version,
            last_version: original.last_version(),
            duplicate: true,
        }))
    }

    /// The stream sequence of the commit `commit_id` of `stream`, if it is stored at or
    /// before `last_seq` (the aggregate's head). Reads only headers.
    async fn find_commit(
        &self,
        stream: &StreamId,
        subject: &str,
        commit_id: Uuid,
        last_seq: u64,
    ) -> Result<Option<u64>, AppendError> {
        let mut attempt = 0;
        loop {
            match self
                .find_commit_once(stream, subject, commit_id, last_seq)
                .await
            {
                Err(AppendError::Unavailable { .. }) if attempt < TRANSIENT_RETRIES => {
                    attempt += 1;
                    tokio::time::sleep(TRANSIENT_PAUSE * attempt).await;
                }
                other => return other,
            }
        }
    }

    /// One attempt of [`find_commit`](Self::find_commit).
    async fn find_commit_once(
        &self,
        stream: &StreamId,
        subject: &str,
        commit_id: Uuid,
        last_seq: u64,
    ) -> Result<Option<u64>, AppendError> {
        if last_seq == 0 {
            return Ok(None);
        }
        let unavailable = |reason: String| AppendError::Unavailable { reason };
        let wanted = commit_id.to_string();
        let mut read = self
            .bounded_from(1, subject, true)
            .await
            .map_err(unavailable)?;
        let messages = &mut read.messages;
        loop {
            let next = tokio::time::timeout(self.timeout(), messages.next())
                .await
                .map_err(|_| {
                    unavailable(self.timed_out(&format!("looking for a commit id in {stream}")))
                })?;
            let msg = match next {
                Some(Ok(msg)) => msg,
                Some(Err(e)) => {
                    return Err(unavailable(format!(
                        "looking for a commit id in {stream}: {e}"
                    )));
                }
                None => return Ok(None),
            };
            let seq = msg
                .info()
                .map(|i| i.stream_sequence)
                .map_err(|e| unavailable(format!("a delivered message has no sequence: {e}")))?;
            let id = msg
                .headers
                .as_ref()
                .and_then(|h| h.get(MSG_ID))
                .map(|v| v.as_str());
            if id == Some(wanted.as_str()) {
                return Ok(Some(seq));
            }
            if seq >= last_seq {
                return Ok(None);
            }
        }
    }

    /// One attempt of `load_aggregate`.
    async fn load_aggregate_once(
        &self,
        stream: &StreamId,
        from_version: u64,
    ) -> Result<Aggregate, ReadError> {
        // The head bounds the read: the consumer delivers up to it and no further, so a
        // read never waits for appends that happen while it runs.
        let last_seq = self.server_head(stream).await?.seq;
        self.read_through(stream, last_seq, from_version).await
    }

    /// The aggregate's messages up to stream sequence `last_seq`: the readable commits
    /// holding `from_version` or later, the version of the last readable one, and the
    /// quarantined records among them.
    async fn read_through(
        &self,
        stream: &StreamId,
        last_seq: u64,
        from_version: u64,
    ) -> Result<Aggregate, ReadError> {
        let mut out = Aggregate::default();
        if last_seq == 0 {
            return Ok(out);
        }
        let subject = subject::commit(stream);
        let mut read = self
            .bounded_from(1, &subject, false)
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

    async fn read_matching_once(&self, filter: &Filter) -> Result<Vec<StoredCommit>, ReadError> {
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
    async fn bounded_from(
        &self,
        start: u64,
        filter_subject: &str,
        headers_only: bool,
    ) -> Result<BoundedRead, String> {
        let create = async {
            let consumer = self
                .inner
                .stream
                .create_consumer(jetstream::consumer::pull::Config {
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
                })
                .await
                .map_err(|e| format!("creating a consumer on {filter_subject}: {e}"))?;
            let name = consumer.cached_info().name.clone();
            let pending = consumer.cached_info().num_pending;
            let messages = consumer
                .messages()
                .await
                .map_err(|e| format!("pulling from {filter_subject}: {e}"))?;
            Ok::<_, String>(BoundedRead {
                messages,
                pending,
                name,
                stream: self.inner.stream.clone(),
            })
        };
        tokio::time::timeout(self.timeout(), create)
            .await
            .map_err(|_| self.timed_out("creating a consumer"))?
    }

    /// Creates an ordered consumer delivering the stream from `start` (a stream sequence,
    /// ≥ 1) on `filter_subject`, with or without payloads.
    async fn ordered_from(
        &self,
        start: u64,
        filter_subject: &str,
        headers_only: bool,
    ) -> Result<Ordered, String> {
        let create = async {
            let consumer = self
                .inner
                .stream
                .create_consumer(OrderedConfig {
                    filter_subject: filter_subject.to_owned(),
                    headers_only,
                    deliver_policy: DeliverPolicy::ByStartSequence {
                        start_sequence: start,
                    },
                    // Bounds how long a pull waits, so a consumer lost with a server
                    // restart is noticed by missed heartbeats within seconds.
                    max_expires: self.timeout(),
                    ..Default::default()
                })
                .await
                .map_err(|e| format!("creating a consumer on {filter_subject}: {e}"))?;
            consumer
                .messages()
                .await
                .map_err(|e| format!("pulling from {filter_subject}: {e}"))
        };
        tokio::time::timeout(self.timeout(), create)
            .await
            .map_err(|_| self.timed_out("creating a consumer"))?
    }
}

/// A bounded read's consumer; deleted on drop.
struct BoundedRead {
    messages: jetstream::consumer::pull::Stream,
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

async fn retry_transient<T, F, Fut>(mut read: F) -> Result<T, ReadError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, ReadError>>,
{
    let mut attempt = 0;
    loop {
        match read().await {
            Err(ReadError::Unavailable { .. }) if attempt < TRANSIENT_RETRIES => {
                attempt += 1;
                tokio::time::sleep(TRANSIENT_PAUSE * attempt).await;
            }
            other => return other,
        }
    }
}

enum HeadError {
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

fn now() -> Timestamp {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    Timestamp::from_millis(millis)
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
fn decode_message(msg: &Message) -> Result<StoredCommit, ReadError> {
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

#[async_trait]
impl EventLog for JetStreamLog {
    async fn append(
        &self,
        expected: ExpectedVersion,
        mut commit: Commit,
    ) -> Result<Appended, AppendError> {
        commit.validate()?;
        let subject = subject::commit(&commit.stream);
        let mut attempts = 0;
        let started = Instant::now();
        let mut pause = STREAM_NOT_FOUND_PAUSE;
        loop {
            attempts += 1;
            // (expected last subject sequence, version the commit follows)
            let (expected_seq, version) = match expected {
                // An aggregate of quarantined records alone is at version 0, but the
                // server checks against their sequence (learnt from the first refusal).
                ExpectedVersion::NoStream | ExpectedVersion::Exact(0) => {
                    match self.cached_head(&commit.stream) {
                        Some(h) if h.version == 0 => (h.seq, 0),
                        _ => (0, 0),
                    }
                }
                ExpectedVersion::Exact(v) => match self.cached_head(&commit.stream) {
                    Some(h) if h.version == v => (h.seq, v),
                    _ => {
                        let h = self.server_head(&commit.stream).await?;
                        if h.version != v {
                            return self
                                .duplicate_or_conflict(&commit, &subject, expected, h)
                                .await;
                        }
                        (h.seq, v)
                    }
                },
                ExpectedVersion::Any => match self.cached_head(&commit.stream) {
                    Some(h) => (h.seq, h.version),
                    None => {
                        let h = self.server_head(&commit.stream).await?;
                        (h.seq, h.version)
                    }
                },
            };
            commit.first_version = version + 1;
            commit.recorded_at = now();
            let mut headers = HeaderMap::new();
            headers.insert(MSG_ID, commit.commit_id.to_string().as_str());
            headers.insert(EXPECTED_LAST_SUBJECT_SEQ, expected_seq.to_string().as_str());
            let payload = encode_commit(&commit);

            let publish = async {
                self.inner
                    .js
                    .publish_with_headers(subject.clone(), headers, payload.into())
                    .await?
                    .await
            };
            let acked = tokio::time::timeout(self.timeout(), publish)
                .await
                .map_err(|_| AppendError::Unavailable {
                    reason: self.timed_out(&format!("appending to {}", commit.stream)),
                })?;
            match acked {
                Ok(ack) if ack.duplicate => {
                    let original = self.commit_at(ack.sequence).await?;
                    return Ok(Appended {
                        position: Position(ack.sequence),
                        first_version: original.first_version,
                        last_version: original.last_version(),
                        duplicate: true,
                    });
                }
                Ok(ack) => {
                    let last_version = commit.last_version();
                    self.learn(
                        &commit.stream,
                        Head {
                            seq: ack.sequence,
                            version: last_version,
                        },
                    );
                    return Ok(Appended {
                        position: Position(ack.sequence),
                        first_version: commit.first_version,
                        last_version,
                        duplicate: false,
                    });
                }
                Err(e) if e.kind() == PublishErrorKind::WrongLastSequence => {
                    let head = self.server_head(&commit.stream).await?;
                    // The server checks the expected sequence before the message id, so
                    // a retry of a stored commit lands here: look for it before calling
                    // this a conflict.
                    // `Any` lost a race with another writer; an `Exact` whose version does
                    // match now only saw a stale cache. Both are worth another try.
                    if expected.admits(head.version) && attempts < ANY_RETRIES {
                        if let Some(original) =
                            self.stored_before(&commit, &subject, head.seq).await?
                        {
                            return Ok(original);
                        }
                        continue;
                    }
                    return self
                        .duplicate_or_conflict(&commit, &subject, expected, head)
                        .await;
                }
                // Nothing stored the message ("no responders"): a node of a cluster can
                // answer so for a moment after the stream was created or moved, before it
                // knows the stream. Publishing again is safe; past the request timeout
                // the log is unavailable.
                Err(e)
                    if e.kind() == PublishErrorKind::StreamNotFound
                        && started.elapsed() + pause < self.timeout() =>
                {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(STREAM_NOT_FOUND_MAX_PAUSE);
                }
                Err(e) => {
                    return Err(AppendError::Unavailable {
                        reason: format!("appending to {}: {e}", commit.stream),
                    });
                }
            }
        }
    }

    async fn load_aggregate(
        &self,
        stream: &StreamId,
        from_version: u64,
    ) -> Result<Aggregate, ReadError> {
        let loaded = retry_transient(|| self.load_aggregate_once(stream, from_version)).await?;
        loaded.warn_quarantined();
        Ok(loaded)
    }

    async fn read_matching(&self, filter: Filter) -> Result<Vec<StoredCommit>, ReadError> {
        retry_transient(|| self.read_matching_once(&filter)).await
    }

    fn subscribe(&self, after: Position, filter: Filter) -> Subscription {
        let state = SubscriptionState {
            log: self.clone(),
            filter_subject: subject::commit_filter(filter.context, filter.partnership.as_ref()),
            last: after.get(),
            messages: None,
            connects: 0,
            backoff: Duration::from_millis(50),
        };
        futures::stream::unfold(state, |mut state| async move {
            let item = state.next().await;
            Some((item, state))
        })
        .boxed()
    }

    async fn head(&self) -> Result<Position, ReadError> {
        let info = tokio::time::timeout(self.timeout(), self.inner.stream.get_info())
            .await
            .map_err(|_| ReadError::Unavailable {
                reason: self.timed_out("reading the stream's head"),
            })?
            .map_err(|e| ReadError::Unavailable {
                reason: format!("reading the stream's head: {e}"),
            })?;
        Ok(Position(info.state.last_sequence))
    }
}

/// A live subscription: an ordered consumer from the position after the last delivered
/// commit, recreated from there whenever it breaks or the client reconnects, so a server
/// restart causes neither a gap nor a duplicate.
struct SubscriptionState {
    log: JetStreamLog,
    filter_subject: String,
    /// Stream sequence of the last item yielded.
    last: u64,
    messages: Option<Ordered>,
    /// The client's connect count when `messages` was created.
    connects: u64,
    backoff: Duration,
}

impl SubscriptionState {
    fn client_connects(&self) -> u64 {
        self.log
            .inner
            .client
            .statistics()
            .connects
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    async fn next(&mut self) -> Result<StoredCommit, ReadError> {
        loop {
            let Some(messages) = self.messages.as_mut() else {
                let connects = self.client_connects();
                match self
                    .log
                    .ordered_from(self.last + 1, &self.filter_subject, false)
                    .await
                {
                    Ok(messages) => {
                        self.messages = Some(messages);
                        self.connects = connects;
                        self.backoff = Duration::from_millis(50);
                    }
                    Err(reason) => {
                        tracing::warn!(%reason, after = self.last, "subscription waits for NATS");
                        tokio::time::sleep(self.backoff).await;
                        self.backoff = (self.backoff * 2).min(Duration::from_secs(2));
                    }
                }
                continue;
            };
            match tokio::time::timeout(RECONNECT_CHECK, messages.next()).await {
                Ok(Some(Ok(msg))) => {
                    let Ok(info) = msg.info() else {
                        tracing::warn!("a delivered message has no stream sequence; skipped");
                        continue;
                    };
                    let seq = info.stream_sequence;
                    // A recreated consumer can redeliver what was already yielded.
                    if seq <= self.last {
                        continue;
                    }
                    self.last = seq;
                    return decode_message(&msg);
                }
                Ok(Some(Err(e))) => {
                    tracing::warn!(error = %e, after = self.last, "subscription consumer failed; recreating");
                    self.messages = None;
                }
                Ok(None) => self.messages = None,
                Err(_elapsed) => {
                    // A server restart loses the (in-memory) consumer without telling the
                    // client; a reconnect means it must be recreated from where we are.
                    if self.client_connects() != self.connects {
                        self.messages = None;
                    }
                }
            }
        }
    }
}
