//! API tokens: bound to an organisation and a role, stored only as a keyed hash.
//!
//! A token is `syn_<id>_<secret>`: `id` (16 hex digits) names the record, so a token can be
//! listed and revoked without knowing it; `secret` is 32 random bytes (64 hex digits).
//! Every token expires ([`DEFAULT_LIFETIME`] unless the creator says otherwise); an expired
//! token authenticates nothing and is listed as expired. (Tokens created before expiry
//! existed carry none and are listed so, to be revoked or replaced.)
//! Tokens carry 256 bits of entropy, so a slow password hash buys nothing; the store keeps
//! HMAC-SHA256(store key, secret), where the store key is 32 random bytes created with the
//! store. A stolen store without its key does not reveal or confirm any token.
//!
//! Embedded (`synergy up`): the tree [`SledTokenStore::TREE`] in a sled database the caller
//! passes, so the tokens live in the same data directory as everything else. NATS
//! deployment: the gateway process opens its own sled database in its own data directory
//! (e.g. `/var/lib/synergy/gateway`) and keeps its tokens there; `synergy token create` run
//! against that directory (with the gateway stopped, or through the gateway host) adds them.

use std::fmt;

use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use synergy_proto::{OrgId, Role, Timestamp};

mod file;
pub use file::FileTokenStore;
pub(crate) use file::{Lock, write_private};

type HmacSha256 = Hmac<Sha256>;

/// How long a token lives unless its creator says otherwise: 90 days.
pub const DEFAULT_LIFETIME_DAYS: u32 = 90;
/// The longest lifetime a token may be given: ten years.
pub const MAX_LIFETIME_DAYS: u32 = 3_650;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// When a token created at `now` to live `days` days expires.
pub fn expiry(now: Timestamp, days: u32) -> Timestamp {
    Timestamp::from_millis(
        now.millis()
            .saturating_add(i64::from(days.min(MAX_LIFETIME_DAYS)) * DAY_MS),
    )
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// What a token grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub id: String,
    pub org: OrgId,
    pub role: Role,
    pub created_at: Timestamp,
    /// `None` only for tokens created before tokens expired.
    pub expires_at: Option<Timestamp>,
    pub revoked: bool,
}

impl TokenInfo {
    /// Whether the token has expired at `now`.
    pub fn expired(&self, now: Timestamp) -> bool {
        self.expires_at.is_some_and(|at| now >= at)
    }
}

/// A freshly created token: the only time its secret text exists outside the client.
pub struct NewToken {
    pub info: TokenInfo,
    /// `syn_<id>_<secret>`; show it once, it cannot be recovered.
    pub token: String,
}

impl fmt::Debug for NewToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewToken")
            .field("info", &self.info)
            .field("token", &"<redacted>")
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("token store: {0}")]
    Store(String),
    #[error("no token with id {0}")]
    UnknownId(String),
}

