"""``ct.Strategy``: Backtrader's strategy API on the deterministic core.

Write a strategy exactly as for Backtrader: ``params``, indicators declared in
``__init__``, trading logic in ``next()``, ``notify_order``/``notify_trade`` callbacks,
``buy``/``sell``/``close``/``cancel``, ``buy_bracket``/``sell_bracket`` and ``oco=``.
Strategies are instantiated by ``Cerebro.run()`` (or ``CracktraderEngine.run``), which
gives them their data feeds and broker before ``__init__`` runs.

Each step (bar) runs, in this order: the bars are applied to the core (fills happen);
the step's notifications are delivered (``notify_order`` for every status change since
the previous step, then ``notify_trade``, then ``notify_cashvalue``/``notify_fund``);
then ``prenext()`` while some declared indicator has no value yet, ``nextstart()`` on the
first bar where all have one (it calls ``next()``), and ``next()`` afterwards; then the
analyzers. Orders placed anywhere in a step (``next`` or a notification) execute on the
following bar at the earliest.
"""

from __future__ import annotations

from typing import Any

from cracktrader.strategy.lines import STAGE
from cracktrader.strategy.order import Order
from cracktrader.strategy.params import MetaParams
from cracktrader.strategy.sizers import FixedSize


class _Context:
    """What the engine hands to strategies under construction."""

    current: Any = None


CONTEXT = _Context()


class ItemCollection(list):
    """A list whose items can also be reached by name (``strategy.analyzers.sharpe``)."""

    def __init__(self) -> None:
        super().__init__()
        self._names: dict[str, Any] = {}

    def append(self, item: Any, name: str | None = None) -> None:  # type: ignore[override]
        super().append(item)
        if name:
            self._names[name] = item

    def getbyname(self, name: str) -> Any:
        """The item registered under ``name``."""
        return self._names[name]

    def getnames(self) -> list[str]:
        """Registered names."""
        return list(self._names)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["_names"][name]
        except KeyError:
            raise AttributeError(name) from None


class MetaStrategy(MetaParams):
    """Builds strategies: wiring first, then the user's ``__init__``, then minimum periods."""

    def __call__(cls, *args: Any, **kwargs: Any):
        context = CONTEXT.current
        if context is None:
            raise RuntimeError("strategies are created by Cerebro.run() / CracktraderEngine.run(), not directly")
        pkw, rest = cls._split_params(kwargs)
        obj = cls.__new__(cls)
        obj.params = obj.p = cls.params(**pkw)
        obj._prepare(context)
        STAGE.owners.append(obj)
        STAGE.building += 1
        try:
            obj.__init__(*args, **rest)
        finally:
            STAGE.building -= 1
            STAGE.owners.pop()
        obj._after_init()
        return obj


