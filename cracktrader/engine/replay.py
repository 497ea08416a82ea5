"""The replay log: every committed input, one checksummed JSON line each (D-360..D-364).

Python-owned orchestration that drives either core backend (no Rust twin). A log is

* line 1, the header: ``{"crc":"<crc32>","header":{"config":...,"format":...,
  "run_id":...,"version":1,...}}``, the run identity and the core config the log
  starts from (an empty core);
* one line per committed input (accepted, ``ok`` or ``duplicate``, D-361):
  ``{"crc":"<crc32>","seq_id":N,"result":"<digest>"|null,"input":<canonical input>}``;
* after a clean close, an end line: ``{"crc":"<crc32>","end":{"last_seq_id":N,"steps":K}}``.

``crc`` is the CRC-32 (8 lower-case hex digits) of every byte after ``"crc":"xxxxxxxx",``
up to the line's closing brace, so a line is verified *before* anything in it is read
as data. ``result`` is the first 32 hex digits of the SHA-256 of the canonical result
the core gave when the input was first applied: a replay on any backend must
reproduce it. Keys are written in this fixed order (the file is strict JSON line by
line, and the input bytes can be handed to ``apply_jsonl`` without re-encoding).

Reading rules (D-363): a final segment without its ``\\n`` is a torn tail, reported
and ignored even when it would parse; any other line that fails its checksum or its
layout stops the reader with a ``RecoveryError`` naming the line number; so do seq_ids
that do not increase and anything after an end line.
"""

from __future__ import annotations

import hashlib
import os
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, NamedTuple

from cracktrader.backend import resolve_backend
from cracktrader.engine import build_core
from cracktrader.engine import durable
from cracktrader.engine import strict_json
from cracktrader.engine.canonical import canonical_bytes, state_hash
from cracktrader.engine.config import CoreConfig
from cracktrader.engine.durable import RecoveryError, crash_point, fsync_dir
from cracktrader.engine.errors import InvalidConfig, InvalidPayload
from cracktrader.engine.inputs import is_identifier

FORMAT = "cracktrader.replay"
VERSION = 1
DIGEST_HEX = 32
BATCH = 4096

_CRC_PREFIX = b'{"crc":"'
_BODY_AT = len(_CRC_PREFIX) + 8 + 2  # after '{"crc":"xxxxxxxx",'
_STEP_HEAD = re.compile(rb'"seq_id":(0|[1-9][0-9]{0,18}),"result":(?:"([0-9a-f]{32})"|null),"input":')
_ACCEPTED = b'{"accepted":true,'  # a canonical result starts with its sorted first key
_INTENT = b'{"intent_type":'  # a canonical intent starts with its sorted first key
_FILL_KEY = b'"fill_id":'
MAX_SEQ = 2**63 - 1


def result_digest(result: dict[str, Any] | bytes) -> str:
    """The per-step digest stored in the log: SHA-256 of the canonical result, 32 hex."""
    data = result if isinstance(result, (bytes, bytearray)) else canonical_bytes(result)
    return hashlib.sha256(bytes(data).rstrip(b"\n")).hexdigest()[:DIGEST_HEX]


def _frame(body: bytes) -> bytes:
    return b'{"crc":"%08x",' % zlib.crc32(body) + body + b"\n"


def normalize_config(config: dict[str, Any] | None) -> dict[str, Any]:
    """The canonical core config (what a core snapshot's ``config`` holds)."""
    return CoreConfig(config).to_dict()


# ------------------------------------------------------------------- policy
@dataclass(frozen=True)
class FlushPolicy:
    """When buffered log lines reach the OS and the disk (D-364).

    ``step``: after every record. ``every:N``: after every N records. ``close``: only
    on ``sync``/``close`` (and before every checkpoint). Written lines survive a
    process crash; with ``fsync`` (the default) they also survive an OS crash.
    """

    kind: str = "step"
    every: int = 1

    @classmethod
    def parse(cls, text: str | FlushPolicy) -> FlushPolicy:
        """``"step"``, ``"every:N"`` (N >= 1) or ``"close"``."""
        if isinstance(text, FlushPolicy):
            return text
        if text == "step":
            return cls("step", 1)
        if text == "close":
            return cls("close", 0)
        name, _, count = str(text).partition(":")
        if name == "every" and count.isdigit() and int(count) >= 1:
            return cls("every", int(count))
        raise ValueError(f"unknown flush policy {text!r}; use step, every:N or close")

    def __str__(self) -> str:
        return self.kind if self.kind != "every" else f"every:{self.every}"


