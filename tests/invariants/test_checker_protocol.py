"""The component protocol of the checker (D-020) on both backends: factories, config
and ``enabled`` misuse, apply/apply_batch/apply_jsonl/check, snapshot/restore/
state_hash, load_core_snapshot and check_snapshot."""

from __future__ import annotations

import copy

import pytest

from cracktrader.engine import build_core, build_invariant_checker
from cracktrader.engine.canonical import canonical_bytes
from cracktrader.engine.errors import InvalidConfig, InvalidPayload
from cracktrader.engine.invariants import CODES
from cracktrader.engine.validation import problems

from inv_history import MINUTE, bar, ext_base, res, sim_base, step, violation
from inv_streams import cached_history as run_history


def test_factory_gives_the_backend_asked_for(backend):
    checker = build_invariant_checker(backend)
    assert checker.backend == backend
    assert checker.enabled == frozenset(CODES)


@pytest.mark.parametrize(
    "config",
    [5, {"mode": "paper"}, {"bogus": 1}, {"starting_cash": "abc"}, {"commission_rate": "-1"},
     {"max_notional": "0"}, {"allow_short": 1}, {"late_policy": None}, {"starting_cash": True}],
)
def test_bad_config_raises(backend, config):
    with pytest.raises(InvalidConfig):
        build_invariant_checker(backend, config=config)


@pytest.mark.parametrize("enabled", ["cash_mismatch", b"x", 5, ["nope"], [1], ["cash_mismatch", None]])
def test_bad_enabled_raises(backend, enabled):
    with pytest.raises(InvalidConfig):
        build_invariant_checker(backend, enabled=enabled)


def test_enabled_accepts_any_iterable(backend):
    checker = build_invariant_checker(backend, enabled=(code for code in ["cash_mismatch", "overfilled"]))
    assert checker.enabled == frozenset({"cash_mismatch", "overfilled"})


def test_check_is_apply_of_one_step(backend):
    history = sim_base(fill=("101", "-100", "101", "1"))
    one = build_invariant_checker(backend)
    two = build_invariant_checker(backend)
    for item in history:
        assert one.check(item["input"], item["result"]) == two.apply(item)
    assert one.state_hash() == two.state_hash()


def test_apply_batch_is_apply_in_a_loop(backend):
    _, history, _ = run_history(5, "external", 400)
    loop = build_invariant_checker(backend, config={"mode": "external"})
    batch = build_invariant_checker(backend, config={"mode": "external"})
    assert batch.apply_batch(iter(history)) == [loop.apply(item) for item in history]
    assert batch.state_hash() == loop.state_hash()


def test_apply_jsonl_lines(backend):
    history = sim_base(fill=("101", "-100", "101", "1"))
    lines = b"\n".join(canonical_bytes(item) for item in history)
    checker = build_invariant_checker(backend)
    out = checker.apply_jsonl(bytearray(lines + b"\n{broken\n\n"))
    assert out.split(b"\n") == [
        b"[]",
        b"[]",
        b'[{"code":"cash_mismatch","order_id":"o1","seq_id":3}]',
        b'[{"code":"malformed_step","order_id":null,"seq_id":null}]',
        b'[{"code":"malformed_step","order_id":null,"seq_id":null}]',
        b"",
    ]
    assert build_invariant_checker(backend).apply_jsonl(b"") == b""
    quiet = build_invariant_checker(backend, enabled=[])
    assert quiet.apply_jsonl(b"{broken\n") == b"[]\n"


