//! Tokens in a file of a data directory, shared by a running gateway and the
//! `synergy token` command.
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
    HmacSha256, NewToken, Record, TokenError, TokenInfo, TokenStore, split, store_err as err,
};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct File {
    /// Hex of the 32-byte HMAC key.
    key: String,
    tokens: BTreeMap<String, Record>,
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
struct Lock(PathBuf);

impl Lock {
    fn take(path: &Path) -> Result<Lock, TokenError> {
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

    /// The store in `dir` (created on first write).
    pub fn open(dir: &Path) -> Result<Self, TokenError> {
        std::fs::create_dir_all(dir).map_err(err)?;
        Ok(Self {
            path: dir.join(Self::FILE),
            cache: Mutex::new(None),
        })
    }

    fn read(&self) -> Result<File, TokenError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| err(format!("{} is damaged: {e}", self.path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(File::default()),
            Err(e) => Err(err(format!("cannot read {}: {e}", self.path.display()))),
        }
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
        let tmp = self.path.with_extension("json.tmp");
        let bytes = serde_json::to_vec_pretty(&file).map_err(err)?;
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp).map_err(err)?;
            f.write_all(&bytes).map_err(err)?;
            f.sync_all().map_err(err)?;
        }
        std::fs::rename(&tmp, &self.path).map_err(err)?;
        // The rename is durable only once the directory naming the file is.
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(err)?;
        }
        Ok(out)
    }
}

impl TokenStore for FileTokenStore {
    fn create(&self, org: OrgId, role: Role, now: Timestamp) -> Result<NewToken, TokenError> {
        self.update(|file| {
            let mut rng = rand::rng();
            let mut id = [0u8; 8];
            let mut secret = [0u8; 32];
            rng.fill_bytes(&mut id);
            rng.fill_bytes(&mut secret);
            let (id, secret) = (hex::encode(id), hex::encode(secret));
            let mut m = mac(&file.key)?;
            m.update(secret.as_bytes());
            let record = Record {
                org: org.to_string(),
                role: role.as_str().to_owned(),
                hash: hex::encode(m.finalize().into_bytes()),
                created_ms: now.millis(),
                revoked: false,
            };
            let info = Record::info(&id, &record)?;
            file.tokens.insert(id.clone(), record);
            Ok(NewToken {
                info,
                token: format!("syn_{id}_{secret}"),
            })
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
        if m.verify_slice(&expected).is_err() || record.revoked {
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
        let now = Timestamp::from_millis(0);
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
}
