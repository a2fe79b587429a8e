"""Links of an employment area's municipalities with the neighbouring employment areas.

The snapshot has each municipality's commuting totals (tyokay 115n/115p 2017: employed
residents working outside the municipality, jobs held by in-commuters) but no flows between
municipalities across the area's border. The calibration's commuting matrix
(:func:`forecasting.scenarios.calibration.fit_commuting`) leaves, for each member, the
out-commuters who work outside the area (``flows[r, R]``) and the in-commuters who live
outside it (``flows[R, w]``). Here both are split over the municipalities outside the area
by a singly constrained gravity model (:data:`GRAVITY`):

- out-commuters of member ``r`` to municipality ``m``: ``in_m * d(r, m)^-beta``, ``in_m`` the
  jobs of ``m`` held by in-commuters (115p ``commuting_in``);
- in-commuters of member ``w`` from ``m``: ``out_m * d(w, m)^-beta``, ``out_m`` the
  residents of ``m`` commuting out (115n ``commuting_out``);

``d`` the road distance (:data:`ROAD_FACTOR` x great-circle distance between the
municipalities' centroids, NLS borders 2023, at least :data:`MIN_KM`), then summed to
employment areas. The scenario's secondary jobs outside the area follow these links
(:mod:`forecasting.scenarios.events`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import xarray as xr

from forecasting import geography
from forecasting.io.centroids_build import TABLE
from forecasting.io.files import read_table

#: Versioned name and parameters of the split. ``beta`` is an assumption: distance-decay
#: exponents of commuting gravity models are typically 1.5-3 (no Finnish
#: municipality-to-municipality estimate in the snapshot); 2 is the classic gravity value.
#: With 2 the capital region takes about 15 % of TA23's out-of-area commuters (weekly
#: commuters and head-office registrations); 3 would shift weight to the nearest areas
#: (Lahti, Kouvola, Etelä-Karjala for Mäntyharju).
GRAVITY = "gravity-power-v1"
BETA = 2.0
ROAD_FACTOR = 1.3
MIN_KM = 10.0
EARTH_KM = 6371.0


@dataclass(frozen=True)
class Links:
    """Each member's out-of-area commuting split by employment area.

    Attributes
    ----------
    areas : (K,) employment areas other than the own one.
    work_split : (R, K) where member ``r``'s out-of-area commuters work (rows sum to 1).
    home_split : (R, K) where member ``w``'s in-commuters from outside live (rows sum to 1).
    source : provenance of the split.
    """

    areas: tuple[str, ...]
    work_split: np.ndarray
    home_split: np.ndarray
    source: str


@lru_cache(maxsize=1)
def _table() -> pd.DataFrame:
    return read_table(TABLE, index="code").astype(float)


def centroids() -> pd.DataFrame:
    """Municipal centroids (``lat``, ``lon`` degrees) by current code (the committed,
    versioned table of :mod:`forecasting.io.centroids_build`)."""
    return _table()


def road_km(frm: pd.DataFrame, to: pd.DataFrame) -> np.ndarray:
    """(len(frm), len(to)) road distance in km (``ROAD_FACTOR`` x great circle)."""
    la1 = np.radians(frm["lat"].to_numpy())[:, None]
    lo1 = np.radians(frm["lon"].to_numpy())[:, None]
    la2 = np.radians(to["lat"].to_numpy())[None, :]
    lo2 = np.radians(to["lon"].to_numpy())[None, :]
    h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    return ROAD_FACTOR * 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _split(dist: np.ndarray, mass: np.ndarray, groups: np.ndarray, K: int) -> np.ndarray:
    w = mass[None, :] * np.maximum(dist, MIN_KM) ** -BETA
    by_area = np.zeros((dist.shape[0], K))
    for k in range(K):
        by_area[:, k] = w[:, groups == k].sum(axis=1)
    return by_area / by_area.sum(axis=1, keepdims=True)


def neighbour_links(
    cubes: Mapping[str, xr.Dataset], area: str, municipalities: tuple[str, ...]
) -> Links | None:
    """The gravity split of the members' out-of-area commuting (None without the
    ``commuting`` cube or the centroids of the members)."""
    if "commuting" not in cubes:
        return None
    cube = cubes["commuting"]
    cube = cube.sel(time=cube["time"].values[-1])
    munis = geography.municipalities()
    cent = centroids()
    codes = set(map(str, cube["area"].values))
    outside = [m for m in munis.index if m not in municipalities and m in codes and m in cent.index]
    if not outside or any(m not in cent.index for m in municipalities):
        return None
    area_of = munis.loc[outside, "employment_area"].astype(str).to_numpy()
    areas = tuple(sorted(set(area_of) - {area}))
    groups = np.array([areas.index(a) if a in areas else -1 for a in area_of])
    dist = road_km(cent.loc[list(municipalities)], cent.loc[outside])
    into = np.nan_to_num(cube["commuting_in"].sel(area=outside).to_numpy())
    out = np.nan_to_num(cube["commuting_out"].sel(area=outside).to_numpy())
    year = str(cube["time"].values)[:4]
    return Links(
        areas=areas,
        work_split=_split(dist, into, groups, len(areas)),
        home_split=_split(dist, out, groups, len(areas)),
        source=f"{GRAVITY} (beta {BETA:g}) on tyokay 115n/115p {year} and NLS centroids 2023",
    )
