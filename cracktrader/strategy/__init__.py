"""The strategy layer: Backtrader's API on the deterministic core.

``Strategy``, ``Cerebro``, ``CracktraderEngine``, ``Broker``, ``Order``, ``Position``,
``Trade``, sizers and ``TimeFrame``. See docs/strategies.md for a Backtrader user's
migration guide.
"""

from __future__ import annotations

from cracktrader.strategy.broker import BackBroker, BacktestBroker, Broker
from cracktrader.strategy.cerebro import Cerebro
from cracktrader.strategy.engine import CoreSession, CracktraderEngine, RunResult
from cracktrader.strategy.lines import Line, LineSeries
from cracktrader.strategy.order import BuyOrder, Order, SellOrder
from cracktrader.strategy.position import Position
from cracktrader.strategy.strategy import Strategy
from cracktrader.strategy.timeframe import TimeFrame
from cracktrader.strategy.trade import Trade

__all__ = [
    "BackBroker", "BacktestBroker", "Broker", "BuyOrder", "Cerebro", "CoreSession", "CracktraderEngine", "Line", "LineSeries",
    "Order", "Position", "RunResult", "SellOrder", "Strategy", "TimeFrame", "Trade",
]
