//! Live subscriptions: an ordered consumer, recreated from the last delivered position
//! whenever it breaks or the client reconnects.

use std::time::Duration;

use async_nats::jetstream::consumer::DeliverPolicy;
use async_nats::jetstream::consumer::pull::{Ordered, OrderedConfig};
use futures::StreamExt;
use synergy_proto::subject;

use super::JetStreamLog;
use super::read::decode_message;
use crate::{Filter, Position, ReadError, StoredCommit, Subscription};

/// How often a waiting subscription checks whether the client reconnected.
const RECONNECT_CHECK: Duration = Duration::from_millis(250);

impl JetStreamLog {
    /// [`EventLog::subscribe`](crate::EventLog::subscribe): the commits after `after`
    /// matching `filter`, live, for as long as the subscription is polled.
    pub(super) fn subscription(&self, after: Position, filter: Filter) -> Subscription {
        let state = SubscriptionState {
            log: self.clone(),
            filter_subject: subject::commit_filter(filter.context, filter.partnership.as_ref()),
            last: after.get(),
            messages: None,
            connects: 0,
            backoff: Duration::from_millis(50),
        };
        futures::stream::unfold(state, |mut state| async move {
            let item = state.next().await;
            Some((item, state))
        })
        .boxed()
    }

    /// Creates an ordered consumer delivering the stream, payloads included, from `start`
    /// (a stream sequence, ≥ 1) on `filter_subject`.
    async fn ordered_from(&self, start: u64, filter_subject: &str) -> Result<Ordered, String> {
        let config = OrderedConfig {
            filter_subject: filter_subject.to_owned(),
            deliver_policy: DeliverPolicy::ByStartSequence {
                start_sequence: start,
            },
            // Bounds how long a pull waits, so a consumer lost with a server
            // restart is noticed by missed heartbeats within seconds.
            max_expires: self.timeout(),
            ..Default::default()
        };
        self.create_consumer(filter_subject, config, |consumer| async move {
            consumer
                .messages()
                .await
                .map_err(|e| format!("pulling from {filter_subject}: {e}"))
        })
        .await
    }
}

/// A live subscription: an ordered consumer from the position after the last delivered
/// commit, recreated from there whenever it breaks or the client reconnects, so a server
/// restart causes neither a gap nor a duplicate.
struct SubscriptionState {
    log: JetStreamLog,
    filter_subject: String,
    /// Stream sequence of the last item yielded.
    last: u64,
    messages: Option<Ordered>,
    /// The client's connect count when `messages` was created.
    connects: u64,
    backoff: Duration,
}

impl SubscriptionState {
    fn client_connects(&self) -> u64 {
        self.log
            .inner
            .client
            .statistics()
            .connects
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    async fn next(&mut self) -> Result<StoredCommit, ReadError> {
        loop {
            let Some(messages) = self.messages.as_mut() else {
                let connects = self.client_connects();
                match self
                    .log
                    .ordered_from(self.last + 1, &self.filter_subject)
                    .await
                {
                    Ok(messages) => {
                        self.messages = Some(messages);
                        self.connects = connects;
                        self.backoff = Duration::from_millis(50);
                    }
                    Err(reason) => {
                        tracing::warn!(%reason, after = self.last, "subscription waits for NATS");
                        tokio::time::sleep(self.backoff).await;
                        self.backoff = (self.backoff * 2).min(Duration::from_secs(2));
                    }
                }
                continue;
            };
            match tokio::time::timeout(RECONNECT_CHECK, messages.next()).await {
                Ok(Some(Ok(msg))) => {
                    let Ok(info) = msg.info() else {
                        tracing::warn!("a delivered message has no stream sequence; skipped");
                        continue;
                    };
                    let seq = info.stream_sequence;
                    // A recreated consumer can redeliver what was already yielded.
                    if seq <= self.last {
                        continue;
                    }
                    self.last = seq;
                    return decode_message(&msg);
                }
                Ok(Some(Err(e))) => {
                    tracing::warn!(error = %e, after = self.last, "subscription consumer failed; recreating");
                    self.messages = None;
                }
                Ok(None) => self.messages = None,
                Err(_elapsed) => {
                    // A server restart loses the (in-memory) consumer without telling the
                    // client; a reconnect means it must be recreated from where we are.
                    if self.client_connects() != self.connects {
                        self.messages = None;
                    }
                }
            }
        }
    }
}
