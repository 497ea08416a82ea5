"""SQLite connections: one writer behind a lock, one reader connection per thread.

WAL mode lets readers see a consistent snapshot while the writer appends, so HTTP
readers never wait for ingestion and ingestion never waits for readers. Every write is
one ``BEGIN IMMEDIATE`` transaction; ``synchronous=FULL`` (the default here) makes a
committed transaction survive a power cut as well as a killed process, which is what
"a daemon restart loses nothing that was acknowledged" needs (D-452).
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from cracktrader.store.schema import migrate

SYNCHRONOUS_MODES = ("FULL", "NORMAL")


class Database:
    """The store's SQLite file, opened once per daemon."""

    def __init__(self, path: str | Path, *, synchronous: str = "FULL") -> None:
        mode = synchronous.upper()
        if mode not in SYNCHRONOUS_MODES:
            raise ValueError(f"synchronous must be one of {SYNCHRONOUS_MODES}, not {synchronous!r}")
        self.path = str(path)
        self._synchronous = mode
        self._write_lock = threading.Lock()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._local = threading.local()
        self._closed = False
        self._writer = self._connect()
        self._writer.execute("PRAGMA journal_mode=WAL")
        with self._write_lock:
            migrate(self._writer)

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: transactions are explicit (BEGIN ... COMMIT), never
        # opened behind our back by the sqlite3 module.
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30.0)
        conn.execute(f"PRAGMA synchronous={self._synchronous}")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; committed on success, rolled back on any exception."""
        with self._write_lock:
            if self._closed:
                raise RuntimeError("the store is closed")
            conn = self._writer
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """One read transaction on this thread's connection: every query sees one snapshot."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise RuntimeError("the store is closed")
            conn = self._connect()
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    def journal_mode(self) -> str:
        with self.read() as conn:
            return str(conn.execute("PRAGMA journal_mode").fetchone()[0])

    def close(self) -> None:
        """Close every connection (readers of other threads included)."""
        with self._write_lock:
            self._closed = True
            self._writer.close()
        with self._readers_lock:
            for conn in self._readers:
                try:
                    conn.close()
                except sqlite3.ProgrammingError:  # closed from its own thread already
                    pass
            self._readers.clear()
