//! Brand evaluations: per brand and ended period, scores 0–100, one per period unless superseded.

mod support;

use proptest::prelude::*;
use support::*;
use synergy_brand::{Answer, Brand, Query, answer, fold};
use synergy_domain::ErrorKind;
use synergy_domain::testing::given;

const CRITERIA: &[(&str, u8)] = &[("awareness", 72), ("availability", 88)];

#[test]
fn either_side_evaluates_a_brand_for_an_ended_period() {
    for ctx in [manufacturer(), distributor()] {
        given(hongyun_in_market(), ctx)
            .when::<Brand>(evaluate("hongyun", "2008-06", 81, CRITERIA, false))
            .then([evaluated("hongyun", "2008-06", 81, CRITERIA)]);
    }
    given(hongyun_in_market(), manufacturer())
        .when::<Brand>(evaluate("hongyun", "2008-H1", 100, &[("price", 0)], false))
        .then([evaluated("hongyun", "2008-H1", 100, &[("price", 0)])]);
}

#[test]
fn only_parties_evaluate_and_not_after_termination() {
    for (ctx, rule) in [
        (outsider(), "partnership.parties_only"),
        (
            terminated(distributor()),
            "partnership.terminated_accepts_nothing",
        ),
    ] {
        given(hongyun_in_market(), ctx)
            .when::<Brand>(evaluate("hongyun", "2008-06", 81, CRITERIA, false))
            .refused(rule);
    }
}

#[test]
fn an_overall_score_above_100_is_refused_naming_the_field() {
    let e = given(hongyun_in_market(), manufacturer())
        .when::<Brand>(evaluate("hongyun", "2008-06", 101, CRITERIA, false))
        .refused_at("portfolio.score_0_to_100", ErrorKind::Invalid, "overall")
        .clone();
    assert!(e.message.contains("101"), "{e}");
}

#[test]
fn a_criterion_score_above_100_is_refused_naming_the_field() {
    let e = given(hongyun_in_market(), manufacturer())
        .when::<Brand>(evaluate(
            "hongyun",
            "2008-06",
            80,
            &[("awareness", 100), ("availability", 150)],
            false,
        ))
        .refused_at(
            "portfolio.score_0_to_100",
            ErrorKind::Invalid,
            "scores[1].score",
        )
        .clone();
    assert!(e.message.contains("availability"), "{e}");
}

#[test]
fn every_score_names_a_distinct_criterion() {
    for (second, rule) in [
        (" ", "portfolio.criterion_named"),
        (" awareness", "portfolio.criterion_once"),
    ] {
        let scores = [("awareness", 1), (second, 2)];
        given(hongyun_in_market(), manufacturer())
            .when::<Brand>(evaluate("hongyun", "2008-06", 80, &scores, false))
            .refused_at(rule, ErrorKind::Invalid, "scores[1].criterion");
    }
}

#[test]
fn only_introduced_brands_are_evaluated() {
    given(hongyun_in_market(), manufacturer())
        .when::<Brand>(evaluate("honghe", "2008-06", 80, CRITERIA, false))
        .refused_at(
            "portfolio.brand_must_be_introduced",
            ErrorKind::NotFound,
            "brand",
        );
}

#[test]
fn only_ended_periods_after_the_introduction_are_evaluated() {
    let evaluating = |p: &str| {
        given(hongyun_in_market(), manufacturer())
            .when::<Brand>(evaluate("hongyun", p, 80, CRITERIA, false))
    };
    // Today is 2008-07-15: July and Q3 have not ended.
    for open in ["2008-07", "2008-Q3", "2008-H2", "2008"] {
        evaluating(open).refused_at(
            "portfolio.evaluate_ended_periods",
            ErrorKind::Invalid,
            "period",
        );
    }
    // Introduced 2008-01-10: December 2007 predates it; January 2008 contains it.
    evaluating("2007-12").refused_at(
        "portfolio.evaluate_after_introduction",
        ErrorKind::Invalid,
        "period",
    );
    evaluating("2008-01").then([evaluated("hongyun", "2008-01", 80, CRITERIA)]);
}

