//! Connecting to NATS: the one place where every Synergy client opens its connection (the
//! services, the JetStream log, the CLI over NATS, the gateway, token administration).
//!
//! - Credentials travel as credentials: the user and password go into CONNECT through
//!   `ConnectOptions::user_and_password`. async-nats 0.51 ignores `user:password@` in a
//!   server URL (nats.rs issue 1623), so a URL that carries them (handy for a human) is
//!   taken apart here: the credentials are kept, the servers are passed on without them.
//! - Each user gets its own reply subjects: the client's inbox prefix is `_INBOX.<user>`,
//!   and `deploy/nats/accounts.conf` lets a user subscribe to `_INBOX.<user>.>` only, so no
//!   service reads the replies meant for another (a new API token, another client's acks,
//!   the name of a consumer it did not create).
//! - Nothing secret reaches a message: a [`NatsAddress`] displays and debug-prints its
//!   servers and user, never the password, and the servers handed to async-nats no longer
//!   hold one.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use async_nats::ServerAddr;
use percent_encoding::percent_decode_str;

/// How long connecting to NATS may take before giving up.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The inbox prefix of a client without a user (a server without authentication).
pub const DEFAULT_INBOX_PREFIX: &str = "_INBOX";
/// Longest accepted user name (it becomes a subject token).
const MAX_USER_LEN: usize = 64;

/// Where and as whom to connect: one or more servers (a cluster's nodes) and, when the
/// server wants a login, a user and password.
#[derive(Clone, PartialEq, Eq)]
pub struct NatsAddress {
    servers: Vec<ServerAddr>,
    user: Option<String>,
    password: Option<String>,
}

/// Why a NATS address was refused. Messages never repeat a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("[nats-url-empty] the NATS URL names no server; give e.g. nats://127.0.0.1:4222")]
    Empty,
    #[error(
        "[nats-url-invalid] server {position} of the NATS URL is not a NATS server URL ({reason}); write nats://HOST:PORT, several separated by commas"
    )]
    Invalid { position: usize, reason: String },
    #[error(
        "[nats-url-mixed-credentials] the servers of the NATS URL carry different users or passwords; give the login once (SYNERGY_NATS_USER and SYNERGY_NATS_PASSWORD)"
    )]
    MixedCredentials,
    #[error(
        "[nats-user-invalid] the NATS user name {user:?} must be 1 to 64 letters, digits, '-' or '_' (it names the client's reply subjects, _INBOX.<user>)"
    )]
    InvalidUser { user: String },
    #[error(
        "[nats-password-without-user] a NATS password was given without a user; set SYNERGY_NATS_USER (or --nats-user) too"
    )]
    PasswordWithoutUser,
}

impl NatsAddress {
    /// Parses a comma-separated list of servers (`nats://host:4222`, `host:4222`, ...). A
    /// server may carry `user:password@` (percent-encoded); all that do must carry the same.
    pub fn parse(url: &str) -> Result<NatsAddress, AddressError> {
        let mut servers = Vec::new();
        let mut login: Option<(String, Option<String>)> = None;
        for (i, server) in url
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .enumerate()
        {
            let invalid = |reason: String| AddressError::Invalid {
                position: i + 1,
                reason,
            };
            let addr: ServerAddr = server.parse().map_err(|e: std::io::Error| {
                // async-nats' message quotes the URL parser's, never the input.
                invalid(e.to_string())
            })?;
            let user = addr.username().map(decode);
            let password = addr.password().map(decode);
            let mut bare = addr.into_inner();
            if user.is_some() || password.is_some() {
                let this = (user.unwrap_or_default(), password);
                match &login {
                    Some(seen) if *seen != this => return Err(AddressError::MixedCredentials),
                    _ => login = Some(this),
                }
                let stripped = bare.set_username("").is_ok() && bare.set_password(None).is_ok();
                if !stripped {
                    return Err(invalid("its credentials cannot be taken out".into()));
                }
            }
            servers.push(ServerAddr::from_url(bare).map_err(|e| invalid(e.to_string()))?);
        }
        if servers.is_empty() {
            return Err(AddressError::Empty);
        }
        let address = NatsAddress {
            servers,
            user: None,
            password: None,
        };
        match login {
            None => Ok(address),
            Some((user, password)) => {
                let address = address.with_user(&user)?;
                Ok(match password {
                    Some(password) => address.with_password(password),
                    None => address,
                })
            }
        }
    }

    /// Logs in as `user` (replacing a user given in the URL).
    pub fn with_user(mut self, user: &str) -> Result<NatsAddress, AddressError> {
        let valid = !user.is_empty()
            && user.len() <= MAX_USER_LEN
            && user
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid {
            return Err(AddressError::InvalidUser {
                user: user.chars().take(MAX_USER_LEN).collect(),
            });
        }
        self.user = Some(user.to_owned());
        Ok(self)
    }

    /// Logs in with `password` (replacing one given in the URL).
    pub fn with_password(mut self, password: String) -> NatsAddress {
        self.password = Some(password);
        self
    }

    /// The user this address logs in as, if any.
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// The servers, without credentials.
    pub fn servers(&self) -> &[ServerAddr] {
        &self.servers
    }

