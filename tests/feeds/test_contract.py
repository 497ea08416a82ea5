"""The bridge contract: both backends expose the same names, codes and dialect tables."""

from __future__ import annotations

import json
from importlib import resources

from cracktrader.feeds import CONTRACT, python_bridge


def test_python_bridge_has_every_contract_name():
    bridge = python_bridge()
    assert all(callable(getattr(bridge, name)) for name in CONTRACT)


def test_rust_bridge_matches_python(both):
    python, rust = both
    assert all(callable(getattr(rust, name)) for name in CONTRACT)
    assert rust.describe_dialects() == python.describe_dialects()
    schema = json.loads(resources.files("cracktrader.schemas").joinpath("codes.json").read_text())
    assert list(python.feed_codes()) == list(rust.feed_codes()) == schema["$defs"]["feed_code"]["enum"]


def test_counter_codes_come_from_the_closed_list(feeds):
    codes = set(feeds.feed_codes())
    agg = feeds.TradeAggregator(10)
    agg.push_json([b"x", b"7", b'[{"timestamp": 1, "price": 1, "amount": 1, "id": ""}, []]'])
    agg.push([{"timestamp": 1, "price": 1, "amount": 1}] * 2 + [{"timestamp": 0, "price": 1, "amount": 1}])
    assert agg.counters() and set(agg.counters()) <= codes
