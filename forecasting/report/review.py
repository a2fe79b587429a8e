"""The monthly labour-market review (työmarkkinakatsaus) as data, independent of language.

:func:`monthly_review` collects, for one area and month, everything the employment committee's
review shows: the headline figures against last month and last year, the special groups, open
vacancies and tightness by occupation group, the forecast fan, the active alerts (those the
dashboard shows for the area, in its order: :func:`monthly_review`), the scenarios of the
release and the data sources with their dates. Every figure
keeps its status: a month in the 2023-11..2026-05 gap is ``missing``, a suppressed cell
``suppressed`` (rendered "no data" / "suppressed", never 0) and an area total with suppressed
member municipalities ``partial`` (rendered "≥ 345", as on the start page).

Data comes in as arguments (the ``registers`` and ``occupations`` cubes, the release's
``register_forecasts``, ``alerts``, ``scenarios`` and ``occupation_forecasts`` datasets);
nothing is loaded here.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from forecasting import geography
from forecasting.charts import FanPoint
from forecasting.contract import STATUS_SUPPRESSED
from forecasting.errors import UnknownAreaError, ValidationError
from forecasting.freshness import freshness
from forecasting.partial_totals import area_total

#: Headline variables, in the order shown; ``unemployment_rate`` is derived (see :func:`_rate`).
HEADLINE = (
    "unemployed",
    "unemployment_rate",
    "labour_force",
    "jobseekers",
    "vacancies",
    "long_term_unemployed",
)
#: Special groups of the registers cube (persons).
GROUPS = (
    "long_term_unemployed",
    "unemployed_under_25",
    "unemployed_over_50",
    "unemployed_foreign",
    "laid_off",
)
OCCUPATION_ROWS = 12  # occupation groups shown (largest by vacancies + unemployed)


@dataclass(frozen=True)
class Figure:
    """One value with its status: ``ok``, ``missing`` (not in the data: the gap),
    ``suppressed`` (a confidential small cell) or ``partial`` (an aggregate whose own cell is
    missing: ``value`` is the sum of its published members, a lower bound with ``suppressed``
    of ``members`` municipalities left out; :mod:`forecasting.partial_totals`). ``value`` is
    None when ``missing`` or ``suppressed``."""

    value: float | None
    status: str = "ok"
    suppressed: int = 0
    members: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "ok" and self.value is not None


@dataclass(frozen=True)
class Row:
    """A headline or special-group row: the month, a month earlier and a year earlier.

    ``derived`` notes a value computed rather than published (the rate from unemployed and
    labour force where no published rate exists, e.g. for an employment area).
    """

    variable: str
    now: Figure
    previous: Figure
    year_ago: Figure
    unit: str = "persons"
    derived: bool = False

    def change(self, other: Figure) -> float | None:
        """Relative change against ``other`` (percentage points for a rate); None if either
        figure is missing."""
        if not (self.now.ok and other.ok):
            return None
        assert self.now.value is not None and other.value is not None
        if self.unit == "percent":
            return self.now.value - other.value
        return (self.now.value / other.value - 1.0) if other.value else None


@dataclass(frozen=True)
class OccupationRow:
    """An occupation group (Ammattiluokitus 2010, 2 digits) at the occupations' last month."""

    code: str
    unemployed: Figure
    vacancies: Figure

    @property
    def tightness(self) -> float | None:
        """Open vacancies per unemployed jobseeker; None when either is missing."""
        if not (self.unemployed.ok and self.vacancies.ok):
            return None
        assert self.unemployed.value is not None and self.vacancies.value is not None
        return self.vacancies.value / max(self.unemployed.value, 1.0)


@dataclass(frozen=True)
class AlertItem:
    """An active alert: area, rule and severity (1 info .. 3 critical), the month it is
    about and its ``subject`` (an occupation group's code, a stale source's name); texts come
    from the rule registry when rendering (:func:`forecasting.alerts.explain.texts`)."""

    area: str
    rule: str
    severity: int
    numbers: Mapping[str, object] = field(default_factory=dict)
    month: dt.date | None = None
    subject: str = ""


