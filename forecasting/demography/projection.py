"""Population projections with intervals: :func:`project_population`, :func:`population_frame`.

The CLI ``ennakointi forecast population --base-year 2025 --until 2045 --out FILE.csv``
assembles the input cubes (:func:`forecasting.io.inputs.assemble`), calls
:func:`population_frame` with them and writes it as CSV. Every function takes the cubes as its
first argument ``cubes`` (a mapping cube name -> dataset, e.g. an
:class:`~forecasting.io.inputs.Inputs`): :data:`~forecasting.demography._data.CUBES`, and for a
base year after the single-age population (2019) also
:data:`~forecasting.demography._data.BASE_CUBES` (see :mod:`forecasting.demography.base`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd
import xarray as xr

from forecasting import geography
from forecasting.contract import STATISTICS
from forecasting.demography import _data, base, engine
from forecasting.demography.assumptions import DemographyAssumptions, parse_assumptions
from forecasting.demography.rates import RateSet, estimate_rates
from forecasting.errors import UnknownAreaError, ValidationError
from forecasting.provenance import method_note_attrs, stamp
from forecasting.settings import get_settings
from models.cohort import draw_quantiles

SEXES = ["F", "M", "T"]
AGES = np.arange(101)
#: Output statistics and the probabilities of the quantiles.
STATS = {"lo95": 0.025, "lo80": 0.10, "hi80": 0.90, "hi95": 0.975}
STAT_NAMES = ["mean", *STATS]
#: Variables of :func:`project_population`: single ages and the totals over age.
POPULATION, TOTAL = "population", "population_total"
LAST_YEAR = 2100
#: Default horizon: years after the base year.
DEFAULT_HORIZON = 20
#: The ``intervals`` attr of the expected path (``draws=0``): its bounds are NaN.
NO_INTERVALS = "none: the expected path (draws=0); the bounds lo80..hi95 are NaN"


@dataclass(frozen=True)
class Request:
    """A validated projection request."""

    base_year: int
    until: int
    scope: engine.Scope
    draws: int
    seed: int
    assumptions: DemographyAssumptions


def _int(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValidationError(field, f"expected an integer, got {value!r}")
    return int(value)


def _base_year(cubes: _data.Cubes, base_year: object) -> int:
    """``base_year`` checked against the data, or the latest year with data when ``None``."""
    years = base.base_years(cubes)
    if base_year is None:
        return years[-1]
    year = _int("base_year", base_year)
    if year not in years:
        if year > max(_data.years_of(_data.cube(cubes, "population"))):
            base.check_base_year(cubes, year)  # names the cube without data for the year
        raise ValidationError(
            "base_year", f"must be a year with a base population in the inputs: {years}"
        )
    return year


def validate_request(
    cubes: _data.Cubes, base_year: object, until: object, scope: object, area: object,
    draws: object, seed: object, assumptions: object,
) -> Request:  # fmt: skip
    """Check every parameter; raise :class:`ValidationError` naming the first bad one.

    ``base_year=None`` is the latest year with data, ``until=None`` twenty years later; a
    ``seed`` is required with draws (``None`` only for the expected path, ``draws=0``).
    """
    first = _base_year(cubes, base_year)
    end = first + DEFAULT_HORIZON if until is None else _int("until", until)
    if not first < end <= LAST_YEAR:
        raise ValidationError("until", f"must lie in {first + 1}..{LAST_YEAR}")
    if scope not in ("area", "national"):
        raise ValidationError("scope", "must be 'area' or 'national'")
    try:
        code = geography.resolve_area(str(area))
    except UnknownAreaError as exc:
        raise ValidationError("area", str(exc)) from exc
    n_draws = _int("draws", draws)
    limit = get_settings().scenario.max_draws
    if not 0 <= n_draws <= limit:
        raise ValidationError("draws", f"must lie in 0..{limit} (0 = expected path only)")
    if seed is None and n_draws > 0:
        raise ValidationError("seed", "required with draws > 0 (the caller owns the seed)")
    root = 0 if seed is None else _int("seed", seed)
    if root < 0:
        raise ValidationError("seed", "must be >= 0")
    parsed = parse_assumptions(assumptions)  # type: ignore[arg-type]
    return Request(first, end, engine.scope_for(str(scope), code), n_draws, root, parsed)


def _population_components(codes: list[str], pop: np.ndarray) -> np.ndarray:
    """Population cells (n, D, T, 2, X), additive over municipalities.

    Float32 draws hold whole numbers, exact in sums up to 2**24 persons per cell.
    """
    return np.moveaxis(pop, 1, 0)


def _summarise(cells: np.ndarray, draws: int) -> np.ndarray:
    """Statistics (5, T, 3, X+1) of population draws (D, T, 2, X): sexes F, M, T and ages
    0..100 plus the total, each from the draws themselves.

    Built draws-last so the quantiles read contiguous rows, in the dtype of the draws
    (float32 whole numbers, exact up to 2**24 persons; float64 for the expected path).
    """
    n, t, _, x = cells.shape
    full = np.empty((t, 3, x + 1, n), dtype=cells.dtype)
    full[:, :2, :x] = np.moveaxis(cells, 0, -1)
    full[:, 2, :x] = full[:, 0, :x] + full[:, 1, :x]
    full[:, :, x] = full[:, :, :x].sum(axis=2)
    if draws == 0:  # the expected path: no quantiles to sort for (they are NaN)
        mean = full.mean(axis=-1)
        quant = np.full((len(STATS), *mean.shape), np.nan, dtype=mean.dtype)
    else:
        mean, quant = draw_quantiles(full, list(STATS.values()), axis=-1)
    return np.concatenate([mean[None], quant], axis=0)


def _run(req: Request, rateset: RateSet) -> np.ndarray:
    """Statistics (area, stat, T, 3, X+1) in the order of ``req.scope.areas``."""
    where = {a: i for i, a in enumerate(req.scope.areas)}
    horizon = req.until - req.base_year + 1
    out = np.empty((len(where), len(STAT_NAMES), horizon, 3, AGES.size + 1))
    for code, cells in engine.run(
        rateset, req.scope, _population_components, draws=req.draws, seed=req.seed
    ):
        out[where[code]] = _summarise(cells, req.draws)
    return out


def project_population(
    cubes: _data.Cubes,
    *,
    base_year: int | None = None,
    until: int | None = None,
    scope: str = "area",
    area: str = geography.MIKKELI_AREA,
    draws: int = 1000,
    seed: int | None = None,
    assumptions: DemographyAssumptions | dict | None = None,
    rateset: RateSet | None = None,
) -> xr.Dataset:
    """Project the population by municipality, sex and single year of age, with intervals.

    Parameters
    ----------
    cubes
        Input cubes by name: :data:`forecasting.demography._data.CUBES`, and for a base year
        after 2019 :data:`~forecasting.demography._data.BASE_CUBES` (an ``Inputs``).
    base_year
        Year of the base population (31.12.): a year of the single-age ``population`` cube
        (2018, 2019) or a later year with totals by sex, components and age key figures
        (2025, see :mod:`forecasting.demography.base`); default the latest such year.
    until
        Last projected year (31.12.); default ``base_year + 20``.
    scope
        ``"area"``: the municipalities of ``area`` and ``area`` itself; ``"national"``: every
        municipality, employment area, region and the country.
    area
        A municipality or aggregate code (``"TA23"``, ``"491"``); ignored for national scope.
    draws
        Stochastic draws (0: the expected path only, intervals NaN).
    seed
        Root seed, required with draws (the caller owns it).
    assumptions
        :class:`DemographyAssumptions` or a nested dict of overrides (default assumptions).
    rateset
        :func:`estimate_rates` of the same request when the caller has it (checked, not
        recomputed).

    Returns
    -------
    Dataset with ``population`` (area, time, sex, age, statistic) and ``population_total``
    (area, time, sex, statistic), persons on 31 December, ``statistic`` the contract's
    ``mean, lo80, hi80, lo95, hi95``; ``sex`` is F, M, T (both); quantiles of totals and of T
    are computed from the draws, not summed. Aggregates are sums of
    their municipalities' draws. Provenance, seed and the assumptions (JSON) are in attrs.

    Raises
    ------
    ValidationError
        A parameter is out of range or the base year lacks data (the error names the
        parameter or the cube).
    """
    req = validate_request(cubes, base_year, until, scope, area, draws, seed, assumptions)
    stats = _run(req, _checked_rateset(cubes, req, rateset))
    return _to_dataset(cubes, req, stats)


def input_cubes(base_year: int) -> tuple[str, ...]:
    """The cubes a projection from ``base_year`` reads (for provenance)."""
    return _data.CUBES if base_year <= 2019 else (*_data.CUBES, *_data.BASE_CUBES)


def _to_dataset(cubes: _data.Cubes, req: Request, stats: np.ndarray) -> xr.Dataset:
    years = np.arange(req.base_year, req.until + 1)
    coords = {
        "area": req.scope.areas,
        "time": [_data.year_end(int(y)) for y in years],
        "sex": SEXES,
        "age": AGES,
    }
    by_stat = pd.Index(STATISTICS, name="statistic")
    order = [STAT_NAMES.index(s) for s in STATISTICS]
    cells = np.moveaxis(stats[:, order], 1, -1)  # (area, time, sex, age+1, statistic)
    ds = xr.Dataset(
        {
            POPULATION: (("area", "time", "sex", "age", "statistic"), cells[:, :, :, :-1]),
            TOTAL: (("area", "time", "sex", "statistic"), cells[:, :, :, -1]),
        },
        coords={**coords, "statistic": by_stat},
    )
    return stamp_output(
        cubes,
        ds,
        req,
        input_cubes(req.base_year),
        units="persons on 31 December",
        method="cohort-component projection",
        age_convention="100 = 100 and over",
        **({"intervals": NO_INTERVALS} if req.draws == 0 else {}),
    )


def stamp_output(
    cubes: _data.Cubes, ds: xr.Dataset, req: Request, names: tuple[str, ...], *, units: str,
    method: str, **extra: str,
) -> xr.Dataset:  # fmt: skip
    """``ds`` with the provenance of the cubes ``names``, the seed, draws and assumptions."""
    return stamp(
        ds,
        source_tables=_data.source_tables(cubes, names),
        retrieved=_data.retrieved(cubes, names),
        data_version=_data.data_version(cubes, names),
        seed=req.seed,
        extra={
            "units": units,
            "time_convention": "31 December (YYYY-12-31); flows during the year",
            "draws": req.draws,
            "base_year": req.base_year,
            "intervals": "central 80 % and 95 % intervals of the draws",
            "assumptions": req.assumptions.describe(),
            "method": f"{method}; see docs/methods/demography.md",
            **method_notes(method),
            **extra,
        },
    )


#: The demography products' methods (``stamp_output``'s ``method``) in Finnish and Swedish:
#: their downloads show the method under "Menetelmä" / "Metod" in the reader's language.
METHODS: dict[str, dict[str, str]] = {
    "cohort-component projection": {
        "fi": "kohorttikomponenttimenetelmällä laadittu väestöennuste",
        "sv": "befolkningsprognos enligt kohort-komponentmetoden",
    },
    "employment rates by age times the projected population": {
        "fi": "ikäryhmittäiset työllisyysasteet kerrottuina ennustetulla väestöllä",
        "sv": "sysselsättningsgraden per ålder gånger den prognostiserade befolkningen",
    },
    "exits from employment as employment rates fall with age": {
        "fi": "työstä poistuminen, kun työllisyysaste laskee iän myötä",
        "sv": "utträden ur arbetslivet när sysselsättningsgraden sjunker med åldern",
    },
}
_SEE = {"en": "see", "fi": "ks.", "sv": "se"}


def method_notes(method: str) -> dict[str, str]:
    """``method_note_<lang>`` (fi, sv, en) and ``method_note`` (English) of a demography
    product's ``method`` (:data:`METHODS`; a method without a translation is English in
    each)."""
    words = {"en": method, **METHODS.get(method, {})}
    notes = {lang: f"{words.get(lang, method)}; {see} docs/methods/demography.md"
             for lang, see in _SEE.items()}  # fmt: skip
    return method_note_attrs(notes)


def population_frame(
    cubes: _data.Cubes,
    *,
    base_year: int | None = None,
    until: int | None = None,
    scope: str = "area",
    area: str = geography.MIKKELI_AREA,
    draws: int = 1000,
    seed: int | None = None,
    assumptions: DemographyAssumptions | dict | None = None,
) -> pd.DataFrame:
    """:func:`project_population` as rows ``area, year, sex, age, mean, lo80, hi80, lo95, hi95``.

    ``sex`` is F, M or T; ``age`` is ``"0"`` .. ``"100"`` (100 = 100+) or ``"total"`` (strings,
    one dtype for the column). Rows are ordered by area (as in the dataset), year, sex, age.
    The dataset's attrs are kept in ``frame.attrs``.
    """
    ds = project_population(
        cubes, base_year=base_year, until=until, scope=scope, area=area, draws=draws,
        seed=seed, assumptions=assumptions,
    )  # fmt: skip
    return dataset_to_frame(ds)


def dataset_to_frame(ds: xr.Dataset) -> pd.DataFrame:
    """Long rows of a :func:`project_population` dataset (see :func:`population_frame`)."""
    dims = ("area", "time", "sex", "age", "statistic")
    singles = ds[POPULATION].transpose(*dims)
    totals = ds[TOTAL].transpose(*dims[:3], "statistic")
    stats = np.concatenate([singles.values, totals.values[:, :, :, None]], axis=3)
    labels = list(map(str, ds["statistic"].values))
    areas, years = ds["area"].values, _data.years_of(ds)
    ages = [*map(str, ds["age"].values), "total"]
    index = pd.MultiIndex.from_product(
        [areas, years, ds["sex"].values, ages], names=["area", "year", "sex", "age"]
    )
    frame = pd.DataFrame(stats.reshape(-1, len(labels)), index=index, columns=labels)
    frame = frame[list(STATISTICS)].reset_index()
    frame.attrs = dict(ds.attrs)
    return frame


# -- the projection in parts (a release maps them over workers) ---------------------------------
def split_parts(scope: engine.Scope, parts: int) -> list[list[list[str]]]:
    """The kernel calls (:func:`engine.chunks`) of ``scope`` cut into ``parts`` runs of whole
    chunks in the engine's order, as even as the chunks allow (a part may be empty)."""
    calls = engine.chunks(scope)
    bounds = [round(i * len(calls) / parts) for i in range(parts + 1)]
    return [calls[bounds[i] : bounds[i + 1]] for i in range(parts)]


