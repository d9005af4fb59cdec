//! deploy/README.md §2 ("One nats-server, services as systemd units") run as written, as
//! far as a sandbox allows, and the same login on the three-node cluster of §3.
//!
//! The README's shell lines run through `sh -c` from the repository root, with only what
//! cannot be shared on a test machine substituted: `/etc/synergy` and `/etc/systemd/system`
//! become temporary directories, and the fixed ports (4222, 8222, 8080) free ones. Lines
//! that need root or a running systemd (`useradd`, `systemctl`, `journalctl`) are not run;
//! `systemctl enable --now synergy.target` is played by starting every unit the target
//! wants from its installed unit file: `ExecStart=`, `Environment=` and `EnvironmentFile=`
//! as written, with only the binary paths, the config and state directories and those
//! ports substituted, and nothing else in the environment. The operator's lines (`set -a;
//! . /etc/synergy/admin.env; set +a` and the `synergy` commands) run in a shell whose only
//! setting is a `PATH` holding the built `synergy`. A README line this test does not know
//! fails it, so the walkthrough cannot drift from what is tested.

use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use synergy_e2e::binary::workspace_root;
use synergy_e2e::docs::sh_blocks;
use synergy_e2e::market::{Catalogue, MarketData};
use synergy_e2e::synergy_bin;
use tempfile::TempDir;

/// nats-server healthy, or a service printing `ready`: generous, the suite runs beside a
/// cargo build on two cores (a three-node cluster took over 60 s to come up with four
/// builds beside it).
const START_TIMEOUT: Duration = Duration::from_secs(120);
/// One operator command.
const CLI_TIMEOUT: Duration = Duration::from_secs(90);
/// The line every deploy config stores JetStream data under.
const STORE_LINE: &str = "store_dir: /var/lib/synergy/nats";

/// What the sandbox puts where the README says `/etc/...`, `/var/lib/...` and fixed ports.
struct Sandbox {
    dir: TempDir,
    /// (from, to), applied in order.
    substitutions: Vec<(String, String)>,
}

