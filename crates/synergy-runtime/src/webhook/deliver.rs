//! Sending what the outbox owes: each delivery POSTed signed to its webhook's URL, a 2xx
//! answer ends it, anything else (another status, a refused or dropped connection, a
//! timeout) makes it due again after an exponential backoff with jitter, until the
//! schedule's last attempt, after which it is given up (kept in the outbox's `dead`
//! tree and counted). At least once: a delivery is removed only after its 2xx.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::StreamExt;
use rand::Rng;
use tokio::sync::watch;

use super::outbox::{Delivery, Outbox, OutboxError};
use super::{EVENT_ID_HEADER, SIGNATURE_HEADER, SigningKey, signature};

/// Deliveries attempted at once.
const CONCURRENCY: usize = 32;
/// A receiver that does not accept the connection in this long is down for this attempt.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The whole attempt, answer included, ends after this long.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// When attempts are made again: the first retry after about `first`, each later one
/// after twice the wait before, at most `max`, and none once `give_up` has passed since
/// the first attempt. Each wait is drawn between half of it and all of it, so receivers
/// that failed together are not retried together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetrySchedule {
    pub first: Duration,
    pub max: Duration,
    pub give_up: Duration,
}

impl Default for RetrySchedule {
    /// 10 s, doubling up to an hour, for 24 h.
    fn default() -> Self {
        Self {
            first: Duration::from_secs(10),
            max: Duration::from_secs(3_600),
            give_up: Duration::from_secs(24 * 3_600),
        }
    }
}

impl RetrySchedule {
    /// The wait before attempt `attempts + 1`, jitter drawn.
    pub fn wait_after(&self, attempts: u32) -> Duration {
        let doubled = self
            .first
            .saturating_mul(2u32.saturating_pow(attempts.saturating_sub(1).min(31)));
        let full = doubled.min(self.max);
        let half = full / 2;
        half + rand::rng().random_range(Duration::ZERO..=full - half)
    }
}

impl FromStr for RetrySchedule {
    type Err = String;

    /// `FIRST,MAX,GIVE_UP`, each a whole number with a unit `ms`, `s`, `m` or `h`
    /// (`200ms,1s,5s`).
    fn from_str(s: &str) -> Result<Self, String> {
        let parts: Vec<&str> = s.split(',').map(str::trim).collect();
        let [first, max, give_up] = parts.as_slice() else {
            return Err(format!("{s:?}: write FIRST,MAX,GIVE_UP, e.g. 10s,1h,24h"));
        };
        let duration = |t: &str| -> Result<Duration, String> {
            let digits = t.trim_end_matches(|c: char| c.is_ascii_alphabetic());
            let n: u64 = digits
                .parse()
                .map_err(|_| format!("{t:?} is not a whole number with a unit"))?;
            match &t[digits.len()..] {
                "ms" => Ok(Duration::from_millis(n)),
                "s" => Ok(Duration::from_secs(n)),
                "m" => Ok(Duration::from_secs(n.saturating_mul(60))),
                "h" => Ok(Duration::from_secs(n.saturating_mul(3_600))),
                unit => Err(format!("{t:?}: the unit {unit:?} is not ms, s, m or h")),
            }
        };
        let schedule = Self {
            first: duration(first)?,
            max: duration(max)?,
            give_up: duration(give_up)?,
        };
        if schedule.first.is_zero() || schedule.max < schedule.first {
            return Err(format!(
                "{s:?}: FIRST must be above 0 and MAX at least FIRST"
            ));
        }
        Ok(schedule)
    }
}

