"""The exchange registry: names -> how to build a CCXT-like client and a session.

``EXCHANGE_REGISTRY`` maps a normalized name (lower case, surrounding blanks removed)
to an ``ExchangeSpec``. ``register_exchange`` adds entries, so an out-of-tree venue (or
a test's fake exchange) is reached through ``ct.Store`` / ``ct.exchange`` exactly like
the built-in ones. A name that is not registered but is a CCXT exchange id
(``ccxt.exchanges``) resolves to a plain CCXT spec, so every venue CCXT knows works
without registration (D-501).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping


def normalize_name(name: Any) -> str:
    """An exchange name as the registry keys it (``" Binance "`` -> ``"binance"``)."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"an exchange name is a non-empty string, not {name!r}")
    return name.strip().lower()


def import_ccxt() -> Any:
    """The ``ccxt`` module, or a clear error saying how to install it."""
    try:
        return importlib.import_module("ccxt")
    except ImportError as exc:  # pragma: no cover - ccxt is a dev dependency here
        raise ImportError('sessions over CCXT need the ccxt package: pip install "cracktrader[ccxt]"') from exc


@dataclass(frozen=True)
class ExchangeSpec:
    """How to reach one exchange.

    ``ccxt_id``: the CCXT class to build (``getattr(ccxt, ccxt_id)(config)``) when no
    ``factory`` is given; ``factory(config)`` builds the client otherwise (any object
    with CCXT's method names: a ccxt.pro instance, an in-house adapter, a test fake).
    ``options``: default CCXT config merged under the user's (never credentials).
    ``session_cls``: the ``ExchangeSession`` subclass ``ct.exchange`` builds (None: the
    default ``ExchangeSession``).
    """

    name: str
    ccxt_id: str | None = None
    factory: Callable[[dict[str, Any]], Any] | None = None
    session_cls: type | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""

    def create_client(self, config: dict[str, Any]) -> Any:
        """A new client object built from ``config`` (no network call is made)."""
        if self.factory is not None:
            return self.factory(dict(config))
        ccxt = import_ccxt()
        cls = getattr(ccxt, str(self.ccxt_id), None)
        if cls is None:
            raise ValueError(f"ccxt has no exchange {self.ccxt_id!r} (registered as {self.name!r})")
        return cls(dict(config))


EXCHANGE_REGISTRY: dict[str, ExchangeSpec] = {}

# Venues registered up front: the ones the recorded CCXT payloads of the tests come
# from, and a few large ones. Any other CCXT id resolves without registration.
_BUILTIN = ("binance", "bybit", "coinbase", "kraken", "okx", "bitstamp", "bitvavo", "gemini")
_DEFAULT_OPTIONS = {"enableRateLimit": True}


def register_exchange(name: str, *, ccxt_id: str | None = None, factory: Callable[[dict[str, Any]], Any] | None = None,
                      session_cls: type | None = None, options: Mapping[str, Any] | None = None,
                      description: str = "", replace: bool = False) -> ExchangeSpec:
    """Register (or, with ``replace=True``, re-register) an exchange under ``name``.

    Give ``factory`` to build the client yourself, else ``ccxt_id`` (default: the
    name) names the CCXT class. ``options`` are default CCXT config keys; credentials
    are refused here as everywhere (they come from the environment, D-502).
    Returns the spec stored in ``EXCHANGE_REGISTRY``.
    """
    from cracktrader.sessions.credentials import refuse_credentials

    key = normalize_name(name)
    if key in EXCHANGE_REGISTRY and not replace:
        raise ValueError(f"exchange {key!r} is already registered (pass replace=True to override it)")
    if factory is not None and not callable(factory):
        raise TypeError("factory must be callable: factory(config) -> client")
    if session_cls is not None:
        from cracktrader.sessions.session import ExchangeSession

        if not (isinstance(session_cls, type) and issubclass(session_cls, ExchangeSession)):
            raise TypeError("session_cls must be an ExchangeSession subclass")
    merged = dict(options or {})
    refuse_credentials(merged, where=f"register_exchange({key!r}) options")
    spec = ExchangeSpec(
        name=key,
        ccxt_id=None if factory is not None else (ccxt_id or key),
        factory=factory,
        session_cls=session_cls,
        options=merged,
        description=description,
    )
    EXCHANGE_REGISTRY[key] = spec
    return spec


def unregister_exchange(name: str) -> None:
    """Remove a registered exchange (no error when it is absent)."""
    EXCHANGE_REGISTRY.pop(normalize_name(name), None)


def resolve_exchange(name: str) -> ExchangeSpec:
    """The spec for ``name``: registered, else a plain CCXT exchange id, else an error."""
    key = normalize_name(name)
    spec = EXCHANGE_REGISTRY.get(key)
    if spec is not None:
        return spec
    ccxt = import_ccxt()
    if key in getattr(ccxt, "exchanges", ()):
        return ExchangeSpec(name=key, ccxt_id=key, options=dict(_DEFAULT_OPTIONS))
    raise ValueError(
        f"unknown exchange {key!r}: neither registered (EXCHANGE_REGISTRY: {', '.join(sorted(EXCHANGE_REGISTRY))}) "
        "nor a ccxt exchange id (ccxt.exchanges); register it with register_exchange()"
    )


for _name in _BUILTIN:
    register_exchange(_name, options=_DEFAULT_OPTIONS, description="CCXT")
del _name
