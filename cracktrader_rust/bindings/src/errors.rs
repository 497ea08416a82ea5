//! One mapping from the core's `EngineError` onto the Python exception classes that
//! the Python backend raises too (`cracktrader.engine.errors`).

use cracktrader_rust::engine::errors::EngineError;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};

fn class_name(error: &EngineError) -> &'static str {
    match error {
        EngineError::InvalidPayload { .. } => "InvalidPayload",
        EngineError::InvalidNumber { .. } => "InvalidNumber",
        EngineError::NumericOverflow { .. } => "NumericOverflow",
        EngineError::InvalidConfig { .. } => "InvalidConfig",
    }
}

/// Build the Python exception for `error` (errors are rare; no caching needed).
pub fn to_py_err(py: Python<'_>, error: EngineError) -> PyErr {
    let name = class_name(&error);
    let class = py
        .import("cracktrader.engine.errors")
        .and_then(|module| module.getattr(name))
        .and_then(|class| class.cast_into::<PyType>().map_err(PyErr::from));
    match class {
        Ok(class) => {
            // Carry the JSON Pointer over as `field=`, as the Python backend sets it.
            if let EngineError::InvalidPayload { message, field: Some(field) } = &error {
                let kwargs = PyDict::new(py);
                let instance = kwargs
                    .set_item("field", field)
                    .and_then(|()| class.call((message,), Some(&kwargs)));
                if let Ok(instance) = instance {
                    return PyErr::from_value(instance);
                }
            }
            PyErr::from_type(class, error.to_string())
        }
        Err(import_error) => PyRuntimeError::new_err(format!(
            "{}: {} (and cracktrader.engine.errors could not be imported: {import_error})",
            error.code(),
            error
        )),
    }
}

/// `Result<T, EngineError>` -> `PyResult<T>`.
pub trait IntoPyResult<T> {
    fn into_py_result(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for Result<T, EngineError> {
    fn into_py_result(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|error| to_py_err(py, error))
    }
}
