"""Fixtures of the feed tests: one bridge per backend, and both for lockstep tests.

A rust case skips only when the extension is not built AND ``CRACKTRADER_REQUIRE_RUST``
is not ``1``; with the variable set (CI lanes, ``ci/feed_parity_required.sh``) a
missing build fails instead.
"""

from __future__ import annotations

import json
import os
import pathlib

import pytest
from hypothesis import HealthCheck, settings

from cracktrader.backend import rust_available
from cracktrader.feeds import python_bridge, rust_bridge

DATA = pathlib.Path(__file__).resolve().parent.parent / "data" / "feeds"

settings.register_profile(
    "default", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def require_rust() -> None:
    """Skip (or, under CRACKTRADER_REQUIRE_RUST=1, fail) when the extension is missing."""
    if rust_available():
        return
    if os.environ.get("CRACKTRADER_REQUIRE_RUST") == "1":
        pytest.fail("CRACKTRADER_REQUIRE_RUST=1 but the Rust extension is not built")
    pytest.skip("Rust extension not built")


@pytest.fixture(params=["python", "rust"])
def backend(request: pytest.FixtureRequest) -> str:
    """Each backend in turn."""
    if request.param == "rust":
        require_rust()
    return request.param


@pytest.fixture
def feeds(backend: str):
    """The bridge of the current backend."""
    return python_bridge() if backend == "python" else rust_bridge()


@pytest.fixture
def both():
    """(python bridge, rust bridge) for lockstep comparisons."""
    require_rust()
    return python_bridge(), rust_bridge()


def load_jsonl(name: str) -> list[dict]:
    """Entries of a JSON-lines file under tests/data/feeds."""
    return [json.loads(line) for line in (DATA / name).read_text().splitlines() if line.strip()]
