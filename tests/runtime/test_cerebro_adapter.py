"""Runtimes of ``ct.Strategy`` classes: the adapter runs them on ``ct.Cerebro`` (the
strategy layer, issue 8) and turns every core result into runtime events. The shared
behaviour (controls, both backends, the followed account) is in test_adapter.py, run
for both strategy APIs; this file covers what is particular to the Cerebro path."""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from runtime_support import ROOT, control, names, run, spec, wait_until


import cracktrader as ct
from cracktrader.runtime import strategy_adapter
from cracktrader.runtime.controls import QueueControls
from cracktrader.runtime.events import validate
from cracktrader.runtime.sink import ListSink

SMA = {"fast": 3, "slow": 8, "stake": 2}


def ct_spec(**changes: Any) -> dict[str, Any]:
    return spec(**{"strategy": "examples:SmaCross", "params": dict(SMA), **changes})


def write_ct_strategy(tmp_path: Path, body: str) -> Path:
    root = tmp_path / "ctstrategies"
    root.mkdir(exist_ok=True)
    (root / "mine.py").write_text("import json\nimport cracktrader as ct\n\n" + body)
    return root


def test_a_ct_strategy_runs_on_cerebro_with_valid_attributed_events():
    code, events = run(ct_spec())
    assert code == 0
    for event in events:
        assert validate(event) == event
        assert event["strategy_id"] == "sma" and event["broker_id"] == "simulated"
        assert event["execution_id"] == "x-rt-0000000000000000" and event["route_id"] == "simulated/sim"
    started, completed = events[0], events[-1]
    assert (started["name"], started["data"]["strategy_api"]) == ("started", "ct.Strategy")
    assert completed["name"] == "completed" and completed["data"]["reason"] == "data_exhausted"
    assert completed["data"]["steps"] == 400 and completed["data"]["bars"] == 800
    marks = [e for e in events if e["name"] == "mark"]
    # One mark per step, stamped with the step's bar time.
    assert [m["event_time"] for m in marks] == [1_700_000_000_000 + 60_000 * k for k in range(400)]
    fills = [e for e in events if e["family"] == "fill"]
    assert len(fills) == completed["data"]["fills"] > 0
    assert {f["data"]["instrument"] for f in fills} == {"BTC/USDT"}  # SmaCross trades its first feed
    # Every order event carries the order's static fields.
    for event in events:
        if event["family"] == "order" and event["name"] != "order_refused":
            assert event["data"]["instrument"] == "BTC/USDT" and event["data"]["order_type"] == "market"


def test_a_runtime_is_the_run_a_script_gets():
    """One symbol, seed s: the runtime's bars are ct.feeds.SyntheticData(seed=s)'s, and its
    run is examples/sma_cross.py's SmaCross under a plain preloaded Cerebro."""
    the_spec = ct_spec(symbols=["BTC/USDT"], commission_rate="0.001",
                       data={**spec()["data"], "seed": 21, "bars": 1500, "start_price": "250", "volatility": "0.004"})
    _, events = run(the_spec)
    completed = events[-1]["data"]

    import importlib.util

    module_spec = importlib.util.spec_from_file_location("sma_cross_example", ROOT / "examples" / "sma_cross.py")
    example = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(example)

    # Without its printing; the class name stays (it is part of the intents' strategy_id).
    quiet = type("SmaCross", (example.SmaCross,), {"notify_trade": lambda self, trade: None})

    cerebro = ct.Cerebro()
    cerebro.adddata(ct.feeds.SyntheticData(seed=21, bars=1500, start=1_700_000_000_000, start_price=250.0,
                                           volatility=0.004, timeframe_ms=60_000), name="BTC/USDT")
    cerebro.broker.setcash(100000.0)
    cerebro.broker.setcommission(commission=0.001)
    cerebro.addstrategy(quiet, **SMA)
    cerebro.run()
    script = cerebro.run_result
    assert (completed["intent_hash"], completed["state_hash"]) == (script.intent_hash, script.state_hash)
    assert completed["cash"] == script.final_cash and completed["equity"] == script.final_value
    assert [{k: v for k, v in e["data"].items() if k != "seq_id"} for e in events if e["family"] == "fill"] \
        == script.fills
    assert completed["steps"] == script.steps == 1500


def test_the_example_script_strategy_loads_from_a_strategy_path():
    """examples/ as a strategy path: sma_cross:SmaCross is the built-in examples:SmaCross."""
    built_in = run(ct_spec())[1]
    from_path = run(ct_spec(strategy="sma_cross:SmaCross"), roots=[ROOT / "examples"])[1]
    assert from_path[0]["data"]["strategy"] == "sma_cross:SmaCross"
    assert from_path[1:] == built_in[1:]


def test_cash_and_positions_equal_what_the_fill_events_imply():
    _, events = run(spec(strategy="examples:Churn", commission_rate="0.002"))
    cash, sizes = Decimal("100000"), {}
    for fill in (e["data"] for e in events if e["family"] == "fill"):
        qty = Decimal(fill["qty"])
        notional = qty * Decimal(fill["price"])
        cash += (-notional if fill["side"] == "buy" else notional) - Decimal(fill["fee"])
        sizes[fill["instrument"]] = sizes.get(fill["instrument"], Decimal(0)) + (qty if fill["side"] == "buy" else -qty)
    assert Decimal([e for e in events if e["name"] == "mark"][-1]["data"]["cash"]) == cash
    assert Decimal(events[-1]["data"]["cash"]) == cash
    last_position = {e["data"]["instrument"]: Decimal(e["data"]["size"]) for e in events if e["family"] == "position"}
    assert last_position == sizes and set(sizes) == {"BTC/USDT", "ETH/USDT"}