@dataclass(frozen=True)
class ScenarioItem:
    """A stored scenario: its name, description (English, as specified), its events (as
    specified: kind, municipality, industry, jobs, start, ...) and, when the dataset has it,
    its largest effect on the median unemployed against the baseline (``effect``, in the
    month ``peak``): a closure's effect fades by the horizon's end, so the end alone would
    read as noise."""

    name: str
    description: str
    effect: float | None = None
    peak: dt.date | None = None
    events: tuple[Mapping[str, object], ...] = ()


@dataclass(frozen=True)
class Source:
    """A data source: the cube, its tables, last period with data and whether it is stale."""

    name: str
    tables: str
    data_through: str | None
    stale: bool


@dataclass(frozen=True)
class MonthlyReview:
    """Everything the review shows, for :func:`forecasting.report.render.render_html` and
    :func:`forecasting.report.render.render_pdf`."""

    area: str
    month: dt.date
    headline: tuple[Row, ...]
    groups: tuple[Row, ...]
    occupations: tuple[OccupationRow, ...]
    occupations_area: str | None
    occupations_month: dt.date | None
    history: tuple[tuple[dt.date, float], ...]
    fan: tuple[FanPoint, ...]
    alerts: tuple[AlertItem, ...]
    scenarios: tuple[ScenarioItem, ...]
    sources: tuple[Source, ...]
    generated: dt.date
    release: str | None = None
    #: Kinds of alert the dashboard may show that the review cannot (:data:`LEFT_OUT`).
    alerts_left_out: tuple[str, ...] = ()


#: Alert kinds the review leaves out, and when: ``events`` always (the event register's
#: alerts are evaluated in the alert store after the release is published), ``occupations``
#: without the occupations cube (a review rendered by the service from a release).
LEFT_OUT = ("events", "occupations")


def parse_month(month: str | None, registers: xr.Dataset) -> pd.Timestamp:
    """The review month: ``"YYYY-MM"``, or the registers' last month with data if None.

    Raises
    ------
    ValidationError
        If ``month`` is not ``YYYY-MM`` or lies outside the registers' months.
    """
    times = pd.DatetimeIndex(registers["time"].values)
    if month is None:
        observed = registers["unemployed"].notnull().any("area").values
        return pd.Timestamp(times[np.flatnonzero(observed)[-1]])
    try:
        if len(month) != 7 or month[4] != "-":
            raise ValueError(month)
        stamp = pd.Timestamp(f"{month}-01")
    except ValueError:
        raise ValidationError("month", f"{month!r} is not a month YYYY-MM (e.g. 2026-06)") from None
    if stamp not in times:
        raise ValidationError(
            "month", f"{month} is outside the registers ({times[0]:%Y-%m}..{times[-1]:%Y-%m})"
        )
    return stamp


def check_area(area: str, registers: xr.Dataset) -> str:
    """``area`` normalised, known to the geography and present in the registers cube.

    Raises
    ------
    UnknownAreaError
        If it is not.
    """
    code = geography.resolve_area(area)
    if code not in set(map(str, registers["area"].values)):
        raise UnknownAreaError(
            f"area {area!r} has no register data", kind="no_register_data", values={"code": area}
        )
    return code


