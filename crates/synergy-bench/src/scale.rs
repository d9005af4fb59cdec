//! `synergy-bench scale`: evaluation at 300 and at 6,000 partnerships, each size measured
//! in one run:
//!
//! * **Rebuild** from 0 (`projection::catch_up` into an empty store) against the log's raw
//!   read-back (subscribe from 0 and decode), alternated in rounds on the same log.
//! * **Reports over HTTP**: the gateway (`synergy_gateway::serve`, the router `synergy up`
//!   serves) on loopback over `Local` on the rebuilt store, as `synergy up` runs them: a
//!   cold first report of partnerships not read yet, then quarterly market reports of
//!   random partnerships and quarters on 1 and on 8 keep-alive connections.
//! * **Memory**: a process of its own rebuilds the models from 0 and then reads every
//!   partnership's model through the store, with the model cache at its default and at
//!   50; its RSS at the end (and peak) is what the cache lets it keep.
//!
//! Every partnership has the same shape at one size (signing, its SKUs, monthly market
//! data of every SKU), built by [`crate::models`]; 6,000 partnerships get fewer months so
//! the run fits a two-core machine in minutes.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use serde_json::{Value, json};
use synergy_eventlog::{EventLog, SledLog};
use synergy_gateway::{GatewayState, SledTokenStore, TokenStore};
use synergy_proto::{OrgId, Period, Role};
use synergy_runtime::projection::{self, DEFAULT_MODEL_CACHE, ProjectionStore};
use synergy_runtime::{Clock, Local, SystemClock};
use tokio::task::JoinSet;

use crate::eventlog::common::{self as log_common, Read, Side};
use crate::measure::{Latencies, LatencySummary, RssTrace, millis};
use crate::models::{self, Partnership, Shape};
use crate::report::{Comparison, LatencyRow, Report};

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub quick: bool,
}

/// The ceiling for a quarterly report's p99 at 300 partnerships on 8 connections.
const P99_CEILING_MS: f64 = 5.0;
/// The smaller model cache the memory figure is measured with, beside the default.
pub const SMALL_CACHE: usize = 50;
/// Partnerships whose first report is timed cold.
const COLD_REPORTS: usize = 20;
/// Appending tasks while generating: the log's group commit batches them.
const WRITERS: usize = 64;
/// sled page cache of the log and of the store: small, so the memory figure is the
/// models' and not sled's.
const SLED_CACHE: u64 = 64 << 20;

/// One size measured.
#[derive(Debug, Clone, Copy)]
struct Size {
    key: &'static str,
    partnerships: usize,
    shape: Shape,
}

fn sizes(quick: bool) -> [Size; 2] {
    [
        Size {
            key: "p300",
            partnerships: 300,
            shape: Shape {
                skus: 50,
                months: 120,
                action_items: 0,
            },
        },
        Size {
            key: "p6000",
            partnerships: 6_000,
            shape: Shape {
                skus: if quick { 20 } else { 50 },
                months: if quick { 12 } else { 24 },
                action_items: 0,
            },
        },
    ]
}

fn sled_config(dir: &Path) -> sled::Config {
    sled::Config::new().path(dir).cache_capacity(SLED_CACHE)
}

/// Appends every partnership's history, [`WRITERS`] tasks at a time each taking every
/// `WRITERS`-th partnership; returns (commits, events).
async fn generate(log: &SledLog, size: Size) -> anyhow::Result<(u64, u64)> {
    let mut tasks = JoinSet::new();
    for w in 0..WRITERS {
        let log = log.clone();
        tasks.spawn(async move {
            let (mut commits, mut events) = (0u64, 0u64);
            for n in (w..size.partnerships).step_by(WRITERS) {
                let history = Partnership::new(n, size.shape)?.history()?;
                commits += history.len() as u64;
                events += history.iter().map(|c| c.events.len() as u64).sum::<u64>();
                models::append(&log, history).await?;
            }
            anyhow::Ok((commits, events))
        });
    }
    let (mut commits, mut events) = (0, 0);
    while let Some(done) = tasks.join_next().await {
        let (c, e) = done??;
        commits += c;
        events += e;
    }
    Ok((commits, events))
}

