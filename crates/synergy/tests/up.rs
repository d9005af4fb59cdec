//! `synergy up --demo` as a user starts it: one process, the embedded log, the HTTP API.
//! Reads the printed address and first-start admin token, asks for the demo's report over
//! HTTP, and stops the process with SIGTERM.

use std::time::{Duration, Instant};

mod common;

use common::{Up, exchange, http, synergy, token};

/// GETs `path` with the bearer `token` and the `X-Act-As` organisation, if any.
fn get(addr: &str, path: &str, token: Option<&str>, act_as: Option<&str>) -> (u16, String) {
    let auth = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = [("Authorization", auth.as_deref()), ("X-Act-As", act_as)]
        .into_iter()
        .filter_map(|(name, value)| Some((name, value?)))
        .collect();
    let answer = exchange(addr, "GET", path, &headers, "");
    (answer.status, answer.text())
}

/// GETs `path` with `token`, expecting `status`; the body.
fn expect(addr: &str, path: &str, token: &str, status: u16) -> String {
    let (got, body) = get(addr, path, Some(token), None);
    assert_eq!(got, status, "GET {path}: {body}");
    body
}

/// POSTs a JSON body with `token`.
fn post(addr: &str, path: &str, token: &str, body: &str) -> (u16, String) {
    http(addr, "POST", path, token, body)
}

/// POSTs `body` as JSON with `token`.
fn post_json(addr: &str, path: &str, token: &str, body: &serde_json::Value) -> (u16, String) {
    post(addr, path, token, &body.to_string())
}

/// The distributor's analysis over HTTP: the demo's in the read and the H1 pack; a new
/// one posted (hostile Markdown among it), refused to the manufacturer, for a half and as
/// an unexplained revision, then revised with a reason and shown escaped in the HTML pack.
#[test]
fn up_takes_the_distributors_analysis_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let up = Up::demo(dir.path());
    let addr = up.addr.as_str();
    let distributor = token(dir.path(), "changzhi-tobacco", "distributor");
    let manufacturer = token(dir.path(), "hongyun", "manufacturer");
    let base = "/v1/partnerships/hongyun-changzhi";

    let (status, body) = get(
        addr,
        &format!("{base}/analyses/2008-H1"),
        Some(&manufacturer),
        None,
    );
    assert_eq!(status, 200, "{body}");
    let shown: serde_json::Value = serde_json::from_str(&body).unwrap();
    let summary: Vec<_> = shown
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["period"].clone(), a["revision"].clone()))
        .collect();
    assert_eq!(
        summary,
        [("2008-05".into(), 1.into()), ("2008-Q2".into(), 2.into())],
        "{body}"
    );
    let pack = format!("{base}/reports/review/2008-H1?format=json&as_of=2008-07-15");
    let (status, body) = get(addr, &pack, Some(&manufacturer), None);
    assert_eq!(status, 200, "{body}");
    let pack: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        pack["distributor_analysis"][1]["period"], "2008-Q2",
        "{pack:#}"
    );
    assert_eq!(pack["distributor_analysis"][1]["revision"], 2, "{pack:#}");

    let july = format!("{base}/analyses/2008-07");
    let text = "## 七月\n\n<script>alert('x')</script> 終端 & 價格";
    let (status, body) = post_json(
        addr,
        &july,
        &manufacturer,
        &serde_json::json!({"text": text}),
    );
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("the distributor's task"), "{body}");
    let (status, body) = post_json(
        addr,
        &july,
        &distributor,
        &serde_json::json!({"text": text}),
    );
    assert_eq!(status, 201, "{body}");
    let (status, body) = post_json(
        addr,
        &july,
        &distributor,
        &serde_json::json!({"text": text}),
    );
    assert_eq!(status, 200, "the same text again changes nothing: {body}");
    let (status, body) = post_json(
        addr,
        &format!("{base}/analyses/2008-H2"),
        &distributor,
        &serde_json::json!({"text": text}),
    );
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains("analysis.month_or_quarter") && body.contains("\"field\":\"period\""),
        "{body}"
    );
    let revised = format!("{text}\n\n補充：七月上旬銷量回升");
    let (status, body) = post_json(
        addr,
        &july,
        &distributor,
        &serde_json::json!({"text": revised}),
    );
    assert_eq!(status, 409, "{body}");
    assert!(
        body.contains("analysis.revision_needs_reason") && body.contains("\"field\":\"reason\""),
        "{body}"
    );
    let (status, body) = post_json(
        addr,
        &july,
        &distributor,
        &serde_json::json!({"text": "析".repeat(20_001), "reason": "長"}),
    );
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("analysis.text_too_long"), "{body}");
    let (status, body) = post_json(
        addr,
        &july,
        &distributor,
        &serde_json::json!({"text": revised, "reason": "補充七月上旬銷量"}),
    );
    assert_eq!(status, 201, "{body}");

    let (status, body) = get(addr, &july, Some(&distributor), None);
    assert_eq!(status, 200, "{body}");
    let shown: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(shown[0]["revision"], 2, "{body}");
    assert_eq!(shown[0]["reason"], "補充七月上旬銷量", "{body}");
    assert_eq!(shown[0]["text"], revised.as_str(), "{body}");

    let (status, html) = get(
        addr,
        &format!("{base}/reports/review/2008-07?format=html"),
        Some(&manufacturer),
        None,
    );
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; 終端 &amp; 價格"),
        "{html}"
    );
    assert!(!html.contains("<script"), "{html}");
    up.stop();
}

