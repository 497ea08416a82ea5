//! Binding of `cracktrader_rust::engine::numbers` (twin of
//! `cracktrader/engine/numbers.py`'s `parse_decimal` and `format_decimal`).

use cracktrader_rust::engine::errors::EngineError;
use cracktrader_rust::engine::numbers;
use pyo3::prelude::*;

use crate::convert::to_value;
use crate::errors::IntoPyResult;

/// Parse an int, float or decimal string into a raw fixed-point int.
#[pyfunction]
fn parse_decimal(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<i128> {
    numbers::parse_value(&to_value(value)).map_err(EngineError::from).into_py_result(py)
}

/// Canonical text of a raw fixed-point int.
#[pyfunction]
fn format_decimal(raw: i128) -> String {
    numbers::format_decimal(raw)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(parse_decimal, m)?)?;
    m.add_function(wrap_pyfunction!(format_decimal, m)?)?;
    Ok(())
}
