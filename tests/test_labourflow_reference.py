"""A plain-NumPy reference of the labour-flow model, and the kernel's agreement with it.

:func:`simulate_numpy` implements the same model as :mod:`models._kernels.labourflow`
(same order of steps, same laws) vectorised over draws with ``numpy.random.Generator``:
binomials per cell, multinomials where the kernel draws person by person. It is the slow
reference the kernel is tested against in distribution (two-sample Kolmogorov-Smirnov and
mean tests on several statistics) and the baseline of the speed figure in
``benchmarks/bench_scenarios.py``.
"""

# Shape letters (B, R, I, D, G) follow the kernel's docstrings.
# ruff: noqa: E741
from __future__ import annotations

import dataclasses
from typing import Any, Literal

import numpy as np
import pytest
from scipy import stats

from models import labourflow as lf


def _stoch_round(rng: np.random.Generator, x: float, size: int) -> np.ndarray:
    n = np.floor(x)
    return (n + (rng.random(size) < x - n)).astype(np.int64)


def _layoff(rng, n, w, i, E, row) -> np.ndarray:
    """(B, R) residents laid off from ``E[:, :, i]`` (capped by who is there)."""
    R = E.shape[1]
    alloc = rng.multinomial(n, row / row.sum())[:, :R]
    moved = np.minimum(alloc, E[:, :, i])
    E[:, :, i] -= moved
    return moved


def _events(rng, t, ev, st, p) -> None:
    E, U, Vev, L, cohort = st["E"], st["U"], st["Vev"], st["L"], st["cohort"]
    B = E.shape[0]
    for k in np.nonzero(ev.t == t)[0]:
        w, i, kind, pool = ev.w[k], ev.i[k], ev.kind[k], ev.pool[k]
        if kind == lf.VACANCIES:
            Vev[:, w, i] += _stoch_round(rng, ev.amount[k], B)
        elif kind == lf.TEMP_END:
            back = rng.binomial(L[:, pool], ev.recall[k])
            E[:, :, i] += back
            U[:, 1, :, i, ev.band[k]] += L[:, pool] - back
            cohort[:, 0] += (L[:, pool] - back).sum(axis=1)
            L[:, pool] = 0
        else:
            n = _stoch_round(rng, ev.amount[k], B)
            moved = _layoff(rng, n, w, i, E, p.resid_of_work[w])
            if kind == lf.TEMP_START:
                L[:, pool] += moved
            elif kind == lf.LAYOFF_COHORT:
                U[:, 1, :, i, 0] += moved
                cohort[:, 0] += moved.sum(axis=1)
            else:
                U[:, 0, :, i, 0] += moved


def _matching(U, vt, p):
    R = U.shape[2]
    ueff = np.einsum("bgrid,d->bri", U, p.eff)
    S = np.einsum("rw,brj->bwj", p.commute[:, :R], ueff @ p.mob)
    with np.errstate(divide="ignore", invalid="ignore"):
        M = p.match_A[None, :, None] * S**p.alpha * vt ** (1 - p.alpha)
        M = np.minimum(np.minimum(M, p.cap * vt), p.hmax * S)
        ok = (S > 0) & (vt > 0)
        theta = np.where(ok, M / S, 0.0)
        fill = np.where(ok, M / vt, 0.0)
    ysum = np.einsum("rw,bwj->brj", p.commute[:, :R], theta)
    ysum += p.commute[:, R][None, :, None] * p.theta_out[None, None, :]
    return fill, ysum, ysum @ p.mob.T


