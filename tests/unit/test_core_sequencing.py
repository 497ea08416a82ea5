"""seq_id, idempotency, lateness and atomic rollback (D-030..D-033), both backends."""

from __future__ import annotations

from core_inputs import Driver, bar_payload, event, intent, refusal

EXTERNAL = {"mode": "external"}


def noop(seq: int) -> dict:
    return intent(seq, "noop", {})


def test_seq_ids_must_increase_and_refusals_do_not_consume_them(backend: str) -> None:
    d = Driver(backend)
    assert d.apply(noop(5))["code"] == "ok"
    assert refusal(d.apply(noop(5))) == ("out_of_sequence", "/seq_id")
    assert refusal(d.apply(noop(4))) == ("out_of_sequence", "/seq_id")
    # a refused input leaves last_seq_id alone, so its seq_id can be used again (D-030)
    bad = intent(6, "cancel_order", {"order_id": "nope"})
    assert refusal(d.apply(bad))[0] == "unknown_order"
    assert d.apply(noop(6))["code"] == "ok"
    assert d.snapshot()["last_seq_id"] == 6
    # gaps are fine
    assert d.apply(noop(100))["code"] == "ok"
    # out_of_sequence precedes every state check
    assert refusal(d.apply(intent(100, "cancel_order", {"order_id": "nope"})))[0] == "out_of_sequence"


def test_duplicate_reports_have_no_effect_but_consume_their_seq_id(backend: str) -> None:
    d = Driver(backend, EXTERNAL)
    d.place("o", qty="3", order_type="limit", limit_price="10")
    d.report("order_accepted", "o")
    first = d.report("order_filled", "o", fill_id="f1", qty="1", price="10")
    assert first["code"] == "ok"
    before = d.snapshot()
    again = d.report("order_filled", "o", fill_id="f1", qty="1", price="10")
    assert again["accepted"] is True and again["code"] == "duplicate"
    assert again["fills"] == [] and again["transitions"] == [] and again["diagnostics"] == []
    after = d.snapshot()
    assert after["last_seq_id"] == again["seq_id"]
    assert {k: v for k, v in after.items() if k != "last_seq_id"} == {
        k: v for k, v in before.items() if k != "last_seq_id"
    }
    # a duplicate precedes the state checks: an overfilling replay is still a duplicate
    assert d.report("order_filled", "o", fill_id="f1", qty="50", price="10")["code"] == "duplicate"


def test_fill_keys_include_venue_and_order(backend: str) -> None:
    # venues reuse fill ids across orders (DESIGN.md section 6)
    d = Driver(backend, EXTERNAL)
    for order_id in ("a", "b"):
        d.place(order_id, order_type="limit", limit_price="10")
        d.report("order_accepted", order_id)
    assert d.report("order_filled", "a", fill_id="1", qty="0.5", price="10")["code"] == "ok"
    assert d.report("order_filled", "b", fill_id="1", qty="0.5", price="10")["code"] == "ok"
    keys = d.snapshot()["applied_keys"]
    assert "fill:binance:a:1" in keys and "fill:binance:b:1" in keys
    assert "order_accepted:binance:a" in keys and "intent:intent-a" in keys


def test_explicit_keys_and_unrecorded_refusals(backend: str) -> None:
    d = Driver(backend, EXTERNAL)
    d.place("o", order_type="limit", limit_price="10")
    # a refused report does not record its key (D-033): the same key works later
    assert refusal(d.report("order_filled", "o", fill_id="f", qty="1", price="10", key="k1"))[0] == (
        "fill_before_accept"
    )
    d.report("order_accepted", "o")
    assert d.report("order_filled", "o", fill_id="f", qty="1", price="10", key="k1")["code"] == "ok"
    # an explicit key on any event deduplicates it, bars included
    b = event(d.seq + 1, "bar", bar_payload(1, 1, 1, 1), key="bar-1", time=5)
    assert d.apply(b)["code"] == "ok"
    b2 = event(d.seq + 1, "bar", bar_payload(2, 2, 2, 2), key="bar-1", time=6)
    assert d.apply(b2)["code"] == "duplicate"
    assert d.snapshot()["last_bar"]["binance"]["BTC/USDT"]["close"] == "1"
    # non-report events without a key are never duplicates
    assert d.apply(event(d.seq + 1, "bar", bar_payload(1, 1, 1, 1), time=7))["code"] == "ok"
    assert d.apply(event(d.seq + 1, "bar", bar_payload(1, 1, 1, 1), time=7))["code"] == "ok"


