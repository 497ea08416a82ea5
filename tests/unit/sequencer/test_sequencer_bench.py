"""The sequencer benchmark runs, compares outputs and reports; no timing is asserted."""

from __future__ import annotations

import json

import pytest

from cracktrader.bench import __main__ as bench_cli
from cracktrader.bench import sequencer as bench
from cracktrader.engine import build_sequencer


def test_generated_stream_is_seeded_and_sequenceable() -> None:
    one = bench.generate_batches(500, batch_size=100, seed=3)
    assert one == bench.generate_batches(500, batch_size=100, seed=3)
    assert one != bench.generate_batches(500, batch_size=100, seed=4)
    assert [len(b) for b in one] == [100] * 5
    results = build_sequencer("python", late_policy="reject").apply_batch(one)
    codes = {r["code"] for batch in results for r in batch["results"]}
    assert codes == {"ok", "late_event"}, "the stream should contain some late events"


def test_run_reports_both_backends_and_identical_output(require_rust: None) -> None:
    report = bench.run(events=300, backends=["python", "rust"], iterations=2, warmup=0, batch_size=50)
    assert report["identical"] is True
    assert set(report["results"]) == {"python", "rust"}
    assert set(report["rust_over_python"]) == set(bench.APIS)
    assert report["build_profile"] in ("release", "debug")
    digests = {d for per_api in report["output_sha256"].values() for d in per_api.values()}
    assert len(digests) == 1
    json.dumps(report)  # JSON-able, for --json-out


def test_cli_prints_table_and_writes_json(tmp_path, capsys, backend: str) -> None:
    out = tmp_path / "seq.json"
    code = bench_cli.main(
        ["sequencer", "--events", "120", "--backend", backend, "--iterations", "1", "--warmup", "0",
         "--batch-size", "40", "--json-out", str(out)]
    )
    assert code == 0
    assert "outputs identical: yes" in capsys.readouterr().out
    assert json.loads(out.read_text())["events"] == 120


def test_cli_help() -> None:
    with pytest.raises(SystemExit) as info:
        bench_cli.main(["--help"])
    assert info.value.code == 0
    with pytest.raises(SystemExit) as info:
        bench_cli.main(["sequencer", "--help"])
    assert info.value.code == 0


def test_cli_fails_when_backends_disagree(monkeypatch, capsys) -> None:
    real_run = bench.run

    def disagreeing_run(**kwargs):
        report = real_run(**kwargs)
        report["identical"] = False
        return report

    monkeypatch.setattr(bench, "run", disagreeing_run)
    code = bench_cli.main(["sequencer", "--events", "20", "--backend", "python", "--iterations", "1", "--warmup", "0"])
    assert code == 1
    assert "outputs identical: NO" in capsys.readouterr().out
