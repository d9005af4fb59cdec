//! Value realised (創值): a campaign's promised uplift against the market data, worked by
//! hand. The formula (docs/kpis.md, "Value realised"):
//!
//!   A = the SKUs' volume over the promised months;
//!   B = their volume over the same months a year earlier
//!       × (market volume over the months ÷ market volume a year earlier);
//!   R = A − B;  realisation_pct = R ÷ uplift × 100;  kept = R ≥ uplift.

mod common;

use common::{World, d, p, ym};
use synergy_evaluation::exact::round_div;
use synergy_evaluation::figure::Figure;
use synergy_evaluation::json::Json;
use synergy_evaluation::locale::Lang;
use synergy_evaluation::render;
use synergy_evaluation::value::{promises_kept, value_realised};
use synergy_evaluation::{review_pack, scorecard};
use synergy_proto::events::information::{MarketTotals, SkuLine};
use synergy_proto::events::{InformationEvent, MarketingEvent};
use synergy_proto::{CampaignId, Cases, Context, Yuan};

fn campaign(id: &str) -> CampaignId {
    id.parse().unwrap()
}

/// A campaign for SKU `a` over `starts … ends`.
fn plan(w: &mut World, id: &str, starts: &str, ends: &str) {
    w.ev(
        Context::Marketing,
        "2007-12-20",
        MarketingEvent::CampaignPlanned {
            campaign: campaign(id),
            title: format!("push {id}"),
            brand: "x".parse().unwrap(),
            skus: vec!["a".parse().unwrap()],
            starts_on: d(starts),
            ends_on: d(ends),
            activity_plan: "displays".into(),
        }
        .into(),
    );
}

/// The campaign promises `uplift` cases of `a` over `first … last`.
fn promise(w: &mut World, id: &str, first: &str, last: &str, uplift: &str, reason: Option<&str>) {
    w.ev(
        Context::Marketing,
        "2007-12-21",
        MarketingEvent::UpliftPromised {
            campaign: campaign(id),
            skus: vec!["a".parse().unwrap()],
            first_month: ym(first),
            last_month: ym(last),
            uplift: Cases::parse(uplift).unwrap(),
            reason: reason.map(str::to_owned),
        }
        .into(),
    );
}

/// The value-realised JSON of campaign `id` as of `as_of`.
fn judged(w: &World, id: &str, as_of: &str) -> Json {
    let id = campaign(id);
    value_realised(&w.model, &id, d(as_of))
        .expect("the campaign exists")
        .to_json()
}

fn text(json: &Json, key: &str) -> Option<String> {
    match json.get(key) {
        Some(Json::Number(n) | Json::String(n)) => Some(n.clone()),
        Some(Json::Null) => None,
        other => panic!("{key} is {other:?} in {}", json.to_text()),
    }
}

fn flag(json: &Json, key: &str) -> Option<bool> {
    match json.get(key) {
        Some(Json::Bool(b)) => Some(*b),
        Some(Json::Null) => None,
        other => panic!("{key} is {other:?} in {}", json.to_text()),
    }
}

/// May 2007 and May 2008 reported: 100 of 1,000 and 120 of 1,100 cases.
fn may() -> World {
    let mut w = World::signed("2007-01-01");
    w.month("2007-05", "2007-06-05", "100", "1000");
    w.month("2008-05", "2008-06-05", "120", "1100");
    plan(&mut w, "spring", "2008-05-01", "2008-05-31");
    w
}

#[test]
fn the_worked_example_of_the_docs() {
    let mut w = may();
    promise(&mut w, "spring", "2008-05", "2008-05", "8", None);
    let v = judged(&w, "spring", "2008-06-15");
    // A = 120; B = 100 × (1,100 ÷ 1,000) = 110; R = 120 − 110 = 10;
    // realisation = 10 ÷ 8 × 100 = 125 %, so kept.
    assert_eq!(text(&v, "actual_cases").as_deref(), Some("120"));
    assert_eq!(text(&v, "last_year_cases").as_deref(), Some("100"));
    assert_eq!(text(&v, "market_volume_cases").as_deref(), Some("1100"));
    assert_eq!(
        text(&v, "market_volume_last_year_cases").as_deref(),
        Some("1000")
    );
    assert_eq!(text(&v, "baseline_cases").as_deref(), Some("110"));
    assert_eq!(text(&v, "realised_cases").as_deref(), Some("10"));
    assert_eq!(text(&v, "uplift_cases").as_deref(), Some("8"));
    assert_eq!(text(&v, "realisation_pct").as_deref(), Some("125.00"));
    assert_eq!(flag(&v, "due"), Some(true));
    assert_eq!(flag(&v, "kept"), Some(true));
    assert_eq!(
        v.get("months_included"),
        Some(&Json::Array(vec![Json::str("2008-05")]))
    );
    assert_eq!(
        v.get("skus"),
        Some(&Json::Array(vec![Json::str("a")])),
        "{}",
        v.to_text()
    );
    assert_eq!(text(&v, "first_month").as_deref(), Some("2008-05"));
    assert_eq!(text(&v, "revision").as_deref(), Some("1"));
    assert_eq!(text(&v, "reason"), None);
}

