"""Interval arithmetic on published figures, exactly (fractions, never floats).

A published figure stands for every value that rounds to it: ``1,511.89 万元`` is some value in
[1511.885, 1511.895], ``94.91%`` some value in [94.905%, 94.915%]. A statement relating published
figures (a rate, a comparison word) is *consistent* when some values inside those intervals make it
true, and only then; so 1.04 / 1.1 printed as "94.91%" is consistent (1.04 ∈ [1.035, 1.045], 1.1 is
1.10 ∈ [1.095, 1.105], and 1.04 / 1.095 = 94.98% ≥ 94.905%), while 5,569.36 / 2,296.46 printed as
"252.52%" is not.

Intervals are closed: a value exactly at the edge of the feasible interval counts as consistent
(the lenient choice — a checker that cries wolf at the boundary is wrong more often than a rounding
rule is half-open). Amounts in 万元 carry at least the 0.01 万元 precision the reports publish
(a figure printed with fewer decimals, ``1.1``, is taken as ``1.10``: trailing zeros are often
dropped); more decimals (a figure in 元 converted, ``29.099``) narrow the interval accordingly.

The functions checked here (ratios, changes against a derived base) are monotone in each operand on
an interval that does not contain the zero of a denominator, so their range over a box of intervals
is the range over its corners (:func:`over_corners`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

HUNDRED = Fraction(100)
#: Published precision of amounts in 万元 (contract section 5).
AMOUNT_PLACES = 2
#: How many decimal places below 万元 a printed unit's last digit sits.
UNIT_SCALES = {"万元": 0, "元": 4, "亿元": -4}


def fraction(value: Decimal | int | Fraction) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(value)


def half_unit(places: int) -> Fraction:
    """Half of the last printed digit: 0.005 for two decimals, 0.5 for none."""
    return Fraction(1, 2) / Fraction(10) ** places


@dataclass(frozen=True)
class Interval:
    """A closed interval [lo, hi] of exact rationals."""

    lo: Fraction
    hi: Fraction

    def __post_init__(self) -> None:
        if self.lo > self.hi:
            raise ValueError(f"empty interval [{self.lo}, {self.hi}]")

    @classmethod
    def point(cls, value: Decimal | int | Fraction) -> Interval:
        exact = fraction(value)
        return cls(exact, exact)

    @classmethod
    def printed(cls, value: Decimal | int | Fraction, places: int) -> Interval:
        """Every value that rounds to ``value`` at ``places`` decimals."""
        exact = fraction(value)
        half = half_unit(places)
        return cls(exact - half, exact + half)

    @classmethod
    def amount(cls, value: Decimal, places: int, unit: str = "万元") -> Interval:
        """A published amount, ``value`` in 万元, printed with ``places`` decimals in ``unit``.

        In 万元 at least :data:`AMOUNT_PLACES` decimals (see the module docstring); a figure printed in
        元 is known to its printed decimals four places further (0.01 元 is 0.000001 万元), one in 亿元
        to four places less.
        """
        if unit not in UNIT_SCALES:
            raise ValueError(f"unknown amount unit {unit!r} (allowed: {', '.join(UNIT_SCALES)})")
        shown = max(places, AMOUNT_PLACES) if unit == "万元" else places
        return cls.printed(value, shown + UNIT_SCALES[unit])

    def __add__(self, other: Interval) -> Interval:
        return Interval(self.lo + other.lo, self.hi + other.hi)

    def __sub__(self, other: Interval) -> Interval:
        return Interval(self.lo - other.hi, self.hi - other.lo)

    def scaled(self, factor: Fraction) -> Interval:
        ends = (self.lo * factor, self.hi * factor)
        return Interval(min(ends), max(ends))

    def contains(self, value: Fraction) -> bool:
        return self.lo <= value <= self.hi

    def contains_zero(self) -> bool:
        return self.contains(Fraction(0))

    def intersects(self, other: Interval) -> bool:
        return self.lo <= other.hi and other.lo <= self.hi

    def gap(self, other: Interval) -> Fraction:
        """How far apart two intervals are (0 when they meet)."""
        return max(Fraction(0), other.lo - self.hi, self.lo - other.hi)

    @property
    def middle(self) -> Fraction:
        return (self.lo + self.hi) / 2

    def __str__(self) -> str:
        return f"[{float(self.lo):.6g}, {float(self.hi):.6g}]"


def over_corners(function: Callable[..., Fraction], intervals: Sequence[Interval]) -> Interval:
    """The range of ``function`` over the box of ``intervals``, for a function monotone in each operand."""
    values = [function(*corner) for corner in itertools.product(*((i.lo, i.hi) for i in intervals))]
    return Interval(min(values), max(values))


def ratio(numerator: Interval, denominator: Interval) -> Interval | None:
    """numerator / denominator × 100 (a percentage); ``None`` when the denominator may be zero."""
    if denominator.contains_zero():
        return None
    return over_corners(lambda n, d: n / d * HUNDRED, (numerator, denominator))


def growth(change: Interval, current: Interval, sign: int) -> tuple[Interval, Interval | None]:
    """A change against a base derived from it: base = current − sign × change, rate = change / base × 100.

    Returns the base's interval and the rate's (``None`` when the base may be zero). ``change`` and
    ``current`` are independent published figures; the base shares ``change``, so the rate is
    evaluated as one function of both (tighter than dividing two independent intervals).
    """
    s = Fraction(sign)
    base = over_corners(lambda c, y: y - s * c, (change, current))
    if base.contains_zero():
        return base, None
    return base, over_corners(lambda c, y: c / (y - s * c) * HUNDRED, (change, current))


def stated_rate(rate: Decimal, places: int) -> Interval:
    """A printed percentage: every value that rounds to it."""
    return Interval.printed(rate, places)


def truncated_rate(rate: Decimal, places: int) -> Interval:
    """A printed percentage read as cut off after its decimals (some software truncates instead of
    rounding): every value from it up to, not beyond, the next printed step."""
    exact = fraction(rate)
    return Interval(exact, exact + 2 * half_unit(places))


def feasible(relation: str, left: Interval, right: Interval) -> bool:
    """Whether some values of the two intervals stand in ``relation`` (gt, lt, eq)."""
    if relation == "gt":
        return left.hi > right.lo
    if relation == "lt":
        return left.lo < right.hi
    if relation == "eq":
        return left.intersects(right)
    raise ValueError(f"unknown relation {relation!r} (gt, lt or eq)")


def relation_gap(relation: str, left: Interval, right: Interval) -> Fraction:
    """How far the intervals are from standing in ``relation`` (0 when they do, or touch)."""
    if relation == "gt":
        return max(Fraction(0), right.lo - left.hi)
    if relation == "lt":
        return max(Fraction(0), left.lo - right.hi)
    if relation == "eq":
        return left.gap(right)
    raise ValueError(f"unknown relation {relation!r} (gt, lt or eq)")
