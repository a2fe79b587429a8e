"""The simulated impact of a registered event, from the scenario engine, for ``event_tier``.

An event of the register that reaches a tier is turned into a one-event scenario (kind,
municipality, TOL section, jobs, start month and phase-in from its effect period) and run with
:func:`forecasting.scenarios.run_scenario` against the baseline with common random numbers.
The alert then carries the peak extra unemployed against the baseline in the municipality and
the change of its unemployment rate (percentage points of the labour force) with 90 % bands.
The run covers the employment area of the event's municipality. An event the engine cannot
simulate (an unknown municipality, jobs the industry does not have there, a start outside the
simulated window) gets the reason instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pydantic
import xarray as xr

from forecasting import geography
from forecasting.errors import EnnakointiError

#: Register kinds -> scenario kinds. Change negotiations are simulated as dismissal of all the
#: jobs under negotiation (an upper bound: negotiations often end with fewer).
KIND_TO_SCENARIO = {
    "closure": "closure",
    "dismissal": "dismissal",
    "temporary_layoff": "temporary_layoff",
    "change_negotiations": "dismissal",
    "recruitment": "recruitment",
}

Runner = Callable[..., xr.Dataset]


@dataclass(frozen=True)
class EventImpact:
    """Simulated impact of one event (all numbers NaN when ``simulated`` is False).

    ``peak_extra_unemployed`` (q05, q50, q95) persons above the baseline in the event's
    municipality at the month the median peaks (``peak_month``); ``rate_change_pp`` the
    same over the municipality's labour force, in percentage points.
    """

    event_id: int
    simulated: bool
    reason: str = ""
    peak_month: str = ""
    peak_extra_unemployed: tuple[float, float, float] = (np.nan, np.nan, np.nan)
    rate_change_pp: tuple[float, float, float] = (np.nan, np.nan, np.nan)
    draws: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form for the alert's explanation."""
        if not self.simulated:
            return {"simulated": False, "reason": self.reason}
        lo, mid, hi = (round(v, 1) for v in self.peak_extra_unemployed)
        rlo, rmid, rhi = (round(v, 2) for v in self.rate_change_pp)
        return {
            "simulated": True,
            "peak_month": self.peak_month,
            "peak_extra_unemployed": mid,
            "peak_extra_unemployed_90": [lo, hi],
            "unemployment_rate_change_pp": rmid,
            "unemployment_rate_change_pp_90": [rlo, rhi],
            "draws": self.draws,
        }


def _months_between(a: Any, b: Any) -> int:
    pa, pb = pd.Timestamp(a), pd.Timestamp(b)
    return (pb.year - pa.year) * 12 + pb.month - pa.month


def scenario_spec(event: Mapping[str, Any], cfg: Mapping[str, Any]) -> dict[str, Any]:
    """A one-event scenario spec (a dict for :func:`run_scenario`) from a register row.

    The effect period gives the start month and, for dismissals and closures, the phase-in
    (jobs go in equal monthly parts from ``effect_start`` to ``effect_end``) or, for a
    temporary layoff, its duration. The spec's area is the municipality's employment area
    (:class:`~forecasting.errors.UnknownAreaError` for an unknown code, which
    :func:`simulate_event` reports as the reason).
    """
    kind = KIND_TO_SCENARIO.get(str(event["kind"]), str(event["kind"]))
    start = pd.Timestamp(event["effect_start"])
    spell = None
    if event.get("effect_end") is not None and not pd.isna(event.get("effect_end")):
        spell = max(1, _months_between(start, event["effect_end"]) + 1)
    ev: dict[str, Any] = {
        "kind": kind,
        "municipality": str(event["municipality"]),
        "industry": str(event["industry"]),
        "jobs": int(event["jobs"]),
        "start": f"{start:%Y-%m}",
    }
    if kind == "temporary_layoff":
        ev["duration_months"] = spell or None
    elif spell is not None and spell > 1:
        ev["phase_in_months"] = min(spell, 60)
    announced = pd.Timestamp(event["announced"])
    if announced <= start:
        ev["announced"] = f"{announced:%Y-%m}"
    if event.get("employer"):
        ev["company"] = str(event["employer"])[:200]
    return {
        "name": f"event {event.get('id', '')}".strip(),
        "area": geography.employment_area_of(ev["municipality"]),
        "horizon_months": int(cfg["sim_horizon_months"]),
        "events": [{k: v for k, v in ev.items() if v is not None}],
    }


