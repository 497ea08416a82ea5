//! Twin of `cracktrader/feeds/fields.py`: scalar field readers shared by trade and
//! OHLCV normalization (D-202). Each reader takes a present, non-null value and returns
//! the normalized value or the feed code that refuses it.

use super::codes::FeedCode;
use super::json::{Node, Number, Tok};
use crate::engine::numbers::{self, NumError, Raw};
use crate::engine::value::Value;

/// One field value as the readers see it, borrowed from wherever it came from (a
/// parsed frame, a `Value`, a Python object, a column).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar<'a> {
    Null,
    Bool(bool),
    Int(i128),
    /// An integer beyond i128 (D-005).
    BigInt,
    Float(f64),
    Str(&'a str),
    /// An array, an object, or anything JSON cannot hold (a lone surrogate, a tuple).
    Other,
}

impl<'a> Scalar<'a> {
    pub fn of_value(value: &'a Value) -> Scalar<'a> {
        match value {
            Value::Null => Scalar::Null,
            Value::Bool(b) => Scalar::Bool(*b),
            Value::Int(i) => Scalar::Int(*i),
            Value::BigInt { .. } => Scalar::BigInt,
            Value::Float(f) => Scalar::Float(*f),
            Value::Str(s) => Scalar::Str(s),
            Value::Array(_) | Value::Object(_) | Value::Unrepresentable => Scalar::Other,
        }
    }

    pub fn of_node(node: Node<'a, '_>) -> Scalar<'a> {
        match node.tok() {
            Some(Tok::Null) => Scalar::Null,
            Some(Tok::Bool(b)) => Scalar::Bool(b),
            Some(Tok::Num { .. }) => match node.as_number() {
                Some(Number::Int(i)) => Scalar::Int(i),
                Some(Number::BigInt { .. }) => Scalar::BigInt,
                Some(Number::Float(f)) => Scalar::Float(f),
                None => Scalar::Other,
            },
            Some(Tok::Str { .. } | Tok::Escaped { .. }) => node.as_str().map_or(Scalar::Other, Scalar::Str),
            Some(Tok::Array { .. } | Tok::Object { .. } | Tok::Key { .. } | Tok::KeyEscaped { .. }) | None => {
                Scalar::Other
            }
        }
    }
}

/// Twin of Python's `numbers.parse_decimal` (plus D-005's big integers) on a scalar.
pub fn parse_scalar(value: Scalar<'_>) -> Result<Raw, NumError> {
    match value {
        Scalar::Str(text) => numbers::parse_decimal_str(text),
        Scalar::Int(i) => numbers::parse_int(i),
        Scalar::BigInt => Err(NumError::Overflow),
        Scalar::Float(f) => numbers::parse_f64(f),
        Scalar::Bool(_) => Err(NumError::Invalid),
        Scalar::Null | Scalar::Other => Err(NumError::WrongType),
    }
}

/// Timestamps are milliseconds in `[0, 2^63)`.
pub const TS_LIMIT: i128 = 1i128 << 63;
const MAX_TS_DIGITS: usize = 32;
const MAX_ID_LENGTH: usize = 128;
/// raw seconds (x 10^9) -> milliseconds
const NANOS_PER_MS: i128 = 1_000_000;

/// The unit a layout's timestamp field is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TsUnit {
    Ms,
    S,
}

impl TsUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            TsUnit::Ms => "ms",
            TsUnit::S => "s",
        }
    }
}

/// A trade side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Buy,
    Sell,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Buy => "buy",
            Side::Sell => "sell",
        }
    }
}

fn to_ms(value: i128) -> Result<i64, FeedCode> {
    if (0..TS_LIMIT).contains(&value) {
        i64::try_from(value).map_err(|_| FeedCode::InvalidTimestamp)
    } else {
        Err(FeedCode::InvalidTimestamp)
    }
}

