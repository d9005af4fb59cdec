//! The command line: every action of the 5+1 model, as clap subcommands.
//!
//! The contexts' commands are built from their declarations ([`crate::declared`]): each
//! turns into one [`AnyCommand`] plus the side of the partnership that acts by default
//! (the catalogue is the manufacturer's, market data the distributor's, …); `--as ORG`
//! picks the acting party explicitly. The rest — imports, reports, the services, the
//! event log's tools and tokens — is defined here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use synergy_proto::{CampaignId, Date, OrgId, PartnershipId, Percent, Period, Side};
use synergy_runtime::AnyCommand;

#[derive(Debug, Parser)]
#[command(
    name = "synergy",
    version,
    about = "Manufacturer–distributor collaboration on the 5+1 model",
    long_about = "Synergy records what a manufacturer and a regional distributor do together — \
                  plans, campaigns, brands, monthly market data, meetings — as events, and folds \
                  them into market and brand reports for their joint review meetings.\n\n\
                  Without --nats it works on the embedded event log in --data (no server needed)."
)]
pub struct Cli {
    /// A TOML file with `data`, `nats`, `log`, `log_format`, `body_limit`, `secure_cookies`, `kept_streams`, `snapshot_every`, `model_cache` and an `[import]`
    /// table of limits; flags and environment variables win.
    #[arg(long, global = true, env = "SYNERGY_CONFIG")]
    pub config: Option<PathBuf>,
    /// Data directory of the embedded installation (event log and read models).
    #[arg(
        long,
        global = true,
        default_value = "./synergy-data",
        env = "SYNERGY_DATA"
    )]
    pub data: PathBuf,
    /// Whether the data directory was named (flag, SYNERGY_DATA or the config file) rather
    /// than defaulted: `demo` then keeps its data there.
    #[arg(skip)]
    pub data_given: bool,
    /// Work against the services on this NATS server instead of the embedded data dir
    /// (several servers separated by commas). May carry `user:password@`, but the login
    /// is better given by --nats-user and SYNERGY_NATS_PASSWORD.
    #[arg(long, global = true, env = "SYNERGY_NATS")]
    pub nats: Option<String>,
    /// Log in to NATS as this user; the password comes from SYNERGY_NATS_PASSWORD (never a
    /// flag, so it does not show in `ps`).
    #[arg(long, global = true, env = "SYNERGY_NATS_USER")]
    pub nats_user: Option<String>,
    /// Act for this organisation (a party of the partnership) instead of the default side.
    #[arg(long = "as", global = true, value_name = "ORG")]
    pub act_as: Option<OrgId>,
    /// What to log, as a filter: `info`, or `warn,synergy_gateway::request=info` for the
    /// gateway's request log. Taken from, first to last: this flag, SYNERGY_LOG, RUST_LOG,
    /// the config file's `log`, and `warn`; the first one set is the whole filter.
    #[arg(long, global = true, env = "SYNERGY_LOG", default_value = "warn")]
    pub log: String,
    /// How log lines are written to stderr: text (coloured on a terminal only) or json
    /// (one object per line).
    #[arg(
        long,
        global = true,
        env = "SYNERGY_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    pub log_format: LogFormat,
    /// The largest HTTP request body `up` and `serve gateway` accept, in bytes (413 above);
    /// an upload's file must fit in it with its form's overhead.
    #[arg(
        long,
        global = true,
        env = "SYNERGY_BODY_LIMIT",
        value_name = "BYTES",
        default_value_t = synergy_gateway::Limits::DEFAULT_BODY_BYTES
    )]
    pub body_limit: usize,
    /// The web app's cookies carry `Secure` on every answer: set it when people reach the
    /// app over https through a proxy that does not say `X-Forwarded-Proto: https`.
    #[arg(long, global = true, env = "SYNERGY_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Raise or lower one import limit, as NAME=VALUE (repeatable): file_bytes,
    /// inflated_bytes, parts, rows, columns, cells, cell_chars, text_bytes. Applies to the
    /// CLI's imports and to the uploads of `up` and `serve gateway`.
    #[arg(long = "import-limit", global = true, value_name = "NAME=VALUE")]
    pub import_limit: Vec<String>,
    /// The webhook signing key (64 hex digits, mode 0600): every webhook's secret is
    /// derived from it. `up` makes `webhook.key` in the data directory on first start;
    /// over NATS give the gateway and the evaluation service the same file.
    #[arg(long, global = true, env = "SYNERGY_WEBHOOK_KEY", value_name = "FILE")]
    pub webhook_key: Option<PathBuf>,
    /// A test facility: webhook retries as FIRST,MAX,GIVE_UP (`200ms,1s,5s`) instead of
    /// 10 s doubling up to 1 h for 24 h (docs/webhooks.md).
    #[arg(long, global = true, hide = true, value_name = "SCHEDULE")]
    pub webhook_retry: Option<synergy_runtime::webhook::RetrySchedule>,
    /// Streams whose folded states `up` and `serve` keep in memory between commands, least
    /// recently used out first (0: none; every command reads its streams' snapshots).
    #[arg(
        long,
        global = true,
        env = "SYNERGY_KEPT_STREAMS",
        value_name = "STREAMS",
        default_value_t = synergy_runtime::kept::DEFAULT_CAPACITY
    )]
    pub kept_streams: usize,
    /// `up` and `serve` save a stream's state as a snapshot once it is folded this many
    /// events past its last one (0: none saved), so that after a restart a command reads
    /// only the events after it (docs/snapshots.md).
    #[arg(
        long,
        global = true,
        env = "SYNERGY_SNAPSHOT_EVERY",
        value_name = "EVENTS",
        default_value_t = synergy_runtime::snapshot::DEFAULT_INTERVAL
    )]
    pub snapshot_every: u64,
    /// How many partnerships' read models the evaluation keeps in memory (`up`, `serve
    /// evaluation|all`, `replay`); the least recently used are read from the store again
    /// when needed. A model of 10 years × 200 SKUs takes about 2.8 MiB.
    #[arg(
        long,
        global = true,
        env = "SYNERGY_MODEL_CACHE",
        value_name = "PARTNERSHIPS",
        default_value_t = synergy_runtime::projection::DEFAULT_MODEL_CACHE
    )]
    pub model_cache: std::num::NonZeroUsize,
    /// The import limits in force: the defaults, then the config file's `[import]`, then
    /// `--import-limit`.
    #[arg(skip)]
    pub import_limits: synergy_import::Limits,
    #[command(subcommand)]
    pub command: Command,
}