def _unemployed(rng, t, st, p, path, hz, ysum) -> None:
    U, E = st["U"], st["E"]
    ph = np.minimum(p.eff[None, None, None, None, :] * hz[:, None, :, :, None], p.hmax)
    h = rng.binomial(U, ph)
    x = rng.binomial(U - h, path.exit_u[t][None, None, :, None, :])
    left = (U - h - x) * p.age_p[None, None, None, None, :]
    a = np.floor(left + rng.random(left.shape)).astype(np.int64)  # unbiased rounding
    U -= h + x + a
    U[..., 1:] += a[..., :-1]
    st["flows"][:, 1] += x.sum(axis=(1, 2, 3, 4))
    st["cohort"][:, 1] += h[:, 1].sum(axis=(1, 2, 3))
    st["cohort"][:, 2] += x[:, 1].sum(axis=(1, 2, 3))
    H = h.sum(axis=(1, 4))  # (B, R, I)
    P = p.mob[None, None, :, :] * ysum[:, :, None, :]
    tot = P.sum(axis=3, keepdims=True)
    P = np.where(tot > 0, P / np.where(tot > 0, tot, 1.0), 1.0 / P.shape[3])
    E += rng.multinomial(H, P).sum(axis=2)


def _vacancies(rng, t, st, p, path, fill) -> np.ndarray:
    V, Vev, E = st["V"], st["Vev"], st["E"]
    R = V.shape[1]
    ref = path.fillref[t]
    factor = np.where(ref > 0, 0.5 + 0.5 * fill / np.where(ref > 0, ref, 1.0), 1.0)
    c = rng.binomial(V, 1.0 - np.exp(-path.close[t] * factor))
    V += rng.poisson(path.vac_new[t], size=V.shape) - c
    u = rng.binomial(Vev, np.minimum(fill, 1.0))
    o = rng.binomial(Vev - u, p.q_out[None, :, None])
    Vev -= u + o
    rows = p.resid_of_work / p.resid_of_work.sum(axis=1, keepdims=True)
    dest = rng.multinomial(o, np.broadcast_to(rows[None, :, None, :], (*o.shape, R + 1)))
    res = dest[..., :R].sum(axis=1).transpose(0, 2, 1)  # (B, R, I)
    E += res
    st["flows"][:, 0] += res.sum(axis=(1, 2))
    return (c + u + o).sum(axis=2)


def simulate_numpy(
    params: lf.FlowParameters,
    path: lf.FlowPath,
    init: lf.InitialState,
    events: lf.EventSchedule | None = None,
    *,
    draws: int,
    seed: int,
) -> lf.SimulationResult:
    """The reference implementation: same model, NumPy, vectorised over draws.

    It uses the full search-weight matrix ``params.mob`` and one multinomial per residence
    and previous industry for the hires' industries (the kernel splits own-industry hires
    from the rest and places the rest by group: the same law).
    """
    rng = np.random.default_rng(seed)
    ev = events if events is not None else lf.EventSchedule.empty()
    B, T = draws, path.months
    R, I = init.E.shape
    st = {
        "E": np.repeat(init.E[None].astype(np.int64), B, 0),
        "U": np.zeros((B, 2, R, I, lf.N_BANDS), dtype=np.int64),
        "V": np.repeat(init.V[None].astype(np.int64), B, 0),
        "Vev": np.zeros((B, R, I), dtype=np.int64),
        "L": np.zeros((B, max(ev.n_pools, 1), R), dtype=np.int64),
        "cohort": np.zeros((B, 3), dtype=np.int64),
        "flows": np.zeros((B, 2), dtype=np.int64),
    }
    st["U"][:, 0] = init.U
    out: dict[str, list[np.ndarray]] = {
        k: [] for k in ("U", "LT", "E", "V", "C", "coh", "cu", "fl")
    }
    for t in range(T):
        _events(rng, t, ev, st, params)
        E = st["E"]
        s = rng.binomial(E, path.sep[t])
        x = rng.binomial(E - s, path.exit_e[t][None, :, None])
        E -= s + x
        st["flows"][:, 1] += x.sum(axis=(1, 2))
        fill, ysum, hz = _matching(st["U"], path.vac_ref[t][None] + st["Vev"], params)
        _unemployed(rng, t, st, params, path, hz, ysum)
        st["U"][:, 0, :, :, 0] += s
        ent_e = rng.poisson(path.ent_e[t], size=E.shape)
        ent_u = rng.poisson(path.ent_u[t], size=(B, R))
        E += ent_e
        st["U"][:, 0, :, params.new_industry, 0] += ent_u
        st["flows"][:, 0] += ent_e.sum(axis=(1, 2)) + ent_u.sum(axis=1)
        closed = _vacancies(rng, t, st, params, path, fill)
        U = st["U"]
        out["U"].append(U.sum(axis=(1, 3, 4)) + st["L"].sum(axis=1))
        out["LT"].append(U[..., -1].sum(axis=(1, 3)))
        out["E"].append(E.copy())
        out["V"].append((st["V"] + st["Vev"]).sum(axis=2))
        out["C"].append(closed)
        out["coh"].append(np.c_[st["cohort"], U[:, 1].sum(axis=(1, 2, 3))])
        out["cu"].append(U[:, 1].sum(axis=(1, 3)))
        out["fl"].append(st["flows"].copy())
    arr = {k: np.stack(v, axis=1).astype(np.int32) for k, v in out.items()}
    return lf.SimulationResult(
        unemployed=arr["U"], long_term=arr["LT"], employed=arr["E"], vacancies=arr["V"],
        closed=arr["C"], cohort=arr["coh"], cohort_unemployed=arr["cu"], flows=arr["fl"],
        start_people=init.people, seed=seed,
    )  # fmt: skip


