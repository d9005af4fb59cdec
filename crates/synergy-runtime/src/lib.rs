//! The service runtime: hosts the contexts around an event log. A command is routed to its
//! aggregate's stream, the stream is loaded and folded, the pure domain decides, and the
//! events are appended as one commit with the version that was loaded — retrying a bounded
//! number of times when another writer got there first.
//!
//! This crate is the thin async shell around the pure domain crates: it owns I/O, clocks,
//! ids and retries, and never decides a business rule itself.

pub mod alerts;
pub mod api;
pub mod clock;
pub mod commands;
pub mod executor;
pub mod fault;
pub mod history;
pub mod import;
pub mod kept;
pub mod nats;
pub mod projection;
pub mod query;
pub mod schedule;
pub mod snapshot;
pub mod webhook;

pub use api::{
    Api, ApiError, IssueRequest, IssuedReport, Local, NotFound, PlanGapRequest, PortfolioRequest,
    ReportRequest, ValueRealisedRequest,
};
pub use clock::{Clock, ClockFileError, FileClock, ManualClock, SystemClock};
pub use executor::{AnyCommand, ExecuteError, Executor, Outcome, Request, Unavailable};
pub use fault::{Corrupt, Lag, NotReady};
pub use query::AnyQuery;
pub use synergy_domain::ErrorCode;
