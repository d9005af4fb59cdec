//! `synergy-bench`: run a benchmark and print its table (and, with `--json`, one JSON
//! object on the last line).

use clap::{Args, Parser, Subcommand, ValueEnum};
use synergy_bench::evaluation;
use synergy_bench::eventlog::{self, Backends, Options};
use synergy_bench::pipeline;

#[derive(Debug, Parser)]
#[command(
    name = "synergy-bench",
    about = "Synergy benchmarks: each figure beside a raw baseline from the same run"
)]
struct Cli {
    #[command(subcommand)]
    bench: Bench,
}

#[derive(Debug, Subcommand)]
enum Bench {
    /// Event log backends (sled, JetStream) against raw sled and raw async-nats.
    Eventlog(EventlogArgs),
    /// Evaluation: rebuild from 0 against the log's raw read-back, and report latency with
    /// 1,000 vs 10,000,000 events in the log.
    Evaluation(EvaluationArgs),
    /// Monthly market-data imports, from the CSV bytes to the report reflecting them,
    /// embedded and over NATS, beside raw sled/JetStream/request-reply baselines; and a
    /// 10,000-row import.
    Pipeline(PipelineArgs),
    /// The portfolio of a manufacturer with 300 partnerships, against reading the same
    /// read models.
    Portfolio(PortfolioArgs),
    /// Alerts over a rebuild of 10 years of a partnership's data: the alerts recorded
    /// against the distinct (period, rule, subject) that fire, none on a second rebuild,
    /// and the judgement's time beside the fold of the same history.
    Alerts(AlertsArgs),
    /// The web app's pages on the demo data: each page's server-side render (request to
    /// last byte over loopback) p50/p99 beside the API's HTML report, and the bytes of a
    /// first page load.
    Web(WebArgs),
    /// One more command on a stream with a long history (a campaign with up to 100,000
    /// price checks): states kept between commands against the full fold, beside a bare
    /// append of the same commit.
    History(HistoryArgs),
    /// Read models: accepted → read model reflects it on a small model, 10 years × 200
    /// SKUs and 50,000 action items; and the resident memory of 300 partnerships' models.
    Models(ModelsArgs),
    /// Webhook delivery: an alert's commit to a receiver on loopback, against a bare POST
    /// to the same receiver.
    Webhooks(WebhooksArgs),
    /// Evaluation at 300 and 6,000 partnerships: rebuild against raw read-back, quarterly
    /// reports over HTTP on 1 and 8 connections (and a cold first one), and the RSS of a
    /// process holding every model through a cache of the default size and of 50.
    Scale(ScaleArgs),
    /// Commands a second through the executor (price checks on 64 campaigns), one task and
    /// 64 tasks, against appending the same commits to a fresh log of the same backend.
    Commands(CommandsArgs),
    /// Partitioned evaluation on JetStream: rebuilding each partition's read models through
    /// its durable consumer against a raw read-back of that partition.
    Partitions(PartitionsArgs),
}

#[derive(Debug, Args)]
struct PartitionsArgs {
    /// 100,000 events of 8 partnerships and 2 rounds instead of 1,000,000 of 16 and 3.
    #[arg(long)]
    quick: bool,
    /// Also print every figure as one JSON object on the last line.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct ScaleArgs {
    /// Fewer samples and a smaller history at 6,000 partnerships: 12 months × 20 SKUs
    /// instead of 24 × 50, 400 reports instead of 2,000, 2 rounds instead of 3.
    #[arg(long)]
    quick: bool,
    /// Also print every figure as one JSON object on the last line.
    #[arg(long)]
    json: bool,
    /// Run the memory phase on `--dir` in this process (the bench starts these).
    #[arg(long, hide = true, requires_all = ["dir", "cache"])]
    phase: bool,
    #[arg(long, hide = true)]
    dir: Option<std::path::PathBuf>,
    #[arg(long, hide = true)]
    cache: Option<usize>,
}

#[derive(Debug, Args)]
struct CommandsArgs {
    /// Fewer commands: 2 rounds of 1,000 sequential and 1,920 concurrent instead of 4 of
    /// 4,000 and 7,680.
    #[arg(long)]
    quick: bool,
    /// Also print every figure as one JSON object on the last line.
    #[arg(long)]
    json: bool,
    /// Measure only one backend.
    #[arg(long, value_enum, default_value_t = BackendArg::All)]
    backend: BackendArg,
}

