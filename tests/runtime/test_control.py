"""Control commands through the API: effects, idempotency by command_id, refusals."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from runtime_support import wait_until

API = "/api/v1"


def paper(app, **changes):
    spec = {"strategy": "examples:Churn", "mode": "paper", "pace_ms": 10, "data": {"bars": None, "seed": 5}}
    spec.update(changes)
    return app.create(**spec)["runtime_id"]


def applied(app, rid):
    return [e["data"] for e in app.all_events(rid, name="control_applied")]


def test_pause_resume_stop(app):
    rid = paper(app)
    wait_until(lambda: app.runtime(rid)["status"] == "running", what="running")
    response = app.control(rid, "pause", "cmd-pause")
    assert response.status_code == 200 and response.headers["Idempotent-Replayed"] == "false"
    assert response.json()["status"] == "accepted" and response.json()["code"] is None
    wait_until(lambda: app.runtime(rid)["status"] == "paused", what="paused")
    paused_at = app.runtime(rid)["last_sequence"]
    wait_until(lambda: app.all_events(rid, family="heartbeat", name="heartbeat"), 5, what="a paused heartbeat")
    marks_while_paused = [e for e in app.all_events(rid, name="mark") if e["sequence"] > paused_at]
    assert marks_while_paused == []  # no bar was processed while paused
    app.control(rid, "resume", "cmd-resume")
    wait_until(lambda: app.runtime(rid)["status"] == "running", what="running again")
    app.control(rid, "stop", "cmd-stop")
    record = app.wait_terminal(rid)
    assert record["status"] == "stopped" and record["status_reason"] == "stop_requested"
    assert [(a["command_id"], a["effect"]) for a in applied(app, rid)] == [
        ("cmd-pause", "paused"), ("cmd-resume", "resumed"), ("cmd-stop", "stopping")]
    commands = app.client.get(f"{API}/runtimes/{rid}/control", headers=app.read_headers).json()["commands"]
    assert [c["command_id"] for c in commands] == ["cmd-pause", "cmd-resume", "cmd-stop"]


def test_a_command_id_executes_once(app):
    rid = paper(app)
    wait_until(lambda: app.runtime(rid)["status"] == "running", what="running")
    first = app.control(rid, "cancel_all", "once-1")
    again = app.control(rid, "cancel_all", "once-1")
    assert again.json() == first.json()
    assert (first.headers["Idempotent-Replayed"], again.headers["Idempotent-Replayed"]) == ("false", "true")
    conflict = app.control(rid, "stop", "once-1")
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "command_id_conflict"
    # Many clients retrying at once: one execution.
    results: list[dict] = []
    threads = [threading.Thread(target=lambda: results.append(app.control(rid, "kill_switch", "kill-1").json()))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({r["received_at"] for r in results}) == 1 and all(r["status"] == "accepted" for r in results)
    app.control(rid, "stop", "stop-1")
    app.wait_terminal(rid)
    counts = Counter(a["command_id"] for a in applied(app, rid))
    assert counts == {"once-1": 1, "kill-1": 1, "stop-1": 1}
    assert len(app.all_events(rid, name="kill_switch_engaged")) == 1


def test_kill_switch_through_the_api(app):
    rid = paper(app, pace_ms=5)
    wait_until(lambda: len(app.all_events(rid, name="order_accepted")) >= 4, what="some orders")
    assert app.control(rid, "kill_switch", "k").json()["status"] == "accepted"
    wait_until(lambda: app.runtime(rid)["kill_switch"], what="kill switch flag")
    engaged = app.all_events(rid, name="kill_switch_engaged")[0]["sequence"]
    wait_until(lambda: any(e["sequence"] > engaged for e in app.all_events(rid, name="order_refused")),
               what="a refused order")
    app.control(rid, "stop", "s")
    app.wait_terminal(rid)
    later = [e for e in app.all_events(rid) if e["sequence"] > engaged]
    assert not any(e["name"] == "order_accepted" for e in later)
    assert {e["data"]["code"] for e in later if e["name"] == "order_refused"} == {"kill_switch"}
    open_orders = app.client.get(f"{API}/fleet/read-models/orders", headers=app.read_headers).json()["items"]
    assert [o for o in open_orders if o["runtime_id"] == rid] == []


def test_commands_to_ended_or_unknown_runtimes(app):
    rid = app.create(strategy="examples:Churn", data={"bars": 20})["runtime_id"]
    app.wait_terminal(rid)
    response = app.control(rid, "pause", "late-1").json()
    assert (response["status"], response["code"]) == ("rejected", "runtime_not_active")
    assert app.control(rid, "pause", "late-1").json() == response  # stored and replayed too
    assert app.control("rt-0000000000000000", "pause", "x").status_code == 404


@pytest.mark.parametrize("body", [
    {"command": "explode", "command_id": "a"},
    {"command": "pause"},
    {"command": "pause", "command_id": ""},
    {"command": "pause", "command_id": "has space"},
    {"command": "pause", "command_id": "x" * 129},
    {"command": "pause", "command_id": "a", "extra": 1},
    {"command": "pause", "command_id": "a", "reason": "\u0000"},
])
def test_bad_control_bodies_are_422(app, body):
    response = app.client.post(f"{API}/runtimes/rt-0000000000000000/control", json=body,
                               headers=app.admin_headers)
    assert response.status_code == 422 and response.json()["error"]["code"] == "validation_error"


STUCK = ("import time\nfrom cracktrader.runtime import RuntimeStrategy\n"
         "class Stuck(RuntimeStrategy):\n    def on_bar(self, ctx, bar):\n        time.sleep(60)\n")


def test_a_runtime_that_ignores_stop_is_killed(make_app, tmp_path):
    root = tmp_path / "strategies"
    root.mkdir()
    (root / "stuck.py").write_text(STUCK)
    app = make_app(strategy_paths=[root], stop_timeout_s=1.0)
    rid = app.create(strategy="stuck:Stuck")["runtime_id"]
    wait_until(lambda: app.runtime(rid)["status"] == "running", what="running")
    assert app.control(rid, "stop", "s").json()["status"] == "accepted"
    record = app.wait_terminal(rid, timeout=20)
    assert (record["status"], record["status_reason"]) == ("stopped", "stop_timeout")
    assert app.all_events(rid)[-1]["data"]["forced"] is True


def test_shutdown_interrupts_what_does_not_stop_in_time(tmp_path):
    import warnings

    from cracktrader.api.app import create_app
    from cracktrader.api.config import DaemonConfig

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    root = tmp_path / "strategies"
    root.mkdir()
    (root / "stuck.py").write_text(STUCK)
    config = DaemonConfig(storage_dir=tmp_path / "s", strategy_paths=[root], shutdown_timeout_s=1.0,
                          allowed_hosts=None)
    app = create_app(config)
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {app.state.tokens.admin}"}
        rid = client.post(f"{API}/runtimes", json={"strategy": "stuck:Stuck"}, headers=headers).json()["runtime_id"]
        wait_until(lambda: client.get(f"{API}/runtimes/{rid}", headers=headers).json()["status"] == "running")
    from cracktrader.store import Store

    store = Store.in_dir(tmp_path / "s")
    record = store.runtime(rid)
    store.close()
    assert (record["status"], record["status_reason"]) == ("interrupted", "daemon_shutdown")
