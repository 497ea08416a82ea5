"""The recovery benchmark runs end to end (tiny size; no timing is asserted)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from recovery_helpers import rust_core_available

from cracktrader.bench import recovery
from cracktrader.bench.__main__ import BENCHMARKS, main


def test_run_reports_each_backend_with_agreeing_hashes(tmp_path: Path) -> None:
    figures = recovery.run(300, ["python", "rust"], checkpoint_at=0.5, workdir=tmp_path)
    workload = figures["workload"]
    assert workload["steps"] == 300 and workload["checkpoint_cursor"] == 150
    python = figures["python"]
    assert python["replay_genesis"]["state_hash"] == workload["final_state_hash"]
    assert python["recover"]["deterministic"] is True and python["recover_unverified"]["deterministic"] is None
    assert python["recover"]["replayed_steps"] > 0
    if rust_core_available():
        assert figures["rust"]["recover"]["state_hash"] == workload["final_state_hash"]
    else:
        assert "unavailable" in figures["rust"]
    assert list(tmp_path.iterdir()) == []  # the temporary log is gone


def test_bench_dispatcher(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert BENCHMARKS["recovery"][0] == "cracktrader.bench.recovery"
    out = tmp_path / "figures.json"
    assert main(["recovery", "--steps", "120", "--backends", "python", "--json-out", str(out)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert json.loads(out.read_text()) == printed and set(printed) == {"workload", "python"}
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
