//! The scheduler: evaluation issues and restates each partnership's reports by itself
//! (`synergy_evaluation::schedule` decides what is due; this task only asks it and runs
//! the `issue-report` command it names), and records its alerts on the same pass
//! (`crate::alerts`).
//!
//! Exactly once comes from the event log, not from this task: each issuance is a request
//! whose idempotency key is derived from (partnership, kind, period, version), so its
//! commit id is the same in every process and after every restart (a JetStream
//! `Nats-Msg-Id`, a sled duplicate), and the command appends with the issued stream's
//! expected version, so of two schedulers (two replicas, or one killed and restarted)
//! deciding on the same version only one append lands; the other decides again on the
//! stream, finds the figures issued and records nothing.

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use synergy_domain::Principal;
use synergy_evaluation::model::PartnershipModel;
use synergy_evaluation::schedule;
use synergy_eventlog::{EventLog, Position};
use synergy_proto::events::evaluation::ReportKind;
use synergy_proto::{Date, PartnershipId, Period, Role, Timestamp, Uuid};
use tokio::sync::watch;

use crate::api::Local;
use crate::executor::{AnyCommand, ExecuteError, Outcome, Request, hashed_uuid};
use crate::fault::Corrupt;

pub use synergy_evaluation::schedule::SCHEDULER;

/// How often the scheduler looks; it decides again only when the read models moved or
/// another minute began.
pub const TICK: Duration = Duration::from_millis(500);

/// The idempotency key of issuing `version` of a report: the same in every process.
pub fn issuance_key(
    partnership: &PartnershipId,
    kind: ReportKind,
    period: Period,
    version: u32,
) -> Uuid {
    hashed_uuid(
        &[
            b"synergy issuance",
            partnership.as_str().as_bytes(),
            kind.as_str().as_bytes(),
            period.to_string().as_bytes(),
        ],
        &version.to_be_bytes(),
    )
}

/// Issues everything due now for every partnership the read models know; answers the
/// outcomes of the commands it ran (an outcome without events: another issuer was first).
/// Decides on every partnership: [`Scheduler::tick`] passes over those with nothing new.
pub async fn tick<L: EventLog>(local: &Local<L>) -> Result<Vec<Outcome>, ExecuteError> {
    Scheduler::default().tick(local).await.map(|t| t.outcomes)
}

/// What one tick did.
#[derive(Debug, Default)]
pub struct Tick {
    /// The `issue-report` commands it ran.
    pub outcomes: Vec<Outcome>,
    /// The `record-alerts` commands it ran (`crate::alerts`).
    pub alerts: Vec<Outcome>,
    /// The partnerships it decided on.
    pub decided: usize,
    /// The partnerships it passed over: model and day unchanged since it last decided.
    pub passed_over: usize,
}

/// The scheduler's memory between ticks. What is due is a function of a partnership's
/// model and of the day in its time zone only (`synergy_evaluation::schedule::due`), and
/// deciding builds every issuable report of every period since signing — hundreds for a
/// partnership ten years old — so a partnership whose model and day are as they were when
/// it was last decided on (and all it was due issued) is passed over.
///
/// The model is remembered weakly: a fold still takes it without copying it (only strong
/// references count there), and while the weak reference lives its allocation cannot be
/// reused by another model, so the same pointer means the same model. The projection store
/// replaces a partnership's `Arc` whenever it folds anything into it.
#[derive(Debug, Default)]
pub struct Scheduler {
    decided: HashMap<PartnershipId, (Weak<PartnershipModel>, Date)>,
}

impl Scheduler {
    /// Issues everything due now for every partnership with something new since it was
    /// last decided on.
    pub async fn tick<L: EventLog>(&mut self, local: &Local<L>) -> Result<Tick, ExecuteError> {
        local.sync_to_head().await?;
        let now = local.executor().clock().now();
        let store = local.views();
        let partnerships = store
            .partnerships()
            .map_err(|e| ExecuteError::Corrupt(Corrupt::read_models(e)))?;
        let mut tick = Tick::default();
        for partnership in partnerships {
            let Some(model) = store
                .model(&partnership)
                .map_err(|e| ExecuteError::Corrupt(Corrupt::read_models(e)))?
            else {
                continue;
            };
            let today = now.date_in(model.time_zone());
            if let Some((seen, day)) = self.decided.get(&partnership)
                && *day == today
                && Weak::ptr_eq(seen, &Arc::downgrade(&model))
            {
                tick.passed_over += 1;
                continue;
            }
            tick.outcomes
                .extend(issue_due(local, &partnership, &model, now).await?);
            tick.alerts
                .extend(crate::alerts::record_due(local, &partnership, &model, now).await?);
            tick.decided += 1;
            self.decided
                .insert(partnership, (Arc::downgrade(&model), today));
        }
        Ok(tick)
    }
}

/// Runs the `issue-report` command for every report of `partnership` due at `now`.
async fn issue_due<L: EventLog>(
    local: &Local<L>,
    partnership: &PartnershipId,
    model: &PartnershipModel,
    now: Timestamp,
) -> Result<Vec<Outcome>, ExecuteError> {
    let Some(info) = &model.info else {
        return Ok(Vec::new());
    };
    let principal = Principal::new(info.manufacturer.clone(), Role::Admin, SCHEDULER);
    let mut outcomes = Vec::new();
    for due in schedule::due(model, &model.issuing, now) {
        let key = issuance_key(partnership, due.kind, due.period, due.version);
        let command = AnyCommand::Evaluation(synergy_evaluation::Command::IssueReport {
            partnership: partnership.clone(),
            kind: due.kind,
            period: due.period,
            as_of: None,
        });
        let outcome = local
            .executor()
            .execute(Request::new(principal.clone(), command).with_key(key))
            .await?;
        tracing::info!(
            %partnership,
            kind = due.kind.as_str(),
            period = %due.period,
            version = outcome.version,
            recorded = !outcome.events.is_empty(),
            missing = due.missing.len(),
            "scheduled issue"
        );
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// Runs the scheduler until `stop`: a tick whenever the read models moved or a new minute
/// of the clock began. A failed tick is logged and tried again at the next.
pub async fn run<L: EventLog>(local: Local<L>, mut stop: watch::Receiver<bool>) {
    let mut scheduler = Scheduler::default();
    let mut seen: Option<(Position, i64)> = None;
    loop {
        let now = (
            local.views().position(),
            local.executor().clock().now().millis() / 60_000,
        );
        if seen != Some(now) {
            match scheduler.tick(&local).await {
                Ok(_) => seen = Some(now),
                Err(e) => tracing::warn!(error = %e, "the scheduler could not issue; trying again"),
            }
        }
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            () = tokio::time::sleep(TICK) => {}
        }
    }
}
