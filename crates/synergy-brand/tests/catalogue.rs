//! SKU registration: the manufacturer registers whole catalogues, all or nothing.

mod support;

use proptest::prelude::*;
use support::*;
use synergy_brand::{Brand, Command, SkuEntry, catalogue_view, fold};
use synergy_domain::testing::given;
use synergy_domain::{DomainError, ErrorKind};
use synergy_proto::events::brand::BrandStage;
use synergy_proto::{Role, Yuan};

/// The one-line catalogue most rules are tried on.
fn soft() -> Command {
    register_one("hongyun", "hy-soft", "紅雲", 3, "95")
}

#[test]
fn manufacturer_registers_a_catalogue_in_one_decision() {
    given([], manufacturer())
        .when::<Brand>(register(vec![
            entry("hongyun", "hy-soft", "紅雲(軟)", 3, "95.00"),
            entry("hongyun", "hy-hard", "紅雲(硬)", 2, "130.00"),
        ]))
        .then([
            registered("hongyun", "hy-soft", "紅雲(軟)", 3, "95.00"),
            registered("hongyun", "hy-hard", "紅雲(硬)", 2, "130.00"),
        ]);
}

#[test]
fn distributor_may_not_register_skus() {
    let e = given([], distributor())
        .when::<Brand>(soft())
        .refused_as("portfolio.skus_by_manufacturer", ErrorKind::Forbidden);
    assert!(e.message.contains("manufacturer"), "{e}");
}

#[test]
fn admin_acts_for_the_manufacturer_but_not_for_an_outsider() {
    given([], ctx_as("hongyun", Role::Admin))
        .when::<Brand>(soft())
        .then([registered("hongyun", "hy-soft", "紅雲", 3, "95")]);
    for (admin_for, rule) in [
        ("changzhi", "portfolio.skus_by_manufacturer"),
        ("yuxi", "partnership.parties_only"),
    ] {
        given([], ctx_as(admin_for, Role::Admin))
            .when::<Brand>(soft())
            .refused(rule);
    }
}

#[test]
fn only_parties_of_a_partnership_in_force_act_on_it() {
    given([], outsider())
        .when::<Brand>(soft())
        .refused_as("partnership.parties_only", ErrorKind::Forbidden);
    let mut unknown = manufacturer();
    unknown.partnership = None;
    let mut other = manufacturer();
    if let Some(v) = other.partnership.as_mut() {
        v.id = synergy_proto::PartnershipId::new("hongyun-datong").unwrap();
    }
    for (ctx, rule) in [
        (
            terminated(manufacturer()),
            "partnership.terminated_accepts_nothing",
        ),
        (
            ctx_as("hongyun", Role::Distributor),
            "principal.role_matches_side",
        ),
        (unknown, "partnership.must_exist"),
        (other, "partnership.must_exist"),
    ] {
        given([], ctx).when::<Brand>(soft()).refused(rule);
    }
}

#[test]
fn an_empty_catalogue_is_refused() {
    given([], manufacturer())
        .when::<Brand>(register(vec![]))
        .refused_at("portfolio.catalogue_not_empty", ErrorKind::Invalid, "skus");
}

#[test]
fn a_sku_listed_twice_refuses_the_whole_catalogue_naming_it() {
    let e = given([], manufacturer())
        .when::<Brand>(register(vec![
            entry("hongyun", "hy-soft", "紅雲(軟)", 3, "95"),
            entry("hongyun", "hy-hard", "紅雲(硬)", 2, "130"),
            entry("hongyun", "hy-soft", "紅雲(軟)", 3, "95"),
        ]))
        .refused_at(
            "portfolio.sku_once_per_catalogue",
            ErrorKind::Invalid,
            "skus[2].sku",
        )
        .clone();
    assert!(e.message.contains("hy-soft"), "{e}");
    assert!(e.message.contains("skus[0]"), "{e}");
}

/// Registers a good line followed by `second`, and returns the refusal of `rule`, which
/// must name `field` of the second line.
fn second_line_refused(second: SkuEntry, rule: &str, field: &str) -> DomainError {
    given([], manufacturer())
        .when::<Brand>(register(vec![
            entry("hongyun", "hy-soft", "紅雲(軟)", 3, "95"),
            second,
        ]))
        .refused_at(rule, ErrorKind::Invalid, &format!("skus[1].{field}"))
        .clone()
}

