"""``Core.apply_jsonl`` output sizes: empty, larger than the binding's first guess, large.

The rust binding writes the output straight into the returned ``bytes`` object, sized
first from the input (about twice its length), then trimmed or grown (D-592). These
cases reach each of its paths and compare the bytes with the python backend's.
"""

from __future__ import annotations

import json

from cracktrader.bench.workload import WORKLOAD_CONFIG, bar, core_stream, place
from cracktrader.engine import build_core
from cracktrader.engine.canonical import canonical_bytes


ORDERS = 40


def _jsonl(items: list[dict]) -> bytes:
    return b"".join(canonical_bytes(item) + b"\n" for item in items)


def _resting_orders() -> bytes:
    """A bar, then ``ORDERS`` buy limits at 95 that rest on the book."""
    setup = [bar(1, 60_000, "BTC/USDT", 100, 101, 99, 100)]
    setup += [place(2 + n, f"o{n}", "BTC/USDT", "buy", "limit", "1", limit_price="95") for n in range(ORDERS)]
    return _jsonl(setup)


def _crossing_bar() -> bytes:
    """One short bar line that trades through every resting order."""
    return _jsonl([bar(2 + ORDERS, 120_000, "BTC/USDT", 96, 97, 90, 92)])


def test_empty_input_gives_empty_bytes(backend: str) -> None:
    out = build_core(backend, WORKLOAD_CONFIG).apply_jsonl(b"")
    assert type(out) is bytes
    assert out == b""


def test_output_far_larger_than_input(backend: str) -> None:
    """One short bar line fills many resting orders: its output is many times its input."""
    core = build_core(backend, WORKLOAD_CONFIG)
    core.apply_jsonl(_resting_orders())
    line = _crossing_bar()
    out = core.apply_jsonl(line)
    # the premise: far more than the binding's first guess (2 * input + 256 bytes)
    assert len(out) > 2 * len(line) + 256
    (result,) = [json.loads(text) for text in out.splitlines()]
    assert result["accepted"] is True
    assert len(result["fills"]) == ORDERS


def test_output_larger_than_input_matches_python(native: object) -> None:
    outputs = []
    for name in ("python", "rust"):
        core = build_core(name, WORKLOAD_CONFIG)
        outputs.append((core.apply_jsonl(_resting_orders()), core.apply_jsonl(_crossing_bar())))
    assert outputs[0] == outputs[1]


def test_multi_megabyte_output_matches_python(native: object) -> None:
    """A multi-megabyte result written in place (the bench stream's shape, smaller)."""
    data = _jsonl(core_stream(14_000, seed=3))
    assert len(data) >= 4 << 20
    python_out = build_core("python", WORKLOAD_CONFIG).apply_jsonl(data)
    rust_out = build_core("rust", WORKLOAD_CONFIG).apply_jsonl(data)
    assert len(python_out.splitlines()) == 14_000
    assert rust_out == python_out
