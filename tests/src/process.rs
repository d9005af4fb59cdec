//! Service processes (`synergy serve …`) and CLI invocations, each bounded in time.
//!
//! A service's stdout is read line by line on a thread so its `ready` line can be awaited
//! (it is printed once every subscription is registered with the server); its stderr, the
//! tracing output, goes to a file the test can count lines in afterwards. Every service is
//! killed with SIGKILL when dropped, so a failing test leaks nothing.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

use crate::binary::synergy_bin;

/// How long a service may take from spawn to `ready` (connect, open the stream, catch up);
/// generous, since the suite runs beside a cargo build on two cores.
pub const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// How long one CLI command may take. The CLI's own request timeout is 10 s (reports 40 s);
/// past this the process is killed and the test fails naming the command.
pub const CLI_TIMEOUT: Duration = Duration::from_secs(60);

/// A `synergy` command with a clean environment: the test decides every setting.
fn synergy() -> Command {
    let mut cmd = Command::new(synergy_bin());
    for var in [
        "RUST_LOG",
        "SYNERGY_LOG",
        "SYNERGY_NATS",
        "SYNERGY_NATS_USER",
        "SYNERGY_NATS_PASSWORD",
        "SYNERGY_DATA",
        "NO_COLOR",
    ] {
        cmd.env_remove(var);
    }
    // Plain log lines that a test can search, whatever the terminal.
    cmd.env("NO_COLOR", "1");
    cmd
}

/// One `synergy serve <service>` process.
#[derive(Debug)]
pub struct ServiceProcess {
    name: String,
    service: String,
    nats: String,
    data: PathBuf,
    log: String,
    stderr: PathBuf,
    /// More arguments of `serve`.
    args: Vec<String>,
    child: Option<Child>,
}

impl ServiceProcess {
    /// Starts `synergy serve <service> --nats <nats> --data <data> --log <log>` and waits
    /// (bounded) for its `ready` line. `name` tells replicas apart in messages and names
    /// the stderr file in `data`.
    pub fn start(
        name: &str,
        service: &str,
        nats: &str,
        data: &Path,
        log: &str,
    ) -> anyhow::Result<ServiceProcess> {
        Self::start_with(name, service, nats, data, log, &[])
    }

    /// [`ServiceProcess::start`] with more arguments after `serve <service>` (an
    /// evaluation replica's `--partitions`, say), given again at every restart.
    pub fn start_with(
        name: &str,
        service: &str,
        nats: &str,
        data: &Path,
        log: &str,
        args: &[&str],
    ) -> anyhow::Result<ServiceProcess> {
        std::fs::create_dir_all(data)
            .with_context(|| format!("cannot create {}", data.display()))?;
        let mut process = ServiceProcess {
            name: name.to_owned(),
            service: service.to_owned(),
            nats: nats.to_owned(),
            data: data.to_path_buf(),
            log: log.to_owned(),
            stderr: data.join(format!("{name}.stderr")),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            child: None,
        };
        process.spawn()?;
        Ok(process)
    }

