"""Write fixtures/golden/*.json: hand-written scenarios, expected results from the oracle.

Usage (from the repository root)::

    python tests/oracle/make_golden.py            # write every fixture
    python tests/oracle/make_golden.py --check    # exit 1 if a file is stale
    python tests/oracle/make_golden.py --only cancel_race

Each scenario function below builds its inputs by hand (JSON-line strings). The
``expected`` results come from the independent oracle (``tests/oracle``), never from
the core. The core is run too, for two reasons only: its final snapshot and state
hash are recorded (the oracle has no snapshot of its own; it checks cash, positions
and orders against the core's), and any disagreement between the two is printed and
fails the run, so a fixture is never written while the core and the rules disagree.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
from typing import Any, Callable

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = ROOT / "fixtures" / "golden"
sys.path.insert(0, str(HERE.parent))  # so `import oracle` works when run as a script

from oracle import run as oracle_run  # noqa: E402

VENUE = "sim"
BTC = "BTC-USD"
MINUTE = 60_000


def config(mode: str = "external", cash: str = "100000", rate: str = "0", late: str = "reject",
           max_qty: str | None = None, max_notional: str | None = None, allow_short: bool = True) -> dict[str, Any]:
    """A full core config (every key explicit, so fixtures never depend on defaults)."""
    return {"mode": mode, "starting_cash": cash, "commission_rate": rate, "late_policy": late,
            "max_order_qty": max_qty, "max_notional": max_notional, "allow_short": allow_short}


class Script:
    """Builds one fixture's inputs as JSON-line strings, with seq_ids counted for you.

    ``seq=`` forces a seq_id (to show out-of-sequence or reuse after a refusal);
    events without ``time=`` get the next tick of a script clock that bars move forward.
    """

    def __init__(self) -> None:
        self.seq = 0
        self.clock = 0
        self.lines: list[str] = []

    def _next_seq(self, seq: int | None) -> int:
        if seq is None:
            self.seq += 1
            return self.seq
        self.seq = max(self.seq, seq)
        return seq

    def raw(self, line: str) -> None:
        """A hand-written line, kept byte for byte (hostile JSON included)."""
        self.lines.append(line)

    def obj(self, obj: Any) -> None:
        self.lines.append(json.dumps(obj, separators=(",", ":"), ensure_ascii=False))

    def event(self, event_type: str, source: str, payload: dict[str, Any], *, time: int | None = None,
              venue: str | None = VENUE, instrument: str | None = BTC, key: str | None = None,
              producer: int = 0, seq: int | None = None) -> None:
        if time is None:
            self.clock += 1
            time = self.clock
        else:
            self.clock = max(self.clock, time)
        self.obj({"kind": "event", "seq_id": self._next_seq(seq), "event_time": time, "ingest_time": time,
                  "source": source, "venue": venue, "instrument": instrument, "event_type": event_type,
                  "payload": payload, "idempotency_key": key, "producer": producer})

    def intent(self, intent_type: str, payload: dict[str, Any], *, seq: int | None = None) -> None:
        self.obj({"kind": "intent", "seq_id": self._next_seq(seq), "intent_type": intent_type,
                  "payload": payload})

    # --- market data and control
    def bar(self, time: int, o: Any, h: Any, lo: Any, c: Any, *, instrument: str = BTC, **kw: Any) -> None:
        self.event("bar", "market_data", {"open": o, "high": h, "low": lo, "close": c, "volume": "10",
                                          "timeframe_ms": MINUTE}, time=time, instrument=instrument, **kw)

    def trade(self, time: int, price: Any, amount: Any = "1", side: str = "buy", **kw: Any) -> None:
        self.event("trade", "market_data", {"price": price, "amount": amount, "side": side,
                                            "trade_id": f"t{self.seq + 1}"}, time=time, **kw)

    def kill_event(self, enabled: bool, **kw: Any) -> None:
        self.event("kill_switch", "control", {"enabled": enabled}, venue=None, instrument=None, **kw)

    def timer(self, name: str = "tick", **kw: Any) -> None:
        self.event("timer", "timer", {"name": name}, venue=None, instrument=None, **kw)

    # --- intents
    def place(self, order_id: str, side: str, qty: Any, order_type: str = "market", *, limit: Any = None,
              stop: Any = None, tif: str = "gtc", expire: int | None = None, parent: str | None = None,
              oco: str | None = None, intent_id: str | None = None, instrument: str = BTC, venue: str = VENUE,
              seq: int | None = None) -> None:
        self.intent("place_order", {
            "intent_id": intent_id or "i-" + order_id, "order_id": order_id, "instrument": instrument,
            "venue": venue, "side": side, "order_type": order_type, "qty": qty, "limit_price": limit,
            "stop_price": stop, "time_in_force": tif, "expire_time": expire, "parent_order_id": parent,
            "oco_group": oco, "strategy_id": "golden"}, seq=seq)

    def cancel(self, order_id: str, **kw: Any) -> None:
        self.intent("cancel_order", {"order_id": order_id}, **kw)

    def replace(self, order_id: str, qty: Any = None, limit: Any = None, stop: Any = None, **kw: Any) -> None:
        self.intent("replace_order", {"order_id": order_id, "qty": qty, "limit_price": limit,
                                      "stop_price": stop}, **kw)

    def flag(self, name: str, value: bool, **kw: Any) -> None:
        self.intent("set_risk_flag", {"name": name, "value": value}, **kw)

    def noop(self, **kw: Any) -> None:
        self.intent("noop", {}, **kw)

    # --- broker reports (external mode)
    def report(self, event_type: str, order_id: str, *, instrument: str = BTC, venue: str = VENUE,
               time: int | None = None, key: str | None = None, seq: int | None = None, **payload: Any) -> None:
        self.event(event_type, "broker_report", {"order_id": order_id, **payload}, time=time,
                   venue=venue, instrument=instrument, key=key, seq=seq)

    def accepted(self, order_id: str, **kw: Any) -> None:
        self.report("order_accepted", order_id, **kw)

    def rejected(self, order_id: str, reason: str = "venue_refused", **kw: Any) -> None:
        self.report("order_rejected", order_id, reason=reason, **kw)

    def filled(self, order_id: str, fill_id: str, qty: Any, price: Any, fee: Any = None, **kw: Any) -> None:
        self.report("order_filled", order_id, fill_id=fill_id, qty=qty, price=price, fee=fee, **kw)

    def cancelled(self, order_id: str, **kw: Any) -> None:
        self.report("order_cancelled", order_id, **kw)

    def cancel_rejected(self, order_id: str, reason: str = "too_late", **kw: Any) -> None:
        self.report("cancel_rejected", order_id, reason=reason, **kw)

    def expired(self, order_id: str, **kw: Any) -> None:
        self.report("order_expired", order_id, **kw)


Scenario = tuple[str, dict[str, Any], list[str]]
SCENARIOS: dict[str, Callable[[], Scenario]] = {}


def scenario(func: Callable[[], Scenario]) -> Callable[[], Scenario]:
    SCENARIOS[func.__name__] = func
    return func


# ============================================================ external mode
@scenario
def partial_fills_to_full() -> Scenario:
    s = Script()
    s.place("o1", "buy", "3", "limit", limit="10.3")
    s.accepted("o1")
    s.filled("o1", "f1", "1", "10.1", fee="0.05")  # explicit fee wins over the rate
    s.filled("o1", "f2", "1", "10.2")  # fee = 10.2 x 0.001
    s.filled("o1", "f3", 1, 10.2)  # JSON numbers are accepted too; avg 30.5/3 rounds once
    return ("Three partial fills take an accepted buy to filled; explicit fee vs commission; "
            "avg_fill_price is the exact sum over filled qty rounded half-even once.",
            config(rate="0.001"), s.lines)


@scenario
def rounding_half_even() -> Scenario:
    s = Script()
    s.place("a", "buy", "2", "limit", limit="2", instrument="A-USD")
    s.accepted("a", instrument="A-USD")
    s.filled("a", "f1", "0.5", "0.000000005", instrument="A-USD")  # 2.5e-9 -> 2e-9 (tie to even)
    s.filled("a", "f2", "0.5", "0.000000007", instrument="A-USD")  # 3.5e-9 -> 4e-9
    s.filled("a", "f3", "0.5", "0.00007", instrument="A-USD")  # notional 0.000035: fee 3.5e-9 -> 4e-9
    s.filled("a", "f4", "0.5", "0.00005", instrument="A-USD")  # notional 0.000025: fee 2.5e-9 -> 2e-9
    s.place("b", "buy", "3", "limit", limit="1.000000002")
    s.accepted("b")
    s.filled("b", "f1", "1", "1")
    s.filled("b", "f2", "1", "1.000000001")  # position avg 1.0000000005 -> 1 (tie to even)
    s.filled("b", "f3", "1", "1.000000002")  # (2 x 1 + 1.000000002) / 3 -> 1.000000001
    s.place("c", "sell", "1", "limit", limit="0.9")
    s.accepted("c")
    s.filled("c", "f1", "0.5", "1.000000002")  # realized (1.000000002 - 1.000000001) x 0.5 -> 0
    s.filled("c", "f2", "0.5", "0.999999998")  # realized -3e-9 x 0.5 = -1.5e-9 -> -2e-9
    s.place("d", "buy", "1.0000000005", "limit", limit="1")  # input qty rounds to 1 (tie to even)
    s.place("e", "buy", "1.0000000015", "limit", limit="1")  # -> 1.000000002
    return ("Every rounding point of the rules hits an exact tie: qty x price, notional x rate, the "
            "position average, realized PnL (negative too) and input parsing all round half-even to "
            "9 decimals.", config(rate="0.0001"), s.lines)


@scenario
def duplicate_fill_report() -> Scenario:
    s = Script()
    s.place("o1", "buy", "5", "limit", limit="100")
    s.place("o2", "buy", "5", "limit", limit="100")
    s.accepted("o1")
    s.accepted("o2")
    s.filled("o1", "f1", "2", "100")
    s.filled("o1", "f1", "2", "100")  # same derived key fill:sim:o1:f1 -> duplicate
    s.filled("o2", "f1", "2", "100")  # venues reuse fill ids across orders: a new fill
    s.accepted("o1")  # order_accepted:sim:o1 again -> duplicate, not illegal_transition
    s.filled("o1", "f2", "1", "100", key="msg-7")
    s.filled("o1", "f3", "1", "100", key="msg-7")  # the explicit key decides: duplicate
    s.place("o1", "buy", "5", "limit", limit="100")  # the same intent again: duplicate
    return ("A repeated fill report (derived or explicit idempotency key) is accepted as a duplicate "
            "with no effect; the same fill_id on another order is a different fill.", config(), s.lines)


@scenario
def cancel_after_partial_fill() -> Scenario:
    s = Script()
    s.place("o1", "buy", "10", "limit", limit="50")
    s.accepted("o1")
    s.filled("o1", "f1", "4", "50")
    s.cancel("o1")
    s.cancel("o1")  # already cancel_pending: illegal
    s.cancelled("o1")
    s.cancel("o1")  # terminal: illegal
    return ("Cancel after a partial fill: partially_filled -> cancel_pending -> cancelled keeps the "
            "filled quantity and the position.", config(), s.lines)


@scenario
def cancel_race() -> Scenario:
    s = Script()
    s.place("o1", "buy", "10", "limit", limit="20")
    s.place("o2", "sell", "4", "limit", limit="21")
    s.accepted("o1")
    s.accepted("o2")
    s.cancel("o1")
    s.filled("o1", "f1", "3", "20")  # partial fill while cancel_pending stays cancel_pending
    s.filled("o1", "f2", "7", "19.5")  # the rest fills: cancel_pending -> filled
    s.cancelled("o1")  # the cancel confirmation loses the race: illegal on a filled order
    s.cancel("o2")
    s.filled("o2", "f1", "1", "21")
    s.cancelled("o2")  # cancel wins after a partial fill
    return ("Fills arriving while a cancel is pending: a partial fill keeps cancel_pending, a "
            "complete fill wins over the later cancel confirmation.", config(), s.lines)


@scenario
def cancel_rejected() -> Scenario:
    s = Script()
    s.place("o1", "buy", "2", "limit", limit="10")
    s.place("o2", "buy", "2", "limit", limit="10")
    s.accepted("o1")
    s.accepted("o2")
    s.cancel("o1")
    s.cancel_rejected("o1")  # back to accepted (nothing filled)
    s.filled("o2", "f1", "1", "10")
    s.cancel("o2")
    s.cancel_rejected("o2")  # back to partially_filled (by filled qty)
    s.cancel("o2")
    s.cancel_rejected("o2")  # derived key cancel_rejected:sim:o2 was used: duplicate
    s.cancel_rejected("o2", key="cr-2")  # a venue message id makes the second one count
    s.cancel_rejected("o1", key="cr-3")  # o1 is accepted, not cancel_pending: illegal
    return ("cancel_rejected returns cancel_pending to accepted or partially_filled by filled qty; "
            "a second rejection for the same order needs its own idempotency key.", config(), s.lines)


@scenario
def fill_before_accept() -> Scenario:
    s = Script()
    s.place("o1", "buy", "2", "limit", limit="10")
    s.filled("o1", "f1", "1", "10")  # out of order: the fill overtakes the accept
    s.cancelled("o1")  # submitted cannot be cancelled by a report either
    s.accepted("o1")
    s.filled("o1", "f1", "1", "10")  # the refused report left no key: now it applies
    s.place("p", "buy", "1", "limit", limit="10")
    s.accepted("p")
    s.place("c", "sell", "1", "limit", limit="12", parent="p")
    s.filled("c", "c1", "1", "12")  # a waiting bracket child (created) is not accepted either
    return ("A fill report before the order is accepted is refused with fill_before_accept and "
            "changes nothing; once accepted, the same report applies.", config(), s.lines)


@scenario
def overfill() -> Scenario:
    s = Script()
    s.place("o1", "sell", "5", "limit", limit="30")
    s.accepted("o1")
    s.filled("o1", "f1", "6", "30")
    s.filled("o1", "f1", "2", "30")
    s.filled("o1", "f2", "3.000000001", "30")  # remaining is 3
    s.filled("o1", "f2", "3", "30.5")
    s.filled("o1", "f3", "1", "30")  # filled is terminal
    return ("A fill above the remaining quantity is overfill (field /payload/qty) and changes "
            "nothing; a short position opens from the sells.", config(), s.lines)


@scenario
def reject_after_submit() -> Scenario:
    s = Script()
    s.place("o1", "buy", "1", "limit", limit="10")
    s.place("o2", "buy", "1", "limit", limit="10")
    s.rejected("o1")  # submitted -> rejected
    s.accepted("o2")
    s.rejected("o2", reason="margin")  # accepted -> rejected
    s.accepted("o1")
    s.filled("o2", "f1", "1", "10")
    s.place("o3", "buy", "1", "limit", limit="10")
    s.accepted("o3")
    s.filled("o3", "f1", "0.5", "10")
    s.rejected("o3")  # partially_filled cannot be rejected
    return ("A venue rejection after submit or after accept ends the order; a rejected order takes "
            "no further reports, and a partially filled one cannot be rejected.", config(), s.lines)


@scenario
def expiry_external() -> Scenario:
    s = Script()
    for oid in ("o1", "o2", "o3", "o4"):
        s.place(oid, "buy", "2", "limit", limit="10")
    s.accepted("o1")
    s.accepted("o2")
    s.accepted("o4")
    s.expired("o1")
    s.filled("o2", "f1", "1", "9.5")
    s.expired("o2")
    s.expired("o3")  # submitted: illegal
    s.cancel("o4")
    s.expired("o4")  # cancel_pending: illegal (the venue must confirm the cancel)
    return ("Report-driven expiry in external mode, from accepted and from partially_filled; "
            "submitted and cancel_pending orders cannot expire.", config(), s.lines)


@scenario
def expiry_simulated() -> Scenario:
    s = Script()
    s.bar(MINUTE, "100", "101", "99", "100")
    s.place("l1", "buy", "1", "limit", limit="95", expire=90_000)  # expires before the next bar
    s.place("l2", "buy", "1", "limit", limit="95", expire=2 * MINUTE)  # equal time: still valid
    s.place("m1", "buy", "1", expire=MINUTE)  # market orders never expire
    s.place("l3", "sell", "1", "limit", limit="200", expire=150_000)
    s.bar(2 * MINUTE, "97", "98", "94", "96")  # would fill l1 at 95, but it expires first
    s.bar(3 * MINUTE, "96", "97", "95", "96")  # 150000 < 180000: l3 expires
    return ("expire_time-driven expiry in simulated mode: a non-market order whose expire_time is "
            "strictly earlier than the bar's time expires before matching.",
            config(mode="simulated"), s.lines)


@scenario
def replace_up_and_down() -> Scenario:
    s = Script()
    s.place("o1", "buy", "10", "limit", limit="100")
    s.place("m1", "sell", "1")
    s.place("sl", "buy", "1", "stop_limit", limit="110", stop="105")
    s.accepted("o1")
    s.accepted("m1")
    s.accepted("sl")
    s.filled("o1", "f1", "4", "100")
    s.replace("o1", qty="12")  # up
    s.replace("o1", qty="6")  # down, still above filled
    s.replace("o1", qty="4")  # equal to filled: refused
    s.replace("o1", qty="3")  # below filled: refused
    s.replace("o1", limit="99")
    s.replace("o1", stop="1")  # a limit order has no stop
    s.replace("m1", limit="5")  # a market order has no limit
    s.replace("sl", limit="111", stop="104")
    s.replace("o1", qty="2000")  # the new remaining (1996 x 99) exceeds cash
    s.filled("o1", "f2", "2", "99")
    s.replace("o1", qty="7")  # filled is terminal
    s.cancel("sl")
    s.replace("sl", qty="2")  # cancel_pending: refused
    return ("replace_order up and down keeps the state and shows the new quantities; a new qty at or "
            "below the filled qty, a price field the order type lacks, or a non-working order is "
            "illegal_transition; the replaced order is checked for cash like a placement.",
            config(), s.lines)


@scenario
def kill_switch() -> Scenario:
    s = Script()
    s.place("o1", "buy", "1", "limit", limit="10")
    s.kill_event(True)
    s.place("o2", "buy", "1", "limit", limit="10")  # refused
    s.place("o1", "buy", "1", "limit", limit="10", intent_id="i-o1b")  # duplicate_order_id wins
    s.accepted("o1")  # reports still apply
    s.replace("o1", qty="2")  # replaces are refused
    s.cancel("o1")  # cancels remain allowed
    s.flag("kill_switch", False)
    s.place("o2", "buy", "1", "limit", limit="10")
    s.flag("kill_switch", True)
    s.place("o3", "sell", "1", "limit", limit="10")
    s.kill_event(False)
    s.place("o3", "sell", "1", "limit", limit="10")
    return ("The kill switch (control event or set_risk_flag) refuses placements and replaces with "
            "kill_switch at /intent_type; cancels and reports still apply.", config(), s.lines)


@scenario
def insufficient_cash() -> Scenario:
    s = Script()
    s.place("m0", "buy", "1")  # a market buy before any bar cannot be valued
    s.bar(MINUTE, "100", "100", "100", "100")
    s.place("m1", "buy", "9")  # 900 + 0.9 commission at the last close
    s.place("l1", "buy", "1", "limit", limit="99.1")  # 99.1991 > 1000 - 900.9
    s.place("l2", "buy", "1", "limit", limit="99")  # 99.099 fits exactly under 99.1
    s.place("s1", "buy", "0.00001", "stop", stop="100")  # 0.001001 > the 0.001 left
    s.place("x1", "sell", "50", "limit", limit="1")  # sells need no cash
    s.accepted("l2")
    s.cancel("l2")
    s.place("s1", "buy", "0.00001", "stop", stop="100")  # cancel_pending still commits
    s.cancelled("l2")
    s.place("s1", "buy", "0.5", "stop", stop="100")  # freed: 50.05 fits
    return ("insufficient_cash: a buy is checked at its limit, stop or the last close, plus "
            "commission, net of the cash committed to live buys.",
            config(cash="1000", rate="0.001"), s.lines)


@scenario
def insufficient_position() -> Scenario:
    s = Script()
    s.place("s0", "sell", "1", "limit", limit="10")
    s.place("b1", "buy", "10", "limit", limit="10")
    s.accepted("b1")
    s.filled("b1", "f1", "10", "10")
    s.place("s1", "sell", "6", "limit", limit="11")
    s.place("s2", "sell", "5", "limit", limit="11")  # 10 - 6 open = 4 < 5
    s.place("s3", "sell", "4", "limit", limit="11")
    s.accepted("s1")
    s.replace("s1", qty="7")  # its own 6 excluded: 10 - 4 = 6 < 7
    s.flag("allow_short", True)
    s.place("s2", "sell", "5", "limit", limit="11")
    s.flag("allow_short", False)
    s.place("s4", "sell", "1", "limit", limit="11", instrument="ETH-USD")  # no ETH position
    return ("With allow_short false a sell may not exceed the position net of live sells "
            "(insufficient_position); set_risk_flag switches it.",
            config(allow_short=False), s.lines)


@scenario
def risk_limits() -> Scenario:
    s = Script()
    s.place("q1", "buy", "101", "limit", limit="1")  # over max_order_qty
    s.place("n1", "buy", "100", "limit", limit="100.000000001")  # notional just over
    s.place("n2", "buy", "100", "limit", limit="100")  # exactly max_notional
    s.place("m1", "sell", "1")  # with max_notional, a market order needs a last close
    s.place("big", "buy", "1", "limit", limit="10000.000000001")  # risk_limit before insufficient_cash
    s.accepted("n2")
    s.replace("n2", qty="150")
    s.flag("kill_switch", True)
    s.place("q2", "buy", "101", "limit", limit="1")  # kill_switch before risk_limit
    return ("max_order_qty and max_notional refuse with risk_limit (after kill_switch, before "
            "insufficient_cash); a market order that cannot be valued is refused at /payload/instrument.",
            config(cash="20000", max_qty="100", max_notional="10000"), s.lines)


@scenario
def short_and_flip() -> Scenario:
    s = Script()
    s.place("a", "sell", "2")
    s.accepted("a")
    s.filled("a", "a1", "2", "100", fee="0.2")  # short 2 @ 100
    s.place("b", "buy", "1", "limit", limit="90")
    s.accepted("b")
    s.filled("b", "b1", "1", "90", fee="0.1")  # cover 1: realized +10, fees excluded
    s.place("c", "buy", "3", "limit", limit="95")
    s.accepted("c")
    s.filled("c", "c1", "3", "95", fee="-0.03")  # close 1 (+5), open long 2 @ 95; a rebate
    s.place("d", "sell", "2", "limit", limit="97")
    s.accepted("d")
    s.filled("d", "d1", "2", "97")  # back to flat: +4, avg 0
    s.place("e", "sell", "1", "limit", limit="97")
    s.accepted("e")
    s.filled("e", "e1", "1", "97.5")  # short again at the fill price
    return ("Short, partial cover, flip through zero (close first, open the rest at the fill price), "
            "back to flat: realized PnL excludes fees, avg resets to 0 when flat.", config(), s.lines)


@scenario
def unknown_and_duplicate_ids() -> Scenario:
    s = Script()
    s.cancel("ghost")
    s.replace("ghost", qty="1")
    s.place("c1", "sell", "1", "limit", limit="10", parent="ghost")
    s.filled("ghost", "f1", "1", "1")
    s.place("o1", "buy", "1", "limit", limit="10")
    s.place("o1", "buy", "2", "limit", limit="10", intent_id="another")
    s.accepted("o1", venue="other-venue")  # same id on another venue: not this order
    s.accepted("o1", instrument="ETH-USD")
    for report in ("order_accepted", "order_cancelled", "order_expired"):
        s.report(report, "ghost")
    s.rejected("ghost")
    s.cancel_rejected("ghost")
    return ("Reports and intents naming an order the core does not know (or on another venue or "
            "instrument) are unknown_order; a new intent reusing an order_id is duplicate_order_id.",
            config(), s.lines)


# ========================================================== simulated matching
@scenario
def match_market() -> Scenario:
    s = Script()
    s.place("early", "sell", "1")  # placed before any bar: eligible on the first one
    s.bar(MINUTE, "100", "105", "95", "102")
    s.place("mb", "buy", "2")  # checked at the last close 102
    s.place("ms", "sell", "1")
    s.bar(MINUTE, "101", "101", "101", "101")  # same time as the placement bar: not eligible
    s.bar(2 * MINUTE, "110", "112", "108", "111")  # both fill at the open, in submission order
    return ("Market orders fill at the open of the next bar (bar t+1 at the earliest); a bar with "
            "the same time as the placement bar does not count.", config(mode="simulated", rate="0.001"),
            s.lines)


@scenario
def match_limit() -> Scenario:
    s = Script()
    s.bar(MINUTE, "100", "101", "99", "100")
    s.place("b_gap", "buy", "1", "limit", limit="99")  # gap down through it: at the open
    s.place("b_touch", "buy", "1", "limit", limit="97")  # low touches: at the limit
    s.place("b_miss", "buy", "1", "limit", limit="90")
    s.place("s_miss", "sell", "1", "limit", limit="120")
    s.bar(2 * MINUTE, "98", "99", "96", "97")
    s.place("s_gap", "sell", "1", "limit", limit="101")  # gap up through it: at the open
    s.place("s_touch", "sell", "1", "limit", limit="104")  # high touches: at the limit
    s.bar(3 * MINUTE, "103", "105", "102", "104")
    return ("Limit orders: buy at the open if open <= limit, else at the limit if low <= limit; "
            "sells mirrored; untouched limits rest.", config(mode="simulated"), s.lines)


@scenario
def match_stop() -> Scenario:
    s = Script()
    s.bar(MINUTE, "100", "101", "99", "100")
    s.place("b_gap", "buy", "1", "stop", stop="105")  # opens above: at the open
    s.place("b_touch", "buy", "1", "stop", stop="109")  # high reaches it: at the stop
    s.place("b_miss", "buy", "1", "stop", stop="150")
    s.bar(2 * MINUTE, "108", "110", "107", "109")
    s.place("s_gap", "sell", "1", "stop", stop="100")  # gaps below: at the open
    s.place("s_touch", "sell", "1", "stop", stop="93")  # low reaches it: at the stop
    s.bar(3 * MINUTE, "95", "96", "92", "94")
    return ("Stop orders: buy at the open if open >= stop, else at the stop if high >= stop; sells "
            "mirrored; gaps through the stop fill at the open.", config(mode="simulated"), s.lines)


@scenario
def match_stop_limit() -> Scenario:
    s = Script()
    s.bar(MINUTE, "100", "101", "99", "100")
    s.place("b_fill", "buy", "1", "stop_limit", stop="105", limit="107")  # max(106,105)=106 <= 107
    s.place("b_rest", "buy", "1", "stop_limit", stop="102", limit="104")  # max(106,102)=106 > 104
    s.bar(2 * MINUTE, "106", "108", "105", "107")  # gaps up through both stops
    s.bar(3 * MINUTE, "103", "104", "101", "102")  # b_rest fills as a limit at the open 103
    s.place("s_fill", "sell", "1", "stop_limit", stop="95", limit="93")  # min(102,95)=95 >= 93
    s.place("s_rest", "sell", "1", "stop_limit", stop="99", limit="98")
    s.bar(4 * MINUTE, "97", "102", "94", "95")  # s_rest triggers, min(97,99)=97 < 98: rests
    s.bar(5 * MINUTE, "96", "99", "95", "97")  # as a sell limit 98: high reaches it, fills at 98
    return ("Stop-limit orders: triggered-and-filled on the trigger bar at max(open, stop) (buy) / "
            "min(open, stop) (sell) when within the limit, else triggered-then-resting as a limit "
            "order from the next bar.", config(mode="simulated"), s.lines)


@scenario
def match_ioc_fok() -> Scenario:
    s = Script()
    s.bar(MINUTE, "100", "101", "99", "100")
    s.place("ioc_miss", "buy", "1", "limit", limit="90", tif="ioc")
    s.place("ioc_hit", "buy", "1", "limit", limit="100", tif="ioc")
    s.place("fok_miss", "sell", "1", "limit", limit="200", tif="fok")
    s.place("fok_hit", "sell", "1", tif="fok")
    s.place("ioc_sl", "buy", "1", "stop_limit", stop="101", limit="102", tif="ioc")  # gaps past
    s.bar(MINUTE, "100", "100", "100", "100")  # same time: not their first eligible bar
    s.bar(2 * MINUTE, "104", "105", "98", "103")
    return ("ioc and fok orders that do not fill on their first eligible bar are cancelled after that "
            "bar's fills (reason time_in_force); a triggered stop-limit that cannot fill does not rest.",
            config(mode="simulated"), s.lines)


@scenario
def simulated_cash_rejection() -> Scenario:
    s = Script()
    s.bar(MINUTE, "100", "100", "100", "100")
    s.place("m1", "buy", "5")  # 500 at the last close
    s.place("m2", "buy", "5")  # 500 more: exactly the cash
    s.place("tp", "sell", "5", "limit", limit="150", parent="m2", oco="b")
    s.place("sl", "sell", "5", "stop", stop="80", parent="m2", oco="b")
    s.bar(2 * MINUTE, "110", "111", "109", "110")  # m1 costs 550; m2 would make cash negative
    return ("Simulated fills in submission order; a fill that would make cash negative is not "
            "booked: the order is rejected (reason insufficient_cash) and its bracket children "
            "are cancelled.", config(mode="simulated", cash="1000"), s.lines)


@scenario
def simulated_report_refused() -> Scenario:
    s = Script()
    s.bar(MINUTE, "100", "100", "100", "100")
    s.place("m1", "sell", "1")
    s.accepted("m1")
    s.filled("m1", "f1", "1", "100")
    s.cancelled("m1")
    s.filled("zz", "f1", "1", "100")  # unknown_order comes first
    s.filled("m1", "f1", "1", "100", instrument="ETH-USD")
    s.bar(2 * MINUTE, "101", "101", "101", "101")
    return ("In simulated mode the core is the venue: broker reports about its orders are refused "
            "with illegal_transition at /source (after unknown_order).", config(mode="simulated"), s.lines)


# ============================================================ brackets and OCO
@scenario
def bracket_simulated() -> Scenario:
    s = Script()
    s.bar(MINUTE, "100", "101", "99", "100")
    s.place("p1", "buy", "5", "limit", limit="100")
    s.place("tp", "sell", "5", "limit", limit="110", parent="p1", oco="b1")
    s.place("sl", "sell", "5", "stop", stop="95", parent="p1", oco="b1")
    s.bar(2 * MINUTE, "100", "102", "99", "101")  # p1 fills; children activate, not eligible yet
    s.bar(3 * MINUTE, "105", "112", "104", "111")  # tp fills at 110; sl cancelled by OCO
    s.place("late_child", "sell", "1", "limit", limit="120", parent="p1")  # parent filled: at once
    s.place("dead_child", "sell", "1", "limit", limit="120", parent="sl")  # parent cancelled
    return ("Bracket in simulated mode: the children wait in created until the parent is "
            "completely filled, then are submitted and accepted in that result; the first child to "
            "fill cancels its OCO sibling.", config(mode="simulated"), s.lines)


@scenario
def bracket_external() -> Scenario:
    s = Script()
    s.place("p1", "buy", "5", "limit", limit="100")
    s.place("tp", "sell", "5", "limit", limit="110", parent="p1", oco="b1")
    s.place("sl", "sell", "5", "stop", stop="95", parent="p1", oco="b1")
    s.accepted("p1")
    s.filled("p1", "f1", "2", "100")  # partial: children keep waiting
    s.accepted("tp")  # still created: illegal
    s.filled("p1", "f2", "3", "99")  # complete: children created -> submitted
    s.accepted("tp")
    s.accepted("sl")
    s.filled("sl", "f1", "1", "95")  # the first fill of an OCO member cancels the other
    s.cancelled("tp")  # already cancelled by OCO
    s.filled("sl", "f2", "4", "94.5")
    return ("Bracket in external mode: a partial parent fill leaves the children waiting, the "
            "complete fill submits them, the first (partial) fill of one child cancels the other.",
            config(), s.lines)


@scenario
def bracket_parent_cancelled() -> Scenario:
    s = Script()
    s.bar(MINUTE, "100", "101", "99", "100")
    s.place("p1", "buy", "5", "limit", limit="90")
    s.place("tp", "sell", "5", "limit", limit="110", parent="p1", oco="b1")
    s.place("sl", "sell", "5", "stop", stop="85", parent="p1", oco="b1")
    s.bar(2 * MINUTE, "100", "101", "95", "96")
    s.cancel("tp")  # a waiting child cannot be cancelled on its own
    s.cancel("p1")  # the parent ends without filling: both children are cancelled
    s.bar(3 * MINUTE, "80", "120", "80", "100")
    return ("Bracket parent cancelled before filling: its waiting children are cancelled in the "
            "same result (reason parent_ended).", config(mode="simulated"), s.lines)


@scenario
def bracket_parent_ended_external() -> Scenario:
    s = Script()
    s.place("p1", "buy", "5", "limit", limit="100")
    s.place("c1", "sell", "5", "limit", limit="110", parent="p1")
    s.place("p2", "buy", "5", "limit", limit="100")
    s.place("c2", "sell", "5", "limit", limit="110", parent="p2", oco="g2")
    s.place("c3", "sell", "5", "stop", stop="90", parent="p2", oco="g2")
    s.place("gc", "sell", "1", "limit", limit="120", parent="c2")  # a grandchild
    s.rejected("p1")
    s.accepted("p2")
    s.filled("p2", "f1", "2", "100")
    s.expired("p2")  # partially filled then expired: not completely filled
    return ("A parent that is rejected, or expires after a partial fill, cancels its waiting "
            "children (and theirs, breadth first).", config(), s.lines)


@scenario
def oco_simulated() -> Scenario:
    s = Script()
    s.bar(MINUTE, "100", "101", "99", "100")
    s.place("lo", "buy", "1", "limit", limit="95", oco="g")
    s.place("hi", "buy", "1", "stop", stop="105", oco="g")
    s.place("a", "sell", "1", "limit", limit="110", oco="h")
    s.place("b", "sell", "1", "stop", stop="90", oco="h")
    s.bar(2 * MINUTE, "100", "106", "99", "105")  # hi fills at 105: lo cancelled
    s.bar(3 * MINUTE, "100", "111", "89", "100")  # both a and b touch: a (submitted first) wins
    return ("OCO in simulated mode: the first member to fill cancels the others; when several "
            "could fill on one bar, submission order decides.", config(mode="simulated"), s.lines)


@scenario
def oco_external() -> Scenario:
    s = Script()
    for oid in ("a1", "a2", "b1", "b2", "c1", "c2"):
        s.place(oid, "buy", "2", "limit", limit="10", oco="g" + oid[0])
    for oid in ("a1", "a2", "b1", "b2", "c1", "c2"):
        s.accepted(oid)
    s.filled("a1", "f1", "1", "10")  # a partial fill fires the group
    s.expired("b2")  # so does an expiry
    s.rejected("c1")  # a rejection does not
    s.cancel("c2")
    s.cancelled("c2")
    return ("OCO in external mode: the first fill (even partial), cancellation or expiry of a member "
            "cancels the other live members; a rejection does not.", config(), s.lines)


# ===================================================== sequencing and lateness
@scenario
def late_event_reject() -> Scenario:
    s = Script()
    s.bar(2 * MINUTE, "100", "100", "100", "100")
    s.bar(MINUTE, "99", "99", "99", "99")  # older than its stream: refused
    s.bar(MINUTE, "99", "99", "99", "99", producer=1)  # another producer is another stream
    s.bar(2 * MINUTE, "101", "101", "101", "101")  # equal time is not late
    s.timer(time=5)
    s.timer(time=4)
    s.noop()
    return ("late_policy reject: an event older than the last one of its stream (source, venue, "
            "instrument, producer) is refused with late_event and consumes nothing.",
            config(mode="simulated"), s.lines)


@scenario
def late_event_accept() -> Scenario:
    s = Script()
    s.bar(2 * MINUTE, "100", "100", "100", "100")
    s.place("m1", "buy", "1")
    s.bar(MINUTE, "90", "90", "90", "90")  # late: applied, but cannot fill an order placed later
    s.place("m2", "buy", "1")  # still valued at the newest bar's close (100)
    s.bar(3 * MINUTE, "101", "101", "101", "101")
    s.trade(150_000, "102")  # trades share the bars' stream: late, and not the last price
    s.trade(100_000, "103")
    return ("late_policy accept: a late event is applied with late: true; an older bar does not "
            "replace the current bar and never fills an order placed after it.",
            config(mode="simulated", late="accept"), s.lines)


@scenario
def late_report_accept() -> Scenario:
    s = Script()
    s.place("o1", "buy", "2", "limit", limit="10")
    s.accepted("o1", time=5000)
    s.filled("o1", "f1", "1", "10", time=4000)  # late but applied
    s.filled("o1", "f1", "1", "10", time=3000)  # late and a duplicate
    s.filled("o1", "f2", "1", "10", time=5000)
    return ("late_policy accept with broker reports: late reports are applied (late: true); a late "
            "duplicate is still a duplicate.", config(late="accept"), s.lines)


@scenario
def out_of_sequence() -> Scenario:
    s = Script()
    s.noop()
    s.noop(seq=1)  # equal: refused
    s.place("o1", "buy", "1", "limit", limit="10", seq=3)
    s.bar(MINUTE, "1", "1", "1", "1", seq=2)  # lower: refused
    s.place("o2", "buy", "1", "limit", limit="1e9", seq=4)  # refused (cash) ...
    s.place("o2", "buy", "1", "limit", limit="10", seq=4)  # ... so seq 4 is still free
    s.place("o1", "buy", "1", "limit", limit="10", seq=5)  # a duplicate consumes its seq_id
    s.noop(seq=5)
    s.noop(seq=9)  # gaps are fine
    return ("A seq_id not greater than the last applied one is out_of_sequence; refused inputs do not "
            "consume their seq_id, accepted ones (duplicates included) do.", config(), s.lines)


# ============================================================ validation
def _event_line(seq: int, **changes: Any) -> dict[str, Any]:
    base = {"kind": "event", "seq_id": seq, "event_time": 1000, "ingest_time": 1000, "source": "market_data",
            "venue": VENUE, "instrument": BTC, "event_type": "bar",
            "payload": {"open": "1", "high": "2", "low": "0.5", "close": "1.5", "volume": "3",
                        "timeframe_ms": MINUTE},
            "idempotency_key": None, "producer": 0}
    base.update(changes)
    return base


def _place_line(seq: int, **changes: Any) -> dict[str, Any]:
    payload = {"intent_id": f"i{seq}", "order_id": f"o{seq}", "instrument": BTC, "venue": VENUE,
               "side": "buy", "order_type": "limit", "qty": "1", "limit_price": "10", "stop_price": None,
               "time_in_force": "gtc", "expire_time": None, "parent_order_id": None, "oco_group": None,
               "strategy_id": "golden"}
    payload.update(changes)
    return {"kind": "intent", "seq_id": seq, "intent_type": "place_order", "payload": payload}


def _without(obj: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in keys}


@scenario
def invalid_payload_precedence() -> Scenario:
    s = Script()
    s.raw("not json")
    s.raw('{"kind":"intent","seq_id":1,"intent_type":"noop","payload":{},"seq_id":2}')  # duplicate key
    s.raw('{"kind":"intent","seq_id":NaN,"intent_type":"noop","payload":{}}')
    s.raw('{"kind":"intent","seq_id":1,"intent_type":"noop","payload":{"x":"\\ud800"}}')  # lone surrogate
    s.raw('{"kind":"intent","seq_id":1,"intent_type":"noop","payload":' + "[" * 40 + "]" * 40 + "}")
    s.raw("[1,2]")
    s.obj({"kind": "order", "seq_id": 5})
    s.obj({**_without(_event_line(1), "producer"), "zz": 1, "aa": 2})  # smallest unknown key first
    s.obj(_without({**_event_line(1), "seq_id": "1"}, "producer"))  # keys in order: seq_id first
    s.obj(_without({**_event_line(1), "payload": {"open": "1"}}, "producer"))  # payload before producer
    s.obj({**_event_line(1), "venue": None})  # market data needs a venue
    s.obj({**_event_line(1), "source": "broker_report"})  # bar is market_data's
    s.obj({**_event_line(1), "payload": {**_event_line(1)["payload"], "extra": 1}})
    s.obj({**_event_line(1), "payload": {**_event_line(1)["payload"], "open": None}})  # null: shape
    s.obj({**_event_line(1), "payload": {**_event_line(1)["payload"], "open": True, "close": []}})
    s.obj({**_event_line(1), "seq_id": 0})
    s.obj({**_event_line(1), "seq_id": True})
    s.obj({**_event_line(1), "idempotency_key": ""})
    s.obj({**_event_line(1), "producer": -1})
    s.obj(_place_line(1, limit_price=None, qty="abc"))  # missing limit beats a bad number
    s.obj(_place_line(1, stop_price="5"))
    s.obj(_place_line(1, parent_order_id="o1"))
    s.obj(_place_line(1, order_id="bad\u0007id"))
    s.obj(_place_line(1, order_id="x" * 129))
    s.obj(_place_line(1, expire_time=-1))
    s.obj(_place_line(1, side="long"))
    s.obj({"kind": "intent", "seq_id": 1, "intent_type": "replace_order",
           "payload": {"order_id": "o1", "qty": None, "limit_price": None, "stop_price": None}})
    s.obj({"kind": "intent", "seq_id": 1, "intent_type": "noop"})
    s.obj({"kind": "intent", "seq_id": 1, "intent_type": "dance", "payload": {}})
    s.noop(seq=1)  # nothing above consumed seq 1
    return ("invalid_payload cases and their order: unreadable lines (seq_id null, field \"\"), then "
            "kind, the smallest unknown key, each declared key in order (presence, then type), the "
            "payload at its turn, then cross-field checks; shape beats any number problem.",
            config(), s.lines)


@scenario
def invalid_number_precedence() -> Scenario:
    s = Script()
    for bad in ("NaN", "1,5", " 1", "0x10", "\u0661", "", "1e", True):
        s.obj(_place_line(1, qty=bad))
    s.raw(json.dumps(_place_line(1, qty="1"), separators=(",", ":")).replace('"1"', "1e400", 1))
    s.obj(_place_line(1, qty="0"))
    s.obj(_place_line(1, qty=-1))
    s.obj(_place_line(1, qty=1e-10))  # a positive float that rounds to zero
    s.obj(_place_line(1, qty="1e40", limit_price="1,5"))  # invalid_number beats an earlier overflow
    s.obj(_place_line(1, qty="1e40", limit_price="1e40"))  # the first overflow is reported
    s.obj(_place_line(1, qty="1e999999999999999999999"))
    s.obj({**_event_line(1), "payload": {**_event_line(1)["payload"], "high": "0.1"}})  # high < low
    s.obj({**_event_line(1), "payload": {**_event_line(1)["payload"], "open": "3"}})
    s.obj({**_event_line(1), "payload": {**_event_line(1)["payload"], "close": "0.1"}})
    s.obj({**_event_line(1), "payload": {**_event_line(1)["payload"], "volume": "-1"}})
    s.event("trade", "market_data", {"price": "-5", "amount": "0", "side": "buy", "trade_id": "t"})
    s.obj(_place_line(1, qty=0.1, limit_price=1e-12))  # floats via their shortest digits
    s.obj(_place_line(2, qty="1E-9", limit_price="-0"))  # prices may be zero
    return ("invalid_number cases: malformed text, booleans, infinities, quantities <= 0 (after "
            "rounding), inconsistent bars; the first invalid_number wins over any numeric_overflow.",
            config(), s.lines)


# ============================================================ overflow
@scenario
def numeric_overflow() -> Scenario:
    s = Script()
    big = "1000000000000000"  # 1e15: qty x price = 1e30 leaves the i128 fixed-point range
    s.place("s1", "sell", big, "limit", limit=big)
    s.accepted("s1")
    s.filled("s1", "f1", big, big)  # the notional overflows: refused, nothing changes
    s.filled("s1", "f1", "1", "100", seq=s.seq)  # the refused seq_id is reused
    s.place("b1", "buy", big, "limit", limit=big)  # the cash check itself overflows
    s.place("b2", "buy", "1e40", "limit", limit="1")  # overflow while parsing: the field is named
    top = "170141183460469231731687303715.884105727"  # (2**127 - 1) / 10**9: the largest value
    s.place("b3", "buy", top[:-1] + "8", "limit", limit="1")  # one unit more: overflow at parse
    s.place("b4", "buy", top, "limit", limit="0")  # fits, and costs nothing at price 0
    s.place("b5", "sell", "1", "limit", limit="-" + top[:-1] + "8")  # -2**127 raw: the lowest
    s.place("b6", "sell", "1", "limit", limit="-" + top[:-1] + "9")
    return ("numeric_overflow: while parsing (field named) or while computing effects (field \"\", "
            "whole input refused, state untouched, seq_id not consumed).", config(), s.lines)


@scenario
def numeric_overflow_simulated() -> Scenario:
    s = Script()
    big = "1000000000000000"
    s.bar(MINUTE, "1", "1", "1", "1")
    s.place("s1", "sell", big)
    s.bar(2 * MINUTE, big, big, big, big)  # the fill overflows: the whole bar is refused
    s.place("m1", "buy", "1")  # still valued at the close 1: the refused bar was not recorded
    s.bar(2 * MINUTE, "2", "2", "2", "2")
    return ("A simulated fill that overflows refuses the whole bar (not even recorded as the current "
            "bar); the next sane bar fills the order.", config(mode="simulated"), s.lines)


# ================================================================== writing
def build(name: str) -> tuple[dict[str, Any], list[str]]:
    """The fixture document for scenario ``name`` and its disagreements with the core."""
    from cracktrader.engine import build_core

    description, cfg, lines = SCENARIOS[name]()
    expected, model = oracle_run(cfg, lines)
    core = build_core("python", config=cfg)
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    actual = core.apply_jsonl(data).decode("utf-8").splitlines()
    snapshot = core.snapshot()
    problems = [f"input {i}: {lines[i]}\n  oracle: {want}\n  core:   {got}"
                for i, (want, got) in enumerate(zip(expected, actual)) if want != got]
    problems += compare_model(model, snapshot)
    document = {"schema_version": 1, "name": name, "target": "core", "description": description,
                "config": cfg, "inputs": lines, "expected": expected, "final_snapshot": snapshot,
                "final_state_hash": core.state_hash()}
    return document, problems


def compare_model(model: dict[str, Any], snapshot: dict[str, Any]) -> list[str]:
    """Where the oracle's final model and the core's snapshot disagree."""
    orders = {o["order_id"]: {k: o[k] for k in ("state", "qty", "filled_qty", "avg_fill_price", "limit_price",
                                                  "stop_price", "fill_count", "triggered")}
              for o in snapshot["orders"]}
    core_view = {"last_seq_id": snapshot["last_seq_id"], "cash": snapshot["cash"],
                 "fees_paid": snapshot["fees_paid"], "positions": snapshot["positions"], "orders": orders,
                 "applied_keys": snapshot["applied_keys"], "kill_switch": snapshot["kill_switch"],
                 "allow_short": snapshot["risk_flags"]["allow_short"]}
    return [f"final {key}: oracle {model[key]!r} != core {core_view[key]!r}"
            for key in model if model[key] != core_view[key]]


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=1, ensure_ascii=False, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report stale or missing fixture files")
    parser.add_argument("--only", action="append", default=[], help="build only this scenario (repeatable)")
    parser.add_argument("--out", type=pathlib.Path, default=OUT, help="output folder (default fixtures/golden)")
    args = parser.parse_args(argv)
    names = args.only or list(SCENARIOS)
    failed = False
    for name in names:
        document, problems = build(name)
        if problems:
            failed = True
            print(f"[{name}] oracle and core disagree:\n" + "\n".join(problems), file=sys.stderr)
            continue
        path = args.out / f"{name}.json"
        body = render(document)
        if args.check:
            if not path.exists() or path.read_text("utf-8") != body:
                failed = True
                print(f"[{name}] {path} is stale or missing", file=sys.stderr)
        else:
            args.out.mkdir(parents=True, exist_ok=True)
            path.write_text(body, "utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
