"""A stand-in for snapshot v2's ``registers`` cube, built from the current snapshot.

The current cube (2006-01..2023-10: unemployed, labour force, vacancies) gets the months
2023-11..2026-06 appended: NaN (status 1, missing) except 2026-06, read from the verbatim
StatFin response ``statfin-2026/tyonv_12r5_pxweb-json_all_variables_all_areas_2026M06.json``
(KU### rows; the 2025 division already has Pertunmaa in Mäntyharju, like the 2026 data).
Aggregates are sums of the municipalities (:func:`forecasting.geography.add_aggregates`).
Until snapshot v2 lands, tests and benchmarks use this.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import xarray as xr

from forecasting import geography, snapshot
from forecasting.io.files import read_json
from forecasting.settings import get_settings

CODES = {
    "HAKIJALOPUSSA": "jobseekers", "TYOTTOMATLOPUSSA": "unemployed",
    "TYOVOIMATK": "labour_force", "TYOTOSUUS": "unemployment_rate_published",
    "TYOTTOMATMIEHET": "unemployed_men", "TYOTTOMATNAISET": "unemployed_women",
    "TYOTTOMAT20": "unemployed_under_20", "TYOTTOMAT25": "unemployed_under_25",
    "TYOTTOMAT50": "unemployed_over_50", "TYOTTOMATSAIR": "unemployed_disabled",
    "TYOTTOMATULK": "unemployed_foreign", "PITKAAIKAISTYOTTOMAT": "long_term_unemployed",
    "KASSASSA": "unemployed_fund_members", "LOMAUTETTU": "laid_off", "LYHTYOVKO": "short_time",
    "TYOLLISTETTYLOP": "subsidised_employment", "TYOHARJOITTELULOP": "in_work_practice",
    "KOKEILULOP": "in_trials", "TVKOULUTUSLOP": "in_labour_market_training",
    "VALMENNUSLOP": "in_coaching", "MTPPALVELUTLOP": "in_other_services",
    "AVPAIKATLOPUSSA": "vacancies", "UUDETAVP": "new_vacancies",
}  # fmt: skip
FILE = "statfin-2026/tyonv_12r5_pxweb-json_all_variables_all_areas_2026M06.json"


def month_2026_06() -> xr.Dataset:
    """The municipalities' 2026-06 values of all 23 variables, ``(area, time)``."""
    raw = read_json(get_settings().data.shared_data_dir / FILE)
    codes = [c["code"] for c in raw["columns"][2:]]
    munis = set(geography.municipalities().index)
    records = {}
    for row in raw["data"]:
        area = row["key"][0]
        if area.startswith("KU") and area[2:] in munis:
            records[area[2:]] = [_number(v) for v in row["values"]]
    frame = pd.DataFrame.from_dict(records, orient="index", columns=codes).sort_index()
    ds = xr.Dataset(
        {CODES[c]: (("area", "time"), frame[[c]].to_numpy()) for c in codes},
        coords={"area": list(frame.index), "time": [pd.Timestamp("2026-06-01")]},
    )
    return ds


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return float("nan")  # ".", "..", "...": missing or confidential


@lru_cache(maxsize=1)
def registers_v2() -> xr.Dataset:
    """The current cube extended to 2026-06 with the 2023-11..2026-05 gap (do not mutate)."""
    old = snapshot.load("registers")
    new = month_2026_06().drop_vars("unemployment_rate_published")
    munis = [a for a in map(str, old["area"].values) if a in set(new["area"].values)]
    summed = geography.add_aggregates(new.sel(area=munis))
    assert isinstance(summed, xr.Dataset)
    new = summed.sel(area=old["area"].values)
    gap = pd.date_range("2023-11-01", "2026-05-01", freq="MS")
    empty = xr.full_like(new.isel(time=[0] * len(gap)), np.nan).assign_coords(time=gap)
    tail = xr.concat([empty, new], dim="time")
    history = old[[v for v in old.data_vars if not str(v).endswith("_status")]]
    ds = xr.concat([history, tail], dim="time", data_vars="all", join="outer")
    for name in list(ds.data_vars):
        ds[f"{name}_status"] = xr.where(ds[name].notnull(), 0, 1).astype(np.int8)
    return ds.assign_attrs(old.attrs, data_through="2026-06")
