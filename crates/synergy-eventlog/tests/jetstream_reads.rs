//! Reads leave nothing behind on the server: many aggregate reads in a burst stay within
//! nats-server's default limit of 1,000 consumers per stream.

mod conformance;

use synergy_eventlog::{EventLog, ExpectedVersion, JetStreamConfig, JetStreamLog};
use synergy_testkit::NatsServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_reads_does_not_exhaust_the_servers_consumers() {
    let server = NatsServer::start().expect("start nats-server");
    let log = JetStreamLog::connect(&server.url(), JetStreamConfig::default())
        .await
        .expect("open the JetStream log");
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
    let info = log
        .context()
        .get_stream(log.stream_name())
        .await
        .expect("stream")
        .info()
        .await
        .expect("info")
        .state
        .consumer_count;
    assert!(
        info < 100,
        "{info} consumers are left on the stream after the reads"
    );
}
