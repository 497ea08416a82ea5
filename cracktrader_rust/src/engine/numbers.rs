//! Twin of `cracktrader/engine/numbers.py`: fixed-point decimals, raw = value x 10^9 in
//! an `i128`, checked, rounding half-to-even. Every operation returns a `Result`; no
//! arithmetic here can overflow or panic (the module denies arithmetic side effects).
#![deny(clippy::arithmetic_side_effects)]

use std::fmt::Write as _;

use super::canonical::TextSink;
use super::value::Value;

pub type Raw = i128;

pub const SCALE: Raw = 1_000_000_000;
const SCALE_U: u128 = 1_000_000_000;
const FRACTION_DIGITS: i128 = 9;
/// `i128::MAX` has 39 decimal digits; a magnitude with more cannot fit.
const MAX_DIGITS: i128 = 39;
/// Longer exponents are "huge" without conversion (overflow, or zero when negative).
const MAX_EXPONENT_DIGITS: usize = 18;
/// `2^127`, the magnitude of `i128::MIN`.
const MIN_MAGNITUDE: u128 = 1u128 << 127;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumError {
    /// `invalid_number`: NaN, infinities, booleans, malformed strings.
    Invalid,
    /// `numeric_overflow`: outside the i128 raw range (or a division by zero).
    Overflow,
    /// `invalid_payload`: not a number type at all.
    WrongType,
}

pub type NumResult = Result<Raw, NumError>;

/// The digits of a decimal string: integer part, fraction part, exponent text.
struct Parts<'a> {
    negative: bool,
    int_part: &'a [u8],
    frac_part: &'a [u8],
    exp_negative: bool,
    exp_digits: Option<&'a [u8]>,
}

fn take_digits(bytes: &[u8], start: usize) -> usize {
    bytes.get(start..).map_or(0, |rest| rest.iter().take_while(|b| b.is_ascii_digit()).count())
}

/// Split `[+-]?digits[.digits]([eE][+-]?digits)?`; `None` for anything else.
fn split(text: &str) -> Option<Parts<'_>> {
    let bytes = text.as_bytes();
    let mut pos = 0usize;
    let negative = match bytes.first() {
        Some(b'-') => {
            pos = 1;
            true
        }
        Some(b'+') => {
            pos = 1;
            false
        }
        _ => false,
    };
    let int_len = take_digits(bytes, pos);
    if int_len == 0 {
        return None;
    }
    let int_part = bytes.get(pos..pos.checked_add(int_len)?)?;
    pos = pos.checked_add(int_len)?;
    let mut frac_part: &[u8] = &[];
    if bytes.get(pos) == Some(&b'.') {
        pos = pos.checked_add(1)?;
        let frac_len = take_digits(bytes, pos);
        if frac_len == 0 {
            return None;
        }
        frac_part = bytes.get(pos..pos.checked_add(frac_len)?)?;
        pos = pos.checked_add(frac_len)?;
    }
    let mut exp_negative = false;
    let mut exp_digits = None;
    if matches!(bytes.get(pos), Some(b'e') | Some(b'E')) {
        pos = pos.checked_add(1)?;
        match bytes.get(pos) {
            Some(b'-') => {
                exp_negative = true;
                pos = pos.checked_add(1)?;
            }
            Some(b'+') => pos = pos.checked_add(1)?,
            _ => {}
        }
        let exp_len = take_digits(bytes, pos);
        if exp_len == 0 {
            return None;
        }
        exp_digits = Some(bytes.get(pos..pos.checked_add(exp_len)?)?);
        pos = pos.checked_add(exp_len)?;
    }
    if pos != bytes.len() {
        return None;
    }
    Some(Parts { negative, int_part, frac_part, exp_negative, exp_digits })
}

/// The significant digits (integer then fraction part, leading zeros dropped).
struct Digits<'a> {
    first: &'a [u8],
    second: &'a [u8],
}

impl Digits<'_> {
    fn len(&self) -> usize {
        self.first.len().saturating_add(self.second.len())
    }

    fn at(&self, index: usize) -> u8 {
        match self.first.get(index) {
            Some(d) => *d,
            None => index
                .checked_sub(self.first.len())
                .and_then(|i| self.second.get(i))
                .copied()
                .unwrap_or(b'0'),
        }
    }

    fn iter_range(&self, start: usize, end: usize) -> impl Iterator<Item = u8> + '_ {
        (start..end).map(move |i| self.at(i))
    }
}

fn significant<'a>(int_part: &'a [u8], frac_part: &'a [u8]) -> Digits<'a> {
    let int_zeros = int_part.iter().take_while(|d| **d == b'0').count();
    if int_zeros < int_part.len() {
        return Digits { first: int_part.get(int_zeros..).unwrap_or(&[]), second: frac_part };
    }
    let frac_zeros = frac_part.iter().take_while(|d| **d == b'0').count();
    Digits { first: frac_part.get(frac_zeros..).unwrap_or(&[]), second: &[] }
}

