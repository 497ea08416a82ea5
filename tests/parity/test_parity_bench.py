"""The lockstep-overhead benchmark's plumbing (not its figures)."""

from __future__ import annotations

import json

import pytest

from parity import bench

pytestmark = pytest.mark.parity


def test_bench_reports_solo_and_lockstep_rates(tmp_path, parity_backends):
    out = tmp_path / "bench.json"
    assert bench.main(["--cases", "2", "--length", "60", "--repeats", "1", "--json-out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert set(report["events_per_s"]) == {"python", "rust", "lockstep"}
    assert report["steps"] >= 120 and 0 < report["lockstep_over_python"]
