//! The `synergy` binary: parses the command line and hands over to the libraries.
//!
//! Commands that later work fills in are listed honestly: they say they are not built
//! yet and exit with status 2 rather than pretending to work.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "synergy",
    version,
    about = "Manufacturer–distributor collaboration on the 5+1 model"
)]
struct Cli {
    /// Data directory of the embedded (sled) installation.
    #[arg(
        long,
        global = true,
        default_value = "./synergy-data",
        env = "SYNERGY_DATA"
    )]
    data: std::path::PathBuf,
    /// NATS URL; when given, work over NATS JetStream instead of the embedded log.
    #[arg(long, global = true, env = "SYNERGY_NATS")]
    nats: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the Changzhi scenario in a temporary directory and print the 2008-H1 report.
    Demo,
    /// Run every service (and the HTTP gateway) in one process.
    Up,
    /// Run one service as its own process.
    Serve { service: String },
    /// Sign partnerships and manage plans.
    Partnership,
    /// Import a SKU catalogue (CSV or XLSX).
    Catalogue,
    /// Import monthly market data (CSV or XLSX).
    MarketData,
    /// Print a market, brand, scorecard or review report for a period.
    Report,
    /// Print decoded events as they arrive.
    Tail,
    /// Rebuild read models from position 0.
    Replay,
    /// Create or revoke API tokens.
    Token,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (name, issue) = match &cli.command {
        Command::Demo => ("demo", 5),
        Command::Up => ("up", 6),
        Command::Serve { .. } => ("serve", 6),
        Command::Partnership => ("partnership", 6),
        Command::Catalogue => ("catalogue", 6),
        Command::MarketData => ("market-data", 6),
        Command::Report => ("report", 6),
        Command::Tail => ("tail", 6),
        Command::Replay => ("replay", 6),
        Command::Token => ("token", 7),
    };
    eprintln!("synergy {name}: not built yet (tracked in issue {issue}); nothing was done.");
    ExitCode::from(2)
}
