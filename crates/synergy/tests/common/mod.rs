//! What the binary's tests share: running `synergy` on a data directory and judging how it
//! ended, the partnership most of them sign, `synergy up` started on port 0, and a small
//! HTTP/1.1 client for it (each request on its own connection, read to the end).
#![allow(dead_code)] // each test file uses a different subset

pub mod web;

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// `synergy --data <data> <args>`, blind to the caller's log filter and NATS address so
/// that what it prints depends on the test alone.
pub fn synergy<S: AsRef<OsStr>>(data: &Path, args: &[S]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_synergy"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("SYNERGY_NATS")
        .output()
        .expect("run synergy")
}

fn shown<S: AsRef<OsStr>>(args: &[S]) -> Vec<String> {
    args.iter()
        .map(|a| a.as_ref().to_string_lossy().into_owned())
        .collect()
}

/// The output of a command that must succeed.
pub fn succeeds<S: AsRef<OsStr>>(data: &Path, args: &[S]) -> Output {
    let out = synergy(data, args);
    assert!(
        out.status.success(),
        "synergy {:?} failed:\n{}\n{}",
        shown(args),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The standard output of a command that must succeed.
pub fn ok<S: AsRef<OsStr>>(data: &Path, args: &[S]) -> String {
    String::from_utf8(succeeds(data, args).stdout).expect("utf-8")
}

/// A command line's words, as a shell splits one without quotes: `words("report
/// --partnership p1")`.
pub fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

/// A command line's words followed by arguments that are no plain words (a path, a text
/// with spaces): `line("market-data import --partnership p1", &[path])`.
pub fn line<'a>(head: &'a str, tail: &[&'a str]) -> Vec<&'a str> {
    words(head)
        .into_iter()
        .chain(tail.iter().copied())
        .collect()
}

/// What a command line of plain words prints, which must succeed: `run(&data, "report
/// --partnership p1")`.
pub fn run(data: &Path, line: &str) -> String {
    ok(data, &words(line))
}

/// What a command line of plain words prints, which must succeed and hold `expected`.
pub fn says(data: &Path, line: &str, expected: &str) -> String {
    let out = run(data, line);
    assert!(out.contains(expected), "{line}: {expected:?} not in\n{out}");
    out
}

/// The JSON a command line prints, which must succeed.
pub fn json(data: &Path, line: &str) -> serde_json::Value {
    let out = run(data, line);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{line}: {e}\n{out}"))
}

/// The demo's data directory, kept under `dir` by `synergy demo --keep`.
pub fn demo_data(dir: &Path) -> std::path::PathBuf {
    let data = dir.join("demo");
    ok(
        dir,
        &["demo", "--keep", data.to_str().unwrap(), "--format", "json"],
    );
    data
}

/// The standard error of a command that must be refused (exit 1).
pub fn refused<S: AsRef<OsStr>>(data: &Path, args: &[S]) -> String {
    let out = synergy(data, args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "synergy {:?} should be refused:\n{}",
        shown(args),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Signs partnership `p1` of hongyun and changzhi, as the operator.
pub const SIGN_P1: [&str; 12] = [
    "partnership",
    "sign",
    "--id",
    "p1",
    "--manufacturer",
    "hongyun",
    "--distributor",
    "changzhi",
    "--region",
    "長治",
    "--signed-on",
    "2007-12-18",
];

/// A new temporary directory with `p1` signed in its `data`.
pub fn signed_p1() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &SIGN_P1);
    (dir, data)
}

/// The arguments that import `file` as `kind` (`catalogue`, `market-data`, …) into `p1`.
pub fn import_p1<'a>(kind: &'a str, file: &'a Path) -> [&'a str; 5] {
    [
        kind,
        "import",
        "--partnership",
        "p1",
        file.to_str().unwrap(),
    ]
}

/// A data directory `dir/name` with `p1` signed and its catalogue registered from
/// `dir/catalogue.csv`.
pub fn catalogued(dir: &Path, name: &str) -> PathBuf {
    let data = dir.join(name);
    ok(&data, &SIGN_P1);
    let catalogue = dir.join("catalogue.csv");
    std::fs::write(&catalogue, CATALOGUE).unwrap();
    ok(&data, &import_p1("catalogue", &catalogue));
    data
}

/// Hongyun's two SKUs, as the catalogue import takes them.
pub const CATALOGUE: &str = "brand,sku,name,price_class,guide_price_yuan\n\
hongyun,hy-soft,紅雲(軟),3,50.00\n\
hongyun,hy-hard,紅雲(硬),2,85.00\n";

/// The header of the market-data import.
pub const MARKET_HEADER: &str = "period,sku,volume_cases,revenue_yuan,closing_stock_cases,outlets_stocking,outlets_selling,avg_retail_price_yuan\n";

/// A token of `org` in `role`, made by the CLI on `data` (beside a running gateway or not).
pub fn token(data: &Path, org: &str, role: &str) -> String {
    ok(data, &["token", "create", "--org", org, "--role", role])
        .trim()
        .to_owned()
}

/// A running `synergy up` (or `serve`): its address and, on a first start, the admin
/// token it printed. Killed when dropped, so a failing test leaves no server behind.
pub struct Up {
    child: Child,
    pub addr: String,
    pub token: Option<String>,
}

impl Drop for Up {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Up {
    /// Starts `synergy --data <data> <args>` with `env` beside the caller's environment
    /// less its log filters, and waits for `ready`. Its stderr goes to the file `stderr`,
    /// or, with none, to the test's own.
    pub fn start(data: &Path, args: &[&str], env: &[(&str, &str)], stderr: Option<&Path>) -> Up {
        let mut command = Command::new(env!("CARGO_BIN_EXE_synergy"));
        command
            .arg("--data")
            .arg(data)
            .args(args)
            .env_remove("RUST_LOG")
            .env_remove("SYNERGY_LOG")
            .stdout(Stdio::piped())
            .stderr(match stderr {
                Some(file) => Stdio::from(std::fs::File::create(file).unwrap()),
                None => Stdio::inherit(),
            });
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("start synergy up");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let (mut addr, mut token, mut expect_token) = (None, None, false);
        let started = Instant::now();
        while let Some(Ok(line)) = lines.next() {
            if expect_token {
                token = Some(line.trim().to_owned());
                expect_token = false;
            }
            expect_token |= line.starts_with("first start: created an admin token");
            if let Some(rest) = line.strip_prefix("synergy: HTTP API on http://") {
                addr = rest.split_whitespace().next().map(str::to_owned);
            }
            if line == "ready" {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(120), "up not ready");
        }
        Up {
            child,
            addr: addr.expect("the address is printed"),
            token,
        }
    }

    /// `synergy up --demo` on port 0 in a new `data`, its stderr the test's.
    pub fn demo(data: &Path) -> Up {
        Up::start(data, &["up", "--demo", "--addr", "127.0.0.1:0"], &[], None)
    }

    /// Kills it with SIGKILL, as a crash would, and reaps it.
    pub fn kill9(mut self) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-KILL", &pid]).status().unwrap();
        let _ = self.child.wait();
    }

    /// The admin token printed at the first start.
    pub fn admin(&self) -> String {
        self.token.clone().expect("a first-start admin token")
    }

    /// Stops it with SIGTERM and waits for a clean exit.
    pub fn stop(mut self) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "up exits cleanly on SIGTERM: {status}");
                return;
            }
            assert!(Instant::now() < deadline, "up did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// One HTTP/1.1 answer.
pub struct Answer {
    pub status: u16,
    /// The `Content-Type` header, lower case; empty if none.
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One request on its own connection with `headers`, and a JSON `body` unless it is a GET.
pub fn exchange(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        req.push_str(&format!("{name}: {value}\r\n"));
    }
    if method != "GET" {
        req.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    req.push_str("\r\n");
    req.push_str(body);
    stream.write_all(req.as_bytes()).unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head");
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let status = head[9..12].parse().expect("status code");
    let content_type = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type: ")
                .map(str::to_owned)
        })
        .unwrap_or_default();
    Answer {
        status,
        content_type,
        body: response[split + 4..].to_vec(),
    }
}

/// A request with `token` as its bearer: the status and the body as text.
pub fn http(addr: &str, method: &str, path: &str, token: &str, body: &str) -> (u16, String) {
    let auth = format!("Bearer {token}");
    let answer = exchange(addr, method, path, &[("Authorization", &auth)], body);
    (answer.status, answer.text())
}
