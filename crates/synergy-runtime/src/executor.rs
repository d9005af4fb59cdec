//! Executes commands against the event log: load, decide, append with expected version.
//!
//! What a decision consults besides its own stream is what its declaration names
//! (`CommandSpec::views`): the partnership always, the catalogue for the five synergies'
//! commands, and evaluation's read model of the partnership for evaluation's — folded at
//! least up to the log's head first, in the process that keeps the models.

use std::borrow::Cow;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use synergy_domain::contract::{Answer, DEFAULT_VIEWS, Values, View};
use synergy_domain::{
    BoundedContext, CatalogueView, DecisionContext, DomainError, ErrorCode, PartnershipView,
    Principal,
};
use synergy_evaluation::{EvaluationContext, PartnershipModel};
use synergy_eventlog::{AppendError, EventLog, ExpectedVersion, Position, ReadError};
use synergy_proto::{
    Commit, Context, Event, PartnershipId, RecordedEvent, StreamId, Timestamp, Uuid,
};
use tracing::Instrument;

use crate::clock::Clock;
use crate::fault::{Corrupt, Lag};
use crate::kept::{Kept, KeptStates};
use crate::projection::{self, ProjectionError, ProjectionStore};
use crate::snapshot::Snapshots;

/// A command of any context, as it travels between processes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AnyCommand {
    Strategy(synergy_strategy::Command),
    Marketing(synergy_marketing::Command),
    Brand(synergy_brand::Command),
    Information(synergy_information::Command),
    Support(synergy_support::Command),
    Evaluation(synergy_evaluation::Command),
}

impl AnyCommand {
    pub fn context(&self) -> Context {
        match self {
            AnyCommand::Strategy(_) => Context::Strategy,
            AnyCommand::Marketing(_) => Context::Marketing,
            AnyCommand::Brand(_) => Context::Brand,
            AnyCommand::Information(_) => Context::Information,
            AnyCommand::Support(_) => Context::Support,
            AnyCommand::Evaluation(_) => Context::Evaluation,
        }
    }

    /// The views of other contexts its decision consults, as its declaration names them
    /// (an import's: the catalogue).
    pub fn views(&self) -> &'static [View] {
        crate::commands::spec_of(self).map_or(DEFAULT_VIEWS, |spec| spec.views)
    }

    /// The stream (partnership and aggregate) the command acts on.
    pub fn stream(&self) -> StreamId {
        match self {
            AnyCommand::Strategy(c) => synergy_strategy::Strategy::stream_of(c),
            AnyCommand::Marketing(c) => synergy_marketing::Marketing::stream_of(c),
            AnyCommand::Brand(c) => synergy_brand::Brand::stream_of(c),
            AnyCommand::Information(c) => synergy_information::Information::stream_of(c),
            AnyCommand::Support(c) => synergy_support::SupportContext::stream_of(c),
            AnyCommand::Evaluation(c) => EvaluationContext::stream_of(c),
        }
    }
}

/// A command with who sends it and how to recognise a retry of it.
#[derive(Debug, Clone)]
pub struct Request {
    pub principal: Principal,
    pub command: AnyCommand,
    /// The same key on a retry means "the same command": it is recorded at most once.
    /// A key belongs to its caller: it is scoped to the caller's organisation and the
    /// stream (context, partnership, aggregate) the command acts on ([`RequestIds`]), so
    /// another organisation's reuse of it is a command of its own; the same key with
    /// another command body on the same stream is refused
    /// ([`ExecuteError::IdempotencyKeyReused`]). `None` makes a fresh key (no retry
    /// protection across calls).
    pub idempotency_key: Option<Uuid>,
    /// The request or workflow this belongs to; defaults to the idempotency key.
    pub correlation_id: Option<Uuid>,
    /// A dry run: decide against the recorded history as for real, answer what would be
    /// recorded, and record nothing ([`Outcome::position`] is `None`).
    pub dry_run: bool,
}

impl Request {
    pub fn new(principal: Principal, command: AnyCommand) -> Self {
        Self {
            principal,
            command,
            idempotency_key: None,
            correlation_id: None,
            dry_run: false,
        }
    }

    pub fn with_key(mut self, key: Uuid) -> Self {
        self.idempotency_key = Some(key);
        self
    }

    /// The request as a dry run.
    pub fn checked(mut self) -> Self {
        self.dry_run = true;
        self
    }
}

