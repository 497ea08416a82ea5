"""Self-determinism: one backend against itself.

Two checks: the same steps twice from scratch give byte-identical outputs and state
(lockstep of a backend with itself), and a run restored from a mid-stream snapshot
continues exactly like the uninterrupted run (outputs of the tail and final hash).
"""

from __future__ import annotations

from typing import Any

from parity.lockstep import Divergence, Lockstep
from parity.mutants import build_component
from parity.replay import run_single
from parity.steps import is_directive, step_bytes
from parity.targets import get as get_target


def check_determinism(target_name: str, backend: str, config: dict[str, Any], steps: list[str],
                      split: int | None = None) -> Divergence | str | None:
    """None when deterministic; a Divergence (twice) or a message (snapshot + tail)."""
    target = get_target(target_name)
    twice = Lockstep(target, (backend, backend), config, builder=build_component).run(steps)
    if twice is not None or not target.stateful:
        return twice
    split = len(steps) // 2 if split is None else split
    full_outputs, full = run_single(target_name, backend, config, steps)
    head_outputs, head = run_single(target_name, backend, config, steps[:split])
    resumed = build_component(target, backend, config)
    resumed.restore(head.snapshot())
    tail_outputs = [
        resumed.apply_jsonl(step_bytes(step) + b"\n").decode("utf-8").rstrip("\n")
        for step in steps[split:]
        if not is_directive(step)
    ]
    if head_outputs + tail_outputs != full_outputs:
        for index, (a, b) in enumerate(zip(full_outputs, head_outputs + tail_outputs)):
            if a != b:
                return f"output {index} differs after restoring the snapshot taken at step {split}"
        return "different number of outputs after restoring"
    if resumed.state_hash() != full.state_hash():
        return f"final state differs after restoring the snapshot taken at step {split}"
    return None
