//! README.md's "## Using it" run as written: its first `sh` block line by line, then the
//! `curl` block against the `synergy up` that block starts.
//!
//! Each line runs through `sh -c` in a new working directory, with only a `PATH` holding
//! the built `synergy` (so `./synergy-data` and `> changzhi-2008-H1.html` land there).
//! `cargo build --release` and `alias synergy=target/release/synergy` are the setup this
//! test replaces with the binary it built; they are not run. The files the lines import
//! are the repository's `docs/examples/`, copied there first (`tests/examples.rs` holds
//! them to the e2e market generator, whose figures the report is checked against).
//! `synergy up --addr 127.0.0.1:8080` runs in the background on a free port instead of
//! 8080 and is stopped with SIGTERM at the end; the `curl` lines run with `TOKEN` set to
//! the token the block's `synergy token create` printed and `localhost:8080` replaced by
//! that port. A README line this test does not know fails it, so the section cannot drift
//! from what is tested.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use synergy_e2e::binary::workspace_root;
use synergy_e2e::docs::sh_blocks;
use synergy_e2e::market::{MarketData, Month};
use synergy_e2e::report::in_wan;
use synergy_e2e::synergy_bin;
use tempfile::TempDir;

/// One README command; generous, the suite runs beside cargo builds on two cores.
const CLI_TIMEOUT: Duration = Duration::from_secs(90);
/// `synergy up` from spawn to `ready`, and from SIGTERM to its exit.
const UP_TIMEOUT: Duration = Duration::from_secs(90);
/// What the README's `synergy up` line binds; the test binds a free port instead.
const README_ADDR: &str = "127.0.0.1:8080";
/// What the README's `curl` lines call.
const README_HOST: &str = "localhost:8080";

/// `line` without its `# comment`; a `#` inside quotes, or inside a word, stays.
fn strip_comment(line: &str) -> &str {
    let mut quote = None;
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if previous.is_whitespace() => return &line[..i],
            _ => {}
        }
        previous = c;
    }
    line
}

/// The block's commands: `\` continuations joined, comments and blank lines dropped.
fn commands(block: &[String]) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut pending = String::new();
    for raw in block {
        let line = strip_comment(raw).trim();
        if let Some(head) = line.strip_suffix('\\') {
            pending.push_str(head.trim_end());
            pending.push(' ');
            continue;
        }
        pending.push_str(line);
        let command = std::mem::take(&mut pending).trim().to_owned();
        if !command.is_empty() {
            out.push(command);
        }
    }
    ensure!(
        pending.trim().is_empty(),
        "a `\\` continuation ends the block: {pending}"
    );
    Ok(out)
}

#[test]
fn comments_and_continuations() -> anyhow::Result<()> {
    let block: Vec<String> = [
        "# a comment",
        "synergy x --a 1 \\",
        "        --b '#2' # said",
        "",
        "curl 'h/p?q=1#frag'   # c",
    ]
    .map(str::to_owned)
    .into();
    assert_eq!(
        commands(&block)?,
        ["synergy x --a 1 --b '#2'", "curl 'h/p?q=1#frag'"]
    );
    Ok(())
}

/// The temporary working directory and the `PATH` the README's lines run with.
struct Sandbox {
    dir: TempDir,
}

impl Sandbox {
    fn new() -> anyhow::Result<Sandbox> {
        let dir = TempDir::with_prefix("synergy-readme-using-it-")?;
        std::fs::create_dir_all(dir.path().join("bin"))?;
        std::fs::create_dir_all(dir.path().join("work"))?;
        std::os::unix::fs::symlink(synergy_bin(), dir.path().join("bin/synergy"))?;
        Ok(Sandbox { dir })
    }

    fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    /// `sh -c SCRIPT` in the working directory, with a PATH finding `synergy` first and
    /// nothing else set but `env`.
    fn shell(&self, script: &str, env: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(script)
            .current_dir(self.work())
            .env_clear()
            .env(
                "PATH",
                format!(
                    "{}:/usr/local/bin:/usr/bin:/bin",
                    self.dir.path().join("bin").display()
                ),
            )
            .env("NO_COLOR", "1")
            .envs(env.iter().copied())
            .stdin(Stdio::null());
        cmd
    }

