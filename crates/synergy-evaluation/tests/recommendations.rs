//! 提升: each recommendation rule, given the figures that make it fire and the figures
//! that do not, with its evidence and its owner.

mod common;

use common::*;
use synergy_evaluation::json::Json;
use synergy_evaluation::recommend::{Owner, Recommendation, recommendations};
use synergy_evaluation::render;
use synergy_evaluation::report::{market_report, review_pack};
use synergy_proto::events::SupportEvent;
use synergy_proto::events::evaluation::RecommendationRule;
use synergy_proto::{ActionItemId, Context, Side};

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
    let found: Vec<_> = rs.iter().filter(|r| r.rule.as_str() == rule).collect();
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
    assert_eq!(r.owner(), Owner::Both);
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
    assert_eq!(r.owner(), Owner::Both);
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
    assert_eq!(r.owner(), Owner::Side(Side::Manufacturer));
    assert_eq!(evidence(r, "price_index").as_deref(), Some("106.00"));
    assert_eq!(evidence(r, "price_index_high").as_deref(), Some("105.00"));
    let low = at("9.40");
    assert_eq!(
        one(&low, "price.low").owner(),
        Owner::Side(Side::Distributor)
    );
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
    assert_eq!(r.owner(), Owner::Side(Side::Distributor));
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
    assert_eq!(r.owner(), Owner::Side(Side::Distributor));

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
    assert_eq!(r.owner(), Owner::Side(Side::Manufacturer));
    assert_eq!(evidence(r, "coverage_pct").as_deref(), Some("70.00"));
    assert_eq!(evidence(r, "active_selling_pct").as_deref(), Some("50.00"));
    let thin = sku_recs(20, 19);
    let r = one(&thin, "sku.underdistributed");
    assert_eq!(r.owner(), Owner::Side(Side::Distributor));
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

/// Q1 with stock 1.6 × sales (stock.high), the distributor accepting it on 2008-04-20 as an
/// item due 2008-05-15, then Q2 as `q2` has it.
fn stock_high_accepted(q2: Month<'_>) -> World {
    let mut w = World::signed("2007-12-01");
    let high = Month {
        closing_stock: "160",
        ..healthy()
    };
    quarter(&mut w, "2008-Q1", high);
    let item: ActionItemId = "rec-2008-Q1-stock-high".parse().unwrap();
    w.ev(
        Context::Support,
        "2008-04-20",
        SupportEvent::ActionItemRaised {
            item: item.clone(),
            title: "Order less in May".into(),
            owner: Side::Distributor,
            due_on: d("2008-05-15"),
            meeting: None,
            raised_on: d("2008-04-20"),
        }
        .into(),
    );
    w.ev(
        Context::Support,
        "2008-04-20",
        SupportEvent::RecommendationAccepted {
            item,
            period: p("2008-Q1"),
            rule: RecommendationRule::StockHigh,
            sku: None,
            by: Side::Distributor,
        }
        .into(),
    );
    quarter(&mut w, "2008-Q2", q2);
    w
}

fn section(w: &World, period: &str, as_of: &str, name: &str) -> Vec<Json> {
    let pack = review_pack(&w.model, p(period), d(as_of));
    let json = Json::parse(&render::to_json(&pack)).unwrap();
    match json.get(name) {
        Some(Json::Array(items)) => items.clone(),
        other => panic!("{name} is {other:?}"),
    }
}

fn text(v: &Json, key: &str) -> Option<String> {
    match v.get(key)? {
        Json::String(s) => Some(s.clone()),
        Json::Null => None,
        other => panic!("{key} is {other:?}"),
    }
}

/// A recommendation shows its decision once it is made, not before.
#[test]
fn a_recommendation_shows_what_was_decided_on_it_by_the_day_of_the_report() {
    let w = stock_high_accepted(healthy());
    let before = section(&w, "2008-Q1", "2008-04-15", "recommendations");
    assert_eq!(before[0].get("decision"), Some(&Json::Null));
    let after = section(&w, "2008-Q1", "2008-05-01", "recommendations");
    let decision = after[0].get("decision").expect("decision");
    assert_eq!(text(decision, "status").as_deref(), Some("accepted"));
    assert_eq!(text(decision, "by").as_deref(), Some("distributor"));
    assert_eq!(text(decision, "on").as_deref(), Some("2008-04-20"));
    assert_eq!(
        text(decision, "item").as_deref(),
        Some("rec-2008-Q1-stock-high")
    );
    assert_eq!(text(decision, "item_status").as_deref(), Some("open"));
    assert_eq!(text(decision, "due_on").as_deref(), Some("2008-05-15"));
    assert_eq!(text(decision, "closed_on"), None);
}

