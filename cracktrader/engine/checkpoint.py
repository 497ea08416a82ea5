"""Checkpoints (schema ``checkpoint``, v1): everything needed to resume a run.

Python-owned (no Rust twin): the ``engine_state`` inside is a core snapshot that
restores on either backend. See docs/recovery.md and D-365..D-367.

On disk a checkpoint is one strict-JSON document in a checksummed frame::

    {"format":"cracktrader.checkpoint/1","sha256":"<hex>","payload":<canonical payload>}\\n

The SHA-256 covers the exact payload bytes and is checked *before* the payload is
parsed, so a truncated or corrupted file is refused as a whole and never half-loaded.
Files are written with ``durable.atomic_write_bytes`` (temp file, write, fsync,
rename, directory fsync).

Payload versions: v1 is current; v0 (the pre-release layout, D-367) is migrated
explicitly by ``migrate_checkpoint_payload``; a newer version than this code knows is
refused with a message saying so (never guessed at, never downgraded).
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from cracktrader.engine import strict_json
from cracktrader.engine.canonical import canonical_bytes, canonical_dumps, state_hash
from cracktrader.engine.durable import RecoveryError, atomic_write_bytes
from cracktrader.engine.errors import InvalidPayload
from cracktrader.engine.validation import bundled_schema, problems

SCHEMA_VERSION = 1
FRAME_FORMAT = "cracktrader.checkpoint/1"
_FRAME_HEAD = b'{"format":"' + FRAME_FORMAT.encode() + b'","sha256":"'
_FRAME_MID = b'","payload":'
_FRAME_TAIL = b"}\n"
_PAYLOAD_AT = len(_FRAME_HEAD) + 64 + len(_FRAME_MID)
_HEX64 = re.compile(rb"[0-9a-f]{64}")

# Run mode -> the core mode it runs (DESIGN.md section 10): paper trading simulates
# fills on live data; live and sandbox are driven by venue reports.
CORE_MODE = {"backtest": "simulated", "paper": "simulated", "live": "external", "sandbox": "external"}

V1_FIELDS = (
    "schema_version",
    "created_at",
    "run_id",
    "mode",
    "config_hash",
    "data_hash",
    "engine_state",
    "broker_state",
    "feed_cursors",
    "risk_state",
    "strategy_state",
    "cursor",
    "seed",
    "metadata",
)
# v0 field -> v1 field (D-367). v0 had no metadata.
V0_RENAMES = {
    "schema_version": "schema_version",
    "created_at": "created_at",
    "run_id": "run_id",
    "mode": "mode",
    "config_hash": "config_hash",
    "data_hash": "data_hash",
    "engine": "engine_state",
    "broker": "broker_state",
    "feeds": "feed_cursors",
    "risk": "risk_state",
    "strategy": "strategy_state",
    "step_seq": "cursor",
    "seed": "seed",
}
V0_REQUIRED = tuple(key for key in V0_RENAMES if key != "seed")


def _invalid(message: str, path: str | None = None) -> RecoveryError:
    return RecoveryError("checkpoint_invalid", message, path=path)


# ---------------------------------------------------------------- migration
def _v0_to_v1(payload: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(payload) - set(V0_RENAMES))
    if unknown:
        raise _invalid(f"v0 checkpoint has unknown fields: {', '.join(unknown)}")
    missing = [key for key in V0_REQUIRED if key not in payload]
    if missing:
        raise _invalid(f"v0 checkpoint lacks fields: {', '.join(missing)}")
    out = {V0_RENAMES[key]: value for key, value in payload.items()}
    out["schema_version"] = 1
    out["metadata"] = {"migrated_from": 0}
    return out


MIGRATIONS = {0: _v0_to_v1}


def checkpoint_version(payload: Any) -> int:
    """The payload's ``schema_version``, or ``checkpoint_invalid`` when it has none."""
    if not isinstance(payload, dict):
        raise _invalid("a checkpoint payload must be a JSON object")
    version = payload.get("schema_version")
    if type(version) is not int or version < 0:
        raise _invalid(f"schema_version must be a non-negative integer, got {version!r}")
    return version


def migrate_checkpoint_payload(payload: Any) -> dict[str, Any]:
    """Bring a payload to v1, one explicit step at a time (v0 -> v1).

    Returns a new dict (the input is not modified). A version newer than
    ``SCHEMA_VERSION`` is refused with ``checkpoint_version_unsupported``.
    """
    version = checkpoint_version(payload)
    if version > SCHEMA_VERSION:
        raise RecoveryError(
            "checkpoint_version_unsupported",
            f"checkpoint schema_version {version} is newer than this cracktrader reads "
            f"(up to {SCHEMA_VERSION}); upgrade cracktrader to load it (it is never downgraded)",
        )
    out = dict(payload)
    while version < SCHEMA_VERSION:
        out = MIGRATIONS[version](out)
        version = out["schema_version"]
    return out


