//! Binding of `cracktrader_rust::engine::sequencer` as `cracktrader._native.Sequencer`,
//! the twin of `cracktrader.engine.sequencer.Sequencer` with exactly its API.
//!
//! Each call converts its input once, lets the core decide, and builds the result;
//! `apply_batch` and `apply_jsonl` do the core's work with the interpreter released.
//!
//! Fast path (where the time goes is conversion, not sequencing): an event that is an
//! exact dict made only of exact JSON types the core accepts unchanged is handed to
//! the core as its envelope fields alone, and emitted as a copy of the original dict
//! with `seq_id` set, which is exactly what the Python reference emits. Any other
//! input is converted whole, so the core finds and names its problem.

use cracktrader_rust::engine::canonical::jsonl_output_estimate;
use cracktrader_rust::engine::errors::EngineError;
use cracktrader_rust::engine::sequencer::{
    BatchResult, InputResult, Sequenced, Sequencer as CoreSequencer,
};
use cracktrader_rust::engine::strict_json::MAX_DEPTH;
use cracktrader_rust::engine::value::Value;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple,
};

use crate::bytes_out::{detached_bytes, OUTPUT_CHUNK};
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
        match Converted::from_batch(py, batch) {
            Some(converted) => {
                let sequenced = self.inner.sequence(&converted.values);
                converted.into_py(py, sequenced)
            }
            None => batch_to_py(py, &BatchResult::refused()),
        }
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
        // Batch by batch: converting everything first would leave the original dicts
        // cold in the cache by the time they are copied out (measured: ~1.7x slower).
        let out = PyList::empty(py);
        for batch in list.iter() {
            let result = match Converted::from_batch(py, &batch) {
                Some(converted) => {
                    let inner = &mut self.inner;
                    let values = converted.values.as_slice();
                    let sequenced = py.detach(move || inner.sequence(values));
                    converted.into_py(py, sequenced)?
                }
                // Not a list: refused whole, state unchanged.
                None => batch_to_py(py, &BatchResult::refused())?,
            };
            out.append(result)?;
        }
        Ok(out)
    }

    /// One JSON array per line in, one canonical batch result per line out.
    fn apply_jsonl<'py>(
        &mut self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        // bytes are immutable, so they are read in place without the interpreter; a
        // bytearray could change under us, so it is copied once.
        let owned;
        let input: &[u8] = if let Ok(bytes) = data.cast::<PyBytes>() {
            bytes.as_bytes()
        } else if let Ok(array) = data.cast::<PyByteArray>() {
            owned = array.to_vec();
            &owned
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
        detached_bytes(py, jsonl_output_estimate(input.len()), move |sink| {
            inner.apply_jsonl_chunks(input, OUTPUT_CHUNK, |piece| sink.write(piece));
        })
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

/// One batch as the core needs it: per input, a value for the core (only the
/// envelope when the event is plain JSON) and, for plain events, the original dict.
struct Converted<'py> {
    values: Vec<Value>,
    originals: Vec<Option<Bound<'py, PyDict>>>,
}

impl<'py> Converted<'py> {
    /// None when `batch` is not a list (the batch is then refused whole).
    fn from_batch(py: Python<'py>, batch: &Bound<'py, PyAny>) -> Option<Self> {
        let list = batch.cast::<PyList>().ok()?;
        let mut values = Vec::with_capacity(list.len());
        let mut originals = Vec::with_capacity(list.len());
        for item in list.iter() {
            match plain_envelope(py, &item) {
                Some((dict, envelope)) => {
                    values.push(envelope);
                    originals.push(Some(dict));
                }
                None => {
                    // Converted whole (the item sits one level below the batch; the
                    // core applies the depth limit from the event's own level).
                    values.push(to_value(&item));
                    originals.push(None);
                }
            }
        }
        Some(Converted { values, originals })
    }

