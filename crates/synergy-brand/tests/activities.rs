//! Culture activities (factory visits, customer-manager training, brand promotion), and the
//! portfolio queries.

mod support;

use proptest::prelude::*;
use support::*;
use synergy_brand::{Answer, Brand, Query, answer, fold};
use synergy_domain::ErrorKind;
use synergy_domain::testing::given;
use synergy_proto::events::brand::CultureActivityKind::*;

#[test]
fn either_side_records_a_culture_activity() {
    given(hongyun_in_market(), distributor())
        .when::<Brand>(activity(
            Some("hongyun"),
            FactoryVisit,
            " 長治客戶經理參觀紅雲 ",
            "2008-05-12",
            24,
        ))
        .then([activity_held(
            Some("hongyun"),
            FactoryVisit,
            "長治客戶經理參觀紅雲",
            "2008-05-12",
            24,
        )]);
    given(hongyun_in_market(), manufacturer())
        .when::<Brand>(activity(
            None,
            CustomerManagerTraining,
            "品牌知識培訓",
            "2008-07-15",
            40,
        ))
        .then([activity_held(
            None,
            CustomerManagerTraining,
            "品牌知識培訓",
            "2008-07-15",
            40,
        )]);
    // A registered brand that is not (yet) introduced may be promoted.
    given(hongyun_in_market(), manufacturer())
        .when::<Brand>(activity(
            Some("honghe"),
            BrandPromotion,
            "紅河品牌推介",
            "2008-06-01",
            120,
        ))
        .then([activity_held(
            Some("honghe"),
            BrandPromotion,
            "紅河品牌推介",
            "2008-06-01",
            120,
        )]);
}

#[test]
fn only_parties_record_activities_and_not_after_termination() {
    let cmd = activity(None, FactoryVisit, "visit", "2008-05-12", 5);
    given(hongyun_in_market(), outsider())
        .when::<Brand>(cmd.clone())
        .refused("partnership.parties_only");
    given(hongyun_in_market(), terminated(manufacturer()))
        .when::<Brand>(cmd)
        .refused("partnership.terminated_accepts_nothing");
}

#[test]
fn an_activity_has_at_least_one_participant() {
    given(hongyun_in_market(), distributor())
        .when::<Brand>(activity(None, FactoryVisit, "visit", "2008-05-12", 0))
        .refused_at(
            "portfolio.activity_participants_positive",
            ErrorKind::Invalid,
            "participants",
        );
}

#[test]
fn an_activity_needs_a_title() {
    given(hongyun_in_market(), distributor())
        .when::<Brand>(activity(None, FactoryVisit, " ", "2008-05-12", 3))
        .refused_at(
            "portfolio.activity_title_required",
            ErrorKind::Invalid,
            "title",
        );
}

#[test]
fn an_activity_is_recorded_once_it_was_held() {
    given(hongyun_in_market(), distributor())
        .when::<Brand>(activity(None, FactoryVisit, "visit", "2008-07-16", 3))
        .refused_at(
            "portfolio.date_not_in_future",
            ErrorKind::Invalid,
            "held_on",
        );
}

#[test]
fn an_activity_about_a_brand_names_a_registered_one() {
    given(hongyun_in_market(), distributor())
        .when::<Brand>(activity(
            Some("yunyan"),
            BrandPromotion,
            "promo",
            "2008-05-12",
            3,
        ))
        .refused_at(
            "portfolio.activity_brand_registered",
            ErrorKind::NotFound,
            "brand",
        );
}

#[test]
fn recording_the_same_activity_twice_is_a_no_op() {
    let mut history = hongyun_in_market();
    history.push(activity_held(
        Some("hongyun"),
        FactoryVisit,
        "visit",
        "2008-05-12",
        24,
    ));
    given(history.clone(), manufacturer())
        .when::<Brand>(activity(
            Some("hongyun"),
            FactoryVisit,
            "visit",
            "2008-05-12",
            24,
        ))
        .then_nothing();
    given(history, manufacturer())
        .when::<Brand>(activity(
            Some("hongyun"),
            FactoryVisit,
            "visit",
            "2008-05-12",
            25,
        ))
        .then([activity_held(
            Some("hongyun"),
            FactoryVisit,
            "visit",
            "2008-05-12",
            25,
        )]);
}

#[test]
fn queries_answer_from_the_folded_portfolio() {
    let mut history = hongyun_in_market();
    history.push(activity_held(
        Some("hongyun"),
        FactoryVisit,
        "visit",
        "2008-05-12",
        24,
    ));
    history.push(activity_held(
        None,
        CustomerManagerTraining,
        "training",
        "2008-07-02",
        40,
    ));
    let state = fold(&history);

    let ask = |q: Query| answer(&state, &q);
    let Answer::Activities(q2) = ask(Query::Activities {
        partnership: pid(),
        brand: None,
        period: Some(period("2008-Q2")),
    }) else {
        panic!("wrong answer kind")
    };
    assert_eq!(
        q2.iter().map(|a| a.title.as_str()).collect::<Vec<_>>(),
        ["visit"]
    );
    let Answer::Activities(about) = ask(Query::Activities {
        partnership: pid(),
        brand: Some(brand("hongyun")),
        period: None,
    }) else {
        panic!("wrong answer kind")
    };
    assert_eq!(about.len(), 1);
    assert_eq!(
        state.activities_in(period("2008"), None).count(),
        2,
        "the accessor and the query agree"
    );

    let Answer::Catalogue(hongyun) = ask(Query::Catalogue {
        partnership: pid(),
        brand: Some(brand("hongyun")),
    }) else {
        panic!("wrong answer kind")
    };
    assert_eq!(
        hongyun.iter().map(|s| s.sku.as_str()).collect::<Vec<_>>(),
        ["hy-hard", "hy-soft"]
    );
    assert!(matches!(
        ask(Query::Sku { partnership: pid(), sku: sku("hh-88") }),
        Answer::Sku(Some(s)) if s.brand == brand("honghe")
    ));
    assert_eq!(
        ask(Query::Sku {
            partnership: pid(),
            sku: sku("nope")
        }),
        Answer::Sku(None)
    );
    let Answer::Brands(brands) = ask(Query::Brands { partnership: pid() }) else {
        panic!("wrong answer kind")
    };
    assert_eq!(brands.len(), 1);
    assert!(matches!(
        ask(Query::Brand {
            partnership: pid(),
            brand: brand("honghe")
        }),
        Answer::Brand(None)
    ));
    let q = Query::Brands { partnership: pid() };
    assert_eq!(q.stream(), synergy_brand::portfolio_stream(&pid()));
}

proptest! {
    #[test]
    fn participants_accepted_exactly_above_zero(n in 0u32..1000) {
        let outcome = given(hongyun_in_market(), distributor())
            .when::<Brand>(activity(None, FactoryVisit, "visit", "2008-05-12", n));
        if n > 0 {
            prop_assert_eq!(outcome.accepted().len(), 1);
        } else {
            outcome.refused("portfolio.activity_participants_positive");
        }
    }
}