#[test]
fn realised_is_rounded_once_from_exact_figures() {
    let mut w = World::signed("2007-01-01");
    w.month("2007-03", "2007-04-05", "100", "950");
    w.month("2007-04", "2007-05-05", "110", "1000");
    w.month("2008-03", "2008-04-05", "130", "1000");
    w.month("2008-04", "2008-05-05", "125", "1050");
    plan(&mut w, "spring", "2008-03-01", "2008-04-30");
    promise(&mut w, "spring", "2008-03", "2008-04", "40", None);
    let v = judged(&w, "spring", "2008-05-15");
    // A = 130 + 125 = 255; last year 100 + 110 = 210; market 2,050 against 1,950.
    // B = 210 × 2,050 ÷ 1,950 = 220.76923… → 220.769;
    // R = 255 − 220.76923… = 34.23076… → 34.231;
    // realisation = 34.23076… ÷ 40 × 100 = 85.5769… % → 85.58 %, short of 100 %.
    assert_eq!(text(&v, "actual_cases").as_deref(), Some("255"));
    assert_eq!(text(&v, "baseline_cases").as_deref(), Some("220.769"));
    assert_eq!(text(&v, "realised_cases").as_deref(), Some("34.231"));
    assert_eq!(text(&v, "realisation_pct").as_deref(), Some("85.58"));
    assert_eq!(flag(&v, "kept"), Some(false));
}

#[test]
fn kept_is_judged_on_the_exact_figures() {
    // A = 140; B = 100 × 1,100 ÷ 1,000 = 110; R = 30 exactly.
    for (uplift, pct, kept) in [
        ("30", "100.00", true),
        ("29.999", "100.00", true),
        // 30 ÷ 30.001 = 99.9966… %: shown as 100.00 %, yet 30 < 30.001.
        ("30.001", "100.00", false),
        ("31", "96.77", false),
    ] {
        let mut w = World::signed("2007-01-01");
        w.month("2007-05", "2007-06-05", "100", "1000");
        w.month("2008-05", "2008-06-05", "140", "1100");
        plan(&mut w, "spring", "2008-05-01", "2008-05-31");
        promise(&mut w, "spring", "2008-05", "2008-05", uplift, None);
        let v = judged(&w, "spring", "2008-06-15");
        assert_eq!(text(&v, "realised_cases").as_deref(), Some("30"));
        assert_eq!(
            text(&v, "realisation_pct").as_deref(),
            Some(pct),
            "{uplift}"
        );
        assert_eq!(flag(&v, "kept"), Some(kept), "{uplift}");
    }
}

#[test]
fn a_shortfall_below_the_baseline_is_negative() {
    let mut w = World::signed("2007-01-01");
    w.month("2007-05", "2007-06-05", "100", "1000");
    w.month("2008-05", "2008-06-05", "100", "1100");
    plan(&mut w, "spring", "2008-05-01", "2008-05-31");
    promise(&mut w, "spring", "2008-05", "2008-05", "8", None);
    let v = judged(&w, "spring", "2008-06-15");
    // B = 110 as above; R = 100 − 110 = −10; −10 ÷ 8 = −125 %.
    assert_eq!(text(&v, "realised_cases").as_deref(), Some("-10"));
    assert_eq!(text(&v, "realisation_pct").as_deref(), Some("-125.00"));
    assert_eq!(flag(&v, "kept"), Some(false));
}

