//! The run's report: latency rows beside their raw baselines, the per-phase tables and the
//! headline figures of the JSON line.

use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use super::{
    BigImport, EMBEDDED_P99_CEILING_MS, IMPORT_10K_CEILING_MS, MONTHLY_SKUS, ModeResults,
    NATS_P99_CEILING_MS, NATS_PACE, Plan,
};
use crate::measure::{Latencies, LatencySummary, millis};
use crate::report::{LatencyRow, Report};

/// The run's figures: the shared [`Report`] (latency rows with their raw baselines) plus
/// the per-phase breakdown and the headline keys of the JSON line.
#[derive(Debug)]
pub struct PipelineReport {
    pub report: Report,
    phases: String,
    headline: Map<String, Value>,
}

fn summary(l: &Latencies) -> Option<LatencySummary> {
    l.summary()
}

fn p99_ms(l: &Latencies) -> f64 {
    summary(l).map_or(0.0, |s| millis(s.p99))
}

fn p50_ms(l: &Latencies) -> f64 {
    summary(l).map_or(0.0, |s| millis(s.p50))
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

fn round3(x: f64) -> f64 {
    (x * 1e3).round() / 1e3
}

/// A table of p50, p99 and max under `title`, one line per labelled latency that has
/// samples.
fn latency_table(out: &mut String, title: &str, rows: &[(&str, &Latencies)]) {
    let _ = writeln!(
        out,
        "\n{:<44} {:>9} {:>9} {:>9}",
        title, "p50 ms", "p99 ms", "max ms"
    );
    for (label, l) in rows {
        if let Some(s) = summary(l) {
            let _ = writeln!(
                out,
                "  {:<42} {:>9.3} {:>9.3} {:>9.3}",
                label,
                millis(s.p50),
                millis(s.p99),
                millis(s.max)
            );
        }
    }
}

impl PipelineReport {
    pub(super) fn new(
        quick: bool,
        plan: Plan,
        embedded: ModeResults,
        nats: ModeResults,
        big: BigImport,
        notes: Vec<String>,
        (embedded_secs, nats_secs): (f64, f64),
    ) -> PipelineReport {
        let mut report = Report {
            bench: "pipeline",
            quick,
            notes,
            ..Report::default()
        };
        // (key, label, figure, baseline, p99 ceiling)
        let rows: [(&'static str, &str, &Latencies, &Latencies, Option<f64>); 7] = [
            (
                "embedded_accepted_to_report",
                "embedded: accepted -> report",
                &embedded.phases.accepted_to_report,
                &embedded.raw_write,
                Some(EMBEDDED_P99_CEILING_MS),
            ),
            (
                "embedded_total",
                "embedded: bytes -> report",
                &embedded.phases.total,
                &embedded.raw_write,
                None,
            ),
            (
                "embedded_execute",
                "embedded: execute",
                &embedded.phases.execute,
                &embedded.raw_write,
                None,
            ),
            (
                "nats_accepted_to_report",
                "nats: accepted -> report",
                &nats.phases.accepted_to_report,
                &nats.raw_request,
                Some(NATS_P99_CEILING_MS),
            ),
            (
                "nats_total",
                "nats: bytes -> report",
                &nats.phases.total,
                &nats.raw_write,
                None,
            ),
            (
                "nats_execute",
                "nats: execute",
                &nats.phases.execute,
                &nats.raw_write,
                None,
            ),
            (
                "import_10k_accepted",
                "10k rows: bytes -> accepted",
                &big.accepted,
                &big.raw_write,
                Some(IMPORT_10K_CEILING_MS),
            ),
        ];
        for (key, label, figure, baseline, ceiling) in rows {
            if let Some(figure) = figure.summary() {
                report.latencies.push(LatencyRow {
                    key,
                    label: label.to_owned(),
                    figure,
                    baseline: baseline.summary(),
                    p99_ceiling_ms: ceiling,
                });
            }
        }

        let mut phases = String::new();
        latency_table(
            &mut phases,
            "embedded phases (per monthly import)",
            &embedded.phases.rows(),
        );
        latency_table(
            &mut phases,
            "nats phases (per monthly import)",
            &nats.phases.rows(),
        );
        latency_table(
            &mut phases,
            "raw baselines (same commit bytes)",
            &[
                ("sled insert+flush+fdatasync", &embedded.raw_write),
                ("JetStream publish+ack", &nats.raw_write),
                ("NATS request/reply", &nats.raw_request),
                (
                    "JetStream read_aggregate (not raw: 1 consumer)",
                    &nats.read_aggregate,
                ),
                (
                    "sled insert+flush+fdatasync of the 10k-row commit",
                    &big.raw_write,
                ),
            ],
        );
        let _ = writeln!(
            phases,
            "\n10,000-row import ({} rows, {} KiB CSV, {} rounds)   {:>9} {:>9}",
            big.rows,
            big.bytes / 1024,
            big.accepted.len(),
            "p50 ms",
            "max ms"
        );
        for (label, l) in [
            ("catalogue + partnership look-ups", &big.lookups),
            ("parse CSV", &big.parse),
            ("execute (domain checks, one commit)", &big.execute),
            ("total: bytes -> accepted", &big.accepted),
            ("accepted -> report reflects it", &big.report),
        ] {
            if let Some(s) = l.summary() {
                let _ = writeln!(
                    phases,
                    "  {:<52} {:>9.3} {:>9.3}",
                    label,
                    millis(s.p50),
                    millis(s.max)
                );
            }
        }

        let mean = |v: &[usize]| {
            if v.is_empty() {
                0
            } else {
                v.iter().sum::<usize>() / v.len()
            }
        };
        let facts = &mut report.facts;
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        facts.insert("cores".into(), json!(cores));
        facts.insert("partnerships".into(), json!(plan.partnerships));
        facts.insert("months_per_partnership".into(), json!(plan.months));
        facts.insert("imports_per_mode".into(), json!(plan.imports()));
        facts.insert("skus_per_month".into(), json!(MONTHLY_SKUS));
        facts.insert(
            "monthly_commit_bytes_mean".into(),
            json!(mean(&embedded.commit_bytes)),
        );
        facts.insert("big_rows".into(), json!(big.rows));
        facts.insert("big_csv_bytes".into(), json!(big.bytes));
        facts.insert("big_commit_bytes".into(), json!(big.commit_bytes));
        facts.insert("big_events".into(), json!(big.events));
        facts.insert("embedded_seconds".into(), json!(round3(embedded_secs)));
        facts.insert("nats_seconds".into(), json!(round3(nats_secs)));
        report.notes.push(
            "raw columns: embedded and 10k rows beside a sled insert+flush of the same \
             commit bytes; nats accepted -> report beside a NATS request/reply of them; the \
             other nats rows beside a JetStream publish+ack of them"
                .into(),
        );
        report.notes.push(format!(
            "every import is checked: the month's market report, asked with after = the \
             command's position, must state the imported volume; p99 is the nearest-rank \
             p99 of {} imports per mode; the machine ({cores} cores) is shared, so figures \
             are noisy",
            plan.imports()
        ));

        facts.insert("nats_pace_ms".into(), json!(NATS_PACE.as_millis() as u64));
        facts.insert(
            "nats_peak_consumers_paced".into(),
            json!(nats.peak_consumers),
        );
        let mut burst_json = Value::Null;
        if let Some(b) = &nats.burst {
            burst_json = json!({
                "attempted": b.attempted,
                "succeeded": b.succeeded,
                "seconds": round3(b.elapsed.as_secs_f64()),
                "consumers_at_end": b.consumers_at_end,
                "error": b.error,
            });
            let _ = writeln!(
                phases,
                "\nnats back-to-back imports (unpaced, up to {}): {} succeeded in {:.1} s; \
                 {} consumers on the log's stream at the end{}",
                plan.burst,
                b.succeeded,
                b.elapsed.as_secs_f64(),
                b.consumers_at_end,
                b.error
                    .as_deref()
                    .map_or(String::new(), |e| format!("\n  first failure: {e}"))
            );
            if b.error.is_some() {
                report.notes.push(format!(
                    "over NATS, back-to-back imports stopped after {} imports: {}",
                    b.succeeded,
                    b.error.as_deref().unwrap_or_default()
                ));
            }
        }
        report.facts.insert("nats_back_to_back".into(), burst_json);

        let e_p99 = p99_ms(&embedded.phases.accepted_to_report);
        let n_p99 = p99_ms(&nats.phases.accepted_to_report);
        let e_total_p99 = p99_ms(&embedded.phases.total);
        let n_total_p99 = p99_ms(&nats.phases.total);
        let sled_p99 = p99_ms(&embedded.raw_write);
        let jetstream_p99 = p99_ms(&nats.raw_write);
        let request_p99 = p99_ms(&nats.raw_request);
        // The slowest round: the target holds for every import, not the typical one.
        let big_ms = summary(&big.accepted).map_or(0.0, |s| millis(s.max));
        let mut headline = Map::new();
        for (key, value) in [
            (
                "pipeline_embedded_p50_ms",
                p50_ms(&embedded.phases.accepted_to_report),
            ),
            ("pipeline_embedded_p99_ms", e_p99),
            (
                "pipeline_embedded_total_p50_ms",
                p50_ms(&embedded.phases.total),
            ),
            ("pipeline_embedded_total_p99_ms", e_total_p99),
            (
                "pipeline_nats_p50_ms",
                p50_ms(&nats.phases.accepted_to_report),
            ),
            ("pipeline_nats_p99_ms", n_p99),
            ("pipeline_nats_total_p50_ms", p50_ms(&nats.phases.total)),
            ("pipeline_nats_total_p99_ms", n_total_p99),
            ("import_10k_rows_ms", big_ms),
            ("import_10k_parse_ms", p50_ms(&big.parse)),
            ("import_10k_execute_ms", p50_ms(&big.execute)),
            ("raw_sled_insert_flush_p99_ms", sled_p99),
            ("raw_jetstream_publish_ack_p99_ms", jetstream_p99),
            ("raw_nats_request_reply_p99_ms", request_p99),
            (
                "ratio_embedded_p99_vs_sled_insert_flush",
                ratio(e_p99, sled_p99),
            ),
            (
                "ratio_embedded_total_p99_vs_sled_insert_flush",
                ratio(e_total_p99, sled_p99),
            ),
            ("ratio_nats_p99_vs_request_reply", ratio(n_p99, request_p99)),
            (
                "ratio_nats_total_p99_vs_jetstream_publish_ack",
                ratio(n_total_p99, jetstream_p99),
            ),
            (
                "ratio_import_10k_vs_sled_insert_flush",
                ratio(big_ms, p50_ms(&big.raw_write)),
            ),
        ] {
            headline.insert(key.into(), json!(round3(value)));
        }
        headline.insert(
            "targets_met".into(),
            json!({
                "pipeline_embedded_p99_below_50_ms": e_p99 < EMBEDDED_P99_CEILING_MS,
                "pipeline_nats_p99_below_100_ms": n_p99 < NATS_P99_CEILING_MS,
                "import_10k_rows_below_1_s": big_ms < IMPORT_10K_CEILING_MS,
            }),
        );
        PipelineReport {
            report,
            phases,
            headline,
        }
    }

    /// The human table.
    pub fn table(&self) -> String {
        let mut out = self.report.table();
        if self.report.comparisons.is_empty() {
            // The shared table always heads a comparison section; this bench has none.
            out = out
                .lines()
                .filter(|l| !l.starts_with("figure "))
                .collect::<Vec<_>>()
                .join("\n");
            out.push('\n');
        }
        out.push_str(&self.phases);
        out
    }

    /// One JSON object: the headline figures at the top level, then everything else.
    pub fn json(&self) -> Value {
        let mut object = self.headline.clone();
        if let Value::Object(rest) = self.report.json() {
            for (k, v) in rest {
                object.entry(k).or_insert(v);
            }
        }
        Value::Object(object)
    }
}
