"""Backend selection: the one place that imports the compiled Rust module.

Tokens are ``"python"`` (the default, the reference) and ``"rust"`` (opt-in). The
environment variable ``CRACKTRADER_BACKEND`` changes the default. Asking for ``rust``
when the extension is not built raises ``BackendUnavailable`` with the build command;
the engine core never falls back silently (feeds may, see ``cracktrader.feeds``).
"""

from __future__ import annotations

import importlib
import importlib.machinery
import os
from types import ModuleType

from cracktrader.engine.errors import BackendUnavailable, InvalidConfig

PYTHON = "python"
RUST = "rust"
BACKENDS = (PYTHON, RUST)
ENV_VAR = "CRACKTRADER_BACKEND"
NATIVE_MODULE = "cracktrader._native"
BUILD_HINT = 'build it with: pip install -e ".[dev]"   (or: maturin develop --release)'

_native: ModuleType | None = None
_native_error: str | None = None


def default_backend() -> str:
    token = os.environ.get(ENV_VAR, PYTHON).strip().lower() or PYTHON
    return resolve_backend(token, from_env=True)


def resolve_backend(backend: str | None, *, from_env: bool = False) -> str:
    """Validate a backend token (``None`` means the default)."""
    if backend is None:
        return default_backend()
    token = str(backend).strip().lower()
    if token not in BACKENDS:
        where = f" (from {ENV_VAR})" if from_env else ""
        raise InvalidConfig(
            f"unknown backend {backend!r}{where}; choose one of: {', '.join(BACKENDS)}"
        )
    return token


def _load_native() -> ModuleType | None:
    """Import the compiled module once, and prove it is the compiled one.

    A crate folder with no ``__init__.py`` can import as an empty namespace package;
    a module found here must come from an extension-module file and carry the
    version marker set by the Rust side.
    """
    global _native, _native_error
    if _native is not None or _native_error is not None:
        return _native
    try:
        module = importlib.import_module(NATIVE_MODULE)
    except ImportError as exc:
        _native_error = f"the Rust extension {NATIVE_MODULE} is not importable ({exc})"
        return None
    origin = getattr(module, "__file__", None) or ""
    if not origin.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)) or not hasattr(
        module, "__version__"
    ):
        _native_error = f"{NATIVE_MODULE} at {origin or '?'} is not the compiled extension"
        return None
    _native = module
    return module


def rust_available() -> bool:
    return _load_native() is not None


def native() -> ModuleType:
    """The compiled module, or ``BackendUnavailable`` saying how to build it."""
    module = _load_native()
    if module is None:
        raise BackendUnavailable(f"rust backend unavailable: {_native_error}; {BUILD_HINT}")
    return module


def native_component(name: str) -> object:
    """One component of the Rust backend, or a clear error if it does not exist yet."""
    module = native()
    component = getattr(module, name, None)
    if component is None:
        raise BackendUnavailable(
            f"{name} is not yet available in the rust backend; use backend='python'"
        )
    return component


def _reset_for_tests() -> None:
    """Forget the cached import (tests simulate a missing build with this)."""
    global _native, _native_error
    _native = None
    _native_error = None
