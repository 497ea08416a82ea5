"""The ``restore-edit`` directive: edited snapshots restored into both backends.

The directive exists because a swap-restore only ever restores snapshots a backend
wrote, so the validation half of ``restore`` was never compared (the mutation lane
showed it). These tests pin its parsing, the edits it draws, that it catches a backend
whose restore accepts what the other refuses, and that the two real backends agree.
"""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest

from cracktrader.engine.errors import InvalidPayload
from parity import generators
from parity.lockstep import Lockstep
from parity.snapshot_edits import edits
from parity.steps import SWAP_RESTORE, is_directive, restore_edit, restore_edit_seed
from parity.targets import Target
from parity.targets import get as get_target

BATCH = json.dumps([{"kind": "event", "seq_id": None, "event_time": 5, "ingest_time": 5, "source": "timer",
                     "venue": None, "instrument": None, "event_type": "timer", "payload": {"name": "t"},
                     "idempotency_key": None, "producer": 0}])


def test_directive_round_trips_and_is_told_apart_from_inputs() -> None:
    step = restore_edit(12345)
    assert is_directive(step) and restore_edit_seed(step) == 12345
    assert is_directive(SWAP_RESTORE) and restore_edit_seed(SWAP_RESTORE) is None
    for other in (BATCH, "#parity:restore-edit:", "#parity:restore-edit:-1", "#parity:restore-edit:\u0661"):
        assert not is_directive(other) and restore_edit_seed(other) is None


def test_edits_touch_each_field_name_and_leave_the_snapshot_alone() -> None:
    snapshot = {"schema_version": 1, "next_seq_id": 300, "last_event_time": 84088, "late_policy": "reject",
                "source_priority": ["timer", "control", "broker_report", "market_data"],
                "nested": {"fill_notional": "1250", "items": [{"qty": "1.5"}, {"qty": "2"}]}}
    before = copy.deepcopy(snapshot)
    drawn = edits(snapshot, random.Random(7), rounds=1)
    assert snapshot == before  # path copies only: the original is never written to
    edited_names = {description.split(" ")[1].rsplit("/", 1)[-1] for description, _ in drawn}
    # one edit per field name (a set or a key rename, both named by their pointer)
    assert {"schema_version", "next_seq_id", "last_event_time", "late_policy", "fill_notional", "qty"} <= edited_names
    for _, edited in drawn:
        assert edited != before  # each edit changes something
    assert edits(snapshot, random.Random(7), rounds=1) == drawn  # seeded: replayable


def test_digit_strings_are_sometimes_respelled_in_other_digits() -> None:
    seen = {edited["n"] for seed in range(200) for _, edited in edits({"n": "1250"}, random.Random(seed), rounds=1)
            if isinstance(edited, dict) and "n" in edited}
    assert "\u0661\u0662\u0665\u0660" in seen  # str.isdigit() says yes; the strict readers must say no


class _Lenient:
    """A python sequencer whose restore swallows what it refuses: a backend that
    validates less than its twin."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def restore(self, snapshot: Any) -> None:
        try:
            self.inner.restore(snapshot)
        except InvalidPayload:
            pass


def _builder(target: Target, backend: str, config: dict[str, Any]) -> Any:
    component = target.build("python", dict(config))
    return _Lenient(component) if backend == "lenient" else component


def test_a_restore_that_validates_less_is_caught() -> None:
    target = get_target("sequencer")
    found = Lockstep(target, ("python", "lenient"), {}, builder=_builder).run([BATCH, restore_edit(3), BATCH])
    assert found is not None and found.kind == "restore_edit" and found.step_index == 1
    assert found.codes[0].startswith("exception:InvalidPayload") and found.codes[1] == "ok"
    # the same pair without the directive agrees
    assert Lockstep(target, ("python", "lenient"), {}, builder=_builder).run([BATCH, SWAP_RESTORE, BATCH]) is None


@pytest.mark.parametrize("target_name", ["core", "sequencer", "normalizer", "invariants"])
def test_backends_agree_on_edited_snapshots(target_name: str, parity_backends: tuple[str, str]) -> None:
    rng = random.Random(f"restore-edit:{target_name}")
    config, steps = generators.get(target_name)(rng, 120)
    steps = [step for step in steps if not is_directive(step)]
    # edits at three points of the case: early, middle, end
    for position in (len(steps), len(steps) // 2, 1):
        steps.insert(position, restore_edit(rng.randrange(2**32)))
    assert Lockstep(get_target(target_name), parity_backends, config).run(steps) is None
