//! The NATS JetStream backend: one stream (default `SYNERGY`) binding every commit subject,
//! one message per commit on `syn.evt.<context>.<partnership>.<aggregate>`.
//!
//! - Position = stream sequence.
//! - Optimistic concurrency is the server's: each publish carries
//!   `Nats-Expected-Last-Subject-Sequence`, the stream sequence of the aggregate's last
//!   commit as this writer believes it. The version the commit is stamped with comes from a
//!   per-aggregate cache of (last subject sequence, last version) learned from our own
//!   appends and reads, or from a last-by-subject lookup when not cached. Lookups are
//!   leader-answered gets (`$JS.API.STREAM.MSG.GET`); concurrent lookups of one aggregate
//!   share a get sent after they began (`head`).
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
//! - Snapshots of folded states live in a key-value bucket beside the stream, opened (and
//!   created if need be) with it ([`JetStreamSnapshots`]).

mod append;
mod head;
mod partition;
mod read;
mod snapshots;
mod subscribe;

pub use partition::PartitionStream;
pub use snapshots::JetStreamSnapshots;

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_nats::jetstream;
use async_nats::jetstream::consumer::{Consumer, FromConsumer, IntoConsumerConfig};
use async_nats::jetstream::stream::{self, StorageType};
use async_trait::async_trait;
use synergy_proto::{Commit, StreamId, subject};

use crate::{
    Aggregate, AppendError, Appended, EventLog, ExpectedVersion, Filter, Position, ReadError,
    StoredCommit, Subscription,
};
use head::Head;
use read::retry_transient;

const MSG_ID: &str = "Nats-Msg-Id";

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

impl JetStreamConfig {
    /// A file-backed stream of `name` over `subjects` with this configuration's replicas,
    /// age limit and duplicate window: the log's own stream, or one to compare it with.
    pub fn stream(&self, name: &str, subjects: &str) -> stream::Config {
        stream::Config {
            name: name.to_owned(),
            subjects: vec![subjects.to_owned()],
            storage: StorageType::File,
            num_replicas: self.replicas,
            max_age: self.max_age,
            duplicate_window: self.duplicate_window,
            ..Default::default()
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
    /// The gets of aggregates' heads being asked now, shared by concurrent callers.
    head_reads: Mutex<HashMap<StreamId, Arc<head::HeadReads>>>,
    /// How many head gets were sent.
    head_gets: std::sync::atomic::AtomicU64,
    snapshots: Option<JetStreamSnapshots>,
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
            js.get_or_create_stream(config.stream(&config.stream, subject::ALL_COMMITS)),
        )
        .await
        .map_err(|_| provision(format!("no answer within {:?}", config.request_timeout)))?
        .map_err(|e| provision(e.to_string()))?;
        // Snapshots only save folding: a bucket this user may not create or open leaves
        // every state to be folded from the stream, as before there were any.
        let snapshots = match JetStreamSnapshots::open(&js, config.replicas, config.request_timeout)
            .await
        {
            Ok(snapshots) => Some(snapshots),
            Err(e) => {
                tracing::warn!(error = %e, bucket = subject::SNAPSHOT_BUCKET, "no snapshot bucket; states not kept are folded from the log");
                None
            }
        };
        Ok(JetStreamLog {
            inner: Arc::new(Inner {
                client,
                js,
                stream,
                config,
                heads: Mutex::new(HashMap::new()),
                head_reads: Mutex::new(HashMap::new()),
                head_gets: Default::default(),
                snapshots,
            }),
        })
    }

    /// The snapshot bucket beside the stream, if it could be opened.
    pub fn snapshots(&self) -> Option<JetStreamSnapshots> {
        self.inner.snapshots.clone()
    }

    /// How many times this log (with its clones) asked the server for an aggregate's head:
    /// a figure for tests and benchmarks.
    pub fn head_gets(&self) -> u64 {
        self.inner
            .head_gets
            .load(std::sync::atomic::Ordering::Relaxed)
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

    /// Creates a consumer on the log's stream from `config` (which filters on
    /// `filter_subject`) and starts reading it with `start`, both within the request
    /// timeout.
    async fn create_consumer<C, T, F, Fut>(
        &self,
        filter_subject: &str,
        config: C,
        start: F,
    ) -> Result<T, String>
    where
        C: IntoConsumerConfig + FromConsumer,
        F: FnOnce(Consumer<C>) -> Fut,
        Fut: Future<Output = Result<T, String>>,
    {
        let create = async {
            let consumer = self
                .inner
                .stream
                .create_consumer(config)
                .await
                .map_err(|e| format!("creating a consumer on {filter_subject}: {e}"))?;
            start(consumer).await
        };
        tokio::time::timeout(self.timeout(), create)
            .await
            .map_err(|_| self.timed_out("creating a consumer"))?
    }

    fn timed_out(&self, what: &str) -> String {
        format!(
            "{what}: no answer from NATS within {:?}",
            self.inner.config.request_timeout
        )
    }
}

#[async_trait]
impl EventLog for JetStreamLog {
    async fn append(
        &self,
        expected: ExpectedVersion,
        commit: Commit,
    ) -> Result<Appended, AppendError> {
        self.append_commit(expected, commit).await
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

    async fn load_aggregate_after(
        &self,
        stream: &StreamId,
        version: u64,
        position: Position,
    ) -> Result<Aggregate, ReadError> {
        let loaded =
            retry_transient(|| self.load_aggregate_after_once(stream, version, position)).await?;
        loaded.warn_quarantined();
        Ok(loaded)
    }

    async fn read_matching(&self, filter: Filter) -> Result<Vec<StoredCommit>, ReadError> {
        retry_transient(|| self.read_matching_once(&filter)).await
    }

    fn subscribe(&self, after: Position, filter: Filter) -> Subscription {
        self.subscription(after, filter)
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

    async fn last_position_of(
        &self,
        partnership: &synergy_proto::PartnershipId,
    ) -> Result<Option<Position>, ReadError> {
        self.last_commit_of(partnership).await
    }
}
