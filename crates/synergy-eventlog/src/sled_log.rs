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
//! Earlier layouts, moved to this one at open:
//! - Layout 4 also kept a `c` entry per commit id (position, first and last version), and
//!   layout 3 was layout 4 without commit groups. Opening either drops the `c` entries
//!   and marks the database layout 5; their index entries (a position alone) are still
//!   read, since the record they point at names the commit.
//! - Layout 2 held layout 3's records plus `meta:pending`, the `c`/`s` keys of the last
//!   batch, written ahead of every batch. Opening it repairs it with that record and
//!   drops it, then goes on as for layout 3.
//! - Layout 1 spread the data over four trees (`synergy.stream_index`,
//!   `synergy.stream_head`, `synergy.commit_ids` beside `synergy.log`) written by a
//!   four-tree transaction; a database in that layout, or whose marker names any other
//!   version, is refused at open with [`OpenError::Layout`] rather than misread.
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

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use futures::StreamExt;
use synergy_proto::{
    Commit, CommitGroup, CommitGroupBuilder, DecodeError, StreamId, Timestamp, Uuid, decode_commit,
    is_commit_group, subject,
};
use tokio::sync::{oneshot, watch};

use crate::sled_sync::{self, SledFiles};
use crate::{
    Aggregate, AppendError, Appended, EventLog, ExpectedVersion, Filter, Position, Quarantined,
    ReadError, StoredCommit, Subscription,
};

/// Most appends one batch write and one flush serve together.
pub const MAX_BATCH: usize = 512;
/// Most records a subscription reads from sled in one go.
pub const READ_BATCH: usize = 512;
/// Most encoded bytes a subscription holds from one read (a batch stops at the first
/// record that crosses it), so large commits do not make batches huge.
pub const READ_BATCH_BYTES: usize = 4 << 20;
/// What the layout marker of a database in the layout this module documents holds.
pub const LAYOUT: &[u8] = b"synergy-eventlog sled layout 5";
/// The markers of layouts 4 and 3, which opening moves to layout 5.
const LAYOUT_4: &[u8] = b"synergy-eventlog sled layout 4";
const LAYOUT_3: &[u8] = b"synergy-eventlog sled layout 3";
/// The marker of layout 2, which opening moves to layout 5.
const LAYOUT_2: &[u8] = b"synergy-eventlog sled layout 2";
/// How far back (by recording time) the log remembers commit ids for answering any
/// retry with the original result; the same default as the JetStream backend's
/// duplicate window. Older commits are still found when the retry's expected version
/// no longer holds (see the module's *Idempotent retries*).
pub const DUPLICATE_WINDOW: std::time::Duration = std::time::Duration::from_secs(120);
const DUPLICATE_WINDOW_MILLIS: i64 = DUPLICATE_WINDOW.as_millis() as i64;
/// Most commit ids the window holds (about 100 bytes each, so at most about 26 MiB);
/// past it, the oldest go first.
pub const DUPLICATE_WINDOW_COMMITS: usize = 1 << 18;
/// A batch's consecutive commits are stored in one record until it holds this many
/// bytes (the commit that crosses it is the group's last). Groups this size keep sled's
/// leaves (up to 16 records) well under its blob-file threshold, a quarter of a segment.
pub const GROUP_BYTES: usize = 4096;

const LOG_TREE: &str = "synergy.log";
/// Trees of layout version 1; their presence means a database this code must not read.
const LAYOUT_1_TREES: [&str; 3] = [
    "synergy.stream_index",
    "synergy.stream_head",
    "synergy.commit_ids",
];
const LAYOUT_KEY: &[u8] = b"meta:layout";
/// Position and `s` key of the last raw record ([`SledLog::inject_raw_record`]).
const RAW_KEY: &[u8] = b"meta:raw";
/// Layout 2's list of the last batch's `c` and `s` keys; gone once migrated.
const LAYOUT_2_PENDING_KEY: &[u8] = b"meta:pending";
const STREAM_TAG: u8 = b's';
const COMMIT_ID_TAG: u8 = b'c';
/// Positions stay below this so their keys start with `0x00` and sort before every tagged
/// key. At a million commits a second it takes over two thousand years to reach.
const POSITION_LIMIT: u64 = 1 << 56;
/// Most stream versions the writer keeps in memory; when full it starts over, and misses
/// are read from the index.
const HEAD_CACHE: usize = 1 << 16;

