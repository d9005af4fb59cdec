//! 提升: each recommendation rule, given the figures that make it fire and the figures
//! that do not, with its evidence and its owner.

mod common;

use common::*;
use synergy_evaluation::json::Json;
use synergy_evaluation::recommend::{Owner, Recommendation, recommendations};
use synergy_evaluation::render;
use synergy_evaluation::report::{market_report, review_pack};
use synergy_proto::Side;

fn recs(w: &World, period: &str, as_of: &str) -> Vec<Recommendation> {
    recommendations(&w.model, p(period), d(as_of))
}

fn ids(w: &World, period: &str, as_of: &str) -> Vec<String> {
    recs(w, period, as_of).iter().map(|r| r.id()).collect()
}

fn evidence(r: &Recommendation, key: &str) -> Option<String> {
    r.evidence
        .iter()
        .find(|(k, _)| *k == key)
        .unwrap_or_else(|| panic!("{key} is no evidence of {}", r.rule))
        .1
        .plain()
}

fn one<'a>(rs: &'a [Recommendation], rule: &str) -> &'a Recommendation {
    let found: Vec<_> = rs.iter().filter(|r| r.rule == rule).collect();
    assert_eq!(found.len(), 1, "{rule} in {rs:?}");
    found[0]
}

/// Months of a quarter sent on the 5th of the next month, all alike.
fn quarter(w: &mut World, q: &str, m: Month<'_>) {
    for month in p(q).months() {
        let on = month.next().unwrap().first_day().add_days(4).unwrap();
        w.report(&month.to_string(), &on.to_string(), m);
    }
}

fn healthy() -> Month<'static> {
    // 10 % share, stock 1 of 100 a month, coverage 10 %, active selling 50 %, at guide.
    Month::default()
}

#[test]
fn nothing_fires_on_healthy_figures_or_before_a_month_ends() {
    let mut w = World::signed("2007-12-01");
    quarter(&mut w, "2008-Q1", healthy());
    quarter(&mut w, "2008-Q2", healthy());
    assert!(recs(&w, "2008-Q2", "2008-08-01").is_empty());
    // Q3 has no ended month on 2008-07-31: nothing to judge.
    assert!(recs(&w, "2008-Q3", "2008-07-31").is_empty());
}

/// Given Q1 at 30 % share and Q2 at 28 %, then share.drop fires (a 2-point fall is more
/// than the default 1 point); at 29.5 % it does not; a quarter with no previous data
/// has nothing to compare with.
#[test]
fn share_drop_fires_past_the_partnerships_threshold() {
    let mut w = World::signed("2007-12-01");
    quarter(
        &mut w,
        "2008-Q1",
        Month {
            ours: "300",
            ..healthy()
        },
    );
    quarter(
        &mut w,
        "2008-Q2",
        Month {
            ours: "280",
            ..healthy()
        },
    );
    let rs = recs(&w, "2008-Q2", "2008-08-01");
    let r = one(&rs, "share.drop");
    assert_eq!(r.owner, Owner::Both);
    assert_eq!(r.sku, None);
    assert_eq!(evidence(r, "volume_share_pct").as_deref(), Some("28.00"));
    assert_eq!(
        evidence(r, "previous_volume_share_pct").as_deref(),
        Some("30.00")
    );
    assert_eq!(evidence(r, "change_points").as_deref(), Some("-2.00"));
    assert!(
        ids(&w, "2008-Q1", "2008-08-01").is_empty(),
        "no Q4 2007 to compare"
    );

    let mut mild = World::signed("2007-12-01");
    quarter(
        &mut mild,
        "2008-Q1",
        Month {
            ours: "300",
            ..healthy()
        },
    );
    quarter(
        &mut mild,
        "2008-Q2",
        Month {
            ours: "295",
            ..healthy()
        },
    );
    assert!(ids(&mild, "2008-Q2", "2008-08-01").is_empty());
}

