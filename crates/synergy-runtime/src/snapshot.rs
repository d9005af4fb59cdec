//! Snapshots of kept stream states ([`crate::kept`]), persisted beside the log so that a
//! command on a stream this process does not hold in memory (after a restart, or pushed
//! out of the kept states) folds only the events after the snapshot, not the whole history.
//!
//! A snapshot is written once the state is folded [`DEFAULT_INTERVAL`] events (or the
//! configured interval) past the last one, by the command that folds it there, after its
//! own append: so a snapshot never holds what the log does not. It is framed by
//! `synergy_proto::snapshot` (a checksum over the body) and read back only if the frame
//! is whole, of this build's schema, of the stream asked for, of this build's
//! [`STATE_LAYOUT`], and decodes; otherwise it is counted ([`Snapshots::ignored`]) and
//! the stream is folded from the log. A snapshot is never trusted beyond the log either:
//! it is used only if the log holds its last commit at its position, and the events
//! after it are read as they are after a kept state's. Only a stream's own commands save
//! it (over NATS a service may write its own context's snapshots alone), and a state
//! pushed out of the kept states is not saved on the way out (that happens under their
//! lock; it is at most an interval past its snapshot anyway).
//!
//! **Idempotency.** A decision needs, besides the state, every commit id and request id of
//! the stream (a retry answers as the first time; a key reused with another body is
//! refused). A snapshot does not grow with them: it holds the newest [`RECENT_COMMITS`]
//! commits' ids exactly and every older id in a Bloom filter ([`IdBloom`]). A command
//! whose ids the exact ones do not hold, and that the filter says "maybe" for, folds the
//! stream's whole history from the log and decides on that, as without a snapshot: a
//! filter never says "no" for an id it holds, so a snapshot cannot make a decision that
//! the full fold would not. The filter is sized for the ids when the state holds all of
//! them (about 1 % false "maybe"s, up to [`MAX_FILTER_BITS`]); past that, more commands
//! fall back to the full fold, which is slower, never wrong. The log's own duplicate
//! window (two minutes) is not relied on for this.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Serialize, de::DeserializeOwned};
use synergy_eventlog::{Position, SnapshotStore};
use synergy_proto::snapshot::{
    IdFilter, Snapshot, SnapshotCommit, decode_snapshot, decode_state, encode_snapshot,
    encode_state,
};
use synergy_proto::{StreamId, Uuid};

use crate::kept::Kept;

/// The shape of the context states a snapshot holds. Bump it when any context's `State`
/// (or evaluation's kept history) changes shape: snapshots of the old layout are then
/// ignored and folded anew, since postcard would read them as something else.
pub const STATE_LAYOUT: u32 = 1;

/// Events folded past the last snapshot before the next is written, unless configured.
pub const DEFAULT_INTERVAL: u64 = 1_000;

/// Newest commits whose ids a snapshot holds exactly.
pub const RECENT_COMMITS: usize = 256;

/// Most bits a snapshot's filter of older ids takes (256 KiB): ~200,000 ids at 1 %.
pub const MAX_FILTER_BITS: usize = 1 << 21;
const MIN_FILTER_BITS: usize = 1 << 10;
const BITS_PER_ID: usize = 10;
const HASHES: u8 = 7;

/// A Bloom filter of commit and request ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdBloom {
    hashes: u8,
    bits: Vec<u8>,
}

impl IdBloom {
    /// An empty filter sized for `ids` ids.
    pub fn sized(ids: usize) -> Self {
        let bits = (ids.saturating_mul(BITS_PER_ID))
            .next_power_of_two()
            .clamp(MIN_FILTER_BITS, MAX_FILTER_BITS);
        Self {
            hashes: HASHES,
            bits: vec![0; bits / 8],
        }
    }

    /// The filter a snapshot holds, if it is one this module could have written.
    fn from_filter(filter: IdFilter) -> Option<Self> {
        let bits = filter.bits.len() * 8;
        let sound = (1..=16).contains(&filter.hashes)
            && bits.is_power_of_two()
            && (MIN_FILTER_BITS..=MAX_FILTER_BITS).contains(&bits);
        sound.then_some(Self {
            hashes: filter.hashes,
            bits: filter.bits,
        })
    }

    /// The bit positions of `id`: double hashing over a 64-bit mix of its two halves, a
    /// function of the id alone, so the same in every process and build.
    fn positions(&self, id: Uuid) -> impl Iterator<Item = usize> + use<> {
        let (hi, lo) = id.as_u64_pair();
        let h1 = mix(lo ^ mix(hi));
        let h2 = mix(h1 ^ 0x9e37_79b9_7f4a_7c15) | 1;
        let mask = (self.bits.len() * 8 - 1) as u64;
        (0..u64::from(self.hashes))
            .map(move |i| (h1.wrapping_add(i.wrapping_mul(h2)) & mask) as usize)
    }

