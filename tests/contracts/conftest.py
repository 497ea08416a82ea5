"""Contract tests: put ``tests/`` on ``sys.path`` (for ``import oracle``, the test-only
oracle in tests/oracle) and this folder (for ``transition_triples`` and
``golden_support``), and provide the ``core_backend`` fixture."""

from __future__ import annotations

import pathlib
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
for path in (HERE.parent, HERE):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from golden_support import CORE_BACKENDS  # noqa: E402


@pytest.fixture(params=CORE_BACKENDS)
def core_backend(request) -> str:
    """A core backend token for replay tests."""
    return request.param
