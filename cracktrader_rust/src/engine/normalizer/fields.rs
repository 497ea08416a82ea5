//! Twin of `cracktrader/engine/normalizer/fields.py`: field readers that return a
//! usable value or a `Reject` (code + JSON Pointer into the input).
//!
//! Rules (docs/normalizer.md, D-102, D-103, D-113): an absent key and `null` both mean "not
//! provided"; identifiers are 1..=128 code points without Cc characters; timestamps are
//! integers in `[0, 2^63)` (floats, strings, booleans, big integers are
//! `invalid_timestamp`; objects, arrays and unrepresentable values `invalid_payload`);
//! decimal fields are only type-checked while reading and parsed later, all together,
//! so the first `invalid_number` wins over any overflow.

use crate::engine::numbers::{self, NumError, Raw};
use crate::engine::value::Value;

pub const MAX_ID_LEN: usize = 128;

pub const INVALID_PAYLOAD: &str = "invalid_payload";
pub const INVALID_NUMBER: &str = "invalid_number";
pub const NUMERIC_OVERFLOW: &str = "numeric_overflow";
pub const MISSING_FIELD: &str = "missing_field";
pub const UNSUPPORTED_PAYLOAD: &str = "unsupported_payload";
pub const INVALID_TIMESTAMP: &str = "invalid_timestamp";

/// One refusal: a code from `codes.json#/$defs/normalizer_code` and a JSON Pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    pub code: &'static str,
    pub field: String,
}

pub type Read<T> = Result<T, Reject>;

/// A field is named by the pointer of its container and its key; the pointer text is
/// only built when a refusal needs it.
#[derive(Debug, Clone, Copy)]
pub struct At<'p> {
    pub base: &'p str,
    pub key: &'p str,
}

impl<'p> At<'p> {
    /// The field `key` inside the container at `base`.
    pub fn new(base: &'p str, key: &'p str) -> Self {
        At { base, key }
    }

    /// The pointer of the container itself (`At::whole("/payload")`).
    pub fn whole(base: &'p str) -> Self {
        At { base, key: "" }
    }

    /// The JSON Pointer text.
    pub fn pointer(&self) -> String {
        if self.key.is_empty() {
            self.base.to_owned()
        } else {
            let mut out =
                String::with_capacity(self.base.len().saturating_add(self.key.len()).saturating_add(1));
            out.push_str(self.base);
            out.push('/');
            out.push_str(self.key);
            out
        }
    }

    /// A refusal with `code` at this field.
    pub fn reject(&self, code: &'static str) -> Reject {
        Reject { code, field: self.pointer() }
    }
}

/// One JSON Pointer reference token (RFC 6901).
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// `Some` for a value that is there and not `null`.
pub fn provided(value: Option<&Value>) -> Option<&Value> {
    value.filter(|v| !v.is_null())
}

/// A required object (absent/null -> `missing_field`, anything else -> `invalid_payload`).
pub fn need_object<'a>(value: Option<&'a Value>, at: At<'_>) -> Read<&'a Value> {
    match provided(value) {
        None => Err(at.reject(MISSING_FIELD)),
        Some(v @ Value::Object(_)) => Ok(v),
        Some(_) => Err(at.reject(INVALID_PAYLOAD)),
    }
}

/// Refuse unknown keys: the code-point-smallest one is reported (D-011). UTF-8 byte
/// order is code-point order, so `str` comparison matches Python's.
pub fn check_keys(object: &Value, allowed: &[&str], base: &str) -> Read<()> {
    let smallest = object.keys().filter(|key| !allowed.contains(key)).min();
    match smallest {
        None => Ok(()),
        Some(key) => Err(Reject { code: INVALID_PAYLOAD, field: format!("{base}/{}", escape(key)) }),
    }
}

/// 1..=128 code points, none of category Cc (D-007).
pub fn is_identifier(text: &str) -> bool {
    // A code point takes at most 4 bytes: longer byte strings cannot fit 128 of them.
    if text.is_empty() || text.len() > MAX_ID_LEN.saturating_mul(4) {
        return false;
    }
    let mut count = 0usize;
    for ch in text.chars() {
        count = count.saturating_add(1);
        let code = u32::from(ch);
        if code < 0x20 || (0x7F..=0x9F).contains(&code) {
            return false;
        }
    }
    count <= MAX_ID_LEN
}

/// An optional identifier field.
pub fn opt_identifier<'a>(value: Option<&'a Value>, at: At<'_>) -> Read<Option<&'a str>> {
    match provided(value) {
        None => Ok(None),
        Some(Value::Str(text)) if is_identifier(text) => Ok(Some(text.as_str())),
        Some(_) => Err(at.reject(INVALID_PAYLOAD)),
    }
}

/// A required identifier field (`missing_field` when not provided).
pub fn identifier<'a>(value: Option<&'a Value>, at: At<'_>) -> Read<&'a str> {
    opt_identifier(value, at)?.ok_or_else(|| at.reject(MISSING_FIELD))
}

/// The largest timestamp (and producer, counter) is `2^63 - 1`.
pub const TIME_MAX: i128 = i64::MAX as i128;