/// Given stock.high accepted for Q1, the Q2 pack follows it up: the item overdue while
/// open past its due date, closed once closed, and whether stock is still high in Q2.
#[test]
fn the_next_periods_pack_shows_what_became_of_accepted_recommendations() {
    let mut still_high = stock_high_accepted(Month {
        closing_stock: "160",
        ..healthy()
    });
    let followed = section(
        &still_high,
        "2008-Q2",
        "2008-07-20",
        "recommendations_followed_up",
    );
    assert_eq!(followed.len(), 1, "{followed:?}");
    let f = &followed[0];
    assert_eq!(text(f, "id").as_deref(), Some("stock.high"));
    assert_eq!(text(f, "period").as_deref(), Some("2008-Q1"));
    assert_eq!(f.get("still_fires"), Some(&Json::Bool(true)));
    let decision = f.get("decision").unwrap();
    assert_eq!(text(decision, "item_status").as_deref(), Some("overdue"));

    still_high.ev(
        Context::Support,
        "2008-06-02",
        SupportEvent::ActionItemClosed {
            item: "rec-2008-Q1-stock-high".parse().unwrap(),
            note: "ordered 20 % less".into(),
            closed_on: d("2008-06-02"),
        }
        .into(),
    );
    let followed = section(
        &still_high,
        "2008-Q2",
        "2008-07-20",
        "recommendations_followed_up",
    );
    let decision = followed[0].get("decision").unwrap();
    assert_eq!(text(decision, "item_status").as_deref(), Some("closed"));
    assert_eq!(text(decision, "closed_on").as_deref(), Some("2008-06-02"));
    // Closed, yet stock is still high: the pack says so.
    assert_eq!(followed[0].get("still_fires"), Some(&Json::Bool(true)));

    let fixed = stock_high_accepted(healthy());
    let followed = section(
        &fixed,
        "2008-Q2",
        "2008-07-20",
        "recommendations_followed_up",
    );
    assert_eq!(followed[0].get("still_fires"), Some(&Json::Bool(false)));
    // Before any Q2 month has ended there is nothing to judge it by.
    let early = section(
        &fixed,
        "2008-Q2",
        "2008-04-25",
        "recommendations_followed_up",
    );
    assert_eq!(early[0].get("still_fires"), Some(&Json::Null));
    // Q3 follows up Q2's decisions, of which there are none.
    assert!(
        section(
            &fixed,
            "2008-Q3",
            "2008-10-20",
            "recommendations_followed_up"
        )
        .is_empty()
    );
}

#[test]
fn a_dismissed_recommendation_shows_the_reason() {
    let mut w = World::signed("2007-12-01");
    quarter(
        &mut w,
        "2008-Q1",
        Month {
            closing_stock: "160",
            ..healthy()
        },
    );
    w.ev(
        Context::Support,
        "2008-04-12",
        SupportEvent::RecommendationDismissed {
            item: "rec-2008-Q1-stock-high".parse().unwrap(),
            period: p("2008-Q1"),
            rule: RecommendationRule::StockHigh,
            sku: None,
            reason: "Stock built for the Spring Festival".into(),
            by: Side::Manufacturer,
            dismissed_on: d("2008-04-12"),
        }
        .into(),
    );
    let recs = section(&w, "2008-Q1", "2008-05-01", "recommendations");
    let decision = recs[0].get("decision").unwrap();
    assert_eq!(text(decision, "status").as_deref(), Some("dismissed"));
    assert_eq!(text(decision, "by").as_deref(), Some("manufacturer"));
    assert_eq!(
        text(decision, "reason").as_deref(),
        Some("Stock built for the Spring Festival")
    );
    let followed = section(&w, "2008-Q2", "2008-07-20", "recommendations_followed_up");
    assert_eq!(followed.len(), 1);
    assert_eq!(
        text(followed[0].get("decision").unwrap(), "status").as_deref(),
        Some("dismissed")
    );
}
