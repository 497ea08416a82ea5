"""Each invariant, with a hand-made history that breaks it: the checker must report
exactly the expected violations (code, seq_id, order_id), on both backends.

The clean base histories are first checked against the real core, so every
violating variant differs from what a correct core answers in the edited field only.
"""

from __future__ import annotations

import copy

import pytest

from cracktrader.engine import build_core, build_invariant_checker
from cracktrader.engine.invariants import CODES

from inv_history import (
    MINUTE,
    bar,
    cancel,
    ext_base,
    filled_report,
    fl,
    pd,
    place,
    placed_ext,
    placed_sim,
    replace,
    report,
    res,
    sim_base,
    step,
    tr,
    violation,
)

SIM = {"mode": "simulated"}
EXT = {"mode": "external"}


def run(backend, history, config=None, enabled=None):
    checker = build_invariant_checker(backend, config=config, enabled=enabled)
    found = []
    for item in history:
        found.extend(checker.apply(item))
    return found


# ------------------------------------------------------------------ base histories


@pytest.mark.parametrize(
    "config, history",
    [
        (SIM, sim_base()),
        (EXT, ext_base()),
        (EXT, ext_base() + [step(filled_report(3, "o1", "f1", "1", "100"),
                                 res(3, [tr("o1", "accepted", "filled", "1", "0", "100")],
                                     [fl("o1", "f1", "1", "100")], "-100", [pd("1")]))]),
    ],
)
def test_base_histories_match_the_core(config, history):
    """The hand-made results are what the reference core answers (so the variants
    below are realistic), and the checker finds nothing in them."""
    core = build_core("python", config=config)
    for item in history:
        assert core.apply(item["input"]) == item["result"]
    assert run("python", history, config) == []


# ------------------------------------------------------------------ fill realism (simulated)


def test_fill_outside_bar(backend):
    history = sim_base(fill_bar=bar(3, 2 * MINUTE, "102", "103", "101.5", "102"))
    assert run(backend, history, SIM) == [violation("fill_outside_bar", 3, "o1")]


def test_fill_on_another_instruments_bar(backend):
    history = sim_base()
    history[2]["input"]["instrument"] = "ETH"
    assert run(backend, history, SIM) == [violation("fill_outside_bar", 3, "o1")]


def test_fill_without_a_bar(backend):
    history = sim_base()
    history[2]["input"] = {"kind": "intent", "seq_id": 3, "intent_type": "noop", "payload": {}}
    assert run(backend, history, SIM) == [violation("fill_outside_bar", 3, "o1")]


def test_limit_filled_worse_than_its_limit(backend):
    history = sim_base(fill=("102", "-102", "102", "1"))
    assert run(backend, history, SIM) == [violation("limit_price_violated", 3, "o1")]


def test_sell_limit_filled_below_its_limit(backend):
    history = sim_base(place_input=place(2, "o1", side="sell", limit="101"))
    third = history[2]["result"]
    third["fills"][0].update(side="sell", price="100")
    third["cash_delta"] = "100"
    third["position_deltas"] = [pd("-1")]
    third["transitions"][0]["avg_fill_price"] = "100"
    assert run(backend, history, SIM) == [violation("limit_price_violated", 3, "o1")]


def test_stop_filled_before_its_trigger(backend):
    # buy stop 104; the bar never reaches it, yet a fill at 103 is claimed
    history = sim_base(place_input=place(2, "o1", order_type="stop", stop="104"), fill=("103", "-103", "103", "1"))
    assert run(backend, history, SIM) == [violation("stop_not_triggered", 3, "o1")]


def test_stop_limit_filled_without_touching_its_stop(backend):
    stop_limit = place(2, "o1", order_type="stop_limit", stop="104", limit="105")
    history = sim_base(place_input=stop_limit, fill=("103", "-103", "103", "1"))
    assert run(backend, history, SIM) == [violation("stop_not_triggered", 3, "o1")]


