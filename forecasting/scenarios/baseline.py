"""The no-shock baseline: monthly flows that make the model reproduce a target path.

The targets are the observed registers (tyonv 12r5: unemployed, vacancies, labour force) for
months that have been observed, then the register forecasts when the caller passes them
(``baseline=``), else the last observed year repeated (seasonal persistence).

Tracking: starting :data:`BURN_IN` months before the scenario from a stated composition, the
expected (mean-field) version of the kernel is stepped month by month; in each month the
inflow to unemployment, the entries to employment and the new vacancies are solved so that
the expected stocks hit the targets of that month's end (exits are raised only when a stock
must fall faster than the model's outflows allow). The Monte Carlo draws then scatter around
this path; the composition (industries, duration bands) evolves endogenously.

The matching efficiency is not identified by the register data alone (filled registered
vacancies are only part of the hires of jobseekers), so its level is set so that the
baseline's long-term unemployed share at the end of 2017 matches the observed share in
Etelä-Savo (:data:`LTU_SHARE_TARGET`), for TA23 and (an assumption, for want of data by
area in the snapshot) for every other employment area.
"""

# Shape letters (R, I, D, N) follow the docstrings.
# ruff: noqa: E741
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

import forecasting.contract  # noqa: F401  (registers the ds.enn accessor)
from forecasting import geography
from forecasting.errors import ValidationError
from forecasting.scenarios.calibration import Structure, _cube, load_structure
from forecasting.scenarios.displaced import AgeProfile, age_profile
from forecasting.scenarios.spillover import Links, neighbour_links
from models import labourflow as lf

#: Long-term unemployed (12+ months) share of unemployed jobseekers, Etelä-Savo, 31.12.2017:
#: 2,169 of 8,168 (Statistics Finland, työssäkäyntitilasto 2017, appendix table 5). The
#: snapshot has no long-term share by area, so every other employment area is anchored to
#: the same share: an assumption (see docs/methods/scenarios.md).
LTU_SHARE_TARGET = 2169 / 8168
LTU_ANCHOR_MONTH = "2017-12"
#: Bisection steps for the matching efficiency (log-range 10, so 2^-24 of it) and rounds of
#: the fixed point for the outside hire rate.
BISECTION_STEPS = 24
FIXED_POINT_ROUNDS = 3
#: Months of tracking before the scenario so that the duration composition settles.
BURN_IN = 36
#: Duration bands 0-3, 3-6, 6-12, 12+ months: monthly probability of moving up (exponential
#: approximation: mean stay = band width), relative search efficiency (duration dependence),
#: and the band shares of the first tracked month.
AGE_P = np.array([1 / 3, 1 / 3, 1 / 6, 0.0])
SEARCH_EFF = np.array([1.0, 0.75, 0.55, 0.35])
BAND_START = np.array([0.35, 0.20, 0.18, 0.27])
#: Monthly probability that a jobseeker leaves the register other than to a job (services,
#: education, retirement, out of the labour force) in a normal month.
EXIT_U = 0.03
#: Share of the inflow to unemployment that comes from outside employment (new entrants,
#: return from education or services); the rest are separations.
INFLOW_FROM_OUTSIDE = 0.35
#: Lowest monthly inflow to unemployment as a share of the stock (when unemployment falls).
MIN_INFLOW_SHARE = 0.02
HMAX = 0.6
#: Monthly probability that an event vacancy (a new job) is filled from outside unemployment.
Q_OUT = 0.35
#: Suppressed vacancy cells (small counts) are interpolated, or else set to this value.
SUPPRESSED_VACANCIES = 2.0
#: Suppressed unemployed cells (small counts; only some Åland municipalities, TA46)
#: are interpolated in time, or else set to this value (the middle of 0..4). Only the
#: targets are filled: the registers and the outputs' ``observed`` keep them NaN.
SUPPRESSED_UNEMPLOYED = 2.0
#: Consecutive observed months that make a complete history (the registers' engine uses the
#: same run, :data:`forecasting.registers.MIN_RUN`).
MIN_HISTORY = 24
#: Expected persons below this count as none (set_long_term_share).
TINY = 1e-9
#: The present's anchor (:func:`calibrate_present`): the tracked long-term share this many
#: months after the latest observation (the same calendar month a year on, so the seasonal
#: swing of the short durations cancels) equals the share observed in each municipality.
PRESENT_ANCHOR_MONTHS = 12
#: Each municipality's present matching efficiency is searched within this factor of the
#: area's (both ways); one that cannot reach its share within it ends at the bound.
PRESENT_SPREAD = 4.0


@dataclass(frozen=True)
class Targets:
    """Target stocks (N + 1, R) at month ends; index 0 is the state before the first month.

    ``suppressed`` (N + 1, R) marks observed months whose unemployed count is suppressed in
    the registers (NaN there); the target holds the interpolated stand-in.
    ``long_term_share`` (N + 1, R): the registers' long-term unemployed over unemployed where
    both are observed (the 2026 extracts: the present), else NaN; :func:`track` sets the
    duration composition of those months to it.
    """

    months: pd.DatetimeIndex
    unemployed: np.ndarray
    employed: np.ndarray
    vacancies: np.ndarray
    observed: np.ndarray
    suppressed: np.ndarray
    long_term_share: np.ndarray | None = None


