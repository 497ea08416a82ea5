"""Python and Rust sequencers produce the same canonical bytes (DESIGN.md section 11)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sequencer_strategies import (
    RAW_LINES,
    SETTINGS,
    events,
    hostile,
    jsonl_line,
    make_event,
    sequencer_options,
    timed_batches,
)

from cracktrader.engine import build_sequencer
from cracktrader.engine.canonical import canonical_bytes
from cracktrader.engine.errors import CracktraderError

pytestmark = [pytest.mark.parity, pytest.mark.usefixtures("require_rust")]


def _pair(**options):
    return build_sequencer("python", **options), build_sequencer("rust", **options)


@st.composite
def multi_producer_batches(draw: st.DrawFn) -> list:
    """Batches mixing producers, ties, nulls, late events and hostile entries."""
    batches = draw(timed_batches())
    # Whole-batch hostility: a few batches are not lists at all.
    for _ in range(draw(st.integers(0, 2))):
        position = draw(st.integers(0, len(batches)))
        batches.insert(position, draw(st.sampled_from([None, {}, "[]", 5, (make_event(1),)])))
    return batches


@SETTINGS
@given(batches=multi_producer_batches(), options=sequencer_options)
def test_apply_batch_bytes_match(batches: list, options: dict) -> None:
    py, rs = _pair(**options)
    assert canonical_bytes(rs.apply_batch(batches)) == canonical_bytes(py.apply_batch(batches))
    assert rs.snapshot() == py.snapshot()
    assert rs.state_hash() == py.state_hash()


@SETTINGS
@given(batches=multi_producer_batches(), options=sequencer_options)
def test_single_apply_matches_step_by_step(batches: list, options: dict) -> None:
    py, rs = _pair(**options)
    for batch in batches:
        assert canonical_bytes(rs.apply(batch)) == canonical_bytes(py.apply(batch))
        assert rs.state_hash() == py.state_hash()


@SETTINGS
@given(
    lines=st.lists(
        st.one_of(multi_producer_batches().map(lambda bs: jsonl_line(bs[0] if bs else [])), st.sampled_from(RAW_LINES)),
        max_size=8,
    ),
    options=sequencer_options,
    trailing_newline=st.booleans(),
)
def test_apply_jsonl_bytes_match(lines: list, options: dict, trailing_newline: bool) -> None:
    data = b"\n".join(lines) + (b"\n" if trailing_newline else b"")
    py, rs = _pair(**options)
    assert rs.apply_jsonl(data) == py.apply_jsonl(data)
    assert rs.state_hash() == py.state_hash()


@SETTINGS
@given(batches=st.lists(st.lists(st.one_of(events(), hostile()), max_size=10), max_size=6), data=st.data())
def test_snapshots_cross_backends(batches: list, data) -> None:
    cut = data.draw(st.integers(0, len(batches)))
    direction = data.draw(st.sampled_from(["python->rust", "rust->python"]))
    options = data.draw(sequencer_options)
    source_backend, target_backend = direction.split("->")
    reference = build_sequencer("python", **options)
    expected = reference.apply_batch(batches)
    source = build_sequencer(source_backend, **options)
    head = source.apply_batch(batches[:cut])
    target = build_sequencer(target_backend)
    target.restore(source.snapshot())
    assert target.state_hash() == source.state_hash()
    tail = target.apply_batch(batches[cut:])
    assert canonical_bytes(head + tail) == canonical_bytes(expected)
    assert target.state_hash() == reference.state_hash()


def _outcome(call):
    try:
        return ("ok", canonical_bytes(call()))
    except CracktraderError as exc:
        return (type(exc).__name__, getattr(exc, "field", None))


ODD_OPTIONS = [
    {"late_policy": "later"}, {"late_policy": 1}, {"late_policy": None}, {"late_policy": ["accept"]},
    {"source_priority": ("timer", "control", "market_data", "broker_report")},
    {"source_priority": ["timer", "control", "market_data"]}, {"source_priority": "timer"},
    {"source_priority": ["timer", "control", "market_data", "\ud800"]},
    {"start_seq_id": 0}, {"start_seq_id": 2**63 - 1}, {"start_seq_id": 2**63}, {"start_seq_id": 2**200},
    {"start_seq_id": True}, {"start_seq_id": 3.0}, {"start_seq_id": None},
]


@pytest.mark.parametrize("options", ODD_OPTIONS)
def test_options_behave_the_same(options: dict) -> None:
    assert _outcome(lambda: build_sequencer("rust", **options).snapshot()) == _outcome(
        lambda: build_sequencer("python", **options).snapshot()
    )


ODD_SNAPSHOTS = [
    None, [], {}, {1: 2}, {"\ud800": 1},
    {"schema_version": 1, "next_seq_id": 2**63, "last_event_time": 2**63 - 1, "late_policy": "accept",
     "source_priority": ["timer", "market_data", "control", "broker_report"]},
    {"schema_version": 1, "next_seq_id": 2**200, "last_event_time": None, "late_policy": "accept",
     "source_priority": ["timer", "market_data", "control", "broker_report"]},
    {"schema_version": 1, "next_seq_id": 1, "last_event_time": None, "late_policy": "accept",
     "source_priority": ("timer", "market_data", "control", "broker_report")},
    {"schema_version": 1.0, "next_seq_id": 1, "last_event_time": None, "late_policy": "accept",
     "source_priority": ["timer", "market_data", "control", "broker_report"]},
]


@pytest.mark.parametrize("snapshot", ODD_SNAPSHOTS)
def test_restore_behaves_the_same(snapshot: object) -> None:
    def run(backend: str):
        seq = build_sequencer(backend)
        seq.restore(snapshot)
        return seq.snapshot()

    assert _outcome(lambda: run("rust")) == _outcome(lambda: run("python"))
