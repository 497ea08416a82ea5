"""Exchange layouts: where the fields of a trade or OHLCV row sit in a payload (D-201).

A *layout* says how one item is read (an object by keys, or a row by positions), which
unit its timestamp is in, and how a *frame* (one websocket message or REST body, as raw
JSON) holds its items. The tables below are the reference; the Rust twin
(``cracktrader_rust/src/feeds/dialects.rs``) holds the same tables and a test compares
``describe_dialects()`` on both backends.

Frame roots:
- ``array``: the frame is a JSON array of items;
- ``array_or_object``: an array of items, or a single object item;
- ``path``: the array sits under nested object keys (bitstamp ``data.ohlc``);
- ``kraken``: ``{"error": [...], "result": {PAIR: [items], "last": ...}}``; a non-empty
  ``error`` list is counted as ``exchange_error``; every array under ``result`` except
  the key ``last`` holds items, in key order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from cracktrader.engine.errors import InvalidConfig
from cracktrader.feeds import codes
from cracktrader.feeds.fields import Reject

Key = Union[str, int]
_BUY_SELL = {"buy": "buy", "sell": "sell"}


@dataclass(frozen=True)
class TradeLayout:
    """Where a trade's fields sit in one item of a dialect."""

    name: str
    root: str
    root_path: tuple[str, ...]
    item: str  # "object" (keys) or "row" (positions)
    timestamp: Key
    timestamp_unit: str  # "ms" or "s"
    price: Key
    amount: Key
    side: Key | None
    side_map: dict[str, str]
    trade_id: Key | None


@dataclass(frozen=True)
class OhlcvLayout:
    """Where a candle's fields sit in one item of a dialect."""

    name: str
    root: str
    root_path: tuple[str, ...]
    item: str
    timestamp: Key
    timestamp_unit: str
    open: Key
    high: Key
    low: Key
    close: Key
    volume: Key
    trade_count: Key | None


TRADE_LAYOUTS: dict[str, TradeLayout] = {
    # CCXT unified trades (fetch_trades / watch_trades results, or their JSON).
    "ccxt": TradeLayout("ccxt", "array_or_object", (), "object", "timestamp", "ms",
                        "price", "amount", "side", _BUY_SELL, "id"),
    # GET /api/v2/transactions/{pair}/: seconds as strings, type "0" buy / "1" sell.
    "bitstamp": TradeLayout("bitstamp", "array", (), "object", "date", "s",
                            "price", "amount", "type", {"0": "buy", "1": "sell"}, "tid"),
    # GET /v1/trades/{symbol}: timestampms, type buy/sell.
    "gemini": TradeLayout("gemini", "array", (), "object", "timestampms", "ms",
                          "price", "amount", "type", _BUY_SELL, "tid"),
    # GET /0/public/Trades: rows [price, volume, time_s, b|s, m|l, misc, trade_id, ...].
    "kraken": TradeLayout("kraken", "kraken", (), "row", 2, "s", 0, 1, 3,
                          {"b": "buy", "s": "sell"}, 6),
    # GET /v2/{market}/trades: objects with ms timestamps.
    "bitvavo": TradeLayout("bitvavo", "array", (), "object", "timestamp", "ms",
                           "price", "amount", "side", _BUY_SELL, "id"),
}

_CCXT_ROWS = dict(root="array", root_path=(), item="row", timestamp=0, timestamp_unit="ms",
                  open=1, high=2, low=3, close=4, volume=5, trade_count=None)
OHLCV_LAYOUTS: dict[str, OhlcvLayout] = {
    # CCXT unified rows [ts_ms, o, h, l, c, v]; bitvavo and gemini send the same rows
    # (bitvavo with string numbers, newest first).
    "ccxt": OhlcvLayout("ccxt", **_CCXT_ROWS),
    "bitvavo": OhlcvLayout("bitvavo", **_CCXT_ROWS),
    "gemini": OhlcvLayout("gemini", **_CCXT_ROWS),
    # GET /api/v2/ohlc/{pair}/: {"data": {"ohlc": [{timestamp (s), open, ...}]}}.
    "bitstamp": OhlcvLayout("bitstamp", "path", ("data", "ohlc"), "object", "timestamp", "s",
                            "open", "high", "low", "close", "volume", None),
    # GET /0/public/OHLC: rows [time_s, o, h, l, c, vwap, volume, count].
    "kraken": OhlcvLayout("kraken", "kraken", (), "row", 0, "s", 1, 2, 3, 4, 6, 7),
}


def trade_layout(dialect: str) -> TradeLayout:
    """The trade layout of ``dialect``; an unknown name is ``InvalidConfig``."""
    layout = TRADE_LAYOUTS.get(dialect) if isinstance(dialect, str) else None
    if layout is None:
        raise InvalidConfig(
            f"unknown trade dialect {dialect!r}; known: {', '.join(sorted(TRADE_LAYOUTS))}"
        )
    return layout


def ohlcv_layout(dialect: str) -> OhlcvLayout:
    """The OHLCV layout of ``dialect``; an unknown name is ``InvalidConfig``."""
    layout = OHLCV_LAYOUTS.get(dialect) if isinstance(dialect, str) else None
    if layout is None:
        raise InvalidConfig(
            f"unknown ohlcv dialect {dialect!r}; known: {', '.join(sorted(OHLCV_LAYOUTS))}"
        )
    return layout


def frame_items(value: Any, root: str, root_path: tuple[str, ...] = ()) -> list[Any]:
    """The items of one parsed frame, or ``Reject`` (``invalid_frame``/``exchange_error``)."""
    if root == "array":
        if isinstance(value, list):
            return value
        raise Reject(codes.INVALID_FRAME)
    if root == "array_or_object":
        if isinstance(value, list):
            return value
        if isinstance(value, dict):
            return [value]
        raise Reject(codes.INVALID_FRAME)
    if root == "path":
        node = value
        for key in root_path:
            if not isinstance(node, dict) or key not in node:
                raise Reject(codes.INVALID_FRAME)
            node = node[key]
        if isinstance(node, list):
            return node
        raise Reject(codes.INVALID_FRAME)
    # kraken
    if not isinstance(value, dict):
        raise Reject(codes.INVALID_FRAME)
    error = value.get("error")
    if error is not None:
        if not isinstance(error, list):
            raise Reject(codes.INVALID_FRAME)
        if error:
            raise Reject(codes.EXCHANGE_ERROR)
    result = value.get("result")
    if not isinstance(result, dict):
        raise Reject(codes.INVALID_FRAME)
    items: list[Any] = []
    for key, entry in result.items():
        if key != "last" and isinstance(entry, list):
            items.extend(entry)
    return items


def _describe(layout: Any) -> dict[str, Any]:
    out = dict(layout.__dict__)
    out["root_path"] = list(out["root_path"])
    if "side_map" in out:
        out["side_map"] = dict(sorted(out["side_map"].items()))
    return out


def describe_dialects() -> dict[str, Any]:
    """Both layout tables as plain JSON-able dicts (compared with the Rust tables)."""
    return {
        "trades": {name: _describe(layout) for name, layout in sorted(TRADE_LAYOUTS.items())},
        "ohlcv": {name: _describe(layout) for name, layout in sorted(OHLCV_LAYOUTS.items())},
    }