def test_stop_limit_filled_on_its_trigger_bar_is_clean(backend):
    stop_limit = place(2, "o1", order_type="stop_limit", stop="104", limit="105")
    touching = bar(3, 2 * MINUTE, "102", "104.5", "99", "100")
    history = sim_base(fill_bar=touching, place_input=stop_limit, fill=("104", "-104", "104", "1"))
    core = build_core("python", config=SIM)
    assert [core.apply(item["input"]) for item in history] == [item["result"] for item in history]
    assert run(backend, history, SIM) == []


def test_stop_limit_touched_on_the_placement_bar_does_not_count(backend):
    # a second bar with the placement bar's time reaches the stop (high 105 >= 104):
    # the order may not trade on that bar, so it triggers nothing
    stop_limit = place(2, "o1", order_type="stop_limit", stop="104", limit="105")
    history = sim_base(place_input=stop_limit, fill=("103", "-103", "103", "1"))
    history.insert(2, step(bar(3, MINUTE, "100", "105", "95", "100"), res(3)))
    history[3]["input"]["seq_id"] = history[3]["result"]["seq_id"] = 4
    assert run(backend, history, SIM) == [violation("stop_not_triggered", 4, "o1")]
    # the same bar one minute later is one it may trade on: touched, then clean
    history[2]["input"]["event_time"] = history[2]["input"]["ingest_time"] = 2 * MINUTE
    history[3]["input"]["event_time"] = history[3]["input"]["ingest_time"] = 3 * MINUTE
    assert run(backend, history, SIM) == []


def test_fill_on_the_placement_bar(backend):
    # a second bar with the same time as the bar current at placement: not a new bar
    history = sim_base(fill_bar=bar(3, MINUTE, "102", "103", "99", "100"))
    assert run(backend, history, SIM) == [violation("filled_on_placement_bar", 3, "o1")]


