//! The embedded event log on sled: one process, no server, durable on `Ok`.
//!
//! # Layout
//!
//! Four trees, all written for a commit in the same sled transaction:
//!
//! | tree                   | key                                   | value                       |
//! |------------------------|---------------------------------------|-----------------------------|
//! | `synergy.log`          | position (u64 big-endian)             | `codec::encode_commit` bytes|
//! | `synergy.stream_index` | stream key + last version (u64 BE)    | position (u64 BE)           |
//! | `synergy.stream_head`  | stream key                            | last version (u64 BE)       |
//! | `synergy.commit_ids`   | commit id (16 bytes)                  | position, first, last (BE)  |
//!
//! The stream key is `context \0 partnership \0 aggregate \0`; ids never contain `\0`, so
//! one stream's key is never a prefix of another's. Indexing by the *last* version of each
//! commit makes "the commit holding version v" the first index entry at or after `v`.
//!
//! # Durability and group commit
//!
//! A single writer thread owns every write. It takes all appends waiting in its queue
//! (up to [`MAX_BATCH`]), decides each one (idempotency, expected version) in order, and
//! writes the whole batch in one sled transaction — so the four trees never disagree, even
//! after a crash, and sled recovers the batch whole or not at all. It then hands the
//! decided batch to a flusher thread and goes on with the next one. The flusher takes
//! every batch handed to it so far, calls [`sled::Db::flush`] once — sled writes its log
//! and `fsync`s it — and only then answers the waiters. One flush therefore serves every
//! append that was waiting for it: a lone writer pays one fsync per append, 64 concurrent
//! writers share one, and the transactions of the next appends run while the disk syncs.
//! If the flush fails, written commits are answered `Unavailable` (a retry with the same
//! commit id is safe).
//!
//! Positions are handed out by the writer thread, only for commits that are written, so
//! the log is gap-free (1, 2, 3, ...) and stays so across crashes: sled recovers a prefix
//! of its transactions.
//!
//! # Readers
//!
//! Readers never see a commit before it is durable: `head`, `read_aggregate` and every
//! subscription stop at the *durable head*, the last position whose flush has completed.
//! The writer publishes it on a [`tokio::sync::watch`] channel, which is also how live
//! subscribers are woken — no polling. Subscriptions read the log tree in bounded batches
//! (at most [`READ_BATCH`] records or [`READ_BATCH_BYTES`] bytes at a time) on tokio's
//! blocking pool, so following a log of any length uses bounded memory.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use futures::StreamExt;
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};
use synergy_proto::{Commit, StreamId, Timestamp, Uuid, decode_commit, encode_commit};
use tokio::sync::{oneshot, watch};

use crate::{
    AppendError, Appended, EventLog, ExpectedVersion, Filter, Position, ReadError, StoredCommit,
    Subscription,
};

/// Most appends one transaction and one flush serve together.
pub const MAX_BATCH: usize = 512;
/// Most records a subscription reads from sled in one go.
pub const READ_BATCH: usize = 512;
/// Most encoded bytes a subscription holds from one read (a batch stops at the first
/// record that crosses it), so large commits do not make batches huge.
pub const READ_BATCH_BYTES: usize = 4 << 20;

const LOG_TREE: &str = "synergy.log";
const INDEX_TREE: &str = "synergy.stream_index";
const HEAD_TREE: &str = "synergy.stream_head";
const COMMIT_ID_TREE: &str = "synergy.commit_ids";

/// Why the log could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot open the sled event log: {0}")]
    Storage(#[from] sled::Error),
    #[error(
        "the sled event log's {tree} tree holds a key of {len} bytes; positions are 8 bytes — is this a Synergy event log?"
    )]
    Layout { tree: &'static str, len: usize },
    #[error("cannot start the event log's writer thread: {0}")]
    Thread(#[from] std::io::Error),
}

/// Counters for benchmarks and operators: how well group commit is working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SledStats {
    /// Commits written (duplicates and conflicts excluded).
    pub commits_written: u64,
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
    trees: Trees,
    /// `None` only while dropping, to tell the writer thread to finish.
    requests: Option<mpsc::Sender<Request>>,
    writer: Option<JoinHandle<()>>,
    durable: watch::Receiver<u64>,
    stats: Arc<Counters>,
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
    }
}