impl Sandbox {
    fn new(client_ports: &[u16], http_port: u16, gateway_port: u16) -> anyhow::Result<Sandbox> {
        let dir = TempDir::with_prefix("synergy-deploy-walkthrough-")?;
        let root = dir.path();
        for sub in [
            "etc-synergy",
            "etc-systemd-system",
            "var-lib",
            "bin",
            "work",
        ] {
            std::fs::create_dir_all(root.join(sub))?;
        }
        std::os::unix::fs::symlink(synergy_bin(), root.join("bin/synergy"))?;
        let path = |p: &str| root.join(p).display().to_string();
        let mut substitutions = vec![
            ("/etc/systemd/system".to_owned(), path("etc-systemd-system")),
            ("/etc/synergy".to_owned(), path("etc-synergy")),
            ("/var/lib/synergy".to_owned(), path("var-lib/synergy")),
            (
                "/usr/local/bin/nats-server".to_owned(),
                synergy_testkit::nats_server_bin()?.display().to_string(),
            ),
            (
                "/usr/local/bin/synergy".to_owned(),
                synergy_bin().display().to_string(),
            ),
            (
                "127.0.0.1:8222".to_owned(),
                format!("127.0.0.1:{http_port}"),
            ),
            (
                "127.0.0.1:8080".to_owned(),
                format!("127.0.0.1:{gateway_port}"),
            ),
        ];
        // The single node's client port, or the cluster's three nodes by name.
        match client_ports {
            [one] => substitutions.push(("127.0.0.1:4222".into(), format!("127.0.0.1:{one}"))),
            nodes => {
                for (i, port) in nodes.iter().enumerate() {
                    substitutions
                        .push((format!("nats-{}:4222", i + 1), format!("127.0.0.1:{port}")));
                }
            }
        }
        Ok(Sandbox { dir, substitutions })
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn etc(&self) -> PathBuf {
        self.root().join("etc-synergy")
    }

    fn units(&self) -> PathBuf {
        self.root().join("etc-systemd-system")
    }

    fn work(&self) -> PathBuf {
        self.root().join("work")
    }

    fn apply(&self, text: &str) -> String {
        self.substitutions
            .iter()
            .fold(text.to_owned(), |t, (from, to)| t.replace(from, to))
    }

    /// `sh -c LINE` from the repository root, with PATH finding `synergy` and nothing else
    /// set; fails naming the line unless it succeeds.
    fn run_line(&self, line: &str) -> anyhow::Result<String> {
        let script = self.apply(line);
        let out = self.shell(&script, &workspace_root()).output()?;
        ensure!(
            out.status.success(),
            "README line failed: {line}\n(run as: {script})\nstdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn shell(&self, script: &str, cwd: &Path) -> Command {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(script)
            .current_dir(cwd)
            .env_clear()
            .env(
                "PATH",
                format!(
                    "{}:/usr/local/bin:/usr/bin:/bin",
                    self.root().join("bin").display()
                ),
            )
            .stdin(Stdio::null());
        cmd
    }

    /// The installed nats config with its store moved into the sandbox (nats-server
    /// refuses a --store_dir flag when the file sets one).
    fn move_store(&self, rel: &str) -> anyhow::Result<()> {
        let path = self.etc().join(rel);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading the installed {}", path.display()))?;
        ensure!(
            text.contains(STORE_LINE),
            "{rel} no longer has {STORE_LINE:?}"
        );
        std::fs::write(&path, self.apply(&text))?;
        Ok(())
    }
}

/// Points the installed config at `path` to the store `store`.
fn move_store_to(path: &Path, store: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the installed {}", path.display()))?;
    ensure!(
        text.contains(STORE_LINE),
        "{} no longer has {STORE_LINE:?}",
        path.display()
    );
    let line = format!("store_dir: {:?}", store.display().to_string());
    std::fs::write(path, text.replace(STORE_LINE, &line))?;
    Ok(())
}

/// The parts of a unit file this test plays.
#[derive(Debug)]
struct Unit {
    name: String,
    exec_start: String,
    environment: Vec<(String, String)>,
    environment_files: Vec<PathBuf>,
    state_directories: Vec<String>,
}

impl Unit {
    fn read(sandbox: &Sandbox, name: &str) -> anyhow::Result<Unit> {
        let path = sandbox.units().join(name);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("{name} is not installed in {}", path.display()))?;
        let mut unit = Unit {
            name: name.to_owned(),
            exec_start: String::new(),
            environment: Vec::new(),
            environment_files: Vec::new(),
            state_directories: Vec::new(),
        };
        for line in text.lines().map(str::trim) {
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            match key {
                "ExecStart" => unit.exec_start = value.to_owned(),
                "Environment" => {
                    let (k, v) = value
                        .split_once('=')
                        .with_context(|| format!("{name}: Environment={value}"))?;
                    unit.environment.push((k.to_owned(), v.to_owned()));
                }
                "EnvironmentFile" => unit
                    .environment_files
                    .push(PathBuf::from(sandbox.apply(value))),
                "StateDirectory" => unit.state_directories.push(value.to_owned()),
                _ => {}
            }
        }
        ensure!(!unit.exec_start.is_empty(), "{name} has no ExecStart");
        Ok(unit)
    }

    /// What systemd would hand the process: the EnvironmentFile's lines, then Environment=.
    fn env(&self, sandbox: &Sandbox) -> anyhow::Result<Vec<(String, String)>> {
        let mut env = Vec::new();
        for file in &self.environment_files {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("{}: EnvironmentFile {}", self.name, file.display()))?;
            for line in text.lines().map(str::trim) {
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let (k, v) = line
                    .split_once('=')
                    .with_context(|| format!("{}: a line without '='", file.display()))?;
                env.push((k.to_owned(), v.to_owned()));
            }
        }
        for (k, v) in &self.environment {
            env.push((k.clone(), sandbox.apply(v)));
        }
        Ok(env)
    }

