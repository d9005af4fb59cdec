//! What a new user and an operator see of the `synergy` binary, run as they run it: one
//! `refused` per refusal, one line per import, reads that leave an empty directory empty,
//! `demo --data`, `--idempotency-key`, the log's filter and format, the gateway's request
//! log and body limit, and shell completions.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod common;

use common::{Up, http, ok, refused, synergy, token};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples")
}

const SIGN: [&str; 11] = [
    "partnership",
    "sign",
    "--id",
    "hy-cz",
    "--manufacturer",
    "hongyun",
    "--distributor",
    "changzhi",
    "--region",
    "長治",
    "--signed-on=2007-12-18",
];

#[test]
fn a_refusal_says_refused_once_and_an_import_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &SIGN);

    let err = refused(
        &data,
        &["plan", "submit", "--partnership", "hy-cz", "--plan", "nope"],
    );
    assert_eq!(err.matches("refused").count(), 1, "{err}");
    assert!(
        err.starts_with("refused: plan nope does not exist"),
        "{err}"
    );

    let catalogue = examples().join("catalogue.csv");
    let out = ok(
        &data,
        &[
            "catalogue",
            "import",
            "--partnership",
            "hy-cz",
            catalogue.to_str().unwrap(),
        ],
    );
    assert!(
        out.ends_with("catalogue.csv: 4 SKUs recorded (SkuRegistered × 4 at @2; brand/hy-cz/portfolio, version 4)\n"),
        "{out}"
    );
    let market = examples().join("market-data.csv");
    let out = ok(
        &data,
        &[
            "market-data",
            "import",
            "--partnership",
            "hy-cz",
            market.to_str().unwrap(),
        ],
    );
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        out.contains(
            "market-data.csv: 23 months recorded, 2006-07 … 2008-05, 4 SKUs \
             (MarketDataSubmitted × 23 at @3; information/hy-cz/market-data, version 23)"
        ),
        "{out}"
    );

    // A rejected file says once that nothing was recorded, and names its lines.
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "period,sku,volume_cases,revenue_yuan,closing_stock_cases,outlets_stocking,\
         outlets_selling,avg_retail_price_yuan\n2008-06,hy-soft,-5,1,1,1,1,1\n",
    )
    .unwrap();
    let err = refused(
        &data,
        &[
            "market-data",
            "import",
            "--partnership",
            "hy-cz",
            bad.to_str().unwrap(),
        ],
    );
    assert_eq!(err.matches("nothing").count(), 1, "{err}");
    assert!(err.contains("line 2"), "{err}");
}

/// An import's summary stays one short line however many SKUs it registers.
#[test]
fn a_thousand_sku_catalogue_is_one_short_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &SIGN);
    let mut csv = String::from("brand,sku,name,price_class,guide_price_yuan\n");
    for i in 0..1000 {
        csv.push_str(&format!("hongyun,hy-{i},紅雲 {i},3,50.00\n"));
    }
    let file = dir.path().join("catalogue.csv");
    std::fs::write(&file, csv).unwrap();
    let out = ok(
        &data,
        &[
            "catalogue",
            "import",
            "--partnership",
            "hy-cz",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.len() < 200, "{} bytes: {out}", out.len());
    assert!(
        out.contains("1000 SKUs recorded (SkuRegistered × 1000 at"),
        "{out}"
    );
}

#[test]
fn reads_in_an_empty_directory_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("synergy-data");
    for read in [
        &["show", "plans", "--partnership", "hy-cz"][..],
        &["report", "--partnership", "hy-cz", "--period", "2008-Q2"],
        &[
            "plan-gap",
            "--partnership",
            "hy-cz",
            "--period",
            "2008-H2",
            "--target-share",
            "27",
        ],
        &["tail", "--from", "0", "--no-follow"],
        &["quarantine", "list"],
        &["replay"],
    ] {
        let err = refused(&data, read);
        assert!(
            err.contains("nothing is recorded in") && err.contains("synergy-data"),
            "{read:?}: {err}"
        );
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "{read:?} created {left:?}");
    }
}

#[test]
fn demo_keeps_its_data_where_data_says_and_refuses_a_used_directory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let report = ok(&data, &["demo"]);
    assert!(report.contains("市场分析"), "{report}");
    let agreement = ok(
        &data,
        &["show", "agreement", "--partnership", "hongyun-changzhi"],
    );
    assert!(agreement.contains("hongyun"), "{agreement}");
    let err = refused(&data, &["demo"]);
    assert!(err.contains("already holds an event log"), "{err}");

    // Without --data the demo keeps nothing in the default directory.
    let out = Command::new(env!("CARGO_BIN_EXE_synergy"))
        .arg("demo")
        .current_dir(dir.path())
        .env_remove("SYNERGY_DATA")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!dir.path().join("synergy-data").exists());
}

