"""The exception classes both backends raise.

Data problems inside an input never raise from ``apply``: they become refused results.
These exceptions are for misuse of the API (a bad config, a malformed snapshot handed to
``restore``, a backend that is not built) and for the number layer used directly. The
Rust binding maps its one error enum onto exactly these classes, so ``except`` clauses
are the same whichever backend runs.
"""

from __future__ import annotations


class CracktraderError(Exception):
    """Base class. ``code`` is one of the closed list in ``schemas/codes.json``."""

    code = "internal_error"

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message or self.code)
        self.field = field


class InvalidPayload(CracktraderError, ValueError):
    code = "invalid_payload"


class InvalidNumber(CracktraderError, ValueError):
    code = "invalid_number"


class NumericOverflow(CracktraderError, ArithmeticError):
    code = "numeric_overflow"


class InvalidConfig(CracktraderError, ValueError):
    code = "invalid_config"


class BackendUnavailable(CracktraderError, RuntimeError):
    """The requested backend (or one component of it) cannot be used here."""

    code = "backend_unavailable"


class InvariantViolation(CracktraderError, AssertionError):
    """A checked core (``build_core(..., check_invariants="raise")``) saw a step break an
    invariant. Raised after the call completed (core and checker stay in step);
    ``violations`` holds the violation dicts, ``steps`` the ``{input, result}`` steps
    that produced them (docs/decisions.md D-331)."""

    code = "invariant_violation"

    def __init__(self, message: str = "", *, violations=(), steps=()) -> None:
        super().__init__(message)
        self.violations = list(violations)
        self.steps = list(steps)


ERROR_CLASSES = {
    cls.code: cls
    for cls in (InvalidPayload, InvalidNumber, NumericOverflow, InvalidConfig, BackendUnavailable)
}
