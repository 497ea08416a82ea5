"""The reorder buffer (D-205) on each backend."""

from __future__ import annotations

import pytest

from cracktrader.engine.errors import InvalidPayload


def c(ts, tag):
    return {"timestamp": ts, "open": "1", "high": "1", "low": "1", "close": "1", "volume": tag,
            "trade_count": None}


def test_stable_sort_last_arrival_wins(feeds):
    arrivals = [c(30, "a"), c(10, "b"), c(20, "c"), c(10, "d"), c(40, "e"), c(30, "f")]
    result = feeds.sort_reorder_buffer(arrivals)
    assert [x["volume"] for x in result["sorted"]] == ["d", "c", "f", "e"]
    # below the running maximum on arrival: b(10<30), c(20<30), d(10<30), f(30<40)
    assert result["out_of_order_count"] == 4
    assert result["duplicates_replaced"] == 2
    assert result["sorted"][0] is arrivals[3]  # the same objects come back


def test_ordered_input_is_untouched(feeds):
    arrivals = [c(t, str(t)) for t in (0, 60, 120)]
    assert feeds.sort_reorder_buffer(arrivals) == {"sorted": arrivals, "out_of_order_count": 0,
                                                   "duplicates_replaced": 0}
    assert feeds.sort_reorder_buffer([]) == {"sorted": [], "out_of_order_count": 0,
                                             "duplicates_replaced": 0}


def test_bitvavo_newest_first_rows(feeds):
    import json

    from feed_data import load_jsonl

    entry = next(e for e in load_jsonl("ccxt_ohlcv.jsonl") if e["exchange"] == "bitvavo")
    candles = feeds.parse_ohlcv_json(json.dumps(entry["raw"]), "bitvavo")["candles"]
    result = feeds.sort_reorder_buffer(candles)
    assert [x["timestamp"] for x in result["sorted"]] == [row[0] for row in entry["parsed"]]
    assert result["out_of_order_count"] == 4


@pytest.mark.parametrize("bad", [[{"timestamp": "1"}], [{"timestamp": True}], [{}], [[1]],
                                 [{"timestamp": -1}], [{"timestamp": 2**63}], "candles"])
def test_malformed_candles_are_misuse(feeds, bad):
    with pytest.raises(InvalidPayload):
        feeds.sort_reorder_buffer(bad)
