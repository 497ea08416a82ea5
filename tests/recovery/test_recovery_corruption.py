"""Fuzz-style corruption of checkpoints and replay logs: refuse clearly or recover right.

Seeded random damage (bit flips, byte changes, truncations, deletions, insertions,
duplicated or swapped lines, zeroed ranges) is applied to a checkpoint file or to a
replay log, then a full recovery is attempted. Allowed outcomes:

* a refusal with a recovery code (for a corrupt log line: at or after the first
  damaged line), never an exception escaping ``RecoveryRunner.run``;
* for a log only: a recovery whose state equals the uninterrupted run's state at
  the recovered step AND that reports why the log is shorter (torn tail or
  unclosed log), so nothing is lost silently.

A damaged checkpoint must always be refused: its checksum covers every byte.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from recovery_helpers import record_run

from cracktrader.bench.recovery_stream import CONFIG, generate
from cracktrader.engine import build_core
from cracktrader.engine.durable import RECOVERY_CODES
from cracktrader.engine.recovery import RecoveryRunner

SEED = 99
STEPS = 240
CASES = 200


def _mutate(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    kind = rng.choice(("flip", "byte", "truncate", "delete", "insert", "zero", "dup_line", "swap_lines"))
    n = len(data)
    at = rng.randrange(n)
    if kind == "flip":
        out = bytearray(data)
        out[at] ^= 1 << rng.randrange(8)
        return kind, bytes(out)
    if kind == "byte":
        out = bytearray(data)
        out[at] = (out[at] + rng.randint(1, 255)) % 256
        return kind, bytes(out)
    if kind == "truncate":
        return kind, data[:at]
    if kind == "delete":
        return kind, data[:at] + data[at + rng.randint(1, 64) :]
    if kind == "insert":
        return kind, data[:at] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 16))) + data[at:]
    if kind == "zero":
        size = rng.randint(1, 512)
        return kind, data[:at] + b"\0" * min(size, n - at) + data[at + size :]
    lines = data.split(b"\n")
    i, j = rng.randrange(len(lines) - 1), rng.randrange(len(lines) - 1)
    if kind == "dup_line":
        lines.insert(i, lines[i])
    else:
        if lines[i] == lines[j]:
            j = (i + 1) % (len(lines) - 1)
        lines[i], lines[j] = lines[j], lines[i]
    return kind, b"\n".join(lines)


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    directory = tmp_path_factory.mktemp("clean")
    session = record_run(directory, seed=SEED, steps=STEPS, checkpoint_every=80)
    core = build_core("python", CONFIG)
    hashes = {0: core.state_hash()}
    for item in generate(SEED, STEPS):
        if core.apply(item)["accepted"]:
            hashes[item["seq_id"]] = core.state_hash()
    assert core.state_hash() == session.core.state_hash()
    checkpoint = sorted((directory / "checkpoints").glob("ckpt-*.json"))[-1]
    return {
        "log": (directory / "replay.log").read_bytes(),
        "checkpoint": checkpoint.read_bytes(),
        "hashes": hashes,
        "final": core.state_hash(),
    }


def _first_damaged_line(clean: bytes, damaged: bytes) -> int:
    for index, (a, b) in enumerate(zip(clean, damaged)):
        if a != b:
            return clean[:index].count(b"\n") + 1
    return min(len(clean), len(damaged)) and clean[: min(len(clean), len(damaged))].count(b"\n") + 1


def test_damaged_checkpoints_are_always_refused(clean_run: dict, tmp_path: Path) -> None:
    rng = random.Random(7)
    log = tmp_path / "replay.log"
    log.write_bytes(clean_run["log"])
    path = tmp_path / "ckpt.json"
    tried = refused = 0
    kinds: dict[str, int] = {}
    while tried < CASES:
        kind, damaged = _mutate(clean_run["checkpoint"], rng)
        if damaged == clean_run["checkpoint"]:
            continue
        tried += 1
        kinds[kind] = kinds.get(kind, 0) + 1
        path.write_bytes(damaged)
        report = RecoveryRunner(path, log).run()
        assert report.status == "refused", (kind, report.to_dict())
        assert report.code in ("checkpoint_corrupt", "checkpoint_invalid"), report.message
        assert report.state_hash is None
        refused += 1
    assert refused == tried == CASES
    # every kind of damage was tried (a checkpoint is one line: nothing to swap)
    assert set(kinds) == {"flip", "byte", "truncate", "delete", "insert", "zero", "dup_line"}


def test_damaged_logs_are_refused_or_recovered_exactly(clean_run: dict, tmp_path: Path) -> None:
    rng = random.Random(8)
    checkpoint = tmp_path / "ckpt.json"
    checkpoint.write_bytes(clean_run["checkpoint"])
    log = tmp_path / "replay.log"
    outcomes = {"refused": 0, "recovered_shorter_with_warning": 0}
    tried = 0
    while tried < CASES:
        kind, damaged = _mutate(clean_run["log"], rng)
        if damaged == clean_run["log"]:
            continue
        tried += 1
        log.write_bytes(damaged)
        report = RecoveryRunner(checkpoint, log).run()
        if report.status == "refused":
            assert report.code in RECOVERY_CODES and report.message
            if report.code == "replay_log_corrupt":
                # it names the line where it stopped, never one before the damage
                assert f"line {_line_of(report.message)}" in report.message
                assert _line_of(report.message) >= _first_damaged_line(clean_run["log"], damaged)
            outcomes["refused"] += 1
            continue
        # Recovered: only a shortened log can recover, and it must say so.
        assert report.status == "recovered", (kind, report.to_dict())
        assert report.deterministic is True
        assert report.state_hash == clean_run["hashes"][report.last_seq_id]
        assert report.state_hash != clean_run["final"] or report.last_seq_id == max(clean_run["hashes"])
        codes = {w["code"] for w in report.warnings}
        assert codes & {"replay_log_torn_tail", "replay_log_unclosed"}, (kind, report.warnings)
        strict = RecoveryRunner(checkpoint, log, strict=True).run()
        assert strict.status == "refused" and strict.code == "strict_warning"
        outcomes["recovered_shorter_with_warning"] += 1
    print("log corruption outcomes", outcomes)
    assert sum(outcomes.values()) == CASES
    assert outcomes["refused"] > CASES // 2


def _line_of(message: str) -> int:
    return int(message.split("line ")[1].split()[0].rstrip(",]"))