def figure(registers: xr.Dataset, variable: str, area: str, month: pd.Timestamp) -> Figure:
    """The value of ``variable`` in ``area`` at ``month`` with its status (a month outside
    the cube or a variable it lacks is ``missing``; an aggregate's missing cell is the sum of
    its members, ``partial`` when some are suppressed)."""
    if variable not in registers or month not in pd.DatetimeIndex(registers["time"].values):
        return Figure(None, "missing")
    value = float(registers[variable].sel(area=area, time=month).values)
    if math.isfinite(value):
        return Figure(value)
    total = area_total(registers, area, variable, month)  # the start page's rule too
    if total.partial:
        return Figure(total.value, "partial", total.suppressed, total.members)
    if math.isfinite(total.value):  # every member published: their sum is the total
        return Figure(total.value)
    status_var = f"{variable}_status"
    status = 1
    if status_var in registers:
        status = int(registers[status_var].sel(area=area, time=month).values)
    return Figure(None, "suppressed" if status == STATUS_SUPPRESSED else "missing")


def _rate(registers: xr.Dataset, area: str, month: pd.Timestamp) -> tuple[Figure, bool]:
    """The published rate, else unemployed / labour force x 100 (derived)."""
    published = figure(registers, "unemployment_rate_published", area, month)
    if published.ok:
        return published, False
    unemployed = figure(registers, "unemployed", area, month)
    force = figure(registers, "labour_force", area, month)
    if unemployed.ok and force.ok and force.value:
        assert unemployed.value is not None
        return Figure(100.0 * unemployed.value / force.value), True
    worst = unemployed if not unemployed.ok else force
    return Figure(None, worst.status), True


def row(registers: xr.Dataset, variable: str, area: str, month: pd.Timestamp) -> Row:
    """A :class:`Row` of ``variable`` at ``month``, a month and a year earlier."""
    months = (month, month - pd.DateOffset(months=1), month - pd.DateOffset(years=1))
    if variable == "unemployment_rate":
        rates = [_rate(registers, area, pd.Timestamp(m)) for m in months]
        (now, derived), (previous, _), (year_ago, _) = rates
        return Row(variable, now, previous, year_ago, unit="percent", derived=derived)
    unit = "vacancies" if variable == "vacancies" else "persons"
    figs = [figure(registers, variable, area, pd.Timestamp(m)) for m in months]
    return Row(variable, figs[0], figs[1], figs[2], unit=unit)


def occupation_rows(
    occupations: xr.Dataset | None, month: pd.Timestamp
) -> tuple[tuple[OccupationRow, ...], str | None, dt.date | None]:
    """Occupation groups of the region (``MK10``, else the country) at the occupations
    cube's last month with data up to ``month``, the largest by unemployed + vacancies."""
    from forecasting.register_occupations import occupation_group

    if occupations is None:
        return (), None, None
    areas = [str(a) for a in occupations["area"].values]
    where = "MK10" if "MK10" in areas else ("SSS" if "SSS" in areas else None)
    if where is None:
        return (), None, None
    sub = occupations.sel(area=where)
    sub = sub.sel(time=sub["time"] <= np.datetime64(month))
    observed = np.flatnonzero(sub["unemployed"].notnull().any("occupation").values)
    if observed.size == 0:
        return (), where, None
    at = sub.isel(time=int(observed[-1]))
    codes = [str(c) for c in at["occupation"].values]
    # per group and variable: [sum of the published level-4 cells, suppressed cells, cells]
    sums: dict[str, list[list[float]]] = {}
    for i, code in enumerate(codes):
        group = occupation_group(code)
        if group is None or len(code) != 4:
            continue  # level-4 codes (and X groups) only, so no parent is counted twice
        cells = sums.setdefault(group, [[0.0, 0, 0], [0.0, 0, 0]])
        for j, var in enumerate(("unemployed", "vacancies")):
            value = float(at[var].values[i])
            cells[j][2] += 1
            if math.isfinite(value):
                cells[j][0] += value
            else:
                cells[j][1] += 1
    rows = [OccupationRow(g, _group_figure(*u), _group_figure(*v)) for g, (u, v) in sums.items()]
    rows = [r for r in rows if (r.unemployed.value or 0) + (r.vacancies.value or 0) > 0]
    rows.sort(key=lambda r: -((r.unemployed.value or 0) + (r.vacancies.value or 0)))
    when = pd.Timestamp(at["time"].values).date()
    return tuple(rows[:OCCUPATION_ROWS]), where, when


