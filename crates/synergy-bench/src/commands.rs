//! `synergy-bench commands`: how many commands a second the command path records, against
//! the log it records them in.
//!
//! A partnership runs [`CAMPAIGNS`] launched campaigns; the manufacturer records retail
//! price checks on them through the executor (`synergy_runtime::Executor`: stream states
//! kept, the decision, the append), once with one task going round the campaigns and once
//! with one task per campaign (64 commands in flight). The raw baseline is the log without
//! any decision: the very commits those commands recorded, appended again to a fresh log of
//! the same backend in the same order and with the same concurrency — on sled through
//! `SledLog::append` at the exact expected version (the group-commit log itself), on
//! JetStream as a bare async-nats publish with the headers the log sends (`Nats-Msg-Id`
//! and the expected last subject sequence). Rounds alternate which side runs first, so
//! neither always gets the warmer machine.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context as _, bail};
use async_nats::HeaderMap;
use async_nats::jetstream;
use bytes::Bytes;
use serde_json::json;
use synergy_brand::SkuEntry;
use synergy_domain::Principal;
use synergy_eventlog::{
    EventLog, ExpectedVersion, JetStreamConfig, JetStreamLog, SledLog, StoredCommit,
};
use synergy_marketing::Command as Mkt;
use synergy_proto::{
    BrandId, CampaignId, Commit, Date, OrgId, OutletId, PartnershipId, Role, SkuId, StreamId, Yuan,
    encode_commit,
};
use synergy_runtime::{AnyCommand, Executor, ManualClock, Request};
use synergy_testkit::NatsServer;

use crate::eventlog::common::{Run, Side, sides, timed_writers};
use crate::measure::Latencies;
use crate::report::{Comparison, LatencyRow, Report};

/// Campaigns, and so tasks in the concurrent phase.
pub const CAMPAIGNS: usize = 64;

/// Every phase runs to its end: the deadline the shared writers take is never reached.
const UNCAPPED: std::time::Duration = std::time::Duration::from_secs(3_600);

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub quick: bool,
    pub sled: bool,
    pub jetstream: bool,
}

#[derive(Debug, Clone, Copy)]
struct Plan {
    rounds: usize,
    sequential: usize,
    per_task: usize,
}

impl Plan {
    fn new(quick: bool) -> Self {
        if quick {
            Plan {
                rounds: 2,
                sequential: 1_000,
                per_task: 30,
            }
        } else {
            Plan {
                rounds: 4,
                sequential: 4_000,
                per_task: 120,
            }
        }
    }
}

/// The commands a run makes in all: (sequential, per task in the concurrent phase), for a
/// peer to do the same work.
pub fn totals(quick: bool) -> (usize, usize) {
    let plan = Plan::new(quick);
    (plan.rounds * plan.sequential, plan.rounds * plan.per_task)
}

/// One partnership with [`CAMPAIGNS`] launched campaigns, on some log.
struct World<L> {
    exec: Executor<L>,
    p: PartnershipId,
    campaigns: Vec<CampaignId>,
    manufacturer: Principal,
    /// Price checks recorded so far (each names its own outlet).
    checks: usize,
    /// How many times the log has asked its server for an aggregate's head (JetStream;
    /// always 0 on sled).
    head_gets: fn(&L) -> u64,
    /// Head gets made while commands ran, and the commands: (one task, 64 tasks).
    gets: [(u64, u64); 2],
}

/// A retail price check of campaign `campaign` at the `n`th outlet (one in seven above the
/// guide price).
pub fn check(p: &PartnershipId, campaign: &CampaignId, n: usize) -> anyhow::Result<AnyCommand> {
    Ok(AnyCommand::Marketing(Mkt::CheckRetailPrice {
        partnership: p.clone(),
        campaign: campaign.clone(),
        sku: SkuId::new("hy-soft")?,
        outlet: OutletId::new(format!("outlet-{n}"))?,
        observed_price: Yuan::parse(if n.is_multiple_of(7) { "205" } else { "192" })?,
        checked_on: "2008-06-01".parse()?,
    }))
}

