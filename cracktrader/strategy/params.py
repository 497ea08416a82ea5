"""Backtrader-style ``params``: declared on a class, inherited, overridden by keywords.

A class declares ``params = (("period", 14), ...)`` (or a dict); subclasses inherit the
declarations of their bases and may override defaults. An instance gets ``self.params``
(alias ``self.p``) holding the values, where keyword arguments of the constructor that
name a parameter replace its default. ``MetaParams.__call__`` splits the keywords so
that ``__init__`` only receives the ones that are not parameters, like Backtrader.
"""

from __future__ import annotations

from typing import Any


class Params:
    """The parameter values of one instance (attribute access, Backtrader helpers)."""

    _defaults: dict[str, Any] = {}

    def __init__(self, **values: Any) -> None:
        for name, default in self._defaults.items():
            setattr(self, name, values.pop(name, default))
        if values:
            raise TypeError(f"unknown parameters: {', '.join(sorted(values))}")

    @classmethod
    def _getkeys(cls) -> list[str]:
        """Parameter names in declaration order."""
        return list(cls._defaults)

    @classmethod
    def _getdefaults(cls) -> list[Any]:
        """Default values in declaration order."""
        return list(cls._defaults.values())

    @classmethod
    def _getpairs(cls) -> dict[str, Any]:
        """``{name: default}`` in declaration order."""
        return dict(cls._defaults)

    def _getkwargs(self) -> dict[str, Any]:
        """``{name: value}`` of this instance."""
        return {name: getattr(self, name) for name in self._defaults}

    def isdefault(self, name: str) -> bool:
        """Whether parameter ``name`` still has its default value."""
        return getattr(self, name) == self._defaults[name]

    def notdefault(self, name: str) -> bool:
        """Whether parameter ``name`` was given a non-default value."""
        return not self.isdefault(name)

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._defaults)
        return f"Params({inner})"


def _declared(params: Any) -> list[tuple[str, Any]]:
    """Normalise a ``params`` declaration (tuple of pairs, dict, or a Params class)."""
    if params is None:
        return []
    if isinstance(params, type) and issubclass(params, Params):
        return list(params._defaults.items())
    if isinstance(params, dict):
        return list(params.items())
    out = []
    for item in params:
        if isinstance(item, str):
            out.append((item, None))
        else:
            name, default = item
            out.append((name, default))
    return out


class MetaParams(type):
    """Collects ``params`` over the class hierarchy and builds ``cls.params``."""

    def __new__(meta, name: str, bases: tuple[type, ...], dct: dict[str, Any]):
        own = _declared(dct.pop("params", None))
        cls = super().__new__(meta, name, bases, dct)
        defaults: dict[str, Any] = {}
        for base in reversed(cls.__mro__[1:]):
            base_params = base.__dict__.get("params")
            if isinstance(base_params, type) and issubclass(base_params, Params):
                defaults.update(base_params._defaults)
        defaults.update(own)
        cls.params = type(f"{name}Params", (Params,), {"_defaults": defaults})
        return cls

    def _split_params(cls, kwargs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        names = cls.params._defaults
        pkw = {key: value for key, value in kwargs.items() if key in names}
        rest = {key: value for key, value in kwargs.items() if key not in names}
        return pkw, rest
