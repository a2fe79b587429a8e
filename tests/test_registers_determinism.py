"""The national register forecast is bit-identical whatever process and BLAS threads run it.

The release builds ``register_forecasts`` in a thread of the main process (thread runner,
BLAS on every core) or in a Dask worker process (whose nanny sets ``OPENBLAS_NUM_THREADS=1``).
Before the fix the labour force, summed over the hierarchy with a multi-threaded ``gemm``,
differed in the last bits between the two (30 of 8,976 values, and the unemployment rate with
it). Here: the same call in this process with two BLAS threads, and in a fresh subprocess with
the environment a Dask worker gets; every array must match bit for bit.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from forecasting.registers import forecast_registers, registers_cube

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
# Origin 2023-10 and 13 months: the horizon crosses into a new year, so the labour force
# forecast (annual footing) changes within it.
CALL = dict(origin="2023-10", horizon=13, scope="national", n_samples=100, seed=7)
CHILD = """
import sys
import numpy as np
from forecasting.registers import forecast_registers, registers_cube
ds = forecast_registers(registers_cube(), **{call!r})
np.savez(sys.argv[1], **{{name: ds[name].values for name in ds.data_vars}})
"""


def _bits(values: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(values).view(np.uint8)


def test_national_forecast_is_bit_identical_in_a_fresh_worker_process(tmp_path: Path) -> None:
    with threadpool_limits(limits=2, user_api="blas"):  # as a thread of the main process
        here = forecast_registers(registers_cube(), **CALL)  # type: ignore[arg-type]
    env = dict(os.environ)
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = tmp_path / "worker.npz"
    subprocess.run(
        [sys.executable, "-c", CHILD.format(call=CALL), str(out)],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    there = np.load(out)
    assert sorted(there.files) == sorted(map(str, here.data_vars))
    for name in there.files:
        mine = here[name].values
        assert mine.dtype == there[name].dtype
        assert np.array_equal(_bits(mine), _bits(there[name])), f"{name} differs in the bits"