    /// Runs `script` to its end (killed after [`CLI_TIMEOUT`]); fails naming `line`
    /// unless it exits 0. Returns stdout.
    fn run(&self, line: &str, script: &str, env: &[(&str, &str)]) -> anyhow::Result<String> {
        let mut child = self
            .shell(script, env)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .with_context(|| format!("cannot run sh for {line}"))?;
        let stdout = synergy_e2e::process::reader(child.stdout.take());
        let stderr = synergy_e2e::process::reader(child.stderr.take());
        let status = wait_for(&mut child, CLI_TIMEOUT);
        let out = stdout.join().unwrap_or_default();
        let err = stderr.join().unwrap_or_default();
        let status = status.with_context(|| format!("README line `{line}`"))?;
        ensure!(
            status.success(),
            "README line failed ({status}): {line}\n(run as: {script})\nstdout:\n{out}\nstderr:\n{err}"
        );
        Ok(out)
    }
}

/// Waits for `child` (a process group leader), killing its group past `timeout`.
fn wait_for(child: &mut Child, timeout: Duration) -> anyhow::Result<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if Instant::now() >= deadline {
            kill_group(child, "-KILL");
            let _ = child.wait();
            bail!("did not finish within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn kill_group(child: &Child, signal: &str) {
    let _ = Command::new("kill")
        .args([signal, "--", &format!("-{}", child.id())])
        .status();
}

/// The README's `synergy up`, run by `sh` in the background; its process group is
/// SIGKILLed on drop so a failing test leaks nothing.
struct Up {
    child: Child,
    addr: String,
    admin_token: String,
    stderr: PathBuf,
    /// What it printed up to `ready`.
    printed: Vec<String>,
}

impl Up {
    fn start(sandbox: &Sandbox, line: &str) -> anyhow::Result<Up> {
        ensure!(
            line.contains(README_ADDR),
            "the README's `synergy up` no longer binds {README_ADDR}: {line}"
        );
        // `exec`: the shell becomes `synergy up`, so SIGTERM reaches it alone, as Ctrl-C
        // in a terminal would, and its own exit status is what is checked.
        let script = format!("exec {}", line.replace(README_ADDR, "127.0.0.1:0"));
        let stderr = sandbox.dir.path().join("up.stderr");
        let mut child = sandbox
            .shell(&script, &[])
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr)?)
            .process_group(0)
            .spawn()
            .with_context(|| format!("cannot start {script}"))?;
        let stdout = child.stdout.take().context("no stdout")?;
        let rx = synergy_e2e::process::lines(stdout);
        let mut up = Up {
            child,
            addr: String::new(),
            admin_token: String::new(),
            stderr,
            printed: Vec::new(),
        };
        let deadline = Instant::now() + UP_TIMEOUT;
        let mut printed = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(out) = rx.recv_timeout(left) else {
                bail!(
                    "README line `{line}` was not ready within {UP_TIMEOUT:?}\nstdout:\n{}\nstderr:\n{}",
                    printed.join("\n"),
                    up.stderr_text()
                );
            };
            if printed
                .last()
                .is_some_and(|l: &String| l.starts_with("first start: created an admin token"))
            {
                up.admin_token = out.trim().to_owned();
            }
            if let Some(rest) = out.strip_prefix("synergy: HTTP API on http://") {
                up.addr = rest.split_whitespace().next().unwrap_or("").to_owned();
            }
            let ready = out == "ready";
            printed.push(out);
            if ready {
                break;
            }
        }
        ensure!(
            up.admin_token.starts_with("syn_") && !up.addr.is_empty(),
            "`{line}` printed no admin token or no address:\n{}",
            printed.join("\n")
        );
        up.printed = printed;
        Ok(up)
    }

    fn stderr_text(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// SIGTERM, as Ctrl-C in the newcomer's terminal would stop it; it must exit cleanly.
    fn stop(mut self) -> anyhow::Result<()> {
        kill_group(&self.child, "-TERM");
        let status = wait_for(&mut self.child, UP_TIMEOUT).context("synergy up after SIGTERM")?;
        ensure!(
            status.success(),
            "synergy up exited {status} on SIGTERM:\n{}",
            self.stderr_text()
        );
        Ok(())
    }
}

