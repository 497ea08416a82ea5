"""Invariant-checker histories: real (input, result) steps from the Python core on a
generated core case, some of them corrupted so the checkers must flag violations.

Both checkers see the same steps; they must agree on every violation (code, seq_id,
order id) and on their shadow state.
"""

from __future__ import annotations

import json
import random
from typing import Any

from hypothesis import strategies as st

from cracktrader.engine import build_core
from parity.generators import core as core_generator
from parity.generators.hostile import encode, hostile_value
from parity.steps import is_directive

CORRUPTIBLE = ("cash_delta", "code", "accepted", "late")


def _corrupt(rng: random.Random, result: dict[str, Any]) -> dict[str, Any]:
    result = json.loads(json.dumps(result))
    roll = rng.random()
    if result["transitions"] and roll < 0.4:
        item = rng.choice(result["transitions"])
        field = rng.choice(("to", "filled_qty", "remaining_qty", "from"))
        item[field] = rng.choice(("filled", "accepted", "cancelled", "1", "0", "-5", None))
    elif result["fills"] and roll < 0.7:
        item = rng.choice(result["fills"])
        item[rng.choice(("qty", "price", "fee"))] = rng.choice(("0", "1", "999999", "-1"))
    else:
        result[rng.choice(CORRUPTIBLE)] = hostile_value(rng) if rng.random() < 0.3 else rng.choice(("0", "ok", True))
    return result


def make_case(rng: random.Random, length: int) -> tuple[dict[str, Any], list[str]]:
    scenario = core_generator.draw_scenario(rng)
    case = core_generator.generate(rng, scenario, length)
    core = build_core("python", config=case.config)
    corruption = rng.choice((0.0, 0.02, 0.1, 0.3))
    steps = []
    for line in case.steps:
        if is_directive(line):
            continue
        try:
            document = json.loads(line)
        except ValueError:
            continue  # the checker sees committed steps, which were readable inputs
        result = core.apply(document)
        if corruption and rng.random() < corruption:
            result = _corrupt(rng, result)
        steps.append(encode({"input": document, "result": result}))
    return {"config": case.config}, steps


def invariant_cases(max_length: int = 80) -> st.SearchStrategy[tuple[dict[str, Any], list[str]]]:
    return st.builds(make_case, st.randoms(use_true_random=False), st.integers(min_value=1, max_value=max_length))
