//! The event log conformance suite: every promise of [`EventLog`], written once and run
//! against every backend.
//!
//! A backend's test file implements [`Harness`] and calls [`conformance_suite!`], which
//! expands to one `#[tokio::test]` per check below. Each check starts from a fresh, empty
//! log and asserts outcomes that would differ if the backend broke the promise.

#![allow(dead_code)] // each backend's test crate uses the suite through the macro

use std::collections::{HashMap, HashSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::StreamExt;
use synergy_eventlog::{
    AppendError, Appended, EventLog, ExpectedVersion, Filter, JetStreamConfig, JetStreamLog,
    Position, ReadError, StoredCommit, Subscription,
};
use synergy_proto::events::{StrategyEvent, SupportEvent};
use synergy_proto::{
    Actor, AggregateId, Commit, Context, Event, MeetingId, OrgId, PartnershipId, PlanId,
    RecordedEvent, Role, StreamId, Timestamp, Uuid, subject,
};
use synergy_testkit::NatsServer;

/// What a backend provides to run the suite.
#[allow(async_fn_in_trait)] // used only by tests, on one runtime
pub trait Harness: Sized + Send + Sync + 'static {
    /// Cheap to clone (an `Arc` inside) so spawned tasks share one log.
    type Log: EventLog + Clone;
    /// A fresh, empty log.
    async fn start() -> Self;
    fn log(&self) -> Self::Log;
    /// Drops the log and opens it again on the same storage.
    async fn reopen(&mut self);
    /// Stores bytes that do not decode, as one commit of `stream`.
    async fn inject_garbage(&mut self, stream: &StreamId);
}

/// Expands to one test per check, run against `$harness`.
#[macro_export]
macro_rules! conformance_suite {
    ($harness:ty) => {
        $crate::conformance_suite!(@tests $harness;
            append_then_read_round_trips,
            load_after_reads_what_followed_a_readers_last_commit,
            expected_version_rules,
            invalid_commits_are_refused,
            concurrent_writers_on_one_aggregate,
            retry_with_the_same_commit_id_is_idempotent,
            ten_thousand_commits_over_a_hundred_aggregates,
            subscribe_from_the_middle,
            subscribe_then_append_live,
            subscriber_restart_sees_each_commit_once,
            large_commit_of_a_thousand_events,
            garbage_is_reported_with_its_position,
            garbage_at_an_aggregates_end_does_not_block_it,
            filters_by_context_and_partnership,
            head_is_the_last_position,
            reopen_keeps_everything,
        );
    };
    (@tests $harness:ty; $($name:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                $crate::conformance::$name::<$harness>().await;
            }
        )+
    };
}

// ---------------------------------------------------------------- builders and helpers

/// Longest a check waits for a subscription item before failing.
pub const WAIT: Duration = Duration::from_secs(20);

pub fn partnership(id: &str) -> PartnershipId {
    PartnershipId::new(id).expect("test partnership ids are valid")
}

pub fn stream(context: Context, partnership_id: &str, aggregate: &str) -> StreamId {
    StreamId::new(
        context,
        partnership(partnership_id),
        AggregateId::new(aggregate).expect("test aggregate ids are valid"),
    )
}

/// A small event of `context` (only strategy and support are used by the suite).
pub fn event(context: Context, n: usize) -> Event {
    match context {
        Context::Strategy => Event::Strategy(StrategyEvent::PlanWithdrawn {
            plan: PlanId::new("plan-1").expect("valid id"),
            reason: format!("reason {n}"),
        }),
        _ => Event::Support(SupportEvent::MeetingCancelled {
            meeting: MeetingId::new("m-1").expect("valid id"),
            reason: format!("reason {n}"),
        }),
    }
}

/// A commit of `events` events with a fresh commit id; versions and `recorded_at` are
/// left for the log to stamp.
pub fn commit(stream: &StreamId, events: usize) -> Commit {
    let context = if stream.context == Context::Strategy {
        Context::Strategy
    } else {
        Context::Support
    };
    Commit {
        commit_id: Uuid::now_v7(),
        stream: stream.clone(),
        first_version: 0,
        recorded_at: Timestamp::from_millis(0),
        actor: Actor {
            org: OrgId::new("acme").expect("valid id"),
            role: Role::Manufacturer,
            user: "conformance".into(),
        },
        correlation_id: Uuid::now_v7(),
        causation_id: None,
        events: (0..events)
            .map(|n| RecordedEvent {
                event_id: Uuid::now_v7(),
                occurred_at: Timestamp::from_millis(1_200_000_000_000 + n as i64),
                event: event(context, n),
            })
            .collect(),
    }
}

