"""Hand-written documents against every contract (DESIGN.md section 5).

Each VALID document must have no problem. Each INVALID document has exactly one
defect, and ``validation.problems`` must point at it (JSON Pointer, RFC 6901) with a
reason; ``validate_or_raise`` must raise ``InvalidPayload`` carrying the same field.
The documents are written from DESIGN.md, not from validator output.
"""

from __future__ import annotations

import copy

import pytest

from cracktrader.engine import validation
from cracktrader.engine.errors import InvalidPayload

T0 = 1_700_000_000_000
HASH = "0123456789abcdef" * 4

PAYLOADS = {
    "bar": ("market_data", {"open": "100", "high": "101.5", "low": 99, "close": 100.25, "volume": "12.5", "timeframe_ms": 60_000}),
    "trade": ("market_data", {"price": "100.1", "amount": "0.25", "side": "buy", "trade_id": "t-1"}),
    "order_accepted": ("broker_report", {"order_id": "o-1"}),
    "order_rejected": ("broker_report", {"order_id": "o-1", "reason": "margin"}),
    "order_filled": ("broker_report", {"order_id": "o-1", "fill_id": "f-1", "qty": "0.5", "price": "100", "fee": None}),
    "order_cancelled": ("broker_report", {"order_id": "o-1"}),
    "cancel_rejected": ("broker_report", {"order_id": "o-1", "reason": "too late"}),
    "order_expired": ("broker_report", {"order_id": "o-1"}),
    "timer": ("timer", {"name": "close-of-day"}),
    "kill_switch": ("control", {"enabled": True}),
}


def event(event_type="bar", **changes):
    source, payload = PAYLOADS[event_type]
    document = {
        "kind": "event",
        "seq_id": 1,
        "event_time": T0,
        "ingest_time": T0 + 5,
        "source": source,
        "venue": "binance",
        "instrument": "BTC/USDT",
        "event_type": event_type,
        "payload": copy.deepcopy(payload),
        "idempotency_key": None,
        "producer": 0,
    }
    document.update(changes)
    return document


def with_payload(document, **changes):
    document = copy.deepcopy(document)
    document["payload"].update(changes)
    return document


def without(document, *path):
    document = copy.deepcopy(document)
    target = document
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return document


def changed(document, path, value):
    document = copy.deepcopy(document)
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return document


