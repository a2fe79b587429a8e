"""Hand-over of the assembled input cubes to worker processes through a file.

The service's scenario workers get the cubes the service assembled (``forecasting.io.inputs``)
when they start; this module writes them once and reads them back in the worker.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Mapping
from pathlib import Path

import xarray as xr


class CubesFile:
    """The service's cubes pickled once into a file the worker processes read at start.

    Why not ``initargs``: ``spawn`` writes a new process's arguments into a pipe while the
    parent still holds that pipe's read end (CPython 3.11 ``popen_spawn_posix``), so a worker
    SIGKILLed before it has read megabytes of cubes leaves the parent blocked in that write
    for ever (every later run hung; found by ``benchmarks/fault_processes.py`` under load).
    A path is a few bytes, written at once. On Linux the file is anonymous (unlinked at
    once, read through ``/proc/<service pid>/fd/<n>``), so nothing is left behind even when
    the service is SIGKILLed; elsewhere a named temporary file removed by :meth:`close`.
    """

    def __init__(self, cubes: Mapping[str, xr.Dataset]):
        proc_fd = Path(f"/proc/{os.getpid()}/fd")
        # Kept open for the runner's lifetime (closed by close()), hence no context manager.
        self._file = (
            tempfile.TemporaryFile(prefix="ennakointi-cubes-")  # noqa: SIM115
            if proc_fd.is_dir()
            else tempfile.NamedTemporaryFile(prefix="ennakointi-cubes-", delete=False)  # noqa: SIM115
        )
        pickle.dump(dict(cubes), self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._file.flush()
        name = self._file.name
        self.path: str = (
            str(proc_fd / str(self._file.fileno())) if isinstance(name, int) else str(name)
        )

    def close(self) -> None:
        self._file.close()
        if self.path and not self.path.startswith("/proc/"):
            Path(self.path).unlink(missing_ok=True)


def load_cubes(path: str) -> dict[str, xr.Dataset]:
    """The cubes a :class:`CubesFile` holds (in a worker process)."""
    with open(path, "rb") as f:
        return dict(pickle.load(f))  # written by this service's own process