pub fn wall_clock() -> Timestamp {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis();
    Timestamp::from_millis(ms as i64)
}

pub async fn append_ok<L: EventLog>(log: &L, expected: ExpectedVersion, c: &Commit) -> Appended {
    match log.append(expected, c.clone()).await {
        Ok(a) => a,
        Err(e) => panic!("append to {} expecting {expected} failed: {e}", c.stream),
    }
}

/// A JetStream log on `server`, with `config`.
pub async fn open_jetstream(server: &NatsServer, config: JetStreamConfig) -> JetStreamLog {
    JetStreamLog::connect(&server.url().parse().expect("a NATS URL"), config)
        .await
        .expect("open the JetStream log")
}

/// The next item of a subscription; fails the test on timeout or end of stream.
pub async fn next_item(sub: &mut Subscription) -> Result<StoredCommit, ReadError> {
    next_item_within(sub, WAIT).await
}

/// [`next_item`], waiting up to `wait`.
pub async fn next_item_within(
    sub: &mut Subscription,
    wait: Duration,
) -> Result<StoredCommit, ReadError> {
    match tokio::time::timeout(wait, sub.next()).await {
        Ok(Some(item)) => item,
        Ok(None) => panic!("the subscription ended"),
        Err(_) => panic!("no commit arrived within {wait:?}"),
    }
}

/// The next `n` commits of a subscription, failing on any error item.
pub async fn take_commits(sub: &mut Subscription, n: usize) -> Vec<StoredCommit> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        match next_item(sub).await {
            Ok(c) => out.push(c),
            Err(e) => panic!("subscription error after {} commits: {e}", out.len()),
        }
    }
    out
}

/// Fails if the subscription yields anything within a short while.
pub async fn assert_quiet(sub: &mut Subscription) {
    if let Ok(item) = tokio::time::timeout(Duration::from_millis(300), sub.next()).await {
        panic!("expected nothing more, got {item:?}");
    }
}

/// `stored` is `sent` as the log stamped it.
pub fn assert_stored_as(stored: &StoredCommit, sent: &Commit, appended: &Appended) {
    assert_eq!(stored.position, appended.position);
    let mut expected = sent.clone();
    expected.first_version = appended.first_version;
    expected.recorded_at = stored.commit.recorded_at;
    assert_eq!(
        stored.commit, expected,
        "stored commit differs from the one appended"
    );
}

/// Positions strictly increase by one, commit ids are unique, and each aggregate's
/// versions run 1, 2, 3, ... with no gap.
pub fn assert_gap_free(commits: &[StoredCommit]) {
    let mut ids = HashSet::new();
    let mut versions: HashMap<&StreamId, u64> = HashMap::new();
    for pair in commits.windows(2) {
        assert_eq!(
            pair[1].position.get(),
            pair[0].position.get() + 1,
            "gap or disorder between {} and {}",
            pair[0].position,
            pair[1].position
        );
    }
    for c in commits {
        assert!(
            ids.insert(c.commit.commit_id),
            "commit {} stored twice",
            c.commit.commit_id
        );
        let last = versions.entry(&c.commit.stream).or_insert(0);
        assert_eq!(
            c.commit.first_version,
            *last + 1,
            "version gap in {}",
            c.commit.stream
        );
        *last = c.commit.last_version();
    }
}

/// `retry` is the answer `original` got, marked as a duplicate.
#[track_caller]
fn assert_duplicate_of(retry: Appended, original: Appended) {
    assert_eq!(
        retry,
        Appended {
            duplicate: true,
            ..original
        }
    );
}

fn conflict_actual(result: Result<Appended, AppendError>, expected: ExpectedVersion) -> u64 {
    match result {
        Err(AppendError::Conflict {
            expected: reported,
            actual,
            ..
        }) => {
            assert_eq!(
                reported, expected,
                "a conflict reports the expectation it failed"
            );
            actual
        }
        other => panic!("expected a conflict for {expected}, got {other:?}"),
    }
}

// ------------------------------------------------------------------------------ checks

