"""Hostile steps and documents on both checkers: a violation list or the shared
exception, never a crash or a ``PanicException``, and the same answer on both sides."""

from __future__ import annotations

import copy

import pytest

from cracktrader.engine import build_invariant_checker
from cracktrader.engine.canonical import canonical_bytes
from cracktrader.engine.errors import CracktraderError

from invariant_support import require_rust
from inv_history import sim_base

HUGE = "9" * 10_000_000


def deep(depth):
    value = {}
    for _ in range(depth):
        value = {"x": value}
    return value


def hostile_steps():
    base = sim_base()
    fill_step = base[2]
    values = [float("nan"), float("inf"), 2**200, -(2**127), 2**127, "bad\ud800", HUGE, True, None, [], {},
              (1, 2), b"x", deep(60), 1.5]
    out = [None, 5, "x", b"bytes", {"input": 1, "result": 2}, deep(100), {1: 2}]
    for value in values:
        for field in ("price", "qty", "fee", "order_id", "side"):
            item = copy.deepcopy(fill_step)
            item["result"]["fills"][0][field] = value
            out.append(item)
        for field in ("seq_id", "cash_delta", "transitions", "late", "accepted", "code"):
            item = copy.deepcopy(fill_step)
            item["result"][field] = value
            out.append(item)
        for field in ("seq_id", "event_time", "venue", "payload", "producer", "kind"):
            item = copy.deepcopy(fill_step)
            item["input"][field] = value
            out.append(item)
        item = copy.deepcopy(fill_step)
        item["input"]["payload"]["high"] = value
        out.append(item)
    return base[:2], out


@pytest.fixture(scope="module")
def steps():
    return hostile_steps()


def test_hostile_steps_never_crash_and_agree(steps):
    require_rust()
    prefix, hostile = steps
    for item in hostile:
        answers = []
        for backend in ("python", "rust"):
            checker = build_invariant_checker(backend)
            for good in prefix:
                checker.apply(good)
            answers.append((canonical_bytes(checker.apply(item)), checker.state_hash()))
        assert answers[0] == answers[1], item if len(repr(item)) < 2000 else repr(item)[:2000]


def test_hostile_batch_and_jsonl(backend, steps):
    prefix, hostile = steps
    checker = build_invariant_checker(backend)
    found = checker.apply_batch(prefix + hostile)
    assert len(found) == len(prefix) + len(hostile)
    lines = b"\n".join([b"\xff\xfe", b'{"a":1,"a":2}', b"[" * 100_000, b"NaN", HUGE.encode(), b"{}"]) + b"\n"
    out = checker.apply_jsonl(lines)
    assert out.count(b"\n") == 6 and out.count(b"malformed_step") == 6


@pytest.mark.parametrize("document", [None, 5, "x", [], {}, deep(100), {"schema_version": 1}, {1: 2}])
def test_hostile_documents_raise_the_shared_exception(backend, document):
    checker = build_invariant_checker(backend)
    for method in (checker.restore, checker.load_core_snapshot, checker.check_snapshot):
        with pytest.raises(CracktraderError):
            method(document)


def test_hostile_construction_arguments(backend):
    for config in (deep(100), {"mode": "bad\ud800"}, {"starting_cash": HUGE}, {"starting_cash": 2**200}):
        with pytest.raises(CracktraderError):
            build_invariant_checker(backend, config=config)
    with pytest.raises(CracktraderError):
        build_invariant_checker(backend, enabled=["bad\ud800"])
    assert build_invariant_checker(backend, enabled=iter(())).enabled == frozenset()
