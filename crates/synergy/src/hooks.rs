//! Webhooks on the command line and in the long-running modes (`docs/webhooks.md`):
//! `synergy webhook add|list|remove`, and the follower and deliverer that `synergy up`
//! and the evaluation service run beside the read models.

use std::path::{Path, PathBuf};
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
        #[arg(long)]
        org: OrgId,
        #[arg(long)]
        partnership: PartnershipId,
        /// Where alerts are POSTed: http or https, no user name or password in it.
        #[arg(long)]
        url: String,
    },
    /// List ORG's webhooks (id, partnership, URL).
    List {
        #[arg(long)]
        org: OrgId,
    },
    /// Remove one of ORG's webhooks: it receives nothing more.
    Remove {
        #[arg(long)]
        org: OrgId,
        /// The webhook's id, as `add` and `list` print it.
        id: Uuid,
    },
}

/// Where the signing key is: `--webhook-key`, or `webhook.key` in the data directory.
pub fn key_path(data: &Path, given: Option<&Path>) -> PathBuf {
    given.map_or_else(|| data.join(webhook::KEY_FILE), Path::to_path_buf)
}

/// The signing key, made on first use (mode 0600).
pub fn key(data: &Path, given: Option<&Path>) -> anyhow::Result<SigningKey> {
    let path = key_path(data, given);
    if given.is_none() {
        std::fs::create_dir_all(data)
            .with_context(|| format!("cannot create {}", data.display()))?;
    }
    Ok(SigningKey::open_or_create(&path)?)
}

/// `synergy webhook …`.
pub async fn run(api: &dyn Api, key: Option<SigningKey>, cmd: WebhookCmd) -> anyhow::Result<ExitCode> {
    let operator = |org: OrgId| Principal::new(org, Role::Admin, "cli");
    match cmd {
        WebhookCmd::Add {
            org,
            partnership,
            url,
        } => {
            let key = key.context("no webhook signing key")?;
            let r = webhook::register(api, &key, operator(org), partnership, url, None).await?;
            eprintln!(
                "webhook {} of {} on {}; its signing secret is shown here and to its owner only:",
                r.webhook.id, r.webhook.org, r.webhook.partnership
            );
            println!("{}  {}", r.webhook.id, r.secret);
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
    follower: tokio::task::JoinHandle<Result<(), webhook::OutboxError>>,
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
            Outbox::open(dir).with_context(|| format!("cannot open the webhook outbox {}", dir.display()))?,
        );
        let stats = Arc::new(DeliveryStats::default());
        let follower = tokio::spawn(webhook::outbox::follow(log, outbox.clone(), stop.clone()));
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
        for (what, task) in [("follower", self.follower), ("deliverer", self.deliverer)] {
            match task.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!(error = %e, "the webhook {what} stopped"),
                Err(e) => tracing::error!(error = %e, "the webhook {what} panicked"),
            }
        }
        if let Err(e) = self.outbox.flush() {
            tracing::error!(error = %e, "cannot flush the webhook outbox");
        }
    }
}
