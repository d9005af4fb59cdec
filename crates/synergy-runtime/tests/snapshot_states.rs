//! Every context's state goes into a snapshot and comes back equal: the Changzhi scenario's
//! streams (strategy, brand, information, support), a campaign decided on it (marketing),
//! and a stream's events as evaluation keeps them. Each context's state bytes are frozen
//! in `proto/vectors/state_<context>.hex`: a change there means a state changed shape, and
//! `synergy_runtime::snapshot::STATE_LAYOUT` must be bumped (then bless the new vectors).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;
use synergy_domain::{BoundedContext, DecisionContext, Principal};
use synergy_eventlog::{Position, StoredCommit};
use synergy_proto::{Commit, Context, Event, Role, StreamId};
use synergy_runtime::kept::Kept;
use synergy_runtime::snapshot::{self, STATE_LAYOUT};

fn stored(commits: &[Commit]) -> Vec<StoredCommit> {
    commits
        .iter()
        .enumerate()
        .map(|(i, commit)| StoredCommit {
            position: Position(i as u64 + 1),
            commit: commit.clone(),
        })
        .collect()
}

fn streams() -> BTreeMap<StreamId, Vec<Commit>> {
    let mut by_stream: BTreeMap<StreamId, Vec<Commit>> = BTreeMap::new();
    for commit in synergy_changzhi::commits() {
        by_stream
            .entry(commit.stream.clone())
            .or_default()
            .push(commit);
    }
    by_stream
}

/// `stream`'s commits folded by `evolve`, put in a snapshot and read back: equal.
fn round_trip<S>(stream: &StreamId, commits: &[Commit], evolve: impl Fn(S, &Event) -> S) -> S
where
    S: Default + Clone + PartialEq + std::fmt::Debug + Serialize + serde::de::DeserializeOwned,
{
    let version = commits.last().map_or(0, |c| c.last_version());
    let kept = Kept::<S>::default().fold(&stored(commits), version, evolve);
    let bytes = snapshot::encode(stream, &kept).unwrap();
    let back: Kept<S> = snapshot::decode(stream, &bytes).unwrap();
    assert_eq!(back.state, kept.state, "{stream}");
    assert_eq!((back.version, back.position), (kept.version, kept.position));
    // Every id of the stream is either held exactly or in the filter.
    for (id, first) in &kept.commits {
        assert!(
            back.commits.get(id) == Some(first) || back.in_doubt(*id, *id),
            "{id}"
        );
    }
    for request in kept.requests.keys() {
        assert!(back.requests.contains_key(request) || back.in_doubt(*request, *request));
    }
    kept.state
}

fn vector(context: &str, state: &impl Serialize) {
    let bytes = synergy_proto::snapshot::encode_state(state).unwrap();
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../proto/vectors")
        .join(format!("state_{context}.hex"));
    if std::env::var_os("SYNERGY_BLESS_VECTORS").is_some() {
        std::fs::write(&path, format!("{}\n", hex::encode(&bytes))).unwrap();
    }
    let stored = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("missing golden vector {}: {e}", path.display()));
    assert_eq!(
        stored.trim(),
        hex::encode(&bytes),
        "{context}'s state changed shape: bump STATE_LAYOUT (now {STATE_LAYOUT}) and bless"
    );
}

/// Every stream of `context` in the scenario folded and round-tripped; frozen, all of the
/// context's events folded into one state (the richest the scenario gives).
fn every_stream_of<C: BoundedContext>(context: Context) {
    let mut streams_seen = 0;
    for (stream, commits) in streams().iter().filter(|(s, _)| s.context == context) {
        round_trip(stream, commits, C::evolve);
        streams_seen += 1;
    }
    assert!(streams_seen > 0, "the scenario has {context} streams");
    let whole = synergy_changzhi::commits()
        .iter()
        .flat_map(|c| &c.events)
        .fold(C::State::default(), |s, e| C::evolve(s, &e.event));
    assert_ne!(whole, C::State::default());
    let bytes = synergy_proto::snapshot::encode_state(&whole).unwrap();
    let back: C::State = synergy_proto::snapshot::decode_state(&bytes).unwrap();
    assert_eq!(back, whole);
    vector(context.as_str(), &whole);
}

#[test]
fn strategy_states_come_back_from_their_snapshots() {
    every_stream_of::<synergy_strategy::Strategy>(Context::Strategy);
}

#[test]
fn brand_states_come_back_from_their_snapshots() {
    every_stream_of::<synergy_brand::Brand>(Context::Brand);
}

#[test]
fn information_states_come_back_from_their_snapshots() {
    every_stream_of::<synergy_information::Information>(Context::Information);
}

