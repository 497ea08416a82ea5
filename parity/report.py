"""Divergence reports: the ``divergence_report`` document and its readable text.

deepdiff runs here, only for a divergence, to explain it in words; the signature and
the JSON Pointer paths come from ``parity.diff`` and never from deepdiff's path syntax.
"""

from __future__ import annotations

from typing import Any

from parity import diff
from parity.lockstep import Divergence

SCHEMA_VERSION = 1


def replay_command(fixture_path: str | None) -> str:
    if fixture_path:
        return f"python -m parity.replay {fixture_path}"
    return "python -m parity.fuzz --record ... (re-run with --record to write a replayable fixture)"


def build_report(
    divergence: Divergence, *, seed: int | None, fixture_path: str | None = None
) -> dict[str, Any]:
    """The schema-valid ``divergence_report`` document."""
    return {
        "schema_version": SCHEMA_VERSION,
        "target": divergence.target,
        "seed": seed,
        "backends": list(divergence.backends),
        "step_index": divergence.step_index,
        "input": divergence.step,
        "outputs": list(divergence.outputs),
        "paths": divergence.paths,
        "signature": divergence.signature,
        "codes": list(divergence.codes),
        "context": divergence.context,
        "replay_command": replay_command(fixture_path),
        "fixture_path": fixture_path,
        "kind": divergence.kind,
    }


def explain(divergence: Divergence) -> str:
    """A deepdiff explanation of the two outputs (computed only on a mismatch)."""
    from deepdiff import DeepDiff

    left, right = (diff.parse_output(o.encode("utf-8")) if o is not None else None for o in divergence.outputs)
    if left is None or right is None:
        return "one backend produced no output (it raised)"
    return DeepDiff(left, right, verbose_level=2).pretty() or "(no structural difference)"


def render_text(report: dict[str, Any], explanation: str | None = None) -> str:
    """The readable form of a report, for terminals and CI logs."""
    backend_a, backend_b = report["backends"]
    out_a, out_b = report["outputs"]
    lines = [
        f"DIVERGENCE in target {report['target']!r} ({report['kind']}) at step {report['step_index']}"
        f" (seed {report['seed']})",
        f"  signature: {report['signature']}",
        f"  input:     {report['input'][:500]}",
        f"  {backend_a:>9}: {(out_a or '<none>')[:500]}",
        f"  {backend_b:>9}: {(out_b or '<none>')[:500]}",
        f"  differing: {', '.join(report['paths'][:8]) or '/'}",
    ]
    if report["context"]:
        lines.append("  context (steps before):")
        lines += [f"    {item['step'][:200]}" for item in report["context"]]
    if explanation:
        lines.append("  deepdiff:")
        lines += ["    " + line for line in explanation.splitlines()[:20]]
    lines.append(f"  replay:    {report['replay_command']}")
    return "\n".join(lines)
