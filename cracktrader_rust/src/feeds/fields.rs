//! Twin of `cracktrader/feeds/fields.py`: scalar field readers shared by trade and
//! OHLCV normalization (D-202). Each reader takes a present, non-null value and returns
//! the normalized value or the feed code that refuses it.

use super::codes::FeedCode;
use crate::engine::numbers::{self, NumError, Raw};
use crate::engine::value::Value;

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
pub fn timestamp_ms(value: &Value) -> Result<i64, FeedCode> {
    match value {
        Value::Int(i) => to_ms(*i),
        Value::Str(text) => {
            let bytes = text.as_bytes();
            if bytes.is_empty() || bytes.len() > MAX_TS_DIGITS || !bytes.iter().all(u8::is_ascii_digit) {
                return Err(FeedCode::InvalidTimestamp);
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
pub fn timestamp_seconds(value: &Value) -> Result<i64, FeedCode> {
    if matches!(value, Value::Bool(_)) {
        return Err(FeedCode::InvalidTimestamp);
    }
    let raw = numbers::parse_value(value).map_err(|_| FeedCode::InvalidTimestamp)?;
    if raw < 0 {
        return Err(FeedCode::InvalidTimestamp);
    }
    to_ms(raw.checked_div(NANOS_PER_MS).unwrap_or(0))
}

pub fn read_timestamp(value: &Value, unit: TsUnit) -> Result<i64, FeedCode> {
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

pub fn decimal(value: &Value) -> Decimal {
    match value {
        // The hot path of columnar input: skip the generic dispatch.
        Value::Float(f) => Decimal::from_result(numbers::parse_f64(*f)),
        other => Decimal::from_result(numbers::parse_value(other)),
    }
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
pub fn side(value: Option<&Value>, mapping: &[(&str, Side)]) -> Result<Option<Side>, FeedCode> {
    let lookup = |text: &str| mapping.iter().find(|(key, _)| *key == text).map(|(_, side)| *side);
    let found = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Str(text)) => lookup(text),
        Some(Value::Int(i)) => lookup(&i.to_string()),
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
pub fn trade_id(value: Option<&Value>) -> Result<Option<Box<str>>, FeedCode> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Str(text)) if is_identifier(text) => Ok(Some(text.as_str().into())),
        Some(Value::Int(i)) => Ok(Some(i.to_string().into_boxed_str())),
        Some(_) => Err(FeedCode::InvalidTradeId),
    }
}

/// An OHLCV row's trade count: a JSON integer in `[0, 2^63)`.
pub fn trade_count(value: &Value) -> Result<u64, FeedCode> {
    match value {
        Value::Int(i) if (0..TS_LIMIT).contains(i) => u64::try_from(*i).map_err(|_| FeedCode::InvalidNumber),
        _ => Err(FeedCode::InvalidNumber),
    }
}

/// `Some(v)` unless the value is absent or JSON null.
pub fn present(value: Option<&Value>) -> Option<&Value> {
    value.filter(|v| !v.is_null())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(timestamp_ms(&Value::Int(5)), Ok(5));
        assert_eq!(timestamp_ms(&Value::Str("0017".into())), Ok(17));
        assert_eq!(timestamp_ms(&Value::Str("9223372036854775808".into())), Err(FeedCode::InvalidTimestamp));
        assert_eq!(timestamp_ms(&Value::Str("12a".into())), Err(FeedCode::InvalidTimestamp));
        assert_eq!(timestamp_ms(&Value::Float(1.0)), Err(FeedCode::InvalidTimestamp));
        assert_eq!(timestamp_ms(&Value::Bool(true)), Err(FeedCode::InvalidTimestamp));
        assert_eq!(timestamp_seconds(&Value::Float(1710327959.1733468)), Ok(1710327959173));
        assert_eq!(timestamp_seconds(&Value::Str("1710327533".into())), Ok(1710327533000));
        assert_eq!(timestamp_seconds(&Value::Str("-1".into())), Err(FeedCode::InvalidTimestamp));
    }

    #[test]
    fn sides_ids_and_precedence() {
        let map = [("0", Side::Buy), ("1", Side::Sell)];
        assert_eq!(side(Some(&Value::Int(1)), &map), Ok(Some(Side::Sell)));
        assert_eq!(side(Some(&Value::Str("2".into())), &map), Err(FeedCode::InvalidSide));
        assert_eq!(side(Some(&Value::Bool(false)), &map), Err(FeedCode::InvalidSide));
        assert_eq!(trade_id(Some(&Value::Int(-7))), Ok(Some("-7".into())));
        assert_eq!(trade_id(Some(&Value::Str("a\u{85}".into()))), Err(FeedCode::InvalidTradeId));
        assert_eq!(trade_id(Some(&Value::Str("x".repeat(129)))), Err(FeedCode::InvalidTradeId));
        assert_eq!(resolve([Decimal::Overflow, Decimal::Invalid]), Err(FeedCode::InvalidNumber));
        assert_eq!(resolve([Decimal::Ok(1), Decimal::Overflow]), Err(FeedCode::NumericOverflow));
        assert_eq!(resolve([Decimal::Ok(1), Decimal::Ok(2)]), Ok([1, 2]));
    }
}
