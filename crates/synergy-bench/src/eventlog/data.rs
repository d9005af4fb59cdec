//! The commits every phase writes: one small support event each, so "commits/s" and
//! "events/s" are the same figure, built the same way for a backend and its raw baseline.

use std::time::{SystemTime, UNIX_EPOCH};

use synergy_proto::events::SupportEvent;
use synergy_proto::{
    Actor, AggregateId, Commit, Context, Event, MeetingId, OrgId, PartnershipId, RecordedEvent,
    Role, StreamId, Timestamp, Uuid, encode_commit,
};

const PARTNERSHIP: &str = "bench-partnership";

/// The stream of writer `writer` in phase `phase` (each phase writes fresh aggregates, so
/// every phase starts at version 0).
pub fn stream(phase: &str, writer: usize) -> anyhow::Result<StreamId> {
    Ok(StreamId::new(
        Context::Support,
        PartnershipId::new(PARTNERSHIP)?,
        AggregateId::new(format!("{phase}-{writer}"))?,
    ))
}

/// A one-event commit with fresh ids; the log stamps version and `recorded_at`.
pub fn commit(stream: &StreamId, n: u64) -> anyhow::Result<Commit> {
    Ok(Commit {
        commit_id: Uuid::now_v7(),
        stream: stream.clone(),
        first_version: 0,
        recorded_at: Timestamp::from_millis(0),
        actor: Actor {
            org: OrgId::new("bench-org")?,
            role: Role::Manufacturer,
            user: "synergy-bench".into(),
        },
        correlation_id: Uuid::now_v7(),
        causation_id: None,
        events: vec![RecordedEvent {
            event_id: Uuid::now_v7(),
            occurred_at: wall_clock(),
            event: Event::Support(SupportEvent::MeetingCancelled {
                meeting: MeetingId::new(format!("meeting-{n}"))?,
                reason: format!(
                    "quarterly review {n} moved: the regional sales figures for the period \
                     are not final yet"
                ),
            }),
        }],
    })
}

/// `count` commits of one aggregate, in order.
pub fn commits(stream: &StreamId, count: usize) -> anyhow::Result<Vec<Commit>> {
    (0..count as u64).map(|n| commit(stream, n)).collect()
}

/// `commit` as the log stores it after version `previous_version`.
fn stamped(commit: &Commit, previous_version: u64) -> Commit {
    let mut stamped = commit.clone();
    stamped.first_version = previous_version + 1;
    stamped.recorded_at = wall_clock();
    stamped
}

/// A run of commits of one aggregate starting at version 1, as the log stores them.
pub fn stamped_run(commits: &[Commit]) -> Vec<Commit> {
    let mut version = 0;
    commits
        .iter()
        .map(|c| {
            let stamped = stamped(c, version);
            version += c.events.len() as u64;
            stamped
        })
        .collect()
}

/// The bytes the log stores for a run of commits of one aggregate starting at version 1:
/// what a raw baseline writes, so backend and baseline move the same bytes.
pub fn stored_run(commits: &[Commit]) -> Vec<Vec<u8>> {
    stamped_run(commits).iter().map(encode_commit).collect()
}

pub fn wall_clock() -> Timestamp {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    Timestamp::from_millis(i64::try_from(ms).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use synergy_proto::decode_commit;

    #[test]
    fn stored_bytes_decode_to_the_stamped_commit() {
        let s = stream("t", 3).expect("valid ids");
        let cs = commits(&s, 3).expect("valid commits");
        let run = stored_run(&cs);
        for (i, bytes) in run.iter().enumerate() {
            let decoded = decode_commit(bytes).expect("decodes").commit;
            assert_eq!(decoded.commit_id, cs[i].commit_id);
            assert_eq!(decoded.first_version, i as u64 + 1);
            assert!(decoded.validate().is_ok());
        }
    }
}
