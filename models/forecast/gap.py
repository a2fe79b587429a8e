"""Forecasts across a data gap: condition paths from before the gap on the months seen after it.

The register engine needs a complete monthly history, so across a gap (months with no data)
it forecasts from the last month before the gap, the *anchor*. Observations that arrive later
(one month after a 31-month gap, for example) are then used the way a Kalman filter would use
them, on ``z = log1p(y)`` for each series:

- the anchor's forecast error at step ``h`` is ``e_h = a_h + u_h``, a persistent part ``a``
  with independent increments (a level that wanders: ``Cov(a_h, a_k) = L_min(h,k)``) and a
  transient part ``u`` (irregular and seasonal noise, variance ``r``, independent over time);
- so ``Var(e_h) = L_h + r = sigma_h^2``, with ``sigma_h`` the calibrated spread of the
  anchor's forecast (``scale * mult80 / z80``), and the one-step transient share
  ``phi = r / sigma_1^2`` is estimated from the engine's inner backtests: under the model
  ``E[e_h^2 - e_h e_(h+1)] = r`` and ``E[e_1^2] = sigma_1^2`` (:func:`transient_share`);
- month ``t`` is conditioned on every observation ``o <= t`` (filtering, so an interval
  widens across the gap and narrows again at the next observation), mean
  ``mean_t + C_to C_oo^-1 (z_o - mean_o)``: with ``C_to = L_o`` for every ``t`` after the
  last observation, its surprise shifts all later months by the same amount, a level shift;
- the spread ``k`` months after the last observation ``o`` is that of a fresh forecast
  ``k`` months ahead plus the uncertainty left about the level at ``o``:
  ``sigma_k^2 + (L_o - c' C_oo^-1 c)``, ``c = Cov(a_o, e_obs)``. (The textbook variance
  ``sigma_t^2 - C_to C_oo^-1 C_ot`` would instead grow with the engine's long-horizon
  increments ``L_t - L_o``, which are much steeper than its first months': the national
  total's 95 % interval one month after 2026-06 was -21 % / +16 % of the point, now
  -7 % / +5 %.) The interval
  shape (the ratio of the 95 % to the 80 % multiplier) also follows ``k``.

An observed month keeps its value, spread 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.forecast._base import Z80, Forecast

PHI_BOUNDS = (0.05, 0.95)


def transient_share(errors: np.ndarray) -> float:
    """One-step transient variance share ``phi`` from log forecast errors ``(n, j, w)``.

    ``errors`` are ``log1p(actual) - loc`` of held-out blocks (``n`` series, ``j`` blocks,
    ``w`` consecutive horizons). ``phi = mean(e_h^2 - e_h e_(h+1)) / mean(e_1^2)`` over
    series, blocks and ``h < w``, clipped to ``PHI_BOUNDS`` (0.05 .. 0.95); 0.5 without
    usable errors.
    """
    e = np.asarray(errors, dtype=float)
    if e.ndim != 3 or e.shape[-1] < 2:
        return 0.5
    diff = e[..., :-1] ** 2 - e[..., :-1] * e[..., 1:]
    first = e[..., 0] ** 2
    ok_diff, ok_first = np.isfinite(diff), np.isfinite(first)
    if ok_diff.sum() < 10 or ok_first.sum() < 10:
        return 0.5
    phi = float(np.mean(diff[ok_diff]) / max(float(np.mean(first[ok_first])), 1e-12))
    return float(np.clip(phi, *PHI_BOUNDS))


@dataclass(frozen=True)
class Conditioned:
    """A conditioned forecast ``(n, H)`` and, per month, the steps since the last observation.

    ``since[i, t]`` is 0 at an observed month, ``t + 1`` before the first observation (steps
    from the anchor); ``observed`` marks the observed months.
    """

    forecast: Forecast
    since: np.ndarray
    observed: np.ndarray


def condition_on_observations(
    base: Forecast, observed: np.ndarray, phi: float | np.ndarray
) -> Conditioned:
    """Condition the anchor's forecast ``base`` (arrays ``(n, H)``) on observed counts.

    Parameters
    ----------
    base
        Calibrated forecast from the anchor (``loc``, ``scale``, ``mult80``, ``mult95``).
    observed
        ``(n, H)`` counts seen after the anchor, NaN where unobserved.
    phi
        Transient share of the one-step variance, scalar or ``(n,)``.

    Returns
    -------
    Conditioned
        Filtered forecast (each month uses the observations up to it).
    """
    loc = np.array(base.loc, dtype=float, ndmin=2)
    obs = np.array(observed, dtype=float, ndmin=2)
    if obs.shape != loc.shape:
        raise ValueError(f"observed must be {loc.shape}, got {obs.shape}")
    if np.any(obs[np.isfinite(obs)] < 0):
        raise ValueError("observed counts must be non-negative")
    m80 = np.array(base.mult80, ndmin=2)
    m95 = np.array(base.mult95, ndmin=2)
    sigma = np.array(base.scale, ndmin=2) * m80 / Z80
    n, H = loc.shape
    phis = np.broadcast_to(np.asarray(phi, dtype=float), (n,))
    seen = np.isfinite(obs)
    since = _steps_since(seen)
    out_loc, out_sigma = loc.copy(), sigma.copy()
    for i in np.flatnonzero(seen.any(axis=1)):
        out_loc[i], out_sigma[i] = _filter_series(loc[i], sigma[i], np.log1p(obs[i]), phis[i])
    after = seen.cumsum(axis=1) > 0
    idx = np.clip(since - 1, 0, H - 1)
    new80 = np.where(after, np.take_along_axis(m80, idx, axis=1), m80)
    new95 = np.where(after, np.take_along_axis(m95, idx, axis=1), m95)
    scale = np.where(seen, 0.0, out_sigma * Z80 / new80)
    out = Forecast.from_log(out_loc, scale, mult80=new80, mult95=new95, point=base.point)
    return Conditioned(out, since, seen)


def _steps_since(seen: np.ndarray) -> np.ndarray:
    """Steps since the last observed month (0 at one), or from the anchor before any."""
    H = seen.shape[1]
    steps = np.arange(1, H + 1)
    last = np.where(seen, steps[None, :], 0)
    last = np.maximum.accumulate(last, axis=1)
    return np.asarray(steps[None, :] - last, dtype=np.int64)


def _filter_series(
    loc: np.ndarray, sigma: np.ndarray, z_obs: np.ndarray, phi: float
) -> tuple[np.ndarray, np.ndarray]:
    """Filtered mean and sd ``(H,)`` of one series (see the module docstring)."""
    H = loc.shape[0]
    r = phi * sigma[0] ** 2
    L = np.maximum.accumulate(np.maximum(sigma**2 - r, 0.0))
    out_loc, out_sd = loc.copy(), sigma.copy()
    where = np.flatnonzero(np.isfinite(z_obs))
    seen = 0  # observations up to t; C_oo and the level variance change only with it
    C_oo = np.empty((0, 0))
    level_var = 0.0
    for t in range(H):
        o = where[where <= t]
        if o.size == 0:
            continue
        if o[-1] == t:
            out_loc[t], out_sd[t] = z_obs[t], 0.0
            continue
        if o.size != seen:
            seen = o.size
            C_oo = L[np.minimum.outer(o, o)] + r * np.eye(o.size)
            c_last = L[np.minimum(o, o[-1])]  # the level at the last observation
            level_var = max(L[o[-1]] - c_last @ np.linalg.solve(C_oo, c_last), 0.0)
        C_to = L[np.minimum(o, t)]
        out_loc[t] = loc[t] + np.linalg.solve(C_oo, C_to) @ (z_obs[o] - loc[o])
        out_sd[t] = np.sqrt(sigma[t - o[-1] - 1] ** 2 + level_var)
    return out_loc, out_sd
