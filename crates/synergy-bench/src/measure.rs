//! Measuring tools shared by every benchmark: latency percentiles, rates and the
//! process's resident memory.

use std::time::Duration;

/// Latencies of individual operations, summarised by exact percentiles over a sorted
/// copy (the samples are few enough that a histogram buys nothing).
#[derive(Debug, Clone, Default)]
pub struct Latencies {
    samples: Vec<Duration>,
}

impl Latencies {
    pub fn with_capacity(n: usize) -> Latencies {
        Latencies {
            samples: Vec::with_capacity(n),
        }
    }

    pub fn record(&mut self, d: Duration) {
        self.samples.push(d);
    }

    pub fn merge(&mut self, other: Latencies) {
        self.samples.extend(other.samples);
    }

    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// The summary, or `None` when nothing was recorded.
    pub fn summary(&self) -> Option<LatencySummary> {
        if self.samples.is_empty() {
            return None;
        }
        let mut sorted = self.samples.clone();
        sorted.sort_unstable();
        Some(LatencySummary {
            p50: percentile(&sorted, 50.0),
            p99: percentile(&sorted, 99.0),
            max: sorted[sorted.len() - 1],
            samples: sorted.len(),
        })
    }
}

/// Nearest-rank percentile of an ascending, non-empty slice.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatencySummary {
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    pub samples: usize,
}

/// Operations per second; 0 when nothing was timed.
pub fn rate(count: u64, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 { count as f64 / secs } else { 0.0 }
}

pub fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// A field of `/proc/self/status` in KiB (`VmRSS`, `VmHWM`); `None` off Linux.
pub fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// Resets the peak-RSS mark (`VmHWM`) to the current RSS so a phase's own peak can be
/// read afterwards. Returns whether the kernel accepted it (Linux ≥ 4.0).
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Resident memory while a phase runs: where it started, samples along the way and the
/// peak.
#[derive(Debug, Clone, Default)]
pub struct RssTrace {
    pub start_kib: u64,
    /// Whether `peak_kib` is the kernel's high-water mark for this phase alone; when
    /// `false` it is the largest sample.
    pub peak_is_hwm: bool,
    /// (items processed, RSS in KiB)
    pub samples: Vec<(u64, u64)>,
    pub peak_kib: u64,
}

impl RssTrace {
    pub fn start() -> RssTrace {
        let peak_is_hwm = reset_peak_rss();
        let start_kib = status_kib("VmRSS").unwrap_or(0);
        RssTrace {
            start_kib,
            peak_is_hwm,
            samples: Vec::new(),
            peak_kib: start_kib,
        }
    }

    pub fn sample(&mut self, items: u64) {
        if let Some(rss) = status_kib("VmRSS") {
            self.samples.push((items, rss));
            self.peak_kib = self.peak_kib.max(rss);
        }
    }

    pub fn finish(&mut self, items: u64) {
        self.sample(items);
        if self.peak_is_hwm
            && let Some(hwm) = status_kib("VmHWM")
        {
            self.peak_kib = self.peak_kib.max(hwm);
        }
    }

    /// The resident memory now and the phase's peak: the kernel's high-water mark where it
    /// was reset for the phase, else the memory now.
    pub fn end_and_peak_kib(&self) -> (u64, u64) {
        let end = status_kib("VmRSS").unwrap_or(0);
        let peak = match self.peak_is_hwm {
            true => status_kib("VmHWM").unwrap_or(end),
            false => end,
        };
        (end, peak)
    }

    /// RSS after the first sample (≈ 10 % of the way) — the reference the end is compared
    /// with to show growth did not continue.
    pub fn early_kib(&self) -> u64 {
        self.samples.first().map_or(self.start_kib, |s| s.1)
    }

    /// How far the peak rose above where the phase started.
    pub fn growth_kib(&self) -> u64 {
        self.peak_kib.saturating_sub(self.start_kib)
    }

    pub fn end_kib(&self) -> u64 {
        self.samples.last().map_or(self.start_kib, |s| s.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut l = Latencies::default();
        for ms in (1..=100).rev() {
            l.record(Duration::from_millis(ms));
        }
        let s = l.summary().expect("samples");
        assert_eq!(s.p50, Duration::from_millis(50));
        assert_eq!(s.p99, Duration::from_millis(99));
        assert_eq!(s.max, Duration::from_millis(100));
        let mut one = Latencies::default();
        one.record(Duration::from_micros(7));
        let s = one.summary().expect("one sample");
        assert_eq!(
            (s.p50, s.p99),
            (Duration::from_micros(7), Duration::from_micros(7))
        );
        assert!(Latencies::default().summary().is_none());
    }

    #[test]
    fn rates() {
        assert_eq!(rate(500, Duration::from_millis(250)), 2000.0);
        assert_eq!(rate(5, Duration::ZERO), 0.0);
    }

    #[test]
    fn reads_own_status() {
        if cfg!(target_os = "linux") {
            assert!(status_kib("VmRSS").is_some_and(|k| k > 0));
            assert!(status_kib("NoSuchField").is_none());
        }
    }
}
