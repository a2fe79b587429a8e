"""Monte Carlo labour-flow model: employed, unemployed and vacancies month by month.

The wrapper validates and allocates; the numba kernel (:mod:`models._kernels.labourflow`)
does the arithmetic, in parallel over draws. Shapes: ``R`` municipalities, ``I`` industries,
``D = 4`` duration bands (0-3, 3-6, 6-12, 12+ months), ``T`` months, ``B`` draws; a
workplace axis of length ``R + 1`` ends with "outside the area".

Reproducibility: draw ``b`` starts a SplitMix64 stream at the first 64-bit word of the
``b``-th child of ``numpy.random.SeedSequence(seed)``; a draw runs on one thread from start
to end (in a block of draws side by side, each reading only its own stream), so the same
``seed`` gives bit-identical output whatever the number of threads.
"""

# Shape letters (R, I, D, T, B) follow the docstrings.
# ruff: noqa: E741
from __future__ import annotations

from dataclasses import dataclass, fields
from functools import lru_cache

import numba
import numpy as np

from models._kernels import labourflow as _k

N_BANDS = _k.N_BANDS
BAND_LABELS = ("0-3", "3-6", "6-12", "12+")
#: Event kinds understood by :class:`EventSchedule`.
LAYOFF_COHORT = _k.EV_LAYOFF_COHORT
LAYOFF = _k.EV_LAYOFF
VACANCIES = _k.EV_VACANCIES
TEMP_START = _k.EV_TEMP_START
TEMP_END = _k.EV_TEMP_END
#: Columns of ``SimulationResult.cohort``.
COHORT_SIZE = _k.COHORT_SIZE
COHORT_REEMPLOYED = _k.COHORT_REEMPLOYED
COHORT_EXITED = _k.COHORT_EXITED
COHORT_UNEMPLOYED = _k.COHORT_UNEMPLOYED
#: Columns of ``SimulationResult.flows``.
FLOW_ENTRIES = _k.FLOW_ENTRIES
FLOW_EXITS = _k.FLOW_EXITS


@dataclass(frozen=True)
class FlowParameters:
    """Time-invariant parameters.

    Attributes
    ----------
    age_p : (D,) monthly probability of moving to the next duration band (last entry 0).
    eff : (D,) relative search efficiency by duration band.
    commute : (R, R + 1) share of a resident's job search aimed at each workplace
        (last column: outside the area); rows sum to at most 1.
    own : (I,) share of a jobseeker's search aimed at the own (previous) industry.
    grp : (I,) int sector group of each industry.
    spread : (NG, I) where the rest of a group's search goes (rows sum to 1); the search
        weights are ``mob[i, j] = own[i] (i == j) + (1 - own[i]) spread[grp[i], j]``.
    match_A : (R,) matching efficiency by workplace.
    alpha : elasticity of matches with respect to effective searchers (0 < alpha < 1).
    cap : maximum matches per vacancy and month.
    hmax : maximum monthly job-finding probability of a jobseeker.
    theta_out : (I,) monthly hires per effective searcher outside the area.
    resid_of_work : (R, R + 1) residence of a job holder at workplace w (last: outside).
    q_out : (R,) monthly probability that an event vacancy is filled from outside
        unemployment (job-to-job, in-migrants, in-commuters).
    new_industry : index of the previous-industry cell of new entrants (TOL X, unknown).
    """

    age_p: np.ndarray
    eff: np.ndarray
    commute: np.ndarray
    own: np.ndarray
    grp: np.ndarray
    spread: np.ndarray
    match_A: np.ndarray
    alpha: float
    cap: float
    hmax: float
    theta_out: np.ndarray
    resid_of_work: np.ndarray
    q_out: np.ndarray
    new_industry: int

    @property
    def mob(self) -> np.ndarray:
        """(I, I) search weights of previous industry i on industry j (rows sum to 1)."""
        full = (1.0 - self.own)[:, None] * self.spread[self.grp]
        full[np.diag_indices_from(full)] += self.own
        return full


