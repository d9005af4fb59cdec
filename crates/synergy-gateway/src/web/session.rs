//! Who is signed in, and how often someone may try.
//!
//! A session is a server-side record named by a random cookie value (256 bits); the map is
//! keyed by the value's SHA-256, so a dump of memory names no live cookie. It ends at
//! logout, after [`IDLE`] without a request, or [`ABSOLUTE`] after sign-in, whichever comes
//! first. Each carries its own CSRF token, which every form of the session posts back.
//! Sessions live in the gateway process: a restart signs everyone out, and two gateway
//! replicas behind one address need the balancer to keep a browser on one of them.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::RngCore;
use sha2::{Digest, Sha256};

use super::users::User;

/// A session ends after this long without a request.
pub const IDLE: Duration = Duration::from_secs(30 * 60);
/// And this long after sign-in in any case.
pub const ABSOLUTE: Duration = Duration::from_secs(12 * 60 * 60);
/// The most sessions kept at once; past it the oldest are dropped, so signing in in a loop
/// cannot fill the memory.
pub const MAX_SESSIONS: usize = 100_000;

/// 32 random bytes as hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// A signed-in session.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    /// The synchronizer token its forms carry.
    pub csrf: String,
    started: Instant,
    seen: Instant,
}

impl Session {
    fn live(&self, now: Instant) -> bool {
        now.duration_since(self.seen) < IDLE && now.duration_since(self.started) < ABSOLUTE
    }
}

#[derive(Debug, Default)]
pub struct Sessions {
    map: Mutex<HashMap<[u8; 32], Session>>,
}

fn key(cookie: &str) -> [u8; 32] {
    Sha256::digest(cookie.as_bytes()).into()
}

impl Sessions {
    /// Starts a session for `user`; the answer is the cookie's value.
    pub fn start(&self, user: User) -> String {
        let cookie = random_token();
        let now = Instant::now();
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_SESSIONS {
            map.retain(|_, s| s.live(now));
            while map.len() >= MAX_SESSIONS {
                let Some(oldest) = map.iter().min_by_key(|(_, s)| s.started).map(|(k, _)| *k)
                else {
                    break;
                };
                map.remove(&oldest);
            }
        }
        map.insert(
            key(&cookie),
            Session {
                user,
                csrf: random_token(),
                started: now,
                seen: now,
            },
        );
        cookie
    }

    /// The live session `cookie` names, its idle clock restarted; an expired one is gone.
    pub fn get(&self, cookie: &str) -> Option<Session> {
        let now = Instant::now();
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        let k = key(cookie);
        match map.get_mut(&k) {
            Some(s) if s.live(now) => {
                s.seen = now;
                Some(s.clone())
            }
            Some(_) => {
                map.remove(&k);
                None
            }
            None => None,
        }
    }

    /// Ends the session `cookie` names.
    pub fn end(&self, cookie: &str) {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&key(cookie));
    }
}

/// How many sign-in attempts are let through: per account and per address, each counted in
/// a fixed window.
#[derive(Debug, Clone, Copy)]
pub struct AttemptLimits {
    /// Failed sign-ins of one login in a window before its next attempts are refused
    /// unchecked until the window ends.
    pub per_account: u32,
    /// Sign-in attempts (failed or not) from one address in a window.
    pub per_address: u32,
    pub window: Duration,
}

impl Default for AttemptLimits {
    /// 5 failures per account and 30 attempts per address in 15 minutes.
    fn default() -> Self {
        Self {
            per_account: 5,
            per_address: 30,
            window: Duration::from_secs(15 * 60),
        }
    }
}

/// The most counters kept; past it expired ones are dropped, then all (a flood of made-up
/// logins must not grow memory without bound).
const MAX_COUNTERS: usize = 100_000;

#[derive(Debug, Default)]
struct Counters(HashMap<String, (Instant, u32)>);

