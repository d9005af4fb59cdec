//! Webhooks on the command line and in the long-running modes (`docs/webhooks.md`):
//! `synergy webhook add|list|remove`, and the follower and deliverer that `synergy up`
//! and the evaluation service run beside the read models.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Subcommand;
use synergy_domain::Principal;
use synergy_eventlog::EventLog;
use synergy_proto::{OrgId, PartnershipId, Role, Uuid};
use synergy_runtime::Api;
use synergy_runtime::webhook::{self, DeliveryStats, Outbox, RetrySchedule, SigningKey};
use tokio::sync::watch;

/// `synergy webhook …`: an organisation's webhooks, as the operator administers them.
#[derive(Debug, Subcommand)]
pub enum WebhookCmd {
    /// Register a webhook of ORG on a partnership it is a party of; prints its id and
    /// the secret its deliveries are signed with.
    Add {
        /// The organisation it is registered for: a party of the partnership.
        #[arg(long)]
        org: OrgId,
        /// The partnership whose alerts it receives.
        #[arg(long)]
        partnership: PartnershipId,
        /// Where alerts are POSTed: http or https, no user name or password in it.
        #[arg(long)]
        url: String,
    },
    /// List ORG's webhooks (id, partnership, URL).
    List {
        /// The organisation whose webhooks to list.
        #[arg(long)]
        org: OrgId,
    },
    /// Remove one of ORG's webhooks: it receives nothing more.
    Remove {
        /// The organisation that registered it.
        #[arg(long)]
        org: OrgId,
        /// The webhook's id, as `add` and `list` print it.
        id: Uuid,
    },
}

/// The environment variable holding the signing key itself (64 hex digits): how the
/// separate gateway and evaluation service of the NATS deployment share it, from env
/// files only root reads, as their NATS passwords (never a flag: it would show in `ps`).
pub const SIGNING_KEY_ENV: &str = "SYNERGY_WEBHOOK_SIGNING_KEY";

/// The signing key given: `--webhook-key FILE`, else `SYNERGY_WEBHOOK_SIGNING_KEY`;
/// `None` if neither is.
pub fn given_key(file: Option<&Path>) -> anyhow::Result<Option<SigningKey>> {
    if let Some(file) = file {
        return Ok(Some(SigningKey::open(file)?));
    }
    match std::env::var(SIGNING_KEY_ENV) {
        Ok(hex) if !hex.trim().is_empty() => {
            Ok(Some(SigningKey::parse(&hex).with_context(|| {
                format!("[webhook-key-invalid] {SIGNING_KEY_ENV} is not 64 hex digits")
            })?))
        }
        _ => Ok(None),
    }
}

/// The signing key of a process that is the whole installation (`up`, the CLI on the
/// embedded log): the one given, else `webhook.key` in the data directory, made on first
/// use (mode 0600).
pub fn key(data: &Path, file: Option<&Path>) -> anyhow::Result<SigningKey> {
    if let Some(key) = given_key(file)? {
        return Ok(key);
    }
    std::fs::create_dir_all(data).with_context(|| format!("cannot create {}", data.display()))?;
    Ok(SigningKey::open_or_create(&data.join(webhook::KEY_FILE))?)
}

/// `synergy webhook …`.
pub async fn run(
    api: &dyn Api,
    key: Option<SigningKey>,
    cmd: WebhookCmd,
) -> anyhow::Result<ExitCode> {
    let operator = |org: OrgId| Principal::new(org, Role::Admin, "cli");
    let key_known = key.is_some();
    match cmd {
        WebhookCmd::Add {
            org,
            partnership,
            url,
        } => {
            // Without the key (over NATS, none given) the secret is the gateway's to tell.
            let shown = key.unwrap_or_else(|| SigningKey::from_bytes([0; 32]));
            let r = webhook::register(api, &shown, operator(org), partnership, url, None).await?;
            if key_known {
                eprintln!(
                    "webhook {} of {} on {}; its signing secret, shown here and to its owner only:",
                    r.webhook.id, r.webhook.org, r.webhook.partnership
                );
                println!("{}  {}", r.webhook.id, r.secret);
            } else {
                eprintln!(
                    "webhook {} of {} on {}; its owner reads its secret from GET /v1/webhooks/{} (or give --webhook-key)",
                    r.webhook.id, r.webhook.org, r.webhook.partnership, r.webhook.id
                );
                println!("{}", r.webhook.id);
            }
        }
        WebhookCmd::List { org } => {
            for w in webhook::list(api, &operator(org)).await? {
                println!("{}  {}  {}", w.id, w.partnership, w.url);
            }
        }
        WebhookCmd::Remove { org, id } => {
            let w = webhook::remove(api, operator(org), id).await?;
            println!("removed webhook {} of {} on {}", w.id, w.org, w.partnership);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The webhook side of a long-running process: the outbox in `dir`, its follower of `log`
/// and its deliverer, until `stop`.
#[derive(Debug)]
pub struct Delivering {
    pub outbox: Arc<Outbox>,
    pub stats: Arc<DeliveryStats>,
    follower: tokio::task::JoinHandle<()>,
    deliverer: tokio::task::JoinHandle<Result<(), webhook::OutboxError>>,
}

impl Delivering {
    pub fn start<L: EventLog>(
        log: Arc<L>,
        dir: &Path,
        key: SigningKey,
        retry: RetrySchedule,
        stop: watch::Receiver<bool>,
    ) -> anyhow::Result<Self> {
        let outbox = Arc::new(
            Outbox::open(dir)
                .with_context(|| format!("cannot open the webhook outbox {}", dir.display()))?,
        );
        let stats = Arc::new(DeliveryStats::default());
        let follower = tokio::spawn(webhook::outbox::run(log, outbox.clone(), stop.clone()));
        let deliverer = tokio::spawn(webhook::deliver::run(
            outbox.clone(),
            key,
            retry,
            stats.clone(),
            stop,
        ));
        Ok(Self {
            outbox,
            stats,
            follower,
            deliverer,
        })
    }

    /// Waits for both to stop (after `stop`), and flushes the outbox.
    pub async fn finish(self) {
        if let Err(e) = self.follower.await {
            tracing::error!(error = %e, "the webhook follower panicked");
        }
        match self.deliverer.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "the webhook deliverer stopped"),
            Err(e) => tracing::error!(error = %e, "the webhook deliverer panicked"),
        }
        if let Err(e) = self.outbox.flush() {
            tracing::error!(error = %e, "cannot flush the webhook outbox");
        }
    }
}
