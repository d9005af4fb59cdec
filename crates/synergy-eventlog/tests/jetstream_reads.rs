//! The JetStream log against server-side limits and hiccups: many aggregate reads in a
//! burst leave nothing behind (they stay within nats-server's default limit of 1,000
//! consumers per stream), and an append rides out a moment in which the stream is missing.

mod conformance;

use synergy_eventlog::{EventLog, ExpectedVersion, JetStreamConfig, JetStreamLog};
use synergy_testkit::NatsServer;

async fn open(server: &NatsServer) -> JetStreamLog {
    JetStreamLog::connect(&server.url(), JetStreamConfig::default())
        .await
        .expect("open the JetStream log")
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
