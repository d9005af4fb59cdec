//! The peer framework beside Synergy, in one run: retail price checks on 64 launched
//! campaigns through cqrs-es 0.5 with postgres-es (its event store on a PostgreSQL with
//! synchronous commit, which this bench starts on a free loopback port and removes), one
//! task going round the campaigns and 64 tasks at once, then the same workload through
//! Synergy's executor on its sled log (`synergy-bench commands --backend sled`).
//!
//! Without PostgreSQL (`initdb`, `pg_ctl` on PATH or under `/usr/lib/postgresql/*/bin`,
//! as Debian's `postgresql` package installs them) the peer is skipped with a message and
//! Synergy's side still runs.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::Parser;
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, CqrsFramework, DomainEvent};
use postgres_es::{PostgresCqrs, PostgresEventRepository};
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgPoolOptions;
use tokio::task::JoinSet;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// cqrs-es + postgres-es against Synergy's command path, in the same run.
#[derive(Debug, Parser)]
struct Cli {
    /// Fewer commands (the counts of `synergy-bench commands --quick`).
    #[arg(long)]
    quick: bool,
}

const CAMPAIGNS: usize = synergy_bench::commands::CAMPAIGNS;

/// A campaign as the peer's aggregate: the same decision Synergy's makes for a price
/// check (the campaign must be running, the price positive), the same facts kept.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Campaign {
    launched: bool,
    checks: u64,
    above_guide: u64,
}

#[derive(Debug, Serialize, Deserialize)]
enum CampaignCommand {
    Launch,
    CheckRetailPrice {
        sku: String,
        outlet: String,
        observed_fen: i64,
        checked_on: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum CampaignEvent {
    Launched,
    RetailPriceChecked {
        sku: String,
        outlet: String,
        observed_fen: i64,
        checked_on: String,
    },
}

impl DomainEvent for CampaignEvent {
    fn event_type(&self) -> String {
        match self {
            CampaignEvent::Launched => "Launched",
            CampaignEvent::RetailPriceChecked { .. } => "RetailPriceChecked",
        }
        .into()
    }

    fn event_version(&self) -> String {
        "1".into()
    }
}

/// Why the peer's campaign refuses a command.
#[derive(Debug)]
struct Refused(&'static str);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Refused {}

const GUIDE_FEN: i64 = 19_000;

impl Aggregate for Campaign {
    const TYPE: &'static str = "campaign";
    type Command = CampaignCommand;
    type Event = CampaignEvent;
    type Error = Refused;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        match command {
            CampaignCommand::Launch if self.launched => Err(Refused("already launched")),
            CampaignCommand::Launch => {
                sink.write(CampaignEvent::Launched, self).await;
                Ok(())
            }
            CampaignCommand::CheckRetailPrice { .. } if !self.launched => {
                Err(Refused("the campaign is not running"))
            }
            CampaignCommand::CheckRetailPrice { observed_fen, .. } if observed_fen <= 0 => {
                Err(Refused("a price is more than zero"))
            }
            CampaignCommand::CheckRetailPrice {
                sku,
                outlet,
                observed_fen,
                checked_on,
            } => {
                let event = CampaignEvent::RetailPriceChecked {
                    sku,
                    outlet,
                    observed_fen,
                    checked_on,
                };
                sink.write(event, self).await;
                Ok(())
            }
        }
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            CampaignEvent::Launched => self.launched = true,
            CampaignEvent::RetailPriceChecked { observed_fen, .. } => {
                self.checks += 1;
                if observed_fen > GUIDE_FEN {
                    self.above_guide += 1;
                }
            }
        }
    }
}

fn check(n: usize) -> CampaignCommand {
    CampaignCommand::CheckRetailPrice {
        sku: "hy-soft".into(),
        outlet: format!("outlet-{n}"),
        observed_fen: if n.is_multiple_of(7) { 20_500 } else { 19_200 },
        checked_on: "2008-06-01".into(),
    }
}

/// Where Debian's PostgreSQL keeps `name`, or the one on PATH.
fn pg_binary(name: &str) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    on_path.or_else(|| {
        let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|v| Some(v.ok()?.path().join("bin").join(name)))
            .filter(|p| p.is_file())
            .collect();
        found.sort();
        found.pop()
    })
}

/// A throwaway PostgreSQL on a free loopback port, stopped and removed on drop.
struct Postgres {
    pg_ctl: PathBuf,
    data: PathBuf,
    port: u16,
    as_user: Option<&'static str>,
    _dir: tempfile::TempDir,
}