# --- a small synthetic model (3 municipalities, 5 industries) -------------------------------


def read_only(array: np.ndarray, order: Literal["C", "F"] = "C") -> np.ndarray:
    """A read-only copy of ``array`` in ``order``, as the scenario engine's cached calibration
    hands its arrays to the kernel.

    numba compiles the kernel once per argument layout (read-only or not, C or Fortran order);
    giving the small model the layout of the Mikkeli (TA23) calibration, whose
    ``resid_of_work`` is column-major, lets these tests run the specialisation the scenario
    tests have already compiled instead of compiling one of their own (some 20 s on a fresh
    checkout). The values, and so what the tests check, are the same in any layout.
    """
    out = np.array(array, order=order, copy=True)
    out.flags.writeable = False
    return out


def _frozen(obj: Any) -> Any:
    """``obj`` (a FlowParameters / FlowPath / InitialState) with every array read-only, C order
    except ``resid_of_work`` (Fortran, see :func:`read_only`)."""
    changes = {
        f.name: read_only(value, "F" if f.name == "resid_of_work" else "C")
        for f in dataclasses.fields(obj)
        if isinstance(value := getattr(obj, f.name), np.ndarray)
    }
    return dataclasses.replace(obj, **changes)


def small_model_inputs(
    months: int = 24, seed: int = 0
) -> tuple[lf.FlowParameters, lf.FlowPath, lf.InitialState, lf.EventSchedule]:
    """A small model with every mechanism switched on and every event kind scheduled."""
    rng = np.random.default_rng(seed)
    R, I, D, T = 3, 5, lf.N_BANDS, months
    jobs = np.array([800.0, 5000.0, 400.0])
    mix = rng.dirichlet(np.ones(I) * 2, size=R)
    commute = np.array([[0.7, 0.2, 0.0, 0.1], [0.05, 0.85, 0.02, 0.08], [0.05, 0.25, 0.6, 0.1]])
    params = lf.FlowParameters(
        age_p=np.array([1 / 3, 1 / 3, 1 / 6, 0.0]),
        eff=np.array([1.0, 0.75, 0.55, 0.35]),
        commute=commute,
        own=np.array([0.5, 0.5, 0.5, 0.5, 0.0]),
        grp=np.array([0, 0, 1, 1, 2]),
        spread=np.array(
            [[0.3, 0.3, 0.2, 0.1, 0.1], [0.1, 0.1, 0.4, 0.3, 0.1], [0.2, 0.2, 0.2, 0.2, 0.2]]
        ),
        match_A=np.full(R, 0.4),
        alpha=0.6,
        cap=5.0,
        hmax=0.6,
        theta_out=np.full(I, 0.15),
        resid_of_work=np.array(
            [[0.8, 0.1, 0.0, 0.1], [0.1, 0.75, 0.05, 0.1], [0.0, 0.2, 0.7, 0.1]]
        ),
        q_out=np.full(R, 0.35),
        new_industry=I - 1,
    )
    E = np.floor(jobs[:, None] * mix).astype(np.int64)
    U = np.floor(0.1 * jobs[:, None, None] * mix[:, :, None] * [0.35, 0.2, 0.18, 0.27]).astype(
        np.int64
    )
    V = np.floor(0.02 * jobs[:, None] * mix).astype(np.int64)
    season = 1 + 0.3 * np.sin(np.arange(T) * 2 * np.pi / 12)
    path = lf.FlowPath(
        sep=np.full((T, R, I), 0.012) * season[:, None, None],
        exit_e=np.full((T, R), 0.006),
        exit_u=np.full((T, R, D), 0.03),
        ent_u=0.004 * jobs[None, :] * season[:, None],
        ent_e=np.broadcast_to(0.003 * jobs[:, None] * mix, (T, R, I)).copy(),
        vac_new=np.broadcast_to(0.015 * jobs[:, None] * mix, (T, R, I)).copy(),
        close=np.full((T, R, I), 1.0),
        fillref=np.full((T, R, I), 1.5),
        vac_ref=np.broadcast_to(0.02 * jobs[:, None] * mix, (T, R, I)).copy(),
    )
    events = lf.EventSchedule.from_rows(
        [
            (2, 0, 1, lf.LAYOFF_COHORT, 0, 60.5, 0.0, 0),
            (3, 0, 1, lf.LAYOFF_COHORT, 0, 60.0, 0.0, 0),
            (4, 1, 3, lf.LAYOFF, 0, 12.3, 0.0, 0),
            (4, 1, 2, lf.VACANCIES, 0, 80.0, 0.0, 0),
            (6, 2, 0, lf.TEMP_START, 0, 25.0, 0.0, 0),
            (10, 2, 0, lf.TEMP_END, 0, 0.0, 0.7, 1),
        ]
    )
    return _frozen(params), _frozen(path), _frozen(lf.InitialState(E, U, V)), events


