"""Control commands and their responses, one row per ``(runtime_id, command_id)``.

The primary key is what makes a control idempotent: the first request with a
``command_id`` is stored together with its response in one transaction; any later
request with that id gets the stored response back and executes nothing (D-456).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from cracktrader.store import jsontext


def get(conn: sqlite3.Connection, runtime_id: str, command_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT response FROM controls WHERE runtime_id = ? AND command_id = ?", (runtime_id, command_id)
    ).fetchone()
    return jsontext.loads(row[0]) if row else None


def insert(conn: sqlite3.Connection, response: dict[str, Any]) -> None:
    """Store a response; ``sqlite3.IntegrityError`` if the command id is already taken."""
    conn.execute(
        "INSERT INTO controls (runtime_id, command_id, command, created_at, response) VALUES (?, ?, ?, ?, ?)",
        (
            response["runtime_id"],
            response["command_id"],
            response["command"],
            response["received_at"],
            jsontext.dumps(response),
        ),
    )


def list_for(conn: sqlite3.Connection, runtime_id: str, limit: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT response FROM controls WHERE runtime_id = ? ORDER BY created_at, command_id LIMIT ?",
        (runtime_id, limit),
    ).fetchall()
    return [jsontext.loads(body) for (body,) in rows]
