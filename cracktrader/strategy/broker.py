"""The broker of a strategy run: Backtrader's broker API over the deterministic core.

Every order becomes a ``place_order`` intent and every cancel a ``cancel_order`` intent,
applied to the core the moment the strategy calls ``buy``/``sell``/``cancel``. What the
strategy reads back — order statuses, executions, cash, value, positions, trades — is
derived only from the core's results (transitions, fills, ``cash_delta``), so both core
backends give the same run.

**Statuses.** Core transitions map onto Backtrader's statuses: ``-> submitted`` is
Submitted, ``submitted -> accepted`` Accepted, a fill Partial or Completed, ``->
cancelled`` Canceled, ``-> expired`` Expired, ``-> rejected`` Margin when the reason is
``insufficient_cash`` (else Rejected). A placement the core refuses is Submitted then
Margin (``insufficient_cash``) or Rejected (any other code, kept in
``order.info["code"]``). A bracket child waiting in ``created`` for its parent is shown
as Submitted then Accepted, like Backtrader's inactive children; its activation when the
parent fills is not notified (Backtrader does not notify it either).

**Timing.** Notifications are queued in three phases and delivered together at the
start of the next step, before the strategy's ``next``: first those caused by calls
(Submitted, Canceled), then acceptances (Accepted, or Margin/Rejected at placement), then
those caused by the new bars (fills, expiries, cancellations by OCO or bracket rules).
That is the order Backtrader's broker produces them in, and by then cash, value and
positions already reflect every fill of the bar.

**Seams for other brokers.** ``core_config()`` says how to build the core;
``_transmit`` sends a placed order on and ``_transmit_cancel`` a cancel the core
accepted (no-ops here: in simulated mode the core is the venue); ``apply_report(event)``
applies a venue report (external mode) through the same translation;
``poll_reports()`` is called by the engine once per step before notifications are
delivered when ``polls_reports`` is true. A live broker (``cracktrader.sessions``)
overrides these and feeds reports to ``apply_report``.

**``ct.Broker(...)`` is also the mode factory.** Calling the base class itself —
``Broker(mode="paper", exchange=None, store=None, **kwargs)`` — returns the broker of
that mode (``backtest``, ``paper``, ``live``, or ``sandbox``; see docs/sessions.md and
D-500); subclasses construct normally (``BacktestBroker(cash=...)``). Every broker is a
``Broker``, so ``isinstance`` checks keep working.
"""

from __future__ import annotations

import inspect
from datetime import date, datetime, time as dtime, timedelta
from typing import Any

from cracktrader.engine.accounting import apply_fill_to_position
from cracktrader.engine.numbers import SCALE, div_half_even, format_decimal, parse_decimal
from cracktrader.strategy.lines import datetime_to_ms
from cracktrader.strategy.order import BuyOrder, ExecutionBit, Order, SellOrder
from cracktrader.strategy.position import Position, to_number
from cracktrader.strategy.trade import Trade

CALL, ACCEPT, BAR = 0, 1, 2
TERMINAL = frozenset(("filled", "cancelled", "rejected", "expired"))
WORKING = frozenset(("accepted", "partially_filled"))
_EXEC_TYPES = {
    Order.Market: "market",
    Order.Limit: "limit",
    Order.Stop: "stop",
    Order.StopLimit: "stop_limit",
}


def _raw(text: str) -> int:
    return parse_decimal(text)


def _canonical(value: Any) -> str:
    """A number as the core's canonical decimal string (so intents carry no float)."""
    if type(value) is int and abs(value) < 10**29:
        return str(value)  # an int's digits are already canonical
    return format_decimal(parse_decimal(value))


def _factory_signature() -> inspect.Signature:
    """The signature of ``Broker(...)`` called on the base class (the mode factory)."""
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    return inspect.Signature(
        [
            inspect.Parameter("mode", kind, default="paper", annotation="str"),
            inspect.Parameter("exchange", kind, default=None, annotation="Any"),
            inspect.Parameter("store", kind, default=None, annotation="Any"),
            inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD, annotation="Any"),
        ],
        return_annotation="Broker",
    )


class BrokerMeta(type):
    """Makes ``Broker(...)`` on the base class the mode factory (D-500).

    Subclasses are constructed as usual, and ``inspect.signature`` shows the factory's
    signature for the base class and each subclass's own ``__init__`` otherwise.
    """

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if cls is Broker:
            from cracktrader.sessions.factories import make_broker

            return make_broker(*args, **kwargs)
        return super().__call__(*args, **kwargs)

    @property
    def __signature__(cls) -> inspect.Signature:
        if cls is Broker:
            return _factory_signature()
        own = inspect.signature(cls.__init__)
        return own.replace(parameters=list(own.parameters.values())[1:])