def _checked_rateset(cubes: _data.Cubes, req: Request, rateset: RateSet | None) -> RateSet:
    if rateset is None:
        return estimate_rates(cubes, req.base_year, req.until, req.assumptions)
    if (rateset.base_year, rateset.until) != (req.base_year, req.until) or (
        rateset.assumptions != req.assumptions
    ):
        raise ValidationError("rateset", "estimated for other years or assumptions")
    return rateset


def project_population_part(
    cubes: _data.Cubes,
    *,
    part: int,
    parts: int,
    base_year: int | None = None,
    until: int | None = None,
    scope: str = "area",
    area: str = geography.MIKKELI_AREA,
    draws: int = 1000,
    seed: int | None = None,
    assumptions: DemographyAssumptions | dict | None = None,
    rateset: RateSet | None = None,
) -> xr.Dataset:
    """Part ``part`` of ``parts`` of :func:`project_population` (same other parameters).

    The part simulates its runs of whole kernel calls (:func:`split_parts`), exactly the
    calls of the whole projection (draws are seeded per draw and municipality). It returns
    ``stats`` (done, statistic, year, sex, age+total) of its municipalities and of the
    aggregates whose members are all in it, and ``partial`` (partial, draw, year, sex, age):
    the draw sums of its members of every other aggregate, with ``members`` counting them.
    Population draws are whole numbers (float32, exact below 2**24 persons per cell), so
    :func:`combine_population_parts` adds the partial sums in any grouping to the very
    numbers of the whole run. ``rateset``: :func:`estimate_rates` of the same request when
    the caller has it (checked, not recomputed).

    Raises
    ------
    ValidationError
        A parameter is out of range, ``draws=0`` with several parts (the expected path is
        fractional, so its sums depend on the grouping), or ``rateset`` does not match.
    """
    req = validate_request(cubes, base_year, until, scope, area, draws, seed, assumptions)
    calls = part_calls(req, part, parts)
    accumulator = PopulationPart(req, calls)
    simulate_part(_checked_rateset(cubes, req, rateset), req, calls, accumulator)
    return accumulator.finish().assign_attrs(part=part, parts=parts)


