"""Generators, one per target: ``make_case(rng, length) -> (config, steps)``.

Each is the direct (seeded, fast) form; the Hypothesis strategies live beside them in
the same module and draw from the same distributions (they drive the same function
with a Hypothesis-controlled random). Targets whose component is not built yet are
simply absent from ``available()``.
"""

from __future__ import annotations

import importlib
import random
from typing import Any, Callable

MakeCase = Callable[[random.Random, int], tuple[dict[str, Any], list[str]]]

# target -> module defining make_case (imported lazily)
MODULES = {
    "core": "parity.generators.core",
    "sequencer": "parity.generators.sequencer",
    "invariants": "parity.generators.invariants",
    "normalizer": "parity.generators.normalizer",
    "feed": "parity.generators.feed",
}


def get(target: str) -> MakeCase:
    return importlib.import_module(MODULES[target]).make_case


def available() -> list[str]:
    found = []
    for target, module in MODULES.items():
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name == module:
                continue
            raise
        found.append(target)
    return found