class Broker(metaclass=BrokerMeta):
    """A simulated broker whose venue is the deterministic core (see the module docstring).

    ``cash`` defaults to 10000.0 and ``commission`` (a rate on notional) to 0, as
    Backtrader's default broker. ``allow_short``, ``max_order_qty`` and ``max_notional``
    pass through to the core's risk checks.

    ``Broker(mode=..., exchange=..., store=...)`` called on this class itself is the
    factory of the session modes (module docstring); ``BacktestBroker`` is this broker
    under its mode name.
    """

    mode = "simulated"
    # the session mode this broker serves (docs/sessions.md)
    mode_name = "backtest"
    # whether the engine calls ``poll_reports()`` every step (live brokers)
    polls_reports = False
    # whether the run must load bar by bar (a live broker cannot run on preloaded data)
    live = False
    # the venue the run's core uses when this broker is bound to one (None: the engine's)
    venue: str | None = None

    def __init__(self, cash: float = 10000.0, commission: float = 0.0, *, allow_short: bool = True,
                 max_order_qty: Any = None, max_notional: Any = None) -> None:
        self.startingcash = cash
        self._commission = commission
        self._risk = {"allow_short": allow_short, "max_order_qty": max_order_qty, "max_notional": max_notional}
        self._session = None
        self._reset()

    # ------------------------------------------------------------ configuration
    def setcash(self, cash: float) -> None:
        """Starting cash of the next run."""
        self._check_idle("setcash")
        self.startingcash = cash
        self._cash_raw = parse_decimal(cash)

    set_cash = setcash

    def setcommission(self, commission: float = 0.0, margin: Any = None, mult: float = 1.0,
                      commtype: Any = None, percabs: bool = True, stocklike: bool = False,
                      interest: float = 0.0, interest_long: bool = False, leverage: float = 1.0,
                      automargin: bool = False, name: Any = None) -> None:
        """A commission rate on the notional of every fill (Backtrader's percentage
        commission on stock-like assets). Futures-style settings (``margin``, ``mult``,
        fixed commissions, ``leverage``, ``interest``) and per-data commissions
        (``name``) are not supported by the core and raise ``NotImplementedError``."""
        self._check_idle("setcommission")
        unsupported = []
        if margin:
            unsupported.append("margin")
        if mult != 1.0:
            unsupported.append("mult")
        if commtype not in (None, 0):  # 0 is Backtrader's COMM_PERC
            unsupported.append("commtype")
        if leverage != 1.0:
            unsupported.append("leverage")
        if interest:
            unsupported.append("interest")
        if automargin:
            unsupported.append("automargin")
        if name is not None:
            unsupported.append("name (one commission rate applies to every data feed)")
        if unsupported:
            raise NotImplementedError(f"setcommission: unsupported by the cracktrader core: {', '.join(unsupported)}")
        self._commission = commission if percabs else commission / 100.0

    def core_config(self) -> dict[str, Any]:
        """The config of the core this broker runs on."""
        return {
            "mode": self.mode,
            "starting_cash": _canonical(self.startingcash),
            "commission_rate": _canonical(self._commission),
            **{key: (None if value is None else (value if isinstance(value, bool) else _canonical(value)))
               for key, value in self._risk.items()},
        }

    def _check_idle(self, what: str) -> None:
        if self._session is not None:
            raise RuntimeError(f"{what} cannot be called while a run is in progress")

    # ----------------------------------------------------------------- run state
    def _reset(self) -> None:
        self._cash_raw = parse_decimal(self.startingcash)
        self._positions: dict[Any, Position] = {}
        self._orders: dict[str, Order] = {}
        self._open: dict[int, Order] = {}
        self._queues: tuple[list[Order], list[Order], list[Order]] = ([], [], [])
        self._has_notes = False
        self._epoch = 0
        self._held: dict[int, list[Order]] = {}
        self._ref = 0
        self._trade_ref = 0
        self._all_orders: list[Order] = []
        self.fills: list[dict[str, Any]] = []
        # closed trades as plain data (exact decimals), in closing order
        self.closed_trades: list[dict[str, Any]] = []

    def _start(self, session: Any, datas: list[Any]) -> None:
        """Bind to a run: the engine's core session and the data feeds."""
        self._reset()
        self._session = session
        self._datas = datas
        for data in datas:
            self._positions[data] = Position()

    def _stop(self) -> None:
        self._session = None

    # -------------------------------------------------------------------- reads
    def getcash(self) -> float:
        """Cash (the core's exact cash, as a float)."""
        return self._cash_raw / SCALE

    get_cash = getcash
    cash = property(getcash)

    def getvalue(self, datas: list[Any] | None = None) -> float:
        """Cash plus the market value (size x close) of the positions of ``datas``
        (all by default); with ``datas`` given, only their positions' value."""
        position_value = 0.0
        wanted = None if datas is None else {id(data) for data in datas}  # identity: feeds overload ==
        for data, position in self._positions.items():
            if wanted is not None and id(data) not in wanted:
                continue
            size = position.size
            if size:
                position_value += size * data.close[0]
        if datas is not None:
            return position_value
        return self._cash_raw / SCALE + position_value

    get_value = getvalue

    @property
    def fundshares(self) -> float:
        """Backtrader's fund shares (starting value / 100; fund mode is not supported)."""
        return float(self.startingcash) / 100.0

    @property
    def fundvalue(self) -> float:
        """Backtrader's fund value: value per fund share."""
        return self.getvalue() / self.fundshares

    fundmode = False

    def getposition(self, data: Any) -> Position:
        """The position in ``data`` (a live view)."""
        return self._positions[data]

    def get_orders_open(self, safe: bool = False) -> list[Order]:
        """Orders still alive, in submission order (copies when ``safe``)."""
        orders = [order for order in self._open.values() if order.alive()]
        return [order.clone() for order in orders] if safe else orders

    def orderstatus(self, order: Order) -> int:
        """The current status of ``order``."""
        return order.status

    def getcommissioninfo(self, data: Any) -> Any:
        """Not supported: one commission rate applies to all (``core_config``)."""
        raise NotImplementedError("commission info objects are not supported; see setcommission")

    # ------------------------------------------------------------------- orders
    def buy(self, owner: Any, data: Any, size: float, price: float | None = None, plimit: float | None = None,
            exectype: int | None = None, valid: Any = None, tradeid: int = 0, oco: Order | None = None,
            trailamount: float | None = None, trailpercent: float | None = None, parent: Order | None = None,
            transmit: bool = True, **kwargs: Any) -> Order:
        """Create and submit a buy order (see ``Strategy.buy``)."""
        return self._order(Order.Buy, owner, data, size, price, plimit, exectype, valid, tradeid, oco,
                           trailamount, trailpercent, parent, transmit, kwargs)

    def sell(self, owner: Any, data: Any, size: float, price: float | None = None, plimit: float | None = None,
             exectype: int | None = None, valid: Any = None, tradeid: int = 0, oco: Order | None = None,
             trailamount: float | None = None, trailpercent: float | None = None, parent: Order | None = None,
             transmit: bool = True, **kwargs: Any) -> Order:
        """Create and submit a sell order (see ``Strategy.sell``)."""
        return self._order(Order.Sell, owner, data, size, price, plimit, exectype, valid, tradeid, oco,
                           trailamount, trailpercent, parent, transmit, kwargs)

    def _order(self, ordtype, owner, data, size, price, plimit, exectype, valid, tradeid, oco,
               trailamount, trailpercent, parent, transmit, kwargs) -> Order:
        if self._session is None:
            raise RuntimeError("orders can only be placed while a run is in progress")
        if exectype is None:
            exectype = Order.Market
        if trailamount is not None or trailpercent is not None or exectype in (Order.StopTrail, Order.StopTrailLimit):
            raise NotImplementedError("trailing stops are not supported by the cracktrader core")
        if exectype not in _EXEC_TYPES:
            raise NotImplementedError(f"{Order.ExecTypes[exectype]} orders are not supported by the cracktrader core")
        tif = kwargs.pop("time_in_force", "gtc")
        self._ref += 1
        cls = BuyOrder if ordtype == Order.Buy else SellOrder
        order = cls(ref=self._ref, owner=owner, data=data, ordtype=ordtype, size=abs(size), price=price,
                    pricelimit=plimit, exectype=exectype, valid=valid, tradeid=tradeid, oco=oco, parent=parent,
                    transmit=transmit, dt=data.datetime[0], pclose=data.close[0], info=kwargs)
        order.broker = self
        order.info["time_in_force"] = tif
        order.expire_time = None if exectype == Order.Market else self._expire_time(valid, data)
        if oco is not None:
            order.oco_group = oco.oco_group
        elif parent is not None:
            order.oco_group = f"bracket-{parent.ref}"
        else:
            order.oco_group = f"oco-{order.ref}"
        self._all_orders.append(order)
        return self.submit(order)

    @staticmethod
    def _expire_time(valid: Any, data: Any) -> int | None:
        """Backtrader's ``valid`` as the core's ``expire_time`` (epoch ms).

        A datetime or date: that moment (dates at midnight UTC); a timedelta: the current
        bar's time plus it, and ``timedelta(0)`` the end of the current bar's day; an
        int: epoch milliseconds. None: good till cancelled.
        """
        if valid is None:
            return None
        if isinstance(valid, timedelta):
            now = data.datetime.datetime(0)
            if valid == timedelta(0):
                return datetime_to_ms(datetime.combine(now.date(), dtime(23, 59, 59, 999000)))
            return datetime_to_ms(now + valid)
        if isinstance(valid, datetime):
            return datetime_to_ms(valid)
        if isinstance(valid, date):
            return datetime_to_ms(datetime(valid.year, valid.month, valid.day))
        if isinstance(valid, int) and not isinstance(valid, bool):
            return valid
        raise TypeError(f"valid must be a datetime, date, timedelta or epoch milliseconds, not {valid!r}")

    def submit(self, order: Order) -> Order:
        """Submit ``order``; orders with ``transmit=False`` wait for the last of their
        bracket family (the one with ``transmit=True``), as in Backtrader."""
        root = order.parent.ref if order.parent is not None else order.ref
        family = self._held.setdefault(root, [])
        family.append(order)
        if order.transmit:
            del self._held[root]
            for member in family:
                self._place(member)
        return order

    def _place(self, order: Order) -> None:
        data = order.data
        exectype = order.exectype
        price = order.price
        if exectype != Order.Market and price is None:
            price = order.created.price  # Backtrader: the close at creation
        limit_price = stop_price = None
        if exectype == Order.Limit:
            limit_price = _canonical(price)
        elif exectype == Order.Stop:
            stop_price = _canonical(price)
        elif exectype == Order.StopLimit:
            stop_price = _canonical(price)
            limit_price = _canonical(order.pricelimit if order.pricelimit is not None else price)
        order.order_id = f"o{order.ref}"
        parent = order.parent
        order._intent = payload = {
            "intent_id": f"i{order.ref}",
            "order_id": order.order_id,
            "instrument": data._instrument,
            "venue": self._session.venue,
            "side": "buy" if order.isbuy() else "sell",
            "order_type": _EXEC_TYPES[exectype],
            "qty": _canonical(abs(order.size)),
            "limit_price": limit_price,
            "stop_price": stop_price,
            "time_in_force": order.info.get("time_in_force", "gtc"),
            "expire_time": order.expire_time,
            "parent_order_id": None if parent is None else parent.order_id,
            "oco_group": order.oco_group,
            "strategy_id": getattr(order.owner, "_strategy_id", "strategy"),
        }
        self._orders[order.order_id] = order
        order._filled_text = "0"
        result = self._session.apply_intent("place_order", payload)
        if not result["accepted"]:
            code = result["code"]
            diagnostics = result["diagnostics"]
            order.info["code"] = code
            order.info["field"] = diagnostics[0]["field"] if diagnostics else ""
            order.core_state = None
            self._set_status(order, Order.Submitted, CALL)
            self._set_status(order, Order.Margin if code == "insufficient_cash" else Order.Rejected, ACCEPT)
            return
        self._open[order.ref] = order
        self._apply(result, CALL)
        if order.core_state == "created":
            # a bracket child waiting for its parent: Backtrader shows it accepted (inactive)
            self._set_status(order, Order.Submitted, CALL)
            self._set_status(order, Order.Accepted, ACCEPT)
        self._transmit(order)

    def _transmit(self, order: Order) -> None:
        """Send a placed order to the venue (nothing to do: the core is the venue)."""

    def _transmit_cancel(self, order: Order) -> None:
        """Send a cancel the core accepted to the venue (nothing to do here)."""

    def poll_reports(self) -> None:
        """Fetch and apply venue reports (nothing to fetch: the core is the venue)."""

    def cancel(self, order: Order) -> bool:
        """Cancel ``order``; False when it can no longer be cancelled.

        A bracket child still waiting for its parent cannot be cancelled alone in the
        core; cancelling it cancels the parent (and so the whole bracket), which is what
        Backtrader's broker does too.
        """
        if self._session is None or order.broker is not self:
            return False
        if order.order_id is None:
            for family in self._held.values():
                if order in family:
                    family.remove(order)
                    self._set_status(order, Order.Canceled, CALL)
                    return True
            return False
        if order.core_state == "created" and order.parent is not None:
            return self.cancel(order.parent)
        if order.core_state not in WORKING:
            return False
        result = self._session.apply_intent("cancel_order", {"order_id": order.order_id})
        if not result["accepted"]:
            return False
        self._apply(result, CALL)
        self._transmit_cancel(order)
        return True

    # --------------------------------------------------------- core results
    def _bar_result(self, result: dict[str, Any]) -> None:
        """A bar's result with transitions (fills, expiries, cancellations)."""
        if result["accepted"]:
            self._apply(result, BAR)

    def apply_report(self, event: dict[str, Any]) -> dict[str, Any]:
        """Apply a venue report (external mode) and translate its result."""
        result = self._session.apply_event(event)
        if result["accepted"]:
            self._apply(result, BAR)
        return result

    def _apply(self, result: dict[str, Any], phase: int) -> None:
        fills = result["fills"]
        fill_index = 0
        orders = self._orders
        for transition in result["transitions"]:
            order = orders[transition["order_id"]]
            to = transition["to"]
            order.core_state = to
            # canonical decimal strings are equal exactly when the values are
            filled_now = transition["filled_qty"] != order._filled_text
            if filled_now:
                fill = fills[fill_index]
                fill_index += 1
                self._on_fill(order, fill, transition)
                order._filled_text = transition["filled_qty"]
            status = _status(transition["from"], to, transition["reason"], filled_now)
            if status is not None:
                if transition["reason"] is not None:
                    order.info["reason"] = transition["reason"]
                queue = phase
                if phase == CALL and to == "accepted":
                    queue = ACCEPT
                self._set_status(order, status, queue)
            if to in TERMINAL:
                self._open.pop(order.ref, None)
        if fills:
            self._cash_raw += _raw(result["cash_delta"])

    def _set_status(self, order: Order, status: int, queue: int) -> None:
        order.status = status
        # One order's notifications keep their causal order: a cancel right after the
        # placement (same step) follows the placement's Accepted, not the Submitted.
        epoch, last = getattr(order, "_noted", (-1, CALL))
        if epoch == self._epoch and queue < last:
            queue = last
        order._noted = (self._epoch, queue)
        self._queues[queue].append(order.clone())
        self._has_notes = True

    def _on_fill(self, order: Order, fill: dict[str, Any], transition: dict[str, Any]) -> None:
        qty = _raw(fill["qty"])
        price = _raw(fill["price"])
        fee = _raw(fill["fee"])
        signed = qty if order.isbuy() else -qty
        data = order.data
        position = self._positions[data]
        raw = position.raw
        old_size, old_price = raw.size, raw.avg_price
        if old_size == 0 or (old_size > 0) == (signed > 0):
            closed = 0
        elif abs(signed) <= abs(old_size):
            closed = signed
        else:
            closed = -old_size
        opened = signed - closed
        realized = apply_fill_to_position(raw, signed, price)
        position._sync()
        closed_comm = div_half_even(fee * abs(closed), qty) if closed else 0
        opened_comm = fee - closed_comm
        bar, now = len(data), data.datetime[0]
        scale2 = SCALE * SCALE
        bit = ExecutionBit(
            dt=now, size=to_number(signed), price=price / SCALE, closed=to_number(closed), opened=to_number(opened),
            closedvalue=(-closed * old_price) / scale2, openedvalue=(opened * price) / scale2,
            closedcomm=closed_comm / SCALE, openedcomm=opened_comm / SCALE, pnl=realized / SCALE,
            psize=position.size, pprice=position.price, fill_id=fill["fill_id"],
        )
        remaining = _raw(transition["remaining_qty"])
        avg = transition["avg_fill_price"]
        order.executed.add(bit, float(avg) if avg is not None else 0.0,
                           to_number(remaining if order.isbuy() else -remaining))
        self.fills.append(fill)
        self._update_trades(order, closed, opened, price, closed_comm, opened_comm, bar, now)

    def _new_trade(self, data: Any, tradeid: int) -> Trade:
        self._trade_ref += 1
        return Trade(data=data, tradeid=tradeid, ref=self._trade_ref)

    def _update_trades(self, order: Order, closed: int, opened: int, price: int, closed_comm: int,
                       opened_comm: int, bar: int, now: int) -> None:
        owner = order.owner
        key = (order.data, order.tradeid)
        pending = owner._tradespending
        trade = owner._trades.get(key)  # the current trade only: closed ones are summarised
        if trade is None:
            trade = owner._trades[key] = self._new_trade(order.data, order.tradeid)
        if closed:
            trade.update(closed, price, closed_comm, bar, now)
            if trade.isclosed:
                pending.append(trade.clone())
                self.closed_trades.append(trade_summary(trade))
        if opened:
            if trade.isclosed:
                trade = owner._trades[key] = self._new_trade(order.data, order.tradeid)
            trade.update(opened, price, opened_comm, bar, now)
            if trade.isclosed:
                pending.append(trade.clone())
                self.closed_trades.append(trade_summary(trade))
        if trade.justopened:
            pending.append(trade.clone())

    # ------------------------------------------------------------- delivery
    def _deliver(self) -> None:
        """Hand the queued notifications to their strategies (next step's start)."""
        calls, accepts, bars = self._queues
        self._queues = ([], [], [])
        self._has_notes = False
        self._epoch += 1
        for queue in (calls, accepts, bars):
            for note in queue:
                note.owner._orderspending.append(note)

    # ---------------------------------------------------------------- end
    def verify(self, snapshot: dict[str, Any], venue: str) -> None:
        """Check the strategy-side view against the core's final state (a bug guard)."""
        problems = []
        if _raw(snapshot["cash"]) != self._cash_raw:
            problems.append(f"cash {format_decimal(self._cash_raw)} != core {snapshot['cash']}")
        core_positions = snapshot["positions"].get(venue, {})
        for data, position in self._positions.items():
            core = core_positions.get(data._instrument)
            size = 0 if core is None else _raw(core["size"])
            avg = 0 if core is None else _raw(core["avg_price"])
            if (size, avg) != (position.raw.size, position.raw.avg_price):
                problems.append(f"position {data._instrument}: {position.raw.size}@{position.raw.avg_price} != core {core}")
        if problems:
            raise RuntimeError("broker view diverged from the core: " + "; ".join(problems))

    def order_summaries(self) -> list[dict[str, Any]]:
        """Every order of the run as plain data (exact decimals as strings)."""
        out = []
        for order in self._all_orders:
            executed = order.executed
            out.append({
                "ref": order.ref,
                "order_id": order.order_id,
                "data": order.data._instrument,
                "side": order.ordtypename().lower(),
                "exectype": order.getordername(),
                "size": _canonical(abs(order.size)),
                "price": None if order.price is None else _canonical(order.price),
                "status": order.getstatusname(),
                "filled": getattr(order, "_filled_text", "0"),
                "fills": len(executed.exbits),
                "code": order.info.get("code"),
            })
        return out


