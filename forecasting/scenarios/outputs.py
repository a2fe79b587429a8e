"""The labelled result of a scenario run: quantiles over Monte Carlo draws.

Every statistic is computed per draw first (sums over the area, rates, shares) and only
then summarised by quantiles, so the area's quantiles are quantiles of the area's totals.
Dims follow the data contract (``area, industry, field, time``) with ``quantile`` last.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from forecasting.classifications import education_fields_2016
from forecasting.scenarios import cache, recruitment
from forecasting.scenarios import displaced as dp
from forecasting.scenarios.baseline import Baseline
from forecasting.scenarios.calibration import DAYS_PER_MONTH
from forecasting.scenarios.events import CompiledEvents
from forecasting.scenarios.retraining import FIELDS, RETRAIN_AFTER_MONTHS, retraining_need
from forecasting.scenarios.spec import ScenarioSpec
from models import displaced as dm
from models import labourflow as lf

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)

#: Units of the result variables (a ``*_share`` is a share, 0-1), stamped as each
#: variable's ``units`` attr by :func:`with_units`.
UNITS = {
    "unemployed": "persons",
    "unemployment_rate": "percent",
    "long_term_unemployed": "persons",
    "vacancies": "vacancies",
    "fill_days": "days",
    "unemployed_vs_baseline": "persons",
    "employed_vs_baseline": "persons",
    "unemployed_baseline_target": "persons",
    "employed": "persons",
    "displaced": "persons",
    "clients": "persons",
    "experts_needed_at_high_target": "persons",
    "experts_needed_at_low_target": "persons",
    "clients_per_expert": "clients per expert",
    "retraining_need": "persons",
    "jobs_change_expected": "jobs",
    "direct_jobs_change": "jobs",
    "secondary_jobs_change": "jobs",
    "jobs_change_by_industry": "jobs",
    "spillover_jobs_by_area": "jobs",
    "training_demand_change": "persons",
    "training_covered_by_supply": "persons",
    "training_need_change": "persons",
    "qualification_demand_change": "persons",
    "qualification_need_change": "persons",
    "qualification_demand_by_field": "persons",
}


def with_units(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` with each result variable's ``units`` attr (:data:`UNITS`) where it has none."""
    out = ds.copy()
    for name in map(str, out.data_vars):
        unit = UNITS.get(name) or ("share" if name.endswith("_share") else None)
        if unit and not out[name].attrs.get("units"):
            out[name].attrs["units"] = unit
    return out


def _count_sum(x: np.ndarray, axis: int) -> np.ndarray:
    """Sum of integer counts over ``axis``, in their own integer type.

    :func:`numpy.einsum` (a few times faster than ``sum(dtype=int64)`` over a short axis);
    the same integers: the counts of an area (people, jobs) are far below 2**31.
    """
    letters = "abcdefghij"[: x.ndim]
    return np.einsum(f"{letters}->{letters.replace(letters[axis], '')}", x)


def _with_area_total(x: np.ndarray, axis: int) -> np.ndarray:
    """Append the sum over municipalities (``axis``) as one more municipality entry.

    Integer counts stay integers (int64), so their quantiles are counted, not sorted.
    """
    integer = x.dtype.kind in "iu"
    dtype = np.int64 if integer else np.float64
    shape = list(x.shape)
    shape[axis] += 1
    out = np.empty(shape, dtype=dtype)
    head = [slice(None)] * x.ndim
    head[axis] = slice(0, x.shape[axis])
    out[tuple(head)] = x
    head[axis] = x.shape[axis]
    if integer:
        out[tuple(head)] = _count_sum(x, axis)
    else:
        x.sum(axis=axis, dtype=dtype, out=out[tuple(head)])
    return out


def _q(x: np.ndarray, *order: int) -> np.ndarray:
    """Quantiles over draws (axis 0 of ``x`` (B, ...)) on the last axis.

    ``order`` lists the other axes of ``x`` (1-based) in the order wanted (default: as
    they are). The quantiles are :func:`models.labourflow.quantiles` (counted for integer
    counts, sorted for floats); only the small result is transposed.
    """
    q = np.moveaxis(lf.quantiles(x, np.asarray(QUANTILES)), 0, -1)
    if not order:
        return q
    return q.transpose(*[o - 1 for o in order], q.ndim - 1)


