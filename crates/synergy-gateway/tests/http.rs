//! The gateway over real HTTP: a server on 127.0.0.1:0 in front of a real `Local<SledLog>`
//! in a temporary directory, driven with reqwest.

use std::sync::Arc;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use synergy_evaluation::render::Format;
use synergy_gateway::{GatewayState, Limits, SledTokenStore, TokenStore, codes, route_table};
use synergy_proto::events::evaluation::ReportKind;
use synergy_proto::{Date, OrgId, PartnershipId, Period, Role};
use synergy_runtime::{Api, Local, ReportRequest, SystemClock};

mod common;

use common::Server;

const P: &str = "hy-cz";
/// A webhook id nobody registered.
const NO_WEBHOOK: &str = "0190f5c4-7a3b-7c3d-8e4f-000000000000";
const CATALOGUE_CSV: &str =
    "brand,sku,name,price_class,guide_price_yuan\nhongyun,hy-soft,紅雲(軟),2,190.00\n";
const MARKET_HEADER: &str = "period,sku,volume_cases,revenue_yuan,closing_stock_cases,outlets_stocking,outlets_selling,avg_retail_price_yuan";

/// `Server::embedded` on the system clock, as most tests want it.
async fn start(limits: Limits) -> Server {
    Server::embedded(limits, Arc::new(SystemClock)).await
}

