//! The `synergy` binary on an embedded data directory, driven as a user would: sign, import
//! spreadsheets, correct a month, read and issue reports. Every step runs the real binary.

use std::path::Path;
use std::process::Command;

mod common;

use common::{
    CATALOGUE, MARKET_HEADER, SIGN_P1, catalogued, import_p1, json, line, ok, refused, run, says,
    signed_p1, synergy, words,
};

fn market(june_soft_volume: &str) -> String {
    format!(
        "{MARKET_HEADER}\
2008-05,hy-soft,900,11000000,300,2800,2500,51.00\n\
2008-05,hy-hard,500,9000000,200,2000,1800,86.00\n\
2008-05,ALL,9000,100000000,,5200,,\n\
2008-06,hy-soft,{june_soft_volume},12000000,310,2900,2600,50.50\n\
2008-06,hy-hard,520,9400000,190,2050,1850,85.00\n\
2008-06,ALL,9500,105000000,,5200,,\n"
    )
}

fn commits(data: &Path) -> usize {
    ok(
        data,
        &["tail", "--from", "0", "--no-follow", "--partnership", "p1"],
    )
    .lines()
    .count()
}

#[test]
fn an_analyst_signs_imports_corrects_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let files = dir.path();
    let out = ok(&data, &SIGN_P1);
    assert!(out.contains("PartnershipSigned"), "{out}");

    std::fs::write(files.join("catalogue.csv"), CATALOGUE).unwrap();
    let out = ok(&data, &import_p1("catalogue", &files.join("catalogue.csv")));
    assert!(out.contains("SkuRegistered"), "{out}");

    std::fs::write(files.join("market.csv"), market("1000")).unwrap();
    let market_csv = files.join("market.csv");
    let out = ok(&data, &import_p1("market-data", &market_csv));
    assert!(out.contains("MarketDataSubmitted"), "{out}");
    let recorded = commits(&data);

    // The same file again is a safe retry: nothing new.
    let out = ok(&data, &import_p1("market-data", &market_csv));
    assert!(out.contains("no change"), "{out}");
    assert_eq!(commits(&data), recorded);

    // A bad file is rejected whole, every bad row named, nothing recorded.
    let bad =
        format!("{MARKET_HEADER}2008-07,hy-soft,-5,1,1,10,20,1.001\n2008-07,nope,1,1,1,1,1,1\n");
    std::fs::write(files.join("bad.csv"), bad).unwrap();
    let err = refused(&data, &import_p1("market-data", &files.join("bad.csv")));
    assert!(err.contains("line 2"), "{err}");
    assert!(err.contains("line 3"), "{err}");
    assert!(err.contains("volume_cases"), "{err}");
    assert_eq!(commits(&data), recorded);

    says(
        &data,
        "report --partnership p1 --period 2008-Q2 --format json --as-of 2008-07-15",
        "\"volume_cases\":2920",
    );

    says(
        &data,
        "report --partnership p1 --period 2008-Q2 --issue --as-of 2008-07-15",
        "issued version 1",
    );

    // Different figures for June need a reason, naming the month.
    std::fs::write(&market_csv, market("1100")).unwrap();
    let err = refused(&data, &import_p1("market-data", &market_csv));
    assert!(err.contains("2008-06"), "{err}");
    let out = ok(
        &data,
        &line(
            "market-data import --partnership p1 --reason",
            &["June volume was keyed wrong", market_csv.to_str().unwrap()],
        ),
    );
    assert!(out.contains("MarketDataCorrected"), "{out}");

    // The correction's trail, as the information synergy keeps it.
    let trail = json(&data, "show revisions --partnership p1 --month 2008-06");
    let revisions: Vec<_> = trail
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["revision"].clone(), r["reason"].clone()))
        .collect();
    assert_eq!(
        revisions,
        [
            (1.into(), serde_json::Value::Null),
            (2.into(), "June volume was keyed wrong".into())
        ],
        "{trail:#}"
    );
    // One item that does not exist: a message and exit code 1, nothing on stdout.
    let missing = synergy(
        &data,
        &["show", "plan", "--partnership", "p1", "--plan", "nope"],
    );
    assert_eq!(missing.status.code(), Some(1));
    assert!(missing.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("no such plan"),
        "{missing:?}"
    );

    let issued = says(
        &data,
        "report --partnership p1 --period 2008-Q2 --issue --as-of 2008-07-15",
        "issued version 2",
    );
    assert!(
        issued.contains("kpis.volume_cases: 2920 → 3020"),
        "{issued}"
    );
    // Issuing again without new data changes nothing.
    says(
        &data,
        "report --partnership p1 --period 2008-Q2 --issue --as-of 2008-07-15",
        "no change since version 2",
    );

    // The old version stays readable as it was.
    let v1 = says(
        &data,
        "report --partnership p1 --period 2008-Q2 --version 1 --format json",
        "\"version\":1",
    );
    assert!(v1.contains("\"volume_cases\":2920"), "{v1}");
}

