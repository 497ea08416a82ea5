"""How control commands reach a running strategy: a ``ControlSource`` the run loop polls
between bars and waits on while paused or pacing."""

from __future__ import annotations

import queue
from typing import Any, Iterable, Protocol

EOF_COMMAND = {"type": "eof"}


class ControlSource(Protocol):
    """Commands for one runtime (``{"type": "control", "command", "command_id"}``)."""

    def poll(self) -> list[dict[str, Any]]:
        """Every command that arrived, without waiting."""

    def wait(self, timeout: float) -> dict[str, Any] | None:
        """The next command, waiting at most ``timeout`` seconds."""


class QueueControls:
    """A thread-safe queue of commands (the worker's stdin reader fills it)."""

    def __init__(self, initial: Iterable[dict[str, Any]] = ()) -> None:
        self.queue: queue.Queue[dict[str, Any]] = queue.Queue()
        for command in initial:
            self.queue.put(command)

    def put(self, command: dict[str, Any]) -> None:
        self.queue.put(command)

    def poll(self) -> list[dict[str, Any]]:
        commands = []
        while True:
            try:
                commands.append(self.queue.get_nowait())
            except queue.Empty:
                return commands

    def wait(self, timeout: float) -> dict[str, Any] | None:
        try:
            return self.queue.get(timeout=max(timeout, 0.0))
        except queue.Empty:
            return None
