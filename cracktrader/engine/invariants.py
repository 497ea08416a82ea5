"""The invariant checker: an independent witness of every committed step.

Twin of ``cracktrader_rust/src/engine/invariants.rs`` (and its submodules). The checker
never looks inside a core. It rebuilds its own *shadow* state only from the stream of
steps ``{"input": <input>, "result": <transition_result>}`` and, after every step,
checks the rules of DESIGN.md section 9 and the fill-realism rules of section 8, each
under a named code (``cracktrader/schemas/codes.json`` ``invariant_code``;
docs/invariants.md explains each one and the backtest-vs-live gap it guards).

Shadow state, and where each piece comes from:

- per order (created by a ``null -> created`` transition): its state, ``filled_qty``
  and ``remaining_qty`` as the transitions claim them, its ``qty``, static fields
  (venue, instrument, side, type, limit, stop) from the ``place_order`` input (limit
  and stop updated by ``replace_order`` inputs), the bar that was current when it was
  submitted, whether a stop-limit's stop was touched, and its *fill ledger* (sum of
  fill qtys and of exact qty x price, from the ``fills`` of results);
- cash, fees paid and positions (size, average price, realized PnL), computed from
  the fills alone with the accounting rules of section 7, the config's starting cash
  and commission rate, and the fees written in the fills;
- the last accepted seq_id, the idempotency keys of applied inputs, the last event
  time per stream ``(source, venue, instrument, producer)``, the newest bar time per
  instrument.

The shadow adopts what each result claims about orders (so one bad step is reported
once, not again on every later step), but its money comes only from the fill ledger.
A refused result changes nothing. Each step reports each ``(code, order_id)`` pair at
most once, in the order the checks run (the order below is the contract both backends
follow).
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from cracktrader.engine.canonical import canonical_bytes, canonical_dumps, state_hash
from cracktrader.engine.config import CoreConfig
from cracktrader.engine.errors import CracktraderError, InvalidConfig, InvalidPayload
from cracktrader.engine.numbers import (
    add,
    div_half_even,
    format_decimal,
    mul,
    mul_exact,
    neg,
    parse_decimal,
    parse_decimal_str,
    sub,
)
from cracktrader.engine.strict_json import loads, loads_lines

SCHEMA_VERSION = 1
MAX_I63 = 2**63 - 1

# Every code, in the order docs/invariants.md presents them (schemas/codes.json).
CODES = (
    "malformed_step",
    "refused_with_effects",
    "seq_not_monotonic",
    "seq_mismatch",
    "event_time_regressed",
    "idempotency_reused",
    "false_duplicate",
    "fill_before_accept",
    "terminal_state_changed",
    "state_mismatch",
    "illegal_transition",
    "filled_decreased",
    "remaining_increased",
    "qty_changed",
    "overfilled",
    "filled_mismatch",
    "avg_price_mismatch",
    "fill_mismatch",
    "fees_mismatch",
    "cash_mismatch",
    "position_mismatch",
    "negative_cash",
    "ledger_overflow",
    "fill_outside_bar",
    "limit_price_violated",
    "stop_not_triggered",
    "filled_on_placement_bar",
)
CODE_SET = frozenset(CODES)

STATES = frozenset(
    (
        "created",
        "submitted",
        "accepted",
        "partially_filled",
        "filled",
        "cancel_pending",
        "cancelled",
        "rejected",
        "expired",
    )
)
TERMINAL = frozenset(("filled", "cancelled", "rejected", "expired"))
FILLABLE = frozenset(("accepted", "partially_filled", "cancel_pending"))
WORKING = frozenset(("accepted", "partially_filled"))
REPORT_TYPES = frozenset(
    ("order_accepted", "order_rejected", "order_filled", "order_cancelled", "cancel_rejected", "order_expired")
)
ORDER_TYPES = frozenset(("market", "limit", "stop", "stop_limit"))

# (from, to) pairs of the section 6 table (creation, ``null -> created``, is handled
# apart). Some pairs need the step's context too, see ``_edge_allowed``.
EDGES = frozenset(
    (
        ("created", "submitted"),
        ("created", "cancelled"),
        ("submitted", "accepted"),
        ("submitted", "rejected"),
        ("submitted", "cancelled"),
        ("accepted", "accepted"),
        ("accepted", "partially_filled"),
        ("accepted", "filled"),
        ("accepted", "cancel_pending"),
        ("accepted", "cancelled"),
        ("accepted", "rejected"),
        ("accepted", "expired"),
        ("partially_filled", "partially_filled"),
        ("partially_filled", "filled"),
        ("partially_filled", "cancel_pending"),
        ("partially_filled", "cancelled"),
        ("partially_filled", "expired"),
        ("cancel_pending", "cancel_pending"),
        ("cancel_pending", "filled"),
        ("cancel_pending", "cancelled"),
        ("cancel_pending", "accepted"),
        ("cancel_pending", "partially_filled"),
    )
)
# Edges that only a fill of that order in the same step can cause.
FILL_EDGES = frozenset(
    (
        ("accepted", "partially_filled"),
        ("accepted", "filled"),
        ("partially_filled", "filled"),
        ("cancel_pending", "filled"),
        ("cancel_pending", "cancel_pending"),
    )
)

CHECK_MODES = ("raise", "record")


class _Bad(Exception):
    """A step the checker cannot read (reported as ``malformed_step``)."""


# ------------------------------------------------------------------ readers
# Exact built-in types only, as the Rust binding converts them (D-007): a str holding
# a lone surrogate, a dict with a non-str key, a tuple... are not JSON values.


def _valid_text(value: Any) -> bool:
    if type(value) is not str:
        return False
    if value.isascii():
        return True
    return not any(0xD800 <= ord(c) <= 0xDFFF for c in value)


def _obj(value: Any) -> dict[str, Any]:
    if type(value) is not dict:
        raise _Bad
    for key in value:
        if not _valid_text(key):
            raise _Bad
    return value


def _get(obj: dict[str, Any], key: str) -> Any:
    if key not in obj:
        raise _Bad
    return obj[key]


def _text(value: Any) -> str:
    if not _valid_text(value):
        raise _Bad
    return value


def _opt_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _list(value: Any) -> list[Any]:
    if type(value) is not list:
        raise _Bad
    return value


def _bool(value: Any) -> bool:
    if value is not True and value is not False:
        raise _Bad
    return value


def _int(value: Any, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        raise _Bad
    return value


def _dec_out(value: Any) -> int:
    """A decimal written by a core: a string."""
    if type(value) is not str:
        raise _Bad
    try:
        return parse_decimal_str(value)
    except CracktraderError:
        raise _Bad from None


def _opt_dec_out(value: Any) -> int | None:
    return None if value is None else _dec_out(value)


def _dec_in(value: Any) -> int:
    """A decimal field of an input: int, float or string, as the core reads it."""
    try:
        return parse_decimal(value)
    except CracktraderError:
        raise _Bad from None


def _opt_dec_in(value: Any) -> int | None:
    return None if value is None else _dec_in(value)


def _seq_of(value: Any) -> int | None:
    """The valid ``seq_id`` of a readable object, else None."""
    try:
        seq_id = _obj(value).get("seq_id")
    except _Bad:
        return None
    if type(seq_id) is int and 1 <= seq_id <= MAX_I63:
        return seq_id
    return None


def _state(value: Any) -> str:
    if type(value) is not str or value not in STATES:
        raise _Bad
    return value


class _Transition:
    __slots__ = ("order_id", "from_", "to", "filled", "remaining", "avg")

    def __init__(self, item: Any) -> None:
        item = _obj(item)
        self.order_id = _text(_get(item, "order_id"))
        source = _get(item, "from")
        self.from_ = None if source is None else _state(source)
        self.to = _state(_get(item, "to"))
        self.filled = _dec_out(_get(item, "filled_qty"))
        self.remaining = _dec_out(_get(item, "remaining_qty"))
        self.avg = _opt_dec_out(_get(item, "avg_fill_price"))


class _Fill:
    __slots__ = ("order_id", "fill_id", "venue", "instrument", "is_buy", "qty", "price", "fee")

    def __init__(self, item: Any) -> None:
        item = _obj(item)
        self.order_id = _text(_get(item, "order_id"))
        self.fill_id = _text(_get(item, "fill_id"))
        self.venue = _text(_get(item, "venue"))
        self.instrument = _text(_get(item, "instrument"))
        side = _get(item, "side")
        if side != "buy" and side != "sell":
            raise _Bad
        self.is_buy = side == "buy"
        self.qty = _dec_out(_get(item, "qty"))
        self.price = _dec_out(_get(item, "price"))
        self.fee = _dec_out(_get(item, "fee"))


class _Result:
    __slots__ = ("seq_id", "accepted", "code", "transitions", "fills", "cash_delta", "position_deltas", "late")

    def __init__(self, obj: Any) -> None:
        obj = _obj(obj)
        seq_id = _get(obj, "seq_id")
        self.seq_id = None if seq_id is None else _int(seq_id, 1, MAX_I63)
        self.accepted = _bool(_get(obj, "accepted"))
        self.code = _text(_get(obj, "code"))
        self.transitions = [_Transition(item) for item in _list(_get(obj, "transitions"))]
        self.fills = [_Fill(item) for item in _list(_get(obj, "fills"))]
        self.cash_delta = _dec_out(_get(obj, "cash_delta"))
        deltas = []
        for item in _list(_get(obj, "position_deltas")):
            item = _obj(item)
            deltas.append(
                (
                    _text(_get(item, "venue")),
                    _text(_get(item, "instrument")),
                    _dec_out(_get(item, "size_delta")),
                    _dec_out(_get(item, "realized_pnl_delta")),
                )
            )
        self.position_deltas = deltas
        self.late = _bool(_get(obj, "late"))

    def has_effects(self) -> bool:
        """Any transition, fill, cash or position delta."""
        return bool(self.transitions or self.fills or self.cash_delta != 0 or self.position_deltas)


class _Input:
    """What the checker reads of an accepted input (anything else is ignored)."""

    __slots__ = (
        "kind",
        "seq_id",
        "type",
        "event_time",
        "stream",
        "venue",
        "instrument",
        "key",
        "order_id",
        "bar",
        "fill",
        "place",
        "replace",
    )

    def __init__(self, obj: Any) -> None:
        obj = _obj(obj)
        kind = _get(obj, "kind")
        self.kind = ""
        self.type = ""
        self.seq_id = _int(_get(obj, "seq_id"), 1, MAX_I63)
        self.event_time: int = 0
        self.stream: tuple[str, str | None, str | None, int] | None = None
        self.venue: str | None = None
        self.instrument: str | None = None
        self.key: str | None = None
        self.order_id: str | None = None
        self.bar: tuple[int, int, int, int] | None = None
        self.fill: tuple[str, int, int, int | None] | None = None
        self.place: tuple[str, str, str, str, int, int | None, int | None] | None = None
        self.replace: tuple[int | None, int | None, int | None] | None = None
        if kind == "event":
            self.kind = "event"
            self._event(obj)
        elif kind == "intent":
            self.kind = "intent"
            self._intent(obj)
        else:
            raise _Bad

    def _event(self, obj: dict[str, Any]) -> None:
        self.event_time = _int(_get(obj, "event_time"), 0, MAX_I63)
        source = _text(_get(obj, "source"))
        self.venue = _opt_text(_get(obj, "venue"))
        self.instrument = _opt_text(_get(obj, "instrument"))
        producer = _int(_get(obj, "producer"), 0, MAX_I63)
        self.type = _text(_get(obj, "event_type"))
        payload = _obj(_get(obj, "payload"))
        explicit_key = _opt_text(_get(obj, "idempotency_key"))
        self.stream = (source, self.venue, self.instrument, producer)
        if (self.type == "bar" or self.type in REPORT_TYPES) and (self.venue is None or self.instrument is None):
            raise _Bad  # the core never accepts these without a place
        if self.type == "bar":
            self.bar = (
                _dec_in(_get(payload, "open")),
                _dec_in(_get(payload, "high")),
                _dec_in(_get(payload, "low")),
                _dec_in(_get(payload, "close")),
            )
        elif self.type in REPORT_TYPES:
            self.order_id = _text(_get(payload, "order_id"))
            if self.type == "order_filled":
                self.fill = (
                    _text(_get(payload, "fill_id")),
                    _dec_in(_get(payload, "qty")),
                    _dec_in(_get(payload, "price")),
                    _opt_dec_in(_get(payload, "fee")),
                )
        # The idempotency key, exactly as DESIGN.md section 6 and D-033 define it.
        if explicit_key is not None:
            self.key = explicit_key
        elif self.type == "order_filled":
            self.key = f"fill:{self.venue}:{self.order_id}:{self.fill[0]}"
        elif self.type in REPORT_TYPES:
            self.key = f"{self.type}:{self.venue}:{self.order_id}"

    def _intent(self, obj: dict[str, Any]) -> None:
        self.type = _text(_get(obj, "intent_type"))
        payload = _obj(_get(obj, "payload"))
        if self.type == "place_order":
            intent_id = _text(_get(payload, "intent_id"))
            self.order_id = _text(_get(payload, "order_id"))
            side = _get(payload, "side")
            order_type = _get(payload, "order_type")
            if side != "buy" and side != "sell":
                raise _Bad
            if type(order_type) is not str or order_type not in ORDER_TYPES:
                raise _Bad
            self.place = (
                _text(_get(payload, "venue")),
                _text(_get(payload, "instrument")),
                side,
                order_type,
                _dec_in(_get(payload, "qty")),
                _opt_dec_in(_get(payload, "limit_price")),
                _opt_dec_in(_get(payload, "stop_price")),
            )
            self.key = "intent:" + intent_id
        elif self.type == "replace_order":
            self.order_id = _text(_get(payload, "order_id"))
            self.replace = (
                _opt_dec_in(_get(payload, "qty")),
                _opt_dec_in(_get(payload, "limit_price")),
                _opt_dec_in(_get(payload, "stop_price")),
            )
        elif self.type == "cancel_order":
            self.order_id = _text(_get(payload, "order_id"))


# ------------------------------------------------------------------ shadow state


class _Order:
    """One order as the checker sees it (static fields may be unknown: None)."""

    __slots__ = (
        "order_id",
        "venue",
        "instrument",
        "side",
        "order_type",
        "limit_price",
        "stop_price",
        "qty",
        "state",
        "filled",
        "remaining",
        "ledger_filled",
        "ledger_notional",
        "placed_bar_time",
        "touched",
    )

    def __init__(self, order_id: str) -> None:
        self.order_id = order_id
        self.venue: str | None = None
        self.instrument: str | None = None
        self.side: str | None = None
        self.order_type: str | None = None
        self.limit_price: int | None = None
        self.stop_price: int | None = None
        self.qty: int | None = None
        self.state = "created"
        self.filled = 0
        self.remaining = 0
        self.ledger_filled = 0
        self.ledger_notional = 0
        self.placed_bar_time: int | None = None
        self.touched = False

    def key(self) -> tuple[str, str] | None:
        if self.venue is None or self.instrument is None:
            return None
        return (self.venue, self.instrument)

    def to_dict(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "venue": self.venue,
            "instrument": self.instrument,
            "side": self.side,
            "order_type": self.order_type,
            "limit_price": _opt_fmt(self.limit_price),
            "stop_price": _opt_fmt(self.stop_price),
            "qty": _opt_fmt(self.qty),
            "state": self.state,
            "filled_qty": format_decimal(self.filled),
            "remaining_qty": format_decimal(self.remaining),
            "ledger_filled": format_decimal(self.ledger_filled),
            "ledger_notional": str(self.ledger_notional),
            "placed_bar_time": self.placed_bar_time,
            "touched": self.touched,
        }


def _opt_fmt(raw: int | None) -> str | None:
    return None if raw is None else format_decimal(raw)


def _checked(fn, *args: int) -> int | None:
    """``fn(*args)`` in the i128 fixed-point range, or None when it overflows."""
    try:
        return fn(*args)
    except CracktraderError:
        return None


def _abs(value: int) -> int:
    """``|value|``, checked like Rust's ``checked_abs`` (``|-2^127|`` overflows)."""
    return neg(value) if value < 0 else value