/// A signed partnership, its catalogue and the campaigns `names`, launched, through
/// `exec`; the partnership and the manufacturer who checks prices.
pub async fn launched_campaigns<L: EventLog + 'static>(
    exec: &Executor<L>,
    names: &[String],
) -> anyhow::Result<(PartnershipId, Vec<CampaignId>, Principal)> {
    let p = PartnershipId::new("hongyun-changzhi")?;
    let (hongyun, changzhi) = (OrgId::new("hongyun")?, OrgId::new("changzhi")?);
    let manufacturer = Principal::new(hongyun.clone(), Role::Manufacturer, "bench");
    let distributor = Principal::new(changzhi.clone(), Role::Distributor, "bench");
    let operator = Principal::new(changzhi.clone(), Role::Admin, "bench");
    let mut setup = vec![
        (
            operator,
            AnyCommand::Strategy(synergy_strategy::Command::SignPartnership {
                partnership: p.clone(),
                manufacturer: hongyun,
                distributor: changzhi,
                region: "Changzhi".into(),
                signed_on: "2007-12-18".parse()?,
            }),
        ),
        (
            manufacturer.clone(),
            AnyCommand::Brand(synergy_brand::Command::RegisterCatalogue {
                partnership: p.clone(),
                skus: vec![SkuEntry {
                    brand: BrandId::new("hongyun")?,
                    sku: SkuId::new("hy-soft")?,
                    name: "紅雲(軟)".into(),
                    price_class: 2,
                    guide_price: Yuan::parse("190")?,
                }],
            }),
        ),
    ];
    let campaigns = names
        .iter()
        .map(|name| CampaignId::new(name.as_str()))
        .collect::<Result<Vec<_>, _>>()?;
    for campaign in &campaigns {
        setup.extend([
            (
                manufacturer.clone(),
                AnyCommand::Marketing(Mkt::PlanCampaign {
                    partnership: p.clone(),
                    campaign: campaign.clone(),
                    title: "Summer".into(),
                    brand: BrandId::new("hongyun")?,
                    skus: vec![SkuId::new("hy-soft")?],
                    starts_on: "2008-05-01".parse()?,
                    ends_on: "2008-09-30".parse()?,
                    activity_plan: "Price monitoring across the region".into(),
                }),
            ),
            (
                distributor.clone(),
                AnyCommand::Marketing(Mkt::SelectOutlets {
                    partnership: p.clone(),
                    campaign: campaign.clone(),
                    outlets: vec![OutletId::new("outlet-a")?, OutletId::new("outlet-b")?],
                }),
            ),
            (
                distributor.clone(),
                AnyCommand::Marketing(Mkt::LaunchCampaign {
                    partnership: p.clone(),
                    campaign: campaign.clone(),
                    launched_on: "2008-05-02".parse()?,
                }),
            ),
        ]);
    }
    for (who, command) in setup {
        exec.execute(Request::new(who, command))
            .await
            .context("setting the campaigns up")?;
    }
    Ok((p, campaigns, manufacturer))
}

async fn world<L: EventLog + 'static>(
    log: Arc<L>,
    head_gets: fn(&L) -> u64,
) -> anyhow::Result<World<L>> {
    let clock = Arc::new(ManualClock::new("2008-06-12".parse::<Date>()?.start()));
    let exec = Executor::new(log, clock);
    let names: Vec<String> = (0..CAMPAIGNS).map(|i| format!("campaign-{i}")).collect();
    let (p, campaigns, manufacturer) = launched_campaigns(&exec, &names).await?;
    Ok(World {
        exec,
        p,
        campaigns,
        manufacturer,
        checks: 0,
        head_gets,
        gets: [(0, 0); 2],
    })
}

