//! The acceptance of periodic reports: two years of monthly market data uploaded over
//! HTTP to `synergy up`, its clock moved by the test through `--clock-file`; evaluation
//! issues version 1 of every complete month, quarter, half and year of the market and
//! brand reports without anyone asking, and a correction of one month issues version 2
//! of the periods whose figures it changes, with restatements. The issued events are
//! counted in the log once `up` has stopped. Alerts likewise: a correction across a rule
//! raises an exception once, a correction back clears it, and a rebuild records nothing;
//! a webhook receiver verifying each signature hears of each once.

mod receiver;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use receiver::{Mode, Receiver};
use serde_json::{Value, json};
use synergy_eventlog::{EventLog, Filter};
use synergy_proto::events::EvaluationEvent;
use synergy_proto::{Event, Period, YearMonth};
use synergy_runtime::{Local, SystemClock};

const P: &str = "hongyun-changzhi";

/// One HTTP/1.1 request; (status, body).
fn http(
    addr: &str,
    method: &str,
    path: &str,
    token: &str,
    kind: &str,
    body: &str,
) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Authorization: Bearer {token}\r\nContent-Type: {kind}\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(req.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().expect("status code");
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn post(addr: &str, path: &str, token: &str, kind: &str, body: &str) -> Value {
    let (status, text) = http(addr, "POST", path, token, kind, body);
    assert!(matches!(status, 200 | 201), "POST {path}: {status} {text}");
    serde_json::from_str(&text).unwrap()
}

/// A running `synergy up` on an empty data directory, its clock read from a file.
struct Up {
    child: std::process::Child,
    addr: String,
}

impl Drop for Up {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn up(data: &Path, clock: &Path) -> Up {
    let mut child = Command::new(env!("CARGO_BIN_EXE_synergy"))
        .args([
            "--data",
            data.to_str().unwrap(),
            "up",
            "--addr",
            "127.0.0.1:0",
        ])
        .arg("--clock-file")
        .arg(clock)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start synergy up");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut addr = None;
    while let Some(Ok(line)) = lines.next() {
        if let Some(rest) = line.strip_prefix("synergy: HTTP API on http://") {
            addr = rest.split_whitespace().next().map(str::to_owned);
        }
        if line == "ready" {
            break;
        }
    }
    // The rest of stdout is drained so `up` never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Up {
        child,
        addr: addr.expect("the address is printed"),
    }
}

fn token(data: &Path, org: &str, role: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_synergy"))
        .args([
            "--data",
            data.to_str().unwrap(),
            "token",
            "create",
            "--org",
            org,
            "--role",
            role,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Noon of `day` in Shanghai, the partnership's zone.
fn set_clock(file: &Path, day: &str) {
    std::fs::write(file, format!("{day}T04:00:00Z")).unwrap();
}

const HEADER: &str = "period,sku,volume_cases,revenue_yuan,closing_stock_cases,outlets_stocking,outlets_selling,avg_retail_price_yuan";

fn month_csv(month: YearMonth, volume: u32) -> String {
    let market = 10_000 + 100 * u32::from(month.month());
    format!(
        "{HEADER}\n{month},hy-soft,{volume},{},300,2900,2600,190.00\n{month},ALL,{market},{},,5200,,\n",
        volume * 190,
        market * 150,
    )
}

/// Waits until issued `version` of every (kind, period) can be read.
fn wait_for(addr: &str, token: &str, want: &[(String, Period)], version: u32) {
    let started = Instant::now();
    for (kind, period) in want {
        let path = format!("/v1/partnerships/{P}/reports/{kind}/{period}/versions/{version}");
        loop {
            let (status, _) = http(addr, "GET", &path, token, "application/json", "");
            if status == 200 {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(180),
                "{kind} {period} v{version} was never issued"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Every `ReportIssued` of the log: (kind, period, version) → (times recorded, issuer,
/// restatements).
fn issued(data: &Path) -> BTreeMap<(String, Period, u32), (usize, String, usize)> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let local = Local::open_embedded(data, Arc::new(SystemClock)).unwrap();
        let mut out: BTreeMap<(String, Period, u32), (usize, String, usize)> = BTreeMap::new();
        for stored in local.log().read_matching(Filter::ALL).await.unwrap() {
            for e in &stored.commit.events {
                if let Event::Evaluation(EvaluationEvent::ReportIssued {
                    kind,
                    period,
                    version,
                    restatements,
                    ..
                }) = &e.event
                {
                    let entry = out
                        .entry((kind.as_str().to_owned(), *period, *version))
                        .or_insert((0, stored.commit.actor.user.clone(), restatements.len()));
                    entry.0 += 1;
                }
            }
        }
        out
    })
}

fn stop(mut up: Up) {
    let pid = up.child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let status = up.child.wait().unwrap();
    assert!(status.success(), "up exits cleanly on SIGTERM: {status}");
}

/// Every period of `length` months from July 2006 whose months all ended by June 2008.
fn periods() -> Vec<Period> {
    let mut out = Vec::new();
    for year in 2006..=2008 {
        let mut all: Vec<Period> = (1..=12)
            .map(|m| Period::month(year, m).unwrap())
            .chain((1..=4).map(|q| Period::quarter(year, q).unwrap()))
            .chain((1..=2).map(|h| Period::half(year, h).unwrap()))
            .chain([Period::year(year).unwrap()])
            .collect();
        all.retain(|p| {
            p.first_month() >= "2006-07".parse().unwrap()
                && p.last_month() <= "2008-06".parse().unwrap()
        });
        out.extend(all);
    }
    out
}

/// A `synergy up` on an empty data directory, its clock at `today`, with partnership [`P`]
/// signed on `signed_on` by both parties over HTTP and one SKU in its catalogue.
struct Signed {
    _dir: tempfile::TempDir,
    data: PathBuf,
    clock: PathBuf,
    running: Up,
    addr: String,
    /// The manufacturer's and the distributor's tokens.
    m: String,
    d: String,
}

fn signed(today: &str, signed_on: &str) -> Signed {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let clock = dir.path().join("clock");
    set_clock(&clock, today);
    let running = up(&data, &clock);
    let addr = running.addr.clone();
    let m = token(&data, "hongyun", "manufacturer");
    let d = token(&data, "changzhi", "distributor");
    let sign = json!({"partnership": P, "manufacturer": "hongyun", "distributor": "changzhi",
                      "region": "長治", "signed_on": signed_on});
    let json_kind = "application/json";
    post(&addr, "/v1/partnerships", &m, json_kind, &sign.to_string());
    post(
        &addr,
        &format!("/v1/partnerships/{P}/acceptance"),
        &d,
        json_kind,
        "{}",
    );
    post(
        &addr,
        &format!("/v1/partnerships/{P}/catalogue"),
        &m,
        "text/csv",
        "brand,sku,name,price_class,guide_price_yuan\nhongyun,hy-soft,紅雲(軟),2,190.00\n",
    );
    Signed {
        _dir: dir,
        data,
        clock,
        running,
        addr,
        m,
        d,
    }
}

#[test]
fn two_years_uploaded_are_issued_by_themselves_and_a_correction_restates() {
    let Signed {
        _dir,
        data,
        clock,
        running,
        addr,
        m,
        d,
    } = signed("2006-06-20", "2006-06-20");

    // Each month sent on the 5th of the next, the clock moved there first.
    let mut month: YearMonth = "2006-07".parse().unwrap();
    while month <= "2008-06".parse().unwrap() {
        let sent = month.next().unwrap().first_day().add_days(4).unwrap();
        set_clock(&clock, &sent.to_string());
        let volume = 1_000
            + 10 * u32::try_from(month.months_until("2006-07".parse().unwrap()).abs()).unwrap();
        post(
            &addr,
            &format!("/v1/partnerships/{P}/market-data"),
            &d,
            "text/csv",
            &month_csv(month, volume),
        );
        month = month.next().unwrap();
    }
    let all: Vec<(String, Period)> = periods()
        .into_iter()
        .flat_map(|p| [("market".to_owned(), p), ("brand".to_owned(), p)])
        .collect();
    // 24 months, 8 quarters, 4 halves and 2007, for market and brand.
    assert_eq!(all.len(), 2 * (24 + 8 + 4 + 1));
    wait_for(&addr, &m, &all, 1);

    // May 2007 corrected on 20 July 2008.
    set_clock(&clock, "2008-07-20");
    let may: YearMonth = "2007-05".parse().unwrap();
    post(
        &addr,
        &format!("/v1/partnerships/{P}/market-data?reason=recount"),
        &d,
        "text/csv",
        &month_csv(may, 1_500),
    );
    // The periods holding May 2007, and those whose change over the period before or the
    // year before is computed from one holding it.
    let touched = |p: &Period| {
        p.contains(may)
            || p.previous().is_some_and(|q| q.contains(may))
            || p.same_period_last_year().is_some_and(|q| q.contains(may))
    };
    let restated: Vec<(String, Period)> = all.iter().filter(|(_, p)| touched(p)).cloned().collect();
    wait_for(&addr, &m, &restated, 2);
    // Time for anything else the scheduler would (wrongly) issue.
    std::thread::sleep(Duration::from_secs(3));
    stop(running);

    let issued = issued(&data);
    let mut want: Vec<(String, Period, u32)> =
        all.iter().map(|(k, p)| (k.clone(), *p, 1)).collect();
    want.extend(restated.iter().map(|(k, p)| (k.clone(), *p, 2)));
    want.sort();
    assert_eq!(issued.keys().cloned().collect::<Vec<_>>(), want);
    for ((kind, period, version), (times, by, restatements)) in &issued {
        assert_eq!(
            *times, 1,
            "{kind} {period} v{version} recorded {times} times"
        );
        assert_eq!(by, "scheduler", "{kind} {period} v{version}");
        assert_eq!(
            *restatements > 0,
            *version == 2,
            "{kind} {period} v{version}"
        );
    }
    assert!(
        restated
            .iter()
            .any(|(_, p)| *p == "2007-Q2".parse().unwrap())
    );
    assert!(
        restated
            .iter()
            .any(|(_, p)| *p == "2008-05".parse().unwrap())
    );
}

/// Both parties agree over HTTP to quarterly market reports only: the manufacturer's
/// choice proposes, the distributor's same choice sets it, and then a complete quarter is
/// the one report issued by itself.
#[test]
fn the_parties_agree_which_reports_are_issued_by_themselves() {
    let Signed {
        _dir,
        data,
        clock,
        running,
        addr,
        m,
        d,
    } = signed("2007-12-20", "2007-12-18");
    let issuing = format!("/v1/partnerships/{P}/issuing");
    let choice = r#"{"market": true, "quarters": true}"#;
    let proposed = post(&addr, &issuing, &m, "application/json", choice);
    assert_eq!(proposed["events"], json!(["IssuingProposed"]), "{proposed}");
    let set = post(&addr, &issuing, &d, "application/json", choice);
    assert_eq!(set["events"], json!(["IssuingSet"]), "{set}");
    let (status, refused) = http(
        &addr,
        "POST",
        &issuing,
        &d,
        "application/json",
        r#"{"monthly": true}"#,
    );
    assert_eq!(status, 400, "{refused}");

    for (month, sent) in [
        ("2008-01", "2008-02-05"),
        ("2008-02", "2008-03-05"),
        ("2008-03", "2008-04-05"),
    ] {
        set_clock(&clock, sent);
        post(
            &addr,
            &format!("/v1/partnerships/{P}/market-data"),
            &d,
            "text/csv",
            &month_csv(month.parse().unwrap(), 1_000),
        );
    }
    wait_for(
        &addr,
        &m,
        &[("market".to_owned(), "2008-Q1".parse().unwrap())],
        1,
    );
    std::thread::sleep(Duration::from_secs(2));
    stop(running);
    let issued = issued(&data);
    assert_eq!(
        issued.keys().cloned().collect::<Vec<_>>(),
        [("market".to_owned(), "2008-Q1".parse().unwrap(), 1)]
    );
}

fn get(addr: &str, path: &str, token: &str) -> Value {
    let (status, text) = http(addr, "GET", path, token, "application/json", "");
    assert_eq!(status, 200, "GET {path}: {text}");
    serde_json::from_str(&text).unwrap()
}

/// Whether a report names the partnership's share drop: an exception `share_down` of the
/// partnership (the review pack) or the recommendation `share.drop`.
fn names_share_drop(report: &Value) -> bool {
    let listed = |key: &str| report[key].as_array().cloned().unwrap_or_default();
    listed("exceptions")
        .iter()
        .any(|e| e["rule"] == "share_down" && e["scope"] == "partnership")
        || listed("recommendations")
            .iter()
            .any(|r| r["rule"] == "share.drop")
}

/// Both parties agree their exception rules over HTTP: the manufacturer proposes a
/// share-drop threshold of 3 points, which changes nothing until the distributor chooses
/// the same; then the 1.79-point drop of 2008-Q2 is no exception and no recommendation
/// any more, and evaluation restates the market report it had issued with the drop.
#[test]
fn the_parties_agree_their_exception_rules_and_the_reports_follow_them() {
    let Signed {
        _dir,
        data: _,
        clock,
        running,
        addr,
        m,
        d,
    } = signed("2007-12-20", "2007-12-18");
    let json_kind = "application/json";
    // Q1: 9,000 of 30,600 cases (29.41 %); Q2: 8,700 of 31,500 (27.62 %), 1.79 points less.
    for (month, volume, sent) in [
        ("2008-01", 3_000, "2008-02-05"),
        ("2008-02", 3_000, "2008-03-05"),
        ("2008-03", 3_000, "2008-04-05"),
        ("2008-04", 2_900, "2008-05-05"),
        ("2008-05", 2_900, "2008-06-05"),
        ("2008-06", 2_900, "2008-07-05"),
    ] {
        set_clock(&clock, sent);
        post(
            &addr,
            &format!("/v1/partnerships/{P}/market-data"),
            &d,
            "text/csv",
            &month_csv(month.parse().unwrap(), volume),
        );
    }
    let q2 = ("market".to_owned(), "2008-Q2".parse().unwrap());
    wait_for(&addr, &m, std::slice::from_ref(&q2), 1);
    let review = format!("/v1/partnerships/{P}/reports/review/2008-Q2");
    let market = format!("/v1/partnerships/{P}/reports/market/2008-Q2");
    let issued_v1 = get(&addr, &format!("{market}/versions/1"), &m);
    assert!(names_share_drop(&issued_v1), "{issued_v1}");
    assert!(names_share_drop(&get(&addr, &review, &d)));

    let rules = format!("/v1/partnerships/{P}/exception-rules");
    let agreed = get(&addr, &rules, &d);
    assert_eq!(agreed["in_force"]["rules"]["share_drop_points"], "1.00");
    assert_eq!(agreed["in_force"]["set"], Value::Null, "the defaults hold");
    let proposed = post(
        &addr,
        &rules,
        &m,
        json_kind,
        r#"{"share_drop_points": "3"}"#,
    );
    assert_eq!(proposed["events"], json!(["ExceptionRulesProposed"]));
    let agreed = get(&addr, &rules, &d);
    assert_eq!(agreed["pending"]["proposed_by"], "manufacturer", "{agreed}");
    assert_eq!(agreed["pending"]["rules"]["share_drop_points"], "3.00");
    assert_eq!(agreed["pending"]["proposed"]["org"], "hongyun");
    assert_eq!(agreed["in_force"]["rules"]["share_drop_points"], "1.00");
    assert!(
        names_share_drop(&get(&addr, &review, &d)),
        "a proposal binds nobody"
    );

    // Bad thresholds are refused naming the field, and record nothing.
    for (body, rule, field) in [
        (
            r#"{"price_index_low": "110"}"#,
            "exception_rules.price_band_empty",
            "price_index_low",
        ),
        (
            r#"{"share_drop_points": "-1"}"#,
            "invalid",
            "share_drop_points",
        ),
    ] {
        let (status, text) = http(&addr, "POST", &rules, &d, json_kind, body);
        assert_eq!(status, 422, "{body}: {text}");
        let refusal: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(refusal["field"], field, "{refusal}");
        assert!(
            refusal["rule"] == rule || refusal["code"] == rule,
            "{refusal}"
        );
    }
    assert_eq!(
        get(&addr, &rules, &d)["pending"]["proposed_by"],
        "manufacturer"
    );

    let set = post(
        &addr,
        &rules,
        &d,
        json_kind,
        r#"{"share_drop_points": "3.00"}"#,
    );
    assert_eq!(set["events"], json!(["ExceptionRulesSet"]), "{set}");
    let agreed = get(&addr, &rules, &m);
    assert_eq!(agreed["in_force"]["rules"]["share_drop_points"], "3.00");
    assert_eq!(agreed["in_force"]["set"]["org"], "changzhi", "{agreed}");
    assert_eq!(agreed["pending"], Value::Null);
    assert!(!names_share_drop(&get(&addr, &review, &m)));
    assert!(!names_share_drop(&get(&addr, &market, &m)));

    // The issued market report named the drop: evaluation restates it by itself.
    wait_for(&addr, &m, std::slice::from_ref(&q2), 2);
    let issued_v2 = get(&addr, &format!("{market}/versions/2"), &m);
    assert!(!names_share_drop(&issued_v2), "{issued_v2}");
    let listed = get(&addr, &format!("{market}/versions"), &m);
    assert_eq!(listed[1]["issued_by"], "scheduler", "{listed}");
    assert!(
        listed[1]["restatements"]
            .as_array()
            .unwrap()
            .contains(&json!({"key": "recommendations[share.drop].rule",
                              "previous": "share.drop", "current": null})),
        "{listed}"
    );
    stop(running);
}

/// Every alert event of the log as words → times recorded.
fn alert_events(data: &Path) -> BTreeMap<String, usize> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let local = Local::open_embedded(data, Arc::new(SystemClock)).unwrap();
        let mut out = BTreeMap::new();
        for stored in local.log().read_matching(Filter::ALL).await.unwrap() {
            for e in &stored.commit.events {
                let words = match &e.event {
                    Event::Evaluation(EvaluationEvent::ExceptionRaised {
                        period,
                        rule,
                        subject,
                        ..
                    }) => format!("raised {period} {rule} {subject}"),
                    Event::Evaluation(EvaluationEvent::ExceptionCleared {
                        period,
                        rule,
                        subject,
                    }) => format!("cleared {period} {rule} {subject}"),
                    Event::Evaluation(EvaluationEvent::DataReminder { month, .. }) => {
                        format!("reminder {month}")
                    }
                    _ => continue,
                };
                *out.entry(words).or_insert(0) += 1;
            }
        }
        out
    })
}

/// Polls the alerts read until `done` holds of it.
fn alerts_until(addr: &str, token: &str, done: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let read = get(addr, &format!("/v1/partnerships/{P}/alerts"), token);
        if done(&read) {
            return read;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the alerts never got there: {read}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The acceptance of alerts: a correction that moves May's share across the rule raises
/// the exception once for the partnership and its brand, a correction back clears it, and
/// a restart on read models deleted (rebuilt from the log) records nothing again. The
/// events are counted in the log once `up` has stopped, and read back in `history` and
/// `show alerts`.
#[test]
fn a_correction_across_the_threshold_alerts_once_and_a_rebuild_alerts_nothing() {
    let Signed {
        _dir,
        data,
        clock,
        running,
        addr,
        m,
        d,
    } = signed("2008-03-20", "2008-03-11");
    let market_data = format!("/v1/partnerships/{P}/market-data");
    // Each sent on the 4th, before the days a missing month is reminded.
    for (month, sent) in [
        ("2008-03", "2008-04-04"),
        ("2008-04", "2008-05-04"),
        ("2008-05", "2008-06-04"),
    ] {
        set_clock(&clock, sent);
        post(
            &addr,
            &market_data,
            &d,
            "text/csv",
            &month_csv(month.parse().unwrap(), 1_000),
        );
    }
    set_clock(&clock, "2008-06-20");
    let may: YearMonth = "2008-05".parse().unwrap();
    wait_for(&addr, &m, &[("market".to_owned(), Period::Month(may))], 1);
    std::thread::sleep(Duration::from_secs(1));
    let quiet = get(&addr, &format!("/v1/partnerships/{P}/alerts"), &m);
    assert_eq!(quiet["log"], json!([]), "nothing fires before: {quiet}");
    // The manufacturer's webhook, to a receiver that verifies every signature.
    let receiver = Receiver::start(Mode::Accept);
    let hook = post(
        &addr,
        "/v1/webhooks",
        &m,
        "application/json",
        &json!({"partnership": P, "url": receiver.url("/hook")}).to_string(),
    );
    receiver.secrets.lock().unwrap().insert(
        "/hook".to_owned(),
        hook["secret"].as_str().unwrap().to_owned(),
    );

    // 1,000 of 10,500 cases is 9.52 %; 800 is 7.62 %: 1.90 points down on April's 9.62 %.
    post(
        &addr,
        &format!("{market_data}?reason=recount"),
        &d,
        "text/csv",
        &month_csv(may, 800),
    );
    let raised = alerts_until(&addr, &m, |a| a["open"].as_array().unwrap().len() == 2);
    let subjects: Vec<&str> = raised["open"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            assert_eq!(
                (&a["period"], &a["rule"]),
                (&json!("2008-05"), &json!("share_down"))
            );
            a["subject"].as_str().unwrap()
        })
        .collect();
    assert_eq!(subjects, ["brand:hongyun", "partnership"]);

    post(
        &addr,
        &format!("{market_data}?reason=recount%20again"),
        &d,
        "text/csv",
        &month_csv(may, 1_000),
    );
    let cleared = alerts_until(&addr, &m, |a| a["open"] == json!([]));
    assert_eq!(cleared["log"].as_array().unwrap().len(), 4, "{cleared}");
    // The webhook got each of the four once, signed.
    receiver.wait_for("the four alerts", |r| r.counts("/hook").0 == 4);
    let delivered = |receiver: &Receiver| {
        let seen = receiver.seen.lock().unwrap();
        assert_eq!(seen.bad_signatures, 0);
        let mut told: Vec<String> = seen
            .bodies
            .iter()
            .map(|b| {
                format!(
                    "{} {} {} {}",
                    b["type"].as_str().unwrap(),
                    b["data"]["period"].as_str().unwrap(),
                    b["data"]["rule"].as_str().unwrap(),
                    b["data"]["subject"].as_str().unwrap()
                )
            })
            .collect();
        told.sort();
        told
    };
    let heard = [
        "ExceptionCleared 2008-05 share_down brand:hongyun",
        "ExceptionCleared 2008-05 share_down partnership",
        "ExceptionRaised 2008-05 share_down brand:hongyun",
        "ExceptionRaised 2008-05 share_down partnership",
    ];
    assert_eq!(delivered(&receiver), heard);
    assert_eq!(receiver.counts("/hook"), (4, 4), "each once");
    let trail = get(
        &addr,
        &format!("/v1/partnerships/{P}/history?aggregate=alerts"),
        &m,
    );
    let told: Vec<&str> = trail["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        told,
        [
            "ExceptionRaised",
            "ExceptionRaised",
            "ExceptionCleared",
            "ExceptionCleared"
        ]
    );
    assert!(
        trail["entries"][1]["what"]
            .as_str()
            .unwrap()
            .contains("volume share fell from 9.62 % to 7.62 %"),
        "{trail}"
    );
    stop(running);
    let before = alert_events(&data);

    // The read models deleted: rebuilt from the log at start, judged again, nothing new.
    std::fs::remove_dir_all(data.join("views")).unwrap();
    let again = up(&data, &clock);
    wait_for(
        &again.addr,
        &m,
        &[("market".to_owned(), Period::Month(may))],
        2,
    );
    get(
        &again.addr,
        &format!("/v1/partnerships/{P}/reports/market/2008-05"),
        &m,
    );
    std::thread::sleep(Duration::from_secs(3));
    stop(again);
    let after = alert_events(&data);
    assert_eq!(after, before);
    // Nor does the webhook hear of them again.
    assert_eq!(delivered(&receiver), heard);
    assert_eq!(receiver.counts("/hook"), (4, 4));
    assert_eq!(
        after,
        BTreeMap::from([
            ("cleared 2008-05 share_down brand:hongyun".to_owned(), 1),
            ("cleared 2008-05 share_down partnership".to_owned(), 1),
            ("raised 2008-05 share_down brand:hongyun".to_owned(), 1),
            ("raised 2008-05 share_down partnership".to_owned(), 1),
        ])
    );

    let shown = Command::new(env!("CARGO_BIN_EXE_synergy"))
        .args([
            "--data",
            data.to_str().unwrap(),
            "show",
            "alerts",
            "--partnership",
            P,
        ])
        .output()
        .unwrap();
    assert!(shown.status.success(), "{shown:?}");
    let shown: Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(shown["log"].as_array().unwrap().len(), 4, "{shown}");
    assert_eq!(shown["open"], json!([]));
}