    pub fn insert(&mut self, id: Uuid) {
        for at in self.positions(id).collect::<Vec<_>>() {
            self.bits[at / 8] |= 1 << (at % 8);
        }
    }

    /// `false` only for an id never inserted.
    pub fn may_contain(&self, id: Uuid) -> bool {
        self.positions(id)
            .all(|at| self.bits[at / 8] & (1 << (at % 8)) != 0)
    }
}

/// splitmix64's finalizer.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The snapshot of `kept`, `stream`'s state, in its framed bytes.
pub fn encode<S: Serialize>(stream: &StreamId, kept: &Kept<S>) -> Result<Vec<u8>, String> {
    encode_keeping(stream, kept, RECENT_COMMITS)
}

/// [`encode`], with the ids of the newest `recent` commits held exactly.
fn encode_keeping<S: Serialize>(
    stream: &StreamId,
    kept: &Kept<S>,
    recent: usize,
) -> Result<Vec<u8>, String> {
    let state = encode_state(&kept.state).map_err(|e| e.to_string())?;
    let mut newest: Vec<(Uuid, u64)> = kept.commits.iter().map(|(&id, &v)| (id, v)).collect();
    newest.sort_unstable_by_key(|&(id, version)| (std::cmp::Reverse(version), id));
    let older_commits = newest.split_off(newest.len().min(recent));
    let recent_versions: HashMap<u64, Uuid> = newest.iter().map(|&(id, v)| (v, id)).collect();
    let mut paired: HashMap<Uuid, Uuid> = HashMap::new();
    let mut older_ids: Vec<Uuid> = older_commits.into_iter().map(|(id, _)| id).collect();
    for (&request, version) in &kept.requests {
        match recent_versions.get(version) {
            Some(&commit) if !paired.contains_key(&commit) => {
                paired.insert(commit, request);
            }
            _ => older_ids.push(request),
        }
    }
    let mut older = match &kept.older {
        Some(older) => (**older).clone(),
        None => IdBloom::sized(older_ids.len()),
    };
    for id in older_ids {
        older.insert(id);
    }
    newest.reverse();
    let snapshot = Snapshot {
        stream: stream.clone(),
        version: kept.version,
        position: kept.position.get(),
        layout: STATE_LAYOUT,
        commits: newest
            .into_iter()
            .map(|(commit_id, first_version)| SnapshotCommit {
                commit_id,
                first_version,
                request: paired.get(&commit_id).copied(),
            })
            .collect(),
        older: IdFilter {
            hashes: older.hashes,
            bits: older.bits,
        },
        state,
    };
    Ok(encode_snapshot(&snapshot))
}

/// The state a snapshot holds, or why it is not to be used.
pub fn decode<S: DeserializeOwned>(stream: &StreamId, bytes: &[u8]) -> Result<Kept<S>, String> {
    let snapshot = decode_snapshot(bytes).map_err(|e| e.to_string())?;
    if &snapshot.stream != stream {
        return Err(format!("it is {}'s", snapshot.stream));
    }
    if snapshot.layout != STATE_LAYOUT {
        return Err(format!(
            "its state has layout {}, this build's is {STATE_LAYOUT}",
            snapshot.layout
        ));
    }
    let older = IdBloom::from_filter(snapshot.older)
        .ok_or_else(|| "its filter of older ids is not one this build writes".to_owned())?;
    let state = decode_state(&snapshot.state).map_err(|e| e.to_string())?;
    let mut commits = HashMap::with_capacity(snapshot.commits.len());
    let mut requests = HashMap::new();
    for commit in snapshot.commits {
        if commit.first_version == 0 || commit.first_version > snapshot.version {
            return Err(format!(
                "commit {} is at version {}, past the snapshot's {}",
                commit.commit_id, commit.first_version, snapshot.version
            ));
        }
        commits.insert(commit.commit_id, commit.first_version);
        if let Some(request) = commit.request {
            requests.insert(request, commit.first_version);
        }
    }
    Ok(Kept {
        version: snapshot.version,
        position: Position(snapshot.position),
        state,
        commits,
        requests,
        older: Some(Arc::new(older)),
        saved: snapshot.version,
        shared: 0,
    })
}

/// What one process did with snapshots since it started, for `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SnapshotCounts {
    pub restored: u64,
    pub saved: u64,
    pub ignored: u64,
}

