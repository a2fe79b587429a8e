"""CPU seconds of the training-needs product for a few areas, in one process.

    python benchmarks/bench_training_areas.py [--areas TA01,TA23,TA40,TA12] [--repeat 1]

The release's per-area work only: the shared pieces a release prepares once per process
(the demography's rates, the demand base and its history, the projected population) are
prepared first and not counted, as in ``forecasting.release.products._training_unit``.
``time.process_time()`` over :func:`forecasting.training.training_needs` for each area, so
the figure moves less with the machine's load than a whole build. Run it from a checkout of
each commit to compare (it imports the package of the checkout it lies in).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", default="TA01,TA23,TA40,TA12")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=20250101)
    args = parser.parse_args()

    from forecasting import demand, replacement, training
    from forecasting.demography.labour import labour_rates
    from forecasting.io.inputs import assemble

    until = 2035
    cubes = assemble()
    population = demand.projected_population(cubes, seed=args.seed)
    base = demand.demand_base(cubes, seed=args.seed, population=population)
    history = demand.jobs_by_industry_history(base)
    rateset = replacement.shared_rates(cubes, until)
    rates = labour_rates(
        cubes, base_year=rateset.base_year, until=until,
        assumptions=rateset.assumptions, rateset=rateset,
    )  # fmt: skip
    areas = args.areas.split(",")
    runs = []
    for _ in range(args.repeat):
        start = time.process_time()
        for area in areas:
            training.training_needs(
                cubes, until=until, scope="national" if area == "SSS" else "area", area=area,
                seed=args.seed, population=population, rateset=rates, base=base,
                history=history,
            )  # fmt: skip
        runs.append(round(time.process_time() - start, 2))
    print(
        json.dumps(
            {
                "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                "areas": areas,
                "cpu_s": runs,
                "load_average_end": [round(x, 1) for x in os.getloadavg()],
            }
        )
    )


if __name__ == "__main__":
    main()
