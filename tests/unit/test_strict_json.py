"""Strict RFC 8259 reading (DESIGN.md section 4, D-005, D-008) on both backends.

The Python reader is ``cracktrader.engine.strict_json.loads``; the Rust reader is
reached through ``cracktrader._native.canonical_json_roundtrip`` (strict parse, then
canonical write). Every refusal must be ``InvalidPayload`` on both.
"""

from __future__ import annotations

import json

import pytest

from cracktrader.engine import strict_json
from cracktrader.engine.canonical import canonical_bytes
from cracktrader.engine.errors import InvalidPayload
from cracktrader.engine.strict_json import MAX_DEPTH, BigInt


@pytest.fixture
def read(backend, request):
    """Strict read + canonical write of the backend under test: bytes -> bytes."""
    if backend == "python":
        return lambda data: canonical_bytes(strict_json.loads(data))
    return request.getfixturevalue("native").canonical_json_roundtrip


def nested(depth: int, kind: str = "array") -> bytes:
    if kind == "array":
        return b"[" * depth + b"]" * depth
    return b'{"a":' * depth + b"{}" + b"}" * depth if depth else b"{}"


REFUSED = {
    "nan": b"NaN",
    "nan-in-array": b"[1,NaN]",
    "infinity": b"Infinity",
    "minus-infinity": b"-Infinity",
    "nan-value": b'{"a":NaN}',
    "duplicate-key": b'{"a":1,"a":2}',
    "duplicate-key-nested": b'{"x":{"b":1,"c":2,"b":3}}',
    "duplicate-key-after-unescape": b'{"a":1,"\\u0061":2}',
    "invalid-utf8": b'"\xff"',
    "invalid-utf8-continuation": b'"\xc3\x28"',
    "utf8-encoded-surrogate": b'"\xed\xa0\x80"',
    "overlong-utf8": b'"\xc0\xaf"',
    "truncated-utf8": b'"\xe2\x82"',
    "lone-high-surrogate": b'"\\ud800"',
    "lone-low-surrogate": b'"\\udc00"',
    "high-then-letter": b'"\\ud800\\u0041"',
    "reversed-pair": b'"\\ude00\\ud83d"',
    "surrogate-in-key": b'{"\\ud800":1}',
    "trailing-data": b"[1] x",
    "two-documents": b"{} {}",
    "trailing-comma-array": b"[1,]",
    "trailing-comma-object": b'{"a":1,}',
    "leading-zero": b"01",
    "leading-plus": b"+1",
    "bare-fraction": b".5",
    "bare-point": b"1.",
    "hex": b"0x10",
    "single-quotes": b"'a'",
    "unquoted-key": b"{a:1}",
    "comment": b"[1]//",
    "control-char-in-string": b'"a\x01b"',
    "newline-in-string": b'"a\nb"',
    "bad-escape": b'"\\x41"',
    "short-unicode-escape": b'"\\u12"',
    "spaced-unicode-escape": b'"\\u 123"',
    "signed-unicode-escape": b'"\\u+123"',
    "empty": b"",
    "only-whitespace": b" \n\t",
    "bom": b"\xef\xbb\xbf{}",
    "unterminated-string": b'"abc',
    "unterminated-array": b"[1,2",
    "literal-typo": b"tru",
    "capital-literal": b"True",
    "python-none": b"None",
    "nul-byte": b"\x00",
    "form-feed-whitespace": b"\x0c1",
    "depth-33-array": nested(MAX_DEPTH + 1),
    "depth-33-object": nested(MAX_DEPTH + 1, "object"),
    "depth-33-mixed": b'[{"a":' * 16 + b"[1]" + b"}]" * 16,
    "million-open-brackets": b"[" * 1_000_000,
    "million-nested-arrays": nested(1_000_000),
    "million-nested-objects": b'{"a":' * 1_000_000 + b"1" + b"}" * 1_000_000,
}


@pytest.mark.parametrize("data", list(REFUSED.values()), ids=list(REFUSED))
def test_refusals(read, data):
    with pytest.raises(InvalidPayload):
        read(data)


