//! Evaluation's read models, the view evaluation's decisions consult.

use std::sync::Arc;
use std::time::Duration;

use synergy_evaluation::PartnershipModel;
use synergy_eventlog::{EventLog, Position, ReadError};
use synergy_proto::PartnershipId;

use super::{ExecuteError, Executor, Unavailable};
use crate::fault::{Corrupt, Lag};
use crate::projection::{self, ProjectionError, ProjectionStore};

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

impl<L: EventLog> Executor<L> {
    /// Evaluation's model of `partnership`, folded at least up to the log's head as it is
    /// now (so up to the stream just loaded, and to the caller's own writes): an empty
    /// model when nothing of it was folded.
    pub(super) async fn evaluation_model(
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
}
