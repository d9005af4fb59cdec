//! The embedded event log on sled: one process, no server, durable on `Ok`.
//!
//! # Layout (version 5)
//!
//! One tree, `synergy.log`, holds everything; kinds of record are told apart by the first
//! byte of the key:
//!
//! | key                                            | value                              |
//! |------------------------------------------------|------------------------------------|
//! | position (u64 big-endian, < 2⁵⁶: first byte 0) | a log record (below)               |
//! | `s` + stream key + last version (u64 BE)       | position (u64 BE) + commit id (16 bytes) |
//! | `meta:layout`                                  | [`LAYOUT`]                         |
//! | `meta:raw`                                     | position + `s` key of the last raw record |
//!
//! A log record is either one commit (`codec::encode_commit` bytes) at the position of its
//! key, or a *commit group* (`codec::CommitGroupBuilder`): consecutive commits of one batch
//! stored together, the first at the key's position and each next one at the next
//! position. The writer closes a group once it holds [`GROUP_BYTES`], so a batch of
//! concurrent appends costs one log write per 4 KiB, plus one index entry per commit.
//!
//! The stream key is `context \0 partnership \0 aggregate \0`; ids never contain `\0`, so
//! one stream's key is never a prefix of another's. Indexing by the *last* version of each
//! commit makes "the commit holding version v" the first index entry at or after `v`, and
//! a stream's current version the key of its last index entry. Because positions stay
//! below 2⁵⁶ their keys all start with `0x00`, so the global log is one contiguous range
//! at the front of the tree, ahead of every tagged key. The record holding position `p`
//! is the last record whose key is at or before `p`. The index entry of a raw record
//! ([`SledLog::inject_raw_record`]) holds its position alone.
//!
//! Only this layout is opened. A database in layout 1, which spread the data over four
//! trees (`synergy.stream_index`, `synergy.stream_head`, `synergy.commit_ids` beside
//! `synergy.log`), or whose marker names any other layout (the unreleased layouts 2–4
//! included), is refused at open with [`OpenError::Layout`] rather than misread.
//!
//! # Idempotent retries
//!
//! A commit id seen before gets the original answer and stores nothing, as on JetStream
//! (whose `Nats-Msg-Id` de-duplicates within its duplicate window, and whose backend
//! looks a retry up in its aggregate on a conflict):
//! - The writer remembers the commits recorded within [`DUPLICATE_WINDOW`] (2 minutes)
//!   of the latest, at most [`DUPLICATE_WINDOW_COMMITS`] of them, by id, whatever their
//!   stream. Opening the log fills this window from the log's tail, so a retry after a
//!   crash or restart is answered the same way (a log with a full window reads its last
//!   262,144 commits back at open: 0.2–0.35 s measured on the 2-core machine).
//! - A retry whose expected version the aggregate no longer meets (it was stored, and the
//!   aggregate moved on) is looked up in the aggregate's index from that version on; the
//!   index entries name their commit ids, so this reads no records.
//! - Left: an `Any` retry arriving after the window, or a commit id reused on another
//!   aggregate after the window, is stored as a new commit — as on JetStream. Services
//!   look a command's commit id up in its aggregate before deciding (the executor does),
//!   so their retries never depend on the window.
//!
//! This replaced a `c` entry per commit id (layout 4), whose write was a third of what
//! each commit cost the writer.
//!
//! # Durability and group commit
//!
//! Writes are made one batch at a time, under one lock, by a writer thread. It takes all
//! appends waiting in its queue (up to [`MAX_BATCH`]) and serves them one after another,
//! deciding each against the versions and the window; once a group is full (or the batch
//! ends) it writes the group's log record, then the `s` entries of its commits, with
//! plain inserts. An append with no other append under way (a lone writer) writes its
//! commit as a batch of one itself, under the same lock, sparing the two thread wake-ups
//! of a trip through the writer thread (only on tokio's multi-threaded runtime, inside
//! `block_in_place`, so its flush does not stall other tasks); overlapping appends all go
//! through the writer thread, which batches them. Since nothing else writes the tree,
//! the state under the lock keeps stream versions in memory (a bounded cache filled from
//! the index on a miss) instead of reading them back for every commit.
//!
//! sled's recovery keeps a prefix of the inserts made before a crash, so after a crash
//! only the last log record can lack `s` entries. Opening the log decodes the last record
//! and writes the `s` entries it lacks, before anything else is written. Raw records
//! (which may not decode) are written `meta:raw`, `s` entry, record; opening drops the
//! `s` entry `meta:raw` names if the record was lost. (sled's atomic `apply_batch` and
//! transactions would make this bookkeeping unneeded but roll its log buffer twice per
//! batch, which cost several times the inserts themselves.)
//!
//! A written batch is made durable by a flush — [`sled::Tree::flush`], which writes
//! sled's log and waits for it with `sync_file_range`, then `fdatasync` on sled's data
//! file and `fsync` on any file it created and on its directory ([`crate::sled_sync`]:
//! sled's flush alone does not survive a power loss) — and only then are its waiters
//! answered. A lone writer's batch (no append under way outside it) is flushed by
//! whoever wrote it, when the flusher thread is idle: one `fdatasync` per append and no
//! hand-over between threads. Otherwise the writer thread hands the batch to a flusher
//! thread and goes on with the next; the flusher takes every batch handed to it so far
//! and flushes once for all of them. One flush therefore serves every append that was
//! waiting for it: 64 concurrent writers share one, and the next batch is written while
//! the disk syncs. If the flush fails, written commits are answered `Unavailable` (a
//! retry with the same commit id is safe). A database the log was handed open
//! ([`SledLog::open_db`]) or a temporary one gets sled's flush only.
//!
//! # Storage failures
//!
//! Once a write or flush has failed (a full disk, an I/O error), sled 0.34 refuses every
//! later write until the database is opened again, and the tree may hold part of the
//! failed batch. The writer then refuses appends (`Unavailable`, saying whether the disk
//! is full) and opens the database again by itself — at most every [`REOPEN_PAUSE`],
//! once the filesystem has [`REOPEN_FREE_BYTES`] free — which repairs it as after a crash;
//! then it goes on from what the database holds. Readers keep reading the failed
//! database until then, and find the reopened one after. A watchdog thread nudges sled
//! when a flush waits too long (sled can miss waking a flush after a failed write:
//! see `watch_flushes`) and retries the reopen when no append comes to do it.
//!
//! Positions are handed out under the writer lock, only for commits that are written, so
//! the log is gap-free (1, 2, 3, ...) and stays so across crashes: sled recovers a prefix
//! of its inserts.
//!
//! # Readers
//!
//! Readers never see a commit before it is durable: `head`, `read_aggregate` and every
//! subscription stop at the *durable head*, the last position whose flush has completed.
//! Each flush publishes it on a [`tokio::sync::watch`] channel, which is also how live
//! subscribers are woken — no polling. Subscriptions read the log's stored bytes in
//! bounded batches (at most [`READ_BATCH`] records or [`READ_BATCH_BYTES`] bytes at a
//! time) on tokio's blocking pool, one batch ahead of the consumer, so reading overlaps
//! consuming while following a log of any length holds at most two batches. Each record
//! is decoded (and filtered) as the consumer takes it, on the consumer's side: the
//! reader goes on with the next batch meanwhile, and a decoded commit is allocated and
//! freed by the same thread (decoding on the reader's side and freeing on the consumer's
//! measured about a tenth slower, much of it in the allocator).
//!
//! # Code
//!
//! This module holds [`SledLog`] and its opening; `layout` the keys and values of the
//! tree and the layout check, `repair` the repair at open, `writer` the writer, flusher
//! and watchdog threads, `window` the duplicate window, and `reader` reads and
//! subscriptions.