def test_fill_on_a_late_bar_older_than_the_placement_bar(backend):
    config = {"mode": "simulated", "late_policy": "accept"}
    history = sim_base(fill_bar=bar(3, MINUTE // 2, "102", "103", "99", "100"))
    history[2]["result"]["late"] = True
    assert run(backend, history, config) == [violation("filled_on_placement_bar", 3, "o1")]


def test_fill_that_makes_cash_negative(backend):
    config = {"mode": "simulated", "starting_cash": "50"}
    assert run(backend, sim_base(), config) == [violation("negative_cash", 3, "o1")]


def test_commission_not_charged(backend):
    config = {"mode": "simulated", "commission_rate": "0.01"}
    assert run(backend, sim_base(), config) == [violation("fees_mismatch", 3, "o1")]
    charged = sim_base()
    charged[2]["result"]["fills"][0]["fee"] = "1.01"
    charged[2]["result"]["cash_delta"] = "-102.01"
    assert run(backend, charged, config) == []


# ------------------------------------------------------------------ ledger


def test_cash_delta_not_what_the_fills_imply(backend):
    history = sim_base(fill=("101", "-100", "101", "1"))
    assert run(backend, history, SIM) == [violation("cash_mismatch", 3, "o1")]


def test_position_delta_not_what_the_fills_imply(backend):
    history = sim_base(fill=("101", "-101", "101", "2"))
    assert run(backend, history, SIM) == [violation("position_mismatch", 3, "o1")]
    missing = sim_base()
    missing[2]["result"]["position_deltas"] = []
    assert run(backend, missing, SIM) == [violation("position_mismatch", 3, "o1")]


def test_realized_pnl_not_what_the_fills_imply(backend):
    # external: buy 1 @100, then sell 1 @110 -> realized 10; the result claims 9
    history = ext_base() + [
        step(filled_report(3, "o1", "f1", "1", "100"),
             res(3, [tr("o1", "accepted", "filled", "1", "0", "100")], [fl("o1", "f1", "1", "100")], "-100",
                 [pd("1")])),
        step(place(4, "o2", side="sell", limit="100"), placed_ext(4, "o2")),
        step(report(5, "order_accepted", {"order_id": "o2"}), res(5, [tr("o2", "submitted", "accepted")])),
        step(filled_report(6, "o2", "f2", "1", "110"),
             res(6, [tr("o2", "accepted", "filled", "1", "0", "110")], [fl("o2", "f2", "1", "110", side="sell")],
                 "110", [pd("-1", "9")])),
    ]
    assert run(backend, history, EXT) == [violation("position_mismatch", 6, "o2")]
    history[-1]["result"]["position_deltas"] = [pd("-1", "10")]
    assert run(backend, history, EXT) == []


def test_average_fill_price_not_what_the_fills_imply(backend):
    history = sim_base(fill=("101", "-101", "100", "1"))
    assert run(backend, history, SIM) == [violation("avg_price_mismatch", 3, "o1")]


def test_filled_qty_without_a_fill(backend):
    history = sim_base()
    third = history[2]["result"]
    third.update(fills=[], cash_delta="0", position_deltas=[])
    assert run(backend, history, SIM) == [
        violation("illegal_transition", 3, "o1"),  # accepted -> filled needs a fill
        violation("filled_mismatch", 3, "o1"),
        violation("avg_price_mismatch", 3, "o1"),
    ]


def test_fill_without_a_transition(backend):
    history = sim_base()
    history[2]["result"]["transitions"] = []
    assert run(backend, history, SIM) == [violation("filled_mismatch", 3, "o1")]


def test_fill_not_what_the_report_said(backend):
    history = ext_base() + [
        step(filled_report(3, "o1", "f1", "1", "100"),
             res(3, [tr("o1", "accepted", "filled", "1", "0", "99")], [fl("o1", "f1", "1", "99")], "-99",
                 [pd("1")])),
    ]
    assert run(backend, history, EXT) == [violation("fill_mismatch", 3, "o1")]


def test_fill_on_the_wrong_side(backend):
    history = ext_base() + [
        step(filled_report(3, "o1", "f1", "1", "100"),
             res(3, [tr("o1", "accepted", "filled", "1", "0", "100")], [fl("o1", "f1", "1", "100", side="sell")],
                 "100", [pd("-1")])),
    ]
    assert run(backend, history, EXT) == [violation("fill_mismatch", 3, "o1")]


def test_explicit_report_fee_not_used(backend):
    history = ext_base() + [
        step(filled_report(3, "o1", "f1", "1", "100", fee="0.5"),
             res(3, [tr("o1", "accepted", "filled", "1", "0", "100")], [fl("o1", "f1", "1", "100")], "-100",
                 [pd("1")])),
    ]
    assert run(backend, history, EXT) == [violation("fees_mismatch", 3, "o1")]


def test_ledger_overflow(backend):
    huge = "170141183460469231731687303715"
    history = ext_base() + [
        step(filled_report(3, "o1", "f1", huge, "2"), res(3, [], [fl("o1", "f1", huge, "2")])),
    ]
    assert run(backend, history, EXT) == [
        violation("ledger_overflow", 3, "o1"),
        violation("filled_mismatch", 3, "o1"),
    ]


# ------------------------------------------------------------------ state machine


def test_fill_before_acceptance(backend):
    history = [
        step(place(1, "o1", limit="101"), placed_ext(1, "o1")),
        step(filled_report(2, "o1", "f1", "1", "100"),
             res(2, [tr("o1", "submitted", "filled", "1", "0", "100")], [fl("o1", "f1", "1", "100")], "-100",
                 [pd("1")])),
    ]
    assert run(backend, history, EXT) == [
        violation("fill_before_accept", 2, "o1"),
        violation("illegal_transition", 2, "o1"),
    ]


def test_fill_of_an_unknown_order(backend):
    history = sim_base()
    history[2]["result"]["fills"][0]["order_id"] = "ghost"
    assert run(backend, history, SIM) == [
        violation("fill_before_accept", 3, "ghost"),
        violation("illegal_transition", 3, "o1"),  # o1 "filled" without a fill of its own
        violation("filled_mismatch", 3, "o1"),
        violation("avg_price_mismatch", 3, "o1"),
        violation("filled_mismatch", 3, "ghost"),  # a fill no transition accounts for
    ]


def test_terminal_state_left(backend):
    history = sim_base() + [
        step(cancel(4, "o1"), res(4, [tr("o1", "filled", "cancel_pending", "1", "0", "101"),
                                      tr("o1", "cancel_pending", "cancelled", "1", "0", "101")])),
    ]
    assert run(backend, history, SIM) == [violation("terminal_state_changed", 4, "o1")]


def test_fill_after_a_terminal_state(backend):
    history = sim_base() + [
        step(bar(4, 3 * MINUTE, "100", "101", "99", "100"),
             res(4, [tr("o1", "filled", "filled", "2", "0", "100.5")], [fl("o1", "o1:2", "1", "100")], "-100",
                 [pd("1")])),
    ]
    assert run(backend, history, SIM) == [
        violation("terminal_state_changed", 4, "o1"),
        violation("overfilled", 4, "o1"),
        violation("qty_changed", 4, "o1"),
    ]


def test_transition_from_a_state_the_order_is_not_in(backend):
    history = sim_base()
    history[2]["result"]["transitions"][0]["from"] = "partially_filled"
    assert run(backend, history, SIM) == [violation("state_mismatch", 3, "o1")]


def test_transition_for_an_order_never_created(backend):
    history = sim_base()[:1] + [step(cancel(2, "ghost"), res(2, [tr("ghost", "accepted", "cancel_pending")]))]
    assert run(backend, history, SIM) == [violation("state_mismatch", 2, "ghost")]


def test_transition_not_in_the_table(backend):
    history = sim_base()[:2] + [
        step(bar(3, 2 * MINUTE, "100", "100", "100", "100"), res(3, [tr("o1", "accepted", "submitted")])),
    ]
    assert run(backend, history, SIM) == [violation("illegal_transition", 3, "o1")]


def test_creation_outside_its_place_order(backend):
    history = [step(bar(1, MINUTE, "100", "100", "100", "100"), res(1, [tr("o9", None, "created")]))]
    assert run(backend, history, SIM) == [violation("illegal_transition", 1, "o9")]


def test_cancel_pending_without_a_cancel(backend):
    history = ext_base() + [
        step(report(3, "order_expired", {"order_id": "o1"}), res(3, [tr("o1", "accepted", "cancel_pending")])),
    ]
    assert run(backend, history, EXT) == [violation("illegal_transition", 3, "o1")]


def test_state_that_disagrees_with_its_quantities(backend):
    # cancel_rejected back to "accepted" although part is filled (must be partially_filled)
    history = ext_base("2") + [
        step(filled_report(3, "o1", "f1", "1", "100"),
             res(3, [tr("o1", "accepted", "partially_filled", "1", "1", "100")], [fl("o1", "f1", "1", "100")],
                 "-100", [pd("1")])),
        step(cancel(4, "o1"), res(4, [tr("o1", "partially_filled", "cancel_pending", "1", "1", "100")])),
        step(report(5, "cancel_rejected", {"order_id": "o1", "reason": "late"}),
             res(5, [tr("o1", "cancel_pending", "accepted", "1", "1", "100")])),
    ]
    assert run(backend, history, EXT) == [violation("illegal_transition", 5, "o1")]


def test_filled_qty_going_down(backend):
    history = ext_base("2") + [
        step(filled_report(3, "o1", "f1", "1", "100"),
             res(3, [tr("o1", "accepted", "partially_filled", "1", "1", "100")], [fl("o1", "f1", "1", "100")],
                 "-100", [pd("1")])),
        step(replace(4, "o1", qty="3"), res(4, [tr("o1", "partially_filled", "partially_filled", "0.5", "2.5",
                                                   "100")])),
    ]
    assert run(backend, history, EXT) == [
        violation("filled_decreased", 4, "o1"),
        violation("filled_mismatch", 4, "o1"),
    ]


def test_remaining_going_up_outside_a_replace(backend):
    history = ext_base() + [step(cancel(3, "o1"), res(3, [tr("o1", "accepted", "cancel_pending", "0", "2")]))]
    assert run(backend, history, EXT) == [
        violation("remaining_increased", 3, "o1"),
        violation("qty_changed", 3, "o1"),
    ]


def test_remaining_going_up_on_a_replace_is_allowed(backend):
    history = ext_base() + [step(replace(3, "o1", qty="2"), res(3, [tr("o1", "accepted", "accepted", "0", "2")]))]
    core = build_core("python", config=EXT)
    assert [core.apply(item["input"]) for item in history] == [item["result"] for item in history]
    assert run(backend, history, EXT) == []


def test_replace_of_another_order_does_not_excuse_a_remaining_increase(backend):
    history = ext_base() + [step(replace(3, "o2", qty="2"), res(3, [tr("o1", "accepted", "accepted", "0", "2")]))]
    assert run(backend, history, EXT) == [
        violation("illegal_transition", 3, "o1"),
        violation("remaining_increased", 3, "o1"),
        violation("qty_changed", 3, "o1"),
    ]


def test_quantity_shrinking_silently(backend):
    history = ext_base() + [step(cancel(3, "o1"), res(3, [tr("o1", "accepted", "cancel_pending", "0", "0.5")]))]
    assert run(backend, history, EXT) == [violation("qty_changed", 3, "o1")]


def test_created_with_another_quantity_than_placed(backend):
    history = [step(place(1, "o1", limit="101"), placed_ext(1, "o1", qty="2"))]
    assert run(backend, history, EXT) == [violation("qty_changed", 1, "o1")]


def test_overfill(backend):
    history = ext_base() + [
        step(filled_report(3, "o1", "f1", "2", "100"),
             res(3, [tr("o1", "accepted", "filled", "2", "-1", "100")], [fl("o1", "f1", "2", "100")], "-200",
                 [pd("2")])),
    ]
    assert run(backend, history, EXT) == [
        violation("overfilled", 3, "o1"),
        violation("illegal_transition", 3, "o1"),  # filled with remaining -1
    ]


# ------------------------------------------------------------------ sequence, time, idempotency


def test_seq_id_not_increasing(backend):
    history = [
        step(bar(5, MINUTE, "100", "100", "100", "100"), res(5)),
        step(place(5, "o1", limit="101"), placed_sim(5, "o1")),
    ]
    assert run(backend, history, SIM) == [violation("seq_not_monotonic", 5)]


def test_refused_inputs_do_not_consume_seq_ids(backend):
    history = [
        step(bar(5, MINUTE, "100", "100", "100", "100"), res(5)),
        step({"kind": "intent", "seq_id": 6}, res(6, code="invalid_payload", accepted=False)),
        step(place(6, "o1", limit="101"), placed_sim(6, "o1")),
    ]
    assert run(backend, history, SIM) == []


def test_result_for_another_seq_id(backend):
    history = [step(bar(2, MINUTE, "100", "100", "100", "100"), res(7))]
    assert run(backend, history, SIM) == [violation("seq_mismatch", 7)]


def test_event_time_going_back_in_a_stream(backend):
    history = [
        step(bar(1, 2 * MINUTE, "100", "100", "100", "100"), res(1)),
        step(bar(2, MINUTE, "100", "100", "100", "100"), res(2)),
    ]
    assert run(backend, history, SIM) == [violation("event_time_regressed", 2)]


def test_late_events_are_exempt_only_under_late_policy_accept(backend):
    history = [
        step(bar(1, 2 * MINUTE, "100", "100", "100", "100"), res(1)),
        step(bar(2, MINUTE, "100", "100", "100", "100"), res(2, late=True)),
    ]
    assert run(backend, history, {"late_policy": "accept"}) == []
    assert run(backend, history, {"late_policy": "reject"}) == [violation("event_time_regressed", 2)]


def test_event_time_is_per_stream(backend):
    history = [
        step(bar(1, 2 * MINUTE, "100", "100", "100", "100"), res(1)),
        step(bar(2, MINUTE, "100", "100", "100", "100", producer=7), res(2)),
    ]
    assert run(backend, history, SIM) == []


def test_second_effect_for_one_idempotency_key(backend):
    history = [
        step(place(1, "o1", limit="101", intent_id="i1"), placed_ext(1, "o1")),
        step(place(2, "o2", limit="101", intent_id="i1"), placed_ext(2, "o2")),
    ]
    assert run(backend, history, EXT) == [violation("idempotency_reused", 2, "o2")]


def test_duplicate_report_with_an_effect(backend):
    accepted = ext_base()
    again = step(report(3, "order_accepted", {"order_id": "o1"}),
                 res(3, [tr("o1", "accepted", "accepted")], code="duplicate"))
    assert run(backend, accepted + [again], EXT) == [violation("idempotency_reused", 3, "o1")]


def test_duplicate_for_a_key_never_applied(backend):
    history = [step(place(1, "o1", limit="101"), res(1, code="duplicate"))]
    assert run(backend, history, EXT) == [violation("false_duplicate", 1, "o1")]


def test_duplicate_of_an_applied_key_is_clean(backend):
    again = step(report(3, "order_accepted", {"order_id": "o1"}), res(3, code="duplicate"))
    history = ext_base() + [again]
    core = build_core("python", config=EXT)
    assert [core.apply(item["input"]) for item in history] == [item["result"] for item in history]
    assert run(backend, history, EXT) == []


# ------------------------------------------------------------------ refused and unreadable steps


def test_refused_result_with_effects(backend):
    history = [step(place(1, "o1", limit="101"), res(1, [tr("o1", None, "created")], code="kill_switch",
                                                     accepted=False))]
    assert run(backend, history, EXT) == [violation("refused_with_effects", 1)]


def test_refused_results_change_nothing(backend):
    checker = build_invariant_checker(backend, config=SIM)
    for item in sim_base()[:2]:
        checker.apply(item)
    before = checker.state_hash()
    refused = res(3, code="insufficient_cash", accepted=False)
    assert checker.apply(step(place(3, "o2", limit="101"), refused)) == []
    # even a refused result carrying effects is reported, not booked
    tampered = copy.deepcopy(refused)
    tampered["fills"] = [fl("o1", "x", "1", "101")]
    tampered["cash_delta"] = "-101"
    assert checker.apply(step(place(3, "o2", limit="101"), tampered)) == [violation("refused_with_effects", 3)]
    assert checker.state_hash() == before


@pytest.mark.parametrize(
    "item",
    [
        None,
        [],
        {"input": {}},
        {"result": res(1)},
        step(bar(1, MINUTE, "1", "1", "1", "1"), {**res(1), "fills": 3}),
        step(bar(1, MINUTE, "1", "1", "1", "1"), {**res(1), "cash_delta": 0}),
        step(bar(1, MINUTE, "1", "1", "1", "1"), res(1, [tr("o1", None, "bogus")])),
        step(bar(1, MINUTE, "1", "1", "1", "1"), res(1, code="overfill")),
        step({"kind": "intent", "seq_id": 1}, res(1)),
        step({**bar(1, MINUTE, "1", "1", "1", "1"), "venue": None}, res(1)),
        step(bar(1, MINUTE, "1", "NaN", "1", "1"), res(1)),
    ],
)
def test_unreadable_steps(backend, item):
    found = run(backend, [item], SIM)
    assert [v["code"] for v in found] == ["malformed_step"]
    assert found[0]["order_id"] is None


def test_unreadable_step_carries_the_seq_id_it_can_read(backend):
    item = step(bar(4, MINUTE, "1", "1", "1", "1"), {**res(4), "fills": 3})
    assert run(backend, [item], SIM) == [violation("malformed_step", 4)]


def test_hostile_input_behind_a_refused_result_is_fine(backend):
    hostile = {"kind": "event", "seq_id": 1, "payload": {"qty": float("nan"), "id": "bad\ud800"}, 1.5: (1, 2)}
    assert run(backend, [step(hostile, res(None, code="invalid_payload", accepted=False))], SIM) == []


# ------------------------------------------------------------------ coverage of the code list


def test_every_code_has_a_test_here():
    text = open(__file__, encoding="utf-8").read()
    missing = [code for code in CODES if f'"{code}"' not in text]
    assert missing == []


def test_enabled_limits_what_is_reported(backend):
    history = sim_base(fill=("102", "-100", "101", "1"))  # limit, cash and avg broken
    all_codes = [v["code"] for v in run(backend, history, SIM)]
    assert all_codes == ["limit_price_violated", "cash_mismatch", "avg_price_mismatch"]
    assert run(backend, history, SIM, enabled=["cash_mismatch"]) == [violation("cash_mismatch", 3, "o1")]
    assert run(backend, history, SIM, enabled=[]) == []