    /// Starts the unit's ExecStart (plus `extra` arguments) and waits until `ready` says so.
    fn start(
        &self,
        sandbox: &Sandbox,
        extra: &[String],
        log: &Path,
    ) -> anyhow::Result<(Child, mpsc::Receiver<String>)> {
        for dir in &self.state_directories {
            std::fs::create_dir_all(sandbox.root().join("var-lib").join(dir))?;
        }
        let argv: Vec<String> = sandbox
            .apply(&self.exec_start)
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        let (program, args) = argv.split_first().context("an empty ExecStart")?;
        let stderr = std::fs::File::create(log)?;
        let mut child = Command::new(program)
            .args(args)
            .args(extra)
            .env_clear()
            .envs(self.env(sandbox)?)
            .env("NO_COLOR", "1")
            .current_dir(sandbox.root())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .with_context(|| format!("starting {}: {}", self.name, argv.join(" ")))?;
        let stdout = child.stdout.take().context("no stdout")?;
        let rx = synergy_e2e::process::lines(stdout);
        Ok((child, rx))
    }
}

/// A process started from a unit; SIGKILLed on drop.
struct Running {
    name: String,
    child: Child,
    log: PathBuf,
}

impl Running {
    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a synergy unit and waits for its `ready` line.
fn start_service(sandbox: &Sandbox, unit: &str) -> anyhow::Result<Running> {
    let unit = Unit::read(sandbox, unit)?;
    let log = sandbox.root().join(format!("{}.log", unit.name));
    let (mut child, lines) = unit.start(sandbox, &[], &log)?;
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) if line.trim() == "ready" => break,
            Ok(_) => {}
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                bail!(
                    "{} printed no `ready` ({e:?}) within {START_TIMEOUT:?}:\n{}",
                    unit.name,
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
        }
    }
    // Keep draining stdout so the service never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Ok(Running {
        name: unit.name,
        child,
        log,
    })
}

/// Starts nats-server from its unit with `extra` flags (ports); see [`wait_healthy`].
fn spawn_nats(
    sandbox: &Sandbox,
    name: &str,
    exec_start: Option<&str>,
    extra: &[String],
) -> anyhow::Result<Running> {
    let mut unit = Unit::read(sandbox, "synergy-nats.service")?;
    if let Some(exec) = exec_start {
        unit.exec_start = exec.to_owned();
    }
    let log = sandbox.root().join(format!("{name}.log"));
    let (child, lines) = unit.start(sandbox, extra, &log)?;
    std::thread::spawn(move || for _ in lines {});
    Ok(Running {
        name: name.to_owned(),
        child,
        log,
    })
}

/// Waits until the server's /healthz (JetStream, and on a cluster a meta leader) says ok.
fn wait_healthy(running: &mut Running, http_port: u16) -> anyhow::Result<()> {
    let deadline = Instant::now() + START_TIMEOUT;
    while !synergy_testkit::monitor_healthy(http_port) {
        if let Some(status) = running.child.try_wait()? {
            bail!(
                "{} exited ({status}):\n{}",
                running.name,
                running.log_text()
            );
        }
        ensure!(
            Instant::now() < deadline,
            "{} not healthy after {START_TIMEOUT:?}:\n{}",
            running.name,
            running.log_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

/// The units `synergy.target` wants, from the installed target file.
fn target_units(sandbox: &Sandbox) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(sandbox.units().join("synergy.target"))?;
    let wants = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Wants="))
        .context("synergy.target wants nothing")?;
    Ok(wants.split_whitespace().map(str::to_owned).collect())
}

/// Every password in nats.env: none may appear in a log or an output.
fn secrets(sandbox: &Sandbox) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(sandbox.etc().join("nats.env"))?;
    Ok(text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(_, v)| v.to_owned())
        .collect())
}

fn ensure_no_secret(secrets: &[String], what: &str, text: &str) -> anyhow::Result<()> {
    for secret in secrets {
        ensure!(
            !text.contains(secret.as_str()),
            "{what} shows a password:\n{text}"
        );
    }
    Ok(())
}

/// The operator's session: the README's `set -a; . admin.env; set +a` line, then `line`,
/// in one shell in `sandbox.work()`.
fn operator(sandbox: &Sandbox, login: &str, line: &str) -> Command {
    let script = format!("{}\n{}", sandbox.apply(login), sandbox.apply(line));
    let mut cmd = sandbox.shell(&script, &sandbox.work());
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd
}

