//! Stream states kept between commands (`synergy_runtime::kept`) decide exactly as the
//! full fold does: random command sequences run through two executors that keep states
//! and share one log (two processes writing the same streams, one keeping a single
//! stream's state so states are pushed out all the time) and through one that keeps none,
//! and every outcome is compared: events, versions, duplicates, refusals.
//!
//! The same for snapshots (`synergy_runtime::snapshot`): processes restarted at random
//! (a fresh executor on the same log and snapshot store) and one that keeps no state at
//! all, so that every command it runs restores its streams from their snapshots, with
//! snapshots every two events and only the newest two commits' ids held exactly, so that
//! retries and reused keys meet the filter of older ids.

mod common;

use std::sync::Arc;

use common::*;
use proptest::prelude::*;
use synergy_brand::SkuEntry;
use synergy_eventlog::{EventLog, Position, SledLog, SledSnapshots, SnapshotStore};
use synergy_proto::*;
use synergy_runtime::kept::Kept;
use synergy_runtime::snapshot::Snapshots;
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

/// A process keeping `kept` streams' states, restoring the others from `store`'s
/// snapshots and saving one every two events.
fn snapshotted(
    log: &Arc<SledLog>,
    clock: &Arc<ManualClock>,
    store: &Arc<SledSnapshots>,
    kept: usize,
) -> (Executor<SledLog>, Arc<Snapshots>) {
    let snapshots = Arc::new(Snapshots::new(store.clone(), 2).keeping_recent(2));
    let exec = executor(log, clock, kept).with_snapshots(Arc::clone(&snapshots));
    (exec, snapshots)
}

/// `stream`'s state restored from its snapshot with the log's tail folded on, beside the
/// state of the whole history folded.
async fn restored_and_full<C: synergy_domain::BoundedContext>(
    log: &SledLog,
    snapshots: &Snapshots,
    stream: &StreamId,
) -> (C::State, C::State) {
    let kept: Kept<C::State> = snapshots.restore(stream).await;
    let tail = log
        .load_aggregate_after(stream, kept.version, kept.position)
        .await
        .unwrap();
    let restored = kept.fold(&tail.commits, tail.version, C::evolve);
    let all = log
        .load_aggregate_after(stream, 0, Position::default())
        .await
        .unwrap();
    let full = Kept::default().fold(&all.commits, all.version, C::evolve);
    assert_eq!(restored.version, full.version, "{stream}");
    (restored.state, full.state)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn snapshots_decide_as_the_full_fold(
        ops in prop::collection::vec(op(), 1..40),
        restarts in prop::collection::vec(prop::bool::weighted(0.25), 40),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let dir = tempfile::tempdir().unwrap();
            let clock = june_12();
            let shared = Arc::new(SledLog::open(dir.path().join("log")).unwrap());
            let store = Arc::new(SledSnapshots::open(dir.path().join("snapshots")).unwrap());
            let full_log = Arc::new(SledLog::open(dir.path().join("full")).unwrap());
            let (mut a, _) = snapshotted(&shared, &clock, &store, 64);
            // Keeps nothing: each of its commands restores its streams from snapshots.
            let (b, b_snapshots) = snapshotted(&shared, &clock, &store, 0);
            let full = executor(&full_log, &clock, 0);
            let p = PartnershipId::new("hongyun-changzhi").unwrap();
            for setup in [sign(&p), register(&p, 0)] {
                let who = if matches!(setup, AnyCommand::Brand(_)) { manufacturer() } else { operator() };
                a.execute(Request::new(who.clone(), setup.clone())).await.unwrap();
                full.execute(Request::new(who, setup)).await.unwrap();
            }
            for i in 0..ops.len() {
                if restarts[i] {
                    a = snapshotted(&shared, &clock, &store, 64).0;
                }
                let exec = if i % 3 == 2 { &b } else { &a };
                let got = seen(exec.execute(request(&p, &ops, i)).await);
                let want = seen(full.execute(request(&p, &ops, i)).await);
                prop_assert_eq!(got, want, "op {} of {:?}, restarts {:?}", i, ops, restarts);
            }
            prop_assert_eq!(shared.head().await.unwrap(), full_log.head().await.unwrap());
            prop_assert_eq!(b_snapshots.ignored(), 0);
            // And the states: restored from the snapshots and folded on, as folded whole.
            let market_data = request(&p, &[Op::Submit {
                month: 1, sku: 0, volume: 0, reason: false, by_manufacturer: false,
            }], 0).command.stream();
            let (restored, whole) = restored_and_full::<synergy_information::Information>(
                &shared, &b_snapshots, &market_data).await;
            prop_assert_eq!(restored, whole);
            let (restored, whole) = restored_and_full::<synergy_brand::Brand>(
                &shared, &b_snapshots, &synergy_brand::portfolio_stream(&p)).await;
            prop_assert_eq!(restored, whole);
            let (restored, whole) = restored_and_full::<synergy_strategy::Strategy>(
                &shared, &b_snapshots, &synergy_strategy::stream_for(&p)).await;
            prop_assert_eq!(restored, whole);
            Ok(())
        })?;
    }

    #[test]
    fn kept_states_decide_as_the_full_fold(ops in prop::collection::vec(op(), 1..40)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let dir = tempfile::tempdir().unwrap();
            let clock = june_12();
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

/// The clock every test here runs on.
fn june_12() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        "2008-06-12".parse::<Date>().unwrap().start(),
    ))
}