#[derive(Default)]
struct Counters {
    commits_written: AtomicU64,
    flushes: AtomicU64,
}

#[derive(Clone)]
struct Trees {
    db: sled::Db,
    log: sled::Tree,
    index: sled::Tree,
    heads: sled::Tree,
    commit_ids: sled::Tree,
}

impl SledLog {
    /// Opens (or creates) the log in directory `path` with sled's default configuration.
    pub fn open(path: impl AsRef<Path>) -> Result<SledLog, OpenError> {
        SledLog::open_with(sled::Config::new().path(path.as_ref()))
    }

    /// Opens the log with a caller-built sled configuration (cache size, mode, temporary
    /// databases for tests and benchmarks).
    pub fn open_with(config: sled::Config) -> Result<SledLog, OpenError> {
        SledLog::open_db(config.open()?)
    }

    /// Runs the log on an already opened sled database. The log keeps to its own trees
    /// (`synergy.*`), so the database may hold other trees too.
    pub fn open_db(db: sled::Db) -> Result<SledLog, OpenError> {
        let trees = Trees {
            log: db.open_tree(LOG_TREE)?,
            index: db.open_tree(INDEX_TREE)?,
            heads: db.open_tree(HEAD_TREE)?,
            commit_ids: db.open_tree(COMMIT_ID_TREE)?,
            db,
        };
        let head = match trees.log.last()? {
            None => 0,
            Some((key, _)) => decode_u64(&key).ok_or(OpenError::Layout {
                tree: LOG_TREE,
                len: key.len(),
            })?,
        };
        let (durable_tx, durable) = watch::channel(head);
        let (requests, queue) = mpsc::channel();
        let (decided_tx, decided) = mpsc::channel();
        let stats = Arc::new(Counters::default());
        let flusher = Flusher {
            db: trees.db.clone(),
            durable: durable_tx,
            stats: stats.clone(),
        };
        let flusher = std::thread::Builder::new()
            .name("synergy-sled-flush".into())
            .spawn(move || flusher.run(decided))?;
        let writer = Writer {
            trees: trees.clone(),
            next: head + 1,
            stats: stats.clone(),
        };
        let writer = std::thread::Builder::new()
            .name("synergy-sled-writer".into())
            .spawn(move || writer.run(queue, decided_tx, flusher))?;
        Ok(SledLog {
            inner: Arc::new(Inner {
                trees,
                requests: Some(requests),
                writer: Some(writer),
                durable,
                stats,
            }),
        })
    }

    /// Group-commit counters since this log was opened.
    pub fn stats(&self) -> SledStats {
        SledStats {
            commits_written: self.inner.stats.commits_written.load(Ordering::Relaxed),
            flushes: self.inner.stats.flushes.load(Ordering::Relaxed),
        }
    }