/// Given a Q1 target of 400 cases: 300 (75 %) fires attainment.low below the default
/// 90 %; 380 (95 %) does not; without a plan nothing fires. Mid-quarter the bar is
/// prorated: after one month of three it is 30 %.
#[test]
fn attainment_low_fires_below_the_bar_prorated_while_in_progress() {
    let mut w = World::signed("2007-12-01");
    w.volume_plan(&[("2008-Q1", "400")]);
    quarter(&mut w, "2008-Q1", healthy()); // 3 × 100 = 300
    let rs = recs(&w, "2008-Q1", "2008-05-01");
    let r = one(&rs, "attainment.low");
    assert_eq!(
        evidence(r, "volume_attainment_pct").as_deref(),
        Some("75.00")
    );
    assert_eq!(evidence(r, "threshold_pct").as_deref(), Some("90.00"));
    assert_eq!(r.owner, Owner::Both);
    // On 2008-02-01 only January counts: 100 of 400 = 25 %, under a bar of 90 × 1/3 = 30.
    let early = recs(&w, "2008-Q1", "2008-02-01");
    assert_eq!(
        evidence(one(&early, "attainment.low"), "threshold_pct").as_deref(),
        Some("30.00")
    );

    let mut on_track = World::signed("2007-12-01");
    on_track.volume_plan(&[("2008-Q1", "400")]);
    quarter(
        &mut on_track,
        "2008-Q1",
        Month {
            ours: "127",
            ..healthy()
        },
    ); // 381 = 95.25 %
    assert!(ids(&on_track, "2008-Q1", "2008-05-01").is_empty());
    // 127 of 400 after January is 31.75 %: above the prorated 30 %.
    assert!(ids(&on_track, "2008-Q1", "2008-02-01").is_empty());

    let mut no_plan = World::signed("2007-12-01");
    quarter(&mut no_plan, "2008-Q1", healthy());
    assert!(ids(&no_plan, "2008-Q1", "2008-05-01").is_empty());
}

/// Given retail prices 6 % above guide, then price.high (the manufacturer's: supply is
/// short); 6 % below, price.low (the distributor's); 5 % either way is inside the band.
#[test]
fn prices_outside_the_band_point_at_supply() {
    let at = |retail: &'static str| {
        let mut w = World::signed("2007-12-01");
        quarter(
            &mut w,
            "2008-Q1",
            Month {
                retail,
                ..healthy()
            },
        );
        recs(&w, "2008-Q1", "2008-05-01")
    };
    let high = at("10.60");
    let r = one(&high, "price.high");
    assert_eq!(r.owner, Owner::Side(Side::Manufacturer));
    assert_eq!(evidence(r, "price_index").as_deref(), Some("106.00"));
    assert_eq!(evidence(r, "price_index_high").as_deref(), Some("105.00"));
    let low = at("9.40");
    assert_eq!(one(&low, "price.low").owner, Owner::Side(Side::Distributor));
    assert!(at("10.50").is_empty());
    assert!(at("9.50").is_empty());
}

/// Given closing stock of 160 cases on sales of 100 a month (1.6 > 1.5), then stock.high
/// for the distributor; at 150 it does not fire.
#[test]
fn stock_high_fires_above_the_ratio() {
    let mut w = World::signed("2007-12-01");
    quarter(
        &mut w,
        "2008-Q1",
        Month {
            closing_stock: "160",
            ..healthy()
        },
    );
    let rs = recs(&w, "2008-Q1", "2008-05-01");
    let r = one(&rs, "stock.high");
    assert_eq!(evidence(r, "stock_to_sales").as_deref(), Some("1.60"));
    assert_eq!(r.owner, Owner::Side(Side::Distributor));
    let mut ok = World::signed("2007-12-01");
    quarter(
        &mut ok,
        "2008-Q1",
        Month {
            closing_stock: "150",
            ..healthy()
        },
    );
    assert!(ids(&ok, "2008-Q1", "2008-05-01").is_empty());
}

