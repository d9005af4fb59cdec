//! Reports that tell the truth about time: a period still in progress is compared month
//! for month (never a part against a whole), history loaded at signing is not late, the
//! plan's share target stands beside the share, and a commit's day is the partnership's
//! calendar's.

use synergy_evaluation::figure::Kpis;
use synergy_evaluation::json::Json;
use synergy_evaluation::kpi::{Months, Scope, Window, collaboration_kpis, market_kpis};
use synergy_evaluation::render;
use synergy_evaluation::report::market_report;
use synergy_proto::events::brand::PriceClass;
use synergy_proto::events::support::Severity;
use synergy_proto::events::{BrandEvent, StrategyEvent, SupportEvent};
use synergy_proto::{AggregateId, Context, Event, Side, Timestamp, Yuan};

mod common;

use common::*;

/// Given 2007 and the first half of 2008 — 2007's second half three times its first —
/// when 2008 is read as of 2008-07-15, then it is partial, holds January to June, and its
/// yoy compares January–June with January–June 2007, not with the whole of 2007.
#[test]
fn a_year_in_progress_is_compared_month_for_month() {
    let mut w = World::signed("2006-12-01");
    w.year(2007, |m| if m <= 6 { 100 } else { 300 });
    for m in 1..=6 {
        w.month(
            &format!("2008-0{m}"),
            &format!("2008-0{}-05", m + 1),
            "120",
            "1000",
        );
    }
    let k = w.kpis("2008", "2008-07-15");
    assert_eq!(get(&k, "volume_cases").as_deref(), Some("720"));
    // (720 − 600) ÷ 600 = +20 %; against all of 2007 (2,400) it would read −70 %.
    assert_eq!(get(&k, "volume_yoy_pct").as_deref(), Some("20.00"));
    // pop: the first six months of 2007 as well (2007 is 2008's previous year).
    assert_eq!(get(&k, "volume_pop_pct").as_deref(), Some("20.00"));
    // share of the same six months: 720 ÷ 6,000.
    assert_eq!(get(&k, "volume_share_pct").as_deref(), Some("12.00"));

    let json = Json::parse(&render::to_json(&market_report(
        &w.model,
        p("2008"),
        d("2008-07-15"),
    )))
    .unwrap();
    assert_eq!(json.get("partial"), Some(&Json::Bool(true)));
    let months: Vec<Json> = (1..=6).map(|m| Json::str(format!("2008-0{m}"))).collect();
    assert_eq!(json.get("months_included"), Some(&Json::Array(months)));

    // Once December has ended the year is whole and compared with the whole of 2007.
    for m in 7..=12 {
        let next = ym(&format!("2008-{m:02}")).next().unwrap();
        w.month(
            &format!("2008-{m:02}"),
            &format!("{next}-05"),
            "240",
            "1000",
        );
    }
    let whole = w.kpis("2008", "2009-01-01");
    // (720 + 1,440 − 2,400) ÷ 2,400 = −10 %.
    assert_eq!(get(&whole, "volume_yoy_pct").as_deref(), Some("-10.00"));
    let json = Json::parse(&render::to_json(&market_report(
        &w.model,
        p("2008"),
        d("2009-01-01"),
    )))
    .unwrap();
    assert_eq!(json.get("partial"), Some(&Json::Bool(false)));
    let Some(Json::Array(all)) = json.get("months_included") else {
        panic!("months_included is an array");
    };
    assert_eq!(all.len(), 12);
}

/// The last day of a month is still inside it; the day after, it has ended.
#[test]
fn a_month_ends_after_its_last_day() {
    let on_last_day = Window::new(p("2008-Q2"), d("2008-06-30"));
    assert!(on_last_day.partial);
    assert_eq!(
        on_last_day.months_included(),
        vec![ym("2008-04"), ym("2008-05")]
    );
    let after = Window::new(p("2008-Q2"), d("2008-07-01"));
    assert!(!after.partial);
    assert_eq!(after.current, Months::new(ym("2008-04"), ym("2008-06")));
    // A partial quarter's pop is as many months from the start of the previous quarter.
    assert_eq!(
        on_last_day.previous(),
        Months::new(ym("2008-01"), ym("2008-02"))
    );
    assert_eq!(
        on_last_day.year_earlier(),
        Months::new(ym("2007-04"), ym("2007-05"))
    );
}

/// Given data recorded for a quarter whose months have not ended by `as_of` (a report
/// read as of an earlier day), then none of it counts: the figures are null, not the
/// data that arrived later.
#[test]
fn nothing_counts_before_the_first_month_ends() {
    let mut w = World::signed("2007-12-01");
    w.month("2008-04", "2008-05-05", "100", "1000");
    let k = w.kpis("2008-Q2", "2008-04-30");
    for key in [
        "volume_cases",
        "volume_share_pct",
        "volume_yoy_pct",
        "closing_stock_cases",
        "price_index",
    ] {
        assert_eq!(get(&k, key), None, "{key}");
    }
    let json = Json::parse(&render::to_json(&market_report(
        &w.model,
        p("2008-Q2"),
        d("2008-04-30"),
    )))
    .unwrap();
    assert_eq!(json.get("partial"), Some(&Json::Bool(true)));
    assert_eq!(json.get("months_included"), Some(&Json::Array(vec![])));
    // The day after April ends, April counts.
    let k = w.kpis("2008-Q2", "2008-05-01");
    assert_eq!(get(&k, "volume_cases").as_deref(), Some("100"));
}

