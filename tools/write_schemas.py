"""Generator of the contracts in cracktrader/schemas/*.json (docs/schemas.md).

The JSON files are the contract and are committed; this script writes them so the
shared pieces ($defs for decimals, identifiers, timestamps, the closed code lists) are
written once. To change a contract: edit this file, run it, and commit the script and
the regenerated files together (both backends change in the same commit).
``--check`` writes nothing and exits 1 when the committed files differ from what the
script would write (tests/contracts/test_schemas.py runs the same comparison).
"""

import argparse
import sys
import json
import pathlib

BASE = "https://cracktrader.dev/schemas/v1/"
OUT = pathlib.Path(__file__).resolve().parent.parent / "cracktrader" / "schemas"

ERROR_PRECEDENCE = [
    "invalid_payload", "invalid_number", "numeric_overflow", "out_of_sequence",
    "late_event", "duplicate", "unknown_order", "duplicate_order_id",
    "illegal_transition", "fill_before_accept", "overfill", "kill_switch",
    "risk_limit", "insufficient_position", "insufficient_cash",
]
NORMALIZER_CODES = ["missing_field", "unsupported_payload", "invalid_timestamp"]
TRANSITION_REASONS = [
    "insufficient_cash", "time_in_force", "oco", "parent_ended", "parent_filled", "expire_time",
]
# Order = docs/invariants.md; the checker reports them under these names (both backends).
INVARIANT_CODES = [
    "malformed_step", "refused_with_effects", "seq_not_monotonic", "seq_mismatch",
    "event_time_regressed", "idempotency_reused", "false_duplicate", "fill_before_accept",
    "terminal_state_changed", "state_mismatch", "illegal_transition", "filled_decreased",
    "remaining_increased", "qty_changed", "overfilled", "filled_mismatch",
    "avg_price_mismatch", "fill_mismatch", "fees_mismatch", "cash_mismatch",
    "position_mismatch", "negative_cash", "ledger_overflow", "fill_outside_bar",
    "limit_price_violated", "stop_not_triggered", "filled_on_placement_bar",
]
# Feed counters (docs/feeds.md, D-203/D-204): reasons a tick, row or frame was dropped,
# plus the reorder buffer's replaced duplicates.
FEED_CODES = [
    "trade_out_of_order_dropped", "missing_field", "invalid_number", "numeric_overflow",
    "invalid_timestamp", "invalid_side", "not_an_object", "not_a_row", "invalid_json",
    "duplicate_candle_replaced", "trade_duplicate_dropped", "invalid_trade_id",
    "volume_overflow_dropped", "invalid_frame", "exchange_error",
]
# The `code` of each exception class in cracktrader/engine/errors.py (misuse, not data).
EXCEPTION_CODES = [
    "invalid_payload", "invalid_number", "numeric_overflow", "invalid_config",
    "backend_unavailable", "internal_error",
]
# Replay-log / checkpoint / recovery refusals (cracktrader.engine.durable.RECOVERY_CODES)
# and the warnings a recovery reports (fatal only under --strict). docs/decisions.md D-371.
RECOVERY_CODES = [
    "checkpoint_unreadable", "checkpoint_corrupt", "checkpoint_invalid",
    "checkpoint_version_unsupported", "replay_log_unreadable", "replay_log_corrupt",
    "replay_log_header_invalid", "replay_log_behind_checkpoint", "checkpoint_log_mismatch",
    "start_step_invalid", "replay_diverged", "strict_warning",
]
RECOVERY_WARNINGS = ["replay_log_torn_tail", "replay_log_unclosed", "steps_skipped"]
STATES = [
    "created", "submitted", "accepted", "partially_filled", "filled", "cancel_pending",
    "cancelled", "rejected", "expired",
]


def whole(body):
    """A pattern that must match the whole string.

    jsonschema runs patterns with Python's ``re.search``, where ``$`` also matches
    before a final newline ("1\\n" would pass as a decimal); the lookahead forbids
    that and changes nothing under ECMA-262, where ``$`` is already the end.
    """
    return f"^(?:{body})$(?![\\s\\S])"


HASH_PATTERN = whole("[0-9a-f]{64}")


def ref(name, anchor):
    return {"$ref": f"{name}.json#/$defs/{anchor}"}


def doc(name, title, body):
    out = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": BASE + name + ".json",
           "title": title}
    out.update(body)
    return out


def obj(props, required=None, **extra):
    out = {"type": "object", "additionalProperties": False, "properties": props,
           "required": list(props) if required is None else required}
    out.update(extra)
    return out


