"""Recovery codes live in the closed list; bundled schemas validate like the originals."""

from __future__ import annotations

import copy
import random

import pytest
from jsonschema import Draft202012Validator

from cracktrader.bench.recovery_stream import CONFIG, generate
from cracktrader.engine import build_core
from cracktrader.engine.durable import RECOVERY_CODES, WARNING_CODES, RecoveryError
from cracktrader.engine.validation import CONTRACTS, _pointer, _registry, bundled_schema, load_schema, problems


def test_recovery_codes_are_the_closed_list_in_codes_json() -> None:
    defs = load_schema("codes")["$defs"]
    assert defs["recovery_code"]["enum"] == list(RECOVERY_CODES)
    assert defs["recovery_warning"]["enum"] == list(WARNING_CODES)
    with pytest.raises(ValueError):
        RecoveryError("made_up", "x")


def test_bundled_schemas_have_no_refs_left() -> None:
    def refs(node):
        if isinstance(node, dict):
            return ("$ref" in node) + sum(refs(v) for v in node.values())
        if isinstance(node, list):
            return sum(refs(v) for v in node)
        return 0

    for name in CONTRACTS:
        assert refs(bundled_schema(name)) == 0, name


def _reference_problems(name, document):
    """What ``problems`` returned before bundling: the registry-resolved schema."""
    validator = Draft202012Validator(load_schema(name), registry=_registry())
    found = []
    for error in validator.iter_errors(document):
        leaf = error
        while leaf.context:
            leaf = min(leaf.context, key=lambda e: len(list(e.relative_path)))
        found.append((_pointer(error.absolute_path if leaf is error else leaf.absolute_path), leaf.message))
    return sorted(set(found))


def test_bundled_validation_gives_the_same_problems_on_mutated_documents() -> None:
    rng = random.Random(5)
    core = build_core("python", CONFIG)
    inputs = list(generate(2, 60))
    results = core.apply_batch(inputs)
    snapshot = core.snapshot()
    samples = [("core_snapshot", snapshot)] + [("transition_result", r) for r in results[:10]] + [
        ("engine_event" if item["kind"] == "event" else "engine_intent", item) for item in inputs[:30]
    ]
    values = [None, 1, -1, "01", "x", "", [], {}, True, 1.5, "1e5"]
    compared = 0
    for name, base in samples:
        for _ in range(25):
            document = copy.deepcopy(base)
            node = document
            for _ in range(rng.randint(1, 4)):
                if isinstance(node, dict) and node:
                    key = rng.choice(sorted(node))
                    if isinstance(node[key], (dict, list)) and node[key] and rng.random() < 0.6:
                        node = node[key]
                        continue
                    node[key] = rng.choice(values)
                    break
                if isinstance(node, list) and node:
                    index = rng.randrange(len(node))
                    if isinstance(node[index], (dict, list)) and rng.random() < 0.6:
                        node = node[index]
                        continue
                    node[index] = rng.choice(values)
                    break
            assert problems(name, document) == _reference_problems(name, document)
            compared += 1
    assert compared == 25 * len(samples)
