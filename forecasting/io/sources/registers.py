"""Employment-service register cubes (KEHA-keskus / Statistics Finland, tyonv tables).

- ``registers``: tyonv 12r5, unemployed jobseekers, labour force and open vacancies at the end of
  each month, 2006-01..2023-10, all municipalities harmonised to the 2025 division (Pertunmaa
  588 summed into Mäntyharju 507) plus employment areas (TA), regions (MK) and the country (SSS).
- ``occupations``: tyonv 12ti, unemployed jobseekers and open vacancies by occupation
  (Ammattiluokitus 2010, 4-digit codes as in the data, plus the employment service's ``X``
  codes and ``SSS`` = all occupations), Etelä-Savo (MK10) and the whole country.
- ``vacancy_flows``: tyonv 2310 (old table id), vacancies open during the month, new, filled and
  the mean number of days a filled vacancy was open, 2006-01..2020-08, by municipality *name*.

Empty cells in the extracts are suppressed small values (1..4), never zeros: NaN with status 3.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from forecasting import geography
from forecasting.contract import STATUS_CODES, STATUS_OK
from forecasting.errors import DataError
from forecasting.io.sources import Cube
from forecasting.io.sources._areas import add_aggregates, codes_from_names, harmonise
from forecasting.io.sources._cubes import MONTHLY
from forecasting.io.sources._pxweb import read_pxweb
from forecasting.io.sources._read import (
    ROW,
    check_rows,
    check_unique,
    parse_counts,
    parse_months,
    read_csv,
    to_dataset,
)

FILE_12R5 = "statfin/tyonv_12r5_unemployed_labourforce_vacancies_all_areas_2006-01_2023-10.csv"
FILE_12R5_2026 = "statfin-2026/tyonv_12r5_pxweb-json_all_variables_all_areas_2026M06.json"
FILE_12TI = "statfin/tyonv_12ti_by_occupation_etela-savo_and_finland_2006-01_2023-10.csv"
FILE_2310 = "statfin/tyonv_2310_vacancy_flows_by_municipality_2006-01_2020-08.csv"
REPO_KOHTAANTO = "pttry/kohtaantoindeksit @ ad33418"
REPO_LABOR = "pttry/statfiLaborMarkets @ f129c71"
REPO_MAPS = "OskarWestmeijer/maps @ 94494b4 / b4ebd58"
#: First month of the ``registers`` cube and its gap (not in either extract: NaN, status 1).
REGISTERS_START = "2006-01-01"

VARS_12R5 = {
    "TYOTTOMATLOPUSSA": "unemployed",
    "TYOVOIMATK": "labour_force",
    "AVPAIKATLOPUSSA": "vacancies",
}
#: All 23 variables of 12r5 in the 2026 PxWeb json (their names: docs/DATA_CONTRACT.md).
VARS_12R5_ALL = {
    "HAKIJALOPUSSA": "jobseekers",
    "TYOTTOMATLOPUSSA": "unemployed",
    "TYOVOIMATK": "labour_force",
    "TYOTOSUUS": "unemployment_rate_published",
    "TYOTTOMATMIEHET": "unemployed_men",
    "TYOTTOMATNAISET": "unemployed_women",
    "TYOTTOMAT20": "unemployed_under_20",
    "TYOTTOMAT25": "unemployed_under_25",
    "TYOTTOMAT50": "unemployed_over_50",
    "TYOTTOMATSAIR": "unemployed_disabled",
    "TYOTTOMATULK": "unemployed_foreign",
    "PITKAAIKAISTYOTTOMAT": "long_term_unemployed",
    "KASSASSA": "unemployed_fund_members",
    "LOMAUTETTU": "laid_off",
    "LYHTYOVKO": "short_time",
    "TYOLLISTETTYLOP": "subsidised_employment",
    "TYOHARJOITTELULOP": "in_work_practice",
    "KOKEILULOP": "in_trials",
    "TVKOULUTUSLOP": "in_labour_market_training",
    "VALMENNUSLOP": "in_coaching",
    "MTPPALVELUTLOP": "in_other_services",
    "AVPAIKATLOPUSSA": "vacancies",
    "UUDETAVP": "new_vacancies",
}
RATE_VAR = "unemployment_rate_published"
COUNT_VARS_12R5 = tuple(v for v in VARS_12R5_ALL.values() if v != RATE_VAR)
VARS_12TI = {"TYOTTOMATLOPUSSA": "unemployed", "AVPAIKATLOPUSSA": "vacancies"}
VARS_2310 = {
    "Avoimet_tyopaikat_kauden_aikana": "open_during_month",
    "Uudet_avoimet_tyopaikat_kauden_aikana": "new",
    "Tayttyneet_tyopaikat_kauden_aikana": "filled",
    "Tayttyneiden_tyopaikkojen_avoinnaolon_km_kesto_paivaa": "mean_days_open",
}
LONG_NAMES = {
    "unemployed": "registered unemployed jobseekers at the end of the month",
    "jobseekers": "registered jobseekers (all) at the end of the month",
    "unemployment_rate_published": "unemployed jobseekers as a percentage of the labour force, "
    "as published (municipalities, regions and the country only)",
    "unemployed_men": "unemployed jobseekers, men",
    "unemployed_women": "unemployed jobseekers, women",
    "unemployed_under_20": "unemployed jobseekers under 20 years",
    "unemployed_under_25": "unemployed jobseekers under 25 years",
    "unemployed_over_50": "unemployed jobseekers over 50 years",
    "unemployed_disabled": "unemployed jobseekers who are disabled or long-term ill",
    "unemployed_foreign": "unemployed jobseekers who are foreign citizens",
    "long_term_unemployed": "long-term unemployed (unemployed without break for a year or more)",
    "unemployed_fund_members": "unemployed jobseekers who are unemployment fund members",
    "laid_off": "jobseekers laid off full-time",
    "short_time": "jobseekers on a shortened working week",
    "subsidised_employment": "people in subsidised employment (pay subsidy, start-up grant)",
    "in_work_practice": "people in work practice or work-life coaching",
    "in_trials": "people in work or education trials",
    "in_labour_market_training": "people in labour market training",
    "in_coaching": "people in coaching",
    "in_other_services": "people in other services (rehabilitative work activity etc.)",
    "new_vacancies": "new vacancies registered during the month",
    "labour_force": "labour force (annual value of the source repeated monthly)",
    "vacancies": "open vacancies at the end of the month",
    "open_during_month": "vacancies open at some time during the month",
    "new": "new vacancies registered during the month",
    "filled": "vacancies filled during the month",
    "mean_days_open": "mean number of days filled vacancies were open",
}
UNITS = {"mean_days_open": "days", RATE_VAR: "percent"}
VACANCY_VARS = ("open_during_month", "new", "filled", "vacancies", "new_vacancies")


def build(shared_dir: Path) -> list[Cube]:
    """Build the ``registers``, ``occupations`` and ``vacancy_flows`` cubes."""
    shared_dir = Path(shared_dir)
    return [
        Cube(
            name="registers",
            dataset=read_registers_v2(shared_dir),
            source_tables=("tyonv 12r5",),
            source_files=(FILE_12R5, FILE_12R5_2026),
            source_repo=f"{REPO_KOHTAANTO} (2006-01..2023-10); {REPO_MAPS} (2026-06)",
            count_vars=COUNT_VARS_12R5,
            description="monthly register figures (jobseekers, unemployed by group, labour "
            "force, services, vacancies) by municipality (2025 division) and aggregate area",
            time_convention=MONTHLY,
        ),
        Cube(
            name="occupations",
            dataset=read_occupations(shared_dir / FILE_12TI),
            source_tables=("tyonv 12ti",),
            source_files=(FILE_12TI,),
            source_repo=REPO_KOHTAANTO,
            count_vars=tuple(VARS_12TI.values()),
            description="monthly unemployed and vacancies by occupation (Ammattiluokitus 2010), "
            "Etelä-Savo and the whole country",
            time_convention=MONTHLY,
        ),
        Cube(
            name="vacancy_flows",
            dataset=read_vacancy_flows(shared_dir / FILE_2310),
            source_tables=("tyonv 2310",),
            source_files=(FILE_2310,),
            source_repo=REPO_LABOR,
            count_vars=("open_during_month", "new", "filled"),
            description="monthly vacancy flows (open during month, new, filled, mean days "
            "open) by municipality (2025 division)",
            time_convention=MONTHLY,
        ),
    ]


def _describe(ds: xr.Dataset) -> xr.Dataset:
    for var in ds.data_vars:
        name = str(var)
        base = name.removesuffix("_status")
        if name.endswith("_status"):
            ds[name].attrs = {
                "long_name": f"status of {base}",
                "flag_values": sorted(set(STATUS_CODES.values()) | {STATUS_OK}),
                "flag_meanings": "0 ok; 1 missing; 2 not applicable; 3 confidential "
                "(suppressed small cell)",
            }
        else:
            ds[name].attrs = {"long_name": LONG_NAMES[base], "units": UNITS.get(base, "persons")}
            if base in VACANCY_VARS:
                ds[name].attrs["units"] = "vacancies"
    return ds


def _parse_vars(
    frame: pd.DataFrame, columns: dict[str, str], source: str, **kwargs: bool
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {new: parse_counts(frame, old, source, **kwargs) for old, new in columns.items()}


# --------------------------------------------------------------------------------------- 12r5


def read_12r5_long(path: Path) -> pd.DataFrame:
    """The 12r5 extract as a checked long frame (area codes normalised, ``time`` parsed).

    Columns: ``kind`` (``KU``, ``SK``, ``MK``, ``ELY``, ``SSS``), ``area`` (``"491"``,
    ``"MK10"``, ``"SSS"`` ...), ``time``, the raw value columns and ``_row``.
    """
    src = str(path)
    frame = read_csv(path, columns=["alue", "month", *VARS_12R5])
    kind = frame["alue"].str.extract(r"^(KU|SK|MK|ELY|SSS)", expand=False)
    check_rows(frame, kind.isna(), "alue", src, "unknown area code {label!r}")
    frame["kind"] = kind
    frame["area"] = frame["alue"].where(kind != "KU", frame["alue"].str[2:])
    frame["time"] = parse_months(frame, "month", src)
    check_unique(frame, ["alue", "time"], src)
    munis = geography.municipalities()
    known = set(munis.index) | set(geography.merger_map())
    bad = (kind == "KU") & ~frame["area"].isin(known)
    check_rows(frame, bad, "alue", src, "unknown municipality code {label!r}")
    return frame


def read_registers(path: Path) -> xr.Dataset:
    """The ``registers`` cube from the 12r5 extract (see module docstring).

    Aggregates are sums of member municipalities. Where that sum is unknown because a member
    is suppressed, a region (MK) or the country (SSS) takes the total the source publishes
    for it (status 0); an employment area stays NaN with status 3. Where both are known they
    must agree exactly, else :class:`DataError`.
    """
    src = str(path)
    frame = read_12r5_long(path)
    times = pd.DatetimeIndex(sorted(frame["time"].unique()))
    ku = frame[frame["kind"] == "KU"]
    ds = to_dataset(
        ku, ["area", "time"], _parse_vars(ku, VARS_12R5, src), {"time": times}, source=src
    )
    ds = harmonise(ds).sortby("area")
    ds = add_aggregates(ds, complete_only=False, bottom_up=True)
    published = frame[frame["kind"].isin(["MK", "SSS"])]
    pub = to_dataset(
        published,
        ["area", "time"],
        _parse_vars(published, VARS_12R5, src),
        {"time": times},
        source=src,
    )
    ds = _fill_regions(ds, pub, src)
    ds = _fill_country(ds, pub, src)
    ds.attrs["aggregates"] = (
        "TA, MK and SSS are sums of the member municipalities (2025 division). Where a member "
        "is suppressed the sum is NaN (status 3), except that a region (MK) then takes the "
        "total the source publishes for it (equal to the sum wherever both are known) and the "
        "country (SSS) the sum of the regions. The source's own country total is larger: it "
        "also counts jobseekers and vacancies without a municipality (unknown or abroad)"
    )
    return _describe(ds)


def _first_label(mask: xr.DataArray) -> str:
    where = mask.where(mask, drop=True)
    return f"{where['area'].values[0]} {str(where['time'].values[0])[:7]}"


def _fill_regions(
    ds: xr.Dataset, pub: xr.Dataset, src: str, variables: Iterable[str] = VARS_12R5.values()
) -> xr.Dataset:
    """Check computed MK sums against the published MK rows; fill unknown sums from them."""
    regions = [a for a in map(str, pub["area"].values) if a.startswith("MK")]
    missing = sorted(set(regions) - set(map(str, ds["area"].values)))
    if missing:
        raise DataError(f"published regions {missing} are not in the 2025 hierarchy", source=src)
    out = ds.copy()
    for var in variables:
        computed = ds[var].sel(area=regions)
        published = pub[var].sel(area=regions)
        differs = computed.notnull() & published.notnull() & (computed != published)
        if bool(differs.any()):
            raise DataError(
                f"{var}: sum of municipalities differs from the published region total "
                f"for {_first_label(differs)}",
                source=src,
            )
        fill = computed.isnull() & published.notnull()
        out[var].loc[{"area": regions}] = computed.where(~fill, published)
        status = ds[f"{var}_status"].sel(area=regions).where(~fill, STATUS_OK)
        out[f"{var}_status"].loc[{"area": regions}] = status.astype(np.int8)
    return out


def _fill_country(
    ds: xr.Dataset, pub: xr.Dataset, src: str, variables: Iterable[str] = VARS_12R5.values()
) -> xr.Dataset:
    """Fill an unknown SSS sum with the sum of the regions; check it against the source."""
    regions = [a for a in map(str, ds["area"].values) if a.startswith("MK")]
    out = ds.copy()
    for var in variables:
        by_region = ds[var].sel(area=regions).sum("area", min_count=len(regions), skipna=False)
        country = ds[var].sel(area="SSS")
        fill = country.isnull() & by_region.notnull()
        out[var].loc[{"area": "SSS"}] = country.where(~fill, by_region)
        status = ds[f"{var}_status"].sel(area="SSS").where(~fill, STATUS_OK)
        out[f"{var}_status"].loc[{"area": "SSS"}] = status.astype(np.int8)
        if "SSS" in pub["area"]:
            over = out[var].sel(area="SSS") > pub[var].sel(area="SSS")
            if bool(over.any()):
                raise DataError(
                    f"{var}: sum of municipalities exceeds the published country total "
                    f"for {_first_label(over.expand_dims(area=['SSS']))}",
                    source=src,
                )
    return out


# --------------------------------------------------------------------------------------- 12ti


def read_occupations(path: Path) -> xr.Dataset:
    """The ``occupations`` cube from the 12ti extract.

    The extract leaves out rows whose values are all empty (it keeps rows of zeros), so a
    month missing for an occupation means both values were suppressed: NaN with status 3.
    """
    src = str(path)
    frame = read_csv(path, columns=["alue", "ammattiryhma", "month", *VARS_12TI])
    bad = ~frame["alue"].isin(["MK10", "SSS"])
    check_rows(frame, bad, "alue", src, "unexpected area {label!r} (expected MK10 or SSS)")
    bad = ~frame["ammattiryhma"].str.fullmatch(r"\d{1,4}|X\d{0,3}|SSS")
    check_rows(frame, bad, "ammattiryhma", src, "malformed occupation code {label!r}")
    frame["time"] = parse_months(frame, "month", src)
    frame = frame.rename(columns={"alue": "area", "ammattiryhma": "occupation"})
    check_unique(frame, ["area", "occupation", "time"], src)
    codes = sorted(frame["occupation"].unique(), key=lambda c: (c != "SSS", c))
    coords = {
        "area": ["MK10", "SSS"],
        "occupation": codes,
        "time": pd.DatetimeIndex(sorted(frame["time"].unique())),
    }
    dims = ["area", "occupation", "time"]
    ds = to_dataset(frame, dims, _parse_vars(frame, VARS_12TI, src), coords, source=src)
    for var in VARS_12TI.values():
        absent = ds[f"{var}_status"] == STATUS_CODES["."]
        ds[f"{var}_status"] = ds[f"{var}_status"].where(~absent, STATUS_CODES["..."])
        ds[f"{var}_status"] = ds[f"{var}_status"].astype(np.int8)
    ds["occupation"].attrs = {
        "long_name": "occupation, Ammattiluokitus 2010 (ISCO-08 based) 4-digit unit group; "
        "X... = employment-service codes; SSS = all occupations",
    }
    ds.attrs["absent_rows"] = (
        "months missing for an occupation in the extract (all values empty) are suppressed"
    )
    return _describe(ds)


# --------------------------------------------------------------------------------------- 2310


def read_vacancy_flows(path: Path) -> xr.Dataset:
    """The ``vacancy_flows`` cube from the 2310 extract (keyed by municipality name).

    Names are mapped to 2025 codes through the municipality table (fi and sv names) and the
    old names of merged municipalities in ``municipal_mergers.csv``; merged municipalities
    are summed into their successor. ``mean_days_open`` of a merged municipality is the mean
    weighted by filled vacancies.
    """
    src = str(path)
    frame = read_csv(path, columns=[*VARS_2310, "time", "kunta"])
    frame["area"] = codes_from_names(frame, "kunta", src, languages=("fi", "sv"), country=False)
    frame["time"] = parse_months(frame, "time", src)
    check_unique(frame, ["kunta", "time"], src)
    counts = {k: v for k, v in VARS_2310.items() if v != "mean_days_open"}
    parsed = _parse_vars(frame, counts, src)
    filled = parsed["filled"][0]
    mean_col = next(k for k, v in VARS_2310.items() if v == "mean_days_open")
    mean, mean_status = parse_counts(frame, mean_col, src, integer=False)
    if np.any(np.isnan(mean) != np.isnan(filled)):
        i = int(np.argmax(np.isnan(mean) != np.isnan(filled)))
        raise DataError(
            "mean days open must be given exactly when filled vacancies are",
            source=src,
            row=int(frame[ROW].iloc[i]),
        )
    parsed["days_open_total"] = (mean * filled, mean_status)
    ds = to_dataset(frame, ["area", "time"], parsed, source=src)
    ds = harmonise(ds).sortby("area")  # all four variables are additive
    total = ds["days_open_total"]
    ds["mean_days_open"] = xr.where(ds["filled"] > 0, total / ds["filled"], 0.0).where(
        total.notnull()
    )
    ds["mean_days_open_status"] = ds["days_open_total_status"]
    ds = ds.drop_vars(["days_open_total", "days_open_total_status"])
    return _describe(ds)


# --------------------------------------------------------------------------------------- 12r5 v2


def read_registers_2026(path: Path) -> xr.Dataset:
    """All 23 variables of the 2026 12r5 PxWeb json (one month), areas as in ``registers``.

    Municipalities (``KU###``, 2026 division = 2025 division: Pertunmaa is in Mäntyharju) are
    summed into TA, MK and SSS like :func:`read_registers`; ``KU199``/``MK91`` (no municipality)
    and the ``..JOU``/``..JO`` rows (vacancies not allocated to an area) are left out of the
    municipalities. ``unemployment_rate_published`` is a percentage: municipalities, regions
    and the country take the published value; employment areas have none (NaN, status 1).
    """
    src = str(path)
    raw = read_pxweb(path, VARS_12R5_ALL)
    codes = [str(a) for a in raw["area"].values]
    munis = [a for a in codes if a.isdigit() and a in set(geography.municipalities().index)]
    unknown = [a for a in codes if a.isdigit() and a not in munis and a != "199"]
    if unknown:
        raise DataError(f"field Alue: unknown municipality code {unknown[0]!r}", source=src)
    for var in VARS_12R5_ALL.values():
        if f"{var}_status" not in raw:
            raw[f"{var}_status"] = xr.zeros_like(raw[var], dtype=np.int8)
    ds = harmonise(raw.sel(area=munis)).sortby("area")
    ds = add_aggregates(ds, complete_only=False, bottom_up=True)
    regions = [a for a in codes if a.startswith("MK") and a in set(map(str, ds["area"].values))]
    pub = raw.sel(area=[a for a in codes if a in {*regions, geography.COUNTRY}])
    ds = _fill_regions(ds, pub, src, COUNT_VARS_12R5)
    ds = _fill_country(ds, pub, src, COUNT_VARS_12R5)
    rate = raw[RATE_VAR].reindex(area=ds["area"].values)
    rate_status = raw[f"{RATE_VAR}_status"].reindex(area=ds["area"].values, fill_value=1)
    ds[RATE_VAR] = rate
    ds[f"{RATE_VAR}_status"] = rate_status.astype(np.int8)
    return ds


def read_registers_v2(shared_dir: Path) -> xr.Dataset:
    """The ``registers`` cube: 2006-01..2023-10 from the CSV extract, 2026-06 from the json.

    The time axis is every month from 2006-01 to the last month of the json; months in
    neither extract (2023-11..2026-05) and the variables the CSV extract lacks are NaN with
    status 1 (missing).
    """
    old = read_registers(shared_dir / FILE_12R5)
    new = read_registers_2026(shared_dir / FILE_12R5_2026)
    if set(map(str, old["area"].values)) != set(map(str, new["area"].values)):
        raise DataError("12r5 json areas differ from the CSV extract's", source=FILE_12R5_2026)
    end = pd.Timestamp(new["time"].values[-1])
    months = pd.date_range(REGISTERS_START, end, freq="MS")
    parts = [part.reindex(area=old["area"].values) for part in (old, new)]
    out = xr.Dataset(attrs=dict(old.attrs))
    for var in VARS_12R5_ALL.values():
        value = xr.concat([p[var] for p in parts if var in p], dim="time")
        flags = xr.concat([p[f"{var}_status"] for p in parts if var in p], dim="time")
        out[var] = value.reindex(time=months)
        out[f"{var}_status"] = flags.reindex(time=months, fill_value=1).astype(np.int8)
    out.attrs["gap"] = (
        "months between the two extracts (2023-11..2026-05) and variables other than unemployed, "
        "labour_force and vacancies before 2026-06 are NaN with status 1 (missing)"
    )
    return _describe(out)
