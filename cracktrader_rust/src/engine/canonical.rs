//! Twin of `cracktrader/engine/canonical.py`: canonical JSON bytes, exactly those of
//! Python's `json.dumps(obj, sort_keys=True, separators=(",", ":"),
//! ensure_ascii=False)`, and the state hash (lower-case hex SHA-256).
//!
//! Outputs are written by hand-ordered writers (see `JsonWriter`), so nothing here
//! sorts at run time except the generic `Value` writer used for echoing inputs.

use sha2::{Digest, Sha256};

use super::errors::EngineError;
use super::strict_json;
use super::value::Value;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Where canonical text goes: a `String`, or the byte buffer `apply_jsonl` fills (its
/// output is bytes for Python anyway, so the hot path never re-validates UTF-8).
pub trait TextSink {
    /// Append text.
    fn put_str(&mut self, text: &str);
    /// Append ASCII bytes (digits, signs, points). Callers pass ASCII only; the
    /// `String` sink drops anything else rather than break its UTF-8.
    fn put_ascii(&mut self, bytes: &[u8]);
}

impl TextSink for String {
    #[inline]
    fn put_str(&mut self, text: &str) {
        self.push_str(text);
    }

    #[inline]
    fn put_ascii(&mut self, bytes: &[u8]) {
        if let Ok(text) = std::str::from_utf8(bytes) {
            self.push_str(text);
        }
    }
}

impl TextSink for Vec<u8> {
    #[inline]
    fn put_str(&mut self, text: &str) {
        self.extend_from_slice(text.as_bytes());
    }

    #[inline]
    fn put_ascii(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// Append `text` as a JSON string with Python's escaping (`ensure_ascii=False`).
///
/// Only ASCII bytes ever need escaping (`"`, `\\`, control characters), and in UTF-8
/// an ASCII byte is always a whole character, so the text is scanned as bytes and
/// copied in runs between escapes.
pub fn write_str<S: TextSink + ?Sized>(out: &mut S, text: &str) {
    let bytes = text.as_bytes();
    // Most strings need no escape at all: one word-at-a-time scan, one copy.
    if !needs_escape(bytes) {
        out.put_ascii(b"\"");
        out.put_str(text);
        out.put_ascii(b"\"");
        return;
    }
    out.put_ascii(b"\"");
    let mut start = 0usize;
    for (index, byte) in bytes.iter().enumerate() {
        let escape: &str = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.put_str(text.get(start..index).unwrap_or(""));
        if escape.is_empty() {
            let hex = [
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX.get(usize::from(byte >> 4)).copied().unwrap_or(b'0'),
                HEX.get(usize::from(byte & 0xf)).copied().unwrap_or(b'0'),
            ];
            out.put_ascii(&hex);
        } else {
            out.put_str(escape);
        }
        start = index.saturating_add(1);
    }
    out.put_str(text.get(start..).unwrap_or(""));
    out.put_ascii(b"\"");
}

/// Index of the first control character, `"` or `\\` in `bytes` (`bytes.len()` when
/// there is none): the bytes a JSON string cannot hold as they are. Eight bytes at a
/// time with the classic "has a byte below n / equal to c" bit tricks on a `u64`;
/// the lowest flagged byte of each test is exact (borrows only run upwards), so the
/// lowest bit of their union is the answer. Bytes >= 0x80 are never flagged.
pub fn find_special(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut offset = 0usize;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let below_space = word.wrapping_sub(ONES.wrapping_mul(0x20)) & !word;
        let quote = word ^ ONES.wrapping_mul(u64::from(b'"'));
        let backslash = word ^ ONES.wrapping_mul(u64::from(b'\\'));
        let mask = (below_space | (quote.wrapping_sub(ONES) & !quote) | (backslash.wrapping_sub(ONES) & !backslash))
            & HIGHS;
        if mask != 0 {
            return offset.saturating_add((mask.trailing_zeros() / 8) as usize);
        }
        offset = offset.saturating_add(8);
    }
    let tail = chunks.remainder();
    offset.saturating_add(tail.iter().position(|b| *b < 0x20 || *b == b'"' || *b == b'\\').unwrap_or(tail.len()))
}

fn needs_escape(bytes: &[u8]) -> bool {
    find_special(bytes) < bytes.len()
}

/// A tiny writer for objects whose keys the caller emits in sorted order.
pub struct JsonWriter<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> JsonWriter<'a> {
    pub fn object(out: &'a mut String) -> Self {
        out.push('{');
        JsonWriter { out, first: true }
    }

    /// Start the value of `key`; the caller must then write exactly one value.
    pub fn key(&mut self, key: &str) -> &mut String {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        write_str(self.out, key);
        self.out.push(':');
        self.out
    }

    pub fn str_field(&mut self, key: &str, value: &str) {
        let out = self.key(key);
        write_str(out, value);
    }

    pub fn opt_str_field(&mut self, key: &str, value: Option<&str>) {
        let out = self.key(key);
        match value {
            Some(v) => write_str(out, v),
            None => out.push_str("null"),
        }
    }

    pub fn raw_field(&mut self, key: &str, raw_json: &str) {
        self.key(key).push_str(raw_json);
    }

    pub fn int_field(&mut self, key: &str, value: i128) {
        let out = self.key(key);
        out.push_str(&value.to_string());
    }

    pub fn opt_int_field(&mut self, key: &str, value: Option<i128>) {
        match value {
            Some(v) => self.int_field(key, v),
            None => self.raw_field(key, "null"),
        }
    }

    pub fn bool_field(&mut self, key: &str, value: bool) {
        self.raw_field(key, if value { "true" } else { "false" });
    }

    pub fn decimal_field(&mut self, key: &str, raw: i128) {
        let out = self.key(key);
        out.push('"');
        super::numbers::write_decimal(out, raw);
        out.push('"');
    }

    pub fn opt_decimal_field(&mut self, key: &str, raw: Option<i128>) {
        match raw {
            Some(r) => self.decimal_field(key, r),
            None => self.raw_field(key, "null"),
        }
    }

    pub fn end(self) {
        self.out.push('}');
    }
}

/// Write a generic value canonically (keys sorted by code point, as Python does).
pub fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null | Value::Unrepresentable => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::BigInt { .. } => out.push_str("null"),
        Value::Float(f) => out.push_str(&python_float_repr(*f)),
        Value::Str(s) => write_str(out, s),
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(pairs) => {
            // Echoed inputs are often canonical already: skip the sort (and its
            // allocation) when the keys arrive in order.
            if pairs.windows(2).all(|w| matches!(w, [a, b] if a.0 < b.0)) {
                write_pairs(out, pairs.iter());
            } else {
                let mut sorted: Vec<&(String, Value)> = pairs.iter().collect();
                sorted.sort_by(|a, b| a.0.cmp(&b.0));
                write_pairs(out, sorted.into_iter());
            }
        }
    }
}