/// Optional integer milliseconds in `[0, 2^63)` (see the module rules).
pub fn opt_timestamp(value: Option<&Value>, at: At<'_>) -> Read<Option<i64>> {
    match provided(value) {
        None => Ok(None),
        Some(Value::Int(i)) => match i64::try_from(*i) {
            Ok(t) if t >= 0 => Ok(Some(t)),
            _ => Err(at.reject(INVALID_TIMESTAMP)),
        },
        Some(Value::Float(_) | Value::Str(_) | Value::Bool(_) | Value::BigInt { .. }) => {
            Err(at.reject(INVALID_TIMESTAMP))
        }
        Some(_) => Err(at.reject(INVALID_PAYLOAD)),
    }
}

/// A required timestamp (`missing_field` when not provided).
pub fn timestamp(value: Option<&Value>, at: At<'_>) -> Read<i64> {
    opt_timestamp(value, at)?.ok_or_else(|| at.reject(MISSING_FIELD))
}

/// An integer configuration field (`producer`, `timeframe_ms`) in `[minimum, 2^63)`.
pub fn opt_int_field(value: Option<&Value>, at: At<'_>, minimum: i64) -> Read<Option<i64>> {
    match provided(value) {
        None => Ok(None),
        Some(Value::Int(i)) => match i64::try_from(*i) {
            Ok(n) if n >= minimum => Ok(Some(n)),
            _ => Err(at.reject(INVALID_PAYLOAD)),
        },
        Some(_) => Err(at.reject(INVALID_PAYLOAD)),
    }
}

/// A required integer configuration field.
pub fn int_field(value: Option<&Value>, at: At<'_>, minimum: i64) -> Read<i64> {
    opt_int_field(value, at, minimum)?.ok_or_else(|| at.reject(MISSING_FIELD))
}

/// A required enum string; an unknown but readable string gets `unknown_code`.
pub fn choice(
    value: Option<&Value>,
    at: At<'_>,
    allowed: &[&'static str],
    unknown_code: &'static str,
) -> Read<&'static str> {
    match provided(value) {
        None => Err(at.reject(MISSING_FIELD)),
        Some(Value::Str(text)) => allowed
            .iter()
            .find(|candidate| **candidate == text.as_str())
            .copied()
            .ok_or_else(|| at.reject(unknown_code)),
        Some(_) => Err(at.reject(INVALID_PAYLOAD)),
    }
}

/// Shape check of an optional decimal field: number-like or `invalid_payload`.
/// Booleans pass here and are refused when parsed (`invalid_number`, D-001).
pub fn opt_number_like<'a>(value: Option<&'a Value>, at: At<'_>) -> Read<Option<&'a Value>> {
    match provided(value) {
        None => Ok(None),
        Some(
            v @ (Value::Str(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::BigInt { .. }),
        ) => Ok(Some(v)),
        Some(_) => Err(at.reject(INVALID_PAYLOAD)),
    }
}

/// Shape check of a required decimal field.
pub fn number_like<'a>(value: Option<&'a Value>, at: At<'_>) -> Read<&'a Value> {
    opt_number_like(value, at)?.ok_or_else(|| at.reject(MISSING_FIELD))
}

/// Parse number-like values in order: the first `invalid_number` wins over any
/// `numeric_overflow` (D-011 step 2).
pub fn parse_all(pending: &[(&Value, At<'_>)]) -> Read<Vec<Raw>> {
    let mut out = Vec::with_capacity(pending.len());
    let mut overflow: Option<At<'_>> = None;
    for (value, at) in pending {
        match numbers::parse_value(value) {
            Ok(raw) => out.push(raw),
            Err(NumError::Invalid) => return Err(at.reject(INVALID_NUMBER)),
            Err(NumError::Overflow) => {
                overflow.get_or_insert(*at);
                out.push(0);
            }
            // Shape was checked first; keep the function total anyway.
            Err(NumError::WrongType) => return Err(at.reject(INVALID_PAYLOAD)),
        }
    }
    match overflow {
        Some(at) => Err(at.reject(NUMERIC_OVERFLOW)),
        None => Ok(out),
    }
}

/// The quote of a CCXT symbol `BASE/QUOTE[:SETTLE[-...]]` (`None` without `/`).
pub fn quote_currency(instrument: &str) -> Option<&str> {
    let (_, rest) = instrument.split_once('/')?;
    Some(rest.split_once(':').map_or(rest, |(quote, _)| quote))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_count_code_points() {
        assert!(is_identifier(&"é".repeat(128)));
        assert!(!is_identifier(&"é".repeat(129)));
        assert!(!is_identifier(""));
        assert!(!is_identifier("a\u{85}b"));
        assert!(is_identifier("a\u{a0}b"));
    }

    #[test]
    fn quote_of_symbols() {
        assert_eq!(quote_currency("BTC/USDT"), Some("USDT"));
        assert_eq!(quote_currency("BTC/GUSD:GUSD"), Some("GUSD"));
        assert_eq!(quote_currency("BTC/USD:BTC-240628"), Some("USD"));
        assert_eq!(quote_currency("BTCUSDT"), None);
    }

    #[test]
    fn invalid_number_wins_over_overflow() {
        let big = Value::Str("1e99".into());
        let bad = Value::Str("x".into());
        let pending = [(&big, At::new("/payload", "price")), (&bad, At::new("/payload", "amount"))];
        assert_eq!(parse_all(&pending).err().map(|r| r.field), Some("/payload/amount".into()));
        let pending = [(&big, At::new("/payload", "price"))];
        assert_eq!(parse_all(&pending).err().map(|r| r.code), Some(NUMERIC_OVERFLOW));
    }
}