impl Drop for Up {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            kill_group(&self.child, "-KILL");
            let _ = self.child.wait();
        }
    }
}

/// 2006-01 … 2008-06 of the generated market the samples hold.
fn market() -> MarketData {
    MarketData::examples()
}

/// June as first keyed, and as corrected.
fn june() -> anyhow::Result<(Month, Month)> {
    let june = market().months.last().context("30 months")?.clone();
    ensure!(june.period() == "2008-06", "{}", june.period());
    let fixed = june.corrected();
    Ok((june, fixed))
}

/// Copies the repository's `docs/examples/` to `docs/examples/` under `work`.
fn copy_examples(work: &std::path::Path) -> anyhow::Result<()> {
    let from = workspace_root().join("docs/examples");
    let to = work.join("docs/examples");
    std::fs::create_dir_all(&to)?;
    for entry in std::fs::read_dir(&from).with_context(|| format!("{}", from.display()))? {
        let entry = entry?;
        std::fs::copy(entry.path(), to.join(entry.file_name()))?;
    }
    Ok(())
}

/// What one line of the first block must have shown, beyond exiting 0.
fn check_output(sandbox: &Sandbox, command: &str, out: &str) -> anyhow::Result<()> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let has = |flag: &str| words.contains(&flag);
    match words.get(1).copied().unwrap_or("") {
        "demo" if has(">") => {
            let file = words.last().context("a redirect target")?;
            let html = std::fs::read_to_string(sandbox.work().join(file))
                .with_context(|| format!("`{command}` wrote no {file}"))?;
            ensure!(
                html.starts_with("<!DOCTYPE html>") && html.contains("2008-H1"),
                "`{command}` wrote no 2008-H1 page into {file}:\n{html}"
            );
            // Its charts: the share trend with the year before, volume vs target, the mix.
            let charts: Vec<&str> = html.split("<figure><svg").skip(1).collect();
            ensure!(
                charts.len() == 3 && charts[0].contains("2007-H1"),
                "`{command}` drew no share trend beside 2007-H1 and two more charts:\n{html}"
            );
        }
        "demo" => ensure!(
            out.contains("例会材料") && out.contains("| 销量(箱) |"),
            "`{command}` printed no review pack:\n{out}"
        ),
        "report" if has("--versions") => ensure!(
            out.starts_with("version 1 issued ") && out.contains(" by a person (hongyun "),
            "`{command}` listed no version:\n{out}"
        ),
        "report" if has("--issue") => ensure!(
            out.contains("issued version 1"),
            "`{command}` issued nothing:\n{out}"
        ),
        "report" if has("--out") => {
            let file = words
                .iter()
                .position(|w| *w == "--out")
                .and_then(|i| words.get(i + 1))
                .context("the line writes a file")?;
            let bytes = std::fs::read(sandbox.work().join(file))
                .with_context(|| format!("`{command}` wrote no {file}"))?;
            ensure!(
                bytes.starts_with(b"PK\x03\x04"),
                "`{command}` wrote no workbook"
            );
        }
        "report" if has(">") => {
            let file = words.last().context("a redirect target")?;
            let text = std::fs::read_to_string(sandbox.work().join(file))
                .with_context(|| format!("`{command}` wrote no {file}"))?;
            if has("--bom") {
                ensure!(
                    text.starts_with("\u{feff}scope,id,key,value\n"),
                    "`{command}` wrote no CSV with a BOM into {file}:\n{text}"
                );
            } else {
                ensure!(
                    text.starts_with("<!DOCTYPE html>")
                        && text.contains("Market report")
                        && text.contains("version 1"),
                    "`{command}` wrote no page of version 1 into {file}:\n{text}"
                );
            }
        }
        "issue" => ensure!(
            out.contains("recorded ReportIssued") && out.contains(r#""issued":true"#),
            "`{command}` issued nothing:\n{out}"
        ),
        "report" => {
            // April, May and the corrected June.
            let (_, fixed) = june()?;
            let data = market();
            let q2: u64 = data.period("2008-Q2")[..2]
                .iter()
                .map(|m| m.volume_cases())
                .sum::<u64>()
                + fixed.volume_cases();
            let row = format!("| 销量(箱) | {} |", in_wan(q2));
            ensure!(
                out.contains("市场分析") && out.contains(&row),
                "`{command}` shows no {row:?}:\n{out}"
            );
        }
        "rules" => ensure!(
            out.contains("recorded ExceptionRulesSet"),
            "`{command}` set no rules:\n{out}"
        ),
        "show" if words.get(2) == Some(&"exception-rules") => {
            let agreed: serde_json::Value = serde_json::from_str(out)
                .with_context(|| format!("`{command}` printed no JSON:\n{out}"))?;
            let rules = &agreed["in_force"]["rules"];
            ensure!(
                rules["share_drop_points"] == "2.00"
                    && rules["min_volume_attainment"] == "85.00"
                    && rules["max_stock_to_sales"] == "1.50"
                    && agreed["pending"].is_null(),
                "`{command}` shows not the rules just set:\n{out}"
            );
        }
        "show" => {
            let revisions: serde_json::Value = serde_json::from_str(out)
                .with_context(|| format!("`{command}` printed no JSON:\n{out}"))?;
            let reasons: Vec<&serde_json::Value> = revisions
                .as_array()
                .context("an array of revisions")?
                .iter()
                .map(|r| &r["reason"])
                .collect();
            ensure!(
                reasons == [&serde_json::Value::Null, &"June keyed wrong".into()],
                "`{command}` shows not June's two revisions:\n{out}"
            );
        }
        "plan-gap" => ensure!(
            out.contains("Share gap") && out.contains("27.00 %"),
            "`{command}` planned nothing:\n{out}"
        ),
        "quarantine" => ensure!(out.trim() == "[]", "`{command}`:\n{out}"),
        "partnership" if has("list") => ensure!(
            out.contains("| hy-cz | signed | changzhi | 長治 | 2007-12-18 | — | Asia/Shanghai |"),
            "`{command}` lists not hy-cz:\n{out}"
        ),
        "history" => ensure!(
            out.contains(
                "| changzhi (admin, cli) | information/market-data v1 | MarketDataSubmitted |"
            ) && out.contains(" 元"),
            "`{command}` shows not the first import:\n{out}"
        ),
        "portfolio" => ensure!(
            out.starts_with("# Portfolio — hongyun — 2008-Q2")
                && out.contains("| 1 | hy-cz | changzhi | 長治 |"),
            "`{command}` ranks not hy-cz:\n{out}"
        ),
        "market-data" if has("--check") => ensure!(
            out.trim()
                == "check: docs/examples/2008-06.xlsx, sheet \"2008-06\": 1 month would be \
                    recorded, 2008-06, 4 SKUs (MarketDataSubmitted; information/hy-cz/market-data, \
                    version 23 → 24); nothing was recorded",
            "`{command}` did not say what it would record:\n{out}"
        ),
        "completions" => {
            let file = words.last().context("a redirect target")?;
            let script = std::fs::read_to_string(sandbox.work().join(file))
                .with_context(|| format!("`{command}` wrote no {file}"))?;
            ensure!(
                script.contains("_synergy()") && script.contains("market-data"),
                "`{command}` wrote no bash completion into {file}:\n{script}"
            );
        }
        "template" => {
            let file = words
                .iter()
                .position(|w| *w == "--out")
                .and_then(|i| words.get(i + 1))
                .context("the template line writes a file")?;
            let bytes = std::fs::read(sandbox.work().join(file))
                .with_context(|| format!("`{command}` wrote no {file}"))?;
            ensure!(
                bytes.starts_with(b"PK\x03\x04"),
                "`{command}` wrote no workbook"
            );
        }
        _ => {}
    }
    Ok(())
}

