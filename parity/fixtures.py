"""Fixtures: golden cases and recorded regressions, replayed on both backends forever.

A regression fixture is named by its divergence signature, so one bug is recorded
once: ``fixtures/regressions/<target>-<sha256(signature)[:16]>.json``. Inputs are kept
as raw JSON-line strings (hostile bytes survive). ``expected`` is empty when recorded
(the backends disagreed, so neither output is known to be right) and means "the
backends must agree"; ``python -m parity.replay --pin`` fills it once the bug is fixed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from cracktrader.engine import strict_json
from cracktrader.engine.validation import problems

ROOT = Path(__file__).resolve().parent.parent / "fixtures"
GOLDEN = ROOT / "golden"
REGRESSIONS = ROOT / "regressions"
SCHEMA_VERSION = 1


def fixture_name(target: str, signature: str) -> str:
    return f"{target}-{hashlib.sha256(signature.encode('utf-8')).hexdigest()[:16]}"


def build_fixture(
    *,
    name: str,
    target: str,
    description: str,
    config: dict[str, Any],
    steps: list[str],
    expected: list[str] | None = None,
    signature: str | None = None,
    seed: int | None = None,
    final_snapshot: dict[str, Any] | None = None,
    final_state_hash: str | None = None,
) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "name": name,
        "target": target,
        "description": description,
        "config": config,
        "inputs": list(steps),
        "expected": list(expected or []),
        "final_snapshot": final_snapshot,
        "final_state_hash": final_state_hash,
        "signature": signature,
        "seed": seed,
    }


def write_fixture(fixture: dict[str, Any], path: Path) -> None:
    found = problems("parity_fixture", fixture)
    if found:
        raise ValueError(f"fixture would not be schema-valid: {found[0]}")
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(fixture, indent=1, sort_keys=True, ensure_ascii=True) + "\n"
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


def record_regression(
    *, target: str, signature: str, config: dict[str, Any], steps: list[str], seed: int | None,
    description: str, directory: Path = REGRESSIONS,
) -> tuple[Path, bool]:
    """Write the fixture for ``signature`` unless one exists; returns (path, written)."""
    name = fixture_name(target, signature)
    path = directory / f"{name}.json"
    if path.exists():
        return path, False
    write_fixture(
        build_fixture(name=name, target=target, description=description, config=config, steps=steps,
                      signature=signature, seed=seed),
        path,
    )
    return path, True


def load_fixture(path: Path | str) -> dict[str, Any]:
    """Read and validate a fixture (strict JSON, schema ``parity_fixture``)."""
    fixture = strict_json.loads(Path(path).read_bytes())
    found = problems("parity_fixture", fixture)
    if found:
        raise ValueError(f"{path}: not a valid parity_fixture at {found[0][0] or '/'}: {found[0][1]}")
    return fixture


def display_path(path: Path) -> str:
    """A fixture path relative to the working directory when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def all_fixtures() -> list[Path]:
    return sorted(GOLDEN.glob("*.json")) + sorted(REGRESSIONS.glob("*.json"))
