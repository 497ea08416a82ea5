"""Fixtures for the replay / checkpoint / recovery tests.

``backend`` runs a test on python and on rust. A rust case skips only while the
Rust core is not built into ``cracktrader._native`` and ``CRACKTRADER_REQUIRE_RUST``
is not ``1``; with ``CRACKTRADER_REQUIRE_RUST=1`` it fails instead (CI, ``.ci/run``).
"""

from __future__ import annotations

import pytest
from recovery_helpers import BACKENDS, require


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return require(request.param)


@pytest.fixture(params=[(a, b) for a in BACKENDS for b in BACKENDS], ids=lambda p: f"{p[0]}-to-{p[1]}")
def backend_pair(request: pytest.FixtureRequest) -> tuple[str, str]:
    """(writer backend, recovering backend), all four combinations."""
    writer, reader = request.param
    require(writer)
    require(reader)
    return writer, reader
