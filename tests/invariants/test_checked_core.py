"""``build_core(..., check_invariants=...)``: off by default, ``raise`` and ``record``
modes, the environment switch, and a core that goes wrong being caught."""

from __future__ import annotations

import copy

import pytest

from cracktrader.engine import build_core
from cracktrader.engine.canonical import canonical_bytes
from cracktrader.engine.checked import ENV_VAR, CheckedCore
from cracktrader.engine.core import Core
from cracktrader.engine.errors import InvalidConfig, InvariantViolation

from inv_history import sim_base, violation
from inv_streams import StreamGenerator

SIM = {"mode": "simulated"}


class LyingCore:
    """A real core whose fill results claim one unit less cash than they moved."""

    backend = "python"

    def __init__(self, config=None):
        self.inner = Core(config)

    def _lie(self, result):
        if result["fills"]:
            result = copy.deepcopy(result)
            result["cash_delta"] = str(int(result["cash_delta"].split(".")[0]) + 1)
        return result

    def apply(self, obj):
        return self._lie(self.inner.apply(obj))

    def apply_batch(self, inputs):
        return [self.apply(item) for item in inputs]

    def apply_jsonl(self, data):
        from cracktrader.engine.strict_json import loads_lines

        out = []
        for item in loads_lines(bytes(data)):
            out.append(canonical_bytes(self.apply(item)))
        return b"\n".join(out) + b"\n"

    def snapshot(self):
        return self.inner.snapshot()

    def restore(self, snapshot):
        self.inner.restore(snapshot)

    def state_hash(self):
        return self.inner.state_hash()


def inputs():
    return [item["input"] for item in sim_base()]


def test_off_by_default(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert isinstance(build_core("python"), Core)
    assert isinstance(build_core("python", check_invariants=False), Core)


@pytest.mark.parametrize("token, mode", [("raise", "raise"), ("record", "record"), ("1", None), ("off", None)])
def test_environment_switch(monkeypatch, token, mode):
    monkeypatch.setenv(ENV_VAR, token)
    if token == "1":
        with pytest.raises(InvalidConfig):
            build_core("python")
        return
    core = build_core("python")
    if mode is None:
        assert isinstance(core, Core)
    else:
        assert isinstance(core, CheckedCore) and core.mode == mode
    # an explicit False wins over the environment
    assert isinstance(build_core("python", check_invariants=False), Core)


@pytest.mark.parametrize("value", ["yes", 1, "RAISE"])
def test_bad_switch_values(value):
    with pytest.raises(InvalidConfig):
        build_core("python", check_invariants=value)


def test_checked_core_behaves_like_the_core():
    plain = build_core("python", config=SIM)
    checked = build_core("python", config=SIM, check_invariants=True)
    assert checked.mode == "raise" and checked.backend == "python"
    for item in inputs():
        assert checked.apply(item) == plain.apply(item)
    assert checked.state_hash() == plain.state_hash()
    assert checked.snapshot() == plain.snapshot()
    assert checked.cash == plain.cash  # attributes of the wrapped core read through
    assert checked.violations == [] and checked.check_snapshot() == []


def test_raise_mode_raises_after_the_call():
    checked = CheckedCore(LyingCore(SIM), build_invariant("python"), "raise")
    items = inputs()
    checked.apply(items[0])
    checked.apply(items[1])
    with pytest.raises(InvariantViolation) as caught:
        checked.apply(items[2])
    assert caught.value.violations == [violation("cash_mismatch", 3, "o1")]
    assert caught.value.steps[0]["input"] == items[2]
    # the call completed: the core moved on and the checker with it
    assert checked.core.inner.last_seq_id == 3
    assert checked.violations == [violation("cash_mismatch", 3, "o1")]
    # the core's own books are right (only its result lied): the ledger agrees with them
    assert checked.check_snapshot() == []


def build_invariant(backend):
    from cracktrader.engine import build_invariant_checker

    return build_invariant_checker(backend, config=SIM)


@pytest.mark.parametrize("api", ["apply", "apply_batch", "apply_jsonl"])
def test_record_mode_keeps_violations(backend, api):
    checked = CheckedCore(LyingCore(SIM), build_invariant(backend), "record")
    items = inputs()
    if api == "apply":
        for item in items:
            checked.apply(item)
    elif api == "apply_batch":
        checked.apply_batch(items)
    else:
        checked.apply_jsonl(b"\n".join(canonical_bytes(item) for item in items) + b"\n")
    assert checked.violations == [violation("cash_mismatch", 3, "o1")]


def test_raise_mode_on_a_batch_checks_every_step_first():
    checked = CheckedCore(LyingCore(SIM), build_invariant("python"), "raise")
    with pytest.raises(InvariantViolation) as caught:
        checked.apply_batch(inputs() + [{"kind": "intent", "seq_id": 4, "intent_type": "noop", "payload": {}}])
    assert caught.value.violations == [violation("cash_mismatch", 3, "o1")]
    assert checked.checker.snapshot()["last_seq_id"] == 4


def test_unreadable_jsonl_lines_are_refused_steps():
    checked = build_core("python", config=SIM, check_invariants="raise")
    out = checked.apply_jsonl(b"{nope\n" + canonical_bytes(inputs()[0]) + b"\n")
    assert out.count(b"\n") == 2 and checked.violations == []


@pytest.mark.parametrize("mode", ["simulated", "external"])
def test_restore_starts_the_checker_from_the_snapshot(checked_core, mode):
    gen = StreamGenerator(3, mode)
    first = checked_core(gen.config)
    steps = []
    middle = None
    for index in range(2000):
        if index == 1200:
            middle = first.snapshot()
        item = gen.next_input()
        result = first.apply(item)
        gen.observe(result)
        steps.append((item, result))
    second = checked_core()  # default config: restore brings the snapshot's
    second.restore(middle)
    assert second.check_snapshot() == []
    for item, result in steps[1200:]:
        assert second.apply(item) == result
    assert second.state_hash() == first.state_hash()
    assert second.violations == [] and first.violations == []
    assert second.check_snapshot() == []


def test_a_checked_core_can_be_copied():
    checked = build_core("python", config=SIM, check_invariants="record")
    items = inputs()
    checked.apply(items[0])
    checked.apply(items[1])
    twin = copy.deepcopy(checked)
    assert twin.apply(items[2]) == checked.apply(items[2])
    assert twin.state_hash() == checked.state_hash()
    assert twin.checker.state_hash() == checked.checker.state_hash()
    assert twin.violations == checked.violations == []


def test_check_snapshot_catches_books_that_drift():
    checked = build_core("python", config=SIM, check_invariants="record")
    for item in inputs():
        checked.apply(item)
    checked.core.cash += 1  # the core's books move without a fill
    assert checked.check_snapshot() == [violation("cash_mismatch", 3)]
    assert checked.violations == [violation("cash_mismatch", 3)]
