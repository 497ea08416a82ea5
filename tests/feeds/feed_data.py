"""The feed tests' recorded data (tests/data/feeds), importable by name."""

from __future__ import annotations

import json
import pathlib

DATA = pathlib.Path(__file__).resolve().parent.parent / "data" / "feeds"


def load_jsonl(name: str) -> list[dict]:
    """Entries of a JSON-lines file under tests/data/feeds."""
    return [json.loads(line) for line in (DATA / name).read_text().splitlines() if line.strip()]