pub async fn append_then_read_round_trips<H: Harness>() {
    let h = H::start().await;
    let log = h.log();
    let s = stream(Context::Strategy, "p1", "plan:2008");
    let before = wall_clock();
    let first = commit(&s, 2);
    let a1 = append_ok(&log, ExpectedVersion::NoStream, &first).await;
    assert!(a1.position > Position::START);
    assert_eq!(
        (a1.first_version, a1.last_version, a1.duplicate),
        (1, 2, false)
    );
    let second = commit(&s, 1);
    let a2 = append_ok(&log, ExpectedVersion::Exact(2), &second).await;
    assert!(a2.position > a1.position);
    assert_eq!((a2.first_version, a2.last_version), (3, 3));
    let after = wall_clock();

    let all = log.read_aggregate(&s, 1).await.expect("read");
    assert_eq!(all.len(), 2);
    assert_stored_as(&all[0], &first, &a1);
    assert_stored_as(&all[1], &second, &a2);
    for c in &all {
        let at = c.commit.recorded_at.millis();
        assert!(
            (before.millis() - 1000..=after.millis() + 1000).contains(&at),
            "recorded_at {at} is not the wall clock of the append"
        );
    }
    // From a version inside the first commit: that commit holds it, so it comes back.
    assert_eq!(log.read_aggregate(&s, 2).await.expect("read").len(), 2);
    let tail = log.read_aggregate(&s, 3).await.expect("read");
    assert_eq!(tail.len(), 1);
    assert_eq!(tail[0].commit.commit_id, second.commit_id);
    assert!(log.read_aggregate(&s, 4).await.expect("read").is_empty());
    let other = stream(Context::Strategy, "p1", "plan:2009");
    assert!(
        log.read_aggregate(&other, 1)
            .await
            .expect("read")
            .is_empty()
    );
}

pub async fn load_after_reads_what_followed_a_readers_last_commit<H: Harness>() {
    let h = H::start().await;
    let log = h.log();
    let s = stream(Context::Support, "p1", "meeting:q1");
    let empty = log
        .load_aggregate_after(&s, 0, Position::START)
        .await
        .expect("load");
    assert!(empty.commits.is_empty());
    assert_eq!(empty.version, 0);
    let a1 = append_ok(&log, ExpectedVersion::NoStream, &commit(&s, 2)).await;
    let second = commit(&s, 1);
    let a2 = append_ok(&log, ExpectedVersion::Exact(2), &second).await;
    // Another aggregate's commit after them is not this one's.
    let other = stream(Context::Support, "p1", "meeting:q2");
    append_ok(&log, ExpectedVersion::NoStream, &commit(&other, 1)).await;

    let tail = log
        .load_aggregate_after(&s, a1.last_version, a1.position)
        .await
        .expect("load");
    assert_eq!(tail.commits.len(), 1);
    assert_eq!(tail.commits[0].commit.commit_id, second.commit_id);
    assert_eq!(tail.commits[0].position, a2.position);
    assert_eq!(tail.version, 3);
    let nothing = log
        .load_aggregate_after(&s, a2.last_version, a2.position)
        .await
        .expect("load");
    assert!(nothing.commits.is_empty());
    assert_eq!(nothing.version, 3);
    // It reads what `load_aggregate` reads from the version after.
    let whole = log
        .load_aggregate(&s, a1.last_version + 1)
        .await
        .expect("load");
    assert_eq!(
        whole.commits.iter().map(|c| c.position).collect::<Vec<_>>(),
        tail.commits.iter().map(|c| c.position).collect::<Vec<_>>()
    );
}

