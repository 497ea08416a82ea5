"""Fixed-point decimals: ``raw = value x 10**9`` held in exactly the i128 range.

This module is the Python twin of ``cracktrader_rust/src/engine/numbers.rs``; both must
agree on every input (tests/unit/test_numbers_parity.py checks a generated corpus).

Rules (docs/numbers.md):
- accepted inputs: int (never bool), finite float (through its shortest round-trip
  digits, i.e. ``repr``), and ASCII strings ``[+-]?digits[.digits]([eE][+-]?digits)?``;
- more than 9 fractional digits round half-to-even;
- anything outside ``[-2**127, 2**127 - 1]`` raw is ``numeric_overflow``;
- products and quotients round half-to-even once, symmetric for negatives.

The string parser works on digit strings, never on a big int built from the whole
input, so a 10 MB digit string or an exponent of a billion costs linear time, not
memory blow-up (and Python's int-from-str digit limit never triggers).
"""

from __future__ import annotations

import math
import re

from cracktrader.engine.errors import InvalidNumber, InvalidPayload, NumericOverflow
from cracktrader.engine.strict_json import BigInt, is_valid_unicode

SCALE = 10**9
FRACTION_DIGITS = 9
RAW_MIN = -(2**127)
RAW_MAX = 2**127 - 1
# RAW_MAX has 39 decimal digits: a magnitude with more digits cannot fit.
_MAX_DIGITS = 39
# Exponents are bounded long before they could matter; anything with more digits is
# "huge" (overflow when positive, zero when negative) without being converted.
_MAX_EXPONENT_DIGITS = 18

_DECIMAL_RE = re.compile(r"([+-]?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?)([0-9]+))?")


def check_raw(raw: int) -> int:
    """Return ``raw`` if it lies in the i128 range, else raise ``NumericOverflow``."""
    if raw < RAW_MIN or raw > RAW_MAX:
        raise NumericOverflow("value outside the i128 fixed-point range")
    return raw


def parse_decimal(value: object) -> int:
    """Parse a JSON-ish number (int, float or string) into a raw fixed-point int.

    Raises ``InvalidNumber`` (NaN, infinities, booleans, malformed strings),
    ``NumericOverflow`` (out of range) or ``InvalidPayload`` (not a number type at all,
    e.g. ``None``, a list or a dict).
    """
    kind = type(value)
    # Exact-type fast paths first: this runs for every decimal field of every input.
    if kind is str:
        return parse_decimal_str(value)  # type: ignore[arg-type]
    if kind is int:
        return _parse_int(value)  # type: ignore[arg-type]
    if kind is float:
        return parse_float(value)  # type: ignore[arg-type]
    if kind is bool:  # a Python bool is an int; it is never a number here
        raise InvalidNumber("a boolean is not a number")
    if kind is BigInt:  # an integer token too long to read (D-005)
        raise NumericOverflow("integer outside the i128 fixed-point range")
    # Exact built-in types only (docs/decisions.md D-007): subclasses are refused the
    # same way the Rust binding refuses them.
    raise InvalidPayload(f"expected a number or a decimal string, got {kind.__name__}")


def _parse_int(value: int) -> int:
    if value.bit_length() > 128:
        raise NumericOverflow("integer outside the i128 fixed-point range")
    return check_raw(value * SCALE)


def parse_float(value: float) -> int:
    """A finite float goes through its shortest round-trip digits (``repr``)."""
    if not math.isfinite(value):
        raise InvalidNumber("NaN and infinities are not numbers")
    return parse_decimal_str(repr(value))