def part_calls(req: Request, part: int, parts: int) -> list[list[str]]:
    """The kernel calls of part ``part`` of ``parts`` of ``req`` (:func:`split_parts`).

    Raises
    ------
    ValidationError
        ``part`` outside ``0..parts - 1``, or ``draws=0`` with several parts (the expected
        path is fractional, so its sums depend on the grouping).
    """
    if not 0 <= part < parts:
        raise ValidationError("part", f"must lie in 0..{parts - 1}")
    if req.draws == 0 and parts > 1:
        raise ValidationError("parts", "the expected path (draws=0) is computed in one part")
    return split_parts(req.scope, parts)[part]


def simulate_part(
    rateset: RateSet, req: Request, calls: list[list[str]], *accumulators: PartAccumulator
) -> None:
    """Run the kernel calls ``calls`` in the engine's order, each call's population draws
    handed to every accumulator (which only read them): one simulation feeds several
    products' part statistics."""
    for codes in calls:
        pop = engine.simulate(rateset, codes, req.draws, req.seed)
        for accumulator in accumulators:
            accumulator.add(codes, pop)


def _member_sum(pop: np.ndarray, where: list[int]) -> np.ndarray:
    """The draws (D, T, 2, X) of the municipalities at positions ``where`` of ``pop``
    (D, n, T, 2, X), summed (a view of the one member's draws for a single one)."""
    if len(where) == 1:
        return pop[:, where[0]]
    if where == list(range(where[0], where[-1] + 1)):
        return pop[:, where[0] : where[-1] + 1].sum(axis=1)
    return pop[:, where].sum(axis=1)