def _q_with_area_total(x: np.ndarray, axis: int, *order: int) -> np.ndarray:
    """As ``_q(_with_area_total(x, axis), *order)`` without the widened copy of ``x``."""
    total = _count_sum(x, axis) if x.dtype.kind in "iu" else x.sum(axis=axis, dtype=np.int64)
    parts = _q(x), _q(np.expand_dims(total, axis))
    q = np.concatenate(parts, axis=axis - 1)
    return q.transpose(*[o - 1 for o in order], q.ndim - 1) if order else q


def _fill_days(res: lf.SimulationResult, init_v: np.ndarray) -> np.ndarray:
    """(B, T, R + 1) mean days a vacancy stays open: ``30.44 / -log(1 - closed / open)``."""
    v = _with_area_total(res.vacancies.astype(np.float64), 2)
    start = np.concatenate([np.broadcast_to(init_v, (v.shape[0], 1, v.shape[2])), v[:, :-1]], 1)
    closed = _with_area_total(res.closed.astype(np.float64), 2)
    open_ = start + np.maximum(closed - start, 0.0)  # vacancies opened and closed in the month
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.clip(closed / open_, 0.0, 0.999)
        days = DAYS_PER_MONTH / -np.log1p(-rate)
    return np.where(np.isfinite(days) & (closed > 0), days, np.nan)


def _employed_by_area(res: lf.SimulationResult) -> np.ndarray:
    """(B, T, R) employed residents summed over industries (integer counts)."""
    return _count_sum(res.employed, 3)


def _labour_market(
    res: lf.SimulationResult, base: Baseline, emp_r: np.ndarray | None = None
) -> dict[str, tuple]:
    """``emp_r``: :func:`_employed_by_area` of ``res`` when the caller has it already."""
    unemp = _with_area_total(res.unemployed, 2)
    emp_r = _employed_by_area(res) if emp_r is None else emp_r
    emp = _with_area_total(emp_r, 2)
    init_v = np.append(base.init.V.sum(axis=1), base.init.V.sum()).astype(np.float64)
    dims = ("area", "time", "quantile")
    return {
        "unemployed": (dims, _q(unemp, 2, 1)),
        "unemployment_rate": (dims, _q(100.0 * unemp / (unemp + emp), 2, 1)),
        "long_term_unemployed": (dims, _q_with_area_total(res.long_term, 2, 2, 1)),
        "employed": (
            ("area", "industry", "time", "quantile"),
            _q_with_area_total(res.employed, 2, 2, 3, 1),
        ),
        "vacancies": (dims, _q_with_area_total(res.vacancies, 2, 2, 1)),
        "fill_days": (dims, _q(_fill_days(res, init_v), 2, 1)),
    }


def _versus_baseline(
    res: lf.SimulationResult, ref: lf.SimulationResult, emp_r: np.ndarray | None = None
) -> dict[str, tuple]:
    """``emp_r``: :func:`_employed_by_area` of ``res`` when the caller has it already."""
    # Integer differences: their quantiles are counted, not sorted.
    du = _with_area_total(res.unemployed.astype(np.int64) - ref.unemployed, 2)
    emp_r = _employed_by_area(res) if emp_r is None else emp_r
    # the baseline run is the same (cached) one for every run of its window: summed once
    ref_emp = cache.derived(ref, "employed_by_area", _employed_by_area)
    de = _with_area_total(emp_r - ref_emp, 2)
    return {
        "unemployed_vs_baseline": (("area", "time", "quantile"), _q(du, 2, 1)),
        "employed_vs_baseline": (("area", "time", "quantile"), _q(de, 2, 1)),
    }