/// `count` submissions by the distributor going round the first `months` months, each
/// after the first of its month with a reason.
fn resubmissions(count: usize, months: usize) -> Vec<Op> {
    (0..count)
        .map(|i| Op::Submit {
            month: 1 + (i % months) as u8,
            sku: 0,
            volume: i % VOLUMES.len(),
            reason: true,
            by_manufacturer: false,
        })
        .collect()
}

#[tokio::test]
async fn a_state_kept_by_one_process_catches_up_with_what_another_appended() {
    let dir = tempfile::tempdir().unwrap();
    let clock = june_12();
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

/// A long history restored from its snapshot: a retry of its first command (whose ids are
/// only in the filter) is answered as the first time, its key with another command is
/// refused, and a new command is recorded, as the full fold decides.
#[tokio::test]
async fn a_restored_state_answers_old_retries_and_reused_keys_as_the_full_fold() {
    let dir = tempfile::tempdir().unwrap();
    let clock = june_12();
    let log = Arc::new(SledLog::open(dir.path().join("log")).unwrap());
    let store = Arc::new(SledSnapshots::open(dir.path().join("snapshots")).unwrap());
    let p = PartnershipId::new("hongyun-changzhi").unwrap();
    let ops: Vec<Op> = resubmissions(12, 5);
    {
        let (first, snapshots) = snapshotted(&log, &clock, &store, 64);
        first
            .execute(Request::new(operator(), sign(&p)))
            .await
            .unwrap();
        first
            .execute(Request::new(manufacturer(), register(&p, 0)))
            .await
            .unwrap();
        for i in 0..ops.len() {
            first.execute(request(&p, &ops, i)).await.unwrap();
        }
        assert!(snapshots.saved() >= 3, "{}", snapshots.saved());
    }
    // The next process: nothing kept, the snapshots on disk.
    let (next, snapshots) = snapshotted(&log, &clock, &store, 64);
    let retry = next.execute(request(&p, &ops, 0)).await.unwrap();
    assert!(retry.duplicate, "{retry:?}");
    assert!(snapshots.restored() >= 1);
    let (again, _) = snapshotted(&log, &clock, &store, 64);
    let reused = again
        .execute(request(&p, &[ops[0].clone(), Op::ReuseKey { j: 0 }], 1))
        .await;
    assert!(
        matches!(reused, Err(ExecuteError::IdempotencyKeyReused { .. })),
        "{reused:?}"
    );
    let (third, _) = snapshotted(&log, &clock, &store, 64);
    let mut more = ops.clone();
    more.push(Op::Submit {
        month: 5,
        sku: 0,
        volume: 2,
        reason: true,
        by_manufacturer: false,
    });
    let recorded = third
        .execute(request(&p, &more, more.len() - 1))
        .await
        .unwrap();
    assert!(!recorded.duplicate);
    assert_eq!(recorded.events, ["MarketDataCorrected"]);
}

/// A snapshot that is torn, of another stream or of another layout is ignored and counted,
/// and the command decides on the stream folded from the log.
#[tokio::test]
async fn a_snapshot_that_cannot_be_trusted_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let clock = june_12();
    let log = Arc::new(SledLog::open(dir.path().join("log")).unwrap());
    let store = Arc::new(SledSnapshots::open(dir.path().join("snapshots")).unwrap());
    let p = PartnershipId::new("hongyun-changzhi").unwrap();
    let (first, _) = snapshotted(&log, &clock, &store, 64);
    first
        .execute(Request::new(operator(), sign(&p)))
        .await
        .unwrap();
    first
        .execute(Request::new(manufacturer(), register(&p, 0)))
        .await
        .unwrap();
    let ops: Vec<Op> = (0..4)
        .map(|i| Op::Submit {
            month: 1 + i as u8,
            sku: 0,
            volume: 0,
            reason: false,
            by_manufacturer: false,
        })
        .collect();
    for i in 0..ops.len() {
        first.execute(request(&p, &ops, i)).await.unwrap();
    }
    let market = request(&p, &ops, 0).command.stream();
    let strategy = synergy_strategy::stream_for(&p);
    let good = store
        .load(&market)
        .await
        .unwrap()
        .expect("a snapshot was saved");
    let mut torn = good.clone();
    torn.truncate(good.len() / 2);
    let strategy_bytes = store.load(&strategy).await.unwrap();
    // Another stream's snapshot filed under the market data's key, then a torn one.
    let market_as_strategy = good.clone();
    for (n, bad) in [torn, b"not a snapshot".to_vec(), market_as_strategy]
        .into_iter()
        .enumerate()
    {
        let target = if n == 2 { &strategy } else { &market };
        store.save(target, bad).await.unwrap();
        let (next, snapshots) = snapshotted(&log, &clock, &store, 64);
        // May again, as the first time: nothing new, on the history folded from the log.
        let same = next.execute(request(&p, &ops, 3)).await.unwrap();
        assert!(same.duplicate, "{same:?}");
        assert!(snapshots.ignored() >= 1, "case {n}");
    }
    drop(strategy_bytes);
}

