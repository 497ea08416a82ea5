"""A core with its invariant checker attached: ``build_core(..., check_invariants=...)``.

The wrapper composes two components of the same backend, so it has no Rust twin: it
forwards every call to the core unchanged and then feeds each ``(input, result)`` pair
to an ``InvariantChecker`` (docs/decisions.md D-330, D-331). The core itself is not
modified and cannot tell it is being watched, which is the point: the checker is an
independent witness, and the same wrapper serves the python and the rust core.

Modes (``check_invariants``): ``"raise"`` (or ``True``) raises ``InvariantViolation``
once the call has completed if any of its steps broke an invariant; ``"record"`` only
appends violations to ``violations``. ``False``/``None`` (the default, unless the
environment variable ``CRACKTRADER_CHECK_INVARIANTS`` says otherwise) returns the bare
core: checking costs a second pass over every step, so it is off for speed.
"""

from __future__ import annotations

import os
from typing import Any, Iterable

from cracktrader.engine.errors import InvalidConfig, InvalidPayload, InvariantViolation
from cracktrader.engine.strict_json import loads_lines

ENV_VAR = "CRACKTRADER_CHECK_INVARIANTS"
MODES = ("raise", "record")


def resolve_mode(check_invariants: Any) -> str | None:
    """``"raise"``, ``"record"`` or None (off); None asks the environment variable."""
    if check_invariants is None:
        token = os.environ.get(ENV_VAR, "").strip().lower()
        if token in ("", "0", "off", "false", "no"):
            return None
        check_invariants = token
    if check_invariants is False:
        return None
    if check_invariants is True:
        return "raise"
    if type(check_invariants) is str and check_invariants in MODES:
        return check_invariants
    raise InvalidConfig(
        f"check_invariants must be True, False, None, 'raise' or 'record'; got {check_invariants!r}"
    )


class CheckedCore:
    """A core whose every step goes through an invariant checker (same API as a core).

    Attributes not defined here (``config``, ``cash``, ... of the python core) are read
    from the wrapped core.
    """

    def __init__(self, core: Any, checker: Any, mode: str = "raise") -> None:
        if mode not in MODES:
            raise InvalidConfig(f"mode must be one of {', '.join(MODES)}")
        self.core = core
        self.checker = checker
        self.mode = mode
        self.violations: list[dict[str, Any]] = []

    @property
    def backend(self) -> str:
        """The wrapped core's backend token."""
        return self.core.backend

    def __getattr__(self, name: str) -> Any:
        # Only called for names not found on the wrapper itself (and, during copying
        # or unpickling, before ``core`` is set: then it is simply missing).
        core = self.__dict__.get("core")
        if core is None:
            raise AttributeError(name)
        return getattr(core, name)

    # -------------------------------------------------------------- protocol
    def apply(self, obj: Any) -> dict[str, Any]:
        """The core's ``apply``, then the checker on that step."""
        result = self.core.apply(obj)
        self._check([(obj, result)])
        return result

    def apply_batch(self, inputs: Iterable[Any]) -> list[dict[str, Any]]:
        """The core's ``apply_batch``, then the checker on every step of it."""
        inputs = list(inputs)
        results = self.core.apply_batch(inputs)
        self._check(zip(inputs, results))
        return results

    def apply_jsonl(self, data: bytes) -> bytes:
        """The core's ``apply_jsonl``; input and output lines are paired for the checker."""
        out = self.core.apply_jsonl(data)
        inputs = loads_lines(bytes(data))
        results = loads_lines(out)
        # An unreadable input line is a refused result; the checker sees it as such.
        pairs = [(None if isinstance(item, InvalidPayload) else item, result) for item, result in zip(inputs, results)]
        self._check(pairs)
        return out

    def snapshot(self) -> dict[str, Any]:
        """The core's snapshot (the checker's own is ``checker.snapshot()``)."""
        return self.core.snapshot()

    def restore(self, snapshot: dict[str, Any]) -> None:
        """Restore the core, then start the checker's shadow from the same snapshot."""
        self.core.restore(snapshot)
        self.checker.load_core_snapshot(snapshot)

    def state_hash(self) -> str:
        """The core's state hash."""
        return self.core.state_hash()

    # -------------------------------------------------------------- checking
    def check_snapshot(self) -> list[dict[str, Any]]:
        """Compare the core's snapshot with the checker's fill ledger now."""
        found = self.checker.check_snapshot(self.core.snapshot())
        self._handle(found, [])
        return found

    def _check(self, pairs: Iterable[tuple[Any, Any]]) -> None:
        apply = self.checker.apply
        found: list[dict[str, Any]] = []
        steps: list[dict[str, Any]] = []
        for obj, result in pairs:
            step = {"input": obj, "result": result}
            violations = apply(step)
            if violations:
                found.extend(violations)
                steps.append(step)
        self._handle(found, steps)

    def _handle(self, found: list[dict[str, Any]], steps: list[dict[str, Any]]) -> None:
        if not found:
            return
        self.violations.extend(found)
        if self.mode == "raise":
            codes = ", ".join(f"{v['code']}@{v['seq_id']}:{v['order_id']}" for v in found[:5])
            more = f" (+{len(found) - 5} more)" if len(found) > 5 else ""
            raise InvariantViolation(f"invariants broken: {codes}{more}", violations=found, steps=steps)
