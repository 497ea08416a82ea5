"""The fuzz and replay command lines: budgets, exit codes, summaries, recording."""

from __future__ import annotations

import json

import pytest

from parity import fuzz, replay
from parity.fixtures import load_fixture

pytestmark = pytest.mark.parity
SUMMARY_KEYS = {"cases", "steps", "events_per_s", "divergences", "per_target", "coverage", "seed", "budget_s",
                "elapsed_s"}


@pytest.mark.parametrize(("text", "seconds", "cases"), [("60s", 60, None), ("10m", 600, None), ("1h", 3600, None),
                                                        ("90", 90, None), ("500cases", None, 500)])
def test_budgets_parse(text, seconds, cases):
    budget = fuzz.parse_budget(text)
    assert (budget.seconds, budget.cases) == (seconds, cases)


@pytest.mark.parametrize("text", ["", "10 parsecs", "-5s", "0s", "1.5cases", "cases"])
def test_bad_budgets_are_usage_errors(text):
    with pytest.raises(fuzz.UsageError):
        fuzz.parse_budget(text)


@pytest.mark.parametrize("argv", [["--budget", "nope"], ["--target", "nothing"], ["--backends", "python"],
                                  ["--backends", "python,cobol"], ["--workers", "0"]])
def test_usage_errors_exit_2(argv, capsys):
    assert fuzz.main(argv + ["--quiet"]) == 2
    assert "error" in capsys.readouterr().err


def test_help_explains_it(capsys):
    with pytest.raises(SystemExit) as exit_info:
        fuzz.main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for option in ("--budget", "--seed", "--target", "--workers", "--record", "--json-out", "--backends"):
        assert option in text


def test_clean_run_exits_0_with_the_summary(tmp_path):
    out = tmp_path / "summary.json"
    argv = ["--budget", "6cases", "--seed", "3", "--target", "core", "--backends", "python,python", "--length", "80",
            "--quiet", "--json-out", str(out)]
    assert fuzz.main(argv) == 0
    summary = json.loads(out.read_text())
    assert SUMMARY_KEYS <= set(summary)
    assert summary["cases"] == 6 and summary["divergences"] == [] and summary["steps"] >= 6 * 80
    assert summary["coverage"]["codes"]["hit"] > 0


def test_same_seed_same_cases():
    options = dict(budget=fuzz.Budget(cases=4), seed=9, targets=["core"], backends=("python", "python"), length=60)
    first, second = fuzz.fuzz(fuzz.Options(**options)), fuzz.fuzz(fuzz.Options(**options))
    assert first["steps"] == second["steps"] and first["coverage"] == second["coverage"]


def test_workers_cover_the_same_cases():
    options = dict(budget=fuzz.Budget(cases=6), seed=5, targets=["core"], backends=("python", "python"), length=60)
    one = fuzz.fuzz(fuzz.Options(**options))
    two = fuzz.fuzz(fuzz.Options(**options, workers=2))
    assert (one["cases"], one["steps"], one["coverage"]) == (two["cases"], two["steps"], two["coverage"])


def test_a_divergence_exits_1_and_is_recorded_and_replayable(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("parity.fuzz.record_regression",
                        lambda **kw: __import__("parity.fixtures", fromlist=["x"]).record_regression(
                            **kw, directory=tmp_path))
    argv = ["--budget", "30cases", "--seed", "3", "--mutant", "next_bar_off_by_one", "--record", "--quiet"]
    assert fuzz.main(argv) == 1
    [path] = list(tmp_path.glob("core-*.json"))
    fixture = load_fixture(path)
    assert fixture["expected"] == [] and fixture["signature"].startswith("core|result|")
    assert "python -m parity.replay" in capsys.readouterr().out
    # the recorded case: the two pythons agree on it, the mutant still diverges
    assert replay.main([str(path), "--backends", "python,python"]) == 0
    assert replay.main([str(path), "--backends", "python,python~next_bar_off_by_one"]) == 1
