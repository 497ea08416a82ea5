"""Recovery benchmark: replay and recover a long replay log on each backend.

``python -m cracktrader.bench recovery --steps 1000000 [--backends python,rust]
[--checkpoint-at 0.9] [--json-out PATH]``

Records a run of the seeded recovery stream (``recovery_stream``) with one
checkpoint at ``checkpoint_at`` of the way, then, per backend:

* ``replay_genesis``: the whole log replayed on an empty core (``replay_log``);
* ``recover``: ``RecoveryRunner`` from the checkpoint, with the uninterrupted-replay
  verification (which replays the whole log again) - the full operator command;
* ``recover_unverified``: the same with ``verify=False`` (restore + suffix only).

Wall and CPU seconds are both reported: on a shared machine the CPU time of this
(single-threaded) process is the steadier figure.

Every figure is one timed run (a 1M-step log takes minutes on the python backend);
the final state hashes of all runs must agree or the benchmark fails. A benchmark,
not a test: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from cracktrader.backend import BACKENDS, resolve_backend
from cracktrader.bench.recovery_stream import CONFIG, generate
from cracktrader.engine.checkpoint import CheckpointEnvelope
from cracktrader.engine.errors import BackendUnavailable
from cracktrader.engine.recording import RecordingSession
from cracktrader.engine.recovery import RecoveryRunner
from cracktrader.engine.replay import replay_log

HELP = "replay and recover a long replay log (default 1,000,000 steps) on each backend"
SEED = 1


def record(directory: Path, steps: int, checkpoint_at: float) -> dict[str, Any]:
    """Write the log (and one checkpoint) for ``steps`` inputs; return its shape."""
    mark = time.perf_counter()
    session = RecordingSession.start(directory, run_id="bench", config=CONFIG, backend="python",
                                     policy="every:1000", fsync=False)
    split = max(1, int(steps * checkpoint_at))
    for item in generate(SEED, steps):
        session.apply(item)
        if item["seq_id"] == split:
            checkpoint = session.checkpoint()
    session.close()
    return {
        "steps": steps,
        "committed_steps": session.committed,
        "checkpoint_cursor": checkpoint.cursor,
        "log_bytes": (directory / "replay.log").stat().st_size,
        "checkpoint_bytes": sorted((directory / "checkpoints").glob("ckpt-*.json"))[-1].stat().st_size,
        "orders_in_final_state": len(session.core.snapshot()["orders"]),
        "record_seconds": time.perf_counter() - mark,
        "final_state_hash": session.core.state_hash(),
    }


def _timed_recovery(checkpoint: Path, log: Path, backend: str, verify: bool) -> dict[str, Any]:
    mark, cpu = time.perf_counter(), time.process_time()
    report = RecoveryRunner(checkpoint, log, backend=backend, verify=verify).run()
    seconds, cpu_seconds = time.perf_counter() - mark, time.process_time() - cpu
    if not report.ok:
        raise RuntimeError(f"recovery failed on {backend}: {report.status} {report.code} {report.mismatches[:3]}")
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "replayed_steps": report.replayed_steps,
        "state_hash": report.state_hash,
        "deterministic": report.deterministic,
        "phases": {k: round(v, 3) for k, v in report.seconds.items()},
        "phases_cpu": {k: round(v, 3) for k, v in report.cpu_seconds.items()},
    }


def run(steps: int = 1_000_000, backends: tuple[str, ...] | list[str] = BACKENDS, *, checkpoint_at: float = 0.9,
        workdir: str | Path | None = None) -> dict[str, Any]:
    """Measure; returns ``{"workload": ..., "<backend>": {...} | {"unavailable": msg}}``."""
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        directory = Path(tmp)
        workload = record(directory, steps, checkpoint_at)
        workload.update(python=platform.python_version(), machine=platform.machine(), cpus=os.cpu_count())
        log = directory / "replay.log"
        checkpoint = sorted((directory / "checkpoints").glob("ckpt-*.json"))[-1]
        CheckpointEnvelope.load(checkpoint, deep=False)  # warm the schema caches outside the timings
        out: dict[str, Any] = {"workload": workload}
        for backend in backends:
            backend = resolve_backend(backend)
            try:
                mark, cpu = time.perf_counter(), time.process_time()
                outcome = replay_log(log, backend)
                replay_seconds, replay_cpu = time.perf_counter() - mark, time.process_time() - cpu
            except BackendUnavailable as exc:
                out[backend] = {"unavailable": str(exc)}
                continue
            figures = {
                "build": _build_info(backend),
                "replay_genesis": {
                    "seconds": replay_seconds,
                    "cpu_seconds": replay_cpu,
                    "steps_per_s": outcome.stats.steps / replay_seconds,
                    "steps_per_cpu_s": outcome.stats.steps / replay_cpu,
                    "state_hash": outcome.state_hash,
                },
                "recover_unverified": _timed_recovery(checkpoint, log, backend, verify=False),
                "recover": _timed_recovery(checkpoint, log, backend, verify=True),
            }
            hashes = {figures["replay_genesis"]["state_hash"], figures["recover"]["state_hash"],
                      figures["recover_unverified"]["state_hash"], workload["final_state_hash"]}
            if len(hashes) != 1:
                raise RuntimeError(f"state hashes disagree on {backend}: {hashes}")
            out[backend] = figures
        return out


def _build_info(backend: str) -> str:
    if backend == "python":
        return "python reference"
    from cracktrader.backend import native

    module = native()
    return f"{module.__file__} (version {getattr(module, '__version__', '?')})"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m cracktrader.bench recovery``."""
    parser.add_argument("--steps", type=int, default=1_000_000, help="inputs in the log (default 1,000,000)")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated (default python,rust)")
    parser.add_argument("--checkpoint-at", type=float, default=0.9, help="checkpoint position as a fraction (0.9)")
    parser.add_argument("--workdir", default=None, help="where the temporary log is written (default: system temp)")
    parser.add_argument("--json-out", default=None, help="also write the figures as JSON here")


def main(args: argparse.Namespace) -> int:
    """Run and print the figures (JSON)."""
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    figures = run(args.steps, backends, checkpoint_at=args.checkpoint_at, workdir=args.workdir)
    text = json.dumps(figures, indent=2, sort_keys=True)
    print(text)
    if args.json_out:
        Path(args.json_out).write_text(text + "\n")
    return 0
