"""TradeAnalyzer: statistics of closed trades (Backtrader's keys and definitions).

On every opened trade ``total.total`` and ``total.open`` grow; on every closed trade
(won when ``pnlcomm >= 0``): ``total.closed``; ``streak.won/lost.current/longest``;
``pnl.gross`` (without commission) and ``pnl.net`` (with) ``total``/``average``;
``won``/``lost``: ``total`` (count) and ``pnl.total/average/max`` (``max`` is the
largest win, or for ``lost`` the largest loss as a negative number); ``long``/``short``:
``total``, ``pnl.total/average``, ``won``/``lost`` counts and ``pnl.won/lost
.total/average/max``; ``len`` (bars in the market, ``barlen``): ``total/average/max/min``,
then per ``won``/``lost`` and per ``long``/``short`` (each again per won/lost). Averages
divide by the matching count (or 1 when it is 0). With no trade at all the analysis is
just ``{"total": {"total": 0}}``.
"""

from __future__ import annotations

import sys

from cracktrader.analyzers.base import Analyzer, AnalysisDict

MAXINT = sys.maxsize


def _add(node: AnalysisDict, key: str, value: float) -> float:
    node[key] = node.get(key, 0) + value
    return node[key]


class TradeAnalyzer(Analyzer):
    """Closed-trade statistics (see the module docstring)."""

    def create_analysis(self) -> None:
        self.rets = AnalysisDict()
        self.rets.total.total = 0

    def stop(self) -> None:
        self.rets._close()

    def notify_trade(self, trade) -> None:
        rets = self.rets
        if trade.justopened:
            _add(rets.total, "total", 1)
            _add(rets.total, "open", 1)
            return
        if trade.status != trade.Closed:
            return
        won = int(trade.pnlcomm >= 0.0)
        lost = 1 - won
        is_long = int(bool(trade.long))
        is_short = 1 - is_long
        flags = {"won": won, "lost": lost}
        sides = {"long": is_long, "short": is_short}
        pnl, pnlcomm, barlen = trade.pnl, trade.pnlcomm, trade.barlen

        _add(rets.total, "open", -1)
        closed = _add(rets.total, "closed", 1)

        for name, flag in flags.items():
            streak = rets.streak[name]
            streak.current = streak.get("current", 0) * flag + flag
            streak.longest = max(streak.get("longest") or 0, streak.current)

        gross = _add(rets.pnl.gross, "total", pnl)
        rets.pnl.gross.average = gross / closed
        net = _add(rets.pnl.net, "total", pnlcomm)
        rets.pnl.net.average = net / closed

        for name, flag in flags.items():
            node = rets[name]
            count = _add(node, "total", flag)
            amount = pnlcomm * flag
            total = _add(node.pnl, "total", amount)
            node.pnl.average = total / (count or 1.0)
            best = node.pnl.get("max") or 0.0
            node.pnl.max = max(best, amount) if name == "won" else min(best, amount)

        for side, in_side in sides.items():
            node = rets[side]
            count = _add(node, "total", in_side)
            total = _add(node.pnl, "total", pnlcomm * in_side)
            node.pnl.average = total / (count or 1.0)
            for name, flag in flags.items():
                amount = pnlcomm * flag * in_side
                side_count = _add(node, name, flag * in_side)
                sub = node.pnl[name]
                sub_total = _add(sub, "total", amount)
                sub.average = sub_total / (side_count or 1.0)
                best = sub.get("max") or 0.0
                sub.max = max(best, amount) if name == "won" else min(best, amount)

        length = rets.len
        len_total = _add(length, "total", barlen)
        length.average = len_total / closed
        length.max = max(length.get("max") or 0, barlen)
        length.min = min(length.get("min") or MAXINT, barlen)

        for name, flag in flags.items():
            node = length[name]
            bars = barlen * flag
            total = _add(node, "total", bars)
            node.average = total / (rets[name].total or 1.0)
            node.max = max(node.get("max") or 0, bars)
            if bars:
                node.min = min(node.get("min") or MAXINT, bars)

        for side, in_side in sides.items():
            node = length[side]
            bars = barlen * in_side
            total = _add(node, "total", bars)
            node.average = total / (rets[side].total or 1.0)
            node.max = max(node.get("max") or 0, bars)
            current_min = node.get("min") or MAXINT
            node.min = min(current_min, bars or current_min)
            for name, flag in flags.items():
                sub = node[name]
                bars2 = barlen * in_side * flag
                total2 = _add(sub, "total", bars2)
                sub.average = total2 / (rets[side][name] or 1.0)
                sub.max = max(sub.get("max") or 0, bars2)
                current = sub.get("min") or MAXINT
                sub.min = min(current, bars2 or current)
