"""Runtimes without the daemon: the adapter runs a strategy on the core into a sink."""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from runtime_support import control, names, require_rust_core, run, spec, wait_until

from cracktrader.runtime import strategy_adapter
from cracktrader.runtime.controls import QueueControls
from cracktrader.runtime.events import validate
from cracktrader.runtime.sink import ListSink


def test_a_backtest_runs_to_completion_with_valid_attributed_events():
    code, events = run(spec())
    assert code == 0
    for event in events:
        assert validate(event) == event
        assert event["strategy_id"] == "sma" and event["broker_id"] == "simulated"
        assert event["execution_id"] == "x-rt-0000000000000000" and event["route_id"] == "simulated/sim"
    assert names(events)[0] == ("lifecycle", "started")
    assert names(events)[-1] == ("lifecycle", "completed")
    assert events[-1]["data"]["steps"] == 400 and events[-1]["data"]["bars"] == 800
    marks = [e for e in events if e["name"] == "mark"]
    assert len(marks) == 400  # one per step (mark_every=1), none repeated at the end
    assert sum(1 for e in events if e["family"] == "fill") == events[-1]["data"]["fills"] > 0


def test_the_same_seed_gives_the_same_events_and_another_seed_does_not():
    first, second = run(spec())[1], run(spec())[1]
    assert first == second
    other = run(spec(data={**spec()["data"], "seed": 4}))[1]
    assert other != first


def test_cash_equals_what_the_fill_events_imply():
    _, events = run(spec(strategy="demo:Churn"))
    cash = Decimal("100000")
    for fill in (e["data"] for e in events if e["family"] == "fill"):
        notional = Decimal(fill["qty"]) * Decimal(fill["price"])
        cash += (-notional if fill["side"] == "buy" else notional) - Decimal(fill["fee"])
    final = [e for e in events if e["name"] == "mark"][-1]["data"]
    assert Decimal(final["cash"]) == cash
    sizes: dict[str, Decimal] = {}
    for fill in (e["data"] for e in events if e["family"] == "fill"):
        sizes[fill["instrument"]] = sizes.get(fill["instrument"], Decimal(0)) + (
            Decimal(fill["qty"]) if fill["side"] == "buy" else -Decimal(fill["qty"]))
    last_position = {e["data"]["instrument"]: e["data"] for e in events if e["family"] == "position"}
    assert {k: Decimal(v["size"]) for k, v in last_position.items()} == sizes


# The direct path (RuntimeStrategy) and the Cerebro path (ct.Strategy), on both cores.
@pytest.mark.parametrize("strategy, params", [
    ("demo:Churn", {}), ("examples:Churn", {}), ("examples:SmaCross", {"fast": 3, "slow": 8}),
])
def test_backends_give_identical_events(strategy, params):
    require_rust_core()
    python_events = run(spec(strategy=strategy, params=params))[1]
    rust_events = run(spec(strategy=strategy, params=params, backend="rust"))[1]
    strip = lambda evs: [e for e in evs if e["name"] != "started"]  # noqa: E731 (names the backend)
    assert strip(python_events) == strip(rust_events)
    assert python_events[-1]["name"] == "completed" and python_events[-1]["data"]["fills"] > 10
    assert [e["data"]["backend"] for e in (python_events[0], rust_events[0])] == ["python", "rust"]


def run_in_thread(the_spec: dict[str, Any], controls: QueueControls):
    sink = ListSink()
    ref = strategy_adapter.check(the_spec, [strategy_adapter.builtin_strategy_root()])
    result: dict[str, int] = {}
    thread = threading.Thread(target=lambda: result.setdefault("code", strategy_adapter.run(
        strategy_adapter.boot_message("rt-0000000000000000", the_spec, ref), sink, controls)))
    thread.start()
    return thread, sink, result


BOTH_APIS = pytest.mark.parametrize("churn", ["demo:Churn", "examples:Churn"])


