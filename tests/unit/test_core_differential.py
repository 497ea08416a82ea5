"""Python and Rust cores in lockstep on seeded random streams (plausible + hostile).

Every result is compared as canonical bytes, state hashes every 100 steps and at the
end, across every configuration of ``core_streams.CONFIGS``, through all three entry
points (``apply``, ``apply_batch``, ``apply_jsonl``). The streams mix plausible trading
with hostile inputs (wrong types in every field, malformed and huge numbers, NaN/inf,
lone surrogates, reused seq_ids, replayed reports, unknown ids, overfills).

``CORE_DIFF_STEPS`` (environment) scales the run; the default keeps it to seconds.
"""

from __future__ import annotations

import json
import os

import pytest
from backend_support import require_rust
from core_streams import CONFIGS, StreamGenerator

from cracktrader.engine import build_core
from cracktrader.engine.canonical import canonical_bytes

STEPS = int(os.environ.get("CORE_DIFF_STEPS", "3000"))
SEEDS = (11, 12)

pytestmark = pytest.mark.parity


@pytest.fixture(autouse=True)
def _needs_rust() -> None:
    require_rust()


def _config_id(config: dict) -> str:
    return "-".join(f"{k}={v}" for k, v in sorted(config.items())) or "defaults"


def _first_difference(a: bytes, b: bytes) -> str:
    for index, (x, y) in enumerate(zip(a.split(b"\n"), b.split(b"\n"))):
        if x != y:
            return f"line {index}:\npython {x[:600]!r}\nrust   {y[:600]!r}"
    return "lengths differ"


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("config", CONFIGS, ids=_config_id)
def test_apply_in_lockstep(config: dict, seed: int) -> None:
    gen = StreamGenerator(seed, mode=config.get("mode", "simulated"), hostility=0.2)
    py, rs = build_core("python", config=config), build_core("rust", config=config)
    codes = set()
    for step in range(STEPS):
        item = next(gen)
        a, b = py.apply(item), rs.apply(item)
        assert canonical_bytes(a) == canonical_bytes(b), f"step {step}: input {item!r:.600}"
        codes.add(a["code"])
        if step % 100 == 99:
            assert py.state_hash() == rs.state_hash(), f"state differs after step {step}"
    assert py.state_hash() == rs.state_hash()
    # the stream is not trivial: it exercised accepted inputs and several refusals
    assert "ok" in codes and "invalid_payload" in codes and len(codes) >= 6, codes


@pytest.mark.parametrize("config", CONFIGS, ids=_config_id)
def test_batches_and_json_lines_in_lockstep(config: dict) -> None:
    gen = StreamGenerator(21, mode=config.get("mode", "simulated"), hostility=0.2)
    items = gen.take(STEPS)
    # apply_batch: rust (batched, GIL released) vs python, chunk by chunk
    py, rs = build_core("python", config=config), build_core("rust", config=config)
    for start in range(0, len(items), 200):
        chunk = items[start : start + 200]
        got = [canonical_bytes(r) for r in rs.apply_batch(chunk)]
        want = [canonical_bytes(r) for r in py.apply_batch(chunk)]
        assert got == want, f"batch at {start}"
    assert py.state_hash() == rs.state_hash()
    # apply_jsonl: the same stream as JSON text, hostile bytes included
    lines = []
    for item in items:
        try:
            lines.append(json.dumps(item).encode("utf-8", "surrogatepass"))  # NaN tokens, raw surrogates stay
        except (TypeError, ValueError):
            lines.append(b'{"not json')
    data = b"\n".join(lines) + b"\n"
    py, rs = build_core("python", config=config), build_core("rust", config=config)
    a, b = py.apply_jsonl(data), rs.apply_jsonl(data)
    assert a == b, _first_difference(a, b)
    assert a.count(b"\n") == len(lines)
    assert py.state_hash() == rs.state_hash()


def test_rust_entry_points_agree_with_each_other() -> None:
    # apply, apply_batch and apply_jsonl are three doors to one core
    config = CONFIGS[2]
    items = [i for i in StreamGenerator(5, hostility=0.1).take(STEPS) if _jsonable(i)]
    one = build_core("rust", config=config)
    singles = [canonical_bytes(one.apply(i)) for i in items]
    batched = [canonical_bytes(r) for r in build_core("rust", config=config).apply_batch(items)]
    text = b"\n".join(json.dumps(i, ensure_ascii=False).encode("utf-8", "surrogatepass") for i in items) + b"\n"
    jsonl = build_core("rust", config=config).apply_jsonl(text).split(b"\n")[:-1]
    assert singles == batched
    # JSON text cannot carry Python-only distinctions (tuples, subclasses, non-str
    # keys, NaN), which _jsonable excluded; for the rest the three agree
    assert singles == jsonl


def _jsonable(item: object) -> bool:
    if not _plain(item):
        return False
    try:
        round_trip = json.loads(json.dumps(item, allow_nan=False))
    except (TypeError, ValueError):
        return False
    return canonical_bytes(round_trip) == canonical_bytes(item)


def _plain(item: object, depth: int = 0) -> bool:
    """Exact JSON types, encodable strings, and no deeper than strict JSON reads (32)."""
    kind = type(item)
    if kind is dict or kind is list:
        if depth >= 32:
            return False
        if kind is dict:
            return all(
                type(k) is str and _plain(k) and _plain(v, depth + 1) for k, v in item.items()  # type: ignore[union-attr]
            )
        return all(_plain(v, depth + 1) for v in item)  # type: ignore[union-attr]
    if kind is str:
        try:
            item.encode("utf-8")  # type: ignore[union-attr]
        except UnicodeEncodeError:
            return False
        return True
    return kind in (int, float, bool) or item is None