# --------------------------------------------------------------- validation
@lru_cache(maxsize=None)
def _shallow_validator() -> Draft202012Validator:
    # The checkpoint schema with engine_state checked only as an object: restoring a
    # core validates its snapshot fully (on either backend), and running the whole
    # core_snapshot schema twice over a large snapshot would double the cost.
    schema = copy.deepcopy(bundled_schema("checkpoint"))
    schema["properties"]["engine_state"] = {"type": "object"}
    return Draft202012Validator(schema)


def validate_checkpoint_payload(payload: Any, *, deep: bool = True) -> None:
    """Strictly validate a v1 payload; raise ``RecoveryError`` naming the first problem.

    Checks the ``checkpoint`` schema (with ``deep``, the engine state against
    ``core_snapshot`` too), then the cross-field rules of D-366: ``cursor`` equals
    ``engine_state.last_seq_id`` and the run ``mode`` matches the core's mode.
    Older versions must be migrated first; newer ones are unsupported.
    """
    version = checkpoint_version(payload)
    if version != SCHEMA_VERSION:
        if version > SCHEMA_VERSION:
            migrate_checkpoint_payload(payload)  # raises the unsupported-version error
        raise _invalid(f"schema_version {version} must be migrated first (migrate_checkpoint_payload)")
    if deep:
        found = problems("checkpoint", payload)
    else:
        found = sorted(
            {("".join(f"/{p}" for p in error.absolute_path), error.message) for error in _shallow_validator().iter_errors(payload)}
        )
    if found:
        where, reason = found[0]
        raise _invalid(f"schema: {where or '/'}: {reason}")
    engine = payload["engine_state"]
    last_seq = engine.get("last_seq_id")
    if payload["cursor"] != last_seq:
        raise _invalid(f"cursor {payload['cursor']} differs from engine_state.last_seq_id {last_seq!r}")
    core_mode = engine.get("config", {}).get("mode") if isinstance(engine.get("config"), dict) else None
    if CORE_MODE[payload["mode"]] != core_mode:
        raise _invalid(f"run mode {payload['mode']!r} needs a {CORE_MODE[payload['mode']]!r} core, found {core_mode!r}")


# ----------------------------------------------------------------- envelope
@dataclass(frozen=True)
class CheckpointEnvelope:
    """A validated v1 checkpoint. Build with ``from_dict``/``from_json``/``load``."""

    created_at: int
    run_id: str
    mode: str
    config_hash: str
    data_hash: str
    engine_state: dict[str, Any]
    broker_state: dict[str, Any]
    feed_cursors: dict[str, Any]
    risk_state: dict[str, Any]
    strategy_state: dict[str, Any]
    cursor: int
    seed: int | None = None
    metadata: dict[str, Any] | None = None
    # Where it came from (not part of the payload): the version read, the file.
    migrated_from: int | None = field(default=None, compare=False)
    path: str | None = field(default=None, compare=False)

    schema_version = SCHEMA_VERSION

    @classmethod
    def from_dict(cls, payload: Any, *, deep: bool = True, path: str | None = None) -> CheckpointEnvelope:
        """Migrate (if older) and strictly validate ``payload``."""
        version = checkpoint_version(payload)
        v1 = migrate_checkpoint_payload(payload)
        try:
            validate_checkpoint_payload(v1, deep=deep)
        except RecoveryError as exc:
            if path is None:
                raise
            raise RecoveryError(exc.code, exc.message, path=path) from None
        return cls(
            **{key: v1.get(key) for key in V1_FIELDS if key != "schema_version"},
            migrated_from=version if version != SCHEMA_VERSION else None,
            path=path,
        )

    @classmethod
    def from_json(cls, text: str | bytes, *, deep: bool = True) -> CheckpointEnvelope:
        """Parse an unframed payload strictly (RFC 8259, no duplicate keys), then ``from_dict``."""
        try:
            payload = strict_json.loads(text)
        except InvalidPayload as exc:
            raise _invalid(f"not strict JSON: {exc}") from None
        return cls.from_dict(payload, deep=deep)

    def to_dict(self) -> dict[str, Any]:
        """The v1 payload (``seed``/``metadata`` omitted when None)."""
        out: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
        for key in V1_FIELDS[1:]:
            value = getattr(self, key)
            if value is None and key in ("seed", "metadata"):
                continue
            out[key] = value
        return out

    def to_json(self) -> str:
        """Canonical JSON of the payload."""
        return canonical_dumps(self.to_dict())

    def to_bytes(self) -> bytes:
        """The framed, checksummed file form."""
        payload = canonical_bytes(self.to_dict())
        digest = hashlib.sha256(payload).hexdigest().encode()
        return _FRAME_HEAD + digest + _FRAME_MID + payload + _FRAME_TAIL

    @property
    def state_hash(self) -> str:
        """The state hash of ``engine_state`` (what a restored core must report)."""
        return state_hash(self.engine_state)

    def summary(self) -> dict[str, Any]:
        """Identity of the checkpoint for reports (no state)."""
        return {
            "path": self.path,
            "run_id": self.run_id,
            "mode": self.mode,
            "created_at": self.created_at,
            "cursor": self.cursor,
            "schema_version": SCHEMA_VERSION,
            "migrated_from": self.migrated_from,
            "state_hash": self.state_hash,
        }

    # ---- files
    def save(self, path: str | Path) -> Path:
        """Write atomically (temp, fsync, rename, directory fsync)."""
        path = Path(path)
        atomic_write_bytes(path, self.to_bytes())
        return path

    @classmethod
    def from_bytes(cls, data: bytes, *, path: str | None = None, deep: bool = True) -> CheckpointEnvelope:
        """Verify the frame and checksum, then parse, migrate and validate."""
        payload = verified_payload_bytes(data, path=path)
        try:
            obj = strict_json.loads(payload)
        except InvalidPayload as exc:
            raise RecoveryError("checkpoint_corrupt", f"payload is not strict JSON: {exc}", path=path) from None
        return cls.from_dict(obj, deep=deep, path=path)

    @classmethod
    def load(cls, path: str | Path, *, deep: bool = True) -> CheckpointEnvelope:
        """Read and verify a checkpoint file (see ``from_bytes``)."""
        name = str(path)
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise RecoveryError("checkpoint_unreadable", f"cannot read checkpoint: {exc.strerror}", path=name) from None
        return cls.from_bytes(data, path=name, deep=deep)


