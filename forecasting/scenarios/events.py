"""From scenario events to the kernel's event schedule and the path of jobs.

Direct effects: a closure or dismissal lays off ``jobs / tranches`` workers in each month of
the phase-in (they form the displaced cohort whose re-employment is followed); a temporary
layoff moves them to a layoff pool and, after ``duration_months``, recalls a binomial share
(the rest join the cohort as dismissed, in the duration band they have reached); a
recruitment opens ``jobs / tranches`` vacancies a month.

Spill-overs: each direct change of ``n`` jobs brings ``n * (total - 1)`` secondary jobs
(:mod:`forecasting.scenarios.multipliers`): indirect ones in supplier industries, spread over
municipalities by their jobs and their commuting ties with the event's municipality; induced
ones in household-serving industries where the affected workers live and commute (their
spending). Secondary losses are layoffs of regular workers, gains are new vacancies.
With the area's :class:`forecasting.scenarios.spillover.Links`, the ties that cross the
area's border (the event municipality's out-commuters working outside, its in-commuters
living outside; for spending, the workers who live outside and the residents who work
outside) carry their share of the secondary jobs to the neighbouring employment areas:
those jobs are not simulated, they are reported by receiving area
(:attr:`CompiledEvents.spillover`). Inside plus outside is exactly ``n * (total - 1)``.

The expected number of jobs by workplace and industry follows the same changes; the
baseline's turnover (new vacancies, openings, direct entries to work) scales with it, so a
closed plant stops generating vacancies and hires.
"""

# Shape letters (R, I, T) follow the docstrings.
# ruff: noqa: E741
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecasting.errors import ValidationError
from forecasting.scenarios.calibration import Structure
from forecasting.scenarios.multipliers import MultiplierTable
from forecasting.scenarios.spec import JOB_LOSS_KINDS, Event, ScenarioSpec
from forecasting.scenarios.spillover import Links
from models import labourflow as lf

Key = tuple[int, int, int, int]  # month, workplace, industry, kind


@dataclass(frozen=True)
class CompiledEvents:
    """The kernel schedule and the expected job changes of a scenario.

    Attributes
    ----------
    schedule : the kernel's event rows.
    job_change : (T, R, I) cumulative expected change of jobs by workplace and industry.
    direct : (T,) signed direct jobs changed in each month (temporary layoffs: only the
        jobs not recalled, at the recall date).
    secondary : (T,) signed indirect plus induced jobs changed in each month inside the area.
    spillover : (T, K) cumulative expected change of jobs in each neighbouring employment
        area (``spillover_areas``); (T, 0) without links.
    """

    schedule: lf.EventSchedule
    job_change: np.ndarray
    direct: np.ndarray
    secondary: np.ndarray
    spillover: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    spillover_areas: tuple[str, ...] = ()


def duration_band(months: int) -> int:
    """Index of the duration band reached after ``months`` months (0-3, 3-6, 6-12, 12+)."""
    return 0 if months < 3 else 1 if months < 6 else 2 if months < 12 else 3


def check_events(spec: ScenarioSpec, structure: Structure, months: pd.DatetimeIndex) -> None:
    """Refuse events that the data contradict; :class:`ValidationError` names the field."""
    used: dict[tuple[int, int], float] = defaultdict(float)
    for k, ev in enumerate(spec.events):
        if ev.municipality not in structure.municipalities:
            raise ValidationError(
                f"events[{k}].municipality",
                f"{ev.municipality} is not a municipality of {spec.area} "
                f"({', '.join(structure.municipalities)})",
                kind="municipality_not_in_area",
                values={
                    "code": ev.municipality,
                    "area": spec.area,
                    "members": tuple(structure.municipalities),
                },
            )
        start = pd.Timestamp(ev.start)
        if not months[0] <= start <= months[-1]:
            raise ValidationError(
                f"events[{k}].start",
                f"{ev.start} is outside the simulated months {months[0]:%Y-%m}..{months[-1]:%Y-%m}",
                kind="start_outside_months",
                values={
                    "start": ev.start,
                    "first": f"{months[0]:%Y-%m}",
                    "last": f"{months[-1]:%Y-%m}",
                },
            )
        if ev.kind in JOB_LOSS_KINDS:
            w = structure.municipalities.index(ev.municipality)
            i = structure.industries.index(ev.industry)
            used[(w, i)] += ev.jobs
            have = float(structure.jobs[w, i])
            if used[(w, i)] > have:
                raise ValidationError(
                    f"events[{k}].jobs",
                    f"{used[(w, i)]:.0f} jobs removed in industry {ev.industry} in "
                    f"{ev.municipality}, but only {have:.0f} exist there "
                    "(jobs by workplace, Paavo TP 2017)",
                    kind="jobs_over_existing",
                    values={
                        "removed": round(used[(w, i)]),
                        "industry": ev.industry,
                        "municipality": ev.municipality,
                        "have": round(have),
                    },
                )


