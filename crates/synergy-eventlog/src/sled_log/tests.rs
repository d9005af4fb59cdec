//! Tests of the whole log, and the helpers the submodules' tests share.

use futures::StreamExt;
use synergy_proto::{Commit, StreamId, Timestamp, Uuid, encode_commit};

use super::writer::now;
use super::*;
use crate::StoredCommit;

pub(super) fn temporary_db() -> sled::Db {
    sled::Config::new()
        .temporary(true)
        .open()
        .expect("temporary sled database")
}

pub(super) fn test_stream() -> StreamId {
    use synergy_proto::{AggregateId, Context, PartnershipId};
    StreamId::new(
        Context::Support,
        PartnershipId::new("p1").expect("valid id"),
        AggregateId::new("meeting:1").expect("valid id"),
    )
}

pub(super) fn test_stream_n(n: usize) -> StreamId {
    use synergy_proto::{AggregateId, Context, PartnershipId};
    StreamId::new(
        Context::Support,
        PartnershipId::new("p1").expect("valid id"),
        AggregateId::new(format!("meeting:{n}")).expect("valid id"),
    )
}

pub(super) fn test_commit(stream: &StreamId) -> Commit {
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
pub(super) fn stored(commit: &Commit, position: u64, previous: u64) -> (Appended, Vec<u8>) {
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

pub(super) async fn close(log: SledLog) {
    tokio::task::spawn_blocking(move || drop(log))
        .await
        .expect("closing the log");
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