/// The same on JetStream: snapshots in the log's key-value bucket, processes restarted
/// every fourth command (a fresh connection, log and executor), one keeping no state;
/// every outcome is the full fold's, on a sled log given the same commands.
#[tokio::test]
async fn snapshots_on_jetstream_decide_as_the_full_fold() {
    use synergy_eventlog::{JetStreamConfig, JetStreamLog};
    let server =
        synergy_testkit::NatsServer::start().expect("nats-server starts (set NATS_SERVER_BIN)");
    let url = server.url();
    let open = || async {
        let client = synergy_runtime::nats::connect(&url.parse().unwrap(), "test-snapshots")
            .await
            .unwrap();
        Arc::new(
            JetStreamLog::open(client, JetStreamConfig::default())
                .await
                .unwrap(),
        )
    };
    let clock = june_12();
    let process = |log: Arc<JetStreamLog>, kept: usize| {
        let store = log
            .snapshots()
            .expect("the bucket is created with the stream");
        let snapshots = Arc::new(Snapshots::new(Arc::new(store), 2).keeping_recent(2));
        let exec = Executor::new(log, clock.clone())
            .with_kept_states(kept)
            .with_snapshots(Arc::clone(&snapshots));
        (exec, snapshots)
    };
    let dir = tempfile::tempdir().unwrap();
    let full_log = Arc::new(SledLog::open(dir.path().join("full")).unwrap());
    let full = executor(&full_log, &clock, 0);
    let p = PartnershipId::new("hongyun-changzhi").unwrap();
    let (mut a, _) = process(open().await, 64);
    let (b, b_snapshots) = process(open().await, 0);
    for setup in [sign(&p), register(&p, 0)] {
        let who = if matches!(setup, AnyCommand::Brand(_)) {
            manufacturer()
        } else {
            operator()
        };
        a.execute(Request::new(who.clone(), setup.clone()))
            .await
            .unwrap();
        full.execute(Request::new(who, setup)).await.unwrap();
    }
    let ops: Vec<Op> = (0..36)
        .map(|i| match i % 6 {
            3 if i > 6 => Op::Retry { j: i - 7 },
            5 if i > 6 => Op::ReuseKey { j: i - 4 },
            4 => Op::Sign,
            _ => Op::Submit {
                month: 1 + (i % 5) as u8,
                sku: 0,
                volume: (i / 5) % VOLUMES.len(),
                reason: i % 2 == 0,
                by_manufacturer: i % 11 == 0,
            },
        })
        .collect();
    let mut retries_seen = 0;
    for i in 0..ops.len() {
        if i % 4 == 3 {
            a = process(open().await, 64).0;
        }
        let exec = if i % 3 == 2 { &b } else { &a };
        let got = seen(exec.execute(request(&p, &ops, i)).await);
        let want = seen(full.execute(request(&p, &ops, i)).await);
        retries_seen += usize::from(want.contains("dup=true"));
        assert_eq!(got, want, "op {i} of {ops:?}");
    }
    assert!(retries_seen >= 3, "{retries_seen}");
    assert!(b_snapshots.restored() >= 5, "{}", b_snapshots.restored());
    assert_eq!(b_snapshots.ignored(), 0);
}

