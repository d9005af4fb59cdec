//! `synergy up` as an operator starts it — one process, the embedded log, the HTTP API on
//! port 0 — and a small HTTP/1.1 client for it (each request on its own connection, read
//! to the end, with a deadline).
//!
//! The process can run under a wrapper command (`strace ...`), is stopped with SIGTERM by
//! [`Up::terminate`], and is killed with SIGKILL when dropped, so a failing test leaks
//! nothing.

use std::fs::File;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

use crate::binary::synergy_bin;

/// How long `synergy up` may take from spawn to `ready`.
pub const UP_READY_TIMEOUT: Duration = Duration::from_secs(60);

/// A running `synergy up`.
#[derive(Debug)]
pub struct Up {
    child: Option<Child>,
    /// Whether `child` is a wrapper whose own child is `synergy`.
    wrapped: bool,
    /// `127.0.0.1:PORT` of the HTTP API.
    pub addr: String,
    /// The admin token printed at first start.
    pub token: String,
    stderr: PathBuf,
}

/// One HTTP response.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// From connecting to the last byte.
    pub took: Duration,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Up {
    /// Starts `[wrapper...] synergy --data <data> up --addr 127.0.0.1:0`, waits for
    /// `ready` and reads the address and the first-start admin token (so `data` must be
    /// new). The process's stderr goes to `<stderr>`.
    pub fn start(data: &Path, wrapper: &[&str], stderr: &Path) -> anyhow::Result<Up> {
        let bin = synergy_bin();
        let mut cmd = match wrapper.split_first() {
            Some((first, rest)) => {
                let mut cmd = Command::new(first);
                cmd.args(rest).arg(bin);
                cmd
            }
            None => Command::new(bin),
        };
        for var in ["RUST_LOG", "SYNERGY_LOG", "SYNERGY_NATS", "SYNERGY_DATA"] {
            cmd.env_remove(var);
        }
        cmd.env("NO_COLOR", "1")
            .arg("--data")
            .arg(data)
            .args(["up", "--addr", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(File::create(stderr).context("cannot create the stderr file")?);
        let mut child = cmd.spawn().context("cannot start synergy up")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let rx = crate::process::lines(stdout);
        let mut up = Up {
            child: Some(child),
            wrapped: !wrapper.is_empty(),
            addr: String::new(),
            token: String::new(),
            stderr: stderr.to_path_buf(),
        };
        let deadline = Instant::now() + UP_READY_TIMEOUT;
        let mut expect_token = false;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = match rx.recv_timeout(left) {
                Ok(line) => line,
                Err(_) => bail!(
                    "synergy up was not ready within {UP_READY_TIMEOUT:?}:\n{}",
                    up.stderr_tail()
                ),
            };
            if expect_token {
                up.token = line.trim().to_owned();
                expect_token = false;
            }
            if line.starts_with("first start: created an admin token") {
                expect_token = true;
            }
            if let Some(rest) = line.strip_prefix("synergy: HTTP API on http://") {
                up.addr = rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned();
            }
            if line == "ready" {
                break;
            }
        }
        if up.addr.is_empty() || up.token.is_empty() {
            bail!("synergy up printed no address or no admin token");
        }
        Ok(up)
    }

    /// A request as the admin acting for `act_as`, with a JSON body if any; `timeout`
    /// bounds the whole exchange.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        act_as: &str,
        body: Option<&str>,
        timeout: Duration,
    ) -> anyhow::Result<Response> {
        let started = Instant::now();
        let mut stream = TcpStream::connect(&self.addr).context("cannot connect")?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nAuthorization: Bearer {}\r\nX-Act-As: {act_as}\r\n",
            self.addr, self.token
        );
        if let Some(body) = body {
            head.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes())?;
        if let Some(body) = body {
            stream.write_all(body.as_bytes())?;
        }
        let mut raw = Vec::new();
        stream
            .read_to_end(&mut raw)
            .with_context(|| format!("{method} {path}: no full answer within {timeout:?}"))?;
        let took = started.elapsed();
        let text = String::from_utf8_lossy(&raw);
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("{method} {path}: no status line in {head:?}"))?;
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        Ok(Response {
            status,
            headers,
            body: body.to_owned(),
            took,
        })
    }

    /// The pid of the `synergy` process (under a wrapper, the wrapper's child).
    pub fn pid(&self) -> anyhow::Result<u32> {
        let child = self.child.as_ref().context("already stopped")?.id();
        if !self.wrapped {
            return Ok(child);
        }
        let children = std::fs::read_to_string(format!("/proc/{child}/task/{child}/children"))
            .context("cannot read the wrapper's children")?;
        children
            .split_whitespace()
            .next()
            .and_then(|p| p.parse().ok())
            .context("the wrapper has no child")
    }

    /// Sends SIGTERM to `synergy` and waits up to `within` for it (and a wrapper) to exit.
    pub fn terminate(&mut self, within: Duration) -> anyhow::Result<ExitStatus> {
        let pid = self.pid()?;
        let mut child = self.child.take().context("already stopped")?;
        let killed = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .context("cannot run kill")?;
        if !killed.success() {
            bail!("kill -TERM failed: {killed}");
        }
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = child.try_wait()? {
                return Ok(status);
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                bail!(
                    "synergy up did not exit within {within:?} of SIGTERM:\n{}",
                    self.stderr_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The last lines of the process's stderr, for failure messages.
    pub fn stderr_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.stderr).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for Up {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The JSON body signing partnership `id` between `m1` and `d1`.
pub fn sign_body(id: &str) -> String {
    format!(
        r#"{{"partnership":"{id}","manufacturer":"m1","distributor":"d1","region":"r","signed_on":"2008-01-01"}}"#
    )
}
