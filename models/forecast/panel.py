"""Backtest-weighted combination over a panel of series, with an optional pooled member.

:class:`PanelCombination` is the engine behind :class:`~models.forecast.Combination`: it fits
the local members for each series and, once for the whole panel, the pooled (global) member.
Weights come from rolling origins inside the training data (the last ``n_windows`` blocks of
``window`` months), so they use only data before the forecast origin. Members are combined
on the log scale, ``loc = sum w_i loc_i`` and ``scale = sum w_i scale_i`` (the spread of
perfectly correlated members: never narrower than the weighted mean of Gaussians).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, Self

import numpy as np

from models.forecast._base import BaseForecaster, Estimator, Forecast, _check_horizon
from models.forecast.arima import SeasonalARIMA
from models.forecast.ets import DampedETS
from models.forecast.naive import SeasonalNaive
from models.forecast.theta import Theta

WEIGHTINGS = ("equal", "inverse_mae", "inverse_mae2", "best", "stacked")


class PooledMember(Protocol):
    """What the pooled slot takes: a panel estimator fitted once on all series
    (:class:`~models.forecast.pooled.PooledRegression`,
    :class:`~models.forecast.cycle.VacancyCycleRegression`,
    :class:`~models.forecast.boosting.PooledQuantileBoosting`)."""

    fittedvalues_: np.ndarray

    @property
    def min_length(self) -> int: ...

    def clone(self, **changes: Any) -> Self: ...

    def fit(self, Y: np.ndarray, parent: np.ndarray | None = ..., national: int = ...) -> Self: ...

    def predict(self, h: int) -> Forecast: ...


Members = tuple[list[list[BaseForecaster]], PooledMember | None]


def default_members(season_length: int = 12) -> tuple[BaseForecaster, ...]:
    """Seasonal naive, damped ETS, airline ARIMA and Theta."""
    m = season_length
    return (
        SeasonalNaive(season_length=m),
        DampedETS(season_length=m),
        SeasonalARIMA(season_length=m),
        Theta(season_length=m),
    )


class PanelCombination(Estimator):
    """Combine local members (fitted per series) and an optional pooled member (per panel).

    Parameters
    ----------
    models
        Local member templates; ``None`` means :func:`default_members`.
    pooled
        A pooled member template (:class:`PooledMember`, e.g.
        :class:`~models.forecast.pooled.PooledRegression`), or ``None``; it is named by its
        class in ``member_names_``.
    n_windows, window
        Number and length of the held-out blocks at the end of the training data.
    long_member, long_share
        Beyond ``window`` steps (where no held-out block scored the weights) move
        ``long_share`` of the weight onto the member named ``long_member`` (a class name of
        ``member_names_``, e.g. ``"DampedETS"``); ``None`` or 0 keeps the weights.
    weight_windows
        How many of the most recent blocks decide the weights (``None``: all of them). The
        older blocks only add standardised errors (``backtest_z_``) for calibrating
        intervals: weights should follow the recent behaviour of the members, interval
        widths need a long record of shocks.
    weighting
        ``"inverse_mae"`` (``w_i ∝ 1 / MAE_i``), ``"inverse_mae2"`` (``∝ 1 / MAE_i^2``),
        ``"best"`` (all weight on the lowest MAE), ``"equal"``, or ``"stacked"``: one weight
        vector for each group of series (see ``fit``), the convex combination that minimises
        the squared log errors of all of the group's held-out blocks together
        (:func:`stacked_weights`). Per-series weights rest on 36 noisy errors; stacked
        weights on thousands, and the forecast combination puzzle (Smith & Wallis 2009): noisy
        per-series weights lose to stable ones. MAE is on the count scale over every
        held-out month; with no block that fits, weights are equal.

    Attributes
    ----------
    member_names_ : tuple of str
    weights_ : ndarray (n, k)
    backtest_loc_ : ndarray (n, n_used, k, window)
        Log-scale forecasts of each member in each held-out block (``n_used <= n_windows``).
    backtest_actual_ : ndarray (n, n_used, window)
        The held-out counts.
    backtest_scale_ : ndarray (n, n_used, k, window)
        Log-scale standard deviations of each member in each held-out block.
    backtest_mae_ : ndarray (n, n_used, k)
        MAE of each member in each held-out block.
    backtest_cut_ : ndarray (n_used,)
        Index of the first held-out month of each block (most recent block first).
    backtest_z_ : ndarray (n, n_used, window)
        Standardised log errors ``(log1p(y) - loc) / scale`` of the combination per block,
        for calibrating intervals across many series.
    member_fittedvalues_ : ndarray (n, k, T)
        One-step in-sample predictions of ``log1p(y)`` of each member.
    fittedvalues_ : ndarray (n, T)
        Weighted one-step in-sample predictions of ``log1p(y)`` (NaN where a member has none).
    """

    def __init__(
        self,
        *,
        models: Sequence[BaseForecaster] | None = None,
        pooled: PooledMember | None = None,
        n_windows: int = 3,
        window: int = 12,
        weighting: str = "inverse_mae",
        weight_windows: int | None = None,
        long_member: str | None = None,
        long_share: float = 0.0,
    ):
        self.models = models
        self.pooled = pooled
        self.n_windows = n_windows
        self.window = window
        self.weighting = weighting
        self.weight_windows = weight_windows
        self.long_member = long_member
        self.long_share = long_share

    def templates(self) -> tuple[BaseForecaster, ...]:
        """The local member templates."""
        return tuple(self.models) if self.models is not None else default_members()

    @property
    def min_length(self) -> int:
        lengths = [t.min_length for t in self.templates()]
        if self.pooled is not None:
            lengths.append(self.pooled.min_length + 1)
        return max(lengths)

    def fit(
        self,
        Y: np.ndarray,
        parent: np.ndarray | None = None,
        national: int = 0,
        targets: np.ndarray | None = None,
        groups: np.ndarray | None = None,
    ) -> Self:
        """Fit on counts ``Y`` ``(n_all, T)``; ``parent`` and ``national`` go to the pooled member.

        ``targets`` (row indices, default all) are the series to forecast; the pooled member
        still learns from every row, so a few series can borrow from the whole panel. Every
        fitted attribute has one row per target. ``groups`` labels the targets for
        ``weighting="stacked"`` (default: one group).
        """
        if self.weighting not in WEIGHTINGS:
            raise ValueError(f"weighting must be one of {WEIGHTINGS}, got {self.weighting!r}")
        Y = np.asarray(Y, dtype=float)
        if Y.ndim != 2 or Y.shape[1] < self.min_length:
            raise ValueError(f"Y must be (n, T) with T >= {self.min_length}, got {Y.shape}")
        self._parent, self._national = parent, national
        self.targets_ = np.arange(Y.shape[0]) if targets is None else np.asarray(targets, int)
        n, T, w = self.targets_.size, Y.shape[1], int(self.window)
        cuts = [
            T - k * w for k in range(1, int(self.n_windows) + 1) if T - k * w >= self.min_length
        ]
        k = len(self.templates()) + (self.pooled is not None)
        locs, scales = np.empty((n, len(cuts), k, w)), np.empty((n, len(cuts), k, w))
        for j, cut in enumerate(cuts):
            members = self._fit_members(Y[:, :cut], horizon=w)
            locs[:, j], scales[:, j] = _member_forecasts(members, w, self.targets_)
        actual = np.empty((n, 0, w))
        if cuts:
            actual = np.stack([Y[self.targets_, c : c + w] for c in cuts], axis=1)
        self.backtest_loc_, self.backtest_actual_ = locs, actual
        self.backtest_scale_, self.backtest_cut_ = scales, np.asarray(cuts, dtype=np.int64)
        self.backtest_mae_ = np.mean(np.abs(np.expm1(locs) - actual[:, :, None, :]), axis=-1)
        used = len(cuts) if self.weight_windows is None else int(self.weight_windows)
        if self.weighting == "stacked":
            labels = np.zeros(n, dtype=int) if groups is None else np.asarray(groups)
            self.weights_ = np.empty((n, k))
            for label in np.unique(labels):
                rows = labels == label
                self.weights_[rows] = stacked_weights(locs[rows, :used], actual[rows, :used])
        else:
            self.weights_ = np.stack(
                [_weights(mae[:used], self.weighting) for mae in self.backtest_mae_]
            )
        loc = np.einsum("nk,njkh->njh", self.weights_, locs)
        scale = np.einsum("nk,njkh->njh", self.weights_, scales)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.backtest_z_ = (np.log1p(actual) - loc) / np.where(scale > 0, scale, np.nan)
        self.members_ = self._fit_members(Y, horizon=None)
        local, pooled = self.members_
        fitted = [np.stack([m.fittedvalues_ for m in row]) for row in local]
        stacked = np.stack(fitted)  # (n, k_local, T)
        if pooled is not None:
            pooled_fitted = pooled.fittedvalues_[self.targets_]
            stacked = np.concatenate([stacked, pooled_fitted[:, None, :]], axis=1)
        self.member_fittedvalues_ = stacked
        self.fittedvalues_ = np.einsum("nk,nkt->nt", self.weights_, stacked)
        self.member_names_ = tuple(type(t).__name__ for t in self.templates()) + (
            (type(self.pooled).__name__,) if self.pooled is not None else ()
        )
        return self

    def predict(self, h: int) -> Forecast:
        """The combined forecast, arrays of shape ``(n, h)``."""
        if not hasattr(self, "members_"):
            raise RuntimeError("PanelCombination is not fitted; call fit(Y) first")
        loc, scale = _member_forecasts(self.members_, _check_horizon(h), self.targets_)
        w = self.step_weights(h)
        return Forecast.from_log(
            np.einsum("nkh,nkh->nh", w, loc), np.einsum("nkh,nkh->nh", w, scale)
        )

    def step_weights(self, h: int) -> np.ndarray:
        """Weights ``(n, k, h)`` of each step: ``weights_``, and beyond ``window`` steps
        ``long_share`` of them moved onto ``long_member``."""
        w = np.repeat(self.weights_[:, :, None], h, axis=2)
        share = float(self.long_share)
        if self.long_member is None or share == 0.0 or h <= int(self.window):
            return w
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"long_share must be in [0, 1], got {share}")
        j = self.member_names_.index(self.long_member)
        late = w[:, :, int(self.window) :] * (1.0 - share)
        late[:, j] += share
        w[:, :, int(self.window) :] = late
        return w

    def _fit_members(self, Y: np.ndarray, horizon: int | None) -> Members:
        local = [_fit_local(self.templates(), row) for row in Y[self.targets_]]
        pooled = None
        if self.pooled is not None:
            template = self.pooled if horizon is None else self.pooled.clone(max_horizon=horizon)
            pooled = template.fit(Y, self._parent, self._national)
        return local, pooled


def _fit_local(templates: Sequence[BaseForecaster], y: np.ndarray) -> list[BaseForecaster]:
    """A fitted clone of each template on the series ``y``: ``[t.clone().fit(y) ...]``.

    Members that keep :meth:`BaseForecaster.fit` share one check of ``y`` and one
    ``log1p(y)`` (the same numbers; the panel fits thousands of members per forecast).
    """
    fitted: list[BaseForecaster] = []
    z: np.ndarray | None = None
    for template in templates:
        member = template.clone()
        if type(member).fit is not BaseForecaster.fit:
            fitted.append(member.fit(y))
            continue
        if z is None:
            z = np.log1p(member._check_series(y))
        member._check_length(z.shape[0])
        fitted.append(member._fit_checked_log(z))
    return fitted


def _log_forecast(member: BaseForecaster, h: int) -> tuple[np.ndarray, np.ndarray]:
    """``loc`` and ``scale`` of ``member.predict(h)`` without building the bounds.

    The same numbers as the :class:`Forecast` (``from_log`` keeps ``loc`` and clips
    ``scale`` at 0); members that override ``predict`` go through it.
    """
    if type(member).predict is not BaseForecaster.predict:
        fc = member.predict(h)
        return fc.loc, fc.scale
    if not hasattr(member, "n_obs_"):
        raise RuntimeError(f"{type(member).__name__} is not fitted; call fit(y) first")
    loc, scale = member._predict_log(h)
    return np.asarray(loc, dtype=float), np.maximum(np.asarray(scale, dtype=float), 0.0)


def _member_forecasts(
    members: Members, h: int, targets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Member ``loc`` and ``scale`` for the target rows, each ``(n_targets, k, h)``."""
    local, pooled = members
    parts = [[_log_forecast(m, h) for m in row] for row in local]
    loc = np.array([[p[0] for p in row] for row in parts])
    scale = np.array([[p[1] for p in row] for row in parts])
    if pooled is not None:
        fc = pooled.predict(h)
        loc = np.concatenate([loc, fc.loc[targets, None, :]], axis=1)
        scale = np.concatenate([scale, fc.scale[targets, None, :]], axis=1)
    return loc, scale


