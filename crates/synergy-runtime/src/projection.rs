//! Evaluation's read models in sled, fed by a subscription to the event log.
//!
//! One postcard blob per partnership (`models` tree) and the consumer's position (`meta`
//! tree) are written in the same sled transaction, so after a crash the models and the
//! position always agree: the consumer resumes after the last commit it folded, neither
//! losing nor double-counting one. Commits are folded in batches — every commit ready on
//! the subscription, up to [`MAX_BATCH`] — and each batch is one transaction.
//!
//! Read models are derivable from the log, so a batch is not fsynced: a crash may lose the
//! last batches, which the consumer then folds again from the log.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures::{FutureExt, StreamExt};
use sled::Transactional;
use synergy_evaluation::model::PartnershipModel;
use synergy_eventlog::{EventLog, Filter, Position, ReadError, StoredCommit};
use synergy_proto::PartnershipId;
use tokio::sync::watch;

/// Commits folded per transaction at most.
pub const MAX_BATCH: usize = 4096;
/// Events held per batch at most: commits can carry up to thousands of events each, and a
/// rebuild should not hold a million decoded events at once.
pub const MAX_BATCH_EVENTS: usize = 65_536;

const POSITION_KEY: &[u8] = b"position";
/// Bumped when `PartnershipModel`'s layout changes: a store of another layout is rebuilt
/// from position 0 instead of being misread.
const MODEL_LAYOUT: u32 = 1;
const LAYOUT_KEY: &[u8] = b"layout";

#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    #[error("read-model store: {0}")]
    Store(#[from] sled::Error),
    #[error("read model of {partnership} is unreadable ({source}); run `synergy replay`")]
    Model {
        partnership: PartnershipId,
        #[source]
        source: postcard::Error,
    },
    /// The log holds a record that cannot be decoded. The consumer stops there rather than
    /// skip it: reports would silently miss data.
    #[error("projection stopped at {position}: {source}")]
    Log {
        position: Position,
        #[source]
        source: ReadError,
    },
    #[error("event log: {0}")]
    Unavailable(ReadError),
}

/// Evaluation's read models and consumer position.
#[derive(Debug)]
pub struct ProjectionStore {
    db: sled::Db,
    models: sled::Tree,
    meta: sled::Tree,
    cache: Mutex<HashMap<PartnershipId, Arc<PartnershipModel>>>,
    position: watch::Sender<Position>,
    /// Serialises `apply`, so a background consumer and an on-demand catch-up can share a
    /// store: each commit is folded once, by whichever gets it first.
    writer: Mutex<()>,
}

impl ProjectionStore {
    pub fn open(path: impl AsRef<Path>) -> Result<Self, ProjectionError> {
        Self::from_db(sled::open(path)?)
    }

    /// Opens with a sled configuration of the caller's (flush interval, cache size).
    pub fn open_with(config: sled::Config) -> Result<Self, ProjectionError> {
        Self::from_db(config.open()?)
    }

    /// A store in memory only (tests, `demo`).
    pub fn temporary() -> Result<Self, ProjectionError> {
        Self::from_db(sled::Config::new().temporary(true).open()?)
    }

    fn from_db(db: sled::Db) -> Result<Self, ProjectionError> {
        let models = db.open_tree("evaluation/models")?;
        let meta = db.open_tree("evaluation/meta")?;
        let layout = meta
            .get(LAYOUT_KEY)?
            .and_then(|v| <[u8; 4]>::try_from(v.as_ref()).ok())
            .map(u32::from_be_bytes);
        if layout != Some(MODEL_LAYOUT) {
            // Another layout (or a fresh store): start over from the log.
            models.clear()?;
            meta.clear()?;
            meta.insert(LAYOUT_KEY, &MODEL_LAYOUT.to_be_bytes())?;
        }
        let position = meta
            .get(POSITION_KEY)?
            .and_then(|v| <[u8; 8]>::try_from(v.as_ref()).ok())
            .map_or(Position::START, |b| Position(u64::from_be_bytes(b)));
        Ok(Self {
            db,
            models,
            meta,
            cache: Mutex::new(HashMap::new()),
            position: watch::channel(position).0,
            writer: Mutex::new(()),
        })
    }