NOTES = '''
class Notes(ct.Strategy):
    """Rests a far limit buy every other bar; records what its broker tells it."""

    params = (("log", ""),)

    def __init__(self):
        self.notes = []

    def notify_order(self, order):
        self.notes.append([order.order_id, order.getstatusname(), order.info.get("code")])

    def next(self):
        if len(self) % 2 == 0:
            self.buy(size=1, exectype=ct.Order.Limit, price=round(self.data.close[0] * 0.5, 2))

    def stop(self):
        with open(self.p.log, "w") as out:
            json.dump(self.notes, out)
'''


def test_the_strategy_sees_the_kill_switch_through_its_broker(tmp_path):
    root = write_ct_strategy(tmp_path, NOTES)
    log = tmp_path / "notes.json"
    the_spec = spec(strategy="mine:Notes", params={"log": str(log)}, symbols=["BTC/USDT"], mode="paper", pace_ms=2,
                    data={**spec()["data"], "bars": None})
    ref = strategy_adapter.check(the_spec, [root])
    sink, controls = ListSink(), QueueControls()
    thread = threading.Thread(target=strategy_adapter.run, args=(
        strategy_adapter.boot_message("rt-0000000000000000", the_spec, ref), sink, controls))
    thread.start()
    wait_until(lambda: sum(1 for e in sink.events if e["name"] == "order_accepted") >= 3, 10)
    controls.put(control("kill_switch", "k1"))
    wait_until(lambda: sum(1 for e in sink.events if e["name"] == "order_refused") >= 2, 10)
    controls.put(control("stop", "s1"))
    thread.join(20)
    events = sink.events
    assert events[-1]["name"] == "stopped"
    notes = json.loads(log.read_text())
    engaged = next(e for e in events if e["name"] == "control_applied")["data"]
    cancelled = {e["data"]["order_id"] for e in events if e["name"] == "order_cancelled"}
    refused = {e["data"]["order_id"] for e in events if e["name"] == "order_refused"}
    assert engaged["effect"] == "engaged" and engaged["cancelled"] == len(cancelled) >= 3
    # What the runtime reported is what the strategy was told: its resting orders were
    # cancelled, and every later order was rejected by the kill switch.
    assert {oid for oid, status, _ in notes if status == "Canceled"} == cancelled
    rejected = {oid for oid, status, code in notes if status == "Rejected" and code == "kill_switch"}
    # Notifications reach a strategy at its next step: the last step's order may not.
    assert rejected <= refused and len(refused - rejected) <= 1 and len(rejected) >= 1
    assert all(e["family"] == "risk" and e["data"]["code"] == "kill_switch" for e in events
               if e["name"] == "order_refused")


@pytest.mark.parametrize("where, reason", [
    ("next", "bad bar"),
    ("__init__", "bad init"),
])
def test_a_ct_strategy_exception_fails_the_runtime_with_its_traceback(tmp_path, where, reason):
    body = ("class Boom(ct.Strategy):\n"
            f"    def {where}(self):\n"
            f"        raise ValueError({reason!r})\n")
    root = write_ct_strategy(tmp_path, body)
    code, events = run(ct_spec(strategy="mine:Boom", params={}), roots=[root])
    assert code == 1
    assert names(events)[0] == ("lifecycle", "started")  # built by Cerebro.run, after the start
    error, failed = events[-2], events[-1]
    assert (error["name"], error["data"]["type"], error["data"]["message"]) == ("strategy_error", "ValueError", reason)
    assert "mine.py" in error["data"]["traceback"]
    assert (failed["name"], failed["data"]["reason"]) == ("failed", "strategy_error")


def test_unknown_params_of_a_ct_strategy_are_refused_before_the_start():
    code, events = run(ct_spec(params={"fast": 3, "sloww": 8}))
    assert code == 1
    assert names(events) == [("error", "strategy_load_error"), ("lifecycle", "failed")]
    assert "SmaCross has no parameter(s) ['sloww']" in events[0]["data"]["message"]


def test_a_paper_runtime_stamps_bars_from_now_and_runs_until_stopped():
    import time

    controls = QueueControls()
    sink = ListSink()
    the_spec = spec(strategy="examples:Churn", mode="paper", pace_ms=3, data={**spec()["data"], "bars": None})
    ref = strategy_adapter.check(the_spec, [strategy_adapter.builtin_strategy_root()])
    before = time.time() * 1000
    thread = threading.Thread(target=strategy_adapter.run, args=(
        strategy_adapter.boot_message("rt-0000000000000000", the_spec, ref), sink, controls))
    thread.start()
    wait_until(lambda: sum(1 for e in sink.events if e["name"] == "mark") >= 30, 10)
    controls.put(control("stop", "s"))
    thread.join(20)
    # One mark per step, then one more after the stop command (D-459: the end is marked).
    *marks, final = [e for e in sink.events if e["name"] == "mark"]
    assert before - 60_000 <= marks[0]["event_time"] <= time.time() * 1000
    assert all(b["event_time"] - a["event_time"] == 60_000 for a, b in zip(marks, marks[1:]))
    assert final["event_time"] == marks[-1]["event_time"]
    last = sink.events[-1]
    assert (last["name"], last["data"]["reason"]) == ("stopped", "stop_requested")
    assert last["data"]["steps"] == len(marks) and last["data"]["bars"] == 2 * len(marks)
