"""Seeded generators of feed inputs for parity tests, the fuzz loop and the benchmark.

Plain functions of a seed: the same seed gives the same stream on every machine. A
*scenario* (drawn from the seed, or passed in) sets the mix: tick spacing, disorder,
duplicates, gaps, hostile payloads, extreme numbers, the number spelling and the id
mode. ``generate_trades`` expands a scenario into CCXT unified trade payloads;
``to_frames`` / ``to_columns`` render the same trades as raw JSON frames or columns;
``generate_candles`` and ``generate_ohlcv_rows`` feed the reorder buffer and the OHLCV
normalizer. The Hypothesis strategies in ``tests/feeds`` draw scenarios and seeds; the
future ``parity`` package's ``feed`` target can call these functions as they are.
"""

from __future__ import annotations

import json
import random
from array import array
from dataclasses import asdict, dataclass
from typing import Any

# Extreme values, spelled as decimal strings so they survive every rendering.
RAW_EDGE_STRINGS = (
    "170141183460469231731687303715.884105727",  # the largest raw
    "-170141183460469231731687303715.884105728",  # the smallest raw
    "170141183460469231731687303715.884105728",  # one past: numeric_overflow
    "0.000000001",
    "0.0000000005",  # rounds half-even to 0
    "0.0000000015",  # rounds half-even to 2e-9
    "1e-9",
    "1E+20",
    "-0",
    "99999999999999999999999999999",
)
HOSTILE_VALUES = (
    None, True, False, "", " 1", "1 ", "abc", "0x10", "1e", "--1", "NaN", "inf", "١",
    [], {}, [1], {"a": 1}, float("nan"), float("inf"), 10**40, -(10**40), 2**200,
)
TS_LIMIT = 2**63


@dataclass(frozen=True)
class Scenario:
    """The mix a generated stream follows (all rates are probabilities per tick)."""

    timeframe_ms: int = 1000
    mean_gap_ms: float = 20.0
    disorder_rate: float = 0.05
    max_disorder_ms: int = 3000
    duplicate_rate: float = 0.05
    gap_rate: float = 0.01
    hostile_rate: float = 0.02
    extreme_rate: float = 0.01
    number_form: str = "float"  # float | string | int | mixed
    id_mode: str = "unique"  # unique | none | mixed | reused
    price_regime: str = "normal"  # normal | tiny | huge | negative | mixed
    start_ms: int = 1_700_000_000_000

    def as_dict(self) -> dict[str, Any]:
        """The scenario as a plain dict (for reports)."""
        return asdict(self)


def draw_scenario(rng: random.Random) -> Scenario:
    """A scenario drawn from ``rng``, covering calm and hostile mixes alike."""
    timeframe = rng.choice([1, 7, 250, 1000, 1000, 60_000, 3_600_000, 2**62])
    start = rng.choice([0, 1_700_000_000_000, 1_700_000_000_000, TS_LIMIT - 10**7])
    return Scenario(
        timeframe_ms=timeframe,
        mean_gap_ms=rng.choice([0.0, 0.5, 5.0, 20.0, 200.0, 5000.0]),
        disorder_rate=rng.choice([0.0, 0.01, 0.1, 0.4]),
        max_disorder_ms=rng.choice([1, 100, 3000, 10**6]),
        duplicate_rate=rng.choice([0.0, 0.02, 0.2]),
        gap_rate=rng.choice([0.0, 0.01, 0.1]),
        hostile_rate=rng.choice([0.0, 0.01, 0.1, 0.5]),
        extreme_rate=rng.choice([0.0, 0.01, 0.1]),
        number_form=rng.choice(["float", "string", "int", "mixed"]),
        id_mode=rng.choice(["unique", "none", "mixed", "reused"]),
        price_regime=rng.choice(["normal", "tiny", "huge", "negative", "mixed"]),
        start_ms=start,
    )


def _price(rng: random.Random, regime: str) -> float:
    if regime == "mixed":
        regime = rng.choice(["normal", "tiny", "huge", "negative"])
    if regime == "tiny":
        return round(rng.uniform(0.0, 0.001), rng.randint(4, 12))
    if regime == "huge":
        return round(rng.uniform(1e8, 1e15), rng.randint(0, 3))
    if regime == "negative":
        return round(rng.uniform(-50.0, 5.0), rng.randint(0, 6))
    return round(rng.uniform(100.0, 80_000.0), rng.randint(0, 8))


def _spell(rng: random.Random, value: float, form: str) -> Any:
    if form == "mixed":
        form = rng.choice(["float", "string", "int"])
    if form == "string":
        return repr(value) if rng.random() < 0.5 else f"{value:.10f}"
    if form == "int":
        return int(value)
    return value


