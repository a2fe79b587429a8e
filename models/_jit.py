"""The one numba jit policy of the project.

Every kernel in ``models/_kernels`` is compiled through :func:`jit` so that caching,
``nogil`` and fast-math choices are made in exactly one place (as numba-stats does in
its ``_util.py``). ``fastmath`` stays off: reproducibility across thread counts matters
more than the last few per cent of speed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numba

F = TypeVar("F", bound=Callable[..., Any])

JIT_OPTIONS: dict[str, Any] = {"cache": True, "nogil": True, "fastmath": False}


def jit(func: F | None = None, *, parallel: bool = False) -> Any:
    """Compile ``func`` in nopython mode with the project's policy.

    Parameters
    ----------
    func
        The kernel. Used bare (``@jit``) or with arguments (``@jit(parallel=True)``).
    parallel
        Enable ``numba.prange`` loops (used over Monte Carlo draws).
    """

    def wrap(f: F) -> F:
        return numba.njit(parallel=parallel, **JIT_OPTIONS)(f)

    if func is not None:
        return wrap(func)
    return wrap


prange = numba.prange
