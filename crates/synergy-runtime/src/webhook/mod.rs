//! Webhooks: the partnership's alerts POSTed to the URLs its parties register
//! (`docs/webhooks.md`).
//!
//! Registrations are strategy events on the partnership's stream (`WebhookRegistered`,
//! `WebhookRemoved`), so they reach whichever process delivers, embedded or over NATS,
//! in the log's order. The delivering process follows the log ([`outbox`]): each commit
//! carrying an alert (`ExceptionRaised`, `ExceptionCleared`, `DataReminder`) becomes one
//! delivery per webhook of its partnership, written to a sled outbox in the same
//! transaction as the follower's position and fsynced before it counts, so a crash loses
//! no pending delivery and a restart enqueues none twice. [`deliver`] POSTs them signed,
//! retrying with backoff for a day.
//!
//! No secret is recorded: each webhook's signing secret is HMAC-SHA256 of its id under
//! the installation's [`SigningKey`], a file only the gateway (which answers it once to
//! its owner) and the delivering process read.

pub mod deliver;
pub mod outbox;

use std::io::Write;
use std::path::Path;

use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::Serialize;
use sha2::Sha256;
use synergy_domain::Principal;
use synergy_proto::events::evaluation::EvaluationEvent;
use synergy_proto::{Event, OrgId, PartnershipId, RecordedEvent, Side, Uuid};
use synergy_strategy::{Query, Webhook};

use crate::api::{Api, ApiError, NotFound};
use crate::executor::{AnyCommand, Request, hashed_uuid};
use crate::query::AnyQuery;

pub use deliver::{DeliveryStats, RetrySchedule};
pub use outbox::{Delivery, Outbox, OutboxError};

type HmacSha256 = Hmac<Sha256>;

/// The header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256 over "<t>.<body>">`.
pub const SIGNATURE_HEADER: &str = "Synergy-Signature";
/// The header carrying the event id, the receiver's key for de-duplicating.
pub const EVENT_ID_HEADER: &str = "Synergy-Event-Id";

/// The file name of the signing key in `synergy up`'s data directory.
pub const KEY_FILE: &str = "webhook.key";

/// The installation's webhook signing key: 32 random bytes, kept as 64 hex digits in a
/// file of mode 0600. Every webhook's secret is derived from it and the webhook's id.
#[derive(Clone)]
pub struct SigningKey([u8; 32]);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(…)")
    }
}

/// Why the signing key cannot be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read the webhook signing key {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write the webhook signing key {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "the webhook signing key {path} is not 64 hex digits; make one with `openssl rand -hex 32`"
    )]
    Malformed { path: String },
}