def test_snapshot_is_schema_valid_and_round_trips(backend):
    config, history, _ = run_history(9, "simulated", 600)
    checker = build_invariant_checker(backend, config=config, enabled=["cash_mismatch", "overfilled"])
    for item in history[:300]:
        checker.apply(item)
    snapshot = checker.snapshot()
    assert problems("invariant_snapshot", snapshot) == []
    assert snapshot["enabled"] == ["cash_mismatch", "overfilled"]
    copy_ = build_invariant_checker(backend)
    copy_.restore(snapshot)
    assert copy_.state_hash() == checker.state_hash()
    assert copy_.enabled == checker.enabled
    assert canonical_bytes(copy_.snapshot()) == canonical_bytes(snapshot)
    for item in history[300:]:
        assert copy_.apply(item) == checker.apply(item)
    assert copy_.state_hash() == checker.state_hash()


# (what is wrong, the edit, whether the JSON schema alone sees it)
BAD_SNAPSHOT_EDITS = [
    ("missing key", lambda s: s.pop("cash"), True),
    ("unknown key", lambda s: s.update(extra=1), True),
    ("schema version", lambda s: s.update(schema_version=2), True),
    ("non-canonical decimal", lambda s: s.update(cash="1.50"), True),
    ("number for a decimal", lambda s: s.update(cash=1), True),
    ("negative seq", lambda s: s.update(last_seq_id=-1), True),
    ("repeated code", lambda s: s.update(enabled=["cash_mismatch", "cash_mismatch"]), True),
    ("unknown code", lambda s: s.update(enabled=["nope"]), True),
    ("non-string key", lambda s: s.update(applied_keys=[1]), True),
    ("bad mode", lambda s: s["config"].update(mode="paper"), True),
    ("negative commission", lambda s: s["config"].update(commission_rate="-1"), False),
    ("config key missing", lambda s: s["config"].pop("allow_short"), True),
    ("unreadable stream key", lambda s: s.update(stream_times={"not json": 1}), False),
    ("bad stream producer", lambda s: s.update(stream_times={'["market_data",null,null,-1]': 1}), False),
    ("bar time as text", lambda s: s.update(bar_times={"v1": {"BTC": "1"}}), True),
    ("position key missing", lambda s: s.update(positions={"v1": {"BTC": {"size": "1", "avg_price": "1"}}}), True),
    ("unknown state", lambda s: s["orders"][0].update(state="open"), True),
    ("padded notional", lambda s: s["orders"][0].update(ledger_notional="01"), True),
    ("empty order id", lambda s: s["orders"][0].update(order_id=""), True),
    ("touched null", lambda s: s["orders"][0].update(touched=None), True),
    ("order twice", lambda s: s["orders"].append(copy.deepcopy(s["orders"][0])), False),
]


@pytest.mark.parametrize("what, edit, schema_sees_it", BAD_SNAPSHOT_EDITS, ids=[e[0] for e in BAD_SNAPSHOT_EDITS])
def test_restore_refuses_bad_snapshots_and_changes_nothing(backend, what, edit, schema_sees_it):
    config, history, _ = run_history(9, "simulated", 300)
    checker = build_invariant_checker(backend, config=config)
    for item in history:
        checker.apply(item)
    snapshot = checker.snapshot()
    assert snapshot["orders"], "the history must leave orders to edit"
    before = checker.state_hash()
    document = copy.deepcopy(snapshot)
    edit(document)
    # the readers apply the schema's rules, and a few the schema cannot express
    assert (problems("invariant_snapshot", document) != []) == schema_sees_it
    with pytest.raises(InvalidPayload):
        checker.restore(document)
    assert checker.state_hash() == before
    with pytest.raises(InvalidPayload):
        checker.restore([snapshot])


def test_load_core_snapshot_then_continue(backend):
    config, history, core = run_history(4, "external", 1200)
    replay = build_core("python", config=config)
    for item in history[:600]:
        replay.apply(item["input"])
    checker = build_invariant_checker(backend, config={"mode": "simulated"})
    checker.load_core_snapshot(replay.snapshot())
    assert checker.check_snapshot(replay.snapshot()) == []
    for item in history[600:]:
        assert checker.apply(item) == []
    assert checker.check_snapshot(core.snapshot()) == []