/// Snapshots of another log (a log replaced, its snapshots left beside it) name commits the
/// log does not hold where they say: they are ignored, and the stream folded from the log.
#[tokio::test]
async fn snapshots_of_another_log_are_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let clock = june_12();
    let store = Arc::new(SledSnapshots::open(dir.path().join("snapshots")).unwrap());
    let p = PartnershipId::new("hongyun-changzhi").unwrap();
    let ops: Vec<Op> = resubmissions(6, 3);
    let old = Arc::new(SledLog::open(dir.path().join("old")).unwrap());
    let (first, _) = snapshotted(&old, &clock, &store, 64);
    first
        .execute(Request::new(operator(), sign(&p)))
        .await
        .unwrap();
    first
        .execute(Request::new(manufacturer(), register(&p, 0)))
        .await
        .unwrap();
    for i in 0..ops.len() {
        first.execute(request(&p, &ops, i)).await.unwrap();
    }
    // A new log with the partnership and two months: the snapshots are the old log's.
    let new = Arc::new(SledLog::open(dir.path().join("new")).unwrap());
    let full_log = Arc::new(SledLog::open(dir.path().join("full")).unwrap());
    let full = executor(&full_log, &clock, 0);
    for (who, command) in [(operator(), sign(&p)), (manufacturer(), register(&p, 0))] {
        executor(&new, &clock, 0)
            .execute(Request::new(who.clone(), command.clone()))
            .await
            .unwrap();
        full.execute(Request::new(who, command)).await.unwrap();
    }
    let (restarted, counted) = snapshotted(&new, &clock, &store, 64);
    for i in [0, 4, 5] {
        let got = seen(restarted.execute(request(&p, &ops, i)).await);
        let want = seen(full.execute(request(&p, &ops, i)).await);
        assert_eq!(got, want, "op {i}");
    }
    assert!(counted.ignored() >= 1, "{}", counted.ignored());
}

/// One process on the JetStream log at `url`: a connection of its own (so its own head
/// cache) and an executor keeping states.
async fn jetstream_process(
    url: &str,
    clock: &Arc<ManualClock>,
) -> Executor<synergy_eventlog::JetStreamLog> {
    use synergy_eventlog::{JetStreamConfig, JetStreamLog};
    let client = synergy_runtime::nats::connect(&url.parse().unwrap(), "test-optimistic")
        .await
        .unwrap();
    let log = JetStreamLog::open(client, JetStreamConfig::default())
        .await
        .unwrap();
    Executor::new(Arc::new(log), clock.clone()).with_kept_states(64)
}

/// Two processes on the JetStream log of a server of their own, on one clock (the 12th of
/// June).
struct TwoProcesses {
    _server: synergy_testkit::NatsServer,
    clock: Arc<ManualClock>,
    a: Executor<synergy_eventlog::JetStreamLog>,
    b: Executor<synergy_eventlog::JetStreamLog>,
}

async fn two_processes() -> TwoProcesses {
    let server =
        synergy_testkit::NatsServer::start().expect("nats-server starts (set NATS_SERVER_BIN)");
    let clock = june_12();
    let a = jetstream_process(&server.url(), &clock).await;
    let b = jetstream_process(&server.url(), &clock).await;
    TwoProcesses {
        _server: server,
        clock,
        a,
        b,
    }
}

/// `stream`'s state folded from its whole history in `log`, as JSON to compare.
async fn whole_state<C: synergy_domain::BoundedContext, L: EventLog>(
    log: &L,
    stream: &StreamId,
) -> (u64, serde_json::Value)
where
    C::State: serde::Serialize,
{
    let all = log
        .load_aggregate_after(stream, 0, Position::default())
        .await
        .unwrap();
    let full = Kept::default().fold(&all.commits, all.version, C::evolve);
    (full.version, serde_json::to_value(&full.state).unwrap())
}

/// An outcome without the version it reached: the order in which concurrent commands on
/// one stream land decides versions, nothing else.
fn seen_unordered(result: Result<synergy_runtime::Outcome, ExecuteError>) -> String {
    let seen = seen(result);
    match seen.split_once(" v") {
        Some((stream, rest)) => format!("{stream} {}", rest.split_once(' ').unwrap().1),
        None => seen,
    }
}

