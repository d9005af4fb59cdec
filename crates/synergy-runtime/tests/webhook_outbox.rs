//! The webhook outbox on a real sled log: one delivery per alert and webhook of its
//! partnership, none for another partnership's or before the registration, none after a
//! removal, and a restart (or a batch read again) enqueues nothing twice.

use std::sync::Arc;
use std::time::Duration;

use synergy_eventlog::{EventLog, ExpectedVersion, Position, SledLog};
use synergy_proto::events::evaluation::EvaluationEvent;
use synergy_proto::events::strategy::StrategyEvent;
use synergy_proto::{
    Actor, AggregateId, Commit, Event, OrgId, PartnershipId, RecordedEvent, Role, StreamId,
    Timestamp, Uuid,
};
use synergy_runtime::webhook::{Outbox, RetrySchedule, outbox};
use tokio::sync::watch;

fn p(id: &str) -> PartnershipId {
    PartnershipId::new(id).unwrap()
}

fn commit(partnership: &PartnershipId, aggregate: AggregateId, event: Event) -> Commit {
    Commit {
        commit_id: Uuid::now_v7(),
        stream: StreamId::new(event.context(), partnership.clone(), aggregate),
        first_version: 0,
        recorded_at: Timestamp::from_millis(0),
        actor: Actor {
            org: OrgId::new("operator").unwrap(),
            role: Role::Admin,
            user: "test".into(),
        },
        correlation_id: Uuid::now_v7(),
        causation_id: None,
        events: vec![RecordedEvent {
            event_id: Uuid::now_v7(),
            occurred_at: Timestamp::from_millis(0),
            event,
        }],
    }
}

fn alert(partnership: &PartnershipId) -> Commit {
    commit(
        partnership,
        AggregateId::compose("alerts", "2008-06"),
        Event::Evaluation(EvaluationEvent::DataReminder {
            month: "2008-06".parse().unwrap(),
            as_of: "2008-07-08".parse().unwrap(),
            due: "2008-07-10".parse().unwrap(),
        }),
    )
}

fn hook_event(partnership: &PartnershipId, event: StrategyEvent) -> Commit {
    commit(
        partnership,
        synergy_strategy::stream_for(partnership).aggregate,
        Event::Strategy(event),
    )
}

async fn append(log: &SledLog, c: Commit) -> Position {
    log.append(ExpectedVersion::Any, c).await.unwrap().position
}

/// Follows the log until the outbox has taken it in up to the head, then stops.
async fn take_in_all(log: &Arc<SledLog>, outbox: &Arc<Outbox>) {
    let head = log.head().await.unwrap();
    let (stop, stopped) = watch::channel(false);
    let follower = tokio::spawn(outbox::follow(log.clone(), outbox.clone(), stopped));
    assert!(outbox.wait_for(head, Duration::from_secs(10)).await);
    stop.send_replace(true);
    follower.await.unwrap().unwrap();
}

#[tokio::test]
async fn each_alert_is_owed_once_to_each_webhook_of_its_partnership_and_a_restart_adds_none() {
    let dir = tempfile::tempdir().unwrap();
    let log = Arc::new(SledLog::open(dir.path().join("log")).unwrap());
    let (p1, p2) = (p("p1"), p("p2"));
    let (a, b, other) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let register = |webhook, org: &str| StrategyEvent::WebhookRegistered {
        webhook,
        org: OrgId::new(org).unwrap(),
        url: "http://127.0.0.1:9/hook".into(),
    };
    // Given an alert before any registration, two webhooks on p1 and one on p2,
    append(&log, alert(&p1)).await;
    append(&log, hook_event(&p1, register(a, "hongyun"))).await;
    append(&log, hook_event(&p1, register(b, "changzhi"))).await;
    append(&log, hook_event(&p2, register(other, "hongyun"))).await;
    // when p1 raises two alerts and b is removed before the second,
    append(&log, alert(&p1)).await;
    append(
        &log,
        hook_event(&p1, StrategyEvent::WebhookRemoved { webhook: b }),
    )
    .await;
    append(&log, alert(&p1)).await;

    let outbox_dir = dir.path().join("outbox");
    let ob = Arc::new(Outbox::open(&outbox_dir).unwrap());
    take_in_all(&log, &ob).await;
    // then a is owed both, b the first only, p2's webhook nothing.
    let owed = |ob: &Outbox| {
        let mut owed: Vec<(Uuid, Uuid)> = ob
            .pending()
            .unwrap()
            .iter()
            .map(|d| (d.webhook, d.event))
            .collect();
        owed.sort();
        owed
    };
    let first = owed(&ob);
    assert_eq!(
        first.iter().filter(|(w, _)| *w == a).count(),
        2,
        "{first:?}"
    );
    assert_eq!(
        first.iter().filter(|(w, _)| *w == b).count(),
        1,
        "{first:?}"
    );
    assert_eq!(first.len(), 3);
    assert_eq!(ob.hook(b), None);
    assert!(ob.hook(a).is_some() && ob.hook(other).is_some());

    // A batch read again (a crash between the outbox's transaction and the log's next
    // read) enqueues nothing new.
    let all = log
        .read_matching(synergy_eventlog::Filter::ALL)
        .await
        .unwrap();
    assert_eq!(ob.take_in(&all, log.head().await.unwrap()).unwrap(), 0);

    // Reopened, it resumes after its position: nothing twice, and a new alert once.
    drop(ob);
    let ob = Arc::new(Outbox::open(&outbox_dir).unwrap());
    assert_eq!(owed(&ob), first);
    assert_eq!(ob.position(), log.head().await.unwrap());
    append(&log, alert(&p1)).await;
    take_in_all(&log, &ob).await;
    assert_eq!(owed(&ob).len(), 4);
}

