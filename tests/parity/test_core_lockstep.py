"""The core target in lockstep: Hypothesis-chosen cases and seeded volume."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings

from parity.determinism import check_determinism
from parity.generators.core import core_cases, draw_scenario, generate
from parity.lockstep import run_lockstep
from parity.targets import get

pytestmark = pytest.mark.parity


@settings(max_examples=40, deadline=None)
@given(case=core_cases(max_length=150))
def test_backends_agree_on_generated_cases(case, parity_backends):
    divergence = run_lockstep(get("core"), parity_backends, case.config, case.steps, hash_every=16)
    assert divergence is None, divergence


@pytest.mark.parametrize("seed", range(12))
def test_backends_agree_on_seeded_volume(seed, parity_backends):
    rng = random.Random(f"volume:{seed}")
    case = generate(rng, draw_scenario(rng), 1500)
    assert run_lockstep(get("core"), parity_backends, case.config, case.steps) is None


@pytest.mark.parametrize("backend", ["python", "rust"])
@pytest.mark.parametrize("seed", range(4))
def test_each_backend_is_deterministic(backend, seed, request):
    if backend == "rust":
        request.getfixturevalue("parity_backends")
    rng = random.Random(f"determinism:{seed}")
    case = generate(rng, draw_scenario(rng), 600)
    assert check_determinism("core", backend, case.config, case.steps) is None
