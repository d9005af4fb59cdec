//! The read-model store: models and position move together, a reopened store resumes
//! where it stopped, and a commit is never folded twice.

use std::sync::Arc;
use std::time::Duration;

use synergy_domain::Principal;
use synergy_eventlog::{EventLog, Filter, Position, SledLog, StoredCommit};
use synergy_proto::*;
use synergy_runtime::projection::{self, ProjectionStore};
use synergy_runtime::{AnyCommand, Executor, ManualClock, Request};

fn org(s: &str) -> OrgId {
    OrgId::new(s).unwrap()
}

async fn adopt_rulebooks(exec: &Executor<SledLog>, p: &PartnershipId, from: usize, n: usize) {
    let admin = Principal::new(org("hongyun"), Role::Admin, "ops");
    for i in from..from + n {
        let cmd = AnyCommand::Strategy(synergy_strategy::Command::AdoptRulebook {
            partnership: p.clone(),
            title: format!("rulebook {i}"),
            adopted_on: "2008-01-10".parse().unwrap(),
        });
        exec.execute(Request::new(admin.clone(), cmd))
            .await
            .unwrap();
    }
}

/// The first `n` commits of the log, read through a subscription.
async fn first_commits(log: &SledLog, n: usize) -> Vec<StoredCommit> {
    use futures::StreamExt;
    log.subscribe(Position::START, Filter::ALL)
        .take(n)
        .map(Result::unwrap)
        .collect()
        .await
}

async fn setup(dir: &std::path::Path) -> (Arc<SledLog>, Executor<SledLog>, PartnershipId) {
    let log = Arc::new(SledLog::open(dir.join("log")).unwrap());
    let clock = Arc::new(ManualClock::new(
        "2008-06-05".parse::<Date>().unwrap().start(),
    ));
    let exec = Executor::new(Arc::clone(&log), clock);
    let p = PartnershipId::new("hongyun-changzhi").unwrap();
    let sign = AnyCommand::Strategy(synergy_strategy::Command::SignPartnership {
        partnership: p.clone(),
        manufacturer: org("hongyun"),
        distributor: org("changzhi"),
        region: "Changzhi".into(),
        signed_on: "2007-12-18".parse().unwrap(),
    });
    exec.execute(Request::new(
        Principal::new(org("changzhi"), Role::Admin, "operator"),
        sign,
    ))
    .await
    .unwrap();
    (log, exec, p)
}

#[tokio::test]
async fn catch_up_folds_everything_once_and_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let (log, exec, p) = setup(dir.path()).await;
    adopt_rulebooks(&exec, &p, 0, 4).await;
    let head = log.head().await.unwrap();
    assert_eq!(head, Position(5));

    let views = dir.path().join("views");
    {
        let store = ProjectionStore::open(&views).unwrap();
        assert_eq!(projection::catch_up(&*log, &store).await.unwrap(), head);
        let model = store
            .model(&p)
            .unwrap()
            .expect("a model for the partnership");
        assert!(model.info.is_some(), "the signing was folded");
        // Folding the same commits again changes nothing: they are at or before the position.
        let all = first_commits(&log, 5).await;
        let before = postcard::to_allocvec(&*model).unwrap();
        store.apply(&all).unwrap();
        let after = postcard::to_allocvec(&*store.model(&p).unwrap().unwrap()).unwrap();
        assert_eq!(before, after);
        store.flush().unwrap();
    }
    adopt_rulebooks(&exec, &p, 4, 2).await;
    let store = ProjectionStore::open(&views).unwrap();
    assert_eq!(store.position(), head, "the position survived the reopen");
    assert_eq!(
        projection::catch_up(&*log, &store).await.unwrap(),
        Position(7)
    );
    assert_eq!(store.partnerships().unwrap(), vec![p]);
}

