"""The deterministic core and its factories.

Every factory takes ``backend=`` (``"python"`` by default, ``"rust"`` opt-in, or the
``CRACKTRADER_BACKEND`` environment variable) and returns an object with the same API
on both backends. See docs/architecture.md for the component protocol.
"""

from __future__ import annotations

from typing import Any

from cracktrader.backend import PYTHON, native_component, resolve_backend


def build_core(backend: str | None = None, config: dict[str, Any] | None = None, **options: Any):
    """A deterministic core (state machine, accounting, matching, snapshots)."""
    if resolve_backend(backend) == PYTHON:
        from cracktrader.engine.core import Core

        return Core(config, **options)
    return native_component("Core")(config, **options)


def build_sequencer(backend: str | None = None, **options: Any):
    """A sequencer: stable total order and strictly increasing seq_id."""
    if resolve_backend(backend) == PYTHON:
        from cracktrader.engine.sequencer import Sequencer

        return Sequencer(**options)
    return native_component("Sequencer")(**options)


def build_invariant_checker(backend: str | None = None, **options: Any):
    """An invariant checker run after every committed step."""
    if resolve_backend(backend) == PYTHON:
        from cracktrader.engine.invariants import InvariantChecker

        return InvariantChecker(**options)
    return native_component("InvariantChecker")(**options)


def build_event_normalizer(backend: str | None = None, **options: Any):
    """An event normalizer: venue payloads -> engine_event envelopes or rejections."""
    if resolve_backend(backend) == PYTHON:
        from cracktrader.engine.normalizer import EventNormalizer

        return EventNormalizer(**options)
    return native_component("EventNormalizer")(**options)


__all__ = ["build_core", "build_sequencer", "build_invariant_checker", "build_event_normalizer"]
