"""Seeded synthetic bars: the data source of runtimes until the strategy layer's feeds
(CSV, CCXT, its own synthetic generator) are wired in through the adapter.

The same seed, symbols and timeframe give the same bars on every machine: a
``random.Random(seed)`` random walk, prices rounded to cents and written as decimal
strings, each bar consistent (low <= open, close <= high; D-012).
"""

from __future__ import annotations

import random
from typing import Any, Iterator, Sequence

TIMEFRAMES_MS = {
    "1m": 60_000,
    "5m": 300_000,
    "15m": 900_000,
    "1h": 3_600_000,
    "4h": 14_400_000,
    "1d": 86_400_000,
}
DEFAULT_START_TIME = 1_700_000_000_000


def _cents(value: float) -> str:
    return f"{value:.2f}"


def synthetic_bars(
    symbols: Sequence[str],
    *,
    timeframe_ms: int,
    seed: int,
    bars: int | None,
    start_price: float = 100.0,
    start_time: int = DEFAULT_START_TIME,
    volatility: float = 0.01,
) -> Iterator[list[dict[str, Any]]]:
    """Lists of bars, one list per timestamp (one bar per symbol, in symbol order).

    ``bars=None`` never ends (paper mode runs until it is stopped).
    """
    rng = random.Random(seed)
    prices = {symbol: start_price * (1 + 0.5 * index) for index, symbol in enumerate(symbols)}
    time = start_time
    count = 0
    while bars is None or count < bars:
        step = []
        for symbol in symbols:
            open_ = max(prices[symbol], 0.05)
            close = max(open_ * (1 + rng.gauss(0.0, volatility)), 0.05)
            high = max(open_, close) * (1 + abs(rng.gauss(0.0, volatility / 2)))
            low = min(open_, close) * (1 - abs(rng.gauss(0.0, volatility / 2)))
            prices[symbol] = close
            o, h, l, c = _cents(open_), _cents(high), _cents(max(low, 0.01)), _cents(close)
            # Rounding may break the bar's consistency by a cent; widen high/low to fit.
            h = max(h, o, c, key=float)
            l = min(l, o, c, key=float)
            step.append(
                {
                    "instrument": symbol,
                    "time": time,
                    "open": o,
                    "high": h,
                    "low": l,
                    "close": c,
                    "volume": _cents(rng.uniform(1, 50)),
                    "timeframe_ms": timeframe_ms,
                }
            )
        yield step
        count += 1
        time += timeframe_ms
