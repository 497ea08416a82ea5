"""The one JSON encoding the store writes: compact, UTF-8, no NaN, no lone surrogates."""

from __future__ import annotations

import json
from typing import Any


def dumps(value: Any) -> str:
    """Compact JSON text; raises ``ValueError`` for NaN/infinity and for lone surrogates.

    A lone surrogate would make SQLite's UTF-8 encoding fail later, inside a
    transaction; refusing it here keeps that failure at the caller's input check.
    """
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    text.encode("utf-8")  # UnicodeEncodeError (a ValueError) on a lone surrogate
    return text


def loads(text: str | bytes) -> Any:
    return json.loads(text)
