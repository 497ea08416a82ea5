"""Fixtures of the invariant-checker tests: ``backend`` and ``checked_core``.

``backend`` runs a test once per backend; the rust case skips when the extension is
not built, unless ``CRACKTRADER_REQUIRE_RUST=1`` (then it fails). ``checked_core`` is
the fixture every core test should use (D-332): a factory for cores that run the
invariant checker after every step and raise ``InvariantViolation`` at once.
"""

from __future__ import annotations

import pytest

from cracktrader.backend import RUST
from cracktrader.engine import build_core

from invariant_support import require_rust, require_rust_core


@pytest.fixture(params=["python", "rust"])
def backend(request: pytest.FixtureRequest) -> str:
    """The backend token under test; the rust case follows ``require_rust``."""
    if request.param == RUST:
        require_rust()
    return request.param


@pytest.fixture
def checked_core(backend: str):
    """``checked_core(config)``: a core of ``backend`` whose every step is checked
    (mode ``raise``: the first call that breaks an invariant raises)."""

    def make(config=None):
        if backend == RUST:
            require_rust_core()
        return build_core(backend, config=config, check_invariants="raise")

    return make
