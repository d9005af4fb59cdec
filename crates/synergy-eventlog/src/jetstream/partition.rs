//! The partition stream: evaluation partitioned by partnership (`docs/partitions.md`).
//!
//! A second stream, `<stream>_PARTITIONS`, sources the event stream with a subject transform
//! (`synergy_proto::subject::partition_transform`): each commit is stored again on
//! `syn.par.<partition>.<context>.<partnership>.<aggregate>`, its partition computed by
//! the server. The event stream, its subjects and the command path's optimistic
//! concurrency stay as they are; a reader of one partition filters on
//! `syn.par.<partition>.>`. A sourced message carries the event stream's sequence in its
//! `Nats-Stream-Source` header, and that is the position a partition's reader yields, so
//! "has the read model passed position X" means what it means on the event stream.
//!
//! A partition is followed by a durable consumer per reader (named by the caller: per
//! replica and partition, so two replicas owning a partition each get all of it). It is
//! acknowledged (ack-all) only up to what the reader says is durable, so after a crash it
//! delivers again from what the reader had stored; a reader whose store is behind the
//! consumer's acknowledgements (an empty store) starts the consumer over.

use std::collections::VecDeque;
use std::time::Duration;

use async_nats::jetstream::ErrorCode;
use async_nats::jetstream::consumer::pull::{Config as PullConfig, Stream as Messages};
use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy};
use async_nats::jetstream::context::ConsumerInfoErrorKind;
use async_nats::jetstream::stream::{
    self, ConsumerErrorKind, LastRawMessageErrorKind, Source, SubjectTransform,
};
use async_nats::{HeaderMap, Subject};
use futures::StreamExt;
use synergy_proto::codec::decode_commit_on;
use synergy_proto::{PartnershipId, subject};
use tokio::sync::watch;

use super::JetStreamLog;
use crate::{Position, ReadError, StoredCommit, Subscription};

/// The header a sourced message carries: the origin stream's name and sequence first.
const SOURCE_HEADER: &str = "Nats-Stream-Source";
/// How often a waiting reader acknowledges what became durable and checks the connection.
const TICK: Duration = Duration::from_millis(250);
/// How long the server waits for an acknowledgement before delivering again. Longer than
/// a reader takes to make a batch durable; a restarted reader starts from the
/// acknowledged floor at once, without waiting for it.
const ACK_WAIT: Duration = Duration::from_secs(60);

/// The partition stream of a [`JetStreamLog`]: the event stream again, by partition.
#[derive(Clone, Debug)]
pub struct PartitionStream {
    log: JetStreamLog,
    stream: stream::Stream,
    partitions: u32,
}

impl JetStreamLog {
    /// The name of the partition stream: one name whatever the count, so the NATS
    /// permissions can name it (`deploy/nats/accounts.conf`).
    pub fn partition_stream_name(&self) -> String {
        format!("{}_PARTITIONS", self.inner.config.stream)
    }

    /// Opens the partition stream for `partitions` partitions, creating it (sourcing the
    /// event stream from its first commit) if it does not exist. One that places commits
    /// among another count is refused, naming what to do: every replica would read other
    /// partitions than it says it owns.
    pub async fn partitions(&self, partitions: u32) -> Result<PartitionStream, String> {
        let partitions = partitions.max(1);
        let name = self.partition_stream_name();
        let (source, destination) = subject::partition_transform(partitions);
        let mut config = self.inner.config.stream(&name, subject::ALL_COMMITS);
        config.subjects = Vec::new();
        // As many replicas as the event stream has, however it was created (an R3 stream
        // the operator made on a cluster, say).
        config.num_replicas = self.inner.stream.cached_info().config.num_replicas;
        config.sources = Some(vec![Source {
            name: self.inner.config.stream.clone(),
            subject_transforms: vec![SubjectTransform {
                source,
                destination: destination.clone(),
            }],
            ..Default::default()
        }]);
        let stream =
            tokio::time::timeout(self.timeout(), self.inner.js.get_or_create_stream(config))
                .await
                .map_err(|_| self.timed_out("opening the partition stream"))?
                .map_err(|e| format!("opening the partition stream {name}: {e}"))?;
        let placed = stream
            .cached_info()
            .config
            .sources
            .iter()
            .flatten()
            .flat_map(|s| s.subject_transforms.iter())
            .map(|t| t.destination.clone())
            .collect::<Vec<_>>();
        if placed != [destination.as_str()] {
            return Err(format!(
                "[partitions-mismatch] the partition stream {name} places commits as {placed:?}, \
                 not in {partitions} partitions ({destination}); every evaluation replica must \
                 be given the same --partition-count. To change the count, stop the \
                 partitioned replicas, delete the stream as the admin (nats stream rm {name}) \
                 and start them with the new count: each folds its partitions again"
            ));
        }
        Ok(PartitionStream {
            log: self.clone(),
            stream,
            partitions,
        })
    }