#[test]
fn the_reserved_sku_all_is_refused_in_any_case() {
    for reserved in ["ALL", "all", "All"] {
        let second = entry("hongyun", reserved, "market", 3, "95");
        let e = second_line_refused(second, "portfolio.sku_all_reserved", "sku");
        assert!(e.message.contains("market-total"), "{e}");
    }
    given([], manufacturer())
        .when::<Brand>(register_one("hongyun", "ALLx", "紅雲", 3, "95"))
        .then([registered("hongyun", "ALLx", "紅雲", 3, "95")]);
}

#[test]
fn a_sku_needs_a_name_and_names_are_trimmed() {
    given([], manufacturer())
        .when::<Brand>(register_one("hongyun", "hy-soft", "  ", 3, "95"))
        .refused_at(
            "portfolio.sku_name_required",
            ErrorKind::Invalid,
            "skus[0].name",
        );
    given([], manufacturer())
        .when::<Brand>(register_one("hongyun", "hy-soft", " 紅雲(軟) ", 3, "95"))
        .then([registered("hongyun", "hy-soft", "紅雲(軟)", 3, "95")]);
}

#[test]
fn price_class_outside_1_to_5_is_refused_naming_the_line() {
    for bad in [0, 6, 255] {
        let second = entry("hongyun", "hy-hard", "紅雲(硬)", bad, "130");
        let e = second_line_refused(second, "portfolio.price_class_1_to_5", "price_class");
        assert!(e.message.contains("hy-hard"), "{e}");
    }
}

#[test]
fn guide_price_must_be_above_zero() {
    for bad in ["0", "-0.01", "-95"] {
        given([], manufacturer())
            .when::<Brand>(register_one("hongyun", "hy-soft", "紅雲", 3, bad))
            .refused_at(
                "portfolio.guide_price_positive",
                ErrorKind::Invalid,
                "skus[0].guide_price",
            );
    }
    given([], manufacturer())
        .when::<Brand>(register_one("hongyun", "hy-soft", "紅雲", 3, "0.01"))
        .then([registered("hongyun", "hy-soft", "紅雲", 3, "0.01")]);
}

#[test]
fn re_registering_an_identical_catalogue_is_a_no_op() {
    given(hongyun_in_market(), manufacturer())
        .when::<Brand>(register(vec![
            entry("hongyun", "hy-soft", "紅雲(軟)", 3, "95.00"),
            entry("hongyun", "hy-hard", "紅雲(硬)", 2, "130"),
        ]))
        .then_nothing();
}

#[test]
fn a_changed_sku_is_updated_and_a_new_one_registered_in_the_same_commit() {
    given(hongyun_in_market(), manufacturer())
        .when::<Brand>(register(vec![
            entry("hongyun", "hy-soft", "紅雲(軟)", 3, "95.00"),
            entry("hongyun", "hy-hard", "紅雲(硬)", 2, "140.00"),
            entry("hongyun", "hy-slim", "紅雲(細支)", 1, "220.00"),
        ]))
        .then([
            updated("hongyun", "hy-hard", "紅雲(硬)", 2, "140.00"),
            registered("hongyun", "hy-slim", "紅雲(細支)", 1, "220.00"),
        ]);
    // A new name or a new price class alone is an update too.
    for (name, price_class) in [("紅雲(軟包)", 3), ("紅雲(軟)", 2)] {
        given(hongyun_in_market(), manufacturer())
            .when::<Brand>(register_one("hongyun", "hy-soft", name, price_class, "95"))
            .then([updated("hongyun", "hy-soft", name, price_class, "95")]);
    }
}

#[test]
fn a_sku_cannot_move_to_another_brand_and_nothing_of_the_catalogue_is_recorded() {
    let outcome = given(hongyun_in_market(), manufacturer()).when::<Brand>(register(vec![
        entry("hongyun", "hy-slim", "紅雲(細支)", 1, "220"),
        entry("honghe", "hy-soft", "紅雲(軟)", 3, "95"),
    ]));
    let e = outcome.refused_at(
        "portfolio.sku_brand_is_fixed",
        ErrorKind::State,
        "skus[1].brand",
    );
    assert!(
        e.message.contains("hongyun") && e.message.contains("honghe"),
        "{e}"
    );
}

