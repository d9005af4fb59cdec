//! Periodic reports over NATS: evaluation issues every complete period of two years by
//! itself while it is killed with SIGKILL mid-issuance, restarted, and joined by a second
//! replica with read models of its own. Every version is recorded exactly once (the
//! events are counted in the log).

use std::time::{Duration, Instant};

use anyhow::{bail, ensure};
use synergy_e2e::market::MarketData;
use synergy_e2e::scenario::{Deployment, SIX_SERVICES};
use synergy_testkit::NatsServer;

/// 2007 and 2008 after a signing in December 2006: 24 months, 8 quarters, 4 halves and
/// 2 years, of the market and the brand report.
const ALL: usize = 2 * (24 + 8 + 4 + 2);

#[test]
fn evaluation_killed_mid_issuance_and_a_second_replica_issue_each_version_once()
-> anyhow::Result<()> {
    let nats = NatsServer::start()?;
    let mut d = Deployment::start(&nats.url(), &SIX_SERVICES, "info")?;
    d.run(scenario)
}

/// Polls the log until `done` holds of what is issued; what is issued then.
fn wait_for(
    d: &Deployment,
    what: &str,
    done: impl Fn(&[String]) -> bool,
) -> anyhow::Result<Vec<String>> {
    let started = Instant::now();
    loop {
        let issued = d.issued_versions()?;
        if done(&issued) {
            return Ok(issued);
        }
        if started.elapsed() > Duration::from_secs(180) {
            bail!("{what}: {} issued after 180 s: {issued:?}", issued.len());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn scenario(d: &mut Deployment) -> anyhow::Result<()> {
    d.sign_and_register_catalogue()?;
    // The two years land while evaluation is down, so it starts with all of them due.
    d.service("evaluation")?.kill();
    let data = MarketData::generate(2007, 24, 41);
    let out = d.import_months("two-years", &data.months)?;
    ensure!(out.contains("MarketDataSubmitted"), "{out}");
    d.service("evaluation")?.restart()?;
    wait_for(d, "the first issuances", |issued| issued.len() >= 4)?;
    d.service("evaluation")?.kill();
    let before = d.issued_versions()?.len();
    ensure!(
        before < ALL,
        "all {ALL} were issued before the kill; nothing was in flight"
    );
    d.service("evaluation")?.restart()?;
    d.add("evaluation-2", "evaluation")?;

    let mut issued = wait_for(d, "every version 1", |issued| {
        let mut unique = issued.to_vec();
        unique.sort_unstable();
        unique.dedup();
        unique.len() >= ALL
    })?;
    // Time for a duplicate to appear, were one to be recorded.
    std::thread::sleep(Duration::from_secs(3));
    let again = d.issued_versions()?;
    ensure!(again == issued, "more was issued: {again:?}");
    issued.sort_unstable();
    let listed = issued.len();
    issued.dedup();
    ensure!(
        listed == ALL && issued.len() == ALL,
        "{listed} listed, {} distinct: {issued:?}",
        issued.len()
    );
    ensure!(issued.iter().all(|v| v.ends_with(" v1")), "{issued:?}");
    // The parties' commits: sign, catalogue, the two years.
    ensure!(
        d.commit_positions()?.len() == 3,
        "{:?}",
        d.commit_positions()?
    );
    Ok(())
}
