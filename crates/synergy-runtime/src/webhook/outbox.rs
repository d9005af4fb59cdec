//! The persisted outbox: the deliveries still owed, kept in sled beside the position of
//! the log follower that wrote them.
//!
//! Trees: `hooks` (webhook id → partnership, owner and URL, folded from the strategy
//! events), `pending` (webhook id ‖ event id → [`Delivery`]), `dead` (the same, given up
//! after the retry schedule's last attempt) and `meta` (the position). A batch of commits
//! changes `hooks`, adds to `pending` and moves the position in one transaction, which is
//! then flushed and fsynced (`synergy_eventlog::sled_sync`) before the batch counts as
//! done: a crash either keeps the whole batch or none of it, which the follower then
//! reads again from the log. An entry already pending is never written twice, so a
//! batch read again enqueues nothing new.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use sled::Transactional;
use synergy_eventlog::sled_log::open_sled;
use synergy_eventlog::sled_sync::{self, SledFiles};
use synergy_eventlog::{EventLog, Filter, Position, ReadError, StoredCommit};
use synergy_proto::events::strategy::StrategyEvent;
use synergy_proto::{Event, OrgId, PartnershipId, Uuid};
use tokio::sync::{Notify, watch};

const POSITION_KEY: &[u8] = b"position";

/// Commits written to the outbox per transaction at most.
const MAX_BATCH: usize = 1_024;

/// A registered webhook as the deliverer keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hook {
    pub partnership: PartnershipId,
    pub org: OrgId,
    pub url: String,
}

/// One alert owed to one webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub webhook: Uuid,
    pub event: Uuid,
    /// The JSON body, exactly as every attempt sends it.
    pub body: String,
    /// When the commit carrying the alert was recorded (ms since the epoch).
    pub recorded_ms: i64,
    /// When the first attempt was made; the day of retries counts from it.
    pub first_attempt_ms: Option<i64>,
    /// Not attempted before this instant (ms since the epoch).
    pub due_ms: i64,
    pub attempts: u32,
    /// What the last attempt met: a status or a transport error, in words.
    pub last_error: Option<String>,
}

impl Delivery {
    fn key(&self) -> [u8; 32] {
        key(self.webhook, self.event)
    }
}

fn key(webhook: Uuid, event: Uuid) -> [u8; 32] {
    let mut k = [0u8; 32];
    k[..16].copy_from_slice(webhook.as_bytes());
    k[16..].copy_from_slice(event.as_bytes());
    k
}