/// Why `value` has no canonical form, or `None` when it has one.
///
/// Canonical JSON holds integers that fit an `i128` and finite floats only; a big-int
/// marker, an infinity (`1e400` read as a float, D-003) or an unrepresentable value
/// would otherwise be written as a lossy `null` by `write_value`.
pub fn unwritable(value: &Value) -> Option<&'static str> {
    match value {
        Value::BigInt { .. } => Some("integer outside the i128 range has no canonical form"),
        Value::Float(f) if !f.is_finite() => Some("an infinite float has no canonical form"),
        Value::Unrepresentable => Some("value has no JSON form"),
        Value::Array(items) => items.iter().find_map(unwritable),
        Value::Object(pairs) => pairs.iter().find_map(|(_, item)| unwritable(item)),
        _ => None,
    }
}

/// Read `bytes` as strict JSON and write it back canonically.
///
/// The Rust reader and writer end to end, exposed to Python so tests can prove they
/// agree with `canonical_bytes(strict_json.loads(bytes))` byte for byte. Every refusal
/// (strict-JSON violations and values with no canonical form) is `InvalidPayload`.
pub fn canonicalize_json(bytes: &[u8]) -> Result<String, EngineError> {
    let value = strict_json::parse_bytes(bytes).map_err(|error| {
        EngineError::payload(format!("not strict JSON: {} at byte {}", error.message, error.offset))
    })?;
    if let Some(reason) = unwritable(&value) {
        return Err(EngineError::payload(reason));
    }
    let mut out = String::with_capacity(bytes.len());
    write_value(&mut out, &value);
    Ok(out)
}

fn write_pairs<'a>(out: &mut String, pairs: impl Iterator<Item = &'a (String, Value)>) {
    out.push('{');
    for (index, (key, item)) in pairs.enumerate() {
        if index > 0 {
            out.push(',');
        }
        write_str(out, key);
        out.push(':');
        write_value(out, item);
    }
    out.push('}');
}

/// Python's `repr(float)` for a finite float: shortest round-trip digits, fixed
/// notation for decimal exponents in [-4, 16), else `d.ddde+XX`.
pub fn python_float_repr(value: f64) -> String {
    if !value.is_finite() {
        return "null".into();
    }
    // ryu-based: std's `{:e}` breaks exact ties upwards where Python's repr goes to even
    let sci = super::numbers::shortest_sci(value);
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let count = i32::try_from(digits.len()).unwrap_or(1);
    if (-4..16).contains(&exponent) {
        let point = exponent.saturating_add(1);
        let body = if point <= 0 {
            let zeros = usize::try_from(point.saturating_neg()).unwrap_or(0);
            format!("0.{}{}", "0".repeat(zeros), digits)
        } else if point >= count {
            let zeros = usize::try_from(point.saturating_sub(count)).unwrap_or(0);
            format!("{}{}.0", digits, "0".repeat(zeros))
        } else {
            let split = usize::try_from(point).unwrap_or(0);
            format!("{}.{}", digits.get(..split).unwrap_or(""), digits.get(split..).unwrap_or(""))
        };
        return format!("{sign}{body}");
    }
    let head = digits.get(..1).unwrap_or("0");
    let tail = digits.get(1..).unwrap_or("");
    let fraction = if tail.is_empty() { String::new() } else { format!(".{tail}") };
    let exp_sign = if exponent < 0 { '-' } else { '+' };
    format!("{sign}{head}{fraction}e{exp_sign}{:02}", exponent.unsigned_abs())
}