fn accumulate(digits: impl Iterator<Item = u8>) -> Result<u128, NumError> {
    let mut value: u128 = 0;
    for d in digits {
        let digit = u128::from(d.wrapping_sub(b'0'));
        value = value.checked_mul(10).and_then(|v| v.checked_add(digit)).ok_or(NumError::Overflow)?;
    }
    Ok(value)
}

fn parse_exponent(negative: bool, digits: Option<&[u8]>) -> Option<i128> {
    let Some(digits) = digits else { return Some(0) };
    let zeros = digits.iter().take_while(|d| **d == b'0').count();
    let rest = digits.get(zeros..).unwrap_or(&[]);
    if rest.len() > MAX_EXPONENT_DIGITS {
        return None;
    }
    let value = i128::try_from(accumulate(rest.iter().copied()).ok()?).ok()?;
    Some(if negative { value.checked_neg()? } else { value })
}

fn to_signed(negative: bool, magnitude: u128) -> NumResult {
    if negative {
        if magnitude == MIN_MAGNITUDE {
            return Ok(Raw::MIN);
        }
        i128::try_from(magnitude).ok().and_then(i128::checked_neg).ok_or(NumError::Overflow)
    } else {
        i128::try_from(magnitude).map_err(|_| NumError::Overflow)
    }
}

/// Exact shortcut for the common spelling `[-]digits[.digits]` with at most 18 digits
/// and 9 decimals (venue prices and amounts): the value is then `digits x 10^(9 -
/// decimals)` with no rounding and no overflow. `None` sends anything else (signs `+`,
/// exponents, long inputs, malformed text) down the general path.
fn fast_decimal(text: &str) -> Option<Raw> {
    let bytes = text.as_bytes();
    let (negative, body) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    // at most 18 digits and a point: the digits fit a u64 without overflow
    if body.is_empty() || body.len() > 19 {
        return None;
    }
    let mut value: u64 = 0;
    let mut point: Option<usize> = None;
    for (index, byte) in body.iter().enumerate() {
        let digit = byte.wrapping_sub(b'0');
        if digit < 10 {
            value = value.wrapping_mul(10).wrapping_add(u64::from(digit));
        } else if *byte == b'.' && point.is_none() {
            point = Some(index);
        } else {
            return None;
        }
    }
    let decimals = match point {
        // a point needs digits on both sides, as the grammar says
        Some(index) if index == 0 || index.saturating_add(1) == body.len() => return None,
        Some(index) => body.len().wrapping_sub(index).wrapping_sub(1),
        None => 0,
    };
    let digits = body.len().wrapping_sub(usize::from(point.is_some()));
    if digits > 18 || decimals > 9 {
        return None;
    }
    // value < 10^18 and scale <= 10^9: the product is below 2^127, exact
    let scale = POW10.get(9usize.wrapping_sub(decimals)).copied()?;
    let magnitude = i128::from(value).wrapping_mul(i128::from(scale));
    Some(if negative { magnitude.wrapping_neg() } else { magnitude })
}

/// 10^0 ..= 10^9.
const POW10: [u64; 10] =
    [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000];

/// Parse the decimal-string form (no surrounding whitespace, ASCII only).
pub fn parse_decimal_str(text: &str) -> NumResult {
    if let Some(raw) = fast_decimal(text) {
        return Ok(raw);
    }
    let parts = split(text).ok_or(NumError::Invalid)?;
    let digits = significant(parts.int_part, parts.frac_part);
    let length = digits.len();
    if length == 0 {
        return Ok(0);
    }
    let Some(exponent) = parse_exponent(parts.exp_negative, parts.exp_digits) else {
        return if parts.exp_negative { Ok(0) } else { Err(NumError::Overflow) };
    };
    let frac_len = i128::try_from(parts.frac_part.len()).map_err(|_| NumError::Overflow)?;
    let shift = exponent
        .checked_sub(frac_len)
        .and_then(|s| s.checked_add(FRACTION_DIGITS))
        .ok_or(NumError::Overflow)?;
    let length_i = i128::try_from(length).map_err(|_| NumError::Overflow)?;
    let magnitude = if shift >= 0 {
        if length_i.checked_add(shift).is_none_or(|total| total > MAX_DIGITS) {
            return Err(NumError::Overflow);
        }
        let base = accumulate(digits.iter_range(0, length))?;
        let power = u32::try_from(shift).map_err(|_| NumError::Overflow)?;
        10u128.checked_pow(power).and_then(|p| base.checked_mul(p)).ok_or(NumError::Overflow)?
    } else {
        let dropped = shift.checked_neg().ok_or(NumError::Overflow)?;
        if dropped > length_i {
            return Ok(0);
        }
        let kept_i = length_i.checked_sub(dropped).ok_or(NumError::Overflow)?;
        if kept_i > MAX_DIGITS {
            return Err(NumError::Overflow);
        }
        let kept = usize::try_from(kept_i).map_err(|_| NumError::Overflow)?;
        let quotient = accumulate(digits.iter_range(0, kept))?;
        let first_dropped = digits.at(kept);
        let round_up = match first_dropped.cmp(&b'5') {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Less => false,
            std::cmp::Ordering::Equal => {
                let start = kept.checked_add(1).ok_or(NumError::Overflow)?;
                let rest_nonzero = digits.iter_range(start, length).any(|d| d != b'0');
                rest_nonzero || quotient % 2 == 1
            }
        };
        if round_up {
            quotient.checked_add(1).ok_or(NumError::Overflow)?
        } else {
            quotient
        }
    };
    to_signed(parts.negative, magnitude)
}