#[tokio::test]
async fn the_background_consumer_follows_live_appends() {
    let dir = tempfile::tempdir().unwrap();
    let (log, exec, p) = setup(dir.path()).await;
    let store = Arc::new(ProjectionStore::temporary().unwrap());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let consumer = tokio::spawn(projection::run(
        Arc::clone(&log),
        Arc::clone(&store),
        stopped,
    ));
    adopt_rulebooks(&exec, &p, 0, 3).await;
    let head = log.head().await.unwrap();
    assert!(
        store.wait_for(head, Duration::from_secs(10)).await,
        "consumer caught up"
    );
    assert_eq!(store.position(), head);
    stop.send(true).unwrap();
    consumer.await.unwrap().unwrap();
}

#[tokio::test]
async fn deferred_folds_are_seen_only_once_stored() {
    let dir = tempfile::tempdir().unwrap();
    let (log, exec, p) = setup(dir.path()).await;
    adopt_rulebooks(&exec, &p, 0, 3).await;
    let all = first_commits(&log, 4).await;
    let rulebooks = |store: &ProjectionStore| {
        store
            .model(&p)
            .unwrap()
            .and_then(|m| m.info.as_ref().map(|i| i.rulebooks.len()))
    };
    let views = dir.path().join("views");
    {
        let store = ProjectionStore::open(&views).unwrap();
        store.apply(&all[..2]).unwrap();
        assert_eq!(
            (store.position(), rulebooks(&store)),
            (Position(2), Some(1))
        );

        store.fold(&all[2..], projection::Store::Deferred).unwrap();
        assert_eq!(
            (store.position(), rulebooks(&store)),
            (Position(2), Some(1)),
            "readers see the last store until the next one"
        );
        // Handed the same commits again, the store passes over what it folded already.
        store.fold(&all[1..], projection::Store::Deferred).unwrap();
        store.flush().unwrap();
    }
    // Reopened: what was folded and never stored is gone, and is folded again.
    let store = ProjectionStore::open(&views).unwrap();
    assert_eq!(
        (store.position(), rulebooks(&store)),
        (Position(2), Some(1))
    );
    store.fold(&all[2..], projection::Store::Deferred).unwrap();
    store.store().unwrap();
    assert_eq!(
        (store.position(), rulebooks(&store)),
        (Position(4), Some(3))
    );
    let reopened_bytes = postcard::to_allocvec(&*store.model(&p).unwrap().unwrap()).unwrap();

    // A catch-up from 0 on a fresh store ends on the same model.
    let fresh = ProjectionStore::temporary().unwrap();
    assert_eq!(
        projection::catch_up(&*log, &fresh).await.unwrap(),
        Position(4)
    );
    let caught_up_bytes = postcard::to_allocvec(&*fresh.model(&p).unwrap().unwrap()).unwrap();
    assert_eq!(reopened_bytes, caught_up_bytes);
}

/// A log whose head cannot be read (a server in the middle of a restart), while appends,
/// reads and subscriptions work.
struct NoHead(Arc<SledLog>);

#[async_trait::async_trait]
impl EventLog for NoHead {
    async fn append(
        &self,
        expected: synergy_eventlog::ExpectedVersion,
        commit: Commit,
    ) -> Result<synergy_eventlog::Appended, synergy_eventlog::AppendError> {
        self.0.append(expected, commit).await
    }

    async fn load_aggregate(
        &self,
        stream: &StreamId,
        from_version: u64,
    ) -> Result<synergy_eventlog::Aggregate, synergy_eventlog::ReadError> {
        self.0.load_aggregate(stream, from_version).await
    }

    fn subscribe(&self, after: Position, filter: Filter) -> synergy_eventlog::Subscription {
        self.0.subscribe(after, filter)
    }

    async fn head(&self) -> Result<Position, synergy_eventlog::ReadError> {
        Err(synergy_eventlog::ReadError::Unavailable {
            reason: "the server is restarting".into(),
        })
    }
}

