use synergy_evaluation::model::PartnershipInfo;
use synergy_proto::OrgId;

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
    unstored.models.insert(partnership(), m.clone());
    unstored.position = Some(Position(position));
    store.store_locked(&mut unstored).unwrap();
}

fn pieces(store: &ProjectionStore) -> usize {
    let mut prefix = partnership().as_str().as_bytes().to_vec();
    prefix.push(0);
    store.trees().unwrap().models.scan_prefix(prefix).count()
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
        assert_eq!(pieces(&store), len.div_ceil(MODEL_CHUNK));
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

/// A store replaces a model's pieces in one transaction; a read beside it must never
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
    store
        .trees()
        .unwrap()
        .models
        .remove(chunk_key(&partnership(), 2))
        .unwrap();
    let err = store.load(&partnership()).unwrap_err();
    assert!(
        matches!(err, ProjectionError::Model { .. }),
        "unexpected error {err}"
    );
}