impl<L: EventLog + 'static> World<L> {
    fn streams(&self) -> Vec<StreamId> {
        self.campaigns
            .iter()
            .map(|c| synergy_marketing::campaign_stream(&self.p, c))
            .collect()
    }

    /// Every campaign stream's version now.
    async fn versions(&self) -> anyhow::Result<Vec<u64>> {
        let mut versions = Vec::with_capacity(CAMPAIGNS);
        for stream in self.streams() {
            let commits = self.exec.log().read_aggregate(&stream, 1).await?;
            versions.push(commits.last().map_or(0, last_version));
        }
        Ok(versions)
    }

    /// The commits recorded on each campaign after `versions`.
    async fn recorded_since(&self, versions: &[u64]) -> anyhow::Result<Vec<Vec<StoredCommit>>> {
        let mut recorded = Vec::with_capacity(CAMPAIGNS);
        for (stream, &version) in self.streams().iter().zip(versions) {
            recorded.push(self.exec.log().read_aggregate(stream, version + 1).await?);
        }
        Ok(recorded)
    }

    /// `count` checks by one task, going round the campaigns.
    async fn sequential(&mut self, count: usize) -> anyhow::Result<(Run, Vec<Commit>)> {
        let before = self.versions().await?;
        let mut latencies = Latencies::with_capacity(count);
        let gets = (self.head_gets)(self.exec.log());
        let start = Instant::now();
        for i in 0..count {
            let command = check(&self.p, &self.campaigns[i % CAMPAIGNS], self.checks)?;
            self.checks += 1;
            let t = Instant::now();
            self.exec
                .execute(Request::new(self.manufacturer.clone(), command))
                .await
                .context("a price check")?;
            latencies.record(t.elapsed());
        }
        let run = Run {
            ops: count as u64,
            elapsed: start.elapsed(),
            latencies,
        };
        self.gets[0].0 += (self.head_gets)(self.exec.log()) - gets;
        self.gets[0].1 += count as u64;
        let mut commits: Vec<StoredCommit> = self
            .recorded_since(&before)
            .await?
            .into_iter()
            .flatten()
            .collect();
        commits.sort_by_key(|c| c.position);
        if commits.len() != count {
            bail!("{count} checks recorded {} commits", commits.len());
        }
        Ok((run, commits.into_iter().map(|c| c.commit).collect()))
    }

    /// `per_task` checks by each of [`CAMPAIGNS`] tasks, one task a campaign.
    async fn concurrent(&mut self, per_task: usize) -> anyhow::Result<(Run, Vec<Vec<Commit>>)> {
        let before = self.versions().await?;
        let batches = self
            .campaigns
            .iter()
            .enumerate()
            .map(|(t, campaign)| {
                (0..per_task)
                    .map(|i| check(&self.p, campaign, self.checks + t * per_task + i))
                    .collect::<anyhow::Result<Vec<_>>>()
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let gets = (self.head_gets)(self.exec.log());
        let run = timed_writers(batches, UNCAPPED, "a command task failed", |commands, _| {
            let (exec, who) = (self.exec.clone(), self.manufacturer.clone());
            async move {
                let mut latencies = Latencies::with_capacity(commands.len());
                for command in commands {
                    let t = Instant::now();
                    exec.execute(Request::new(who.clone(), command))
                        .await
                        .context("a price check by one of the tasks")?;
                    latencies.record(t.elapsed());
                }
                anyhow::Ok(latencies)
            }
        })
        .await?;
        self.gets[1].0 += (self.head_gets)(self.exec.log()) - gets;
        self.gets[1].1 += (CAMPAIGNS * per_task) as u64;
        self.checks += CAMPAIGNS * per_task;
        let recorded = self.recorded_since(&before).await?;
        let total: usize = recorded.iter().map(Vec::len).sum();
        if total != CAMPAIGNS * per_task {
            bail!("{} checks recorded {total} commits", CAMPAIGNS * per_task);
        }
        Ok((
            run,
            recorded
                .into_iter()
                .map(|c| c.into_iter().map(|s| s.commit).collect())
                .collect(),
        ))
    }
}

fn last_version(stored: &StoredCommit) -> u64 {
    stored.commit.first_version + stored.commit.events.len() as u64 - 1
}

/// A raw target: where the baseline appends the commands' commits again.
trait Raw {
    /// `commits` (of several streams, in order) by one writer.
    async fn one_writer(&self, commits: Vec<Commit>) -> anyhow::Result<Run>;
    /// Each batch (one stream's commits, in order) by its own writer, all at once.
    async fn writers(&self, batches: Vec<Vec<Commit>>) -> anyhow::Result<Run>;
}

/// A fresh sled log: the commits appended through `SledLog::append`, each at its exact
/// version in this log.
struct RawSled {
    log: SledLog,
    _dir: tempfile::TempDir,
}

impl RawSled {
    fn open() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        Ok(Self {
            log: SledLog::open(dir.path().join("raw"))?,
            _dir: dir,
        })
    }
}

