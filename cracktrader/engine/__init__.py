"""The deterministic core and its factories.

Every factory takes ``backend=`` (``"python"`` by default, ``"rust"`` opt-in, or the
``CRACKTRADER_BACKEND`` environment variable) and returns an object with the same API
on both backends. See docs/architecture.md for the component protocol.
"""

from __future__ import annotations

from typing import Any

# Imported as a module, not by name: `cracktrader.backend` imports
# `cracktrader.engine.errors`, which runs this file first, so the names are looked up
# at call time, when both modules are complete.
import cracktrader.backend as _backend


def build_core(
    backend: str | None = None,
    config: dict[str, Any] | None = None,
    *,
    check_invariants: bool | str | None = None,
    **options: Any,
):
    """A deterministic core (state machine, accounting, matching, snapshots).

    ``check_invariants``: ``"raise"`` (or True) / ``"record"`` wraps the core so an
    invariant checker of the same backend sees every step (``engine/checked.py``,
    D-330); None (the default) follows ``CRACKTRADER_CHECK_INVARIANTS``, itself off
    when unset; False is off whatever the environment says.
    """
    from cracktrader.engine.checked import resolve_mode

    mode = resolve_mode(check_invariants)
    if _backend.resolve_backend(backend) == _backend.PYTHON:
        from cracktrader.engine.core import Core

        core = Core(config, **options)
    else:
        core = _backend.native_component("Core")(config, **options)
    if mode is None:
        return core
    from cracktrader.engine.checked import CheckedCore

    return CheckedCore(core, build_invariant_checker(backend, config=config), mode)


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
