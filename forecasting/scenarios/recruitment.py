"""In-commuting and in-migration response to large recruitments.

The labour-flow kernel fills a scenario's new jobs (event vacancies) each month from the
local unemployed at the month's fill rate ``f`` and, of the rest, from outside the local
unemployment with probability ``q_out`` (job-to-job movers, in-migrants, in-commuters; the
holder's residence drawn from the workplace's residence mix, 115p 2017, so in-commuters
leave the area's ledger). Here ``q_out`` of a municipality with recruitments responds to
the local slack and to the recruitment's size:

``q_out = Q_OUT * slack^ETA_SLACK * (1 + jobs / unemployed)^ETA_SIZE`` (at most
:data:`Q_OUT_MAX`), ``slack`` the area's vacancies per unemployed against its 2006-2019
normal (:func:`forecasting.scenarios.displaced.slack_factor`, 0.5-2) at the events' months,
``jobs`` the municipality's recruited jobs and ``unemployed`` its baseline unemployed then.

The result reports the expected composition of the filled new jobs (two competing monthly
channels, ``f`` and ``(1 - f) q_out``, ``f`` the baseline's reference fill rate of the cell):
filled from local unemployment, by in-commuters (the workplace's share of jobs held by
residents outside the area), by in-migrants (:data:`IN_MIGRANT_SHARE` of the outside fills
who live in the area, times ``slack``) and by other outside fills (job-to-job movers,
entrants). Parameters and their status are in :data:`PARAMETERS`.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from forecasting.scenarios.baseline import Q_OUT, Baseline
from forecasting.scenarios.spec import ScenarioSpec

#: Monthly probability bound of an outside fill (keeps some local filling).
Q_OUT_MAX = 0.8
ETA_SLACK = 1.0
ETA_SIZE = 1.0
IN_MIGRANT_SHARE = 0.3
#: name: (value, status and source).
PARAMETERS: dict[str, tuple[float, str]] = {
    "q_out": (Q_OUT, "the flow model's outside fill of new jobs (baseline.Q_OUT), unchanged"),
    "eta_slack": (
        ETA_SLACK,
        "assumption: outside fills rise in proportion to the tightness factor (a tight "
        "local market, few unemployed per vacancy, sends employers further afield)",
    ),
    "eta_size": (
        ETA_SIZE,
        "assumption: a recruitment as large as the local unemployed pool doubles the outside "
        "fill (local unemployed do not match every new job; large plants recruit widely: "
        "e.g. Valmet Automotive, Uusikaupunki 2017-2018, recruited thousands from across "
        "Finland, largely commuters and movers)",
    ),
    "in_migrant_share": (
        IN_MIGRANT_SHARE,
        "assumption: share of the outside fills living in the area who moved in for the job "
        "at normal slack (scaled by slack); the rest are local job-to-job movers and entrants",
    ),
}


@dataclasses.dataclass(frozen=True)
class Response:
    """``q_out`` (R,) for the run and the expected composition of the filled new jobs.

    ``shares``: name -> share of the recruited jobs filled by ``local_unemployed``,
    ``in_commuters``, ``in_migrants``, ``other_outside`` (sum 1; NaN without recruitments).
    """

    q_out: np.ndarray
    shares: dict[str, float]


def response(spec: ScenarioSpec, base: Baseline, slack: np.ndarray) -> Response:
    """The recruitments' outside-fill response; ``slack`` (T,) the area's slack factors."""
    st = base.structure
    R = len(st.municipalities)
    q = np.array(base.params.q_out, dtype=np.float64)
    jobs = np.zeros(R)
    months: dict[int, list[int]] = {}
    for ev in spec.events:
        if ev.kind != "recruitment":
            continue
        w = st.municipalities.index(ev.municipality)
        t = int(base.months.get_loc(pd.Timestamp(ev.start)))
        jobs[w] += ev.jobs
        months.setdefault(w, []).extend(range(t, min(t + ev.tranches, len(base.months))))
    keys = ("local_unemployed", "in_commuters", "in_migrants", "other_outside")
    if not months:
        return Response(q, dict.fromkeys(keys, float("nan")))
    parts = np.zeros(4)
    for w, ts in months.items():
        k = float(np.mean(slack[ts]))
        u = float(np.mean(base.expected_unemployed[ts, w]))
        size = 1.0 + jobs[w] / max(u, 1.0)
        q[w] = min(Q_OUT_MAX, Q_OUT * k**ETA_SLACK * size**ETA_SIZE)
        f = float(np.clip(np.mean(base.path.fillref[ts, w]), 0.0, 1.0))
        out = (1.0 - f) * q[w]
        local = f / (f + out) if f + out > 0 else 0.0
        rw = st.resid_of_work[w]
        commuters = (1.0 - local) * rw[R] / rw.sum()
        residents = (1.0 - local) - commuters
        movers = residents * min(1.0, IN_MIGRANT_SHARE * k)
        parts += jobs[w] * np.array([local, commuters, movers, residents - movers])
    shares = parts / parts.sum()
    return Response(q, {name: float(x) for name, x in zip(keys, shares, strict=True)})
