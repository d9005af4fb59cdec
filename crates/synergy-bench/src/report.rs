//! The printed table and the one-line JSON object a benchmark ends with.

use std::fmt::Write as _;

use serde_json::{Map, Value, json};
use synergy_evaluation::figure::group_thousands;

use crate::measure::{LatencySummary, RssTrace, millis};

/// A backend figure beside its raw baseline from the same run.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Key in the JSON `ratios` map, e.g. `sled_append`.
    pub key: &'static str,
    pub label: String,
    pub unit: &'static str,
    pub figure: f64,
    pub baseline_label: String,
    pub baseline: f64,
    /// The target for `figure / baseline`, if it sets one.
    pub target: Option<f64>,
}

impl Comparison {
    pub fn ratio(&self) -> f64 {
        if self.baseline > 0.0 {
            self.figure / self.baseline
        } else {
            0.0
        }
    }

    pub fn met(&self) -> Option<bool> {
        self.target.map(|t| self.ratio() >= t)
    }
}

/// Latency percentiles of a backend beside its raw baseline.
#[derive(Debug, Clone)]
pub struct LatencyRow {
    pub key: &'static str,
    pub label: String,
    pub figure: LatencySummary,
    pub baseline: Option<LatencySummary>,
    /// The ceiling for the backend's p99, if it sets one.
    pub p99_ceiling_ms: Option<f64>,
}

/// Resident memory while reading through the log.
#[derive(Debug, Clone)]
pub struct MemoryRow {
    pub key: &'static str,
    pub label: String,
    pub events: u64,
    pub stored_bytes: u64,
    pub trace: RssTrace,
}

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub bench: &'static str,
    pub quick: bool,
    pub comparisons: Vec<Comparison>,
    pub latencies: Vec<LatencyRow>,
    pub memory: Vec<MemoryRow>,
    /// Counts and settings worth knowing when reading the figures.
    pub facts: Map<String, Value>,
    pub notes: Vec<String>,
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn thousands(x: f64) -> String {
    group_thousands(&(x.round() as u64).to_string())
}

