"""Runtimes on a venue: paper, live and sandbox through ``ct.exchange`` sessions.

The venue is the session tests' scripted fake (``tests/sessions/fake_venue.py``),
registered as ``fakex`` by the venue module ``tests/runtime/venues/fakevenue.py`` when a
worker imports it (``--venue-module fakevenue``); ``liveprobe:LiveProbe`` buys at market
on its first bar and rests a limit buy on its second. The fake fills the first order at
once (1 at 100, fee 0.1) and leaves the second open until it is cancelled. Nothing here
opens a socket to anything but the in-process daemon's loopback.
"""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from runtime_support import control, names, spec, wait_until

from cracktrader.runtime import strategy_adapter
from cracktrader.runtime.controls import QueueControls
from cracktrader.runtime.events import validate
from cracktrader.runtime.sink import ListSink

VENUES = Path(__file__).resolve().parent / "venues"
KEY, SECRET = "key-c0ffee-not-for-events", "secret-c0ffee-not-for-events"
# The fake venue's script (fakevenue.py): the market buy fills 1 at 100 with a fee of 0.1.
FILL_QTY, FILL_PRICE, FILL_FEE = Decimal("1"), Decimal("100"), Decimal("0.1")


def venue_spec(mode: str = "live", **data: Any) -> dict[str, Any]:
    """A runtime of ``liveprobe:LiveProbe`` on ``fakex`` in ``mode``."""
    return spec(strategy="liveprobe:LiveProbe", strategy_id="probe", mode=mode, symbols=["BTC/USDT"],
                data={"source": "exchange", "exchange": "fakex", "granularity": None, "backfill": 0,
                      "max_bars": None, "poll_interval_ms": 1000, **data})


@pytest.fixture
def isolated_registry(monkeypatch):
    """The exchange registry and the store cache as they were; no caller credentials."""
    from cracktrader.sessions import registry
    from cracktrader.sessions.store import Store

    saved = dict(registry.EXCHANGE_REGISTRY)
    Store.clear_cache()
    yield
    Store.clear_cache()
    registry.EXCHANGE_REGISTRY.clear()
    registry.EXCHANGE_REGISTRY.update(saved)


def credentials(monkeypatch, mode: str) -> None:
    prefix = "CRACKTRADER_FAKEX_SANDBOX_" if mode == "sandbox" else "CRACKTRADER_FAKEX_"
    monkeypatch.setenv(prefix + "API_KEY", KEY)
    monkeypatch.setenv(prefix + "SECRET", SECRET)


def start(the_spec: dict[str, Any], controls: QueueControls, *, allowed=("fakex",), modules=("fakevenue",)):
    """Run the spec through the adapter in a thread, as a worker would."""
    roots = [VENUES, strategy_adapter.builtin_strategy_root()]
    ref = strategy_adapter.check(the_spec, roots, list(allowed))
    venues = strategy_adapter.venue_module_refs(the_spec, roots, list(modules))
    sink = ListSink()
    result: dict[str, int] = {}
    boot = strategy_adapter.boot_message("rt-0000000000000000", the_spec, ref, venues)
    thread = threading.Thread(target=lambda: result.setdefault("code", strategy_adapter.run(boot, sink, controls)))
    thread.start()
    return thread, sink, result


def the_venue():
    """The fake venue the worker's venue module registered."""
    from cracktrader.sessions import registry

    return registry.EXCHANGE_REGISTRY["fakex"].factory({})


def named(events, name):
    return [e for e in events if e["name"] == name]