def _hostile(rng: random.Random, trade: dict[str, Any]) -> dict[str, Any]:
    bad = dict(trade)
    key = rng.choice(["timestamp", "price", "amount", "side", "id", "drop", "shape"])
    if key == "drop":
        bad.pop(rng.choice(["timestamp", "price", "amount"]), None)
        return bad
    if key == "shape":
        return rng.choice([[], "trade", 7, None, [trade]])  # type: ignore[return-value]
    if key == "timestamp":
        bad[key] = rng.choice([-1, 1.5, "12a", str(trade["timestamp"]), TS_LIMIT, None, True,
                               float(trade["timestamp"]), "9" * 40])
    elif key == "side":
        bad[key] = rng.choice(["BUY", "b", 1, True, "", None, "sell"])
    elif key == "id":
        bad[key] = rng.choice(["", "a\x00b", "x" * 129, 12345, 2**130, 1.5, "\u0085", "ok-id", "\ud800"])
    else:
        bad[key] = rng.choice(HOSTILE_VALUES + RAW_EDGE_STRINGS + ("0", "-1", 0, -1))
    return bad


def generate_trades(seed: int, count: int, scenario: Scenario | None = None) -> list[Any]:
    """``count`` CCXT unified trade payloads (mostly valid, per the scenario's mix)."""
    rng = random.Random(seed)
    scenario = scenario or draw_scenario(rng)
    clock = scenario.start_ms
    out: list[Any] = []
    recent: list[dict[str, Any]] = []
    for index in range(count):
        roll = rng.random()
        if recent and roll < scenario.duplicate_rate:
            out.append(dict(rng.choice(recent[-20:])))
            continue
        if rng.random() < scenario.gap_rate:
            clock += rng.randint(1, 20) * scenario.timeframe_ms
        elif scenario.mean_gap_ms:
            clock += int(rng.expovariate(1.0 / scenario.mean_gap_ms))
        clock = min(clock, TS_LIMIT - 1)
        timestamp = clock
        if rng.random() < scenario.disorder_rate:
            timestamp = max(0, clock - rng.randint(0, scenario.max_disorder_ms))
        price = _spell(rng, _price(rng, scenario.price_regime), scenario.number_form)
        amount = round(rng.uniform(1e-6, 5.0), rng.randint(1, 8)) or 1e-6
        trade: dict[str, Any] = {
            "timestamp": timestamp,
            "price": price,
            "amount": _spell(rng, amount, scenario.number_form) if scenario.number_form != "int"
            else max(1, int(amount)),
            "side": rng.choice(["buy", "sell", None]),
            "id": _trade_id(rng, scenario.id_mode, seed, index),
            "symbol": "BTC/USDT",
            "info": {"raw": [index, "ignored"]},
        }
        if rng.random() < scenario.extreme_rate:
            trade[rng.choice(["price", "amount"])] = rng.choice(RAW_EDGE_STRINGS)
            if rng.random() < 0.3:
                trade["timestamp"] = rng.choice([0, TS_LIMIT - 1, TS_LIMIT - scenario.timeframe_ms])
        if rng.random() < scenario.hostile_rate:
            out.append(_hostile(rng, trade))
            continue
        recent.append(trade)
        out.append(trade)
    return out


def _trade_id(rng: random.Random, mode: str, seed: int, index: int) -> str | None:
    if mode == "none" or (mode == "mixed" and rng.random() < 0.5):
        return None
    if mode == "reused":
        return f"t{rng.randint(0, 30)}"
    return f"{seed}-{index}"


def to_frames(trades: list[Any], per_frame: int = 100) -> list[bytes]:
    """CCXT-dialect JSON frames of ``per_frame`` trades each (Python's ``json`` spelling).

    Values JSON cannot hold strictly (NaN, lone surrogates) make their frame
    unreadable on both backends, which the parity tests want too.
    """
    frames = []
    for start in range(0, len(trades), max(1, per_frame)):
        chunk = trades[start:start + per_frame]
        frames.append(json.dumps(chunk, default=_unjsonable).encode("utf-8", "surrogatepass"))
    return frames


def _unjsonable(value: Any) -> Any:
    return repr(value)


