"""Core streams: plausible intents and broker reports that track open orders, mixed
with hostile ones.

One generator, two drivers: ``generate(rng, scenario, length)`` takes anything with the
``random.Random`` API, so the fuzz CLI passes a seeded ``random.Random`` (fast volume)
and the Hypothesis strategy ``core_cases()`` passes ``st.randoms()`` (choices Hypothesis
controls and shrinks): the two draw from the same distributions by construction.

A scenario is drawn per case (DESIGN.md section 11): mode, instruments, price regime,
hostility rate, risk settings, how many snapshot swap-restores to make, and a *swarm* of
disabled step kinds, so rare interleavings (say, only reports and cancels) get reached.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from parity.generators.hostile import encode, garbage_line, mutate
from parity.steps import SWAP_RESTORE

VENUES = ("sim", "venue\u00e9")
INSTRUMENTS = ("BTC/USDT", "ETH/USDT", "SOL/USD:USD")
REGIMES = ("calm", "volatile", "gappy", "extreme")
# Step kinds and their base weights; a scenario disables a random subset (swarm).
KINDS: dict[str, int] = {
    "bar": 30,
    "trade": 3,
    "place_market": 8,
    "place_limit": 8,
    "place_stop": 4,
    "place_stop_limit": 4,
    "bracket": 3,
    "oco": 2,
    "cancel": 5,
    "replace": 3,
    "kill_switch": 1,
    "risk_flag": 1,
    "timer": 1,
    "noop": 1,
    "accept": 8,
    "reject": 2,
    "fill": 8,
    "cancelled": 2,
    "cancel_rejected": 2,
    "expired": 1,
    "duplicate": 3,
    "resend_intent": 1,
    "reuse_order_id": 1,
    "late": 1,
    "out_of_sequence": 1,
}
REPORT_KINDS = frozenset(("accept", "reject", "fill", "cancelled", "cancel_rejected", "expired"))


@dataclass(frozen=True)
class CoreScenario:
    mode: str = "external"
    instruments: int = 2
    venues: int = 1
    regime: str = "calm"
    hostility: float = 0.05
    disabled: frozenset[str] = frozenset()
    late_policy: str = "reject"
    commission: str = "0.001"
    allow_short: bool = True
    max_order_qty: str | None = None
    max_notional: str | None = None
    starting_cash: str = "1000000"
    swaps: int = 0

    def config(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "starting_cash": self.starting_cash,
            "commission_rate": self.commission,
            "late_policy": self.late_policy,
            "max_order_qty": self.max_order_qty,
            "max_notional": self.max_notional,
            "allow_short": self.allow_short,
        }

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["disabled"] = sorted(self.disabled)
        return out


def draw_scenario(rng: random.Random) -> CoreScenario:
    """A scenario from a random source (the same distribution Hypothesis uses)."""
    disabled = frozenset(kind for kind in KINDS if rng.random() < 0.25)
    if len(disabled) == len(KINDS):
        disabled = frozenset()
    return CoreScenario(
        mode=rng.choice(("simulated", "external")),
        instruments=rng.randint(1, len(INSTRUMENTS)),
        venues=rng.randint(1, len(VENUES)),
        regime=rng.choice(REGIMES),
        hostility=rng.choice((0.0, 0.02, 0.05, 0.15, 0.3)),
        disabled=disabled,
        late_policy=rng.choice(("reject", "accept")),
        commission=rng.choice(("0", "0.001", "0.0025", "0.1")),
        allow_short=rng.random() < 0.7,
        max_order_qty=rng.choice((None, None, "5", "1000")),
        max_notional=rng.choice((None, None, "5000", "1e6")),
        starting_cash=rng.choice(("100", "10000", "1000000", "1e12")),
        swaps=rng.choice((0, 0, 1, 3)),
    )


@dataclass
class _Order:
    order_id: str
    venue: str
    instrument: str
    side: str
    qty: float
    filled: float = 0.0
    state: str = "submitted"  # the generator's guess; reports stay plausible, not exact


@dataclass
class CoreCase:
    scenario: CoreScenario
    steps: list[str] = field(default_factory=list)

    @property
    def config(self) -> dict[str, Any]:
        return self.scenario.config()


class _Stream:
    """Generator state: clocks, prices, orders it believes are open, recent lines."""

    def __init__(self, rng: random.Random, scenario: CoreScenario) -> None:
        self.rng = rng
        self.scenario = scenario
        self.seq = 0
        self.time = 1_700_000_000_000
        self.venues = VENUES[: scenario.venues]
        self.instruments = INSTRUMENTS[: scenario.instruments]
        self.prices = {name: 100.0 * (i + 1) for i, name in enumerate(self.instruments)}
        self.orders: list[_Order] = []
        self.counter = 0
        self.recent_reports: list[dict[str, Any]] = []
        self.placed: list[dict[str, Any]] = []
        kinds = [k for k in KINDS if k not in scenario.disabled]
        if scenario.mode == "simulated":
            # reports are refused in simulated mode; keep a few to prove it
            weights = [KINDS[k] // 4 if k in REPORT_KINDS else KINDS[k] for k in kinds]
        else:
            weights = [KINDS[k] for k in kinds]
        self.kinds = kinds or ["noop"]
        self.weights = weights or [1]

    # ------------------------------------------------------------- numbers
    def number(self, value: float) -> Any:
        """A price or quantity in one of the accepted input forms."""
        rng = self.rng
        regime = self.scenario.regime
        if regime == "extreme" and rng.random() < 0.2:
            return rng.choice(("1e25", "0.000000001", "99999999999999999999", "1.0000000005", "-0.0000000001",
                               "123456789.123456789123", 10**20, 1e-9, "0"))
        roll = rng.random()
        if roll < 0.6:
            return f"{value:.{rng.choice((2, 4, 9))}f}"
        if roll < 0.8:
            return round(value, rng.choice((1, 2, 6)))
        return int(value) if int(value) > 0 else 1

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def tick(self) -> int:
        self.time += self.rng.choice((0, 1, 1000, 60_000))
        return self.time

    def order_id(self) -> str:
        self.counter += 1
        return f"o{self.counter}"

    # -------------------------------------------------------------- builders
    def event(self, source: str, venue: str | None, instrument: str | None, event_type: str,
              payload: dict[str, Any], time: int | None = None, key: str | None = None) -> dict[str, Any]:
        when = self.tick() if time is None else time
        return {
            "kind": "event",
            "seq_id": self.next_seq(),
            "event_time": when,
            "ingest_time": when + self.rng.choice((0, 5)),
            "source": source,
            "venue": venue,
            "instrument": instrument,
            "event_type": event_type,
            "payload": payload,
            "idempotency_key": key,
            "producer": self.rng.choice((0, 0, 1)),
        }

    def intent(self, intent_type: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {"kind": "intent", "seq_id": self.next_seq(), "intent_type": intent_type, "payload": payload}

    def bar(self) -> dict[str, Any]:
        rng = self.rng
        instrument = rng.choice(self.instruments)
        last = self.prices[instrument]
        spread = {"calm": 0.002, "volatile": 0.03, "gappy": 0.01, "extreme": 0.2}[self.scenario.regime]
        gap = rng.uniform(-0.12, 0.12) if self.scenario.regime == "gappy" and rng.random() < 0.3 else 0.0
        open_ = max(0.01, last * (1 + gap + rng.uniform(-spread, spread)))
        close = max(0.01, open_ * (1 + rng.uniform(-spread, spread)))
        high = max(open_, close) * (1 + rng.uniform(0, spread))
        low = min(open_, close) * (1 - rng.uniform(0, spread))
        self.prices[instrument] = close
        payload = {
            "open": f"{open_:.4f}",
            "high": f"{high:.4f}",
            "low": f"{low:.4f}",
            "close": f"{close:.4f}",
            "volume": self.number(rng.uniform(0, 50)),
            "timeframe_ms": 60_000,
        }
        return self.event("market_data", rng.choice(self.venues), instrument, "bar", payload)

    def place(self, order_type: str, parent: str | None = None, oco: str | None = None,
              side: str | None = None, instrument: str | None = None, venue: str | None = None) -> dict[str, Any]:
        rng = self.rng
        instrument = instrument or rng.choice(self.instruments)
        venue = venue or rng.choice(self.venues)
        side = side or rng.choice(("buy", "sell"))
        price = self.prices[instrument]
        qty = rng.choice((0.5, 1, 2, 3.25, 10))
        away = rng.uniform(-0.03, 0.03)
        limit = self.number(price * (1 + away)) if order_type in ("limit", "stop_limit") else None
        stop = self.number(price * (1 - away)) if order_type in ("stop", "stop_limit") else None
        order_id = self.order_id()
        self.orders.append(_Order(order_id, venue, instrument, side, qty))
        intent = self.intent("place_order", {
            "intent_id": "i" + order_id,
            "order_id": order_id,
            "instrument": instrument,
            "venue": venue,
            "side": side,
            "order_type": order_type,
            "qty": self.number(qty),
            "limit_price": limit,
            "stop_price": stop,
            "time_in_force": rng.choice(("gtc", "gtc", "gtc", "ioc", "fok")),
            "expire_time": rng.choice((None, None, None, self.time + rng.choice((0, 60_000, 600_000)))),
            "parent_order_id": parent,
            "oco_group": oco,
            "strategy_id": "s1",
        })
        self.placed.append(intent)
        del self.placed[:-8]
        return intent

    def pick(self, prefer: tuple[str, ...] = ()) -> _Order | None:
        """Usually an order in one of the ``prefer`` states (as the generator guesses
        them), else a recent one: reports stay plausible without being exact."""
        if not self.orders:
            return None
        if prefer and self.rng.random() < 0.7:
            matching = [order for order in self.orders[-50:] if order.state in prefer]
            if matching:
                return self.rng.choice(matching)
        # how far back: usually a few orders, sometimes up to 64 (integers only, so a
        # Hypothesis-driven random cannot make it infinite)
        back = self.rng.randrange(min(len(self.orders), 1 << self.rng.randrange(7)))
        return self.orders[len(self.orders) - 1 - back]

    def report(self, event_type: str, order: _Order | None, payload: dict[str, Any]) -> dict[str, Any]:
        if order is None:
            venue, instrument = self.rng.choice(self.venues), self.rng.choice(self.instruments)
            payload = {**payload, "order_id": "unknown-" + str(self.rng.randrange(5))}
        else:
            venue, instrument = order.venue, order.instrument
            payload = {**payload, "order_id": order.order_id}
        key = None if self.rng.random() < 0.9 else f"k{self.rng.randrange(20)}"
        event = self.event("broker_report", venue, instrument, event_type, payload, key=key)
        self.recent_reports.append(event)
        del self.recent_reports[:-8]
        return event

    # ------------------------------------------------------------------ steps
    def step(self, kind: str) -> list[dict[str, Any] | str]:
        rng = self.rng
        if kind == "bar":
            return [self.bar()]
        if kind == "trade":
            instrument = rng.choice(self.instruments)
            return [self.event("market_data", rng.choice(self.venues), instrument, "trade", {
                "price": self.number(self.prices[instrument]), "amount": self.number(rng.uniform(0.01, 3)),
                "side": rng.choice(("buy", "sell")), "trade_id": f"t{self.seq}"})]
        if kind.startswith("place_"):
            return [self.place(kind[len("place_"):])]
        if kind == "bracket":
            side = rng.choice(("buy", "sell"))
            exit_side = "sell" if side == "buy" else "buy"
            parent = self.place("limit", side=side)
            pid = parent["payload"]["order_id"]
            instrument, venue = parent["payload"]["instrument"], parent["payload"]["venue"]
            group = "g" + pid
            return [parent,
                    self.place("stop", parent=pid, oco=group, side=exit_side, instrument=instrument, venue=venue),
                    self.place("limit", parent=pid, oco=group, side=exit_side, instrument=instrument, venue=venue)]
        if kind == "oco":
            group = f"g{self.seq}"
            return [self.place("limit", oco=group), self.place("stop", oco=group)]
        if kind == "cancel":
            order = self.pick(("accepted", "partially_filled"))
            if order is not None and self.scenario.mode == "external":
                order.state = "cancel_pending"
            return [self.intent("cancel_order", {"order_id": order.order_id if order else "nope"})]
        if kind == "replace":
            order = self.pick()
            return [self.intent("replace_order", {
                "order_id": order.order_id if order else "nope",
                # below, at and above what may already be filled: replace refuses qty <= filled
                "qty": rng.choice((None, self.number(rng.choice((0.25, 0.5, 1, 2, 3.25, 5, 20))))),
                "limit_price": rng.choice((None, self.number(self.prices[order.instrument] if order else 100))),
                "stop_price": None if rng.random() < 0.8 else self.number(100),
            })]
        if kind == "kill_switch":
            return [self.event("control", None, None, "kill_switch", {"enabled": rng.random() < 0.5})]
        if kind == "risk_flag":
            return [self.intent("set_risk_flag", {"name": rng.choice(("kill_switch", "allow_short")),
                                                  "value": rng.random() < 0.5})]
        if kind == "timer":
            return [self.event("timer", None, None, "timer", {"name": "heartbeat"})]
        if kind == "noop":
            return [self.intent("noop", {})]
        if kind == "resend_intent" and self.placed:
            again = dict(rng.choice(self.placed))
            again["seq_id"] = self.next_seq()
            return [again]
        if kind == "reuse_order_id" and self.orders:
            event = self.place(rng.choice(("market", "limit")))
            self.orders.pop()
            event["payload"]["order_id"] = rng.choice(self.orders).order_id
            return [event]
        return self.report_step(kind)

    def report_step(self, kind: str) -> list[dict[str, Any] | str]:
        rng = self.rng
        prefer = {
            "accept": ("submitted",),
            "reject": ("submitted", "accepted"),
            "fill": ("accepted", "partially_filled", "cancel_pending"),
            "cancelled": ("cancel_pending", "accepted", "partially_filled"),
            "cancel_rejected": ("cancel_pending",),
            "expired": ("accepted", "partially_filled"),
        }.get(kind, ())
        order = self.pick(prefer) if rng.random() < 0.93 else None
        if kind == "accept":
            if order:
                order.state = "accepted"
            return [self.report("order_accepted", order, {})]
        if kind == "reject":
            if order:
                order.state = "rejected"
            return [self.report("order_rejected", order, {"reason": "venue says no"})]
        if kind == "fill":
            if order is None:
                return [self.report("order_filled", None, {"fill_id": "f0", "qty": "1", "price": "1", "fee": None})]
            remaining = max(order.qty - order.filled, 0.0)
            qty = rng.choice((remaining, remaining / 2 if remaining > 1 else remaining, order.qty * 2, 0.5))
            qty = qty if qty > 0 else 0.5
            events: list[dict[str, Any] | str] = []
            if order.state == "submitted" and rng.random() < 0.8:  # usually accepted first
                events.append(self.report("order_accepted", order, {}))
            order.filled += qty
            if order.state != "cancel_pending":
                order.state = "filled" if order.filled >= order.qty else "partially_filled"
            fee = rng.choice((None, None, "0", self.number(0.01), "-0.001"))
            fill_id = f"f{rng.randrange(4)}"
            events.append(self.report("order_filled", order, {
                "fill_id": fill_id, "qty": self.number(qty), "price": self.number(self.prices[order.instrument]),
                "fee": fee}))
            return events
        if kind == "cancelled":
            if order:
                order.state = "cancelled"
            return [self.report("order_cancelled", order, {})]
        if kind == "cancel_rejected":
            if order:
                order.state = "partially_filled" if order.filled else "accepted"
            return [self.report("cancel_rejected", order, {"reason": "too late"})]
        if kind == "expired":
            if order:
                order.state = "expired"
            return [self.report("order_expired", order, {})]
        if kind == "duplicate" and self.recent_reports:
            again = dict(rng.choice(self.recent_reports))
            again["seq_id"] = self.next_seq()
            return [again]
        if kind == "late":
            event = self.bar()
            event["event_time"] = max(0, self.time - rng.choice((1, 60_000, 3_600_000)))
            return [event]
        if kind == "out_of_sequence":
            event = self.bar()
            event["seq_id"] = max(1, self.seq - rng.choice((0, 1, 5)))
            return [event]
        return [self.intent("noop", {})]


def generate(rng: random.Random, scenario: CoreScenario, length: int) -> CoreCase:
    """``length`` steps for ``scenario`` (a bracket or fill may add a step or two)."""
    stream = _Stream(rng, scenario)
    case = CoreCase(scenario)
    steps = case.steps
    hostility = scenario.hostility
    while len(steps) < length:
        kind = rng.choices(stream.kinds, stream.weights)[0]
        for item in stream.step(kind):
            if isinstance(item, str):
                steps.append(item)
                continue
            if hostility and rng.random() < hostility:
                if rng.random() < 0.75:
                    steps.append(encode(mutate(rng, item)))
                else:
                    steps.append(garbage_line(rng, encode(item)))
            else:
                steps.append(encode(item))
    # Snapshot swaps cost O(state): a few per case, at positions the rng picks.
    for position in sorted((rng.randrange(len(steps) + 1) for _ in range(scenario.swaps)), reverse=True):
        steps.insert(position, SWAP_RESTORE)
    return case


# ------------------------------------------------------------------ Hypothesis
@st.composite
def core_scenarios(draw: st.DrawFn) -> CoreScenario:
    """Scenarios with Hypothesis choosing (and shrinking) every knob."""
    return draw_scenario(draw(st.randoms(use_true_random=False)))


def core_cases(max_length: int = 200) -> st.SearchStrategy[CoreCase]:
    """Whole cases: a scenario, then steps drawn from a Hypothesis-controlled random."""
    return st.builds(
        generate,
        rng=st.randoms(use_true_random=False),
        scenario=core_scenarios(),
        length=st.integers(min_value=1, max_value=max_length),
    )


def make_case(rng: random.Random, length: int) -> tuple[dict[str, Any], list[str]]:
    """The fuzz CLI's entry point: draw a scenario, then its steps."""
    case = generate(rng, draw_scenario(rng), length)
    return case.config, case.steps