impl Server {
    async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<Body>,
    ) -> (StatusCode, String) {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req = match body {
            Some(Body::Json(v)) => req.json(&v),
            Some(Body::Raw(ct, bytes)) => req.header("content-type", ct).body(bytes),
            None => req,
        };
        let resp = req.send().await.unwrap();
        let status = resp.status();
        (status, resp.text().await.unwrap())
    }

    async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        let (s, text) = self
            .send(Method::POST, path, Some(token), &[], Some(Body::Json(body)))
            .await;
        (
            s,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn upload(
        &self,
        path: &str,
        token: &str,
        ct: &str,
        bytes: Vec<u8>,
    ) -> (StatusCode, Value) {
        let (s, text) = self
            .send(
                Method::POST,
                path,
                Some(token),
                &[],
                Some(Body::Raw(ct.to_owned(), bytes)),
            )
            .await;
        (
            s,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

#[derive(Clone)]
enum Body {
    Json(Value),
    Raw(String, Vec<u8>),
}

fn sign_body() -> Value {
    json!({"partnership": P, "manufacturer": "hongyun", "distributor": "changzhi",
           "region": "長治", "signed_on": "2007-01-15"})
}

/// A signed partnership with a catalogue; returns (manufacturer, distributor) tokens.
async fn setup(s: &Server) -> (String, String) {
    let m = s.token("hongyun", Role::Manufacturer);
    let d = s.token("changzhi", Role::Distributor);
    // The manufacturer proposes, the distributor accepts.
    let (st, body) = s.post("/v1/partnerships", &m, sign_body()).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(body["events"], json!(["PartnershipProposed"]), "{body}");
    let (st, body) = s
        .post(&format!("/v1/partnerships/{P}/acceptance"), &d, json!({}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(body["events"], json!(["PartnershipSigned"]), "{body}");
    let (st, body) = s
        .upload(
            &format!("/v1/partnerships/{P}/catalogue"),
            &m,
            "text/csv",
            CATALOGUE_CSV.into(),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    (m, d)
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Who {
    M,
    D,
    E,
}

/// One request per route: (route template, method, concrete path, body, whose task).
fn requests() -> Vec<(&'static str, Method, String, Option<Body>, Who)> {
    use Who::*;
    let b = |v: Value| Some(Body::Json(v));
    let lines = json!([{"sku": "hy-soft", "volume_cases": "100"}]);
    let pp = |rest: &str| format!("/v1/partnerships/{P}{rest}");
    let market = format!(
        "{MARKET_HEADER}\n2008-01,hy-soft,1000,14000000.00,300,2800,2500,191.00\n2008-01,ALL,10000,110000000,,5000,,\n"
    );
    vec![
        (
            "/v1/partnerships",
            Method::POST,
            "/v1/partnerships".into(),
            b(sign_body()),
            E,
        ),
        ("/v1/partnerships/{id}", Method::GET, pp(""), None, E),
        (
            "/v1/partnerships/{id}/history",
            Method::GET,
            pp("/history?context=strategy&limit=5"),
            None,
            E,
        ),
        // The caller's own: see `ORG_WIDE`.
        (
            "/v1/partnerships",
            Method::GET,
            "/v1/partnerships".into(),
            None,
            E,
        ),
        (
            "/v1/portfolio",
            Method::GET,
            "/v1/portfolio?period=2008-H1".into(),
            None,
            E,
        ),
        (
            "/v1/webhooks",
            Method::POST,
            "/v1/webhooks".into(),
            b(json!({"partnership": P, "url": "https://hooks.example.com/synergy"})),
            E,
        ),
        // The caller's own: see `ORG_WIDE`.
        ("/v1/webhooks", Method::GET, "/v1/webhooks".into(), None, E),
        // No organisation's webhook: see `OWN_WEBHOOK`.
        (
            "/v1/webhooks/{id}",
            Method::GET,
            format!("/v1/webhooks/{NO_WEBHOOK}"),
            None,
            E,
        ),
        (
            "/v1/webhooks/{id}",
            Method::DELETE,
            format!("/v1/webhooks/{NO_WEBHOOK}"),
            None,
            E,
        ),
        (
            "/v1/partnerships/{id}/rulebooks",
            Method::POST,
            pp("/rulebooks"),
            b(json!({"title": "定期例會", "adopted_on": "2007-02-01"})),
            E,
        ),
        (
            "/v1/partnerships/{id}/time-zone",
            Method::POST,
            pp("/time-zone"),
            // The zone in force: the days of the requests after it stay as they are.
            b(json!({"zone": "Asia/Shanghai"})),
            E,
        ),
        (
            "/v1/partnerships/{id}/plans",
            Method::POST,
            pp("/plans"),
            b(json!({"plan": "p1", "title": "三年規劃", "first_year": 2008, "last_year": 2010})),
            E,
        ),
        (
            "/v1/partnerships/{id}/plans/{plan}/targets",
            Method::POST,
            pp("/plans/p1/targets"),
            b(json!({"period": "2008-H1", "volume_cases": "15300"})),
            E,
        ),
        (
            "/v1/partnerships/{id}/plans/{plan}/targets/removal",
            Method::POST,
            pp("/plans/p1/targets/removal"),
            b(json!({"period": "2008-H1"})),
            E,
        ),
        (
            "/v1/partnerships/{id}/plans/{plan}/submit",
            Method::POST,
            pp("/plans/p1/submit"),
            b(json!({})),
            E,
        ),
        (
            "/v1/partnerships/{id}/plans/{plan}/signatures",
            Method::POST,
            pp("/plans/p1/signatures"),
            b(json!({"revision": 1, "signed_on": "2008-01-10"})),
            E,
        ),
        (
            "/v1/partnerships/{id}/plans/{plan}/revisions",
            Method::POST,
            pp("/plans/p1/revisions"),
            b(json!({"reason": "new brand"})),
            E,
        ),
        (
            "/v1/partnerships/{id}/plans/{plan}/withdrawal",
            Method::POST,
            pp("/plans/p1/withdrawal"),
            b(json!({"reason": "replaced"})),
            E,
        ),
        (
            "/v1/partnerships/{id}/campaigns",
            Method::POST,
            pp("/campaigns"),
            b(
                json!({"campaign": "c1", "title": "launch", "brand": "hongyun", "skus": ["hy-soft"], "starts_on": "2008-03-01", "ends_on": "2008-05-31", "activity_plan": "plan"}),
            ),
            M,
        ),
        (
            "/v1/partnerships/{id}/campaigns/{campaign}/tasks",
            Method::POST,
            pp("/campaigns/c1/tasks"),
            b(
                json!({"task": "t1", "title": "pick outlets", "side": "distributor", "due_on": "2008-02-20"}),
            ),
            E,
        ),
        (
            "/v1/partnerships/{id}/campaigns/{campaign}/tasks/{task}/completion",
            Method::POST,
            pp("/campaigns/c1/tasks/t1/completion"),
            b(json!({"completed_on": "2008-02-19", "note": ""})),
            E,
        ),
        (
            "/v1/partnerships/{id}/campaigns/{campaign}/materials/dispatches",
            Method::POST,
            pp("/campaigns/c1/materials/dispatches"),
            b(json!({"material": "posters", "quantity": 10, "dispatched_on": "2008-02-01"})),
            M,
        ),
        (
            "/v1/partnerships/{id}/campaigns/{campaign}/materials/receipts",
            Method::POST,
            pp("/campaigns/c1/materials/receipts"),
            b(json!({"material": "posters", "quantity": 10, "received_on": "2008-02-03"})),
            D,
        ),
        (
            "/v1/partnerships/{id}/campaigns/{campaign}/outlets",
            Method::POST,
            pp("/campaigns/c1/outlets"),
            b(json!({"outlets": ["o1"]})),
            D,
        ),
        (
            "/v1/partnerships/{id}/campaigns/{campaign}/price-checks",
            Method::POST,
            pp("/campaigns/c1/price-checks"),
            b(
                json!({"sku": "hy-soft", "outlet": "o1", "observed_price_yuan": "192.00", "checked_on": "2008-04-01"}),
            ),
            M,
        ),
        (
            "/v1/partnerships/{id}/campaigns/{campaign}/supply",
            Method::POST,
            pp("/campaigns/c1/supply"),
            b(json!({"sku": "hy-soft", "volume_cases": "10", "allocated_on": "2008-02-25"})),
            D,
        ),
        (
            "/v1/partnerships/{id}/campaigns/{campaign}/launch",
            Method::POST,
            pp("/campaigns/c1/launch"),
            b(json!({"launched_on": "2008-03-01"})),
            D,
        ),
        (
            "/v1/partnerships/{id}/campaigns/{campaign}/closure",
            Method::POST,
            pp("/campaigns/c1/closure"),
            b(json!({"closed_on": "2008-06-01", "outcome": "succeeded", "summary": "ok"})),
            E,
        ),
        (
            "/v1/partnerships/{id}/campaigns/{campaign}/promise",
            Method::POST,
            pp("/campaigns/c1/promise"),
            b(
                json!({"skus": ["hy-soft"], "first_month": "2008-03", "last_month": "2008-05", "uplift_cases": "300"}),
            ),
            M,
        ),
        (
            "/v1/partnerships/{id}/catalogue",
            Method::POST,
            pp("/catalogue"),
            Some(Body::Raw("text/csv".into(), CATALOGUE_CSV.into())),
            M,
        ),
        (
            "/v1/partnerships/{id}/catalogue",
            Method::GET,
            pp("/catalogue"),
            None,
            E,
        ),
        (
            "/v1/partnerships/{id}/brands/{brand}/introduction",
            Method::POST,
            pp("/brands/hongyun/introduction"),
            b(json!({"introduced_on": "2008-01-01"})),
            M,
        ),
        (
            "/v1/partnerships/{id}/brands/{brand}/stage",
            Method::POST,
            pp("/brands/hongyun/stage"),
            b(json!({"to": "cultivation", "changed_on": "2008-02-01", "reason": "r"})),
            M,
        ),
        (
            "/v1/partnerships/{id}/brands/{brand}/evaluations",
            Method::POST,
            pp("/brands/hongyun/evaluations"),
            b(json!({"period": "2008-H1", "overall": 80})),
            E,
        ),
        (
            "/v1/partnerships/{id}/culture-activities",
            Method::POST,
            pp("/culture-activities"),
            b(
                json!({"kind": "factory_visit", "title": "visit", "held_on": "2008-01-05", "participants": 10}),
            ),
            E,
        ),
        (
            "/v1/partnerships/{id}/market-data",
            Method::POST,
            pp("/market-data"),
            Some(Body::Raw("text/csv".into(), market.into_bytes())),
            D,
        ),
        (
            "/v1/partnerships/{id}/forecasts",
            Method::POST,
            pp("/forecasts"),
            b(json!({"month": "2008-07", "lines": lines})),
            D,
        ),
        (
            "/v1/partnerships/{id}/supply-plans",
            Method::POST,
            pp("/supply-plans"),
            b(json!({"month": "2008-07", "lines": lines})),
            M,
        ),
        (
            "/v1/partnerships/{id}/orders",
            Method::POST,
            pp("/orders"),
            b(json!({"order": "o1", "month": "2008-07", "lines": lines})),
            D,
        ),
        (
            "/v1/partnerships/{id}/orders/{order}/confirmation",
            Method::POST,
            pp("/orders/o1/confirmation"),
            b(json!({"lines": lines})),
            M,
        ),
        (
            "/v1/partnerships/{id}/orders/{order}/shipment",
            Method::POST,
            pp("/orders/o1/shipment"),
            b(json!({"lines": lines})),
            M,
        ),
        (
            "/v1/partnerships/{id}/orders/{order}/receipt",
            Method::POST,
            pp("/orders/o1/receipt"),
            b(json!({"lines": lines})),
            D,
        ),
        (
            "/v1/partnerships/{id}/analyses/{period}",
            Method::POST,
            pp("/analyses/2008-06"),
            b(json!({"text": "## 六月\n\n動銷良好"})),
            D,
        ),
        (
            "/v1/partnerships/{id}/meetings",
            Method::POST,
            pp("/meetings"),
            b(
                json!({"meeting": "m1", "kind": "training", "title": "training", "scheduled_on": "2008-01-20"}),
            ),
            E,
        ),
        (
            "/v1/partnerships/{id}/meetings/{meeting}/minutes",
            Method::POST,
            pp("/meetings/m1/minutes"),
            b(
                json!({"held_on": "2008-01-20", "attendees": [{"org": "hongyun", "name": "Li"}], "minutes": "done"}),
            ),
            E,
        ),
        (
            "/v1/partnerships/{id}/meetings/{meeting}/cancellation",
            Method::POST,
            pp("/meetings/m1/cancellation"),
            b(json!({"reason": "r"})),
            E,
        ),
        (
            "/v1/partnerships/{id}/action-items",
            Method::POST,
            pp("/action-items"),
            b(json!({"item": "a1", "title": "t", "owner": "distributor", "due_on": "2008-02-01"})),
            E,
        ),
        (
            "/v1/partnerships/{id}/action-items/{item}/progress",
            Method::POST,
            pp("/action-items/a1/progress"),
            b(json!({"note": "n"})),
            E,
        ),
        (
            "/v1/partnerships/{id}/action-items/{item}/closure",
            Method::POST,
            pp("/action-items/a1/closure"),
            b(json!({"note": "n"})),
            E,
        ),
        (
            "/v1/partnerships/{id}/action-items/{item}/reopening",
            Method::POST,
            pp("/action-items/a1/reopening"),
            b(json!({"reason": "r", "due_on": "2008-03-01"})),
            E,
        ),
        (
            "/v1/partnerships/{id}/recommendations/{period}/acceptances",
            Method::POST,
            pp("/recommendations/2007-12/acceptances"),
            b(json!({"rule": "data.late", "title": "t", "due_on": "2008-02-01"})),
            E,
        ),
        (
            "/v1/partnerships/{id}/recommendations/{period}/dismissals",
            Method::POST,
            pp("/recommendations/2007-12/dismissals"),
            b(json!({"rule": "stock.high", "reason": "r"})),
            E,
        ),
        (
            "/v1/partnerships/{id}/support-requests",
            Method::POST,
            pp("/support-requests"),
            b(json!({"request": "r1", "title": "t", "severity": "normal"})),
            E,
        ),
        (
            "/v1/partnerships/{id}/support-requests/{request}/acknowledgement",
            Method::POST,
            pp("/support-requests/r1/acknowledgement"),
            b(json!({})),
            E,
        ),
        (
            "/v1/partnerships/{id}/support-requests/{request}/resolution",
            Method::POST,
            pp("/support-requests/r1/resolution"),
            b(json!({"resolution": "done"})),
            E,
        ),
        (
            "/v1/partnerships/{id}/reports/{kind}/{period}",
            Method::GET,
            pp("/reports/market/2008-H1?format=json"),
            None,
            E,
        ),
        (
            "/v1/partnerships/{id}/plan-gap/{period}",
            Method::GET,
            pp("/plan-gap/2008-H2?target_share_pct=27"),
            None,
            E,
        ),
        (
            "/v1/partnerships/{id}/campaigns/{campaign}/value-realised",
            Method::GET,
            pp("/campaigns/c1/value-realised?as_of=2008-07-15"),
            None,
            E,
        ),
        (
            "/v1/partnerships/{id}/reports/{kind}/{period}/issues",
            Method::POST,
            pp("/reports/market/2008-H1/issues"),
            b(json!({"as_of": "2008-07-15"})),
            E,
        ),
        (
            "/v1/partnerships/{id}/reports/{kind}/{period}/versions/{version}",
            Method::GET,
            pp("/reports/market/2008-H1/versions/1"),
            None,
            E,
        ),
        (
            "/v1/partnerships/{id}/issuing",
            Method::POST,
            pp("/issuing"),
            b(json!({"market": true, "quarters": true})),
            E,
        ),
        (
            "/v1/partnerships/{id}/reports/{kind}/{period}/versions",
            Method::GET,
            pp("/reports/market/2008-H1/versions"),
            None,
            E,
        ),
        (
            "/v1/partnerships/{id}/exception-rules",
            Method::POST,
            pp("/exception-rules"),
            b(json!({"share_drop_points": "3"})),
            E,
        ),
        (
            "/v1/partnerships/{id}/exception-rules",
            Method::GET,
            pp("/exception-rules"),
            None,
            E,
        ),
        (
            "/v1/partnerships/{id}/alerts/judgements",
            Method::POST,
            pp("/alerts/judgements"),
            b(json!({})),
            E,
        ),
        (
            "/v1/partnerships/{id}/alerts",
            Method::GET,
            pp("/alerts"),
            None,
            E,
        ),
        // The reads of the five contexts: parties only, either side.
        (
            "/v1/partnerships/{id}/agreement",
            Method::GET,
            pp("/agreement"),
            None,
            E,
        ),
        (
            "/v1/partnerships/{id}/plans",
            Method::GET,
            pp("/plans"),
            None,
            E,
        ),
        (
            "/v1/partnerships/{id}/plans/{plan}",
            Method::GET,
            pp("/plans/p1"),
            None,
            E,
        ),
        (
            "/v1/partnerships/{id}/active-plans/{year}",
            Method::GET,
            pp("/active-plans/2008"),
            None,
            E,
        ),
        (
            "/v1/partnerships/{id}/targets/{period}",
            Method::GET,
            pp("/targets/2008"),
            None,
            E,
        ),
        (
            "/v1/partnerships/{id}/campaigns/{campaign}",
            Method::GET,
            pp("/campaigns/c1"),
            None,
            E,
        ),
        (
            "/v1/partnerships/{id}/campaigns/{campaign}/task-progress",
            Method::GET,
            pp("/campaigns/c1/task-progress?side=distributor"),
            None,
            E,
        ),
        (
            "/v1/partnerships/{id}/campaigns/{campaign}/price-compliance",
            Method::GET,
            pp("/campaigns/c1/price-compliance"),
            None,
            E,
        ),
        (
            "/v1/partnerships/{id}/brands",
            Method::GET,
            pp("/brands"),
            None,
            E,
        ),
        (
            "/v1/partnerships/{id}/brands/{brand}",
            Method::GET,
            pp("/brands/hongyun"),
            None,
            E,
        ),
        (
            "/v1/partnerships/{id}/skus/{sku}",
            Method::GET,
            pp("/skus/hy-soft"),
            None,
            E,
        ),
        (
            "/v1/partnerships/{id}/brands/{brand}/evaluations",
            Method::GET,
            pp("/brands/hongyun/evaluations?within=2008"),
            None,
            E,
        ),
        (
            "/v1/partnerships/{id}/brand-evaluations",
            Method::GET,
            pp("/brand-evaluations?within=2008-H1"),
            None,
            E,
        ),
        (
            "/v1/partnerships/{id}/culture-activities",
            Method::GET,
            pp("/culture-activities?brand=hongyun&period=2008-H1"),
            None,
            E,
        ),
        (
            "/v1/partnerships/{id}/market-data",
            Method::GET,
            pp("/market-data?period=2008-Q1"),
            None,
            E,
        ),
        (
            "/v1/partnerships/{id}/market-data/{month}/revisions",
            Method::GET,
            pp("/market-data/2008-01/revisions"),
            None,
            E,
        ),
        (
            "/v1/partnerships/{id}/forecasts",
            Method::GET,
            pp("/forecasts?period=2008"),
            None,
            E,
        ),
        (
            "/v1/partnerships/{id}/orders/{order}",
            Method::GET,
            pp("/orders/o1"),
            None,
            E,
        ),
        (
            "/v1/partnerships/{id}/analyses/{period}",
            Method::GET,
            pp("/analyses/2008-H1"),
            None,
            E,
        ),
        (
            "/v1/partnerships/{id}/meetings/{meeting}",
            Method::GET,
            pp("/meetings/m1"),
            None,
            E,
        ),
        (
            "/v1/partnerships/{id}/action-items/{item}",
            Method::GET,
            pp("/action-items/a1"),
            None,
            E,
        ),
        (
            "/v1/partnerships/{id}/support-requests/{request}",
            Method::GET,
            pp("/support-requests/r1"),
            None,
            E,
        ),
        (
            "/v1/partnerships/{id}/support-overview/{period}",
            Method::GET,
            pp("/support-overview/2008-H1?as_of=2008-07-15"),
            None,
            E,
        ),
        // Last: after it the partnership accepts nothing new.
        (
            "/v1/partnerships/{id}/termination",
            Method::POST,
            pp("/termination"),
            b(json!({"reason": "end", "terminated_on": "2010-12-31"})),
            E,
        ),
        (
            "/v1/partnerships/{id}/acceptance",
            Method::POST,
            pp("/acceptance"),
            b(json!({})),
            E,
        ),
        (
            "/v1/partnerships/{id}/declination",
            Method::POST,
            pp("/declination"),
            b(json!({"reason": "x"})),
            E,
        ),
        (
            "/v1/partnerships/{id}/proposal-withdrawal",
            Method::POST,
            pp("/proposal-withdrawal"),
            b(json!({"reason": "x"})),
            E,
        ),
    ]
}

#[tokio::test]
async fn authorization_matrix_over_three_organisations_roles_and_every_route() {
    let s = start(Limits::default()).await;
    let (m, d) = setup(&s).await;
    let outsider = s.token("hongta", Role::Manufacturer);
    let outsider_d = s.token("kunming", Role::Distributor);
    let wrong_role = s.token("hongyun", Role::Distributor);
    let admin = s.token("ops", Role::Admin);
    let revoked = {
        let t = s
            .tokens
            .create(
                OrgId::new("changzhi").unwrap(),
                Role::Distributor,
                synergy_runtime::Clock::now(&SystemClock),
            )
            .unwrap();
        s.tokens.revoke(&t.info.id).unwrap();
        t.token
    };

    // Every route of the router is exercised (operations endpoints are public).
    let reqs = requests();
    for (method, path) in route_table() {
        if ["/healthz", "/metrics", "/openapi.json"].contains(&path) {
            continue;
        }
        assert!(
            reqs.iter().any(|(t, m, ..)| *t == path && *m == method),
            "matrix misses {method} {path}"
        );
    }

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Expect {
        Unauthorized,
        Forbidden,
        /// A caller that is no party: exactly the answer of a partnership that does not
        /// exist, naming nobody.
        Hidden,
        Allowed,
        /// 200, naming nothing of the partnership.
        Own,
        /// 404, naming nothing of the partnership.
        Absent,
    }
    use Expect::*;
    const ORG_WIDE: [&str; 3] = ["/v1/partnerships", "/v1/portfolio", "/v1/webhooks"];
    // A webhook is looked up among the caller's own: anyone else's, or none, is not
    // found, naming nothing of a partnership.
    const OWN_WEBHOOK: &str = "/v1/webhooks/{id}";
    // (caller, token, X-Act-As, expectation for M / D / E routes)
    type Caller<'a> = (&'a str, Option<String>, Option<&'a str>, [Expect; 3]);
    let callers: Vec<Caller> = vec![
        ("no token", None, None, [Unauthorized; 3]),
        (
            "garbage token",
            Some("syn_nonsense".into()),
            None,
            [Unauthorized; 3],
        ),
        ("revoked token", Some(revoked), None, [Unauthorized; 3]),
        ("outsider manufacturer", Some(outsider), None, [Hidden; 3]),
        ("outsider distributor", Some(outsider_d), None, [Hidden; 3]),
        (
            "party in the wrong role",
            Some(wrong_role),
            None,
            [Forbidden; 3],
        ),
        ("admin of no party", Some(admin.clone()), None, [Hidden; 3]),
        (
            "admin acting for an outsider",
            Some(admin.clone()),
            Some("hongta"),
            [Hidden; 3],
        ),
        (
            "non-admin acting for another",
            Some(m.clone()),
            Some("changzhi"),
            [Forbidden; 3],
        ),
        (
            "manufacturer",
            Some(m.clone()),
            None,
            [Allowed, Forbidden, Allowed],
        ),
        (
            "distributor",
            Some(d.clone()),
            None,
            [Forbidden, Allowed, Allowed],
        ),
        (
            "admin for the manufacturer",
            Some(admin.clone()),
            Some("hongyun"),
            [Allowed, Forbidden, Allowed],
        ),
        (
            "admin for the distributor",
            Some(admin.clone()),
            Some("changzhi"),
            [Forbidden, Allowed, Allowed],
        ),
    ];
    // What anyone hears of a partnership that does not exist.
    let (st, missing) = s
        .send(
            Method::GET,
            "/v1/partnerships/no-such-one",
            Some(&m),
            &[],
            None,
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{missing}");
    let missing = missing.replace("no-such-one", P);
    let mut cells = 0;
    for (template, method, path, body, who) in reqs {
        for (name, token, act_as, expect) in &callers {
            let want = match expect[match who {
                Who::M => 0,
                Who::D => 1,
                Who::E => 2,
            }] {
                // Signing names the parties in its body: refusing an outsider tells it
                // nothing it did not say itself.
                Hidden if template == "/v1/partnerships" && method == Method::POST => Forbidden,
                // A read of the caller's own organisation answers anyone with a token:
                // with nothing of a partnership it is no party of (on its token's side).
                Hidden | Forbidden
                    if ORG_WIDE.contains(&template)
                        && method == Method::GET
                        && act_as.is_none() =>
                {
                    Own
                }
                Hidden if ORG_WIDE.contains(&template) && method == Method::GET => Own,
                Hidden if template == OWN_WEBHOOK => Absent,
                Forbidden if template == OWN_WEBHOOK && act_as.is_none() => Absent,
                want => want,
            };
            let headers: Vec<(&str, &str)> = act_as.iter().map(|o| ("x-act-as", *o)).collect();
            let (status, text) = s
                .send(
                    method.clone(),
                    &path,
                    token.as_deref(),
                    &headers,
                    body.clone(),
                )
                .await;
            let ok = match want {
                Unauthorized => status == StatusCode::UNAUTHORIZED,
                Forbidden => status == StatusCode::FORBIDDEN,
                Hidden => status == StatusCode::NOT_FOUND && text == missing,
                Own => status == StatusCode::OK && !text.contains(P),
                Absent => status == StatusCode::NOT_FOUND && !text.contains(P),
                // The gateway let it through; the domain may still refuse it for its state
                // or for a rule of its own (a task only its assignee completes), never
                // for party or side scoping.
                Allowed => {
                    let scoping = serde_json::from_str::<Value>(&text).ok().is_some_and(|v| {
                        let rule = v["rule"].as_str().unwrap_or("");
                        rule.starts_with("gateway.")
                            || rule == "partnership.parties_only"
                            || rule == "principal.role_matches_side"
                    });
                    status != StatusCode::UNAUTHORIZED && !scoping && !status.is_server_error()
                }
            };
            assert!(
                ok,
                "{name} on {method} {template}: want {want:?}, got {status}: {text}"
            );
            if status.is_client_error() {
                let v: Value = serde_json::from_str(&text).unwrap();
                assert!(v["code"].is_string() && v["message"].is_string(), "{text}");
            }
            cells += 1;
        }
    }
    assert!(cells > 500, "{cells}");
}

#[tokio::test]
async fn one_sided_commands_name_the_side_and_allowed_ones_succeed() {
    let s = start(Limits::default()).await;
    let (m, d) = setup(&s).await;
    let (st, v) = s
        .post(
            &format!("/v1/partnerships/{P}/forecasts"),
            &m,
            json!({"month": "2008-07", "lines": [{"sku": "hy-soft", "volume_cases": "100"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_eq!(v["rule"], "gateway.distributor_only", "{v}");
    let (st, v) = s
        .post(
            &format!("/v1/partnerships/{P}/forecasts"),
            &d,
            json!({"month": "2008-07", "lines": [{"sku": "hy-soft", "volume_cases": "100"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    assert_eq!(v["events"].as_array().unwrap().len(), 1, "{v}");
    let (st, v) = s
        .send(
            Method::GET,
            &format!("/v1/partnerships/{P}"),
            Some(&d),
            &[],
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let v: Value = serde_json::from_str(&v).unwrap();
    assert_eq!(v["manufacturer"], "hongyun");
    assert_eq!(v["distributor"], "changzhi");
}

#[tokio::test]
async fn idempotency_key_records_a_retry_once() {
    let s = start(Limits::default()).await;
    let (m, d) = setup(&s).await;
    let key = "0190f5c4-7a3b-7c3d-8e4f-1234567890ab";
    let path = format!("/v1/partnerships/{P}/rulebooks");
    let body = json!({"title": "市場預測及訂單組織貨源流程", "adopted_on": "2007-02-01"});
    let h = [("idempotency-key", key)];
    let (st1, t1) = s
        .send(
            Method::POST,
            &path,
            Some(&m),
            &h,
            Some(Body::Json(body.clone())),
        )
        .await;
    let (st2, t2) = s
        .send(Method::POST, &path, Some(&m), &h, Some(Body::Json(body)))
        .await;
    assert_eq!(st1, StatusCode::CREATED, "{t1}");
    assert_eq!(st2, StatusCode::OK, "{t2}");
    let (v1, v2): (Value, Value) = (
        serde_json::from_str(&t1).unwrap(),
        serde_json::from_str(&t2).unwrap(),
    );
    assert_eq!(v2["duplicate"], true);
    assert_eq!(v1["position"], v2["position"]);
    // The same key with another body: refused, and nothing is recorded.
    let (st3, t3) = s
        .send(
            Method::POST,
            &path,
            Some(&m),
            &h,
            Some(Body::Json(
                json!({"title": "另一個規則", "adopted_on": "2007-02-01"}),
            )),
        )
        .await;
    assert_eq!(st3, StatusCode::UNPROCESSABLE_ENTITY, "{t3}");
    let v3: Value = serde_json::from_str(&t3).unwrap();
    assert_eq!(v3["code"], codes::IDEMPOTENCY_KEY_REUSED, "{t3}");
    assert_eq!(v3["field"], "Idempotency-Key", "{t3}");
    // The other party's command under the same key is its own, and recorded.
    let (st4, t4) = s
        .send(
            Method::POST,
            &path,
            Some(&d),
            &h,
            Some(Body::Json(
                json!({"title": "終端建設", "adopted_on": "2007-02-01"}),
            )),
        )
        .await;
    assert_eq!(st4, StatusCode::CREATED, "{t4}");
    let v4: Value = serde_json::from_str(&t4).unwrap();
    assert_eq!(v4["duplicate"], false, "{t4}");
    assert_ne!(v4["position"], v1["position"]);
    let (st, t) = s
        .send(
            Method::POST,
            &path,
            Some(&m),
            &[("idempotency-key", "not-a-uuid")],
            Some(Body::Json(
                json!({"title": "x", "adopted_on": "2007-02-01"}),
            )),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{t}");
    assert!(t.contains(codes::INVALID_HEADER));
}

#[tokio::test]
async fn malformed_bodies_are_400_never_500_and_limits_hold() {
    let s = start(Limits {
        body_bytes: 4096,
        ..Limits::default()
    })
    .await;
    let (m, _) = setup(&s).await;
    let path = format!("/v1/partnerships/{P}/rulebooks");
    let cases: Vec<(Option<Body>, StatusCode, &str)> = vec![
        (
            Some(Body::Raw("application/json".into(), b"{not json".to_vec())),
            StatusCode::BAD_REQUEST,
            codes::MALFORMED_JSON,
        ),
        (
            Some(Body::Raw("application/json".into(), b"[1,2]".to_vec())),
            StatusCode::BAD_REQUEST,
            codes::MALFORMED_JSON,
        ),
        (
            Some(Body::Json(json!({"title": 5, "adopted_on": "2007-02-01"}))),
            StatusCode::BAD_REQUEST,
            codes::MALFORMED_JSON,
        ),
        (
            Some(Body::Json(json!({"title": "t"}))),
            StatusCode::BAD_REQUEST,
            codes::MALFORMED_JSON,
        ),
        (
            Some(Body::Raw("text/plain".into(), b"{}".to_vec())),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            codes::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            Some(Body::Json(
                json!({"title": "t", "adopted_on": "2007-13-45"}),
            )),
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::INVALID,
        ),
        (
            Some(Body::Raw("application/json".into(), vec![b' '; 10_000])),
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::PAYLOAD_TOO_LARGE,
        ),
    ];
    for (body, want, code) in cases {
        let (st, text) = s.send(Method::POST, &path, Some(&m), &[], body).await;
        assert_eq!(st, want, "{text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["code"], code, "{text}");
    }
    let (st, text) = s
        .send(
            Method::POST,
            "/v1/partnerships/bad.id/rulebooks",
            Some(&m),
            &[],
            Some(Body::Json(
                json!({"title": "t", "adopted_on": "2007-02-01"}),
            )),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{text}");
    assert!(text.contains(codes::INVALID_PATH));
    let (st, text) = s.send(Method::GET, "/nowhere", None, &[], None).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{text}");
    let (st, text) = s.send(Method::DELETE, "/healthz", None, &[], None).await;
    assert_eq!(st, StatusCode::METHOD_NOT_ALLOWED, "{text}");
    let (st, text) = s.send(Method::GET, "/metrics", None, &[], None).await;
    assert_eq!(st, StatusCode::OK);
    assert!(text.contains("synergy_http_requests_total{method=\"POST\",route=\"/v1/partnerships/{id}/rulebooks\",status=\"400\"} 5"), "{text}");
    assert!(
        // The proposal and its acceptance.
        text.contains("synergy_commands_total{context=\"strategy\",outcome=\"recorded\"} 2"),
        "{text}"
    );
}

fn market_csv(rows: &[&str]) -> Vec<u8> {
    let mut s = String::from(MARKET_HEADER);
    for r in rows {
        s.push('\n');
        s.push_str(r);
    }
    s.push('\n');
    s.into_bytes()
}

fn xlsx(rows: &[Vec<&str>]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            let (r, c) = (r as u32, c as u16);
            match cell.parse::<f64>() {
                Ok(n) if r > 0 && c > 1 => ws.write_number(r, c, n).map(|_| ()),
                _ => ws.write_string(r, c, *cell).map(|_| ()),
            }
            .unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

#[tokio::test]
async fn uploads_csv_xlsx_json_whole_file_line_errors_and_corrections() {
    let s = start(Limits::default()).await;
    let (m, d) = setup(&s).await;
    let path = format!("/v1/partnerships/{P}/market-data");
    let june = [
        "2008-06,hy-soft,1200.5,16500000.00,310,2900,2600,192.00",
        "2008-06,ALL,11300,121000000,,5200,,",
    ];

    // CSV, then the identical file again: a safe retry that changes nothing.
    let (st, v) = s.upload(&path, &d, "text/csv", market_csv(&june)).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let (st, v) = s
        .upload(&path, &d, "text/csv; charset=utf-8", market_csv(&june))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["events"], json!([]));

    // The manufacturer may not submit the distributor's data.
    let (st, v) = s.upload(&path, &m, "text/csv", market_csv(&june)).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");

    // A correction without a reason is refused naming the month; with one it is recorded.
    let changed = [
        "2008-06,hy-soft,1250,16500000.00,310,2900,2600,192.00",
        "2008-06,ALL,11300,121000000,,5200,,",
    ];
    let (st, v) = s.upload(&path, &d, "text/csv", market_csv(&changed)).await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["code"], codes::CONFLICT);
    assert_eq!(v["rule"], "market_data.correction_needs_reason");
    assert!(v["message"].as_str().unwrap().contains("2008-06"), "{v}");
    assert!(v["field"].as_str().unwrap().contains("2008-06"), "{v}");
    let (st, v) = s
        .upload(
            &format!("{path}?reason=late%20returns"),
            &d,
            "text/csv",
            market_csv(&changed),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");

    // XLSX.
    let book = xlsx(&[
        MARKET_HEADER.split(',').collect(),
        vec![
            "2008-05", "hy-soft", "1100", "15000000", "300", "2800", "2500", "191.5",
        ],
        vec!["2008-05", "ALL", "11000", "118000000", "", "5100", "", ""],
    ]);
    let (st, v) = s
        .upload(&path, &d, synergy_import::XLSX_MEDIA_TYPE, book.clone())
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    // Without a content type the workbook is recognised by its bytes: identical, no change.
    let (st, v) = s.upload(&path, &d, "application/octet-stream", book).await;
    assert_eq!(st, StatusCode::OK, "{v}");

    // JSON rows; a JSON correction carries its reason in the body.
    let rows = |vol: &str| {
        json!({"rows": [
            {"period": "2008-04", "sku": "hy-soft", "volume_cases": vol, "revenue_yuan": "14000000.00",
             "closing_stock_cases": "290", "outlets_stocking": "2700", "outlets_selling": "2400", "avg_retail_price_yuan": "190.50"},
            {"period": "2008-04", "sku": "ALL", "volume_cases": "10800", "revenue_yuan": "115000000", "outlets_stocking": "5000"}
        ]})
    };
    let (st, v) = s.post(&path, &d, rows("1000")).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let mut corrected = rows("1010");
    let (st, v) = s.post(&path, &d, corrected.clone()).await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    corrected["reason"] = json!("typo in April");
    let (st, v) = s.post(&path, &d, corrected).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");

    // A bad file: every bad row with line and column, and nothing of it recorded.
    let bad = market_csv(&[
        "2008-03,hy-soft,900,12000000,280,2600,2300,190",
        "2008-03,hy-gone,10,100000,1,1,1,190",
        "2008-03,ALL,-5,100000000,,4900,,",
    ]);
    let (st, v) = s.upload(&path, &d, "text/csv", bad).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["code"], codes::INVALID_FILE);
    let errors = v["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["line"] == 3 && e["column"] == "sku"),
        "{v}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e["line"] == 4 && e["column"] == "volume_cases"),
        "{v}"
    );
    assert!(errors.iter().all(|e| e["reason"].is_string()), "{v}");
    let march = market_csv(&[
        "2008-03,hy-soft,900,12000000,280,2600,2300,190",
        "2008-03,ALL,9000,100000000,,4900,,",
    ]);
    let (st, v) = s.upload(&path, &d, "text/csv", march).await;
    assert_eq!(
        st,
        StatusCode::CREATED,
        "March was not recorded by the rejected file: {v}"
    );

    // JSON line numbers are positions in `rows`.
    let (st, v) = s.post(&path, &d, json!({"rows": [
        {"period": "2008-02", "sku": "ALL", "volume_cases": "9000", "revenue_yuan": "1", "outlets_stocking": "10"},
        {"period": "2008-02", "sku": "hy-soft", "volume_cases": "1.2345", "revenue_yuan": "1"}
    ]})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["line"] == 2 && e["column"] == "volume_cases"),
        "{v}"
    );

    // Catalogue: JSON and an XLSX-typed body that is not a workbook.
    let cat = format!("/v1/partnerships/{P}/catalogue");
    let (st, v) = s.post(&cat, &m, json!({"skus": [
        {"brand": "hongyun", "sku": "hy-hard", "name": "紅雲(硬)", "price_class": "1", "guide_price_yuan": "230.00"}
    ]})).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let (st, v) = s
        .upload(
            &cat,
            &m,
            synergy_import::XLSX_MEDIA_TYPE,
            b"not a zip".to_vec(),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["code"], codes::INVALID_FILE);
    let (st, text) = s.send(Method::GET, &cat, Some(&d), &[], None).await;
    assert_eq!(st, StatusCode::OK);
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["skus"].as_array().unwrap().len(), 2, "{v}");
    assert!(text.contains("\"guide_price_yuan\":\"230.00\""), "{text}");
}

#[tokio::test]
async fn reports_over_http_equal_what_the_api_returns() {
    let s = start(Limits::default()).await;
    let (_m, d) = setup(&s).await;
    let path = format!("/v1/partnerships/{P}/market-data");
    let (st, v) = s
        .upload(
            &path,
            &d,
            "text/csv",
            market_csv(&[
                "2008-06,hy-soft,1200.5,16500000.00,310,2900,2600,192.00",
                "2008-06,ALL,11300,121000000,,5200,,",
            ]),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let after = v["position"].as_u64().unwrap();
    for (kind, k) in [
        ("market", ReportKind::Market),
        ("brand", ReportKind::Brand),
        ("scorecard", ReportKind::Scorecard),
        ("review", ReportKind::Review),
    ] {
        for (name, format, media) in [
            ("json", Format::Json, "application/json"),
            ("csv", Format::Csv, "text/csv"),
            ("md", Format::Markdown, "text/markdown"),
            ("html", Format::Html, "text/html"),
        ] {
            let url = format!(
                "{}/v1/partnerships/{P}/reports/{kind}/2008-Q2?format={name}&as_of=2008-07-15&after={after}",
                s.base
            );
            let resp = s.client.get(url).bearer_auth(&d).send().await.unwrap();
            assert_eq!(resp.status(), StatusCode::OK);
            let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
            assert!(ct.starts_with(media), "{ct}");
            let http = resp.text().await.unwrap();
            let direct = s
                .api
                .report(ReportRequest {
                    partnership: PartnershipId::new(P).unwrap(),
                    period: "2008-Q2".parse::<Period>().unwrap(),
                    kind: k,
                    format,
                    as_of: Date::new(2008, 7, 15).unwrap(),
                    after: None,
                })
                .await
                .unwrap();
            assert_eq!(http, direct, "{kind} {name}");
        }
    }
    let (st, text) = s
        .send(
            Method::GET,
            &format!("/v1/partnerships/{P}/reports/market/2008-H1"),
            Some(&d),
            &[],
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["kind"], "market", "{text}");
    for (q, code) in [
        ("/reports/weekly/2008-H1", codes::INVALID_PATH),
        ("/reports/market/2008-H3", codes::INVALID_PATH),
        ("/reports/market/2008?format=pdf", codes::INVALID_QUERY),
        ("/reports/market/2008?as_of=yesterday", codes::INVALID_QUERY),
    ] {
        let (st, text) = s
            .send(
                Method::GET,
                &format!("/v1/partnerships/{P}{q}"),
                Some(&d),
                &[],
                None,
            )
            .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{q}: {text}");
        assert!(text.contains(code), "{q}: {text}");
    }
}

#[tokio::test]
async fn openapi_documents_every_route_and_every_error_code() {
    let s = start(Limits::default()).await;
    let (st, text) = s.send(Method::GET, "/openapi.json", None, &[], None).await;
    assert_eq!(st, StatusCode::OK);
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    let table = route_table();
    for (method, path) in &table {
        let op = &paths
            .get(*path)
            .unwrap_or_else(|| panic!("{path} not documented"))
            [method.as_str().to_ascii_lowercase()];
        assert!(op.is_object(), "{method} {path} not documented");
        if *path != "/healthz" && *path != "/metrics" && *path != "/openapi.json" {
            assert_eq!(op["security"], json!([{"bearer": []}]), "{method} {path}");
            assert!(op["responses"]["401"].is_object(), "{method} {path}");
            assert!(op["responses"]["403"].is_object(), "{method} {path}");
        }
    }
    // And nothing is documented that the router does not serve.
    for (path, ops) in paths {
        for method in ops.as_object().unwrap().keys() {
            assert!(
                table
                    .iter()
                    .any(|(m, p)| p == path && m.as_str().eq_ignore_ascii_case(method)),
                "documented but not served: {method} {path}"
            );
        }
    }
    let description = doc["info"]["description"].as_str().unwrap();
    // Written out rather than read from the table: clients rely on these pairs, so a change
    // to the table must fail here.
    let published = [
        ("unauthorized", 401),
        ("forbidden", 403),
        ("not_found", 404),
        ("conflict", 409),
        ("invalid", 422),
        ("idempotency_key_reused", 422),
        ("invalid_file", 422),
        ("malformed_json", 400),
        ("invalid_path", 400),
        ("invalid_query", 400),
        ("invalid_header", 400),
        ("unsupported_media_type", 415),
        ("payload_too_large", 413),
        ("method_not_allowed", 405),
        ("timeout", 408),
        ("contended", 503),
        ("unavailable", 503),
        ("not_ready", 503),
        ("internal", 500),
    ];
    assert_eq!(synergy_domain::ErrorCode::ALL.len(), published.len());
    for (code, status) in published {
        assert!(
            description.contains(&format!("| `{code}` | {status} |")),
            "{code}"
        );
    }
    let (st, text) = s.send(Method::GET, "/healthz", None, &[], None).await;
    assert_eq!((st, text.as_str()), (StatusCode::OK, "{\"status\":\"ok\"}"));
}

#[tokio::test]
async fn issued_reports_freeze_versions_and_state_restatements_after_a_correction() {
    let s = start(Limits::default()).await;
    let (m, d) = setup(&s).await;
    let upload = format!("/v1/partnerships/{P}/market-data");
    let issues = format!("/v1/partnerships/{P}/reports/market/2008-Q2/issues");
    let version = |n: u32| format!("/v1/partnerships/{P}/reports/market/2008-Q2/versions/{n}");
    let june = |volume: &str| {
        market_csv(&[
            &format!("2008-06,hy-soft,{volume},16500000.00,310,2900,2600,192.00"),
            "2008-06,ALL,11300,121000000,,5200,,",
        ])
    };
    let (st, v) = s.upload(&upload, &d, "text/csv", june("1200.5")).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");

    // Version 1, issued by the manufacturer: nothing to restate.
    let (st, v1) = s.post(&issues, &m, json!({"as_of": "2008-07-15"})).await;
    assert_eq!(st, StatusCode::CREATED, "{v1}");
    assert_eq!(v1["version"], 1, "{v1}");
    assert_eq!(v1["issued"], true, "{v1}");
    assert_eq!(v1["restatements"], json!([]), "{v1}");
    assert!(v1["position"].is_u64(), "{v1}");
    let (st, frozen_v1) = s.send(Method::GET, &version(1), Some(&d), &[], None).await;
    assert_eq!(st, StatusCode::OK, "{frozen_v1}");
    let body: Value = serde_json::from_str(&frozen_v1).unwrap();
    assert_eq!(body["kind"], "market", "{frozen_v1}");
    assert!(frozen_v1.contains("1200.5"), "{frozen_v1}");

    // Issuing again with nothing changed stores nothing and names the latest version.
    let (st, again) = s.post(&issues, &d, json!({"as_of": "2008-07-15"})).await;
    assert_eq!(st, StatusCode::OK, "{again}");
    assert_eq!(again["version"], 1, "{again}");
    assert_eq!(again["issued"], false, "{again}");

    // June is corrected (with a reason); version 2 restates what changed.
    let (st, v) = s
        .upload(
            &format!("{upload}?reason=late%20returns"),
            &d,
            "text/csv",
            june("1250"),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let (st, v2) = s.post(&issues, &d, json!({"as_of": "2008-07-15"})).await;
    assert_eq!(st, StatusCode::CREATED, "{v2}");
    assert_eq!(v2["version"], 2, "{v2}");
    let restated = v2["restatements"].as_array().unwrap();
    assert!(!restated.is_empty(), "{v2}");
    assert!(
        restated
            .iter()
            .any(|r| r["key"].as_str().is_some_and(|k| k.contains("volume"))
                && r["previous"]
                    .as_str()
                    .is_some_and(|p| p.starts_with("1200.5"))
                && r["current"].as_str().is_some_and(|c| c.starts_with("1250"))),
        "{v2}"
    );
    for r in restated {
        assert!(
            r["key"].is_string() && r.get("previous").is_some() && r.get("current").is_some(),
            "{r}"
        );
    }
    let (st, frozen_v2) = s.send(Method::GET, &version(2), Some(&m), &[], None).await;
    assert_eq!(st, StatusCode::OK, "{frozen_v2}");
    assert!(frozen_v2.contains("1250"), "{frozen_v2}");

    // Version 1 reads back byte for byte as it was frozen.
    let (st, still_v1) = s.send(Method::GET, &version(1), Some(&m), &[], None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(still_v1, frozen_v1);

    // The listing: both versions, issued by a person of each party, with what each
    // restated; none for a report never issued.
    let versions = format!("/v1/partnerships/{P}/reports/market/2008-Q2/versions");
    let (st, listed) = s.send(Method::GET, &versions, Some(&d), &[], None).await;
    assert_eq!(st, StatusCode::OK, "{listed}");
    let listed: Value = serde_json::from_str(&listed).unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2, "{listed:?}");
    for (v, org, restated) in [
        (&listed[0], "hongyun", &json!([])),
        (&listed[1], "changzhi", &v2["restatements"]),
    ] {
        assert_eq!(v["issued_by"], "person", "{v}");
        assert_eq!(v["org"], org, "{v}");
        assert_eq!(&v["restatements"], restated, "{v}");
        assert!(v["issued_at"].is_string(), "{v}");
    }
    assert_eq!(
        (&listed[0]["version"], &listed[1]["version"]),
        (&json!(1), &json!(2))
    );
    let (st, none) = s
        .send(
            Method::GET,
            &format!("/v1/partnerships/{P}/reports/brand/2008-Q2/versions"),
            Some(&m),
            &[],
            None,
        )
        .await;
    assert_eq!((st, none.as_str()), (StatusCode::OK, "[]"));

    // No version 3 yet; an outsider may neither read nor issue.
    let (st, v) = s.send(Method::GET, &version(3), Some(&m), &[], None).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{v}");
    let (st, v) = s.send(Method::GET, &version(0), Some(&m), &[], None).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{v}");
    let (st, v) = s
        .send(
            Method::GET,
            &format!("/v1/partnerships/{P}/reports/market/2008-Q2/versions/+1"),
            Some(&m),
            &[],
            None,
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    let outsider = s.token("hongta", Role::Manufacturer);
    let (st, v) = s
        .send(Method::GET, &version(1), Some(&outsider), &[], None)
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{v}");
    let (st, v) = s.post(&issues, &outsider, json!({})).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{v}");
    let (st, v) = s.post(&issues, &m, json!({"as_of": "2008-02-30"})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["field"], "as_of", "{v}");
}

/// Issuing is evaluation's declared command: its answer is the outcome every command
/// answers plus `issued` and `restatements`, a retry under its key is answered as the
/// first time, and a period without market data has nothing to issue.
#[tokio::test]
async fn issuing_answers_as_a_declared_command_and_an_empty_period_is_refused() {
    let s = start(Limits::default()).await;
    let (m, d) = setup(&s).await;
    let june = market_csv(&[
        "2008-06,hy-soft,1200.5,16500000.00,310,2900,2600,192.00",
        "2008-06,ALL,11300,121000000,,5200,,",
    ]);
    let (st, v) = s
        .upload(
            &format!("/v1/partnerships/{P}/market-data"),
            &d,
            "text/csv",
            june,
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let issues =
        |kind: &str, period: &str| format!("/v1/partnerships/{P}/reports/{kind}/{period}/issues");

    let key = "0190a5f2-3c4d-7e8f-9a0b-1c2d3e4f5a6b";
    let body = Body::Json(json!({"as_of": "2008-07-15"}));
    let (st, text) = s
        .send(
            Method::POST,
            &issues("scorecard", "2008-06"),
            Some(&m),
            &[("Idempotency-Key", key)],
            Some(body),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{text}");
    let first: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        first["stream"],
        format!("evaluation/{P}/report:scorecard-2008-06"),
        "{first}"
    );
    assert_eq!(first["events"], json!(["ReportIssued"]), "{first}");
    assert_eq!(
        (&first["version"], &first["issued"], &first["duplicate"]),
        (&json!(1), &json!(true), &json!(false)),
        "{first}"
    );
    assert_eq!(first["restatements"], json!([]), "{first}");
    let (st, text) = s
        .send(
            Method::POST,
            &issues("scorecard", "2008-06"),
            Some(&m),
            &[("Idempotency-Key", key)],
            Some(Body::Json(json!({"as_of": "2008-07-15"}))),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{text}");
    let retry: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(retry["duplicate"], true, "{retry}");
    assert_eq!(
        retry["issued"], true,
        "the retry is answered as the first time: {retry}"
    );
    assert_eq!(retry["position"], first["position"], "{retry}");

    // July to September hold no market data: nothing to freeze, nothing recorded.
    let (st, v) = s
        .post(
            &issues("market", "2008-Q3"),
            &d,
            json!({"as_of": "2008-10-20"}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["rule"], "report.no_data", "{v}");
    let (st, v) = s
        .send(
            Method::GET,
            &format!("/v1/partnerships/{P}/reports/market/2008-Q3/versions/1"),
            Some(&m),
            &[],
            None,
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{v}");

    // A kind that is none is a bad path, named.
    let (st, v) = s.post(&issues("weekly", "2008-06"), &m, json!({})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(
        (&v["code"], &v["field"]),
        (&json!("invalid_path"), &json!("kind"))
    );

    // The document says what the answer holds.
    let (_, doc) = s.send(Method::GET, "/openapi.json", None, &[], None).await;
    let doc: Value = serde_json::from_str(&doc).unwrap();
    let op = &doc["paths"]["/v1/partnerships/{id}/reports/{kind}/{period}/issues"]["post"];
    assert_eq!(op["operationId"], "issue_report", "{op}");
    let created = &op["responses"]["201"]["content"]["application/json"]["schema"]["allOf"];
    assert_eq!(
        created[0]["$ref"], "#/components/schemas/OutcomeBody",
        "{op}"
    );
    assert_eq!(
        created[1]["required"],
        json!(["issued", "restatements"]),
        "{op}"
    );
}

#[tokio::test]
async fn text_fields_are_held_to_their_documented_shapes() {
    let s = start(Limits::default()).await;
    let (m, d) = setup(&s).await;
    // Amounts: the proto parser would take `.5` and `1.2500`; the document does not.
    for bad in [".5", "1.2500", " 100", "100\n", "-0"] {
        let (st, v) = s
            .post(
                &format!("/v1/partnerships/{P}/forecasts"),
                &d,
                json!({"month": "2008-07", "lines": [{"sku": "hy-soft", "volume_cases": bad}]}),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}: {v}");
        assert_eq!(v["field"], "lines[0].volume_cases", "{v}");
    }
    // Dates and ids are not trimmed.
    let (st, v) = s
        .post(
            &format!("/v1/partnerships/{P}/rulebooks"),
            &m,
            json!({"title": "t", "adopted_on": " 2007-02-01"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    // JSON upload rows are checked cell by cell, naming line and column.
    let (st, v) = s
        .post(
            &format!("/v1/partnerships/{P}/market-data"),
            &d,
            json!({"rows": [
                {"period": "2008-06", "sku": "ALL", "volume_cases": "9000", "revenue_yuan": "1", "outlets_stocking": ""},
                {"period": "2008-06-01", "sku": "hy-soft", "volume_cases": "1", "revenue_yuan": "1.5e3"}
            ]}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["code"], codes::INVALID_FILE, "{v}");
    let errors = v["errors"].as_array().unwrap();
    for (line, column) in [(1, "outlets_stocking"), (2, "period"), (2, "revenue_yuan")] {
        assert!(
            errors
                .iter()
                .any(|e| e["line"] == line && e["column"] == column),
            "{line} {column}: {v}"
        );
    }
    // A UUID is hyphenated.
    let (st, v) = s
        .send(
            Method::POST,
            &format!("/v1/partnerships/{P}/rulebooks"),
            Some(&m),
            &[("idempotency-key", "0190a5f23c4d7e8f9a0b1c2d3e4f5a6b")],
            Some(Body::Json(
                json!({"title": "t", "adopted_on": "2007-02-01"}),
            )),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
}

#[tokio::test]
async fn each_context_answers_its_own_reads() {
    let s = start(Limits::default()).await;
    let (m, d) = setup(&s).await;
    let pp = |rest: &str| format!("/v1/partnerships/{P}{rest}");
    let get = |path: String, token: String| {
        let s = &s;
        async move {
            let (st, text) = s.send(Method::GET, &path, Some(&token), &[], None).await;
            let v: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("GET {path}: not JSON ({e}): {text}"));
            (st, v)
        }
    };
    let ok = |st: StatusCode, v: &Value| assert_eq!(st, StatusCode::OK, "{v}");
    let created = |st: StatusCode, v: &Value| assert_eq!(st, StatusCode::CREATED, "{v}");

    // Strategy: a plan with a target.
    let (st, v) = s
        .post(
            &pp("/plans"),
            &m,
            json!({"plan": "p1", "title": "三年規劃", "first_year": 2008, "last_year": 2010}),
        )
        .await;
    created(st, &v);
    let (st, v) = s
        .post(
            &pp("/plans/p1/targets"),
            &m,
            json!({"period": "2008", "volume_cases": "15000", "revenue_yuan": "200000000"}),
        )
        .await;
    created(st, &v);
    let (st, plans) = get(pp("/plans"), d.clone()).await;
    ok(st, &plans);
    assert_eq!(plans[0]["id"], "p1", "{plans}");
    assert_eq!(plans[0]["status"], "Draft", "{plans}");
    assert_eq!(
        plans[0]["targets"][0],
        json!({"brand": null, "period": "2008", "revenue": "200000000.00",
               "volume": "15000.000", "volume_share": null}),
        "amounts and periods are exact text"
    );
    let (st, plan) = get(pp("/plans/p1"), m.clone()).await;
    ok(st, &plan);
    let (st, v) = get(pp("/plans/nope"), m.clone()).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{v}");
    assert_eq!(v["code"], "not_found");
    let (st, v) = get(pp("/active-plans/2008"), m.clone()).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "a draft is not active: {v}");
    let (st, agreement) = get(pp("/agreement"), d.clone()).await;
    ok(st, &agreement);
    assert_eq!(agreement["region"], "長治", "{agreement}");
    assert_eq!(agreement["signed_on"], "2007-01-15", "{agreement}");

    // Information: a month of market data, then its correction.
    let month = |volume: &str| {
        format!(
            "{MARKET_HEADER}\n2008-01,hy-soft,{volume},14000000.00,300,2800,2500,191.00\n2008-01,ALL,10000,110000000,,5000,,\n"
        )
    };
    let (st, v) = s
        .upload(&pp("/market-data"), &d, "text/csv", month("1000").into())
        .await;
    created(st, &v);
    let (st, v) = s
        .upload(
            &pp("/market-data?reason=recount"),
            &d,
            "text/csv",
            month("1000.5").into(),
        )
        .await;
    created(st, &v);
    let (st, data) = get(pp("/market-data?period=2008-Q1"), m.clone()).await;
    ok(st, &data);
    // The latest revision of the month only.
    assert_eq!(data.as_array().map(Vec::len), Some(1), "{data}");
    assert_eq!(data[0]["month"], "2008-01", "{data}");
    assert_eq!(data[0]["revision"], 2, "{data}");
    assert_eq!(data[0]["reason"], "recount", "{data}");
    assert_eq!(data[0]["lines"][0]["volume"], "1000.500", "{data}");
    assert_eq!(data[0]["market"]["revenue"], "110000000.00", "{data}");
    let (st, revisions) = get(pp("/market-data/2008-01/revisions"), m.clone()).await;
    ok(st, &revisions);
    assert_eq!(revisions.as_array().map(Vec::len), Some(2), "{revisions}");
    let (st, none) = get(pp("/market-data?period=2009"), m.clone()).await;
    ok(st, &none);
    assert_eq!(none, json!([]));
    let (st, v) = get(pp("/market-data?period=2008-Q5"), m.clone()).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["code"], "invalid_query", "{v}");

    // Support: a meeting, and the overview counting it.
    let (st, v) = s
        .post(
            &pp("/meetings"),
            &m,
            json!({"meeting": "m1", "kind": "training", "title": "客戶經理培訓", "scheduled_on": "2008-01-20"}),
        )
        .await;
    created(st, &v);
    let (st, meeting) = get(pp("/meetings/m1"), d.clone()).await;
    ok(st, &meeting);
    assert_eq!(meeting["status"], "Scheduled", "{meeting}");
    assert_eq!(meeting["scheduled_on"], "2008-01-20", "{meeting}");
    let (st, overview) = get(pp("/support-overview/2008-Q1?as_of=2008-04-01"), d.clone()).await;
    ok(st, &overview);
    assert_eq!(overview["period"], "2008-Q1", "{overview}");
    // The end of 1 April on the partnership's calendar (Beijing, UTC+8).
    assert_eq!(overview["as_of"], "2008-04-01T15:59:59.999Z", "{overview}");
    assert_eq!(overview["meetings"]["scheduled"], 1, "{overview}");
    let (st, v) = get(pp("/support-overview/2008-Q2"), d.clone()).await;
    ok(st, &v);
    assert_eq!(v["meetings"]["scheduled"], 0, "another period: {v}");

    // Brand: the catalogue's SKU and an introduced brand.
    let (st, sku) = get(pp("/skus/hy-soft"), d.clone()).await;
    ok(st, &sku);
    assert_eq!(
        sku,
        json!({"brand": "hongyun", "guide_price": "190.00", "name": "紅雲(軟)",
               "price_class": 2, "sku": "hy-soft"})
    );
    let (st, v) = s
        .post(
            &pp("/brands/hongyun/introduction"),
            &m,
            json!({"introduced_on": "2008-01-01"}),
        )
        .await;
    created(st, &v);
    let (st, brands) = get(pp("/brands"), d.clone()).await;
    ok(st, &brands);
    assert_eq!(brands[0]["brand"], "hongyun", "{brands}");
    assert_eq!(brands[0]["stage"], "Introduction", "{brands}");
    let (st, v) = get(pp("/brands/other"), d.clone()).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{v}");
    let (st, v) = s
        .post(
            &pp("/brands/hongyun/evaluations"),
            &m,
            json!({"period": "2008-H1", "overall": 80}),
        )
        .await;
    created(st, &v);
    for path in [
        "/brand-evaluations?within=2008",
        "/brands/hongyun/evaluations?within=2008",
    ] {
        let (st, evaluations) = get(pp(path), d.clone()).await;
        ok(st, &evaluations);
        assert_eq!(
            evaluations.as_array().map(Vec::len),
            Some(1),
            "{evaluations}"
        );
        assert_eq!(evaluations[0]["period"], "2008-H1", "{evaluations}");
    }
    let (st, none) = get(pp("/brand-evaluations?within=2009"), d.clone()).await;
    ok(st, &none);
    assert_eq!(none, json!([]));

    // Outsiders read nothing, and hear of no partnership.
    let outsider = s.token("hongta", Role::Manufacturer);
    let (st, v) = get(pp("/market-data"), outsider).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{v}");
    assert_eq!(v["rule"], "partnership.must_exist", "{v}");
}

/// Both parties consent: a proposal binds nobody and takes no other command until the
/// other party accepts; the addressee may decline it, the proposer withdraw it, and an
/// outsider can neither squat the id's parties nor tell it from a missing one.
#[tokio::test]
async fn a_proposal_binds_only_once_the_other_party_accepts() {
    let s = start(Limits::default()).await;
    let m = s.token("hongyun", Role::Manufacturer);
    let d = s.token("changzhi", Role::Distributor);
    let outsider = s.token("hongta", Role::Manufacturer);
    let pp = |rest: &str| format!("/v1/partnerships/{P}{rest}");
    let (st, v) = s.post("/v1/partnerships", &m, sign_body()).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    assert_eq!(v["events"], json!(["PartnershipProposed"]));
    // Until accepted, it is no partnership: the same answer as one that does not exist.
    let missing = |v: &Value| {
        v["rule"] == "partnership.must_exist"
            && v["message"] == format!("partnership {P} does not exist; sign it first")
    };
    for token in [&m, &d, &outsider] {
        let (st, v) = s
            .post(
                &pp("/rulebooks"),
                token,
                json!({"title": "t", "adopted_on": "2007-02-01"}),
            )
            .await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{v}");
        assert!(missing(&v), "{v}");
    }
    // An outsider answering it hears the same; so does the proposer accepting itself.
    let (st, v) = s.post(&pp("/acceptance"), &outsider, json!({})).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{v}");
    assert!(missing(&v), "{v}");
    let (st, v) = s.post(&pp("/acceptance"), &m, json!({})).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(v["rule"], "partnership.addressee_answers", "{v}");
    // Someone else's terms on the id: taken, naming nobody.
    let squat = json!({"partnership": P, "manufacturer": "hongta", "distributor": "changzhi",
                       "region": "玉溪", "signed_on": "2007-01-15"});
    let (st, v) = s.post("/v1/partnerships", &outsider, squat).await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["rule"], "partnership.id_taken", "{v}");
    assert!(!v.to_string().contains("hongyun\""), "{v}");
    // Declined, the id is free; proposed again and withdrawn, free again; then accepted.
    let (st, v) = s
        .post(&pp("/declination"), &d, json!({"reason": "條件再議"}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let (st, v) = s.post("/v1/partnerships", &m, sign_body()).await;
    assert_eq!(v["events"], json!(["PartnershipProposed"]), "{st} {v}");
    let (st, v) = s
        .post(&pp("/proposal-withdrawal"), &m, json!({"reason": "改期"}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let (st, v) = s.post("/v1/partnerships", &d, sign_body()).await;
    assert_eq!(v["events"], json!(["PartnershipProposed"]), "{st} {v}");
    let (st, v) = s.post(&pp("/acceptance"), &m, json!({})).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    assert_eq!(v["events"], json!(["PartnershipSigned"]));
    let (st, v) = s.send(Method::GET, &pp(""), Some(&m), &[], None).await;
    assert_eq!(st, StatusCode::OK, "{v}");
}

/// A time zone binds once both parties choose it, and the gateway's "today" follows it:
/// at 04:59 UTC on 1 December 2026 a report's default `as_of` is 1 December while the
/// partnership keeps Beijing time, and 30 November once it keeps New York's.
#[tokio::test]
async fn a_time_zone_binds_once_both_parties_choose_it_and_today_follows_it() {
    let clock = Arc::new(synergy_runtime::ManualClock::new(
        "2026-12-01T04:59:00Z".parse().unwrap(),
    ));
    let s = Server::embedded(Limits::default(), clock).await;
    let (m, d) = setup(&s).await;
    let pp = |rest: &str| format!("/v1/partnerships/{P}{rest}");
    let read = |path: String, token: String| {
        let s = &s;
        async move {
            let (st, text) = s.send(Method::GET, &path, Some(&token), &[], None).await;
            assert_eq!(st, StatusCode::OK, "{text}");
            serde_json::from_str::<Value>(&text).unwrap()
        }
    };
    let report_as_of = || read(pp("/reports/market/2026-Q4"), m.clone());

    assert_eq!(read(pp(""), m.clone()).await["time_zone"], "Asia/Shanghai");
    assert_eq!(report_as_of().await["as_of"], "2026-12-01");

    let ny = json!({"zone": "America/New_York"});
    let (st, v) = s.post(&pp("/time-zone"), &m, ny.clone()).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    assert_eq!(v["events"], json!(["TimeZoneProposed"]), "{v}");
    // Proposed, it binds nobody yet; the record shows what waits for the distributor.
    assert_eq!(read(pp(""), d.clone()).await["time_zone"], "Asia/Shanghai");
    let agreement = read(pp("/agreement"), d.clone()).await;
    assert_eq!(agreement["time_zone"], "Asia/Shanghai", "{agreement}");
    assert_eq!(
        agreement["time_zone_proposal"],
        json!({"zone": "America/New_York", "proposed_by": "manufacturer"})
    );
    assert_eq!(report_as_of().await["as_of"], "2026-12-01");

    let (st, v) = s.post(&pp("/time-zone"), &d, ny).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    assert_eq!(v["events"], json!(["TimeZoneSet"]), "{v}");
    assert_eq!(
        read(pp(""), m.clone()).await["time_zone"],
        "America/New_York"
    );
    assert_eq!(
        read(pp("/agreement"), m.clone()).await["time_zone_proposal"],
        Value::Null
    );
    assert_eq!(report_as_of().await["as_of"], "2026-11-30");

    // A zone the tz database does not hold is the domain's refusal; a name that is no
    // zone name at all, the field's shape. Both name the field.
    let (st, v) = s
        .post(&pp("/time-zone"), &m, json!({"zone": "Mars/Olympus"}))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["rule"], "partnership.time_zone_unknown", "{v}");
    assert_eq!(v["field"], "zone", "{v}");
    let (st, v) = s
        .post(&pp("/time-zone"), &m, json!({"zone": "Asia Shanghai"}))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["field"], "zone", "{v}");
}

/// Early refusals (401, 403, 404, 413 just past the limit) keep the keep-alive connection
/// (before the gateway read each body first, every 403 here cost a new connection):
/// reqwest's pool sends 200 uploads that are each refused before any handler reads their
/// body, and the server accepts one connection for all of them. A body far past the limit
/// is answered with `Connection: close`, which a client sees before it tries to reuse.
#[tokio::test]
async fn refused_uploads_keep_the_connection_alive() {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::serve::ListenerExt as _;

    let dir = tempfile::tempdir().unwrap();
    let api =
        Arc::new(Local::open_embedded(&dir.path().join("data"), Arc::new(SystemClock)).unwrap());
    let db = sled::open(dir.path().join("gateway")).unwrap();
    let tokens = Arc::new(SledTokenStore::open(&db).unwrap());
    let limit = 4 * 1024 * 1024;
    let state = GatewayState::new(api.clone(), tokens.clone()).with_limits(Limits {
        body_bytes: limit,
        ..Limits::default()
    });
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let listener = listener.tap_io(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        axum::serve(listener, synergy_gateway::router(state))
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    let m = tokens
        .create(
            OrgId::new("hongyun").unwrap(),
            Role::Manufacturer,
            synergy_runtime::Clock::now(&SystemClock),
        )
        .unwrap()
        .token;
    let d = tokens
        .create(
            OrgId::new("changzhi").unwrap(),
            Role::Distributor,
            synergy_runtime::Clock::now(&SystemClock),
        )
        .unwrap()
        .token;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .unwrap();
    let base = format!("http://{addr}");
    let (st, _) = {
        let r = client
            .post(format!("{base}/v1/partnerships"))
            .bearer_auth(&m)
            .json(&sign_body())
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    };
    assert_eq!(st, StatusCode::CREATED);
    // The distributor accepts the manufacturer's proposal.
    let accepted_by_d = client
        .post(format!("{base}/v1/partnerships/{P}/acceptance"))
        .bearer_auth(&d)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted_by_d.status(), StatusCode::CREATED);
    accepted_by_d.text().await.unwrap();
    let before = accepted.load(Ordering::SeqCst);
    let body = vec![b'x'; 2 * 1024 * 1024];
    let catalogue = format!("{base}/v1/partnerships/{P}/catalogue");
    let mut statuses = std::collections::BTreeMap::new();
    for i in 0..200 {
        let req = client.post(&catalogue).header("content-type", "text/csv");
        let (req, body) = match i % 4 {
            // No token: 401.
            0 => (req, body.clone()),
            // The distributor may not register the catalogue: 403.
            1 => (req.bearer_auth(&d), body.clone()),
            // No such partnership: 404.
            2 => (
                client
                    .post(format!("{base}/v1/partnerships/nope/catalogue"))
                    .header("content-type", "text/csv")
                    .bearer_auth(&m),
                body.clone(),
            ),
            // Just past the body limit: 413.
            _ => (req.bearer_auth(&m), vec![b'x'; limit + 1024]),
        };
        let r = req.body(body).send().await.unwrap();
        *statuses.entry(r.status().as_u16()).or_insert(0) += 1;
        r.text().await.unwrap();
    }
    assert_eq!(
        statuses,
        [(401, 50), (403, 50), (404, 50), (413, 50)]
            .into_iter()
            .collect(),
    );
    let opened = accepted.load(Ordering::SeqCst) - before;
    assert_eq!(
        opened, 0,
        "200 refused uploads opened {opened} new connections"
    );

    // Far past the limit, the server says it closes.
    let r = client
        .post(&catalogue)
        .bearer_auth(&m)
        .header("content-type", "text/csv")
        .body(vec![b'x'; 4 * limit])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.headers()["connection"], "close");
}

/// A body of 700,000 bad rows answers with the first 1,000 rows listed and every problem
/// counted, not with 700,000 errors.
#[tokio::test]
async fn a_file_of_bad_rows_answers_with_a_bounded_list_and_counts() {
    let s = start(Limits {
        import: synergy_import::Limits {
            rows: 1_000_000,
            cells: 10_000_000,
            ..synergy_import::Limits::DEFAULT
        },
        ..Limits::default()
    })
    .await;
    let (_, d) = setup(&s).await;
    let rows = 700_000;
    let mut text = String::from(MARKET_HEADER);
    for _ in 0..rows {
        text.push_str("\nx,");
    }
    text.push('\n');
    assert!(text.len() < 4 << 20);
    let (st, raw) = s
        .send(
            Method::POST,
            &format!("/v1/partnerships/{P}/market-data"),
            Some(&d),
            &[],
            Some(Body::Raw("text/csv".into(), text.into_bytes())),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(raw.len() < 1 << 20, "{} bytes of errors", raw.len());
    let v: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(v["code"], codes::INVALID_FILE);
    let listed: std::collections::BTreeSet<u64> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_u64().unwrap())
        .collect();
    assert_eq!(listed.len(), synergy_import::LISTED_ROWS);
    assert_eq!(v["rows_with_errors"], rows);
    assert_eq!(v["errors_by_rule"]["import.period_is_month"], rows);
    let total: u64 = v["errors_by_rule"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(v["errors_total"], total);
    assert!(
        v["message"].as_str().unwrap().contains("first 1000 rows"),
        "{}",
        v["message"]
    );

    // JSON rows are capped the same way.
    let many: Vec<Value> = (0..5_000)
        .map(|_| json!({"period": "x", "sku": "hy-soft", "volume_cases": "1", "revenue_yuan": "1"}))
        .collect();
    let (st, v) = s
        .post(
            &format!("/v1/partnerships/{P}/market-data"),
            &d,
            json!({"rows": many}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        v["errors"].as_array().unwrap().len(),
        synergy_import::LISTED_ROWS
    );
    assert_eq!(v["errors_total"], 5_000);
    assert_eq!(v["rows_with_errors"], 5_000);
}

/// Every body is a JSON object: an array of a body's fields in order (which serde would
/// read as the struct) is refused, also for a route that takes no fields (found by
/// schemathesis: `[]` was accepted as an acceptance).
#[tokio::test]
async fn a_body_that_is_not_a_json_object_is_refused() {
    let s = start(Limits::default()).await;
    let (m, d) = setup(&s).await;
    for (path, token, body) in [
        (format!("/v1/partnerships/{P}/acceptance"), &d, json!([])),
        (
            format!("/v1/partnerships/{P}/rulebooks"),
            &m,
            json!(["市場預測", "2007-02-01"]),
        ),
        (format!("/v1/partnerships/{P}/rulebooks"), &m, json!("text")),
    ] {
        let (st, v) = s.post(&path, token, body.clone()).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{body} on {path}: {v}");
        assert_eq!(v["code"], codes::MALFORMED_JSON, "{v}");
    }
    // The object form of the same body is taken.
    let (st, v) = s
        .post(
            &format!("/v1/partnerships/{P}/rulebooks"),
            &m,
            json!({"title": "市場預測", "adopted_on": "2007-02-01"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
}
