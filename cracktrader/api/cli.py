"""``cracktrader daemon --storage DIR [--host 127.0.0.1 --port 8765 ...]``: serve the API
and the operator page with uvicorn until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from cracktrader.api.config import DEFAULT_HOST, DEFAULT_PORT, DaemonConfig, is_loopback

EXIT_OK, EXIT_START = 0, 6

EPILOG = """security: binds to loopback by default. Writes and control need the admin token
($CRACKTRADER_DAEMON_TOKEN, or DIR/daemon.token, generated 0600 on first start); reads need
it or the read-only token ($CRACKTRADER_DAEMON_READ_TOKEN or DIR/daemon.read.token), unless
--open-reads. Strategies load only from --strategy-path directories (and the built-in demo
strategies). Paper, live and sandbox runtimes on a venue need --allow-exchange NAME; the
venue's credentials are read from the environment (CRACKTRADER_<NAME>_API_KEY, ...), never
from a request. See docs/runtime.md.
exit codes: 0 stopped cleanly, 2 usage, 6 could not start (storage, tokens, bus, port)."""


def register(groups: Any) -> None:
    """Add the ``daemon`` command."""
    parser = groups.add_parser("daemon", help="run the runtime daemon (HTTP API + operator page)",
                               description="Run the runtime daemon: HTTP API v1, live events, operator page.",
                               epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--storage", required=True, metavar="DIR", help="storage directory (store, tokens, logs)")
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"bind address (default {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--bus", metavar="URL", help="external bus: redis://host:port/db (default in-process)")
    parser.add_argument("--strategy-path", action="append", default=[], metavar="DIR",
                        help="a directory strategies may be loaded from (repeatable)")
    parser.add_argument("--no-builtin-strategies", action="store_true",
                        help="do not offer the built-in examples:* and demo:* strategies")
    parser.add_argument("--allow-exchange", action="append", default=[], metavar="NAME",
                        help="runtimes may run paper, live and sandbox on this exchange (repeatable; none by "
                             "default); credentials come from the environment (docs/sessions.md)")
    parser.add_argument("--venue-module", action="append", default=[], metavar="MODULE",
                        help="a module in the strategy paths that workers import before a venue runtime "
                             "starts, to register exchanges (ct.register_exchange; repeatable)")
    parser.add_argument("--open-reads", action="store_true", help="read endpoints answer without a token")
    parser.add_argument("--max-runtimes", type=int, default=16, help="active runtimes at most (default 16)")
    parser.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                        help="accept this Host header too (loopback names are always accepted on loopback)")
    parser.add_argument("--sqlite-synchronous", choices=("full", "normal"), default="full",
                        help="full (default): a commit survives power loss; normal: only process crashes")
    parser.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    parser.set_defaults(handler=run)


def config_from_args(args: argparse.Namespace) -> DaemonConfig:
    config = DaemonConfig(
        storage_dir=Path(args.storage).resolve(),
        host=args.host,
        port=args.port,
        bus_url=args.bus,
        strategy_paths=[Path(p) for p in args.strategy_path],
        builtin_strategies=not args.no_builtin_strategies,
        allowed_exchanges=list(args.allow_exchange),
        venue_modules=list(args.venue_module),
        open_reads=args.open_reads,
        max_active_runtimes=args.max_runtimes,
        sqlite_synchronous=args.sqlite_synchronous.upper(),
    )
    allowed = config.default_allowed_hosts()
    if allowed is not None or args.allow_host:
        config.allowed_hosts = [*(allowed or []), *args.allow_host]
    return config


def run(args: argparse.Namespace) -> int:
    """Check storage and tokens, then serve until interrupted."""
    try:
        import uvicorn

        from cracktrader.api.app import create_app
        from cracktrader.api.auth import TokenError, load_tokens, prepare_storage
    except ImportError as exc:
        print(f'cracktrader daemon: {exc}; install the daemon extra: pip install "cracktrader[daemon]"',
              file=sys.stderr)
        return EXIT_START
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = config_from_args(args)
    if args.max_runtimes < 1 or not 0 < args.port < 65536:
        print("cracktrader daemon: --max-runtimes must be >= 1 and --port in 1..65535", file=sys.stderr)
        return 2
    for path in config.strategy_paths:
        if not path.is_dir():
            print(f"cracktrader daemon: --strategy-path {path} is not a directory", file=sys.stderr)
            return EXIT_START
    try:
        prepare_storage(config.storage_dir)
        tokens = load_tokens(config.storage_dir)
    except (TokenError, OSError) as exc:
        print(f"cracktrader daemon: {exc}", file=sys.stderr)
        return EXIT_START
    if not is_loopback(config.host):
        print(f"cracktrader daemon: WARNING: listening on {config.host}, not loopback: anyone who can reach "
              "it and holds a token can use it; put TLS in front of it", file=sys.stderr)
    print(f"cracktrader daemon: storage {config.storage_dir}; admin token from {tokens.admin_source}, "
          f"read-only token from {tokens.read_source}", file=sys.stderr)
    print(f"cracktrader daemon: http://{config.host}:{config.port}/ui/ (API under /api/v1)", file=sys.stderr)
    server = uvicorn.Server(uvicorn.Config(
        create_app(config), host=config.host, port=config.port, log_level=args.log_level,
        access_log=False, timeout_graceful_shutdown=5, lifespan="on",
    ))
    try:
        server.run()
    except SystemExit as exc:  # uvicorn exits 1 when the port is taken or start-up failed
        return EXIT_START if exc.code else EXIT_OK
    return EXIT_OK if server.started else EXIT_START