def _group_figure(total: float, suppressed: float, cells: float) -> Figure:
    """An occupation group's count from its level-4 cells: the sum when all are published;
    with some suppressed, the published sum as a lower bound (``partial``), never a total
    that counts suppressed cells as 0; ``suppressed`` when none is published."""
    if suppressed == 0:
        return Figure(total)
    if suppressed == cells:
        return Figure(None, "suppressed")
    return Figure(total, "partial", int(suppressed), int(cells))


def fan_points(forecasts: xr.Dataset | None, area: str, variable: str) -> tuple[FanPoint, ...]:
    """The forecast of ``variable`` in ``area`` as fan points (mean, 80 % and 95 % bounds)."""
    if forecasts is None or variable not in forecasts:
        return ()
    if "statistic" not in forecasts[variable].dims:
        return ()
    if area not in set(map(str, forecasts["area"].values)):
        return ()
    da = forecasts[variable].sel(area=area)
    stats = ("mean", "lo80", "hi80", "lo95", "hi95")
    if not set(stats) <= {str(s) for s in da["statistic"].values}:
        return ()
    cols = [da.sel(statistic=s).values.astype(float) for s in stats]
    times = pd.DatetimeIndex(da["time"].values)
    return tuple(FanPoint(t.date(), *(float(c[i]) for c in cols)) for i, t in enumerate(times))


def active_alerts(alerts: xr.Dataset | None, areas: Sequence[str], month: pd.Timestamp
                  ) -> tuple[AlertItem, ...]:  # fmt: skip
    """Alerts of severity >= 1 at ``month`` (else the release's last month) in ``areas``,
    from the release's ``alerts`` product (area, time, rule), most severe first, each with
    the numbers its explanation quotes when the release stored them (:func:`stored_numbers`)."""
    if alerts is None or "severity" not in alerts:
        return ()
    sev = alerts["severity"]
    times = pd.DatetimeIndex(sev["time"].values)
    at = month if month in times else times[-1]
    present = [a for a in areas if a in set(map(str, sev["area"].values))]
    if not present:
        return ()
    table = sev.sel(time=at, area=present).transpose("area", "rule").values
    rules = [str(r) for r in sev["rule"].values]
    numbers = stored_numbers(alerts, at)
    items = [
        AlertItem(area, rule, int(table[i, j]), numbers.get(area, {}).get(rule, {}), at.date())
        for i, area in enumerate(present)
        for j, rule in enumerate(rules)
        if math.isfinite(table[i, j]) and table[i, j] >= 1
    ]
    return ordered(items)


def ordered(items: Sequence[AlertItem]) -> tuple[AlertItem, ...]:
    """``items`` in the dashboard's order: most severe first, within a severity the newest,
    then area and rule (:func:`forecasting.alerts.registry.display_order`)."""
    from forecasting.alerts.registry import display_order

    return tuple(
        sorted(items, key=lambda a: (*display_order(a.severity, a.month, a.area, a.rule),
                                     a.subject))
    )  # fmt: skip


def stale_alerts(
    registers: xr.Dataset, occupations: xr.Dataset | None, area: str, today: dt.date
) -> tuple[AlertItem, ...]:
    """The "data out of date" alerts (``stale_data``) of ``area`` at ``today``: the alert
    run's own signal on the sources it watches (the registers and the occupations cube,
    :func:`forecasting.alerts.monitor.stale_sources`), one per overdue source, each with the
    numbers its explanation quotes (the source, its newest month and age)."""
    from forecasting.alerts.engine import numbers_at
    from forecasting.alerts.monitor import stale_signals, stale_sources
    from forecasting.alerts.rules import load_config

    now = pd.Timestamp(today)
    cfg = load_config()["rules"]["stale_data"]
    items = []
    for signal in stale_signals(stale_sources(registers, occupations), now, area, cfg):
        month = pd.Timestamp(signal.severity["time"].values[-1])
        level = int(signal.severity.sel(area=area, time=month))
        if level >= 1:
            numbers = numbers_at(signal, area, month)
            items.append(AlertItem(area, signal.rule, level, numbers, month.date(), signal.subject))
    return tuple(items)


