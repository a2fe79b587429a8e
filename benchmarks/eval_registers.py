"""Accuracy of the register forecasts on tuning and evaluation origins, against statsforecast.

    .venv/bin/python benchmarks/eval_registers.py            # the full evaluation
    .venv/bin/python benchmarks/eval_registers.py --quick    # 2 origins per set, a smoke run

Two sets of rolling origins (:mod:`forecasting.backtest`): ``TUNING_ORIGINS``, the nine on
which every method choice is made, and ``EVALUATION_ORIGINS``, nine others between them that
no choice looks at; both are reported. Same training panels for everyone (suppressed cells
2.5, data up to the origin), same actuals (suppressed skipped), same metrics
(:mod:`models.metrics`). Peers, computed here on the municipalities: statsforecast ``AutoETS``
(season 12, AICc selection) and a fixed damped ETS ``AutoETS(model="AAA", damped=True)``,
negative forecasts truncated at 0 (which can only help them). Then the forecast from the
2023-10 origin for 2026-06 (the month after the register gap) for every series, ours against
``AutoETS`` and ``SeasonalNaive``. Frames are cached in ``build/eval_registers/`` (peers per
origin, ours per set and pooled variant); delete it after changing the method. Writes the
"eval" section of ``docs/results/registers.md``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import forecasting.registers as registers  # noqa: E402
from forecasting.backtest import (  # noqa: E402
    BANDS,
    CRPS_PROBS,
    EVALUATION_ORIGINS,
    TUNING_ORIGINS,
    backtest_registers,
    summarise,
)
from forecasting.registers import (  # noqa: E402
    BACKTEST_HORIZON,
    VARIABLES,
    aggregate,
    bottom_values,
    forecast_variable,
    hierarchy_panel,
    labour_path,
    national_hierarchy,
    registers_cube,
)
from models import metrics  # noqa: E402

RESULTS = ROOT / "docs" / "results" / "registers.md"
CACHE = ROOT / "build" / "eval_registers"
PEERS: dict[str, dict[str, Any]] = {
    "autoets": {},
    "damped_ets": {"model": "AAA", "damped": True},
}


def ours_frame(ds: Any, name: str, origins: tuple[str, ...]) -> pd.DataFrame:
    """:func:`backtest_registers` on ``origins``, cached in ``build/eval_registers/`` per set
    and pooled variant (delete the directory after changing the method)."""
    variant = "reversion" if registers.POOLED_REVERSION else "plain"
    path = CACHE / f"ours-{name}-{variant}-{len(origins)}.pkl"
    if path.exists():
        return pd.read_pickle(path)
    frame = backtest_registers(
        ds, origins, progress=lambda m: print(f"  ours {name} {m}", flush=True)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_pickle(path)
    return frame


def peer_forecasts(ds: Any, origins: tuple[str, ...], sample: int | None = None) -> pd.DataFrame:
    """Per-municipality metrics of the two statsforecast peers (h1-12 and h13-36).

    The peers do not change with our method, so their frame is cached per origin in
    ``build/eval_registers/`` (delete it to recompute).
    """
    frames = []
    for origin in origins:
        path = CACHE / f"peers-{origin}-{sample or 'all'}.pkl"
        if path.exists():
            frames.append(pd.read_pickle(path))
            continue
        frame = _peer_origin(ds, origin, sample)
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_pickle(path)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _peer_origin(ds: Any, origin: str, sample: int | None) -> pd.DataFrame:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    times = pd.DatetimeIndex(ds["time"].values)
    hier = national_hierarchy()
    nb = len(hier.bottom)
    keep = np.arange(nb) if sample is None else np.arange(nb)[:: max(nb // sample, 1)]
    bottom = [hier.bottom[i] for i in keep]
    rows = []
    end = int(times.get_loc(pd.Timestamp(origin + "-01"))) + 1
    horizon = min(BACKTEST_HORIZON, len(times) - end)
    for variable in VARIABLES:
        train = hierarchy_panel(ds, variable, hier, end)[-nb:][keep]
        actual = ds[variable].sel(area=bottom).transpose("area", "time").values
        actual = actual[:, end : end + horizon]
        frame = pd.DataFrame({
            "unique_id": np.repeat(np.arange(len(bottom)), end),
            "ds": np.tile(times[:end], len(bottom)),
            "y": train.ravel(),
        })  # fmt: skip
        scale = metrics.seasonal_scale(train)
        for name, kwargs in PEERS.items():
            sf = StatsForecast(models=[AutoETS(season_length=12, **kwargs)], freq="MS")
            fc = sf.forecast(df=frame, h=horizon, level=[80, 95])
            fc = fc.sort_values(["unique_id", "ds"])
            point = _grab(fc, "AutoETS", len(bottom))
            bounds = {
                f"{side}{lvl}": _grab(fc, f"AutoETS-{side}-{lvl}", len(bottom))
                for side in ("lo", "hi")
                for lvl in (80, 95)
            }
            for band, (start, stop) in BANDS.items():
                if horizon <= start:
                    continue
                cut = slice(start, stop)
                y = actual[:, cut]
                w95 = metrics.winkler(y, bounds["lo95"][:, cut], bounds["hi95"][:, cut], 0.95)
                rows.append(pd.DataFrame({
                    "origin": origin, "variable": variable, "area": bottom,
                    "level": "municipality", "method": name, "band": band,
                    "n": np.isfinite(y).sum(axis=1),
                    "mase": metrics.mase(y, point[:, cut], train),
                    "smape": metrics.smape(y, point[:, cut]),
                    "coverage80": metrics.coverage(y, bounds["lo80"][:, cut],
                                                   bounds["hi80"][:, cut]),
                    "coverage95": metrics.coverage(y, bounds["lo95"][:, cut],
                                                   bounds["hi95"][:, cut]),
                    "winkler95": w95, "msis95": w95 / scale,
                }))  # fmt: skip
    print(f"  peers {origin}", flush=True)
    return pd.concat(rows, ignore_index=True)


def _grab(fc: pd.DataFrame, column: str, n: int) -> np.ndarray:
    """A forecast column as ``(n, h)``, negative values truncated at 0."""
    return np.maximum(fc[column].to_numpy().reshape(n, -1), 0.0)


def tables(ours: pd.DataFrame, peers: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    """The summary tables of one origin set (``peers`` ``None``: ours only)."""
    ours_m = ours[ours["level"] == "municipality"]
    both = pd.concat([ours_m, peers], ignore_index=True) if peers is not None else ours_m
    both = both[(both["n"] > 0) & np.isfinite(both["mase"])]
    accuracy = both.pivot_table(index=["band", "method"], columns="variable", values="mase")
    scores = both.pivot_table(
        index=["band", "method"], columns="variable",
        values=[c for c in ("coverage80", "coverage95", "msis95", "scrps") if c in both],
    )  # fmt: skip
    levels = summarise(ours)
    by_level = levels.pivot_table(
        index=["variable", "band", "level"], columns="method", values="mase"
    )
    by_origin = both[both["band"] == "h1-12"].pivot_table(
        index=["variable", "origin"], columns="method", values="mase"
    )
    rec = ours[(ours["method"] == "reconciled") & (ours["n"] > 0)]
    coverage_levels = rec.pivot_table(
        index=["band", "level"], columns="variable", values=["coverage80", "coverage95"]
    )
    return {
        "accuracy": accuracy,
        "scores": scores,
        "coverage_levels": coverage_levels,
        "levels": by_level,
        "origins": by_origin,
    }


def verdicts(t: dict[str, pd.DataFrame]) -> list[str]:
    """Plain statements of each figure of issue 17 on one origin set, met or not."""
    acc = t["accuracy"]
    out = []
    targets = {"unemployed": (0.87, 8.0), "vacancies": (1.22, 10.0)}
    peers = ("h1-12", "autoets") in acc.index
    for var, (ceiling, margin) in targets.items():
        ours = acc.loc[("h1-12", "reconciled"), var]
        if not peers:
            out.append(
                f"MASE h1-12 {var}: ours {ours:.3f} (target <= {ceiling}): "
                f"{_met(ours <= ceiling)}; peers not run on this set"
            )
            continue
        best = min(acc.loc[("h1-12", "autoets"), var], acc.loc[("h1-12", "damped_ets"), var])
        gain = 100 * (1 - ours / best)
        ok = ours <= ceiling and gain >= margin
        out.append(
            f"MASE h1-12 {var}: ours {ours:.3f} (target <= {ceiling}), best peer {best:.3f} "
            f"-> {gain:+.1f} % (target >= {margin:.0f} % better): {_met(ok)}"
        )
        if ("h13-36", "reconciled") in acc.index:
            ours = acc.loc[("h13-36", "reconciled"), var]
            damped = acc.loc[("h13-36", "damped_ets"), var]
            gain = 100 * (1 - ours / damped)
            out.append(
                f"MASE h13-36 {var}: ours {ours:.3f}, damped ETS {damped:.3f} -> {gain:+.1f} %"
                f" (target >= 5 % better): {_met(gain >= 5)}"
            )
    for (band, level), row in t["coverage_levels"].iterrows():
        for var in VARIABLES:
            c80, c95 = row[("coverage80", var)], row[("coverage95", var)]
            ok = 0.75 <= c80 <= 0.85 and 0.91 <= c95 <= 0.98
            out.append(
                f"coverage {band} {level} {var}: 80 % -> {100 * c80:.1f} %, 95 % -> "
                f"{100 * c95:.1f} % (targets 75-85 / 91-98): {_met(ok)}"
            )
    sc = t["scores"]
    if peers and ("h13-36", "reconciled") in sc.index:
        for var in VARIABLES:
            ours = sc.loc[("h13-36", "reconciled"), ("msis95", var)]
            peer = sc.loc[("h13-36", "autoets"), ("msis95", var)]
            out.append(
                f"Winkler 95 % h13-36 {var} (MSIS95, municipalities): ours {ours:.2f}, "
                f"AutoETS {peer:.2f}: {_met(ours <= peer)}"
            )
    return out


def _met(ok: bool) -> str:
    return "met" if ok else "**NOT met**"


TURN_ORIGIN, TURN_TARGET = "2023-10", "2026-06"


def turn_check(ds: Any, n_samples: int = 1000, seed: int = 20260601) -> pd.DataFrame:
    """Origin 2023-10 -> 2026-06 (32 months, nothing seen in between) for every series.

    Ours (the engine on the national hierarchy, reconciled), statsforecast ``AutoETS`` and
    ``SeasonalNaive`` (their own 80/95 % intervals, negatives truncated at 0) on the same
    training panels; scored against the 2026-06 registers (municipalities: suppressed cells
    skipped; aggregates: sums of municipalities with suppressed cells 2.5, as in training).
    One row per variable, level and method: ``n``, MdAPE, WAPE, bias (sum of errors over
    sum of actuals), coverage 80/95, 80 % width and 95 % Winkler score per unit of level
    (sums over series divided by the sum of actuals).
    """
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS, SeasonalNaive

    times = pd.DatetimeIndex(ds["time"].values)
    hier = national_hierarchy()
    end = int(times.get_loc(pd.Timestamp(TURN_ORIGIN + "-01"))) + 1
    target = int(times.get_loc(pd.Timestamp(TURN_TARGET + "-01")))
    h = target - end + 1
    levels = np.array(hier.levels)
    rows = []
    streams = np.random.SeedSequence(seed).spawn(len(VARIABLES))
    for variable, stream in zip(VARIABLES, streams, strict=True):
        panel = hierarchy_panel(ds, variable, hier, end)
        bottom = bottom_values(ds, variable, hier, target + 1)[:, target]
        municipal = ds[variable].sel(area=list(hier.bottom)).transpose("area", "time").values
        actual = aggregate(hier.S, bottom[:, None])[:, 0]
        actual[levels == "municipality"] = municipal[:, target]
        began = time.process_time()
        fc = forecast_variable(
            panel, hier, hier.rows, h, rng=np.random.default_rng(stream), n_samples=n_samples,
            variable=variable, labour=labour_path(ds, hier, hier.rows, end, h),
        )  # fmt: skip
        cpu_ours = time.process_time() - began
        methods = {"ours": (fc.point[:, -1], {k: v[:, -1] for k, v in fc.bounds.items()})}
        frame = pd.DataFrame({
            "unique_id": np.repeat(np.arange(len(hier.rows)), end),
            "ds": np.tile(times[:end], len(hier.rows)),
            "y": panel.ravel(),
        })  # fmt: skip
        cpu = {"ours": cpu_ours}
        for name, model in (
            ("autoets", AutoETS(season_length=12)),
            ("seasonal_naive", SeasonalNaive(season_length=12)),
        ):
            began = time.process_time()
            out = StatsForecast(models=[model], freq="MS").forecast(df=frame, h=h, level=[80, 95])
            cpu[name] = time.process_time() - began
            out = out.sort_values(["unique_id", "ds"])
            col = type(model).__name__
            grab = {k: _grab(out, c, len(hier.rows))[:, -1] for k, c in (
                ("point", col), ("lo80", f"{col}-lo-80"), ("hi80", f"{col}-hi-80"),
                ("lo95", f"{col}-lo-95"), ("hi95", f"{col}-hi-95"),
            )}  # fmt: skip
            methods[name] = (grab.pop("point"), grab)
        for level in ("municipality", "employment_area", "region", "country"):
            sel = (levels == level) & np.isfinite(actual)
            y = actual[sel]
            for name, (point, b) in methods.items():
                p, lo80, hi80 = point[sel], b["lo80"][sel], b["hi80"][sel]
                lo95, hi95 = b["lo95"][sel], b["hi95"][sel]
                err = p - y
                pos = y > 0
                wink = metrics.winkler(y[:, None], lo95[:, None], hi95[:, None], 0.95)
                quantiles = np.stack([lo95, lo80, p, hi80, hi95])[:, :, None]
                crps = metrics.crps_quantiles(y[:, None], quantiles, CRPS_PROBS)
                rows.append({
                    "variable": variable, "level": level, "method": name, "n": int(sel.sum()),
                    "mdape": 100 * float(np.median(np.abs(err[pos]) / y[pos])),
                    "wape": 100 * float(np.abs(err).sum() / y.sum()),
                    "bias": 100 * float(err.sum() / y.sum()),
                    "coverage80": float(np.mean((lo80 <= y) & (y <= hi80))),
                    "coverage95": float(np.mean((lo95 <= y) & (y <= hi95))),
                    "width80": float((hi80 - lo80).sum() / y.sum()),
                    "winkler95": float(np.nansum(wink) / y.sum()),
                    "crps": float(np.nansum(crps) / y.sum()),
                    "cpu_s": cpu[name],
                })  # fmt: skip
        country = hier.national
        for name, (point, b) in methods.items():
            print(
                f"  {variable} SSS {TURN_TARGET}: actual {actual[country]:,.0f}, {name} "
                f"{point[country]:,.0f} (95 % {b['lo95'][country]:,.0f}-"
                f"{b['hi95'][country]:,.0f})", flush=True,
            )  # fmt: skip
    return pd.DataFrame(rows)


def turn_section(turn: pd.DataFrame) -> list[str]:
    return [
        "### Origin 2023-10 -> 2026-06 (32 months ahead; actual 2026-06 registers)", "",
        *[f"- {line}" for line in turn_verdicts(turn)], "",
        "WAPE, MdAPE and bias in per cent; width80 and winkler95 per unit of the actual level "
        "(sums over series); crps: the CRPS from the five published quantiles (lo95, lo80, "
        "point, hi80, hi95; `models.metrics.crps_quantiles`) per unit of level; cpu_s: "
        "CPU seconds of the whole hierarchy's fit and forecast for that variable (ours "
        "includes its inner backtests).", "",
        markdown(turn.set_index(["variable", "level", "method"]), 2), "",
    ]  # fmt: skip


def turn_verdicts(turn: pd.DataFrame) -> list[str]:
    m = turn[turn["level"] == "municipality"].set_index(["variable", "method"])
    out = []
    v = m.loc["vacancies"]
    ok = v.loc["ours", "wape"] < min(v.loc["autoets", "wape"], v.loc["seasonal_naive", "wape"])
    out.append(
        f"2023-10 -> 2026-06 vacancies WAPE (municipalities): ours {v.loc['ours', 'wape']:.0f} %,"
        f" AutoETS {v.loc['autoets', 'wape']:.0f} %, seasonal naive "
        f"{v.loc['seasonal_naive', 'wape']:.0f} % (target: below both): {_met(ok)}"
    )
    u = m.loc["unemployed"]
    ok = u.loc["ours", "winkler95"] < u.loc["autoets", "winkler95"]
    out.append(
        f"2023-10 -> 2026-06 unemployed Winkler 95 % per unit of level (municipalities): ours "
        f"{u.loc['ours', 'winkler95']:.2f}, AutoETS {u.loc['autoets', 'winkler95']:.2f} "
        f"(target: below AutoETS): {_met(ok)}"
    )
    return out


def markdown(frame: pd.DataFrame, digits: int = 3) -> str:
    """A pipe table of ``frame`` (index included), without the optional ``tabulate``."""
    flat = frame.reset_index()
    flat.columns = [
        " ".join(map(str, c)).strip() if isinstance(c, tuple) else str(c) for c in flat.columns
    ]

    def cell(value: object) -> str:
        if isinstance(value, float | np.floating):
            return "" if np.isnan(value) else f"{value:.{digits}f}"
        return str(value)

    lines = ["| " + " | ".join(flat.columns) + " |", "|" + "---|" * len(flat.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in flat.itertuples(False)]
    return "\n".join(lines)


def write_section(path: Path, name: str, body: str) -> None:
    """Replace (or append) the section between ``<!-- name:start -->`` and ``<!-- name:end -->``."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    text = path.read_text() if path.exists() else "# Register forecasts: results\n\n"
    block = f"{start}\n{body.rstrip()}\n{end}\n"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true",
        help="two origins per set, peers on a sample of 40 municipalities (smoke run)",
    )  # fmt: skip
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--sets", default="evaluation,tuning", help="origin sets (evaluation,tuning)"
    )
    parser.add_argument(
        "--peers", default="evaluation,tuning",
        help="sets on which the statsforecast peers run (others: ours only, no peer rows)",
    )  # fmt: skip
    parser.add_argument(
        "--reversion", action="store_true",
        help="the pooled member's mean-reversion features (A/B on the tuning origins)",
    )  # fmt: skip
    parser.add_argument("--no-turn", action="store_true", help="skip the 2023-10 check")
    parser.add_argument(
        "--peers-cached", action="store_true",
        help="peers only on the origins already cached (a partial run; stated in the doc)",
    )  # fmt: skip
    args = parser.parse_args()
    load0 = os.getloadavg()[0]
    began, cpu0 = time.perf_counter(), time.process_time()
    ds = registers_cube()
    registers.POOLED_REVERSION = bool(args.reversion) or registers.POOLED_REVERSION
    sets: dict[str, tuple[str, ...]] = {"evaluation": EVALUATION_ORIGINS, "tuning": TUNING_ORIGINS}
    sets = {k: v for k, v in sets.items() if k in args.sets.split(",")}
    if args.quick:
        sets = {name: origins[::4][:2] for name, origins in sets.items()}
    sample = 40 if args.quick else None
    sections = []
    for name, origins in sets.items():
        ours = ours_frame(ds, name + ("-quick" if args.quick else ""), origins)
        if sample is not None:
            keep = set(peer_forecasts(ds, origins[:1], sample)["area"])
            ours = ours[(ours["level"] != "municipality") | ours["area"].isin(keep)]
        peers, note = None, "peers not run on this set"
        if name in args.peers.split(","):
            with_peers = origins
            if args.peers_cached:
                tag = sample or "all"
                with_peers = tuple(o for o in origins if (CACHE / f"peers-{o}-{tag}.pkl").exists())
            peers = peer_forecasts(ds, with_peers, sample) if with_peers else None
            note = f"peers and the comparisons with them on origins {', '.join(with_peers)}"
            if not with_peers:
                note = "no peer frame cached in `build/eval_registers/`: ours only"
        t = tables(ours, peers)
        if peers is not None and len(with_peers) < len(origins):
            same = tables(ours[ours["origin"].isin(with_peers)], peers)
            t.update({k: same[k] for k in ("accuracy", "scores", "origins")})
        sections += [
            f"## {name.capitalize()} origins: {', '.join(origins)}", "", f"({note})", "",
            "### Verdicts (issue 17 figures)", "", *[f"- {line}" for line in verdicts(t)], "",
            "### Mean MASE by method (municipalities)", "", markdown(t["accuracy"]), "",
            "### Interval coverage and MSIS95 (municipalities)", "", markdown(t["scores"]), "",
            "### MASE by level: base, reconciled, bottom-up", "", markdown(t["levels"]), "",
            "### Interval coverage by level (reconciled)", "", markdown(t["coverage_levels"]),
            "", "### MASE h1-12 by origin (municipalities)", "", markdown(t["origins"]), "",
        ]  # fmt: skip
    turn = None if args.no_turn else turn_check(ds)
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu0
    load1 = os.getloadavg()[0]
    command = "python benchmarks/eval_registers.py" + (" --quick" if args.quick else "")
    command += "" if args.peers == "evaluation,tuning" else f" --peers {args.peers}"
    command += " --peers-cached" if args.peers_cached else ""
    body = "\n".join([
        "## Accuracy: tuning and evaluation origins, and the 2023-10 -> 2026-06 check", "",
        f"Command: `{command}`; run {pd.Timestamp.now():%Y-%m-%d %H:%M}, {wall:.0f} s wall, "
        f"{cpu:.0f} CPU s (peers read from `build/eval_registers/` when cached) on a shared "
        f"2-core machine (load average {load0:.1f} at the start, {load1:.1f} at the end). "
        "`reconciled` is the published forecast (`mean` column). Choices are made on the "
        "tuning origins only (`forecasting.backtest.TUNING_ORIGINS`, the nine every earlier "
        "choice was made on); the evaluation origins "
        "(`forecasting.backtest.EVALUATION_ORIGINS`) were not looked at before this run. "
        "Peers (statsforecast, municipalities only): `autoets` (AutoETS, season 12, AICc "
        "selection) and `damped_ets` (AutoETS model AAA damped); MSIS95 is the 95 % Winkler "
        "score over the seasonal naive in-sample scale; `scrps` the CRPS from the five "
        "published quantiles over the same scale (ours only: the cached peer frames have "
        "no quantile columns).", "",
        f"Pooled mean-reversion features: {'on' if registers.POOLED_REVERSION else 'off'}.",
        "", *([] if turn is None else turn_section(turn)), *sections,
    ])  # fmt: skip
    print(body)
    if not args.no_write:
        write_section(RESULTS, "eval", body)


if __name__ == "__main__":
    main()