pub async fn expected_version_rules<H: Harness>() {
    let h = H::start().await;
    let log = h.log();
    let s = stream(Context::Support, "p1", "meeting:1");
    let fresh = stream(Context::Support, "p1", "meeting:2");

    let e = ExpectedVersion::Exact(5);
    assert_eq!(conflict_actual(log.append(e, commit(&s, 1)).await, e), 0);
    append_ok(&log, ExpectedVersion::Exact(0), &commit(&s, 2)).await;
    let e = ExpectedVersion::NoStream;
    assert_eq!(conflict_actual(log.append(e, commit(&s, 1)).await, e), 2);
    let e = ExpectedVersion::Exact(1);
    assert_eq!(conflict_actual(log.append(e, commit(&s, 1)).await, e), 2);
    let e = ExpectedVersion::Exact(3);
    assert_eq!(conflict_actual(log.append(e, commit(&s, 1)).await, e), 2);
    let a = append_ok(&log, ExpectedVersion::Any, &commit(&s, 1)).await;
    assert_eq!(a.first_version, 3);
    let a = append_ok(&log, ExpectedVersion::Exact(3), &commit(&s, 1)).await;
    assert_eq!(a.first_version, 4);
    let a = append_ok(&log, ExpectedVersion::Any, &commit(&fresh, 1)).await;
    assert_eq!(a.first_version, 1);

    // Refused appends stored nothing.
    let stored = log.read_aggregate(&s, 1).await.expect("read");
    assert_eq!(stored.len(), 3);
    assert_gap_free(&stored);
    match log
        .append(ExpectedVersion::NoStream, commit(&s, 1))
        .await
        .expect_err("conflict")
    {
        e @ AppendError::Conflict { .. } => {
            let text = e.to_string();
            assert!(text.contains("no stream") && text.contains('4'), "{text}");
        }
        other => panic!("expected a conflict, got {other}"),
    }
}

pub async fn invalid_commits_are_refused<H: Harness>() {
    let h = H::start().await;
    let log = h.log();
    let s = stream(Context::Support, "p1", "meeting:1");
    let empty = commit(&s, 0);
    assert!(matches!(
        log.append(ExpectedVersion::Any, empty).await,
        Err(AppendError::Invalid(_))
    ));
    let mut wrong = commit(&s, 1);
    wrong.events[0].event = event(Context::Strategy, 0);
    assert!(matches!(
        log.append(ExpectedVersion::Any, wrong).await,
        Err(AppendError::Invalid(_))
    ));
    assert_eq!(log.head().await.expect("head"), Position::START);
}

pub async fn concurrent_writers_on_one_aggregate<H: Harness>() {
    let h = H::start().await;
    let log = h.log();
    let s = stream(Context::Strategy, "p1", "plan:contended");
    append_ok(&log, ExpectedVersion::NoStream, &commit(&s, 1)).await;

    // Eight writers race for version 2: exactly one wins, the others learn the winner's version.
    let racers: Vec<_> = (0..8)
        .map(|_| {
            let (log, s) = (log.clone(), s.clone());
            tokio::spawn(async move { log.append(ExpectedVersion::Exact(1), commit(&s, 1)).await })
        })
        .collect();
    let mut winners = 0;
    for racer in racers {
        match racer.await.expect("task") {
            Ok(a) => {
                assert_eq!(a.first_version, 2);
                winners += 1;
            }
            r => assert_eq!(conflict_actual(r, ExpectedVersion::Exact(1)), 2),
        }
    }
    assert_eq!(winners, 1, "exactly one writer wins a version");

    // Four writers keep retrying on conflict; none of their commits may be lost.
    let writers: Vec<_> = (0..4)
        .map(|_| {
            let (log, s) = (log.clone(), s.clone());
            tokio::spawn(async move {
                let mut ids = Vec::new();
                let mut expected = ExpectedVersion::Exact(2);
                for _ in 0..25 {
                    let c = commit(&s, 1);
                    loop {
                        match log.append(expected, c.clone()).await {
                            Ok(a) => {
                                expected = ExpectedVersion::Exact(a.last_version);
                                break;
                            }
                            Err(AppendError::Conflict { actual, .. }) => {
                                expected = ExpectedVersion::Exact(actual);
                            }
                            Err(e) => panic!("append failed: {e}"),
                        }
                    }
                    ids.push(c.commit_id);
                }
                ids
            })
        })
        .collect();
    let mut acknowledged = Vec::new();
    for w in writers {
        acknowledged.extend(w.await.expect("task"));
    }
    let stored = log.read_aggregate(&s, 1).await.expect("read");
    assert_eq!(stored.len(), 2 + 100);
    assert_gap_free(&stored);
    let stored_ids: HashSet<Uuid> = stored.iter().map(|c| c.commit.commit_id).collect();
    for id in acknowledged {
        assert!(
            stored_ids.contains(&id),
            "acknowledged commit {id} is missing"
        );
    }
}

