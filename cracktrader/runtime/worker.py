"""The worker process of one runtime: ``python -m cracktrader.runtime.worker``.

Channels (set up by the daemon, ``cracktrader.runtime.host``):
- stdin: JSON lines from the daemon; the first is the boot message
  (``strategy_adapter.boot_message``), then control commands. End of file means the
  daemon is gone: the run stops.
- stdout: JSON lines of runtime events (``PipeSink``). Before any strategy code runs,
  the original stdout is moved to a private descriptor and fd 1 is pointed at stderr,
  so a ``print`` in a strategy can never corrupt the event stream.
- stderr: the runtime's log file in the storage directory.

On Linux the worker also asks the kernel to kill it if the daemon dies (parent-death
signal), so a SIGKILLed daemon leaves no orphan running a strategy.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import sys
import threading
from typing import BinaryIO

from cracktrader.runtime.controls import EOF_COMMAND, QueueControls

PR_SET_PDEATHSIG = 1
PARENT_PID = os.getppid()


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not fatal: stdin EOF still stops the run
        return
    if os.getppid() != PARENT_PID:
        os._exit(3)  # the daemon died before the signal was armed


def _event_stream() -> BinaryIO:
    """Move stdout to a private fd for events; make fd 1 (and sys.stdout) the log."""
    sys.stdout.flush()
    events_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)
    return os.fdopen(events_fd, "wb", buffering=1 << 16)


def _read_controls(stream: BinaryIO, controls: QueueControls) -> None:
    for line in stream:
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if isinstance(message, dict):
            controls.put(message)
    controls.put(dict(EOF_COMMAND))


def main() -> int:
    """Boot from stdin, run the strategy, exit with its status."""
    _die_with_parent()
    events = _event_stream()
    stdin = sys.stdin.buffer
    boot_line = stdin.readline()
    if not boot_line:
        return 2
    boot = json.loads(boot_line)
    controls = QueueControls()
    reader = threading.Thread(target=_read_controls, args=(stdin, controls), name="controls", daemon=True)
    reader.start()

    from cracktrader.runtime import strategy_adapter
    from cracktrader.runtime.sink import PipeSink

    sink = PipeSink(events)
    try:
        status = strategy_adapter.run(boot, sink, controls)
        sink.flush()
    except BrokenPipeError:
        # The daemon stopped reading: nobody can receive events any more.
        os._exit(3)
    return status


if __name__ == "__main__":
    sys.exit(main())
