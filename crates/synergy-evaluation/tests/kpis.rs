//! Every KPI formula on small hand-computed cases, including nulls, zero denominators, a
//! correction superseding a month and rounding half away from zero.

use synergy_changzhi::CommitBuilder;
use synergy_evaluation::figure::{Figure, Kpis};
use synergy_evaluation::kpi::{Scope, market_kpis};
use synergy_proto::events::brand::PriceClass;
use synergy_proto::events::information::{MarketTotals, SkuLine, VolumeLine};
use synergy_proto::events::marketing::MarketingEvent;
use synergy_proto::events::strategy::Target;
use synergy_proto::events::support::Severity;
use synergy_proto::events::{BrandEvent, InformationEvent, StrategyEvent, SupportEvent};
use synergy_proto::{AggregateId, Cases, Context, Event, Side, SkuId, Timestamp, Yuan};

mod common;

use common::{World, d, p, ym};

fn sku(s: &str) -> SkuId {
    s.parse().unwrap()
}

fn yuan(s: &str) -> Yuan {
    Yuan::parse(s).unwrap()
}

fn cases(s: &str) -> Cases {
    Cases::parse(s).unwrap()
}

/// (sku, volume, revenue, stock, stocking, selling, retail)
type L<'a> = (&'a str, &'a str, &'a str, &'a str, u32, u32, &'a str);