mod layout;
mod reader;
mod repair;
#[cfg(test)]
mod tests;
mod window;
mod writer;

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;

use async_trait::async_trait;
use futures::StreamExt;
use synergy_proto::{Commit, StreamId, is_commit_group};
use tokio::sync::{oneshot, watch};

use crate::{
    Aggregate, AppendError, Appended, EventLog, ExpectedVersion, Filter, Position, ReadError,
    Subscription,
};
use reader::{Cursor, Decoding, load_aggregate, unavailable};
use repair::{Opened, open_store};
use window::Window;
use writer::{Payload, Request, Syncer, Writer, run_writer, watch_flushes};

/// Most appends one batch write and one flush serve together.
pub const MAX_BATCH: usize = 512;
/// Most records a subscription reads from sled in one go.
pub const READ_BATCH: usize = 512;
/// Most encoded bytes a subscription holds from one read (a batch stops at the first
/// record that crosses it), so large commits do not make batches huge.
pub const READ_BATCH_BYTES: usize = 4 << 20;
/// What the layout marker of a database in the layout this module documents holds.
pub const LAYOUT: &[u8] = b"synergy-eventlog sled layout 5";
/// How far back (by recording time) the log remembers commit ids for answering any
/// retry with the original result; the same default as the JetStream backend's
/// duplicate window. Older commits are still found when the retry's expected version
/// no longer holds (see the module's *Idempotent retries*).
pub const DUPLICATE_WINDOW: std::time::Duration = std::time::Duration::from_secs(120);
/// Most commit ids the window holds (about 100 bytes each, so at most about 26 MiB);
/// past it, the oldest go first.
pub const DUPLICATE_WINDOW_COMMITS: usize = 1 << 18;
/// A batch's consecutive commits are stored in one record until it holds this many
/// bytes (the commit that crosses it is the group's last). Groups this size keep sled's
/// leaves (up to 16 records) well under its blob-file threshold, a quarter of a segment.
pub const GROUP_BYTES: usize = 4096;

