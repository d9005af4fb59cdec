//! Property tests of the numeric market data rules: whatever is submitted, nothing accepted
//! ever shows a share above 100 % or more outlets selling than stocking than exist.

mod common;

use common::*;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use synergy_domain::BoundedContext;
use synergy_information::{Information, MonthSubmission, fold_market_data};
use synergy_proto::{
    Cases, Event, YearMonth, Yuan,
    events::information::{MarketTotals, SkuLine},
};

const SKUS: [&str; 4] = [SOFT, HARD, ROSE, "yunyan-gold"];

fn any_month() -> impl Strategy<Value = YearMonth> {
    // 2008-07 has not ended on the decision day; the rest have.
    (0i64..19).prop_map(|i| ym("2007-01").offset(i).unwrap())
}

prop_compose! {
    /// Any line at all: unknown SKUs, negative figures, outlets out of order.
    fn wild_line()(
        sku in 0usize..SKUS.len(),
        volume in -5i64..30_000_000,
        revenue in -5i64..3_000_000_000,
        stock in -5i64..1_000_000,
        stocking in 0u32..4_000,
        selling in 0u32..4_000,
        price in -5i64..20_000,
    ) -> SkuLine {
        SkuLine {
            sku: synergy_proto::SkuId::new(SKUS[sku]).unwrap(),
            volume: Cases::from_units(volume),
            revenue: Yuan::from_units(revenue),
            closing_stock: Cases::from_units(stock),
            outlets_stocking: stocking,
            outlets_selling: selling,
            avg_retail_price: Yuan::from_units(price),
        }
    }
}

prop_compose! {
    fn wild_month()(
        month in any_month(),
        lines in prop::collection::vec(wild_line(), 0..5),
        volume in -5i64..40_000_000,
        revenue in -5i64..5_000_000_000,
        outlets in 0u32..4_000,
    ) -> MonthSubmission {
        MonthSubmission { month, lines, market: MarketTotals {
            volume: Cases::from_units(volume),
            revenue: Yuan::from_units(revenue),
            active_outlets: outlets,
        }}
    }
}

prop_compose! {
    /// A month that is usually valid: registered SKUs, each a third of the market at most,
    /// outlets nested. Small nudges (`bump`) push some of them over a limit.
    fn plausible_month(may_bump: bool)(
        month in any_month(),
        market_volume in 0i64..40_000_000,
        market_revenue in 0i64..5_000_000_000,
        outlets in 0u32..4_000,
        picks in prop::sample::subsequence(vec![SOFT, HARD, ROSE], 0..=3),
        fractions in prop::collection::vec((0u32..=1000, 0u32..=1000, 0u32..=1000, 0u32..=1000), 3),
        bump in prop::option::weighted(0.25, (0usize..3, 0u8..4, 1i64..1000)),
    ) -> MonthSubmission {
        let share = |total: i64, per_mille: u32| total / 3 * i64::from(per_mille) / 1000;
        let mut lines: Vec<SkuLine> = picks.iter().zip(&fractions).map(|(id, (v, r, s, a))| {
            let stocking = outlets / 1000 * s + (outlets % 1000) * s / 1000;
            let selling = stocking / 1000 * a + (stocking % 1000) * a / 1000;
            SkuLine {
                sku: sku(id),
                volume: Cases::from_units(share(market_volume, *v)),
                revenue: Yuan::from_units(share(market_revenue, *r)),
                closing_stock: Cases::from_units(1_000),
                outlets_stocking: stocking,
                outlets_selling: selling,
                avg_retail_price: Yuan::from_units(9_000),
            }
        }).collect();
        if let Some((i, what, by)) = bump.filter(|_| may_bump)
            && let Some(l) = lines.get_mut(i) {
            match what {
                0 => l.volume = Cases::from_units(market_volume / 2 + by),
                1 => l.revenue = Yuan::from_units(market_revenue / 2 + by),
                2 => l.outlets_selling = l.outlets_stocking + by as u32,
                _ => l.outlets_stocking = outlets + by as u32,
            }
        }
        MonthSubmission { month, lines, market: MarketTotals {
            volume: Cases::from_units(market_volume),
            revenue: Yuan::from_units(market_revenue),
            active_outlets: outlets,
        }}
    }
}

prop_compose! {
    /// Figures near the top of `i64`, where a careless sum would overflow.
    fn extreme_month()(
        month in any_month(),
        a in (i64::MAX / 4)..=i64::MAX,
        b in (i64::MAX / 4)..=i64::MAX,
        c in (i64::MAX / 4)..=i64::MAX,
    ) -> MonthSubmission {
        let l = |id: &str, v: i64| SkuLine {
            sku: sku(id),
            volume: Cases::from_units(v),
            revenue: Yuan::from_units(v),
            closing_stock: Cases::ZERO,
            outlets_stocking: u32::MAX,
            outlets_selling: u32::MAX,
            avg_retail_price: Yuan::from_units(v),
        };
        MonthSubmission { month, lines: vec![l(SOFT, a), l(HARD, b)], market: MarketTotals {
            volume: Cases::from_units(c),
            revenue: Yuan::from_units(c),
            active_outlets: u32::MAX,
        }}
    }
}

