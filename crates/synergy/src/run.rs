//! Executes a parsed command line.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use futures::StreamExt;
use synergy_domain::{CLI_FAILED, ErrorCode, Principal};
use synergy_evaluation::render::{self, Format};
use synergy_eventlog::{EventLog, Filter, Position};
use synergy_proto::events::evaluation::ReportKind;
use synergy_proto::{Date, OrgId, PartnershipId, Role, Side, Uuid, YearMonth};
use synergy_runtime::nats::NatsAddress;
use synergy_runtime::projection::ProjectionStore;
use synergy_runtime::{
    AnyCommand, AnyQuery, Api, ApiError, ExecuteError, IssueRequest, IssuedReport, Local, Outcome,
    PlanGapRequest, ReportRequest, Request, SystemClock, ValueRealisedRequest, import,
};

use crate::cli::{
    Built, CatalogueCmd, Cli, Command, DefaultActor, Delivery, ImportOptions, MarketDataCmd,
    OutputFormat, PlanGapFormat, QuarantineCmd, ReportKindArg, TemplateArgs, TemplateFormat,
    TemplateKind,
};
use crate::declared::Grouped;

mod imports;

use imports::{Import, import_catalogue, import_market_data, write_template};

/// Runs the command line; the exit code is 0 on success, that of the error's code
/// ([`ErrorCode::exit_code`], `docs/errors.md`) when a command was refused or failed, 2 for
/// usage errors.
pub async fn run(cli: Cli) -> ExitCode {
    match dispatch(cli).await {
        Ok(code) => code,
        // The reader went away (`synergy completions bash | head`): what it read is what it
        // wanted, as with ripgrep or `cat`, so nothing is reported.
        Err(e)
            if e.chain().any(|cause| {
                cause
                    .downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            let code = e
                .chain()
                .find_map(|cause| cause.downcast_ref::<ApiError>())
                .map_or(ErrorCode::Internal, ApiError::code);
            exit_for(code)
        }
    }
}

/// The exit code of a command that failed with `code`.
pub(crate) fn exit_for(code: ErrorCode) -> ExitCode {
    ExitCode::from(code.exit_code().unwrap_or(CLI_FAILED))
}

fn format_of(f: OutputFormat) -> Format {
    match f {
        OutputFormat::Md => Format::Markdown,
        OutputFormat::Json => Format::Json,
        OutputFormat::Html => Format::Html,
        OutputFormat::Csv => Format::Csv,
        // Written by `emit_report` from the report itself.
        OutputFormat::Xlsx => Format::Json,
    }
}

fn kind_of(k: ReportKindArg) -> ReportKind {
    match k {
        ReportKindArg::Market => ReportKind::Market,
        ReportKindArg::Brand => ReportKind::Brand,
        ReportKindArg::Scorecard => ReportKind::Scorecard,
        ReportKindArg::Review => ReportKind::Review,
    }
}

/// The day a read is as of: the one asked for, else today on the calendar of the
/// partnership's time zone (the default zone for one that does not exist, which the report
/// then refuses).
async fn as_of_or_today(
    api: &dyn Api,
    partnership: &PartnershipId,
    as_of: Option<Date>,
) -> anyhow::Result<Date> {
    use synergy_runtime::Clock;
    if let Some(day) = as_of {
        return Ok(day);
    }
    let zone = api
        .partnership(partnership)
        .await?
        .map(|view| view.time_zone)
        .unwrap_or_default();
    Ok(SystemClock.now().date_in(&zone))
}

/// The API the command line talks to: the embedded data dir, or the services on NATS.
async fn api(data: &Path, nats: Option<&NatsAddress>) -> anyhow::Result<Arc<dyn Api>> {
    Ok(match nats {
        Some(url) => Arc::new(synergy_runtime::nats::NatsApi::connect(url).await?),
        None => Arc::new(open(data)?),
    })
}

async fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let data = cli.data.clone();
    let act_as = cli.act_as.clone();
    let nats = cli.nats_address()?;
    let nats = nats.as_ref();
    let hooks = crate::serve::HookOptions {
        key: cli.webhook_key.clone(),
        retry: cli.webhook_retry.unwrap_or_default(),
    };
    if cli.kept_streams > crate::serve::MAX_KEPT_STREAMS {
        bail!(
            "[kept-streams-too-many] --kept-streams {}: at most {} streams' states are kept in memory; give a smaller number",
            cli.kept_streams,
            crate::serve::MAX_KEPT_STREAMS
        );
    }
    let states = crate::serve::StateOptions {
        kept_streams: cli.kept_streams,
        snapshot_every: cli.snapshot_every,
        model_cache: cli.model_cache,
    };
    let limits = cli.import_limits;
    let gateway_limits = synergy_gateway::Limits {
        body_bytes: cli.body_limit,
        import: limits,
        ..synergy_gateway::Limits::default()
    };
    let gateway = crate::serve::GatewayOptions {
        limits: gateway_limits,
        demo: false,
        secure_cookies: cli.secure_cookies,
    };
    match cli.command {
        Command::Demo(args) => {
            if nats.is_some() {
                bail!("the demo runs on an embedded event log of its own; leave out --nats");
            }
            let tmp;
            let dir = match (&args.keep, cli.data_given) {
                (Some(dir), _) => dir.as_path(),
                (None, true) => data.as_path(),
                (None, false) => {
                    tmp = tempfile::tempdir().context("cannot create a temporary directory")?;
                    tmp.path()
                }
            };
            if dir.join("log").exists() {
                bail!(
                    "{} already holds an event log; the demo records its scenario afresh, so \
                     name a new or empty directory",
                    dir.display()
                );
            }
            let (api, _clock) = crate::demo::prepare(dir).await?;
            let text = api
                .report(ReportRequest {
                    partnership: synergy_changzhi::PARTNERSHIP.parse()?,
                    period: args.period,
                    kind: kind_of(args.kind),
                    format: Format::Json,
                    as_of: "2008-07-15".parse()?,
                    after: None,
                })
                .await?;
            emit_report(&text, args.format, &args.delivery)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Up(args) => {
            let clock = crate::serve::clock(args.clock_file.as_deref())?;
            crate::serve::up(crate::serve::Running {
                data: &data,
                nats_url: nats,
                addr: &args.addr,
                options: crate::serve::GatewayOptions {
                    demo: args.demo,
                    ..gateway
                },
                clock,
                hooks: &hooks,
                states,
            })
            .await
        }
        Command::Serve {
            service,
            addr,
            clock_file,
            partitions,
        } => {
            let clock = crate::serve::clock(clock_file.as_deref())?;
            let running = crate::serve::Running {
                data: &data,
                nats_url: nats,
                addr: &addr,
                options: gateway,
                clock,
                hooks: &hooks,
                states,
            };
            crate::serve::serve(&service, running, partitions.partitioning()?).await
        }
        Command::Webhook(cmd) => {
            // Over NATS the key is the one the gateway and the evaluation service share:
            // only `--webhook-key` names it.
            let key = match nats {
                Some(_) => crate::hooks::given_key(hooks.key.as_deref())?,
                None => Some(crate::hooks::key(&data, hooks.key.as_deref())?),
            };
            let api = api(&data, nats).await?;
            crate::hooks::run(&*api, key, cmd).await
        }
        Command::Completions { shell } => {
            // Written whole from memory: clap_complete panics on a write error (a closed
            // pipe), which this reports instead.
            let mut script = Vec::new();
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "synergy", &mut script);
            std::io::stdout().lock().write_all(&script)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Token(cmd) => crate::serve::token(&data, nats, cmd).await,
        Command::User(cmd) => crate::serve::user(&data, cmd),
        Command::Show(cmd) => {
            let api = read_api(&data, nats).await?;
            let now = synergy_runtime::Clock::now(&synergy_runtime::SystemClock);
            crate::show::show(&*api, cmd, now).await
        }
        Command::Report(args) if args.issue => {
            let api = api(&data, nats).await?;
            let principal = principal(
                &*api,
                &args.partnership,
                &DefaultActor::Side(Side::Manufacturer),
                act_as,
            )
            .await?;
            let issued = api
                .issue_report(IssueRequest {
                    principal,
                    partnership: args.partnership.clone(),
                    period: args.period,
                    kind: kind_of(args.kind),
                    as_of: as_of_or_today(&*api, &args.partnership, args.as_of).await?,
                })
                .await;
            match issued {
                Ok(issued) => {
                    print_issued(&issued);
                    Ok(ExitCode::SUCCESS)
                }
                // Said once, as a declared command's refusal is.
                Err(ApiError::Execute(ExecuteError::Refused(refusal))) => {
                    eprintln!("refused: {refusal}");
                    Ok(exit_for(refusal.kind.code()))
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Report(args) if args.versions => {
            let api = read_api(&data, nats).await?;
            let listed = api
                .query(AnyQuery::Evaluation(synergy_evaluation::Query::Versions {
                    partnership: args.partnership.clone(),
                    kind: kind_of(args.kind),
                    period: args.period,
                }))
                .await?;
            match args.format {
                OutputFormat::Json => print_text(&serde_json::to_string_pretty(&listed)?)?,
                _ => print_versions(&args, &listed),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Report(args) if args.version.is_some() => {
            let api = read_api(&data, nats).await?;
            let version = args.version.unwrap_or_default();
            let text = api
                .issued_report(&args.partnership, kind_of(args.kind), args.period, version)
                .await?;
            emit_report(&text, args.format, &args.delivery)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Report(args) => {
            let api = read_api(&data, nats).await?;
            let as_of = as_of_or_today(&*api, &args.partnership, args.as_of).await?;
            let text = api
                .report(ReportRequest {
                    partnership: args.partnership,
                    period: args.period,
                    kind: kind_of(args.kind),
                    format: Format::Json,
                    as_of,
                    after: None,
                })
                .await?;
            emit_report(&text, args.format, &args.delivery)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::PlanGap(args) => {
            let api = read_api(&data, nats).await?;
            let planned = api
                .plan_gap(PlanGapRequest {
                    partnership: args.partnership,
                    period: args.period,
                    target_share: args.target_share,
                    format: match args.format {
                        PlanGapFormat::Md => Format::Markdown,
                        PlanGapFormat::Json => Format::Json,
                    },
                    after: None,
                })
                .await;
            match planned {
                Ok(text) => {
                    print_text(&text)?;
                    Ok(ExitCode::SUCCESS)
                }
                // The history cannot plan this period, or the target is no share: said
                // once, as a command's refusal is.
                Err(ApiError::Execute(ExecuteError::Refused(refusal))) => {
                    eprintln!("refused: {refusal}");
                    Ok(exit_for(refusal.kind.code()))
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::ValueRealised(args) => {
            let api = read_api(&data, nats).await?;
            let as_of = as_of_or_today(&*api, &args.partnership, args.as_of).await?;
            let text = api
                .value_realised(ValueRealisedRequest {
                    partnership: args.partnership,
                    campaign: args.campaign,
                    as_of,
                    after: None,
                })
                .await?;
            print_text(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Tail(args) => {
            match nats {
                Some(url) => tail(&crate::serve::jetstream_log(url).await?, &args).await?,
                None => tail(&**open_existing(&data)?.log(), &args).await?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Quarantine(QuarantineCmd::List { json }) => {
            let listed = match nats {
                Some(url) => {
                    synergy_eventlog::quarantined(&crate::serve::jetstream_log(url).await?).await?
                }
                None => synergy_eventlog::quarantined(&**open_existing(&data)?.log()).await?,
            };
            print_quarantined(&listed, json)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Replay => {
            match nats {
                // Over NATS the read models belong to the evaluation service: stop it, replay
                // into its data directory, start it again.
                Some(url) => {
                    let log = crate::serve::jetstream_log(url).await?;
                    let views = ProjectionStore::open(data.join("views"))?;
                    views.set_model_cache(cli.model_cache);
                    crate::serve::replay(&log, &views).await?;
                }
                None => {
                    let api = open_existing(&data)?;
                    api.views().set_model_cache(cli.model_cache);
                    crate::serve::replay(&**api.log(), api.views()).await?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Catalogue(CatalogueCmd::Import {
            partnership,
            options,
            file,
        }) => {
            let api = api(&data, nats).await?;
            let import = Import::new(&file, &options, act_as, &limits);
            import_catalogue(&*api, partnership, import).await
        }
        Command::MarketData(MarketDataCmd::Import {
            partnership,
            reason,
            options,
            file,
        }) => {
            let api = api(&data, nats).await?;
            let import = Import::new(&file, &options, act_as, &limits);
            import_market_data(&*api, partnership, reason, import).await
        }
        Command::Template(args) => write_template(&args),
        Command::Declared(Grouped::Command(c)) => {
            execute_built(&*api(&data, nats).await?, c.build()?, act_as).await
        }
        Command::Declared(Grouped::ListPartnerships(args)) => {
            let api = read_api(&data, nats).await?;
            print_text(&crate::portfolio::list(&*api, &args).await?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::History(args) => {
            let api = read_api(&data, nats).await?;
            print_text(&crate::history::render(&*api, args).await?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Portfolio(args) => {
            let api = read_api(&data, nats).await?;
            let bytes = crate::portfolio::render(&*api, &args).await?;
            write_out(bytes, args.format, args.out.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn open(data: &Path) -> anyhow::Result<Local<synergy_eventlog::SledLog>> {
    Ok(Local::open_embedded(data, Arc::new(SystemClock))?)
}

/// The embedded installation in `data` for a command that only reads: one that does not
/// exist is said so, not created (opening the log would make the directory and its files).
fn open_existing(data: &Path) -> anyhow::Result<Local<synergy_eventlog::SledLog>> {
    if !data.join("log").exists() {
        bail!(
            "nothing is recorded in {}: it holds no event log (name the data directory with \
             --data DIR, or record something first)",
            data.display()
        );
    }
    open(data)
}

/// [`api`] for a command that only reads: the embedded data directory must exist.
async fn read_api(data: &Path, nats: Option<&NatsAddress>) -> anyhow::Result<Arc<dyn Api>> {
    Ok(match nats {
        Some(_) => api(data, nats).await?,
        None => Arc::new(open_existing(data)?),
    })
}

/// A report in the format asked for, from its JSON (a live report's or a frozen
/// version's): JSON as it is, every other format rendered from the report it reads back to.
fn emit_report(json: &str, format: OutputFormat, delivery: &Delivery) -> anyhow::Result<()> {
    let Delivery { lang, bom, out } = delivery;
    let (lang, bom) = (*lang, *bom);
    if bom && format != OutputFormat::Csv {
        bail!("--bom is for --format csv");
    }
    let report = || -> anyhow::Result<synergy_evaluation::Report> {
        let json = synergy_evaluation::json::Json::parse(json)?;
        Ok(synergy_evaluation::Report::from_json(&json)?)
    };
    let bytes = match format {
        OutputFormat::Json => json.as_bytes().to_vec(),
        OutputFormat::Xlsx => synergy_evaluation::xlsx::to_xlsx(&report()?, lang)?,
        OutputFormat::Csv if bom => {
            format!("{}{}", render::BOM, render::to_csv(&report()?)).into_bytes()
        }
        other => render::render_in(&report()?, format_of(other), lang).into_bytes(),
    };
    write_out(bytes, format, out.as_deref())
}

/// Writes a report's or a portfolio's bytes to `out` or standard output (a workbook only
/// where it is not a terminal), text ending with a line break.
fn write_out(mut bytes: Vec<u8>, format: OutputFormat, out: Option<&Path>) -> anyhow::Result<()> {
    if format != OutputFormat::Xlsx && !bytes.ends_with(b"\n") {
        bytes.push(b'\n');
    }
    match out {
        Some(path) => std::fs::write(path, &bytes)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None if format == OutputFormat::Xlsx && std::io::stdout().is_terminal() => {
            bail!("an XLSX workbook is not for a terminal; add --out FILE or redirect the output")
        }
        None => std::io::stdout().lock().write_all(&bytes)?,
    }
    Ok(())
}

fn print_text(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// The operator acts for a party: `--as ORG`, or the side that does this in the 5+1 model.
async fn principal(
    api: &dyn Api,
    partnership: &PartnershipId,
    default: &DefaultActor,
    act_as: Option<OrgId>,
) -> anyhow::Result<Principal> {
    let org = match (act_as, default) {
        (Some(org), _) => org,
        (None, DefaultActor::Org(org)) => org.clone(),
        (None, DefaultActor::Named) => bail!(
            "name the party that answers the proposal of partnership {partnership} with --as ORG"
        ),
        (None, DefaultActor::Side(side)) => {
            let Some(view) = api.partnership(partnership).await? else {
                bail!(
                    "partnership {partnership} does not exist; sign it first (synergy partnership sign)"
                );
            };
            match side {
                Side::Manufacturer => view.manufacturer,
                Side::Distributor => view.distributor,
            }
        }
    };
    Ok(Principal::new(org, Role::Admin, "cli"))
}

fn partnership_of(command: &AnyCommand) -> PartnershipId {
    command.stream().partnership
}

async fn execute_built(
    api: &dyn Api,
    built: Built,
    act_as: Option<OrgId>,
) -> anyhow::Result<ExitCode> {
    let p = partnership_of(&built.command);
    let who = principal(api, &p, &built.actor, act_as).await?;
    let key = built.idempotency_key.unwrap_or_else(Uuid::now_v7);
    let result = api
        .execute(Request::new(who, built.command).with_key(key))
        .await;
    Ok(match result {
        Ok(o) => {
            println!("{}", outcome_line(&o));
            // What the command's declaration says it answers, after the line that says
            // what it did.
            if let Some(answer) = o.answer {
                println!("{}", serde_json::Value::Object(answer));
            }
            ExitCode::SUCCESS
        }
        Err(e) => failed(&e, key),
    })
}

/// What a recorded (or unchanged, or retried) command did, in one line.
fn outcome_line(o: &Outcome) -> String {
    if o.duplicate {
        format!(
            "already recorded at {} ({}, version {})",
            position(o.position),
            o.stream,
            o.version
        )
    } else if o.events.is_empty() {
        format!(
            "no change: {} already holds this (version {})",
            o.stream, o.version
        )
    } else {
        format!(
            "recorded {} at {} ({}, version {})",
            events_summary(&o.events),
            position(o.position),
            o.stream,
            o.version
        )
    }
}

/// The events' names, a run of the same name counted once (`MarketDataSubmitted × 24`),
/// so that a thousand SKUs make one short line.
fn events_summary(events: &[std::borrow::Cow<'static, str>]) -> String {
    let mut runs: Vec<(&str, usize)> = Vec::new();
    for name in events {
        match runs.last_mut() {
            Some((last, n)) if *last == name.as_ref() => *n += 1,
            _ => runs.push((name.as_ref(), 1)),
        }
    }
    runs.iter()
        .map(|(name, n)| match n {
            1 => (*name).to_owned(),
            n => format!("{name} × {n}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Says on stderr why a command recorded nothing — a refusal as `refused:` once — or, when
/// it may or may not be recorded, how to retry it safely; the exit code is the error
/// code's.
fn failed(e: &ApiError, key: Uuid) -> ExitCode {
    match e {
        ApiError::Execute(ExecuteError::Refused(refusal)) => eprintln!("refused: {refusal}"),
        ApiError::Execute(ExecuteError::IdempotencyKeyReused { .. }) => {
            eprintln!("refused: {e}");
        }
        ApiError::Execute(ExecuteError::Unavailable(_)) => {
            eprintln!("error: {e}");
            eprintln!(
                "the command may or may not be recorded: run it again with \
                 --idempotency-key {key} to record it at most once"
            );
        }
        _ => eprintln!("error: {e}"),
    }
    exit_for(e.code())
}

fn print_issued(issued: &IssuedReport) {
    if !issued.issued {
        println!(
            "no change since version {}: the live report states the same figures",
            issued.version
        );
        return;
    }
    println!(
        "issued version {} at {}",
        issued.version,
        position(issued.position)
    );
    if issued.version > 1 {
        println!(
            "{} figures restated since version {}:",
            issued.restatements.len(),
            issued.version - 1
        );
        for r in &issued.restatements {
            println!(
                "  {}: {} → {}",
                r.key,
                r.previous.as_deref().unwrap_or("null"),
                r.current.as_deref().unwrap_or("null")
            );
        }
    }
}

/// One line per issued version, its restatements indented below it.
fn print_versions(args: &crate::cli::ReportArgs, listed: &serde_json::Value) {
    let versions = listed.as_array().map(Vec::as_slice).unwrap_or_default();
    if versions.is_empty() {
        println!(
            "no version of the {} report of {} is issued",
            kind_of(args.kind).as_str(),
            args.period
        );
    }
    let text = |v: &serde_json::Value| v.as_str().unwrap_or("null").to_owned();
    for v in versions {
        println!(
            "version {} issued {} by {} ({} {} {})",
            v["version"],
            text(&v["issued_at"]),
            match v["issued_by"].as_str() {
                Some("scheduler") => "the scheduler",
                _ => "a person",
            },
            text(&v["org"]),
            text(&v["role"]),
            text(&v["user"]),
        );
        for r in v["restatements"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            println!(
                "  {}: {} → {}",
                text(&r["key"]),
                text(&r["previous"]),
                text(&r["current"])
            );
        }
    }
}

fn position(p: Option<Position>) -> String {
    p.map_or_else(|| "-".to_owned(), |p| p.to_string())
}

fn print_quarantined(listed: &[synergy_eventlog::Quarantined], json: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        let rows: Vec<serde_json::Value> = listed
            .iter()
            .map(|q| {
                serde_json::json!({
                    "position": q.position.get(),
                    "subject": q.subject,
                    "reason": q.reason,
                })
            })
            .collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
        return Ok(());
    }
    for q in listed {
        writeln!(out, "{q}")?;
    }
    if listed.is_empty() {
        writeln!(out, "no quarantined records")?;
    }
    Ok(())
}

async fn tail<L: EventLog>(log: &L, args: &crate::cli::TailArgs) -> anyhow::Result<()> {
    let head = log.head().await?;
    let after = args.from.map_or(head, Position);
    if args.no_follow && after >= head {
        return Ok(());
    }
    // Every commit is read (and filtered here), so the one at the head always arrives and
    // `--no-follow` knows when to stop.
    let mut sub = log.subscribe(after, Filter::ALL);
    let mut seen = 0;
    let mut out = std::io::stdout().lock();
    while args.limit.is_none_or(|l| seen < l) {
        let Some(item) = sub.next().await else { break };
        let at = match &item {
            Ok(stored) => stored.position,
            Err(synergy_eventlog::ReadError::Corrupt { position, .. }) => *position,
            Err(e) => bail!("{e}"),
        };
        match item {
            Ok(stored)
                if args
                    .partnership
                    .as_ref()
                    .is_none_or(|p| *p == stored.commit.stream.partnership) =>
            {
                for entry in synergy_runtime::history::entries(&stored) {
                    let p = &stored.commit.stream.partnership;
                    writeln!(out, "{}", synergy_runtime::history::line(&entry, Some(p)))?;
                }
                seen += 1;
            }
            Ok(_) => {}
            Err(e) => {
                writeln!(out, "!! {e}")?;
                seen += 1;
            }
        }
        out.flush()?;
        if args.no_follow && at >= head {
            break;
        }
    }
    Ok(())
}
