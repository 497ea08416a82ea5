"""Type stubs for ``cracktrader._native``, the compiled Rust backend (PyO3 + maturin).

Checked against the built module by ``python -m mypy.stubtest cracktrader._native``
(tests/contracts/test_stubs.py). Import it through ``cracktrader.backend``, never
directly: that is where a missing build is reported with the command to build it.
"""

from collections.abc import Iterable
from typing import Any, ClassVar, Final, final

__all__ = ["__version__", "parse_decimal", "format_decimal", "Core", "build_profile"]

__version__: Final[str]

def parse_decimal(value: object) -> int:
    """Parse an int, float or decimal string into a raw fixed-point int (x 10^9)."""

def format_decimal(raw: int) -> str:
    """Canonical text of a raw fixed-point int."""

def build_profile() -> str:
    """``"release"`` or ``"debug"``: how the extension was compiled."""

@final
class Core:
    """The deterministic core, rust backend (``cracktrader.engine.build_core``)."""

    backend: ClassVar[str]

    def __new__(cls, config: dict[str, Any] | None = None) -> Core: ...
    def apply(self, obj: object) -> dict[str, Any]:
        """Apply one event or intent; return its ``transition_result``."""

    def apply_batch(self, inputs: Iterable[object]) -> list[dict[str, Any]]:
        """Apply every input in order (read first, then run without the GIL)."""

    def apply_jsonl(self, data: bytes | bytearray | memoryview) -> bytes:
        """JSON lines in, canonical JSON lines out."""

    def snapshot(self) -> dict[str, Any]:
        """All state needed to continue identically (schema ``core_snapshot``)."""

    def restore(self, snapshot: dict[str, Any]) -> None:
        """Replace the state with a validated snapshot (``InvalidPayload`` otherwise)."""

    def state_hash(self) -> str:
        """Lower-case hex SHA-256 of the canonical snapshot."""
