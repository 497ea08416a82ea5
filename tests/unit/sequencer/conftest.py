"""Fixtures for the sequencer tests (``backend`` comes from tests/conftest.py)."""

from __future__ import annotations

import pytest

import backend_support


@pytest.fixture(scope="session")
def require_rust() -> None:
    """For tests that compare the two backends: skip or fail like the rust case."""
    backend_support.require_rust()
