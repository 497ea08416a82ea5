"""Crash recovery: checkpoint + replay-log suffix -> a core identical to an uninterrupted run.

Python-owned orchestration that runs on either core backend (D-368). ``RecoveryRunner``:

1. loads and verifies the checkpoint (frame, checksum, migration, schema, D-366);
2. verifies the whole replay log (every line's checksum; torn tail and unclosed log
   are warnings, a corrupt line refuses with its line number);
3. checks that both belong together (run id, core config) and that the log covers
   the checkpoint's cursor;
4. restores the core on the chosen backend from ``engine_state`` (and checks the
   restored state hash);
5. replays the log suffix after the cursor (or from ``start_step``), checking each
   step reproduces its logged result digest;
6. unless ``verify=False``, replays the same log uninterrupted on a fresh core and
   compares: the state at the cursor against the checkpoint, then cash, fees,
   positions, orders, the state hash, the suffix's result stream and intent stream.

Data problems never raise: ``run()`` returns a ``RecoveryReport`` whose ``status`` is
``recovered``, ``mismatch`` or ``refused`` (with a ``recovery_code``). Only misuse
raises (a bad argument, a backend that is not built: ``BackendUnavailable``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from cracktrader.backend import resolve_backend
from cracktrader.engine import build_core
from cracktrader.engine.checkpoint import CheckpointEnvelope, genesis_checkpoint, latest_checkpoint
from cracktrader.engine.canonical import canonical_bytes, state_hash
from cracktrader.engine.durable import RecoveryError
from cracktrader.engine.errors import BackendUnavailable, CracktraderError
from cracktrader.engine.replay import ReplayLogReader, ReplayStats, StepRecord, feed

TERMINAL = frozenset(("filled", "cancelled", "rejected", "expired"))
# Snapshot sections compared one by one when the state hashes differ.
SECTIONS = ("cash", "fees_paid", "positions", "orders", "applied_keys", "last_bar", "last_price",
            "stream_times", "kill_switch", "risk_flags", "last_seq_id", "config")

EXIT_OK = 0
EXIT_MISMATCH = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3
EXIT_BACKEND = 4
EXIT_STRICT = 5


@dataclass
class RecoveryReport:
    """What a recovery did; ``to_dict()`` is the ``--json`` output."""

    status: str = "refused"
    code: str | None = None
    message: str | None = None
    backend: str | None = None
    verify_backend: str | None = None
    run_id: str | None = None
    checkpoint: dict[str, Any] | None = None
    log: dict[str, Any] | None = None
    start_step: int | None = None
    replayed_steps: int = 0
    skipped_steps: int = 0
    last_seq_id: int | None = None
    state_hash: str | None = None
    expected_state_hash: str | None = None
    deterministic: bool | None = None
    mismatches: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    divergences: list[dict[str, Any]] = field(default_factory=list)
    cash: str | None = None
    fees_paid: str | None = None
    positions: dict[str, Any] | None = None
    open_orders: int | None = None
    orders: int | None = None
    fills_replayed: int = 0
    results_hash: str | None = None
    intent_stream_hash: str | None = None
    expected_intent_stream_hash: str | None = None
    refused_checkpoints: list[dict[str, Any]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    cpu_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "recovered"

    @property
    def exit_code(self) -> int:
        """0 recovered, 1 mismatch, 3 refused input, 5 strict warning (docs/recovery.md)."""
        if self.status == "recovered":
            return EXIT_OK
        if self.status == "mismatch":
            return EXIT_MISMATCH
        return EXIT_STRICT if self.code == "strict_warning" else EXIT_REFUSED

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["exit_code"] = self.exit_code
        return out


class RecoveryRunner:
    """Recover a core from a checkpoint and a replay log (see the module docstring).

    ``checkpoint`` is a file, a directory of checkpoints (the newest valid one is
    used; broken newer ones are listed in ``refused_checkpoints``), a
    ``CheckpointEnvelope``, or None to start from the empty core the log starts
    from (a crash before the first checkpoint was durable). ``start_step`` (a seq_id > cursor) starts the suffix
    later: the steps in between are skipped on both paths and reported as the
    warning ``steps_skipped`` (D-368). ``strict`` makes every warning a refusal.
    ``verify_backend`` runs the uninterrupted replay on another backend (a
    cross-backend check). After ``run()``, ``core`` is the recovered core.
    """

    def __init__(
        self,
        checkpoint: str | Path | CheckpointEnvelope | None,
        replay_log: str | Path,
        *,
        backend: str | None = None,
        start_step: int | None = None,
        strict: bool = False,
        verify: bool = True,
        verify_backend: str | None = None,
        expected_intent_stream_hash: str | None = None,
    ) -> None:
        if start_step is not None and (type(start_step) is not int or start_step < 1):
            raise ValueError("start_step must be an integer >= 1")
        self.checkpoint = checkpoint
        self.replay_log = Path(replay_log)
        self.backend = resolve_backend(backend)
        self.verify_backend = resolve_backend(verify_backend) if verify_backend is not None else self.backend
        self.start_step = start_step
        self.strict = strict
        self.verify = verify or strict
        self.expected_intent_stream_hash = expected_intent_stream_hash
        self.core: Any = None
        self._last_verified = 0

    def run(self) -> RecoveryReport:
        """Recover; never raises for bad files (see ``RecoveryReport.status``)."""
        report = RecoveryReport(backend=self.backend, verify_backend=self.verify_backend if self.verify else None)
        report.expected_intent_stream_hash = self.expected_intent_stream_hash
        try:
            self._run(report)
        except RecoveryError as exc:
            self.core = None
            report.status = "refused"
            report.code = exc.code
            report.message = str(exc)
        return report

    # ------------------------------------------------------------------ steps
    def _load_checkpoint(self, report: RecoveryReport) -> CheckpointEnvelope:
        if isinstance(self.checkpoint, CheckpointEnvelope):
            return self.checkpoint
        if self.checkpoint is None:
            return genesis_checkpoint(ReplayLogReader(self.replay_log).header)
        path = Path(self.checkpoint)
        if path.is_dir():
            envelope, refused = latest_checkpoint(path, deep=False)
            report.refused_checkpoints = refused
            if envelope is None:
                raise RecoveryError(
                    "checkpoint_unreadable", f"no loadable checkpoint ({len(refused)} refused)", path=str(path)
                )
            return envelope
        # engine_state is validated fully by the core's restore (either backend).
        return CheckpointEnvelope.load(path, deep=False)

    def _records(self) -> Iterator[StepRecord]:
        # Later passes read only what the verifying pass saw: a log still being
        # appended to (recovering a run that is not stopped) cannot make the
        # recovered and the uninterrupted paths see different steps.
        return _upto(ReplayLogReader(self.replay_log), self._last_verified)

    def _run(self, report: RecoveryReport) -> None:
        timer = _Timer(report)
        envelope = self._load_checkpoint(report)
        report.checkpoint = envelope.summary()
        report.run_id = envelope.run_id
        cursor = envelope.cursor
        timer.lap("load_checkpoint")

        # Pass 1: verify every line of the log before anything is applied.
        reader = ReplayLogReader(self.replay_log)
        header = reader.header
        if header["run_id"] != envelope.run_id:
            raise RecoveryError(
                "checkpoint_log_mismatch",
                f"checkpoint run_id {envelope.run_id!r} but replay log run_id {header['run_id']!r}",
                path=str(self.replay_log),
            )
        if canonical_bytes(header["config"]) != canonical_bytes(envelope.engine_state.get("config")):
            raise RecoveryError(
                "checkpoint_log_mismatch", "the checkpoint's core config differs from the log header's",
                path=str(self.replay_log),
            )
        start = cursor + 1 if self.start_step is None else self.start_step
        if start <= cursor:
            raise RecoveryError(
                "start_step_invalid",
                f"start step {start} is inside the checkpoint (cursor {cursor}); choose a step > {cursor}",
            )
        cursor_found = cursor == 0
        skipped = 0
        for record in reader:
            if record.seq_id == cursor:
                cursor_found = True
            elif cursor < record.seq_id < start:
                skipped += 1
        self._last_verified = reader.last_seq_id
        report.log = {
            "path": str(self.replay_log),
            "steps": reader.steps,
            "first_seq_id": reader.first_seq_id,
            "last_seq_id": reader.last_seq_id,
            "closed": reader.end is not None,
            "torn_tail": reader.torn_tail,
        }
        timer.lap("verify_log")
        if reader.last_seq_id < cursor:
            raise RecoveryError(
                "replay_log_behind_checkpoint",
                f"the log ends at seq_id {reader.last_seq_id}, before the checkpoint cursor {cursor}",
                path=str(self.replay_log),
            )
        if not cursor_found:
            raise RecoveryError(
                "checkpoint_log_mismatch", f"the log has no step with the checkpoint cursor {cursor}",
                path=str(self.replay_log),
            )
        report.warnings = reader.warnings()
        report.start_step = start
        report.skipped_steps = skipped
        if skipped:
            report.warnings.append({"code": "steps_skipped", "count": skipped, "from": cursor + 1, "to": start - 1})
        if self.strict and report.warnings:
            codes = ", ".join(w["code"] for w in report.warnings)
            raise RecoveryError("strict_warning", f"strict recovery refuses: {codes}", path=str(self.replay_log))

        # Restore on the chosen backend.
        core = build_core(self.backend, config=envelope.engine_state["config"])
        try:
            core.restore(envelope.engine_state)
        except BackendUnavailable:
            raise
        except CracktraderError as exc:
            raise RecoveryError("checkpoint_invalid", f"engine_state does not restore: {exc}", path=envelope.path) from None
        restored_hash = core.state_hash()
        if restored_hash != envelope.state_hash:
            report.mismatches.append(
                {"what": "restore", "recovered": restored_hash, "expected": envelope.state_hash}
            )
        timer.lap("restore")

        # Pass 2: the suffix onto the restored core.
        stats = feed(core, _from(self._records(), start))
        timer.lap("replay_suffix")
        self.core = core
        report.replayed_steps = stats.steps
        report.fills_replayed = stats.fills
        report.results_hash = stats.results_hash
        report.intent_stream_hash = stats.intent_stream_hash
        report.divergences = [d.to_dict() for d in stats.divergences]
        # With skipped steps the history was changed on purpose: later results may
        # legitimately differ from the logged ones; both paths are still compared.
        if not skipped:
            for divergence in stats.divergences:
                report.mismatches.append({"what": "replay", **divergence.to_dict()})
        snapshot = core.snapshot()
        report.state_hash = state_hash(snapshot)  # the definition; one snapshot, not two
        timer.lap("snapshot")
        report.last_seq_id = snapshot["last_seq_id"]
        report.cash = snapshot["cash"]
        report.fees_paid = snapshot["fees_paid"]
        report.positions = snapshot["positions"]
        report.orders = len(snapshot["orders"])
        report.open_orders = sum(1 for order in snapshot["orders"] if order["state"] not in TERMINAL)

        if self.expected_intent_stream_hash is not None and self.expected_intent_stream_hash != stats.intent_stream_hash:
            report.mismatches.append(
                {"what": "intent_stream", "recovered": stats.intent_stream_hash, "expected": self.expected_intent_stream_hash}
            )
        if self.verify:
            self._verify(report, envelope, cursor, start, stats, snapshot)
            timer.lap("verify_replay")
            report.deterministic = not report.mismatches
        report.status = "mismatch" if report.mismatches else "recovered"
        timer.total()

    def _verify(
        self,
        report: RecoveryReport,
        envelope: CheckpointEnvelope,
        cursor: int,
        start: int,
        recovered: ReplayStats,
        snapshot: dict[str, Any],
    ) -> None:
        """The uninterrupted replay (same steps, fresh core) and the comparisons."""
        fresh = build_core(self.verify_backend, config=envelope.engine_state["config"])
        records = self._records()
        head = feed(fresh, _upto(records, cursor))
        at_cursor = fresh.state_hash()
        if at_cursor != envelope.state_hash:
            report.mismatches.append(
                {"what": "checkpoint_state", "seq_id": cursor, "recovered": envelope.state_hash, "expected": at_cursor}
            )
        for divergence in head.divergences:
            report.mismatches.append({"what": "uninterrupted_replay", **divergence.to_dict()})
        tail = feed(fresh, _from(records, start))
        if not report.skipped_steps:
            for divergence in tail.divergences:
                report.mismatches.append({"what": "uninterrupted_replay", **divergence.to_dict()})
        expected = fresh.snapshot()
        report.expected_state_hash = state_hash(expected)
        if report.expected_state_hash != report.state_hash:
            report.mismatches.append(
                {"what": "state_hash", "recovered": report.state_hash, "expected": report.expected_state_hash}
            )
            for section in SECTIONS:
                if canonical_bytes(snapshot.get(section)) != canonical_bytes(expected.get(section)):
                    report.mismatches.append({"what": section, **_first_difference(section, snapshot, expected)})
        if tail.results_hash != recovered.results_hash:
            report.mismatches.append(
                {"what": "results", "recovered": recovered.results_hash, "expected": tail.results_hash}
            )
        if tail.intent_stream_hash != recovered.intent_stream_hash:
            report.mismatches.append(
                {"what": "intent_stream", "recovered": recovered.intent_stream_hash, "expected": tail.intent_stream_hash}
            )


class _Timer:
    """Wall and CPU seconds per recovery phase (CPU is steadier on a busy machine)."""

    def __init__(self, report: RecoveryReport) -> None:
        self.report = report
        self.start = self.mark = (time.perf_counter(), time.process_time())

    def lap(self, name: str) -> None:
        now = (time.perf_counter(), time.process_time())
        self.report.seconds[name] = now[0] - self.mark[0]
        self.report.cpu_seconds[name] = now[1] - self.mark[1]
        self.mark = now

    def total(self) -> None:
        now = (time.perf_counter(), time.process_time())
        self.report.seconds["total"] = now[0] - self.start[0]
        self.report.cpu_seconds["total"] = now[1] - self.start[1]


def _first_difference(section: str, got: dict[str, Any], want: dict[str, Any]) -> dict[str, Any]:
    """A short description of how one snapshot section differs."""
    a, b = got.get(section), want.get(section)
    if section == "orders":
        mine = {order["order_id"]: order for order in a or []}
        theirs = {order["order_id"]: order for order in b or []}
        for order_id in sorted(set(mine) | set(theirs)):
            if mine.get(order_id) != theirs.get(order_id):
                return {"order_id": order_id, "recovered": mine.get(order_id), "expected": theirs.get(order_id)}
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        return {"recovered_size": len(canonical_bytes(a)), "expected_size": len(canonical_bytes(b))}
    return {"recovered": a, "expected": b}


def _from(records: Iterable[StepRecord], start: int) -> Iterator[StepRecord]:
    for record in records:
        if record.seq_id >= start:
            yield record


def _upto(records: Iterator[StepRecord], cursor: int) -> Iterator[StepRecord]:
    # Consumes exactly the records with seq_id <= cursor from a shared iterator, so
    # the caller can go on with the rest (the log was verified to hold the cursor).
    if cursor == 0:
        return
    for record in records:
        yield record
        if record.seq_id >= cursor:
            return


def recover(
    checkpoint: str | Path | CheckpointEnvelope | None, replay_log: str | Path, **options: Any
) -> tuple[RecoveryReport, Any]:
    """``RecoveryRunner(...).run()``; returns the report and the recovered core (or None)."""
    runner = RecoveryRunner(checkpoint, replay_log, **options)
    report = runner.run()
    return report, runner.core if report.status != "refused" else None
