//! Long-running modes: `synergy up` (everything in one process) and `synergy serve
//! <service>` (one service per process over NATS), plus `synergy token`.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use synergy_eventlog::{EventLog, JetStreamConfig, JetStreamLog};
use synergy_gateway::web::users::UserStore;
use synergy_gateway::{FileTokenStore, GatewayState, TokenStore};
use synergy_proto::{OrgId, Role};
use synergy_runtime::nats::{self, NatsAddress, NatsApi, ServiceConfig, ServiceRole};
use synergy_runtime::projection;
use synergy_runtime::{Api, Clock, FileClock, Local, SystemClock, schedule};
use tokio::sync::watch;

/// A watch that turns true on Ctrl-C or SIGTERM.
fn shutdown_signal() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let mut term = match signal(SignalKind::terminate()) {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!(error = %e, "cannot listen for SIGTERM");
                    let _ = tokio::signal::ctrl_c().await;
                    let _ = tx.send(true);
                    return;
                }
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
        let _ = tx.send(true);
    });
    rx
}

async fn until(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

/// The gateway's tokens live in the data directory; on first start an operator token is
/// created and printed once, so there is a way in.
fn tokens(data: &Path) -> anyhow::Result<Arc<FileTokenStore>> {
    let store = FileTokenStore::open(data)?;
    if store.list()?.is_empty() {
        let admin = store.create(OrgId::new("operator")?, Role::Admin, SystemClock.now())?;
        println!("first start: created an admin token (shown once, keep it safe):");
        println!("  {}", admin.token);
        println!(
            "  more with: synergy --data {} token create --org ORG --role ROLE",
            data.display()
        );
    }
    Ok(Arc::new(store))
}

/// The people of the web app live beside the tokens, in the data directory.
fn users(data: &Path) -> anyhow::Result<Arc<UserStore>> {
    Ok(Arc::new(UserStore::open(data)?))
}

/// On the demo's first start, one-time links for a person of each demo party and an
/// admin, so the web app can be opened at once; never a fixed password.
fn invite_demo_users(users: &UserStore, base: &str) -> anyhow::Result<()> {
    if !users.is_empty()? {
        return Ok(());
    }
    println!(
        "demo: open {base}/ ; each link below sets one demo user's password, once, within {} days:",
        synergy_gateway::web::users::INVITATION_DAYS
    );
    for (org, role, name) in [
        (
            synergy_changzhi::MANUFACTURER,
            Role::Manufacturer,
            "hongyun",
        ),
        (synergy_changzhi::DISTRIBUTOR, Role::Distributor, "changzhi"),
        ("operator", Role::Admin, "admin"),
    ] {
        let new = users.invite(
            OrgId::new(org)?,
            role,
            Some(name.to_owned()),
            SystemClock.now(),
        )?;
        println!("  {name} ({role} of {org}): {}", new.link(base));
    }
    Ok(())
}

/// How the gateway serves: its request limits and the web app's options.
#[derive(Debug, Clone, Copy)]
pub struct GatewayOptions {
    pub limits: synergy_gateway::Limits,
    /// Load the demo if the data directory is new, and print one-time links for its users
    /// on a first start (`up --demo`).
    pub demo: bool,
    /// The web app's cookies always `Secure` (`--secure-cookies`).
    pub secure_cookies: bool,
}

async fn gateway(
    addr: &str,
    api: Arc<dyn Api>,
    data: &Path,
    nats: Option<async_nats::Client>,
    stop: watch::Receiver<bool>,
    options: GatewayOptions,
    (webhook_key, outbox): (
        Option<synergy_runtime::webhook::SigningKey>,
        Option<Arc<synergy_runtime::webhook::Outbox>>,
    ),
) -> anyhow::Result<()> {
    let tokens = tokens(data)?;
    let users = users(data)?;
    // On NATS, the operator administers this gateway's tokens from anywhere.
    let admin = match nats {
        Some(client) => {
            let sub = crate::token_admin::listen(&client).await?;
            let store: Arc<dyn TokenStore> = tokens.clone();
            Some(tokio::spawn(crate::token_admin::serve(
                client,
                sub,
                store,
                stop.clone(),
            )))
        }
        None => None,
    };
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    println!("synergy: HTTP API on http://{local} (OpenAPI at /openapi.json)");
    println!("synergy: web app on http://{local}/");
    if options.demo {
        invite_demo_users(&users, &format!("http://{local}"))?;
    }
    println!("ready");
    let mut state = GatewayState::new(api, tokens)
        .with_limits(options.limits)
        .with_users(users)
        .with_secure_cookies(options.secure_cookies);
    if let Some(key) = webhook_key {
        state = state.with_webhook_key(key);
    }
    if let Some(outbox) = outbox {
        state = state.with_webhook_outbox(outbox);
    }
    synergy_gateway::serve(listener, state, until(stop)).await?;
    if let Some(admin) = admin {
        admin.await.context("token administration panicked")??;
    }
    Ok(())
}

/// The clock of `up` and `serve`: the machine's, or with `--clock-file` (a test facility,
/// docs/reports.md) the instant a file holds, said at start so it is never a surprise.
pub fn clock(file: Option<&Path>) -> anyhow::Result<Arc<dyn Clock>> {
    Ok(match file {
        None => Arc::new(SystemClock),
        Some(path) => {
            let clock = FileClock::open(path)?;
            println!(
                "synergy: the clock reads {} (now {}); a test facility, never for production",
                path.display(),
                clock.now()
            );
            Arc::new(clock)
        }
    })
}

/// Where the webhook signing key is and how deliveries are retried.
#[derive(Debug, Clone, Default)]
pub struct HookOptions {
    /// `--webhook-key`; `None` for `webhook.key` in the data directory.
    pub key: Option<std::path::PathBuf>,
    pub retry: synergy_runtime::webhook::RetrySchedule,
}

impl HookOptions {
    /// The key of a process that is the whole installation (`up`).
    fn key(&self, data: &Path) -> anyhow::Result<synergy_runtime::webhook::SigningKey> {
        crate::hooks::key(data, self.key.as_deref())
    }

    /// The key of one service of several (`serve gateway`, `serve evaluation`): only the
    /// one given, since a key of its own would not be the other's. Without it, webhooks
    /// are off in this process, which it says.
    fn shared_key(
        &self,
        what: &str,
    ) -> anyhow::Result<Option<synergy_runtime::webhook::SigningKey>> {
        let key = crate::hooks::given_key(self.key.as_deref())?;
        if key.is_none() {
            println!(
                "synergy: webhooks are off in the {what}: give it and the evaluation service the same key (--webhook-key FILE or {}; deploy/README.md)",
                crate::hooks::SIGNING_KEY_ENV
            );
        }
        Ok(key)
    }
}

/// Most `--kept-streams`: the map of kept states is allocated for all of them at start.
pub const MAX_KEPT_STREAMS: usize = 1_000_000;

/// How many stream states a process keeps in memory and how often it snapshots them
/// (`--kept-streams`, `--snapshot-every`; `synergy_runtime::snapshot`), and how many
/// partnerships' read models its evaluation keeps in memory (`--model-cache`).
#[derive(Debug, Clone, Copy)]
pub struct StateOptions {
    pub kept_streams: usize,
    pub snapshot_every: u64,
    pub model_cache: std::num::NonZeroUsize,
}

impl Default for StateOptions {
    fn default() -> Self {
        Self {
            kept_streams: synergy_runtime::kept::DEFAULT_CAPACITY,
            snapshot_every: synergy_runtime::snapshot::DEFAULT_INTERVAL,
            model_cache: synergy_runtime::projection::DEFAULT_MODEL_CACHE,
        }
    }
}

impl StateOptions {
    fn apply(self, config: &mut ServiceConfig, log: &JetStreamLog) {
        config.kept_streams = self.kept_streams;
        config.snapshot_every = self.snapshot_every;
        config.model_cache = self.model_cache;
        config.snapshot_store = log
            .snapshots()
            .map(|s| Arc::new(s) as Arc<dyn synergy_eventlog::SnapshotStore>);
    }
}

/// What `up` and `serve` run with: the data directory, the NATS server if any, the
/// gateway's address and options, the clock, the webhooks' key and retries, and the
/// states kept in memory.
pub struct Running<'a> {
    pub data: &'a Path,
    pub nats_url: Option<&'a NatsAddress>,
    pub addr: &'a str,
    pub options: GatewayOptions,
    pub clock: Arc<dyn Clock>,
    pub hooks: &'a HookOptions,
    pub states: StateOptions,
}

