"""The estimator contract shared by every forecaster, and the immutable :class:`Forecast`.

Every model works on ``z = log1p(y)`` for a count series ``y >= 0`` and produces a Gaussian
forecast of ``z`` (``loc``, ``scale`` per horizon). Back on the count scale this is a shifted
log-normal, so forecasts and interval bounds are never negative: a lower bound below zero
(``expm1`` of a negative number) is truncated to 0. The point forecast is the median
``expm1(loc)`` by default (it minimises absolute error, which MASE scores) or the log-normal
mean ``exp(loc + scale**2 / 2) - 1`` (it adds up across series, which reconciliation wants).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self

import numpy as np
from sklearn.base import BaseEstimator

Z80 = 1.2815515655446004  # standard normal 0.9 quantile
Z95 = 1.959963984540054  # standard normal 0.975 quantile
POINTS = ("median", "mean")


def _frozen(values: np.ndarray) -> np.ndarray:
    out = np.array(values, dtype=float)
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class Forecast:
    """A forecast of a count series ``h`` steps ahead (read-only arrays of shape ``(h,)``, or
    ``(n, h)`` for a panel of ``n`` series).

    Attributes
    ----------
    mean, lo80, hi80, lo95, hi95
        Point forecast and the bounds of the central 80 % and 95 % intervals (counts).
    loc, scale
        Mean and standard deviation of the forecast of ``log1p(y)``.
    mult80, mult95
        Multipliers of ``scale`` that give the 80 % and 95 % bounds on the log scale
        (1.28 and 1.96 for a Gaussian; larger after calibration on backtest errors).
    """

    mean: np.ndarray
    lo80: np.ndarray
    hi80: np.ndarray
    lo95: np.ndarray
    hi95: np.ndarray
    loc: np.ndarray
    scale: np.ndarray
    mult80: np.ndarray
    mult95: np.ndarray
    point: str = field(default="median")

    @classmethod
    def from_log(
        cls,
        loc: np.ndarray,
        scale: np.ndarray,
        *,
        mult80: np.ndarray | float = Z80,
        mult95: np.ndarray | float = Z95,
        point: str = "median",
    ) -> Forecast:
        """Build a forecast from the log-scale ``loc`` and ``scale`` (each ``(h,)``)."""
        if point not in POINTS:
            raise ValueError(f"point must be one of {POINTS}, got {point!r}")
        loc = np.asarray(loc, dtype=float)
        scale = np.maximum(np.asarray(scale, dtype=float), 0.0)
        m80 = np.broadcast_to(np.asarray(mult80, dtype=float), loc.shape)
        m95 = np.maximum(np.broadcast_to(np.asarray(mult95, dtype=float), loc.shape), m80)
        centre = loc + 0.5 * scale**2 if point == "mean" else loc
        bounds = [
            np.maximum(np.expm1(loc + sign * m * scale), 0.0)
            for sign, m in ((-1, m80), (1, m80), (-1, m95), (1, m95))
        ]
        mean = np.maximum(np.expm1(centre), 0.0)
        lo80 = np.minimum(bounds[0], mean)
        hi80 = np.maximum(bounds[1], mean)
        return cls(
            mean=_frozen(mean),
            lo80=_frozen(lo80),
            hi80=_frozen(hi80),
            lo95=_frozen(np.minimum(bounds[2], lo80)),
            hi95=_frozen(np.maximum(bounds[3], hi80)),
            loc=_frozen(loc),
            scale=_frozen(scale),
            mult80=_frozen(m80),
            mult95=_frozen(m95),
            point=point,
        )

    def recalibrated(self, mult80: np.ndarray | float, mult95: np.ndarray | float) -> Forecast:
        """The same forecast with new interval multipliers (for example from backtests)."""
        return Forecast.from_log(
            self.loc, self.scale, mult80=mult80, mult95=mult95, point=self.point
        )

    def __len__(self) -> int:
        return int(self.mean.shape[0])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Forecast):
            return NotImplemented
        names = ("mean", "lo80", "hi80", "lo95", "hi95", "loc", "scale", "mult80", "mult95")
        return self.point == other.point and all(
            np.array_equal(getattr(self, n), getattr(other, n), equal_nan=True) for n in names
        )

    __hash__ = None  # type: ignore[assignment]


class Estimator(BaseEstimator):
    """scikit-learn's ``BaseEstimator`` (``get_params``/``set_params``/``repr``, usable with
    ``sklearn.base.clone``) with a fast ``clone(**changes)``.

    The parameter names come from the keyword-only constructor and are cached per class:
    scikit-learn reads them with ``inspect.signature`` on every ``get_params`` call, and the
    panel models clone thousands of estimators per forecast.
    """

    @classmethod
    def _get_param_names(cls) -> list[str]:
        return list(_keyword_names(cls.__init__))

    def clone(self, **changes: Any) -> Self:
        """An unfitted copy with the same parameters (``changes`` override some)."""
        return type(self)(**{**self.get_params(deep=False), **changes})


#: The former hand-written base; kept as a name so older imports keep working.
ParamsMixin = Estimator


class BaseForecaster(Estimator):
    """Estimator contract: keyword-only ``__init__`` that only stores, validation in ``fit``.

    Subclasses implement ``_fit_log(z)`` (set fitted attributes ending in ``_``, including
    ``fittedvalues_`` and ``sigma_``) and ``_predict_log(h) -> (loc, scale)``.
    """

    min_length: int = 2
    point: str = "median"
    fittedvalues_: np.ndarray
    sigma_: float

    def fit(self, y: np.ndarray) -> Self:
        """Fit on a count series ``y`` of shape ``(n,)`` (finite, non-negative); return self."""
        return self._fit_checked_log(np.log1p(self._check_series(y)))

    def _fit_checked_log(self, z: np.ndarray) -> Self:
        """:meth:`fit` on ``z = log1p(y)`` of a series ``y`` that passed ``_check_series``.

        A panel fits several members on the same series: it checks the series and takes
        its logarithm once (:meth:`_check_length` for each member). ``z`` must not be
        changed by ``_fit_log``: the members share it.
        """
        self._fit_log(z)
        self.n_obs_ = int(z.shape[0])
        self.resid_ = z - self.fittedvalues_
        return self

    def predict(self, h: int) -> Forecast:
        """Forecast ``h`` steps past the end of the fitted series."""
        if not hasattr(self, "n_obs_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted; call fit(y) first")
        h = _check_horizon(h)
        loc, scale = self._predict_log(h)
        return Forecast.from_log(loc, scale, point=self.point)

    def forecast(self, y: np.ndarray, h: int) -> Forecast:
        """``clone().fit(y).predict(h)`` without changing this estimator."""
        return self.clone().fit(y).predict(h)

    def _check_series(self, y: np.ndarray) -> np.ndarray:
        arr = np.asarray(y, dtype=float)
        if arr.ndim != 1:
            raise ValueError(f"y must be one-dimensional, got shape {arr.shape}")
        self._check_length(arr.shape[0])
        if not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise ValueError("y must be finite and non-negative (impute suppressed cells first)")
        return arr

    def _check_length(self, n: int) -> None:
        if n < self.min_length:
            raise ValueError(
                f"{type(self).__name__} needs at least {self.min_length} observations, got {n}"
            )

    def _fit_log(self, z: np.ndarray) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _predict_log(self, h: int) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
        raise NotImplementedError


@functools.lru_cache(maxsize=256)
def _keyword_names(init: Callable[..., None]) -> tuple[str, ...]:
    """Keyword-only parameter names of a constructor (``inspect.signature`` is slow, and the
    panel models clone thousands of estimators per forecast)."""
    return tuple(
        p.name for p in inspect.signature(init).parameters.values() if p.kind == p.KEYWORD_ONLY
    )


def robust_clip(resid: np.ndarray, k: float) -> float:
    """``k`` times a robust scale (1.4826 x median absolute deviation) of finite residuals."""
    r = resid[np.isfinite(resid)]
    if r.size == 0:
        return float("inf")
    mad = 1.4826 * float(np.median(np.abs(r - np.median(r))))
    return k * mad if mad > 0 else float("inf")


def _check_horizon(h: int) -> int:
    if isinstance(h, bool) or not isinstance(h, int | np.integer) or h < 1:
        raise ValueError(f"h must be a positive integer, got {h!r}")
    return int(h)
