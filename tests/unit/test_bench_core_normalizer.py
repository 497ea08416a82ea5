"""The core and normalizer benchmarks' plumbing (not their timings)."""

from __future__ import annotations

import json

from backend_support import require_rust
from cracktrader.bench import __main__ as bench_main


def test_core_benchmark_reports_every_api_and_the_workload_shape(tmp_path, capsys):
    out = tmp_path / "core.json"
    assert bench_main.main(["core", "--events", "600", "--backend", "python", "--warmup", "0",
                            "--json-out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert set(report["python"]) == {"apply", "apply_batch", "apply_jsonl"}
    assert report["agreement"]["ok"] is True
    assert report["workload"]["events"] == 600 and 0 < report["workload"]["fill_share"] < 1
    assert "events/s" in capsys.readouterr().out


def test_core_benchmark_writes_its_stream_for_rust_only_profiling(tmp_path):
    from cracktrader.bench.workload import WORKLOAD_CONFIG, core_stream
    from cracktrader.engine.canonical import canonical_bytes

    assert bench_main.main(["core", "--events", "50", "--seed", "3", "--write-stream", str(tmp_path)]) == 0
    lines = (tmp_path / "stream.jsonl").read_bytes().splitlines()
    assert lines == [canonical_bytes(item) for item in core_stream(50, 3)]
    assert json.loads((tmp_path / "config.json").read_text()) == WORKLOAD_CONFIG


def test_normalizer_benchmark_agrees_across_backends(tmp_path):
    require_rust()
    out = tmp_path / "normalizer.json"
    assert bench_main.main(["normalizer", "--inputs", "300", "--warmup", "0", "--json-out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["agreement"] is True and set(report["ratios"]) == {"apply", "apply_batch", "apply_jsonl"}
