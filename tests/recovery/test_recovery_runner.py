"""RecoveryRunner: checkpoint + log suffix against an uninterrupted replay."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from recovery_helpers import record_run

from cracktrader.bench.recovery_stream import CONFIG, generate
from cracktrader.engine import build_core
from cracktrader.engine.canonical import canonical_bytes
from cracktrader.engine.checkpoint import CheckpointEnvelope, latest_checkpoint
from cracktrader.engine.errors import BackendUnavailable
from cracktrader.engine.recovery import RecoveryRunner, recover
from cracktrader.engine.replay import ReplayLogReader, replay


def _checkpoints(directory: Path) -> list[Path]:
    return sorted((directory / "checkpoints").glob("ckpt-*.json"))


def _rewrite_payload(path: Path, edit) -> None:
    """Edit a checkpoint's payload and re-frame it with a correct checksum."""
    payload = json.loads(path.read_bytes())["payload"]
    edit(payload)
    body = canonical_bytes(payload)
    path.write_bytes(
        b'{"format":"cracktrader.checkpoint/1","sha256":"' + hashlib.sha256(body).hexdigest().encode()
        + b'","payload":' + body + b"}\n"
    )


def test_recovery_from_each_checkpoint_equals_the_uninterrupted_run(tmp_path: Path, backend: str) -> None:
    session = record_run(tmp_path, steps=400, checkpoint_every=70, backend=backend)
    final = session.core.state_hash()
    paths = _checkpoints(tmp_path)
    assert len(paths) >= 5
    for path in paths:
        report = RecoveryRunner(path, tmp_path / "replay.log", backend=backend).run()
        cursor = CheckpointEnvelope.load(path).cursor
        assert report.status == "recovered", report.message
        assert report.deterministic is True and report.mismatches == []
        assert report.state_hash == report.expected_state_hash == final
        assert report.start_step == cursor + 1
        assert report.replayed_steps == sum(1 for r in ReplayLogReader(tmp_path / "replay.log") if r.seq_id > cursor)
        snapshot = session.core.snapshot()
        assert report.cash == snapshot["cash"] and report.positions == snapshot["positions"]
        assert report.last_seq_id == snapshot["last_seq_id"]


def test_recovery_picks_the_newest_checkpoint_of_a_directory(tmp_path: Path) -> None:
    record_run(tmp_path, steps=300, checkpoint_every=50)
    report, core = recover(tmp_path / "checkpoints", tmp_path / "replay.log")
    assert report.ok and report.checkpoint["path"] == str(_checkpoints(tmp_path)[-1])
    assert core.state_hash() == report.state_hash


def test_cross_backend_recovery(tmp_path: Path, backend_pair: tuple[str, str]) -> None:
    writer, reader = backend_pair
    session = record_run(tmp_path, steps=300, backend=writer)
    report = RecoveryRunner(tmp_path / "checkpoints", tmp_path / "replay.log", backend=reader, verify_backend=writer).run()
    assert report.status == "recovered" and report.deterministic
    assert report.state_hash == session.core.state_hash()


def test_from_genesis(tmp_path: Path) -> None:
    session = record_run(tmp_path, steps=200, checkpoint_every=None)
    report = RecoveryRunner(None, tmp_path / "replay.log").run()
    assert report.ok and report.start_step == 1 and report.checkpoint["cursor"] == 0
    assert report.replayed_steps == session.committed and report.state_hash == session.core.state_hash()