def test_core_snapshot_readers_refuse_bad_documents(backend):
    _, _, core = run_history(4, "external", 300)
    snapshot = core.snapshot()
    checker = build_invariant_checker(backend, config={"mode": "external"})
    before = checker.state_hash()
    edits = [
        lambda s: s.pop("kill_switch"),
        lambda s: s.update(risk_flags={}),
        lambda s: s["orders"][0].update(fill_count=-1),
        lambda s: s["orders"][0].update(side=None),
        lambda s: s["orders"][0].update(qty="1e3"),
        lambda s: s.update(last_bar={"v1": {"BTC": {"time": 1}}}),
        lambda s: s.update(last_price={"v1": {"BTC": {"time": 1, "price": 1}}}),
    ]
    for fn in edits:
        document = copy.deepcopy(snapshot)
        fn(document)
        assert problems("core_snapshot", document) != []
        with pytest.raises(InvalidPayload):
            checker.load_core_snapshot(document)
        with pytest.raises(InvalidPayload):
            checker.check_snapshot(document)
        assert checker.state_hash() == before


def test_check_snapshot_compares_the_fill_ledger(backend):
    config = {"mode": "simulated"}
    core = build_core("python", config=config)
    checker = build_invariant_checker(backend, config=config)
    for item in sim_base():
        result = core.apply(item["input"])
        assert checker.apply({"input": item["input"], "result": result}) == []
    snapshot = core.snapshot()
    assert checker.check_snapshot(snapshot) == []

    def tampered(fn):
        document = copy.deepcopy(snapshot)
        fn(document)
        return checker.check_snapshot(document)

    assert tampered(lambda s: s.update(cash="1")) == [violation("cash_mismatch", 3)]
    assert tampered(lambda s: s.update(fees_paid="1")) == [violation("fees_mismatch", 3)]
    assert tampered(lambda s: s.update(last_seq_id=9)) == [violation("seq_mismatch", 3)]
    assert tampered(lambda s: s["positions"]["v1"]["BTC"].update(size="2")) == [violation("position_mismatch", 3)]
    assert tampered(lambda s: s["positions"].clear()) == [violation("position_mismatch", 3)]
    assert tampered(lambda s: s["orders"][0].update(filled_qty="0.5")) == [violation("filled_mismatch", 3, "o1")]
    assert tampered(lambda s: s["orders"][0].update(state="cancelled")) == [violation("state_mismatch", 3, "o1")]
    assert tampered(lambda s: s["orders"].clear()) == [violation("state_mismatch", 3, "o1")]
    # check_snapshot changes nothing
    assert checker.check_snapshot(snapshot) == []


def test_a_fresh_checker_and_an_empty_core_agree(backend):
    checker = build_invariant_checker(backend, config={"starting_cash": "5"})
    assert checker.check_snapshot(build_core("python", config={"starting_cash": "5"}).snapshot()) == []
    assert checker.check_snapshot(build_core("python").snapshot()) == [violation("cash_mismatch", None)]


def test_bar_times_follow_the_newest_bar(backend):
    checker = build_invariant_checker(backend)
    checker.apply(step(bar(1, 2 * MINUTE, "1", "1", "1", "1"), res(1)))
    checker.apply(step(bar(2, MINUTE, "1", "1", "1", "1", producer=3), res(2)))
    assert checker.snapshot()["bar_times"] == {"v1": {"BTC": 2 * MINUTE}}


def test_external_base_snapshot(backend):
    checker = build_invariant_checker(backend, config={"mode": "external"})
    for item in ext_base():
        checker.apply(item)
    snapshot = checker.snapshot()
    assert snapshot["applied_keys"] == ["intent:i-o1", "order_accepted:v1:o1"]
    assert [(o["order_id"], o["state"], o["qty"]) for o in snapshot["orders"]] == [("o1", "accepted", "1")]
    assert snapshot["stream_times"] == {'["broker_report","v1","BTC",1]': MINUTE}
