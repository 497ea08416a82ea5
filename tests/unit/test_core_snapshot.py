"""Core snapshots: round trips, restore across backends, and refusal of bad snapshots.

A snapshot holds everything needed to continue identically (DESIGN.md section 7), so
a core restored from it (in either backend) must produce the same results as the core
it was taken from. ``restore`` validates fully and never half-loads: a refused
snapshot leaves the core exactly as it was.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from typing import Any, Callable

import pytest
from core_inputs import Driver, canon
from core_streams import CONFIGS, StreamGenerator

from cracktrader.engine import build_core
from cracktrader.engine.errors import InvalidPayload
from cracktrader.engine.validation import problems

BACKENDS = ("python", "rust")


def busy_core(backend: str) -> Driver:
    """A core with positions, live and terminal orders, bars, prices, keys, streams."""
    d = Driver(backend, {"commission_rate": "0.001"})
    d.bar("100", "101", "99", "100")
    d.place("p1", qty="2")
    d.place("c1", side="sell", qty="2", order_type="limit", limit_price="120", parent_order_id="p1", oco_group="g")
    d.place("c2", side="sell", qty="2", order_type="stop", stop_price="90", parent_order_id="p1", oco_group="g")
    d.place("l1", qty="1", order_type="limit", limit_price="50", expire_time=10**9)
    d.bar("100.5", "102", "100", "101")
    d.trade("101.25", venue="kraken", instrument="ETH/USDT")
    d.flag("allow_short", False)
    return d


def test_snapshot_is_schema_valid_and_canonical_on_both_backends() -> None:
    snaps = [busy_core(b).snapshot() for b in BACKENDS]
    assert canon(snaps[0]) == canon(snaps[1])
    for snap in snaps:
        assert problems("core_snapshot", snap) == []
        assert [o["order_id"] for o in snap["orders"]] == ["p1", "c1", "c2", "l1"]
        assert snap["applied_keys"] == sorted(snap["applied_keys"])
        assert snap["positions"]["binance"]["BTC/USDT"]["size"] == "2"
        assert snap["last_price"]["kraken"]["ETH/USDT"] == {"time": 121000, "price": "101.25"}
        assert snap["risk_flags"] == {"allow_short": False}


@pytest.mark.parametrize("source", BACKENDS)
@pytest.mark.parametrize("target", BACKENDS)
def test_restore_continues_identically_across_backends(source: str, target: str, backend: str) -> None:
    # `backend` only makes the rust cases skip/fail like every other rust test
    original = busy_core(source)
    restored = Driver(target)
    restored.core.restore(original.snapshot())
    restored.seq, restored.time = original.seq, original.time
    assert restored.core.state_hash() == original.core.state_hash()
    for d in (original, restored):
        d.results = [  # type: ignore[attr-defined]
            d.bar("99", "100", "85", "88"),  # stop child fills, OCO cancels the limit child
            d.place("m1", side="sell", qty="1"),
            d.bar("90", "91", "40", "45"),
            d.cancel("l1"),
        ]
    assert [canon(r) for r in original.results] == [canon(r) for r in restored.results]  # type: ignore[attr-defined]
    assert restored.core.state_hash() == original.core.state_hash()


def test_restore_replaces_the_config(backend: str) -> None:
    snap = Driver("python", {"mode": "external", "starting_cash": "7"}).snapshot()
    core = build_core(backend)
    core.restore(snap)
    assert core.snapshot()["config"]["mode"] == "external"
    assert core.snapshot()["cash"] == "7"


def test_snapshot_is_a_copy(backend: str) -> None:
    d = busy_core(backend)
    snap = d.snapshot()
    before = canon(snap)
    d.bar("1", "200", "1", "150")
    assert canon(snap) == before
    snap["cash"] = "0"
    assert d.cash() != "0"


def test_differential_stream_survives_restores(backend: str) -> None:
    # restore mid-stream, every 150 steps, alternating the backend that takes over
    for config in CONFIGS[:3]:
        gen = StreamGenerator(7, mode=config.get("mode", "simulated"), hostility=0.05)
        reference = build_core("python", config=config)
        current = build_core(backend, config=config)
        for step in range(600):
            item = next(gen)
            assert canon(reference.apply(item)) == canon(current.apply(item)), step
            if step % 150 == 149:
                nxt = build_core(BACKENDS[(step // 150) % 2])
                nxt.restore(current.snapshot())
                current = nxt
        assert current.state_hash() == reference.state_hash()


# ------------------------------------------------------------ bad snapshots

Mutation = Callable[[dict[str, Any]], None]


def _set(path: tuple[Any, ...], value: Any) -> Mutation:
    def mutate(snap: dict[str, Any]) -> None:
        target = snap
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return mutate


def _delete(path: tuple[Any, ...]) -> Mutation:
    def mutate(snap: dict[str, Any]) -> None:
        target = snap
        for part in path[:-1]:
            target = target[part]
        del target[path[-1]]

    return mutate


def _add_key(path: tuple[Any, ...], key: Any) -> Mutation:
    def mutate(snap: dict[str, Any]) -> None:
        target = snap
        for part in path:
            target = target[part]
        target[key] = 1

    return mutate


def _duplicate_order(snap: dict[str, Any]) -> None:
    snap["orders"].append(copy.deepcopy(snap["orders"][0]))


def _swap_orders(snap: dict[str, Any]) -> None:
    snap["orders"][0], snap["orders"][1] = snap["orders"][1], snap["orders"][0]


BAD: dict[str, Mutation] = {
    "not a dict": lambda snap: snap.clear(),  # emptied: every key missing
    "unknown top key": _add_key((), "extra"),
    "missing key": _delete(("stream_times",)),
    "schema version": _set(("schema_version",), 2),
    "float integer": _set(("last_seq_id",), 3.0),
    "bool integer": _set(("last_seq_id",), True),
    "seq above 2^63": _set(("last_seq_id",), 2**63),
    "negative seq": _set(("last_seq_id",), -1),
    "minus zero": _set(("cash",), "-0"),
    "trailing zero": _set(("cash",), "1.50"),
    # more fraction digits than the 9 a decimal has: no rounding on load
    "ten fraction digits": _set(("cash",), "0.0000000001"),
    "trailing newline decimal": _set(("cash",), "5\n"),
    "exponent decimal": _set(("cash",), "1e3"),
    "decimal out of i128": _set(("cash",), "170141183460469231731687303716"),
    "number not string": _set(("cash",), 5),
    "bad mode": _set(("config", "mode"), "live"),
    "negative commission": _set(("config", "commission_rate"), "-0.1"),
    "zero max qty": _set(("config", "max_order_qty"), "0"),
    "config extra key": _add_key(("config",), "x"),
    "position extra key": _add_key(("positions", "binance", "BTC/USDT"), "x"),
    "position not object": _set(("positions", "binance", "BTC/USDT"), ["1", "2", "3"]),
    "non-str map key": _add_key(("positions",), 1),
    "lone surrogate key": _add_key(("positions",), "\ud800"),
    "lone surrogate value": _set(("applied_keys",), ["\ud800"]),
    "applied key not str": _set(("applied_keys",), [1]),
    "identifier with newline": _set(("orders", 0, "order_id"), "p1\n"),
    "identifier with control": _set(("orders", 0, "strategy_id"), "s\x07"),
    "identifier too long": _set(("orders", 0, "intent_id"), "x" * 129),
    "empty identifier": _set(("orders", 0, "venue"), ""),
    "bad state": _set(("orders", 0, "state"), "done"),
    "bad side": _set(("orders", 0, "side"), "BUY"),
    "fill_notional newline": _set(("orders", 0, "fill_notional"), "5\n"),
    "fill_notional decimal": _set(("orders", 0, "fill_notional"), "1.5"),
    "fill_notional out of i128": _set(("orders", 0, "fill_notional"), "9" * 40),
    "fill_count above 2^63": _set(("orders", 0, "fill_count"), 2**63),
    "zero qty": _set(("orders", 3, "qty"), "0"),
    "filled above qty": _set(("orders", 0, "filled_qty"), "3"),
    "negative filled": _set(("orders", 3, "filled_qty"), "-1"),
    "limit without price": _set(("orders", 3, "limit_price"), None),
    "market with price": _set(("orders", 0, "stop_price"), "5"),
    "duplicate order": _duplicate_order,
    "orders out of submit order": _swap_orders,
    "submit_seq zero": _set(("orders", 0, "submit_seq"), 0),
    "order extra key": _add_key(("orders", 0), "x"),
    "bar timeframe above 2^63": _set(("last_bar", "binance", "BTC/USDT", "timeframe_ms"), 2**63),
    "bar float time": _set(("last_bar", "binance", "BTC/USDT", "time"), 1.0),
    "stream key not canonical": _add_key(("stream_times",), '["market_data", "binance","BTC/USDT",0]'),
    "stream key not a stream": _add_key(("stream_times",), "[1,2,3,4]"),
    "stream key bad source": _add_key(("stream_times",), '["nope","v","i",0]'),
    "stream key not json": _add_key(("stream_times",), "["),
    "str subclass": _set(("orders", 0, "order_id"), type("S", (str,), {})("p1")),
    "dict subclass": _set(("risk_flags",), OrderedDict(allow_short=True)),
    "risk flags extra": _add_key(("risk_flags",), "kill_switch"),
    "kill switch not bool": _set(("kill_switch",), 0),
    "nested too deep": _set(("orders", 0, "qty"), [[[[[[["1"]]]]]]]),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_snapshot_is_refused_and_changes_nothing(name: str, backend: str) -> None:
    snap = busy_core("python").snapshot()
    BAD[name](snap)
    d = busy_core(backend)
    before = d.core.state_hash()
    with pytest.raises(InvalidPayload):
        d.core.restore(snap)
    assert d.core.state_hash() == before
    # and the core still works
    assert d.bar("100", "100", "100", "100")["accepted"] is True


@pytest.mark.parametrize("bad", [None, [], "snapshot", 5, b"{}"])
def test_non_dict_snapshot_is_refused(bad: Any, backend: str) -> None:
    with pytest.raises(InvalidPayload):
        build_core(backend).restore(bad)


def test_self_referencing_snapshot_is_refused(backend: str) -> None:
    snap = busy_core("python").snapshot()
    loop: list[Any] = []
    loop.extend([loop] * 50)
    snap["applied_keys"] = loop
    with pytest.raises(InvalidPayload):
        build_core(backend).restore(snap)
    snap = busy_core("python").snapshot()
    cyclic: dict[str, Any] = {}
    cyclic.update({f"k{i}": cyclic for i in range(50)})
    snap["positions"] = cyclic
    with pytest.raises(InvalidPayload):
        build_core(backend).restore(snap)


def test_unsorted_applied_keys_are_accepted_as_a_set(backend: str) -> None:
    # The schema says "sorted" in prose only; both backends read the keys as a set.
    snap = busy_core("python").snapshot()
    snap["applied_keys"] = list(reversed(snap["applied_keys"])) + snap["applied_keys"][:1]
    core = build_core(backend)
    core.restore(snap)
    assert core.snapshot()["applied_keys"] == sorted(set(snap["applied_keys"]))