def _commission(notional: int, rate: int) -> int:
    return mul(_abs(notional), rate)


def apply_fill_to_position(position: tuple[int, int, int], signed_qty: int, price: int) -> tuple[int, int, int, int]:
    """Section 7 on a ``(size, avg, realized)`` tuple: the new tuple and this fill's
    realized PnL. Written apart from the core's accounting so a bug there is caught
    here, not copied. Raises ``NumericOverflow`` out of range."""
    size, avg, realized = position
    if size == 0 or (size > 0) == (signed_qty > 0):
        new_size = add(size, signed_qty)
        cost = add(mul_exact(_abs(size), avg), mul_exact(_abs(signed_qty), price))
        return new_size, div_half_even(cost, _abs(new_size)), realized, 0
    closed = min(_abs(size), _abs(signed_qty))
    edge = sub(price, avg) if size > 0 else sub(avg, price)
    pnl = mul(edge, closed)
    new_size = add(size, signed_qty)
    if new_size == 0:
        new_avg = 0
    elif (new_size > 0) != (size > 0):
        new_avg = price  # crossed zero: the rest opens at the fill price
    else:
        new_avg = avg
    return new_size, new_avg, add(realized, pnl), pnl


class _Violations:
    """The violations of one step: each (code, order_id) once, in detection order."""

    __slots__ = ("items", "seen", "_enabled", "seq_id")

    def __init__(self, enabled: frozenset[str], seq_id: int | None) -> None:
        self.items: list[dict[str, Any]] = []
        self.seen: set[tuple[str, str | None]] = set()
        self._enabled = enabled
        self.seq_id = seq_id

    def emit(self, code: str, order_id: str | None) -> None:
        if code not in self._enabled or (code, order_id) in self.seen:
            return
        self.seen.add((code, order_id))
        self.items.append({"code": code, "seq_id": self.seq_id, "order_id": order_id})


