//! Evaluation's read models in sled, fed by a subscription to the event log.
//!
//! Each partnership's model is stored by entry (`models` tree): one per month's market
//! data, SKU, plan, campaign, action item, issued report … and one for the small scalar
//! parts together (`synergy_evaluation::model::entries`), each cut into pieces of at most
//! `MODEL_CHUNK` bytes. The fold records which entries a commit changed, and a store
//! writes only those (and deletes the entries removed), so storing after a live commit
//! costs what the commit changed, whatever the model's size. The entries and the
//! consumer's position are written in one atomic sled batch (the layout: [`store`]), so
//! after a crash the models and the position always agree: the consumer resumes after the
//! last commit it stored, neither losing nor double-counting one. Commits are folded in
//! batches — every commit ready on the subscription, up to [`MAX_BATCH`] — and stored in
//! one write per batch while following the log. Catching up on a backlog (a
//! rebuild, a consumer that was down), folded models are stored once per
//! [`STORE_EVERY_EVENTS`] events, whenever [`STORE_EVERY_MODELS`] models wait (or as many
//! as the cache holds, if fewer), and at the end. Until they are stored, readers see the models and position of the last store,
//! which agree.
//!
//! Models read are kept in a cache of at most [`DEFAULT_MODEL_CACHE`] partnerships (or
//! what [`ProjectionStore::set_model_cache`] says), the least recently used dropped
//! first; a model not in it is read from its entries again. Models folded and not yet
//! stored are not in the cache but beside it, so dropping one from the cache never loses
//! a fold: the evaluation holds at most the cache's models and [`STORE_EVERY_MODELS`]
//! waiting to be stored.
//!
//! Read models are derivable from the log, so a batch is not fsynced: a crash may lose the
//! last batches, which the consumer then folds again from the log. After a storage failure
//! (a full disk: sled 0.34 then refuses every write until the database is opened again)
//! the store opens its database again ([`ProjectionStore::reopen`]) and [`run`] resumes
//! from the position stored there, so reports follow the log again once the fault clears.
//!
//! A record of the log that is not a commit (it does not decode, or sits on another
//! subject than the stream it names) is quarantined: the fold passes over it, and it is
//! kept (position, subject, reason) in the same batch as the position that passed it, for
//! `/metrics` and the operator. It never stops the fold.

mod batches;
mod store;

use std::collections::{BTreeMap, BTreeSet};
use std::num::NonZeroUsize;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use synergy_evaluation::model::PartnershipModel;
use synergy_eventlog::sled_log::open_sled;
use synergy_eventlog::sled_sync::{self, SledFiles};
use synergy_eventlog::{
    EventLog, Filter, Position, Quarantined, ReadError, StoredCommit, Subscription,
};
use synergy_proto::PartnershipId;
use tokio::sync::watch;

use batches::Batches;
use store::{Encoded, Reading, Trees, model_prefix, split_entry_key, split_first_chunk};

/// Commits folded per store at most.
pub const MAX_BATCH: usize = 4096;
/// Events held per batch at most: commits can carry up to thousands of events each, and a
/// rebuild should not hold a million decoded events at once.
pub const MAX_BATCH_EVENTS: usize = 16_384;
/// Events a catch-up folds between two stores at most: what a crash during a long
/// rebuild makes it fold again, bounded.
pub const STORE_EVERY_EVENTS: usize = 4_000_000;

/// Models a catch-up holds waiting to be stored at most (fewer if the cache is smaller).
/// Storing by entry writes only what changed since the last store, so storing more often
/// costs little more in all, and a rebuild holds less: of 300 models of 10 years × 50 SKUs
/// it held all 300 for one store of 166 MB and ended at 1,033 MiB RSS, against 571 MiB
/// storing 64 at a time (`synergy-bench scale`).
pub const STORE_EVERY_MODELS: usize = 64;

