//! Executes commands against the event log: load, decide, append with expected version.
//!
//! What a decision consults besides its own stream is what its declaration names
//! (`CommandSpec::views`): the partnership always, the catalogue for the five synergies'
//! commands, and evaluation's read model of the partnership for evaluation's — folded at
//! least up to the log's head first, in the process that keeps the models.

mod append;
mod decide;
mod error;
mod ids;
mod models;
mod reads;

use std::borrow::Cow;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use synergy_domain::contract::{Answer, DEFAULT_VIEWS, Values, View};
use synergy_domain::{BoundedContext, Principal};
use synergy_evaluation::EvaluationContext;
use synergy_eventlog::{EventLog, Position};
use synergy_proto::{Context, StreamId, Uuid};
use tracing::Instrument;

use crate::clock::Clock;
use crate::kept::KeptStates;
use crate::projection::ProjectionStore;
use crate::snapshot::Snapshots;

use decide::{Evaluation, Synergy};
pub use error::{ExecuteError, Unavailable};
pub use ids::RequestIds;
pub(crate) use ids::hashed_uuid;
pub use models::READ_YOUR_WRITES_TIMEOUT;
pub(crate) use models::{Behind, Models};

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
    /// Decisions made again because their stream had moved on, shared by the clones.
    again: Arc<std::sync::atomic::AtomicU64>,
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
            again: Arc::clone(&self.again),
            snapshots: self.snapshots.clone(),
        }
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
            again: Arc::default(),
            snapshots: None,
        }
    }

    /// Keeps the states of up to `streams` streams between commands (0: none, every
    /// command folds its streams' whole histories).
    pub fn with_kept_states(mut self, streams: usize) -> Self {
        self.states = Arc::new(KeptStates::new(streams));
        self
    }

    /// How many decisions were made again because their stream had moved on since the
    /// state they stood on: an append that conflicted, or a refusal or no-op on a kept
    /// state found behind before it was answered.
    pub fn decided_again(&self) -> u64 {
        self.again.load(std::sync::atomic::Ordering::Relaxed)
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
}