pub async fn retry_with_the_same_commit_id_is_idempotent<H: Harness>() {
    let h = H::start().await;
    let log = h.log();
    let s = stream(Context::Support, "p1", "request:1");
    let c = commit(&s, 2);
    let original = append_ok(&log, ExpectedVersion::NoStream, &c).await;
    let head = log.head().await.expect("head");

    let retry = append_ok(&log, ExpectedVersion::NoStream, &c).await;
    assert_duplicate_of(retry, original);
    // Even with an expectation that no longer holds, the retry gets the original answer.
    let retry = append_ok(&log, ExpectedVersion::Exact(7), &c).await;
    assert_duplicate_of(retry, original);

    let next = append_ok(&log, ExpectedVersion::Exact(2), &commit(&s, 1)).await;
    assert_eq!(next.first_version, 3);
    let retry = append_ok(&log, ExpectedVersion::Any, &c).await;
    assert_duplicate_of(retry, original);

    assert_eq!(log.read_aggregate(&s, 1).await.expect("read").len(), 2);
    assert_eq!(log.head().await.expect("head"), next.position);
    assert!(head < next.position);

    // Concurrent retries of one commit store it once.
    let c = commit(&s, 1);
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let (log, c) = (log.clone(), c.clone());
            tokio::spawn(async move { log.append(ExpectedVersion::Any, c).await })
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.expect("task").expect("append"));
    }
    assert_eq!(answers.iter().filter(|a| !a.duplicate).count(), 1);
    assert!(answers.iter().all(|a| a.position == answers[0].position));
    assert_eq!(log.read_aggregate(&s, 1).await.expect("read").len(), 3);
}

pub async fn ten_thousand_commits_over_a_hundred_aggregates<H: Harness>() {
    const WRITERS: usize = 20;
    const AGGREGATES_PER_WRITER: usize = 5;
    const COMMITS_PER_AGGREGATE: u64 = 100;
    let h = H::start().await;
    let log = h.log();
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let log = log.clone();
            tokio::spawn(async move {
                let streams: Vec<StreamId> = (0..AGGREGATES_PER_WRITER)
                    .map(|a| stream(Context::Support, "p1", &format!("meeting:{w}-{a}")))
                    .collect();
                for version in 0..COMMITS_PER_AGGREGATE {
                    for s in &streams {
                        let a =
                            append_ok(&log, ExpectedVersion::Exact(version), &commit(s, 1)).await;
                        assert_eq!(a.first_version, version + 1);
                    }
                }
            })
        })
        .collect();
    for w in writers {
        w.await.expect("writer");
    }
    let total = WRITERS * AGGREGATES_PER_WRITER * COMMITS_PER_AGGREGATE as usize;
    let mut sub = log.subscribe(Position::START, Filter::ALL);
    let all = take_commits(&mut sub, total).await;
    assert_quiet(&mut sub).await;
    assert_gap_free(&all);
    let streams: HashSet<&StreamId> = all.iter().map(|c| &c.commit.stream).collect();
    assert_eq!(streams.len(), WRITERS * AGGREGATES_PER_WRITER);
    assert_eq!(log.head().await.expect("head"), all[total - 1].position);
    let one = stream(Context::Support, "p1", "meeting:7-3");
    let history = log.read_aggregate(&one, 1).await.expect("read");
    assert_eq!(history.len(), COMMITS_PER_AGGREGATE as usize);
    assert_gap_free_per_aggregate(&history);
}

fn assert_gap_free_per_aggregate(history: &[StoredCommit]) {
    for (i, c) in history.iter().enumerate() {
        assert_eq!(c.commit.first_version, i as u64 + 1);
    }
    assert!(history.windows(2).all(|p| p[0].position < p[1].position));
}

pub async fn subscribe_from_the_middle<H: Harness>() {
    let h = H::start().await;
    let log = h.log();
    let s = stream(Context::Strategy, "p1", "plan:1");
    let mut appended = Vec::new();
    for v in 0..20 {
        appended.push(append_ok(&log, ExpectedVersion::Exact(v), &commit(&s, 1)).await);
    }
    let mut sub = log.subscribe(appended[9].position, Filter::ALL);
    let rest = take_commits(&mut sub, 10).await;
    let positions: Vec<Position> = rest.iter().map(|c| c.position).collect();
    let expected: Vec<Position> = appended[10..].iter().map(|a| a.position).collect();
    assert_eq!(positions, expected);
    assert_quiet(&mut sub).await;
}

