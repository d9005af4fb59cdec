//! kill -9 nats-server while an analyst's imports stream in, restart it on its store: every
//! import that reported success is still there, the CLI says the system is unavailable
//! while the server is down (and exits non-zero), the services reconnect by themselves,
//! and the imports continue — the failed one retried — to the same figures as if nothing
//! had happened.

use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context as _, bail, ensure};
use synergy_e2e::CliOutput;
use synergy_e2e::market::MarketData;
use synergy_e2e::scenario::{Deployment, SIX_SERVICES, check_market_figures, recorded_position};
use synergy_testkit::NatsServer;

/// How many imports succeed before the server is killed.
const BEFORE_KILL: usize = 9;
/// How many times the importer tries one month before the test fails.
const ATTEMPTS: usize = 20;

#[derive(Debug)]
enum Progress {
    Imported {
        month: String,
        position: Option<u64>,
    },
    Failed(CliOutput),
}

#[test]
fn nats_server_killed_mid_imports_loses_nothing_and_imports_continue() -> anyhow::Result<()> {
    let mut nats = NatsServer::start()?;
    let d = Deployment::start(&nats.url(), &SIX_SERVICES, "info")?;
    let result = scenario(&mut nats, &d);
    if result.is_err() {
        eprintln!("{}\n--- nats-server ---\n{}", d.diagnostics(), nats.log());
    }
    result
}

fn scenario(nats: &mut NatsServer, d: &Deployment) -> anyhow::Result<()> {
    let data = MarketData::generate(2007, 24, 97);
    let months = &data.months;
    d.sign_and_register_catalogue()?;

    let (progress_tx, progress) = mpsc::channel();
    let (resume_tx, resume) = mpsc::channel::<()>();
    let mut imported = Vec::new();
    let mut failures = Vec::new();
    std::thread::scope(|scope| -> anyhow::Result<()> {
        // The analyst: imports month after month; after a failure waits to be told the
        // server is back, then retries the same file, as the CLI's message says to.
        let importer = scope.spawn(move || -> anyhow::Result<()> {
            for month in months {
                let mut attempts = 0;
                loop {
                    attempts += 1;
                    let out = d.import_month(month)?;
                    if out.success() {
                        let _ = progress_tx.send(Progress::Imported {
                            month: month.period(),
                            position: recorded_position(&out.stdout),
                        });
                        break;
                    }
                    if attempts >= ATTEMPTS {
                        bail!("{} failed {attempts} times, last:\n{out}", month.period());
                    }
                    let _ = progress_tx.send(Progress::Failed(out));
                    resume
                        .recv_timeout(Duration::from_secs(60))
                        .context("nobody said the server is back")?;
                }
            }
            Ok(())
        });

        let next = |what: &str| {
            progress
                .recv_timeout(Duration::from_secs(60))
                .with_context(|| format!("no progress while waiting for {what}"))
        };
        while imported.len() < BEFORE_KILL {
            match next("the first imports")? {
                Progress::Imported { month, position } => imported.push((month, position)),
                Progress::Failed(out) => bail!("an import failed before the crash:\n{out}"),
            }
        }
        // Mid-stream: the importer is running its next import right now.
        nats.kill()?;

        // While the server is down every command fails, naming the reason, non-zero.
        let down = d.cli.run(&[
            "partnership",
            "sign",
            "--id",
            "other",
            "--manufacturer",
            "m",
            "--distributor",
            "x",
            "--region",
            "r",
            "--signed-on",
            "2008-01-01",
        ])?;
        ensure!(
            !down.success(),
            "a command succeeded with nats-server down:\n{down}"
        );
        let message = down.stderr.to_lowercase();
        ensure!(
            message.contains("nats")
                && (message.contains("unavailable") || message.contains("cannot connect")),
            "the failure does not say NATS is unreachable:\n{down}"
        );
        eprintln!(
            "while the server is down the CLI says: {}",
            down.stderr.trim()
        );

        // The importer's current import either got in before the kill or fails.
        loop {
            match next("the import in flight")? {
                Progress::Imported { month, position } => imported.push((month, position)),
                Progress::Failed(out) => {
                    failures.push(out);
                    break;
                }
            }
        }
        nats.restart()?;
        let _ = resume_tx.send(());
        // Later failures (a service still reconnecting) are retried the same way.
        loop {
            match progress.recv_timeout(Duration::from_secs(60)) {
                Ok(Progress::Imported { month, position }) => imported.push((month, position)),
                Ok(Progress::Failed(out)) => {
                    failures.push(out);
                    let _ = resume_tx.send(());
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => bail!("the importer stalled"),
            }
        }
        importer
            .join()
            .map_err(|_| anyhow::anyhow!("the importer panicked"))??;
        Ok(())
    })?;

    ensure!(imported.len() == 24, "{} months imported", imported.len());
    for failure in &failures {
        eprintln!("failed while the server was down:\n{failure}");
    }
    ensure!(
        !failures.is_empty(),
        "no import failed while the server was down"
    );

    // Every commit that an import reported is in the log, exactly once per month: a
    // retried month that had been recorded before the crash is found, not doubled.
    let positions = d.commit_positions()?;
    ensure!(
        positions.len() == 2 + 24,
        "tail lists {} commits for the partnership (sign, catalogue, 24 months): {positions:?}",
        positions.len()
    );
    for (month, position) in &imported {
        if let Some(p) = position {
            ensure!(
                positions.contains(p),
                "{month} reported position {p}, which tail does not list: {positions:?}"
            );
        }
    }
    for period in ["2007", "2008", "2008-Q4"] {
        check_market_figures(&d.report(period)?, &data, period)?;
    }
    Ok(())
}