# ------------------------------------------------------------------- writer
class ReplayLogWriter:
    """Appends committed inputs to a replay log, flushed per ``FlushPolicy``.

    The runtime must append an input's line before it acts on the result (sends an
    order to a venue): then a step whose line was lost or torn in a crash had no
    effect outside the process, and replaying the log reproduces everything that
    did (D-361).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        run_id: str,
        config: dict[str, Any] | None,
        policy: str | FlushPolicy = "step",
        fsync: bool = True,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        if not is_identifier(run_id):
            raise InvalidConfig(f"run_id must be an identifier (1-128 printable code points), got {run_id!r}")
        self.path = Path(path)
        self.policy = FlushPolicy.parse(policy)
        self.fsync = fsync
        self.header = {
            "format": FORMAT,
            "version": VERSION,
            "run_id": run_id,
            "config": normalize_config(config),
            "metadata": metadata or {},
        }
        self._buffer: list[bytes] = []
        self.last_seq_id = 0
        self.steps = 0
        self.repaired: dict[str, Any] | None = None
        self._closed = False
        # O_EXCL: a new log never overwrites an old one (use ``append_to`` to continue).
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
        self._write(_frame(b'"header":' + canonical_bytes(self.header) + b"}"))
        self._sync_disk()
        fsync_dir(self.path.parent)

    @classmethod
    def append_to(
        cls,
        path: str | Path,
        *,
        policy: str | FlushPolicy = "step",
        fsync: bool = True,
        run_id: str | None = None,
        config: dict[str, Any] | None = None,
    ) -> ReplayLogWriter:
        """Continue an existing log after a recovery.

        The whole log is verified first (a corrupt line refuses, as in recovery); a
        torn tail is cut off and reported in ``repaired``; an end line is removed so
        the run can go on. ``run_id``/``config``, when given, must match the header.
        """
        path = Path(path)
        reader = ReplayLogReader(path)
        for _ in reader:
            pass
        header = reader.header
        if run_id is not None and run_id != header["run_id"]:
            raise RecoveryError("checkpoint_log_mismatch", f"log run_id is {header['run_id']!r}, not {run_id!r}", path=str(path))
        if config is not None and normalize_config(config) != header["config"]:
            raise RecoveryError("checkpoint_log_mismatch", "log config differs from the given config", path=str(path))
        keep = reader.valid_bytes if reader.end is None else reader.end_offset
        size = path.stat().st_size
        self = cls.__new__(cls)
        self.path = path
        self.policy = FlushPolicy.parse(policy)
        self.fsync = fsync
        self.header = header
        self._buffer = []
        self.last_seq_id = reader.last_seq_id
        self.steps = reader.steps
        self._closed = False
        self.repaired = None
        if keep != size:
            self.repaired = {
                "truncated_bytes": size - keep,
                "torn_tail": reader.torn_tail,
                "removed_end": reader.end is not None,
            }
            with open(path, "r+b") as handle:
                handle.truncate(keep)
                handle.flush()
                os.fsync(handle.fileno())
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        return self

    # ---- writing
    def append(self, input_: dict[str, Any] | bytes, result: dict[str, Any] | bytes | None = None) -> None:
        """Log one committed input (its canonical bytes) with the digest of its result."""
        if self._closed:
            raise ValueError("replay log is closed")
        if isinstance(input_, (bytes, bytearray)):
            obj = strict_json.loads(bytes(input_))
        else:
            obj = input_
        if type(obj) is not dict:
            raise InvalidPayload("a logged input must be a JSON object")
        seq_id = obj.get("seq_id")
        if type(seq_id) is not int or not self.last_seq_id < seq_id <= MAX_SEQ:
            raise InvalidPayload(f"logged seq_ids must increase: {seq_id!r} after {self.last_seq_id}")
        data = canonical_bytes(obj)
        digest = b"null" if result is None else b'"' + result_digest(result).encode() + b'"'
        line = _frame(b'"seq_id":%d,"result":%s,"input":%s}' % (seq_id, digest, data))
        self.last_seq_id = seq_id
        self.steps += 1
        if durable.ARMED:
            self._crash_hooks(line)
        self._buffer.append(line)
        if self.policy.kind == "step" or (self.policy.kind == "every" and len(self._buffer) >= self.policy.every):
            self.sync()

    def log_step(self, input_: dict[str, Any] | bytes, result: dict[str, Any]) -> bool:
        """Append ``input_`` when its result was accepted (refusals change nothing)."""
        if not result.get("accepted"):
            return False
        self.append(input_, result)
        return True

    def _crash_hooks(self, line: bytes) -> None:
        # SIGKILL suite only (durable.ARMED): tear this very line on disk, then die.
        if durable.crash_due("log_mid_line"):
            self.sync()
            self._write(line[: max(1, len(line) // 2)])
        crash_point("log_mid_line")

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]

    def _sync_disk(self) -> None:
        if self.fsync:
            os.fsync(self._fd)

    def sync(self) -> None:
        """Hand buffered lines to the OS (and the disk, with ``fsync``)."""
        if self._buffer:
            self._write(b"".join(self._buffer))
            self._buffer.clear()
            if durable.ARMED:
                crash_point("log_before_fsync")
            self._sync_disk()

    def close(self, *, end: bool = True) -> None:
        """Flush, write the end line (a clean close), fsync and close the file."""
        if self._closed:
            return
        if end:
            self._buffer.append(
                _frame(b'"end":' + canonical_bytes({"last_seq_id": self.last_seq_id, "steps": self.steps}) + b"}")
            )
        self.sync()
        os.close(self._fd)
        self._closed = True

    def __enter__(self) -> ReplayLogWriter:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close(end=exc[0] is None)


# ------------------------------------------------------------------- reader
class StepRecord(NamedTuple):
    """One committed input read back from a log (already checksum-verified).

    A named tuple: the reader makes one per line, and tuple creation is the cheapest.
    """

    line: int
    seq_id: int
    input: bytes
    digest: str | None

    @property
    def is_intent(self) -> bool:
        return self.input.startswith(_INTENT)

    def input_obj(self) -> dict[str, Any]:
        """The input as a dict (strict JSON)."""
        return strict_json.loads(self.input)


class ReplayLogReader:
    """Streams the step records of a log, verifying every line before using it.

    ``header`` is read on construction. Iterating yields ``StepRecord``s and raises
    ``RecoveryError`` at the first corrupt line. After a complete iteration,
    ``torn_tail`` (``{"line", "bytes"}`` or None), ``end`` (the end record or None),
    ``steps``, ``last_seq_id`` and ``valid_bytes`` describe the file.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.name = str(path)
        try:
            self._handle = open(self.path, "rb")
        except OSError as exc:
            raise RecoveryError("replay_log_unreadable", f"cannot open replay log: {exc.strerror}", path=self.name) from None
        self.torn_tail: dict[str, int] | None = None
        self.end: dict[str, Any] | None = None
        self.end_offset = 0
        self.steps = 0
        self.last_seq_id = 0
        self.first_seq_id: int | None = None
        self.valid_bytes = 0
        self._done = False
        first = self._handle.readline()
        if not first.endswith(b"\n"):
            self._handle.close()
            raise RecoveryError(
                "replay_log_header_invalid",
                "the log has no complete header line (empty, or torn while being created)",
                path=self.name,
                line=1,
            )
        body = self._verified_body(first[:-1], 1)
        self.header = self._header(first[:-1], body)
        self.valid_bytes = len(first)

    def _corrupt(self, line: int, why: str) -> RecoveryError:
        return RecoveryError("replay_log_corrupt", f"line {line} {why}; recovery stops here", path=self.name, line=line)

    def _verified_body(self, raw: bytes, line: int) -> bytes:
        if len(raw) < _BODY_AT + 2 or not raw.startswith(_CRC_PREFIX) or raw[_BODY_AT - 2 : _BODY_AT] != b'",':
            raise self._corrupt(line, "is not a replay log record")
        body = raw[_BODY_AT:]
        if raw[len(_CRC_PREFIX) : _BODY_AT - 2] != b"%08x" % zlib.crc32(body):
            raise self._corrupt(line, "fails its checksum")
        return body

    def _header(self, raw: bytes, body: bytes) -> dict[str, Any]:
        if not body.startswith(b'"header":'):
            raise RecoveryError("replay_log_header_invalid", "line 1 is not a header", path=self.name, line=1)
        try:
            header = strict_json.loads(raw)["header"]
        except (InvalidPayload, KeyError, TypeError):
            raise RecoveryError("replay_log_header_invalid", "the header is not strict JSON", path=self.name, line=1) from None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise RecoveryError("replay_log_header_invalid", "not a cracktrader replay log", path=self.name, line=1)
        if header.get("version") != VERSION:
            raise RecoveryError(
                "replay_log_header_invalid",
                f"replay log version {header.get('version')!r} is not supported (this cracktrader reads {VERSION})",
                path=self.name,
                line=1,
            )
        if set(header) != {"format", "version", "run_id", "config", "metadata"}:
            raise RecoveryError("replay_log_header_invalid", "unexpected header fields", path=self.name, line=1)
        if not is_identifier(header["run_id"]) or not isinstance(header["metadata"], dict):
            raise RecoveryError("replay_log_header_invalid", "bad run_id or metadata", path=self.name, line=1)
        try:
            if normalize_config(header["config"]) != header["config"]:
                raise ValueError("config is not in canonical form")
        except (ValueError, TypeError) as exc:
            raise RecoveryError("replay_log_header_invalid", f"header config: {exc}", path=self.name, line=1) from None
        return header

    def __iter__(self) -> Iterator[StepRecord]:
        if self._done:
            raise ValueError("a ReplayLogReader can be iterated once")
        self._done = True
        handle = self._handle
        line_no = 1
        offset = self.valid_bytes
        last = 0
        step_head = _STEP_HEAD.match
        try:
            for raw in handle:
                line_no += 1
                if not raw.endswith(b"\n"):
                    # Unterminated final segment: a write cut short by a crash. Never data.
                    self.torn_tail = {"line": line_no, "bytes": len(raw)}
                    break
                if self.end is not None:
                    raise self._corrupt(line_no, "follows the end record")
                body = self._verified_body(raw[:-1], line_no)
                head = step_head(body)
                if head is None:
                    if body.startswith(b'"end":'):
                        self.end = self._end_record(raw, line_no)
                        self.end_offset = offset
                        offset += len(raw)
                        continue
                    raise self._corrupt(line_no, "is not a step record")
                seq_id = int(head.group(1))
                if seq_id <= last:
                    raise self._corrupt(line_no, f"has seq_id {seq_id}, not above {last}")
                if not body.endswith(b"}") or len(body) <= head.end() + 1:
                    raise self._corrupt(line_no, "has no input")
                last = seq_id
                offset += len(raw)
                self.steps += 1
                if self.first_seq_id is None:
                    self.first_seq_id = seq_id
                self.last_seq_id = seq_id
                digest = head.group(2)
                yield StepRecord(line_no, seq_id, body[head.end() : -1], None if digest is None else digest.decode())
        finally:
            self.valid_bytes = offset
            handle.close()

    def _end_record(self, raw: bytes, line: int) -> dict[str, Any]:
        try:
            end = strict_json.loads(raw)["end"]
        except (InvalidPayload, KeyError, TypeError):
            raise self._corrupt(line, "is an unreadable end record") from None
        if end != {"last_seq_id": self.last_seq_id, "steps": self.steps}:
            raise self._corrupt(line, f"is an end record that does not match the log ({end!r})")
        return end

    def warnings(self) -> list[dict[str, Any]]:
        """Torn tail / unclosed log, as ``{code, line?, bytes?}`` (after iteration)."""
        out: list[dict[str, Any]] = []
        if self.torn_tail is not None:
            out.append({"code": "replay_log_torn_tail", **self.torn_tail})
        if self.end is None:
            out.append({"code": "replay_log_unclosed"})
        return out


