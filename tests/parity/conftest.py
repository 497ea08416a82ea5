"""Parity tests compare the python and rust backends; they need the Rust build.

They skip when it is absent locally and fail when CRACKTRADER_REQUIRE_RUST=1 (CI).
"""

from __future__ import annotations

import os

import pytest

from cracktrader.backend import rust_available


@pytest.fixture(scope="session")
def parity_backends() -> tuple[str, str]:
    if not rust_available():
        if os.environ.get("CRACKTRADER_REQUIRE_RUST") == "1":
            pytest.fail("CRACKTRADER_REQUIRE_RUST=1 but the rust backend is not built")
        pytest.skip("rust backend not built (pip install -e .)")
    return ("python", "rust")