#[test]
fn readme_using_it_runs_as_written() -> anyhow::Result<()> {
    let blocks = sh_blocks("README.md", "## Using it")?;
    ensure!(
        blocks.len() == 2,
        "\"Using it\" has {} sh blocks",
        blocks.len()
    );
    let sandbox = Sandbox::new()?;
    copy_examples(&sandbox.work())?;

    // The first block: setup, the CLI, then `synergy up` and tokens beside it.
    let mut setup = Vec::new();
    let mut up: Option<Up> = None;
    let mut party_token = None;
    let mut transcript = String::new();
    for command in commands(&blocks[0])? {
        let words: Vec<&str> = command.split_whitespace().collect();
        if command == "cargo build --release" || command.starts_with("alias synergy=") {
            // The setup this test replaces with the binary it built.
            setup.push(command);
            continue;
        }
        ensure!(
            words.first() == Some(&"synergy"),
            "README.md \"Using it\" has a line this test does not know: {command}"
        );
        for word in words.iter().filter(|_| words.get(2) == Some(&"import")) {
            if word.ends_with(".csv") || word.ends_with(".xlsx") {
                ensure!(
                    sandbox.work().join(word).is_file(),
                    "`{command}` imports {word}, which this test does not write"
                );
            }
        }
        if words.get(1) == Some(&"up") {
            ensure!(up.is_none(), "two `synergy up` lines");
            up = Some(Up::start(&sandbox, &command)?);
            continue;
        }
        ensure!(
            up.is_none() || words.get(1) == Some(&"token"),
            "`{command}` after `synergy up`: only `token` works beside it"
        );
        let out = sandbox.run(&command, &command, &[])?;
        check_output(&sandbox, &command, &out)?;
        if words.get(1..3) == Some(&["token", "create"]) {
            let token = out.trim().to_owned();
            ensure!(
                token.starts_with("syn_") && !token.contains(char::is_whitespace),
                "`{command}` printed no token:\n{out}"
            );
            party_token = Some(token);
        }
        transcript.push_str(&format!("$ {command}\n{out}\n"));
    }
    ensure!(
        setup.len() == 2,
        "the block no longer starts with the build and the alias: {setup:?}"
    );
    let up = up.context("the block starts no `synergy up`")?;
    let token = party_token.context("the block creates no token")?;
    // `token list` lists the admin token `up` printed and the party's.
    let id = |t: &str| t.split('_').nth(1).unwrap_or("").to_owned();
    for (who, t) in [("operator", &up.admin_token), ("changzhi", &token)] {
        ensure!(
            transcript
                .lines()
                .any(|l| l.starts_with(&id(t)) && l.contains(who)),
            "`synergy token list` does not list {who}'s token:\n{transcript}"
        );
    }

    // The second block: the party reads over HTTP with its token.
    let (header, curls) = blocks[1]
        .split_first()
        .context("an empty block over HTTP")?;
    ensure!(
        header == r#"T="Authorization: Bearer $TOKEN""#,
        "the HTTP block no longer starts with the bearer header: {header}"
    );
    let curls = commands(curls)?;
    ensure!(!curls.is_empty(), "no curl lines");
    for command in &curls {
        ensure!(
            command.starts_with("curl ") && command.contains(README_HOST),
            "README.md \"Using it\" has a line this test does not know: {command}"
        );
        let script = format!("{header}\n{}", command.replace(README_HOST, &up.addr));
        let out = sandbox.run(command, &script, &[("TOKEN", &token)])?;
        // curl exits 0 on any HTTP answer: an error answer is a JSON object with a code.
        ensure!(
            !out.trim().is_empty() && !out.contains(r#""code":""#),
            "`{command}` answered an error:\n{out}\nsynergy up:\n{}",
            up.stderr_text()
        );
        if command.contains("/reports/review/") {
            ensure!(out.starts_with("<!DOCTYPE html>"), "`{command}`:\n{out}");
        }
        if command.contains("/plan-gap/") {
            ensure!(
                out.contains(r#""target_share_pct":27.00"#),
                "`{command}`:\n{out}"
            );
        }
        if command.contains("/plans") {
            ensure!(out.contains(r#""id":"p2008""#), "`{command}`:\n{out}");
        }
        if command.contains("/versions/1?") {
            ensure!(
                out.contains("Market report — hy-cz — 2008-Q2") && out.contains("version 1"),
                "`{command}`:\n{out}"
            );
        }
        if command.contains("/history?") {
            ensure!(
                out.contains(r#""event":"MarketDataSubmitted""#)
                    && out.contains(r#""next_after":"#),
                "`{command}`:\n{out}"
            );
        }
        if command.ends_with("/v1/partnerships") {
            ensure!(
                out.contains(r#""partnership":"hy-cz","status":"signed""#),
                "`{command}`:\n{out}"
            );
        }
        if command.contains("/v1/portfolio?") {
            ensure!(
                out.contains(r#""partnership":"hy-cz","counterparty":"hongyun""#),
                "`{command}`:\n{out}"
            );
        }
        if command.contains("/exception-rules") {
            let expected = if command.contains(" -d ") {
                r#""events":["ExceptionRulesProposed"]"#
            } else {
                r#""proposed_by":"distributor""#
            };
            ensure!(out.contains(expected), "`{command}`:\n{out}");
        }
        if command.contains("/revisions") {
            ensure!(out.contains("June keyed wrong"), "`{command}`:\n{out}");
        }
        if command.contains("/market-data?") {
            ensure!(out.contains(r#""month":"2008-06""#), "`{command}`:\n{out}");
        }
    }
    up.stop()
}

/// README.md's "## Open the app", its first screen: `synergy up --demo` prints a one-time
/// link for each demo user and the web app's address, and `synergy user invite` beside it
/// prints one more; each link opens the page that sets a password.
#[test]
fn readme_open_the_app_runs_as_written() -> anyhow::Result<()> {
    let blocks = sh_blocks("README.md", "## Open the app")?;
    ensure!(
        blocks.len() == 1,
        "\"Open the app\" has {} sh blocks",
        blocks.len()
    );
    let sandbox = Sandbox::new()?;
    let mut up: Option<Up> = None;
    let mut links = Vec::new();
    for command in commands(&blocks[0])? {
        let words: Vec<&str> = command.split_whitespace().collect();
        if command == "cargo build --release" || command.starts_with("alias synergy=") {
            continue;
        }
        ensure!(
            words.first() == Some(&"synergy"),
            "README.md \"Open the app\" has a line this test does not know: {command}"
        );
        if words.get(1) == Some(&"up") {
            ensure!(
                words.contains(&"--demo"),
                "the app opens on the demo: {command}"
            );
            up = Some(Up::start(&sandbox, &command)?);
            continue;
        }
        ensure!(
            words.get(1..3) == Some(&["user", "invite"]),
            "README.md \"Open the app\" has a line this test does not know: {command}"
        );
        let running = up
            .as_ref()
            .context("`synergy user invite` before `synergy up`")?;
        let out = sandbox.run(&command, &command, &[])?;
        let link = out.trim();
        ensure!(
            link.starts_with(&format!("http://{README_ADDR}/invite/")),
            "`{command}` printed no link for {README_ADDR}:\n{out}"
        );
        links.push(link.replace(README_ADDR, &running.addr));
    }
    let up = up.context("\"Open the app\" starts no `synergy up`")?;
    ensure!(
        up.printed
            .iter()
            .any(|l| *l == format!("synergy: web app on http://{}/", up.addr)),
        "no web app address:\n{}",
        up.printed.join("\n")
    );
    let demo: Vec<String> = up
        .printed
        .iter()
        .filter_map(|l| l.split_once(": http://"))
        .map(|(_, rest)| format!("http://{rest}"))
        .filter(|url| url.contains("/invite/"))
        .collect();
    ensure!(
        demo.len() == 3,
        "a link per demo user (manufacturer, distributor, admin):\n{}",
        up.printed.join("\n")
    );
    ensure!(!links.is_empty(), "\"Open the app\" invites nobody");
    for link in demo.iter().chain(&links) {
        let page = sandbox.run(link, &format!("curl -sf '{link}'"), &[])?;
        ensure!(
            page.contains("id=\"accept\""),
            "{link} opens no password form:\n{page}"
        );
    }
    up.stop()
}
