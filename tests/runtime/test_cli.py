"""``cracktrader runtime ...`` and ``cracktrader daemon`` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from runtime_support import ROOT, free_port, wait_until

pytestmark = pytest.mark.integration


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cracktrader", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def test_every_command_has_help():
    for args in (["--help"], ["daemon", "--help"], ["runtime", "--help"], *(
            ["runtime", name, "--help"] for name in
            ("start", "list", "show", "events", "control", "stop", "reports", "post-report"))):
        result = cli(*args)
        assert result.returncode == 0 and "usage:" in result.stdout, args


def test_a_session_from_the_command_line(daemon_factory, parity_json_out):
    daemon = daemon_factory()
    conn = ["--url", daemon.url, "--storage", str(daemon.storage)]
    started = cli("runtime", "start", *conn, "--strategy", "demo:Churn", "--mode", "paper", "--pace-ms", "10",
                  "--bars", "0", "--param", "every=3", "--param", "qty=\"0.2\"", "--symbols", "BTC/USDT,ETH/USDT")
    assert started.returncode == 0, started.stderr
    rid = started.stdout.strip()
    assert rid.startswith("rt-")
    shown = json.loads(cli("runtime", "show", *conn, rid, "--json").stdout)
    assert shown["spec"]["params"] == {"every": 3, "qty": "0.2"} and shown["spec"]["mode"] == "paper"
    listed = cli("runtime", "list", *conn)
    assert rid in listed.stdout and "demo:Churn" in listed.stdout
    wait_until(lambda: json.loads(cli("runtime", "show", *conn, rid, "--json").stdout)["last_sequence"] > 20)
    events = cli("runtime", "events", *conn, rid, "--limit", "5", "--json")
    lines = [json.loads(line) for line in events.stdout.splitlines()]
    assert [e["sequence"] for e in lines] == [1, 2, 3, 4, 5]
    paused = cli("runtime", "control", *conn, rid, "pause", "--command-id", "cli-1")
    assert paused.returncode == 0 and paused.stdout.startswith("accepted: pause (cli-1)")
    again = cli("runtime", "control", *conn, rid, "pause", "--command-id", "cli-1", "--json")
    assert json.loads(again.stdout)["status"] == "accepted"
    conflict = cli("runtime", "control", *conn, rid, "stop", "--command-id", "cli-1")
    assert conflict.returncode == 3 and "command_id_conflict" in conflict.stderr
    assert cli("runtime", "stop", *conn, rid).returncode == 0
    followed = cli("runtime", "events", *conn, rid, "--follow", "--json", timeout=60)
    streamed = [json.loads(line) for line in followed.stdout.splitlines()]
    assert streamed[-1]["name"] == "stopped"
    assert [e["sequence"] for e in streamed] == list(range(1, len(streamed) + 1))
    everything = cli("runtime", "events", *conn, rid, "--all", "--limit", "7", "--json")
    assert [json.loads(line) for line in everything.stdout.splitlines()] == streamed
    fills = cli("runtime", "events", *conn, rid, "--all", "--family", "fill", "--json")
    assert all(json.loads(line)["family"] == "fill" for line in fills.stdout.splitlines())
    late = cli("runtime", "control", *conn, rid, "resume")
    assert late.returncode == 3 and late.stdout.startswith("rejected")
    posted = cli("runtime", "post-report", *conn, str(parity_json_out))
    assert posted.returncode == 0 and "parity_summary" in posted.stdout
    assert "parity_summary" in cli("runtime", "reports", *conn).stdout


def test_refusals_and_unreachable_daemons(daemon_factory, tmp_path):
    daemon = daemon_factory()
    conn = ["--url", daemon.url]
    read_only = tmp_path / "read.token"
    read_only.write_text(daemon.read_token)
    refused = cli("runtime", "start", *conn, "--token-file", str(read_only), "--strategy", "demo:Churn")
    assert refused.returncode == 3 and "forbidden" in refused.stderr
    assert cli("runtime", "list", *conn, "--token-file", str(read_only)).returncode == 0
    anonymous = cli("runtime", "list", *conn, env={"CRACKTRADER_DAEMON_TOKEN": ""})
    assert anonymous.returncode == 3 and "unauthorized" in anonymous.stderr
    from_env = cli("runtime", "list", *conn, env={"CRACKTRADER_DAEMON_TOKEN": daemon.token})
    assert from_env.returncode == 0
    missing = cli("runtime", "start", *conn, "--storage", str(daemon.storage), "--strategy", "nowhere:X")
    assert missing.returncode == 3 and "strategy_not_found" in missing.stderr
    nobody = cli("runtime", "list", "--url", f"http://127.0.0.1:{free_port()}")
    assert nobody.returncode == 6 and "no daemon" in nobody.stderr


def test_the_daemon_refuses_to_start_unsafely(tmp_path, daemon_factory):
    storage = tmp_path / "s"
    storage.mkdir(mode=0o700)
    token = storage / "daemon.token"
    token.write_text("x" * 40)
    token.chmod(0o644)
    result = cli("daemon", "--storage", str(storage), "--port", str(free_port()))
    assert result.returncode == 6 and "chmod 600" in result.stderr
    result = cli("daemon", "--storage", str(tmp_path / "t"), "--port", str(free_port()),
                 "--strategy-path", str(tmp_path / "missing"))
    assert result.returncode == 6 and "not a directory" in result.stderr
    taken = daemon_factory()
    result = cli("daemon", "--storage", str(tmp_path / "u"), "--port", str(taken.port))
    assert result.returncode == 6


def test_the_daemon_listens_on_loopback_only_by_default(daemon_factory):
    daemon = daemon_factory()
    # The kernel's table of listening sockets: the daemon's port is bound to
    # 127.0.0.1 only (0100007F), on no other IPv4 address and on no IPv6 address.
    def listening(table: str) -> list[list[str]]:
        rows = [line.split() for line in open(table).read().splitlines()[1:]]
        return [row for row in rows if row[1].endswith(f":{daemon.port:04X}") and row[3] == "0A"]

    assert [row[1] for row in listening("/proc/net/tcp")] == [f"0100007F:{daemon.port:04X}"]
    if os.path.exists("/proc/net/tcp6"):
        assert listening("/proc/net/tcp6") == []
