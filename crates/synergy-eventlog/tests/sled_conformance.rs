//! The conformance suite against the sled backend, each test in its own temporary directory.

mod conformance;

use synergy_eventlog::SledLog;
use synergy_proto::StreamId;
use tempfile::TempDir;

struct SledHarness {
    dir: TempDir,
    log: Option<SledLog>,
}

impl conformance::Harness for SledHarness {
    type Log = SledLog;

    async fn start() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let log = SledLog::open(dir.path()).expect("open sled log");
        SledHarness {
            dir,
            log: Some(log),
        }
    }

    fn log(&self) -> SledLog {
        self.log.clone().expect("the log is open")
    }

    async fn reopen(&mut self) {
        // Dropping the last handle joins the writer thread and closes sled's files, so the
        // same directory can be opened again at once.
        self.log = None;
        self.log = Some(SledLog::open(self.dir.path()).expect("reopen sled log"));
    }

    async fn inject_garbage(&mut self, stream: &StreamId) {
        self.log()
            .inject_raw_record(stream, b"\x00not a synergy commit".to_vec())
            .await
            .expect("inject a raw record");
    }
}

conformance_suite!(SledHarness);