#[test]
fn up_serves_the_demo_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let up = Up::demo(dir.path());
    let (addr, admin) = (up.addr.clone(), up.admin());

    assert_eq!(get(&addr, "/healthz", None, None).0, 200);
    let (status, metrics) = get(&addr, "/metrics", Some(&admin), None);
    assert_eq!(status, 200, "{metrics}");
    assert!(
        metrics.contains("synergy_evaluation_consumer_lag_commits"),
        "{metrics}"
    );
    let path =
        "/v1/partnerships/hongyun-changzhi/reports/market/2008-H1?format=json&as_of=2008-07-15";
    assert_eq!(get(&addr, path, None, None).0, 401, "no token, no report");
    let (status, body) = get(&addr, path, Some(&admin), Some("hongyun"));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"volume_share_pct\":22.63"), "{body}");

    // A token made by the CLI while the gateway runs works at once.
    let distributor = token(dir.path(), "changzhi-tobacco", "distributor");
    expect(&addr, path, &distributor, 200);

    // The share-gap planner over HTTP: 2008-H2 at the plan's 27 % share (docs/kpis.md).
    let plan = "/v1/partnerships/hongyun-changzhi/plan-gap/2008-H2?target_share_pct=27.00";
    let body = expect(&addr, plan, &distributor, 200);
    assert!(body.contains("\"gap_cases\":764.999"), "{body}");
    assert!(body.contains("\"base_period\":\"2007-H2\""), "{body}");
    let body = expect(&addr, &format!("{plan}&format=md"), &distributor, 200);
    assert!(body.contains("**764.999 cases**"), "{body}");
    let begun = "/v1/partnerships/hongyun-changzhi/plan-gap/2008-H1?target_share_pct=27";
    let body = expect(&addr, begun, &distributor, 409);
    assert!(body.contains("planner.period_not_ahead"), "{body}");
    let zero = "/v1/partnerships/hongyun-changzhi/plan-gap/2008-H2?target_share_pct=0";
    let body = expect(&addr, zero, &distributor, 422);
    assert!(body.contains("planner.target_share_invalid"), "{body}");
    let (status, body) = get(
        &addr,
        "/v1/partnerships/hongyun-changzhi/plan-gap/2008-H2",
        Some(&distributor),
        None,
    );
    assert_eq!(status, 400, "a target share is required: {body}");

    // 創值 over HTTP: the demo campaign promised 300 cases of 紅雲(硬) over March–May 2008.
    // A = 482 + 497 + 489 = 1,468; B = (355 + 327 + 349) × 28,700 ÷ 26,387 = 1,121.374…;
    // R = 346.626 (rounded once); 346.626… ÷ 300 = 115.54 %: kept.
    let campaign = "/v1/partnerships/hongyun-changzhi/campaigns/hongyun-hard-spring-2008";
    let body = expect(
        &addr,
        &format!("{campaign}/value-realised?as_of=2008-07-15"),
        &distributor,
        200,
    );
    for figure in [
        "\"actual_cases\":1468,",
        "\"baseline_cases\":1121.374,",
        "\"realised_cases\":346.626,",
        "\"uplift_cases\":300,",
        "\"realisation_pct\":115.54,",
        "\"kept\":true",
    ] {
        assert!(body.contains(figure), "{figure} in {body}");
    }
    let body = expect(&addr, campaign, &distributor, 200);
    assert!(
        body.contains("\"first_month\":\"2008-03\""),
        "the campaign read shows the promise: {body}"
    );
    let (status, body) = get(
        &addr,
        "/v1/partnerships/hongyun-changzhi/campaigns/no-such/value-realised",
        Some(&distributor),
        None,
    );
    assert_eq!(status, 404, "a campaign that does not exist: {body}");

    // 提升 over HTTP: the distributor dismisses H1's data.late recommendation with a
    // reason; the pack shows it; a second decision is refused.
    let dismissals = "/v1/partnerships/hongyun-changzhi/recommendations/2008-H1/dismissals";
    let dismissal =
        r#"{"rule": "data.late", "reason": "March was late once; April to June were on time"}"#;
    let (status, body) = post(&addr, dismissals, &distributor, dismissal);
    assert_eq!(status, 201, "{body}");
    let (status, body) = post(&addr, dismissals, &distributor, dismissal);
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("recommendation.decided_once"), "{body}");
    let (status, body) = post(
        &addr,
        dismissals,
        &distributor,
        r#"{"rule": "data.late", "sku": "hongyun-soft", "reason": "x"}"#,
    );
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("\"field\":\"sku\""), "{body}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let body = expect(
            &addr,
            "/v1/partnerships/hongyun-changzhi/reports/review/2008-H1?format=json",
            &distributor,
            200,
        );
        if body.contains("\"status\":\"dismissed\"") {
            assert!(body.contains("April to June were on time"), "{body}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the pack never showed the dismissal: {body}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    // The token files are the owner's alone, the key apart from the records; the list
    // says when each token expires.
    {
        use std::os::unix::fs::PermissionsExt;
        for name in ["tokens.json", "tokens.key"] {
            let mode = std::fs::metadata(dir.path().join(name))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{name}");
        }
        let records = std::fs::read_to_string(dir.path().join("tokens.json")).unwrap();
        let key = std::fs::read_to_string(dir.path().join("tokens.key")).unwrap();
        assert!(
            !records.contains(key.trim()),
            "the key sits beside the hashes"
        );
    }
    let listed = synergy(dir.path(), &["token", "list"]);
    let listed = String::from_utf8(listed.stdout).unwrap();
    assert!(
        listed.contains("changzhi-tobacco") && listed.contains("expires 20"),
        "{listed}"
    );

    // Each synergy's own reads: the demo's June market data, as the distributor sent it.
    let body = expect(
        &addr,
        "/v1/partnerships/hongyun-changzhi/market-data?period=2008-06",
        &distributor,
        200,
    );
    assert!(
        body.starts_with("[{") && body.contains("\"month\":\"2008-06\""),
        "{body}"
    );
    let (status, body) = get(
        &addr,
        "/v1/partnerships/hongyun-changzhi/market-data?period=2008-06",
        None,
        None,
    );
    assert_eq!(status, 401, "no token, no reads: {body}");

    // SIGTERM: a graceful stop.
    up.stop();
}

/// GETs `path` with `token` and extra `headers`: the status, the content type and the
/// body's bytes.
fn get_bytes(
    addr: &str,
    path: &str,
    token: &str,
    headers: &[(&str, &str)],
) -> (u16, String, Vec<u8>) {
    let auth = format!("Bearer {token}");
    let headers = [&[("Authorization", auth.as_str())][..], headers].concat();
    let answer = exchange(addr, "GET", path, &headers, "");
    (answer.status, answer.content_type, answer.body)
}

/// Reports over HTTP as people take them away: a workbook, a CSV with a BOM, the three
/// languages (`?lang=`, else `Accept-Language`), and an issued version in every format.
#[test]
fn up_serves_reports_as_workbooks_csv_for_excel_and_in_three_languages() {
    use calamine::{Data, Reader, Xlsx};

    let dir = tempfile::tempdir().unwrap();
    let up = Up::demo(dir.path());
    let addr = up.addr.clone();
    let distributor = token(dir.path(), "changzhi-tobacco", "distributor");
    let manufacturer = token(dir.path(), "hongyun", "manufacturer");
    let base = "/v1/partnerships/hongyun-changzhi/reports/market/2008-H1";
    let live = |query: &str| format!("{base}?as_of=2008-07-15&{query}");

    let (status, media, body) = get_bytes(&addr, &live("format=xlsx"), &distributor, &[]);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(
        media,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let mut book = Xlsx::new(std::io::Cursor::new(body)).unwrap();
    let kpis = book.worksheet_range("关键指标").unwrap();
    assert_eq!(kpis.get_value((0, 0)), Some(&Data::String("指标".into())));
    assert_eq!(kpis.get_value((1, 1)), Some(&Data::Float(15300.0)));

    let (status, media, csv) = get_bytes(&addr, &live("format=csv&bom=true"), &distributor, &[]);
    assert_eq!(status, 200);
    assert!(media.starts_with("text/csv"), "{media}");
    assert!(csv.starts_with(b"\xEF\xBB\xBFscope,id,key,value\n"));
    let (status, _, refused) = get_bytes(&addr, &live("format=md&bom=true"), &distributor, &[]);
    assert_eq!(status, 422, "{}", String::from_utf8_lossy(&refused));
    assert!(String::from_utf8_lossy(&refused).contains("\"field\":\"bom\""));
    assert!(String::from_utf8_lossy(&refused).contains("\"rule\":\"report.bom_only_for_csv\""));

    let md = |query: &str, headers: &[(&str, &str)]| {
        let (status, _, body) = get_bytes(&addr, &live(query), &distributor, headers);
        assert_eq!(status, 200);
        String::from_utf8(body).unwrap()
    };
    assert!(md("format=md", &[]).starts_with("# 市场分析"));
    assert!(md("format=md&lang=zh-TW", &[]).starts_with("# 市場分析"));
    assert!(md("format=md&lang=en", &[]).starts_with("# Market report"));
    let accept = [("Accept-Language", "fr-FR, en;q=0.8, zh-TW;q=0.5")];
    assert!(md("format=md", &accept).starts_with("# Market report"));
    // `?lang=` wins over the header.
    assert!(md("format=md&lang=zh-CN", &accept).starts_with("# 市场分析"));
    let (status, _, _) = get_bytes(&addr, &live("format=md&lang=fr"), &distributor, &[]);
    assert_eq!(status, 400, "no such language");

    // A version issued by the manufacturer, read back in every format. Evaluation issues
    // the complete 2008-H1 by itself too (docs/reports.md), as of today, so the
    // manufacturer's is version 1 or 2, whichever came second.
    let (status, issued) = post(
        &addr,
        &format!("{base}/issues"),
        &manufacturer,
        r#"{"as_of":"2008-07-15"}"#,
    );
    assert_eq!(status, 201, "{issued}");
    let issued: serde_json::Value = serde_json::from_str(&issued).unwrap();
    let n = issued["version"].as_u64().unwrap();
    let version = |query: &str| {
        let (status, media, body) = get_bytes(
            &addr,
            &format!("{base}/versions/{n}?{query}"),
            &distributor,
            &[],
        );
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        (media, body)
    };
    let (media, json) = version("");
    assert_eq!(media, "application/json");
    assert!(String::from_utf8_lossy(&json).contains(&format!("\"version\":{n}")));
    let (media, html) = version("format=html&lang=en");
    assert!(media.starts_with("text/html"), "{media}");
    let html = String::from_utf8(html).unwrap();
    assert!(
        html.contains("<h1>Market report — hongyun-changzhi — 2008-H1</h1>"),
        "{html}"
    );
    assert!(
        html.contains(&format!("version {n} · as of 2008-07-15")),
        "{html}"
    );
    let (_, md) = version("format=md");
    assert!(
        String::from_utf8(md)
            .unwrap()
            .contains(&format!("第 {n} 版"))
    );
    let (_, csv) = version("format=csv&bom=true");
    assert!(csv.starts_with(b"\xEF\xBB\xBFscope,id,key,value\n"));
    let (media, xlsx) = version("format=xlsx");
    assert!(media.contains("spreadsheetml"), "{media}");
    assert!(xlsx.starts_with(b"PK\x03\x04"));
    up.stop();
}

/// Whether a 200 schema says what the answer is: a named schema, a typed list of them, or
/// a type other than a free-form object. `serde_json::Value` would document `{}`.
fn typed(schema: &serde_json::Value) -> bool {
    if schema.get("$ref").is_some() {
        return true;
    }
    match schema.get("type").and_then(|t| t.as_str()) {
        Some("array") => schema.get("items").is_some_and(typed),
        Some("object") => schema.get("properties").is_some(),
        Some(_) => true,
        None => false,
    }
}

/// Every read of the five contexts documents a typed answer, and what the real binary
/// answers over the demo's data is valid against that schema of the document it serves:
/// the document cannot say one thing while the reads write another.
#[test]
fn every_read_answers_with_the_schema_its_document_states() {
    use serde_json::{Value, json};

    let dir = tempfile::tempdir().unwrap();
    let up = Up::demo(dir.path());
    let addr = up.addr.clone();
    let m = token(dir.path(), "hongyun", "manufacturer");
    let d = token(dir.path(), "changzhi-tobacco", "distributor");
    let p = "/v1/partnerships/hongyun-changzhi";

    // What the demo does not hold, so that no read answers an empty list or a 404.
    for (path, who, body) in [
        (
            "/brands/hongyun/evaluations",
            &m,
            json!({"period": "2008-H1", "overall": 80}),
        ),
        (
            "/culture-activities",
            &m,
            json!({"brand": "hongyun", "kind": "factory_visit", "title": "紅雲工廠參觀",
                   "held_on": "2008-05-20", "participants": 12}),
        ),
        (
            "/support-requests",
            &d,
            json!({"request": "r1", "title": "POS materials", "severity": "normal"}),
        ),
        ("/support-requests/r1/acknowledgement", &m, json!({})),
        (
            "/exception-rules",
            &m,
            json!({"max_stock_to_sales": "2.00"}),
        ),
    ] {
        let (status, answer) = post_json(&addr, &format!("{p}{path}"), who, &body);
        assert_eq!(status, 201, "POST {path}: {answer}");
    }

    let doc: Value = serde_json::from_str(&expect(&addr, "/openapi.json", &m, 200)).unwrap();
    let args: &[(&str, &str)] = &[
        ("{id}", "hongyun-changzhi"),
        ("{plan}", "changzhi-2008-2010"),
        ("{year}", "2008"),
        ("{period}", "2008-H1"),
        ("{campaign}", "hongyun-hard-spring-2008"),
        ("{brand}", "hongyun"),
        ("{sku}", "hongyun-hard"),
        ("{month}", "2008-05"),
        ("{order}", "order-2008-05"),
        ("{meeting}", "review-2008-h1"),
        ("{item}", "ai-2008-07-outlets"),
        ("{request}", "r1"),
    ];
    let contexts = ["strategy", "marketing", "brand", "information", "support"];
    let mut checked = Vec::new();
    for (template, item) in doc["paths"].as_object().expect("paths") {
        let Some(op) = item.get("get") else { continue };
        // Evaluation's reads are typed like the contexts' (its versions need a version
        // issued, which `up_demo` leaves to the scheduler's timing): the reports of every
        // kind, the plan gap of the half after the demo's data, the demo campaign's
        // value realised and the alerts.
        let evaluation = [
            "/v1/partnerships/{id}/exception-rules",
            "/v1/partnerships/{id}/alerts",
            "/v1/partnerships/{id}/reports/{kind}/{period}",
            "/v1/partnerships/{id}/plan-gap/{period}",
            "/v1/partnerships/{id}/campaigns/{campaign}/value-realised",
        ];
        if !contexts.contains(&op["tags"][0].as_str().unwrap_or_default())
            && !evaluation.contains(&template.as_str())
        {
            continue;
        }
        let schema = &op["responses"]["200"]["content"]["application/json"]["schema"];
        assert!(
            typed(schema),
            "GET {template}: a free-form answer: {schema}"
        );

        let requests: Vec<String> = match template.as_str() {
            "/v1/partnerships/{id}/reports/{kind}/{period}" => {
                ["market", "brand", "scorecard", "review"]
                    .iter()
                    .map(|kind| template.replace("{kind}", kind))
                    .collect()
            }
            "/v1/partnerships/{id}/plan-gap/{period}" => {
                vec![template.replace("{period}", "2008-H2") + "?target_share_pct=27"]
            }
            _ => vec![template.clone()],
        };
        for path in requests {
            let path = args
                .iter()
                .fold(path, |path, (name, value)| path.replace(name, value));
            assert!(!path.contains('{'), "no demo value for {path}");
            let body = expect(&addr, &path, &m, 200);
            let answer: Value = serde_json::from_str(&body).unwrap();
            assert!(
                answer.as_array().is_none_or(|a| !a.is_empty()),
                "GET {path}: an empty list checks nothing of its items"
            );
            // The schema's references point into the document's components.
            let mut root = schema.clone();
            root["components"] = doc["components"].clone();
            let validator = jsonschema::options()
                .should_validate_formats(true)
                .build(&root)
                .unwrap_or_else(|e| panic!("GET {template}: the schema does not compile: {e}"));
            let errors: Vec<String> = validator
                .iter_errors(&answer)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect();
            assert!(
                errors.is_empty(),
                "GET {path}: the answer is not what /openapi.json says:\n{}\n{body}",
                errors.join("\n")
            );
            // And the schema is no blank cheque: an answer without the fields it names fails.
            let hollow = if answer.is_array() {
                json!([{}])
            } else {
                json!({})
            };
            assert!(
                !validator.is_valid(&hollow),
                "GET {template}: {hollow} passes the schema {schema}"
            );
            checked.push(path);
        }
    }
    // The 23 reads of the five contexts in `reads.rs`, the partnership, the catalogue, the
    // exception rules, the alerts, the caller's partnerships and the partnership's history;
    // the four kinds of report, the plan gap and value realised.
    assert_eq!(
        checked.len(),
        35,
        "every read of the five contexts: {checked:?}"
    );
    up.stop();
}

/// The caller's partnerships and portfolio over HTTP: its own only, the admin's for the
/// organisation it acts for, each answer as `/openapi.json` states it.
#[test]
fn the_callers_partnerships_and_portfolio_are_its_own() {
    use serde_json::{Value, json};

    let dir = tempfile::tempdir().unwrap();
    let up = Up::demo(dir.path());
    let (addr, admin) = (up.addr.clone(), up.admin());
    let m = token(dir.path(), "hongyun", "manufacturer");
    let d = token(dir.path(), "changzhi-tobacco", "distributor");
    let outsider = token(dir.path(), "yuxi", "manufacturer");

    // Hongyun proposes a second partnership; until Xi'an accepts it, it is proposed.
    let (status, body) = post_json(
        &addr,
        "/v1/partnerships",
        &m,
        &json!({"partnership": "hongyun-xian", "manufacturer": "hongyun",
                "distributor": "xian-tobacco", "region": "西安", "signed_on": "2008-01-15"}),
    );
    assert_eq!(status, 201, "{body}");
    let list: Value = serde_json::from_str(&expect(&addr, "/v1/partnerships", &m, 200)).unwrap();
    assert_eq!(
        list,
        json!({"partnerships": [
            {"partnership": "hongyun-changzhi", "status": "signed", "manufacturer": "hongyun",
             "distributor": "changzhi-tobacco", "counterparty": "changzhi-tobacco",
             "region": "山西省長治市", "signed_on": "2007-12-18", "terminated_on": null,
             "time_zone": "Asia/Shanghai"},
            {"partnership": "hongyun-xian", "status": "proposed", "manufacturer": "hongyun",
             "distributor": "xian-tobacco", "counterparty": "xian-tobacco", "region": "西安",
             "signed_on": "2008-01-15", "terminated_on": null, "time_zone": "Asia/Shanghai"},
        ]})
    );
    // The distributor sees its own only; an outsider nothing; an admin what it acts for.
    let list: Value = serde_json::from_str(&expect(&addr, "/v1/partnerships", &d, 200)).unwrap();
    assert_eq!(list["partnerships"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["partnerships"][0]["counterparty"], "hongyun");
    assert_eq!(
        expect(&addr, "/v1/partnerships", &outsider, 200),
        r#"{"partnerships":[]}"#
    );
    let (status, body) = get(
        &addr,
        "/v1/partnerships",
        Some(&admin),
        Some("xian-tobacco"),
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""status":"proposed""#), "{body}");
    assert_eq!(get(&addr, "/v1/partnerships", None, None).0, 401);

    let path = "/v1/portfolio?period=2008-H1";
    let body = expect(&addr, path, &m, 200);
    let portfolio: Value = serde_json::from_str(&body).unwrap();
    // A proposal binds nobody: only the signed partnership is in force.
    assert_eq!(
        portfolio["partnerships"].as_array().unwrap().len(),
        1,
        "{body}"
    );
    assert_eq!(portfolio["partnerships"][0]["rank"], 1);
    assert_eq!(
        portfolio["partnerships"][0]["kpis"]["volume_share_pct"],
        json!(22.63)
    );
    assert_eq!(portfolio["totals"]["volume_share_pct"], json!(22.63));
    assert_eq!(portfolio["totals"]["volume_cases"], json!(15300));
    let doc: Value = serde_json::from_str(&expect(&addr, "/openapi.json", &m, 200)).unwrap();
    let mut root =
        doc["paths"]["/v1/portfolio"]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"]
            .clone();
    root["components"] = doc["components"].clone();
    let validator = jsonschema::options().build(&root).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&portfolio)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}\n{body}");
    assert!(!validator.is_valid(&json!({})));

    let distributor: Value = serde_json::from_str(&expect(&addr, path, &d, 200)).unwrap();
    assert_eq!(distributor["partnerships"][0]["counterparty"], "hongyun");
    assert_eq!(
        expect(&addr, path, &outsider, 200),
        r#"{"org":"yuxi","period":"2008-H1","partnerships":[],"totals":{"market_revenue_yuan":null,"market_volume_cases":null,"revenue_share_pct":null,"revenue_yoy_pct":null,"revenue_yuan":null,"volume_cases":null,"volume_share_pct":null,"volume_yoy_pct":null}}"#
    );
    let (status, body) = get(&addr, path, Some(&admin), Some("hongyun"));
    assert_eq!(status, 200, "{body}");
    assert!(body.starts_with(r#"{"org":"hongyun""#), "{body}");

    let md = expect(
        &addr,
        &format!("{path}&format=md&lang=en&rank_by=volume_cases"),
        &m,
        200,
    );
    assert!(md.starts_with("# Portfolio — hongyun — 2008-H1"), "{md}");
    assert!(md.contains("ranked by volume (cases)"), "{md}");
    let csv = expect(&addr, &format!("{path}&format=csv"), &m, 200);
    assert!(
        csv.contains("totals,hongyun,volume_share_pct,22.63"),
        "{csv}"
    );
    let body = expect(&addr, &format!("{path}&rank_by=volume_shares"), &m, 400);
    assert!(body.contains(r#""field":"rank_by""#), "{body}");
    assert!(body.contains("portfolio.rank_by_unknown"), "{body}");
    let body = expect(&addr, "/v1/portfolio?period=2008-H3", &m, 400);
    assert!(body.contains(r#""field":"period""#), "{body}");
    up.stop();
}

/// The audit trail over HTTP: who, when, what in real units and why, filtered and paged,
/// for the parties only.
#[test]
fn the_audit_trail_is_filtered_paged_and_for_the_parties_only() {
    use serde_json::Value;

    let dir = tempfile::tempdir().unwrap();
    let up = Up::demo(dir.path());
    let addr = up.addr.clone();
    let d = token(dir.path(), "changzhi-tobacco", "distributor");
    let outsider = token(dir.path(), "yuxi", "manufacturer");
    let base = "/v1/partnerships/hongyun-changzhi/history";

    let page: Value = serde_json::from_str(&expect(
        &addr,
        &format!("{base}?context=information&aggregate=market-data&limit=2"),
        &d,
        200,
    ))
    .unwrap();
    let entries = page["entries"].as_array().unwrap();
    assert!(!entries.is_empty(), "{page}");
    for e in entries {
        assert_eq!(e["context"], "information", "{e}");
        assert_eq!(e["aggregate"], "market-data", "{e}");
        assert_eq!(e["event"], "MarketDataSubmitted", "{e}");
        assert_eq!(e["org"], "changzhi-tobacco", "{e}");
        let what = e["what"].as_str().unwrap();
        assert!(what.contains(" cases") && what.contains(" 元"), "{what}");
        assert!(
            !what.contains("Cases(") && !what.contains("Yuan("),
            "{what}"
        );
    }
    // Two commits a page; the next page starts after the last one's position.
    let positions = |page: &Value| -> Vec<u64> {
        let mut p: Vec<u64> = page["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["position"].as_u64().unwrap())
            .collect();
        p.dedup();
        p
    };
    let first = positions(&page);
    assert_eq!(first.len(), 2, "{page}");
    let after = page["next_after"].as_u64().expect("more pages");
    assert_eq!(after, first[1]);
    let next: Value = serde_json::from_str(&expect(
        &addr,
        &format!("{base}?context=information&aggregate=market-data&limit=2&after={after}"),
        &d,
        200,
    ))
    .unwrap();
    assert!(positions(&next).iter().all(|p| *p > after), "{next}");

    // The reason an event carries (the demo's revised analysis) is its why.
    let all: Value =
        serde_json::from_str(&expect(&addr, &format!("{base}?limit=500"), &d, 200)).unwrap();
    assert!(all["next_after"].is_null(), "the demo fits one page");
    let why: Vec<&Value> = all["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["why"].is_string())
        .collect();
    assert!(!why.is_empty(), "{all}");
    assert!(
        why.iter()
            .all(|e| !e["what"].as_str().unwrap().contains("reason")),
        "the reason is the why, not part of the what: {why:?}"
    );
    // Days on the partnership's calendar: the demo records everything today, so a range
    // that ends before today holds nothing.
    let none = expect(&addr, &format!("{base}?to=2008-12-31"), &d, 200);
    assert_eq!(none, r#"{"entries":[],"next_after":null}"#);
    let md = expect(
        &addr,
        &format!("{base}?context=strategy&limit=1&format=md"),
        &d,
        200,
    );
    assert!(
        md.starts_with("| position | recorded (UTC) | who |"),
        "{md}"
    );
    assert!(md.contains("PartnershipSigned"), "{md}");
    assert!(md.contains("More after @1"), "{md}");

    let body = expect(&addr, &format!("{base}?limit=501"), &d, 400);
    assert!(body.contains(r#""field":"limit""#), "{body}");
    let body = expect(&addr, &format!("{base}?context=sales"), &d, 400);
    assert!(body.contains("context"), "{body}");
    // An outsider hears what it would of a partnership that does not exist.
    let body = expect(&addr, base, &outsider, 404);
    assert!(body.contains("partnership.must_exist"), "{body}");
    assert!(!body.contains("changzhi-tobacco"), "{body}");
    up.stop();
}

/// `up --model-cache 1`: with more partnerships than the cache holds, each partnership's
/// reports still come from its own model, read again from the store when it was dropped.
#[test]
fn more_partnerships_than_the_model_cache_holds_still_report_correctly() {
    use serde_json::{Value, json};

    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("up.log");
    let up = Up::start(
        dir.path(),
        &[
            "up",
            "--demo",
            "--addr",
            "127.0.0.1:0",
            "--model-cache",
            "1",
        ],
        &[("SYNERGY_LOG", "info")],
        Some(&log),
    );
    let opened = std::fs::read_to_string(&log).unwrap();
    assert!(opened.contains("model_cache=1"), "{opened}");
    let addr = up.addr.clone();
    let m = token(dir.path(), "hongyun", "manufacturer");
    let path =
        "/v1/partnerships/hongyun-changzhi/reports/market/2008-H1?format=json&as_of=2008-07-15";
    let before = expect(&addr, path, &m, 200);
    assert!(before.contains("\"volume_share_pct\":22.63"), "{before}");
    // Two more partnerships, each folded into a model of its own, push Changzhi's out.
    for (id, distributor) in [
        ("hongyun-xian", "xian-tobacco"),
        ("hongyun-yanan", "yanan-tobacco"),
    ] {
        let (status, body) = post_json(
            &addr,
            "/v1/partnerships",
            &m,
            &json!({"partnership": id, "manufacturer": "hongyun",
                    "distributor": distributor, "region": "陝西", "signed_on": "2008-01-15"}),
        );
        assert_eq!(status, 201, "{body}");
    }
    let list: Value = serde_json::from_str(&expect(&addr, "/v1/partnerships", &m, 200)).unwrap();
    assert_eq!(list["partnerships"].as_array().unwrap().len(), 3, "{list}");
    assert_eq!(
        expect(&addr, path, &m, 200),
        before,
        "Changzhi's model read back from the store"
    );
    up.stop();
}
