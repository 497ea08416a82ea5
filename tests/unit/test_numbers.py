"""The fixed-point number model (DESIGN.md section 4, docs/numbers.md).

Expected values come from independent oracles, never from the code under test:
Python's ``decimal`` module (ROUND_HALF_EVEN) for parsing and ``fractions.Fraction``
(whose ``round`` is half-to-even) for arithmetic. Parsing and formatting run on both
backends through the ``backend`` fixture; the arithmetic helpers exist in Python here
and are pinned in Rust by ``cargo test``.
"""

from __future__ import annotations

import decimal
import re
from fractions import Fraction

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from cracktrader.engine import numbers
from cracktrader.engine.canonical import canonical_bytes, find_float
from cracktrader.engine.errors import InvalidNumber, InvalidPayload, NumericOverflow
from cracktrader.engine.strict_json import BigInt
from cracktrader.engine.validation import load_schema

RAW_MIN = -(2**127)
RAW_MAX = 2**127 - 1
SCALE = 10**9
MAX_TEXT = "170141183460469231731687303715.884105727"
MIN_TEXT = "-170141183460469231731687303715.884105728"
# The canonical decimal form, as the `common.json#/$defs/decimal` schema states it.
CANONICAL = re.compile(load_schema("common")["$defs"]["decimal"]["pattern"])

raws = st.integers(min_value=RAW_MIN, max_value=RAW_MAX)
_ORACLE = decimal.Context(prec=2000, Emax=10**8, Emin=-(10**8), rounding=decimal.ROUND_HALF_EVEN)


def oracle_raw(text: str) -> int | type[NumericOverflow]:
    """The raw a decimal string must parse to, by the decimal module's rules."""
    scaled = _ORACLE.multiply(decimal.Decimal(text), SCALE)
    value = int(scaled.to_integral_value(rounding=decimal.ROUND_HALF_EVEN, context=_ORACLE))
    if value < RAW_MIN or value > RAW_MAX:
        return NumericOverflow
    return value


def oracle_round(value: Fraction) -> int:
    """Round half to even (``Fraction.__round__`` with no digits does exactly that)."""
    return round(value)


@pytest.fixture
def parse(backend, request):
    """``parse_decimal`` of the backend under test."""
    if backend == "python":
        return numbers.parse_decimal
    return request.getfixturevalue("native").parse_decimal


@pytest.fixture
def fmt(backend, request):
    """``format_decimal`` of the backend under test."""
    if backend == "python":
        return numbers.format_decimal
    return request.getfixturevalue("native").format_decimal


# --- format and parse round-trip over the whole i128 range ------------------------


@given(raw=raws)
@example(raw=RAW_MIN)
@example(raw=RAW_MAX)
@example(raw=0)
@example(raw=-1)
@example(raw=SCALE)
@example(raw=-SCALE // 2)
def test_parse_of_format_is_identity_over_i128(raw):
    text = numbers.format_decimal(raw)
    assert CANONICAL.search(text), text
    assert numbers.parse_decimal(text) == raw


@given(raw=raws)
def test_canonical_text_is_minimal(raw):
    text = numbers.format_decimal(raw)
    assert "e" not in text and "E" not in text and "+" not in text
    assert text != "-0"
    if "." in text:
        assert not text.endswith("0")
        assert len(text.split(".")[1]) <= 9
    # Independent check of the value: the decimal module reads the text exactly.
    assert _ORACLE.multiply(decimal.Decimal(text), SCALE) == raw


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (0, "0"),
        (1, "0.000000001"),
        (-1, "-0.000000001"),
        (100_000_000, "0.1"),
        (-1_500_000_000, "-1.5"),
        (10 * SCALE, "10"),
        (RAW_MAX, MAX_TEXT),
        (RAW_MIN, MIN_TEXT),
    ],
)
def test_format_examples(fmt, raw, text):
    assert fmt(raw) == text


@pytest.mark.parametrize("raw", [RAW_MAX + 1, RAW_MIN - 1, 2**200, -(2**200)])
def test_format_refuses_raws_outside_i128(fmt, raw):
    with pytest.raises(NumericOverflow):
        fmt(raw)


@pytest.mark.parametrize("raw", [True, False, 1.0, "1", None])
def test_format_refuses_non_int_raws(fmt, raw):
    with pytest.raises(InvalidPayload):
        fmt(raw)


# --- strings: every accepted form against the decimal oracle ---------------------

