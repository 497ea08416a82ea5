"""The replay log: format, checksums, flush policies, torn tails, corrupt lines, replay."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest
from recovery_helpers import record_run

from cracktrader.bench.recovery_stream import CONFIG, generate
from cracktrader.engine import build_core
from cracktrader.engine.canonical import canonical_bytes
from cracktrader.engine.durable import RecoveryError
from cracktrader.engine.errors import InvalidConfig, InvalidPayload
from cracktrader.engine.replay import (
    FlushPolicy,
    ReplayLogReader,
    ReplayLogWriter,
    determinism_check,
    replay,
    replay_log,
    result_digest,
    scan,
)


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().split(b"\n")


def test_every_line_is_strict_json_with_seq_id_and_crc(tmp_path: Path) -> None:
    session = record_run(tmp_path, steps=120)
    lines = _lines(tmp_path / "replay.log")
    assert lines[-1] == b""  # the file ends with a newline
    records = [json.loads(line) for line in lines[:-1]]
    assert "header" in records[0] and "end" in records[-1]
    steps = records[1:-1]
    assert len(steps) == session.committed
    for raw, record in zip(lines[1:-2], steps):
        assert set(record) == {"crc", "seq_id", "result", "input"}
        assert record["input"]["seq_id"] == record["seq_id"]
        body = raw[len(b'{"crc":"00000000",') :]
        assert record["crc"] == "%08x" % zlib.crc32(body)
        # the input is stored in canonical form, byte for byte
        assert canonical_bytes(record["input"]) in raw
    assert records[-1]["end"] == {"last_seq_id": steps[-1]["seq_id"], "steps": len(steps)}


def test_only_committed_inputs_are_logged_with_their_result_digest(tmp_path: Path) -> None:
    core = build_core("python", CONFIG)
    writer = ReplayLogWriter(tmp_path / "log", run_id="r", config=CONFIG, fsync=False)
    inputs = list(generate(5, 200))
    expected = []
    for item in inputs:
        result = core.apply(item)
        if writer.log_step(item, result):
            expected.append((item["seq_id"], result_digest(result)))
    writer.close()
    got = [(r.seq_id, r.digest) for r in ReplayLogReader(tmp_path / "log")]
    assert got == expected
    assert len(got) < len(inputs)  # the stream has refused cancels; they are not logged


def test_replay_reproduces_the_recorded_state(tmp_path: Path, backend: str) -> None:
    session = record_run(tmp_path, steps=400, backend=backend)
    assert replay(tmp_path / "replay.log", backend) == session.core.state_hash()
    outcome = replay_log(tmp_path / "replay.log", backend)
    assert outcome.deterministic and outcome.warnings == []
    assert outcome.stats.steps == session.committed


def test_determinism_check_twice_and_from_a_mid_stream_snapshot(tmp_path: Path, backend: str) -> None:
    session = record_run(tmp_path, steps=400, backend=backend)
    check = determinism_check(tmp_path / "replay.log", backend)
    assert check["deterministic"] is True
    assert set(check["state_hashes"].values()) == {session.core.state_hash()}
    assert check["restore_faithful"] is True
    check = determinism_check(tmp_path / "replay.log", backend, split_at=37)
    assert check["deterministic"] is True and check["split_at"] == 37


def test_cross_backend_determinism(tmp_path: Path, backend_pair: tuple[str, str]) -> None:
    writer, other = backend_pair
    session = record_run(tmp_path, steps=300, backend=writer)
    check = determinism_check(tmp_path / "replay.log", writer, tail_backend=other)
    assert check["deterministic"] is True
    assert replay(tmp_path / "replay.log", other) == session.core.state_hash()


def test_a_changed_result_is_reported_as_divergence(tmp_path: Path) -> None:
    record_run(tmp_path, steps=100)
    log = tmp_path / "replay.log"
    lines = _lines(log)
    # Rewrite line 5 with a wrong (but well-formed and checksummed) result digest.
    record = json.loads(lines[4])
    body = b'"seq_id":%d,"result":"%s","input":%s}' % (record["seq_id"], b"0" * 32, canonical_bytes(record["input"]))
    lines[4] = b'{"crc":"%08x",' % zlib.crc32(body) + body
    log.write_bytes(b"\n".join(lines))
    outcome = replay_log(log)
    assert not outcome.deterministic
    assert [d.to_dict() for d in outcome.stats.divergences] == [{"seq_id": record["seq_id"], "line": 5, "what": "result"}]


def test_torn_last_line_is_reported_and_ignored(tmp_path: Path) -> None:
    session = record_run(tmp_path, steps=100, close=False)
    log = tmp_path / "replay.log"
    intact = replay(log)
    whole = log.read_bytes()
    # Half of a further, complete-looking record: a write cut short.
    extra = _lines(log)[3]
    log.write_bytes(whole + extra[: len(extra) // 2])
    info = scan(log)
    assert info["torn_tail"] == {"line": session.committed + 2, "bytes": len(extra) // 2}
    assert {w["code"] for w in info["warnings"]} == {"replay_log_torn_tail", "replay_log_unclosed"}
    assert replay(log) == intact


def test_an_unterminated_last_line_is_torn_even_if_it_would_parse(tmp_path: Path) -> None:
    record_run(tmp_path, steps=60, close=False)
    log = tmp_path / "replay.log"
    data = log.read_bytes()
    assert data.endswith(b"\n")
    log.write_bytes(data[:-1])  # the last record is complete but lost its newline
    info = scan(log)
    assert info["torn_tail"] is not None
    reader = ReplayLogReader(log)
    seqs = [r.seq_id for r in reader]
    assert info["last_seq_id"] == seqs[-1]
    assert json.loads(data.rsplit(b"\n", 2)[-2])["seq_id"] > seqs[-1]


@pytest.mark.parametrize("line", [2, 7, 30])
def test_a_corrupt_middle_line_stops_with_its_line_number(tmp_path: Path, line: int) -> None:
    record_run(tmp_path, steps=100)
    log = tmp_path / "replay.log"
    lines = _lines(log)
    target = bytearray(lines[line - 1])
    target[len(target) // 2] ^= 0x01
    lines[line - 1] = bytes(target)
    log.write_bytes(b"\n".join(lines))
    with pytest.raises(RecoveryError) as info:
        scan(log)
    assert info.value.code == "replay_log_corrupt"
    assert info.value.line == line
    assert f"line {line}" in str(info.value)


def test_records_must_increase_and_nothing_may_follow_the_end(tmp_path: Path) -> None:
    record_run(tmp_path, steps=50)
    log = tmp_path / "replay.log"
    lines = _lines(log)
    swapped = lines[:]
    swapped[2], swapped[3] = swapped[3], swapped[2]
    log.write_bytes(b"\n".join(swapped))
    with pytest.raises(RecoveryError, match="not above") as info:
        scan(log)
    assert info.value.line == 4
    after_end = lines[:-1] + [lines[2], b""]
    log.write_bytes(b"\n".join(after_end))
    with pytest.raises(RecoveryError, match="follows the end record") as info:
        scan(log)
    assert info.value.line == len(lines)


def test_header_problems_are_refused(tmp_path: Path) -> None:
    log = tmp_path / "log"
    log.write_bytes(b"")
    with pytest.raises(RecoveryError) as info:
        ReplayLogReader(log)
    assert info.value.code == "replay_log_header_invalid"
    body = b'"header":' + canonical_bytes({"format": "cracktrader.replay", "version": 2, "run_id": "r",
                                            "config": {}, "metadata": {}}) + b"}"
    log.write_bytes(b'{"crc":"%08x",' % zlib.crc32(body) + body + b"\n")
    with pytest.raises(RecoveryError, match="version 2 is not supported"):
        ReplayLogReader(log)
    with pytest.raises(RecoveryError) as info:
        ReplayLogReader(tmp_path / "missing")
    assert info.value.code == "replay_log_unreadable"


def test_writer_refuses_misuse(tmp_path: Path) -> None:
    for bad in ("", "x" * 129, "a\nb", 7):
        with pytest.raises(InvalidConfig):
            ReplayLogWriter(tmp_path / f"log-{len(str(bad))}", run_id=bad, config=CONFIG)
    writer = ReplayLogWriter(tmp_path / "log", run_id="r", config=CONFIG, fsync=False)
    with pytest.raises(FileExistsError):
        ReplayLogWriter(tmp_path / "log", run_id="r", config=CONFIG)
    writer.append({"kind": "intent", "seq_id": 3, "intent_type": "noop", "payload": {}})
    with pytest.raises(InvalidPayload):
        writer.append({"kind": "intent", "seq_id": 3, "intent_type": "noop", "payload": {}})
    writer.close()
    with pytest.raises(ValueError):
        writer.append({"kind": "intent", "seq_id": 4, "intent_type": "noop", "payload": {}})


@pytest.mark.parametrize(
    ("policy", "visible_after"),
    [("step", [1, 2, 3, 4, 5]), ("every:2", [0, 2, 2, 4, 4]), ("close", [0, 0, 0, 0, 0])],
)
def test_flush_policy_decides_what_reaches_the_os(tmp_path: Path, policy: str, visible_after: list[int]) -> None:
    log = tmp_path / "log"
    writer = ReplayLogWriter(log, run_id="r", config=CONFIG, policy=policy, fsync=False)
    seen = []
    for seq in range(1, 6):
        writer.append({"kind": "intent", "seq_id": seq, "intent_type": "noop", "payload": {}})
        seen.append(len(_lines(log)) - 2)  # minus header and the empty tail
    assert seen == visible_after
    writer.close()
    assert scan(log)["steps"] == 5 and scan(log)["closed"]


def test_flush_policy_parsing() -> None:
    assert FlushPolicy.parse("every:10") == FlushPolicy("every", 10)
    assert str(FlushPolicy.parse("every:10")) == "every:10"
    for bad in ("every:0", "every:", "sometimes", "every:x"):
        with pytest.raises(ValueError):
            FlushPolicy.parse(bad)


def test_append_to_repairs_a_torn_tail_and_continues(tmp_path: Path) -> None:
    record_run(tmp_path, steps=80, close=False)
    log = tmp_path / "replay.log"
    clean = log.read_bytes()
    torn = b'{"crc":"1234'
    log.write_bytes(clean + torn)
    writer = ReplayLogWriter.append_to(log, policy="step", fsync=False)
    assert writer.repaired == {
        "truncated_bytes": len(torn),
        "torn_tail": {"line": writer.steps + 2, "bytes": len(torn)},
        "removed_end": False,
    }
    assert log.read_bytes() == clean
    writer.append({"kind": "intent", "seq_id": writer.last_seq_id + 1, "intent_type": "noop", "payload": {}})
    writer.close()
    info = scan(log)
    assert info["closed"] and info["torn_tail"] is None


def test_append_to_a_closed_log_removes_the_end_record(tmp_path: Path) -> None:
    record_run(tmp_path, steps=40)
    log = tmp_path / "replay.log"
    writer = ReplayLogWriter.append_to(log, fsync=False)
    assert writer.repaired["removed_end"] is True
    writer.close()
    assert scan(log)["closed"]
    with pytest.raises(RecoveryError) as info:
        ReplayLogWriter.append_to(log, run_id="another")
    assert info.value.code == "checkpoint_log_mismatch"


def test_replay_refuses_a_different_config(tmp_path: Path) -> None:
    record_run(tmp_path, steps=20)
    with pytest.raises(RecoveryError) as info:
        replay(tmp_path / "replay.log", "python", {**CONFIG, "commission_rate": "0.002"})
    assert info.value.code == "checkpoint_log_mismatch"
    assert replay(tmp_path / "replay.log", "python", dict(CONFIG)) == replay(tmp_path / "replay.log")


def _framed(body: bytes) -> bytes:
    return b'{"crc":"%08x",' % zlib.crc32(body) + body + b"\n"


HEADER = {"config": None, "format": "cracktrader.replay", "metadata": {}, "run_id": "r", "version": 1}


def _header(**changes) -> bytes:
    from cracktrader.engine.replay import normalize_config

    header = {**HEADER, "config": normalize_config(CONFIG), **changes}
    return _framed(b'"header":' + canonical_bytes(header) + b"}")


@pytest.mark.parametrize(
    ("first_line", "message"),
    [
        (_framed(b'"seq_id":1,"result":null,"input":{}}'), "line 1 is not a header"),
        (_framed(b'"header":{"a":1,"a":2}}'), "not strict JSON"),
        (_framed(b'"header":[1]}'), "not a cracktrader replay log"),
        (None, "unexpected header fields"),
        (None, "bad run_id or metadata"),
        (None, "header config"),
        (b'{"crc":"zz",' + b"x" * 40 + b"\n", "line 1 is not a replay log record"),
    ],
)
def test_every_header_problem_is_named(tmp_path: Path, first_line: bytes | None, message: str) -> None:
    if message == "unexpected header fields":
        first_line = _header(extra=1)
    elif message == "bad run_id or metadata":
        first_line = _header(run_id="")
    elif message == "header config":
        first_line = _header(config={"mode": "simulated"})  # not the normalized form
    log = tmp_path / "log"
    log.write_bytes(first_line)
    with pytest.raises(RecoveryError, match=message) as info:
        ReplayLogReader(log)
    assert info.value.line == 1


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (_framed(b'"seq_id":1,"result":null,"input":}'), "has no input"),
        (_framed(b'"sequence":1}'), "is not a step record"),
        (_framed(b'"end":{"last_seq_id":0,"steps":0,"steps":1}}'), "unreadable end record"),
        (_framed(b'"end":{"last_seq_id":5,"steps":0}}'), "does not match the log"),
        (b"\n", "is not a replay log record"),
        (_framed(b'"seq_id":01,"result":null,"input":{}}'), "is not a step record"),
    ],
)
def test_every_record_problem_is_named(tmp_path: Path, line: bytes, message: str) -> None:
    log = tmp_path / "log"
    log.write_bytes(_header() + line)
    with pytest.raises(RecoveryError, match=message) as info:
        scan(log)
    assert info.value.code == "replay_log_corrupt" and info.value.line == 2


def test_a_reader_iterates_once_and_records_expose_their_input(tmp_path: Path) -> None:
    record_run(tmp_path, steps=30)
    reader = ReplayLogReader(tmp_path / "replay.log")
    records = list(reader)
    with pytest.raises(ValueError):
        list(reader)
    assert all(r.input_obj()["seq_id"] == r.seq_id for r in records)
    assert {r.is_intent for r in records} == {True, False}
    assert all(r.is_intent == (r.input_obj()["kind"] == "intent") for r in records)


def test_writer_context_manager_closes_cleanly_or_not(tmp_path: Path) -> None:
    with ReplayLogWriter(tmp_path / "a", run_id="r", config=CONFIG, fsync=False) as writer:
        writer.append({"kind": "intent", "seq_id": 1, "intent_type": "noop", "payload": {}})
    assert scan(tmp_path / "a")["closed"]
    with pytest.raises(RuntimeError):
        with ReplayLogWriter(tmp_path / "b", run_id="r", config=CONFIG, fsync=False) as writer:
            writer.append({"kind": "intent", "seq_id": 1, "intent_type": "noop", "payload": {}})
            raise RuntimeError("boom")
    info = scan(tmp_path / "b")
    assert not info["closed"] and info["steps"] == 1  # flushed, but no end record: not a clean stop
