"""Mean reversion of long-horizon centres toward a series' long-run seasonal level.

Registered unemployment moves with the business cycle: a municipality's count 13-36 months
ahead is closer to its long-run level than a trend carried forward from the origin says.
:func:`revert_to_level` moves a forecast's ``log1p`` centre part of the way toward a target
built from the series' own history up to the origin:

``target_h = c + x_h + s_{m(h)}``

- ``s`` the seasonal profile (mean deviation of ``log1p(y)`` from its centred 2x12 moving
  average over the last ``season_years`` years, per calendar position, centred to mean 0);
- ``c`` the median of ``log1p(y_t) - s_{m(t)} - x_t`` over the last ``years`` years: the
  long-run level, or with ``x = log(labour force)`` the long-run log rate;
- ``x_h`` the exogenous log path ahead (0 without one).

The forecast moves by ``lam_h (target_h - loc_h)``, ``lam_h = weight (1 - 2 ** (-(h -
start) / half_life))`` for steps ``h > start`` after the latest data and 0 up to ``start``,
so the first ``start`` steps are unchanged and the pull grows with a half-life. The choice of
``start``, ``half_life``, ``years`` and ``weight`` is the caller's (tuning origins).
"""

from __future__ import annotations

import numpy as np

__all__ = ["reversion_weights", "revert_to_level", "seasonal_profile"]


def seasonal_profile(z: np.ndarray, years: int = 5, m: int = 12) -> np.ndarray:
    """Seasonal profile ``(n, m)`` of ``log1p`` series ``z`` ``(n, T)``: the mean deviation
    from the centred 2x``m`` moving average over the last ``years`` years, by position
    ``t mod m`` (position of column ``t``), centred to mean 0 per row. Zeros when the
    history is shorter than ``m + 1`` months."""
    z = np.asarray(z, float)
    n, T = z.shape
    out = np.zeros((n, m))
    if m + 1 > T:
        return out
    kernel = np.r_[0.5, np.ones(m - 1), 0.5] / m
    ma = np.stack([np.convolve(row, kernel, mode="valid") for row in z])  # (n, T - m)
    half = m // 2
    dev = z[:, half : half + ma.shape[1]] - ma
    pos = np.arange(half, half + ma.shape[1]) % m
    keep = pos.size - min(pos.size, years * m)
    dev, pos = dev[:, keep:], pos[keep:]
    for p in range(m):
        block = dev[:, pos == p]
        count = np.isfinite(block).sum(axis=1)
        total = np.nansum(block, axis=1)
        out[:, p] = np.where(count > 0, total / np.maximum(count, 1), 0.0)
    return out - out.mean(axis=1, keepdims=True)


def reversion_weights(
    steps: np.ndarray,
    half_life: float,
    start: int = 12,
    weight: float = 1.0,
    early_half_life: float = np.inf,
) -> np.ndarray:
    """``lam`` ``(h,)`` for steps ``(h,)`` after the latest data: ``weight * (1 - 2 ** -e)``
    with ``e = min(step, start) / early_half_life + max(step - start, 0) / half_life``: no
    pull up to ``start`` (with the default infinite ``early_half_life``) or a slower one,
    then a half-life of ``half_life`` months (no pull at all when both are infinite or
    ``weight`` is 0)."""
    steps = np.asarray(steps, float)
    if weight == 0.0 or not (np.isfinite(half_life) or np.isfinite(early_half_life)):
        return np.zeros(steps.shape)
    if half_life <= 0 or early_half_life <= 0:
        raise ValueError(f"half-lives must be positive, got {half_life}, {early_half_life}")
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"weight must be in [0, 1], got {weight}")
    early = np.minimum(steps, start) / early_half_life
    late = np.maximum(steps - start, 0.0) / half_life
    return weight * (1.0 - 2.0 ** -(early + late))


def revert_to_level(
    loc: np.ndarray,
    z_hist: np.ndarray,
    steps: np.ndarray,
    *,
    half_life: float,
    start: int = 12,
    weight: float = 1.0,
    early_half_life: float = np.inf,
    years: int = 10,
    season_years: int = 5,
    x_hist: np.ndarray | None = None,
    x_ahead: np.ndarray | None = None,
    m: int = 12,
) -> np.ndarray:
    """``loc`` ``(n, h)`` (``log1p`` centres of the ``h`` months after ``z_hist`` ``(n,
    T)``) moved toward each series' long-run seasonal level (module docstring).

    ``steps`` ``(h,)``: months after the latest data of each column (the pull starts after
    ``start`` of them, or earlier and slower with a finite ``early_half_life``:
    :func:`reversion_weights`). ``x_hist`` ``(n, T)`` and ``x_ahead`` ``(n, h)``: an exogenous log
    path (e.g. the log labour force) the level is relative to; both or neither. Series
    without a finite history value in the window keep their ``loc``.
    """
    loc = np.asarray(loc, float)
    z = np.asarray(z_hist, float)
    n, h = loc.shape
    T = z.shape[1]
    if (x_hist is None) != (x_ahead is None):
        raise ValueError("give both x_hist and x_ahead, or neither")
    lam = reversion_weights(steps, half_life, start, weight, early_half_life)
    if not lam.any():
        return loc.copy()
    s = seasonal_profile(z, season_years, m)
    pos_hist = np.arange(T) % m
    pos_ahead = np.arange(T, T + h) % m
    window = slice(max(T - years * m, 0), T)
    base = z - s[:, pos_hist]
    if x_hist is not None:
        base = base - np.asarray(x_hist, float)
    win = base[:, window]
    ok = np.isfinite(win).any(axis=1)
    c = np.zeros(n)
    c[ok] = np.nanmedian(win[ok], axis=1)
    target = c[:, None] + s[:, pos_ahead]
    if x_ahead is not None:
        target = target + np.asarray(x_ahead, float)
    out = loc + lam[None, :] * (target - loc)
    return np.where(ok[:, None] & np.isfinite(target), out, loc)