    /// The prefix of this client's reply subjects: `_INBOX.<user>`, or `_INBOX` without a
    /// user.
    pub fn inbox_prefix(&self) -> String {
        match &self.user {
            Some(user) => format!("{DEFAULT_INBOX_PREFIX}.{user}"),
            None => DEFAULT_INBOX_PREFIX.to_owned(),
        }
    }

    /// The connect options for this address: credentials, inbox prefix, timeout.
    fn options(&self) -> Result<async_nats::ConnectOptions, AddressError> {
        let options = match (&self.user, &self.password) {
            (Some(user), Some(password)) => {
                async_nats::ConnectOptions::with_user_and_password(user.clone(), password.clone())
            }
            (Some(_), None) | (None, None) => async_nats::ConnectOptions::new(),
            (None, Some(_)) => return Err(AddressError::PasswordWithoutUser),
        };
        Ok(options
            .custom_inbox_prefix(self.inbox_prefix())
            .connection_timeout(CONNECT_TIMEOUT))
    }
}

fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

impl FromStr for NatsAddress {
    type Err = AddressError;

    fn from_str(url: &str) -> Result<NatsAddress, AddressError> {
        NatsAddress::parse(url)
    }
}

/// The servers and the user, e.g. `nats://127.0.0.1:4222 as brand`; never the password.
impl fmt::Display for NatsAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, server) in self.servers.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(server.as_url_str())?;
        }
        if let Some(user) = &self.user {
            write!(f, " as {user}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for NatsAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NatsAddress")
            .field("servers", &self.to_string())
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

/// A connection could not be opened.
#[derive(Debug, thiserror::Error)]
#[error(
    "[nats-connect] cannot connect to NATS at {address}: {reason}; is nats-server running, and are the URL, SYNERGY_NATS_USER and SYNERGY_NATS_PASSWORD right?"
)]
pub struct ConnectError {
    /// The servers and user (no password).
    pub address: String,
    pub reason: String,
}

/// Connects to `address` as the client `name` (shown in the server's connection list).
/// The client reconnects by itself after a server restart and fails over between the
/// servers of a cluster; connection changes and server errors (a permissions violation,
/// say) are logged.
pub async fn connect(
    address: &NatsAddress,
    name: &str,
) -> Result<async_nats::Client, ConnectError> {
    let failed = |reason: String| ConnectError {
        address: address.to_string(),
        reason,
    };
    let name_for_events = name.to_owned();
    address
        .options()
        .map_err(|e| failed(e.to_string()))?
        .name(name)
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
        // Every server as its own address, so the client can fail over between them.
        .connect(address.servers().to_vec())
        .await
        .map_err(|e| failed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_taken_out_of_the_url() {
        let a = NatsAddress::parse("nats://brand:p0123@127.0.0.1:4222,nats://brand:p0123@h2:4223")
            .unwrap();
        assert_eq!(a.user(), Some("brand"));
        assert_eq!(a.password.as_deref(), Some("p0123"));
        let servers: Vec<&str> = a.servers().iter().map(ServerAddr::as_url_str).collect();
        assert_eq!(servers, ["nats://127.0.0.1:4222", "nats://h2:4223"]);
        assert_eq!(a.inbox_prefix(), "_INBOX.brand");
        assert_eq!(
            a.to_string(),
            "nats://127.0.0.1:4222,nats://h2:4223 as brand"
        );
        assert!(!format!("{a:?}").contains("p0123"), "{a:?}");
    }

    #[test]
    fn percent_encoded_credentials_are_decoded() {
        let a = NatsAddress::parse("nats://admin:a%40b%3Ac@host").unwrap();
        assert_eq!(a.password.as_deref(), Some("a@b:c"));
        assert_eq!(a.servers()[0].as_url_str(), "nats://host");
    }

    #[test]
    fn plain_servers_have_no_login_and_the_default_inbox() {
        let a = NatsAddress::parse(" 127.0.0.1:4222 ,").unwrap();
        assert_eq!(a.user(), None);
        assert_eq!(a.inbox_prefix(), "_INBOX");
        assert_eq!(a.to_string(), "nats://127.0.0.1:4222");
        let a = a.with_user("gateway").unwrap().with_password("pw".into());
        assert_eq!(a.inbox_prefix(), "_INBOX.gateway");
        assert_eq!(a.to_string(), "nats://127.0.0.1:4222 as gateway");
    }

    #[test]
    fn bad_addresses_are_refused_without_echoing_secrets() {
        assert_eq!(NatsAddress::parse(" , "), Err(AddressError::Empty));
        assert_eq!(
            NatsAddress::parse("nats://a:x@h1,nats://b:x@h2"),
            Err(AddressError::MixedCredentials)
        );
        let err = NatsAddress::parse("nats://u:s3cret@[bad").unwrap_err();
        assert!(
            matches!(err, AddressError::Invalid { position: 1, .. }),
            "{err}"
        );
        assert!(!err.to_string().contains("s3cret"), "{err}");
        for user in ["a.b", "*", ">", "", "a b"] {
            let err = NatsAddress::parse("h:4222").unwrap().with_user(user);
            assert!(
                matches!(err, Err(AddressError::InvalidUser { .. })),
                "{user:?}"
            );
        }
        let orphan = NatsAddress::parse("h:4222")
            .unwrap()
            .with_password("pw".into());
        assert_eq!(
            orphan.options().map(|_| ()).unwrap_err(),
            AddressError::PasswordWithoutUser
        );
    }
}