/// Twin of Python's `parse_decimal`: one input value read as a decimal field.
pub fn parse_value(value: &Value) -> NumResult {
    match value {
        Value::Str(text) => parse_decimal_str(text),
        Value::Int(i) => parse_int(*i),
        Value::BigInt { .. } => Err(NumError::Overflow),
        Value::Float(f) => parse_f64(*f),
        Value::Bool(_) => Err(NumError::Invalid),
        _ => Err(NumError::WrongType),
    }
}

/// Below this magnitude an f64's spacing (ulp) is finer than 10^-9 and `value x 10^9`
/// stays below 2^53, the conditions of the fast path in `parse_f64`.
const FAST_F64_LIMIT: f64 = 8_388_608.0; // 2^23

/// A finite float goes through its shortest round-trip digits (`{:e}` is shortest).
pub fn parse_f64(value: f64) -> NumResult {
    if !value.is_finite() {
        return Err(NumError::Invalid);
    }
    if let Some(raw) = fast_f64(value) {
        return Ok(raw);
    }
    parse_f64_digits(value)
}

/// Exact shortcut for the common case (prices and amounts with at most 9 decimals):
/// when `|value| < 2^23` at most one multiple of 10^-9 lies in the value's round-trip
/// interval, because the interval is narrower than 10^-9. If `n x 10^-9` (n = the
/// nearest integer to `value x 10^9`) reads back as `value`, it is that multiple; the
/// shortest round-trip digits then have at most 9 decimals (else the multiple would be
/// shorter), lie in the same interval, and so equal `n x 10^-9`: exactly what the
/// digit path yields. Any other case takes the digit path.
fn fast_f64(value: f64) -> Option<Raw> {
    // `value` is finite here (checked by the caller)
    if value.abs() >= FAST_F64_LIMIT {
        return None;
    }
    let scaled = (value * 1e9).round();
    // |scaled| < 2^23 x 10^9 < 2^53: the integer and the division below are exact
    // inputs, and IEEE division rounds `scaled / 10^9` correctly, as parsing would.
    #[allow(clippy::cast_possible_truncation)]
    let raw = scaled as i64;
    #[allow(clippy::cast_precision_loss)]
    let back = raw as f64 / 1e9;
    (back == value).then_some(Raw::from(raw))
}

/// The reference path: format the shortest digits, then parse them.
pub fn parse_f64_digits(value: f64) -> NumResult {
    if !value.is_finite() {
        return Err(NumError::Invalid);
    }
    let mut buffer = ryu::Buffer::new();
    parse_decimal_str(buffer.format_finite(value))
}