#[test]
fn a_month_without_data_makes_the_figures_null_not_zero() {
    let mut w = may();
    plan(&mut w, "summer", "2008-05-01", "2008-06-30");
    promise(&mut w, "summer", "2008-05", "2008-06", "8", None);
    w.month("2007-06", "2007-07-05", "100", "1000");
    // June 2008 is never sent; its deadline (2008-07-10) has passed by 2008-07-15.
    let v = judged(&w, "summer", "2008-07-15");
    assert_eq!(flag(&v, "due"), Some(true));
    for key in [
        "actual_cases",
        "market_volume_cases",
        "baseline_cases",
        "realised_cases",
        "realisation_pct",
    ] {
        assert_eq!(text(&v, key), None, "{key}");
    }
    // The year-earlier figures are known: only this year's month is missing.
    assert_eq!(text(&v, "last_year_cases").as_deref(), Some("200"));
    assert_eq!(flag(&v, "kept"), None, "unknown, neither kept nor broken");
    // Due but unknown counts as due, never as kept.
    assert_eq!(
        promises_kept(&w.model, p("2008-Q2"), d("2008-07-15")),
        (1, 0)
    );
}

#[test]
fn no_data_a_year_earlier_or_no_market_then_is_null() {
    // May 2007 was never reported.
    let mut w = World::signed("2007-01-01");
    w.month("2008-05", "2008-06-05", "120", "1100");
    plan(&mut w, "spring", "2008-05-01", "2008-05-31");
    promise(&mut w, "spring", "2008-05", "2008-05", "8", None);
    let v = judged(&w, "spring", "2008-06-15");
    assert_eq!(text(&v, "actual_cases").as_deref(), Some("120"));
    for key in [
        "last_year_cases",
        "market_volume_last_year_cases",
        "baseline_cases",
        "realised_cases",
        "realisation_pct",
    ] {
        assert_eq!(text(&v, key), None, "{key}");
    }
    assert_eq!((flag(&v, "due"), flag(&v, "kept")), (Some(true), None));

    // May 2007 reported, but with a market of zero: no growth to apply.
    let mut w = World::signed("2007-01-01");
    w.month("2007-05", "2007-06-05", "0", "0");
    w.month("2008-05", "2008-06-05", "120", "1100");
    plan(&mut w, "spring", "2008-05-01", "2008-05-31");
    promise(&mut w, "spring", "2008-05", "2008-05", "8", None);
    let v = judged(&w, "spring", "2008-06-15");
    assert_eq!(
        text(&v, "market_volume_last_year_cases").as_deref(),
        Some("0")
    );
    assert_eq!(text(&v, "baseline_cases"), None);
    assert_eq!(text(&v, "realised_cases"), None);
    assert_eq!(flag(&v, "kept"), None);
}

#[test]
fn a_sku_without_a_line_a_year_earlier_sold_nothing_then() {
    // A new product: May 2007 is reported without a line for `a`.
    let mut w = World::signed("2007-01-01");
    w.ev(
        Context::Information,
        "2007-06-05",
        InformationEvent::MarketDataSubmitted {
            month: ym("2007-05"),
            revision: 1,
            lines: Vec::<SkuLine>::new(),
            market: MarketTotals {
                volume: Cases::parse("1000").unwrap(),
                revenue: Yuan::parse("100").unwrap(),
                active_outlets: 100,
            },
            submitted_on: d("2007-06-05"),
        }
        .into(),
    );
    w.month("2008-05", "2008-06-05", "120", "1100");
    plan(&mut w, "launch", "2008-05-01", "2008-05-31");
    promise(&mut w, "launch", "2008-05", "2008-05", "100", None);
    let v = judged(&w, "launch", "2008-06-15");
    // B = 0 × (1,100 ÷ 1,000) = 0: all 120 cases are uplift; 120 ÷ 100 = 120 %.
    assert_eq!(text(&v, "last_year_cases").as_deref(), Some("0"));
    assert_eq!(text(&v, "baseline_cases").as_deref(), Some("0"));
    assert_eq!(text(&v, "realised_cases").as_deref(), Some("120"));
    assert_eq!(text(&v, "realisation_pct").as_deref(), Some("120.00"));
    assert_eq!(flag(&v, "kept"), Some(true));
}

