"""Backend selection (DESIGN.md section 3): tokens, the environment variable, the one
import of the compiled module, and the clear errors when Rust is missing or partial.

A missing build is simulated by making ``importlib.import_module`` fail for
``cracktrader._native`` (or by a ``None`` entry in ``sys.modules``) and forgetting the
cached import with ``cracktrader.backend._reset_for_tests()``.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import subprocess
import sys
import types

import pytest
from backend_support import REQUIRE_RUST_ENV, require_rust

import cracktrader
from cracktrader import backend as backend_mod
from cracktrader.engine import (
    build_core,
    build_event_normalizer,
    build_invariant_checker,
    build_sequencer,
)
from cracktrader.engine.errors import BackendUnavailable, CracktraderError, InvalidConfig

FACTORIES = [build_core, build_sequencer, build_invariant_checker, build_event_normalizer]
NATIVE = "cracktrader._native"


@pytest.fixture(autouse=True)
def _forget_native(fresh_backend_cache, monkeypatch):
    """Each test starts with no cached import and no backend in the environment."""
    monkeypatch.delenv(backend_mod.ENV_VAR, raising=False)


# --- tokens and the environment variable ---------------------------------------


@pytest.mark.parametrize(
    ("token", "resolved"),
    [("python", "python"), ("rust", "rust"), ("RUST", "rust"), (" Python ", "python")],
)
def test_tokens(token, resolved):
    assert backend_mod.resolve_backend(token) == resolved


def test_default_is_python():
    assert backend_mod.default_backend() == "python"
    assert backend_mod.resolve_backend(None) == "python"


@pytest.mark.parametrize(("value", "resolved"), [("rust", "rust"), ("python", "python"), ("", "python"), ("  ", "python")])
def test_environment_variable_changes_the_default(monkeypatch, value, resolved):
    monkeypatch.setenv("CRACKTRADER_BACKEND", value)
    assert backend_mod.resolve_backend(None) == resolved


def test_explicit_token_beats_the_environment(monkeypatch):
    monkeypatch.setenv("CRACKTRADER_BACKEND", "rust")
    assert backend_mod.resolve_backend("python") == "python"


@pytest.mark.parametrize("token", ["cuda", "py", "rust2", "", "pypy", "Rust-backend"])
def test_unknown_token_is_invalid_config(token):
    with pytest.raises(InvalidConfig, match="choose one of: python, rust"):
        backend_mod.resolve_backend(token)


def test_unknown_token_from_environment_names_the_variable(monkeypatch):
    monkeypatch.setenv("CRACKTRADER_BACKEND", "gpu")
    with pytest.raises(InvalidConfig, match="CRACKTRADER_BACKEND"):
        backend_mod.default_backend()
    for factory in FACTORIES:
        with pytest.raises(InvalidConfig):
            factory()


@pytest.mark.parametrize("factory", FACTORIES, ids=lambda f: f.__name__)
def test_factories_refuse_unknown_tokens(factory):
    with pytest.raises(InvalidConfig):
        factory(backend="fortran")


def test_errors_carry_codes():
    assert InvalidConfig.code == "invalid_config"
    assert BackendUnavailable.code == "backend_unavailable"
    assert issubclass(BackendUnavailable, CracktraderError)
    assert issubclass(InvalidConfig, ValueError)


# --- a missing build --------------------------------------------------------------


def _fail_native_import(monkeypatch):
    real = importlib.import_module

    def fake(name, package=None):
        if name == NATIVE:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", fake)
    backend_mod._reset_for_tests()


def _assert_names_build_command(error: BaseException):
    message = str(error)
    assert 'pip install -e ".[dev]"' in message
    assert "maturin develop --release" in message
    assert "not yet available" not in message


def test_missing_module_gives_build_command(monkeypatch):
    _fail_native_import(monkeypatch)
    assert backend_mod.rust_available() is False
    with pytest.raises(BackendUnavailable) as info:
        backend_mod.native()
    _assert_names_build_command(info.value)
    assert NATIVE in str(info.value)


@pytest.mark.parametrize("factory", FACTORIES, ids=lambda f: f.__name__)
def test_factories_with_missing_module_name_the_build_command(monkeypatch, factory):
    _fail_native_import(monkeypatch)
    with pytest.raises(BackendUnavailable) as info:
        factory(backend="rust")
    _assert_names_build_command(info.value)


def test_missing_module_via_environment(monkeypatch):
    _fail_native_import(monkeypatch)
    monkeypatch.setenv("CRACKTRADER_BACKEND", "rust")
    with pytest.raises(BackendUnavailable):
        build_sequencer()


def test_missing_module_via_sys_modules(monkeypatch):
    # A None entry makes any import of the name raise ImportError.
    monkeypatch.setitem(sys.modules, NATIVE, None)
    backend_mod._reset_for_tests()
    assert backend_mod.rust_available() is False
    with pytest.raises(BackendUnavailable) as info:
        backend_mod.native()
    _assert_names_build_command(info.value)


def test_python_backend_never_touches_the_native_module(monkeypatch):
    _fail_native_import(monkeypatch)
    assert backend_mod.resolve_backend("python") == "python"
    assert backend_mod.default_backend() == "python"


def test_the_failure_is_cached_until_reset(monkeypatch):
    calls = []
    real = importlib.import_module

    def counting(name, package=None):
        if name == NATIVE:
            calls.append(name)
            raise ModuleNotFoundError(name)
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", counting)
    backend_mod._reset_for_tests()
    assert not backend_mod.rust_available()
    assert not backend_mod.rust_available()
    assert calls == [NATIVE]


# --- the namespace-package trap ---------------------------------------------------


def _fake_native(*, file: str | None, version: str | None = "0.1.0", **attributes):
    module = types.ModuleType(NATIVE)
    if file is not None:
        module.__file__ = file
    if version is not None:
        module.__version__ = version
    for name, value in attributes.items():
        setattr(module, name, value)
    return module


EXT = importlib.machinery.EXTENSION_SUFFIXES[0]


@pytest.mark.parametrize(
    "fake",
    [
        _fake_native(file=None),  # an empty namespace package has no __file__
        _fake_native(file="/src/cracktrader/_native/__init__.py"),
        _fake_native(file="/src/cracktrader/_native.py"),
        _fake_native(file=f"/site/cracktrader/_native{EXT}", version=None),  # no marker
    ],
    ids=["namespace-package", "package", "py-module", "no-version-marker"],
)
def test_a_module_that_is_not_the_compiled_one_is_refused(monkeypatch, fake):
    monkeypatch.setitem(sys.modules, NATIVE, fake)
    backend_mod._reset_for_tests()
    assert backend_mod.rust_available() is False
    with pytest.raises(BackendUnavailable, match="not the compiled extension") as info:
        backend_mod.native()
    _assert_names_build_command(info.value)


def test_a_real_namespace_package_is_refused(monkeypatch, tmp_path):
    # The trap itself: a folder named like the module, with no __init__.py, on the
    # package's search path imports as an empty namespace package.
    (tmp_path / "_native").mkdir()
    saved_module = sys.modules.pop(NATIVE, None)
    saved_attribute = cracktrader.__dict__.pop("_native", None)
    monkeypatch.setattr(cracktrader, "__path__", [str(tmp_path)])
    backend_mod._reset_for_tests()
    try:
        assert backend_mod.rust_available() is False
        with pytest.raises(BackendUnavailable, match="not the compiled extension"):
            backend_mod.native()
    finally:
        # The import bound the namespace package in sys.modules and on the parent.
        sys.modules.pop(NATIVE, None)
        cracktrader.__dict__.pop("_native", None)
        if saved_module is not None:
            sys.modules[NATIVE] = saved_module
        if saved_attribute is not None:
            cracktrader._native = saved_attribute


def test_a_compiled_looking_module_is_accepted(monkeypatch):
    fake = _fake_native(file=f"/site/cracktrader/_native{EXT}")
    monkeypatch.setitem(sys.modules, NATIVE, fake)
    backend_mod._reset_for_tests()
    assert backend_mod.native() is fake


# --- components the Rust backend does not have yet --------------------------------


@pytest.mark.parametrize("factory", FACTORIES, ids=lambda f: f.__name__)
def test_missing_component_says_not_yet_available(monkeypatch, factory):
    # A compiled module with none of the components: each factory names what is missing.
    monkeypatch.setitem(sys.modules, NATIVE, _fake_native(file=f"/site/cracktrader/_native{EXT}"))
    backend_mod._reset_for_tests()
    with pytest.raises(BackendUnavailable, match="not yet available in the rust backend"):
        factory(backend="rust")


def test_missing_component_of_the_real_module(native):
    with pytest.raises(BackendUnavailable, match="NoSuchComponent is not yet available in the rust backend"):
        backend_mod.native_component("NoSuchComponent")


def test_native_component_returns_what_exists(native):
    assert backend_mod.native_component("parse_decimal") is native.parse_decimal


# --- the real build -----------------------------------------------------------------


def test_real_native_module_is_the_compiled_extension(native):
    assert native.__file__.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))
    assert native.__version__ == backend_mod.native().__version__
    assert isinstance(native.__version__, str) and native.__version__


def test_import_in_a_fresh_interpreter():
    require_rust()
    result = subprocess.run(
        [sys.executable, "-c", "import cracktrader, cracktrader._native; print(cracktrader._native.__version__)"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


@pytest.mark.parametrize(
    "module",
    [
        "cracktrader",
        "cracktrader.backend",
        "cracktrader.engine",
        "cracktrader.engine.errors",
        "cracktrader.engine.numbers",
        "cracktrader.engine.strict_json",
        "cracktrader.engine.canonical",
        "cracktrader.engine.validation",
        "cracktrader.schemas",
    ],
)
def test_each_module_imports_first_in_a_fresh_interpreter(module):
    # Guards against import cycles: `import cracktrader` once failed because
    # backend -> engine.errors -> engine/__init__ -> backend.
    result = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


# --- the fixture rule itself -------------------------------------------------------


def test_require_rust_fails_when_required_and_missing(monkeypatch):
    import backend_support

    monkeypatch.setattr(backend_support, "rust_available", lambda: False)
    monkeypatch.setenv(REQUIRE_RUST_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="CRACKTRADER_REQUIRE_RUST=1"):
        backend_support.require_rust()


@pytest.mark.parametrize("value", [None, "0", "", "yes"])
def test_require_rust_skips_when_not_required(monkeypatch, value):
    import backend_support

    monkeypatch.setattr(backend_support, "rust_available", lambda: False)
    if value is None:
        monkeypatch.delenv(REQUIRE_RUST_ENV, raising=False)
    else:
        monkeypatch.setenv(REQUIRE_RUST_ENV, value)
    with pytest.raises(pytest.skip.Exception):
        backend_support.require_rust()