/// Given forecasts of 120 for sales of 100 (accuracy 80 %), then forecast.miss; at 110
/// (90 %) it does not; without forecasts it cannot fire.
#[test]
fn forecast_miss_fires_below_85_percent() {
    let with_forecast = |volume: &str| {
        let mut w = World::signed("2007-12-01");
        for m in ["2008-01", "2008-02", "2008-03"] {
            w.forecast(m, volume);
        }
        quarter(&mut w, "2008-Q1", healthy());
        recs(&w, "2008-Q1", "2008-05-01")
    };
    let miss = with_forecast("120");
    let r = one(&miss, "forecast.miss");
    assert_eq!(
        evidence(r, "forecast_accuracy_pct").as_deref(),
        Some("80.00")
    );
    assert!(with_forecast("110").is_empty());
}

/// Given March sent on 2008-04-11 (after the 10th), then data.late for the distributor;
/// history loaded at signing never fires it.
#[test]
fn data_late_fires_for_a_month_sent_after_its_deadline() {
    let mut w = World::signed("2007-12-01");
    w.month("2008-01", "2008-02-05", "100", "1000");
    w.month("2008-02", "2008-03-05", "100", "1000");
    w.month("2008-03", "2008-04-11", "100", "1000");
    let rs = recs(&w, "2008-Q1", "2008-05-01");
    let r = one(&rs, "data.late");
    assert_eq!(evidence(r, "data_on_time_pct").as_deref(), Some("66.67"));
    assert_eq!(r.owner, Owner::Side(Side::Distributor));

    let mut history = World::signed("2008-06-01");
    history.month("2008-01", "2008-05-30", "100", "1000");
    history.month("2008-02", "2008-05-30", "100", "1000");
    history.month("2008-03", "2008-05-30", "100", "1000");
    assert!(ids(&history, "2008-Q1", "2008-07-01").is_empty());
}

/// P&G's "low sales on much shelf": coverage 70 % with 50 % active selling fires
/// sku.shelf_no_sales (the manufacturer replaces or pushes the SKU); 95 % selling on 20 %
/// coverage fires sku.underdistributed (the distributor widens distribution); at the
/// thresholds themselves (60 % coverage, 60 % selling) the shelf rule does not fire.
#[test]
fn sku_rules_read_coverage_against_active_selling() {
    let sku_recs = |stocking: u32, selling: u32| {
        let mut w = World::signed("2007-12-01");
        quarter(
            &mut w,
            "2008-Q1",
            Month {
                outlets_stocking: stocking,
                outlets_selling: selling,
                ..healthy()
            },
        );
        recs(&w, "2008-Q1", "2008-05-01")
    };
    let shelf = sku_recs(70, 35);
    let r = one(&shelf, "sku.shelf_no_sales");
    assert_eq!(r.id(), "sku.shelf_no_sales:a");
    assert_eq!(r.owner, Owner::Side(Side::Manufacturer));
    assert_eq!(evidence(r, "coverage_pct").as_deref(), Some("70.00"));
    assert_eq!(evidence(r, "active_selling_pct").as_deref(), Some("50.00"));
    let thin = sku_recs(20, 19);
    let r = one(&thin, "sku.underdistributed");
    assert_eq!(r.owner, Owner::Side(Side::Distributor));
    assert!(
        sku_recs(60, 36).is_empty(),
        "60 % selling is not below 60 %"
    );
    assert!(sku_recs(10, 5).is_empty());
}

/// The market report and the review pack carry them as `recommendations`.
#[test]
fn reports_carry_recommendations_in_their_json() {
    let mut w = World::signed("2007-12-01");
    quarter(
        &mut w,
        "2008-Q1",
        Month {
            closing_stock: "160",
            ..healthy()
        },
    );
    for report in [
        market_report(&w.model, p("2008-Q1"), d("2008-05-01")),
        review_pack(&w.model, p("2008-Q1"), d("2008-05-01")),
    ] {
        let json = Json::parse(&render::to_json(&report)).unwrap();
        let Some(Json::Array(items)) = json.get("recommendations") else {
            panic!("no recommendations in {json:?}");
        };
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].get("rule"), Some(&Json::str("stock.high")));
        assert_eq!(items[0].get("sku"), Some(&Json::Null));
        assert_eq!(items[0].get("owner"), Some(&Json::str("distributor")));
        assert!(matches!(items[0].get("evidence"), Some(Json::Object(_))));
    }
}