/// Why the log could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot open the sled event log: {0}")]
    Storage(#[from] sled::Error),
    #[error("the sled database is not a Synergy event log in layout 5: {reason}")]
    Layout { reason: String },
    #[error("cannot start the event log's writer thread: {0}")]
    Thread(#[from] std::io::Error),
}

impl OpenError {
    /// Whether the database's file lock is held (another process has it open).
    pub fn lock_held(&self) -> bool {
        matches!(self, OpenError::Storage(e) if lock_held(e))
    }
}

/// Counters for benchmarks and operators: how well group commit is working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SledStats {
    /// Commits written (duplicates and conflicts excluded).
    pub commits_written: u64,
    /// Log records written: a group of commits is one record.
    pub records_written: u64,
    /// `fsync`ing flushes done by the writer thread.
    pub flushes: u64,
}

/// The sled event log. Cheap to clone; every clone shares one database and writer thread.
/// The database closes when the last clone and every subscription are dropped.
#[derive(Clone)]
pub struct SledLog {
    inner: Arc<Inner>,
}

impl fmt::Debug for SledLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SledLog")
            .field("durable_head", &*self.inner.durable.borrow())
            .field("stats", &self.stats())
            .finish()
    }
}

struct Inner {
    /// The database readers read: the writer's, replaced when it reopens it.
    current: Arc<Current>,
    /// `None` only while dropping, to tell the writer thread to finish.
    requests: Option<mpsc::Sender<Request>>,
    writer: Option<JoinHandle<()>>,
    durable: watch::Receiver<u64>,
    stats: Arc<Counters>,
    shared: Arc<Shared>,
    /// The flush watchdog ([`watch_flushes`]) and what stops it when dropped.
    watchdog: Option<(mpsc::Sender<()>, JoinHandle<()>)>,
}

/// What the writer thread and appends that write for themselves share.
struct Shared {
    /// Held while deciding and writing a batch (never while flushing), so batches are
    /// written one after another whoever writes them.
    writer: Mutex<Writer>,
    sync: Syncer,
    /// Appends begun and not yet answered.
    appending: AtomicUsize,
}

/// The database the log runs on now. Readers take it for one read at a time and the
/// writer replaces it when it reopens the database after a storage failure (sled 0.34
/// refuses every write once one has failed, until it is opened again); while it is
/// being reopened there is none.
struct Current {
    opened: RwLock<Option<Arc<Opened>>>,
}

impl Current {
    fn get(&self) -> Option<Arc<Opened>> {
        self.opened
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn set(&self, opened: Option<Arc<Opened>>) {
        *self.opened.write().unwrap_or_else(|p| p.into_inner()) = opened;
    }

    /// The log tree, for one read.
    fn tree(&self) -> Result<sled::Tree, ReadError> {
        self.get().map(|o| o.store.tree.clone()).ok_or_else(|| {
            unavailable(
                "the event log is reopening its storage after a failure; retry shortly".into(),
            )
        })
    }
}

/// How the writer can open the database again after a storage failure.
struct Reopen {
    config: sled::Config,
    /// The database's directory, whose files are synced.
    dir: std::path::PathBuf,
}

/// Shortest pause between two attempts to reopen a failed database, so a disk that
/// stays full costs a failing write no more than a free-space check.
pub const REOPEN_PAUSE: std::time::Duration = std::time::Duration::from_millis(500);
/// Free space the filesystem of a failed database must have before it is reopened:
/// room for a few of sled's 512 KiB log segments and the snapshot it may write at open.
pub const REOPEN_FREE_BYTES: u64 = 4 << 20;

/// Counts an append in [`Shared::appending`] until it is answered (or dropped).
struct Appending<'a>(&'a AtomicUsize);

