"""Planted divergences (test-only): proof that parity catches real bugs.

A mutant is a small source edit of one function of the Python backend (the kind of
mistake a port makes: floor instead of half-even, a dropped check, an off-by-one). The
backend spec ``python~<mutant>`` builds a normal Python component wrapped so that the
edited functions are swapped in only while that component runs; the other backend of a
lockstep pair is untouched. Each mutant must be found by ``parity.fuzz`` within a fixed
number of generated cases, and its minimized fixture must be small.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import textwrap
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator


@dataclass(frozen=True)
class Mutant:
    name: str
    module: str
    function: str
    old: str
    new: str
    description: str
    target: str = "core"


MUTANTS: dict[str, Mutant] = {
    m.name: m
    for m in (
        Mutant(
            "rounding_floor", "cracktrader.engine.numbers", "mul",
            "if twice > SCALE or (twice == SCALE and quotient & 1):",
            "if False:",
            "products round toward minus infinity instead of half-to-even",
        ),
        Mutant(
            "no_duplicate_check", "cracktrader.engine.core", "_apply_parsed",
            "if key is not None and key in self.applied_keys:",
            "if False:",
            "a report applied twice books twice (the idempotency check is dropped)",
        ),
        Mutant(
            "overfill_allowed", "cracktrader.engine.reports", "_fill",
            "if qty > order.remaining:",
            "if False:",
            "a fill above the remaining quantity is booked",
        ),
        Mutant(
            "cancel_pending_partial", "cracktrader.engine.reports", "_fill",
            "new_state = CANCEL_PENDING  # a partial fill leaves cancel_pending as is",
            "new_state = PARTIALLY_FILLED",
            "a partial fill moves a cancel_pending order back to partially_filled",
        ),
        Mutant(
            "next_bar_off_by_one", "cracktrader.engine.matching", "match_bar",
            "if placed is not None and bar_time <= placed:",
            "if placed is not None and bar_time < placed:",
            "an order can fill on the bar that was current when it was placed",
        ),
        Mutant(
            "sequencer_tiebreak", "cracktrader.engine.sequencer", "_check_event",
            "        instrument or \"\",\n        producer,\n",
            "        instrument or \"\",\n        -producer,\n",
            "the sequencer breaks equal-time ties by descending producer",
            target="sequencer",
        ),
    )
}


def _mutated(mutant: Mutant) -> tuple[Any, Callable[..., Any]]:
    module = importlib.import_module(mutant.module)
    original = getattr(module, mutant.function, None)
    if original is None:
        raise LookupError(f"mutant {mutant.name}: {mutant.module}.{mutant.function} does not exist")
    # Methods are looked up on their class; plain functions on the module.
    owner: Any = module
    if "." not in mutant.function and not inspect.isfunction(original):
        raise LookupError(f"mutant {mutant.name}: {mutant.function} is not a function")
    source = textwrap.dedent(inspect.getsource(original))
    if mutant.old not in source:
        raise LookupError(f"mutant {mutant.name}: the planted text is no longer in {mutant.function}")
    namespace = dict(module.__dict__)
    exec(compile(source.replace(mutant.old, mutant.new, 1), f"<mutant {mutant.name}>", "exec"), namespace)
    return owner, namespace[mutant.function]


def _method_owner(mutant: Mutant) -> Any | None:
    """For a method mutant (``Core._apply_parsed``), the class that defines it."""
    module = importlib.import_module(mutant.module)
    for value in vars(module).values():
        if inspect.isclass(value) and value.__module__ == module.__name__ and mutant.function in vars(value):
            return value
    return None


@contextmanager
def active(mutant: Mutant) -> Iterator[None]:
    """Swap the mutated function in everywhere it is bound, for the duration."""
    module = importlib.import_module(mutant.module)
    owner_class = _method_owner(mutant)
    if owner_class is not None:
        original = vars(owner_class)[mutant.function]
        source = textwrap.dedent(inspect.getsource(original))
        if mutant.old not in source:
            raise LookupError(f"mutant {mutant.name}: the planted text is no longer in {mutant.function}")
        namespace = dict(module.__dict__)
        exec(compile(source.replace(mutant.old, mutant.new, 1), f"<mutant {mutant.name}>", "exec"), namespace)
        setattr(owner_class, mutant.function, namespace[mutant.function])
        try:
            yield
        finally:
            setattr(owner_class, mutant.function, original)
        return
    original_fn = getattr(module, mutant.function)
    _, replacement = _mutated(mutant)
    bound = [
        (mod, name)
        for mod in list(sys.modules.values())
        if getattr(mod, "__name__", "").startswith("cracktrader.")
        for name, value in list(vars(mod).items())
        if value is original_fn
    ]
    for mod, name in bound:
        setattr(mod, name, replacement)
    try:
        yield
    finally:
        for mod, name in bound:
            setattr(mod, name, original_fn)


class MutantComponent:
    """A component whose every call runs with the mutant active."""

    def __init__(self, inner: Any, mutant: Mutant) -> None:
        self._inner = inner
        self._mutant = mutant

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            with active(self._mutant):
                return attribute(*args, **kwargs)

        return call


def split_spec(spec: str) -> tuple[str, Mutant | None]:
    """``python~rounding_floor`` -> (``python``, the mutant)."""
    backend, _, name = spec.partition("~")
    if not name:
        return backend, None
    if name not in MUTANTS:
        raise KeyError(f"unknown mutant {name!r}; known: {', '.join(MUTANTS)}")
    if backend != "python":
        raise ValueError("mutants edit the Python backend; use python~<mutant>")
    return backend, MUTANTS[name]


def build_component(target: Any, spec: str, config: dict[str, Any]) -> Any:
    """The lockstep builder: plain backends as usual, mutants wrapped."""
    backend, mutant = split_spec(spec)
    if mutant is None:
        return target.build(backend, dict(config))
    with active(mutant):
        inner = target.build(backend, dict(config))
    return MutantComponent(inner, mutant)
