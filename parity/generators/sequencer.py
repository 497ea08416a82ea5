"""Sequencer streams: multi-producer batches with ties, nulls, late events and hostile
entries. Each step is one batch (a JSON array of events without seq_id).

Ties are the point: event times repeat within and across batches, sources and
venues collide, null venues and instruments mix with named ones, so every level of
the sort key (time, source priority, venue, instrument, producer, arrival) decides
some order. Late events fall behind the watermark on purpose.
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import strategies as st

from parity.generators.hostile import encode, garbage_line, mutate
from parity.steps import SWAP_RESTORE, restore_edit

SEQ_ID_MAX = 2**63 - 1
SOURCES = ("market_data", "broker_report", "timer", "control")
EVENT_TYPES = {"market_data": "bar", "broker_report": "order_accepted", "timer": "timer", "control": "kill_switch"}
PAYLOADS = {
    "bar": {"open": "1", "high": "2", "low": "0.5", "close": "1.5", "volume": "3", "timeframe_ms": 60000},
    "order_accepted": {"order_id": "o1"},
    "timer": {"name": "t"},
    "kill_switch": {"enabled": True},
}


def draw_config(rng: random.Random) -> dict[str, Any]:
    config: dict[str, Any] = {"late_policy": rng.choice(("reject", "accept"))}
    if rng.random() < 0.3:
        priority = list(SOURCES)
        rng.shuffle(priority)
        config["source_priority"] = priority
    if rng.random() < 0.15:
        # a few ids from the end of the range: exhaustion, and snapshots whose
        # next_seq_id sits at the very edge (2**63-1, 2**63)
        config["start_seq_id"] = SEQ_ID_MAX - rng.choice((0, 1, 3, 20))
    return config


def _event(rng: random.Random, time: int, producers: int) -> dict[str, Any]:
    source = rng.choice(SOURCES)
    named = source in ("market_data", "broker_report") or rng.random() < 0.5
    event_type = EVENT_TYPES[source]
    return {
        "kind": "event",
        "seq_id": None,
        "event_time": time,
        "ingest_time": time + rng.choice((0, 1, 7)),
        "source": source,
        "venue": rng.choice(("a", "b", "\u00e9")) if named else None,
        "instrument": rng.choice(("X", "Y", "Z/USD")) if named else None,
        "event_type": event_type,
        "payload": dict(PAYLOADS[event_type]),
        "idempotency_key": None,
        "producer": rng.randrange(producers),
    }


def make_case(rng: random.Random, length: int) -> tuple[dict[str, Any], list[str]]:
    """``length`` batches; the clock advances slowly so equal times are common."""
    config = draw_config(rng)
    producers = rng.randint(1, 4)
    hostility = rng.choice((0.0, 0.02, 0.1))
    late_rate = rng.choice((0.0, 0.05, 0.2))
    time = rng.choice((0, 1_700_000_000_000))
    steps = []
    for _ in range(length):
        batch: list[Any] = []
        for _ in range(rng.choice((0, 1, 2, 5, 12))):
            time += rng.choice((0, 0, 0, 1, 1000))
            event_time = max(0, time - rng.choice((1, 50, 5000))) if rng.random() < late_rate else time
            event = _event(rng, event_time, producers)
            if hostility and rng.random() < hostility:
                event = mutate(rng, event)
            batch.append(event)
        line = encode(batch)
        if hostility and rng.random() < hostility / 2:
            line = garbage_line(rng, line)
        steps.append(line)
    # swap-restores at positions the rng picks: the watermark and next_seq_id cross backends
    for position in sorted((rng.randrange(len(steps) + 1) for _ in range(rng.choice((0, 1, 3)))), reverse=True):
        steps.insert(position, restore_edit(rng.randrange(2**32)) if rng.random() < 0.5 else SWAP_RESTORE)
    return config, steps


def sequencer_cases(max_length: int = 40) -> st.SearchStrategy[tuple[dict[str, Any], list[str]]]:
    """The same generator driven by a Hypothesis-controlled random."""
    return st.builds(make_case, st.randoms(use_true_random=False), st.integers(min_value=1, max_value=max_length))
