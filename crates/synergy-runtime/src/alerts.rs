//! The alerts' driver: beside the scheduler (in `synergy up` and the evaluation service),
//! whenever a partnership's model or its day changed, evaluation judges its alerts
//! (`synergy_evaluation::alerts`) and, when something is to be recorded, runs the ordinary
//! `record-alerts` command.
//!
//! Exactly once comes from the alert stream, not from this task: the command decides on
//! the stream's history (what is open, which months were reminded) and appends with its
//! expected version, so of two replicas judging the same change only one append lands and
//! the other decides again and finds it recorded; a rebuild of the read models or a restart
//! judges against the same stream. The request's idempotency key is derived from the
//! partnership, the stream's version and the events judged, so the same judgement has the
//! same commit id in every replica (a JetStream `Nats-Msg-Id`, a sled duplicate) and a
//! retry is answered as the first time.

use synergy_domain::Principal;
use synergy_evaluation::alerts::{self, AlertState};
use synergy_evaluation::model::PartnershipModel;
use synergy_eventlog::EventLog;
use synergy_proto::{PartnershipId, Role, Timestamp, Uuid};

use crate::api::Local;
use crate::executor::{AnyCommand, ExecuteError, Outcome, Request, hashed_uuid};
use crate::schedule::SCHEDULER;

/// The idempotency key of recording `judged` (its events' JSON) on top of `version`.
pub fn alerts_key(partnership: &PartnershipId, version: u64, judged: &[u8]) -> Uuid {
    hashed_uuid(
        &[b"synergy alerts", partnership.as_str().as_bytes(), judged],
        &version.to_be_bytes(),
    )
}

/// Records the alerts `model` makes at `now`, if any are not recorded yet; `None` when the
/// alert stream holds them all (no command runs then).
pub async fn record_due<L: EventLog>(
    local: &Local<L>,
    partnership: &PartnershipId,
    model: &PartnershipModel,
    now: Timestamp,
) -> Result<Option<Outcome>, ExecuteError> {
    let Some(info) = &model.info else {
        return Ok(None);
    };
    if info.terminated_on.is_some() {
        return Ok(None);
    }
    let stream = alerts::alerts_stream(partnership);
    let loaded = local.log().load_aggregate(&stream, 1).await?;
    let state = AlertState::fold(
        loaded
            .commits
            .iter()
            .flat_map(|c| c.commit.events.iter().map(|e| &e.event)),
    );
    let judged = alerts::judge(&state, model, now.date_in(model.time_zone()));
    if judged.is_empty() {
        return Ok(None);
    }
    let body = serde_json::to_vec(&judged)
        .map_err(|e| ExecuteError::Internal(format!("the alerts judged: {e}")))?;
    let key = alerts_key(partnership, loaded.version, &body);
    let principal = Principal::new(info.manufacturer.clone(), Role::Admin, SCHEDULER);
    let command = AnyCommand::Evaluation(synergy_evaluation::Command::RecordAlerts {
        partnership: partnership.clone(),
    });
    let outcome = local
        .executor()
        .execute(Request::new(principal, command).with_key(key))
        .await?;
    tracing::info!(
        %partnership,
        judged = judged.len(),
        recorded = outcome.events.len(),
        version = outcome.version,
        "alerts"
    );
    Ok(Some(outcome))
}
