//! Reading the log: the records of the global log, an aggregate's commits by its index,
//! and subscriptions, which read records in batches and decode them on the consumer's
//! side.

use std::sync::Arc;

use synergy_proto::{CommitGroup, DecodeError, StreamId, decode_commit, is_commit_group, subject};
use tokio::sync::watch;

use super::layout::{decode_u64, index_key, index_position, index_version, log_range, stream_key};
use super::{Current, READ_BATCH, READ_BATCH_BYTES};
use crate::{Aggregate, Filter, Position, Quarantined, ReadError, StoredCommit};

pub(super) fn load_aggregate(
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
pub(super) struct Record {
    pub(super) first: u64,
    pub(super) bytes: sled::IVec,
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
    pub(super) fn frames(&self) -> Vec<(u64, &[u8])> {
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
    pub(super) fn frame(&self, position: u64) -> Result<&[u8], DecodeError> {
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
pub(super) fn span(bytes: &[u8]) -> u64 {
    if !is_commit_group(bytes) {
        return 1;
    }
    CommitGroup::parse(bytes).map_or(1, |group| group.len() as u64)
}

/// The record holding `position`, if the log holds it.
pub(super) fn record_at(tree: &sled::Tree, position: u64) -> Result<Option<Record>, sled::Error> {
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
pub(super) struct Cursor {
    /// Taken for each read only, so a reopening writer is not kept from the database.
    pub(super) current: Arc<Current>,
    pub(super) after: u64,
    pub(super) durable: watch::Receiver<u64>,
    /// At most one batch read ahead, so a subscription holds at most two batches.
    pub(super) ahead: Option<tokio::task::JoinHandle<Result<Batch, ReadError>>>,
}

/// Stored records in log order, not decoded yet, and the positions `(after, through]` of
/// them to hand out (the first and last record may hold positions outside).
pub(super) struct Batch {
    records: Vec<Record>,
    after: u64,
    through: u64,
}

/// The commits of one batch that match a subscription's filter, decoded one at a time;
/// an error stands for a failed read.
pub(super) struct Decoding {
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
    pub(super) fn new(batch: Result<Batch, ReadError>, filter: Arc<Filter>) -> Decoding {
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
    pub(super) async fn next_batch(&mut self) -> Result<Option<Batch>, ReadError> {
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

pub(super) fn unavailable(reason: String) -> ReadError {
    ReadError::Unavailable { reason }
}

pub(super) fn storage_read(e: sled::Error) -> ReadError {
    unavailable(format!("sled read failed: {e}"))
}
