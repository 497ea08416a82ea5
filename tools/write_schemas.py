"""One-off generator for cracktrader/schemas/*.json (kept for review of the contract).

The JSON files are the contract and are committed; this script only exists so the
shared pieces ($defs for decimals, identifiers, timestamps) are written once. Run it
and commit the diff when a contract changes (both backends change in the same commit).
"""

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
INVARIANT_CODES = [
    "seq_not_monotonic", "fill_before_accept", "terminal_state_changed",
    "filled_decreased", "remaining_increased", "cash_mismatch", "position_mismatch",
    "fees_mismatch", "idempotency_reused", "event_time_regressed", "fill_outside_bar",
    "limit_price_violated", "stop_not_triggered", "filled_on_placement_bar",
    "overfilled", "illegal_transition",
]
FEED_CODES = [
    "trade_out_of_order_dropped", "missing_field", "invalid_number", "numeric_overflow",
    "invalid_timestamp", "invalid_side", "not_an_object", "not_a_row", "invalid_json",
    "duplicate_candle_replaced",
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
            "recovery_code": {"enum": RECOVERY_CODES},
            "recovery_warning": {"enum": RECOVERY_WARNINGS},
        },
    })
    schemas["common"] = doc("common", "Shared value shapes", {
        "$defs": {
            "decimal": {"type": "string", "pattern": "^-?(0|[1-9][0-9]*)(\\.[0-9]*[1-9])?$",
                        "description": "canonical fixed-point decimal (DESIGN.md section 4); never -0"},
            "decimal_or_null": {"anyOf": [{"$ref": "#/$defs/decimal"}, {"type": "null"}]},
            "number_input": {"anyOf": [{"type": "number"}, {"type": "string"}],
                             "description": "an input number: JSON number or decimal string"},
            "number_input_or_null": {"anyOf": [{"$ref": "#/$defs/number_input"}, {"type": "null"}]},
            "identifier": {"type": "string", "minLength": 1, "maxLength": 128,
                           "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]+$"},
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
            "state_hash": {"anyOf": [{"type": "string", "pattern": "^[0-9a-f]{64}$"}, {"type": "null"}]},
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
        "fill_notional": {"type": "string", "pattern": "^-?(0|[1-9][0-9]*)$",
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

    schemas["checkpoint"] = doc("checkpoint", "Checkpoint v1: everything needed to resume a run", obj({
        "schema_version": {"const": 1},
        "created_at": TS, "run_id": ID, "mode": {"enum": ["backtest", "paper", "live", "sandbox"]},
        "config_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "data_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
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
        "final_state_hash": {"anyOf": [{"type": "string", "pattern": "^[0-9a-f]{64}$"}, {"type": "null"}]},
        "signature": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "seed": {"type": ["integer", "null"]},
    }, required=["schema_version", "name", "target", "description", "config", "inputs", "expected"]))

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
        "kind": {"enum": ["result", "state_hash", "exception"]},
    }, required=["schema_version", "target", "seed", "backends", "step_index", "input", "outputs",
                 "paths", "signature", "codes", "context", "replay_command", "kind"]))
    return schemas


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for name, schema in build().items():
        (OUT / f"{name}.json").write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {len(build())} schemas to {OUT}")