fn run_operator(sandbox: &Sandbox, login: &str, line: &str) -> anyhow::Result<(String, String)> {
    let mut child = operator(sandbox, login, line).spawn()?;
    let stdout = synergy_e2e::process::reader(child.stdout.take());
    let stderr = synergy_e2e::process::reader(child.stderr.take());
    let deadline = Instant::now() + CLI_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            bail!("`{line}` did not finish within {CLI_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let (out, err) = (
        stdout.join().unwrap_or_default(),
        stderr.join().unwrap_or_default(),
    );
    ensure!(
        status.success(),
        "`{line}` failed ({status}):\nstdout:\n{out}\nstderr:\n{err}"
    );
    Ok((out, err))
}

/// The events evaluation records by itself, which `tail` may show before the meeting.
const EVALUATIONS_OWN: [&str; 4] = [
    "ReportIssued",
    "ExceptionRaised",
    "ExceptionCleared",
    "DataReminder",
];

/// `synergy tail` follows the log from its head: once it runs, meetings are scheduled
/// (one per attempt, the way an operator would watch something happen) until it shows one,
/// then the shell and the CLI (one process group) are stopped. Returns what it showed.
fn tail_shows_new_commits(sandbox: &Sandbox, login: &str, line: &str) -> anyhow::Result<String> {
    let mut cmd = operator(sandbox, login, line);
    cmd.process_group(0);
    let mut child = cmd.spawn()?;
    let stdout = child.stdout.take().context("no stdout")?;
    let rx = synergy_e2e::process::lines(stdout);
    let deadline = Instant::now() + CLI_TIMEOUT;
    let result = (|| {
        for attempt in 1.. {
            // tail subscribes from the head it read at start: a commit made before that
            // is not shown, so this polls the outcome, it is not a synchronisation.
            let schedule = format!(
                "synergy meeting schedule --partnership P --meeting watch{attempt} --kind training --title T --on 2008-02-01"
            );
            run_operator(sandbox, login, &schedule)?;
            match rx.recv_timeout(Duration::from_secs(5)) {
                Ok(shown) if shown.contains("MeetingScheduled") => return Ok(shown),
                // What evaluation records by itself meanwhile: a report it issued
                // (docs/reports.md) or an alert (docs/alerts.md).
                Ok(shown) if EVALUATIONS_OWN.iter().any(|e| shown.contains(e)) => {}
                Ok(shown) => return Ok(shown),
                Err(mpsc::RecvTimeoutError::Timeout) if Instant::now() < deadline => {}
                Err(e) => bail!("`{line}` showed nothing ({e:?}) within {CLI_TIMEOUT:?}"),
            }
        }
        unreachable!("the loop returns")
    })();
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .status();
    let _ = child.wait();
    result
}

/// The README's operator block, run line by line after its login line.
fn operator_block(sandbox: &Sandbox, block: &[String]) -> anyhow::Result<String> {
    let (login, commands) = block.split_first().context("an empty operator block")?;
    ensure!(
        login.starts_with("set -a; . /etc/synergy/admin.env; set +a"),
        "the operator block no longer starts by loading admin.env: {login}"
    );
    let secrets = secrets(sandbox)?;
    let mut transcript = String::new();
    for line in commands {
        let command = line.split('#').next().unwrap_or("").trim();
        if command.is_empty() {
            continue;
        }
        let out = if command == "synergy tail" {
            let shown = tail_shows_new_commits(sandbox, login, line)?;
            ensure!(shown.contains("MeetingScheduled"), "tail showed {shown}");
            shown
        } else {
            let (out, err) = run_operator(sandbox, login, line)?;
            ensure_no_secret(&secrets, line, &err)?;
            out
        };
        ensure_no_secret(&secrets, line, &out)?;
        transcript.push_str(&format!("$ {line}\n{out}\n"));
    }
    Ok(transcript)
}

