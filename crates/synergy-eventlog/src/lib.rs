//! The event log, the source of truth: one trait with an embedded sled backend and a NATS
//! JetStream backend, proven by one conformance suite. Owns storage layout and positions;
//! never decides business rules.
