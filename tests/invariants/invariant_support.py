"""``require_rust`` and ``require_rust_core`` for the invariant-checker tests (a module
of its own, not conftest, so tests import it by a name no other folder reuses)."""

from __future__ import annotations

import os

import pytest

from cracktrader.backend import native, rust_available

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
