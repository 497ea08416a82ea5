"""The public factories: ``ct.Feed(...)`` and ``ct.Broker(mode=...)`` (D-500).

Modes (docs/sessions.md, docs/mode_divergence_ledger.md):

| mode | feed | broker | core |
| --- | --- | --- | --- |
| ``backtest`` | history: a recording (``path=``/``payloads=``) or ``fetch_ohlcv`` pages | ``BacktestBroker`` | simulated |
| ``paper`` | live bars (``LiveFeed``) | ``PaperBroker`` | simulated, fed by live bars |
| ``live`` | live bars | ``LiveBroker``: orders through CCXT | external, driven by venue reports |
| ``sandbox`` | live bars from the test venue | ``LiveBroker`` on a sandbox store | external |

``sandbox`` is ``live`` on a store built with ``sandbox=True``; both ``mode="sandbox"``
and ``mode="live", sandbox=True`` ask for it.
"""

from __future__ import annotations

from typing import Any

from cracktrader.sessions.registry import normalize_name
from cracktrader.sessions.store import STORE_OPTIONS, Store

MODES = ("backtest", "paper", "live", "sandbox")
_HISTORY_KEYS = ("path", "payloads", "allow_network", "since", "limit", "max_pages", "record_to")
_LIVE_KEYS = ("poll_interval_s", "close_grace_ms", "limit", "since", "backfill", "max_bars", "until_ms", "feed_backend")
_COMMON_FEED_KEYS = ("name", "instrument", "timeframe_ms", "fromdate", "todate", "compression")


def resolve_mode(mode: Any, sandbox: Any) -> tuple[str, bool]:
    """``(mode, sandbox)`` with ``sandbox`` folded into ``live``; errors for nonsense."""
    if not isinstance(mode, str) or mode.strip().lower() not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    mode = mode.strip().lower()
    if sandbox is not None and not isinstance(sandbox, bool):
        raise TypeError("sandbox must be True or False")
    if mode == "sandbox":
        if sandbox is False:
            raise ValueError("mode='sandbox' contradicts sandbox=False")
        return "live", True
    if sandbox and mode != "live" and mode != "paper":
        raise ValueError("sandbox=True selects a venue's test environment: use mode='live' (or 'paper' for its data)")
    return mode, bool(sandbox)


def resolve_store(exchange: Any, store: Any, sandbox: bool, store_options: dict[str, Any] | None,
                  *, required: bool, what: str) -> Store | None:
    """The store to use: ``store`` (checked against ``exchange``/``sandbox``), else
    ``Store(exchange, sandbox=..., **store_options)``, else None (or an error when one is
    ``required``)."""
    if store is not None:
        if not isinstance(store, Store):
            raise TypeError(f"store must be a ct.Store, not {type(store).__name__}")
        if store.closed:
            raise ValueError(f"{store!r} is closed")
        if isinstance(exchange, str) and normalize_name(exchange) != store.name:
            raise ValueError(f"exchange {exchange!r} does not match the store's exchange {store.name!r}")
        if sandbox and not store.sandbox:
            raise ValueError("sandbox=True but the store is not in sandbox mode")
        if store_options:
            raise ValueError("store options apply only when the store is built here; the store was given")
        return store
    if exchange is None:
        if required:
            raise ValueError(f"{what} needs exchange= (a name or a client) or store=")
        if sandbox:
            raise ValueError("sandbox=True needs exchange= or store=")
        return None
    options = dict(store_options or {})
    if "sandbox" in options and options.pop("sandbox") != sandbox:
        raise ValueError("store_options['sandbox'] contradicts sandbox=")
    return Store(exchange, sandbox=sandbox, **options)


