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
pub mod service;
pub mod wire;

use std::time::Duration;

pub use client::{NatsApi, NatsApiConfig};
pub use service::{ServeError, Service, ServiceConfig, ServiceRole, ServiceStats, serve};

/// How long connecting to NATS may take before giving up.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
#[error(
    "cannot connect to NATS at {url}: {reason}; is nats-server running, and are the URL and credentials right?"
)]
pub struct ConnectError {
    pub url: String,
    pub reason: String,
}

/// Connects to NATS as `name` (shown in the server's connection list). `url` may list
/// several servers separated by commas and carry `user:password@`. The client reconnects
/// by itself after a server restart; connection changes and server errors (a permissions
/// violation, say) are logged.
pub async fn connect(url: &str, name: &str) -> Result<async_nats::Client, ConnectError> {
    let name_for_events = name.to_owned();
    async_nats::ConnectOptions::new()
        .name(name)
        .connection_timeout(CONNECT_TIMEOUT)
        .event_callback(move |event| {
            let name = name_for_events.clone();
            async move {
                match event {
                    async_nats::Event::ServerError(e) => {
                        tracing::error!(client = %name, error = %e, "NATS server error");
                    }
                    async_nats::Event::ClientError(e) => {
                        tracing::error!(client = %name, error = %e, "NATS client error");
                    }
                    other => tracing::info!(client = %name, event = %other, "NATS connection"),
                }
            }
        })
        // async-nats reads a string as one server: a cluster's comma-separated list is
        // handed over as a list, so the client can fail over between its members.
        .connect(servers(url))
        .await
        .map_err(|e| ConnectError {
            url: redact(url),
            reason: e.to_string(),
        })
}

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

/// The servers of a comma-separated URL list.
fn servers(url: &str) -> Vec<&str> {
    url.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// `url` without passwords, for messages and logs.
fn redact(url: &str) -> String {
    url.split(',')
        .map(|server| match (server.find("://"), server.rfind('@')) {
            (Some(scheme), Some(at)) if at > scheme => {
                let credentials = &server[scheme + 3..at];
                let user = credentials.split(':').next().unwrap_or("");
                format!("{}{user}:***{}", &server[..scheme + 3], &server[at..])
            }
            (None, Some(at)) => {
                let user = server[..at].split(':').next().unwrap_or("");
                format!("{user}:***{}", &server[at..])
            }
            _ => server.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            super::redact("nats://strategy:p0123@127.0.0.1:4222,nats://b:q@h2:4222"),
            "nats://strategy:***@127.0.0.1:4222,nats://b:***@h2:4222"
        );
        assert_eq!(
            super::redact("nats://127.0.0.1:4222"),
            "nats://127.0.0.1:4222"
        );
        assert_eq!(super::redact("u:pw@host:4222"), "u:***@host:4222");
    }
}
