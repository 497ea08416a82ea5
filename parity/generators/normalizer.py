"""Normalizer streams: CCXT-shaped payloads built from the recorded corpus
(tests/data/ccxt_unified, the real replies of several exchanges) and mutated field by
field: numbers respelled, fields nulled or dropped, hostile values swapped in.

Each step is ``{"kind", "payload", "context"}`` as the normalizer's ``apply`` takes it.
"""

from __future__ import annotations

import copy
import json
import random
from functools import lru_cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from parity.generators.hostile import encode, garbage_line, hostile_value
from parity.steps import SWAP_RESTORE, restore_edit

CORPUS = Path(__file__).resolve().parents[2] / "tests" / "data" / "ccxt_unified"
KIND_OF_METHOD = {"fetchTrades": "trade", "fetchMyTrades": "my_trade", "fetchOHLCV": "ohlcv"}


@lru_cache(maxsize=1)
def seeds() -> tuple[tuple[str, Any], ...]:
    """(kind, unified payload) for every trade, OHLCV row and order of the corpus."""
    found: list[tuple[str, Any]] = []
    for name in ("trades.jsonl", "ohlcv.jsonl", "orders.jsonl"):
        for line in (CORPUS / name).read_text("utf-8").splitlines():
            entry = json.loads(line)
            kind = KIND_OF_METHOD.get(entry["method"], "order")
            parsed = entry["parsed"]
            items = parsed if isinstance(parsed, list) else [parsed]
            found += [(kind, item) for item in items]
    return tuple(found)


def _respell(rng: random.Random, value: Any) -> Any:
    """The same number in another accepted form (string, float, int)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return value
    try:
        number = float(value)
    except ValueError:
        return value
    return rng.choice((str(value), number, f"{number:.12f}", int(number) if number == int(number) else number))


def _mutate(rng: random.Random, payload: Any) -> Any:
    payload = copy.deepcopy(payload)
    target = payload
    if isinstance(payload, dict):
        keys = list(payload)
        if keys:
            key = rng.choice(keys)
            roll = rng.random()
            if roll < 0.3:
                payload[key] = _respell(rng, payload[key])
            elif roll < 0.5:
                payload[key] = None
            elif roll < 0.6:
                del payload[key]
            else:
                payload[key] = hostile_value(rng)
    elif isinstance(target, list) and target:
        index = rng.randrange(len(target))
        target[index] = _respell(rng, target[index]) if rng.random() < 0.5 else hostile_value(rng)
    return payload


def _restate(rng: random.Random, payload: dict[str, Any]) -> dict[str, Any]:
    """An order whose nested trades restate its id and symbol: the same ones, or ones
    that differ by a character either way (a contradiction must be refused whichever
    way the two compare)."""
    payload = copy.deepcopy(payload)
    order_id, symbol = str(payload.get("id")), str(payload.get("symbol"))
    for trade in payload["trades"]:
        if isinstance(trade, dict) and rng.random() < 0.7:
            trade["order"] = rng.choice((order_id, order_id, order_id[:-1] or "x", order_id + "0", None))
            trade["symbol"] = rng.choice((symbol, symbol, symbol[:-1] or "x", symbol + "0", None))
    return payload


def make_case(rng: random.Random, length: int) -> tuple[dict[str, Any], list[str]]:
    corpus = seeds()
    hostility = rng.choice((0.0, 0.1, 0.3, 0.6))
    steps = []
    for index in range(length):
        kind, payload = rng.choice(corpus)
        if kind == "order" and isinstance(payload, dict) and isinstance(payload.get("trades"), list) \
                and rng.random() < 0.5:
            payload = _restate(rng, payload)
        if rng.random() < hostility:
            payload = _mutate(rng, payload)
        context: dict[str, Any] = {"venue": rng.choice(("kraken", "bitvavo", "gemini")),
                                   "ingest_time": 1_720_000_000_000 + index, "producer": rng.randrange(3)}
        if kind == "ohlcv":
            context["instrument"] = "BTC/USDT"
            context["timeframe_ms"] = rng.choice((60_000, 3_600_000))
        line = encode({"kind": kind, "payload": payload, "context": context})
        if hostility and rng.random() < hostility / 10:
            line = garbage_line(rng, line)
        steps.append(line)
    # swap-restores: the per-code counters cross backends
    for position in sorted((rng.randrange(len(steps) + 1) for _ in range(rng.choice((0, 1, 3)))), reverse=True):
        steps.insert(position, restore_edit(rng.randrange(2**32)) if rng.random() < 0.5 else SWAP_RESTORE)
    return {}, steps


def normalizer_cases(max_length: int = 60) -> st.SearchStrategy[tuple[dict[str, Any], list[str]]]:
    return st.builds(make_case, st.randoms(use_true_random=False), st.integers(min_value=1, max_value=max_length))
