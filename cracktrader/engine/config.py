"""Core configuration: mode, starting cash, commission, late policy, risk limits.

Twin of ``cracktrader_rust/src/engine/config.rs``. Misconfiguration is misuse, so it
raises ``InvalidConfig`` (never a refused result).
"""

from __future__ import annotations

from typing import Any

from cracktrader.engine.errors import CracktraderError, InvalidConfig
from cracktrader.engine.numbers import format_decimal, parse_decimal

MODES = ("simulated", "external")
LATE_POLICIES = ("reject", "accept")
DEFAULTS: dict[str, Any] = {
    "mode": "simulated",
    "starting_cash": "100000",
    "commission_rate": "0",
    "late_policy": "reject",
    "max_order_qty": None,
    "max_notional": None,
    "allow_short": True,
}


class CoreConfig:
    __slots__ = (
        "mode",
        "simulated",
        "starting_cash",
        "commission_rate",
        "late_policy",
        "max_order_qty",
        "max_notional",
        "allow_short",
    )

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        if config is None:
            config = {}
        if not isinstance(config, dict):
            raise InvalidConfig("config must be a dict")
        unknown = sorted(str(key) for key in config if key not in DEFAULTS)
        if unknown:
            raise InvalidConfig(f"unknown config keys: {', '.join(unknown)}; known: {', '.join(DEFAULTS)}")
        merged = {**DEFAULTS, **config}
        self.mode = _choice(merged, "mode", MODES)
        self.simulated = self.mode == "simulated"
        self.late_policy = _choice(merged, "late_policy", LATE_POLICIES)
        self.starting_cash = _decimal(merged, "starting_cash")
        self.commission_rate = _decimal(merged, "commission_rate")
        if self.commission_rate < 0:
            raise InvalidConfig("commission_rate must be >= 0")
        self.max_order_qty = _decimal_or_none(merged, "max_order_qty")
        self.max_notional = _decimal_or_none(merged, "max_notional")
        allow_short = merged["allow_short"]
        if allow_short is not True and allow_short is not False:
            raise InvalidConfig("allow_short must be a boolean")
        self.allow_short = allow_short

    def to_dict(self) -> dict[str, Any]:
        """Canonical form (the ``config`` of a snapshot)."""
        return {
            "mode": self.mode,
            "starting_cash": format_decimal(self.starting_cash),
            "commission_rate": format_decimal(self.commission_rate),
            "late_policy": self.late_policy,
            "max_order_qty": None if self.max_order_qty is None else format_decimal(self.max_order_qty),
            "max_notional": None if self.max_notional is None else format_decimal(self.max_notional),
            "allow_short": self.allow_short,
        }


def _choice(config: dict[str, Any], key: str, allowed: tuple[str, ...]) -> str:
    value = config[key]
    if type(value) is not str or value not in allowed:
        raise InvalidConfig(f"{key} must be one of {', '.join(allowed)}; got {value!r}")
    return value


def _decimal(config: dict[str, Any], key: str) -> int:
    try:
        return parse_decimal(config[key])
    except CracktraderError as exc:
        raise InvalidConfig(f"{key}: {exc}") from None


def _decimal_or_none(config: dict[str, Any], key: str) -> int | None:
    if config[key] is None:
        return None
    value = _decimal(config, key)
    if value <= 0:
        raise InvalidConfig(f"{key} must be > 0 or null")
    return value
