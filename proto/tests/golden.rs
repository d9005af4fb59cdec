//! Golden vectors: the exact bytes of one commit per event variant, and of a commit
//! group (the sled log's record of several commits), frozen in `proto/vectors/`. If an
//! encoding changes, these tests fail: either the change was an accident (fix it) or a
//! deliberate schema change (bump `SCHEMA_VERSION`, or `GROUP_FORMAT` for groups, add an
//! upcast, then re-bless with `SYNERGY_BLESS_VECTORS=1 cargo test -p synergy-proto --test
//! golden`).

mod common;

use std::path::PathBuf;

use common::{Fields, commit_of, every_event};
use synergy_proto::codec::{self, v1};
use synergy_proto::*;

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("vectors")
}

fn render(value_doc: &str, bytes: &[u8]) -> String {
    let mut out = String::new();
    for line in value_doc.lines() {
        out.push_str("# ");
        out.push_str(line);
        out.push('\n');
    }
    for chunk in bytes.chunks(32) {
        out.push_str(&hex::encode(chunk));
        out.push('\n');
    }
    out
}

fn parse_hex(text: &str) -> Vec<u8> {
    let hex: String = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .concat();
    hex::decode(hex.trim()).expect("vector files hold hex")
}

/// Compares `bytes` with the stored vector `name`, or writes it when blessing.
fn check_vector(name: &str, value_doc: &str, bytes: &[u8]) -> Vec<u8> {
    let path = vectors_dir().join(format!("{name}.hex"));
    if std::env::var_os("SYNERGY_BLESS_VECTORS").is_some() {
        std::fs::create_dir_all(vectors_dir()).unwrap();
        std::fs::write(&path, render(value_doc, bytes)).unwrap();
    }
    let stored = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("missing golden vector {}: {e}", path.display()));
    let stored = parse_hex(&stored);
    assert_eq!(
        hex::encode(bytes),
        hex::encode(&stored),
        "encoding of {name} changed; see the module doc of proto/tests/golden.rs"
    );
    stored
}

#[test]
fn every_event_matches_its_golden_vector() {
    for (i, event) in every_event(&Fields::fixed()).into_iter().enumerate() {
        let name = event.name();
        let commit = commit_of(event, i as u128);
        let bytes = encode_commit(&commit);
        let stored = check_vector(name, &format!("{commit:#?}"), &bytes);
        let decoded = decode_commit(&stored).expect("golden vector decodes");
        assert_eq!(
            decoded.commit, commit,
            "{name} decodes to the value it encodes"
        );
        assert_eq!(decoded.stored_version, SCHEMA_VERSION);
    }
}

#[test]
fn a_multi_event_commit_matches_its_golden_vector() {
    let mut commit = commit_of(every_event(&Fields::fixed()).remove(0), 99);
    let extra = every_event(&Fields::fixed()).remove(1);
    commit.events.push(RecordedEvent {
        event_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0002_0000),
        occurred_at: Timestamp::from_millis(1_214_784_000_500),
        event: extra,
    });
    let bytes = encode_commit(&commit);
    check_vector("multi_event_commit", &format!("{commit:#?}"), &bytes);
    assert_eq!(commit.last_version(), 8);
    let envelopes: Vec<_> = commit.envelopes().collect();
    assert_eq!(envelopes.len(), 2);
    assert_eq!(envelopes[1].version, 8);
    assert_eq!(envelopes[1].partnership.as_str(), "hongyun-changzhi");
    assert_eq!(envelopes[1].schema_version, SCHEMA_VERSION);
}

#[test]
fn a_commit_group_matches_its_golden_vector() {
    let commits: Vec<_> = every_event(&Fields::fixed())
        .into_iter()
        .take(2)
        .enumerate()
        .map(|(i, event)| commit_of(event, 200 + i as u128))
        .collect();
    let mut builder = CommitGroupBuilder::new();
    for commit in &commits {
        builder.push(commit);
    }
    let bytes = builder.finish();
    let stored = check_vector("commit_group", &format!("{commits:#?}"), &bytes);
    let group = CommitGroup::parse(&stored).expect("golden group parses");
    assert_eq!(group.len(), 2);
    for (i, commit) in commits.iter().enumerate() {
        let member = group.member(i).expect("member");
        assert_eq!(
            member,
            &encode_commit(commit)[..],
            "members are commit frames"
        );
        assert_eq!(&decode_commit(member).expect("decodes").commit, commit);
    }
}

