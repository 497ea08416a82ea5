"""``cracktrader runtime start|list|show|events|control|stop|reports|post-report``:
talk to a running daemon (``cracktrader daemon``)."""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from typing import Any, Callable

from cracktrader.runtime.vocabulary import CONTROL_COMMANDS, FAMILIES, MODES, STATUSES

EXIT_OK, EXIT_REFUSED, EXIT_BACKEND, EXIT_UNREACHABLE = 0, 3, 4, 6

EPILOG = """connection: --url (or $CRACKTRADER_DAEMON_URL, default http://127.0.0.1:8765);
token: --token-file, the daemon.token of --storage DIR, or $CRACKTRADER_DAEMON_TOKEN.
exit codes: 0 ok, 2 usage, 3 the daemon refused the request, 4 backend unavailable,
6 no daemon reachable."""


def _connection() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("connection")
    group.add_argument("--url", help="daemon URL (default $CRACKTRADER_DAEMON_URL or http://127.0.0.1:8765)")
    group.add_argument("--token-file", metavar="PATH", help="file holding the bearer token")
    group.add_argument("--storage", metavar="DIR", help="the daemon's storage directory (reads its daemon.token)")
    group.add_argument("--json", action="store_true", help="print JSON instead of tables")
    return parent


def _param(text: str) -> tuple[str, Any]:
    if "=" not in text:
        raise argparse.ArgumentTypeError("a parameter is NAME=VALUE")
    name, value = text.split("=", 1)
    try:
        return name, json.loads(value)
    except ValueError:
        return name, value