fn lines(ls: &[L<'_>]) -> Vec<SkuLine> {
    ls.iter()
        .map(|l| SkuLine {
            sku: sku(l.0),
            volume: cases(l.1),
            revenue: yuan(l.2),
            closing_stock: cases(l.3),
            outlets_stocking: l.4,
            outlets_selling: l.5,
            avg_retail_price: yuan(l.6),
        })
        .collect()
}

fn market(v: &str, r: &str, outlets: u32) -> MarketTotals {
    MarketTotals {
        volume: cases(v),
        revenue: yuan(r),
        active_outlets: outlets,
    }
}

impl World {
    /// Three SKUs of two brands registered: `a` and `b` of `x`, `c` of `y`.
    fn new() -> Self {
        let mut w = World::empty();
        for (brand, s, class, guide) in [
            ("x", "a", 1, "10.00"),
            ("x", "b", 2, "20.00"),
            ("y", "c", 3, "5.00"),
        ] {
            w.register("2008-01-01", brand, s, class, guide);
        }
        w
    }

    fn submit(&mut self, month: &str, on: &str, ls: &[L<'_>], m: MarketTotals) {
        self.submit_lines(month, on, lines(ls), m);
    }

    fn kpis_of(&self, scope: Scope<'_>, period: &str, as_of: &str) -> Kpis {
        market_kpis(&self.model, scope, p(period), d(as_of))
    }
}

fn get(k: &Kpis, key: &str) -> Option<String> {
    match k.get(key) {
        Some(f) => f.plain(),
        None => panic!("{key} missing from {k:?}"),
    }
}

fn january() -> World {
    let mut w = World::new();
    w.submit(
        "2008-01",
        "2008-02-10",
        &[
            ("a", "1", "100.00", "2", 3, 1, "10.50"),
            ("b", "3", "300.00", "0", 6, 6, "19.00"),
        ],
        market("8", "1000.00", 9),
    );
    w
}

#[test]
fn volumes_shares_and_missing_comparisons() {
    let w = january();
    let k = w.kpis_of(Scope::Partnership, "2008-01", "2008-03-01");
    assert_eq!(get(&k, "volume_cases").as_deref(), Some("4"));
    assert_eq!(get(&k, "revenue_yuan").as_deref(), Some("400.00"));
    assert_eq!(get(&k, "volume_share_pct").as_deref(), Some("50.00"));
    assert_eq!(get(&k, "revenue_share_pct").as_deref(), Some("40.00"));
    assert_eq!(get(&k, "revenue_per_case_yuan").as_deref(), Some("100.00"));
    assert_eq!(
        get(&k, "volume_yoy_pct"),
        None,
        "no 2007 data: null, not 0 or -100"
    );
    assert_eq!(get(&k, "volume_pop_pct"), None);
    assert_eq!(get(&k, "target_volume_cases"), None, "no plan");
    assert_eq!(get(&k, "volume_attainment_pct"), None);
    // closing 2 ÷ (4 ÷ 1 month)
    assert_eq!(get(&k, "stock_to_sales").as_deref(), Some("0.50"));
    // (1·10.50 + 3·19.00) ÷ (1·10.00 + 3·20.00) = 67.5 ÷ 70 = 96.428…
    assert_eq!(get(&k, "price_index").as_deref(), Some("96.43"));
    assert_eq!(
        k.get("class_mix").and_then(Figure::plain).as_deref(),
        Some("1=25.00;2=75.00")
    );
    assert_eq!(get(&k, "price_compliance_pct"), None, "no checks");
    assert_eq!(get(&k, "forecast_accuracy_pct"), None, "no forecasts");
    assert_eq!(get(&k, "order_fill_pct"), None, "no orders");
    // A brand or SKU without any line in the period is null, not 0.
    let y = w.kpis_of(Scope::Brand(&"y".parse().unwrap()), "2008-01", "2008-03-01");
    assert_eq!(get(&y, "volume_cases"), None);
    assert_eq!(get(&y, "volume_share_pct"), None);
    // An empty period has null market figures too.
    let empty = w.kpis_of(Scope::Partnership, "2009-01", "2009-03-01");
    assert_eq!(get(&empty, "market_volume_cases"), None);
    assert_eq!(get(&empty, "closing_stock_cases"), None);
}

#[test]
fn zero_denominators_are_null() {
    let mut w = World::new();
    w.submit(
        "2008-01",
        "2008-02-01",
        &[("a", "0", "0", "5", 0, 0, "10.00")],
        market("0", "0", 0),
    );
    let k = w.kpis_of(Scope::Partnership, "2008-01", "2008-03-01");
    assert_eq!(get(&k, "volume_cases").as_deref(), Some("0"));
    assert_eq!(get(&k, "volume_share_pct"), None);
    assert_eq!(get(&k, "revenue_per_case_yuan"), None);
    assert_eq!(get(&k, "stock_to_sales"), None);
    assert_eq!(get(&k, "price_index"), None);
    assert_eq!(k.get("class_mix"), Some(&Figure::Null));
    let s = w.kpis_of(Scope::Sku(&sku("a")), "2008-01", "2008-03-01");
    assert_eq!(get(&s, "coverage_pct"), None);
    assert_eq!(get(&s, "active_selling_pct"), None);
    // yoy against a zero base is null.
    w.submit(
        "2009-01",
        "2009-02-01",
        &[("a", "1", "1", "0", 0, 0, "10.00")],
        market("1", "1", 1),
    );
    let k = w.kpis_of(Scope::Partnership, "2009-01", "2009-03-01");
    assert_eq!(get(&k, "volume_yoy_pct"), None);
}

#[test]
fn rounding_is_half_away_from_zero() {
    let mut w = World::new();
    // 1 ÷ 800 = 0.125 % → 0.13; 799 vs 800 a year earlier = −0.125 % → −0.13.
    w.submit(
        "2007-03",
        "2007-04-01",
        &[("a", "800", "8", "0", 1, 1, "10")],
        market("800", "8", 1),
    );
    w.submit(
        "2008-03",
        "2008-04-01",
        &[("a", "799", "8", "0", 1, 1, "10")],
        market("799", "8", 1),
    );
    w.submit(
        "2008-04",
        "2008-05-01",
        &[("a", "1", "1", "0", 1, 1, "10")],
        market("800", "1", 1),
    );
    let k = w.kpis_of(Scope::Partnership, "2008-03", "2008-06-01");
    assert_eq!(get(&k, "volume_yoy_pct").as_deref(), Some("-0.13"));
    let k = w.kpis_of(Scope::Partnership, "2008-04", "2008-06-01");
    assert_eq!(get(&k, "volume_share_pct").as_deref(), Some("0.13"));
    // 1 − 0.001 cases precision is kept: 799 → 1 is −99.874…% → −99.87.
    assert_eq!(get(&k, "volume_pop_pct").as_deref(), Some("-99.87"));
}

#[test]
fn coverage_and_active_selling_are_means_of_monthly_ratios() {
    let mut w = january();
    w.submit(
        "2008-02",
        "2008-03-11",
        &[("a", "1", "100.00", "1", 1, 1, "10.00")],
        market("8", "1000.00", 6),
    );
    let s = w.kpis_of(Scope::Sku(&sku("a")), "2008-Q1", "2008-04-05");
    // mean(3/9, 1/6) = 1/4, where the ratio of sums would be 4/15 = 26.67.
    assert_eq!(get(&s, "coverage_pct").as_deref(), Some("25.00"));
    // mean(1/3, 1/1) = 2/3
    assert_eq!(get(&s, "active_selling_pct").as_deref(), Some("66.67"));
    assert!(!s.contains_key("class_mix") && !s.contains_key("target_volume_cases"));
    let k = w.kpis_of(Scope::Partnership, "2008-Q1", "2008-04-05");
    // Closing stock of the latest month with data (Feb, 1) ÷ (5 cases ÷ 2 months).
    assert_eq!(get(&k, "closing_stock_cases").as_deref(), Some("1"));
    assert_eq!(get(&k, "stock_to_sales").as_deref(), Some("0.40"));
    assert!(!k.contains_key("coverage_pct"), "coverage is a SKU KPI");
}

#[test]
fn a_correction_supersedes_the_month_and_never_merges() {
    let mut w = january();
    w.ev(
        Context::Information,
        "2008-03-01",
        InformationEvent::MarketDataCorrected {
            month: ym("2008-01"),
            revision: 2,
            lines: lines(&[("a", "2", "150.00", "0", 3, 3, "10.00")]),
            market: market("10", "1000.00", 9),
            submitted_on: d("2008-03-01"),
            reason: "b belonged to another distributor".into(),
        }
        .into(),
    );
    let k = w.kpis_of(Scope::Partnership, "2008-01", "2008-03-05");
    assert_eq!(
        get(&k, "volume_cases").as_deref(),
        Some("2"),
        "b's line is gone, a replaced"
    );
    assert_eq!(get(&k, "volume_share_pct").as_deref(), Some("20.00"));
    let b = w.kpis_of(Scope::Sku(&sku("b")), "2008-01", "2008-03-05");
    assert_eq!(get(&b, "volume_cases"), None);
    // A stale revision arriving late does not override the one in force.
    w.submit(
        "2008-01",
        "2008-02-10",
        &[("a", "99", "1", "0", 1, 1, "10")],
        market("99", "1", 1),
    );
    let k = w.kpis_of(Scope::Partnership, "2008-01", "2008-03-05");
    assert_eq!(get(&k, "volume_cases").as_deref(), Some("2"));
    // Submitted on the 10th (on time), corrected later: still on time.
    assert_eq!(get(&k, "data_on_time_pct").as_deref(), Some("100.00"));
    assert_eq!(w.model.months[&ym("2008-01")].corrections, 1);
}

#[test]
fn data_on_time_counts_only_months_due() {
    let mut w = january(); // Jan submitted 2008-02-10: on the deadline, on time.
    w.submit(
        "2008-02",
        "2008-03-11",
        &[("a", "1", "1", "0", 1, 1, "10")],
        market("8", "8", 9),
    );
    let q1 = |w: &World, as_of: &str| {
        get(
            &w.kpis_of(Scope::Partnership, "2008-Q1", as_of),
            "data_on_time_pct",
        )
    };
    assert_eq!(q1(&w, "2008-01-31"), None, "no month has ended");
    assert_eq!(
        q1(&w, "2008-02-05"),
        None,
        "Jan ended but may still be sent by the 10th"
    );
    assert_eq!(q1(&w, "2008-02-11").as_deref(), Some("100.00"));
    assert_eq!(
        q1(&w, "2008-04-05").as_deref(),
        Some("50.00"),
        "Mar not due until the 10th"
    );
    assert_eq!(
        q1(&w, "2008-04-11").as_deref(),
        Some("33.33"),
        "Mar missing after its deadline"
    );
}

#[test]
fn prices_forecasts_and_orders() {
    let mut w = january();
    for (s, observed, guide) in [
        ("a", "10.50", "10.00"),
        ("a", "10.51", "10.00"),
        ("b", "19.00", "20.00"),
    ] {
        w.ev(
            Context::Marketing,
            "2008-01-15",
            MarketingEvent::RetailPriceChecked {
                campaign: "c1".parse().unwrap(),
                sku: sku(s),
                outlet: "o1".parse().unwrap(),
                observed_price: yuan(observed),
                guide_price: yuan(guide),
                checked_on: d("2008-01-15"),
            }
            .into(),
        );
    }
    let vl = |ls: &[(&str, &str)]| -> Vec<VolumeLine> {
        ls.iter()
            .map(|(s, v)| VolumeLine {
                sku: sku(s),
                volume: cases(v),
            })
            .collect()
    };
    for f in [vl(&[("a", "10")]), vl(&[("a", "2"), ("b", "3")])] {
        w.ev(
            Context::Information,
            "2007-12-20",
            InformationEvent::DemandForecastSubmitted {
                month: ym("2008-01"),
                lines: f,
                submitted_on: d("2007-12-20"),
            }
            .into(),
        );
    }
    w.ev(
        Context::Information,
        "2008-01-02",
        InformationEvent::OrderPlaced {
            order: "o1".parse().unwrap(),
            month: ym("2008-01"),
            lines: vl(&[("a", "10")]),
            placed_on: d("2008-01-02"),
        }
        .into(),
    );
    for v in ["4", "3"] {
        w.ev(
            Context::Information,
            "2008-01-09",
            InformationEvent::OrderReceived {
                order: "o1".parse().unwrap(),
                lines: vl(&[("a", v)]),
                received_on: d("2008-01-09"),
            }
            .into(),
        );
    }
    let k = w.kpis_of(Scope::Partnership, "2008-01", "2008-03-01");
    // ±5 % inclusive: 10.50 and 19.00 are within, 10.51 is not.
    assert_eq!(get(&k, "price_compliance_pct").as_deref(), Some("66.67"));
    // The later forecast replaced the first: |1−2| + |3−3| = 1 of 4 actual.
    assert_eq!(get(&k, "forecast_accuracy_pct").as_deref(), Some("75.00"));
    assert_eq!(get(&k, "order_fill_pct").as_deref(), Some("70.00"));
    let b = w.kpis_of(Scope::Sku(&sku("b")), "2008-01", "2008-03-01");
    assert_eq!(get(&b, "order_fill_pct"), None);
    assert_eq!(get(&b, "price_compliance_pct").as_deref(), Some("100.00"));
}

fn plan_events(w: &mut World) {
    let t = |brand: Option<&str>, period: &str, v: &str| Target {
        brand: brand.map(|b| b.parse().unwrap()),
        period: p(period),
        volume: Some(cases(v)),
        revenue: None,
        volume_share: None,
    };
    let mut es: Vec<Event> = vec![
        StrategyEvent::PlanDrafted {
            plan: "pl".parse().unwrap(),
            title: "t".into(),
            first_year: 2008,
            last_year: 2008,
        }
        .into(),
    ];
    for target in [
        t(None, "2008-01", "5"),
        t(None, "2008-02", "3"),
        t(None, "2008-03", "2"),
        t(Some("x"), "2008-01", "8"),
    ] {
        es.push(
            StrategyEvent::PlanTargetSet {
                plan: "pl".parse().unwrap(),
                target,
            }
            .into(),
        );
    }
    for e in es {
        w.ev(Context::Strategy, "2007-12-01", e);
    }
}

#[test]
fn targets_count_only_from_the_active_revision() {
    let mut w = january();
    plan_events(&mut w);
    let att = |w: &World, period: &str| {
        get(
            &w.kpis_of(Scope::Partnership, period, "2008-03-01"),
            "volume_attainment_pct",
        )
    };
    assert_eq!(
        att(&w, "2008-01"),
        None,
        "a draft plan's targets do not count"
    );
    let activate = StrategyEvent::PlanActivated {
        plan: "pl".parse().unwrap(),
        revision: 1,
    };
    w.ev(Context::Strategy, "2007-12-02", activate.into());
    assert_eq!(att(&w, "2008-01").as_deref(), Some("80.00"));
    // The quarter's target is the sum of its months: 4 ÷ 10.
    let q = w.kpis_of(Scope::Partnership, "2008-Q1", "2008-03-01");
    assert_eq!(get(&q, "target_volume_cases").as_deref(), Some("10"));
    assert_eq!(get(&q, "volume_attainment_pct").as_deref(), Some("40.00"));
    // The half lacks Q2 targets, so it has none.
    assert_eq!(
        get(
            &w.kpis_of(Scope::Partnership, "2008-H1", "2008-03-01"),
            "target_volume_cases"
        ),
        None
    );
    let x = w.kpis_of(Scope::Brand(&"x".parse().unwrap()), "2008-01", "2008-03-01");
    assert_eq!(get(&x, "volume_attainment_pct").as_deref(), Some("50.00"));
    let revise = StrategyEvent::PlanRevised {
        plan: "pl".parse().unwrap(),
        revision: 2,
        reason: "r".into(),
    };
    w.ev(Context::Strategy, "2008-02-01", revise.into());
    assert_eq!(
        att(&w, "2008-01"),
        None,
        "a revision in draft is not binding"
    );
    w.ev(
        Context::Strategy,
        "2008-02-02",
        StrategyEvent::PlanTargetSet {
            plan: "pl".parse().unwrap(),
            target: Target {
                brand: None,
                period: p("2008-01"),
                volume: Some(cases("8")),
                revenue: None,
                volume_share: None,
            },
        }
        .into(),
    );
    w.ev(
        Context::Strategy,
        "2008-02-03",
        StrategyEvent::PlanActivated {
            plan: "pl".parse().unwrap(),
            revision: 2,
        }
        .into(),
    );
    assert_eq!(
        att(&w, "2008-01").as_deref(),
        Some("50.00"),
        "revision 2's target"
    );
    w.ev(
        Context::Strategy,
        "2008-02-04",
        StrategyEvent::PlanWithdrawn {
            plan: "pl".parse().unwrap(),
            reason: "r".into(),
        }
        .into(),
    );
    assert_eq!(att(&w, "2008-01"), None);
}

#[test]
fn action_items_as_of_a_date() {
    let mut w = World::new();
    let item = || "ai".parse().unwrap();
    w.ev(
        Context::Support,
        "2008-01-05",
        SupportEvent::ActionItemRaised {
            item: item(),
            title: "t".into(),
            owner: Side::Distributor,
            due_on: d("2008-01-20"),
            meeting: None,
            raised_on: d("2008-01-05"),
        }
        .into(),
    );
    w.ev(
        Context::Support,
        "2008-01-25",
        SupportEvent::ActionItemClosed {
            item: item(),
            note: "n".into(),
            closed_on: d("2008-01-25"),
        }
        .into(),
    );
    w.ev(
        Context::Support,
        "2008-02-01",
        SupportEvent::ActionItemReopened {
            item: item(),
            reason: "r".into(),
            due_on: d("2008-02-10"),
            reopened_on: d("2008-02-01"),
        }
        .into(),
    );
    let at = |as_of: &str| {
        let k = w.kpis_of(Scope::Partnership, "2008-01", as_of);
        (
            get(&k, "actions_open").unwrap(),
            get(&k, "actions_overdue").unwrap(),
        )
    };
    assert_eq!(at("2008-01-04"), ("0".into(), "0".into()), "not raised yet");
    assert_eq!(
        at("2008-01-20"),
        ("1".into(), "0".into()),
        "due today is not overdue"
    );
    assert_eq!(at("2008-01-21"), ("1".into(), "1".into()));
    assert_eq!(at("2008-01-26"), ("0".into(), "0".into()));
    assert_eq!(at("2008-02-05"), ("1".into(), "0".into()));
    assert_eq!(at("2008-02-11"), ("1".into(), "1".into()));
}

#[test]
fn support_meetings_and_campaign_tasks() {
    let mut w = World::new();
    let t0 = d("2008-01-02").start().millis();
    let hour = 3_600_000;
    for (id, opened, target, ack) in [
        ("r1", t0, 24, Some(t0 + 23 * hour)),
        ("r2", t0 + 24 * hour, 4, Some(t0 + 29 * hour)),
        ("r3", t0 + 48 * hour, 48, None),
    ] {
        w.ev(
            Context::Support,
            "2008-01-02",
            SupportEvent::SupportRequestOpened {
                request: id.parse().unwrap(),
                title: "t".into(),
                severity: Severity::High,
                requested_by: Side::Distributor,
                opened_at: Timestamp::from_millis(opened),
                response_target_hours: target,
            }
            .into(),
        );
        if let Some(a) = ack {
            w.ev(
                Context::Support,
                "2008-01-03",
                SupportEvent::SupportRequestAcknowledged {
                    request: id.parse().unwrap(),
                    acknowledged_at: Timestamp::from_millis(a),
                }
                .into(),
            );
        }
    }
    let sup = |as_of: &str| {
        get(
            &w.kpis_of(Scope::Partnership, "2008-01", as_of),
            "support_on_time_pct",
        )
    };
    assert_eq!(
        sup("2008-01-04").as_deref(),
        Some("50.00"),
        "r3 still within its 48 h"
    );
    assert_eq!(
        sup("2008-01-10").as_deref(),
        Some("33.33"),
        "r3 missed its target"
    );

    w.ev(
        Context::Marketing,
        "2008-01-01",
        MarketingEvent::CampaignPlanned {
            campaign: "c".parse().unwrap(),
            title: "launch".into(),
            brand: "x".parse().unwrap(),
            skus: vec![sku("a")],
            starts_on: d("2008-01-10"),
            ends_on: d("2008-02-10"),
            activity_plan: "p".into(),
        }
        .into(),
    );
    for task in ["t1", "t2"] {
        w.ev(
            Context::Marketing,
            "2008-01-01",
            MarketingEvent::CampaignTaskAssigned {
                campaign: "c".parse().unwrap(),
                task: task.parse().unwrap(),
                title: task.into(),
                side: Side::Distributor,
                due_on: d("2008-01-20"),
            }
            .into(),
        );
    }
    w.ev(
        Context::Marketing,
        "2008-01-15",
        MarketingEvent::CampaignTaskCompleted {
            campaign: "c".parse().unwrap(),
            task: "t1".parse().unwrap(),
            completed_on: d("2008-01-15"),
            note: "".into(),
        }
        .into(),
    );
    let k = w.kpis_of(Scope::Partnership, "2008-01", "2008-02-01");
    assert_eq!(get(&k, "campaign_tasks_done_pct").as_deref(), Some("50.00"));
    assert_eq!(
        get(
            &w.kpis_of(Scope::Partnership, "2008-02", "2008-03-01"),
            "campaign_tasks_done_pct"
        ),
        None
    );

    w.ev(
        Context::Support,
        "2008-01-01",
        SupportEvent::MeetingScheduled {
            meeting: "m".parse().unwrap(),
            kind: synergy_proto::events::support::MeetingKind::RegularReview,
            title: "r".into(),
            scheduled_on: d("2008-01-30"),
            period: None,
            agenda: vec![],
        }
        .into(),
    );
    assert_eq!(
        get(
            &w.kpis_of(Scope::Partnership, "2008-01", "2008-02-01"),
            "meetings_held"
        )
        .as_deref(),
        Some("0")
    );
    w.ev(
        Context::Support,
        "2008-01-30",
        SupportEvent::MeetingHeld {
            meeting: "m".parse().unwrap(),
            held_on: d("2008-01-30"),
            attendees: vec![],
            minutes: "".into(),
            decisions: vec![],
        }
        .into(),
    );
    assert_eq!(
        get(
            &w.kpis_of(Scope::Partnership, "2008-01", "2008-02-01"),
            "meetings_held"
        )
        .as_deref(),
        Some("1")
    );
}

#[test]
fn other_partnerships_are_ignored() {
    let mut w = january();
    let mut other = CommitBuilder::new("p2".parse().unwrap());
    let c = other.commit(
        Context::Information,
        AggregateId::singleton("t"),
        Side::Distributor,
        d("2008-03-01"),
        vec![
            InformationEvent::MarketDataCorrected {
                month: ym("2008-01"),
                revision: 9,
                lines: vec![],
                market: market("1", "1", 1),
                submitted_on: d("2008-03-01"),
                reason: "x".into(),
            }
            .into(),
        ],
    );
    w.model.apply(&c);
    assert_eq!(
        get(
            &w.kpis_of(Scope::Partnership, "2008-01", "2008-03-05"),
            "volume_cases"
        )
        .as_deref(),
        Some("4")
    );
}

#[test]
fn guide_price_in_force_for_the_month() {
    let mut w = january();
    w.ev(
        Context::Brand,
        "2008-06-01",
        BrandEvent::SkuUpdated {
            brand: "x".parse().unwrap(),
            sku: sku("b"),
            name: "b".into(),
            price_class: PriceClass::new(2).unwrap(),
            guide_price: yuan("19.00"),
        }
        .into(),
    );
    // January keeps the guide price known then (20.00): still 96.43.
    let k = w.kpis_of(Scope::Partnership, "2008-01", "2008-07-01");
    assert_eq!(get(&k, "price_index").as_deref(), Some("96.43"));
}

#[test]
fn campaign_effect_compares_the_window_a_year_earlier() {
    let mut w = january(); // a sold 1 case in 2008-01
    w.submit(
        "2007-01",
        "2007-02-05",
        &[("a", "2", "1", "0", 1, 1, "10")],
        market("8", "8", 9),
    );
    w.ev(
        Context::Marketing,
        "2007-12-01",
        MarketingEvent::CampaignPlanned {
            campaign: "launch".parse().unwrap(),
            title: "launch".into(),
            brand: "x".parse().unwrap(),
            skus: vec![sku("a")],
            starts_on: d("2008-01-10"),
            ends_on: d("2008-01-20"),
            activity_plan: "p".into(),
        }
        .into(),
    );
    let report = synergy_evaluation::brand_report(&w.model, p("2008-Q1"), d("2008-04-15"));
    let json = report.to_json().to_text();
    assert!(
        json.contains(r#""volume_cases":1,"year_before_volume_cases":2,"effect_pct":-50.00"#),
        "{json}"
    );
}