def scan(path: str | Path) -> dict[str, Any]:
    """Verify a whole log; return its header and shape (raises at a corrupt line)."""
    reader = ReplayLogReader(path)
    for _ in reader:
        pass
    return {
        "header": reader.header,
        "steps": reader.steps,
        "first_seq_id": reader.first_seq_id,
        "last_seq_id": reader.last_seq_id,
        "closed": reader.end is not None,
        "torn_tail": reader.torn_tail,
        "warnings": reader.warnings(),
    }


# ------------------------------------------------------------------ replay
@dataclass
class Divergence:
    """A logged step whose replay did not reproduce the original result."""

    seq_id: int
    line: int
    what: str  # "refused" (a committed input was refused) or "result" (digest differs)

    def to_dict(self) -> dict[str, Any]:
        return {"seq_id": self.seq_id, "line": self.line, "what": self.what}


@dataclass
class ReplayStats:
    """What feeding records into a core did: counts, stream hashes, divergences."""

    steps: int = 0
    first_seq_id: int | None = None
    last_seq_id: int | None = None
    fills: int = 0
    intents: int = 0
    divergences: list[Divergence] = field(default_factory=list)
    _results: Any = field(default_factory=hashlib.sha256)
    _intents: Any = field(default_factory=hashlib.sha256)

    @property
    def results_hash(self) -> str:
        """SHA-256 over the canonical result lines, in order."""
        return self._results.hexdigest()

    @property
    def intent_stream_hash(self) -> str:
        """SHA-256 over the canonical intent lines (the strategy's intent stream)."""
        return self._intents.hexdigest()