    /// Fault injection for tests and repair drills: stores `bytes` unchecked as the next
    /// record of the global log and as one version of `stream`, exactly as a commit would
    /// be (same transaction, same flush). Readers report it as
    /// [`ReadError::Corrupt`] when it does not decode. Never use it to write real commits.
    pub async fn inject_raw_record(
        &self,
        stream: &StreamId,
        bytes: Vec<u8>,
    ) -> Result<Position, AppendError> {
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

    fn durable_head(&self) -> u64 {
        *self.inner.durable.borrow()
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
        let (reply, answer) = oneshot::channel();
        self.send(Request {
            payload: Payload::Commit { expected, commit },
            reply,
        })?;
        answer.await.map_err(|_| writer_gone())?
    }

    async fn read_aggregate(
        &self,
        stream: &StreamId,
        from_version: u64,
    ) -> Result<Vec<StoredCommit>, ReadError> {
        let trees = self.inner.trees.clone();
        let durable = self.durable_head();
        let stream = stream.clone();
        tokio::task::spawn_blocking(move || read_aggregate(&trees, &stream, from_version, durable))
            .await
            .map_err(|e| unavailable(format!("the read task failed: {e}")))?
    }

    fn subscribe(&self, after: Position, filter: Filter) -> Subscription {
        let cursor = Cursor {
            log: self.inner.trees.log.clone(),
            after: after.get(),
            filter,
            durable: self.inner.durable.clone(),
        };
        futures::stream::unfold(Some(cursor), |cursor| async move {
            let mut cursor = cursor?;
            match cursor.next_batch().await {
                Ok(Some(batch)) => Some((batch, Some(cursor))),
                Ok(None) => None,
                // A storage failure ends the subscription; the consumer resumes from the
                // last position it processed.
                Err(e) => Some((vec![Err(e)], None)),
            }
        })
        .flat_map(futures::stream::iter)
        .boxed()
    }

    async fn head(&self) -> Result<Position, ReadError> {
        Ok(Position(self.durable_head()))
    }
}

fn read_aggregate(
    trees: &Trees,
    stream: &StreamId,
    from_version: u64,
    durable: u64,
) -> Result<Vec<StoredCommit>, ReadError> {
    let prefix = stream_key(stream);
    let start = index_key(&prefix, from_version.max(1));
    let end = index_key(&prefix, u64::MAX);
    let mut out = Vec::new();
    for entry in trees.index.range(start..=end) {
        let (_, value) = entry.map_err(storage_read)?;
        let position = decode_u64(&value).ok_or_else(|| {
            unavailable(format!("the index of {stream} holds a malformed position"))
        })?;
        // Written but not yet flushed: not acknowledged, so not visible.
        if position > durable {
            break;
        }
        let bytes = trees
            .log
            .get(position.to_be_bytes())
            .map_err(storage_read)?
            .ok_or_else(|| {
                unavailable(format!(
                    "the index of {stream} points at position {position}, which the log does not hold"
                ))
            })?;
        let commit = decode_commit(&bytes)
            .map_err(|source| ReadError::Corrupt {
                position: Position(position),
                source,
            })?
            .commit;
        out.push(StoredCommit {
            position: Position(position),
            commit,
        });
    }
    Ok(out)
}

/// Where a subscription is: the last position it has passed.
struct Cursor {
    log: sled::Tree,
    after: u64,
    filter: Filter,
    durable: watch::Receiver<u64>,
}

type Batch = Vec<Result<StoredCommit, ReadError>>;

impl Cursor {
    /// The next non-empty batch of matching records, waiting for appends when caught up.
    /// `None` once the log is closed and everything durable has been passed.
    async fn next_batch(&mut self) -> Result<Option<Batch>, ReadError> {
        loop {
            let durable = *self.durable.borrow_and_update();
            if durable > self.after {
                let log = self.log.clone();
                let (after, filter) = (self.after, self.filter.clone());
                let (batch, last) = tokio::task::spawn_blocking(move || {
                    read_log_batch(&log, after, durable, &filter)
                })
                .await
                .map_err(|e| unavailable(format!("the read task failed: {e}")))??;
                self.after = last;
                if !batch.is_empty() {
                    return Ok(Some(batch));
                }
                continue;
            }
            if self.durable.changed().await.is_err() {
                // The writer is gone; whatever it made durable is still worth reading.
                if *self.durable.borrow() > self.after {
                    continue;
                }
                return Ok(None);
            }
        }
    }
}

/// Reads records in `(after, durable]`, bounded by [`READ_BATCH`] and [`READ_BATCH_BYTES`].
/// Returns the matching ones and the last position passed.
fn read_log_batch(
    log: &sled::Tree,
    after: u64,
    durable: u64,
    filter: &Filter,
) -> Result<(Batch, u64), ReadError> {
    let mut batch = Vec::new();
    let mut last = after;
    let mut bytes_read = 0;
    let range = (after + 1).to_be_bytes()..=durable.to_be_bytes();
    for (n, entry) in log.range(range).enumerate() {
        if n == READ_BATCH || bytes_read >= READ_BATCH_BYTES {
            break;
        }
        let (key, value) = entry.map_err(storage_read)?;
        let position = decode_u64(&key)
            .ok_or_else(|| unavailable(format!("the log holds a key of {} bytes", key.len())))?;
        last = position;
        bytes_read += value.len();
        match decode_commit(&value) {
            // An undecodable record cannot be filtered: it is always reported.
            Err(source) => batch.push(Err(ReadError::Corrupt {
                position: Position(position),
                source,
            })),
            Ok(decoded) if filter.matches(&decoded.commit.stream) => batch.push(Ok(StoredCommit {
                position: Position(position),
                commit: decoded.commit,
            })),
            Ok(_) => {}
        }
    }
    Ok((batch, last))
}

struct Request {
    payload: Payload,
    reply: oneshot::Sender<Result<Appended, AppendError>>,
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

/// What the writer decided for one request before writing.
enum Plan {
    /// Answered without writing (duplicate or conflict).
    Answer(Result<Appended, AppendError>),
    Write(Box<Write>),
}

struct Write {
    appended: Appended,
    stream_key: Vec<u8>,
    /// The stream's last version the decision was based on; rechecked in the transaction.
    previous_version: u64,
    commit_id: Option<Uuid>,
    bytes: Vec<u8>,
}

/// Raised inside the transaction when the stored state is not what the plan was based
/// on. Only the writer thread writes, so this means the database was changed behind the
/// log's back; the batch is then answered `Unavailable`.
#[derive(Debug)]
struct StalePlan;

/// A decided batch on its way to the flusher: each waiter with its answer, to be sent once
/// everything up to `written_through` is on disk.
struct Decided {
    answers: Vec<(Reply, Result<Appended, AppendError>)>,
    written_through: u64,
}

type Reply = oneshot::Sender<Result<Appended, AppendError>>;

/// Decides and writes batches; hands them to the [`Flusher`] and goes straight on with the
/// next batch, so transactions of new appends overlap the fsync of earlier ones.
struct Writer {
    trees: Trees,
    /// The position the next written commit gets.
    next: u64,
    stats: Arc<Counters>,
}

impl Writer {
    fn run(
        mut self,
        queue: mpsc::Receiver<Request>,
        flusher: mpsc::Sender<Decided>,
        flusher_thread: JoinHandle<()>,
    ) {
        while let Ok(first) = queue.recv() {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match queue.try_recv() {
                    Ok(request) => batch.push(request),
                    Err(_) => break,
                }
            }
            let decided = self.commit_batch(batch);
            if flusher.send(decided).is_err() {
                // The flusher only stops when this sender is dropped or it panicked;
                // dropped waiters then see the log as unavailable.
                tracing::error!("the sled event log flusher has stopped");
                break;
            }
        }
        drop(flusher);
        if flusher_thread.join().is_err() {
            tracing::error!("the sled event log flusher thread panicked");
        }
    }

