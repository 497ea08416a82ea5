"""Fixtures of the feed tests: the bridge of the current backend, and both for lockstep.

The ``backend`` fixture and the Hypothesis profiles come from tests/conftest.py; the
Rust-requirement rule from tests/backend_support.py.
"""

from __future__ import annotations

import pytest

from backend_support import require_rust
from cracktrader.feeds import python_bridge, rust_bridge


@pytest.fixture
def feeds(backend: str):
    """The bridge of the current backend."""
    return python_bridge() if backend == "python" else rust_bridge()


@pytest.fixture
def both():
    """(python bridge, rust bridge) for lockstep comparisons."""
    require_rust()
    return python_bridge(), rust_bridge()
