"""API v1 end to end, in process: runtimes, events, streams, read models, reports,
and the refusals every bad request gets (a 4xx with the envelope, never a 500)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest


API = "/api/v1"


def small(**changes: Any) -> dict[str, Any]:
    """A short two-symbol runtime of the built-in ct.Strategy example examples:Churn."""
    spec = {"strategy": "examples:Churn", "symbols": ["BTC/USDT", "ETH/USDT"], "data": {"bars": 120, "seed": 2}}
    spec.update(changes)
    return spec


def test_health_needs_no_token_and_says_what_runs(app):
    response = app.client.get(f"{API}/health")
    body = response.json()
    assert response.status_code == 200 and response.headers["X-Cracktrader-API-Version"] == "v1"
    assert body["status"] == "ok" and body["api_version"] == "v1" and body["store"]["journal_mode"] == "wal"
    assert body["bus"]["transport"] == "inprocess"
    assert "token" not in json.dumps(body).lower()


# ct.Strategy examples on ct.Cerebro, and a RuntimeStrategy demo on the core directly.
@pytest.mark.parametrize("strategy, params", [
    ("examples:Churn", {}), ("examples:SmaCross", {"fast": 3, "slow": 8}), ("demo:Churn", {}),
])
def test_a_backtest_runtime_from_start_to_read_models(app, strategy, params):
    created = app.create(**small(label="first", strategy=strategy, params=params))
    assert created["status"] == "starting" and created["runtime_id"].startswith("rt-")
    assert created["spec"]["strategy_id"] == strategy.split(":")[1] and created["spec"]["label"] == "first"
    assert created["topic"] == f"runtime.{created['runtime_id']}.events"
    rid = created["runtime_id"]
    record = app.wait_terminal(rid)
    assert record["status"] == "completed" and record["last_sequence"] > 100
    events = app.all_events(rid)
    assert [e["sequence"] for e in events] == list(range(1, record["last_sequence"] + 1))
    assert all(e["event_id"] == f"{rid}:{e['sequence']}" and e["runtime_id"] == rid for e in events)
    assert events[0]["name"] == "created" and events[-1]["name"] == "completed"
    assert events[1]["data"]["strategy_api"] == ("RuntimeStrategy" if strategy.startswith("demo:") else "ct.Strategy")
    assert any(e["family"] == "fill" for e in events) and events[-1]["data"]["steps"] == 120
    # Read models agree with the log they were projected from.
    latest: dict[str, str] = {}
    for event in events:
        if event["family"] == "order" and event["name"] != "order_refused":
            latest[event["data"]["order_id"]] = event["data"]["to"]
    orders = app.client.get(f"{API}/runtimes/{rid}/read-models/orders", headers=app.read_headers).json()
    assert {o["order_id"]: o["state"] for o in orders["orders"]} == latest
    assert orders["as_of_sequence"] == record["last_sequence"]
    last_positions = {e["data"]["instrument"]: e["data"]["size"] for e in events if e["family"] == "position"}
    positions = app.client.get(f"{API}/runtimes/{rid}/read-models/positions", headers=app.read_headers).json()
    assert {p["instrument"]: p["size"] for p in positions["positions"]} == last_positions
    marks = [e for e in events if e["name"] == "mark"]
    pnl = app.client.get(f"{API}/runtimes/{rid}/read-models/pnl", headers=app.read_headers).json()
    assert pnl["equity"] == marks[-1]["data"]["equity"] and pnl["initial_cash"] == "100000"
    curve = app.client.get(f"{API}/runtimes/{rid}/read-models/equity_curve", params={"max_points": 10},
                           headers=app.read_headers).json()
    assert curve["total_points"] == len(marks) and len(curve["points"]) <= 10
    assert curve["points"][-1]["sequence"] == marks[-1]["sequence"]
    status = app.client.get(f"{API}/runtimes/{rid}/read-models/status", headers=app.read_headers).json()
    assert status["runtime"]["status"] == "completed"


def test_pages_filters_and_next_after_sequence(app):
    rid = app.create(**small())["runtime_id"]
    app.wait_terminal(rid)
    everything = app.all_events(rid)
    fills = app.all_events(rid, family="fill")
    assert fills == [e for e in everything if e["family"] == "fill"] and fills
    accepted = app.all_events(rid, name="order_accepted")
    assert accepted == [e for e in everything if e["name"] == "order_accepted"]
    assert app.all_events(rid, strategy_id="Churn", route_id="simulated/sim") == [
        e for e in everything if e["strategy_id"] == "Churn" and e["route_id"] == "simulated/sim"]
    page = app.client.get(f"{API}/runtimes/{rid}/events", params={"after": 3, "limit": 2},
                          headers=app.read_headers).json()
    assert [e["sequence"] for e in page["events"]] == [4, 5] and page["has_more"] and page["next_after_sequence"] == 5
    end = app.client.get(f"{API}/runtimes/{rid}/events", params={"after": 10**9}, headers=app.read_headers).json()
    assert end == {"events": [], "next_after_sequence": 10**9, "has_more": False}


def read_sse(response) -> tuple[list[dict[str, Any]], dict[str, Any] | None, list[int]]:
    events, end, ids = [], None, []
    kind = None
    for line in response.iter_lines():
        if line.startswith("id: "):
            ids.append(int(line[4:]))
        elif line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: "):
            if kind == "end":
                end = json.loads(line[6:])
                break
            events.append(json.loads(line[6:]))
    return events, end, ids


def test_the_live_stream_matches_the_pages_and_resumes(app):
    rid = app.create(**small(mode="paper", pace_ms=5, data={"bars": 60, "seed": 1}))["runtime_id"]
    with app.client.stream("GET", f"{API}/runtimes/{rid}/events/stream", headers=app.read_headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        streamed, end, ids = read_sse(response)
    pages = app.all_events(rid)
    assert streamed == pages and ids == [e["sequence"] for e in pages]
    assert end == {"status": "completed", "last_sequence": pages[-1]["sequence"]}
    headers = {**app.read_headers, "Last-Event-ID": "40"}
    with app.client.stream("GET", f"{API}/runtimes/{rid}/events/stream", params={"after": 5},
                           headers=headers) as response:
        resumed, _, _ = read_sse(response)
    assert resumed == pages[40:]
    with app.client.stream("GET", f"{API}/runtimes/{rid}/events/stream", params={"family": "fill"},
                           headers=app.read_headers) as response:
        fills, _, _ = read_sse(response)
    assert fills == [e for e in pages if e["family"] == "fill"]


def test_fleet_read_models(app):
    ids = [app.create(**small(data={"bars": 40, "seed": s}))["runtime_id"] for s in (1, 2)]
    for rid in ids:
        app.wait_terminal(rid)
    status = app.client.get(f"{API}/fleet/read-models/status", headers=app.read_headers).json()
    assert status["runtimes"] == 2 and status["counts"] == {"completed": 2}
    pnl = app.client.get(f"{API}/fleet/read-models/pnl", headers=app.read_headers).json()
    from decimal import Decimal

    assert Decimal(pnl["totals"]["equity"]) == sum(Decimal(item["equity"]) for item in pnl["items"])
    curves = app.client.get(f"{API}/fleet/read-models/equity_curve", params={"max_points": 5},
                            headers=app.read_headers).json()
    assert sorted(c["runtime_id"] for c in curves["items"]) == sorted(ids)
    assert all(2 <= len(c["points"]) <= 5 for c in curves["items"])
    listed = app.client.get(f"{API}/runtimes", params={"status": "completed"}, headers=app.read_headers).json()
    assert [r["runtime_id"] for r in listed["runtimes"]] == ids


def test_capacity_is_bounded(make_app):
    app = make_app(max_active_runtimes=1)
    first = app.create(**small(mode="paper", pace_ms=50, data={"bars": None}))
    response = app.client.post(f"{API}/runtimes", json=small(), headers=app.admin_headers)
    assert response.status_code == 429 and response.json()["error"]["code"] == "too_many_runtimes"
    assert app.control(first["runtime_id"], "stop", "s1").json()["status"] == "accepted"
    app.wait_terminal(first["runtime_id"])
    assert app.client.post(f"{API}/runtimes", json=small(), headers=app.admin_headers).status_code == 201


def test_a_crashing_worker_fails_its_runtime_not_the_daemon(make_app, tmp_path):
    root = tmp_path / "strategies"
    root.mkdir()
    (root / "crash.py").write_text(
        "import os\nfrom cracktrader.runtime import RuntimeStrategy\n"
        "class Die(RuntimeStrategy):\n    def on_bar(self, ctx, bar):\n"
        "        print('dying now', flush=True)\n        os._exit(9)\n")
    app = make_app(strategy_paths=[root])
    rid = app.create(strategy="crash:Die")["runtime_id"]
    record = app.wait_terminal(rid)
    assert record["status"] == "failed" and record["status_reason"] == "worker_exited"
    error = app.all_events(rid, family="error")[-1]
    assert error["name"] == "worker_exited" and error["data"]["exit_code"] == 9
    assert "dying now" in error["data"]["stderr_tail"]  # a print went to the log, not the event pipe
    assert app.client.get(f"{API}/health").status_code == 200
    ok = app.create(**small())["runtime_id"]
    assert app.wait_terminal(ok)["status"] == "completed"


def test_worker_processes_do_not_inherit_the_tokens(make_app, tmp_path, monkeypatch):
    monkeypatch.setenv("CRACKTRADER_DAEMON_TOKEN", "admin-token-from-the-environment")
    root = tmp_path / "strategies"
    root.mkdir()
    (root / "spy.py").write_text(
        "import os\nfrom cracktrader.runtime import RuntimeStrategy\n"
        "class Spy(RuntimeStrategy):\n    def on_start(self, ctx):\n"
        "        raise RuntimeError('visible=' + str(sorted(k for k in os.environ if 'TOKEN' in k)))\n")
    app = make_app(strategy_paths=[root])
    assert app.admin == "admin-token-from-the-environment"
    rid = app.create(strategy="spy:Spy")["runtime_id"]
    app.wait_terminal(rid)
    message = app.all_events(rid, name="strategy_error")[0]["data"]["message"]
    assert message == "visible=[]"


# ---- refusals ----------------------------------------------------------------------

BAD_BODIES = [
    ({}, "validation_error"),
    ({"strategy": "demo:Churn", "unknown": 1}, "validation_error"),
    ({"strategy": "../../etc/passwd:X"}, "validation_error"),
    ({"strategy": "/tmp/x.py:X"}, "validation_error"),
    ({"strategy": "demo:Churn", "symbols": []}, "validation_error"),
    ({"strategy": "demo:Churn", "symbols": ["A", "A"]}, "validation_error"),
    ({"strategy": "demo:Churn", "symbols": ["bad symbol"]}, "validation_error"),
    ({"strategy": "demo:Churn", "mode": "yolo"}, "validation_error"),
    ({"strategy": "demo:Churn", "backend": "java"}, "validation_error"),
    ({"strategy": "demo:Churn", "initial_cash": "-5"}, "validation_error"),
    ({"strategy": "demo:Churn", "initial_cash": "1e5"}, "validation_error"),
    ({"strategy": "demo:Churn", "initial_cash": 100}, "validation_error"),
    ({"strategy": "demo:Churn", "commission_rate": "0.9"}, "validation_error"),
    ({"strategy": "demo:Churn", "data": {"bars": 0}}, "validation_error"),
    ({"strategy": "demo:Churn", "data": {"seed": -1}}, "validation_error"),
    ({"strategy": "demo:Churn", "data": {"source": "csv"}}, "validation_error"),
    ({"strategy": "demo:Churn", "data": {"volatility": "0"}}, "validation_error"),
    ({"strategy": "demo:Churn", "pace_ms": 10**12}, "validation_error"),
    ({"strategy": "demo:Churn", "params": {"x": 2**70}}, "validation_error"),
    ({"strategy": "demo:Churn", "params": {"bad name": 1}}, "validation_error"),
    ({"strategy": "demo:Churn", "params": {"x": {"nested": 1}}}, "validation_error"),
    ({"strategy": "demo:Churn", "label": "\ud800"}, "validation_error"),
    ({"strategy": "demo:Churn", "label": "line\nbreak"}, "validation_error"),
    ({"strategy": "demo:Churn", "timeframe": "7m"}, "validation_error"),
    ({"strategy": "os:system"}, "strategy_not_found"),
    ({"strategy": "demo:Churn", "mode": "live"}, "mode_unavailable"),
    ([], "validation_error"),
    ("demo:Churn", "validation_error"),
]


@pytest.mark.parametrize("body, code", BAD_BODIES, ids=[f"{i}:{c}" for i, (_, c) in enumerate(BAD_BODIES)])
def test_bad_runtime_requests_get_a_422_envelope(app, body, code):
    # ensure_ascii: a lone surrogate travels as the escape \ud800, as a client would send it
    response = app.client.post(f"{API}/runtimes", content=json.dumps(body).encode("ascii"),
                               headers={**app.admin_headers, "Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    assert response.headers["X-Cracktrader-API-Version"] == "v1"


@pytest.mark.parametrize("raw, content_type", [
    (b"{not json", "application/json"),
    (b'{"strategy": NaN}', "application/json"),
    (b'{"strategy": "demo:Churn"', "application/json"),
    (b"\xff\xfe", "application/json"),
    (b'{"strategy": "demo:Churn"}', "text/plain"),
])
def test_unreadable_bodies_are_4xx(app, raw, content_type):
    response = app.client.post(f"{API}/runtimes", content=raw,
                               headers={**app.admin_headers, "Content-Type": content_type})
    assert 400 <= response.status_code < 500, response.text
    assert "error" in response.json()


def test_rust_backend_is_refused_clearly_when_its_core_is_missing(app):
    from cracktrader.backend import native_component
    from cracktrader.engine.errors import BackendUnavailable

    try:
        native_component("Core")
    except BackendUnavailable:
        response = app.client.post(f"{API}/runtimes", json=small(backend="rust"), headers=app.admin_headers)
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "backend_unavailable"
        assert response.json()["error"]["details"] == {"field": "/backend"}
    else:
        rid = app.create(**small(backend="rust"))["runtime_id"]
        assert app.wait_terminal(rid)["status"] == "completed"


@pytest.mark.parametrize("method, path, params", [
    ("GET", "/runtimes/rt-0000000000000000", {}),
    ("GET", "/runtimes/rt-0000000000000000/events", {}),
    ("GET", "/runtimes/rt-0000000000000000/events/stream", {}),
    ("GET", "/runtimes/rt-0000000000000000/read-models/orders", {}),
    ("GET", "/runtimes/rt-0000000000000000/control", {}),
    ("GET", "/reports/rp-0000000000000000", {}),
    ("GET", "/nothing/here", {}),
])
def test_unknown_resources_are_404(app, method, path, params):
    response = app.client.request(method, API + path, params=params, headers=app.admin_headers)
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("path, params", [
    ("/runtimes/not-an-id", {}),
    ("/runtimes/rt-0000000000000000/events", {"after": -1}),
    ("/runtimes/rt-0000000000000000/events", {"after": 2**63}),
    ("/runtimes/rt-0000000000000000/events", {"limit": 0}),
    ("/runtimes/rt-0000000000000000/events", {"limit": 1001}),
    ("/runtimes/rt-0000000000000000/events", {"family": "gossip"}),
    ("/runtimes/rt-0000000000000000/events", {"after": "x"}),
    ("/runtimes/rt-0000000000000000/read-models/everything", {}),
    ("/fleet/read-models/everything", {}),
    ("/runtimes", {"status": "dreaming"}),
    ("/reports", {"kind": "poetry"}),
])
def test_bad_paths_and_queries_are_422(app, path, params):
    response = app.client.get(API + path, params=params, headers=app.admin_headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "validation_error"


def test_wrong_method_is_405(app):
    response = app.client.delete(f"{API}/runtimes", headers=app.admin_headers)
    assert response.status_code == 405 and response.json()["error"]["code"] == "method_not_allowed"


def test_api_version_header_and_host_guard(make_app):
    app = make_app(allowed_hosts=["testserver"])
    ok = app.client.get(f"{API}/health", headers={"X-Cracktrader-API-Version": "v1"})
    assert ok.status_code == 200
    wrong = app.client.get(f"{API}/health", headers={"X-Cracktrader-API-Version": "v2"})
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "unsupported_api_version"
    rebinding = app.client.get(f"{API}/health", headers={"Host": "evil.example:8765"})
    assert rebinding.status_code == 400 and rebinding.json()["error"]["code"] == "invalid_host"


def test_bodies_over_the_limit_are_413(make_app):
    app = make_app(max_body_bytes=2048, max_report_bytes=4096)
    big = {"strategy": "demo:Churn", "label": "x" * 3000}
    response = app.client.post(f"{API}/runtimes", json=big, headers=app.admin_headers)
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"

    def chunks():  # no Content-Length: the limit is enforced while reading
        for _ in range(10):
            yield b" " * 1000

    response = app.client.post(f"{API}/runtimes", content=chunks(),
                               headers={**app.admin_headers, "Content-Type": "application/json"})
    assert response.status_code == 413
    report = {"evidence": "y" * 3000}
    assert app.client.post(f"{API}/reports", json=report, headers=app.admin_headers).status_code == 201
    report = {"evidence": "y" * 5000}
    assert app.client.post(f"{API}/reports", json=report, headers=app.admin_headers).status_code == 413


def test_the_page_and_its_headers(app):
    page = app.client.get("/ui/")
    assert page.status_code == 200 and "cracktrader" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert app.client.get("/ui/app.js").headers["content-type"].startswith("text/javascript")
    assert app.client.get("/ui/../../etc/passwd").status_code == 404
    assert app.client.get("/ui/daemon.token").status_code == 404
    assert app.client.get("/", follow_redirects=False).headers["location"] == "/ui/"


def test_openapi_is_published_and_names_every_route(app):
    spec = app.client.get(f"{API}/openapi.json").json()
    paths = set(spec["paths"])
    assert {f"{API}/health", f"{API}/runtimes", f"{API}/runtimes/{{runtime_id}}",
            f"{API}/runtimes/{{runtime_id}}/events", f"{API}/runtimes/{{runtime_id}}/events/stream",
            f"{API}/runtimes/{{runtime_id}}/control", f"{API}/runtimes/{{runtime_id}}/read-models/{{view}}",
            f"{API}/fleet/read-models/{{view}}", f"{API}/reports", f"{API}/reports/{{report_id}}"} <= paths
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    counts = Counter(code for path in spec["paths"].values() for op in path.values() for code in op["responses"])
    assert counts["401"] >= 10 and counts["422"] >= 10