@dataclass(frozen=True)
class FlowPath:
    """Time-varying rates of the baseline, one entry per simulated month.

    Attributes
    ----------
    sep : (T, R, I) probability that an employed resident becomes unemployed.
    exit_e : (T, R) probability that an employed resident leaves the labour force.
    exit_u : (T, R, D) probability that a jobseeker leaves the labour force or the register.
    ent_u : (T, R) expected entries into unemployment from outside the labour force (persons).
    ent_e : (T, R, I) expected entries straight into employment (persons).
    vac_new : (T, R, I) expected new registered vacancies (still open at month end).
    close : (T, R, I) closure intensity of a registered vacancy at the reference fill rate.
    fillref : (T, R, I) reference fill rate (matches per vacancy) of the baseline; a vacancy
        closes with probability ``1 - exp(-close * (1 + f / fillref) / 2)`` at fill rate f.
    vac_ref : (T, R, I) expected registered vacancies: the openings side of the matching
        function (plus the events' new jobs).
    """

    sep: np.ndarray
    exit_e: np.ndarray
    exit_u: np.ndarray
    ent_u: np.ndarray
    ent_e: np.ndarray
    vac_new: np.ndarray
    close: np.ndarray
    fillref: np.ndarray
    vac_ref: np.ndarray

    @property
    def months(self) -> int:
        return int(self.sep.shape[0])


@dataclass(frozen=True)
class InitialState:
    """Integer stocks at the start: ``E`` (R, I), ``U`` (R, I, D), ``V`` (R, I)."""

    E: np.ndarray
    U: np.ndarray
    V: np.ndarray

    @property
    def people(self) -> int:
        return int(self.E.sum() + self.U.sum())


@dataclass(frozen=True)
class EventSchedule:
    """Scenario events as flat arrays sorted by month (``K`` rows).

    ``t`` month index, ``w`` workplace, ``i`` industry, ``kind`` (``LAYOFF_COHORT``,
    ``LAYOFF``, ``VACANCIES``, ``TEMP_START``, ``TEMP_END``), ``pool`` temporary-layoff
    tranche, ``amount`` expected persons or vacancies (rounded without bias per draw),
    ``recall`` share recalled at ``TEMP_END``, ``band`` duration band of the not recalled.
    """

    t: np.ndarray
    w: np.ndarray
    i: np.ndarray
    kind: np.ndarray
    pool: np.ndarray
    amount: np.ndarray
    recall: np.ndarray
    band: np.ndarray

    @classmethod
    def empty(cls) -> EventSchedule:
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z, z, z, z, np.zeros(0), np.zeros(0), z)

    @classmethod
    def from_rows(
        cls, rows: list[tuple[int, int, int, int, int, float, float, int]]
    ) -> EventSchedule:
        """Build from ``(t, w, i, kind, pool, amount, recall, band)`` rows (any order)."""
        if not rows:
            return cls.empty()
        rows = sorted(rows, key=lambda row: row[0])
        cols = list(zip(*rows, strict=True))
        t, w, i, kind, pool = (np.asarray(c, dtype=np.int64) for c in cols[:5])
        return cls(
            t,
            w,
            i,
            kind,
            pool,
            np.asarray(cols[5], dtype=np.float64),
            np.asarray(cols[6], dtype=np.float64),
            np.asarray(cols[7], dtype=np.int64),
        )

    @property
    def n_pools(self) -> int:
        return int(self.pool.max()) + 1 if self.pool.size else 0