/// The memory phase, run in a process of its own (`scale --phase --dir DIR --cache N`):
/// rebuilds the models of the log in `DIR/log` into an empty store with a cache of `cache`
/// models, then reads every partnership's model through it; prints one JSON line with
/// `start_kib`, `end_kib`, `peak_kib`, `rebuild_ms`, `read_ms` and `models`.
pub async fn phase(dir: &Path, cache: usize) -> anyhow::Result<()> {
    let trace = RssTrace::start();
    let views = dir.join(format!("views-{cache}"));
    let log = SledLog::open_with(sled_config(&dir.join("log")))?;
    let store = ProjectionStore::open_with(sled_config(&views))?;
    store.set_model_cache(cache.try_into().context("a cache of 0 partnerships")?);
    let started = Instant::now();
    projection::catch_up(&log, &store).await?;
    let rebuild_ms = millis(started.elapsed());
    let started = Instant::now();
    let ids = store.partnerships()?;
    for id in &ids {
        ensure!(store.model(id)?.is_some(), "no model of {id}");
    }
    let read_ms = millis(started.elapsed());
    let (end, peak) = trace.end_and_peak_kib();
    println!(
        "{}",
        json!({"start_kib": trace.start_kib, "end_kib": end, "peak_kib": peak,
               "rebuild_ms": rebuild_ms, "read_ms": read_ms, "models": ids.len(),
               "cached": store.cached_models()})
    );
    drop(store);
    let _ = std::fs::remove_dir_all(views);
    Ok(())
}

fn run_phase(dir: &Path, cache: usize) -> anyhow::Result<Value> {
    let out = std::process::Command::new(std::env::current_exe()?)
        .args(["scale", "--phase", "--dir"])
        .arg(dir)
        .args(["--cache", &cache.to_string()])
        .output()?;
    ensure!(
        out.status.success(),
        "the memory phase failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout)?;
    let line = text.lines().last().context("the phase printed nothing")?;
    Ok(serde_json::from_str(line)?)
}

/// A small xorshift generator: the same sequence of reports on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// The path of a quarterly market report of partnership `n`, quarter `q` of its history.
fn report_path(n: usize, q: usize) -> anyhow::Result<String> {
    let first = models::first_month();
    let year = first.year() + i32::try_from(q / 4)?;
    let quarter = Period::quarter(year, u8::try_from(q % 4 + 1)?)?;
    Ok(format!(
        "/v1/partnerships/bench-models-{n:04}/reports/market/{quarter}?format=json&as_of=2031-01-31"
    ))
}

async fn get(client: &reqwest::Client, base: &str, path: &str) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let response = client.get(format!("{base}{path}")).send().await?;
    let status = response.status();
    let body = response.bytes().await?;
    let took = started.elapsed();
    ensure!(
        status.is_success() && body.len() > 100,
        "{path} answered {status}: {}",
        String::from_utf8_lossy(&body[..body.len().min(300)])
    );
    Ok(took)
}

/// One keep-alive connection: a client that holds at most one.
fn client(token: &str) -> anyhow::Result<reqwest::Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse()?,
    );
    Ok(reqwest::Client::builder()
        .default_headers(headers)
        .pool_max_idle_per_host(1)
        .build()?)
}

/// What the reports over HTTP measured at one size.
struct Reports {
    cold: LatencySummary,
    one: LatencySummary,
    eight: LatencySummary,
    eight_per_s: f64,
}