def parse_decimal_str(text: str) -> int:
    match = _DECIMAL_RE.fullmatch(text)
    if match is None:
        if not is_valid_unicode(text):  # D-007: Rust can never hold this string
            raise InvalidPayload("a string with a lone surrogate")
        raise InvalidNumber("not a decimal string of the form [+-]digits[.digits][e[+-]digits]")
    sign, int_part, frac_part, exp_sign, exp_digits = match.groups()
    frac_part = frac_part or ""
    digits = (int_part + frac_part).lstrip("0")
    if not digits:
        return 0
    negative = sign == "-"
    # value = int(digits) x 10**shift, in raw units (x 10**9 already applied)
    exponent = _parse_exponent(exp_sign, exp_digits)
    if exponent is None:  # an exponent too long to matter
        if exp_sign == "-":
            return 0
        raise NumericOverflow("exponent too large")
    shift = exponent - len(frac_part) + FRACTION_DIGITS
    magnitude = _scale_digits(digits, shift)
    if negative:
        return check_raw(-magnitude)
    return check_raw(magnitude)


def _parse_exponent(exp_sign: str | None, exp_digits: str | None) -> int | None:
    if exp_digits is None:
        return 0
    stripped = exp_digits.lstrip("0")
    if len(stripped) > _MAX_EXPONENT_DIGITS:
        return None
    value = int(stripped or "0")
    return -value if exp_sign == "-" else value


def _scale_digits(digits: str, shift: int) -> int:
    """``int(digits) x 10**shift`` rounded half-to-even, without a huge int."""
    length = len(digits)
    if shift >= 0:
        if length + shift > _MAX_DIGITS:
            raise NumericOverflow("value outside the i128 fixed-point range")
        return int(digits) * 10**shift
    dropped = -shift
    if dropped > length:
        return 0  # below half of the smallest unit: rounds to zero
    kept = length - dropped
    if kept > _MAX_DIGITS:
        raise NumericOverflow("value outside the i128 fixed-point range")
    quotient = int(digits[:kept]) if kept else 0
    first_dropped = digits[kept]
    if first_dropped > "5":
        return quotient + 1
    if first_dropped == "5":
        rest_nonzero = digits[kept + 1 :].strip("0") != ""
        if rest_nonzero or quotient % 2 == 1:
            return quotient + 1
    return quotient


def format_decimal(raw: int) -> str:
    """Canonical text: minimal digits, no exponent, no trailing zeros, never ``-0``."""
    if raw < 0:
        return "-" + format_decimal(-raw)
    whole, fraction = divmod(raw, SCALE)
    if fraction == 0:
        return str(whole)
    return f"{whole}.{fraction:09d}".rstrip("0")


def from_int(value: int) -> int:
    return check_raw(value * SCALE)


def add(a: int, b: int) -> int:
    return check_raw(a + b)


def sub(a: int, b: int) -> int:
    return check_raw(a - b)


def neg(a: int) -> int:
    return check_raw(-a)


def div_half_even(numerator: int, denominator: int) -> int:
    """Integer quotient rounded half-to-even, symmetric for negatives.

    Python's ``//`` floors and Rust's ``/`` truncates; neither is the rule. Only the
    result is range-checked: callers check their own inputs.
    """
    if denominator == 0:  # never reached by the core; kept total for direct callers
        raise NumericOverflow("division by zero in fixed-point arithmetic")
    negative = (numerator < 0) != (denominator < 0)
    quotient, remainder = divmod(abs(numerator), abs(denominator))
    twice = 2 * remainder
    if twice > abs(denominator) or (twice == abs(denominator) and quotient % 2 == 1):
        quotient += 1
    return check_raw(-quotient if negative else quotient)


def mul_exact(a: int, b: int) -> int:
    """The unrounded product of two raws (scale 10**18), itself checked against i128."""
    return check_raw(a * b)


def mul(a: int, b: int) -> int:
    """``a x b`` in fixed point: checked raw product, then one half-even division."""
    return div_half_even(mul_exact(a, b), SCALE)


def div(a: int, b: int) -> int:
    """``a / b`` in fixed point: ``a x 10**9`` (checked) over ``b``, half-even."""
    return div_half_even(check_raw(a * SCALE), b)
