//! cracktrader's deterministic core in plain Rust, mirroring the Python package
//! module for module (`cracktrader/engine/numbers.py` <-> `src/engine/numbers.rs`).
//!
//! No PyO3 here: the binding crate in `bindings/` converts Python objects once and
//! calls into this crate. Nothing on a path Python can reach may panic, so the crate
//! denies the lints that hide panics.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
// The core is plain safe Rust; the one `unsafe` of the project is in the binding (D-592).
#![forbid(unsafe_code)]

pub mod engine;
pub mod feeds;

/// The crate version, exported to Python as `cracktrader._native.__version__`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
