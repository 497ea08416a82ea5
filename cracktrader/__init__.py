"""cracktrader: a deterministic trading engine.

Python strategies on top; a deterministic core that exists twice (the Python reference
backend and the Rust backend in ``cracktrader._native``), kept identical by the
``parity`` differential-testing package. See README.md and docs/architecture.md.

The strategy layer is reached through lazy attributes, so ``import cracktrader`` stays
cheap: ``ct.Strategy``, ``ct.Cerebro``, ``ct.CracktraderEngine``, ``ct.Order``,
``ct.indicators`` (alias ``ct.ind``), ``ct.analyzers``, ``ct.feeds``, ``ct.sizers``,
``ct.TimeFrame`` (see docs/strategies.md); so are the sessions: ``ct.Store``,
``ct.Feed``, ``ct.Broker(mode=...)``, ``ct.exchange``, ``ct.ExchangeSession``,
``ct.EXCHANGE_REGISTRY``, ``ct.register_exchange`` (see docs/sessions.md).
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("cracktrader")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"

from cracktrader.backend import BACKENDS, default_backend, rust_available  # noqa: E402

# name -> (module, attribute or None for the module itself)
_LAZY: dict[str, tuple[str, str | None]] = {
    "Strategy": ("cracktrader.strategy.strategy", "Strategy"),
    "Cerebro": ("cracktrader.strategy.cerebro", "Cerebro"),
    "CracktraderEngine": ("cracktrader.strategy.engine", "CracktraderEngine"),
    "RunResult": ("cracktrader.strategy.engine", "RunResult"),
    "Broker": ("cracktrader.strategy.broker", "Broker"),
    "Order": ("cracktrader.strategy.order", "Order"),
    "Position": ("cracktrader.strategy.position", "Position"),
    "Trade": ("cracktrader.strategy.trade", "Trade"),
    "TimeFrame": ("cracktrader.strategy.timeframe", "TimeFrame"),
    "Indicator": ("cracktrader.indicators.base", "Indicator"),
    "Analyzer": ("cracktrader.analyzers.base", "Analyzer"),
    "Sizer": ("cracktrader.strategy.sizers", "Sizer"),
    "BackendUnavailable": ("cracktrader.engine.errors", "BackendUnavailable"),
    "CracktraderError": ("cracktrader.engine.errors", "CracktraderError"),
    "indicators": ("cracktrader.indicators", None),
    "ind": ("cracktrader.indicators", None),
    "analyzers": ("cracktrader.analyzers", None),
    "feeds": ("cracktrader.feeds", None),
    "sizers": ("cracktrader.strategy.sizers", None),
    "BacktestBroker": ("cracktrader.strategy.broker", "BacktestBroker"),
    "PaperBroker": ("cracktrader.sessions.brokers", "PaperBroker"),
    "LiveBroker": ("cracktrader.sessions.live", "LiveBroker"),
    "LiveFeed": ("cracktrader.sessions.livefeed", "LiveFeed"),
    "Store": ("cracktrader.sessions.store", "Store"),
    "Feed": ("cracktrader.sessions.factories", "Feed"),
    "exchange": ("cracktrader.sessions.session", "exchange"),
    "ExchangeSession": ("cracktrader.sessions.session", "ExchangeSession"),
    "EXCHANGE_REGISTRY": ("cracktrader.sessions.registry", "EXCHANGE_REGISTRY"),
    "register_exchange": ("cracktrader.sessions.registry", "register_exchange"),
    "sessions": ("cracktrader.sessions", None),
}


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'cracktrader' has no attribute {name!r}")
    module = importlib.import_module(target[0])
    value = module if target[1] is None else getattr(module, target[1])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = ["BACKENDS", "default_backend", "rust_available", "__version__", *sorted(_LAZY)]
