"""Areas and their hierarchy: municipality -> employment area -> region -> country."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal

import pandas as pd
from fastapi import APIRouter, Path, Query, Response

from forecasting import geography
from forecasting.provenance import ATTRIBUTION, LICENCE, code_version, content_hash
from service.deps import CSV_RESPONSE, DataQuery, DataQueryDep, LangQuery, provenance_headers
from service.schemas import Area, AreaList, AreaNode, AreaTree, Provenance

router = APIRouter(prefix="/v1/areas", tags=["areas"])

Level = Literal["municipality", "employment_area", "region", "subregion", "country"]
CodePath = Annotated[
    str, Path(description="area code: '491', 'TA23', 'MK10', 'SK101' or 'SSS'", max_length=12)
]
#: Statistics Finland classifications the area table is built from.
SOURCE_TABLES = [
    f"kunta_1_{geography.CURRENT_DIVISION}0101",
    f"tyollisyysalue_1_{geography.CURRENT_DIVISION}0101",
    f"maakunta_1_{geography.CURRENT_DIVISION}0101",
    f"seutukunta_1_{geography.CURRENT_DIVISION}0101",
]


@lru_cache
def _provenance() -> Provenance:
    table = geography.areas()
    return Provenance(
        release_id=None,
        dataset=f"areas_{geography.CURRENT_DIVISION}",
        source_tables=SOURCE_TABLES,
        source=ATTRIBUTION,
        license=LICENCE,
        data_version=content_hash(table.reset_index().astype(str).to_xarray()),
        code_version=code_version(),
        # the table's data date is the division it follows (municipalities as of 1 January)
        data_through={"area_division": str(geography.CURRENT_DIVISION)},
    )


#: The columns of an area in CSV (``members`` as a JSON list).
COLUMNS = ["code", "name", "name_fi", "name_sv", "name_en", "level", "parent", "members"]


def _area(code: str, row: pd.Series, lang: str, with_members: bool) -> Area:
    parent = row["parent"]
    level = str(row["level"])
    return Area(
        code=code,
        name=str(row[f"name_{lang}"]),
        name_fi=str(row["name_fi"]),
        name_sv=str(row["name_sv"]),
        name_en=str(row["name_en"]),
        level=level,  # type: ignore[arg-type]
        parent=None if pd.isna(parent) else str(parent),
        members=geography.members(code) if with_members and level != "municipality" else None,
    )


def _check_release(query: DataQuery) -> None:
    """The area table is no release's, but a ``release`` asked for must exist: a mistyped
    id is the 404 it is on every route, not ignored."""
    if query.release_id is not None:
        query.release()


@router.get("", response_model=AreaList, responses=CSV_RESPONSE, summary="List areas")
def list_areas(
    query: DataQueryDep,
    level: Annotated[Level | None, Query(description="only this level")] = None,
    parent: Annotated[str | None, Query(description="only direct children of this area")] = None,
) -> dict[str, object]:
    """Municipalities (2025 division) and aggregates, with names in Finnish, Swedish and English."""
    _check_release(query)
    table = geography.areas()
    if level is not None:
        table = table[table["level"] == level]
    if parent is not None:
        table = table[table["parent"] == geography.resolve_area(parent)]
    window = table.iloc[query.offset : query.offset + query.limit]
    records = [_area(str(c), r, query.lang, False) for c, r in window.iterrows()]
    # JSON or CSV as asked (csv-fi and xlsx are refused, as for the alert and event lists:
    # a format asked for is never answered silently in another one)
    return query.respond_records(records, len(table), _provenance(), COLUMNS)


@router.get("/{code}", response_model=AreaList, responses=CSV_RESPONSE, summary="One area")
def get_area(code: CodePath, query: DataQueryDep) -> dict[str, object]:
    """One area with its parent and (for aggregates) its member municipalities."""
    _check_release(query)
    resolved = geography.resolve_area(code)
    row = geography.areas().loc[resolved]
    area = _area(resolved, row, query.lang, True)
    return query.respond_records([area], 1, _provenance(), COLUMNS)


def _tree(code: str, children: dict[str, list[str]], names: pd.Series) -> AreaNode:
    return AreaNode(
        code=code,
        name=str(names[code]),
        level=geography.level_of(code),
        children=[_tree(c, children, names) for c in sorted(children.get(code, []))],
    )


@router.get("/{code}/hierarchy", response_model=AreaTree, summary="The hierarchy below an area")
def hierarchy(code: CodePath, response: Response, lang: LangQuery = "fi") -> dict[str, object]:
    """The tree country -> region -> employment area -> municipality below ``code``.

    Sub-regions are a side hierarchy and are not part of this tree.
    """
    root = geography.resolve_area(code)
    table = geography.areas()
    table = table[table["level"] != "subregion"]
    children: dict[str, list[str]] = {}
    for child, parent in table["parent"].dropna().items():
        children.setdefault(str(parent), []).append(str(child))
    if geography.level_of(root) == "subregion":
        children[root] = geography.members(root)
    names = geography.areas()[f"name_{lang}"]
    prov = _provenance()
    response.headers.update(provenance_headers(prov))
    return {
        "data": _tree(root, children, names),
        "provenance": prov,
        "lang": lang,
    }
