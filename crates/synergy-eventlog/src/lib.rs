//! The event log, Synergy's source of truth: [`EventLog`] with an embedded sled backend and
//! a NATS JetStream backend, both proven by one conformance suite.
//!
//! It owns the storage layout, global positions, optimistic concurrency and idempotency
//! of commits; it never decides business rules and never interprets events beyond their
//! envelope. An `Ok` from [`EventLog::append`] means the commit is durable.

pub mod jetstream;
pub mod nats;
pub mod sled_log;
pub mod sled_sync;
pub mod snapshots;

pub use jetstream::{
    JetStreamConfig, JetStreamLog, JetStreamOpenError, JetStreamSnapshots, PartitionStream,
};
pub use nats::NatsAddress;
pub use sled_log::SledLog;
pub use snapshots::{SledSnapshots, SnapshotError, SnapshotStore};

use std::fmt;

use async_trait::async_trait;
use futures::StreamExt;
use futures::stream::BoxStream;
use synergy_proto::{Commit, CommitError, Context, DecodeError, PartnershipId, StreamId};

/// A place in the global order of commits. `Position::START` lies before the first commit;
/// every stored commit has a position > 0, strictly increasing in append order.
/// Positions are stable: a consumer stores the last one it processed and resumes after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Position(pub u64);

impl Position {
    pub const START: Position = Position(0);

    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "@{}", self.0)
    }
}

/// What the writer believes the aggregate's version to be. Versions count events: an
/// aggregate with no events is at 0 (and does not exist).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExpectedVersion {
    /// The aggregate must not exist yet.
    NoStream,
    /// Append whatever the version is.
    Any,
    /// The aggregate's last event must have exactly this version (`Exact(0)` = `NoStream`).
    Exact(u64),
}

impl ExpectedVersion {
    /// Whether an aggregate currently at `actual` satisfies this expectation.
    pub fn admits(self, actual: u64) -> bool {
        match self {
            ExpectedVersion::NoStream => actual == 0,
            ExpectedVersion::Any => true,
            ExpectedVersion::Exact(v) => v == actual,
        }
    }
}

impl fmt::Display for ExpectedVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpectedVersion::NoStream => f.write_str("no stream"),
            ExpectedVersion::Any => f.write_str("any"),
            ExpectedVersion::Exact(v) => write!(f, "version {v}"),
        }
    }
}

/// The outcome of a successful append.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    pub position: Position,
    /// Versions the log stamped on the commit's first and last event.
    pub first_version: u64,
    pub last_version: u64,
    /// `true` when the commit id had been stored before: nothing new was stored and this
    /// is the original result.
    pub duplicate: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    /// Someone else appended first. Reload the aggregate and decide again.
    #[error(
        "version conflict on {stream}: expected {expected}, the aggregate is at version {actual}"
    )]
    Conflict {
        stream: StreamId,
        expected: ExpectedVersion,
        actual: u64,
    },
    /// The commit breaks an envelope rule; retrying will not help.
    #[error("invalid commit: {0}")]
    Invalid(#[from] CommitError),
    /// The store could not be reached or did not confirm in time; the commit may or may
    /// not be stored. Retrying with the same commit id is safe.
    #[error("event log unavailable: {reason}; retry with the same commit id")]
    Unavailable { reason: String },
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// A stored record could not be decoded, or (JetStream) it sits on another subject
    /// than the stream it names. It is quarantined: subscriptions yield this item and go
    /// on; aggregate loads and matching reads pass over it ([`Quarantined`]).
    #[error("record at {position}{} is quarantined: {source}", subject.as_deref().map(|s| format!(" on {s}")).unwrap_or_default())]
    Corrupt {
        position: Position,
        /// Where it was stored: the JetStream subject, or on sled the subject of the
        /// stream its index entry files it under (unknown for a record no entry names).
        subject: Option<String>,
        #[source]
        source: DecodeError,
    },
    #[error("event log unavailable: {reason}")]
    Unavailable { reason: String },
}