MAX_DIVERGENCES = 20


def feed(
    core: Any,
    records: Iterable[StepRecord],
    stats: ReplayStats | None = None,
    *,
    on_result: Callable[[StepRecord, bytes], None] | None = None,
    batch: int = BATCH,
) -> ReplayStats:
    """Apply ``records`` to ``core`` in batches through ``apply_jsonl`` (either backend).

    Each result must be accepted and, when the record has a digest, match it; a step
    that does not is recorded as a ``Divergence`` (the replay goes on, so every
    divergence up to ``MAX_DIVERGENCES`` is reported).
    """
    stats = stats if stats is not None else ReplayStats()
    pending: list[StepRecord] = []

    def flush() -> None:
        data = b"\n".join(record.input for record in pending) + b"\n"
        lines = core.apply_jsonl(data).split(b"\n")
        if len(lines) != len(pending) + 1:
            raise RuntimeError(f"apply_jsonl returned {len(lines) - 1} results for {len(pending)} inputs")
        for record, line in zip(pending, lines):
            stats._results.update(line + b"\n")
            if not line.startswith(_ACCEPTED):
                _diverged(stats, record, "refused")
            elif record.digest is not None and hashlib.sha256(line).hexdigest()[:DIGEST_HEX] != record.digest:
                _diverged(stats, record, "result")
            stats.fills += line.count(_FILL_KEY)
            if on_result is not None:
                on_result(record, line)
        pending.clear()

    for record in records:
        if stats.first_seq_id is None:
            stats.first_seq_id = record.seq_id
        stats.last_seq_id = record.seq_id
        stats.steps += 1
        if record.input.startswith(_INTENT):
            stats.intents += 1
            stats._intents.update(record.input + b"\n")
        pending.append(record)
        if len(pending) >= batch:
            flush()
    if pending:
        flush()
    return stats


