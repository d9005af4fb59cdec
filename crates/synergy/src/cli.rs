//! The command line: every action of the 5+1 model, as clap subcommands.
//!
//! Each context subcommand turns into one [`AnyCommand`] plus the side of the partnership
//! that acts by default (the catalogue is the manufacturer's, market data the
//! distributor's, …); `--as ORG` picks the acting party explicitly.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use synergy_proto::events::brand::{BrandStage, CultureActivityKind, Score};
use synergy_proto::events::information::VolumeLine;
use synergy_proto::events::marketing::CampaignOutcome;
use synergy_proto::events::support::{Attendee, MeetingKind, Severity};
use synergy_proto::{
    ActionItemId, BrandId, CampaignId, Cases, Date, MeetingId, OrderId, OrgId, OutletId,
    PartnershipId, Period, Side, SkuId, SupportRequestId, TaskId, YearMonth, Yuan,
};
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
    /// A TOML file with `data`, `nats`, `log` and an `[import]` table of limits; flags and
    /// environment variables win.
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
    /// Log filter, e.g. `info` or `synergy_runtime=debug` (also RUST_LOG).
    #[arg(long, global = true, env = "SYNERGY_LOG", default_value = "warn")]
    pub log: String,
    /// Raise or lower one import limit, as NAME=VALUE (repeatable): file_bytes,
    /// inflated_bytes, parts, rows, columns, cells, cell_chars, text_bytes. Applies to the
    /// CLI's imports and to the uploads of `up` and `serve gateway`.
    #[arg(long = "import-limit", global = true, value_name = "NAME=VALUE")]
    pub import_limit: Vec<String>,
    /// The import limits in force: the defaults, then the config file's `[import]`, then
    /// `--import-limit`.
    #[arg(skip)]
    pub import_limits: synergy_import::Limits,
    #[command(subcommand)]
    pub command: Command,
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
        service: String,
        /// Where the gateway listens (gateway and all only).
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
    },
    /// The commands the contexts declare (partnership, plan, …): see
    /// `synergy_runtime::commands`.
    #[command(flatten)]
    Declared(crate::declared::DeclaredCmd),
    /// The SKU catalogue.
    #[command(subcommand)]
    Catalogue(CatalogueCmd),
    /// Monthly market data.
    #[command(subcommand, name = "market-data")]
    MarketData(MarketDataCmd),
    /// Brands: introduce, stage, evaluate, culture activities.
    #[command(subcommand)]
    Brand(BrandCmd),
    /// Campaigns and their tasks, materials, outlets, prices and supply.
    #[command(subcommand)]
    Campaign(CampaignCmd),
    /// Demand forecasts and supply plans.
    #[command(subcommand)]
    Forecast(ForecastCmd),
    /// Orders: place, confirm, ship, receive.
    #[command(subcommand)]
    Order(OrderCmd),
    /// Meetings: schedule, hold, cancel.
    #[command(subcommand)]
    Meeting(MeetingCmd),
    /// Action items: raise, progress, close, reopen.
    #[command(subcommand)]
    Action(ActionCmd),
    /// Support requests: open, acknowledge, resolve.
    #[command(subcommand)]
    Support(SupportCmd),
    /// Print what a synergy holds, as JSON: plans, campaigns, brands, market data,
    /// forecasts, orders, meetings, action items, support requests and overviews.
    #[command(subcommand)]
    Show(crate::show::ShowCmd),
    /// Print a market, brand, scorecard or review report for a period.
    Report(ReportArgs),
    /// Print decoded commits as they arrive (from the start with --from 0).
    Tail(TailArgs),
    /// Rebuild the read models from position 0.
    Replay,
    /// Records of the event log that are not commits (they do not decode, or sit on
    /// another subject than the stream they name): every reader passes over them.
    #[command(subcommand)]
    Quarantine(QuarantineCmd),
    /// Create or revoke API tokens.
    #[command(subcommand)]
    Token(TokenCmd),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Md,
    Json,
    Html,
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportKindArg {
    Market,
    Brand,
    Scorecard,
    Review,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[arg(long, value_enum, default_value = "md")]
    pub format: OutputFormat,
    #[arg(long, value_enum, default_value = "market")]
    pub kind: ReportKindArg,
    #[arg(long, default_value = "2008-H1")]
    pub period: Period,
    /// Keep the demo's data in this directory instead of a temporary one.
    #[arg(long)]
    pub keep: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct UpArgs {
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Load the Changzhi demo data first.
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[arg(long)]
    pub partnership: PartnershipId,
    #[arg(long)]
    pub period: Period,
    #[arg(long, value_enum, default_value = "market")]
    pub kind: ReportKindArg,
    #[arg(long, value_enum, default_value = "md")]
    pub format: OutputFormat,
    /// Evaluate "as of" this date (overdue items, months due); default today.
    #[arg(long)]
    pub as_of: Option<Date>,
    /// Freeze the live report as its next issued version and print what changed.
    #[arg(long, conflicts_with = "version")]
    pub issue: bool,
    /// Print this issued version exactly as it was frozen (JSON).
    #[arg(long)]
    pub version: Option<u32>,
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

/// `SKU=CASES`, e.g. `hongyun-soft=1200.5`.
#[derive(Debug, Clone)]
pub struct LineArg(pub VolumeLine);

impl std::str::FromStr for LineArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (sku, volume) = s
            .split_once('=')
            .ok_or_else(|| format!("{s:?}: write SKU=CASES, e.g. hongyun-soft=1200.5"))?;
        Ok(LineArg(VolumeLine {
            sku: SkuId::new(sku).map_err(|e| e.to_string())?,
            volume: Cases::parse(volume).map_err(|e| e.to_string())?,
        }))
    }
}

