//! The six services as six processes on one nats-server, driven with the CLI over NATS the
//! way an analyst and the two sides' managers would: sign, import a catalogue and two years
//! of market data, agree a plan signed by both sides, hold a review meeting with an action
//! item, and read quarterly and annual reports whose figures are computed here from the
//! very CSV rows that were imported.

use anyhow::ensure;
use synergy_e2e::market::{MarketData, percent_hundredths};
use synergy_e2e::report::units;
use synergy_e2e::scenario::{
    DISTRIBUTOR, Deployment, MANUFACTURER, PARTNERSHIP, SIX_SERVICES, check_market_figures,
};
use synergy_testkit::NatsServer;

const PLAN_TARGET_2008_CASES: u64 = 33_000;

#[test]
fn six_services_over_nats_serve_the_whole_model() -> anyhow::Result<()> {
    let nats = NatsServer::start()?;
    let mut d = Deployment::start(&nats.url(), &SIX_SERVICES, "info")?;
    d.run(|d| scenario(d))
}

fn scenario(d: &Deployment) -> anyhow::Result<()> {
    let cli = &d.cli;
    let data = MarketData::generate(2007, 24, 2007);
    d.sign_and_register_catalogue()?;

    // 2007 arrives as one spreadsheet of twelve months, 2008 month by month.
    let out = d.import_months("market-2007.csv", &data.months[..12])?;
    ensure!(out.contains("MarketDataSubmitted"), "{out}");
    for month in &data.months[12..] {
        let out = d.import_month(month)?.ok()?;
        ensure!(
            out.contains("MarketDataSubmitted"),
            "{}: {out}",
            month.period()
        );
    }
    // A retry of a recorded month is a no-op, not a second submission.
    let again = d.import_month(&data.months[20])?.ok()?;
    ensure!(again.contains("no change"), "re-import printed: {again}");

    // The development plan: drafted by the manufacturer, signed by both sides.
    let plan = ["--partnership", PARTNERSHIP, "--plan", "changzhi-2008"];
    cli.ok(&[
        &["plan", "draft"][..],
        &plan,
        &[
            "--title",
            "2008 年度協同發展規劃",
            "--first-year",
            "2008",
            "--last-year",
            "2008",
        ],
    ]
    .concat())?;
    let target = PLAN_TARGET_2008_CASES.to_string();
    cli.ok(&[
        &["plan", "target"][..],
        &plan,
        &["--period", "2008", "--volume-cases", &target],
    ]
    .concat())?;
    cli.ok(&[&["plan", "submit"][..], &plan].concat())?;
    // Signing names the side with --as; without a second signature the plan is not active.
    let sign = |org: &str| {
        cli.ok(&[
            &["--as", org, "plan", "sign"][..],
            &plan,
            &["--revision", "1", "--signed-on", "2008-01-08"],
        ]
        .concat())
    };
    let first = sign(MANUFACTURER)?;
    ensure!(first.contains("PlanSigned"), "{first}");
    let year = d.report("2008")?;
    ensure!(
        year.kpi("target_volume_cases")?.is_none(),
        "a plan signed by one side already sets targets: {:?}",
        year.json["kpis"]
    );
    let second = sign(DISTRIBUTOR)?;
    ensure!(second.contains("PlanSigned"), "{second}");
    // The same side signing twice is refused with the rule's code.
    let twice = cli.run(
        &[
            &["--as", DISTRIBUTOR, "plan", "sign"][..],
            &plan,
            &["--revision", "1", "--signed-on", "2008-01-09"],
        ]
        .concat(),
    )?;
    ensure!(
        !twice.success(),
        "a second signature by one side was accepted: {twice}"
    );

    // The Q3 review meeting, held with both sides, raises an action item.
    let meeting = ["--partnership", PARTNERSHIP, "--meeting", "review-2008-q3"];
    cli.ok(&[
        &["meeting", "schedule"][..],
        &meeting,
        &[
            "--kind",
            "regular-review",
            "--title",
            "2008 年第三季度例會",
            "--on",
            "2008-10-10",
            "--period",
            "2008-Q3",
        ],
    ]
    .concat())?;
    let held = cli.ok(&[
        &["meeting", "hold"][..],
        &meeting,
        &[
            "--on",
            "2008-10-10",
            "--attendee",
            &format!("{MANUFACTURER}:王立"),
            "--attendee",
            &format!("{DISTRIBUTOR}:李明"),
            "--minutes",
            "三季度銷量超計劃；紅雲(經典)鋪貨不足。",
            "--decision",
            "四季度加強一類煙鋪貨",
        ],
    ]
    .concat())?;
    ensure!(held.contains("MeetingHeld"), "{held}");
    let raised = cli.ok(&[
        "action",
        "raise",
        "--partnership",
        PARTNERSHIP,
        "--item",
        "classic-coverage",
        "--title",
        "紅雲(經典)鋪貨率提升到 40%",
        "--owner",
        "distributor",
        // Raised today on the services' clock, so due after today.
        "--due-on",
        "2099-12-31",
        "--meeting",
        "review-2008-q3",
    ])?;
    ensure!(raised.contains("ActionItemRaised"), "{raised}");

    // Reports: a quarter of each year and both years, every figure from the imported rows.
    for period in ["2007-Q4", "2008-Q2", "2007", "2008"] {
        let report = d.report(period)?;
        check_market_figures(&report, &data, period)?;
    }
    let year = d.report("2008")?;
    ensure!(
        year.kpi("target_volume_cases")? == Some(units(PLAN_TARGET_2008_CASES)),
        "the plan signed by both sides sets the 2008 target: {:?}",
        year.json["kpis"]
    );
    let ours = i128::from(data.totals("2008").volume_cases);
    let last_year = i128::from(data.totals("2007").volume_cases);
    let expectations = [
        (
            "volume_attainment_pct",
            percent_hundredths(ours, i128::from(PLAN_TARGET_2008_CASES)),
        ),
        (
            "volume_yoy_pct",
            percent_hundredths(ours - last_year, last_year),
        ),
        (
            "volume_share_pct",
            percent_hundredths(ours, i128::from(data.totals("2008").market_volume_cases)),
        ),
    ];
    for (key, hundredths) in expectations {
        let got = year.kpi(key)?;
        ensure!(
            got == hundredths.map(|h| h * 10),
            "2008 {key}: report says {got:?}/1000, expected {hundredths:?}/100"
        );
    }
    ensure!(
        year.must("meetings_held")? == units(1),
        "{:?}",
        year.json["kpis"]
    );
    ensure!(
        year.must("actions_open")? == units(1),
        "{:?}",
        year.json["kpis"]
    );
    ensure!(
        year.must("actions_overdue")? == 0,
        "{:?}",
        year.json["kpis"]
    );
    let q2 = d.report("2008-Q2")?;
    ensure!(
        q2.must("meetings_held")? == 0,
        "the Q3 review was held in October, not in Q2: {:?}",
        q2.json["kpis"]
    );
    // 2007 has no year before it in the data: year-over-year is null, never 0.
    ensure!(d.report("2007")?.kpi("volume_yoy_pct")?.is_none());

    // An organisation's reads across its partnerships: the list from the strategy
    // service, the portfolio from evaluation's, whose totals are the one partnership's.
    let list = cli.ok(&[
        "partnership",
        "list",
        "--org",
        MANUFACTURER,
        "--format",
        "json",
    ])?;
    let list: serde_json::Value = serde_json::from_str(&list)?;
    ensure!(
        list["partnerships"][0]["partnership"] == PARTNERSHIP
            && list["partnerships"][0]["status"] == "signed",
        "{list}"
    );
    let portfolio = cli.ok(&[
        "portfolio",
        "--org",
        DISTRIBUTOR,
        "--period",
        "2008",
        "--format",
        "json",
    ])?;
    let portfolio: serde_json::Value = serde_json::from_str(&portfolio)?;
    ensure!(
        portfolio["partnerships"][0]["counterparty"] == MANUFACTURER
            && portfolio["totals"]["volume_share_pct"] == year.json["kpis"]["volume_share_pct"],
        "{portfolio}"
    );

    // The trail over NATS: the meeting's two commits, in words.
    let trail = cli.ok(&[
        "history",
        "--partnership",
        PARTNERSHIP,
        "--context",
        "support",
        "--format",
        "text",
    ])?;
    ensure!(
        trail.contains("MeetingScheduled") && trail.contains("MeetingHeld"),
        "{trail}"
    );

    // Every command above is one commit: sign, catalogue, 2007, twelve months, plan
    // (draft, target, submit, two signatures), meeting (schedule, hold), action item.
    let commits = d.commit_positions()?;
    ensure!(
        commits.len() == 1 + 1 + 1 + 12 + 5 + 2 + 1,
        "tail lists {} commits: {commits:?}",
        commits.len()
    );
    Ok(())
}