/// Partnerships whose models the cache holds unless told otherwise: a model of 10 years
/// × 200 SKUs of market data takes about 2.8 MiB resident (`docs/capacity.md`), so some
/// 1.4 GiB at most.
pub const DEFAULT_MODEL_CACHE: NonZeroUsize = NonZeroUsize::new(512).expect("not zero");

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
    /// The log could not be read on from `position`.
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
    /// The database's trees; replaced by [`ProjectionStore::reopen`] (`None` meanwhile,
    /// and after a reopen that failed).
    trees: RwLock<Option<Trees>>,
    /// How to open the database again: its configuration, `None` for a temporary store.
    config: Option<sled::Config>,
    cache: Mutex<lru::LruCache<PartnershipId, Arc<PartnershipModel>>>,
    /// Held to read a model's entries (shared) and to store or clear them (exclusive):
    /// a sled scan is not isolated from a batch being applied, so a scan beside a store could mix two
    /// versions of a model. Only this process opens the database, so the lock covers
    /// every writer.
    entries: RwLock<()>,
    /// Stores made, counted under `entries`: a model read from its entries goes into the
    /// cache only if no store came after the read, which the cache could have dropped
    /// the newer model of already.
    stores: std::sync::atomic::AtomicU64,
    position: watch::Sender<Position>,
    /// The position of the last store made durable by [`ProjectionStore::flush`]: what a
    /// partition's durable consumer may be acknowledged up to.
    durable: watch::Sender<Position>,
    /// Models folded and not yet stored. Its lock serialises folding and storing, so a
    /// background consumer and an on-demand catch-up can share a store: each commit is
    /// folded once, by whichever gets it first.
    writer: Mutex<Unstored>,
}

/// What has been folded past the stored position.
#[derive(Debug, Default)]
struct Unstored {
    /// Models changed since the last store, taken out of the cache (readers meanwhile load
    /// the stored ones, which match the position they see).
    models: BTreeMap<PartnershipId, PartnershipModel>,
    /// Those of `models` that had nothing stored when they were taken: a store need not
    /// read what it replaces.
    fresh: BTreeSet<PartnershipId>,
    /// The last commit folded, if past the stored position.
    position: Option<Position>,
    /// Events folded since the last store.
    events: usize,
    /// Records passed over since the last store.
    quarantined: Vec<Quarantined>,
}

/// When [`ProjectionStore::fold`] stores what it folded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    /// Now, with everything folded before.
    Now,
    /// Once [`STORE_EVERY_EVENTS`] events wait to be stored; otherwise later
    /// ([`ProjectionStore::store`]).
    Deferred,
}

impl ProjectionStore {
    pub fn open(path: impl AsRef<Path>) -> Result<Self, ProjectionError> {
        Self::open_with(sled::Config::new().path(path.as_ref()))
    }

    /// Opens with a sled configuration of the caller's (flush interval, cache size). Waits
    /// a moment for the file lock of a store just closed (`sled_log::open_sled`).
    pub fn open_with(config: sled::Config) -> Result<Self, ProjectionError> {
        let db = open_sled(&config)?;
        // A temporary store is not opened again: a new one would be empty.
        let config = (!config.temporary).then_some(config);
        Self::from_db(db, config)
    }

    /// A store in memory only (tests, `demo`).
    pub fn temporary() -> Result<Self, ProjectionError> {
        Self::from_db(sled::Config::new().temporary(true).open()?, None)
    }

    fn from_db(db: sled::Db, config: Option<sled::Config>) -> Result<Self, ProjectionError> {
        let (trees, position) = Trees::open(db)?;
        Ok(Self {
            trees: RwLock::new(Some(trees)),
            config,
            cache: Mutex::new(lru::LruCache::new(DEFAULT_MODEL_CACHE)),
            entries: RwLock::new(()),
            stores: std::sync::atomic::AtomicU64::new(0),
            position: watch::channel(position).0,
            durable: watch::channel(position).0,
            writer: Mutex::new(Unstored::default()),
        })
    }

    /// The position of the last commit folded and stored: what the models readers get
    /// reflect.
    pub fn position(&self) -> Position {
        *self.position.borrow()
    }

