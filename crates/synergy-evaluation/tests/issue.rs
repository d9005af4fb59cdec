//! Issuing a report, given / when / then: the stream's earlier versions and the
//! partnership's read model are given, the decision says what to record.

mod common;

use common::{World, d, p};
use serde_json::Value;
use synergy_domain::testing::{Outcome, given};
use synergy_domain::{DecisionContext, ErrorKind, PartnershipView, Principal};
use synergy_evaluation::{COMMANDS, Command, EvaluationContext, PartnershipModel};
use synergy_proto::events::EvaluationEvent;
use synergy_proto::events::evaluation::{ReportKind, Restatement};
use synergy_proto::{Event, OrgId, Role, Timestamp};

fn view() -> PartnershipView {
    PartnershipView {
        id: common::P.parse().unwrap(),
        manufacturer: "m".parse().unwrap(),
        distributor: "d".parse().unwrap(),
        terminated: false,
        time_zone: Default::default(),
    }
}

fn manufacturer() -> Principal {
    Principal::new("m".parse().unwrap(), Role::Manufacturer, "li")
}

fn distributor() -> Principal {
    Principal::new("d".parse().unwrap(), Role::Distributor, "wang")
}

/// Noon UTC of `day`: the same day in Shanghai.
fn noon(day: &str) -> Timestamp {
    Timestamp::from_millis(d(day).start().millis() + 12 * 3_600_000)
}

fn ctx(principal: Principal) -> DecisionContext {
    DecisionContext {
        principal,
        now: noon("2008-04-20"),
        partnership: Some(view()),
        catalogue: Default::default(),
    }
}

/// January to March 2008 recorded, each sent on the 5th of the next month.
fn first_quarter() -> World {
    let mut w = World::signed("2007-12-01");
    w.month("2008-01", "2008-02-05", "100", "1000");
    w.month("2008-02", "2008-03-05", "110", "1000");
    w.month("2008-03", "2008-04-05", "120", "1000");
    w
}

fn issue(kind: ReportKind, period: &str, as_of: Option<&str>) -> Command {
    Command::IssueReport {
        partnership: common::P.parse().unwrap(),
        kind,
        period: p(period),
        as_of: as_of.map(d),
    }
}

fn market_q1() -> Command {
    issue(ReportKind::Market, "2008-Q1", Some("2008-04-15"))
}

fn when(history: &[Event], ctx: DecisionContext, model: &PartnershipModel, c: Command) -> Outcome {
    given(history.to_vec(), ctx).when_deciding(c, |history, c, ctx| {
        EvaluationContext::execute(history, c, ctx, model)
    })
}

/// The one `ReportIssued` an outcome recorded: (version, body, restatements).
fn issued(outcome: &Outcome) -> (u32, Value, Vec<Restatement>) {
    match outcome.accepted() {
        [
            Event::Evaluation(EvaluationEvent::ReportIssued {
                version,
                body,
                restatements,
                ..
            }),
        ] => (
            *version,
            serde_json::from_str(body).unwrap(),
            restatements.clone(),
        ),
        other => panic!("expected one ReportIssued, got {other:?}"),
    }
}

#[test]
fn a_first_issue_freezes_version_1_with_nothing_restated() {
    let w = first_quarter();
    let outcome = when(&[], ctx(manufacturer()), &w.model, market_q1());
    let (version, body, restatements) = issued(&outcome);
    assert_eq!(version, 1);
    assert!(restatements.is_empty());
    assert_eq!(body["version"], 1);
    assert_eq!(body["kind"], "market");
    assert_eq!(body["as_of"], "2008-04-15");
    assert_eq!(body["kpis"]["volume_cases"], 330);
}

#[test]
fn after_a_correction_the_next_version_restates_what_changed() {
    let mut w = first_quarter();
    let first = when(&[], ctx(manufacturer()), &w.model, market_q1());
    let v1 = first.accepted().to_vec();
    // March is corrected: 150 cases instead of 120.
    // March 2008 corrected to 150 cases of the same market.
    w.correct("2008-03", "2008-04-12", "150", "keyed wrong");
    // The model never folded version 1: the stream's history says which version is next
    // and what it restates.
    assert!(
        w.model
            .latest_issued(ReportKind::Market, p("2008-Q1"))
            .is_none()
    );
    let outcome = when(&v1, ctx(distributor()), &w.model, market_q1());
    let (version, body, restatements) = issued(&outcome);
    assert_eq!(version, 2);
    assert_eq!(body["version"], 2);
    let volume = restatements
        .iter()
        .find(|r| r.key == "kpis.volume_cases")
        .expect("the volume is restated");
    assert_eq!(volume.previous.as_deref(), Some("330"));
    assert_eq!(volume.current.as_deref(), Some("360"));
}