digit_strings = st.text(alphabet="0123456789", min_size=1, max_size=45)
decimal_texts = st.builds(
    lambda sign, whole, frac, exp: f"{sign}{whole}{'.' + frac if frac else ''}{exp}",
    st.sampled_from(["", "+", "-"]),
    digit_strings,
    st.one_of(st.just(""), digit_strings),
    st.one_of(
        st.just(""),
        st.builds(
            lambda e, sign, n: f"{e}{sign}{n}",
            st.sampled_from("eE"),
            st.sampled_from(["", "+", "-"]),
            st.integers(min_value=0, max_value=60),
        ),
    ),
)


@given(text=decimal_texts)
@example(text="0.0000000005")
@example(text="-0.0000000015")
@example(text="1" * 40)
@example(text="0e99")
@example(text="-0.0000000001")
def test_string_parse_matches_decimal_oracle(text):
    expected = oracle_raw(text)
    if expected is NumericOverflow:
        with pytest.raises(NumericOverflow):
            numbers.parse_decimal(text)
    else:
        assert numbers.parse_decimal(text) == expected


# --- floats: shortest round-trip digits, not the exact binary value -------------


@given(value=st.floats(allow_nan=False, allow_infinity=False))
def test_float_goes_through_repr_digits(value):
    expected = oracle_raw(repr(value))
    if expected is NumericOverflow:
        with pytest.raises(NumericOverflow):
            numbers.parse_decimal(value)
    else:
        assert numbers.parse_decimal(value) == expected


@pytest.mark.parametrize(
    ("value", "raw"),
    [
        # Each float's exact binary value lies on the other side of the tie from its
        # shortest digits; reading the binary value would give the other answer.
        (5e-10, 0),  # exactly 5.00000000000000031e-10: would round to 1
        (1.5e-9, 2),  # exactly 1.49999999999999999e-9: would round to 1
        (2.5e-9, 2),  # exactly 2.50000000000000005e-9: would round to 3
        (0.1, 100_000_000),
        (-0.0, 0),
        (1e-20, 0),
        (1.7e29, 170_000_000_000_000_000_000_000_000_000_000_000_000),
        # Exactly between the shortest strings ...12 and ...13: repr keeps the even one.
        (70368744177664.125, 70_368_744_177_664_120_000_000),
    ],
)
def test_float_examples(parse, value, raw):
    assert parse(value) == raw


def test_float_example_ties_really_differ_from_binary():
    # Guard the examples above: their binary values must not be exact ties.
    assert Fraction(5e-10) * SCALE > Fraction(1, 2)
    assert Fraction(1.5e-9) * SCALE < Fraction(3, 2)
    assert Fraction(2.5e-9) * SCALE > Fraction(5, 2)


# --- half-even on constructed ties ----------------------------------------------


@given(units=st.integers(min_value=0, max_value=10**20), negative=st.booleans(), form=st.sampled_from(["point", "exp"]))
def test_ties_round_half_to_even(units, negative, form):
    # units + 1/2 of the smallest step: the tenth fractional digit is a 5, then nothing.
    tenths = 10 * units + 5
    if form == "point":
        whole, frac = divmod(tenths, 10**10)
        text = f"{whole}.{frac:010d}"
    else:
        text = f"{tenths}e-10"
    expected = units if units % 2 == 0 else units + 1
    if negative:
        text, expected = "-" + text, -expected
    assert numbers.parse_decimal(text) == expected


@pytest.mark.parametrize(
    ("text", "raw"),
    [
        ("0.0000000005", 0),
        ("0.0000000015", 2),
        ("0.0000000025", 2),
        ("0.0000000035", 4),
        ("-0.0000000005", 0),
        ("-0.0000000025", -2),
        ("-0.0000000035", -4),
        ("0.00000000250000000000000001", 3),  # above the tie
        ("2.5e-9", 2),
        ("-3.5E-9", -4),
    ],
)
def test_tie_examples(parse, text, raw):
    assert parse(text) == raw


# --- rejects of DESIGN.md section 4, on both backends ---------------------------

INVALID_NUMBERS = [
    float("nan"),
    float("inf"),
    float("-inf"),
    True,
    False,
    "",
    " ",
    " 1",
    "1 ",
    "\t1",
    "1\n",
    "١",  # ARABIC-INDIC DIGIT ONE
    "١٢.٥",
    "１",  # FULLWIDTH DIGIT ONE
    "²",  # SUPERSCRIPT TWO (str.isdigit() says yes)
    "0x10",
    "0X1F",
    "1e",
    "e5",
    ".5",
    "5.",
    "-.5",
    "NaN",
    "nan",
    "inf",
    "Infinity",
    "-Infinity",
    "--1",
    "+-1",
    "+",
    "-",
    "1_000",
    "1,5",
    "1.2.3",
    "1e5.5",
    "1 000",
    "1e+-5",
]


