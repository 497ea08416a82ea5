"""Read models, projected from each event inside the transaction that appends it.

Because the projection commits with the event, a read model is never ahead of or
behind the log, and needs no rebuild after a restart (D-453). The views are
``status`` (the runtime row), ``orders``, ``positions``, ``pnl`` (on the runtime row)
and ``equity_curve`` (one point per ``heartbeat/mark`` event).
"""

from __future__ import annotations

import sqlite3
from typing import Any, Mapping

from cracktrader.runtime.vocabulary import LIFECYCLE_STATUS, TERMINAL_STATUSES
from cracktrader.store import jsontext

ORDER_FIELDS = (
    "order_id", "instrument", "venue", "side", "order_type", "qty", "limit_price", "stop_price",
    "filled_qty", "remaining_qty", "avg_fill_price", "reason",
)
POSITION_FIELDS = ("venue", "instrument", "size", "avg_price", "realized_pnl")
PNL_FIELDS = ("cash", "equity", "realized_pnl", "unrealized_pnl", "fees")


def project(conn: sqlite3.Connection, record: Mapping[str, Any]) -> None:
    """Apply one stored event record to the read-model tables."""
    family, name, data = record["family"], record["name"], record["data"]
    runtime_id, sequence = record["runtime_id"], record["sequence"]
    if family == "lifecycle" and name in LIFECYCLE_STATUS:
        _set_status(conn, runtime_id, LIFECYCLE_STATUS[name], data.get("reason"))
    elif family == "risk" and name == "kill_switch_engaged":
        conn.execute("UPDATE runtimes SET kill_switch = 1 WHERE runtime_id = ?", (runtime_id,))
    elif family == "order" and isinstance(data.get("order_id"), str) and isinstance(data.get("to"), str):
        body = {key: data.get(key) for key in ORDER_FIELDS}
        body.update(state=data["to"], updated_sequence=sequence, updated_time=record.get("event_time"))
        conn.execute(
            "INSERT INTO orders (runtime_id, order_id, state, body) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (runtime_id, order_id) DO UPDATE SET state = excluded.state, body = excluded.body",
            (runtime_id, data["order_id"], data["to"], jsontext.dumps(body)),
        )
    elif family == "position" and isinstance(data.get("instrument"), str):
        body = {key: data.get(key) for key in POSITION_FIELDS}
        body["updated_sequence"] = sequence
        conn.execute(
            "INSERT INTO positions (runtime_id, venue, instrument, body) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (runtime_id, venue, instrument) DO UPDATE SET body = excluded.body",
            (runtime_id, str(data.get("venue") or ""), data["instrument"], jsontext.dumps(body)),
        )
    elif family == "heartbeat" and name == "mark" and isinstance(data.get("equity"), str):
        pnl = {key: data.get(key) for key in PNL_FIELDS}
        conn.execute(
            "INSERT INTO equity (runtime_id, sequence, event_time, equity, cash) VALUES (?, ?, ?, ?, ?)",
            (runtime_id, sequence, record.get("event_time"), data["equity"], str(data.get("cash"))),
        )
        conn.execute(
            "UPDATE runtimes SET pnl = ?, last_event_time = ? WHERE runtime_id = ?",
            (jsontext.dumps(pnl), record.get("event_time"), runtime_id),
        )


def _set_status(conn: sqlite3.Connection, runtime_id: str, status: str, reason: Any) -> None:
    row = conn.execute("SELECT status FROM runtimes WHERE runtime_id = ?", (runtime_id,)).fetchone()
    if row is None or row[0] in TERMINAL_STATUSES:
        return  # a terminal status is final (D-455)
    conn.execute(
        "UPDATE runtimes SET status = ?, status_reason = ? WHERE runtime_id = ?",
        (status, reason if isinstance(reason, str) else None, runtime_id),
    )


def orders(conn: sqlite3.Connection, runtime_id: str, *, open_only: bool = False) -> list[dict[str, Any]]:
    sql = "SELECT body FROM orders WHERE runtime_id = ?"
    if open_only:
        sql += " AND state NOT IN ('filled', 'cancelled', 'rejected', 'expired')"
    rows = conn.execute(sql, (runtime_id,)).fetchall()
    result = [jsontext.loads(body) for (body,) in rows]
    result.sort(key=lambda order: order.get("updated_sequence") or 0)
    return result


def positions(conn: sqlite3.Connection, runtime_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT body FROM positions WHERE runtime_id = ? ORDER BY venue, instrument", (runtime_id,)
    ).fetchall()
    return [jsontext.loads(body) for (body,) in rows]


def equity_curve(conn: sqlite3.Connection, runtime_id: str, max_points: int) -> tuple[list[dict[str, Any]], int]:
    """At most ``max_points`` evenly spaced points (always the last one) and the total count."""
    total = int(conn.execute("SELECT COUNT(*) FROM equity WHERE runtime_id = ?", (runtime_id,)).fetchone()[0])
    if total == 0:
        return [], 0
    # Points at n = 0, stride, 2*stride, ... plus the last: at most max_points in all.
    stride = max(1, -(-(total - 1) // (max_points - 1))) if max_points > 1 else total
    rows = conn.execute(
        "SELECT sequence, event_time, equity, cash FROM ("
        " SELECT sequence, event_time, equity, cash, ROW_NUMBER() OVER (ORDER BY sequence) - 1 AS n,"
        " COUNT(*) OVER () AS total FROM equity WHERE runtime_id = ?)"
        " WHERE n % ? = 0 OR n = total - 1 ORDER BY sequence",
        (runtime_id, stride),
    ).fetchall()
    points = [{"sequence": s, "event_time": t, "equity": e, "cash": c} for s, t, e, c in rows]
    return points, total