@dataclass(frozen=True)
class Tracked:
    """Rates solved by tracking (``FlowPath`` for N months) and the expected states."""

    path: lf.FlowPath
    theta: np.ndarray
    E: np.ndarray
    U: np.ndarray
    V: np.ndarray


@dataclass(frozen=True)
class Calibration:
    """Everything data-derived a scenario of one employment area needs, built once.

    ``structure`` (:func:`load_structure`), the matching efficiency ``match_a``, the cap and
    the outside hire rate ``theta_out`` (:func:`calibrate_matching`) and ``registers``, the
    ``registers`` cube of the area's municipalities (the baseline's observed targets).
    ``data_version`` is the structure's (the input cubes' versions combined): a caller that
    keeps calibrations keys them by ``(area, data_version)``.
    ``match_a_present`` (R,): the matching efficiency of each municipality re-anchored to the
    long-term share observed at the present (:func:`calibrate_present`), used by baselines
    whose window reaches the present; None when the registers have no long-term share.
    ``age_profile``: the workplaces' jobs by age band and education (displaced workers by
    age, :mod:`forecasting.scenarios.displaced`); None without the cube.
    ``links``: the members' commuting links with the neighbouring employment areas
    (:func:`forecasting.scenarios.spillover.neighbour_links`); None without them.
    """

    area: str
    structure: Structure
    match_a: float
    cap: float
    theta_out: np.ndarray
    registers: xr.Dataset
    match_a_present: np.ndarray | None = None
    age_profile: AgeProfile | None = None
    links: Links | None = None

    @property
    def data_version(self) -> str:
        return self.structure.data_version


@dataclass(frozen=True)
class Baseline:
    """Everything a scenario run needs from the baseline of one area and period."""

    structure: Structure
    params: lf.FlowParameters
    path: lf.FlowPath
    init: lf.InitialState
    months: pd.DatetimeIndex
    targets: Targets
    expected_unemployed: np.ndarray
    expected_long_term: np.ndarray
    expected_vacancies: np.ndarray
    anchor: str = LTU_ANCHOR_MONTH
    jobseekers: JobseekerRatio | None = None
    #: Where each stretch of the window's targets comes from, by language ("en", "fi",
    #: "sv"): :func:`describe_targets`.
    method: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class JobseekerRatio:
    """Registered jobseekers per unemployed jobseeker of each month (N, R) and the standard
    deviation of its logarithm (N, R); ``observed`` is the month of the registers' ratio."""

    ratio: np.ndarray
    log_sd: np.ndarray
    observed: pd.Timestamp


def _point(da: xr.DataArray) -> xr.DataArray:
    """The point forecast of a forecast variable (the contract's ``ds.enn.point()``:
    ``statistic="mean"``, the median quantile or the mean over draws)."""
    return da.to_dataset(name="v").enn.point()["v"]


def _history(reg: xr.Dataset, var: str) -> pd.DataFrame:
    """Observed monthly values (time x municipality) of the complete history; suppressed
    cells interpolated in time (or a small count)."""
    da = reg[var].transpose("time", "area")
    if var == "vacancies":
        da = da.interpolate_na("time").fillna(SUPPRESSED_VACANCIES)
    elif bool(da.isnull().any()):
        da = da.interpolate_na("time").fillna(SUPPRESSED_UNEMPLOYED)
    return pd.DataFrame(da.to_pandas())


def _forecast(baseline: xr.Dataset, var: str, munis: list[str]) -> pd.DataFrame:
    """The point forecast of ``var`` (time x municipality), checked.

    Every municipality must be there and no value negative (a ValidationError naming
    ``baseline`` otherwise); a missing (suppressed) cell is a small count, as observed ones.
    """
    point = _point(baseline[var])
    have = set(map(str, point["area"].values))
    lacking = [m for m in munis if m not in have]
    if lacking:
        raise ValidationError("baseline", f"the {var} forecast lacks municipalities {lacking}")
    fc = pd.DataFrame(point.sel(area=munis).transpose("time", "area").to_pandas())
    if bool((fc < 0).any().any()):
        raise ValidationError("baseline", f"the {var} forecast has negative values")
    if var == "labour_force":  # annual values repeated monthly: the nearest month's
        fc = fc.ffill().bfill()
        if bool(fc.isna().any().any()):
            raise ValidationError("baseline", "the labour_force forecast has no values")
        return fc
    return fc.fillna(SUPPRESSED_VACANCIES if var == "vacancies" else SUPPRESSED_UNEMPLOYED)


def _observed_flags(reg: xr.Dataset) -> np.ndarray:
    """``(T,)`` months in which any of the area's municipalities has an unemployed count."""
    values = reg["unemployed"].transpose("time", "area").values
    return np.asarray(np.isfinite(values).any(axis=1))


def history_end(registers: xr.Dataset) -> pd.Timestamp:
    """The last month of the complete history: the end of the latest run of at least
    :data:`MIN_HISTORY` consecutive observed months (2023-10 in snapshot v2, whose registers
    have a gap 2023-11..2026-05 and one observed month 2026-06 after it)."""
    seen = _observed_flags(registers)
    times = pd.DatetimeIndex(registers["time"].values)
    run, end = 0, -1
    for t, flag in enumerate(seen):
        run = run + 1 if flag else 0
        if run >= MIN_HISTORY:
            end = t
    if end < 0:
        raise ValidationError(
            "registers", f"needs {MIN_HISTORY} consecutive observed months for a baseline"
        )
    return times[end]