/// Reports over HTTP on the store in `views`, opened afresh (an empty model cache).
async fn reports(
    log: Arc<SledLog>,
    views: &Path,
    gateway: &Path,
    size: Size,
    samples: usize,
) -> anyhow::Result<Reports> {
    let store = Arc::new(ProjectionStore::open_with(sled_config(views))?);
    let api: Arc<dyn synergy_runtime::Api> =
        Arc::new(Local::new(log, store, Arc::new(SystemClock)));
    let db = sled::open(gateway)?;
    let tokens = Arc::new(SledTokenStore::open(&db)?);
    let token = tokens.create(
        OrgId::new("hongyun")?,
        Role::Manufacturer,
        SystemClock.now(),
    )?;
    let state = GatewayState::new(api, tokens);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(synergy_gateway::serve(listener, state, async {
        let _ = stopped.await;
    }));
    let quarters = size.shape.months / 3;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);

    // Cold: the first report of each of these partnerships reads its model from the store.
    let one = client(&token.token)?;
    let mut cold = Latencies::with_capacity(COLD_REPORTS);
    for i in 0..COLD_REPORTS {
        let n = i * size.partnerships / COLD_REPORTS;
        cold.record(get(&one, &base, &report_path(n, rng.below(quarters))?).await?);
    }
    let mut timed = |connections: usize| {
        let paths = (0..samples + samples / 10)
            .map(|_| report_path(rng.below(size.partnerships), rng.below(quarters)))
            .collect::<anyhow::Result<Vec<_>>>();
        let (base, token) = (base.clone(), token.token.clone());
        async move {
            let paths = Arc::new(paths?);
            let mut tasks = JoinSet::new();
            let started = Instant::now();
            for c in 0..connections {
                let (paths, base, client) = (paths.clone(), base.clone(), client(&token)?);
                tasks.spawn(async move {
                    let mut latencies = Latencies::with_capacity(paths.len() / connections);
                    for (i, path) in paths.iter().enumerate().skip(c).step_by(connections) {
                        let took = get(&client, &base, path).await?;
                        // The first tenth warms the connections and the cache.
                        if i >= paths.len() / 11 {
                            latencies.record(took);
                        }
                    }
                    anyhow::Ok(latencies)
                });
            }
            let mut all = Latencies::with_capacity(paths.len());
            while let Some(done) = tasks.join_next().await {
                all.merge(done??);
            }
            let per_s = paths.len() as f64 / started.elapsed().as_secs_f64();
            anyhow::Ok((all.summary().context("no samples")?, per_s))
        }
    };
    let (one, _) = timed(1).await?;
    let (eight, eight_per_s) = timed(8).await?;
    let _ = stop.send(());
    server.await??;
    Ok(Reports {
        cold: cold.summary().context("no cold reports")?,
        one,
        eight,
        eight_per_s,
    })
}

