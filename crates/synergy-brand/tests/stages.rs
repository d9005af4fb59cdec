//! Brand introduction and life-cycle stages: forward only, withdrawal from anywhere, final.

mod support;

use proptest::prelude::*;
use support::*;
use synergy_brand::{Brand, STAGES, fold};
use synergy_domain::ErrorKind;
use synergy_domain::testing::given;
use synergy_proto::events::brand::BrandStage::{self, *};
use synergy_proto::{Event, Role};

fn catalogue_only() -> Vec<Event> {
    vec![registered("hongyun", "hy-soft", "紅雲(軟)", 3, "95")]
}

/// A history that brings `hongyun` to `stage` one month at a time from 2008-01-10.
fn at_stage(stage: BrandStage) -> Vec<Event> {
    let mut history = hongyun_in_market();
    let mut from = Introduction;
    for (month, to) in STAGES.iter().copied().skip(1).enumerate() {
        if to > stage {
            break;
        }
        history.push(stage_changed(
            "hongyun",
            from,
            to,
            &format!("2008-0{}-01", month + 2),
            "quarterly brand review",
        ));
        from = to;
    }
    history
}

#[test]
fn manufacturer_introduces_a_brand_with_a_registered_sku() {
    given(catalogue_only(), manufacturer())
        .when::<Brand>(introduce("hongyun", "2008-01-10"))
        .then([introduced("hongyun", "2008-01-10")]);
    given(catalogue_only(), ctx_as("hongyun", Role::Admin))
        .when::<Brand>(introduce("hongyun", "2008-07-15"))
        .then([introduced("hongyun", "2008-07-15")]);
}

#[test]
fn an_introduced_brand_starts_at_the_introduction_stage() {
    let state = fold(&hongyun_in_market());
    assert_eq!(state.stage_of(&brand("hongyun")), Some(Introduction));
    assert_eq!(
        state.stage_of(&brand("honghe")),
        None,
        "registered, not introduced"
    );
    let record = state.brand(&brand("hongyun")).unwrap();
    assert_eq!(record.introduced_on, date("2008-01-10"));
    assert_eq!(record.stage_since, date("2008-01-10"));
}

#[test]
fn distributor_may_not_introduce_a_brand() {
    given(catalogue_only(), distributor())
        .when::<Brand>(introduce("hongyun", "2008-01-10"))
        .refused_as(
            "portfolio.brand_introduced_by_manufacturer",
            ErrorKind::Forbidden,
        );
    given(catalogue_only(), terminated(manufacturer()))
        .when::<Brand>(introduce("hongyun", "2008-01-10"))
        .refused("partnership.terminated_accepts_nothing");
}

#[test]
fn a_brand_without_a_registered_sku_cannot_be_introduced() {
    let e = given(catalogue_only(), manufacturer())
        .when::<Brand>(introduce("honghe", "2008-01-10"))
        .refused_at(
            "portfolio.introduction_needs_sku",
            ErrorKind::State,
            "brand",
        )
        .clone();
    assert!(e.message.contains("honghe"), "{e}");
    given([], manufacturer())
        .when::<Brand>(introduce("hongyun", "2008-01-10"))
        .refused("portfolio.introduction_needs_sku");
}

#[test]
fn an_introduction_cannot_be_dated_in_the_future() {
    given(catalogue_only(), manufacturer())
        .when::<Brand>(introduce("hongyun", "2008-07-16"))
        .refused_at(
            "portfolio.date_not_in_future",
            ErrorKind::Invalid,
            "introduced_on",
        );
}

#[test]
fn introducing_again_is_a_no_op_on_the_same_day_and_refused_on_another() {
    given(hongyun_in_market(), manufacturer())
        .when::<Brand>(introduce("hongyun", "2008-01-10"))
        .then_nothing();
    given(hongyun_in_market(), manufacturer())
        .when::<Brand>(introduce("hongyun", "2008-02-01"))
        .refused_at("portfolio.brand_introduced_once", ErrorKind::State, "brand");
}

#[test]
fn stages_move_forward_one_at_a_time_or_skipping_ahead() {
    // (from, to, changed on, reason as given, reason as recorded)
    let moves = [
        (
            Introduction,
            Cultivation,
            "2008-03-01",
            " 培育方案 adopted ",
            "培育方案 adopted",
        ),
        (
            Cultivation,
            Mature,
            "2008-07-15",
            "share above 20 %",
            "share above 20 %",
        ),
    ];
    for (from, to, on, reason, recorded) in moves {
        given(at_stage(from), manufacturer())
            .when::<Brand>(change_stage("hongyun", to, on, reason))
            .then([stage_changed("hongyun", from, to, on, recorded)]);
    }
}