def simulate_event(
    event: Mapping[str, Any],
    labour_force: float,
    cfg: Mapping[str, Any],
    *,
    runner: Runner,
) -> EventImpact:
    """Run the event through the scenario engine; never raises for an unsimulable event.

    Parameters
    ----------
    event
        One row of the event register (``id, municipality, industry, kind, jobs, announced,
        effect_start, effect_end``).
    labour_force
        The municipality's labour force (persons) to express the impact as a rate.
    cfg
        ``[rules.event_tier]``: ``sim_draws``, ``sim_seed``, ``sim_horizon_months``.
    runner
        ``(spec, draws=, seed=) -> xr.Dataset``: the scenario engine on the caller's input
        cubes (:func:`forecasting.alerts.run.scenario_runner`) or a stand-in.
    """
    event_id = int(event.get("id") or 0)
    try:
        spec = scenario_spec(event, cfg)
        ds = runner(spec, draws=int(cfg["sim_draws"]), seed=int(cfg["sim_seed"]))
    except (EnnakointiError, pydantic.ValidationError, ValueError) as exc:
        return EventImpact(event_id, False, reason=_reason(exc))
    muni = str(event["municipality"])
    if "unemployed_vs_baseline" not in ds or muni not in ds["area"]:
        return EventImpact(event_id, False, reason="the scenario engine returned no comparison")
    extra = ds["unemployed_vs_baseline"].sel(area=muni)
    median = extra.sel(quantile=0.5)
    sign = -1.0 if str(event["kind"]) == "recruitment" else 1.0
    at = int((sign * median).argmax("time"))
    band = extra.isel(time=at)
    qs = tuple(float(band.sel(quantile=q)) for q in (0.05, 0.5, 0.95))
    lf = float(labour_force) if np.isfinite(labour_force) and labour_force > 0 else np.nan
    return EventImpact(
        event_id,
        True,
        peak_month=f"{pd.Timestamp(extra['time'].values[at]):%Y-%m}",
        peak_extra_unemployed=(qs[0], qs[1], qs[2]),
        rate_change_pp=(100 * qs[0] / lf, 100 * qs[1] / lf, 100 * qs[2] / lf),
        draws=int(ds.attrs.get("draws", cfg["sim_draws"])),
    )


def _reason(exc: Exception) -> str:
    if isinstance(exc, pydantic.ValidationError):
        err = exc.errors()[0]
        loc = ".".join(map(str, err["loc"]))
        return f"not simulated: {loc}: {err['msg']}"
    return f"not simulated: {exc}"


def simulate_tiered(
    events: pd.DataFrame,
    labour_force: xr.DataArray,
    cfg: Mapping[str, Any],
    *,
    runner: Runner,
) -> dict[int, EventImpact]:
    """Simulate every event that reaches a tier on its own (jobs or share of labour force).

    Parameters
    ----------
    labour_force
        (area, time) monthly labour force; an event is sized against the value at (or the
        last before) its announcement month.
    """
    out: dict[int, EventImpact] = {}
    for record in events.to_dict("records"):
        muni = str(record["municipality"])
        lf = _labour_force_at(labour_force, muni, pd.Timestamp(record["announced"]))
        jobs = float(record["jobs"])
        tiered = jobs >= cfg["jobs_warning"] or (np.isfinite(lf) and jobs / lf >= cfg["share_info"])
        if tiered:
            out[int(record["id"])] = simulate_event(record, lf, cfg, runner=runner)
    return out


def _labour_force_at(labour_force: xr.DataArray, area: str, when: pd.Timestamp) -> float:
    if area not in labour_force["area"]:
        return np.nan
    series = labour_force.sel(area=area).dropna("time")
    series = series.sel(time=slice(None, when.to_period("M").to_timestamp()))
    if series.sizes["time"] == 0:
        series = labour_force.sel(area=area).dropna("time")
    return float(series.isel(time=-1)) if series.sizes["time"] else np.nan