pub async fn subscribe_then_append_live<H: Harness>() {
    let h = H::start().await;
    let log = h.log();
    let s = stream(Context::Support, "p1", "meeting:live");
    let mut from_start = log.subscribe(Position::START, Filter::ALL);
    let first = commit(&s, 1);
    let writer = {
        let (log, first) = (log.clone(), first.clone());
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            append_ok(&log, ExpectedVersion::NoStream, &first).await
        })
    };
    let got = next_item(&mut from_start).await.expect("commit");
    let a1 = writer.await.expect("writer");
    assert_stored_as(&got, &first, &a1);

    // A subscription started at the head follows only what comes next.
    let mut from_head = log.subscribe(log.head().await.expect("head"), Filter::ALL);
    let mut sent = Vec::new();
    for v in 1..=5 {
        let c = commit(&s, 1);
        append_ok(&log, ExpectedVersion::Exact(v), &c).await;
        sent.push(c.commit_id);
    }
    for sub in [&mut from_start, &mut from_head] {
        let got: Vec<Uuid> = take_commits(sub, 5)
            .await
            .iter()
            .map(|c| c.commit.commit_id)
            .collect();
        assert_eq!(got, sent);
    }
}

pub async fn subscriber_restart_sees_each_commit_once<H: Harness>() {
    let h = H::start().await;
    let log = h.log();
    let s = stream(Context::Strategy, "p1", "plan:restart");
    let mut sent = Vec::new();
    for v in 0..30 {
        let c = commit(&s, 1);
        append_ok(&log, ExpectedVersion::Exact(v), &c).await;
        sent.push(c.commit_id);
    }
    let mut seen = Vec::new();
    let stored_position = {
        let mut sub = log.subscribe(Position::START, Filter::ALL);
        let first = take_commits(&mut sub, 12).await;
        seen.extend(first.iter().map(|c| c.commit.commit_id));
        first[11].position
    };
    for v in 30..40 {
        let c = commit(&s, 1);
        append_ok(&log, ExpectedVersion::Exact(v), &c).await;
        sent.push(c.commit_id);
    }
    let mut sub = log.subscribe(stored_position, Filter::ALL);
    let rest = take_commits(&mut sub, 28).await;
    assert!(rest[0].position > stored_position);
    seen.extend(rest.iter().map(|c| c.commit.commit_id));
    assert_quiet(&mut sub).await;
    assert_eq!(seen, sent, "each commit exactly once, in order");
}

pub async fn large_commit_of_a_thousand_events<H: Harness>() {
    let h = H::start().await;
    let log = h.log();
    let s = stream(Context::Support, "p1", "meeting:big");
    let big = commit(&s, 1000);
    let a = append_ok(&log, ExpectedVersion::NoStream, &big).await;
    assert_eq!((a.first_version, a.last_version), (1, 1000));
    let next = append_ok(&log, ExpectedVersion::Exact(1000), &commit(&s, 1)).await;
    assert_eq!(next.first_version, 1001);
    let stored = log.read_aggregate(&s, 500).await.expect("read");
    assert_eq!(stored.len(), 2);
    assert_stored_as(&stored[0], &big, &a);
    let mut sub = log.subscribe(Position::START, Filter::ALL);
    let got = take_commits(&mut sub, 2).await;
    assert_eq!(got[0].commit.events.len(), 1000);
}

