"""Shared helpers for the normalizer tests: the committed CCXT corpus and its expected
outcomes, a seeded generator of CCXT-shaped payloads, and the hostile mutations.

The generator knows what it generated, so it can say independently of the code under
test what a sane payload must become (decimals are checked against Python's
``decimal`` module, not against ``cracktrader.engine.numbers``).
"""

from __future__ import annotations

import copy
import json
import math
import random
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[2] / "data"
CORPUS = DATA / "ccxt_unified"
EXPECTED = DATA / "ccxt_expected.json"
CORPUS_FILES = ("trades.jsonl", "ohlcv.jsonl", "orders.jsonl")

KIND_OF_METHOD = {"fetchTrades": "trade", "fetchMyTrades": "my_trade", "fetchOHLCV": "ohlcv"}


def corpus_lines() -> list[tuple[str, int, dict[str, Any]]]:
    """Every (file, 1-based line, entry) of the committed corpus files."""
    out = []
    for name in CORPUS_FILES:
        with open(CORPUS / name, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    out.append((name, number, json.loads(line)))
    return out


def expected_entries() -> list[dict[str, Any]]:
    return json.loads(EXPECTED.read_text(encoding="utf-8"))["entries"]


def corpus_cases() -> list[dict[str, Any]]:
    """One case per unified structure: the entry, its item, its expected outcome."""
    entries = {(e["file"], e["line"]): e for e in expected_entries()}
    cases = []
    for name, number, entry in corpus_lines():
        table = entries[(name, number)]
        parsed = entry["parsed"]
        # OHLCV results are a list of rows; trade/order lists are lists of objects.
        items = parsed if isinstance(parsed, list) else [parsed]
        for index, item in enumerate(items):
            cases.append({
                "id": f"{name}:{number}:{entry['exchange']}:{entry['method']}:{index}",
                "entry": entry,
                "table": table,
                "kind": table["kind"],
                "context": table["context"],
                "payload": item,
                "expected": table["items"][index] if index < len(table["items"]) else None,
            })
    return cases


def canonical_decimal(text: str) -> str:
    """Independent oracle: the canonical form of a decimal string (decimal module)."""
    with localcontext() as ctx:
        ctx.prec = 200  # normalize() rounds to the context precision (28 by default)
        value = Decimal(text)
        if value == 0:
            return "0"
        return format(value.normalize(), "f")


# -- small sane inputs, one per kind (used by the rule and protocol tests) ---------

DELETE = object()  # a change value that removes the key
CTX = {"venue": "bitvavo", "ingest_time": 1_720_000_000_000, "producer": 1}
BAR_CTX = {**CTX, "instrument": "BTC/EUR", "timeframe_ms": 60_000}
TRADE = {"id": "t1", "symbol": "BTC/EUR", "timestamp": 1_710_327_533_000, "side": "buy", "price": 73254,
         "amount": 0.00055284, "info": {"ignored": [1, "x"]}, "cost": None, "fee": {"cost": None}}
BAR = [1_702_353_900_000, 38750, 38766, 38750, 38766, 0.05047192]
FILL = {"id": "f1", "timestamp": 1_700_130_493_037, "price": 34464, "amount": 0.0002, "side": None,
        "fee": {"cost": 0.0228, "currency": "EUR"}}
ORDER = {"id": "o1", "symbol": "BTC/EUR", "timestamp": 1_700_130_493_027, "status": "closed",
         "lastTradeTimestamp": 1_700_130_493_037, "filled": 0.0002, "trades": [FILL]}
MY_TRADE = {"id": "f1", "order": "o1", "symbol": "BTC/EUR", "timestamp": 1_700_130_593_656, "price": "34488",
            "amount": "0.0002", "fee": {"currency": "EUR", "cost": 0.0224}}
BASE = {"trade": (TRADE, CTX), "ohlcv": (BAR, BAR_CTX), "order": (ORDER, CTX), "my_trade": (MY_TRADE, CTX)}


def build(kind: str, payload: Any = None, context: Any = None, **changes: Any) -> dict[str, Any]:
    """An input from the base of ``kind``; ``changes`` set payload paths ``a__0__b``
    (value ``DELETE`` removes the key)."""
    base_payload, base_ctx = BASE[kind]
    body = copy.deepcopy(base_payload if payload is None else payload)
    for path, value in changes.items():
        keys = [int(k) if k.isdigit() else k for k in path.split("__")]
        parent = body
        for key in keys[:-1]:
            parent = parent[key]
        if value is DELETE:
            del parent[keys[-1]]
        else:
            parent[keys[-1]] = value
    return {"kind": kind, "payload": body, "context": copy.deepcopy(base_ctx if context is None else context)}


# -- seeded generator of sane CCXT-shaped payloads -----------------------------------

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
BASES = ("BTC", "ETH", "LTC", "XRP", "SOL")
QUOTES = ("USDT", "EUR", "USD", "GUSD")
STATUSES = ("open", "closed", "canceled", "expired", "rejected")


def _ident(rng: random.Random, lo: int = 4, hi: int = 36) -> str:
    text = "".join(rng.choice(ALNUM + "-") for _ in range(rng.randint(lo, hi)))
    return text if rng.random() < 0.95 else text + "é✓"


def _symbol(rng: random.Random) -> str:
    base, quote = rng.choice(BASES), rng.choice(QUOTES)
    return f"{base}/{quote}" if rng.random() < 0.8 else f"{base}/{quote}:{quote}"


def _decimal_text(rng: random.Random, positive: bool = True, max_int: int = 9) -> str:
    """A decimal with at most 15 significant digits and 8 fractional digits."""
    int_digits = rng.randint(0, max_int)
    frac_digits = rng.randint(0, min(8, 15 - int_digits))
    whole = str(rng.randint(0, 10**int_digits - 1)) if int_digits else "0"
    frac = "".join(rng.choice("0123456789") for _ in range(frac_digits))
    text = whole + ("." + frac if frac else "")
    if positive and Decimal(text) == 0:
        text = "0.00000001" if rng.random() < 0.5 else "1"
    if not positive and rng.random() < 0.3:
        text = "-" + text
    return text


def _spell(rng: random.Random, text: str) -> Any:
    """One of the spellings CCXT payloads use for a number: float, int or string."""
    roll = rng.random()
    value = Decimal(text)
    if roll < 0.5:
        return float(text)  # <= 15 significant digits: the float keeps the decimal
    if roll < 0.7 and value == value.to_integral_value():
        return int(value)
    if roll < 0.8:
        mantissa = value.scaleb(3)
        return f"{int(mantissa)}e-3" if mantissa == mantissa.to_integral_value() else text
    return text


def _ts(rng: random.Random) -> int:
    return rng.randint(1_500_000_000_000, 1_800_000_000_000)


def _fee(rng: random.Random, quote: str) -> tuple[dict[str, Any] | None, list[Any], str | None]:
    """(fee, fees, expected canonical fee or None) in the shapes of the corpus."""
    roll = rng.random()
    if roll < 0.25:
        return None, [], None
    if roll < 0.4:
        return {"cost": None, "currency": None}, [], None
    cost = _decimal_text(rng, positive=False, max_int=3)
    currency = quote if rng.random() < 0.8 else None
    if roll < 0.85:
        fee = {"cost": _spell(rng, cost), "currency": currency}
        if rng.random() < 0.3:
            fee["rate"] = None
        return fee, [copy.deepcopy(fee)], canonical_decimal(cost)
    # fee without cost, the cost split over `fees` entries (summed)
    other = _decimal_text(rng, positive=True, max_int=2)
    fees = [{"cost": _spell(rng, cost), "currency": quote}, {"cost": _spell(rng, other), "currency": None},
            {"cost": None, "currency": quote}]
    return {"cost": None, "currency": None}, fees, canonical_decimal(str(Decimal(cost) + Decimal(other)))


def gen_trade(rng: random.Random, my_trade: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """A unified trade and the payload fields its event must carry."""
    symbol = _symbol(rng)
    quote = symbol.split("/")[1].split(":")[0]
    price, amount = _decimal_text(rng, positive=False), _decimal_text(rng)
    ts = _ts(rng)
    trade: dict[str, Any] = {
        "id": _ident(rng), "info": {"raw": [price, amount, ts / 1000]}, "timestamp": ts,
        "datetime": "2024-01-01T00:00:00.000Z", "symbol": symbol, "order": None,
        "type": rng.choice([None, "limit", "market"]), "side": rng.choice(["buy", "sell"]),
        "takerOrMaker": rng.choice([None, "taker", "maker"]), "price": _spell(rng, price),
        "amount": _spell(rng, amount), "cost": None,
    }
    fee, fees, fee_out = _fee(rng, quote)
    trade["fee"], trade["fees"] = fee, fees
    if rng.random() < 0.2:
        del trade["datetime"]
    expect = {"price": canonical_decimal(price), "amount": canonical_decimal(amount), "event_time": ts,
              "instrument": symbol, "fee": fee_out}
    if my_trade:
        trade["order"] = _ident(rng)
    return trade, expect


def gen_ohlcv(rng: random.Random) -> tuple[list[Any], dict[str, Any]]:
    low = Decimal(_decimal_text(rng, positive=False, max_int=6))
    spread = [Decimal(_decimal_text(rng, max_int=3)) for _ in range(3)]
    high = low + max(spread)
    open_, close = low + min(spread), low + sorted(spread)[1]
    volume = _decimal_text(rng, positive=False, max_int=5).lstrip("-")
    ts = _ts(rng)
    values = [str(v) for v in (open_, high, low, close)] + [volume]
    row = [ts] + [_spell(rng, v) if len(Decimal(v).as_tuple().digits) <= 15 else v for v in values]
    return row, {"values": [canonical_decimal(v) for v in values], "event_time": ts}


def gen_order(rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]]:
    """A unified order and the events it must yield (types, fill ids, decimals)."""
    symbol = _symbol(rng)
    order_id = _ident(rng)
    status = rng.choice(STATUSES)
    created = _ts(rng)
    trades, fills = [], []
    if status != "rejected":
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
            trade, expect = gen_trade(rng)
            trade["symbol"] = symbol if rng.random() < 0.7 else None
            trade["order"] = order_id if rng.random() < 0.5 else None
            trade["timestamp"] = created + rng.randint(0, 10_000)
            expect["event_time"] = trade["timestamp"]
            quote = symbol.split("/")[1].split(":")[0]
            trade["fee"], trade["fees"], expect["fee"] = _fee(rng, quote)
            trades.append(trade)
            fills.append((trade["id"], expect))
        if rng.random() < 0.3:  # kraken's stub: a reference to a trade, not a fill
            trades.append({"id": _ident(rng), "orderId": order_id, "symbol": symbol, "info": {}, "fees": [],
                           "amount": None, "price": None, "cost": None,
                           "fee": {"cost": None, "currency": None}})
    last_update = created + rng.randint(0, 100_000) if rng.random() < 0.5 else None
    order = {
        "id": order_id, "clientOrderId": rng.choice([None, "0", _ident(rng)]), "info": {"opentm": f"{created / 1000}"},
        "timestamp": created, "datetime": "2024-01-14T19:10:39.563Z", "lastTradeTimestamp": None,
        "lastUpdateTimestamp": last_update, "status": status, "symbol": symbol,
        "type": rng.choice(["limit", "market", "stopLoss", "trailing-stop"]), "timeInForce": rng.choice([None, "GTC", "IOC", "PO"]),
        "side": rng.choice(["buy", "sell"]), "price": rng.choice([None, 50, 71.05741, "54"]),
        "amount": 0.1, "filled": 0, "remaining": 0.1, "cost": None, "average": None,
        "fee": {"cost": "0.000000", "rate": None, "currency": "USDT"}, "fees": [], "trades": trades,
    }
    if rng.random() < 0.15:
        del order["trades"]
        trades, fills = [], []
    times = [created] + [e["event_time"] for _, e in fills] + ([last_update] if last_update else [])
    if status == "rejected":
        types = ["order_rejected"]
    else:
        types = ["order_accepted"] + ["order_filled"] * len(fills)
        types += {"canceled": ["order_cancelled"], "expired": ["order_expired"]}.get(status, [])
    return order, {"types": types, "fills": fills, "instrument": symbol, "created": created, "last": max(times)}


def context(rng: random.Random | None = None, **extra: Any) -> dict[str, Any]:
    ctx = {"venue": "kraken", "ingest_time": 1_720_000_000_000, "producer": 1}
    if rng is not None:
        ctx = {"venue": rng.choice(["kraken", "bitvavo", "venue-é"]), "ingest_time": _ts(rng),
               "producer": rng.randint(0, 2**63 - 1)}
    ctx.update(extra)
    return ctx


def gen_input(rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]]:
    """A sane input of a random kind, and what the generator expects of it."""
    kind = rng.choice(["trade", "ohlcv", "order", "my_trade"])
    if kind == "ohlcv":
        row, expect = gen_ohlcv(rng)
        ctx = context(rng, instrument=_symbol(rng), timeframe_ms=rng.choice([60_000, 3_600_000, 1]))
        return {"kind": kind, "payload": row, "context": ctx}, expect
    if kind == "order":
        payload, expect = gen_order(rng)
    else:
        payload, expect = gen_trade(rng, my_trade=kind == "my_trade")
    ctx = context(rng)
    if rng.random() < 0.2:
        ctx["instrument"] = expect["instrument"]
        if rng.random() < 0.5:
            payload["symbol"] = None  # the context names it instead (D-104)
    return {"kind": kind, "payload": payload, "context": ctx}, expect


