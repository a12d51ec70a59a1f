"""Custom Great Expectations classes that read as the accounting rules they enforce.

Each class fixes the columns of the residual frame (``juesuan.transform.identities.RESIDUAL_COLUMNS``)
on a built-in expectation, so a suite says *what* it expects — "the identity holds within rounding"
— instead of which column pair it compares. Built-ins are used underneath because their metrics
are well tested; the residuals are exact integers (0.000001 万元), so comparisons cannot drift.

GX 1.x finds an expectation class by its snake-case type name (``expect_identity_within_tolerance``)
when it loads a suite from JSON. A suite whose classes are *not imported* silently loses those
expectations and then passes; :mod:`juesuan.expectations.runner` imports this module and checks the
number of expectations loaded and run against the suite definitions, and fails loudly otherwise.
"""

from __future__ import annotations

from typing import Literal

import great_expectations as gx

DEVIATION = "deviation_micro"
TOLERANCE = "tolerance_micro"


class ExpectIdentitySidesPresent(gx.expectations.ExpectColumnValuesToNotBeNull):
    """Both sides of every identity could be formed (else the check is *not checkable*)."""

    column: str = DEVIATION
    description: str | None = "both sides of the identity are reported (a missing side is *not checkable*)"


class ExpectIdentityWithinTolerance(gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB):
    """The identity holds within 0.01 万元 per addend: tolerance ≥ deviation (else an *error*)."""

    column_A: str = TOLERANCE
    column_B: str = DEVIATION
    or_equal: bool | None = True
    ignore_row_if: Literal["both_values_are_missing", "either_value_is_missing", "neither"] = "either_value_is_missing"
    description: str | None = "the identity holds within 0.01 万元 per addend (larger differences are *errors*)"


class ExpectIdentityToHoldExactly(gx.expectations.ExpectColumnValuesToBeBetween):
    """The identity holds to the last 0.000001 万元 (else a *rounding* finding when within tolerance)."""

    column: str = DEVIATION
    min_value: float | int | None = 0
    max_value: float | int | None = 0
    description: str | None = "the identity holds exactly (a difference within tolerance is *rounding*)"


CUSTOM_EXPECTATIONS = (ExpectIdentitySidesPresent, ExpectIdentityWithinTolerance, ExpectIdentityToHoldExactly)
