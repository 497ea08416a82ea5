"""``module:Class`` strategy specs, resolved only inside configured directories.

A spec never names a file: ``module`` is a dotted Python identifier, mapped to
``<root>/a/b.py`` or ``<root>/a/b/__init__.py`` under each configured root in turn; the
resolved (symlink-free) path must still lie inside that root. Nothing is imported by
name from ``sys.path``, so ``os:system`` or an installed package can never be loaded as
a strategy (D-464). The daemon resolves; only the worker process imports.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

SPEC_RE = re.compile(
    r"(?P<module>[A-Za-z_][A-Za-z0-9_]{0,63}(?:\.[A-Za-z_][A-Za-z0-9_]{0,63}){0,7})"
    r":(?P<cls>[A-Za-z_][A-Za-z0-9_]{0,127})"
)


class StrategySpecError(ValueError):
    """The spec is not of the form ``module:Class`` (dotted identifiers)."""


class StrategyNotFound(LookupError):
    """No configured strategy directory holds the module."""


class StrategyLoadError(ImportError):
    """The module was found but importing it or finding the class failed."""


@dataclass(frozen=True)
class StrategyRef:
    """A resolved strategy: the file to load and the class to take from it."""

    spec: str
    module: str
    cls: str
    path: str
    root: str


def parse(spec: str) -> tuple[str, str]:
    match = SPEC_RE.fullmatch(spec) if isinstance(spec, str) else None
    if match is None:
        raise StrategySpecError("a strategy is given as module:Class, e.g. examples:SmaCross")
    return match["module"], match["cls"]


MODULE_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}(?:\.[A-Za-z_][A-Za-z0-9_]{0,63}){0,7}")


def resolve_module(module: str, roots: Sequence[str | Path]) -> StrategyRef:
    """A bare module (a venue module, D-579) inside one of ``roots``; ``cls`` is empty."""
    if not isinstance(module, str) or MODULE_RE.fullmatch(module) is None:
        raise StrategySpecError(f"a module is a dotted Python name, not {module!r}")
    ref = resolve(f"{module}:_", roots)
    return StrategyRef(module, ref.module, "", ref.path, ref.root)


def resolve(spec: str, roots: Sequence[str | Path]) -> StrategyRef:
    """The file of ``spec`` inside one of ``roots`` (first root wins)."""
    module, cls = parse(spec)
    parts = module.split(".")
    for root in roots:
        root_path = Path(root).resolve()
        if not root_path.is_dir():
            continue
        for candidate in (root_path.joinpath(*parts[:-1], parts[-1] + ".py"), root_path.joinpath(*parts, "__init__.py")):
            real = candidate.resolve()
            if real.is_file() and real.is_relative_to(root_path):
                return StrategyRef(spec, module, cls, str(real), str(root_path))
    raise StrategyNotFound(f"no strategy module {module!r} in the configured strategy paths")


def load_module(ref: StrategyRef) -> Any:
    """Import the module of ``ref`` from its file (in the worker process only)."""
    digest = hashlib.sha256(ref.path.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    name = f"_cracktrader_strategy_{digest}_{ref.module.replace('.', '_')}"
    # The strategy's own directory is appended (never prepended) so a sibling helper
    # module imports, and no strategy file can shadow the standard library.
    if ref.root not in sys.path:
        sys.path.append(ref.root)
    try:
        spec = importlib.util.spec_from_file_location(name, ref.path)
        if spec is None or spec.loader is None:
            raise StrategyLoadError(f"cannot load {ref.path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    except StrategyLoadError:
        raise
    except Exception as exc:
        sys.modules.pop(name, None)
        raise StrategyLoadError(f"importing {ref.module} failed: {type(exc).__name__}: {exc}") from exc
    return module


def load_class(ref: StrategyRef) -> type:
    """Import the module from its file (in the worker process) and return the class."""
    module = load_module(ref)
    cls = getattr(module, ref.cls, None)
    if not isinstance(cls, type):
        raise StrategyLoadError(f"{ref.module} has no class {ref.cls}")
    return cls
