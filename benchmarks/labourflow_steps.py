"""CPU time per month step of the labour-flow kernel (see ``benchmarks/labourflow_kernel.py``).

The state before every month of ``N`` draws is recorded by a serial run of the kernel's
step functions (the order of :func:`models._kernels.labourflow.simulate`); the recorded
months are then replayed with only their first ``k`` steps, ``k = 0..9`` (``k = 0``: copying
the state back), and the difference of successive replays is the cost of step ``k``. Keep
:func:`_months` in step with the kernel's month loop.
"""

# Shape letters (R, I, D, ...) follow the docstrings.
# ruff: noqa: E741
from __future__ import annotations

import time
from typing import Any

import numba
import numpy as np

from models._kernels import labourflow as K
from models._kernels.labourflow_employed import employed_flows, inflows
from models._kernels.labourflow_events import apply_events
from models._kernels.labourflow_jobseekers import place_spread_hires, unemployed_flows
from models._kernels.labourflow_matching import matching_rates, matching_vacancies
from models._kernels.labourflow_record import record_month
from models._kernels.labourflow_vacancies import vacancy_flows

STEPS = (
    "apply_events",
    "employed_flows",
    "matching_vacancies",
    "matching_rates",
    "unemployed_flows",
    "place_spread_hires",
    "inflows",
    "vacancy_flows",
    "record_month",
)