impl ReadError {
    /// The quarantined record this error reports, if it reports one.
    pub fn quarantined(&self) -> Option<Quarantined> {
        match self {
            ReadError::Corrupt {
                position,
                subject,
                source,
            } => Some(Quarantined {
                position: *position,
                subject: subject.clone(),
                reason: source.to_string(),
            }),
            ReadError::Unavailable { .. } => None,
        }
    }
}

/// A stored record that no reader hands out as a commit: it does not decode, or it was
/// stored on a subject other than the one of the stream it names (a publisher passing its
/// bytes off as another aggregate's). Every reader passes over it and reports it, so one
/// stray record can neither stop a service nor change what is folded or decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quarantined {
    pub position: Position,
    pub subject: Option<String>,
    /// Why it is not a commit, for the operator.
    pub reason: String,
}

impl Quarantined {
    /// Logs that a reader passed over this record (once per reader that meets it).
    pub fn warn_passed_over(&self) {
        tracing::warn!(
            position = self.position.get(),
            subject = self.subject.as_deref().unwrap_or("-"),
            reason = %self.reason,
            "quarantined record passed over"
        );
    }
}

impl fmt::Display for Quarantined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.position)?;
        if let Some(subject) = &self.subject {
            write!(f, " on {subject}")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// An aggregate as a command loads it: its commits, its version, and the records filed
/// under it that were passed over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Aggregate {
    /// The readable commits, in order.
    pub commits: Vec<StoredCommit>,
    /// The version an append must expect to follow what was read. It is the last
    /// readable commit's last version, except on sled when a damaged record ends the
    /// aggregate: its index entry still names the versions it took.
    pub version: u64,
    /// Records of the aggregate that were passed over (logged as they are met).
    pub quarantined: Vec<Quarantined>,
}

impl Aggregate {
    /// Reports the records passed over, once per load.
    pub(crate) fn warn_quarantined(&self) {
        self.quarantined
            .iter()
            .for_each(Quarantined::warn_passed_over);
    }
}

/// A stored commit and where it sits in the global order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCommit {
    pub position: Position,
    pub commit: Commit,
}

/// Which commits a subscription wants.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub context: Option<Context>,
    pub partnership: Option<PartnershipId>,
}

impl Filter {
    pub const ALL: Filter = Filter {
        context: None,
        partnership: None,
    };

    pub fn matches(&self, stream: &StreamId) -> bool {
        self.context.is_none_or(|c| c == stream.context)
            && self
                .partnership
                .as_ref()
                .is_none_or(|p| *p == stream.partnership)
    }
}

/// A subscription: every matching commit after the start position, in global order,
/// catching up on history and then following live appends, with no gaps or duplicates.
/// An `Err(ReadError::Corrupt)` item reports a quarantined record; the stream goes on.
pub type Subscription = BoxStream<'static, Result<StoredCommit, ReadError>>;

