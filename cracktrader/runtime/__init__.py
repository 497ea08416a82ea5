"""Managed runtimes: one strategy each, run in its own worker process, watched by the
daemon through a stream of runtime events (docs/runtime.md).

Modules: ``vocabulary`` (families, statuses, commands), ``events`` (the event shape and
its validation), ``sink`` (worker -> daemon), ``loader`` (``module:Class`` from allowed
paths only), ``strategy_adapter`` (the one seam to the strategy layer), with the modules
only it uses: ``cerebro_driver`` (``ct.Strategy`` classes on ``ct.Cerebro``),
``strategy_api``, ``core_driver`` and ``synthetic`` (``RuntimeStrategy`` classes on the
core directly), ``follower`` and ``translate`` (core results -> events and the followed
account), ``runner`` (controls, pacing, marks, lifecycle); ``worker`` (the worker
process), ``host`` (the daemon side: spawning, ingesting, sequencing, control).
"""

from __future__ import annotations

from cracktrader.runtime.strategy_api import RuntimeStrategy, StrategyContext

__all__ = ["RuntimeStrategy", "StrategyContext"]
