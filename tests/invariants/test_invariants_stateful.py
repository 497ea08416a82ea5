"""Stateful property test (issue 4 item 8): Hypothesis drives a checked core with
random intents, bars, broker reports and hostile inputs, and after every step checks

- the invariant checker (the core is built with ``check_invariants="raise"``; the
  other backend's checker, when built, runs in lockstep and must agree), and
- a small independent model, in exact ``Fraction`` arithmetic and without any
  cracktrader code: cash = starting cash + the fills' signed notionals (rounded
  half-even per fill, as section 7 says) - their fees; fees paid = the fills' fees;
  each order's filled qty and each position's size = the sums of its fills; and value
  conservation: cash + fees paid + sum(size x average price) - realized PnL stays
  the starting cash up to the rounding the rules allow.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from cracktrader.backend import rust_available
from cracktrader.engine import build_core, build_invariant_checker

from invariant_support import require_rust_core
from inv_streams import event, intent

NANO = Fraction(1, 10**9)
MINUTE = 60_000
INSTRUMENTS = [("v1", "BTC"), ("v1", "ETH")]
LIVE = frozenset(("submitted", "accepted", "partially_filled", "cancel_pending"))


def round_nano(value: Fraction) -> Fraction:
    """Half-even to 9 decimals (``round`` on a Fraction rounds half to even)."""
    return Fraction(round(value / NANO)) * NANO


class Model:
    """The fill ledger, kept apart from everything cracktrader computes."""

    def __init__(self, starting_cash: str) -> None:
        self.starting = Fraction(starting_cash)
        self.cash = self.starting
        self.claimed_cash = self.starting
        self.fees = Fraction(0)
        self.filled: dict[str, Fraction] = {}
        self.sizes: dict[tuple[str, str], Fraction] = {}
        self.fill_count = 0

    def book(self, result: dict) -> None:
        self.claimed_cash += Fraction(result["cash_delta"])
        for fill in result["fills"]:
            qty, price, fee = Fraction(fill["qty"]), Fraction(fill["price"]), Fraction(fill["fee"])
            notional = round_nano(qty * price)
            self.cash += (-notional if fill["side"] == "buy" else notional) - fee
            self.fees += fee
            self.filled[fill["order_id"]] = self.filled.get(fill["order_id"], 0) + qty
            key = (fill["venue"], fill["instrument"])
            self.sizes[key] = self.sizes.get(key, 0) + (qty if fill["side"] == "buy" else -qty)
            self.fill_count += 1


class CheckedCoreMachine(RuleBasedStateMachine):
    backend = "python"

    @initialize(
        mode=st.sampled_from(["simulated", "external"]),
        cash=st.sampled_from(["500", "100000"]),
        rate=st.sampled_from(["0", "0.001"]),
        allow_short=st.booleans(),
        late_policy=st.sampled_from(["accept", "reject"]),
    )
    def setup(self, mode, cash, rate, allow_short, late_policy):
        self.config = {"mode": mode, "starting_cash": cash, "commission_rate": rate, "allow_short": allow_short,
                       "late_policy": late_policy}
        self.core = build_core(self.backend, config=self.config, check_invariants="raise")
        other = "rust" if self.backend == "python" else "python"
        self.twin = build_invariant_checker(other, config=self.config) if rust_available() else None
        self.model = Model(cash)
        self.seq = 0
        self.time = {key: MINUTE for key in INSTRUMENTS}
        self.price = {key: 100 for key in INSTRUMENTS}
        self.orders: list[str] = []
        self.states: dict[str, str] = {}
        self.keys: dict[str, tuple[str, str]] = {}
        self.fills = 0

    # ------------------------------------------------------------ plumbing
    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def send(self, item) -> dict:
        result = self.core.apply(item)  # raises InvariantViolation on a broken invariant
        if self.twin is not None:
            assert self.twin.apply({"input": item, "result": result}) == []
        if result["accepted"]:
            self.model.book(result)
        for t in result["transitions"]:
            if t["order_id"] not in self.states:
                self.orders.append(t["order_id"])
            self.states[t["order_id"]] = t["to"]
        return result

    def pick(self, index: int) -> str:
        return self.orders[index % len(self.orders)] if self.orders else "none"

    # ------------------------------------------------------------ rules
    # One rule drawing a weighted action: Hypothesis picks rules about uniformly (and
    # swarm-disables some per example), which starved reports and fills; the weights
    # keep most steps meaningful. Broker reports only drive external mode (in
    # simulated mode every report is refused; test_clean_histories covers that).
    ACTIONS = {
        "bar": dict(which=st.integers(0, 1), move=st.integers(-6, 6), spread=st.integers(0, 4),
                    late=st.integers(0, 9)),
        "place": dict(
            which=st.integers(0, 1),
            side=st.sampled_from(["buy", "sell"]),
            order_type=st.sampled_from(["market", "limit", "stop", "stop_limit"]),
            qty=st.sampled_from(["1", "2", "0.5"]),
            offset=st.integers(-3, 3),
            tif=st.sampled_from(["gtc", "gtc", "ioc", "fok"]),
            parent=st.one_of(st.none(), st.none(), st.none(), st.integers(0, 50)),
            oco=st.sampled_from([None, None, "g1", "g2"]),
        ),
        "cancel": dict(index=st.integers(0, 50)),
        "replace": dict(index=st.integers(0, 50), qty=st.sampled_from(["1", "3", "0.25"])),
        "report": dict(
            index=st.integers(0, 50),
            aim=st.integers(0, 9),
            kind=st.sampled_from(["order_accepted", "order_filled", "order_cancelled", "cancel_rejected",
                                  "order_rejected", "order_expired"]),
            qty=st.sampled_from(["0.5", "1", "2"]),
            fee=st.sampled_from([None, "0.01", "-0.01"]),
        ),
        "kill_switch": dict(enabled=st.sampled_from([False, False, True])),
        "hostile": dict(junk=st.sampled_from([None, {"kind": "intent"}, {"kind": "event", "seq_id": 1},
                                              {"kind": "intent", "seq_id": 1, "intent_type": "noop",
                                               "payload": {}}])),
    }
    WEIGHTS = {"bar": 8, "place": 7, "report": 8, "cancel": 2, "replace": 2, "kill_switch": 1, "hostile": 1}

    @rule(data=st.data())
    def act(self, data):
        names = [name for name, weight in self.WEIGHTS.items() for _ in range(weight)
                 if not (name == "report" and (self.config["mode"] != "external" or not self.orders))]
        name = data.draw(st.sampled_from(names), label="action")
        args = {arg: data.draw(strategy, label=arg) for arg, strategy in self.ACTIONS[name].items()}
        getattr(self, "do_" + name)(**args)

    def do_bar(self, which, move, spread, late):
        key = INSTRUMENTS[which]
        if late == 0:
            time = self.time[key] - MINUTE  # a late bar (accepted, marked late)
        else:
            self.time[key] += MINUTE
            time = self.time[key]
        open_ = self.price[key] + move
        close = open_ - move // 2
        self.price[key] = close
        payload = {"open": str(open_), "high": str(max(open_, close) + spread), "low": str(min(open_, close) - spread),
                   "close": str(close), "volume": "1", "timeframe_ms": MINUTE}
        self.send(event(self.next_seq(), "bar", "market_data", key[0], key[1], time, payload))

    def do_place(self, which, side, order_type, qty, offset, tif, parent, oco):
        key = INSTRUMENTS[which]
        price = self.price[key] + offset
        seq = self.next_seq()
        self.keys[f"o{seq}"] = key
        self.send(intent(seq, "place_order", {
            "intent_id": f"i{seq}", "order_id": f"o{seq}", "instrument": key[1], "venue": key[0], "side": side,
            "order_type": order_type, "qty": qty,
            "limit_price": str(price) if order_type in ("limit", "stop_limit") else None,
            "stop_price": str(price) if order_type in ("stop", "stop_limit") else None,
            "time_in_force": tif, "expire_time": None,
            "parent_order_id": self.pick(parent) if parent is not None and self.orders else None,
            "oco_group": oco, "strategy_id": "s"}))

    def do_cancel(self, index):
        self.send(intent(self.next_seq(), "cancel_order", {"order_id": self.pick(index)}))

    def do_replace(self, index, qty):
        self.send(intent(self.next_seq(), "replace_order",
                         {"order_id": self.pick(index), "qty": qty, "limit_price": None, "stop_price": None}))

    def do_report(self, index, aim, kind, qty, fee):
        """A venue report about a known order: mostly the one its state calls for
        (``aim`` < 8), else any kind (out-of-order, stale and illegal reports)."""
        live = [oid for oid in self.orders if self.states[oid] in LIVE]
        order_id = live[index % len(live)] if live and aim < 8 else self.pick(index)
        state = self.states.get(order_id)
        if aim < 8:
            kind = {"submitted": "order_accepted", "accepted": "order_filled", "partially_filled": "order_filled",
                    "cancel_pending": "cancel_rejected" if aim < 3 else "order_cancelled"}.get(state, kind)
        payload = {"order_id": order_id}
        if kind == "order_filled":
            self.fills += 1
            price = self.price[self.keys.get(order_id, INSTRUMENTS[0])]
            payload.update(fill_id=f"f{self.fills}", qty=qty, price=str(price), fee=fee)
        elif kind in ("cancel_rejected", "order_rejected"):
            payload["reason"] = "venue"
        venue, instrument = self.keys.get(order_id, INSTRUMENTS[0])
        self.send(event(self.next_seq(), kind, "broker_report", venue, instrument, self.time[(venue, instrument)],
                        payload, None, 1))

    def do_kill_switch(self, enabled):
        self.send(intent(self.next_seq(), "set_risk_flag", {"name": "kill_switch", "value": enabled}))

    def do_hostile(self, junk):
        self.send(junk)

    # ------------------------------------------------------------ after every step
    @invariant()
    def ledger_matches_the_core(self):
        if not hasattr(self, "core"):
            return
        snapshot = self.core.snapshot()
        model = self.model
        cash = Fraction(snapshot["cash"])
        assert cash == model.cash == model.claimed_cash
        assert Fraction(snapshot["fees_paid"]) == model.fees
        for order in snapshot["orders"]:
            assert Fraction(order["filled_qty"]) == model.filled.get(order["order_id"], 0), order["order_id"]
        sizes = {(venue, instrument): Fraction(p["size"]) for venue, by in snapshot["positions"].items()
                 for instrument, p in by.items()}
        for key in set(sizes) | set(model.sizes):
            assert sizes.get(key, 0) == model.sizes.get(key, 0), key
        # value conservation: what left cash is held as positions at cost, paid as
        # fees, or was realized; rounding is at most half a unit per rounded product
        held = realized = Fraction(0)
        size_total = Fraction(0)
        for by in snapshot["positions"].values():
            for p in by.values():
                held += Fraction(p["size"]) * Fraction(p["avg_price"])
                realized += Fraction(p["realized_pnl"])
                size_total += abs(Fraction(p["size"]))
        drift = abs(cash + model.fees + held - realized - model.starting)
        assert drift <= (2 * model.fill_count + size_total + 1) * NANO, drift
        assert self.core.check_snapshot() == []


def test_checked_core_state_machine(backend):
    if backend == "rust":
        require_rust_core()
    machine = type(f"CheckedCoreMachine_{backend}", (CheckedCoreMachine,), {"backend": backend})
    run_state_machine_as_test(
        machine,
        settings=settings(max_examples=80, stateful_step_count=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]),
    )


@pytest.mark.parametrize("starting", ["100", "0.5"])
def test_model_rounding_helper(starting):
    # the model's own rounding: half-even on the ninth decimal
    assert round_nano(Fraction(25, 10**10)) == Fraction(2, 10**9)
    assert round_nano(Fraction(35, 10**10)) == Fraction(4, 10**9)
    assert round_nano(Fraction(-25, 10**10)) == Fraction(-2, 10**9)
    assert Model(starting).cash == Fraction(starting)
