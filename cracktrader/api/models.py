"""Request and response bodies of API v1 (pydantic; they are the OpenAPI schema).

Requests are closed (``extra="forbid"``), every string is bounded and must be valid
Unicode, every integer fits the store's 64 bits, decimals are strings checked by the
engine's own number parser: whatever a client sends is refused with a 422 before it
can reach SQLite, a worker or the file system (D-466).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, field_validator

from cracktrader.engine import numbers
from cracktrader.engine.errors import CracktraderError
from cracktrader.runtime import loader
from cracktrader.runtime.vocabulary import CONTROL_COMMANDS, FAMILIES, MODES, STATUSES

INT64_MAX = 2**63 - 1
# Integer parameters stay within what every JSON reader holds exactly (IEEE doubles).
PARAM_INT_MAX = 2**53


def _json_integer(value: Any) -> Any:
    """JSON Schema's integer: an int, or a number with a zero fraction (``5.0``); never
    a boolean or a numeric string (the models are strict otherwise)."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return value


# Integer fields: bounds first, then the validator (so the schema shows them as
# minimum/maximum).
Seed = Annotated[int, Field(ge=0, le=2**31 - 1), BeforeValidator(_json_integer)]
BarCount = Annotated[int, Field(ge=1, le=10_000_000), BeforeValidator(_json_integer)]
EpochMs = Annotated[int, Field(ge=0, le=2**53), BeforeValidator(_json_integer)]
PaceMs = Annotated[int, Field(ge=0, le=60_000), BeforeValidator(_json_integer)]
MarkEvery = Annotated[int, Field(ge=1, le=1_000_000), BeforeValidator(_json_integer)]


def _unicode(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (no lone surrogates)") from None
    if any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in text):
        raise ValueError("control characters are not allowed")
    return text


# No C0/C1 control characters; the pattern says so in the schema, the validator also
# refuses lone surrogates (which JSON can carry as escapes but UTF-8 cannot store).
TEXT_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*$"
SafeText = Annotated[str, Field(pattern=TEXT_PATTERN), AfterValidator(_unicode)]
Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")]
Symbol = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/:-]*$")]
ParamName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
CommandId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]


def _nonzero_fraction(digits: int) -> str:
    """``digits`` or fewer fraction digits, at least one not 0 (no lookahead: the
    pattern must mean the same to pydantic's Rust regex and to ECMA-262 clients)."""
    return "(?:" + "|".join(f"0{{{i}}}[1-9][0-9]{{0,{digits - 1 - i}}}" for i in range(digits)) + ")"


def _positive(integer_digits: int) -> str:
    """A decimal in (0, 10^integer_digits) with at most 9 fraction digits."""
    return (rf"^(?:0*[1-9][0-9]{{0,{integer_digits - 1}}}(?:\.[0-9]{{1,9}})?"
            rf"|0+\.{_nonzero_fraction(9)})$")


# Ranges are in the patterns themselves, so a value the schema admits is never refused
# by a range check the schema does not show (schemathesis checks exactly this).
CASH_PATTERN = _positive(13)         # (0, 10^13)
PRICE_PATTERN = _positive(10)        # (0, 10^10)
RATE_PATTERN = r"^0+(?:\.(?:[0-4][0-9]{0,8}|50{0,8}))?$"  # [0, 0.5]
VOLATILITY_PATTERN = rf"^0+\.(?:[1-4][0-9]{{0,8}}|0{_nonzero_fraction(8)}|50{{0,8}})$"  # (0, 0.5]


CashText = Annotated[str, Field(min_length=1, max_length=40, pattern=CASH_PATTERN,
                                 description="decimal string in (0, 10^13), at most 9 fraction digits")]
PriceText = Annotated[str, Field(min_length=1, max_length=40, pattern=PRICE_PATTERN,
                                  description="decimal string in (0, 10^10), at most 9 fraction digits")]
RateText = Annotated[str, Field(min_length=1, max_length=40, pattern=RATE_PATTERN,
                                 description="decimal string in [0, 0.5]")]
VolatilityText = Annotated[str, Field(min_length=1, max_length=40, pattern=VOLATILITY_PATTERN,
                                       description="decimal string in (0, 0.5]")]
StrategySpec = Annotated[
    str,
    Field(
        min_length=3,
        max_length=600,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}(\.[A-Za-z_][A-Za-z0-9_]{0,63}){0,7}:[A-Za-z_][A-Za-z0-9_]{0,127}$",
        examples=["examples:SmaCross"],
    ),
]
# The keys of cracktrader.runtime.synthetic.TIMEFRAMES_MS (a test keeps them equal).
Timeframe = Literal["1m", "5m", "15m", "1h", "4h", "1d"]


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("numbers must be finite")
    return value