def _diverged(stats: ReplayStats, record: StepRecord, what: str) -> None:
    if len(stats.divergences) < MAX_DIVERGENCES:
        stats.divergences.append(Divergence(record.seq_id, record.line, what))


def _check_config(header: dict[str, Any], config: dict[str, Any] | None, path: str) -> dict[str, Any]:
    if config is None:
        return header["config"]
    if normalize_config(config) != header["config"]:
        raise RecoveryError("checkpoint_log_mismatch", "the given config differs from the log header's", path=path)
    return header["config"]


@dataclass
class ReplayOutcome:
    """The result of replaying a whole log from an empty core."""

    state_hash: str
    stats: ReplayStats
    warnings: list[dict[str, Any]]
    header: dict[str, Any]
    core: Any = None

    @property
    def deterministic(self) -> bool:
        """Every step reproduced its logged result."""
        return not self.stats.divergences

    def to_dict(self) -> dict[str, Any]:
        return {
            "state_hash": self.state_hash,
            "run_id": self.header["run_id"],
            "steps": self.stats.steps,
            "last_seq_id": self.stats.last_seq_id,
            "fills": self.stats.fills,
            "intents": self.stats.intents,
            "results_hash": self.stats.results_hash,
            "intent_stream_hash": self.stats.intent_stream_hash,
            "divergences": [d.to_dict() for d in self.stats.divergences],
            "deterministic": self.deterministic,
            "warnings": self.warnings,
        }


