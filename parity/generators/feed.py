"""Feed streams: CCXT unified trades with disorder, duplicates, gaps, extreme numbers and
hostile payloads, one trade per step, through the trade aggregator.

The scenario and trade generator are the feed track's own (``cracktrader.feeds.generate``),
drawn here from the case's random source so a seed addresses the whole case.
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import strategies as st

from cracktrader.feeds.generate import draw_scenario, generate_trades
from parity.generators.hostile import garbage_line


def _line(rng: random.Random, trade: Any) -> str:
    """One trade as a raw line (a NaN float stays a raw ``NaN`` token, lone surrogates
    are escaped); a payload JSON cannot express becomes a garbage line."""
    import json

    try:
        return json.dumps(trade, separators=(",", ":"))
    except (TypeError, ValueError):
        return garbage_line(rng, "{}")


def make_case(rng: random.Random, length: int) -> tuple[dict[str, Any], list[str]]:
    scenario = draw_scenario(rng)
    trades = generate_trades(rng.randrange(2**31), length, scenario)
    return {"timeframe_ms": scenario.timeframe_ms}, [_line(rng, trade) for trade in trades]


def feed_cases(max_length: int = 200) -> st.SearchStrategy[tuple[dict[str, Any], list[str]]]:
    return st.builds(make_case, st.randoms(use_true_random=False), st.integers(min_value=1, max_value=max_length))