/// Evaluation partitioned by partnership (`serve evaluation` only; docs/partitions.md).
/// Without `--partitions`, the replica folds and answers for every partnership.
#[derive(Debug, Clone, clap::Args)]
pub struct PartitionArgs {
    /// The partitions this evaluation replica folds and answers for, of
    /// --partition-count: ranges and numbers (`0-3,6`) or `all`.
    #[arg(
        long,
        env = "SYNERGY_PARTITIONS",
        value_name = "RANGES",
        requires_all = ["partition_count", "replica"]
    )]
    pub partitions: Option<String>,
    /// How many partitions the deployment has: the same for every evaluation replica.
    #[arg(
        long,
        env = "SYNERGY_PARTITION_COUNT",
        value_name = "N",
        requires = "partitions"
    )]
    pub partition_count: Option<u32>,
    /// This replica's name, different for every replica and the same across its
    /// restarts: its durable consumers are `<name>-p<k>`.
    #[arg(
        long,
        env = "SYNERGY_REPLICA",
        value_name = "NAME",
        requires = "partitions"
    )]
    pub replica: Option<String>,
}

impl PartitionArgs {
    /// The partitioning asked for, if any.
    pub fn partitioning(
        &self,
    ) -> anyhow::Result<Option<synergy_runtime::nats::partitions::Partitioning>> {
        let (Some(owned), Some(count), Some(replica)) =
            (&self.partitions, self.partition_count, &self.replica)
        else {
            return Ok(None);
        };
        Ok(Some(
            synergy_runtime::nats::partitions::Partitioning::parse(count, owned, replica)?,
        ))
    }
}

/// The environment variable holding the NATS password (a flag would show in `ps`).
pub const NATS_PASSWORD_ENV: &str = "SYNERGY_NATS_PASSWORD";