@BOTH_APIS
def test_pause_holds_the_bars_and_resume_releases_them(churn):
    controls = QueueControls([control("pause", "p1")])
    thread, sink, result = run_in_thread(spec(strategy=churn, data={**spec()["data"], "bars": 50}), controls)
    wait_until(lambda: ("lifecycle", "paused") in names(sink.events), 10)
    time.sleep(0.3)
    assert not any(e["name"] == "mark" for e in sink.events)  # no bar went through while paused
    controls.put(control("pause", "p2"))
    controls.put(control("resume", "r1"))
    thread.join(20)
    assert result["code"] == 0
    applied = [e["data"] for e in sink.events if e["name"] == "control_applied"]
    assert [(a["command_id"], a["effect"]) for a in applied] == [("p1", "paused"), ("p2", "already_paused"),
                                                                 ("r1", "resumed")]
    assert names(sink.events)[-1] == ("lifecycle", "completed")


@BOTH_APIS
def test_stop_ends_the_run_early_and_a_repeated_command_id_is_ignored(churn):
    controls = QueueControls()
    thread, sink, result = run_in_thread(spec(strategy=churn, mode="paper", pace_ms=5,
                                              data={**spec()["data"], "bars": None}), controls)
    wait_until(lambda: sum(1 for e in sink.events if e["name"] == "mark") >= 3, 10)
    controls.put(control("stop", "s1"))
    controls.put(control("stop", "s1"))
    thread.join(20)
    assert result["code"] == 0
    last = sink.events[-1]
    assert (last["name"], last["data"]["reason"]) == ("stopped", "stop_requested")
    assert sum(1 for e in sink.events if e["name"] == "control_applied") == 1


@BOTH_APIS
def test_kill_switch_refuses_new_orders_and_cancels_working_ones(churn):
    controls = QueueControls()
    thread, sink, _ = run_in_thread(spec(strategy=churn, mode="paper", pace_ms=2,
                                         data={**spec()["data"], "bars": None}), controls)
    wait_until(lambda: sum(1 for e in sink.events if e["name"] == "order_accepted") >= 6, 10)
    controls.put(control("kill_switch", "k1"))
    wait_until(lambda: any(e["name"] == "control_applied" for e in sink.events), 10)
    wait_until(lambda: sum(1 for e in sink.events if e["name"] == "order_refused") >= 4, 10)
    controls.put(control("kill_switch", "k2"))
    controls.put(control("stop", "s"))
    thread.join(20)
    events = sink.events
    engaged = next(i for i, e in enumerate(events) if e["name"] == "kill_switch_engaged")
    after = events[engaged:]
    assert not any(e["name"] in ("order_created", "order_accepted") for e in after)
    refusals = [e for e in after if e["name"] == "order_refused"]
    assert refusals and all(e["family"] == "risk" and e["data"]["code"] == "kill_switch" for e in refusals)
    applied = [e["data"] for e in events if e["name"] == "control_applied"]
    assert applied[0]["effect"] == "engaged" and applied[1]["effect"] == "already_engaged"
    # Whatever was working when the switch flipped was cancelled right then.
    cancelled = {e["data"]["order_id"] for e in after if e["name"] == "order_cancelled"}
    assert applied[0]["cancelled"] == len(cancelled) >= 1


@BOTH_APIS
def test_cancel_all_cancels_every_working_order(churn):
    controls = QueueControls()
    thread, sink, _ = run_in_thread(spec(strategy=churn, mode="paper", pace_ms=2,
                                         params={"offset": "0.5"}, data={**spec()["data"], "bars": None}), controls)
    wait_until(lambda: sum(1 for e in sink.events if e["name"] == "order_accepted") >= 4, 10)
    controls.put(control("cancel_all", "c1"))
    wait_until(lambda: any(e["name"] == "control_applied" for e in sink.events), 10)
    controls.put(control("stop", "s"))
    thread.join(20)
    events = sink.events
    at = next(i for i, e in enumerate(events) if e["name"] == "control_applied")
    effect = events[at]["data"]
    assert effect["effect"] == "cancelled" and effect["cancelled"] >= 1
    # Right after the command, no order is working any more.
    latest: dict[str, str] = {}
    for event in events[:at]:
        if event["family"] == "order" and event["name"] != "order_refused":
            latest[event["data"]["order_id"]] = event["data"]["to"]
    assert {state for state in latest.values()} <= {"filled", "cancelled", "rejected", "expired"}
    assert sum(1 for e in events[:at] if e["name"] == "order_cancelled") >= effect["cancelled"]