@numba.njit
def _months(
    replay: bool, upto: int, nb: int,
    sE: Any, sU: Any, sV: Any, sVev: Any, sL: Any, scoh: Any, sflows: Any, srng: Any, sk: Any,
    seeds: Any, E0: Any, U0: Any, V0: Any, exit_u: Any, ent_u: Any, ent_e: Any, vac_new: Any,
    vac_ref: Any, age_p: Any, eff: Any, commute: Any, own: Any, grp: Any, spread: Any,
    match_A: Any, alpha: float, cap: float, hmax: float, theta_out: Any, resid_of_work: Any,
    q_out: Any, new_industry: int, ev_t: Any, ev_w: Any, ev_i: Any, ev_kind: Any,
    ev_pool: Any, ev_amount: Any, ev_recall: Any, ev_band: Any,
    leave: Any, log1m_leave: Any, odds_leave: Any, sep_share: Any, log_ref: Any,
    pois_u: Any, pois_e: Any, pois_v: Any, vac_mode: Any, close_a: Any, close_b: Any,
    out_unemp: Any, out_ltu: Any, out_emp: Any, out_vac: Any, out_closed: Any,
    out_cohort: Any, out_cohort_u: Any, out_flows: Any,
) -> None:  # fmt: skip
    """Trace (``replay`` False: run the months, saving each pre-month state in ``s*``) or
    replay the saved months with their first ``upto`` steps."""
    T = sE.shape[1]
    R, I = E0.shape
    rng = np.empty(1, dtype=np.uint64)
    E = E0.copy()
    U = np.zeros((2, R, I, 4), dtype=np.int64)
    V = V0.copy()
    Vev = np.zeros((R, I), dtype=np.int64)
    L = np.zeros((sL.shape[2], R), dtype=np.int64)
    sepbuf = np.zeros((R, I), dtype=np.int64)
    buf = np.zeros(R, dtype=np.int64)
    closed = np.zeros(R, dtype=np.int64)
    cohort = np.zeros(3, dtype=np.int64)
    flows = np.zeros(2, dtype=np.int64)
    wj = np.zeros((R, I))
    theta = np.zeros((R, I))
    fillrate = np.zeros((R, I))
    ysum = np.zeros((R, I))
    hz = np.zeros((R, I))
    yg = np.zeros((R, spread.shape[0]))
    spreadh = np.zeros((R, spread.shape[0]), dtype=np.int64)
    cum = np.zeros(I)
    Vm = np.zeros((R, I))
    logVm = np.zeros((R, I))
    for b in range(nb):
        if not replay:
            rng[0] = seeds[b]
            E[:] = E0
            U[:] = 0
            U[0] = U0
            V[:] = V0
            Vev[:] = 0
            L[:] = 0
            cohort[:] = 0
            flows[:] = 0
        k = 0
        for t in range(T):
            if replay:
                E[:] = sE[b, t]
                U[:] = sU[b, t]
                V[:] = sV[b, t]
                Vev[:] = sVev[b, t]
                L[:] = sL[b, t]
                cohort[:] = scoh[b, t]
                flows[:] = sflows[b, t]
                rng[0] = srng[b, t]
                k = sk[b, t]
                sepbuf[:] = 0
                spreadh[:] = 0
            else:
                sE[b, t] = E
                sU[b, t] = U
                sV[b, t] = V
                sVev[b, t] = Vev
                sL[b, t] = L
                scoh[b, t] = cohort
                sflows[b, t] = flows
                srng[b, t] = rng[0]
                sk[b, t] = k
            if upto >= 1:
                k = apply_events(
                    rng, t, k, ev_t, ev_w, ev_i, ev_kind, ev_pool, ev_amount, ev_recall,
                    ev_band, resid_of_work, E, U, Vev, L, buf, cohort,
                )  # fmt: skip
            if upto >= 2:
                flows[1] += employed_flows(
                    rng, t, E, leave, log1m_leave, odds_leave, sep_share, sepbuf
                )
            if upto >= 3:
                matching_vacancies(t, vac_ref, log_ref, Vev, Vm, logVm)
            Ua = U if cohort[0] > 0 else U[:1]
            if upto >= 4:
                matching_rates(
                    Ua, Vm, logVm, eff, commute, own, grp, spread, match_A, alpha, cap, hmax,
                    theta_out, wj, theta, fillrate, ysum, yg, hz,
                )  # fmt: skip
            if upto >= 5:
                flows[1] += unemployed_flows(
                    rng, t, Ua, E, own, grp, ysum, yg, eff, hmax, exit_u, age_p, spreadh,
                    cohort,
                )  # fmt: skip
            if upto >= 6:
                place_spread_hires(rng, spreadh, spread, ysum, yg, cum, E)
            if upto >= 7:
                flows[0] += inflows(
                    rng, t, U, E, sepbuf, ent_u, ent_e, pois_u, pois_e, new_industry
                )
            if upto >= 8:
                flows[0] += vacancy_flows(
                    rng, t, V, Vev, E, fillrate, close_a, close_b, vac_new, vac_mode,
                    pois_v[1], pois_v[2], q_out, resid_of_work, closed,
                )  # fmt: skip
            if upto >= 9:
                record_month(
                    b, t, E, U, V, Vev, L, closed, cohort, flows, out_unemp, out_ltu,
                    out_emp, out_vac, out_closed, out_cohort, out_cohort_u, out_flows,
                )  # fmt: skip


