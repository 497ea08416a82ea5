"""SIGKILL suite: a recording process killed at seeded points, then recovered.

Each kill point is a named crash hook (``cracktrader.engine.durable.crash_point``,
armed through ``CRACKTRADER_CRASH_AT``) and the n-th time it is reached: in the
middle of a replay-log line, before a log fsync, after a core step but before its
log line, after the log line, and inside a checkpoint write (half written, before
fsync, before rename, before the directory fsync, after the rename). For every
point the test checks the crash really left the torn file it claims to, recovers
from the newest valid checkpoint (or from the log alone when none survived) on
each backend, checks the recovered state is exactly the uninterrupted run's state
at the recovered step, resumes the run to the end, and checks the final state hash
and the complete fill ledger equal the uninterrupted run's: no fill lost or doubled.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest
from recovery_helpers import BACKENDS, require

import cracktrader
from cracktrader.bench.recovery_stream import CONFIG, generate
from cracktrader.engine import build_core
from cracktrader.engine.checkpoint import CheckpointEnvelope, CheckpointStore, latest_checkpoint
from cracktrader.engine.durable import CRASH_ENV, RecoveryError
from cracktrader.engine.recording import RecordingSession
from cracktrader.engine.recovery import RecoveryRunner
from cracktrader.engine.replay import ReplayLogReader, ReplayLogWriter, replay_log, scan

pytestmark = pytest.mark.integration

SEED = 4242
STEPS = 400
EVERY = 50
DRIVER = Path(__file__).with_name("crash_driver.py")
POLICIES = ("step", "every:7", "close")
KINDS = (
    "log_mid_line",
    "log_before_fsync",
    "step_after_apply",
    "step_after_log",
    "checkpoint_mid_write",
    "checkpoint_before_fsync",
    "checkpoint_before_rename",
    "checkpoint_before_dir_fsync",
    "checkpoint_after_rename",
)


@lru_cache(maxsize=None)
def reference() -> dict:
    """The uninterrupted run: state hash after every seq_id, final hash, fill ledger."""
    core = build_core("python", CONFIG)
    hashes = {0: core.state_hash()}
    fills: list[str] = []
    committed = 0
    for item in generate(SEED, STEPS):
        result = core.apply(item)
        if result["accepted"]:
            committed += 1
            hashes[item["seq_id"]] = core.state_hash()
        fills.extend(fill["fill_id"] for fill in result["fills"])
    return {"hashes": hashes, "final": core.state_hash(), "fills": fills, "committed": committed}


def kill_points() -> list[tuple[str, int, str]]:
    """29 seeded (hook, n-th hit, log flush policy) triples: 3 per hook, 2 before any checkpoint."""
    rng = random.Random(20240917)
    committed = reference()["committed"]
    checkpoints = committed // EVERY
    bounds = {
        "log_mid_line": committed,
        "log_before_fsync": checkpoints,  # reached at least once per checkpoint under every policy
        "step_after_apply": STEPS,
        "step_after_log": committed,
    }
    points = []
    for index, kind in enumerate(KINDS * 3):
        n = rng.randint(1, bounds.get(kind, checkpoints))
        # Rotate so that every hook meets every flush policy once.
        points.append((kind, n, POLICIES[(index + index // len(KINDS)) % len(POLICIES)]))
    # Crashes before any checkpoint is durable: recovery from the log alone.
    points.append(("step_after_log", rng.randint(1, EVERY - 1), "every:7"))
    points.append(("checkpoint_mid_write", 1, "step"))
    return points


POINTS = kill_points()
assert len(POINTS) >= 20


@lru_cache(maxsize=None)
def crashed_run(index: int, writer: str, root: str) -> Path:
    """Run the driver once per (kill point, writer backend); the crash left in a dir."""
    kind, n, policy = POINTS[index]
    directory = Path(root) / f"{index}-{writer}"
    # The driver must import this very checkout, whichever interpreter runs pytest.
    package_root = str(Path(cracktrader.__file__).resolve().parents[1])
    path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
    env = {**os.environ, CRASH_ENV: f"{kind}:{n}", "PYTHONPATH": path}
    proc = subprocess.run(
        [sys.executable, str(DRIVER), "--dir", str(directory), "--seed", str(SEED), "--steps", str(STEPS),
         "--checkpoint-every", str(EVERY), "--policy", policy, "--backend", writer],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stdout, proc.stderr[-2000:])
    return directory


@pytest.fixture(scope="module")
def crash_root(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("crashes"))


def _assert_torn_as_claimed(kind: str, n: int, policy: str, run: Path) -> None:
    """The crash produced exactly the damage its kill point is about."""
    log = run / "replay.log"
    temps = sorted((run / "checkpoints").glob(".ckpt-*.tmp"))
    named = sorted((run / "checkpoints").glob("ckpt-*.json"))
    info = scan(log)
    if kind == "log_mid_line":
        assert not log.read_bytes().endswith(b"\n")
        assert info["torn_tail"] is not None and info["torn_tail"]["bytes"] > 0
    else:
        assert info["torn_tail"] is None
    assert info["closed"] is False
    if kind == "checkpoint_mid_write":
        assert len(temps) == 1 and len(named) == n - 1
        with pytest.raises(RecoveryError) as refused:
            CheckpointEnvelope.from_bytes(temps[0].read_bytes())
        assert refused.value.code == "checkpoint_corrupt"
    elif kind in ("checkpoint_before_fsync", "checkpoint_before_rename"):
        assert len(temps) == 1 and len(named) == n - 1
        complete = CheckpointEnvelope.from_bytes(temps[0].read_bytes())  # whole, just never renamed
        assert all(CheckpointEnvelope.load(p).cursor < complete.cursor for p in named)
    elif kind in ("checkpoint_before_dir_fsync", "checkpoint_after_rename"):
        assert temps == [] and len(named) == n
    else:
        assert temps == []
    if kind == "step_after_apply":
        assert info["last_seq_id"] < n  # input n was applied in memory, never logged
    if kind == "step_after_log" and policy == "step":
        assert info["steps"] == n


@pytest.mark.parametrize("index", range(len(POINTS)), ids=[f"{k}:{n}:{p}" for k, n, p in POINTS])
@pytest.mark.parametrize("writer", BACKENDS)
@pytest.mark.parametrize("reader", BACKENDS)
def test_kill_point_recovers_identically(index: int, writer: str, reader: str, crash_root: str, tmp_path: Path) -> None:
    require(writer)
    require(reader)
    kind, n, policy = POINTS[index]
    ref = reference()
    run = tmp_path / "run"
    shutil.copytree(crashed_run(index, writer, crash_root), run)
    _assert_torn_as_claimed(kind, n, policy, run)

    envelope, skipped = latest_checkpoint(run / "checkpoints")
    assert skipped == []  # temp files are never mistaken for checkpoints
    source = None if envelope is None else run / "checkpoints"
    runner = RecoveryRunner(source, run / "replay.log", backend=reader, verify_backend=writer)
    report = runner.run()
    assert report.status == "recovered", report.to_dict()
    assert report.deterministic is True
    # The recovered state is exactly the uninterrupted run's state at that step.
    assert report.state_hash == ref["hashes"][report.last_seq_id]
    assert report.last_seq_id >= (envelope.cursor if envelope else 0)

    # Resume on the recovering backend, continuing the same log and checkpoint dir.
    core = runner.core
    writer_log = ReplayLogWriter.append_to(run / "replay.log", fsync=False)
    if kind == "log_mid_line":
        assert writer_log.repaired is not None and writer_log.repaired["torn_tail"] is not None
    session = RecordingSession(core, writer_log, run_id=f"crash-{SEED}", mode="backtest", data_hash="0" * 64,
                               store=CheckpointStore(run / "checkpoints", keep=1000), checkpoint_every=EVERY,
                               clock=lambda: 1_700_000_000_000)
    for item in generate(SEED, STEPS):
        if item["seq_id"] > report.last_seq_id:
            session.apply(item)
    session.close()
    assert core.state_hash() == ref["final"]

    # The whole (repaired, continued) log replays to the same end, with every fill once.
    fills: list[str] = []
    outcome = replay_log(run / "replay.log", reader, on_result=lambda _, line: fills.extend(_fill_ids(line)))
    assert outcome.state_hash == ref["final"] and outcome.deterministic
    assert fills == ref["fills"]
    assert len(set(fills)) == len(fills)
    seqs = [record.seq_id for record in ReplayLogReader(run / "replay.log")]
    assert seqs == sorted(set(seqs))


def _fill_ids(line: bytes) -> list[str]:
    return [fill["fill_id"] for fill in json.loads(line)["fills"]]
