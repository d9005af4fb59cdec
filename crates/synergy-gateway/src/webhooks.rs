//! The caller's webhooks (`docs/webhooks.md`): registered on one partnership the caller's
//! organisation is a party of, listed, read with their secret and removed by that
//! organisation only. Another organisation's webhook is answered as one that does not
//! exist. The secret is derived here from the webhook id under the installation's
//! signing key; it is never recorded.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use synergy_domain::ErrorCode;
use synergy_runtime::webhook::{self, Registered, SigningKey};
use synergy_strategy::Webhook;
use utoipa::ToSchema;

use crate::GatewayState;
use crate::auth::Caller;
use crate::dto::{Id, UuidText, parse};
use crate::error::{ErrorBody, Problem};
use crate::extract::{JsonBody, Params};
use crate::routes::idempotency_key;

/// A webhook to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// The partnership whose alerts it receives; the caller's organisation must be a
    /// party of it.
    pub partnership: Id,
    /// Where alerts are POSTed: an absolute http or https URL with no user name or
    /// password, at most 2,048 bytes.
    #[schema(max_length = 2048, example = "https://hooks.example.com/synergy")]
    pub url: String,
}

/// A webhook with the secret its deliveries are signed with.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The HMAC-SHA256 key of `Synergy-Signature` (its text's bytes), 64 hex digits.
    pub secret: String,
}

impl From<Registered> for WebhookWithSecret {
    fn from(r: Registered) -> Self {
        Self {
            webhook: r.webhook,
            secret: r.secret,
        }
    }
}

/// The caller's webhooks.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhooksBody {
    pub webhooks: Vec<Webhook>,
}

fn key(s: &GatewayState) -> Result<&SigningKey, Problem> {
    s.webhook_key.as_ref().ok_or_else(|| {
        Problem::new(
            ErrorCode::Unavailable,
            "webhooks are not set up on this gateway: give it the evaluation service's signing key (--webhook-key FILE or SYNERGY_WEBHOOK_SIGNING_KEY; deploy/README.md)",
        )
    })
}

