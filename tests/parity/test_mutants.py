"""Proof that parity catches bugs: each planted mutant is found within a fixed number
of generated cases, and its minimized case is small."""

from __future__ import annotations

import pytest

from parity import generators
from parity.fixtures import load_fixture, record_regression
from parity.fuzz import Budget, Options, fuzz
from parity.mutants import MUTANTS

pytestmark = pytest.mark.parity
MAX_CASES = 60
SEED = 11
SINGLE_CAUSE_MAX_STEPS = 5
# The signature a mutant is first found with decides the smallest case that keeps it.
# With seed 11 the rounding mutant first shows in a realized PnL, which needs an opening
# and a reducing order (place, accept, fill each in external mode) and an average price
# carrying a tenth decimal (a second opening fill): 7 steps is that case's floor.
MAX_STEPS = {"rounding_floor": 7}
AVAILABLE = [m for m in MUTANTS.values() if m.target in generators.available()]


@pytest.mark.parametrize("mutant", AVAILABLE, ids=[m.name for m in AVAILABLE])
def test_mutant_is_found_and_minimized(mutant, tmp_path):
    options = Options(budget=Budget(cases=MAX_CASES), seed=SEED, targets=[mutant.target],
                      backends=("python", f"python~{mutant.name}"), length=400)
    summary = fuzz(options)
    assert summary["divergences"], f"{mutant.name} survived {MAX_CASES} cases"
    report = summary["divergences"][0]
    assert report["case_index"] < MAX_CASES
    assert report["shrunk_steps"] <= MAX_STEPS.get(mutant.name, SINGLE_CAUSE_MAX_STEPS), report["steps"]
    # the minimized case is a valid, replayable fixture
    path, written = record_regression(target=mutant.target, signature=report["signature"], config=report["config"],
                                      steps=report["steps"], seed=SEED, description=mutant.description,
                                      directory=tmp_path)
    assert written and load_fixture(path)["inputs"] == report["steps"]
    # recording the same signature again is a no-op: one bug, one fixture
    assert record_regression(target=mutant.target, signature=report["signature"], config=report["config"],
                             steps=report["steps"], seed=SEED, description="again", directory=tmp_path)[1] is False


def test_every_mutant_still_applies():
    from parity.mutants import active

    for mutant in AVAILABLE:
        with active(mutant):
            pass