#[test]
fn backward_and_same_stage_moves_are_refused() {
    let e = given(at_stage(Growth), manufacturer())
        .when::<Brand>(change_stage(
            "hongyun",
            Cultivation,
            "2008-07-01",
            "relaunch",
        ))
        .refused_at("portfolio.stage_moves_forward", ErrorKind::State, "to")
        .clone();
    assert!(
        e.message.contains("growth") && e.message.contains("mature, decline, withdrawn"),
        "{e}"
    );
    given(at_stage(Growth), manufacturer())
        .when::<Brand>(change_stage("hongyun", Growth, "2008-07-01", "again"))
        .refused_at("portfolio.stage_moves_forward", ErrorKind::State, "to");
    given(hongyun_in_market(), manufacturer())
        .when::<Brand>(change_stage("hongyun", Introduction, "2008-07-01", "again"))
        .refused("portfolio.stage_moves_forward");
}

#[test]
fn withdrawal_is_possible_from_every_stage() {
    for stage in [Introduction, Cultivation, Growth, Mature, Decline] {
        let history = at_stage(stage);
        assert_eq!(fold(&history).stage_of(&brand("hongyun")), Some(stage));
        given(history, manufacturer())
            .when::<Brand>(change_stage("hongyun", Withdrawn, "2008-07-10", "delisted"))
            .then([stage_changed(
                "hongyun",
                stage,
                Withdrawn,
                "2008-07-10",
                "delisted",
            )]);
    }
}

#[test]
fn nothing_moves_after_withdrawal() {
    let mut history = at_stage(Growth);
    history.push(stage_changed(
        "hongyun",
        Growth,
        Withdrawn,
        "2008-06-01",
        "delisted",
    ));
    for to in [Mature, Decline, Withdrawn, Introduction] {
        given(history.clone(), manufacturer())
            .when::<Brand>(change_stage("hongyun", to, "2008-07-01", "revive"))
            .refused_at("portfolio.withdrawn_is_final", ErrorKind::State, "brand");
    }
    given(history, manufacturer())
        .when::<Brand>(introduce("hongyun", "2008-07-01"))
        .refused("portfolio.withdrawn_is_final");
}

#[test]
fn a_brand_must_be_introduced_before_its_stage_moves() {
    given(catalogue_only(), manufacturer())
        .when::<Brand>(change_stage("hongyun", Growth, "2008-07-01", "x"))
        .refused_at(
            "portfolio.brand_must_be_introduced",
            ErrorKind::NotFound,
            "brand",
        );
}

#[test]
fn distributor_may_not_move_a_stage() {
    let outcome = given(hongyun_in_market(), distributor()).when::<Brand>(change_stage(
        "hongyun",
        Growth,
        "2008-07-01",
        "x",
    ));
    let e = outcome.refused("portfolio.stage_changed_by_manufacturer");
    assert_eq!(e.kind, ErrorKind::Forbidden);
    assert!(e.message.contains("changzhi is the distributor"), "{e}");
}

#[test]
fn a_stage_change_needs_a_reason() {
    given(hongyun_in_market(), manufacturer())
        .when::<Brand>(change_stage("hongyun", Growth, "2008-07-01", "   "))
        .refused_at(
            "portfolio.stage_change_reason_required",
            ErrorKind::Invalid,
            "reason",
        );
}

#[test]
fn a_stage_change_is_dated_between_the_current_stage_and_today() {
    // hongyun entered Growth on 2008-03-01; today is 2008-07-15.
    let to_mature_on = |on: &str| {
        given(at_stage(Growth), manufacturer())
            .when::<Brand>(change_stage("hongyun", Mature, on, "x"))
    };
    for (too_early_or_late, rule) in [
        ("2008-02-28", "portfolio.stage_dates_in_order"),
        ("2008-07-16", "portfolio.date_not_in_future"),
    ] {
        to_mature_on(too_early_or_late).refused_at(rule, ErrorKind::Invalid, "changed_on");
    }
    to_mature_on("2008-03-01").then([stage_changed("hongyun", Growth, Mature, "2008-03-01", "x")]);
}

#[test]
fn the_stage_history_answers_what_stage_a_brand_was_in_on_a_day() {
    let state = fold(&at_stage(Mature));
    let record = state.brand(&brand("hongyun")).unwrap();
    assert_eq!(record.changes.len(), 3);
    assert_eq!(record.stage_on(date("2008-01-09")), None);
    assert_eq!(record.stage_on(date("2008-01-10")), Some(Introduction));
    assert_eq!(record.stage_on(date("2008-02-29")), Some(Cultivation));
    assert_eq!(record.stage_on(date("2008-04-01")), Some(Mature));
    assert_eq!(record.withdrawn_on(), None);
}

proptest! {
    #[test]
    fn a_move_is_accepted_exactly_when_it_goes_forward(from in 0usize..5, to in 0usize..6) {
        let (from, to) = (STAGES[from], STAGES[to]);
        let outcome = given(at_stage(from), manufacturer())
            .when::<Brand>(change_stage("hongyun", to, "2008-07-01", "review"));
        if to > from {
            prop_assert_eq!(
                outcome.accepted(),
                &[stage_changed("hongyun", from, to, "2008-07-01", "review")][..]
            );
        } else {
            outcome.refused("portfolio.stage_moves_forward");
        }
    }
}
