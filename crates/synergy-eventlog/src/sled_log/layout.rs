//! The keys and values of the log's tree (see the layout in [`super`]): stream keys,
//! index keys and entries, ranges of log positions, the raw-record marker, and the
//! layout marker checked at open.

use synergy_proto::{StreamId, Uuid};

use super::{LAYOUT, OpenError};

pub(super) const LOG_TREE: &str = "synergy.log";
/// Trees of layout version 1; their presence means a database this code must not read.
pub(super) const LAYOUT_1_TREES: [&str; 3] = [
    "synergy.stream_index",
    "synergy.stream_head",
    "synergy.commit_ids",
];
pub(super) const LAYOUT_KEY: &[u8] = b"meta:layout";
/// Position and `s` key of the last raw record
/// ([`SledLog::inject_raw_record`](super::SledLog::inject_raw_record)).
pub(super) const RAW_KEY: &[u8] = b"meta:raw";
pub(super) const STREAM_TAG: u8 = b's';
/// Positions stay below this so their keys start with `0x00` and sort before every tagged
/// key. At a million commits a second it takes over two thousand years to reach.
pub(super) const POSITION_LIMIT: u64 = 1 << 56;

/// Opens the log tree of `db`, refusing a database in any layout but [`LAYOUT`] and
/// marking a new one.
pub(super) fn open_log_tree(db: &sled::Db) -> Result<sled::Tree, OpenError> {
    let names = db.tree_names();
    if let Some(old) = LAYOUT_1_TREES
        .iter()
        .find(|t| names.iter().any(|n| n.as_ref() == t.as_bytes()))
    {
        return Err(OpenError::Layout {
            reason: format!(
                "it holds the tree {old:?} of layout 1; layout 1 cannot be read by this \
                 version — replay its commits into a new log"
            ),
        });
    }
    let tree = db.open_tree(LOG_TREE)?;
    match tree.get(LAYOUT_KEY)? {
        Some(marker) if marker.as_ref() == LAYOUT => {}
        Some(marker) => {
            return Err(OpenError::Layout {
                reason: format!(
                    "its layout marker reads {:?}",
                    String::from_utf8_lossy(&marker)
                ),
            });
        }
        None if tree.is_empty() => {
            tree.insert(LAYOUT_KEY, LAYOUT)?;
            db.flush()?;
        }
        None => {
            return Err(OpenError::Layout {
                reason: format!("its tree {LOG_TREE:?} holds records but no layout marker"),
            });
        }
    }
    Ok(tree)
}

pub(super) fn stream_key(stream: &StreamId) -> Vec<u8> {
    let parts = [
        stream.context.as_str(),
        stream.partnership.as_str(),
        stream.aggregate.as_str(),
    ];
    let mut key = Vec::with_capacity(parts.iter().map(|p| p.len() + 1).sum::<usize>() + 9);
    for part in parts {
        key.extend_from_slice(part.as_bytes());
        key.push(0);
    }
    key
}

/// The index key of `stream_key`'s commit whose last version is `version`.
pub(super) fn index_key(stream_key: &[u8], version: u64) -> Vec<u8> {
    let mut key = Vec::with_capacity(stream_key.len() + 9);
    key.push(STREAM_TAG);
    key.extend_from_slice(stream_key);
    key.extend_from_slice(&version.to_be_bytes());
    key
}

/// The index entry of the commit `id` stored at `position`.
pub(super) fn index_value(position: u64, id: Uuid) -> [u8; 24] {
    let mut value = [0; 24];
    value[..8].copy_from_slice(&position.to_be_bytes());
    value[8..].copy_from_slice(id.as_bytes());
    value
}

/// The position an index entry names: 8 bytes, or 24 with the commit id.
pub(super) fn index_position(value: &[u8]) -> Option<u64> {
    match value.len() {
        8 | 24 => decode_u64(&value[..8]),
        _ => None,
    }
}

/// The version an index key ends with.
pub(super) fn index_version(key: &[u8]) -> u64 {
    key.len()
        .checked_sub(8)
        .and_then(|start| decode_u64(&key[start..]))
        .unwrap_or(0)
}