fn lines(v: Vec<LineArg>) -> Vec<VolumeLine> {
    v.into_iter().map(|l| l.0).collect()
}

/// `NAME=SCORE`, e.g. `awareness=82`.
#[derive(Debug, Clone)]
pub struct ScoreArg(pub Score);

impl std::str::FromStr for ScoreArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (criterion, score) = s
            .split_once('=')
            .ok_or_else(|| format!("{s:?}: write CRITERION=SCORE, e.g. awareness=82"))?;
        let score = score
            .parse::<u8>()
            .map_err(|_| format!("{s:?}: the score must be a whole number 0–100"))?;
        Ok(ScoreArg(Score {
            criterion: criterion.to_owned(),
            score,
        }))
    }
}

/// `ORG:NAME`, e.g. `hongyun:Wang Li`.
#[derive(Debug, Clone)]
pub struct AttendeeArg(pub Attendee);

impl std::str::FromStr for AttendeeArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (org, name) = s
            .split_once(':')
            .ok_or_else(|| format!("{s:?}: write ORG:NAME, e.g. hongyun:Wang Li"))?;
        Ok(AttendeeArg(Attendee {
            org: OrgId::new(org).map_err(|e| e.to_string())?,
            name: name.to_owned(),
        }))
    }
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

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StageArg {
    Cultivation,
    Growth,
    Mature,
    Decline,
    Withdrawn,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ActivityArg {
    FactoryVisit,
    CustomerManagerTraining,
    BrandPromotion,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OutcomeArg {
    Succeeded,
    PartlySucceeded,
    Failed,
    Cancelled,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MeetingKindArg {
    RegularReview,
    ExecutiveVisit,
    Training,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SeverityArg {
    Critical,
    High,
    Normal,
    Low,
}

#[derive(Debug, Subcommand)]
pub enum CatalogueCmd {
    /// Import a catalogue file (CSV or XLSX): brand,sku,name,price_class,guide_price_yuan.
    Import {
        #[arg(long)]
        partnership: PartnershipId,
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum MarketDataCmd {
    /// Import monthly market data (CSV or XLSX); different data for a recorded month needs --reason.
    Import {
        #[arg(long)]
        partnership: PartnershipId,
        #[arg(long)]
        reason: Option<String>,
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum BrandCmd {
    /// Introduce a brand into the region (品牌引入).
    Introduce {
        #[arg(long)]
        partnership: PartnershipId,
        #[arg(long)]
        brand: BrandId,
        #[arg(long)]
        introduced_on: Date,
    },
    /// Move a brand to a later stage, or withdraw it.
    Stage {
        #[arg(long)]
        partnership: PartnershipId,
        #[arg(long)]
        brand: BrandId,
        #[arg(long, value_enum)]
        to: StageArg,
        #[arg(long)]
        changed_on: Date,
        #[arg(long)]
        reason: String,
    },
    /// Record a brand evaluation (品牌評估) for an ended period.
    Evaluate {
        #[arg(long)]
        partnership: PartnershipId,
        #[arg(long)]
        brand: BrandId,
        #[arg(long)]
        period: Period,
        #[arg(long)]
        overall: u8,
        /// CRITERION=SCORE, repeatable.
        #[arg(long = "score")]
        scores: Vec<ScoreArg>,
        #[arg(long, default_value = "")]
        comment: String,
        /// Replace a different evaluation of the same brand and period.
        #[arg(long)]
        supersede: bool,
    },
    /// Record a culture activity (factory visit, customer-manager training, promotion).
    Activity {
        #[arg(long)]
        partnership: PartnershipId,
        #[arg(long)]
        brand: Option<BrandId>,
        #[arg(long, value_enum)]
        kind: ActivityArg,
        #[arg(long)]
        title: String,
        #[arg(long)]
        held_on: Date,
        #[arg(long)]
        participants: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum CampaignCmd {
    /// Manufacturer: plan a campaign with its activity plan.
    Plan {
        #[arg(long)]
        partnership: PartnershipId,
        #[arg(long)]
        campaign: CampaignId,
        #[arg(long)]
        title: String,
        #[arg(long)]
        brand: BrandId,
        /// Repeatable.
        #[arg(long = "sku", required = true)]
        skus: Vec<SkuId>,
        #[arg(long)]
        starts_on: Date,
        #[arg(long)]
        ends_on: Date,
        #[arg(long)]
        activity_plan: String,
    },
    /// Give a task to a side.
    AssignTask {
        #[arg(long)]
        partnership: PartnershipId,
        #[arg(long)]
        campaign: CampaignId,
        #[arg(long)]
        task: TaskId,
        #[arg(long)]
        title: String,
        #[arg(long, value_enum)]
        side: SideArg,
        #[arg(long)]
        due_on: Date,
    },
    /// Complete a task (by the side it was given to; use --as).
    CompleteTask {
        #[arg(long)]
        partnership: PartnershipId,
        #[arg(long)]
        campaign: CampaignId,
        #[arg(long)]
        task: TaskId,
        #[arg(long)]
        completed_on: Date,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Manufacturer: dispatch materials.
    Dispatch {
        #[arg(long)]
        partnership: PartnershipId,
        #[arg(long)]
        campaign: CampaignId,
        #[arg(long)]
        material: String,
        #[arg(long)]
        quantity: u64,
        #[arg(long)]
        on: Date,
    },
    /// Distributor: confirm materials received.
    Receive {
        #[arg(long)]
        partnership: PartnershipId,
        #[arg(long)]
        campaign: CampaignId,
        #[arg(long)]
        material: String,
        #[arg(long)]
        quantity: u64,
        #[arg(long)]
        on: Date,
    },
    /// Distributor: select retail outlets.
    SelectOutlets {
        #[arg(long)]
        partnership: PartnershipId,
        #[arg(long)]
        campaign: CampaignId,
        /// Repeatable.
        #[arg(long = "outlet", required = true)]
        outlets: Vec<OutletId>,
    },
    /// Manufacturer: record a retail price observed at an outlet.
    CheckPrice {
        #[arg(long)]
        partnership: PartnershipId,
        #[arg(long)]
        campaign: CampaignId,
        #[arg(long)]
        sku: SkuId,
        #[arg(long)]
        outlet: OutletId,
        #[arg(long)]
        observed_price_yuan: Yuan,
        #[arg(long)]
        on: Date,
    },
    /// Distributor: allocate supply for retailers.
    Allocate {
        #[arg(long)]
        partnership: PartnershipId,
        #[arg(long)]
        campaign: CampaignId,
        #[arg(long)]
        sku: SkuId,
        #[arg(long)]
        volume_cases: Cases,
        #[arg(long)]
        on: Date,
    },
    /// Distributor: launch (outlets must be selected).
    Launch {
        #[arg(long)]
        partnership: PartnershipId,
        #[arg(long)]
        campaign: CampaignId,
        #[arg(long)]
        on: Date,
    },
    /// Close with an outcome.
    Close {
        #[arg(long)]
        partnership: PartnershipId,
        #[arg(long)]
        campaign: CampaignId,
        #[arg(long)]
        on: Date,
        #[arg(long, value_enum)]
        outcome: OutcomeArg,
        #[arg(long)]
        summary: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ForecastCmd {
    /// Distributor: demand forecast for a month.
    Submit {
        #[arg(long)]
        partnership: PartnershipId,
        #[arg(long)]
        month: YearMonth,
        /// SKU=CASES, repeatable.
        #[arg(long = "line", required = true)]
        lines: Vec<LineArg>,
    },
    /// Manufacturer: confirm the supply plan for a forecast month.
    ConfirmSupply {
        #[arg(long)]
        partnership: PartnershipId,
        #[arg(long)]
        month: YearMonth,
        #[arg(long = "line", required = true)]
        lines: Vec<LineArg>,
    },
}

#[derive(Debug, Subcommand)]
pub enum OrderCmd {
    /// Distributor: place an order.
    Place {
        #[arg(long)]
        partnership: PartnershipId,
        #[arg(long)]
        order: OrderId,
        #[arg(long)]
        month: YearMonth,
        #[arg(long = "line", required = true)]
        lines: Vec<LineArg>,
    },
    /// Manufacturer: confirm quantities.
    Confirm {
        #[arg(long)]
        partnership: PartnershipId,
        #[arg(long)]
        order: OrderId,
        #[arg(long = "line", required = true)]
        lines: Vec<LineArg>,
    },
    /// Manufacturer: ship.
    Ship {
        #[arg(long)]
        partnership: PartnershipId,
        #[arg(long)]
        order: OrderId,
        #[arg(long = "line", required = true)]
        lines: Vec<LineArg>,
    },
    /// Distributor: record what arrived.
    Receive {
        #[arg(long)]
        partnership: PartnershipId,
        #[arg(long)]
        order: OrderId,
        #[arg(long = "line", required = true)]
        lines: Vec<LineArg>,
    },
}

#[derive(Debug, Subcommand)]
pub enum MeetingCmd {
    Schedule {
        #[arg(long)]
        partnership: PartnershipId,
        #[arg(long)]
        meeting: MeetingId,
        #[arg(long, value_enum)]
        kind: MeetingKindArg,
        #[arg(long)]
        title: String,
        #[arg(long)]
        on: Date,
        /// The period a regular review reviews.
        #[arg(long)]
        period: Option<Period>,
        /// Repeatable; a regular review without one gets the standard review agenda.
        #[arg(long = "agenda")]
        agenda: Vec<String>,
    },
    Hold {
        #[arg(long)]
        partnership: PartnershipId,
        #[arg(long)]
        meeting: MeetingId,
        #[arg(long)]
        on: Date,
        /// ORG:NAME, repeatable.
        #[arg(long = "attendee", required = true)]
        attendees: Vec<AttendeeArg>,
        #[arg(long)]
        minutes: String,
        /// Repeatable.
        #[arg(long = "decision")]
        decisions: Vec<String>,
    },
    Cancel {
        #[arg(long)]
        partnership: PartnershipId,
        #[arg(long)]
        meeting: MeetingId,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ActionCmd {
    Raise {
        #[arg(long)]
        partnership: PartnershipId,
        #[arg(long)]
        item: ActionItemId,
        #[arg(long)]
        title: String,
        #[arg(long, value_enum)]
        owner: SideArg,
        #[arg(long)]
        due_on: Date,
        #[arg(long)]
        meeting: Option<MeetingId>,
    },
    Progress {
        #[arg(long)]
        partnership: PartnershipId,
        #[arg(long)]
        item: ActionItemId,
        #[arg(long)]
        note: String,
    },
    Close {
        #[arg(long)]
        partnership: PartnershipId,
        #[arg(long)]
        item: ActionItemId,
        #[arg(long, default_value = "")]
        note: String,
    },
    Reopen {
        #[arg(long)]
        partnership: PartnershipId,
        #[arg(long)]
        item: ActionItemId,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        due_on: Date,
    },
}

#[derive(Debug, Subcommand)]
pub enum SupportCmd {
    Open {
        #[arg(long)]
        partnership: PartnershipId,
        #[arg(long)]
        request: SupportRequestId,
        #[arg(long)]
        title: String,
        #[arg(long, value_enum)]
        severity: SeverityArg,
    },
    Acknowledge {
        #[arg(long)]
        partnership: PartnershipId,
        #[arg(long)]
        request: SupportRequestId,
    },
    Resolve {
        #[arg(long)]
        partnership: PartnershipId,
        #[arg(long)]
        request: SupportRequestId,
        #[arg(long)]
        resolution: String,
    },
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
}

fn built(command: AnyCommand, side: Side) -> Built {
    Built {
        command,
        actor: DefaultActor::Side(side),
    }
}

use Side::{Distributor as D, Manufacturer as M};

impl BrandCmd {
    pub fn build(self) -> Built {
        use synergy_brand::Command as C;
        let (cmd, side) = match self {
            BrandCmd::Introduce {
                partnership,
                brand,
                introduced_on,
            } => (
                C::IntroduceBrand {
                    partnership,
                    brand,
                    introduced_on,
                },
                M,
            ),
            BrandCmd::Stage {
                partnership,
                brand,
                to,
                changed_on,
                reason,
            } => (
                C::ChangeBrandStage {
                    partnership,
                    brand,
                    to: match to {
                        StageArg::Cultivation => BrandStage::Cultivation,
                        StageArg::Growth => BrandStage::Growth,
                        StageArg::Mature => BrandStage::Mature,
                        StageArg::Decline => BrandStage::Decline,
                        StageArg::Withdrawn => BrandStage::Withdrawn,
                    },
                    changed_on,
                    reason,
                },
                M,
            ),
            BrandCmd::Evaluate {
                partnership,
                brand,
                period,
                overall,
                scores,
                comment,
                supersede,
            } => (
                C::EvaluateBrand {
                    partnership,
                    brand,
                    period,
                    overall,
                    scores: scores.into_iter().map(|s| s.0).collect(),
                    comment,
                    supersede,
                },
                D,
            ),
            BrandCmd::Activity {
                partnership,
                brand,
                kind,
                title,
                held_on,
                participants,
            } => (
                C::RecordCultureActivity {
                    partnership,
                    brand,
                    kind: match kind {
                        ActivityArg::FactoryVisit => CultureActivityKind::FactoryVisit,
                        ActivityArg::CustomerManagerTraining => {
                            CultureActivityKind::CustomerManagerTraining
                        }
                        ActivityArg::BrandPromotion => CultureActivityKind::BrandPromotion,
                    },
                    title,
                    held_on,
                    participants,
                },
                M,
            ),
        };
        built(AnyCommand::Brand(cmd), side)
    }
}

impl CampaignCmd {
    pub fn build(self) -> Built {
        use synergy_marketing::Command as C;
        let (cmd, side) = match self {
            CampaignCmd::Plan {
                partnership,
                campaign,
                title,
                brand,
                skus,
                starts_on,
                ends_on,
                activity_plan,
            } => (
                C::PlanCampaign {
                    partnership,
                    campaign,
                    title,
                    brand,
                    skus,
                    starts_on,
                    ends_on,
                    activity_plan,
                },
                M,
            ),
            CampaignCmd::AssignTask {
                partnership,
                campaign,
                task,
                title,
                side,
                due_on,
            } => (
                C::AssignTask {
                    partnership,
                    campaign,
                    task,
                    title,
                    side: side.into(),
                    due_on,
                },
                M,
            ),
            CampaignCmd::CompleteTask {
                partnership,
                campaign,
                task,
                completed_on,
                note,
            } => (
                C::CompleteTask {
                    partnership,
                    campaign,
                    task,
                    completed_on,
                    note,
                },
                D,
            ),
            CampaignCmd::Dispatch {
                partnership,
                campaign,
                material,
                quantity,
                on,
            } => (
                C::DispatchMaterials {
                    partnership,
                    campaign,
                    material,
                    quantity,
                    dispatched_on: on,
                },
                M,
            ),
            CampaignCmd::Receive {
                partnership,
                campaign,
                material,
                quantity,
                on,
            } => (
                C::ReceiveMaterials {
                    partnership,
                    campaign,
                    material,
                    quantity,
                    received_on: on,
                },
                D,
            ),
            CampaignCmd::SelectOutlets {
                partnership,
                campaign,
                outlets,
            } => (
                C::SelectOutlets {
                    partnership,
                    campaign,
                    outlets,
                },
                D,
            ),
            CampaignCmd::CheckPrice {
                partnership,
                campaign,
                sku,
                outlet,
                observed_price_yuan,
                on,
            } => (
                C::CheckRetailPrice {
                    partnership,
                    campaign,
                    sku,
                    outlet,
                    observed_price: observed_price_yuan,
                    checked_on: on,
                },
                M,
            ),
            CampaignCmd::Allocate {
                partnership,
                campaign,
                sku,
                volume_cases,
                on,
            } => (
                C::AllocateSupply {
                    partnership,
                    campaign,
                    sku,
                    volume: volume_cases,
                    allocated_on: on,
                },
                D,
            ),
            CampaignCmd::Launch {
                partnership,
                campaign,
                on,
            } => (
                C::LaunchCampaign {
                    partnership,
                    campaign,
                    launched_on: on,
                },
                D,
            ),
            CampaignCmd::Close {
                partnership,
                campaign,
                on,
                outcome,
                summary,
            } => (
                C::CloseCampaign {
                    partnership,
                    campaign,
                    closed_on: on,
                    outcome: match outcome {
                        OutcomeArg::Succeeded => CampaignOutcome::Succeeded,
                        OutcomeArg::PartlySucceeded => CampaignOutcome::PartlySucceeded,
                        OutcomeArg::Failed => CampaignOutcome::Failed,
                        OutcomeArg::Cancelled => CampaignOutcome::Cancelled,
                    },
                    summary,
                },
                M,
            ),
        };
        built(AnyCommand::Marketing(cmd), side)
    }
}

impl ForecastCmd {
    pub fn build(self) -> Built {
        use synergy_information::{Command as C, ForecastCommand as F};
        let (cmd, side) = match self {
            ForecastCmd::Submit {
                partnership,
                month,
                lines: l,
            } => (
                F::SubmitDemandForecast {
                    partnership,
                    month,
                    lines: lines(l),
                },
                D,
            ),
            ForecastCmd::ConfirmSupply {
                partnership,
                month,
                lines: l,
            } => (
                F::ConfirmSupplyPlan {
                    partnership,
                    month,
                    lines: lines(l),
                },
                M,
            ),
        };
        built(AnyCommand::Information(C::Forecast(cmd)), side)
    }
}

impl OrderCmd {
    pub fn build(self) -> Built {
        use synergy_information::{Command as C, OrderCommand as O};
        let (cmd, side) = match self {
            OrderCmd::Place {
                partnership,
                order,
                month,
                lines: l,
            } => (
                O::Place {
                    partnership,
                    order,
                    month,
                    lines: lines(l),
                },
                D,
            ),
            OrderCmd::Confirm {
                partnership,
                order,
                lines: l,
            } => (
                O::Confirm {
                    partnership,
                    order,
                    lines: lines(l),
                },
                M,
            ),
            OrderCmd::Ship {
                partnership,
                order,
                lines: l,
            } => (
                O::Ship {
                    partnership,
                    order,
                    lines: lines(l),
                },
                M,
            ),
            OrderCmd::Receive {
                partnership,
                order,
                lines: l,
            } => (
                O::Receive {
                    partnership,
                    order,
                    lines: lines(l),
                },
                D,
            ),
        };
        built(AnyCommand::Information(C::Order(cmd)), side)
    }
}

impl MeetingCmd {
    pub fn build(self) -> Built {
        use synergy_support::{Command as C, MeetingCommand as Mt};
        let cmd = match self {
            MeetingCmd::Schedule {
                partnership,
                meeting,
                kind,
                title,
                on,
                period,
                agenda,
            } => Mt::Schedule {
                partnership,
                meeting,
                kind: match kind {
                    MeetingKindArg::RegularReview => MeetingKind::RegularReview,
                    MeetingKindArg::ExecutiveVisit => MeetingKind::ExecutiveVisit,
                    MeetingKindArg::Training => MeetingKind::Training,
                },
                title,
                scheduled_on: on,
                period,
                agenda,
            },
            MeetingCmd::Hold {
                partnership,
                meeting,
                on,
                attendees,
                minutes,
                decisions,
            } => Mt::Hold {
                partnership,
                meeting,
                held_on: on,
                attendees: attendees.into_iter().map(|a| a.0).collect(),
                minutes,
                decisions,
            },
            MeetingCmd::Cancel {
                partnership,
                meeting,
                reason,
            } => Mt::Cancel {
                partnership,
                meeting,
                reason,
            },
        };
        built(AnyCommand::Support(C::Meeting(cmd)), D)
    }
}

impl ActionCmd {
    pub fn build(self) -> Built {
        use synergy_support::{ActionItemCommand as A, Command as C};
        let (cmd, side) = match self {
            ActionCmd::Raise {
                partnership,
                item,
                title,
                owner,
                due_on,
                meeting,
            } => (
                A::Raise {
                    partnership,
                    item,
                    title,
                    owner: owner.into(),
                    due_on,
                    meeting,
                },
                D,
            ),
            ActionCmd::Progress {
                partnership,
                item,
                note,
            } => (
                A::Progress {
                    partnership,
                    item,
                    note,
                },
                D,
            ),
            ActionCmd::Close {
                partnership,
                item,
                note,
            } => (
                A::Close {
                    partnership,
                    item,
                    note,
                },
                D,
            ),
            ActionCmd::Reopen {
                partnership,
                item,
                reason,
                due_on,
            } => (
                A::Reopen {
                    partnership,
                    item,
                    reason,
                    due_on,
                },
                D,
            ),
        };
        built(AnyCommand::Support(C::ActionItem(cmd)), side)
    }
}

impl SupportCmd {
    pub fn build(self) -> Built {
        use synergy_support::{Command as C, SupportRequestCommand as S};
        let (cmd, side) = match self {
            SupportCmd::Open {
                partnership,
                request,
                title,
                severity,
            } => (
                S::Open {
                    partnership,
                    request,
                    title,
                    severity: match severity {
                        SeverityArg::Critical => Severity::Critical,
                        SeverityArg::High => Severity::High,
                        SeverityArg::Normal => Severity::Normal,
                        SeverityArg::Low => Severity::Low,
                    },
                },
                D,
            ),
            SupportCmd::Acknowledge {
                partnership,
                request,
            } => (
                S::Acknowledge {
                    partnership,
                    request,
                },
                M,
            ),
            SupportCmd::Resolve {
                partnership,
                request,
                resolution,
            } => (
                S::Resolve {
                    partnership,
                    request,
                    resolution,
                },
                M,
            ),
        };
        built(AnyCommand::Support(C::SupportRequest(cmd)), side)
    }
}
