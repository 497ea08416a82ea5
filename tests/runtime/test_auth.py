"""Who may do what: tokens, read-only tokens, open reads, token files."""

from __future__ import annotations

import os
import stat

import pytest

from cracktrader.api.auth import TokenError, load_tokens, prepare_storage

API = "/api/v1"
READS = [
    ("GET", "/runtimes"), ("GET", "/runtimes/rt-0000000000000000"), ("GET", "/runtimes/rt-0000000000000000/events"),
    ("GET", "/runtimes/rt-0000000000000000/events/stream"), ("GET", "/runtimes/rt-0000000000000000/control"),
    ("GET", "/runtimes/rt-0000000000000000/read-models/status"), ("GET", "/fleet/read-models/status"),
    ("GET", "/reports"), ("GET", "/reports/rp-0000000000000000"),
]
WRITES = [
    ("POST", "/runtimes", {"strategy": "demo:Churn"}),
    ("POST", "/runtimes/rt-0000000000000000/control", {"command": "pause", "command_id": "c1"}),
    ("POST", "/reports", {"evidence": 1}),
]


def call(app, method, path, token=None, body=None):
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return app.client.request(method, API + path, json=body, headers=headers)


@pytest.mark.parametrize("method, path", READS)
def test_reads_need_a_token(app, method, path):
    missing = call(app, method, path)
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "unauthorized"
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert call(app, method, path, "not-the-token-at-all").status_code == 401
    assert call(app, method, path, app.read).status_code in (200, 404)
    assert call(app, method, path, app.admin).status_code in (200, 404)


@pytest.mark.parametrize("method, path, body", WRITES)
def test_writes_need_the_admin_token(app, method, path, body):
    assert call(app, method, path, None, body).status_code == 401
    assert call(app, method, path, "wrong-token-wrong-token", body).status_code == 401
    forbidden = call(app, method, path, app.read, body)
    assert forbidden.status_code == 403 and forbidden.json()["error"]["code"] == "forbidden"
    assert call(app, method, path, app.admin, body).status_code in (201, 200, 404)


def test_auth_is_checked_before_the_body(app):
    # An anonymous client learns nothing about what a valid body looks like.
    response = call(app, "POST", "/runtimes", None, {"nonsense": True})
    assert response.status_code == 401


def test_malformed_authorization_headers_are_401(app):
    for value in ("Basic abc", "Bearer", "Bearer ", app.admin, "bearer-" + app.admin):
        response = app.client.get(f"{API}/runtimes", headers={"Authorization": value})
        assert response.status_code == 401, value


def test_open_reads(make_app):
    app = make_app(open_reads=True)
    assert call(app, "GET", "/runtimes").status_code == 200
    assert call(app, "GET", "/runtimes", "a-token-nobody-issued").status_code == 401
    assert call(app, "POST", "/runtimes", None, {"strategy": "demo:Churn"}).status_code == 401
    assert app.client.get(f"{API}/health").json()["open_reads"] is True


def test_generated_token_files_are_owner_only(app):
    assert stat.S_IMODE(app.storage.stat().st_mode) == 0o700
    for name in ("daemon.token", "daemon.read.token"):
        path = app.storage / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert len(path.read_text().strip()) >= 32
    assert app.admin != app.read
    log_dir = app.storage / "logs"
    assert stat.S_IMODE(log_dir.stat().st_mode) == 0o700


def test_tokens_persist_across_restarts(make_app, tmp_path):
    first = make_app(storage=tmp_path / "s")
    second = make_app(storage=tmp_path / "s")
    assert (first.admin, first.read) == (second.admin, second.read)


def test_tokens_from_the_environment_are_used_and_not_written(make_app, tmp_path, monkeypatch):
    monkeypatch.setenv("CRACKTRADER_DAEMON_TOKEN", "e" * 40)
    monkeypatch.setenv("CRACKTRADER_DAEMON_READ_TOKEN", "r" * 40)
    app = make_app(storage=tmp_path / "env")
    assert (app.admin, app.read) == ("e" * 40, "r" * 40)
    assert not (tmp_path / "env" / "daemon.token").exists()
    assert call(app, "GET", "/runtimes", "r" * 40).status_code == 200


def test_unsafe_token_setups_are_refused(tmp_path, monkeypatch):
    storage = tmp_path / "s"
    prepare_storage(storage)
    load_tokens(storage)
    os.chmod(storage / "daemon.token", 0o644)
    with pytest.raises(TokenError, match="other users"):
        load_tokens(storage)
    os.chmod(storage / "daemon.token", 0o600)
    (storage / "daemon.token").write_text("short\n")
    with pytest.raises(TokenError, match="usable"):
        load_tokens(storage)
    monkeypatch.setenv("CRACKTRADER_DAEMON_TOKEN", "tiny")
    with pytest.raises(TokenError, match="at least"):
        load_tokens(storage)
    monkeypatch.setenv("CRACKTRADER_DAEMON_TOKEN", "s" * 20)
    monkeypatch.setenv("CRACKTRADER_DAEMON_READ_TOKEN", "s" * 20)
    with pytest.raises(TokenError, match="differ"):
        load_tokens(storage)
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    with pytest.raises(TokenError, match="writable"):
        prepare_storage(shared)