/// The keys of positions `first..=last` (clamped to the positions the log can hold).
pub(super) fn log_range(first: u64, last: u64) -> std::ops::RangeInclusive<[u8; 8]> {
    first.to_be_bytes()..=last.min(POSITION_LIMIT - 1).to_be_bytes()
}

/// The value of `meta:raw`: the raw record's position and its `s` key.
pub(super) fn encode_raw_marker(position: u64, index_key: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + index_key.len());
    out.extend_from_slice(&position.to_be_bytes());
    out.extend_from_slice(index_key);
    out
}

pub(super) fn decode_raw_marker(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let (position, key) = bytes.split_first_chunk::<8>()?;
    Some((u64::from_be_bytes(*position), key))
}

pub(super) fn decode_u64(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Appended;
    use crate::sled_log::SledLog;
    use crate::sled_log::tests::{stored, temporary_db, test_commit, test_stream};

    /// The `c` key of layouts before 5.
    fn commit_id_key(id: Uuid) -> [u8; 17] {
        let mut key = [0; 17];
        key[0] = b'c';
        key[1..].copy_from_slice(id.as_bytes());
        key
    }

    /// The `c` value of layouts before 5.
    fn encode_appended(a: &Appended) -> [u8; 24] {
        let mut out = [0; 24];
        out[..8].copy_from_slice(&a.position.get().to_be_bytes());
        out[8..16].copy_from_slice(&a.first_version.to_be_bytes());
        out[16..].copy_from_slice(&a.last_version.to_be_bytes());
        out
    }

    #[test]
    fn stream_keys_do_not_prefix_each_other() {
        use synergy_proto::{AggregateId, Context, PartnershipId};
        let p = PartnershipId::new("p1").expect("valid id");
        let a = StreamId::new(
            Context::Support,
            p.clone(),
            AggregateId::new("m:1").expect("id"),
        );
        let b = StreamId::new(Context::Support, p, AggregateId::new("m:10").expect("id"));
        let (ka, kb) = (stream_key(&a), stream_key(&b));
        assert!(!kb.starts_with(&ka));
        assert!(
            index_key(&ka, u64::MAX) < index_key(&kb, 0)
                || index_key(&kb, u64::MAX) < index_key(&ka, 0)
        );
        assert_eq!(index_version(&index_key(&ka, 42)), 42);
    }

    #[test]
    fn log_keys_sort_before_every_tagged_key() {
        let last = (POSITION_LIMIT - 1).to_be_bytes();
        assert!(last.as_slice() < [STREAM_TAG].as_slice());
        assert!(last.as_slice() < LAYOUT_KEY);
        assert!(last.as_slice() < RAW_KEY);
        assert_eq!(log_range(1, u64::MAX), 1u64.to_be_bytes()..=last);
    }

    #[test]
    fn a_new_database_gets_the_layout_marker() {
        let db = temporary_db();
        let log = SledLog::open_db(db.clone()).expect("a new database opens");
        drop(log);
        let tree = db.open_tree(LOG_TREE).expect("log tree");
        assert_eq!(
            tree.get(LAYOUT_KEY).expect("read marker").as_deref(),
            Some(LAYOUT)
        );
        // And a database carrying it opens again.
        SledLog::open_db(db).expect("a marked database opens");
    }

    #[test]
    fn layout_1_is_refused() {
        let db = temporary_db();
        let log = db.open_tree(LOG_TREE).expect("log tree");
        log.insert(1u64.to_be_bytes(), &b"old commit"[..])
            .expect("insert");
        db.open_tree("synergy.stream_head").expect("old tree");
        let err = SledLog::open_db(db).expect_err("layout 1 must be refused");
        assert!(matches!(err, OpenError::Layout { .. }), "{err}");
        assert!(err.to_string().contains("layout 1"), "{err}");
    }

    /// The markers of layouts 2, 3 and 4, never released: refused like any other.
    const LAYOUT_4: &[u8] = b"synergy-eventlog sled layout 4";
    const LAYOUT_3: &[u8] = b"synergy-eventlog sled layout 3";
    const LAYOUT_2: &[u8] = b"synergy-eventlog sled layout 2";
    /// Layout 2's list of the last batch's `c` and `s` keys.
    const LAYOUT_2_PENDING_KEY: &[u8] = b"meta:pending";

    #[test]
    fn layouts_3_and_4_are_refused() {
        for (marker, layout) in [(LAYOUT_3, "layout 3"), (LAYOUT_4, "layout 4")] {
            let db = temporary_db();
            let s = test_stream();
            let tree = db.open_tree(LOG_TREE).expect("log tree");
            tree.insert(LAYOUT_KEY, marker).expect("marker");
            let first = test_commit(&s);
            let (a1, bytes) = stored(&first, 1, 0);
            let c1 = commit_id_key(first.commit_id);
            tree.insert(c1, &encode_appended(&a1)[..]).expect("c");
            tree.insert(1u64.to_be_bytes(), bytes).expect("log record");
            tree.insert(index_key(&stream_key(&s), 1), &1u64.to_be_bytes()[..])
                .expect("s");

            let err = SledLog::open_db(db).expect_err("an older layout must be refused");
            assert!(matches!(err, OpenError::Layout { .. }), "{err}");
            assert!(err.to_string().contains(layout), "{err}");
            // Refusing it changes nothing.
            assert_eq!(tree.get(LAYOUT_KEY).expect("get").as_deref(), Some(marker));
            assert!(tree.get(c1).expect("get").is_some(), "c entries are kept");
        }
    }

    #[test]
    fn layout_2_is_refused() {
        let db = temporary_db();
        let s = test_stream();
        let tree = db.open_tree(LOG_TREE).expect("log tree");
        tree.insert(LAYOUT_KEY, LAYOUT_2).expect("marker");
        // Layout 2: the first commit complete, the second lost after its entries.
        let first = test_commit(&s);
        let (a1, bytes) = stored(&first, 1, 0);
        let (c1, s1) = (
            commit_id_key(first.commit_id),
            index_key(&stream_key(&s), 1),
        );
        let lost = test_commit(&s);
        let (a2, _) = stored(&lost, 2, 1);
        let (c2, s2) = (commit_id_key(lost.commit_id), index_key(&stream_key(&s), 2));
        let mut pending = Vec::new();
        for key in [&c2[..], &s2[..]] {
            pending.extend_from_slice(&(key.len() as u32).to_be_bytes());
            pending.extend_from_slice(key);
        }
        tree.insert(&c1[..], &encode_appended(&a1)[..]).expect("c1");
        tree.insert(&s1[..], &1u64.to_be_bytes()[..]).expect("s1");
        tree.insert(1u64.to_be_bytes(), bytes).expect("log 1");
        tree.insert(LAYOUT_2_PENDING_KEY, pending).expect("pending");
        tree.insert(&c2[..], &encode_appended(&a2)[..]).expect("c2");
        tree.insert(&s2[..], &2u64.to_be_bytes()[..]).expect("s2");

        let err = SledLog::open_db(db).expect_err("layout 2 must be refused");
        assert!(matches!(err, OpenError::Layout { .. }), "{err}");
        assert!(err.to_string().contains("layout 2"), "{err}");
        // Refusing it changes nothing: no repair, no entry dropped.
        assert_eq!(
            tree.get(LAYOUT_KEY).expect("get").as_deref(),
            Some(LAYOUT_2)
        );
        assert!(tree.get(LAYOUT_2_PENDING_KEY).expect("get").is_some());
        for key in [&c1[..], &c2[..], &s2[..]] {
            assert!(tree.get(key).expect("get").is_some());
        }
    }

    #[test]
    fn another_marker_or_no_marker_is_refused() {
        let db = temporary_db();
        let tree = db.open_tree(LOG_TREE).expect("log tree");
        tree.insert(LAYOUT_KEY, &b"synergy-eventlog sled layout 9"[..])
            .expect("insert");
        let err = SledLog::open_db(db).expect_err("another layout must be refused");
        assert!(err.to_string().contains("layout 9"), "{err}");

        let db = temporary_db();
        let tree = db.open_tree(LOG_TREE).expect("log tree");
        tree.insert(1u64.to_be_bytes(), &b"unmarked"[..])
            .expect("insert");
        let err = SledLog::open_db(db).expect_err("an unmarked log must be refused");
        assert!(err.to_string().contains("no layout marker"), "{err}");
    }
}
