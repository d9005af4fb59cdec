//! The partition stream against a real nats-server: the server places every commit in the
//! partition Synergy computes for its partnership (so a query can be routed without asking
//! the server), a partition's durable consumer yields exactly that partition's commits at
//! their event-stream positions, resumes where it was acknowledged and starts over for a
//! reader that lost its store, and the command path's optimistic concurrency is the event
//! stream's, untouched.

mod conformance;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures::StreamExt;
use synergy_eventlog::{AppendError, EventLog, ExpectedVersion, JetStreamConfig, Position};
use synergy_proto::{Context, subject};
use synergy_testkit::NatsServer;
use tokio::sync::watch;

const PARTITIONS: u32 = 8;
const PARTNERSHIPS: usize = 300;

fn id(i: usize) -> String {
    format!("partner-{i:03}-x{}", i * 7919)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_places_every_partnership_where_synergy_computes_it() {
    let server = NatsServer::start().expect("start nats-server");
    let log = conformance::open_jetstream(&server, JetStreamConfig::default()).await;
    let mut positions: BTreeMap<u32, BTreeSet<u64>> = BTreeMap::new();
    for i in 0..PARTNERSHIPS {
        let stream = conformance::stream(Context::Support, &id(i), "meeting:m1");
        let appended =
            conformance::append_ok(&log, ExpectedVersion::Any, &conformance::commit(&stream, 1))
                .await;
        positions
            .entry(subject::partition_of(&stream.partnership, PARTITIONS))
            .or_default()
            .insert(appended.position.get());
    }
    assert!(positions.len() == PARTITIONS as usize, "{positions:?}");
    let partitions = log.partitions(PARTITIONS).await.expect("partition stream");

    // Every stored subject names the partition Synergy computes.
    let stream = log
        .context()
        .get_stream(partitions.name())
        .await
        .expect("partition stream");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while stream.clone().info().await.expect("info").state.messages < PARTNERSHIPS as u64 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "not sourced in time"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for seq in 1..=PARTNERSHIPS as u64 {
        let msg = stream.get_raw_message(seq).await.expect("message");
        let mut tokens = msg.subject.split('.');
        let (Some("syn"), Some("par"), Some(k), Some(_context), Some(partnership)) = (
            tokens.next(),
            tokens.next(),
            tokens.next(),
            tokens.next(),
            tokens.next(),
        ) else {
            panic!("unexpected subject {}", msg.subject);
        };
        let p = synergy_proto::PartnershipId::new(partnership).unwrap();
        assert_eq!(
            k.parse::<u32>().unwrap(),
            subject::partition_of(&p, PARTITIONS),
            "{partnership}"
        );
    }

    // A partition's consumer yields its commits at their event-stream positions.
    let (_durable, durable_up_to) = watch::channel(Position::START);
    for k in [0, 5] {
        let mut sub = partitions.follow(
            &format!("test-{k}"),
            k,
            Position::START,
            durable_up_to.clone(),
        );
        let want = &positions[&k];
        let mut got = BTreeSet::new();
        while got.len() < want.len() {
            let item = tokio::time::timeout(Duration::from_secs(10), sub.next())
                .await
                .expect("in time")
                .expect("an item")
                .expect("a commit");
            assert_eq!(
                subject::partition_of(&item.commit.stream.partnership, PARTITIONS),
                k
            );
            got.insert(item.position.get());
        }
        assert_eq!(&got, want, "partition {k}");
    }

    // The last commit of one partnership, found over every context.
    let p = synergy_proto::PartnershipId::new(id(3)).unwrap();
    let last = synergy_eventlog::EventLog::last_position_of(&log, &p)
        .await
        .expect("lookup");
    assert!(last.is_some_and(|at| positions.values().any(|s| s.contains(&at.get()))));
    let none = synergy_proto::PartnershipId::new("nobody").unwrap();
    assert_eq!(
        synergy_eventlog::EventLog::last_position_of(&log, &none)
            .await
            .expect("lookup"),
        None
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_durable_partition_consumer_resumes_where_acknowledged_and_starts_over_for_an_empty_store()
 {
    let server = NatsServer::start().expect("start nats-server");
    let log = conformance::open_jetstream(&server, JetStreamConfig::default()).await;
    let partitions = log.partitions(2).await.expect("partition stream");
    let mut appended = Vec::new();
    for i in 0..40 {
        let stream = conformance::stream(Context::Support, &id(i), "meeting:m1");
        let p = subject::partition_of(&stream.partnership, 2);
        let at =
            conformance::append_ok(&log, ExpectedVersion::Any, &conformance::commit(&stream, 1))
                .await
                .position;
        if p == 1 {
            appended.push(at);
        }
    }
    let half = appended.len() / 2;
    let (durable, durable_up_to) = watch::channel(Position::START);
    let mut sub = partitions.follow("replica-a-p1", 1, Position::START, durable_up_to.clone());
    let first = take(&mut sub, half).await;
    assert_eq!(first, appended[..half]);
    // The reader made the first half durable; the consumer is acknowledged that far.
    durable.send_replace(first[half - 1]);
    let _ = tokio::time::timeout(Duration::from_millis(600), sub.next()).await;
    drop(sub);

    // Resumed with the store at the first half: the rest, and nothing before.
    let mut sub = partitions.follow("replica-a-p1", 1, first[half - 1], durable_up_to.clone());
    let rest = take(&mut sub, appended.len() - half).await;
    assert_eq!(rest, appended[half..]);
    let created = |name: &'static str| {
        let log = log.clone();
        let stream_name = partitions.name().to_owned();
        async move {
            let stream = log.context().get_stream(stream_name).await.unwrap();
            stream.consumer_info(name).await.unwrap().created
        }
    };
    // Everything made durable and acknowledged: the next reader keeps the consumer.
    durable.send_replace(rest[rest.len() - 1]);
    let _ = tokio::time::timeout(Duration::from_millis(600), sub.next()).await;
    let before = created("replica-a-p1").await;
    drop(sub);
    let last = conformance::stream(Context::Support, &id(1005), "meeting:m1");
    conformance::append_ok(&log, ExpectedVersion::Any, &conformance::commit(&last, 1)).await;
    let more = conformance::stream(Context::Support, &id(1005), "meeting:m2");
    conformance::append_ok(&log, ExpectedVersion::Any, &conformance::commit(&more, 1)).await;
    let mut sub = partitions.follow(
        "replica-a-p1",
        1,
        rest[rest.len() - 1],
        durable_up_to.clone(),
    );
    let next = take(&mut sub, 1).await;
    assert!(next[0] > rest[rest.len() - 1], "{next:?}");
    assert_eq!(
        created("replica-a-p1").await,
        before,
        "the durable consumer was kept"
    );
    drop(sub);

    // An empty store gets the whole partition again.
    let mut sub = partitions.follow("replica-a-p1", 1, Position::START, durable_up_to);
    assert_eq!(take(&mut sub, appended.len()).await, appended);
    assert_ne!(created("replica-a-p1").await, before, "started over");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflicting_append_is_refused_while_the_partition_stream_sources_the_log() {
    let server = NatsServer::start().expect("start nats-server");
    let log = conformance::open_jetstream(&server, JetStreamConfig::default()).await;
    let _partitions = log.partitions(4).await.expect("partition stream");
    // Another count over the same stream is refused, saying what to do.
    let refused = log.partitions(8).await.expect_err("another count");
    assert!(
        refused.contains("[partitions-mismatch]") && refused.contains("--partition-count"),
        "{refused}"
    );
    let stream = conformance::stream(Context::Support, "p1", "meeting:m1");
    conformance::append_ok(
        &log,
        ExpectedVersion::NoStream,
        &conformance::commit(&stream, 1),
    )
    .await;
    let refused = log
        .append(ExpectedVersion::Exact(0), conformance::commit(&stream, 1))
        .await;
    assert!(
        matches!(refused, Err(AppendError::Conflict { .. })),
        "{refused:?}"
    );
}

async fn take(sub: &mut synergy_eventlog::Subscription, n: usize) -> Vec<Position> {
    let mut out = Vec::new();
    for _ in 0..n {
        let item = tokio::time::timeout(Duration::from_secs(10), sub.next())
            .await
            .expect("in time")
            .expect("an item")
            .expect("a commit");
        out.push(item.position);
    }
    out
}