def test_start_step_skips_steps_on_both_paths_and_warns(tmp_path: Path) -> None:
    record_run(tmp_path, steps=300, checkpoint_every=100)
    first = _checkpoints(tmp_path)[0]
    cursor = CheckpointEnvelope.load(first).cursor
    seqs = [r.seq_id for r in ReplayLogReader(tmp_path / "replay.log") if r.seq_id > cursor]
    start = seqs[5]
    report = RecoveryRunner(first, tmp_path / "replay.log", start_step=start).run()
    assert report.status == "recovered" and report.deterministic
    assert report.skipped_steps == 5 and report.start_step == start
    assert {"code": "steps_skipped", "count": 5, "from": cursor + 1, "to": start - 1} in report.warnings
    assert report.state_hash != replay(tmp_path / "replay.log")  # those 5 steps are really missing
    strict = RecoveryRunner(first, tmp_path / "replay.log", start_step=start, strict=True).run()
    assert strict.status == "refused" and strict.code == "strict_warning" and strict.exit_code == 5
    for bad in (cursor, 1):
        refused = RecoveryRunner(first, tmp_path / "replay.log", start_step=bad).run()
        assert refused.code == "start_step_invalid" and refused.exit_code == 3
    with pytest.raises(ValueError):
        RecoveryRunner(first, tmp_path / "replay.log", start_step=0)


def test_torn_tail_is_a_warning_and_strict_refuses_it(tmp_path: Path) -> None:
    record_run(tmp_path, steps=200, close=False)
    log = tmp_path / "replay.log"
    intact = replay(log)
    with open(log, "ab") as handle:
        handle.write(b'{"crc":"0badf00d","seq_id":999')
    report = RecoveryRunner(tmp_path / "checkpoints", log).run()
    assert report.ok and report.state_hash == intact
    assert [w["code"] for w in report.warnings] == ["replay_log_torn_tail", "replay_log_unclosed"]
    strict = RecoveryRunner(tmp_path / "checkpoints", log, strict=True).run()
    assert strict.code == "strict_warning" and "replay_log_torn_tail" in strict.message


def test_a_checkpoint_that_disagrees_with_the_log_is_a_mismatch(tmp_path: Path) -> None:
    # A well-framed checkpoint whose state is not what the log implies at its
    # cursor (e.g. written by a buggy runtime): recovery must not call it identical.
    record_run(tmp_path, steps=300, checkpoint_every=100)
    path = _checkpoints(tmp_path)[0]
    _rewrite_payload(path, lambda p: p["engine_state"].update(cash="1"))
    report = RecoveryRunner(path, tmp_path / "replay.log").run()
    assert report.status == "mismatch" and report.exit_code == 1 and report.deterministic is False
    whats = [m["what"] for m in report.mismatches]
    assert "checkpoint_state" in whats and "state_hash" in whats and "cash" in whats


def test_an_order_difference_is_named(tmp_path: Path) -> None:
    record_run(tmp_path, steps=300, checkpoint_every=100)
    path = _checkpoints(tmp_path)[0]
    victim = {}

    def edit(payload):
        order = payload["engine_state"]["orders"][0]
        order["strategy_id"] = "tampered"
        victim["id"] = order["order_id"]

    _rewrite_payload(path, edit)
    report = RecoveryRunner(path, tmp_path / "replay.log").run()
    orders = [m for m in report.mismatches if m["what"] == "orders"]
    assert orders and orders[0]["order_id"] == victim["id"]
    assert orders[0]["recovered"]["strategy_id"] == "tampered"


def test_unverified_recovery_reports_deterministic_none(tmp_path: Path) -> None:
    session = record_run(tmp_path, steps=150)
    report = RecoveryRunner(tmp_path / "checkpoints", tmp_path / "replay.log", verify=False).run()
    assert report.ok and report.deterministic is None and report.expected_state_hash is None
    assert report.state_hash == session.core.state_hash()


def test_expected_intent_stream_hash(tmp_path: Path) -> None:
    record_run(tmp_path, steps=300, checkpoint_every=100)
    path = _checkpoints(tmp_path)[0]
    cursor = CheckpointEnvelope.load(path).cursor
    intents = hashlib.sha256()
    for record in ReplayLogReader(tmp_path / "replay.log"):
        if record.seq_id > cursor and record.input_obj()["kind"] == "intent":
            intents.update(canonical_bytes(record.input_obj()) + b"\n")
    good = RecoveryRunner(path, tmp_path / "replay.log", expected_intent_stream_hash=intents.hexdigest()).run()
    assert good.ok and good.intent_stream_hash == intents.hexdigest()
    bad = RecoveryRunner(path, tmp_path / "replay.log", expected_intent_stream_hash="0" * 64).run()
    assert bad.status == "mismatch" and [m["what"] for m in bad.mismatches] == ["intent_stream"]