def verified_payload_bytes(data: bytes, *, path: str | None = None) -> bytes:
    """The payload bytes of a framed checkpoint, or ``checkpoint_corrupt``."""
    if not data:
        raise RecoveryError("checkpoint_corrupt", "the file is empty", path=path)
    if not data.startswith(_FRAME_HEAD) or data[_PAYLOAD_AT - len(_FRAME_MID) : _PAYLOAD_AT] != _FRAME_MID:
        if len(data) < _PAYLOAD_AT and _FRAME_HEAD.startswith(data[: len(_FRAME_HEAD)]):
            raise RecoveryError("checkpoint_corrupt", "the file is truncated (frame incomplete)", path=path)
        raise RecoveryError("checkpoint_corrupt", "not a framed cracktrader checkpoint", path=path)
    if not data.endswith(_FRAME_TAIL):
        raise RecoveryError("checkpoint_corrupt", "the file is truncated (no end of frame)", path=path)
    digest = data[len(_FRAME_HEAD) : len(_FRAME_HEAD) + 64]
    if _HEX64.fullmatch(digest) is None:
        raise RecoveryError("checkpoint_corrupt", "the checksum field is damaged", path=path)
    payload = data[_PAYLOAD_AT : -len(_FRAME_TAIL)]
    if hashlib.sha256(payload).hexdigest().encode() != digest:
        raise RecoveryError("checkpoint_corrupt", "checksum mismatch (the file is damaged or truncated)", path=path)
    return payload


def load_checkpoint(path: str | Path, *, deep: bool = True) -> CheckpointEnvelope:
    """Read and verify a checkpoint file."""
    return CheckpointEnvelope.load(path, deep=deep)


def write_checkpoint(path: str | Path, envelope: CheckpointEnvelope) -> Path:
    """Write ``envelope`` to ``path`` atomically."""
    return envelope.save(path)


# ---------------------------------------------------------------- building
def config_hash(config: Any) -> str:
    """SHA-256 of the canonical JSON of a run's config."""
    return hashlib.sha256(canonical_bytes(config)).hexdigest()