@pytest.mark.parametrize("mode", ["live", "sandbox"])
def test_a_live_runtime_trades_at_the_venue_and_the_kill_switch_cancels_there(monkeypatch, isolated_registry, mode):
    credentials(monkeypatch, mode)
    controls = QueueControls()
    thread, sink, result = start(venue_spec(mode), controls)
    wait_until(lambda: len(named(sink.events, "order_accepted")) >= 2, 30, what="the resting order")
    controls.put(control("kill_switch", "k1"))
    wait_until(lambda: named(sink.events, "control_applied"), 20, what="the kill switch")
    controls.put(control("stop", "s1"))
    thread.join(30)
    assert not thread.is_alive() and result["code"] == 0
    events = sink.events
    for event in events:
        validate(event)
        assert (event["broker_id"], event["route_id"]) == (mode, f"{mode}/fakex")
    text = json.dumps(events)
    assert KEY not in text and SECRET not in text
    assert events[0]["data"]["exchange"] == "fakex" and events[0]["data"]["mode"] == mode

    venue = the_venue()
    assert venue.sandbox is (mode == "sandbox")
    created = venue.method_calls("create_order")
    assert [(c[2], c[3], c[4], c[5]) for c in created] == [("market", "buy", 1, None), ("limit", "buy", 1, 50.0)]

    # The market order: sent, acknowledged and filled by the venue, then the position.
    first = [e["name"] for e in events if e["family"] == "order" and e["data"]["order_id"] == "o1"]
    assert first == ["order_created", "order_submitted", "order_accepted", "order_filled"]
    (fill,) = named(events, "fill")
    assert (Decimal(fill["data"]["qty"]), Decimal(fill["data"]["price"]), Decimal(fill["data"]["fee"])) == (
        FILL_QTY, FILL_PRICE, FILL_FEE)
    assert Decimal(named(events, "position_changed")[0]["data"]["size"]) == FILL_QTY

    # The kill switch: the resting order is cancelled at the venue, nothing is placed after.
    (applied,) = [e["data"] for e in named(events, "control_applied") if e["data"]["command_id"] == "k1"]
    assert (applied["effect"], applied["cancelled"]) == ("engaged", 1)
    venue_id = next(v for v, o in venue.orders.items() if o["price"] == 50.0)
    assert [c[1] for c in venue.method_calls("cancel_order")] == [venue_id]
    assert venue.orders[venue_id]["status"] == "canceled"
    assert [e["data"]["order_id"] for e in named(events, "order_cancelled")] == ["o2"]

    last = events[-1]
    assert (last["name"], last["data"]["reason"]) == ("stopped", "stop_requested")
    assert Decimal(last["data"]["cash"]) == Decimal(spec()["initial_cash"]) - FILL_QTY * FILL_PRICE - FILL_FEE
    assert (last["data"]["orders"], last["data"]["fills"]) == (2, 1)
    assert not [e for e in events if e["family"] == "error"]  # the followed account is the core's


def test_a_paper_runtime_on_venue_bars_fills_in_the_core_and_never_at_the_venue(isolated_registry):
    thread, sink, result = start(venue_spec("paper", max_bars=4), QueueControls())
    thread.join(60)
    assert result["code"] == 0
    events = sink.events
    assert {(e["broker_id"], e["route_id"]) for e in events} == {("paper", "paper/fakex")}
    assert names(events)[-1] == ("lifecycle", "completed")
    done = events[-1]["data"]
    assert (done["bars"], done["orders"], done["fills"]) == (4, 2, 1)
    venue = the_venue()
    assert venue.method_calls("create_order") == [] and venue.method_calls("cancel_order") == []
    # The simulated core filled the market order at the next bar's open (the venue's 100),
    # with the spec's commission rate.
    (fill,) = named(events, "fill")
    assert Decimal(fill["data"]["price"]) == Decimal("100")
    assert Decimal(fill["data"]["fee"]) == Decimal("100") * Decimal(spec()["commission_rate"])


def test_a_step_is_each_bar_time_any_feed_has_and_marks_are_stamped_with_it(isolated_registry):
    # BTC/USDT has a bar every minute, ETH/USDT every other minute (fakevenue.py); each
    # feed ends after 3 bars: BTC at minutes 0, 1, 2, ETH at 0, 2, 4.
    the_spec = dict(venue_spec("paper", max_bars=3), symbols=["BTC/USDT", "ETH/USDT"])
    thread, sink, result = start(the_spec, QueueControls())
    thread.join(60)
    assert result["code"] == 0
    start_ms = 1_710_327_960_000  # fake_venue.START_MS
    steps = [start_ms + minute * 60_000 for minute in (0, 1, 2, 4)]
    assert [e["event_time"] for e in named(sink.events, "mark")] == steps
    done = sink.events[-1]
    assert done["name"] == "completed" and (done["data"]["steps"], done["data"]["bars"]) == (4, 6)
    (fill,) = named(sink.events, "fill")
    assert fill["event_time"] == steps[1]  # the market order filled at BTC's next bar


def test_pause_holds_a_live_runtime_while_the_venue_is_polled(monkeypatch, isolated_registry):
    credentials(monkeypatch, "live")
    controls = QueueControls([control("pause", "p1")])
    thread, sink, result = start(venue_spec("live"), controls)
    wait_until(lambda: ("lifecycle", "paused") in names(sink.events), 20)
    wait_until(lambda: named(sink.events, "heartbeat"), 10, what="a heartbeat while paused")
    marks = len(named(sink.events, "mark"))
    paused_at = names(sink.events).index(("lifecycle", "paused"))
    beats = [e for e in sink.events[paused_at:] if e["name"] == "heartbeat"]
    assert beats and all(e["data"]["status"] == "paused" for e in beats)
    assert not named(sink.events[paused_at:], "mark")  # no bar went through while paused
    controls.put(control("resume", "r1"))
    wait_until(lambda: len(named(sink.events, "mark")) > marks + 2, 20, what="bars after resume")
    controls.put(control("stop", "s1"))
    thread.join(30)
    assert result["code"] == 0 and sink.events[-1]["name"] == "stopped"


