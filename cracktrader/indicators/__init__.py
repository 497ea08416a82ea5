"""Indicators (``ct.indicators``, alias ``ct.ind``) with Backtrader's definitions.

Each module documents its formulas, seeds and first valid bar:

- ``averages``: SMA, EMA, WMA, SMMA
- ``oscillators``: RSI, MACD (MACDHisto), UpDay, DownDay
- ``volatility``: StdDev, BollingerBands, TrueRange, ATR
- ``extremes``: Highest, Lowest
- ``cross``: CrossOver, CrossUp, CrossDown, NonZeroDifference

Backtrader's long names and aliases are provided too (``SimpleMovingAverage``,
``MovingAverageSimple``, ``BBands``, ``AverageTrueRange``, ``MaxN``...). Write your own
by subclassing ``Indicator`` (``lines``, ``params``, and ``next`` and/or ``once``).
"""

from __future__ import annotations

from cracktrader.indicators.averages import EMA, SMA, SMMA, WMA, MovingAverageBase
from cracktrader.indicators.base import Indicator
from cracktrader.indicators.cross import CrossDown, CrossOver, CrossUp, NonZeroDifference
from cracktrader.indicators.extremes import Highest, Lowest
from cracktrader.indicators.ops import BinaryOp, Delay, UnaryOp
from cracktrader.indicators.oscillators import MACD, RSI, DownDay, MACDHisto, UpDay
from cracktrader.indicators.volatility import ATR, BollingerBands, StdDev, TrueRange

# Backtrader's other names for the same indicators
SimpleMovingAverage = MovingAverageSimple = SMA
ExponentialMovingAverage = MovingAverageExponential = EMA
WeightedMovingAverage = MovingAverageWeighted = WMA
SmoothedMovingAverage = MovingAverageSmoothed = WilderMA = SMMA
RelativeStrengthIndex = RSI_SMMA = RSI_Wilder = RSI
MACDHistogram = MACDHisto
BBands = BollingerBands
StandardDeviation = StdDev
AverageTrueRange = ATR
TR = TrueRange
MaxN = Highest
MinN = Lowest
NZD = NonZeroDifference


class MovAv:
    """Backtrader's ``MovAv`` namespace of moving averages."""

    SMA = Simple = SMA
    EMA = Exponential = EMA
    WMA = Weighted = WMA
    SMMA = Smoothed = SMMA


__all__ = [
    "ATR", "AverageTrueRange", "BBands", "BinaryOp", "BollingerBands", "CrossDown", "CrossOver", "CrossUp",
    "Delay", "DownDay", "EMA", "ExponentialMovingAverage", "Highest", "Indicator", "Lowest", "MACD",
    "MACDHisto", "MACDHistogram", "MaxN", "MinN", "MovAv", "MovingAverageBase", "MovingAverageExponential",
    "MovingAverageSimple", "MovingAverageSmoothed", "MovingAverageWeighted", "NZD", "NonZeroDifference", "RSI",
    "RSI_SMMA", "RSI_Wilder", "RelativeStrengthIndex", "SMA", "SMMA", "SimpleMovingAverage",
    "SmoothedMovingAverage", "StandardDeviation", "StdDev", "TR", "TrueRange", "UnaryOp", "UpDay", "WMA",
    "WeightedMovingAverage", "WilderMA",
]
