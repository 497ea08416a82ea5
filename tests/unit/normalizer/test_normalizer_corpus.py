"""Every trade, OHLCV and order entry of the CCXT corpus against the hand-decided table
``tests/data/ccxt_expected.json``, on both backends, byte for byte identical."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from normalizer_support import (
    CORPUS_FILES,
    KIND_OF_METHOD,
    corpus_cases,
    corpus_lines,
    expected_entries,
)

from cracktrader.engine.canonical import canonical_bytes, find_float
from cracktrader.engine.validation import validate_engine_event, validate_normalizer_outcome

CASES = corpus_cases()
MARKET_DATA = {"bar", "trade"}
DOCS = Path(__file__).resolve().parents[3] / "docs" / "normalizer.md"


def test_table_covers_every_corpus_entry_once() -> None:
    lines = {(name, number): entry for name, number, entry in corpus_lines()}
    table = expected_entries()
    keys = [(e["file"], e["line"]) for e in table]
    assert len(keys) == len(set(keys))
    assert set(keys) == set(lines)
    assert {e["file"] for e in table} == set(CORPUS_FILES)
    for item in table:
        entry = lines[(item["file"], item["line"])]
        assert (item["exchange"], item["method"]) == (entry["exchange"], entry["method"])
        assert item["kind"] == KIND_OF_METHOD.get(entry["method"], "order")
        parsed = entry["parsed"]
        assert len(item["items"]) == (len(parsed) if isinstance(parsed, list) else 1)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_corpus_entry_matches_table(case: dict, normalizer) -> None:
    outcome = normalizer.apply({"kind": case["kind"], "payload": case["payload"], "context": case["context"]})
    expected = case["expected"]
    assert validate_normalizer_outcome(outcome) == []
    assert find_float(outcome) is None
    assert outcome["accepted"] is expected["accepted"]
    if not expected["accepted"]:
        assert (outcome["code"], outcome["field"], outcome["events"]) == (expected["code"], expected["field"], [])
        return
    assert (outcome["code"], outcome["field"]) == ("ok", None)
    assert len(outcome["events"]) == len(expected["events"])
    ctx = case["context"]
    for event, want in zip(outcome["events"], expected["events"]):
        assert validate_engine_event(event) == []
        for key, value in want.items():
            assert event[key] == value, key
        assert event["kind"] == "event" and event["seq_id"] is None
        assert (event["venue"], event["ingest_time"], event["producer"]) == (
            ctx["venue"], ctx["ingest_time"], ctx["producer"])
        source = "market_data" if want["event_type"] in MARKET_DATA else "broker_report"
        assert event["source"] == source


def test_corpus_is_byte_identical_across_backends(both) -> None:
    python, rust = both
    for case in CASES:
        item = {"kind": case["kind"], "payload": case["payload"], "context": case["context"]}
        assert canonical_bytes(python.apply(item)) == canonical_bytes(rust.apply(item)), case["id"]
    assert python.snapshot() == rust.snapshot()
    assert python.state_hash() == rust.state_hash()
    lines = b"".join(
        json.dumps({"kind": c["kind"], "payload": c["payload"], "context": c["context"]}).encode() + b"\n"
        for c in CASES
    )
    assert python.apply_jsonl(lines) == rust.apply_jsonl(lines)


def corpus_figures() -> dict:
    """Entries, items, accepted, rejected by reason and events by type, from the table."""
    table = expected_entries()
    items = [item for entry in table for item in entry["items"]]
    rejected = Counter(item["code"] for item in items if not item["accepted"])
    events = Counter(e["event_type"] for item in items if item["accepted"] for e in item["events"])
    return {
        "entries": len(table),
        "items": len(items),
        "accepted": sum(1 for item in items if item["accepted"]),
        "rejected": dict(sorted(rejected.items())),
        "events": dict(sorted(events.items())),
    }


def test_corpus_counters_match_the_table(normalizer) -> None:
    for case in CASES:
        normalizer.apply({"kind": case["kind"], "payload": case["payload"], "context": case["context"]})
    figures = corpus_figures()
    outcomes = normalizer.snapshot()["outcomes"]
    assert outcomes["ok"] == figures["accepted"]
    assert {code: n for code, n in outcomes.items() if code != "ok" and n} == figures["rejected"]


def test_docs_state_the_corpus_figures() -> None:
    """docs/normalizer.md quotes the figures of the table; keep them in step."""
    figures = corpus_figures()
    text = DOCS.read_text(encoding="utf-8")
    line = re.search(r"^Corpus figures: (.*)$", text, re.MULTILINE)
    assert line is not None, "docs/normalizer.md lost its 'Corpus figures:' line"
    assert json.loads(line.group(1)) == figures
