"""Python checker vs Rust checker on the same histories, clean and corrupted: the
canonical violations of every step, the snapshots and the state hashes must be
identical, through apply, apply_batch and apply_jsonl, and across restore."""

from __future__ import annotations

import collections
import json
import random

import pytest

from cracktrader.engine import build_invariant_checker
from cracktrader.engine import strict_json
from cracktrader.engine.canonical import canonical_bytes
from cracktrader.engine.errors import InvalidPayload

from invariant_support import require_rust
from inv_streams import cached_history, corrupt

pytestmark = pytest.mark.parity


@pytest.fixture(autouse=True)
def _rust():
    require_rust()


def both(config):
    return (build_invariant_checker("python", config=config), build_invariant_checker("rust", config=config))


def assert_same(history, config):
    """Run ``history`` through both checkers; return the python violations."""
    py, rs = both(config)
    outputs = []
    for index, item in enumerate(history):
        expected = py.apply(item)
        assert canonical_bytes(rs.apply(item)) == canonical_bytes(expected), (index, item)
        outputs.append(expected)
    assert canonical_bytes(rs.snapshot()) == canonical_bytes(py.snapshot())
    assert rs.state_hash() == py.state_hash()
    return outputs


@pytest.mark.parametrize("mode", ["simulated", "external"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_clean_histories_agree(mode, seed):
    config, history, core = cached_history(seed, mode, 2000)
    assert_same(history, config)


@pytest.mark.parametrize("mode", ["simulated", "external"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_corrupted_histories_agree(mode, seed):
    config, history, _ = cached_history(seed, mode, 2000)
    rng = random.Random(seed * 1000 + len(mode))
    seen = collections.Counter()
    for _ in range(60):
        start = rng.randrange(0, 1750)
        piece = corrupt(history[start : start + 250], rng)
        # the piece starts mid-stream: begin from the core's state at that point
        outputs = assert_same(piece, config)
        seen.update(v["code"] for step in outputs for v in step)
    # the corrupted histories do exercise many codes (else agreement says little)
    assert len(seen) >= 12, seen


def test_all_codes_agree_on_the_hand_made_histories():
    """The hand-made histories of test_invariant_codes, through both backends."""
    import test_invariant_codes as cases

    recorded = []
    original = cases.run

    def spy(backend, history, config=None, enabled=None):
        recorded.append((history, config, enabled))
        return original(backend, history, config, enabled)

    cases.run = spy
    try:
        for name in dir(cases):
            test = getattr(cases, name)
            if name.startswith("test_") and callable(test):
                try:
                    test("python")
                except TypeError:
                    continue  # not parametrized over backend only
    finally:
        cases.run = original
    assert len(recorded) > 40
    for history, config, enabled in recorded:
        py = build_invariant_checker("python", config=config, enabled=enabled)
        rs = build_invariant_checker("rust", config=config, enabled=enabled)
        for item in history:
            assert canonical_bytes(rs.apply(item)) == canonical_bytes(py.apply(item))
        assert rs.state_hash() == py.state_hash()


@pytest.mark.parametrize("mode", ["simulated", "external"])
def test_jsonl_and_batch_agree_with_apply(mode):
    config, history, _ = cached_history(4, mode, 1500)
    rng = random.Random(4)
    history = corrupt(history, rng)
    lines = []
    for item in history:
        try:
            text = json.dumps(item, allow_nan=False, ensure_ascii=False)
            lines.append(text.encode("utf-8"))
        except (TypeError, ValueError, UnicodeEncodeError):
            lines.append(b'{"input": NaN}')  # unreadable JSON: malformed on both sides
    data = b"\n".join(lines) + b"\n"
    py, rs = both(config)
    out = py.apply_jsonl(data)
    assert rs.apply_jsonl(data) == out
    assert rs.state_hash() == py.state_hash()
    # apply_jsonl == canonical(apply(parsed line)) line by line
    again = build_invariant_checker("rust", config=config)
    expected = []
    for line in lines:
        try:
            item = strict_json.loads(line)  # JSON text deeper than 32 is unreadable too
        except InvalidPayload:
            expected.append(canonical_bytes([{"code": "malformed_step", "seq_id": None, "order_id": None}]))
            continue
        expected.append(canonical_bytes(again.apply(item)))
    assert out == b"\n".join(expected) + b"\n"
    batch = build_invariant_checker("rust", config=config)
    loop = build_invariant_checker("python", config=config)
    assert canonical_bytes(batch.apply_batch(history)) == canonical_bytes([loop.apply(item) for item in history])


@pytest.mark.parametrize("first, second", [("python", "rust"), ("rust", "python")])
def test_snapshot_from_one_backend_restores_in_the_other(first, second):
    config, history, _ = cached_history(6, "simulated", 1500)
    history = corrupt(history, random.Random(6))
    a = build_invariant_checker(first, config=config)
    for item in history[:700]:
        a.apply(item)
    b = build_invariant_checker(second)
    b.restore(a.snapshot())
    assert b.state_hash() == a.state_hash()
    for item in history[700:]:
        assert canonical_bytes(b.apply(item)) == canonical_bytes(a.apply(item))
    assert b.state_hash() == a.state_hash()


def test_core_snapshot_loading_agrees():
    config, history, core = cached_history(8, "external", 1200)
    py, rs = both(None)
    snapshot = core.snapshot()
    py.load_core_snapshot(snapshot)
    rs.load_core_snapshot(snapshot)
    assert canonical_bytes(rs.snapshot()) == canonical_bytes(py.snapshot())
    assert rs.check_snapshot(snapshot) == py.check_snapshot(snapshot) == []