/// `synergy up`: every service and the gateway in one process.
pub async fn up(running: Running<'_>) -> anyhow::Result<ExitCode> {
    let Running {
        data,
        nats_url,
        addr,
        options,
        clock,
        hooks,
        states,
    } = running;
    let stop = shutdown_signal();
    match nats_url {
        None => {
            if options.demo && !data.join("log").exists() {
                println!("loading the Changzhi demo into {}", data.display());
                let (api, _clock) = crate::demo::prepare(data).await?;
                drop(api);
            }
            let local = Local::open_embedded(data, clock)?
                .with_kept_states(states.kept_streams)
                .with_snapshot_interval(states.snapshot_every)
                .followed();
            local.views().set_model_cache(states.model_cache);
            tracing::info!(
                position = %local.views().position(),
                model_cache = states.model_cache,
                "read models opened"
            );
            let consumer = tokio::spawn(projection::run(
                Arc::clone(local.log()),
                Arc::clone(local.views()),
                stop.clone(),
            ));
            let scheduler = tokio::spawn(schedule::run(local.clone(), stop.clone()));
            let key = hooks.key(data)?;
            let delivering = crate::hooks::Delivering::start(
                Arc::clone(local.log()),
                &data.join("outbox"),
                key.clone(),
                hooks.retry,
                stop.clone(),
            )?;
            let views = Arc::clone(local.views());
            println!("synergy up: embedded event log in {}", data.display());
            let hooked = (Some(key), Some(Arc::clone(&delivering.outbox)));
            let served = gateway(addr, Arc::new(local), data, None, stop, options, hooked).await;
            delivering.finish().await;
            match consumer.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!(error = %e, "evaluation consumer stopped"),
                Err(e) => tracing::error!(error = %e, "evaluation consumer panicked"),
            }
            if let Err(e) = scheduler.await {
                tracing::error!(error = %e, "the scheduler panicked");
            }
            views.flush()?;
            served?;
        }
        Some(url) => {
            if options.demo {
                bail!(
                    "--demo loads the embedded log; start without --nats, or load data with the CLI"
                );
            }
            let client = nats::connect(url, "synergy-up").await?;
            let log =
                Arc::new(JetStreamLog::open(client.clone(), JetStreamConfig::default()).await?);
            let mut config = ServiceConfig::new(ServiceRole::All).views(data.join("views"));
            config.clock = clock;
            states.apply(&mut config, &log);
            let key = hooks.key(data)?;
            let delivering = crate::hooks::Delivering::start(
                Arc::clone(&log),
                &data.join("outbox"),
                key.clone(),
                hooks.retry,
                stop.clone(),
            )?;
            let services = tokio::spawn(nats::serve(client, config, log, stop.clone()));
            let api: Arc<dyn Api> = Arc::new(NatsApi::connect(url).await?);
            println!("synergy up: every service on NATS at {url}");
            let admin = nats::connect(url, "synergy-gateway").await?;
            let hooked = (Some(key), Some(Arc::clone(&delivering.outbox)));
            let served = gateway(addr, api, data, Some(admin), stop, options, hooked).await;
            services.await.context("services panicked")??;
            delivering.finish().await;
            served?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `synergy serve <service>`: one service (or `gateway`) as its own process over NATS.
/// `partitions` makes an evaluation replica own some partitions (`--partitions`;
/// docs/partitions.md).
pub async fn serve(
    service: &str,
    running: Running<'_>,
    partitions: Option<synergy_runtime::nats::partitions::Partitioning>,
) -> anyhow::Result<ExitCode> {
    if partitions.is_some() && service != "evaluation" {
        bail!(
            "[partitions-invalid] --partitions: only `synergy serve evaluation` is partitioned, not {service}"
        );
    }
    let Some(url) = running.nats_url else {
        bail!(
            "synergy serve runs a service over NATS: add --nats nats://HOST:4222 (or use `synergy up` on one machine)"
        );
    };
    // Every service and the gateway on --addr: what `up --nats` runs.
    if service == "all" {
        return up(running).await;
    }
    let Running {
        data,
        addr,
        options,
        clock,
        hooks,
        states,
        ..
    } = running;
    let stop = shutdown_signal();
    if service == "gateway" {
        let api: Arc<dyn Api> = Arc::new(NatsApi::connect(url).await?);
        let admin = nats::connect(url, "synergy-gateway").await?;
        let hooked = (hooks.shared_key("gateway")?, None);
        gateway(addr, api, data, Some(admin), stop, options, hooked).await?;
        return Ok(ExitCode::SUCCESS);
    }
    let role: ServiceRole = service.parse().map_err(|e| {
        anyhow::anyhow!("{e}; services are strategy, marketing, brand, information, support, evaluation, all and gateway")
    })?;
    let client = nats::connect(url, &format!("synergy-{service}")).await?;
    let log = Arc::new(JetStreamLog::open(client.clone(), JetStreamConfig::default()).await?);
    let mut config = ServiceConfig::new(role);
    config.clock = clock;
    config.partitions = partitions;
    states.apply(&mut config, &log);
    if role.hosts(synergy_proto::Context::Evaluation) {
        config = config.views(data.join("views"));
    }
    // The evaluation service delivers the webhooks: it follows the whole log already.
    let key = match role.hosts(synergy_proto::Context::Evaluation) {
        true => hooks.shared_key("evaluation service")?,
        false => None,
    };
    let delivering = match key {
        Some(key) => Some(crate::hooks::Delivering::start(
            Arc::clone(&log),
            &data.join("outbox"),
            key,
            hooks.retry,
            stop.clone(),
        )?),
        None => None,
    };
    let service = nats::Service::new(client, config, log);
    let mut ready = service.ready();
    let run = tokio::spawn(service.run(stop));
    if ready.wait_for(|r| *r).await.is_ok() {
        println!("ready");
    }
    run.await.context("service panicked")??;
    if let Some(delivering) = delivering {
        delivering.finish().await;
    }
    Ok(ExitCode::SUCCESS)
}

/// `synergy token create|revoke|list`: on the data directory's token file, or with
/// `--nats` on the gateway's, through NATS.
pub async fn token(
    data: &Path,
    nats_url: Option<&NatsAddress>,
    cmd: crate::cli::TokenCmd,
) -> anyhow::Result<ExitCode> {
    use crate::token_admin::{TokenReply, TokenRequest, request};
    if let Some(url) = nats_url {
        let req = match cmd {
            crate::cli::TokenCmd::Create {
                org,
                role,
                expires_in_days,
            } => TokenRequest::Create {
                org,
                role: role.parse()?,
                expires_in_days,
            },
            crate::cli::TokenCmd::Revoke { id } => TokenRequest::Revoke { id },
            crate::cli::TokenCmd::List => TokenRequest::List,
        };
        match request(url, req).await? {
            TokenReply::Created { info, token } => {
                eprintln!(
                    "token {} for {} ({}); it is shown once and stored hashed by the gateway:",
                    info.id, info.org, info.role
                );
                println!("{token}");
            }
            TokenReply::Revoked(t) => println!("revoked token {} of {} ({})", t.id, t.org, t.role),
            TokenReply::Listed(ts) => {
                let now = SystemClock.now();
                for t in ts {
                    let created = synergy_proto::Timestamp::from_millis(t.created_ms);
                    let expires = t.expires_ms.map(synergy_proto::Timestamp::from_millis);
                    println!(
                        "{}",
                        token_line(&t.id, &t.org, t.role, created, expires, t.revoked, now)
                    );
                }
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let store = FileTokenStore::open(data)?;
    match cmd {
        crate::cli::TokenCmd::Create {
            org,
            role,
            expires_in_days,
        } => {
            let role: Role = role.parse()?;
            let now = SystemClock.now();
            let expires = synergy_gateway::tokens::expiry(now, expires_in_days);
            let new = store.create_until(org, role, now, expires)?;
            eprintln!(
                "token {} for {} ({}); it is shown once and stored hashed:",
                new.info.id, new.info.org, new.info.role
            );
            println!("{}", new.token);
        }
        crate::cli::TokenCmd::Revoke { id } => {
            let info = store.revoke(&id)?;
            println!("revoked token {} of {} ({})", info.id, info.org, info.role);
        }
        crate::cli::TokenCmd::List => {
            let now = SystemClock.now();
            for t in store.list()? {
                println!(
                    "{}",
                    token_line(
                        &t.id,
                        &t.org,
                        t.role,
                        t.created_at,
                        t.expires_at,
                        t.revoked,
                        now
                    )
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One line of `token list`: id, organisation, role, created, expires, and whether it
/// still works.
fn token_line(
    id: &str,
    org: &OrgId,
    role: Role,
    created: synergy_proto::Timestamp,
    expires: Option<synergy_proto::Timestamp>,
    revoked: bool,
    now: synergy_proto::Timestamp,
) -> String {
    let expires_text = expires.map_or_else(|| "never".to_owned(), |t| t.date().to_string());
    let state = if revoked {
        "  revoked"
    } else if expires.is_some_and(|t| now >= t) {
        "  expired"
    } else {
        ""
    };
    format!(
        "{id}  {:<24} {:<12} created {}  expires {expires_text}{state}",
        org.to_string(),
        role.to_string(),
        created.date()
    )
}

/// Opens the JetStream event log for `tail` and `replay` over NATS.
pub async fn jetstream_log(url: &NatsAddress) -> anyhow::Result<JetStreamLog> {
    let client = nats::connect(url, "synergy-cli").await?;
    Ok(JetStreamLog::open(client, JetStreamConfig::default()).await?)
}

/// Rebuilds read models in `views` from position 0 of `log`.
pub async fn replay<L: EventLog>(
    log: &L,
    views: &projection::ProjectionStore,
) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    views.reset()?;
    let head = log.head().await?;
    let started = std::time::Instant::now();
    let fold = projection::catch_up(log, views);
    tokio::pin!(fold);
    // A progress line on a terminal; nothing when piped.
    let terminal = std::io::stderr().is_terminal();
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(250));
    loop {
        tokio::select! {
            done = &mut fold => { done?; break; }
            _ = tick.tick(), if terminal => {
                let at = views.position().get();
                let pct = if head.get() == 0 { 100 } else { at * 100 / head.get() };
                eprint!("\rreplaying: {at} / {} commits ({pct} %)", head.get());
            }
        }
    }
    views.flush()?;
    if terminal {
        eprintln!(
            "\rreplayed {} commits in {:.1} s          ",
            head.get(),
            started.elapsed().as_secs_f64()
        );
    }
    println!("read models rebuilt up to {}", views.position());
    Ok(())
}

/// `synergy user invite`: a one-time link into the web app, written to the data
/// directory's `users.json`, which a running gateway reads on the next request.
pub fn user(data: &Path, cmd: crate::cli::UserCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        crate::cli::UserCmd::Invite {
            org,
            role,
            name,
            url,
        } => {
            let role: Role = role.parse()?;
            let new = UserStore::open(data)?.invite(org, role, name, SystemClock.now())?;
            eprintln!(
                "a one-time link for a {} of {}; it works once, for {} days:",
                new.invitation.role,
                new.invitation.org,
                synergy_gateway::web::users::INVITATION_DAYS
            );
            println!("{}", new.link(&url));
        }
    }
    Ok(ExitCode::SUCCESS)
}
