"""Fixtures of the invariant-checker tests: ``backend`` and ``checked_core``.

``backend`` runs a test once per backend; the rust case skips when the extension is
not built, unless ``CRACKTRADER_REQUIRE_RUST=1`` (then it fails). ``checked_core`` is
the fixture every core test should use (D-332): a factory for cores that run the
invariant checker after every step and raise ``InvariantViolation`` at once.
"""

from __future__ import annotations

import os

import pytest

from cracktrader.backend import RUST, native, rust_available
from cracktrader.engine import build_core

REQUIRE_RUST_ENV = "CRACKTRADER_REQUIRE_RUST"


def require_rust() -> None:
    """Skip when the Rust extension is missing, or fail when the environment requires it."""
    if rust_available():
        return
    message = 'the Rust extension cracktrader._native is not built (pip install -e ".[dev]")'
    if os.environ.get(REQUIRE_RUST_ENV) == "1":
        pytest.fail(f"{message}, and {REQUIRE_RUST_ENV}=1 requires it", pytrace=False)
    pytest.skip(message)


def require_rust_core() -> None:
    """The rust *core* is a separate port (issue 5); until it is in the build, tests
    that drive it skip, unless the environment requires Rust (then they fail)."""
    require_rust()
    if hasattr(native(), "Core"):
        return
    message = "cracktrader._native has no Core yet (the Rust core port is not merged)"
    if os.environ.get(REQUIRE_RUST_ENV) == "1":
        pytest.fail(f"{message}, and {REQUIRE_RUST_ENV}=1 requires it", pytrace=False)
    pytest.skip(message)


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