/// A millisecond timestamp: a JSON integer, or a string of ASCII digits.
pub fn timestamp_ms(value: Scalar<'_>) -> Result<i64, FeedCode> {
    match value {
        Scalar::Int(i) => to_ms(i),
        Scalar::Str(text) => {
            let bytes = text.as_bytes();
            if bytes.is_empty() || bytes.len() > MAX_TS_DIGITS || !bytes.iter().all(u8::is_ascii_digit) {
                return Err(FeedCode::InvalidTimestamp);
            }
            if bytes.len() <= 19 {
                // 19 digits stay below 2^64: plain u64 arithmetic, no overflow possible
                let total = bytes
                    .iter()
                    .fold(0u64, |t, d| t.wrapping_mul(10).wrapping_add(u64::from(d.wrapping_sub(b'0'))));
                return to_ms(i128::from(total));
            }
            let mut total: u128 = 0;
            for digit in bytes {
                total = total
                    .checked_mul(10)
                    .and_then(|t| t.checked_add(u128::from(digit.wrapping_sub(b'0'))))
                    .ok_or(FeedCode::InvalidTimestamp)?;
            }
            to_ms(i128::try_from(total).map_err(|_| FeedCode::InvalidTimestamp)?)
        }
        _ => Err(FeedCode::InvalidTimestamp),
    }
}

/// Seconds (int, float or decimal string) -> milliseconds, truncated (D-202).
pub fn timestamp_seconds(value: Scalar<'_>) -> Result<i64, FeedCode> {
    let raw = parse_scalar(value).map_err(|_| FeedCode::InvalidTimestamp)?;
    if raw < 0 {
        return Err(FeedCode::InvalidTimestamp);
    }
    to_ms(raw.checked_div(NANOS_PER_MS).unwrap_or(0))
}

pub fn read_timestamp(value: Scalar<'_>, unit: TsUnit) -> Result<i64, FeedCode> {
    match unit {
        TsUnit::Ms => timestamp_ms(value),
        TsUnit::S => timestamp_seconds(value),
    }
}

/// Outcome of one decimal field, kept apart so callers can apply the precedence rule
/// (the first `invalid_number` among their fields wins over any `numeric_overflow`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decimal {
    Ok(Raw),
    Invalid,
    Overflow,
}

impl Decimal {
    pub fn from_result(result: Result<Raw, NumError>) -> Decimal {
        match result {
            Ok(raw) => Decimal::Ok(raw),
            Err(NumError::Overflow) => Decimal::Overflow,
            // wrong types are `invalid_number` in feeds
            Err(NumError::Invalid | NumError::WrongType) => Decimal::Invalid,
        }
    }
}

pub fn decimal(value: Scalar<'_>) -> Decimal {
    Decimal::from_result(parse_scalar(value))
}

/// Combine decimal outcomes: any invalid wins, then any overflow, else all raws.
pub fn resolve<const N: usize>(parsed: [Decimal; N]) -> Result<[Raw; N], FeedCode> {
    if parsed.contains(&Decimal::Invalid) {
        return Err(FeedCode::InvalidNumber);
    }
    let mut out = [0 as Raw; N];
    for (slot, item) in out.iter_mut().zip(parsed) {
        match item {
            Decimal::Ok(raw) => *slot = raw,
            _ => return Err(FeedCode::NumericOverflow),
        }
    }
    Ok(out)
}

/// The trade side through a layout's mapping; ints are looked up as their text.
pub fn side(value: Option<Scalar<'_>>, mapping: &[(&str, Side)]) -> Result<Option<Side>, FeedCode> {
    let lookup = |text: &str| mapping.iter().find(|(key, _)| *key == text).map(|(_, side)| *side);
    let found = match value {
        None | Some(Scalar::Null) => return Ok(None),
        Some(Scalar::Str(text)) => lookup(text),
        Some(Scalar::Int(i)) => lookup(&i.to_string()),
        Some(_) => None,
    };
    found.map(Some).ok_or(FeedCode::InvalidSide)
}

/// 1 to 128 code points, none of category Cc (D-007). A Rust `str` never holds a lone
/// surrogate; those arrive as `Value::Unrepresentable` and are refused by the caller.
pub fn is_identifier(text: &str) -> bool {
    let mut count = 0usize;
    for ch in text.chars() {
        let code = u32::from(ch);
        if code < 0x20 || (0x7f..=0x9f).contains(&code) {
            return false;
        }
        count = count.saturating_add(1);
        if count > MAX_ID_LENGTH {
            return false;
        }
    }
    count > 0
}

