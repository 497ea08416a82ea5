"""OHLCV rows -> normalized candles (D-202, D-203), one at a time or in batches.

A candle is ``{"timestamp", "open", "high", "low", "close", "volume", "trade_count"}``
(decimals as canonical strings; ``trade_count`` null when the venue does not send it).
The check order (first failure wins):

1. the item's shape (``not_a_row`` / ``not_an_object``);
2. ``missing_field``: timestamp, open, high, low, close, volume absent or null;
3. ``invalid_timestamp``;
4. numbers: any ``invalid_number`` among open, high, low, close, volume and the trade
   count wins over any ``numeric_overflow``; then the domain rules of D-012 (volume
   >= 0, low <= min(open, close), high >= max(open, close)) as ``invalid_number``.

The Rust twin is ``cracktrader_rust/src/feeds/ohlcv.rs``.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from cracktrader.engine import numbers
from cracktrader.feeds import codes
from cracktrader.feeds.dialects import OhlcvLayout, ohlcv_layout
from cracktrader.feeds.fields import Reject, decimal_or_code, read_timestamp, trade_count
from cracktrader.feeds.trades import as_column, frame_list, parse_frame, same_length

Candle = tuple  # (timestamp_ms, open, high, low, close, volume, trade_count | None)


def read_candle(item: Any, layout: OhlcvLayout) -> Candle:
    """One item -> a candle tuple of raws, or ``Reject`` with the first failing code."""
    keys = (layout.timestamp, layout.open, layout.high, layout.low, layout.close, layout.volume)
    if layout.item == "row":
        if not isinstance(item, (list, tuple)):
            raise Reject(codes.NOT_A_ROW)
        size = len(item)
        values = [item[k] if k < size else None for k in keys]  # type: ignore[operator]
        count_key = layout.trade_count
        count_value = item[count_key] if count_key is not None and count_key < size else None  # type: ignore[operator]
    else:
        if not isinstance(item, dict):
            raise Reject(codes.NOT_AN_OBJECT)
        values = [item.get(k) for k in keys]  # type: ignore[call-overload]
        count_value = item.get(layout.trade_count) if layout.trade_count is not None else None  # type: ignore[call-overload]
    return build_candle(values, count_value, layout.timestamp_unit)


def build_candle(values: Sequence[Any], count_value: Any, unit: str) -> Candle:
    """Timestamp, o, h, l, c, v values (and an optional count) -> a candle tuple."""
    for value in values:
        if value is None:
            raise Reject(codes.MISSING_FIELD)
    timestamp = read_timestamp(values[0], unit)
    parsed = [decimal_or_code(value) for value in values[1:]]
    count = trade_count(count_value) if count_value is not None else None
    if codes.INVALID_NUMBER in parsed or count == codes.INVALID_NUMBER:
        raise Reject(codes.INVALID_NUMBER)
    if codes.NUMERIC_OVERFLOW in parsed:
        raise Reject(codes.NUMERIC_OVERFLOW)
    open_, high, low, close, volume = parsed
    if high < low or low > min(open_, close) or high < max(open_, close) or volume < 0:  # type: ignore[operator]
        raise Reject(codes.INVALID_NUMBER)
    return (timestamp, open_, high, low, close, volume, count)


def candle_dict(candle: Candle) -> dict[str, Any]:
    """The compared form of a candle tuple."""
    timestamp, open_, high, low, close, volume, count = candle
    fmt = numbers.format_decimal
    return {
        "timestamp": timestamp,
        "open": fmt(open_),
        "high": fmt(high),
        "low": fmt(low),
        "close": fmt(close),
        "volume": fmt(volume),
        "trade_count": count,
    }


def normalize_ohlcv_payload(
    row: Any, dialect: str = "ccxt", counters: dict[str, int] | None = None
) -> dict[str, Any] | None:
    """One OHLCV row (default: CCXT ``[ts, o, h, l, c, v]``) -> candle dict, or ``None``."""
    try:
        return candle_dict(read_candle(row, ohlcv_layout(dialect)))
    except Reject as reject:
        if counters is not None:
            codes.bump(counters, reject.code)
        return None


def _collect(items: Iterable[Any], layout: OhlcvLayout, candles: list[dict[str, Any]],
             counters: dict[str, int]) -> int:
    seen = 0
    for item in items:
        seen += 1
        try:
            candles.append(candle_dict(read_candle(item, layout)))
        except Reject as reject:
            codes.bump(counters, reject.code)
    return seen


def _result(candles: list[dict[str, Any]], counters: dict[str, int], seen: int) -> dict[str, Any]:
    return {"candles": candles, "counters": codes.sorted_counters(counters), "items_seen": seen}


def ohlcv_from_rows(rows: Iterable[Any], dialect: str = "ccxt") -> dict[str, Any]:
    """A list of rows (or objects, per dialect) -> ``{"candles", "counters", "items_seen"}``."""
    layout = ohlcv_layout(dialect)
    candles: list[dict[str, Any]] = []
    counters: dict[str, int] = {}
    seen = _collect(rows, layout, candles, counters)
    return _result(candles, counters, seen)


def parse_ohlcv_json(frames: Any, dialect: str = "ccxt") -> dict[str, Any]:
    """Raw JSON frames (REST bodies) -> ``{"candles", "counters", "items_seen"}``."""
    layout = ohlcv_layout(dialect)
    candles: list[dict[str, Any]] = []
    counters: dict[str, int] = {}
    seen = 0
    for frame in frame_list(frames):
        items = parse_frame(frame, layout.root, layout.root_path, counters)
        if items is not None:
            seen += _collect(items, layout, candles, counters)
    return _result(candles, counters, seen)


def ohlcv_from_columns(timestamps: Sequence[Any], opens: Sequence[Any], highs: Sequence[Any],
                       lows: Sequence[Any], closes: Sequence[Any], volumes: Sequence[Any],
                       trade_counts: Sequence[Any] | None = None) -> dict[str, Any]:
    """Parallel columns (ms timestamps; floats, ints or decimal strings) -> candles."""
    timestamps = as_column(timestamps, floats=False)
    opens, highs, lows, closes, volumes = (
        as_column(column, floats=True) for column in (opens, highs, lows, closes, volumes)
    )
    count_column = as_column(trade_counts, floats=False) if trade_counts is not None else None
    length = same_length([timestamps, opens, highs, lows, closes, volumes, count_column])
    if count_column is None:
        count_column = [None] * length
    candles: list[dict[str, Any]] = []
    counters: dict[str, int] = {}
    for row in zip(timestamps, opens, highs, lows, closes, volumes, count_column):
        try:
            candles.append(candle_dict(build_candle(row[:6], row[6], "ms")))
        except Reject as reject:
            codes.bump(counters, reject.code)
    return _result(candles, counters, length)
