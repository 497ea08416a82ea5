"""The daemon side of runtimes: spawn workers, ingest and sequence their events,
forward control commands, and notice when a worker dies.

Every event goes the same way, whoever produced it (a worker, or the host itself for
``created``, ``interrupted``, ``failed``): validated, then committed to the store in one
transaction that assigns its sequence, then published on ``runtime.{id}.events``. A
per-runtime lock keeps commit order and publish order identical (D-451, D-460).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from cracktrader.bus import Bus, InProcessBus
from cracktrader.runtime import events as runtime_events
from cracktrader.runtime import strategy_adapter
from cracktrader.runtime.events import make_event
from cracktrader.runtime.vocabulary import control_responses_topic, events_topic
from cracktrader.store import Store

log = logging.getLogger(__name__)

MAX_LINE_BYTES = 1 << 20
READ_CHUNK = 1 << 18
STDERR_TAIL_BYTES = 2_000
SECRET_ENV = ("CRACKTRADER_DAEMON_TOKEN", "CRACKTRADER_DAEMON_READ_TOKEN")


class HostError(Exception):
    """A request the host refuses: ``status`` (HTTP), ``code``, ``message``, ``field``."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.field = field


@dataclass
class HostConfig:
    """What the host needs from the daemon's configuration."""

    storage_dir: Path
    strategy_roots: list[Path]
    max_active_runtimes: int = 16
    # Venues runtimes may trade on (``--allow-exchange``) and the modules that register
    # exchanges in the workers (``--venue-module``, D-578, D-579).
    allowed_exchanges: list[str] = field(default_factory=list)
    venue_modules: list[str] = field(default_factory=list)
    stop_timeout_s: float = 10.0
    shutdown_timeout_s: float = 5.0
    python: str = sys.executable


@dataclass
class Worker:
    runtime_id: str
    process: asyncio.subprocess.Process
    log_path: Path
    ingest: asyncio.Task[None] | None = None
    stop_requested: bool = False
    done: asyncio.Event = field(default_factory=asyncio.Event)


def new_runtime_id() -> str:
    return "rt-" + secrets.token_hex(8)


