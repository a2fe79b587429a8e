"""Register forecasts by occupation group, with a vacancies-per-unemployed tightness label.

The same engine, calibration and reconciliation as :mod:`forecasting.registers` (the total
over 2-digit Ammattiluokitus 2010 groups), on the snapshot's ``occupations`` cube (Etelä-Savo
``MK10`` or the whole country ``SSS``). Re-exported by :mod:`forecasting.registers`, where
the release and the CLI look these names up.

The occupation data can end long before the registers (2023-10 against 2026-06);
:func:`occupations_from_totals` forecasts from the present instead: the groups' latest shares
times the area's register forecast (docs/methods/registers.md, "Occupation groups from the
present"). The release uses it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from forecasting.contract import validate
from forecasting.errors import ValidationError
from forecasting.provenance import combine_versions, method_note_attrs, stamp
from forecasting.register_groups import scale_interval
from forecasting.registers import (
    MODEL_LABEL,
    N_SAMPLES,
    STATISTICS,
    SUPPRESSED_VALUE,
    VARIABLES,
    Hierarchy,
    aggregate,
    check_request,
    forecast_variable,
    one_blas_thread,
)
from forecasting.tightness import MIN_VOLUME as MIN_VOLUME
from forecasting.tightness import SHORTAGE_AT as SHORTAGE_AT
from forecasting.tightness import SURPLUS_BELOW as SURPLUS_BELOW
from forecasting.tightness import tightness_labels as tightness_labels


def occupation_group(code: str) -> str | None:
    """2-digit group of an Ammattiluokitus 2010 code (``"5321"`` -> ``"53"``); KEHA's
    unknown-occupation codes ``X...`` -> ``"X"``; the total ``"SSS"`` -> ``None``."""
    if code[:1].isdigit():
        return code[:2]
    if code.startswith("X"):
        return "X"
    return None


def occupation_hierarchy(codes: list[str]) -> Hierarchy:
    """Total (``"SSS"``) over the 2-digit groups present in ``codes``."""
    groups = sorted({g for g in map(occupation_group, codes) if g is not None})
    rows = ("SSS", *groups)
    S = np.vstack([np.ones(len(groups)), np.eye(len(groups))])
    levels = ("total", *["group"] * len(groups))
    return Hierarchy(rows, tuple(groups), S, levels, np.zeros(len(rows), np.int64), 0, "group")


def occupations_panel(ds: xr.Dataset, variable: str, hier: Hierarchy, end: int) -> np.ndarray:
    """Group sums ``(len(hier.rows), end)`` of the occupation codes (suppressed cells = 2.5)."""
    da = ds[variable].transpose("occupation", "time")
    values = da.values[:, :end]
    values = np.where(np.isfinite(values), values, SUPPRESSED_VALUE)
    labels = [occupation_group(str(c)) for c in da["occupation"].values]
    pos = {g: j for j, g in enumerate(hier.bottom)}
    bottom = np.zeros((len(hier.bottom), end))
    for row, label in zip(values, labels, strict=True):
        if label is not None:
            bottom[pos[label]] += row
    return aggregate(hier.S, bottom)


def _with_tightness(
    data: dict[str, tuple[tuple[str, ...], np.ndarray]],
    points: dict[str, np.ndarray],
    area: str,
    rows: list[str],
    months: pd.DatetimeIndex,
) -> xr.Dataset:
    """The occupations dataset of one area from the variables' statistics ``data`` and
    point forecasts ``points``, with the tightness (vacancies per unemployed) and its label."""
    ratio = points["vacancies"] / np.maximum(points["unemployed"], 1.0)
    data["tightness"] = (("area", "occupation", "time"), ratio[None])
    labels = tightness_labels(points["vacancies"], points["unemployed"])
    data["tightness_label"] = (("area", "occupation"), labels[None])
    coords = {"area": [area], "occupation": rows, "time": months, "statistic": list(STATISTICS)}
    out = xr.Dataset(data, coords=coords)
    out["tightness"].attrs.update(
        units="vacancies per unemployed jobseeker",
        long_name="labour-market tightness (open vacancies / unemployed)",
    )
    return out


def forecast_occupations(
    occupations: xr.Dataset,
    origin: str,
    horizon: int,
    area: str = "MK10",
    *,
    n_samples: int = N_SAMPLES,
    seed: int | None = None,
) -> xr.Dataset:
    """Unemployed and vacancies by 2-digit occupation group, with a tightness indicator.

    Same engine, calibration and reconciliation (total over groups) as
    :func:`forecast_registers`, on the ``occupations`` cube (Etelä-Savo ``MK10`` or the
    whole country ``SSS``). ``tightness`` is forecast vacancies per forecast unemployed
    jobseeker per month (``occupations`` is the ``occupations`` cube, dims ``area,
    occupation, time``); ``tightness_label`` summarises the horizon (``shortage`` at 1 or
    more, ``surplus`` below 0.2, ``balanced`` between, ``too small`` for tiny groups).

    Returns
    -------
    xr.Dataset
        ``unemployed``, ``vacancies`` ``(area, occupation, time, statistic)``; ``tightness``
        ``(area, occupation, time)``; ``tightness_label`` ``(area, occupation)``.
    """
    with one_blas_thread():
        return _forecast_occupations(
            occupations, origin, horizon, area, n_samples=n_samples, seed=seed
        )


def _forecast_occupations(
    cube: xr.Dataset, origin: str, horizon: int, area: str, *, n_samples: int, seed: int | None
) -> xr.Dataset:
    from forecasting.settings import get_settings

    dims = {v: ("area", "occupation", "time") for v in VARIABLES}
    cube = validate(cube, name="occupations", dims=dims, counts=VARIABLES)
    times = pd.DatetimeIndex(cube["time"].values)
    month, _ = check_request(origin, horizon, "national", "SSS", times)
    if area not in set(map(str, cube["area"].values)):
        raise ValidationError("area", f"occupations are published for MK10 and SSS, not {area!r}")
    sub = cube.sel(area=area)
    end = int(times.get_loc(month)) + 1
    hier = occupation_hierarchy([str(c) for c in sub["occupation"].values])
    seed = get_settings().release.seed if seed is None else int(seed)
    streams = np.random.SeedSequence(seed).spawn(len(VARIABLES))
    data: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    points: dict[str, np.ndarray] = {}
    for variable, stream in zip(VARIABLES, streams, strict=True):
        Y = occupations_panel(sub, variable, hier, end)
        fc = forecast_variable(
            Y, hier, hier.rows, horizon, rng=np.random.default_rng(stream), n_samples=n_samples
        )
        stats = np.stack([fc.point, *(fc.bounds[k] for k in STATISTICS[1:])], axis=-1)
        data[variable] = (("area", "occupation", "time", "statistic"), stats[None])
        points[variable] = fc.point
    months = pd.date_range(month, periods=horizon + 1, freq="MS")[1:]
    out = _with_tightness(data, points, area, list(hier.rows), months)
    return stamp(
        out,
        source_tables=[cube.attrs["source_tables"]],
        retrieved=cube.attrs["retrieved"],
        data_version=combine_versions(
            [cube.attrs["data_version"], f"origin={origin}", f"h={horizon}"]
        ),
        seed=seed,
        extra={
            "model": MODEL_LABEL,
            "origin": f"{month:%Y-%m}",
            "occupation_groups": "Ammattiluokitus 2010, 2 digits; X = unknown; SSS = total",
            "tightness_thresholds": f"shortage >= {SHORTAGE_AT}, surplus < {SURPLUS_BELOW}",
        },
    )


# -- occupations from the present: shares of the area's register forecast --------------------
#: Months of the occupation data the calendar-month pattern of a share is read from.
SEASON_MONTHS = 36
#: Fewest historical pairs ``(t, t + k)`` behind a share's spread at ``k`` months; longer
#: steps extend the spread of the longest step with enough pairs by ``sqrt(k / k_max)``.
MIN_PAIRS = 24
#: Count a group is floored at before taking logs (suppressed cells are 2.5).
SHARE_FLOOR = 0.5
#: Last months of the occupation data whose deseasonalised log shares set a share's level:
#: the last month for the unemployed; six for the vacancies, whose monthly counts are small
#: and volatile (docs/results/occupation_shares.md: mean absolute log-share error 33..60
#: months ahead 0.49 with six months against 0.54 with one, large groups of Etelä-Savo).
LEVEL_MONTHS = {"unemployed": 1, "vacancies": 6}
SHARES_METHOD = (
    "occupation group = share x the area's register forecast (unemployed; vacancies); "
    "share = the group's share of the area total in the occupation data's last month "
    "(unemployed) or the mean of its last six months (vacancies), deseasonalised and "
    "carried across the gap to the forecast months with its calendar-month pattern (mean "
    f"log-share deviation of each calendar month over the last {SEASON_MONTHS} months), "
    "normalised so the groups sum to the area total; share spread at k months after the "
    "share month = root mean square of the deseasonalised log-share change over k months in "
    "the group's whole history (non-decreasing in k), added in quadrature to the total's "
    "log-scale interval half-widths"
)


def share_paths(
    panel: np.ndarray, months: np.ndarray, steps: np.ndarray, level_months: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Share paths of the groups and the spread of their log shares, ``steps`` months ahead.

    Parameters
    ----------
    panel
        ``(n, T)`` counts of the ``n`` groups (bottom level; their sum is the total), the last
        column the latest month with occupation data (the *share month*).
    months
        ``(T,)`` calendar months (1..12) of the columns.
    steps
        ``(h,)`` months after the share month to forecast (each at least 1).
    level_months
        Last months whose deseasonalised log shares are averaged into ``level``.

    Returns
    -------
    share
        ``(n, h)``, each column summing to 1: ``exp(level + dev[month])`` normalised over
        groups, ``level`` the mean of the last ``level_months`` log shares less their
        calendar months' deviations,
        ``dev`` each calendar month's mean log share (last :data:`SEASON_MONTHS` months) less
        the mean over calendar months.
    sigma
        ``(n, h)`` log-share spread: the root mean square of ``adj[t + k] - adj[t]`` over the
        history (``adj`` the deseasonalised log share), made non-decreasing in ``k``; steps
        with fewer than :data:`MIN_PAIRS` pairs extend the longest usable one by
        ``sqrt(k / k_max)``.
    """
    counts = np.asarray(panel, dtype=float)
    months = np.asarray(months, dtype=np.int64)
    steps = np.asarray(steps, dtype=np.int64)
    n, T = counts.shape
    total = np.maximum(counts.sum(axis=0), 1.0)
    log_s = np.log(np.maximum(counts, SHARE_FLOOR) / total)
    recent = slice(max(T - SEASON_MONTHS, 0), T)
    season = np.full((n, 12), np.nan)
    for m in range(1, 13):
        hit = months[recent] == m
        if hit.any():
            season[:, m - 1] = log_s[:, recent][:, hit].mean(axis=1)
    dev = np.nan_to_num(season - np.nanmean(season, axis=1, keepdims=True), nan=0.0)
    adjusted = log_s - dev[:, months - 1]
    ahead = (months[-1] - 1 + steps) % 12
    level = adjusted[:, -level_months:].mean(axis=1)
    raw = np.exp(level[:, None] + dev[:, ahead])
    share = raw / raw.sum(axis=0, keepdims=True)
    k_max = max(1, min(int(steps.max()), T - MIN_PAIRS))
    rms = np.zeros((n, k_max + 1))
    for k in range(1, k_max + 1):
        change = adjusted[:, k:] - adjusted[:, :-k]
        rms[:, k] = np.sqrt(np.mean(change**2, axis=1))
    rms = np.maximum.accumulate(rms, axis=1)
    capped = np.minimum(steps, k_max)
    sigma = rms[:, capped] * np.sqrt(np.maximum(steps / capped, 1.0))[None, :]
    return share, sigma


