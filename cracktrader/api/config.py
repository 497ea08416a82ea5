"""The daemon's configuration (``cracktrader daemon`` options)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class DaemonConfig:
    """Everything ``create_app`` needs."""

    storage_dir: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    bus_url: str | None = None
    strategy_paths: list[Path] = field(default_factory=list)
    builtin_strategies: bool = True
    # Exchanges runtimes may trade on (none: paper/live/sandbox on a venue are refused)
    # and modules, in the strategy paths, that register exchanges in the workers.
    allowed_exchanges: list[str] = field(default_factory=list)
    venue_modules: list[str] = field(default_factory=list)
    open_reads: bool = False
    max_active_runtimes: int = 16
    max_body_bytes: int = 1 << 20
    max_report_bytes: int = 16 << 20
    sqlite_synchronous: str = "FULL"
    # Host header names accepted (a DNS-rebinding guard); None accepts any. The CLI
    # sets the loopback names when the daemon binds to loopback.
    allowed_hosts: list[str] | None = None
    stop_timeout_s: float = 10.0
    shutdown_timeout_s: float = 5.0

    def strategy_roots(self) -> list[Path]:
        from cracktrader.runtime.strategy_adapter import builtin_strategy_root

        roots = [Path(p).resolve() for p in self.strategy_paths]
        if self.builtin_strategies:
            roots.append(builtin_strategy_root())
        return roots

    def default_allowed_hosts(self) -> list[str] | None:
        if is_loopback(self.host):
            return [*LOOPBACK_NAMES, "[::1]"]
        return None
