//! People who sign in to the web app: each belongs to one organisation with one role, as an
//! API token does, and is let in by a one-time invitation an admin creates.
//!
//! A password is stored only as its argon2id hash with OWASP's parameters (19 MiB, two
//! passes, one lane); an invitation only as the SHA-256 of its secret, which carries 256
//! random bits, so a slow hash would buy nothing. Beside the tokens: in `users.json` of the
//! data directory (mode 0600, changed under the same lock file and atomic rename as
//! `tokens.json`), so `synergy user invite` adds an invitation while `synergy up` runs, or
//! in memory for a gateway that was given no directory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use synergy_proto::{OrgId, Role, Timestamp};

use crate::tokens::{Lock, write_private};

/// How long an invitation can be taken up: 7 days.
pub const INVITATION_DAYS: i64 = 7;
/// The shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// The longest: argon2 takes any length, but a request should not make it hash megabytes.
pub const MAX_PASSWORD_CHARS: usize = 128;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Someone who signs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// What they sign in with; unique in the store.
    pub login: String,
    pub org: OrgId,
    pub role: Role,
}

/// An invitation as its link shows it, before it is taken up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub org: OrgId,
    pub role: Role,
    /// The sign-in name the admin suggested, if any.
    pub name: Option<String>,
    pub expires_at: Timestamp,
}

/// A fresh invitation: the only time its secret exists outside the link.
pub struct NewInvitation {
    pub invitation: Invitation,
    /// `<id>_<secret>`, the last segment of the link `…/invite/<token>`.
    pub token: String,
}

impl std::fmt::Debug for NewInvitation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewInvitation")
            .field("invitation", &self.invitation)
            .field("token", &"<redacted>")
            .finish()
    }
}

impl NewInvitation {
    /// The link to hand the invitee, under the app's `base` URL (`http://host:port`).
    pub fn link(&self, base: &str) -> String {
        format!("{}/invite/{}", base.trim_end_matches('/'), self.token)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("user store: {0}")]
    Store(String),
    /// Refused input: the field and the stable rule, in words in [`UserError::Refused::message`].
    #[error("{field}: {message} ({rule})")]
    Refused {
        rule: &'static str,
        field: &'static str,
        message: String,
    },
}

fn store_err(e: impl std::fmt::Display) -> UserError {
    UserError::Store(e.to_string())
}

