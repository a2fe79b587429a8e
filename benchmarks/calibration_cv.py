"""Leave-one-origin-out comparison of interval calibrations on the tuning origins.

    .venv/bin/python benchmarks/calibration_cv.py                # every candidate
    .venv/bin/python benchmarks/calibration_cv.py band adopted   # the previous and the adopted

The factors of :mod:`forecasting.interval_factors` are fitted on all nine tuning origins, so
their coverage there is in-sample. To choose between ways of fitting them without looking at
the evaluation origins, each candidate is fitted on eight tuning origins and scored on the
ninth, in turn; the table reports the held-out coverage per variable, level and horizon
band (mean over series, as ``benchmarks/eval_registers.py`` does) and the municipal and
aggregate MSIS95. Reads the raw forecasts cached by ``benchmarks/calibrate_registers.py``
(run it first).

Candidates: ``none`` (sampled bounds), ``band`` (a factor per level and band 1-12, 13-24,
25-36: the method before), ``*_thru`` (aggregates fitted through the comonotone limit),
``b6`` / ``w3`` / ``w6`` (six-month bands, or a window of +-3 / +-6 steps per step),
``robust_*`` / ``blend_*`` (the robust spread in place of / half-mixed with the sampled
widths everywhere), ``mixed_step*`` (the share per level of
``calibrate_registers.SPREAD_MIX``; ``_iso`` non-decreasing in the step, ``_q`` fitted to
``calibrate_registers.TARGETS``) and ``adopted`` (both: what ``calibrate_registers.py``
writes).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from calibrate_registers import (  # noqa: E402
    KEYS,
    LEVELS,
    SPREAD_MIX,
    TARGETS,
    fit_tables,
    raw_forecasts,
    respread_all,
)

from forecasting.backtest import TUNING_ORIGINS  # noqa: E402
from forecasting.registers import (  # noqa: E402
    hierarchy_panel,
    national_hierarchy,
    registers_cube,
)
from models import metrics  # noqa: E402
from models.forecast import calibration as cal  # noqa: E402
from models.forecast.calibration import robust_spread  # noqa: E402

H = 36
EVAL_BANDS = {"h1-12": slice(0, 12), "h13-36": slice(12, 36)}

#: A calibrator: raw arrays of the fitting origins ``(K, n, H)`` -> factors
#: ``{level: (2, H)}`` (80 %, 95 %) per step.
Calibrator = Callable[[dict[str, np.ndarray], np.ndarray], dict[str, np.ndarray]]


def scales(ds: Any, origins: tuple[str, ...], variable: str) -> np.ndarray:
    """Seasonal-naive in-sample scale ``(K, n)`` of every row (the MSIS denominator)."""
    hier = national_hierarchy()
    times = pd.DatetimeIndex(ds["time"].values)
    out = []
    for origin in origins:
        end = int(times.get_loc(pd.Timestamp(origin + "-01"))) + 1
        out.append(metrics.seasonal_scale(hierarchy_panel(ds, variable, hier, end)))
    return np.stack(out)


def panels(ds: Any, origins: tuple[str, ...], variable: str) -> list[np.ndarray]:
    hier = national_hierarchy()
    times = pd.DatetimeIndex(ds["time"].values)
    out = []
    for origin in origins:
        end = int(times.get_loc(pd.Timestamp(origin + "-01"))) + 1
        out.append(hierarchy_panel(ds, variable, hier, end))
    return out


def robust_scales(ds: Any, origins: tuple[str, ...], variable: str) -> np.ndarray:
    """Robust spread ``(K, n)`` of each row's 12-month ``log1p`` changes up to the origin
    (1.4826 x median absolute deviation: a few shock months barely move it)."""
    hier = national_hierarchy()
    times = pd.DatetimeIndex(ds["time"].values)
    out = []
    for origin in origins:
        end = int(times.get_loc(pd.Timestamp(origin + "-01"))) + 1
        z = np.log1p(hierarchy_panel(ds, variable, hier, end))
        dz = z[:, 12:] - z[:, :-12]
        med = np.nanmedian(dz, axis=1, keepdims=True)
        out.append(1.4826 * np.nanmedian(np.abs(dz - med), axis=1))
    return np.stack(out)


def renormalise(
    d: dict[str, np.ndarray], rs: np.ndarray, mix: float | np.ndarray
) -> dict[str, np.ndarray]:
    """Bounds whose log half-widths are ``model^(1-mix) * robust^mix`` (same for 80/95 when
    ``mix`` is 1: the factors then set both)."""
    lp = np.log1p(d["point"])
    out = dict(d)
    r = rs[:, :, None] * np.ones_like(lp)
    for key in KEYS:
        model = np.abs(np.log1p(d[key]) - lp)
        model = np.where(model > 0, model, 1e-9)
        half = model ** (1 - mix) * r**mix
        out[key] = np.maximum(np.expm1(lp - half if key.startswith("lo") else lp + half), 0.0)
    return out


def apply(
    d: dict[str, np.ndarray], factors: dict[str, np.ndarray], levels: np.ndarray, S: np.ndarray
) -> dict[str, np.ndarray]:
    """Bounds ``(K, n, H)`` scaled by per-level per-step factors, then the comonotone limit."""
    f80, f95 = np.ones(d["point"].shape), np.ones(d["point"].shape)
    for level, f in factors.items():
        rows = levels == level
        f80[:, rows] = f[0]
        f95[:, rows] = f[1]
    b = cal.scale_bounds(d["point"], {k: d[k] for k in KEYS}, f80, f95)
    nb = S.shape[1]
    for key, values in b.items():
        parts = np.einsum("ij,kjh->kih", S, values[:, -nb:])
        b[key] = (np.minimum if key.startswith("hi") else np.maximum)(values, parts)
    return b


def score(
    d: dict[str, np.ndarray], b: dict[str, np.ndarray], levels: np.ndarray, scale: np.ndarray
) -> list[dict[str, object]]:
    rows = []
    for level in LEVELS:
        sel = levels == level
        for band, cut in EVAL_BANDS.items():
            y = d["y"][:, sel, cut]
            row: dict[str, object] = {"level": level, "band": band}
            for lvl in (80, 95):
                lo, hi = b[f"lo{lvl}"][:, sel, cut], b[f"hi{lvl}"][:, sel, cut]
                inside = np.where(np.isnan(y), np.nan, (y >= lo) & (y <= hi))
                with np.errstate(invalid="ignore"):
                    per = np.nanmean(inside, axis=2)
                row[f"c{lvl}"] = float(np.nanmean(per))
            alpha = 0.05
            lo, hi = b["lo95"][:, sel, cut], b["hi95"][:, sel, cut]
            w = (hi - lo) + 2 / alpha * (np.maximum(lo - y, 0) + np.maximum(y - hi, 0))
            w = np.where(np.isnan(y), np.nan, w)
            with np.errstate(invalid="ignore"):
                per = np.nanmean(w, axis=2) / scale[:, sel]
            row["msis95"] = float(np.nanmean(per))
            rows.append(row)
    return rows


def loo(
    d: dict[str, np.ndarray], levels: np.ndarray, S: np.ndarray, scale: np.ndarray, fit: Calibrator
) -> pd.DataFrame:
    """Held-out scores of ``fit`` (each origin scored with factors from the other ones)."""
    K = d["y"].shape[0]
    held: dict[str, list[np.ndarray]] = {k: [] for k in KEYS}
    for k in range(K):
        keep = np.arange(K) != k
        factors = fit({key: v[keep] for key, v in d.items()}, levels)
        one = {key: v[k : k + 1] for key, v in d.items()}
        b = apply(one, factors, levels, S)
        for key in KEYS:
            held[key].append(b[key])
    b = {key: np.concatenate(v) for key, v in held.items()}
    return pd.DataFrame(score(d, b, levels, scale))


# --- candidates ---------------------------------------------------------------------------


def fit_none(d: dict[str, np.ndarray], levels: np.ndarray) -> dict[str, np.ndarray]:
    return {}


def fit_band(d: dict[str, np.ndarray], levels: np.ndarray) -> dict[str, np.ndarray]:
    """The current method: a factor per level and band (1-12, 13-24, 25+)."""
    steps = np.arange(1, H + 1)
    out = {}
    for level in LEVELS:
        sel = levels == level
        flat = {k: d[k][:, sel].reshape(-1, H) for k in ("y", "point", *KEYS)}
        table = cal.factor_table(steps, flat["y"], flat["point"], {k: flat[k] for k in KEYS})
        out[level] = table[cal.band_of(steps)].T
    return out


GRID = np.round(np.arange(0.5, 4.0001, 0.02), 2)


def fit_groups(
    d: dict[str, np.ndarray],
    levels: np.ndarray,
    groups: list[tuple[np.ndarray, np.ndarray]],
    thru: bool,
    S: np.ndarray,
) -> dict[str, np.ndarray]:
    """A factor per level and group of steps (``groups``: column index arrays covering
    0..H-1, possibly overlapping: the factor of a step comes from the group listed for it
    first in ``owner``). ``thru``: aggregates' factors fitted on the coverage after the
    comonotone limit (municipal bounds scaled by their factors first)."""
    out: dict[str, np.ndarray] = {}
    muni = levels == "municipality"
    for level in LEVELS:
        sel = levels == level
        f = np.ones((2, H))
        for j, lvl in enumerate((80, 95)):
            q = lvl / 100
            for cols, targets in groups:
                y = d["y"][:, sel][:, :, cols]
                p = d["point"][:, sel][:, :, cols]
                lo = d[f"lo{lvl}"][:, sel][:, :, cols]
                hi = d[f"hi{lvl}"][:, sel][:, :, cols]
                if not thru or level == "municipality":
                    f[j, targets] = cal.conformal_factor(cal.interval_scores(y, p, lo, hi), q)
                    continue
                mb = cal.scale_bounds(
                    d["point"][:, muni][:, :, cols],
                    {k: d[k][:, muni][:, :, cols] for k in KEYS},
                    out["municipality"][0][cols],
                    out["municipality"][1][cols],
                )
                S_l = S[sel]
                plo = np.einsum("ij,kjh->kih", S_l, mb[f"lo{lvl}"])
                phi = np.einsum("ij,kjh->kih", S_l, mb[f"hi{lvl}"])
                ok = ~np.isnan(y)
                m = int(ok.sum())
                if m == 0:
                    continue
                need = min(np.ceil((m + 1) * q) / m, 1.0)
                lp = np.log1p(p)
                chosen = GRID[-1]
                for g in GRID:
                    a = np.maximum(np.expm1(lp + g * (np.log1p(lo) - lp)), plo)
                    b = np.minimum(np.expm1(lp + g * (np.log1p(hi) - lp)), phi)
                    cov = np.mean(((y >= a) & (y <= b))[ok])
                    if cov >= need:
                        chosen = g
                        break
                f[j, targets] = chosen
        out[level] = f
    return out


def bands(edges: tuple[int, ...]) -> list[tuple[np.ndarray, np.ndarray]]:
    cuts = [0, *edges, H]
    return [(np.arange(a, b), np.arange(a, b)) for a, b in itertools.pairwise(cuts)]


def windows(w: int) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(np.arange(max(h - w, 0), min(h + w + 1, H)), np.array([h])) for h in range(H)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "candidates",
        nargs="*",
        metavar="CANDIDATE",
        help="candidates to score (default: every one; see the module docstring)",
    )
    args = parser.parse_args(argv)
    began = time.process_time()
    ds = registers_cube()
    raw = raw_forecasts(ds, TUNING_ORIGINS)
    hier = national_hierarchy()
    n = len(hier.rows)
    levels = np.asarray(hier.levels)
    S = hier.S
    candidates: dict[str, Calibrator] = {
        "none": fit_none,
        "band": fit_band,
        "mixed_step": lambda d, lv: {k: v.T for k, v in fit_tables(d, lv, S).items()},
        "mixed_step_iso": lambda d, lv: {
            k: v.T for k, v in fit_tables(d, lv, S, smooth=True).items()
        },
        "mixed_step_q": lambda d, lv: {
            k: v.T for k, v in fit_tables(d, lv, S, coverages=TARGETS).items()
        },
        "adopted": lambda d, lv: {k: v.T for k, v in fit_tables(d, lv, S, TARGETS, True).items()},
        "band_thru": lambda d, lv: fit_groups(d, lv, bands((12, 24)), True, S),
        "b6_thru": lambda d, lv: fit_groups(d, lv, bands((6, 12, 18, 24, 30)), True, S),
        "w3_thru": lambda d, lv: fit_groups(d, lv, windows(3), True, S),
        "w3": lambda d, lv: fit_groups(d, lv, windows(3), False, S),
        "robust_w3_thru": lambda d, lv: fit_groups(d, lv, windows(3), True, S),
        "blend_w3_thru": lambda d, lv: fit_groups(d, lv, windows(3), True, S),
        "robust_w6_thru": lambda d, lv: fit_groups(d, lv, windows(6), True, S),
        "robust_band_thru": lambda d, lv: fit_groups(d, lv, bands((12, 24)), True, S),
    }
    unknown = sorted(set(args.candidates) - set(candidates))
    if unknown:
        parser.error(
            f"unknown candidate(s) {', '.join(unknown)}; choose from {', '.join(candidates)}"
        )
    names = args.candidates or list(candidates)
    frames = []
    for variable, flat in raw.items():
        K = flat["y"].shape[0] // n
        d = {k: flat[k].reshape(K, n, H) for k in ("y", "point", *KEYS)}
        scale = scales(ds, TUNING_ORIGINS, variable)
        rs = robust_scales(ds, TUNING_ORIGINS, variable)
        for name in names:
            dd = d
            if name.startswith("mixed") or name == "adopted":
                rs2 = np.stack([robust_spread(x) for x in panels(ds, TUNING_ORIGINS, variable)])
                dd = respread_all({**d, "spread": rs2}, levels, SPREAD_MIX[variable])
            elif name.startswith("robust"):
                dd = renormalise(d, rs, 1.0)
            elif name.startswith("blend"):
                dd = renormalise(d, rs, 0.5)
            frame = loo(dd, levels, hier.S, scale, candidates[name])
            frame.insert(0, "candidate", name)
            frame.insert(0, "variable", variable)
            frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    table["ok"] = table["c80"].between(0.75, 0.85) & table["c95"].between(0.91, 0.98)
    pd.set_option("display.width", 200)
    print(table.round(3).to_string(index=False))
    print(table.groupby(["variable", "candidate"])["ok"].sum().to_string())
    print(f"{time.process_time() - began:.0f} CPU s")


if __name__ == "__main__":
    main()
