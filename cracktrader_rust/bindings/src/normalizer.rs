//! Binding of `cracktrader_rust::engine::normalizer` as `cracktrader._native.EventNormalizer`,
//! with exactly the API of `cracktrader.engine.normalizer.EventNormalizer`.
//!
//! Inputs are converted once (`convert::to_value`); batch work and the whole
//! `apply_jsonl` path run with the interpreter detached.

use cracktrader_rust::engine::canonical::jsonl_output_estimate;
use cracktrader_rust::engine::errors::EngineError;
use cracktrader_rust::engine::normalizer::{EventNormalizer as Core, Outcome};
use cracktrader_rust::engine::value::Value;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyList, PyTuple};

use crate::bytes_out::{detached_bytes, OUTPUT_CHUNK};
use crate::convert::{to_py, to_value};
use crate::errors::{to_py_err, IntoPyResult};

/// Venue payloads -> engine events (the Rust twin of the Python reference).
#[pyclass(module = "cracktrader._native", name = "EventNormalizer")]
pub struct EventNormalizer {
    inner: Core,
}

fn outcome_to_py<'py>(py: Python<'py>, outcome: &Outcome) -> PyResult<Bound<'py, PyAny>> {
    to_py(py, &outcome.to_value())
}

fn outcomes_to_py<'py>(py: Python<'py>, outcomes: &[Outcome]) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for outcome in outcomes {
        list.append(outcome_to_py(py, outcome)?)?;
    }
    Ok(list)
}

/// The items of a list or tuple, converted; anything else is misuse (`InvalidPayload`).
fn sequence_values(py: Python<'_>, items: &Bound<'_, PyAny>, misuse: &str) -> PyResult<Vec<Value>> {
    if let Ok(list) = items.cast::<PyList>() {
        return Ok(list.iter().map(|item| to_value(&item)).collect());
    }
    if let Ok(tuple) = items.cast::<PyTuple>() {
        return Ok(tuple.iter().map(|item| to_value(&item)).collect());
    }
    Err(to_py_err(py, EngineError::payload(misuse)))
}

/// `{"kind", "payload", "context"}` as the Python convenience methods build it.
fn input(kind: Value, payload: Value, context: Value) -> Value {
    Value::Object(vec![
        ("kind".to_owned(), kind),
        ("payload".to_owned(), payload),
        ("context".to_owned(), context),
    ])
}

impl EventNormalizer {
    fn one(
        &mut self,
        py: Python<'_>,
        kind: &str,
        payload: &Bound<'_, PyAny>,
        context: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let value = input(Value::Str(kind.to_owned()), to_value(payload), to_value(context));
        let outcome = self.inner.apply(&value);
        Ok(outcome_to_py(py, &outcome)?.unbind())
    }
}

#[pymethods]
impl EventNormalizer {
    #[new]
    #[pyo3(signature = (**options))]
    fn new(py: Python<'_>, options: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        if let Some(options) = options.filter(|o| !o.is_empty()) {
            let mut names: Vec<String> = options.keys().iter().map(|k| k.to_string()).collect();
            names.sort();
            let message = format!("unknown normalizer option(s): {}", names.join(", "));
            return Err(to_py_err(py, EngineError::config(message)));
        }
        Ok(EventNormalizer { inner: Core::new() })
    }

    /// Normalize one input `{"kind", "payload", "context"}` into one outcome.
    fn apply(&mut self, py: Python<'_>, input: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let outcome = self.inner.apply(&to_value(input));
        Ok(outcome_to_py(py, &outcome)?.unbind())
    }

    /// One outcome per input, in order (the work runs detached from the interpreter).
    fn apply_batch(&mut self, py: Python<'_>, inputs: &Bound<'_, PyAny>) -> PyResult<Py<PyList>> {
        let values = sequence_values(py, inputs, "apply_batch takes a list of inputs")?;
        let inner = &mut self.inner;
        let outcomes = py.detach(|| inner.apply_batch(&values));
        Ok(outcomes_to_py(py, &outcomes)?.unbind())
    }

    /// JSON lines in, one canonical outcome line out per input line, all in Rust.
    fn apply_jsonl(&mut self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Py<PyBytes>> {
        let owned;
        let input: &[u8] = if let Ok(bytes) = data.cast::<PyBytes>() {
            // bytes are immutable, so reading them without the interpreter is sound
            bytes.as_bytes()
        } else if let Ok(array) = data.cast::<PyByteArray>() {
            owned = array.to_vec(); // a bytearray may change once detached: copy it
            &owned
        } else {
            return Err(to_py_err(py, EngineError::payload("apply_jsonl takes bytes")));
        };
        let inner = &mut self.inner;
        let out = detached_bytes(py, jsonl_output_estimate(input.len()), move |sink| {
            inner.apply_jsonl_chunks(input, OUTPUT_CHUNK, |piece| sink.write(piece));
        })?;
        Ok(out.unbind())
    }

    /// The counters of outcomes by code.
    fn snapshot(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(to_py(py, &self.inner.snapshot())?.unbind())
    }

    /// Replace the counters; a malformed snapshot raises `InvalidPayload`.
    fn restore(&mut self, py: Python<'_>, snapshot: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner.restore(&to_value(snapshot)).into_py_result(py)
    }

    /// Lower-case hex SHA-256 of the canonical snapshot.
    fn state_hash(&self) -> String {
        self.inner.state_hash()
    }

    /// A CCXT unified public trade -> a `trade` event.
    fn normalize_trade(
        &mut self,
        py: Python<'_>,
        payload: &Bound<'_, PyAny>,
        context: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        self.one(py, "trade", payload, context)
    }

    /// An OHLCV row `[ts, o, h, l, c, v]` -> a `bar` event.
    fn normalize_ohlcv(
        &mut self,
        py: Python<'_>,
        payload: &Bound<'_, PyAny>,
        context: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        self.one(py, "ohlcv", payload, context)
    }

    /// A CCXT unified order -> order state events and its fills.
    fn normalize_order(
        &mut self,
        py: Python<'_>,
        payload: &Bound<'_, PyAny>,
        context: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        self.one(py, "order", payload, context)
    }

    /// A CCXT unified private trade -> an `order_filled` event.
    fn normalize_my_trade(
        &mut self,
        py: Python<'_>,
        payload: &Bound<'_, PyAny>,
        context: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        self.one(py, "my_trade", payload, context)
    }

    /// One outcome per payload, all of one kind and one context.
    fn normalize_batch(
        &mut self,
        py: Python<'_>,
        kind: &Bound<'_, PyAny>,
        payloads: &Bound<'_, PyAny>,
        context: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyList>> {
        let payloads = sequence_values(py, payloads, "normalize_batch takes a list of payloads")?;
        let kind = to_value(kind);
        let context = to_value(context);
        let inputs: Vec<Value> =
            payloads.into_iter().map(|payload| input(kind.clone(), payload, context.clone())).collect();
        let inner = &mut self.inner;
        let outcomes = py.detach(|| inner.apply_batch(&inputs));
        Ok(outcomes_to_py(py, &outcomes)?.unbind())
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<EventNormalizer>()
}