    fn commit_batch(&mut self, batch: Vec<Request>) -> Decided {
        let (payloads, replies): (Vec<Payload>, Vec<Reply>) =
            batch.into_iter().map(|r| (r.payload, r.reply)).unzip();
        let answers = match self.plan(payloads) {
            Ok(plans) => self.write(plans),
            Err(e) => {
                let reason = format!("cannot read the sled event log: {e}");
                replies
                    .iter()
                    .map(|_| Err(unavailable_append(&reason)))
                    .collect()
            }
        };
        Decided {
            answers: replies.into_iter().zip(answers).collect(),
            written_through: self.next - 1,
        }
    }

    /// Decides every request in order, as if each were appended alone: later requests
    /// see the versions and commit ids of earlier ones in the same batch.
    fn plan(&self, payloads: Vec<Payload>) -> sled::Result<Vec<Plan>> {
        use std::collections::HashMap;
        let mut heads: HashMap<Vec<u8>, u64> = HashMap::new();
        let mut seen: HashMap<Uuid, Appended> = HashMap::new();
        let mut next = self.next;
        let recorded_at = now();
        let mut plans = Vec::with_capacity(payloads.len());
        for payload in payloads {
            let (stream, commit_id) = match &payload {
                Payload::Commit { commit, .. } => (&commit.stream, Some(commit.commit_id)),
                Payload::Raw { stream, .. } => (stream, None),
            };
            if let Some(id) = commit_id {
                let original = match seen.get(&id) {
                    Some(a) => Some(*a),
                    None => self
                        .trees
                        .commit_ids
                        .get(id.as_bytes())?
                        .and_then(|v| decode_appended(&v)),
                };
                if let Some(original) = original {
                    plans.push(Plan::Answer(Ok(Appended {
                        duplicate: true,
                        ..original
                    })));
                    continue;
                }
            }
            let stream_key = stream_key(stream);
            let actual = match heads.get(&stream_key) {
                Some(v) => *v,
                None => self
                    .trees
                    .heads
                    .get(&stream_key)?
                    .and_then(|v| decode_u64(&v))
                    .unwrap_or(0),
            };
            let (appended, bytes) = match payload {
                Payload::Commit {
                    expected,
                    mut commit,
                } => {
                    if !expected.admits(actual) {
                        plans.push(Plan::Answer(Err(AppendError::Conflict {
                            stream: commit.stream,
                            expected,
                            actual,
                        })));
                        continue;
                    }
                    commit.first_version = actual + 1;
                    commit.recorded_at = recorded_at;
                    let appended = Appended {
                        position: Position(next),
                        first_version: commit.first_version,
                        last_version: commit.last_version(),
                        duplicate: false,
                    };
                    (appended, encode_commit(&commit))
                }
                Payload::Raw { bytes, .. } => {
                    let appended = Appended {
                        position: Position(next),
                        first_version: actual + 1,
                        last_version: actual + 1,
                        duplicate: false,
                    };
                    (appended, bytes)
                }
            };
            if let Some(id) = commit_id {
                seen.insert(id, appended);
            }
            heads.insert(stream_key.clone(), appended.last_version);
            next += 1;
            plans.push(Plan::Write(Box::new(Write {
                appended,
                stream_key,
                previous_version: actual,
                commit_id,
                bytes,
            })));
        }
        Ok(plans)
    }

