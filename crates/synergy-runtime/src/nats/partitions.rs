//! Evaluation partitioned by partnership (`docs/partitions.md`): which partitions a
//! replica owns, the read models it keeps for each, and where a request for a partnership
//! it does not own goes.
//!
//! A partitioned replica keeps one read-model store per owned partition (`<views>/p<k>`),
//! folded by [`projection::run_partition`] from its own durable consumer of that
//! partition, and answers a partnership's reports, plan gap, value realised, issued
//! versions and evaluation's commands from the store of its partition. It listens on the
//! shared subjects (`syn.qry.evaluation.report`, `syn.cmd.evaluation.*`, in the queue group
//! every evaluation replica shares, so clients are unchanged) and on each owned
//! partition's (`syn.qry.evaluation.p<k>.report`, `syn.cmd.evaluation.p<k>.*`, in the
//! same queue group, which NATS keeps per subject: the owners of partition `k` share its
//! requests); a request that reaches it on a shared subject for a
//! partition it does not own is sent on to that partition's subject and the answer
//! relayed, so it lands on a replica that folded the partnership.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use synergy_eventlog::{JetStreamLog, PartitionStream};
use synergy_proto::{Context, PartnershipId, subject};
use tokio::sync::watch;

use crate::api::Local;
use crate::clock::Clock;
use crate::projection::{self, ProjectionError, ProjectionStore};
use crate::snapshot::Snapshots;

/// Partitions a deployment has at most: each is a durable consumer per replica owning it
/// and a store, and a count past this is no longer a partition per replica.
pub const MAX_PARTITIONS: u32 = 1024;

/// How one evaluation replica takes part in a partitioned evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partitioning {
    /// Partitions of the deployment (the same for every replica: it names the partition
    /// stream, `<stream>_P<count>`).
    pub count: u32,
    /// The partitions this replica folds and answers for.
    pub owned: BTreeSet<u32>,
    /// This replica's name: its durable consumers are `<replica>-p<k>`, so it must differ
    /// between replicas and stay the same across a replica's restarts.
    pub replica: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("[partitions-invalid] {field}: {reason}")]
pub struct PartitionsError {
    /// The flag (or setting) at fault.
    pub field: &'static str,
    pub reason: String,
}

impl Partitioning {
    /// A replica `replica` owning `owned` (e.g. `0-3,6`; `all`) of `count` partitions.
    pub fn parse(count: u32, owned: &str, replica: &str) -> Result<Self, PartitionsError> {
        if count == 0 || count > MAX_PARTITIONS {
            return Err(PartitionsError {
                field: "partition_count",
                reason: format!("{count} partitions: give 1 to {MAX_PARTITIONS}"),
            });
        }
        subject::partition_consumer(replica, 0).map_err(|e| PartitionsError {
            field: "replica",
            reason: e.to_string(),
        })?;
        let bad = |reason: String| PartitionsError {
            field: "partitions",
            reason,
        };
        let number = |text: &str| -> Result<u32, PartitionsError> {
            let n: u32 = text
                .trim()
                .parse()
                .map_err(|_| bad(format!("{text:?} is not a partition number")))?;
            if n >= count {
                return Err(bad(format!(
                    "partition {n} does not exist: there are {count}, numbered 0 to {}",
                    count - 1
                )));
            }
            Ok(n)
        };
        let mut partitions = BTreeSet::new();
        if owned.trim() == "all" {
            partitions.extend(0..count);
        } else {
            // At most `count` ranges are meaningful; bounds the work a long text takes.
            for part in owned.split(',').take(count as usize + 1) {
                match part.split_once('-') {
                    Some((from, to)) => {
                        let (from, to) = (number(from)?, number(to)?);
                        if from > to {
                            return Err(bad(format!("{part:?} runs backwards")));
                        }
                        partitions.extend(from..=to);
                    }
                    None => {
                        partitions.insert(number(part)?);
                    }
                }
            }
        }
        if partitions.is_empty() {
            return Err(bad("name at least one partition".into()));
        }
        Ok(Partitioning {
            count,
            owned: partitions,
            replica: replica.to_owned(),
        })
    }

    /// Whether this replica folds every partition (then it answers queries spanning
    /// partnerships, the portfolio, too).
    pub fn owns_all(&self) -> bool {
        self.owned.len() == self.count as usize
    }
}

/// The stores of a partitioned replica, by partition.
#[derive(Debug)]
pub(super) struct Owned {
    pub(super) count: u32,
    pub(super) locals: BTreeMap<u32, Local<JetStreamLog>>,
}

/// What a request about a partnership does on this replica.
pub(super) enum Route<'a> {
    /// Answered here, from this store.
    Here(&'a Local<JetStreamLog>),
    /// Sent on to the replicas of this partition.
    Partition(u32),
}

impl Owned {
    pub(super) fn route(&self, partnership: &PartnershipId) -> Route<'_> {
        let k = subject::partition_of(partnership, self.count);
        match self.locals.get(&k) {
            Some(local) => Route::Here(local),
            None => Route::Partition(k),
        }
    }

    pub(super) fn stores(&self) -> impl Iterator<Item = &Arc<ProjectionStore>> {
        self.locals.values().map(|l| l.views())
    }
}

