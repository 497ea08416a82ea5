"""Helpers shared by the strategy-layer tests (imported by name, not through conftest)."""

from __future__ import annotations

import math
from typing import Any

import cracktrader as ct
from cracktrader.feeds.synthetic import synthetic_rows

START_MS = 1_600_000_000_000 // 86_400_000 * 86_400_000  # a midnight (UTC)


def rust_core_available() -> bool:
    """True when ``build_core(backend="rust")`` works in this build."""
    from cracktrader.backend import rust_available
    from cracktrader.engine import build_core
    from cracktrader.engine.errors import BackendUnavailable

    if not rust_available():
        return False
    try:
        build_core(backend="rust")
    except BackendUnavailable:
        return False
    return True


# Livelier than the feed's defaults, so short series trade often.
LIVELY = {"volatility": 0.01, "gap": 0.002, "wick": 0.004, "reversion": 0.005}


def rows(seed: int, bars: int = 1500, step_ms: int = 60_000, **kwargs: Any) -> list[tuple]:
    """Seeded synthetic bars as rows."""
    return list(synthetic_rows(seed, bars, start=START_MS, step_ms=step_ms, **{**LIVELY, **kwargs}))


def run_ct(strategy_cls, data_rows, *, backend: str = "python", cash: float = 10000.0, commission: float = 0.0,
           timeframe: int = ct.TimeFrame.Minutes, analyzers=(), sizer=None, runonce: bool = True, **params):
    """Run ``strategy_cls`` in cracktrader; returns (strategy, cerebro)."""
    cerebro = ct.Cerebro(engine_backend=backend, runonce=runonce, preload=runonce)
    cerebro.adddata(ct.feeds.InMemoryData(dataname=list(data_rows), timeframe=timeframe))
    cerebro.broker.setcash(cash)
    if commission:
        cerebro.broker.setcommission(commission=commission)
    if sizer is not None:
        cerebro.addsizer(sizer[0], **sizer[1])
    for cls, kwargs in analyzers:
        cerebro.addanalyzer(cls, **kwargs)
    cerebro.addstrategy(strategy_cls, **params)
    return cerebro.run()[0], cerebro


def close_enough(a: Any, b: Any, tol: float = 1e-6) -> bool:
    """Equal, or floats within ``tol`` (relative above 1), recursively for tuples/lists."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(close_enough(x, y, tol) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            if math.isnan(a) or math.isnan(b):
                return math.isnan(a) and math.isnan(b)
            return abs(a - b) <= tol * max(1.0, abs(a), abs(b))
        return False
    return a == b


def first_difference(a: list, b: list, tol: float = 1e-6) -> str | None:
    """A description of the first differing item of two logs (None when equal)."""
    for index, (x, y) in enumerate(zip(a, b)):
        if not close_enough(x, y, tol):
            return f"item {index}: backtrader {x!r} != cracktrader {y!r}"
    if len(a) != len(b):
        return f"lengths differ: {len(a)} vs {len(b)}"
    return None
