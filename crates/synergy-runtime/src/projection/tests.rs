use synergy_evaluation::model::PartnershipInfo;
use synergy_proto::OrgId;

use super::store::*;
use super::*;

fn partnership() -> PartnershipId {
    PartnershipId::new("hongyun-changzhi").unwrap()
}

/// A model whose postcard bytes grow with `rulebooks`.
fn model(rulebooks: usize) -> PartnershipModel {
    let mut m = PartnershipModel::new(partnership());
    m.info = Some(PartnershipInfo {
        manufacturer: OrgId::new("hongyun").unwrap(),
        distributor: OrgId::new("changzhi").unwrap(),
        region: "Changzhi".into(),
        signed_on: "2007-12-18".parse().unwrap(),
        terminated_on: None,
        rulebooks: (0..rulebooks)
            .map(|i| format!("rulebook {i:04} {}", "x".repeat(90)))
            .collect(),
        time_zone: synergy_proto::TimeZone::default(),
    });
    m
}

fn store_model(store: &ProjectionStore, m: &PartnershipModel, position: u64) {
    let mut unstored = store.writer();
    unstored.models.insert(m.partnership.clone(), m.clone());
    unstored.position = Some(Position(position));
    store.store_locked(&mut unstored).unwrap();
}

fn pieces(store: &ProjectionStore) -> usize {
    stored_keys(store).len()
}

fn stored_keys(store: &ProjectionStore) -> Vec<sled::IVec> {
    let models = store.trees().unwrap().models;
    let keys = models.scan_prefix(model_prefix(&partnership())).keys();
    keys.map(Result::unwrap).collect()
}

#[test]
fn a_model_is_stored_in_pieces_and_shrinks_without_leftovers() {
    let dir = tempfile::tempdir().unwrap();
    let big = model(200);
    let len = postcard::to_allocvec(&big).unwrap().len();
    assert!(
        len > 4 * MODEL_CHUNK,
        "the model spans several pieces ({len} bytes)"
    );
    {
        let store = ProjectionStore::open(dir.path()).unwrap();
        store_model(&store, &big, 7);
        // The rulebooks are in the scalars entry, cut into pieces like the whole model.
        assert!(
            pieces(&store) >= len / MODEL_CHUNK,
            "{} pieces",
            pieces(&store)
        );
        store.flush().unwrap();
    }
    let store = ProjectionStore::open(dir.path()).unwrap();
    assert_eq!(store.position(), Position(7));
    assert_eq!(*store.model(&partnership()).unwrap().unwrap(), big);
    assert_eq!(store.partnerships().unwrap(), vec![partnership()]);

    let small = model(1);
    store_model(&store, &small, 8);
    assert_eq!(
        pieces(&store),
        1,
        "the longer model's later pieces are gone"
    );
    assert_eq!(store.load(&partnership()).unwrap().unwrap(), small);
}

/// A store replaces a model's pieces in one atomic batch; a read beside it must never
/// mix two versions' pieces (which once failed a NATS bench with "unreadable").
#[test]
fn a_read_beside_a_store_sees_one_version_of_the_model() {
    let store = std::sync::Arc::new(ProjectionStore::temporary().unwrap());
    let (a, b) = (model(200), model(150));
    store_model(&store, &a, 1);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (store, stop, a, b) = (store.clone(), stop.clone(), a.clone(), b.clone());
        std::thread::spawn(move || {
            let mut reads = 0usize;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let read = store.load(&partnership()).unwrap().unwrap();
                assert!(read == a || read == b, "a model mixed of two versions");
                reads += 1;
            }
            reads
        })
    };
    for position in 2..400 {
        store_model(&store, if position % 2 == 0 { &b } else { &a }, position);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(reader.join().unwrap() > 0);
}

#[test]
fn a_missing_piece_is_reported_not_misread() {
    let store = ProjectionStore::temporary().unwrap();
    store_model(&store, &model(200), 3);
    let middle = stored_keys(&store)[2].clone();
    store.trees().unwrap().models.remove(middle).unwrap();
    let err = store.load(&partnership()).unwrap_err();
    assert!(
        matches!(err, ProjectionError::Model { .. }),
        "unexpected error {err}"
    );
}

fn item(title: &str) -> synergy_evaluation::model::ActionItemState {
    let on = "2008-03-01".parse().unwrap();
    synergy_evaluation::model::ActionItemState {
        title: title.into(),
        owner: synergy_proto::Side::Distributor,
        raised_on: on,
        meeting: None,
        timeline: Vec::new(),
    }
}

fn item_id(n: usize) -> synergy_proto::ActionItemId {
    synergy_proto::ActionItemId::new(format!("item-{n:05}")).unwrap()
}

