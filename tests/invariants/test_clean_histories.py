"""Clean histories: random valid streams (with hostile inputs mixed in) through the
real core produce zero violations, step by step and in the snapshot comparison.

The streams are checked for substance first (fills booked, refusals and hostile
inputs present), so a quiet checker cannot pass by watching an empty stream.
"""

from __future__ import annotations

import collections

import pytest

from cracktrader.engine import build_core, build_invariant_checker
from cracktrader.engine.canonical import canonical_bytes

from inv_streams import StreamGenerator, run_history

SEEDS = [11, 22, 33]
STEPS = 2000


@pytest.mark.parametrize("mode", ["simulated", "external"])
@pytest.mark.parametrize("seed", SEEDS)
def test_generated_streams_have_substance(mode, seed):
    _, history, _ = run_history(seed, mode, STEPS)
    codes = collections.Counter(item["result"]["code"] for item in history)
    with_fills = sum(1 for item in history if item["result"]["fills"])
    assert with_fills >= STEPS // 20, with_fills
    assert codes["ok"] >= STEPS // 2
    assert codes["duplicate"] > 0
    assert codes["invalid_payload"] + codes["invalid_number"] > 0
    assert sum(n for code, n in codes.items() if code not in ("ok", "duplicate")) >= STEPS // 20


@pytest.mark.parametrize("mode", ["simulated", "external"])
@pytest.mark.parametrize("seed", SEEDS)
def test_real_core_streams_break_no_invariant(backend, mode, seed):
    gen = StreamGenerator(seed, mode)
    core = build_core("python", config=gen.config)
    checker = build_invariant_checker(backend, config=gen.config)
    for index in range(STEPS):
        item = gen.next_input()
        result = core.apply(item)
        gen.observe(result)
        assert checker.apply({"input": item, "result": result}) == [], (index, item, result)
        if index % 250 == 0:
            assert checker.check_snapshot(core.snapshot()) == []
    assert checker.check_snapshot(core.snapshot()) == []


@pytest.mark.parametrize("mode", ["simulated", "external"])
def test_checked_core_all_three_apis(checked_core, mode):
    """The same stream through apply, apply_batch and apply_jsonl of a checked core."""
    gen = StreamGenerator(7, mode)
    inputs = [gen.next_input() for _ in range(1500)]
    # apply: the generator only needed results to aim its reports; replay as a batch
    single = checked_core(gen.config)
    single_results = [single.apply(item) for item in inputs]
    batch = checked_core(gen.config)
    assert batch.apply_batch(inputs) == single_results
    assert batch.check_snapshot() == []
    lines = []
    for item in inputs:
        try:
            lines.append(canonical_bytes(item))
        except (TypeError, ValueError):
            lines.append(b"{not json")
    jsonl = checked_core(gen.config)
    out = jsonl.apply_jsonl(b"\n".join(lines) + b"\n")
    assert out.count(b"\n") == len(inputs)
    assert jsonl.violations == [] and single.violations == [] and batch.violations == []
