"""The closed vocabularies of runtimes: event families, lifecycle names and statuses,
control commands and read-model views. One module, so the worker, the store's
projections, the API models and the page agree on every word.
"""

from __future__ import annotations

FAMILIES = ("lifecycle", "order", "fill", "position", "risk", "heartbeat", "error")

# Lifecycle event name -> the runtime status it sets (D-455).
LIFECYCLE_STATUS = {
    "created": "starting",
    "started": "running",
    "paused": "paused",
    "resumed": "running",
    "stopping": "stopping",
    "completed": "completed",
    "stopped": "stopped",
    "failed": "failed",
    "interrupted": "interrupted",
}
STATUSES = ("starting", "running", "paused", "stopping", "completed", "stopped", "failed", "interrupted")
TERMINAL_STATUSES = frozenset({"completed", "stopped", "failed", "interrupted"})

CONTROL_COMMANDS = ("pause", "resume", "stop", "kill_switch", "cancel_all")
MODES = ("backtest", "paper", "live", "sandbox")
VIEWS = ("status", "orders", "positions", "pnl", "equity_curve")

# Core refusal codes that are risk decisions rather than order-shape problems: a refusal
# with one of these is a `risk` event, any other refusal an `order` event.
RISK_CODES = frozenset({"kill_switch", "risk_limit", "insufficient_cash", "insufficient_position"})

TERMINAL_ORDER_STATES = frozenset({"filled", "cancelled", "rejected", "expired"})


def events_topic(runtime_id: str) -> str:
    """The bus topic every event of a runtime is published on."""
    return f"runtime.{runtime_id}.events"


def control_responses_topic(runtime_id: str) -> str:
    """The bus topic control responses of a runtime are published on."""
    return f"runtime.{runtime_id}.control.responses"