/// Given a partnership signed on 2008-03-10 that loads 2007 and early 2008 at signing,
/// then no month whose deadline fell before the signing is late; February's deadline is
/// the signing day itself, so February counts (and was late); a month sent on its
/// deadline after signing is on time.
#[test]
fn history_loaded_at_signing_is_not_late() {
    let mut w = World::signed("2008-03-10");
    w.year(2007, |_| 100);
    w.month("2008-01", "2008-03-10", "100", "1000");
    w.month("2008-02", "2008-03-11", "100", "1000");
    w.month("2008-03", "2008-04-10", "100", "1000");
    assert_eq!(get(&w.kpis("2007", "2008-04-30"), "data_on_time_pct"), None);
    // Jan's deadline 2008-02-10 is before the signing: not counted. Feb (deadline
    // 2008-03-10, sent the 11th) is late; Mar on its deadline is on time: 1 of 2.
    assert_eq!(
        get(&w.kpis("2008-Q1", "2008-04-30"), "data_on_time_pct").as_deref(),
        Some("50.00")
    );
    // The same data under a partnership signed in 2006 counts every month: 2007's were
    // sent on the 5th (on time), Jan 2008 on 03-10 (late), Feb late, Mar on time.
    let mut old = World::signed("2006-01-01");
    old.year(2007, |_| 100);
    old.month("2008-01", "2008-03-10", "100", "1000");
    old.month("2008-02", "2008-03-11", "100", "1000");
    old.month("2008-03", "2008-04-10", "100", "1000");
    assert_eq!(
        get(&old.kpis("2008-Q1", "2008-04-30"), "data_on_time_pct").as_deref(),
        Some("33.33")
    );
    assert_eq!(
        get(&old.kpis("2007", "2008-04-30"), "data_on_time_pct").as_deref(),
        Some("100.00")
    );
}

/// Given an active plan with a 2008 share target of 25 % and an H1 target of 20 %, then
/// H1 is judged against 20 %, Q3 against the year's 25 % (a share is no sum), and a
/// brand against its own target only.
#[test]
fn share_targets_stand_beside_the_share() {
    let mut w = World::signed("2007-12-01");
    for m in 1..=9 {
        let next = ym(&format!("2008-{m:02}")).next().unwrap();
        w.month(
            &format!("2008-{m:02}"),
            &format!("{next}-05"),
            "230",
            "1000",
        );
    }
    let before_plan = w.kpis("2008-H1", "2008-10-01");
    assert_eq!(get(&before_plan, "target_volume_share_pct"), None);
    assert_eq!(get(&before_plan, "volume_share_attainment_pct"), None);
    w.plan(&[
        (None, "2008", "25"),
        (None, "2008-H1", "20"),
        (Some("x"), "2008-Q3", "23"),
    ]);
    let h1 = w.kpis("2008-H1", "2008-10-01");
    assert_eq!(get(&h1, "volume_share_pct").as_deref(), Some("23.00"));
    assert_eq!(
        get(&h1, "target_volume_share_pct").as_deref(),
        Some("20.00")
    );
    // 23 ÷ 20 = 115 %.
    assert_eq!(
        get(&h1, "volume_share_attainment_pct").as_deref(),
        Some("115.00")
    );
    let q3 = w.kpis("2008-Q3", "2008-10-01");
    assert_eq!(
        get(&q3, "target_volume_share_pct").as_deref(),
        Some("25.00")
    );
    // 23 ÷ 25 = 92 %.
    assert_eq!(
        get(&q3, "volume_share_attainment_pct").as_deref(),
        Some("92.00")
    );
    let brand = market_kpis(
        &w.model,
        Scope::Brand(&"x".parse().unwrap()),
        p("2008-Q3"),
        d("2008-10-01"),
    );
    assert_eq!(
        get(&brand, "target_volume_share_pct").as_deref(),
        Some("23.00")
    );
    assert_eq!(
        get(&brand, "volume_share_attainment_pct").as_deref(),
        Some("100.00")
    );
    let brand_h1 = market_kpis(
        &w.model,
        Scope::Brand(&"x".parse().unwrap()),
        p("2008-H1"),
        d("2008-10-01"),
    );
    assert_eq!(get(&brand_h1, "target_volume_share_pct"), None);
}