#[test]
fn the_same_idempotency_key_records_a_command_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &SIGN);
    let key = "0190a5f2-3c4d-7e8f-9a0b-1c2d3e4f5a6b";
    let draft = |title: &str| {
        vec![
            "plan".to_owned(),
            "draft".to_owned(),
            "--partnership=hy-cz".to_owned(),
            "--plan=p2008".to_owned(),
            format!("--title={title}"),
            "--first-year=2008".to_owned(),
            "--last-year=2010".to_owned(),
            format!("--idempotency-key={key}"),
        ]
    };
    let args = draft("2008–2010");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let first = ok(&data, &args);
    assert!(first.starts_with("recorded PlanDrafted at @2"), "{first}");
    let again = ok(&data, &args);
    assert!(again.starts_with("already recorded at @2"), "{again}");
    let other = draft("another");
    let other: Vec<&str> = other.iter().map(String::as_str).collect();
    let err = refused(&data, &other);
    assert_eq!(err.matches("refused").count(), 1, "{err}");
    assert!(
        err.contains("already used for a different command"),
        "{err}"
    );

    // An import takes one as well.
    let catalogue = examples().join("catalogue.csv");
    let import = [
        "catalogue",
        "import",
        "--partnership",
        "hy-cz",
        "--idempotency-key",
        key,
        catalogue.to_str().unwrap(),
    ];
    assert!(ok(&data, &import).contains("4 SKUs recorded"));
    let again = ok(&data, &import);
    assert!(again.contains(": already recorded at @3"), "{again}");

    let err = synergy(
        &data,
        &[
            "plan",
            "submit",
            "--partnership=hy-cz",
            "--plan=p2008",
            "--idempotency-key=k1",
        ],
    );
    assert_eq!(err.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&err.stderr).contains("--idempotency-key"));
}

#[test]
fn completions_are_generated_for_each_shell() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("bash", "_synergy()"),
        ("zsh", "#compdef synergy"),
        ("fish", "complete -c synergy"),
    ] {
        let script = ok(dir.path(), &["completions", shell]);
        assert!(script.contains(marker), "{shell}: {}", &script[..200]);
        assert!(script.contains("market-data"), "{shell}");
        assert!(script.contains("idempotency-key"), "{shell}");
    }
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
}

#[test]
fn a_reader_that_closes_the_pipe_early_gets_no_error() {
    // `synergy completions bash | head -n 1`: the reader takes a line and goes away.
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_synergy"))
        .arg("--data")
        .arg(dir.path())
        .args(["completions", "bash"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run synergy");
    let mut first = String::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    stdout.read_line(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert!(!first.is_empty());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert!(out.status.success(), "{:?}", out.status);
}

/// The body limit from the config file answers 413 above it and 201 under it; the request
/// log, asked for by RUST_LOG, is JSON lines naming method, path and status, never a token;
/// `--log` given beside RUST_LOG is the whole filter; a flag's body limit wins over none.
#[test]
fn the_gateway_logs_its_requests_as_json_and_takes_its_body_limit() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("synergy.toml");
    std::fs::write(&config, "body_limit = 2048\nlog_format = \"json\"\n").unwrap();
    let log = dir.path().join("up.log");
    let up = Up::start(
        &data,
        &[
            "--config",
            config.to_str().unwrap(),
            "up",
            "--demo",
            "--addr",
            "127.0.0.1:0",
        ],
        &[("RUST_LOG", "warn,synergy_gateway::request=info")],
        Some(&log),
    );
    let admin = up.admin();
    let distributor = token(&data, "changzhi-tobacco", "distributor");
    let july = "/v1/partnerships/hongyun-changzhi/analyses/2008-07";
    let small = serde_json::json!({"text": "七月：終端穩定"}).to_string();
    let (status, body) = http(&up.addr, "POST", july, &distributor, &small);
    assert_eq!(status, 201, "{body}");
    let large = serde_json::json!({"text": "價".repeat(1000)}).to_string();
    assert!(large.len() > 2048);
    let (status, body) = http(&up.addr, "POST", july, &distributor, &large);
    assert_eq!(status, 413, "{body}");
    let (status, _) = http(&up.addr, "GET", "/healthz", &admin, "");
    assert_eq!(status, 200);
    up.stop();

    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains('\u{1b}'), "colour codes in a file:\n{text}");
    assert!(
        !text.contains(&distributor) && !text.contains(&admin),
        "{text}"
    );
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let answered: Vec<_> = lines
        .iter()
        .filter(|l| l["target"] == "synergy_gateway::request")
        .map(|l| {
            (
                l["span"]["method"].as_str().unwrap_or_default().to_owned(),
                l["span"]["path"].as_str().unwrap_or_default().to_owned(),
                l["fields"]["status"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        answered,
        [
            ("POST".to_owned(), july.to_owned(), 201),
            ("POST".to_owned(), july.to_owned(), 413),
            ("GET".to_owned(), "/healthz".to_owned(), 200),
        ],
        "{text}"
    );

    // `--log warn` is the whole filter, RUST_LOG notwithstanding; --body-limit raises it.
    let log = dir.path().join("again.log");
    let up = Up::start(
        &data,
        &[
            "--log",
            "warn",
            "--body-limit",
            "65536",
            "up",
            "--addr",
            "127.0.0.1:0",
        ],
        &[("RUST_LOG", "info")],
        Some(&log),
    );
    let august = "/v1/partnerships/hongyun-changzhi/analyses/2008-08";
    let (status, body) = http(&up.addr, "POST", august, &distributor, &large);
    assert_eq!(status, 201, "{body}");
    up.stop();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains("answered"), "{text}");
}

/// `serve all --addr` listens: every service and the gateway in one process over NATS.
#[test]
fn serve_all_starts_the_gateway_on_its_addr() {
    let nats = synergy_testkit::NatsServer::start().expect("nats-server");
    let dir = tempfile::tempdir().unwrap();
    let url = nats.url();
    let up = Up::start(
        &dir.path().join("data"),
        &["--nats", &url, "serve", "all", "--addr", "127.0.0.1:0"],
        &[],
        Some(&dir.path().join("serve.log")),
    );
    let admin = up.admin();
    let (status, body) = http(&up.addr, "GET", "/healthz", &admin, "");
    assert_eq!(status, 200, "{body}");
    let (status, body) = http(&up.addr, "GET", "/v1/partnerships/p1/plans", &admin, "");
    assert_ne!(status, 401, "{body}");
    up.stop();
}
