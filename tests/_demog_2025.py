"""TEST-ONLY: the Snapshot v2 demography cubes, read straight from the raw 2025 files.

Until the snapshot carries them (branch snapv2), this builds ``population_totals`` (with
31.12.2025), ``population_by_sex`` (11re 2025), ``population_change`` (121w 2025),
``age_key_figures`` (11ra 2024-2025) and ``regional_demography`` (region files to 2025) with
the snapshot's names and layouts (dims area/time/sex/age, time 31 December, municipality codes
without ``KU``, sex F/M), from /work/shared/data (the settings' shared directory).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from forecasting.io.inputs import Inputs
from forecasting.io.sources import _demography_rates as dr
from forecasting.settings import get_settings

STATFIN = "statfin-2026"
FILE_11RE = "vaerak_11re_pxweb-json_population_by_sex_all_areas_2025.json"
FILE_121W = "vaerak_121w_pxweb-json_vital_events_migration_all_areas_2025.json"
FILE_11RA = "vaerak_11ra_pxweb-json_age_key_figures_all_areas_2024-2025.json"
#: 121w columns -> names of the snapshot's ``population_change`` (snapv2 statfin2026.py).
VARS_121W = {
    "ssaaty-vm01": "births", "ssaaty-vm11": "deaths", "ssaaty-luonvalisays": "natural_increase",
    "ssaaty-vm43_tulo": "in_migration_municipal", "ssaaty-vm43_lahto": "out_migration_municipal",
    "ssaaty-vm43_netto": "net_migration_municipal", "ssaaty-vm41": "immigration",
    "ssaaty-vm42": "emigration", "ssaaty-vm4142": "net_immigration",
    "ssaaty-koknetmuutto": "net_migration_total", "ssaaty-kokmuutos": "total_change",
    "ssaaty-vaesto": "population",
}  # fmt: skip
VARS_11RA = {"vaerak-vaesto": "population", "vaesto_alle15_p": "share_under_15",
             "vaesto_yli64_p": "share_over_64", "vaesto_keski_ika": "mean_age"}  # fmt: skip
SEX_11RE = {"1": "M", "2": "F"}


def shared_dir() -> Path:
    return Path(get_settings().data.shared_data_dir)


def _pxweb(path: Path) -> pd.DataFrame:
    """Long rows ``area, year, (sex), <value columns>`` of municipalities (``KU###``)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    keys = [c["code"] for c in doc["columns"] if c["type"] in ("d", "t")]
    values = [c["code"] for c in doc["columns"] if c["type"] == "c"]
    rows = []
    for item in doc["data"]:
        row = dict(zip(keys, item["key"], strict=True))
        row.update(zip(values, item["values"], strict=True))
        rows.append(row)
    frame = pd.DataFrame(rows)
    area = next(k for k in keys if k.startswith("alue"))
    frame = frame[frame[area].str.startswith("KU")].copy()
    frame["area"] = frame[area].str[2:]
    frame["time"] = pd.to_datetime(frame["timeperiod_y"] + "-12-31")
    for col in values:
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    return frame


def population_by_sex() -> xr.Dataset:
    frame = _pxweb(shared_dir() / STATFIN / FILE_11RE)
    frame = frame[frame["sukupuoli_9_20180101"].isin(list(SEX_11RE))].copy()
    frame["sex"] = frame["sukupuoli_9_20180101"].map(SEX_11RE)
    ds = frame.set_index(["area", "time", "sex"])[["vaerak-vaesto"]].to_xarray()
    return ds.rename({"vaerak-vaesto": "population"}).sel(sex=["F", "M"])


def population_change() -> xr.Dataset:
    frame = _pxweb(shared_dir() / STATFIN / FILE_121W)
    ds = frame.set_index(["area", "time"])[list(VARS_121W)].to_xarray()
    return ds.rename(VARS_121W)


def age_key_figures() -> xr.Dataset:
    frame = _pxweb(shared_dir() / STATFIN / FILE_11RA)
    ds = frame.set_index(["area", "time"])[list(VARS_11RA)].to_xarray()
    return ds.rename(VARS_11RA)


def population_totals(old: xr.Dataset) -> xr.Dataset:
    """The snapshot's totals (2000..2022) with 31.12.2025 (11re, both sexes) appended."""
    add = population_by_sex()["population"].sum("sex").reindex(area=old["area"].values)
    return xr.concat([old[["population"]], add.to_dataset(name="population")], dim="time")


def regional_demography() -> xr.Dataset:
    """``regional_demography`` from the region files to 2025 (the snapshot's reader)."""
    specs = [dataclasses.replace(s, file=s.file.replace("-2022", "-2025")) for s in dr.REGION_SPECS]
    regions = [*dr.geography.aggregate_codes("region"), dr.geography.COUNTRY]
    coords: dict[str, Iterable[object]] = {
        "area": regions,
        "time": dr.year_end(range(1972, 2026)),
        "sex": dr.SEXES,
        "age": dr.AGES,
    }
    parts = [dr.read_region_var(shared_dir() / "region", s, coords) for s in specs]
    return xr.merge(parts, join="exact")


def cubes_2025(cubes: Inputs) -> Inputs:
    """``cubes`` with the 2025 demography cubes built from the raw files."""
    out = dict(cubes)
    out["population_totals"] = population_totals(cubes["population_totals"])
    out["population_by_sex"] = population_by_sex()
    out["population_change"] = population_change()
    out["age_key_figures"] = age_key_figures()
    out["regional_demography"] = regional_demography()
    for name in ("population_by_sex", "population_change", "age_key_figures"):
        out[name].attrs.update(source_tables=name, data_version=name, data_through="2025")
    out["regional_demography"].attrs.update(cubes["regional_demography"].attrs)
    out["population_totals"].attrs.update(cubes["population_totals"].attrs)
    return Inputs(out)


def region_single_ages(year: int, region: str = "MK10") -> np.ndarray:
    """The region file's single ages by sex (2, X) of ``region`` in ``year``."""
    reg = regional_demography()["population"]
    return np.asarray(reg.sel(area=region, time=f"{year}-12-31").sel(sex=["F", "M"]).values)