def latest_observed(registers: xr.Dataset) -> pd.Timestamp:
    """The present: the latest month with an unemployed count (2026-06 in snapshot v2)."""
    seen = _observed_flags(registers)
    if not seen.any():
        raise ValidationError("registers", "has no observed month")
    return pd.Timestamp(registers["time"].values[np.flatnonzero(seen)[-1]])


def _after_gap(reg: xr.Dataset, var: str, end: pd.Timestamp) -> pd.DataFrame:
    """Observed months after the complete history (time x municipality); a suppressed cell
    is a small count (no neighbours to interpolate from), a missing labour force NaN."""
    seen = pd.DatetimeIndex(reg["time"].values[_observed_flags(reg)])
    later = seen[seen > end]
    frame = pd.DataFrame(reg[var].sel(time=later).transpose("time", "area").to_pandas())
    if var == "vacancies":
        return frame.fillna(SUPPRESSED_VACANCIES)
    if var == "unemployed":
        return frame.fillna(SUPPRESSED_UNEMPLOYED)
    return frame


def _series(
    hist: pd.DataFrame, fc: pd.DataFrame | None, obs: pd.DataFrame, last: pd.Timestamp
) -> pd.DataFrame:
    """Monthly values from the start of ``hist`` to ``last``: the complete history, then
    per month an observation after the gap, else the forecast, else the value a year
    earlier (seasonal persistence). A persisted month whose source predates the latest
    observation after the gap is scaled by that observation's level ratio ``(obs + 1) /
    (value it replaced + 1)``, so persistence continues from the present, not from the
    old level; months before it (inside the gap) keep the last complete year."""
    index = pd.date_range(hist.index[0], max(last, hist.index[-1]), freq="MS")
    val = np.full((len(index), hist.shape[1]), np.nan)
    src = np.zeros(len(index), dtype=np.int64)
    ratio: np.ndarray | None = None
    level_at = -1
    n_hist = len(hist)
    val[:n_hist] = hist.to_numpy(dtype=float)
    src[:n_hist] = np.arange(n_hist)
    fc_rows = {} if fc is None else {m: k for k, m in enumerate(fc.index) if m > hist.index[-1]}
    fc_arr = None if fc is None else fc[hist.columns].to_numpy(dtype=float)
    obs_rows = {m: k for k, m in enumerate(obs.index)}
    obs_arr = obs[hist.columns].to_numpy(dtype=float)
    for t in range(n_hist, len(index)):
        m = index[t]
        if m in fc_rows and fc_arr is not None:
            val[t], src[t] = fc_arr[fc_rows[m]], t
        else:
            val[t], src[t] = val[t - 12], src[t - 12]
            if ratio is not None and src[t] < level_at:
                val[t] = np.maximum((val[t] + 1.0) * ratio - 1.0, 0.0)
                src[t] = level_at
        if m in obs_rows:
            o = obs_arr[obs_rows[m]]
            o = np.where(np.isnan(o), val[t], o)  # a missing labour force keeps the path
            ratio, level_at = (o + 1.0) / (val[t] + 1.0), t
            val[t], src[t] = o, t
    return pd.DataFrame(val, index=index, columns=hist.columns)


def targets(
    structure: Structure,
    registers: xr.Dataset,
    first: pd.Timestamp,
    n_months: int,
    baseline: xr.Dataset | None = None,
) -> Targets:
    """Targets for the month before ``first`` and ``n_months`` months from ``first``.

    Months of the complete history (up to :func:`history_end`) come from ``registers`` (the
    ``registers`` cube, at least the area's municipalities), as do the observed months after
    a gap (the present, 2026-06). Other months come from ``baseline`` where it has them
    (register forecasts: ``unemployed``, ``vacancies``, ``labour_force`` by area and time,
    with an optional ``statistic`` or ``quantile`` dim whose mean or median is used; the
    release's start the month after the present), else the value of a year earlier is
    repeated (seasonal persistence): inside the gap the last complete year, after the
    present that year scaled to the present's level (see :func:`_series`).
    """
    munis = list(structure.municipalities)
    months = pd.date_range(first - pd.DateOffset(months=1), periods=n_months + 1, freq="MS")
    reg = registers.sel(area=munis)
    end = history_end(reg)
    complete = reg.sel(time=slice(None, end))
    out = {}
    for var in ("unemployed", "labour_force", "vacancies"):
        hist = _history(complete, var)
        fc = _forecast(baseline, var, munis) if baseline is not None and var in baseline else None
        series = _series(hist, fc, _after_gap(reg, var, end), months[-1])
        out[var] = series.loc[months].to_numpy(dtype=float)
    seen = pd.DatetimeIndex(reg["time"].values[_observed_flags(reg)])
    observed = np.asarray(months.isin(seen))
    raw = reg["unemployed"].transpose("time", "area").reindex(time=months).values
    return Targets(
        months=months,
        unemployed=out["unemployed"],
        employed=out["labour_force"] - out["unemployed"],
        vacancies=out["vacancies"],
        observed=observed,
        suppressed=np.isnan(raw) & observed[:, None],
        long_term_share=_long_term_share(reg, months),
    )


