"""The load benchmark's own correctness check, run briefly: concurrent runtimes and
paginating readers, then every reader holds every sequence exactly once. (The figures
it prints are measurements, not assertions: timings live in benchmarks.)"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from runtime_support import ROOT

pytestmark = pytest.mark.integration


def test_short_load_run_loses_and_duplicates_nothing(tmp_path):
    out = tmp_path / "figures.json"
    result = subprocess.run(
        [sys.executable, "-m", "cracktrader.bench", "runtime", "--duration", "3", "--runtimes", "2",
         "--readers", "6", "--page-size", "50", "--pace-ms", "10", "--json-out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    figures = json.loads(out.read_text())
    assert figures["sequences_lost"] == 0 and figures["sequences_duplicated"] == 0
    assert figures["reader_errors"] == 0
    assert figures["events_published"] > 0 and figures["pages_read"] > 0
    assert len(figures["final_sequences"]) == 2 and min(figures["final_sequences"]) > 0
