//! Binding of `cracktrader_rust::engine::sequencer` as `cracktrader._native.Sequencer`,
//! the twin of `cracktrader.engine.sequencer.Sequencer` with exactly its API.
//!
//! Each call converts its input once into `Value`s, lets the core do the work, and
//! converts the result back; `apply_batch` and `apply_jsonl` do the work with the
//! interpreter released.

use cracktrader_rust::engine::errors::EngineError;
use cracktrader_rust::engine::sequencer::{BatchResult, InputResult, Sequencer as CoreSequencer};
use cracktrader_rust::engine::value::Value;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyList, PyTuple};

use crate::convert::{to_py, to_value};
use crate::errors::IntoPyResult;

/// Stable total order and strictly increasing seq_id for engine events (Rust backend).
///
/// Same options, methods, results and errors as the Python reference
/// `cracktrader.engine.sequencer.Sequencer`; see docs/sequencer.md.
#[pyclass(module = "cracktrader._native", name = "Sequencer")]
pub struct Sequencer {
    inner: CoreSequencer,
}

fn option_value(value: Option<&Bound<'_, PyAny>>) -> Value {
    match value {
        None => Value::Null,
        // A tuple is accepted for source_priority, as in the Python reference.
        Some(obj) => match obj.cast::<PyTuple>() {
            Ok(tuple) => Value::Array(tuple.iter().map(|item| to_value(&item)).collect()),
            Err(_) => to_value(obj),
        },
    }
}

#[pymethods]
impl Sequencer {
    #[new]
    #[pyo3(
        signature = (*, late_policy=None, source_priority=None, start_seq_id=None),
        text_signature = "(*, late_policy='reject', source_priority=None, start_seq_id=1)"
    )]
    fn new(
        py: Python<'_>,
        late_policy: Option<&Bound<'_, PyAny>>,
        source_priority: Option<&Bound<'_, PyAny>>,
        start_seq_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        // A tuple late_policy or start_seq_id must still be refused: only the
        // priority list may be a tuple.
        let policy = late_policy.map_or(Value::Null, to_value);
        let start = start_seq_id.map_or(Value::Null, to_value);
        let priority = option_value(source_priority);
        let inner = CoreSequencer::from_options(&policy, &priority, &start).into_py_result(py)?;
        Ok(Sequencer { inner })
    }

    /// Sequence one batch (a list of events); never raises for bad data.
    fn apply<'py>(
        &mut self,
        py: Python<'py>,
        batch: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let result = self.inner.apply(to_value(batch));
        batch_to_py(py, &result)
    }

    /// Apply several batches in order; `batches` must be a list.
    fn apply_batch<'py>(
        &mut self,
        py: Python<'py>,
        batches: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let Ok(list) = batches.cast::<PyList>() else {
            let name = batches
                .get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default();
            return Err(EngineError::payload(format!(
                "apply_batch expects a list of batches, got {name}"
            )))
            .into_py_result(py);
        };
        let values: Vec<Value> = list.iter().map(|batch| to_value(&batch)).collect();
        let inner = &mut self.inner;
        let results: Vec<BatchResult> =
            py.detach(move || values.into_iter().map(|batch| inner.apply(batch)).collect());
        let out = PyList::empty(py);
        for result in &results {
            out.append(batch_to_py(py, result)?)?;
        }
        Ok(out)
    }

    /// One JSON array per line in, one canonical batch result per line out.
    fn apply_jsonl<'py>(
        &mut self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        // Copied once so the work can run without the interpreter (a bytearray could
        // change under us otherwise).
        let bytes: Vec<u8> = if let Ok(bytes) = data.cast::<PyBytes>() {
            bytes.as_bytes().to_vec()
        } else if let Ok(array) = data.cast::<PyByteArray>() {
            array.to_vec()
        } else {
            let name = data
                .get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default();
            return Err(EngineError::payload(format!(
                "apply_jsonl expects bytes, got {name}"
            )))
            .into_py_result(py);
        };
        let inner = &mut self.inner;
        let out = py.detach(move || inner.apply_jsonl(&bytes));
        Ok(PyBytes::new(py, &out))
    }

    /// All state needed to continue identically (schema `sequencer_snapshot`).
    fn snapshot<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.snapshot())
    }

    /// Replace all state by `snapshot`; `InvalidPayload` (state unchanged) if malformed.
    fn restore(&mut self, py: Python<'_>, snapshot: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner.restore(&to_value(snapshot)).into_py_result(py)
    }

    /// Lower-case hex SHA-256 of the canonical snapshot.
    fn state_hash(&self) -> String {
        self.inner.state_hash()
    }
}

fn diagnostics<'py>(
    py: Python<'py>,
    diagnostic: Option<(&str, &str)>,
) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    if let Some((code, field)) = diagnostic {
        let item = PyDict::new(py);
        item.set_item(intern!(py, "code"), code)?;
        item.set_item(intern!(py, "field"), field)?;
        list.append(item)?;
    }
    Ok(list)
}

fn result_to_py<'py>(py: Python<'py>, result: &InputResult) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item(intern!(py, "index"), result.index)?;
    dict.set_item(intern!(py, "accepted"), result.accepted())?;
    dict.set_item(intern!(py, "code"), result.code)?;
    dict.set_item(intern!(py, "seq_id"), result.seq_id)?;
    dict.set_item(intern!(py, "late"), result.late)?;
    let diagnostic = (!result.accepted()).then_some((result.code, result.field.as_str()));
    dict.set_item(intern!(py, "diagnostics"), diagnostics(py, diagnostic)?)?;
    Ok(dict)
}

fn batch_to_py<'py>(py: Python<'py>, result: &BatchResult) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item(intern!(py, "accepted"), result.readable)?;
    dict.set_item(intern!(py, "code"), result.code())?;
    let diagnostic = (!result.readable).then_some(("invalid_payload", ""));
    dict.set_item(intern!(py, "diagnostics"), diagnostics(py, diagnostic)?)?;
    let events = PyList::empty(py);
    for event in &result.events {
        events.append(to_py(py, event)?)?;
    }
    dict.set_item(intern!(py, "events"), events)?;
    let results = PyList::empty(py);
    for item in &result.results {
        results.append(result_to_py(py, item)?)?;
    }
    dict.set_item(intern!(py, "results"), results)?;
    Ok(dict)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Sequencer>()
}
