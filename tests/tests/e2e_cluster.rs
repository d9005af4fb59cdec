//! The six services on a three-node JetStream cluster, the `SYNERGY` stream created with
//! three replicas by the operator beforehand (from `deploy/nats/stream-r3.json`, as
//! deploy/README.md says). Every process gets all three URLs. Losing the stream's leader
//! node (SIGKILL) does not stop the system: after the survivors elect a new leader, CLI
//! commands over NATS succeed and the reports reflect them.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use async_nats::jetstream::{self, stream};
use synergy_e2e::binary::workspace_root;
use synergy_e2e::market::MarketData;
use synergy_e2e::scenario::{Deployment, SIX_SERVICES, check_market_figures};
use synergy_testkit::NatsCluster;

/// How long the cluster may take to elect a new stream leader and the services to fail
/// over, before a command must be accepted again.
const FAILOVER: Duration = Duration::from_secs(30);

#[test]
fn cluster_loses_the_stream_leader_and_keeps_accepting_commands() -> anyhow::Result<()> {
    let mut cluster = NatsCluster::start()?;
    let urls = cluster.urls().join(",");
    let leader = provision_r3_stream(&cluster.urls())?;
    let mut d = Deployment::start(&urls, &SIX_SERVICES, "info")?;
    d.run(|d| scenario(&mut cluster, d, &leader))
}

/// The same loss with one seed URL per process: the services connect to the leader's node
/// itself and must fail over to the servers the cluster advertised to them; the CLI, a new
/// process per command, is pointed at a survivor.
#[test]
fn services_on_the_leader_node_fail_over_when_it_dies() -> anyhow::Result<()> {
    let mut cluster = NatsCluster::start()?;
    let leader = provision_r3_stream(&cluster.urls())?;
    let index = node_index(&leader)?;
    let leader_url = cluster.node_url(index).context("leader url")?;
    let survivor = cluster
        .node_url((index + 1) % NatsCluster::SIZE)
        .context("survivor url")?;
    let mut d = Deployment::start(&leader_url, &SIX_SERVICES, "info")?;
    d.cli = synergy_e2e::Cli::new(&survivor, &d.files().join("cli"));
    d.run(|d| scenario(&mut cluster, d, &leader))
}

fn node_index(name: &str) -> anyhow::Result<usize> {
    name.strip_prefix('n')
        .and_then(|n| n.parse::<usize>().ok())
        .and_then(|n| n.checked_sub(1))
        .filter(|i| *i < NatsCluster::SIZE)
        .with_context(|| format!("leader {name:?} is not one of n1..n3"))
}

/// How long provisioning the R3 stream may take: the create request (the meta leader must
/// place three replicas and they must elect a leader) and the wait for that leader. Loaded
/// machines (a cargo build beside the suite on two cores) have needed more than the
/// client's default 5 s request timeout.
const PROVISION: Duration = Duration::from_secs(120);
/// One create request; a request past it is sent again until [`PROVISION`] runs out.
const PROVISION_REQUEST: Duration = Duration::from_secs(30);

/// Creates the stream as the operator does and returns its leader's node name (`n1`…).
///
/// A create whose answer was lost (timed out) may still have created the stream, so the
/// create is retried: the server answers a create with an identical config with the
/// existing stream. The leader is polled until the stream reports one.
fn provision_r3_stream(urls: &[String]) -> anyhow::Result<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let definition =
            std::fs::read_to_string(workspace_root().join("deploy/nats/stream-r3.json"))?;
        let config: stream::Config = serde_json::from_str(&definition)?;
        let client = async_nats::ConnectOptions::new()
            .connection_timeout(PROVISION_REQUEST)
            .request_timeout(Some(PROVISION_REQUEST))
            .connect(urls.to_vec())
            .await?;
        let js = jetstream::ContextBuilder::new()
            .timeout(PROVISION_REQUEST)
            .build(client);
        let deadline = Instant::now() + PROVISION;
        let mut stream = loop {
            match js.create_stream(config.clone()).await {
                Ok(stream) => break stream,
                Err(e) if Instant::now() < deadline => {
                    eprintln!("creating the R3 stream: {e}; asking again");
                    // Polls the outcome of a request the cluster may still be working on.
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(e) => bail!("no R3 stream within {PROVISION:?}: {e}"),
            }
        };
        loop {
            match stream.info().await {
                Ok(info) => {
                    ensure!(info.config.num_replicas == 3, "{:?}", info.config);
                    if let Some(leader) = info.cluster.as_ref().and_then(|c| c.leader.clone()) {
                        return Ok(leader);
                    }
                }
                Err(e) => eprintln!("reading the R3 stream's info: {e}"),
            }
            ensure!(
                Instant::now() < deadline,
                "the R3 stream elected no leader within {PROVISION:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
}

fn scenario(cluster: &mut NatsCluster, d: &Deployment, leader: &str) -> anyhow::Result<()> {
    let data = MarketData::generate(2007, 24, 3);
    d.sign_and_register_catalogue()?;
    for month in &data.months[..12] {
        d.import_month(month)?.ok()?;
    }

    cluster.kill(node_index(leader)?)?;
    eprintln!("killed the stream leader {leader}");

    // The first command after the loss may find no leader yet and be told to retry; it
    // must be accepted within the failover bound.
    let deadline = Instant::now() + FAILOVER;
    let first = &data.months[12];
    loop {
        let out = d.import_month(first)?;
        if out.success() {
            break;
        }
        if Instant::now() >= deadline {
            bail!("no import accepted {FAILOVER:?} after losing {leader}:\n{out}");
        }
        eprintln!(
            "not yet accepted after losing {leader}: {}",
            out.stderr.trim()
        );
        // Give the election a moment; this polls an outcome, it is not a synchronisation.
        std::thread::sleep(Duration::from_millis(250));
    }
    // From then on every command succeeds at the first attempt, across all contexts.
    for month in &data.months[13..] {
        d.import_month(month)?.ok()?;
    }
    let out = d.cli.ok(&[
        "meeting",
        "schedule",
        "--partnership",
        synergy_e2e::scenario::PARTNERSHIP,
        "--meeting",
        "after-failover",
        "--kind",
        "training",
        "--title",
        "客戶經理培訓",
        "--on",
        "2008-12-20",
    ])?;
    ensure!(out.contains("MeetingScheduled"), "{out}");

    for period in ["2007", "2008", "2008-Q4"] {
        check_market_figures(&d.report(period)?, &data, period)?;
    }
    let positions = d.commit_positions()?;
    ensure!(
        positions.len() == 2 + 24 + 1,
        "tail lists {} commits: {positions:?}",
        positions.len()
    );
    Ok(())
}