/// Registers a webhook of the caller's organisation on a partnership it is a party of.
/// The answer carries the signing secret; keep it to verify deliveries.
#[utoipa::path(
    post,
    path = "/v1/webhooks",
    tag = "webhooks",
    request_body = NewWebhook,
    params(
        ("Idempotency-Key" = inline(Option<UuidText>), Header, description = "A UUID; a retry with the same key registers the same webhook once"),
        ("X-Act-As" = inline(Option<Id>), Header, description = "Admin tokens only: the organisation the admin acts for"),
    ),
    responses(
        (status = 201, description = "Registered, with its secret", body = WebhookWithSecret),
        (status = 400, description = "Malformed body or header", body = ErrorBody),
        (status = 401, description = "No, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "The token's role is not the caller's side of the partnership", body = ErrorBody),
        (status = 404, description = "No such partnership the caller is a party of", body = ErrorBody),
        (status = 408, description = "The request took too long", body = ErrorBody),
        (status = 409, description = "The partnership accepts nothing new, or holds as many webhooks as it may", body = ErrorBody),
        (status = 422, description = "A field breaks a rule (`url`, `partnership`)", body = ErrorBody),
        (status = 503, description = "Temporarily unavailable; retry with the same Idempotency-Key", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn register(
    State(s): State<GatewayState>,
    caller: Caller,
    headers: HeaderMap,
    JsonBody(body): JsonBody<NewWebhook>,
) -> Result<Response, Problem> {
    let key = key(&s)?;
    let partnership = parse("partnership", &body.partnership)?;
    let registered = webhook::register(
        &*s.api,
        key,
        caller.principal,
        partnership,
        body.url,
        idempotency_key(&headers)?,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(WebhookWithSecret::from(registered)),
    )
        .into_response())
}

/// The webhooks the caller's organisation registered, on every partnership it is a
/// party of, by partnership and id. Secrets are not listed.
#[utoipa::path(
    get,
    path = "/v1/webhooks",
    tag = "webhooks",
    params(
        ("X-Act-As" = inline(Option<Id>), Header, description = "Admin tokens only: the organisation the admin acts for"),
    ),
    responses(
        (status = 200, description = "The caller's webhooks", body = WebhooksBody),
        (status = 400, description = "Malformed header", body = ErrorBody),
        (status = 401, description = "No, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "X-Act-As from a token that is no admin's", body = ErrorBody),
        (status = 408, description = "The request took too long", body = ErrorBody),
        (status = 503, description = "Temporarily unavailable", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list(State(s): State<GatewayState>, caller: Caller) -> Result<Response, Problem> {
    let webhooks = webhook::list(&*s.api, &caller.principal).await?;
    Ok(axum::Json(WebhooksBody { webhooks }).into_response())
}

fn webhook_id(params: &Params) -> Result<synergy_proto::Uuid, Problem> {
    params.get("id")
}

/// One webhook of the caller's organisation, with its signing secret.
#[utoipa::path(
    get,
    path = "/v1/webhooks/{id}",
    tag = "webhooks",
    params(
        ("id" = inline(UuidText), Path, description = "Webhook id"),
        ("X-Act-As" = inline(Option<Id>), Header, description = "Admin tokens only: the organisation the admin acts for"),
    ),
    responses(
        (status = 200, description = "The webhook and its secret", body = WebhookWithSecret),
        (status = 400, description = "Malformed path or header", body = ErrorBody),
        (status = 401, description = "No, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "X-Act-As from a token that is no admin's", body = ErrorBody),
        (status = 404, description = "No such webhook of the caller's organisation", body = ErrorBody),
        (status = 408, description = "The request took too long", body = ErrorBody),
        (status = 503, description = "Temporarily unavailable", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_one(
    State(s): State<GatewayState>,
    caller: Caller,
    params: Params,
) -> Result<Response, Problem> {
    let key = key(&s)?;
    let id = webhook_id(&params)?;
    let webhook = webhook::find(&*s.api, &caller.principal, id).await?;
    Ok(axum::Json(WebhookWithSecret {
        secret: key.secret(webhook.id),
        webhook,
    })
    .into_response())
}

/// Removes a webhook of the caller's organisation: it receives nothing more, not even
/// deliveries still pending.
#[utoipa::path(
    delete,
    path = "/v1/webhooks/{id}",
    tag = "webhooks",
    params(
        ("id" = inline(UuidText), Path, description = "Webhook id"),
        ("X-Act-As" = inline(Option<Id>), Header, description = "Admin tokens only: the organisation the admin acts for"),
    ),
    responses(
        (status = 200, description = "Removed; the webhook as it was", body = Webhook),
        (status = 400, description = "Malformed path or header", body = ErrorBody),
        (status = 401, description = "No, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "The token's role is not the caller's side of the partnership", body = ErrorBody),
        (status = 404, description = "No such webhook of the caller's organisation", body = ErrorBody),
        (status = 408, description = "The request took too long", body = ErrorBody),
        (status = 409, description = "The partnership accepts nothing new", body = ErrorBody),
        (status = 503, description = "Temporarily unavailable", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn remove(
    State(s): State<GatewayState>,
    caller: Caller,
    params: Params,
) -> Result<Response, Problem> {
    let id = webhook_id(&params)?;
    let removed = webhook::remove(&*s.api, caller.principal, id).await?;
    Ok(axum::Json(removed).into_response())
}

/// The outbox's gauges in the Prometheus exposition.
pub fn render_metrics(out: &mut String, outbox: &synergy_runtime::webhook::Outbox) {
    use std::fmt::Write as _;
    let (pending, dead) = outbox.counts();
    out.push_str("# HELP synergy_webhook_deliveries_pending Alert deliveries to webhooks not yet answered 2xx, retried with backoff.\n");
    out.push_str("# TYPE synergy_webhook_deliveries_pending gauge\n");
    let _ = writeln!(out, "synergy_webhook_deliveries_pending {pending}");
    out.push_str("# HELP synergy_webhook_deliveries_dead Alert deliveries given up after a day of retries (docs/webhooks.md).\n");
    out.push_str("# TYPE synergy_webhook_deliveries_dead gauge\n");
    let _ = writeln!(out, "synergy_webhook_deliveries_dead {dead}");
}