def _long_term_share(reg: xr.Dataset, months: pd.DatetimeIndex) -> np.ndarray | None:
    """(N + 1, R) observed long-term unemployed / unemployed, NaN where either is missing;
    None when the window has no such month (every month before the 2026 extracts)."""
    if "long_term_unemployed" not in reg:
        return None
    lt = reg["long_term_unemployed"].transpose("time", "area").reindex(time=months).values
    u = reg["unemployed"].transpose("time", "area").reindex(time=months).values
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(u > 0, lt / u, np.nan)
    share = np.clip(share, 0.0, 1.0)
    return share if np.isfinite(share).any() else None


def jobseeker_ratio(
    registers: xr.Dataset, months: pd.DatetimeIndex, baseline: xr.Dataset | None = None
) -> JobseekerRatio | None:
    """Jobseekers per unemployed of each municipality (columns of ``registers``) in ``months``.

    The ratio of the latest month with a ``jobseekers`` count (2026-06 in snapshot v2;
    Mikkeli 4,516 / 2,822), held for every month, or the ratio of the point forecasts of
    ``jobseekers`` and ``unemployed`` in ``baseline`` (the release's special groups) for
    the months they cover. Its uncertainty is the special groups' (assumed):
    ``sd(log ratio) = sqrt(q^2 h + 1 / count)`` with ``q`` the monthly drift of
    :data:`forecasting.register_groups.SHARE_DRIFT` for jobseekers, ``h`` the months from the
    observation and ``count`` the observed jobseekers. A municipality with no unemployed
    then takes the area's ratio. None when the registers have no jobseekers count.
    """
    from forecasting.register_groups import SHARE_DRIFT

    if "jobseekers" not in registers:
        return None
    js = registers["jobseekers"].transpose("time", "area")
    have = np.flatnonzero(np.isfinite(js.values).any(axis=1))
    if have.size == 0:
        return None
    t = int(have[-1])
    when = pd.Timestamp(registers["time"].values[t])
    count = np.nan_to_num(js.values[t], nan=0.0)
    u = np.nan_to_num(registers["unemployed"].transpose("time", "area").values[t], nan=0.0)
    area_ratio = count.sum() / max(u.sum(), 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        base = np.where(u > 0, count / u, area_ratio)
    ratio = np.tile(np.maximum(base, 1.0), (len(months), 1))
    if baseline is not None and "jobseekers" in baseline and "unemployed" in baseline:
        munis = [str(a) for a in registers["area"].values]
        fc_js, fc_u = (_forecast(baseline, v, munis) for v in ("jobseekers", "unemployed"))
        with np.errstate(divide="ignore", invalid="ignore"):
            fc = (fc_js / fc_u).reindex(months)
        use = np.isfinite(fc.to_numpy(dtype=float)) & (fc_u.reindex(months).to_numpy() > 0)
        ratio = np.where(use, np.maximum(fc.to_numpy(dtype=float), 1.0), ratio)
    q = SHARE_DRIFT["jobseekers"][1]
    steps = np.abs(np.asarray((months.year - when.year) * 12 + (months.month - when.month)))
    log_sd = np.sqrt(q**2 * steps[:, None] + 1.0 / np.maximum(count, 1.0)[None, :])
    return JobseekerRatio(ratio=ratio, log_sd=log_sd, observed=when)


def set_long_term_share(U: np.ndarray, share: np.ndarray) -> np.ndarray:
    """``U`` (R, I, D) with the last duration band (12+ months) at ``share`` (R,) of each
    municipality's unemployed; the shorter bands and the industries keep their proportions
    and each municipality's total is unchanged. NaN shares leave the municipality as it is."""
    out = U.copy()
    total = U.sum(axis=(1, 2))
    lt = U[..., -1].sum(axis=1)
    for r in np.flatnonzero(np.isfinite(share) & (total > TINY)):
        want = share[r] * total[r]
        if lt[r] > TINY:
            out[r, :, -1] *= want / lt[r]
        else:  # no long-term unemployed tracked: spread by the industry mix of the others
            mix = U[r, :, :-1].sum(axis=1)
            out[r, :, -1] = want * mix / mix.sum()
            lt[r] = 0.0
        # the shorter bands' own sum, not total - lt: when nearly everyone is long-term the
        # difference cancels and its rounding error is scaled up by (total - want) / short
        short = U[r, :, :-1].sum()
        if short > TINY:
            out[r, :, :-1] *= (total[r] - want) / short
        else:  # everyone was long-term: the rest goes to 6-12 months, the same industries
            out[r, :, -2] = (total[r] - want) * U[r, :, -1] / lt[r]
    return out


def vacancy_shares(structure: Structure) -> np.ndarray:
    """(R, I) split of a workplace's vacancies over industries: jobs x turnover."""
    w = structure.jobs * structure.rel_sep[None, :]
    return w / w.sum(axis=1, keepdims=True)


def _start_state(structure: Structure, tg: Targets) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ushare = structure.emp_mix * structure.rel_sep[None, :]
    ushare /= ushare.sum(axis=1, keepdims=True)
    E = tg.employed[0][:, None] * structure.emp_mix
    U = tg.unemployed[0][:, None, None] * ushare[:, :, None] * BAND_START[None, None, :]
    V = tg.vacancies[0][:, None] * vacancy_shares(structure)
    return E, U, V


def track(structure: Structure, params: lf.FlowParameters, tg: Targets) -> Tracked:
    """Solve the baseline flows month by month so the expected stocks hit the targets."""
    R, I = structure.jobs.shape
    N = len(tg.months) - 1
    E, U, V = _start_state(structure, tg)
    lts = tg.long_term_share
    if lts is not None:
        U = set_long_term_share(U, lts[0])
    vshare = vacancy_shares(structure)
    x_new = structure.industries.index("X")
    exit_e0 = structure.retire + structure.outmig
    rec: dict[str, list[np.ndarray]] = {
        k: [] for k in ("sep", "exit_e", "exit_u", "ent_u", "ent_e", "vac_new", "close")
    }
    fillref, theta, vac_ref, states = [], [], [], []
    zeros = np.zeros((R, I))
    for n in range(N):
        vac_ref.append(V.copy())
        m = lf.matching(U, V, zeros, params)
        ph = np.minimum(params.eff[None, None, :] * m.hz[:, :, None], params.hmax)
        H = U * ph
        rem = U - H
        rem_r = rem.sum(axis=(1, 2))
        floor = MIN_INFLOW_SHARE * U.sum(axis=(1, 2))
        with np.errstate(divide="ignore", invalid="ignore"):
            xu = np.maximum(EXIT_U, 1.0 - (tg.unemployed[n + 1] - floor) / rem_r)
        # A municipality with nobody left unemployed (a target of 0) keeps the normal exit.
        xu = np.clip(np.where(rem_r > 0, xu, EXIT_U), 0.0, 1.0)
        stay = rem * (1 - xu)[:, None, None]
        inflow = tg.unemployed[n + 1] - stay.sum(axis=(1, 2))
        aged = stay * params.age_p[None, None, :]
        U_next = stay - aged
        U_next[:, :, 1:] += aged[:, :, :-1]
        sep_total = (1 - INFLOW_FROM_OUTSIDE) * inflow
        risk = E * structure.rel_sep[None, :]
        sep = np.clip(
            sep_total[:, None] * structure.rel_sep[None, :] / risk.sum(1)[:, None], 0, 0.5
        )
        sepE = sep * E
        Hri = H.sum(axis=2)
        with np.errstate(divide="ignore", invalid="ignore"):
            per = np.where(m.hz > 0, Hri / m.hz, 0.0)
        HE = (per @ params.mob) * m.ysum
        keep = E - sepE
        XE = keep * exit_e0[:, None]
        need = tg.employed[n + 1] - (keep - XE + HE).sum(axis=1)
        xe = exit_e0 + np.maximum(-need, 0.0) / keep.sum(axis=1)
        need = np.maximum(need, 0.0)
        ent_e = need[:, None] * structure.emp_mix
        E = keep * (1 - xe)[:, None] + HE + ent_e
        U_next[:, :, 0] += sepE
        ent_u = INFLOW_FROM_OUTSIDE * inflow
        U_next[:, x_new, 0] += ent_u
        U = U_next
        if lts is not None and np.isfinite(lts[n + 1]).any():
            # an observed composition (the present): the tracked one is replaced by it
            U = set_long_term_share(U, lts[n + 1])
        q = structure.close_by_month[tg.months[n + 1].month - 1]
        vac_new = np.maximum(tg.vacancies[n + 1][:, None] * vshare - V * (1 - q), 0.0)
        V = V * (1 - q) + vac_new
        for k, v in (("sep", sep), ("exit_e", xe), ("exit_u", np.repeat(xu[:, None], 4, 1)),
                     ("ent_u", ent_u), ("ent_e", ent_e), ("vac_new", vac_new),
                     ("close", np.full((R, I), -math.log(1 - q)))):  # fmt: skip
            rec[k].append(v)
        fillref.append(m.fillrate)
        theta.append(m.theta)
        states.append((E.copy(), U.copy(), V.copy()))
    path = lf.FlowPath(
        **{k: np.array(v) for k, v in rec.items()},
        fillref=np.array(fillref),
        vac_ref=np.array(vac_ref),
    )
    return Tracked(
        path=path,
        theta=np.array(theta),
        E=np.array([s[0] for s in states]),
        U=np.array([s[1] for s in states]),
        V=np.array([s[2] for s in states]),
    )


def flow_parameters(
    structure: Structure, match_a: float | np.ndarray, cap: float, theta_out: np.ndarray
) -> lf.FlowParameters:
    """The time-invariant kernel parameters of ``structure`` (``match_a``: one matching
    efficiency for every workplace, or one per municipality (R,))."""
    R = len(structure.municipalities)
    if np.ndim(match_a) == 0:
        match_A = np.full(R, float(match_a))
    else:
        match_A = np.array(match_a, dtype=np.float64).reshape(R)
    return lf.FlowParameters(
        age_p=AGE_P,
        eff=SEARCH_EFF,
        commute=structure.commute,
        own=structure.own,
        grp=structure.grp,
        spread=structure.spread,
        match_A=match_A,
        alpha=structure.alpha,
        cap=float(cap),
        hmax=HMAX,
        theta_out=np.asarray(theta_out, dtype=np.float64),
        resid_of_work=structure.resid_of_work,
        q_out=np.full(R, Q_OUT),
        new_industry=structure.industries.index("X"),
    )


def _ltu_share(tracked: Tracked, k: int) -> float:
    U = tracked.U[k]
    return float(U[..., -1].sum() / U.sum())


def calibrate_matching(
    structure: Structure, registers: xr.Dataset
) -> tuple[float, float, np.ndarray]:
    """Matching efficiency ``A``, cap and outside hire rate from the long-term-share anchor.

    ``A`` is found by bisection (in logs) so that the tracked baseline's 12+ month share at
    the end of 2017 equals :data:`LTU_SHARE_TARGET`; the hire rate per searcher outside the
    area is the area's jobs-weighted mean over 2017 (a fixed point); the cap on
    matches per vacancy is 1.5 times the 99th percentile of the baseline's fill rates.

    Returns
    -------
    match_a, cap, theta_out (I,)
    """
    st = structure
    anchor = pd.Timestamp(LTU_ANCHOR_MONTH)
    first = anchor - pd.DateOffset(months=60 - 1)
    tg = targets(st, registers, first, 60)
    k = 60 - 1
    theta_out = np.full(len(st.industries), 0.2)
    lo, hi = math.log(1e-3), math.log(20.0)
    for _ in range(FIXED_POINT_ROUNDS):
        lo, hi = math.log(1e-3), math.log(20.0)
        for _ in range(BISECTION_STEPS):
            mid = 0.5 * (lo + hi)
            tr = track(st, flow_parameters(st, math.exp(mid), 1e9, theta_out), tg)
            if _ltu_share(tr, k) > LTU_SHARE_TARGET:
                lo = mid
            else:
                hi = mid
        tr = track(st, flow_parameters(st, math.exp(0.5 * (lo + hi)), 1e9, theta_out), tg)
        year = tr.theta[-12:].mean(axis=0)
        theta_out = (st.jobs * year).sum(axis=0) / np.maximum(st.jobs.sum(axis=0), 1.0)
    match_a = math.exp(0.5 * (lo + hi))
    cap = 1.5 * float(np.quantile(tr.path.fillref, 0.99))
    return match_a, cap, theta_out


def present_share(registers: xr.Dataset) -> tuple[pd.Timestamp, np.ndarray] | None:
    """The present (:func:`latest_observed`) and each municipality's long-term unemployed
    share observed then (NaN where not observed); None without any."""
    present = latest_observed(registers)
    share = _long_term_share(registers, pd.DatetimeIndex([present]))
    return None if share is None else (present, share[0])


def _shares_at(tracked: Tracked, k: int) -> tuple[np.ndarray, float]:
    U = tracked.U[k]
    lt, u = U[..., -1].sum(axis=1), U.sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(u > TINY, lt / u, np.nan), float(lt.sum() / u.sum())


def calibrate_present(
    structure: Structure,
    registers: xr.Dataset,
    match_a: float,
    cap: float,
    theta_out: np.ndarray,
) -> np.ndarray | None:
    """Matching efficiency (R,) re-anchored to the long-term share of the present.

    The 2017 anchor (:func:`calibrate_matching`) gives a steady state whose long-term share
    (about 27 % in TA23) is far below the share published for the present (40 % in TA23,
    2026-06), so a baseline started from the present's composition drifts down to it. Here
    the baseline from the present is tracked (:data:`BURN_IN` months up to the present, the
    composition of the present set from the registers, then :data:`PRESENT_ANCHOR_MONTHS`
    months of persistence at the present's level) and the matching efficiency of each
    workplace municipality is set so that the tracked share of its residents
    :data:`PRESENT_ANCHOR_MONTHS` months on equals the share observed at the present: first
    one factor for the area (bisection in logs on the area's share), then each municipality
    within :data:`PRESENT_SPREAD` of it (bisections side by side; the municipalities are
    coupled through commuting only weakly). A municipality without an observed share keeps
    the area's factor. The cap and the outside hire rate stay those of the 2017 anchor.

    Returns None when the registers have no long-term share at their latest month.
    """
    seen = present_share(registers)
    if seen is None:
        return None
    present, target = seen
    st = structure
    first = present + pd.DateOffset(months=1)
    n = BURN_IN + PRESENT_ANCHOR_MONTHS
    tg = targets(st, registers, first - pd.DateOffset(months=BURN_IN), n)
    k = int(tg.months.get_loc(present + pd.DateOffset(months=PRESENT_ANCHOR_MONTHS))) - 1
    u0 = tg.unemployed[int(tg.months.get_loc(present))]
    ok = np.isfinite(target)
    area_target = float((target[ok] * u0[ok]).sum() / u0[ok].sum())
    R = len(st.municipalities)

    def shares(log_a: np.ndarray) -> tuple[np.ndarray, float]:
        return _shares_at(track(st, flow_parameters(st, np.exp(log_a), cap, theta_out), tg), k)

    lo, hi = math.log(1e-3), math.log(20.0)
    for _ in range(BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        if shares(np.full(R, mid))[1] > area_target:
            lo = mid
        else:
            hi = mid
    centre = 0.5 * (lo + hi)
    lo_r = np.full(R, centre - math.log(PRESENT_SPREAD))
    hi_r = np.full(R, centre + math.log(PRESENT_SPREAD))
    for _ in range(BISECTION_STEPS):
        mid_r = np.where(ok, 0.5 * (lo_r + hi_r), centre)
        above = shares(mid_r)[0] > target  # NaN targets: False, and they keep ``centre``
        lo_r = np.where(above, mid_r, lo_r)
        hi_r = np.where(above, hi_r, mid_r)
    return np.exp(np.where(ok, 0.5 * (lo_r + hi_r), centre))


def _round_preserving(x: np.ndarray) -> np.ndarray:
    """Integers with the same total per leading index (largest remainders), ``x >= 0``."""
    flat = x.reshape(x.shape[0], -1)
    out = np.floor(flat).astype(np.int64)
    for r in range(flat.shape[0]):
        short = round(float(flat[r].sum())) - int(out[r].sum())
        if short > 0:
            order = np.argsort(-(flat[r] - out[r]), kind="stable")
            out[r, order[:short]] += 1
    return out.reshape(x.shape)


def calibrate(
    cubes: Mapping[str, xr.Dataset],
    area: str = geography.MIKKELI_AREA,
    *,
    elasticity: tuple[float, float, int] | None = None,
) -> Calibration:
    """Calibrate employment area ``area`` from ``cubes`` (name -> dataset, at least
    :data:`forecasting.scenarios.calibration.STRUCTURE_CUBES`); the slow part of a scenario
    (seconds), so callers running several scenarios of an area build it once and pass it."""
    st = load_structure(cubes, area, elasticity=elasticity)
    registers = _cube(cubes, "registers").sel(area=list(st.municipalities))
    match_a, cap, theta_out = calibrate_matching(st, registers)
    present = calibrate_present(st, registers, match_a, cap, theta_out)
    profile = age_profile(cubes, tuple(st.municipalities))
    links = neighbour_links(cubes, area, tuple(st.municipalities))
    return Calibration(area, st, match_a, cap, theta_out, registers, present, profile, links)


def reaches_present(calibration: Calibration, first: pd.Timestamp, months: int) -> bool:
    """Whether a window of ``months`` months from ``first`` ends at or after the present and
    so runs on the present's anchor (:attr:`Calibration.match_a_present`)."""
    if calibration.match_a_present is None:
        return False
    last = first + pd.DateOffset(months=months - 1)
    return bool(last >= latest_observed(calibration.registers))


def build_baseline(
    calibration: Calibration,
    first: str | pd.Timestamp,
    months: int,
    *,
    baseline: xr.Dataset | None = None,
) -> Baseline:
    """The calibrated baseline of ``months`` months from ``first`` (``baseline``: register
    forecasts as targets after the last observation, see :func:`targets`)."""
    first = pd.Timestamp(first).to_period("M").to_timestamp()
    return _build(calibration, first, int(months), baseline)


def _build(
    cal: Calibration, first: pd.Timestamp, months: int, baseline: xr.Dataset | None
) -> Baseline:
    st, cap, theta_out = cal.structure, cal.cap, cal.theta_out
    present = reaches_present(cal, first, months)
    match_a = cal.match_a_present if present and cal.match_a_present is not None else cal.match_a
    params = flow_parameters(st, match_a, cap, theta_out)
    tg = targets(
        st, cal.registers, first - pd.DateOffset(months=BURN_IN), BURN_IN + months, baseline
    )
    tr = track(st, params, tg)
    b = BURN_IN - 1  # index of the state at the end of the month before ``first``
    path = lf.FlowPath(**{f: getattr(tr.path, f)[BURN_IN:] for f in tr.path.__dataclass_fields__})
    init = lf.InitialState(
        E=_round_preserving(tr.E[b]), U=_round_preserving(tr.U[b]), V=_round_preserving(tr.V[b])
    )
    sub = Targets(
        months=tg.months[BURN_IN + 1 :],
        unemployed=tg.unemployed[BURN_IN + 1 :],
        employed=tg.employed[BURN_IN + 1 :],
        vacancies=tg.vacancies[BURN_IN + 1 :],
        observed=tg.observed[BURN_IN + 1 :],
        suppressed=tg.suppressed[BURN_IN + 1 :],
        long_term_share=None if tg.long_term_share is None else tg.long_term_share[BURN_IN + 1 :],
    )
    return Baseline(
        structure=st,
        params=params,
        path=path,
        init=init,
        months=sub.months,
        targets=sub,
        expected_unemployed=tr.U[BURN_IN:].sum(axis=(2, 3)),
        expected_long_term=tr.U[BURN_IN:, :, :, -1].sum(axis=2),
        expected_vacancies=tr.V[BURN_IN:].sum(axis=2),
        anchor="present" if present else LTU_ANCHOR_MONTH,
        jobseekers=jobseeker_ratio(cal.registers, sub.months, baseline),
        method=describe_targets(cal.registers, sub.months, baseline),
    )


def _month(m: pd.Timestamp) -> str:
    return f"{m.month}/{m.year}"


def _span(a: pd.Timestamp, b: pd.Timestamp) -> str:
    return _month(a) if a == b else f"{_month(a)}–{_month(b)}"


#: The sentences of :func:`describe_targets`, by language and kind of stretch; ``{span}`` is
#: the stretch's months, ``{year}`` the last complete observed year, ``{present}`` the
#: latest observed month, ``{last}`` the forecasts' last twelve months.
_METHOD_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "lead": "Baseline (no events):",
        "obs": "{span} the observed registers (tyonv 12r5)",
        "fc": "{span} the release's register forecasts (point forecast)",
        "gap": "{span} (not in the registers) the last complete observed year {year} repeated",
        "persist": (
            "{span} the last complete observed year {year} repeated{scaled} (seasonal "
            "persistence: each calendar month keeps one value every year, no trend)"
        ),
        "scaled": ", scaled to the level of {present}",
        "after_fc": (
            "{span}, after the register forecasts' horizon, their last twelve months "
            "{last} repeated (their seasonal pattern at their final level, no further trend)"
        ),
    },
    "fi": {
        "lead": "Perusura (ilman tapahtumia):",
        "obs": "{span} havaitut rekisteritiedot (tyonv 12r5)",
        "fc": "{span} julkaisun rekisteriennusteet (piste-ennuste)",
        "gap": "{span} (ei rekistereissä) viimeinen täysi havaittu vuosi {year} toistettuna",
        "persist": (
            "{span} viimeinen täysi havaittu vuosi {year} toistettuna{scaled} "
            "(kausipysyvyys: kukin kalenterikuukausi saa joka vuosi saman arvon, ei trendiä)"
        ),
        "scaled": " ja skaalattuna kuukauden {present} tasolle",
        "after_fc": (
            "{span} rekisteriennusteiden aikavälin jälkeen niiden viimeiset kaksitoista "
            "kuukautta {last} toistettuina (kausivaihtelu ennusteiden lopputasolla, ei "
            "jatkotrendiä)"
        ),
    },
    "sv": {
        "lead": "Grundbana (utan händelser):",
        "obs": "{span} de observerade registeruppgifterna (tyonv 12r5)",
        "fc": "{span} publiceringens registerprognoser (punktprognos)",
        "gap": "{span} (saknas i registren) det sista fullständiga observerade året {year} "
        "upprepat",
        "persist": (
            "{span} det sista fullständiga observerade året {year} upprepat{scaled} "
            "(säsongsbeständighet: varje kalendermånad har samma värde varje år, ingen trend)"
        ),
        "scaled": ", skalat till nivån i {present}",
        "after_fc": (
            "{span} efter registerprognosernas horisont deras sista tolv månader {last} "
            "upprepade (säsongsmönstret på prognosernas slutnivå, ingen ytterligare trend)"
        ),
    },
}


