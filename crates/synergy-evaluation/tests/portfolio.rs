//! The portfolio: which partnerships it holds, their rank and the totals, on small
//! hand-computed cases.

use synergy_changzhi::CommitBuilder;
use synergy_evaluation::PartnershipModel;
use synergy_evaluation::figure::Figure;
use synergy_evaluation::locale::Lang;
use synergy_evaluation::portfolio::{self, Portfolio};
use synergy_proto::events::StrategyEvent;
use synergy_proto::{AggregateId, Context, OrgId, Period, Side};

mod common;

use common::{Month, World, d};

fn org(s: &str) -> OrgId {
    s.parse().unwrap()
}

const H1: &str = "2008-H1";
const AS_OF: &str = "2008-07-31";

/// A partnership of `manufacturer` with `distributor` signed on `signed_on`, with, for
/// each (month, ours, market), our volume of one SKU and the market's (one yuan a case).
fn partnership(
    id: &str,
    manufacturer: &str,
    distributor: &str,
    signed_on: &str,
    months: &[(&str, &str, &str)],
) -> PartnershipModel {
    let mut w = World::of(id);
    w.sign_by(
        manufacturer,
        distributor,
        &format!("{id} region"),
        signed_on,
    );
    for &(month, ours, market) in months {
        let m = Month {
            ours,
            market,
            closing_stock: "1",
            outlets_stocking: 1,
            outlets_selling: 1,
            active_outlets: 10,
            retail: "1",
        };
        w.report(month, signed_on, m);
    }
    w.model
}

fn of(org_id: &str, rank_by: &str, models: &[PartnershipModel]) -> Portfolio {
    let period: Period = H1.parse().unwrap();
    portfolio::portfolio(
        &org(org_id),
        None,
        period,
        rank_by,
        models.iter().map(|m| (m, d(AS_OF))),
    )
    .unwrap()
}

fn ids(p: &Portfolio) -> Vec<&str> {
    p.partnerships
        .iter()
        .map(|r| r.partnership.as_str())
        .collect()
}

fn amount(units: i128, unit: synergy_evaluation::figure::Unit) -> Figure {
    Figure::Amount { units, unit }
}

/// Three partnerships of manufacturer `m`; `c` has the largest share, `a` and `b` tie.
fn three() -> Vec<PartnershipModel> {
    vec![
        partnership("b", "m", "d2", "2007-01-01", &[("2008-01", "100", "1000")]),
        partnership("a", "m", "d1", "2007-01-01", &[("2008-01", "200", "2000")]),
        partnership("c", "m", "d3", "2007-01-01", &[("2008-01", "300", "1000")]),
        partnership(
            "x",
            "other",
            "d1",
            "2007-01-01",
            &[("2008-01", "900", "1000")],
        ),
    ]
}

