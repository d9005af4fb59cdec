//! Property tests for the numeric rules: receipts never exceed dispatches per material,
//! compliance and task ratios stay within 0–100 % and match an independent model.

mod support;

use std::collections::BTreeMap;

use proptest::prelude::*;
use support::*;
use synergy_domain::BoundedContext;
use synergy_marketing::{Marketing, PriceCheck, fold, ratio_pct};
use synergy_proto::{Event, Percent, Side};

const MATERIALS: [&str; 3] = ["posters", "shelf-talkers", "gift-boxes"];

#[derive(Debug, Clone)]
enum Op {
    Dispatch(usize, u64),
    Receive(usize, u64),
}

fn op() -> impl Strategy<Value = Op> {
    // Mostly small quantities so receipts often fit, sometimes huge ones to hit overflow.
    let qty = prop_oneof![4 => 0u64..50, 1 => Just(u64::MAX), 1 => (u64::MAX - 10)..=u64::MAX];
    (any::<bool>(), 0..MATERIALS.len(), qty).prop_map(|(dispatch, m, q)| {
        if dispatch {
            Op::Dispatch(m, q)
        } else {
            Op::Receive(m, q)
        }
    })
}

proptest! {
    #[test]
    fn receipts_never_exceed_dispatches(ops in prop::collection::vec(op(), 1..40)) {
        let mut history: Vec<Event> = vec![planned()];
        // The model: u128 totals cannot overflow for 40 u64 additions.
        let mut model: BTreeMap<&str, (u128, u128)> = BTreeMap::new();
        for op in ops {
            let (cmd, ctx, m, q, is_dispatch) = match op {
                Op::Dispatch(m, q) => (dispatch_cmd(MATERIALS[m], q), manufacturer(), m, q, true),
                Op::Receive(m, q) => (receive_cmd(MATERIALS[m], q), distributor(), m, q, false),
            };
            let (dispatched, received) = model.get(MATERIALS[m]).copied().unwrap_or_default();
            let should_accept = q > 0
                && if is_dispatch {
                    dispatched + u128::from(q) <= u128::from(u64::MAX)
                } else {
                    received + u128::from(q) <= dispatched
                };
            let result = Marketing::execute(history.iter(), cmd, &ctx);
            prop_assert_eq!(result.is_ok(), should_accept, "{:?}", result);
            if let Ok(events) = result {
                let entry = model.entry(MATERIALS[m]).or_default();
                if is_dispatch { entry.0 += u128::from(q) } else { entry.1 += u128::from(q) }
                history.extend(events);
            }
            let state = fold(&history);
            for (name, flow) in state.materials() {
                prop_assert!(flow.received <= flow.dispatched, "{name}: {flow:?}");
                let (d, r) = model[name.as_str()];
                prop_assert_eq!((u128::from(flow.dispatched), u128::from(flow.received)), (d, r));
            }
        }
    }

    #[test]
    fn a_price_is_compliant_exactly_within_five_percent_of_guide(
        guide in 1i64..10_000_000,
        observed in 1i64..20_000_000,
    ) {
        let check = PriceCheck {
            sku: sku("hy-soft"),
            outlet: outlet("o1"),
            observed_price: yuan(observed),
            guide_price: yuan(guide),
            checked_on: date("2008-06-10"),
        };
        // Independent formulation: 95 % of guide ≤ observed ≤ 105 % of guide.
        let expected = observed * 100 >= guide * 95 && observed * 100 <= guide * 105;
        prop_assert_eq!(check.within_tolerance(), expected);
    }

    #[test]
    fn compliance_over_recorded_checks_stays_between_0_and_100(
        prices in prop::collection::vec(1i64..30_000, 0..30),
    ) {
        let mut history = live();
        history.extend(prices.iter().map(|p| price_checked("hy-soft", *p, SOFT_GUIDE)));
        let state = fold(&history);
        let (within, total) = state.price_check_counts();
        prop_assert_eq!(total, prices.len() as u64);
        let expected_within = prices.iter().filter(|p| (9_500..=10_500).contains(*p)).count();
        prop_assert_eq!(within, expected_within as u64);
        match state.price_compliance_pct() {
            None => prop_assert!(prices.is_empty()),
            Some(pct) => prop_assert!((0..=10_000).contains(&pct.units())),
        }
    }

    #[test]
    fn tasks_done_pct_stays_between_0_and_100(done_mask in prop::collection::vec(any::<bool>(), 0..25)) {
        let mut history = vec![planned()];
        for (i, done) in done_mask.iter().enumerate() {
            let id = format!("t{i}");
            history.push(assigned(&id, if i % 2 == 0 { Side::Distributor } else { Side::Manufacturer }));
            if *done {
                history.push(completed(&id));
            }
        }
        let state = fold(&history);
        let done = done_mask.iter().filter(|d| **d).count() as u64;
        prop_assert_eq!(state.task_counts(None), (done, done_mask.len() as u64));
        let pct = state.campaign_tasks_done_pct();
        prop_assert_eq!(pct, ratio_pct(done, done_mask.len() as u64));
        if let Some(p) = pct {
            prop_assert!(p >= Percent::ZERO && p.units() <= 10_000);
        }
    }

    #[test]
    fn ratio_pct_rounds_half_away_from_zero(part in 0u64..1_000_000, extra in 1u64..1_000_000) {
        let whole = part + extra;
        let pct = ratio_pct(part, whole).map(|p| p.units());
        // Reference: exact rational p/whole × 10 000 to the nearest integer, halves up.
        let num = u128::from(part) * 10_000;
        let floor = num / u128::from(whole);
        let rem = num % u128::from(whole);
        let expected = if rem * 2 >= u128::from(whole) { floor + 1 } else { floor };
        prop_assert_eq!(pct, Some(expected as i64));
    }
}