#[test]
fn issuing_the_same_figures_again_records_nothing() {
    let w = first_quarter();
    let v1 = when(&[], ctx(manufacturer()), &w.model, market_q1())
        .accepted()
        .to_vec();
    when(&v1, ctx(distributor()), &w.model, market_q1()).then_nothing();
}

#[test]
fn a_period_without_market_data_has_nothing_to_issue() {
    let mut w = first_quarter();
    // Q2 has a target and an overdue data deadline, but no market data: every figure the
    // report would freeze is empty.
    w.volume_plan(&[("2008-Q2", "400")]);
    let refusal = when(
        &[],
        ctx(manufacturer()),
        &w.model,
        issue(ReportKind::Review, "2008-Q2", Some("2008-07-20")),
    )
    .refused_as("report.no_data", ErrorKind::State);
    assert!(
        refusal
            .message
            .contains("no market data is recorded for any month of 2008-04 … 2008-06"),
        "{refusal}"
    );
    for kind in ReportKind::ALL {
        when(
            &[],
            ctx(manufacturer()),
            &w.model,
            issue(kind, "2008-Q2", Some("2008-07-20")),
        )
        .refused("report.no_data");
    }
    // Nor is a period none of whose months has ended by `as_of`, whatever is recorded.
    let early = when(
        &[],
        ctx(manufacturer()),
        &w.model,
        issue(ReportKind::Market, "2008-Q1", Some("2008-01-20")),
    );
    let refusal = early.refused("report.no_data");
    assert!(
        refusal
            .message
            .contains("no month of 2008-Q1 has ended by 2008-01-20"),
        "{refusal}"
    );
    // One month with data is enough.
    issued(&when(
        &[],
        ctx(manufacturer()),
        &w.model,
        issue(ReportKind::Market, "2008-Q1", Some("2008-02-20")),
    ));
}

#[test]
fn an_outsider_an_unknown_partnership_and_a_terminated_one_are_refused() {
    let w = first_quarter();
    let outsider = Principal::new(OrgId::new("yuxi").unwrap(), Role::Manufacturer, "zhao");
    when(&[], ctx(outsider), &w.model, market_q1())
        .refused_as("partnership.parties_only", ErrorKind::Forbidden);
    let mut unknown = ctx(manufacturer());
    unknown.partnership = None;
    when(&[], unknown, &w.model, market_q1())
        .refused_as("partnership.must_exist", ErrorKind::NotFound);
    let mut terminated = ctx(distributor());
    if let Some(view) = terminated.partnership.as_mut() {
        view.terminated = true;
    }
    when(&[], terminated, &w.model, market_q1()).refused("partnership.terminated_accepts_nothing");
    // A distributor acting in the manufacturer's role is refused too.
    let wrong_role = Principal::new("d".parse().unwrap(), Role::Manufacturer, "wang");
    when(&[], ctx(wrong_role), &w.model, market_q1()).refused("principal.role_matches_side");
}

#[test]
fn as_of_defaults_to_today_on_the_partnerships_calendar() {
    let w = first_quarter();
    // 16:30 UTC on 31 March is 00:30 on 1 April in Shanghai: March has ended there.
    let mut at_midnight = ctx(manufacturer());
    at_midnight.now =
        Timestamp::from_millis(d("2008-03-31").start().millis() + 16 * 3_600_000 + 1_800_000);
    let outcome = when(
        &[],
        at_midnight,
        &w.model,
        issue(ReportKind::Market, "2008-Q1", None),
    );
    let (_, body, _) = issued(&outcome);
    assert_eq!(body["as_of"], "2008-04-01");
    assert_eq!(body["partial"], false);
}

#[test]
fn the_answer_says_whether_a_version_was_issued_and_what_it_restated() {
    let answer = COMMANDS.0[0].spec.answer.expect("issue-report answers");
    let nothing = (answer.build)(&[]);
    assert_eq!(
        Value::Object(nothing),
        serde_json::json!({"issued": false, "restatements": []})
    );
    let restated = Event::Evaluation(EvaluationEvent::ReportIssued {
        kind: ReportKind::Market,
        period: p("2008-Q1"),
        version: 2,
        body: "{}".into(),
        restatements: vec![Restatement {
            key: "kpis.volume_cases".into(),
            previous: Some("330".into()),
            current: None,
        }],
    });
    assert_eq!(
        Value::Object((answer.build)(&[restated])),
        serde_json::json!({"issued": true, "restatements": [
            {"key": "kpis.volume_cases", "previous": "330", "current": null}
        ]})
    );
}