#[test]
fn a_withdrawn_brand_takes_no_new_or_changed_skus_but_a_retry_still_succeeds() {
    let history = hongyun_withdrawn_on("2008-05-01");
    given(history.clone(), manufacturer())
        .when::<Brand>(register_one("hongyun", "hy-slim", "紅雲(細支)", 1, "220"))
        .refused_at(
            "portfolio.withdrawn_is_final",
            ErrorKind::State,
            "skus[0].brand",
        );
    given(history.clone(), manufacturer())
        .when::<Brand>(register_one("hongyun", "hy-soft", "紅雲(軟)", 3, "99"))
        .refused("portfolio.withdrawn_is_final");
    given(history, manufacturer())
        .when::<Brand>(register(vec![
            entry("hongyun", "hy-soft", "紅雲(軟)", 3, "95"),
            entry("honghe", "hh-88", "紅河(88)", 4, "66"),
        ]))
        .then([updated("honghe", "hh-88", "紅河(88)", 4, "66")]);
}

#[test]
fn the_catalogue_view_reflects_registrations_and_updates() {
    let mut history = hongyun_in_market();
    history.push(updated("hongyun", "hy-hard", "紅雲(硬)", 1, "140"));
    let view = catalogue_view(&history);
    assert_eq!(view.skus.len(), 3);
    let hard = &view.skus[&sku("hy-hard")];
    assert_eq!(hard.guide_price, yuan("140"));
    assert_eq!(hard.price_class, class(1));
    assert_eq!(hard.brand, brand("hongyun"));
    assert_eq!(
        view.brands().cloned().collect::<Vec<_>>(),
        vec![brand("honghe"), brand("hongyun")]
    );
    assert_eq!(
        fold(&history).skus_of(&brand("hongyun")).count(),
        2,
        "the fold and the view agree"
    );
    assert!(catalogue_view(std::iter::empty()).skus.is_empty());
}

#[test]
fn the_command_routes_to_the_portfolio_singleton() {
    use synergy_domain::BoundedContext;
    let commands = [
        register(vec![]),
        introduce("hongyun", "2008-01-10"),
        change_stage("hongyun", BrandStage::Growth, "2008-03-01", "x"),
        evaluate("hongyun", "2008-06", 80, &[], false),
        activity(
            None,
            synergy_proto::events::brand::CultureActivityKind::FactoryVisit,
            "t",
            "2008-06-01",
            3,
        ),
    ];
    for cmd in &commands {
        let stream = Brand::stream_of(cmd);
        assert_eq!(stream.to_string(), "brand/hongyun-changzhi/portfolio");
        assert_eq!(&stream, &synergy_brand::portfolio_stream(&pid()));
    }
    assert!(matches!(commands[0], Command::RegisterCatalogue { .. }));
}

proptest! {
    #[test]
    fn price_class_accepted_exactly_in_1_to_5(c in any::<u8>()) {
        let outcome = given([], manufacturer())
            .when::<Brand>(register_one("hongyun", "hy-soft", "紅雲", c, "95"));
        if (1..=5).contains(&c) {
            prop_assert_eq!(outcome.accepted().len(), 1);
        } else {
            prop_assert_eq!(outcome.refused("portfolio.price_class_1_to_5").field.as_deref(), Some("skus[0].price_class"));
        }
    }

    #[test]
    fn guide_price_accepted_exactly_above_zero(units in -1_000_000i64..1_000_000) {
        let mut e = entry("hongyun", "hy-soft", "紅雲", 3, "1");
        e.guide_price = Yuan::from_units(units);
        let outcome = given([], manufacturer()).when::<Brand>(register(vec![e]));
        if units > 0 {
            prop_assert_eq!(outcome.accepted().len(), 1);
        } else {
            outcome.refused("portfolio.guide_price_positive");
        }
    }

    #[test]
    fn one_bad_line_anywhere_refuses_the_whole_catalogue(n in 1usize..20, bad in 0usize..20) {
        let bad = bad % n;
        let entries: Vec<_> = (0..n)
            .map(|i| {
                let class = if i == bad { 0 } else { 3 };
                entry("hongyun", &format!("sku-{i}"), "紅雲", class, "95")
            })
            .collect();
        let outcome = given([], manufacturer()).when::<Brand>(register(entries));
        let field = format!("skus[{bad}].price_class");
        prop_assert_eq!(
            outcome.refused("portfolio.price_class_1_to_5").field.as_deref(),
            Some(field.as_str())
        );
    }
}
