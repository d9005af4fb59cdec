//! `synergy-bench pipeline`: a monthly market-data import, from the CSV bytes to the
//! report that reflects it, the way the `synergy` CLI runs it — look up the catalogue and
//! the distributor, parse with `synergy_import`, execute one `SubmitMarketData` command,
//! then ask for the month's market report with `after` set to the command's position
//! (read-your-writes) and check its volume is the imported one.
//!
//! Measured embedded (`Local<SledLog>` with a background projection consumer) and over
//! NATS (every service in-process behind `synergy_runtime::nats::serve`, driven through
//! `NatsApi`), each beside raw baselines moving the very commit bytes the pipeline stored:
//! a sled insert+flush, a JetStream publish+ack and a NATS request/reply round trip. A
//! 10,000-row file imported embedded shows what one big import costs.

mod embedded;
mod import;
mod nats;
mod summary;
mod workload;

use std::time::{Duration, Instant};

use crate::measure::Latencies;

pub use summary::PipelineReport;

/// The ceilings on the p99 from accepted import to the report reflecting it.
pub const EMBEDDED_P99_CEILING_MS: f64 = 50.0;
pub const NATS_P99_CEILING_MS: f64 = 100.0;
/// The ceiling on accepting a 10,000-row file embedded.
pub const IMPORT_10K_CEILING_MS: f64 = 1_000.0;

/// SKUs in the catalogue of a monthly import.
pub const MONTHLY_SKUS: usize = 20;
/// The 10,000-row file: this many SKUs times [`BIG_MONTHS`] months.
pub const BIG_SKUS: usize = 500;
pub const BIG_MONTHS: usize = 20;

/// Time between two measured monthly imports over NATS: the latency figures are those of
/// imports arriving one by one, as distributors send them; `nats::burst` then sends
/// hundreds back to back (and reports the consumers left on the stream, which bounded
/// reads delete as they finish).
const NATS_PACE: Duration = Duration::from_millis(250);

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub quick: bool,
}

/// How much a run does.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Partnerships imported into one after another; each gets `months` monthly imports,
    /// so the market-data history a command loads grows as it does for a real
    /// distributor, and is bounded as it is for one.
    pub partnerships: usize,
    pub months: usize,
    /// Rounds of the 10,000-row import, each into a fresh partnership.
    pub big_rounds: usize,
    /// Back-to-back imports over NATS tried after the measured ones.
    pub burst: usize,
}

impl Plan {
    pub fn new(quick: bool) -> Plan {
        if quick {
            Plan {
                partnerships: 2,
                months: 100,
                big_rounds: 3,
                burst: 400,
            }
        } else {
            Plan {
                partnerships: 5,
                months: 120,
                big_rounds: 6,
                burst: 600,
            }
        }
    }

    pub fn imports(&self) -> usize {
        self.partnerships * self.months
    }
}

/// Where one monthly import spent its time.
#[derive(Debug, Clone, Copy, Default)]
struct Phases {
    /// The catalogue and partnership look-ups the CLI makes before parsing.
    lookups: Duration,
    parse: Duration,
    /// `execute` until it returned `Ok`: load the stream, decide, append durably.
    execute: Duration,
    /// From `execute` returning to the report (with `after`) returning.
    accepted_to_report: Duration,
    /// The same report asked again at once: the query alone, nothing left to wait for.
    report_again: Duration,
    total: Duration,
}

/// Latencies of every phase over a run.
#[derive(Debug, Default)]
struct PhaseSet {
    lookups: Latencies,
    parse: Latencies,
    execute: Latencies,
    accepted_to_report: Latencies,
    report_again: Latencies,
    total: Latencies,
}

impl PhaseSet {
    fn record(&mut self, p: Phases) {
        self.lookups.record(p.lookups);
        self.parse.record(p.parse);
        self.execute.record(p.execute);
        self.accepted_to_report.record(p.accepted_to_report);
        self.report_again.record(p.report_again);
        self.total.record(p.total);
    }

    fn rows(&self) -> [(&'static str, &Latencies); 6] {
        [
            ("catalogue + partnership look-ups", &self.lookups),
            ("parse CSV (synergy_import)", &self.parse),
            ("execute (load, decide, append)", &self.execute),
            ("accepted -> report reflects it", &self.accepted_to_report),
            ("same report asked again", &self.report_again),
            ("total: bytes -> report", &self.total),
        ]
    }
}

/// One mode's results: its phases and its raw baselines.
#[derive(Debug, Default)]
struct ModeResults {
    phases: PhaseSet,
    /// Raw sled insert+flush, or raw JetStream publish+ack, of the stored commit bytes.
    raw_write: Latencies,
    /// Raw NATS request/reply carrying the commit bytes (NATS only).
    raw_request: Latencies,
    commit_bytes: Vec<usize>,
    /// `JetStreamLog::read_aggregate` of the market-data stream (NATS only).
    read_aggregate: Latencies,
    /// Most ephemeral consumers seen on the log's stream during the paced imports.
    peak_consumers: usize,
    burst: Option<Burst>,
}

/// Monthly imports over NATS sent back to back until one fails.
#[derive(Debug, Default)]
struct Burst {
    attempted: usize,
    succeeded: usize,
    elapsed: Duration,
    /// Consumers on the log's stream when the burst ended.
    consumers_at_end: usize,
    error: Option<String>,
}

/// The 10,000-row import, round by round.
#[derive(Debug, Default)]
struct BigImport {
    rows: usize,
    bytes: usize,
    lookups: Latencies,
    parse: Latencies,
    execute: Latencies,
    accepted: Latencies,
    report: Latencies,
    events: usize,
    commit_bytes: usize,
    raw_write: Latencies,
}

pub async fn run(options: Options) -> anyhow::Result<PipelineReport> {
    let plan = Plan::new(options.quick);
    let mut notes = Vec::new();
    let dir = tempfile::Builder::new()
        .prefix("synergy-bench-pipeline-")
        .tempdir()?;
    let started = Instant::now();
    let (embedded, big) = embedded::embedded(dir.path(), &plan, &mut notes).await?;
    let embedded_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let nats = nats::over_nats(&plan).await?;
    let nats_secs = started.elapsed().as_secs_f64();
    Ok(PipelineReport::new(
        options.quick,
        plan,
        embedded,
        nats,
        big,
        notes,
        (embedded_secs, nats_secs),
    ))
}