#[test]
fn a_report_is_issued_by_its_declared_command_and_an_empty_period_is_not() {
    let (dir, data) = signed_p1();
    let catalogue = dir.path().join("catalogue.csv");
    std::fs::write(&catalogue, CATALOGUE).unwrap();
    let csv = dir.path().join("market.csv");
    std::fs::write(&csv, market("1000")).unwrap();
    for (kind, file) in [("catalogue", &catalogue), ("market-data", &csv)] {
        ok(&data, &import_p1(kind, file));
    }
    let issue = |kind: &'static str, period: &'static str, as_of: &'static str| {
        [
            "issue",
            "report",
            "--partnership",
            "p1",
            "--kind",
            kind,
            "--period",
            period,
            "--as-of",
            as_of,
        ]
    };

    let out = ok(&data, &issue("review", "2008-Q2", "2008-07-15"));
    assert!(out.contains("recorded ReportIssued"), "{out}");
    assert!(out.contains("report:review-2008-Q2, version 1"), "{out}");
    assert!(
        out.contains(r#"{"issued":true,"restatements":[]}"#),
        "{out}"
    );
    // The distributor issues too; nothing changed, so nothing is stored.
    let mut again = vec!["--as", "changzhi"];
    again.extend(issue("review", "2008-Q2", "2008-07-15"));
    let out = ok(&data, &again);
    assert!(out.contains("no change"), "{out}");
    assert!(out.contains(r#""issued":false"#), "{out}");
    // The version the declared command froze is the one the report reads back.
    says(
        &data,
        "report --partnership p1 --period 2008-Q2 --kind review --version 1 --format json",
        "\"version\":1",
    );

    // A quarter without market data has no figures to freeze, either way it is asked.
    let recorded = commits(&data);
    let err = refused(&data, &issue("market", "2008-Q3", "2008-10-20"));
    assert!(err.contains("report.no_data"), "{err}");
    let out = synergy(
        &data,
        &words("report --partnership p1 --period 2008-Q3 --issue --as-of 2008-10-20"),
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("report.no_data"), "{err}");
    assert!(err.contains("no market data is recorded"), "{err}");
    assert_eq!(commits(&data), recorded);

    // A kind that is none is a usage error before anything runs.
    let out = synergy(&data, &issue("weekly", "2008-Q2", "2008-07-15"));
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

#[test]
fn the_wrong_side_is_refused_and_outsiders_cannot_act() {
    let (dir, data) = signed_p1();
    std::fs::write(dir.path().join("c.csv"), CATALOGUE).unwrap();
    let c = dir.path().join("c.csv");
    let err = refused(
        &data,
        &line(
            "--as changzhi catalogue import --partnership p1",
            &[c.to_str().unwrap()],
        ),
    );
    assert!(err.contains("manufacturer"), "{err}");
    let err = refused(
        &data,
        &line(
            "--as someone-else catalogue import --partnership p1",
            &[c.to_str().unwrap()],
        ),
    );
    assert!(err.contains("not a party"), "{err}");
}

/// The CLI's imports are bounded like the gateway's: a workbook with cells at A1 and
/// XFD1048576 is refused by the column limit (before, the CLI allocated 512 GiB and
/// aborted), a zip bomb by the inflated cap, and `--import-limit` or the config file's
/// `[import]` table moves a limit.
#[test]
fn imports_are_bounded_and_the_limits_can_be_set() {
    let (dir, data) = signed_p1();
    let corners = dir.path().join("corners.xlsx");
    std::fs::write(&corners, synergy_testkit::hostile::corners_xlsx().unwrap()).unwrap();
    let corners = corners.to_str().unwrap();
    let err = refused(
        &data,
        &["catalogue", "import", "--partnership", "p1", corners],
    );
    assert!(
        err.contains("line 1048576: cell XFD1048576 has a value") && err.contains("limit columns"),
        "{err}"
    );
    // With every column allowed, the two cells are read sparsely, up to the header.
    let err = refused(
        &data,
        &line(
            "--import-limit columns=16384 catalogue import --partnership p1",
            &[corners],
        ),
    );
    assert!(err.contains("column sku is missing"), "{err}");
    let bomb = dir.path().join("bomb.xlsx");
    std::fs::write(
        &bomb,
        synergy_testkit::hostile::shared_string_bomb_xlsx(1024).unwrap(),
    )
    .unwrap();
    let err = refused(&data, &import_p1("catalogue", &bomb));
    assert!(err.contains("limit inflated_bytes"), "{err}");
    // The config file's [import] table; a flag still wins over it.
    let config = dir.path().join("synergy.toml");
    std::fs::write(&config, "[import]\ncolumns = 16384\n").unwrap();
    let config = config.to_str().unwrap();
    let err = refused(
        &data,
        &[
            "--config",
            config,
            "catalogue",
            "import",
            "--partnership",
            "p1",
            corners,
        ],
    );
    assert!(err.contains("column sku is missing"), "{err}");
    let err = refused(
        &data,
        &[
            "--config",
            config,
            "--import-limit",
            "columns=8",
            "catalogue",
            "import",
            "--partnership",
            "p1",
            corners,
        ],
    );
    assert!(err.contains("limit columns"), "{err}");
    let out = synergy(&data, &["--import-limit", "colums=8", "replay"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no limit named \"colums\""),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The plan commands as the CLI derives them from the strategy context's declarations:
/// `plan remove-target` is there because the context declares it, its flags have help,
/// a value of the wrong shape is refused before anything runs, and the target goes.
#[test]
fn a_plan_target_is_set_and_removed_from_the_command_line() {
    let (_dir, data) = signed_p1();
    let plan = ["--partnership", "p1", "--plan", "p2008"];
    let draft = words("--title 三年規劃 --first-year 2008 --last-year 2010");
    ok(&data, &[&["plan", "draft"][..], &plan, &draft].concat());
    let target = ["--period", "2008-H1", "--volume-cases", "15000.5"];
    let out = ok(&data, &[&["plan", "target"][..], &plan, &target].concat());
    assert!(out.contains("PlanTargetSet"), "{out}");

    let help = ok(&data, &["plan", "remove-target", "--help"]);
    assert!(help.contains("Remove the target"), "{help}");
    assert!(help.contains("--period <PERIOD>"), "{help}");
    assert!(
        help.contains("The target's brand; absent for all brands"),
        "{help}"
    );

    let wrong = synergy(
        &data,
        &[
            &["plan", "remove-target"][..],
            &plan,
            &["--period", "2008-H3"],
        ]
        .concat(),
    );
    assert_eq!(wrong.status.code(), Some(2), "{wrong:?}");
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(stderr.contains("--period"), "{stderr}");

    let out = ok(
        &data,
        &[
            &["plan", "remove-target"][..],
            &plan,
            &["--period", "2008-H1"],
        ]
        .concat(),
    );
    assert!(out.contains("PlanTargetRemoved"), "{out}");
    let shown = ok(
        &data,
        &["show", "plan", "--partnership", "p1", "--plan", "p2008"],
    );
    let shown: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(shown["targets"], serde_json::json!([]), "{shown}");
}

/// `synergy plan-gap` on the demo's data: 2008-H2 at the plan's 27 % share needs 764.999
/// cases more than the baseline (the worked figures of docs/kpis.md); a period that has
/// begun is refused with the planner's rule.
#[test]
fn plan_gap_plans_the_next_half_on_the_demo_data() {
    let dir = tempfile::tempdir().unwrap();
    let data = common::demo_data(dir.path());
    let args = words("plan-gap --partnership hongyun-changzhi --period 2008-H2 --target-share 27");
    let md = ok(&data, &args);
    assert!(md.contains("**764.999 cases**"), "{md}");
    assert!(md.contains("| hongyun-soft | 267.353 | 1289 |"), "{md}");
    let json = ok(&data, &[&args[..], &["--format", "json"]].concat());
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["gap_cases"].to_string(), "764.999", "{json}");
    assert_eq!(json["required_volume_cases"].to_string(), "19216.024");
    let begun = refused(
        &data,
        &words("plan-gap --partnership hongyun-changzhi --period 2008-H1 --target-share 27"),
    );
    assert!(begun.contains("planner.period_not_ahead"), "{begun}");
}

/// 提升 from the command line: the demo's H1 review recommends `data.late`; the
/// distributor accepts it into an action item, the pack shows the decision, a second
/// decision is refused, and a SKU rule without its SKU is refused naming the flag's field.
#[test]
fn a_recommendation_is_accepted_from_the_command_line_and_shown_in_the_pack() {
    let dir = tempfile::tempdir().unwrap();
    let data = common::demo_data(dir.path());
    let accept = words(
        "recommendation accept --partnership hongyun-changzhi --period 2008-H1 --rule data.late --title 每月10日前報送：數據專人覆核 --due-on 2099-12-31 --as changzhi-tobacco",
    );
    let said = ok(&data, &accept);
    assert!(said.contains("rec-2008-H1-data-late"), "{said}");
    let pack = json(
        &data,
        "report --partnership hongyun-changzhi --kind review --period 2008-H1 --format json",
    );
    let late = pack["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "data.late")
        .expect("H1 recommends data.late");
    assert_eq!(late["decision"]["status"], "accepted", "{late}");
    assert_eq!(late["decision"]["by"], "distributor");
    assert_eq!(late["decision"]["item"], "rec-2008-H1-data-late");
    assert_eq!(late["decision"]["owner"], "distributor");

    let dismiss = |rule| {
        [
            "recommendation",
            "dismiss",
            "--partnership",
            "hongyun-changzhi",
            "--period",
            "2008-H1",
            "--rule",
            rule,
            "--reason",
            "no",
        ]
    };
    let again = refused(&data, &dismiss("data.late"));
    assert!(again.contains("recommendation.decided_once"), "{again}");
    let no_sku = refused(&data, &dismiss("sku.shelf_no_sales"));
    assert!(no_sku.contains("recommendation.sku_required"), "{no_sku}");
    let bad_rule = synergy(&data, &dismiss("share.up"));
    assert!(!bad_rule.status.success());
    let err = String::from_utf8_lossy(&bad_rule.stderr);
    assert!(err.contains("share.drop"), "the choices are listed: {err}");
}

/// 創值 from the command line: the manufacturer promises a campaign's uplift, the
/// distributor cannot, a promise under way stands, and `synergy value-realised` judges it
/// against the imported months — the worked example of docs/kpis.md: A = 120, B = 100 ×
/// 1,100 ÷ 1,000 = 110, R = 10 of 8 promised, 125 %, kept.
#[test]
fn a_campaign_promise_is_recorded_and_its_value_realised_read() {
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path();
    let data = catalogued(files, "data");
    let months = format!(
        "{MARKET_HEADER}\
2007-05,hy-hard,100,1700000,50,2000,1800,85.00\n\
2007-05,ALL,1000,10000000,,5200,,\n\
2008-05,hy-hard,120,2040000,50,2000,1800,86.00\n\
2008-05,ALL,1100,11000000,,5200,,\n"
    );
    std::fs::write(files.join("months.csv"), months).unwrap();
    let months = files.join("months.csv");
    ok(&data, &import_p1("market-data", &months));
    ok(
        &data,
        &line(
            "campaign plan --partnership p1 --campaign may-push --title",
            &[
                "紅雲(硬) May push",
                "--brand",
                "hongyun",
                "--sku",
                "hy-hard",
                "--starts-on",
                "2008-05-01",
                "--ends-on",
                "2008-05-31",
                "--activity-plan",
                "displays in 120 outlets",
            ],
        ),
    );
    let promise = |uplift: &str, reason: Option<&str>| {
        let mut args = vec![
            "campaign",
            "promise",
            "--partnership",
            "p1",
            "--campaign",
            "may-push",
            "--sku",
            "hy-hard",
            "--first-month",
            "2008-05",
            "--last-month",
            "2008-05",
            "--uplift-cases",
        ];
        args.push(uplift);
        if let Some(reason) = reason {
            args.extend(["--reason", reason]);
        }
        args.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let args = promise("8", None);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let by_distributor = refused(&data, &[&["--as", "changzhi"], &args[..]].concat());
    assert!(
        by_distributor.contains("campaign.promise_by_manufacturer"),
        "{by_distributor}"
    );
    let out = ok(&data, &args);
    assert!(out.contains("UpliftPromised"), "{out}");
    // May 2008 is long past: the promise is under way and stands, reason or not.
    let args = promise("5", None);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let err = refused(&data, &args);
    assert!(err.contains("campaign.promise_reason_given"), "{err}");
    let args = promise("5", Some("too ambitious"));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let err = refused(&data, &args);
    assert!(
        err.contains("campaign.promise_fixed_once_under_way"),
        "{err}"
    );

    let shown = json(&data, "show campaign --partnership p1 --campaign may-push");
    assert_eq!(shown["promise"]["uplift"], "8.000", "{shown}");
    assert_eq!(shown["promise"]["revision"], 1, "{shown}");

    let read = |campaign: &str, as_of: &str| {
        synergy(
            &data,
            &line(
                "value-realised --partnership p1 --campaign",
                &[campaign, "--as-of", as_of],
            ),
        )
    };
    let out = read("may-push", "2008-06-15");
    assert!(out.status.success(), "{out:?}");
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["partnership"], "p1", "{value}");
    assert_eq!(value["as_of"], "2008-06-15", "{value}");
    assert_eq!(value["actual_cases"], 120, "{value}");
    assert_eq!(value["baseline_cases"], 110, "{value}");
    assert_eq!(value["realised_cases"], 10, "{value}");
    assert_eq!(value["uplift_cases"], 8, "{value}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(r#""realisation_pct":125.00,"#), "{text}");
    assert_eq!(value["due"], true, "{value}");
    assert_eq!(value["kept"], true, "{value}");
    // Before May's data was due (the 10th of June) the promise is not yet judged.
    let early = read("may-push", "2008-06-02");
    let early: serde_json::Value = serde_json::from_slice(&early.stdout).unwrap();
    assert_eq!(early["due"], false, "{early}");
    assert_eq!(early["kept"], serde_json::Value::Null, "{early}");

    let missing = read("no-such-campaign", "2008-06-15");
    assert_eq!(missing.status.code(), Some(1), "{missing:?}");
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(err.contains("no campaign no-such-campaign"), "{err}");

    // The review pack of the quarter lists it; the scorecard counts it kept.
    let pack = json(
        &data,
        "report --partnership p1 --period 2008-Q2 --kind review --format json --as-of 2008-07-15",
    );
    assert_eq!(pack["value_realised"][0]["campaign"], "may-push", "{pack}");
    assert_eq!(pack["value_realised"][0]["kept"], true, "{pack}");
    let card = json(
        &data,
        "report --partnership p1 --period 2008-Q2 --kind scorecard --format json --as-of 2008-07-15",
    );
    assert_eq!(card["kpis"]["promises_due"], 1, "{card}");
    assert_eq!(card["kpis"]["promises_kept"], 1, "{card}");
}

/// The operator (the CLI on its own data directory) sets the partnership's time zone at
/// once; the partnership read shows it, a zone the tz database does not know is refused
/// naming the field, and a report's default "as of" is today in that zone. Kiritimati
/// (UTC+14) and Pago Pago (UTC−11) are 25 hours apart, so their dates always differ: the
/// default can only match the partnership's zone.
#[test]
fn the_time_zone_is_set_shown_and_judges_today() {
    use synergy_proto::{TimeZone, Timestamp};

    let (_dir, data) = signed_p1();
    let shown = |data: &Path| -> serde_json::Value {
        serde_json::from_str(&ok(data, &["show", "agreement", "--partnership", "p1"])).unwrap()
    };
    assert_eq!(shown(&data)["time_zone"], "Asia/Shanghai");

    let choose = |zone: &'static str| {
        [
            "partnership",
            "time-zone",
            "--partnership",
            "p1",
            "--zone",
            zone,
        ]
    };
    let out = ok(&data, &choose("Pacific/Kiritimati"));
    assert!(out.contains("TimeZoneSet"), "{out}");
    let agreement = shown(&data);
    assert_eq!(agreement["time_zone"], "Pacific/Kiritimati", "{agreement}");
    assert_eq!(agreement["time_zone_proposal"], serde_json::Value::Null);
    // The zone in force again: accepted, nothing recorded.
    let before = commits(&data);
    ok(&data, &choose("Pacific/Kiritimati"));
    assert_eq!(commits(&data), before);

    let err = refused(&data, &choose("Mars/Olympus"));
    assert!(
        err.contains("partnership.time_zone_unknown") && err.contains("zone"),
        "{err}"
    );
    assert_eq!(commits(&data), before);

    let today_in = |zone: &str| {
        let now = Timestamp::from_millis(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis() as i64,
        );
        now.date_in(&TimeZone::new(zone).unwrap()).to_string()
    };
    let earliest = today_in("Pacific/Kiritimati");
    let report = run(&data, "report --partnership p1 --period 2008 --format json");
    let latest = today_in("Pacific/Kiritimati");
    let as_of: serde_json::Value = serde_json::from_str(&report).unwrap();
    let as_of = as_of["as_of"].as_str().unwrap().to_owned();
    assert!(
        as_of == earliest || as_of == latest,
        "{as_of} vs {earliest}"
    );
    assert_ne!(as_of, today_in("Pacific/Pago_Pago"));
}

/// The distributor's analysis from a Markdown file (`--text-file`, derived from the
/// declaration's `from_file`), a revision with a reason, the read and the pack; a file
/// too large or not UTF-8 is refused naming the flag before anything runs, and nothing of
/// it is recorded.
#[test]
fn the_distributor_submits_its_analysis_from_a_file_and_revises_it() {
    let (dir, data) = signed_p1();
    let md = dir.path().join("q2.md");
    let first = "## 二季度市场分析\n\n- 红云(软) 动销良好\n- 红云(硬) 终端价格高于指导价\n";
    std::fs::write(&md, first).unwrap();
    let base = words("analysis submit --partnership p1 --period 2008-Q2");
    let submit = |extra: &[&str]| synergy(&data, &[&base[..], extra].concat());
    let md_path = md.to_str().unwrap();
    let out = ok(&data, &[&base[..], &["--text-file", md_path]].concat());
    assert!(
        out.contains("recorded AnalysisSubmitted") && out.contains("analysis:2008-Q2"),
        "{out}"
    );
    // The same text, given on the command line with the file's line ends: no change.
    let same = submit(&["--text", first.trim_end()]);
    assert!(same.status.success(), "{same:?}");
    assert!(
        String::from_utf8_lossy(&same.stdout).contains("no change"),
        "{same:?}"
    );
    let recorded = commits(&data);

    // Another text is a revision: refused without a reason, recorded with one.
    std::fs::write(&md, format!("{first}- 六月价格已回稳\n")).unwrap();
    let refused_revision = submit(&["--text-file", md_path]);
    assert_eq!(
        refused_revision.status.code(),
        Some(1),
        "{refused_revision:?}"
    );
    let err = String::from_utf8_lossy(&refused_revision.stderr);
    assert!(err.contains("analysis.revision_needs_reason"), "{err}");
    let out = submit(&["--text-file", md_path, "--reason", "补充六月价格"]);
    assert!(out.status.success(), "{out:?}");

    // The text from standard input, `-`, is the same text: no change.
    let mut piped = Command::new(env!("CARGO_BIN_EXE_synergy"))
        .arg("--data")
        .arg(&data)
        .args(&base)
        .args(["--text-file", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        piped.stdin.as_mut().unwrap(),
        std::fs::read(&md).unwrap().as_slice(),
    )
    .unwrap();
    let piped = piped.wait_with_output().unwrap();
    assert!(
        String::from_utf8_lossy(&piped.stdout).contains("no change"),
        "{piped:?}"
    );
    let recorded_after_revision = commits(&data);
    assert_eq!(recorded_after_revision, recorded + 1);

    // Refused before anything runs, naming the flag: too large, not UTF-8, both flags,
    // neither.
    let big = dir.path().join("big.md");
    std::fs::write(&big, "x".repeat(80_001)).unwrap();
    let latin1 = dir.path().join("latin1.md");
    std::fs::write(&latin1, b"caf\xe9 au lait").unwrap();
    for (extra, expected) in [
        (
            vec!["--text-file", big.to_str().unwrap()],
            "larger than 80000 bytes",
        ),
        (
            vec!["--text-file", latin1.to_str().unwrap()],
            "is not UTF-8 text (byte 3",
        ),
        (
            vec!["--text-file", dir.path().join("none.md").to_str().unwrap()],
            "cannot read",
        ),
        (
            vec!["--text-file", md_path, "--text", "x"],
            "cannot be used with",
        ),
        (vec![], "<--text <TEXT>|--text-file <PATH>>"),
    ] {
        let out = submit(&extra);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(expected) && err.contains("--text-file"),
            "{extra:?}: {err}"
        );
    }
    // A file of exactly the bound is read (and then held to the text's own rules).
    std::fs::write(&big, "析".repeat(20_000)).unwrap();
    let at_bound = synergy(
        &data,
        &line(
            "analysis submit --partnership p1 --period 2008-06 --text-file",
            &[big.to_str().unwrap()],
        ),
    );
    assert!(at_bound.status.success(), "{at_bound:?}");
    // A half has no analysis of its own.
    let err = refused(
        &data,
        &words("analysis submit --partnership p1 --period 2008-H1 --text 上半年"),
    );
    assert!(
        err.contains("analysis.month_or_quarter") && err.contains("field period"),
        "{err}"
    );
    assert_eq!(commits(&data), recorded_after_revision + 1);

    let help = ok(&data, &["analysis", "submit", "--help"]);
    assert!(help.contains("--text-file <PATH>"), "{help}");

    // The read: the analyses in force of the half, June before the quarter it closes.
    let shown = json(&data, "show analyses --partnership p1 --period 2008-H1");
    let summary: Vec<_> = shown
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["period"].clone(),
                a["revision"].clone(),
                a["reason"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("2008-06".into(), 1.into(), serde_json::Value::Null),
            ("2008-Q2".into(), 2.into(), "补充六月价格".into()),
        ],
        "{shown:#}"
    );
    assert_eq!(
        shown[1]["text"],
        format!("{first}- 六月价格已回稳").as_str(),
        "{shown:#}"
    );

    // The quarter's review pack shows it.
    let pack = common::run(
        &data,
        "report --partnership p1 --kind review --period 2008-Q2 --format md",
    );
    assert!(
        pack.contains("### 2008-Q2 · 第 2 版")
            && pack.contains("修订原因：补充六月价格")
            && pack.contains("> - 六月价格已回稳"),
        "{pack}"
    );
}

/// `value` (a JSON number) in units of `10^-scale`, read from its decimal text so that no
/// sum passes through a float.
fn units(value: &serde_json::Value, scale: u32) -> i128 {
    let text = value.to_string();
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let frac = format!("{frac:0<width$}", width = scale as usize);
    assert!(
        frac.len() == scale as usize,
        "{text} has more than {scale} decimals"
    );
    format!("{int}{frac}").parse().unwrap()
}

/// Signs `id` of `manufacturer` and `distributor` on `signed_on`, as the operator.
fn sign(data: &Path, id: &str, manufacturer: &str, distributor: &str, signed_on: &str) {
    ok(
        data,
        &line(
            "partnership sign --id",
            &[
                id,
                "--manufacturer",
                manufacturer,
                "--distributor",
                distributor,
                "--region",
                &format!("{id} 區域"),
                "--signed-on",
                signed_on,
            ],
        ),
    );
}

#[test]
fn a_portfolio_ranks_an_organisations_partnerships_in_force_and_sums_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &["demo", "--format", "json"]);
    // Two more distributors of hongyun, with May and June 2008 on record: p2's share
    // 2,920 ÷ 18,500, p3's 2,020 ÷ 18,500, both below Changzhi's 22.63 %.
    for (p, distributor, june) in [("p2", "taiyuan", "1000"), ("p3", "datong", "100")] {
        sign(&data, p, "hongyun", distributor, "2007-12-01");
        let files = dir.path().join(p);
        std::fs::create_dir_all(&files).unwrap();
        std::fs::write(files.join("catalogue.csv"), CATALOGUE).unwrap();
        std::fs::write(files.join("market.csv"), market(june)).unwrap();
        let catalogue = files.join("catalogue.csv");
        ok(
            &data,
            &line(
                "catalogue import --partnership",
                &[p, catalogue.to_str().unwrap()],
            ),
        );
        let market = files.join("market.csv");
        ok(
            &data,
            &line(
                "market-data import --partnership",
                &[p, market.to_str().unwrap()],
            ),
        );
    }
    // Signed after the half: not in force for it. Another manufacturer's partnership with
    // Changzhi: none of hongyun's business.
    sign(&data, "p4", "hongyun", "jincheng", "2008-07-01");
    sign(&data, "p5", "yuxi", "changzhi-tobacco", "2008-01-02");

    let json = run(
        &data,
        "portfolio --org hongyun --period 2008-H1 --format json",
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["org"], "hongyun");
    assert_eq!(v["period"], "2008-H1");
    let rows = v["partnerships"].as_array().unwrap();
    let ids: Vec<&str> = rows
        .iter()
        .map(|r| r["partnership"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["hongyun-changzhi", "p2", "p3"]);
    assert_eq!(
        rows.iter()
            .map(|r| r["rank"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(rows[1]["counterparty"], "taiyuan");
    assert_eq!(rows[1]["region"], "p2 區域");
    assert_eq!(
        rows[1]["kpis"]["volume_share_pct"],
        serde_json::json!(15.78)
    );
    assert_eq!(
        rows[2]["kpis"]["volume_share_pct"],
        serde_json::json!(10.92)
    );
    // The totals are the exact sums, and the share is that of the sums.
    for (key, scale) in [
        ("volume_cases", 3),
        ("revenue_yuan", 2),
        ("market_volume_cases", 3),
        ("market_revenue_yuan", 2),
    ] {
        let sum: i128 = rows.iter().map(|r| units(&r["kpis"][key], scale)).sum();
        assert_eq!(units(&v["totals"][key], scale), sum, "{key}");
    }
    let (ours, all) = (
        units(&v["totals"]["volume_cases"], 3),
        units(&v["totals"]["market_volume_cases"], 3),
    );
    let share = units(&v["totals"]["volume_share_pct"], 2);
    assert!(
        (share * all - ours * 10_000).abs() * 2 <= all,
        "{share} of {ours} ÷ {all}"
    );

    // As people read it: ranked rows in Chinese by default, in English on request.
    let md = run(&data, "portfolio --org hongyun --period 2008-H1 --lang en");
    assert!(md.starts_with("# Portfolio — hongyun — 2008-H1"), "{md}");
    let at = |id: &str| md.find(&format!("| {id} |")).unwrap_or(usize::MAX);
    assert!(
        at("hongyun-changzhi") < at("p2") && at("p2") < at("p3"),
        "{md}"
    );
    assert!(!md.contains("| p4 |") && !md.contains("| p5 |"), "{md}");
    let zh = ok(
        &data,
        &["portfolio", "--org", "hongyun", "--period", "2008-H1"],
    );
    assert!(
        zh.contains("合作组合") && zh.contains("按销量占有率排名"),
        "{zh}"
    );
    says(
        &data,
        "portfolio --org hongyun --period 2008-H1 --format csv",
        "partnership,p3,rank,3\n",
    );
    let book = dir.path().join("portfolio.xlsx");
    ok(
        &data,
        &line(
            "portfolio --org hongyun --period 2008-H1 --format xlsx --out",
            &[book.to_str().unwrap()],
        ),
    );
    assert!(std::fs::read(&book).unwrap().starts_with(b"PK"));

    // Another KPI ranks otherwise: p3 earns the most a case, p2 the least.
    let json = run(
        &data,
        "portfolio --org hongyun --period 2008-H1 --rank-by revenue_per_case_yuan --format json",
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let ids: Vec<&str> = v["partnerships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["partnership"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["p3", "hongyun-changzhi", "p2"]);
    let out = synergy(
        &data,
        &words("portfolio --org hongyun --period 2008-H1 --rank-by volume_shares"),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("\"volume_shares\" is no KPI"), "{err}");

    // The distributor sees each manufacturer it works with; p5 has no figures and ranks
    // last.
    let json = run(
        &data,
        "portfolio --org changzhi-tobacco --period 2008-H1 --format json",
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rows = v["partnerships"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{json}");
    assert_eq!(rows[0]["counterparty"], "hongyun");
    assert_eq!(rows[1]["counterparty"], "yuxi");
    assert_eq!(rows[1]["kpis"]["volume_share_pct"], serde_json::Value::Null);
    // An organisation that is party of nothing sees nothing.
    let json = run(
        &data,
        "portfolio --org nobody --period 2008-H1 --format json",
    );
    assert!(json.contains(r#""partnerships":[]"#), "{json}");

    // The list: every partnership hongyun is a party of, in force or not, by id.
    let list = run(&data, "partnership list --org hongyun --format json");
    let v: serde_json::Value = serde_json::from_str(&list).unwrap();
    let ids: Vec<&str> = v["partnerships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["partnership"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["hongyun-changzhi", "p2", "p3", "p4"]);
    assert_eq!(v["partnerships"][3]["status"], "signed");
    assert_eq!(v["partnerships"][3]["signed_on"], "2008-07-01");
    assert_eq!(v["partnerships"][3]["time_zone"], "Asia/Shanghai");
    run(
        &data,
        "partnership terminate --partnership p4 --reason merged --terminated-on 2008-07-02",
    );
    let table = ok(&data, &["partnership", "list", "--org", "changzhi-tobacco"]);
    assert!(
        table.contains("| hongyun-changzhi | signed | hongyun | 山西省長治市 | 2007-12-18 |"),
        "{table}"
    );
    assert!(table.contains("| p5 | signed | yuxi |"), "{table}");
    assert!(!table.contains("| p2 |"), "{table}");
    let table = ok(&data, &["partnership", "list", "--org", "jincheng"]);
    assert!(table.contains("| p4 | terminated | hongyun |"), "{table}");
}

#[test]
fn the_history_and_tail_read_in_words_with_real_units() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &["demo", "--format", "json"]);
    let p = "hongyun-changzhi";
    let text = ok(
        &data,
        &[
            "history",
            "--partnership",
            p,
            "--context",
            "strategy",
            "--limit",
            "2",
            "--format",
            "text",
        ],
    );
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("@1 "), "{text}");
    assert!(
        lines[0].contains("strategy/partnership v1 by hongyun (admin, demo) — PartnershipSigned: distributor changzhi-tobacco"),
        "{text}"
    );
    assert_eq!(lines.last(), Some(&"more after @2 (--after 2)"), "{text}");
    let next = ok(
        &data,
        &[
            "history",
            "--partnership",
            p,
            "--context",
            "strategy",
            "--limit",
            "2",
            "--after",
            "2",
            "--format",
            "text",
        ],
    );
    assert!(next.starts_with("@3 "), "{next}");

    // Volumes in cases, money in 元 from fen, never a debug form.
    let market = ok(
        &data,
        &[
            "history",
            "--partnership",
            p,
            "--aggregate",
            "market-data",
            "--limit",
            "1",
            "--format",
            "json",
        ],
    );
    let page: serde_json::Value = serde_json::from_str(&market).unwrap();
    let what = page["entries"][0]["what"].as_str().unwrap();
    assert!(what.contains("month 2006-07"), "{what}");
    assert!(
        what.contains("revenue 3,263,399.00 元") && what.contains("volume 116 cases"),
        "{what}"
    );
    assert!(page["next_after"].is_u64(), "{market}");

    // A reason is the why; days filter on the partnership's calendar.
    ok(
        &data,
        &line(
            "partnership terminate --partnership",
            &[p, "--reason", "合并", "--terminated-on", "2009-01-01"],
        ),
    );
    let table = ok(
        &data,
        &[
            "history",
            "--partnership",
            p,
            "--context",
            "strategy",
            "--limit",
            "500",
        ],
    );
    assert!(
        table.starts_with("| position | recorded (UTC) | who |"),
        "{table}"
    );
    assert!(
        table.contains("| PartnershipTerminated | terminated on 2009-01-01 | 合并 |"),
        "{table}"
    );
    let empty = ok(
        &data,
        &["history", "--partnership", p, "--to", "2008-12-31"],
    );
    assert!(empty.contains("Nothing recorded matches."), "{empty}");
    let out = synergy(&data, &["history", "--partnership", p, "--limit", "501"]);
    assert_eq!(out.status.code(), Some(2));

    let tail = ok(&data, &["tail", "--from", "0", "--no-follow"]);
    assert!(tail.contains("— MarketDataSubmitted: lines [("), "{tail}");
    assert!(tail.contains(" cases") && tail.contains(" 元"), "{tail}");
    assert!(
        !tail.contains("Cases(") && !tail.contains("Yuan("),
        "{tail}"
    );
    assert!(tail.contains("— why: 合并"), "{tail}");
}

/// `synergy rules set` acts as the operator, so the rules are set at once; a threshold
/// left out keeps the one in force; a band without width is refused naming its field and
/// rule, and records nothing; `show exception-rules` reads what is in force.
#[test]
fn exception_rules_are_set_from_the_command_line_and_bad_ones_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &SIGN_P1);
    let show = |data: &Path| -> serde_json::Value {
        let text = ok(data, &["show", "exception-rules", "--partnership", "p1"]);
        serde_json::from_str(&text).unwrap()
    };
    assert_eq!(show(&data)["in_force"]["set"], serde_json::Value::Null);

    says(
        &data,
        "rules set --partnership p1 --share-drop-points 2.5 --max-stock-to-sales 2",
        "recorded ExceptionRulesSet",
    );
    says(
        &data,
        "rules set --partnership p1 --price-index-low 90",
        "recorded ExceptionRulesSet",
    );
    let agreed = show(&data);
    assert_eq!(
        agreed["in_force"]["rules"],
        serde_json::json!({"share_drop_points": "2.50", "min_volume_attainment": "90.00",
                           "price_index_low": "90.00", "price_index_high": "105.00",
                           "max_stock_to_sales": "2.00"}),
        "{agreed}"
    );
    assert_eq!(agreed["in_force"]["set"]["user"], "cli", "{agreed}");

    let before = commits(&data);
    let err = refused(
        &data,
        &words("rules set --partnership p1 --price-index-high 90"),
    );
    assert!(
        err.contains("exception_rules.price_band_empty") && err.contains("price_index_low"),
        "{err}"
    );
    let err = refused(
        &data,
        &words("rules set --partnership p1 --max-stock-to-sales 0"),
    );
    assert!(
        err.contains("exception_rules.stock_to_sales_not_positive")
            && err.contains("max_stock_to_sales"),
        "{err}"
    );
    assert_eq!(commits(&data), before, "a refusal records nothing");

    // Naming no threshold chooses the rules in force: nothing to record.
    let out = ok(&data, &["rules", "set", "--partnership", "p1"]);
    assert!(!out.contains("recorded"), "{out}");
    assert_eq!(commits(&data), before);
}

/// `serve evaluation --partitions` (docs/partitions.md) refuses what it cannot run before
/// it connects to anything, naming the setting: nothing listens on the NATS address given.
#[test]
fn bad_partitions_are_refused_before_a_replica_starts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let serve = |service: &str, partitions: &str, count: &str, replica: &str| {
        let args = [
            "serve",
            service,
            "--nats",
            "nats://127.0.0.1:9",
            "--partitions",
            partitions,
            "--partition-count",
            count,
            "--replica",
            replica,
        ];
        refused(&data, &args)
    };
    for (service, partitions, count, replica, says) in [
        (
            "evaluation",
            "0-4",
            "4",
            "a",
            "partitions: partition 4 does not exist",
        ),
        (
            "evaluation",
            "2-1",
            "4",
            "a",
            "partitions: \"2-1\" runs backwards",
        ),
        (
            "evaluation",
            "all",
            "0",
            "a",
            "partition_count: 0 partitions",
        ),
        ("evaluation", "all", "4", "eval.a", "replica:"),
        (
            "information",
            "all",
            "4",
            "a",
            "only `synergy serve evaluation`",
        ),
    ] {
        let err = serve(service, partitions, count, replica);
        assert!(
            err.contains("[partitions-invalid]") && err.contains(says),
            "{partitions} of {count} on {service}: {err}"
        );
    }
    // The three go together.
    let out = synergy(
        &data,
        &[
            "serve",
            "evaluation",
            "--nats",
            "nats://127.0.0.1:9",
            "--partitions",
            "0",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--partition-count"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