def _parse_enabled(enabled: Any) -> frozenset[str]:
    if enabled is None:
        return CODE_SET
    if isinstance(enabled, (str, bytes)) or not hasattr(enabled, "__iter__"):
        raise InvalidConfig("enabled must be None or an iterable of invariant codes")
    chosen = []
    for code in enabled:
        if type(code) is not str or code not in CODE_SET:
            raise InvalidConfig(f"unknown invariant code {code!r}; known: {', '.join(CODES)}")
        chosen.append(code)
    return frozenset(chosen)


# ------------------------------------------------------------------ the checker


class InvariantChecker:
    """Checks every committed step of a core against the invariants (python backend).

    ``config`` is the core's config (same keys and defaults as ``build_core``);
    ``enabled`` is None (every code) or the codes to report (the shadow state is kept
    in full either way). See ``cracktrader.engine.build_invariant_checker``.
    """

    backend = "python"

    def __init__(self, config: dict[str, Any] | None = None, enabled: Iterable[str] | None = None) -> None:
        self._config = CoreConfig(config)
        self._enabled = _parse_enabled(enabled)
        self._reset()

    @property
    def enabled(self) -> frozenset[str]:
        """The codes this checker reports."""
        return self._enabled

    def _reset(self) -> None:
        self._last_seq_id = 0
        self._cash = self._config.starting_cash
        self._fees_paid = 0
        # (venue, instrument) -> (size, avg_price, realized_pnl)
        self._positions: dict[tuple[str, str], tuple[int, int, int]] = {}
        self._orders: dict[str, _Order] = {}  # creation order
        # Non-terminal stop-limit orders per (venue, instrument): the ones a bar may touch.
        self._stop_limits: dict[tuple[str, str], dict[str, _Order]] = {}
        self._applied_keys: set[str] = set()
        self._bar_times: dict[tuple[str, str], int] = {}
        self._stream_times: dict[tuple[Any, ...], int] = {}

    # ------------------------------------------------------------ protocol
    def apply(self, step: Any) -> list[dict[str, Any]]:
        """Check one step ``{"input": ..., "result": ...}``; return its violations."""
        seq_id = None
        try:
            step = _obj(step)
            raw_result = _get(step, "result")
            raw_input = _get(step, "input")
            # The step's seq_id for violations: the result's if valid, else the input's.
            seq_id = _seq_of(raw_result)
            if seq_id is None:
                seq_id = _seq_of(raw_input)
            result = _Result(raw_result)
            parsed = _Input(raw_input) if result.accepted else None
        except _Bad:
            found = _Violations(self._enabled, seq_id)
            found.emit("malformed_step", None)
            return found.items
        if not result.accepted:
            found = _Violations(self._enabled, seq_id)
            if result.has_effects():
                found.emit("refused_with_effects", None)
            return found.items
        if result.code != "ok" and result.code != "duplicate":
            found = _Violations(self._enabled, seq_id)
            found.emit("malformed_step", None)
            return found.items
        return self._apply_accepted(parsed, result, seq_id)

    def check(self, input: Any, result: Any) -> list[dict[str, Any]]:  # noqa: A002
        """``apply({"input": input, "result": result})``."""
        return self.apply({"input": input, "result": result})

    def apply_batch(self, steps: Iterable[Any]) -> list[list[dict[str, Any]]]:
        """Check many steps in order; one violation list per step. The steps are
        collected first (as the Rust binding converts them), so an iterator that fails
        midway changes nothing."""
        steps = list(steps)
        apply = self.apply
        return [apply(step) for step in steps]

    def apply_jsonl(self, data: bytes) -> bytes:
        """One step per JSON line in; one canonical line (its violation list) out."""
        out = []
        for item in loads_lines(bytes(data)):
            if isinstance(item, InvalidPayload):
                found = [{"code": "malformed_step", "seq_id": None, "order_id": None}]
                violations = found if "malformed_step" in self._enabled else []
            else:
                violations = self.apply(item)
            out.append(canonical_bytes(violations))
        if not out:
            return b""
        return b"\n".join(out) + b"\n"

    # ------------------------------------------------------------ one step
    def _apply_accepted(self, parsed: _Input, result: _Result, seq_id: int | None) -> list[dict[str, Any]]:
        found = _Violations(self._enabled, seq_id)
        emit = found.emit
        order_id = parsed.order_id
        # 1. sequence
        if result.seq_id != parsed.seq_id:
            emit("seq_mismatch", None)
        if parsed.seq_id <= self._last_seq_id:
            emit("seq_not_monotonic", None)
        # 2. event time per stream (late events are exempt only under late_policy accept)
        stream_update = None
        if parsed.kind == "event":
            last = self._stream_times.get(parsed.stream)
            if result.late:
                if self._config.late_policy != "accept":
                    emit("event_time_regressed", order_id)
            elif last is not None and parsed.event_time < last:
                emit("event_time_regressed", order_id)
            if result.code == "ok" and not result.late:
                stream_update = parsed.event_time if last is None else max(last, parsed.event_time)
        # 3. idempotency: a duplicate has no effect, and only a key seen before is one
        key = parsed.key
        if result.code == "duplicate":
            if key is None or key not in self._applied_keys:
                emit("false_duplicate", order_id)
            if result.has_effects():
                emit("idempotency_reused", order_id)
            self._last_seq_id = max(self._last_seq_id, parsed.seq_id)
            return found.items
        if key is not None and key in self._applied_keys:
            emit("idempotency_reused", order_id)
        # 4. bars: the newest bar per instrument, and stop-limit touches
        bar_time = None
        if parsed.bar is not None:
            bar_time = parsed.event_time
            bar_key = (parsed.venue, parsed.instrument)
            if self._config.simulated:
                self._touch_stops(bar_key, bar_time, parsed.bar)
            current = self._bar_times.get(bar_key)
            if current is None or bar_time > current:
                self._bar_times[bar_key] = bar_time
        # 5. fills: acceptance, realism, fees, the ledger
        filled_now = self._check_fills(parsed, result, bar_time, emit)
        # 6. transitions: the state machine and the quantities
        self._check_transitions(parsed, result, filled_now, emit)
        # 7. commit the step's bookkeeping
        self._last_seq_id = max(self._last_seq_id, parsed.seq_id)
        if stream_update is not None:
            self._stream_times[parsed.stream] = stream_update
        if key is not None:
            self._applied_keys.add(key)
        return found.items

    def _touch_stops(self, bar_key: tuple[str, str], bar_time: int, bar: tuple[int, int, int, int]) -> None:
        """A working stop-limit whose stop this bar reaches is triggered from now on
        (only on bars it may trade on: strictly after its placement bar)."""
        orders = self._stop_limits.get(bar_key)
        if not orders:
            return
        _, high, low, _ = bar
        for order in orders.values():
            if order.touched or order.state not in WORKING or order.stop_price is None:
                continue
            if order.placed_bar_time is not None and bar_time <= order.placed_bar_time:
                continue
            if (high >= order.stop_price) if order.side == "buy" else (low <= order.stop_price):
                order.touched = True

    def _check_fills(self, parsed: _Input, result: _Result, bar_time: int | None, emit) -> set[str]:
        """Check each fill in order and book it into the shadow ledger."""
        simulated = self._config.simulated
        rate = self._config.commission_rate
        filled_now: set[str] = set()
        expected_cash = 0
        expected_positions: dict[tuple[str, str], list[int]] = {}
        first_order = result.fills[0].order_id if result.fills else None
        for index, fill in enumerate(result.fills):
            oid = fill.order_id
            filled_now.add(oid)
            order = self._orders.get(oid)
            if order is None:
                emit("fill_before_accept", oid)
            elif order.state in TERMINAL:
                emit("terminal_state_changed", oid)
            elif order.state not in FILLABLE:
                emit("fill_before_accept", oid)
            if order is not None and (
                (order.venue is not None and order.venue != fill.venue)
                or (order.instrument is not None and order.instrument != fill.instrument)
                or (order.side is not None and (order.side == "buy") != fill.is_buy)
            ):
                emit("fill_mismatch", oid)
            notional = _checked(mul, fill.qty, fill.price)
            commission = None if notional is None else _checked(_commission, notional, rate)
            if simulated:
                expected_fee = commission
                self._check_realism(parsed, fill, order, bar_time, emit)
            else:
                expected_fee = commission
                report = parsed.fill
                if report is None or index > 0:
                    emit("fill_mismatch", oid)
                else:
                    report_id, qty, price, fee = report
                    if oid != parsed.order_id or fill.fill_id != report_id or fill.qty != qty or fill.price != price:
                        emit("fill_mismatch", oid)
                    if fee is not None:
                        expected_fee = fee
            if expected_fee is not None and fill.fee != expected_fee:
                emit("fees_mismatch", oid)
            # The ledger: every number checked; an overflow drops this fill from it.
            booked = self._book(fill, order, notional, expected_cash, expected_positions)
            if booked is None:
                emit("ledger_overflow", oid)
                continue
            expected_cash = booked
            if order is not None and order.qty is not None and order.ledger_filled > order.qty:
                emit("overfilled", oid)
            if simulated and self._cash < 0:
                emit("negative_cash", oid)
        if result.cash_delta != expected_cash:
            emit("cash_mismatch", first_order)
        expected = [
            (venue, instrument, size, pnl) for (venue, instrument), (size, pnl) in sorted(expected_positions.items())
        ]
        if result.position_deltas != expected:
            emit("position_mismatch", first_order)
        return filled_now

    def _check_realism(self, parsed: _Input, fill: _Fill, order: _Order | None, bar_time: int | None, emit) -> None:
        """Section 8: a simulated fill comes from its own bar, within its range, on
        the right side of its limit and stop, never on its placement bar."""
        oid = fill.order_id
        if (
            bar_time is None
            or fill.venue != parsed.venue
            or fill.instrument != parsed.instrument
            or not parsed.bar[2] <= fill.price <= parsed.bar[1]
        ):
            emit("fill_outside_bar", oid)
        if order is None:
            return
        is_buy = fill.is_buy
        kind = order.order_type
        if kind in ("limit", "stop_limit") and order.limit_price is not None:
            limit = order.limit_price
            if (fill.price > limit) if is_buy else (fill.price < limit):
                emit("limit_price_violated", oid)
        if kind == "stop" and order.stop_price is not None:
            stop = order.stop_price
            if bar_time is None:
                emit("stop_not_triggered", oid)
            elif is_buy and (parsed.bar[1] < stop or fill.price < stop):
                emit("stop_not_triggered", oid)
            elif not is_buy and (parsed.bar[2] > stop or fill.price > stop):
                emit("stop_not_triggered", oid)
        elif kind == "stop_limit" and not order.touched:
            emit("stop_not_triggered", oid)
        if bar_time is not None and order.placed_bar_time is not None and bar_time <= order.placed_bar_time:
            emit("filled_on_placement_bar", oid)

    def _book(
        self,
        fill: _Fill,
        order: _Order | None,
        notional: int | None,
        expected_cash: int,
        expected_positions: dict[tuple[str, str], list[int]],
    ) -> int | None:
        """Book one fill into the shadow ledger, all or nothing; the step's expected
        cash delta after it, or None (nothing booked) when a number overflows."""
        if notional is None:
            return None
        try:
            delta = sub(neg(notional) if fill.is_buy else notional, fill.fee)
            new_expected = add(expected_cash, delta)
            cash = add(self._cash, delta)
            fees = add(self._fees_paid, fill.fee)
            key = (fill.venue, fill.instrument)
            signed = fill.qty if fill.is_buy else neg(fill.qty)
            position = apply_fill_to_position(self._positions.get(key, (0, 0, 0)), signed, fill.price)
            entry = expected_positions.get(key, [0, 0])
            entry_size = add(entry[0], signed)
            entry_pnl = add(entry[1], position[3])
            if order is not None:
                ledger_filled = add(order.ledger_filled, fill.qty)
                ledger_notional = add(order.ledger_notional, mul_exact(fill.qty, fill.price))
        except CracktraderError:
            return None
        self._cash = cash
        self._fees_paid = fees
        self._positions[key] = position[:3]
        expected_positions[key] = [entry_size, entry_pnl]
        if order is not None:
            order.ledger_filled = ledger_filled
            order.ledger_notional = ledger_notional
        return new_expected

    def _check_transitions(self, parsed: _Input, result: _Result, filled_now: set[str], emit) -> None:
        place_id = parsed.order_id if parsed.place is not None else None
        replace_id = parsed.order_id if parsed.replace is not None else None
        moved: set[str] = set()
        created_now: set[str] = set()
        for t in result.transitions:
            oid = t.order_id
            moved.add(oid)
            order = self._orders.get(oid)
            is_replace = False
            if t.from_ is None:
                if order is not None:
                    emit("state_mismatch", oid)
                else:
                    if t.to != "created" or oid != place_id or oid in created_now:
                        emit("illegal_transition", oid)
                    order = self._create(oid, parsed if oid == place_id else None)
                    created_now.add(oid)
                    if order.qty is not None and _checked(add, t.filled, t.remaining) != order.qty:
                        emit("qty_changed", oid)
            elif order is None:
                emit("state_mismatch", oid)
                order = self._create(oid, None)
                order.state = t.from_
            else:
                if order.state in TERMINAL:
                    emit("terminal_state_changed", oid)
                elif t.from_ != order.state:
                    emit("state_mismatch", oid)
                elif not _edge_allowed(t.from_, t.to, oid, parsed, replace_id, filled_now):
                    emit("illegal_transition", oid)
                is_replace = oid == replace_id and t.from_ == t.to
                if t.filled < order.filled:
                    emit("filled_decreased", oid)
                if t.remaining > order.remaining and not is_replace:
                    emit("remaining_increased", oid)
                if not is_replace and order.qty is not None and _checked(add, t.filled, t.remaining) != order.qty:
                    emit("qty_changed", oid)
            if t.remaining < 0 or (order.qty is not None and not is_replace and t.filled > order.qty):
                emit("overfilled", oid)
            if not _quantities_fit(t):
                emit("illegal_transition", oid)
            if t.filled != order.ledger_filled:
                emit("filled_mismatch", oid)
            avg = None if order.ledger_filled == 0 else _checked(div_half_even, order.ledger_notional, order.ledger_filled)
            if t.avg != avg:
                emit("avg_price_mismatch", oid)
            self._adopt(order, t, is_replace, parsed)
        for oid in sorted(filled_now - moved):
            emit("filled_mismatch", oid)

    def _create(self, order_id: str, parsed: _Input | None) -> _Order:
        order = _Order(order_id)
        if parsed is not None:
            venue, instrument, side, order_type, qty, limit_price, stop_price = parsed.place
            order.venue = venue
            order.instrument = instrument
            order.side = side
            order.order_type = order_type
            order.qty = qty
            order.limit_price = limit_price
            order.stop_price = stop_price
        self._orders[order_id] = order
        return order

    def _adopt(self, order: _Order, t: _Transition, is_replace: bool, parsed: _Input) -> None:
        """The shadow takes the transition's claims (already checked above)."""
        order.state = t.to
        order.filled = t.filled
        order.remaining = t.remaining
        if is_replace:
            order.qty = _checked(add, t.filled, t.remaining)
            _, limit_price, stop_price = parsed.replace
            if limit_price is not None:
                order.limit_price = limit_price
            if stop_price is not None:
                order.stop_price = stop_price
        key = order.key()
        if t.to == "submitted" and key is not None:
            # The bar current at placement (D-036): the newest bar of the order's
            # instrument, or the bar of this step if it is newer (a bracket child
            # activated by its parent's fill on another instrument's bar), D-336.
            placed = self._bar_times.get(key)
            if parsed.bar is not None and (placed is None or parsed.event_time > placed):
                placed = parsed.event_time
            order.placed_bar_time = placed
        if order.order_type == "stop_limit" and key is not None:
            book = self._stop_limits.setdefault(key, {})
            if t.to in TERMINAL:
                book.pop(order.order_id, None)
            else:
                book[order.order_id] = order

    # ------------------------------------------------------------ snapshots
    def snapshot(self) -> dict[str, Any]:
        """The shadow state as plain JSON (schema ``invariant_snapshot``)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "config": self._config.to_dict(),
            "enabled": sorted(self._enabled),
            "last_seq_id": self._last_seq_id,
            "cash": format_decimal(self._cash),
            "fees_paid": format_decimal(self._fees_paid),
            "positions": _nested(
                {
                    key: {
                        "size": format_decimal(size),
                        "avg_price": format_decimal(avg),
                        "realized_pnl": format_decimal(pnl),
                    }
                    for key, (size, avg, pnl) in self._positions.items()
                }
            ),
            "orders": [order.to_dict() for order in self._orders.values()],
            "applied_keys": sorted(self._applied_keys),
            "bar_times": _nested(self._bar_times),
            "stream_times": {canonical_dumps(list(stream)): time for stream, time in self._stream_times.items()},
        }

    def restore(self, snapshot: Any) -> None:
        """Replace the shadow state with ``snapshot``'s (schema ``invariant_snapshot``,
        validated fully first: a bad one raises ``InvalidPayload`` and changes nothing)."""
        _read_invariant_snapshot(snapshot).install(self)

    def load_core_snapshot(self, snapshot: Any) -> None:
        """Start the shadow from a core snapshot (schema ``core_snapshot``), e.g. after
        ``core.restore``: its config, seq, money, positions, orders (their fill ledger
        taken as they stand), keys, bar and stream times."""
        _read_core_snapshot(snapshot).install(self)

    def check_snapshot(self, snapshot: Any) -> list[dict[str, Any]]:
        """Compare a core snapshot with the shadow: last seq_id, cash, fees, positions,
        each order's state and filled qty against the fill ledger. Changes nothing."""
        other = _read_core_snapshot(snapshot)
        violations = _Violations(self._enabled, self._last_seq_id or None)
        emit = violations.emit
        if other.last_seq_id != self._last_seq_id:
            emit("seq_mismatch", None)
        if other.cash != self._cash:
            emit("cash_mismatch", None)
        if other.fees_paid != self._fees_paid:
            emit("fees_mismatch", None)
        flat = (0, 0, 0)
        for key in sorted(set(other.positions) | set(self._positions)):
            if other.positions.get(key, flat) != self._positions.get(key, flat):
                emit("position_mismatch", None)
        for oid, theirs in other.orders.items():
            mine = self._orders.get(oid)
            if mine is None or mine.state != theirs.state:
                emit("state_mismatch", oid)
            if mine is not None and theirs.filled != mine.ledger_filled:
                emit("filled_mismatch", oid)
        for oid in self._orders:
            if oid not in other.orders:
                emit("state_mismatch", oid)
        return violations.items

    def state_hash(self) -> str:
        """Lower-case hex SHA-256 of the canonical snapshot."""
        return state_hash(self.snapshot())


