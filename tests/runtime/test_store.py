"""The durable store: sequences, pages, projections, controls, durability on reopen."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from cracktrader.runtime.events import make_event
from cracktrader.store import Store

SPEC = {"strategy": "demo:Churn", "initial_cash": "1000", "mode": "backtest", "backend": "python"}


def ev(family: str = "heartbeat", name: str = "heartbeat", **data):
    return make_event(family, name, data, attribution={"strategy_id": "s1", "route_id": "r1"})


@pytest.fixture
def store(tmp_path: Path):
    s = Store(tmp_path / "db.sqlite3")
    yield s
    s.close()


def sequences(store: Store, runtime_id: str, after: int = 0, limit: int = 1000, **filters):
    page = store.events_page(runtime_id, after, limit, filters)
    assert page is not None
    return page.sequences, page


def test_wal_mode_and_schema(store: Store):
    assert store.db.journal_mode() == "wal"
    with store.db.read() as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1


def test_sequences_are_per_runtime_contiguous_and_ids_follow(store: Store):
    store.create_runtime("rt-a", SPEC, [ev("lifecycle", "created")])
    store.create_runtime("rt-b", SPEC, [])
    a1 = store.append_events("rt-a", [ev(), ev()])
    b1 = store.append_events("rt-b", [ev()])
    a2 = store.append_events("rt-a", [ev()])
    assert [r["sequence"] for r in a1 + a2] == [2, 3, 4]
    assert [r["sequence"] for r in b1] == [1]
    assert [r["event_id"] for r in a2] == ["rt-a:4"]
    assert store.runtime("rt-a")["last_sequence"] == 4
    seqs, _ = sequences(store, "rt-a")
    assert seqs == [1, 2, 3, 4]


def test_appending_to_an_unknown_runtime_fails_and_writes_nothing(store: Store):
    with pytest.raises(LookupError):
        store.append_events("rt-none", [ev()])
    with store.db.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 0


def test_a_failed_batch_is_rolled_back_whole(store: Store):
    store.create_runtime("rt-a", SPEC, [])
    bad = ev()
    bad["data"] = {"x": float("nan")}  # refused by the store's JSON writer
    with pytest.raises(ValueError):
        store.append_events("rt-a", [ev(), bad])
    assert store.runtime("rt-a")["last_sequence"] == 0
    assert store.append_events("rt-a", [ev()])[0]["sequence"] == 1  # no gap left behind


def test_pages_and_next_after_sequence(store: Store):
    store.create_runtime("rt-a", SPEC, [])
    store.append_events("rt-a", [ev() for _ in range(25)])
    seen, after = [], 0
    while True:
        page = store.events_page("rt-a", after, 10)
        seen += page.sequences
        after = page.next_after_sequence
        if not page.has_more:
            break
    assert seen == list(range(1, 26))
    assert after == 25
    # Asking beyond the end: nothing, and the position does not move backwards.
    page = store.events_page("rt-a", 40, 10)
    assert page.sequences == [] and page.next_after_sequence == 40 and not page.has_more
    assert store.events_page("rt-missing", 0, 10) is None


def test_filters_and_skip_ahead(store: Store):
    store.create_runtime("rt-a", SPEC, [])
    store.append_events("rt-a", [ev("order", "order_created", order_id="o1", to="created"),
                                 ev(), ev(), ev("fill", "fill", order_id="o1"), ev()])
    seqs, page = sequences(store, "rt-a", family="order")
    assert seqs == [1]
    # Nothing else matches up to the high-water mark: the consumer may jump there.
    assert page.next_after_sequence == 5 and not page.has_more
    seqs, _ = sequences(store, "rt-a", name="fill")
    assert seqs == [4]
    seqs, _ = sequences(store, "rt-a", strategy_id="s1", route_id="r1")
    assert seqs == [1, 2, 3, 4, 5]
    seqs, _ = sequences(store, "rt-a", broker_id="nobody")
    assert seqs == []
    # With a limit, has_more and next_after stay on the last returned match.
    seqs, page = sequences(store, "rt-a", limit=1, family="heartbeat")
    assert seqs == [2] and page.has_more and page.next_after_sequence == 2


def test_projections_follow_the_events(store: Store):
    store.create_runtime("rt-a", SPEC, [ev("lifecycle", "created")])
    assert store.runtime("rt-a")["status"] == "starting"
    store.append_events("rt-a", [
        ev("lifecycle", "started"),
        ev("order", "order_accepted", order_id="o1", to="accepted", side="buy", qty="1", instrument="X"),
        ev("order", "order_filled", order_id="o1", to="filled", side="buy", qty="1", instrument="X", filled_qty="1"),
        ev("position", "position_changed", venue="sim", instrument="X", size="1", avg_price="10", realized_pnl="0"),
        ev("heartbeat", "mark", cash="990", equity="1001", realized_pnl="0", unrealized_pnl="1", fees="0"),
        ev("risk", "kill_switch_engaged"),
    ])
    record = store.runtime("rt-a")
    assert record["status"] == "running" and record["kill_switch"] is True
    assert record["pnl"] == {"cash": "990", "equity": "1001", "realized_pnl": "0", "unrealized_pnl": "1", "fees": "0"}
    orders = store.read_model("rt-a", "orders")["orders"]
    assert [(o["order_id"], o["state"], o["filled_qty"]) for o in orders] == [("o1", "filled", "1")]
    positions = store.read_model("rt-a", "positions")["positions"]
    assert positions[0]["size"] == "1" and positions[0]["updated_sequence"] == 5
    curve = store.read_model("rt-a", "equity_curve")
    assert curve["points"] == [{"sequence": 6, "event_time": None, "equity": "1001", "cash": "990"}]
    assert store.fleet_read_model("positions")["items"][0]["runtime_id"] == "rt-a"
    assert store.fleet_read_model("orders")["items"] == []  # filled: not open


def test_terminal_status_is_final(store: Store):
    store.create_runtime("rt-a", SPEC, [ev("lifecycle", "created"), ev("lifecycle", "started")])
    store.append_events("rt-a", [ev("lifecycle", "failed", reason="boom"), ev("lifecycle", "started"),
                                 ev("lifecycle", "stopped")])
    record = store.runtime("rt-a")
    assert record["status"] == "failed" and record["status_reason"] == "boom" and record["terminal"]


@pytest.mark.parametrize("total, max_points", [(1, 2), (2, 2), (7, 3), (100, 10), (101, 10), (999, 500), (5, 500)])
def test_equity_curve_downsampling_keeps_ends_and_bound(store: Store, total: int, max_points: int):
    store.create_runtime("rt-a", SPEC, [])
    store.append_events("rt-a", [ev("heartbeat", "mark", cash="1", equity=str(i)) for i in range(total)])
    curve = store.read_model("rt-a", "equity_curve", max_points=max_points)
    points = curve["points"]
    assert curve["total_points"] == total
    assert 1 <= len(points) <= max_points
    assert points[0]["equity"] == "0" and points[-1]["equity"] == str(total - 1)
    assert [p["sequence"] for p in points] == sorted({p["sequence"] for p in points})


def test_control_records_are_idempotent(store: Store):
    store.create_runtime("rt-a", SPEC, [])
    first = {"runtime_id": "rt-a", "command_id": "c1", "command": "pause", "status": "accepted", "received_at": 1}
    stored, created, _ = store.record_control(first)
    assert created and stored == first
    again = dict(first, status="rejected", received_at=2)
    stored, created, _ = store.record_control(again)
    assert not created and stored == first
    assert store.controls("rt-a") == [first]


def test_concurrent_appends_never_share_a_sequence(store: Store):
    store.create_runtime("rt-a", SPEC, [])

    def writer():
        for _ in range(50):
            store.append_events("rt-a", [ev(), ev()])

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seqs, _ = sequences(store, "rt-a")
    assert seqs == list(range(1, 401))


def test_committed_events_survive_reopening(tmp_path: Path):
    path = tmp_path / "db.sqlite3"
    first = Store(path)
    first.create_runtime("rt-a", SPEC, [ev()])
    first.append_events("rt-a", [ev(), ev()])
    bodies = first.events_page("rt-a", 0, 100).bodies
    # Not closed: the process might have died here. A second connection sees it all.
    second = Store(path)
    assert second.events_page("rt-a", 0, 100).bodies == bodies
    assert second.append_events("rt-a", [ev()])[0]["sequence"] == 4
    second.close()
    first.close()


def test_a_newer_schema_is_refused(tmp_path: Path):
    path = tmp_path / "db.sqlite3"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version=99")
    conn.close()
    with pytest.raises(RuntimeError, match="newer"):
        Store(path)