def _cohort(res: lf.SimulationResult) -> dict[str, tuple]:
    c = res.cohort.astype(np.float64)
    size = c[..., lf.COHORT_SIZE]
    out = {"displaced": (("time", "quantile"), _q(res.cohort[..., lf.COHORT_SIZE]))}
    with np.errstate(divide="ignore", invalid="ignore"):
        share = {
            "displaced_reemployed_share": c[..., lf.COHORT_REEMPLOYED] / size,
            "displaced_unemployed_share": c[..., lf.COHORT_UNEMPLOYED] / size,
            "displaced_exited_share": c[..., lf.COHORT_EXITED] / size,
        }
    for name, x in share.items():
        out[name] = (("time", "quantile"), _q(np.where(size > 0, x, np.nan)))
    return out


def _job_loss_profile(
    spec: ScenarioSpec, base: Baseline, profile: dp.AgeProfile
) -> np.ndarray | None:
    """(A, S, E) shares of the displaced: each job-loss event's workplace profile weighted
    by the jobs it removes for good (temporary layoffs: the share not recalled)."""
    st = base.structure
    mix = np.zeros((len(dp.AGE_BANDS), len(dp.SEXES), len(dp.EDUCATION)))
    for ev in spec.events:
        if ev.kind == "recruitment":
            continue
        jobs = ev.jobs * (1.0 - ev.recall) if ev.kind == "temporary_layoff" else ev.jobs
        w = st.municipalities.index(ev.municipality)
        mix += jobs * dp.cell_profile(profile, w, ev.industry)
    return mix / mix.sum() if mix.sum() > 0 else None


