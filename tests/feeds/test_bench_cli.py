"""The benchmark's plumbing (not its timings): report shape, agreement, baselines."""

from __future__ import annotations

import json

import pytest

from cracktrader.bench import __main__ as bench_main
from cracktrader.bench.timing import measure

SMALL = ["feed", "--ticks", "600", "--parser-samples", "300", "--iterations", "5", "--warmup", "0",
         "--clock", "cpu"]


def test_top_level_help_lists_subcommands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        bench_main.main(["--help"])
    assert exit_info.value.code == 0
    assert "feed" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        bench_main.main(["nonsense"])


def test_measure_needs_five_runs():
    with pytest.raises(ValueError):
        measure(lambda: None, iterations=4)
    timing = measure(lambda: None, iterations=5, warmup=0)
    assert len(timing.samples_ms) == 5 and timing.min_ms <= timing.median_ms


def test_report_and_baselines(both, tmp_path, capsys):
    report_path = tmp_path / "report.json"
    assert bench_main.main(SMALL + ["--json-out", str(report_path)]) == 0
    report = json.loads(report_path.read_text())
    assert report["schema"] == "cracktrader.bench.feed/1"
    assert report["agreement"] is True and report["disagreeing_paths"] == []
    assert report["build_profile"] in ("release", "debug")
    assert set(report["paths"]) == {"aggregate", "parse_json", "json_to_candles", "parse_json_ccxt",
                                    "columnar", "list_of_dicts", "reorder", "parse_ohlcv_json"}
    for entry in report["paths"].values():
        assert len(entry["python"]["samples_ms"]) == len(entry["rust"]["samples_ms"]) == 5
    # the same shape compares; a generous limit passes
    assert bench_main.main(SMALL + ["--baseline", str(report_path), "--max-slowdown", "1000"]) == 0
    # a baseline that was impossibly fast is a regression
    fast = json.loads(report_path.read_text())
    for entry in fast["paths"].values():
        entry["rust"]["median_ms"] = entry["python"]["median_ms"] = 1e-9
    fast_path = tmp_path / "fast.json"
    fast_path.write_text(json.dumps(fast))
    assert bench_main.main(SMALL + ["--baseline", str(fast_path)]) == 1
    # another workload shape, or another build profile, is refused
    assert bench_main.main(SMALL[:2] + ["700"] + SMALL[3:] + ["--baseline", str(report_path)]) == 2
    other = dict(report, build_profile="debug" if report["build_profile"] == "release" else "release")
    other_path = tmp_path / "other.json"
    other_path.write_text(json.dumps(other))
    assert bench_main.main(SMALL + ["--baseline", str(other_path)]) == 2
    assert "refused" in capsys.readouterr().out
