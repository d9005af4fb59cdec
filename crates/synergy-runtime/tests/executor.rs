//! The executor over a real sled event log: routing, authorization through the domain,
//! idempotent retries, no-ops, and conflicts resolved by deciding again.

mod common;

use std::sync::Arc;

use common::*;
use synergy_domain::{ErrorKind, Principal};
use synergy_eventlog::{EventLog, SledLog};
use synergy_proto::*;
use synergy_runtime::{AnyCommand, ExecuteError, Executor, ManualClock, Request};

struct World {
    _dir: tempfile::TempDir,
    exec: Executor<SledLog>,
    clock: Arc<ManualClock>,
    p: PartnershipId,
}

fn at(date: &str) -> Timestamp {
    date.parse::<Date>().unwrap().start()
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let log = Arc::new(SledLog::open(dir.path().join("log")).unwrap());
    let clock = Arc::new(ManualClock::new(at("2008-06-05")));
    World {
        exec: Executor::new(log, clock.clone()),
        _dir: dir,
        clock,
        p: PartnershipId::new("hongyun-changzhi").unwrap(),
    }
}

#[tokio::test]
async fn commands_are_routed_decided_and_recorded() {
    let w = world();
    let signed = w
        .exec
        .execute(Request::new(operator(), sign(&w.p)))
        .await
        .unwrap();
    assert_eq!(signed.events, ["PartnershipSigned"]);
    assert_eq!(signed.version, 1);
    assert_eq!(signed.stream.aggregate.as_str(), "partnership");

    // The catalogue is the manufacturer's: the distributor is refused, nothing recorded.
    let head = w.exec.log().head().await.unwrap();
    let err = w
        .exec
        .execute(Request::new(distributor(), catalogue(&w.p)))
        .await
        .unwrap_err();
    let ExecuteError::Refused(e) = err else {
        panic!("expected a refusal, got {err}")
    };
    assert_eq!(e.kind, ErrorKind::Forbidden);
    assert_eq!(w.exec.log().head().await.unwrap(), head);

    let registered = w
        .exec
        .execute(Request::new(manufacturer(), catalogue(&w.p)))
        .await
        .unwrap();
    assert_eq!(registered.events, ["SkuRegistered"]);

    // Market data sees the catalogue and the partnership through the decision context.
    let first = w
        .exec
        .execute(Request::new(distributor(), may(&w.p, "1200.5", None)))
        .await
        .unwrap();
    assert_eq!(first.events, ["MarketDataSubmitted"]);
    // Identical data again: accepted, nothing recorded.
    let again = w
        .exec
        .execute(Request::new(distributor(), may(&w.p, "1200.5", None)))
        .await
        .unwrap();
    assert_eq!(again.position, None);
    assert!(again.events.is_empty());
    // Different data without a reason: refused naming the month.
    let err = w
        .exec
        .execute(Request::new(distributor(), may(&w.p, "1300", None)))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("2008-05"), "{err}");

    // The clock is the runtime's: a month that has not ended is refused.
    w.clock.set(at("2008-05-20"));
    let err = w
        .exec
        .execute(Request::new(distributor(), may(&w.p, "1300", None)))
        .await
        .unwrap_err();
    assert!(matches!(err, ExecuteError::Refused(_)), "{err}");
}

#[tokio::test]
async fn a_retry_with_the_same_key_is_recorded_once() {
    let w = world();
    w.exec
        .execute(Request::new(operator(), sign(&w.p)))
        .await
        .unwrap();
    let key = Uuid::now_v7();
    let adopt = AnyCommand::Strategy(synergy_strategy::Command::AdoptRulebook {
        partnership: w.p.clone(),
        title: "定期例會、高層互訪機制".into(),
        adopted_on: "2008-01-10".parse().unwrap(),
    });
    let first = w
        .exec
        .execute(Request::new(manufacturer(), adopt.clone()).with_key(key))
        .await
        .unwrap();
    let retry = w
        .exec
        .execute(Request::new(manufacturer(), adopt).with_key(key))
        .await
        .unwrap();
    assert!(!first.duplicate);
    assert!(retry.duplicate);
    assert_eq!(retry.position, first.position);
    assert_eq!(w.exec.log().head().await.unwrap(), first.position.unwrap());
}