/// The report the operator asked for counts the imported month's volume.
fn ensure_report_counts_january(transcript: &str) -> anyhow::Result<()> {
    let n = january()?.volume_cases();
    let shown = synergy_e2e::report::in_wan(n);
    let row = format!("| 销量(箱) | {shown} |");
    ensure!(transcript.contains(&row), "no {row:?} in:\n{transcript}");
    Ok(())
}

fn january() -> anyhow::Result<synergy_e2e::Month> {
    let data = MarketData::generate(2008, 1, 7);
    let january = data.months.first().context("one month")?.clone();
    ensure!(january.period() == "2008-01", "{}", january.period());
    Ok(january)
}

/// The files the README's operator imports, written where the shell runs.
fn write_import_files(sandbox: &Sandbox) -> anyhow::Result<()> {
    std::fs::write(sandbox.work().join("catalogue.csv"), Catalogue::csv())?;
    let january = january()?;
    std::fs::write(sandbox.work().join("market-2008-01.csv"), january.csv())?;
    Ok(())
}

#[test]
fn readme_section_2_runs_as_written() -> anyhow::Result<()> {
    let ports = synergy_testkit::free_ports(3).expect("bind 127.0.0.1:0");
    let (client_port, http_port, gateway_port) = (ports[0], ports[1], ports[2]);
    let sandbox = Sandbox::new(&[client_port], http_port, gateway_port)?;
    let blocks = sh_blocks("deploy/README.md", "## 2.")?;
    ensure!(blocks.len() == 2, "§2 has {} sh blocks", blocks.len());

    // The installation block, line by line.
    let mut running: Vec<Running> = Vec::new();
    let mut started = false;
    for line in &blocks[0] {
        let command = line.split('#').next().unwrap_or("").trim();
        let word = command.split_whitespace().next().unwrap_or("");
        match word {
            "useradd" | "journalctl" => {} // root and systemd only
            "systemctl" if command == "systemctl daemon-reload" => {}
            "systemctl" if command == "systemctl enable --now synergy.target" => {
                // Move the store (the only config line changed), then start the target.
                sandbox.move_store("nats/single.conf")?;
                let units = target_units(&sandbox)?;
                ensure!(
                    units.first().map(String::as_str) == Some("synergy-nats.service"),
                    "synergy.target starts with {units:?}"
                );
                let flags: Vec<String> = [
                    "-p".to_owned(),
                    client_port.to_string(),
                    "-m".to_owned(),
                    http_port.to_string(),
                ]
                .into();
                let mut nats = spawn_nats(&sandbox, "nats", None, &flags)?;
                wait_healthy(&mut nats, http_port)?;
                running.push(nats);
                for unit in &units[1..] {
                    running.push(start_service(&sandbox, unit)?);
                }
                ensure!(running.len() == 8, "nats, six services and the gateway");
                started = true;
            }
            "install" | "deploy/secrets.sh" => {
                sandbox.run_line(line)?;
            }
            "curl" => {
                ensure!(started, "curl before the services started");
                let out = sandbox.run_line(line)?;
                ensure!(out.trim() == r#"{"status":"ok"}"#, "{line} printed {out}");
            }
            _ => bail!("deploy/README.md §2 has a line this test does not know: {line}"),
        }
    }
    ensure!(started, "§2 never starts synergy.target");

    // The secured deployment: every env file holds a login, no URL holds a password.
    let secrets = secrets(&sandbox)?;
    ensure!(secrets.len() == 9, "nats.env: {secrets:?}");
    let brand = std::fs::read_to_string(sandbox.etc().join("brand.env"))?;
    ensure!(
        brand.contains("SYNERGY_NATS_USER=brand\n") && brand.contains("SYNERGY_NATS_PASSWORD=p"),
        "{brand}"
    );

    // The operator's block.
    write_import_files(&sandbox)?;
    let transcript = operator_block(&sandbox, &blocks[1])?;
    for expected in [
        "PartnershipSigned",
        "SkuRegistered",
        "MarketDataSubmitted",
        "市场分析",
    ] {
        ensure!(
            transcript.contains(expected),
            "{expected} missing from:\n{transcript}"
        );
    }

    ensure_report_counts_january(&transcript)?;

    // A human's URL with the login in it works too, and a wrong password is refused
    // without being repeated.
    let admin = env_file(&sandbox.etc().join("admin.env"))?;
    let password = admin
        .get("SYNERGY_NATS_PASSWORD")
        .context("admin password")?;
    let report = |url: String| {
        Command::new(synergy_bin())
            .env_clear()
            .args(["--nats", &url, "--data"])
            .arg(sandbox.work().join("synergy-data"))
            .args(["report", "--partnership", "P", "--period", "2008-H1"])
            .stdin(Stdio::null())
            .output()
    };
    let out = report(format!("nats://admin:{password}@127.0.0.1:{client_port}"))?;
    ensure!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("市场分析"),
        "the URL login failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = report(format!(
        "nats://admin:pWrong0Secret@127.0.0.1:{client_port}"
    ))?;
    let err = String::from_utf8_lossy(&out.stderr);
    ensure!(!out.status.success(), "a wrong password was accepted");
    ensure!(
        err.contains("authorization violation") && err.contains("as admin"),
        "{err}"
    );
    ensure!(
        !err.contains("pWrong0Secret"),
        "the error repeats the password: {err}"
    );

    // No process logged a password or has one on its command line (`ps`), and none was
    // refused anything.
    for process in &running {
        let cmdline = std::fs::read(format!("/proc/{}/cmdline", process.child.id()))?;
        ensure_no_secret(&secrets, &process.name, &String::from_utf8_lossy(&cmdline))?;
        let log = process.log_text();
        ensure_no_secret(&secrets, &process.name, &log)?;
        ensure!(
            !log.to_lowercase().contains("violation"),
            "{} was refused something:\n{log}",
            process.name
        );
    }
    Ok(())
}