/// The event log. Both backends keep every promise written here, and the conformance
/// suite (`tests/conformance.rs`) proves it for each.
#[async_trait]
pub trait EventLog: Send + Sync + 'static {
    /// Appends `commit` (one or more events of `commit.stream`) if the aggregate's version
    /// admits `expected`. Stamps versions and `recorded_at`. Returns only once durable.
    /// A commit id seen before returns the original result and stores nothing: always
    /// when `expected` no longer holds because the commit was stored (the aggregate is
    /// searched for it), and otherwise within the backend's duplicate window (2 minutes
    /// by default on both). An `Any` retry after the window is stored again; look the
    /// id up in the aggregate first when retries may come that late.
    async fn append(
        &self,
        expected: ExpectedVersion,
        commit: Commit,
    ) -> Result<Appended, AppendError>;

    /// The aggregate's readable commits in order, starting with the one holding
    /// `from_version` (1 = everything), its version and the records passed over.
    async fn load_aggregate(
        &self,
        stream: &StreamId,
        from_version: u64,
    ) -> Result<Aggregate, ReadError>;

    /// What was appended to the aggregate after a reader's last commit of it, which took
    /// versions up to `version` and is at `position`: the readable commits after it and
    /// the aggregate's version (`version` itself when nothing followed). The same as
    /// `load_aggregate(stream, version + 1)`; a backend that can start at `position` does
    /// (JetStream: nothing new costs one request, not a consumer reading the aggregate).
    async fn load_aggregate_after(
        &self,
        stream: &StreamId,
        version: u64,
        position: Position,
    ) -> Result<Aggregate, ReadError> {
        let _ = position;
        let mut loaded = self.load_aggregate(stream, version + 1).await?;
        loaded.version = loaded.version.max(version);
        Ok(loaded)
    }

    /// The aggregate's readable commits in order, starting with the one holding
    /// `from_version` (1 = everything); quarantined records are passed over.
    async fn read_aggregate(
        &self,
        stream: &StreamId,
        from_version: u64,
    ) -> Result<Vec<StoredCommit>, ReadError> {
        Ok(self.load_aggregate(stream, from_version).await?.commits)
    }

    /// Every commit matching `filter` with a position after `after`.
    fn subscribe(&self, after: Position, filter: Filter) -> Subscription;

    /// Every commit matching `filter` that was stored when the call began, in global
    /// order: a read that ends, for questions about many aggregates (all support streams
    /// of a partnership). Quarantined records are passed over (and logged).
    ///
    /// The default walks the whole log up to its head; a backend that can filter on its
    /// side does better.
    async fn read_matching(&self, filter: Filter) -> Result<Vec<StoredCommit>, ReadError> {
        let mut out = Vec::new();
        walk_to_head(self, |item| match item {
            Ok(stored) if filter.matches(&stored.commit.stream) => out.push(stored),
            Ok(_) => {}
            Err(q) => q.warn_passed_over(),
        })
        .await?;
        Ok(out)
    }

    /// The position of the last stored commit (`START` if none).
    async fn head(&self) -> Result<Position, ReadError>;

    /// A position at or past the last commit of `partnership` (`None` if it has none): a
    /// reader that folds only some partnerships (a partition) has folded all of one once
    /// it passes this. The head unless a backend can say better.
    async fn last_position_of(
        &self,
        partnership: &PartnershipId,
    ) -> Result<Option<Position>, ReadError> {
        let _ = partnership;
        self.head().await.map(Some)
    }
}

/// Every quarantined record of `log` up to its head when the call began, in log order
/// (`synergy quarantine list`). Walks the whole log.
pub async fn quarantined<L: EventLog + ?Sized>(log: &L) -> Result<Vec<Quarantined>, ReadError> {
    let mut out = Vec::new();
    walk_to_head(log, |item| {
        if let Err(q) = item {
            out.push(q);
        }
    })
    .await?;
    Ok(out)
}

/// Hands every record of `log` up to its head when the call began to `visit`, in log
/// order: a commit, or a quarantined record. A read that fails otherwise ends the walk.
async fn walk_to_head<L: EventLog + ?Sized>(
    log: &L,
    mut visit: impl FnMut(Result<StoredCommit, Quarantined>) + Send,
) -> Result<(), ReadError> {
    let head = log.head().await?;
    if head == Position::START {
        return Ok(());
    }
    let mut all = log.subscribe(Position::START, Filter::ALL);
    while let Some(item) = all.next().await {
        let item = match item {
            Ok(stored) => Ok(stored),
            Err(e) => Err(e.quarantined().ok_or(e)?),
        };
        let at = match &item {
            Ok(stored) => stored.position,
            Err(q) => q.position,
        };
        visit(item);
        if at >= head {
            break;
        }
    }
    Ok(())
}
