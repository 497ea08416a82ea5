"""``Store``: the facade the daemon calls (synchronously, from worker threads)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from cracktrader.engine import numbers
from cracktrader.store import controls, events, read_models, reports, runtimes
from cracktrader.store.db import Database

DB_FILENAME = "cracktrader.sqlite3"


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class Store:
    """Event log, read models, controls and reports in one SQLite database."""

    def __init__(
        self, path: str | Path, *, synchronous: str = "FULL", clock: Callable[[], int] = wall_clock_ms
    ) -> None:
        self.db = Database(path, synchronous=synchronous)
        self.clock = clock

    @classmethod
    def in_dir(cls, storage_dir: str | Path, **options: Any) -> "Store":
        """The store of a daemon storage directory."""
        return cls(Path(storage_dir) / DB_FILENAME, **options)

    def close(self) -> None:
        self.db.close()

    # runtimes and events -------------------------------------------------------------

    def create_runtime(
        self, runtime_id: str, spec: Mapping[str, Any], first_events: Sequence[Mapping[str, Any]]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Insert a runtime and its first events in one transaction."""
        now = self.clock()
        with self.db.write() as conn:
            runtimes.insert(conn, runtime_id, spec, now)
            records = events.append(conn, runtime_id, first_events, now)
            record = runtimes.get(conn, runtime_id)
        assert record is not None
        return record, records

    def append_events(self, runtime_id: str, batch: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Sequence, store and project a batch of events; durable when this returns."""
        if not batch:
            return []
        now = self.clock()
        with self.db.write() as conn:
            return events.append(conn, runtime_id, batch, now)

    def runtime(self, runtime_id: str) -> dict[str, Any] | None:
        with self.db.read() as conn:
            return runtimes.get(conn, runtime_id)

    def list_runtimes(self, *, status: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return runtimes.list_all(conn, status=status, limit=limit)

    def active_runtime_ids(self) -> list[str]:
        with self.db.read() as conn:
            return runtimes.active_ids(conn)

    def events_page(
        self, runtime_id: str, after: int, limit: int, filters: Mapping[str, str | None] | None = None
    ) -> events.Page | None:
        with self.db.read() as conn:
            return events.read_page(conn, runtime_id, after, limit, filters)

    # controls ------------------------------------------------------------------------

    def control(self, runtime_id: str, command_id: str) -> dict[str, Any] | None:
        with self.db.read() as conn:
            return controls.get(conn, runtime_id, command_id)

    def record_control(
        self, response: dict[str, Any], events_to_append: Sequence[Mapping[str, Any]] = ()
    ) -> tuple[dict[str, Any], bool, list[dict[str, Any]]]:
        """Store a control response (and events) unless its command id is taken.

        Returns ``(stored_response, created, event_records)``: when the id was already
        taken, the stored response and ``created=False`` (nothing else is written).
        """
        try:
            with self.db.write() as conn:
                controls.insert(conn, response)
                records = events.append(conn, response["runtime_id"], events_to_append, response["received_at"])
        except sqlite3.IntegrityError:
            stored = self.control(response["runtime_id"], response["command_id"])
            assert stored is not None
            return stored, False, []
        return response, True, records

    def controls(self, runtime_id: str, limit: int = 1000) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return controls.list_for(conn, runtime_id, limit)

    # read models ---------------------------------------------------------------------

    def read_model(self, runtime_id: str, view: str, *, max_points: int = 500) -> dict[str, Any] | None:
        """One view of one runtime (``None`` when the runtime does not exist)."""
        with self.db.read() as conn:
            record = runtimes.get(conn, runtime_id)
            if record is None:
                return None
            head = {"view": view, "runtime_id": runtime_id, "as_of_sequence": record["last_sequence"]}
            if view == "status":
                return {**head, "runtime": record}
            if view == "orders":
                return {**head, "orders": read_models.orders(conn, runtime_id)}
            if view == "positions":
                return {**head, "positions": read_models.positions(conn, runtime_id)}
            if view == "pnl":
                return {**head, **_pnl(record)}
            if view == "equity_curve":
                points, total = read_models.equity_curve(conn, runtime_id, max_points)
                return {**head, "points": points, "total_points": total}
        raise ValueError(f"unknown view {view!r}")

    def fleet_read_model(self, view: str, *, max_points: int = 100) -> dict[str, Any]:
        """One view across every runtime."""
        with self.db.read() as conn:
            records = runtimes.list_all(conn, limit=10_000)
            head = {"view": view, "runtimes": len(records)}
            if view == "status":
                counts: dict[str, int] = {}
                for record in records:
                    counts[record["status"]] = counts.get(record["status"], 0) + 1
                return {**head, "counts": counts, "items": [_summary(r) for r in records]}
            if view == "orders":
                items = [
                    {"runtime_id": r["runtime_id"], **order}
                    for r in records
                    for order in read_models.orders(conn, r["runtime_id"], open_only=True)
                ]
                return {**head, "items": items}
            if view == "positions":
                items = [
                    {"runtime_id": r["runtime_id"], **position}
                    for r in records
                    for position in read_models.positions(conn, r["runtime_id"])
                    if position.get("size") not in (None, "0")
                ]
                return {**head, "items": items}
            if view == "pnl":
                items = [{"runtime_id": r["runtime_id"], "status": r["status"], **_pnl(r)} for r in records]
                return {**head, "items": items, "totals": _totals(items)}
            if view == "equity_curve":
                curves = []
                for record in records:
                    points, total = read_models.equity_curve(conn, record["runtime_id"], max_points)
                    curves.append({"runtime_id": record["runtime_id"], "points": points, "total_points": total})
                return {**head, "items": curves}
        raise ValueError(f"unknown view {view!r}")

    # reports -------------------------------------------------------------------------

    def insert_report(self, meta: dict[str, Any], document_text: str) -> None:
        with self.db.write() as conn:
            reports.insert(conn, meta, document_text)

    def reports(self, *, kind: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return reports.list_all(conn, kind=kind, limit=limit)

    def report(self, report_id: str) -> tuple[dict[str, Any], str] | None:
        with self.db.read() as conn:
            return reports.get(conn, report_id)


def _summary(record: Mapping[str, Any]) -> dict[str, Any]:
    spec = record["spec"]
    return {
        "runtime_id": record["runtime_id"],
        "status": record["status"],
        "kill_switch": record["kill_switch"],
        "strategy": spec.get("strategy"),
        "mode": spec.get("mode"),
        "backend": spec.get("backend"),
        "last_sequence": record["last_sequence"],
    }


PNL_KEYS = ("cash", "equity", "realized_pnl", "unrealized_pnl", "fees")


def _pnl(record: Mapping[str, Any]) -> dict[str, Any]:
    pnl = record.get("pnl") or {}
    return {"initial_cash": record["spec"].get("initial_cash"), **{key: pnl.get(key) for key in PNL_KEYS}}


def _totals(items: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Sums of the decimal pnl fields (fixed-point, exact) over runtimes that have them."""
    totals = {key: 0 for key in PNL_KEYS}
    for item in items:
        for key in PNL_KEYS:
            value = item.get(key)
            if isinstance(value, str):
                totals[key] = numbers.add(totals[key], numbers.parse_decimal(value))
    return {key: numbers.format_decimal(raw) for key, raw in totals.items()}
