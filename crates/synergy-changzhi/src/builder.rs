//! [`CommitBuilder`]: commits with deterministic ids and times.

use synergy_proto::{
    Actor, AggregateId, Commit, Context, Date, Event, OrgId, PartnershipId, RecordedEvent, Role,
    Side, StreamId, Uuid,
};

use crate::{DISTRIBUTOR, MANUFACTURER, id};

/// Builds commits with deterministic ids and times, one aggregate stream per entity.
#[derive(Debug)]
pub struct CommitBuilder {
    partnership: PartnershipId,
    next_id: u128,
    versions: std::collections::BTreeMap<StreamId, u64>,
}

impl CommitBuilder {
    pub fn new(partnership: PartnershipId) -> Self {
        Self {
            partnership,
            next_id: 1,
            versions: std::collections::BTreeMap::new(),
        }
    }

    fn uuid(&mut self) -> Uuid {
        let id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | self.next_id);
        self.next_id += 1;
        id
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
            Side::Manufacturer => (MANUFACTURER, Role::Manufacturer),
            Side::Distributor => (DISTRIBUTOR, Role::Distributor),
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
                org: id::<OrgId>(org),
                role,
                user: "changzhi-dataset".to_owned(),
            },
            correlation_id,
            causation_id: None,
            events,
        }
    }
}
