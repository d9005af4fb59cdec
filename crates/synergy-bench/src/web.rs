//! The web app's pages on the demo data: each page's time from request to last byte over
//! loopback (the gateway renders it server-side: reads through the `Api`, lays it out,
//! draws the charts, writes the HTML), p50 and p99, beside the API's HTML rendering of
//! the same report as the baseline; and the bytes of a first page load (HTML, CSS, JS).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use synergy_gateway::web::users::{User, UserStore};
use synergy_gateway::{GatewayState, SledTokenStore, TokenStore};
use synergy_proto::{OrgId, Role};
use synergy_runtime::{Api, Clock, SystemClock};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::measure::{Latencies, LatencySummary, millis};

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub quick: bool,
}

const PARTNERSHIP: &str = "hongyun-changzhi";

#[derive(Debug)]
pub struct Row {
    pub page: String,
    pub path: String,
    pub latency: LatencySummary,
    pub bytes: usize,
}

#[derive(Debug)]
pub struct Report {
    pub rows: Vec<Row>,
    /// The API's HTML market report of 2008-H1, with a token.
    pub baseline: Row,
    /// A first load of home: (HTML, CSS, JS) bytes.
    pub first_load: (usize, usize, usize),
    pub samples: usize,
}

/// One GET on its own connection: status and body bytes.
async fn get(addr: &str, path: &str, header: &str) -> anyhow::Result<(u16, Vec<u8>)> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{header}\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("no head")?;
    let status = std::str::from_utf8(&raw[9..12])?.parse()?;
    Ok((status, raw[split + 4..].to_vec()))
}

async fn measure(
    addr: &str,
    page: &str,
    path: &str,
    header: &str,
    samples: usize,
) -> anyhow::Result<Row> {
    let mut bytes = 0;
    for _ in 0..5 {
        let (status, body) = get(addr, path, header).await?;
        ensure!(status == 200, "{path} answered {status}");
        bytes = body.len();
    }
    let mut latencies = Latencies::with_capacity(samples);
    for _ in 0..samples {
        let started = Instant::now();
        get(addr, path, header).await?;
        latencies.record(started.elapsed());
    }
    Ok(Row {
        page: page.to_owned(),
        path: path.to_owned(),
        latency: latencies.summary().context("no samples")?,
        bytes,
    })
}

pub async fn run(options: Options) -> anyhow::Result<Report> {
    let samples = if options.quick { 50 } else { 300 };
    let dir = tempfile::tempdir()?;
    let (api, _clock) = synergy::demo::prepare(&dir.path().join("data")).await?;
    let api: Arc<dyn Api> = Arc::new(api);
    let db = sled::open(dir.path().join("gateway"))?;
    let tokens = Arc::new(SledTokenStore::open(&db)?);
    let hongyun = OrgId::new("hongyun")?;
    let token = tokens.create(hongyun.clone(), Role::Manufacturer, SystemClock.now())?;
    let state = GatewayState::new(api, tokens).with_users(Arc::new(UserStore::memory()));
    let cookie = state.web.sessions.start(User {
        login: "bench".into(),
        org: hongyun,
        role: Role::Manufacturer,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?.to_string();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(synergy_gateway::serve(listener, state, async {
        let _ = stopped.await;
    }));

    let session = format!("Cookie: synergy_session={cookie}");
    let p = |q: &str| format!("/app/partnerships/{PARTNERSHIP}?{q}");
    let pages = [
        ("sign-in", "/sign-in".to_owned(), ""),
        ("home", "/app".to_owned(), session.as_str()),
        ("market 2008-H1", p("kind=market&period=2008-H1"), &session),
        ("brand 2008-H1", p("kind=brand&period=2008-H1"), &session),
        (
            "scorecard 2008-H1",
            p("kind=scorecard&period=2008-H1"),
            &session,
        ),
        ("review 2008-H1", p("kind=review&period=2008-H1"), &session),
        ("market 2008", p("kind=market&period=2008"), &session),
    ];
    let mut rows = Vec::new();
    for (page, path, header) in &pages {
        rows.push(measure(&addr, page, path, header, samples).await?);
    }
    let bearer = format!("Authorization: Bearer {}", token.token);
    let baseline = measure(
        &addr,
        "API html market 2008-H1",
        &format!("/v1/partnerships/{PARTNERSHIP}/reports/market/2008-H1?format=html"),
        &bearer,
        samples,
    )
    .await?;
    let (_, home) = get(&addr, "/app", &session).await?;
    let home = String::from_utf8(home)?;
    let css_url = synergy_gateway::web::css_url();
    ensure!(home.contains(css_url), "home links its stylesheet");
    let (_, css) = get(&addr, css_url, "").await?;
    let js = if home.contains("<script") { 1 } else { 0 };
    let _ = stop.send(());
    server.await??;
    Ok(Report {
        rows,
        baseline,
        first_load: (home.len(), css.len(), js),
        samples,
    })
}

impl Report {
    pub fn table(&self) -> String {
        let mut out = format!(
            "web app on the Changzhi demo: request to last byte over loopback, {} samples per page after 5 warm-ups\n\n| page | path | p50 ms | p99 ms | bytes |\n|---|---|---:|---:|---:|\n",
            self.samples
        );
        for r in self.rows.iter().chain(std::iter::once(&self.baseline)) {
            out.push_str(&format!(
                "| {} | `{}` | {:.2} | {:.2} | {} |\n",
                r.page,
                r.path,
                millis(r.latency.p50),
                millis(r.latency.p99),
                r.bytes
            ));
        }
        let market = &self.rows[2];
        out.push_str(&format!(
            "\nmarket 2008-H1 page / API html report (p50): {:.2}x\n",
            ratio(market.latency.p50, self.baseline.latency.p50)
        ));
        let (html, css, js) = self.first_load;
        out.push_str(&format!(
            "first load of home: HTML {html} B + CSS {css} B + JS {js} B = {} B (no script, no font, no image files; charts are inline SVG)\n",
            html + css + js
        ));
        out
    }

    pub fn json(&self) -> String {
        let rows: Vec<serde_json::Value> = self
            .rows
            .iter()
            .chain(std::iter::once(&self.baseline))
            .map(|r| {
                serde_json::json!({
                    "page": r.page,
                    "path": r.path,
                    "p50_ms": millis(r.latency.p50),
                    "p99_ms": millis(r.latency.p99),
                    "bytes": r.bytes,
                })
            })
            .collect();
        let (html, css, js) = self.first_load;
        serde_json::json!({
            "pages": rows,
            "first_load": {"html": html, "css": css, "js": js},
        })
        .to_string()
    }
}

fn ratio(a: Duration, b: Duration) -> f64 {
    if b.is_zero() {
        0.0
    } else {
        a.as_secs_f64() / b.as_secs_f64()
    }
}
