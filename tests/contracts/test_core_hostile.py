"""Hostile inputs at the Rust binding (issue 5, item 4): refused results or the shared
exceptions, never ``PanicException`` (a ``BaseException``), never a crash.

Every case also runs on the Python backend and the two must agree: a refused result
with the same canonical bytes, or an exception of the same class.
"""

from __future__ import annotations

import json
import random
from collections import OrderedDict
from typing import Any, Callable

import pytest
from backend_support import require_rust
from core_inputs import bar_payload, event, intent, place_payload

from cracktrader.engine import build_core
from cracktrader.engine.canonical import canonical_bytes
from cracktrader.engine.errors import CracktraderError

pytestmark = pytest.mark.parity

TEN_MB = 10 * 1024 * 1024


@pytest.fixture(autouse=True)
def _needs_rust() -> None:
    require_rust()


def outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    """("ok", value) or ("raised", exception class name); a BaseException that is not
    an Exception (PanicException, SystemExit, ...) fails the test at once."""
    try:
        return ("ok", call())
    except Exception as exc:  # noqa: BLE001 - the class is what is compared
        return ("raised", type(exc).__name__)
    except BaseException as exc:  # pragma: no cover - this is the bug being hunted
        pytest.fail(f"{type(exc).__module__}.{type(exc).__name__} escaped: {exc!r}")


def both(method: str, *args: Any, config: dict | None = None, fresh: Callable[[], tuple] | None = None) -> Any:
    """Run ``core.<method>(*args)`` on both backends; assert they agree; return rust's.

    ``fresh`` makes the arguments anew for each backend (for one-shot iterators).
    """
    results = {}
    for backend in ("python", "rust"):
        core = build_core(backend, config=config)
        call_args = fresh() if fresh is not None else args
        results[backend] = (outcome(lambda: getattr(core, method)(*call_args)), core)
    (py_kind, py_value), py_core = results["python"]
    (rs_kind, rs_value), rs_core = results["rust"]
    assert py_kind == rs_kind, (py_value, rs_value)
    if py_kind == "raised":
        assert py_value == rs_value
    else:
        assert _canon(py_value) == _canon(rs_value)
    assert py_core.state_hash() == rs_core.state_hash()
    return rs_value


