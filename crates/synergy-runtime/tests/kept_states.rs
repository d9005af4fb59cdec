//! Stream states kept between commands (`synergy_runtime::kept`) decide exactly as the
//! full fold does: random command sequences run through two executors that keep states
//! and share one log (two processes writing the same streams, one keeping a single
//! stream's state so states are pushed out all the time) and through one that keeps none,
//! and every outcome is compared: events, versions, duplicates, refusals.

mod common;

use std::sync::Arc;

use common::*;
use proptest::prelude::*;
use synergy_brand::SkuEntry;
use synergy_eventlog::{EventLog, SledLog};
use synergy_proto::*;
use synergy_runtime::{AnyCommand, ExecuteError, Executor, ManualClock, Request};

#[derive(Debug, Clone)]
enum Op {
    /// The manufacturer registers a SKU.
    Register { sku: usize },
    /// The distributor (or, refused, the manufacturer) submits a month of a SKU.
    Submit {
        month: u8,
        sku: usize,
        volume: usize,
        reason: bool,
        by_manufacturer: bool,
    },
    /// The partnership signed again (recorded once, then a no-op or a refusal).
    Sign,
    /// Op `j` sent again with its key: answered as the first time.
    Retry { j: usize },
    /// Op `j`'s key with this command: refused once `j` was recorded.
    ReuseKey { j: usize },
}

const SKUS: [&str; 3] = ["hy-soft", "hy-hard", "yx-red"];
const VOLUMES: [&str; 3] = ["1200", "1300.5", "900"];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => (0..SKUS.len()).prop_map(|sku| Op::Register { sku }),
        6 => (1..=5u8, 0..SKUS.len(), 0..VOLUMES.len(), any::<bool>(), prop::bool::weighted(0.1))
            .prop_map(|(month, sku, volume, reason, by_manufacturer)| Op::Submit {
                month,
                sku,
                volume,
                reason,
                by_manufacturer,
            }),
        1 => Just(Op::Sign),
        1 => (0..40usize).prop_map(|j| Op::Retry { j }),
        1 => (0..40usize).prop_map(|j| Op::ReuseKey { j }),
    ]
}

fn register(p: &PartnershipId, sku: usize) -> AnyCommand {
    AnyCommand::Brand(synergy_brand::Command::RegisterCatalogue {
        partnership: p.clone(),
        skus: vec![SkuEntry {
            brand: BrandId::new("hongyun").unwrap(),
            sku: SkuId::new(SKUS[sku]).unwrap(),
            name: format!("SKU {sku}"),
            price_class: 2,
            guide_price: Yuan::parse("190").unwrap(),
        }],
    })
}

/// The request op `i` sends, with the ops before it (for retries and reused keys).
fn request(p: &PartnershipId, ops: &[Op], i: usize) -> Request {
    let key = |i: usize| Uuid::from_u128(0x5eed_0000 + i as u128);
    let command = |op: &Op| -> (synergy_domain::Principal, AnyCommand) {
        match op {
            Op::Register { sku } => (manufacturer(), register(p, *sku)),
            Op::Submit {
                month,
                sku,
                volume,
                reason,
                by_manufacturer,
            } => (
                if *by_manufacturer {
                    manufacturer()
                } else {
                    distributor()
                },
                month_data(
                    p,
                    YearMonth::new(2008, *month).unwrap(),
                    SKUS[*sku],
                    VOLUMES[*volume],
                    reason.then_some("recounted at the warehouse"),
                ),
            ),
            Op::Sign | Op::Retry { .. } | Op::ReuseKey { .. } => (operator(), sign(p)),
        }
    };
    match &ops[i] {
        Op::Retry { j } if *j < i && !matches!(ops[*j], Op::Retry { .. } | Op::ReuseKey { .. }) => {
            let (who, c) = command(&ops[*j]);
            Request::new(who, c).with_key(key(*j))
        }
        Op::ReuseKey { j } if *j < i => {
            let (who, c) = command(&Op::Submit {
                month: 5,
                sku: 0,
                volume: i % VOLUMES.len(),
                reason: true,
                by_manufacturer: false,
            });
            Request::new(who, c).with_key(key(*j))
        }
        op => {
            let (who, c) = command(op);
            Request::new(who, c).with_key(key(i))
        }
    }
}

/// An outcome as both executors must give it: what was recorded (or would be), or the
/// refusal's code.
fn seen(result: Result<synergy_runtime::Outcome, ExecuteError>) -> String {
    match result {
        Ok(o) => format!(
            "{} v{} {:?} dup={} recorded={}",
            o.stream,
            o.version,
            o.events,
            o.duplicate,
            o.position.is_some()
        ),
        Err(e) => format!("refused {:?}", e.code()),
    }
}

