"""Feed backend selection: ``feed_backend="python" | "rust"`` (D-206).

Unlike the engine core, a feed that asks for ``rust`` when the extension (or its feed
part) is not built falls back to the Python reference with one logged warning per
process, and reports the fallback in its stats. ``CRACKTRADER_REQUIRE_RUST=1`` (CI
lanes, ``.ci/run``) turns the fallback into ``BackendUnavailable``, so a required
lane can never pass on Python alone. The default comes from
``CRACKTRADER_FEED_BACKEND`` (else ``python``).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from cracktrader import backend as core_backend
from cracktrader.engine.errors import BackendUnavailable, InvalidConfig

FEED_ENV_VAR = "CRACKTRADER_FEED_BACKEND"
REQUIRE_RUST_ENV_VAR = "CRACKTRADER_REQUIRE_RUST"
# The one native symbol whose presence says the feed part of the extension is built.
NATIVE_PROBE = "FeedTradeAggregator"

logger = logging.getLogger("cracktrader.feeds")
_warned = False


@dataclass(frozen=True)
class FeedSelection:
    """Which backend was asked for, which one runs, and why they differ (if they do)."""

    requested: str
    effective: str
    fallback_reason: str | None

    @property
    def fallback(self) -> bool:
        """True when rust was asked for and python runs instead."""
        return self.fallback_reason is not None

    def as_dict(self) -> dict[str, object]:
        """The selection as stats fields."""
        return {
            "backend": self.effective,
            "requested_backend": self.requested,
            "fallback": self.fallback,
            "fallback_reason": self.fallback_reason,
        }


def requested_feed_backend(feed_backend: str | None = None) -> str:
    """Validate the token (``None``: the environment variable, else ``python``)."""
    from_env = feed_backend is None
    token = os.environ.get(FEED_ENV_VAR, core_backend.PYTHON) if from_env else feed_backend
    token = str(token).strip().lower() or core_backend.PYTHON
    if token not in core_backend.BACKENDS:
        where = f" (from {FEED_ENV_VAR})" if from_env else ""
        raise InvalidConfig(
            f"unknown feed backend {token!r}{where}; choose one of: {', '.join(core_backend.BACKENDS)}"
        )
    return token


def select_feed_backend(feed_backend: str | None = None) -> FeedSelection:
    """Resolve the feed backend, falling back to Python (once-warned) when Rust is missing."""
    global _warned
    requested = requested_feed_backend(feed_backend)
    if requested == core_backend.PYTHON:
        return FeedSelection(requested, core_backend.PYTHON, None)
    try:
        core_backend.native_component(NATIVE_PROBE)
    except BackendUnavailable as exc:
        if os.environ.get(REQUIRE_RUST_ENV_VAR) == "1":
            raise BackendUnavailable(
                f"{REQUIRE_RUST_ENV_VAR}=1 forbids the feed fallback to python: {exc}"
            ) from None
        reason = str(exc)
        if not _warned:
            _warned = True
            logger.warning("feed_backend='rust' unavailable, using the python reference: %s", reason)
        return FeedSelection(requested, core_backend.PYTHON, reason)
    return FeedSelection(requested, core_backend.RUST, None)


def _reset_warning_for_tests() -> None:
    """Forget that the fallback warning was logged (tests check it is logged once)."""
    global _warned
    _warned = False
