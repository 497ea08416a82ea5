"""Scalar field readers shared by trade and OHLCV normalization (D-202).

Each reader takes one JSON-like value (already known to be present and non-null) and
returns the normalized value or raises ``Reject`` carrying a feed code. The Rust twin is
``cracktrader_rust/src/feeds/fields.rs``; both must give the same value or the same code
for every input, including hostile ones (bools, lone surrogates, huge integers).
"""

from __future__ import annotations

import re

from cracktrader.engine import numbers
from cracktrader.engine.errors import InvalidNumber, InvalidPayload, NumericOverflow
from cracktrader.engine import strict_json
from cracktrader.engine.strict_json import is_valid_unicode
from cracktrader.feeds import codes

# Timestamps are milliseconds in [0, 2^63).
TS_LIMIT = 2**63
I128_MIN = -(2**127)
I128_LIMIT = 2**127
# A digit-string millisecond timestamp longer than this is refused without conversion.
MAX_TS_DIGITS = 32
MAX_ID_LENGTH = 128
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_NANOS_PER_MS = 10**6  # raw seconds (x 10^9) -> milliseconds


class Reject(Exception):
    """A payload is unusable; ``code`` is the feed counter it bumps."""

    __slots__ = ("code",)

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def timestamp_ms(value: object) -> int:
    """A millisecond timestamp: a JSON integer, or a string of ASCII digits."""
    kind = type(value)
    if kind is int:
        if 0 <= value < TS_LIMIT:  # type: ignore[operator]
            return value  # type: ignore[return-value]
        raise Reject(codes.INVALID_TIMESTAMP)
    if kind is str or (isinstance(value, str)):
        text = str(value)
        if 0 < len(text) <= MAX_TS_DIGITS and text.isascii() and text.isdigit():
            parsed = int(text)
            if parsed < TS_LIMIT:
                return parsed
        raise Reject(codes.INVALID_TIMESTAMP)
    if isinstance(value, int) and not isinstance(value, bool):
        return timestamp_ms(int(value))
    raise Reject(codes.INVALID_TIMESTAMP)


def timestamp_seconds(value: object) -> int:
    """Seconds (int, float or decimal string) -> milliseconds, truncated (D-202)."""
    if isinstance(value, bool):
        raise Reject(codes.INVALID_TIMESTAMP)
    try:
        raw = numbers.parse_decimal(value)
    except (InvalidNumber, NumericOverflow, InvalidPayload):
        raise Reject(codes.INVALID_TIMESTAMP) from None
    if raw < 0:
        raise Reject(codes.INVALID_TIMESTAMP)
    millis = raw // _NANOS_PER_MS
    if millis >= TS_LIMIT:
        raise Reject(codes.INVALID_TIMESTAMP)
    return millis


def read_timestamp(value: object, unit: str) -> int:
    """Dispatch on the layout's unit (``"ms"`` or ``"s"``)."""
    if unit == "ms":
        return timestamp_ms(value)
    return timestamp_seconds(value)


def decimal_or_code(value: object) -> int | str:
    """A raw fixed-point decimal, or the feed code saying why it is unusable.

    Returning the code (instead of raising) lets a caller apply the precedence rule:
    the first ``invalid_number`` among its fields wins over any ``numeric_overflow``.
    Wrong types (lists, objects, lone surrogates) are ``invalid_number`` in feeds.
    """
    if isinstance(value, strict_json.BigInt):  # an integer token too long: D-005
        return codes.NUMERIC_OVERFLOW
    try:
        return numbers.parse_decimal(value)
    except NumericOverflow:
        return codes.NUMERIC_OVERFLOW
    except (InvalidNumber, InvalidPayload):
        return codes.INVALID_NUMBER


def side(value: object, mapping: dict[str, str]) -> str | None:
    """The trade side through the layout's mapping; ints are looked up as their text."""
    if value is None:
        return None
    if isinstance(value, str):
        found = mapping.get(str(value))
    elif isinstance(value, int) and not isinstance(value, bool):
        found = mapping.get(str(int(value))) if I128_MIN <= value < I128_LIMIT else None
    else:
        found = None
    if found is None:
        raise Reject(codes.INVALID_SIDE)
    return found


def is_identifier(text: str) -> bool:
    """1 to 128 code points, none of category Cc, no lone surrogate (D-007)."""
    return (
        0 < len(text) <= MAX_ID_LENGTH
        and _CONTROL.search(text) is None
        and is_valid_unicode(text)
    )


def trade_id(value: object) -> str | None:
    """A trade id: an identifier string, or an i128 integer rendered as its text."""
    if value is None:
        return None
    if isinstance(value, str):
        text = str(value)
        if is_identifier(text):
            return text
    elif isinstance(value, int) and not isinstance(value, bool):
        if I128_MIN <= value < I128_LIMIT:
            return str(int(value))
    raise Reject(codes.INVALID_TRADE_ID)


def trade_count(value: object) -> int | str:
    """An OHLCV row's trade count: a JSON integer in [0, 2^63), else ``invalid_number``."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < TS_LIMIT:
        return int(value)
    return codes.INVALID_NUMBER
