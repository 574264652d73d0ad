//! Counters and histograms for `/metrics`.

pub mod metrics;
