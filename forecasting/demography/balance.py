"""Jobs and workers balanced through commuting and unemployment, with a commuting check.

Demand (jobs in the area, ``D_t``) and supply (the one labour force of the residents,
``L_t``, :func:`forecasting.labour_force.labour_force`) meet in two ways: residents fill jobs
and the rest of the jobs are filled by net in-commuting. :func:`balance`:

1. the observed net in-commuting share of jobs ``c0 = (jobs - employed residents) / jobs``
   of the last year of the ``commuting`` cube (115n/115p, 2017);
2. residents employed at that share, ``E_t = D_t (1 - c0)``, at most the labour force less
   a floor unemployment ``u_min`` (frictional; default 3 %, an assumption) and at least 0;
3. implied unemployment ``U_t = L_t - E_t`` and net in-commuting ``N_t = D_t - E_t``, share
   ``c_t = N_t / D_t``;
4. a flag where ``|c_t - c0|`` exceeds ``max_departure`` (default 0.07 = 7 percentage
   points of jobs: beyond the largest five-year change of the share among TA23's
   municipalities 2012-2017 in the 115n data, 6.7 points in Puumala; the others moved
   0.4-4.3 points).

The output says where the jobs forecast cannot be met by the residents at the observed
commuting share, instead of silently implying thousands of new commuters.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from forecasting import geography
from forecasting.errors import ValidationError

#: Default largest departure of the net in-commuting share of jobs before a flag.
MAX_DEPARTURE = 0.07
#: Default floor of the unemployment rate in the balance (frictional unemployment).
MIN_UNEMPLOYMENT = 0.03


def commuting_of_areas(commuting: xr.Dataset, areas: list[str]) -> xr.Dataset:
    """``jobs`` and ``employed_residents`` (area, time) of ``areas``: a municipality's own
    values, an employment area's (or region's, the country's) the sum of its member
    municipalities, NaN in a year where a member is missing or suppressed.

    Commuting between the members of an aggregate nets out of its share: the sum of the
    members' jobs less the sum of their employed residents is the aggregate's net
    in-commuting.
    """
    for var in ("jobs", "employed_residents"):
        if var not in commuting:
            raise ValidationError("commuting", f"the cube lacks {var!r}")
    cube = commuting[["jobs", "employed_residents"]]
    have = set(map(str, cube["area"].values))
    parts = []
    for area in areas:
        members = [area] if area in have else geography.members(area)
        missing = [m for m in members if m not in have]
        if missing:
            raise ValidationError("areas", f"{area}: not in the commuting cube: {missing[:5]}")
        summed = cube.sel(area=members).sum("area", min_count=len(members))
        parts.append(summed.expand_dims(area=[area]))
    return xr.concat(parts, dim="area").assign_attrs(commuting.attrs)


def observed_share(commuting: xr.Dataset, areas: list[str]) -> xr.DataArray:
    """Net in-commuting share of jobs (area,) in the last year of ``commuting``."""
    for var in ("jobs", "employed_residents"):
        if var not in commuting:
            raise ValidationError("commuting", f"the cube lacks {var!r}")
    missing = [a for a in areas if a not in commuting["area"].values]
    if missing:
        raise ValidationError("areas", f"not in the commuting cube: {missing[:5]}")
    last = commuting.sel(area=areas).isel(time=-1)
    jobs = last["jobs"]
    return ((jobs - last["employed_residents"]) / jobs.where(jobs > 0)).drop_vars(
        "time", errors="ignore"
    )


def balance(
    commuting: xr.Dataset,
    jobs: xr.DataArray,
    labour_force: xr.DataArray,
    *,
    max_departure: float = MAX_DEPARTURE,
    min_unemployment: float = MIN_UNEMPLOYMENT,
) -> xr.Dataset:
    """Balance ``jobs`` (area, year) and ``labour_force`` (area, year) (see the module).

    Returns
    -------
    Dataset (area, year): ``employed_residents``, ``unemployed`` and ``net_commuting``
    (persons), ``commuting_share`` (implied) and ``commuting_share_observed`` (area,),
    ``commuting_departure`` (implied minus observed share) and ``commuting_flag`` (bool);
    attrs state the thresholds.
    """
    if not 0 < max_departure < 1 or not 0 <= min_unemployment < 1:
        raise ValidationError("max_departure", "thresholds must lie in (0, 1) and [0, 1)")
    jobs, force = xr.align(jobs, labour_force, join="inner")
    if jobs.sizes.get("area", 0) == 0:
        raise ValidationError("jobs", "no area shared with the labour force")
    areas = [str(a) for a in jobs["area"].values]
    c0 = observed_share(commuting, areas)
    cap = force * (1 - min_unemployment)
    employed = np.minimum(jobs * (1 - c0), cap).clip(min=0.0)
    net = jobs - employed
    share = net / jobs.where(jobs > 0)
    departure = share - c0
    ds = xr.Dataset(
        {
            "employed_residents": employed,
            "unemployed": force - employed,
            "net_commuting": net,
            "commuting_share": share,
            "commuting_share_observed": c0,
            "commuting_departure": departure,
            "commuting_flag": np.abs(departure) > max_departure,
        }
    )
    return ds.assign_attrs(
        max_departure=max_departure,
        min_unemployment=min_unemployment,
        method="residents fill jobs at the observed net in-commuting share up to the labour "
        "force less frictional unemployment; the rest is commuting (see "
        "forecasting.demography.balance)",
    )


def method_notes(
    observed_year: int, min_unemployment: float, max_departure: float
) -> dict[str, str]:
    """The balance's method note in Finnish, Swedish and English (``method_note``,
    ``method_note_fi``, ``_sv``, ``_en``), for the pages and the downloads."""
    floor, limit = f"{min_unemployment * 100:.0f}", f"{max_departure * 100:.0f}"
    en = (
        "Residents fill the jobs forecast at the observed net in-commuting share of jobs "
        f"({observed_year}, tyokay 115n/115p) up to the labour force less {floor}% "
        "frictional unemployment; the rest of the jobs imply net in-commuting. Flagged where "
        f"the implied share departs from the observed by more than {limit} percentage points."
    )
    fi = (
        "Alueen asukkaat täyttävät ennustetut työpaikat havaitulla nettopendelöintiosuudella "
        f"({observed_year}, tyokay 115n/115p) enintään työvoiman verran, josta on vähennetty "
        f"{floor} % kitkatyöttömyys; loput työpaikoista edellyttävät nettopendelöintiä "
        f"alueelle. Merkintä, kun osuus poikkeaa havaitusta yli {limit} prosenttiyksikköä."
    )
    sv = (
        "Invånarna fyller de prognostiserade arbetsplatserna med den observerade "
        f"nettoinpendlingsandelen ({observed_year}, tyokay 115n/115p), högst arbetskraften "
        f"minus {floor} % friktionsarbetslöshet; resten av arbetsplatserna förutsätter "
        "nettoinpendling. Markering där andelen avviker från den observerade med mer än "
        f"{limit} procentenheter."
    )
    return {"method_note": en, "method_note_en": en, "method_note_fi": fi, "method_note_sv": sv}