/// Lower-case hex SHA-256 of canonical bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for byte in digest {
        out.push(char::from(HEX.get((byte >> 4) as usize).copied().unwrap_or(b'0')));
        out.push(char::from(HEX.get((byte & 0xf) as usize).copied().unwrap_or(b'0')));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 70368744177664.125, exactly representable and exactly between two shortest
    /// strings (written as a quotient: the literal trips `excessive_precision`).
    const TIE: f64 = 562_949_953_421_313.0 / 8.0;

    #[test]
    fn escapes_like_python() {
        let mut out = String::new();
        write_str(&mut out, "a\"b\\c\n\u{1f}\u{7f}é\u{2028}");
        assert_eq!(out, "\"a\\\"b\\\\c\\n\\u001f\u{7f}é\u{2028}\"");
    }

    #[test]
    fn find_special_is_exact_with_several_specials() {
        for len in 1..24 {
            for first in 0..len {
                for second in first..len {
                    let mut bytes = vec![0xe9u8; len];
                    bytes[second] = b'\\';
                    bytes[first] = 0x1f;
                    assert_eq!(find_special(&bytes), first, "{first} {second} {len}");
                }
            }
        }
        assert_eq!(find_special(b"abcdefghijk"), 11);
        assert_eq!(find_special(b"\x7f\x80\xff !#"), 6);
        assert_eq!(find_special(b"\x7f\x80\xff !#\xc3\xa9A\x7f"), 10);
        assert_eq!(find_special(b"\x7f\x80\xff !#\xc3\xa9A\x1f"), 9);
    }

    #[test]
    fn escape_scan_finds_every_special_byte_at_every_position() {
        for special in (0u8..0x20).chain([b'"', b'\\']) {
            for len in 1..20 {
                for at in 0..len {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = special;
                    assert!(needs_escape(&bytes), "{special} at {at} of {len}");
                }
            }
        }
        for clean in ["", "abc", "0123456789abcdefghij", "é€😀 ~!#$%&'()*+,-./:;<=>?@[]^_`{|}\u{7f}"] {
            assert!(!needs_escape(clean.as_bytes()), "{clean}");
        }
        // bytes >= 0x80 (UTF-8 continuation) are never special
        assert!(!needs_escape(&[0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]));
    }

    #[test]
    fn sorts_keys_by_code_point() {
        let value = Value::Object(vec![
            ("b".into(), Value::Int(1)),
            ("a".into(), Value::Array(vec![Value::Null, Value::Bool(true)])),
            ("é".into(), Value::Str("x".into())),
            ("Z".into(), Value::Int(-3)),
        ]);
        let mut out = String::new();
        write_value(&mut out, &value);
        assert_eq!(out, "{\"Z\":-3,\"a\":[null,true],\"b\":1,\"é\":\"x\"}");
    }

    #[test]
    fn float_repr_matches_python() {
        for (value, text) in [
            (0.1, "0.1"), (1.0, "1.0"), (123.0, "123.0"), (1e-7, "1e-07"), (1e16, "1e+16"),
            (1.5e300, "1.5e+300"), (0.0001, "0.0001"), (-2.5, "-2.5"), (1e15, "1000000000000000.0"),
            (-0.0, "-0.0"), (2.5711006606203113, "2.5711006606203113"),
            (TIE, "70368744177664.12"),
            (1_305_718_358_474_017.0 + 0.25, "1305718358474017.2"), (0.0, "0.0"),
        ] {
            assert_eq!(python_float_repr(value), text);
        }
    }

    #[test]
    fn canonicalizes_or_refuses() {
        assert_eq!(canonicalize_json(b" {\"b\": [1, 2.50, -0], \"a\": \"\\u00e9\"} ").unwrap(), "{\"a\":\"é\",\"b\":[1,2.5,0]}");
        for bad in [&b"[1e400]"[..], b"123456789012345678901234567890123456789012", b"NaN", b"{\"a\":1,\"a\":1}", b"\xff"] {
            assert!(matches!(canonicalize_json(bad), Err(EngineError::InvalidPayload { .. })), "{bad:?}");
        }
    }

    #[test]
    fn hashes_hex() {
        assert_eq!(
            sha256_hex(b"{}"),
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
    }
}