def occupations_from_totals(
    occupations: xr.Dataset, totals: xr.Dataset, area: str = "MK10"
) -> xr.Dataset:
    """Unemployed and vacancies by occupation group over the months of ``totals``: shares
    of the occupation data's last month times the area's register forecast.

    The occupation data (``occupations`` cube, dims ``area, occupation, time``) may end long
    before the registers (2023-10 against 2026-06 in snapshot v2); the groups' shares of the
    area's unemployed and vacancies are carried from the occupation data's last month to the
    forecast months (:func:`share_paths`) and scaled to ``totals``, the release's register
    forecast (``unemployed``, ``vacancies`` ``(area, time, statistic)`` with the statistics of
    :data:`~forecasting.registers.STATISTICS`), so the groups' means sum to the area's
    forecast and the first month is the one after the registers' latest. The total row
    ``SSS`` is the area's register forecast itself. Intervals: see :data:`SHARES_METHOD`.

    Returns
    -------
    xr.Dataset
        The layout of :func:`forecast_occupations`, with the attrs ``shares_data_through``
        (the share month, ``YYYY-MM``), ``level_data_through`` (the registers' latest month,
        the forecast's ``origin``) and the method notes (:func:`method_notes`).
    """
    dims = {v: ("area", "occupation", "time") for v in VARIABLES}
    cube = validate(occupations, name="occupations", dims=dims, counts=VARIABLES)
    if area not in set(map(str, cube["area"].values)):
        raise ValidationError("area", f"occupations are published for MK10 and SSS, not {area!r}")
    if area not in set(map(str, totals["area"].values)):
        raise ValidationError("totals", f"the register forecast has no area {area!r}")
    sub = cube.sel(area=area)
    times = pd.DatetimeIndex(sub["time"].values)
    months = pd.DatetimeIndex(totals["time"].values)
    share_month = times[-1]
    if len(months) == 0 or months[0] <= share_month:
        raise ValidationError("totals", "the register forecast must start after the share month")
    steps = np.array(
        [(m.year - share_month.year) * 12 + m.month - share_month.month for m in months]
    )
    hier = occupation_hierarchy([str(c) for c in sub["occupation"].values])
    data: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    points: dict[str, np.ndarray] = {}
    for variable in VARIABLES:
        panel = occupations_panel(sub, variable, hier, len(times))[1:]  # the groups
        share, sigma = share_paths(
            panel, times.month.to_numpy(), steps, LEVEL_MONTHS.get(variable, 1)
        )
        picked = totals[variable].sel(area=area, statistic=list(STATISTICS))
        total = picked.transpose("time", "statistic").values[None]
        groups = scale_interval(np.repeat(total, len(hier.bottom), axis=0), share, sigma)
        stats = np.concatenate([total, groups], axis=0)
        data[variable] = (("area", "occupation", "time", "statistic"), stats[None])
        points[variable] = stats[..., 0]
    out = _with_tightness(data, points, area, list(hier.rows), months)
    origin = str(totals.attrs.get("origin") or f"{months[0] - pd.offsets.MonthBegin(1):%Y-%m}")
    shares_through = f"{share_month:%Y-%m}"
    tables = [str(cube.attrs["source_tables"]), str(totals.attrs.get("source_tables", ""))]
    return stamp(
        out,
        source_tables=[t for t in tables if t],
        retrieved=cube.attrs["retrieved"],
        data_version=combine_versions(
            [
                cube.attrs["data_version"],
                str(totals.attrs.get("data_version", "")),
                f"shares={shares_through}",
                f"origin={origin}",
            ]
        ),
        seed=totals.attrs.get("seed"),
        extra={
            "model": " ".join(
                ["occupation shares x register forecast", str(totals.attrs.get("model", ""))]
            ).strip(),
            "origin": origin,
            "shares_data_through": shares_through,
            "level_data_through": origin,
            "share_method": SHARES_METHOD,
            **method_notes(shares_through, origin),
            "occupation_groups": "Ammattiluokitus 2010, 2 digits; X = unknown; SSS = total",
            "tightness_thresholds": f"shortage >= {SHORTAGE_AT}, surplus < {SURPLUS_BELOW}",
        },
    )


