"""The daemon's durable store: one SQLite database (WAL mode) in the storage directory.

It holds the runtime event log (per-runtime monotonic ``sequence``), the read models
projected from it in the same transaction (status, orders, positions, equity), control
commands with their responses (idempotent by ``command_id``) and posted reports.
``Store`` is the facade the daemon uses; each table family has its own module.
"""

from __future__ import annotations

from cracktrader.store.store import Store

__all__ = ["Store"]