ParamValue = Union[
    StrictBool,
    Annotated[StrictInt, Field(ge=-PARAM_INT_MAX, le=PARAM_INT_MAX)],
    Annotated[StrictFloat, AfterValidator(_finite)],
    Annotated[SafeText, Field(max_length=256)],
    None,
]


def _decimal(text: str, *, low: str | None, high: str | None, low_inclusive: bool, what: str) -> str:
    try:
        raw = numbers.parse_decimal(text)
    except CracktraderError:
        raise ValueError(f"{what} is not a valid decimal") from None
    if low is not None:
        bound = numbers.parse_decimal(low)
        if raw < bound or (raw == bound and not low_inclusive):
            raise ValueError(f"{what} must be {'>=' if low_inclusive else '>'} {low}")
    if high is not None and raw > numbers.parse_decimal(high):
        raise ValueError(f"{what} must be <= {high}")
    return numbers.format_decimal(raw)


class Closed(BaseModel):
    """Request bodies: unknown keys refused, no coercion (``false`` is not ``0``, ``"5"``
    is not ``5``): what is accepted is exactly what the schema says."""

    model_config = ConfigDict(extra="forbid", strict=True)


class SyntheticData(Closed):
    """Seeded synthetic bars (``ct.feeds.SyntheticData``; backtest and paper runtimes)."""

    source: Literal["synthetic"] = "synthetic"
    seed: Seed = 0
    bars: BarCount | None = Field(500, description="null: unbounded (paper mode)")
    start_price: PriceText = "100"
    volatility: VolatilityText = "0.01"
    start_time: EpochMs | None = Field(
        None, description="ms; null: a fixed epoch (backtest) or now (paper)")

    @field_validator("start_price")
    @classmethod
    def _price(cls, value: str) -> str:
        return _decimal(value, low="0", high=None, low_inclusive=False, what="start_price")

    @field_validator("volatility")
    @classmethod
    def _volatility(cls, value: str) -> str:
        return _decimal(value, low="0", high="0.5", low_inclusive=False, what="volatility")


# A registry name as ``ct.exchange`` normalizes it (lower case); never a path or URL.
ExchangeName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")]
BackfillBars = Annotated[int, Field(ge=0, le=1000), BeforeValidator(_json_integer)]
PollMs = Annotated[int, Field(ge=100, le=60_000), BeforeValidator(_json_integer)]


class ExchangeData(Closed):
    """Bars from a venue the daemon allows (``--allow-exchange``), polled as they close;
    for ``paper`` (simulated fills), ``live`` and ``sandbox`` runtimes (D-578)."""

    source: Literal["exchange"]
    exchange: ExchangeName = Field(description="a name of ct.EXCHANGE_REGISTRY or a CCXT id, allowed by the daemon")
    granularity: Literal["trades", "ohlcv"] | None = Field(
        None, description="bars from trades or the venue's candles; null: the sessions' default")
    backfill: BackfillBars = Field(0, description="closed candles fetched before live bars start")
    max_bars: BarCount | None = Field(None, description="end after this many bars; null: run until stopped")
    poll_interval_ms: PollMs = Field(1000, description="ms between polls of the venue (feeds and broker)")


class RuntimeCreate(Closed):
    """``POST /runtimes``: what to run, on what, how."""

    strategy: StrategySpec
    strategy_id: Identifier | None = Field(None, description="default: the class name")
    params: dict[ParamName, ParamValue] = Field(default_factory=dict, max_length=64,
                                                json_schema_extra={"additionalProperties": False})
    symbols: list[Symbol] = Field(default_factory=lambda: ["BTC/USDT"], min_length=1, max_length=16,
                                  json_schema_extra={"uniqueItems": True})
    timeframe: Timeframe = "1m"
    mode: Literal[MODES] = "backtest"  # type: ignore[valid-type]
    backend: Literal["python", "rust"] = "python"
    initial_cash: CashText = "100000"
    commission_rate: RateText = "0"
    data: Union[SyntheticData, ExchangeData] = Field(default_factory=lambda: SyntheticData())
    pace_ms: PaceMs | None = Field(
        None, description="wall-clock ms between bars; null: 0 in backtest, 1000 in paper")
    mark_every: MarkEvery = Field(1, description="an equity mark every N bars")
    label: Annotated[SafeText, Field(max_length=200)] | None = None

    @field_validator("strategy")
    @classmethod
    def _strategy(cls, value: str) -> str:
        loader.parse(value)  # the same parser the loader uses
        return value

    @field_validator("params", mode="before")
    @classmethod
    def _param_values(cls, value: Any) -> Any:
        # Checked on the raw JSON values, before the union can coerce one (an int too
        # big for 64 bits would otherwise come out as a float).
        if isinstance(value, dict):
            for name, item in value.items():
                if isinstance(item, int) and not isinstance(item, bool) and not -PARAM_INT_MAX <= item <= PARAM_INT_MAX:
                    raise ValueError(f"params.{name}: integers must be within +-2^53")
        return value

    @field_validator("symbols")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("symbols must be unique")
        return value

    @field_validator("initial_cash")
    @classmethod
    def _cash(cls, value: str) -> str:
        return _decimal(value, low="0", high=None, low_inclusive=False, what="initial_cash")

    @field_validator("commission_rate")
    @classmethod
    def _commission(cls, value: str) -> str:
        return _decimal(value, low="0", high="0.5", low_inclusive=True, what="commission_rate")

    def normalized(self) -> dict[str, Any]:
        """The spec as stored and sent to the worker: every field present."""
        spec = self.model_dump(mode="json")
        if spec["strategy_id"] is None:
            spec["strategy_id"] = self.strategy.rsplit(":", 1)[1]
        return spec


