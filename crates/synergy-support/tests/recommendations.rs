//! A period's recommendation (提升) is decided once: accepted into an action item whose id
//! it determines, or dismissed with a reason.

mod common;

use common::*;
use synergy_domain::ErrorKind;
use synergy_domain::testing::given;
use synergy_proto::events::evaluation::RecommendationRule;
use synergy_proto::events::support::SupportEvent;
use synergy_proto::{ActionItemId, Event, Period, Side, SkuId};
use synergy_support::{ActionItemCommand, Command, SupportContext, recommendation_item};

// `ctx(..)` is 2008-07-10.

fn q2() -> Period {
    "2008-Q2".parse().unwrap()
}

fn soft() -> SkuId {
    SkuId::new("hongyun-soft").unwrap()
}

fn accept(rule: RecommendationRule, sku: Option<SkuId>, owner: Option<Side>) -> Command {
    ActionItemCommand::AcceptRecommendation {
        partnership: pid(),
        period: q2(),
        rule,
        sku,
        title: " Push hongyun-soft in 30 outlets ".into(),
        owner,
        due_on: date("2008-08-31"),
        meeting: None,
    }
    .into()
}

fn dismiss(rule: RecommendationRule, sku: Option<SkuId>, reason: &str) -> Command {
    ActionItemCommand::DismissRecommendation {
        partnership: pid(),
        period: q2(),
        rule,
        sku,
        reason: reason.into(),
    }
    .into()
}

fn shelf_item() -> ActionItemId {
    recommendation_item(q2(), RecommendationRule::SkuShelfNoSales, Some(&soft()))
}

/// What accepting `sku.shelf_no_sales` for hongyun-soft on 2008-07-10 records.
fn accepted(owner: Side, by: Side) -> Vec<Event> {
    vec![
        ev(SupportEvent::ActionItemRaised {
            item: shelf_item(),
            title: "Push hongyun-soft in 30 outlets".into(),
            owner,
            due_on: date("2008-08-31"),
            meeting: None,
            raised_on: date("2008-07-10"),
        }),
        ev(SupportEvent::RecommendationAccepted {
            item: shelf_item(),
            period: q2(),
            rule: RecommendationRule::SkuShelfNoSales,
            sku: Some(soft()),
            by,
        }),
    ]
}

#[test]
fn the_item_id_is_derived_from_the_recommendation() {
    assert_eq!(
        shelf_item().as_str(),
        "rec-2008-Q2-shelf_no_sales-hongyun-soft"
    );
    let month: Period = "2008-06".parse().unwrap();
    assert_eq!(
        recommendation_item(month, RecommendationRule::DataLate, None).as_str(),
        "rec-2008-06-data-late"
    );
}

#[test]
fn a_long_sku_keeps_the_item_id_within_bounds_and_distinct() {
    let long_a = SkuId::new(format!("{}a", "x".repeat(63))).unwrap();
    let long_b = SkuId::new(format!("{}b", "x".repeat(63))).unwrap();
    let rule = RecommendationRule::SkuUnderdistributed;
    let a = recommendation_item(q2(), rule, Some(&long_a));
    let b = recommendation_item(q2(), rule, Some(&long_b));
    assert!(a.as_str().len() <= 64, "{a}");
    assert!(
        a.as_str().starts_with("rec-2008-Q2-underdistributed-xxx"),
        "{a}"
    );
    assert_ne!(a, b, "two SKUs sharing a head still get two items");
}

#[test]
fn accepting_raises_the_item_for_the_side_the_rule_names() {
    // sku.shelf_no_sales is the manufacturer's: replace the SKU or run a push campaign.
    given([], ctx(distributor()))
        .when::<SupportContext>(accept(
            RecommendationRule::SkuShelfNoSales,
            Some(soft()),
            None,
        ))
        .then(accepted(Side::Manufacturer, Side::Distributor));
}

#[test]
fn the_accepting_side_may_name_another_owner() {
    given([], ctx(manufacturer()))
        .when::<SupportContext>(accept(
            RecommendationRule::SkuShelfNoSales,
            Some(soft()),
            Some(Side::Distributor),
        ))
        .then(accepted(Side::Distributor, Side::Manufacturer));
}

#[test]
fn a_rule_both_sides_own_goes_to_the_accepting_side_by_default() {
    let item = recommendation_item(q2(), RecommendationRule::ShareDrop, None);
    let events = given([], ctx(distributor()))
        .when::<SupportContext>(accept(RecommendationRule::ShareDrop, None, None))
        .accepted()
        .to_vec();
    assert_eq!(
        events[0],
        ev(SupportEvent::ActionItemRaised {
            item: item.clone(),
            title: "Push hongyun-soft in 30 outlets".into(),
            owner: Side::Distributor,
            due_on: date("2008-08-31"),
            meeting: None,
            raised_on: date("2008-07-10"),
        })
    );
    assert_eq!(
        events[1],
        ev(SupportEvent::RecommendationAccepted {
            item,
            period: q2(),
            rule: RecommendationRule::ShareDrop,
            sku: None,
            by: Side::Distributor,
        })
    );
}