impl SigningKey {
    /// Reads the key at `path` (64 hex digits, surrounding whitespace ignored).
    pub fn open(path: &Path) -> Result<Self, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|source| KeyError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text).ok_or_else(|| KeyError::Malformed {
            path: path.display().to_string(),
        })
    }

    /// A key from its 64 hex digits (surrounding whitespace ignored).
    pub fn parse(hex_text: &str) -> Option<Self> {
        let mut key = [0u8; 32];
        hex::decode_to_slice(hex_text.trim(), &mut key).ok()?;
        Some(Self(key))
    }

    /// Reads the key at `path`, creating it (mode 0600, fsynced) on first start.
    pub fn open_or_create(path: &Path) -> Result<Self, KeyError> {
        use std::os::unix::fs::OpenOptionsExt;
        if path.exists() {
            return Self::open(path);
        }
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        let write = |path: &Path| -> std::io::Result<()> {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)?;
            f.write_all(hex::encode(key).as_bytes())?;
            f.sync_all()?;
            if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::File::open(dir)?.sync_all()?;
            }
            Ok(())
        };
        match write(path) {
            Ok(()) => Ok(Self(key)),
            // Another process made it first: theirs is the key.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Self::open(path),
            Err(source) => Err(KeyError::Write {
                path: path.display().to_string(),
                source,
            }),
        }
    }

    /// A key from its bytes (tests, benches).
    pub fn from_bytes(key: [u8; 32]) -> Self {
        Self(key)
    }

    /// The webhook's signing secret, as its owner is told it: 64 hex digits.
    pub fn secret(&self, webhook: Uuid) -> String {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(b"synergy webhook secret ");
        mac.update(webhook.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// The `Synergy-Signature` value for `body` sent at `unix_seconds` under `secret` (the
/// hex text the owner was told; its bytes are the HMAC key, as a receiver uses it).
pub fn signature(secret: &str, unix_seconds: i64, body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(unix_seconds.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "t={unix_seconds},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// What a receiver gets: the alert's event id, its type, the partnership, when it
/// happened and its members (amounts, periods and dates as their text).
#[derive(Debug, Serialize)]
pub struct Payload<'a> {
    pub id: Uuid,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub partnership: &'a PartnershipId,
    pub occurred_at: synergy_proto::Timestamp,
    pub data: serde_json::Value,
}

/// The JSON body delivered for `event` of `partnership`, if it is an alert.
pub fn payload(partnership: &PartnershipId, event: &RecordedEvent) -> Option<String> {
    let Event::Evaluation(alert) = &event.event else {
        return None;
    };
    if !matches!(
        alert,
        EvaluationEvent::ExceptionRaised { .. }
            | EvaluationEvent::ExceptionCleared { .. }
            | EvaluationEvent::DataReminder { .. }
    ) {
        return None;
    }
    // `{"ExceptionRaised": {…}}`: the members are the inner object.
    let data = match serde_json::to_value(alert).ok()? {
        serde_json::Value::Object(mut outer) => outer.remove(event.event.name())?,
        _ => return None,
    };
    serde_json::to_string(&Payload {
        id: event.event_id,
        kind: event.event.name(),
        partnership,
        occurred_at: event.occurred_at,
        data,
    })
    .ok()
}

/// A webhook as its owner is told it at registration: with its signing secret.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Registered {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// HMAC-SHA256 key of the deliveries' signatures (its text's bytes), 64 hex digits.
    pub secret: String,
}

/// The webhook id a registration gets: from the caller's idempotency key when it sends one
/// (a retry then registers the same webhook), else fresh.
fn webhook_id(org: &OrgId, partnership: &PartnershipId, key: Option<Uuid>) -> Uuid {
    let Some(key) = key else {
        return Uuid::now_v7();
    };
    hashed_uuid(
        &[
            b"synergy webhook",
            org.as_str().as_bytes(),
            partnership.as_str().as_bytes(),
            key.as_bytes(),
        ],
        &[],
    )
}

/// Registers a webhook of the principal's organisation on `partnership` and answers it
/// with its secret.
pub async fn register(
    api: &dyn Api,
    key: &SigningKey,
    principal: Principal,
    partnership: PartnershipId,
    url: String,
    idempotency_key: Option<Uuid>,
) -> Result<Registered, ApiError> {
    let id = webhook_id(&principal.org, &partnership, idempotency_key);
    let org = principal.org.clone();
    let command = AnyCommand::Strategy(synergy_strategy::Command::RegisterWebhook {
        partnership: partnership.clone(),
        webhook: id,
        url: url.clone(),
    });
    let mut request = Request::new(principal, command);
    request.idempotency_key = idempotency_key;
    api.execute(request).await?;
    let url = synergy_strategy::check_url(&url).unwrap_or(url);
    Ok(Registered {
        webhook: Webhook {
            id,
            partnership,
            org,
            url,
        },
        secret: key.secret(id),
    })
}

/// The webhooks `org` registered on `partnership`.
pub async fn of_partnership(
    api: &dyn Api,
    partnership: &PartnershipId,
    org: &OrgId,
) -> Result<Vec<Webhook>, ApiError> {
    let query = AnyQuery::Strategy(Query::Webhooks {
        partnership: partnership.clone(),
        org: Some(org.clone()),
    });
    // A read answers its variant's value (`reads.rs` in the gateway reads it the same way).
    let answer = api.query(query).await?;
    serde_json::from_value::<Vec<Webhook>>(answer).map_err(|e| {
        ApiError::NotFound(NotFound::Described(format!(
            "the webhooks of {partnership} did not read back: {e}"
        )))
    })
}

/// Every webhook the principal's organisation registered, on every partnership it is (or
/// was) a party of, by partnership and id. A token with a side sees those of the
/// partnerships its organisation is on that side of, as every route of one partnership
/// answers it.
pub async fn list(api: &dyn Api, principal: &Principal) -> Result<Vec<Webhook>, ApiError> {
    let org = &principal.org;
    let side = principal.role.side();
    let mut all = Vec::new();
    for listed in api.partnerships(org).await? {
        let on_side = side.is_none_or(|side| match side {
            Side::Manufacturer => listed.manufacturer == *org,
            Side::Distributor => listed.distributor == *org,
        });
        if on_side {
            all.extend(of_partnership(api, &listed.partnership, org).await?);
        }
    }
    Ok(all)
}

/// One webhook of the principal's organisation; another organisation's is not found,
/// as one that does not exist.
pub async fn find(api: &dyn Api, principal: &Principal, id: Uuid) -> Result<Webhook, ApiError> {
    list(api, principal)
        .await?
        .into_iter()
        .find(|w| w.id == id)
        .ok_or_else(|| {
            ApiError::NotFound(NotFound::Described(format!(
                "no webhook {id} of {}",
                principal.org
            )))
        })
}

/// Removes a webhook of the principal's organisation.
pub async fn remove(api: &dyn Api, principal: Principal, id: Uuid) -> Result<Webhook, ApiError> {
    let webhook = find(api, &principal, id).await?;
    let command = AnyCommand::Strategy(synergy_strategy::Command::RemoveWebhook {
        partnership: webhook.partnership.clone(),
        webhook: id,
    });
    api.execute(Request::new(principal, command)).await?;
    Ok(webhook)
}
