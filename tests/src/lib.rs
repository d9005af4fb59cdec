//! End-to-end support: finds (or builds) the `synergy` binary, runs its services as separate
//! processes against a test `nats-server`, drives them with the CLI, and generates market
//! data whose report figures the tests compute independently.
//!
//! Everything here talks to Synergy the way an operator does — processes, flags, files,
//! stdout, HTTP — so it must never import a Synergy crate: what the tests check is the
//! binary's behaviour, not a library call that could agree with itself.

pub mod binary;
pub mod docs;
pub mod market;
pub mod process;
pub mod report;
pub mod scenario;
pub mod up;

pub use binary::synergy_bin;
pub use market::{Catalogue, MarketData, Month};
pub use process::{Cli, CliOutput, ServiceProcess};
pub use report::Report;
pub use scenario::Deployment;
pub use up::Up;
