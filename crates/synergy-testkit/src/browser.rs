//! A real headless Chromium for the web app's tests, driven over WebDriver (fantoccini
//! against Debian's `chromium-driver`, which `scripts/test` installs with `chromium`).
//!
//! Each [`Browser`] starts its own `chromedriver` on a free port, which starts Chromium
//! with a temporary profile; the whole process group is killed on drop, so a failing test
//! leaves no browser behind. [`Browser::keep_screenshot`] saves what the page showed into
//! `target/browser-failures/` for a test that failed.

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use fantoccini::{Client, ClientBuilder};
use tempfile::TempDir;

/// How long chromedriver and Chromium may take to start: generous, the suite runs beside
/// cargo builds on two cores.
pub const START_TIMEOUT: Duration = Duration::from_secs(90);

/// Finds `chromedriver` (`CHROMEDRIVER` or `PATH`) and the browser
/// (`CHROMIUM`, else `/usr/bin/chromium`); a missing one fails with the install line.
fn binaries() -> anyhow::Result<(PathBuf, PathBuf)> {
    let on_path = |name: &str| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .find(|p| p.is_file())
        })
    };
    let driver = std::env::var_os("CHROMEDRIVER")
        .map(PathBuf::from)
        .or_else(|| on_path("chromedriver"));
    let browser = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    match driver {
        Some(driver) if browser.is_file() => Ok((driver, browser)),
        _ => bail!(
            "the browser tests need Chromium and its driver: apt-get install -y chromium chromium-driver fonts-noto-cjk (scripts/test does)"
        ),
    }
}

/// A headless Chromium session.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: TempDir,
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browser")
            .field("driver", &self.driver.id())
            .finish_non_exhaustive()
    }
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a fresh profile.
    pub async fn start() -> anyhow::Result<Browser> {
        let (driver_bin, browser_bin) = binaries()?;
        let port = crate::free_ports(1)?[0];
        let profile = TempDir::with_prefix("synergy-chromium-")?;
        let driver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group: chromedriver and the Chromium it starts die together.
            .process_group(0)
            .spawn()
            .with_context(|| format!("starting {}", driver_bin.display()))?;
        let browser = Browser {
            client: connect(port, &browser_bin, profile.path())
                .await
                .inspect_err(|_| kill_group(driver.id()))?,
            driver,
            _profile: profile,
        };
        Ok(browser)
    }

    /// Saves a screenshot of the page as `target/browser-failures/<name>.png` and returns
    /// its path.
    pub async fn keep_screenshot(&self, name: &str) -> anyhow::Result<PathBuf> {
        let dir = failures_dir();
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, self.client.screenshot().await?)?;
        Ok(path)
    }
}

/// `target/browser-failures` of the workspace the test runs in.
fn failures_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../..")
                .join("target")
        });
    target.join("browser-failures")
}

async fn connect(port: u16, browser: &Path, profile: &Path) -> anyhow::Result<Client> {
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), "chrome".into());
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": browser,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                format!("--user-data-dir={}", profile.display()),
                "--window-size=1280,1600",
                // A browser of the app's first readers: it asks for 简体中文.
                "--lang=zh-CN",
                "--accept-lang=zh-CN,zh",
            ],
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let attempt = ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await;
        match attempt {
            Ok(client) => return Ok(client),
            Err(e) if started.elapsed() > START_TIMEOUT => {
                bail!("chromedriver on port {port} gave no session within {START_TIMEOUT:?}: {e}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

fn kill_group(pid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pid}")])
        .status();
}

impl Drop for Browser {
    fn drop(&mut self) {
        kill_group(self.driver.id());
        let _ = self.driver.wait();
    }
}