class PartAccumulator(Protocol):
    """Part statistics fed with the population draws of a part's kernel calls."""

    def add(self, codes: list[str], pop: np.ndarray) -> None: ...


class PopulationPart:
    """The statistics of one part of a projection (:func:`project_population_part`) from the
    population draws of its kernel calls, fed in the engine's order with :meth:`add`; the
    draws are only read, so another accumulator (the labour supply's) may read them too.

    Parameters
    ----------
    req
        The validated request.
    calls
        The part's kernel calls (:func:`split_parts`).
    """

    def __init__(self, req: Request, calls: list[list[str]]):
        self.req = req
        self.mine = {c for call in calls for c in call}
        self.member_of = req.scope.member_of()
        self.done: dict[str, np.ndarray] = {}
        self.sums: dict[str, np.ndarray] = {}
        self.counts: dict[str, int] = {}

    def add(self, codes: list[str], pop: np.ndarray) -> None:
        """Take the draws ``pop`` (D, n, T, 2, X) of the municipalities ``codes``.

        Sampled draws (float32 whole persons) go into each aggregate as the sum over its
        members in the call, summed once for the aggregates that share those members (an
        employment area, its region and the country usually do): whole numbers below 2**24
        add exactly in any grouping, so the sums are those of adding the members one by
        one, with one pass over the aggregate's draws (17 MB each) per call instead of one
        per member. The expected path (float64 fractions) adds them one by one."""
        cells = _population_components(codes, pop)
        for code, part_cells in zip(codes, cells, strict=True):
            self.done[code] = _summarise(part_cells, self.req.draws)
        if pop.dtype != np.float32:
            for code, part_cells in zip(codes, cells, strict=True):
                for agg in self.member_of.get(code, []):
                    engine.accumulate(self.sums, agg, part_cells)
                    self.counts[agg] = self.counts.get(agg, 0) + 1
            return
        groups: dict[str, list[int]] = {}  # aggregate -> its members' positions in codes
        for i, code in enumerate(codes):
            for agg in self.member_of.get(code, []):
                groups.setdefault(agg, []).append(i)
        totals: dict[tuple[int, ...], np.ndarray] = {}
        for agg, where in groups.items():  # in the order the members meet them
            key = tuple(where)
            if key not in totals:
                totals[key] = _member_sum(pop, where)
            engine.accumulate(self.sums, agg, totals[key])
            self.counts[agg] = self.counts.get(agg, 0) + len(where)

    def finish(self) -> xr.Dataset:
        """``stats`` of the part's areas and aggregates, ``partial_sums`` and ``members`` of
        the aggregates it shares with other parts (see :func:`project_population_part`)."""
        req, done, sums = self.req, self.done, self.sums
        complete = [a for a in sums if set(req.scope.aggregates[a]) <= self.mine]
        for agg in complete:
            done[agg] = _summarise(sums.pop(agg), req.draws)
        horizon = req.until - req.base_year + 1
        shape = (len(STAT_NAMES), horizon, 3, AGES.size + 1)
        ds = xr.Dataset(
            {
                "stats": (
                    ("done", "stat", "year", "sex", "cell"),
                    np.stack(list(done.values())) if done else np.empty((0, *shape)),
                )
            },
            coords={"done": list(done)},
        )
        if sums:
            ds["partial_sums"] = (
                ("partial", "draw", "year", "sex2", "age"),
                np.stack(list(sums.values())),
            )
            ds["members"] = ("partial", np.array([self.counts[a] for a in sums], dtype=np.int64))
            ds = ds.assign_coords(partial=list(sums))
        return ds


