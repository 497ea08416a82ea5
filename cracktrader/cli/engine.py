"""``cracktrader engine ...``: crash recovery and replay of the deterministic core.

``recover`` rebuilds a core from a checkpoint plus the replay log and checks it
against an uninterrupted replay; ``replay`` replays a whole log and prints the final
state hash. Both run on either backend (``--backend python|rust``). See
docs/recovery.md for what an operator does after a crash.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from cracktrader.backend import BACKENDS
from cracktrader.engine.durable import RecoveryError
from cracktrader.engine.errors import BackendUnavailable

EXIT_OK, EXIT_MISMATCH, EXIT_REFUSED, EXIT_BACKEND, EXIT_STRICT = 0, 1, 3, 4, 5

RECOVER_EPILOG = """examples:
  cracktrader engine recover --checkpoint run/checkpoints --replay run/replay.log
  cracktrader engine recover --checkpoint run/checkpoints/ckpt-00000000000000001927.json \\
      --replay run/replay.log --backend rust --json

--checkpoint may be a file or a directory (the newest checkpoint that verifies is
used; newer broken ones are listed). The log is verified line by line first: a torn
last line (a write cut short by the crash) is reported and ignored; a corrupt line
anywhere else refuses recovery and names its line number.

exit codes: 0 recovered and identical to an uninterrupted replay; 1 recovered state
differs (mismatch); 2 usage; 3 checkpoint or log refused; 4 backend unavailable;
5 --strict refused a warning.
"""

REPLAY_EPILOG = """examples:
  cracktrader engine replay --replay run/replay.log
  cracktrader engine replay --replay run/replay.log --backend rust --check-determinism

