"""Committed benchmark baselines: one file, one entry per component benchmark.

``benchmarks/baseline.json`` holds, for ``core``, ``sequencer`` and ``normalizer``, the
workload a run measured, its build profile, its events/s and its Rust/Python ratios.
A later run given ``--baseline PATH`` is compared by *ratio*, not by events/s: a ratio
measured in one process on one machine cancels most of the machine's speed (a slower
CI runner slows both backends), so what it catches is one backend getting slower
relative to the other. ``--max-slowdown X`` (default 1.5) fails a run whose ratio for
some API is more than X times below the baseline's. A run is only compared with an
entry of the same workload and build profile (a debug build is tens of times slower,
so its ratios say nothing about a release baseline); anything else is refused, which
also fails the run, rather than passing silently.

``--write-baseline PATH`` stores the run as its component's entry, keeping the other
entries of the file (docs/performance.md, "Baselines").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from typing import Any, Mapping

SCHEMA = "cracktrader.bench.baseline/1"
DEFAULT_MAX_SLOWDOWN = 1.5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The baseline options every component benchmark shares."""
    parser.add_argument("--baseline", metavar="PATH", help="compare Rust/Python ratios with this baseline file")
    parser.add_argument(
        "--max-slowdown",
        type=float,
        default=DEFAULT_MAX_SLOWDOWN,
        help=f"with --baseline: fail when a ratio is this many times below the baseline's (default {DEFAULT_MAX_SLOWDOWN})",
    )
    parser.add_argument(
        "--write-baseline",
        metavar="PATH",
        help="store this run as the benchmark's entry of the baseline file (other entries are kept)",
    )


def entry(
    *,
    workload: Mapping[str, Any],
    build_profile: str,
    ratios: Mapping[str, float],
    events_per_s: Mapping[str, Mapping[str, float]],
) -> dict[str, Any]:
    """One component's baseline entry. ``workload`` holds only what identifies the
    stream (sizes, seeds, options): two runs are comparable when these are equal."""
    return {
        "workload": dict(workload),
        "build_profile": build_profile,
        "ratios": {api: round(value, 2) for api, value in sorted(ratios.items())},
        "events_per_s": {
            backend: {api: round(rate) for api, rate in sorted(per_api.items())}
            for backend, per_api in sorted(events_per_s.items())
        },
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus, python {platform.python_version()}",
    }


def compare(component: str, current: Mapping[str, Any], document: Mapping[str, Any], max_slowdown: float) -> list[str]:
    """Problems found comparing ``current`` (an ``entry``) with the document's entry for
    ``component``; empty when the run is within ``max_slowdown`` of every baseline ratio."""
    if max_slowdown < 1:
        return [f"--max-slowdown must be at least 1, not {max_slowdown}"]
    base = document.get("components", {}).get(component)
    if base is None:
        return [f"the baseline has no {component!r} entry; refusing to compare"]
    if base.get("workload") != current["workload"]:
        return [f"baseline workload {base.get('workload')} differs from this run's {current['workload']}; refusing to compare"]
    if base.get("build_profile") != current["build_profile"]:
        return [f"baseline measured a {base.get('build_profile')} build, this run a {current['build_profile']} one; refusing to compare"]
    if not current["ratios"]:
        return ["this run measured only one backend: there is no Rust/Python ratio to compare"]
    problems = []
    for api, ratio in sorted(current["ratios"].items()):
        expected = base.get("ratios", {}).get(api)
        if expected is not None and ratio * max_slowdown < expected:
            problems.append(f"{api}: rust/python ratio {ratio:.1f}x is more than {max_slowdown}x below the baseline's {expected:.1f}x")
    return problems


def read(path: str) -> dict[str, Any]:
    """A baseline document; a missing file is an empty one (for ``--write-baseline``)."""
    if not os.path.exists(path):
        return {"schema": SCHEMA, "components": {}}
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise ValueError(f"{path} is not a {SCHEMA} document")
    return document


def write(path: str, component: str, current: Mapping[str, Any]) -> None:
    """Store ``current`` as ``component``'s entry of the file at ``path``."""
    document = read(path)
    document.setdefault("components", {})[component] = dict(current)
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2, sort_keys=True)
        handle.write("\n")


def apply_options(args: argparse.Namespace, component: str, current: Mapping[str, Any], out) -> int:
    """Carry out ``--write-baseline`` and ``--baseline`` for one run; the exit status
    they add (0, or 1 when the run is slower than allowed or cannot be compared)."""
    status = 0
    if getattr(args, "baseline", None):
        try:
            problems = compare(component, current, read(args.baseline), args.max_slowdown)
        except (OSError, ValueError) as exc:
            problems = [f"cannot read {args.baseline}: {exc}"]
        for problem in problems:
            print(f"baseline: {problem}", file=out)
        if problems:
            status = 1
        else:
            print(f"baseline: {component} ratios within {args.max_slowdown}x of {args.baseline}", file=out)
    if getattr(args, "write_baseline", None):
        if not current["ratios"]:
            print("baseline: not written: a baseline needs both backends", file=out)
            return 1
        write(args.write_baseline, component, current)
        print(f"baseline: wrote the {component} entry of {args.write_baseline}", file=out)
    return status
