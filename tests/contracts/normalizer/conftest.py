"""Fixtures of the normalizer tests: every test runs once per backend.

A rust case skips only when the extension is not built AND
``CRACKTRADER_REQUIRE_RUST`` is not ``1`` (then it fails instead).
"""

from __future__ import annotations

import os

import pytest

from cracktrader.backend import rust_available
from cracktrader.engine import build_event_normalizer

BACKENDS = ["python", "rust"]


def require(backend: str) -> str:
    """Skip (or fail when Rust is required) a rust case without the extension."""
    if backend == "rust" and not rust_available():
        if os.environ.get("CRACKTRADER_REQUIRE_RUST") == "1":
            pytest.fail("CRACKTRADER_REQUIRE_RUST=1 but the Rust extension is not built")
        pytest.skip("Rust extension not built")
    return backend


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return require(request.param)


@pytest.fixture
def normalizer(backend: str):
    return build_event_normalizer(backend=backend)


@pytest.fixture
def both():
    """One normalizer per backend, for byte-for-byte comparisons."""
    require("rust")
    return build_event_normalizer(backend="python"), build_event_normalizer(backend="rust")
