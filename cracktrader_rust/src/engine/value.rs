//! The JSON-like value every input is converted into once, whether it arrived as JSON
//! text (`strict_json`) or as Python objects (the binding). It keeps what Python's
//! types keep: exact integers, floats as f64, object key order.
//!
//! `JsonRef<'a>` is the same shape borrowing its strings from the JSON text it was
//! parsed from (owned only where the text had escapes), for hot paths that read a
//! line and are done with it (`apply_jsonl`). `JsonView` lets a reader (the core's
//! input validation) take either.

use std::borrow::Cow;

/// A JSON value as the core sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// Any integer that fits an `i128`.
    Int(i128),
    /// An integer too large for `i128`; only its sign is kept (always refused).
    BigInt { negative: bool },
    Float(f64),
    Str(String),
    Array(Vec<Value>),
    /// Keys in arrival order; duplicates were refused on the way in.
    Object(Vec<(String, Value)>),
    /// Something no JSON type maps onto (a lone-surrogate string, a Python tuple or
    /// set, bytes, an object): refused as `invalid_payload` where it is met.
    Unrepresentable,
}

impl Value {
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(pairs) => pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Object keys, if this is an object.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        let pairs: &[(String, Value)] = match self {
            Value::Object(pairs) => pairs,
            _ => &[],
        };
        pairs.iter().map(|(k, _)| k.as_str())
    }
}

/// A JSON value borrowing its strings from the parsed text (see the module doc).
#[derive(Debug, Clone, PartialEq)]
pub enum JsonRef<'a> {
    Null,
    Bool(bool),
    Int(i128),
    BigInt { negative: bool },
    Float(f64),
    Str(Cow<'a, str>),
    Array(Vec<JsonRef<'a>>),
    Object(Vec<(Cow<'a, str>, JsonRef<'a>)>),
}

/// One node of a JSON value, seen through `JsonView`.
pub enum View<'v, K, V> {
    Null,
    Bool(bool),
    Int(i128),
    BigInt { negative: bool },
    Float(f64),
    Str(&'v str),
    Array(&'v [V]),
    Object(&'v [(K, V)]),
    /// `Value::Unrepresentable`: no JSON type at all.
    Other,
}

/// Read access shared by `Value` and `JsonRef`.
pub trait JsonView: Sized {
    type Key: AsRef<str>;

    fn view(&self) -> View<'_, Self::Key, Self>;

    fn get(&self, key: &str) -> Option<&Self> {
        match self.view() {
            View::Object(pairs) => pairs.iter().find(|(k, _)| k.as_ref() == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn str_value(&self) -> Option<&str> {
        match self.view() {
            View::Str(text) => Some(text),
            _ => None,
        }
    }
}

impl JsonView for Value {
    type Key = String;

    fn view(&self) -> View<'_, String, Value> {
        match self {
            Value::Null => View::Null,
            Value::Bool(b) => View::Bool(*b),
            Value::Int(i) => View::Int(*i),
            Value::BigInt { negative } => View::BigInt { negative: *negative },
            Value::Float(f) => View::Float(*f),
            Value::Str(s) => View::Str(s),
            Value::Array(items) => View::Array(items),
            Value::Object(pairs) => View::Object(pairs),
            Value::Unrepresentable => View::Other,
        }
    }
}

impl<'a> JsonView for JsonRef<'a> {
    type Key = Cow<'a, str>;

    fn view(&self) -> View<'_, Cow<'a, str>, JsonRef<'a>> {
        match self {
            JsonRef::Null => View::Null,
            JsonRef::Bool(b) => View::Bool(*b),
            JsonRef::Int(i) => View::Int(*i),
            JsonRef::BigInt { negative } => View::BigInt { negative: *negative },
            JsonRef::Float(f) => View::Float(*f),
            JsonRef::Str(s) => View::Str(s),
            JsonRef::Array(items) => View::Array(items),
            JsonRef::Object(pairs) => View::Object(pairs),
        }
    }
}