impl Report {
    /// The human table.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let mode = if self.quick { "quick" } else { "full" };
        let _ = writeln!(out, "{} benchmark ({mode})", self.bench);
        let _ = writeln!(
            out,
            "\n{:<44} {:>12}  {:<36} {:>12} {:>7}  {:<6}",
            "figure", "value", "raw baseline (same run, same bytes)", "value", "ratio", "target"
        );
        for c in &self.comparisons {
            let target = match (c.target, c.met()) {
                (Some(t), Some(true)) => format!(">= {t:.1}x  met"),
                (Some(t), _) => format!(">= {t:.1}x  MISSED"),
                (None, _) => String::new(),
            };
            let _ = writeln!(
                out,
                "{:<44} {:>12}  {:<36} {:>12} {:>6.2}x  {}",
                format!("{} ({})", c.label, c.unit),
                thousands(c.figure),
                c.baseline_label,
                thousands(c.baseline),
                c.ratio(),
                target
            );
        }
        if !self.latencies.is_empty() {
            let _ = writeln!(
                out,
                "\n{:<44} {:>9} {:>9}  {:>13} {:>13}  {:<6}",
                "latency", "p50 ms", "p99 ms", "raw p50 ms", "raw p99 ms", "target"
            );
            for l in &self.latencies {
                let (rp50, rp99) = l.baseline.map_or((String::new(), String::new()), |b| {
                    (
                        format!("{:.3}", millis(b.p50)),
                        format!("{:.3}", millis(b.p99)),
                    )
                });
                let target = l.p99_ceiling_ms.map_or(String::new(), |c| {
                    let met = millis(l.figure.p99) < c;
                    format!("p99 < {c} ms  {}", if met { "met" } else { "MISSED" })
                });
                let _ = writeln!(
                    out,
                    "{:<44} {:>9.3} {:>9.3}  {:>13} {:>13}  {}",
                    format!("{} (n={})", l.label, l.figure.samples),
                    millis(l.figure.p50),
                    millis(l.figure.p99),
                    rp50,
                    rp99,
                    target
                );
            }
        }
        if !self.memory.is_empty() {
            let _ = writeln!(
                out,
                "\n{:<44} {:>10} {:>10} {:>10} {:>10} {:>10}  {:<4}",
                "memory (RSS, MiB)", "events", "data MiB", "before", "at ~10%", "at end", "peak"
            );
            for m in &self.memory {
                let _ = writeln!(
                    out,
                    "{:<44} {:>10} {:>10.1} {:>10.1} {:>10.1} {:>10.1}  {:.1}{}",
                    m.label,
                    thousands(m.events as f64),
                    m.stored_bytes as f64 / (1024.0 * 1024.0),
                    mib(m.trace.start_kib),
                    mib(m.trace.early_kib()),
                    mib(m.trace.end_kib()),
                    mib(m.trace.peak_kib),
                    if m.trace.peak_is_hwm {
                        " (VmHWM of the phase)"
                    } else {
                        " (largest sample)"
                    }
                );
            }
        }
        if !self.notes.is_empty() {
            out.push('\n');
            for n in &self.notes {
                let _ = writeln!(out, "note: {n}");
            }
        }
        out
    }

    /// One JSON object holding every figure; printed alone on the last line.
    pub fn json(&self) -> Value {
        let mut ratios = Map::new();
        let mut figures = Map::new();
        let mut raw = Map::new();
        let mut targets = Map::new();
        for c in &self.comparisons {
            ratios.insert(c.key.into(), json!(round(c.ratio(), 3)));
            figures.insert(
                c.key.into(),
                json!({ "value": round(c.figure, 1), "unit": c.unit, "what": c.label }),
            );
            raw.insert(
                c.key.into(),
                json!({ "value": round(c.baseline, 1), "unit": c.unit, "what": c.baseline_label }),
            );
            if let Some(t) = c.target {
                targets.insert(
                    c.key.into(),
                    json!({ "min_ratio": t, "met": c.ratio() >= t }),
                );
            }
        }
        let summary = |s: &LatencySummary| {
            json!({
                "p50": round(millis(s.p50), 4),
                "p99": round(millis(s.p99), 4),
                "max": round(millis(s.max), 4),
                "samples": s.samples,
            })
        };
        let mut latency = Map::new();
        for l in &self.latencies {
            let mut row = json!({ "what": l.label, "backend": summary(&l.figure) });
            if let Some(b) = &l.baseline {
                row["raw"] = summary(b);
            }
            if let Some(c) = l.p99_ceiling_ms {
                row["target_p99_below"] = json!(c);
                row["met"] = json!(millis(l.figure.p99) < c);
            }
            latency.insert(l.key.into(), row);
        }
        let mut memory = Map::new();
        for m in &self.memory {
            memory.insert(
                m.key.into(),
                json!({
                    "what": m.label,
                    "events": m.events,
                    "stored_mib": round(m.stored_bytes as f64 / (1024.0 * 1024.0), 1),
                    "rss_before_mib": round(mib(m.trace.start_kib), 1),
                    "rss_early_mib": round(mib(m.trace.early_kib()), 1),
                    "rss_end_mib": round(mib(m.trace.end_kib()), 1),
                    "peak_rss_mib": round(mib(m.trace.peak_kib), 1),
                    "growth_mib": round(mib(m.trace.growth_kib()), 1),
                    "peak_is_phase_hwm": m.trace.peak_is_hwm,
                    "samples": m.trace.samples.iter()
                        .map(|(n, kib)| json!([n, round(mib(*kib), 1)]))
                        .collect::<Vec<_>>(),
                }),
            );
        }
        json!({
            "bench": self.bench,
            "mode": if self.quick { "quick" } else { "full" },
            "ratios": ratios,
            "figures": figures,
            "raw": raw,
            "targets": targets,
            "latency_ms": latency,
            "memory": memory,
            "facts": self.facts,
            "notes": self.notes,
        })
    }
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comparison(figure: f64, baseline: f64) -> Comparison {
        Comparison {
            key: "sled_append",
            label: "sled appends".into(),
            unit: "commits/s",
            figure,
            baseline_label: "raw".into(),
            baseline,
            target: Some(0.8),
        }
    }

    #[test]
    fn ratios_and_targets_reach_the_json() {
        let report = Report {
            bench: "eventlog",
            quick: true,
            comparisons: vec![comparison(900.0, 1000.0)],
            ..Report::default()
        };
        let v = report.json();
        assert_eq!(v["ratios"]["sled_append"], json!(0.9));
        assert_eq!(v["raw"]["sled_append"]["value"], json!(1000.0));
        assert_eq!(v["targets"]["sled_append"]["met"], json!(true));
        assert!(!v.to_string().contains('\n'));
        let missed = comparison(700.0, 1000.0);
        assert_eq!(missed.met(), Some(false));
        assert!(report.table().contains("0.90x"));
    }

    #[test]
    fn zero_baseline_gives_zero_ratio() {
        assert_eq!(comparison(5.0, 0.0).ratio(), 0.0);
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(1_234_567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(0.0), "0");
    }
}
