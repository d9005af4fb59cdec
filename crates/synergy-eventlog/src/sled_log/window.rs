//! The duplicate window: the commit ids the writer remembers, to answer a retry with the
//! original result (see the module's *Idempotent retries* in [`super`]).

use std::collections::{HashMap, VecDeque};

use synergy_proto::{Timestamp, Uuid, decode_commit};

use super::layout::{decode_u64, log_range};
use super::reader::Record;
use super::{DUPLICATE_WINDOW, DUPLICATE_WINDOW_COMMITS};
use crate::{Appended, Position};

const DUPLICATE_WINDOW_MILLIS: i64 = DUPLICATE_WINDOW.as_millis() as i64;

/// The commits stored lately, by id, so that a retry gets the original answer without
/// an index entry per commit id: those recorded within [`DUPLICATE_WINDOW`] of the
/// latest, at most [`DUPLICATE_WINDOW_COMMITS`] of them. It is filled from the log's tail
/// at open, so it holds the same after a restart.
#[derive(Default)]
pub(super) struct Window {
    ids: HashMap<Uuid, Appended>,
    /// Position, id and recording time (ms) of each commit in `ids`, oldest first.
    order: VecDeque<(u64, Uuid, i64)>,
}

impl Window {
    pub(super) fn get(&self, id: Uuid) -> Option<Appended> {
        self.ids.get(&id).copied()
    }

    /// Adds a commit just decided (positions only grow) and forgets what falls out.
    pub(super) fn insert(&mut self, id: Uuid, appended: Appended, recorded_at: Timestamp) {
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
    pub(super) fn forget_after(&mut self, last: u64) {
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
    pub(super) fn load(tree: &sled::Tree, last: u64) -> Result<Window, sled::Error> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sled_log::SledLog;
    use crate::sled_log::tests::{close, temporary_db, test_commit, test_stream, test_stream_n};
    use crate::{EventLog, ExpectedVersion};

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
}