def build_checkpoint_from_runtime(
    runtime: Any, *, created_at: int | None = None, deep: bool = False
) -> CheckpointEnvelope:
    """Capture a running session as a checkpoint.

    ``runtime`` is any object with a ``core`` (either backend), ``run_id``, ``mode``
    (``backtest`` | ``paper`` | ``live`` | ``sandbox``) and ``data_hash``; optionally
    ``config_hash`` (else the hash of ``runtime.config``, else of the core config),
    ``seed``, ``metadata``, and methods ``broker_state()``, ``feed_cursors()``,
    ``risk_state()``, ``strategy_state()`` returning JSON objects. ``created_at``
    (ms) defaults to the wall clock: checkpoints are outside the deterministic core.
    The cursor is the core's ``last_seq_id``. The envelope is validated; the engine
    state only shallowly unless ``deep`` (it comes from a core, and every restore
    validates it against ``core_snapshot`` anyway).
    """
    engine_state = runtime.core.snapshot()
    explicit_hash = getattr(runtime, "config_hash", None)
    if explicit_hash is None:
        explicit_hash = config_hash(getattr(runtime, "config", None) or engine_state["config"])

    def part(name: str) -> dict[str, Any]:
        getter = getattr(runtime, name, None)
        return {} if getter is None else getter()

    payload: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "created_at": int(time.time() * 1000) if created_at is None else created_at,
        "run_id": runtime.run_id,
        "mode": runtime.mode,
        "config_hash": explicit_hash,
        "data_hash": runtime.data_hash,
        "engine_state": engine_state,
        "broker_state": part("broker_state"),
        "feed_cursors": part("feed_cursors"),
        "risk_state": part("risk_state"),
        "strategy_state": part("strategy_state"),
        "cursor": engine_state["last_seq_id"],
    }
    seed = getattr(runtime, "seed", None)
    if seed is not None:
        payload["seed"] = seed
    metadata = getattr(runtime, "metadata", None)
    if metadata is not None:
        payload["metadata"] = metadata
    return CheckpointEnvelope.from_dict(payload, deep=deep)


def genesis_checkpoint(header: dict[str, Any]) -> CheckpointEnvelope:
    """The checkpoint at cursor 0 implied by a replay-log header (an empty core).

    Used to recover from the log alone when no checkpoint was ever made durable.
    The empty snapshot is taken from the python backend: snapshots are identical
    on both backends and restore on either.
    """
    from cracktrader.engine import build_core

    engine_state = build_core("python", config=header["config"]).snapshot()
    mode = "backtest" if engine_state["config"]["mode"] == "simulated" else "live"
    return CheckpointEnvelope.from_dict(
        {
            "schema_version": SCHEMA_VERSION,
            "created_at": 0,
            "run_id": header["run_id"],
            "mode": mode,
            "config_hash": config_hash(engine_state["config"]),
            "data_hash": "0" * 64,
            "engine_state": engine_state,
            "broker_state": {},
            "feed_cursors": {},
            "risk_state": {},
            "strategy_state": {},
            "cursor": 0,
            "metadata": {"genesis": True},
        }
    )


# -------------------------------------------------------------- directories
CHECKPOINT_GLOB = "ckpt-*.json"


def checkpoint_name(cursor: int) -> str:
    """File name of the checkpoint at ``cursor`` (zero-padded: names sort by cursor)."""
    return f"ckpt-{cursor:020d}.json"


class CheckpointStore:
    """A directory of checkpoints: atomic writes, newest valid one on load.

    ``keep`` (>= 1) old checkpoints are retained; older ones are deleted only after a
    newer one is durable. Temp files left by a crash (``.ckpt-*.tmp``) are ignored.
    """

    def __init__(self, directory: str | Path, *, keep: int = 3) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        if keep < 1:
            raise ValueError("keep must be >= 1")
        self.keep = keep

    def paths(self) -> list[Path]:
        """Checkpoint files, newest (highest cursor) first."""
        return sorted(self.directory.glob(CHECKPOINT_GLOB), reverse=True)

    def write(self, envelope: CheckpointEnvelope) -> Path:
        path = envelope.save(self.directory / checkpoint_name(envelope.cursor))
        for old in self.paths()[self.keep :]:
            try:
                os.unlink(old)
            except OSError:
                pass
        return path

    def latest(self, *, deep: bool = True) -> tuple[CheckpointEnvelope | None, list[dict[str, Any]]]:
        """The newest checkpoint that loads, and the refusals of newer broken ones."""
        return latest_checkpoint(self.directory, deep=deep)


def latest_checkpoint(directory: str | Path, *, deep: bool = True) -> tuple[CheckpointEnvelope | None, list[dict[str, Any]]]:
    """Newest valid checkpoint in ``directory`` (None if none) and the skipped refusals."""
    skipped: list[dict[str, Any]] = []
    for path in sorted(Path(directory).glob(CHECKPOINT_GLOB), reverse=True):
        try:
            return CheckpointEnvelope.load(path, deep=deep), skipped
        except RecoveryError as exc:
            skipped.append(exc.to_dict())
    return None, skipped
