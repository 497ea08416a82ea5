"""The shared benchmark baseline file: entries, comparison by ratio, refusals."""

from __future__ import annotations

import json

import pytest

from backend_support import require_rust
from cracktrader.bench import __main__ as bench_main
from cracktrader.bench import baseline

WORKLOAD = {"name": "core_stream", "events": 100, "seed": 7, "invariants": False}


def _entry(ratio: float, *, workload=WORKLOAD, profile="release") -> dict:
    return baseline.entry(workload=workload, build_profile=profile, ratios={"apply_jsonl": ratio},
                          events_per_s={"python": {"apply_jsonl": 1000.0}, "rust": {"apply_jsonl": 1000.0 * ratio}})


def _document(tmp_path, component="core", ratio=14.0):
    path = tmp_path / "baseline.json"
    baseline.write(str(path), component, _entry(ratio))
    return path, baseline.read(str(path))


def test_a_ratio_within_the_allowed_slowdown_passes_and_one_below_fails(tmp_path):
    _, document = _document(tmp_path, ratio=15.0)
    assert baseline.compare("core", _entry(10.0), document, 1.5) == []
    problems = baseline.compare("core", _entry(9.9), document, 1.5)
    assert len(problems) == 1 and "apply_jsonl" in problems[0] and "15.0x" in problems[0]


@pytest.mark.parametrize(
    "current, reason",
    [
        (_entry(14.0, workload={**WORKLOAD, "events": 200}), "workload"),
        (_entry(14.0, profile="debug"), "a debug one"),
    ],
)
def test_runs_that_cannot_be_compared_are_refused(tmp_path, current, reason):
    _, document = _document(tmp_path)
    [problem] = baseline.compare("core", current, document, 1.5)
    assert reason in problem and "refusing" in problem


def test_a_missing_entry_or_a_single_backend_run_is_refused(tmp_path):
    _, document = _document(tmp_path, component="sequencer")
    assert "no 'core' entry" in baseline.compare("core", _entry(14.0), document, 1.5)[0]
    single = baseline.entry(workload=WORKLOAD, build_profile="release", ratios={}, events_per_s={"python": {}})
    assert "one backend" in baseline.compare("sequencer", {**single, "workload": document["components"]["sequencer"]["workload"]}, document, 1.5)[0]


def test_writing_one_component_keeps_the_others(tmp_path):
    path, _ = _document(tmp_path, component="sequencer", ratio=9.0)
    baseline.write(str(path), "core", _entry(30.0))
    components = json.loads(path.read_text())["components"]
    assert components["sequencer"]["ratios"] == {"apply_jsonl": 9.0}
    assert components["core"]["ratios"] == {"apply_jsonl": 30.0}


def test_a_file_of_another_kind_is_refused(tmp_path):
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"ratios": {}}))
    with pytest.raises(ValueError, match="not a"):
        baseline.read(str(path))


@pytest.mark.parametrize(
    "component, size_option",
    [("core", ["--events", "400"]), ("sequencer", ["--events", "400", "--batch-size", "100"]), ("normalizer", ["--inputs", "200"])],
)
def test_each_component_benchmark_writes_and_then_checks_its_entry(tmp_path, capsys, component, size_option):
    require_rust()
    path = str(tmp_path / "baseline.json")
    common = [component, *size_option, "--warmup", "0"]
    assert bench_main.main([*common, "--write-baseline", path]) == 0
    entry = baseline.read(path)["components"][component]
    assert set(entry["ratios"]) == {"apply", "apply_batch", "apply_jsonl"}
    # An absurd slowdown allowance cannot fail; a baseline ratio a thousand times higher must.
    assert bench_main.main([*common, "--baseline", path, "--max-slowdown", "1000000"]) == 0
    document = baseline.read(path)
    document["components"][component]["ratios"] = {api: ratio * 1000 for api, ratio in entry["ratios"].items()}
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(document, handle)
    assert bench_main.main([*common, "--baseline", path]) == 1
    assert "below the baseline" in capsys.readouterr().err