    /// Writes the planned commits in one transaction and returns every answer (valid once
    /// the flusher has made the transaction durable).
    fn write(&mut self, plans: Vec<Plan>) -> Vec<Result<Appended, AppendError>> {
        let writes: Vec<&Write> = plans
            .iter()
            .filter_map(|p| match p {
                Plan::Write(w) => Some(&**w),
                Plan::Answer(_) => None,
            })
            .collect();
        let outcome = if writes.is_empty() {
            Ok(())
        } else {
            self.transact(&writes).map(|()| {
                self.next += writes.len() as u64;
                self.stats
                    .commits_written
                    .fetch_add(writes.len() as u64, Ordering::Relaxed);
            })
        };
        if let Err(reason) = &outcome {
            tracing::error!(%reason, "sled event log batch failed");
            // A failed transaction wrote nothing, but start again from what the log really
            // holds so positions stay gap-free whatever sled did.
            if let Ok(last) = self.trees.log.last() {
                self.next = last.and_then(|(k, _)| decode_u64(&k)).unwrap_or(0) + 1;
            }
        }
        plans
            .into_iter()
            .map(|plan| match (plan, &outcome) {
                (Plan::Answer(answer), _) => answer,
                (Plan::Write(w), Ok(())) => Ok(w.appended),
                (Plan::Write(_), Err(reason)) => Err(unavailable_append(reason)),
            })
            .collect()
    }

