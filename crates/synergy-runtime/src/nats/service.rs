//! A service process: answers one context's commands (or every context's) over NATS
//! request/reply, executing them against the JetStream event log.
//!
//! Each context subscribes to `syn.cmd.<context>.*` in queue group `synergy-<context>`,
//! so NATS hands every request to exactly one replica. Requests are handled concurrently
//! up to [`ServiceConfig::max_in_flight`]; past that the service stops pulling from its
//! subscriptions until one finishes, so one slow command never blocks the others and a
//! flood never exhausts memory. Whatever arrives — garbage, another wire version, a
//! command on the wrong subject — gets a `bad_request` reply, never a panic.
//!
//! The evaluation service also folds the log into its read models in the background
//! ([`projection::run`]) and answers report queries once those models have passed the
//! position the caller last wrote at (read-your-writes, bounded by
//! [`READ_YOUR_WRITES_TIMEOUT`](crate::api::READ_YOUR_WRITES_TIMEOUT)). It answers
//! evaluation's commands (`syn.cmd.evaluation.*`, issuing a report) too: their decisions
//! read those models, which only it keeps.
//!
//! Shutdown is graceful: sync with the server, unsubscribe (draining what it already
//! sent), finish the requests in flight, flush the replies, then stop the projection.

use std::fmt;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use async_nats::{Message, Subscriber};
use futures::stream::{SelectAll, Stream, StreamExt};
use synergy_eventlog::JetStreamLog;
use synergy_proto::{Context, PartnershipId, subject};
use tokio::sync::{Semaphore, watch};
use tokio::task::{JoinHandle, JoinSet};
use tracing::Instrument;

use crate::api::{Api, Local};
use crate::clock::{Clock, SystemClock};
use crate::executor::Executor;
use crate::nats::partitions::{self, Owned, PartitionStartError, Partitioning, Route};
use crate::nats::wire::{
    self, CatalogueQuery, CatalogueReply, CatalogueWire, CommandReply, CommandRequest, ErrorWire,
    IssuedVersionQuery, IssuedVersionReply, OutcomeWire, PartnershipQuery, PartnershipReply,
    PartnershipWire, PlanGapQuery, ReadQuery, ReadReply, ReportQuery, ReportReply,
    ValueRealisedQuery,
};
use crate::projection::{self, ProjectionError, ProjectionStore};

/// How long a request sent on to a partition retries "no responders": a replica of it
/// being restarted is briefly absent.
const NO_RESPONDERS_GRACE: Duration = Duration::from_secs(2);

/// How long a service waits for the server to confirm its subscriptions.
const SYNC_TIMEOUT: Duration = Duration::from_secs(10);

/// What one service process hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceRole {
    /// One context; `Context::Evaluation` is the evaluation service (read models and
    /// reports).
    Context(Context),
    /// Every context and evaluation in one process.
    All,
}

impl ServiceRole {
    /// The contexts whose commands this role answers.
    pub fn command_contexts(self) -> Vec<Context> {
        match self {
            ServiceRole::Context(c) => vec![c],
            ServiceRole::All => Context::ALL.to_vec(),
        }
    }

    pub fn hosts(self, context: Context) -> bool {
        match self {
            ServiceRole::Context(c) => c == context,
            ServiceRole::All => true,
        }
    }
}

impl fmt::Display for ServiceRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceRole::Context(c) => f.write_str(c.as_str()),
            ServiceRole::All => f.write_str("all"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a service; use strategy, marketing, brand, information, support, evaluation or all"
)]
pub struct UnknownService(pub String);

impl std::str::FromStr for ServiceRole {
    type Err = UnknownService;
    fn from_str(s: &str) -> Result<Self, UnknownService> {
        if s == "all" {
            return Ok(ServiceRole::All);
        }
        s.parse()
            .map(ServiceRole::Context)
            .map_err(|_| UnknownService(s.to_owned()))
    }
}

