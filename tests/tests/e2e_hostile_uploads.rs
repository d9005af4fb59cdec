//! Hostile uploads against a real `synergy up` over real HTTP, with a party's own token:
//! a 5 KB workbook with cells at A1 and XFD1048576, zip bombs inflating to 1 and 2 GiB,
//! and 3.4 MB of bad CSV rows. Each is refused with its limit's rule, the server keeps
//! answering, and its peak resident memory (VmHWM, read from /proc) stays under 1 GiB.
//! That is a bound on memory, not on time.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use serde_json::Value;
use synergy_e2e::synergy_bin;
use synergy_testkit::hostile;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const GIB: u64 = 1 << 30;
const HEADER: &str = "period,sku,volume_cases,revenue_yuan,closing_stock_cases,outlets_stocking,outlets_selling,avg_retail_price_yuan";

/// One request on its own connection; the answer's status and body.
fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> anyhow::Result<(u16, String)> {
    let mut stream = TcpStream::connect(addr).context("connect")?;
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    stream.set_write_timeout(Some(Duration::from_secs(120)))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("no status line in {response:?}"))?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

/// Peak resident memory of a process so far, in bytes.
fn peak_rss(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .context("no VmHWM")?;
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .context("VmHWM value")?
        .parse()?;
    Ok(kib * 1024)
}

struct Up {
    child: Child,
    addr: String,
    admin: String,
    data: tempfile::TempDir,
}

impl Drop for Up {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Up {
    fn start() -> anyhow::Result<Up> {
        let data = tempfile::tempdir()?;
        let mut child = Command::new(synergy_bin())
            .args(["--data", path(data.path())?, "up", "--addr", "127.0.0.1:0"])
            .env_remove("SYNERGY_CONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("start synergy up")?;
        let stdout = child.stdout.take().context("stdout")?;
        let rx = synergy_e2e::process::lines(stdout);
        let (mut addr, mut admin, mut expect_token) = (None, None, false);
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx
                .recv_timeout(left)
                .context("synergy up printed no `ready` in 120 s")?;
            if expect_token {
                admin = Some(line.trim().to_owned());
                expect_token = false;
            }
            if line.starts_with("first start: created an admin token") {
                expect_token = true;
            }
            if let Some(rest) = line.strip_prefix("synergy: HTTP API on http://") {
                addr = rest.split_whitespace().next().map(str::to_owned);
            }
            if line == "ready" {
                break;
            }
        }
        Ok(Up {
            child,
            addr: addr.context("no address printed")?,
            admin: admin.context("no admin token printed")?,
            data,
        })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn alive(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!("synergy up died: {status}");
        }
        let (status, body) = request(&self.addr, "GET", "/healthz", &[], b"")?;
        ensure!(status == 200, "healthz {status}: {body}");
        Ok(())
    }

