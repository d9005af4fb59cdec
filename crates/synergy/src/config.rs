//! Configuration layers: built-in defaults, then a TOML file, then environment variables,
//! then command-line flags — each later layer wins.
//!
//! clap already resolves flags, environment variables (`SYNERGY_DATA`, `SYNERGY_NATS`,
//! `SYNERGY_NATS_USER`, `SYNERGY_LOG`, `SYNERGY_LOG_FORMAT`, `SYNERGY_BODY_LIMIT`,
//! `SYNERGY_KEPT_STREAMS`, `SYNERGY_SNAPSHOT_EVERY`, `SYNERGY_MODEL_CACHE`) and
//! defaults; the file slots in between by replacing only the values clap took from its
//! defaults. The NATS password is read from `SYNERGY_NATS_PASSWORD` only
//! ([`crate::cli::Cli::nats_address`]).
//!
//! The log filter has one more source, `RUST_LOG`, the convention of Rust programs: it
//! stands with the environment variables, below `SYNERGY_LOG`. The first source set
//! (`--log`, `SYNERGY_LOG`, `RUST_LOG`, the file's `log`, the default `warn`) is the whole
//! filter; sources are never merged, so what is logged is what one of them says.
//!
//! ```toml
//! # synergy.toml
//! data = "/var/lib/synergy"
//! nats = "nats://10.0.0.5:4222"
//! log = "info"
//! log_format = "json"     # or "text"
//! body_limit = 16777216   # bytes of an HTTP request body (default 8 MiB)
//! secure_cookies = true   # the web app's cookies always `Secure` (docs/web.md)
//! kept_streams = 4096     # stream states kept in memory between commands
//! snapshot_every = 1000   # events folded past a stream's snapshot before the next
//! model_cache = 512       # partnerships' read models kept in memory (the default)
//!
//! [import]            # limits of every import (defaults in docs/import-formats.md)
//! rows = 200000
//! inflated_bytes = 134217728
//! ```

use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches};
use serde::Deserialize;

use crate::cli::Cli;

/// What a configuration file may set.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data: Option<PathBuf>,
    pub nats: Option<String>,
    pub log: Option<String>,
    pub log_format: Option<crate::cli::LogFormat>,
    pub body_limit: Option<usize>,
    pub secure_cookies: Option<bool>,
    pub kept_streams: Option<usize>,
    pub snapshot_every: Option<u64>,
    /// Import limits; a name not listed is refused.
    pub import: Option<synergy_import::Limits>,
    /// Partnerships' read models the evaluation keeps in memory.
    pub model_cache: Option<std::num::NonZeroUsize>,
}

impl FileConfig {
    pub fn load(path: &Path) -> anyhow::Result<FileConfig> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read the config file {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("config file {}: {e}", path.display()))
    }
}

fn from_default(matches: &ArgMatches, id: &str) -> bool {
    matches!(
        matches.value_source(id),
        None | Some(ValueSource::DefaultValue)
    )
}

/// Parses the command line and applies the layers. Exits with clap's message on a usage
/// error, like `Cli::parse`.
pub fn load() -> anyhow::Result<Cli> {
    let matches = Cli::command().get_matches();
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    cli.data_given = !from_default(&matches, "data");
    if let Some(path) = cli.config.clone() {
        let file = FileConfig::load(&path)?;
        if let Some(data) = file.data
            && from_default(&matches, "data")
        {
            cli.data = data;
            cli.data_given = true;
        }
        if let Some(nats) = file.nats
            && from_default(&matches, "nats")
        {
            cli.nats = Some(nats);
        }
        if let Some(log) = file.log
            && from_default(&matches, "log")
        {
            cli.log = log;
        }
        if let Some(format) = file.log_format
            && from_default(&matches, "log_format")
        {
            cli.log_format = format;
        }
        if let Some(bytes) = file.body_limit
            && from_default(&matches, "body_limit")
        {
            cli.body_limit = bytes;
        }
        if let Some(secure) = file.secure_cookies
            && from_default(&matches, "secure_cookies")
        {
            cli.secure_cookies = secure;
        }
        if let Some(streams) = file.kept_streams
            && from_default(&matches, "kept_streams")
        {
            cli.kept_streams = streams;
        }
        if let Some(events) = file.snapshot_every
            && from_default(&matches, "snapshot_every")
        {
            cli.snapshot_every = events;
        }
        if let Some(import) = file.import {
            cli.import_limits = import;
        }
        if let Some(models) = file.model_cache
            && from_default(&matches, "model_cache")
        {
            cli.model_cache = models;
        }
    }
    // RUST_LOG stands below SYNERGY_LOG and above the file (see the module's doc).
    if from_default(&matches, "log")
        && let Some(filter) = std::env::var("RUST_LOG")
            .ok()
            .filter(|f| !f.trim().is_empty())
    {
        cli.log = filter;
    }
    for setting in &cli.import_limit {
        set_import_limit(&mut cli.import_limits, setting)?;
    }
    Ok(cli)
}