/// Given a stored model of 2,000 action items, when one changes and one is removed, the
/// store writes the changed item and deletes the removed one, and rewrites no other: an
/// entry altered behind the store's back (item 9 given item 10's bytes) stays altered.
#[test]
fn a_store_writes_only_the_entries_that_changed() {
    let store = ProjectionStore::temporary().unwrap();
    let mut m = model(1);
    for n in 0..2_000 {
        m.action_items
            .insert(item_id(n), item(&format!("open {n}")));
    }
    store_model(&store, &m, 1);
    assert_eq!(pieces(&store), 2_001, "one entry per item and the scalars");
    let models = store.trees().unwrap().models;
    let key = |n: usize| {
        let id = postcard::to_allocvec(&item_id(n)).unwrap();
        piece_key(&entry_key_prefix(&partnership(), 11, &id).unwrap(), 0)
    };
    let tenth = models.get(key(10)).unwrap().unwrap();
    models.insert(key(9), tenth).unwrap();

    let mut m = PartnershipModel::clone(&store.model(&partnership()).unwrap().unwrap());
    m.action_items.get_mut(&item_id(7)).unwrap().title = "renamed".into();
    m.action_items.remove(&item_id(8));
    store_model(&store, &m, 2);
    assert_eq!(pieces(&store), 2_000);
    let read = store.load(&partnership()).unwrap().unwrap();
    assert_eq!(read.action_items[&item_id(7)].title, "renamed");
    assert!(!read.action_items.contains_key(&item_id(8)));
    assert_eq!(
        read.action_items[&item_id(9)].title,
        "open 10",
        "item 9 was not written again"
    );
}

/// Given a cache of 3 models, when 10 partnerships' models are stored and read, the
/// cache never holds more than 3, and every model reads back as stored.
#[test]
fn the_cache_holds_at_most_its_size_and_every_model_still_reads() {
    let store = ProjectionStore::temporary().unwrap();
    store.set_model_cache(NonZeroUsize::new(3).unwrap());
    let ids: Vec<PartnershipId> = (0..10)
        .map(|n| PartnershipId::new(format!("hongyun-region-{n}")).unwrap())
        .collect();
    let models: Vec<PartnershipModel> = ids
        .iter()
        .enumerate()
        .map(|(n, id)| {
            let mut m = PartnershipModel::new(id.clone());
            m.action_items.insert(item_id(n), item(&format!("of {id}")));
            m
        })
        .collect();
    for (n, m) in models.iter().enumerate() {
        store_model(&store, m, n as u64 + 1);
        assert!(store.cached_models() <= 3);
    }
    for _ in 0..2 {
        for (id, m) in ids.iter().zip(&models) {
            assert_eq!(*store.model(id).unwrap().unwrap(), *m);
            assert!(store.cached_models() <= 3);
        }
    }
    assert_eq!(store.cached_models(), 3);
    assert_eq!(store.partnerships().unwrap(), ids);
}

/// Given a store of the layout before 9 (position in the meta tree, quarantined records
/// in a tree of their own), when it is opened, it starts over from position 0 with no
/// model and no quarantined record, instead of reading the old keys as new ones.
#[test]
fn a_store_of_the_layout_before_starts_over() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = sled::Config::new().path(dir.path()).open().unwrap();
        let meta = db.open_tree("evaluation/meta").unwrap();
        meta.insert(b"layout", &8u32.to_be_bytes()).unwrap();
        meta.insert(b"position", &7u64.to_be_bytes()).unwrap();
        let models = db.open_tree("evaluation/models").unwrap();
        models.insert(b"hongyun-changzhi\0x", b"old").unwrap();
        let quarantine = db.open_tree("evaluation/quarantine").unwrap();
        quarantine
            .insert(5u64.to_be_bytes(), b"-\nold".as_slice())
            .unwrap();
        db.flush().unwrap();
    }
    let store = ProjectionStore::open(dir.path()).unwrap();
    assert_eq!(store.position(), Position::START);
    assert!(store.partnerships().unwrap().is_empty());
    assert_eq!(store.quarantined_count(), 0);
    let trees = store.trees().unwrap();
    assert!(
        !trees
            .db
            .tree_names()
            .contains(&sled::IVec::from("evaluation/quarantine")),
        "the old tree is dropped"
    );
    store_model(&store, &model(1), 3);
    drop((trees, store));
    let store = ProjectionStore::open(dir.path()).unwrap();
    assert_eq!(store.position(), Position(3), "layout 9 is kept on reopen");
    assert_eq!(store.partnerships().unwrap(), [partnership()]);
}
