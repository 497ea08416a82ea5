"""Posted reports: parity summaries, divergence reports, replay and recovery evidence.

A report is any JSON object; it is stored whole, with a kind and a short summary
computed once at post time (``cracktrader.api.report_kinds``) so the list is cheap.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from cracktrader.store import jsontext

LIST_COLUMNS = "report_id, kind, title, runtime_id, created_at, size, summary"


def insert(conn: sqlite3.Connection, meta: dict[str, Any], document_text: str) -> None:
    conn.execute(
        "INSERT INTO reports (report_id, kind, title, runtime_id, created_at, size, summary, document)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            meta["report_id"],
            meta["kind"],
            meta["title"],
            meta["runtime_id"],
            meta["created_at"],
            meta["size"],
            jsontext.dumps(meta["summary"]),
            document_text,
        ),
    )


def _meta(row: tuple[Any, ...]) -> dict[str, Any]:
    report_id, kind, title, runtime_id, created_at, size, summary = row
    return {
        "report_id": report_id,
        "kind": kind,
        "title": title,
        "runtime_id": runtime_id,
        "created_at": created_at,
        "size": size,
        "summary": jsontext.loads(summary),
    }


def list_all(conn: sqlite3.Connection, *, kind: str | None, limit: int) -> list[dict[str, Any]]:
    if kind is None:
        rows = conn.execute(f"SELECT {LIST_COLUMNS} FROM reports ORDER BY created_at DESC, report_id LIMIT ?", (limit,))
    else:
        rows = conn.execute(
            f"SELECT {LIST_COLUMNS} FROM reports WHERE kind = ? ORDER BY created_at DESC, report_id LIMIT ?",
            (kind, limit),
        )
    return [_meta(row) for row in rows.fetchall()]


def get(conn: sqlite3.Connection, report_id: str) -> tuple[dict[str, Any], str] | None:
    row = conn.execute(
        f"SELECT {LIST_COLUMNS}, document FROM reports WHERE report_id = ?", (report_id,)
    ).fetchone()
    if row is None:
        return None
    return _meta(row[:-1]), row[-1]