    /// The position of the last commit of `partnership` in any context, if any: a reader
    /// of its partition that has passed it has folded all of the partnership.
    pub(super) async fn last_commit_of(
        &self,
        partnership: &PartnershipId,
    ) -> Result<Option<Position>, ReadError> {
        let filter = subject::partnership_commits(partnership);
        let last = tokio::time::timeout(
            self.timeout(),
            self.inner.stream.get_last_raw_message_by_subject(&filter),
        )
        .await
        .map_err(|_| ReadError::Unavailable {
            reason: self.timed_out("looking up a partnership's last commit"),
        })?;
        match last {
            Ok(msg) => Ok(Some(Position(msg.sequence))),
            Err(e) if e.kind() == LastRawMessageErrorKind::NoMessageFound => Ok(None),
            Err(e) => Err(ReadError::Unavailable {
                reason: format!("looking up the last commit of {partnership}: {e}"),
            }),
        }
    }
}

impl PartitionStream {
    pub fn partitions(&self) -> u32 {
        self.partitions
    }

    pub fn name(&self) -> &str {
        &self.stream.cached_info().config.name
    }

    /// The commits of `partition` after `after` (an event-stream position), through the
    /// durable consumer `durable`, acknowledged up to what `durable_up_to` says a reader
    /// has made durable.
    pub fn follow(
        &self,
        durable: &str,
        partition: u32,
        after: Position,
        durable_up_to: watch::Receiver<Position>,
    ) -> Subscription {
        let state = Following {
            partitions: self.clone(),
            durable: durable.to_owned(),
            filter: subject::partition_filter(partition),
            last: after.get(),
            messages: None,
            connects: 0,
            backoff: Duration::from_millis(50),
            unacked: VecDeque::new(),
            durable_up_to,
        };
        futures::stream::unfold(state, |mut state| async move {
            let item = state.next().await;
            Some((item, state))
        })
        .boxed()
    }

    /// The event-stream position a message of the partition stream stands for.
    async fn origin_of(&self, sequence: u64) -> Result<u64, String> {
        let msg = tokio::time::timeout(self.log.timeout(), self.stream.get_raw_message(sequence))
            .await
            .map_err(|_| self.log.timed_out("reading the partition stream"))?
            .map_err(|e| format!("reading message {sequence} of the partition stream: {e}"))?;
        source_sequence(Some(&msg.headers))
            .ok_or_else(|| format!("message {sequence} of the partition stream names no source"))
    }

    /// The durable consumer `durable` on `filter`, resumed where it was acknowledged when
    /// that is not past `after`, started over otherwise.
    async fn consumer(&self, durable: &str, filter: &str, after: u64) -> Result<Messages, String> {
        let info = match self.stream.consumer_info(durable).await {
            Ok(info) => Some(info),
            Err(e) if e.kind() == ConsumerInfoErrorKind::NotFound => None,
            Err(e) => return Err(format!("reading consumer {durable}: {e}")),
        };
        let deliver = match info {
            None => Some(DeliverPolicy::All),
            Some(_) if after == 0 => Some(DeliverPolicy::All),
            Some(info) => {
                let floor = info.ack_floor.stream_sequence;
                let origin = match floor {
                    0 => 0,
                    floor => self.origin_of(floor).await?,
                };
                if origin > after {
                    // The store lost what was acknowledged: fold the partition again.
                    tracing::warn!(
                        durable,
                        acknowledged = origin,
                        stored = after,
                        "the read models are behind their consumer; folding the partition again"
                    );
                    Some(DeliverPolicy::All)
                } else if info.delivered.stream_sequence > floor {
                    // Delivered to a reader that is gone: start at the floor now rather
                    // than after the acknowledgement wait.
                    tracing::info!(
                        durable,
                        acknowledged = origin,
                        stored = after,
                        "resuming the partition's durable consumer at its acknowledged floor"
                    );
                    Some(DeliverPolicy::ByStartSequence {
                        start_sequence: floor + 1,
                    })
                } else {
                    tracing::info!(
                        durable,
                        acknowledged = origin,
                        "resuming the partition's durable consumer"
                    );
                    None
                }
            }
        };
        if let Some(deliver_policy) = deliver {
            match self.stream.delete_consumer(durable).await {
                Ok(_) => {}
                Err(e)
                    if matches!(e.kind(), ConsumerErrorKind::JetStream(ref j)
                        if j.error_code() == ErrorCode::CONSUMER_NOT_FOUND) => {}
                Err(e) => return Err(format!("starting consumer {durable} over: {e}")),
            }
            let config = PullConfig {
                durable_name: Some(durable.to_owned()),
                filter_subject: filter.to_owned(),
                deliver_policy,
                ack_policy: AckPolicy::All,
                ack_wait: ACK_WAIT,
                max_ack_pending: -1,
                ..Default::default()
            };
            self.stream
                .create_consumer(config)
                .await
                .map_err(|e| format!("creating consumer {durable}: {e}"))?;
        }
        let consumer: async_nats::jetstream::consumer::PullConsumer = self
            .stream
            .get_consumer(durable)
            .await
            .map_err(|e| format!("opening consumer {durable}: {e}"))?;
        consumer
            .stream()
            .heartbeat(self.log.timeout() / 2)
            .expires(self.log.timeout())
            .messages()
            .await
            .map_err(|e| format!("pulling from {durable}: {e}"))
    }
}