# -- hostile mutations ---------------------------------------------------------------

class Opaque:
    """Not a JSON type: refused wherever it is read."""


def _deep(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = [value]
    return value


def _recursive() -> list[Any]:
    loop: list[Any] = []
    loop.append(loop)
    return loop


HOSTILE: list[Any] = [
    None, True, False, 0, -1, 1.5, -0.0, math.nan, math.inf, -math.inf, 10**40, -(10**40), 2**63, 2**127,
    2**200, 1e300, 5e-324, "", " ", " 1", "1 ", "1e999", "-1e999", "1e-999", "0x10", "NaN", "Infinity",
    "١٢", "１", "\ud800", "a\udfffb", "\x00", "\x7f", "\u0085", "é" * 129, "x" * 129, "buy", "sell",
    "open", "canceled", "123", "1.0000000005", "-0", "+1", "1.", ".5", "1e5", [], {}, [1, 2], {"a": [1, {"b": None}]},
    {"\ud800": 1}, {1: 2}, (1, 2), {1, 2}, b"bytes", bytearray(b"x"), Opaque(), Decimal("1.5"), _deep(40),
    _recursive(), {"cost": math.nan, "currency": "\ud800"}, [{"cost": "x"}], ["1", "2"],
]


def paths_of(value: Any, base: tuple = (), depth: int = 0) -> list[tuple]:
    """Every key path into a JSON-like value (bounded depth, skipping ``info``)."""
    out = [base]
    if depth > 4:
        return out
    if isinstance(value, dict):
        for key, item in value.items():
            if key != "info":
                out.extend(paths_of(item, base + (key,), depth + 1))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out.extend(paths_of(item, base + (index,), depth + 1))
    return out


def mutate(rng: random.Random, item: dict[str, Any]) -> dict[str, Any]:
    """Replace or delete one field of an input (payload, context or envelope)."""
    mutated = copy.deepcopy(item)
    paths = paths_of(mutated)
    path = rng.choice(paths)
    if not path:
        return rng.choice(HOSTILE + [{"kind": "trade"}, {"kind": "ticker", "payload": {}, "context": {}}])
    parent = mutated
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    roll = rng.random()
    if roll < 0.2 and isinstance(parent, dict):
        del parent[last]
    elif roll < 0.25 and isinstance(parent, dict):
        parent[rng.choice(["extra", "\ud800", "ZZ", "~/"])] = 1
    else:
        parent[last] = rng.choice(HOSTILE)
    return mutated


def json_line(item: Any, ascii_only: bool = True) -> bytes | None:
    """The input as one JSON line, or None when JSON cannot carry it (bytes, sets,
    cycles). ``ascii_only`` escapes lone surrogates as ``\\udxxx`` (then refused by the
    strict reader); without it they cannot be encoded and the input is skipped."""
    try:
        text = json.dumps(item, ensure_ascii=ascii_only)
    except (TypeError, ValueError, RecursionError):
        return None
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return None
