//! The thin PyO3 layer over `cracktrader_rust`, imported as `cracktrader._native`.
//!
//! Python objects are converted once into the core's `Value` (convert.rs); every
//! error crosses as one of the Python exception classes of
//! `cracktrader.engine.errors` (errors.rs). Nothing here may panic.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use pyo3::prelude::*;

/// Every Rust allocation of the extension goes through mimalloc (D-551); Python's own
/// objects keep Python's allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod canonical;
mod convert;
mod core;
mod core_convert;
mod errors;
mod feeds;
mod invariants;
mod normalizer;
mod numbers;
mod sequencer;

/// `"release"` or `"debug"`: how this extension was compiled. Benchmarks print it,
/// because a debug build is many times slower.
#[pyfunction]
fn build_profile() -> &'static str {
    if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    }
}

#[pymodule]
#[pyo3(name = "_native")]
fn native_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", cracktrader_rust::VERSION)?;
    m.add_function(wrap_pyfunction!(build_profile, m)?)?;
    normalizer::register(m)?;
    numbers::register(m)?;
    canonical::register(m)?;
    sequencer::register(m)?;
    invariants::register(m)?;
    feeds::register(m)?;
    core::register(m)?;
    Ok(())
}
