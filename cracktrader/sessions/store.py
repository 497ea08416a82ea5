"""``ct.Store(exchange, **kwargs)``: one venue connection, shared by feeds and brokers.

A store holds the CCXT client of one exchange (built from the registry, D-501), its
sandbox flag, the credentials read from the environment (D-502), the venue name used
in engine events, and the session clock. Stores are cached: the same exchange name
with the same configuration (and the same credentials in the environment) gives the
same ``Store`` object, so every feed and broker of a venue shares one client and one
rate limiter. ``close()`` releases the client and forgets the cached store.

Keyword arguments (anything else is a ``TypeError``):

- ``sandbox`` (bool): CCXT's ``set_sandbox_mode(True)`` (the venue's test environment);
  refused for a venue CCXT knows no test URL for.
- ``config`` (dict): CCXT constructor options merged over the registry's defaults
  (``timeout``, ``options``...). Credentials are refused here.
- ``client``: a ready client object (a ccxt instance, an adapter, a test fake) used as
  is instead of building one; ``exchange`` then only names it.
- ``venue`` (str): the venue name; default the exchange name.
- ``clock``: the time source (``now_ms()``, ``sleep(s)``); default the wall clock.
- ``credentials_env`` (str): the environment variable prefix (default
  ``CRACKTRADER_<NAME>_``, ``CRACKTRADER_<NAME>_SANDBOX_`` in sandbox mode).

Building a store makes no network call (CCXT clients connect lazily).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
from typing import Any

from cracktrader.sessions.clock import WallClock
from cracktrader.sessions.credentials import fingerprint, read_credentials, refuse_credentials
from cracktrader.sessions.registry import ExchangeSpec, normalize_name, resolve_exchange

logger = logging.getLogger("cracktrader.sessions.store")

STORE_OPTIONS = ("sandbox", "config", "client", "venue", "clock", "credentials_env")


def _freeze(value: Any) -> Any:
    """A hashable stand-in for a config value (identity for objects that are not data)."""
    if isinstance(value, dict):
        return ("dict", tuple(sorted((str(k), _freeze(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return ("list", tuple(_freeze(v) for v in value))
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return ("object", id(value))


class Store:
    """One exchange connection (see the module docstring); cached per exchange and config."""

    _cache: dict[Any, Store] = {}
    _lock = threading.Lock()

    def __new__(cls, exchange: Any, **kwargs: Any) -> Store:
        unknown = sorted(set(kwargs) - set(STORE_OPTIONS))
        if unknown:
            refuse_credentials(dict.fromkeys(unknown), where="Store()",
                               name=exchange if isinstance(exchange, str) else None)
            raise TypeError(f"Store() got unknown options: {', '.join(unknown)} (known: {', '.join(STORE_OPTIONS)})")
        sandbox = kwargs.get("sandbox", False)
        if not isinstance(sandbox, bool):
            raise TypeError("sandbox must be True or False")
        config = dict(kwargs.get("config") or {})
        client = kwargs.get("client")
        if not isinstance(exchange, str):
            # an exchange object given directly: it is the client, its id names it
            client, exchange = exchange, str(getattr(exchange, "id", None) or type(exchange).__name__)
        name = normalize_name(exchange)
        refuse_credentials(config, where="Store(config=...)", name=name)
        venue = kwargs.get("venue") or name
        prefix = kwargs.get("credentials_env")
        clock = kwargs.get("clock")
        credentials = read_credentials(name, sandbox, prefix)
        key = (cls, name, sandbox, _freeze(config), None if client is None else id(client), venue,
               None if clock is None else id(clock), prefix, fingerprint(credentials))
        with cls._lock:
            cached = cls._cache.get(key)
            if cached is not None:
                return cached
            store = object.__new__(cls)
            store._setup(name, sandbox, config, client, venue, clock, prefix, credentials)
            store._key = key
            cls._cache[key] = store
        return store

    def _setup(self, name: str, sandbox: bool, config: dict[str, Any], client: Any, venue: str, clock: Any,
               prefix: str | None, credentials: dict[str, str]) -> None:
        self.name = name
        self.sandbox = sandbox
        self.venue = venue
        self.clock = clock if clock is not None else WallClock()
        self.credentials_env = prefix
        self._credential_keys = sorted(credentials)
        self.closed = False
        if client is not None:
            self.spec = ExchangeSpec(name=name, ccxt_id=getattr(client, "id", None))
            self.client = client
            if credentials:
                for key, value in credentials.items():
                    setattr(client, key, value)
        else:
            self.spec = resolve_exchange(name)
            merged = {**self.spec.options, **config, **credentials}
            self.client = self.spec.create_client(merged)
        if sandbox:
            self._enable_sandbox()

    def _enable_sandbox(self) -> None:
        client = self.client
        urls = getattr(client, "urls", None)
        if isinstance(urls, dict) and not urls.get("test"):
            raise ValueError(f"{self.name} has no sandbox (test environment) in ccxt: urls['test'] is not set")
        switch = getattr(client, "set_sandbox_mode", None)
        if not callable(switch):
            raise ValueError(f"the {self.name} client has no set_sandbox_mode(); it cannot run in sandbox mode")
        switch(True)

    # ----------------------------------------------------------------- reads
    @property
    def ccxt_id(self) -> str | None:
        """The CCXT exchange id (None for a custom factory's client)."""
        return self.spec.ccxt_id

    def has(self, feature: str) -> bool:
        """Whether the client declares ``feature`` (CCXT's ``has`` table)."""
        table = getattr(self.client, "has", None) or {}
        return bool(table.get(feature))

    def now_ms(self) -> int:
        """The session clock's time (epoch ms)."""
        return self.clock.now_ms()

    def credentials(self) -> dict[str, bool]:
        """Which credentials were found in the environment (never their values)."""
        return {key: True for key in self._credential_keys}

    def summary(self) -> dict[str, Any]:
        """Diagnostics as plain data (no secret, no state change)."""
        return {
            "exchange": self.name,
            "ccxt_id": self.ccxt_id,
            "venue": self.venue,
            "sandbox": self.sandbox,
            "closed": self.closed,
            "credentials": self.credentials(),
            "credentials_env": self.credentials_env,
            "client": type(self.client).__name__,
        }

    # ------------------------------------------------------------- lifecycle
    def close(self) -> None:
        """Close the client (when it has ``close``) and forget this store; idempotent."""
        if self.closed:
            return
        self.closed = True
        with Store._lock:
            if Store._cache.get(self._key) is self:
                del Store._cache[self._key]
        close = getattr(self.client, "close", None)
        if not callable(close):
            return
        try:
            result = close()
            if inspect.isawaitable(result):
                try:
                    asyncio.get_running_loop()
                except RuntimeError:
                    asyncio.run(_await(result))
                else:  # inside a running loop the caller must await the client's close itself
                    result.close() if inspect.iscoroutine(result) else None
                    logger.warning("store %s: an asynchronous client must be closed with 'await client.close()'",
                                   self.name)
        except Exception as exc:  # closing must not hide the run's own outcome
            logger.warning("store %s: closing the client failed: %s", self.name, exc)

    @classmethod
    def clear_cache(cls) -> None:
        """Forget every cached store (without closing them)."""
        with cls._lock:
            cls._cache.clear()

    def __repr__(self) -> str:
        mode = " sandbox" if self.sandbox else ""
        return f"<Store {self.name}{mode} venue={self.venue!r}{' closed' if self.closed else ''}>"


async def _await(awaitable: Any) -> Any:
    return await awaitable
