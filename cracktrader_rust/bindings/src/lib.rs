//! The thin PyO3 layer over `cracktrader_rust`, imported as `cracktrader._native`.
//!
//! Python objects are converted once into the core's `Value` (convert.rs); every
//! error crosses as one of the Python exception classes of
//! `cracktrader.engine.errors` (errors.rs). Nothing here may panic.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use pyo3::prelude::*;

mod convert;
mod core;
mod core_convert;
mod errors;
mod numbers;

#[pymodule]
#[pyo3(name = "_native")]
fn native_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", cracktrader_rust::VERSION)?;
    numbers::register(m)?;
    core::register(m)?;
    Ok(())
}
