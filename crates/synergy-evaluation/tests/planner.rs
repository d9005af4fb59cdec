//! The share-gap planner against worked examples computed by hand, its refusals, and the
//! property that it rounds once, at the end.

mod common;

use common::*;
use proptest::prelude::*;
use synergy_evaluation::exact::round_div;
use synergy_evaluation::json::Json;
use synergy_evaluation::planner::{PlannerError, share_gap};

/// 24 months from 2006-07 to 2008-06: the first twelve with `ours_before` of a market of
/// `market_before`, the last twelve with `ours_after` of `market_after`; each sent on the
/// 5th of the next month, 10 outlets stocking.
fn history(ours_before: &str, market_before: &str, ours_after: &str, market_after: &str) -> World {
    let mut w = World::signed("2006-06-01");
    let mut month = ym("2006-07");
    for i in 0..24 {
        let (ours, market) = if i < 12 {
            (ours_before, market_before)
        } else {
            (ours_after, market_after)
        };
        let on = month.next().unwrap().first_day().add_days(4).unwrap();
        w.month(&month.to_string(), &on.to_string(), ours, market);
        month = month.next().unwrap();
    }
    w
}

fn number(json: &Json, key: &str) -> String {
    match json.get(key) {
        Some(Json::Number(n)) => n.clone(),
        other => panic!("{key} is {other:?}"),
    }
}

/// Worked by hand, the formulas of `docs/kpis.md` quoted:
/// - m0 = 2008-06; g_m = 13,200 ÷ 12,000 − 1 = 10 %; g_o = 1,440 ÷ 1,200 − 1 = 20 %;
/// - T = 2008-Q3, L = 2007-Q3: market(L) = 3 × 1,100 = 3,300, ours(L) = 3 × 120 = 360;
/// - M̂ = 3,300 × 1.1 = 3,630; V̂ = 360 × 1.2 = 432; V* = 15 % × 3,630 = 544.5;
///   G = 544.5 − 432 = 112.5 cases;
/// - one SKU: gap_a = 112.5; in 2008-06 it sold 120 cases in 10 outlets (12 per outlet):
///   ⌈112.5 ÷ 12⌉ = ⌈9.375⌉ = 10 outlets.
#[test]
fn fifteen_percent_of_2008_q3_worked_by_hand() {
    let w = history("100", "1000", "120", "1100");
    let plan = share_gap(&w.model, p("2008-Q3"), 1500).unwrap();
    let json = plan.to_json("p1");
    assert_eq!(number(&json, "target_share_pct"), "15.00");
    assert_eq!(number(&json, "market_growth_pct"), "10.00");
    assert_eq!(number(&json, "our_growth_pct"), "20.00");
    assert_eq!(number(&json, "projected_market_volume_cases"), "3630");
    assert_eq!(number(&json, "baseline_volume_cases"), "432");
    assert_eq!(number(&json, "required_volume_cases"), "544.5");
    assert_eq!(number(&json, "gap_cases"), "112.5");
    assert_eq!(json.get("base_period"), Some(&Json::str("2007-Q3")));
    assert_eq!(json.get("last_recorded_month"), Some(&Json::str("2008-06")));
    let Some(Json::Array(skus)) = json.get("skus") else {
        panic!("skus");
    };
    assert_eq!(skus.len(), 1);
    assert_eq!(skus[0].get("sku"), Some(&Json::str("a")));
    assert_eq!(number(&skus[0], "gap_cases"), "112.5");
    assert_eq!(number(&skus[0], "outlets_needed"), "10");
}

/// A target already within reach: V* = 10 % × 3,630 = 363 < V̂ = 432, so the gap is
/// −69 cases and no outlet is needed.
#[test]
fn a_share_within_reach_has_a_negative_gap_and_needs_no_outlets() {
    let w = history("100", "1000", "120", "1100");
    let json = share_gap(&w.model, p("2008-Q3"), 1000)
        .unwrap()
        .to_json("p1");
    assert_eq!(number(&json, "gap_cases"), "-69");
    let Some(Json::Array(skus)) = json.get("skus") else {
        panic!("skus");
    };
    assert_eq!(number(&skus[0], "outlets_needed"), "0");
}