#[test]
fn a_sku_rule_needs_its_sku_and_a_partnership_rule_takes_none() {
    given([], ctx(manufacturer()))
        .when::<SupportContext>(accept(RecommendationRule::SkuShelfNoSales, None, None))
        .refused_at("recommendation.sku_required", ErrorKind::Invalid, "sku");
    given([], ctx(manufacturer()))
        .when::<SupportContext>(dismiss(RecommendationRule::DataLate, Some(soft()), "x"))
        .refused_at(
            "recommendation.sku_not_applicable",
            ErrorKind::Invalid,
            "sku",
        );
}

#[test]
fn a_period_not_yet_begun_has_no_recommendation_to_decide() {
    let q3 = ActionItemCommand::AcceptRecommendation {
        partnership: pid(),
        period: "2008-Q4".parse().unwrap(),
        rule: RecommendationRule::DataLate,
        sku: None,
        title: "t".into(),
        owner: None,
        due_on: date("2008-12-31"),
        meeting: None,
    };
    given([], ctx(manufacturer()))
        .when::<SupportContext>(q3.into())
        .refused_at("recommendation.period_begun", ErrorKind::Invalid, "period");
    // The period in progress (2008-07 is in Q3) may be decided on.
    let current = ActionItemCommand::DismissRecommendation {
        partnership: pid(),
        period: "2008-Q3".parse().unwrap(),
        rule: RecommendationRule::DataLate,
        sku: None,
        reason: "June's file was late once; July's is in".into(),
    };
    given([], ctx(manufacturer()))
        .when::<SupportContext>(current.into())
        .accepted();
}

#[test]
fn accepting_keeps_the_action_item_rules() {
    let blank = ActionItemCommand::AcceptRecommendation {
        partnership: pid(),
        period: q2(),
        rule: RecommendationRule::DataLate,
        sku: None,
        title: "  ".into(),
        owner: None,
        due_on: date("2008-08-31"),
        meeting: None,
    };
    given([], ctx(manufacturer()))
        .when::<SupportContext>(blank.into())
        .refused_at("action.title_required", ErrorKind::Invalid, "title");
    let past = ActionItemCommand::AcceptRecommendation {
        partnership: pid(),
        period: q2(),
        rule: RecommendationRule::DataLate,
        sku: None,
        title: "Send by the 10th".into(),
        owner: None,
        due_on: date("2008-07-09"),
        meeting: None,
    };
    given([], ctx(manufacturer()))
        .when::<SupportContext>(past.into())
        .refused_at("action.due_not_before_raised", ErrorKind::Invalid, "due_on");
}

#[test]
fn dismissing_records_the_reason_and_who() {
    given([], ctx(manufacturer()))
        .when::<SupportContext>(dismiss(
            RecommendationRule::SkuShelfNoSales,
            Some(soft()),
            " A new pack replaces it in September ",
        ))
        .then([ev(SupportEvent::RecommendationDismissed {
            item: shelf_item(),
            period: q2(),
            rule: RecommendationRule::SkuShelfNoSales,
            sku: Some(soft()),
            reason: "A new pack replaces it in September".into(),
            by: Side::Manufacturer,
            dismissed_on: date("2008-07-10"),
        })]);
}

#[test]
fn dismissing_without_a_reason_is_refused() {
    given([], ctx(manufacturer()))
        .when::<SupportContext>(dismiss(
            RecommendationRule::SkuShelfNoSales,
            Some(soft()),
            " ",
        ))
        .refused_at(
            "recommendation.dismiss_reason_required",
            ErrorKind::Invalid,
            "reason",
        );
}

#[test]
fn a_recommendation_is_decided_once() {
    let rule = RecommendationRule::SkuShelfNoSales;
    let dismissed = given([], ctx(manufacturer()))
        .when::<SupportContext>(dismiss(rule, Some(soft()), "replaced in September"))
        .accepted()
        .to_vec();
    for again in [
        accept(rule, Some(soft()), None),
        dismiss(rule, Some(soft()), "again"),
    ] {
        let e = given(dismissed.clone(), ctx(distributor()))
            .when::<SupportContext>(again)
            .refused_as("recommendation.decided_once", ErrorKind::State);
        assert!(e.message.contains("replaced in September"), "{e}");
    }
    let e = given(
        accepted(Side::Manufacturer, Side::Distributor),
        ctx(manufacturer()),
    )
    .when::<SupportContext>(dismiss(rule, Some(soft()), "no"))
    .refused("recommendation.decided_once")
    .clone();
    assert!(e.message.contains(shelf_item().as_str()), "{e}");
}

#[test]
fn the_accepted_item_is_an_ordinary_action_item_afterwards() {
    // The owner (the manufacturer) closes it like any item.
    let close = ActionItemCommand::Close {
        partnership: pid(),
        item: shelf_item(),
        note: "campaign c2 launched".into(),
    };
    given(
        accepted(Side::Manufacturer, Side::Distributor),
        ctx(manufacturer()),
    )
    .when::<SupportContext>(close.into())
    .then([ev(SupportEvent::ActionItemClosed {
        item: shelf_item(),
        note: "campaign c2 launched".into(),
        closed_on: date("2008-07-10"),
    })]);
}

#[test]
fn outsiders_decide_nothing() {
    given([], ctx(outsider()))
        .when::<SupportContext>(dismiss(RecommendationRule::DataLate, None, "x"))
        .refused("partnership.parties_only");
}
