"""The schema files themselves (DESIGN.md section 5, docs/schemas.md).

Every contract is a valid draft 2020-12 schema, every ``$ref`` resolves, every object
that declares ``properties`` is closed, the files are exactly what
``tools/write_schemas.py`` writes, the closed code lists match DESIGN.md and
``cracktrader/engine/errors.py``, and all of it loads from the installed package.
"""

from __future__ import annotations

import importlib.util
import json
import pathlib
from importlib import resources

import pytest
from jsonschema import Draft202012Validator

from cracktrader.engine import errors, validation

ROOT = pathlib.Path(__file__).resolve().parents[2]
ALL = validation.CONTRACTS + validation.SUPPORT
# DESIGN.md section 5, "Error precedence", in its order (first wins).
DESIGN_PRECEDENCE = [
    "invalid_payload", "invalid_number", "numeric_overflow", "out_of_sequence", "late_event",
    "duplicate", "unknown_order", "duplicate_order_id", "illegal_transition",
    "fill_before_accept", "overfill", "kill_switch", "risk_limit", "insufficient_position",
    "insufficient_cash",
]
# DESIGN.md section 5: the nine documents.
DESIGN_CONTRACTS = {
    "engine_event", "engine_intent", "order_transition", "transition_result",
    "execution_step_result", "core_snapshot", "checkpoint", "parity_fixture",
    "divergence_report",
}