/// §3's cluster: the three configs of `deploy/nats/cluster/`, `secrets.sh` for three nodes,
/// the R3 stream created by the admin, and the six services and the gateway started from
/// their units with the env files' logins; the operator's commands of §2 then work over
/// the cluster.
#[test]
fn the_cluster_configs_take_the_same_logins() -> anyhow::Result<()> {
    let ports = synergy_testkit::free_ports(3 + 3 + 3 + 1).expect("bind 127.0.0.1:0");
    let (clients, routes, https, gateway_port) =
        (&ports[0..3], &ports[3..6], &ports[6..9], ports[9]);
    let sandbox = Sandbox::new(clients, https[0], gateway_port)?;
    let blocks = sh_blocks("deploy/README.md", "## 3.")?;
    let install = blocks.first().context("§3 has no sh block")?;
    // Machine N's installation lines, into its own /etc/synergy (each node has its own
    // JetStream store). secrets.sh runs once, into the /etc/synergy the services read
    // (the README copies the one nats.env to all three; the units read that one here).
    let node_etc = |n: usize| sandbox.root().join(format!("n{n}/etc-synergy"));
    let mut secrets_line = None;
    for line in install {
        let command = line.split('#').next().unwrap_or("").trim();
        match command.split_whitespace().next().unwrap_or("") {
            "" | "systemctl" => {}
            "install" => {
                for n in 1..=3 {
                    let on_node = line
                        .replace("nN.conf", &format!("n{n}.conf"))
                        .replace("/etc/synergy", &node_etc(n).display().to_string());
                    sandbox.run_line(&on_node)?;
                }
            }
            "deploy/secrets.sh" => secrets_line = Some(line.clone()),
            _ => bail!("deploy/README.md §3 has a line this test does not know: {line}"),
        }
    }
    sandbox.run_line(&secrets_line.context("§3 runs no secrets.sh")?)?;
    let install_units = "install -m 0644 deploy/systemd/*.service deploy/systemd/synergy.target /etc/systemd/system/";
    ensure!(
        sh_blocks("deploy/README.md", "## 2.")?[0]
            .iter()
            .any(|l| l.starts_with(install_units)),
        "§2 installs the units differently now"
    );
    sandbox.run_line(install_units)?;
    for n in 1..=3 {
        let store = sandbox.root().join(format!("n{n}/store"));
        move_store_to(&node_etc(n).join("nats/cluster/common.conf"), &store)?;
    }

    // The three nodes: the unit's ExecStart pointed at nN.conf, as §3's `systemctl edit`
    // says; on one machine the routes are loopback ports.
    let route_urls = routes
        .iter()
        .map(|p| format!("nats://127.0.0.1:{p}"))
        .collect::<Vec<_>>()
        .join(",");
    let mut nodes = Vec::new();
    for n in 0..3 {
        let exec = format!(
            "/usr/local/bin/nats-server -c {}/nats/cluster/n{}.conf",
            node_etc(n + 1).display(),
            n + 1
        );
        let flags: Vec<String> = vec![
            "-a".into(),
            "127.0.0.1".into(),
            "-p".into(),
            clients[n].to_string(),
            "-m".into(),
            https[n].to_string(),
            "--cluster".into(),
            format!("nats://127.0.0.1:{}", routes[n]),
            "--routes".into(),
            route_urls.clone(),
        ];
        nodes.push(spawn_nats(
            &sandbox,
            &format!("n{}", n + 1),
            Some(&exec),
            &flags,
        )?);
    }
    for (node, port) in nodes.iter_mut().zip(https) {
        wait_healthy(node, *port)?;
    }

    // The operator creates the R3 stream as the admin. §3 does it with the nats CLI, which
    // is not installed here; this does the same with the same login and definition.
    let stream_add = blocks.get(1).map(|b| b.join("\n")).unwrap_or_default();
    ensure!(
        stream_add.contains(". /etc/synergy/admin.env")
            && stream_add.contains("stream add --config deploy/nats/stream-r3.json"),
        "§3 creates the stream differently now:\n{stream_add}"
    );
    let admin = env_file(&sandbox.etc().join("admin.env"))?;
    create_r3_stream(&admin)?;

    let mut running = Vec::new();
    for unit in &target_units(&sandbox)?[1..] {
        running.push(start_service(&sandbox, unit)?);
    }
    write_import_files(&sandbox)?;
    let transcript = operator_block(&sandbox, &sh_blocks("deploy/README.md", "## 2.")?[1])?;
    ensure_report_counts_january(&transcript)?;
    let secrets = secrets(&sandbox)?;
    for process in running.iter().chain(&nodes) {
        ensure_no_secret(&secrets, &process.name, &process.log_text())?;
    }
    Ok(())
}

