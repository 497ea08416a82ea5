"""The core has exactly the same API on both backends (D-020, issue 5 item 2)."""

from __future__ import annotations

from backend_support import require_rust

import inspect

import pytest
from core_inputs import Driver, bar_payload, event, intent
from core_streams import StreamGenerator

from cracktrader.backend import native
from cracktrader.engine import build_core
from cracktrader.engine.canonical import canonical_bytes, find_float
from cracktrader.engine.core import Core as PythonCore
from cracktrader.engine.errors import InvalidConfig
from cracktrader.engine.validation import problems

METHODS = ("apply", "apply_batch", "apply_jsonl", "snapshot", "restore", "state_hash")


def test_build_core_returns_the_backend_asked_for(backend: str) -> None:
    core = build_core(backend=backend, config={"mode": "external"})
    assert core.backend == backend
    assert type(core).backend == backend
    for name in METHODS:
        assert callable(getattr(core, name))


def test_method_parameters_match_the_python_core() -> None:
    # the python core is the reference the rust core's signatures are compared with
    require_rust()
    rust_core = native().Core
    for name in METHODS:
        python_params = list(inspect.signature(getattr(PythonCore, name)).parameters)[1:]
        rust_params = list(inspect.signature(getattr(rust_core, name)).parameters)[1:]
        assert rust_params == python_params, name
    assert list(inspect.signature(rust_core).parameters) == ["config"]


def test_keyword_arguments(backend: str) -> None:
    core = build_core(backend, config=None)
    assert core.apply(obj=intent(1, "noop", {}))["code"] == "ok"
    assert core.apply_batch(inputs=[intent(2, "noop", {})])[0]["code"] == "ok"
    assert core.apply_jsonl(data=b'{"kind":"intent","seq_id":3,"intent_type":"noop","payload":{}}\n').endswith(b"\n")
    core.restore(snapshot=core.snapshot())
    assert core.snapshot()["last_seq_id"] == 3


def test_config_errors_raise_invalid_config(backend: str) -> None:
    for config in ({"mode": "paper"}, {"nope": 1}, {"commission_rate": "-1"}, {"max_order_qty": 0}, []):
        with pytest.raises(InvalidConfig):
            build_core(backend, config=config)
    assert build_core(backend, config={}).snapshot()["config"] == {
        "mode": "simulated",
        "starting_cash": "100000",
        "commission_rate": "0",
        "late_policy": "reject",
        "max_order_qty": None,
        "max_notional": None,
        "allow_short": True,
    }


def test_results_and_snapshots_are_schema_valid_plain_data(backend: str) -> None:
    core = build_core(backend, config={"commission_rate": "0.001"})
    for item in StreamGenerator(3, hostility=0.15).take(1500):
        result = core.apply(item)
        assert problems("transition_result", result) == [], result
        assert find_float(result) is None
    snap = core.snapshot()
    assert problems("core_snapshot", snap) == []
    assert find_float(snap) is None


def test_result_dicts_have_python_key_order_and_are_independent(backend: str) -> None:
    d = Driver(backend)
    d.bar("1", "1", "1", "1")
    d.place("o", qty="1")
    first = d.bar("2", "2", "2", "2")
    reference = Driver("python")
    reference.bar("1", "1", "1", "1")
    reference.place("o", qty="1")
    expected = reference.bar("2", "2", "2", "2")
    assert list(first) == list(expected)
    assert [list(t) for t in first["transitions"]] == [list(t) for t in expected["transitions"]]
    assert [list(f) for f in first["fills"]] == [list(f) for f in expected["fills"]]
    assert list(first["position_deltas"][0]) == list(expected["position_deltas"][0])
    # results are fresh objects: changing one never shows in another
    first["fills"].append("mine")
    first["transitions"][0]["to"] = "mine"
    second = d.bar("3", "3", "3", "3")
    assert second["fills"] == [] and "mine" not in canonical_bytes(d.snapshot()).decode()


def test_state_hash_is_sha256_of_the_canonical_snapshot(backend: str) -> None:
    import hashlib

    core = build_core(backend)
    core.apply(event(1, "bar", bar_payload(1, 2, 1, 2)))
    assert core.state_hash() == hashlib.sha256(canonical_bytes(core.snapshot())).hexdigest()


def test_build_profile_is_reported() -> None:
    require_rust()
    assert native().build_profile() in ("release", "debug")