def occupation_alerts(
    occupations: xr.Dataset | None,
    occupation_forecasts: xr.Dataset | None,
    where: str | None,
    area: str,
    month: pd.Timestamp,
) -> tuple[AlertItem, ...]:
    """The occupation groups' turns to shortage (``occupation_shortage``) in ``where`` (the
    area of the review's occupation table, when it holds all of ``area``) at the latest
    month up to ``month`` the rule evaluates: the alert run's own signals
    (:func:`forecasting.alerts.monitor.occupation_signals`, with the release's
    ``occupation_forecasts`` when given)."""
    from forecasting.alerts.engine import numbers_at
    from forecasting.alerts.monitor import occupation_signals
    from forecasting.alerts.rules import load_config

    cfg = load_config()["rules"]["occupation_shortage"]
    if occupations is None or where is None or where not in cfg["areas"]:
        return ()
    if not set(geography.members(area)) <= set(geography.members(where)):
        return ()  # another region's occupation groups
    if where not in set(map(str, occupations["area"].values)):
        return ()
    items = []
    for signal in occupation_signals(occupations, cfg, forecast=occupation_forecasts):
        sev = signal.severity.sel(area=where)
        times = pd.DatetimeIndex(sev["time"].values)
        upto = times[times <= month]
        if not len(upto):
            continue
        at = upto[-1]
        level = int(sev.sel(time=at))
        if level >= 1:
            numbers = numbers_at(signal, where, at)
            items.append(AlertItem(where, signal.rule, level, numbers, at.date(), signal.subject))
    return tuple(items)


def stored_numbers(alerts: xr.Dataset, month: pd.Timestamp) -> dict[str, dict[str, dict]]:
    """``{area: {rule: numbers}}`` from the alerts product's ``alert_numbers`` attr when it
    is for ``month`` (the release step stores its last month's); empty otherwise (an older
    release, or another month: the review then shows the rule's title and why only)."""
    raw = alerts.attrs.get("alert_numbers")
    if not raw:
        return {}
    try:
        stored = json.loads(raw) if isinstance(raw, str) else dict(raw)
    except (TypeError, ValueError):
        return {}
    if stored.get("month") != f"{month:%Y-%m}":
        return {}
    return dict(stored.get("numbers", {}))


def scenario_items(scenarios: xr.Dataset | None, area: str) -> tuple[ScenarioItem, ...]:
    """The stored scenarios (their specs) with their largest change in the median unemployed
    against ``baseline`` over the horizon, and its month, when the dataset holds
    ``unemployed`` for ``area``."""
    if scenarios is None or "scenario" not in scenarios.dims:
        return ()
    specs = json.loads(scenarios.attrs.get("scenario_specs", "{}"))
    peaks: dict[str, tuple[float, dt.date]] = {}
    da = scenarios.get("unemployed")
    if da is not None and "area" in da.dims and area in set(map(str, da["area"].values)):
        median = da.sel(area=area)
        if "quantile" in median.dims:
            median = median.sel(quantile=0.5, method="nearest")
        elif "draw" in median.dims:
            median = median.median("draw")
        names = [str(s) for s in median["scenario"].values]
        if "baseline" in names and set(median.dims) == {"scenario", "time"}:
            diff = median - median.sel(scenario="baseline")
            for n in names:
                path = diff.sel(scenario=n).values
                if n == "baseline" or not np.isfinite(path).any():
                    continue
                k = int(np.nanargmax(np.abs(path)))
                month = pd.Timestamp(diff["time"].values[k]).date()
                peaks[n] = (float(path[k]), month)
    items = []
    for name in map(str, scenarios["scenario"].values):
        spec = specs.get(name, {})
        effect, peak = peaks.get(name, (None, None))
        events = tuple(dict(e) for e in spec.get("events", []) if isinstance(e, Mapping))
        items.append(ScenarioItem(name, str(spec.get("description", "")), effect, peak, events))
    return tuple(items)


