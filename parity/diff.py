"""Where two canonical outputs differ, computed by the harness itself.

The divergence *signature* must not depend on deepdiff's path syntax (it changes
between versions), so the first differing JSON Pointer is found here by walking both
documents in canonical order (object keys sorted, arrays by index). deepdiff is only
used to explain a divergence in a report (``parity.report``).
"""

from __future__ import annotations

import json
import re
from typing import Any

from cracktrader.engine.errors import InvalidPayload
from cracktrader.engine.strict_json import loads

_INDEX = re.compile(r"/\d+(?=/|$)")
MISSING = object()


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def differing_paths(left: Any, right: Any, limit: int = 20) -> list[str]:
    """JSON Pointers where ``left`` and ``right`` differ, first one first."""
    found: list[str] = []
    stack: list[tuple[str, Any, Any]] = [("", left, right)]
    while stack and len(found) < limit:
        path, a, b = stack.pop()
        if type(a) is not type(b):
            found.append(path)
        elif isinstance(a, dict):
            keys = sorted(set(a) | set(b), reverse=True)
            for key in keys:  # reversed onto the stack so the smallest key is visited first
                stack.append((f"{path}/{_escape(key)}", a.get(key, MISSING), b.get(key, MISSING)))
        elif isinstance(a, list):
            if len(a) != len(b):
                shared = min(len(a), len(b))
                stack.append((f"{path}/{shared}", a[shared] if shared < len(a) else MISSING,
                              b[shared] if shared < len(b) else MISSING))
            for index in reversed(range(min(len(a), len(b)))):
                stack.append((f"{path}/{index}", a[index], b[index]))
        elif a != b:
            found.append(path)
    return found


def parse_output(line: bytes | None) -> Any:
    """An output line as JSON (or the raw text when it is not JSON, or None)."""
    if line is None:
        return None
    try:
        return loads(line)
    except InvalidPayload:
        return line.decode("utf-8", "replace")


def result_code(document: Any) -> str:
    """The ``code`` of a result-like output (``-`` when it has none)."""
    if isinstance(document, dict):
        code = document.get("code")
        if isinstance(code, str):
            return code
        if "accepted" in document:
            return "accepted" if document["accepted"] else "refused"
    if isinstance(document, list):
        return f"list[{len(document)}]"
    return "-"


def normalize_path(path: str) -> str:
    """A path with array indices replaced by ``*``: one bug, one signature."""
    return _INDEX.sub("/*", path)


def signature(target: str, kind: str, first_path: str, codes: tuple[str, str]) -> str:
    """``target|kind|normalized path|code_a|code_b``: stable across runs and versions."""
    return "|".join((target, kind, normalize_path(first_path) or "/", codes[0], codes[1]))


def pretty(document: Any) -> str:
    return json.dumps(document, sort_keys=True, ensure_ascii=False, indent=1)
