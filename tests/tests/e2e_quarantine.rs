//! A stray message on a commit subject — bytes that are no commit, published where the
//! brand service user may publish — against the six services as processes: evaluation
//! passes over it and keeps running, also when killed and started again on the same read
//! models; commands on the partnership go on; `synergy quarantine list` names the record
//! with its position and subject; reports answer with the imported figures.

use anyhow::{Context as _, ensure};
use synergy_e2e::market::MarketData;
use synergy_e2e::report::units;
use synergy_e2e::scenario::{Deployment, PARTNERSHIP, SIX_SERVICES};
use synergy_testkit::NatsServer;

#[test]
fn a_stray_message_on_a_commit_subject_stops_no_service() -> anyhow::Result<()> {
    let nats = NatsServer::start()?;
    let mut d = Deployment::start(&nats.url(), &SIX_SERVICES, "info")?;
    d.run(|d| scenario(d, &nats.url()))
}

fn scenario(d: &mut Deployment, url: &str) -> anyhow::Result<()> {
    d.sign_and_register_catalogue()?;
    let subject = format!("syn.evt.brand.{PARTNERSHIP}.portfolio");
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let client = async_nats::connect(url).await?;
        let js = async_nats::jetstream::new(client);
        js.publish(subject.clone(), bytes::Bytes::from_static(b"\x00stray"))
            .await?
            .await?;
        anyhow::Ok(())
    })?;

    let data = MarketData::generate(2008, 1, 7);
    let out = d.import_month(&data.months[0])?.ok()?;
    ensure!(out.contains("MarketDataSubmitted"), "{out}");
    let expected = data.totals("2008-01").volume_cases;
    let volume = |d: &Deployment| -> anyhow::Result<Option<i128>> {
        d.report("2008-01")?.kpi("volume_cases")
    };
    ensure!(
        volume(d)? == Some(units(expected)),
        "report before the restart"
    );

    // Killed and started again, evaluation resumes past the record.
    let evaluation = d.service("evaluation")?;
    evaluation.restart()?;
    ensure!(evaluation.is_running(), "evaluation exited after a restart");
    ensure!(
        volume(d)? == Some(units(expected)),
        "report after the restart"
    );

    let listed = d.cli.ok(&["quarantine", "list", "--json"])?;
    let listed: serde_json::Value =
        serde_json::from_str(&listed).with_context(|| format!("JSON: {listed}"))?;
    let rows = listed.as_array().context("an array")?;
    ensure!(rows.len() == 1, "{listed:#}");
    ensure!(rows[0]["subject"] == subject.as_str(), "{listed:#}");
    ensure!(
        rows[0]["position"].as_u64().is_some_and(|p| p > 0),
        "{listed:#}"
    );
    let services_alive = d.services.iter_mut().all(|s| s.is_running());
    ensure!(services_alive, "a service exited");
    Ok(())
}