def walk(node, path=()):
    """Yield ``(path, subschema)`` for every dict inside a schema."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, (*path, index))


@pytest.fixture(scope="module")
def schemas():
    return {name: validation.load_schema(name) for name in ALL}


def test_the_package_ships_exactly_the_known_schemas():
    shipped = {entry.name for entry in resources.files("cracktrader.schemas").iterdir() if entry.name.endswith(".json")}
    assert shipped == {f"{name}.json" for name in ALL}
    # DESIGN.md's nine contracts, plus the component contracts later issues add
    assert DESIGN_CONTRACTS <= set(validation.CONTRACTS)


def test_root_schemas_folder_is_the_package_folder():
    # The layout of DESIGN.md section 2 has schemas/ at the root; it is a link to the
    # package folder so the wheel ships the same files.
    root = ROOT / "schemas"
    assert root.is_symlink()
    assert root.resolve() == (ROOT / "cracktrader" / "schemas").resolve()


@pytest.mark.parametrize("name", ALL)
def test_schema_is_valid_draft_2020_12(schemas, name):
    schema = schemas[name]
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert schema["$id"] == f"https://cracktrader.dev/schemas/v1/{name}.json"
    assert schema.get("title")


@pytest.mark.parametrize("name", ALL)
def test_every_ref_resolves(schemas, name):
    resolver = validation._registry().resolver(base_uri=schemas[name]["$id"])
    refs = [(path, node["$ref"]) for path, node in walk(schemas[name]) if "$ref" in node]
    for path, ref in refs:
        resolved = resolver.lookup(ref)  # raises on a dangling reference
        assert isinstance(resolved.contents, dict), (path, ref)


def test_refs_exist_at_all(schemas):
    # Guard the test above against walking nothing.
    assert sum(1 for name in ALL for _, node in walk(schemas[name]) if "$ref" in node) > 50


def _is_conditional(path) -> bool:
    # `if`/`then` branches only narrow an object whose own schema is closed; they
    # must not close it again (that would forbid the object's other keys).
    return "if" in path or "then" in path or "else" in path


# Objects deliberately left open, each with its reason.
OPEN_BY_DESIGN = {
    # the sequencer reads only the envelope fields it orders by and passes every event
    # through unchanged (D-151): the core, not the sequencer, closes the envelope
    ("sequencer_result", "$defs/sequenced_event"),
}


@pytest.mark.parametrize("name", ALL)
def test_objects_with_properties_are_closed(schemas, name):
    open_objects = [
        "/".join(map(str, path))
        for path, node in walk(schemas[name])
        if "properties" in node and not _is_conditional(path) and node.get("additionalProperties") is not False
    ]
    assert [path for path in open_objects if (name, path) not in OPEN_BY_DESIGN] == []


@pytest.mark.parametrize("name", ALL)
def test_conditionals_sit_on_closed_objects(schemas, name):
    for path, node in walk(schemas[name]):
        if "allOf" in node and any("if" in branch for branch in node["allOf"]):
            assert node.get("additionalProperties") is False, path
            for branch in node["allOf"]:
                for key in branch.get("then", {}).get("properties", {}):
                    assert key in node["properties"], (path, key)


@pytest.mark.parametrize("name", sorted(DESIGN_CONTRACTS - {"order_transition", "engine_event", "engine_intent", "transition_result"}))
def test_top_level_documents_are_versioned(schemas, name):
    # Persisted documents carry schema_version; inputs and results are versioned by
    # the $id path (v1) and travel inside versioned documents.
    assert schemas[name]["properties"]["schema_version"] == {"const": 1}
    assert "schema_version" in schemas[name]["required"]


@pytest.mark.parametrize("name", ALL)
def test_patterns_match_whole_strings(schemas, name):
    # jsonschema uses Python's re.search, where a bare `$` also matches before a final
    # newline; every pattern must be anchored at both ends and forbid that.
    for path, node in walk(schemas[name]):
        pattern = node.get("pattern")
        if isinstance(pattern, str):
            assert pattern.startswith("^") and pattern.endswith("$(?![\\s\\S])"), path


def test_error_precedence_matches_design(schemas):
    assert schemas["codes"]["$defs"]["error_code"]["enum"] == DESIGN_PRECEDENCE


def test_result_codes_are_ok_duplicate_and_the_errors(schemas):
    result_codes = schemas["codes"]["$defs"]["result_code"]["enum"]
    assert set(result_codes) == {"ok", *DESIGN_PRECEDENCE}
    assert len(result_codes) == len(set(result_codes))


def test_exception_classes_use_listed_codes(schemas):
    listed = set(schemas["codes"]["$defs"]["exception_code"]["enum"])
    classes = [errors.CracktraderError, *errors.ERROR_CLASSES.values()]
    assert {cls.code for cls in classes} == listed


def test_every_code_list_is_a_closed_enum_without_duplicates(schemas):
    for name, definition in schemas["codes"]["$defs"].items():
        values = definition["enum"]
        assert values and len(values) == len(set(values)), name
        assert all(isinstance(v, str) and v == v.strip().lower() for v in values), name


def _load_generator():
    spec = importlib.util.spec_from_file_location("write_schemas", ROOT / "tools" / "write_schemas.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_schemas_are_what_the_generator_writes():
    generator = _load_generator()
    files = generator.render(generator.build())
    folder = ROOT / "cracktrader" / "schemas"
    stale = [name for name, text in files.items() if (folder / name).read_text("utf-8") != text]
    assert stale == [], "run: python tools/write_schemas.py, and commit the result"
    assert set(files) == {p.name for p in folder.glob("*.json")}


def test_generator_check_mode_detects_drift(tmp_path, capsys):
    generator = _load_generator()
    assert generator.main(["--out", str(tmp_path)]) == 0
    assert generator.main(["--check", "--out", str(tmp_path)]) == 0
    victim = tmp_path / "codes.json"
    victim.write_text(victim.read_text().replace("kill_switch", "kill-switch"))
    assert generator.main(["--check", "--out", str(tmp_path)]) == 1
    assert "stale: codes.json" in capsys.readouterr().out


def test_schemas_load_from_the_installed_package():
    # importlib.resources reads through the package, as an installed wheel does; the
    # wheel itself is checked in a throwaway venv by ci/rust_build.sh.
    for name in ALL:
        text = resources.files("cracktrader.schemas").joinpath(f"{name}.json").read_text("utf-8")
        assert json.loads(text)["$id"].endswith(f"/{name}.json")
    assert validation.validator("engine_event") is validation.validator("engine_event")


def test_unknown_contract_name_is_refused():
    with pytest.raises(KeyError, match="unknown contract"):
        validation.problems("engine_evnt", {})
