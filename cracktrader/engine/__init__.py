"""The deterministic core and its factories.

Every factory takes ``backend=`` (``"python"`` by default, ``"rust"`` opt-in, or the
``CRACKTRADER_BACKEND`` environment variable) and returns an object with the same API
on both backends. See docs/architecture.md for the component protocol.
"""

from __future__ import annotations

from typing import Any

# Imported as a module, not by name: ``cracktrader.backend`` imports
# ``cracktrader.engine.errors``, which runs this file while backend is half-initialized.
from cracktrader import backend as _backend


def build_core(backend: str | None = None, config: dict[str, Any] | None = None, **options: Any):
    """A deterministic core (state machine, accounting, matching, snapshots)."""
    if _backend.resolve_backend(backend) == _backend.PYTHON:
        from cracktrader.engine.core import Core

        return Core(config, **options)
    return _backend.native_component("Core")(config, **options)


def build_sequencer(backend: str | None = None, **options: Any):
    """A sequencer: stable total order and strictly increasing seq_id."""
    if _backend.resolve_backend(backend) == _backend.PYTHON:
        from cracktrader.engine.sequencer import Sequencer

        return Sequencer(**options)
    return _backend.native_component("Sequencer")(**options)


def build_invariant_checker(backend: str | None = None, **options: Any):
    """An invariant checker run after every committed step."""
    if _backend.resolve_backend(backend) == _backend.PYTHON:
        from cracktrader.engine.invariants import InvariantChecker

        return InvariantChecker(**options)
    return _backend.native_component("InvariantChecker")(**options)


def build_event_normalizer(backend: str | None = None, **options: Any):
    """An event normalizer: venue payloads -> engine_event envelopes or rejections."""
    if _backend.resolve_backend(backend) == _backend.PYTHON:
        from cracktrader.engine.normalizer import EventNormalizer

        return EventNormalizer(**options)
    return _backend.native_component("EventNormalizer")(**options)


__all__ = ["build_core", "build_sequencer", "build_invariant_checker", "build_event_normalizer"]
