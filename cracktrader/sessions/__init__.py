"""Sessions: exchanges, stores, feeds and brokers in backtest, paper, live and sandbox
modes, over CCXT (docs/sessions.md, docs/mode_divergence_ledger.md).

Public entry points (also reachable as ``ct.Store``, ``ct.Feed``, ``ct.Broker``,
``ct.exchange``, ``ct.ExchangeSession``, ``ct.EXCHANGE_REGISTRY``,
``ct.register_exchange``):

- ``Store(exchange, **kwargs)``: one cached venue connection (``store.py``);
- ``Feed(*, symbol, exchange, store, timeframe, granularity, **kwargs)``: history or
  live bars (``factories.py``, ``livefeed.py``);
- ``Broker(mode, exchange, store, **kwargs)``: the strategy layer's ``Broker`` class,
  whose call on the base class is the mode factory (``factories.make_broker``):
  ``BacktestBroker``, ``PaperBroker`` (``brokers.py``), ``LiveBroker`` (``live.py``);
- ``exchange(name, **options) -> ExchangeSession`` (``session.py``);
- ``EXCHANGE_REGISTRY``, ``register_exchange`` (``registry.py``).

The package is Python-owned (no Rust twin): it moves venue data in and out; the
deterministic work (core, normalizer, aggregation) runs on the chosen backend.
"""

from __future__ import annotations

from cracktrader.sessions.brokers import PaperBroker
from cracktrader.sessions.clock import ManualClock, WallClock
from cracktrader.sessions.factories import MODES, Feed, make_broker
from cracktrader.sessions.live import LiveBroker
from cracktrader.sessions.livefeed import LiveFeed
from cracktrader.sessions.registry import (
    EXCHANGE_REGISTRY,
    ExchangeSpec,
    register_exchange,
    resolve_exchange,
    unregister_exchange,
)
from cracktrader.sessions.session import ExchangeSession, exchange
from cracktrader.sessions.store import Store
from cracktrader.strategy.broker import BacktestBroker, Broker

__all__ = [
    "BacktestBroker", "Broker", "EXCHANGE_REGISTRY", "ExchangeSession", "ExchangeSpec", "Feed", "LiveBroker",
    "LiveFeed", "MODES", "ManualClock", "PaperBroker", "Store", "WallClock", "exchange", "make_broker",
    "register_exchange", "resolve_exchange", "unregister_exchange",
]
