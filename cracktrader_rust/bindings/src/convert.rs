//! Python objects -> the core's `Value`, once, at the boundary.
//!
//! Only JSON's exact built-in types map over (dict with str keys, list, str, int,
//! float, bool, None; subclasses are not JSON types, docs/decisions.md D-007).
//! Anything else, a str holding a lone surrogate, or nesting deeper than the strict
//! JSON limit becomes `Value::Unrepresentable`, which the core refuses as
//! `invalid_payload` at that field, exactly where the Python backend refuses it.

use cracktrader_rust::engine::strict_json::MAX_DEPTH;
use cracktrader_rust::engine::value::Value;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString};

pub fn to_value(obj: &Bound<'_, PyAny>) -> Value {
    convert(obj, 0)
}

fn convert(obj: &Bound<'_, PyAny>, depth: usize) -> Value {
    if let Ok(text) = obj.cast_exact::<PyString>() {
        return match text.to_str() {
            Ok(s) => Value::Str(s.to_owned()),
            Err(_) => Value::Unrepresentable,
        };
    }
    if obj.is_none() {
        return Value::Null;
    }
    if let Ok(flag) = obj.cast_exact::<PyBool>() {
        return Value::Bool(flag.is_true());
    }
    if obj.is_exact_instance_of::<PyInt>() {
        return match obj.extract::<i128>() {
            Ok(i) => Value::Int(i),
            Err(_) => Value::BigInt { negative: obj.lt(0).unwrap_or(false) },
        };
    }
    if let Ok(float) = obj.cast_exact::<PyFloat>() {
        return Value::Float(float.value());
    }
    if let Ok(dict) = obj.cast_exact::<PyDict>() {
        if depth >= MAX_DEPTH {
            return Value::Unrepresentable;
        }
        let mut pairs = Vec::with_capacity(dict.len());
        for (key, item) in dict.iter() {
            let Ok(key) = key.cast_exact::<PyString>() else { return Value::Unrepresentable };
            let Ok(key) = key.to_str() else { return Value::Unrepresentable };
            pairs.push((key.to_owned(), convert(&item, depth.saturating_add(1))));
        }
        return Value::Object(pairs);
    }
    if let Ok(list) = obj.cast_exact::<PyList>() {
        if depth >= MAX_DEPTH {
            return Value::Unrepresentable;
        }
        return Value::Array(list.iter().map(|item| convert(&item, depth.saturating_add(1))).collect());
    }
    Value::Unrepresentable
}

/// The core's `Value` -> plain Python objects: the one converter every binding uses
/// for outcomes, snapshots, feed state and descriptions (D-590). Outputs never hold a
/// big int or an unrepresentable value; both become `None` to stay total. Dict keys
/// are interned: they come from small vocabularies (schema keys, venues, stream keys)
/// and repeat across outputs, so sharing them saves memory and keeps their hash.
pub fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null | Value::BigInt { .. } | Value::Unrepresentable => py.None().into_bound(py),
        Value::Bool(flag) => PyBool::new(py, *flag).to_owned().into_any(),
        Value::Int(i) => i.into_pyobject(py)?.into_any(),
        Value::Float(f) => PyFloat::new(py, *f).into_any(),
        Value::Str(text) => PyString::new(py, text).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(pairs) => {
            let dict = PyDict::new(py);
            for (key, item) in pairs {
                // Keys repeat across outputs: interned strings are shared and keep their hash.
                dict.set_item(PyString::intern(py, key), to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}
