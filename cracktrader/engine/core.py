"""The Python reference core: one deterministic state machine per ``Core``.

Twin of ``cracktrader_rust/src/engine/core.rs``. ``apply`` runs one input through:

1. validation (``inputs.parse_input``: shape, then numbers),
2. the sequence and stream checks (``out_of_sequence``, ``late_event``, ``duplicate``),
3. the handler for its type (``intents.py``, ``reports.py``, ``matching.py``), which
   raises ``Refusal`` for the state checks before touching anything,
4. commit, or, if computing the effects overflowed, a rollback of everything touched
   (D-031) and a ``numeric_overflow`` refusal.

A refused input changes nothing (not even ``last_seq_id``); an accepted one, including
a ``duplicate``, consumes its ``seq_id`` (D-030).
"""

from __future__ import annotations

from collections import deque
from typing import Any, Iterable

from cracktrader.engine import intents, matching, reports
from cracktrader.engine import snapshot as snapshots
from cracktrader.engine.accounting import Position, apply_fill_to_position, cash_delta, fill_fee
from cracktrader.engine.canonical import canonical_bytes, state_hash
from cracktrader.engine.config import CoreConfig
from cracktrader.engine.errors import InvalidPayload, NumericOverflow
from cracktrader.engine.inputs import REPORT_TYPES, ParsedInput, Refusal, parse_input
from cracktrader.engine.numbers import add, format_decimal, mul, mul_exact
from cracktrader.engine.orders import (
    ACCEPTED,
    CANCELLED,
    CREATED,
    FILLED,
    SUBMITTED,
    TERMINAL,
    Order,
    transition,
)
from cracktrader.engine.results import ResultBuilder, accepted_without_effect, echo_seq_id, refused
from cracktrader.engine.strict_json import loads_lines

# What an order's end does to its relatives (the settle worklist, D-034).
ENDED_INCOMPLETE = frozenset(("cancelled", "rejected", "expired"))
OCO_TRIGGER_STATES = frozenset(("cancelled", "expired"))
# Why an order is on the settle worklist: its own fill, its own end (input-driven or
# parent_ended), or a cancellation by its OCO group (which never fires the group again).
CAUSE_FILL, CAUSE_END, CAUSE_OCO = "fill", "end", "oco"