/// How a service runs.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    pub role: ServiceRole,
    /// Where evaluation keeps its read models (a sled directory of its own). `None` keeps
    /// them in memory, rebuilt from the log at every start.
    pub views: Option<PathBuf>,
    /// Requests handled at once; more wait in the subscription.
    pub max_in_flight: usize,
    /// How long shutdown waits for requests in flight before abandoning them.
    pub drain_timeout: Duration,
    pub clock: Arc<dyn Clock>,
    /// Streams whose states are kept between commands ([`crate::kept`]).
    pub kept_streams: usize,
    /// Events folded past a stream's snapshot before the next is saved, in the log's
    /// snapshot bucket ([`crate::snapshot`]; 0: none saved).
    pub snapshot_every: u64,
    /// Where snapshots are kept (the JetStream log's bucket); `None`: every state not kept
    /// is folded from the log.
    pub snapshot_store: Option<Arc<dyn synergy_eventlog::SnapshotStore>>,
    /// How many partnerships' read models evaluation keeps in memory
    /// ([`ProjectionStore::set_model_cache`]).
    pub model_cache: std::num::NonZeroUsize,
    /// The evaluation service folds and answers for these partitions only
    /// ([`super::partitions`]); `None`: every partnership, from the event stream itself.
    pub partitions: Option<Partitioning>,
}

impl ServiceConfig {
    pub const DEFAULT_MAX_IN_FLIGHT: usize = 64;
    pub const DEFAULT_DRAIN_TIMEOUT: Duration = Duration::from_secs(20);

    pub fn new(role: ServiceRole) -> Self {
        ServiceConfig {
            role,
            views: None,
            max_in_flight: Self::DEFAULT_MAX_IN_FLIGHT,
            drain_timeout: Self::DEFAULT_DRAIN_TIMEOUT,
            clock: Arc::new(SystemClock),
            kept_streams: crate::kept::DEFAULT_CAPACITY,
            snapshot_every: crate::snapshot::DEFAULT_INTERVAL,
            snapshot_store: None,
            model_cache: crate::projection::DEFAULT_MODEL_CACHE,
            partitions: None,
        }
    }

    pub fn views(mut self, dir: impl Into<PathBuf>) -> Self {
        self.views = Some(dir.into());
        self
    }

    pub fn model_cache(mut self, partnerships: std::num::NonZeroUsize) -> Self {
        self.model_cache = partnerships;
        self
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot subscribe to {subject} in queue group {group}: {reason}")]
    Subscribe {
        subject: String,
        group: String,
        reason: String,
    },
    #[error("evaluation's read models: {0}")]
    Views(#[from] ProjectionError),
    #[error("the evaluation projection task failed: {0}")]
    ProjectionTask(String),
    #[error("the NATS client closed the subscriptions; the service stopped taking requests")]
    Closed,
    #[error("[partitions-invalid] partitions are the evaluation service's: serve evaluation")]
    PartitionsNotEvaluation,
    #[error(transparent)]
    Partitions(#[from] PartitionStartError),
}

/// Requests this replica answered, by kind. Several replicas of one service share the load;
/// these counters show how.
#[derive(Debug, Default)]
pub struct ServiceStats {
    commands: AtomicU64,
    queries: AtomicU64,
    bad_requests: AtomicU64,
}

impl ServiceStats {
    /// Commands decided here (accepted or refused).
    pub fn commands(&self) -> u64 {
        self.commands.load(Ordering::Relaxed)
    }
    /// Partnership, catalogue and report queries answered here.
    pub fn queries(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }
    /// Requests answered `bad_request` (or dropped for having no reply subject).
    pub fn bad_requests(&self) -> u64 {
        self.bad_requests.load(Ordering::Relaxed)
    }
    pub fn handled(&self) -> u64 {
        self.commands() + self.queries() + self.bad_requests()
    }
}

/// Runs a service until `shutdown` turns true (or its sender is dropped), then drains.
pub async fn serve(
    client: async_nats::Client,
    config: ServiceConfig,
    log: Arc<JetStreamLog>,
    shutdown: watch::Receiver<bool>,
) -> Result<(), ServeError> {
    Service::new(client, config, log).run(shutdown).await
}

/// A service before it runs: gives out its readiness signal and counters first.
#[derive(Debug)]
pub struct Service {
    client: async_nats::Client,
    config: ServiceConfig,
    log: Arc<JetStreamLog>,
    stats: Arc<ServiceStats>,
    ready: watch::Sender<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Commands(Context),
    Read(Context),
    Partnership,
    Partnerships,
    History,
    Catalogue,
    Report,
    Portfolio,
    PlanGap,
    Issued,
    Status,
    ValueRealised,
}

impl Endpoint {
    /// The name of an evaluation query a partition answers too.
    fn query_name(self) -> Option<&'static str> {
        match self {
            Endpoint::Report => Some(wire::REPORT_QUERY),
            Endpoint::PlanGap => Some(wire::PLAN_GAP_QUERY),
            Endpoint::Issued => Some(wire::ISSUED_QUERY),
            Endpoint::ValueRealised => Some(wire::VALUE_REALISED_QUERY),
            _ => None,
        }
    }
}

/// A subscription whose messages are tagged with what they ask for.
struct Tagged {
    endpoint: Endpoint,
    sub: Subscriber,
}

impl Stream for Tagged {
    type Item = (Endpoint, Message);
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        let endpoint = self.endpoint;
        self.sub
            .poll_next_unpin(cx)
            .map(|m| m.map(|m| (endpoint, m)))
    }
}

/// What every request handler shares.
struct Handlers {
    client: async_nats::Client,
    /// Where evaluation is hosted, its read models are the view evaluation's commands
    /// consult.
    exec: Executor<JetStreamLog>,
    /// Present when this process hosts evaluation over every partnership.
    reports: Option<Local<JetStreamLog>>,
    /// Present when this process hosts evaluation for some partitions.
    owned: Option<Owned>,
    stats: Arc<ServiceStats>,
}

impl Service {
    pub fn new(client: async_nats::Client, config: ServiceConfig, log: Arc<JetStreamLog>) -> Self {
        Service {
            client,
            config,
            log,
            stats: Arc::default(),
            ready: watch::channel(false).0,
        }
    }