def _proximity(structure: Structure, w: int, links: Links | None) -> tuple[np.ndarray, np.ndarray]:
    """Commuting ties of workplace ``w``: (R,) with each member (own: both ways) and (K,)
    with each neighbouring area (none without ``links``), together summing to 1."""
    R = len(structure.municipalities)
    f = structure.flows
    ties = f[w, :R] + f[:R, w]
    if links is None:
        return ties / ties.sum(), np.zeros(0)
    out = f[w, R] * links.work_split[w] + f[R, w] * links.home_split[w]
    total = ties.sum() + out.sum()
    return ties / total, out / total


def _spending(structure: Structure, w: int, links: Links | None) -> tuple[np.ndarray, np.ndarray]:
    """Where the workers of workplace ``w`` spend: where they live and where they work;
    (R,) members and (K,) neighbouring areas (none without ``links``), summing to 1."""
    R = len(structure.municipalities)
    rw = structure.resid_of_work[w]
    spend = rw[:R] @ structure.commute[:, :R]
    if links is None:
        return spend / spend.sum(), np.zeros(0)
    # residents working outside spend there; workers living outside spend at home
    out = (rw[:R] * structure.commute[:, R]) @ links.work_split + rw[R] * links.home_split[w]
    total = spend.sum() + out.sum()
    return spend / total, out / total


def _weights(structure: Structure, where: np.ndarray, industry_w: dict[str, float]) -> np.ndarray:
    """(R, I) split of secondary jobs: municipalities by ``where``, industries by weight x jobs;
    sums to ``where.sum()`` (the share that stays inside the area)."""
    wj = np.array([industry_w.get(s, 0.0) for s in structure.industries])
    cell = structure.jobs * wj[None, :]
    tot = cell.sum(axis=1, keepdims=True)
    share = np.divide(cell, tot, out=np.zeros_like(cell), where=tot > 0)
    out = where[:, None] * share
    return out * (where.sum() / out.sum())


