"""A seeded synthetic bar generator (a random walk with OHLC bars), for tests and demos.

``SyntheticData(seed=7, bars=1000, start_price=100.0, volatility=0.01, ...)`` yields the
same bars for the same parameters on every machine and Python version: it draws from
``random.Random(seed)`` (Mersenne Twister, whose sequence is fixed) and works in integer
ticks of ``10 ** -decimals``. Each bar: the open moves from the previous close by up to
``gap`` (relative), the close from the open by a Gaussian step of ``volatility`` whose
mean is ``drift`` plus a pull of ``reversion`` times the log distance back to the start
price (so a long series keeps wandering around its start instead of decaying towards
zero, as a pure multiplicative random walk does), and high and low extend beyond open
and close by up to ``wick``; prices stay at or above one tick.

``bars=None`` never ends (a stand-in for a live feed, e.g. a paper runtime): load it bar
by bar (``runonce=False``), since preloading it would not return.
"""

from __future__ import annotations

import itertools
import math
import random
from datetime import datetime
from typing import Iterator

from cracktrader.feeds.datafeed import DataFeed, Row, to_ms
from cracktrader.strategy.timeframe import TimeFrame, timeframe_ms

DEFAULT_START = datetime(2020, 1, 1)


def synthetic_rows(
    seed: int,
    bars: int | None,
    *,
    start: int,
    step_ms: int,
    start_price: float = 100.0,
    volatility: float = 0.002,
    drift: float = 0.0,
    reversion: float = 1e-3,
    gap: float = 0.0005,
    wick: float = 0.001,
    decimals: int = 2,
    volume: float = 1000.0,
) -> Iterator[Row]:
    """The rows of ``SyntheticData`` (usable without a feed, e.g. by benchmarks).

    Prices are generated as integer ticks (``10 ** -decimals``) and divided once, so
    each price is the float nearest its decimal value (``123.45``, never
    ``123.45000000000002``) and the generation needs no decimal rounding per value.
    ``bars=None`` yields rows forever.
    """
    rng = random.Random(seed)
    uniform01, gauss, log = rng.random, rng.gauss, math.log
    scale = 10**decimals
    ticks = max(round(start_price * scale), 1)
    anchor = log(ticks)
    time = start
    for _ in (range(bars) if bars is not None else itertools.count()):
        open_ = max(round(ticks * (1.0 + gap * (2.0 * uniform01() - 1.0))), 1)
        pull = drift + reversion * (anchor - log(open_))
        close = max(round(open_ * (1.0 + gauss(pull, volatility))), 1)
        top, bottom = (open_, close) if open_ >= close else (close, open_)
        high = round(top * (1.0 + wick * uniform01()))
        low = max(round(bottom * (1.0 - wick * uniform01())), 1)
        vol = round(volume * 100.0 * (0.5 + uniform01())) / 100
        yield (time, open_ / scale, high / scale, low / scale, close / scale, vol, 0.0)
        ticks = close
        time += step_ms


class SyntheticData(DataFeed):
    """Seeded synthetic OHLCV bars (see the module docstring)."""

    params = (
        ("seed", 0),
        ("bars", 1000),
        ("start", DEFAULT_START),
        ("start_price", 100.0),
        ("volatility", 0.002),
        ("drift", 0.0),
        ("reversion", 1e-3),
        ("gap", 0.0005),
        ("wick", 0.001),
        ("decimals", 2),
        ("volume", 1000.0),
        ("timeframe", TimeFrame.Minutes),
    )

    def _rows(self) -> Iterator[Row]:
        p = self.p
        step = p.timeframe_ms or timeframe_ms(p.timeframe, p.compression)
        return synthetic_rows(
            p.seed,
            p.bars,
            start=to_ms(p.start),
            step_ms=step,
            start_price=p.start_price,
            volatility=p.volatility,
            drift=p.drift,
            reversion=p.reversion,
            gap=p.gap,
            wick=p.wick,
            decimals=p.decimals,
            volume=p.volume,
        )
