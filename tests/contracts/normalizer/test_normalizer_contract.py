"""Contract of the event normalizer on both backends: the same public API, outcomes and
snapshots valid against their schemas, codes taken from codes.json."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest

import cracktrader.engine.normalizer as reference
from cracktrader.engine import build_event_normalizer
from cracktrader.engine.validation import (
    load_schema,
    validate_engine_event,
    validate_normalizer_outcome,
    validate_normalizer_snapshot,
)

CORPUS = Path(__file__).resolve().parents[2] / "data" / "ccxt_unified"
EXPECTED = Path(__file__).resolve().parents[2] / "data" / "ccxt_expected.json"
API = {"apply", "apply_batch", "apply_jsonl", "snapshot", "restore", "state_hash", "normalize_trade",
       "normalize_ohlcv", "normalize_order", "normalize_my_trade", "normalize_batch"}


def public(cls: type) -> set[str]:
    return {name for name in dir(cls) if not name.startswith("_")}


def test_both_backends_expose_exactly_the_protocol(backend) -> None:
    normalizer = build_event_normalizer(backend=backend)
    assert public(type(normalizer)) == API
    for name in API:
        assert inspect.getdoc(getattr(type(normalizer), name)), name


def test_outcome_codes_are_the_closed_list() -> None:
    codes = load_schema("codes")["$defs"]["normalizer_code"]["enum"]
    assert list(reference.CODES) == ["ok", *codes]
    snapshot_codes = load_schema("normalizer_snapshot")["properties"]["outcomes"]["required"]
    assert snapshot_codes == list(reference.CODES)


def corpus_inputs() -> list[dict]:
    table = {(e["file"], e["line"]): e for e in json.loads(EXPECTED.read_text())["entries"]}
    inputs = []
    for name in ("trades.jsonl", "ohlcv.jsonl", "orders.jsonl"):
        for number, line in enumerate((CORPUS / name).read_text().splitlines(), start=1):
            entry, row = json.loads(line), table[(name, number)]
            parsed = entry["parsed"] if isinstance(entry["parsed"], list) else [entry["parsed"]]
            inputs += [{"kind": row["kind"], "payload": item, "context": row["context"]} for item in parsed]
    return inputs


def test_every_corpus_outcome_and_event_is_schema_valid(backend) -> None:
    normalizer = build_event_normalizer(backend=backend)
    outcomes = normalizer.apply_batch(corpus_inputs())
    assert len(outcomes) == 27
    for outcome in outcomes:
        assert validate_normalizer_outcome(outcome) == []
        for event in outcome["events"]:
            assert validate_engine_event(event) == []
    assert validate_normalizer_snapshot(normalizer.snapshot()) == []


EVENT = {"kind": "event", "seq_id": None, "event_time": 1, "ingest_time": 2, "source": "market_data",
         "venue": "v", "instrument": "B/Q", "event_type": "trade",
         "payload": {"price": "1", "amount": "2", "side": "buy", "trade_id": "t"}, "idempotency_key": None,
         "producer": 0}


@pytest.mark.parametrize("document, path", [
    ({"accepted": True, "code": "ok", "field": None, "events": []}, "/events"),
    ({"accepted": True, "code": "missing_field", "field": None, "events": [EVENT]}, "/code"),
    ({"accepted": False, "code": "ok", "field": "", "events": []}, "/code"),
    ({"accepted": False, "code": "missing_field", "field": None, "events": []}, "/field"),
    ({"accepted": False, "code": "missing_field", "field": "", "events": [EVENT]}, "/events"),
    ({"accepted": False, "code": "late_event", "field": "", "events": []}, "/code"),
    ({"accepted": True, "code": "ok", "field": None, "events": [{**EVENT, "seq_id": 0}]}, "/events/0/seq_id"),
    ({"accepted": True, "code": "ok", "field": None, "events": [EVENT], "message": "x"}, ""),
])
def test_invalid_outcomes_are_refused_at_the_right_path(document: dict, path: str) -> None:
    problems = validate_normalizer_outcome(document)
    assert problems and path in {p for p, _ in problems}, problems


def test_invalid_snapshots_are_refused() -> None:
    good = build_event_normalizer().snapshot()
    assert validate_normalizer_snapshot(good) == []
    assert validate_normalizer_snapshot({**good, "schema_version": 2})
    assert validate_normalizer_snapshot({**good, "outcomes": {**good["outcomes"], "ok": -1}})
    assert validate_normalizer_snapshot({**good, "outcomes": {**good["outcomes"], "late": 0}})
