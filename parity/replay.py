"""``python -m parity.replay FIXTURE...``: replay recorded cases on two backends.

For every fixture (golden or regression): run its steps through both backends in
lockstep (they must agree), and when the fixture pins ``expected`` outputs or a
``final_state_hash``, check each backend against them too. ``--pin`` writes the agreed
outputs into a regression fixture once its bug is fixed. Exit 0 when every fixture
passes, 1 when one diverges or mismatches, 2 on a usage or environment error.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cracktrader.engine.canonical import canonical_bytes
from parity.fixtures import all_fixtures, load_fixture, write_fixture
from parity.lockstep import Divergence, Lockstep
from parity.mutants import build_component
from parity.report import build_report, explain, render_text
from parity.steps import SWAP_RESTORE, is_directive, step_bytes
from parity.targets import get as get_target


@dataclass
class ReplayOutcome:
    path: str
    divergence: Divergence | None = None
    mismatches: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    final_state_hash: str | None = None
    final_snapshot: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.divergence is None and not self.mismatches


def run_single(target_name: str, backend: str, config: dict[str, Any], steps: list[str]) -> tuple[list[str], Any]:
    """One backend alone: its output lines and the component at the end."""
    target = get_target(target_name)
    component = build_component(target, backend, config)
    outputs: list[str] = []
    for step in steps:
        if is_directive(step):
            if step == SWAP_RESTORE and target.stateful:
                component.restore(component.snapshot())
            continue
        outputs.append(component.apply_jsonl(step_bytes(step) + b"\n").decode("utf-8").rstrip("\n"))
    return outputs, component


def replay_fixture(path: Path | str, backends: tuple[str, str]) -> ReplayOutcome:
    fixture = load_fixture(path)
    outcome = ReplayOutcome(str(path))
    target = get_target(fixture["target"])
    outcome.divergence = Lockstep(target, backends, fixture["config"], builder=build_component).run(fixture["inputs"])
    if outcome.divergence is not None:
        return outcome
    for backend in backends:
        outputs, component = run_single(fixture["target"], backend, fixture["config"], fixture["inputs"])
        if backend == backends[0]:
            outcome.outputs = outputs
            if target.stateful:
                outcome.final_snapshot = component.snapshot()
                outcome.final_state_hash = component.state_hash()
        expected = fixture["expected"]
        if expected:
            if len(expected) != len(outputs):
                outcome.mismatches.append(f"{backend}: {len(outputs)} outputs, fixture expects {len(expected)}")
            for index, (got, want) in enumerate(zip(outputs, expected)):
                if got != want:
                    outcome.mismatches.append(f"{backend}: output {index} differs from expected:\n  got  {got}\n  want {want}")
                    break
        if fixture.get("final_state_hash") and target.stateful and component.state_hash() != fixture["final_state_hash"]:
            outcome.mismatches.append(f"{backend}: final state hash differs from the fixture's")
    return outcome


def pin(path: Path | str, outcome: ReplayOutcome) -> None:
    """Write the agreed outputs and final state into the fixture."""
    fixture = load_fixture(path)
    fixture["expected"] = outcome.outputs
    fixture["final_state_hash"] = outcome.final_state_hash
    fixture["final_snapshot"] = json.loads(canonical_bytes(outcome.final_snapshot)) if outcome.final_snapshot else None
    write_fixture(fixture, Path(path))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m parity.replay",
        description="Replay golden and regression fixtures on two backends in lockstep; "
        "exit 0 when all pass, 1 on a divergence or mismatch, 2 on a usage/environment error.",
    )
    parser.add_argument("fixtures", nargs="*", help="fixture files (default: every fixture under fixtures/)")
    parser.add_argument("--backends", default="python,rust", help="two backends (default python,rust)")
    parser.add_argument("--pin", action="store_true",
                        help="write the agreed outputs and final state hash into each passing fixture")
    parser.add_argument("--json", action="store_true", help="print a JSON line per fixture")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from cracktrader.backend import RUST, rust_available

    backends = tuple(token.strip() for token in args.backends.split(",") if token.strip())
    if len(backends) != 2:
        print("parity.replay: error: --backends takes exactly two backends", file=sys.stderr)
        return 2
    if RUST in (b.split("~")[0] for b in backends) and not rust_available():
        print('parity.replay: error: the rust backend is not built; build it with: pip install -e ".[dev]"',
              file=sys.stderr)
        return 2
    paths = [Path(p) for p in args.fixtures] or all_fixtures()
    failures = 0
    for path in paths:
        try:
            outcome = replay_fixture(path, backends)  # type: ignore[arg-type]
        except (OSError, ValueError, KeyError) as exc:
            print(f"parity.replay: error: {path}: {exc}", file=sys.stderr)
            return 2
        if not outcome.ok:
            failures += 1
        if args.json:
            print(json.dumps({"fixture": str(path), "ok": outcome.ok, "mismatches": outcome.mismatches,
                              "divergence": build_report(outcome.divergence, seed=None, fixture_path=str(path))
                              if outcome.divergence else None}, sort_keys=True))
        elif outcome.divergence is not None:
            report = build_report(outcome.divergence, seed=None, fixture_path=str(path))
            print(render_text(report, explain(outcome.divergence)))
        elif outcome.mismatches:
            print(f"MISMATCH {path}:\n  " + "\n  ".join(outcome.mismatches))
        else:
            print(f"ok {path}")
        if args.pin and outcome.ok:
            pin(path, outcome)
    print(f"parity.replay: {len(paths) - failures}/{len(paths)} fixtures pass ({backends[0]} vs {backends[1]})",
          file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
