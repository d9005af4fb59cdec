//! The commit codec, the commit-group framing and the message framing over random bytes
//! and mutations of the golden vectors (`proto/vectors/`): never a panic, each case within
//! its allocation bound, and what decodes is no larger than a bound on its input.

use std::sync::OnceLock;

use proptest::prelude::*;
use synergy_fuzz::mutate::{apply, edits};
use synergy_fuzz::{config, within};
use synergy_proto::codec::{
    CommitGroup, CommitGroupBuilder, decode_commit, decode_message, encode_commit, encode_message,
};
use synergy_proto::{Commit, Event};
use synergy_runtime::AnyCommand;
use synergy_runtime::nats::wire::{CommandReply, CommandRequest, ReportQuery};

/// What decoding one input of at most a few KiB may allocate: postcard sizes a sequence
/// from the bytes it has read, never from the length a hostile prefix declares beyond a
/// small cap, so tens of MiB would already be a runaway.
const CASE_BOUND: usize = 64 << 20;

/// The decoded value may hold at most this many bytes per input byte (a one-byte enum
/// tag can become a struct of ids and strings), plus a constant.
fn result_bound(input: usize) -> usize {
    64 * 1024 + 512 * input
}

/// The golden vectors, as bytes: single commits of every event, a multi-event commit, a
/// schema-1 commit and a commit group.
fn vectors() -> &'static [Vec<u8>] {
    static VECTORS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    VECTORS.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../proto/vectors");
        let mut out = Vec::new();
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .expect("proto/vectors")
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "hex"))
            .collect();
        names.sort();
        for path in names {
            let text = std::fs::read_to_string(&path).unwrap();
            let hex: String = text
                .lines()
                .filter(|l| !l.starts_with('#'))
                .collect::<String>()
                .split_whitespace()
                .collect();
            out.push(hex::decode(hex).unwrap());
        }
        assert!(out.len() >= 40, "{} vectors", out.len());
        out
    })
}

fn commits() -> &'static [Commit] {
    static COMMITS: OnceLock<Vec<Commit>> = OnceLock::new();
    COMMITS.get_or_init(|| {
        vectors()
            .iter()
            .filter_map(|v| decode_commit(v).ok())
            .map(|d| d.commit)
            .collect()
    })
}

/// Every decoder on `bytes`: no panic, within the bounds.
fn decode_all(bytes: &[u8]) {
    let bound = result_bound(bytes.len());
    let (commit, held) = within(CASE_BOUND, || decode_commit(bytes));
    assert!(
        held <= bound,
        "a commit of {} bytes holds {held}",
        bytes.len()
    );
    if let Ok(decoded) = commit {
        // What decodes encodes again and decodes to the same commit.
        let again = decode_commit(&encode_commit(&decoded.commit)).expect("re-encoded");
        assert_eq!(again.commit, decoded.commit);
    }
    let (group, held) = within(CASE_BOUND, || {
        CommitGroup::parse(bytes).map(|group| {
            let members: Vec<_> = (0..=group.len())
                .filter_map(|i| group.member(i))
                .map(decode_commit)
                .collect();
            (group.len(), members)
        })
    });
    assert!(
        held <= bound * 2,
        "a group of {} bytes holds {held}",
        bytes.len()
    );
    if let Ok((len, members)) = group {
        assert_eq!(len, members.len());
    }
    macro_rules! message {
        ($($t:ty),*) => {$(
            for version in [1u16, 2, 3] {
                let (m, held) = within(CASE_BOUND, || decode_message::<$t>(version, bytes));
                assert!(held <= bound, "a {} of {} bytes holds {held}", stringify!($t), bytes.len());
                drop(m);
            }
        )*};
    }
    message!(
        Commit,
        Vec<Event>,
        AnyCommand,
        CommandRequest,
        CommandReply,
        ReportQuery
    );
}

/// `body` framed with `magic` and `version`.
fn framed(magic: &[u8; 2], version: u16, body: &[u8]) -> Vec<u8> {
    let mut out = magic.to_vec();
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(body);
    out
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_bytes_under_every_prefix(
        body in proptest::collection::vec(any::<u8>(), 0..2048),
        version in prop_oneof![Just(1u16), Just(2), Just(3), any::<u16>()],
    ) {
        decode_all(&body);
        for magic in [b"SY", b"SG", b"SM"] {
            decode_all(&framed(magic, version, &body));
        }
    }

    #[test]
    fn mutated_commits(which in any::<usize>(), edits in edits()) {
        let seed = &vectors()[which % vectors().len()];
        decode_all(&apply(seed, &edits));
    }

    #[test]
    fn mutated_groups(picks in proptest::collection::vec(any::<usize>(), 1..6), edits in edits()) {
        let mut builder = CommitGroupBuilder::new();
        for p in &picks {
            builder.push(&commits()[p % commits().len()]);
        }
        let group = builder.finish();
        decode_all(&group);
        decode_all(&apply(&group, &edits));
    }

    #[test]
    fn commits_as_messages(which in any::<usize>(), edits in edits()) {
        // A commit's body framed as a message, and a message of commits, then mutated.
        let commit = &commits()[which % commits().len()];
        let message = encode_message(2, commit).unwrap();
        decode_all(&apply(&message, &edits));
        let events: Vec<Event> = commit.events.iter().map(|e| e.event.clone()).collect();
        let message = encode_message(1, &events).unwrap();
        decode_all(&apply(&message, &edits));
    }
}
