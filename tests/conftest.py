"""Shared test setup: the ``backend`` fixture, ``require_rust`` and Hypothesis profiles.

Backends: every test that takes ``backend`` runs once with ``"python"`` and once with
``"rust"``. A rust case skips when the extension is not built, unless the environment
says ``CRACKTRADER_REQUIRE_RUST=1`` (CI lanes and ``.ci/run``): then a missing build is a
failure, so a green CI run can never mean "the Rust half silently did not run".

Hypothesis profiles, chosen by ``HYPOTHESIS_PROFILE`` (default ``dev``):
- ``dev``: the default example count, random seeds, the local example database
  (``.hypothesis/``, ignored by git) so a failure found once is replayed first.
- ``ci``: derandomized (the same examples on every run, so CI is reproducible),
  bounded example counts, no database, failures printed with their reproduction blob.
- ``nightly``: many examples, random seeds, for long unattended runs.
No profile has a deadline: timings belong in benchmarks, not in tests, and a loaded
two-core machine would make them flaky.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from backend_support import require_rust

from cracktrader.backend import RUST, _reset_for_tests

PROFILE_ENV = "HYPOTHESIS_PROFILE"

settings.register_profile("dev", deadline=None)
settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    print_blob=True,
    max_examples=200,
    deadline=None,
    # The CI machine is shared and small; a slow data generator is not a bug.
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "nightly",
    max_examples=20_000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get(PROFILE_ENV, "dev"))


@pytest.fixture(params=["python", "rust"])
def backend(request: pytest.FixtureRequest) -> str:
    """The backend token under test; the rust case follows ``require_rust``."""
    if request.param == RUST:
        require_rust()
    return request.param


@pytest.fixture(scope="session")
def native():
    """The compiled module ``cracktrader._native`` (skips or fails like ``require_rust``)."""
    require_rust()
    from cracktrader.backend import native as load_native

    return load_native()


@pytest.fixture
def fresh_backend_cache():
    """Forget the cached native import before and after a test that fakes it."""
    _reset_for_tests()
    yield
    _reset_for_tests()
