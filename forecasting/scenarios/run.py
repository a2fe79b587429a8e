"""Run scenarios: spec -> calibrated baseline -> events -> Monte Carlo -> labelled quantiles.

>>> from forecasting.scenarios import run_scenario                      # doctest: +SKIP
>>> cubes = forecasting.io.inputs.assemble(STRUCTURE_CUBES)            # doctest: +SKIP
>>> ds = run_scenario({"events": [{"kind": "closure", "municipality": "507",
...     "industry": "C", "jobs": 300, "start": "2025-03"}]}, cubes, draws=1000, seed=1)
>>> ds["unemployed"].sel(area="507", quantile=0.5)                     # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pydantic
import xarray as xr
from pydantic import BaseModel

from forecasting import geography
from forecasting.contract import canonical_order
from forecasting.errors import ValidationError
from forecasting.io.files import read_json, read_toml, write_csv, write_netcdf
from forecasting.provenance import combine_versions, method_note_attrs, stamp
from forecasting.scenarios import cache, outputs, recruitment, staffing
from forecasting.scenarios import displaced as dp
from forecasting.scenarios.baseline import (
    BURN_IN,
    Baseline,
    Calibration,
    calibrate,
    latest_observed,
)
from forecasting.scenarios.events import check_events, compile_events, scale_path
from forecasting.scenarios.multipliers import CONFIG_PATH, load_multipliers
from forecasting.scenarios.spec import ScenarioSpec
from forecasting.settings import get_settings
from models import labourflow as lf

FORMATS = ("netcdf", "csv")


def as_spec(spec: ScenarioSpec | BaseModel | Mapping[str, Any]) -> ScenarioSpec:
    """A :class:`ScenarioSpec` from itself, a dict or another pydantic model (e.g. the API's).

    Fields that are ``None`` in a foreign model take this spec's defaults. A malformed spec
    raises :class:`forecasting.errors.ValidationError` naming the first bad field (e.g.
    ``events[0].jobs``) with its reason, then every other field with its reason.
    """
    if isinstance(spec, ScenarioSpec):
        return spec
    data = spec.model_dump(mode="json") if isinstance(spec, BaseModel) else dict(spec)
    data = {k: v for k, v in data.items() if v is not None}
    try:
        return ScenarioSpec.model_validate(data)
    except pydantic.ValidationError as exc:
        errors = exc.errors()
        # One refusal of a kind (an unknown municipality code) keeps its kind and values.
        cause = (errors[0].get("ctx") or {}).get("error") if len(errors) == 1 else None
        # the first field is the refusal's own; the others are named beside their reasons
        reasons = [_message(errors[0])]
        reasons += [f"{_field(e['loc'])}: {_message(e)}" for e in errors[1:]]
        raise ValidationError(
            _field(errors[0]["loc"]),
            "; ".join(reasons),
            kind=getattr(cause, "kind", None),
            values=getattr(cause, "values", None),
        ) from exc


def _message(error: Mapping[str, Any]) -> str:
    """A pydantic error's reason without the "Value error, " pydantic puts before a
    validator's own words."""
    return str(error["msg"]).removeprefix("Value error, ")


def _field(loc: tuple[int | str, ...]) -> str:
    """``("events", 0, "jobs")`` -> ``"events[0].jobs"``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "spec"


def first_month(spec: ScenarioSpec, registers: xr.Dataset) -> pd.Timestamp:
    """The first simulated month: ``start``, else the first event's month, else the month
    after the latest observation of ``registers`` (the present: 2026-07 from the 2026-06
    registers, even though the cube's complete history ends before a gap)."""
    if spec.start is not None:
        return pd.Timestamp(spec.start)
    if spec.events:
        return pd.Timestamp(min(e.start for e in spec.events))
    return latest_observed(registers) + pd.DateOffset(months=1)


def _check_window(first: pd.Timestamp, registers: xr.Dataset) -> None:
    """The first simulated month lies between the baseline's burn-in after the first
    observation and ``scenario.max_horizon_months`` after the last one: the baseline carries
    the last observed state forward, and a scenario decades ahead (``2099-01``) would read
    as a forecast it is not."""
    earliest = pd.Timestamp(registers["time"].values[0])
    earliest += pd.DateOffset(months=BURN_IN + 1)
    if first < earliest:
        raise ValidationError(
            "start",
            f"{first:%Y-%m} is too early: the baseline needs {BURN_IN} observed months before "
            f"the start, the first possible start is {earliest:%Y-%m}",
            kind="start_too_early",
            values={"start": f"{first:%Y-%m}", "burn": BURN_IN, "earliest": f"{earliest:%Y-%m}"},
        )
    ahead = get_settings().scenario.max_horizon_months
    last = latest_observed(registers)
    latest = last + pd.DateOffset(months=ahead)
    if first > latest:
        raise ValidationError(
            "start",
            f"{first:%Y-%m} is too late: the baseline runs on from the last observed month "
            f"{last:%Y-%m}, at most {ahead} months ahead; the last possible start is "
            f"{latest:%Y-%m}",
            kind="start_too_late",
            values={
                "start": f"{first:%Y-%m}",
                "last": f"{last:%Y-%m}",
                "ahead": ahead,
                "latest": f"{latest:%Y-%m}",
            },
        )


def _resolve_draws_seed(spec: ScenarioSpec, draws: int | None, seed: int | None) -> tuple[int, int]:
    settings = get_settings()
    n = draws if draws is not None else spec.draws
    n = settings.scenario.default_draws if n is None else int(n)
    if not 1 <= n <= settings.scenario.max_draws:
        raise ValidationError(
            "draws",
            f"{n} draws is outside 1..{settings.scenario.max_draws} (the configured cap)",
            kind="draws_over_cap",
            values={"n": n, "max": settings.scenario.max_draws},
        )
    cells = len(geography.members(spec.area)) * spec.horizon_months
    cap = settings.scenario.max_draw_municipality_months
    if n * cells > cap:
        raise ValidationError(
            "draws",
            f"{n} draws x {cells // spec.horizon_months} municipalities x "
            f"{spec.horizon_months} months is over the memory cap of {cap:,} simulated "
            f"municipality-months; use at most {cap // cells} draws for {spec.area} and this "
            "horizon",
            kind="draws_over_memory",
            values={"n": n, "max": cap // cells, "area": spec.area},
        )
    s = seed if seed is not None else spec.seed
    s = settings.release.seed if s is None else int(s)
    if s < 0:
        raise ValidationError("seed", "must be a non-negative integer")
    return n, s


def _check_baseline(
    spec: ScenarioSpec, first: pd.Timestamp, registers: xr.Dataset, baseline: xr.Dataset | None
) -> None:
    """A ``register_forecast`` spec simulating months after the last observation needs the
    register forecasts (``baseline``): refused clearly, never a silent persistence baseline."""
    if baseline is not None or spec.baseline_source != "register_forecast":
        return
    last = latest_observed(registers)
    end = first + pd.DateOffset(months=spec.horizon_months - 1)
    if end > last:
        raise ValidationError(
            "baseline_source",
            "register_forecast needs the release's register_forecasts (passed as baseline) "
            f"for the months after {last:%Y-%m}; none were given",
        )


def scenario_calibration(
    spec: ScenarioSpec, cubes: Mapping[str, xr.Dataset], calibration: Calibration | None
) -> Calibration:
    """``calibration`` when it is of the spec's area, else one built from ``cubes``."""
    if calibration is not None:
        if calibration.area != spec.area:
            raise ValidationError(
                "area", f"the calibration is of {calibration.area}, the spec of {spec.area}"
            )
        return calibration
    return calibrate(cubes, spec.area)


def area_slack(base: Baseline, registers: xr.Dataset) -> np.ndarray:
    """(T,) the area's slack factor in the baseline (:func:`displaced.slack_factor`)."""
    v = base.expected_vacancies.sum(axis=1)
    u = base.expected_unemployed.sum(axis=1)
    return dp.slack_factor(v, u, registers, base.params.alpha)


def _slack(base: Baseline, cal: Calibration) -> np.ndarray:
    """:func:`area_slack` of a built baseline of ``cal`` (kept with it: the same for every
    run of its window, :func:`cache.derived`)."""
    return cache.derived(base, "area_slack", lambda b: area_slack(b, cal.registers))


def simulate_spec(
    spec: ScenarioSpec,
    cubes: Mapping[str, xr.Dataset],
    *,
    draws: int,
    seed: int,
    baseline: xr.Dataset | None = None,
    calibration: Calibration | None = None,
) -> tuple[Baseline, Any, lf.SimulationResult, lf.SimulationResult | None]:
    """Calibrate (unless ``calibration`` is given), compile the events and run the draws
    (scenario and, if asked, baseline)."""
    cal = scenario_calibration(spec, cubes, calibration)
    first = first_month(spec, cal.registers)
    _check_window(first, cal.registers)
    _check_baseline(spec, first, cal.registers, baseline)
    # The same calibration, window and targets give the same baseline: built once (cache.py).
    base = cache.built_baseline(cal, first, spec.horizon_months, baseline=baseline)
    check_events(spec, base.structure, base.months)
    compiled = compile_events(
        spec, base.structure, base.months, load_multipliers(), links=cal.links
    )
    path = scale_path(base.path, base.structure, compiled.job_change)
    # Recruitments draw more in-commuters and in-migrants where the market is tight.
    resp = recruitment.response(spec, base, _slack(base, cal))
    params = dataclasses.replace(base.params, q_out=resp.q_out)
    res = lf.simulate(params, path, base.init, compiled.schedule, draws=draws, seed=seed)
    ref = None
    if spec.compare_baseline:
        # The no-event run depends on the baseline, draws and seed only: cached (cache.py).
        ref = (
            cache.simulate_baseline(base, area=spec.area, draws=draws, seed=seed)
            if spec.events
            else res
        )
    return base, compiled, res, ref


def warm_baseline(
    spec: ScenarioSpec | BaseModel | Mapping[str, Any],
    calibration: Calibration,
    *,
    months_after: int = 0,
    baseline: xr.Dataset | None = None,
) -> str:
    """Fill the baseline caches (:mod:`forecasting.scenarios.cache`) with the no-event run
    a scenario of ``spec``'s area, draws, seed, horizon and ``baseline`` targets needs.

    The window starts ``months_after`` months after the spec's first month (without
    ``start`` or events: the month after the latest observation, the present): a later
    scenario run whose first event starts then reuses the built baseline and its run
    instead of paying for them. Returns the window's first month (``"YYYY-MM"``).

    Raises
    ------
    forecasting.errors.ValidationError
        As :func:`run_scenario` for the same spec (draws over the caps, a window too early,
        a ``register_forecast`` spec without targets).
    """
    spec = as_spec(spec)
    n, s = _resolve_draws_seed(spec, None, None)
    cal = scenario_calibration(spec, {}, calibration)
    first = first_month(spec, cal.registers) + pd.DateOffset(months=int(months_after))
    _check_window(first, cal.registers)
    _check_baseline(spec, first, cal.registers, baseline)
    base = cache.built_baseline(cal, first, spec.horizon_months, baseline=baseline)
    cache.simulate_baseline(base, area=spec.area, draws=n, seed=s)
    return f"{first:%Y-%m}"


def run_scenario(
    spec: ScenarioSpec | BaseModel | Mapping[str, Any],
    cubes: Mapping[str, xr.Dataset] | None = None,
    *,
    draws: int | None = None,
    seed: int | None = None,
    baseline: xr.Dataset | None = None,
    calibration: Calibration | None = None,
) -> xr.Dataset:
    """Run one scenario and return quantiles over draws by municipality and month.

    Parameters
    ----------
    spec
        A :class:`ScenarioSpec`, a dict of its fields or another pydantic model with them.
    cubes
        Input cubes by name (:data:`forecasting.scenarios.calibration.STRUCTURE_CUBES`,
        e.g. an :class:`forecasting.io.inputs.Inputs`); may be None when ``calibration``
        (of the spec's area, from :func:`forecasting.scenarios.baseline.calibrate`) is given.
    draws, seed
        Override the spec's (defaults: ``scenario.default_draws`` and ``release.seed``).
    baseline
        Register forecasts (``unemployed``, ``vacancies``, ``labour_force`` by ``area`` and
        ``time``, a ``statistic`` dim whose mean is used) as the baseline's targets after
        the last observation; without them the last observed year is repeated, except for a
        spec with ``baseline_source="register_forecast"``, which is then refused.
    calibration
        The area's calibration, built once by the caller (a release, the service) and
        reused across runs; built from ``cubes`` when absent.

    Raises
    ------
    forecasting.errors.ValidationError
        With the field and the reason: a malformed spec (unknown municipality or industry,
        negative counts, horizon or draws over the caps), or one the data contradict (a
        municipality outside the area, more jobs removed than exist, an event outside the
        simulated window). A :class:`ScenarioSpec` built directly raises pydantic's error.
    """
    spec = as_spec(spec)
    n, s = _resolve_draws_seed(spec, draws, seed)
    if cubes is None and calibration is None:
        raise ValidationError("cubes", "run_scenario needs the input cubes or a calibration")
    cal = scenario_calibration(spec, cubes or {}, calibration)
    base, compiled, res, ref = simulate_spec(
        spec, cubes or {}, draws=n, seed=s, baseline=baseline, calibration=cal
    )
    ds = outputs.assemble(
        spec,
        base,
        compiled,
        res,
        ref,
        seed=s,
        profile=cal.age_profile,
        registers=cal.registers,
        slack=_slack(base, cal),
    )
    return _stamp(
        outputs.with_units(ds), spec, base, n, s, cal.registers.attrs.get("retrieved", "")
    )


def _stamp(
    ds: xr.Dataset, spec: ScenarioSpec, base: Baseline, draws: int, seed: int, retrieved: str
) -> xr.Dataset:
    spec_json = spec.model_dump_json()
    config = json.dumps([read_toml(CONFIG_PATH), read_toml(staffing.CONFIG_PATH)], sort_keys=True)
    version = combine_versions([base.structure.data_version, spec_json, config])
    p = base.params
    return stamp(
        ds,
        source_tables=base.structure.source_tables,
        retrieved=retrieved,
        data_version=version,
        seed=seed,
        extra={
            "title": f"Scenario {spec.name}",
            "scenario_spec": spec_json,
            "draws": draws,
            "time_convention": "month start; stocks at the end of the month",
            "quantile_method": "linear interpolation over draws",
            "model": (
                f"labour-flow Monte Carlo (models.labourflow); matching elasticity "
                f"{p.alpha:.3f}, efficiency {_efficiency(p.match_A)}, cap {p.cap:.2f}"
            ),
            "long_term_anchor": base.anchor,
            **_method_attrs(base),
            **method_note_attrs(method_notes(draws, base.method)),
        },
    )


def _method_attrs(base: Baseline) -> dict[str, str]:
    """``baseline_method`` (English) and ``baseline_method_fi`` / ``_sv``: where the
    baseline's targets come from (:func:`forecasting.scenarios.baseline.describe_targets`)."""
    out = {"baseline_method": base.method["en"]} if "en" in base.method else {}
    return out | {f"baseline_method_{k}": v for k, v in base.method.items() if k != "en"}


#: The method of a scenario's results in words: fi, sv, en; ``{draws}`` is the number of
#: draws, and the baseline's own sentence (:func:`_method_attrs`) follows.
METHOD_NOTES = {
    "fi": "Skenaarion tapahtumien vaikutus simuloitu työmarkkinavirtojen Monte Carlo "
    "-mallilla; luvut ovat simulointikierrosten kvantiileja (n = {draws}). Ks. "
    "docs/methods/scenarios.md.",
    "sv": "Effekten av scenariots händelser simulerad med en Monte Carlo-modell för "
    "arbetsmarknadsflöden; talen är kvantiler över simuleringsomgångarna (n = {draws}). Se "
    "docs/methods/scenarios.md.",
    "en": "The effect of the scenario's events simulated with a labour-flow Monte Carlo "
    "model; figures are quantiles over the draws (n = {draws}). See "
    "docs/methods/scenarios.md.",
}


def method_notes(draws: int, baseline: Mapping[str, str]) -> dict[str, str]:
    """The results' method note per language (:data:`METHOD_NOTES`), the baseline's sentence
    in that language (``baseline``: language -> sentence) after it."""
    notes = {}
    for lang, text in METHOD_NOTES.items():
        after = baseline.get(lang) or baseline.get("en")
        notes[lang] = f"{text.format(draws=draws)} {after}" if after else text.format(draws=draws)
    return notes


def _efficiency(match_a: np.ndarray) -> str:
    """One efficiency (the 2017 anchor), or the range over municipalities (the present's)."""
    lo, hi = float(match_a.min()), float(match_a.max())
    return f"{lo:.4f}" if lo == hi else f"{lo:.4f}-{hi:.4f} by municipality"


def run_presets(
    cubes: Mapping[str, xr.Dataset] | None = None,
    seed: int | None = None,
    *,
    draws: int | None = None,
    area: str = geography.MIKKELI_AREA,
    calibration: Calibration | None = None,
    baseline: xr.Dataset | None = None,
    as_of: dt.date | str | None = None,
) -> xr.Dataset:
    """The presets of ``area`` (:func:`forecasting.scenarios.presets.presets_for`) simulated
    from the month after the latest observation of the calibration's registers, stacked
    along ``scenario``; the area is calibrated once (or ``calibration`` is used) for all.

    ``as_of``: the release's as-of date (the day it is built; a date or ``YYYY-MM-DD``).
    The presets' events begin after it (:func:`forecasting.scenarios.presets.
    event_months`), so a reader of the release finds them ahead, not in a past that never
    happened; None dates them from the first simulated month alone (for fixed figures).

    ``baseline``: the release's register forecasts (as for :func:`run_scenario`); every
    preset then runs with ``baseline_source="register_forecast"`` on them, the same baseline
    a scenario of the service's form gets, instead of the last observed year repeated.

    Raises
    ------
    ValidationError
        ``as_of``: so long after the data that the events leave the simulated window.
    """
    from forecasting.scenarios.presets import presets_for

    if calibration is None:
        if cubes is None:
            raise ValidationError("cubes", "run_presets needs the input cubes or a calibration")
        calibration = calibrate(cubes, area)
    start = latest_observed(calibration.registers) + pd.DateOffset(months=1)
    presets = presets_for(area, f"{start:%Y-%m}", as_of)
    if baseline is not None:
        source = {"baseline_source": "register_forecast"}
        presets = {k: spec.model_copy(update=source) for k, spec in presets.items()}
    parts = [
        run_scenario(spec, draws=draws, seed=seed, calibration=calibration, baseline=baseline)
        for spec in presets.values()
    ]
    names = list(presets)
    ds = xr.concat(parts, dim=pd.Index(names, name="scenario"), data_vars="all", join="outer",
                   combine_attrs="drop_conflicts")  # fmt: skip
    attrs = {k: v for k, v in parts[0].attrs.items() if k not in ("title", "scenario_spec")}
    ds.attrs = attrs | {
        "title": "Preset scenarios",
        "scenario_specs": json.dumps({n: json.loads(p.attrs["scenario_spec"]) for n, p in
                                      zip(names, parts, strict=True)}),
    }  # fmt: skip
    if as_of is not None:  # the date the events were placed after
        ds.attrs["presets_as_of"] = str(as_of)[:10]
    return ds.enn.canonical()


def to_frame(ds: xr.Dataset) -> pd.DataFrame:
    """Long table: ``variable`` plus one column per dim and ``value`` (rows of every variable)."""
    frames = []
    for name, da in ds.data_vars.items():
        frame = da.to_dataframe(name="value").reset_index()
        frame.insert(0, "variable", name)
        frames.append(frame[["variable", *da.dims, "value"]])
    table = pd.concat(frames, ignore_index=True)
    dims = [d for d in canonical_order(ds.dims) if d in table.columns]
    return table[["variable", *dims, "value"]]


def run_scenario_file(
    spec_path: str | Path,
    out: str | Path,
    cubes: Mapping[str, xr.Dataset],
    fmt: str = "netcdf",
    *,
    draws: int | None = None,
    seed: int | None = None,
    baseline: xr.Dataset | None = None,
) -> Path:
    """Run the JSON spec at ``spec_path`` on ``cubes`` and write the result to ``out``
    (netCDF or CSV).

    The file is written atomically (temporary file, then rename); returns ``out``.
    """
    if fmt not in FORMATS:
        raise ValidationError("format", f"{fmt!r} is not one of {', '.join(FORMATS)}")
    data = read_json(Path(spec_path))
    if not isinstance(data, dict):
        raise ValidationError("spec", f"{spec_path} must hold a JSON object (the spec's fields)")
    ds = run_scenario(data, cubes, draws=draws, seed=seed, baseline=baseline)
    if fmt == "csv":
        return write_csv(to_frame(ds), Path(out))
    return write_netcdf(ds, Path(out))