/// Why the outbox cannot be written or read.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("webhook outbox: {0}")]
    Store(#[from] sled::Error),
    #[error("webhook outbox: a stored record does not decode: {0}")]
    Decode(#[from] serde_json::Error),
    #[error("webhook outbox: the event log cannot be read: {0}")]
    Log(#[from] ReadError),
}

impl<E: std::fmt::Debug> From<sled::transaction::TransactionError<E>> for OutboxError {
    fn from(e: sled::transaction::TransactionError<E>) -> Self {
        match e {
            sled::transaction::TransactionError::Storage(e) => OutboxError::Store(e),
            sled::transaction::TransactionError::Abort(e) => OutboxError::Store(
                sled::Error::Unsupported(format!("transaction aborted: {e:?}")),
            ),
        }
    }
}

/// The outbox and the webhooks it delivers to.
#[derive(Debug)]
pub struct Outbox {
    db: sled::Db,
    hooks_tree: sled::Tree,
    pending: sled::Tree,
    dead: sled::Tree,
    meta: sled::Tree,
    files: Option<Mutex<SledFiles>>,
    hooks: RwLock<BTreeMap<Uuid, Hook>>,
    position: watch::Sender<Position>,
    /// Woken when deliveries are enqueued.
    pub(crate) enqueued: Notify,
}

impl Outbox {
    /// Opens (or creates) the outbox in the directory `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, OutboxError> {
        let config = sled::Config::new().path(path.as_ref());
        let db = open_sled(&config)?;
        let files = SledFiles::open(path.as_ref()).map_err(sled::Error::Io)?;
        Self::from_db(db, Some(Mutex::new(files)))
    }

    /// An outbox in memory only (tests).
    pub fn temporary() -> Result<Self, OutboxError> {
        Self::from_db(sled::Config::new().temporary(true).open()?, None)
    }

    fn from_db(db: sled::Db, files: Option<Mutex<SledFiles>>) -> Result<Self, OutboxError> {
        let hooks_tree = db.open_tree("hooks")?;
        let mut hooks = BTreeMap::new();
        for entry in hooks_tree.iter() {
            let (k, v) = entry?;
            if let Ok(id) = Uuid::from_slice(&k) {
                hooks.insert(id, serde_json::from_slice(&v)?);
            }
        }
        let meta = db.open_tree("meta")?;
        let position = meta
            .get(POSITION_KEY)?
            .and_then(|v| <[u8; 8]>::try_from(v.as_ref()).ok())
            .map_or(Position::START, |b| Position(u64::from_be_bytes(b)));
        Ok(Self {
            pending: db.open_tree("pending")?,
            dead: db.open_tree("dead")?,
            hooks_tree,
            meta,
            db,
            files,
            hooks: RwLock::new(hooks),
            position: watch::channel(position).0,
            enqueued: Notify::new(),
        })
    }

    /// The position of the last commit whose deliveries are durably enqueued.
    pub fn position(&self) -> Position {
        *self.position.borrow()
    }

    /// Waits until the outbox has taken in the log up to `position`; `false` on timeout.
    pub async fn wait_for(&self, position: Position, timeout: std::time::Duration) -> bool {
        let mut rx = self.position.subscribe();
        tokio::time::timeout(timeout, rx.wait_for(|p| *p >= position))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// The webhook, if it is registered.
    pub fn hook(&self, id: Uuid) -> Option<Hook> {
        self.hooks
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
            .cloned()
    }

    /// Every delivery still owed, in key order.
    pub fn pending(&self) -> Result<Vec<Delivery>, OutboxError> {
        Self::all(&self.pending)
    }

    /// Every delivery given up on.
    pub fn dead(&self) -> Result<Vec<Delivery>, OutboxError> {
        Self::all(&self.dead)
    }

    fn all(tree: &sled::Tree) -> Result<Vec<Delivery>, OutboxError> {
        tree.iter()
            .values()
            .map(|v| Ok(serde_json::from_slice(&v?)?))
            .collect()
    }

    /// How many deliveries are owed and how many were given up on.
    pub fn counts(&self) -> (usize, usize) {
        (self.pending.len(), self.dead.len())
    }

    /// Takes in a batch of the log: registrations and removals change the webhooks, each
    /// alert becomes a delivery to each webhook of its partnership, and the position moves
    /// past the batch (`last`, which covers records passed over), all in one transaction,
    /// flushed to disk before this returns.
    pub fn take_in(&self, batch: &[StoredCommit], last: Position) -> Result<usize, OutboxError> {
        if last <= self.position() {
            return Ok(0);
        }
        let mut hooks = self.hooks.read().unwrap_or_else(|p| p.into_inner()).clone();
        let mut changed: BTreeMap<Uuid, Option<Hook>> = BTreeMap::new();
        let mut owed = Vec::new();
        for stored in batch.iter().filter(|s| s.position > self.position()) {
            let commit = &stored.commit;
            let partnership = &commit.stream.partnership;
            for recorded in &commit.events {
                match &recorded.event {
                    Event::Strategy(StrategyEvent::WebhookRegistered { webhook, org, url }) => {
                        let hook = Hook {
                            partnership: partnership.clone(),
                            org: org.clone(),
                            url: url.clone(),
                        };
                        hooks.insert(*webhook, hook.clone());
                        changed.insert(*webhook, Some(hook));
                    }
                    Event::Strategy(StrategyEvent::WebhookRemoved { webhook }) => {
                        hooks.remove(webhook);
                        changed.insert(*webhook, None);
                    }
                    _ => {
                        let Some(body) = super::payload(partnership, recorded) else {
                            continue;
                        };
                        for (id, _) in hooks.iter().filter(|(_, h)| h.partnership == *partnership) {
                            owed.push(Delivery {
                                webhook: *id,
                                event: recorded.event_id,
                                body: body.clone(),
                                recorded_ms: commit.recorded_at.millis(),
                                first_attempt_ms: None,
                                due_ms: 0,
                                attempts: 0,
                                last_error: None,
                            });
                        }
                    }
                }
            }
        }
        let mut encoded_hooks = Vec::with_capacity(changed.len());
        for (id, hook) in &changed {
            encoded_hooks.push((*id, hook.as_ref().map(serde_json::to_vec).transpose()?));
        }
        let mut encoded = Vec::with_capacity(owed.len());
        for d in &owed {
            encoded.push((d.key(), serde_json::to_vec(d)?));
        }
        // The deliverer drops a delivery whose webhook it does not know (removed since it was
        // enqueued), so the webhooks are known before their deliveries can be seen. Should
        // the transaction fail, the follower resumes from the stored position and takes
        // the same events in again, to the same webhooks.
        *self.hooks.write().unwrap_or_else(|p| p.into_inner()) = hooks;
        let added = (&self.hooks_tree, &self.pending, &self.meta).transaction(
            |(hooks_tree, pending, meta)| {
                for (id, hook) in &encoded_hooks {
                    match hook {
                        Some(bytes) => hooks_tree.insert(id.as_bytes(), bytes.as_slice())?,
                        None => hooks_tree.remove(id.as_bytes())?,
                    };
                }
                let mut added = 0;
                for (k, v) in &encoded {
                    // Already owed (a batch read again after a crash): kept as it is.
                    if pending.get(k)?.is_none() {
                        pending.insert(k, v.as_slice())?;
                        added += 1;
                    }
                }
                meta.insert(POSITION_KEY, &last.get().to_be_bytes())?;
                Ok::<_, sled::transaction::ConflictableTransactionError<()>>(added)
            },
        )?;
        self.flush()?;
        self.position.send_replace(last);
        if added > 0 {
            self.enqueued.notify_one();
        }
        Ok(added)
    }

    /// Makes what is stored durable: sled's flush, then `fsync` of its files.
    pub fn flush(&self) -> Result<(), OutboxError> {
        sled_sync::flush(&self.db, self.files.as_ref())?;
        Ok(())
    }

    /// Records an attempt that failed: the delivery is due again at `due_ms`.
    pub(crate) fn retry_later(&self, delivery: &Delivery) -> Result<(), OutboxError> {
        // Only while still owed: a removal of its webhook meanwhile stands.
        let k = delivery.key();
        if self.pending.get(k)?.is_some() {
            self.pending.insert(k, serde_json::to_vec(delivery)?)?;
        }
        Ok(())
    }

    /// A delivery done (or owed to a webhook removed since): owed no more. Not flushed by
    /// itself (the deliverer flushes once per round): a crash before then delivers it
    /// again, which a receiver de-duplicating by event id absorbs.
    pub(crate) fn done(&self, delivery: &Delivery) -> Result<(), OutboxError> {
        self.pending.remove(delivery.key())?;
        Ok(())
    }

    /// Gives up on a delivery: it moves to `dead`, where the operator sees it.
    pub(crate) fn give_up(&self, delivery: &Delivery) -> Result<(), OutboxError> {
        let k = delivery.key();
        let v = serde_json::to_vec(delivery)?;
        (&self.pending, &self.dead).transaction(|(pending, dead)| {
            pending.remove(&k)?;
            dead.insert(&k, v.as_slice())?;
            Ok::<_, sled::transaction::ConflictableTransactionError<()>>(())
        })?;
        self.flush()
    }
}

/// Follows the log from the outbox's position and takes every commit in, batch by batch,
/// until `shutdown` turns true. A record of the log that is not a commit is passed over
/// (evaluation quarantines and reports it); any other read error stops the follower.
pub async fn follow<L: EventLog>(
    log: Arc<L>,
    outbox: Arc<Outbox>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), OutboxError> {
    let mut sub = log.subscribe(outbox.position(), Filter::ALL);
    loop {
        let first = tokio::select! {
            item = sub.next() => item,
            _ = shutdown.wait_for(|stop| *stop) => return Ok(()),
        };
        let Some(mut item) = first else {
            return Ok(());
        };
        let mut batch = Vec::new();
        let mut last = outbox.position();
        loop {
            match item {
                Ok(stored) => {
                    last = last.max(stored.position);
                    batch.push(stored);
                }
                Err(e) => match e.quarantined() {
                    Some(q) => last = last.max(q.position),
                    None => {
                        outbox.take_in(&batch, last)?;
                        return Err(e.into());
                    }
                },
            }
            if batch.len() >= MAX_BATCH {
                break;
            }
            match futures::FutureExt::now_or_never(sub.next()) {
                Some(Some(next)) => item = next,
                _ => break,
            }
        }
        outbox.take_in(&batch, last)?;
    }
}

/// How long [`run`] and the deliverer wait after a failure before they resume.
pub const RESUME_PAUSE: std::time::Duration = std::time::Duration::from_secs(1);

/// [`follow`] until `shutdown`, resumed from the stored position after a failure of the
/// log or of the outbox (a NATS server restarting, a full disk), as the read models'
/// consumer is: the alerts owed are in the log, so nothing is lost while it waits.
pub async fn run<L: EventLog>(
    log: Arc<L>,
    outbox: Arc<Outbox>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        match follow(log.clone(), outbox.clone(), shutdown.clone()).await {
            Ok(()) if *shutdown.borrow() => return,
            Ok(()) => tracing::warn!("the webhook follower's subscription ended; resuming"),
            Err(e) => {
                tracing::warn!(error = %e, "the webhook follower failed; resuming in {RESUME_PAUSE:?}")
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(RESUME_PAUSE) => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
    }
}
