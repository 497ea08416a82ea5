"""docs/mode_divergence_ledger.md is well formed and every test it names exists.

DESIGN.md section 10: each intended difference between modes is an entry MDL-nnn with
its reason and the test that pins it. This test parses the ledger: ids numbered from
001 without gaps, every entry describes at least two modes, says why, and names tests
as ``path::name``; each named file exists and defines that test function (at module
level, or ``path::Class::name``).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LEDGER = ROOT / "docs" / "mode_divergence_ledger.md"
MODES = {"backtest", "paper", "live", "sandbox"}
HEADING = re.compile(r"^## (MDL-(\d{3})) (\S.*)$")
TEST_REF = re.compile(r"`(tests/[^`:]+\.py)::([A-Za-z_][\w:]*)`")
FIELD = re.compile(r"^- \*\*([^*]+)\*\*:")


def entries() -> list[dict]:
    out: list[dict] = []
    for line in LEDGER.read_text(encoding="utf-8").splitlines():
        match = HEADING.match(line)
        if match:
            out.append({"id": match.group(1), "number": int(match.group(2)), "title": match.group(3), "lines": []})
        elif line.startswith("## "):
            raise AssertionError(f"a section that is not an MDL entry: {line!r}")
        elif out:
            out[-1]["lines"].append(line)
    for entry in out:
        fields: dict[str, str] = {}
        current = None
        for line in entry["lines"]:
            match = FIELD.match(line)
            if match:
                current = match.group(1).strip()
                fields[current] = line[match.end():].strip()
            elif current is not None and line.startswith("  "):
                fields[current] += " " + line.strip()
            elif line.strip():
                current = None
        entry["fields"] = fields
    return out


def defined_tests(path: Path) -> set[str]:
    """``name`` and ``Class::name`` of every test function in a test file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("test"):
                    names.add(f"{node.name}::{item.name}")
    return names


def test_ledger_ids_are_consecutive_and_unique():
    found = entries()
    assert found, "the ledger has no entry"
    assert [entry["number"] for entry in found] == list(range(1, len(found) + 1))


def test_every_entry_compares_modes_says_why_and_names_tests():
    for entry in entries():
        fields = entry["fields"]
        mode_fields = [name for name in fields if name not in ("why", "tests")]
        assert len(mode_fields) >= 2, f"{entry['id']} must describe at least two modes: {sorted(fields)}"
        for name in mode_fields:
            words = {word.strip() for word in name.split("/")}
            assert words <= MODES, f"{entry['id']}: unknown mode in {name!r}"
            assert fields[name], f"{entry['id']}: empty description for {name!r}"
        assert fields.get("why"), f"{entry['id']} has no reason"
        assert TEST_REF.findall(fields.get("tests", "")), f"{entry['id']} names no test"


def test_every_named_test_exists():
    missing = []
    for entry in entries():
        for path, name in TEST_REF.findall(entry["fields"].get("tests", "")):
            file = ROOT / path
            if not file.is_file() or name not in defined_tests(file):
                missing.append(f"{entry['id']}: {path}::{name}")
    assert missing == []


def test_the_parser_sees_what_a_reader_sees():
    """Guard against a ledger the regexes silently skip: every test reference and every
    MDL id in the text is one the parser collected."""
    text = LEDGER.read_text(encoding="utf-8")
    parsed = entries()
    assert {entry["id"] for entry in parsed} == set(re.findall(r"^## (MDL-\d{3})", text, re.M))
    referenced = sum(len(TEST_REF.findall(entry["fields"].get("tests", ""))) for entry in parsed)
    assert referenced == len(TEST_REF.findall(text.split("## MDL-001", 1)[1]))