/// Why the log could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot open the sled event log: {0}")]
    Storage(#[from] sled::Error),
    #[error("the sled database is not a Synergy event log in layout 5 (or 4, 3, 2): {reason}")]
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

/// One opening of the database: its trees and the files its flushes sync.
struct Opened {
    store: Store,
    /// `None` for a database the log was handed open ([`SledLog::open_db`]) or a temporary
    /// one: only sled's own flush is done.
    files: Option<Mutex<SledFiles>>,
}

impl Opened {
    /// sled's flush, then `fdatasync`/`fsync` on the files it wrote (see
    /// [`crate::sled_sync`]).
    fn flush(&self) -> Result<(), sled::Error> {
        sled_sync::flush(&self.store.db, self.files.as_ref())
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

#[derive(Clone)]
struct Store {
    db: sled::Db,
    tree: sled::Tree,
}

impl Store {
    /// Opens the log tree, moving a database in layout 2, 3 or 4 to layout 5, refusing
    /// any other layout and marking a new database.
    fn open(db: sled::Db) -> Result<Store, OpenError> {
        let names = db.tree_names();
        if let Some(old) = LAYOUT_1_TREES
            .iter()
            .find(|t| names.iter().any(|n| n.as_ref() == t.as_bytes()))
        {
            return Err(OpenError::Layout {
                reason: format!(
                    "it holds the tree {old:?} of layout 1; layout 1 cannot be read by this \
                     version — replay its commits into a new log"
                ),
            });
        }
        let tree = db.open_tree(LOG_TREE)?;
        let store = Store { db, tree };
        match store.tree.get(LAYOUT_KEY)? {
            Some(marker) if marker.as_ref() == LAYOUT => {}
            Some(marker) if marker.as_ref() == LAYOUT_4 || marker.as_ref() == LAYOUT_3 => {
                store.drop_commit_id_entries()?;
            }
            Some(marker) if marker.as_ref() == LAYOUT_2 => {
                store.migrate_from_layout_2()?;
                store.drop_commit_id_entries()?;
            }
            Some(marker) => {
                return Err(OpenError::Layout {
                    reason: format!(
                        "its layout marker reads {:?}",
                        String::from_utf8_lossy(&marker)
                    ),
                });
            }
            None if store.tree.is_empty() => {
                store.tree.insert(LAYOUT_KEY, LAYOUT)?;
                store.db.flush()?;
            }
            None => {
                return Err(OpenError::Layout {
                    reason: format!("its tree {LOG_TREE:?} holds records but no layout marker"),
                });
            }
        }
        Ok(store)
    }

    /// The last position in the log (0 when empty).
    fn last_position(&self) -> Result<u64, sled::Error> {
        let last = self
            .tree
            .range(log_range(1, POSITION_LIMIT - 1))
            .next_back();
        Ok(match last.transpose()? {
            None => 0,
            Some((key, bytes)) => decode_u64(&key).map_or(0, |first| first + span(&bytes) - 1),
        })
    }

    /// Brings the tree back to agreement with the log after a crash (or a failed write)
    /// and returns the last position. sled keeps a prefix of the inserts made before a
    /// crash, and the writer inserts one record after another (the record, then the `s`
    /// entries of its commits), so at most the last log record misses some of its `s`
    /// entries, which this writes from the record itself. For a raw record, whose bytes
    /// may not decode, `meta:raw` names its `s` entry, written ahead of the record; that
    /// entry is dropped if the record was lost.
    fn repair(&self) -> Result<u64, OpenError> {
        let last = self.last_position()?;
        let mut repaired = false;
        let mut last_is_raw = false;
        if let Some(marker) = self.tree.get(RAW_KEY)? {
            let (position, key) = decode_raw_marker(&marker).ok_or_else(|| OpenError::Layout {
                reason: "its raw-record marker is malformed".into(),
            })?;
            let points_past = self
                .tree
                .get(key)?
                .and_then(|v| decode_u64(&v))
                .is_some_and(|p| p > last);
            if points_past {
                self.tree.remove(key)?;
                repaired = true;
            }
            last_is_raw = position == last;
        }
        if last > 0
            && !last_is_raw
            && let Some(record) = record_at(&self.tree, last)?
        {
            for (position, frame) in record.frames() {
                // An undecodable record is reported to readers with its position; there
                // is no entry to derive from it.
                let Ok(decoded) = decode_commit(frame) else {
                    continue;
                };
                let commit = decoded.commit;
                let key = index_key(&stream_key(&commit.stream), commit.last_version());
                if self.tree.get(&key)?.is_none() {
                    self.tree
                        .insert(key, &index_value(position, commit.commit_id)[..])?;
                    repaired = true;
                }
            }
        }
        if repaired {
            self.db.flush()?;
        }
        Ok(last)
    }

    /// Moves a database in layout 4 or 3 (which held a `c` entry per commit id, and no
    /// commit groups in layout 3) to layout 5: drops the `c` entries, then marks it. Their
    /// index entries name only positions, which readers of layout 5 still understand.
    /// Interrupted, it starts over at the next open.
    fn drop_commit_id_entries(&self) -> Result<(), OpenError> {
        let mut dropped = 0u64;
        for entry in self.tree.range([COMMIT_ID_TAG]..[COMMIT_ID_TAG + 1]) {
            let (key, _) = entry?;
            self.tree.remove(key)?;
            dropped += 1;
        }
        self.tree.insert(LAYOUT_KEY, LAYOUT)?;
        self.db.flush()?;
        tracing::info!(
            dropped,
            "moved the sled event log to layout 5: commit ids are answered from the log"
        );
        Ok(())
    }

    /// Moves a database in layout 2 to layout 4 (then 5, by the caller). Layout 2 wrote
    /// each batch's `c` and `s` entries ahead of its log records and named them in
    /// `meta:pending`; dropping the ones that point past the last position (as layout 2
    /// did at open) leaves every log record with its entries, which layout 4 holds too.
    fn migrate_from_layout_2(&self) -> Result<(), OpenError> {
        let last = self.last_position()?;
        if let Some(pending) = self.tree.get(LAYOUT_2_PENDING_KEY)? {
            let keys = decode_layout_2_pending(&pending).ok_or_else(|| OpenError::Layout {
                reason: "its layout-2 pending-batch record is malformed".into(),
            })?;
            for key in keys {
                let points_past = self
                    .tree
                    .get(key)?
                    .and_then(|v| decode_u64(v.get(..8)?))
                    .is_some_and(|position| position > last);
                if points_past {
                    self.tree.remove(key)?;
                }
            }
            self.tree.remove(LAYOUT_2_PENDING_KEY)?;
        }
        self.tree.insert(LAYOUT_KEY, LAYOUT_4)?;
        self.db.flush()?;
        tracing::info!("moved the sled event log from layout 2 to layout 4");
        Ok(())
    }

    /// A stream's last version according to its index (0 when it has none).
    fn stream_version(&self, stream_key: &[u8]) -> Result<u64, sled::Error> {
        let range = index_key(stream_key, 0)..=index_key(stream_key, u64::MAX);
        let last = self.tree.range(range).next_back().transpose()?;
        Ok(last.map_or(0, |(key, _)| index_version(&key)))
    }
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
    fn test_store(&self) -> Store {
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
        let stream = stream.clone();
        let loaded = tokio::task::spawn_blocking(move || {
            load_aggregate(&tree, &stream, from_version, durable)
        })
        .await
        .map_err(|e| unavailable(format!("the read task failed: {e}")))??;
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

fn load_aggregate(
    tree: &sled::Tree,
    stream: &StreamId,
    from_version: u64,
    durable: u64,
) -> Result<Aggregate, ReadError> {
    let prefix = stream_key(stream);
    let start = index_key(&prefix, from_version.max(1));
    let end = index_key(&prefix, u64::MAX);
    let mut out = Aggregate::default();
    // The record last read: an aggregate's commits often share one.
    let mut record: Option<Record> = None;
    for entry in tree.range(start..=end) {
        let (key, value) = entry.map_err(storage_read)?;
        let position = index_position(&value).ok_or_else(|| {
            unavailable(format!("the index of {stream} holds a malformed position"))
        })?;
        // Written but not yet flushed: not acknowledged, so not visible.
        if position > durable {
            break;
        }
        if !record.as_ref().is_some_and(|r| r.holds(position)) {
            record = Some(
                record_at(tree, position)
                    .map_err(storage_read)?
                    .ok_or_else(|| {
                        unavailable(format!(
                            "the index of {stream} points at position {position}, which the log does not hold"
                        ))
                    })?,
            );
        }
        // The index entry's key names the last version the record took, readable or not.
        out.version = index_version(&key);
        let record = record.as_ref().expect("set just above");
        match record.frame(position).and_then(decode_commit) {
            Ok(decoded) => out.commits.push(StoredCommit {
                position: Position(position),
                commit: decoded.commit,
            }),
            Err(source) => out.quarantined.push(Quarantined {
                position: Position(position),
                subject: Some(subject::commit(stream)),
                reason: source.to_string(),
            }),
        }
    }
    Ok(out)
}

/// One stored record of the global log: a commit frame (or raw bytes) at one position,
/// or a commit group holding the positions from its key on, one per member.
struct Record {
    first: u64,
    bytes: sled::IVec,
}

impl Record {
    /// How many positions the record holds. A group whose header cannot be read counts
    /// as one position, reported corrupt to readers.
    fn span(&self) -> u64 {
        span(&self.bytes)
    }

    /// The last position the record holds.
    fn last(&self) -> u64 {
        self.first + self.span() - 1
    }

    fn holds(&self, position: u64) -> bool {
        (self.first..=self.last()).contains(&position)
    }

    /// Every position the record holds with its commit frame, the group parsed once; none
    /// when it is a group whose header cannot be read.
    fn frames(&self) -> Vec<(u64, &[u8])> {
        if !is_commit_group(&self.bytes) {
            return vec![(self.first, &self.bytes[..])];
        }
        let Ok(group) = CommitGroup::parse(&self.bytes) else {
            return Vec::new();
        };
        (0..group.len())
            .filter_map(|i| Some((self.first + i as u64, group.member(i)?)))
            .collect()
    }

    /// The commit frame of `position`, which the record holds.
    fn frame(&self, position: u64) -> Result<&[u8], DecodeError> {
        let index = usize::try_from(position - self.first).unwrap_or(usize::MAX);
        if !is_commit_group(&self.bytes) {
            return Ok(&self.bytes);
        }
        let group = CommitGroup::parse(&self.bytes)?;
        group
            .member(index)
            .ok_or_else(|| DecodeError::MalformedGroup {
                reason: format!("it has no member {index}"),
            })
    }
}

/// How many positions the record `bytes` holds (see [`Record::span`]).
fn span(bytes: &[u8]) -> u64 {
    if !is_commit_group(bytes) {
        return 1;
    }
    CommitGroup::parse(bytes).map_or(1, |group| group.len() as u64)
}

/// The record holding `position`, if the log holds it.
fn record_at(tree: &sled::Tree, position: u64) -> Result<Option<Record>, sled::Error> {
    let Some((key, bytes)) = tree.range(log_range(1, position)).next_back().transpose()? else {
        return Ok(None);
    };
    let Some(first) = decode_u64(&key) else {
        return Ok(None);
    };
    let record = Record { first, bytes };
    Ok(record.holds(position).then_some(record))
}

/// Where a subscription is: the last position it has passed, and the read of the next
/// batch already under way while the consumer works through the current one.
struct Cursor {
    /// Taken for each read only, so a reopening writer is not kept from the database.
    current: Arc<Current>,
    after: u64,
    durable: watch::Receiver<u64>,
    /// At most one batch read ahead, so a subscription holds at most two batches.
    ahead: Option<tokio::task::JoinHandle<Result<Batch, ReadError>>>,
}

/// Stored records in log order, not decoded yet, and the positions `(after, through]` of
/// them to hand out (the first and last record may hold positions outside).
struct Batch {
    records: Vec<Record>,
    after: u64,
    through: u64,
}

/// The commits of one batch that match a subscription's filter, decoded one at a time;
/// an error stands for a failed read.
struct Decoding {
    records: Result<std::vec::IntoIter<Record>, ReadError>,
    after: u64,
    through: u64,
    /// The record being handed out, the frames of its members still to go and the
    /// position of the next one.
    current: Option<sled::IVec>,
    frames: std::collections::VecDeque<std::ops::Range<usize>>,
    position: u64,
    filter: Arc<Filter>,
}

impl Decoding {
    fn new(batch: Result<Batch, ReadError>, filter: Arc<Filter>) -> Decoding {
        let (records, after, through) = match batch {
            Ok(b) => (Ok(b.records.into_iter()), b.after, b.through),
            Err(e) => (Err(e), 0, 0),
        };
        Decoding {
            records,
            after,
            through,
            current: None,
            frames: std::collections::VecDeque::new(),
            position: 0,
            filter,
        }
    }

    /// Moves to the next record; `Err` when it is a group whose header cannot be read.
    fn open(&mut self, record: Record) -> Result<(), ReadError> {
        self.frames.clear();
        self.position = record.first;
        if is_commit_group(&record.bytes) {
            let group = CommitGroup::parse(&record.bytes).map_err(|source| ReadError::Corrupt {
                position: Position(record.first.max(self.after + 1)),
                subject: None,
                source,
            })?;
            self.frames
                .extend((0..group.len()).filter_map(|i| group.member_range(i)));
        } else {
            self.frames.push_back(0..record.bytes.len());
        }
        self.current = Some(record.bytes);
        Ok(())
    }
}

impl Iterator for Decoding {
    type Item = Result<StoredCommit, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.records.is_err() {
            let failed = std::mem::replace(&mut self.records, Ok(Vec::new().into_iter()));
            return failed.err().map(Err);
        }
        loop {
            let Some(frame) = self.frames.pop_front() else {
                let Ok(records) = &mut self.records else {
                    return None;
                };
                let record = records.next()?;
                if let Err(e) = self.open(record) {
                    return Some(Err(e));
                }
                continue;
            };
            let position = self.position;
            self.position += 1;
            if position <= self.after || position > self.through {
                continue;
            }
            let bytes = &self.current.as_ref().expect("frames belong to a record")[frame];
            match decode_commit(bytes) {
                // An undecodable record cannot be filtered: it is always reported.
                Err(source) => {
                    return Some(Err(ReadError::Corrupt {
                        position: Position(position),
                        subject: None,
                        source,
                    }));
                }
                Ok(decoded) if self.filter.matches(&decoded.commit.stream) => {
                    return Some(Ok(StoredCommit {
                        position: Position(position),
                        commit: decoded.commit,
                    }));
                }
                Ok(_) => {}
            }
        }
    }
}

impl Cursor {
    /// The next non-empty batch of records, waiting for appends when caught up. `None`
    /// once the log is closed and everything durable has been passed.
    async fn next_batch(&mut self) -> Result<Option<Batch>, ReadError> {
        loop {
            let read = match self.ahead.take() {
                Some(read) => read,
                None => {
                    let durable = *self.durable.borrow_and_update();
                    if durable > self.after {
                        self.read(durable)
                    } else {
                        if self.durable.changed().await.is_err() {
                            // The writer is gone; whatever it made durable is still worth
                            // reading.
                            if *self.durable.borrow() > self.after {
                                continue;
                            }
                            return Ok(None);
                        }
                        continue;
                    }
                }
            };
            let batch = read
                .await
                .map_err(|e| unavailable(format!("the read task failed: {e}")))??;
            self.after = batch.through;
            // Read the next batch while the consumer handles this one.
            let durable = *self.durable.borrow_and_update();
            if durable > self.after {
                self.ahead = Some(self.read(durable));
            }
            if !batch.records.is_empty() {
                return Ok(Some(batch));
            }
        }
    }

    fn read(&self, durable: u64) -> tokio::task::JoinHandle<Result<Batch, ReadError>> {
        let (current, after) = (self.current.clone(), self.after);
        tokio::task::spawn_blocking(move || read_log_batch(&current.tree()?, after, durable))
    }
}

/// Reads the records holding positions `(after, durable]`, bounded by about [`READ_BATCH`]
/// positions and [`READ_BATCH_BYTES`] bytes.
fn read_log_batch(tree: &sled::Tree, after: u64, durable: u64) -> Result<Batch, ReadError> {
    let wanted = usize::try_from(durable - after).unwrap_or(READ_BATCH);
    let mut records = Vec::with_capacity(wanted.min(READ_BATCH));
    let mut through = after;
    let mut bytes_read = 0;
    // A group may hold `after + 1` without starting there.
    let start = match record_at(tree, after + 1).map_err(storage_read)? {
        Some(record) => record.first,
        None => after + 1,
    };
    for entry in tree.range(log_range(start, durable)) {
        if through - after >= READ_BATCH as u64 || bytes_read >= READ_BATCH_BYTES {
            break;
        }
        let (key, bytes) = entry.map_err(storage_read)?;
        let first = decode_u64(&key)
            .ok_or_else(|| unavailable(format!("the log holds a key of {} bytes", key.len())))?;
        let record = Record { first, bytes };
        through = record.last().min(durable);
        bytes_read += record.bytes.len();
        records.push(record);
    }
    Ok(Batch {
        records,
        after,
        through,
    })
}

struct Request {
    payload: Payload,
    reply: Reply,
}

enum Payload {
    Commit {
        expected: ExpectedVersion,
        commit: Commit,
    },
    Raw {
        stream: StreamId,
        bytes: Vec<u8>,
    },
}

/// What became of one request the writer took.
enum Outcome {
    /// Written, or put in the group being built (which is written before the batch is
    /// flushed); the answer once the batch is flushed.
    Written(Appended),
    /// Answered without writing (duplicate or conflict).
    Answer(Result<Appended, AppendError>),
}

/// Why the writer could not serve one request.
enum Failure {
    /// sled failed while the request was being written: the tree may hold part of it.
    Storage(sled::Error),
    /// Refused before anything was written.
    Refused(String),
}

impl From<sled::Error> for Failure {
    fn from(e: sled::Error) -> Failure {
        Failure::Storage(e)
    }
}

/// A decided batch on its way to the flusher: each waiter with its answer, to be sent once
/// everything up to `written_through` is on disk.
struct Decided {
    answers: Vec<(Reply, Result<Appended, AppendError>)>,
    written_through: u64,
    /// The database it was written to (`None` if nothing was).
    opened: Option<Arc<Opened>>,
}

type Reply = oneshot::Sender<Result<Appended, AppendError>>;

/// Decides and writes batches, one at a time under [`Shared::writer`]: the writer thread's
/// batches and those of appends that write for themselves ([`SledLog::append_here`]).
struct Writer {
    /// The database written to; `None` while it is being opened again after a failure.
    opened: Option<Arc<Opened>>,
    /// Where readers find the database; set with `opened`.
    current: Arc<Current>,
    /// How to open the database again; `None` for [`SledLog::open_db`].
    reopen: Option<Reopen>,
    durable: Arc<watch::Sender<u64>>,
    /// A failed flush, reported by the [`Syncer`]: the database must be opened again.
    failed: Arc<Mutex<Option<String>>>,
    /// The position the next written commit gets.
    next: u64,
    /// The last position whose record was written.
    last_written: u64,
    /// Last version of streams written or looked up lately, by stream key. Only this thread
    /// writes, so an entry is the truth; a missing one is read from the index.
    versions: HashMap<Vec<u8>, u64>,
    /// Set after a storage failure: sled 0.34 then refuses every write (and the tree may
    /// hold index entries the log does not back) until the database is opened again,
    /// which repairs it ([`Writer::try_reopen`]). Meanwhile every append is refused.
    broken: Option<Broken>,
    /// Commits stored lately, to answer retries.
    window: Window,
    stats: Arc<Counters>,
}

/// Why the writer stopped writing, and when it last tried to open the database again.
struct Broken {
    /// What appends are told (no detail of the failure: that goes to the server log).
    reason: String,
    tried: Option<Instant>,
}

/// The commits of a batch waiting to be written as one record (see [`Writer::write_group`]).
#[derive(Default)]
struct Group {
    builder: CommitGroupBuilder,
    /// Each member's `s` key and entry, in order.
    index: Vec<(Vec<u8>, [u8; 24])>,
    /// Where the members' answers are in the batch's answers.
    waiters: Vec<usize>,
}

impl Group {
    fn clear(&mut self) {
        self.builder.clear();
        self.index.clear();
        self.waiters.clear();
    }
}

/// The commits stored lately, by id, so that a retry gets the original answer without
/// an index entry per commit id: those recorded within [`DUPLICATE_WINDOW`] of the
/// latest, at most [`DUPLICATE_WINDOW_COMMITS`] of them. It is filled from the log's tail
/// at open, so it holds the same after a restart.
#[derive(Default)]
struct Window {
    ids: HashMap<Uuid, Appended>,
    /// Position, id and recording time (ms) of each commit in `ids`, oldest first.
    order: std::collections::VecDeque<(u64, Uuid, i64)>,
}

impl Window {
    fn get(&self, id: Uuid) -> Option<Appended> {
        self.ids.get(&id).copied()
    }

    /// Adds a commit just decided (positions only grow) and forgets what falls out.
    fn insert(&mut self, id: Uuid, appended: Appended, recorded_at: Timestamp) {
        let at = recorded_at.millis();
        self.ids.insert(id, appended);
        self.order.push_back((appended.position.get(), id, at));
        let horizon = at.saturating_sub(DUPLICATE_WINDOW_MILLIS);
        while let Some(&(position, old, recorded)) = self.order.front() {
            if recorded >= horizon && self.order.len() <= DUPLICATE_WINDOW_COMMITS {
                break;
            }
            self.order.pop_front();
            self.forget(old, position);
        }
    }

    /// Forgets the commits decided past position `last` (they were not stored).
    fn forget_after(&mut self, last: u64) {
        while let Some(&(position, id, _)) = self.order.back() {
            if position <= last {
                break;
            }
            self.order.pop_back();
            self.forget(id, position);
        }
    }

    /// Drops `id` unless it now names a later commit (an id stored again after it fell
    /// out of the window).
    fn forget(&mut self, id: Uuid, position: u64) {
        if self
            .ids
            .get(&id)
            .is_some_and(|a| a.position.get() == position)
        {
            self.ids.remove(&id);
        }
    }

    /// The window of a log whose last position is `last`: its newest commits, read back
    /// from the tail, as far as the window reaches. Undecodable records are passed over.
    fn load(tree: &sled::Tree, last: u64) -> Result<Window, sled::Error> {
        let mut newest_first = Vec::new();
        let mut horizon = None;
        'records: for entry in tree.range(log_range(1, last)).rev() {
            let (key, bytes) = entry?;
            let Some(first) = decode_u64(&key) else {
                continue;
            };
            let record = Record { first, bytes };
            for (position, frame) in record.frames().into_iter().rev() {
                let Ok(decoded) = decode_commit(frame) else {
                    continue;
                };
                let commit = decoded.commit;
                let at = commit.recorded_at.millis();
                let horizon =
                    *horizon.get_or_insert_with(|| at.saturating_sub(DUPLICATE_WINDOW_MILLIS));
                if at < horizon || newest_first.len() == DUPLICATE_WINDOW_COMMITS {
                    break 'records;
                }
                let appended = Appended {
                    position: Position(position),
                    first_version: commit.first_version,
                    last_version: commit.last_version(),
                    duplicate: false,
                };
                newest_first.push((commit.commit_id, appended, commit.recorded_at));
            }
        }
        let mut window = Window::default();
        for (id, appended, at) in newest_first.into_iter().rev() {
            window.insert(id, appended, at);
        }
        Ok(window)
    }
}

/// The writer thread: takes the appends waiting in its queue (up to [`MAX_BATCH`]),
/// writes them as one batch and has them flushed. With appends waiting it hands a written
/// batch to the flusher thread and goes straight on with them, so writing new appends
/// overlaps the fsync of earlier ones; with none waiting it flushes the batch itself.
fn run_writer(
    shared: &Shared,
    queue: mpsc::Receiver<Request>,
    flusher: mpsc::Sender<Decided>,
    flusher_thread: JoinHandle<()>,
) {
    // A request taken while checking whether anyone is waiting: it starts the next batch.
    let mut carried = None;
    loop {
        let first = match carried.take() {
            Some(request) => request,
            None => match queue.recv() {
                Ok(request) => request,
                Err(_) => break,
            },
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(request) => batch.push(request),
                Err(_) => break,
            }
        }
        // Every append under way is in this batch: no other is waiting or about to come
        // back from an earlier flush.
        let alone = shared.appending.load(Ordering::Acquire) <= batch.len();
        let decided = match shared.writer.lock() {
            Ok(mut writer) => writer.commit_batch(batch),
            // An append that wrote for itself panicked halfway: what the writer holds in
            // memory may be off, and only a reopen (which repairs the tree) may write.
            Err(_) => refuse_batch(batch, "the sled event log's writer panicked; reopen it"),
        };
        let next = queue.try_recv();
        let idle = shared.sync.handed.load(Ordering::Acquire) == 0;
        match next {
            // A lone writer's batch, and the flusher is idle: flushing here spares the
            // hand-over to the flusher.
            Err(mpsc::TryRecvError::Empty) if alone && idle => shared.sync.sync(vec![decided]),
            // Other appends are under way, or the flusher is busy with earlier batches:
            // it makes this batch durable (with the ones it already holds) while the
            // writer goes on with the next.
            next => {
                let closed = matches!(next, Err(mpsc::TryRecvError::Disconnected));
                carried = next.ok();
                shared.sync.handed.fetch_add(1, Ordering::AcqRel);
                if flusher.send(decided).is_err() {
                    // The flusher only stops when this sender is dropped or it panicked;
                    // dropped waiters then see the log as unavailable.
                    tracing::error!("the sled event log flusher has stopped");
                    break;
                }
                if closed {
                    break;
                }
            }
        }
    }
    drop(flusher);
    if flusher_thread.join().is_err() {
        tracing::error!("the sled event log flusher thread panicked");
    }
}

impl Writer {
    /// Decides and writes every request in order, as if each were appended alone (later
    /// requests see the versions and commit ids of earlier ones in the same batch).
    /// Consecutive commits are stored together in groups of about [`GROUP_BYTES`].
    fn commit_batch(&mut self, batch: Vec<Request>) -> Decided {
        self.take_failure();
        if self.broken.is_some() {
            self.try_reopen();
        }
        let opened = match (&self.broken, &self.opened) {
            (None, Some(opened)) => opened.clone(),
            (Some(broken), _) => return refuse_batch(batch, &broken.reason),
            (None, None) => return refuse_batch(batch, STORAGE_FAILED),
        };
        let store = &opened.store;
        // Between batches the tree holds every version the cache does, so clearing it
        // loses nothing.
        if self.versions.len() >= HEAD_CACHE {
            self.versions.clear();
        }
        let recorded_at = now();
        let mut group = Group::default();
        let mut answers = Vec::with_capacity(batch.len());
        for Request { payload, reply } in batch {
            let answer = match &self.broken {
                Some(broken) => Err(unavailable_append(&broken.reason)),
                None => match self.append_one(store, payload, recorded_at, &mut group) {
                    Ok(Outcome::Written(appended)) => Ok(appended),
                    Ok(Outcome::Answer(answer)) => answer,
                    Err(Failure::Refused(reason)) => Err(unavailable_append(&reason)),
                    Err(Failure::Storage(e)) => {
                        self.fail(&e, &mut group, &mut answers);
                        Err(unavailable_append(&storage_reason(&e)))
                    }
                },
            };
            if answer.is_ok() && group.waiters.len() < group.index.len() {
                group.waiters.push(answers.len());
            }
            answers.push((reply, answer));
            if group.builder.encoded_len() >= GROUP_BYTES
                && let Err(e) = self.write_group(&store.tree, &mut group)
            {
                self.fail(&e, &mut group, &mut answers);
            }
        }
        if let Err(e) = self.write_group(&store.tree, &mut group) {
            self.fail(&e, &mut group, &mut answers);
        }
        Decided {
            answers,
            written_through: self.last_written,
            opened: Some(opened),
        }
    }

    /// Takes a flush failure the [`Syncer`] reported: the database is to be reopened.
    fn take_failure(&mut self) {
        let failed = self.failed.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(reason) = failed
            && self.broken.is_none()
        {
            self.broken = Some(Broken {
                reason,
                tried: None,
            });
        }
    }

    /// After a storage failure: opens the database again, which repairs what the failed
    /// batch left (as after a crash), and goes on from what it really holds, so positions
    /// stay gap-free and versions true. At most once per [`REOPEN_PAUSE`], and only once
    /// the filesystem has [`REOPEN_FREE_BYTES`] free: while the disk stays full, the failed
    /// database is left to readers and appends are refused at the cost of a `statvfs`.
    fn try_reopen(&mut self) {
        let (Some(broken), Some(reopen)) = (&mut self.broken, &self.reopen) else {
            return;
        };
        if broken.tried.is_some_and(|t| t.elapsed() < REOPEN_PAUSE) {
            return;
        }
        broken.tried = Some(Instant::now());
        match free_bytes(&reopen.dir) {
            Ok(free) if free < REOPEN_FREE_BYTES => {
                broken.reason = DISK_FULL.into();
                return;
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "cannot tell how much space the event log's disk has")
            }
        }
        // sled lets a database be opened again only once every handle on it is gone.
        self.opened = None;
        self.current.set(None);
        let reopened = open_sled(&reopen.config)
            .map_err(OpenError::from)
            .and_then(|db| open_store(db, Some(&reopen.dir)));
        let (opened, head) = match reopened {
            Ok(reopened) => reopened,
            Err(e) => {
                tracing::error!(error = %e, "cannot reopen the sled event log after a storage failure; trying again shortly");
                broken.reason = STORAGE_FAILED.into();
                return;
            }
        };
        let opened = Arc::new(opened);
        self.current.set(Some(opened.clone()));
        let durable = *self.durable.borrow();
        if head < durable {
            // Never write over what was acknowledged: an operator must look.
            tracing::error!(
                head,
                durable,
                "the reopened sled event log ends before commits it acknowledged; it stays read-only"
            );
            broken.reason = "the event log lost acknowledged commits; it is read-only until an operator restores it".into();
            self.reopen = None;
            return;
        }
        tracing::info!(head, "reopened the sled event log after a storage failure");
        self.opened = Some(opened);
        self.broken = None;
        self.next = head + 1;
        self.last_written = head;
        self.versions.clear();
        // Commits decided past what the database holds were not stored.
        self.window.forget_after(head);
        // Commits written before the failure and answered `Unavailable` may be there:
        // the reopen made them durable, so readers see them (a retry finds them too).
        self.durable.send_if_modified(|d| {
            let moved = head > *d;
            *d = (*d).max(head);
            moved
        });
    }

    /// Writes the group being built, if any: its record, then each member's `s` entry
    /// (so after a crash only the last record of the log can lack some of them, which
    /// opening writes; see [`Store::repair`]).
    fn write_group(&mut self, tree: &sled::Tree, group: &mut Group) -> Result<(), sled::Error> {
        let Some(first) = group.index.first().and_then(|(_, v)| decode_u64(&v[..8])) else {
            return Ok(());
        };
        match group.builder.single() {
            Some(frame) => tree.insert(first.to_be_bytes(), frame)?,
            None => tree.insert(first.to_be_bytes(), group.builder.finish())?,
        };
        for (key, value) in &group.index {
            tree.insert(&key[..], &value[..])?;
        }
        self.stats
            .commits_written
            .fetch_add(group.index.len() as u64, Ordering::Relaxed);
        self.stats.records_written.fetch_add(1, Ordering::Relaxed);
        self.last_written = first + group.index.len() as u64 - 1;
        group.clear();
        Ok(())
    }

    /// After a failed write: the commits of the group being built were not (all) written,
    /// so their waiters are answered `Unavailable` too, and the writer stops writing until
    /// it has opened the database again ([`Writer::try_reopen`]).
    fn fail(
        &mut self,
        error: &sled::Error,
        group: &mut Group,
        answers: &mut [(Reply, Result<Appended, AppendError>)],
    ) {
        for &waiter in &group.waiters {
            if let Some((_, answer)) = answers.get_mut(waiter) {
                *answer = Err(unavailable_append(&storage_reason(error)));
            }
        }
        group.clear();
        tracing::error!(%error, "sled event log write failed; it stops writing until it has reopened the database");
        if self.broken.is_none() {
            self.broken = Some(Broken {
                reason: storage_reason(error),
                tried: None,
            });
        }
    }

    /// Decides one request and writes it if it is to be stored, moving `next` and the
    /// stream's cached version on.
    fn append_one(
        &mut self,
        store: &Store,
        payload: Payload,
        recorded_at: Timestamp,
        group: &mut Group,
    ) -> Result<Outcome, Failure> {
        let stream = match &payload {
            Payload::Commit { commit, .. } => {
                if let Some(original) = self.window.get(commit.commit_id) {
                    return Ok(duplicate(original));
                }
                &commit.stream
            }
            Payload::Raw { stream, .. } => stream,
        };
        let stream_key = stream_key(stream);
        let actual = match self.versions.get(&stream_key) {
            Some(v) => *v,
            None => store.stream_version(&stream_key)?,
        };
        if self.next >= POSITION_LIMIT {
            return Err(Failure::Refused(format!(
                "the sled event log is full: positions stop below {POSITION_LIMIT}"
            )));
        }
        let position = self.next;
        let appended = match payload {
            Payload::Commit {
                expected,
                mut commit,
            } => {
                let id = commit.commit_id;
                if !expected.admits(actual) {
                    // A retry of a stored commit finds its aggregate moved on: it still
                    // gets the original answer.
                    if let Some(original) = self.find_in_stream(store, &stream_key, expected, id)? {
                        return Ok(duplicate(original));
                    }
                    return Ok(Outcome::Answer(Err(AppendError::Conflict {
                        stream: commit.stream,
                        expected,
                        actual,
                    })));
                }
                commit.first_version = actual + 1;
                commit.recorded_at = recorded_at;
                let appended = Appended {
                    position: Position(position),
                    first_version: commit.first_version,
                    last_version: commit.last_version(),
                    duplicate: false,
                };
                group.builder.push(&commit);
                group.index.push((
                    index_key(&stream_key, appended.last_version),
                    index_value(position, id),
                ));
                self.window.insert(id, appended, recorded_at);
                appended
            }
            Payload::Raw { bytes, .. } => {
                // Records stay in position order: the group before this one goes first.
                self.write_group(&store.tree, group)?;
                let appended = Appended {
                    position: Position(position),
                    first_version: actual + 1,
                    last_version: actual + 1,
                    duplicate: false,
                };
                let index_key = index_key(&stream_key, appended.last_version);
                let tree = &store.tree;
                tree.insert(RAW_KEY, encode_raw_marker(position, &index_key))?;
                tree.insert(index_key, &position.to_be_bytes()[..])?;
                tree.insert(position.to_be_bytes(), bytes)?;
                self.last_written = position;
                self.stats.commits_written.fetch_add(1, Ordering::Relaxed);
                self.stats.records_written.fetch_add(1, Ordering::Relaxed);
                appended
            }
        };
        self.versions.insert(stream_key, appended.last_version);
        self.next += 1;
        Ok(Outcome::Written(appended))
    }

    /// The original result of commit `id` if the stream of `stream_key` holds it past
    /// what `expected` (which the stream does not meet) names: a retry that finds its
    /// aggregate moved on. Reads the stream's index entries from there on, which name their
    /// commit's id (entries of layouts before 5 do not: their records are read).
    fn find_in_stream(
        &self,
        store: &Store,
        stream_key: &[u8],
        expected: ExpectedVersion,
        id: Uuid,
    ) -> Result<Option<Appended>, Failure> {
        let from = match expected {
            ExpectedVersion::NoStream => 1,
            ExpectedVersion::Exact(v) => v.saturating_add(1),
            // `Any` admits every version: there is no conflict to explain.
            ExpectedVersion::Any => return Ok(None),
        };
        let range = index_key(stream_key, from)..=index_key(stream_key, u64::MAX);
        for entry in store.tree.range(range) {
            let (_, value) = entry?;
            let position = index_position(&value);
            let named = value.get(8..).filter(|v| v.len() == 16);
            let Some(position) = position else {
                return Err(Failure::Refused(format!(
                    "cannot tell whether commit id {id} is stored: an index entry of its \
                     stream is malformed"
                )));
            };
            if named.is_some_and(|named| named != id.as_bytes()) {
                continue;
            }
            let Some(record) = record_at(&store.tree, position)? else {
                continue;
            };
            // An undecodable record (injected garbage) is not the commit sought.
            let Ok(decoded) = record.frame(position).and_then(decode_commit) else {
                continue;
            };
            if decoded.commit.commit_id == id {
                return Ok(Some(Appended {
                    position: Position(position),
                    first_version: decoded.commit.first_version,
                    last_version: decoded.commit.last_version(),
                    duplicate: false,
                }));
            }
        }
        Ok(None)
    }
}

/// Answers every request of `batch` `Unavailable` with `reason`, writing nothing.
fn refuse_batch(batch: Vec<Request>, reason: &str) -> Decided {
    Decided {
        answers: batch
            .into_iter()
            .map(|r| (r.reply, Err(unavailable_append(reason))))
            .collect(),
        written_through: 0,
        opened: None,
    }
}

fn duplicate(original: Appended) -> Outcome {
    Outcome::Answer(Ok(Appended {
        duplicate: true,
        ..original
    }))
}

/// Makes decided batches durable: flushes their database once for all of them (sled's
/// flush, then `fdatasync`/`fsync` on its files: [`Opened::flush`]), publishes the new
/// durable head and answers the waiters. A batch written before the flush started is
/// covered by it. The writer and the flusher thread share it.
#[derive(Clone)]
struct Syncer {
    durable: Arc<watch::Sender<u64>>,
    stats: Arc<Counters>,
    /// Batches handed to the flusher thread and not yet answered by it.
    handed: Arc<AtomicUsize>,
    /// A failed flush, for the writer: it then opens the database again before writing
    /// more (after a failed `fsync` the kernel may have dropped the data it could not
    /// write, so syncing again proves nothing; reopening reads what is really there).
    failed: Arc<Mutex<Option<String>>>,
    /// The flush under way and when it began, for [`watch_flushes`].
    flushing: Arc<Flushing>,
}

/// The flush under way, if any: when it began and the database it flushes.
type Flushing = Mutex<Option<(Instant, Arc<Opened>)>>;

impl Syncer {
    fn sync(&self, batches: Vec<Decided>) {
        // Batches are written to the database the writer has open; one written to a
        // database it has since replaced (after a failure) can no longer be flushed.
        let opened = batches.iter().rev().find_map(|b| b.opened.clone());
        let flushed = match &opened {
            Some(opened) => {
                *lock(&self.flushing) = Some((Instant::now(), opened.clone()));
                let flushed = opened.flush();
                *lock(&self.flushing) = None;
                flushed
            }
            None => Ok(()),
        };
        if let Err(e) = &flushed {
            tracing::error!(error = %e, "sled event log flush failed; it reopens the database before writing again");
            lock(&self.failed).get_or_insert_with(|| storage_reason(e));
        } else if opened.is_some() {
            self.stats.flushes.fetch_add(1, Ordering::Relaxed);
        }
        let current = |b: &Decided| match (&b.opened, &opened) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        let written_through = batches
            .iter()
            .filter(|b| current(b))
            .map(|b| b.written_through)
            .max();
        if flushed.is_ok()
            && let Some(head) = written_through
        {
            // The writer and the flusher may finish flushes out of order; the head
            // only moves on.
            self.durable.send_if_modified(|durable| {
                let moved = head > *durable;
                *durable = (*durable).max(head);
                moved
            });
        }
        for batch in batches {
            let durable = flushed.is_ok() && (batch.opened.is_none() || current(&batch));
            for (reply, answer) in batch.answers {
                let answer = match (durable, answer) {
                    (true, answer) => answer,
                    // Written but perhaps not durable: the caller must not count on it, and
                    // a retry with the same commit id is answered from the stored original.
                    (false, Ok(_)) => Err(unavailable_append(&match &flushed {
                        Err(e) => storage_reason(e),
                        Ok(()) => STORAGE_FAILED.to_owned(),
                    })),
                    (false, refusal) => refusal,
                };
                // A caller that stopped waiting still had its commit decided; nothing to do.
                let _ = reply.send(answer);
            }
        }
    }

    /// The flusher thread: takes every batch handed to it so far and syncs them together.
    fn run(self, decided: mpsc::Receiver<Decided>) {
        while let Ok(first) = decided.recv() {
            let mut batches = vec![first];
            batches.extend(decided.try_iter());
            let count = batches.len();
            self.sync(batches);
            self.handed.fetch_sub(count, Ordering::AcqRel);
        }
    }
}

/// How often [`watch_flushes`] looks.
const WATCH_EVERY: std::time::Duration = std::time::Duration::from_millis(250);
/// How long a flush may run before [`watch_flushes`] nudges sled.
const NUDGE_AFTER: std::time::Duration = std::time::Duration::from_secs(2);

/// The flush watchdog thread, until `stop` is dropped with the log. sled 0.34 can leave a
/// flush waiting forever after a failed write: when a log buffer's last writer writes
/// it out and the write fails (a full disk), sled records the error without waking the
/// flushes waiting for that buffer (its `pagecache/logger.rs`, `exit_reservation`). A
/// flush begun after the error sees it and wakes them all, so one that has waited past
/// [`NUDGE_AFTER`] gets one more from here: on a healthy database an extra flush does no
/// harm. It also retries reopening a failed database ([`Writer::try_reopen`]) when no
/// append comes to do it, so readers get the database back by themselves.
fn watch_flushes(shared: &Shared, stop: &mpsc::Receiver<()>) {
    while let Err(mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(WATCH_EVERY) {
        let stuck = lock(&shared.sync.flushing)
            .as_ref()
            .filter(|(since, _)| since.elapsed() >= NUDGE_AFTER)
            .map(|(_, opened)| opened.clone());
        if let Some(opened) = stuck {
            tracing::warn!("a sled event log flush has waited over {NUDGE_AFTER:?}; nudging sled");
            let _ = opened.store.db.flush();
        }
        if let Ok(mut writer) = shared.writer.try_lock() {
            writer.take_failure();
            if writer.broken.is_some() {
                writer.try_reopen();
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// Opens the log's tree in `db` and repairs it (see [`Store::repair`]); with the
/// database's directory, its files are synced from then on ([`SledFiles`]). Everything
/// the repaired log holds is made durable before it is used.
fn open_store(db: sled::Db, dir: Option<&Path>) -> Result<(Opened, u64), OpenError> {
    let files = match dir {
        Some(dir) => Some(Mutex::new(SledFiles::open(dir).map_err(sled::Error::Io)?)),
        None => None,
    };
    let store = Store::open(db)?;
    let head = store.repair()?;
    let opened = Opened { store, files };
    opened.flush()?;
    Ok((opened, head))
}

/// Bytes an unprivileged writer may still use on the filesystem holding `dir`.
fn free_bytes(dir: &Path) -> std::io::Result<u64> {
    let stat = rustix::fs::statvfs(dir)?;
    Ok(stat.f_bavail.saturating_mul(stat.f_frsize))
}

/// What an append is told after a storage failure (its details go to the server log).
const STORAGE_FAILED: &str =
    "the event log's storage failed (the server log has the details); it reopens itself";
const DISK_FULL: &str = "the disk holding the event log is full; writes resume once space is freed";

fn storage_reason(e: &sled::Error) -> String {
    let full = matches!(e, sled::Error::Io(io) if io.kind() == std::io::ErrorKind::StorageFull);
    if full { DISK_FULL } else { STORAGE_FAILED }.to_owned()
}

fn stream_key(stream: &StreamId) -> Vec<u8> {
    let parts = [
        stream.context.as_str(),
        stream.partnership.as_str(),
        stream.aggregate.as_str(),
    ];
    let mut key = Vec::with_capacity(parts.iter().map(|p| p.len() + 1).sum::<usize>() + 9);
    for part in parts {
        key.extend_from_slice(part.as_bytes());
        key.push(0);
    }
    key
}

/// The index key of `stream_key`'s commit whose last version is `version`.
fn index_key(stream_key: &[u8], version: u64) -> Vec<u8> {
    let mut key = Vec::with_capacity(stream_key.len() + 9);
    key.push(STREAM_TAG);
    key.extend_from_slice(stream_key);
    key.extend_from_slice(&version.to_be_bytes());
    key
}

/// The index entry of the commit `id` stored at `position`.
fn index_value(position: u64, id: Uuid) -> [u8; 24] {
    let mut value = [0; 24];
    value[..8].copy_from_slice(&position.to_be_bytes());
    value[8..].copy_from_slice(id.as_bytes());
    value
}

/// The position an index entry names: 8 bytes, or 24 with the commit id.
fn index_position(value: &[u8]) -> Option<u64> {
    match value.len() {
        8 | 24 => decode_u64(&value[..8]),
        _ => None,
    }
}

/// The version an index key ends with.
fn index_version(key: &[u8]) -> u64 {
    key.len()
        .checked_sub(8)
        .and_then(|start| decode_u64(&key[start..]))
        .unwrap_or(0)
}

/// The keys of positions `first..=last` (clamped to the positions the log can hold).
fn log_range(first: u64, last: u64) -> std::ops::RangeInclusive<[u8; 8]> {
    first.to_be_bytes()..=last.min(POSITION_LIMIT - 1).to_be_bytes()
}

/// The value of `meta:raw`: the raw record's position and its `s` key.
fn encode_raw_marker(position: u64, index_key: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + index_key.len());
    out.extend_from_slice(&position.to_be_bytes());
    out.extend_from_slice(index_key);
    out
}

fn decode_raw_marker(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let (position, key) = bytes.split_first_chunk::<8>()?;
    Some((u64::from_be_bytes(*position), key))
}

/// The keys of a layout-2 pending-batch record: each a u32 BE length and the key.
fn decode_layout_2_pending(mut bytes: &[u8]) -> Option<Vec<&[u8]>> {
    let mut keys = Vec::new();
    while !bytes.is_empty() {
        let (len, rest) = bytes.split_first_chunk::<4>()?;
        let len = usize::try_from(u32::from_be_bytes(*len)).ok()?;
        if rest.len() < len {
            return None;
        }
        let (key, rest) = rest.split_at(len);
        keys.push(key);
        bytes = rest;
    }
    Some(keys)
}

fn decode_u64(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.try_into().ok()?))
}

fn now() -> Timestamp {
    // A clock before 1970 is a broken host; recording 0 beats refusing the commit.
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    Timestamp::from_millis(i64::try_from(millis).unwrap_or(i64::MAX))
}

fn writer_gone() -> AppendError {
    AppendError::Unavailable {
        reason: "the sled event log's writer has stopped".into(),
    }
}

fn unavailable_append(reason: &str) -> AppendError {
    AppendError::Unavailable {
        reason: reason.to_owned(),
    }
}

fn unavailable(reason: String) -> ReadError {
    ReadError::Unavailable { reason }
}

fn storage_read(e: sled::Error) -> ReadError {
    unavailable(format!("sled read failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use synergy_proto::encode_commit;

    /// The `c` key of layouts before 5.
    fn commit_id_key(id: Uuid) -> [u8; 17] {
        let mut key = [0; 17];
        key[0] = COMMIT_ID_TAG;
        key[1..].copy_from_slice(id.as_bytes());
        key
    }

    /// The `c` value of layouts before 5.
    fn encode_appended(a: &Appended) -> [u8; 24] {
        let mut out = [0; 24];
        out[..8].copy_from_slice(&a.position.get().to_be_bytes());
        out[8..16].copy_from_slice(&a.first_version.to_be_bytes());
        out[16..].copy_from_slice(&a.last_version.to_be_bytes());
        out
    }

    fn temporary_db() -> sled::Db {
        sled::Config::new()
            .temporary(true)
            .open()
            .expect("temporary sled database")
    }

    #[test]
    fn stream_keys_do_not_prefix_each_other() {
        use synergy_proto::{AggregateId, Context, PartnershipId};
        let p = PartnershipId::new("p1").expect("valid id");
        let a = StreamId::new(
            Context::Support,
            p.clone(),
            AggregateId::new("m:1").expect("id"),
        );
        let b = StreamId::new(Context::Support, p, AggregateId::new("m:10").expect("id"));
        let (ka, kb) = (stream_key(&a), stream_key(&b));
        assert!(!kb.starts_with(&ka));
        assert!(
            index_key(&ka, u64::MAX) < index_key(&kb, 0)
                || index_key(&kb, u64::MAX) < index_key(&ka, 0)
        );
        assert_eq!(index_version(&index_key(&ka, 42)), 42);
    }

    #[test]
    fn log_keys_sort_before_every_tagged_key() {
        let last = (POSITION_LIMIT - 1).to_be_bytes();
        assert!(last.as_slice() < [STREAM_TAG].as_slice());
        assert!(last.as_slice() < [COMMIT_ID_TAG].as_slice());
        assert!(last.as_slice() < LAYOUT_KEY);
        assert_eq!(log_range(1, u64::MAX), 1u64.to_be_bytes()..=last);
    }

    #[test]
    fn a_new_database_gets_the_layout_marker() {
        let db = temporary_db();
        let log = SledLog::open_db(db.clone()).expect("a new database opens");
        drop(log);
        let tree = db.open_tree(LOG_TREE).expect("log tree");
        assert_eq!(
            tree.get(LAYOUT_KEY).expect("read marker").as_deref(),
            Some(LAYOUT)
        );
        // And a database carrying it opens again.
        SledLog::open_db(db).expect("a marked database opens");
    }

    #[test]
    fn opening_waits_for_the_lock_a_closing_database_still_holds() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let config = sled::Config::new().path(dir.path());
        let held = config.open().expect("first open");
        // Held by a live handle, the lock is refused once the wait is over.
        let started = std::time::Instant::now();
        let refused = open_sled(&config).expect_err("the lock is held");
        assert!(started.elapsed() >= LOCK_WAIT, "{refused}");
        assert!(
            refused.to_string().contains("could not acquire lock"),
            "{refused}"
        );
        // Let go while the second open waits: it gets the database.
        let release = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(100));
            drop(held);
        });
        open_sled(&config).expect("opens once the lock is let go");
        release.join().expect("release");
    }

    #[test]
    fn layout_1_is_refused() {
        let db = temporary_db();
        let log = db.open_tree(LOG_TREE).expect("log tree");
        log.insert(1u64.to_be_bytes(), &b"old commit"[..])
            .expect("insert");
        db.open_tree("synergy.stream_head").expect("old tree");
        let err = SledLog::open_db(db).expect_err("layout 1 must be refused");
        assert!(matches!(err, OpenError::Layout { .. }), "{err}");
        assert!(err.to_string().contains("layout 1"), "{err}");
    }

    fn test_stream() -> StreamId {
        use synergy_proto::{AggregateId, Context, PartnershipId};
        StreamId::new(
            Context::Support,
            PartnershipId::new("p1").expect("valid id"),
            AggregateId::new("meeting:1").expect("valid id"),
        )
    }

    fn test_commit(stream: &StreamId) -> Commit {
        use synergy_proto::events::SupportEvent;
        use synergy_proto::{Actor, Event, MeetingId, OrgId, RecordedEvent, Role};
        Commit {
            commit_id: Uuid::now_v7(),
            stream: stream.clone(),
            first_version: 0,
            recorded_at: Timestamp::from_millis(0),
            actor: Actor {
                org: OrgId::new("acme").expect("valid id"),
                role: Role::Manufacturer,
                user: "unit".into(),
            },
            correlation_id: Uuid::now_v7(),
            causation_id: None,
            events: vec![RecordedEvent {
                event_id: Uuid::now_v7(),
                occurred_at: Timestamp::from_millis(1_200_000_000_000),
                event: Event::Support(SupportEvent::MeetingCancelled {
                    meeting: MeetingId::new("m-1").expect("valid id"),
                    reason: "unit".into(),
                }),
            }],
        }
    }

    /// Stores `commit` as the log record at `position` following version `previous`,
    /// exactly as the writer encodes it, and returns what the log would answer.
    fn stored(commit: &Commit, position: u64, previous: u64) -> (Appended, Vec<u8>) {
        let mut commit = commit.clone();
        commit.first_version = previous + 1;
        commit.recorded_at = now();
        let appended = Appended {
            position: Position(position),
            first_version: previous + 1,
            last_version: commit.last_version(),
            duplicate: false,
        };
        (appended, encode_commit(&commit))
    }

    async fn close(log: SledLog) {
        tokio::task::spawn_blocking(move || drop(log))
            .await
            .expect("closing the log");
    }

    #[tokio::test]
    async fn reopening_writes_the_index_entry_a_crash_left_out() {
        let db = temporary_db();
        let s = test_stream();
        let log = SledLog::open_db(db.clone()).expect("a new database opens");
        log.append(ExpectedVersion::NoStream, test_commit(&s))
            .await
            .expect("first append");
        close(log).await;
        // A crash after the second commit's log record, before its `s` entry.
        let tree = db.open_tree(LOG_TREE).expect("log tree");
        let second = test_commit(&s);
        let (appended, bytes) = stored(&second, 2, 1);
        tree.insert(2u64.to_be_bytes(), bytes).expect("log record");

        let log = SledLog::open_db(db).expect("reopen repairs");
        assert_eq!(log.head().await.expect("head"), Position(2));
        let read = log.read_aggregate(&s, 1).await.expect("read");
        assert_eq!(read.len(), 2);
        assert_eq!(read[1].commit.commit_id, second.commit_id);
        // The repaired entry names the commit, and its retry gets the original answer.
        let entry = log.test_store().tree.get(index_key(&stream_key(&s), 2));
        assert_eq!(
            entry.expect("get").as_deref(),
            Some(&index_value(2, second.commit_id)[..])
        );
        let retry = log
            .append(ExpectedVersion::Exact(1), second.clone())
            .await
            .expect("retry");
        assert_eq!(
            retry,
            Appended {
                duplicate: true,
                ..appended
            }
        );
        let third = log
            .append(ExpectedVersion::Exact(2), test_commit(&s))
            .await
            .expect("the stream goes on at version 3");
        assert_eq!((third.position, third.first_version), (Position(3), 3));
        close(log).await;
    }

    /// Forgets every commit id the writer of `log` remembers, as if they had all been
    /// recorded longer ago than the window.
    fn empty_the_window(log: &SledLog) {
        log.inner.shared.writer.lock().expect("writer lock").window = Window::default();
    }

    #[tokio::test]
    async fn a_retry_past_the_window_is_found_in_its_stream() {
        let db = temporary_db();
        let s = test_stream();
        let log = SledLog::open_db(db.clone()).expect("open");
        let first = test_commit(&s);
        let original = log
            .append(ExpectedVersion::NoStream, first.clone())
            .await
            .expect("first");
        let second = test_commit(&s);
        let second_original = log
            .append(ExpectedVersion::Exact(1), second.clone())
            .await
            .expect("second");
        log.append(ExpectedVersion::Exact(2), test_commit(&s))
            .await
            .expect("third");
        empty_the_window(&log);
        // Retries whose expectation the stream no longer meets: found by the index.
        for (commit, expected, original) in [
            (&first, ExpectedVersion::NoStream, original),
            (&first, ExpectedVersion::Exact(0), original),
            (&second, ExpectedVersion::Exact(1), second_original),
        ] {
            let retry = log.append(expected, commit.clone()).await.expect("retry");
            assert_eq!(
                retry,
                Appended {
                    duplicate: true,
                    ..original
                },
                "{expected}"
            );
        }
        // A retry with a later expectation that does not hold is a conflict.
        let late = log.append(ExpectedVersion::Exact(2), first.clone()).await;
        assert!(
            matches!(late, Err(AppendError::Conflict { actual: 3, .. })),
            "{late:?}"
        );
        // An `Any` retry past the window cannot be told from a new commit: it is stored
        // again, as JetStream stores one past its duplicate window.
        let again = log
            .append(ExpectedVersion::Any, first.clone())
            .await
            .expect("any");
        assert_eq!((again.position, again.duplicate), (Position(4), false));
        close(log).await;
    }

    #[tokio::test]
    async fn the_window_is_refilled_from_the_log_at_open() {
        let db = temporary_db();
        let s = test_stream();
        let other = test_stream_n(7);
        let log = SledLog::open_db(db.clone()).expect("open");
        let first = test_commit(&s);
        let original = log
            .append(ExpectedVersion::Any, first.clone())
            .await
            .expect("first");
        log.append(ExpectedVersion::Any, test_commit(&s))
            .await
            .expect("second");
        close(log).await;
        let log = SledLog::open_db(db).expect("reopen");
        // An `Any` retry, and one of the same id on another stream, get the original.
        for stream in [&s, &other] {
            let mut retry = first.clone();
            retry.stream = stream.clone();
            let answer = log
                .append(ExpectedVersion::Any, retry)
                .await
                .expect("retry");
            assert_eq!(
                answer,
                Appended {
                    duplicate: true,
                    ..original
                }
            );
        }
        assert_eq!(log.head().await.expect("head"), Position(2));
        close(log).await;
    }

    fn appended_at(position: u64) -> Appended {
        Appended {
            position: Position(position),
            first_version: 1,
            last_version: 1,
            duplicate: false,
        }
    }

    #[test]
    fn the_window_forgets_by_age_and_by_count() {
        let mut window = Window::default();
        let (old, new) = (Uuid::now_v7(), Uuid::now_v7());
        window.insert(old, appended_at(1), Timestamp::from_millis(1_000));
        window.insert(
            new,
            appended_at(2),
            Timestamp::from_millis(1_000 + DUPLICATE_WINDOW_MILLIS),
        );
        assert_eq!(
            window.get(old),
            Some(appended_at(1)),
            "exactly the window old"
        );
        let newest = Uuid::now_v7();
        window.insert(
            newest,
            appended_at(3),
            Timestamp::from_millis(1_001 + DUPLICATE_WINDOW_MILLIS),
        );
        assert_eq!(window.get(old), None);
        assert_eq!(window.get(new), Some(appended_at(2)));

        let mut window = Window::default();
        let ids: Vec<Uuid> = (0..=DUPLICATE_WINDOW_COMMITS)
            .map(|_| Uuid::now_v7())
            .collect();
        for (n, id) in ids.iter().enumerate() {
            window.insert(*id, appended_at(n as u64 + 1), Timestamp::from_millis(5));
        }
        assert_eq!(window.get(ids[0]), None);
        assert_eq!(window.get(ids[1]), Some(appended_at(2)));
        assert_eq!(window.ids.len(), DUPLICATE_WINDOW_COMMITS);

        // Commits decided past what was stored are forgotten; an id stored again later
        // is not forgotten with its first copy.
        window.forget_after(10);
        assert_eq!(window.get(ids[10]), None);
        assert_eq!(window.get(ids[9]), Some(appended_at(10)));
        window.insert(ids[1], appended_at(11), Timestamp::from_millis(5));
        window.forget(ids[1], 2);
        assert_eq!(window.get(ids[1]), Some(appended_at(11)));
    }

    fn test_stream_n(n: usize) -> StreamId {
        use synergy_proto::{AggregateId, Context, PartnershipId};
        StreamId::new(
            Context::Support,
            PartnershipId::new("p1").expect("valid id"),
            AggregateId::new(format!("meeting:{n}")).expect("valid id"),
        )
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_appends_share_records_and_read_back_by_position() {
        const WRITERS: usize = 32;
        const EACH: usize = 20;
        let db = temporary_db();
        let log = SledLog::open_db(db.clone()).expect("open");
        let tasks: Vec<_> = (0..WRITERS)
            .map(|w| {
                let log = log.clone();
                tokio::spawn(async move {
                    let s = test_stream_n(w);
                    let mut acks = Vec::new();
                    for v in 0..EACH as u64 {
                        let expected = if v == 0 {
                            ExpectedVersion::NoStream
                        } else {
                            ExpectedVersion::Exact(v)
                        };
                        let c = test_commit(&s);
                        let a = log.append(expected, c.clone()).await.expect("append");
                        acks.push((c.commit_id, a));
                    }
                    acks
                })
            })
            .collect();
        let mut acks = Vec::new();
        for t in tasks {
            acks.push(t.await.expect("writer"));
        }
        let total = (WRITERS * EACH) as u64;
        let stats = log.stats();
        assert_eq!(stats.commits_written, total);
        assert!(
            stats.records_written < total,
            "concurrent appends should share records: {stats:?}"
        );

        check_read_back(&log, &acks, total).await;
        close(log).await;
        let log = SledLog::open_db(db).expect("reopen");
        check_read_back(&log, &acks, total).await;
        let next = log
            .append(
                ExpectedVersion::Exact(EACH as u64),
                test_commit(&test_stream_n(0)),
            )
            .await
            .expect("append after reopen");
        assert_eq!(
            (next.position, next.first_version),
            (Position(total + 1), EACH as u64 + 1)
        );
        close(log).await;
    }

    /// Checks that every acknowledged commit of `acks` (per writer, one stream each) reads
    /// back by aggregate and by subscription, from any start position.
    async fn check_read_back(log: &SledLog, acks: &[Vec<(Uuid, Appended)>], total: u64) {
        assert_eq!(log.head().await.expect("head"), Position(total));
        for (w, acks) in acks.iter().enumerate() {
            let read = log
                .read_aggregate(&test_stream_n(w), 1)
                .await
                .expect("read");
            let got: Vec<_> = read
                .iter()
                .map(|c| (c.commit.commit_id, c.position, c.commit.first_version))
                .collect();
            let want: Vec<_> = acks
                .iter()
                .map(|(id, a)| (*id, a.position, a.first_version))
                .collect();
            assert_eq!(got, want);
        }
        let all: Vec<StoredCommit> = log
            .subscribe(Position(0), Filter::ALL)
            .take(total as usize)
            .map(|c| c.expect("commit"))
            .collect()
            .await;
        let positions: Vec<u64> = all.iter().map(|c| c.position.get()).collect();
        assert_eq!(positions, (1..=total).collect::<Vec<_>>());
        // A subscription may start at any position, also inside a group.
        for after in [1, 2, 3, 5, 8, 13, total / 2, total - 1] {
            let mut sub = log.subscribe(Position(after), Filter::ALL);
            let next = sub.next().await.expect("a commit").expect("decodes");
            assert_eq!(next.position, Position(after + 1));
            assert_eq!(next.commit.commit_id, all[after as usize].commit.commit_id);
        }
    }

    #[tokio::test]
    async fn reopening_writes_the_index_entries_a_crash_left_out_of_a_group() {
        let db = temporary_db();
        let first = test_stream_n(0);
        let log = SledLog::open_db(db.clone()).expect("a new database opens");
        log.append(ExpectedVersion::NoStream, test_commit(&first))
            .await
            .expect("first append");
        close(log).await;
        // A crash after a group of three commits (positions 2..=4) and its first `s` entry.
        let tree = db.open_tree(LOG_TREE).expect("log tree");
        let streams = [first.clone(), test_stream_n(1), test_stream_n(2)];
        let mut builder = CommitGroupBuilder::new();
        let mut commits = Vec::new();
        for (i, s) in streams.iter().enumerate() {
            let mut c = test_commit(s);
            c.first_version = if i == 0 { 2 } else { 1 };
            c.recorded_at = now();
            builder.push(&c);
            commits.push(c);
        }
        tree.insert(2u64.to_be_bytes(), builder.finish())
            .expect("group record");
        tree.insert(index_key(&stream_key(&first), 2), &2u64.to_be_bytes()[..])
            .expect("first s entry");

        let log = SledLog::open_db(db).expect("reopen repairs");
        assert_eq!(log.head().await.expect("head"), Position(4));
        for (i, (s, c)) in streams.iter().zip(&commits).enumerate() {
            let read = log.read_aggregate(s, 1).await.expect("read");
            let last = read.last().expect("the group's commit is indexed");
            assert_eq!(last.position, Position(2 + i as u64));
            assert_eq!(last.commit, *c);
        }
        let next = log
            .append(ExpectedVersion::Exact(1), test_commit(&streams[2]))
            .await
            .expect("the stream goes on");
        assert_eq!((next.position, next.first_version), (Position(5), 2));
        close(log).await;
    }

    #[tokio::test]
    async fn reopening_drops_the_index_entry_of_a_lost_raw_record() {
        let db = temporary_db();
        let s = test_stream();
        let log = SledLog::open_db(db.clone()).expect("a new database opens");
        log.inject_raw_record(&s, b"garbage".to_vec())
            .await
            .expect("raw record");
        close(log).await;
        // A crash after the second raw record's marker and `s` entry, before the record.
        let tree = db.open_tree(LOG_TREE).expect("log tree");
        let key = index_key(&stream_key(&s), 2);
        tree.insert(RAW_KEY, encode_raw_marker(2, &key))
            .expect("marker");
        tree.insert(&key, &2u64.to_be_bytes()[..]).expect("s");

        let log = SledLog::open_db(db).expect("reopen repairs");
        assert!(log.test_store().tree.get(&key).expect("get").is_none());
        assert_eq!(
            log.test_store().stream_version(&stream_key(&s)).ok(),
            Some(1)
        );
        // The surviving raw record is left as it is, undecodable: quarantined, and the
        // aggregate's version still counts it.
        let read = log
            .load_aggregate(&s, 1)
            .await
            .expect("a load passes over it");
        assert!(read.commits.is_empty());
        assert_eq!(read.version, 1);
        assert_eq!(
            read.quarantined
                .iter()
                .map(|q| (q.position, q.subject.clone()))
                .collect::<Vec<_>>(),
            [(Position(1), Some(subject::commit(&s)))]
        );
        close(log).await;
    }

    #[tokio::test]
    async fn layouts_3_and_4_are_moved_to_layout_5() {
        for marker in [LAYOUT_3, LAYOUT_4] {
            let db = temporary_db();
            let s = test_stream();
            let tree = db.open_tree(LOG_TREE).expect("log tree");
            tree.insert(LAYOUT_KEY, marker).expect("marker");
            let first = test_commit(&s);
            let (a1, bytes) = stored(&first, 1, 0);
            let c1 = commit_id_key(first.commit_id);
            tree.insert(c1, &encode_appended(&a1)[..]).expect("c");
            tree.insert(1u64.to_be_bytes(), bytes).expect("log record");
            tree.insert(index_key(&stream_key(&s), 1), &1u64.to_be_bytes()[..])
                .expect("s");

            let log = SledLog::open_db(db).expect("an older layout opens");
            let tree = &log.test_store().tree;
            assert_eq!(tree.get(LAYOUT_KEY).expect("get").as_deref(), Some(LAYOUT));
            assert!(
                tree.get(c1).expect("get").is_none(),
                "c entries are dropped"
            );
            assert_eq!(log.head().await.expect("head"), Position(1));
            let read = log.read_aggregate(&s, 1).await.expect("read");
            assert_eq!(read[0].commit.commit_id, first.commit_id);
            // A retry is answered from the window, and past it from the record that the
            // old index entry (a position alone) names.
            for forget in [false, true] {
                if forget {
                    empty_the_window(&log);
                }
                let retry = log
                    .append(ExpectedVersion::NoStream, first.clone())
                    .await
                    .expect("retry of the stored commit");
                assert_eq!(
                    retry,
                    Appended {
                        duplicate: true,
                        ..a1
                    }
                );
            }
            close(log).await;
        }
    }

    #[tokio::test]
    async fn layout_2_is_moved_to_layout_5() {
        let db = temporary_db();
        let s = test_stream();
        let tree = db.open_tree(LOG_TREE).expect("log tree");
        tree.insert(LAYOUT_KEY, LAYOUT_2).expect("marker");
        // Layout 2: the first commit complete, the second lost after its entries.
        let first = test_commit(&s);
        let (a1, bytes) = stored(&first, 1, 0);
        let (c1, s1) = (
            commit_id_key(first.commit_id),
            index_key(&stream_key(&s), 1),
        );
        let lost = test_commit(&s);
        let (a2, _) = stored(&lost, 2, 1);
        let (c2, s2) = (commit_id_key(lost.commit_id), index_key(&stream_key(&s), 2));
        let mut pending = Vec::new();
        for key in [&c2[..], &s2[..]] {
            pending.extend_from_slice(&(key.len() as u32).to_be_bytes());
            pending.extend_from_slice(key);
        }
        tree.insert(&c1[..], &encode_appended(&a1)[..]).expect("c1");
        tree.insert(&s1[..], &1u64.to_be_bytes()[..]).expect("s1");
        tree.insert(1u64.to_be_bytes(), bytes).expect("log 1");
        tree.insert(LAYOUT_2_PENDING_KEY, pending).expect("pending");
        tree.insert(&c2[..], &encode_appended(&a2)[..]).expect("c2");
        tree.insert(&s2[..], &2u64.to_be_bytes()[..]).expect("s2");

        let log = SledLog::open_db(db).expect("layout 2 opens");
        let tree = &log.test_store().tree;
        assert_eq!(tree.get(LAYOUT_KEY).expect("get").as_deref(), Some(LAYOUT));
        assert!(tree.get(LAYOUT_2_PENDING_KEY).expect("get").is_none());
        assert!(tree.get(c1).expect("get").is_none());
        assert!(tree.get(c2).expect("get").is_none());
        assert!(tree.get(&s2).expect("get").is_none());
        assert_eq!(log.head().await.expect("head"), Position(1));
        let retry = log
            .append(ExpectedVersion::NoStream, first)
            .await
            .expect("retry of the stored commit");
        assert!(retry.duplicate);
        let again = log
            .append(ExpectedVersion::Exact(1), lost)
            .await
            .expect("the lost commit, retried");
        assert_eq!((again.position, again.duplicate), (Position(2), false));
        close(log).await;
    }

    #[test]
    fn another_marker_or_no_marker_is_refused() {
        let db = temporary_db();
        let tree = db.open_tree(LOG_TREE).expect("log tree");
        tree.insert(LAYOUT_KEY, &b"synergy-eventlog sled layout 9"[..])
            .expect("insert");
        let err = SledLog::open_db(db).expect_err("another layout must be refused");
        assert!(err.to_string().contains("layout 9"), "{err}");

        let db = temporary_db();
        let tree = db.open_tree(LOG_TREE).expect("log tree");
        tree.insert(1u64.to_be_bytes(), &b"unmarked"[..])
            .expect("insert");
        let err = SledLog::open_db(db).expect_err("an unmarked log must be refused");
        assert!(err.to_string().contains("no layout marker"), "{err}");
    }
}
