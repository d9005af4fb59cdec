//! Two replicas of the information service in one queue group share the load: of twenty
//! monthly imports each replica decides some, none is decided twice, and the report
//! reflects all twenty. Which replica decided what is read from the `accepted` line each
//! one logs per command at `info` (with the command's verb and log position).

use anyhow::ensure;
use synergy_e2e::market::MarketData;
use synergy_e2e::scenario::{Deployment, check_market_figures, recorded_position};
use synergy_testkit::NatsServer;

const IMPORTS: usize = 20;

#[test]
fn two_information_replicas_share_the_imports() -> anyhow::Result<()> {
    let nats = NatsServer::start()?;
    let mut d = Deployment::start(&nats.url(), &["strategy", "brand", "evaluation"], "info")?;
    d.add("information-a", "information")?;
    d.add("information-b", "information")?;
    d.run(scenario)
}

fn scenario(d: &mut Deployment) -> anyhow::Result<()> {
    let data = MarketData::generate(2007, IMPORTS, 5);
    d.sign_and_register_catalogue()?;
    let mut positions = Vec::new();
    for month in &data.months {
        let out = d.import_month(month)?.ok()?;
        ensure!(
            out.contains("MarketDataSubmitted"),
            "{}: {out}",
            month.period()
        );
        positions.push(recorded_position(&out));
    }

    let handled = |name: &str| -> anyhow::Result<Vec<String>> {
        Ok(d.services
            .iter()
            .find(|s| s.name() == name)
            .map(|s| {
                s.stderr()
                    .lines()
                    .filter(|l| l.contains("submit-market-data") && l.contains("accepted"))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default())
    };
    let a = handled("information-a")?;
    let b = handled("information-b")?;
    eprintln!(
        "information-a decided {}, information-b {}",
        a.len(),
        b.len()
    );
    ensure!(
        a.len() + b.len() == IMPORTS,
        "{} + {} decisions for {IMPORTS} imports: a command was lost or decided twice",
        a.len(),
        b.len()
    );
    // Queue groups pick a member at random per request: both idle at 2^-19.
    ensure!(
        !a.is_empty() && !b.is_empty(),
        "one replica took every import"
    );
    // Each position the CLI printed was logged by exactly one replica.
    for p in positions.iter().flatten() {
        let needle = format!("position=Some({p})");
        let owners = a.iter().chain(&b).filter(|l| l.contains(&needle)).count();
        ensure!(owners == 1, "position {p} is logged by {owners} replicas");
    }
    for period in ["2007", "2008-Q1"] {
        check_market_figures(&d.report(period)?, &data, period)?;
    }
    Ok(())
}