def _split_store_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Pop ``store_options`` and top-level store keys (``config``, ``client``...)."""
    options = dict(kwargs.pop("store_options", None) or {})
    for key in STORE_OPTIONS:
        if key != "sandbox" and key in kwargs:
            options[key] = kwargs.pop(key)
    return options


def Feed(*, symbol: str | None = None, exchange: Any = None, store: Any = None, timeframe: str = "1m",  # noqa: N802 - public factory name
         granularity: str | None = None, **kwargs: Any) -> Any:
    """A data feed for ``symbol`` on an exchange (D-500).

    ``mode`` (keyword): ``backtest`` gives ``ct.feeds.CCXTOHLCVData`` over a recording
    (``path=``, ``payloads=``) or over ``fetch_ohlcv`` pages (``allow_network=True``,
    ``since=``); ``paper``, ``live`` and ``sandbox`` give a ``LiveFeed`` polling the
    venue. Without ``mode``, a recording or ``allow_network`` means ``backtest`` and
    anything else ``paper`` (live data, the same default as ``ct.Broker``).
    ``granularity``: ``"ohlcv"`` (candles; the only choice for history) or ``"trades"``
    (live trades aggregated into candles; the live default when the venue serves
    ``fetchTrades``). ``store`` or ``exchange`` (+ ``sandbox=``, ``store_options=``,
    ``config=``, ``client=``, ``clock=``) says where; a recording needs neither.
    """
    if not isinstance(symbol, str) or not symbol:
        raise ValueError("Feed() needs symbol= (a venue symbol such as 'BTC/USDT')")
    sandbox = kwargs.pop("sandbox", None)
    store_options = _split_store_options(kwargs)
    mode = kwargs.pop("mode", None)
    if mode is None:
        history = any(kwargs.get(key) is not None for key in ("path", "payloads")) or kwargs.get("allow_network")
        mode = "backtest" if history else "paper"
    mode, sandbox = resolve_mode(mode, sandbox)
    if mode == "backtest":
        return _history_feed(symbol, exchange, store, timeframe, granularity, sandbox, store_options, kwargs)
    for key in ("path", "payloads", "allow_network", "record_to", "max_pages"):
        if key in kwargs:
            raise ValueError(f"{key}= is for history: use mode='backtest' (a {mode} feed polls the venue)")
    resolved = resolve_store(exchange, store, sandbox, store_options, required=True, what=f"a {mode} feed")
    if granularity is None:
        granularity = "trades" if resolved.has("fetchTrades") or not resolved.has("fetchOHLCV") else "ohlcv"
    unknown = sorted(set(kwargs) - set(_LIVE_KEYS) - set(_COMMON_FEED_KEYS))
    if unknown:
        raise TypeError(f"Feed() got unknown options for a {mode} feed: {', '.join(unknown)}")
    from cracktrader.sessions.livefeed import LiveFeed

    return LiveFeed(store=resolved, symbol=symbol, ccxt_timeframe=timeframe, granularity=granularity, **kwargs)


def _history_feed(symbol: str, exchange: Any, store: Any, timeframe: str, granularity: str | None, sandbox: bool,
                  store_options: dict[str, Any], kwargs: dict[str, Any]) -> Any:
    from cracktrader.feeds.ccxtdata import CCXTOHLCVData

    if granularity not in (None, "ohlcv"):
        raise ValueError("a backtest feed reads OHLCV history: granularity must be 'ohlcv' (or None)")
    unknown = sorted(set(kwargs) - set(_HISTORY_KEYS) - set(_COMMON_FEED_KEYS))
    if unknown:
        raise TypeError(f"Feed() got unknown options for a backtest feed: {', '.join(unknown)}")
    needs_venue = bool(kwargs.get("allow_network"))
    resolved = resolve_store(exchange, store, sandbox, store_options, required=needs_venue, what="a network backtest feed")
    if resolved is not None:
        kwargs["exchange"] = resolved.client
    feed = CCXTOHLCVData(dataname=symbol, ccxt_timeframe=timeframe, **kwargs)
    feed.symbol = symbol
    feed.store = resolved
    return feed


def make_broker(mode: str = "paper", exchange: Any = None, store: Any = None, **kwargs: Any) -> Any:
    """The broker of ``mode`` (what ``ct.Broker(...)`` returns; D-500).

    ``backtest`` and ``paper``: the simulated broker (``cash``, ``commission``,
    ``allow_short``, ``max_order_qty``, ``max_notional``); ``paper`` keeps the store for
    diagnostics. ``live`` / ``sandbox``: a ``LiveBroker`` on the store (needs
    ``exchange=`` or ``store=``), with the live options of ``LiveBroker``.
    """
    sandbox = kwargs.pop("sandbox", None)
    store_options = _split_store_options(kwargs)
    mode, sandbox = resolve_mode(mode, sandbox)
    if mode == "backtest":
        from cracktrader.strategy.broker import BacktestBroker

        if exchange is not None or store is not None or store_options or sandbox:
            raise ValueError("a backtest broker runs on the core alone: drop exchange=/store=/sandbox=")
        return BacktestBroker(**kwargs)
    resolved = resolve_store(exchange, store, sandbox, store_options, required=mode == "live", what="a live broker")
    if mode == "paper":
        from cracktrader.sessions.brokers import PaperBroker

        return PaperBroker(store=resolved, **kwargs)
    from cracktrader.sessions.live import LiveBroker

    return LiveBroker(resolved, **kwargs)