    /// The Python batch result: emitted events in order, then one result per input.
    fn into_py(self, py: Python<'py>, sequenced: Sequenced) -> PyResult<Bound<'py, PyDict>> {
        let events = PyList::empty(py);
        for (index, seq_id) in &sequenced.order {
            let event = match self.originals.get(*index).and_then(Option::as_ref) {
                Some(original) => original.copy()?,
                None => match self.values.get(*index) {
                    Some(value) => to_py(py, value)?.cast_into::<PyDict>()?,
                    None => continue,
                },
            };
            event.set_item(intern!(py, "seq_id"), *seq_id)?;
            events.append(event)?;
        }
        build_batch(py, true, events, &sequenced.results)
    }
}

/// The keys the core reads from an event (D-151).
fn envelope_keys(py: Python<'_>) -> [&Bound<'_, PyString>; 7] {
    [
        intern!(py, "kind"),
        intern!(py, "seq_id"),
        intern!(py, "event_time"),
        intern!(py, "source"),
        intern!(py, "venue"),
        intern!(py, "instrument"),
        intern!(py, "producer"),
    ]
}

/// For an exact dict made only of plain JSON (see `is_plain_json`): the dict and its
/// envelope fields as a `Value`. The core then decides exactly as on the whole event,
/// because it reads only those fields and the rest is known to be representable.
fn plain_envelope<'py>(
    py: Python<'py>,
    item: &Bound<'py, PyAny>,
) -> Option<(Bound<'py, PyDict>, Value)> {
    let dict = item.cast_exact::<PyDict>().ok()?;
    if !is_plain_json(item, 1) {
        return None;
    }
    let mut pairs = Vec::with_capacity(7);
    for key in envelope_keys(py) {
        // Keys are exact str (checked above), so this lookup runs no Python code.
        if let Some(value) = dict.get_item(key).ok()? {
            pairs.push((key.to_str().ok()?.to_owned(), to_value(&value)));
        }
    }
    Some((dict.clone(), Value::Object(pairs)))
}

/// True when `obj` holds only exact JSON types that convert losslessly and that the
/// core accepts unchanged: str (valid Unicode), int within i128, finite float, bool,
/// None, list, and dict with str keys, nested below `MAX_DEPTH` (the batch list is
/// depth 0). False is always safe: the caller then converts the object whole.
fn is_plain_json(obj: &Bound<'_, PyAny>, depth: usize) -> bool {
    if let Ok(text) = obj.cast_exact::<PyString>() {
        return text.to_str().is_ok();
    }
    if obj.is_none() || obj.is_exact_instance_of::<PyBool>() {
        return true;
    }
    if obj.is_exact_instance_of::<PyInt>() {
        return obj.extract::<i64>().is_ok() || obj.extract::<i128>().is_ok();
    }
    if let Ok(number) = obj.cast_exact::<PyFloat>() {
        return number.value().is_finite();
    }
    if let Ok(dict) = obj.cast_exact::<PyDict>() {
        return depth < MAX_DEPTH
            && dict.iter().all(|(key, value)| {
                key.cast_exact::<PyString>()
                    .is_ok_and(|k| k.to_str().is_ok())
                    && is_plain_json(&value, depth.saturating_add(1))
            });
    }
    if let Ok(list) = obj.cast_exact::<PyList>() {
        return depth < MAX_DEPTH
            && list
                .iter()
                .all(|item| is_plain_json(&item, depth.saturating_add(1)));
    }
    false
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

fn build_batch<'py>(
    py: Python<'py>,
    readable: bool,
    events: Bound<'py, PyList>,
    inputs: &[InputResult],
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item(intern!(py, "accepted"), readable)?;
    dict.set_item(
        intern!(py, "code"),
        if readable { "ok" } else { "invalid_payload" },
    )?;
    let diagnostic = (!readable).then_some(("invalid_payload", ""));
    dict.set_item(intern!(py, "diagnostics"), diagnostics(py, diagnostic)?)?;
    dict.set_item(intern!(py, "events"), events)?;
    let results = PyList::empty(py);
    for item in inputs {
        results.append(result_to_py(py, item)?)?;
    }
    dict.set_item(intern!(py, "results"), results)?;
    Ok(dict)
}

fn batch_to_py<'py>(py: Python<'py>, result: &BatchResult) -> PyResult<Bound<'py, PyDict>> {
    let events = PyList::empty(py);
    for event in &result.events {
        events.append(to_py(py, event)?)?;
    }
    build_batch(py, result.readable, events, &result.results)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Sequencer>()
}
