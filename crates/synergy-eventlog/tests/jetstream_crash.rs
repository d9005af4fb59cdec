//! Crash tests of the JetStream backend against a real nats-server that is killed with
//! SIGKILL mid-stream and restarted on the same store:
//! - every acknowledged commit is there exactly once, in a gap-free global order;
//! - while the server is down, appends fail with `Unavailable` within the configured bound,
//!   and after the restart appends and a live subscription carry on without gap or
//!   duplicate.

mod conformance;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures::StreamExt;
use synergy_eventlog::{
    AppendError, EventLog, ExpectedVersion, Filter, JetStreamConfig, JetStreamLog, Position,
    ReadError, StoredCommit, Subscription,
};
use synergy_proto::{Commit, Context, StreamId, Uuid};
use synergy_testkit::NatsServer;

const WAIT: Duration = Duration::from_secs(30);

fn stream(aggregate: usize) -> StreamId {
    conformance::stream(Context::Support, "crash", &format!("meeting:{aggregate}"))
}

/// A commit of one event.
fn commit(stream: &StreamId) -> Commit {
    conformance::commit(stream, 1)
}

/// A JetStream log on `server` whose requests give up after `request_timeout`.
async fn open(server: &NatsServer, request_timeout: Duration) -> JetStreamLog {
    let config = JetStreamConfig {
        request_timeout,
        ..JetStreamConfig::default()
    };
    conformance::open_jetstream(server, config).await
}

/// A pseudo-random delay in `0..max_ms` (no RNG dependency needed for picking kill moments).
fn jitter(max_ms: u64) -> Duration {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    Duration::from_millis(u64::from(nanos) % max_ms)
}

async fn next_item(sub: &mut Subscription) -> Result<StoredCommit, ReadError> {
    conformance::next_item_within(sub, WAIT).await
}

/// Every commit in the log, read through a subscription up to the head.
async fn read_everything(log: &JetStreamLog) -> Vec<StoredCommit> {
    let head = log.head().await.expect("head after restart");
    let mut sub = log.subscribe(Position::START, Filter::ALL);
    let mut all = Vec::new();
    while all.last().is_none_or(|c: &StoredCommit| c.position < head) {
        all.push(next_item(&mut sub).await.expect("decodable commit"));
    }
    all
}

