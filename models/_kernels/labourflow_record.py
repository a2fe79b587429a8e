"""End-of-month outputs of one draw of :mod:`models._kernels.labourflow`."""

# Shape letters (R, I, D, ...) follow the docstrings.
# ruff: noqa: E741
from __future__ import annotations

import numpy as np

from models._jit import jit
from models._kernels.labourflow_constants import (
    COHORT_EXITED,
    COHORT_REEMPLOYED,
    COHORT_SIZE,
    COHORT_UNEMPLOYED,
    FLOW_ENTRIES,
    FLOW_EXITS,
    N_BANDS,
)


@jit
def record_month(
    b: int,
    t: int,
    E: np.ndarray,
    U: np.ndarray,
    V: np.ndarray,
    Vev: np.ndarray,
    L: np.ndarray,
    closed: np.ndarray,
    cohort: np.ndarray,
    flows: np.ndarray,
    out_unemp: np.ndarray,
    out_ltu: np.ndarray,
    out_emp: np.ndarray,
    out_vac: np.ndarray,
    out_closed: np.ndarray,
    out_cohort: np.ndarray,
    out_cohort_u: np.ndarray,
    out_flows: np.ndarray,
) -> None:
    """Write the end-of-month state of draw ``b``, month ``t`` into the outputs."""
    R, I = E.shape
    D = N_BANDS  # compile-time constant: band loops unroll
    cu = 0
    for i in range(I):
        out_cohort_u[b, t, i] = 0
    for r in range(R):
        un = 0
        for p in range(L.shape[0]):
            un += L[p, r]
        lt = 0
        vac = 0
        for i in range(I):
            out_emp[b, t, r, i] = E[r, i]
            vac += V[r, i] + Vev[r, i]
            for d in range(D):
                un += U[0, r, i, d]
            lt += U[0, r, i, D - 1]
            if cohort[0] > 0:  # the cohort's cells are empty until someone is displaced
                for d in range(D):
                    un += U[1, r, i, d]
                    out_cohort_u[b, t, i] += U[1, r, i, d]
                    cu += U[1, r, i, d]
                lt += U[1, r, i, D - 1]
        out_unemp[b, t, r] = un
        out_ltu[b, t, r] = lt
        out_vac[b, t, r] = vac
        out_closed[b, t, r] = closed[r]
    out_cohort[b, t, COHORT_SIZE] = cohort[0]
    out_cohort[b, t, COHORT_REEMPLOYED] = cohort[1]
    out_cohort[b, t, COHORT_EXITED] = cohort[2]
    out_cohort[b, t, COHORT_UNEMPLOYED] = cu
    out_flows[b, t, FLOW_ENTRIES] = flows[0]
    out_flows[b, t, FLOW_EXITS] = flows[1]
