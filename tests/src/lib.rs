//! End-to-end tests: start nats-server and the built `synergy` binary as separate processes and drive them. Filled by issue 6.
