//! Tokens in a file of a data directory, shared by a running gateway and the
//! `synergy token` command.
//!
//! Both files are the owner's alone (mode 0600, also when an older file is rewritten):
//! `tokens.json` holds the records (hashes, never secrets), and the HMAC key lives apart
//! in `tokens.key`, so a copy of the records alone (a backup, a log bundle) neither
//! reveals nor confirms any token. A `tokens.json` of an earlier version that still holds
//! the key is read as it is and split on its next change.
//!
//! sled keeps a database to one process, so a token store inside the gateway's sled
//! database could not be changed while `synergy up` runs. This store is a small JSON file
//! (`tokens.json`) holding only keyed hashes (HMAC-SHA256 under a random per-store key):
//! every change is a read-modify-write under an exclusive lock file and lands by atomic
//! rename; the gateway re-reads the file when it changes, so a token created or revoked
//! from the command line takes effect at once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use hmac::Mac;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use synergy_proto::{OrgId, Role, Timestamp};

use super::{
    HmacSha256, NewToken, Record, TokenError, TokenInfo, TokenStore, mint, split, store_err as err,
};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct File {
    /// Hex of the 32-byte HMAC key: only in files of earlier versions, which kept it
    /// here; it now lives in `tokens.key`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    key: String,
    tokens: BTreeMap<String, Record>,
}

/// Writes `bytes` to `path` through a temporary file (mode 0600), fsynced, then renamed.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<(), TokenError> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(|e| err(format!("cannot write {}: {e}", tmp.display())))?;
        // A temporary file left by an older version keeps its mode: set it.
        f.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(err)?;
        f.write_all(bytes).map_err(err)?;
        f.sync_all().map_err(err)?;
    }
    std::fs::rename(&tmp, path).map_err(err)?;
    if let Some(dir) = path.parent() {
        // The rename is durable once the directory is.
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(err)?;
    }
    Ok(())
}

/// Tokens in `<dir>/tokens.json`.
#[derive(Debug)]
pub struct FileTokenStore {
    path: PathBuf,
    cache: Mutex<Option<(SystemTime, u64, File)>>,
}

fn mac(key_hex: &str) -> Result<HmacSha256, TokenError> {
    let key = hex::decode(key_hex).map_err(|_| err("the token file's key is damaged"))?;
    HmacSha256::new_from_slice(&key).map_err(err)
}

/// Holds `<path>.lock` while alive: writers take turns.
pub(crate) struct Lock(PathBuf);

impl Lock {
    pub(crate) fn take(path: &Path) -> Result<Lock, TokenError> {
        let lock = path.with_extension("json.lock");
        let started = Instant::now();
        loop {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&lock)
            {
                Ok(_) => return Ok(Lock(lock)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    // A writer that died holding the lock leaves it behind; writes take
                    // milliseconds, so a lock this old is stale.
                    let stale = std::fs::metadata(&lock)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|age| age > Duration::from_secs(10));
                    if stale {
                        let _ = std::fs::remove_file(&lock);
                    } else if started.elapsed() > Duration::from_secs(15) {
                        return Err(err(format!(
                            "{} is held by another process",
                            lock.display()
                        )));
                    } else {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }
                Err(e) => return Err(err(format!("cannot lock {}: {e}", lock.display()))),
            }
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl FileTokenStore {
    pub const FILE: &'static str = "tokens.json";
    /// The HMAC key, apart from the records.
    pub const KEY_FILE: &'static str = "tokens.key";

    /// The store in `dir` (created on first write).
    pub fn open(dir: &Path) -> Result<Self, TokenError> {
        use std::os::unix::fs::PermissionsExt;
        std::fs::create_dir_all(dir).map_err(err)?;
        // Files an earlier version left readable to others become the owner's alone.
        for name in [Self::FILE, Self::KEY_FILE] {
            let path = dir.join(name);
            if path.exists() {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                    .map_err(|e| err(format!("cannot restrict {}: {e}", path.display())))?;
            }
        }
        Ok(Self {
            path: dir.join(Self::FILE),
            cache: Mutex::new(None),
        })
    }

    fn key_path(&self) -> PathBuf {
        self.path.with_file_name(Self::KEY_FILE)
    }

    /// The records, with the key from `tokens.key` (or, in an older file, its own).
    fn read(&self) -> Result<File, TokenError> {
        let mut file: File = match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| err(format!("{} is damaged: {e}", self.path.display())))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => File::default(),
            Err(e) => return Err(err(format!("cannot read {}: {e}", self.path.display()))),
        };
        match std::fs::read_to_string(self.key_path()) {
            Ok(key) => file.key = key.trim().to_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(err(format!(
                    "cannot read {}: {e}",
                    self.key_path().display()
                )));
            }
        }
        Ok(file)
    }

    /// The file as it is now, re-read only when it changed.
    fn current(&self) -> Result<File, TokenError> {
        let stamp = std::fs::metadata(&self.path)
            .ok()
            .and_then(|m| Some((m.modified().ok()?, m.len())));
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let (Some((t, len)), Some((ct, clen, file))) = (stamp, cache.as_ref())
            && t == *ct
            && len == *clen
        {
            return Ok(file.clone());
        }
        let file = self.read()?;
        if let Some((t, len)) = stamp {
            *cache = Some((t, len, file.clone()));
        }
        Ok(file)
    }

    fn update<T>(
        &self,
        change: impl FnOnce(&mut File) -> Result<T, TokenError>,
    ) -> Result<T, TokenError> {
        let _lock = Lock::take(&self.path)?;
        let mut file = self.read()?;
        if file.key.is_empty() {
            let mut key = [0u8; 32];
            rand::rng().fill_bytes(&mut key);
            file.key = hex::encode(key);
        }
        let out = change(&mut file)?;
        // The key first, so records never exist that no stored key can check.
        if !self.key_path().exists() {
            write_private(&self.key_path(), file.key.as_bytes())?;
        }
        let records = File {
            key: String::new(),
            tokens: std::mem::take(&mut file.tokens),
        };
        let bytes = serde_json::to_vec_pretty(&records).map_err(err)?;
        write_private(&self.path, &bytes)?;
        Ok(out)
    }
}

