"""Displaced workers of a scenario by age, sex and education, with evidence-based hazards.

The labour-flow kernel decides how many residents each job-loss event displaces in every
draw and month (its cohort entries); this module splits them by age band, sex and education
level and follows them with competing monthly hazards of re-employment (by age, education
and the local labour market's slack), retirement or early retirement (by the age reached:
the displaced age a band up at the monthly rate of :data:`BAND_YEARS`) and other exits
(:func:`models.displaced.simulate_displaced`). Parameters, their sources and their
uncertainty are in :data:`PARAMETERS` (and the method note, docs/methods/scenarios.md);
the uncertainty enters each draw as log-normal multipliers.

Age profile: 115p jobs at the event's workplace municipality by age band and education
(``employment_by_age_education``, latest year; the cube has no industry split, so the
workplace's all-industry profile stands in for the industry's), 55-64 split into 55-59 and
60-64 by the municipality's population of those ages; sex by the industry's share of women
(:data:`WOMEN_SHARE`, an assumption). Areas the cube does not cover use the cube's total.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import xarray as xr

from models import displaced as dm
from models import labourflow as lf

AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-59", "60-64", "65-74")
SEXES = ("M", "F")  # the data contract's codes (men, women)
EDUCATION = ("basic_or_none", "upper_secondary", "lower_tertiary", "higher_tertiary")
#: Duration factor of re-employment, months since the layoff 0-2, 3-5, 6-11, 12+ (the flow
#: model's search efficiency by duration band, FlowParameters.eff).
DURATION_FACTOR = (1.0, 0.75, 0.55, 0.35)
#: Cumulative 12-month re-employment of the reference cell (25-44, upper secondary, the
#: area at its normal slack) the level is solved for.
TARGET_12M = 0.87
REFERENCE_AGES = ("25-34", "35-44")
#: Years spanned by each age band; the displaced move up a band at ``1 / (12 * years)`` a
#: month (ages spread evenly within a band); the last band does not age.
BAND_YEARS = (7, 10, 10, 10, 5, 5, 10)

#: name: (values by age band or level, log sd of the draw multiplier, source).
PARAMETERS: dict[str, tuple[tuple[float, ...], tuple[float, ...], str]] = {
    "reemployment_level_12m": (
        (TARGET_12M,),
        (0.20,),
        "OECD (2016) Back to Work: Finland: 87 % of displaced workers (1+ year tenure) "
        "re-employed within a year, among the highest in the OECD; sd covers plant-level "
        "variation (Perlos closure 2007, North Karelia: fast re-employment, Jolkkonen et al.)",
    ),
    "reemployment_by_age": (
        (1.0, 1.0, 0.95, 0.70, 0.35, 0.12, 0.05),
        (0.10, 0.10, 0.10, 0.15, 0.30, 0.40, 0.50),
        "OECD (2016): older displaced re-employed least; ETK (2016, Virtanen, Jolkkonen, "
        "Koistinen et al., closures/downsizings of 2005, 8-year follow-up): 46-55: 69 % "
        "employed most of the time; 56-60: under 25 % employed throughout",
    ),
    "reemployment_by_education": (
        (0.75, 1.0, 1.10, 1.15),
        (0.20, 0.0, 0.15, 0.15),
        "OECD (2016): low-educated displaced at highest risk of long unemployment; Perlos "
        "case: education not significant once occupation is held fixed (hence the wide sd)",
    ),
    "reemployment_by_sex": (
        (1.0, 1.0),
        (0.0, 0.10),
        "Perlos case: gender a predictor; 1990s closures (DOMAIN.md): men 1-5 % below after "
        "16 years, women recovered; no Finnish hazard ratio at hand, so 1 with sd 0.1",
    ),
    "retirement_by_age": (
        (0.0002, 0.0002, 0.0003, 0.0085, 0.0165, 0.0300, 0.1500),
        (0.30, 0.30, 0.30, 0.30, 0.30, 0.30, 0.30),
        "ETK (2016): 46-55: 9 % on disability pension within 8 years; 56-60: 32 % retired "
        "via unemployment, 25 % on old-age or part-time pension later (RETIREMENT_EVIDENCE); "
        "45-54 and 55-59 calibrated to those 96-month shares (benchmarks/displaced_curves.py): "
        "the hazard acts on the still unemployed only (the re-employed are not followed), so "
        "it also carries ETK's exits after re-employment and is higher than the cohort's "
        "~0.1 %/month; unemployment pathway (extended benefits to pension age, Kyyrä & Wilke "
        "2007); Huttunen, Møen & Salvanes (2011, Norway): displacement raises withdrawal of "
        "the old",
    ),
    "other_exit": (
        (0.004,),
        (0.0,),
        "assumption: out-migration and studies (the flow model's non-job exits are 3 %/month "
        "of all jobseekers, most of them to services, which the displaced reach as jobseekers)",
    ),
}

#: Share of each age band's displaced retired or early-retired 96 months after the layoff:
#: (ETK figure, low, high). ETK (2016; Virtanen, Jolkkonen, Koistinen et al.; closures and
#: >30 % downsizings of 2005, 8-year follow-up): 46-55 9 % on disability pension, 56-60 32 %
#: retired via unemployment. The band is an assumption: a single cohort, age bands one year
#: off ours and exit definitions narrower or wider than ours, taken as about a third of the
#: figure (45-54) and 6 percentage points (55-59). ``retirement_by_age`` is calibrated to it.
RETIREMENT_EVIDENCE: dict[str, tuple[float, float, float]] = {
    "45-54": (0.09, 0.06, 0.12),
    "55-59": (0.32, 0.26, 0.38),
}

#: Share of women among the employed by TOL section (assumption: rounded national figures
#: of Statistics Finland's employment statistics; the snapshot has no sex by industry).
WOMEN_SHARE: dict[str, float] = {
    "A": 0.30, "B": 0.15, "C": 0.27, "D": 0.25, "E": 0.20, "F": 0.08, "G": 0.48, "H": 0.20,
    "I": 0.68, "J": 0.30, "K": 0.58, "L": 0.50, "M": 0.45, "N": 0.45, "O": 0.55, "P": 0.70,
    "Q": 0.86, "R": 0.55, "S": 0.68, "T": 0.85, "U": 0.50, "X": 0.45,
}  # fmt: skip


@dataclass(frozen=True)
class AgeProfile:
    """Jobs (115p) by workplace municipality, age band and education level: (R, A, E)."""

    municipalities: tuple[str, ...]
    jobs: np.ndarray
    source: str


def age_profile(
    cubes: Mapping[str, xr.Dataset], municipalities: tuple[str, ...]
) -> AgeProfile | None:
    """The workplaces' jobs by age band and education (None without the cube)."""
    if "employment_by_age_education" not in cubes:
        return None
    cube = cubes["employment_by_age_education"]["jobs"]
    cube = cube.sel(time=cube["time"].values[-1])
    areas = set(cube["area"].values.tolist())
    fallback = "MK10" if "MK10" in areas else None
    pop = cubes["population"]["population"] if "population" in cubes else None
    out = np.zeros((len(municipalities), len(AGE_BANDS), len(EDUCATION)))
    used = []
    for r, m in enumerate(municipalities):
        code = m if m in areas else fallback
        used.append(code or "all")
        x = cube.sel(area=code) if code else cube.sum("area")
        x = x.sel(education_level=list(EDUCATION)).transpose("age_band", "education_level")
        band = {a: x.sel(age_band=a).values.astype(np.float64) for a in x["age_band"].values}
        share5559 = 0.5
        if pop is not None and m in pop["area"].values:
            p = pop.sel(area=m).isel(time=-1).sum("sex")
            a1 = float(p.sel(age=slice(55, 59)).sum())
            a2 = float(p.sel(age=slice(60, 64)).sum())
            share5559 = a1 / (a1 + a2) if a1 + a2 > 0 else 0.5
        old = band["55-64"]
        rows = [band["18-24"], band["25-34"], band["35-44"], band["45-54"],
                old * share5559, old * (1 - share5559), band["65-74"]]  # fmt: skip
        out[r] = np.nan_to_num(np.array(rows))
    return AgeProfile(
        tuple(municipalities),
        out,
        "tyokay 115p by age and education, "
        + f"{str(cube['time'].values)[:4]}; areas used: {','.join(used)}",
    )