@dataclass(frozen=True)
class SimulationResult:
    """Per-draw outputs (int32), ``B`` draws by ``T`` end-of-month states.

    Attributes
    ----------
    unemployed, long_term : (B, T, R) jobseekers (incl. temporarily laid off), and 12+ months.
    employed : (B, T, R, I) employed residents by industry.
    vacancies, closed : (B, T, R) open vacancies at month end; vacancies closed in the month.
    cohort : (B, T, 4) displaced cohort: cumulative displaced, re-employed, exited; unemployed.
    cohort_unemployed : (B, T, I) displaced still unemployed by industry of origin.
    flows : (B, T, 2) cumulative entries and exits of the labour force (persons).
    start_people : employed plus unemployed at the start.
    seed : the seed of the run.
    """

    unemployed: np.ndarray
    long_term: np.ndarray
    employed: np.ndarray
    vacancies: np.ndarray
    closed: np.ndarray
    cohort: np.ndarray
    cohort_unemployed: np.ndarray
    flows: np.ndarray
    start_people: int
    seed: int

    def people(self) -> np.ndarray:
        """(B, T) employed plus unemployed in every draw and month."""
        return self.employed.sum(axis=(2, 3), dtype=np.int64) + self.unemployed.sum(
            axis=2, dtype=np.int64
        )


@dataclass(frozen=True)
class MatchingRates:
    """Expected matching quantities at a state (see :func:`matching`); all float64.

    theta (R, I) matches per effective searcher; fillrate (R, I) matches per vacancy;
    ysum (R, I) hire rate per effective searcher by residence and target industry over all
    workplaces; yg (R, NG) its mean under each group's spread; hz (R, I) hazard per unit
    search efficiency by previous industry.
    """

    theta: np.ndarray
    fillrate: np.ndarray
    ysum: np.ndarray
    yg: np.ndarray
    hz: np.ndarray


def spawn_seeds(seed: int, draws: int) -> np.ndarray:
    """One stream state per draw from ``SeedSequence(seed).spawn(draws)``; (draws,) uint64.

    Memoised per ``(seed, draws)`` (spawning costs about 0.1 ms a draw); returns a copy.
    """
    return _spawn_seeds(int(seed), int(draws)).copy()


@lru_cache(maxsize=64)
def _spawn_seeds(seed: int, draws: int) -> np.ndarray:
    children = np.random.SeedSequence(seed).spawn(draws)
    return np.array([c.generate_state(1, dtype=np.uint64)[0] for c in children], dtype=np.uint64)


def matching(
    U: np.ndarray, V: np.ndarray, Vev: np.ndarray, params: FlowParameters
) -> MatchingRates:
    """Expected matching rates at a (possibly fractional) state.

    Parameters
    ----------
    U : (G, R, I, D) or (R, I, D) jobseekers; V, Vev : (R, I) vacancies.
    """
    U = np.asarray(U, dtype=np.float64)
    if U.ndim == 3:
        U = U[None]
    R, I = V.shape
    NG = params.spread.shape[0]
    z = np.zeros
    out = MatchingRates(z((R, I)), z((R, I)), z((R, I)), z((R, NG)), z((R, I)))
    vt = np.asarray(V, dtype=np.float64) + np.asarray(Vev, dtype=np.float64)
    with np.errstate(divide="ignore"):
        logvt = np.log(vt)
    _k.matching_rates(
        np.ascontiguousarray(U), vt, logvt, params.eff, params.commute, params.own,
        params.grp, params.spread, params.match_A, float(params.alpha), float(params.cap),
        float(params.hmax), params.theta_out, np.zeros((R, I)), out.theta, out.fillrate,
        out.ysum, out.yg, out.hz,
    )  # fmt: skip
    return out


