//! The scheduler through the ordinary executor path, embedded: what it issues as the
//! clock moves, and that nothing is issued twice across a restart, a rebuild of the read
//! models from 0 and two replicas on one log (the events are counted).

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::*;
use synergy_eventlog::{EventLog, Filter, SledLog};
use synergy_proto::events::EvaluationEvent;
use synergy_proto::*;
use synergy_runtime::projection::ProjectionStore;
use synergy_runtime::{Api, Local, ManualClock, Request, schedule};

fn at(instant: &str) -> Timestamp {
    instant.parse().unwrap()
}

/// Every `ReportIssued` in the log: (kind, period, version) → how many times, and who.
async fn issued(log: &SledLog) -> BTreeMap<(String, String, u32), (usize, String)> {
    let mut out: BTreeMap<(String, String, u32), (usize, String)> = BTreeMap::new();
    for stored in log.read_matching(Filter::ALL).await.unwrap() {
        for e in &stored.commit.events {
            if let Event::Evaluation(EvaluationEvent::ReportIssued {
                kind,
                period,
                version,
                ..
            }) = &e.event
            {
                let entry = out
                    .entry((kind.as_str().to_owned(), period.to_string(), *version))
                    .or_insert((0, stored.commit.actor.user.clone()));
                entry.0 += 1;
            }
        }
    }
    out
}

fn keys(issued: &BTreeMap<(String, String, u32), (usize, String)>) -> Vec<String> {
    issued
        .keys()
        .map(|(k, p, v)| format!("{k} {p} v{v}"))
        .collect()
}

