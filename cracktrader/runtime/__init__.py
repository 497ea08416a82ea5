"""Managed runtimes: one strategy each, run in its own worker process, watched by the
daemon through a stream of runtime events (docs/runtime.md).

Modules: ``vocabulary`` (families, statuses, commands), ``events`` (the event shape and
its validation), ``sink`` (worker -> daemon), ``synthetic`` (seeded bars),
``strategy_api`` (the interface of runtime strategies until the strategy layer lands),
``core_driver`` and ``translate`` (a strategy on the deterministic core, results ->
events), ``loader`` (``module:Class`` from allowed paths only), ``strategy_adapter`` (the
one seam to the strategy layer), ``worker`` (the worker process), ``host`` (the daemon
side: spawning, ingesting, sequencing, control).
"""

from __future__ import annotations

from cracktrader.runtime.strategy_api import RuntimeStrategy, StrategyContext

__all__ = ["RuntimeStrategy", "StrategyContext"]
