"""The oracle's state model: orders, cash, positions, simulated matching.

Written from DESIGN.md sections 5-8 and docs/decisions.md D-030..D-043 (and the
D-3xx clarifications), in the plainest form that states each rule once:

- one input is applied to a deep copy of the state, which replaces the state only if
  the input is accepted (D-030, D-031: a refusal changes nothing);
- every product (qty x price, notional x rate, price difference x qty) is exact and
  then rounded half-even to 9 decimals; averages are exact sums divided once.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from oracle.arith import Overflow, exact_product, fits, plus, product, round9, text, to_number
from oracle.reading import Input, Refused, echo_seq_id, read_line, validate

ZERO = Fraction(0)
TERMINAL = ("filled", "cancelled", "rejected", "expired")
WORKING = ("accepted", "partially_filled")  # at the venue: may fill, cancel, expire, replace
ENDED_WITHOUT_FILL = ("cancelled", "rejected", "expired")
REPORTS = ("order_accepted", "order_rejected", "order_filled", "order_cancelled", "cancel_rejected", "order_expired")


@dataclass
class Order:
    """One order as the rules see it."""

    order_id: str
    venue: str
    instrument: str
    side: str
    type: str
    qty: Fraction
    limit: Fraction | None
    stop: Fraction | None
    tif: str
    expire_time: int | None
    parent: str | None
    oco: str | None
    seq: int  # the seq_id of its place_order: submission order
    state: str = "created"
    filled: Fraction = ZERO
    paid: Fraction = ZERO  # sum of qty x price, exact (unrounded)
    fills: int = 0
    bar_time: int | None = None  # the bar current when placed/activated (D-036)
    triggered: bool = False

    @property
    def remaining(self) -> Fraction:
        return self.qty - self.filled

    @property
    def buy(self) -> bool:
        return self.side == "buy"

    def avg(self) -> Fraction | None:
        return None if self.filled == 0 else round9(self.paid / self.filled)


@dataclass
class Position:
    size: Fraction = ZERO
    avg: Fraction = ZERO
    realized: Fraction = ZERO


@dataclass
class State:
    cash: Fraction
    fees: Fraction = ZERO
    last_seq: int = 0
    orders: dict[str, Order] = field(default_factory=dict)
    positions: dict[tuple[str, str], Position] = field(default_factory=dict)
    keys: set[str] = field(default_factory=set)
    streams: dict[tuple, int] = field(default_factory=dict)
    bars: dict[tuple[str, str], tuple[int, Fraction]] = field(default_factory=dict)  # (time, close)
    prices: dict[tuple[str, str], tuple[int, Fraction]] = field(default_factory=dict)
    kill: bool = False
    allow_short: bool = True


class Effects:
    """What one accepted input did, in the order it happened."""

    def __init__(self) -> None:
        self.transitions: list[dict[str, Any]] = []
        self.fills: list[dict[str, Any]] = []
        self.cash = ZERO
        self.positions: dict[tuple[str, str], list[Fraction]] = {}


def refused(seq_id: int | None, code: str, where: str) -> dict[str, Any]:
    return {"seq_id": seq_id, "accepted": False, "code": code, "transitions": [], "fills": [],
            "cash_delta": "0", "position_deltas": [], "late": False,
            "diagnostics": [{"code": code, "field": where}]}


def canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class Oracle:
    """Apply JSON lines one by one; ``results`` are plain dicts."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.mode = config.get("mode", "simulated")
        self.simulated = self.mode == "simulated"
        self.rate = to_number(config.get("commission_rate", "0"))
        self.late_policy = config.get("late_policy", "reject")
        limit = config.get("max_order_qty")
        self.max_qty = None if limit is None else to_number(limit)
        limit = config.get("max_notional")
        self.max_notional = None if limit is None else to_number(limit)
        self.s = State(cash=to_number(config.get("starting_cash", "100000")),
                       allow_short=config.get("allow_short", True))

    # -------------------------------------------------------------- driver
    def apply_line(self, line: str) -> dict[str, Any]:
        try:
            obj = read_line(line)
        except Refused as r:
            return refused(None, r.code, r.field)
        try:
            inp = validate(obj)
        except Refused as r:
            return refused(echo_seq_id(obj), r.code, r.field)
        working_copy = copy.deepcopy(self.s)
        try:
            result = self._apply(working_copy, inp)
        except Refused as r:
            return refused(inp.seq_id, r.code, r.field)
        except Overflow:
            return refused(inp.seq_id, "numeric_overflow", "")
        self.s = working_copy
        return result

    def _apply(self, s: State, inp: Input) -> dict[str, Any]:
        if inp.seq_id <= s.last_seq:
            raise Refused("out_of_sequence", "/seq_id")
        late = False
        stream = None
        if inp.kind == "event":
            stream = (inp.source, inp.venue, inp.instrument, inp.producer)
            if stream in s.streams and inp.event_time < s.streams[stream]:
                if self.late_policy == "reject":
                    raise Refused("late_event", "/event_time")
                late = True
        key = self._key(inp)
        s.last_seq = inp.seq_id
        if key is not None and key in s.keys:
            return self._result(inp.seq_id, "duplicate", Effects(), late)
        fx = Effects()
        getattr(self, "on_" + inp.type)(s, inp, fx)
        if stream is not None and not late:
            s.streams[stream] = inp.event_time
        if key is not None:
            s.keys.add(key)
        return self._result(inp.seq_id, "ok", fx, late)

    def _key(self, inp: Input) -> str | None:
        """DESIGN.md section 6 and D-033."""
        p = inp.payload
        if inp.kind == "intent":
            return "intent:" + p["intent_id"] if inp.type == "place_order" else None
        if inp.key is not None:
            return inp.key
        if inp.type == "order_filled":
            return f"fill:{inp.venue}:{p['order_id']}:{p['fill_id']}"
        if inp.type in REPORTS:
            return f"{inp.type}:{inp.venue}:{p['order_id']}"
        return None

    def _result(self, seq_id: int, code: str, fx: Effects, late: bool) -> dict[str, Any]:
        deltas = [{"venue": v, "instrument": i, "size_delta": text(d[0]), "realized_pnl_delta": text(d[1])}
                  for (v, i), d in sorted(fx.positions.items())]
        return {"seq_id": seq_id, "accepted": True, "code": code, "transitions": fx.transitions,
                "fills": fx.fills, "cash_delta": text(fx.cash), "position_deltas": deltas, "late": late,
                "diagnostics": []}

    # ------------------------------------------------------------ changes
    def move(self, order: Order, to: str, fx: Effects, reason: str | None = None, was: Any = ...) -> None:
        previous = order.state if was is ... else was
        order.state = to
        avg = order.avg()
        fx.transitions.append({"order_id": order.order_id, "from": previous, "to": to,
                               "filled_qty": text(order.filled), "remaining_qty": text(order.remaining),
                               "avg_fill_price": None if avg is None else text(avg), "reason": reason})

    def submit(self, s: State, order: Order, fx: Effects, reason: str | None, bar_time: int | None) -> None:
        order.bar_time = bar_time
        self.move(order, "submitted", fx, reason)
        if self.simulated:
            self.move(order, "accepted", fx, reason)

    def book(self, s: State, order: Order, qty: Fraction, price: Fraction, fee: Fraction | None,
             fill_id: str | None, fx: Effects) -> None:
        """Section 7: cash, fees, position, and the order's own quantities."""
        notional = product(qty, price)
        if fee is None:
            fee = product(abs(notional), self.rate)
        delta = plus(-notional if order.buy else notional, -fee)
        order.filled = plus(order.filled, qty)
        order.paid = fits(order.paid + exact_product(qty, price))
        order.fills += 1
        s.cash = plus(s.cash, delta)
        s.fees = plus(s.fees, fee)
        signed = qty if order.buy else -qty
        pos = s.positions.setdefault((order.venue, order.instrument), Position())
        realized = self._position(pos, signed, price)
        fx.cash = plus(fx.cash, delta)
        d = fx.positions.setdefault((order.venue, order.instrument), [ZERO, ZERO])
        d[0], d[1] = plus(d[0], signed), plus(d[1], realized)
        fx.fills.append({"order_id": order.order_id, "fill_id": fill_id or f"{order.order_id}:{order.fills}",
                         "venue": order.venue, "instrument": order.instrument, "side": order.side,
                         "qty": text(qty), "price": text(price), "fee": text(fee)})

    @staticmethod
    def _position(pos: Position, signed: Fraction, price: Fraction) -> Fraction:
        """Add (new average), reduce (realize against the average), or cross zero."""
        if pos.size == 0 or (pos.size > 0) == (signed > 0):
            new = plus(pos.size, signed)
            total = fits(exact_product(abs(pos.size), pos.avg) + exact_product(abs(signed), price))
            pos.avg, pos.size = fits(round9(total / abs(new))), new
            return ZERO
        closed = min(abs(signed), abs(pos.size))
        edge = price - pos.avg if pos.size > 0 else pos.avg - price
        realized = product(fits(edge), closed)
        pos.realized = plus(pos.realized, realized)
        new = plus(pos.size, signed)
        if new == 0:
            pos.avg = ZERO
        elif (new > 0) != (pos.size > 0):
            pos.avg = price  # the rest opens the other side at the fill price
        pos.size = new
        return realized

    def relatives(self, s: State, first: Order, fx: Effects, bar_time: int | None, by_fill: bool) -> None:
        """D-034, breadth first: children of a filled or dead parent, then OCO peers.

        ``cause`` is "fill", "end" or "oco": a member cancelled by its own group does not
        fire the group again (D-300), or a partially filled member that fired it would be
        cancelled by the cancellation it caused.
        """
        queue = [(first, "fill" if by_fill else "end")]
        while queue:
            order, cause = queue.pop(0)
            family = sorted(s.orders.values(), key=lambda o: o.seq)
            if order.state == "filled":
                for child in family:
                    if child.parent == order.order_id and child.state == "created":
                        when = bar_time if bar_time is not None else self._bar_time(s, child)
                        self.submit(s, child, fx, "parent_filled", when)
            elif order.state in ENDED_WITHOUT_FILL:
                for child in family:
                    if child.parent == order.order_id and child.state not in TERMINAL:
                        self.move(child, "cancelled", fx, "parent_ended")
                        queue.append((child, "end"))
            fires = cause == "fill" or (cause == "end" and order.state in ("cancelled", "expired"))
            if order.oco is not None and fires:
                for peer in family:
                    if peer.oco == order.oco and peer is not order and peer.state not in TERMINAL:
                        self.move(peer, "cancelled", fx, "oco")
                        queue.append((peer, "oco"))

    @staticmethod
    def _bar_time(s: State, order: Order) -> int | None:
        bar = s.bars.get((order.venue, order.instrument))
        return None if bar is None else bar[0]

    # -------------------------------------------------------- placement checks
    def _ref_price(self, s: State, venue: str, instrument: str, kind: str, limit, stop):
        if kind in ("limit", "stop_limit"):
            return limit
        if kind == "stop":
            return stop
        bar = s.bars.get((venue, instrument))
        return None if bar is None else bar[1]

    def _buy_cost(self, qty: Fraction, price: Fraction) -> Fraction:
        notional = product(qty, price)
        return plus(notional, product(abs(notional), self.rate))

    def checks(self, s: State, venue: str, instrument: str, side: str, kind: str, qty: Fraction,
               limit, stop, child: bool, skip: Order | None = None) -> None:
        """D-035, in precedence order."""
        if s.kill:
            raise Refused("kill_switch", "/intent_type")
        if self.max_qty is not None and qty > self.max_qty:
            raise Refused("risk_limit", "/payload/qty")
        price = self._ref_price(s, venue, instrument, kind, limit, stop)
        if price is None and (self.max_notional is not None or (side == "buy" and not child)):
            raise Refused("risk_limit", "/payload/instrument")
        if self.max_notional is not None and abs(product(qty, price)) > self.max_notional:
            raise Refused("risk_limit", "/payload/qty")
        if child:
            return
        live = [o for o in s.orders.values() if o.state not in TERMINAL + ("created",) and o is not skip]
        if side == "sell":
            if not s.allow_short:
                pos = s.positions.get((venue, instrument), Position())
                selling = sum((o.remaining for o in live
                               if not o.buy and (o.venue, o.instrument) == (venue, instrument)), ZERO)
                if pos.size - selling < qty:
                    raise Refused("insufficient_position", "/payload/qty")
            return
        committed = ZERO
        for o in live:
            if o.buy:
                ref = self._ref_price(s, o.venue, o.instrument, o.type, o.limit, o.stop)
                if ref is not None:
                    committed = plus(committed, self._buy_cost(o.remaining, ref))
        if self._buy_cost(qty, price) > s.cash - committed:
            raise Refused("insufficient_cash", "/payload/qty")

    # -------------------------------------------------------------- intents
    def on_place_order(self, s: State, inp: Input, fx: Effects) -> None:
        p = inp.payload
        if p["order_id"] in s.orders:
            raise Refused("duplicate_order_id", "/payload/order_id")
        parent = None
        if p["parent_order_id"] is not None:
            parent = s.orders.get(p["parent_order_id"])
            if parent is None:
                raise Refused("unknown_order", "/payload/parent_order_id")
            if parent.state in ENDED_WITHOUT_FILL:
                raise Refused("illegal_transition", "/payload/parent_order_id")
        self.checks(s, p["venue"], p["instrument"], p["side"], p["order_type"], p["qty"], p["limit_price"],
                    p["stop_price"], parent is not None)
        order = Order(p["order_id"], p["venue"], p["instrument"], p["side"], p["order_type"], p["qty"],
                      p["limit_price"], p["stop_price"], p["time_in_force"], p["expire_time"],
                      p["parent_order_id"], p["oco_group"], inp.seq_id)
        order.bar_time = self._bar_time(s, order)
        s.orders[order.order_id] = order
        self.move(order, "created", fx, was=None)
        if parent is None or parent.state == "filled":
            self.submit(s, order, fx, None, order.bar_time)

    def _order(self, s: State, order_id: str) -> Order:
        order = s.orders.get(order_id)
        if order is None:
            raise Refused("unknown_order", "/payload/order_id")
        return order

    def on_cancel_order(self, s: State, inp: Input, fx: Effects) -> None:
        order = self._order(s, inp.payload["order_id"])
        if order.state not in WORKING:
            raise Refused("illegal_transition", "/payload/order_id")
        self.move(order, "cancel_pending", fx)
        if self.simulated:
            self.move(order, "cancelled", fx)
            self.relatives(s, order, fx, None, False)

    def on_replace_order(self, s: State, inp: Input, fx: Effects) -> None:
        p = inp.payload
        order = self._order(s, p["order_id"])
        if order.state not in WORKING:
            raise Refused("illegal_transition", "/payload/order_id")
        if p["limit_price"] is not None and order.type not in ("limit", "stop_limit"):
            raise Refused("illegal_transition", "/payload/limit_price")
        if p["stop_price"] is not None and order.type not in ("stop", "stop_limit"):
            raise Refused("illegal_transition", "/payload/stop_price")
        qty = order.qty if p["qty"] is None else p["qty"]
        if qty <= order.filled:
            raise Refused("illegal_transition", "/payload/qty")
        limit = order.limit if p["limit_price"] is None else p["limit_price"]
        stop = order.stop if p["stop_price"] is None else p["stop_price"]
        self.checks(s, order.venue, order.instrument, order.side, order.type, qty - order.filled, limit, stop,
                    order.parent is not None, skip=order)
        order.qty, order.limit, order.stop = qty, limit, stop
        self.move(order, order.state, fx)

    def on_set_risk_flag(self, s: State, inp: Input, fx: Effects) -> None:
        if inp.payload["name"] == "kill_switch":
            s.kill = inp.payload["value"]
        else:
            s.allow_short = inp.payload["value"]

    def on_noop(self, s: State, inp: Input, fx: Effects) -> None:
        pass

    # --------------------------------------------------------------- events
    def on_timer(self, s: State, inp: Input, fx: Effects) -> None:
        pass

    def on_kill_switch(self, s: State, inp: Input, fx: Effects) -> None:
        s.kill = inp.payload["enabled"]

    def _price_seen(self, s: State, where: tuple[str, str], time: int, price: Fraction) -> None:
        if where not in s.prices or time >= s.prices[where][0]:
            s.prices[where] = (time, price)

    def on_trade(self, s: State, inp: Input, fx: Effects) -> None:
        self._price_seen(s, (inp.venue, inp.instrument), inp.event_time, inp.payload["price"])

    def on_bar(self, s: State, inp: Input, fx: Effects) -> None:
        where = (inp.venue, inp.instrument)
        if self.simulated:
            self.match(s, where, inp.event_time, inp.payload, fx)
        if where not in s.bars or inp.event_time >= s.bars[where][0]:
            s.bars[where] = (inp.event_time, inp.payload["close"])
        self._price_seen(s, where, inp.event_time, inp.payload["close"])

    def _report(self, s: State, inp: Input) -> Order:
        order = s.orders.get(inp.payload["order_id"])
        if order is None or (order.venue, order.instrument) != (inp.venue, inp.instrument):
            raise Refused("unknown_order", "/payload/order_id")
        if self.simulated:
            raise Refused("illegal_transition", "/source")
        return order

    def _expect(self, order: Order, *states: str) -> None:
        if order.state not in states:
            raise Refused("illegal_transition", "/payload/order_id")

    def on_order_accepted(self, s: State, inp: Input, fx: Effects) -> None:
        order = self._report(s, inp)
        self._expect(order, "submitted")
        self.move(order, "accepted", fx)

    def on_order_rejected(self, s: State, inp: Input, fx: Effects) -> None:
        order = self._report(s, inp)
        self._expect(order, "submitted", "accepted")
        self.move(order, "rejected", fx)
        self.relatives(s, order, fx, None, False)

    def on_order_cancelled(self, s: State, inp: Input, fx: Effects) -> None:
        order = self._report(s, inp)
        self._expect(order, "accepted", "partially_filled", "cancel_pending")
        self.move(order, "cancelled", fx)
        self.relatives(s, order, fx, None, False)

    def on_cancel_rejected(self, s: State, inp: Input, fx: Effects) -> None:
        order = self._report(s, inp)
        self._expect(order, "cancel_pending")
        self.move(order, "accepted" if order.filled == 0 else "partially_filled", fx)

    def on_order_expired(self, s: State, inp: Input, fx: Effects) -> None:
        order = self._report(s, inp)
        self._expect(order, *WORKING)
        self.move(order, "expired", fx)
        self.relatives(s, order, fx, None, False)

    def on_order_filled(self, s: State, inp: Input, fx: Effects) -> None:
        p = inp.payload
        order = self._report(s, inp)
        if order.state in ("created", "submitted"):
            raise Refused("fill_before_accept", "/payload/order_id")
        if order.state in TERMINAL:
            raise Refused("illegal_transition", "/payload/order_id")
        if p["qty"] > order.remaining:
            raise Refused("overfill", "/payload/qty")
        before = order.state
        self.book(s, order, p["qty"], p["price"], p["fee"], p["fill_id"], fx)
        if order.remaining == 0:
            self.move(order, "filled", fx)
        else:
            self.move(order, "cancel_pending" if before == "cancel_pending" else "partially_filled", fx)
        self.relatives(s, order, fx, None, True)

    # ------------------------------------------------------ simulated venue
    @staticmethod
    def price_on(order: Order, bar: dict[str, Fraction]) -> tuple[Fraction | None, bool]:
        """Section 8: the fill price on this bar (None: no fill) and whether a
        stop-limit triggers on it."""
        o, h, lo = bar["open"], bar["high"], bar["low"]
        buy = order.buy

        def as_limit(limit: Fraction) -> Fraction | None:
            if buy:
                return o if o <= limit else (limit if lo <= limit else None)
            return o if o >= limit else (limit if h >= limit else None)

        if order.type == "market":
            return o, False
        if order.type == "limit" or (order.type == "stop_limit" and order.triggered):
            return as_limit(order.limit), False
        stop = order.stop
        touched = h >= stop if buy else lo <= stop
        if not touched:
            return None, False
        if order.type == "stop":
            gapped = o >= stop if buy else o <= stop
            return (o if gapped else stop), False
        start = max(o, stop) if buy else min(o, stop)
        acceptable = start <= order.limit if buy else start >= order.limit
        return (start if acceptable else None), True

    def match(self, s: State, where: tuple[str, str], time: int, bar: dict[str, Fraction], fx: Effects) -> None:
        book = sorted((o for o in s.orders.values()
                       if (o.venue, o.instrument) == where and o.state in WORKING), key=lambda o: o.seq)
        for order in book:  # expiry first (Backtrader's `valid`)
            if (order.state in WORKING and order.type != "market" and order.expire_time is not None
                    and order.expire_time < time):
                self.move(order, "expired", fx, "expire_time")
                self.relatives(s, order, fx, time, False)
        missed = []
        for order in book:
            if order.state not in WORKING or (order.bar_time is not None and time <= order.bar_time):
                continue
            price, triggers = self.price_on(order, bar)
            order.triggered = order.triggered or triggers
            if price is None:
                if order.tif != "gtc":
                    missed.append(order)
                continue
            qty = order.remaining
            notional = product(qty, price)
            cost = plus(-notional if order.buy else notional, -product(abs(notional), self.rate))
            if s.cash + cost < 0:
                self.move(order, "rejected", fx, "insufficient_cash")
                self.relatives(s, order, fx, time, False)
                continue
            self.book(s, order, qty, price, None, None, fx)
            self.move(order, "filled", fx)
            self.relatives(s, order, fx, time, True)
        for order in missed:
            if order.state in WORKING:
                self.move(order, "cancelled", fx, "time_in_force")
                self.relatives(s, order, fx, time, False)

    # ---------------------------------------------------------------- views
    def final_state(self) -> dict[str, Any]:
        """Cash, fees, positions and orders in snapshot-like text form."""
        s = self.s
        positions: dict[str, dict[str, Any]] = {}
        for (venue, instrument), pos in s.positions.items():
            positions.setdefault(venue, {})[instrument] = {
                "size": text(pos.size), "avg_price": text(pos.avg), "realized_pnl": text(pos.realized)}
        orders = {}
        for o in s.orders.values():
            avg = o.avg()
            orders[o.order_id] = {"state": o.state, "qty": text(o.qty), "filled_qty": text(o.filled),
                                  "avg_fill_price": None if avg is None else text(avg),
                                  "limit_price": None if o.limit is None else text(o.limit),
                                  "stop_price": None if o.stop is None else text(o.stop),
                                  "fill_count": o.fills, "triggered": o.triggered}
        return {"last_seq_id": s.last_seq, "cash": text(s.cash), "fees_paid": text(s.fees),
                "positions": positions, "orders": orders, "applied_keys": sorted(s.keys),
                "kill_switch": s.kill, "allow_short": s.allow_short}


def run(config: dict[str, Any], lines: list[str]) -> tuple[list[str], dict[str, Any]]:
    """Replay ``lines``; return the canonical result strings and the final model."""
    oracle = Oracle(config)
    results = [canonical(oracle.apply_line(line)) for line in lines]
    return results, oracle.final_state()