class RuntimeSpec(BaseModel):
    """A stored spec (``RuntimeCreate`` with every default filled in)."""

    strategy: str
    strategy_id: str
    params: dict[str, Any]
    symbols: list[str]
    timeframe: str
    mode: str
    backend: str
    initial_cash: str
    commission_rate: str
    data: dict[str, Any]
    pace_ms: int | None
    mark_every: int
    label: str | None


class Pnl(BaseModel):
    cash: str | None = None
    equity: str | None = None
    realized_pnl: str | None = None
    unrealized_pnl: str | None = None
    fees: str | None = None


class WorkerInfo(BaseModel):
    pid: int
    running: bool


class Runtime(BaseModel):
    runtime_id: str
    status: Literal[STATUSES]  # type: ignore[valid-type]
    status_reason: str | None
    terminal: bool
    kill_switch: bool
    created_at: int
    updated_at: int
    last_sequence: int
    last_event_time: int | None
    topic: str
    spec: RuntimeSpec
    pnl: Pnl | None
    worker: WorkerInfo | None = None


class RuntimeList(BaseModel):
    runtimes: list[Runtime]


class Event(BaseModel):
    event_id: str = Field(description="{runtime_id}:{sequence}")
    runtime_id: str
    sequence: int = Field(ge=1)
    family: Literal[FAMILIES]  # type: ignore[valid-type]
    name: str
    event_time: int | None
    recorded_at: int
    strategy_id: str | None
    execution_id: str | None
    route_id: str | None
    broker_id: str | None
    data: dict[str, Any]


class EventsPage(BaseModel):
    events: list[Event]
    next_after_sequence: int = Field(description="pass as `after` to continue")
    has_more: bool


class ControlRequest(Closed):
    command: Literal[CONTROL_COMMANDS]  # type: ignore[valid-type]
    command_id: CommandId = Field(description="idempotency key: the same id returns the first response")
    reason: Annotated[SafeText, Field(max_length=500)] | None = None


class ControlResponse(BaseModel):
    runtime_id: str
    command_id: str
    command: str
    reason: str | None
    status: Literal["accepted", "rejected"]
    code: str | None
    message: str
    received_at: int


class ControlList(BaseModel):
    commands: list[ControlResponse]


class Health(BaseModel):
    status: Literal["ok"]
    api_version: str
    version: str
    runtimes_active: int
    bus: dict[str, Any]
    store: dict[str, Any]
    open_reads: bool


class ErrorBody(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorEnvelope(BaseModel):
    error: ErrorBody


class ReportMeta(BaseModel):
    report_id: str
    kind: str
    title: str
    runtime_id: str | None
    created_at: int
    size: int
    summary: dict[str, Any]


class ReportList(BaseModel):
    reports: list[ReportMeta]


class Report(ReportMeta):
    document: dict[str, Any]


class ReadModel(BaseModel):
    """One view of one runtime; the fields besides these depend on ``view``
    (``runtime``; ``orders``; ``positions``; pnl fields; ``points``, ``total_points``)."""

    model_config = ConfigDict(extra="allow")
    view: str
    runtime_id: str
    as_of_sequence: int


class FleetReadModel(BaseModel):
    """One view across runtimes (``items``, and ``counts`` or ``totals``)."""

    model_config = ConfigDict(extra="allow")
    view: str
    runtimes: int