def sources(cubes: Mapping[str, xr.Dataset], today: dt.date) -> tuple[Source, ...]:
    """Each input cube's tables, last period with data (attr ``data_through`` or computed)
    and staleness by its publisher's calendar (:mod:`forecasting.freshness`)."""
    from forecasting.io.inputs import data_through

    out = []
    for name, ds in cubes.items():
        through = ds.attrs.get("data_through") or data_through(ds)
        fresh = freshness(name, through, today)
        out.append(Source(name, str(ds.attrs.get("source_tables", "")), through, fresh.stale))
    return tuple(out)


def monthly_review(
    registers: xr.Dataset,
    area: str,
    month: str | None = None,
    *,
    occupations: xr.Dataset | None = None,
    register_forecasts: xr.Dataset | None = None,
    alerts: xr.Dataset | None = None,
    scenarios: xr.Dataset | None = None,
    occupation_forecasts: xr.Dataset | None = None,
    today: dt.date | None = None,
    release: str | None = None,
    history_years: int = 6,
) -> MonthlyReview:
    """The monthly review of ``area`` (e.g. ``"TA23"``) for ``month`` (``"YYYY-MM"``; the
    registers' last month with data if None).

    Parameters
    ----------
    registers
        The ``registers`` cube (area, time), month starts.
    occupations
        The ``occupations`` cube (area, occupation, time), or None (section omitted).
    register_forecasts, alerts, scenarios, occupation_forecasts
        The release's products of these names, or None (section omitted or empty).
    today
        The date the freshness of the sources is judged at (default: today).

    The alerts are those the dashboard lists for the area, in its order and severities:
    the release's ``alerts`` (the register rules and the working-age decline) in ``area``
    and its municipalities, the stale-data alerts of the sources at ``today`` and the
    occupation groups' turns in the area of the occupation table; ``alerts_left_out``
    names the kinds the review cannot carry (:data:`LEFT_OUT`).

    Raises
    ------
    UnknownAreaError, ValidationError
        On an unknown area or a month that is not ``YYYY-MM`` within the registers.
    """
    code = check_area(area, registers)
    at = parse_month(month, registers)
    today = today or dt.date.today()
    series = registers["unemployed"].sel(area=code)
    series = series.sel(time=slice(at - pd.DateOffset(years=history_years), at))
    history = tuple(
        (pd.Timestamp(t).date(), float(v))
        for t, v in zip(series["time"].values, series.values, strict=True)
    )
    occ, occ_area, occ_month = occupation_rows(occupations, at)
    cubes = {"registers": registers} | ({"occupations": occupations} if occupations else {})
    alert_areas = [code, *geography.members(code)]
    listed = (
        *active_alerts(alerts, alert_areas, at),
        *stale_alerts(registers, occupations, code, today),
        *occupation_alerts(occupations, occupation_forecasts, occ_area, code, at),
    )
    left_out = tuple(k for k in LEFT_OUT if k == "events" or occupations is None)
    return MonthlyReview(
        area=code,
        month=at.date(),
        headline=tuple(row(registers, v, code, at) for v in HEADLINE),
        groups=tuple(row(registers, v, code, at) for v in GROUPS),
        occupations=occ,
        occupations_area=occ_area,
        occupations_month=occ_month,
        history=history,
        fan=fan_points(register_forecasts, code, "unemployed"),
        alerts=ordered(listed),
        scenarios=scenario_items(scenarios, code),
        sources=sources(cubes, today),
        generated=today,
        release=release,
        alerts_left_out=left_out,
    )