@pytest.fixture(scope="module")
def small_model() -> tuple[lf.FlowParameters, lf.FlowPath, lf.InitialState, lf.EventSchedule]:
    return small_model_inputs()


# --- tests --------------------------------------------------------------------------------


def _statistics(res: lf.SimulationResult, t: int) -> dict[str, np.ndarray]:
    return {
        "unemployed_total": res.unemployed[:, t].sum(axis=1),
        "unemployed_small": res.unemployed[:, t, 0],
        "long_term_total": res.long_term[:, t].sum(axis=1),
        "employed_c": res.employed[:, t, :, 2].sum(axis=1),
        "vacancies_total": res.vacancies[:, t].sum(axis=1),
        "cohort_reemployed": res.cohort[:, t, lf.COHORT_REEMPLOYED],
        "entries": res.flows[:, t, 0],
    }


def test_numpy_reference_conserves_people(small_model):
    params, path, init, events = small_model
    res = simulate_numpy(params, path, init, events, draws=20, seed=3)
    balance = res.people() + res.flows[:, :, 1] - res.flows[:, :, 0]
    np.testing.assert_array_equal(balance, res.start_people)


@pytest.mark.slow
def test_kernel_agrees_with_numpy_reference_in_distribution(small_model):
    """Two-sample KS test (Bonferroni over the statistics) and means within 4 standard errors."""
    params, path, init, events = small_model
    draws = 600
    fast = lf.simulate(params, path, init, events, draws=draws, seed=11)
    slow = simulate_numpy(params, path, init, events, draws=draws, seed=12)
    for t in (5, path.months - 1):
        a, b = _statistics(fast, t), _statistics(slow, t)
        for name in a:
            x, y = a[name].astype(float), b[name].astype(float)
            p = stats.ks_2samp(x, y).pvalue
            assert p > 0.001 / len(a), f"{name} at month {t}: KS p = {p:.2g}"
            se = np.sqrt(x.var() / draws + y.var() / draws)
            assert abs(x.mean() - y.mean()) <= 4 * se + 1e-9, f"{name} at month {t}"
