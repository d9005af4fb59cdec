//! Locating the `synergy` binary from another package's tests.
//!
//! Cargo only hands `CARGO_BIN_EXE_*` to tests of the package that owns the binary, so the
//! e2e package looks next to its own test executable (`<target>/<profile>/deps/..`), which
//! respects `CARGO_TARGET_DIR` and the profile without guessing. When the binary is
//! missing or older than the workspace sources it runs `cargo build -p synergy` once per
//! test process; cargo's own lock on the target directory serialises concurrent test
//! processes (nextest runs each test in its own). `SYNERGY_E2E_BIN` names a binary to
//! test instead, skipping all of this.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::SystemTime;

use anyhow::{Context as _, bail, ensure};

/// The workspace root (this package lives at `<root>/tests`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// `<target>/<profile>` of the running test executable.
fn profile_dir() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("cannot find the test executable")?;
    let deps = exe
        .parent()
        .context("the test executable has no directory")?;
    // Tests live in `<profile>/deps`; be lenient if a runner copied them elsewhere.
    let profile = if deps.file_name().is_some_and(|n| n == "deps") {
        deps.parent().context("deps has no parent")?
    } else {
        deps
    };
    Ok(profile.to_path_buf())
}

/// The path of the built `synergy` binary, building it first if it is missing or stale.
/// Panics with the build's output if no usable binary can be had: an e2e test cannot run
/// without it and must not pass by skipping.
pub fn synergy_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| match locate_or_build() {
        Ok(bin) => bin,
        Err(e) => panic!("no synergy binary for the e2e tests: {e:#}"),
    })
}

fn locate_or_build() -> anyhow::Result<PathBuf> {
    // An explicit binary (an installed release, say) is tested as it is.
    if let Some(bin) = std::env::var_os("SYNERGY_E2E_BIN") {
        let bin = PathBuf::from(bin);
        ensure!(
            bin.is_file(),
            "SYNERGY_E2E_BIN={} does not name a file",
            bin.display()
        );
        return Ok(bin);
    }
    let profile = profile_dir()?;
    let bin = profile.join(format!("synergy{}", std::env::consts::EXE_SUFFIX));
    let built_at = std::fs::metadata(&bin).and_then(|m| m.modified()).ok();
    let root = workspace_root();
    let newest_source = newest_source(&root);
    let fresh = match (built_at, newest_source) {
        (Some(built), Some(source)) => built >= source,
        (Some(_), None) => true,
        (None, _) => false,
    };
    if fresh {
        return Ok(bin);
    }
    let built = build(&root, &profile);
    match built {
        Ok(()) if bin.is_file() => Ok(bin),
        Ok(()) => bail!(
            "cargo build -p synergy succeeded but {} is missing",
            bin.display()
        ),
        // Other work in progress in the same checkout may not compile; a binary built a
        // moment ago is still the best thing to test against, and this says so loudly.
        Err(e) if built_at.is_some() => {
            eprintln!(
                "warning: rebuilding synergy failed, testing the existing {}: {e:#}",
                bin.display()
            );
            Ok(bin)
        }
        Err(e) => Err(e),
    }
}

fn build(root: &Path, profile: &Path) -> anyhow::Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args(["build", "-p", "synergy", "--bin", "synergy"]);
    if let Some(target) = profile.parent() {
        cmd.env("CARGO_TARGET_DIR", target);
    }
    match profile.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => {}
        Some("release") => {
            cmd.arg("--release");
        }
        Some(other) => {
            cmd.args(["--profile", other]);
        }
    }
    eprintln!("e2e: building synergy ({cmd:?})");
    let out = cmd.output().context("cannot run cargo")?;
    if !out.status.success() {
        bail!(
            "cargo build -p synergy failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// The newest modification time of the sources the binary is built from.
fn newest_source(root: &Path) -> Option<SystemTime> {
    let mut newest = None;
    for top in ["crates", "proto", "Cargo.toml", "Cargo.lock"] {
        visit(&root.join(top), &mut newest);
    }
    newest
}

fn visit(path: &Path, newest: &mut Option<SystemTime>) {
    let Ok(meta) = std::fs::metadata(path) else {
        return;
    };
    if meta.is_dir() {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        // Tests, benches and build output do not go into the binary.
        if matches!(name, "target" | "tests" | "benches" | ".git") {
            return;
        }
        let Ok(entries) = std::fs::read_dir(path) else {
            return;
        };
        for entry in entries.flatten() {
            visit(&entry.path(), newest);
        }
    } else if path
        .extension()
        .is_some_and(|e| e == "rs" || e == "toml" || e == "lock")
        && let Ok(modified) = meta.modified()
    {
        *newest = Some(newest.map_or(modified, |n: SystemTime| n.max(modified)));
    }
}
