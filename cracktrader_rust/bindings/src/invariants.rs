//! Binding of `cracktrader_rust::engine::invariants` (twin of
//! `cracktrader/engine/invariants.py`): the class `InvariantChecker`, with exactly the
//! Python backend's API. Steps are converted to `Value` once; batch work runs with the
//! interpreter released.

use std::borrow::Cow;

use cracktrader_rust::engine::errors::EngineError;
use cracktrader_rust::engine::invariants::{CodeSet, InvariantChecker, Violation};
use cracktrader_rust::engine::value::Value;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyFrozenSet, PyList, PyString};

use crate::convert::{to_py, to_value};
use crate::errors::{to_py_err, IntoPyResult};

/// The invariant checker (rust backend). See `cracktrader.engine.build_invariant_checker`.
#[pyclass(module = "cracktrader._native", name = "InvariantChecker")]
pub struct PyInvariantChecker {
    inner: InvariantChecker,
}

fn violations_to_py<'py>(py: Python<'py>, violations: &[Violation]) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for violation in violations {
        let item = PyDict::new(py);
        item.set_item("code", violation.code.as_str())?;
        item.set_item("seq_id", violation.seq_id)?;
        item.set_item("order_id", violation.order_id.as_deref())?;
        list.append(item)?;
    }
    Ok(list)
}

/// `None` or an iterable of code names (a lone string is refused, as in Python).
fn parse_enabled(py: Python<'_>, enabled: Option<&Bound<'_, PyAny>>) -> PyResult<Option<CodeSet>> {
    let Some(enabled) = enabled.filter(|e| !e.is_none()) else { return Ok(None) };
    let misuse = || to_py_err(py, EngineError::config("enabled must be None or an iterable of invariant codes"));
    if enabled.is_instance_of::<PyString>() || enabled.is_instance_of::<PyBytes>() {
        return Err(misuse());
    }
    let iterator = enabled.try_iter().map_err(|_| misuse())?;
    let mut names = Vec::new();
    for item in iterator {
        let item = item?;
        let Ok(name) = item.cast_exact::<PyString>() else {
            return Err(to_py_err(py, EngineError::config("unknown invariant code (not a str)")));
        };
        names.push(name.to_str().map_err(|_| misuse())?.to_owned());
    }
    CodeSet::from_names(names.iter().map(String::as_str)).map(Some).into_py_result(py)
}

#[pymethods]
impl PyInvariantChecker {
    #[new]
    #[pyo3(signature = (config=None, enabled=None))]
    fn new(py: Python<'_>, config: Option<&Bound<'_, PyAny>>, enabled: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let config = config.map(to_value);
        let enabled = parse_enabled(py, enabled)?;
        let inner = InvariantChecker::new(config.as_ref(), enabled).into_py_result(py)?;
        Ok(PyInvariantChecker { inner })
    }

    #[classattr]
    fn backend() -> &'static str {
        "rust"
    }

    /// The codes this checker reports.
    #[getter]
    fn enabled<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyFrozenSet>> {
        PyFrozenSet::new(py, self.inner.enabled().names())
    }

    /// Check one step `{"input": ..., "result": ...}`; return its violations.
    fn apply<'py>(&mut self, py: Python<'py>, step: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let violations = self.inner.apply(&to_value(step));
        violations_to_py(py, &violations)
    }

    /// `apply({"input": input, "result": result})`.
    #[pyo3(signature = (input, result))]
    fn check<'py>(
        &mut self,
        py: Python<'py>,
        input: &Bound<'py, PyAny>,
        result: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let step = Value::Object(vec![("input".into(), to_value(input)), ("result".into(), to_value(result))]);
        let violations = self.inner.apply(&step);
        violations_to_py(py, &violations)
    }

    fn apply_batch<'py>(&mut self, py: Python<'py>, steps: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let values = steps.try_iter()?.map(|step| step.map(|s| to_value(&s))).collect::<PyResult<Vec<Value>>>()?;
        let inner = &mut self.inner;
        let all = py.detach(|| inner.apply_batch(&values));
        let out = PyList::empty(py);
        for violations in &all {
            out.append(violations_to_py(py, violations)?)?;
        }
        Ok(out)
    }

    /// One step per JSON line in; one canonical line (its violation list) out.
    fn apply_jsonl<'py>(&mut self, py: Python<'py>, data: Cow<'_, [u8]>) -> Bound<'py, PyBytes> {
        let inner = &mut self.inner;
        let out = py.detach(|| inner.apply_jsonl(&data));
        PyBytes::new(py, &out)
    }

    fn snapshot<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.snapshot())
    }

    fn restore(&mut self, py: Python<'_>, snapshot: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner.restore(&to_value(snapshot)).into_py_result(py)
    }

    /// Start the shadow from a core snapshot (e.g. after `core.restore`).
    fn load_core_snapshot(&mut self, py: Python<'_>, snapshot: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner.load_core_snapshot(&to_value(snapshot)).into_py_result(py)
    }

    /// Compare a core snapshot with the shadow's fill ledger; changes nothing.
    fn check_snapshot<'py>(&self, py: Python<'py>, snapshot: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let violations = self.inner.check_snapshot(&to_value(snapshot)).into_py_result(py)?;
        violations_to_py(py, &violations)
    }

    fn state_hash(&self) -> String {
        self.inner.state_hash()
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyInvariantChecker>()
}
