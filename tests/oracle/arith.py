"""Exact decimal arithmetic for the oracle (DESIGN.md section 4).

Values are ``Fraction``s that are always whole multiples of 10**-9 once stored. The
core holds ``raw = value x 10**9`` in the i128 range and checks the raw product of
every multiplication, so the oracle checks the same two bounds: a stored value must
satisfy ``|value x 10**9| <= 2**127`` and a product ``|a x b x 10**18|`` likewise.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

NANO = 10**9
LOW, HIGH = -(2**127), 2**127 - 1
NUMBER_TEXT = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?\Z")


class Overflow(Exception):
    """A value or an intermediate product left the i128 fixed-point range."""


class BadNumber(Exception):
    """Not a number the rules accept (``invalid_number``)."""


def fits(x: Fraction) -> Fraction:
    """``x`` itself, if its raw form fits i128."""
    if not LOW <= x * NANO <= HIGH:
        raise Overflow
    return x


def round9(x: Fraction) -> Fraction:
    """Round to a multiple of 10**-9, ties to the even neighbour (symmetric by nature)."""
    scaled = x * NANO
    below = math.floor(scaled)
    rest = scaled - below
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and below % 2 == 1):
        below += 1
    return Fraction(below, NANO)


def exact_product(a: Fraction, b: Fraction) -> Fraction:
    """``a x b`` unrounded, after the core's check on the raw product."""
    if not LOW <= a * b * NANO * NANO <= HIGH:
        raise Overflow
    return a * b


def product(a: Fraction, b: Fraction) -> Fraction:
    """``a x b`` rounded half-even to 9 decimals: the rule for qty x price and fees."""
    return fits(round9(exact_product(a, b)))


def plus(*terms: Fraction) -> Fraction:
    """A checked sum."""
    return fits(sum(terms, Fraction(0)))


def to_number(value: object) -> Fraction:
    """A JSON number or decimal string -> its value rounded to 9 decimals.

    Raises ``BadNumber`` (booleans, NaN, infinities, malformed text) or ``Overflow``.
    """
    if isinstance(value, bool):
        raise BadNumber
    if isinstance(value, int):
        return fits(Fraction(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise BadNumber
        value = repr(value)  # the float's shortest round-trip digits
    if not isinstance(value, str) or not NUMBER_TEXT.match(value):
        raise BadNumber
    mantissa, _, exponent = value.lower().partition("e")
    if exponent and abs(int(exponent)) > 1000:
        # Too far from the unit to matter: zero stays zero, tiny rounds to zero,
        # anything else is out of range.
        if Fraction(mantissa) == 0 or int(exponent) < 0:
            return Fraction(0)
        raise Overflow
    return fits(round9(Fraction(value)))


def text(x: Fraction) -> str:
    """Canonical decimal text: minimal digits, no exponent, no trailing zeros, no -0."""
    raw = x * NANO
    assert raw.denominator == 1, f"{x} is not a multiple of 10**-9"
    n = raw.numerator
    whole, frac = divmod(abs(n), NANO)
    body = str(whole) if frac == 0 else f"{whole}.{frac:09d}".rstrip("0")
    return "-" + body if n < 0 else body