async fn kill_and_restart(server: NatsServer) -> NatsServer {
    tokio::task::spawn_blocking(move || {
        let mut server = server;
        server.kill().expect("SIGKILL nats-server");
        std::thread::sleep(jitter(200));
        server
            .restart()
            .expect("restart nats-server on the same store");
        server
    })
    .await
    .expect("restart task")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_commits_survive_kill_9_exactly_once() {
    const WRITERS: usize = 8;
    const ROUNDS: usize = 3;
    let mut server = NatsServer::start().expect("start nats-server");
    let log = open(&server, Duration::from_secs(2)).await;
    let acked: Arc<Mutex<Vec<(Uuid, Position)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));

    // Each writer appends to its own aggregates and retries a failed commit with the same
    // commit id until it is acknowledged, as a real caller must.
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (log, acked, stop) = (log.clone(), acked.clone(), stop.clone());
            tokio::spawn(async move {
                let mut n = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    let c = commit(&stream(w * 4 + n % 4));
                    loop {
                        match log.append(ExpectedVersion::Any, c.clone()).await {
                            Ok(a) => {
                                acked
                                    .lock()
                                    .expect("acked list")
                                    .push((c.commit_id, a.position));
                                break;
                            }
                            Err(AppendError::Unavailable { .. }) => {
                                tokio::time::sleep(Duration::from_millis(50)).await;
                            }
                            Err(e) => panic!("unexpected append error: {e}"),
                        }
                    }
                    n += 1;
                }
            })
        })
        .collect();

    for round in 0..ROUNDS {
        let target = (round + 1) * 300;
        let deadline = Instant::now() + WAIT;
        while acked.lock().expect("acked list").len() < target {
            assert!(
                Instant::now() < deadline,
                "round {round}: appends stalled at {} acknowledged",
                acked.lock().expect("acked list").len()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(jitter(100)).await;
        server = kill_and_restart(server).await;
    }
    // Let the writers get through the last restart before stopping them.
    let settled = acked.lock().expect("acked list").len() + 100;
    let deadline = Instant::now() + WAIT;
    while acked.lock().expect("acked list").len() < settled {
        assert!(
            Instant::now() < deadline,
            "appends did not resume after restart"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.expect("writer task");
    }

    // A fresh client sees the store as the server recovered it.
    let reader = open(&server, Duration::from_secs(5)).await;
    let all = read_everything(&reader).await;
    for (i, c) in all.iter().enumerate() {
        assert_eq!(c.position.get(), i as u64 + 1, "global order has a gap");
    }
    // No commit stored twice, and per aggregate, versions still run 1, 2, 3, ... after
    // the crashes.
    conformance::assert_gap_free(&all);
    let stored: HashMap<Uuid, Position> = all
        .iter()
        .map(|c| (c.commit.commit_id, c.position))
        .collect();
    let acked = acked.lock().expect("acked list").clone();
    for (id, position) in &acked {
        assert_eq!(
            stored.get(id),
            Some(position),
            "acknowledged commit {id} at {position} is missing or moved"
        );
    }
    let ids: HashSet<Uuid> = acked.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids.len(), acked.len(), "a commit was acknowledged twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn down_server_fails_fast_and_everything_resumes_after_restart() {
    let bound = Duration::from_secs(1);
    let server = NatsServer::start().expect("start nats-server");
    let log = open(&server, bound).await;
    let s = stream(0);
    let mut sub = log.subscribe(Position::START, Filter::ALL);
    let first = commit(&s);
    let a1 = log
        .append(ExpectedVersion::NoStream, first.clone())
        .await
        .expect("first append");
    assert_eq!(
        next_item(&mut sub).await.expect("first").position,
        a1.position
    );

    let mut server = tokio::task::spawn_blocking(move || {
        let mut server = server;
        server.kill().expect("SIGKILL nats-server");
        server
    })
    .await
    .expect("kill task");

    // While the server is down: a typed, retryable error within the bound (plus slack for
    // the client's own bookkeeping), never a hang.
    let during = commit(&s);
    let started = Instant::now();
    let result = log.append(ExpectedVersion::Exact(1), during.clone()).await;
    let took = started.elapsed();
    assert!(
        matches!(result, Err(AppendError::Unavailable { .. })),
        "expected Unavailable while NATS is down, got {result:?}"
    );
    assert!(
        took < bound * 3,
        "append took {took:?} with the server down"
    );
    let started = Instant::now();
    assert!(matches!(
        log.head().await,
        Err(ReadError::Unavailable { .. })
    ));
    assert!(started.elapsed() < bound * 3);

    server = tokio::task::spawn_blocking(move || {
        let mut server = server;
        server.restart().expect("restart on the same store");
        server
    })
    .await
    .expect("restart task");

    // The commit that failed is retried with its id: stored exactly once whether or not
    // the first attempt reached the server.
    let deadline = Instant::now() + WAIT;
    let a2 = loop {
        match log.append(ExpectedVersion::Exact(1), during.clone()).await {
            Ok(a) => break a,
            Err(AppendError::Unavailable { reason }) => {
                assert!(
                    Instant::now() < deadline,
                    "appends did not resume: {reason}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("unexpected error after restart: {e}"),
        }
    };
    assert_eq!(a2.first_version, 2);
    let a3 = log
        .append(ExpectedVersion::Exact(2), commit(&s))
        .await
        .expect("append after restart");
    assert_eq!(a3.first_version, 3);

    // The subscription opened before the crash carries on with exactly what followed.
    let second = next_item(&mut sub).await.expect("second");
    assert_eq!(second.position, a2.position);
    assert_eq!(second.commit.commit_id, during.commit_id);
    let third = next_item(&mut sub).await.expect("third");
    assert_eq!(third.position, a3.position);
    assert!(
        tokio::time::timeout(Duration::from_millis(500), sub.next())
            .await
            .is_err(),
        "the subscription delivered something twice"
    );
    drop(server);
}
