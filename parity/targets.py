"""Targets: the components parity can drive, and how to build each on a backend.

A target knows how to build its component for a backend token (``python``, ``rust``, or
``python~mutant`` style specs resolved by ``parity.mutants``), whether it has state
(snapshot/restore/state_hash), and which generator feeds it. Every component speaks the
component protocol (docs/decisions.md D-020): ``apply_jsonl(bytes) -> bytes`` is what
lockstep drives, because it is the fully canonical path on both backends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from cracktrader import engine


@dataclass(frozen=True)
class Target:
    name: str
    build: Callable[[str, dict[str, Any]], Any]
    stateful: bool = True
    description: str = ""


def _build_core(backend: str, config: dict[str, Any]) -> Any:
    return engine.build_core(backend=backend, config=config)


def _build_sequencer(backend: str, config: dict[str, Any]) -> Any:
    return engine.build_sequencer(backend=backend, **config)


def _build_invariants(backend: str, config: dict[str, Any]) -> Any:
    return engine.build_invariant_checker(backend=backend, **config)


def _build_normalizer(backend: str, config: dict[str, Any]) -> Any:
    return engine.build_event_normalizer(backend=backend, **config)


def _build_feed(backend: str, config: dict[str, Any]) -> Any:
    # The bridge of exactly this backend: parity never takes the feed track's
    # fall-back-to-python path.
    from cracktrader.feeds import python_bridge, rust_bridge

    bridge = python_bridge() if backend == "python" else rust_bridge()
    return bridge.TradeAggregator(config["timeframe_ms"])


TARGETS: dict[str, Target] = {
    "core": Target("core", _build_core, description="order state machine, accounting, matching"),
    "sequencer": Target("sequencer", _build_sequencer, description="multi-producer ordering and seq_id"),
    "invariants": Target("invariants", _build_invariants, description="the invariant checker"),
    "normalizer": Target("normalizer", _build_normalizer, description="CCXT payloads to engine events"),
    "feed": Target("feed", _build_feed, description="trade-to-candle aggregation"),
}


def register(target: Target) -> None:
    """Add a target (the feed track registers ``feed`` this way)."""
    TARGETS[target.name] = target


def get(name: str) -> Target:
    try:
        return TARGETS[name]
    except KeyError:
        raise KeyError(f"unknown parity target {name!r}; known: {', '.join(sorted(TARGETS))}") from None
