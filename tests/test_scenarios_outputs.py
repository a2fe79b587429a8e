"""Quantiles over draws of the scenario outputs (forecasting/scenarios/outputs.py)."""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from forecasting.scenarios import outputs
from models._kernels import labourflow as _k

values = st.one_of(st.floats(-1e6, 1e6), st.just(np.nan))


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=3, max_side=9), elements=values)
)
def test_float_quantiles_are_the_kernels_to_the_bit(x):
    # The reference is the numba sorting kernel the outputs used before (linear
    # interpolation ``a + (b - a) t``, NaN ignored, NaN where a cell has no value);
    # np.nanquantile agrees to rounding (it interpolates from the upper value when t >= 0.5).
    probs = np.asarray(outputs.QUANTILES)
    cols = np.ascontiguousarray(x).reshape(x.shape[0], -1)
    out = np.empty((cols.shape[1], probs.size))
    _k.quantiles_over_draws(cols, probs, out)
    kernel = out.reshape(*x.shape[1:], probs.size)
    got = outputs._q(x)
    assert got.shape == (*x.shape[1:], len(outputs.QUANTILES))
    assert np.array_equal(got, kernel, equal_nan=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN cells
        numpy = np.moveaxis(np.nanquantile(x, outputs.QUANTILES, axis=0), 0, -1)
    np.testing.assert_allclose(got, numpy, rtol=1e-12, atol=1e-9)


def test_float_quantiles_of_a_known_column():
    # 0..99 over 100 draws: the p-quantile is 99 p (linear interpolation); an all-NaN cell
    # is NaN, a cell with two values interpolates between them.
    x = np.full((100, 3), np.nan)
    x[:, 0] = np.arange(100.0)[::-1]
    x[:2, 2] = [1.0, 3.0]
    q = outputs._q(x)
    assert np.array_equal(q[0], 99 * np.asarray(outputs.QUANTILES))
    assert np.isnan(q[1]).all()
    assert np.array_equal(q[2], 1.0 + 2.0 * np.asarray(outputs.QUANTILES))