def _canon(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    return canonical_bytes(value)


# --------------------------------------------------------------- the pool

def _self_list() -> list:
    loop: list = []
    loop.extend([loop] * 64)
    return loop


def _self_dict() -> dict:
    loop: dict = {}
    loop.update({f"k{i}": loop for i in range(64)})
    loop["kind"] = loop
    return loop


def _deep_list(depth: int) -> list:
    out: list = []
    for _ in range(depth):
        out = [out]
    return out


def _deep_dict(depth: int) -> dict:
    out: dict = {}
    for _ in range(depth):
        out = {"payload": out}
    return out


class _Str(str):
    pass


class _Weird:
    """Raises from every comparison and conversion a careless binding might try."""

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("no comparing")

    __hash__ = object.__hash__

    def __index__(self) -> int:
        raise RuntimeError("no index")

    def __float__(self) -> float:
        raise RuntimeError("no float")

    def __str__(self) -> str:
        raise RuntimeError("no str")


HOSTILE: dict[str, Any] = {
    "lone surrogate": "\ud800",
    "surrogate pair halves": "a\udfff\ud800b",
    "huge int": 2**4000,
    "huge negative int": -(2**200),
    "i128 edge": 2**127,
    "nan": float("nan"),
    "inf": float("inf"),
    "-inf": float("-inf"),
    "bool": True,
    "none": None,
    "float": 1.5,
    "empty": "",
    "control": "\x00",
    "tuple": (1, 2),
    "set": {1},
    "bytes": b"1",
    "bytearray": bytearray(b"1"),
    "object": object(),
    "weird": _Weird(),
    "str subclass": _Str("buy"),
    "ordered dict": OrderedDict(a=1),
    "deep list": _deep_list(100_000),
    "deep dict": _deep_dict(10_000),
    "self list": _self_list(),
    "self dict": _self_dict(),
    "number string overflow": "9" * 200,
    "long exponent": "1e9999999999999999999999",
}

VALID_INPUTS = {
    "bar": event(1, "bar", bar_payload("1", "2", "0.5", "1.5")),
    "fill": event(1, "order_filled", {"order_id": "o", "fill_id": "f", "qty": "1", "price": "1", "fee": "0.1"}),
    "place": intent(1, "place_order", place_payload("o", order_type="stop_limit", limit_price="1", stop_price="1",
                                                     expire_time=5, parent_order_id="p", oco_group="g")),
    "replace": intent(1, "replace_order", {"order_id": "o", "qty": "1", "limit_price": "1", "stop_price": None}),
    "flag": intent(1, "set_risk_flag", {"name": "allow_short", "value": False}),
}


def _fields(obj: dict) -> list[tuple[str, ...]]:
    paths = [(key,) for key in obj]
    paths += [("payload", key) for key in obj.get("payload", {})]
    return paths


def _replaced(obj: dict, path: tuple[str, ...], value: Any) -> dict:
    out = dict(obj)
    if len(path) == 1:
        out[path[0]] = value
    else:
        out["payload"] = dict(out["payload"])
        out["payload"][path[1]] = value
    return out


# ---------------------------------------------------------------- the tests

@pytest.mark.parametrize("hostile", sorted(HOSTILE))
@pytest.mark.parametrize("name", sorted(VALID_INPUTS))
def test_every_field_takes_every_hostile_value(name: str, hostile: str) -> None:
    base = VALID_INPUTS[name]
    for path in _fields(base):
        obj = _replaced(base, path, HOSTILE[hostile])
        result = both("apply", obj)  # same result as the Python backend, or both raise
        if result["accepted"] is False:
            [diagnostic] = result["diagnostics"]
            assert diagnostic["code"] == result["code"]
            assert diagnostic["field"] == "" or diagnostic["field"].startswith("/")


@pytest.mark.parametrize("hostile", sorted(HOSTILE))
def test_hostile_whole_inputs_and_keys(hostile: str) -> None:
    value = HOSTILE[hostile]
    assert both("apply", value)["diagnostics"][0]["field"] in ("", "/kind")
    for base in VALID_INPUTS.values():
        bad_key = dict(base)
        try:
            bad_key[value] = 1
        except TypeError:  # unhashable
            continue
        both("apply", bad_key)
        payload_key = dict(base)
        payload_key["payload"] = {**base["payload"], value: 1}
        both("apply", payload_key)


def test_batches_of_hostile_inputs() -> None:
    batch = list(HOSTILE.values()) + [_replaced(VALID_INPUTS["bar"], ("payload",), v) for v in HOSTILE.values()]
    results = both("apply_batch", batch)
    assert len(results) == len(batch) and all(r["accepted"] is False for r in results)
    both("apply_batch", tuple(batch))
    assert len(both("apply_batch", fresh=lambda: (iter(batch),))) == len(batch)
    assert len(both("apply_batch", fresh=lambda: ((item for item in batch),))) == len(batch)
    assert both("apply_batch", 5) == "TypeError"
    assert both("apply_batch", None) == "TypeError"


def test_a_batch_that_fails_while_being_read_applies_nothing() -> None:
    def items():
        yield intent(1, "noop", {})
        raise KeyError("the source broke")

    assert both("apply_batch", fresh=lambda: (items(),)) == "KeyError"
    for backend in ("python", "rust"):
        core = build_core(backend)
        with pytest.raises(KeyError):
            core.apply_batch(items())
        assert core.snapshot()["last_seq_id"] == 0


@pytest.mark.parametrize("field", ["order_id", "venue", "qty", "intent_id"])
def test_ten_megabyte_strings(field: str) -> None:
    big = "1" * TEN_MB if field == "qty" else "x" * TEN_MB
    obj = _replaced(VALID_INPUTS["place"], ("payload", field), big)
    result = both("apply", obj)
    assert result["accepted"] is False
    assert result["code"] == ("numeric_overflow" if field == "qty" else "invalid_payload")
    key_obj = dict(VALID_INPUTS["bar"])
    key_obj["k" * TEN_MB] = 1
    assert both("apply", key_obj)["code"] == "invalid_payload"


def test_ten_megabyte_json_lines() -> None:
    line = json.dumps(_replaced(VALID_INPUTS["place"], ("payload", "order_id"), "x" * TEN_MB)).encode()
    out = both("apply_jsonl", line + b"\n")
    assert json.loads(out)["diagnostics"] == [{"code": "invalid_payload", "field": "/payload/order_id"}]
    many_keys = b"{" + b",".join(b'"k%d":0' % i for i in range(500_000)) + b"}\n"
    assert json.loads(both("apply_jsonl", many_keys))["diagnostics"][0]["field"] == "/kind"
    digits = b'{"kind":"event","seq_id":' + b"1" * TEN_MB + b"}\n"
    assert json.loads(both("apply_jsonl", digits))["code"] == "invalid_payload"


def test_json_lines_with_hostile_bytes() -> None:
    rng = random.Random(99)
    valid = json.dumps(VALID_INPUTS["bar"]).encode()
    chunks = [
        b"\xff\xfe", b"\xc3", b"\xed\xa0\x80", b'"\\ud800"', b"NaN", b"-Infinity", b"[" * 100_000, b"{" * 50,
        b'{"a":1,"a":1}', b"\x00", b"", b"1" * 5000, b"1e999999", b"[1,]", b"\x1e" + valid, valid + b" x",
        valid.replace(b'"1"', b"1" + b"0" * 70, 1), valid.replace(b"bar", b"b\\u0061r"),
    ]
    for _ in range(200):  # mutated copies of a valid line: flipped, dropped and inserted bytes
        line = bytearray(valid)
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(line))
            roll = rng.random()
            if roll < 0.4:
                line[at] = rng.randrange(256)
            elif roll < 0.7:
                del line[at]
            else:
                line.insert(at, rng.choice(b'{}[]",:\\0123456789eE.-+tfnu\x00\xff'))
        chunks.append(bytes(line).replace(b"\n", b" "))
    data = b"\n".join(chunks) + b"\n"
    out = both("apply_jsonl", data)
    assert out.count(b"\n") == len(chunks)
    for bad in ("text", 5, None, [1], {"a": 1}):
        assert both("apply_jsonl", bad) == "TypeError"


