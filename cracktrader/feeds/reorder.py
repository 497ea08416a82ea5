"""The reorder buffer: candles sorted by timestamp, duplicates resolved (D-205).

``sort_reorder_buffer(candles)`` returns ``{"sorted", "out_of_order_count",
"duplicates_replaced"}``:

- the sort is stable by ``timestamp``;
- duplicates (equal timestamps) keep the *last arrival*: venues resend the still-forming
  candle, and the later copy is the more complete one; each dropped earlier copy counts
  in ``duplicates_replaced`` (the ``duplicate_candle_replaced`` counter);
- ``out_of_order_count`` counts arrivals whose timestamp is below the largest timestamp
  seen before them (a duplicate can be out of order too; both are counted).

Candles are returned as the same objects, untouched. A candle that is not a dict with
an integer ``timestamp`` in [0, 2^63) is misuse (``InvalidPayload``): candles come from
the normalizers. The Rust twin is ``cracktrader_rust/src/feeds/reorder.rs``.
"""

from __future__ import annotations

from typing import Any

from cracktrader.engine.errors import InvalidPayload
from cracktrader.feeds.fields import TS_LIMIT


def _timestamp(candle: Any, index: int) -> int:
    if isinstance(candle, dict):
        value = candle.get("timestamp")
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < TS_LIMIT:
            return value
    raise InvalidPayload(f"candle {index} must be a dict with an integer timestamp in [0, 2^63)")


def sort_reorder_buffer(candles: Any) -> dict[str, Any]:
    """Sort candles by timestamp, keep the last arrival per timestamp, count disorder."""
    if not isinstance(candles, (list, tuple)):
        raise InvalidPayload(f"candles must be a list, not {type(candles).__name__}")
    timestamps = [_timestamp(candle, index) for index, candle in enumerate(candles)]
    out_of_order = 0
    highest = -1
    last_index: dict[int, int] = {}
    for index, ts in enumerate(timestamps):
        if ts < highest:
            out_of_order += 1
        elif ts > highest:
            highest = ts
        last_index[ts] = index
    order = sorted(last_index.items())
    return {
        "sorted": [candles[index] for _ts, index in order],
        "out_of_order_count": out_of_order,
        "duplicates_replaced": len(candles) - len(order),
    }