pub async fn garbage_is_reported_with_its_position<H: Harness>() {
    let mut h = H::start().await;
    let good = stream(Context::Strategy, "p1", "plan:good");
    let bad = stream(Context::Strategy, "p1", "plan:bad");
    let a1 = append_ok(&h.log(), ExpectedVersion::NoStream, &commit(&good, 1)).await;
    h.inject_garbage(&bad).await;
    let a2 = append_ok(&h.log(), ExpectedVersion::Exact(1), &commit(&good, 1)).await;
    let log = h.log();

    let garbage_at = {
        let mut sub = log.subscribe(Position::START, Filter::ALL);
        assert_eq!(
            next_item(&mut sub).await.expect("first commit").position,
            a1.position
        );
        let garbage_at = match next_item(&mut sub).await {
            Err(ReadError::Corrupt { position, .. }) => position,
            other => panic!("expected the garbage record reported as corrupt, got {other:?}"),
        };
        assert!(a1.position < garbage_at && garbage_at < a2.position);
        // The subscription goes on past it.
        assert_eq!(
            next_item(&mut sub).await.expect("second commit").position,
            a2.position
        );

        // Resuming right after the garbage does not report it again.
        let mut sub = log.subscribe(garbage_at, Filter::ALL);
        assert_eq!(
            next_item(&mut sub).await.expect("commit").position,
            a2.position
        );
        garbage_at
    };
    // Loading the damaged aggregate passes over the record and reports it.
    let damaged = log
        .load_aggregate(&bad, 1)
        .await
        .expect("a load passes over it");
    assert!(damaged.commits.is_empty());
    assert_eq!(
        damaged
            .quarantined
            .iter()
            .map(|q| (q.position, q.subject.clone()))
            .collect::<Vec<_>>(),
        [(garbage_at, Some(subject::commit(&bad)))]
    );
    assert_eq!(log.read_aggregate(&good, 1).await.expect("read").len(), 2);
    // So does a read across aggregates that passes it.
    let all = log
        .read_matching(Filter::ALL)
        .await
        .expect("passes over it");
    assert_eq!(
        all.iter().map(|c| c.position).collect::<Vec<_>>(),
        [a1.position, a2.position]
    );
    // The operator's list names it.
    let listed = synergy_eventlog::quarantined(&log).await.expect("list");
    assert_eq!(
        listed.iter().map(|q| q.position).collect::<Vec<_>>(),
        [garbage_at]
    );
    // Commands go on on the damaged aggregate, after what was loaded.
    let next = append_ok(
        &log,
        ExpectedVersion::Exact(damaged.version),
        &commit(&bad, 1),
    )
    .await;
    assert_eq!(next.first_version, damaged.version + 1);
    let after = log.load_aggregate(&bad, 1).await.expect("load");
    assert_eq!(after.commits.len(), 1);
    assert_eq!(after.version, next.last_version);
    // And after a reopen (nothing cached), the same.
    drop(log);
    h.reopen().await;
    let log = h.log();
    let reopened = log.load_aggregate(&bad, 1).await.expect("load");
    assert_eq!(
        (reopened.commits.len(), reopened.version),
        (1, next.last_version)
    );
}

/// A record that ends an aggregate with readable commits before it: a load passes over
/// it, and the next command follows the last readable commit.
pub async fn garbage_at_an_aggregates_end_does_not_block_it<H: Harness>() {
    let mut h = H::start().await;
    let s = stream(Context::Strategy, "p1", "plan:end");
    let first = append_ok(&h.log(), ExpectedVersion::NoStream, &commit(&s, 2)).await;
    h.inject_garbage(&s).await;
    h.reopen().await;
    let log = h.log();
    let loaded = log
        .load_aggregate(&s, 1)
        .await
        .expect("a load passes over it");
    assert_eq!(loaded.commits.len(), 1);
    assert_eq!(loaded.quarantined.len(), 1);
    assert!(loaded.version >= first.last_version);
    let next = append_ok(&log, ExpectedVersion::Exact(loaded.version), &commit(&s, 1)).await;
    assert_eq!(next.first_version, loaded.version + 1);
    let stored = log.read_aggregate(&s, 1).await.expect("read");
    assert_eq!(
        stored.iter().map(|c| c.position).collect::<Vec<_>>(),
        [first.position, next.position]
    );
    // A later subscription still reports it, in its place, and goes on.
    let mut sub = log.subscribe(Position::START, Filter::ALL);
    assert_eq!(
        next_item(&mut sub).await.expect("first").position,
        first.position
    );
    assert!(matches!(
        next_item(&mut sub).await,
        Err(ReadError::Corrupt { .. })
    ));
    assert_eq!(
        next_item(&mut sub).await.expect("next").position,
        next.position
    );
}