def _check(params: FlowParameters, path: FlowPath, init: InitialState) -> None:
    R, I = init.E.shape
    T = path.months
    expected = {
        "sep": (T, R, I), "exit_e": (T, R), "exit_u": (T, R, N_BANDS), "ent_u": (T, R),
        "ent_e": (T, R, I), "vac_new": (T, R, I), "close": (T, R, I), "fillref": (T, R, I),
        "vac_ref": (T, R, I),
    }  # fmt: skip
    for name, shape in expected.items():
        arr = getattr(path, name)
        if arr.shape != shape:
            raise ValueError(f"path.{name} has shape {arr.shape}, expected {shape}")
        if not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise ValueError(f"path.{name} must be finite and non-negative")
    for name in ("sep", "exit_e", "exit_u"):
        if np.any(getattr(path, name) > 1):
            raise ValueError(f"path.{name} holds probabilities > 1")
    if init.U.shape != (R, I, N_BANDS) or init.V.shape != (R, I):
        raise ValueError("initial U must be (R, I, D) and V (R, I)")
    for name in ("E", "U", "V"):
        if np.any(getattr(init, name) < 0):
            raise ValueError(f"initial {name} has negative counts")
    shapes = {
        "commute": (R, R + 1), "own": (I,), "grp": (I,), "match_A": (R,), "theta_out": (I,),
        "resid_of_work": (R, R + 1), "q_out": (R,), "age_p": (N_BANDS,), "eff": (N_BANDS,),
    }  # fmt: skip
    for name, shape in shapes.items():
        if getattr(params, name).shape != shape:
            raise ValueError(f"params.{name} has shape {getattr(params, name).shape}, not {shape}")
    if not 0.0 < params.alpha < 1.0:
        raise ValueError("alpha must lie in (0, 1)")
    NG = params.spread.shape[0]
    if params.spread.shape != (NG, I) or not np.allclose(params.spread.sum(axis=1), 1.0):
        raise ValueError("params.spread must be (NG, I) with rows summing to 1")
    if params.grp.min() < 0 or params.grp.max() >= NG:
        raise ValueError("params.grp must index rows of params.spread")


#: The parameters and event arrays handed to the kernel (see :func:`_inp`).
_FLOAT_PARAMS = ("age_p", "eff", "commute", "own", "spread", "match_A", "theta_out",
                 "resid_of_work", "q_out")  # fmt: skip
_EVENT_ARRAYS = ("t", "w", "i", "kind", "pool", "amount", "recall", "band")


def _inp(a: np.ndarray, dtype: type | None) -> np.ndarray:
    """A kernel input as one layout: C-ordered and read-only (a view; no copy when the array
    already is C-ordered of ``dtype``). numba compiles a kernel once per layout and
    writeable flag of its arguments, so inputs arriving as Fortran-ordered, writeable or
    read-only arrays (calibrations of different areas, tests) each cost a compilation
    (~19 CPU s for :func:`simulate`); the kernel only reads them."""
    view = np.ascontiguousarray(a, dtype=dtype).view()
    view.flags.writeable = False
    return view


#: Blocks of ``LANES`` draws (run side by side) a numba thread takes at a time from the
#: shared range (see :func:`simulate`).
DRAW_CHUNK = 1


