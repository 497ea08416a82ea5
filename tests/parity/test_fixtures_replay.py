"""Every golden and regression fixture, replayed on both backends (pytest -m parity)."""

from __future__ import annotations

import pytest

from parity.fixtures import all_fixtures, display_path
from parity.replay import replay_fixture

pytestmark = pytest.mark.parity
FIXTURES = all_fixtures()


@pytest.mark.parametrize("path", FIXTURES, ids=[display_path(p) for p in FIXTURES])
def test_fixture_replays_identically(path, parity_backends):
    outcome = replay_fixture(path, parity_backends)
    assert outcome.divergence is None, outcome.divergence
    assert outcome.mismatches == []


def test_python_replays_every_fixture_against_itself():
    # the harness itself must be sound even where rust is not built
    for path in FIXTURES:
        outcome = replay_fixture(path, ("python", "python"))
        assert outcome.ok, (path, outcome.mismatches)