/// Signed 2007-12-18 and one SKU, recorded at the clock's instant.
async fn world(dir: &std::path::Path, clock: Arc<ManualClock>) -> (Local<SledLog>, PartnershipId) {
    let api = Local::open_embedded(dir, clock).unwrap();
    let p = PartnershipId::new("hongyun-changzhi").unwrap();
    for (who, command) in [(operator(), sign(&p)), (manufacturer(), catalogue(&p))] {
        api.execute(Request::new(who, command)).await.unwrap();
    }
    (api, p)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clock_issues_a_month_at_its_end_and_a_quarter_at_its_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(at("2008-05-31T04:00:00Z")));
    let (api, p) = world(dir.path(), Arc::clone(&clock)).await;

    schedule::tick(&api).await.unwrap();
    assert!(
        issued(api.log()).await.is_empty(),
        "nothing has ended with data"
    );

    // Midnight of 1 June in Shanghai: May's data may be sent, and is issued at once.
    clock.set(at("2008-05-31T16:00:00Z"));
    schedule::tick(&api).await.unwrap();
    assert!(issued(api.log()).await.is_empty(), "no data yet");
    api.execute(Request::new(distributor(), may(&p, "1200", None)))
        .await
        .unwrap();
    schedule::tick(&api).await.unwrap();
    assert_eq!(
        keys(&issued(api.log()).await),
        ["brand 2008-05 v1", "market 2008-05 v1"]
    );

    // April and June never arrive: Q2 and H1 wait for the deadline after June, then go.
    clock.set(at("2008-07-10T04:00:00Z"));
    schedule::tick(&api).await.unwrap();
    assert_eq!(issued(api.log()).await.len(), 2);
    clock.set(at("2008-07-11T04:00:00Z"));
    schedule::tick(&api).await.unwrap();
    assert_eq!(
        keys(&issued(api.log()).await),
        [
            "brand 2008-05 v1",
            "brand 2008-H1 v1",
            "brand 2008-Q2 v1",
            "market 2008-05 v1",
            "market 2008-H1 v1",
            "market 2008-Q2 v1"
        ]
    );

    // A correction of May restates every period holding it, once.
    api.execute(Request::new(
        distributor(),
        may(&p, "1300", Some("keyed wrong")),
    ))
    .await
    .unwrap();
    schedule::tick(&api).await.unwrap();
    schedule::tick(&api).await.unwrap();
    let all = issued(api.log()).await;
    assert_eq!(all.len(), 12, "{:?}", keys(&all));
    for (key, (count, who)) in &all {
        assert_eq!((*count, who.as_str()), (1, schedule::SCHEDULER), "{key:?}");
    }
    assert!(all.contains_key(&("market".into(), "2008-Q2".into(), 2)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_a_rebuild_and_two_replicas_issue_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(at("2008-05-31T04:00:00Z")));
    let (api, p) = world(dir.path(), Arc::clone(&clock)).await;
    clock.set(at("2008-06-05T04:00:00Z"));
    api.execute(Request::new(distributor(), may(&p, "1200", None)))
        .await
        .unwrap();
    clock.set(at("2009-02-01T04:00:00Z"));
    schedule::tick(&api).await.unwrap();
    let first = issued(api.log()).await;
    // May, Q2, H1 and 2008 of market and brand.
    assert_eq!(first.len(), 8, "{:?}", keys(&first));

    // A restart: the same data directory opened again.
    drop(api);
    let api = Local::open_embedded(dir.path(), Arc::clone(&clock) as _).unwrap();
    schedule::tick(&api).await.unwrap();
    assert_eq!(issued(api.log()).await, first);

    // A rebuild of the read models from position 0.
    api.views().reset().unwrap();
    schedule::tick(&api).await.unwrap();
    assert_eq!(issued(api.log()).await, first);

    // A correction, then two replicas with read models of their own on the one log, each
    // ticking at once, several times.
    api.execute(Request::new(
        distributor(),
        may(&p, "1300", Some("recount")),
    ))
    .await
    .unwrap();
    let other = Local::new(
        Arc::clone(api.log()),
        Arc::new(ProjectionStore::temporary().unwrap()),
        Arc::clone(&clock) as _,
    );
    let mut tasks = Vec::new();
    for replica in [api.clone(), other.clone(), api.clone(), other] {
        tasks.push(tokio::spawn(async move { schedule::tick(&replica).await }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let after = issued(api.log()).await;
    assert_eq!(after.len(), 16, "{:?}", keys(&after));
    assert!(after.values().all(|(count, _)| *count == 1), "{after:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partnership_with_nothing_new_is_passed_over_until_its_model_or_its_day_changes() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(at("2008-06-05T04:00:00Z")));
    let (api, p) = world(dir.path(), Arc::clone(&clock)).await;
    api.execute(Request::new(distributor(), may(&p, "1200", None)))
        .await
        .unwrap();
    clock.set(at("2009-02-01T04:00:00Z"));
    let mut scheduler = schedule::Scheduler::default();

    let first = scheduler.tick(&api).await.unwrap();
    assert_eq!((first.decided, first.outcomes.len()), (1, 8));
    // What it issued changed the model: decided on once more, nothing due.
    let second = scheduler.tick(&api).await.unwrap();
    assert_eq!((second.decided, second.outcomes.len()), (1, 0));
    let idle = scheduler.tick(&api).await.unwrap();
    assert_eq!((idle.decided, idle.passed_over), (0, 1));

    // Later the same day in Shanghai (UTC+8): still nothing new. The next day there: decided.
    clock.set(at("2009-02-01T15:00:00Z"));
    assert_eq!(scheduler.tick(&api).await.unwrap().passed_over, 1);
    clock.set(at("2009-02-01T16:00:00Z"));
    let next_day = scheduler.tick(&api).await.unwrap();
    assert_eq!((next_day.decided, next_day.outcomes.len()), (1, 0));

    // A correction is something new: every period holding May restated, once.
    api.execute(Request::new(
        distributor(),
        may(&p, "1300", Some("recount")),
    ))
    .await
    .unwrap();
    let restated = scheduler.tick(&api).await.unwrap();
    assert_eq!((restated.decided, restated.outcomes.len()), (1, 8));
    let all = issued(api.log()).await;
    assert_eq!(all.len(), 16, "{:?}", keys(&all));
    assert!(all.values().all(|(count, _)| *count == 1), "{all:?}");
}