class Strategy(metaclass=MetaStrategy):
    """Base class of user strategies (see the module docstring)."""

    params = ()

    # ---------------------------------------------------------------- wiring
    def _prepare(self, context: Any) -> None:
        self.env = context.engine
        self.cerebro = context.cerebro
        self.broker = context.broker
        self.datas = list(context.datas)
        if self.datas:
            self.data = self.datas[0]
        for index, data in enumerate(self.datas):
            setattr(self, f"data{index}", data)
        self.dnames = {data._name: data for data in self.datas if data._name}
        self._strategy_id = context.strategy_id
        self._clock = context.master_clock
        self.datetime = context.master_datetime
        self._children: list[Any] = []
        self.analyzers = ItemCollection()
        self._orderspending: list[Order] = []
        self._tradespending: list[Any] = []
        self._trades: dict[Any, Any] = {}  # (data, tradeid) -> the current trade
        sizer = context.sizer
        self._sizer = FixedSize() if sizer is None else sizer[0](*sizer[1], **sizer[2])
        self._sizer.set(self, self.broker)
        self._minperiods = [1] * len(self.datas)

    def _after_init(self) -> None:
        for index, data in enumerate(self.datas):
            periods = [ind._minperiod for ind in self._children if ind.clock is data.clock]
            self._minperiods[index] = max(periods, default=1)
        self._single = len(self.datas) == 1
        self._minp0 = self._minperiods[0] if self.datas else 1
        self._clock0 = self.datas[0].clock if self.datas else None

    def __getattr__(self, name: str) -> Any:
        # Backtrader's shortcuts: data_close is data0.close, data1_high is data1.high
        if name.startswith("data") and "_" in name:
            head, _, line = name.partition("_")
            digits = head[4:]
            datas = self.__dict__.get("datas") or []
            if digits == "" or digits.isdigit():
                index = int(digits or 0)
                if index < len(datas) and line in datas[index].lines.getlinealiases():
                    return getattr(datas[index].lines, line)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # -------------------------------------------------------------- user hooks
    def start(self) -> None:
        """Called before the first bar."""

    def stop(self) -> None:
        """Called after the last bar."""

    def prenext(self) -> None:
        """Called on bars before every declared indicator has a value."""

    def nextstart(self) -> None:
        """Called once, on the first bar where every indicator has a value; calls ``next``."""
        self.next()

    def next(self) -> None:
        """Called on every bar once every indicator has a value."""

    def notify_order(self, order: Order) -> None:
        """An order changed status (a copy of the order at that status)."""

    def notify_trade(self, trade: Any) -> None:
        """A trade opened, changed or closed."""

    def notify_cashvalue(self, cash: float, value: float) -> None:
        """Cash and value at the start of each step (after the step's fills)."""

    def notify_fund(self, cash: float, value: float, fundvalue: float, shares: float) -> None:
        """Cash, value and Backtrader's fund figures at the start of each step."""

    def notify_data(self, data: Any, status: int, *args: Any, **kwargs: Any) -> None:
        """Data feed status changes (live feeds)."""

    def notify_store(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        """Store messages (live sessions)."""

    # ------------------------------------------------------------------ queries
    def __len__(self) -> int:
        return self._clock.idx + 1

    @property
    def position(self) -> Any:
        """The position in the first data feed."""
        return self.broker._positions[self.data]

    def getposition(self, data: Any = None, broker: Any = None) -> Any:
        """The position in ``data`` (the first data feed by default)."""
        data = self.data if data is None else data
        return (broker or self.broker).getposition(data)

    def getpositionbyname(self, name: str | None = None, broker: Any = None) -> Any:
        """The position in the data feed called ``name``."""
        data = self.data if name is None else self.getdatabyname(name)
        return (broker or self.broker).getposition(data)

    def getpositions(self, broker: Any = None) -> dict[Any, Any]:
        """``{data: position}`` for every data feed."""
        broker = broker or self.broker
        return {data: broker.getposition(data) for data in self.datas}

    def getpositionsbyname(self, broker: Any = None) -> dict[str, Any]:
        """``{name: position}`` for every named data feed."""
        broker = broker or self.broker
        return {data._name: broker.getposition(data) for data in self.datas if data._name}

    def getdatanames(self) -> list[str]:
        """Names of the data feeds."""
        return list(self.dnames)

    def getdatabyname(self, name: str) -> Any:
        """The data feed called ``name``."""
        return self.dnames[name]

    # ------------------------------------------------------------------- sizers
    def setsizer(self, sizer: Any) -> Any:
        """Replace the sizer."""
        self._sizer = sizer
        sizer.set(self, self.broker)
        return sizer

    def getsizer(self) -> Any:
        """The sizer used when no ``size`` is given."""
        return self._sizer

    sizer = property(getsizer, setsizer)

    def getsizing(self, data: Any = None, isbuy: bool = True) -> float:
        """The size the sizer gives for an order on ``data``."""
        return self._sizer.getsizing(self.data if data is None else data, isbuy=isbuy)

    # ------------------------------------------------------------------- orders
    def _data(self, data: Any) -> Any:
        if isinstance(data, str):
            return self.getdatabyname(data)
        return self.datas[0] if data is None else data

    def buy(self, data: Any = None, size: float | None = None, price: float | None = None,
            plimit: float | None = None, exectype: int | None = None, valid: Any = None, tradeid: int = 0,
            oco: Order | None = None, trailamount: float | None = None, trailpercent: float | None = None,
            parent: Order | None = None, transmit: bool = True, **kwargs: Any) -> Order | None:
        """Place a buy order on ``data`` (first feed by default); the sizer gives ``size``
        when None. ``exectype``: ``Order.Market`` (default), ``Limit``, ``Stop`` or
        ``StopLimit`` (``plimit`` is the limit). ``valid``: expiry (datetime, date,
        timedelta, or epoch ms). ``time_in_force="ioc"|"fok"`` is a cracktrader extension.
        Returns the order, or None when the size is 0."""
        data = self._data(data)
        size = size if size is not None else self.getsizing(data, isbuy=True)
        if not size:
            return None
        return self.broker.buy(self, data, size=abs(size), price=price, plimit=plimit, exectype=exectype,
                               valid=valid, tradeid=tradeid, oco=oco, trailamount=trailamount,
                               trailpercent=trailpercent, parent=parent, transmit=transmit, **kwargs)

    def sell(self, data: Any = None, size: float | None = None, price: float | None = None,
             plimit: float | None = None, exectype: int | None = None, valid: Any = None, tradeid: int = 0,
             oco: Order | None = None, trailamount: float | None = None, trailpercent: float | None = None,
             parent: Order | None = None, transmit: bool = True, **kwargs: Any) -> Order | None:
        """Place a sell order (see ``buy``)."""
        data = self._data(data)
        size = size if size is not None else self.getsizing(data, isbuy=False)
        if not size:
            return None
        return self.broker.sell(self, data, size=abs(size), price=price, plimit=plimit, exectype=exectype,
                                valid=valid, tradeid=tradeid, oco=oco, trailamount=trailamount,
                                trailpercent=trailpercent, parent=parent, transmit=transmit, **kwargs)

    def close(self, data: Any = None, size: float | None = None, **kwargs: Any) -> Order | None:
        """Close (or reduce by ``size``) the position in ``data``; None when flat."""
        data = self._data(data)
        possize = self.getposition(data).size
        size = abs(size if size is not None else possize)
        if possize > 0:
            return self.sell(data=data, size=size, **kwargs)
        if possize < 0:
            return self.buy(data=data, size=size, **kwargs)
        return None

    def cancel(self, order: Order) -> bool:
        """Cancel ``order`` (False when it can no longer be cancelled)."""
        return self.broker.cancel(order)

    def buy_bracket(self, data: Any = None, size: float | None = None, price: float | None = None,
                    plimit: float | None = None, exectype: int = Order.Limit, valid: Any = None, tradeid: int = 0,
                    trailamount: float | None = None, trailpercent: float | None = None, oargs: dict | None = None,
                    stopprice: float | None = None, stopexec: int | None = Order.Stop, stopargs: dict | None = None,
                    limitprice: float | None = None, limitexec: int | None = Order.Limit,
                    limitargs: dict | None = None, **kwargs: Any) -> list[Order | None]:
        """A buy entry (limit by default) with a protective sell stop and a sell limit
        target that cancel each other; the children work once the entry has filled
        completely. Returns ``[entry, stop, limit]`` (None for a suppressed side)."""
        return self._bracket(True, data, size, price, plimit, exectype, valid, tradeid, trailamount,
                             trailpercent, oargs, stopprice, stopexec, stopargs, limitprice, limitexec,
                             limitargs, kwargs)

    def sell_bracket(self, data: Any = None, size: float | None = None, price: float | None = None,
                     plimit: float | None = None, exectype: int = Order.Limit, valid: Any = None, tradeid: int = 0,
                     trailamount: float | None = None, trailpercent: float | None = None, oargs: dict | None = None,
                     stopprice: float | None = None, stopexec: int | None = Order.Stop, stopargs: dict | None = None,
                     limitprice: float | None = None, limitexec: int | None = Order.Limit,
                     limitargs: dict | None = None, **kwargs: Any) -> list[Order | None]:
        """The mirror of ``buy_bracket``: a sell entry, a buy stop above, a buy limit below."""
        return self._bracket(False, data, size, price, plimit, exectype, valid, tradeid, trailamount,
                             trailpercent, oargs, stopprice, stopexec, stopargs, limitprice, limitexec,
                             limitargs, kwargs)

    def _bracket(self, is_buy, data, size, price, plimit, exectype, valid, tradeid, trailamount, trailpercent,
                 oargs, stopprice, stopexec, stopargs, limitprice, limitexec, limitargs, kwargs):
        entry, leave = (self.buy, self.sell) if is_buy else (self.sell, self.buy)
        kargs = dict(size=size, data=data, price=price, plimit=plimit, exectype=exectype, valid=valid,
                     tradeid=tradeid, trailamount=trailamount, trailpercent=trailpercent)
        kargs.update(oargs or {})
        kargs.update(kwargs)
        kargs["transmit"] = limitexec is None and stopexec is None
        main = entry(**kargs)
        stop = limit = None
        if main is None:
            return [None, None, None]
        if stopexec is not None:
            kargs = dict(data=data, price=stopprice, exectype=stopexec, valid=valid, tradeid=tradeid)
            kargs.update(stopargs or {})
            kargs.update(kwargs)
            kargs.update(parent=main, transmit=limitexec is None, size=abs(main.size))
            stop = leave(**kargs)
        if limitexec is not None:
            kargs = dict(data=data, price=limitprice, exectype=limitexec, valid=valid, tradeid=tradeid)
            kargs.update(limitargs or {})
            kargs.update(kwargs)
            kargs.update(parent=main, transmit=True, size=abs(main.size))
            limit = leave(**kargs)
        return [main, stop, limit]

    def order_target_size(self, data: Any = None, target: float = 0, **kwargs: Any) -> Order | None:
        """Trade the difference between the position and ``target`` units."""
        data = self._data(data)
        possize = self.getposition(data).size
        if not target and possize:
            return self.close(data=data, size=possize, **kwargs)
        if target > possize:
            return self.buy(data=data, size=target - possize, **kwargs)
        if target < possize:
            return self.sell(data=data, size=possize - target, **kwargs)
        return None

    def order_target_value(self, data: Any = None, target: float = 0.0, price: float | None = None,
                           **kwargs: Any) -> Order | None:
        """Trade whole units towards a position value of ``target`` (at ``price`` or the close)."""
        data = self._data(data)
        possize = self.getposition(data).size
        if not target and possize:
            return self.close(data=data, size=possize, price=price, **kwargs)
        value = self.broker.getvalue(datas=[data])
        price = price if price is not None else data.close[0]
        if target > value:
            return self.buy(data=data, size=int((target - value) / price), price=price, **kwargs)
        if target < value:
            return self.sell(data=data, size=int((value - target) / price), price=price, **kwargs)
        return None

    def order_target_percent(self, data: Any = None, target: float = 0.0, **kwargs: Any) -> Order | None:
        """Trade towards a position worth ``target`` (a fraction) of the portfolio value."""
        data = self._data(data)
        return self.order_target_value(data=data, target=self.broker.getvalue() * target, **kwargs)

    # ----------------------------------------------------------- engine steps
    def _minperstatus(self) -> int:
        if self._single:
            return self._minp0 - 1 - self._clock0.idx
        return max(minp - len(data) for minp, data in zip(self._minperiods, self.datas))

    def _notify(self) -> None:
        orders, self._orderspending = self._orderspending, []
        trades, self._tradespending = self._tradespending, []
        analyzers = self._all_analyzers
        for order in orders:
            self.notify_order(order)
            for analyzer in analyzers:
                analyzer._notify_order(order)
        for trade in trades:
            self.notify_trade(trade)
            for analyzer in analyzers:
                analyzer._notify_trade(trade)
        if self._wants_value:
            broker = self.broker
            cash, value = broker.getcash(), broker.getvalue()
            fundvalue, shares = value / broker.fundshares, broker.fundshares
            self.notify_cashvalue(cash, value)
            self.notify_fund(cash, value, fundvalue, shares)
            for analyzer in analyzers:
                analyzer._notify_cashvalue(cash, value)
                analyzer._notify_fund(cash, value, fundvalue, shares)

    def _start_run(self) -> None:
        """Freeze what the per-step path needs to know."""
        self._all_analyzers = list(self.analyzers)
        cls = type(self)
        self._wants_value = bool(self._all_analyzers) or (
            cls.notify_cashvalue is not Strategy.notify_cashvalue or cls.notify_fund is not Strategy.notify_fund
        )

    def _step(self) -> None:
        """One step: notifications, then prenext/nextstart/next, then analyzers."""
        if self._orderspending or self._tradespending or self._wants_value:
            self._notify()
        status = self._minp0 - 1 - self._clock0.idx if self._single else self._minperstatus()
        if status < 0:
            self.next()
        elif status == 0:
            self.nextstart()
        else:
            self.prenext()
        if self._all_analyzers:
            for analyzer in self._all_analyzers:
                if status < 0:
                    analyzer._next()
                elif status == 0:
                    analyzer._nextstart()
                else:
                    analyzer._prenext()