impl Cli {
    /// Where and as whom to reach NATS: `--nats`, with the login of `--nats-user` and
    /// `SYNERGY_NATS_PASSWORD` (which win over credentials in the URL); `None` without
    /// `--nats`.
    pub fn nats_address(&self) -> anyhow::Result<Option<synergy_runtime::nats::NatsAddress>> {
        let Some(url) = &self.nats else {
            return Ok(None);
        };
        let mut address = synergy_runtime::nats::NatsAddress::parse(url)?;
        if let Some(user) = &self.nats_user {
            address = address.with_user(user)?;
        }
        match std::env::var(NATS_PASSWORD_ENV) {
            Ok(password) if !password.is_empty() => address = address.with_password(password),
            Ok(_) | Err(std::env::VarError::NotPresent) => {}
            Err(std::env::VarError::NotUnicode(_)) => {
                anyhow::bail!("[nats-password-invalid] {NATS_PASSWORD_ENV} is not valid UTF-8")
            }
        }
        Ok(Some(address))
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the Changzhi scenario on a fresh embedded log and print its 2008-H1 report.
    Demo(DemoArgs),
    /// Run every service (and the HTTP gateway) in one process.
    Up(UpArgs),
    /// Run one service as its own process over NATS: strategy, marketing, brand,
    /// information, support, evaluation, all, or gateway.
    Serve {
        /// strategy, marketing, brand, information, support, evaluation, all (every
        /// service and the gateway) or gateway.
        service: String,
        /// Where the gateway listens (gateway and all only).
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// A test facility: read "now" from this file (docs/reports.md).
        #[arg(long, hide = true, value_name = "FILE")]
        clock_file: Option<std::path::PathBuf>,
        #[command(flatten)]
        partitions: PartitionArgs,
    },
    /// Print the shell's completion script: `source <(synergy completions bash)`, or
    /// save it where the shell loads completions from.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The commands the contexts declare (partnership, plan, …): see
    /// `synergy_runtime::commands`.
    #[command(flatten)]
    Declared(crate::declared::Grouped),
    /// The SKU catalogue.
    #[command(subcommand)]
    Catalogue(CatalogueCmd),
    /// Monthly market data.
    #[command(subcommand, name = "market-data")]
    MarketData(MarketDataCmd),
    /// Write the template of an import file: its header row and an example, as XLSX (the
    /// period column formatted as Text, and a sheet of notes) or CSV.
    Template(TemplateArgs),
    /// Print what a synergy holds, as JSON: plans, campaigns, brands, market data,
    /// forecasts, orders, meetings, action items, support requests and overviews.
    #[command(subcommand)]
    Show(crate::show::ShowCmd),
    /// Print a market, brand, scorecard or review report for a period.
    Report(ReportArgs),
    /// Print an organisation's portfolio for a period: its partnerships in force side by
    /// side, ranked by a KPI, with their totals (docs/portfolio.md).
    Portfolio(crate::portfolio::PortfolioArgs),
    /// Plan what a future period takes in volume, in all and per SKU, to reach a target
    /// share of the market (the share-gap planner of docs/kpis.md).
    #[command(name = "plan-gap")]
    PlanGap(PlanGapArgs),
    /// Print a campaign's value realised (創值) as JSON: its promised uplift against the
    /// market data, and whether the promise was kept (docs/kpis.md).
    #[command(name = "value-realised")]
    ValueRealised(ValueRealisedArgs),
    /// Print decoded commits as they arrive (from the start with --from 0), one line per
    /// event in words with real units.
    Tail(TailArgs),
    /// Print a partnership's audit trail: who recorded what, when and why, filtered by
    /// context, aggregate and days, a page at a time (docs/history.md).
    History(crate::history::HistoryArgs),
    /// Rebuild the read models from position 0.
    Replay,
    /// Records of the event log that are not commits (they do not decode, or sit on
    /// another subject than the stream they name): every reader passes over them.
    #[command(subcommand)]
    Quarantine(QuarantineCmd),
    /// Create or revoke API tokens.
    #[command(subcommand)]
    Token(TokenCmd),
    /// People who sign in to the web app: invite one by a one-time link.
    #[command(subcommand)]
    User(UserCmd),
    /// Register, list or remove an organisation's webhooks: where a partnership's alerts
    /// are POSTed, signed (docs/webhooks.md).
    #[command(subcommand)]
    Webhook(crate::hooks::WebhookCmd),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Md,
    Json,
    Html,
    Csv,
    Xlsx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportKindArg {
    Market,
    Brand,
    Scorecard,
    Review,
}

/// Where a report goes and in which language, beside its format.
#[derive(Debug, Args)]
pub struct Delivery {
    /// The language of md, html and xlsx: zh-CN (简体中文, the default), zh-TW (繁體中文)
    /// or en. JSON and CSV are the same in every language.
    #[arg(long, default_value = "zh-CN")]
    pub lang: synergy_evaluation::locale::Lang,
    /// Put a byte-order mark before the CSV, so Excel opens its Chinese as UTF-8
    /// (`--format csv` only).
    #[arg(long)]
    pub bom: bool,
    /// Write the report to this file instead of standard output (an XLSX workbook goes to
    /// standard output only when it is not a terminal).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How to print the report: md, json, html (a page with SVG charts), csv or xlsx (a
    /// workbook, a sheet per table).
    #[arg(long, value_enum, default_value = "md")]
    pub format: OutputFormat,
    #[command(flatten)]
    pub delivery: Delivery,
    /// Which report: market, brand, scorecard or review (the pack for the meeting).
    #[arg(long, value_enum, default_value = "market")]
    pub kind: ReportKindArg,
    /// The period reported: a month (2008-06), quarter (2008-Q2), half (2008-H1) or year.
    #[arg(long, default_value = "2008-H1")]
    pub period: Period,
    /// Keep the demo's data in this new or empty directory (as `--data DIR` does) instead
    /// of a temporary one, to run other commands on it afterwards.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct UpArgs {
    /// Where the HTTP API listens (port 0: any free port, printed at start).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Load the Changzhi demo data first.
    #[arg(long)]
    pub demo: bool,
    /// A test facility: read "now" from this file (docs/reports.md).
    #[arg(long, hide = true, value_name = "FILE")]
    pub clock_file: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct PlanGapArgs {
    /// The partnership.
    #[arg(long)]
    pub partnership: PartnershipId,
    /// The future period to plan: 2008-07, 2008-Q3, 2008-H2 or 2009.
    #[arg(long)]
    pub period: Period,
    /// The share of the market's volume to reach, in percent, e.g. 27 or 27.50.
    #[arg(long, value_name = "PERCENT")]
    pub target_share: Percent,
    /// md (a table for people) or json (the planner's JSON of docs/kpis.md).
    #[arg(long, value_enum, default_value = "md")]
    pub format: PlanGapFormat,
}

#[derive(Debug, Args)]
pub struct ValueRealisedArgs {
    /// The partnership.
    #[arg(long)]
    pub partnership: PartnershipId,
    /// The campaign.
    #[arg(long)]
    pub campaign: CampaignId,
    /// Judge it as of this date (which promised months count, whether it is due); default
    /// today on the partnership's calendar (its time zone).
    #[arg(long)]
    pub as_of: Option<Date>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanGapFormat {
    Md,
    Json,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The partnership.
    #[arg(long)]
    pub partnership: PartnershipId,
    /// The period: a month (2008-06), quarter (2008-Q2), half (2008-H1) or year (2008).
    #[arg(long)]
    pub period: Period,
    /// Which report: market, brand, scorecard or review (the pack for the meeting).
    #[arg(long, value_enum, default_value = "market")]
    pub kind: ReportKindArg,
    /// How to print it: md, json, html (a page with SVG charts), csv or xlsx (a workbook,
    /// a sheet per table).
    #[arg(long, value_enum, default_value = "md")]
    pub format: OutputFormat,
    #[command(flatten)]
    pub delivery: Delivery,
    /// Evaluate "as of" this date (overdue items, months due); default today on the
    /// partnership's calendar (its time zone).
    #[arg(long)]
    pub as_of: Option<Date>,
    /// Freeze the live report as its next issued version and print what changed.
    #[arg(long, conflicts_with = "version")]
    pub issue: bool,
    /// Print this issued version as it was frozen: its JSON unchanged, or rendered in the
    /// other formats from it.
    #[arg(long)]
    pub version: Option<u32>,
    /// List the issued versions: when, by whom (the scheduler or a person) and what each
    /// restated (JSON with --format json).
    #[arg(long, conflicts_with_all = ["issue", "version"])]
    pub versions: bool,
}

#[derive(Debug, Args)]
pub struct TailArgs {
    /// Start after this position (0 = from the beginning); default: only new commits.
    #[arg(long)]
    pub from: Option<u64>,
    /// Stop after this many commits.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Only this partnership.
    #[arg(long)]
    pub partnership: Option<PartnershipId>,
    /// Stop at the current end of the log instead of following new commits.
    #[arg(long)]
    pub no_follow: bool,
}

#[derive(Debug, Subcommand)]
pub enum QuarantineCmd {
    /// List every quarantined record of the event log (position, subject, reason); walks
    /// the whole log.
    List {
        /// Print JSON (one array) instead of one line per record.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCmd {
    /// Create a token bound to an organisation and role; printed once.
    Create {
        /// The organisation the token acts for.
        #[arg(long)]
        org: OrgId,
        /// manufacturer, distributor or admin.
        #[arg(long)]
        role: String,
        /// Days until the token stops working (at most 3650).
        #[arg(long, default_value_t = synergy_gateway::tokens::DEFAULT_LIFETIME_DAYS,
              value_parser = clap::value_parser!(u32).range(1..=i64::from(synergy_gateway::tokens::MAX_LIFETIME_DAYS)))]
        expires_in_days: u32,
    },
    /// Revoke a token by its id (the hex digits after `syn_`); it stops working at once.
    Revoke {
        /// The token's id, as `token list` prints it.
        id: String,
    },
    /// List every token (id, organisation, role, created, expires, revoked or expired),
    /// never a secret.
    List,
}

#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// Print a one-time link (valid 7 days) at which a person of ORG in ROLE sets a
    /// password and signs in to the web app; works beside a running `synergy up`.
    Invite {
        /// The organisation the person belongs to.
        #[arg(long)]
        org: OrgId,
        /// manufacturer, distributor or admin.
        #[arg(long)]
        role: String,
        /// The login to suggest (lowercase letters, digits, '.', '_', '-', '@').
        #[arg(long)]
        name: Option<String>,
        /// The web app's address as people open it.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SideArg {
    Manufacturer,
    Distributor,
}

impl From<SideArg> for Side {
    fn from(s: SideArg) -> Side {
        match s {
            SideArg::Manufacturer => Side::Manufacturer,
            SideArg::Distributor => Side::Distributor,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum CatalogueCmd {
    /// Import a catalogue file (CSV or XLSX): brand,sku,name,price_class,guide_price_yuan
    /// (or their Chinese names; docs/import-formats.md).
    Import {
        /// The partnership whose catalogue it is.
        #[arg(long)]
        partnership: PartnershipId,
        #[command(flatten)]
        options: ImportOptions,
        /// The CSV or XLSX file.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum MarketDataCmd {
    /// Import monthly market data (CSV or XLSX); different data for a recorded month needs --reason.
    Import {
        /// The partnership whose market data it is.
        #[arg(long)]
        partnership: PartnershipId,
        /// Why months already recorded are changed (needed when any month differs).
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        options: ImportOptions,
        /// The CSV or XLSX file.
        file: PathBuf,
    },
}

/// What both imports take besides the file.
#[derive(Debug, Clone, Args)]
pub struct ImportOptions {
    /// The workbook's sheet to import; without it, the one sheet whose first row is the
    /// import's header is read (and named).
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// A dry run: check the file against everything the import checks, also against what
    /// is recorded (registered SKUs, corrections needing --reason), print what it would
    /// record, and record nothing.
    #[arg(long)]
    pub check: bool,
    /// Record the import at most once: running it again with the same key (a UUID) after
    /// a timeout or a lost connection records nothing new. Without it, a fresh key.
    #[arg(long, value_name = "UUID")]
    pub idempotency_key: Option<synergy_proto::Uuid>,
}

#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// Which import's template.
    #[arg(value_enum)]
    pub kind: TemplateKind,
    /// xlsx or csv.
    #[arg(long, value_enum, default_value = "xlsx")]
    pub format: TemplateFormat,
    /// Write it to this file instead of standard output (an XLSX template is not written
    /// to a terminal).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TemplateKind {
    MarketData,
    Catalogue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TemplateFormat {
    Xlsx,
    Csv,
}

/// Who acts when `--as` is not given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefaultActor {
    Side(Side),
    /// This organisation (signing a partnership that does not exist yet).
    Org(OrgId),
    /// Only the caller can say which party acts (`--as ORG`): answering a proposal.
    Named,
}

/// A context command built from the command line.
#[derive(Debug, Clone)]
pub struct Built {
    pub command: AnyCommand,
    pub actor: DefaultActor,
    /// `--idempotency-key`: the same key on a retry records the command at most once.
    pub idempotency_key: Option<synergy_proto::Uuid>,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    /// Every flag and argument of every subcommand says what it is for in `--help`.
    #[test]
    fn every_flag_has_help() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                if arg.get_help().is_none() && !["help", "version"].contains(&arg.get_id().as_str())
                {
                    missing.push(format!("{path} {}", arg.get_id()));
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&super::Cli::command(), "synergy", &mut missing);
        assert!(missing.is_empty(), "flags without help: {missing:#?}");
    }
}