Prints the final state hash (the lower-case hex SHA-256 of the canonical snapshot).
exit codes: 0 ok; 1 a logged result was not reproduced (or determinism check failed);
2 usage; 3 log refused; 4 backend unavailable; 5 --strict refused a warning.
"""


def register(groups: Any) -> None:
    """Add the ``engine`` group and its sub-commands."""
    parser = groups.add_parser(
        "engine",
        help="recover and replay the deterministic core",
        description="Crash recovery and replay of the deterministic core (either backend).",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    recover = commands.add_parser(
        "recover",
        help="rebuild a core from a checkpoint and the replay log, and verify it",
        description="Rebuild a core from a checkpoint plus the replay-log suffix after its cursor, "
        "then compare it with an uninterrupted replay of the same log.",
        epilog=RECOVER_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = recover.add_mutually_exclusive_group(required=True)
    source.add_argument("--checkpoint", metavar="PATH", help="checkpoint file, or a directory of them")
    source.add_argument(
        "--from-genesis",
        action="store_true",
        help="no usable checkpoint: replay the whole log from the empty core it starts from",
    )
    recover.add_argument("--replay", required=True, metavar="PATH", help="the run's replay log")
    recover.add_argument(
        "--start-step",
        type=_positive_int,
        metavar="N",
        help="first seq_id to replay (default: cursor + 1); steps between the cursor and N are "
        "skipped on both paths and reported",
    )
    recover.add_argument(
        "--strict", action="store_true", help="refuse on any warning (torn tail, unclosed log, skipped steps)"
    )
    recover.add_argument("--backend", choices=BACKENDS, default=None, help="core backend (default: $CRACKTRADER_BACKEND or python)")
    recover.add_argument(
        "--verify-backend", choices=BACKENDS, default=None, help="backend of the uninterrupted replay (default: --backend)"
    )
    recover.add_argument("--no-verify", action="store_true", help="skip the uninterrupted replay (faster, unchecked)")
    recover.add_argument(
        "--expect-intent-hash", metavar="HEX", help="expected SHA-256 of the replayed suffix's intent stream"
    )
    recover.add_argument("--json", action="store_true", help="print the full report as JSON")
    recover.set_defaults(handler=run_recover)

    replay = commands.add_parser(
        "replay",
        help="replay a whole log on a fresh core and print the final state hash",
        description="Replay a replay log from an empty core and print the final state hash.",
        epilog=REPLAY_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    replay.add_argument("--replay", required=True, metavar="PATH", help="the replay log")
    replay.add_argument("--backend", choices=BACKENDS, default=None, help="core backend (default: $CRACKTRADER_BACKEND or python)")
    replay.add_argument(
        "--check-determinism",
        action="store_true",
        help="also replay twice more: again, and from a mid-stream snapshot plus the tail",
    )
    replay.add_argument("--split-at", type=_positive_int, metavar="SEQ", help="seq_id of the mid-stream snapshot")
    replay.add_argument("--tail-backend", choices=BACKENDS, default=None, help="backend for the tail after the snapshot")
    replay.add_argument("--strict", action="store_true", help="refuse a torn or unclosed log")
    replay.add_argument("--json", action="store_true", help="print a JSON report instead of the hash")
    replay.set_defaults(handler=run_replay)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be >= 1")
    return value


def _print_json(obj: Any, out: TextIO) -> None:
    out.write(json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def _backend_error(exc: BackendUnavailable, as_json: bool) -> int:
    if as_json:
        _print_json({"status": "refused", "code": "backend_unavailable", "message": str(exc), "exit_code": EXIT_BACKEND}, sys.stdout)
    print(f"error: {exc}", file=sys.stderr)
    return EXIT_BACKEND


# ------------------------------------------------------------------ recover
def run_recover(args: argparse.Namespace) -> int:
    """``cracktrader engine recover``."""
    from cracktrader.engine.recovery import RecoveryRunner

    try:
        runner = RecoveryRunner(
            None if args.from_genesis else args.checkpoint,
            args.replay,
            backend=args.backend,
            start_step=args.start_step,
            strict=args.strict,
            verify=not args.no_verify,
            verify_backend=args.verify_backend,
            expected_intent_stream_hash=args.expect_intent_hash,
        )
        report = runner.run()
    except BackendUnavailable as exc:
        return _backend_error(exc, args.json)
    if args.json:
        _print_json(report.to_dict(), sys.stdout)
    else:
        _print_recovery(report, sys.stdout)
    if report.status == "refused":
        print(f"refused: {report.message}", file=sys.stderr)
        print(f"hint: {_HINTS.get(report.code or '', 'see docs/recovery.md')}", file=sys.stderr)
    elif report.status == "mismatch":
        print("error: the recovered state differs from an uninterrupted replay; do not resume", file=sys.stderr)
    return report.exit_code


_HINTS = {
    "checkpoint_corrupt": "use an older checkpoint (pass the checkpoint directory to pick the newest valid one)",
    "checkpoint_unreadable": "check the path and permissions; with no usable checkpoint at all, "
    "recover with --from-genesis (replays the whole log)",
    "checkpoint_invalid": "the checkpoint does not match its schema; use an older checkpoint",
    "checkpoint_version_unsupported": "upgrade cracktrader to the version that wrote this checkpoint",
    "replay_log_corrupt": "the log is damaged at the named line; restore it from a replica or backup",
    "replay_log_unreadable": "check the path and permissions",
    "replay_log_header_invalid": "the log has no usable header; it cannot be replayed",
    "replay_log_behind_checkpoint": "the log lost steps the checkpoint covers; use an older checkpoint or a backup log",
    "checkpoint_log_mismatch": "the checkpoint and the log belong to different runs or configs",
    "start_step_invalid": "--start-step must be greater than the checkpoint cursor",
    "strict_warning": "rerun without --strict to accept the warnings, after reading them",
}


def _print_recovery(report: Any, out: TextIO) -> None:
    if report.status == "refused":
        out.write(f"status: refused ({report.code})\n")
        for item in report.refused_checkpoints:
            out.write(f"  skipped checkpoint: {item['message']}\n")
        return
    checkpoint = report.checkpoint or {}
    out.write(f"status: {report.status}\n")
    out.write(f"run: {report.run_id}   backend: {report.backend}\n")
    out.write(f"checkpoint: {checkpoint.get('path')} (cursor {checkpoint.get('cursor')})\n")
    for item in report.refused_checkpoints:
        out.write(f"  skipped newer checkpoint: {item['message']}\n")
    out.write(
        f"replayed: {report.replayed_steps} steps from step {report.start_step}, "
        f"{report.fills_replayed} fills; last seq_id {report.last_seq_id}\n"
    )
    out.write(f"state hash: {report.state_hash}\n")
    out.write(f"cash: {report.cash}   fees paid: {report.fees_paid}   open orders: {report.open_orders}\n")
    if report.deterministic is None:
        out.write("verified: no (--no-verify)\n")
    else:
        out.write(f"deterministic: {'yes' if report.deterministic else 'NO'} "
                  f"(uninterrupted replay on {report.verify_backend}: {report.expected_state_hash})\n")
    for warning in report.warnings:
        out.write(f"warning: {_describe_warning(warning)}\n")
    for mismatch in report.mismatches:
        out.write(f"mismatch: {json.dumps(mismatch, sort_keys=True)[:400]}\n")


def _describe_warning(warning: dict[str, Any]) -> str:
    code = warning["code"]
    if code == "replay_log_torn_tail":
        return f"torn last line {warning['line']} ({warning['bytes']} bytes) ignored: a write cut short by the crash"
    if code == "replay_log_unclosed":
        return "the log has no end record (the run did not stop cleanly)"
    if code == "steps_skipped":
        return f"{warning['count']} steps skipped (seq_id {warning['from']}..{warning['to']})"
    return code


# ------------------------------------------------------------------- replay
def run_replay(args: argparse.Namespace) -> int:
    """``cracktrader engine replay``."""
    from cracktrader.engine.replay import determinism_check, replay_log

    try:
        outcome = replay_log(args.replay, args.backend)
        report = outcome.to_dict()
        report["backend"] = _resolved(args.backend)
        check = None
        if args.check_determinism:
            check = determinism_check(args.replay, args.backend, split_at=args.split_at, tail_backend=args.tail_backend)
            report["determinism"] = check
    except BackendUnavailable as exc:
        return _backend_error(exc, args.json)
    except RecoveryError as exc:
        if args.json:
            _print_json({"status": "refused", **exc.to_dict(), "exit_code": EXIT_REFUSED}, sys.stdout)
        print(f"refused: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    code = EXIT_OK
    if not outcome.deterministic or (check is not None and not check["deterministic"]):
        code = EXIT_MISMATCH
        report["code"] = "replay_diverged"
    elif args.strict and outcome.warnings:
        code = EXIT_STRICT
        report["code"] = "strict_warning"
    report["exit_code"] = code
    if args.json:
        _print_json(report, sys.stdout)
    else:
        sys.stdout.write(outcome.state_hash + "\n")
        for warning in outcome.warnings:
            print(f"warning: {_describe_warning(warning)}", file=sys.stderr)
        for divergence in report["divergences"]:
            print(f"divergence: step seq_id {divergence['seq_id']} (line {divergence['line']}): {divergence['what']}", file=sys.stderr)
        if check is not None:
            print(f"determinism: {'ok' if check['deterministic'] else 'FAILED'} {json.dumps(check['state_hashes'])}", file=sys.stderr)
    return code


def _resolved(backend: str | None) -> str:
    from cracktrader.backend import resolve_backend

    return resolve_backend(backend)
