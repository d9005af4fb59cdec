//! Benchmarks that print figures and ratios against raw baselines measured in the same run.