/// What an accepted command did, or for a dry run would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub stream: StreamId,
    /// Where the commit landed; `None` when the command changed nothing, and for a dry run.
    pub position: Option<Position>,
    /// Names of the recorded events (for a dry run, of the events that would be), in
    /// order (empty for a no-op): literals in process, the received names over NATS.
    pub events: Vec<Cow<'static, str>>,
    /// The aggregate's version after the command (for a dry run, what it would be).
    pub version: u64,
    /// The command had been recorded before under the same key; nothing new was stored.
    pub duplicate: bool,
    /// What the command answers beyond this outcome, where its declaration says
    /// (`CommandSpec::answer`): built from the events it recorded (none when it changed
    /// nothing; the first time's on a retry).
    pub answer: Option<Values>,
}

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

/// The ids a request is recorded under, derived from the caller's idempotency key so that
/// the key belongs to its caller (a 128-bit prefix of SHA-256, as a version-8 UUID):
/// - `request` = H(organisation, stream, key), recorded as the commit's causation id: the
///   request that caused it;
/// - `commit` = H(request, the command's postcard bytes), the commit id, which is how
///   the log recognises a retry.
///
/// A retry (same caller, stream, key and body) finds its commit; the same key with
/// another body finds a commit of the same request under another id; another
/// organisation, or another stream, gets ids of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestIds {
    pub request: Uuid,
    pub commit: Uuid,
}

impl RequestIds {
    pub fn derive<T: Serialize>(
        principal: &Principal,
        stream: &StreamId,
        key: Uuid,
        command: &T,
    ) -> Result<RequestIds, ExecuteError> {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for part in [
            "synergy request".as_bytes(),
            principal.org.as_str().as_bytes(),
            stream.context.as_str().as_bytes(),
            stream.partnership.as_str().as_bytes(),
            stream.aggregate.as_str().as_bytes(),
        ] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part);
        }
        h.update(key.as_bytes());
        let request = uuid_of(h.finalize().as_slice());
        let body = postcard::to_allocvec(command)
            .map_err(|e| ExecuteError::Internal(format!("cannot encode the command: {e}")))?;
        let mut h = Sha256::new();
        h.update(b"synergy commit");
        h.update(request.as_bytes());
        h.update(&body);
        Ok(RequestIds {
            request,
            commit: uuid_of(h.finalize().as_slice()),
        })
    }
}