impl<'a> Appending<'a> {
    /// Counts one more append; returns it with whether it is the only one.
    fn begin(count: &'a AtomicUsize) -> (Appending<'a>, bool) {
        let before = count.fetch_add(1, Ordering::AcqRel);
        (Appending(count), before == 0)
    }
}

impl Drop for Appending<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Closing the queue ends the writer loop; joining it means the database handle it
        // holds is gone when the last `SledLog` is, so the directory can be reopened.
        self.requests.take();
        if let Some(writer) = self.writer.take()
            && writer.join().is_err()
        {
            tracing::error!("the sled event log writer thread panicked");
        }
        if let Some((stop, watchdog)) = self.watchdog.take() {
            drop(stop);
            if watchdog.join().is_err() {
                tracing::error!("the sled event log watchdog thread panicked");
            }
        }
    }
}

#[derive(Default)]
struct Counters {
    commits_written: AtomicU64,
    records_written: AtomicU64,
    flushes: AtomicU64,
}

/// Whether sled refused to open a database because its file lock is held. sled reports
/// it as an `Other` I/O error with this text, and no kind of its own.
fn lock_held(e: &sled::Error) -> bool {
    matches!(e, sled::Error::Io(io) if io.to_string().starts_with("could not acquire lock on"))
}

/// Longest [`open_sled`] waits for a database's file lock.
pub const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// Opens a sled database, waiting up to [`LOCK_WAIT`] while its file lock is held. sled
/// 0.34 lets the lock go only once its background threads drop a closed database, a
/// moment after its last handle is dropped, so opening a database again at once (a
/// component restarted inside one process, tests) can find it still held. A database
/// another process has open is still refused, after the wait.
pub fn open_sled(config: &sled::Config) -> Result<sled::Db, sled::Error> {
    let deadline = std::time::Instant::now() + LOCK_WAIT;
    let mut pause = std::time::Duration::from_millis(5);
    loop {
        match config.open() {
            Err(e) if lock_held(&e) && std::time::Instant::now() < deadline => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(std::time::Duration::from_millis(100));
            }
            opened => return opened,
        }
    }
}

impl SledLog {
    /// Opens (or creates) the log in directory `path` with sled's default configuration.
    pub fn open(path: impl AsRef<Path>) -> Result<SledLog, OpenError> {
        SledLog::open_with(sled::Config::new().path(path.as_ref()))
    }

    /// Opens the log with a caller-built sled configuration (cache size, mode, temporary
    /// databases for tests and benchmarks).
    ///
    /// Unless the database is temporary, every flush is followed by `fdatasync`/`fsync` on
    /// the files sled wrote ([`crate::sled_sync`]), and after a storage failure (a full
    /// disk) the log opens the database again by itself once its filesystem has
    /// [`REOPEN_FREE_BYTES`] free.
    pub fn open_with(config: sled::Config) -> Result<SledLog, OpenError> {
        let db = open_sled(&config)?;
        // sled 0.34 has no public accessor for these; its `Config` derefs to them.
        let reopen = (!config.temporary).then(|| Reopen {
            dir: config.path.clone(),
            config,
        });
        let dir = reopen.as_ref().map(|r| r.dir.clone());
        SledLog::start(db, dir.as_deref(), reopen)
    }

    /// Runs the log on an already opened sled database. The log keeps to its own tree
    /// (`synergy.log`), so the database may hold other trees too. It knows neither the
    /// database's directory nor how to open it again, so its flushes are sled's alone
    /// (which do not survive a power loss: see [`crate::sled_sync`]) and a storage failure
    /// stops it writing until it is opened again: for temporary databases (tests,
    /// benchmarks). [`SledLog::open`] and [`SledLog::open_with`] do neither.
    pub fn open_db(db: sled::Db) -> Result<SledLog, OpenError> {
        SledLog::start(db, None, None)
    }

