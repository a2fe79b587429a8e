"""A scenario's training-need change: jobs gained (recruitment) or lost (closure) by industry
in an area -> new entrants needed by field of education and level, and by big qualification,
given the local supply.

    job change by industry (scenario)  --bridge-->  openings by occupation
    --occupation->education key-->  demand change by field x level
    need change = demand change - the local surplus that can absorb it (the baseline balance's
                  negative need in that field and level, in the year the scenario starts),
                  never below 0 for a recruitment; a closure's negative demand is a surplus
                  (negative need)

The service subtracts the surplus of the release's ``training_needs`` product at the events'
municipality (:func:`apply_local_supply`, via ``service.scenarios.subtract_local_supply``);
a library caller passes any balance (``baseline=``).

Example: 200 health and social work (Q) jobs in Mikkeli -> practical nurses and nurses
(qualification rows), less any surplus of health and welfare graduates the baseline balance
already shows.

Data: the bridge (:func:`forecasting.training.industry_occupation_bridge`) and the baseline
balance (:func:`forecasting.training_balance.balance`) come from the caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from forecasting.errors import ValidationError
from forecasting.provenance import method_note_attrs
from forecasting.training_params import LEVELS, Fields, load_fields


def job_change_from_result(result: xr.Dataset, area: str) -> dict[str, float]:
    """Per-industry job change of ``area`` in a scenario result.

    With ``jobs_change_by_industry`` (``area, industry, time``: the expected cumulative change
    of jobs by workplace municipality and TOL section, direct plus the indirect jobs in the
    supplier industries and the induced ones in household-serving industries) its last month;
    otherwise the median ``employed`` (``area, industry, time, quantile``) at the last month
    minus the first (which also carries the baseline's drift)."""
    if "jobs_change_by_industry" in result and area in result.indexes.get("area", []):
        change = result["jobs_change_by_industry"].sel(area=area).isel(time=-1)
    elif "employed" in result and area in result.indexes.get("area", []):
        emp = result["employed"].sel(area=area, quantile=0.5)
        change = emp.isel(time=-1) - emp.isel(time=0)
    else:
        raise ValidationError("area", f"no job change by industry for {area!r} in the result")
    return {str(i): float(v) for i, v in zip(change["industry"].values, change.values, strict=True)}


def job_change_from_events(events: Iterable[Any]) -> dict[str, float]:
    """Direct job change by industry of a spec's events: a recruitment adds its jobs, a closure
    or dismissal removes them, a temporary layoff changes no job (the workers are recalled).
    Indirect and induced jobs (the multipliers) are left out: use :func:`job_change_from_result`
    on a run's ``jobs_change_by_industry`` for them."""
    sign = {"recruitment": 1.0, "closure": -1.0, "dismissal": -1.0}
    out: dict[str, float] = {}
    for event in events:
        factor = sign.get(str(event.kind), 0.0)
        if factor:
            out[str(event.industry)] = out.get(str(event.industry), 0.0) + factor * event.jobs
    return out


def local_surplus(
    baseline: xr.Dataset, area: str, year: int | None = None
) -> tuple[xr.DataArray, int]:
    """The baseline balance's local surplus ``(field, level)`` of ``area`` in ``year`` (default
    and before its first year: the first year; after its last: the last), and that year.

    ``baseline`` is either :func:`forecasting.training_balance.balance` (``need`` by ``kind``,
    integer years, broad and narrow fields) or the release's ``training_needs`` product
    (``need`` by ``statistic``, 31 December dates, broad fields): the signed ``need`` (central
    value, kinds summed, broad fields) turned to its surplus, ``max(-need, 0)``."""
    need = baseline["need"]
    if "statistic" in need.dims:
        need = need.sel(statistic="mean")
    if "kind" in need.dims:
        need = need.sum("kind")
    if area not in need.indexes["area"]:
        raise ValidationError("area", f"{area!r} not in the training-need balance")
    broad = [f for f in map(str, need["field"].values) if len(f) == 2]
    need = need.sel(area=area, field=broad)
    times = need["time"].values
    years = (
        pd.DatetimeIndex(times).year.to_numpy()
        if np.issubdtype(times.dtype, np.datetime64)
        else np.asarray(times, dtype=int)
    )
    i = 0 if year is None else int(np.clip(np.searchsorted(years, year), 0, len(years) - 1))
    surplus = (-need.isel(time=i)).clip(min=0.0)
    surplus = surplus.drop_vars(("area", "time", "statistic"), errors="ignore")
    return surplus.reindex(level=list(LEVELS), fill_value=0.0).fillna(0.0), int(years[i])


def _positions(index: Any) -> dict[str, int]:
    """``label -> position`` of a coordinate's labels (the first of a repeated label)."""
    out: dict[str, int] = {}
    for i, label in enumerate(map(str, index)):
        out.setdefault(label, i)
    return out


def _qualification_parts(openings: xr.DataArray, key: xr.DataArray, fields: Fields) -> xr.DataArray:
    """Demand per big qualification by the broad field it is counted in ``(qualification,
    field)``: share x key weight at the qualification's level x the occupation's openings.

    Plain array lookups of the same floats, added in the same order, as labelled selections
    would give (a run's result does not depend on how they are looked up)."""
    codes = [str(f) for f in key["field"].values]
    occ_at = _positions(key["occupation"].values)
    field_at = _positions(codes)
    level_at = _positions(key["level"].values)
    open_at = _positions(openings["occupation"].values)
    weights = key.transpose("occupation", "field", "level").values
    opened = openings.values
    parts = np.zeros((len(fields.qualifications), len(codes)))
    for i, q in enumerate(fields.qualifications):
        if q.level not in level_at:
            raise KeyError(f"level {q.level!r} not in the occupation-education key")
        lvl = level_at[q.level]
        for occ, field, share in q.shares:
            if occ in occ_at and field in field_at:
                f = field_at[field]
                w = float(weights[occ_at[occ], f, lvl])
                parts[i, f] += share * w * float(opened[open_at[occ]])
    quals = pd.Index([q.key for q in fields.qualifications], name="qualification")
    return xr.DataArray(
        parts, dims=("qualification", "field"), coords={"qualification": quals, "field": codes}
    )


def _net_of_supply(
    demand: xr.DataArray, parts: xr.DataArray, q_levels: list[str], surplus: xr.DataArray
) -> dict[str, xr.DataArray]:
    """Need, covered supply (field x level) and qualification need given ``surplus``.

    A positive demand is first met by the surplus of its field and level (``covered``); a
    negative demand (a closure) is itself a surplus, passed on as a negative need. Computed
    on the arrays (``demand``'s labels; ``surplus`` aligned to them, 0 where it has none),
    the same values as the labelled arithmetic."""
    d = demand.values
    s = surplus.reindex_like(demand, fill_value=0.0).transpose(*demand.dims).values
    positive = d > 0
    need = np.where(positive, np.clip(d - s, 0.0, None), d)
    covered = np.where(positive, d - need, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(positive, need / np.where(positive, d, np.nan), 1.0)
    ratio[np.isnan(ratio)] = 1.0
    # (level, field) ratios at the parts' fields (1 where demand has no such field)
    by_level = ratio if demand.dims == ("field", "level") else ratio.T
    field_at = _positions(demand["field"].values)
    level_at = _positions(demand["level"].values)
    cols = [field_at.get(str(f), -1) for f in parts["field"].values]
    q_ratio = np.array(
        [[by_level[c, level_at[lvl]] if c >= 0 else 1.0 for c in cols] for lvl in q_levels]
    )
    weighted = parts.values * q_ratio
    q_need = np.where(np.isnan(weighted), 0.0, weighted).sum(axis=1)
    return {
        "need": demand.copy(data=need),
        "covered": demand.copy(data=covered),
        "qualification_need": xr.DataArray(
            q_need, dims=("qualification",), coords={"qualification": parts["qualification"]}
        ),
    }


def training_need_change(
    job_change: Mapping[str, float],
    bridge: xr.DataArray,
    key: xr.DataArray,
    *,
    baseline: xr.Dataset | None = None,
    area: str | None = None,
    year: int | None = None,
    fields: Fields | None = None,
    jobs_source: str = "all",
) -> xr.Dataset:
    """Training-need change of ``job_change`` (industry -> jobs, signed).

    Parameters
    ----------
    bridge
        ``(industry, occupation)`` shares (rows sum to 1).
    key
        ``(occupation, field, level)`` occupation -> education key (broad fields).
    baseline, area, year
        A balance dataset (:func:`forecasting.training_balance.balance` or the release's
        ``training_needs``), its area and the year (default its first): the local surplus
        (:func:`local_surplus`) by field and level absorbs a recruitment's demand first.
        Without it the need change equals the demand change.
    jobs_source
        What ``job_change`` counts, for the method note: ``"all"`` (direct, indirect and
        induced jobs) or ``"direct"`` (the events' own jobs).

    Returns
    -------
    Dataset with ``demand_change``, ``local_surplus`` (the baseline's surplus),
    ``covered_by_supply`` (the part of the demand it absorbs) and ``need_change`` ``(field,
    level)``; ``qualification_demand`` / ``qualification_need`` / ``qualification_name`` /
    ``qualification_level`` ``(qualification,)`` and ``qualification_parts``
    ``(qualification, field)`` (the demand by the field it is counted in). Attrs
    ``method_note`` (English) and ``method_note_<lang>``: the method for readers, naming the
    field/qualification table in words (:meth:`forecasting.training_params.Fields.describe`);
    ``fields_version``: that table's version (``training-fields-v2``), for provenance.
    """
    fields = fields or load_fields()
    unknown = sorted(set(job_change) - set(map(str, bridge["industry"].values)))
    if unknown:
        raise ValidationError("industry", f"not in the bridge: {unknown}")
    jobs = xr.DataArray(
        [float(job_change.get(str(i), 0.0)) for i in bridge["industry"].values],
        dims="industry",
        coords={"industry": bridge["industry"].values},
    )
    openings = xr.dot(jobs, bridge, dim="industry")  # (occupation,)
    key = key.reindex(occupation=bridge["occupation"].values, fill_value=0.0)
    key = key.reindex(level=list(LEVELS), fill_value=0.0).fillna(0.0)
    demand = xr.dot(openings, key, dim="occupation").transpose("field", "level")
    surplus = xr.zeros_like(demand)
    supply_year = None
    if baseline is not None and area is not None:
        surplus, supply_year = local_surplus(baseline, area, year)
        surplus = surplus.reindex(field=demand["field"].values, fill_value=0.0)
    parts = _qualification_parts(openings, key, fields)
    q_levels = [q.level for q in fields.qualifications]
    net = _net_of_supply(demand, parts, q_levels, surplus)
    attrs: dict[str, Any] = method_note_attrs(
        {
            lang: METHOD_NOTES[lang].format(
                fields=fields.describe(lang), jobs=JOBS_SOURCE[jobs_source][lang]
            )
            for lang in LANGS
        }
    )
    attrs["fields_version"] = fields.version
    if supply_year is not None:
        attrs |= {"supply_area": area, "supply_year": supply_year}
    return xr.Dataset(
        {
            "demand_change": demand,
            "local_surplus": surplus,
            "covered_by_supply": net["covered"],
            "need_change": net["need"],
            "qualification_demand": parts.sum("field"),
            "qualification_need": net["qualification_need"],
            "qualification_name": ("qualification", [q.name_fi for q in fields.qualifications]),
            **{
                f"qualification_name_{lang}": (
                    "qualification",
                    [q.name(lang) for q in fields.qualifications],
                )
                for lang in LANGS
            },
            "qualification_level": ("qualification", q_levels),
            "qualification_parts": parts,
        },
        attrs=attrs,
    )


METHOD_NOTES: dict[str, str] = {
    "en": (
        "Scenario job change by industry ({jobs}) -> occupations (industry-occupation "
        "bridge) -> fields and levels (correspondence); a recruitment's demand is first met by "
        "the local surplus of the field and level in the baseline training-need balance (the "
        "year the scenario starts); a closure's negative demand is a surplus. "
        "Qualifications: {fields}."
    ),
    "fi": (
        "Skenaarion työpaikkamuutos toimialoittain ({jobs}) -> ammatit (toimiala-ammatti-"
        "silta) -> koulutusalat ja -asteet (vastaavuusavain); rekrytoinnin tarpeen kattaa "
        "ensin perusuran koulutustarvetaseen paikallinen ylitarjonta samalla alalla ja "
        "asteella (skenaarion alkuvuonna); lopettamisen negatiivinen tarve on ylitarjontaa. "
        "Tutkinnot: {fields}."
    ),
    "sv": (
        "Scenariots förändring av arbetsplatser per näringsgren ({jobs}) -> yrken "
        "(brygga näringsgren-yrke) -> utbildningsområden och -nivåer (korrespondensnyckel); "
        "en rekryterings efterfrågan täcks först av det lokala överskottet inom samma område "
        "och nivå i grundbanans utbildningsbehovsbalans (scenariots startår); en nedläggnings "
        "negativa efterfrågan är ett överskott. Examina: {fields}."
    ),
}
#: Which job change fed the need, by language: ``all`` (direct, indirect and induced) or
#: ``direct`` (the events' own jobs only).
JOBS_SOURCE: dict[str, dict[str, str]] = {
    "all": {
        "en": "direct, indirect and induced jobs",
        "fi": "suorat, välilliset ja johdetut työpaikat",
        "sv": "direkta, indirekta och inducerade arbetsplatser",
    },
    "direct": {
        "en": "the events' direct jobs only",
        "fi": "vain tapahtumien suorat työpaikat",
        "sv": "endast händelsernas direkta arbetsplatser",
    },
}
SUPPLY_NOT_SUBTRACTED = {
    "en": "Local supply not subtracted (no local training-need balance given).",
    "fi": "Paikallista tarjontaa ei vähennetty (paikallista koulutustarvetasetta ei annettu).",
    "sv": "Det lokala utbudet har inte dragits av (ingen lokal utbildningsbehovsbalans given).",
}
SUPPLY_SUBTRACTED = {
    "en": (
        "Local supply subtracted: the surplus (negative need, kinds summed) of {area} in "
        "{year} in the {source}."
    ),
    "fi": (
        "Paikallinen tarjonta vähennetty: alueen {area} ylitarjonta (negatiivinen tarve, "
        "koulutuslajit yhteensä) vuonna {year} ({source})."
    ),
    "sv": (
        "Det lokala utbudet avdraget: överskottet (negativt behov, utbildningsslag "
        "sammanlagda) i {area} år {year} ({source})."
    ),
}
LANGS = ("fi", "sv", "en")
METHOD_NOTE = METHOD_NOTES["en"]


def _in_languages(prefix: str, texts: Mapping[str, str], **values: Any) -> dict[str, str]:
    """``{prefix: English, prefix_fi: ..., prefix_sv: ..., prefix_en: ...}`` of ``texts``; a
    value given as a mapping by language (``{"fi": ..., "sv": ..., "en": ...}``) is put in
    each text in that text's language."""

    def in_lang(lang: str) -> dict[str, Any]:
        return {k: v[lang] if isinstance(v, Mapping) else v for k, v in values.items()}

    out = {f"{prefix}_{lang}": texts[lang].format(**in_lang(lang)) for lang in LANGS}
    return {prefix: out[f"{prefix}_en"], **out}


def area_names(code: str) -> dict[str, str]:
    """``{"fi": "Mäntyharju (507)", "sv": ..., "en": ...}``: an area's name with its code in
    each language (the code alone when the area is not in the 2025 division)."""
    from forecasting.geography import area_name

    return {
        lang: f"{name} ({code})" if (name := area_name(code, lang)) != code else code
        for lang in LANGS
    }


RENAME = {"field": "training_field", "level": "training_level"}


def annotate(
    result: xr.Dataset,
    cubes: Mapping[str, xr.Dataset],
    area: str,
    events: Iterable[Any] | None = None,
    *,
    baseline: xr.Dataset | None = None,
    bridge: xr.DataArray | None = None,
    key: xr.DataArray | None = None,
) -> xr.Dataset:
    """``result`` (a scenario run) with its training-need change for ``area``:
    ``training_demand_change`` / ``training_covered_by_supply`` / ``training_need_change``
    ``(training_field, training_level)``, ``training_field_name``, and
    ``qualification_demand_change`` / ``qualification_need_change`` /
    ``qualification_name`` / ``qualification_level`` ``(qualification,)`` plus
    ``qualification_demand_by_field`` ``(qualification, training_field)``, from the run's
    per-industry job change (:func:`job_change_from_result`: the run's
    ``jobs_change_by_industry`` at its last month, direct plus the multipliers' indirect jobs in
    supplier industries and induced jobs in household-serving ones; a result without it and
    with ``events`` (the spec's): their direct job change, :func:`job_change_from_events`; with
    neither, the change of median employed), through the area's bridge and the shipped key.

    The local supply is subtracted with ``baseline`` (a balance) or later by
    :func:`apply_local_supply`; until then the need change is the demand change and
    ``training_supply`` (attrs) says so. Texts: ``training_need_method`` / ``training_supply``
    (English) and their ``_fi`` / ``_sv`` / ``_en`` versions, which name the field table in
    words; its version id in ``training_fields_version``; ``qualification_name_<lang>`` and
    ``training_field_name_<lang>``. A result without a job change by industry, or cubes
    without ``jobs_by_industry``/``occupations``, comes back unchanged.

    ``bridge``: the area's industry-occupation bridge
    (:func:`forecasting.training.industry_occupation_bridge` of ``cubes`` for
    :func:`forecasting.training.occupation_region` of ``area``), when the caller keeps it
    between runs (it depends on the cubes only); built from ``cubes`` when absent. ``key``:
    the shipped occupation -> education key (:func:`forecasting.training.load_correspondence`)
    when the caller keeps it between runs; read when absent."""
    from forecasting import training

    has_jobs = "jobs_change_by_industry" in result or "employed" in result
    if not has_jobs or not {"jobs_by_industry", "occupations"} <= set(cubes):
        return result
    if area not in result.indexes.get("area", []):
        return result
    events = list(events) if events is not None else []
    if "jobs_change_by_industry" in result or not events:
        change = job_change_from_result(result, area)
        jobs_source = "all"
    else:
        change = job_change_from_events(events)
        jobs_source = "direct"
    region = training.occupation_region(area)
    if bridge is None:
        bridge = training.industry_occupation_bridge(
            cubes["jobs_by_industry"], cubes["occupations"], region
        )
    change = {k: v for k, v in change.items() if k in bridge.indexes["industry"]}
    fields = load_fields()
    if key is None:
        key = training.load_correspondence()
    out = training_need_change(change, bridge, key, fields=fields, jobs_source=jobs_source)
    names = fields.names()
    codes = [str(f) for f in out["field"].values]
    texts: dict[str, Any] = {
        f"qualification_name_{lang}": out[f"qualification_name_{lang}"] for lang in LANGS
    }
    texts |= {
        f"training_field_name_{lang}": (
            "training_field",
            [fields.names(lang).get(c, c) for c in codes],
        )
        for lang in LANGS
    }
    annotated = result.assign(  # one merge: the same variables, in the same order, as two
        {
            "training_demand_change": out["demand_change"].rename(RENAME),
            "training_covered_by_supply": out["covered_by_supply"].rename(RENAME),
            "training_need_change": out["need_change"].rename(RENAME),
            "training_field_name": ("training_field", [names.get(c, c) for c in codes]),
            "qualification_demand_change": out["qualification_demand"],
            "qualification_need_change": out["qualification_need"],
            "qualification_name": out["qualification_name"],
            "qualification_level": out["qualification_level"],
            "qualification_demand_by_field": out["qualification_parts"].rename(
                field="training_field"
            ),
            **texts,
        }
    ).assign_attrs(
        **{
            k.replace("method_note", "training_need_method"): v
            for k, v in out.attrs.items()
            if k.startswith("method_note")
        },
        **_in_languages("training_supply", SUPPLY_NOT_SUBTRACTED),
        training_jobs_source=jobs_source,
        training_fields_version=fields.version,
    )
    if baseline is not None:
        start = start_year(events)
        annotated = apply_local_supply(
            annotated, baseline, supply_area(baseline, area, events), year=start
        )
    return annotated


def start_year(events: Iterable[Any]) -> int | None:
    """The year the first of ``events`` starts (``start`` ``YYYY-MM``), None without one."""
    starts = [str(getattr(e, "start", "") or "") for e in events]
    years = [int(s[:4]) for s in starts if s[:4].isdigit()]
    return min(years) if years else None


def supply_area(baseline: xr.Dataset, area: str, events: Iterable[Any] = ()) -> str:
    """Whose local supply meets the scenario's demand: the events' municipality when they all
    lie in one that ``baseline`` holds, else the scenario's ``area``."""
    munis = {str(getattr(e, "municipality", "")) for e in events if getattr(e, "jobs", 0)}
    held = set(map(str, baseline["area"].values))
    if len(munis) == 1 and (m := munis.pop()) in held:
        return m
    return area


def apply_local_supply(
    result: xr.Dataset,
    baseline: xr.Dataset,
    area: str,
    *,
    year: int | None = None,
    source: str | Mapping[str, str] = "training-need balance",
) -> xr.Dataset:
    """``result`` (annotated by :func:`annotate`) with the local supply of ``area`` in
    ``baseline`` subtracted: ``training_covered_by_supply`` (the part of the demand met by the
    local surplus of its field and level, :func:`local_surplus` in ``year``),
    ``training_need_change`` and ``qualification_need_change`` recomputed; attrs
    ``training_supply`` say which balance, area and year. A result without
    ``training_demand_change`` comes back unchanged.

    Raises
    ------
    ValidationError
        ``area`` not in ``baseline``.
    """
    if "training_demand_change" not in result:
        return result
    demand = result["training_demand_change"].rename(training_field="field", training_level="level")
    surplus, used_year = local_surplus(baseline, area, year)
    parts = result["qualification_demand_by_field"].rename(training_field="field")
    levels = [str(v) for v in result["qualification_level"].values]
    net = _net_of_supply(demand, parts, levels, surplus)
    return result.assign(
        training_covered_by_supply=net["covered"].rename(RENAME),
        training_need_change=net["need"].rename(RENAME),
        qualification_need_change=net["qualification_need"],
    ).assign_attrs(
        **_in_languages(
            "training_supply",
            SUPPLY_SUBTRACTED,
            area=area_names(area),
            year=used_year,
            source=source,
        ),
        training_supply_area=area,
        training_supply_year=used_year,
    )