/// How a partitioned replica's stores are opened and kept.
pub(super) struct Start<'a> {
    pub(super) log: &'a Arc<JetStreamLog>,
    pub(super) views: Option<&'a Path>,
    pub(super) model_cache: std::num::NonZeroUsize,
    pub(super) clock: &'a Arc<dyn Clock>,
    pub(super) kept_streams: usize,
    pub(super) snapshots: Option<Arc<Snapshots>>,
}

#[derive(Debug, thiserror::Error)]
pub enum PartitionStartError {
    #[error("the partition stream for {count} partitions: {reason}")]
    Stream { count: u32, reason: String },
    #[error("the read models of partition {partition}: {source}")]
    Store {
        partition: u32,
        #[source]
        source: ProjectionError,
    },
    #[error(transparent)]
    Name(#[from] PartitionsError),
}

impl Start<'_> {
    /// Opens a store per owned partition and starts following each partition; the task
    /// ends when every follower has stopped, with the first failure.
    pub(super) async fn run(
        self,
        partitioning: &Partitioning,
        stop: watch::Receiver<bool>,
    ) -> Result<(Owned, tokio::task::JoinHandle<Result<(), ProjectionError>>), PartitionStartError>
    {
        let stream: PartitionStream =
            self.log
                .partitions(partitioning.count)
                .await
                .map_err(|reason| PartitionStartError::Stream {
                    count: partitioning.count,
                    reason,
                })?;
        let mut locals = BTreeMap::new();
        let mut followers = Vec::new();
        for &k in &partitioning.owned {
            let store = match self.views {
                Some(dir) => ProjectionStore::open(dir.join(format!("p{k}"))),
                None => ProjectionStore::temporary(),
            }
            .map_err(|source| PartitionStartError::Store {
                partition: k,
                source,
            })?;
            let store = Arc::new(store);
            store.set_model_cache(self.model_cache);
            tracing::info!(partition = k, of = partitioning.count, position = %store.position(), "partition's read models opened");
            let durable = subject::partition_consumer(&partitioning.replica, k).map_err(|e| {
                PartitionsError {
                    field: "replica",
                    reason: e.to_string(),
                }
            })?;
            followers.push(projection::run_partition(
                stream.clone(),
                durable,
                k,
                Arc::clone(&store),
                stop.clone(),
            ));
            let local = Local::new(Arc::clone(self.log), store, Arc::clone(self.clock))
                .with_kept_states(self.kept_streams)
                .with_snapshots(self.snapshots.clone())
                .partition();
            // Each partition issues the reports due for its own partnerships.
            tokio::spawn(crate::schedule::run(local.clone(), stop.clone()));
            locals.insert(k, local);
        }
        let task =
            tokio::spawn(async move { futures::future::try_join_all(followers).await.map(drop) });
        Ok((
            Owned {
                count: partitioning.count,
                locals,
            },
            task,
        ))
    }
}

/// The subject a request that came on a shared subject goes on for `partition`; `None`
/// for a subject that is not one of the shared ones partitions answer.
pub(super) fn partition_subject(shared: &str, partition: u32) -> Option<String> {
    let name = shared.rsplit('.').next()?;
    let commands = subject::commands_of(Context::Evaluation);
    if shared.starts_with(commands.trim_end_matches('*')) {
        return subject::partition_command(Context::Evaluation, partition, name).ok();
    }
    subject::partition_query(Context::Evaluation, partition, name).ok()
}

/// How long a request sent on to a partition may take: a report waits for its read
/// models as long as read-your-writes allows, and a little more for the hop.
pub(super) const FORWARD_TIMEOUT: Duration =
    Duration::from_secs(crate::api::READ_YOUR_WRITES_TIMEOUT.as_secs() + 5);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_partitions_are_ranges_lists_or_all() {
        let p = Partitioning::parse(8, "0-2,5", "eval-a").unwrap();
        assert_eq!(p.owned, BTreeSet::from([0, 1, 2, 5]));
        assert!(!p.owns_all());
        assert!(Partitioning::parse(4, "all", "a").unwrap().owns_all());
        assert!(Partitioning::parse(4, "0-3", "a").unwrap().owns_all());
    }

    #[test]
    fn bad_partitions_are_refused_naming_the_setting() {
        for (count, owned, replica, field, says) in [
            (8, "0-8", "a", "partitions", "partition 8 does not exist"),
            (8, "3-1", "a", "partitions", "runs backwards"),
            (8, "x", "a", "partitions", "not a partition number"),
            (8, "", "a", "partitions", "not a partition number"),
            (0, "all", "a", "partition_count", "give 1 to"),
            (2000, "all", "a", "partition_count", "give 1 to"),
            (8, "all", "a.b", "replica", "replica name"),
        ] {
            let e = Partitioning::parse(count, owned, replica).unwrap_err();
            assert_eq!(e.field, field, "{owned}");
            assert!(e.to_string().contains(says), "{e}");
            assert!(e.to_string().starts_with("[partitions-invalid]"), "{e}");
        }
    }

    #[test]
    fn shared_subjects_go_on_to_their_partition() {
        assert_eq!(
            partition_subject("syn.qry.evaluation.report", 3).as_deref(),
            Some("syn.qry.evaluation.p3.report")
        );
        assert_eq!(
            partition_subject("syn.cmd.evaluation.issue-report", 1).as_deref(),
            Some("syn.cmd.evaluation.p1.issue-report")
        );
    }
}
