//! [`CommitBuilder`]: commits with deterministic ids and times.

use synergy_proto::{
    Actor, AggregateId, Commit, Context, Date, Event, OrgId, PartnershipId, RecordedEvent, Role,
    Side, StreamId, Uuid,
};

use synergy_proto::events::strategy::StrategyEvent;

use crate::{DISTRIBUTOR, MANUFACTURER, RULEBOOKS, id};

/// Builds commits with deterministic ids and times, one aggregate stream per entity.
#[derive(Debug)]
pub struct CommitBuilder {
    partnership: PartnershipId,
    manufacturer: OrgId,
    distributor: OrgId,
    /// Who the commits' actor says recorded them.
    user: &'static str,
    /// Set in every id beside the counter, so that builders of several partnerships
    /// writing one log never mint the same id (the log's idempotency would take one
    /// partnership's commit for another's).
    namespace: u128,
    next_id: u128,
    versions: std::collections::BTreeMap<StreamId, u64>,
}

impl CommitBuilder {
    /// Commits of the dataset's two parties in `partnership`.
    pub fn new(partnership: PartnershipId) -> Self {
        Self::of(
            partnership,
            id(MANUFACTURER),
            id(DISTRIBUTOR),
            "changzhi-dataset",
            0,
        )
    }

    /// Commits of `manufacturer` and `distributor` in `partnership`, recorded by `user`,
    /// with ids in the `namespace`-th of 2^24 disjoint ranges.
    pub fn of(
        partnership: PartnershipId,
        manufacturer: OrgId,
        distributor: OrgId,
        user: &'static str,
        namespace: u32,
    ) -> Self {
        Self {
            partnership,
            manufacturer,
            distributor,
            user,
            namespace: u128::from(namespace) << 40,
            next_id: 1,
            versions: std::collections::BTreeMap::new(),
        }
    }

    pub fn partnership(&self) -> &PartnershipId {
        &self.partnership
    }

    pub fn manufacturer(&self) -> &OrgId {
        &self.manufacturer
    }

    pub fn distributor(&self) -> &OrgId {
        &self.distributor
    }

    /// The partnership's signing in `region` on `signed_on`, adopting the dataset's
    /// rulebooks the same day.
    pub fn signing(&mut self, region: String, signed_on: Date) -> Commit {
        let mut events: Vec<Event> = vec![
            StrategyEvent::PartnershipSigned {
                manufacturer: self.manufacturer.clone(),
                distributor: self.distributor.clone(),
                region,
                signed_on,
            }
            .into(),
        ];
        events.extend(RULEBOOKS.iter().map(|t| {
            Event::from(StrategyEvent::RulebookAdopted {
                title: (*t).to_owned(),
                adopted_on: signed_on,
            })
        }));
        self.commit(
            Context::Strategy,
            AggregateId::singleton("partnership"),
            Side::Manufacturer,
            signed_on,
            events,
        )
    }

    fn uuid(&mut self) -> Uuid {
        let id = 0x0190_0000_0000_7000_8000_0000_0000_0000 | self.namespace | self.next_id;
        self.next_id += 1;
        Uuid::from_u128(id)
    }

    /// One commit of `events` on `aggregate`, occurring (and recorded) on `day`.
    pub fn commit(
        &mut self,
        context: Context,
        aggregate: AggregateId,
        side: Side,
        day: Date,
        events: Vec<Event>,
    ) -> Commit {
        let stream = StreamId::new(context, self.partnership.clone(), aggregate);
        let version = self.versions.entry(stream.clone()).or_insert(0);
        let first_version = *version + 1;
        *version += events.len() as u64;
        let (org, role) = match side {
            Side::Manufacturer => (self.manufacturer.clone(), Role::Manufacturer),
            Side::Distributor => (self.distributor.clone(), Role::Distributor),
        };
        let at = day.start();
        let correlation_id = self.uuid();
        let commit_id = self.uuid();
        let events = events
            .into_iter()
            .map(|event| RecordedEvent {
                event_id: self.uuid(),
                occurred_at: at,
                event,
            })
            .collect();
        Commit {
            commit_id,
            stream,
            first_version,
            recorded_at: at,
            actor: Actor {
                org,
                role,
                user: self.user.to_owned(),
            },
            correlation_id,
            causation_id: None,
            events,
        }
    }
}