    /// Runs the log on an already opened sled database in directory `dir`, whose files its
    /// flushes sync as [`SledLog::open`]'s do. The caller's handle keeps sled from opening
    /// the database again, so after a storage failure the log stops writing until it is
    /// opened anew (benchmarks that read the database beside the log).
    pub fn open_db_in(db: sled::Db, dir: &Path) -> Result<SledLog, OpenError> {
        SledLog::start(db, Some(dir), None)
    }

    fn start(
        db: sled::Db,
        dir: Option<&Path>,
        reopen: Option<Reopen>,
    ) -> Result<SledLog, OpenError> {
        let (opened, head) = open_store(db, dir)?;
        let window = Window::load(&opened.store.tree, head)?;
        let opened = Arc::new(opened);
        let current = Arc::new(Current {
            opened: RwLock::new(Some(opened.clone())),
        });
        let (durable_tx, durable) = watch::channel(head);
        let durable_tx = Arc::new(durable_tx);
        let (requests, queue) = mpsc::channel();
        let (decided_tx, decided) = mpsc::channel();
        let stats = Arc::new(Counters::default());
        let sync = Syncer {
            durable: durable_tx.clone(),
            stats: stats.clone(),
            handed: Arc::new(AtomicUsize::new(0)),
            failed: Arc::new(Mutex::new(None)),
            flushing: Arc::new(Mutex::new(None)),
        };
        let flusher = sync.clone();
        let flusher = std::thread::Builder::new()
            .name("synergy-sled-flush".into())
            .spawn(move || flusher.run(decided))?;
        let shared = Arc::new(Shared {
            writer: Mutex::new(Writer {
                opened: Some(opened),
                current: current.clone(),
                reopen,
                durable: durable_tx,
                failed: sync.failed.clone(),
                next: head + 1,
                last_written: head,
                versions: HashMap::new(),
                broken: None,
                window,
                stats: stats.clone(),
            }),
            sync,
            appending: AtomicUsize::new(0),
        });
        let writer_shared = shared.clone();
        let writer = std::thread::Builder::new()
            .name("synergy-sled-writer".into())
            .spawn(move || run_writer(&writer_shared, queue, decided_tx, flusher))?;
        let (watch_stop, watch_wait) = mpsc::channel::<()>();
        let watched = shared.clone();
        let watchdog = std::thread::Builder::new()
            .name("synergy-sled-watch".into())
            .spawn(move || watch_flushes(&watched, &watch_wait))?;
        Ok(SledLog {
            inner: Arc::new(Inner {
                current,
                requests: Some(requests),
                writer: Some(writer),
                durable,
                stats,
                shared,
                watchdog: Some((watch_stop, watchdog)),
            }),
        })
    }

    /// Group-commit counters since this log was opened.
    pub fn stats(&self) -> SledStats {
        SledStats {
            commits_written: self.inner.stats.commits_written.load(Ordering::Relaxed),
            records_written: self.inner.stats.records_written.load(Ordering::Relaxed),
            flushes: self.inner.stats.flushes.load(Ordering::Relaxed),
        }
    }

    /// Fault injection for tests and repair drills: stores `bytes` unchecked as the next
    /// record of the global log and as one version of `stream`, exactly as a commit would
    /// be (same batch, same flush). Readers quarantine it ([`crate::Quarantined`]) when it
    /// does not decode. Never use it to write real commits.
    ///
    /// # Panics
    /// If `bytes` starts like a commit group (`SG`): a record holds one position unless it
    /// is a group, so such bytes would be read as several.
    pub async fn inject_raw_record(
        &self,
        stream: &StreamId,
        bytes: Vec<u8>,
    ) -> Result<Position, AppendError> {
        assert!(
            !is_commit_group(&bytes),
            "a raw record may not start with the commit-group magic"
        );
        let (reply, answer) = oneshot::channel();
        self.send(Request {
            payload: Payload::Raw {
                stream: stream.clone(),
                bytes,
            },
            reply,
        })?;
        match answer.await {
            Ok(result) => result.map(|a| a.position),
            Err(_) => Err(writer_gone()),
        }
    }

