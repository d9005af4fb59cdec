//! Test support: starts a real `nats-server` with JetStream on a random port and a temporary
//! store, and can stop, kill -9 and restart it. Used by tests only; never by production code.
