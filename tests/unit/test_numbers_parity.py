"""Python and Rust number layers agree on every input (DESIGN.md section 4).

``cracktrader.engine.numbers`` and ``cracktrader._native`` must give the same raw, or
raise the same exception class, for any value a caller can hand in: well-formed
strings, near misses, ints and floats across and beyond the i128 range, and hostile
values (bools, None, containers, lone surrogates, non-ASCII digits).
"""

from __future__ import annotations

import decimal

from hypothesis import example, given
from hypothesis import strategies as st

from cracktrader.engine import numbers

RAW_MIN = -(2**127)
RAW_MAX = 2**127 - 1
BOUND_TEXTS = [
    "170141183460469231731687303715.884105727",
    "170141183460469231731687303715.884105728",
    "-170141183460469231731687303715.884105728",
    "-170141183460469231731687303715.884105729",
    "170141183460469231731687303715.8841057275",
    "170141183460469231731687303715.8841057265",
]

digit_runs = st.text(alphabet="0123456789", min_size=1, max_size=50)
well_formed = st.builds(
    lambda sign, whole, frac, exp: f"{sign}{whole}{frac}{exp}",
    st.sampled_from(["", "+", "-"]),
    digit_runs,
    st.one_of(st.just(""), digit_runs.map(lambda d: "." + d)),
    st.one_of(
        st.just(""),
        st.builds(
            lambda e, sign, n: f"{e}{sign}{n}",
            st.sampled_from("eE"),
            st.sampled_from(["", "+", "-"]),
            st.one_of(st.integers(0, 80).map(str), digit_runs),
        ),
    ),
)
# Near misses: the grammar's own characters plus whitespace, in any order.
near_misses = st.text(alphabet="0123456789+-.eExX _,\t\n", max_size=30)
hostile_text = st.one_of(
    st.text(max_size=20),  # any unicode, including lone surrogates
    st.sampled_from(["١", "١٢.٥", "１", "²", "٣e٢", "NaN", "inf", "Infinity", "0x1F", "\ud800", "1\udfff", ""]),
)
ints = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**140), max_value=2**140),
    st.sampled_from([RAW_MIN, RAW_MAX, RAW_MIN // 10**9, RAW_MAX // 10**9, RAW_MAX // 10**9 + 1, 2**127, 2**128, -(2**128) - 1]),
)
floats = st.one_of(
    st.floats(),  # NaN and infinities included
    # Dyadic fractions with 16-17 significant digits: where two shortest strings tie
    # and the writer must pick Python's (70368744177664.125 -> "...12", not "...13").
    st.builds(lambda i, shift: i / 2**shift, st.integers(2**40, 2**53), st.integers(1, 12)),
)
hostile_values = st.one_of(
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.binary(max_size=4),
    st.tuples(st.integers()),
    st.decimals(allow_nan=False, allow_infinity=False),
)
corpus = st.one_of(well_formed, near_misses, hostile_text, ints, floats, hostile_values, st.sampled_from(BOUND_TEXTS))


def outcome(function, value):
    """``("ok", result)`` or ``("raised", exception class name)``."""
    try:
        return ("ok", function(value))
    except Exception as exc:  # noqa: BLE001 - the class is the thing compared
        return ("raised", type(exc).__name__)


@given(value=corpus)
@example(value=True)
@example(value=float("nan"))
@example(value=-0.0)
@example(value=5e-324)
@example(value=70368744177664.125)
@example(value=1.7976931348623157e308)
@example(value="1" * 100_000)
@example(value="0." + "0" * 100_000 + "5")
@example(value=decimal.Decimal("1"))
def test_parse_decimal_agrees(native, value):
    python = outcome(numbers.parse_decimal, value)
    rust = outcome(native.parse_decimal, value)
    assert python == rust
    # Neither backend may answer with anything but a raw int or a shared error class.
    assert python[0] == "ok" or python[1] in {"InvalidNumber", "InvalidPayload", "NumericOverflow"}


@given(raw=st.one_of(st.integers(min_value=RAW_MIN, max_value=RAW_MAX), st.integers(), st.booleans(), st.floats(), st.none(), st.text(max_size=3)))
@example(raw=RAW_MIN)
@example(raw=RAW_MAX)
@example(raw=RAW_MAX + 1)
@example(raw=RAW_MIN - 1)
def test_format_decimal_agrees(native, raw):
    assert outcome(numbers.format_decimal, raw) == outcome(native.format_decimal, raw)


@given(raw=st.integers(min_value=RAW_MIN, max_value=RAW_MAX))
def test_rust_round_trip_over_i128(native, raw):
    assert native.parse_decimal(native.format_decimal(raw)) == raw
