"""The helpers .ci/run relies on: ci/count_results.py adds up what the lanes ran."""

from __future__ import annotations

import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "ci" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="1" failures="2" skipped="3" tests="20"></testsuite></testsuites>
"""
CARGO = """running 13 tests
test result: ok. 13 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s
   Doc-tests cracktrader_rust
test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s
test result: FAILED. 4 passed; 1 failed; 2 ignored; 0 measured; 0 filtered out; finished in 0.00s
"""


def test_counts_pytest_and_cargo_reports(tmp_path, capsys):
    counter = _load("count_results")
    (tmp_path / "pytest-1.xml").write_text(JUNIT)
    (tmp_path / "cargo-test-1.log").write_text(CARGO)
    assert counter.count(tmp_path) == (14 + 17, 3 + 1, 3 + 2)
    assert counter.main([str(tmp_path)]) == 1  # something failed
    assert capsys.readouterr().out.strip() == "total: 31 passed, 4 failed, 5 skipped"


def test_nothing_ran_is_a_failure(tmp_path, capsys):
    counter = _load("count_results")
    assert counter.main([str(tmp_path)]) == 1
    assert capsys.readouterr().out.strip() == "total: 0 passed, 0 failed, 0 skipped"


def test_all_green_passes(tmp_path):
    counter = _load("count_results")
    (tmp_path / "cargo-test-1.log").write_text(CARGO.splitlines()[1] + "\n")
    assert counter.main([str(tmp_path)]) == 0
