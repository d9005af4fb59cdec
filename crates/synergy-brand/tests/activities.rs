//! Culture activities (factory visits, customer-manager training, brand promotion), and the
//! portfolio queries.

mod support;

use proptest::prelude::*;
use support::*;
use synergy_brand::{Answer, Brand, Command, Query, answer, fold};
use synergy_domain::ErrorKind;
use synergy_domain::testing::given;
use synergy_proto::Event;
use synergy_proto::events::brand::CultureActivityKind::*;

/// Changzhi's customer managers visiting the Hongyun factory on 2008-05-12.
fn visit(participants: u32) -> Command {
    activity(
        Some("hongyun"),
        FactoryVisit,
        "visit",
        "2008-05-12",
        participants,
    )
}

/// The event [`visit`] records.
fn visit_held(participants: u32) -> Event {
    activity_held(
        Some("hongyun"),
        FactoryVisit,
        "visit",
        "2008-05-12",
        participants,
    )
}

#[test]
fn either_side_records_a_culture_activity() {
    // (who, brand, kind, title as given, title as recorded, held on, participants)
    let cases = [
        (
            distributor(),
            Some("hongyun"),
            FactoryVisit,
            " 長治客戶經理參觀紅雲 ",
            "長治客戶經理參觀紅雲",
            "2008-05-12",
            24,
        ),
        (
            manufacturer(),
            None,
            CustomerManagerTraining,
            "品牌知識培訓",
            "品牌知識培訓",
            "2008-07-15",
            40,
        ),
        // A registered brand that is not (yet) introduced may be promoted.
        (
            manufacturer(),
            Some("honghe"),
            BrandPromotion,
            "紅河品牌推介",
            "紅河品牌推介",
            "2008-06-01",
            120,
        ),
    ];
    for (ctx, b, kind, title, recorded, on, participants) in cases {
        given(hongyun_in_market(), ctx)
            .when::<Brand>(activity(b, kind, title, on, participants))
            .then([activity_held(b, kind, recorded, on, participants)]);
    }
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
fn an_activity_needs_participants_a_title_and_a_day_that_has_come() {
    // (participants, title, held on) with one of them wrong, and the rule and field refusing it
    let cases = [
        (
            0,
            "visit",
            "2008-05-12",
            "portfolio.activity_participants_positive",
            "participants",
        ),
        (
            3,
            " ",
            "2008-05-12",
            "portfolio.activity_title_required",
            "title",
        ),
        // Recorded once it was held: today is 2008-07-15.
        (
            3,
            "visit",
            "2008-07-16",
            "portfolio.date_not_in_future",
            "held_on",
        ),
    ];
    for (participants, title, on, rule, field) in cases {
        given(hongyun_in_market(), distributor())
            .when::<Brand>(activity(None, FactoryVisit, title, on, participants))
            .refused_at(rule, ErrorKind::Invalid, field);
    }
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
    history.push(visit_held(24));
    given(history.clone(), manufacturer())
        .when::<Brand>(visit(24))
        .then_nothing();
    given(history, manufacturer())
        .when::<Brand>(visit(25))
        .then([visit_held(25)]);
}

#[test]
fn queries_answer_from_the_folded_portfolio() {
    let mut history = hongyun_in_market();
    history.push(visit_held(24));
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
