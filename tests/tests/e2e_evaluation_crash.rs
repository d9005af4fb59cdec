//! kill -9 the evaluation process while imports stream in, restart it on the same data
//! dir, and the reports state exactly the figures of the data — the same, byte for byte,
//! as an evaluation that folded the log from the start without interruption.

use anyhow::ensure;
use synergy_e2e::market::MarketData;
use synergy_e2e::scenario::{Deployment, PARTNERSHIP, SIX_SERVICES, check_market_figures};
use synergy_testkit::NatsServer;

const PERIODS: [&str; 4] = ["2007-Q3", "2008-Q1", "2007", "2008"];

#[test]
fn evaluation_killed_mid_imports_restarts_with_the_same_figures() -> anyhow::Result<()> {
    let nats = NatsServer::start()?;
    let mut d = Deployment::start(&nats.url(), &SIX_SERVICES, "info")?;
    d.run(scenario)
}

fn scenario(d: &mut Deployment) -> anyhow::Result<()> {
    let data = MarketData::generate(2007, 24, 41);
    d.sign_and_register_catalogue()?;
    for (i, month) in data.months.iter().enumerate() {
        let out = d.import_month(month)?.ok()?;
        ensure!(
            out.contains("MarketDataSubmitted"),
            "{}: {out}",
            month.period()
        );
        match i {
            // Right after an accepted import evaluation is folding it: kill it there, and
            // let the next imports land while it is down (commands do not need it).
            7 => d.service("evaluation")?.kill(),
            13 => d.service("evaluation")?.restart()?,
            // Killed and restarted at once, with the fold of month 19 in flight.
            18 => d.service("evaluation")?.restart()?,
            _ => {}
        }
    }
    let evaluation = d.service("evaluation")?;
    ensure!(
        evaluation.is_running(),
        "evaluation exited:\n{}",
        evaluation.stderr_tail()
    );
    // Three runs wrote "read models opened"; the restarts resumed from the views dir.
    let opened = evaluation.count_stderr_lines(&["read models opened"]);
    ensure!(
        opened == 3,
        "evaluation opened its read models {opened} times"
    );

    let mut restarted = Vec::new();
    for period in PERIODS {
        let text = d.cli.ok(&report_args(period))?;
        let report = synergy_e2e::Report::parse(&text)?;
        check_market_figures(&report, &data, period)?;
        restarted.push(text);
    }

    // An evaluation that never crashed: a fresh process on an empty data dir folds the
    // whole log from position 0. Only one evaluation answers at a time.
    d.service("evaluation")?.kill();
    d.add("evaluation-fresh", "evaluation")?;
    for (period, before) in PERIODS.iter().zip(&restarted) {
        let fresh = d.cli.ok(&report_args(period))?;
        ensure!(
            &fresh == before,
            "{period}: the restarted evaluation and a fresh one disagree:\n{before}\n---\n{fresh}"
        );
    }
    Ok(())
}

fn report_args(period: &str) -> Vec<String> {
    [
        "report",
        "--partnership",
        PARTNERSHIP,
        "--period",
        period,
        "--format",
        "json",
        // A fixed as-of date keeps the two runs' reports comparable byte for byte.
        "--as-of",
        "2009-01-15",
    ]
    .map(str::to_owned)
    .to_vec()
}