def test_checkpoint_and_log_of_different_runs_are_refused(tmp_path: Path) -> None:
    record_run(tmp_path / "a", steps=100, run_id="run-a")
    record_run(tmp_path / "b", steps=100, run_id="run-b")
    report = RecoveryRunner(tmp_path / "a" / "checkpoints", tmp_path / "b" / "replay.log").run()
    assert report.code == "checkpoint_log_mismatch" and "run_id" in report.message
    record_run(tmp_path / "c", steps=100, run_id="run-a", config={**CONFIG, "commission_rate": "0.002"})
    report = RecoveryRunner(tmp_path / "a" / "checkpoints", tmp_path / "c" / "replay.log").run()
    assert report.code == "checkpoint_log_mismatch" and "config" in report.message


def test_a_log_behind_the_checkpoint_is_refused(tmp_path: Path) -> None:
    record_run(tmp_path, steps=300, checkpoint_every=100)
    log = tmp_path / "replay.log"
    lines = log.read_bytes().split(b"\n")
    log.write_bytes(b"\n".join(lines[:40]) + b"\n")
    report = RecoveryRunner(tmp_path / "checkpoints", log).run()
    assert report.code == "replay_log_behind_checkpoint" and report.exit_code == 3
    assert report.state_hash is None


def test_a_log_missing_the_cursor_step_is_refused(tmp_path: Path) -> None:
    # (with an end record, the step count in it would already refuse the log)
    record_run(tmp_path, steps=300, checkpoint_every=100, close=False)
    path = _checkpoints(tmp_path)[0]
    cursor = CheckpointEnvelope.load(path).cursor
    log = tmp_path / "replay.log"
    kept = [line for line in log.read_bytes().split(b"\n") if f'"seq_id":{cursor},"result"'.encode() not in line]
    log.write_bytes(b"\n".join(kept))
    report = RecoveryRunner(path, log).run()
    assert report.code == "checkpoint_log_mismatch" and str(cursor) in report.message


def test_directory_without_a_loadable_checkpoint(tmp_path: Path) -> None:
    record_run(tmp_path, steps=150, checkpoint_every=50)
    for path in _checkpoints(tmp_path):
        path.write_bytes(path.read_bytes()[:100])
    report = RecoveryRunner(tmp_path / "checkpoints", tmp_path / "replay.log").run()
    assert report.code == "checkpoint_unreadable" and len(report.refused_checkpoints) == len(_checkpoints(tmp_path))


def test_unavailable_backend_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    record_run(tmp_path, steps=150)
    import cracktrader.engine.recovery as recovery

    def unavailable(backend=None, config=None, **_):
        raise BackendUnavailable("rust backend unavailable: test")

    monkeypatch.setattr(recovery, "build_core", unavailable)
    with pytest.raises(BackendUnavailable):
        RecoveryRunner(tmp_path / "checkpoints", tmp_path / "replay.log").run()


def test_recovered_core_continues_like_the_uninterrupted_one(tmp_path: Path, backend: str) -> None:
    reference = build_core(backend, CONFIG)
    inputs = list(generate(21, 500))
    reference.apply_batch(inputs)
    session = record_run(tmp_path, seed=21, steps=350, backend=backend, checkpoint_every=60, close=False)
    report, core = recover(tmp_path / "checkpoints", tmp_path / "replay.log", backend=backend)
    assert report.ok
    core.apply_batch([item for item in inputs if item["seq_id"] > report.last_seq_id])
    assert core.state_hash() == reference.state_hash()
    del session
    shutil.rmtree(tmp_path)
