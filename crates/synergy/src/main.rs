//! The `synergy` binary: read configuration (defaults → file → env → flags), install
//! tracing, hand over to the library.

use std::process::ExitCode;

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
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&cli.log));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(synergy::run(cli))
}
