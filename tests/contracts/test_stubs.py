"""The type stubs of the compiled module match it (``mypy.stubtest``).

``cracktrader/_native.pyi`` must list every function and class the extension exports,
with the same parameters; stubtest imports the built module and compares. The
allowlist (``tests/contracts/stubtest_allowlist.txt``) is for items that genuinely
cannot be stubbed, each with its reason; it is empty today.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys

from backend_support import require_rust

ROOT = pathlib.Path(__file__).resolve().parents[2]
ALLOWLIST = pathlib.Path(__file__).with_name("stubtest_allowlist.txt")


def stubtest(env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mypy.stubtest", "cracktrader._native", "--allowlist", str(ALLOWLIST)]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)


def test_stubs_match_the_compiled_module() -> None:
    require_rust()
    result = stubtest()
    assert result.returncode == 0, result.stdout + result.stderr


def test_stubtest_notices_a_wrong_stub(tmp_path: pathlib.Path) -> None:
    # The check above must be able to fail: a stub with a renamed parameter is caught.
    require_rust()
    package = tmp_path / "cracktrader"
    package.mkdir()
    (package / "__init__.pyi").write_text("")
    stub = (ROOT / "cracktrader" / "_native.pyi").read_text()
    assert "def apply(self, obj: object)" in stub
    (package / "_native.pyi").write_text(stub.replace("def apply(self, obj: object)", "def apply(self, item: object)"))
    env = {**os.environ, "MYPYPATH": str(tmp_path)}
    result = stubtest(env)
    assert result.returncode != 0
    assert "Core.apply" in result.stdout
    shutil.rmtree(tmp_path)