fn refused(rule: &'static str, field: &'static str, message: impl Into<String>) -> UserError {
    UserError::Refused {
        rule,
        field,
        message: message.into(),
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct UserRecord {
    org: String,
    role: String,
    /// argon2id in PHC form (`$argon2id$v=19$m=19456,t=2,p=1$…`).
    hash: String,
    created_ms: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct InvitationRecord {
    org: String,
    role: String,
    name: Option<String>,
    /// Hex SHA-256 of the secret.
    hash: String,
    created_ms: i64,
    expires_ms: i64,
    /// Set once it was taken up; it then admits nobody.
    used_ms: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Users {
    users: BTreeMap<String, UserRecord>,
    invitations: BTreeMap<String, InvitationRecord>,
}

#[derive(Debug)]
enum Backing {
    File(PathBuf),
    Memory(Mutex<Users>),
}

/// The people of an installation and their pending invitations.
#[derive(Debug)]
pub struct UserStore {
    backing: Backing,
    /// A hash no password matches, verified when the login is unknown so that an unknown
    /// login takes as long to refuse as a wrong password.
    decoy: String,
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP's argon2id parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_password(password: &str) -> Result<String, UserError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(store_err)?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(store_err)
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A login: 3 to 64 of lowercase letters, digits and `.`, `_`, `-`, `@`, starting with a
/// letter or digit.
pub fn check_login(login: &str) -> Result<(), UserError> {
    let ok = (3..=64).contains(&login.len())
        && login
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && login.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-' | b'@')
        });
    if ok {
        Ok(())
    } else {
        Err(refused(
            "user.login_invalid",
            "login",
            "3 to 64 lowercase letters, digits, '.', '_', '-' or '@', starting with a letter or digit",
        ))
    }
}

fn check_password(password: &str) -> Result<(), UserError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(refused(
            "user.password_too_short",
            "password",
            format!("at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(refused(
            "user.password_too_long",
            "password",
            format!("at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(())
}

/// Splits `<id>_<secret>` (16 and 64 hex digits); anything else is no invitation.
fn split(token: &str) -> Option<(&str, &str)> {
    let (id, secret) = token.split_once('_')?;
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex(id, 16) && hex(secret, 64)).then_some((id, secret))
}

fn no_invitation() -> UserError {
    refused(
        "user.invitation_invalid",
        "invitation",
        "this invitation link is unknown, used or expired; ask an administrator for a new one",
    )
}

impl InvitationRecord {
    fn invitation(&self) -> Result<Invitation, UserError> {
        Ok(Invitation {
            org: OrgId::new(self.org.clone()).map_err(store_err)?,
            role: self.role.parse().map_err(store_err)?,
            name: self.name.clone(),
            expires_at: Timestamp::from_millis(self.expires_ms),
        })
    }

    /// The record if `secret` is its own and it still admits someone at `now`.
    fn admits(&self, secret: &str, now: Timestamp) -> bool {
        let given = Sha256::digest(secret.as_bytes());
        let stored = hex::decode(&self.hash).unwrap_or_default();
        // Both are 32-byte digests of secrets; comparing digests leaks nothing of a secret.
        given.as_slice() == stored.as_slice()
            && self.used_ms.is_none()
            && now.millis() < self.expires_ms
    }
}

impl UserStore {
    pub const FILE: &'static str = "users.json";

    /// The store in `<dir>/users.json` (created on first write).
    pub fn open(dir: &Path) -> Result<Self, UserError> {
        std::fs::create_dir_all(dir).map_err(store_err)?;
        Ok(Self {
            backing: Backing::File(dir.join(Self::FILE)),
            decoy: hash_password("no password is this one")?,
        })
    }

    /// A store that lives as long as the process.
    pub fn memory() -> Self {
        Self {
            backing: Backing::Memory(Mutex::default()),
            decoy: hash_password("no password is this one").expect("argon2 hashes in memory"),
        }
    }

    fn read(&self) -> Result<Users, UserError> {
        match &self.backing {
            Backing::Memory(m) => Ok(m.lock().unwrap_or_else(|p| p.into_inner()).clone()),
            Backing::File(path) => match std::fs::read(path) {
                Ok(bytes) => serde_json::from_slice(&bytes)
                    .map_err(|e| store_err(format!("{} is damaged: {e}", path.display()))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Users::default()),
                Err(e) => Err(store_err(format!("cannot read {}: {e}", path.display()))),
            },
        }
    }

    fn update<T>(
        &self,
        change: impl FnOnce(&mut Users) -> Result<T, UserError>,
    ) -> Result<T, UserError> {
        match &self.backing {
            Backing::Memory(m) => change(&mut m.lock().unwrap_or_else(|p| p.into_inner())),
            Backing::File(path) => {
                let _lock = Lock::take(path).map_err(store_err)?;
                let mut users = self.read()?;
                let out = change(&mut users)?;
                let bytes = serde_json::to_vec_pretty(&users).map_err(store_err)?;
                write_private(path, &bytes).map_err(store_err)?;
                Ok(out)
            }
        }
    }

    /// Whether anyone has signed up or been invited yet.
    pub fn is_empty(&self) -> Result<bool, UserError> {
        let users = self.read()?;
        Ok(users.users.is_empty() && users.invitations.is_empty())
    }

    /// A one-time invitation into `org` as `role`, valid for [`INVITATION_DAYS`].
    pub fn invite(
        &self,
        org: OrgId,
        role: Role,
        name: Option<String>,
        now: Timestamp,
    ) -> Result<NewInvitation, UserError> {
        if let Some(name) = &name {
            check_login(name).map_err(|_| {
                refused(
                    "user.login_invalid",
                    "name",
                    "3 to 64 lowercase letters, digits, '.', '_', '-' or '@', starting with a letter or digit",
                )
            })?;
        }
        let mut rng = rand::rng();
        let (mut id, mut secret) = ([0u8; 8], [0u8; 32]);
        rng.fill_bytes(&mut id);
        rng.fill_bytes(&mut secret);
        let (id, secret) = (hex::encode(id), hex::encode(secret));
        let record = InvitationRecord {
            org: org.to_string(),
            role: role.as_str().to_owned(),
            name,
            hash: sha256_hex(&secret),
            created_ms: now.millis(),
            expires_ms: now.millis().saturating_add(INVITATION_DAYS * DAY_MS),
            used_ms: None,
        };
        let invitation = record.invitation()?;
        self.update(|u| {
            u.invitations.insert(id.clone(), record);
            Ok(())
        })?;
        Ok(NewInvitation {
            invitation,
            token: format!("{id}_{secret}"),
        })
    }

    /// The invitation `token` names, if it still admits someone at `now`.
    pub fn invitation(&self, token: &str, now: Timestamp) -> Result<Option<Invitation>, UserError> {
        let Some((id, secret)) = split(token) else {
            return Ok(None);
        };
        match self.read()?.invitations.get(id) {
            Some(r) if r.admits(secret, now) => r.invitation().map(Some),
            _ => Ok(None),
        }
    }

    /// Takes up the invitation: `login` with `password` joins its organisation in its role,
    /// and the invitation admits nobody after.
    pub fn accept(
        &self,
        token: &str,
        login: &str,
        password: &str,
        now: Timestamp,
    ) -> Result<User, UserError> {
        let (id, secret) = split(token).ok_or_else(no_invitation)?;
        check_login(login)?;
        check_password(password)?;
        // Hashed outside the lock: it takes tens of milliseconds on purpose.
        let hash = hash_password(password)?;
        self.update(|u| {
            let record = u
                .invitations
                .get_mut(id)
                .filter(|r| r.admits(secret, now))
                .ok_or_else(no_invitation)?;
            if u.users.contains_key(login) {
                return Err(refused(
                    "user.login_taken",
                    "login",
                    "this login is taken; choose another",
                ));
            }
            record.used_ms = Some(now.millis());
            let invitation = record.invitation()?;
            u.users.insert(
                login.to_owned(),
                UserRecord {
                    org: invitation.org.to_string(),
                    role: invitation.role.as_str().to_owned(),
                    hash,
                    created_ms: now.millis(),
                },
            );
            Ok(User {
                login: login.to_owned(),
                org: invitation.org,
                role: invitation.role,
            })
        })
    }

    /// The user if `password` is theirs. An unknown login and a wrong password both answer
    /// `None` after the same work.
    pub fn verify(&self, login: &str, password: &str) -> Result<Option<User>, UserError> {
        let users = self.read()?;
        let record = users.users.get(login);
        let hash = record.map_or(self.decoy.as_str(), |r| r.hash.as_str());
        let parsed = PasswordHash::new(hash).map_err(store_err)?;
        // A password past the bound is hashed as nothing: it matches no stored hash anyway.
        let given = if password.chars().count() > MAX_PASSWORD_CHARS {
            ""
        } else {
            password
        };
        let matches = argon2().verify_password(given.as_bytes(), &parsed).is_ok();
        match record {
            Some(r) if matches => Ok(Some(User {
                login: login.to_owned(),
                org: OrgId::new(r.org.clone()).map_err(store_err)?,
                role: r.role.parse().map_err(store_err)?,
            })),
            _ => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        Timestamp::from_millis(1_800_000_000_000)
    }

    fn org(s: &str) -> OrgId {
        OrgId::new(s).unwrap()
    }

    #[test]
    fn an_invitation_admits_once_and_the_password_is_stored_hashed() {
        let dir = tempfile::tempdir().unwrap();
        let store = UserStore::open(dir.path()).unwrap();
        let new = store
            .invite(
                org("hongyun"),
                Role::Manufacturer,
                Some("li.wei".into()),
                now(),
            )
            .unwrap();
        assert_eq!(
            store
                .invitation(&new.token, now())
                .unwrap()
                .unwrap()
                .name
                .as_deref(),
            Some("li.wei")
        );
        let user = store
            .accept(&new.token, "li.wei", "correct horse battery", now())
            .unwrap();
        assert_eq!((user.org, user.role), (org("hongyun"), Role::Manufacturer));
        // Once: the same link admits nobody else.
        let again = store.accept(&new.token, "other", "correct horse battery", now());
        assert!(matches!(
            again,
            Err(UserError::Refused {
                rule: "user.invitation_invalid",
                ..
            })
        ));
        assert!(store.invitation(&new.token, now()).unwrap().is_none());
        let text = std::fs::read_to_string(dir.path().join(UserStore::FILE)).unwrap();
        assert!(!text.contains("correct horse"), "password stored in clear");
        assert!(text.contains("$argon2id$v=19$m=19456,t=2,p=1$"));
        let secret = new.token.split('_').nth(1).unwrap();
        assert!(!text.contains(secret), "invitation secret stored in clear");
        assert!(
            store
                .verify("li.wei", "correct horse battery")
                .unwrap()
                .is_some()
        );
        assert!(
            store
                .verify("li.wei", "correct horse batterx")
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .verify("nobody", "correct horse battery")
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn an_invitation_expires_after_seven_days() {
        let store = UserStore::memory();
        let new = store
            .invite(org("changzhi"), Role::Distributor, None, now())
            .unwrap();
        let later = Timestamp::from_millis(now().millis() + INVITATION_DAYS * DAY_MS);
        assert!(store.invitation(&new.token, later).unwrap().is_none());
        let refused = store.accept(&new.token, "zhang", "long enough pass", later);
        assert!(matches!(
            refused,
            Err(UserError::Refused {
                rule: "user.invitation_invalid",
                ..
            })
        ));
        let just_before = Timestamp::from_millis(later.millis() - 1);
        assert!(
            store
                .accept(&new.token, "zhang", "long enough pass", just_before)
                .is_ok()
        );
    }

    #[test]
    fn a_bad_login_or_password_is_refused_naming_its_field_and_records_nothing() {
        let store = UserStore::memory();
        let new = store
            .invite(org("changzhi"), Role::Distributor, None, now())
            .unwrap();
        for (login, password, rule, field) in [
            ("Zhang", "long enough pass", "user.login_invalid", "login"),
            ("zh", "long enough pass", "user.login_invalid", "login"),
            ("zhang", "short", "user.password_too_short", "password"),
            (
                "zhang",
                &"x".repeat(129),
                "user.password_too_long",
                "password",
            ),
        ] {
            match store.accept(&new.token, login, password, now()) {
                Err(UserError::Refused {
                    rule: r, field: f, ..
                }) => assert_eq!((r, f), (rule, field)),
                other => panic!("{login}/{password}: {other:?}"),
            }
        }
        // Nothing of them was recorded: the invitation still admits.
        assert!(store.invitation(&new.token, now()).unwrap().is_some());
        let taken = store
            .invite(org("changzhi"), Role::Distributor, None, now())
            .unwrap();
        store
            .accept(&new.token, "zhang", "long enough pass", now())
            .unwrap();
        let again = store.accept(&taken.token, "zhang", "long enough pass", now());
        assert!(matches!(
            again,
            Err(UserError::Refused {
                rule: "user.login_taken",
                ..
            })
        ));
    }
}