def trade_summary(trade: Trade) -> dict[str, Any]:
    """A closed trade as plain data (exact PnL and commission as decimal strings)."""
    return {
        "ref": trade.ref,
        "data": trade.data._instrument,
        "tradeid": trade.tradeid,
        "long": bool(trade.long),
        "price": format_decimal(trade._price_raw),
        "pnl": format_decimal(trade.pnl_raw),
        "commission": format_decimal(trade.commission_raw),
        "pnlcomm": format_decimal(trade.pnl_raw - trade.commission_raw),
        "baropen": trade.baropen,
        "barclose": trade.barclose,
        "barlen": trade.barlen,
        "dtopen": trade.dtopen,
        "dtclose": trade.dtclose,
    }


def _status(previous: str | None, to: str, reason: str | None, filled_now: bool) -> int | None:
    """The Backtrader status a core transition shows, or None when it shows none."""
    if to == "submitted":
        return None if reason == "parent_filled" else Order.Submitted
    if to == "accepted":
        return Order.Accepted if previous == "submitted" and reason != "parent_filled" else None
    if to == "filled":
        return Order.Completed
    if to == "partially_filled" or to == "cancel_pending":
        return Order.Partial if filled_now else None
    if to == "cancelled":
        return Order.Canceled
    if to == "expired":
        return Order.Expired
    if to == "rejected":
        return Order.Margin if reason == "insufficient_cash" else Order.Rejected
    return None


class BacktestBroker(Broker):
    """The backtest broker: the simulated ``Broker`` under the ``backtest`` mode name
    (what ``Cerebro`` uses by default and ``ct.Broker(mode="backtest")`` returns)."""

    mode_name = "backtest"


BackBroker = BacktestBroker