def test_hostile_configs() -> None:
    for config in (5, "simulated", [("mode", "external")], {1: 2}, {"mode": _Str("external")},
                   {"starting_cash": float("nan")}, {"starting_cash": 2**200}, {"commission_rate": "\ud800"},
                   {"max_notional": _self_list()}, {"allow_short": 1}, {"\ud800": 1}):
        kinds = set()
        for backend in ("python", "rust"):
            kind, value = outcome(lambda: build_core(backend, config=config))
            kinds.add((kind, value if kind == "raised" else None))
        assert kinds == {("raised", "InvalidConfig")}, (config, kinds)
    # a dict subclass is a dict for the config (isinstance on both backends)
    for backend in ("python", "rust"):
        assert build_core(backend, config=OrderedDict(mode="external")).snapshot()["config"]["mode"] == "external"


def test_extra_constructor_arguments_are_type_errors() -> None:
    for backend in ("python", "rust"):
        assert outcome(lambda: build_core(backend, config=None, bogus=1)) == ("raised", "TypeError")


def test_restore_of_hostile_objects() -> None:
    for value in HOSTILE.values():
        assert both("restore", value) == "InvalidPayload"
    snapshot = build_core("python").snapshot()
    for key in list(snapshot):
        for value in (_self_list(), _self_dict(), _deep_list(10_000), 2**4000, float("nan"), "\ud800"):
            assert both("restore", {**snapshot, key: value}) == "InvalidPayload", key


def test_errors_are_the_shared_classes() -> None:
    core = build_core("rust")
    with pytest.raises(CracktraderError):
        core.restore({})
    with pytest.raises(ValueError):  # InvalidPayload is also a ValueError, as in Python
        core.restore([])


def test_concurrent_use_is_refused_not_undefined() -> None:
    # While a batch runs with the interpreter lock released, another thread's call on
    # the same core is refused by the borrow check (RuntimeError), never interleaved.
    import threading

    core = build_core("rust")
    batch = [intent(n, "noop", {}) for n in range(1, 400_001)]
    errors: list[BaseException] = []
    results: list[Any] = []

    def run() -> None:
        try:
            results.append(core.apply_batch(batch))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    seen = set()
    while worker.is_alive():
        kind, value = outcome(lambda: core.state_hash())
        seen.add(kind if kind == "ok" else value)
    worker.join()
    assert not errors and len(results[0]) == len(batch)
    assert seen <= {"ok", "RuntimeError"}
    assert core.snapshot()["last_seq_id"] == 400_000