    /// Turns true once every subscription is registered with the server (requests sent
    /// from then on reach this service), false again when it starts shutting down.
    pub fn ready(&self) -> watch::Receiver<bool> {
        self.ready.subscribe()
    }

    pub fn stats(&self) -> Arc<ServiceStats> {
        Arc::clone(&self.stats)
    }

    fn endpoints(&self) -> Vec<(Endpoint, String, String)> {
        let role = self.config.role;
        let mut out: Vec<(Endpoint, String, String)> = Vec::new();
        for c in role.command_contexts() {
            out.push((
                Endpoint::Commands(c),
                subject::commands_of(c),
                subject::queue_group(c),
            ));
            out.push((
                Endpoint::Read(c),
                wire::read_subject(c),
                subject::queue_group(c),
            ));
        }
        if role.hosts(Context::Strategy) {
            out.push((
                Endpoint::Partnership,
                wire::partnership_subject(),
                subject::queue_group(Context::Strategy),
            ));
            out.push((
                Endpoint::Partnerships,
                wire::partnerships_subject(),
                subject::queue_group(Context::Strategy),
            ));
            out.push((
                Endpoint::History,
                wire::history_subject(),
                subject::queue_group(Context::Strategy),
            ));
        }
        if role.hosts(Context::Brand) {
            out.push((
                Endpoint::Catalogue,
                wire::catalogue_subject(),
                subject::queue_group(Context::Brand),
            ));
        }
        if role.hosts(Context::Evaluation) {
            let partitions = self.config.partitions.as_ref();
            for (endpoint, subject) in [
                (Endpoint::Report, wire::report_subject()),
                (Endpoint::Portfolio, wire::portfolio_subject()),
                (Endpoint::PlanGap, wire::plan_gap_subject()),
                (Endpoint::Issued, wire::issued_subject()),
                (Endpoint::Status, wire::status_subject()),
                (Endpoint::ValueRealised, wire::value_realised_subject()),
            ] {
                // A portfolio spans partnerships: a replica that folds some answers none.
                if endpoint == Endpoint::Portfolio && partitions.is_some_and(|p| !p.owns_all()) {
                    continue;
                }
                out.push((endpoint, subject, subject::queue_group(Context::Evaluation)));
            }
            for &k in partitions.map(|p| &p.owned).into_iter().flatten() {
                // The context's queue group on the partition's own subjects: a queue
                // group is per subject, so each partition's owners share its requests.
                let group = subject::queue_group(Context::Evaluation);
                out.push((
                    Endpoint::Commands(Context::Evaluation),
                    subject::partition_commands_of(Context::Evaluation, k),
                    group.clone(),
                ));
                for endpoint in [
                    Endpoint::Report,
                    Endpoint::PlanGap,
                    Endpoint::Issued,
                    Endpoint::ValueRealised,
                ] {
                    let Some(subject) = endpoint.query_name().and_then(|name| {
                        subject::partition_query(Context::Evaluation, k, name).ok()
                    }) else {
                        continue;
                    };
                    out.push((endpoint, subject, group.clone()));
                }
            }
        }
        out
    }

