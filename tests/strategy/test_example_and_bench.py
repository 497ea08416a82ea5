"""The example runs from a plain install, and the backtest benchmark's machinery works
(no timings are asserted: figures belong to ``python -m cracktrader.bench backtest``)."""

from __future__ import annotations

import argparse
import importlib
import pathlib
import subprocess
import sys

import pytest
from support import rows

import cracktrader as ct
from cracktrader.bench import backtest

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "sma_cross.py"


def _run_example(*args):
    return subprocess.run([sys.executable, str(EXAMPLE), *args], capture_output=True, text=True, timeout=300)


def test_example_runs_and_prints_trades_and_value():
    out = _run_example("--bars", "600")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert any("closed long" in line for line in lines)
    assert any(line.startswith("final value ") for line in lines)
    assert any(line.startswith("intent hash ") for line in lines)


def test_example_backends_agree(core_backend):
    python = _run_example("--bars", "600", "--backend", "python")
    other = _run_example("--bars", "600", "--backend", core_backend)
    assert other.returncode == 0, other.stderr
    strip = lambda text: [l for l in text.splitlines() if not l.startswith("starting value")]  # noqa: E731
    assert strip(other.stdout) == strip(python.stdout)


def _without_rust(monkeypatch):
    """Make this process behave as if the extension were not built."""
    import cracktrader.backend as backend

    backend._reset_for_tests()
    monkeypatch.setattr(backend.importlib, "import_module", _refuse_native)
    monkeypatch.setattr(backend, "_native_error", None)


_REAL_IMPORT = importlib.import_module


def _refuse_native(name, *args):
    if name == "cracktrader._native":
        raise ImportError("simulated: not built")
    return _REAL_IMPORT(name, *args)


def test_example_says_when_the_rust_core_is_missing(monkeypatch, capsys):
    import cracktrader.backend as backend

    _without_rust(monkeypatch)
    sys.path.insert(0, str(EXAMPLE.parent))
    try:
        import sma_cross

        assert sma_cross.main(["--bars", "100", "--backend", "rust"]) == 2
    finally:
        sys.path.remove(str(EXAMPLE.parent))
        backend._reset_for_tests()
    err = capsys.readouterr().err
    assert "rust" in err and "pip install" in err


def test_example_reads_a_csv(tmp_path):
    path = tmp_path / "bars.csv"
    lines = ["date,open,high,low,close,volume"]
    for time, o, h, l, c, v, _ in rows(8, 300, step_ms=86_400_000):
        day = ct.strategy.lines.ms_to_datetime(time).strftime("%Y-%m-%d")
        lines.append(f"{day},{o},{h},{l},{c},{v}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = _run_example("--csv", str(path), "--dtformat", "%Y-%m-%d")
    assert out.returncode == 0, out.stderr
    assert "bars 300, rejected rows 0" in out.stdout


def test_example_strategy_is_the_benchmarked_one():
    """The benchmark times the example's logic: same trades on the same bars."""
    sys.path.insert(0, str(EXAMPLE.parent))
    try:
        import sma_cross
    finally:
        sys.path.remove(str(EXAMPLE.parent))
    data = rows(12, 1500)
    results = []
    for cls, params in ((sma_cross.SmaCross, {"stake": 1}), (backtest.sma_cross_class(ct), {})):
        cerebro = ct.Cerebro()
        cerebro.adddata(ct.feeds.InMemoryData(dataname=data))
        cerebro.addstrategy(cls, **params)
        cerebro.run()
        results.append(cerebro.run_result.comparable())
    assert results[0] == results[1]


def _args(**overrides):
    parser = argparse.ArgumentParser()
    backtest.add_arguments(parser)
    args = parser.parse_args([])
    for key, value in overrides.items():
        setattr(args, key, value)
    return args


def test_benchmark_agreement_and_report(capsys, bt):
    code = backtest.main(_args(bars=400, bt_bars=400, iterations=5, no_memory=True, backend="python"))
    out = capsys.readouterr().out
    assert code == 0
    assert "identical across engines" in out and "backtrader" in out and "python" in out


def test_benchmark_usage_errors(capsys):
    assert backtest.main(_args(bars=100, iterations=2, no_memory=True, backtrader="off", backend="python")) == 2
    assert backtest.main(_args(backend="nonsense", backtrader="off")) == 2


def test_benchmark_memory_probe():
    figures = backtest.peak_memory("python", 300, 1, 10, 30)
    assert figures["peak_mib"] >= figures["before_mib"] > 0


def test_benchmark_cli_help():
    out = subprocess.run([sys.executable, "-m", "cracktrader.bench", "backtest", "--help"], capture_output=True,
                         text=True)
    assert out.returncode == 0 and "--bars" in out.stdout and "--bt-bars" in out.stdout


@pytest.mark.parametrize("value", ["python", "python,python"])
def test_benchmark_backend_parsing(value):
    assert set(backtest.parse_backends(value)) == {"python"}
