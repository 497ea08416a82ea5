"""Normalizer fixtures shared by tests/unit/normalizer and tests/contracts/normalizer
(each folder's conftest.py imports them)."""

from __future__ import annotations

import pytest

from backend_support import require_rust
from cracktrader.engine import build_event_normalizer


@pytest.fixture
def normalizer(backend: str):
    """An event normalizer of the current backend."""
    return build_event_normalizer(backend=backend)


@pytest.fixture
def both():
    """One normalizer per backend, for byte-for-byte comparisons."""
    require_rust()
    return build_event_normalizer(backend="python"), build_event_normalizer(backend="rust")
