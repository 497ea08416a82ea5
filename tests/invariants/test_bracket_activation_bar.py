"""Core behaviour the checker once flagged, kept as regression tests (fixed, D-342).

Found by the stateful test. ``Core.settle`` activates a bracket child with the time
of the bar being matched (``child_bar = bar_time``), not with the current bar of the
child's instrument (D-036: the newest bar by event time). When the activating bar is
late, or belongs to another instrument that lags the child's, a later-arriving late
bar older than the child's current bar can fill it: a fill on stale data, which the
checker reports as ``filled_on_placement_bar`` (D-336). The fix belongs in the core
(both backends): ``max(bar_time, current bar of the child's instrument)``.
When it lands these tests pass, strict xfail turns that into a failure, and the
marker (and the restriction in test_invariants_stateful.py) should go.
"""

from __future__ import annotations

import pytest

from cracktrader.engine import build_core

from inv_history import MINUTE, bar, place

LATE = {"mode": "simulated", "late_policy": "accept"}
KNOWN = pytest.mark.xfail(strict=True, reason="core activates bracket children with the activating bar's time (D-336)")


def child(seq, order_id, parent, instrument="BTC"):
    item = place(seq, order_id, side="sell", limit="95", parent=parent)
    item["payload"]["instrument"] = instrument
    return item


def on(item, instrument):
    item["instrument"] = instrument
    return item


def test_child_of_a_parent_filled_on_a_late_bar():
    core = build_core("python", config=LATE, check_invariants="record")
    core.apply(bar(1, MINUTE, "110", "111", "109", "110"))
    core.apply(place(2, "p", limit="101"))
    core.apply(child(3, "c", "p"))
    core.apply(bar(4, 4 * MINUTE, "110", "111", "109", "110"))
    filled = core.apply(bar(5, 2 * MINUTE, "100", "101", "99", "100"))  # late: fills p, activates c
    assert [t["to"] for t in filled["transitions"]] == ["filled", "submitted", "accepted"]
    core.apply(bar(6, 3 * MINUTE, "100", "101", "99", "100"))  # late, older than 4 min
    assert core.violations == []


def test_child_on_an_instrument_ahead_of_its_parents():
    core = build_core("python", config=LATE, check_invariants="record")
    core.apply(on(bar(1, 5 * MINUTE, "100", "101", "99", "100"), "ETH"))
    core.apply(bar(2, MINUTE, "110", "111", "109", "110"))
    core.apply(place(3, "p", limit="101"))
    core.apply(child(4, "c", "p", instrument="ETH"))
    core.apply(bar(5, 2 * MINUTE, "100", "101", "99", "100"))  # fills p on BTC at 2 min
    core.apply(on(bar(6, 3 * MINUTE, "100", "101", "99", "100"), "ETH"))  # late ETH bar
    assert core.violations == []