fn uuid_of(digest: &[u8]) -> Uuid {
    let mut bytes = [0; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
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

/// How long a read of evaluation's models waits for them to catch up with a write.
pub const READ_YOUR_WRITES_TIMEOUT: Duration = Duration::from_secs(10);

/// Evaluation's read models as a process keeps them, and how they keep up with the log.
#[derive(Debug, Clone)]
pub(crate) struct Models {
    pub(crate) store: Arc<ProjectionStore>,
    /// A background consumer ([`projection::run`]) keeps them up to date and a reader
    /// waits for it; without one, a reader folds up to the head itself.
    pub(crate) followed: bool,
    /// The consumer folds one partition of the partnerships (`docs/partitions.md`): it
    /// never reaches the head of the log when the last commits are another partition's,
    /// so a reader of one partnership waits for that partnership's last commit instead.
    pub(crate) partitioned: bool,
}

/// Why the read models could not be brought up to a position.
#[derive(Debug)]
pub(crate) enum Behind {
    /// The consumer did not get there in time.
    NotReady(Lag),
    Projection(ProjectionError),
    Log(ReadError),
}

impl Models {
    /// Brings the models up to `after`, or to the log's head; of a partition, the models
    /// of `partnership` up to there (all of them: without one, a partition's reader takes
    /// them as they are stored).
    pub(crate) async fn sync<L: EventLog>(
        &self,
        log: &L,
        partnership: Option<&PartnershipId>,
        after: Option<Position>,
    ) -> Result<(), Behind> {
        if !self.followed {
            return projection::catch_up(log, &self.store)
                .await
                .map(drop)
                .map_err(Behind::Projection);
        }
        let mut target = match after {
            Some(p) => p,
            None => log.head().await.map_err(Behind::Log)?,
        };
        if self.partitioned && self.store.position() < target {
            let Some(partnership) = partnership else {
                return Ok(());
            };
            // Past the partnership's last commit, every commit of it up to the target is
            // folded, whatever the other partitions hold.
            let last = log
                .last_position_of(partnership)
                .await
                .map_err(Behind::Log)?;
            target = target.min(last.unwrap_or(Position::START));
        }
        if self.store.wait_for(target, READ_YOUR_WRITES_TIMEOUT).await {
            Ok(())
        } else {
            Err(Behind::NotReady(Lag {
                at: self.store.position(),
                waiting_for: target,
            }))
        }
    }
}

impl From<Behind> for ExecuteError {
    fn from(behind: Behind) -> Self {
        match behind {
            Behind::NotReady(lag) => ExecuteError::Unavailable(Unavailable::ReadModelsBehind(lag)),
            Behind::Projection(e) if e.is_storage_failure() => ExecuteError::Unavailable(
                Unavailable::storage(format!("evaluation's read models: {e}")),
            ),
            Behind::Projection(e) => ExecuteError::Corrupt(Corrupt::read_models(e)),
            Behind::Log(e) => e.into(),
        }
    }
}

/// Executes commands of every context against one event log.
#[derive(Debug)]
pub struct Executor<L> {
    log: Arc<L>,
    clock: Arc<dyn Clock>,
    max_attempts: u32,
    /// Where this process keeps evaluation's read models, if it does: the view evaluation's
    /// decisions consult ([`View::Evaluation`]).
    models: Option<Models>,
    /// Stream states kept between commands, shared by the executor's clones.
    states: Arc<KeptStates>,
    /// Where states are restored from when not kept, and saved to ([`crate::snapshot`]).
    snapshots: Option<Arc<Snapshots>>,
}

impl<L> Clone for Executor<L> {
    fn clone(&self) -> Self {
        Self {
            log: Arc::clone(&self.log),
            clock: Arc::clone(&self.clock),
            max_attempts: self.max_attempts,
            models: self.models.clone(),
            states: Arc::clone(&self.states),
            snapshots: self.snapshots.clone(),
        }
    }
}

/// The views a decision consults beyond its [`DecisionContext`], loaded after its stream.
#[derive(Debug, Default)]
struct Consulted {
    /// Evaluation's model of the partnership, if the declaration names it.
    model: Option<Arc<PartnershipModel>>,
}

/// How the executor decides one context's commands: on the state of their stream, folded
/// by `evolve` and kept between commands ([`KeptStates`]).
trait Decide {
    type Command: Serialize + Clone + Send + Sync;
    type State: Default + Clone + Serialize + serde::de::DeserializeOwned + Send + Sync + 'static;
    fn stream_of(command: &Self::Command) -> StreamId;
    fn evolve(state: Self::State, event: &Event) -> Self::State;
    fn decide(
        state: &Self::State,
        command: Self::Command,
        ctx: &DecisionContext,
        consulted: &Consulted,
    ) -> Result<Vec<Event>, ExecuteError>;
}

/// One of the five synergies: decided on its stream and the decision context.
struct Synergy<C>(PhantomData<C>);

impl<C: BoundedContext> Decide for Synergy<C>
where
    C::Command: Send + Sync,
{
    type Command = C::Command;
    type State = C::State;
    fn stream_of(command: &C::Command) -> StreamId {
        C::stream_of(command)
    }
    fn evolve(state: C::State, event: &Event) -> C::State {
        C::evolve(state, event)
    }
    fn decide(
        state: &C::State,
        command: C::Command,
        ctx: &DecisionContext,
        _: &Consulted,
    ) -> Result<Vec<Event>, ExecuteError> {
        Ok(C::decide(state, command, ctx)?)
    }
}

/// Evaluation: decided on its stream, the decision context and the partnership's model.
struct Evaluation;

impl Decide for Evaluation {
    type Command = synergy_evaluation::Command;
    /// Evaluation decides on its stream's events themselves (an issued version on those
    /// before it), so those are what is kept.
    type State = Vec<Event>;
    fn stream_of(command: &Self::Command) -> StreamId {
        EvaluationContext::stream_of(command)
    }
    fn evolve(mut history: Vec<Event>, event: &Event) -> Vec<Event> {
        history.push(event.clone());
        history
    }
    fn decide(
        history: &Vec<Event>,
        command: Self::Command,
        ctx: &DecisionContext,
        consulted: &Consulted,
    ) -> Result<Vec<Event>, ExecuteError> {
        // A command whose declaration names no evaluation view (`set-issuing`) decides on
        // its stream alone: it is handed an empty model, which it does not read.
        let empty;
        let model = match consulted.model.as_deref() {
            Some(model) => model,
            None => {
                empty = PartnershipModel::new(command.partnership().clone());
                &empty
            }
        };
        Ok(EvaluationContext::execute(history, command, ctx, model)?)
    }
}

/// Who asks, what the command's declaration says it consults and answers, the request
/// ids' seed, and whether to record.
#[derive(Debug, Clone, Copy)]
struct Call<'a> {
    principal: &'a Principal,
    views: &'static [View],
    answer: Option<&'static Answer>,
    key: Uuid,
    correlation: Uuid,
    dry_run: bool,
}

impl<L: EventLog> Executor<L> {
    /// Conflicts are retried this many times in all before giving up.
    pub const DEFAULT_ATTEMPTS: u32 = 8;

    pub fn new(log: Arc<L>, clock: Arc<dyn Clock>) -> Self {
        Self {
            log,
            clock,
            max_attempts: Self::DEFAULT_ATTEMPTS,
            models: None,
            states: Arc::default(),
            snapshots: None,
        }
    }

    /// Keeps the states of up to `streams` streams between commands (0: none, every
    /// command folds its streams' whole histories).
    pub fn with_kept_states(mut self, streams: usize) -> Self {
        self.states = Arc::new(KeptStates::new(streams));
        self
    }

    /// The states kept between commands.
    pub fn kept_states(&self) -> &KeptStates {
        &self.states
    }

    /// Restores states that are not kept from `snapshots`, and saves them there
    /// ([`crate::snapshot`]).
    pub fn with_snapshots(mut self, snapshots: Arc<Snapshots>) -> Self {
        self.snapshots = Some(snapshots);
        self
    }

    /// The snapshots states are restored from and saved to, if any.
    pub fn snapshots(&self) -> Option<&Arc<Snapshots>> {
        self.snapshots.as_ref()
    }

    /// `stream`'s state up to the log's head: `kept` (a kept state) with the events after it
    /// folded on, or else the stream's snapshot with the events after it, or else the
    /// whole stream. A snapshot is used only if the log holds its last commit where it
    /// says (a log replaced under its snapshots, or a snapshot of a stream since written
    /// otherwise, is ignored and counted).
    async fn caught_up<D: Decide>(
        &self,
        stream: &StreamId,
        kept: Option<Kept<D::State>>,
    ) -> Result<Kept<D::State>, ExecuteError> {
        if let Some(kept) = kept {
            let tail = self
                .log
                .load_aggregate_after(stream, kept.version, kept.position)
                .await?;
            return Ok(kept.fold(&tail.commits, tail.version, D::evolve));
        }
        if let Some(snapshots) = &self.snapshots {
            let restored: Kept<D::State> = snapshots.restore(stream).await;
            let newest = restored
                .commits
                .iter()
                .max_by_key(|&(_, &version)| version)
                .map(|(&id, &version)| (id, version));
            if let Some((id, first)) = newest.filter(|_| restored.version > 0) {
                let from = self
                    .log
                    .load_aggregate_after(
                        stream,
                        first - 1,
                        Position(restored.position.get().saturating_sub(1)),
                    )
                    .await?;
                match from.commits.first() {
                    Some(last)
                        if last.commit.commit_id == id && last.position == restored.position =>
                    {
                        return Ok(restored.fold(&from.commits[1..], from.version, D::evolve));
                    }
                    _ => snapshots.not_in_the_log(stream),
                }
            }
        }
        let all = self
            .log
            .load_aggregate_after(stream, 0, Position::default())
            .await?;
        Ok(Kept::default().fold(&all.commits, all.version, D::evolve))
    }

    /// Saves a snapshot of `kept` if one is due.
    async fn save_if_due<S: Serialize>(&self, stream: &StreamId, kept: &mut Kept<S>) {
        if let Some(snapshots) = &self.snapshots {
            snapshots.save_if_due(stream, kept).await;
        }
    }

    /// `stream`'s whole history folded from the log, for a command whose ids the state
    /// restored from a snapshot cannot rule out ([`Kept::in_doubt`]).
    async fn fold_whole<D: Decide>(
        &self,
        stream: &StreamId,
        saved: u64,
    ) -> Result<Kept<D::State>, ExecuteError> {
        let all = self
            .log
            .load_aggregate_after(stream, 0, Position::default())
            .await?;
        let mut kept = Kept::default().fold(&all.commits, all.version, D::evolve);
        kept.saved = saved;
        Ok(kept)
    }

    /// Gives evaluation's decisions the read models of one partition in `store`
    /// ([`crate::Local::partition`]).
    pub fn with_partition_models(mut self, store: Arc<ProjectionStore>) -> Self {
        self.models = Some(Models {
            store,
            followed: true,
            partitioned: true,
        });
        self
    }

    /// Gives evaluation's decisions their view: the read models in `store`, which a
    /// background consumer keeps up to date when `followed` (else a decision folds them up
    /// to the head itself). Without it, evaluation's commands are not executed here.
    pub fn with_models(mut self, store: Arc<ProjectionStore>, followed: bool) -> Self {
        self.models = Some(Models {
            store,
            followed,
            partitioned: false,
        });
        self
    }

    pub fn log(&self) -> &Arc<L> {
        &self.log
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Executes one command: load, decide, append; retried on version conflicts.
    pub async fn execute(&self, request: Request) -> Result<Outcome, ExecuteError> {
        let stream = request.command.stream();
        let span = tracing::info_span!(
            "command",
            context = %stream.context,
            partnership = %stream.partnership,
            aggregate = %stream.aggregate,
        );
        let key = request.idempotency_key.unwrap_or_else(Uuid::now_v7);
        let correlation = request.correlation_id.unwrap_or(key);
        let spec = crate::commands::spec_of(&request.command);
        let views = spec.map_or(DEFAULT_VIEWS, |s| s.views);
        let answer = spec.and_then(|s| s.answer);
        let Request {
            principal,
            command,
            dry_run,
            ..
        } = request;
        let call = Call {
            principal: &principal,
            views,
            answer,
            key,
            correlation,
            dry_run,
        };
        async move {
            match command {
                AnyCommand::Strategy(c) => {
                    self.run::<Synergy<synergy_strategy::Strategy>>(call, c)
                        .await
                }
                AnyCommand::Marketing(c) => {
                    self.run::<Synergy<synergy_marketing::Marketing>>(call, c)
                        .await
                }
                AnyCommand::Brand(c) => self.run::<Synergy<synergy_brand::Brand>>(call, c).await,
                AnyCommand::Information(c) => {
                    self.run::<Synergy<synergy_information::Information>>(call, c)
                        .await
                }
                AnyCommand::Support(c) => {
                    self.run::<Synergy<synergy_support::SupportContext>>(call, c)
                        .await
                }
                AnyCommand::Evaluation(c) => self.run::<Evaluation>(call, c).await,
            }
        }
        .instrument(span)
        .await
    }

    /// The partnership's parties as strategy records them, if it is signed.
    pub async fn partnership(
        &self,
        id: &PartnershipId,
    ) -> Result<Option<PartnershipView>, ExecuteError> {
        let strategy = self
            .folded::<Synergy<synergy_strategy::Strategy>>(&synergy_strategy::stream_for(id))
            .await?;
        Ok(strategy.state.partnership_view(id))
    }

    /// The partnership's registered SKUs, as brand records them.
    pub async fn catalogue(&self, id: &PartnershipId) -> Result<CatalogueView, ExecuteError> {
        let brand = self
            .folded::<Synergy<synergy_brand::Brand>>(&synergy_brand::portfolio_stream(id))
            .await?;
        Ok(brand.state.catalogue())
    }

    /// `stream`'s state as `D` folds it, up to the log's head as it is now: the kept
    /// state with what was appended since folded on (and kept in its place).
    async fn folded<D: Decide>(
        &self,
        stream: &StreamId,
    ) -> Result<Arc<Kept<D::State>>, ExecuteError> {
        // Only the commands of a stream's own context save its snapshots: over NATS a
        // service may write its own context's alone (deploy/nats/accounts.conf).
        let Some(kept) = self.states.get::<D::State>(stream) else {
            let kept = Arc::new(self.caught_up::<D>(stream, None).await?);
            self.states.put(stream, Arc::clone(&kept));
            return Ok(kept);
        };
        let tail = self
            .log
            .load_aggregate_after(stream, kept.version, kept.position)
            .await?;
        if tail.commits.is_empty() && tail.version <= kept.version {
            return Ok(kept);
        }
        let kept =
            Arc::new(Arc::unwrap_or_clone(kept).fold(&tail.commits, tail.version, D::evolve));
        self.states.put(stream, Arc::clone(&kept));
        Ok(kept)
    }

    /// The cross-context facts a decision may consult: the partnership (strategy) and,
    /// where `views` names it, its catalogue (brand), folded from their streams.
    async fn decision_context(
        &self,
        principal: &Principal,
        stream: &StreamId,
        now: Timestamp,
        views: &[View],
    ) -> Result<DecisionContext, ExecuteError> {
        // Both are read at once: over JetStream each read first asks the server for its
        // stream's head, a round trip apiece.
        let catalogue = async {
            if views.contains(&View::Catalogue) {
                self.catalogue(&stream.partnership).await.map(Some)
            } else {
                Ok(None)
            }
        };
        let (partnership, catalogue) =
            futures::try_join!(self.partnership(&stream.partnership), catalogue)?;
        let catalogue = match (&partnership, catalogue) {
            (Some(_), Some(catalogue)) => catalogue,
            _ => Default::default(),
        };
        Ok(DecisionContext {
            principal: principal.clone(),
            now,
            partnership,
            catalogue,
        })
    }

    /// Appends `events` to `stream` as one commit on top of `version` (the version they
    /// were decided on), stamped at `now` and recorded as `principal`'s. A conflict means
    /// another writer got there first: the caller decides again.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn record(
        &self,
        principal: &Principal,
        stream: &StreamId,
        version: u64,
        events: Vec<Event>,
        now: Timestamp,
        commit_id: Uuid,
        correlation: Uuid,
        causation: Option<Uuid>,
    ) -> Result<synergy_eventlog::Appended, AppendError> {
        let commit = Commit {
            commit_id,
            stream: stream.clone(),
            first_version: version + 1,
            recorded_at: now,
            actor: principal.actor(),
            correlation_id: correlation,
            causation_id: causation,
            events: events
                .into_iter()
                .map(|event| RecordedEvent {
                    event_id: Uuid::now_v7(),
                    occurred_at: now,
                    event,
                })
                .collect(),
        };
        let expected = if version == 0 {
            ExpectedVersion::NoStream
        } else {
            ExpectedVersion::Exact(version)
        };
        self.log.append(expected, commit).await
    }

    /// Evaluation's model of `partnership`, folded at least up to the log's head as it is
    /// now (so up to the stream just loaded, and to the caller's own writes): an empty
    /// model when nothing of it was folded.
    async fn evaluation_model(
        &self,
        partnership: &PartnershipId,
    ) -> Result<Arc<PartnershipModel>, ExecuteError> {
        let models = self.models.as_ref().ok_or_else(|| {
            ExecuteError::Internal(
                "this process keeps no evaluation read models; evaluation's commands go to \
                 the evaluation service"
                    .into(),
            )
        })?;
        models.sync(&*self.log, Some(partnership), None).await?;
        let model = models
            .store
            .model(partnership)
            .map_err(|e| ExecuteError::from(Behind::Projection(e)))?;
        Ok(model.unwrap_or_else(|| Arc::new(PartnershipModel::new(partnership.clone()))))
    }

    /// The answer to a retry of a command recorded as `commit`, whose first event has
    /// `first_version` on `stream`: what the first time answered.
    async fn answer_again(
        &self,
        stream: StreamId,
        first_version: u64,
        commit: Uuid,
        answer: Option<&'static Answer>,
    ) -> Result<Outcome, ExecuteError> {
        let from = self.log.read_aggregate(&stream, first_version).await?;
        let Some(done) = from.iter().find(|c| c.commit.commit_id == commit) else {
            return Err(ExecuteError::Corrupt(Corrupt::Commit { stream, commit }));
        };
        Ok(Outcome {
            position: Some(done.position),
            events: done
                .commit
                .events
                .iter()
                .map(|e| Cow::Borrowed(e.event.name()))
                .collect(),
            version: done.commit.last_version(),
            duplicate: true,
            answer: answer.map(|a| {
                let first: Vec<Event> =
                    done.commit.events.iter().map(|e| e.event.clone()).collect();
                (a.build)(&first)
            }),
            stream,
        })
    }

    /// Decides and records one command, retried on conflicts.
    async fn run<D: Decide>(
        &self,
        call: Call<'_>,
        command: D::Command,
    ) -> Result<Outcome, ExecuteError> {
        let Call {
            principal,
            views,
            answer,
            key,
            correlation,
            dry_run,
        } = call;
        let stream = D::stream_of(&command);
        let ids = RequestIds::derive(principal, &stream, key, &command)?;
        for attempt in 1..=self.max_attempts {
            let now = self.clock.now();
            // The stream's kept state with what was appended since folded on, read while
            // the decision's context is (each a round trip over JetStream). Quarantined
            // records are passed over (the log reports them); the version is what an
            // append must expect after what was read. The context is polled first, so a
            // command on the partnership's own stream reads its kept state before it is
            // taken out.
            let (ctx, mut kept) = futures::try_join!(
                self.decision_context(principal, &stream, now, views),
                async {
                    let kept = self.states.take::<D::State>(&stream);
                    self.caught_up::<D>(&stream, kept).await
                }
            )?;
            // A state restored from a snapshot holds older ids only as a filter: where it
            // cannot rule this command's out, the whole history decides.
            if !kept.commits.contains_key(&ids.commit)
                && !kept.requests.contains_key(&ids.request)
                && kept.in_doubt(ids.commit, ids.request)
            {
                kept = self.fold_whole::<D>(&stream, kept.saved).await?;
            }
            let version = kept.version;
            // A retry of a command that was already recorded: answer as the first time.
            if let Some(&first_version) = kept.commits.get(&ids.commit) {
                self.states.put(&stream, Arc::new(kept));
                return self
                    .answer_again(stream, first_version, ids.commit, answer)
                    .await;
            }
            if kept.requests.contains_key(&ids.request) {
                self.states.put(&stream, Arc::new(kept));
                return Err(ExecuteError::IdempotencyKeyReused { stream });
            }
            let consulted = Consulted {
                model: if views.contains(&View::Evaluation) {
                    Some(self.evaluation_model(&stream.partnership).await?)
                } else {
                    None
                },
            };
            let events = match D::decide(&kept.state, command.clone(), &ctx, &consulted) {
                Ok(events) => events,
                Err(refused) => {
                    self.states.put(&stream, Arc::new(kept));
                    return Err(refused);
                }
            };
            let answered = answer.map(|a| (a.build)(&events));
            if events.is_empty() {
                self.states.put(&stream, Arc::new(kept));
                return Ok(Outcome {
                    stream,
                    position: None,
                    events: Vec::new(),
                    version,
                    duplicate: false,
                    answer: answered,
                });
            }
            let names: Vec<Cow<'static, str>> =
                events.iter().map(|e| Cow::Borrowed(e.name())).collect();
            if dry_run {
                self.states.put(&stream, Arc::new(kept));
                return Ok(Outcome {
                    stream,
                    position: None,
                    version: version + names.len() as u64,
                    events: names,
                    duplicate: false,
                    answer: answered,
                });
            }
            let recorded = self
                .record(
                    principal,
                    &stream,
                    version,
                    events.clone(),
                    now,
                    ids.commit,
                    correlation,
                    Some(ids.request),
                )
                .await;
            // What was appended is folded onto the kept state; on anything else the state
            // is still the stream's at `version`, and a conflict folds the tail onto it.
            match &recorded {
                Ok(appended) if !appended.duplicate => {
                    let mut kept = kept.fold_appended(
                        ids.commit,
                        ids.request,
                        &events,
                        appended.last_version,
                        appended.position,
                        D::evolve,
                    );
                    self.save_if_due(&stream, &mut kept).await;
                    self.states.put(&stream, Arc::new(kept));
                }
                _ => self.states.put(&stream, Arc::new(kept)),
            }
            match recorded {
                Ok(appended) => {
                    tracing::debug!(attempt, position = %appended.position, "recorded");
                    return Ok(Outcome {
                        stream,
                        position: Some(appended.position),
                        events: if appended.duplicate {
                            Vec::new()
                        } else {
                            names
                        },
                        version: appended.last_version,
                        duplicate: appended.duplicate,
                        answer: answered,
                    });
                }
                Err(AppendError::Conflict { actual, .. }) => {
                    tracing::debug!(
                        attempt,
                        expected = version,
                        actual,
                        "conflict; deciding again"
                    );
                }
                Err(AppendError::Unavailable { reason }) => {
                    return Err(ExecuteError::Unavailable(Unavailable::storage(reason)));
                }
                Err(AppendError::Invalid(e)) => return Err(ExecuteError::Internal(e.to_string())),
            }
        }
        Err(ExecuteError::Contended {
            stream,
            attempts: self.max_attempts,
        })
    }
}