impl Counters {
    fn count(&self, key: &str, window: Duration, now: Instant) -> u32 {
        match self.0.get(key) {
            Some((start, n)) if now.duration_since(*start) < window => *n,
            _ => 0,
        }
    }

    fn add(&mut self, key: &str, window: Duration, now: Instant) {
        if self.0.len() >= MAX_COUNTERS {
            self.0
                .retain(|_, (start, _)| now.duration_since(*start) < window);
            if self.0.len() >= MAX_COUNTERS {
                self.0.clear();
            }
        }
        let entry = self.0.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }
}

/// Sign-in attempts counted per login and per address.
#[derive(Debug, Default)]
pub struct Attempts {
    limits: AttemptLimits,
    accounts: Mutex<Counters>,
    addresses: Mutex<Counters>,
}

impl Attempts {
    pub fn new(limits: AttemptLimits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }

    pub fn limits(&self) -> AttemptLimits {
        self.limits
    }

    /// Whether an attempt for `login` from `address` may be checked; counts it against the
    /// address.
    pub fn admit(&self, login: &str, address: &str) -> bool {
        let now = Instant::now();
        let w = self.limits.window;
        let mut addresses = self.addresses.lock().unwrap_or_else(|p| p.into_inner());
        if addresses.count(address, w, now) >= self.limits.per_address {
            return false;
        }
        addresses.add(address, w, now);
        let accounts = self.accounts.lock().unwrap_or_else(|p| p.into_inner());
        accounts.count(login, w, now) < self.limits.per_account
    }

    /// Counts a failed attempt against `login`.
    pub fn failed(&self, login: &str) {
        let mut accounts = self.accounts.lock().unwrap_or_else(|p| p.into_inner());
        accounts.add(login, self.limits.window, Instant::now());
    }

    /// A successful sign-in clears the login's failures.
    pub fn succeeded(&self, login: &str) {
        let mut accounts = self.accounts.lock().unwrap_or_else(|p| p.into_inner());
        accounts.0.remove(login);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use synergy_proto::{OrgId, Role};

    fn user() -> User {
        User {
            login: "li.wei".into(),
            org: OrgId::new("hongyun").unwrap(),
            role: Role::Manufacturer,
        }
    }

    #[test]
    fn a_session_is_found_by_its_cookie_until_it_ends() {
        let sessions = Sessions::default();
        let cookie = sessions.start(user());
        let s = sessions.get(&cookie).unwrap();
        assert_eq!(s.user, user());
        assert_ne!(s.csrf, cookie);
        assert!(sessions.get(&random_token()).is_none());
        sessions.end(&cookie);
        assert!(sessions.get(&cookie).is_none());
    }

    #[test]
    fn failures_of_one_account_lock_it_and_a_success_clears_them() {
        let attempts = Attempts::new(AttemptLimits {
            per_account: 2,
            per_address: 100,
            window: Duration::from_secs(60),
        });
        assert!(attempts.admit("li.wei", "10.0.0.1"));
        attempts.failed("li.wei");
        assert!(attempts.admit("li.wei", "10.0.0.2"));
        attempts.failed("li.wei");
        // The third try is refused from any address; another account is not.
        assert!(!attempts.admit("li.wei", "10.0.0.3"));
        assert!(attempts.admit("zhang", "10.0.0.3"));
        attempts.succeeded("li.wei");
        assert!(attempts.admit("li.wei", "10.0.0.3"));
    }

    #[test]
    fn one_address_is_held_to_its_attempts_over_every_account() {
        let attempts = Attempts::new(AttemptLimits {
            per_account: 100,
            per_address: 3,
            window: Duration::from_secs(60),
        });
        for n in 0..3 {
            assert!(attempts.admit(&format!("user{n}"), "10.0.0.1"));
        }
        assert!(!attempts.admit("user9", "10.0.0.1"));
        assert!(attempts.admit("user9", "10.0.0.2"));
    }

    #[test]
    fn secrets_compare_equal_only_when_equal() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", ""));
    }
}