    fn send(&self, request: Request) -> Result<(), AppendError> {
        self.inner
            .requests
            .as_ref()
            .ok_or_else(writer_gone)?
            .send(request)
            .map_err(|_| writer_gone())
    }

    /// Writes and flushes `request` of a lone append (`alone`: no other append under
    /// way) on the calling thread, unless something is being written: it then makes no
    /// trip through the writer thread (two thread wake-ups, about a fifth of a lone
    /// append's time on a 2-core machine). Only on tokio's multi-threaded runtime, whose
    /// `block_in_place` lets the thread block in the flush without stalling other tasks;
    /// elsewhere, and whenever appends overlap (group commit is the writer thread's), the
    /// request is handed back for the writer thread.
    fn append_here(&self, request: Request, alone: bool) -> Option<Request> {
        if !alone {
            return Some(request);
        }
        let multi_threaded = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        if !multi_threaded {
            return Some(request);
        }
        let shared = &*self.inner.shared;
        let Ok(mut writer) = shared.writer.try_lock() else {
            return Some(request);
        };
        tokio::task::block_in_place(move || {
            let decided = writer.commit_batch(vec![request]);
            drop(writer);
            shared.sync.sync(vec![decided]);
        });
        None
    }

    fn durable_head(&self) -> u64 {
        *self.inner.durable.borrow()
    }

    #[cfg(test)]
    fn test_store(&self) -> repair::Store {
        self.inner
            .current
            .get()
            .expect("the log is open")
            .store
            .clone()
    }
}

#[async_trait]
impl EventLog for SledLog {
    async fn append(
        &self,
        expected: ExpectedVersion,
        commit: Commit,
    ) -> Result<Appended, AppendError> {
        commit.validate()?;
        let (_appending, alone) = Appending::begin(&self.inner.shared.appending);
        let (reply, answer) = oneshot::channel();
        let request = Request {
            payload: Payload::Commit { expected, commit },
            reply,
        };
        if let Some(request) = self.append_here(request, alone) {
            self.send(request)?;
        }
        answer.await.map_err(|_| writer_gone())?
    }

    async fn load_aggregate(
        &self,
        stream: &StreamId,
        from_version: u64,
    ) -> Result<Aggregate, ReadError> {
        let tree = self.inner.current.tree()?;
        let durable = self.durable_head();
        // A read from the start may fold a long history off the disk: a blocking thread's
        // work. A read of what follows a version is the command path's (the tail after a
        // kept state or a snapshot, a few commits in sled's cache) and costs less than a
        // trip to the blocking pool and back, which with 64 commands in flight took the
        // command path to a fifth of the log's own rate (`synergy-bench commands`).
        let loaded = if from_version > 1 {
            load_aggregate(&tree, stream, from_version, durable)?
        } else {
            let stream = stream.clone();
            tokio::task::spawn_blocking(move || {
                load_aggregate(&tree, &stream, from_version, durable)
            })
            .await
            .map_err(|e| unavailable(format!("the read task failed: {e}")))??
        };
        loaded.warn_quarantined();
        Ok(loaded)
    }

    fn subscribe(&self, after: Position, filter: Filter) -> Subscription {
        let filter = Arc::new(filter);
        let cursor = Cursor {
            current: self.inner.current.clone(),
            after: after.get(),
            durable: self.inner.durable.clone(),
            ahead: None,
        };
        futures::stream::unfold(Some(cursor), |cursor| async move {
            let mut cursor = cursor?;
            match cursor.next_batch().await {
                Ok(Some(batch)) => Some((Ok(batch), Some(cursor))),
                Ok(None) => None,
                // A storage failure ends the subscription; the consumer resumes from the
                // last position it processed.
                Err(e) => Some((Err(e), None)),
            }
        })
        .flat_map(move |batch| {
            let filter = filter.clone();
            // Records are decoded as the consumer takes them, on its side: what it
            // allocates it also frees, and the reader goes on with the next batch.
            futures::stream::iter(Decoding::new(batch, filter))
        })
        .boxed()
    }

    async fn head(&self) -> Result<Position, ReadError> {
        Ok(Position(self.durable_head()))
    }
}

fn writer_gone() -> AppendError {
    AppendError::Unavailable {
        reason: "the sled event log's writer has stopped".into(),
    }
}
