"""``cracktrader engine recover`` / ``replay``: output, JSON and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from recovery_helpers import record_run

import cracktrader
from cracktrader.cli import build_parser, main
from cracktrader.engine.replay import replay


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def recorded(tmp_path: Path) -> Path:
    record_run(tmp_path, steps=250, checkpoint_every=60)
    return tmp_path


def test_recover_prints_a_summary_and_exits_0(recorded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "engine", "recover", "--checkpoint", str(recorded / "checkpoints"),
                         "--replay", str(recorded / "replay.log"))
    assert code == 0, err
    assert "status: recovered" in out and "deterministic: yes" in out
    assert f"state hash: {replay(recorded / 'replay.log')}" in out


def test_recover_json(recorded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "engine", "recover", "--checkpoint", str(recorded / "checkpoints"),
                       "--replay", str(recorded / "replay.log"), "--json", "--backend", "python")
    report = json.loads(out)
    assert code == 0 and report["exit_code"] == 0 and report["status"] == "recovered"
    assert report["deterministic"] is True and report["mismatches"] == []
    assert {"replayed_steps", "start_step", "state_hash", "cash", "positions", "seconds"} <= set(report)


def test_recover_refuses_a_corrupt_log_with_exit_3(recorded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = recorded / "replay.log"
    lines = log.read_bytes().split(b"\n")
    lines[9] = lines[9].replace(b'"seq_id":', b'"seq_id": ', 1)
    log.write_bytes(b"\n".join(lines))
    code, out, err = run(capsys, "engine", "recover", "--checkpoint", str(recorded / "checkpoints"), "--replay", str(log))
    assert code == 3
    assert "replay_log_corrupt" in out and "line 10" in err and "hint:" in err
    code, out, _ = run(capsys, "engine", "recover", "--checkpoint", str(recorded / "checkpoints"), "--replay", str(log), "--json")
    assert code == 3 and json.loads(out)["code"] == "replay_log_corrupt"


def test_recover_mismatch_exits_1(recorded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "engine", "recover", "--checkpoint", str(recorded / "checkpoints"),
                         "--replay", str(recorded / "replay.log"), "--expect-intent-hash", "0" * 64)
    assert code == 1 and "mismatch:" in out and "do not resume" in err


def test_strict_and_start_step(recorded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with open(recorded / "replay.log", "ab") as handle:
        handle.write(b'{"crc":')
    base = ["engine", "recover", "--checkpoint", str(recorded / "checkpoints"), "--replay", str(recorded / "replay.log")]
    code, out, _ = run(capsys, *base)
    assert code == 0 and "warning: torn last line" in out
    code, _, err = run(capsys, *base, "--strict")
    assert code == 5 and "strict_warning" in err
    code, _, err = run(capsys, *base, "--start-step", "1")
    assert code == 3 and "start_step_invalid" in err


def test_from_genesis_and_no_verify(recorded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "engine", "recover", "--from-genesis", "--replay", str(recorded / "replay.log"), "--no-verify")
    assert code == 0 and "verified: no" in out and "(cursor 0)" in out


def test_replay_prints_the_hash(recorded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "engine", "replay", "--replay", str(recorded / "replay.log"))
    assert code == 0 and out == replay(recorded / "replay.log") + "\n"
    code, out, err = run(capsys, "engine", "replay", "--replay", str(recorded / "replay.log"), "--check-determinism", "--json")
    report = json.loads(out)
    assert code == 0 and report["determinism"]["deterministic"] is True and report["warnings"] == []


def test_replay_exit_codes(recorded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "engine", "replay", "--replay", str(tmp_path / "missing.log"))
    assert code == 3 and "replay_log_unreadable" in err
    log = recorded / "replay.log"
    log.write_bytes(log.read_bytes()[:-5])
    code, _, err = run(capsys, "engine", "replay", "--replay", str(log))
    assert code == 0 and "torn last line" in err
    code, _, _ = run(capsys, "engine", "replay", "--replay", str(log), "--strict")
    assert code == 5


@pytest.fixture
def no_native(monkeypatch):
    """Simulate an unbuilt extension, whether or not this machine has one."""
    import importlib

    from cracktrader import backend as backend_module

    real_import = importlib.import_module

    def refuse(name, *args, **kwargs):
        if name == backend_module.NATIVE_MODULE:
            raise ImportError("simulated: not built")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(importlib, "import_module", refuse)
    backend_module._reset_for_tests()
    yield
    monkeypatch.undo()
    backend_module._reset_for_tests()


def test_missing_backend_exits_4(recorded: Path, capsys: pytest.CaptureFixture[str], no_native) -> None:
    code, _, err = run(capsys, "engine", "replay", "--replay", str(recorded / "replay.log"), "--backend", "rust")
    assert code == 4 and "rust" in err
    code, out, _ = run(capsys, "engine", "recover", "--checkpoint", str(recorded / "checkpoints"),
                       "--replay", str(recorded / "replay.log"), "--backend", "rust", "--json")
    assert code == 4 and json.loads(out)["code"] == "backend_unavailable"


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in ([], ["engine"], ["engine", "recover", "--replay", "x"], ["engine", "recover", "--checkpoint", "a",
                 "--from-genesis", "--replay", "x"], ["engine", "recover", "--checkpoint", "a", "--replay", "x",
                 "--start-step", "0"], ["engine", "replay", "--replay", "x", "--backend", "java"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2, argv
    capsys.readouterr()


def test_help_is_complete(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--help"], ["engine", "--help"], ["engine", "recover", "--help"], ["engine", "replay", "--help"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 0
    out = capsys.readouterr().out
    for option in ("--checkpoint", "--replay", "--start-step", "--strict", "--backend", "--json", "--from-genesis",
                   "--check-determinism", "exit codes"):
        assert option in out
    assert build_parser().prog == "cracktrader"


def test_console_entry_point_runs(recorded: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(cracktrader.__file__).resolve().parents[1])}
    proc = subprocess.run([sys.executable, "-m", "cracktrader", "engine", "replay", "--replay", str(recorded / "replay.log")],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == replay(recorded / "replay.log")