/// The event-stream sequence in a sourced message's `Nats-Stream-Source` header
/// (`<stream> <sequence> …`).
fn source_sequence(headers: Option<&HeaderMap>) -> Option<u64> {
    let value = headers?.get(SOURCE_HEADER)?;
    value.as_str().split_whitespace().nth(1)?.parse().ok()
}

struct Following {
    partitions: PartitionStream,
    durable: String,
    filter: String,
    /// Event-stream position of the last item yielded.
    last: u64,
    messages: Option<Messages>,
    connects: u64,
    backoff: Duration,
    /// Delivered and not acknowledged: event-stream position and where to acknowledge.
    unacked: VecDeque<(u64, Subject)>,
    durable_up_to: watch::Receiver<Position>,
}

impl Following {
    fn client_connects(&self) -> u64 {
        self.partitions
            .log
            .inner
            .client
            .statistics()
            .connects
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Acknowledges (ack-all) the last delivery the reader has made durable.
    async fn acknowledge(&mut self) {
        let durable = self.durable_up_to.borrow().get();
        let mut last = None;
        while self.unacked.front().is_some_and(|(at, _)| *at <= durable) {
            last = self.unacked.pop_front();
        }
        if let Some((_, reply)) = last
            && let Err(e) = self
                .partitions
                .log
                .inner
                .client
                .publish(reply, "+ACK".into())
                .await
        {
            // Delivered again later and passed over: an acknowledgement lost costs time.
            tracing::debug!(error = %e, "cannot acknowledge the partition's consumer");
        }
    }

    async fn next(&mut self) -> Result<StoredCommit, ReadError> {
        loop {
            self.acknowledge().await;
            let Some(messages) = self.messages.as_mut() else {
                let connects = self.client_connects();
                match self
                    .partitions
                    .consumer(&self.durable, &self.filter, self.last)
                    .await
                {
                    Ok(messages) => {
                        self.messages = Some(messages);
                        self.connects = connects;
                        self.backoff = Duration::from_millis(50);
                        // What was delivered to the consumer before is delivered again.
                        self.unacked.clear();
                    }
                    Err(reason) => {
                        tracing::warn!(%reason, after = self.last, "partition consumer waits for NATS");
                        tokio::time::sleep(self.backoff).await;
                        self.backoff = (self.backoff * 2).min(Duration::from_secs(2));
                    }
                }
                continue;
            };
            match tokio::time::timeout(TICK, messages.next()).await {
                Ok(Some(Ok(msg))) => {
                    let Some(at) = source_sequence(msg.headers.as_ref()) else {
                        tracing::warn!(subject = %msg.subject, "a partition message names no source; skipped");
                        continue;
                    };
                    if let Some(reply) = msg.reply.clone() {
                        self.unacked.push_back((at, reply));
                    }
                    if at <= self.last {
                        continue;
                    }
                    self.last = at;
                    let position = Position(at);
                    let commit_subject = subject::unpartitioned(&msg.subject)
                        .unwrap_or_else(|| msg.subject.to_string());
                    return decode_commit_on(&commit_subject, &msg.payload)
                        .map(|d| StoredCommit {
                            position,
                            commit: d.commit,
                        })
                        .map_err(|source| ReadError::Corrupt {
                            position,
                            subject: Some(commit_subject),
                            source,
                        });
                }
                Ok(Some(Err(e))) => {
                    tracing::warn!(error = %e, after = self.last, "partition consumer failed; opening it again");
                    self.messages = None;
                }
                Ok(None) => self.messages = None,
                Err(_elapsed) => {
                    if self.client_connects() != self.connects {
                        self.messages = None;
                    }
                }
            }
        }
    }
}
