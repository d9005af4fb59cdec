//! The runtime over NATS: services answering commands and queries by request/reply in
//! their context's queue group ([`service`]), the client that implements [`crate::Api`] by
//! sending them requests ([`client`]), and the messages between the two ([`wire`]).
//!
//! Subjects (all built by `synergy_proto::subject`):
//! - `syn.cmd.<context>.<verb>`: a [`wire::CommandRequest`], answered by the context's
//!   service in queue group `synergy-<context>`, so replicas share the load;
//! - `syn.qry.<context>.read`: a [`wire::ReadQuery`] (one of the context's own queries),
//!   answered by the context's service from its streams, as JSON;
//! - `syn.qry.strategy.partnership`, `syn.qry.brand.catalogue`: read by the strategy and
//!   brand services from the event log;
//! - `syn.qry.evaluation.report`: answered by evaluation from its read models, after they
//!   pass the caller's last write.

pub mod client;
pub mod partitions;
pub mod service;
pub mod wire;

use std::time::Duration;

pub use client::{NatsApi, NatsApiConfig};
pub use service::{ServeError, Service, ServiceConfig, ServiceRole, ServiceStats, serve};

// Connecting lives beside the JetStream log, which needs it too: one helper for every
// client (credentials as credentials, a per-user inbox, no password in any message).
pub use synergy_eventlog::nats::{
    AddressError, CONNECT_TIMEOUT, ConnectError, NatsAddress, connect,
};

#[derive(Debug, thiserror::Error)]
#[error(
    "NATS did not confirm it had everything this client sent (a request on {subject}): {reason}"
)]
pub struct SyncError {
    pub subject: String,
    pub reason: String,
}

/// Returns once the server has read everything `client` sent before the call, its
/// subscriptions included, so requests that other connections send from then on reach
/// them.
///
/// `Client::flush` cannot promise that: it returns once the bytes are in the socket, not
/// once the server has read them. A request can: the server answers it (or reports that
/// nobody listens) only after reading what came before it on the same connection.
/// `subject` must be one this client may publish (`synergy_proto::subject::SERVICE_SYNC`,
/// `GATEWAY_SYNC`).
pub async fn sync(
    client: &async_nats::Client,
    subject: &str,
    timeout: Duration,
) -> Result<(), SyncError> {
    let request = async_nats::Request::new().timeout(Some(timeout));
    match client.send_request(subject.to_owned(), request).await {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == async_nats::RequestErrorKind::NoResponders => Ok(()),
        Err(e) => Err(SyncError {
            subject: subject.to_owned(),
            reason: e.to_string(),
        }),
    }
}