/// The snapshots an executor restores states from and saves them to.
#[derive(Debug)]
pub struct Snapshots {
    store: Arc<dyn SnapshotStore>,
    interval: u64,
    recent: usize,
    ignored: AtomicU64,
    saved: AtomicU64,
    restored: AtomicU64,
}

impl Snapshots {
    /// Snapshots in `store`, one every `interval` events folded (0: never written, only
    /// read).
    pub fn new(store: Arc<dyn SnapshotStore>, interval: u64) -> Self {
        Self {
            store,
            interval,
            recent: RECENT_COMMITS,
            ignored: AtomicU64::new(0),
            saved: AtomicU64::new(0),
            restored: AtomicU64::new(0),
        }
    }

    /// The same store with snapshots every `interval` events instead.
    pub fn every(&self, interval: u64) -> Self {
        Self::new(Arc::clone(&self.store), interval).keeping_recent(self.recent)
    }

    /// Holds the ids of the newest `commits` commits exactly instead of
    /// [`RECENT_COMMITS`] (tests: a few, so that histories of a few dozen commits put ids
    /// in the filter).
    pub fn keeping_recent(mut self, commits: usize) -> Self {
        self.recent = commits;
        self
    }

    /// Events folded past the last snapshot before the next is written.
    pub fn interval(&self) -> u64 {
        self.interval
    }

    /// Stored snapshots not used because they were torn, of another schema, stream or
    /// layout, or did not decode.
    pub fn ignored(&self) -> u64 {
        self.ignored.load(Ordering::Relaxed)
    }

    /// Snapshots written by this process.
    pub fn saved(&self) -> u64 {
        self.saved.load(Ordering::Relaxed)
    }

    /// Counts a snapshot that decoded but whose last commit the log does not hold where
    /// it says: it is ignored like one that does not decode.
    pub fn not_in_the_log(&self, stream: &StreamId) {
        self.ignored.fetch_add(1, Ordering::Relaxed);
        self.restored.fetch_sub(1, Ordering::Relaxed);
        tracing::warn!(%stream, "snapshot ignored: the log does not hold its last commit where it says; folding from the log");
    }

    /// The three counts at once.
    pub fn counts(&self) -> SnapshotCounts {
        SnapshotCounts {
            restored: self.restored(),
            saved: self.saved(),
            ignored: self.ignored(),
        }
    }

    /// States restored from a snapshot by this process.
    pub fn restored(&self) -> u64 {
        self.restored.load(Ordering::Relaxed)
    }

    /// `stream`'s state as its snapshot holds it, or a fresh one (nothing folded) when
    /// there is none it can trust.
    pub async fn restore<S: DeserializeOwned + Default>(&self, stream: &StreamId) -> Kept<S> {
        let bytes = match self.store.load(stream).await {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Kept::default(),
            Err(e) => {
                tracing::warn!(%stream, error = %e, "snapshot not read; folding from the log");
                return Kept::default();
            }
        };
        match decode(stream, &bytes) {
            Ok(kept) => {
                self.restored.fetch_add(1, Ordering::Relaxed);
                kept
            }
            Err(why) => {
                self.ignored.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(%stream, %why, "snapshot ignored; folding from the log");
                Kept::default()
            }
        }
    }

    /// Saves `kept` if it is folded the interval past its last snapshot. A failure is
    /// logged and otherwise ignored: the snapshot is only ever a shortcut.
    pub async fn save_if_due<S: Serialize>(&self, stream: &StreamId, kept: &mut Kept<S>) {
        if self.interval == 0 || kept.version < kept.saved.saturating_add(self.interval) {
            return;
        }
        let saved = match encode_keeping(stream, kept, self.recent) {
            Ok(bytes) => self
                .store
                .save(stream, bytes)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        match saved {
            Ok(()) => {
                self.saved.fetch_add(1, Ordering::Relaxed);
                kept.saved = kept.version;
            }
            Err(e) => tracing::warn!(%stream, error = %e, "snapshot not saved"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_holds_every_id_inserted_and_few_others() {
        let mut bloom = IdBloom::sized(10_000);
        let ids: Vec<Uuid> = (0..10_000u128)
            .map(|i| Uuid::from_u128(i * 7_919))
            .collect();
        for &id in &ids {
            bloom.insert(id);
        }
        assert!(ids.iter().all(|&id| bloom.may_contain(id)));
        let strangers = (0..10_000u128)
            .filter(|i| bloom.may_contain(Uuid::from_u128(u128::MAX - i)))
            .count();
        assert!(strangers < 300, "{strangers} false maybes in 10,000");
    }
}