/// A trade id: an identifier string, or an i128 integer rendered as its text.
pub fn trade_id(value: Option<Scalar<'_>>) -> Result<Option<Box<str>>, FeedCode> {
    match value {
        None | Some(Scalar::Null) => Ok(None),
        Some(Scalar::Str(text)) if is_identifier(text) => Ok(Some(text.into())),
        Some(Scalar::Int(i)) => Ok(Some(i.to_string().into_boxed_str())),
        Some(_) => Err(FeedCode::InvalidTradeId),
    }
}

/// An OHLCV row's trade count: a JSON integer in `[0, 2^63)`.
pub fn trade_count(value: Scalar<'_>) -> Result<u64, FeedCode> {
    match value {
        Scalar::Int(i) if (0..TS_LIMIT).contains(&i) => u64::try_from(i).map_err(|_| FeedCode::InvalidNumber),
        _ => Err(FeedCode::InvalidNumber),
    }
}

/// `Some(v)` unless the value is absent or JSON null.
pub fn present(value: Option<Scalar<'_>>) -> Option<Scalar<'_>> {
    value.filter(|v| *v != Scalar::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(timestamp_ms(Scalar::Int(5)), Ok(5));
        assert_eq!(timestamp_ms(Scalar::Str("0017")), Ok(17));
        assert_eq!(timestamp_ms(Scalar::Str("9223372036854775808")), Err(FeedCode::InvalidTimestamp));
        assert_eq!(timestamp_ms(Scalar::Str("9223372036854775807")), Ok(i64::MAX));
        assert_eq!(timestamp_ms(Scalar::Str("9999999999999999999")), Err(FeedCode::InvalidTimestamp));
        assert_eq!(timestamp_ms(Scalar::Str("00000000000000000000000000000012")), Ok(12));
        assert_eq!(timestamp_ms(Scalar::Str("000000000000000000000000000000012")), Err(FeedCode::InvalidTimestamp));
        assert_eq!(timestamp_ms(Scalar::Str("12a")), Err(FeedCode::InvalidTimestamp));
        assert_eq!(timestamp_ms(Scalar::Float(1.0)), Err(FeedCode::InvalidTimestamp));
        assert_eq!(timestamp_ms(Scalar::Bool(true)), Err(FeedCode::InvalidTimestamp));
        assert_eq!(timestamp_seconds(Scalar::Float(1710327959.1733468)), Ok(1710327959173));
        assert_eq!(timestamp_seconds(Scalar::Str("1710327533")), Ok(1710327533000));
        assert_eq!(timestamp_seconds(Scalar::Str("-1")), Err(FeedCode::InvalidTimestamp));
        assert_eq!(timestamp_seconds(Scalar::Bool(false)), Err(FeedCode::InvalidTimestamp));
        assert_eq!(decimal(Scalar::BigInt), Decimal::Overflow);
        assert_eq!(decimal(Scalar::Other), Decimal::Invalid);
    }

    #[test]
    fn sides_ids_and_precedence() {
        let map = [("0", Side::Buy), ("1", Side::Sell)];
        assert_eq!(side(Some(Scalar::Int(1)), &map), Ok(Some(Side::Sell)));
        assert_eq!(side(Some(Scalar::Str("2")), &map), Err(FeedCode::InvalidSide));
        assert_eq!(side(Some(Scalar::Bool(false)), &map), Err(FeedCode::InvalidSide));
        assert_eq!(trade_id(Some(Scalar::Int(-7))), Ok(Some("-7".into())));
        assert_eq!(trade_id(Some(Scalar::Str("a\u{85}"))), Err(FeedCode::InvalidTradeId));
        assert_eq!(trade_id(Some(Scalar::Str(&"x".repeat(129)))), Err(FeedCode::InvalidTradeId));
        assert_eq!(resolve([Decimal::Overflow, Decimal::Invalid]), Err(FeedCode::InvalidNumber));
        assert_eq!(resolve([Decimal::Ok(1), Decimal::Overflow]), Err(FeedCode::NumericOverflow));
        assert_eq!(resolve([Decimal::Ok(1), Decimal::Ok(2)]), Ok([1, 2]));
    }
}