@pytest.mark.parametrize("value", INVALID_NUMBERS, ids=repr)
def test_invalid_numbers_are_refused(parse, value):
    with pytest.raises(InvalidNumber):
        parse(value)


@pytest.mark.parametrize(
    "value",
    [None, [], {}, [1], {"a": 1}, b"1", (1,), object(), decimal.Decimal("1"), "\ud800", "1\udfff"],
    # a stable id for the bare object(): its repr holds an address, and pytest-xdist
    # workers must collect identical test ids
    ids=lambda value: "object()" if type(value) is object else repr(value),
)
def test_non_numbers_are_invalid_payload(parse, value):
    # D-001: the wrong type is a shape problem; D-007: a lone surrogate can never be a
    # number (Rust cannot even hold the string).
    with pytest.raises(InvalidPayload):
        parse(value)


def test_big_int_marker_is_overflow():
    # D-005: an integer token too long to read is an overflow in a decimal field.
    with pytest.raises(NumericOverflow):
        numbers.parse_decimal(BigInt(negative=False))
    with pytest.raises(NumericOverflow):
        numbers.parse_decimal(BigInt(negative=True))


# --- i128 bounds, exactly -------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "raw"),
    [
        (MAX_TEXT, RAW_MAX),
        (MIN_TEXT, RAW_MIN),
        ("+" + MAX_TEXT, RAW_MAX),
        ("170141183460469231731687303715884105727e-9", RAW_MAX),
        ("170141183460469231731687303715.8841057270000000001", RAW_MAX),  # rounds down
        ("170141183460469231731687303715.8841057265", RAW_MAX - 1),  # tie, even stays
        (170141183460469231731687303715, 170141183460469231731687303715 * SCALE),
        (-170141183460469231731687303715, -170141183460469231731687303715 * SCALE),
    ],
)
def test_i128_bounds_accepted(parse, value, raw):
    assert parse(value) == raw


@pytest.mark.parametrize(
    "value",
    [
        "170141183460469231731687303715.884105728",
        "-170141183460469231731687303715.884105729",
        "170141183460469231731687303715.8841057275",  # tie rounds up to odd+1: overflow
        "170141183460469231731687303716",
        "1e30",
        "-1e30",
        "1e99999999999999999999999",
        "-1e99999999999999999999999",
        170141183460469231731687303716,
        -170141183460469231731687303716,
        2**127,
        -(2**127),
        2**129,
        10**100,
        1e30,
        -1.7976931348623157e308,
    ],
    ids=repr,
)
def test_i128_bounds_overflow(parse, value):
    with pytest.raises(NumericOverflow):
        parse(value)


@pytest.mark.parametrize(
    ("text", "raw"),
    [
        ("0e99999999999999999999999", 0),
        ("-0e-99999999999999999999999", 0),
        ("1e-99999999999999999999999", 0),
        ("-1e-99999999999999999999999", 0),
        ("1e-999999999999999999", 0),
        ("1e20", 10**29),
        ("1E+00000000000000000000000000001", 10 * SCALE),  # leading zeros do not count
        ("-0", 0),
        ("-0.0000000004", 0),
        ("00000.1000", 100_000_000),
    ],
)
def test_exponents_and_zeros(parse, fmt, text, raw):
    assert parse(text) == raw
    assert fmt(parse(text)) != "-0"


# --- 10 MB digit strings complete (no timing assertion: they just must finish) --


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        ("1" * 10_000_000, NumericOverflow),
        ("0" * 10_000_000 + "1", SCALE),
        ("0." + "0" * 10_000_000 + "1", 0),
        ("1." + "0" * 10_000_000, SCALE),
        ("1." + "9" * 10_000_000, 2 * SCALE),
        ("0.000000000" + "5" + "0" * 10_000_000 + "1", 1),  # just above the tie
        ("9" * 10_000_000 + "e-9999960", NumericOverflow),  # about 10^40
        ("9" * 10_000_000 + "e-10000000", SCALE),  # 0.999... rounds to 1
        ("1" + "0" * 10_000_000 + "e-10000000", SCALE),
        ("1" * 10_000_000 + "x", InvalidNumber),
    ],
    ids=["ones", "leading-zeros", "tiny", "trailing-zeros", "nines", "above-tie", "scaled-overflow", "scaled-nines", "scaled-one", "bad-tail"],
)
def test_huge_digit_strings(parse, text, outcome):
    if isinstance(outcome, type):
        with pytest.raises(outcome):
            parse(text)
    else:
        assert parse(text) == outcome


# --- checked arithmetic: overflow is NumericOverflow, rounding half-even ---------

wide = st.one_of(raws, st.sampled_from([RAW_MIN, RAW_MAX, RAW_MIN + 1, RAW_MAX - 1, 0, 1, -1, SCALE, -SCALE]))