#[test]
fn support_states_come_back_from_their_snapshots() {
    every_stream_of::<synergy_support::SupportContext>(Context::Support);
}

#[test]
fn a_campaign_comes_back_from_its_snapshot() {
    use synergy_marketing::Command as Mkt;
    use synergy_proto::{BrandId, CampaignId, OutletId, SkuId, Yuan};
    let by_stream = streams();
    let p = synergy_changzhi::PARTNERSHIP.parse().unwrap();
    // The scenario's views: its strategy and brand events, whatever their streams.
    let all = synergy_changzhi::commits();
    let events = || all.iter().flat_map(|c| &c.events).map(|e| &e.event);
    let strategy = events().fold(Default::default(), synergy_strategy::Strategy::evolve);
    let brand: synergy_brand::Portfolio =
        events().fold(Default::default(), synergy_brand::Brand::evolve);
    let view = strategy.partnership_view(&p).expect("signed");
    let ctx = |role: Role| DecisionContext {
        principal: match role {
            Role::Manufacturer => Principal::new(view.manufacturer.clone(), role, "t"),
            _ => Principal::new(view.distributor.clone(), role, "t"),
        },
        now: "2008-06-12".parse::<synergy_proto::Date>().unwrap().start(),
        partnership: Some(view.clone()),
        catalogue: brand.catalogue(),
    };
    let campaign = CampaignId::new("summer-2008").unwrap();
    let sku = SkuId::new(synergy_changzhi::skus()[0].as_str()).unwrap();
    let commands = [
        (
            Role::Manufacturer,
            Mkt::PlanCampaign {
                partnership: p.clone(),
                campaign: campaign.clone(),
                title: "Summer".into(),
                brand: BrandId::new("hongyun").unwrap(),
                skus: vec![sku.clone()],
                starts_on: "2008-05-01".parse().unwrap(),
                ends_on: "2008-09-30".parse().unwrap(),
                activity_plan: "Price monitoring".into(),
            },
        ),
        (
            Role::Distributor,
            Mkt::SelectOutlets {
                partnership: p.clone(),
                campaign: campaign.clone(),
                outlets: vec![OutletId::new("outlet-a").unwrap()],
            },
        ),
        (
            Role::Distributor,
            Mkt::LaunchCampaign {
                partnership: p.clone(),
                campaign: campaign.clone(),
                launched_on: "2008-05-02".parse().unwrap(),
            },
        ),
        (
            Role::Manufacturer,
            Mkt::CheckRetailPrice {
                partnership: p.clone(),
                campaign: campaign.clone(),
                sku,
                outlet: OutletId::new("outlet-a").unwrap(),
                observed_price: Yuan::parse("205").unwrap(),
                checked_on: "2008-06-01".parse().unwrap(),
            },
        ),
    ];
    let stream = synergy_marketing::campaign_stream(&p, &campaign);
    let template = by_stream.values().next().unwrap()[0].clone();
    let mut state = synergy_marketing::Campaign::default();
    let mut commits = Vec::new();
    for (i, (role, command)) in commands.into_iter().enumerate() {
        let events =
            synergy_marketing::Marketing::decide(&state, command, &ctx(role)).expect("decided");
        assert!(!events.is_empty());
        for event in &events {
            state = synergy_marketing::Marketing::evolve(state, event);
        }
        let first = commits.last().map_or(1, |c: &Commit| c.last_version() + 1);
        commits.push(Commit {
            commit_id: synergy_proto::Uuid::from_u128(i as u128 + 1),
            stream: stream.clone(),
            first_version: first,
            causation_id: Some(synergy_proto::Uuid::from_u128(i as u128 + 100)),
            events: events
                .into_iter()
                .map(|event| synergy_proto::RecordedEvent {
                    event,
                    ..template.events[0].clone()
                })
                .collect(),
            ..template.clone()
        });
    }
    let back = round_trip(&stream, &commits, synergy_marketing::Marketing::evolve);
    assert_eq!(back, state);
    vector("marketing", &back);
}

#[test]
fn evaluation_histories_come_back_from_their_snapshots() {
    // Evaluation keeps its stream's events themselves: the scenario's longest stream.
    let by_stream = streams();
    let (stream, commits) = by_stream
        .iter()
        .max_by_key(|(_, c)| c.iter().map(|c| c.events.len()).sum::<usize>())
        .unwrap();
    let history = round_trip(stream, commits, |mut h: Vec<Event>, e: &Event| {
        h.push(e.clone());
        h
    });
    assert!(history.len() > 10);
    vector("evaluation", &history);
}
