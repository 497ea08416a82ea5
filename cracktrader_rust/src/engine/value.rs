//! The JSON-like value every input is converted into once, whether it arrived as JSON
//! text (`strict_json`) or as Python objects (the binding). It keeps what Python's
//! types keep: exact integers, floats as f64, object key order.

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