#[test]
fn a_manufacturer_sees_its_partnerships_ranked_by_share_ties_by_id() {
    let p = of("m", "volume_share_pct", &three());
    assert_eq!(ids(&p), ["c", "a", "b"]);
    assert_eq!(
        p.partnerships.iter().map(|r| r.rank).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(p.partnerships[0].counterparty, org("d3"));
    assert_eq!(p.partnerships[0].region, "c region");
}

#[test]
fn totals_are_the_sums_and_their_share_is_computed_from_the_sums() {
    let p = of("m", "volume_share_pct", &three());
    use synergy_evaluation::figure::Unit::{Cases as C, Percent, Yuan as Y};
    assert_eq!(p.totals["volume_cases"], amount(600_000, C));
    assert_eq!(p.totals["market_volume_cases"], amount(4_000_000, C));
    assert_eq!(p.totals["revenue_yuan"], amount(60_000, Y));
    // 600 ÷ 4,000 = 15 %, not the mean of 10 %, 10 % and 30 %.
    assert_eq!(p.totals["volume_share_pct"], amount(1500, Percent));
    assert_eq!(p.totals["revenue_share_pct"], amount(1500, Percent));
    // No year earlier: null, never 0.
    assert_eq!(p.totals["volume_yoy_pct"], Figure::Null);
}

#[test]
fn totals_yoy_compares_like_with_like() {
    let models = vec![
        partnership(
            "a",
            "m",
            "d1",
            "2007-01-01",
            &[("2007-01", "100", "1000"), ("2008-01", "150", "1000")],
        ),
        // No January 2007: its volume is left out of the change, not counted as growth.
        partnership("b", "m", "d2", "2007-01-01", &[("2008-01", "500", "1000")]),
    ];
    let p = of("m", "volume_cases", &models);
    use synergy_evaluation::figure::Unit::Percent;
    assert_eq!(p.totals["volume_yoy_pct"], amount(5000, Percent));
    assert_eq!(ids(&p), ["b", "a"]);
}

#[test]
fn rank_by_another_kpi_orders_by_it() {
    let p = of("m", "market_volume_cases", &three());
    assert_eq!(ids(&p), ["a", "b", "c"]);
    let p = of("m", "volume_cases", &three());
    assert_eq!(ids(&p), ["c", "a", "b"]);
}

#[test]
fn a_partnership_without_the_figure_is_ranked_last() {
    let mut models = three();
    models.push(partnership("0", "m", "d4", "2007-01-01", &[]));
    let p = of("m", "volume_share_pct", &models);
    assert_eq!(ids(&p), ["c", "a", "b", "0"]);
    assert_eq!(p.partnerships[3].kpis["volume_share_pct"], Figure::Null);
}

#[test]
fn an_unknown_rank_key_is_refused_naming_it() {
    let period: Period = H1.parse().unwrap();
    let e = portfolio::portfolio(&org("m"), None, period, "volume_shares", std::iter::empty())
        .unwrap_err();
    assert_eq!(e.rule, portfolio::UNKNOWN_RANK_KEY);
    assert_eq!(e.field.as_deref(), Some("rank_by"));
    assert!(e.message.contains("\"volume_shares\""), "{}", e.message);
    // A mix is no one figure to rank by.
    assert!(portfolio::rank_key("class_mix").is_err());
}

#[test]
fn every_rank_key_is_a_figure_of_a_partnerships_kpis() {
    let p = of("m", "volume_share_pct", &three());
    let keys: Vec<&str> = p.partnerships[0]
        .kpis
        .keys()
        .copied()
        // A mix (null without a catalogue) is no one figure.
        .filter(|k| *k != "class_mix")
        .collect();
    let mut expected = portfolio::RANK_KEYS.to_vec();
    expected.sort_unstable();
    assert_eq!(keys, expected);
}

#[test]
fn a_partnership_not_in_force_in_the_period_is_left_out() {
    let mut models = three();
    // Signed after the half ended.
    models.push(partnership("later", "m", "d5", "2008-07-01", &[]));
    let mut ended = partnership("ended", "m", "d6", "2006-01-01", &[("2008-01", "1", "2")]);
    let c = CommitBuilder::new("ended".parse().unwrap()).commit(
        Context::Strategy,
        AggregateId::singleton("t"),
        Side::Manufacturer,
        d("2007-12-31"),
        vec![
            StrategyEvent::PartnershipTerminated {
                reason: "merged".into(),
                terminated_on: d("2007-12-31"),
            }
            .into(),
        ],
    );
    ended.apply(&c);
    models.push(ended);
    // Terminated during the half: it was in force for part of it.
    let mut during = partnership("during", "m", "d7", "2006-01-01", &[]);
    let c = CommitBuilder::new("during".parse().unwrap()).commit(
        Context::Strategy,
        AggregateId::singleton("t"),
        Side::Manufacturer,
        d("2008-03-31"),
        vec![
            StrategyEvent::PartnershipTerminated {
                reason: "merged".into(),
                terminated_on: d("2008-03-31"),
            }
            .into(),
        ],
    );
    during.apply(&c);
    models.push(during);
    let p = of("m", "volume_share_pct", &models);
    assert_eq!(ids(&p), ["c", "a", "b", "during"]);
}

#[test]
fn a_distributor_sees_each_manufacturer_it_works_with() {
    let p = of("d1", "volume_share_pct", &three());
    assert_eq!(ids(&p), ["x", "a"]);
    assert_eq!(p.partnerships[0].counterparty, org("other"));
    assert_eq!(p.partnerships[1].counterparty, org("m"));
    let none = of("nobody", "volume_share_pct", &three());
    assert!(none.partnerships.is_empty());
    assert_eq!(none.totals["volume_cases"], Figure::Null);
}

#[test]
fn the_json_is_the_contract() {
    let p = of("m", "volume_share_pct", &three());
    let json = p.to_json().to_text();
    assert!(
        json.starts_with(r#"{"org":"m","period":"2008-H1","partnerships":[{"partnership":"c","counterparty":"d3","region":"c region","rank":1,"kpis":{"#),
        "{json}"
    );
    assert!(
        json.contains(r#""totals":{"market_revenue_yuan":"#),
        "{json}"
    );
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["totals"]["volume_share_pct"], serde_json::json!(15.0));
}

#[test]
fn the_formats_for_people_label_every_column() {
    let p = of("m", "volume_share_pct", &three());
    let md = p.to_markdown(Lang::En);
    assert!(md.starts_with("# Portfolio — m — 2008-H1\n"), "{md}");
    assert!(md.contains("ranked by volume share"), "{md}");
    assert!(
        md.contains("| rank | partnership | counterparty | region |"),
        "{md}"
    );
    assert!(!md.contains("volume_share_pct"), "{md}");
    let zh = p.to_markdown(Lang::ZhCn);
    assert!(zh.contains("合作组合"), "{zh}");
    let html = p.to_html(Lang::En);
    assert!(
        html.starts_with("<!DOCTYPE html>") && html.contains("<td>d3</td>"),
        "{html}"
    );
    let csv = p.to_csv();
    assert!(csv.contains("partnership,c,rank,1\n"), "{csv}");
    assert!(csv.contains("totals,m,volume_share_pct,15.00\n"), "{csv}");
    // Front ends render from the JSON the evaluation service answers.
    let back = Portfolio::from_json(&p.to_json().to_text(), "volume_share_pct").unwrap();
    assert_eq!(back, p);
    let xlsx = p.to_xlsx(Lang::En).unwrap();
    assert!(xlsx.starts_with(b"PK"));
}

#[test]
fn a_side_named_keeps_the_partnerships_the_organisation_is_on_that_side_of() {
    let models = [
        partnership("a", "m", "d", "2007-01-01", &[]),
        // m distributes another manufacturer's brands too.
        partnership("b", "other", "m", "2007-01-01", &[]),
    ];
    let period: Period = H1.parse().unwrap();
    let of_side = |side| {
        let p = portfolio::portfolio(
            &org("m"),
            side,
            period,
            "volume_cases",
            models.iter().map(|m| (m, d(AS_OF))),
        )
        .unwrap();
        ids(&p).into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    assert_eq!(of_side(None), ["a", "b"]);
    assert_eq!(of_side(Some(Side::Manufacturer)), ["a"]);
    assert_eq!(of_side(Some(Side::Distributor)), ["b"]);
}