#[derive(Debug, Args)]
struct WebArgs {
    /// Fewer samples: 50 per page instead of 300.
    #[arg(long)]
    quick: bool,
    /// Also print every figure as one JSON object on the last line.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct HistoryArgs {
    /// Smaller campaigns: up to 10,000 checks instead of 100,000, 50 samples instead of 200.
    #[arg(long)]
    quick: bool,
    /// Also print every figure as one JSON object on the last line.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct AlertsArgs {
    /// Fewer samples of the judgement: 20 instead of 100.
    #[arg(long)]
    quick: bool,
    /// Also print every figure as one JSON object on the last line.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct PortfolioArgs {
    /// Fewer samples: 100 instead of 500.
    #[arg(long)]
    quick: bool,
    /// Also print every figure as one JSON object on the last line.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct ModelsArgs {
    /// Fewer samples: 100 per model instead of 500.
    #[arg(long)]
    quick: bool,
    /// The store's model cache, in partnerships (default: the store's own).
    #[arg(long)]
    cache: Option<usize>,
    /// Run one phase of the memory figure in this process (the bench starts these).
    #[arg(long, hide = true, value_enum, requires = "dir")]
    phase: Option<synergy_bench::models::Phase>,
    #[arg(long, hide = true)]
    dir: Option<std::path::PathBuf>,
    /// Also print every figure as one JSON object on the last line.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct WebhooksArgs {
    /// Fewer alerts: 200 instead of 1,000.
    #[arg(long)]
    quick: bool,
    /// Also print every figure as one JSON object on the last line.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct PipelineArgs {
    /// Fewer imports (finishes in under 3 minutes on 2 cores): 200 monthly imports per
    /// mode instead of 600, 3 rounds of the 10,000-row file instead of 6.
    #[arg(long)]
    quick: bool,
    /// Also print every figure as one JSON object on the last line.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct EvaluationArgs {
    /// Smaller big log (finishes in under 3 minutes on 2 cores): 1,000,000 events
    /// instead of 10,000,000.
    #[arg(long)]
    quick: bool,
    /// Also print every figure as one JSON object on the last line.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct EventlogArgs {
    /// Smaller counts (finishes in under 3 minutes on 2 cores); reads 100,000 events
    /// instead of 1,000,000.
    #[arg(long)]
    quick: bool,
    /// Also print every figure as one JSON object on the last line.
    #[arg(long)]
    json: bool,
    /// Measure only one backend.
    #[arg(long, value_enum, default_value_t = BackendArg::All)]
    backend: BackendArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum BackendArg {
    All,
    Sled,
    Jetstream,
}

/// The allocator the `synergy` binary uses, so the figures are the product's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let (table, json, with_json) = match cli.bench {
        Bench::Eventlog(args) => {
            let backends = match args.backend {
                BackendArg::All => Backends::All,
                BackendArg::Sled => Backends::Sled,
                BackendArg::Jetstream => Backends::JetStream,
            };
            let report = eventlog::run(Options {
                quick: args.quick,
                backends,
            })
            .await?;
            (report.table(), report.json(), args.json)
        }
        Bench::Pipeline(args) => {
            let report = pipeline::run(pipeline::Options { quick: args.quick }).await?;
            (report.table(), report.json(), args.json)
        }
        Bench::Portfolio(args) => {
            let report = synergy_bench::portfolio::run(synergy_bench::portfolio::Options {
                quick: args.quick,
            })
            .await?;
            (report.table(), report.json(), args.json)
        }
        Bench::Alerts(args) => {
            let report =
                synergy_bench::alerts::run(synergy_bench::alerts::Options { quick: args.quick })
                    .await?;
            (report.table(), report.json(), args.json)
        }
        Bench::Webhooks(args) => {
            let report = synergy_bench::webhooks::run(synergy_bench::webhooks::Options {
                quick: args.quick,
            })
            .await?;
            (report.table(), report.json(), args.json)
        }
        Bench::Models(args) => {
            if let (Some(phase), Some(dir)) = (args.phase, &args.dir) {
                return synergy_bench::models::phase(phase, dir, args.cache).await;
            }
            let report = synergy_bench::models::run(synergy_bench::models::Options {
                quick: args.quick,
                cache: args.cache,
            })
            .await?;
            (report.table(), report.json(), args.json)
        }
        Bench::History(args) => {
            let report =
                synergy_bench::history::run(synergy_bench::history::Options { quick: args.quick })
                    .await?;
            (report.table(), report.json(), args.json)
        }
        Bench::Commands(args) => {
            let (sled, jetstream) = match args.backend {
                BackendArg::All => (true, true),
                BackendArg::Sled => (true, false),
                BackendArg::Jetstream => (false, true),
            };
            let report = synergy_bench::commands::run(synergy_bench::commands::Options {
                quick: args.quick,
                sled,
                jetstream,
            })
            .await?;
            (report.table(), report.json(), args.json)
        }
        Bench::Scale(args) => {
            if let (true, Some(dir), Some(cache)) = (args.phase, &args.dir, args.cache) {
                return synergy_bench::scale::phase(dir, cache).await;
            }
            let report =
                synergy_bench::scale::run(synergy_bench::scale::Options { quick: args.quick })
                    .await?;
            (report.table(), report.json(), args.json)
        }
        Bench::Web(args) => {
            let report =
                synergy_bench::web::run(synergy_bench::web::Options { quick: args.quick }).await?;
            (report.table(), report.json(), args.json)
        }
        Bench::Evaluation(args) => {
            let report = evaluation::run(evaluation::Options { quick: args.quick }).await?;
            (report.table(), report.json(), args.json)
        }
        Bench::Partitions(args) => {
            let report = synergy_bench::partitions::run(synergy_bench::partitions::Options {
                quick: args.quick,
            })
            .await?;
            (report.table(), report.json(), args.json)
        }
    };
    print!("{table}");
    if with_json {
        println!("{json}");
    }
    Ok(())
}