pub async fn filters_by_context_and_partnership<H: Harness>() {
    let h = H::start().await;
    let log = h.log();
    let streams = [
        stream(Context::Strategy, "p1", "plan:a"),
        stream(Context::Support, "p1", "meeting:b"),
        stream(Context::Strategy, "p2", "plan:c"),
        stream(Context::Support, "p2", "meeting:d"),
    ];
    let mut order = Vec::new();
    for v in 0..3 {
        for s in &streams {
            let c = commit(s, 1);
            append_ok(&log, ExpectedVersion::Exact(v), &c).await;
            order.push(c);
        }
    }
    let cases = [
        Filter {
            context: Some(Context::Strategy),
            partnership: None,
        },
        Filter {
            context: None,
            partnership: Some(partnership("p2")),
        },
        Filter {
            context: Some(Context::Support),
            partnership: Some(partnership("p1")),
        },
    ];
    for filter in cases {
        let expected: Vec<Uuid> = order
            .iter()
            .filter(|c| filter.matches(&c.stream))
            .map(|c| c.commit_id)
            .collect();
        let mut sub = log.subscribe(Position::START, filter.clone());
        let got = take_commits(&mut sub, expected.len()).await;
        assert_quiet(&mut sub).await;
        let got: Vec<Uuid> = got.iter().map(|c| c.commit.commit_id).collect();
        assert_eq!(got, expected, "filter {filter:?}");
        // A read that ends gives the same commits, in the same order.
        let read = log.read_matching(filter.clone()).await.expect("read");
        let read: Vec<Uuid> = read.iter().map(|c| c.commit.commit_id).collect();
        assert_eq!(read, expected, "read_matching {filter:?}");
    }
    let nothing = Filter {
        context: Some(Context::Support),
        partnership: Some(partnership("p3")),
    };
    assert!(log.read_matching(nothing).await.expect("read").is_empty());
    // Live appends are filtered too.
    let mut sub = log.subscribe(
        log.head().await.expect("head"),
        Filter {
            context: Some(Context::Support),
            partnership: None,
        },
    );
    append_ok(&log, ExpectedVersion::Any, &commit(&streams[0], 1)).await;
    let wanted = commit(&streams[3], 1);
    append_ok(&log, ExpectedVersion::Any, &wanted).await;
    assert_eq!(
        next_item(&mut sub).await.expect("commit").commit.commit_id,
        wanted.commit_id
    );
}

pub async fn head_is_the_last_position<H: Harness>() {
    let h = H::start().await;
    let log = h.log();
    assert_eq!(log.head().await.expect("head"), Position::START);
    let s = stream(Context::Support, "p1", "meeting:h");
    let a = append_ok(&log, ExpectedVersion::NoStream, &commit(&s, 3)).await;
    assert_eq!(log.head().await.expect("head"), a.position);
    let _ = log.append(ExpectedVersion::NoStream, commit(&s, 1)).await;
    assert_eq!(
        log.head().await.expect("head"),
        a.position,
        "a refused append moves nothing"
    );
    let b = append_ok(&log, ExpectedVersion::Exact(3), &commit(&s, 1)).await;
    assert_eq!(log.head().await.expect("head"), b.position);
    // Nothing lies after the head.
    let mut sub = log.subscribe(b.position, Filter::ALL);
    assert_quiet(&mut sub).await;
}

pub async fn reopen_keeps_everything<H: Harness>() {
    let mut h = H::start().await;
    let s = stream(Context::Strategy, "p1", "plan:kept");
    let other = stream(Context::Support, "p2", "meeting:kept");
    let first = commit(&s, 2);
    let (a1, before_history, before_head) = {
        let log = h.log();
        let a1 = append_ok(&log, ExpectedVersion::NoStream, &first).await;
        append_ok(&log, ExpectedVersion::NoStream, &commit(&other, 1)).await;
        append_ok(&log, ExpectedVersion::Exact(2), &commit(&s, 1)).await;
        let history = log.read_aggregate(&s, 1).await.expect("read");
        (a1, history, log.head().await.expect("head"))
    };
    h.reopen().await;
    let log = h.log();
    assert_eq!(log.head().await.expect("head"), before_head);
    assert_eq!(
        log.read_aggregate(&s, 1).await.expect("read"),
        before_history
    );
    // Versions, positions and commit ids carry on where they were.
    let retry = append_ok(&log, ExpectedVersion::NoStream, &first).await;
    assert_duplicate_of(retry, a1);
    let e = ExpectedVersion::Exact(2);
    assert_eq!(conflict_actual(log.append(e, commit(&s, 1)).await, e), 3);
    let next = append_ok(&log, ExpectedVersion::Exact(3), &commit(&s, 1)).await;
    assert_eq!(next.first_version, 4);
    assert!(next.position > before_head);
    let mut sub = log.subscribe(Position::START, Filter::ALL);
    let all = take_commits(&mut sub, 4).await;
    assert_gap_free(&all);
}