def combine_population_parts(
    cubes: _data.Cubes,
    parts: list[xr.Dataset],
    *,
    base_year: int | None = None,
    until: int | None = None,
    scope: str = "area",
    area: str = geography.MIKKELI_AREA,
    draws: int = 1000,
    seed: int | None = None,
    assumptions: DemographyAssumptions | dict | None = None,
) -> xr.Dataset:
    """:func:`project_population` from every part of :func:`project_population_part` (the
    same parameters): identical to the whole run.

    Raises
    ------
    ValidationError
        When an area is missing or an aggregate's partial sums miss members.
    """
    req = validate_request(cubes, base_year, until, scope, area, draws, seed, assumptions)
    where = {a: i for i, a in enumerate(req.scope.areas)}
    horizon = req.until - req.base_year + 1
    out = np.empty((len(where), len(STAT_NAMES), horizon, 3, AGES.size + 1))
    filled: set[str] = set()
    sums: dict[str, np.ndarray] = {}
    counts: dict[str, int] = {}
    for ds in sorted(parts, key=lambda d: int(d.attrs["part"])):
        # in the part's own layout (a release step transposes to the contract's dim order)
        done = ds["stats"].transpose("done", "stat", "year", "sex", "cell")
        for code, stats in zip(map(str, ds["done"].values), done.values, strict=True):
            out[where[code]] = stats
            filled.add(code)
        if "partial_sums" not in ds:
            continue
        partial = ds["partial_sums"].transpose("partial", "draw", "year", "sex2", "age").values
        for i, agg in enumerate(map(str, ds["partial"].values)):
            engine.accumulate(sums, agg, partial[i])
            counts[agg] = counts.get(agg, 0) + int(ds["members"].values[i])
    for agg, cells in sums.items():
        if counts[agg] != len(req.scope.aggregates[agg]):
            raise ValidationError("parts", f"{agg}: {counts[agg]} members in the parts")
        out[where[agg]] = _summarise(cells, req.draws)
        filled.add(agg)
    missing = [a for a in req.scope.areas if a not in filled]
    if missing:
        raise ValidationError("parts", f"no part holds {missing[:5]}")
    return _to_dataset(cubes, req, out)
