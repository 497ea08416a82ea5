"""Orders as Backtrader users know them: status constants, ``created`` and ``executed``.

An ``Order`` is the strategy's view of one order of the deterministic core: its status
moves only when a core result says so (see ``cracktrader.strategy.broker``), and
``executed`` is filled in from the core's fills. Sizes are signed (negative for sells)
and prices are floats converted from the core's exact decimals, as in Backtrader.
Notifications hand out copies (``clone()``), so an order seen in ``notify_order`` keeps
the status it had when it was notified.
"""

from __future__ import annotations

from typing import Any


class ExecutionBit:
    """One fill of an order, split into the part that closed and the part that opened
    a position (Backtrader's ``OrderExecutionBit``)."""

    __slots__ = (
        "dt", "size", "price", "closed", "opened", "closedvalue", "openedvalue",
        "closedcomm", "openedcomm", "value", "comm", "pnl", "psize", "pprice", "fill_id",
    )

    def __init__(self, **fields: Any) -> None:
        for name in self.__slots__:
            setattr(self, name, fields.get(name, 0.0))
        self.value = self.closedvalue + self.openedvalue
        self.comm = self.closedcomm + self.openedcomm


class OrderData:
    """The creation request (``order.created``) or the execution so far (``order.executed``)."""

    __slots__ = ("dt", "size", "remsize", "price", "pricelimit", "plimit", "pclose", "value", "comm", "pnl",
                 "margin", "psize", "pprice", "exbits")

    def __init__(self, dt: int | None = None, size: float = 0, price: float | None = 0.0,
                 pricelimit: float | None = None, remsize: float = 0, pclose: float = 0.0) -> None:
        self.dt = dt
        self.size = size
        self.remsize = remsize
        self.price = price
        self.pricelimit = pricelimit if pricelimit else price
        if pricelimit and not price:
            self.price = pricelimit
        self.plimit = pricelimit
        self.pclose = pclose
        self.value = 0.0
        self.comm = 0.0
        self.pnl = 0.0
        self.margin = None
        self.psize = 0
        self.pprice = 0.0
        self.exbits: list[ExecutionBit] = []

    def add(self, bit: ExecutionBit, avg_price: float, remsize: float) -> None:
        """Record a fill; ``avg_price`` is the core's average fill price."""
        self.exbits.append(bit)
        self.dt = bit.dt
        self.size += bit.size
        self.remsize = remsize
        self.price = avg_price
        self.value += bit.value
        self.comm += bit.comm
        self.pnl += bit.pnl
        self.psize = bit.psize
        self.pprice = bit.pprice

    def __len__(self) -> int:
        return len(self.exbits)

    def __getitem__(self, index: int) -> ExecutionBit:
        return self.exbits[index]

    def clone(self) -> OrderData:
        """A copy whose later changes do not affect this one."""
        other = object.__new__(OrderData)
        for name in OrderData.__slots__:
            setattr(other, name, getattr(self, name))
        other.exbits = list(self.exbits)
        return other


class Order:
    """One order (see the module docstring). Constants match Backtrader's values."""

    (Market, Close, Limit, Stop, StopLimit, StopTrail, StopTrailLimit, Historical) = range(8)
    ExecTypes = ["Market", "Close", "Limit", "Stop", "StopLimit", "StopTrail", "StopTrailLimit", "Historical"]
    Buy, Sell = range(2)
    OrdTypes = ["Buy", "Sell"]
    (Created, Submitted, Accepted, Partial, Completed, Canceled, Expired, Margin, Rejected) = range(9)
    Cancelled = Canceled
    Status = ["Created", "Submitted", "Accepted", "Partial", "Completed", "Canceled", "Expired", "Margin", "Rejected"]

    def __init__(self, *, ref: int, owner: Any, data: Any, ordtype: int, size: float, price: float | None,
                 pricelimit: float | None, exectype: int, valid: Any, tradeid: int, oco: Any, parent: Any,
                 transmit: bool, dt: int | None, pclose: float, info: dict[str, Any] | None = None) -> None:
        self.ref = ref
        self.owner = owner
        self.data = data
        self.ordtype = ordtype
        signed = size if ordtype == Order.Buy else -size
        self.size = signed
        self.price = price
        self.pricelimit = pricelimit
        self.plimit = pricelimit
        self.exectype = exectype
        self.valid = valid
        self.tradeid = tradeid
        self.oco = oco
        self.parent = parent
        self.transmit = transmit
        self.status = Order.Created
        self.triggered = False
        self.info: dict[str, Any] = dict(info or {})
        reference = price if (price or pricelimit) else pclose
        self.created = OrderData(dt=dt, size=signed, price=reference, pricelimit=pricelimit, pclose=pclose)
        self.executed = OrderData(remsize=signed)
        self.comminfo = None
        self.broker = None
        # the core's identifiers, set when the order is sent
        self.order_id: str | None = None
        self.oco_group: str | None = None
        self.core_state: str | None = None
        self.expire_time: int | None = None

    # ------------------------------------------------------------- queries
    def isbuy(self) -> bool:
        """A buy order."""
        return self.ordtype == Order.Buy

    def issell(self) -> bool:
        """A sell order."""
        return self.ordtype == Order.Sell

    def alive(self) -> bool:
        """Still able to execute (Created, Submitted, Accepted or Partial)."""
        return self.status in (Order.Created, Order.Submitted, Order.Accepted, Order.Partial)

    def getstatusname(self, status: int | None = None) -> str:
        """The name of a status (this order's by default)."""
        return self.Status[self.status if status is None else status]

    def getordername(self, exectype: int | None = None) -> str:
        """The name of an execution type (this order's by default)."""
        return self.ExecTypes[self.exectype if exectype is None else exectype]

    def ordtypename(self, ordtype: int | None = None) -> str:
        """``"Buy"`` or ``"Sell"``."""
        return self.OrdTypes[self.ordtype if ordtype is None else ordtype]

    @classmethod
    def ExecType(cls, exectype: str) -> int:  # noqa: N802 - Backtrader's name
        """The constant for an execution type name."""
        return getattr(cls, exectype)

    def addinfo(self, **kwargs: Any) -> None:
        """Attach user information to the order."""
        self.info.update(kwargs)

    def clone(self) -> Order:
        """A snapshot (what notifications carry)."""
        other = object.__new__(type(self))
        other.__dict__.update(self.__dict__)
        other.executed = self.executed.clone()
        other.info = dict(self.info)
        return other

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Order) and other.ref == self.ref

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(self.ref)

    def __repr__(self) -> str:
        return (
            f"<Order ref={self.ref} {self.ordtypename()} {self.getordername()} size={self.size} "
            f"price={self.price} status={self.getstatusname()}>"
        )


class BuyOrder(Order):
    """Backtrader's name for a buy order (``isinstance`` checks)."""


class SellOrder(Order):
    """Backtrader's name for a sell order (``isinstance`` checks)."""