#[test]
fn a_withdrawn_brand_is_evaluated_up_to_its_withdrawal_period_only() {
    let history = hongyun_withdrawn_on("2008-05-20");
    given(history.clone(), manufacturer())
        .when::<Brand>(evaluate("hongyun", "2008-05", 40, CRITERIA, false))
        .then([evaluated("hongyun", "2008-05", 40, CRITERIA)]);
    given(history, manufacturer())
        .when::<Brand>(evaluate("hongyun", "2008-06", 40, CRITERIA, false))
        .refused_at("portfolio.withdrawn_is_final", ErrorKind::State, "period");
}

#[test]
fn one_evaluation_per_brand_and_period_unless_superseded() {
    let mut history = hongyun_in_market();
    history.push(evaluated("hongyun", "2008-06", 81, CRITERIA));

    given(history.clone(), distributor())
        .when::<Brand>(evaluate("hongyun", "2008-06", 81, CRITERIA, false))
        .then_nothing();
    let e = given(history.clone(), distributor())
        .when::<Brand>(evaluate("hongyun", "2008-06", 75, CRITERIA, false))
        .refused_at(
            "portfolio.one_evaluation_per_brand_per_period",
            ErrorKind::State,
            "period",
        )
        .clone();
    assert!(
        e.message.contains("2008-06") && e.message.contains("supersede"),
        "{e}"
    );
    // Another period, or the same month as part of a quarter, is a different evaluation.
    given(history.clone(), distributor())
        .when::<Brand>(evaluate("hongyun", "2008-Q2", 75, CRITERIA, false))
        .then([evaluated("hongyun", "2008-Q2", 75, CRITERIA)]);
    given(history.clone(), distributor())
        .when::<Brand>(evaluate("hongyun", "2008-06", 75, CRITERIA, true))
        .then([evaluated("hongyun", "2008-06", 75, CRITERIA)]);
}

#[test]
fn a_superseding_evaluation_replaces_the_earlier_one() {
    let mut history = hongyun_in_market();
    history.push(evaluated("hongyun", "2008-06", 81, CRITERIA));
    history.push(evaluated("hongyun", "2008-06", 75, &[("awareness", 70)]));
    history.push(evaluated("hongyun", "2008-05", 60, CRITERIA));
    let state = fold(&history);
    let june = state
        .evaluation(&brand("hongyun"), period("2008-06"))
        .unwrap();
    assert_eq!((june.overall, june.revision), (75, 2));
    assert_eq!(june.scores, scores(&[("awareness", 70)]));
    assert_eq!(state.evaluations().count(), 2);

    let q2: Vec<_> = state
        .evaluations_within(&brand("hongyun"), period("2008-Q2"))
        .map(|e| (e.period.to_string(), e.overall))
        .collect();
    assert_eq!(
        q2,
        vec![("2008-05".to_owned(), 60), ("2008-06".to_owned(), 75)]
    );
    let Answer::Evaluations(found) = answer(
        &state,
        &Query::Evaluations {
            partnership: pid(),
            brand: Some(brand("hongyun")),
            within: Some(period("2008-06")),
        },
    ) else {
        panic!("wrong answer kind");
    };
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].overall, 75);
}

proptest! {
    #[test]
    fn scores_are_accepted_exactly_in_0_to_100(overall in any::<u8>(), a in any::<u8>(), b in any::<u8>()) {
        let outcome = given(hongyun_in_market(), distributor())
            .when::<Brand>(evaluate("hongyun", "2008-06", overall, &[("a", a), ("b", b)], false));
        match (overall > 100, a > 100, b > 100) {
            (false, false, false) => prop_assert_eq!(outcome.accepted().len(), 1),
            (true, _, _) => prop_assert_eq!(outcome.refused("portfolio.score_0_to_100").field.as_deref(), Some("overall")),
            (false, true, _) => prop_assert_eq!(outcome.refused("portfolio.score_0_to_100").field.as_deref(), Some("scores[0].score")),
            (false, false, true) => prop_assert_eq!(outcome.refused("portfolio.score_0_to_100").field.as_deref(), Some("scores[1].score")),
        }
    }
}
