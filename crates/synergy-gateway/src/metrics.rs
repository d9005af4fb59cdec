//! Prometheus text exposition of what the gateway sees: requests by route and status, a
//! latency histogram per route, commands by context and outcome, and write conflicts that
//! outlasted the runtime's retries. Kept by hand (a few maps behind a mutex) because the
//! gateway needs four series, not a metrics framework.
//!
//! Evaluation consumer lag (commits the read models are behind the log) is exported where
//! the `Api` can tell — embedded; over NATS the read models live in the evaluation service.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in microseconds.
const BUCKETS_US: [u64; 12] = [
    5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000,
    10_000_000, 30_000_000,
];

#[derive(Debug, Default)]
struct Histogram {
    buckets: [u64; BUCKETS_US.len()],
    count: u64,
    sum_us: u64,
}

#[derive(Debug, Default)]
struct Inner {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
    commands: BTreeMap<(&'static str, &'static str), u64>,
    conflicts: BTreeMap<&'static str, u64>,
}

#[derive(Debug, Default)]
pub struct Metrics(Mutex<Inner>);

impl Metrics {
    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves counters that are still valid numbers.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn request(&self, method: &str, route: &str, status: u16, took: Duration) {
        let mut m = self.inner();
        *m.requests
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default() += 1;
        let h = m.latency.entry(route.to_owned()).or_default();
        let us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        for (i, bound) in BUCKETS_US.iter().enumerate() {
            if us <= *bound {
                h.buckets[i] += 1;
            }
        }
        h.count += 1;
        h.sum_us = h.sum_us.saturating_add(us);
    }

    /// `outcome`: recorded, unchanged, duplicate, checked (a dry run), refused, contended,
    /// unavailable, failed.
    pub fn command(&self, context: &'static str, outcome: &'static str) {
        let mut m = self.inner();
        *m.commands.entry((context, outcome)).or_default() += 1;
        if outcome == "contended" {
            *m.conflicts.entry(context).or_default() += 1;
        }
    }

    /// The exposition, with the evaluation consumer's lag and the quarantined records it
    /// passed over when they are known.
    pub fn render_with_lag(&self, lag: Option<u64>, quarantined: Option<u64>) -> String {
        let mut out = self.render();
        if let Some(lag) = lag {
            out.push_str("# HELP synergy_evaluation_consumer_lag_commits Commits the evaluation read models are behind the event log's head.\n");
            out.push_str("# TYPE synergy_evaluation_consumer_lag_commits gauge\n");
            let _ = writeln!(out, "synergy_evaluation_consumer_lag_commits {lag}");
        }
        if let Some(quarantined) = quarantined {
            out.push_str("# HELP synergy_quarantined_records Records of the event log that are not commits (undecodable, or on another stream's subject), passed over by the evaluation fold; list them with `synergy quarantine list`.\n");
            out.push_str("# TYPE synergy_quarantined_records gauge\n");
            let _ = writeln!(out, "synergy_quarantined_records {quarantined}");
        }
        out
    }

    pub fn render(&self) -> String {
        let m = self.inner();
        let mut out = String::new();
        let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
        out.push_str("# HELP synergy_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE synergy_http_requests_total counter\n");
        for ((method, route, status), n) in &m.requests {
            let _ = writeln!(
                out,
                "synergy_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                esc(method),
                esc(route)
            );
        }
        out.push_str(
            "# HELP synergy_http_request_duration_seconds Time to answer a request, by route.\n",
        );
        out.push_str("# TYPE synergy_http_request_duration_seconds histogram\n");
        for (route, h) in &m.latency {
            let route = esc(route);
            for (bound, n) in BUCKETS_US.iter().zip(h.buckets) {
                let _ = writeln!(
                    out,
                    "synergy_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{}.{:06}\"}} {n}",
                    bound / 1_000_000,
                    bound % 1_000_000
                );
            }
            let _ = writeln!(
                out,
                "synergy_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "synergy_http_request_duration_seconds_sum{{route=\"{route}\"}} {}.{:06}",
                h.sum_us / 1_000_000,
                h.sum_us % 1_000_000
            );
            let _ = writeln!(
                out,
                "synergy_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
        out.push_str("# HELP synergy_commands_total Commands by context and outcome.\n");
        out.push_str("# TYPE synergy_commands_total counter\n");
        for ((context, outcome), n) in &m.commands {
            let _ = writeln!(
                out,
                "synergy_commands_total{{context=\"{context}\",outcome=\"{outcome}\"}} {n}"
            );
        }
        out.push_str(
            "# HELP synergy_command_conflicts_total Commands refused because other writers kept changing the aggregate through every retry.\n",
        );
        out.push_str("# TYPE synergy_command_conflicts_total counter\n");
        for (context, n) in &m.conflicts {
            let _ = writeln!(
                out,
                "synergy_command_conflicts_total{{context=\"{context}\"}} {n}"
            );
        }
        out
    }
}

/// The stream snapshots of a process that executes commands itself
/// (`synergy_runtime::snapshot`).
pub fn render_snapshots(out: &mut String, counts: synergy_runtime::snapshot::SnapshotCounts) {
    for (name, help, n) in [
        (
            "synergy_snapshots_restored_total",
            "Stream states restored from a snapshot instead of folded from the whole log.",
            counts.restored,
        ),
        (
            "synergy_snapshots_saved_total",
            "Stream snapshots saved.",
            counts.saved,
        ),
        (
            "synergy_snapshots_ignored_total",
            "Stored snapshots not used (torn, of another schema, stream or state layout, or undecodable); the stream was folded from the log.",
            counts.ignored,
        ),
    ] {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} counter\n{name} {n}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_falls_into_every_bucket_at_or_above_it() {
        let m = Metrics::default();
        m.request("GET", "/healthz", 200, Duration::from_millis(30));
        let text = m.render();
        assert!(text.contains("route=\"/healthz\",le=\"0.025000\"} 0"));
        assert!(text.contains("route=\"/healthz\",le=\"0.050000\"} 1"));
        assert!(text.contains("le=\"+Inf\"} 1"));
        assert!(text.contains("status=\"200\"} 1"));
    }
}