/// `commit` renumbered to follow `version` of its stream in the raw target.
fn after(commit: &Commit, version: u64) -> Commit {
    Commit {
        first_version: version + 1,
        ..commit.clone()
    }
}

impl Raw for RawSled {
    async fn one_writer(&self, commits: Vec<Commit>) -> anyhow::Result<Run> {
        let mut versions: HashMap<StreamId, u64> = HashMap::new();
        let mut latencies = Latencies::with_capacity(commits.len());
        let start = Instant::now();
        for commit in commits {
            let version = versions.entry(commit.stream.clone()).or_default();
            let t = Instant::now();
            let appended = self
                .log
                .append(ExpectedVersion::Exact(*version), after(&commit, *version))
                .await
                .context("a raw append")?;
            latencies.record(t.elapsed());
            *version = appended.last_version;
        }
        Ok(Run {
            ops: latencies.len() as u64,
            elapsed: start.elapsed(),
            latencies,
        })
    }

    async fn writers(&self, batches: Vec<Vec<Commit>>) -> anyhow::Result<Run> {
        let log = self.log.clone();
        crate::eventlog::common::concurrent_writers(
            &log,
            batches
                .into_iter()
                .map(|batch| {
                    let mut version = 0;
                    batch
                        .iter()
                        .map(|c| {
                            let renumbered = after(c, version);
                            version += c.events.len() as u64;
                            renumbered
                        })
                        .collect()
                })
                .collect(),
            UNCAPPED,
        )
        .await
    }
}

/// A stream of its own on the log's nats-server, written by bare publishes.
struct RawJetStream {
    js: jetstream::Context,
    subjects: String,
}

impl RawJetStream {
    async fn create(js: &jetstream::Context, round: usize, phase: &str) -> anyhow::Result<Self> {
        let subjects = format!("bench.cmd.{phase}{round}");
        js.create_stream(JetStreamConfig::default().stream(
            &format!("BENCH_CMD_{phase}{round}"),
            &format!("{subjects}.>"),
        ))
        .await
        .context("creating the raw baseline's stream")?;
        Ok(Self {
            js: js.clone(),
            subjects,
        })
    }

    fn subject(&self, stream: &StreamId) -> String {
        format!(
            "{}.{}.{}",
            self.subjects, stream.partnership, stream.aggregate
        )
    }
}

/// One publish with the log's headers; the stream's sequence it took.
async fn publish(
    js: &jetstream::Context,
    subject: String,
    commit: &Commit,
    version: u64,
    last_seq: u64,
) -> anyhow::Result<u64> {
    let mut headers = HeaderMap::new();
    headers.insert("Nats-Msg-Id", commit.commit_id.to_string().as_str());
    headers.insert(
        "Nats-Expected-Last-Subject-Sequence",
        last_seq.to_string().as_str(),
    );
    let payload = Bytes::from(encode_commit(&after(commit, version)));
    let ack = js
        .publish_with_headers(subject, headers, payload)
        .await
        .context("raw publish")?
        .await
        .context("raw publish ack")?;
    if ack.duplicate {
        bail!(
            "the raw publish of {} was taken for a duplicate",
            commit.commit_id
        );
    }
    Ok(ack.sequence)
}