def step_costs(inputs: tuple[Any, ...], nb: int, repeat: int) -> dict[str, float]:
    """Print and return the CPU nanoseconds per month of one draw of each step."""
    import models.labourflow as lf

    params, path, init, events, _draws, seed = inputs
    R, I = init.E.shape
    T = path.months
    f = {name: np.ascontiguousarray(getattr(path, name), dtype=np.float64)
         for name in ("sep", "exit_e", "exit_u", "ent_u", "ent_e", "vac_new", "close",
                      "fillref", "vac_ref")}  # fmt: skip
    # The kernel's per-run invariants (as in models._kernels.labourflow.simulate).
    sep = f["sep"]
    leave = sep + (1.0 - sep) * f["exit_e"][:, :, None]
    lm = np.minimum(leave, 1.0 - 1e-12)
    log1m_leave = np.log1p(-lm)
    odds_leave = leave / (1.0 - lm)
    with np.errstate(divide="ignore", invalid="ignore"):
        sep_share = np.where(leave > 0.0, sep / np.maximum(leave, 1e-300), 0.0)
    log_ref = np.log(np.maximum(f["vac_ref"], 1e-300))
    pois_u = K._poisson_tables(f["ent_u"])
    pois_e = K._poisson_tables(f["ent_e"])
    pois_v = K._poisson_tables(f["vac_new"])
    vac_mode = pois_v[0].astype(np.int64)
    fr = f["fillref"]
    close = f["close"]
    close_a = np.where(fr > 0.0, 0.5 * close, close)
    with np.errstate(divide="ignore", invalid="ignore"):
        close_b = np.where(fr > 0.0, 0.5 * close / np.maximum(fr, 1e-300), 0.0)
    P = max(events.n_pools, 1)
    s = {
        "E": np.zeros((nb, T, R, I), np.int64), "U": np.zeros((nb, T, 2, R, I, 4), np.int64),
        "V": np.zeros((nb, T, R, I), np.int64), "Vev": np.zeros((nb, T, R, I), np.int64),
        "L": np.zeros((nb, T, P, R), np.int64), "coh": np.zeros((nb, T, 3), np.int64),
        "flows": np.zeros((nb, T, 2), np.int64), "rng": np.zeros((nb, T), np.uint64),
        "k": np.zeros((nb, T), np.int64),
    }  # fmt: skip
    out = [np.zeros((nb, T, R), np.int32), np.zeros((nb, T, R), np.int32),
           np.zeros((nb, T, R, I), np.int32), np.zeros((nb, T, R), np.int32),
           np.zeros((nb, T, R), np.int32), np.zeros((nb, T, 4), np.int32),
           np.zeros((nb, T, I), np.int32), np.zeros((nb, T, 2), np.int32)]  # fmt: skip
    p = params
    args = (
        lf.spawn_seeds(seed, nb), np.ascontiguousarray(init.E, dtype=np.int64),
        np.ascontiguousarray(init.U, dtype=np.int64), np.ascontiguousarray(init.V, dtype=np.int64),
        f["exit_u"], f["ent_u"], f["ent_e"], f["vac_new"], f["vac_ref"], p.age_p, p.eff,
        p.commute, p.own, np.asarray(p.grp, dtype=np.int64), p.spread, p.match_A,
        float(p.alpha), float(p.cap), float(p.hmax), p.theta_out, p.resid_of_work, p.q_out,
        int(p.new_industry), events.t, events.w, events.i, events.kind, events.pool,
        events.amount, events.recall, events.band, leave, log1m_leave, odds_leave, sep_share,
        log_ref, pois_u, pois_e, pois_v, vac_mode, close_a, close_b, *out,
    )  # fmt: skip
    saved = (s["E"], s["U"], s["V"], s["Vev"], s["L"], s["coh"], s["flows"], s["rng"], s["k"])
    _months(False, 9, nb, *saved, *args)  # trace (and compile)
    cpu = []
    for upto in range(10):
        _months(True, upto, 1, *saved, *args)  # compile this path
        best = float("inf")
        for _ in range(repeat):
            c = time.process_time()
            _months(True, upto, nb, *saved, *args)
            best = min(best, time.process_time() - c)
        cpu.append(best)
    months = nb * T
    cells = {"cells R*I": R * I, "cells G*R*I*D": 2 * R * I * 4}
    print(f"per step: {nb} draws x {T} months replayed, best of {repeat}; "
          f"state copy {cpu[0] / months * 1e9:.0f} ns per month")  # fmt: skip
    print(f"{'step':20s} {'ns/month':>9s} {'ns/cell R*I':>12s} {'x1000 draws x60 (CPU s)':>24s}")
    costs = {}
    for k, name in enumerate(STEPS, start=1):
        ns = max(cpu[k] - cpu[k - 1], 0.0) / months * 1e9
        costs[name] = ns
        print(f"{name:20s} {ns:9.0f} {ns / cells['cells R*I']:12.2f} {ns * 60e3 * 1e-9:24.3f}")
    total = sum(costs.values())
    print(f"{'all steps':20s} {total:9.0f} {total / (R * I):12.2f} {total * 60e3 * 1e-9:24.3f}")
    return costs
