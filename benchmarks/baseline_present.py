"""The scenario baseline from the present (2026-06) against the published 2026-06 registers.

Usage::

    python benchmarks/baseline_present.py [--area TA23] [--draws 500] [--no-write]

Builds the area's calibration from the snapshot (``assemble(use_cache=False)``), the
release's register forecasts (``forecast_registers(registers, "latest", 42, "area", area)``,
the release product ``register_forecasts``) and the baseline of a spec with no start and no
events (first month: the month after the latest observation, 2026-07; 24 months, the
forecasts as targets). Compares, for every municipality of the area and the area:

- the starting state (the baseline's expected state at the end of 2026-06, and the rounded
  state the Monte Carlo draws start from) with the published unemployed and long-term
  unemployed share (tyonv 12r5, 2026-06): criteria unemployed within 5 %, long-term share
  within 5 percentage points;
- the same state without the observed composition (the model's own duration mix after
  tracking across the gap), to show what the present's composition changes;
- the simulated long-term share (median of ``--draws`` draws) 1, 6, 12 and 24 months on
  against the release's forecast share (long_term_unemployed / unemployed, held constant by
  ``forecasting.register_groups``): the model's duration dynamics pull it back toward its
  2017 anchor (26.6 %).

Prints the table and writes ``docs/results/scenarios_present.md`` with the command and the
machine's load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forecasting.io.inputs import assemble  # noqa: E402
from forecasting.registers import forecast_registers  # noqa: E402
from forecasting.scenarios import baseline as bl  # noqa: E402
from forecasting.scenarios.outputs import clients_by_draw  # noqa: E402
from forecasting.scenarios.run import first_month  # noqa: E402
from forecasting.scenarios.spec import ScenarioSpec  # noqa: E402
from models import labourflow as lf  # noqa: E402

OUT = ROOT / "docs" / "results" / "scenarios_present.md"
TOL_U = 0.05
TOL_LTU_PP = 5.0
HORIZON = 24
LOOK = (1, 6, 12, 24)


def _state(U: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(R,) unemployed and long-term share of a (R, I, D) state."""
    u = U.sum(axis=(1, 2)).astype(float)
    return u, U[..., -1].sum(axis=1) / u


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--area", default="TA23")
    ap.add_argument("--draws", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    t0 = time.perf_counter()
    cubes = assemble(use_cache=False)
    cal = bl.calibrate(cubes, args.area)
    reg = cubes["registers"]
    fc = forecast_registers(reg, "latest", 42, "area", args.area, seed=args.seed)
    spec = ScenarioSpec(area=args.area, horizon_months=HORIZON, baseline_source="register_forecast")
    first = first_month(spec, cal.registers)
    present = bl.latest_observed(cal.registers)
    base = bl.build_baseline(cal, first, HORIZON, baseline=fc)
    # The same without the observed composition: the model's own duration mix.
    no_comp = replace(
        cal, registers=cal.registers.drop_vars("long_term_unemployed"), match_a_present=None
    )
    base_model = bl.build_baseline(no_comp, first, HORIZON, baseline=fc)
    res = lf.simulate(base.params, base.path, base.init, draws=args.draws, seed=args.seed)
    elapsed = time.perf_counter() - t0
    # Caseload: registered jobseekers per client-facing expert (staffing table).
    spec_d = ScenarioSpec(area=args.area)
    experts = spec_d.staffing.experts_for(args.area)
    js_obs = float(cal.registers["jobseekers"].sel(time=present).sum())
    u_tot = float(cal.registers["unemployed"].sel(time=present).sum())
    clients = np.median(clients_by_draw(res, base, spec_d, seed=args.seed), axis=0)
    if experts:
        caseload = (
            f"Caseload ({args.area}, {experts:.0f} client-facing experts, "
            f"`forecasting/config/staffing.toml`): {present:%Y-%m} registered jobseekers "
            f"{js_obs:.0f} / {experts:.0f} = {js_obs / experts:.1f} clients per expert "
            f"(the old rule, 1.45 x {u_tot:.0f} unemployed / {experts:.0f} = "
            f"{1.45 * u_tot / experts:.1f}); simulated (median of draws) "
            + ", ".join(f"+{k}: {clients[k - 1] / experts:.1f}" for k in LOOK)
            + "."
        )
    else:
        caseload = f"Caseload: no staffing figure for {args.area}."
    match = ", ".join(
        f"{m} {a:.3f}"
        for m, a in zip(cal.structure.municipalities, base.params.match_A, strict=True)
    )

    munis = list(base.structure.municipalities)
    obs = cal.registers.sel(time=present, area=munis)
    u_obs = obs["unemployed"].values.astype(float)
    lt_obs = obs["long_term_unemployed"].values / u_obs
    u_init, lt_init = _state(base.init.U)
    _, lt_model = _state(base_model.init.U)
    exp_u = base.expected_unemployed[0]  # (R,) expected at the end of the first month
    fc_u = fc["unemployed"].sel(statistic="mean").isel(time=0)
    sim_lt = np.median(res.long_term / np.maximum(res.unemployed, 1), axis=0)  # (T, R)
    area_lt = np.median(res.long_term.sum(2) / np.maximum(res.unemployed.sum(2), 1), axis=0)
    fc_share = (fc["long_term_unemployed"] / fc["unemployed"]).sel(statistic="mean")

    names = [*munis, args.area]
    u_obs_a = np.append(u_obs, u_obs.sum())
    lt_obs_a = np.append(lt_obs, obs["long_term_unemployed"].values.sum() / u_obs.sum())
    u_init_a = np.append(u_init, u_init.sum())
    lt_init_a = np.append(lt_init, base.init.U[..., -1].sum() / base.init.U.sum())
    lt_model_a = np.append(lt_model, base_model.init.U[..., -1].sum() / base_model.init.U.sum())
    header = (
        "| area | unemployed 2026-06 | start state | rel. error | "
        "first month: expected / forecast | "
        "LTU share 2026-06 | start state | pp | model's own mix | "
        + " | ".join(f"sim. +{k} / forecast" for k in LOOK)
        + " |"
    )
    rows = [header, "|" + "---|" * (9 + len(LOOK))]
    ok = True
    for j, name in enumerate(names):
        rel = u_init_a[j] / u_obs_a[j] - 1
        pp = 100 * (lt_init_a[j] - lt_obs_a[j])
        ok &= abs(rel) <= TOL_U and abs(pp) <= TOL_LTU_PP
        tracked = exp_u[j] if j < len(munis) else exp_u.sum()
        tracked_fc = float(fc_u.sel(area=name))
        sims = []
        for k in LOOK:
            s = sim_lt[k - 1, j] if j < len(munis) else area_lt[k - 1]
            f = float(fc_share.sel(area=name).isel(time=k - 1))
            sims.append(f"{100 * s:.1f} / {100 * f:.1f}")
        rows.append(
            f"| {name} | {u_obs_a[j]:.0f} | {u_init_a[j]:.0f} | {100 * rel:+.2f} % | "
            f"{tracked:.0f} / {tracked_fc:.0f} | {100 * lt_obs_a[j]:.1f} % | "
            f"{100 * lt_init_a[j]:.1f} % | "
            f"{pp:+.2f} | {100 * lt_model_a[j]:.1f} % | " + " | ".join(sims) + " |"
        )
    table = "\n".join(rows)
    verdict = (
        f"criteria (unemployed within {TOL_U:.0%}, long-term share within {TOL_LTU_PP:.0f} pp, "
        f"every municipality and the area): {'met' if ok else 'NOT met'}"
    )
    print(table)
    print(verdict)
    print(caseload)
    print(f"matching efficiency: 2017 anchor {cal.match_a:.3f}; present ({base.anchor}): {match}")
    print(f"first simulated month {first:%Y-%m}, present {present:%Y-%m}, {elapsed:.1f} s")
    if args.no_write:
        return
    load = os.getloadavg()
    OUT.write_text(
        f"""# Scenario baseline from the present ({args.area})

Command: `python benchmarks/baseline_present.py --area {args.area} --draws {args.draws} \\
--seed {args.seed}` ({dt.date.today():%Y-%m-%d}; load average {load[0]:.2f} {load[1]:.2f}
{load[2]:.2f} on {os.cpu_count()} cores; {elapsed:.0f} s including calibration and the
register forecasts).

A spec with no start and no events starts the month after the latest observation
({first:%Y-%m}); its baseline follows the release's register forecasts (origin
{present:%Y-%m}, 42 months). The burn-in tracks the targets across the registers' gap
(2023-11..2026-05: the last complete year repeated) to the published {present:%Y-%m} counts,
and in {present:%Y-%m} the duration composition is set to the published long-term share
(`long_term_unemployed / unemployed`, `baseline.set_long_term_share`).

Columns: published unemployed; the draws' starting state (rounded) and its relative error;
the baseline's expected (tracked) unemployed at the end of {first:%Y-%m} and the forecast
mean it tracks; published
long-term share, the starting state's, the difference in percentage points, and the share
the model reaches by itself without the observed composition; the simulated long-term share
(median of {args.draws} draws) k months on next to the release's forecast share.

{table}

{verdict}.

Reading: the starting state meets the published counts and composition by construction
(the tracker hits the unemployed targets in expectation, the composition is set from the
registers); the check guards that rounding, the gap and the suppressed-cell rules do not
move it. Without the observed composition (and on the 2017 anchor) the model's own
long-term share after crossing the gap is far below the published one (the 2017 anchor,
26.6 %, and the one-month step from the last complete year's level to the {present:%Y-%m}
level, which enters as short durations).

Duration structure re-anchored to the present (`baseline.calibrate_present`): a window that
reaches {present:%Y-%m} runs on a matching efficiency per workplace municipality set so
that the tracked long-term share {bl.PRESENT_ANCHOR_MONTHS} months after the present (the
same calendar month) equals each municipality's published share (2017 anchor
{cal.match_a:.3f}; present: {match}; bounded to a factor {bl.PRESENT_SPREAD:.0f} of the
area's). Before this, the simulated area share fell from 40.4 % to 27.3 % in 6 months and
23.1 % by 24 months. It now dips in the months of high seasonal inflow (new short
spells dilute the share: the release's forecast holds the share constant, the model lets the
short-duration stock swing with the season) and is back within a few points a year on; the
anchor is fitted on persistence at the present's level, the run follows the release's
forecasts, so a year on it need not be exact (TA23 38.0 % against 40.4 % at +12 in this run).

{caseload}

A spec starting inside the gap (2023-11..2026-05): those months are not observed
(`observed` is false); without forecasts covering them their targets repeat the last
complete year (2022-11..2023-10), the published 2026-06 counts are the target of 2026-06 (a
one-month step to the present level), and persistence after 2026-06 continues from the
present's level. The release's forecasts start 2026-07 and never cover the gap. Windows
that end before 2026-06 are bit-identical to the registers cut at 2023-10.
""",
        encoding="utf-8",
    )
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
