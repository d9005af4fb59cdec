//! The append loop: decide on what was read, record with the version it was read at,
//! decide again on a conflict; a retry answered as the first time.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use synergy_domain::Principal;
use synergy_domain::contract::{Answer, View};
use synergy_eventlog::{AppendError, EventLog, ExpectedVersion};
use synergy_proto::{Commit, Event, RecordedEvent, StreamId, Timestamp, Uuid};

use super::decide::{Consulted, Decide};
use super::{Call, ExecuteError, Executor, Outcome, RequestIds, Unavailable};
use crate::fault::Corrupt;

/// How many commands on a stream read its tail before deciding after one found another
/// writer's appends (see [`Kept::shared`](crate::kept::Kept::shared)).
const SHARED_FOR: u8 = 16;

impl<L: EventLog> Executor<L> {
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
    pub(super) async fn run<D: Decide>(
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
        // The first attempt decides on the stream's kept state as it is, without asking
        // the log whether anything followed it: an append names the version it decided on,
        // so a state that fell behind ends in a conflict, and the next attempt reads the
        // tail. What writes nothing (a refusal, a no-op, a dry run) has no conflict to
        // catch it, so it is answered only once the log confirms the state. A stream
        // another writer was found appending to is read first for a while
        // ([`SHARED_FOR`]): a conflict costs more than the read it saves (on JetStream
        // the log looks for the commit id in the stream before it reports one).
        for attempt in 1..=self.max_attempts {
            let now = self.clock.now();
            // The stream's kept state (caught up unless this is the first attempt), read
            // while the decision's context is (each view a round trip over JetStream: a
            // decision never stands on a view older than the log's head). Quarantined
            // records are passed over (the log reports them); the version is what an
            // append must expect after what was read. The context is polled first, so a
            // command on the partnership's own stream reads its kept state before it is
            // taken out.
            let (ctx, (mut kept, mut unconfirmed)) = futures::try_join!(
                self.decision_context(principal, &stream, now, views),
                async {
                    match self.states.take::<D::State>(&stream) {
                        Some(kept) if attempt == 1 && kept.shared == 0 => Ok((kept, true)),
                        kept => {
                            let before = kept.as_ref().map(|k| (k.version, k.shared));
                            let mut caught_up = self.caught_up::<D>(&stream, kept).await?;
                            if let Some((version, shared)) = before {
                                caught_up.shared = if caught_up.version > version {
                                    SHARED_FOR
                                } else {
                                    shared.saturating_sub(1)
                                };
                            }
                            Ok((caught_up, false))
                        }
                    }
                }
            )?;
            // A state restored from a snapshot holds older ids only as a filter: where it
            // cannot rule this command's out, the whole history decides.
            if !kept.commits.contains_key(&ids.commit)
                && !kept.requests.contains_key(&ids.request)
                && kept.in_doubt(ids.commit, ids.request)
            {
                kept = self.fold_whole::<D>(&stream, kept.saved).await?;
                unconfirmed = false;
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
            let decided = D::decide(&kept.state, command.clone(), &ctx, &consulted);
            // A decision that records nothing stands only on a confirmed state; on one that
            // fell behind it is made again.
            let records = matches!(&decided, Ok(events) if !events.is_empty()) && !dry_run;
            if unconfirmed && !records {
                let (caught_up, moved) = self.confirmed::<D>(&stream, kept).await?;
                kept = caught_up;
                if moved {
                    kept.shared = SHARED_FOR;
                    self.again.fetch_add(1, Ordering::Relaxed);
                    self.states.put(&stream, Arc::new(kept));
                    continue;
                }
            }
            let events = match decided {
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
                // Recorded before (by another process, unknown to the state decided on):
                // answered as the first time, as a state that knew it would answer.
                Ok(appended) if appended.duplicate => {
                    return self
                        .answer_again(stream, appended.first_version, ids.commit, answer)
                        .await;
                }
                Ok(appended) => {
                    tracing::debug!(attempt, position = %appended.position, "recorded");
                    return Ok(Outcome {
                        stream,
                        position: Some(appended.position),
                        events: names,
                        version: appended.last_version,
                        duplicate: false,
                        answer: answered,
                    });
                }
                Err(AppendError::Conflict { actual, .. }) => {
                    self.again.fetch_add(1, Ordering::Relaxed);
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
