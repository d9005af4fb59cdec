//! The postcard codec with a schema-version prefix.
//!
//! Wire layout of a stored or published commit:
//!
//! ```text
//! +------+------+----------------+---------------------------+
//! | 'S'  | 'Y'  | schema (u16 LE) | postcard(Commit @ schema) |
//! +------+------+----------------+---------------------------+
//! ```
//!
//! Decoding reads the prefix, decodes the body with that schema's types and upcasts it
//! to the current [`Commit`] (`TryFrom`, as restate's `wal-protocol` does). Unknown
//! versions and garbage are typed errors, never panics.
//!
//! Schema history:
//! - 1: the first envelope, without correlation and causation ids. Upcast: the
//!   correlation id is the commit id (each commit was its own request) and there is
//!   no causation.
//! - 2: current.
//!
//! Messages that are not commits (commands, replies, queries) use the same scheme with
//! the magic `SM` and their own version, through [`encode_message`] / [`decode_message`].

use serde::{Serialize, de::DeserializeOwned};

use crate::envelope::Commit;

/// The schema version new commits are written with.
pub const SCHEMA_VERSION: u16 = 2;
/// Oldest schema version that can still be read (and upcast).
pub const OLDEST_READABLE: u16 = 1;

const COMMIT_MAGIC: [u8; 2] = *b"SY";
const MESSAGE_MAGIC: [u8; 2] = *b"SM";
const PREFIX_LEN: usize = 4;

#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("{len} bytes are too short for a Synergy frame (needs at least {PREFIX_LEN})")]
    TooShort { len: usize },
    #[error("not a Synergy frame: magic {found:02x?}, expected {expected:02x?}")]
    BadMagic { found: [u8; 2], expected: [u8; 2] },
    #[error(
        "schema version {found} is not known here (this build reads {OLDEST_READABLE}..={SCHEMA_VERSION}); upgrade the reader"
    )]
    UnknownVersion { found: u16 },
    #[error("malformed body for schema version {version}: {source}")]
    Malformed {
        version: u16,
        #[source]
        source: postcard::Error,
    },
    #[error("{trailing} unexpected trailing bytes after the body (schema version {version})")]
    TrailingBytes { version: u16, trailing: usize },
}

#[derive(Debug, thiserror::Error)]
#[error("cannot encode: {0}")]
pub struct EncodeError(#[from] postcard::Error);

fn frame<T: Serialize>(magic: [u8; 2], version: u16, value: &T) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(128);
    out.extend_from_slice(&magic);
    out.extend_from_slice(&version.to_le_bytes());
    postcard::to_io(value, &mut out)?;
    Ok(out)
}

fn split_frame(bytes: &[u8], magic: [u8; 2]) -> Result<(u16, &[u8]), DecodeError> {
    if bytes.len() < PREFIX_LEN {
        return Err(DecodeError::TooShort { len: bytes.len() });
    }
    let found = [bytes[0], bytes[1]];
    if found != magic {
        return Err(DecodeError::BadMagic {
            found,
            expected: magic,
        });
    }
    Ok((
        u16::from_le_bytes([bytes[2], bytes[3]]),
        &bytes[PREFIX_LEN..],
    ))
}

fn body<T: DeserializeOwned>(version: u16, bytes: &[u8]) -> Result<T, DecodeError> {
    let (value, rest) = postcard::take_from_bytes(bytes)
        .map_err(|source| DecodeError::Malformed { version, source })?;
    if !rest.is_empty() {
        return Err(DecodeError::TrailingBytes {
            version,
            trailing: rest.len(),
        });
    }
    Ok(value)
}

/// Encodes a commit with the current schema version.
pub fn encode_commit(commit: &Commit) -> Vec<u8> {
    // Every field of Commit is plain data that postcard can always serialize.
    frame(COMMIT_MAGIC, SCHEMA_VERSION, commit).expect("commits always serialize")
}

/// A decoded commit and the schema version it was stored with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub commit: Commit,
    pub stored_version: u16,
}

/// Decodes a commit of any readable schema version, upcasting it to the current one.
pub fn decode_commit(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    let (version, rest) = split_frame(bytes, COMMIT_MAGIC)?;
    let commit = match version {
        1 => Commit::from(body::<v1::CommitV1>(version, rest)?),
        SCHEMA_VERSION => body::<Commit>(version, rest)?,
        found => return Err(DecodeError::UnknownVersion { found }),
    };
    Ok(Decoded {
        commit,
        stored_version: version,
    })
}

/// Encodes a non-commit message (command, reply, query) under `version`.
pub fn encode_message<T: Serialize>(version: u16, value: &T) -> Result<Vec<u8>, EncodeError> {
    frame(MESSAGE_MAGIC, version, value)
}

/// Decodes a non-commit message, refusing any version but `expected`.
pub fn decode_message<T: DeserializeOwned>(expected: u16, bytes: &[u8]) -> Result<T, DecodeError> {
    let (version, rest) = split_frame(bytes, MESSAGE_MAGIC)?;
    if version != expected {
        return Err(DecodeError::UnknownVersion { found: version });
    }
    body(version, rest)
}

/// Schema 1, kept to read what it wrote.
pub mod v1 {
    use serde::{Deserialize, Serialize};
    use uuid::Uuid;

    use crate::envelope::{Commit, RecordedEvent, StreamId};
    use crate::principal::Actor;
    use crate::time::Timestamp;

    /// The schema-1 commit: no correlation or causation ids.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct CommitV1 {
        pub commit_id: Uuid,
        pub stream: StreamId,
        pub first_version: u64,
        pub recorded_at: Timestamp,
        pub actor: Actor,
        pub events: Vec<RecordedEvent>,
    }

    impl From<CommitV1> for Commit {
        fn from(c: CommitV1) -> Commit {
            Commit {
                commit_id: c.commit_id,
                stream: c.stream,
                first_version: c.first_version,
                recorded_at: c.recorded_at,
                actor: c.actor,
                correlation_id: c.commit_id,
                causation_id: None,
                events: c.events,
            }
        }
    }

    /// Writes a schema-1 frame. Only tests and migration tooling need this.
    pub fn encode(commit: &CommitV1) -> Vec<u8> {
        super::frame(super::COMMIT_MAGIC, 1, commit).expect("commits always serialize")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_a_typed_error() {
        assert!(matches!(
            decode_commit(b""),
            Err(DecodeError::TooShort { len: 0 })
        ));
        assert!(matches!(
            decode_commit(b"XXXX"),
            Err(DecodeError::BadMagic { .. })
        ));
        assert!(matches!(
            decode_commit(b"SY\x09\x00"),
            Err(DecodeError::UnknownVersion { found: 9 })
        ));
        assert!(matches!(
            decode_commit(b"SY\x02\x00\xff\xff\xff"),
            Err(DecodeError::Malformed { version: 2, .. })
        ));
    }

    #[test]
    fn messages_round_trip_and_check_version() {
        let bytes = encode_message(3, &("hello", 7u32)).unwrap();
        assert_eq!(
            decode_message::<(String, u32)>(3, &bytes).unwrap(),
            ("hello".into(), 7)
        );
        assert!(decode_message::<(String, u32)>(4, &bytes).is_err());
        assert!(decode_commit(&bytes).is_err(), "a message is not a commit");
    }
}
