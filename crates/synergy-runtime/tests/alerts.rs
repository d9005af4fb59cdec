//! Alerts through the scheduler and the ordinary executor path, embedded: a correction that
//! moves the share across the rule raises the exception once and a correction back clears
//! it, and nothing is recorded twice across a rebuild of the read models from 0 and two
//! replicas on one log (the events in the log are counted). The events read in words.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::*;
use synergy_domain::testing::alert_tally;
use synergy_eventlog::{EventLog, Filter, SledLog};
use synergy_proto::events::EvaluationEvent;
use synergy_proto::*;
use synergy_runtime::projection::ProjectionStore;
use synergy_runtime::{AnyCommand, AnyQuery, Api, Local, ManualClock, Request, schedule};

fn at(instant: &str) -> Timestamp {
    instant.parse().unwrap()
}

/// Every alert event in the log as words → how many times it was recorded.
async fn alerts(log: &SledLog) -> BTreeMap<String, usize> {
    let stored = log.read_matching(Filter::ALL).await.unwrap();
    alert_tally(
        stored
            .iter()
            .flat_map(|s| s.commit.events.iter().map(|e| &e.event)),
    )
}

fn april(p: &PartnershipId) -> AnyCommand {
    month_data(p, YearMonth::new(2008, 4).unwrap(), "hy-soft", "1200", None)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correction_raises_once_a_correction_back_clears_and_nothing_is_recorded_twice() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(at("2008-06-05T04:00:00Z")));
    let api = Local::open_embedded(dir.path(), Arc::clone(&clock) as _).unwrap();
    let p = PartnershipId::new("hongyun-changzhi").unwrap();
    for (who, command) in [
        (operator(), sign(&p)),
        (manufacturer(), catalogue(&p)),
        (distributor(), april(&p)),
        (distributor(), may(&p, "1200", None)),
    ] {
        api.execute(Request::new(who, command)).await.unwrap();
    }

    // Signed 2007-12-18: December to March never came and April came late.
    schedule::tick(&api).await.unwrap();
    let late: Vec<String> = ["2007-12", "2008-01", "2008-02", "2008-03", "2008-04"]
        .iter()
        .map(|m| format!("raised {m} data_late {m}"))
        .collect();
    let first = alerts(api.log()).await;
    assert_eq!(first.keys().cloned().collect::<Vec<_>>(), late);

    // May at 1,000 cases instead of 1,200: the share falls 1.77 points.
    clock.set(at("2008-06-20T04:00:00Z"));
    api.execute(Request::new(
        distributor(),
        may(&p, "1000", Some("recount")),
    ))
    .await
    .unwrap();
    schedule::tick(&api).await.unwrap();
    schedule::tick(&api).await.unwrap();
    let raised = alerts(api.log()).await;
    assert_eq!(raised.len(), 7, "{raised:?}");
    assert_eq!(raised["raised 2008-05 share_down partnership"], 1);
    assert_eq!(raised["raised 2008-05 share_down brand:hongyun"], 1);

    // The read: open alerts and the log.
    let read = api
        .query(AnyQuery::Evaluation(synergy_evaluation::Query::Alerts {
            partnership: p.clone(),
        }))
        .await
        .unwrap();
    assert_eq!(read["open"].as_array().unwrap().len(), 7, "{read}");
    let share = read["open"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["rule"] == "share_down" && a["subject"] == "partnership")
        .unwrap();
    assert_eq!(share["period"], "2008-05");
    assert_eq!(share["value"], "-1.77");
    assert_eq!(share["threshold"], "1.00");

    // Back to 1,200: cleared, once.
    api.execute(Request::new(
        distributor(),
        may(&p, "1200", Some("recount again")),
    ))
    .await
    .unwrap();
    schedule::tick(&api).await.unwrap();
    let cleared = alerts(api.log()).await;
    assert_eq!(cleared["cleared 2008-05 share_down partnership"], 1);
    assert_eq!(cleared.len(), 9);

    // A rebuild of the read models from 0 on the same log records nothing.
    let rebuilt = Local::new(
        Arc::clone(api.log()),
        Arc::new(ProjectionStore::temporary().unwrap()),
        Arc::clone(&clock) as _,
    );
    let tick = schedule::Scheduler::default().tick(&rebuilt).await.unwrap();
    assert!(tick.alerts.is_empty(), "{:?}", tick.alerts);
    assert_eq!(alerts(api.log()).await, cleared);

    // Two replicas with read models of their own race on a new drop: raised once.
    api.execute(Request::new(
        distributor(),
        may(&p, "900", Some("third count")),
    ))
    .await
    .unwrap();
    let mut tasks = Vec::new();
    for replica in [api.clone(), rebuilt.clone(), api.clone(), rebuilt] {
        tasks.push(tokio::spawn(async move { schedule::tick(&replica).await }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let raced = alerts(api.log()).await;
    assert_eq!(
        raced["raised 2008-05 share_down partnership"], 2,
        "{raced:?}"
    );
    assert_eq!(raced["raised 2008-05 share_down brand:hongyun"], 2);
    assert_eq!(raced.values().sum::<usize>(), 11);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_month_is_reminded_once_between_the_5th_and_the_10th() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(at("2008-05-20T04:00:00Z")));
    let api = Local::open_embedded(dir.path(), Arc::clone(&clock) as _).unwrap();
    let p = PartnershipId::new("hongyun-changzhi").unwrap();
    for (who, command) in [
        (operator(), sign(&p)),
        (manufacturer(), catalogue(&p)),
        (distributor(), april(&p)),
    ] {
        api.execute(Request::new(who, command)).await.unwrap();
    }
    let mut scheduler = schedule::Scheduler::default();
    scheduler.tick(&api).await.unwrap();
    let before = alerts(api.log()).await;
    assert!(!before.contains_key("reminder 2008-05"));
    for day in ["2008-06-04", "2008-06-05", "2008-06-06", "2008-06-10"] {
        clock.set(at(&format!("{day}T04:00:00Z")));
        scheduler.tick(&api).await.unwrap();
    }
    let after = alerts(api.log()).await;
    assert_eq!(after["reminder 2008-05"], 1, "{after:?}");
    assert!(!after.contains_key("raised 2008-05 data_late 2008-05"));
    clock.set(at("2008-06-11T04:00:00Z"));
    scheduler.tick(&api).await.unwrap();
    assert_eq!(
        alerts(api.log()).await["raised 2008-05 data_late 2008-05"],
        1
    );
}

#[test]
fn the_alerts_read_in_words() {
    let raised: Event = EvaluationEvent::ExceptionRaised {
        period: "2008-05".parse().unwrap(),
        rule: "share_down".into(),
        subject: "partnership".into(),
        value: Some("-1.77".into()),
        threshold: Some("1.00".into()),
        message: "volume share fell from 10.62 % to 8.85 %, more than 1.00 points".into(),
    }
    .into();
    let (what, why) = synergy_runtime::history::describe(&raised);
    assert_eq!(
        what,
        "message volume share fell from 10.62 % to 8.85 %, more than 1.00 points, period \
         2008-05, rule share_down, subject partnership, threshold 1.00, value -1.77"
    );
    assert_eq!(why, None);
    let cleared: Event = EvaluationEvent::ExceptionCleared {
        period: "2008-05".parse().unwrap(),
        rule: "share_down".into(),
        subject: "partnership".into(),
    }
    .into();
    assert_eq!(
        synergy_runtime::history::describe(&cleared).0,
        "period 2008-05, rule share_down, subject partnership"
    );
    let reminder: Event = EvaluationEvent::DataReminder {
        month: "2008-05".parse().unwrap(),
        as_of: "2008-06-05".parse().unwrap(),
        due: "2008-06-10".parse().unwrap(),
    }
    .into();
    assert_eq!(
        synergy_runtime::history::describe(&reminder).0,
        "as of 2008-06-05, due 2008-06-10, month 2008-05"
    );
}