#[tokio::test]
async fn concurrent_commands_on_one_aggregate_all_land_by_deciding_again() {
    let w = world();
    w.exec
        .execute(Request::new(operator(), sign(&w.p)))
        .await
        .unwrap();
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let exec = w.exec.clone();
            let cmd = AnyCommand::Strategy(synergy_strategy::Command::AdoptRulebook {
                partnership: w.p.clone(),
                title: format!("rulebook {i}"),
                adopted_on: "2008-01-10".parse().unwrap(),
            });
            tokio::spawn(async move { exec.execute(Request::new(manufacturer(), cmd)).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let stream = synergy_strategy::stream_for(&w.p);
    let commits = w.exec.log().read_aggregate(&stream, 1).await.unwrap();
    let versions: Vec<u64> = commits.iter().map(|c| c.commit.first_version).collect();
    assert_eq!(
        versions,
        (1..=7).collect::<Vec<_>>(),
        "no lost update, no gap"
    );
}

/// An idempotency key belongs to its caller: another organisation's command under the
/// same key (here on its own partnership, and long after any duplicate window) is a
/// command of its own, recorded; the caller's own reuse with another body is refused and
/// records nothing; its true retry is still answered as a duplicate.
#[tokio::test]
async fn idempotency_keys_are_scoped_to_their_caller() {
    let w = world();
    w.exec
        .execute(Request::new(operator(), sign(&w.p)))
        .await
        .unwrap();
    let other = PartnershipId::new("yunyan-taiyuan").unwrap();
    let other_distributor = Principal::new(org("taiyuan"), Role::Distributor, "analyst");
    w.exec
        .execute(Request::new(
            Principal::new(org("taiyuan"), Role::Admin, "operator"),
            signing(&other, "yunyan", "taiyuan", "Taiyuan", "2007-12-18"),
        ))
        .await
        .unwrap();
    let adopt = |p: &PartnershipId, title: &str| {
        AnyCommand::Strategy(synergy_strategy::Command::AdoptRulebook {
            partnership: p.clone(),
            title: title.into(),
            adopted_on: "2008-01-10".parse().unwrap(),
        })
    };
    let key = Uuid::now_v7();
    let first = w
        .exec
        .execute(Request::new(manufacturer(), adopt(&w.p, "例會機制")).with_key(key))
        .await
        .unwrap();
    assert!(!first.duplicate);
    // Long after the log's 2-minute duplicate window.
    w.clock.set(at("2008-06-20"));
    let theirs = w
        .exec
        .execute(Request::new(other_distributor, adopt(&other, "例會機制")).with_key(key))
        .await
        .unwrap();
    assert!(
        !theirs.duplicate,
        "another tenant's command was taken for a retry"
    );
    assert_eq!(theirs.events, ["RulebookAdopted"]);
    assert_ne!(theirs.position, first.position);
    // The other side of the same partnership is another caller too.
    let the_distributor = w
        .exec
        .execute(Request::new(distributor(), adopt(&w.p, "高層互訪")).with_key(key))
        .await
        .unwrap();
    assert!(!the_distributor.duplicate);
    // The caller's own key with another body on the same stream: refused, nothing stored.
    let head = w.exec.log().head().await.unwrap();
    let reused = w
        .exec
        .execute(Request::new(manufacturer(), adopt(&w.p, "另一個")).with_key(key))
        .await;
    assert!(
        matches!(reused, Err(ExecuteError::IdempotencyKeyReused { .. })),
        "{reused:?}"
    );
    assert_eq!(w.exec.log().head().await.unwrap(), head);
    // Its true retry is still the first command.
    let retry = w
        .exec
        .execute(Request::new(manufacturer(), adopt(&w.p, "例會機制")).with_key(key))
        .await
        .unwrap();
    assert!(retry.duplicate);
    assert_eq!(retry.position, first.position);
}

#[tokio::test]
async fn a_dry_run_decides_against_the_history_and_records_nothing() {
    let w = world();
    let exec = |principal, command| w.exec.execute(Request::new(principal, command));
    exec(operator(), sign(&w.p)).await.unwrap();

    // Against an empty catalogue the SKU is unknown: the dry run refuses as the import
    // would, from the recorded history.
    let head = w.exec.log().head().await.unwrap();
    let err = w
        .exec
        .execute(Request::new(distributor(), may(&w.p, "1200.5", None)).checked())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("hy-soft"), "{err}");
    assert_eq!(w.exec.log().head().await.unwrap(), head);

    exec(manufacturer(), catalogue(&w.p)).await.unwrap();
    let head = w.exec.log().head().await.unwrap();
    let checked = w
        .exec
        .execute(Request::new(distributor(), may(&w.p, "1200.5", None)).checked())
        .await
        .unwrap();
    assert_eq!(checked.events, ["MarketDataSubmitted"]);
    assert_eq!((checked.position, checked.version), (None, 1));
    assert_eq!(
        w.exec.log().head().await.unwrap(),
        head,
        "a dry run appended"
    );

    // Recorded for real, the same check is a no-op, and a correction without a reason is
    // refused naming the month, all without a write.
    let recorded = exec(distributor(), may(&w.p, "1200.5", None))
        .await
        .unwrap();
    assert_eq!(recorded.events, ["MarketDataSubmitted"]);
    let head = w.exec.log().head().await.unwrap();
    let same = w
        .exec
        .execute(Request::new(distributor(), may(&w.p, "1200.5", None)).checked())
        .await
        .unwrap();
    assert!(same.events.is_empty());
    assert_eq!(same.version, 1);
    let err = w
        .exec
        .execute(Request::new(distributor(), may(&w.p, "1300", None)).checked())
        .await
        .unwrap_err();
    let ExecuteError::Refused(e) = err else {
        panic!("expected a refusal, got {err}")
    };
    assert_eq!(e.rule, "market_data.correction_needs_reason");
    assert_eq!(w.exec.log().head().await.unwrap(), head);
}
