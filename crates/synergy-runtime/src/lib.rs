//! The service runtime: hosts one context or all of them, loads aggregates from the event log,
//! decides, appends with the expected version and answers commands over NATS or in-process.
//! Not yet built: see issue 6.