/// Two processes decide on states they keep without asking the log first (a stale one
/// ends in a conflict, or, for what records nothing, is caught up before the answer).
/// Writing one stream at once, each command sent through both with the same key, and a
/// second command through one while the other's state falls behind and is then retried
/// through it: every answer is the full fold's, and the stream ends as the full fold of
/// the same commands.
#[tokio::test]
async fn two_processes_writing_one_stream_on_jetstream_answer_as_the_full_fold() {
    let TwoProcesses {
        _server,
        clock,
        a,
        b,
    } = two_processes().await;
    let dir = tempfile::tempdir().unwrap();
    let full_log = Arc::new(SledLog::open(dir.path().join("full")).unwrap());
    let full = executor(&full_log, &clock, 0);
    let p = PartnershipId::new("hongyun-changzhi").unwrap();
    for (who, setup) in [
        (operator(), sign(&p)),
        (manufacturer(), register(&p, 0)),
        (manufacturer(), register(&p, 1)),
    ] {
        b.execute(Request::new(who.clone(), setup.clone()))
            .await
            .unwrap();
        full.execute(Request::new(who, setup)).await.unwrap();
    }
    // Round r: op x through both at once and op y through b alone, then y again through a.
    let submit = |r: usize, month: u8| Op::Submit {
        month,
        sku: r % 2,
        volume: (r / 2) % VOLUMES.len(),
        reason: !r.is_multiple_of(3),
        by_manufacturer: r % 7 == 6,
    };
    let mut ops = Vec::new();
    for r in 0..16 {
        // A reused key submits May (`request`): never in the same round as a May y.
        let x = if r > 3 && r % 4 == 0 && r % 5 != 2 {
            Op::ReuseKey { j: 2 * (r - 3) }
        } else {
            submit(r, 1 + (r % 5) as u8)
        };
        let y = if r > 2 && r % 5 == 0 {
            Op::Retry { j: 2 * (r - 2) + 1 }
        } else {
            submit(r + 1, 1 + ((r + 2) % 5) as u8)
        };
        ops.extend([x, y]);
    }
    let (mut duplicates, mut refusals, mut accepted) = (0, 0, 0);
    for r in 0..16 {
        let (x, y) = (2 * r, 2 * r + 1);
        let (x_a, x_b, y_b) = tokio::join!(
            a.execute(request(&p, &ops, x)),
            b.execute(request(&p, &ops, x)),
            b.execute(request(&p, &ops, y)),
        );
        let y_a = a.execute(request(&p, &ops, y)).await;
        let mut got_x = vec![seen_unordered(x_a), seen_unordered(x_b)];
        let mut want_x = vec![
            seen_unordered(full.execute(request(&p, &ops, x)).await),
            seen_unordered(full.execute(request(&p, &ops, x)).await),
        ];
        got_x.sort();
        want_x.sort();
        assert_eq!(got_x, want_x, "round {r}, op {:?}", ops[x]);
        let want_y = [
            seen_unordered(full.execute(request(&p, &ops, y)).await),
            seen_unordered(full.execute(request(&p, &ops, y)).await),
        ];
        assert_eq!(
            [seen_unordered(y_b), seen_unordered(y_a)],
            want_y,
            "round {r}, op {:?}",
            ops[y]
        );
        for seen in want_x.iter().chain(&want_y) {
            duplicates += usize::from(seen.contains("dup=true"));
            refusals += usize::from(seen.starts_with("refused"));
            accepted += usize::from(seen.ends_with("dup=false recorded=true"));
        }
    }
    assert!(
        duplicates >= 10 && refusals >= 4 && accepted >= 10,
        "{duplicates} {refusals} {accepted}"
    );
    let stream = synergy_information::market_data_stream(&p);
    let ours = whole_state::<synergy_information::Information, _>(a.log().as_ref(), &stream).await;
    let theirs =
        whole_state::<synergy_information::Information, _>(full_log.as_ref(), &stream).await;
    assert_eq!(ours, theirs);
}

