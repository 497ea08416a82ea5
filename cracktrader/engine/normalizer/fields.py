"""Field readers for venue payloads: each one either returns a usable value or raises
``Reject(code, field)``, which ``EventNormalizer.apply`` turns into a rejection outcome.

Twin of ``cracktrader_rust/src/engine/normalizer/fields.rs``. The readers see Python
objects exactly as the Rust binding's converter sees them (``bindings/src/convert.rs``):
a dict whose keys are not all valid ``str``, a ``str`` holding a lone surrogate, or any
non-JSON type is "unrepresentable" there and is refused as ``invalid_payload`` wherever
it is read (D-007). Rules (docs/normalizer.md, D-102, D-103, D-113):

- an absent key and a ``null`` value both mean "not provided" (``missing_field`` when
  the field is required);
- identifiers are strings of 1..128 code points without Cc characters;
- timestamps are integers in ``[0, 2**63)``; a float, string, boolean or big integer is
  ``invalid_timestamp``, an object/array/unrepresentable value ``invalid_payload``;
- decimal fields are only type-checked while reading (number-like or not); they are
  parsed later, all together, so the first ``invalid_number`` wins over any overflow.
"""

from __future__ import annotations

from typing import Any

from cracktrader.engine import numbers
from cracktrader.engine.errors import InvalidNumber, NumericOverflow
from cracktrader.engine.strict_json import BigInt, is_valid_unicode

MAX_ID_LEN = 128
TIME_LIMIT = 2**63  # timestamps and producers lie in [0, 2**63)

INVALID_PAYLOAD = "invalid_payload"
INVALID_NUMBER = "invalid_number"
NUMERIC_OVERFLOW = "numeric_overflow"
MISSING_FIELD = "missing_field"
UNSUPPORTED_PAYLOAD = "unsupported_payload"
INVALID_TIMESTAMP = "invalid_timestamp"

ABSENT = object()  # a key that is not there (distinct from an explicit None)


class Reject(Exception):
    """Internal: one refusal (code + JSON Pointer). Never escapes ``apply``."""

    __slots__ = ("code", "field")

    def __init__(self, code: str, field: str) -> None:
        super().__init__(code)
        self.code = code
        self.field = field


def escape(token: str) -> str:
    """One JSON Pointer reference token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def valid_str(value: Any) -> bool:
    """A ``str`` the Rust side can hold (no lone surrogate)."""
    return isinstance(value, str) and (value.isascii() or is_valid_unicode(value))


def is_object(value: Any) -> bool:
    """A dict that converts to an object in Rust: every key a valid ``str``."""
    if not isinstance(value, dict):
        return False
    for key in value:
        if not valid_str(key):
            return False
    return True


def provided(value: Any) -> bool:
    """Present and not null (both mean "not provided" in venue payloads, D-103)."""
    return value is not ABSENT and value is not None


def need_object(value: Any, field: str) -> dict[str, Any]:
    """A required object field (absent/null -> ``missing_field``)."""
    if not provided(value):
        raise Reject(MISSING_FIELD, field)
    if not is_object(value):
        raise Reject(INVALID_PAYLOAD, field)
    return value


def check_keys(obj: dict[str, Any], allowed: frozenset[str], base: str) -> None:
    """Refuse unknown keys: the code-point-smallest one is reported (D-011)."""
    unknown = [key for key in obj if key not in allowed]
    if unknown:
        raise Reject(INVALID_PAYLOAD, f"{base}/{escape(min(unknown))}")


def is_identifier(value: Any) -> bool:
    """1..128 code points, none of category Cc, no lone surrogate (D-007)."""
    if not valid_str(value):
        return False
    if not 1 <= len(value) <= MAX_ID_LEN:
        return False
    if value.isascii() and value.isprintable():  # fast path: no control characters
        return True
    return not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in value)


def identifier(value: Any, field: str, required: bool = True) -> str | None:
    """An identifier field (``missing_field`` when required and not provided)."""
    if not provided(value):
        if required:
            raise Reject(MISSING_FIELD, field)
        return None
    if not is_identifier(value):
        raise Reject(INVALID_PAYLOAD, field)
    return value


def timestamp(value: Any, field: str, required: bool = True) -> int | None:
    """Integer milliseconds in ``[0, 2**63)``; other numbers and strings are
    ``invalid_timestamp``, other shapes ``invalid_payload``."""
    if not provided(value):
        if required:
            raise Reject(MISSING_FIELD, field)
        return None
    if isinstance(value, bool) or isinstance(value, (float, BigInt)):
        raise Reject(INVALID_TIMESTAMP, field)
    if isinstance(value, int):
        if 0 <= value < TIME_LIMIT:
            return int(value)
        raise Reject(INVALID_TIMESTAMP, field)
    if valid_str(value):
        raise Reject(INVALID_TIMESTAMP, field)
    raise Reject(INVALID_PAYLOAD, field)


def int_field(value: Any, field: str, minimum: int, required: bool = True) -> int | None:
    """An integer configuration field (``producer``, ``timeframe_ms``), D-006."""
    if not provided(value):
        if required:
            raise Reject(MISSING_FIELD, field)
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value < TIME_LIMIT:
        raise Reject(INVALID_PAYLOAD, field)
    return int(value)


def choice(value: Any, field: str, allowed: tuple[str, ...], unknown_code: str) -> str:
    """A required enum string; an unknown but readable string gets ``unknown_code``."""
    if not provided(value):
        raise Reject(MISSING_FIELD, field)
    if not valid_str(value):
        raise Reject(INVALID_PAYLOAD, field)
    if value in allowed:
        return str(value)
    raise Reject(unknown_code, field)


def number_like(value: Any, field: str, required: bool = True) -> Any:
    """Shape check of a decimal field; returns the value (or None when optional)."""
    if not provided(value):
        if required:
            raise Reject(MISSING_FIELD, field)
        return None
    if isinstance(value, str):
        if not valid_str(value):
            raise Reject(INVALID_PAYLOAD, field)
        return value
    if isinstance(value, (int, float, BigInt)):  # bool is an int: refused when parsed
        return value
    raise Reject(INVALID_PAYLOAD, field)


def parse_all(pending: list[tuple[Any, str]]) -> list[int]:
    """Parse number-like values in order: the first ``invalid_number`` wins over any
    ``numeric_overflow`` (D-011 step 2)."""
    out: list[int] = []
    overflow: str | None = None
    for value, field in pending:
        try:
            if isinstance(value, BigInt):
                raise NumericOverflow("big integer")
            out.append(numbers.parse_decimal(value))
        except InvalidNumber:
            raise Reject(INVALID_NUMBER, field) from None
        except NumericOverflow:
            if overflow is None:
                overflow = field
            out.append(0)
    if overflow is not None:
        raise Reject(NUMERIC_OVERFLOW, overflow)
    return out


def quote_currency(instrument: str) -> str | None:
    """The quote of a CCXT symbol ``BASE/QUOTE[:SETTLE[-...]]`` (None without ``/``)."""
    slash = instrument.find("/")
    if slash < 0:
        return None
    rest = instrument[slash + 1 :]
    colon = rest.find(":")
    return rest if colon < 0 else rest[:colon]
