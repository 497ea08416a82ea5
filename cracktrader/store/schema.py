"""The store's tables, created and upgraded by ``PRAGMA user_version`` steps."""

from __future__ import annotations

import sqlite3

# Each entry upgrades the schema by one version; never edit a released step, add one.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE runtimes (
        runtime_id     TEXT PRIMARY KEY,
        created_at     INTEGER NOT NULL,
        updated_at     INTEGER NOT NULL,
        spec           TEXT NOT NULL,
        status         TEXT NOT NULL,
        status_reason  TEXT,
        kill_switch    INTEGER NOT NULL DEFAULT 0,
        last_sequence  INTEGER NOT NULL DEFAULT 0,
        last_event_time INTEGER,
        pnl            TEXT
    );
    CREATE TABLE events (
        runtime_id   TEXT NOT NULL,
        sequence     INTEGER NOT NULL,
        family       TEXT NOT NULL,
        name         TEXT NOT NULL,
        strategy_id  TEXT,
        execution_id TEXT,
        route_id     TEXT,
        broker_id    TEXT,
        body         TEXT NOT NULL,
        PRIMARY KEY (runtime_id, sequence)
    ) WITHOUT ROWID;
    CREATE INDEX events_by_family ON events (runtime_id, family, sequence);
    CREATE TABLE orders (
        runtime_id TEXT NOT NULL,
        order_id   TEXT NOT NULL,
        state      TEXT NOT NULL,
        body       TEXT NOT NULL,
        PRIMARY KEY (runtime_id, order_id)
    ) WITHOUT ROWID;
    CREATE TABLE positions (
        runtime_id TEXT NOT NULL,
        venue      TEXT NOT NULL,
        instrument TEXT NOT NULL,
        body       TEXT NOT NULL,
        PRIMARY KEY (runtime_id, venue, instrument)
    ) WITHOUT ROWID;
    CREATE TABLE equity (
        runtime_id TEXT NOT NULL,
        sequence   INTEGER NOT NULL,
        event_time INTEGER,
        equity     TEXT NOT NULL,
        cash       TEXT NOT NULL,
        PRIMARY KEY (runtime_id, sequence)
    ) WITHOUT ROWID;
    CREATE TABLE controls (
        runtime_id TEXT NOT NULL,
        command_id TEXT NOT NULL,
        command    TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        response   TEXT NOT NULL,
        PRIMARY KEY (runtime_id, command_id)
    ) WITHOUT ROWID;
    CREATE TABLE reports (
        report_id  TEXT PRIMARY KEY,
        kind       TEXT NOT NULL,
        title      TEXT NOT NULL,
        runtime_id TEXT,
        created_at INTEGER NOT NULL,
        size       INTEGER NOT NULL,
        summary    TEXT NOT NULL,
        document   TEXT NOT NULL
    );
    """,
]


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database to the newest schema version; return that version."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > len(MIGRATIONS):
        raise RuntimeError(
            f"the store has schema version {version}, newer than this cracktrader ({len(MIGRATIONS)})"
        )
    for index in range(version, len(MIGRATIONS)):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in MIGRATIONS[index].split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version={index + 1}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return len(MIGRATIONS)