    fn spawn(&mut self) -> anyhow::Result<()> {
        // Appending keeps what a killed predecessor wrote, for diagnosis.
        let stderr = File::options()
            .create(true)
            .append(true)
            .open(&self.stderr)
            .with_context(|| format!("cannot open {}", self.stderr.display()))?;
        let mut child = synergy()
            .arg("serve")
            .arg(&self.service)
            .arg("--nats")
            .arg(&self.nats)
            .arg("--data")
            .arg(&self.data)
            .arg("--log")
            .arg(&self.log)
            // The gateway is not under test; a free port keeps `all` from colliding.
            .arg("--addr")
            .arg("127.0.0.1:0")
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .with_context(|| format!("cannot start synergy serve {}", self.service))?;
        let stdout = child.stdout.take().context("no stdout pipe")?;
        self.child = Some(child);
        let rx = lines(stdout);
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) if line.trim() == "ready" => break,
                Ok(_) => {}
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    self.kill();
                    bail!(
                        "{} (serve {}) printed no `ready` within {READY_TIMEOUT:?}; stderr:\n{}",
                        self.name,
                        self.service,
                        self.stderr_tail()
                    );
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = self.child.as_mut().and_then(|c| c.wait().ok());
                    self.child = None;
                    bail!(
                        "{} (serve {}) exited before `ready` ({status:?}); stderr:\n{}",
                        self.name,
                        self.service,
                        self.stderr_tail()
                    );
                }
            }
        }
        Ok(())
    }

    /// SIGKILL: no shutdown code runs, exactly as in a crash.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the same service again on the same data directory and waits for `ready`.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        self.kill();
        self.spawn()
    }

    /// Whether the process still runs (it has not exited on its own).
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Everything the service wrote on stderr so far (all its runs).
    pub fn stderr(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = File::open(&self.stderr) {
            let _ = f.read_to_string(&mut text);
        }
        text
    }

    /// Lines of stderr containing every one of `needles`.
    pub fn count_stderr_lines(&self, needles: &[&str]) -> usize {
        self.stderr()
            .lines()
            .filter(|l| needles.iter().all(|n| l.contains(n)))
            .count()
    }

    pub fn stderr_tail(&self) -> String {
        let text = self.stderr();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// What one CLI run printed.
#[derive(Debug, Clone)]
pub struct CliOutput {
    pub args: Vec<String>,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl CliOutput {
    pub fn success(&self) -> bool {
        self.status.success()
    }

    /// The stdout of a successful run; otherwise an error quoting the command and both
    /// streams.
    pub fn ok(self) -> anyhow::Result<String> {
        if self.status.success() {
            return Ok(self.stdout);
        }
        bail!("{self}")
    }
}

impl std::fmt::Display for CliOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "synergy {} → {}\nstdout:\n{}\nstderr:\n{}",
            self.args.join(" "),
            self.status,
            self.stdout,
            self.stderr
        )
    }
}

/// The CLI pointed at one NATS deployment, as an operator's shell with `SYNERGY_NATS` set.
#[derive(Debug, Clone)]
pub struct Cli {
    nats: String,
    /// The CLI's own data dir; over NATS it holds nothing, but it must not be shared.
    data: PathBuf,
}

impl Cli {
    pub fn new(nats: &str, data: &Path) -> Cli {
        Cli {
            nats: nats.to_owned(),
            data: data.to_path_buf(),
        }
    }

    /// Runs `synergy --nats URL --data DIR ARGS…`, killing it after [`CLI_TIMEOUT`].
    pub fn run<S: AsRef<str>>(&self, args: &[S]) -> anyhow::Result<CliOutput> {
        let args: Vec<String> = args.iter().map(|a| a.as_ref().to_owned()).collect();
        let mut child = synergy()
            .arg("--nats")
            .arg(&self.nats)
            .arg("--data")
            .arg(&self.data)
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start synergy {}", args.join(" ")))?;
        let stdout = reader(child.stdout.take());
        let stderr = reader(child.stderr.take());
        let deadline = Instant::now() + CLI_TIMEOUT;
        let status = loop {
            if let Some(status) = child.try_wait()? {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                bail!(
                    "synergy {} did not finish within {CLI_TIMEOUT:?}",
                    args.join(" ")
                );
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        Ok(CliOutput {
            args,
            status,
            stdout: stdout.join().unwrap_or_default(),
            stderr: stderr.join().unwrap_or_default(),
        })
    }

    /// Runs and requires success; returns stdout.
    pub fn ok<S: AsRef<str>>(&self, args: &[S]) -> anyhow::Result<String> {
        self.run(args)?.ok()
    }
}

/// Reads `pipe` to its end on a thread of its own; the text, when joined.
pub fn reader<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_string(&mut text);
        }
        text
    })
}

/// The lines of `pipe` as they come, read on a thread of its own. It reads on to the end
/// after the receiver is gone (nobody listening after `ready`), which keeps the pipe from
/// filling up and blocking the process that writes it.
pub fn lines<R: Read + Send + 'static>(pipe: R) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            let _ = tx.send(line);
        }
    });
    rx
}