ACCEPTED = {
    "depth-32-array": (nested(MAX_DEPTH), nested(MAX_DEPTH)),
    "depth-32-object": (nested(MAX_DEPTH - 1, "object"), nested(MAX_DEPTH - 1, "object")),
    "depth-32-mixed": (b'[{"a":' * 16 + b"1" + b"}]" * 16, b'[{"a":' * 16 + b"1" + b"}]" * 16),
    "surrogate-pair": (b'"\\ud83d\\ude00"', '"\U0001f600"'.encode()),
    "escapes": (b'"\\"\\\\\\/\\b\\f\\n\\r\\t"', b'"\\"\\\\/\\b\\f\\n\\r\\t"'),
    "whitespace": (b' \t\r\n{ "b" : [ 1 , 2 ] , "a" : null } \n', b'{"a":null,"b":[1,2]}'),
    "negative-zero-int": (b"-0", b"0"),
    "negative-zero-float": (b"-0.0", b"-0.0"),
    "exponent-float": (b"1E5", b"100000.0"),
    "underflowing-float": (b"1e-400", b"0.0"),
    "del-and-c1-unescaped": (b'"\x7f\xc2\x80"', b'"\x7f\xc2\x80"'),
    "non-bmp": ('"\U0001f600é"'.encode(), '"\U0001f600é"'.encode()),
    "i128-max": (str(2**127 - 1).encode(), str(2**127 - 1).encode()),
    "i128-min": (str(-(2**127)).encode(), str(-(2**127)).encode()),
    "same-key-different-case": (b'{"a":1,"A":2}', b'{"A":2,"a":1}'),
}


@pytest.mark.parametrize(("data", "expected"), list(ACCEPTED.values()), ids=list(ACCEPTED))
def test_accepted(read, data, expected):
    assert read(data) == expected


def test_refusals_are_invalid_payload_not_other_errors():
    # InvalidPayload is a ValueError too; make sure it is the engine's class, with the
    # engine's code, not a bare json.JSONDecodeError leaking out.
    with pytest.raises(InvalidPayload) as info:
        strict_json.loads(b'{"a":1,"a":2}')
    assert info.value.code == "invalid_payload"
    assert not isinstance(info.value, json.JSONDecodeError)


def test_str_input_with_lone_surrogate_is_refused():
    # A str handed in directly can hold a surrogate without any escape.
    with pytest.raises(InvalidPayload):
        strict_json.loads('"\ud800"')
    with pytest.raises(InvalidPayload):
        strict_json.loads('{"k\udfff":1}')


# --- integers are exact; too-long ones become the BigInt marker ------------------


@pytest.mark.parametrize(
    "number",
    [2**127 - 1, -(2**127), 2**190, -(2**190), 10**59, int("9" * 60), 9007199254740993],
)
def test_integers_are_exact(number):
    value = strict_json.loads(str(number).encode())
    assert type(value) is int and value == number


def test_integers_are_never_read_through_a_float():
    # 2**53 + 1 is the smallest integer a float cannot hold.
    assert strict_json.loads(b"[9007199254740993]") == [9007199254740993]


@pytest.mark.parametrize(("token", "negative"), [("1" * 61, False), ("-" + "1" * 60, True), ("9" * 5000, False)])
def test_long_integers_become_big_int_markers(token, negative):
    # D-005: past 60 characters the token is not converted at all (Python's int
    # digit limit can never trigger); numbers treat the marker as an overflow.
    value = strict_json.loads(f'{{"n":{token}}}'.encode())
    marker = value["n"]
    assert isinstance(marker, BigInt) and marker.negative is negative


def test_sixty_characters_are_still_exact():
    assert strict_json.loads(("-" + "1" * 59).encode()) == -int("1" * 59)
    assert isinstance(strict_json.loads(("-" + "1" * 60).encode()), BigInt)


def test_big_ints_have_no_canonical_form(backend, read):
    # Rust holds integers as i128 (D-005); neither side may print an integer it read
    # only as a marker.
    data = b"[" + b"1" * 61 + b"]"
    if backend == "python":
        with pytest.raises(TypeError):
            read(data)
    else:
        with pytest.raises(InvalidPayload):
            read(data)


def test_float_overflow_reads_as_infinity():
    # D-003: both readers turn 1e400 into an infinite float, which numbers refuse.
    assert strict_json.loads(b"1e400") == float("inf")
    assert strict_json.loads(b"-1e400") == float("-inf")


def test_rust_refuses_to_print_infinity(native):
    with pytest.raises(InvalidPayload):
        native.canonical_json_roundtrip(b"[1e400]")


def test_rust_binding_takes_bytes_only(native):
    with pytest.raises(TypeError):
        native.canonical_json_roundtrip("[]")


# --- JSON lines (D-008) ---------------------------------------------------------


def test_loads_lines_splits_and_keeps_refusals_in_place():
    lines = strict_json.loads_lines(b'{"a":1}\nNaN\n\n[2]\n')
    assert lines[0] == {"a": 1}
    assert isinstance(lines[1], InvalidPayload)
    assert isinstance(lines[2], InvalidPayload)  # an empty line inside is unreadable
    assert lines[3] == [2]
    assert len(lines) == 4  # the empty segment after the final newline is no line


def test_loads_lines_without_final_newline():
    assert strict_json.loads_lines(b"1\n2") == [1, 2]
    assert strict_json.loads_lines(b"") == []