#[test]
fn a_promise_is_not_due_before_its_months_are_reported() {
    let mut w = World::signed("2007-01-01");
    w.month("2007-05", "2007-06-05", "100", "1000");
    w.month("2007-06", "2007-07-05", "100", "1000");
    plan(&mut w, "summer", "2008-05-01", "2008-06-30");
    promise(&mut w, "summer", "2008-05", "2008-06", "20", None);

    // May has ended but is not in, and its deadline (2008-06-10) is ahead: nothing counts.
    let v = judged(&w, "summer", "2008-06-03");
    assert_eq!(flag(&v, "due"), Some(false));
    assert_eq!(v.get("months_included"), Some(&Json::Array(vec![])));
    assert_eq!(text(&v, "actual_cases"), None);
    assert_eq!(flag(&v, "kept"), None);

    // Once May is in, it counts: progress against the whole promise, still not due.
    w.month("2008-05", "2008-06-05", "120", "1100");
    let v = judged(&w, "summer", "2008-06-15");
    assert_eq!(flag(&v, "due"), Some(false));
    assert_eq!(
        v.get("months_included"),
        Some(&Json::Array(vec![Json::str("2008-05")]))
    );
    // May alone: R = 120 − 110 = 10 of the 20 promised for May and June: 50 %.
    assert_eq!(text(&v, "realised_cases").as_deref(), Some("10"));
    assert_eq!(text(&v, "realisation_pct").as_deref(), Some("50.00"));
    assert_eq!(flag(&v, "kept"), None, "not due: never broken");
    assert_eq!(
        promises_kept(&w.model, p("2008-Q2"), d("2008-06-15")),
        (0, 0)
    );

    // June in: due. R = (120 + 115) − 200 × (2,200 ÷ 2,000) = 235 − 220 = 15 < 20.
    w.month("2008-06", "2008-07-05", "115", "1100");
    let v = judged(&w, "summer", "2008-07-06");
    assert_eq!(flag(&v, "due"), Some(true));
    assert_eq!(text(&v, "realised_cases").as_deref(), Some("15"));
    assert_eq!(text(&v, "realisation_pct").as_deref(), Some("75.00"));
    assert_eq!(flag(&v, "kept"), Some(false));
    assert_eq!(
        promises_kept(&w.model, p("2008-Q2"), d("2008-07-06")),
        (1, 0)
    );
}

#[test]
fn a_campaign_without_a_promise_or_that_does_not_exist() {
    let w = may();
    assert_eq!(
        value_realised(&w.model, &campaign("nope"), d("2008-06-15")),
        None
    );
    let v = judged(&w, "spring", "2008-06-15");
    assert_eq!(v.get("skus"), Some(&Json::Array(vec![])));
    assert_eq!(text(&v, "uplift_cases"), None);
    assert_eq!(text(&v, "actual_cases"), None);
    assert_eq!((flag(&v, "due"), flag(&v, "kept")), (Some(false), None));
}

#[test]
fn the_latest_promise_is_judged() {
    let mut w = may();
    promise(&mut w, "spring", "2008-05", "2008-05", "20", None);
    promise(
        &mut w,
        "spring",
        "2008-05",
        "2008-05",
        "8",
        Some("supply was short"),
    );
    let v = judged(&w, "spring", "2008-06-15");
    assert_eq!(text(&v, "uplift_cases").as_deref(), Some("8"));
    assert_eq!(text(&v, "revision").as_deref(), Some("2"));
    assert_eq!(text(&v, "reason").as_deref(), Some("supply was short"));
    assert_eq!(flag(&v, "kept"), Some(true));
}

/// Three campaigns for 2008-H1 as of 2008-07-15: `may` keeps its promise, `june` does not
/// (its data is in), `july` runs into H2.
fn three_promises() -> World {
    let mut w = may();
    w.month("2007-06", "2007-07-05", "100", "1000");
    w.month("2008-06", "2008-07-05", "100", "1100");
    w.month("2007-07", "2007-08-05", "100", "1000");
    promise(&mut w, "spring", "2008-05", "2008-05", "8", None);
    plan(&mut w, "june", "2008-06-01", "2008-06-30");
    promise(&mut w, "june", "2008-06", "2008-06", "5", None);
    plan(&mut w, "july", "2008-06-01", "2008-07-31");
    promise(&mut w, "july", "2008-06", "2008-07", "5", None);
    w
}

#[test]
fn the_scorecard_counts_promises_kept_of_those_due_in_the_period() {
    let w = three_promises();
    // spring (May): kept; june: 100 − 110 = −10 < 5, broken; july ends in H2.
    let card = scorecard(&w.model, p("2008-H1"), d("2008-07-15"));
    let count = |key: &str| card.kpis.get(key).and_then(|f| f.plain());
    assert_eq!(count("promises_due").as_deref(), Some("2"));
    assert_eq!(count("promises_kept").as_deref(), Some("1"));
    // Before June is in (its deadline 2008-07-10 still ahead) only May's is due.
    let early = scorecard(&w.model, p("2008-H1"), d("2008-07-01"));
    let count = |key: &str| early.kpis.get(key).and_then(|f| f.plain());
    assert_eq!(count("promises_due").as_deref(), Some("1"));
    assert_eq!(count("promises_kept").as_deref(), Some("1"));
}

