"""What a worker may send (runtime events), and where strategies may come from."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cracktrader.runtime import loader
from cracktrader.runtime.events import WireError, make_event, validate
from cracktrader.runtime.strategy_adapter import SpecRefused, builtin_strategy_root, check

# ---- runtime events ------------------------------------------------------------------


def test_a_well_formed_event_round_trips():
    event = make_event("order", "order_filled", {"qty": "1", "n": 3, "ok": True, "nested": {"a": [1, None]}},
                       event_time=5, attribution={"strategy_id": "s", "execution_id": "x"})
    assert validate(event) == event


@pytest.mark.parametrize(
    "change, message",
    [
        ({"family": "gossip"}, "family"),
        ({"name": "Bad Name"}, "name"),
        ({"name": ""}, "name"),
        ({"event_time": -1}, "event_time"),
        ({"event_time": True}, "event_time"),
        ({"event_time": 2**63}, "event_time"),
        ({"data": []}, "data must be an object"),
        ({"data": {"price": 1.5}}, "floats"),
        ({"data": {"n": 2**64}}, "64 bits"),
        ({"data": {"text": "\ud800"}}, "surrogate"),
        ({"data": {"\udfff": 1}}, "surrogate"),
        ({"strategy_id": ""}, "strategy_id"),
        ({"strategy_id": "x" * 129}, "strategy_id"),
        ({"route_id": 7}, "route_id"),
        ({"extra": 1}, "unknown event keys"),
    ],
)
def test_malformed_events_are_refused(change, message):
    event = make_event("heartbeat", "mark", {"cash": "1"})
    event.update(change)
    with pytest.raises(WireError, match=message):
        validate(event)


def test_deep_data_is_refused():
    data: dict = {}
    node = data
    for _ in range(12):
        node["x"] = {}
        node = node["x"]
    with pytest.raises(WireError, match="deeper"):
        validate(make_event("heartbeat", "mark", data))


def test_not_an_object_is_refused():
    with pytest.raises(WireError):
        validate(["family", "order"])


# ---- strategy specs and paths --------------------------------------------------------


@pytest.fixture
def roots(tmp_path: Path) -> list[Path]:
    root = tmp_path / "strategies"
    (root / "pkg" / "sub").mkdir(parents=True)
    (root / "mine.py").write_text("from cracktrader.runtime import RuntimeStrategy\nclass Mine(RuntimeStrategy):\n    pass\n")
    (root / "pkg" / "__init__.py").write_text("class Pkg: pass\n")
    (root / "pkg" / "sub" / "deep.py").write_text("class Deep: pass\n")
    outside = tmp_path / "outside.py"
    outside.write_text("class Evil: pass\n")
    os.symlink(outside, root / "escape.py")
    return [root]


@pytest.mark.parametrize("spec", ["", "demo", "demo:", ":Cls", "../x:Y", "a/b:C", "a b:C", "a:B:C", "1a:B",
                                  "os.path:join()", "a..b:C", "a:B.c", "é:C"])
def test_bad_spec_shapes_are_refused(spec):
    with pytest.raises(loader.StrategySpecError):
        loader.parse(spec)


def test_resolution_stays_inside_the_roots(roots):
    assert loader.resolve("mine:Mine", roots).path.endswith("mine.py")
    assert loader.resolve("pkg:Pkg", roots).path.endswith(os.path.join("pkg", "__init__.py"))
    assert loader.resolve("pkg.sub.deep:Deep", roots).path.endswith("deep.py")
    for spec in ("os:system", "subprocess:Popen", "cracktrader.engine:build_core", "json:loads",
                 "escape:Evil", "outside:Evil"):
        with pytest.raises(loader.StrategyNotFound):
            loader.resolve(spec, roots)


def test_installed_modules_are_not_strategies_even_with_builtins():
    with pytest.raises(loader.StrategyNotFound):
        loader.resolve("os:system", [builtin_strategy_root()])
    assert loader.resolve("demo:SmaCross", [builtin_strategy_root()]).cls == "SmaCross"


def test_first_root_wins(tmp_path: Path, roots):
    other = tmp_path / "other"
    other.mkdir()
    (other / "mine.py").write_text("class Mine: pass\n")
    assert loader.resolve("mine:Mine", [other, *roots]).root == str(other.resolve())


def test_load_class_reports_missing_classes_and_import_errors(tmp_path: Path, roots):
    assert loader.load_class(loader.resolve("mine:Mine", roots)).__name__ == "Mine"
    with pytest.raises(loader.StrategyLoadError, match="no class"):
        loader.load_class(loader.resolve("mine:Absent", roots))
    (roots[0] / "broken.py").write_text("raise RuntimeError('at import')\n")
    with pytest.raises(loader.StrategyLoadError, match="at import"):
        loader.load_class(loader.resolve("broken:X", roots))


def base_spec(**changes):
    spec = {"strategy": "demo:SmaCross", "mode": "backtest", "backend": "python"}
    spec.update(changes)
    return spec


def test_check_refuses_what_cannot_run(roots):
    all_roots = [*roots, builtin_strategy_root()]
    assert check(base_spec(), all_roots).cls == "SmaCross"
    with pytest.raises(SpecRefused) as info:
        check(base_spec(mode="live"), all_roots)
    assert info.value.code == "mode_unavailable" and info.value.field == "/mode"
    with pytest.raises(SpecRefused) as info:
        check(base_spec(strategy="os:system"), all_roots)
    assert info.value.code == "strategy_not_found"
    with pytest.raises(SpecRefused) as info:
        check(base_spec(strategy="not a spec"), all_roots)
    assert info.value.code == "invalid_strategy"
    with pytest.raises(SpecRefused) as info:
        check(base_spec(backend="cobol"), all_roots)
    assert info.value.code == "backend_unavailable"


def test_the_api_offers_exactly_the_synthetic_timeframes():
    import typing

    from cracktrader.api.models import Timeframe
    from cracktrader.runtime.synthetic import TIMEFRAMES_MS

    assert set(typing.get_args(Timeframe)) == set(TIMEFRAMES_MS)
