"""Python and Rust agree on strict JSON reading and canonical writing, byte for byte.

Reference (Python): ``canonical_bytes(strict_json.loads(data))``. Rust:
``cracktrader._native.canonical_json_roundtrip(data)``. Both must produce the same
bytes or both refuse. The documented difference in domain: Rust holds integers as
``i128`` (D-005), so a document with an integer outside i128 has no canonical form on
either side, and neither has a document holding an infinite float (``1e400``, D-003).
Floats are compared as ``repr`` writes them; their text is not part of any contract
(results carry decimals as strings), but the echo of an input must not differ.
"""

from __future__ import annotations

import json
import math

from hypothesis import example, given
from hypothesis import strategies as st

from cracktrader.engine import strict_json
from cracktrader.engine.canonical import canonical_bytes
from cracktrader.engine.errors import InvalidPayload

REFUSED = "refused"
I128 = (-(2**127), 2**127 - 1)


def has_no_canonical_form(value) -> bool:
    """Integers outside i128, big-int markers and infinities cannot be written."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, bool) or item is None or isinstance(item, str):
            continue
        if isinstance(item, int):
            if not I128[0] <= item <= I128[1]:
                return True
        elif isinstance(item, float):
            if not math.isfinite(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        else:  # the BigInt marker
            return True
    return False


def python_canonical(data: bytes):
    try:
        value = strict_json.loads(data)
    except InvalidPayload:
        return REFUSED
    if has_no_canonical_form(value):
        return REFUSED
    return canonical_bytes(value)


def rust_canonical(native, data: bytes):
    try:
        return native.canonical_json_roundtrip(data)
    except InvalidPayload:
        return REFUSED


# Strings: any code point Rust can hold, with control characters and escapes weighted in.
tricky_text = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cs",)),
        st.sampled_from(list('"\\/\b\f\n\r\t\x00\x1f\x7f\x80\x9f\u2028\u2029\ufeff\U0001f600é')),
    ),
    max_size=12,
)
json_ints = st.one_of(
    st.integers(min_value=-(2**64), max_value=2**64),
    # around the i128 bounds, both signs
    st.builds(lambda m, negative: -m if negative else m, st.integers(2**127 - 3, 2**127 + 3), st.booleans()),
    st.integers(min_value=-(10**70), max_value=10**70),
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    json_ints,
    st.floats(allow_nan=False, allow_infinity=False),
    st.builds(lambda i, shift: i / 2**shift, st.integers(2**40, 2**53), st.integers(1, 12)),
    tricky_text,
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(tricky_text, children, max_size=4),
    ),
    max_leaves=20,
)


@st.composite
def serialized(draw):
    """A JSON document as a writer might produce it: escaped or not, spaced or not."""
    value = draw(json_values)
    text = json.dumps(
        value,
        ensure_ascii=draw(st.booleans()),
        indent=draw(st.sampled_from([None, 0, 2, "\t"])),
        separators=draw(st.sampled_from([None, (",", ":"), (" , ", " : ")])),
    )
    return text.encode("utf-8")


@st.composite
def mutated(draw):
    """A valid document with one byte changed, inserted or removed."""
    data = bytearray(draw(serialized()))
    position = draw(st.integers(min_value=0, max_value=len(data)))
    action = draw(st.sampled_from(["insert", "replace", "delete"]))
    byte = draw(st.one_of(st.sampled_from(list(b'"\\{}[],:0-eE.\x00\xff\xc3 ntfu')), st.integers(0, 255)))
    if action == "insert":
        data.insert(position, byte)
    elif data and position < len(data):
        if action == "replace":
            data[position] = byte
        else:
            del data[position]
    return bytes(data)


HOSTILE_FRAGMENTS = [
    b"NaN", b"Infinity", b"-Infinity", b'{"a":1,"a":2}', b'"\\ud800"', b'"\\udc00"',
    b'"\\ud83d\\ude00"', b"1e400", b"-1e400", b"\xff", b'"\xed\xa0\x80"', b"1" * 70,
    b"-0", b"-0.0", b"1E+2", b"0.1e-5", b"[" * 33 + b"]" * 33, b"[" * 32 + b"]" * 32,
    b'"\\u0000\\u001F\\u007f"', b'"\\/"', b"[1,]", b"[] []", b"tru", b"\x00",
]


@st.composite
def hostile(draw):
    """Valid documents spliced with fragments that strict JSON must refuse or keep."""
    fragment = draw(st.sampled_from(HOSTILE_FRAGMENTS))
    shape = draw(st.sampled_from(["bare", "array", "object", "duplicate"]))
    if shape == "bare":
        return fragment
    if shape == "array":
        return b"[" + draw(serialized()) + b"," + fragment + b"]"
    if shape == "object":
        return b'{"k":' + fragment + b"}"
    return b'{"k":' + fragment + b',"k":' + draw(serialized()) + b"}"


documents = st.one_of(serialized(), mutated(), hostile(), st.binary(max_size=40))


@given(data=documents)
@example(data=b'{"b":1,"a":{"\\u00e9":"\\u001f","A":[1.5,-0.0,1e22,5e-324]}}')
@example(data=b'"\\u2028\\u2029\\ufeff"')
@example(data=str(2**127).encode())
@example(data=str(-(2**127)).encode())
@example(data=b"[" + b"9" * 45 + b"]")
@example(data=b"[1e400]")
@example(data=b"1.7976931348623157e308")
@example(data=b'"\\ud800\\u0041"')
def test_strict_read_and_canonical_write_agree(native, data):
    assert python_canonical(data) == rust_canonical(native, data)


@given(text=tricky_text)
@example(text="\x1f")
@example(text='"\\/\b\f\n\r\t')
@example(text="\x7f\u2028")
def test_string_escaping_matches_json_dumps(native, text):
    # DESIGN.md section 11: json.dumps(..., ensure_ascii=False) exactly, whatever
    # escaping the input used.
    expected = json.dumps(text, ensure_ascii=False).encode("utf-8")
    for encoded in (json.dumps(text), json.dumps(text, ensure_ascii=False)):
        assert native.canonical_json_roundtrip(encoded.encode("utf-8")) == expected
        assert canonical_bytes(strict_json.loads(encoded.encode("utf-8"))) == expected


@given(keys=st.lists(tricky_text, max_size=8, unique=True))
def test_keys_sort_by_code_point(native, keys):
    document = {key: index for index, key in enumerate(keys)}
    expected = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    data = json.dumps(document).encode("utf-8")
    assert native.canonical_json_roundtrip(data) == expected.encode("utf-8")


@given(
    value=st.one_of(
        st.floats(allow_nan=False, allow_infinity=False),
        # Dyadic fractions where two shortest strings tie; repr keeps the even digit.
        st.builds(lambda i, shift: i / 2**shift, st.integers(2**40, 2**53), st.integers(1, 12)),
    )
)
@example(value=70368744177664.125)
def test_floats_are_written_as_repr(native, value):
    assert native.canonical_json_roundtrip(repr(value).encode()) == repr(value).encode()