PLACE = {
    "kind": "intent",
    "seq_id": 2,
    "intent_type": "place_order",
    "payload": {
        "intent_id": "i-1", "order_id": "o-1", "instrument": "BTC/USDT", "venue": "binance",
        "side": "buy", "order_type": "stop_limit", "qty": "1", "limit_price": "101",
        "stop_price": 100.5, "time_in_force": "gtc", "expire_time": None,
        "parent_order_id": None, "oco_group": "bracket-1", "strategy_id": "sma",
    },
}
TRANSITION = {
    "order_id": "o-1", "from": "accepted", "to": "partially_filled", "filled_qty": "0.5",
    "remaining_qty": "0.5", "avg_fill_price": "100", "reason": None,
}
RESULT = {
    "seq_id": 9,
    "accepted": True,
    "code": "ok",
    "transitions": [TRANSITION],
    "fills": [{"order_id": "o-1", "fill_id": "o-1:1", "venue": "binance", "instrument": "BTC/USDT",
               "side": "buy", "qty": "0.5", "price": "100", "fee": "-0.01"}],
    "cash_delta": "-49.99",
    "position_deltas": [{"venue": "binance", "instrument": "BTC/USDT", "size_delta": "0.5", "realized_pnl_delta": "0"}],
    "late": False,
    "diagnostics": [],
}
REFUSED = {
    "seq_id": None, "accepted": False, "code": "invalid_payload", "transitions": [], "fills": [],
    "cash_delta": "0", "position_deltas": [], "late": False,
    "diagnostics": [{"code": "invalid_payload", "field": ""}],
}
ORDER = {
    "order_id": "o-1", "intent_id": "i-1", "strategy_id": "sma", "venue": "binance",
    "instrument": "BTC/USDT", "side": "buy", "order_type": "limit", "qty": "1",
    "limit_price": "100", "stop_price": None, "time_in_force": "gtc", "expire_time": None,
    "parent_order_id": None, "oco_group": None, "state": "partially_filled", "filled_qty": "0.5",
    "avg_fill_price": "100", "fill_notional": "50000000000000000000", "fill_count": 1,
    "submit_seq": 2, "triggered": False, "placed_bar_time": T0,
}
SNAPSHOT = {
    "schema_version": 1,
    "config": {"mode": "simulated", "starting_cash": "10000", "commission_rate": "0.001",
               "late_policy": "reject", "max_order_qty": None, "max_notional": "50000", "allow_short": True},
    "last_seq_id": 9,
    "cash": "9950.01",
    "fees_paid": "-0.01",
    "positions": {"binance": {"BTC/USDT": {"size": "0.5", "avg_price": "100", "realized_pnl": "0"}}},
    "orders": [ORDER],
    "applied_keys": ["fill:binance:o-1:o-1:1"],
    "last_bar": {"binance": {"BTC/USDT": {"time": T0, "open": "100", "high": "101", "low": "99",
                                          "close": "100", "volume": "3", "timeframe_ms": 60_000}}},
    "last_price": {"binance": {"BTC/USDT": {"time": T0, "price": "100"}}},
    "stream_times": {"market_data|binance|BTC/USDT|0": T0},
    "kill_switch": False,
    "risk_flags": {"allow_short": True},
}
STEP = {
    "schema_version": 1, "step": 0, "input": event(), "result": RESULT,
    "violations": [{"code": "cash_mismatch", "seq_id": 9, "order_id": None}], "state_hash": HASH,
}
CHECKPOINT = {
    "schema_version": 1, "created_at": T0, "run_id": "run-1", "mode": "backtest",
    "config_hash": HASH, "data_hash": HASH, "engine_state": SNAPSHOT, "broker_state": {},
    "feed_cursors": {"binance:BTC/USDT": 10}, "risk_state": {}, "strategy_state": {"sma": [1, 2]},
    "cursor": 10, "seed": None, "metadata": {"note": "hand-written"},
}
FIXTURE = {
    "schema_version": 1, "name": "fill-before-accept", "target": "core",
    "description": "a fill report before the acceptance", "config": {"mode": "external"},
    "inputs": ['{"kind":"event","seq_id":1}', "NaN", '{"a":1,"a":2}', '"\\ud800"'],
    "expected": ['{"accepted":false}'], "final_snapshot": None, "final_state_hash": HASH,
    "signature": "core:/code:fill_before_accept", "seed": 42,
}
REPORT = {
    "schema_version": 1, "target": "core", "seed": 42, "backends": ["python", "rust"],
    "step_index": 3, "input": '{"kind":"intent"}', "outputs": ['{"code":"ok"}', None],
    "paths": ["/code"], "signature": "core:/code:ok", "codes": ["ok"],
    "context": [{"step": 2, "input": "{}"}], "replay_command": "python -m parity.replay x.json",
    "fixture_path": None, "kind": "result",
}

# A sequencer batch of two events, the second refused as late (D-153, D-154).
SEQUENCED = {**event(), "seq_id": 7}
SEQUENCER_RESULT = {
    "accepted": True, "code": "ok", "diagnostics": [], "events": [SEQUENCED],
    "results": [
        {"index": 0, "accepted": True, "code": "ok", "seq_id": 7, "late": False, "diagnostics": []},
        {"index": 1, "accepted": False, "code": "late_event", "seq_id": None, "late": True,
         "diagnostics": [{"code": "late_event", "field": "/event_time"}]},
    ],
}
SEQUENCER_SNAPSHOT = {
    "schema_version": 1, "next_seq_id": 8, "last_event_time": T0, "late_policy": "reject",
    "source_priority": ["control", "broker_report", "market_data", "timer"],
}

# The normalizer: one CCXT trade accepted as one event; a rejection names its field.
NORMALIZED = {"accepted": True, "code": "ok", "field": None,
              "events": [{**event("trade"), "seq_id": None,
                          "idempotency_key": "trade:binance:BTC/USDT:t-1"}]}
NORMALIZER_SNAPSHOT = {"schema_version": 1, "outcomes": {
    "ok": 3, "invalid_payload": 0, "invalid_number": 1, "numeric_overflow": 0, "missing_field": 2,
    "unsupported_payload": 0, "invalid_timestamp": 0}}