/// Given 2007 in full and April–May 2008 (June has ended but is not sent yet, its
/// deadline the 10th still ahead), when 2008-Q2 is read on 2008-07-05, then yoy compares
/// April–May with April–May 2007, not with the whole of 2007-Q2; and a year whose base
/// has months missing has no yoy at all.
#[test]
fn comparisons_take_the_months_that_have_data_on_both_sides() {
    let mut w = World::signed("2006-06-01");
    w.year(2007, |m| if m == 6 { 400 } else { 100 });
    w.month("2008-04", "2008-05-05", "110", "1000");
    w.month("2008-05", "2008-06-05", "110", "1000");
    let k = w.kpis("2008-Q2", "2008-07-05");
    // (220 − 200) ÷ 200 = +10 %; against all of 2007-Q2 (600) it would read −63.33 %.
    assert_eq!(get(&k, "volume_yoy_pct").as_deref(), Some("10.00"));
    // pop: April–May against January–February 2008, which were never sent: null.
    assert_eq!(get(&k, "volume_pop_pct"), None);

    // Only the second half of 2006 is recorded: 2007 has no yoy, its H2 has one.
    let mut h = World::signed("2006-06-01");
    for m in 7..=12 {
        let next = ym(&format!("2006-{m:02}")).next().unwrap();
        h.month(&format!("2006-{m:02}"), &format!("{next}-05"), "80", "1000");
    }
    h.year(2007, |_| 100);
    assert_eq!(get(&h.kpis("2007", "2008-02-01"), "volume_yoy_pct"), None);
    // (600 − 480) ÷ 480 = +25 %.
    assert_eq!(
        get(&h.kpis("2007-H2", "2008-02-01"), "volume_yoy_pct").as_deref(),
        Some("25.00")
    );
}

/// `event` folded as committed at the UTC instant `at`.
fn at_instant(w: &mut World, context: Context, at: &str, event: Event) {
    let at: Timestamp = at.parse().unwrap();
    let mut c = w.b.commit(
        context,
        AggregateId::singleton("t"),
        Side::Manufacturer,
        at.date(),
        vec![event],
    );
    for e in &mut c.events {
        e.occurred_at = at;
    }
    w.model.apply(&c);
}

fn guide_price(guide: &str) -> Event {
    BrandEvent::SkuUpdated {
        brand: "x".parse().unwrap(),
        sku: "a".parse().unwrap(),
        name: "a".into(),
        price_class: PriceClass::new(1).unwrap(),
        guide_price: Yuan::parse(guide).unwrap(),
    }
    .into()
}

/// A commit is dated on the calendar of the zone in force when it is folded. At 20:00
/// UTC on 30 June it is 1 July in Shanghai but still 30 June in New York, so a guide
/// price changed then is June's in a New York partnership and July's in a Shanghai one —
/// June's price index tells them apart. A commit before the zone changed keeps the day
/// it had, and a request opened then falls in the month of the partnership's calendar.
#[test]
fn a_commit_is_dated_in_the_zone_in_force_when_it_was_made() {
    let world = |zone: Option<&str>| {
        let mut w = World::signed("2008-01-01");
        w.month("2008-06", "2008-07-05", "100", "1000");
        at_instant(
            &mut w,
            Context::Brand,
            "2008-05-31T20:00:00Z",
            guide_price("15"),
        );
        if let Some(zone) = zone {
            at_instant(
                &mut w,
                Context::Strategy,
                "2008-06-10T00:00:00Z",
                StrategyEvent::TimeZoneSet { zone: zone.into() }.into(),
            );
        }
        at_instant(
            &mut w,
            Context::Brand,
            "2008-06-30T20:00:00Z",
            guide_price("20"),
        );
        at_instant(
            &mut w,
            Context::Support,
            "2008-06-30T20:00:00Z",
            SupportEvent::SupportRequestOpened {
                request: "q1".parse().unwrap(),
                title: "stock-out".into(),
                severity: Severity::High,
                requested_by: Side::Distributor,
                opened_at: "2008-06-30T20:00:00Z".parse().unwrap(),
                response_target_hours: 24,
            }
            .into(),
        );
        w
    };
    let shanghai = world(None);
    let new_york = world(Some("America/New_York"));
    assert_eq!(new_york.model.time_zone().name(), "America/New_York");
    let days = |w: &World| -> Vec<String> {
        w.model.catalogue[&"a".parse().unwrap()]
            .guide_prices
            .keys()
            .map(ToString::to_string)
            .collect()
    };
    // 20:00 UTC on 31 May was 1 June in Shanghai, the zone in force then, in both.
    assert_eq!(days(&shanghai), ["2008-01-01", "2008-06-01", "2008-07-01"]);
    assert_eq!(days(&new_york), ["2008-01-01", "2008-06-01", "2008-06-30"]);
    // Retail 10 against June's guide price: 15 in Shanghai, 20 in New York.
    let june = |w: &World| w.kpis("2008-06", "2008-07-15");
    assert_eq!(
        get(&june(&shanghai), "price_index").as_deref(),
        Some("66.67")
    );
    assert_eq!(
        get(&june(&new_york), "price_index").as_deref(),
        Some("50.00")
    );
    // The request (never acknowledged, long past its 24 hours) is June's in New York.
    let support = |w: &World| {
        let mut k = Kpis::new();
        collaboration_kpis(&w.model, p("2008-06"), d("2008-07-15"), &mut k);
        get(&k, "support_on_time_pct")
    };
    assert_eq!(support(&new_york).as_deref(), Some("0.00"));
    assert_eq!(support(&shanghai), None);
}