def _text(value: Any) -> Any:
    """Venues send numbers as strings; floats keep their shortest digits."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    return repr(value) if isinstance(value, float) else str(value)


def _seconds(ms: Any) -> Any:
    return str(ms // 1000) if type(ms) is int else ms


def _venue_item(trade: Any, dialect: str, index: int) -> Any:
    if not isinstance(trade, dict):
        return trade
    ts, side, tid = trade.get("timestamp"), trade.get("side"), trade.get("id")
    price, amount = _text(trade.get("price")), _text(trade.get("amount"))
    if dialect == "gemini":
        return {"timestamp": _seconds(ts), "timestampms": str(ts) if type(ts) is int else ts,
                "tid": tid if tid is not None else index, "price": price, "amount": amount,
                "exchange": "gemini", "type": side}
    if dialect == "bitstamp":
        return {"date": _seconds(ts), "tid": tid, "price": price, "amount": amount,
                "type": {"buy": "0", "sell": "1"}.get(side, side)}
    if dialect == "bitvavo":
        return {"id": tid, "timestamp": ts, "amount": amount, "price": price, "side": side}
    seconds = ts / 1000 if type(ts) is int else ts  # kraken: float seconds, rows
    return [price, amount, seconds, {"buy": "b", "sell": "s"}.get(side, side), "l", "",
            tid if isinstance(tid, int) else index]


def to_venue_frames(trades: list[Any], dialect: str, per_frame: int = 100) -> list[bytes]:
    """The trades as a venue's own REST bodies (``gemini``, ``bitstamp``, ``bitvavo``,
    ``kraken``): string numbers, the venue's keys, timestamp units and side spelling,
    as recorded in ``tests/data/feeds/ccxt_trades.jsonl``."""
    frames = []
    for start in range(0, len(trades), max(1, per_frame)):
        items = [_venue_item(t, dialect, start + i) for i, t in enumerate(trades[start:start + per_frame])]
        body: Any = items
        if dialect == "kraken":
            body = {"error": [], "result": {"XBTUSDT": items, "last": str(start)}}
        frames.append(json.dumps(body, default=_unjsonable).encode("utf-8", "surrogatepass"))
    return frames


def to_columns(trades: list[Any]) -> tuple[array, array, array, list[Any]]:
    """Columns (``array('q')`` ms, ``array('d')`` prices and amounts, ids) of the trades
    that have an int timestamp and float-convertible numbers; others are skipped."""
    timestamps, prices, amounts, ids = array("q"), array("d"), array("d"), []
    for trade in trades:
        if not isinstance(trade, dict):
            continue
        ts, price, amount = trade.get("timestamp"), trade.get("price"), trade.get("amount")
        if type(ts) is not int or not 0 <= ts < TS_LIMIT:
            continue
        try:
            price_f, amount_f = float(price), float(amount)  # type: ignore[arg-type]
        except (TypeError, ValueError, OverflowError):
            continue
        timestamps.append(ts)
        prices.append(price_f)
        amounts.append(amount_f)
        ids.append(trade.get("id"))
    return timestamps, prices, amounts, ids


def generate_candles(seed: int, count: int, timeframe_ms: int = 60_000) -> list[dict[str, Any]]:
    """Candles as a venue would resend them: mostly in order, some late, some repeated."""
    rng = random.Random(seed)
    out = []
    slot = rng.randint(0, 10**6)
    for index in range(count):
        roll = rng.random()
        if roll < 0.15:
            ts_slot = max(0, slot - rng.randint(1, 20))
        elif roll < 0.3:
            ts_slot = slot
        else:
            slot += rng.randint(1, 3)
            ts_slot = slot
        price = f"{rng.uniform(10, 100):.2f}"
        out.append({"timestamp": ts_slot * timeframe_ms, "open": price, "high": price,
                    "low": price, "close": price, "volume": str(index), "trade_count": None})
    return out


def generate_ohlcv_rows(seed: int, count: int, hostile_rate: float = 0.1) -> list[Any]:
    """CCXT OHLCV rows ``[ts, o, h, l, c, v]``, some hostile or inconsistent."""
    rng = random.Random(seed)
    rows: list[Any] = []
    ts = rng.choice([0, 1_700_000_000_000])
    for _ in range(count):
        ts += 60_000
        low = rng.uniform(10, 100)
        high = low + rng.uniform(0, 5)
        open_, close = rng.uniform(low, high), rng.uniform(low, high)
        row: list[Any] = [ts, round(open_, 4), round(high, 4), round(low, 4), round(close, 4),
                          round(rng.uniform(0, 10), 6)]
        if rng.random() < 0.3:
            row = [row[0]] + [repr(value) for value in row[1:]]
        if rng.random() < hostile_rate:
            slot = rng.randrange(len(row) + 1)
            if slot == len(row):
                row = rng.choice([row[:5], {"t": 1}, "row", None, row + [7]])  # type: ignore[assignment]
            else:
                row[slot] = rng.choice(HOSTILE_VALUES + RAW_EDGE_STRINGS)
        rows.append(row)
    return rows
