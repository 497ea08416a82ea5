"""Fixtures for the sequencer tests: every test runs once per backend.

The rust case skips only when the extension is not built and CRACKTRADER_REQUIRE_RUST
is not ``1`` (then it fails). Session scope keeps Hypothesis' function-scoped-fixture
health check quiet; the fixture only hands out a token.
"""

from __future__ import annotations

import os

import pytest

from cracktrader.backend import rust_available


@pytest.fixture(params=["python", "rust"], scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    """The backend token under test."""
    if request.param == "rust" and not rust_available():
        if os.environ.get("CRACKTRADER_REQUIRE_RUST") == "1":
            pytest.fail("CRACKTRADER_REQUIRE_RUST=1 but the rust extension is not built")
        pytest.skip("rust extension not built (pip install -e '.[dev]')")
    return request.param


@pytest.fixture(scope="session")
def require_rust() -> None:
    """For tests that compare the two backends: skip or fail like the rust case above."""
    if not rust_available():
        if os.environ.get("CRACKTRADER_REQUIRE_RUST") == "1":
            pytest.fail("CRACKTRADER_REQUIRE_RUST=1 but the rust extension is not built")
        pytest.skip("rust extension not built (pip install -e '.[dev]')")
