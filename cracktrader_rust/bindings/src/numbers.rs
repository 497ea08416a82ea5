//! Binding of `cracktrader_rust::engine::numbers` (twin of
//! `cracktrader/engine/numbers.py`'s `parse_decimal` and `format_decimal`).

use cracktrader_rust::engine::errors::EngineError;
use cracktrader_rust::engine::numbers;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt};

use crate::convert::to_value;
use crate::errors::{to_py_err, IntoPyResult};

/// Parse an int, float or decimal string into a raw fixed-point int.
#[pyfunction]
fn parse_decimal(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<i128> {
    numbers::parse_value(&to_value(value)).map_err(EngineError::from).into_py_result(py)
}

/// Canonical text of a raw fixed-point int.
///
/// Like the Python twin: a non-int (or a bool) is `InvalidPayload`, an int outside
/// the i128 range `NumericOverflow` (not PyO3's own `OverflowError`).
#[pyfunction]
fn format_decimal(py: Python<'_>, raw: &Bound<'_, PyAny>) -> PyResult<String> {
    if raw.is_instance_of::<PyBool>() || !raw.is_instance_of::<PyInt>() {
        return Err(to_py_err(py, EngineError::payload("a raw decimal is an int")));
    }
    match raw.extract::<i128>() {
        Ok(value) => Ok(numbers::format_decimal(value)),
        Err(_) => Err(to_py_err(py, EngineError::from(numbers::NumError::Overflow))),
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(parse_decimal, m)?)?;
    m.add_function(wrap_pyfunction!(format_decimal, m)?)?;
    Ok(())
}
