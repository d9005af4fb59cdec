//! Issuing a report through the ordinary executor path, embedded (sled log, read models
//! folded on demand): racing issuers, retries under one key, and where the model view is
//! kept.

mod common;

use std::sync::Arc;

use common::*;
use synergy_eventlog::{EventLog, SledLog};
use synergy_proto::events::evaluation::ReportKind;
use synergy_proto::*;
use synergy_runtime::projection::ProjectionStore;
use synergy_runtime::{
    AnyCommand, Api, ApiError, ExecuteError, Executor, Local, ManualClock, Request,
};

struct World {
    _dir: tempfile::TempDir,
    api: Local<SledLog>,
    p: PartnershipId,
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        "2008-06-20".parse::<Date>().unwrap().start(),
    ))
}

/// Signed, one SKU registered, May 2008 recorded with `volume` cases.
async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let api = Local::open_embedded(dir.path(), clock()).unwrap();
    let w = World {
        _dir: dir,
        api,
        p: PartnershipId::new("hongyun-changzhi").unwrap(),
    };
    for (who, command) in [
        (operator(), sign(&w.p)),
        (manufacturer(), catalogue(&w.p)),
        (distributor(), may(&w.p, "1200", None)),
    ] {
        w.api.execute(Request::new(who, command)).await.unwrap();
    }
    w
}

fn issue(w: &World) -> AnyCommand {
    AnyCommand::Evaluation(synergy_evaluation::Command::IssueReport {
        partnership: w.p.clone(),
        kind: ReportKind::Market,
        period: "2008-05".parse().unwrap(),
        as_of: Some("2008-06-20".parse().unwrap()),
    })
}

/// Issuers of both parties, all at once, each under its own key: (issued, version) each.
async fn race(w: &World, issuers: usize) -> Vec<(bool, u64)> {
    let tasks: Vec<_> = (0..issuers)
        .map(|i| {
            let api = w.api.clone();
            let who = if i % 2 == 0 {
                manufacturer()
            } else {
                distributor()
            };
            let command = issue(w);
            tokio::spawn(async move { api.execute(Request::new(who, command)).await })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        let outcome = task.await.unwrap().unwrap();
        let issued = outcome.answer.as_ref().unwrap()["issued"]
            .as_bool()
            .unwrap();
        assert_eq!(issued, !outcome.events.is_empty(), "{outcome:?}");
        answers.push((issued, outcome.version));
    }
    answers
}

/// The distributor corrects May 2008 to 1,300 cases, so its report changes.
async fn correct_may(w: &World) {
    w.api
        .execute(Request::new(
            distributor(),
            may(&w.p, "1300", Some("keyed wrong")),
        ))
        .await
        .unwrap();
}

/// One of the racers issued, and every one of them answers with `version`.
#[track_caller]
fn assert_one_issued(answers: &[(bool, u64)], version: u64) {
    assert_eq!(
        answers.iter().filter(|(issued, _)| *issued).count(),
        1,
        "{answers:?}"
    );
    assert!(answers.iter().all(|(_, v)| *v == version), "{answers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issuers_racing_record_exactly_one_new_version() {
    let w = world().await;
    let stream =
        synergy_evaluation::issued_stream(&w.p, ReportKind::Market, "2008-05".parse().unwrap());
    let answers = race(&w, 8).await;
    assert_one_issued(&answers, 1);

    // A correction, then the race again: version 2, once.
    correct_may(&w).await;
    let answers = race(&w, 8).await;
    assert_one_issued(&answers, 2);

    let commits = w.api.log().read_aggregate(&stream, 1).await.unwrap();
    let versions: Vec<u64> = commits.iter().map(|c| c.commit.first_version).collect();
    assert_eq!(
        versions,
        [1, 2],
        "one commit per version, each on the version before"
    );
}

#[tokio::test]
async fn a_retry_under_its_key_is_answered_as_the_first_time() {
    let w = world().await;
    let key = Uuid::now_v7();
    let first = w
        .api
        .execute(Request::new(manufacturer(), issue(&w)).with_key(key))
        .await
        .unwrap();
    assert_eq!(first.events, ["ReportIssued"]);
    correct_may(&w).await;
    // The retry finds its commit: version 1 again, not version 2 of the corrected month.
    let retry = w
        .api
        .execute(Request::new(manufacturer(), issue(&w)).with_key(key))
        .await
        .unwrap();
    assert!(retry.duplicate);
    assert_eq!((retry.version, retry.position), (1, first.position));
    assert_eq!(retry.answer, first.answer);
    // The same key with another body (another `as_of`) is refused.
    let other = AnyCommand::Evaluation(synergy_evaluation::Command::IssueReport {
        partnership: w.p.clone(),
        kind: ReportKind::Market,
        period: "2008-05".parse().unwrap(),
        as_of: Some("2008-06-21".parse().unwrap()),
    });
    let reused = w
        .api
        .execute(Request::new(manufacturer(), other).with_key(key))
        .await;
    assert!(
        matches!(
            reused,
            Err(ApiError::Execute(ExecuteError::IdempotencyKeyReused { .. }))
        ),
        "{reused:?}"
    );
}

#[tokio::test]
async fn only_where_the_read_models_are_kept_is_a_report_issued() {
    let w = world().await;
    // The executor of a strategy service, say: no read models beside it.
    let bare = Executor::new(Arc::clone(w.api.log()), clock());
    let head = w.api.log().head().await.unwrap();
    let refused = bare
        .execute(Request::new(manufacturer(), issue(&w)))
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, ExecuteError::Internal(m) if m.contains("evaluation service")),
        "{refused:?}"
    );
    assert_eq!(w.api.log().head().await.unwrap(), head, "nothing recorded");
    // The same log with the models beside it issues.
    let views = Arc::new(ProjectionStore::temporary().unwrap());
    let kept = Executor::new(Arc::clone(w.api.log()), clock()).with_models(views, false);
    let outcome = kept
        .execute(Request::new(manufacturer(), issue(&w)))
        .await
        .unwrap();
    assert_eq!(outcome.events, ["ReportIssued"]);
}