def cell_profile(profile: AgeProfile, w: int, section: str) -> np.ndarray:
    """(A, S, E) shares of the displaced of workplace ``w`` in industry ``section``."""
    ae = profile.jobs[w]
    ae = ae / ae.sum()
    women = WOMEN_SHARE.get(section, 0.45)
    return np.stack([ae * (1 - women), ae * women], axis=1)


def _cells(values: tuple[float, ...], axis: int) -> np.ndarray:
    shape = [1, 1, 1]
    shape[axis] = len(values)
    return np.asarray(values, dtype=np.float64).reshape(shape)


def base_level(target: float = TARGET_12M) -> float:
    """Monthly hazard at duration 0 that re-employs ``target`` of a cohort in 12 months
    (with the duration factors, no other exits): solved by bisection."""
    f = np.array([DURATION_FACTOR[_band(m)] for m in range(12)])
    lo, hi = 0.0, 5.0
    for _ in range(80):
        h = 0.5 * (lo + hi)
        if 1.0 - np.exp(-h * f.sum()) < target:
            lo = h
        else:
            hi = h
    return 0.5 * (lo + hi)


def _band(m: int) -> int:
    return 0 if m < 3 else 1 if m < 6 else 2 if m < 12 else 3


def slack_factor(
    base_vacancies: np.ndarray, base_unemployed: np.ndarray, registers: xr.Dataset, alpha: float
) -> np.ndarray:
    """(T,) ``(theta_t / theta_ref)^(1 - alpha)``, bounded to [0.5, 2]: ``theta`` the area's
    vacancies per unemployed in the baseline, ``theta_ref`` its mean over the registers'
    months 2006-2019 (the period of the evidence); 1 without them."""
    u = registers["unemployed"].sel(time=slice("2006", "2019")).sum("area", min_count=1)
    v = registers["vacancies"].sel(time=slice("2006", "2019")).sum("area", min_count=1)
    ok = np.isfinite(u.values) & np.isfinite(v.values) & (u.values > 0)
    if not ok.any():
        return np.ones(base_vacancies.shape[0])
    ref = float(np.mean(v.values[ok] / u.values[ok]))
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = base_vacancies / np.maximum(base_unemployed, 1.0)
    return np.clip((theta / ref) ** (1.0 - alpha), 0.5, 2.0)


