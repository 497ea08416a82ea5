"""An SMA crossover backtest on cracktrader, written as a Backtrader user would write it.

    python examples/sma_cross.py                  # seeded synthetic bars, python core
    python examples/sma_cross.py --backend rust   # same run on the rust core
    python examples/sma_cross.py --csv bars.csv --dtformat %Y-%m-%d   # your own OHLCV CSV

Prints every closed trade, a short analysis and the final value. The backend changes
the speed, never the trades: compare the intent hash printed at the end.
"""

from __future__ import annotations

import argparse
import sys

import cracktrader as ct


class SmaCross(ct.Strategy):
    """Buy when the fast SMA crosses above the slow one; close when it crosses below."""

    params = (("fast", 10), ("slow", 30), ("stake", 10))

    def __init__(self):
        fast = ct.ind.SMA(self.data.close, period=self.p.fast)
        slow = ct.ind.SMA(self.data.close, period=self.p.slow)
        self.crossover = ct.ind.CrossOver(fast, slow)

    def notify_trade(self, trade):
        if trade.isclosed:
            print(f"{trade.close_datetime():%Y-%m-%d %H:%M}  closed {'long' if trade.long else 'short'} "
                  f"after {trade.barlen:>3} bars  pnl {trade.pnl:>9.2f}  net {trade.pnlcomm:>9.2f}")

    def next(self):
        if not self.position:
            if self.crossover > 0:
                self.buy(size=self.p.stake)
        elif self.crossover < 0:
            self.close()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="SMA crossover backtest on cracktrader.")
    parser.add_argument("--backend", choices=("python", "rust"), default=None,
                        help="core backend (default: python, or CRACKTRADER_BACKEND)")
    parser.add_argument("--bars", type=int, default=2000, help="synthetic bars (default 2000)")
    parser.add_argument("--seed", type=int, default=42, help="synthetic data seed (default 42)")
    parser.add_argument("--csv", help="read bars from this CSV instead (date,open,high,low,close,volume)")
    parser.add_argument("--dtformat", default="%Y-%m-%d %H:%M:%S", help="strptime format of the CSV dates")
    parser.add_argument("--fast", type=int, default=10, help="fast SMA period (default 10)")
    parser.add_argument("--slow", type=int, default=30, help="slow SMA period (default 30)")
    parser.add_argument("--stake", type=float, default=10, help="units per trade (default 10)")
    parser.add_argument("--cash", type=float, default=10000.0, help="starting cash (default 10000)")
    parser.add_argument("--commission", type=float, default=0.001, help="commission rate (default 0.001)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    cerebro = ct.Cerebro(engine_backend=args.backend)
    if args.csv:
        data = ct.feeds.GenericCSVData(dataname=args.csv, dtformat=args.dtformat, openinterest=-1)
        name = "CSV"
    else:
        data = ct.feeds.SyntheticData(seed=args.seed, bars=args.bars, timeframe=ct.TimeFrame.Minutes)
        name = "SYNTH"
    cerebro.adddata(data, name=name)
    cerebro.broker.setcash(args.cash)
    cerebro.broker.setcommission(commission=args.commission)
    cerebro.addstrategy(SmaCross, fast=args.fast, slow=args.slow, stake=args.stake)
    cerebro.addanalyzer(ct.analyzers.TradeAnalyzer, _name="trades")
    cerebro.addanalyzer(ct.analyzers.DrawDown, _name="drawdown")
    cerebro.addanalyzer(ct.analyzers.Returns, _name="returns")

    print(f"starting value {cerebro.broker.getvalue():.2f} on the {cerebro.engine.backend} core")
    try:
        strategy = cerebro.run()[0]
    except ct.BackendUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    trades = strategy.analyzers.trades.get_analysis()
    drawdown = strategy.analyzers.drawdown.get_analysis()
    result = cerebro.run_result
    closed = trades.total.get("closed", 0)
    won = trades.get("won", {}).get("total", 0)
    print(f"closed trades {closed} (won {won}), max drawdown {drawdown.max.drawdown:.2f}%")
    print(f"bars {result.steps}, rejected rows {sum(len(v) for v in result.rejected_rows.values())}")
    print(f"final value {cerebro.broker.getvalue():.2f} (exact: {result.final_value})")
    print(f"intent hash {result.intent_hash}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
