"""Canonical JSON: the one byte form every output is compared in.

Exactly ``json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``
encoded as UTF-8 (DESIGN.md section 11). Decimals are already canonical strings by the
time they get here (``numbers.format_decimal``), so no result carries a float. A float
can only appear where an output echoes an input verbatim (a logged step's ``input``);
it is then written as ``repr`` writes it, exactly as the Rust twin
(``cracktrader_rust/src/engine/canonical.rs``, ``python_float_repr``) writes it. NaN
and infinities are refused (``ValueError``). ``find_float`` lets tests prove that a
result holds no float.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def canonical_dumps(obj: Any) -> str:
    """Canonical JSON text of ``obj`` (sorted keys, no whitespace, no ASCII escaping)."""
    return _ENCODER.encode(obj)


def canonical_bytes(obj: Any) -> bytes:
    """Canonical JSON of ``obj`` as UTF-8 bytes: what the parity harness compares."""
    return _ENCODER.encode(obj).encode("utf-8")


def state_hash(snapshot: Any) -> str:
    """Lower-case hex SHA-256 of the canonical snapshot bytes."""
    return hashlib.sha256(canonical_bytes(snapshot)).hexdigest()


def find_float(obj: Any, path: str = "") -> str | None:
    """JSON Pointer of the first float inside ``obj`` (None when there is none).

    Canonical outputs carry decimals as strings; tests use this to prove no float
    ever leaks into them.
    """
    if isinstance(obj, float):
        return path
    if isinstance(obj, dict):
        for key, value in obj.items():
            found = find_float(value, f"{path}/{_escape(str(key))}")
            if found is not None:
                return found
    elif isinstance(obj, (list, tuple)):
        for index, value in enumerate(obj):
            found = find_float(value, f"{path}/{index}")
            if found is not None:
                return found
    return None


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")