#[test]
fn the_review_pack_shows_each_promise_touching_the_period() {
    let w = three_promises();
    let pack = review_pack(&w.model, p("2008-H1"), d("2008-07-15"));
    let json = pack.to_json();
    let Some(Json::Array(promises)) = json.get("value_realised") else {
        panic!("no value_realised in {}", json.to_text())
    };
    let ids: Vec<_> = promises.iter().map(|v| text(v, "campaign")).collect();
    // By id; july's promise touches June, so it is shown, not yet due.
    assert_eq!(
        ids,
        [
            Some("july".into()),
            Some("june".into()),
            Some("spring".into())
        ]
    );
    assert_eq!(flag(&promises[0], "due"), Some(false));
    assert_eq!(text(&promises[1], "realised_cases").as_deref(), Some("-10"));
    assert_eq!(flag(&promises[1], "kept"), Some(false));
    assert_eq!(
        text(&promises[2], "realisation_pct").as_deref(),
        Some("125.00")
    );
    let Some(Json::Array(agenda)) = json.get("agenda") else {
        panic!("no agenda")
    };
    let won = agenda[0].get("data").unwrap();
    assert_eq!(text(won, "promises_due").as_deref(), Some("2"));
    assert_eq!(text(won, "promises_kept").as_deref(), Some("1"));
    // 2008-Q3 sees only july's promise.
    let q3 = review_pack(&w.model, p("2008-Q3"), d("2008-10-15")).to_json();
    let Some(Json::Array(q3)) = q3.get("value_realised") else {
        panic!("no value_realised")
    };
    assert_eq!(q3.len(), 1);

    let md = render::to_markdown_in(&pack, Lang::En);
    assert!(md.contains("## Value realised"), "{md}");
    assert!(
        md.contains("| spring | a | 2008-05 … 2008-05 | 8 | 120 | 110 | 10 | 125.00 % | kept |"),
        "{md}"
    );
    assert!(md.contains("| july | a | 2008-06 … 2008-07 |"), "{md}");
    assert!(md.contains("not yet due"), "{md}");
    assert!(md.contains("not kept"), "{md}");
    let html = render::to_html_in(&pack, Lang::ZhCn);
    assert!(html.contains("<h2>创值</h2>"), "{html}");
    assert!(html.contains("<td>兑现</td>"), "{html}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// R and the realisation are the formula brought to one fraction, rounded once:
    /// R = (A·ML − L·M) ÷ ML and R ÷ U × 100 = (A·ML − L·M)·100 ÷ (ML·U), in thousandths
    /// of a case — so neither B nor R was rounded on the way, and `kept` compares the exact
    /// R with U.
    #[test]
    fn realised_and_realisation_are_rounded_once_at_the_end(
        actual in 0i128..5_000_000,
        last_year in 0i128..5_000_000,
        market_extra in 0i128..50_000_000,
        market_last_year_extra in 1i128..50_000_000,
        uplift in 1i128..1_000_000,
    ) {
        // All in thousandths of a case; the market holds our SKU and more.
        let market = actual + market_extra;
        let market_last_year = last_year + market_last_year_extra;
        let cases = |units: i128| format!("{}.{:03}", units / 1000, units % 1000);
        let mut w = World::signed("2007-01-01");
        w.month("2007-05", "2007-06-05", &cases(last_year), &cases(market_last_year));
        w.month("2008-05", "2008-06-05", &cases(actual), &cases(market));
        plan(&mut w, "spring", "2008-05-01", "2008-05-31");
        promise(&mut w, "spring", "2008-05", "2008-05", &cases(uplift), None);
        let v = judged(&w, "spring", "2008-06-15");

        let num = actual * market_last_year - last_year * market;
        let realised = round_div(num, market_last_year, 0).unwrap();
        let shown = |units: i128| Figure::cases(Some(units)).plain().unwrap();
        proptest::prop_assert_eq!(text(&v, "realised_cases"), Some(shown(realised)));
        let hundredths = round_div(num * 100, market_last_year * uplift, 2).unwrap();
        let pct = format!(
            "{}{}.{:02}",
            if hundredths < 0 { "-" } else { "" },
            hundredths.abs() / 100,
            hundredths.abs() % 100
        );
        proptest::prop_assert_eq!(text(&v, "realisation_pct"), Some(pct));
        proptest::prop_assert_eq!(flag(&v, "kept"), Some(num >= uplift * market_last_year));
    }
}
