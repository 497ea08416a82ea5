"""A backtest-like process for the SIGKILL suite (run as a script by the tests).

Drives a core through the seeded recovery stream with a ``RecordingSession``: a
replay log (flush policy from ``--policy``) and a checkpoint every
``--checkpoint-every`` committed steps. The tests set ``CRACKTRADER_CRASH_AT`` to
make ``cracktrader.engine.durable.crash_point`` SIGKILL it at an exact place.
On a clean finish it prints ``{"state_hash": ..., "committed": ...}``.
"""

from __future__ import annotations

import argparse
import json
import sys

from cracktrader.bench.recovery_stream import CONFIG, generate
from cracktrader.engine.recording import RecordingSession


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", required=True, help="run directory (replay.log, checkpoints/)")
    parser.add_argument("--seed", type=int, required=True, help="stream seed")
    parser.add_argument("--steps", type=int, required=True, help="inputs to generate")
    parser.add_argument("--checkpoint-every", type=int, required=True, help="committed steps per checkpoint")
    parser.add_argument("--policy", default="step", help="log flush policy: step, every:N, close")
    parser.add_argument("--backend", default="python", help="core backend")
    parser.add_argument("--fsync", action="store_true", help="fsync the log too (checkpoints always are)")
    args = parser.parse_args(argv)
    session = RecordingSession.start(
        args.dir,
        run_id=f"crash-{args.seed}",
        config=CONFIG,
        backend=args.backend,
        checkpoint_every=args.checkpoint_every,
        policy=args.policy,
        fsync=args.fsync,
        keep=1000,
        clock=lambda: 1_700_000_000_000,
    )
    for item in generate(args.seed, args.steps):
        session.apply(item)
    session.close()
    print(json.dumps({"state_hash": session.core.state_hash(), "committed": session.committed}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