impl Raw for RawJetStream {
    async fn one_writer(&self, commits: Vec<Commit>) -> anyhow::Result<Run> {
        let mut heads: HashMap<StreamId, (u64, u64)> = HashMap::new();
        let mut latencies = Latencies::with_capacity(commits.len());
        let start = Instant::now();
        for commit in commits {
            let (version, seq) = heads.entry(commit.stream.clone()).or_default();
            let t = Instant::now();
            *seq = publish(
                &self.js,
                self.subject(&commit.stream),
                &commit,
                *version,
                *seq,
            )
            .await?;
            latencies.record(t.elapsed());
            *version += commit.events.len() as u64;
        }
        Ok(Run {
            ops: latencies.len() as u64,
            elapsed: start.elapsed(),
            latencies,
        })
    }

    async fn writers(&self, batches: Vec<Vec<Commit>>) -> anyhow::Result<Run> {
        let batches: Vec<_> = batches
            .into_iter()
            .filter_map(|batch| Some((self.subject(&batch.first()?.stream), batch)))
            .collect();
        timed_writers(
            batches,
            UNCAPPED,
            "a raw publisher task failed",
            |(subject, batch), _| {
                let js = self.js.clone();
                async move {
                    let mut latencies = Latencies::with_capacity(batch.len());
                    let (mut version, mut seq) = (0, 0);
                    for commit in batch {
                        let t = Instant::now();
                        seq = publish(&js, subject.clone(), &commit, version, seq).await?;
                        latencies.record(t.elapsed());
                        version += commit.events.len() as u64;
                    }
                    anyhow::Ok(latencies)
                }
            },
        )
        .await
    }
}

/// What one backend measured, summed over the rounds.
#[derive(Default)]
struct Results {
    sequential: Run,
    raw_sequential: Run,
    concurrent: Run,
    raw_concurrent: Run,
}