def hazards(profile: np.ndarray, slack: np.ndarray, draws: int, seed: int) -> dm.DisplacedHazards:
    """The kernel's hazards for cell shares ``profile`` (A, S, E) and slack (T,); draw
    multipliers from :data:`PARAMETERS`' log sds (``numpy`` Generator ``[seed, 0xD16]``)."""
    A, S, E = len(AGE_BANDS), len(SEXES), len(EDUCATION)
    T = slack.size
    age, age_sd, _ = PARAMETERS["reemployment_by_age"]
    edu, edu_sd, _ = PARAMETERS["reemployment_by_education"]
    sex, sex_sd, _ = PARAMETERS["reemployment_by_sex"]
    ret, ret_sd, _ = PARAMETERS["retirement_by_age"]
    level_sd = PARAMETERS["reemployment_level_12m"][1][0]
    rel = _cells(age, 0) * _cells(sex, 1) * _cells(edu, 2)  # (A, S, E)
    # The reference cell (25-44, upper secondary) has relative hazard 1 by construction.
    h0 = base_level()
    h_re = (h0 * slack)[:, None] * rel.reshape(1, -1)
    h_ret = np.broadcast_to(_cells(ret, 0), (A, S, E)).reshape(-1)
    rng = np.random.default_rng([int(seed), 0xD16])
    z_level = rng.standard_normal((draws, 1, 1, 1)) * level_sd
    z_age = rng.standard_normal((draws, A, 1, 1)) * np.asarray(age_sd)[None, :, None, None]
    z_sex = rng.standard_normal((draws, 1, S, 1)) * np.asarray(sex_sd)[None, None, :, None]
    z_edu = rng.standard_normal((draws, 1, 1, E)) * np.asarray(edu_sd)[None, None, None, :]
    z_ret = rng.standard_normal((draws, A, 1, 1)) * np.asarray(ret_sd)[None, :, None, None]
    lre = np.broadcast_to(z_level + z_age + z_sex + z_edu, (draws, A, S, E)).reshape(draws, -1)
    lret = np.broadcast_to(z_ret, (draws, A, S, E)).reshape(draws, -1)
    dur = np.array([DURATION_FACTOR[_band(m)] for m in range(T)])
    up = np.array([1.0 / (12.0 * y) for y in BAND_YEARS[:-1]] + [0.0])
    return dm.DisplacedHazards(
        profile=profile.reshape(-1) / profile.sum(), h_re=np.ascontiguousarray(h_re),
        dur=dur, h_ret=np.ascontiguousarray(h_ret), h_oth=PARAMETERS["other_exit"][0][0],
        lre=np.ascontiguousarray(lre), lret=np.ascontiguousarray(lret),
        age_up=np.repeat(up, S * E), age_step=S * E,
    )  # fmt: skip


def cohort_inflow(res: lf.SimulationResult) -> np.ndarray:
    """(B, T) newly displaced residents per draw and month (the kernel's cohort entries)."""
    size = res.cohort[..., lf.COHORT_SIZE].astype(np.int64)
    return np.diff(size, axis=1, prepend=0)
