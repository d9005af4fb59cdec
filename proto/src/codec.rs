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
//!
//! A *commit group* packs several commit frames into one stored record (the sled event
//! log writes one per batch of concurrent appends, so a batch costs one write instead of
//! one per commit). Each member stays a complete commit frame, so it can be cut out and
//! decoded alone:
//!
//! ```text
//! +-----+-----+---------------+--------------+------------------------+-----------------+
//! | 'S' | 'G' | format (u16 LE) | count (u16 LE) | count × end (u32 LE) | member frames   |
//! +-----+-----+---------------+--------------+------------------------+-----------------+
//! ```
//!
//! `end` is where each member ends, counted from the start of the member frames; the
//! last one ends the record. Format 1 is the only one.

use serde::{Serialize, de::DeserializeOwned};

use crate::envelope::Commit;

/// The schema version new commits are written with.
pub const SCHEMA_VERSION: u16 = 2;
/// Oldest schema version that can still be read (and upcast).
pub const OLDEST_READABLE: u16 = 1;

const COMMIT_MAGIC: [u8; 2] = *b"SY";
const MESSAGE_MAGIC: [u8; 2] = *b"SM";
const GROUP_MAGIC: [u8; 2] = *b"SG";
/// The format of commit groups written here.
pub const GROUP_FORMAT: u16 = 1;
/// Most commits one group holds.
pub const GROUP_MAX_MEMBERS: usize = u16::MAX as usize;
const PREFIX_LEN: usize = 4;
const GROUP_HEADER_LEN: usize = PREFIX_LEN + 2;

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
    #[error("{len} bytes are more than a frame of this kind may hold ({max})")]
    TooLong { len: usize, max: usize },
    /// The body is not the one the checksum was taken of: a torn or damaged write.
    #[error("the checksum does not match the body (a torn or damaged write)")]
    Checksum,
    #[error("malformed commit group: {reason}")]
    MalformedGroup { reason: String },
    /// The record decodes, but it was stored on another subject than the one its stream
    /// names: a publisher allowed on `subject` tried to pass it off as `names`'s.
    #[error("stored on {subject}, but the commit names stream {names}")]
    WrongSubject { subject: String, names: String },
}

#[derive(Debug, thiserror::Error)]
#[error("cannot encode: {0}")]
pub struct EncodeError(#[from] postcard::Error);

fn frame<T: Serialize>(magic: [u8; 2], version: u16, value: &T) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(128);
    frame_into(&mut out, magic, version, value)?;
    Ok(out)
}