/// What the deliverer has done since it started.
#[derive(Debug, Default)]
pub struct DeliveryStats {
    pub delivered: AtomicU64,
    pub failed_attempts: AtomicU64,
    pub given_up: AtomicU64,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The HTTP client deliveries go through: no redirect is followed (a receiver's redirect
/// is its failure, never a way to send a signed alert elsewhere), the connection and the
/// whole attempt are bounded in time.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(ATTEMPT_TIMEOUT)
        .user_agent(concat!("synergy-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("a client with a static configuration builds")
}

/// Delivers what `outbox` owes until `shutdown` turns true. A failure of the outbox's
/// store (a full disk) pauses it for [`super::outbox::RESUME_PAUSE`]; what is owed stays
/// owed.
pub async fn run(
    outbox: Arc<Outbox>,
    key: SigningKey,
    schedule: RetrySchedule,
    stats: Arc<DeliveryStats>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), OutboxError> {
    loop {
        match rounds(&outbox, &key, schedule, &stats, shutdown.clone()).await {
            Ok(()) => return Ok(()),
            Err(e) => {
                tracing::warn!(error = %e, "the webhook deliverer failed; resuming in {:?}", super::outbox::RESUME_PAUSE);
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(super::outbox::RESUME_PAUSE) => {}
            _ = shutdown.wait_for(|stop| *stop) => return Ok(()),
        }
    }
}

async fn rounds(
    outbox: &Arc<Outbox>,
    key: &SigningKey,
    schedule: RetrySchedule,
    stats: &Arc<DeliveryStats>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), OutboxError> {
    let client = client();
    loop {
        let now = now_ms();
        let (due, later): (Vec<Delivery>, Vec<Delivery>) =
            outbox.pending()?.into_iter().partition(|d| d.due_ms <= now);
        if !due.is_empty() {
            let attempts = futures::stream::iter(due).map(|d| {
                let client = &client;
                async move { attempt(client, outbox, key, &schedule, stats, d).await }
            });
            let results: Vec<Result<(), OutboxError>> =
                attempts.buffer_unordered(CONCURRENCY).collect().await;
            results.into_iter().collect::<Result<(), _>>()?;
            // One flush per round keeps what a crash redelivers to the round in flight,
            // not everything since sled's last flush of its own.
            outbox.flush()?;
            continue;
        }
        let wait = later
            .iter()
            .map(|d| d.due_ms.saturating_sub(now))
            .min()
            .map_or(Duration::from_secs(60), |ms| {
                Duration::from_millis(u64::try_from(ms).unwrap_or(0))
            });
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = outbox.enqueued.notified() => {}
            _ = shutdown.wait_for(|stop| *stop) => return Ok(()),
        }
    }
}

async fn attempt(
    client: &reqwest::Client,
    outbox: &Outbox,
    key: &SigningKey,
    schedule: &RetrySchedule,
    stats: &DeliveryStats,
    mut delivery: Delivery,
) -> Result<(), OutboxError> {
    // Removed since it was enqueued: it gets nothing more.
    let Some(hook) = outbox.hook(delivery.webhook) else {
        return outbox.done(&delivery);
    };
    let secret = key.secret(delivery.webhook);
    let started = now_ms();
    let signed = signature(&secret, started / 1_000, delivery.body.as_bytes());
    let sent = client
        .post(&hook.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signed)
        .header(EVENT_ID_HEADER, delivery.event.to_string())
        .body(delivery.body.clone())
        .send()
        .await;
    // The answer's body is never read: only its status counts.
    let failure = match sent {
        Ok(answer) if answer.status().is_success() => None,
        Ok(answer) => Some(format!("answered {}", answer.status())),
        Err(e) => Some(without_url(e)),
    };
    let Some(failure) = failure else {
        stats.delivered.fetch_add(1, Ordering::Relaxed);
        return outbox.done(&delivery);
    };
    stats.failed_attempts.fetch_add(1, Ordering::Relaxed);
    let now = now_ms();
    let first = *delivery.first_attempt_ms.get_or_insert(started);
    delivery.attempts = delivery.attempts.saturating_add(1);
    delivery.last_error = Some(failure);
    let waited = Duration::from_millis(u64::try_from(now - first).unwrap_or(0));
    let wait = schedule.wait_after(delivery.attempts);
    if waited + wait > schedule.give_up {
        tracing::warn!(webhook = %delivery.webhook, event = %delivery.event, attempts = delivery.attempts, error = ?delivery.last_error, "webhook delivery given up");
        stats.given_up.fetch_add(1, Ordering::Relaxed);
        return outbox.give_up(&delivery);
    }
    delivery.due_ms = now.saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX));
    outbox.retry_later(&delivery)
}

/// A transport error in words, without the URL (its path may be a receiver's secret).
fn without_url(e: reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_redirect() {
        "redirected"
    } else {
        "the connection failed"
    };
    let e = e.without_url();
    format!("{kind}: {e}")
}
