//! Opening the log's tree and repairing what a crash (or a failed write) left: the index
//! entries of the last log record, and the entry of a raw record that was lost.

use std::path::Path;
use std::sync::Mutex;

use synergy_proto::decode_commit;

use super::OpenError;
use super::layout::{
    POSITION_LIMIT, RAW_KEY, decode_raw_marker, decode_u64, index_key, index_value, index_version,
    log_range, open_log_tree, stream_key,
};
use super::reader::{record_at, span};
use crate::sled_sync::{self, SledFiles};

/// One opening of the database: its trees and the files its flushes sync.
pub(super) struct Opened {
    pub(super) store: Store,
    /// `None` for a database the log was handed open
    /// ([`SledLog::open_db`](super::SledLog::open_db)) or a temporary one: only sled's own
    /// flush is done.
    files: Option<Mutex<SledFiles>>,
}

impl Opened {
    /// sled's flush, then `fdatasync`/`fsync` on the files it wrote (see
    /// [`crate::sled_sync`]).
    pub(super) fn flush(&self) -> Result<(), sled::Error> {
        sled_sync::flush(&self.store.db, self.files.as_ref())
    }
}

/// The log's tree in an opened database.
#[derive(Clone)]
pub(super) struct Store {
    pub(super) db: sled::Db,
    pub(super) tree: sled::Tree,
}

impl Store {
    /// Opens the log tree of `db` in layout 5 (see [`open_log_tree`]).
    fn open(db: sled::Db) -> Result<Store, OpenError> {
        let tree = open_log_tree(&db)?;
        Ok(Store { db, tree })
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

    /// A stream's last version according to its index (0 when it has none).
    pub(super) fn stream_version(&self, stream_key: &[u8]) -> Result<u64, sled::Error> {
        let range = index_key(stream_key, 0)..=index_key(stream_key, u64::MAX);
        let last = self.tree.range(range).next_back().transpose()?;
        Ok(last.map_or(0, |(key, _)| index_version(&key)))
    }
}

/// Opens the log's tree in `db` and repairs it (see [`Store::repair`]); with the
/// database's directory, its files are synced from then on ([`SledFiles`]). Everything
/// the repaired log holds is made durable before it is used.
pub(super) fn open_store(db: sled::Db, dir: Option<&Path>) -> Result<(Opened, u64), OpenError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sled_log::SledLog;
    use crate::sled_log::layout::{LOG_TREE, encode_raw_marker};
    use crate::sled_log::tests::{
        close, stored, temporary_db, test_commit, test_stream, test_stream_n,
    };
    use crate::sled_log::writer::now;
    use crate::{Appended, EventLog, ExpectedVersion, Position};
    use synergy_proto::{CommitGroupBuilder, subject};

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
}