#[tokio::test]
async fn the_consumer_follows_the_log_when_its_head_cannot_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let (log, exec, p) = setup(dir.path()).await;
    adopt_rulebooks(&exec, &p, 0, 2).await;
    let head = log.head().await.unwrap();
    let store = Arc::new(ProjectionStore::temporary().unwrap());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let consumer = tokio::spawn(projection::run(
        Arc::new(NoHead(Arc::clone(&log))),
        Arc::clone(&store),
        stopped,
    ));
    assert!(
        store.wait_for(head, Duration::from_secs(10)).await,
        "the consumer folded the log without knowing its head"
    );
    stop.send(true).unwrap();
    consumer.await.unwrap().unwrap();
}

/// A record that does not decode, here the last of the partnership's own stream, is
/// quarantined: the consumer (catching up and following live) passes over it, keeps it
/// with its position and subject across a reopen, and commands on that stream go on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poison_record_is_quarantined_and_stops_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (log, exec, p) = setup(dir.path()).await;
    adopt_rulebooks(&exec, &p, 0, 1).await;
    let stream = synergy_strategy::stream_for(&p);
    let poison = log
        .inject_raw_record(&stream, b"\x00not a commit".to_vec())
        .await
        .unwrap();
    // Commands on the stream that now ends with it are decided and recorded.
    adopt_rulebooks(&exec, &p, 1, 1).await;
    let head = log.head().await.unwrap();
    assert_eq!(head, Position(poison.get() + 1));

    let path = dir.path().join("views");
    {
        let store = ProjectionStore::open(&path).unwrap();
        assert_eq!(projection::catch_up(&*log, &store).await.unwrap(), head);
        let quarantined = store.quarantined().unwrap();
        assert_eq!(quarantined.len(), 1);
        assert_eq!(quarantined[0].position, poison);
        assert!(quarantined[0].reason.contains("magic"), "{quarantined:?}");
        // Both rulebooks are folded, the poison between them is not.
        let model = store.model(&p).unwrap().unwrap();
        let info = model.info.as_ref().expect("the partnership is folded");
        assert_eq!(info.rulebooks, ["rulebook 0", "rulebook 1"]);
    }
    // Reopened, the store still lists it; a live consumer passes over a new one too.
    let store = Arc::new(ProjectionStore::open(&path).unwrap());
    assert_eq!(store.quarantined_count(), 1);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let consumer = tokio::spawn(projection::run(
        Arc::clone(&log),
        Arc::clone(&store),
        stopped,
    ));
    let second = log
        .inject_raw_record(&stream, b"\x00another".to_vec())
        .await
        .unwrap();
    adopt_rulebooks(&exec, &p, 2, 1).await;
    let head = log.head().await.unwrap();
    assert!(
        store.wait_for(head, Duration::from_secs(30)).await,
        "the live consumer stopped at the poison record"
    );
    assert_eq!(
        store
            .quarantined()
            .unwrap()
            .iter()
            .map(|q| q.position)
            .collect::<Vec<_>>(),
        [poison, second]
    );
    stop.send(true).unwrap();
    consumer.await.unwrap().unwrap();
}