def _weights(maes: np.ndarray, weighting: str) -> np.ndarray:
    """Weights ``(k,)`` from held-out MAEs ``(windows, k)``; equal when nothing was held out."""
    k = maes.shape[1]
    if maes.shape[0] == 0 or weighting == "equal":
        return np.full(k, 1.0 / k)
    score = maes.mean(axis=0)
    if weighting == "best":
        out = np.zeros(k)
        out[np.argmin(score)] = 1.0
        return out
    power = 2.0 if weighting == "inverse_mae2" else 1.0
    inv = 1.0 / np.maximum(score, 1e-9 * max(score.max(), 1e-12)) ** power
    return inv / inv.sum()


def stacked_weights(locs: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """Convex weights ``(k,)`` minimising ``sum (log1p(actual) - a - sum_i w_i loc_i)^2``.

    ``locs`` is ``(n, j, k, w)`` member forecasts of ``log1p`` counts, ``actual`` ``(n, j, w)``.
    The free intercept ``a`` (dropped afterwards) keeps a bias that all members shared in the
    held-out years from deciding the weights: members are chosen for tracking the changes.
    The quadratic programme over the simplex is solved exactly by enumerating the supports
    (``2^k - 1`` small linear systems; ``k`` is 5 here). Equal weights without data.
    """
    k = locs.shape[2]
    A = np.moveaxis(locs, 2, -1).reshape(-1, k)
    b = np.log1p(actual).reshape(-1)
    ok = np.all(np.isfinite(A), axis=1) & np.isfinite(b)
    if ok.sum() < k:
        return np.full(k, 1.0 / k)
    A, b = A[ok], b[ok]
    centre = A.mean(axis=1, keepdims=True)  # with sum(w) = 1, b - A w = (b - c) - (A - c) w
    A, b = A - centre, b - centre[:, 0]
    A, b = A - A.mean(axis=0), b - b.mean()  # the intercept, profiled out
    Q, c = A.T @ A, A.T @ b
    best, best_value = np.full(k, 1.0 / k), np.inf
    for mask in range(1, 2**k):
        support = np.array([(mask >> i) & 1 for i in range(k)], dtype=bool)
        m = int(support.sum())
        kkt = np.zeros((m + 1, m + 1))
        kkt[:m, :m] = 2.0 * Q[np.ix_(support, support)]
        kkt[:m, m] = kkt[m, :m] = 1.0
        try:
            sol = np.linalg.solve(kkt, np.r_[2.0 * c[support], 1.0])
        except np.linalg.LinAlgError:
            continue
        if np.any(sol[:m] < -1e-12):
            continue
        w = np.zeros(k)
        w[support] = np.maximum(sol[:m], 0.0)
        w /= w.sum()
        value = w @ Q @ w - 2.0 * c @ w
        if value < best_value:
            best, best_value = w, value
    return best
