//! The snapshot envelope: a stream's folded state at a known version, persisted so that
//! a process that does not hold the state in memory folds only the events after it.
//!
//! ```text
//! +-----+-----+-----------------+--------------+-------------------------------+
//! | 'S' | 'N' | schema (u16 LE) | crc32 (u32 LE) | postcard(Snapshot @ schema) |
//! +-----+-----+-----------------+--------------+-------------------------------+
//! ```
//!
//! The CRC-32 covers the body, so a snapshot torn by a crash in the middle of its write
//! (or flipped on disk) reads as [`DecodeError::Checksum`] and is ignored: a snapshot is
//! derivable from the log, and the reader folds the stream from events instead.
//!
//! `state` is the context's folded state as postcard ([`encode_state`]), whose shape the
//! runtime stamps as `layout`: a state of another layout is not decoded at all, since
//! postcard is not self-describing and a changed struct could read back as another value.
//!
//! Schema history:
//! - 1: current.

use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::codec::DecodeError;
use crate::envelope::StreamId;
use uuid::Uuid;

/// The schema version new snapshots are written with; no other is read.
pub const SNAPSHOT_VERSION: u16 = 1;
const SNAPSHOT_MAGIC: [u8; 2] = *b"SN";
const HEADER_LEN: usize = 8;
/// Largest snapshot read back; a larger record is not a snapshot this build wrote.
pub const MAX_SNAPSHOT_BYTES: usize = 64 * 1024 * 1024;

/// One stream's folded state at `version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub stream: StreamId,
    /// The stream's version the state is folded up to.
    pub version: u64,
    /// The log position of the last commit folded (what a reader reads after).
    pub position: u64,
    /// The shape of `state`, as the runtime numbers its context states' layouts.
    pub layout: u32,
    /// The stream's latest commits, newest last: what an idempotency check looks up first.
    pub commits: Vec<SnapshotCommit>,
    /// Every older commit's id and request id, as a Bloom filter.
    pub older: IdFilter,
    /// The folded state ([`encode_state`]).
    pub state: Vec<u8>,
}

/// A commit of the stream, as the idempotency checks know it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotCommit {
    pub commit_id: Uuid,
    /// The version of the commit's first event.
    pub first_version: u64,
    /// The request that caused it (its causation id), if any.
    pub request: Option<Uuid>,
}

/// A Bloom filter's bits and how many bit positions each id sets; empty bits hold
/// nothing. What sets the positions is the runtime's (`synergy_runtime::snapshot`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdFilter {
    pub hashes: u8,
    pub bits: Vec<u8>,
}

/// Encodes a snapshot with the current schema version and its checksum.
pub fn encode_snapshot(snapshot: &Snapshot) -> Vec<u8> {
    // Every field is plain data that postcard can always serialize.
    let body = postcard::to_allocvec(snapshot).expect("snapshots always serialize");
    let mut out = Vec::with_capacity(HEADER_LEN + body.len());
    out.extend_from_slice(&SNAPSHOT_MAGIC);
    out.extend_from_slice(&SNAPSHOT_VERSION.to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// Decodes a snapshot of the current schema version whose checksum holds.
pub fn decode_snapshot(bytes: &[u8]) -> Result<Snapshot, DecodeError> {
    if bytes.len() < HEADER_LEN {
        return Err(DecodeError::TooShort { len: bytes.len() });
    }
    if bytes.len() > MAX_SNAPSHOT_BYTES {
        return Err(DecodeError::TooLong {
            len: bytes.len(),
            max: MAX_SNAPSHOT_BYTES,
        });
    }
    let found = [bytes[0], bytes[1]];
    if found != SNAPSHOT_MAGIC {
        return Err(DecodeError::BadMagic {
            found,
            expected: SNAPSHOT_MAGIC,
        });
    }
    let version = u16::from_le_bytes([bytes[2], bytes[3]]);
    if version != SNAPSHOT_VERSION {
        return Err(DecodeError::UnknownVersion { found: version });
    }
    let stored = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
    let body = &bytes[HEADER_LEN..];
    if crc32fast::hash(body) != stored {
        return Err(DecodeError::Checksum);
    }
    crate::codec::body(version, body)
}

/// A context's folded state as a snapshot holds it.
pub fn encode_state<S: Serialize>(state: &S) -> Result<Vec<u8>, crate::codec::EncodeError> {
    Ok(postcard::to_allocvec(state)?)
}

/// A state written by [`encode_state`]; all of `bytes` must be read.
pub fn decode_state<S: DeserializeOwned>(bytes: &[u8]) -> Result<S, DecodeError> {
    crate::codec::body(SNAPSHOT_VERSION, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Context, PartnershipId};

    fn sample() -> Snapshot {
        Snapshot {
            stream: StreamId::new(
                Context::Marketing,
                PartnershipId::new("p-1").unwrap(),
                crate::AggregateId::new("campaign:c-1").unwrap(),
            ),
            version: 7,
            position: 42,
            layout: 1,
            commits: vec![SnapshotCommit {
                commit_id: Uuid::from_u128(1),
                first_version: 7,
                request: Some(Uuid::from_u128(2)),
            }],
            older: IdFilter {
                hashes: 3,
                bits: vec![0b1010_0001; 4],
            },
            state: vec![1, 2, 3],
        }
    }

    #[test]
    fn a_snapshot_reads_back_and_a_torn_one_does_not() {
        let bytes = encode_snapshot(&sample());
        assert_eq!(decode_snapshot(&bytes).unwrap(), sample());
        for cut in 0..bytes.len() {
            assert!(decode_snapshot(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut flipped = bytes.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(matches!(
            decode_snapshot(&flipped),
            Err(DecodeError::Checksum)
        ));
        let mut later = bytes;
        later[2] = 2;
        assert!(matches!(
            decode_snapshot(&later),
            Err(DecodeError::UnknownVersion { found: 2 })
        ));
    }
}