/// Applies one `--import-limit NAME=VALUE`.
pub fn set_import_limit(limits: &mut synergy_import::Limits, setting: &str) -> anyhow::Result<()> {
    let (name, value) = setting.split_once('=').ok_or_else(|| {
        anyhow::anyhow!("--import-limit {setting:?}: write NAME=VALUE, e.g. rows=200000")
    })?;
    let value: u64 = value.trim().replace('_', "").parse().map_err(|_| {
        anyhow::anyhow!("--import-limit {setting:?}: the value must be a whole number")
    })?;
    let size = || {
        usize::try_from(value)
            .map_err(|_| anyhow::anyhow!("--import-limit {setting:?}: the value is too large"))
    };
    match name.trim() {
        "file_bytes" => limits.file_bytes = size()?,
        "inflated_bytes" => limits.inflated_bytes = value,
        "parts" => limits.parts = size()?,
        "rows" => limits.rows = size()?,
        "columns" => limits.columns = size()?,
        "cells" => limits.cells = size()?,
        "cell_chars" => limits.cell_chars = size()?,
        "text_bytes" => limits.text_bytes = size()?,
        other => anyhow::bail!(
            "--import-limit: no limit named {other:?}; the limits are file_bytes, \
             inflated_bytes, parts, rows, columns, cells, cell_chars and text_bytes"
        ),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_fills_defaults_but_flags_win() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("synergy.toml");
        std::fs::write(&path, "data = \"/srv/synergy\"\nlog = \"info\"\n").unwrap();
        let apply = |args: &[&str]| {
            let matches = Cli::command().get_matches_from(args);
            let mut cli = Cli::from_arg_matches(&matches).unwrap();
            let file = FileConfig::load(&path).unwrap();
            if let Some(d) = file.data
                && from_default(&matches, "data")
            {
                cli.data = d;
            }
            cli
        };
        let cli = apply(&["synergy", "--config", "x", "replay"]);
        assert_eq!(cli.data, PathBuf::from("/srv/synergy"));
        let cli = apply(&["synergy", "--data", "/flag", "replay"]);
        assert_eq!(cli.data, PathBuf::from("/flag"));
        std::fs::write(&path, "[import]\nrows = 7\n").unwrap();
        let file = FileConfig::load(&path).unwrap();
        let import = file.import.unwrap();
        assert_eq!(import.rows, 7);
        assert_eq!(import.cells, synergy_import::Limits::DEFAULT.cells);
        let mut limits = import;
        set_import_limit(&mut limits, "cell_chars=12").unwrap();
        assert_eq!(limits.cell_chars, 12);
        assert!(set_import_limit(&mut limits, "colums=3").is_err());
        std::fs::write(&path, "[import]\nrowz = 7\n").unwrap();
        let err = FileConfig::load(&path).unwrap_err().to_string();
        assert!(err.contains("rowz"), "{err}");
        std::fs::write(&path, "datta = 1\n").unwrap();
        let err = FileConfig::load(&path).unwrap_err().to_string();
        assert!(err.contains("datta"), "{err}");
    }

    #[test]
    fn the_model_cache_comes_from_the_file_unless_a_flag_or_the_environment_says() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("synergy.toml");
        std::fs::write(&path, "model_cache = 40\n").unwrap();
        let file = FileConfig::load(&path).unwrap();
        assert_eq!(file.model_cache.map(|n| n.get()), Some(40));
        let matches = Cli::command().get_matches_from(["synergy", "replay"]);
        assert!(
            from_default(&matches, "model_cache"),
            "the file's value applies"
        );
        let cli = Cli::from_arg_matches(&matches).unwrap();
        assert_eq!(
            cli.model_cache,
            synergy_runtime::projection::DEFAULT_MODEL_CACHE
        );
        let matches = Cli::command().get_matches_from(["synergy", "--model-cache", "7", "up"]);
        assert!(!from_default(&matches, "model_cache"), "the flag wins");
        assert_eq!(
            Cli::from_arg_matches(&matches).unwrap().model_cache.get(),
            7
        );
        assert!(
            Cli::command()
                .try_get_matches_from(["synergy", "--model-cache", "0", "up"])
                .is_err(),
            "a cache of no model is refused"
        );
        std::fs::write(&path, "model_cache = 0\n").unwrap();
        let err = FileConfig::load(&path).unwrap_err().to_string();
        assert!(err.contains("model_cache"), "{err}");
    }
}
