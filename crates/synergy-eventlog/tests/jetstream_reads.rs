//! The JetStream log against server-side limits and hiccups: many aggregate reads in a
//! burst leave nothing behind (they stay within nats-server's default limit of 1,000
//! consumers per stream), and an append rides out a moment in which the stream is missing.
//! Concurrent readers of an aggregate's head share the server's answers, but only ones
//! asked after they began.

mod conformance;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use synergy_eventlog::{EventLog, ExpectedVersion, JetStreamConfig, JetStreamLog, Position};
use synergy_testkit::NatsServer;

async fn open(server: &NatsServer) -> JetStreamLog {
    conformance::open_jetstream(server, JetStreamConfig::default()).await
}

/// The server's view of the log's stream.
async fn stream_info(log: &JetStreamLog) -> async_nats::jetstream::stream::Info {
    log.context()
        .get_stream(log.stream_name())
        .await
        .expect("stream")
        .info()
        .await
        .expect("info")
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_reads_does_not_exhaust_the_servers_consumers() {
    let server = NatsServer::start().expect("start nats-server");
    let log = open(&server).await;
    let stream = conformance::stream(synergy_proto::Context::Support, "burst", "meeting:m1");
    log.append(ExpectedVersion::NoStream, conformance::commit(&stream, 1))
        .await
        .expect("append");
    // Each read uses a consumer; more reads than the server allows consumers at once.
    for i in 0..1_200 {
        let commits = log
            .read_aggregate(&stream, 1)
            .await
            .unwrap_or_else(|e| panic!("read {i} failed: {e}"));
        assert_eq!(commits.len(), 1);
    }
    let info = stream_info(&log).await.state.consumer_count;
    assert!(
        info < 100,
        "{info} consumers are left on the stream after the reads"
    );
}

/// A node of a cluster can answer "no stream found" for a moment after the stream was
/// created, before it knows it. Here the stream is missing for a moment for real: an
/// append made meanwhile publishes again until the stream is back, and is stored once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_append_waits_out_a_moment_without_the_stream() {
    let server = NatsServer::start().expect("start nats-server");
    let log = open(&server).await;
    let js = log.context().clone();
    let config = stream_info(&log).await.config;
    js.delete_stream(log.stream_name())
        .await
        .expect("delete the stream");
    let back = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        js.create_stream(config).await.expect("recreate the stream");
    });
    let stream = conformance::stream(synergy_proto::Context::Support, "gone", "meeting:m1");
    let appended = log
        .append(ExpectedVersion::NoStream, conformance::commit(&stream, 1))
        .await
        .expect("the append waits until the stream is back");
    back.await.expect("recreating task");
    assert_eq!(appended.position.get(), 1);
    assert_eq!(log.read_aggregate(&stream, 1).await.expect("read").len(), 1);
}

/// A commit that decodes but was published on another aggregate's subject (what a
/// service user allowed on its own subjects could try, to pass its bytes off as another
/// context's commit) is quarantined: subscriptions report it with its subject, and
/// neither the aggregate it names nor the one it sits on ever loads it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_on_another_streams_subject_is_quarantined() {
    use futures::StreamExt;
    use synergy_eventlog::{Filter, Position, ReadError};
    use synergy_proto::{Context, DecodeError, codec::encode_commit, subject};

    let server = NatsServer::start().expect("start nats-server");
    let log = open(&server).await;
    let named = conformance::stream(Context::Strategy, "p1", "partnership");
    let carrier = conformance::stream(Context::Support, "p1", "meeting:m1");
    let forged = conformance::commit(&named, 1);
    log.context()
        .publish(subject::commit(&carrier), encode_commit(&forged).into())
        .await
        .expect("publish")
        .await
        .expect("acknowledged");
    let real = log
        .append(ExpectedVersion::NoStream, conformance::commit(&carrier, 1))
        .await
        .expect("the carrier's own commits go on");
    assert_eq!(real.first_version, 1);

    let mut sub = log.subscribe(Position::START, Filter::ALL);
    let first = tokio::time::timeout(conformance::WAIT, sub.next())
        .await
        .expect("an item in time")
        .expect("an item");
    match first {
        Err(ReadError::Corrupt {
            position,
            subject: Some(on),
            source: DecodeError::WrongSubject { .. },
        }) => {
            assert_eq!(position, Position(1));
            assert_eq!(on, subject::commit(&carrier));
        }
        other => panic!("expected the forged commit quarantined, got {other:?}"),
    }
    assert!(
        log.read_aggregate(&named, 1)
            .await
            .expect("read")
            .is_empty()
    );
    let carried = log.load_aggregate(&carrier, 1).await.expect("load");
    assert_eq!(carried.commits.len(), 1);
    assert_eq!(carried.quarantined.len(), 1);
    assert_eq!(
        synergy_eventlog::quarantined(&log)
            .await
            .expect("list")
            .iter()
            .map(|q| q.position)
            .collect::<Vec<_>>(),
        [Position(1)]
    );
}

/// Given 16 tasks asking one connection for an aggregate's head without pause, when another
/// connection appends to the aggregate, then a read on the first connection begun after the
/// append was acknowledged holds it: it never takes the answer of a get sent before it
/// began. And the tasks did share gets: fewer went out than reads were answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_shares_only_heads_asked_after_it_began() {
    let server = NatsServer::start().expect("start nats-server");
    let (reader, writer) = (open(&server).await, open(&server).await);
    let stream = conformance::stream(synergy_proto::Context::Support, "shared", "meeting:m1");
    let first = writer
        .append(ExpectedVersion::NoStream, conformance::commit(&stream, 1))
        .await
        .expect("append");
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicU64::new(0));
    let readers: Vec<_> = (0..16)
        .map(|_| {
            let (log, stream) = (reader.clone(), stream.clone());
            let (stop, answered) = (Arc::clone(&stop), Arc::clone(&answered));
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    // After the end of the log: a head get and no consumer.
                    log.load_aggregate_after(&stream, u64::MAX - 1, Position(u64::MAX))
                        .await
                        .expect("a head read");
                    answered.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let (mut version, mut position) = (first.last_version, first.position);
    for round in 0..40 {
        let appended = writer
            .append(
                ExpectedVersion::Exact(version),
                conformance::commit(&stream, 1),
            )
            .await
            .expect("append");
        let tail = reader
            .load_aggregate_after(&stream, version, position)
            .await
            .expect("read after the append");
        assert_eq!(
            (tail.version, tail.commits.last().map(|c| c.position)),
            (appended.last_version, Some(appended.position)),
            "round {round}: a read begun after the append missed it"
        );
        (version, position) = (appended.last_version, appended.position);
    }
    stop.store(true, Ordering::Relaxed);
    for task in readers {
        task.await.expect("a reader task");
    }
    let (gets, reads) = (reader.head_gets(), answered.load(Ordering::Relaxed) + 40);
    assert!(gets < reads, "{gets} head gets for {reads} reads");
}