#[test]
fn schema_1_commits_are_upcast_on_read() {
    let current = commit_of(every_event(&Fields::fixed()).remove(0), 1);
    let old = v1::CommitV1 {
        commit_id: current.commit_id,
        stream: current.stream.clone(),
        first_version: current.first_version,
        recorded_at: current.recorded_at,
        actor: current.actor.clone(),
        events: current.events.clone(),
    };
    let bytes = v1::encode(&old);
    let stored = check_vector("schema1_PartnershipSigned", &format!("{old:#?}"), &bytes);
    assert_eq!(&stored[..4], b"SY\x01\x00", "schema 1 prefix");
    let decoded = decode_commit(&stored).expect("schema 1 stays readable");
    assert_eq!(decoded.stored_version, 1);
    let upcast = decoded.commit;
    assert_eq!(
        upcast.correlation_id, upcast.commit_id,
        "each v1 commit was its own request"
    );
    assert_eq!(upcast.causation_id, None);
    assert_eq!(upcast.events, current.events);
    assert_eq!(upcast.stream, current.stream);
    // Re-encoding writes the current schema.
    assert_eq!(&encode_commit(&upcast)[..4], b"SY\x02\x00");
}

/// Every variant of every context enum appears in `every_event`: postcard tags variants by
/// index, so decoding the tag one past the highest we cover must say "no such variant".
#[test]
fn every_variant_is_covered() {
    let events = every_event(&Fields::fixed());
    let mut names: Vec<&str> = events.iter().map(Event::name).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "each sample is a distinct variant");

    for (ctx_index, context) in Context::ALL.iter().enumerate() {
        let covered = events.iter().filter(|e| e.context() == *context).count();
        for probe in [covered, covered + 1] {
            let bytes = [ctx_index as u8, probe as u8];
            let err = postcard::from_bytes::<Event>(&bytes)
                .expect_err("two bytes are never a whole event");
            let unknown_variant = !matches!(err, postcard::Error::DeserializeUnexpectedEnd);
            assert!(
                unknown_variant,
                "{context} has a variant #{probe} that proto/tests/common/mod.rs does not cover"
            );
        }
    }
    // and no more context enums than Context::ALL
    let err = postcard::from_bytes::<Event>(&[Context::ALL.len() as u8, 0]).unwrap_err();
    assert!(!matches!(err, postcard::Error::DeserializeUnexpectedEnd));
}

#[test]
fn corrupted_vectors_are_typed_errors() {
    let commit = commit_of(every_event(&Fields::fixed()).remove(0), 1);
    let bytes = encode_commit(&commit);
    for cut in [0, 3, 4, 10, bytes.len() - 1] {
        assert!(decode_commit(&bytes[..cut]).is_err(), "truncated at {cut}");
    }
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(matches!(
        decode_commit(&trailing),
        Err(codec::DecodeError::TrailingBytes { .. })
    ));
    let mut future = bytes;
    future[2] = 3;
    assert!(matches!(
        decode_commit(&future),
        Err(codec::DecodeError::UnknownVersion { found: 3 })
    ));
}

#[test]
fn a_snapshot_envelope_matches_its_golden_vector() {
    use synergy_proto::snapshot::{
        IdFilter, Snapshot, SnapshotCommit, decode_snapshot, encode_snapshot,
    };
    let commit = commit_of(every_event(&Fields::fixed()).remove(0), 5);
    let snapshot = Snapshot {
        stream: commit.stream.clone(),
        version: 1_000,
        position: 4_321,
        layout: 1,
        commits: vec![SnapshotCommit {
            commit_id: commit.commit_id,
            first_version: 1_000,
            request: Some(Uuid::from_u128(0x0190_0000_0000_8000_8000_0000_0000_0001)),
        }],
        older: IdFilter {
            hashes: 7,
            bits: vec![0x81, 0x00, 0x42, 0xff],
        },
        state: vec![0x03, 0x01, 0x02, 0x03],
    };
    let bytes = encode_snapshot(&snapshot);
    let stored = check_vector("snapshot_envelope", &format!("{snapshot:#?}"), &bytes);
    assert_eq!(
        decode_snapshot(&stored).expect("golden vector decodes"),
        snapshot
    );
}
