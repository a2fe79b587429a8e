"""A local PxWeb v1 server over real HTTP on loopback, answering from REAL recorded responses.

:class:`RecordedTable` is a table rebuilt from a verbatim StatFin PxWeb "json" response
(``statfin-2026/`` of the shared source data, ``settings.data.shared_data_dir``): its
metadata (GET) comes from the response's
``columns`` (variable codes such as ``alue_23_20260101`` and ``timeperiod_m``, value codes
in order of first appearance, the content codes as variable ``contentscode``) and POST
queries are answered from its ``data`` cells (strings, ``...`` symbols kept), as json-stat2
(what :class:`forecasting.io.statfin.StatFinClient` asks for) or PxWeb "json".

Tables the recording lacks are *derived* from it, and say so: ``with_ages`` splits 11re's
totals by sex over single ages 0..100 (the ages sum exactly to the recorded total);
``occupations_from`` builds a 12ti from 12r5's areas and counts; ``with_next_month``
adds a synthetic 2026M07 computed from 2026M06.

:class:`FakePxWebServer` serves them with :class:`http.server.ThreadingHTTPServer` on
127.0.0.1 and an ephemeral port, answers ``?config``, and can fail the next POST with one
429 (``Retry-After``) to prove the retry path. Nothing here touches the internet.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np

from forecasting.settings import get_settings

RECORDED = get_settings().data.shared_data_dir / "statfin-2026"
#: Older recorded json-stat responses (``pxweb-responses/`` of the shared data).
RESPONSES = get_settings().data.shared_data_dir / "pxweb-responses"
JSONSTAT_FILES = {"tyokay/115k.px": "tyokay_115k_jsonstat1_jobs_by_municipality_2019.json"}
FILES = {
    "tyonv/12r5.px": "tyonv_12r5_pxweb-json_all_variables_all_areas_2026M06.json",
    "vaerak/11re.px": "vaerak_11re_pxweb-json_population_by_sex_all_areas_2025.json",
    "vaerak/121w.px": "vaerak_121w_pxweb-json_vital_events_migration_all_areas_2025.json",
    "vkour/12bs.px": "vkour_12bs_pxweb-json_education_level_all_areas_2025.json",
}
CONTENTS = "contentscode"
SYMBOLS = frozenset({".", "..", "...", "....", ".....", "......", "-"})
PREFIX = "/PxWeb/api/v1/fi/"
Cell = Callable[[tuple[str, ...]], str | None]


@dataclass
class RecordedTable:
    """A table: variables (metadata order, content last) and a cell lookup by full key."""

    title: str
    variables: list[dict[str, Any]]
    cells: dict[tuple[str, ...], str]
    updated: str = ""
    source: str = ""

    @classmethod
    def from_response(cls, path: Path) -> RecordedTable:
        """Rebuild the table behind a recorded PxWeb "json" response."""
        doc = json.loads(path.read_text(encoding="utf-8"))
        keys = [c for c in doc["columns"] if c["type"] in ("d", "t")]
        contents = [c for c in doc["columns"] if c["type"] == "c"]
        values: list[dict[str, None]] = [{} for _ in keys]
        cells: dict[tuple[str, ...], str] = {}
        for row in doc["data"]:
            for seen, code in zip(values, row["key"], strict=True):
                seen.setdefault(code, None)
            for col, cell in zip(contents, row["values"], strict=True):
                cells[(*row["key"], col["code"])] = cell
        variables = [
            {
                "code": col["code"],
                "text": col["text"],
                "values": list(seen),
                "valueTexts": list(seen),
                "elimination": col["type"] == "d",
                "time": col["type"] == "t",
            }
            for col, seen in zip(keys, values, strict=True)
        ]
        variables.append(
            {
                "code": CONTENTS,
                "text": "Tiedot",
                "values": [c["code"] for c in contents],
                "valueTexts": [c["text"] for c in contents],
            }
        )
        meta = (doc.get("metadata") or [{}])[0]
        return cls(
            meta.get("label", path.stem),
            variables,
            cells,
            meta.get("updated", ""),
            meta.get("source", ""),
        )

    @classmethod
    def from_jsonstat(cls, path: Path) -> RecordedTable:
        """Rebuild the table behind a recorded json-stat (1.x bundle or 2.0) response.

        Every value of the response's dimensions becomes a metadata value; the last
        dimension is the content variable (StatFin's order), keeping its own code.
        """
        doc = json.loads(path.read_text(encoding="utf-8"))
        if "dataset" in doc:  # json-stat 1.x bundle
            doc = doc["dataset"]
        dimension = doc["dimension"]
        ids = list(doc.get("id") or dimension["id"])
        codes: list[list[str]] = []
        for code in ids:
            index = dimension[code]["category"]["index"]
            codes.append(
                list(index) if isinstance(index, list) else sorted(index, key=index.__getitem__)
            )
        time = set((doc.get("role") or dimension.get("role") or {}).get("time", []))
        cells: dict[tuple[str, ...], str] = {}
        flat = doc["value"]
        status = doc.get("status") or {}
        for i, key in enumerate(np.ndindex(*(len(c) for c in codes))):
            value = flat[str(i)] if isinstance(flat, dict) else flat[i]
            label = str(value) if value is not None else str(status.get(str(i), ".."))
            cells[tuple(c[j] for c, j in zip(codes, key, strict=True))] = label
        variables = [
            {
                "code": code,
                "text": str(dimension[code].get("label", code)),
                "values": vals,
                "valueTexts": vals,
                "elimination": "SSS" in vals and code not in time,
                "time": code in time or code.lower().startswith(("vuosi", "timeperiod")),
            }
            for code, vals in zip(ids[:-1], codes[:-1], strict=True)
        ]
        variables.append(
            {"code": ids[-1], "text": ids[-1], "values": codes[-1], "valueTexts": codes[-1]}
        )
        return cls(
            str(doc.get("label", path.stem)),
            variables,
            cells,
            str(doc.get("updated", "")),
            str(doc.get("source", "")),
        )

    @property
    def contents(self) -> str:
        """The content variable's code (the last variable)."""
        return str(self.variables[-1]["code"])

    def var(self, prefix: str) -> dict[str, Any]:
        return next(v for v in self.variables if v["code"].lower().startswith(prefix.lower()))

    def metadata(self) -> dict[str, Any]:
        return {"title": self.title, "variables": self.variables}

    def answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """``(status, document)`` for a POST body of item selections."""
        asked = {q["code"]: q["selection"]["values"] for q in body["query"]}
        fmt = (body.get("response") or {}).get("format", "json-stat2")
        chosen: list[tuple[dict[str, Any], list[str]]] = []
        for var in self.variables:
            if var["code"] in asked:
                unknown = set(asked[var["code"]]) - set(var["values"])
                if unknown:
                    return 400, {"error": f"{var['code']}: unknown values {sorted(unknown)}"}
                wanted = set(asked[var["code"]])
                chosen.append((var, [v for v in var["values"] if v in wanted]))
            elif var.get("elimination") and "SSS" in var["values"]:
                chosen.append((var, ["SSS"]))
            else:
                return 400, {"error": f"{var['code']} needs a selection"}
        keys = list(np.ndindex(*(len(v) for _, v in chosen)))
        cells = [
            self.cells.get(tuple(v[i] for (_, v), i in zip(chosen, k, strict=True))) for k in keys
        ]
        kept = [(var, vals) for var, vals in chosen if var["code"] in asked]
        if fmt == "json":
            return 200, self._pxjson(kept, cells)
        return 200, self._jsonstat2(kept, cells)

    def _jsonstat2(self, kept: list[tuple[dict[str, Any], list[str]]], cells: list[Any]) -> dict:
        values: list[Any] = []
        status: dict[str, str] = {}
        for i, cell in enumerate(cells):
            if cell is None or cell in SYMBOLS:
                values.append(0 if cell == "-" else None)
                if cell is not None:
                    status[str(i)] = cell
            else:
                try:
                    values.append(float(cell))
                except ValueError:
                    values.append(cell)  # a broken server: the client must refuse it
        dims = {
            var["code"]: {
                "label": var["text"],
                "category": {
                    "index": {c: i for i, c in enumerate(vals)},
                    "label": {c: c for c in vals},
                },
            }
            for var, vals in kept
        }
        return {
            "version": "2.0",
            "class": "dataset",
            "label": self.title,
            "source": self.source,
            "updated": self.updated,
            "id": [var["code"] for var, _ in kept],
            "size": [len(vals) for _, vals in kept],
            "dimension": dims,
            "value": values,
            "status": status,
            "role": {
                "time": [var["code"] for var, _ in kept if var.get("time")],
                "metric": [self.contents],
            },
        }

    def _pxjson(self, kept: list[tuple[dict[str, Any], list[str]]], cells: list[Any]) -> dict:
        keys = kept[:-1]
        contents = kept[-1][1]
        rows = []
        flat = iter(cells)
        for k in np.ndindex(*(len(v) for _, v in keys)):
            rows.append(
                {
                    "key": [v[i] for (_, v), i in zip(keys, k, strict=True)],
                    "values": [next(flat) or "." for _ in contents],
                }
            )
        columns = [
            {"code": v["code"], "text": v["text"], "type": "t" if v.get("time") else "d"}
            for v, _ in keys
        ]
        columns += [{"code": c, "text": c, "type": "c"} for c in contents]
        meta = [{"updated": self.updated, "label": self.title, "source": self.source}]
        return {"columns": columns, "comments": [], "data": rows, "metadata": meta}


def recorded(table: str) -> RecordedTable:
    """The recorded table ``"db/table.px"``."""
    return RecordedTable.from_response(RECORDED / FILES[table])


def _split(total: int, weights: np.ndarray) -> np.ndarray:
    """``total`` split over ``weights`` in integers that sum exactly (largest remainder)."""
    raw = total * weights / weights.sum()
    out = np.floor(raw).astype(int)
    out[np.argsort(raw - out)[::-1][: total - out.sum()]] += 1
    return out


AGE_WEIGHTS = np.concatenate([np.full(60, 1.0), np.linspace(1.0, 0.02, 41)])


def with_ages(table: RecordedTable, code: str = "ika_104_20260101") -> RecordedTable:
    """11re with single ages ``000``..``100`` (+ ``SSS``): each recorded total is split."""
    ages = ["SSS", *(f"{a:03d}" for a in range(101))]
    cells: dict[tuple[str, ...], str] = {}
    for (area, sex, year, content), cell in table.cells.items():
        cells[(area, sex, "SSS", year, content)] = cell
        parts = _split(int(cell), AGE_WEIGHTS) if cell.isdigit() else [cell] * 101
        for age, part in zip(ages[1:], parts, strict=True):
            cells[(area, sex, age, year, content)] = str(part)
    age_var = {
        "code": code,
        "text": "Ikä",
        "values": ages,
        "valueTexts": ages,
        "elimination": True,
        "time": False,
    }
    variables = [*table.variables[:2], age_var, *table.variables[2:]]
    return RecordedTable(table.title, variables, cells, table.updated, table.source)


OCCUPATIONS = ["SSS", "2221", "3221", "5321", "7231", "9112", "X999"]
OCC_WEIGHTS = np.array([0.1, 0.15, 0.3, 0.2, 0.15, 0.1])


def occupations_from(registers: RecordedTable) -> RecordedTable:
    """A 12ti from 12r5: occupation ``SSS`` = 12r5's count, the others an exact split."""
    area, time = registers.variables[0], registers.variables[1]
    codes = ["TYOTTOMATLOPUSSA", "AVPAIKATLOPUSSA"]
    cells: dict[tuple[str, ...], str] = {}
    for a in area["values"]:
        for t in time["values"]:
            for c in codes:
                cell = registers.cells[(a, t, c)]
                cells[(a, "SSS", t, c)] = cell
                parts = _split(int(cell), OCC_WEIGHTS) if cell.isdigit() else [cell] * 6
                for group, part in zip(OCCUPATIONS[1:], parts, strict=True):
                    cells[(a, group, t, c)] = str(part)
    occ = {
        "code": "Ammattiryhmä",
        "text": "Ammattiryhmä",
        "values": OCCUPATIONS,
        "valueTexts": OCCUPATIONS,
        "elimination": True,
        "time": False,
    }
    contents = {"code": CONTENTS, "text": "Tiedot", "values": codes, "valueTexts": codes}
    return RecordedTable(
        "12ti derived from 12r5",
        [area, occ, time, contents],
        cells,
        registers.updated,
        registers.source,
    )


def next_month(value: str) -> str:
    """A synthetic next month's cell: counts doubled (sums stay exact), others kept."""
    if value in SYMBOLS or not re.fullmatch(r"-?\d+(\.\d+)?", value):
        return value
    if "." in value:
        return value
    return str(int(value) * 2)


def with_next_month(
    table: RecordedTable, last: str = "2026M06", new: str = "2026M07"
) -> RecordedTable:
    """``table`` plus period ``new``, each cell derived from ``last`` by :func:`next_month`."""
    time_pos = next(i for i, v in enumerate(table.variables) if v.get("time"))
    variables = [dict(v) for v in table.variables]
    variables[time_pos]["values"] = [*variables[time_pos]["values"], new]
    variables[time_pos]["valueTexts"] = variables[time_pos]["values"]
    cells = dict(table.cells)
    for key, cell in table.cells.items():
        if key[time_pos] == last:
            cells[(*key[:time_pos], new, *key[time_pos + 1 :])] = next_month(cell)
    return RecordedTable(table.title, variables, cells, "2026-08-20T05.00.00Z", table.source)


def commuting_tables(years: int = 10) -> dict[str, RecordedTable]:
    """DERIVED 115n and 115p (no response of either was recorded), from the snapshot's
    ``commuting`` cube (the real tyokay 115n/115p extracts, municipalities + SSS), its last
    ``years`` years.

    Value codes as configured (``pendelointi`` SSS/1/2: total, working in the home
    municipality, commuting out (115n) / in (115p)); 115p's ``1`` (jobs held by residents)
    equals 115n's ``1``, as in the source. The titles say ``DERIVED``.
    """
    from forecasting import snapshot  # tests only; the cube is the derivation's source

    cube = snapshot.load("commuting").isel(time=slice(-years, None))
    areas = ["SSS" if a == "SSS" else f"KU{a}" for a in map(str, cube["area"].values)]
    years_codes = [f"{t:%Y}" for t in cube.indexes["time"]]
    home = cube["residents_working_in_home_municipality"]
    layouts = {
        "tyokay/115n.px": (
            "alue_23_20260101",
            "tyokay-tyolliset",
            {"SSS": cube["employed_residents"], "1": home, "2": cube["commuting_out"]},
        ),
        "tyokay/115p.px": (
            "Työpaikan alue",
            "tyokay-tyolliset3",
            {"SSS": cube["jobs"], "1": home, "2": cube["commuting_in"]},
        ),
    }
    out = {}
    for path, (area_code, content, series) in layouts.items():
        cells: dict[tuple[str, ...], str] = {}
        for status, values in series.items():
            grid = values.transpose("area", "time").values
            for i, area in enumerate(areas):
                for j, year in enumerate(years_codes):
                    v = grid[i, j]
                    cells[(area, status, year, content)] = "..." if np.isnan(v) else str(int(v))
        variables: list[dict[str, Any]] = [
            {
                "code": area_code,
                "text": "Alue",
                "values": areas,
                "valueTexts": areas,
                "elimination": True,
                "time": False,
            },
            {
                "code": "pendelointi_1_20180101",
                "text": "Pendelöinti",
                "values": ["SSS", "1", "2"],
                "valueTexts": ["SSS", "1", "2"],
                "elimination": True,
                "time": False,
            },
            {
                "code": "timeperiod_y",
                "text": "Vuosi",
                "values": years_codes,
                "valueTexts": years_codes,
                "elimination": False,
                "time": True,
            },
            {"code": CONTENTS, "text": "Tiedot", "values": [content], "valueTexts": [content]},
        ]
        title = f"{path} DERIVED from the snapshot's commuting cube (not a recorded response)"
        out[path] = RecordedTable(title, variables, cells, "2019-12-13T06:00:00Z", "derived")
    return out


def standard_tables() -> dict[str, RecordedTable]:
    """The recorded tables (11re with derived ages, 115k from its json-stat1 response), the
    derived 12ti and the derived 115n/115p (:func:`commuting_tables`).

    Built once per process; the dict is new each call (tables are never mutated: the
    helpers above return new ones).
    """
    return dict(_standard_tables())


@lru_cache(maxsize=1)
def _standard_tables() -> dict[str, RecordedTable]:
    registers = recorded("tyonv/12r5.px")
    return {
        "tyonv/12r5.px": registers,
        "tyonv/12ti.px": occupations_from(registers),
        "vaerak/11re.px": with_ages(recorded("vaerak/11re.px")),
        "vaerak/121w.px": recorded("vaerak/121w.px"),
        "vkour/12bs.px": recorded("vkour/12bs.px"),
        "tyokay/115k.px": RecordedTable.from_jsonstat(RESPONSES / JSONSTAT_FILES["tyokay/115k.px"]),
        **commuting_tables(),
    }


@dataclass
class FakePxWebServer:
    """The HTTP server; ``tables`` keyed by ``"db/table.px"`` may be replaced between runs."""

    tables: dict[str, RecordedTable]
    config: dict[str, Any] = field(
        default_factory=lambda: {
            "maxValues": 5000,
            "maxCells": 5000,
            "maxCalls": 1000,
            "timeWindow": 10,
        }
    )
    fail_next_posts: int = 0
    retry_after: str = "1"
    log: list[tuple[str, str, int]] = field(default_factory=list)
    _httpd: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/PxWeb/api/v1"

    def handle(self, method: str, path: str, query: str, body: bytes) -> tuple[int, dict, Any]:
        """``(status, headers, JSON document)`` of one request."""
        if path == PREFIX and "config" in query:
            return 200, {}, self.config
        table = self.tables.get(path.removeprefix(PREFIX + "StatFin/"))
        if table is None:
            return 404, {}, {"error": "not found"}
        if method == "GET":
            return 200, {}, table.metadata()
        if self.fail_next_posts > 0:
            self.fail_next_posts -= 1
            return 429, {"Retry-After": self.retry_after}, {"error": "too many requests"}
        status, doc = table.answer(json.loads(body))
        return status, {}, doc

    def start(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path, _, query = self.path.partition("?")
                status, headers, doc = server.handle(method, path, query, body)
                server.log.append((method, self.path, status))
                payload = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                self._reply("GET")

            def do_POST(self) -> None:
                self._reply("POST")

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def posts(self) -> list[tuple[str, str, int]]:
        return [e for e in self.log if e[0] == "POST"]


@contextmanager
def serving(tables: dict[str, RecordedTable] | None = None) -> Iterator[FakePxWebServer]:
    """A started server (stopped on exit)."""
    server = FakePxWebServer(tables if tables is not None else standard_tables())
    server.start()
    try:
        yield server
    finally:
        server.stop()