def test_late_events_rejected_per_stream(backend: str) -> None:
    d = Driver(backend)
    assert d.bar("1", "1", "1", "1", time=100)["code"] == "ok"
    assert refusal(d.bar("1", "1", "1", "1", time=99)) == ("late_event", "/event_time")
    assert d.bar("1", "1", "1", "1", time=100)["code"] == "ok"  # equal is not late
    # other streams keep their own clock: producer, instrument, venue, source
    assert d.bar("1", "1", "1", "1", time=50, producer=1)["code"] == "ok"
    assert d.bar("1", "1", "1", "1", time=50, instrument="ETH/USDT")["code"] == "ok"
    assert d.bar("1", "1", "1", "1", time=50, venue="kraken")["code"] == "ok"
    # a trade is market_data on the same venue/instrument/producer: the bars' stream
    assert refusal(d.trade("1", time=99))[0] == "late_event"
    assert d.trade("1", time=100)["code"] == "ok"
    timer = event(d.seq + 1, "timer", {"name": "t"}, time=1)
    assert d.apply(timer)["code"] == "ok"
    streams = d.snapshot()["stream_times"]
    assert streams['["market_data","binance","BTC/USDT",0]'] == 100
    assert streams['["timer",null,null,0]'] == 1
    # late_event precedes duplicate and the state checks
    dup = event(d.seq + 1, "bar", bar_payload(1, 1, 1, 1), key="k", time=200)
    assert d.apply(dup)["code"] == "ok"
    late_dup = event(d.seq + 1, "bar", bar_payload(1, 1, 1, 1), key="k", time=10)
    assert refusal(d.apply(late_dup))[0] == "late_event"


def test_late_events_accepted_and_marked(backend: str) -> None:
    d = Driver(backend, {"late_policy": "accept"})
    d.bar("1", "1", "1", "1", time=100)
    late = d.bar("2", "2", "2", "2", time=90)
    assert late["accepted"] is True and late["late"] is True and late["code"] == "ok"
    # the stream time is never lowered
    assert d.snapshot()["stream_times"]['["market_data","binance","BTC/USDT",0]'] == 100
    assert d.bar("3", "3", "3", "3", time=95)["late"] is True
    # a late duplicate is a duplicate, still marked late
    d.apply(event(d.seq + 1, "bar", bar_payload(1, 1, 1, 1), key="k", time=100))
    late_dup = d.apply(event(d.seq + 1, "bar", bar_payload(1, 1, 1, 1), key="k", time=1))
    assert late_dup["code"] == "duplicate" and late_dup["late"] is True
    # intents are never late
    assert d.apply(noop(d.seq + 1))["late"] is False


def test_overflow_while_computing_effects_rolls_everything_back(backend: str) -> None:
    d = Driver(backend, {"mode": "external", "starting_cash": "100"})
    d.place("o", qty="2", order_type="limit", limit_price="1")
    d.report("order_accepted", "o")
    before = d.core.state_hash()
    # 1 x 1e29 is a valid price, but cash - 1e29 x 1 ... fits; the fee overflows the
    # raw product: qty x price raws = 1e9 x 1e38 > 2^127
    result = d.report("order_filled", "o", fill_id="f", qty="1", price="1e29")
    assert refusal(result) == ("numeric_overflow", "")
    assert d.core.state_hash() == before
    # the refused input did not consume its seq_id, nor its key
    assert d.report("order_filled", "o", fill_id="f", qty="1", price="1")["code"] == "ok"


def test_overflow_in_a_bar_undoes_the_fills_booked_before_it(backend: str) -> None:
    # two market buys fill on the same bar; booking the second overflows the
    # position's average-price numerator, so the first fill is undone as well
    d = Driver(backend, {"starting_cash": "1e29"})
    d.bar("1", "1", "1", "1")
    d.place("a", qty="0.000000001")
    d.place("b", qty="100000000000000000000")
    before = d.core.state_hash()
    result = d.bar("1e20", "1e20", "1e20", "1e20")
    assert refusal(result) == ("numeric_overflow", "")
    assert d.core.state_hash() == before
    assert d.state("a") == "accepted" and d.position() is None


def test_last_seq_id_counts_duplicates_and_kill_switch_events(backend: str) -> None:
    d = Driver(backend)
    ks = event(3, "kill_switch", {"enabled": True})
    assert d.apply(ks)["code"] == "ok"
    assert d.snapshot()["last_seq_id"] == 3 and d.snapshot()["kill_switch"] is True
