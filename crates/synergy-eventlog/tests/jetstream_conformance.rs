//! The conformance suite against the JetStream backend, each test with its own nats-server
//! (started by the testkit, never skipped: a missing binary fails the test with an install
//! hint).

mod conformance;

use synergy_eventlog::{JetStreamConfig, JetStreamLog};
use synergy_proto::{StreamId, subject};
use synergy_testkit::NatsServer;

struct JetStreamHarness {
    server: NatsServer,
    log: Option<JetStreamLog>,
}

async fn open(server: &NatsServer) -> JetStreamLog {
    conformance::open_jetstream(server, JetStreamConfig::default()).await
}

impl conformance::Harness for JetStreamHarness {
    type Log = JetStreamLog;

    async fn start() -> Self {
        let server = NatsServer::start().expect("start nats-server");
        let log = open(&server).await;
        JetStreamHarness {
            server,
            log: Some(log),
        }
    }

    fn log(&self) -> JetStreamLog {
        self.log.clone().expect("the log is open")
    }

    async fn reopen(&mut self) {
        // A new client and a fresh head cache: everything must come from the server.
        self.log = None;
        self.log = Some(open(&self.server).await);
    }

    async fn inject_garbage(&mut self, stream: &StreamId) {
        self.log()
            .context()
            .publish(
                subject::commit(stream),
                b"\x00not a synergy commit".as_slice().into(),
            )
            .await
            .expect("publish garbage")
            .await
            .expect("garbage acknowledged");
    }
}

conformance_suite!(JetStreamHarness);