impl Postgres {
    fn command(&self, program: &Path) -> Command {
        run_as(self.as_user, program)
    }

    fn start() -> anyhow::Result<Option<Postgres>> {
        let (Some(initdb), Some(pg_ctl)) = (pg_binary("initdb"), pg_binary("pg_ctl")) else {
            return Ok(None);
        };
        // PostgreSQL refuses to run as root; Debian's package makes a `postgres` user.
        let as_user = is_root().then_some("postgres");
        let dir = tempfile::Builder::new().prefix("synergy-peer-").tempdir()?;
        let data = dir.path().join("data");
        if let Some(user) = as_user {
            let status = Command::new("chown")
                .arg(user)
                .arg(dir.path())
                .status()
                .context("chown of the PostgreSQL directory")?;
            if !status.success() {
                bail!("chown {user} {} failed", dir.path().display());
            }
        }
        let out = run_as(as_user, &initdb)
            .args(["-U", "bench", "--auth=trust", "--no-sync", "-D"])
            .arg(&data)
            .output()
            .context("running initdb")?;
        if !out.status.success() {
            bail!("initdb failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories='' \
             -c fsync=on -c synchronous_commit=on -c max_connections=200"
        );
        let pg = Postgres {
            pg_ctl,
            data,
            port,
            as_user,
            _dir: dir,
        };
        let out = pg
            .command(&pg.pg_ctl)
            .args(["start", "-w", "-t", "60", "-D"])
            .arg(&pg.data)
            .arg("-l")
            .arg(pg.data.join("server.log"))
            .args(["-o", &options])
            .output()
            .context("running pg_ctl start")?;
        if !out.status.success() {
            let log = std::fs::read_to_string(pg.data.join("server.log")).unwrap_or_default();
            bail!(
                "pg_ctl start failed: {}{log}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(Some(pg))
    }

    fn url(&self) -> String {
        format!("postgresql://bench@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self
            .command(&self.pg_ctl)
            .args(["stop", "-m", "immediate", "-D"])
            .arg(&self.data)
            .output();
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

fn run_as(user: Option<&str>, program: &Path) -> Command {
    match user {
        Some(user) => {
            let mut c = Command::new("runuser");
            c.args(["-u", user, "--"]).arg(program);
            c
        }
        None => Command::new(program),
    }
}

/// The event store's tables, as postgres-es documents them (its `db/init.sql`).
const SCHEMA: [&str; 2] = [
    "CREATE TABLE events (
        aggregate_type text NOT NULL,
        aggregate_id text NOT NULL,
        sequence bigint CHECK (sequence >= 0) NOT NULL,
        event_type text NOT NULL,
        event_version text NOT NULL,
        payload json NOT NULL,
        metadata json NOT NULL,
        PRIMARY KEY (aggregate_type, aggregate_id, sequence))",
    "CREATE TABLE snapshots (
        aggregate_type text NOT NULL,
        aggregate_id text NOT NULL,
        last_sequence bigint CHECK (last_sequence >= 0) NOT NULL,
        current_snapshot bigint CHECK (current_snapshot >= 0) NOT NULL,
        payload json NOT NULL,
        PRIMARY KEY (aggregate_type, aggregate_id, last_sequence))",
];

struct Peer {
    sequential: f64,
    concurrent: f64,
    sequential_p50_ms: f64,
    concurrent_p50_ms: f64,
}

fn p50_ms(mut latencies: Vec<Duration>) -> f64 {
    latencies.sort();
    latencies
        .get(latencies.len() / 2)
        .map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

async fn peer(pg: &Postgres, sequential: usize, per_task: usize) -> anyhow::Result<Peer> {
    let pool = PgPoolOptions::new()
        .max_connections(CAMPAIGNS as u32)
        .connect(&pg.url())
        .await
        .context("connecting to the bench's PostgreSQL")?;
    for statement in SCHEMA {
        sqlx::query(statement).execute(&pool).await?;
    }
    let cqrs: Arc<PostgresCqrs<Campaign>> = Arc::new(CqrsFramework::new(
        cqrs_es::persist::PersistedEventStore::new_event_store(PostgresEventRepository::new(
            pool.clone(),
        )),
        vec![],
        (),
    ));
    let ids: Vec<String> = (0..CAMPAIGNS).map(|i| format!("campaign-{i}")).collect();
    for id in &ids {
        cqrs.execute(id, CampaignCommand::Launch).await?;
    }
    eprintln!("peer: {sequential} checks by one task");
    let mut latencies = Vec::with_capacity(sequential);
    let start = Instant::now();
    for n in 0..sequential {
        let t = Instant::now();
        cqrs.execute(&ids[n % CAMPAIGNS], check(n)).await?;
        latencies.push(t.elapsed());
    }
    let seq_rate = sequential as f64 / start.elapsed().as_secs_f64();
    let sequential_p50_ms = p50_ms(latencies);
    eprintln!("peer: {} checks by {CAMPAIGNS} tasks", CAMPAIGNS * per_task);
    let mut tasks = JoinSet::new();
    let start = Instant::now();
    for (t, id) in ids.iter().enumerate() {
        let (cqrs, id) = (Arc::clone(&cqrs), id.clone());
        tasks.spawn(async move {
            let mut latencies = Vec::with_capacity(per_task);
            for i in 0..per_task {
                let started = Instant::now();
                cqrs.execute(&id, check(sequential + t * per_task + i))
                    .await?;
                latencies.push(started.elapsed());
            }
            anyhow::Ok(latencies)
        });
    }
    let mut all = Vec::new();
    while let Some(done) = tasks.join_next().await {
        all.extend(done??);
    }
    let con_rate = all.len() as f64 / start.elapsed().as_secs_f64();
    // Every command recorded its event: the figures count work done, not refusals.
    let (stored,): (i64,) = sqlx::query_as("SELECT count(*) FROM events")
        .fetch_one(&pool)
        .await?;
    let expected = CAMPAIGNS + sequential + CAMPAIGNS * per_task;
    if usize::try_from(stored)? != expected {
        bail!("the peer stored {stored} events for {expected} commands");
    }
    Ok(Peer {
        sequential: seq_rate,
        concurrent: con_rate,
        sequential_p50_ms,
        concurrent_p50_ms: p50_ms(all),
    })
}

fn figure(report: &synergy_bench::report::Report, key: &str) -> anyhow::Result<f64> {
    report
        .comparisons
        .iter()
        .find(|c| c.key == key)
        .map(|c| c.figure)
        .with_context(|| format!("synergy-bench commands reported no {key}"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    eprintln!("synergy: price checks through the executor on sled");
    let synergy = synergy_bench::commands::run(synergy_bench::commands::Options {
        quick: cli.quick,
        sled: true,
        jetstream: false,
    })
    .await?;
    println!("{}", synergy.table());
    let (sequential, per_task) = synergy_bench::commands::totals(cli.quick);
    let Some(pg) = tokio::task::spawn_blocking(Postgres::start).await?? else {
        println!(
            "peer skipped: PostgreSQL's initdb and pg_ctl were not found (on PATH or under \
             /usr/lib/postgresql/*/bin); Debian's `postgresql` package installs them"
        );
        return Ok(());
    };
    let peer = peer(&pg, sequential, per_task).await?;
    let (syn_seq, syn_con) = (
        figure(&synergy, "sled_sequential")?,
        figure(&synergy, "sled_concurrent")?,
    );
    let best = peer.sequential.max(peer.concurrent);
    println!(
        "peer: cqrs-es 0.5 + postgres-es 0.5 on PostgreSQL (synchronous commit, fsync on), \
         {CAMPAIGNS} campaigns\n"
    );
    println!("figure                          commands/s   p50 ms");
    println!(
        "peer, 1 task                    {:>10.0}   {:>6.2}",
        peer.sequential, peer.sequential_p50_ms
    );
    println!(
        "peer, {CAMPAIGNS} tasks                  {:>10.0}   {:>6.2}",
        peer.concurrent, peer.concurrent_p50_ms
    );
    println!("synergy (sled), 1 task          {syn_seq:>10.0}");
    println!("synergy (sled), {CAMPAIGNS} tasks        {syn_con:>10.0}\n");
    println!(
        "synergy 1 task / peer 1 task:          {:.2}x",
        syn_seq / peer.sequential
    );
    println!(
        "synergy {CAMPAIGNS} tasks / peer's best:       {:.2}x  (target >= 10x) {}",
        syn_con / best,
        if syn_con / best >= 10.0 {
            "met"
        } else {
            "MISSED"
        }
    );
    Ok(())
}