    fn trees(&self) -> Result<Trees, ProjectionError> {
        self.trees
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| {
                ProjectionError::Store(sled::Error::Unsupported(
                    "the read-model store is being opened again after a storage failure".into(),
                ))
            })
    }

    /// Opens the store's database again after a storage failure, forgetting what was
    /// folded and not stored; the position goes back to the one stored, from which the
    /// consumer folds again. Refused for a temporary store, which cannot be opened again.
    pub fn reopen(&self) -> Result<(), ProjectionError> {
        let Some(config) = &self.config else {
            return Err(ProjectionError::Store(sled::Error::Unsupported(
                "a temporary read-model store cannot be opened again".into(),
            )));
        };
        let mut unstored = self.writer();
        *unstored = Unstored::default();
        let mut trees = self.trees.write().unwrap_or_else(|p| p.into_inner());
        // sled lets a database be opened again only once every handle on it is gone; the
        // lock keeps new readers out meanwhile, and readers hold a handle only briefly.
        *trees = None;
        let (reopened, position) = Trees::open(open_sled(config)?)?;
        *trees = Some(reopened);
        drop(trees);
        self.cache().clear();
        self.position.send_replace(position);
        tracing::info!(%position, "reopened the read-model store after a storage failure");
        Ok(())
    }

    /// How many partnerships' models the cache holds at most; the least recently used go
    /// first.
    pub fn set_model_cache(&self, partnerships: NonZeroUsize) {
        self.cache().resize(partnerships);
    }

    /// How many partnerships' models the cache holds at most.
    pub fn model_cache(&self) -> NonZeroUsize {
        self.cache().cap()
    }

    /// How many partnerships' models the cache holds now.
    pub fn cached_models(&self) -> usize {
        self.cache().len()
    }

    /// Forgets every model and the position, for a rebuild from 0.
    pub fn reset(&self) -> Result<(), ProjectionError> {
        let mut unstored = self.writer();
        *unstored = Unstored::default();
        let mut cache = self.cache();
        let trees = self.trees()?;
        let entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        trees.models.clear()?;
        self.stores
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        drop(entries);
        cache.clear();
        self.position.send_replace(Position::START);
        self.durable.send_replace(Position::START);
        Ok(())
    }

    fn writer(&self) -> MutexGuard<'_, Unstored> {
        // A panic while folding may leave models half-folded: they are dropped, and the
        // next fold starts again from what is stored.
        self.writer.lock().unwrap_or_else(|p| {
            let mut unstored = p.into_inner();
            *unstored = Unstored::default();
            unstored
        })
    }

    fn cache(&self) -> MutexGuard<'_, lru::LruCache<PartnershipId, Arc<PartnershipModel>>> {
        // A panic while holding the lock cannot leave a half-written model behind (models
        // are replaced whole), so a poisoned lock is still consistent.
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn load(
        &self,
        partnership: &PartnershipId,
    ) -> Result<Option<PartnershipModel>, ProjectionError> {
        self.load_counted(partnership).map(|(model, _)| model)
    }

    /// The stored model of `partnership`, and how many stores had been made when it was
    /// read.
    fn load_counted(
        &self,
        partnership: &PartnershipId,
    ) -> Result<(Option<PartnershipModel>, u64), ProjectionError> {
        let unreadable = |source| ProjectionError::Model {
            partnership: partnership.clone(),
            source,
        };
        let models = self.trees()?.models;
        let prefix = model_prefix(partnership);
        let mut entries: Vec<(u8, Vec<u8>, Vec<u8>)> = Vec::new();
        let mut current: Option<Reading> = None;
        let reading = self.entries.read().unwrap_or_else(|p| p.into_inner());
        for stored in models.scan_prefix(&prefix) {
            let (key, piece) = stored?;
            let (part, entry, index) = split_entry_key(&key[prefix.len()..])
                .ok_or(postcard::Error::DeserializeBadEncoding)
                .map_err(unreadable)?;
            // The pieces of an entry are adjacent and in order (`entry_key_prefix`).
            match &mut current {
                Some(r) if r.part == part && r.key.as_slice() == entry => {
                    if r.left == 0 || index == 0 {
                        return Err(unreadable(postcard::Error::DeserializeBadEncoding));
                    }
                    r.left -= 1;
                    r.bytes.extend_from_slice(&piece);
                }
                _ => {
                    if let Some(done) = current.take() {
                        entries.push(done.finished().map_err(unreadable)?);
                    }
                    let (count, bytes) = split_first_chunk(&piece)
                        .filter(|(count, _)| index == 0 && *count > 0)
                        .ok_or(postcard::Error::DeserializeUnexpectedEnd)
                        .map_err(unreadable)?;
                    current = Some(Reading {
                        part,
                        key: entry.to_vec(),
                        left: count - 1,
                        bytes: bytes.to_vec(),
                    });
                }
            }
        }
        let stores = self.stores.load(std::sync::atomic::Ordering::Acquire);
        drop(reading);
        if let Some(done) = current.take() {
            entries.push(done.finished().map_err(unreadable)?);
        }
        if entries.is_empty() {
            return Ok((None, stores));
        }
        PartnershipModel::from_entries(
            partnership.clone(),
            entries
                .iter()
                .map(|(part, key, value)| (*part, key.as_slice(), value.as_slice())),
        )
        .map(|model| (Some(model), stores))
        .map_err(unreadable)
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
        let (Some(model), stores) = self.load_counted(partnership)? else {
            return Ok(None);
        };
        let model = Arc::new(model);
        let mut cache = self.cache();
        // A store may have put a newer model there meanwhile: that one is kept.
        if let Some(newer) = cache.get(partnership) {
            return Ok(Some(Arc::clone(newer)));
        }
        if stores == self.stores.load(std::sync::atomic::Ordering::Acquire) {
            cache.put(partnership.clone(), Arc::clone(&model));
        }
        Ok(Some(model))
    }

    /// The quarantined records the fold has passed over and stored, in log order.
    pub fn quarantined(&self) -> Result<Vec<Quarantined>, ProjectionError> {
        self.trees()?.quarantined()
    }

    /// How many quarantined records the fold has passed over and stored.
    pub fn quarantined_count(&self) -> usize {
        self.trees().map_or(0, |t| t.quarantined_count())
    }

    /// Every partnership with a read model.
    pub fn partnerships(&self) -> Result<Vec<PartnershipId>, ProjectionError> {
        let models = self.trees()?.models;
        let mut out = Vec::new();
        let mut from = Vec::new();
        // One seek per partnership, past all its entries to the next one's.
        while let Some(key) = models.range(from.as_slice()..).keys().next() {
            let key = key?;
            let id = key.split(|b| *b == 0).next().unwrap_or_default();
            if let Some(p) = std::str::from_utf8(id)
                .ok()
                .and_then(|s| PartnershipId::new(s).ok())
            {
                out.push(p);
            }
            from = id.to_vec();
            from.push(1);
        }
        Ok(out)
    }

    /// Folds `batch` (commits in log order) and stores the touched models with the new
    /// position in one atomic write. Commits at or before the last one folded are passed
    /// over.
    pub fn apply(&self, batch: &[StoredCommit]) -> Result<(), ProjectionError> {
        self.fold(batch, Store::Now)
    }

    /// Folds `batch` (commits in log order) and stores what is folded as `when` says.
    /// Commits at or before the last one folded are passed over.
    pub fn fold(&self, batch: &[StoredCommit], when: Store) -> Result<(), ProjectionError> {
        self.fold_records(batch, &[], when)
    }

    /// Folds `batch` and passes over the `quarantined` records among it (both in log
    /// order), storing what is folded as `when` says. Records at or before the last one
    /// folded are passed over.
    pub fn fold_records(
        &self,
        batch: &[StoredCommit],
        quarantined: &[Quarantined],
        when: Store,
    ) -> Result<(), ProjectionError> {
        let mut unstored = self.writer();
        let done = unstored.position.unwrap_or_else(|| self.position());
        for q in quarantined.iter().filter(|q| q.position > done) {
            q.warn_passed_over();
            unstored.quarantined.push(q.clone());
            unstored.position = unstored.position.max(Some(q.position));
        }
        let start = batch.partition_point(|c| c.position <= done);
        for stored in &batch[start..] {
            let p = &stored.commit.stream.partnership;
            let model = match unstored.models.get_mut(p) {
                Some(model) => model,
                None => {
                    let current = match self.take(p)? {
                        Some(stored) => stored,
                        None => {
                            unstored.fresh.insert(p.clone());
                            PartnershipModel::new(p.clone())
                        }
                    };
                    unstored.models.entry(p.clone()).or_insert(current)
                }
            };
            model.apply(&stored.commit);
            unstored.events += stored.commit.events.len();
            unstored.position = unstored.position.max(Some(stored.position));
        }
        // Models waiting to be stored are bounded like the cache, and by
        // STORE_EVERY_MODELS: a rebuild of thousands of partnerships stores as often as it
        // must to hold no more.
        if when == Store::Now
            || unstored.events >= STORE_EVERY_EVENTS
            || unstored.models.len() >= self.model_cache().get().min(STORE_EVERY_MODELS)
        {
            self.store_locked(&mut unstored)?;
        }
        Ok(())
    }

    /// Stores every model folded and not yet stored, with the position of the last commit
    /// folded, in one atomic write.
    pub fn store(&self) -> Result<(), ProjectionError> {
        let mut unstored = self.writer();
        self.store_locked(&mut unstored)
    }

    /// The current model of `p` to fold into, taken out of the cache (unless a reader
    /// still holds it, it is not copied); `None` if nothing of it is stored.
    fn take(&self, p: &PartnershipId) -> Result<Option<PartnershipModel>, ProjectionError> {
        let cached = self.cache().pop(p);
        match cached {
            Some(m) => Ok(Some(
                Arc::try_unwrap(m).unwrap_or_else(|m| PartnershipModel::clone(&m)),
            )),
            None => self.load(p),
        }
    }

    fn store_locked(&self, unstored: &mut Unstored) -> Result<(), ProjectionError> {
        let Some(position) = unstored.position else {
            return Ok(());
        };
        // Whatever happens next, what was folded is either stored or dropped: on an error
        // the next fold starts again from the stored position.
        let Unstored {
            models,
            fresh,
            quarantined,
            ..
        } = std::mem::take(unstored);
        let mut models = models;
        let mut encoded = Vec::with_capacity(models.len());
        for (p, m) in &mut models {
            match m
                .take_changed_entries()
                .and_then(|entries| Encoded::new(p, entries, !fresh.contains(p)))
            {
                Ok(entries) => encoded.push(entries),
                Err(source) => {
                    return Err(ProjectionError::Model {
                        partnership: p.clone(),
                        source,
                    });
                }
            }
        }
        let trees = self.trees()?;
        let storing = self.entries.write().unwrap_or_else(|p| p.into_inner());
        trees.write(&encoded, &quarantined, position)?;
        self.stores
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        drop(storing);
        drop(encoded);
        let mut cache = self.cache();
        for (p, m) in models {
            cache.put(p, Arc::new(m));
        }
        drop(cache);
        self.position.send_replace(position);
        Ok(())
    }

    /// Makes the stored models durable now: sled's flush, then `fsync` on the store's
    /// files (sled's flush alone survives no power loss: `synergy_eventlog::sled_sync`).
    /// For a clean shutdown: a store that is not flushed is folded again from the log.
    pub fn flush(&self) -> Result<(), ProjectionError> {
        // Stored before the flush began, so durable once it ends.
        let position = self.position();
        let db = self.trees()?.db;
        match &self.config {
            Some(config) => {
                let files = SledFiles::open(&config.path).map_err(sled::Error::Io)?;
                sled_sync::flush(&db, Some(&Mutex::new(files)))?;
            }
            None => db.flush().map(drop)?,
        }
        self.durable.send_replace(position);
        Ok(())
    }

    /// The position of the last store made durable ([`ProjectionStore::flush`]).
    pub fn durable(&self) -> watch::Receiver<Position> {
        self.durable.subscribe()
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
/// until `shutdown` turns true. Passes over quarantined records (kept in the store); stops only when the log cannot be read. The backlog
/// there is when it starts is caught up on first ([`catch_up`]: stored in large steps);
/// from then on every batch is stored as it is folded.
///
/// A storage failure (the store's or the log's: a full disk) does not stop it: it waits
/// [`RESUME_PAUSE`], opens the store again if the failure was the store's, and resumes
/// from the stored position, until the fault clears.
pub async fn run<L: EventLog>(
    log: Arc<L>,
    store: Arc<ProjectionStore>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), ProjectionError> {
    loop {
        let error = match follow(log.clone(), store.clone(), shutdown.clone()).await {
            Ok(()) => return Ok(()),
            Err(e) if !e.is_storage_failure() => return Err(e),
            Err(e) => e,
        };
        tracing::warn!(error = %error, "the evaluation consumer hit a storage failure; resuming in {RESUME_PAUSE:?}");
        tokio::select! {
            _ = tokio::time::sleep(RESUME_PAUSE) => {}
            _ = shutdown.wait_for(|stop| *stop) => return Ok(()),
        }
        if matches!(error, ProjectionError::Store(_))
            && let Err(e) = store.reopen()
        {
            tracing::warn!(error = %e, "cannot open the read-model store again yet");
        }
    }
}

/// How long [`run`] waits after a storage failure before it resumes.
pub const RESUME_PAUSE: Duration = Duration::from_secs(1);

impl ProjectionError {
    /// Whether this is a failure of storage (the store's or the log's) that may clear by
    /// itself, rather than data that cannot be read.
    pub fn is_storage_failure(&self) -> bool {
        match self {
            ProjectionError::Store(_) | ProjectionError::Unavailable(_) => true,
            ProjectionError::Log { source, .. } => matches!(source, ReadError::Unavailable { .. }),
            ProjectionError::Model { .. } => false,
        }
    }
}

async fn follow<L: EventLog>(
    log: Arc<L>,
    store: Arc<ProjectionStore>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), ProjectionError> {
    tokio::select! {
        caught_up = catch_up(&*log, &store) => match caught_up {
            Ok(_) => {}
            // The head could not be read (a server restarting, say): following the log
            // batch by batch needs no head, and its subscription waits for the server.
            Err(ProjectionError::Unavailable(e)) => {
                tracing::warn!(error = %e, "cannot read the log's head; following the log batch by batch");
            }
            Err(e) => return Err(e),
        },
        // What was folded and not stored is folded again from the log next time.
        _ = shutdown.wait_for(|stop| *stop) => return Ok(()),
    }
    run_with(log, store, shutdown, MAX_BATCH).await
}

/// Follows the log like [`run`], but stores every batch of at most `max_batch` commits as
/// it is folded, from the start (tests use small batches to kill the consumer between
/// them).
pub async fn run_with<L: EventLog>(
    log: Arc<L>,
    store: Arc<ProjectionStore>,
    shutdown: watch::Receiver<bool>,
    max_batch: usize,
) -> Result<(), ProjectionError> {
    let sub = log.subscribe(store.position(), Filter::ALL);
    fold_subscription(sub, &store, shutdown, max_batch).await
}

/// Folds `sub` batch by batch, storing each, until `shutdown` turns true or it ends.
async fn fold_subscription(
    sub: Subscription,
    store: &ProjectionStore,
    mut shutdown: watch::Receiver<bool>,
    max_batch: usize,
) -> Result<(), ProjectionError> {
    let mut batches = Batches::start(sub, max_batch, None);
    loop {
        let batch = tokio::select! {
            batch = batches.next() => batch,
            _ = shutdown.wait_for(|stop| *stop) => return Ok(()),
        };
        let Some(batch) = batch else { return Ok(()) };
        let batch = batch.map_err(|e| stop_error(store, e))?;
        store.fold_records(&batch.commits, &batch.quarantined, Store::Now)?;
    }
}

/// How often a partition's follower makes its stores durable, and so how far behind the
/// store its durable consumer is acknowledged: what a crash makes it fold again.
pub const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// Follows one partition of the log through its durable consumer `durable` (see
/// `synergy_eventlog::PartitionStream`) from the store's position, folding only that
/// partition's partnerships, until `shutdown` turns true. The store is made durable every
/// [`FLUSH_EVERY`] and the consumer acknowledged up to it, so a restarted replica resumes
/// from its consumer; a storage failure is ridden out as [`run`] does.
pub async fn run_partition(
    partitions: synergy_eventlog::PartitionStream,
    durable: String,
    partition: u32,
    store: Arc<ProjectionStore>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), ProjectionError> {
    let flushing = tokio::spawn(flush_every(Arc::clone(&store), shutdown.clone()));
    let ended = loop {
        let sub = partitions.follow(&durable, partition, store.position(), store.durable());
        let error = match fold_subscription(sub, &store, shutdown.clone(), MAX_BATCH).await {
            Ok(()) => break Ok(()),
            Err(e) if !e.is_storage_failure() => break Err(e),
            Err(e) => e,
        };
        tracing::warn!(error = %error, partition, "the partition's consumer hit a storage failure; resuming in {RESUME_PAUSE:?}");
        tokio::select! {
            _ = tokio::time::sleep(RESUME_PAUSE) => {}
            _ = shutdown.wait_for(|stop| *stop) => break Ok(()),
        }
        if matches!(error, ProjectionError::Store(_))
            && let Err(e) = store.reopen()
        {
            tracing::warn!(error = %e, "cannot open the read-model store again yet");
        }
    };
    flushing.abort();
    ended
}

async fn flush_every(store: Arc<ProjectionStore>, mut shutdown: watch::Receiver<bool>) {
    let durable = store.durable();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(FLUSH_EVERY) => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
        if store.position() > *durable.borrow()
            && let Err(e) = store.flush()
        {
            tracing::warn!(error = %e, "cannot make the read models durable; their consumer stays acknowledged where it was");
        }
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
        match batch {
            Ok(batch) => {
                store.fold_records(&batch.commits, &batch.quarantined, Store::Deferred)?;
            }
            Err(e) => {
                // What was folded before the bad record is stored first.
                store.store()?;
                return Err(stop_error(store, e));
            }
        }
    }
    store.store()?;
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

#[cfg(test)]
mod tests;