fn frame_into<T: Serialize>(
    out: &mut Vec<u8>,
    magic: [u8; 2],
    version: u16,
    value: &T,
) -> Result<(), EncodeError> {
    out.extend_from_slice(&magic);
    out.extend_from_slice(&version.to_le_bytes());
    postcard::to_io(value, out)?;
    Ok(())
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

/// A body of `version` that must be read whole: a value with bytes after it is refused.
pub(crate) fn body<T: DeserializeOwned>(version: u16, bytes: &[u8]) -> Result<T, DecodeError> {
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

/// Decodes a commit stored on `subject` (a JetStream message's subject), which must be the
/// subject of the stream the commit names: a record that claims another stream is
/// refused as [`DecodeError::WrongSubject`], so a publisher cannot pass its bytes off as
/// another aggregate's (or another context's) commit.
pub fn decode_commit_on(subject: &str, bytes: &[u8]) -> Result<Decoded, DecodeError> {
    let decoded = decode_commit(bytes)?;
    let expected = crate::subject::commit(&decoded.commit.stream);
    if expected != subject {
        return Err(DecodeError::WrongSubject {
            subject: subject.to_owned(),
            names: decoded.commit.stream.to_string(),
        });
    }
    Ok(decoded)
}

/// Builds a commit group ([module docs](self)): commits are encoded straight into it.
#[derive(Debug, Default)]
pub struct CommitGroupBuilder {
    members: Vec<u8>,
    ends: Vec<u32>,
}

impl CommitGroupBuilder {
    pub fn new() -> CommitGroupBuilder {
        CommitGroupBuilder::default()
    }

    /// Encodes `commit` as the next member.
    ///
    /// # Panics
    /// If the group already holds [`GROUP_MAX_MEMBERS`] commits or its members reach
    /// 4 GiB; callers keep groups far smaller.
    pub fn push(&mut self, commit: &Commit) {
        assert!(self.ends.len() < GROUP_MAX_MEMBERS, "commit group is full");
        frame_into(&mut self.members, COMMIT_MAGIC, SCHEMA_VERSION, commit)
            .expect("commits always serialize");
        let end = u32::try_from(self.members.len()).expect("commit group under 4 GiB");
        self.ends.push(end);
    }

    /// Commits pushed so far.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The size of the record [`finish`](Self::finish) would return.
    pub fn encoded_len(&self) -> usize {
        GROUP_HEADER_LEN + 4 * self.ends.len() + self.members.len()
    }

    /// The frame of the only member, when there is exactly one (a group of one is stored
    /// as a plain commit frame).
    pub fn single(&self) -> Option<&[u8]> {
        (self.ends.len() == 1).then_some(&self.members[..])
    }

    /// Drops every member pushed so far, keeping the memory for the next group.
    pub fn clear(&mut self) {
        self.members.clear();
        self.ends.clear();
    }

    /// The group's record; the builder is left empty for the next group.
    pub fn finish(&mut self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        out.extend_from_slice(&GROUP_MAGIC);
        out.extend_from_slice(&GROUP_FORMAT.to_le_bytes());
        let count = u16::try_from(self.ends.len()).expect("at most GROUP_MAX_MEMBERS members");
        out.extend_from_slice(&count.to_le_bytes());
        for end in &self.ends {
            out.extend_from_slice(&end.to_le_bytes());
        }
        out.extend_from_slice(&self.members);
        self.clear();
        out
    }
}

/// Whether `bytes` is a commit group (by its magic; [`CommitGroup::parse`] checks the rest).
pub fn is_commit_group(bytes: &[u8]) -> bool {
    bytes.starts_with(&GROUP_MAGIC)
}

/// A parsed commit group: where each member frame lies in the record.
#[derive(Debug, Clone, Copy)]
pub struct CommitGroup<'a> {
    ends: &'a [u8],
    members: &'a [u8],
    /// Offset of the member frames in the record.
    base: usize,
}

impl<'a> CommitGroup<'a> {
    /// Checks the header and the end table of a group record. Members are decoded one by
    /// one, later, with [`decode_commit`].
    pub fn parse(bytes: &'a [u8]) -> Result<CommitGroup<'a>, DecodeError> {
        let malformed = |reason: String| DecodeError::MalformedGroup { reason };
        let (format, rest) = split_frame(bytes, GROUP_MAGIC)?;
        if format != GROUP_FORMAT {
            return Err(malformed(format!(
                "format {format} is not known here (this build reads {GROUP_FORMAT})"
            )));
        }
        let (count, rest) = rest
            .split_first_chunk::<2>()
            .ok_or_else(|| malformed("it ends before its member count".into()))?;
        let count = usize::from(u16::from_le_bytes(*count));
        if count == 0 {
            return Err(malformed("it has no members".into()));
        }
        if rest.len() < 4 * count {
            return Err(malformed(format!(
                "{} bytes cannot hold the ends of {count} members",
                rest.len()
            )));
        }
        let (ends, members) = rest.split_at(4 * count);
        let group = CommitGroup {
            ends,
            members,
            base: bytes.len() - members.len(),
        };
        let mut start = 0;
        for i in 0..count {
            let end = group.end(i);
            if end <= start || end > members.len() {
                return Err(malformed(format!(
                    "member {i} would span bytes {start}..{end} of {}",
                    members.len()
                )));
            }
            start = end;
        }
        if start != members.len() {
            return Err(malformed(format!(
                "{} bytes follow its last member",
                members.len() - start
            )));
        }
        Ok(group)
    }

    /// Number of members (at least one).
    pub fn len(&self) -> usize {
        self.ends.len() / 4
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn end(&self, i: usize) -> usize {
        let at = 4 * i;
        let bytes = [
            self.ends[at],
            self.ends[at + 1],
            self.ends[at + 2],
            self.ends[at + 3],
        ];
        u32::from_le_bytes(bytes) as usize
    }

    /// Where member `i`'s frame lies in the record the group was parsed from.
    pub fn member_range(&self, i: usize) -> Option<std::ops::Range<usize>> {
        if i >= self.len() {
            return None;
        }
        let start = if i == 0 { 0 } else { self.end(i - 1) };
        Some(self.base + start..self.base + self.end(i))
    }

    /// Member `i`'s commit frame.
    pub fn member(&self, i: usize) -> Option<&'a [u8]> {
        let range = self.member_range(i)?;
        Some(&self.members[range.start - self.base..range.end - self.base])
    }
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

    fn sample_commit(n: u8) -> Commit {
        use crate::{Actor, AggregateId, Context, OrgId, PartnershipId, Role, StreamId, Timestamp};
        Commit {
            commit_id: uuid::Uuid::from_bytes([n; 16]),
            stream: StreamId::new(
                Context::Support,
                PartnershipId::new("p1").unwrap(),
                AggregateId::new(format!("meeting:{n}")).unwrap(),
            ),
            first_version: u64::from(n),
            recorded_at: Timestamp::from_millis(1_700_000_000_000),
            actor: Actor {
                org: OrgId::new("acme").unwrap(),
                role: Role::Manufacturer,
                user: "codec".into(),
            },
            correlation_id: uuid::Uuid::from_bytes([n; 16]),
            causation_id: None,
            events: Vec::new(),
        }
    }

    #[test]
    fn a_group_holds_whole_commit_frames() {
        let commits: Vec<Commit> = (1..=3).map(sample_commit).collect();
        let mut builder = CommitGroupBuilder::new();
        builder.push(&commits[0]);
        assert_eq!(builder.single(), Some(&encode_commit(&commits[0])[..]));
        builder.push(&commits[1]);
        builder.push(&commits[2]);
        assert_eq!(builder.single(), None);
        let expected_len = builder.encoded_len();
        let bytes = builder.finish();
        assert!(builder.is_empty());
        assert_eq!(bytes.len(), expected_len);
        assert!(is_commit_group(&bytes));
        assert!(decode_commit(&bytes).is_err(), "a group is not a commit");

        let group = CommitGroup::parse(&bytes).unwrap();
        assert_eq!(group.len(), 3);
        for (i, commit) in commits.iter().enumerate() {
            let member = group.member(i).unwrap();
            assert_eq!(member, &encode_commit(commit)[..]);
            assert_eq!(&bytes[group.member_range(i).unwrap()], member);
            assert_eq!(&decode_commit(member).unwrap().commit, commit);
        }
        assert_eq!(group.member(3), None);
    }

    #[test]
    fn a_malformed_group_is_a_typed_error() {
        let mut builder = CommitGroupBuilder::new();
        builder.push(&sample_commit(1));
        builder.push(&sample_commit(2));
        let bytes = builder.finish();
        let malformed = |bytes: &[u8]| match CommitGroup::parse(bytes) {
            Err(DecodeError::MalformedGroup { reason }) => reason,
            other => panic!("expected a malformed group, got {other:?}"),
        };
        assert!(malformed(&bytes[..bytes.len() - 1]).contains("member 1"));
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(malformed(&longer).contains("follow its last member"));
        assert!(malformed(b"SG\x01\x00\x00\x00").contains("no members"));
        assert!(malformed(b"SG\x01\x00\x09\x00").contains("ends of 9"));
        assert!(malformed(b"SG\x02\x00\x01\x00").contains("format 2"));
        assert!(malformed(b"SG\x01\x00").contains("member count"));
        let mut swapped = bytes.clone();
        swapped[6..10].copy_from_slice(&0u32.to_le_bytes());
        assert!(malformed(&swapped).contains("member 0"));
        assert!(matches!(
            CommitGroup::parse(b"SY\x02\x00"),
            Err(DecodeError::BadMagic { .. })
        ));
    }
}