impl TokenStore for FileTokenStore {
    fn create_until(
        &self,
        org: OrgId,
        role: Role,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<NewToken, TokenError> {
        self.update(|file| {
            let (new, record) = mint(org, role, now, expires_at, |secret| {
                let mut m = mac(&file.key)?;
                m.update(secret.as_bytes());
                Ok(hex::encode(m.finalize().into_bytes()))
            })?;
            file.tokens.insert(new.info.id.clone(), record);
            Ok(new)
        })
    }

    fn authenticate(&self, token: &str) -> Result<Option<TokenInfo>, TokenError> {
        let Some((id, secret)) = split(token) else {
            return Ok(None);
        };
        let file = self.current()?;
        let Some(record) = file.tokens.get(id) else {
            return Ok(None);
        };
        let expected =
            hex::decode(&record.hash).map_err(|_| err(format!("token {id} has a damaged hash")))?;
        let mut m = mac(&file.key)?;
        m.update(secret.as_bytes());
        // verify_slice compares in constant time.
        if m.verify_slice(&expected).is_err() || !record.live() {
            return Ok(None);
        }
        Record::info(id, record).map(Some)
    }

    fn revoke(&self, id: &str) -> Result<TokenInfo, TokenError> {
        self.update(|file| {
            let record = file
                .tokens
                .get_mut(id)
                .ok_or_else(|| TokenError::UnknownId(id.to_owned()))?;
            record.revoked = true;
            Record::info(id, record)
        })
    }

    fn list(&self) -> Result<Vec<TokenInfo>, TokenError> {
        let file = self.current()?;
        file.tokens
            .iter()
            .map(|(id, r)| Record::info(id, r))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_work_across_store_instances_and_are_stored_hashed() {
        let dir = tempfile::tempdir().unwrap();
        let gateway = FileTokenStore::open(dir.path()).unwrap();
        let cli = FileTokenStore::open(dir.path()).unwrap();
        let now = Timestamp::from_millis(now_ms_for_test());
        assert!(
            gateway
                .authenticate("syn_0000000000000000_00")
                .unwrap()
                .is_none()
        );
        let new = cli
            .create(OrgId::new("hongyun").unwrap(), Role::Manufacturer, now)
            .unwrap();
        let seen = gateway
            .authenticate(&new.token)
            .unwrap()
            .expect("the gateway sees it");
        assert_eq!(seen.role, Role::Manufacturer);
        let text = std::fs::read_to_string(dir.path().join(FileTokenStore::FILE)).unwrap();
        let secret = new.token.rsplit('_').next().unwrap();
        assert!(!text.contains(secret), "only hashes are stored");
        // A wrong secret with the right id fails.
        let forged = format!("syn_{}_{}", new.info.id, "0".repeat(64));
        assert!(gateway.authenticate(&forged).unwrap().is_none());
        cli.revoke(&new.info.id).unwrap();
        assert!(
            gateway.authenticate(&new.token).unwrap().is_none(),
            "revocation is immediate"
        );
        assert!(matches!(cli.revoke("nope"), Err(TokenError::UnknownId(_))));
        assert_eq!(gateway.list().unwrap().len(), 1);
    }

    /// A store in a directory of its own, holding one manufacturer's token.
    fn store_with_a_token() -> (tempfile::TempDir, FileTokenStore, NewToken) {
        let dir = tempfile::tempdir().unwrap();
        let store = FileTokenStore::open(dir.path()).unwrap();
        let new = store
            .create(
                OrgId::new("hongyun").unwrap(),
                Role::Manufacturer,
                Timestamp::from_millis(now_ms_for_test()),
            )
            .unwrap();
        (dir, store, new)
    }

    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn both_files_are_the_owners_alone_and_the_key_is_kept_apart() {
        let (dir, store, new) = store_with_a_token();
        let records = dir.path().join(FileTokenStore::FILE);
        let key = dir.path().join(FileTokenStore::KEY_FILE);
        assert_eq!(mode(&records), 0o600);
        assert_eq!(mode(&key), 0o600);
        let text = std::fs::read_to_string(&records).unwrap();
        let key_hex = std::fs::read_to_string(&key).unwrap();
        assert_eq!(key_hex.len(), 64);
        assert!(!text.contains(&key_hex), "the records hold the key");
        assert!(store.authenticate(&new.token).unwrap().is_some());
    }

    #[test]
    fn an_older_file_with_its_key_inside_keeps_working_and_is_split_and_restricted() {
        use std::os::unix::fs::PermissionsExt;
        let (dir, _store, new) = store_with_a_token();
        // Rewrite the two files as an earlier version kept them: one, world-readable.
        let records = dir.path().join(FileTokenStore::FILE);
        let key_path = dir.path().join(FileTokenStore::KEY_FILE);
        let key = std::fs::read_to_string(&key_path).unwrap();
        let mut old: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&records).unwrap()).unwrap();
        old["key"] = serde_json::Value::String(key.clone());
        std::fs::write(&records, serde_json::to_vec(&old).unwrap()).unwrap();
        std::fs::remove_file(&key_path).unwrap();
        std::fs::set_permissions(&records, std::fs::Permissions::from_mode(0o644)).unwrap();

        let reopened = FileTokenStore::open(dir.path()).unwrap();
        assert_eq!(mode(&records), 0o600, "restricted at open");
        assert!(reopened.authenticate(&new.token).unwrap().is_some());
        reopened
            .create(
                OrgId::new("changzhi").unwrap(),
                Role::Distributor,
                Timestamp::from_millis(now_ms_for_test()),
            )
            .unwrap();
        assert_eq!(std::fs::read_to_string(&key_path).unwrap(), key);
        assert!(!std::fs::read_to_string(&records).unwrap().contains(&key));
        assert!(reopened.authenticate(&new.token).unwrap().is_some());
    }

    #[test]
    fn an_expired_token_authenticates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileTokenStore::open(dir.path()).unwrap();
        let epoch = Timestamp::from_millis(0); // long past
        let expired = store
            .create_until(
                OrgId::new("hongyun").unwrap(),
                Role::Manufacturer,
                epoch,
                Timestamp::from_millis(1),
            )
            .unwrap();
        assert!(store.authenticate(&expired.token).unwrap().is_none());
        let listed = store.list().unwrap();
        assert!(listed[0].expired(Timestamp::from_millis(2)));
        // The default lifetime reaches into the future.
        let now = Timestamp::from_millis(now_ms_for_test());
        let live = store
            .create(OrgId::new("hongyun").unwrap(), Role::Manufacturer, now)
            .unwrap();
        assert!(store.authenticate(&live.token).unwrap().is_some());
        assert_eq!(
            live.info.expires_at,
            Some(crate::tokens::expiry(
                now,
                crate::tokens::DEFAULT_LIFETIME_DAYS
            ))
        );
    }

    fn now_ms_for_test() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64
    }
}