fn any_submission() -> impl Strategy<Value = (Vec<MonthSubmission>, Option<String>)> {
    let month = prop_oneof![
        8 => plausible_month(true),
        2 => wild_month(),
        1 => extreme_month(),
    ];
    (
        prop::collection::vec(month, 0..3),
        prop::option::of(prop_oneof![Just(" ".to_owned()), "[a-z ]{1,12}"]),
    )
}

/// Runs the submissions in order, keeping what is accepted.
fn run(submissions: Vec<(Vec<MonthSubmission>, Option<String>)>) -> (Vec<Event>, usize) {
    let mut history: Vec<Event> = Vec::new();
    let mut accepted = 0;
    for (months, reason) in submissions {
        let cmd = submit(months, reason.as_deref());
        if let Ok(events) = Information::execute(&history, cmd, &dist()) {
            accepted += 1;
            history.extend(events);
        }
    }
    (history, accepted)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 400,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Guards the properties against passing vacuously: enough generated submissions must be
/// accepted (and enough refused) for "every accepted month" to mean something.
#[test]
fn the_generators_produce_both_accepted_and_refused_submissions() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = any_submission();
    let (mut accepted, mut refused) = (0, 0);
    for _ in 0..500 {
        let (months, reason) = strategy.new_tree(&mut runner).unwrap().current();
        match run(vec![(months, reason)]).1 {
            1 => accepted += 1,
            _ => refused += 1,
        }
    }
    assert!(accepted >= 100, "only {accepted} of 500 accepted");
    assert!(refused >= 100, "only {refused} of 500 refused");
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn accepted_months_never_exceed_the_market_or_their_outlets(
        submissions in prop::collection::vec(any_submission(), 1..5)
    ) {
        let (history, _) = run(submissions);
        let state = fold_market_data(&history);
        let catalogue = catalogue();
        for month in state.months() {
            prop_assert!(month.month < ym("2008-07"), "{} has not ended", month.month);
            let market = &month.market;
            prop_assert!(!market.volume.is_negative() && !market.revenue.is_negative());
            let (mut volume, mut revenue) = (0i128, 0i128);
            for (i, l) in month.lines.iter().enumerate() {
                prop_assert!(catalogue.skus.contains_key(&l.sku), "{} unregistered", l.sku);
                if i > 0 {
                    prop_assert!(month.lines[i - 1].sku < l.sku, "lines sorted and unique");
                }
                prop_assert!(l.outlets_selling <= l.outlets_stocking);
                prop_assert!(l.outlets_stocking <= market.active_outlets);
                prop_assert!(!l.volume.is_negative() && !l.revenue.is_negative());
                prop_assert!(!l.closing_stock.is_negative() && !l.avg_retail_price.is_negative());
                prop_assert!(l.volume <= market.volume && l.revenue <= market.revenue);
                volume += i128::from(l.volume.units());
                revenue += i128::from(l.revenue.units());
            }
            // Share = ours ÷ market × 100 ≤ 100 %, in exact integers.
            prop_assert!(volume * 100 <= i128::from(market.volume.units()) * 100);
            prop_assert!(revenue <= i128::from(market.revenue.units()));
            let revisions = state.revisions(month.month);
            for (i, r) in revisions.iter().enumerate() {
                prop_assert_eq!(r.revision as usize, i + 1);
                prop_assert_eq!(r.reason.is_some(), i > 0);
            }
        }
    }

    #[test]
    fn an_accepted_submission_resent_in_any_line_order_changes_nothing(
        months in prop::collection::btree_map(any_month(), plausible_month(false), 1..4),
        seed in any::<u64>(),
    ) {
        // Keyed by month so each month appears once; the key replaces the generated month.
        let months: Vec<MonthSubmission> = months
            .into_iter()
            .map(|(month, sub)| MonthSubmission { month, ..sub })
            .collect();
        let (history, accepted) = run(vec![(months.clone(), None)]);
        prop_assume!(accepted == 1);
        let mut again = months;
        for (i, m) in again.iter_mut().enumerate() {
            let n = m.lines.len().max(1);
            m.lines.rotate_left((seed as usize + i) % n);
        }
        again.reverse();
        let events = Information::execute(&history, submit(again, None), &dist());
        prop_assert_eq!(events, Ok(vec![]));
    }
}
