"""Hostile values and raw lines shared by every generator.

A generator builds a plausible JSON object, then (at the scenario's hostility rate)
replaces one field with a hostile value. Values that JSON cannot express as a Python
object (``NaN`` tokens, duplicate keys) are written as a placeholder string and swapped
into the text after encoding, so the raw line really carries them.
"""

from __future__ import annotations

import base64
import json
import random
import re
from typing import Any

PLACEHOLDER = "\u0000hostile\u0000"
# How a placeholder (followed by a RAW_TOKENS index) looks once JSON-encoded.
_ENCODED_PLACEHOLDER = re.compile(r'"\\u0000hostile\\u0000(\d+)"')

def _nested(depth: int) -> list:
    value: list = [0]
    for _ in range(depth - 1):
        value = [value]
    return value


# Values that stay valid JSON objects.
HOSTILE_VALUES: tuple[Any, ...] = (
    None,
    True,
    False,
    0,
    -1,
    "",
    " 1",
    "1 ",
    "0x10",
    "1e",
    ".5",
    "5.",
    "+-1",
    "\u0661\u0662",  # Arabic-Indic digits
    "1e999999999999999999999",
    "-1e-999999999999999999999",
    "170141183460469231731687303715.884105728",
    "0.0000000005",
    "0.0000000015",
    10**40,
    -(10**40),
    2**63,
    2**63 - 1,  # the largest seq_id / timestamp / producer: boundaries are where ports slip
    2**62,
    2**53 + 1,
    2**127,
    1e300,
    -0.0,
    5e-324,
    [],
    {},
    [1, 2],
    {"x": 1},
    "x" * 200,
    "x" * 128,  # the longest identifier, and one code point too many
    "x" * 129,
    "\u00e9" * 128,
    _nested(31),  # nesting at the limit of 32 (with the object around it), and beyond
    _nested(33),
    "\u0007bell",
    "tab\tin",
    "\u00e9t\u00e9",
    "\U0001f600",
)
# Raw JSON tokens that only exist as text.
RAW_TOKENS: tuple[str, ...] = ("NaN", "Infinity", "-Infinity", "1e400", "-1e400", "\"\\ud800\"", "\"a\\udc00b\"")


def hostile_value(rng: random.Random) -> Any:
    """A hostile replacement value, sometimes a raw-token placeholder."""
    if rng.random() < 0.25:
        return PLACEHOLDER + str(rng.randrange(len(RAW_TOKENS)))
    return rng.choice(HOSTILE_VALUES)


# Built once: json.dumps() would build an encoder per call, a cost every step pays.
_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def encode(obj: Any) -> str:
    """JSON text of ``obj``, with placeholders swapped for their raw tokens."""
    text = _ENCODE(obj)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: escape it, as a producer would
            text = json.dumps(obj, separators=(",", ":"), ensure_ascii=True)
    if "hostile" in text:
        text = _ENCODED_PLACEHOLDER.sub(lambda m: RAW_TOKENS[int(m.group(1))], text)
    return text


def mutate(rng: random.Random, obj: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``obj`` with one field (top level or in ``payload``) made hostile,
    removed, or an unknown key added."""
    out = dict(obj)
    target = out
    if isinstance(out.get("payload"), dict) and out["payload"] and rng.random() < 0.7:
        target = out["payload"] = dict(out["payload"])
    roll = rng.random()
    keys = list(target)
    if roll < 0.1 or not keys:
        target[rng.choice(("extra", "Kind", "payload2", "\u00e9"))] = 1
    elif roll < 0.2:
        del target[rng.choice(keys)]
    else:
        target[rng.choice(keys)] = hostile_value(rng)
    return out


def garbage_line(rng: random.Random, valid: str) -> str:
    """A line that is not a valid input at all (or not even JSON)."""
    choice = rng.randrange(12)
    if choice == 0:
        return ""
    if choice == 1:
        return valid[: max(1, len(valid) // 2)]  # torn line
    if choice == 2:
        return valid + " x"
    if choice == 3:
        return "[]"
    if choice == 4:
        return "null"
    if choice == 5:  # duplicate key
        return '{"kind":"event","kind":"intent"' + valid[1:] if valid.startswith("{") else valid
    if choice == 6:
        depth = rng.choice((31, 32, 33, 64))
        return "[" * depth + "]" * depth
    if choice == 7:
        return "#parity:b64:" + base64.b64encode(b'{"kind":"\xff\xfe"}').decode()
    if choice == 8:
        return valid.replace(":", ": ", 1)  # whitespace inside is fine JSON
    if choice == 9:
        return '"just a string"'
    if choice == 10:
        return valid.replace("}", ',"kind":"event"}', 1) if "}" in valid else valid
    return "{}"