    fn transact(&self, writes: &[&Write]) -> Result<(), String> {
        let t = &self.trees;
        let result = (&t.log, &t.index, &t.heads, &t.commit_ids).transaction(
            |(log, index, heads, commit_ids): &(
                TransactionalTree,
                TransactionalTree,
                TransactionalTree,
                TransactionalTree,
            )| {
                for w in writes {
                    // The version check the plan made, repeated where it counts: inside
                    // the transaction that writes.
                    let current = heads
                        .get(&w.stream_key)?
                        .and_then(|v| decode_u64(&v))
                        .unwrap_or(0);
                    if current != w.previous_version {
                        return Err(ConflictableTransactionError::Abort(StalePlan));
                    }
                    let position = w.appended.position.get().to_be_bytes();
                    if let Some(id) = w.commit_id {
                        if commit_ids.get(id.as_bytes())?.is_some() {
                            return Err(ConflictableTransactionError::Abort(StalePlan));
                        }
                        commit_ids.insert(id.as_bytes(), &encode_appended(&w.appended)[..])?;
                    }
                    log.insert(&position, w.bytes.as_slice())?;
                    index.insert(
                        index_key(&w.stream_key, w.appended.last_version),
                        &position[..],
                    )?;
                    heads.insert(
                        w.stream_key.as_slice(),
                        &w.appended.last_version.to_be_bytes()[..],
                    )?;
                }
                Ok(())
            },
        );
        result.map_err(|e| match e {
            TransactionError::Abort(StalePlan) => {
                "the database changed outside the event log's writer".to_owned()
            }
            TransactionError::Storage(e) => format!("sled transaction failed: {e}"),
        })
    }
}

/// Makes decided batches durable: takes every batch waiting, calls [`sled::Db::flush`]
/// once for all of them, publishes the new durable head and answers the waiters. A
/// transaction that finished before the flush started is covered by it.
struct Flusher {
    db: sled::Db,
    durable: watch::Sender<u64>,
    stats: Arc<Counters>,
}

impl Flusher {
    fn run(self, decided: mpsc::Receiver<Decided>) {
        while let Ok(first) = decided.recv() {
            let mut batches = vec![first];
            batches.extend(decided.try_iter());
            let written_through = batches.iter().map(|b| b.written_through).max();
            let flushed = self.db.flush();
            if flushed.is_ok() {
                self.stats.flushes.fetch_add(1, Ordering::Relaxed);
                if let Some(head) = written_through {
                    self.durable.send_if_modified(|durable| {
                        let moved = head > *durable;
                        *durable = (*durable).max(head);
                        moved
                    });
                }
            }
            for (reply, answer) in batches.into_iter().flat_map(|b| b.answers) {
                let answer = match (&flushed, answer) {
                    (Ok(_), answer) => answer,
                    // Written but perhaps not durable: the caller must not count on it, and
                    // a retry with the same commit id is answered from the stored original.
                    (Err(e), Ok(_)) => Err(unavailable_append(&format!("sled flush failed: {e}"))),
                    (Err(_), refusal) => refusal,
                };
                // A caller that stopped waiting still had its commit decided; nothing to do.
                let _ = reply.send(answer);
            }
        }
    }
}

fn stream_key(stream: &StreamId) -> Vec<u8> {
    let parts = [
        stream.context.as_str(),
        stream.partnership.as_str(),
        stream.aggregate.as_str(),
    ];
    let mut key = Vec::with_capacity(parts.iter().map(|p| p.len() + 1).sum::<usize>() + 8);
    for part in parts {
        key.extend_from_slice(part.as_bytes());
        key.push(0);
    }
    key
}

fn index_key(stream_key: &[u8], version: u64) -> Vec<u8> {
    let mut key = Vec::with_capacity(stream_key.len() + 8);
    key.extend_from_slice(stream_key);
    key.extend_from_slice(&version.to_be_bytes());
    key
}

fn decode_u64(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.try_into().ok()?))
}

fn encode_appended(a: &Appended) -> [u8; 24] {
    let mut out = [0; 24];
    out[..8].copy_from_slice(&a.position.get().to_be_bytes());
    out[8..16].copy_from_slice(&a.first_version.to_be_bytes());
    out[16..].copy_from_slice(&a.last_version.to_be_bytes());
    out
}

fn decode_appended(bytes: &[u8]) -> Option<Appended> {
    if bytes.len() != 24 {
        return None;
    }
    Some(Appended {
        position: Position(decode_u64(&bytes[..8])?),
        first_version: decode_u64(&bytes[8..16])?,
        last_version: decode_u64(&bytes[16..])?,
        duplicate: false,
    })
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
    }

    #[test]
    fn appended_round_trips() {
        let a = Appended {
            position: Position(7),
            first_version: 3,
            last_version: 9,
            duplicate: false,
        };
        assert_eq!(decode_appended(&encode_appended(&a)), Some(a));
        assert_eq!(decode_appended(&[0; 23]), None);
    }
}
