"""Training-need balance in providers' units: demand, supply and need (signed: a negative need
is a surplus) by field of education (ISCED-F 2013 broad and narrow), level and kind (initial or
further training), per area and year, with 80 % intervals; totals over the years; the big
qualifications.

Chain (method note: ``docs/methods/training_needs.md``)::

    openings by occupation (forecasting.training._chain: expansion + net replacement by age)
      -> demand by field x level (occupation -> education key)
         kind "further" = further_share x demand (adults changing occupation), rest "initial"
    supply: youth graduates retained in the region (by level and field), working in-migrants,
            matched unemployed (capped at the occupation's openings), workers released where an
            occupation's jobs fall faster than its exits
    need = demand - supply   (never clipped; lo80 <= need <= hi80 on every row)

Data: :func:`balance` takes a ``cubes`` mapping (:data:`CUBES`) and the seed from the caller.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from forecasting import demand, geography, training, training_supply
from forecasting.demography.labour import LabourRates
from forecasting.demography.rates import RateSet
from forecasting.provenance import combine_versions, method_note_attrs, readable_version, stamp
from forecasting.training_params import (
    KINDS,
    LEVELS,
    Fields,
    Params,
    load_fields,
    load_params,
)
from models import shiftshare

CUBES: tuple[str, ...] = training.CUBES
#: The areas of the providers' output: the Mikkeli employment area, its municipalities and
#: Etelä-Savo.
DEFAULT_AREAS = (geography.MIKKELI_AREA, "MK10")
FRAME_COLUMNS = (
    "area",
    "year",
    "field",
    "field_name",
    "level",
    "kind",
    "demand",
    "supply",
    "need",
    "lo80",
    "hi80",
)
SUPPLY_PARTS = ("graduates", "migrants", "unemployed", "released")
Q80 = (0.1, 0.9)
#: The intervals' sources of uncertainty, each drawn alone (:func:`interval_sources`):
#: ``expansion`` the projected jobs' change (job draws), ``replacement`` the exits (the job
#: level's draws x the demography's exit-rate multipliers), ``graduates`` the completion and
#: retention of the youth cohort (``graduate_rel_sd``), ``unemployed`` the matched unemployed's
#: re-employment (``unemployed.rel_sd``). Migrants are not drawn.
SOURCES = ("expansion", "replacement", "graduates", "unemployed")


def _lognormal(rng: np.random.Generator, sd: float, shape: tuple[int, ...]) -> np.ndarray:
    z = rng.standard_normal(shape)
    return np.exp(z * sd - 0.5 * sd**2)


def _broad_key(key: xr.DataArray, occupations: list[str]) -> tuple[np.ndarray, list[str]]:
    key = key.reindex(occupation=occupations, fill_value=0.0).reindex(level=list(LEVELS))
    return key.fillna(0.0).transpose("occupation", "field", "level").values, [
        str(f) for f in key["field"].values
    ]


def _narrow_key(
    key: np.ndarray, occupations: list[str], broad: list[str], fields: Fields
) -> tuple[np.ndarray, list[str]]:
    """``(O, N, L)``: the broad key with each (occupation, broad) share put on its narrow."""
    codes = sorted(
        {fields.narrow_of(o, b) for o in occupations for b in broad if b in fields.default_narrow}
    )
    out = np.zeros((len(occupations), len(codes), key.shape[2]))
    for i, o in enumerate(occupations):
        for j, b in enumerate(broad):
            if b in fields.default_narrow:
                out[i, codes.index(fields.narrow_of(o, b))] += key[i, j]
    return out, codes


def _quantiles(draws: np.ndarray, central: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """80 % bounds of ``draws`` (first axis) widened to contain ``central`` (the expected path,
    not the median: with skewed draws it may sit outside the raw quantiles)."""
    lo, hi = np.quantile(draws, Q80, axis=0)
    return np.minimum(lo, central), np.maximum(hi, central)


def _to_fields(x: np.ndarray, key: np.ndarray) -> np.ndarray:
    """``(..., O, T) -> (..., F, T, L)`` through the key ``(O, F, L)``: the bits and the memory
    layout of ``np.einsum("...ot,ofl->...ftl", x, key)``, summed over the key's non-zero cells
    only (:func:`models.shiftshare.contract`). The layout matters: numpy's sums over several
    axes (the demand per year, the totals) add in the order of the memory, and einsum lays
    its result out after its operands (the shipped key's levels are outermost)."""
    n_occ, n_fields, n_levels = key.shape
    if not shiftshare.contracts_in_order(x, key):
        return np.einsum("...ot,ofl->...ftl", x, key)
    flat = shiftshare.contract(x, key.reshape(n_occ, n_fields * n_levels))
    flat = flat.reshape(*x.shape[:-2], n_fields, n_levels, x.shape[-1])
    out = _einsum_layout("...ot,ofl->...ftl", (*x.shape[:-2], n_fields, x.shape[-1], n_levels),
                         x, key)  # fmt: skip
    out[...] = np.swapaxes(flat, -1, -2)
    return out


def _einsum_layout(subscripts: str, shape: tuple[int, ...], *operands: np.ndarray) -> np.ndarray:
    """An empty array of ``shape`` laid out in memory as ``np.einsum(subscripts, *operands)``
    lays out its result: einsum on stand-ins (:func:`_stand_in`)."""
    probe = np.einsum(subscripts, *(_stand_in(op) for op in operands))
    return _empty_as(probe, shape)


def _stand_in(array: np.ndarray) -> np.ndarray:
    """Zeros of at most 2 per axis with ``array``'s order of strides: numpy's iterator orders
    the axes of an operation by its operands' strides, not their lengths, so an operation on
    stand-ins lays out its result as on the arrays themselves."""
    order = np.argsort([-abs(s) for s in array.strides], kind="stable")  # outermost first
    small = np.zeros([min(array.shape[i], 2) for i in order])
    return small.transpose(np.argsort(order))


def _empty_as(probe: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """An empty array of ``shape`` with the order of ``probe``'s axes in memory."""
    order = np.argsort([-s for s in probe.strides], kind="stable")
    return np.empty([shape[i] for i in order]).transpose(np.argsort(order))


def _area_balance(
    by_occ: xr.Dataset,
    key: np.ndarray,
    graduates: np.ndarray,
    migrants: np.ndarray,
    laid_off: np.ndarray,
    params: Params,
    seed: int,
) -> dict[str, np.ndarray]:
    """Demand and supply parts ``(D?, G, F, T, L, K)`` by broad field (central and draws)."""
    exp, rep = by_occ["expansion"].values, by_occ["replacement"].values  # (G, O, T)
    open_c = exp + rep
    open_d = by_occ["openings_draws"].values  # (D, G, O, T)
    n_draws, n_groups = open_d.shape[0], open_d.shape[1]
    rng = np.random.default_rng([seed, 20])
    u_match = training_supply.matched_unemployed(by_occ["unemployed"].values, laid_off, params)
    u_mult = _lognormal(rng, params.unemployed_rel_sd, (n_draws, n_groups, 1, 1))
    g_mult = _lognormal(rng, params.graduate_rel_sd, (n_draws, n_groups, 1, 1, 1))
    f = params.further_share
    kind_w = np.array([1.0 - f, f])

    def to_fields(x: np.ndarray) -> np.ndarray:  # (..., O, T) -> (..., F, T, L)
        return _to_fields(x, key)

    def demand_fields(openings: np.ndarray) -> tuple[np.ndarray, ...]:
        """Openings above zero (by occupation), demand, released workers and migrants
        ``(..., F, T, L)``."""
        dem = np.maximum(openings, 0.0)
        released = to_fields(np.maximum(-openings, 0.0))
        dem_f = to_fields(dem)
        total = dem_f.sum(axis=(-3, -1), keepdims=True)  # per year over fields and levels
        mig_w = np.where(total > 0, dem_f / np.where(total > 0, total, 1.0), 0.0)
        shape = dem_f.shape[:-3]
        mig = migrants.reshape((1,) * (len(shape) - 1) + (-1, 1, 1, 1)) * mig_w
        return dem, dem_f, released, mig

    def used_fields(unemp: np.ndarray, dem: np.ndarray) -> np.ndarray:
        """Matched unemployed capped at the openings, ``(..., F, T, L)``."""
        return to_fields(np.minimum(unemp[..., None] * np.ones_like(dem), dem))

    def to_fields_all(openings: np.ndarray, unemp: np.ndarray) -> tuple[np.ndarray, ...]:
        """Demand, matched unemployed, released workers and migrants ``(..., F, T, L)``."""
        dem, dem_f, released, mig = demand_fields(openings)
        return dem_f, used_fields(unemp, dem), released, mig

    def parts(fielded: tuple[np.ndarray, ...], grads: np.ndarray) -> dict:
        dem_f, used, released, mig = fielded
        k = kind_w
        out = {
            "demand": dem_f[..., None] * k,
            "graduates": np.stack([grads, 0 * grads], axis=-1),
            "migrants": np.stack([mig, 0 * mig], axis=-1),
            "unemployed": used[..., None] * k,
            "released": np.stack([released, 0 * released], axis=-1),
        }
        out["supply"] = sum(out[p] for p in SUPPLY_PARTS)
        out["need"] = out["demand"] - out["supply"]
        return out

    def need(fielded: tuple[np.ndarray, ...], grads: np.ndarray) -> np.ndarray:
        """``parts(...)["need"]``'s values from ``to_fields_all(...)``: the same operations
        kind by kind (the further kind has no graduates, migrants or released workers: 0 x
        them), without the parts not kept. Its memory layout may differ from ``parts``'s:
        the caller lays it out (the kinds' sums of the sources' draws add two values, the
        same either way)."""
        dem_f, used, released, mig = fielded
        initial, further = kind_w
        return np.stack(
            [
                dem_f * initial - ((((0 + grads) + mig) + used * initial) + released),
                dem_f * further - ((((0 + 0 * grads) + 0 * mig) + used * further) + 0 * released),
            ],
            axis=-1,
        )

    grads = graduates.transpose(0, 3, 1, 2)  # (G, T, L, F) -> (G, F, T, L)
    dem_c, dem_f_c, released_c, mig_c = demand_fields(open_c)
    fielded_c = (dem_f_c, used_fields(u_match, dem_c), released_c, mig_c)
    central = parts(fielded_c, grads)
    u_drawn, g_drawn = u_match[None] * u_mult[..., 0], grads[None] * g_mult
    # the draws' need: values by kind (``need``), laid out in memory as ``parts`` lays it out
    # (the quantiles' and the totals' sums follow the layout), found on stand-ins
    fielded_d = to_fields_all(open_d, u_drawn)
    if any(0 in a.strides for a in (*fielded_d, g_drawn)):  # a broadcast: no stand-in
        central["need_draws"] = parts(fielded_d, g_drawn)["need"]
    else:
        probe = parts(tuple(_stand_in(a) for a in fielded_d), _stand_in(g_drawn))["need"]
        values = need(fielded_d, g_drawn)
        central["need_draws"] = _empty_as(probe, values.shape)
        central["need_draws"][...] = values
    if "expansion_draws" in by_occ and "replacement_draws" in by_occ:
        # each source drawn alone, the others at their central values (levels summed over
        # kinds: the source shares of the intervals, :func:`interval_sources`); where the
        # openings are the central ones, so are their fields (computed once, the same in
        # every draw)
        exp_d, rep_d = by_occ["expansion_draws"].values, by_occ["replacement_draws"].values
        alone = {
            "expansion": need(to_fields_all(exp_d + rep[None], u_match), grads),
            "replacement": need(to_fields_all(exp[None] + rep_d, u_match), grads),
            "graduates": need(fielded_c, g_drawn),
            "unemployed": need((dem_f_c, used_fields(u_drawn, dem_c), released_c, mig_c), grads),
        }
        central["source_draws"] = np.stack([alone[k].sum(axis=-1) for k in SOURCES])
    return central


def interval_sources(source_draws: np.ndarray) -> dict[str, np.ndarray]:
    """Each source's share of the need's variance over the draws.

    ``source_draws`` ``(S, D, G, F, T, L)``: the need's draws with one source of
    :data:`SOURCES` drawn at a time (kinds summed). Returns ``yearly`` ``(G, F, S)`` (the
    variance of the yearly need, levels summed, averaged over the years) and ``total`` ``(G,
    S)`` (the variance of the need over all years and broad fields given, summed): each the
    source's variance over the sum of the sources' variances (the sources are drawn
    independently, so the sum is the variance of their combination up to the
    nonlinearities: openings below zero release workers, matched unemployed are capped).
    Rows without any variance are all zero."""
    yearly = source_draws.sum(axis=-1).var(axis=1).mean(axis=-1)  # (S, G, F)
    total = source_draws.sum(axis=(-3, -2, -1)).var(axis=1)  # (S, G)

    def share(v: np.ndarray) -> np.ndarray:
        tot = v.sum(axis=0, keepdims=True)
        return np.moveaxis(np.where(tot > 0, v / np.where(tot > 0, tot, 1.0), 0.0), 0, -1)

    return {"yearly": share(yearly), "total": share(total)}


def _to_narrow(values: np.ndarray, weights: np.ndarray, parent: np.ndarray) -> np.ndarray:
    """Broad ``(..., F, T, L, K)`` -> narrow ``(..., N, T, L, K)`` with ``weights`` ``(G, N, T,
    L, K)`` (each narrow field's share of its broad field's demand)."""
    return values[..., parent, :, :, :] * weights


def balance(
    cubes: Mapping[str, xr.Dataset],
    until: int = 2035,
    area: str = geography.MIKKELI_AREA,
    *,
    seed: int,
    n_draws: int = training.N_DRAWS,
    params: Params | None = None,
    fields: Fields | None = None,
    correspondence: str | Path | None = None,
    population: xr.DataArray | None = None,
    rateset: RateSet | LabourRates | None = None,
    base: demand.DemandBase | None = None,
    history: xr.DataArray | None = None,
) -> xr.Dataset:
    """Demand, supply (by part), need with 80 % bounds ``(area, field, time, level, kind)``.

    ``area`` and (for an aggregate) its municipalities; ``field`` holds the broad (2-digit)
    and narrow (3-digit) ISCED-F 2013 codes (narrow ones add up to their broad field);
    ``time`` the years base + 1..``until`` (integers); ``need`` is signed (negative: surplus).
    Totals over the years: ``*_total`` variables without ``time``.
    ``need_draws`` (broad and narrow) are kept for aggregation; ``lo80 <= need <= hi80``.
    ``base`` and ``history``: the labour-demand chain's inputs for every municipality when the
    caller has them (see :func:`forecasting.training.training_needs`).

    Raises
    ------
    ValidationError
        ``until`` outside base year + 1 .. 2040, bad parameters or correspondence.
    UnknownAreaError
        Unknown ``area``.
    """
    until = training.check_until(cubes, until)
    code = geography.resolve_area(area)
    params = params or load_params()
    fields = fields or load_fields()
    if population is None:
        population = demand.projected_population(cubes, seed=seed)
    by_occ, notes = training._chain(
        cubes, code, until, n_draws, seed, population, params, rateset, base, history
    )
    groups = {str(k): list(v) for k, v in json.loads(by_occ.attrs["groups"]).items()}
    labels = [str(a) for a in by_occ["area"].values]
    groups = {label: groups[label] for label in labels}
    occupations = [str(o) for o in by_occ["occupation"].values]
    key_da = training.load_correspondence(correspondence)
    key, broad = _broad_key(key_da, occupations)
    years = by_occ["time"].values.astype(int)
    graduates = training_supply.youth_graduates(population, groups, years, broad, params)
    migrants = training_supply.migrant_workers(demand.cube(cubes, "migration"), groups, params)
    laid_off = training_supply.laid_off_share(demand.cube(cubes, "registers"), groups)
    res = _area_balance(by_occ, key, graduates, migrants, laid_off, params, seed)
    for g, label in enumerate(labels):  # bottom-up: an aggregate is the sum of its members
        members = [labels.index(m) for m in groups[label] if m in labels and m != label]
        if len(members) == len(groups[label]) > 1:
            for name, arr in res.items():
                if name == "need_draws":
                    arr[:, g] = arr[:, members].sum(axis=1)
                elif name == "source_draws":
                    arr[:, :, g] = arr[:, :, members].sum(axis=2)
                else:
                    arr[g] = arr[members].sum(axis=0)
    # narrow fields: the key's narrow split for demand, the demand's narrow split for the rest
    nkey, narrow = _narrow_key(key, occupations, broad, fields)
    parent = np.array([broad.index(n[:2]) for n in narrow])
    exp_n = np.maximum(by_occ["expansion"].values + by_occ["replacement"].values, 0.0)
    dem_n = np.einsum("got,onl->gntl", exp_n, nkey)
    dem_b = np.zeros((len(labels), len(broad), len(years), len(LEVELS)))
    for j, p in enumerate(parent):
        dem_b[:, p] += dem_n[:, j]
    default = np.array(
        [fields.default_narrow.get(broad[p]) == n for n, p in zip(narrow, parent, strict=True)]
    )
    denom = dem_b[:, parent]
    weights = np.where(
        denom > 0, dem_n / np.where(denom > 0, denom, 1.0), default[None, :, None, None] * 1.0
    )
    weights = weights[..., None]  # kinds share the split
    values = {}
    source_draws = res.pop("source_draws", None)
    for name in ("demand", "supply", "need", *SUPPLY_PARTS):
        values[name] = np.concatenate([res[name], _to_narrow(res[name], weights, parent)], axis=1)
    draws = np.concatenate(
        [res["need_draws"], _to_narrow(res["need_draws"], weights[None], parent)], axis=2
    )
    for g, label in enumerate(labels):  # narrow splits of an aggregate: its members' sums
        members = [labels.index(m) for m in groups[label] if m in labels and m != label]
        if len(members) == len(groups[label]) > 1:
            for arr in values.values():
                arr[g] = arr[members].sum(axis=0)
            draws[:, g] = draws[:, members].sum(axis=1)
    codes = broad + narrow
    lo, hi = _quantiles(draws, values["need"])
    tot_need = values["need"].sum(axis=2)
    tot_lo, tot_hi = _quantiles(draws.sum(axis=3), tot_need)
    dims = ("area", "field", "time", "level", "kind")
    ds = xr.Dataset(
        {name: (dims, v) for name, v in values.items()},
        coords={
            "area": labels,
            "field": codes,
            "time": years,
            "level": list(LEVELS),
            "kind": list(KINDS),
        },
    )
    ds["lo80"], ds["hi80"] = (dims, lo), (dims, hi)
    tdims = ("area", "field", "level", "kind")
    for name in ("demand", "supply", *SUPPLY_PARTS):
        ds[f"{name}_total"] = (tdims, values[name].sum(axis=2))
    ds["need_total"], ds["lo80_total"], ds["hi80_total"] = (
        (tdims, tot_need),
        (tdims, tot_lo),
        (tdims, tot_hi),
    )
    ds["need_draws"] = (("draw", *dims), draws)
    if source_draws is not None:
        shares = interval_sources(source_draws)
        src = pd.Index(list(SOURCES), name="source")
        yearly = xr.DataArray(
            shares["yearly"],
            dims=("area", "field", "source"),
            coords={"area": labels, "field": broad, "source": src},
        )
        ds["interval_source_share"] = yearly.reindex(field=codes)
        ds["interval_source_share_total"] = (("area", "source"), shares["total"])
    ds["field_name"] = ("field", [fields.names().get(c, c) for c in codes])
    for lang in ("sv", "en"):
        ds[f"field_name_{lang}"] = ("field", [fields.names(lang).get(c, c) for c in codes])
    ds["laid_off_share"] = ("area", laid_off)
    ds["replacement_rate"] = by_occ["replacement_rate"]
    ds["gross_replacement_rate"] = by_occ["gross_replacement_rate"]
    full_key = np.concatenate([key, nkey], axis=1)  # (O, F + N, L)
    for name in ("expansion", "replacement"):
        ds[name] = (dims[:-1], np.einsum("got,ofl->gftl", by_occ[name].values, full_key))
    ds["qualification_demand"] = _qualification_demand(by_occ, key_da, fields)
    version = key_da.attrs["correspondence_version"]
    ds = stamp(
        ds,
        source_tables=(*training._source_tables(notes), "muutl"),
        retrieved=notes.pop("_retrieved"),
        data_version=combine_versions(
            [notes.pop("_data_version"), version, params.version, fields.version]
        ),
        seed=seed,
        extra={
            **{k: v for k, v in notes.items()},
            "correspondence_version": version,
            "training_params_version": params.version,
            "training_fields_version": fields.version,
            "units": "persons per year (new entrants needed); negative need = surplus",
            # the notes are read on the training page: files in words, versions in attrs
            **method_note_attrs(
                {lang: _method_note(lang, params, fields, version) for lang in METHOD_NOTES}
            ),
        },
    )
    return ds


def _qualification_demand(by_occ: xr.Dataset, key: xr.DataArray, fields: Fields) -> xr.DataArray:
    """Openings per big qualification ``(area, qualification, time)``: sum over its
    (occupation, broad field) pairs of share x key weight at its level x the occupation's
    openings."""
    key = key.reindex(occupation=by_occ["occupation"].values, fill_value=0.0)
    openings = (by_occ["expansion"] + by_occ["replacement"]).clip(min=0.0)
    opened = openings.transpose("area", "occupation", "time").values
    weights = key.values  # positions for labels; the same products and sums in the same order
    at = {d: key.indexes[d] for d in ("occupation", "field", "level")}
    where = [key.dims.index(d) for d in ("occupation", "field", "level")]
    parts = []
    for q in fields.qualifications:
        total = np.zeros((opened.shape[0], opened.shape[2]))
        for occ, field, share in q.shares:
            if field in at["field"] and occ in at["occupation"]:
                o = at["occupation"].get_loc(occ)
                cell = [0, 0, 0]
                for axis, pos in zip(
                    where,
                    (o, at["field"].get_loc(field), at["level"].get_loc(q.level)),
                    strict=True,
                ):
                    cell[axis] = pos
                w = float(weights[tuple(cell)])
                total = total + share * w * opened[:, o, :]
        parts.append(total)
    return xr.DataArray(
        np.stack(parts, axis=1),
        dims=("area", "qualification", "time"),
        coords={
            "area": openings["area"].values,
            "qualification": pd.Index([q.key for q in fields.qualifications], name="qualification"),
            "time": openings["time"].values,
        },
        name=openings.name,
        attrs=openings.attrs,
    )


METHOD_NOTES: dict[str, str] = {
    "en": (
        "Need = demand - supply of new entrants, by field of education (ISCED-F 2013), level "
        "and kind. Demand: openings by occupation = expansion (projected jobs by industry) + "
        "replacement (the demography's exits from employment by age, delayed by cohort after "
        "the 2017 pension reform, net of re-entries), via an industry->occupation bridge and "
        "the occupation->education key ({key}); a share of openings filled by adults changing "
        "occupation is further training. Replacement is shared over industries by their jobs "
        "within an area: the shipped data have age by area only (tyokay 115n/115p), not "
        "industry x age or education x age (a file of employed persons by industry, or by "
        "education level, and 5-year age band per area would enable it). Supply: the area's "
        "youth cohort by education pathway (own population projection) x attainment x "
        "regional retention, positive net in-migration, unemployed re-employed where "
        "occupation and education match (not the laid off), workers released by shrinking "
        "occupations. Negative need = surplus. Files: {params}; {fields}. 80% "
        "intervals from job, exit, graduate and re-employment draws; the job projection's "
        "draws make most of their width."
    ),
    "fi": (
        "Tarve = uusien tulijoiden kysyntä - tarjonta koulutusaloittain (ISCED-F 2013), "
        "asteittain ja koulutuslajeittain. Kysyntä: avautuvat työpaikat ammateittain = "
        "laajennus (toimialojen työpaikkaennuste) + poistuma (väestöennusteen työstä "
        "poistuminen iän mukaan, vuoden 2017 eläkeuudistuksen kohorttiviiveillä, paluut "
        "vähennettyinä) toimiala-ammattisillan ja ammatti-koulutusavaimen ({key}) kautta; "
        "ammattia vaihtavien aikuisten osuus on täydennyskoulutusta. Poistuma jaetaan "
        "toimialoille alueen työpaikkojen suhteessa: aineistossa ikä on vain alueittain "
        "(tyokay 115n/115p), ei toimiala x ikä tai koulutus x ikä (alueittainen tiedosto "
        "työllisistä toimialan tai koulutusasteen ja 5-vuotisikäryhmän mukaan mahdollistaisi "
        "sen). Tarjonta: alueen nuorisoikäluokka koulutuspoluittain (oma väestöennuste) x "
        "tutkinnon suorittaminen x alueelle jääminen, positiivinen nettomuutto, ammatiltaan "
        "ja koulutukseltaan vastaavat työttömät (ei lomautettuja), supistuvista ammateista "
        "vapautuvat. Negatiivinen tarve = ylitarjonta. Tiedostot: {params}; {fields}. "
        "80 %:n välit työpaikka-, poistuma-, valmistuneiden ja työllistymisen arvonnoista; "
        "työpaikkaennusteen arvonnat tuottavat suurimman osan välin leveydestä."
    ),
    "sv": (
        "Behov = efterfrågan - utbud av nya arbetstagare per utbildningsområde (ISCED-F "
        "2013), nivå och utbildningsslag. Efterfrågan: lediga jobb per yrke = expansion "
        "(prognos för arbetsplatser per näringsgren) + ersättning (befolkningsprognosens "
        "utträden ur arbetslivet efter ålder, fördröjda per årskull efter pensionsreformen "
        "2017, netto efter återinträden) via bryggan näringsgren-yrke och nyckeln "
        "yrke-utbildning ({key}); andelen som fylls av vuxna som byter yrke är "
        "fortbildning. Ersättningen fördelas på näringsgrenar efter arbetsplatser inom "
        "området: uppgifterna har ålder endast per område (tyokay 115n/115p), inte näringsgren "
        "x ålder eller utbildning x ålder (en fil över sysselsatta per näringsgren eller "
        "utbildningsnivå och 5-årsåldersgrupp per område skulle möjliggöra det). Utbud: "
        "områdets ungdomsårskull per utbildningsväg (egen befolkningsprognos) x avlagd examen "
        "x kvarstannande i regionen, positiv nettoinflyttning, arbetslösa med motsvarande yrke "
        "och utbildning (inte permitterade), arbetstagare som frigörs i krympande yrken. "
        "Negativt behov = överskott. Filer: {params}; {fields}. 80 %:s intervall "
        "från dragningar av arbetsplatser, utträden, utexaminerade och återanställning; "
        "arbetsplatsprognosens dragningar står för det mesta av bredden."
    ),
}
METHOD_NOTE = METHOD_NOTES["en"]


def _method_note(lang: str, params: Params, fields: Fields, key_version: str) -> str:
    """:data:`METHOD_NOTES` in ``lang`` with the parameter and field files and the key's
    version in words (:meth:`Params.describe`, :meth:`Fields.describe`)."""
    return METHOD_NOTES[lang].format(
        params=params.describe(lang),
        fields=fields.describe(lang),
        key=readable_version(key_version, lang),
    )


def balance_for_areas(
    cubes: Mapping[str, xr.Dataset],
    until: int = 2035,
    areas: tuple[str, ...] = DEFAULT_AREAS,
    *,
    seed: int,
    **kwargs,
) -> xr.Dataset:
    """:func:`balance` for each of ``areas``, concatenated over ``area``: the first with its
    municipalities, the others as the area alone (default: TA23, its six municipalities and
    Etelä-Savo MK10). One population projection serves all."""
    parts, seen = [], set()
    population = kwargs.pop("population", None)
    if population is None:
        population = demand.projected_population(cubes, seed=seed)
    for i, code in enumerate(areas):
        ds = balance(cubes, until, code, seed=seed, population=population, **kwargs)
        own = geography.resolve_area(code)
        keep = [str(a) for a in ds["area"].values if i == 0 or str(a) == own]
        keep = [a for a in keep if a not in seen]
        seen.update(keep)
        parts.append(ds.sel(area=keep))
    out = xr.concat(parts, dim="area", data_vars="minimal", coords="minimal", compat="override")
    out.attrs = parts[0].attrs
    return out


def needs_frame(ds: xr.Dataset) -> pd.DataFrame:
    """Rows ``area, year, field, field_name, level, kind, demand, supply, need, lo80, hi80``:
    each year and the total over the years (``year`` = ``"2026-2035"``)."""
    yearly = ds[["demand", "supply", "need", "lo80", "hi80"]].to_dataframe().reset_index()
    yearly["year"] = yearly["time"].astype(str)
    first, last = int(ds["time"].min()), int(ds["time"].max())
    tot = ds[[f"{n}_total" for n in ("demand", "supply", "need", "lo80", "hi80")]]
    total = tot.rename({f"{n}_total": n for n in ("demand", "supply", "need", "lo80", "hi80")})
    total = total.to_dataframe().reset_index()
    total["year"] = f"{first}-{last}"
    frame = pd.concat([yearly, total], ignore_index=True)
    names = dict(zip(ds["field"].values, ds["field_name"].values, strict=True))
    frame["field_name"] = frame["field"].map(names)
    frame = frame[list(FRAME_COLUMNS)]
    frame.attrs.update({k: v for k, v in ds.attrs.items() if isinstance(v, str | int | float)})
    return frame.reset_index(drop=True)


def balance_frame(ds: xr.Dataset) -> pd.DataFrame:
    """The balance table per area, year and level (broad fields and kinds summed): demand,
    supply by part, supply, gap (= need; negative: surplus)."""
    broad = [f for f in ds["field"].values if len(str(f)) == 2]
    sub = ds[["demand", *SUPPLY_PARTS, "supply", "need"]].sel(field=broad).sum(("field", "kind"))
    frame = sub.to_dataframe().reset_index().rename(columns={"need": "gap", "time": "year"})
    return frame[["area", "year", "level", "demand", *SUPPLY_PARTS, "supply", "gap"]]


def qualifications_frame(ds: xr.Dataset, fields: Fields | None = None) -> pd.DataFrame:
    """Demand, supply and need per big qualification, area and year (kinds summed): the
    qualification's openings (``qualification_demand``), and the supply and need of its fields
    at its level in the proportion of its openings to theirs."""
    fields = fields or load_fields()
    rows = []
    for q in fields.qualifications:
        dem = ds["qualification_demand"].sel(qualification=q.key, drop=True)
        own = sorted({f for _, f, _ in q.shares})
        sel = ds[["demand", "supply", "need"]].sel(level=q.level, drop=True).sel(field=own)
        sel = sel.sum(("field", "kind"))
        ratio = (dem / sel["demand"].where(sel["demand"] > 0)).fillna(0.0).clip(0.0, 1.0)
        frame = (
            xr.Dataset(
                {"demand": dem, "supply": ratio * sel["supply"], "need": ratio * sel["need"]}
            )
            .transpose("area", "time")
            .to_dataframe()
            .reset_index()
            .rename(columns={"time": "year"})
        )
        frame.insert(1, "qualification", q.key)
        frame.insert(2, "name_fi", q.name_fi)
        frame.insert(3, "level", q.level)
        rows.append(frame)
    return pd.concat(rows, ignore_index=True)
