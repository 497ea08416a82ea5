"""Fixtures of the invariant-checker tests (``backend`` comes from tests/conftest.py).

``checked_core`` is
the fixture every core test should use (D-332): a factory for cores that run the
invariant checker after every step and raise ``InvariantViolation`` at once.
"""

from __future__ import annotations

import pytest

from cracktrader.backend import RUST
from cracktrader.engine import build_core

from invariant_support import require_rust_core


@pytest.fixture
def checked_core(backend: str):
    """``checked_core(config)``: a core of ``backend`` whose every step is checked
    (mode ``raise``: the first call that breaks an invariant raises)."""

    def make(config=None):
        if backend == RUST:
            require_rust_core()
        return build_core(backend, config=config, check_invariants="raise")

    return make
