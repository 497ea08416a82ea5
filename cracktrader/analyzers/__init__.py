"""Analyzers (``ct.analyzers``), Backtrader style: attach with ``Cerebro.addanalyzer``
and read ``strategy.analyzers.<name>.get_analysis()`` after the run.

- ``Returns``: total, average and annualised log returns
- ``DrawDown``: current and maximum drawdown and its length
- ``TradeAnalyzer``: closed-trade statistics (won/lost, PnL, streaks, lengths)
- ``SharpeRatio`` / ``SharpeRatio_A``: Sharpe ratio of period returns
- ``TimeReturn``: simple returns per period
- ``Analyzer``, ``TimeFrameAnalyzerBase``: base classes for your own
"""

from __future__ import annotations

from cracktrader.analyzers.base import AnalysisDict, Analyzer, TimeFrameAnalyzerBase
from cracktrader.analyzers.drawdown import DrawDown
from cracktrader.analyzers.returns import Returns, TimeReturn
from cracktrader.analyzers.sharpe import SharpeRatio, SharpeRatio_A
from cracktrader.analyzers.tradeanalyzer import TradeAnalyzer

__all__ = [
    "AnalysisDict",
    "Analyzer",
    "DrawDown",
    "Returns",
    "SharpeRatio",
    "SharpeRatio_A",
    "TimeFrameAnalyzerBase",
    "TimeReturn",
    "TradeAnalyzer",
]
