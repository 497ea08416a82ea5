"""Data feeds for strategies (``ct.feeds``), Backtrader style.

- ``GenericCSVData``: CSV files with Backtrader's column mapping
- ``InMemoryData``: rows or columns of Python values
- ``PandasData``: a pandas DataFrame (pandas only needed to build the frame)
- ``SyntheticData``: seeded synthetic bars (same bars on every machine)
- ``CCXTOHLCVData``: CCXT OHLCV, offline from recorded payloads (network only on request)
- ``DataFeed``: the base class (validation, preload or bar-by-bar loading)

Names are imported lazily so ``import cracktrader.feeds`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "DataFeed": "cracktrader.feeds.datafeed",
    "DataBase": "cracktrader.feeds.datafeed",
    "GenericCSVData": "cracktrader.feeds.csvdata",
    "InMemoryData": "cracktrader.feeds.memory",
    "PandasData": "cracktrader.feeds.memory",
    "SyntheticData": "cracktrader.feeds.synthetic",
    "CCXTOHLCVData": "cracktrader.feeds.ccxtdata",
}
_ALIASES = {"DataBase": "DataFeed"}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'cracktrader.feeds' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), _ALIASES.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = sorted(_LAZY)
