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
use synergy_eventlog::{EventLog, Filter, Position, ReadError, StoredCommit, Subscription};
use synergy_proto::PartnershipId;
use tokio::sync::{mpsc, watch};

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
                // Taken out of the cache while it is folded: unless a reader still holds
                // it, the model is not copied. A reader meanwhile loads the stored one,
                // which matches the position it sees.
                let cached = self.cache().remove(p);
                let current = match cached {
                    Some(m) => Arc::try_unwrap(m).unwrap_or_else(|m| PartnershipModel::clone(&m)),
                    None => self
                        .load(p)?
                        .unwrap_or_else(|| PartnershipModel::new(p.clone())),
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
    let sub = log.subscribe(store.position(), Filter::ALL);
    let mut batches = Batches::start(sub, max_batch, None);
    loop {
        let batch = tokio::select! {
            batch = batches.next() => batch,
            _ = shutdown.wait_for(|stop| *stop) => return Ok(()),
        };
        let Some(batch) = batch else { return Ok(()) };
        store.apply(&batch.map_err(|e| stop_error(&store, e))?)?;
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
    let sub = log.subscribe(store.position(), Filter::ALL);
    let mut batches = Batches::start(sub, MAX_BATCH, Some(head));
    while let Some(batch) = batches.next().await {
        store.apply(&batch.map_err(|e| stop_error(store, e))?)?;
    }
    Ok(store.position())
}

/// Batches of commits read from a subscription on a task of their own, one batch ahead of
/// the fold: decoding the next batch overlaps folding and storing this one (on two cores a
/// rebuild then runs at about the log's raw read rate, not at the sum of both). At most
/// one finished batch waits, so memory stays bounded.
struct Batches {
    rx: mpsc::Receiver<Result<Vec<StoredCommit>, ReadError>>,
    reader: tokio::task::JoinHandle<()>,
}

impl Batches {
    /// Batches of up to `max_batch` commits and [`MAX_BATCH_EVENTS`] events. Up to `head`
    /// (a catch-up), a batch fills before it is handed over and the last one ends at the
    /// head; without one (following live appends) a batch is what is ready without
    /// waiting, so a live append is folded at once.
    fn start(mut sub: Subscription, max_batch: usize, head: Option<Position>) -> Self {
        let max_batch = max_batch.max(1);
        let (tx, rx) = mpsc::channel(1);
        let reader = tokio::spawn(async move {
            loop {
                let mut batch = Vec::new();
                let mut events = 0;
                let mut reached = false;
                let mut next = sub.next().await;
                // A subscription follows the log forever; if one ends, so does this.
                let mut finished = next.is_none();
                while let Some(item) = next {
                    let stored = match item {
                        Ok(stored) => stored,
                        Err(e) => {
                            // What came before the bad record is folded first.
                            if !batch.is_empty() {
                                let _ = tx.send(Ok(std::mem::take(&mut batch))).await;
                            }
                            let _ = tx.send(Err(e)).await;
                            return;
                        }
                    };
                    events += stored.commit.events.len();
                    reached = head.is_some_and(|h| stored.position >= h);
                    batch.push(stored);
                    if batch.len() >= max_batch || events >= MAX_BATCH_EVENTS || reached {
                        break;
                    }
                    next = match head {
                        Some(_) => sub.next().await,
                        None => match sub.next().now_or_never() {
                            Some(item) => item,
                            None => break,
                        },
                    };
                    finished = next.is_none();
                }
                if !batch.is_empty() && tx.send(Ok(batch)).await.is_err() {
                    return;
                }
                if finished || reached {
                    return;
                }
            }
        });
        Batches { rx, reader }
    }

    async fn next(&mut self) -> Option<Result<Vec<StoredCommit>, ReadError>> {
        self.rx.recv().await
    }
}

impl Drop for Batches {
    fn drop(&mut self) {
        // A reader following live appends would otherwise wait for the next commit.
        self.reader.abort();
    }
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
