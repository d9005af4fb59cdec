//! The brand context of the 5+1 model (pure domain): its aggregates, commands and rules as
//! `decide` / `evolve`. Never imports tokio, NATS, sled or HTTP.