#: The method for readers in each language (fi, sv, en): the same facts in each, the months
#: written as the pages write them, 10/2023, in every language (the attrs keep YYYY-MM).
METHOD_NOTES: dict[str, str] = {
    "en": (
        "Occupation groups' shares of the area's unemployed and vacancies up to {shares} (the "
        "latest occupation data), times the register forecast from {origin} (the latest "
        "register data); intervals include the shares' historical variation."
    ),
    "fi": (
        "Ammattiryhmien osuudet alueen työttömistä työnhakijoista ja avoimista työpaikoista "
        "kuukauteen {shares} asti (viimeisimmät ammattitiedot) kerrottuina "
        "työnvälitystilaston ennusteella, jonka lähtökohta on {origin} (viimeisimmät "
        "rekisteritiedot); välit sisältävät osuuksien historiallisen vaihtelun."
    ),
    "sv": (
        "Yrkesgruppernas andelar av områdets arbetslösa arbetssökande och lediga platser till "
        "och med {shares} (de senaste yrkesuppgifterna) gånger arbetsförmedlingsstatistikens "
        "prognos från {origin} (de senaste registeruppgifterna); intervallen inkluderar "
        "andelarnas historiska variation."
    ),
}


def method_notes(shares_through: str, origin: str) -> dict[str, str]:
    """``method_note_<lang>`` for fi, sv and en, and ``method_note`` (English), naming the
    share month and the forecast's origin (``YYYY-MM``) as ``M/YYYY``: an English page wrote
    "up to 2023-10" in its note under a table and a caption that wrote 10/2023."""

    def month(value: str) -> str:
        year, _, mon = value.partition("-")
        return f"{int(mon)}/{year}" if mon.isdigit() else value

    return method_note_attrs(
        {
            lang: note.format(shares=month(shares_through), origin=month(origin))
            for lang, note in METHOD_NOTES.items()
        }
    )