# The invariant checker's shadow state after one buy of 2 at 100 (commission 0.001).
INVARIANT_ORDER = {
    "order_id": "o-1", "venue": "binance", "instrument": "BTC/USDT", "side": "buy", "order_type": "limit",
    "limit_price": "100", "stop_price": None, "qty": "2", "state": "filled", "filled_qty": "2",
    "remaining_qty": "0", "ledger_filled": "2", "ledger_notional": "200000000000000000000",
    "placed_bar_time": T0, "touched": True,
}
INVARIANT_SNAPSHOT = {
    "schema_version": 1,
    "config": {"mode": "simulated", "starting_cash": "1000", "commission_rate": "0.001", "late_policy": "reject",
               "max_order_qty": None, "max_notional": None, "allow_short": True},
    "enabled": ["cash_mismatch", "fill_outside_bar", "seq_not_monotonic"],
    "last_seq_id": 3, "cash": "799.8", "fees_paid": "0.2",
    "positions": {"binance": {"BTC/USDT": {"size": "2", "avg_price": "100", "realized_pnl": "0"}}},
    "orders": [INVARIANT_ORDER], "applied_keys": ["intent:i-1"],
    "bar_times": {"binance": {"BTC/USDT": T0 + 60_000}},
    "stream_times": {'["market_data","binance","BTC/USDT",0]': T0 + 60_000},
}

VALID = [
    *[("engine_event", event(name)) for name in PAYLOADS],
    ("normalizer_outcome", NORMALIZED),
    ("normalizer_outcome", {"accepted": False, "code": "missing_field", "field": "/payload/timestamp", "events": []}),
    ("normalizer_snapshot", NORMALIZER_SNAPSHOT),
    ("invariant_snapshot", INVARIANT_SNAPSHOT),
    ("invariant_snapshot", {**INVARIANT_SNAPSHOT, "orders": [], "positions": {}, "enabled": []}),
    ("sequencer_result", SEQUENCER_RESULT),
    ("sequencer_result", {"accepted": False, "code": "invalid_payload", "events": [], "results": [],
                          "diagnostics": [{"code": "invalid_payload", "field": ""}]}),
    ("sequencer_snapshot", SEQUENCER_SNAPSHOT),
    ("sequencer_snapshot", {**SEQUENCER_SNAPSHOT, "last_event_time": None, "next_seq_id": 1}),
    ("engine_event", event("order_filled", seq_id=None, idempotency_key="fill:binance:o-1:f-1", producer=3)),
    ("engine_event", event("order_filled", payload={"order_id": "o-1", "fill_id": "f-1", "qty": 1, "price": -2.5, "fee": "-0.1"})),
    ("engine_event", event("timer", venue=None, instrument=None)),
    ("engine_event", event(event_time=0, ingest_time=2**63 - 1)),
    ("engine_event", event(venue="v" * 128)),
    ("engine_intent", PLACE),
    ("engine_intent", changed(PLACE, ("payload", "expire_time"), T0)),
    ("engine_intent", {"kind": "intent", "seq_id": 3, "intent_type": "cancel_order", "payload": {"order_id": "o-1"}}),
    ("engine_intent", {"kind": "intent", "seq_id": 4, "intent_type": "replace_order",
                       "payload": {"order_id": "o-1", "qty": "2", "limit_price": None, "stop_price": None}}),
    ("engine_intent", {"kind": "intent", "seq_id": 5, "intent_type": "set_risk_flag", "payload": {"name": "kill_switch", "value": True}}),
    ("engine_intent", {"kind": "intent", "seq_id": 6, "intent_type": "noop", "payload": {}}),
    ("order_transition", TRANSITION),
    ("order_transition", {**TRANSITION, "from": None, "to": "created", "filled_qty": "0", "remaining_qty": "1", "avg_fill_price": None}),
    ("order_transition", {**TRANSITION, "to": "cancelled", "reason": "oco"}),
    ("transition_result", RESULT),
    ("transition_result", REFUSED),
    ("transition_result", {**REFUSED, "seq_id": 4, "code": "overfill", "diagnostics": [{"code": "overfill", "field": "/payload/qty"}]}),
    ("transition_result", {**RESULT, "code": "duplicate", "transitions": [], "fills": [], "cash_delta": "0", "position_deltas": []}),
    ("execution_step_result", STEP),
    ("execution_step_result", {**STEP, "violations": [], "state_hash": None}),
    ("core_snapshot", SNAPSHOT),
    ("core_snapshot", {**SNAPSHOT, "orders": [], "positions": {}, "last_bar": {}, "last_price": {}, "applied_keys": [], "last_seq_id": 0}),
    ("checkpoint", CHECKPOINT),
    ("checkpoint", without(CHECKPOINT, "metadata")),
    ("parity_fixture", FIXTURE),
    ("parity_fixture", without(without(FIXTURE, "final_snapshot"), "seed")),
    ("divergence_report", REPORT),
]


