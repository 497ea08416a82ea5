"""Strict RFC 8259 JSON reading, shared by ``apply_jsonl``, fixtures and checkpoints.

Refused (``InvalidPayload``): invalid UTF-8, ``NaN``/``Infinity`` tokens, duplicate
keys, lone surrogates in strings, nesting deeper than ``MAX_DEPTH``, and anything the
grammar rejects. Integers are read exactly (never through a float); a float token is a
Python float, exactly as the Rust reader produces an f64 from the same token, so the
number layer then treats both the same way. The Rust twin is
``cracktrader_rust/src/engine/strict_json.rs``.
"""

from __future__ import annotations

import json
from typing import Any

from cracktrader.engine.errors import InvalidPayload

MAX_DEPTH = 32
# Integers longer than this cannot be a valid anything in the engine (i128 has 39
# digits); they are kept as an opaque marker so Python's int-from-str digit limit can
# never raise, and every consumer refuses them the same way the Rust reader does.
_MAX_INT_DIGITS = 60


class BigInt:
    """An integer token too long to be meaningful; numbers treat it as an overflow."""

    __slots__ = ("negative",)

    def __init__(self, negative: bool) -> None:
        self.negative = negative

    def __repr__(self) -> str:
        return f"BigInt(negative={self.negative})"


class _Refused(Exception):
    pass


def _refuse_constant(token: str) -> Any:
    raise _Refused(f"{token} is not JSON")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _Refused("duplicate key")
    return result


def _parse_int(token: str) -> Any:
    if len(token) > _MAX_INT_DIGITS:
        return BigInt(token.startswith("-"))
    return int(token)


_DECODER = json.JSONDecoder(
    object_pairs_hook=_pairs, parse_constant=_refuse_constant, parse_int=_parse_int
)


def loads(data: bytes | str) -> Any:
    """Parse one JSON document strictly, or raise ``InvalidPayload``."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidPayload("invalid UTF-8") from exc
    else:
        text = data
    # A document cannot nest deeper than its count of openers; only walk when needed.
    needs_depth_check = text.count("[") + text.count("{") > MAX_DEPTH
    try:
        value = _DECODER.decode(text)
    except (ValueError, _Refused, RecursionError) as exc:
        raise InvalidPayload(f"not strict JSON: {exc}") from None
    if needs_depth_check and _too_deep(value):
        raise InvalidPayload(f"nesting deeper than {MAX_DEPTH}")
    if _has_lone_surrogate_text(text) and _contains_lone_surrogate(value):
        raise InvalidPayload("string with a lone surrogate")
    return value


def _too_deep(value: Any) -> bool:
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            if depth + 1 > MAX_DEPTH:
                return True
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            if depth + 1 > MAX_DEPTH:
                return True
            stack.extend((child, depth + 1) for child in item)
    return False


def _has_lone_surrogate_text(text: str) -> bool:
    # Surrogates can only come from \uD8xx-style escapes (decoded UTF-8 cannot hold
    # them) or from a str handed in directly; a cheap pre-filter keeps the walk rare.
    return "\\u" in text or "\\U" in text or not text.isascii()


def _contains_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not is_valid_unicode(item):
                return True
        elif isinstance(item, dict):
            for key, child in item.items():
                if not is_valid_unicode(key):
                    return True
                stack.append(child)
        elif isinstance(item, list):
            stack.extend(item)
    return False


def is_valid_unicode(text: str) -> bool:
    """False for a str holding a lone surrogate (which Rust's String cannot hold)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def loads_lines(data: bytes) -> list[Any]:
    """Split JSON lines; each element is a parsed value or the ``InvalidPayload``."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    out: list[Any] = []
    for line in lines:
        try:
            out.append(loads(line))
        except InvalidPayload as exc:
            out.append(exc)
    return out
