//! The `synergy` command line as a library: argument definitions ([`cli`]), the Changzhi
//! demo ([`demo`]) and [`run`], which executes a parsed command line against the embedded
//! data directory or a NATS deployment. `main` only parses, installs tracing and calls it.

pub mod cli;
pub mod config;
pub mod declared;
pub mod demo;
pub mod history;
pub mod hooks;
pub mod portfolio;
mod run;
mod serve;
pub mod show;
pub mod token_admin;

pub use run::run;