fn env_file(path: &Path) -> anyhow::Result<BTreeMap<String, String>> {
    Ok(std::fs::read_to_string(path)?
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect())
}

/// `nats stream add --config deploy/nats/stream-r3.json` as the admin of `admin.env`,
/// waiting (bounded) for the stream's leader.
fn create_r3_stream(admin: &BTreeMap<String, String>) -> anyhow::Result<()> {
    use async_nats::jetstream::{self, stream};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let get = |k: &str| {
            admin
                .get(k)
                .cloned()
                .with_context(|| format!("admin.env has no {k}"))
        };
        let servers: Vec<String> = get("SYNERGY_NATS")?.split(',').map(str::to_owned).collect();
        let client = async_nats::ConnectOptions::with_user_and_password(
            get("SYNERGY_NATS_USER")?,
            get("SYNERGY_NATS_PASSWORD")?,
        )
        .custom_inbox_prefix("_INBOX.admin")
        .connect(servers)
        .await?;
        let js = jetstream::ContextBuilder::new()
            .timeout(START_TIMEOUT)
            .build(client);
        let definition =
            std::fs::read_to_string(workspace_root().join("deploy/nats/stream-r3.json"))?;
        let config: stream::Config = serde_json::from_str(&definition)?;
        let mut stream = js.create_stream(config).await?;
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let info = stream.info().await?;
            if info
                .cluster
                .as_ref()
                .and_then(|c| c.leader.as_ref())
                .is_some()
            {
                return Ok(());
            }
            ensure!(Instant::now() < deadline, "the R3 stream elected no leader");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
}