def simulate(
    params: FlowParameters,
    path: FlowPath,
    init: InitialState,
    events: EventSchedule | None = None,
    *,
    draws: int,
    seed: int,
) -> SimulationResult:
    """Run ``draws`` Monte Carlo draws of the labour-flow model over ``path.months`` months.

    Returns
    -------
    SimulationResult
        Integer outputs by draw and month (end-of-month states).
    """
    _check(params, path, init)
    if draws < 1:
        raise ValueError("draws must be positive")
    events = events if events is not None else EventSchedule.empty()
    R, I = init.E.shape
    T = path.months
    B = int(draws)
    out = SimulationResult(
        unemployed=np.zeros((B, T, R), dtype=np.int32),
        long_term=np.zeros((B, T, R), dtype=np.int32),
        employed=np.zeros((B, T, R, I), dtype=np.int32),
        vacancies=np.zeros((B, T, R), dtype=np.int32),
        closed=np.zeros((B, T, R), dtype=np.int32),
        cohort=np.zeros((B, T, 4), dtype=np.int32),
        cohort_unemployed=np.zeros((B, T, I), dtype=np.int32),
        flows=np.zeros((B, T, 2), dtype=np.int32),
        start_people=init.people,
        seed=int(seed),
    )
    f64 = {f.name: _inp(getattr(path, f.name), np.float64) for f in fields(path)}
    p64 = {name: _inp(getattr(params, name), np.float64) for name in _FLOAT_PARAMS}
    ev = {name: _inp(getattr(events, name), None) for name in _EVENT_ARRAYS}
    # Threads take blocks of draws DRAW_CHUNK at a time from the shared range rather than
    # one equal share each: a thread slowed by another process no longer leaves the other
    # spinning at the end (measured: two concurrent processes with two threads each spent
    # 8-16 % more CPU than with one thread each; about 0-4 % with chunks). Draws are
    # independent, so the results do not depend on the schedule.
    with numba.parallel_chunksize(DRAW_CHUNK):
        _k.simulate(
            spawn_seeds(seed, B),
            _inp(init.E, np.int64), _inp(init.U, np.int64), _inp(init.V, np.int64),
            f64["sep"], f64["exit_e"], f64["exit_u"], f64["ent_u"], f64["ent_e"], f64["vac_new"],
            f64["close"], f64["fillref"], f64["vac_ref"], p64["age_p"], p64["eff"],
            p64["commute"], p64["own"], _inp(params.grp, np.int64), p64["spread"],
            p64["match_A"],
            float(params.alpha), float(params.cap), float(params.hmax), p64["theta_out"],
            p64["resid_of_work"], p64["q_out"], int(params.new_industry),
            ev["t"], ev["w"], ev["i"], ev["kind"], ev["pool"], ev["amount"], ev["recall"],
            ev["band"], events.n_pools,
            out.unemployed, out.long_term, out.employed, out.vacancies, out.closed, out.cohort,
            out.cohort_unemployed, out.flows,
        )  # fmt: skip
    return out


def quantiles(x: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Quantiles over the first (draw) axis: ``x`` (B, ...) -> (Q, ...) float64.

    Same values as ``np.nanquantile(x, probs, axis=0)`` to rounding (linear interpolation
    ``a + (b - a) t``; NaN only where every draw is NaN). Integer input is counted in
    parallel over blocks of cells straight from the draws-first layout (no transposed
    copy); floats are sorted cell by cell with numpy's vectorised sort (about three times
    faster than the sorting kernel ``_k.quantiles_over_draws``, whose bits it gives).
    """
    x = np.asarray(x)
    probs = np.asarray(probs, dtype=np.float64)
    B = x.shape[0]
    integer = x.dtype.kind in "iu"
    if integer and x.dtype not in (np.int32, np.int64):
        x = x.astype(np.int64)
    elif not integer and x.dtype != np.float64:
        x = x.astype(np.float64)
    cols = np.ascontiguousarray(x).reshape(B, -1)  # a view for C-ordered input
    if not integer:
        return _sorted_quantiles(cols, probs).T.reshape((probs.size, *x.shape[1:]))
    out = np.empty((cols.shape[1], probs.size))
    _k.quantiles_over_draws_int(cols, probs, out)
    return out.T.reshape((probs.size, *x.shape[1:]))


def _sorted_quantiles(cols: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """(N, Q) quantiles ``probs`` of the columns of ``cols`` (B, N) float64, NaN ignored:
    each cell's draws sorted (NaN last), then ``a + (b - a) t`` between the order
    statistics around ``p (m - 1)`` of its ``m`` values; NaN where a cell has none."""
    rows = np.ascontiguousarray(cols.T)
    rows.sort(axis=1)
    n, b = rows.shape
    m = b - np.count_nonzero(np.isnan(rows[:, -1:]), axis=1) if b else np.zeros(n, np.int64)
    if b and m.min() < b:  # some cells hold NaN: count each cell's values
        m = b - np.count_nonzero(np.isnan(rows), axis=1)
    pos = probs[None, :] * (m[:, None] - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, m[:, None] - 1)
    at = np.arange(n)[:, None]
    a = rows[at, np.maximum(lo, 0)]
    c = rows[at, np.maximum(hi, 0)]
    q = a + (c - a) * (pos - lo)
    q[m == 0] = np.nan
    return q
