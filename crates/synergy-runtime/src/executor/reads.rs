//! The reads a decision stands on: its stream's state (kept, restored from a snapshot or
//! folded whole) and the cross-context facts of its decision context.

use std::sync::Arc;

use serde::Serialize;
use synergy_domain::contract::View;
use synergy_domain::{CatalogueView, DecisionContext, PartnershipView, Principal};
use synergy_eventlog::{EventLog, Position};
use synergy_proto::{PartnershipId, StreamId, Timestamp};

use super::decide::{Decide, Synergy};
use super::{ExecuteError, Executor};
use crate::kept::Kept;

impl<L: EventLog> Executor<L> {
    /// `stream`'s state up to the log's head: `kept` (a kept state) with the events after it
    /// folded on, or else the stream's snapshot with the events after it, or else the
    /// whole stream. A snapshot is used only if the log holds its last commit where it
    /// says (a log replaced under its snapshots, or a snapshot of a stream since written
    /// otherwise, is ignored and counted).
    pub(super) async fn caught_up<D: Decide>(
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
    pub(super) async fn save_if_due<S: Serialize>(&self, stream: &StreamId, kept: &mut Kept<S>) {
        if let Some(snapshots) = &self.snapshots {
            snapshots.save_if_due(stream, kept).await;
        }
    }

    /// `stream`'s whole history folded from the log, for a command whose ids the state
    /// restored from a snapshot cannot rule out ([`Kept::in_doubt`]).
    pub(super) async fn fold_whole<D: Decide>(
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
    pub(super) async fn folded<D: Decide>(
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
    pub(super) async fn decision_context(
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
}