class _Builder:
    """Accumulates kernel rows (summed per month, cell and kind) and job changes."""

    def __init__(
        self,
        structure: Structure,
        T: int,
        table: MultiplierTable,
        overrides: dict,
        links: Links | None = None,
    ):
        self.st, self.T, self.table, self.overrides = structure, T, table, overrides
        self.links = links
        self.outside = np.zeros((T, 0 if links is None else len(links.areas)))
        R, I = structure.jobs.shape
        self.rows: dict[Key, float] = defaultdict(float)
        self.temp: list[tuple[int, int, int, int, int, float, float, int]] = []
        self.delta = np.zeros((T, R, I))
        self.direct = np.zeros(T)
        self.secondary = np.zeros(T)
        self.pools = 0

    def add(self, t: int, w: int, i: int, kind: int, amount: float) -> None:
        if 0 <= t < self.T and amount > 0:
            self.rows[(t, w, i, kind)] += amount

    def change(self, t: int, w: int, i: int, amount: float, *, direct: bool) -> None:
        if 0 <= t < self.T:
            self.delta[t, w, i] += amount
            (self.direct if direct else self.secondary)[t] += amount

    def spill(self, t: int, w: int, section: str, n: float, total: float | None) -> None:
        """Secondary jobs of a direct change of ``n`` (signed) jobs at month ``t``."""
        m = total if total is not None else self.table.total(section, self.overrides)
        extra = n * (m - 1.0)
        if extra == 0.0:
            return
        timing = self.table.timing
        share = self.table.sections[section].indirect_share
        inside, outside = _proximity(self.st, w, self.links)
        parts = [
            (t + timing.indirect_lag_months, extra * share,
             _weights(self.st, inside, self.table.suppliers), outside),
        ]  # fmt: skip
        spread = timing.induced_spread_months
        inside, outside = _spending(self.st, w, self.links)
        induced = _weights(self.st, inside, self.table.consumer)
        for s in range(spread):
            month = t + timing.induced_lag_months + s
            parts.append((month, extra * (1 - share) / spread, induced, outside))
        for month, amount, weights, away in parts:
            if 0 <= month < self.T:
                self.outside[month] += amount * away
            for (wp, j), a in np.ndenumerate(amount * weights):
                if a == 0.0:
                    continue
                kind = lf.LAYOFF if a < 0 else lf.VACANCIES
                self.add(month, wp, j, kind, abs(a))
                self.change(month, wp, j, a, direct=False)

    def event(self, ev: Event, t0: int) -> None:
        w = self.st.municipalities.index(ev.municipality)
        i = self.st.industries.index(ev.industry)
        per = ev.jobs / ev.tranches
        for q in range(ev.tranches):
            t = t0 + q
            if ev.kind == "recruitment":
                self.add(t, w, i, lf.VACANCIES, per)
                self.change(t, w, i, per, direct=True)
                self.spill(t, w, ev.industry, per, ev.multiplier)
            elif ev.kind in ("closure", "dismissal"):
                self.add(t, w, i, lf.LAYOFF_COHORT, per)
                self.change(t, w, i, -per, direct=True)
                self.spill(t, w, ev.industry, -per, ev.multiplier)
            else:
                self._temporary(ev, t, w, i, per)

    def _temporary(self, ev: Event, t: int, w: int, i: int, per: float) -> None:
        if not 0 <= t < self.T:
            return
        pool = self.pools
        self.pools += 1
        self.temp.append((t, w, i, lf.TEMP_START, pool, per, 0.0, 0))
        end = t + ev.layoff_months
        if end < self.T:
            band = duration_band(ev.layoff_months)
            self.temp.append((end, w, i, lf.TEMP_END, pool, 0.0, ev.recall, band))
            lost = per * (1.0 - ev.recall)
            self.change(end, w, i, -lost, direct=True)
            self.spill(end, w, ev.industry, -lost, ev.multiplier)

    def compile(self) -> CompiledEvents:
        rows = [(t, w, i, kind, 0, a, 0.0, 0) for (t, w, i, kind), a in self.rows.items()]
        rows += self.temp
        return CompiledEvents(
            schedule=lf.EventSchedule.from_rows(rows),
            job_change=np.cumsum(self.delta, axis=0),
            direct=self.direct,
            secondary=self.secondary,
            spillover=np.cumsum(self.outside, axis=0),
            spillover_areas=() if self.links is None else self.links.areas,
        )


def compile_events(
    spec: ScenarioSpec,
    structure: Structure,
    months: pd.DatetimeIndex,
    table: MultiplierTable,
    links: Links | None = None,
) -> CompiledEvents:
    """The kernel schedule and expected job changes of ``spec`` over ``months``; with
    ``links`` the secondary jobs that fall outside the area are in ``spillover``."""
    builder = _Builder(structure, len(months), table, dict(spec.multipliers), links)
    for ev in spec.events:
        builder.event(ev, int(months.get_loc(pd.Timestamp(ev.start))))
    return builder.compile()


def scale_path(path: lf.FlowPath, structure: Structure, job_change: np.ndarray) -> lf.FlowPath:
    """The baseline's turnover scaled by the expected jobs (``J / J0``) of each month."""
    R = len(structure.municipalities)
    base = structure.jobs
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(base > 0, np.maximum(base + job_change, 0.0) / base, 1.0)
    by_residence = np.einsum("rw,twi->tri", structure.commute[:, :R], factor)
    by_residence += structure.commute[:, R:][None, :, :]
    return lf.FlowPath(
        sep=path.sep,
        exit_e=path.exit_e,
        exit_u=path.exit_u,
        ent_u=path.ent_u,
        ent_e=path.ent_e * by_residence,
        vac_new=path.vac_new * factor,
        close=path.close,
        fillref=path.fillref,
        vac_ref=path.vac_ref * factor,
    )
