"""The README and docs keep their promises: the set-up commands CI runs, working links,
unique decision numbers."""

from __future__ import annotations

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]+\]\(([^)\s]+)\)")


def code_blocks(text: str) -> list[list[str]]:
    return [block.strip("\n").splitlines() for block in re.findall(r"```[a-z]*\n(.*?)```", text, re.S)]


def test_readme_has_the_two_setup_commands_in_one_block():
    blocks = code_blocks((ROOT / "README.md").read_text("utf-8"))
    assert ['pip install -e ".[dev]"', "pytest"] in blocks


def test_ci_runs_the_readme_commands():
    lib = (ROOT / "ci" / "lib.sh").read_text("utf-8")
    assert 'pip install -q -e ".[dev]"' in lib
    assert '&& pytest "${report[@]}" "$@")' in lib, "ct_pytest must run the README's `pytest`"


def test_required_docs_exist():
    for name in ("architecture", "numbers", "schemas", "decisions"):
        assert (ROOT / "docs" / f"{name}.md").is_file()


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_relative_links_resolve(doc):
    prose = re.sub(r"```.*?```", "", doc.read_text("utf-8"), flags=re.S)
    prose = re.sub(r"`[^`\n]*`", "", prose)  # code spans are not links
    for target in LINK.findall(prose):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path = target.split("#", 1)[0]
        assert (doc.parent / path).exists(), f"{doc.name}: broken link {target}"


def test_readme_anchor_into_architecture_exists():
    architecture = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    assert "\n## CI\n" in architecture


def test_decision_numbers_are_unique():
    numbers = re.findall(r"\*\*D-(\d{3})\b", (ROOT / "docs" / "decisions.md").read_text("utf-8"))
    assert numbers and len(numbers) == len(set(numbers))
