"""Provenance attributes carried by every dataset and output.

Every dataset gets: ``source_tables`` (StatFin ids), ``source`` (citation), ``license``
(CC BY 4.0), ``retrieved`` (retrieval date of the source extract), ``data_version``
(content hash of the inputs), ``code_version`` and, for stochastic outputs, ``seed``.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from forecasting import __version__
from forecasting.settings import PROJECT_ROOT

LICENCE = "CC BY 4.0"
ATTRIBUTION = "Source: Statistics Finland (Tilastokeskus) and KEHA-keskus, StatFin; CC BY 4.0"
PROVENANCE_KEYS = ("source_tables", "license", "retrieved", "data_version", "code_version")


@lru_cache
def code_version() -> str:
    """Package version plus the git commit of the source tree when there is one."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
        commit = out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{__version__}+g{commit}" if commit else __version__


def content_hash(ds: xr.Dataset | xr.DataArray) -> str:
    """A stable SHA-256 (first 16 hex digits) of a dataset's names, coords and values.

    Attributes are left out so that re-stamping provenance does not change the version.
    """
    h = hashlib.sha256()
    obj = ds.to_dataset(name=ds.name or "_") if isinstance(ds, xr.DataArray) else ds
    for name in sorted(map(str, obj.variables)):
        var = obj.variables[name]
        h.update(name.encode())
        h.update(repr(var.dims).encode())
        values = np.asarray(var.values)
        if values.dtype.kind in "OUS":
            h.update("\x1f".join(map(str, values.ravel())).encode())
        else:
            h.update(str(values.dtype).encode())
            h.update(np.ascontiguousarray(values).tobytes())
    return h.hexdigest()[:16]


def combine_versions(versions: Iterable[str]) -> str:
    """One version string for a set of input versions (order-independent)."""
    h = hashlib.sha256("|".join(sorted(versions)).encode())
    return h.hexdigest()[:16]


def stamp(
    ds: xr.Dataset,
    *,
    source_tables: Iterable[str],
    retrieved: str,
    data_version: str | None = None,
    seed: int | None = None,
    extra: Mapping[str, Any] | None = None,
) -> xr.Dataset:
    """Return ``ds`` with the provenance attributes set (a shallow copy)."""
    out = ds.copy()
    out.attrs.update(
        {
            "source_tables": ", ".join(source_tables),
            "source": ATTRIBUTION,
            "license": LICENCE,
            "retrieved": retrieved,
            "data_version": data_version or content_hash(ds),
            "code_version": code_version(),
        }
    )
    if seed is not None:
        out.attrs["seed"] = int(seed)
    if extra:
        out.attrs.update(dict(extra))
    return out


def provenance_of(ds: xr.Dataset) -> dict[str, Any]:
    """The provenance attributes of ``ds`` as a plain dict (for API responses and CSV headers)."""
    keys = (*PROVENANCE_KEYS, "source", "seed")
    return {k: ds.attrs[k] for k in keys if k in ds.attrs}


#: The rows of a written table's provenance (:func:`provenance_table`), in this order.
TABLE_FIELDS = (
    "data_through", "source_tables", "source", "license", "retrieved", "data_version",
    "code_version", "seed", "scope", "area", "model", "method",
)  # fmt: skip


def data_through(attrs: Mapping[str, Any]) -> str | None:
    """The last period of data behind an output, from its attrs: ``data_through`` where set,
    else a register forecast's ``origin`` (its last month of data, ``YYYY-MM``), else a
    projection's ``base_year`` (its base population of 31 December, ``YYYY-12-31``)."""
    if attrs.get("data_through") not in (None, ""):
        return str(attrs["data_through"])
    if attrs.get("origin") not in (None, ""):
        return str(attrs["origin"])
    if attrs.get("base_year") not in (None, ""):
        return f"{int(attrs['base_year'])}-12-31"
    return None


def provenance_table(attrs: Mapping[str, Any]) -> pd.DataFrame:
    """A table written to a file (the command line's CSV and workbooks) gets its provenance
    as ``field, value`` rows: the data date (:func:`data_through`), the sources and licence,
    the versions of data and code and, where the output has them, seed, scope, area, model
    and method. Refuses attrs without sources or a data date: an output that cannot say
    where its numbers come from is a defect, not something to write silently."""
    values = {
        **{k: attrs[k] for k in TABLE_FIELDS if k in attrs},
        "data_through": data_through(attrs),
    }
    missing = [k for k in ("data_through", "source_tables", "license") if not values.get(k)]
    if missing:
        raise ValueError(f"the output's attrs lack provenance: {', '.join(missing)}")
    rows = [(k, str(values[k])) for k in TABLE_FIELDS if values.get(k) not in (None, "")]
    return pd.DataFrame(rows, columns=["field", "value"])


#: "version" and a user file's words by language (:func:`readable_version`).
_VERSION_WORD = {"en": "version", "fi": "versio", "sv": "version"}
_OWN_FILE = {
    "en": "own file {name}, SHA-256 {digest}",
    "fi": "oma tiedosto {name}, SHA-256 {digest}",
    "sv": "egen fil {name}, SHA-256 {digest}",
}


def readable_version(version: str, lang: str = "en") -> str:
    """A parameter file's version for readers in ``lang`` (fi, sv, en; English otherwise):
    a shipped ``<name>-v2`` (or ``v2``) is "version 2" ("versio 2"), a dotted
    ``<name>-2019.1`` (the demography's assumptions) "version 2019.1", a user file's
    ``user:<name>:<sha256 prefix>`` "own file <name>, SHA-256 <prefix>", another version
    "version <it>"."""
    lang = lang if lang in _VERSION_WORD else "en"
    if version.startswith("user:"):
        name, _, digest = version.removeprefix("user:").rpartition(":")
        return _OWN_FILE[lang].format(name=name, digest=digest)
    numbered = re.fullmatch(r"(?:.+-)?v(\d+)|[A-Za-z][\w-]*-(\d+(?:\.\d+)+)", version)
    number = next((g for g in numbered.groups() if g), version) if numbered else version
    return f"{_VERSION_WORD[lang]} {number}"


def method_note_attrs(notes: Mapping[str, str]) -> dict[str, str]:
    """A product's method for readers as attrs: ``method_note_<lang>`` for each language of
    ``notes`` (``{lang: text}``, English among them) and ``method_note``, the English one
    (what the API's provenance and a reader without a note in their language get)."""
    return {"method_note": notes["en"], **{f"method_note_{k}": v for k, v in notes.items()}}
