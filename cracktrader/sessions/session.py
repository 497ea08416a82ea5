"""``ct.exchange(name, **options) -> ExchangeSession``: configure a venue once, then ask
it for feeds and brokers (D-505).

A session resolves ``name`` through ``EXCHANGE_REGISTRY`` (its spec may name an
``ExchangeSession`` subclass), builds or reuses the venue's cached ``ct.Store``, and
remembers defaults (mode, timeframe, granularity, feed and broker options) for the
feeds and brokers it builds. It never wires a ``Cerebro`` behind the user's back:
``feed()``, ``feeds()`` and ``broker()`` return objects; ``cerebro()`` is a convenience
that returns a new ``Cerebro`` already holding a broker of the session and the venue
name. ``close()`` stops the session's live feeds and closes its store.

Options: ``mode`` (``backtest`` | ``paper`` (default) | ``live`` | ``sandbox``),
``sandbox`` (bool), ``timeframe`` ("1m"), ``granularity``, ``feed_options`` and
``broker_options`` (dicts of defaults), ``store_options`` (dict, see ``ct.Store``) or
the store keys themselves (``config``, ``client``, ``clock``, ``venue``,
``credentials_env``). Credentials are refused: they come from the environment (D-502).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from cracktrader.sessions.credentials import refuse_credentials
from cracktrader.sessions.factories import Feed, make_broker, resolve_mode
from cracktrader.sessions.registry import ExchangeSpec, resolve_exchange
from cracktrader.sessions.store import STORE_OPTIONS, Store

# LiveBroker options that a paper or backtest broker of the same session does not take
LIVE_ONLY_OPTIONS = frozenset({"quote", "poll_interval_s", "ack_timeout_s", "since_margin_s", "producer",
                               "client_order_id", "order_params", "check_credentials"})
_SESSION_OPTIONS = ("mode", "sandbox", "timeframe", "granularity", "feed_options", "broker_options",
                    "store_options", *[key for key in STORE_OPTIONS if key != "sandbox"])


class ExchangeSession:
    """One venue, configured once (see the module docstring)."""

    def __init__(self, spec: ExchangeSpec, *, mode: str = "paper", sandbox: bool | None = None,
                 timeframe: str = "1m", granularity: str | None = None, feed_options: Mapping[str, Any] | None = None,
                 broker_options: Mapping[str, Any] | None = None, store_options: Mapping[str, Any] | None = None,
                 **store_keys: Any) -> None:
        unknown = sorted(set(store_keys) - set(STORE_OPTIONS))
        if unknown:
            raise TypeError(f"ct.exchange() got unknown options: {', '.join(unknown)}")
        self.spec = spec
        self.name = spec.name
        self.mode, self.sandbox = resolve_mode(mode, sandbox)
        if self.sandbox and self.mode == "backtest":
            raise ValueError("a backtest session has no sandbox")
        self.timeframe = timeframe
        self.granularity = granularity
        self.feed_options = dict(feed_options or {})
        self.broker_options = dict(broker_options or {})
        refuse_credentials(self.broker_options, where="broker_options", name=self.name)
        options = {**dict(store_options or {}), **store_keys}
        refuse_credentials(options.get("config"), where="config", name=self.name)
        options.pop("sandbox", None)
        self._store = Store(self.name, sandbox=self.sandbox, **options)
        self._feeds: list[Any] = []
        self._brokers: list[Any] = []
        self.closed = False

    # ------------------------------------------------------------- objects
    @property
    def store(self) -> Store:
        """The venue's shared store (client, sandbox flag, venue name, clock)."""
        return self._store

    @property
    def venue(self) -> str:
        """The venue name of the session's events."""
        return self._store.venue

    @property
    def mode_name(self) -> str:
        """``backtest``, ``paper``, ``live`` or ``sandbox``."""
        return "sandbox" if self.mode == "live" and self.sandbox else self.mode

    def _check_open(self) -> None:
        if self.closed:
            raise RuntimeError(f"the {self.name} session is closed")

    def feed(self, **kwargs: Any) -> Any:
        """A data feed on this venue with the session's defaults (``ct.Feed``'s options;
        ``symbol=`` is required). Backtest sessions give history feeds, the others live
        feeds."""
        self._check_open()
        options = {"timeframe": self.timeframe, "granularity": self.granularity,
                   "mode": "backtest" if self.mode == "backtest" else self.mode_name,
                   **self.feed_options, **kwargs}
        feed = Feed(store=self._store, **options)
        self._feeds.append(feed)
        return feed

    def feeds(self, descriptors: Iterable[Any]) -> list[Any]:
        """One feed per descriptor: a symbol string or a mapping of ``feed()`` options."""
        out = []
        for descriptor in descriptors:
            if isinstance(descriptor, str):
                out.append(self.feed(symbol=descriptor))
            elif isinstance(descriptor, Mapping):
                out.append(self.feed(**dict(descriptor)))
            else:
                raise TypeError(f"a feed descriptor is a symbol or a mapping of options, not {descriptor!r}")
        return out

    def broker(self, *, mode: str | None = None, **kwargs: Any) -> Any:
        """A broker of the session's mode (or ``mode``), sharing the session's store."""
        self._check_open()
        chosen = self.mode_name if mode is None else mode
        defaults = self.broker_options
        if resolve_mode(chosen, None)[0] != "live":  # the live-only defaults do not apply
            defaults = {key: value for key, value in defaults.items() if key not in LIVE_ONLY_OPTIONS}
        options = {**defaults, **kwargs}
        if resolve_mode(chosen, None)[0] == "backtest":
            broker = make_broker("backtest", **options)
        else:
            broker = make_broker(chosen, store=self._store, **options)
        self._brokers.append(broker)
        return broker

    def cerebro(self, **kwargs: Any) -> Any:
        """A new ``ct.Cerebro`` using this venue's name and a broker of the session."""
        from cracktrader.strategy.cerebro import Cerebro

        self._check_open()
        kwargs.setdefault("venue", self.venue)
        cerebro = Cerebro(**kwargs)
        cerebro.setbroker(self.broker())
        return cerebro

    # ----------------------------------------------------------- lifecycle
    def close(self) -> None:
        """Stop the session's live feeds and close its store; idempotent."""
        if self.closed:
            return
        self.closed = True
        for feed in self._feeds:
            stop = getattr(feed, "request_stop", None)
            if callable(stop):
                stop()
        self._store.close()

    def summary(self) -> dict[str, Any]:
        """What the session is and holds, as plain data (no secret, no state change)."""
        feeds = []
        for feed in self._feeds:
            stats = getattr(feed, "stats", None)
            entry = {"symbol": getattr(feed, "symbol", None), "live": feed.islive(), "bars": feed.buflen()}
            if callable(stats):
                entry["stats"] = stats()
            feeds.append(entry)
        brokers = []
        for broker in self._brokers:
            describe = getattr(broker, "summary", None)
            brokers.append(describe() if callable(describe) else {"mode": broker.mode_name})
        return {
            "exchange": self.name,
            "mode": self.mode_name,
            "sandbox": self.sandbox,
            "venue": self.venue,
            "timeframe": self.timeframe,
            "granularity": self.granularity,
            "closed": self.closed,
            "store": self._store.summary(),
            "feeds": feeds,
            "brokers": brokers,
        }

    def __enter__(self) -> ExchangeSession:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<ExchangeSession {self.name} mode={self.mode_name}{' closed' if self.closed else ''}>"


def exchange(name: str, **options: Any) -> ExchangeSession:
    """A session on exchange ``name`` (registered or a CCXT id); see the module docstring."""
    if not isinstance(name, str):
        raise TypeError("ct.exchange() takes an exchange name; pass a client object as client=")
    refuse_credentials(options, where="ct.exchange()", name=name.strip().lower())
    unknown = sorted(set(options) - set(_SESSION_OPTIONS))
    if unknown:
        raise TypeError(f"ct.exchange() got unknown options: {', '.join(unknown)} (known: {', '.join(_SESSION_OPTIONS)})")
    spec = resolve_exchange(name)
    cls = spec.session_cls or ExchangeSession
    return cls(spec, **options)
