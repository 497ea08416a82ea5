"""Checkpoint v1: envelope, strict validation, migration, atomic checksummed files."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from recovery_helpers import record_run

from cracktrader.bench.recovery_stream import CONFIG, generate
from cracktrader.engine import build_core
from cracktrader.engine.canonical import canonical_bytes, state_hash
from cracktrader.engine.checkpoint import (
    CheckpointEnvelope,
    CheckpointStore,
    build_checkpoint_from_runtime,
    checkpoint_name,
    latest_checkpoint,
    migrate_checkpoint_payload,
    validate_checkpoint_payload,
)
from cracktrader.engine.durable import RecoveryError
from cracktrader.engine.validation import problems


class Runtime:
    """The smallest runtime ``build_checkpoint_from_runtime`` accepts."""

    def __init__(self, core: Any) -> None:
        self.core = core
        self.run_id = "run-7"
        self.mode = "backtest"
        self.data_hash = "ab" * 32
        self.seed = 42

    def broker_state(self) -> dict[str, Any]:
        return {"venue_order_ids": {}}

    def strategy_state(self) -> dict[str, Any]:
        return {"sma": "101.5"}


@pytest.fixture
def envelope() -> CheckpointEnvelope:
    core = build_core("python", CONFIG)
    core.apply_batch(list(generate(3, 150)))
    return build_checkpoint_from_runtime(Runtime(core), created_at=1_700_000_000_000)


def test_build_from_runtime_captures_the_run(envelope: CheckpointEnvelope) -> None:
    payload = envelope.to_dict()
    assert payload["schema_version"] == 1
    assert payload["cursor"] == payload["engine_state"]["last_seq_id"] > 0
    assert payload["config_hash"] == hashlib.sha256(canonical_bytes(payload["engine_state"]["config"])).hexdigest()
    assert payload["strategy_state"] == {"sma": "101.5"} and payload["risk_state"] == {} and payload["seed"] == 42
    assert "metadata" not in payload
    assert problems("checkpoint", payload) == []  # the full schema, engine state included


def test_dict_and_json_round_trips(envelope: CheckpointEnvelope) -> None:
    assert CheckpointEnvelope.from_dict(envelope.to_dict()) == envelope
    assert CheckpointEnvelope.from_json(envelope.to_json()) == envelope
    assert CheckpointEnvelope.from_json(envelope.to_json().encode()) == envelope
    assert json.loads(envelope.to_json()) == envelope.to_dict()


def test_restoring_engine_state_gives_the_same_state_hash(envelope: CheckpointEnvelope, backend: str) -> None:
    core = build_core(backend, envelope.engine_state["config"])
    core.restore(envelope.engine_state)
    assert core.state_hash() == envelope.state_hash == state_hash(envelope.engine_state)


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda p: p.pop("run_id"), "'run_id' is a required property"),
        (lambda p: p.update(extra=1), "Additional properties"),
        (lambda p: p.update(mode="replay"), "/mode"),
        (lambda p: p.update(cursor=-1), "/cursor"),
        (lambda p: p.update(config_hash="XYZ"), "/config_hash"),
        (lambda p: p.update(cursor=p["cursor"] + 1), "differs from engine_state.last_seq_id"),
        (lambda p: p.update(mode="live"), "needs a 'external' core"),
        (lambda p: p["engine_state"].update(cash=1.5), "/engine_state/cash"),
        (lambda p: p.update(seed="7"), "/seed"),
        (lambda p: p.update(schema_version=True), "schema_version must be"),
    ],
)
def test_validation_is_strict(envelope: CheckpointEnvelope, mutate: Any, fragment: str) -> None:
    payload = copy.deepcopy(envelope.to_dict())
    mutate(payload)
    with pytest.raises(RecoveryError) as info:
        validate_checkpoint_payload(payload)
    assert info.value.code == "checkpoint_invalid"
    assert fragment in str(info.value)
    with pytest.raises(RecoveryError):
        CheckpointEnvelope.from_dict(payload)


def test_shallow_validation_leaves_the_engine_state_to_restore(envelope: CheckpointEnvelope) -> None:
    payload = copy.deepcopy(envelope.to_dict())
    payload["engine_state"]["cash"] = 1.5
    validate_checkpoint_payload(payload, deep=False)  # accepted here ...
    core = build_core("python", CONFIG)
    with pytest.raises(Exception, match="cash"):
        core.restore(payload["engine_state"])  # ... and refused by the core


def _v0(envelope: CheckpointEnvelope) -> dict[str, Any]:
    v1 = envelope.to_dict()
    return {
        "schema_version": 0,
        "created_at": v1["created_at"],
        "run_id": v1["run_id"],
        "mode": v1["mode"],
        "config_hash": v1["config_hash"],
        "data_hash": v1["data_hash"],
        "engine": v1["engine_state"],
        "broker": v1["broker_state"],
        "feeds": v1["feed_cursors"],
        "risk": v1["risk_state"],
        "strategy": v1["strategy_state"],
        "step_seq": v1["cursor"],
        "seed": v1["seed"],
    }


def test_v0_migrates_to_v1(envelope: CheckpointEnvelope) -> None:
    v0 = _v0(envelope)
    before = copy.deepcopy(v0)
    migrated = migrate_checkpoint_payload(v0)
    assert v0 == before  # not modified in place
    expected = {**envelope.to_dict(), "metadata": {"migrated_from": 0}}
    assert migrated == expected
    loaded = CheckpointEnvelope.from_dict(v0)
    assert loaded.migrated_from == 0 and loaded.cursor == envelope.cursor
    assert loaded.state_hash == envelope.state_hash
    with pytest.raises(RecoveryError, match="must be migrated first"):
        validate_checkpoint_payload(v0)


def test_v0_with_unknown_or_missing_fields_is_refused(envelope: CheckpointEnvelope) -> None:
    v0 = _v0(envelope)
    with pytest.raises(RecoveryError, match="unknown fields: engine_state"):
        migrate_checkpoint_payload({**v0, "engine_state": {}})
    del v0["step_seq"]
    with pytest.raises(RecoveryError, match="lacks fields: step_seq"):
        migrate_checkpoint_payload(v0)


@pytest.mark.parametrize("version", [2, 17])
def test_newer_versions_are_refused_clearly(envelope: CheckpointEnvelope, version: int) -> None:
    payload = {**envelope.to_dict(), "schema_version": version}
    for call in (migrate_checkpoint_payload, validate_checkpoint_payload, CheckpointEnvelope.from_dict):
        with pytest.raises(RecoveryError) as info:
            call(payload)
        assert info.value.code == "checkpoint_version_unsupported"
        assert f"schema_version {version} is newer" in str(info.value) and "upgrade cracktrader" in str(info.value)


@pytest.mark.parametrize("payload", [None, [], "x", {}, {"schema_version": -1}, {"schema_version": "1"}])
def test_payloads_without_a_usable_version_are_refused(payload: Any) -> None:
    with pytest.raises(RecoveryError) as info:
        migrate_checkpoint_payload(payload)
    assert info.value.code == "checkpoint_invalid"


def test_from_json_is_strict(envelope: CheckpointEnvelope) -> None:
    text = envelope.to_json()
    duplicated = text[:-1] + ',"run_id":"other"}'
    with pytest.raises(RecoveryError, match="not strict JSON"):
        CheckpointEnvelope.from_json(duplicated)
    with pytest.raises(RecoveryError, match="not strict JSON"):
        CheckpointEnvelope.from_json(text.replace('"cursor":', '"cursor":NaN,"x":', 1))


def test_file_is_framed_with_a_checksum_of_the_payload(tmp_path: Path, envelope: CheckpointEnvelope) -> None:
    path = envelope.save(tmp_path / "c.json")
    data = path.read_bytes()
    frame = json.loads(data)
    assert frame["format"] == "cracktrader.checkpoint/1"
    payload_bytes = canonical_bytes(frame["payload"])
    assert frame["sha256"] == hashlib.sha256(payload_bytes).hexdigest()
    assert CheckpointEnvelope.load(path) == envelope
    assert CheckpointEnvelope.load(path).path == str(path)
    assert [p.name for p in tmp_path.iterdir()] == ["c.json"]  # no temp file left


@pytest.mark.parametrize("cut", [0, 1, 30, 100, -200, -2, -1])
def test_truncated_files_are_refused(tmp_path: Path, envelope: CheckpointEnvelope, cut: int) -> None:
    data = envelope.to_bytes()
    path = tmp_path / "c.json"
    path.write_bytes(data[:cut] if cut > 0 else data[: len(data) + cut] if cut else b"")
    with pytest.raises(RecoveryError) as info:
        CheckpointEnvelope.load(path)
    assert info.value.code == "checkpoint_corrupt"
    assert "truncated" in str(info.value) or "empty" in str(info.value) or "checksum" in str(info.value)


def test_a_flipped_bit_anywhere_is_refused(tmp_path: Path, envelope: CheckpointEnvelope) -> None:
    data = envelope.to_bytes()
    path = tmp_path / "c.json"
    for position in range(0, len(data), max(1, len(data) // 300)):
        damaged = bytearray(data)
        damaged[position] ^= 0x04
        path.write_bytes(bytes(damaged))
        with pytest.raises(RecoveryError) as info:
            CheckpointEnvelope.load(path)
        assert info.value.code == "checkpoint_corrupt", position


def test_an_unframed_payload_file_is_refused(tmp_path: Path, envelope: CheckpointEnvelope) -> None:
    path = tmp_path / "c.json"
    path.write_text(envelope.to_json())
    with pytest.raises(RecoveryError, match="not a framed cracktrader checkpoint"):
        CheckpointEnvelope.load(path)
    with pytest.raises(RecoveryError) as info:
        CheckpointEnvelope.load(tmp_path / "missing.json")
    assert info.value.code == "checkpoint_unreadable"


def test_a_valid_frame_around_an_invalid_payload_is_still_validated(tmp_path: Path, envelope: CheckpointEnvelope) -> None:
    payload = {**envelope.to_dict(), "cursor": 0}
    body = canonical_bytes(payload)
    data = b'{"format":"cracktrader.checkpoint/1","sha256":"' + hashlib.sha256(body).hexdigest().encode() + b'","payload":' + body + b"}\n"
    path = tmp_path / "c.json"
    path.write_bytes(data)
    with pytest.raises(RecoveryError) as info:
        CheckpointEnvelope.load(path)
    assert info.value.code == "checkpoint_invalid" and info.value.path == str(path)


def test_store_keeps_the_newest_and_skips_broken_and_temp_files(tmp_path: Path) -> None:
    session = record_run(tmp_path, steps=300, checkpoint_every=50)
    store = CheckpointStore(tmp_path / "checkpoints", keep=2)
    core = session.core
    newest = build_checkpoint_from_runtime(session, created_at=1)
    store.write(newest)
    names = [p.name for p in store.paths()]
    assert names == sorted(names, reverse=True) and len(names) == 2
    assert names[0] == checkpoint_name(core.snapshot()["last_seq_id"])
    # A crash left a temp file, and the newest checkpoint got damaged.
    (tmp_path / "checkpoints" / f".{names[0]}.123.tmp").write_bytes(b"{partial")
    damaged = store.paths()[0]
    damaged.write_bytes(damaged.read_bytes()[:-10])
    found, skipped = latest_checkpoint(tmp_path / "checkpoints")
    assert found is not None and found.path == str(store.paths()[1])
    assert [s["code"] for s in skipped] == ["checkpoint_corrupt"]
    with pytest.raises(ValueError):
        CheckpointStore(tmp_path / "x", keep=0)


def test_session_checkpoints_sync_the_log_first(tmp_path: Path) -> None:
    # With flush policy "close", lines reach the file only on sync: every
    # checkpoint must have forced them out, so the log always covers its cursor.
    session = record_run(tmp_path, steps=200, checkpoint_every=40, policy="close", close=False)
    envelope, _ = latest_checkpoint(tmp_path / "checkpoints")
    assert envelope is not None and envelope.cursor > 0
    from cracktrader.engine.replay import scan

    assert scan(tmp_path / "replay.log")["last_seq_id"] >= envelope.cursor
    session.close()
