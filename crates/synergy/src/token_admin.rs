//! Token administration over NATS, for a gateway that runs on another machine: the
//! operator's `synergy token … --nats URL` sends a request on `syn.adm.gateway.tokens`, and
//! the gateway answers it from its own token file. NATS permissions (deploy/nats) let only
//! the operator's user publish on `syn.adm.>`.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use synergy_gateway::{TokenInfo, TokenStore};
use synergy_proto::codec::{decode_message, encode_message};
use synergy_proto::{OrgId, Role, subject};
use synergy_runtime::{Clock, SystemClock};
use tokio::sync::watch;

const VERSION: u16 = 1;
const QUEUE: &str = "synergy-gateway";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum TokenRequest {
    Create {
        org: OrgId,
        role: Role,
        expires_in_days: u32,
    },
    Revoke {
        id: String,
    },
    List,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenInfoWire {
    pub id: String,
    pub org: OrgId,
    pub role: Role,
    pub created_ms: i64,
    pub expires_ms: Option<i64>,
    pub revoked: bool,
}

impl From<TokenInfo> for TokenInfoWire {
    fn from(t: TokenInfo) -> Self {
        TokenInfoWire {
            id: t.id,
            org: t.org,
            role: t.role,
            created_ms: t.created_at.millis(),
            expires_ms: t.expires_at.map(|t| t.millis()),
            revoked: t.revoked,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum TokenReply {
    Created { info: TokenInfoWire, token: String },
    Revoked(TokenInfoWire),
    Listed(Vec<TokenInfoWire>),
}

fn tokens_subject() -> String {
    subject::admin("gateway", "tokens").expect("constant tokens are valid")
}

fn answer(store: &dyn TokenStore, request: TokenRequest) -> Result<TokenReply, String> {
    match request {
        TokenRequest::Create {
            org,
            role,
            expires_in_days,
        } => {
            let now = SystemClock.now();
            store
                .create_until(
                    org,
                    role,
                    now,
                    synergy_gateway::tokens::expiry(now, expires_in_days),
                )
                .map(|t| TokenReply::Created {
                    info: t.info.into(),
                    token: t.token,
                })
        }
        TokenRequest::Revoke { id } => store.revoke(&id).map(|t| TokenReply::Revoked(t.into())),
        TokenRequest::List => store
            .list()
            .map(|ts| TokenReply::Listed(ts.into_iter().map(Into::into).collect())),
    }
    .map_err(|e| e.to_string())
}

/// Subscribes to token requests and waits until the server has the subscription, so the
/// gateway calls itself ready only once the operator can reach it.
pub async fn listen(client: &async_nats::Client) -> anyhow::Result<async_nats::Subscriber> {
    let sub = client
        .queue_subscribe(tokens_subject(), QUEUE.to_owned())
        .await?;
    synergy_runtime::nats::sync(client, subject::GATEWAY_SYNC, Duration::from_secs(10)).await?;
    Ok(sub)
}

/// Answers the token requests `sub` receives (from [`listen`]) until `stop`.
pub async fn serve(
    client: async_nats::Client,
    mut sub: async_nats::Subscriber,
    store: Arc<dyn TokenStore>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    loop {
        let msg = tokio::select! {
            m = sub.next() => m,
            _ = stop.wait_for(|s| *s) => break,
        };
        let Some(msg) = msg else { break };
        let Some(reply) = msg.reply.clone() else {
            continue;
        };
        let result: Result<TokenReply, String> =
            decode_message::<TokenRequest>(VERSION, &msg.payload)
                .map_err(|e| format!("malformed token request: {e}"))
                .and_then(|request| {
                    tracing::info!(?request, "token administration over NATS");
                    answer(&*store, request)
                });
        match encode_message(VERSION, &result) {
            Ok(bytes) => {
                if let Err(e) = client.publish(reply, bytes.into()).await {
                    tracing::warn!(error = %e, "cannot answer a token request");
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot encode a token reply"),
        }
    }
    Ok(())
}

/// Sends a token request to the gateway on NATS.
pub async fn request(
    url: &synergy_runtime::nats::NatsAddress,
    request: TokenRequest,
) -> anyhow::Result<TokenReply> {
    let client = synergy_runtime::nats::connect(url, "synergy-token-admin").await?;
    let payload = encode_message(VERSION, &request)?;
    let reply = tokio::time::timeout(
        Duration::from_secs(10),
        client.request(tokens_subject(), payload.into()),
    )
    .await
    .map_err(|_| {
        anyhow::anyhow!(
            "no gateway answered token requests within 10 s; is `synergy serve gateway` running?"
        )
    })?
    .map_err(|e| {
        anyhow::anyhow!("token request failed: {e}; is a gateway running on this NATS?")
    })?;
    let result: Result<TokenReply, String> = decode_message(VERSION, &reply.payload)?;
    result.map_err(|e| anyhow::anyhow!("the gateway refused: {e}"))
}
