"""The deterministic core and its factories.

Every factory takes ``backend=`` (``"python"`` by default, ``"rust"`` opt-in, or the
``CRACKTRADER_BACKEND`` environment variable) and returns an object with the same API
on both backends. See docs/architecture.md for the component protocol.
"""

from __future__ import annotations

from typing import Any


def _is_python(backend: str | None) -> bool:
    # Imported here: cracktrader.backend imports cracktrader.engine.errors, so a
    # module-level import would be circular.
    from cracktrader.backend import PYTHON, resolve_backend

    return resolve_backend(backend) == PYTHON


def _native(name: str):
    from cracktrader.backend import native_component

    return native_component(name)


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
    if _is_python(backend):
        from cracktrader.engine.core import Core

        core = Core(config, **options)
    else:
        core = _native("Core")(config, **options)
    if mode is None:
        return core
    from cracktrader.engine.checked import CheckedCore

    return CheckedCore(core, build_invariant_checker(backend, config=config), mode)


def build_sequencer(backend: str | None = None, **options: Any):
    """A sequencer: stable total order and strictly increasing seq_id."""
    if _is_python(backend):
        from cracktrader.engine.sequencer import Sequencer

        return Sequencer(**options)
    return _native("Sequencer")(**options)


def build_invariant_checker(backend: str | None = None, **options: Any):
    """An invariant checker run after every committed step."""
    if _is_python(backend):
        from cracktrader.engine.invariants import InvariantChecker

        return InvariantChecker(**options)
    return _native("InvariantChecker")(**options)


def build_event_normalizer(backend: str | None = None, **options: Any):
    """An event normalizer: venue payloads -> engine_event envelopes or rejections."""
    if _is_python(backend):
        from cracktrader.engine.normalizer import EventNormalizer

        return EventNormalizer(**options)
    return _native("EventNormalizer")(**options)


__all__ = ["build_core", "build_sequencer", "build_invariant_checker", "build_event_normalizer"]