    /// The position of the last commit folded.
    pub fn position(&self) -> Position {
        *self.position.borrow()
    }

    /// Forgets every model and the position, for a rebuild from 0.
    pub fn reset(&self) -> Result<(), ProjectionError> {
        let mut cache = self.cache();
        self.models.clear()?;
        self.meta.remove(POSITION_KEY)?;
        cache.clear();
        self.position.send_replace(Position::START);
        Ok(())
    }

    fn cache(&self) -> MutexGuard<'_, HashMap<PartnershipId, Arc<PartnershipModel>>> {
        // A panic while holding the lock cannot leave a half-written model behind (models
        // are replaced whole), so a poisoned lock is still consistent.
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn load(
        &self,
        partnership: &PartnershipId,
    ) -> Result<Option<PartnershipModel>, ProjectionError> {
        match self.models.get(partnership.as_str())? {
            None => Ok(None),
            Some(bytes) => {
                postcard::from_bytes(&bytes)
                    .map(Some)
                    .map_err(|source| ProjectionError::Model {
                        partnership: partnership.clone(),
                        source,
                    })
            }
        }
    }

    /// The read model of a partnership as of [`position`](Self::position), if anything
    /// about it was ever recorded.
    pub fn model(
        &self,
        partnership: &PartnershipId,
    ) -> Result<Option<Arc<PartnershipModel>>, ProjectionError> {
        if let Some(m) = self.cache().get(partnership) {
            return Ok(Some(Arc::clone(m)));
        }
        let Some(model) = self.load(partnership)? else {
            return Ok(None);
        };
        let model = Arc::new(model);
        self.cache()
            .entry(partnership.clone())
            .or_insert_with(|| Arc::clone(&model));
        Ok(Some(model))
    }

    /// Every partnership with a read model.
    pub fn partnerships(&self) -> Result<Vec<PartnershipId>, ProjectionError> {
        let mut out = Vec::new();
        for key in self.models.iter().keys() {
            let key = key?;
            if let Some(p) = std::str::from_utf8(&key)
                .ok()
                .and_then(|s| PartnershipId::new(s).ok())
            {
                out.push(p);
            }
        }
        Ok(out)
    }

    /// Folds `batch` (commits in log order) and stores the touched models with the new
    /// position in one transaction. Commits at or before [`position`](Self::position) were
    /// folded already and are passed over.
    pub fn apply(&self, batch: &[StoredCommit]) -> Result<(), ProjectionError> {
        let _writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let done = self.position();
        let start = batch.partition_point(|c| c.position <= done);
        let batch = &batch[start..];
        let Some(last) = batch.last() else {
            return Ok(());
        };
        let mut touched: BTreeMap<PartnershipId, PartnershipModel> = BTreeMap::new();
        for stored in batch {
            let p = &stored.commit.stream.partnership;
            if !touched.contains_key(p) {
                let current = match self.model(p)? {
                    Some(m) => PartnershipModel::clone(&m),
                    None => PartnershipModel::new(p.clone()),
                };
                touched.insert(p.clone(), current);
            }
            if let Some(model) = touched.get_mut(p) {
                model.apply(&stored.commit);
            }
        }
        let encoded: Vec<(PartnershipId, Vec<u8>)> = touched
            .iter()
            .map(|(p, m)| postcard::to_allocvec(m).map(|b| (p.clone(), b)))
            .collect::<Result<_, _>>()
            .map_err(|source| ProjectionError::Model {
                partnership: last.commit.stream.partnership.clone(),
                source,
            })?;
        let position = last.position;
        (&self.models, &self.meta)
            .transaction(|(models, meta)| {
                for (p, bytes) in &encoded {
                    models.insert(p.as_str(), bytes.as_slice())?;
                }
                meta.insert(POSITION_KEY, &position.get().to_be_bytes())?;
                Ok::<_, sled::transaction::ConflictableTransactionError<()>>(())
            })
            .map_err(|e| match e {
                sled::transaction::TransactionError::Storage(e) => ProjectionError::Store(e),
                sled::transaction::TransactionError::Abort(()) => {
                    ProjectionError::Store(sled::Error::Unsupported("transaction aborted".into()))
                }
            })?;
        let mut cache = self.cache();
        for (p, m) in touched {
            cache.insert(p, Arc::new(m));
        }
        drop(cache);
        self.position.send_replace(position);
        Ok(())
    }

