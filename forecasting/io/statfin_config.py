"""Which StatFin tables feed which cubes: ``forecasting/config/statfin_tables.toml``, validated.

A table entry names the PxWeb table (``db`` and short ``table`` id), our dims (each found in
the table's metadata by variable-code prefix, because codes carry vintages such as
``alue_23_20260101``) with the values to fetch, and our variables (each a StatFin content
code, with alternatives because some codes gained prefixes such as ``vaerak-vaesto``).

:func:`resolve` checks an entry against live metadata and returns the exact query; anything
the metadata lacks raises :class:`~forecasting.errors.SchemaDriftError`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, PositiveInt, model_validator

from forecasting.errors import DataError, SchemaDriftError
from forecasting.io.statfin import TableMetadata, Variable

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "statfin_tables.toml"
#: A content spec of ``["*"]``: the table's only content code, whatever it is called.
ONLY_CONTENT = "*"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DimSpec(_Frozen):
    """One of our dims: the StatFin variable it comes from and the values to fetch.

    Attributes
    ----------
    prefixes
        Case-insensitive prefixes of the variable code; exactly one variable must match.
    values
        Explicit value codes (all must exist); default: every value the table offers.
    exclude
        Value codes to leave out (totals such as ``SSS``); absent ones are ignored.
    top
        Keep only the last ``top`` values (the latest periods of a time variable).
    pattern
        Keep only the value codes that fully match this regular expression (a selection
        from the table's metadata, e.g. every municipality ``KU\\d{3}``), in the table's order.
    pivot
        ``{value code: our variable}``: fetch these values (all must exist) and turn each
        into a variable of the cube; the dim disappears (115n's commuting status ``SSS``,
        ``1``, ``2`` become ``employed_residents``, ...). The table then configures one
        content variable, whose ``count``/``additive`` flags the pivoted variables take.
    squeeze
        Fetch exactly one value (``values``) and drop the dim (``jobs_totals_2019`` has no
        time dim: 115k's year ``2019`` only).
    """

    prefixes: tuple[str, ...] = Field(min_length=1)
    values: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    top: PositiveInt | None = None
    pattern: str | None = None
    pivot: dict[str, str] | None = None
    squeeze: bool = False

    @model_validator(mode="after")
    def _values_xor_top(self) -> DimSpec:
        if self.values is not None and (
            self.top is not None or self.exclude or self.pattern is not None
        ):
            raise ValueError("give either explicit values or top/exclude/pattern, not both")
        if self.pivot is not None and (
            self.values is not None
            or self.top is not None
            or self.exclude
            or self.pattern is not None
            or self.squeeze
        ):
            raise ValueError("pivot fetches its own value codes: no values/top/exclude/pattern")
        if self.pivot is not None and len(set(self.pivot.values())) != len(self.pivot):
            raise ValueError(f"pivot maps two codes to one variable: {self.pivot}")
        if self.squeeze and (self.values is None or len(self.values) != 1):
            raise ValueError("squeeze needs exactly one explicit value")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"pattern {self.pattern!r}: {exc}") from None
        return self


class ContentSpec(_Frozen):
    """One of our variables: candidate StatFin content codes, first present wins.

    A candidate also matches a code that carries a statistic prefix (``vaesto`` matches
    ``vaerak-vaesto``). ``["*"]`` takes the table's only content code. ``optional``
    variables that the table lacks are skipped and reported instead of failing.
    ``count``: a non-negative count (checked); ``additive``: aggregates are sums of their
    member municipalities (false for rates, shares and indices, which aggregates take only
    from the rows the table publishes).
    """

    codes: tuple[str, ...] = Field(min_length=1)
    optional: bool = False
    count: bool = True
    additive: bool = True

    @model_validator(mode="before")
    @classmethod
    def _coerce(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"codes": (data,)}
        if isinstance(data, list | tuple):
            return {"codes": tuple(data)}
        return data


class TableSpec(_Frozen):
    """One cached cube: a StatFin table, our dims and our variables.

    ``areas``: ``"as published"`` keeps the table's area rows (codes normalised);
    ``"municipal aggregates"`` keeps its municipalities (2025 division, merged ones summed)
    and adds employment areas (TA), regions (MK) and the country (SSS) as sums of them, as
    the snapshot's readers do (see :mod:`forecasting.io.refresh_areas`).

    ``cube``: the cube this table feeds (default: its own key). Tables that name the same
    cube are merged into it (115n and 115p into ``commuting``); their variables must differ.
    """

    db: str = Field(pattern=r"^[a-z0-9_]+$")
    table: str = Field(pattern=r"^[0-9a-z]+\.px$")
    description: str = ""
    time_convention: Literal["month start", "31 December"]
    areas: Literal["as published", "municipal aggregates"] = "as published"
    contents_prefixes: tuple[str, ...] = ("contentscode", "tiedot")
    cube: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")
    dims: dict[str, DimSpec] = Field(min_length=1)
    variables: dict[str, ContentSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_pivot(self) -> TableSpec:
        pivots = [d for d, spec in self.dims.items() if spec.pivot is not None]
        if len(pivots) > 1:
            raise ValueError(f"at most one pivot dim, got {pivots}")
        if pivots and len(self.variables) != 1:
            raise ValueError(f"a pivot dim ({pivots[0]}) needs exactly one content variable")
        return self

    @property
    def pivot(self) -> tuple[str, dict[str, str]] | None:
        """``(our dim, {value code: variable})`` of the pivot dim, if any."""
        for dim, spec in self.dims.items():
            if spec.pivot is not None:
                return dim, dict(spec.pivot)
        return None

    @property
    def output_variables(self) -> dict[str, ContentSpec]:
        """The cube's variables with their flags (pivoted ones take the content's)."""
        if (pivot := self.pivot) is None:
            return dict(self.variables)
        (content,) = self.variables.values()
        return {var: content for var in pivot[1].values()}

    @property
    def path(self) -> str:
        """``"tyonv/12r5.px"``, the table path under the database."""
        return f"{self.db}/{self.table}"

    @property
    def source_table(self) -> str:
        """``"tyonv 12r5"``, the form used in provenance attrs."""
        return f"{self.db} {self.table.removesuffix('.px')}"


class TablesConfig(_Frozen):
    """The whole file: ``[tables.<cube name>]`` entries."""

    tables: dict[str, TableSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _cubes_disjoint(self) -> TablesConfig:
        seen: dict[tuple[str, str], str] = {}
        for key, spec in self.tables.items():
            for var in spec.output_variables:
                cube = spec.cube or key
                if (cube, var) in seen:
                    raise ValueError(
                        f"cube {cube!r}: variable {var!r} comes from both "
                        f"{seen[(cube, var)]!r} and {key!r}"
                    )
                seen[(cube, var)] = key
        return self

    def cubes(self) -> dict[str, tuple[str, ...]]:
        """``{cube name: table keys feeding it}``, in file order."""
        out: dict[str, list[str]] = {}
        for key, spec in self.tables.items():
            out.setdefault(spec.cube or key, []).append(key)
        return {cube: tuple(keys) for cube, keys in out.items()}


def load_table_config(path: Path | str | None = None) -> TablesConfig:
    """Read and validate the table configuration (default: the packaged TOML).

    Raises
    ------
    DataError
        The file is missing, not TOML, or breaks the schema (the message names the field).
    """
    source = Path(path) if path is not None else DEFAULT_CONFIG
    try:
        doc = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DataError(f"cannot read table configuration: {exc}", source=str(source)) from None
    try:
        return TablesConfig.model_validate(doc)
    except pydantic.ValidationError as exc:
        raise DataError(f"invalid table configuration: {exc}", source=str(source)) from None


@dataclass(frozen=True)
class ResolvedTable:
    """A table entry checked against live metadata: the exact query and the renaming.

    Attributes
    ----------
    name
        Cube name (the ``[tables.<name>]`` key).
    spec
        The configuration entry.
    selections
        ``{variable code: value codes}`` to POST (the content variable included).
    dims
        ``{variable code: our dim name}``.
    contents_dim
        The content variable's code.
    contents
        ``{content code: our variable name}``.
    missing_optional
        Our optional variables that the table does not offer.
    """

    name: str
    spec: TableSpec
    selections: dict[str, tuple[str, ...]]
    dims: dict[str, str]
    contents_dim: str
    contents: dict[str, str]
    missing_optional: tuple[str, ...] = ()


def _dim_values(meta: TableMetadata, var: Variable, spec: DimSpec) -> tuple[str, ...]:
    """The values of ``var`` that ``spec`` asks for, in the table's order."""
    if spec.pivot is not None:
        meta.require(var.code, tuple(spec.pivot))
        return tuple(v for v in var.values if v in spec.pivot)
    if spec.values is not None:
        meta.require(var.code, spec.values)
        wanted = set(spec.values)
        return tuple(v for v in var.values if v in wanted)
    values = tuple(v for v in var.values if v not in set(spec.exclude))
    if spec.pattern is not None:
        values = tuple(v for v in values if re.fullmatch(spec.pattern, v))
    if spec.top is not None:
        values = values[-spec.top :]
    if not values:
        raise SchemaDriftError(f"{meta.table}: variable {var.code!r} has no values left to fetch")
    return values


def _match_content(offered: tuple[str, ...], candidates: tuple[str, ...]) -> str | None:
    """The first candidate offered exactly, else the first offered with a ``<stat>-`` prefix."""
    if candidates == (ONLY_CONTENT,):
        return offered[0] if len(offered) == 1 else None
    for cand in candidates:
        if cand in offered:
            return cand
    for cand in candidates:
        hits = [o for o in offered if o.rsplit("-", 1)[-1] == cand.rsplit("-", 1)[-1]]
        if len(hits) == 1:
            return hits[0]
    return None


def _resolve_contents(
    meta: TableMetadata, spec: TableSpec
) -> tuple[Variable, dict[str, str], tuple[str, ...]]:
    """The content variable, ``{code: our name}`` and the optional variables it lacks."""
    var = meta.find(spec.contents_prefixes)
    contents: dict[str, str] = {}
    missing: list[str] = []
    for name, content in spec.variables.items():
        code = _match_content(var.values, content.codes)
        if code is None and content.optional:
            missing.append(name)
        elif code is None:
            raise SchemaDriftError(
                f"{meta.table}: content {var.code!r} offers none of {list(content.codes)} "
                f"for {name!r} (offers {list(var.values)[:20]})"
            )
        elif code in contents:
            raise SchemaDriftError(
                f"{meta.table}: {name!r} and {contents[code]!r} both map to {code}"
            )
        else:
            contents[code] = name
    return var, contents, tuple(missing)


def resolve(name: str, spec: TableSpec, meta: TableMetadata) -> ResolvedTable:
    """Check ``spec`` against ``meta`` and build the query.

    Raises
    ------
    SchemaDriftError
        A dim's variable or a value code is gone, a required content code is gone, two of
        our dims hit the same variable, or an unconfigured variable cannot be eliminated.
    """
    selections: dict[str, tuple[str, ...]] = {}
    dims: dict[str, str] = {}
    for dim, dim_spec in spec.dims.items():
        var = meta.find(dim_spec.prefixes)
        if var.code in dims:
            raise SchemaDriftError(
                f"{meta.table}: {dim!r} and {dims[var.code]!r} both match {var.code}"
            )
        dims[var.code] = dim
        selections[var.code] = _dim_values(meta, var, dim_spec)
    contents_var, contents, missing = _resolve_contents(meta, spec)
    if contents_var.code in dims:
        raise SchemaDriftError(f"{meta.table}: {contents_var.code!r} is both a dim and the content")
    selections[contents_var.code] = tuple(c for c in contents_var.values if c in contents)
    for var in meta.variables:
        if var.code not in selections and not var.elimination:
            raise SchemaDriftError(
                f"{meta.table}: variable {var.code!r} ({var.text}) is not configured and "
                "cannot be eliminated"
            )
    return ResolvedTable(name, spec, selections, dims, contents_var.code, contents, missing)


def describe(config: TablesConfig) -> Mapping[str, str]:
    """``{cube name: "db/table.px: description"}`` for listings."""
    return {name: f"{t.path}: {t.description}" for name, t in config.tables.items()}
