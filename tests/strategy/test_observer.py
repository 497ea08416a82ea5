"""The engine's result observer (``engine.result_observer``): every core result of a run,
in order, without changing the run. The managed runtimes build their event streams on it."""

from __future__ import annotations

import hashlib
import itertools

import pytest
from support import rows

import cracktrader as ct
from cracktrader.engine.canonical import canonical_bytes
from cracktrader.feeds.synthetic import synthetic_rows


class Busy(ct.Strategy):
    """Market orders both ways, a limit order cancelled a bar later, an order too big
    for the cash (refused at placement) and a bracket now and then, on every feed."""

    def __init__(self):
        self.resting = []

    def next(self):
        bar = len(self)
        for index, data in enumerate(self.datas):
            if (bar + index) % 7 == 0:
                self.buy(data=data, size=2)
            elif (bar + index) % 7 == 3 and self.getposition(data).size > 0:
                self.close(data=data)
            if bar % 11 == 0:
                self.resting.append(self.buy(data=data, size=1, exectype=ct.Order.Limit,
                                             price=round(data.close[0] * 0.9, 2)))
            if bar % 29 == 0:
                self.buy(data=data, size=10**6)  # insufficient cash: refused by the core
            if bar % 37 == 0:
                self.buy_bracket(data=data, size=1, price=round(data.close[0] * 1.001, 2),
                                 stopprice=round(data.close[0] * 0.99, 2), limitprice=round(data.close[0] * 1.01, 2))
        for order in self.resting:
            if order.alive() and bar % 11 == 1:
                self.cancel(order)


def _cerebro(backend: str, feeds: int, runonce: bool) -> ct.Cerebro:
    cerebro = ct.Cerebro(engine_backend=backend, runonce=runonce, preload=runonce)
    for index in range(feeds):
        cerebro.adddata(ct.feeds.InMemoryData(dataname=rows(40 + index, 600), name=f"X{index}"))
    cerebro.broker.setcash(100_000.0)
    cerebro.broker.setcommission(commission=0.001)
    cerebro.addstrategy(Busy)
    return cerebro


@pytest.mark.parametrize("feeds, runonce", [(1, True), (2, True), (1, False), (2, False)])
def test_the_observer_sees_every_result_in_order_and_changes_nothing(core_backend, feeds, runonce):
    plain = _cerebro(core_backend, feeds, runonce)
    plain.run()
    watched = _cerebro(core_backend, feeds, runonce)
    seen: list[tuple[dict, dict]] = []
    watched.engine.result_observer = lambda item, result: seen.append((item, result))
    watched.run()
    result = watched.run_result
    assert result.comparable() == plain.run_result.comparable()

    seq_ids = [item["seq_id"] for item, _ in seen]
    assert seq_ids == sorted(set(seq_ids)) and all(r["seq_id"] == i["seq_id"] for i, r in seen)
    # Every intent, exactly once and in order: the observed intents hash to the run's hash.
    intents = [item for item, _ in seen if item["kind"] == "intent"]
    digest = hashlib.sha256()
    for intent in intents:
        digest.update(canonical_bytes(intent) + b"\n")
    assert len(intents) == result.intents and digest.hexdigest() == result.intent_hash
    assert {i["intent_type"] for i in intents} == {"place_order", "cancel_order"}
    # Every fill, and every refusal, with its code.
    assert [fill for _, r in seen for fill in r["fills"]] == result.fills and result.fills
    refused = [(i["seq_id"], r["code"]) for i, r in seen if not r["accepted"]]
    assert refused == [(r["seq_id"], r["code"]) for r in result.refused] and refused
    # Bars are reported when they changed something, as a summary of the bar event.
    bars = [(i, r) for i, r in seen if i["kind"] == "event"]
    assert bars and all(i["event_type"] == "bar" and r["transitions"] for i, r in bars)
    names = {f"X{index}" for index in range(feeds)}
    times = {row[0] for row in rows(40, 600)}
    assert all(i["instrument"] in names and i["venue"] == "sim" and i["event_time"] in times for i, _ in bars)
    # The transitions observed end each order where the run says it ended.
    final = {}
    for _, r in seen:
        for transition in r["transitions"]:
            final[transition["order_id"]] = transition["to"]
    completed = {o["order_id"] for o in result.orders if o["status"] == "Completed"}
    assert completed and completed == {oid for oid, state in final.items() if state == "filled"}


def test_without_an_observer_the_session_has_none():
    cerebro = _cerebro("python", 1, True)
    cerebro.run()
    assert cerebro.engine.result_observer is None and cerebro.engine.session.observer is None


def test_unbounded_synthetic_rows_continue_the_bounded_ones():
    bounded = list(synthetic_rows(5, 300, start=0, step_ms=60_000))
    unbounded = synthetic_rows(5, None, start=0, step_ms=60_000)
    assert list(itertools.islice(unbounded, 300)) == bounded
    more = list(itertools.islice(unbounded, 5000))
    assert len(more) == 5000 and more[0][0] == bounded[-1][0] + 60_000
