//! Where streams' snapshots are kept beside the log: the latest one of each stream, as the
//! bytes `synergy_proto::snapshot` frames.
//!
//! A snapshot is derivable from the log, so a store promises less than the log does: a
//! save may be lost (it is not synced before anything is acknowledged) and a load may
//! return a torn or stale record. The frame's checksum and the stream and version inside
//! it are how a reader tells; whatever it cannot trust, it folds from the log instead.

use std::path::Path;

use async_trait::async_trait;
use synergy_proto::StreamId;

/// A snapshot store failed; the caller folds from the log (a load) or goes on without
/// one (a save).
#[derive(Debug, thiserror::Error)]
#[error("snapshot store unavailable: {reason}")]
pub struct SnapshotError {
    pub reason: String,
}

impl SnapshotError {
    pub fn new(reason: impl ToString) -> Self {
        Self {
            reason: reason.to_string(),
        }
    }
}

/// The latest snapshot of each stream, as bytes.
#[async_trait]
pub trait SnapshotStore: Send + Sync + std::fmt::Debug + 'static {
    /// The snapshot last saved for `stream`, if any.
    async fn load(&self, stream: &StreamId) -> Result<Option<Vec<u8>>, SnapshotError>;
    /// Replaces `stream`'s snapshot.
    async fn save(&self, stream: &StreamId, bytes: Vec<u8>) -> Result<(), SnapshotError>;
}

/// The sled store: its own database (a directory beside the log's), one key per stream.
/// sled writes a value whole or not at all, and flushes on its own timer: a crash loses
/// at most the latest saves, which is allowed.
#[derive(Clone)]
pub struct SledSnapshots {
    tree: sled::Tree,
}

impl std::fmt::Debug for SledSnapshots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SledSnapshots")
            .field("streams", &self.tree.len())
            .finish()
    }
}

const TREE: &str = "synergy.snapshots";

impl SledSnapshots {
    /// Opens (or creates) the store in directory `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, SnapshotError> {
        let db = crate::sled_log::open_sled(&sled::Config::new().path(path.as_ref()))
            .map_err(SnapshotError::new)?;
        Self::on(&db)
    }

    /// The store in a tree of an opened database (tests, benchmarks: a temporary one).
    pub fn on(db: &sled::Db) -> Result<Self, SnapshotError> {
        Ok(Self {
            tree: db.open_tree(TREE).map_err(SnapshotError::new)?,
        })
    }

    fn key(stream: &StreamId) -> Vec<u8> {
        synergy_proto::subject::commit(stream).into_bytes()
    }
}

#[async_trait]
impl SnapshotStore for SledSnapshots {
    async fn load(&self, stream: &StreamId) -> Result<Option<Vec<u8>>, SnapshotError> {
        let found = self
            .tree
            .get(Self::key(stream))
            .map_err(SnapshotError::new)?;
        Ok(found.map(|v| v.to_vec()))
    }

    async fn save(&self, stream: &StreamId, bytes: Vec<u8>) -> Result<(), SnapshotError> {
        self.tree
            .insert(Self::key(stream), bytes)
            .map_err(SnapshotError::new)?;
        Ok(())
    }
}
