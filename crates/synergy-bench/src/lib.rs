//! Benchmarks that print figures beside raw baselines measured in the same run, on the
//! same machine, with the same bytes, and the ratios between them.
//!
//! It owns the `synergy-bench` command and its measuring tools. It drives infrastructure
//! crates (`synergy-eventlog`, `synergy-proto`, `synergy-testkit` to start nats-server,
//! `synergy-runtime` and `synergy-evaluation` for the read models and reports) from the
//! outside through their public APIs; it must never be imported by a product
//! crate, and it asserts nothing about timings — it reports them.

pub mod alerts;
pub mod commands;
pub mod evaluation;
pub mod eventlog;
pub mod history;
pub mod measure;
pub mod models;
pub mod partitions;
pub mod pipeline;
pub mod portfolio;
pub mod report;
pub mod scale;
pub mod web;
pub mod webhooks;