    /// Subscribes, signals readiness, answers requests until `shutdown`, then drains.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) -> Result<(), ServeError> {
        let role = self.config.role;
        let span = tracing::info_span!("service", role = %role);
        async move {
            // Evaluation: read models in their own sled store, followed by a background
            // consumer that stops only after the last report query is answered.
            let (stop_projection, projection_stopped) = watch::channel(false);
            let projection_stopped_scheduler = projection_stopped.clone();
            let snapshots = self.config.snapshot_store.as_ref().map(|store| {
                Arc::new(crate::snapshot::Snapshots::new(
                    Arc::clone(store),
                    self.config.snapshot_every,
                ))
            });
            if self.config.partitions.is_some() && role != ServiceRole::Context(Context::Evaluation)
            {
                return Err(ServeError::PartitionsNotEvaluation);
            }
            let (reports, owned, mut projection) = match &self.config.partitions {
                Some(partitioning) => {
                    let start = partitions::Start {
                        log: &self.log,
                        views: self.config.views.as_deref(),
                        model_cache: self.config.model_cache,
                        clock: &self.config.clock,
                        kept_streams: self.config.kept_streams,
                        snapshots: snapshots.clone(),
                    };
                    let (owned, task) = start.run(partitioning, projection_stopped).await?;
                    (None, Some(owned), Some(task))
                }
                None if role.hosts(Context::Evaluation) => {
                    let store = Arc::new(match &self.config.views {
                        Some(dir) => ProjectionStore::open(dir)?,
                        None => ProjectionStore::temporary()?,
                    });
                    store.set_model_cache(self.config.model_cache);
                    tracing::info!(
                        position = %store.position(),
                        model_cache = store.model_cache(),
                        "read models opened"
                    );
                    let task = tokio::spawn(projection::run(
                        Arc::clone(&self.log),
                        Arc::clone(&store),
                        projection_stopped,
                    ));
                    let local = Local::new(
                        Arc::clone(&self.log),
                        store,
                        Arc::clone(&self.config.clock),
                    )
                    .with_kept_states(self.config.kept_streams)
                    .with_snapshots(snapshots.clone())
                    .followed();
                    // Evaluation issues the reports that are due by itself (`schedule`).
                    tokio::spawn(crate::schedule::run(local.clone(), projection_stopped_scheduler));
                    (Some(local), None, Some(task))
                }
                None => (None, None, None),
            };
            let exec = match &reports {
                Some(local) => local.executor().clone(),
                None => {
                    let exec =
                        Executor::new(Arc::clone(&self.log), Arc::clone(&self.config.clock))
                            .with_kept_states(self.config.kept_streams);
                    match snapshots {
                        Some(snapshots) => exec.with_snapshots(snapshots),
                        None => exec,
                    }
                }
            };
            let handlers = Arc::new(Handlers {
                client: self.client.clone(),
                exec,
                reports,
                owned,
                stats: Arc::clone(&self.stats),
            });

            let mut subs = SelectAll::new();
            for (endpoint, subject, group) in self.endpoints() {
                let sub = self
                    .client
                    .queue_subscribe(subject.clone(), group.clone())
                    .await
                    .map_err(|e| ServeError::Subscribe {
                        subject: subject.clone(),
                        group: group.clone(),
                        reason: e.to_string(),
                    })?;
                tracing::debug!(%subject, %group, "subscribed");
                subs.push(Tagged { endpoint, sub });
            }
            // Ready only once the server has the subscriptions: a caller's request sent
            // before then would hear "no responders".
            if let Err(e) =
                super::sync(&self.client, subject::SERVICE_SYNC, SYNC_TIMEOUT).await
            {
                tracing::warn!(error = %e, "the subscriptions are not confirmed; they are sent again on reconnect");
            }
            self.ready.send_replace(true);
            tracing::info!(max_in_flight = self.config.max_in_flight, "ready");

            let permits = Arc::new(Semaphore::new(self.config.max_in_flight.max(1)));
            let mut tasks = JoinSet::new();
            let mut failure = None;
            loop {
                tokio::select! {
                    // A dropped sender counts as "stop" too. The guard `wait_for` returns is
                    // not Send, so it is dropped inside this block.
                    () = async { let _ = shutdown.wait_for(|stop| *stop).await; } => break,
                    ended = finished(&mut projection) => {
                        projection = None;
                        failure = Some(projection_failure(ended));
                        break;
                    }
                    next = subs.next() => match next {
                        Some((endpoint, msg)) => {
                            dispatch(&handlers, &permits, &mut tasks, endpoint, msg).await;
                        }
                        None => {
                            failure = Some(ServeError::Closed);
                            break;
                        }
                    },
                }
                while tasks.try_join_next().is_some() {}
            }

            self.ready.send_replace(false);
            tracing::info!(in_flight = tasks.len(), "shutting down: no new requests");
            // async-nats drops a subscription as soon as its UNSUB is written, so a request
            // the server routed here before reading the UNSUB but still on the wire would be
            // lost. Syncing first receives everything routed so far; only requests sent
            // during the next round trip can still miss (their callers time out and retry
            // with the same idempotency key).
            if let Err(e) = super::sync(&self.client, subject::SERVICE_SYNC, SYNC_TIMEOUT).await {
                tracing::warn!(error = %e, "requests on the wire may be lost in the shutdown");
            }
            for tagged in subs.iter_mut() {
                if let Err(e) = tagged.sub.drain().await {
                    tracing::warn!(error = %e, "unsubscribing failed");
                }
            }
            let drained = tokio::time::timeout(self.config.drain_timeout, async {
                // Requests the server delivered before the unsubscribe still get answers.
                while let Some((endpoint, msg)) = subs.next().await {
                    dispatch(&handlers, &permits, &mut tasks, endpoint, msg).await;
                }
                while tasks.join_next().await.is_some() {}
            })
            .await;
            if drained.is_err() {
                tracing::warn!(
                    abandoned = tasks.len(),
                    timeout = ?self.config.drain_timeout,
                    "requests still in flight at the drain timeout are abandoned; their \
                     callers retry with the same idempotency key"
                );
                tasks.shutdown().await;
            }
            if tokio::time::timeout(self.config.drain_timeout, self.client.flush())
                .await
                .is_err()
            {
                tracing::warn!("the last replies could not be flushed to NATS");
            }

            stop_projection.send_replace(true);
            if let Some(task) = projection {
                let ended = task.await;
                if failure.is_none() && !matches!(ended, Ok(Ok(()))) {
                    failure = Some(projection_failure(ended));
                }
            }
            let stores = handlers.reports.iter().map(|local| local.views());
            for store in stores.chain(handlers.owned.iter().flat_map(Owned::stores)) {
                if let Err(e) = store.flush() {
                    tracing::warn!(error = %e, "flushing the read models failed; they are rebuilt from the log");
                }
            }
            tracing::info!("stopped");
            failure.map_or(Ok(()), Err)
        }
        .instrument(span)
        .await
    }
}

