//! `cracktrader._native.Core`: the Rust twin of `cracktrader.engine.core.Core`, with
//! exactly its API (`apply`, `apply_batch`, `apply_jsonl`, `snapshot`, `restore`,
//! `state_hash`, `backend`). Only conversion and calls live here; the work is in
//! `cracktrader_rust::engine::core`.
//!
//! Batch calls convert every input first (with the interpreter lock held), then run
//! the core with the lock released (`py.detach`), then build the output objects.

use cracktrader_rust::engine::core::Core as RustCore;
use cracktrader_rust::engine::errors::EngineError;
use cracktrader_rust::engine::fast_input::Fields;
use cracktrader_rust::engine::inputs::ParsedInput;
use cracktrader_rust::engine::results::TransitionResult;
use cracktrader_rust::engine::value::JsonRef;
use cracktrader_rust::engine::strict_json;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyList, PyModule};

use crate::core_convert::{
    config_to_value, input_to_value, result_to_py, snapshot_to_value, value_to_py, Gathered,
};
use crate::errors::{to_py_err, IntoPyResult};

/// A deterministic core (rust backend). See `cracktrader.engine.build_core`.
#[pyclass(module = "cracktrader._native", name = "Core")]
pub struct Core {
    inner: RustCore,
}

#[pymethods]
impl Core {
    #[new]
    #[pyo3(signature = (config = None))]
    fn new(py: Python<'_>, config: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let config = config_to_value(config).into_py_result(py)?;
        let inner = RustCore::from_config_value(config.as_ref()).into_py_result(py)?;
        Ok(Core { inner })
    }

    /// The backend token, as on the Python core.
    #[classattr]
    fn backend() -> &'static str {
        "rust"
    }

    /// Apply one event or intent; return its `transition_result` dict.
    fn apply<'py>(&mut self, py: Python<'py>, obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
        let inputs = [obj.clone()];
        let gathered = Gathered::new(&inputs);
        let mut fields = Fields::new();
        match gathered.parse(0, &mut fields) {
            Some(parsed) => self.inner.apply_parsed_with(&parsed, |view| result_to_py(py, view)),
            None => {
                let (value, bad_key) = input_to_value(obj);
                result_to_py(py, &self.inner.apply_with(&value, bad_key).view())
            }
        }
    }

    /// Apply every input in order; one result dict per input.
    fn apply_batch<'py>(&mut self, py: Python<'py>, inputs: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        // The whole iterable is read before anything is applied (D-255).
        let mut objects = Vec::with_capacity(inputs.len().unwrap_or(0));
        for item in inputs.try_iter()? {
            objects.push(item?);
        }
        // Typed inputs borrowing the dicts' text where the fast path reads them, the
        // converted value (reference path) for the rest.
        let gathered = Gathered::new(&objects);
        let mut fields = Fields::new();
        let prepared: Vec<Prepared<'_>> = objects
            .iter()
            .enumerate()
            .map(|(index, obj)| match gathered.parse(index, &mut fields) {
                Some(parsed) => Prepared::Typed(parsed),
                None => {
                    let (value, bad_key) = input_to_value(obj);
                    Prepared::Value(value, bad_key)
                }
            })
            .collect();
        let core = &mut self.inner;
        let results: Vec<TransitionResult> = py.detach(move || {
            prepared
                .iter()
                .map(|input| match input {
                    Prepared::Typed(parsed) => core.apply_parsed(parsed),
                    Prepared::Value(value, bad_key) => core.apply_with(value, *bad_key),
                })
                .collect()
        });
        // The result objects are fresh dicts and lists that cannot form cycles; letting
        // the cyclic collector run while tens of thousands of them are created makes
        // it walk the growing output again and again (it dominated the batch's cost).
        let _paused = GcPause::new(py)?;
        let mut items = Vec::with_capacity(results.len());
        for result in &results {
            items.push(result_to_py(py, &result.view())?);
        }
        PyList::new(py, items)
    }

    /// JSON lines in, canonical JSON lines out (one per input line), all in Rust.
    fn apply_jsonl<'py>(&mut self, py: Python<'py>, data: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
        let core = &mut self.inner;
        let out = if let Ok(bytes) = data.cast_exact::<PyBytes>() {
            let slice = bytes.as_bytes();
            py.detach(move || core.apply_jsonl(slice))
        } else {
            let owned = owned_bytes(py, data)?;
            py.detach(move || core.apply_jsonl(&owned))
        };
        Ok(PyBytes::new(py, &out))
    }

    /// All state needed to continue identically (schema `core_snapshot`).
    fn snapshot<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        // One source of truth: the canonical JSON the state hash is taken of.
        let text = self.inner.snapshot_json();
        let value = strict_json::parse_str(&text)
            .map_err(|error| to_py_err(py, EngineError::payload(format!("snapshot not readable: {}", error.message))))?;
        value_to_py(py, &value)
    }

    /// Replace this core's state (and config) with `snapshot`'s; `InvalidPayload` (and
    /// no change at all) when it is not a valid, consistent `core_snapshot`.
    fn restore(&mut self, py: Python<'_>, snapshot: &Bound<'_, PyAny>) -> PyResult<()> {
        let value = snapshot_to_value(snapshot);
        self.inner.restore(&value).into_py_result(py)
    }

    /// Lower-case hex SHA-256 of the canonical snapshot.
    fn state_hash(&self, py: Python<'_>) -> String {
        let core = &self.inner;
        py.detach(move || core.state_hash())
    }
}

/// One input of a batch, ready for the core. (The typed variant is the common one:
/// boxing it to even out the sizes would allocate once per input.)
#[allow(clippy::large_enum_variant)]
enum Prepared<'a> {
    /// Read by the typed fast path (strings borrowed from the input dicts).
    Typed(ParsedInput<'a>),
    /// Converted for the reference path (and whether a top-level key was bad).
    Value(JsonRef<'static>, bool),
}

/// Pauses Python's cyclic garbage collector for its lifetime, if it was running, and
/// restores it on drop (also when building the output fails half-way).
struct GcPause<'py> {
    gc: Option<Bound<'py, PyModule>>,
}

impl<'py> GcPause<'py> {
    fn new(py: Python<'py>) -> PyResult<Self> {
        let gc = py.import("gc")?;
        if !gc.call_method0("isenabled")?.is_truthy()? {
            return Ok(GcPause { gc: None });
        }
        gc.call_method0("disable")?;
        Ok(GcPause { gc: Some(gc) })
    }
}

impl Drop for GcPause<'_> {
    fn drop(&mut self) {
        if let Some(gc) = &self.gc {
            // re-enabling cannot fail in practice; if it did there is no caller to tell
            let _ = gc.call_method0("enable");
        }
    }
}

/// Bytes of any other bytes-like object, exactly as Python's backend reads it
/// (`bytes(memoryview(data))`): a `str`, an int or a list is a `TypeError`.
fn owned_bytes(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(array) = data.cast_exact::<PyByteArray>() {
        return Ok(array.to_vec());
    }
    let builtins = py.import("builtins")?;
    let view = builtins
        .getattr("memoryview")?
        .call1((data,))
        .map_err(|_| PyTypeError::new_err("apply_jsonl expects bytes, bytearray or memoryview"))?;
    let bytes = builtins.getattr("bytes")?.call1((view,))?;
    Ok(bytes.cast_into::<PyBytes>().map_err(PyErr::from)?.as_bytes().to_vec())
}

/// Add `Core` to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Core>()?;
    Ok(())
}