/// A decision that records nothing, made on a kept state another process has since moved
/// past, is not answered before the log confirms the state: given process a keeping a
/// planned campaign and May's data, when process b launches the campaign and corrects May,
/// then a's price check (refused before the launch) is accepted and a's resubmission of
/// its own figures (a no-op on its state) is refused, as b's correction stands; when b
/// corrects May again, a's resubmission of b's figures (refused on a's state: different
/// data, no reason) is a no-op.
#[tokio::test]
async fn a_refusal_or_no_op_on_a_state_another_process_moved_is_decided_again() {
    use synergy_marketing::Command as Mkt;
    let TwoProcesses { _server, a, b, .. } = two_processes().await;
    let p = PartnershipId::new("hongyun-changzhi").unwrap();
    let campaign = CampaignId::new("summer").unwrap();
    let hy_soft = SkuId::new("hy-soft").unwrap();
    for (who, command) in [
        (operator(), sign(&p)),
        (manufacturer(), catalogue(&p)),
        (
            manufacturer(),
            AnyCommand::Marketing(Mkt::PlanCampaign {
                partnership: p.clone(),
                campaign: campaign.clone(),
                title: "Summer".into(),
                brand: BrandId::new("hongyun").unwrap(),
                skus: vec![hy_soft.clone()],
                starts_on: "2008-05-01".parse().unwrap(),
                ends_on: "2008-09-30".parse().unwrap(),
                activity_plan: "Price monitoring".into(),
            }),
        ),
        (distributor(), may(&p, "1200", None)),
    ] {
        a.execute(Request::new(who, command)).await.unwrap();
    }
    let check = AnyCommand::Marketing(Mkt::CheckRetailPrice {
        partnership: p.clone(),
        campaign: campaign.clone(),
        sku: hy_soft,
        outlet: OutletId::new("outlet-a").unwrap(),
        observed_price: Yuan::parse("192").unwrap(),
        checked_on: "2008-06-01".parse().unwrap(),
    });
    let refused = a
        .execute(Request::new(manufacturer(), check.clone()))
        .await
        .unwrap_err();
    assert!(
        format!("{refused:?}").contains("campaign.price_checks_after_launch"),
        "{refused:?}"
    );
    for command in [
        AnyCommand::Marketing(Mkt::SelectOutlets {
            partnership: p.clone(),
            campaign: campaign.clone(),
            outlets: vec![OutletId::new("outlet-a").unwrap()],
        }),
        AnyCommand::Marketing(Mkt::LaunchCampaign {
            partnership: p.clone(),
            campaign: campaign.clone(),
            launched_on: "2008-05-02".parse().unwrap(),
        }),
        may(&p, "1300", Some("recounted at the warehouse")),
    ] {
        b.execute(Request::new(distributor(), command))
            .await
            .unwrap();
    }

    let checked = a
        .execute(Request::new(manufacturer(), check))
        .await
        .expect("accepted: the campaign is launched");
    assert_eq!(checked.events, ["RetailPriceChecked"]);
    assert_eq!((checked.version, checked.duplicate), (4, false));
    let own = a
        .execute(Request::new(distributor(), may(&p, "1200", None)))
        .await
        .unwrap_err();
    assert!(
        format!("{own:?}").contains("market_data.correction_needs_reason"),
        "{own:?}"
    );
    b.execute(Request::new(
        distributor(),
        may(&p, "1400", Some("recounted again")),
    ))
    .await
    .unwrap();
    let same = a
        .execute(Request::new(distributor(), may(&p, "1400", None)))
        .await
        .expect("b's figures again: nothing to record");
    assert_eq!(
        (same.events.len(), same.position, same.version),
        (0, None, 3)
    );
}

/// A stream two processes write in turn (replicas of one service in a queue group) is read
/// before deciding once a process has found the other's appends on it, so its commands do
/// not end in a conflict each: given two processes taking turns on May's data, then only
/// each process's first command on it after the other's is decided again.
#[tokio::test]
async fn a_stream_two_processes_write_in_turn_is_read_before_deciding() {
    let TwoProcesses { _server, a, b, .. } = two_processes().await;
    let p = PartnershipId::new("hongyun-changzhi").unwrap();
    for (who, command) in [(operator(), sign(&p)), (manufacturer(), catalogue(&p))] {
        a.execute(Request::new(who, command)).await.unwrap();
    }
    for i in 0..24 {
        let exec = if i % 2 == 0 { &a } else { &b };
        let volume = format!("{}", 1200 + i);
        let recorded = exec
            .execute(Request::new(
                distributor(),
                may(&p, &volume, Some("recounted at the warehouse")),
            ))
            .await
            .unwrap();
        assert_eq!(recorded.version, i + 1);
    }
    assert_eq!(a.decided_again() + b.decided_again(), 2);
}