DEC = ref("common", "decimal")
DEC_OR_NULL = ref("common", "decimal_or_null")
ID = ref("common", "identifier")
ID_OR_NULL = ref("common", "identifier_or_null")
TS = ref("common", "timestamp_ms")
TS_OR_NULL = ref("common", "timestamp_ms_or_null")
NUM_IN = ref("common", "number_input")
NUM_IN_OR_NULL = ref("common", "number_input_or_null")
SEQ = ref("common", "seq_id")
STATE = ref("common", "order_state")


def build():
    schemas = {}
    schemas["codes"] = doc("codes", "The one closed list of result, error, reason and invariant codes", {
        "description": "Both backends import these lists; error_code is in precedence order (first wins).",
        "$defs": {
            "error_code": {"enum": ERROR_PRECEDENCE},
            "result_code": {"enum": ["ok", "duplicate"] + [c for c in ERROR_PRECEDENCE if c != "duplicate"]},
            "diagnostic_code": {"enum": ERROR_PRECEDENCE + NORMALIZER_CODES + ["late"]},
            "normalizer_code": {"enum": ["invalid_payload", "invalid_number", "numeric_overflow"] + NORMALIZER_CODES},
            "transition_reason": {"enum": TRANSITION_REASONS},
            "invariant_code": {"enum": INVARIANT_CODES},
            "feed_code": {"enum": FEED_CODES},
            "exception_code": {"enum": EXCEPTION_CODES},
            "recovery_code": {"enum": RECOVERY_CODES},
            "recovery_warning": {"enum": RECOVERY_WARNINGS},
        },
    })
    schemas["common"] = doc("common", "Shared value shapes", {
        "$defs": {
            "decimal": {"type": "string", "pattern": whole(r"0|-?(0\.[0-9]*[1-9]|[1-9][0-9]*(\.[0-9]*[1-9])?)"),
                        "description": "canonical fixed-point decimal (DESIGN.md section 4); never -0"},
            "decimal_or_null": {"anyOf": [{"$ref": "#/$defs/decimal"}, {"type": "null"}]},
            "number_input": {"anyOf": [{"type": "number"}, {"type": "string"}],
                             "description": "an input number: JSON number or decimal string"},
            "number_input_or_null": {"anyOf": [{"$ref": "#/$defs/number_input"}, {"type": "null"}]},
            "identifier": {"type": "string", "minLength": 1, "maxLength": 128,
                           "pattern": whole(r"[^\u0000-\u001f\u007f-\u009f]+")},
            "identifier_or_null": {"anyOf": [{"$ref": "#/$defs/identifier"}, {"type": "null"}]},
            "timestamp_ms": {"type": "integer", "minimum": 0, "maximum": 9223372036854775807},
            "timestamp_ms_or_null": {"anyOf": [{"$ref": "#/$defs/timestamp_ms"}, {"type": "null"}]},
            "seq_id": {"type": "integer", "minimum": 1, "maximum": 9223372036854775807},
            "order_state": {"enum": STATES},
            "side": {"enum": ["buy", "sell"]},
            "diagnostic": obj({"code": ref("codes", "diagnostic_code"), "field": {"type": "string"}}),
        },
    })

    payloads = {
        "bar": obj({"open": NUM_IN, "high": NUM_IN, "low": NUM_IN, "close": NUM_IN, "volume": NUM_IN,
                    "timeframe_ms": {"type": "integer", "minimum": 1, "maximum": 9223372036854775807}}),
        "trade": obj({"price": NUM_IN, "amount": NUM_IN, "side": ref("common", "side"), "trade_id": ID}),
        "order_accepted": obj({"order_id": ID}),
        "order_rejected": obj({"order_id": ID, "reason": ID}),
        "order_filled": obj({"order_id": ID, "fill_id": ID, "qty": NUM_IN, "price": NUM_IN, "fee": NUM_IN_OR_NULL}),
        "order_cancelled": obj({"order_id": ID}),
        "cancel_rejected": obj({"order_id": ID, "reason": ID}),
        "order_expired": obj({"order_id": ID}),
        "timer": obj({"name": ID}),
        "kill_switch": obj({"enabled": {"type": "boolean"}}),
    }
    event_sources = {
        "bar": "market_data", "trade": "market_data", "timer": "timer", "kill_switch": "control",
    }
    variants = []
    for event_type, payload in payloads.items():
        source = event_sources.get(event_type, "broker_report")
        variants.append({
            "if": {"properties": {"event_type": {"const": event_type}}, "required": ["event_type"]},
            "then": {"properties": {"payload": {"$ref": f"#/$defs/{event_type}_payload"},
                                    "source": {"const": source}}},
        })
    schemas["engine_event"] = doc("engine_event", "An engine event: market data, broker report, timer or control", {
        **obj({
            "kind": {"const": "event"},
            "seq_id": {"anyOf": [SEQ, {"type": "null"}], "description": "null until the sequencer assigns it"},
            "event_time": TS, "ingest_time": TS,
            "source": {"enum": ["market_data", "broker_report", "timer", "control"]},
            "venue": ID_OR_NULL, "instrument": ID_OR_NULL,
            "event_type": {"enum": list(payloads)},
            "payload": {"type": "object"},
            "idempotency_key": ID_OR_NULL,
            "producer": {"type": "integer", "minimum": 0, "maximum": 9223372036854775807},
        }),
        "allOf": variants,
        "$defs": {f"{name}_payload": body for name, body in payloads.items()},
    })

    intents = {
        "place_order": obj({
            "intent_id": ID, "order_id": ID, "instrument": ID, "venue": ID,
            "side": ref("common", "side"),
            "order_type": {"enum": ["market", "limit", "stop", "stop_limit"]},
            "qty": NUM_IN, "limit_price": NUM_IN_OR_NULL, "stop_price": NUM_IN_OR_NULL,
            "time_in_force": {"enum": ["gtc", "ioc", "fok"]},
            "expire_time": TS_OR_NULL, "parent_order_id": ID_OR_NULL, "oco_group": ID_OR_NULL,
            "strategy_id": ID,
        }),
        "cancel_order": obj({"order_id": ID}),
        "replace_order": obj({"order_id": ID, "qty": NUM_IN_OR_NULL, "limit_price": NUM_IN_OR_NULL,
                              "stop_price": NUM_IN_OR_NULL}),
        "set_risk_flag": obj({"name": {"enum": ["kill_switch", "allow_short"]}, "value": {"type": "boolean"}}),
        "noop": obj({}),
    }
    schemas["engine_intent"] = doc("engine_intent", "A strategy intent for the core", {
        **obj({"kind": {"const": "intent"}, "seq_id": SEQ, "intent_type": {"enum": list(intents)},
               "payload": {"type": "object"}}),
        "allOf": [{"if": {"properties": {"intent_type": {"const": name}}, "required": ["intent_type"]},
                   "then": {"properties": {"payload": {"$ref": f"#/$defs/{name}_payload"}}}}
                  for name in intents],
        "$defs": {f"{name}_payload": body for name, body in intents.items()},
    })

    schemas["order_transition"] = doc("order_transition", "One order state change inside a result", obj({
        "order_id": ID, "from": {"anyOf": [STATE, {"type": "null"}]}, "to": STATE,
        "filled_qty": DEC, "remaining_qty": DEC, "avg_fill_price": DEC_OR_NULL,
        "reason": {"anyOf": [ref("codes", "transition_reason"), {"type": "null"}]},
    }))
    fill = obj({"order_id": ID, "fill_id": ID, "venue": ID, "instrument": ID,
                "side": ref("common", "side"), "qty": DEC, "price": DEC, "fee": DEC})
    position_delta = obj({"venue": ID, "instrument": ID, "size_delta": DEC, "realized_pnl_delta": DEC})
    schemas["transition_result"] = doc("transition_result", "What one input did to a core", {
        **obj({
            "seq_id": {"anyOf": [SEQ, {"type": "null"}],
                       "description": "the input's seq_id when it is a valid seq_id, else null"},
            "accepted": {"type": "boolean"},
            "code": ref("codes", "result_code"),
            "transitions": {"type": "array", "items": {"$ref": "order_transition.json"}},
            "fills": {"type": "array", "items": {"$ref": "#/$defs/fill"}},
            "cash_delta": DEC,
            "position_deltas": {"type": "array", "items": {"$ref": "#/$defs/position_delta"}},
            "late": {"type": "boolean"},
            "diagnostics": {"type": "array", "items": ref("common", "diagnostic")},
        }),
        "$defs": {"fill": fill, "position_delta": position_delta},
    })

    violation = obj({"code": ref("codes", "invariant_code"), "seq_id": {"anyOf": [SEQ, {"type": "null"}]},
                     "order_id": ID_OR_NULL})
    schemas["execution_step_result"] = doc("execution_step_result", "One committed step as logged and checked", {
        **obj({
            "schema_version": {"const": 1},
            "step": {"type": "integer", "minimum": 0},
            "input": {"type": "object"},
            "result": {"$ref": "transition_result.json"},
            "violations": {"type": "array", "items": {"$ref": "#/$defs/violation"}},
            "state_hash": {"anyOf": [{"type": "string", "pattern": HASH_PATTERN}, {"type": "null"}]},
        }),
        "$defs": {"violation": violation},
    })

    config = obj({
        "mode": {"enum": ["simulated", "external"]},
        "starting_cash": DEC, "commission_rate": DEC,
        "late_policy": {"enum": ["reject", "accept"]},
        "max_order_qty": DEC_OR_NULL, "max_notional": DEC_OR_NULL, "allow_short": {"type": "boolean"},
    })
    order = obj({
        "order_id": ID, "intent_id": ID, "strategy_id": ID, "venue": ID, "instrument": ID,
        "side": ref("common", "side"), "order_type": {"enum": ["market", "limit", "stop", "stop_limit"]},
        "qty": DEC, "limit_price": DEC_OR_NULL, "stop_price": DEC_OR_NULL,
        "time_in_force": {"enum": ["gtc", "ioc", "fok"]}, "expire_time": TS_OR_NULL,
        "parent_order_id": ID_OR_NULL, "oco_group": ID_OR_NULL, "state": STATE,
        "filled_qty": DEC, "avg_fill_price": DEC_OR_NULL,
        "fill_notional": {"type": "string", "pattern": whole(r"0|-?[1-9][0-9]*"),
                          "description": "sum of qty x price raws, exact (scale 10^18)"},
        "fill_count": {"type": "integer", "minimum": 0}, "submit_seq": SEQ,
        "triggered": {"type": "boolean"}, "placed_bar_time": TS_OR_NULL,
    })
    position = obj({"size": DEC, "avg_price": DEC, "realized_pnl": DEC})
    bar = obj({"time": TS, "open": DEC, "high": DEC, "low": DEC, "close": DEC, "volume": DEC,
               "timeframe_ms": {"type": "integer", "minimum": 1}})
    price_at = obj({"time": TS, "price": DEC})

    def nested(item):
        return {"type": "object", "additionalProperties": {"type": "object", "additionalProperties": item}}

    schemas["core_snapshot"] = doc("core_snapshot", "All state a core needs to continue identically", {
        **obj({
            "schema_version": {"const": 1},
            "config": {"$ref": "#/$defs/config"},
            "last_seq_id": {"type": "integer", "minimum": 0},
            "cash": DEC, "fees_paid": DEC,
            "positions": nested({"$ref": "#/$defs/position"}),
            "orders": {"type": "array", "items": {"$ref": "#/$defs/order"},
                       "description": "ordered by submit_seq"},
            "applied_keys": {"type": "array", "items": {"type": "string"}, "description": "sorted"},
            "last_bar": nested({"$ref": "#/$defs/bar"}),
            "last_price": nested({"$ref": "#/$defs/price_at"}),
            "stream_times": {"type": "object", "additionalProperties": TS,
                             "description": "last event_time per stream key source|venue|instrument|producer"},
            "kill_switch": {"type": "boolean"},
            "risk_flags": obj({"allow_short": {"type": "boolean"}}),
        }),
        "$defs": {"config": config, "order": order, "position": position, "bar": bar, "price_at": price_at},
    })

    shadow_order = obj({
        "order_id": ID, "venue": ID_OR_NULL, "instrument": ID_OR_NULL,
        "side": {"anyOf": [ref("common", "side"), {"type": "null"}]},
        "order_type": {"enum": ["market", "limit", "stop", "stop_limit", None]},
        "limit_price": DEC_OR_NULL, "stop_price": DEC_OR_NULL,
        "qty": {"anyOf": [DEC, {"type": "null"}], "description": "null when unknown (overflow)"},
        "state": STATE, "filled_qty": DEC, "remaining_qty": DEC,
        "ledger_filled": DEC,
        "ledger_notional": {"type": "string", "pattern": whole(r"0|-?[1-9][0-9]*"),
                            "description": "sum of fill qty x price raws, exact (scale 10^18)"},
        "placed_bar_time": TS_OR_NULL, "touched": {"type": "boolean"},
    })
    schemas["invariant_snapshot"] = doc("invariant_snapshot", "The invariant checker's shadow state", {
        **obj({
            "schema_version": {"const": 1},
            "config": {"$ref": "core_snapshot.json#/$defs/config"},
            "enabled": {"type": "array", "items": ref("codes", "invariant_code"), "uniqueItems": True,
                        "description": "sorted"},
            "last_seq_id": {"type": "integer", "minimum": 0, "maximum": 9223372036854775807},
            "cash": DEC, "fees_paid": DEC,
            "positions": nested({"$ref": "core_snapshot.json#/$defs/position"}),
            "orders": {"type": "array", "items": {"$ref": "#/$defs/order"},
                       "description": "in creation order"},
            "applied_keys": {"type": "array", "items": {"type": "string"}, "uniqueItems": True,
                             "description": "sorted"},
            "bar_times": nested(TS),
            "stream_times": {"type": "object", "additionalProperties": TS,
                             "description": "canonical JSON of [source, venue, instrument, producer]"},
        }),
        "$defs": {"order": shadow_order},
    })

    schemas["checkpoint"] = doc("checkpoint", "Checkpoint v1: everything needed to resume a run", obj({
        "schema_version": {"const": 1},
        "created_at": TS, "run_id": ID, "mode": {"enum": ["backtest", "paper", "live", "sandbox"]},
        "config_hash": {"type": "string", "pattern": HASH_PATTERN},
        "data_hash": {"type": "string", "pattern": HASH_PATTERN},
        "engine_state": {"$ref": "core_snapshot.json"},
        "broker_state": {"type": "object"}, "feed_cursors": {"type": "object"},
        "risk_state": {"type": "object"}, "strategy_state": {"type": "object"},
        "cursor": {"type": "integer", "minimum": 0},
        "seed": {"type": ["integer", "null"]}, "metadata": {"type": "object"},
    }, required=["schema_version", "created_at", "run_id", "mode", "config_hash", "data_hash",
                 "engine_state", "broker_state", "feed_cursors", "risk_state", "strategy_state", "cursor"]))

    schemas["parity_fixture"] = doc("parity_fixture", "A golden or regression case replayed on both backends", obj({
        "schema_version": {"const": 1},
        "name": ID,
        "target": {"enum": ["core", "sequencer", "invariants", "normalizer", "feed"]},
        "description": {"type": "string"},
        "config": {"type": "object"},
        "inputs": {"type": "array", "items": {"type": "string"},
                   "description": "each input as its raw JSON-line text, so hostile bytes survive"},
        "expected": {"type": "array", "items": {"type": "string"},
                     "description": "canonical JSON of each result, in order"},
        "final_snapshot": {"anyOf": [{"type": "object"}, {"type": "null"}]},
        "final_state_hash": {"anyOf": [{"type": "string", "pattern": HASH_PATTERN}, {"type": "null"}]},
        "signature": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "seed": {"type": ["integer", "null"]},
    }, required=["schema_version", "name", "target", "description", "config", "inputs", "expected"]))

    # Sequencer (docs/sequencer.md, D-150..D-160). Emitted events are passed through
    # as given (full event validation is the core's job), so only the fields the
    # sequencer checked are constrained here.
    priority = {"type": "array", "items": {"enum": ["market_data", "broker_report", "timer", "control"]},
                "minItems": 4, "maxItems": 4, "uniqueItems": True,
                "description": "the four sources, highest priority first"}
    sequenced_event = {
        "type": "object",
        "properties": {
            "kind": {"const": "event"}, "seq_id": SEQ, "event_time": TS,
            "source": {"enum": ["market_data", "broker_report", "timer", "control"]},
            "venue": ID_OR_NULL, "instrument": ID_OR_NULL,
            "producer": {"type": "integer", "minimum": 0, "maximum": 9223372036854775807},
        },
        "required": ["kind", "seq_id", "event_time", "source", "venue", "instrument", "producer"],
    }
    input_result = obj({
        "index": {"type": "integer", "minimum": 0, "description": "position of the input in its batch"},
        "accepted": {"type": "boolean"},
        "code": {"enum": ["ok", "invalid_payload", "late_event", "numeric_overflow"]},
        "seq_id": {"anyOf": [SEQ, {"type": "null"}], "description": "null unless accepted"},
        "late": {"type": "boolean", "description": "event_time was older than the last emitted one"},
        "diagnostics": {"type": "array", "items": ref("common", "diagnostic"), "maxItems": 1},
    })
    schemas["sequencer_result"] = doc("sequencer_result", "What the sequencer did with one batch", {
        **obj({
            "accepted": {"type": "boolean", "description": "false only when the batch itself was unreadable"},
            "code": {"enum": ["ok", "invalid_payload"]},
            "diagnostics": {"type": "array", "items": ref("common", "diagnostic"), "maxItems": 1},
            "events": {"type": "array", "items": {"$ref": "#/$defs/sequenced_event"},
                       "description": "emitted events in sequence order, seq_id set"},
            "results": {"type": "array", "items": {"$ref": "#/$defs/input_result"},
                        "description": "one per input, in arrival order"},
        }),
        "$defs": {"sequenced_event": sequenced_event, "input_result": input_result},
    })
    schemas["sequencer_snapshot"] = doc("sequencer_snapshot", "All state a sequencer needs to continue identically", obj({
        "schema_version": {"const": 1},
        "next_seq_id": {"type": "integer", "minimum": 1, "maximum": 9223372036854775808,
                        "description": "the next id handed out; 2^63 once ids are exhausted"},
        "last_event_time": TS_OR_NULL,
        "late_policy": {"enum": ["reject", "accept"]},
        "source_priority": priority,
    }))

    # The normalizer's outcome (one per input) and its snapshot (counters by code).
    outcome_code = {"anyOf": [{"const": "ok"}, ref("codes", "normalizer_code")]}
    schemas["normalizer_outcome"] = doc("normalizer_outcome", "What the event normalizer made of one input", {
        **obj({
            "accepted": {"type": "boolean"},
            "code": outcome_code,
            "field": {"type": ["string", "null"], "description": "JSON Pointer into the input; null when accepted"},
            "events": {"type": "array", "items": {"$ref": "engine_event.json"}},
        }),
        "if": {"properties": {"accepted": {"const": True}}},
        "then": {"properties": {"code": {"const": "ok"}, "field": {"type": "null"},
                                "events": {"minItems": 1}}},
        "else": {"properties": {"code": ref("codes", "normalizer_code"), "field": {"type": "string"},
                                "events": {"maxItems": 0}}},
    })
    count = {"type": "integer", "minimum": 0, "maximum": 9223372036854775807}
    schemas["normalizer_snapshot"] = doc("normalizer_snapshot", "Event normalizer state: outcomes counted by code", obj({
        "schema_version": {"const": 1},
        "outcomes": obj({code: count for code in ["ok", "invalid_payload", "invalid_number", "numeric_overflow"]
                         + NORMALIZER_CODES}),
    }))

    side_out = {"type": "object"}
    schemas["divergence_report"] = doc("divergence_report", "What the lockstep runner found when two backends disagreed", obj({
        "schema_version": {"const": 1},
        "target": {"enum": ["core", "sequencer", "invariants", "normalizer", "feed"]},
        "seed": {"type": ["integer", "null"]},
        "backends": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2},
        "step_index": {"type": "integer", "minimum": 0},
        "input": {"type": "string", "description": "the raw JSON line at that step"},
        "outputs": {"type": "array", "items": {"type": ["string", "null"]}, "minItems": 2, "maxItems": 2},
        "paths": {"type": "array", "items": {"type": "string"}, "description": "JSON Pointers that differ"},
        "signature": {"type": "string"},
        "codes": {"type": "array", "items": {"type": "string"}},
        "context": {"type": "array", "items": side_out},
        "replay_command": {"type": "string"},
        "fixture_path": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "kind": {"enum": ["result", "state_hash", "exception", "restore_edit"]},
    }, required=["schema_version", "target", "seed", "backends", "step_index", "input", "outputs",
                 "paths", "signature", "codes", "context", "replay_command", "kind"]))
    return schemas


def render(schemas):
    """File name -> exact text, as committed."""
    return {f"{name}.json": json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
            for name, schema in schemas.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the committed schemas differ")
    parser.add_argument("--out", type=pathlib.Path, default=OUT,
                        help=f"target folder (default: {OUT})")
    args = parser.parse_args(argv)
    files = render(build())
    if args.check:
        stale = [name for name, text in files.items()
                 if not (args.out / name).is_file() or (args.out / name).read_text("utf-8") != text]
        extra = sorted(p.name for p in args.out.glob("*.json") if p.name not in files)
        for name in stale:
            print(f"stale: {name} (run: python tools/write_schemas.py)")
        for name in extra:
            print(f"not generated: {name}")
        return 1 if stale or extra else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (args.out / name).write_text(text, "utf-8")
    print(f"wrote {len(files)} schemas to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