def _displaced_by_age(
    res: lf.SimulationResult,
    base: Baseline,
    spec: ScenarioSpec,
    profile: dp.AgeProfile | None,
    registers: xr.Dataset | None,
    seed: int,
    slack: np.ndarray | None = None,
) -> dict[str, tuple]:
    """The displaced by age band and sex with evidence-based hazards
    (:mod:`forecasting.scenarios.displaced`); empty without an age profile or job losses.
    ``slack``: the area's slack factor (:func:`_area_slack`) when the caller has it."""
    mix = _job_loss_profile(spec, base, profile) if profile is not None else None
    inflow = dp.cohort_inflow(res)
    if mix is None or inflow.sum() == 0:
        return {}
    if slack is None:
        slack = _area_slack(base, registers)
    B, T = inflow.shape
    hz = dp.hazards(mix, slack[-T:], B, seed)
    A, S, E = mix.shape
    # Summed by sex and age band in the kernel (cells are age-major, education fastest;
    # groups sex-major, so each sex's age bands and states are one contiguous run): int32
    # counts, the same integers as summing the cells' counts afterwards.
    cell = np.arange(A * S * E)
    groups = (cell // E) % S * A + cell // (S * E)
    by_sex = dm.simulate_displaced(inflow, hz, seed=seed, groups=groups).reshape(
        B, T, S, A, dm.N_STATES
    )
    by_age = by_sex[:, :, 0]
    for s in range(1, S):
        by_age = by_age + by_sex[:, :, s]  # (B, T, A, states) int32
    # Integer counts, converted exactly: the same values as dividing their float copies.
    size = by_age[..., dm.DISPLACED].astype(np.float64)
    total = by_age[..., dm.DISPLACED].sum(axis=2, dtype=np.int64).astype(np.float64)
    retired = by_age[..., dm.RETIRED].sum(axis=2, dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        re = np.where(size > 0, by_age[..., dm.REEMPLOYED] / size, np.nan)
        ret = np.where(size > 0, by_age[..., dm.RETIRED] / size, np.nan)
        ret_all = np.where(total > 0, retired / total, np.nan)
    dims = ("age_band", "time", "quantile")
    return {
        "displaced_by_age_sex": (
            ("age_band", "sex", "time"),
            # the mean of integer counts: their exact sum over the draws, divided once
            (by_sex[..., dm.DISPLACED].sum(axis=0, dtype=np.int64) / B).transpose(2, 1, 0),
        ),
        "displaced_reemployed_share_by_age": (dims, _q(re, 2, 1)),
        "displaced_retired_share_by_age": (dims, _q(ret, 2, 1)),
        "displaced_retired_share": (("time", "quantile"), _q(ret_all)),
    }


def clients_by_draw(
    res: lf.SimulationResult, base: Baseline, spec: ScenarioSpec, seed: int = 0
) -> np.ndarray:
    """(B, T) clients of the employment services in each draw and month: the registered
    jobseekers, i.e. each municipality's simulated unemployed times its jobseeker/unemployed
    ratio (:attr:`Baseline.jobseekers`), the ratio's log drawn per draw and municipality
    from its stated uncertainty (one normal deviate scaled by each month's sd; ``seed``).
    ``staffing.jobseekers_per_unemployed`` replaces the ratio (no spread); without a
    jobseekers count in the registers it is ``staffing.clients_per_unemployed`` (1.45)."""
    st = spec.staffing
    unemployed = res.unemployed.astype(np.float64)  # (B, T, R)
    if st.jobseekers_per_unemployed is not None:
        return unemployed.sum(axis=2) * st.jobseekers_per_unemployed
    js = base.jobseekers
    if js is None:
        return unemployed.sum(axis=2) * st.clients_per_unemployed
    B, _, R = unemployed.shape
    z = np.random.default_rng([int(seed), 0x6A5]).standard_normal((B, 1, R))
    ratio = np.maximum(js.ratio[None] * np.exp(z * js.log_sd[None]), 1.0)
    return (unemployed * ratio).sum(axis=2)


def _staffing(
    res: lf.SimulationResult, spec: ScenarioSpec, base: Baseline, seed: int = 0
) -> dict[str, tuple]:
    st = spec.staffing
    clients = clients_by_draw(res, base, spec, seed)
    experts = st.experts_for(spec.area)
    out: dict[str, tuple] = {
        "clients": (("time", "quantile"), _q(clients)),
        "experts_needed_at_high_target": (("time", "quantile"), _q(clients / st.target_high)),
        "experts_needed_at_low_target": (("time", "quantile"), _q(clients / st.target_low)),
    }
    if experts is None:  # no staff figure for this area: missing, not a guess
        months = clients.shape[1]
        out["clients_per_expert"] = (
            ("time", "quantile"),
            np.full((months, len(QUANTILES)), np.nan),
        )
        out["share_of_draws_over_target"] = (("time",), np.full(months, np.nan))
    else:
        per_expert = clients / experts
        out["clients_per_expert"] = (("time", "quantile"), _q(per_expert))
        out["share_of_draws_over_target"] = (("time",), (per_expert > st.target_high).mean(axis=0))
    return out


def _retraining(res: lf.SimulationResult, base: Baseline, spec: ScenarioSpec) -> dict[str, tuple]:
    T = res.cohort.shape[1]
    starts = [e.start for e in spec.events if e.kind != "recruitment"]
    if starts:
        first = int(base.months.get_loc(pd.Timestamp(min(starts))))
        t = min(T - 1, first + RETRAIN_AFTER_MONTHS)
    else:
        t = T - 1
    mix = base.path.vac_ref[t].sum(axis=0)
    need = retraining_need(
        res.cohort_unemployed[:, t, :].astype(np.float64),
        mix / mix.sum(),
        base.structure.industries,
    )
    return {"retraining_need": (("field", "quantile"), _q(need))}


def _area_slack(base: Baseline, registers: xr.Dataset | None) -> np.ndarray:
    """(T,) the area's slack factor in the baseline (:func:`displaced.slack_factor`; 1
    without registers)."""
    v = base.expected_vacancies.sum(axis=1)
    if registers is None:
        return np.ones(v.size)
    u = base.expected_unemployed.sum(axis=1)
    return dp.slack_factor(v, u, registers, base.params.alpha)


def _recruitment(
    spec: ScenarioSpec, base: Baseline, registers: xr.Dataset, slack: np.ndarray | None = None
) -> dict[str, tuple]:
    """Expected composition of the recruited jobs' holders (:mod:`recruitment`)."""
    if slack is None:
        slack = _area_slack(base, registers)
    shares = recruitment.response(spec, base, slack).shares
    return {f"recruitment_filled_by_{k}_share": ((), v) for k, v in shares.items()}


def _spillover(compiled: CompiledEvents, area: str) -> dict[str, tuple]:
    """Secondary jobs beyond the area: cumulative expected change by receiving employment
    area and month, and the share of all secondary jobs (to date) that fell outside."""
    away = compiled.spillover  # (T, K) cumulative
    inside = np.cumsum(compiled.secondary)
    outside = away.sum(axis=1)
    total = np.abs(inside) + np.abs(outside)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total > 0, np.abs(outside) / total, np.nan)
    return {
        "spillover_jobs_by_area": (("receiving_area", "time"), away.T.copy()),
        "spillover_outside_share": (("time",), share),
    }


def assemble(
    spec: ScenarioSpec,
    base: Baseline,
    compiled: CompiledEvents,
    res: lf.SimulationResult,
    ref: lf.SimulationResult | None,
    seed: int = 0,
    profile: dp.AgeProfile | None = None,
    registers: xr.Dataset | None = None,
    slack: np.ndarray | None = None,
) -> xr.Dataset:
    """The scenario's result dataset (without provenance attrs); ``seed`` draws the
    jobseeker ratios of :func:`clients_by_draw` and the displaced's hazard multipliers;
    ``profile`` (the calibration's age profile) and ``registers`` (its registers, for the
    slack's reference) give the displaced by age and sex; ``slack``: the area's slack
    factor of ``base`` and ``registers`` (:func:`_area_slack`) when the caller has it."""
    st = base.structure
    areas = [*st.municipalities, spec.area]
    emp_r = _employed_by_area(res)  # summed once, used twice
    data = _labour_market(res, base, emp_r)
    if ref is not None:
        data |= _versus_baseline(res, ref, emp_r)
    data |= _cohort(res) | _staffing(res, spec, base, seed) | _retraining(res, base, spec)
    data |= _displaced_by_age(res, base, spec, profile, registers, seed, slack)
    jobs = _with_area_total(compiled.job_change.sum(axis=2), 1).T
    data["jobs_change_expected"] = (("area", "time"), jobs)
    # (area, industry, time): the expected cumulative change of jobs by workplace
    # municipality and TOL section, direct plus secondary (the training-need product's input).
    by_industry = _with_area_total(compiled.job_change, 1).transpose(1, 2, 0)
    data["jobs_change_by_industry"] = (("area", "industry", "time"), by_industry)
    data["direct_jobs_change"] = (("time",), compiled.direct)
    data["secondary_jobs_change"] = (("time",), compiled.secondary)
    coords_extra: dict[str, list[str]] = {}
    if registers is not None and any(e.kind == "recruitment" for e in spec.events):
        data |= _recruitment(spec, base, registers, slack)
    if compiled.spillover_areas:
        data |= _spillover(compiled, spec.area)
        coords_extra["receiving_area"] = list(compiled.spillover_areas)
    # Suppressed register cells stay NaN in the output (the tracked stand-in is internal).
    target = _with_area_total(
        np.where(base.targets.suppressed, np.nan, base.targets.unemployed), 1
    ).T
    data["unemployed_baseline_target"] = (("area", "time"), target)
    data["observed"] = (("time",), base.targets.observed)
    fields = education_fields_2016()
    ds = xr.Dataset(
        data,
        coords={
            "area": areas,
            "industry": list(st.industries),
            "field": list(FIELDS),
            "field_name": ("field", [fields.loc[f, "name_en"] for f in FIELDS]),
            "time": base.months.values,
            "quantile": list(QUANTILES),
            **(
                {"age_band": list(dp.AGE_BANDS), "sex": list(dp.SEXES)}
                if "displaced_by_age_sex" in data
                else {}
            ),
            **coords_extra,
        },
    )
    return ds.enn.canonical()