def register(groups: Any) -> None:
    """Add the ``runtime`` group and its sub-commands."""
    parser = groups.add_parser("runtime", help="start, watch and control runtimes on a daemon",
                               description="Start, watch and control runtimes on a running daemon.",
                               epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    conn = _connection()

    def add(name: str, help_text: str, handler: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text, parents=[conn], epilog=EPILOG,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
        sub.set_defaults(handler=lambda args: _run(handler, args))
        return sub

    start = add("start", "start a runtime", _start)
    start.add_argument("--strategy", required=True, help="module:Class in a strategy path (e.g. examples:SmaCross)")
    start.add_argument("--param", action="append", type=_param, default=[], metavar="NAME=VALUE",
                       help="strategy parameter (VALUE read as JSON when it parses, else a string)")
    start.add_argument("--symbols", default="BTC/USDT", help="comma-separated (default BTC/USDT)")
    start.add_argument("--timeframe", default="1m")
    start.add_argument("--mode", choices=MODES, default="backtest")
    start.add_argument("--backend", choices=("python", "rust"), default="python")
    start.add_argument("--cash", default="100000", help="initial cash (decimal)")
    start.add_argument("--commission", default="0", help="commission rate (decimal)")
    start.add_argument("--bars", type=int, default=500, help="synthetic bars (0: unbounded, paper mode)")
    start.add_argument("--seed", type=int, default=0)
    start.add_argument("--exchange", metavar="NAME",
                       help="bars (and, live/sandbox, orders) on this venue instead of synthetic data; the "
                            "daemon must allow it (--allow-exchange)")
    start.add_argument("--max-bars", type=int, default=None, help="with --exchange: end after N bars")
    start.add_argument("--pace-ms", type=int, default=None, help="wall-clock ms between bars")
    start.add_argument("--strategy-id")
    start.add_argument("--label")

    listing = add("list", "list runtimes", _list)
    listing.add_argument("--status", choices=STATUSES)

    show = add("show", "show one runtime", _show)
    show.add_argument("runtime_id")

    events = add("events", "print a runtime's events (or follow them live)", _events)
    events.add_argument("runtime_id")
    events.add_argument("--after", type=int, default=0, help="start after this sequence")
    events.add_argument("--limit", type=int, default=100, help="page size")
    events.add_argument("--family", choices=FAMILIES)
    events.add_argument("--name")
    events.add_argument("--all", action="store_true", help="page until the end instead of one page")
    events.add_argument("--follow", action="store_true", help="stream live events until the runtime ends")

    control = add("control", "send a control command", _control)
    control.add_argument("runtime_id")
    control.add_argument("control_command", choices=CONTROL_COMMANDS, metavar="COMMAND",
                         help=", ".join(CONTROL_COMMANDS))
    control.add_argument("--command-id", help="idempotency key (default: a new UUID); reuse it to retry safely")
    control.add_argument("--reason")

    stop = add("stop", "stop a runtime (control stop)", _stop)
    stop.add_argument("runtime_id")
    stop.add_argument("--command-id")

    reports = add("reports", "list posted reports", _reports)
    reports.add_argument("--kind")

    post = add("post-report", "post a report file (parity --json-out, divergence report, ...)", _post_report)
    post.add_argument("file")
    post.add_argument("--kind")
    post.add_argument("--title")
    post.add_argument("--runtime-id")


def _run(handler: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    from cracktrader.runtime.client import ClientError, DaemonClient, Unreachable, resolve_token

    try:
        token = resolve_token(args.token_file, args.storage)
    except OSError as exc:
        print(f"cracktrader runtime: cannot read the token: {exc}", file=sys.stderr)
        return 2
    try:
        with DaemonClient(args.url, token) as client:
            args.client = client
            return handler(args)
    except Unreachable as exc:
        print(f"cracktrader runtime: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    except ClientError as exc:
        print(f"cracktrader runtime: refused: {exc}", file=sys.stderr)
        return EXIT_BACKEND if exc.code == "backend_unavailable" else EXIT_REFUSED
    except KeyboardInterrupt:
        return 130


def _print(args: argparse.Namespace, value: Any, text: str) -> None:
    print(json.dumps(value, indent=2, sort_keys=True) if args.json else text)


def _runtime_line(record: dict[str, Any]) -> str:
    spec = record["spec"]
    pnl = record.get("pnl") or {}
    return (f"{record['runtime_id']}  {record['status']:<11} {spec['mode']:<8} {spec['backend']:<6} "
            f"{spec['strategy']:<24} seq={record['last_sequence']:<8} equity={pnl.get('equity', '-')}"
            + ("  KILL-SWITCH" if record["kill_switch"] else ""))


def _start(args: argparse.Namespace) -> int:
    spec: dict[str, Any] = {
        "strategy": args.strategy,
        "params": dict(args.param),
        "symbols": [s.strip() for s in args.symbols.split(",") if s.strip()],
        "timeframe": args.timeframe,
        "mode": args.mode,
        "backend": args.backend,
        "initial_cash": args.cash,
        "commission_rate": args.commission,
        "data": {"source": "synthetic", "seed": args.seed, "bars": args.bars or None},
    }
    if args.exchange:
        spec["data"] = {"source": "exchange", "exchange": args.exchange, "max_bars": args.max_bars}
    for key, value in (("pace_ms", args.pace_ms), ("strategy_id", args.strategy_id), ("label", args.label)):
        if value is not None:
            spec[key] = value
    record = args.client.start(spec)
    _print(args, record, record["runtime_id"])
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    records = args.client.runtimes(args.status)
    _print(args, records, "\n".join(_runtime_line(r) for r in records) or "(no runtimes)")
    return EXIT_OK


def _show(args: argparse.Namespace) -> int:
    record = args.client.runtime(args.runtime_id)
    _print(args, record, _runtime_line(record))
    return EXIT_OK


def _event_line(event: dict[str, Any]) -> str:
    data = json.dumps(event["data"], separators=(",", ":"), sort_keys=True)
    return f"{event['sequence']:>8} {event['family']:<10} {event['name']:<20} {data[:160]}"


def _events(args: argparse.Namespace) -> int:
    client = args.client
    if args.follow:
        for event in client.stream(args.runtime_id, args.after, family=args.family, name=args.name):
            print(json.dumps(event, sort_keys=True) if args.json else _event_line(event), flush=True)
        return EXIT_OK
    after = args.after
    while True:
        page = client.events(args.runtime_id, after=after, limit=args.limit, family=args.family, name=args.name)
        for event in page["events"]:
            print(json.dumps(event, sort_keys=True) if args.json else _event_line(event))
        after = page["next_after_sequence"]
        if not (args.all and page["has_more"]):
            if not args.json:
                print(f"# next_after_sequence={after} has_more={str(page['has_more']).lower()}", file=sys.stderr)
            return EXIT_OK


def _control(args: argparse.Namespace) -> int:
    command_id = args.command_id or str(uuid.uuid4())
    response = args.client.control(args.runtime_id, args.control_command, command_id, args.reason)
    _print(args, response, f"{response['status']}: {response['command']} ({response['command_id']})"
           + (f" {response['code']}" if response["code"] else ""))
    return EXIT_OK if response["status"] == "accepted" else EXIT_REFUSED


def _stop(args: argparse.Namespace) -> int:
    args.control_command, args.reason = "stop", None
    return _control(args)


def _reports(args: argparse.Namespace) -> int:
    items = args.client.reports(args.kind)
    lines = [f"{r['report_id']}  {r['kind']:<18} {r['title']}" for r in items]
    _print(args, items, "\n".join(lines) or "(no reports)")
    return EXIT_OK


def _post_report(args: argparse.Namespace) -> int:
    with open(args.file, "rb") as handle:
        data = handle.read()
    meta = args.client.post_report(data, kind=args.kind, title=args.title, runtime_id=args.runtime_id)
    _print(args, meta, f"{meta['report_id']}  {meta['kind']}  {meta['title']}")
    return EXIT_OK
