"""Other projections beside ours: Statistics Finland's official 2024 projection (vaenn 14wx).

The official projection covers Etelä-Savo (MK10, 2025 division) and Finland (SSS) by sex and
single age, 2024-2045. :func:`official_variant` puts it beside our projection: the official
numbers for its own areas, and for every area both hold, our totals with their intervals and
the difference, so a planner sees where the two disagree and by how much.
"""

from __future__ import annotations

import xarray as xr

from forecasting.errors import DataError
from forecasting.provenance import method_note_attrs

VARIANT = "statistics_finland_2024"


def official_variant(official: xr.Dataset, ours: xr.Dataset) -> xr.Dataset:
    """The official 2024 projection, and where our projection has the same area, ours beside it.

    Parameters
    ----------
    official
        The ``projection_2024`` cube: ``population`` (area, time, sex, age), sex F/M.
    ours
        Our ``population_projection``: ``population_total`` (area, time, sex, statistic), sex
        F/M/T.

    Returns
    -------
    xr.Dataset
        On the official projection's areas and years: ``official`` (area, time, sex, age) and
        ``official_total`` (area, time, sex with T), persons; ``ours_total`` (area, time, sex,
        statistic) and ``difference`` (our mean minus the official, persons), missing (NaN)
        where our projection does not hold the area or year (an area release projects its own
        municipalities; a national release holds Etelä-Savo and Finland).

    Raises
    ------
    DataError
        If either input lacks its variable.
    """
    if "population" not in official or "population_total" not in ours:
        raise DataError(
            "the official variant needs projection_2024.population and our population_total",
            source="population_variants",
        )
    pop = official["population"].transpose("area", "time", "sex", "age")
    by_sex = pop.sum("age", min_count=1)
    total = xr.concat(
        [by_sex, by_sex.sum("sex", min_count=1).expand_dims(sex=["T"])], dim="sex"
    ).transpose("area", "time", "sex")
    mine = (
        ours["population_total"]
        .reindex(area=total["area"].values, time=total["time"].values, sex=total["sex"].values)
        .transpose("area", "time", "sex", "statistic")
    )
    out = xr.Dataset(
        {
            "official": pop,
            "official_total": total,
            "ours_total": mine,
            "difference": mine.sel(statistic="mean", drop=True) - total,
        }
    )
    for name in ("official", "official_total", "ours_total", "difference"):
        out[name].attrs["units"] = "persons"
    return out.assign_attrs(
        variant=VARIANT,
        source_tables=str(official.attrs.get("source_tables", "vaenn 14wx")),
        retrieved=str(official.attrs.get("retrieved", "")),
        **method_note_attrs(METHOD_NOTES),
    )


#: The comparison's method for readers in each language (fi, sv, en): the same facts.
METHOD_NOTES: dict[str, str] = {
    "en": (
        "Statistics Finland's official 2024 population projection (14wx) as published, beside "
        "our cohort-component projection from 31.12.2025; difference = our mean minus the "
        "official figure"
    ),
    "fi": (
        "Tilastokeskuksen virallinen väestöennuste 2024 (14wx) julkaistun mukaisena ja sen "
        "rinnalla oma kohorttikomponenttimenetelmällä laadittu ennusteemme 31.12.2025 alkaen; "
        "erotus = oman ennusteen keskiarvo miinus virallinen luku"
    ),
    "sv": (
        "Statistikcentralens officiella befolkningsprognos 2024 (14wx) som publicerad, bredvid "
        "vår egen prognos enligt kohort-komponentmetoden från 31.12.2025; skillnad = vårt "
        "medelvärde minus den officiella siffran"
    ),
}
