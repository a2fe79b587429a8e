"""A pooled quantile gradient boosting over a panel of count series.

The same pooled design as :class:`~models.forecast.pooled.PooledRegression` (own, parent and
national year-on-year changes, seasonal positions, the series' log size), but the change
against the seasonal naive forecast is learnt by scikit-learn's
``HistGradientBoostingRegressor`` with the quantile (pinball) loss, once for each published
quantile level. Trees can find thresholds and interactions the ridge cannot (a fall that
goes on, a small series that swings more), and the quantile loss gives intervals from the
data rather than from a Gaussian residual scale.

For series ``i``, last observation ``t``, horizon ``h`` and ``s = t + h - m k`` (the latest
observed month of the target's calendar month), on ``z = log1p(y)``::

    Q_p(z[t + h] - z[s] | x(i, t, h))  for p in QUANTILES

To keep the fit cheap the horizons are grouped into bands of ``band_width`` months with the
horizon as a feature; each band fits one model per level on at most ``max_rows`` rows drawn
(seeded) from every series, last observation and horizon of the band. Features ``x``: the
14 non-constant base columns of :func:`~models.forecast.pooled._design`, the series'
centred log size and ``h``.

The predicted quantiles are sorted (no crossing). A :class:`Forecast` is symmetric on the log
scale, so the median is its centre and the 80 % and 95 % half-widths are the means of the
learnt lower and upper ones: ``scale = (q90 - q10) / (2 Z80)``, ``mult95`` such that
``mult95 * scale = (q97.5 - q2.5) / 2``. The skew the levels carry is kept in
:meth:`PooledQuantileBoosting.predict_quantiles`.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
from threadpoolctl import threadpool_limits

from models.forecast._base import Z80, Estimator, Forecast, _check_horizon
from models.forecast.pooled import N_BASE, _design, _series_features

#: The published quantile levels (lo95, lo80, point, hi80, hi95).
QUANTILES = (0.025, 0.1, 0.5, 0.9, 0.975)
MEDIAN = QUANTILES.index(0.5)
MIN_SCALE = 1e-6  # log-scale floor, so a degenerate 80 % interval still gives a multiplier


def _features(X: np.ndarray, h: int) -> np.ndarray:
    """The boosting features from a pooled design ``X`` ``(n, k, 2 N_BASE)``: the base columns
    without the constant, the centred log size (the first size interaction is ``1 * size``)
    and the horizon; shape ``(n * k, N_BASE + 1)``."""
    n, k, _ = X.shape
    out = np.empty((n, k, N_BASE + 1))
    out[..., : N_BASE - 1] = X[..., 1:N_BASE]
    out[..., N_BASE - 1] = X[..., N_BASE]
    out[..., N_BASE] = h
    return out.reshape(n * k, N_BASE + 1)


def forecast_from_quantiles(q: np.ndarray) -> Forecast:
    """A :class:`Forecast` from log-scale quantiles ``q`` ``(len(QUANTILES), ...)`` at the
    levels :data:`QUANTILES` (sorted first, so crossing quantiles cannot invert an interval)."""
    q = np.sort(np.asarray(q, dtype=float), axis=0)
    if q.shape[0] != len(QUANTILES):
        raise ValueError(f"need {len(QUANTILES)} quantile levels, got {q.shape[0]}")
    half80 = 0.5 * (q[3] - q[1])
    half95 = 0.5 * (q[4] - q[0])
    scale = np.maximum(half80 / Z80, MIN_SCALE)
    return Forecast.from_log(q[MEDIAN], scale, mult80=half80 / scale, mult95=half95 / scale)


class PooledQuantileBoosting(Estimator):
    """Direct multi-horizon quantile gradient boosting pooled over a panel of count series.

    Parameters
    ----------
    season_length
        Period ``m``.
    max_horizon
        Forecasts reach ``1 .. max_horizon`` months.
    band_width
        Horizons per band; one model per band and quantile level, the horizon a feature.
    max_rows
        Training rows per band at most (a seeded sample when there are more).
    max_iter, learning_rate, max_leaf_nodes, min_samples_leaf, l2_regularization
        Passed to ``HistGradientBoostingRegressor`` (early stopping off).
    random_state
        Seed of the row sample and of the boosting.
    n_threads
        OpenMP threads of the boosting while fitting and predicting (the fits are small:
        on a shared two-core machine one thread took a tenth of the CPU time of two).

    Attributes
    ----------
    models_ : list of lists
        ``models_[b][j]`` the fitted regressor of band ``b`` at level ``QUANTILES[j]``.
    fittedvalues_ : ndarray (n, T)
        In-sample one-step medians of ``log1p(y)`` (NaN for the first ``3 m`` months).
    """

    def __init__(
        self,
        *,
        season_length: int = 12,
        max_horizon: int = 36,
        band_width: int = 12,
        max_rows: int = 40_000,
        max_iter: int = 100,
        learning_rate: float = 0.1,
        max_leaf_nodes: int = 15,
        min_samples_leaf: int = 200,
        l2_regularization: float = 1.0,
        random_state: int = 0,
        n_threads: int = 1,
    ):
        self.season_length = season_length
        self.max_horizon = max_horizon
        self.band_width = band_width
        self.max_rows = max_rows
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.random_state = random_state
        self.n_threads = n_threads

    @property
    def min_length(self) -> int:
        return 3 * int(self.season_length) + 2

    def _bands(self) -> list[range]:
        width, H = int(self.band_width), int(self.max_horizon)
        if width < 1 or H < 1:
            raise ValueError(f"band_width and max_horizon must be positive, got {width} and {H}")
        return [range(a, min(a + width, H + 1)) for a in range(1, H + 1, width)]

    def _regressor(self, quantile: float, seed: int) -> Any:
        from sklearn.ensemble import HistGradientBoostingRegressor

        return HistGradientBoostingRegressor(
            loss="quantile",
            quantile=quantile,
            max_iter=int(self.max_iter),
            learning_rate=float(self.learning_rate),
            max_leaf_nodes=int(self.max_leaf_nodes),
            min_samples_leaf=int(self.min_samples_leaf),
            l2_regularization=float(self.l2_regularization),
            early_stopping=False,
            random_state=seed,
        )

    def fit(self, Y: np.ndarray, parent: np.ndarray | None = None, national: int = 0) -> Self:
        """Fit on counts ``Y`` ``(n, T)``; ``parent[i]`` is the row of series ``i``'s parent
        (itself for the top), ``national`` the row of the national total."""
        with threadpool_limits(limits=int(self.n_threads), user_api="openmp"):
            return self._fit(Y, parent, national)

    def _fit(self, Y: np.ndarray, parent: np.ndarray | None, national: int) -> Self:
        Y = np.asarray(Y, dtype=float)
        if Y.ndim != 2 or not np.all(np.isfinite(Y)) or np.any(Y < 0):
            raise ValueError("Y must be a finite, non-negative (n, T) array")
        n, T = Y.shape
        m = int(self.season_length)
        if self.min_length + 1 > T:
            raise ValueError(
                f"PooledQuantileBoosting needs at least {self.min_length + 1} months, got {T}"
            )
        if int(self.max_rows) < 1:
            raise ValueError(f"max_rows must be positive, got {self.max_rows}")
        parent = np.arange(n) if parent is None else np.asarray(parent, dtype=np.int64)
        if parent.shape != (n,) or np.any((parent < 0) | (parent >= n)):
            raise ValueError(f"parent must hold {n} row indices of Y")
        if not 0 <= int(national) < n:
            raise ValueError(f"national must be a row of Y (0..{n - 1}), got {national}")
        z = np.log1p(Y)
        features = _series_features(z, parent, m, False)
        first = 3 * m - 1
        rng = np.random.default_rng(int(self.random_state))
        models: list[list[Any]] = []
        for b, band in enumerate(self._bands()):
            parts_X, parts_y = [], []
            for h in band:
                t = np.arange(first, T - h)
                if t.size == 0:
                    continue
                X, base = _design(z, parent, int(national), t, h, m, False, features)
                parts_X.append(_features(X, h))
                parts_y.append((z[:, t + h] - base).reshape(-1))
            if not parts_X:  # no history this far ahead: the previous band carries on
                models.append(models[-1])
                continue
            A, target = np.concatenate(parts_X), np.concatenate(parts_y)
            if target.size > int(self.max_rows):
                keep = np.sort(rng.choice(target.size, int(self.max_rows), replace=False))
                A, target = A[keep], target[keep]
            seed = int(self.random_state) + b
            models.append([self._regressor(p, seed).fit(A, target) for p in QUANTILES])
        self.models_ = models
        self.z_, self.features_ = z, features
        self.parent_, self.national_ = parent, int(national)
        t = np.arange(first, T - 1)
        X, base = _design(z, parent, int(national), t, 1, m, False, features)
        fitted = np.full((n, T), np.nan)
        fitted[:, t + 1] = base + models[0][MEDIAN].predict(_features(X, 1)).reshape(n, -1)
        self.fittedvalues_ = fitted
        return self

    def predict_quantiles(self, h: int) -> np.ndarray:
        """Log-scale quantiles ``(len(QUANTILES), n, h)`` of ``log1p(y)``, sorted by level."""
        with threadpool_limits(limits=int(self.n_threads), user_api="openmp"):
            return self._predict_quantiles(h)

    def _predict_quantiles(self, h: int) -> np.ndarray:
        if not hasattr(self, "models_"):
            raise RuntimeError("PooledQuantileBoosting is not fitted; call fit(Y) first")
        h = _check_horizon(h)
        if h > int(self.max_horizon):
            raise ValueError(f"h must be at most max_horizon={self.max_horizon}, got {h}")
        z, m = self.z_, int(self.season_length)
        n = z.shape[0]
        last = np.array([z.shape[1] - 1])
        out = np.empty((len(QUANTILES), n, h))
        for b, band in enumerate(self._bands()):
            steps = [step for step in band if step <= h]
            if not steps:
                break
            rows, bases = [], []
            for step in steps:
                X, base = _design(
                    z, self.parent_, self.national_, last, step, m, False, self.features_
                )
                rows.append(_features(X, step))
                bases.append(base[:, 0])
            A = np.concatenate(rows)
            base = np.stack(bases, axis=1)  # (n, len(steps))
            cols = np.array(steps) - 1
            for j, model in enumerate(self.models_[b]):
                change = model.predict(A).reshape(len(steps), n).T
                out[j][:, cols] = base + change
        return np.sort(out, axis=0)

    def predict(self, h: int) -> Forecast:
        """Forecasts for every series: a :class:`Forecast` with arrays of shape ``(n, h)``."""
        return forecast_from_quantiles(self.predict_quantiles(h))