    /// Makes the stored models durable now (sled flush).
    pub fn flush(&self) -> Result<(), ProjectionError> {
        self.db.flush()?;
        Ok(())
    }

    /// Waits until the models reflect `position` (read-your-writes); `false` on timeout.
    pub async fn wait_for(&self, position: Position, timeout: Duration) -> bool {
        let mut rx = self.position.subscribe();
        tokio::time::timeout(timeout, rx.wait_for(|p| *p >= position))
            .await
            .is_ok_and(|r| r.is_ok())
    }
}

/// Follows the log from the store's position and folds every commit, batch by batch,
/// until `shutdown` turns true. Stops with an error at an undecodable record.
pub async fn run<L: EventLog>(
    log: Arc<L>,
    store: Arc<ProjectionStore>,
    shutdown: watch::Receiver<bool>,
) -> Result<(), ProjectionError> {
    run_with(log, store, shutdown, MAX_BATCH).await
}

/// [`run`] with at most `max_batch` commits per transaction (tests use small batches to
/// kill the consumer between them).
pub async fn run_with<L: EventLog>(
    log: Arc<L>,
    store: Arc<ProjectionStore>,
    mut shutdown: watch::Receiver<bool>,
    max_batch: usize,
) -> Result<(), ProjectionError> {
    let max_batch = max_batch.max(1);
    let mut sub = log.subscribe(store.position(), Filter::ALL);
    let mut batch = Vec::new();
    loop {
        let first = tokio::select! {
            item = sub.next() => item,
            _ = shutdown.wait_for(|stop| *stop) => return Ok(()),
        };
        let Some(first) = first else { return Ok(()) };
        let mut next = Some(first);
        let mut events = 0;
        // Take what is ready without waiting, so a catch-up folds big batches and a live
        // append is folded at once.
        while let Some(item) = next {
            let stored = item.map_err(|e| stop_error(&store, e))?;
            events += stored.commit.events.len();
            batch.push(stored);
            if batch.len() >= max_batch || events >= MAX_BATCH_EVENTS {
                break;
            }
            next = sub.next().now_or_never().flatten();
        }
        store.apply(&batch)?;
        batch.clear();
    }
}

/// Folds everything up to the log's current head, then returns (embedded read-your-writes,
/// `synergy replay`, `demo`).
pub async fn catch_up<L: EventLog>(
    log: &L,
    store: &ProjectionStore,
) -> Result<Position, ProjectionError> {
    let head = log.head().await.map_err(ProjectionError::Unavailable)?;
    if store.position() >= head {
        return Ok(store.position());
    }
    let mut sub = log.subscribe(store.position(), Filter::ALL);
    let mut batch = Vec::new();
    let mut events = 0;
    while store.position() < head {
        let Some(item) = sub.next().await else { break };
        let stored = item.map_err(|e| stop_error(store, e))?;
        let reached = stored.position >= head;
        events += stored.commit.events.len();
        batch.push(stored);
        if batch.len() >= MAX_BATCH || events >= MAX_BATCH_EVENTS || reached {
            store.apply(&batch)?;
            batch.clear();
            events = 0;
        }
    }
    store.apply(&batch)?;
    Ok(store.position())
}

fn stop_error(store: &ProjectionStore, e: ReadError) -> ProjectionError {
    match e {
        ReadError::Corrupt { position, .. } => ProjectionError::Log {
            position,
            source: e,
        },
        other => ProjectionError::Log {
            position: store.position(),
            source: other,
        },
    }
}
