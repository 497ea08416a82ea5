"""Sequencer, normalizer, invariant checker and feed aggregator in lockstep.

Each target's generator is driven twice: by Hypothesis (``st.randoms()``, so failures
shrink) and by seeded volume (the fuzz CLI's form). Both backends must produce the
same bytes for every step and the same state hash.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings

from parity import generators
from parity.generators.feed import feed_cases
from parity.generators.invariants import invariant_cases
from parity.generators.normalizer import normalizer_cases
from parity.generators.sequencer import sequencer_cases
from parity.lockstep import run_lockstep
from parity.targets import get

pytestmark = pytest.mark.parity
TARGETS = ("sequencer", "normalizer", "invariants", "feed")


def _agree(target, backends, case):
    config, steps = case
    divergence = run_lockstep(get(target), backends, config, steps, hash_every=8)
    assert divergence is None, divergence


@settings(max_examples=25, deadline=None)
@given(case=sequencer_cases())
def test_sequencer_cases(case, parity_backends):
    _agree("sequencer", parity_backends, case)


@settings(max_examples=25, deadline=None)
@given(case=normalizer_cases())
def test_normalizer_cases(case, parity_backends):
    _agree("normalizer", parity_backends, case)


@settings(max_examples=15, deadline=None)
@given(case=invariant_cases())
def test_invariant_checker_cases(case, parity_backends):
    _agree("invariants", parity_backends, case)


@settings(max_examples=25, deadline=None)
@given(case=feed_cases())
def test_feed_cases(case, parity_backends):
    _agree("feed", parity_backends, case)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("seed", range(3))
def test_seeded_volume(target, seed, parity_backends):
    case = generators.get(target)(random.Random(f"volume:{target}:{seed}"), 400)
    _agree(target, parity_backends, case)
