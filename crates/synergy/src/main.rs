//! The `synergy` binary: read configuration (defaults → file → env → flags), install
//! tracing, hand over to the library.

use std::io::IsTerminal as _;
use std::process::ExitCode;

use synergy::cli::LogFormat;

use tracing_subscriber::EnvFilter;

/// mimalloc rather than glibc malloc: the evaluation consumer decodes commits on one thread
/// and frees them after folding on another, where glibc's arenas contend (see the README's
/// evaluation figures).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match synergy::config::load() {
        Ok(cli) => cli,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    // `cli.log` is already the one filter in force (`synergy::config`): RUST_LOG is one of
    // its sources, not a second filter on top.
    let filter = match EnvFilter::try_new(&cli.log) {
        Ok(filter) => filter,
        Err(e) => {
            eprintln!("error: the log filter {:?} does not parse: {e}", cli.log);
            return ExitCode::from(2);
        }
    };
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match cli.log_format {
        // Colour codes only where someone reads them: not in a pipe, a file or a journal.
        LogFormat::Text => logs
            .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
            .init(),
        LogFormat::Json => logs.json().init(),
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(synergy::run(cli))
}