def replay_log(
    log: str | Path,
    backend: str | None = None,
    config: dict[str, Any] | None = None,
    *,
    on_result: Callable[[StepRecord, bytes], None] | None = None,
    stop_after: int | None = None,
) -> ReplayOutcome:
    """Replay ``log`` on a fresh core of ``backend``; the full outcome.

    ``config`` defaults to the header's; a different one is refused (the log's
    results were produced under the header's config). ``stop_after`` stops after
    the record with that seq_id (for mid-stream snapshots).
    """
    reader = ReplayLogReader(log)
    core_config = _check_config(reader.header, config, reader.name)
    core = build_core(backend, config=core_config)
    records: Iterable[StepRecord] = reader
    if stop_after is not None:
        records = _until(reader, stop_after)
    stats = feed(core, records, on_result=on_result)
    warnings = reader.warnings() if stop_after is None else []
    return ReplayOutcome(core.state_hash(), stats, warnings, reader.header, core)


def _until(records: Iterable[StepRecord], last_seq: int) -> Iterator[StepRecord]:
    for record in records:
        if record.seq_id > last_seq:
            return
        yield record


def replay(log: str | Path, backend: str | None = None, config: dict[str, Any] | None = None) -> str:
    """Replay ``log`` from an empty core on ``backend``; the final state hash."""
    return replay_log(log, backend, config).state_hash


def determinism_check(
    log: str | Path,
    backend: str | None = None,
    config: dict[str, Any] | None = None,
    *,
    split_at: int | None = None,
    tail_backend: str | None = None,
) -> dict[str, Any]:
    """Replay ``log`` twice, and once from a mid-stream snapshot plus the tail.

    The snapshot is taken after the record with seq_id ``split_at`` (default: the
    middle record), restored into a fresh core of ``tail_backend`` (default
    ``backend``; another backend makes this a cross-backend check) and the rest of
    the log applied there. Deterministic when the three final state hashes, the
    three result streams and every logged result digest agree.
    """
    first = replay_log(log, backend, config)
    second = replay_log(log, backend, config)
    if split_at is None:
        split_at = _middle_seq(log)
    head = replay_log(log, backend, config, stop_after=split_at)
    snapshot = head.core.snapshot()
    tail_core = build_core(tail_backend or backend, config=snapshot["config"])
    tail_core.restore(snapshot)
    restored_ok = tail_core.state_hash() == state_hash(snapshot)
    reader = ReplayLogReader(log)
    tail = feed(tail_core, (r for r in reader if r.seq_id > split_at), head.stats)
    hashes = {"first": first.state_hash, "second": second.state_hash, "from_snapshot": tail_core.state_hash()}
    results = {"first": first.stats.results_hash, "second": second.stats.results_hash, "from_snapshot": tail.results_hash}
    deterministic = (
        len(set(hashes.values())) == 1
        and len(set(results.values())) == 1
        and restored_ok
        and first.deterministic
        and second.deterministic
        and not tail.divergences
    )
    return {
        "deterministic": deterministic,
        "state_hashes": hashes,
        "results_hashes": results,
        "split_at": split_at,
        "restore_faithful": restored_ok,
        "steps": first.stats.steps,
        "divergences": [d.to_dict() for d in first.stats.divergences + tail.divergences],
        "backends": [resolve_backend(backend), resolve_backend(tail_backend or backend)],
    }


def _middle_seq(log: str | Path) -> int:
    seqs = [record.seq_id for record in ReplayLogReader(log)]
    return seqs[len(seqs) // 2 - 1] if len(seqs) >= 2 else (seqs[0] if seqs else 0)
