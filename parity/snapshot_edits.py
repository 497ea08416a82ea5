"""Edited snapshots: one field of a real snapshot changed, for the ``restore-edit``
directive (``parity.steps``).

A swap-restore only ever restores snapshots a backend wrote, so the validation half of
``restore`` (ranges, types, digit strings, duplicate entries) would never be compared.
Here every field *name* of the snapshot gets one edit per directive: one occurrence of
the name (the rng picks which) takes a value near or past the edge of what its current
value suggests (an integer one off, at or past the i63 limits; a digit string spelled
with non-ASCII digits; a list with an entry dropped or doubled; a map key made
invalid). Both backends must then agree: both refuse the edited snapshot with the same
exception class, or both load it and reach the same state.
"""

from __future__ import annotations

import copy
import random
from typing import Any

# Decimal digits from another script: str.isdigit() says yes, the strict readers say no.
_ARABIC_INDIC = str.maketrans("0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669")
_I63 = 2**63 - 1


def _int_edits(value: int) -> list[Any]:
    return [value + 1, value - 1, 0, -1, 1, 2**62, _I63, _I63 + 1, _I63 + 2, 2**64, True, float(value), str(value),
            None]


def _str_edits(value: str) -> list[Any]:
    out: list[Any] = ["", value + "x", value[:-1], "x" * 129, "tab\tin", 1, None]
    body = value.lstrip("-")
    if body.replace(".", "", 1).isdigit():
        # the same number respelled: other digits, a sign, padding, an exponent
        out += [value.translate(_ARABIC_INDIC), "+" + body, "-" + body, " " + value, value + "0",
                value + ".0", "1e3", "0.0000000001", str(2**127), str(-(2**127)), "NaN"]
    return out


def _candidates(value: Any) -> list[Any]:
    if isinstance(value, bool):
        return [not value, 0, 1, None, "true"]
    if isinstance(value, int):
        return _int_edits(value)
    if isinstance(value, str):
        return _str_edits(value)
    if value is None:
        return [0, "", "0", [], {}, False]
    if isinstance(value, list):
        out: list[Any] = [[], None, {}]
        if value:
            out += [value[:-1], value + [copy.deepcopy(value[-1])], list(reversed(value)), [value[0], value[0]]]
        return out
    if isinstance(value, dict):
        # a key no reader knows, next to all the known ones
        return [{}, None, [], {**value, "unknown": 0}]
    return [None]


def _nodes(value: Any, path: tuple[Any, ...], name: str, found: dict[str, list[tuple[Any, ...]]]) -> None:
    """Every node's path, grouped by the name of the field holding it (list items are
    grouped under their list's name with ``[]``)."""
    found.setdefault(name, []).append(path)
    if isinstance(value, dict):
        for key, child in value.items():
            _nodes(child, path + (key,), str(key), found)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            _nodes(child, path + (index,), name + "[]", found)


def _copy_path(root: Any, path: tuple[Any, ...]) -> tuple[Any, Any]:
    """A copy of ``root`` where only the containers along ``path`` (up to the parent
    of its last step) are new; everything else is shared with ``root`` (a deep copy
    per edit would cost more than the restores; restore never mutates its argument).
    Returns (new root, the new parent)."""
    new_root = copy.copy(root)
    parent = new_root
    for key in path[:-1]:
        child = copy.copy(parent[key])
        parent[key] = child
        parent = child
    return new_root, parent


def _set(root: Any, path: tuple[Any, ...], value: Any) -> Any:
    new_root, parent = _copy_path(root, path)
    parent[path[-1]] = value
    return new_root


def _rename(root: Any, path: tuple[Any, ...], new_key: str) -> Any:
    new_root, parent = _copy_path(root, path)
    parent[new_key] = parent.pop(path[-1])
    return new_root


def edits(snapshot: Any, rng: random.Random, rounds: int = 2) -> list[tuple[str, Any]]:
    """(description, edited deep copy) pairs, ``rounds`` per field name of ``snapshot``,
    in a deterministic order."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    _nodes(snapshot, (), "", found)
    out = []
    for name in sorted(found) * rounds:
        path = rng.choice(found[name])
        if not path:
            continue
        target = snapshot
        for key in path:
            target = target[key]
        if isinstance(path[-1], str) and rng.random() < 0.15:
            # a map key (a venue, an order id, a code) made invalid or unknown
            new_key = rng.choice(("", "x" * 129, "bell\u0007", "unknown"))
            if new_key in _parent(snapshot, path):
                continue
            out.append((f"rename {_pointer(path)} -> {new_key!r}", _rename(snapshot, path, new_key)))
            continue
        if isinstance(target, str) and target.isdigit() and target.isascii() and rng.random() < 0.25:
            # the one respelling str.isdigit() and int() accept: a reader leaning on
            # them instead of an ASCII check would load it
            value: Any = target.translate(_ARABIC_INDIC)
        else:
            value = rng.choice(_candidates(target))
        out.append((f"set {_pointer(path)} = {value!r}"[:200], _set(snapshot, path, value)))
    return out


def _parent(root: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        root = root[key]
    return root


def _pointer(path: tuple[Any, ...]) -> str:
    return "".join("/" + str(key).replace("~", "~0").replace("/", "~1") for key in path)