/// Everything measured at one size, into `report`.
async fn measure_size(
    root: &Path,
    size: Size,
    rounds: usize,
    samples: usize,
    report: &mut Report,
) -> anyhow::Result<()> {
    let dir = root.join(size.key);
    let name = format!(
        "{} partnerships × {} months × {} SKUs",
        size.partnerships, size.shape.months, size.shape.skus
    );
    eprintln!("scale: generating {name}");
    let started = Instant::now();
    let (commits, events) = {
        let log = SledLog::open_with(sled_config(&dir.join("log")))?;
        let counts = generate(&log, size).await?;
        crate::evaluation::close(log).await;
        counts
    };
    let generation = started.elapsed();
    let disk = crate::evaluation::dir_bytes(&dir.join("log"));
    eprintln!(
        "scale: {events} events in {commits} commits, {:.1} s, {:.1} MiB on disk",
        generation.as_secs_f64(),
        disk as f64 / 1048576.0
    );

    let log = Arc::new(SledLog::open_with(sled_config(&dir.join("log")))?);
    let head = log.head().await?.get();
    ensure!(head == commits, "the log's head is {head}, not {commits}");
    // Untimed: the first reader of a reopened log pays for sled's page-ins.
    log_common::subscribe_through(&*log, head, &mut RssTrace::start()).await?;
    let (mut raw, mut fold) = (Read::default(), Read::default());
    let views = dir.join("views");
    for round in 0..rounds {
        eprintln!("scale: {name}: read/rebuild round {}/{rounds}", round + 1);
        for side in log_common::sides(round) {
            match side {
                Side::Raw => {
                    raw.absorb(
                        log_common::subscribe_through(&*log, head, &mut RssTrace::start()).await?,
                    );
                }
                Side::Log => {
                    let _ = std::fs::remove_dir_all(&views);
                    let (read, _, store) =
                        crate::evaluation::rebuild(&log, &views, head, commits).await?;
                    // Counted in events like the raw read.
                    fold.absorb(Read { events, ..read });
                    drop(store);
                }
            }
        }
    }
    let views_disk = crate::evaluation::dir_bytes(&views);
    report.comparisons.push(Comparison {
        key: if size.partnerships == 300 {
            "rebuild_300"
        } else {
            "rebuild_6000"
        },
        label: format!("rebuild from 0, {} partnerships", size.partnerships),
        unit: "events/s",
        figure: fold.events_per_s(),
        baseline_label: "subscribe from 0 + decode, no fold".into(),
        baseline: raw.events_per_s(),
        target: Some(0.8),
    });

    eprintln!("scale: {name}: reports over HTTP");
    let r = reports(log.clone(), &views, &dir.join("gateway"), size, samples).await?;
    let n = size.partnerships;
    for (suffix, label, figure, ceiling) in [
        ("cold", "cold first report, 1 connection", r.cold, None),
        ("1", "quarterly report, 1 connection", r.one, None),
        (
            "8",
            "quarterly report, 8 connections",
            r.eight,
            (n == 300).then_some(P99_CEILING_MS),
        ),
    ] {
        report.latencies.push(LatencyRow {
            key: match (n, suffix) {
                (300, "cold") => "report_300_cold",
                (300, "1") => "report_300_1",
                (300, _) => "report_300_8",
                (_, "cold") => "report_6000_cold",
                (_, "1") => "report_6000_1",
                _ => "report_6000_8",
            },
            label: format!("{label}, {n} partnerships"),
            figure,
            baseline: None,
            p99_ceiling_ms: ceiling,
        });
    }
    // The log is closed before the memory phases open it.
    let log = Arc::try_unwrap(log).map_err(|_| anyhow::anyhow!("the log is still held"))?;
    crate::evaluation::close(log).await;

    let mut memory = serde_json::Map::new();
    for cache in [DEFAULT_MODEL_CACHE.get(), SMALL_CACHE] {
        eprintln!("scale: {name}: memory with a cache of {cache}");
        memory.insert(cache.to_string(), run_phase(&dir, cache)?);
    }
    report.facts.insert(
        size.key.into(),
        json!({
            "partnerships": n, "months": size.shape.months, "skus": size.shape.skus,
            "events": events, "commits": commits,
            "generation_s": (generation.as_secs_f64() * 10.0).round() / 10.0,
            "log_bytes": disk, "views_bytes": views_disk,
            "raw_read_events_per_s": raw.events_per_s().round(),
            "rebuild_events_per_s": fold.events_per_s().round(),
            "rebuild_s": (fold.elapsed.as_secs_f64() / rounds as f64 * 100.0).round() / 100.0,
            "reports_per_s_8": r.eight_per_s.round(),
            "memory_by_cache": memory,
        }),
    );
    let mib = |v: &Value, k: &str| v[k].as_u64().unwrap_or(0) as f64 / 1024.0;
    let default = &memory[&DEFAULT_MODEL_CACHE.get().to_string()];
    let small = &memory[&SMALL_CACHE.to_string()];
    report.notes.push(format!(
        "{name}: {events} events in {commits} commits, log {:.0} MiB, read models {:.0} MiB on disk; rebuild {:.2} s; 8 connections {:.0} reports/s; RSS after rebuilding and reading all {n} models (process of its own): cache {} → {:.0} MiB (peak {:.0}), cache {SMALL_CACHE} → {:.0} MiB (peak {:.0}), from {:.0} MiB at start",
        disk as f64 / 1048576.0,
        views_disk as f64 / 1048576.0,
        fold.elapsed.as_secs_f64() / rounds as f64,
        r.eight_per_s,
        DEFAULT_MODEL_CACHE,
        mib(default, "end_kib"),
        mib(default, "peak_kib"),
        mib(small, "end_kib"),
        mib(small, "peak_kib"),
        mib(small, "start_kib"),
    ));
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

pub async fn run(options: Options) -> anyhow::Result<Report> {
    let (rounds, samples) = if options.quick { (2, 400) } else { (3, 2_000) };
    let root = tempfile::tempdir()?;
    let mut report = Report {
        bench: "scale",
        quick: options.quick,
        ..Report::default()
    };
    for size in sizes(options.quick) {
        measure_size(root.path(), size, rounds, samples, &mut report).await?;
    }
    report.notes.push(format!(
        "reports: GET /v1/partnerships/…/reports/market/QUARTER?format=json over loopback HTTP to the gateway in this process (the router synergy up serves) over Local on a sled log and the rebuilt store opened afresh (model cache {DEFAULT_MODEL_CACHE}); {COLD_REPORTS} cold first reports of distinct partnerships, then {samples} random (partnership, quarter) reports after {} warm-up, on 1 keep-alive connection and spread over 8; rebuild and raw read alternate over {rounds} rounds; sled caches {} MiB",
        samples / 10,
        SLED_CACHE >> 20
    ));
    Ok(report)
}