    /// A token for `org`, made by the CLI while the server runs.
    fn token(&self, org: &str, role: &str) -> anyhow::Result<String> {
        let out = Command::new(synergy_bin())
            .args(["--data", path(self.data.path())?])
            .args(["token", "create", "--org", org, "--role", role])
            .output()?;
        ensure!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(String::from_utf8(out.stdout)?.trim().to_owned())
    }
}

fn path(p: &std::path::Path) -> anyhow::Result<&str> {
    p.to_str().context("a UTF-8 temporary path")
}

/// Uploads `body` and expects 422 `invalid_file` whose first error has `rule`.
fn refused(
    up: &mut Up,
    path: &str,
    token: &str,
    content_type: &str,
    body: &[u8],
    rule: &str,
) -> anyhow::Result<Value> {
    let auth = format!("Bearer {token}");
    let (status, text) = request(
        &up.addr,
        "POST",
        path,
        &[("Authorization", &auth), ("Content-Type", content_type)],
        body,
    )
    .with_context(|| format!("uploading the file refused by {rule}"))?;
    ensure!(status == 422, "{rule}: {status} {text}");
    let v: Value = serde_json::from_str(&text)?;
    ensure!(v["code"] == "invalid_file", "{text}");
    ensure!(v["errors"][0]["rule"] == rule, "{rule}: {text}");
    up.alive()
        .with_context(|| format!("after the file refused by {rule}"))?;
    Ok(v)
}

#[test]
fn hostile_uploads_are_refused_within_a_gibibyte_and_the_server_keeps_answering()
-> anyhow::Result<()> {
    let mut up = Up::start()?;
    let admin = format!("Bearer {}", up.admin);
    let sign = br#"{"partnership":"hy-cz","manufacturer":"hongyun","distributor":"changzhi","region":"x","signed_on":"2007-01-15"}"#;
    let (status, body) = request(
        &up.addr,
        "POST",
        "/v1/partnerships",
        &[
            ("Authorization", &admin),
            ("X-Act-As", "hongyun"),
            ("Content-Type", "application/json"),
        ],
        sign,
    )?;
    ensure!(status == 201, "sign: {status} {body}");
    let manufacturer = up.token("hongyun", "manufacturer")?;
    let distributor = up.token("changzhi", "distributor")?;
    let catalogue = "/v1/partnerships/hy-cz/catalogue";
    let market = "/v1/partnerships/hy-cz/market-data";
    let start_rss = peak_rss(up.pid())?;

    // 2^34 cells if read as the range the two cells span.
    let corners = hostile::corners_xlsx()?;
    ensure!(corners.len() < 8 * 1024, "{} bytes", corners.len());
    let v = refused(
        &mut up,
        catalogue,
        &manufacturer,
        XLSX,
        &corners,
        "import.limit_columns",
    )?;
    ensure!(
        v["errors"][0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("XFD1048576")),
        "{v}"
    );
    let after_corners = peak_rss(up.pid())?;

    // Zip bombs: one shared string of 1 GiB and of 2 GiB.
    let mut after_bombs = Vec::new();
    for megabytes in [1024, 2048] {
        let bomb = hostile::shared_string_bomb_xlsx(megabytes)?;
        ensure!(bomb.len() < 4 << 20, "{} bytes", bomb.len());
        refused(
            &mut up,
            catalogue,
            &manufacturer,
            XLSX,
            &bomb,
            "import.limit_inflated_bytes",
        )?;
        after_bombs.push((megabytes, bomb.len(), peak_rss(up.pid())?));
    }

    // 700,000 bad rows in 3.4 MB: refused by the row limit, in a small answer.
    let mut rows = String::from(HEADER);
    for _ in 0..700_000 {
        rows.push_str("\nx,");
    }
    rows.push('\n');
    let v = refused(
        &mut up,
        market,
        &distributor,
        "text/csv",
        rows.as_bytes(),
        "import.limit_rows",
    )?;
    ensure!(v.to_string().len() < 64 * 1024, "{v}");
    let after_rows = peak_rss(up.pid())?;

    // And a real catalogue still goes in.
    let auth = format!("Bearer {manufacturer}");
    let (status, body) = request(
        &up.addr,
        "POST",
        catalogue,
        &[("Authorization", &auth), ("Content-Type", "text/csv")],
        "brand,sku,name,price_class,guide_price_yuan\nhongyun,hy-soft,紅雲(軟),2,190.00\n"
            .as_bytes(),
    )?;
    ensure!(status == 201, "{status} {body}");

    let peak = peak_rss(up.pid())?;
    eprintln!(
        "peak RSS of synergy up: {:.1} MiB at start, {:.1} MiB after the corners, {}after the \
         bad rows {:.1} MiB, at the end {:.1} MiB",
        start_rss as f64 / 1048576.0,
        after_corners as f64 / 1048576.0,
        after_bombs
            .iter()
            .map(|(mb, size, rss)| format!(
                "after the {mb} MiB bomb ({size} bytes zipped) {:.1} MiB, ",
                *rss as f64 / 1048576.0
            ))
            .collect::<String>(),
        after_rows as f64 / 1048576.0,
        peak as f64 / 1048576.0,
    );
    ensure!(peak < GIB, "peak RSS {peak} bytes");
    Ok(())
}