/// The shortest round-trip digits of a finite float in `d[.ddd]e<exp>` form, with
/// Python's tie rule (round half to even), e.g. `1.3057183584740172e15`.
pub fn shortest_sci(value: f64) -> String {
    let mut buffer = ryu::Buffer::new();
    let text = buffer.format_finite(value);
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = match body.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (body, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all: String = int_part.chars().chain(frac_part.chars()).collect();
    let significant = all.trim_start_matches('0');
    let trimmed = significant.trim_end_matches('0');
    if trimmed.is_empty() {
        return if negative { "-0e0".into() } else { "0e0".into() };
    }
    // value = int(trimmed) x 10^power
    let frac_len = i32::try_from(frac_part.len()).unwrap_or(0);
    let dropped = i32::try_from(significant.len().saturating_sub(trimmed.len())).unwrap_or(0);
    let power = exponent.saturating_sub(frac_len).saturating_add(dropped);
    let sci_exponent = power.saturating_add(i32::try_from(trimmed.len()).unwrap_or(1)).saturating_sub(1);
    let (head, tail) = trimmed.split_at(1);
    let mut out = String::with_capacity(trimmed.len().saturating_add(8));
    if negative {
        out.push('-');
    }
    out.push_str(head);
    if !tail.is_empty() {
        out.push('.');
        out.push_str(tail);
    }
    let _ = write!(out, "e{sci_exponent}");
    out
}

/// An integer in whole units.
pub fn parse_int(value: i128) -> NumResult {
    value.checked_mul(SCALE).ok_or(NumError::Overflow)
}

/// Canonical text: minimal digits, no exponent, no trailing zeros, never `-0`.
pub fn format_decimal(raw: Raw) -> String {
    let mut out = String::with_capacity(24);
    write_decimal(&mut out, raw);
    out
}

/// "00", "01", .. "99": two digits per division halves the divisions.
const DIGIT_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Write the decimal digits of `value` right-aligned so they end at `end` in `buf`;
/// the index of the first digit. `buf` must have room (callers size it for a u64).
fn digits_u64(buf: &mut [u8], end: usize, value: u64) -> usize {
    let mut pos = end;
    let mut rest = value;
    while rest >= 100 {
        // rest % 100 < 100: the cast is exact
        let pair = ((rest % 100) as usize).wrapping_mul(2);
        rest /= 100;
        pos = pos.wrapping_sub(2);
        if let (Some(slot), Some(digits)) =
            (buf.get_mut(pos..pos.wrapping_add(2)), DIGIT_PAIRS.get(pair..pair.wrapping_add(2)))
        {
            slot.copy_from_slice(digits);
        }
    }
    if rest >= 10 {
        let pair = (rest as usize).wrapping_mul(2);
        pos = pos.wrapping_sub(2);
        if let (Some(slot), Some(digits)) =
            (buf.get_mut(pos..pos.wrapping_add(2)), DIGIT_PAIRS.get(pair..pair.wrapping_add(2)))
        {
            slot.copy_from_slice(digits);
        }
    } else {
        pos = pos.wrapping_sub(1);
        if let Some(slot) = buf.get_mut(pos) {
            // rest < 10
            *slot = b'0'.wrapping_add(rest as u8);
        }
    }
    pos
}

/// Append the canonical text of `raw` to `out` (no allocation of its own).
///
/// Nearly every raw fits a u64 (|value| < 1.8e10): its digits are produced with
/// native divisions by constants, two at a time, into one stack buffer that is
/// appended once. Larger magnitudes take the u128 path.
pub fn write_decimal<S: TextSink + ?Sized>(out: &mut S, raw: Raw) {
    write_decimal_with(out, raw, false);
}

/// `write_decimal` inside double quotes (a decimal in canonical JSON), in one append.
pub fn write_decimal_quoted<S: TextSink + ?Sized>(out: &mut S, raw: Raw) {
    write_decimal_with(out, raw, true);
}

fn write_decimal_with<S: TextSink + ?Sized>(out: &mut S, raw: Raw, quoted: bool) {
    let magnitude = raw.unsigned_abs();
    let Ok(small) = u64::try_from(magnitude) else {
        out.put_ascii(match (quoted, raw < 0) {
            (true, true) => b"\"-",
            (true, false) => b"\"",
            (false, true) => b"-",
            (false, false) => b"",
        });
        let whole = magnitude.checked_div(SCALE_U).unwrap_or(0);
        let fraction = u64::try_from(magnitude.checked_rem(SCALE_U).unwrap_or(0)).unwrap_or(0);
        write_unsigned(out, whole);
        let mut buf = [b'0'; 12];
        let end = buf.len();
        let start = write_fraction(&mut buf, end, fraction);
        out.put_ascii(buf.get(start..).unwrap_or(&[]));
        if quoted {
            out.put_ascii(b"\"");
        }
        return;
    };
    // quote, sign, 11 whole digits at most (u64::MAX / 10^9), point, 9 fraction
    // digits, quote
    let mut buf = [b'0'; 32];
    let mut end = buf.len();
    if quoted {
        end = end.wrapping_sub(1);
        if let Some(slot) = buf.get_mut(end) {
            *slot = b'"';
        }
    }
    let mut start = write_fraction(&mut buf, end, small % 1_000_000_000);
    start = digits_u64(&mut buf, start, small / 1_000_000_000);
    if raw < 0 {
        start = start.wrapping_sub(1);
        if let Some(slot) = buf.get_mut(start) {
            *slot = b'-';
        }
    }
    if quoted {
        start = start.wrapping_sub(1);
        if let Some(slot) = buf.get_mut(start) {
            *slot = b'"';
        }
    }
    out.put_ascii(buf.get(start..end.wrapping_add(usize::from(quoted))).unwrap_or(&[]));
}

/// `.ddd` of a fraction in units of 10^-9 (trailing zeros dropped, nothing for 0),
/// right-aligned at `end`; the index of the point. `buf` is pre-filled with '0'.
fn write_fraction(buf: &mut [u8], end: usize, fraction: u64) -> usize {
    if fraction == 0 {
        return end;
    }
    // Drop the trailing zeros (0..=8 of them) in steps of 8, or 4, 2 and 1.
    let (mut rest, mut width) = (fraction, 9usize);
    if rest % 100_000_000 == 0 {
        (rest, width) = (rest / 100_000_000, 1);
    } else {
        if rest % 10_000 == 0 {
            (rest, width) = (rest / 10_000, width.wrapping_sub(4));
        }
        if rest % 100 == 0 {
            (rest, width) = (rest / 100, width.wrapping_sub(2));
        }
        if rest % 10 == 0 {
            (rest, width) = (rest / 10, width.wrapping_sub(1));
        }
    }
    // the leading zeros of the fraction are the buffer's '0' fill
    digits_u64(buf, end, rest);
    let point = end.wrapping_sub(width).wrapping_sub(1);
    if let Some(slot) = buf.get_mut(point) {
        *slot = b'.';
    }
    point
}

/// Decimal digits of an unsigned integer, without the formatting machinery.
pub fn write_unsigned<S: TextSink + ?Sized>(out: &mut S, value: u128) {
    if let Ok(small) = u64::try_from(value) {
        let mut buf = [b'0'; 20];
        let end = buf.len();
        let start = digits_u64(&mut buf, end, small);
        out.put_ascii(buf.get(start..).unwrap_or(&[]));
        return;
    }
    let mut buffer = [b'0'; 39];
    let mut start = buffer.len();
    let mut rest = value;
    loop {
        start = start.saturating_sub(1);
        let digit = u64::try_from(rest.checked_rem(10).unwrap_or(0)).unwrap_or(0);
        rest = rest.checked_div(10).unwrap_or(0);
        if let Some(slot) = buffer.get_mut(start) {
            *slot = b'0'.wrapping_add(u8::try_from(digit).unwrap_or(0));
        }
        if rest == 0 || start == 0 {
            break;
        }
    }
    out.put_ascii(buffer.get(start..).unwrap_or(&[]));
}

pub fn add(a: Raw, b: Raw) -> NumResult {
    a.checked_add(b).ok_or(NumError::Overflow)
}

pub fn sub(a: Raw, b: Raw) -> NumResult {
    a.checked_sub(b).ok_or(NumError::Overflow)
}

pub fn neg(a: Raw) -> NumResult {
    a.checked_neg().ok_or(NumError::Overflow)
}

/// Integer quotient rounded half-to-even, symmetric for negatives (Rust's `/`
/// truncates, Python's `//` floors; neither is the rule).
pub fn div_half_even(numerator: Raw, denominator: Raw) -> NumResult {
    if denominator == 0 {
        return Err(NumError::Overflow);
    }
    let negative = (numerator < 0) != (denominator < 0);
    let n = numerator.unsigned_abs();
    let d = denominator.unsigned_abs();
    let mut quotient = n.checked_div(d).ok_or(NumError::Overflow)?;
    let remainder = n.checked_rem(d).ok_or(NumError::Overflow)?;
    // remainder < d <= 2^127, so twice the remainder fits in a u128
    let twice = remainder.checked_mul(2).ok_or(NumError::Overflow)?;
    if twice > d || (twice == d && quotient % 2 == 1) {
        quotient = quotient.checked_add(1).ok_or(NumError::Overflow)?;
    }
    to_signed(negative, quotient)
}

/// The unrounded product of two raws (scale 10^18), checked.
pub fn mul_exact(a: Raw, b: Raw) -> NumResult {
    a.checked_mul(b).ok_or(NumError::Overflow)
}

/// `a x b` in fixed point: checked raw product, then one half-even division.
pub fn mul(a: Raw, b: Raw) -> NumResult {
    div_half_even(mul_exact(a, b)?, SCALE)
}

/// `a / b` in fixed point: `a x 10^9` (checked) over `b`, half-even.
pub fn div(a: Raw, b: Raw) -> NumResult {
    div_half_even(a.checked_mul(SCALE).ok_or(NumError::Overflow)?, b)
}

/// `|a| x b`, exact and checked, where `|a|` may be 2^127 (Python's `abs()` of
/// `i128::MIN` is an unbounded int, so `abs(a) * b` can still fit: for b = 0 or -1).
pub fn abs_mul_exact(a: Raw, b: Raw) -> NumResult {
    let magnitude = a.unsigned_abs().checked_mul(b.unsigned_abs()).ok_or(NumError::Overflow)?;
    to_signed(b < 0 && magnitude != 0, magnitude)
}

/// `|a| x b` in fixed point (half-even), with `|a|` exact as in `abs_mul_exact`.
pub fn abs_mul(a: Raw, b: Raw) -> NumResult {
    div_half_even(abs_mul_exact(a, b)?, SCALE)
}

/// `numerator / |denominator|` rounded half-even, where `|denominator|` may be 2^127.
pub fn div_half_even_by_abs(numerator: Raw, denominator: Raw) -> NumResult {
    if denominator == 0 {
        return Err(NumError::Overflow);
    }
    let n = numerator.unsigned_abs();
    let d = denominator.unsigned_abs();
    let mut quotient = n.checked_div(d).ok_or(NumError::Overflow)?;
    let remainder = n.checked_rem(d).ok_or(NumError::Overflow)?;
    let twice = remainder.checked_mul(2).ok_or(NumError::Overflow)?;
    if twice > d || (twice == d && quotient % 2 == 1) {
        quotient = quotient.checked_add(1).ok_or(NumError::Overflow)?;
    }
    to_signed(numerator < 0, quotient)
}

/// `-a - b`, exact and checked, where `-a` may be 2^127 (Python negates unbounded).
pub fn neg_sub(a: Raw, b: Raw) -> NumResult {
    match a.checked_neg() {
        Some(negated) => negated.checked_sub(b).ok_or(NumError::Overflow),
        // a == i128::MIN: 2^127 - b fits exactly when b >= 1
        None if b >= 1 => Raw::MAX.checked_sub(b.checked_sub(1).ok_or(NumError::Overflow)?).ok_or(NumError::Overflow),
        None => Err(NumError::Overflow),
    }
}

/// An exact sum of raws, range-checked once at the end: the order of the terms never
/// decides whether it overflows (D-250).
#[derive(Debug, Clone, Copy, Default)]
pub struct ExactSum {
    value: Raw,
    /// The true sum is `value + wraps x 2^128`.
    wraps: i64,
}

impl ExactSum {
    pub fn add(&mut self, term: Raw) {
        let (value, wrapped) = self.value.overflowing_add(term);
        if wrapped {
            self.wraps = if term > 0 { self.wraps.saturating_add(1) } else { self.wraps.saturating_sub(1) };
        }
        self.value = value;
    }

    pub fn total(self) -> NumResult {
        if self.wraps == 0 {
            Ok(self.value)
        } else {
            Err(NumError::Overflow)
        }
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    /// 70368744177664.125, exactly representable and exactly between two shortest
    /// strings (written as a quotient: the literal trips `excessive_precision`).
    const TIE: f64 = 562_949_953_421_313.0 / 8.0;

    #[test]
    fn parses_and_rounds_half_even() {
        assert_eq!(parse_decimal_str("1"), Ok(1_000_000_000));
        assert_eq!(parse_decimal_str("-2.5"), Ok(-2_500_000_000));
        assert_eq!(parse_decimal_str("0.0000000005"), Ok(0));
        assert_eq!(parse_decimal_str("0.0000000015"), Ok(2));
        assert_eq!(parse_decimal_str("-0.0000000025"), Ok(-2));
        assert_eq!(parse_decimal_str("2.5e-9"), Ok(2));
        assert_eq!(parse_decimal_str("1e30"), Err(NumError::Overflow));
        assert_eq!(parse_decimal_str("1e-99999999999999999999999"), Ok(0));
        assert_eq!(parse_decimal_str("1e99999999999999999999999"), Err(NumError::Overflow));
        assert_eq!(parse_decimal_str("0e99999999999999999999999"), Ok(0));
        for bad in ["", " 1", "1 ", ".5", "5.", "0x10", "1e", "--1", "١", "NaN", "inf"] {
            assert_eq!(parse_decimal_str(bad), Err(NumError::Invalid), "{bad:?}");
        }
    }

    #[test]
    fn decimal_fast_path_equals_the_general_path() {
        for text in [
            "0", "-0", "1", "-1", "12.5", "0.000000001", "-0.1", "999999999999999999", "99999999.9999999999",
            "123456789.123456789", "1234567890.123456789", "00012.5000", "1.", ".5", "-", "", "1..2", "1.2.3",
            "+1", "1e3", "12a", "-.5", "5-", "0.0000000015", "1234567890123456789", "٣",
        ] {
            let general = split(text).map_or(Err(NumError::Invalid), |_| {
                // force the general path by adding an exponent of zero when the text allows it
                let with_exponent = format!("{text}e0");
                parse_decimal_str(&with_exponent)
            });
            let expected = if text.is_empty() || text.contains(['e', 'E']) { parse_decimal_str(text) } else { general };
            assert_eq!(parse_decimal_str(text), expected, "{text:?}");
        }
        let mut state: u64 = 0x1234_5678_9ABC_DEF1;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let whole = state % 1_000_000_000_000;
            let frac_len = (state >> 40) % 11;
            let frac = (state >> 20) % 10u64.pow(frac_len as u32);
            let sign = if state & 1 == 0 { "" } else { "-" };
            let text = if frac_len == 0 {
                format!("{sign}{whole}")
            } else {
                format!("{sign}{whole}.{frac:0width$}", width = frac_len as usize)
            };
            assert_eq!(parse_decimal_str(&text), parse_decimal_str(&format!("{text}e0")), "{text}");
        }
    }

    /// The canonical text by the definition: integer part, then the fraction with
    /// its trailing zeros dropped (plain u128 arithmetic, one digit at a time).
    fn reference_text(raw: Raw) -> String {
        let magnitude = raw.unsigned_abs();
        let (whole, fraction) = (magnitude / SCALE_U, magnitude % SCALE_U);
        let sign = if raw < 0 { "-" } else { "" };
        if fraction == 0 {
            return format!("{sign}{whole}");
        }
        let digits = format!("{fraction:09}");
        format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
    }

    #[test]
    fn decimal_writer_matches_the_definition() {
        let mut cases: Vec<Raw> = vec![
            0, 1, -1, 9, 10, 99, 100, 999_999_999, 1_000_000_000, 1_000_000_001, 100_000_000, 10_000_000,
            Raw::from(u64::MAX), -Raw::from(u64::MAX), Raw::from(u64::MAX) + 1, -Raw::from(u64::MAX) - 1,
            Raw::MAX, Raw::MIN, Raw::MIN + 1,
        ];
        // every count of trailing zeros, every digit position
        for zeros in 0..9u32 {
            for lead in [1i128, 7, 12, 123_456_789] {
                let fraction = (lead * 10i128.pow(zeros)) % 1_000_000_000;
                cases.extend([fraction, -fraction, 42 * SCALE + fraction, -(99_999 * SCALE + fraction)]);
            }
        }
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..100_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let raw = Raw::from(state >> (state % 64)) * if state & 1 == 0 { 1 } else { -1 };
            cases.push(raw);
            cases.push(raw.wrapping_mul(Raw::from(state)));
        }
        for raw in cases {
            let expected = reference_text(raw);
            assert_eq!(format_decimal(raw), expected, "{raw}");
            let mut quoted = Vec::new();
            write_decimal_quoted(&mut quoted, raw);
            assert_eq!(quoted, format!("\"{expected}\"").into_bytes(), "{raw}");
            let mut whole = String::new();
            write_unsigned(&mut whole, raw.unsigned_abs());
            assert_eq!(whole, raw.unsigned_abs().to_string());
        }
    }

    #[test]
    fn i128_bounds_are_exact() {
        assert_eq!(parse_decimal_str("-170141183460469231731687303715.884105728"), Ok(Raw::MIN));
        assert_eq!(parse_decimal_str("170141183460469231731687303715.884105727"), Ok(Raw::MAX));
        assert_eq!(parse_decimal_str("170141183460469231731687303715.884105728"), Err(NumError::Overflow));
        assert_eq!(format_decimal(Raw::MIN), "-170141183460469231731687303715.884105728");
    }

    #[test]
    fn floats_use_shortest_digits() {
        assert_eq!(parse_f64(0.1), Ok(100_000_000));
        assert_eq!(parse_f64(-0.0), Ok(0));
        assert_eq!(parse_f64(f64::NAN), Err(NumError::Invalid));
        assert_eq!(parse_f64(1e-20), Ok(0));
        // An exact tie between two shortest strings: Python's repr keeps the even one.
        assert_eq!(parse_f64(TIE), Ok(70_368_744_177_664_120_000_000));
        assert_eq!(shortest_sci(TIE), "7.036874417766412e13");
    }

    #[test]
    fn arithmetic_is_checked() {
        assert_eq!(add(Raw::MAX, 1), Err(NumError::Overflow));
        assert_eq!(sub(Raw::MIN, 1), Err(NumError::Overflow));
        assert_eq!(neg(Raw::MIN), Err(NumError::Overflow));
        assert_eq!(mul(Raw::MAX, 2 * SCALE), Err(NumError::Overflow));
        assert_eq!(mul(3, SCALE / 2), Ok(2)); // 1.5 -> 2
        assert_eq!(mul(1, SCALE / 2), Ok(0)); // 0.5 -> 0
        assert_eq!(div(Raw::MAX, 1), Err(NumError::Overflow));
        assert_eq!(div(SCALE, 0), Err(NumError::Overflow));
        assert_eq!(div(SCALE, 3 * SCALE), Ok(333_333_333));
        assert_eq!(div(2 * SCALE, 3 * SCALE), Ok(666_666_667));
        assert_eq!(div_half_even(Raw::MIN, -1), Err(NumError::Overflow));
    }

    #[test]
    fn float_fast_path_equals_the_digit_path() {
        // A small deterministic generator (no rand crate): xorshift over bit patterns and
        // over decimal-looking values, the shapes prices and amounts take.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut checked = 0u32;
        for _ in 0..400_000 {
            let bits = next();
            let candidates = [
                f64::from_bits(bits),
                (bits % 10_000_000_000) as f64 / 1e4,
                (bits % 1_000_000_000_000) as f64 / 1e9,
                -((bits % 100_000_000) as f64) / 1e8,
                (bits % 8_388_608) as f64 + 0.5,
                ((bits % 1_000_000) as f64) * 1e-12,
            ];
            for value in candidates {
                if value.is_finite() {
                    assert_eq!(parse_f64(value), parse_f64_digits(value), "{value:e}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 2_000_000);
        for value in [8_388_607.999_999_999, 0.000_000_000_5, 0.000_000_001_5, -2.5e-9, 1e-9, 5e-324] {
            assert_eq!(parse_f64(value), parse_f64_digits(value), "{value:e}");
        }
    }

    #[test]
    fn float_ties_go_to_even_like_python_repr() {
        // 1305718358474017.25 is exactly halfway between two 17-digit candidates;
        // Python's repr (and ryu) print ...17.2, std's `{:e}` prints ...17.3.
        const TIE: f64 = 1_305_718_358_474_017.0 + 0.25;
        assert_eq!(parse_f64(TIE), Ok(1_305_718_358_474_017_200_000_000));
        assert_eq!(shortest_sci(TIE), "1.3057183584740172e15");
        assert_eq!(shortest_sci(123.0), "1.23e2");
        assert_eq!(shortest_sci(-0.00012), "-1.2e-4");
        assert_eq!(shortest_sci(1e300), "1e300");
        assert_eq!(shortest_sci(-0.0), "-0e0");
    }

    #[test]
    fn half_even_division_is_symmetric() {
        assert_eq!(div_half_even(-25, 10), Ok(-2));
        assert_eq!(div_half_even(-35, 10), Ok(-4));
        assert_eq!(div_half_even(25, 10), Ok(2));
        assert_eq!(div_half_even(35, -10), Ok(-4));
        assert_eq!(div_half_even(1, 0), Err(NumError::Overflow));
        assert_eq!(format_decimal(-1_500_000_000), "-1.5");
        assert_eq!(format_decimal(0), "0");
        assert_eq!(format_decimal(100_000_000), "0.1");
        assert_eq!(format_decimal(Raw::MAX), "170141183460469231731687303715.884105727");
        assert_eq!(format_decimal(18_446_744_073_709_551_616), "18446744073.709551616");
        assert_eq!(format_decimal(18_446_744_073_709_551_615), "18446744073.709551615");
        assert_eq!(format_decimal(-1), "-0.000000001");
        assert_eq!(format_decimal(10_000_000_000), "10");
    }

    #[test]
    fn unbounded_python_intermediates_are_exact() {
        assert_eq!(abs_mul_exact(Raw::MIN, 0), Ok(0));
        assert_eq!(abs_mul_exact(Raw::MIN, -1), Ok(Raw::MIN));
        assert_eq!(abs_mul_exact(Raw::MIN, 1), Err(NumError::Overflow));
        assert_eq!(abs_mul_exact(-3, 4), Ok(12));
        assert_eq!(abs_mul_exact(-3, -4), Ok(-12));
        assert_eq!(abs_mul(-2 * SCALE, 1_500_000_000), Ok(3 * SCALE));
        assert_eq!(div_half_even_by_abs(-25, -10), Ok(-2));
        assert_eq!(div_half_even_by_abs(35, -10), Ok(4));
        assert_eq!(div_half_even_by_abs(Raw::MIN, Raw::MIN), Ok(-1));
        assert_eq!(div_half_even_by_abs(1, 0), Err(NumError::Overflow));
        assert_eq!(neg_sub(Raw::MIN, 1), Ok(Raw::MAX));
        assert_eq!(neg_sub(Raw::MIN, 0), Err(NumError::Overflow));
        assert_eq!(neg_sub(Raw::MAX, 1), Ok(Raw::MIN));
        assert_eq!(neg_sub(5, -2), Ok(-3));
    }

    #[test]
    fn exact_sum_ignores_term_order() {
        let mut sum = ExactSum::default();
        for term in [Raw::MAX, 1, -2] {
            sum.add(term);
        }
        assert_eq!(sum.total(), Ok(Raw::MAX - 1));
        let mut sum = ExactSum::default();
        for term in [Raw::MAX, 1] {
            sum.add(term);
        }
        assert_eq!(sum.total(), Err(NumError::Overflow));
        let mut sum = ExactSum::default();
        for term in [Raw::MIN, -1, 1] {
            sum.add(term);
        }
        assert_eq!(sum.total(), Ok(Raw::MIN));
    }
}