def test_missing_credentials_fail_a_live_runtime_naming_the_variables(isolated_registry, monkeypatch):
    monkeypatch.delenv("CRACKTRADER_FAKEX_API_KEY", raising=False)
    monkeypatch.delenv("CRACKTRADER_FAKEX_SECRET", raising=False)
    thread, sink, result = start(venue_spec("live"), QueueControls())
    thread.join(30)
    assert result["code"] == 1
    assert names(sink.events) == [("error", "exchange_error"), ("lifecycle", "failed")]
    assert "CRACKTRADER_FAKEX_API_KEY" in sink.events[0]["data"]["message"]


def test_a_runtime_strategy_does_not_run_on_a_venue(isolated_registry):
    thread, sink, result = start(dict(venue_spec("paper"), strategy="demo:Churn"), QueueControls())
    thread.join(30)
    assert result["code"] == 1
    assert names(sink.events) == [("error", "strategy_load_error"), ("lifecycle", "failed")]
    assert "synthetic data only" in sink.events[0]["data"]["message"]


@pytest.mark.parametrize(("the_spec", "allowed", "code", "field"), [
    (venue_spec("live"), (), "exchange_not_allowed", "/data/exchange"),
    (venue_spec("live"), ("binance",), "exchange_not_allowed", "/data/exchange"),
    (venue_spec("backtest"), ("fakex",), "mode_unavailable", "/mode"),
    (spec(mode="live"), ("fakex",), "mode_unavailable", "/mode"),
    (spec(mode="sandbox"), ("fakex",), "mode_unavailable", "/mode"),
])
def test_what_the_daemon_refuses(the_spec, allowed, code, field):
    with pytest.raises(strategy_adapter.SpecRefused) as info:
        strategy_adapter.check(the_spec, [VENUES], list(allowed))
    assert (info.value.code, info.value.field) == (code, field)


def test_a_venue_module_outside_the_strategy_paths_is_refused():
    with pytest.raises(strategy_adapter.SpecRefused, match="venue module 'os'"):
        strategy_adapter.venue_module_refs(venue_spec(), [VENUES], ["os"])
    assert strategy_adapter.venue_module_refs(spec(), [VENUES], ["os"]) == []  # synthetic: none loaded


# ---- through the daemon (a real worker process) -------------------------------------------


LIVE_BODY = {"strategy": "liveprobe:LiveProbe", "mode": "live", "symbols": ["BTC/USDT"],
             "data": {"source": "exchange", "exchange": "fakex", "poll_interval_ms": 1000}}


def test_the_daemon_refuses_a_venue_it_was_not_allowed(make_app):
    app = make_app(strategy_paths=[VENUES])
    response = app.client.post("/api/v1/runtimes", json=LIVE_BODY, headers=app.admin_headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "exchange_not_allowed"


def test_a_live_runtime_through_the_daemon(make_app, monkeypatch):
    credentials(monkeypatch, "live")
    app = make_app(strategy_paths=[VENUES], allowed_exchanges=["fakex"], venue_modules=["fakevenue"])
    runtime_id = app.create(**LIVE_BODY)["runtime_id"]
    wait_until(lambda: len(app.all_events(runtime_id, name="order_accepted")) >= 2, 60, what="the resting order")
    assert app.control(runtime_id, "kill_switch", "k1").status_code in (200, 202)
    wait_until(lambda: app.all_events(runtime_id, name="order_cancelled"), 30, what="the cancel at the venue")
    assert app.control(runtime_id, "stop", "s1").status_code in (200, 202)
    record = app.wait_terminal(runtime_id, 60)
    assert record["status"] == "stopped"
    events = app.all_events(runtime_id)
    assert {e["route_id"] for e in events if e["family"] != "lifecycle" or e["name"] != "created"} == {"live/fakex"}
    assert [e["data"]["order_id"] for e in events if e["name"] == "fill"] == ["o1"]
    positions = app.client.get(f"/api/v1/runtimes/{runtime_id}/read-models/positions",
                               headers=app.admin_headers).json()
    stored = json.dumps([events, record, positions])
    log = "\n".join(path.read_text(errors="replace") for path in (app.storage / "logs").glob("*.log"))
    for secret in (KEY, SECRET):
        assert secret not in stored and secret not in log
    assert '"BTC/USDT"' in json.dumps(positions) and '"1"' in json.dumps(positions)