#[test]
fn a_retry_schedule_doubles_up_to_its_ceiling_with_jitter_and_reads_as_written() {
    let s: RetrySchedule = "100ms,1s,5s".parse().unwrap();
    assert_eq!(
        s,
        RetrySchedule {
            first: Duration::from_millis(100),
            max: Duration::from_secs(1),
            give_up: Duration::from_secs(5),
        }
    );
    for _ in 0..100 {
        let w1 = s.wait_after(1);
        assert!(w1 >= Duration::from_millis(50) && w1 <= Duration::from_millis(100));
        let w3 = s.wait_after(3);
        assert!(w3 >= Duration::from_millis(200) && w3 <= Duration::from_millis(400));
        let w20 = s.wait_after(20);
        assert!(w20 >= Duration::from_millis(500) && w20 <= Duration::from_secs(1));
    }
    let default = RetrySchedule::default();
    assert_eq!(default.give_up, Duration::from_secs(24 * 3_600));
    for bad in ["1s,2s", "0s,1s,2s", "2s,1s,5s", "1x,2s,3s", "a,b,c"] {
        assert!(bad.parse::<RetrySchedule>().is_err(), "{bad}");
    }
}

/// The deliverer reads the outbox while the follower takes batches in, and treats a
/// delivery whose webhook it does not know as one removed since (it drops it). So a
/// delivery must never be visible before its webhook is: this once dropped deliveries
/// whenever the deliverer looked while the follower's fsync was under way, as on a loaded
/// CI machine.
#[tokio::test]
async fn a_pending_delivery_is_never_seen_before_its_webhook() {
    let dir = tempfile::tempdir().unwrap();
    let log = Arc::new(SledLog::open(dir.path().join("log")).unwrap());
    let ob = Arc::new(Outbox::open(dir.path().join("outbox")).unwrap());
    let p1 = p("p1");
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = {
        let (ob, stop) = (ob.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut unknown = 0usize;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                for d in ob.pending().unwrap() {
                    unknown += usize::from(ob.hook(d.webhook).is_none());
                }
            }
            unknown
        })
    };
    for _ in 0..100 {
        let register = StrategyEvent::WebhookRegistered {
            webhook: Uuid::now_v7(),
            org: OrgId::new("hongyun").unwrap(),
            url: "http://127.0.0.1:9/hook".into(),
        };
        append(&log, hook_event(&p1, register)).await;
        let head = append(&log, alert(&p1)).await;
        let batch: Vec<_> = log
            .read_matching(synergy_eventlog::Filter::ALL)
            .await
            .unwrap()
            .into_iter()
            .filter(|s| s.position > ob.position())
            .collect();
        ob.take_in(&batch, head).unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert_eq!(
        watcher.join().unwrap(),
        0,
        "deliveries seen without their webhook"
    );
    // Every alert is owed to every webhook registered before it: 100 + 99 + … + 1.
    assert_eq!(ob.pending().unwrap().len(), 100 * 101 / 2);
}
