"""The ``runtimes`` table: one row per runtime, its spec and its projected status."""

from __future__ import annotations

import sqlite3
from typing import Any, Mapping

from cracktrader.runtime.vocabulary import TERMINAL_STATUSES, events_topic
from cracktrader.store import jsontext

COLUMNS = (
    "runtime_id, created_at, updated_at, spec, status, status_reason, kill_switch, last_sequence,"
    " last_event_time, pnl"
)


def insert(conn: sqlite3.Connection, runtime_id: str, spec: Mapping[str, Any], created_at: int) -> None:
    conn.execute(
        "INSERT INTO runtimes (runtime_id, created_at, updated_at, spec, status) VALUES (?, ?, ?, ?, 'starting')",
        (runtime_id, created_at, created_at, jsontext.dumps(dict(spec))),
    )


def _record(row: tuple[Any, ...]) -> dict[str, Any]:
    runtime_id, created_at, updated_at, spec, status, reason, kill_switch, last_sequence, last_time, pnl = row
    return {
        "runtime_id": runtime_id,
        "status": status,
        "status_reason": reason,
        "terminal": status in TERMINAL_STATUSES,
        "kill_switch": bool(kill_switch),
        "created_at": created_at,
        "updated_at": updated_at,
        "last_sequence": last_sequence,
        "last_event_time": last_time,
        "topic": events_topic(runtime_id),
        "spec": jsontext.loads(spec),
        "pnl": jsontext.loads(pnl) if pnl else None,
    }


def get(conn: sqlite3.Connection, runtime_id: str) -> dict[str, Any] | None:
    row = conn.execute(f"SELECT {COLUMNS} FROM runtimes WHERE runtime_id = ?", (runtime_id,)).fetchone()
    return _record(row) if row else None


def list_all(conn: sqlite3.Connection, *, status: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
    if status is None:
        rows = conn.execute(f"SELECT {COLUMNS} FROM runtimes ORDER BY created_at, runtime_id LIMIT ?", (limit,))
    else:
        rows = conn.execute(
            f"SELECT {COLUMNS} FROM runtimes WHERE status = ? ORDER BY created_at, runtime_id LIMIT ?",
            (status, limit),
        )
    return [_record(row) for row in rows.fetchall()]


def active_ids(conn: sqlite3.Connection) -> list[str]:
    """Runtimes whose status is not terminal (after a restart: the interrupted ones)."""
    marks = ", ".join("?" for _ in TERMINAL_STATUSES)
    rows = conn.execute(
        f"SELECT runtime_id FROM runtimes WHERE status NOT IN ({marks}) ORDER BY created_at, runtime_id",
        tuple(sorted(TERMINAL_STATUSES)),
    ).fetchall()
    return [runtime_id for (runtime_id,) in rows]
