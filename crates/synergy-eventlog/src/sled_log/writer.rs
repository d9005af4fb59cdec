//! Writing the log: the writer thread and appends that write for themselves decide
//! batches and store them in commit groups; the [`Syncer`] makes them durable with one
//! flush for many (group commit); after a storage failure the writer opens the database
//! again; a watchdog nudges flushes sled leaves waiting.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use synergy_proto::{Commit, CommitGroupBuilder, StreamId, Timestamp, Uuid, decode_commit};
use tokio::sync::{oneshot, watch};

use super::layout::{
    POSITION_LIMIT, RAW_KEY, decode_u64, encode_raw_marker, index_key, index_position, index_value,
    stream_key,
};
use super::reader::record_at;
use super::repair::{Opened, Store, open_store};
use super::window::Window;
use super::{
    Counters, Current, GROUP_BYTES, MAX_BATCH, OpenError, REOPEN_FREE_BYTES, REOPEN_PAUSE, Reopen,
    Shared, open_sled,
};
use crate::{AppendError, Appended, ExpectedVersion, Position};

/// Most stream versions the writer keeps in memory; when full it starts over, and misses
/// are read from the index.
const HEAD_CACHE: usize = 1 << 16;

pub(super) struct Request {
    pub(super) payload: Payload,
    pub(super) reply: Reply,
}

pub(super) enum Payload {
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
pub(super) struct Decided {
    answers: Vec<(Reply, Result<Appended, AppendError>)>,
    written_through: u64,
    /// The database it was written to (`None` if nothing was).
    opened: Option<Arc<Opened>>,
}

pub(super) type Reply = oneshot::Sender<Result<Appended, AppendError>>;

/// Decides and writes batches, one at a time under [`Shared::writer`]: the writer thread's
/// batches and those of appends that write for themselves
/// ([`SledLog::append_here`](super::SledLog::append_here)).
pub(super) struct Writer {
    /// The database written to; `None` while it is being opened again after a failure.
    pub(super) opened: Option<Arc<Opened>>,
    /// Where readers find the database; set with `opened`.
    pub(super) current: Arc<Current>,
    /// How to open the database again; `None` for
    /// [`SledLog::open_db`](super::SledLog::open_db).
    pub(super) reopen: Option<Reopen>,
    pub(super) durable: Arc<watch::Sender<u64>>,
    /// A failed flush, reported by the [`Syncer`]: the database must be opened again.
    pub(super) failed: Arc<Mutex<Option<String>>>,
    /// The position the next written commit gets.
    pub(super) next: u64,
    /// The last position whose record was written.
    pub(super) last_written: u64,
    /// Last version of streams written or looked up lately, by stream key. Only this thread
    /// writes, so an entry is the truth; a missing one is read from the index.
    pub(super) versions: HashMap<Vec<u8>, u64>,
    /// Set after a storage failure: sled 0.34 then refuses every write (and the tree may
    /// hold index entries the log does not back) until the database is opened again,
    /// which repairs it ([`Writer::try_reopen`]). Meanwhile every append is refused.
    pub(super) broken: Option<Broken>,
    /// Commits stored lately, to answer retries.
    pub(super) window: Window,
    pub(super) stats: Arc<Counters>,
}

/// Why the writer stopped writing, and when it last tried to open the database again.
pub(super) struct Broken {
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

/// The writer thread: takes the appends waiting in its queue (up to [`MAX_BATCH`]),
/// writes them as one batch and has them flushed. With appends waiting it hands a written
/// batch to the flusher thread and goes straight on with them, so writing new appends
/// overlaps the fsync of earlier ones; with none waiting it flushes the batch itself.
pub(super) fn run_writer(
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
    pub(super) fn commit_batch(&mut self, batch: Vec<Request>) -> Decided {
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
    /// commit's id (a raw record's entry does not: its record is read).
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
pub(super) struct Syncer {
    pub(super) durable: Arc<watch::Sender<u64>>,
    pub(super) stats: Arc<Counters>,
    /// Batches handed to the flusher thread and not yet answered by it.
    pub(super) handed: Arc<AtomicUsize>,
    /// A failed flush, for the writer: it then opens the database again before writing
    /// more (after a failed `fsync` the kernel may have dropped the data it could not
    /// write, so syncing again proves nothing; reopening reads what is really there).
    pub(super) failed: Arc<Mutex<Option<String>>>,
    /// The flush under way and when it began, for [`watch_flushes`].
    pub(super) flushing: Arc<Flushing>,
}

/// The flush under way, if any: when it began and the database it flushes.
pub(super) type Flushing = Mutex<Option<(Instant, Arc<Opened>)>>;

impl Syncer {
    pub(super) fn sync(&self, batches: Vec<Decided>) {
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
    pub(super) fn run(self, decided: mpsc::Receiver<Decided>) {
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
pub(super) fn watch_flushes(shared: &Shared, stop: &mpsc::Receiver<()>) {
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

pub(super) fn now() -> Timestamp {
    // A clock before 1970 is a broken host; recording 0 beats refusing the commit.
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    Timestamp::from_millis(i64::try_from(millis).unwrap_or(i64::MAX))
}

fn unavailable_append(reason: &str) -> AppendError {
    AppendError::Unavailable {
        reason: reason.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EventLog;
    use crate::sled_log::SledLog;
    use crate::sled_log::tests::{close, temporary_db, test_commit, test_stream};

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
}