fn executor(log: &Arc<SledLog>, clock: &Arc<ManualClock>, kept: usize) -> Executor<SledLog> {
    Executor::new(Arc::clone(log), clock.clone()).with_kept_states(kept)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn kept_states_decide_as_the_full_fold(ops in prop::collection::vec(op(), 1..40)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let dir = tempfile::tempdir().unwrap();
            let clock = Arc::new(ManualClock::new("2008-06-12".parse::<Date>().unwrap().start()));
            let shared = Arc::new(SledLog::open(dir.path().join("kept")).unwrap());
            let full_log = Arc::new(SledLog::open(dir.path().join("full")).unwrap());
            // Two processes on one log: one keeps many states, one a single stream's.
            let (a, b) = (executor(&shared, &clock, 64), executor(&shared, &clock, 1));
            let full = executor(&full_log, &clock, 0);
            let p = PartnershipId::new("hongyun-changzhi").unwrap();
            for setup in [sign(&p), register(&p, 0)] {
                let who = if matches!(setup, AnyCommand::Brand(_)) { manufacturer() } else { operator() };
                a.execute(Request::new(who.clone(), setup.clone())).await.unwrap();
                full.execute(Request::new(who, setup)).await.unwrap();
            }
            for i in 0..ops.len() {
                let kept = if i % 3 == 2 { &b } else { &a };
                let got = seen(kept.execute(request(&p, &ops, i)).await);
                let want = seen(full.execute(request(&p, &ops, i)).await);
                prop_assert_eq!(got, want, "op {} of {:?}", i, ops);
            }
            prop_assert_eq!(shared.head().await.unwrap(), full_log.head().await.unwrap());
            prop_assert!(full.kept_states().is_empty());
            prop_assert!(b.kept_states().len() <= 1);
            Ok(())
        })?;
    }
}

#[tokio::test]
async fn a_state_kept_by_one_process_catches_up_with_what_another_appended() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(
        "2008-06-12".parse::<Date>().unwrap().start(),
    ));
    let log = Arc::new(SledLog::open(dir.path().join("log")).unwrap());
    let (a, b) = (executor(&log, &clock, 64), executor(&log, &clock, 64));
    let p = PartnershipId::new("hongyun-changzhi").unwrap();
    a.execute(Request::new(operator(), sign(&p))).await.unwrap();
    a.execute(Request::new(manufacturer(), catalogue(&p)))
        .await
        .unwrap();
    // A keeps May; B records it anew, so A's kept state is behind the log.
    a.execute(Request::new(distributor(), may(&p, "1200", None)))
        .await
        .unwrap();
    let corrected = b
        .execute(Request::new(
            distributor(),
            may(&p, "1250", Some("recounted")),
        ))
        .await
        .unwrap();
    assert_eq!(corrected.events, ["MarketDataCorrected"]);
    // A decides on B's figure: the same again is nothing new, and a second correction
    // is the third revision, at the version after B's.
    let same = a
        .execute(Request::new(
            distributor(),
            may(&p, "1250", Some("recounted")),
        ))
        .await
        .unwrap();
    assert!(same.events.is_empty(), "{same:?}");
    let again = a
        .execute(Request::new(
            distributor(),
            may(&p, "1260", Some("late outlet")),
        ))
        .await
        .unwrap();
    assert_eq!(again.version, corrected.version + 1);
    // B registers a SKU; A's kept catalogue sees it at once.
    b.execute(Request::new(
        manufacturer(),
        AnyCommand::Brand(synergy_brand::Command::RegisterCatalogue {
            partnership: p.clone(),
            skus: vec![SkuEntry {
                brand: BrandId::new("hongyun").unwrap(),
                sku: SkuId::new("hy-hard").unwrap(),
                name: "紅雲(硬)".into(),
                price_class: 2,
                guide_price: Yuan::parse("200").unwrap(),
            }],
        }),
    ))
    .await
    .unwrap();
    let may_hard = month_data(
        &p,
        YearMonth::new(2008, 5).unwrap(),
        "hy-hard",
        "300",
        Some("hy-hard added"),
    );
    let hard = a
        .execute(Request::new(distributor(), may_hard))
        .await
        .unwrap();
    assert_eq!(hard.events, ["MarketDataCorrected"]);
    assert_eq!(hard.version, again.version + 1);
    assert!(a.kept_states().len() >= 3, "{:?}", a.kept_states());
}
