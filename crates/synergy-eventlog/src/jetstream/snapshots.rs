//! Snapshots on JetStream: a key-value bucket ([`subject::SNAPSHOT_BUCKET`]) beside the
//! event stream, one key per stream ([`subject::snapshot_key`]), holding only its latest
//! value. A put is one message, stored whole or not at all.

use std::time::Duration;

use async_nats::jetstream::{self, kv};
use async_trait::async_trait;
use synergy_proto::{StreamId, subject};

use crate::snapshots::{SnapshotError, SnapshotStore};

/// The snapshot bucket of a JetStream log.
#[derive(Clone)]
pub struct JetStreamSnapshots {
    store: kv::Store,
    timeout: Duration,
}

impl std::fmt::Debug for JetStreamSnapshots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JetStreamSnapshots")
            .field("bucket", &subject::SNAPSHOT_BUCKET)
            .finish()
    }
}

impl JetStreamSnapshots {
    /// Opens the bucket, creating it (file storage, `replicas` replicas, one value per key)
    /// if it does not exist.
    pub(super) async fn open(
        js: &jetstream::Context,
        replicas: usize,
        timeout: Duration,
    ) -> Result<Self, SnapshotError> {
        let open = async {
            match js.get_key_value(subject::SNAPSHOT_BUCKET).await {
                Ok(store) => Ok(store),
                Err(_) => js
                    .create_key_value(kv::Config {
                        bucket: subject::SNAPSHOT_BUCKET.to_owned(),
                        description: "Synergy: the latest snapshot of each stream's folded state"
                            .to_owned(),
                        history: 1,
                        storage: jetstream::stream::StorageType::File,
                        num_replicas: replicas,
                        ..Default::default()
                    })
                    .await
                    .map_err(SnapshotError::new),
            }
        };
        let store = tokio::time::timeout(timeout, open)
            .await
            .map_err(|_| SnapshotError::new(format!("no answer within {timeout:?}")))??;
        Ok(Self { store, timeout })
    }
}

#[async_trait]
impl SnapshotStore for JetStreamSnapshots {
    async fn load(&self, stream: &StreamId) -> Result<Option<Vec<u8>>, SnapshotError> {
        let got = tokio::time::timeout(self.timeout, self.store.get(subject::snapshot_key(stream)))
            .await
            .map_err(|_| SnapshotError::new("no answer in time"))?
            .map_err(SnapshotError::new)?;
        Ok(got.map(|b| b.to_vec()))
    }

    async fn save(&self, stream: &StreamId, bytes: Vec<u8>) -> Result<(), SnapshotError> {
        tokio::time::timeout(
            self.timeout,
            self.store.put(subject::snapshot_key(stream), bytes.into()),
        )
        .await
        .map_err(|_| SnapshotError::new("no answer in time"))?
        .map_err(SnapshotError::new)?;
        Ok(())
    }
}
