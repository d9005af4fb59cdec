//! The runtime over NATS: services answering commands and queries by request/reply in
//! their context's queue group ([`service`]), the client that implements [`crate::Api`] by
//! sending them requests ([`client`]), and the messages between the two ([`wire`]).
//!
//! Subjects (all built by `synergy_proto::subject`):
//! - `syn.cmd.<context>.<verb>`: a [`wire::CommandRequest`], answered by the context's
//!   service in queue group `synergy-<context>`, so replicas share the load;
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
