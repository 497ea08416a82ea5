//! Binding of `cracktrader_rust::engine::canonical` (twin of
//! `cracktrader/engine/canonical.py`). Exposes the strict reader plus canonical writer
//! end to end so the tests can compare them with Python's on generated documents.

use cracktrader_rust::engine::canonical;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::errors::IntoPyResult;

/// Parse `data` as strict JSON and return its canonical JSON bytes.
///
/// Raises `InvalidPayload` for anything the strict reader refuses and for values with
/// no canonical form (integers outside i128, infinite floats).
#[pyfunction]
fn canonical_json_roundtrip<'py>(py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    // Pure Rust work on borrowed bytes: release the interpreter while it runs.
    let text = py.detach(|| canonical::canonicalize_json(data)).into_py_result(py)?;
    Ok(PyBytes::new(py, text.as_bytes()))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(canonical_json_roundtrip, m)?)?;
    Ok(())
}
