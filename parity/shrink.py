"""Minimizing a divergent case while keeping its divergence signature.

Delta debugging (ddmin) over the step list, then a pass removing single steps, then
value simplification of each remaining step (numbers to small round values, strings
shortened, seq_ids renumbered) - every candidate is kept only if the lockstep run still
diverges with the *same signature* (target, kind, first differing path, codes), so the
recorded case explains the bug that was found, not another one. A deadline bounds it.
"""

from __future__ import annotations

import json
import time
from typing import Any, Callable

from parity.steps import is_directive

Predicate = Callable[[list[str]], bool]


class _Deadline(Exception):
    pass


def _checked(predicate: Predicate, deadline: float | None) -> Predicate:
    def test(steps: list[str]) -> bool:
        if deadline is not None and time.monotonic() > deadline:
            raise _Deadline
        return predicate(steps)

    return test


def ddmin(steps: list[str], test: Predicate) -> list[str]:
    """A 1-minimal-ish subsequence of ``steps`` for which ``test`` holds."""
    granularity = 2
    while len(steps) >= 2:
        size = -(-len(steps) // granularity)
        chunks = [steps[i : i + size] for i in range(0, len(steps), size)]
        for index in range(len(chunks)):
            complement = [s for j, chunk in enumerate(chunks) if j != index for s in chunk]
            if complement and test(complement):
                steps = complement
                granularity = max(granularity - 1, 2)
                break
        else:
            for chunk in chunks:
                if len(chunk) < len(steps) and test(chunk):
                    steps = chunk
                    granularity = 2
                    break
            else:
                if granularity >= len(steps):
                    break
                granularity = min(len(steps), granularity * 2)
    return steps


def remove_singles(steps: list[str], test: Predicate) -> list[str]:
    index = 0
    while index < len(steps) and len(steps) > 1:
        candidate = steps[:index] + steps[index + 1 :]
        if test(candidate):
            steps = candidate
        else:
            index += 1
    return steps


_SIMPLE_NUMBERS = ("1", "0", "100", 1, "2", "10")


def _simpler_values(value: Any) -> list[Any]:
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, (int, float)):
        return [v for v in _SIMPLE_NUMBERS if v != value]
    if isinstance(value, str):
        out = [v for v in ("1", "100", "a") if v != value and len(v) < len(value)]
        if len(value) > 8:
            out.append(value[: len(value) // 2])
        return out
    return []


def simplify_values(steps: list[str], test: Predicate) -> list[str]:
    """Try simpler values field by field, then renumbered seq_ids."""
    for index in range(len(steps)):
        step = steps[index]
        if is_directive(step):
            continue
        try:
            doc = json.loads(step)
        except ValueError:
            continue
        if not isinstance(doc, dict):
            continue
        for container in (doc, doc.get("payload")):
            if not isinstance(container, dict):
                continue
            for key in list(container):
                if key in ("kind", "event_type", "intent_type", "source", "seq_id"):
                    continue
                for replacement in _simpler_values(container[key]):
                    original = container[key]
                    container[key] = replacement
                    candidate = steps[:index] + [json.dumps(doc, separators=(",", ":"), ensure_ascii=False)] + steps[index + 1 :]
                    if test(candidate):
                        steps = candidate
                        break
                    container[key] = original
    return _renumber(steps, test)


def _renumber(steps: list[str], test: Predicate) -> list[str]:
    renumbered = []
    seq = 0
    for step in steps:
        try:
            doc = json.loads(step)
        except ValueError:
            renumbered.append(step)
            continue
        if isinstance(doc, dict) and isinstance(doc.get("seq_id"), int) and not isinstance(doc["seq_id"], bool):
            seq += 1
            doc["seq_id"] = seq
            renumbered.append(json.dumps(doc, separators=(",", ":"), ensure_ascii=False))
        else:
            renumbered.append(step)
    return renumbered if renumbered != steps and test(renumbered) else steps


def shrink(steps: list[str], predicate: Predicate, deadline: float | None = None) -> list[str]:
    """The smallest case found before ``deadline`` (monotonic seconds) still failing."""
    best = [list(steps)]

    def remember(candidate: list[str]) -> bool:
        if not predicate(candidate):
            return False
        if len(candidate) <= len(best[0]):
            best[0] = list(candidate)
        return True

    test = _checked(remember, deadline)
    try:
        reduced = ddmin(list(steps), test)
        reduced = remove_singles(reduced, test)
        best[0] = simplify_values(reduced, test)
    except _Deadline:
        pass
    return best[0]