def describe_targets(
    registers: xr.Dataset, months: pd.DatetimeIndex, baseline: xr.Dataset | None = None
) -> dict[str, str]:
    """Where the unemployed targets of ``months`` come from (as :func:`targets` builds them),
    one sentence per language (``en``, ``fi``, ``sv``), stretch by stretch: the observed
    registers, the register forecasts ``baseline``, the last complete year inside the
    registers' gap, and after the last forecast (or, without forecasts, after the latest
    observation) a repeated year: a seasonal path with no trend, stated rather than shown
    as a flat line without a word.

    For 7/2026-6/2031 with forecasts to 12/2029 (en): "Baseline (no events): 7/2026-12/2029
    the release's register forecasts (point forecast); 1/2030-6/2031, after the register
    forecasts' horizon, their last twelve months 1/2029-12/2029 repeated (...)".
    """
    if len(months) == 0:
        return {}
    end = history_end(registers)
    present = latest_observed(registers)
    seen = set(pd.DatetimeIndex(registers["time"].values[_observed_flags(registers)]))
    fc_months: pd.DatetimeIndex = pd.DatetimeIndex([])
    if baseline is not None and "unemployed" in baseline:
        fc_months = pd.DatetimeIndex(baseline["time"].values)
        fc_months = fc_months[fc_months > end]
    fc_set, fc_last = set(fc_months), (fc_months.max() if len(fc_months) else None)

    def kind(m: pd.Timestamp) -> str:
        if m <= end or m in seen:
            return "obs"
        if m in fc_set:
            return "fc"
        if m < present:
            return "gap"
        return "after_fc" if fc_last is not None and m > fc_last else "persist"

    runs: list[tuple[str, pd.Timestamp, pd.Timestamp]] = []
    for m in months:
        k = kind(m)
        if runs and runs[-1][0] == k:
            runs[-1] = (k, runs[-1][1], m)
        else:
            runs.append((k, m, m))
    year = _span(end - pd.DateOffset(months=11), end)
    last = "" if fc_last is None else _span(fc_last - pd.DateOffset(months=11), fc_last)
    out = {}
    for lang, text in _METHOD_TEXT.items():
        scaled = text["scaled"].format(present=_month(present)) if present > end else ""
        parts = [
            text[k].format(span=_span(a, b), year=year, last=last, scaled=scaled)
            for k, a, b in runs
        ]
        out[lang] = f"{text['lead']} {'; '.join(parts)}."
    return out