/// Given the Changzhi scenario and a copy of it for a second partnership, interleaved,
/// when every commit is stored on its own through a cache of one model (so each fold
/// reads its model back from the entries the last store left), then both models read
/// back exactly as folded whole in memory, and the cache never held more than one.
#[test]
fn models_stored_by_entry_through_a_cache_of_one_read_back_as_folded_whole() {
    let store = ProjectionStore::temporary().unwrap();
    store.set_model_cache(std::num::NonZeroUsize::MIN);
    let changzhi = PartnershipId::new(synergy_changzhi::PARTNERSHIP).unwrap();
    let copy = PartnershipId::new("hongyun-changzhi-copy").unwrap();
    let mut whole = [
        synergy_evaluation::model::PartnershipModel::new(changzhi.clone()),
        synergy_evaluation::model::PartnershipModel::new(copy.clone()),
    ];
    let mut position = 0;
    for commit in synergy_changzhi::commits() {
        let mut copied = commit.clone();
        copied.stream.partnership = copy.clone();
        for (model, commit) in whole.iter_mut().zip([commit, copied]) {
            model.apply(&commit);
            position += 1;
            store
                .apply(&[StoredCommit {
                    position: Position(position),
                    commit,
                }])
                .unwrap();
            assert!(store.cached_models() <= 1);
        }
    }
    assert!(whole[0].months.len() >= 6 && !whole[0].action_items.is_empty());
    for model in &whole {
        let read = store.model(&model.partnership).unwrap().unwrap();
        assert_eq!(*read, *model, "{} reads back as folded", model.partnership);
    }
    assert_eq!(store.partnerships().unwrap(), [changzhi, copy]);
}

/// Given the Changzhi scenario and a copy of it, interleaved, when the first half is
/// caught up on into an empty store (folded with storing deferred and stored once: the
/// models are new, so the store reads nothing of them) and the store is reopened, then
/// both models read back exactly as folded whole; and when the second half is stored
/// commit by commit through a cache of one (each store replacing entries stored before),
/// they still read back as folded whole, after another reopen too.
#[test]
fn a_rebuild_into_an_empty_store_reads_back_as_folded_and_later_stores_replace_it() {
    let dir = tempfile::tempdir().unwrap();
    let changzhi = PartnershipId::new(synergy_changzhi::PARTNERSHIP).unwrap();
    let copy = PartnershipId::new("hongyun-changzhi-copy").unwrap();
    let mut whole = [
        synergy_evaluation::model::PartnershipModel::new(changzhi.clone()),
        synergy_evaluation::model::PartnershipModel::new(copy.clone()),
    ];
    let mut stored = Vec::new();
    for commit in synergy_changzhi::commits() {
        let mut copied = commit.clone();
        copied.stream.partnership = copy.clone();
        for commit in [commit, copied] {
            stored.push(StoredCommit {
                position: Position(stored.len() as u64 + 1),
                commit,
            });
        }
    }
    let (first, second) = stored.split_at(stored.len() / 2);
    let fold = |whole: &mut [synergy_evaluation::model::PartnershipModel; 2],
                commits: &[StoredCommit]| {
        for c in commits {
            let i = usize::from(c.commit.stream.partnership != changzhi);
            whole[i].apply(&c.commit);
        }
    };
    let reads_as_folded =
        |store: &ProjectionStore, whole: &[synergy_evaluation::model::PartnershipModel; 2]| {
            for model in whole {
                let read = store.model(&model.partnership).unwrap().unwrap();
                assert_eq!(*read, *model, "{} reads back as folded", model.partnership);
            }
            assert_eq!(
                store.partnerships().unwrap(),
                [changzhi.clone(), copy.clone()]
            );
        };

    {
        let store = ProjectionStore::open(dir.path()).unwrap();
        store.fold(first, projection::Store::Deferred).unwrap();
        assert_eq!(store.position(), Position::START, "nothing stored yet");
        store.store().unwrap();
        assert_eq!(store.position(), first.last().unwrap().position);
    }
    fold(&mut whole, first);
    let store = ProjectionStore::open(dir.path()).unwrap();
    assert_eq!(store.position(), first.last().unwrap().position);
    reads_as_folded(&store, &whole);

    store.set_model_cache(std::num::NonZeroUsize::MIN);
    for c in second {
        store.apply(std::slice::from_ref(c)).unwrap();
    }
    fold(&mut whole, second);
    reads_as_folded(&store, &whole);
    drop(store);
    let store = ProjectionStore::open(dir.path()).unwrap();
    assert_eq!(store.position(), second.last().unwrap().position);
    reads_as_folded(&store, &whole);
}