def _expect(op, expected):
    if expected < RAW_MIN or expected > RAW_MAX:
        with pytest.raises(NumericOverflow):
            op()
    else:
        assert op() == expected


@given(a=wide, b=wide)
def test_add_sub_are_checked(a, b):
    _expect(lambda: numbers.add(a, b), a + b)
    _expect(lambda: numbers.sub(a, b), a - b)


@given(a=wide)
def test_neg_is_checked(a):
    _expect(lambda: numbers.neg(a), -a)


@given(a=wide, b=wide)
def test_mul_checks_the_raw_product_then_rounds_half_even(a, b):
    product = a * b
    if product < RAW_MIN or product > RAW_MAX:
        with pytest.raises(NumericOverflow):
            numbers.mul(a, b)
    else:
        assert numbers.mul(a, b) == oracle_round(Fraction(product, SCALE))


@given(a=wide, b=wide)
def test_div_is_checked_and_rounds_half_even(a, b):
    scaled = a * SCALE
    if b == 0 or scaled < RAW_MIN or scaled > RAW_MAX:
        with pytest.raises(NumericOverflow):
            numbers.div(a, b)
        return
    _expect(lambda: numbers.div(a, b), oracle_round(Fraction(scaled, b)))


@given(n=st.integers(min_value=-(10**30), max_value=10**30), d=st.integers(min_value=-(10**6), max_value=10**6).filter(bool))
def test_div_half_even_matches_fraction_rounding(n, d):
    assert numbers.div_half_even(n, d) == oracle_round(Fraction(n, d))


@pytest.mark.parametrize(
    ("n", "d", "q"),
    [(25, 10, 2), (35, 10, 4), (-25, 10, -2), (-35, 10, -4), (25, -10, -2), (-35, -10, 4), (15, 10, 2), (-15, 10, -2), (14, 10, 1), (-16, 10, -2)],
)
def test_div_half_even_symmetric_ties(n, d, q):
    # Python's // floors (-25 // 10 == -3) and Rust's / truncates; neither is the rule.
    assert numbers.div_half_even(n, d) == q


@pytest.mark.parametrize(
    "op",
    [
        lambda: numbers.add(RAW_MAX, 1),
        lambda: numbers.sub(RAW_MIN, 1),
        lambda: numbers.neg(RAW_MIN),
        lambda: numbers.mul(RAW_MAX, 2 * SCALE),
        lambda: numbers.mul(RAW_MIN, RAW_MIN),
        lambda: numbers.mul_exact(2**64, 2**64),
        lambda: numbers.div(RAW_MAX, 1),  # RAW_MAX x 10^9 does not fit
        lambda: numbers.div(SCALE, 0),  # D-002
        lambda: numbers.div_half_even(RAW_MIN, -1),
        lambda: numbers.from_int(2**100),
    ],
)
def test_overflow_examples(op):
    with pytest.raises(NumericOverflow):
        op()


def test_mul_and_div_examples():
    assert numbers.mul(numbers.parse_decimal("1.5"), numbers.parse_decimal("2")) == 3 * SCALE
    assert numbers.mul(numbers.parse_decimal("0.000000001"), numbers.parse_decimal("0.5")) == 0  # tie -> even 0
    assert numbers.mul(numbers.parse_decimal("0.000000003"), numbers.parse_decimal("0.5")) == 2  # 1.5 -> 2
    assert numbers.mul(numbers.parse_decimal("-0.000000003"), numbers.parse_decimal("0.5")) == -2
    assert numbers.div(numbers.parse_decimal("1"), numbers.parse_decimal("3")) == 333_333_333
    assert numbers.div(numbers.parse_decimal("2"), numbers.parse_decimal("3")) == 666_666_667


# --- no float ever in canonical output ------------------------------------------


@given(value=st.one_of(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e20, max_value=1e20), st.integers(-(10**20), 10**20), decimal_texts))
def test_no_float_in_canonical_output(value):
    try:
        raw = numbers.parse_decimal(value)
    except NumericOverflow:
        return
    document = {"price": numbers.format_decimal(raw), "nested": [{"qty": numbers.format_decimal(-raw)}]}
    assert find_float(document) is None
    text = canonical_bytes(document).decode()
    # Every number in the canonical text sits inside a JSON string.
    assert re.search(r'[:\[,]-?[0-9]', text) is None, text


def test_find_float_reports_the_path():
    # find_float is how other tests prove results carry no float; prove it can fail.
    assert find_float({"a": [1, "2", {"b/c": 1.5}]}) == "/a/2/b~1c"
    assert find_float({"a": [1, "2", None, True]}) is None
    assert find_float(0.0) == ""
