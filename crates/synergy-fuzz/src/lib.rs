//! A fuzz harness that runs on stable Rust inside the ordinary test suite: proptest drives
//! random and mutated inputs through the CSV and XLSX importers (`tests/import.rs`), the
//! commit, commit-group and message decoders (`tests/codec.rs`) and the gateway's JSON
//! bodies (`tests/json.rs`). Each property is "no panic, and bounded allocation".
//!
//! Allocation is bounded by the global allocator of every test binary of this crate: a
//! [`cap::Cap`] over the system allocator. [`within`] lets a case allocate at most its
//! bound on top of what was allocated when it started; an allocation past that fails,
//! and the process aborts with "memory allocation of N bytes failed", which fails the
//! test. So a case that would allocate past its bound can never pass.
//!
//! `SYNERGY_FUZZ_CASES` sets how many cases each property runs (default
//! [`DEFAULT_CASES`], for a quick `cargo nextest run`); `scripts/test` runs the crate
//! again with a larger count.

use std::alloc::System;

use cap::Cap;
use proptest::test_runner::Config;

/// Every allocation of a test binary that links this crate goes through here.
#[global_allocator]
pub static ALLOC: Cap<System> = Cap::new(System, usize::MAX);

/// Cases per property without `SYNERGY_FUZZ_CASES`.
pub const DEFAULT_CASES: u32 = 64;

/// The number of cases per property: `SYNERGY_FUZZ_CASES`, or [`DEFAULT_CASES`].
pub fn cases() -> u32 {
    std::env::var("SYNERGY_FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

/// The proptest configuration of every property here: [`cases`] cases, no files written
/// for failures (a failing seed is printed instead).
pub fn config() -> Config {
    Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    }
}

/// Runs `f` allowed to allocate at most `bound` bytes beyond what is allocated now (past
/// it, an allocation fails and the process aborts). Returns what `f` returned and the
/// bytes that are still allocated beyond the start while that result is alive: what the
/// result holds on to.
pub fn within<T>(bound: usize, f: impl FnOnce() -> T) -> (T, usize) {
    let start = ALLOC.allocated();
    // Only fails if the limit were below what is allocated, which start + bound is not.
    let _ = ALLOC.set_limit(start.saturating_add(bound));
    let out = f();
    let held = ALLOC.allocated().saturating_sub(start);
    let _ = ALLOC.set_limit(usize::MAX);
    (out, held)
}

/// Byte-level mutations of a seed input.
pub mod mutate {
    use proptest::prelude::*;

    /// One edit of a byte string.
    #[derive(Debug, Clone)]
    pub enum Edit {
        /// Set the byte at (position modulo length).
        Set(usize, u8),
        /// Insert bytes at a position.
        Insert(usize, Vec<u8>),
        /// Remove up to `n` bytes at a position.
        Remove(usize, usize),
        /// Copy a slice of the input over another place (duplicates structure).
        Splice(usize, usize, usize),
        /// Cut the input at a position.
        Truncate(usize),
    }

    pub fn edit() -> impl Strategy<Value = Edit> {
        prop_oneof![
            4 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Set(i, b)),
            2 => (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..16))
                .prop_map(|(i, b)| Edit::Insert(i, b)),
            2 => (any::<usize>(), 1usize..64).prop_map(|(i, n)| Edit::Remove(i, n)),
            1 => (any::<usize>(), any::<usize>(), 1usize..256)
                .prop_map(|(from, to, n)| Edit::Splice(from, to, n)),
            1 => any::<usize>().prop_map(Edit::Truncate),
        ]
    }

    pub fn edits() -> impl Strategy<Value = Vec<Edit>> {
        proptest::collection::vec(edit(), 1..8)
    }

    /// `seed` with `edits` applied in order.
    pub fn apply(seed: &[u8], edits: &[Edit]) -> Vec<u8> {
        let mut out = seed.to_vec();
        for e in edits {
            let at = |i: usize, len: usize| if len == 0 { 0 } else { i % (len + 1) };
            match e {
                Edit::Set(i, b) => {
                    if !out.is_empty() {
                        let i = i % out.len();
                        out[i] = *b;
                    }
                }
                Edit::Insert(i, bytes) => {
                    let i = at(*i, out.len());
                    out.splice(i..i, bytes.iter().copied());
                }
                Edit::Remove(i, n) => {
                    let i = at(*i, out.len());
                    let end = (i + n).min(out.len());
                    out.drain(i..end);
                }
                Edit::Splice(from, to, n) => {
                    if !out.is_empty() {
                        let from = from % out.len();
                        let end = (from + n).min(out.len());
                        let piece = out[from..end].to_vec();
                        let to = at(*to, out.len());
                        out.splice(to..to, piece);
                    }
                }
                Edit::Truncate(i) => {
                    let i = at(*i, out.len());
                    out.truncate(i);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_reports_what_the_result_holds() {
        let (v, held) = within(1 << 20, || vec![0u8; 4096]);
        assert_eq!(v.len(), 4096);
        assert!(held >= 4096, "{held}");
        let (_, held) = within(1 << 20, || vec![0u8; 4096].len());
        assert!(held < 4096, "{held}");
    }

    #[test]
    fn an_allocation_past_the_bound_fails() {
        let (tried, _) = within(1 << 20, || Vec::<u8>::new().try_reserve_exact(8 << 20));
        assert!(tried.is_err(), "8 MiB allowed under a 1 MiB bound");
        let (tried, _) = within(16 << 20, || Vec::<u8>::new().try_reserve_exact(8 << 20));
        assert!(tried.is_ok());
    }

    #[test]
    fn edits_stay_in_bounds() {
        use mutate::{Edit, apply};
        let seed = b"hello";
        assert_eq!(apply(seed, &[Edit::Set(7, b'J')]), b"heJlo");
        assert_eq!(apply(seed, &[Edit::Truncate(3)]), b"hel");
        assert_eq!(apply(b"", &[Edit::Remove(9, 9), Edit::Set(1, 1)]), b"");
        assert_eq!(apply(seed, &[Edit::Splice(0, 5, 2)]), b"hellohe");
    }
}
