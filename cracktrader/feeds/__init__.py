"""Feed acceleration: trades -> candles, the reorder buffer and payload parsing.

One bridge contract, two implementations (the Python reference in this package, the
Rust backend in ``cracktrader._native``), identical byte for byte in canonical JSON:

- ``aggregate_trade_bucket(state, trades, timeframe_ms)``
- ``sort_reorder_buffer(candles)``
- ``normalize_trade_payload(payload, dialect="ccxt", counters=None)``
- ``normalize_ohlcv_payload(row, dialect="ccxt", counters=None)``
- batch entry points: ``parse_trades_json`` / ``trades_from_columns`` /
  ``trades_from_dicts`` (-> a trade batch), ``parse_ohlcv_json`` /
  ``ohlcv_from_columns`` / ``ohlcv_from_rows`` (-> candles)
- ``TradeAggregator(timeframe_ms)``: the stateful form (component protocol D-020)

``bridge(feed_backend)`` returns the callables of one backend;
``build_trade_aggregator(timeframe_ms, feed_backend=...)`` builds an aggregator.
See docs/feeds.md.

Data feeds for strategies (``ct.feeds``, Backtrader style) live here too and are
imported lazily: ``GenericCSVData``, ``InMemoryData``, ``PandasData``,
``SyntheticData``, ``CCXTOHLCVData`` and their base ``DataFeed`` (docs/strategies.md).
"""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from typing import Any

from cracktrader.feeds.backend import FeedSelection, select_feed_backend

CONTRACT = (
    "aggregate_trade_bucket",
    "sort_reorder_buffer",
    "normalize_trade_payload",
    "normalize_ohlcv_payload",
    "parse_trades_json",
    "trades_from_columns",
    "trades_from_dicts",
    "parse_ohlcv_json",
    "ohlcv_from_columns",
    "ohlcv_from_rows",
    "TradeAggregator",
    "describe_dialects",
    "feed_codes",
)


def python_bridge() -> SimpleNamespace:
    """The Python reference implementation of the bridge contract."""
    from cracktrader.feeds import aggregate, codes, dialects, ohlcv, reorder, trades

    return SimpleNamespace(
        name="python",
        aggregate_trade_bucket=aggregate.aggregate_trade_bucket,
        sort_reorder_buffer=reorder.sort_reorder_buffer,
        normalize_trade_payload=trades.normalize_trade_payload,
        normalize_ohlcv_payload=ohlcv.normalize_ohlcv_payload,
        parse_trades_json=trades.parse_trades_json,
        trades_from_columns=trades.trades_from_columns,
        trades_from_dicts=trades.trades_from_dicts,
        parse_ohlcv_json=ohlcv.parse_ohlcv_json,
        ohlcv_from_columns=ohlcv.ohlcv_from_columns,
        ohlcv_from_rows=ohlcv.ohlcv_from_rows,
        TradeAggregator=aggregate.TradeAggregator,
        describe_dialects=dialects.describe_dialects,
        feed_codes=codes.feed_codes,
    )


def rust_bridge() -> SimpleNamespace:
    """The Rust implementation (``BackendUnavailable`` when the extension is missing)."""
    from cracktrader import backend as core_backend

    native = core_backend.native()
    core_backend.native_component("FeedTradeAggregator")  # a clear error for a stale build
    return SimpleNamespace(
        name="rust",
        aggregate_trade_bucket=native.feed_aggregate_trade_bucket,
        sort_reorder_buffer=native.feed_sort_reorder_buffer,
        normalize_trade_payload=native.feed_normalize_trade_payload,
        normalize_ohlcv_payload=native.feed_normalize_ohlcv_payload,
        parse_trades_json=native.feed_parse_trades_json,
        trades_from_columns=native.feed_trades_from_columns,
        trades_from_dicts=native.feed_trades_from_dicts,
        parse_ohlcv_json=native.feed_parse_ohlcv_json,
        ohlcv_from_columns=native.feed_ohlcv_from_columns,
        ohlcv_from_rows=native.feed_ohlcv_from_rows,
        TradeAggregator=native.FeedTradeAggregator,
        describe_dialects=native.feed_describe_dialects,
        feed_codes=lambda: tuple(native.feed_codes()),
    )


def bridge(feed_backend: str | None = None) -> SimpleNamespace:
    """The bridge of the selected backend (Rust falls back to Python, see D-206).

    The returned namespace carries ``selection`` (a ``FeedSelection``).
    """
    selection = select_feed_backend(feed_backend)
    chosen = rust_bridge() if selection.effective == "rust" else python_bridge()
    chosen.selection = selection
    return chosen


def build_trade_aggregator(timeframe_ms: int, feed_backend: str | None = None) -> Any:
    """A ``TradeAggregator`` of the selected backend; ``.backend`` says which one runs."""
    return bridge(feed_backend).TradeAggregator(timeframe_ms)


# Strategy data feeds, imported on first use so the accelerators stay cheap to import.
_LAZY = {
    "DataFeed": "cracktrader.feeds.datafeed",
    "DataBase": "cracktrader.feeds.datafeed",
    "GenericCSVData": "cracktrader.feeds.csvdata",
    "InMemoryData": "cracktrader.feeds.memory",
    "PandasData": "cracktrader.feeds.memory",
    "SyntheticData": "cracktrader.feeds.synthetic",
    "CCXTOHLCVData": "cracktrader.feeds.ccxtdata",
}
_ALIASES = {"DataBase": "DataFeed"}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'cracktrader.feeds' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), _ALIASES.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "CONTRACT",
    "FeedSelection",
    "bridge",
    "build_trade_aggregator",
    "python_bridge",
    "rust_bridge",
    "select_feed_backend",
    *sorted(_LAZY),
]