/// Rounded once: S = 13.33 %, V* = 0.1333 × 3,630 = 483.879, G = 51.879 — the cases keep
/// their three decimals; rounding M̂ or V* first would not change this one, but the
/// property below checks every case.
#[test]
fn cases_keep_three_decimals() {
    let w = history("100", "1000", "120", "1100");
    let json = share_gap(&w.model, p("2008-Q3"), 1333)
        .unwrap()
        .to_json("p1");
    assert_eq!(number(&json, "required_volume_cases"), "483.879");
    assert_eq!(number(&json, "gap_cases"), "51.879");
}

#[test]
fn refusals_name_what_is_missing() {
    let w = history("100", "1000", "120", "1100");
    // Only 23 months when the first is dropped: a fresh history from 2006-08.
    let mut short = World::signed("2006-06-01");
    let mut month = ym("2006-08");
    while month <= ym("2008-06") {
        let on = month.next().unwrap().first_day().add_days(4).unwrap();
        short.month(&month.to_string(), &on.to_string(), "100", "1000");
        month = month.next().unwrap();
    }
    let err = share_gap(&short.model, p("2008-Q3"), 1500).unwrap_err();
    assert_eq!(err.code(), "planner.insufficient_history");
    assert!(err.to_string().contains("1 of 2006-07"), "{err}");
    assert_eq!(
        share_gap(&w.model, p("2008-Q2"), 1500).unwrap_err().code(),
        "planner.period_not_ahead"
    );
    // 2009-Q3's base, 2008-Q3, is not recorded.
    assert_eq!(
        share_gap(&w.model, p("2009-Q3"), 1500).unwrap_err().code(),
        "planner.base_period_missing"
    );
    assert_eq!(
        share_gap(&w.model, p("2008-Q3"), 0).unwrap_err(),
        PlannerError::TargetShareInvalid
    );
    assert_eq!(
        share_gap(&World::signed("2006-06-01").model, p("2008-Q3"), 1500).unwrap_err(),
        PlannerError::NoData
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The gap equals G = (S·mL·Mn·Oo − 10⁴·oL·On·Mo) ÷ (10⁴·Mo·Oo), the formula brought
    /// to one fraction, rounded once to thousandths of a case — so no intermediate figure
    /// was rounded.
    #[test]
    fn the_gap_is_rounded_once_at_the_end(
        ours_before in 1u32..5_000,
        ours_after in 1u32..5_000,
        extra_before in 0u32..50_000,
        extra_after in 0u32..50_000,
        share in 1i64..=10_000,
        thousandths in 0u32..1000,
    ) {
        let ob = format!("{ours_before}.{thousandths:03}");
        let mb = format!("{}.{thousandths:03}", ours_before + extra_before);
        let oa = format!("{ours_after}");
        let ma = format!("{}", ours_after + extra_after);
        let w = history(&ob, &mb, &oa, &ma);
        let plan = share_gap(&w.model, p("2008-Q3"), share).unwrap();
        let json = plan.to_json("p1");
        // In thousandths: 12 months each side; L = 2007-Q3 lies in the "after" half.
        let t = i128::from(thousandths);
        let (ob, mb) = (i128::from(ours_before) * 1000 + t, i128::from(ours_before + extra_before) * 1000 + t);
        let (oa, ma) = (i128::from(ours_after) * 1000, i128::from(ours_after + extra_after) * 1000);
        let (mo, mn, oo, on) = (12 * mb, 12 * ma, 12 * ob, 12 * oa);
        let (ml, ol) = (3 * ma, 3 * oa);
        let s = i128::from(share);
        let num = s * ml * mn * oo - 10_000 * ol * on * mo;
        let den = 10_000 * mo * oo;
        let expected = round_div(num, den, 0).unwrap();
        let cases = |units: i128| {
            synergy_evaluation::figure::Figure::cases(Some(units)).plain().unwrap()
        };
        prop_assert_eq!(number(&json, "gap_cases"), cases(expected));
    }
}
