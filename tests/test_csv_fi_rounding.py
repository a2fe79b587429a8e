"""Numbers of a ``csv-fi`` download are rounded for reading (:func:`service.export.for_reading`).

A CSV cell has no display format, so Finnish Excel showed a forecast mean of persons as
``2790,295848292982``. The download for people keeps four significant digits and at least
one decimal (at most six: a residue of 2e-17 is 0); ``format=csv``, the JSON and the
workbook keep every digit.
"""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.export import READING_DIGITS, READING_MAX_DECIMALS, for_reading

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


def _decimals(x: float) -> int:
    exponent = Decimal(repr(x)).as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        # cells of real downloads (TA23 release of the 2026-06 registers)
        (3765.03609506813, 3765.0),  # register forecast, mean of the unemployed, 7/2026
        (2790.295848292982, 2790.3),
        (32675.0, 32675.0),  # a whole count keeps its one decimal
        (0.9620887838838672, 0.9621),  # a share
        (-8.057210335502173, -8.057),  # a training need (a surplus)
        (0.5822045483019793, 0.5822),
        (123456.78, 123456.8),  # never fewer than one decimal, however large
        (-0.04, -0.04),
        (0.0, 0.0),
        (2.0816681711721685e-17, 0.0),  # a departure of a share from itself, rounding residue
        (0.00049999, 0.0005),
    ],
)
def test_reference_cells(value: float, shown: float) -> None:
    assert for_reading(value) == shown


@given(finite)
def test_close_to_the_value_and_no_more_digits_than_needed(x: float) -> None:
    r = for_reading(x)
    assert abs(r - x) <= max(0.05, 0.5 * 10.0 ** (1 - READING_DIGITS) * abs(x)) * (1 + 1e-12)
    if x != 0.0:
        magnitude = math.floor(math.log10(abs(x)))
        wanted = min(READING_MAX_DECIMALS, max(1, READING_DIGITS - 1 - magnitude))
        if r != 0.0 and abs(r) >= 1e-4:  # repr of smaller numbers is in exponent form
            assert _decimals(r) <= wanted
        if abs(x) < 0.5 * 10.0**-READING_MAX_DECIMALS:
            assert r == 0.0


@given(finite)
def test_rounding_twice_changes_nothing_and_keeps_the_sign(x: float) -> None:
    r = for_reading(x)
    assert for_reading(r) == r
    assert r == 0.0 or math.copysign(1.0, r) == math.copysign(1.0, x)
    if r == 0.0:
        assert math.copysign(1.0, r) == 1.0  # no "-0,0" in a spreadsheet


@pytest.mark.parametrize("value", [math.inf, -math.inf])
def test_not_finite_is_unchanged(value: float) -> None:
    assert for_reading(value) == value
    assert math.isnan(for_reading(math.nan))


def test_a_numpy_float_comes_back_as_a_plain_float() -> None:
    import numpy as np

    r = for_reading(np.float64(3765.03609506813))
    assert type(r) is float and repr(r) == "3765.0"
