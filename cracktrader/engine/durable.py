"""Durable files for replay logs and checkpoints: errors, atomic writes, crash points.

Python-only (replay and recovery orchestration are Python-owned and drive either core
backend), so this module has no Rust twin.

* ``RecoveryError`` carries one code of the closed list ``recovery_code`` in
  ``schemas/codes.json`` plus, where it applies, the file and 1-based line number.
* ``atomic_write_bytes`` is the only way a checkpoint reaches the disk: a temp file
  in the same directory, written, fsynced, renamed over the target, then the
  directory fsynced, so a reader sees the old file or the new one, never a mix.
* ``crash_point`` is the test hook the SIGKILL suite uses to stop the process at an
  exact place (between write, fsync and rename; in the middle of a log line). It does
  nothing unless the environment variable ``CRACKTRADER_CRASH_AT`` is set when this
  module is imported (D-372).
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

from cracktrader.engine.errors import CracktraderError

# The closed list (mirrored in tools/write_schemas.py -> codes.json "recovery_code").
RECOVERY_CODES = (
    "checkpoint_unreadable",
    "checkpoint_corrupt",
    "checkpoint_invalid",
    "checkpoint_version_unsupported",
    "replay_log_unreadable",
    "replay_log_corrupt",
    "replay_log_header_invalid",
    "replay_log_behind_checkpoint",
    "checkpoint_log_mismatch",
    "start_step_invalid",
    "replay_diverged",
    "strict_warning",
)
# Warnings: reported, never fatal unless the caller asked for strict recovery.
WARNING_CODES = ("replay_log_torn_tail", "replay_log_unclosed", "steps_skipped")


class RecoveryError(CracktraderError, ValueError):
    """A replay log or checkpoint that cannot be used, with the reason as a code.

    ``path`` and ``line`` (1-based, for replay logs) say where; the message says what
    an operator should look at.
    """

    code = "checkpoint_invalid"

    def __init__(self, code: str, message: str, *, path: str | None = None, line: int | None = None) -> None:
        if code not in RECOVERY_CODES:
            raise ValueError(f"unknown recovery code {code!r}")
        where = ""
        if path is not None:
            where = f" [{path}" + (f", line {line}" if line is not None else "") + "]"
        super().__init__(f"{code}: {message}{where}")
        self.code = code
        self.message = message
        self.path = path
        self.line = line

    def to_dict(self) -> dict[str, Any]:
        """The refusal as plain data (what ``--json`` prints)."""
        return {"code": self.code, "message": str(self), "path": self.path, "line": self.line}


# ----------------------------------------------------------------- crash points
CRASH_ENV = "CRACKTRADER_CRASH_AT"


def _parse_crash_env(text: str | None) -> tuple[str, int] | None:
    if not text:
        return None
    name, _, count = text.partition(":")
    try:
        return name, max(1, int(count or "1"))
    except ValueError:
        return None


_CRASH_AT = _parse_crash_env(os.environ.get(CRASH_ENV))
_CRASH_HITS: dict[str, int] = {}
ARMED = _CRASH_AT is not None


def crash_point(name: str) -> None:
    """SIGKILL this process when ``name`` is hit for the n-th time (``name:n``).

    Only the SIGKILL suite sets ``CRACKTRADER_CRASH_AT``; callers on hot paths test
    ``ARMED`` first so production pays one global lookup.
    """
    if _CRASH_AT is None or _CRASH_AT[0] != name:
        return
    hits = _CRASH_HITS[name] = _CRASH_HITS.get(name, 0) + 1
    if hits == _CRASH_AT[1]:
        os.kill(os.getpid(), signal.SIGKILL)


def crash_due(name: str) -> bool:
    """True when the next ``crash_point(name)`` will kill (lets a writer tear a line first)."""
    return _CRASH_AT is not None and _CRASH_AT[0] == name and _CRASH_HITS.get(name, 0) + 1 == _CRASH_AT[1]


# -------------------------------------------------------------- atomic writes
def fsync_dir(directory: Path) -> None:
    """Make a rename or a new file in ``directory`` durable (POSIX)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # platforms without directory fds: the rename is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def atomic_write_bytes(path: Path | str, data: bytes, *, crash_prefix: str = "checkpoint") -> None:
    """Replace ``path`` with ``data`` atomically and durably.

    temp file (same directory, so the rename cannot cross file systems) -> write ->
    fsync -> rename over ``path`` -> fsync the directory. A crash at any point leaves
    either the previous file or the complete new one under ``path``; at worst a temp
    file is left behind, which readers ignore (its name starts with a dot and ends in
    ``.tmp``).
    """
    path = Path(path)
    directory = path.parent
    temp = directory / f".{path.name}.{os.getpid()}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        if ARMED:
            if crash_due(crash_prefix + "_mid_write"):
                # Tear the temp file: half of it reaches the OS, then the process dies.
                _write_all(fd, data[: len(data) // 2])
            crash_point(crash_prefix + "_mid_write")
        _write_all(fd, data)
        if ARMED:
            crash_point(crash_prefix + "_before_fsync")
        os.fsync(fd)
    finally:
        os.close(fd)
    if ARMED:
        crash_point(crash_prefix + "_before_rename")
    os.replace(temp, path)
    if ARMED:
        crash_point(crash_prefix + "_before_dir_fsync")
    fsync_dir(directory)
    if ARMED:
        crash_point(crash_prefix + "_after_rename")