/// Where tokens live. Implementations store hashes only.
pub trait TokenStore: Send + Sync + fmt::Debug + 'static {
    /// Creates a token for `org` in `role` that stops working at `expires_at`.
    fn create_until(
        &self,
        org: OrgId,
        role: Role,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<NewToken, TokenError>;
    /// Creates a token for `org` in `role` living [`DEFAULT_LIFETIME_DAYS`].
    fn create(&self, org: OrgId, role: Role, now: Timestamp) -> Result<NewToken, TokenError> {
        self.create_until(org, role, now, expiry(now, DEFAULT_LIFETIME_DAYS))
    }
    /// The grant of `token`, if it is known, not revoked and not expired.
    fn authenticate(&self, token: &str) -> Result<Option<TokenInfo>, TokenError>;
    /// Revokes the token with `id`; it stops working at once.
    fn revoke(&self, id: &str) -> Result<TokenInfo, TokenError>;
    /// Every token, revoked ones included, without secrets.
    fn list(&self) -> Result<Vec<TokenInfo>, TokenError>;
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Record {
    org: String,
    role: String,
    hash: String,
    created_ms: i64,
    #[serde(default)]
    expires_ms: Option<i64>,
    revoked: bool,
}

impl Record {
    fn info(id: &str, r: &Record) -> Result<TokenInfo, TokenError> {
        Ok(TokenInfo {
            id: id.to_owned(),
            org: OrgId::new(r.org.clone()).map_err(store_err)?,
            role: r.role.parse().map_err(store_err)?,
            created_at: Timestamp::from_millis(r.created_ms),
            expires_at: r.expires_ms.map(Timestamp::from_millis),
            revoked: r.revoked,
        })
    }

    /// Whether the record still grants anything now.
    fn live(&self) -> bool {
        !self.revoked && self.expires_ms.is_none_or(|at| now_ms() < at)
    }
}

/// Tokens in a tree of a sled database. A change is flushed by sled alone, which survives
/// a crash but not a power loss (`synergy_eventlog::sled_sync`); the `synergy` binary keeps
/// its tokens in a [`FileTokenStore`], which fsyncs.
#[derive(Debug, Clone)]
pub struct SledTokenStore {
    tree: sled::Tree,
    key: [u8; 32],
}

const KEY_ENTRY: &[u8] = b"\0hmac-key";
const RECORD_PREFIX: &[u8] = b"token/";

fn store_err(e: impl fmt::Display) -> TokenError {
    TokenError::Store(e.to_string())
}

impl SledTokenStore {
    pub const TREE: &'static str = "gateway-tokens";

    /// Opens (creating on first use) the token tree in `db`; the HMAC key is created once
    /// and kept in the same tree.
    pub fn open(db: &sled::Db) -> Result<Self, TokenError> {
        let tree = db.open_tree(Self::TREE).map_err(store_err)?;
        let mut fresh = [0u8; 32];
        rand::rng().fill_bytes(&mut fresh);
        // Compare-and-swap so two processes opening a new store agree on one key.
        let _ = tree
            .compare_and_swap(KEY_ENTRY, None as Option<&[u8]>, Some(&fresh[..]))
            .map_err(store_err)?;
        let stored = tree
            .get(KEY_ENTRY)
            .map_err(store_err)?
            .ok_or_else(|| TokenError::Store("the token store has no key".into()))?;
        let key: [u8; 32] = stored
            .as_ref()
            .try_into()
            .map_err(|_| TokenError::Store("the token store key is damaged".into()))?;
        tree.flush().map_err(store_err)?;
        Ok(Self { tree, key })
    }

    fn hash(&self, secret: &str) -> String {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(secret.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    fn record_key(id: &str) -> Vec<u8> {
        [RECORD_PREFIX, id.as_bytes()].concat()
    }

    fn load(&self, id: &str) -> Result<Option<Record>, TokenError> {
        match self.tree.get(Self::record_key(id)).map_err(store_err)? {
            None => Ok(None),
            Some(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(store_err),
        }
    }

    fn save(&self, id: &str, r: &Record) -> Result<(), TokenError> {
        let bytes = serde_json::to_vec(r).map_err(store_err)?;
        self.tree
            .insert(Self::record_key(id), bytes)
            .map_err(store_err)?;
        self.tree.flush().map_err(store_err)?;
        Ok(())
    }
}

/// A new token for `org` in `role` and the record to store for it, whose hash `hash` makes
/// of the secret.
fn mint(
    org: OrgId,
    role: Role,
    now: Timestamp,
    expires_at: Timestamp,
    hash: impl FnOnce(&str) -> Result<String, TokenError>,
) -> Result<(NewToken, Record), TokenError> {
    let mut rng = rand::rng();
    let mut id = [0u8; 8];
    let mut secret = [0u8; 32];
    rng.fill_bytes(&mut id);
    rng.fill_bytes(&mut secret);
    let (id, secret) = (hex::encode(id), hex::encode(secret));
    let record = Record {
        org: org.to_string(),
        role: role.as_str().to_owned(),
        hash: hash(&secret)?,
        created_ms: now.millis(),
        expires_ms: Some(expires_at.millis()),
        revoked: false,
    };
    let new = NewToken {
        info: Record::info(&id, &record)?,
        token: format!("syn_{id}_{secret}"),
    };
    Ok((new, record))
}

/// Splits `syn_<id>_<secret>`; anything else is not a token of ours.
fn split(token: &str) -> Option<(&str, &str)> {
    let rest = token.strip_prefix("syn_")?;
    let (id, secret) = rest.split_once('_')?;
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex(id, 16) && hex(secret, 64)).then_some((id, secret))
}

impl TokenStore for SledTokenStore {
    fn create_until(
        &self,
        org: OrgId,
        role: Role,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<NewToken, TokenError> {
        let (new, record) = mint(org, role, now, expires_at, |secret| Ok(self.hash(secret)))?;
        self.save(&new.info.id, &record)?;
        Ok(new)
    }

    fn authenticate(&self, token: &str) -> Result<Option<TokenInfo>, TokenError> {
        let Some((id, secret)) = split(token) else {
            return Ok(None);
        };
        let Some(record) = self.load(id)? else {
            return Ok(None);
        };
        let Ok(expected) = hex::decode(&record.hash) else {
            return Err(TokenError::Store(format!("token {id} has a damaged hash")));
        };
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(secret.as_bytes());
        // verify_slice compares in constant time.
        if mac.verify_slice(&expected).is_err() || !record.live() {
            return Ok(None);
        }
        Record::info(id, &record).map(Some)
    }

    fn revoke(&self, id: &str) -> Result<TokenInfo, TokenError> {
        let mut record = self
            .load(id)?
            .ok_or_else(|| TokenError::UnknownId(id.to_owned()))?;
        record.revoked = true;
        self.save(id, &record)?;
        Record::info(id, &record)
    }

    fn list(&self) -> Result<Vec<TokenInfo>, TokenError> {
        let mut out = Vec::new();
        for entry in self.tree.scan_prefix(RECORD_PREFIX) {
            let (k, v) = entry.map_err(store_err)?;
            let id = String::from_utf8_lossy(&k[RECORD_PREFIX.len()..]).into_owned();
            let record: Record = serde_json::from_slice(&v).map_err(store_err)?;
            out.push(Record::info(&id, &record)?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, sled::Db, SledTokenStore) {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path()).unwrap();
        let s = SledTokenStore::open(&db).unwrap();
        (dir, db, s)
    }

    #[test]
    fn created_tokens_authenticate_until_revoked() {
        let (_dir, _db, s) = store();
        let org = OrgId::new("hongyun").unwrap();
        let t = s
            .create(
                org.clone(),
                Role::Manufacturer,
                Timestamp::from_millis(now_ms()),
            )
            .unwrap();
        let got = s.authenticate(&t.token).unwrap().unwrap();
        assert_eq!((got.org, got.role), (org, Role::Manufacturer));
        // One changed hex digit of the secret is another token.
        let mut forged = t.token.clone();
        let last = forged.pop().unwrap();
        forged.push(if last == '0' { '1' } else { '0' });
        assert!(s.authenticate(&forged).unwrap().is_none());
        s.revoke(&t.info.id).unwrap();
        assert!(s.authenticate(&t.token).unwrap().is_none());
        assert!(s.list().unwrap()[0].revoked);
    }

    #[test]
    fn the_store_holds_no_secret_and_keeps_its_key_across_opens() {
        let dir = tempfile::tempdir().unwrap();
        let token = {
            let db = sled::open(dir.path()).unwrap();
            let s = SledTokenStore::open(&db).unwrap();
            let t = s
                .create(
                    OrgId::new("changzhi").unwrap(),
                    Role::Distributor,
                    Timestamp::from_millis(now_ms()),
                )
                .unwrap();
            let secret = t.token.rsplit('_').next().unwrap().to_owned();
            for entry in db.open_tree(SledTokenStore::TREE).unwrap().iter() {
                let (_, v) = entry.unwrap();
                let text = String::from_utf8_lossy(&v);
                assert!(!text.contains(&secret), "secret stored in clear");
            }
            db.flush().unwrap();
            t.token
        };
        // sled lets the file lock go a moment after the last handle is dropped.
        let db =
            synergy_eventlog::sled_log::open_sled(&sled::Config::new().path(dir.path())).unwrap();
        let s = SledTokenStore::open(&db).unwrap();
        assert!(s.authenticate(&token).unwrap().is_some());
        assert!(s.authenticate("syn_zz_zz").unwrap().is_none());
        assert!(s.authenticate("").unwrap().is_none());
    }
}
