"""The event log: per-runtime monotonic sequences, appended in one transaction.

The sequence is assigned here, inside the write transaction that stores the event, from
the runtime row's ``last_sequence``: an event has a sequence exactly when it is durable,
so a consumer reading ``after=N`` can never see a gap that is later filled, nor the same
sequence twice, even across a daemon restart (D-451).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from cracktrader.store import jsontext, read_models

FILTER_COLUMNS = ("family", "name", "strategy_id", "execution_id", "route_id", "broker_id")
ATTRIBUTION = ("strategy_id", "execution_id", "route_id", "broker_id")


def event_id(runtime_id: str, sequence: int) -> str:
    """``{runtime_id}:{sequence}``: unique across the daemon and stable forever."""
    return f"{runtime_id}:{sequence}"


class UnknownRuntime(LookupError):
    """Events were appended for a runtime the store does not know."""


def append(
    conn: sqlite3.Connection, runtime_id: str, events: Sequence[Mapping[str, Any]], recorded_at: int
) -> list[dict[str, Any]]:
    """Give each event the next sequence, store it, project it; return the records.

    ``events`` are already validated (``cracktrader.runtime.events.validate``). Must run
    inside a write transaction.
    """
    row = conn.execute("SELECT last_sequence FROM runtimes WHERE runtime_id = ?", (runtime_id,)).fetchone()
    if row is None:
        raise UnknownRuntime(runtime_id)
    sequence = int(row[0])
    records: list[dict[str, Any]] = []
    for event in events:
        sequence += 1
        record = {
            "event_id": event_id(runtime_id, sequence),
            "runtime_id": runtime_id,
            "sequence": sequence,
            "family": event["family"],
            "name": event["name"],
            "event_time": event.get("event_time"),
            "recorded_at": recorded_at,
            **{key: event.get(key) for key in ATTRIBUTION},
            "data": event.get("data") or {},
        }
        conn.execute(
            "INSERT INTO events (runtime_id, sequence, family, name, strategy_id, execution_id, route_id,"
            " broker_id, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                runtime_id,
                sequence,
                record["family"],
                record["name"],
                record["strategy_id"],
                record["execution_id"],
                record["route_id"],
                record["broker_id"],
                jsontext.dumps(record),
            ),
        )
        read_models.project(conn, record)
        records.append(record)
    if records:
        conn.execute(
            "UPDATE runtimes SET last_sequence = ?, updated_at = ? WHERE runtime_id = ?",
            (sequence, recorded_at, runtime_id),
        )
    return records


@dataclass(frozen=True)
class Page:
    """One page of events, as stored JSON texts (sent to clients without re-encoding)."""

    bodies: list[str]
    sequences: list[int]
    next_after_sequence: int
    has_more: bool
    last_sequence: int


def read_page(
    conn: sqlite3.Connection,
    runtime_id: str,
    after: int,
    limit: int,
    filters: Mapping[str, str | None] | None = None,
) -> Page | None:
    """Events with ``sequence > after`` matching every filter, oldest first.

    Must run inside one read transaction: the high-water mark and the rows come from the
    same snapshot, so when nothing more matches, ``next_after_sequence`` may jump to the
    high-water mark (everything up to it has been looked at) without skipping an event
    committed meanwhile. ``None`` when the runtime does not exist.
    """
    row = conn.execute("SELECT last_sequence FROM runtimes WHERE runtime_id = ?", (runtime_id,)).fetchone()
    if row is None:
        return None
    last_sequence = int(row[0])
    clauses = ["runtime_id = ?", "sequence > ?"]
    params: list[Any] = [runtime_id, after]
    for column in FILTER_COLUMNS:
        value = (filters or {}).get(column)
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    params.append(limit + 1)
    rows = conn.execute(
        f"SELECT sequence, body FROM events WHERE {' AND '.join(clauses)} ORDER BY sequence LIMIT ?",
        params,
    ).fetchall()
    has_more = len(rows) > limit
    rows = rows[:limit]
    if has_more:
        next_after = int(rows[-1][0])
    else:
        next_after = max(after, last_sequence)
    return Page([body for _, body in rows], [int(seq) for seq, _ in rows], next_after, has_more, last_sequence)
