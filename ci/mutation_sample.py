"""Helpers of ci/mutation.sh: sample the cosmic-ray session, then report the score.

    python ci/mutation_sample.py sample SESSION --size 50 --seed 1
        keep a seeded random sample of the session's mutants, mark the rest skipped
    python ci/mutation_sample.py report SESSION [--json-out PATH]
        killed / survived / incompetent counts, the score, and every survivor's diff
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import sys
from functools import lru_cache
from pathlib import Path

from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import TestOutcome, WorkerOutcome, WorkResult


@lru_cache(maxsize=None)
def annotation_spans(module_path: str) -> tuple[tuple[tuple[int, int], tuple[int, int]], ...]:
    """(start, end) positions of every annotation in a module.

    The engine modules use ``from __future__ import annotations``: annotations are never
    evaluated, so a mutant inside one (``int | None`` -> ``int - None``) is equivalent
    to the original and is not sampled.
    """
    tree = ast.parse(Path(module_path).read_text("utf-8"))
    spans = []
    for node in ast.walk(tree):
        annotations = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            annotations.append(node.returns)
            arguments = node.args
            for arg in arguments.posonlyargs + arguments.args + arguments.kwonlyargs:
                annotations.append(arg.annotation)
            annotations += [arguments.vararg and arguments.vararg.annotation,
                            arguments.kwarg and arguments.kwarg.annotation]
        elif isinstance(node, ast.AnnAssign):
            annotations.append(node.annotation)
        spans += [((a.lineno, a.col_offset), (a.end_lineno, a.end_col_offset)) for a in annotations if a is not None]
    return tuple(spans)


def in_annotation(item) -> bool:
    spec = item.mutations[0]
    start = tuple(spec.start_pos)
    return any(begin <= start < end for begin, end in annotation_spans(str(spec.module_path)))


def sample(session: str, size: int, seed: int) -> int:
    with use_db(session, WorkDB.Mode.open) as db:
        items = sorted(db.pending_work_items, key=lambda item: item.job_id)
        equivalent = [item.job_id for item in items if in_annotation(item)]
        candidates = [item for item in items if not in_annotation(item)]
        rng = random.Random(seed)
        keep = {item.job_id for item in rng.sample(candidates, min(size, len(candidates)))}
        if equivalent:
            db.set_multiple_results(equivalent, WorkResult(worker_outcome=WorkerOutcome.SKIPPED,
                                                           output="equivalent: inside an annotation"))
        others = [item.job_id for item in candidates if item.job_id not in keep]
        db.set_multiple_results(others, WorkResult(worker_outcome=WorkerOutcome.SKIPPED, output="not in the sample"))
    print(f"mutation sample: {len(keep)} of {len(candidates)} mutants (seed {seed}); "
          f"{len(equivalent)} mutants inside annotations left out as equivalent")
    return 0


def report(session: str, json_out: str | None) -> int:
    with use_db(session, WorkDB.Mode.open) as db:
        items = {item.job_id: item for item in db.work_items}
        tested = [(items[job_id], result) for job_id, result in db.results
                  if result.worker_outcome != WorkerOutcome.SKIPPED]
    killed = [pair for pair in tested if pair[1].test_outcome == TestOutcome.KILLED]
    survived = [pair for pair in tested if pair[1].test_outcome == TestOutcome.SURVIVED]
    other = [pair for pair in tested if pair not in killed and pair not in survived]
    score = len(killed) / (len(killed) + len(survived)) if killed or survived else 0.0
    print(f"mutation score: {len(killed)} killed, {len(survived)} survived, {len(other)} incompetent/errored "
          f"of {len(tested)} sampled: {score:.0%}")
    survivors = []
    for item, result in survived:
        spec = item.mutations[0]
        where = f"{spec.module_path}:{spec.start_pos[0]} {spec.operator_name}"
        print(f"\nSURVIVOR {where}\n{result.diff or ''}")
        survivors.append({"where": where, "diff": result.diff})
    if json_out:
        with open(json_out, "w", encoding="utf-8") as handle:
            json.dump({"killed": len(killed), "survived": len(survived), "other": len(other), "score": score,
                       "survivors": survivors}, handle, indent=2)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sample_parser = sub.add_parser("sample", help="keep a seeded random sample, skip the rest")
    sample_parser.add_argument("session")
    sample_parser.add_argument("--size", type=int, default=50)
    sample_parser.add_argument("--seed", type=int, default=1)
    report_parser = sub.add_parser("report", help="print the score and the survivors")
    report_parser.add_argument("session")
    report_parser.add_argument("--json-out")
    args = parser.parse_args(argv)
    if args.command == "sample":
        return sample(args.session, args.size, args.seed)
    return report(args.session, args.json_out)


if __name__ == "__main__":
    sys.exit(main())
