//! [`Batches`]: the commits of a subscription handed to the fold in batches, read and
//! decoded on a task of their own.

use futures::{FutureExt, StreamExt};
use synergy_eventlog::{Position, Quarantined, ReadError, StoredCommit, Subscription};
use tokio::sync::mpsc;

use super::MAX_BATCH_EVENTS;

/// Events of the first batch a subscription hands over; the batches after it double up
/// to [`MAX_BATCH_EVENTS`].
const FIRST_BATCH_EVENTS: usize = 1_024;

/// Batches of commits read from a subscription on a task of their own, one batch ahead of
/// the fold: decoding the next batch overlaps folding and storing this one (on two cores a
/// rebuild then runs at about the log's raw read rate, not at the sum of both). At most
/// one finished batch waits, so memory stays bounded.
pub(super) struct Batches {
    rx: mpsc::Receiver<Result<Batch, ReadError>>,
    reader: tokio::task::JoinHandle<()>,
}

impl Batches {
    /// Batches of up to `max_batch` commits and [`MAX_BATCH_EVENTS`] events. Up to `head`
    /// (a catch-up), a batch fills before it is handed over and the last one ends at the
    /// head; without one (following live appends) a batch is what is ready without
    /// waiting, so a live append is folded at once.
    pub(super) fn start(mut sub: Subscription, max_batch: usize, head: Option<Position>) -> Self {
        let max_batch = max_batch.max(1);
        let (tx, rx) = mpsc::channel(1);
        let reader = tokio::spawn(async move {
            // The first batches are small, so the fold starts at once; each is twice the
            // one before, up to the limits, so batches stay few.
            let mut limit_events = FIRST_BATCH_EVENTS.min(MAX_BATCH_EVENTS);
            let mut last_len = 0;
            loop {
                // Room for as many commits as the last batch held, so filling it copies
                // no commit twice.
                let mut batch = Batch {
                    commits: Vec::with_capacity(last_len),
                    quarantined: Vec::new(),
                };
                let mut events = 0;
                let mut reached = false;
                let mut next = sub.next().await;
                // A subscription follows the log forever; if one ends, so does this.
                let mut finished = next.is_none();
                while let Some(item) = next {
                    let at = match item {
                        Ok(stored) => {
                            events += stored.commit.events.len();
                            let at = stored.position;
                            batch.commits.push(stored);
                            at
                        }
                        Err(e) => match e.quarantined() {
                            // Passed over in its place; the subscription goes on.
                            Some(q) => {
                                let at = q.position;
                                batch.quarantined.push(q);
                                at
                            }
                            None => {
                                // What came before the failed read is folded first.
                                if !batch.is_empty() {
                                    let _ = tx.send(Ok(std::mem::take(&mut batch))).await;
                                }
                                let _ = tx.send(Err(e)).await;
                                return;
                            }
                        },
                    };
                    reached = head.is_some_and(|h| at >= h);
                    if batch.len() >= max_batch || events >= limit_events || reached {
                        break;
                    }
                    next = match head {
                        Some(_) => sub.next().await,
                        None => match sub.next().now_or_never() {
                            Some(item) => item,
                            None => break,
                        },
                    };
                    finished = next.is_none();
                }
                limit_events = limit_events.saturating_mul(2).min(MAX_BATCH_EVENTS);
                last_len = batch.commits.len();
                if !batch.is_empty() && tx.send(Ok(batch)).await.is_err() {
                    return;
                }
                if finished || reached {
                    return;
                }
            }
        });
        Batches { rx, reader }
    }

    pub(super) async fn next(&mut self) -> Option<Result<Batch, ReadError>> {
        self.rx.recv().await
    }
}

impl Drop for Batches {
    fn drop(&mut self) {
        // A reader following live appends would otherwise wait for the next commit.
        self.reader.abort();
    }
}

/// Commits in log order from one subscription, and the quarantined records among them.
#[derive(Debug, Default)]
pub(super) struct Batch {
    pub(super) commits: Vec<StoredCommit>,
    pub(super) quarantined: Vec<Quarantined>,
}

impl Batch {
    fn len(&self) -> usize {
        self.commits.len() + self.quarantined.len()
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
