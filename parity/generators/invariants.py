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
from parity.steps import SWAP_RESTORE, is_directive, restore_edit

CORRUPTIBLE = ("cash_delta", "code", "accepted", "late")
# seq_ids at and around the edges of the valid range [1, 2**63-1]: a checker that reads
# the range one off must be caught on the input side too.
BOUNDARY_SEQ_IDS = (0, -1, 2**63 - 1, 2**63, 2**63 + 1, True)


def _claim_cancel_pending(document: Any, result: dict[str, Any]) -> dict[str, Any] | None:
    """The result with the named order's move out of a working state redirected to
    cancel_pending, which only a cancel of that very order may cause; None when the
    step has no such move (or is that cancel). A lone, targeted lie: general
    corruption desynchronizes the checker first, and then the edge rule is never
    reached."""
    payload = document.get("payload") if isinstance(document, dict) else None
    named = payload.get("order_id") if isinstance(payload, dict) else None
    if named is None or document.get("intent_type") == "cancel_order" or not result.get("accepted"):
        return None
    for index, item in enumerate(result["transitions"]):
        if item["order_id"] == named and item["from"] in ("accepted", "partially_filled") \
                and item["to"] != "cancel_pending":
            result = json.loads(json.dumps(result))
            result["transitions"][index]["to"] = "cancel_pending"
            return result
    return None


def _corrupt(rng: random.Random, result: dict[str, Any]) -> dict[str, Any]:
    result = json.loads(json.dumps(result))
    roll = rng.random()
    if result["transitions"] and roll < 0.4:
        item = rng.choice(result["transitions"])
        field = rng.choice(("to", "filled_qty", "remaining_qty", "from"))
        # cancel_pending: only a cancel of that very order may lead there
        item[field] = rng.choice(("filled", "accepted", "cancelled", "cancel_pending", "1", "0", "-5", None))
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
    claims = rng.choice((0.0, 0.0, 0.5))  # of the few steps that can carry one
    if claims:
        corruption = 0.0  # lone claims: the checker must still be in step when one comes
    steps = []
    for line in case.steps:
        if is_directive(line):
            # the core case's swap-restores become the checker's: its shadow state
            # (open stop-limits, stream clocks, applied keys) must cross backends too
            steps.append(line)
            continue
        try:
            document = json.loads(line)
        except ValueError:
            continue  # the checker sees committed steps, which were readable inputs
        result = core.apply(document)
        claimed = _claim_cancel_pending(document, result) if claims and rng.random() < claims else None
        if claimed is not None:
            result = claimed
        elif corruption and rng.random() < corruption:
            if rng.random() < 0.15:
                # the history claims another seq_id than the core saw (the result's
                # decides when valid, else the input's)
                if rng.random() < 0.5:
                    result = {**result, "seq_id": rng.choice(BOUNDARY_SEQ_IDS)}
                elif isinstance(document, dict):
                    document = {**document, "seq_id": rng.choice(BOUNDARY_SEQ_IDS)}
            else:
                result = _corrupt(rng, result)
        steps.append(encode({"input": document, "result": result}))
    # more swap-restores than the core case makes: the shadow state (open stop-limits
    # and whether their stop was touched) must survive the crossing mid-history
    for position in sorted((rng.randrange(len(steps) + 1) for _ in range(rng.choice((0, 2, 6)))), reverse=True):
        steps.insert(position, restore_edit(rng.randrange(2**32)) if rng.random() < 0.3 else SWAP_RESTORE)
    return {"config": case.config}, steps


def invariant_cases(max_length: int = 80) -> st.SearchStrategy[tuple[dict[str, Any], list[str]]]:
    return st.builds(make_case, st.randoms(use_true_random=False), st.integers(min_value=1, max_value=max_length))