@BOTH_APIS
def test_a_closed_control_channel_stops_the_run(churn):
    controls = QueueControls([{"type": "eof"}])
    thread, sink, result = run_in_thread(spec(strategy=churn), controls)
    thread.join(20)
    assert result["code"] == 0
    assert sink.events[-1]["data"]["reason"] == "control_channel_closed"


def write_strategy(tmp_path: Path, body: str) -> Path:
    root = tmp_path / "strategies"
    root.mkdir(exist_ok=True)
    (root / "custom.py").write_text("from cracktrader.runtime import RuntimeStrategy\n" + body)
    return root


def test_a_strategy_exception_fails_the_runtime_with_its_traceback(tmp_path: Path):
    root = write_strategy(tmp_path, "class Boom(RuntimeStrategy):\n    def on_bar(self, ctx, bar):\n"
                                    "        raise ValueError('bad bar ' + bar['close'])\n")
    code, events = run(spec(strategy="custom:Boom"), roots=[root])
    assert code == 1
    error, failed = events[-2], events[-1]
    assert (error["family"], error["name"], error["data"]["type"]) == ("error", "strategy_error", "ValueError")
    assert "bad bar" in error["data"]["message"] and "custom.py" in error["data"]["traceback"]
    assert (failed["name"], failed["data"]["reason"]) == ("failed", "strategy_error")


@pytest.mark.parametrize("body, params, message", [
    ("class Plain:\n    pass\n", {}, "neither a ct.Strategy nor a cracktrader.runtime.RuntimeStrategy subclass"),
    ("class P(RuntimeStrategy):\n    params = {'a': 1}\n", {"b": 2}, "has no parameter"),
])
def test_load_problems_fail_the_runtime_before_it_starts(tmp_path: Path, body, params, message):
    root = write_strategy(tmp_path, body)
    cls = body.split()[1].split(":")[0].split("(")[0]
    code, events = run(spec(strategy=f"custom:{cls}", params=params), roots=[root])
    assert code == 1
    assert names(events) == [("error", "strategy_load_error"), ("lifecycle", "failed")]
    assert message in events[0]["data"]["message"]


@pytest.mark.parametrize("strategy, seed, commission", [
    ("demo:Churn", 1, "0.001"), ("demo:Churn", 2, "0"), ("demo:SmaCross", 3, "0.002"), ("demo:SmaCross", 9, "0"),
    ("examples:Churn", 1, "0.001"), ("examples:Churn", 2, "0"), ("examples:SmaCross", 3, "0.002"),
])
def test_the_followed_account_is_the_cores(strategy, seed, commission):
    _, events = run(spec(strategy=strategy, commission_rate=commission,
                         data={**spec()["data"], "seed": seed, "bars": 300}))
    assert not [e for e in events if e["name"] == "account_mismatch"]
    assert events[-1]["name"] == "completed"


@BOTH_APIS
def test_an_account_that_drifts_from_the_core_is_reported(monkeypatch, churn):
    from cracktrader.runtime import account

    original = account.Account.apply

    def forget_fees(self, result):
        touched = original(self, result)
        self.fees = 0
        return touched

    monkeypatch.setattr(account.Account, "apply", forget_fees)
    _, events = run(spec(strategy=churn))
    mismatch = [e for e in events if e["name"] == "account_mismatch"]
    assert len(mismatch) == 1 and mismatch[0]["family"] == "error"
    assert [p["field"] for p in mismatch[0]["data"]["problems"]] == ["fees_paid"]