/// The rounds on one backend; `raw(round, phase)` makes a fresh raw target.
async fn rounds<L, R, M>(w: &mut World<L>, plan: Plan, mut raw: M) -> anyhow::Result<Results>
where
    L: EventLog + 'static,
    R: Raw,
    M: AsyncFnMut(usize, &'static str) -> anyhow::Result<R>,
{
    let mut results = Results::default();
    // The first round's commits, for the rounds that run the raw side first.
    let mut previous: Option<(Vec<Commit>, Vec<Vec<Commit>>)> = None;
    for round in 0..plan.rounds {
        eprintln!("  round {}/{}", round + 1, plan.rounds);
        let order = sides(round);
        if order[0] == Side::Raw
            && let Some((seq, con)) = previous.take()
        {
            results
                .raw_sequential
                .absorb(raw(round, "seq").await?.one_writer(seq).await?);
            results
                .raw_concurrent
                .absorb(raw(round, "con").await?.writers(con).await?);
            let (s, seq) = w.sequential(plan.sequential).await?;
            let (c, con) = w.concurrent(plan.per_task).await?;
            results.sequential.absorb(s);
            results.concurrent.absorb(c);
            previous = Some((seq, con));
        } else {
            let (s, seq) = w.sequential(plan.sequential).await?;
            results.sequential.absorb(s);
            results
                .raw_sequential
                .absorb(raw(round, "seq").await?.one_writer(seq.clone()).await?);
            let (c, con) = w.concurrent(plan.per_task).await?;
            results.concurrent.absorb(c);
            results
                .raw_concurrent
                .absorb(raw(round, "con").await?.writers(con.clone()).await?);
            previous = Some((seq, con));
        }
    }
    Ok(results)
}

fn add(report: &mut Report, backend: &'static str, baseline: &str, r: &Results, targets: [f64; 2]) {
    let [seq_target, con_target] = targets;
    let rows = [
        (
            "sequential",
            "1 task",
            &r.sequential,
            &r.raw_sequential,
            seq_target,
        ),
        (
            "concurrent",
            "64 tasks",
            &r.concurrent,
            &r.raw_concurrent,
            con_target,
        ),
    ];
    for (key, tasks, figure, raw, target) in rows {
        report.comparisons.push(Comparison {
            key: match (backend, key) {
                ("sled", "sequential") => "sled_sequential",
                ("sled", _) => "sled_concurrent",
                (_, "sequential") => "jetstream_sequential",
                _ => "jetstream_concurrent",
            },
            label: format!("{backend}: price checks through the executor, {tasks}"),
            unit: "commands/s",
            figure: figure.rate(),
            baseline_label: format!("{baseline} of the same commits, {tasks}"),
            baseline: raw.rate(),
            target: Some(target),
        });
        if let (Some(f), Some(b)) = (figure.latencies.summary(), raw.latencies.summary()) {
            report.latencies.push(LatencyRow {
                key: match (backend, key) {
                    ("sled", "sequential") => "sled_sequential",
                    ("sled", _) => "sled_concurrent",
                    (_, "sequential") => "jetstream_sequential",
                    _ => "jetstream_concurrent",
                },
                label: format!("{backend}: one price check, {tasks}"),
                figure: f,
                baseline: Some(b),
                p99_ceiling_ms: None,
            });
        }
    }
}

pub async fn run(options: Options) -> anyhow::Result<Report> {
    let plan = Plan::new(options.quick);
    let mut report = Report {
        bench: "commands",
        quick: options.quick,
        ..Report::default()
    };
    if options.sled {
        eprintln!("sled: {CAMPAIGNS} campaigns");
        let dir = tempfile::tempdir()?;
        let mut w = world(Arc::new(SledLog::open(dir.path().join("log"))?), |_| 0).await?;
        let r = rounds(&mut w, plan, async |_, _| RawSled::open()).await?;
        add(&mut report, "sled", "SledLog::append", &r, [0.8, 0.8]);
    }
    if options.jetstream {
        eprintln!("jetstream: starting nats-server (file storage), {CAMPAIGNS} campaigns");
        let server = tokio::task::spawn_blocking(NatsServer::start)
            .await?
            .context("starting nats-server for the JetStream half (set NATS_SERVER_BIN)")?;
        let log = JetStreamLog::connect(&server.url().parse()?, JetStreamConfig::default())
            .await
            .context("opening the JetStream event log")?;
        let js = jetstream::new(
            async_nats::connect(server.url())
                .await
                .context("connecting the raw client")?,
        );
        let mut w = world(Arc::new(log), JetStreamLog::head_gets).await?;
        let r = rounds(&mut w, plan, async |round, phase| {
            RawJetStream::create(&js, round, phase).await
        })
        .await?;
        add(
            &mut report,
            "jetstream",
            "bare publish with the log's headers",
            &r,
            [0.7, 0.7],
        );
        // A command asks for the heads of the streams its decision consults; concurrent
        // commands share those gets (the raw side asks for none).
        let per_command = |(gets, commands): (u64, u64)| gets as f64 / commands.max(1) as f64;
        let [one, many] = w.gets.map(per_command);
        report.facts.insert(
            "jetstream_head_gets_per_command".into(),
            json!({ "one_task": one, "tasks_64": many }),
        );
        report.notes.push(format!(
            "jetstream: head gets per command {one:.2} with 1 task, {many:.2} with 64 tasks"
        ));
    }
    report.facts.insert("campaigns".into(), json!(CAMPAIGNS));
    report.facts.insert("rounds".into(), json!(plan.rounds));
    report
        .facts
        .insert("sequential_per_round".into(), json!(plan.sequential));
    report.facts.insert(
        "concurrent_per_round".into(),
        json!(CAMPAIGNS * plan.per_task),
    );
    report.notes.push(
        "each command is a retail price check on one of 64 launched campaigns; the raw side \
         appends the very commits the commands recorded to a fresh log, with no decision"
            .into(),
    );
    Ok(report)
}
