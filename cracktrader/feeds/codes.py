"""Feed counter codes: why a tick, row or frame was dropped (docs/feeds.md).

The closed list lives in ``cracktrader/schemas/codes.json`` (``feed_code``), generated
by ``tools/write_schemas.py``; the Rust twin ``cracktrader_rust/src/feeds/codes.rs``
holds the same list and a test proves both agree. Counters are plain dicts
``{code: count}`` holding only non-zero entries, so their canonical JSON is stable.
"""

from __future__ import annotations

import json
from importlib import resources

TRADE_OUT_OF_ORDER_DROPPED = "trade_out_of_order_dropped"
TRADE_DUPLICATE_DROPPED = "trade_duplicate_dropped"
VOLUME_OVERFLOW_DROPPED = "volume_overflow_dropped"
MISSING_FIELD = "missing_field"
INVALID_NUMBER = "invalid_number"
NUMERIC_OVERFLOW = "numeric_overflow"
INVALID_TIMESTAMP = "invalid_timestamp"
INVALID_SIDE = "invalid_side"
INVALID_TRADE_ID = "invalid_trade_id"
NOT_AN_OBJECT = "not_an_object"
NOT_A_ROW = "not_a_row"
INVALID_JSON = "invalid_json"
INVALID_FRAME = "invalid_frame"
EXCHANGE_ERROR = "exchange_error"
DUPLICATE_CANDLE_REPLACED = "duplicate_candle_replaced"


def feed_codes() -> tuple[str, ...]:
    """The closed list of feed counter codes, in schema order."""
    text = resources.files("cracktrader.schemas").joinpath("codes.json").read_text("utf-8")
    return tuple(json.loads(text)["$defs"]["feed_code"]["enum"])


def bump(counters: dict[str, int], code: str, count: int = 1) -> None:
    """Add ``count`` to ``counters[code]``."""
    counters[code] = counters.get(code, 0) + count


def merge(into: dict[str, int], other: dict[str, int]) -> None:
    """Add every counter of ``other`` into ``into``."""
    for code, count in other.items():
        if count:
            into[code] = into.get(code, 0) + count


def sorted_counters(counters: dict[str, int]) -> dict[str, int]:
    """Non-zero counters with keys in code-point order (the canonical layout)."""
    return {code: counters[code] for code in sorted(counters) if counters[code]}
