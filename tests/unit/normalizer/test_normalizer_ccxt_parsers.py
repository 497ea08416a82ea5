"""The real ``ccxt`` parsers, run offline on the venues' own replies in the corpus, feed
the normalizer: their output must normalize exactly like the corpus' ``parsed`` data.

No network: each exchange object gets one hand-made market through ``set_markets``
(what ``load_markets`` would fetch), then ``parse_trades`` / ``parse_ohlcvs`` /
``parse_order`` run on ``raw`` (the HTTP reply) or, for orders stored without it, on
``info`` (the venue's order object, kept inside the parsed result).
"""

from __future__ import annotations

from typing import Any

import ccxt  # a dev dependency (pyproject extras), so never skipped
import pytest
from normalizer_support import corpus_cases

from cracktrader.engine.canonical import canonical_bytes

# The venues' market ids for the corpus symbols (what each exchange's markets list says).
MARKET_IDS = {
    "bitstamp": lambda symbol: symbol.replace("/", "").lower(),
    "bitvavo": lambda symbol: symbol.replace("/", "-"),
    "gemini": lambda symbol: symbol.replace("/", "").lower(),
    "kraken": lambda symbol: {"BTC/USDT": "XBTUSDT"}.get(symbol, symbol.replace("/", "")),
}


def offline_exchange(name: str, symbol: str) -> Any:
    base, quote = symbol.split("/")
    market_id = MARKET_IDS[name](symbol)
    exchange = getattr(ccxt, name)()
    exchange.set_markets([{
        "id": market_id, "symbol": symbol, "base": base, "quote": quote, "baseId": base, "quoteId": quote,
        "type": "spot", "spot": True, "swap": False, "future": False, "option": False, "contract": False,
        "linear": None, "inverse": None, "settle": None, "settleId": None, "active": True,
        "precision": {"amount": None, "price": None}, "limits": {}, "info": {}, "altname": market_id,
        "wsname": symbol,
    }])
    return exchange


def ccxt_parse(case: dict[str, Any]) -> Any:
    """The venue reply parsed by ccxt into the unified structure of this case."""
    entry, index = case["entry"], int(case["id"].rsplit(":", 1)[1])
    method, name = entry["method"], entry["exchange"]
    symbol = entry["input"][0] if case["kind"] != "order" else None
    if case["kind"] == "order":
        symbol = case["payload"]["symbol"]
    exchange = offline_exchange(name, symbol)
    market = exchange.market(symbol)
    if method in ("fetchTrades", "fetchMyTrades"):
        raw = entry["raw"]["result"]["XBTUSDT"] if name == "kraken" else entry["raw"]
        parsed = exchange.parse_trades(raw, market)
        parsed = sorted(parsed, key=lambda t: (t["timestamp"], t["id"]))
        return parsed[index]
    if method == "fetchOHLCV":
        raw = entry["raw"]["data"]["ohlc"] if name == "bitstamp" else entry["raw"]
        return exchange.parse_ohlcvs(raw, market, entry["input"][1])[index]
    if "raw" in entry:
        raw = entry["raw"]["result"] if name == "kraken" else entry["raw"]
        return exchange.parse_order(raw, market)
    return exchange.parse_order(case["payload"]["info"], market)


PARSEABLE = [c for c in corpus_cases() if "raw" in c["entry"] or c["kind"] == "order"]


def test_the_offline_parsers_cover_most_of_the_corpus() -> None:
    # every case but kraken's OHLCV rows (stored without the venue reply)
    assert len(PARSEABLE) == len(corpus_cases()) - 3


@pytest.mark.parametrize("case", PARSEABLE, ids=[c["id"] for c in PARSEABLE])
def test_ccxt_output_normalizes_like_the_corpus(case: dict[str, Any], normalizer) -> None:
    payload = ccxt_parse(case)
    from_ccxt = normalizer.apply({"kind": case["kind"], "payload": payload, "context": case["context"]})
    from_corpus = normalizer.apply({"kind": case["kind"], "payload": case["payload"], "context": case["context"]})
    assert canonical_bytes(from_ccxt) == canonical_bytes(from_corpus)
    assert from_ccxt["accepted"] is case["expected"]["accepted"]
