"""Steps: what one lockstep step feeds to both backends.

A step is a raw JSON line (``str``), kept verbatim so hostile text (``NaN`` tokens,
duplicate keys, escaped lone surrogates) survives recording. Two special forms start
with ``#parity:`` and never reach a backend as text:

- ``#parity:b64:<base64>``: raw bytes that are not UTF-8 (fed as those bytes);
- ``#parity:swap-restore``: a harness directive: snapshot both backends, restore each
  backend from the *other's* snapshot, and check both still agree (DESIGN.md: a
  snapshot taken in one backend restores in the other and both continue identically).
- ``#parity:restore-edit:<seed>``: a harness directive: snapshot both backends, then
  restore edited copies of the snapshot (``parity.snapshot_edits``, one edit per field
  name, drawn with ``<seed>``) into both, which must refuse alike or load alike; then
  restore the unedited snapshot and go on.
"""

from __future__ import annotations

import base64

PREFIX = "#parity:"
B64 = PREFIX + "b64:"
SWAP_RESTORE = PREFIX + "swap-restore"
RESTORE_EDIT = PREFIX + "restore-edit:"
DIRECTIVES = frozenset((SWAP_RESTORE,))


def is_directive(step: str) -> bool:
    return step in DIRECTIVES or restore_edit_seed(step) is not None


def restore_edit(seed: int) -> str:
    """The ``restore-edit`` directive drawing its edits with ``seed``."""
    return f"{RESTORE_EDIT}{seed}"


def restore_edit_seed(step: str) -> int | None:
    """The seed of a ``restore-edit`` directive, else None."""
    if not step.startswith(RESTORE_EDIT):
        return None
    text = step[len(RESTORE_EDIT) :]
    return int(text) if text.isascii() and text.isdigit() else None


def step_bytes(step: str) -> bytes:
    """The bytes a backend receives for a (non-directive) step."""
    if step.startswith(B64):
        return base64.b64decode(step[len(B64) :])
    return step.encode("utf-8")


def from_bytes(raw: bytes) -> str:
    """Store raw bytes as a step: verbatim when UTF-8, else base64."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return B64 + base64.b64encode(raw).decode("ascii")
    if "\n" in text:
        raise ValueError("a step is one line")
    return text