def _edge_allowed(
    from_: str, to: str, order_id: str, parsed: _Input, replace_id: str | None, filled_now: set[str]
) -> bool:
    """The section 6 table, with the context some edges need."""
    if (from_, to) not in EDGES:
        return False
    filled = order_id in filled_now
    if from_ == to:
        if from_ == "cancel_pending":
            return filled  # a partial fill leaves cancel_pending as is
        # accepted/partially_filled stay put only on their replace (or a partial fill)
        return order_id == replace_id or (from_ == "partially_filled" and filled)
    if (from_, to) in FILL_EDGES:
        return filled
    if to == "cancel_pending":
        return parsed.type == "cancel_order" and parsed.order_id == order_id
    if from_ == "cancel_pending" and to in WORKING:
        return parsed.type == "cancel_rejected" and parsed.order_id == order_id and not filled
    return True


def _quantities_fit(t: _Transition) -> bool:
    """A state agrees with its quantities: nothing filled before acceptance or while
    merely accepted; partially filled has some of each; filled has nothing left."""
    if t.to in ("created", "submitted", "accepted"):
        return t.filled == 0
    if t.to == "partially_filled":
        return t.filled > 0 and t.remaining > 0
    if t.to == "filled":
        return t.remaining == 0
    return True


def _nested(items: dict[tuple[str, str], Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for (venue, instrument), value in items.items():
        out.setdefault(venue, {})[instrument] = value
    return out


# ------------------------------------------------------------------ documents
# Hand-written readers with the rules of the ``invariant_snapshot`` and ``core_snapshot``
# schemas (exact key sets, types, canonical decimals, identifiers), mirrored one for one
# in state.rs so both backends accept and refuse the same documents; jsonschema would
# cost about a second per large snapshot on this path.

_CANONICAL_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?")
_EXACT_INT = re.compile(r"-?(0|[1-9][0-9]*)")
CONFIG_KEYS = ("mode", "starting_cash", "commission_rate", "late_policy", "max_order_qty", "max_notional",
               "allow_short")
SNAPSHOT_KEYS = ("schema_version", "config", "enabled", "last_seq_id", "cash", "fees_paid", "positions", "orders",
                 "applied_keys", "bar_times", "stream_times")
SHADOW_ORDER_KEYS = ("order_id", "venue", "instrument", "side", "order_type", "limit_price", "stop_price", "qty",
                     "state", "filled_qty", "remaining_qty", "ledger_filled", "ledger_notional", "placed_bar_time",
                     "touched")
CORE_SNAPSHOT_KEYS = ("schema_version", "config", "last_seq_id", "cash", "fees_paid", "positions", "orders",
                      "applied_keys", "last_bar", "last_price", "stream_times", "kill_switch", "risk_flags")
CORE_ORDER_KEYS = ("order_id", "intent_id", "strategy_id", "venue", "instrument", "side", "order_type", "qty",
                   "limit_price", "stop_price", "time_in_force", "expire_time", "parent_order_id", "oco_group",
                   "state", "filled_qty", "avg_fill_price", "fill_notional", "fill_count", "submit_seq",
                   "triggered", "placed_bar_time")
BAR_KEYS = ("time", "open", "high", "low", "close", "volume", "timeframe_ms")
I128_MAX = 2**127 - 1


def _invalid(what: str) -> InvalidPayload:
    return InvalidPayload(f"snapshot invalid: {what}")


def _pairs(value: Any, what: str) -> dict[str, Any]:
    if type(value) is not dict or not all(_valid_text(key) for key in value):
        raise _invalid(f"{what} must be an object")
    return value


def _exact(value: Any, keys: tuple[str, ...], what: str) -> dict[str, Any]:
    pairs = _pairs(value, what)
    for key in pairs:
        if key not in keys:
            raise _invalid(f"{what} has unknown key {key!r}")
    for key in keys:
        if key not in pairs:
            raise _invalid(f"{what} lacks {key!r}")
    return pairs


def _read_dec(value: Any, what: str) -> int:
    if not _valid_text(value) or _CANONICAL_DECIMAL.fullmatch(value) is None:
        raise _invalid(f"{what} must be a canonical decimal string")
    try:
        return parse_decimal_str(value)
    except CracktraderError:
        raise _invalid(f"{what} out of range") from None


def _read_opt_dec(value: Any, what: str) -> int | None:
    return None if value is None else _read_dec(value, what)


def _read_int(value: Any, low: int, high: int, what: str) -> int:
    if type(value) is not int or not low <= value <= high:
        raise _invalid(f"{what} must be an integer in range")
    return value


def _read_opt_ts(value: Any, what: str) -> int | None:
    return None if value is None else _read_int(value, 0, MAX_I63, what)


def _read_id(value: Any, what: str) -> str:
    if (
        not _valid_text(value)
        or not 1 <= len(value) <= 128
        or any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in value)
    ):
        raise _invalid(f"{what} must be an identifier")
    return value


def _read_opt_id(value: Any, what: str) -> str | None:
    return None if value is None else _read_id(value, what)


def _read_bool(value: Any, what: str) -> bool:
    if value is not True and value is not False:
        raise _invalid(f"{what} must be a boolean")
    return value


def _read_text(value: Any, what: str) -> str:
    if not _valid_text(value):
        raise _invalid(f"{what} must be a string")
    return value


def _read_enum(value: Any, allowed: tuple[Any, ...], what: str) -> Any:
    if not (value is None and None in allowed) and not (_valid_text(value) and value in allowed):
        raise _invalid(f"{what} must be one of {allowed}")
    return value


def _read_exact_int(value: Any, what: str) -> int:
    if not _valid_text(value) or _EXACT_INT.fullmatch(value) is None or len(value) > 41:
        raise _invalid(what)
    number = int(value)
    if not -I128_MAX - 1 <= number <= I128_MAX:
        raise _invalid(what)
    return number


def _read_list(value: Any, what: str) -> list[Any]:
    if type(value) is not list:
        raise _invalid(f"{what} must be an array")
    return value


def _read_unique_strings(value: Any, what: str) -> list[str]:
    out = [_read_text(item, what) for item in _read_list(value, what)]
    if len(set(out)) != len(out):
        raise _invalid(f"{what} has a repeated item")
    return out


def _read_config(value: Any) -> CoreConfig:
    pairs = _exact(value, CONFIG_KEYS, "config")
    _read_enum(pairs["mode"], ("simulated", "external"), "mode")
    _read_dec(pairs["starting_cash"], "starting_cash")
    _read_dec(pairs["commission_rate"], "commission_rate")
    _read_enum(pairs["late_policy"], ("reject", "accept"), "late_policy")
    _read_opt_dec(pairs["max_order_qty"], "max_order_qty")
    _read_opt_dec(pairs["max_notional"], "max_notional")
    _read_bool(pairs["allow_short"], "allow_short")
    try:
        return CoreConfig(pairs)
    except CracktraderError as exc:
        raise _invalid(f"config inconsistent: {exc}") from None


def _nested_items(value: Any, what: str):
    for venue, by_instrument in _pairs(value, what).items():
        for instrument, item in _pairs(by_instrument, what).items():
            yield (venue, instrument), item


class _StagedState:
    """A shadow state built completely before it replaces the live one (restore and
    load never half-load)."""

    def __init__(self, pairs: dict[str, Any]) -> None:
        if type(pairs["schema_version"]) is not int or pairs["schema_version"] != SCHEMA_VERSION:
            raise _invalid("schema_version must be 1")
        self.config = _read_config(pairs["config"])
        self.enabled: frozenset[str] | None = None
        self.last_seq_id = _read_int(pairs["last_seq_id"], 0, MAX_I63, "last_seq_id")
        self.cash = _read_dec(pairs["cash"], "cash")
        self.fees_paid = _read_dec(pairs["fees_paid"], "fees_paid")
        self.positions: dict[tuple[str, str], tuple[int, int, int]] = {}
        for key, p in _nested_items(pairs["positions"], "positions"):
            p = _exact(p, ("size", "avg_price", "realized_pnl"), "position")
            self.positions[key] = (
                _read_dec(p["size"], "size"),
                _read_dec(p["avg_price"], "avg_price"),
                _read_dec(p["realized_pnl"], "realized_pnl"),
            )
        self.applied_keys = set(_read_unique_strings(pairs["applied_keys"], "applied_keys"))
        self.stream_times: dict[tuple[Any, ...], int] = {}
        for text, time in _pairs(pairs["stream_times"], "stream_times").items():
            time = _read_int(time, 0, MAX_I63, "stream time")
            try:
                stream = loads(text)
            except InvalidPayload:
                raise _invalid("stream key") from None
            if type(stream) is not list or len(stream) != 4:
                raise _invalid("stream key")
            source, venue, instrument, producer = stream
            _read_text(source, "stream source")
            if venue is not None:
                _read_text(venue, "stream venue")
            if instrument is not None:
                _read_text(instrument, "stream instrument")
            _read_int(producer, 0, MAX_I63, "stream producer")
            self.stream_times[(source, venue, instrument, producer)] = time
        self.orders: dict[str, _Order] = {}
        self.bar_times: dict[tuple[str, str], int] = {}

    def push(self, order: _Order) -> None:
        if order.order_id in self.orders:
            raise _invalid(f"order {order.order_id!r} listed twice")
        self.orders[order.order_id] = order

    def install(self, checker: InvariantChecker) -> None:
        checker._config = self.config
        if self.enabled is not None:
            checker._enabled = self.enabled
        checker._reset()
        checker._last_seq_id = self.last_seq_id
        checker._cash = self.cash
        checker._fees_paid = self.fees_paid
        checker._positions = self.positions
        checker._orders = self.orders
        checker._applied_keys = self.applied_keys
        checker._bar_times = self.bar_times
        checker._stream_times = self.stream_times
        for order in self.orders.values():
            key = order.key()
            if order.order_type == "stop_limit" and key is not None and order.state not in TERMINAL:
                checker._stop_limits.setdefault(key, {})[order.order_id] = order


def _read_state(value: Any) -> str:
    if not _valid_text(value) or value not in STATES:
        raise _invalid("state")
    return value


def _read_invariant_snapshot(snapshot: Any) -> _StagedState:
    pairs = _exact(snapshot, SNAPSHOT_KEYS, "invariant_snapshot")
    staged = _StagedState(pairs)
    names = _read_unique_strings(pairs["enabled"], "enabled")
    if any(name not in CODE_SET for name in names):
        raise _invalid("enabled holds an unknown code")
    staged.enabled = frozenset(names)
    for item in _read_list(pairs["orders"], "orders"):
        o = _exact(item, SHADOW_ORDER_KEYS, "order")
        order = _Order(_read_id(o["order_id"], "order_id"))
        order.venue = _read_opt_id(o["venue"], "venue")
        order.instrument = _read_opt_id(o["instrument"], "instrument")
        order.side = _read_enum(o["side"], ("buy", "sell", None), "side")
        order.order_type = _read_enum(o["order_type"], (*sorted(ORDER_TYPES), None), "order_type")
        order.limit_price = _read_opt_dec(o["limit_price"], "limit_price")
        order.stop_price = _read_opt_dec(o["stop_price"], "stop_price")
        order.qty = _read_opt_dec(o["qty"], "qty")
        order.state = _read_state(o["state"])
        order.filled = _read_dec(o["filled_qty"], "filled_qty")
        order.remaining = _read_dec(o["remaining_qty"], "remaining_qty")
        order.ledger_filled = _read_dec(o["ledger_filled"], "ledger_filled")
        order.ledger_notional = _read_exact_int(o["ledger_notional"], "ledger_notional")
        order.placed_bar_time = _read_opt_ts(o["placed_bar_time"], "placed_bar_time")
        order.touched = _read_bool(o["touched"], "touched")
        staged.push(order)
    for key, time in _nested_items(pairs["bar_times"], "bar_times"):
        staged.bar_times[key] = _read_int(time, 0, MAX_I63, "bar time")
    return staged


def _read_core_order(item: Any) -> _Order:
    o = _exact(item, CORE_ORDER_KEYS, "order")
    # Fields the checker does not keep are still validated (the schema's rules).
    _read_id(o["intent_id"], "intent_id")
    _read_id(o["strategy_id"], "strategy_id")
    _read_enum(o["time_in_force"], ("gtc", "ioc", "fok"), "time_in_force")
    _read_opt_ts(o["expire_time"], "expire_time")
    _read_opt_id(o["parent_order_id"], "parent_order_id")
    _read_opt_id(o["oco_group"], "oco_group")
    _read_opt_dec(o["avg_fill_price"], "avg_fill_price")
    _read_int(o["fill_count"], 0, I128_MAX, "fill_count")
    _read_int(o["submit_seq"], 1, MAX_I63, "submit_seq")
    side = _read_enum(o["side"], ("buy", "sell"), "side")
    order_type = _read_enum(o["order_type"], tuple(sorted(ORDER_TYPES)), "order_type")
    qty = _read_dec(o["qty"], "qty")
    filled = _read_dec(o["filled_qty"], "filled_qty")
    try:
        remaining = sub(qty, filled)
    except CracktraderError:
        raise _invalid("qty - filled_qty out of range") from None
    order = _Order(_read_id(o["order_id"], "order_id"))
    order.venue = _read_id(o["venue"], "venue")
    order.instrument = _read_id(o["instrument"], "instrument")
    order.side = side
    order.order_type = order_type
    order.limit_price = _read_opt_dec(o["limit_price"], "limit_price")
    order.stop_price = _read_opt_dec(o["stop_price"], "stop_price")
    order.qty = qty
    order.state = _read_state(o["state"])
    order.filled = filled
    order.remaining = remaining
    # The core's own books stand in for the fills the checker never saw.
    order.ledger_filled = filled
    order.ledger_notional = _read_exact_int(o["fill_notional"], "fill_notional")
    order.placed_bar_time = _read_opt_ts(o["placed_bar_time"], "placed_bar_time")
    order.touched = _read_bool(o["triggered"], "triggered")
    return order


def _read_core_snapshot(snapshot: Any) -> _StagedState:
    pairs = _exact(snapshot, CORE_SNAPSHOT_KEYS, "core_snapshot")
    staged = _StagedState(pairs)
    for item in _read_list(pairs["orders"], "orders"):
        staged.push(_read_core_order(item))
    for key, b in _nested_items(pairs["last_bar"], "last_bar"):
        b = _exact(b, BAR_KEYS, "bar")
        for name in ("open", "high", "low", "close", "volume"):
            _read_dec(b[name], name)
        _read_int(b["timeframe_ms"], 1, I128_MAX, "timeframe_ms")
        staged.bar_times[key] = _read_int(b["time"], 0, MAX_I63, "bar time")
    for _, p in _nested_items(pairs["last_price"], "last_price"):
        p = _exact(p, ("time", "price"), "last_price")
        _read_dec(p["price"], "price")
        _read_int(p["time"], 0, MAX_I63, "price time")
    _read_bool(pairs["kill_switch"], "kill_switch")
    flags = _exact(pairs["risk_flags"], ("allow_short",), "risk_flags")
    _read_bool(flags["allow_short"], "allow_short")
    return staged