type ProjectionEnd = Result<Result<(), ProjectionError>, tokio::task::JoinError>;

/// Waits for the projection task to end; never, if there is none.
async fn finished(task: &mut Option<JoinHandle<Result<(), ProjectionError>>>) -> ProjectionEnd {
    match task {
        Some(task) => task.await,
        None => std::future::pending().await,
    }
}

fn projection_failure(ended: ProjectionEnd) -> ServeError {
    match ended {
        Ok(Err(e)) => {
            tracing::error!(error = %e, "the projection stopped; reports would go stale");
            ServeError::Views(e)
        }
        // The consumer ends cleanly only on shutdown; ending before means its log went away.
        Ok(Ok(())) => ServeError::ProjectionTask("the event log subscription ended".into()),
        Err(e) => ServeError::ProjectionTask(e.to_string()),
    }
}

/// Hands a request to its own task once a permit is free.
async fn dispatch(
    handlers: &Arc<Handlers>,
    permits: &Arc<Semaphore>,
    tasks: &mut JoinSet<()>,
    endpoint: Endpoint,
    msg: Message,
) {
    // The semaphore is never closed, so acquiring only waits.
    let Ok(permit) = Arc::clone(permits).acquire_owned().await else {
        return;
    };
    let handlers = Arc::clone(handlers);
    tasks.spawn(async move {
        handlers.handle(endpoint, msg).await;
        drop(permit);
    });
}

mod handlers;
