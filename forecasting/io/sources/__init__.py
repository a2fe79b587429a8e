"""Source modules of the embedded snapshot: one module per group of source files.

Every module ``forecasting.io.sources.<group>`` exposes::

    def build(shared_dir: Path) -> list[Cube]: ...

``shared_dir`` is the ``shared/data`` folder (with ``statfin/``, ``region/``, ``national/``,
``classifications/``). A module reads its files (through :mod:`forecasting.io.sources._read`
helpers or its own code), raises :class:`forecasting.errors.DataError` naming file and row on
bad input, and returns cubes whose ``dataset`` follows the data contract (dims in canonical
order, string area codes of the 2025 division, datetime64 time, NaN + int8 ``<var>_status`` for
suppressed cells). The builder (:mod:`forecasting.io.snapshot_build`) stamps provenance from
the :class:`Cube` fields, validates, casts and writes every cube atomically; modules need not
call :func:`forecasting.provenance.stamp` themselves.

The registry is :data:`SOURCE_MODULES`; modules that are not (yet) present are skipped.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import xarray as xr

from forecasting.errors import DataError
from forecasting.provenance import ATTRIBUTION, LICENCE

#: Retrieval date of the extracts in ``shared/data`` (the date they entered the project's shared
#: data folder; the pinned repository commit in each cube's ``source_repo`` identifies the exact
#: content). Use it as ``Cube.retrieved`` for every file taken from that folder.
SHARED_DATA_RETRIEVED = "2026-11-27"

#: ``source_repo`` of files whose origin ``shared/data/README.md`` does not document (the
#: ``national/`` folder): said honestly rather than guessed.
UNDOCUMENTED_REPO = "unknown (not documented in the shared extract)"

#: Attribution and licence of the sources that are not Statistics Finland's (whose are the
#: defaults of :class:`Cube`, from :mod:`forecasting.provenance`).
HMD_ATTRIBUTION = (
    "Source: HMD. Human Mortality Database. Max Planck Institute for Demographic Research "
    "(Germany), University of California, Berkeley (USA), and French Institute for Demographic "
    "Studies (France). Available at www.mortality.org; CC BY 4.0"
)
HFD_ATTRIBUTION = (
    "Source: HFD. Human Fertility Database. Max Planck Institute for Demographic Research "
    "(Germany) and Vienna Institute of Demography (Austria). Available at "
    "www.humanfertility.org; CC BY 4.0"
)
EUROSTAT_LICENCE = (
    "reuse authorised provided the source is acknowledged (Commission Decision 2011/833/EU)"
)

#: Source modules in build order. A missing module is skipped (see :func:`builders`).
SOURCE_MODULES: tuple[str, ...] = ("registers", "demography", "employment", "statfin2026")

Builder = Callable[[Path], "list[Cube]"]


@dataclass(frozen=True)
class Cube:
    """One cube of the snapshot, as a source module hands it to the builder.

    Attributes
    ----------
    name
        Cube name of the data contract (``docs/DATA_CONTRACT.md``), e.g. ``"registers"``;
        also the file stem ``<name>.nc``.
    dataset
        The data, following the contract. Provenance attrs are added by the builder; other
        attrs (``time_convention``, ``units``, ``long_name`` on variables ...) are kept.
    source_tables
        StatFin (or other) table ids, e.g. ``("tyonv 12r5",)``.
    source_files
        Source file paths relative to ``shared_dir``, e.g.
        ``("statfin/tyonv_12r5_....csv",)``.
    source_repo
        Where the extract came from, "owner/name @ commit" (several joined by ``"; "``),
        as listed in ``shared/data/README.md``; ``"derived"`` notes may be appended.
    retrieved
        Fixed ISO date (``YYYY-MM-DD``) when the source extract was retrieved (documented per
        source; never the build date); default :data:`SHARED_DATA_RETRIEVED`.
    count_vars
        Variables that are non-negative counts (validated on every load; stored as float32
        when exact, loaded back as float64).
    description
        One line for ``info()`` (optional).
    time_convention
        E.g. ``"month start"`` or ``"31 December"`` (written as attr ``time_convention``);
        required when the dataset has a ``time`` dim.
    notes
        Caveats joined into the attr ``notes`` (optional).
    attribution
        The citation every use of the cube must carry (attr ``source``; default Statistics
        Finland / KEHA-keskus, StatFin).
    licence
        Licence of the source data (attr ``license``; default CC BY 4.0).
    data_through
        Last period with data (``"YYYY-MM"`` monthly, ``"YYYY"`` annual); needed only for a
        cube without a ``time`` dim, otherwise computed by the builder from the data.
    """

    name: str
    dataset: xr.Dataset
    source_tables: tuple[str, ...]
    source_files: tuple[str, ...]
    source_repo: str
    retrieved: str = SHARED_DATA_RETRIEVED
    count_vars: tuple[str, ...] = ()
    description: str = ""
    time_convention: str | None = None
    notes: tuple[str, ...] = field(default=())
    attribution: str = ATTRIBUTION
    licence: str = LICENCE
    data_through: str | None = None


def builders(modules: tuple[str, ...] = SOURCE_MODULES) -> dict[str, Builder]:
    """``{module name: build function}`` for every registered source module that exists.

    A module that is absent is skipped; a module that exists but fails to import raises
    (a broken module must never silently drop its cubes from the snapshot).
    """
    found: dict[str, Builder] = {}
    for mod_name in modules:
        full = f"{__name__}.{mod_name}"
        try:
            module = importlib.import_module(full)
        except ModuleNotFoundError as exc:
            if exc.name == full:
                continue
            raise
        build = getattr(module, "build", None)
        if not callable(build):
            raise DataError(f"source module {full} has no build(shared_dir) function")
        found[mod_name] = build
    return found


def build_all(shared_dir: Path, modules: tuple[str, ...] = SOURCE_MODULES) -> list[Cube]:
    """Run every registered source module and return all cubes (names must be unique)."""
    cubes: list[Cube] = []
    seen: dict[str, str] = {}
    for mod_name, build in builders(modules).items():
        for cube in build(Path(shared_dir)):
            if not isinstance(cube, Cube):
                raise DataError(f"source module {mod_name} returned {type(cube).__name__}")
            if cube.name in seen:
                raise DataError(
                    f"cube {cube.name!r} built by both {seen[cube.name]} and {mod_name}"
                )
            seen[cube.name] = mod_name
            cubes.append(cube)
    return cubes