class Core:
    """A deterministic core (python backend). See ``cracktrader.engine.build_core``."""

    backend = "python"

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        self.config = CoreConfig(config)
        self._reset()

    # ----------------------------------------------------------------- state
    def _reset(self) -> None:
        self.last_seq_id = 0
        self.cash = self.config.starting_cash
        self.fees_paid = 0
        self.positions: dict[tuple[str, str], Position] = {}
        # All orders ever placed, in submit order (dict insertion order).
        self.orders: dict[str, Order] = {}
        # Non-terminal orders per (venue, instrument), in submit order.
        self.working: dict[tuple[str, str], dict[str, Order]] = {}
        self.children: dict[str, list[str]] = {}
        self.oco_groups: dict[str, list[str]] = {}
        self.applied_keys: set[str] = set()
        # (venue, instrument) -> (time, open, high, low, close, volume, timeframe_ms)
        self.last_bar: dict[tuple[str, str], tuple[int, int, int, int, int, int, int]] = {}
        # (venue, instrument) -> (time, price)
        self.last_price: dict[tuple[str, str], tuple[int, int]] = {}
        # (source, venue, instrument, producer) -> last event_time
        self.stream_times: dict[tuple[str, str | None, str | None, int], int] = {}
        self.kill_switch = False
        self.allow_short = self.config.allow_short
        self._begin()

    # ----------------------------------------------------------- transaction
    def _begin(self) -> None:
        self._saved_orders: dict[str, tuple[Order, tuple]] = {}
        self._saved_positions: dict[tuple[str, str], tuple[int, int, int] | None] = {}
        self._saved_money = (self.cash, self.fees_paid)
        self._new_orders: list[Order] = []

    def touch(self, order: Order) -> None:
        """Save an order's mutable fields before its first change in this input."""
        if order.order_id not in self._saved_orders:
            self._saved_orders[order.order_id] = (order, order.save())

    def position(self, key: tuple[str, str]) -> Position:
        """The position for ``key``, saved before its first change in this input."""
        position = self.positions.get(key)
        if key not in self._saved_positions:
            self._saved_positions[key] = None if position is None else position.save()
        if position is None:
            position = self.positions[key] = Position()
        return position

    def _rollback(self) -> None:
        for order, saved in self._saved_orders.values():
            order.load(saved)
        for key, saved in self._saved_positions.items():
            if saved is None:
                del self.positions[key]
            else:
                self.positions[key].load(saved)
        for order in self._new_orders:
            self._unindex(order)
        self.cash, self.fees_paid = self._saved_money

    def _commit(self) -> None:
        for order, _ in self._saved_orders.values():
            if order.state in TERMINAL:
                self.working.get((order.venue, order.instrument), {}).pop(order.order_id, None)

    # --------------------------------------------------------------- indexes
    def add_order(self, order: Order) -> None:
        self._new_orders.append(order)
        self.orders[order.order_id] = order
        self.working.setdefault((order.venue, order.instrument), {})[order.order_id] = order
        if order.parent_order_id is not None:
            self.children.setdefault(order.parent_order_id, []).append(order.order_id)
        if order.oco_group is not None:
            self.oco_groups.setdefault(order.oco_group, []).append(order.order_id)

    def _unindex(self, order: Order) -> None:
        self.orders.pop(order.order_id, None)
        self.working.get((order.venue, order.instrument), {}).pop(order.order_id, None)
        if order.parent_order_id is not None:
            self.children[order.parent_order_id].remove(order.order_id)
        if order.oco_group is not None:
            self.oco_groups[order.oco_group].remove(order.order_id)

    def live_orders(self) -> Iterable[Order]:
        for orders in self.working.values():
            for order in orders.values():
                if order.state not in TERMINAL:
                    yield order

    def _activation_bar_time(self, child: Order, bar_time: int | None) -> int | None:
        """The bar a bracket child counts as placed on (D-036, D-342): the newer of the
        bar being matched (not yet recorded as current) and its own instrument's current
        bar, so a late or lagging bar can never fill it on older data."""
        current = self.last_bar_time((child.venue, child.instrument))
        if bar_time is None:
            return current
        return bar_time if current is None else max(bar_time, current)

    def last_bar_time(self, key: tuple[str, str]) -> int | None:
        bar = self.last_bar.get(key)
        return None if bar is None else bar[0]

    # ----------------------------------------------------------------- apply
    def apply(self, obj: Any) -> dict[str, Any]:
        """Apply one event or intent; return its ``transition_result``."""
        try:
            parsed = parse_input(obj)
        except Refusal as refusal:
            return refused(echo_seq_id(obj), refusal.code, refusal.field)
        return self._apply_parsed(parsed)

    def apply_batch(self, inputs: Iterable[Any]) -> list[dict[str, Any]]:
        """Apply every input in order; one result per input.

        The batch is read completely before anything is applied (D-255): if reading
        it raises (a generator failing half-way), nothing was applied.
        """
        apply = self.apply
        return [apply(item) for item in list(inputs)]

    def apply_jsonl(self, data: bytes) -> bytes:
        """JSON lines in, canonical JSON lines out (one per input line).

        ``data`` is bytes-like (bytes, bytearray, memoryview); anything else, an int
        or a list of ints included, is a ``TypeError`` (``bytes(5)`` would be five
        NUL bytes).
        """
        out = []
        for item in loads_lines(bytes(memoryview(data))):
            if isinstance(item, InvalidPayload):
                result = refused(None, "invalid_payload", "")
            else:
                result = self.apply(item)
            out.append(canonical_bytes(result))
        if not out:
            return b""
        return b"\n".join(out) + b"\n"

    def _apply_parsed(self, parsed: ParsedInput) -> dict[str, Any]:
        seq_id = parsed.seq_id
        if seq_id <= self.last_seq_id:
            return refused(seq_id, "out_of_sequence", "/seq_id")
        late = False
        stream = None
        if parsed.kind == "event":
            stream = (parsed.source, parsed.venue, parsed.instrument, parsed.producer)
            last = self.stream_times.get(stream)
            if last is not None and parsed.event_time < last:
                if self.config.late_policy == "reject":
                    return refused(seq_id, "late_event", "/event_time")
                late = True
        key = idempotency_key(parsed)
        if key is not None and key in self.applied_keys:
            self.last_seq_id = seq_id
            return accepted_without_effect(seq_id, "duplicate", late)
        result = ResultBuilder()
        self._begin()
        try:
            self._dispatch(parsed, result)
        except Refusal as refusal:
            self._rollback()
            return refused(seq_id, refusal.code, refusal.field)
        except NumericOverflow:
            self._rollback()
            return refused(seq_id, "numeric_overflow", "")
        self._commit()
        self.last_seq_id = seq_id
        if stream is not None and not late:
            self.stream_times[stream] = parsed.event_time
        if key is not None:
            self.applied_keys.add(key)
        return result.finish(seq_id, "ok", late)

    def _dispatch(self, parsed: ParsedInput, result: ResultBuilder) -> None:
        kind = parsed.type
        if parsed.kind == "intent":
            intents.HANDLERS[kind](self, parsed, result)
        elif kind in REPORT_TYPES:
            reports.apply_report(self, parsed, result)
        elif kind == "bar":
            self._on_bar(parsed, result)
        elif kind == "trade":
            p = parsed.payload
            self._record_price((parsed.venue, parsed.instrument), parsed.event_time, p["price"])
        elif kind == "kill_switch":
            self.kill_switch = parsed.payload["enabled"]
        # timer: no effect beyond consuming its seq_id

    def _on_bar(self, parsed: ParsedInput, result: ResultBuilder) -> None:
        key = (parsed.venue, parsed.instrument)
        p = parsed.payload
        if self.config.simulated:
            matching.match_bar(self, key, parsed.event_time, p["open"], p["high"], p["low"], result)
        bar = (parsed.event_time, p["open"], p["high"], p["low"], p["close"], p["volume"], p["timeframe_ms"])
        current = self.last_bar.get(key)
        # The current bar is the newest by event time; an older (late) bar does not
        # replace it (D-036).
        if current is None or bar[0] >= current[0]:
            self.last_bar[key] = bar
        self._record_price(key, parsed.event_time, p["close"])

    def _record_price(self, key: tuple[str, str], time: int, price: int) -> None:
        current = self.last_price.get(key)
        if current is None or time >= current[0]:
            self.last_price[key] = (time, price)

    # ------------------------------------------------ shared state mechanics
    def set_state(self, order: Order, state: str, result: ResultBuilder, reason: str | None = None) -> None:
        """Move ``order`` to ``state`` and record the transition."""
        self.touch(order)
        previous = order.state
        order.state = state
        result.transitions.append(transition(order, previous, reason))

    def submit(self, order: Order, result: ResultBuilder, reason: str | None, bar_time: int | None) -> None:
        """created -> submitted (-> accepted in simulated mode)."""
        self.touch(order)
        order.placed_bar_time = bar_time
        self.set_state(order, SUBMITTED, result, reason)
        if self.config.simulated:
            self.set_state(order, ACCEPTED, result, reason)

    def book_fill(
        self,
        order: Order,
        qty: int,
        price: int,
        explicit_fee: int | None,
        fill_id: str | None,
        result: ResultBuilder,
    ) -> None:
        """Book one fill: order quantities, cash, fees, position, result records."""
        notional = mul(qty, price)
        fee = fill_fee(notional, explicit_fee, self.config.commission_rate)
        delta = cash_delta(order.is_buy, notional, fee)
        self.touch(order)
        order.filled_qty = add(order.filled_qty, qty)
        order.fill_notional = add(order.fill_notional, mul_exact(qty, price))
        order.fill_count += 1
        if fill_id is None:
            fill_id = f"{order.order_id}:{order.fill_count}"
        self.cash = add(self.cash, delta)
        self.fees_paid = add(self.fees_paid, fee)
        key = (order.venue, order.instrument)
        signed_qty = qty if order.is_buy else -qty
        realized = apply_fill_to_position(self.position(key), signed_qty, price)
        result.cash_delta = add(result.cash_delta, delta)
        result.add_position_delta(key, signed_qty, realized)
        result.fills.append(
            {
                "order_id": order.order_id,
                "fill_id": fill_id,
                "venue": order.venue,
                "instrument": order.instrument,
                "side": order.side,
                "qty": format_decimal(qty),
                "price": format_decimal(price),
                "fee": format_decimal(fee),
            }
        )

    def settle(self, first: Order, result: ResultBuilder, bar_time: int | None, filled_now: bool) -> None:
        """Apply what an order's change does to its relatives (D-034).

        Worklist, not recursion: a hostile chain of brackets cannot exhaust the stack.
        For each order taken from the list: a complete fill activates its waiting
        children; an end without a complete fill (cancelled, rejected, expired)
        cancels its live children; a fill (``filled_now``), cancellation or expiry of
        an OCO member cancels the other live members of its group. Rejection does not
        trigger OCO, and a member cancelled by its group does not fire the group again
        (D-300): otherwise a partially filled member would be cancelled by the very
        cancellation its fill caused.
        """
        queue = deque([(first, CAUSE_FILL if filled_now else CAUSE_END)])
        while queue:
            order, cause = queue.popleft()
            state = order.state
            if state == FILLED:
                for child_id in self.children.get(order.order_id, ()):
                    child = self.orders[child_id]
                    if child.state == CREATED:
                        self.submit(child, result, "parent_filled", self._activation_bar_time(child, bar_time))
            elif state in ENDED_INCOMPLETE:
                for child_id in self.children.get(order.order_id, ()):
                    child = self.orders[child_id]
                    if child.state not in TERMINAL:
                        self.set_state(child, CANCELLED, result, "parent_ended")
                        queue.append((child, CAUSE_END))
            fires = cause == CAUSE_FILL or (cause == CAUSE_END and state in OCO_TRIGGER_STATES)
            if order.oco_group is not None and fires:
                for member_id in self.oco_groups.get(order.oco_group, ()):
                    member = self.orders[member_id]
                    if member is not order and member.state not in TERMINAL:
                        self.set_state(member, CANCELLED, result, "oco")
                        queue.append((member, CAUSE_OCO))

    # ------------------------------------------------------------- snapshots
    def snapshot(self) -> dict[str, Any]:
        """All state needed to continue identically (schema ``core_snapshot``)."""
        return snapshots.to_snapshot(self)

    def restore(self, snapshot: dict[str, Any]) -> None:
        """Replace this core's state (and config) with ``snapshot``'s."""
        snapshots.restore(self, snapshot)

    def state_hash(self) -> str:
        return state_hash(self.snapshot())


def idempotency_key(parsed: ParsedInput) -> str | None:
    """The key whose second application is a ``duplicate`` (DESIGN.md section 6).

    Events: the explicit key if set; else, for broker reports, fills use
    ``fill:{venue}:{order_id}:{fill_id}`` and other reports
    ``{event_type}:{venue}:{order_id}``. Intents: ``intent:{intent_id}`` for
    place_order (D-033); other intents have none.
    """
    if parsed.kind == "intent":
        if parsed.type == "place_order":
            return "intent:" + parsed.payload["intent_id"]
        return None
    if parsed.idempotency_key is not None:
        return parsed.idempotency_key
    if parsed.type not in REPORT_TYPES:
        return None
    order_id = parsed.payload["order_id"]
    if parsed.type == "order_filled":
        return f"fill:{parsed.venue}:{order_id}:{parsed.payload['fill_id']}"
    return f"{parsed.type}:{parsed.venue}:{order_id}"