class RuntimeHost:
    """Runtimes of one daemon."""

    def __init__(self, store: Store, config: HostConfig, *, bus: Bus, local_bus: InProcessBus) -> None:
        self.store = store
        self.config = config
        self.bus = bus
        self.local_bus = local_bus
        self.workers: dict[str, Worker] = {}
        self._commit_locks: dict[str, asyncio.Lock] = {}
        self._control_locks: dict[str, asyncio.Lock] = {}
        self.bus_errors = 0
        self.logs_dir = config.storage_dir / "logs"
        self.shutting_down = False
        # Serializes creations, so the capacity check and the spawn are one step.
        self._create_lock = asyncio.Lock()

    # lifecycle of the host -------------------------------------------------------------

    async def start(self) -> list[str]:
        """Mark runtimes a previous daemon left running as ``interrupted``; their ids."""
        self.logs_dir.mkdir(mode=0o700, exist_ok=True)
        stale = await asyncio.to_thread(self.store.active_runtime_ids)
        for runtime_id in stale:
            await self.commit(
                runtime_id,
                [self._host_event("lifecycle", "interrupted", {"reason": "daemon_restarted"})],
            )
        return stale

    async def shutdown(self) -> None:
        """Ask every worker to stop, wait a little, then kill what is left (those end
        ``interrupted``, ``daemon_shutdown``)."""
        self.shutting_down = True
        workers = list(self.workers.values())
        for worker in workers:
            await self._send(worker, {"type": "shutdown"})
        if workers:
            await asyncio.wait([asyncio.ensure_future(w.done.wait()) for w in workers],
                               timeout=self.config.shutdown_timeout_s)
        for worker in workers:
            if not worker.done.is_set():
                self._kill(worker)
                await worker.done.wait()

    # runtimes --------------------------------------------------------------------------

    def active_count(self) -> int:
        return sum(1 for w in self.workers.values() if not w.done.is_set())

    def worker_info(self, runtime_id: str) -> dict[str, Any] | None:
        worker = self.workers.get(runtime_id)
        if worker is None:
            return None
        return {"pid": worker.process.pid, "running": not worker.done.is_set()}

    async def create(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        """Start a runtime for a validated spec; its record (status ``starting``)."""
        async with self._create_lock:
            return await self._create(spec)

    async def _create(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        if self.shutting_down:
            raise HostError(429, "too_many_runtimes", "the daemon is shutting down")
        if self.active_count() >= self.config.max_active_runtimes:
            raise HostError(
                429, "too_many_runtimes",
                f"{self.config.max_active_runtimes} runtimes are active; stop one first",
            )
        try:
            ref = strategy_adapter.check(spec, self.config.strategy_roots, self.config.allowed_exchanges)
            venues = strategy_adapter.venue_module_refs(spec, self.config.strategy_roots, self.config.venue_modules)
        except strategy_adapter.SpecRefused as exc:
            raise HostError(422, exc.code, str(exc), exc.field) from None
        runtime_id = new_runtime_id()
        first = [self._host_event("lifecycle", "created", {"strategy": spec["strategy"], "mode": spec["mode"],
                                                             "backend": spec["backend"]}, spec)]
        async with self._commit_lock(runtime_id):
            record, records = await asyncio.to_thread(self.store.create_runtime, runtime_id, spec, first)
            await self._publish(runtime_id, records)
        await self._spawn(runtime_id, strategy_adapter.boot_message(runtime_id, spec, ref, venues))
        return record

    async def _spawn(self, runtime_id: str, boot: dict[str, Any]) -> None:
        log_path = self.logs_dir / f"{runtime_id}.log"
        fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        env = {key: value for key, value in os.environ.items() if key not in SECRET_ENV}
        try:
            process = await asyncio.create_subprocess_exec(
                self.config.python, "-m", "cracktrader.runtime.worker",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=fd,
                env=env,
                # Its own session: a Ctrl-C meant for the daemon does not hit workers;
                # the daemon stops them in order instead.
                start_new_session=True,
            )
        except OSError as exc:
            os.close(fd)
            await self.commit(runtime_id, [
                self._host_event("error", "worker_spawn_failed", {"message": str(exc)[:500]}),
                self._host_event("lifecycle", "failed", {"reason": "worker_spawn_failed"}),
            ])
            return
        os.close(fd)
        worker = Worker(runtime_id, process, log_path)
        self.workers[runtime_id] = worker
        await self._send(worker, boot)
        worker.ingest = asyncio.create_task(self._ingest(worker), name=f"ingest {runtime_id}")

    async def _send(self, worker: Worker, message: dict[str, Any]) -> bool:
        stdin = worker.process.stdin
        if stdin is None or stdin.is_closing() or worker.done.is_set():
            return False
        try:
            stdin.write(json.dumps(message, separators=(",", ":")).encode("utf-8") + b"\n")
            await stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            return False
        return True

    def _kill(self, worker: Worker) -> None:
        try:
            worker.process.send_signal(signal.SIGKILL)
        except ProcessLookupError:
            pass

    # ingestion -------------------------------------------------------------------------

    async def _ingest(self, worker: Worker) -> None:
        stdout = worker.process.stdout
        assert stdout is not None
        buffer = b""
        skipping = False
        try:
            while True:
                chunk = await stdout.read(READ_CHUNK)
                if not chunk:
                    break
                buffer += chunk
                lines = buffer.split(b"\n")
                buffer = lines.pop()
                if skipping and lines:  # the rest of an over-long line
                    lines, skipping = lines[1:], False
                lines = [line for line in lines if line.strip()]
                if len(buffer) > MAX_LINE_BYTES:
                    lines.append(json.dumps(self._host_event(
                        "error", "invalid_worker_event",
                        {"message": f"event line longer than {MAX_LINE_BYTES} bytes"})).encode())
                    buffer, skipping = b"", True
                if lines:
                    await self.commit_lines(worker.runtime_id, lines)
            code = await worker.process.wait()
            await self._finish(worker, code)
        except Exception:  # never let one runtime's ingestion take the daemon down
            log.exception("ingestion of %s failed", worker.runtime_id)
            self._kill(worker)
            try:
                await worker.process.wait()
                await self._finish(worker, worker.process.returncode, host_failure=True)
            except Exception:
                log.exception("could not record the end of %s", worker.runtime_id)
        finally:
            worker.done.set()

    def _parse(self, line: bytes) -> dict[str, Any]:
        try:
            return runtime_events.validate(json.loads(line))
        except (ValueError, runtime_events.WireError) as exc:
            return self._host_event("error", "invalid_worker_event", {"message": str(exc)[:500]})

    async def _finish(self, worker: Worker, code: int | None, *, host_failure: bool = False) -> None:
        """Record the end of a worker whose last event was not terminal."""
        record = await asyncio.to_thread(self.store.runtime, worker.runtime_id)
        if record is None or record["terminal"]:
            return
        if self.shutting_down and not host_failure:
            events = [self._host_event("lifecycle", "interrupted", {"reason": "daemon_shutdown", "exit_code": code})]
        elif worker.stop_requested and not host_failure:
            events = [self._host_event("lifecycle", "stopped", {"reason": "stop_timeout", "forced": True,
                                                               "exit_code": code})]
        else:
            reason = "host_ingest_error" if host_failure else "worker_exited"
            events = [
                self._host_event("error", reason, {"exit_code": code, "stderr_tail": self._stderr_tail(worker)}),
                self._host_event("lifecycle", "failed", {"reason": reason}),
            ]
        await self.commit(worker.runtime_id, events)

    def _stderr_tail(self, worker: Worker) -> str:
        try:
            with open(worker.log_path, "rb") as handle:
                handle.seek(0, os.SEEK_END)
                handle.seek(max(0, handle.tell() - STDERR_TAIL_BYTES))
                return handle.read().decode("utf-8", "replace")
        except OSError:
            return ""

    # committing and publishing ---------------------------------------------------------

    def _commit_lock(self, runtime_id: str) -> asyncio.Lock:
        return self._commit_locks.setdefault(runtime_id, asyncio.Lock())

    def _host_event(
        self, family: str, name: str, data: dict[str, Any], spec: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        attribution = {"strategy_id": spec.get("strategy_id")} if spec else None
        return make_event(family, name, data, attribution=attribution)

    def _parse_and_append(self, runtime_id: str, lines: list[bytes]) -> list[dict[str, Any]]:
        # Parsing, validating and storing happen in one worker thread, off the event
        # loop, so a burst from one runtime never delays the loop's other requests.
        return self.store.append_events(runtime_id, [self._parse(line) for line in lines])

    async def commit_lines(self, runtime_id: str, lines: list[bytes]) -> list[dict[str, Any]]:
        """Like ``commit``, for raw JSON lines from a worker."""
        async with self._commit_lock(runtime_id):
            records = await asyncio.to_thread(self._parse_and_append, runtime_id, lines)
            await self._publish(runtime_id, records)
        return records

    async def commit(self, runtime_id: str, batch: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Sequence and store events, then publish them; the stored records."""
        async with self._commit_lock(runtime_id):
            records = await asyncio.to_thread(self.store.append_events, runtime_id, batch)
            await self._publish(runtime_id, records)
        return records

    async def _publish(self, runtime_id: str, records: list[dict[str, Any]]) -> None:
        if not records:
            return
        topic = events_topic(runtime_id)
        await self.local_bus.publish(topic, records)
        if self.bus is not self.local_bus:
            try:
                await self.bus.publish(topic, records)
            except Exception as exc:  # the store has them; consumers can re-read
                self.bus_errors += 1
                log.warning("publishing %d events of %s failed: %s", len(records), runtime_id, exc)

    # control ---------------------------------------------------------------------------

    async def control(
        self, runtime_id: str, command: str, command_id: str, reason: str | None, received_at: int
    ) -> tuple[dict[str, Any], bool]:
        """Execute a control command once per ``command_id``: ``(response, replayed)``."""
        lock = self._control_locks.setdefault(runtime_id, asyncio.Lock())
        async with lock:
            existing = await asyncio.to_thread(self.store.control, runtime_id, command_id)
            if existing is not None:
                if existing["command"] != command:
                    raise HostError(
                        409, "command_id_conflict",
                        f"command_id {command_id!r} was already used for {existing['command']!r}",
                        "/command_id",
                    )
                return existing, True
            record = await asyncio.to_thread(self.store.runtime, runtime_id)
            if record is None:
                raise HostError(404, "not_found", f"no runtime {runtime_id}")
            worker = self.workers.get(runtime_id)
            live = worker is not None and not worker.done.is_set() and not record["terminal"]
            response = {
                "runtime_id": runtime_id,
                "command_id": command_id,
                "command": command,
                "reason": reason,
                "status": "accepted" if live else "rejected",
                "code": None if live else "runtime_not_active",
                "message": "delivered to the runtime; its control_applied event confirms the effect"
                if live else f"the runtime is {record['status']}, not running",
                "received_at": received_at,
            }
            stored, created, _ = await asyncio.to_thread(self.store.record_control, response)
            if not created:
                return stored, True
            if live and worker is not None:
                if command == "stop":
                    worker.stop_requested = True
                    asyncio.create_task(self._stop_watchdog(worker))
                await self._send(worker, {"type": "control", "command": command, "command_id": command_id})
            try:
                await self.local_bus.publish(control_responses_topic(runtime_id), [response])
                if self.bus is not self.local_bus:
                    await self.bus.publish(control_responses_topic(runtime_id), [response])
            except Exception as exc:
                self.bus_errors += 1
                log.warning("publishing a control response of %s failed: %s", runtime_id, exc)
            return response, False

    async def _stop_watchdog(self, worker: Worker) -> None:
        try:
            await asyncio.wait_for(worker.done.wait(), self.config.stop_timeout_s)
        except asyncio.TimeoutError:
            log.warning("runtime %s did not stop within %.0fs: killing it", worker.runtime_id,
                        self.config.stop_timeout_s)
            self._kill(worker)