@pytest.mark.parametrize(("contract", "document"), VALID, ids=[f"{c}-{i}" for i, (c, _) in enumerate(VALID)])
def test_valid_documents(contract, document):
    assert validation.problems(contract, document) == []
    validation.validate_or_raise(contract, document)
    assert getattr(validation, f"validate_{contract}")(document) == []


INVALID = [
    ("invariant_snapshot", {**INVARIANT_SNAPSHOT, "enabled": ["no_such_invariant"]}, "/enabled/0"),
    ("invariant_snapshot", {**INVARIANT_SNAPSHOT, "orders": [{**INVARIANT_ORDER, "ledger_notional": "1.5"}]},
     "/orders/0/ledger_notional"),
    ("normalizer_outcome", {**NORMALIZED, "field": "/payload/price"}, "/field"),
    ("normalizer_outcome", {"accepted": False, "code": "ok", "field": "/payload", "events": []}, "/code"),
    ("normalizer_snapshot", {**NORMALIZER_SNAPSHOT, "outcomes": {**NORMALIZER_SNAPSHOT["outcomes"], "ok": -1}},
     "/outcomes/ok"),
    ("sequencer_result", {**SEQUENCER_RESULT, "code": "late_event"}, "/code"),
    ("sequencer_result", {**SEQUENCER_RESULT, "events": [{**SEQUENCED, "seq_id": 0}]}, "/events/0/seq_id"),
    ("sequencer_snapshot", {**SEQUENCER_SNAPSHOT, "next_seq_id": 0}, "/next_seq_id"),
    ("sequencer_snapshot", {**SEQUENCER_SNAPSHOT, "source_priority": ["control", "control", "timer", "market_data"]},
     "/source_priority"),
    # engine_event: envelope
    ("engine_event", {**event(), "extra": 1}, ""),
    ("engine_event", without(event(), "producer"), ""),
    ("engine_event", event(kind="intent"), "/kind"),
    ("engine_event", event(seq_id=0), "/seq_id"),
    ("engine_event", event(seq_id="1"), "/seq_id"),
    ("engine_event", event(event_time=-1), "/event_time"),
    ("engine_event", event(event_time=2**63), "/event_time"),
    ("engine_event", event(ingest_time=1.5), "/ingest_time"),
    ("engine_event", event(source="exchange"), "/source"),
    ("engine_event", event(source="broker_report"), "/source"),  # a bar is market data
    ("engine_event", event(venue=""), "/venue"),
    ("engine_event", event(venue="v" * 129), "/venue"),
    ("engine_event", event(instrument="BTC\x00USDT"), "/instrument"),
    ("engine_event", event(instrument="BTC\x85USDT"), "/instrument"),  # C1 control
    ("engine_event", event(instrument="BTC/USDT\n"), "/instrument"),  # Python's $ trap
    ("engine_event", changed(event(), ("event_type",), "candle"), "/event_type"),
    ("engine_event", event(idempotency_key=7), "/idempotency_key"),
    ("engine_event", event(producer=-1), "/producer"),
    ("engine_event", event(producer=True), "/producer"),
    ("engine_event", event(payload=[]), "/payload"),
    # engine_event: payloads
    ("engine_event", without(event(), "payload", "volume"), "/payload"),
    ("engine_event", with_payload(event(), vwap="1"), "/payload"),
    ("engine_event", with_payload(event(), timeframe_ms=0), "/payload/timeframe_ms"),
    ("engine_event", with_payload(event(), open=None), "/payload/open"),
    ("engine_event", with_payload(event(), close=True), "/payload/close"),
    ("engine_event", with_payload(event(), high=["1"]), "/payload/high"),
    ("engine_event", with_payload(event("trade"), side="hold"), "/payload/side"),
    ("engine_event", with_payload(event("trade"), trade_id=""), "/payload/trade_id"),
    ("engine_event", with_payload(event("order_filled"), qty=None), "/payload/qty"),
    ("engine_event", without(event("order_filled"), "payload", "fee"), "/payload"),
    ("engine_event", with_payload(event("kill_switch"), enabled="yes"), "/payload/enabled"),
    ("engine_event", with_payload(event("timer"), name="x" * 129), "/payload/name"),
    ("engine_event", event("order_accepted", payload={"order_id": "o-1", "fill_id": "f"}), "/payload"),
    # engine_intent
    ("engine_intent", {**PLACE, "seq_id": None}, "/seq_id"),
    ("engine_intent", {**PLACE, "kind": "event"}, "/kind"),
    ("engine_intent", {**PLACE, "intent_type": "modify_order"}, "/intent_type"),
    ("engine_intent", {**PLACE, "idempotency_key": None}, ""),
    ("engine_intent", changed(PLACE, ("payload", "order_type"), "iceberg"), "/payload/order_type"),
    ("engine_intent", changed(PLACE, ("payload", "time_in_force"), "day"), "/payload/time_in_force"),
    ("engine_intent", changed(PLACE, ("payload", "expire_time"), -5), "/payload/expire_time"),
    ("engine_intent", changed(PLACE, ("payload", "side"), "short"), "/payload/side"),
    ("engine_intent", without(PLACE, "payload", "strategy_id"), "/payload"),
    ("engine_intent", {"kind": "intent", "seq_id": 6, "intent_type": "noop", "payload": {"x": 1}}, "/payload"),
    ("engine_intent", {"kind": "intent", "seq_id": 5, "intent_type": "set_risk_flag",
                       "payload": {"name": "max_leverage", "value": True}}, "/payload/name"),
    ("engine_intent", {"kind": "intent", "seq_id": 3, "intent_type": "cancel_order", "payload": {}}, "/payload"),
    # order_transition: decimals are canonical strings, never numbers
    ("order_transition", {**TRANSITION, "filled_qty": 0.5}, "/filled_qty"),
    ("order_transition", {**TRANSITION, "filled_qty": "0.50"}, "/filled_qty"),
    ("order_transition", {**TRANSITION, "filled_qty": "-0"}, "/filled_qty"),
    ("order_transition", {**TRANSITION, "remaining_qty": "05"}, "/remaining_qty"),
    ("order_transition", {**TRANSITION, "remaining_qty": "0.5\n"}, "/remaining_qty"),
    ("order_transition", {**TRANSITION, "remaining_qty": " 0.5"}, "/remaining_qty"),
    ("order_transition", {**TRANSITION, "remaining_qty": "1e3"}, "/remaining_qty"),
    ("order_transition", {**TRANSITION, "avg_fill_price": ".5"}, "/avg_fill_price"),
    ("order_transition", {**TRANSITION, "to": "open"}, "/to"),
    ("order_transition", {**TRANSITION, "from": "new"}, "/from"),
    ("order_transition", {**TRANSITION, "reason": "whim"}, "/reason"),
    ("order_transition", without(TRANSITION, "reason"), ""),
    # transition_result
    ("transition_result", {**RESULT, "code": "maybe"}, "/code"),
    ("transition_result", {**RESULT, "accepted": "true"}, "/accepted"),
    ("transition_result", {**RESULT, "cash_delta": "1e5"}, "/cash_delta"),
    ("transition_result", changed(RESULT, ("transitions", 0, "to"), "done"), "/transitions/0/to"),
    ("transition_result", changed(RESULT, ("fills", 0, "fee"), 0.01), "/fills/0/fee"),
    ("transition_result", changed(RESULT, ("position_deltas", 0, "size_delta"), "+0.5"), "/position_deltas/0/size_delta"),
    ("transition_result", {**REFUSED, "diagnostics": [{"code": "invalid_payload", "field": "", "message": "bad"}]}, "/diagnostics/0"),
    ("transition_result", {**REFUSED, "diagnostics": [{"code": "oops", "field": ""}]}, "/diagnostics/0/code"),
    ("transition_result", without(RESULT, "late"), ""),
    # execution_step_result
    ("execution_step_result", {**STEP, "schema_version": 2}, "/schema_version"),
    ("execution_step_result", {**STEP, "state_hash": HASH.upper()}, "/state_hash"),
    ("execution_step_result", {**STEP, "state_hash": HASH + "\n"}, "/state_hash"),
    ("execution_step_result", {**STEP, "step": -1}, "/step"),
    ("execution_step_result", changed(STEP, ("violations", 0, "code"), "bad"), "/violations/0/code"),
    ("execution_step_result", without(STEP, "result", "accepted"), "/result"),
    # core_snapshot
    ("core_snapshot", without(SNAPSHOT, "schema_version"), ""),
    ("core_snapshot", changed(SNAPSHOT, ("last_seq_id",), -1), "/last_seq_id"),
    ("core_snapshot", changed(SNAPSHOT, ("config", "mode"), "paper"), "/config/mode"),
    ("core_snapshot", changed(SNAPSHOT, ("config", "late_policy"), "drop"), "/config/late_policy"),
    ("core_snapshot", changed(SNAPSHOT, ("positions", "binance", "BTC/USDT", "size"), 0.5), "/positions/binance/BTC~1USDT/size"),
    ("core_snapshot", changed(SNAPSHOT, ("positions", "binance", "BTC/USDT", "fees"), "0"), "/positions/binance/BTC~1USDT"),
    ("core_snapshot", changed(SNAPSHOT, ("last_bar", "binance", "a~b"), {"time": T0}), "/last_bar/binance/a~0b"),
    ("core_snapshot", changed(SNAPSHOT, ("orders", 0, "fill_notional"), "50.5"), "/orders/0/fill_notional"),
    ("core_snapshot", changed(SNAPSHOT, ("orders", 0, "fill_notional"), "-0"), "/orders/0/fill_notional"),
    ("core_snapshot", changed(SNAPSHOT, ("orders", 0, "state"), "open"), "/orders/0/state"),
    ("core_snapshot", changed(SNAPSHOT, ("orders", 0, "submit_seq"), 0), "/orders/0/submit_seq"),
    ("core_snapshot", changed(SNAPSHOT, ("orders", 0, "venue_order_id"), "x"), "/orders/0"),
    ("core_snapshot", changed(SNAPSHOT, ("stream_times", "timer|||0"), -1), "/stream_times/timer|||0"),
    ("core_snapshot", changed(SNAPSHOT, ("risk_flags", "max_leverage"), True), "/risk_flags"),
    # checkpoint
    ("checkpoint", {**CHECKPOINT, "config_hash": "abc"}, "/config_hash"),
    ("checkpoint", {**CHECKPOINT, "mode": "replay"}, "/mode"),
    ("checkpoint", changed(CHECKPOINT, ("engine_state", "cash"), "ten"), "/engine_state/cash"),
    ("checkpoint", without(CHECKPOINT, "cursor"), ""),
    ("checkpoint", {**CHECKPOINT, "seed": "42"}, "/seed"),
    # parity_fixture
    ("parity_fixture", {**FIXTURE, "inputs": [{"kind": "event"}]}, "/inputs/0"),
    ("parity_fixture", {**FIXTURE, "target": "engine"}, "/target"),
    ("parity_fixture", {**FIXTURE, "name": ""}, "/name"),
    ("parity_fixture", {**FIXTURE, "final_state_hash": "xyz"}, "/final_state_hash"),
    ("parity_fixture", without(FIXTURE, "expected"), ""),
    # divergence_report
    ("divergence_report", {**REPORT, "backends": ["python"]}, "/backends"),
    ("divergence_report", {**REPORT, "kind": "crash"}, "/kind"),
    ("divergence_report", {**REPORT, "outputs": ['{"code":"ok"}', 1]}, "/outputs/1"),
    ("divergence_report", {**REPORT, "step_index": -1}, "/step_index"),
    ("divergence_report", without(REPORT, "replay_command"), ""),
]


@pytest.mark.parametrize(
    ("contract", "document", "path"),
    INVALID,
    ids=[f"{c}-{i}:{p or '/'}" for i, (c, _, p) in enumerate(INVALID)],
)
def test_invalid_documents_point_at_the_defect(contract, document, path):
    found = validation.problems(contract, document)
    assert found, "the invalid document was accepted"
    assert {pointer for pointer, _ in found} == {path}, found
    assert all(reason for _, reason in found)
    with pytest.raises(InvalidPayload) as info:
        validation.validate_or_raise(contract, document)
    assert info.value.field == path
    assert (path or "/") in str(info.value)


def test_every_contract_has_valid_and_invalid_documents():
    contracts = set(validation.CONTRACTS)
    assert {c for c, _ in VALID} == contracts
    assert {c for c, _, _ in INVALID} == contracts


def test_problems_reports_every_defect_sorted():
    document = event(seq_id=0, venue="")
    assert [path for path, _ in validation.problems("engine_event", document)] == ["/seq_id", "/venue"]
