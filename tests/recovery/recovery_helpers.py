"""Helpers shared by the recovery tests (imported as ``recovery_helpers``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from cracktrader.backend import native, rust_available
from cracktrader.bench.recovery_stream import CONFIG, generate
from cracktrader.engine.recording import RecordingSession

BACKENDS = ("python", "rust")


def rust_core_available() -> bool:
    """The Rust extension is built and has a ``Core``."""
    return rust_available() and hasattr(native(), "Core")


def require(backend: str) -> str:
    """Skip (or fail under CRACKTRADER_REQUIRE_RUST=1) when ``backend`` cannot run."""
    if backend == "rust" and not rust_core_available():
        if os.environ.get("CRACKTRADER_REQUIRE_RUST") == "1":
            pytest.fail("CRACKTRADER_REQUIRE_RUST=1 but the rust core is not available")
        pytest.skip("rust core not built (set CRACKTRADER_REQUIRE_RUST=1 to make this a failure)")
    return backend


def record_run(
    directory: Path,
    *,
    seed: int = 11,
    steps: int = 300,
    backend: str = "python",
    checkpoint_every: int | None = 60,
    policy: str = "step",
    run_id: str = "run-1",
    config: dict[str, Any] | None = None,
    close: bool = True,
) -> RecordingSession:
    """A complete recorded run in ``directory`` (replay.log + checkpoints/)."""
    session = RecordingSession.start(
        directory,
        run_id=run_id,
        config=CONFIG if config is None else config,
        backend=backend,
        checkpoint_every=checkpoint_every,
        policy=policy,
        fsync=False,
        keep=100,
        clock=lambda: 1_700_000_000_000,
    )
    for item in generate(seed, steps):
        session.apply(item)
    if close:
        session.close()
    return session
